//! Lists of constants — `2^{-2/3}, 8`, `\{1 \pm \sqrt{5}, -2\}`, `1 \pm \sqrt{19}`,
//! `x = 1, x = 2`, lists of tuples `(1, 8, 19), (2, 7, 13)` — compared the way math-verify
//! compares finite sets.
//!
//! To math-verify a top-level comma list (bare or in `\{ \}`) is a sympy FiniteSet, `a \pm b` is
//! the set {a + b, a − b}, and parenthesised pairs inside a list are tuples (a lone `(a, b)` is an
//! interval: [`crate::rules`]'s business). Two finite sets are equal when their elements, each
//! side sorted by numeric value, are equal pair by pair. So both sides here are read as lists of
//! elements, each an [`crate::expr`] constant (no variable, no decimal: it rounds those) or a
//! tuple of such constants, evaluated numerically ([`crate::identity::constant_value`]; real
//! values only), sorted, and compared pair by pair:
//! * `True` when every pair is equal (|a − b| ≤ 10⁻¹⁰ · scale);
//! * `False` when the sizes differ or a pair differs clearly (> 10⁻⁶ · scale): the multisets of
//!   values differ, so no pairing is equal;
//! * `Undecided` otherwise, and whenever two elements of one side are close (sympy would merge
//!   equal ones and the order of near-ties is not sure), arities are mixed, or either side has
//!   fewer than two elements.

use crate::identity::constant_value;
use crate::scalar::split_top;
use crate::verdict::Verdict;
use std::cmp::Ordering;

/// Most elements read.
const MAX_ELEMENTS: usize = 64;

/// One element: its components (one for a plain value) as (value, scale).
type Elem = Vec<(f64, f64)>;

fn value_of(s: &str) -> Option<(f64, f64)> {
    let e = crate::expr::parse(s)?;
    if !e.variables().is_empty() || e.has_decimal() {
        return None;
    }
    constant_value(&e)
}

/// `A \pm B` with one top-level `\pm` (A possibly empty): the two values A + B and A − B.
fn plus_minus(s: &str) -> Option<Vec<(f64, f64)>> {
    let p = s.find("\\pm")?;
    let (a, b) = (s[..p].trim(), s[p + 3..].trim());
    if b.contains("\\pm") || b.starts_with(|c: char| c.is_ascii_alphabetic()) || a.contains("\\pm") {
        return None;
    }
    // `\pm` at the top level only: no bracket open before it.
    let depth: i32 = a.bytes().map(|c| match c {
        b'(' | b'[' | b'{' => 1,
        b')' | b']' | b'}' => -1,
        _ => 0,
    }).sum();
    if depth != 0 {
        return None;
    }
    let (vb, sb) = value_of(b)?;
    let (va, sa) = if a.is_empty() { (0.0, 0.0) } else { value_of(a)? };
    let scale = sa.max(sb);
    Some(vec![(va + vb, scale), (va - vb, scale)])
}

fn tuple_of(s: &str) -> Option<Elem> {
    let inner = s.strip_prefix('(')?.strip_suffix(')')?;
    let parts = split_top(inner)?;
    if parts.len() < 2 {
        return None;
    }
    parts.iter().map(|p| value_of(p.trim())).collect()
}

/// The elements of a list, or `None` outside the language (module docs).
fn parse(s: &str) -> Option<Vec<Elem>> {
    if s.len() > crate::scalar::MAX_ANSWER_LEN {
        return None;
    }
    let mut t = s.trim().replace("\\left\\{", "\\{").replace("\\right\\}", "\\}");
    t = t.replace("\\left(", "(").replace("\\right)", ")");
    let body = match t.strip_prefix("\\{").and_then(|r| r.strip_suffix("\\}")) {
        Some(inner) if !inner.contains("\\{") => inner.to_string(),
        _ => t.clone(),
    };
    let parts = split_top(&body)?;
    if parts.len() > MAX_ELEMENTS {
        return None;
    }
    let several = parts.len() >= 2;
    let mut out = Vec::new();
    for p in parts {
        let p = p.trim();
        if p.contains("\\pm") {
            out.extend(plus_minus(p)?.into_iter().map(|v| vec![v]));
        } else if several && p.starts_with('(') && p.ends_with(')') && p[1..].contains(',') {
            out.push(tuple_of(p)?);
        } else if several {
            out.push(vec![value_of(p)?]);
        } else {
            return None;
        }
    }
    Some(out)
}

/// The number of distinct elements of a list of constants (2 or more written), when it is one.
pub(crate) fn distinct_elements(s: &str) -> Option<usize> {
    let mut xs = parse(s)?;
    if xs.len() < 2 {
        return None;
    }
    xs.sort_by(cmp_elem);
    if has_near_ties(&xs) {
        return None;
    }
    Some(xs.len())
}

fn cmp_elem(a: &Elem, b: &Elem) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.0.partial_cmp(&y.0) {
            Some(Ordering::Equal) | None => continue,
            Some(o) => return o,
        }
    }
    Ordering::Equal
}

/// How two components compare: Some(true) equal, Some(false) clearly different, None unsure.
fn same(x: (f64, f64), y: (f64, f64)) -> Option<bool> {
    let s = x.1.max(y.1).max(f64::MIN_POSITIVE);
    let d = (x.0 - y.0).abs();
    if d <= 1e-10 * s {
        Some(true)
    } else if d > 1e-6 * s {
        Some(false)
    } else {
        None
    }
}

