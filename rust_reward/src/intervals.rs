//! Intervals with infinite ends and unions of intervals (`(2,\infty)`, `[2,+\infty)`,
//! `(-\infty, 2) \cup (3, \infty)`, `x \in [-2, 7]`), compared as sets the way math-verify
//! compares them: sympy builds each side as a set (merging overlapping or touching pieces:
//! `(0,9) \cup [9,36)` is `(0,36)`) and two sets are equal when they hold the same points.
//!
//! Both sides are brought to the same canonical form — pieces sorted and merged — and compared
//! exactly. The fast path takes only what sympy reads the same way: each piece non-empty
//! (`lo < hi`), `-\infty` / `\infty` only with an open bracket, exact endpoints (no decimals,
//! which math-verify rounds). `False` needs rational endpoints (math-verify compares endpoints
//! numerically, so irrational ones a hair apart are left to it). An `x \in` prefix is dropped (to
//! math-verify `x \in I` against `I` is equal); two different letters are left to it.
//! This path is taken only when a side holds `\infty`, `\cup` or `\in`; plain pairs stay with
//! the tuple/interval rules of [`crate::rules`].

use crate::scalar::{clean_for_parse, parse_scalar, split_top};
use crate::value::Value;
use crate::verdict::Verdict;
use std::cmp::Ordering;

/// Most pieces in a union.
const MAX_PIECES: usize = 16;

#[derive(Debug, Clone, PartialEq)]
enum End {
    NegInf,
    Finite(Value),
    PosInf,
}

#[derive(Debug, Clone, PartialEq)]
struct Piece {
    lo: End,
    lo_open: bool,
    hi: End,
    hi_open: bool,
}

/// A canonical union: disjoint pieces in increasing order, and the `x \in` letter if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    var: Option<u8>,
    pieces: Vec<Piece>,
}

