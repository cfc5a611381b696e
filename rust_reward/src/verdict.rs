//! The three-valued answer of the fast path, shared by the scalar rules ([`crate::rules`]) and
//! the polynomial comparison ([`crate::poly`]) so neither depends on the other for it.

/// `True` / `False`: the fast path is sure and agrees with math-verify; `Undecided`: only
/// math-verify can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    False = 0,
    True = 1,
    Undecided = 2,
}