/// Some elements of the sorted list are too close to order or to tell apart.
fn has_near_ties(xs: &[Elem]) -> bool {
    xs.windows(2).any(|w| w[0].iter().zip(&w[1]).all(|(x, y)| same(*x, *y) != Some(false)))
}

/// `v = a, v = b, …` or `v = a, b, …` with one variable `v` (a single letter): (`v`, the list
/// of values `a, b, …`, and whether each value had `v =`). math-verify reads the first as a set
/// of equations and the second as `Eq(v, {a, b, …})`, and compares either with a set of values
/// by the values on the right.
/// A later element of exactly three digits (`x = 1,000`: thousands to it) and `\pm` in any
/// (math-verify reads `x = a, x = b \pm c` another way) are refused.
fn assigned_list(s: &str) -> Option<(String, String, bool)> {
    let parts = split_top(s)?;
    if parts.len() < 2 {
        return None;
    }
    let (v, first) = crate::expr::assignment(parts[0].trim())?;
    if v.len() != 1 || first.contains("\\pm") {
        return None;
    }
    let each_assigned = parts[1].contains('=');
    let mut values = vec![first.to_string()];
    for p in &parts[1..] {
        let p = p.trim();
        if (p.len() == 3 && p.bytes().all(|c| c.is_ascii_digit())) || p.contains("\\pm") {
            return None;
        }
        if each_assigned {
            let (w, r) = crate::expr::assignment(p)?;
            if w != v {
                return None;
            }
            values.push(r.to_string());
        } else if p.contains('=') {
            return None;
        } else {
            values.push(p.to_string());
        }
    }
    Some((v, values.join(", "), each_assigned))
}

/// Verdict on two answers read as lists (module docs), either possibly a list of values of one
/// variable ([`assigned_list`]; two different variables are left to math-verify).
pub fn decide(pred: &str, gold: &str) -> Verdict {
    let (pred, pv) = assigned_list(pred).map_or((pred.to_string(), None), |(v, l, each)| (l, Some((v, each))));
    let (gold, gv) = assigned_list(gold).map_or((gold.to_string(), None), |(v, l, each)| (l, Some((v, each))));
    if let (Some((x, each_x)), Some((y, each_y))) = (&pv, &gv) {
        // Two `Eq(v, {…})` are relations to it, compared as such: False even when equal.
        if x != y || (!each_x && !each_y) {
            return Verdict::Undecided;
        }
    }
    let (Some(mut a), Some(mut b)) = (parse(&pred), parse(&gold)) else {
        return Verdict::Undecided;
    };
    if a.len() < 2 || b.len() < 2 {
        return Verdict::Undecided;
    }
    let arity = a[0].len();
    if a.iter().chain(&b).any(|e| e.len() != arity) {
        return Verdict::Undecided;
    }
    a.sort_by(cmp_elem);
    b.sort_by(cmp_elem);
    if has_near_ties(&a) || has_near_ties(&b) {
        return Verdict::Undecided;
    }
    if a.len() != b.len() {
        return Verdict::False;
    }
    let mut out = Verdict::True;
    for (x, y) in a.iter().zip(&b) {
        for (p, q) in x.iter().zip(y) {
            match same(*p, *q) {
                Some(true) => {}
                Some(false) => return Verdict::False,
                None => out = Verdict::Undecided,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    #[test]
    fn table() {
        let cases = [
            ("1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 1-\\sqrt{19}", True),
            ("1 \\pm \\sqrt{19}", "1+\\sqrt{19}, 2-\\sqrt{19}", False),
            ("\\{1\\pm\\sqrt{5},-2\\}", "-2, 1-\\sqrt{5}, 1+\\sqrt{5}", True),
            ("2^{-2 / 3}, 8", "8, \\frac{1}{\\sqrt[3]{4}}", True),
            ("(1,8,19), (2,7,13)", "(2,7,13),(1,8,19)", True),
            ("(1,8,19), (2,7,13)", "(2,7,13),(1,8,20)", False),
            ("(1,8,19), (2,7,13)", "(2,7,13),(1,8,19),(4,5,7)", False),
            ("(1,2), (3,4)", "1, 2", Undecided), // arities differ
            ("1, 1, 2", "1, 2", Undecided),        // sympy merges equal elements
            ("\\pm 2", "2, -2", True),
            ("(1, 2)", "(1, 2)", Undecided), // one interval, not a list
            ("x, 2", "2, x", Undecided),     // variables: order of sympy's sort unknown
            ("0.5, 2", "\\frac12, 2", Undecided), // decimals: its rounding rules
            // lists of values of one variable
            ("x=-6, x=2", "2, -6", True),
            ("x=-3,4", "x=4, x=-3", True),
            ("x=0, \\pi, \\frac{\\pi}{4}", "\\frac{\\pi}{4}, 0, \\pi", True),
            ("x=1, x=2", "1, 3", False),
            ("x=1, x=2", "x=1, x=2, x=3", False),
            ("x=1, x=2", "y=1, y=2", Undecided),
            ("x=1, y=2", "1, 2", Undecided),
            ("x=1,000", "1, 0", Undecided),
            ("x=1, 2", "x=2, 1", Undecided), // two relations `Eq(x, {1, 2})`: False to it
            ("x=1, 2", "x=2, x=1", True),
            ("x = -2, x = 1 \\pm \\sqrt{6}", "-2, 1-\\sqrt{6}, 1+\\sqrt{6}", Undecided),
        ];
        for (a, g, want) in cases {
            assert_eq!(decide(a, g), want, "{a} vs {g}");
        }
    }
}