/// True when `s` is one this module parses (`\infty`, `\cup` or `\in` in it).
pub fn applies(s: &str) -> bool {
    s.contains("\\infty")
        || s.contains("\\cup")
        || s.match_indices("\\in").any(|(p, _)| !s[p + 3..].starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// Order of two ends; `None` when two distinct finite values are too close to order in f64.
fn cmp_end(a: &End, b: &End) -> Option<Ordering> {
    use End::*;
    match (a, b) {
        (NegInf, NegInf) | (PosInf, PosInf) => Some(Ordering::Equal),
        (NegInf, _) | (_, PosInf) => Some(Ordering::Less),
        (_, NegInf) | (PosInf, _) => Some(Ordering::Greater),
        (Finite(x), Finite(y)) => {
            if x == y {
                return Some(Ordering::Equal);
            }
            let d = x.sub(y).ok()?;
            if let Some(q) = d.as_rational() {
                return Some(if q > num_rational::BigRational::from_integer(0.into()) {
                    Ordering::Greater
                } else {
                    Ordering::Less
                });
            }
            let (fx, fy) = (x.to_f64()?, y.to_f64()?);
            let margin = 1e-9 * (1.0 + fx.abs().max(fy.abs()));
            if (fx - fy).abs() <= margin {
                None
            } else {
                fx.partial_cmp(&fy)
            }
        }
    }
}

fn end_of(s: &str) -> Option<End> {
    let t = s.trim();
    match t {
        "\\infty" | "+\\infty" | "+ \\infty" => return Some(End::PosInf),
        "-\\infty" | "- \\infty" => return Some(End::NegInf),
        _ => {}
    }
    if t.contains("\\infty") {
        return None;
    }
    let n = parse_scalar(t, false)?;
    if n.float {
        return None;
    }
    Some(End::Finite(n.value))
}

fn piece_of(s: &str) -> Option<Piece> {
    let t = s.trim();
    let b = t.as_bytes();
    if b.len() < 2 {
        return None;
    }
    let lo_open = match b[0] {
        b'(' => true,
        b'[' => false,
        _ => return None,
    };
    let hi_open = match b[b.len() - 1] {
        b')' => true,
        b']' => false,
        _ => return None,
    };
    let parts = split_top(&t[1..t.len() - 1])?;
    if parts.len() != 2 {
        return None;
    }
    let (lo, hi) = (end_of(parts[0])?, end_of(parts[1])?);
    // Infinite ends only with open brackets, on their own side; the piece non-empty.
    if (lo == End::NegInf && !lo_open) || (hi == End::PosInf && !hi_open) {
        return None;
    }
    if lo == End::PosInf || hi == End::NegInf || cmp_end(&lo, &hi)? != Ordering::Less {
        return None;
    }
    Some(Piece { lo, lo_open, hi, hi_open })
}

/// Parse and canonicalise a union (module docs); `None` outside the language.
pub fn parse(s: &str) -> Option<Union> {
    let c = clean_for_parse(s)?;
    if c.percent {
        return None;
    }
    let mut t = c.text.trim();
    let mut var = None;
    let b = t.as_bytes();
    if b.len() > 1 && b[0].is_ascii_lowercase() && !matches!(b[0], b'e' | b'i') {
        let rest = t[1..].trim_start();
        if let Some(after) = rest.strip_prefix("\\in") {
            if !after.starts_with(|c: char| c.is_ascii_alphabetic()) {
                var = Some(b[0]);
                t = after.trim();
            }
        }
    }
    let raw: Vec<&str> = t.split("\\cup").collect();
    if raw.len() > MAX_PIECES {
        return None;
    }
    let mut pieces: Vec<Piece> = raw.iter().map(|p| piece_of(p)).collect::<Option<_>>()?;
    // Sort by lower end (exact order required), then merge overlapping or touching pieces.
    let mut err = false;
    pieces.sort_by(|a, b| {
        cmp_end(&a.lo, &b.lo).unwrap_or_else(|| {
            err = true;
            Ordering::Equal
        })
    });
    if err {
        return None;
    }
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for p in pieces {
        if let Some(last) = out.last_mut() {
            let touch = cmp_end(&p.lo, &last.hi)?;
            let joins = touch == Ordering::Less || (touch == Ordering::Equal && !(p.lo_open && last.hi_open));
            if joins {
                match cmp_end(&p.hi, &last.hi)? {
                    Ordering::Greater => {
                        last.hi = p.hi;
                        last.hi_open = p.hi_open;
                    }
                    Ordering::Equal => last.hi_open = last.hi_open && p.hi_open,
                    Ordering::Less => {}
                }
                if cmp_end(&p.lo, &last.lo)? == Ordering::Equal {
                    last.lo_open = last.lo_open && p.lo_open;
                }
                continue;
            }
        }
        out.push(p);
    }
    Some(Union { var, pieces: out })
}

fn rational_ends(u: &Union) -> bool {
    u.pieces.iter().all(|p| {
        [&p.lo, &p.hi].iter().all(|e| match e {
            End::Finite(v) => v.as_rational().is_some(),
            _ => true,
        })
    })
}

/// Verdict on two strings of which at least one [`applies`].
pub fn decide(pred: &str, gold: &str) -> Verdict {
    let (Some(a), Some(b)) = (parse(pred), parse(gold)) else {
        return Verdict::Undecided;
    };
    if let (Some(x), Some(y)) = (a.var, b.var) {
        if x != y {
            return Verdict::Undecided;
        }
    }
    if a.pieces == b.pieces {
        Verdict::True
    } else if rational_ends(&a) && rational_ends(&b) {
        Verdict::False
    } else {
        Verdict::Undecided
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    #[test]
    fn table() {
        let cases = [
            ("(2,\\infty)", "(2, +\\infty)", True),
            ("(2,\\infty)", "[2,\\infty)", False),
            ("(-\\infty, 0]", "(-\\infty,0)", False),
            ("(0,9) \\cup (9,36)", "(9,36)\\cup(0,9)", True),
            ("(0,9) \\cup [9,36)", "(0,36)", True), // touching pieces merge
            ("(0,9) \\cup (9,36)", "(0,36)", False), // 9 is missing
            ("x \\in [-2,7]", "[-2,7]", True),
            ("x \\in [-2,7]", "y \\in [-2,7]", Undecided),
            ("x \\in [-2,7]", "x\\in[-2,7]", True),
            ("x \\in [-2,7]", "x \\in [-2,7)", False),
            ("(-\\infty, 2) \\cup (3, \\infty)", "(3,\\infty)\\cup(-\\infty,2)", True),
            ("[2,\\infty]", "[2,\\infty)", Undecided), // closed at infinity: left to math-verify
            ("(3,2)\\cup(4,5)", "(4,5)", Undecided),   // empty piece
            ("(\\sqrt{2},\\infty)", "(\\sqrt{2},\\infty)", True),
            ("(\\sqrt{2},\\infty)", "(1.41421356,\\infty)", Undecided),
            ("(\\sqrt{2},\\infty)", "(2,\\infty)", Undecided), // irrational end: only True here
            ("(-\\infty,-3)", "(-\\infty,-3]", False),
        ];
        for (a, g, want) in cases {
            assert_eq!(decide(a, g), want, "{a} vs {g}");
            assert_eq!(decide(g, a), want, "{g} vs {a}");
        }
    }
}
