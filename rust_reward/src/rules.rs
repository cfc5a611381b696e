//! The decision rules of the fast path: `decide` parses both sides ([`crate::scalar`]) and
//! answers `True`, `False` or `Undecided`. It is deliberately conservative: it mirrors the
//! comparison rules of math-verify (rounding of decimals to 6 places, `50\%` = 50 = 0.5,
//! `x = 5` = 5, ordered tuples, unordered sets, intervals) and says `Undecided` wherever
//! those rules could answer differently. It never answers `True` for values that differ.
//! Pairs outside the scalar language are tried as polynomials ([`crate::poly`]: `x^2 + 3x`
//! against `x(x+3)`).

use crate::scalar::{parse_answer, Answer, Delim, Num};
use crate::value::Value;
pub use crate::verdict::Verdict;
use num_traits::Signed;

/// |a − b| as f64 when it can be estimated reliably.
fn abs_diff(a: &Value, b: &Value) -> Option<f64> {
    let d = a.sub(b).ok()?;
    if let Some(q) = d.as_rational() {
        return crate::value::ratio_to_f64(&q.abs());
    }
    // Irrational difference: estimate it only for moderate magnitudes (f64 is exact to ~1e-16
    // relative, far below the margins used below).
    let fa = a.to_f64()?;
    let fb = b.to_f64()?;
    if fa.abs() > 1e9 || fb.abs() > 1e9 {
        return None;
    }
    Some(d.to_f64()?.abs())
}

/// Plain scalar comparison, no percent.
fn decide_values(a: &Num, b: &Num) -> Verdict {
    if a.value == b.value {
        return Verdict::True;
    }
    let both_rational = a.value.as_rational().is_some() && b.value.as_rational().is_some();
    if !a.float && !b.float {
        if both_rational {
            return Verdict::False; // exact rationals: math-verify compares them exactly
        }
        // Distinct exact irrationals: math-verify evaluates the difference to 15 digits.
        return match abs_diff(&a.value, &b.value) {
            Some(d) if d > 1e-6 => Verdict::False,
            _ => Verdict::Undecided,
        };
    }
    // A decimal took part: math-verify rounds to 6 places (atomic) or compares numerically.
    // Values more than 1e-6 apart round apart; anything closer is left to math-verify.
    match abs_diff(&a.value, &b.value) {
        Some(d) if d > 2e-6 => Verdict::False,
        _ => Verdict::Undecided,
    }
}

fn scaled(n: &Num) -> Option<Num> {
    let hundred = Value::int(100);
    Some(Num { value: n.value.div(&hundred).ok()??, percent: false, ..n.clone() })
}

/// Scalar comparison with math-verify's percent rules: `X\%` equals X/100, and also X when
/// both sides are integer literals.
fn decide_scalar(a: &Num, b: &Num) -> Verdict {
    if !a.percent && !b.percent {
        return decide_values(a, b);
    }
    if a.percent && b.percent {
        // math-verify compares the percent forms; same literal values → equal.
        let plain_a = Num { percent: false, ..a.clone() };
        let plain_b = Num { percent: false, ..b.clone() };
        return match decide_values(&plain_a, &plain_b) {
            Verdict::True => Verdict::True,
            _ => Verdict::Undecided,
        };
    }
    let (p, o) = if a.percent { (a, b) } else { (b, a) };
    if !p.atomic {
        return Verdict::Undecided;
    }
    let Some(ps) = scaled(p) else { return Verdict::Undecided };
    if !o.atomic {
        // `25\%` against `\frac{1}{4}`: math-verify reads `25\%` as 25·(1/100) and compares
        // values, so an exact match is equal; anything else is left to it.
        return match decide_values(&ps, o) {
            Verdict::True => Verdict::True,
            _ => Verdict::Undecided,
        };
    }
    let plain_p = Num { percent: false, ..p.clone() };
    let by_value = decide_values(&ps, o);
    if by_value == Verdict::True {
        return Verdict::True;
    }
    let by_literal = decide_values(&plain_p, o);
    if p.atomic_int && o.atomic_int && !o.float {
        if by_literal == Verdict::True {
            return Verdict::True;
        }
    }
    if by_value == Verdict::False && by_literal == Verdict::False {
        Verdict::False
    } else {
        Verdict::Undecided
    }
}

fn all_of(pairs: impl Iterator<Item = Verdict>) -> Verdict {
    let mut out = Verdict::True;
    for v in pairs {
        match v {
            Verdict::False => return Verdict::False,
            Verdict::Undecided => out = Verdict::Undecided,
            Verdict::True => {}
        }
    }
    out
}

fn approx(n: &Num) -> Option<f64> {
    n.value.to_f64()
}

/// True when the two endpoints of a 2-element sequence are strictly increasing (so math-verify
/// reads it as a non-empty interval, not an empty set or a point).
fn increasing(xs: &[Num]) -> bool {
    if xs.len() != 2 {
        return true;
    }
    match (approx(&xs[0]), approx(&xs[1])) {
        (Some(x), Some(y)) => y - x > 1e-6 * (1.0 + x.abs().max(y.abs())),
        _ => false,
    }
}

/// [`increasing`] for other modules.
pub(crate) fn increasing_pub(xs: &[Num]) -> bool {
    increasing(xs)
}

fn decide_seq(da: Delim, xs: &[Num], db: Delim, ys: &[Num]) -> Verdict {
    if xs.len() != ys.len() {
        return Verdict::Undecided;
    }
    if da != db {
        // Two pairs in different brackets: when one of them is a non-empty interval
        // (a < b), math-verify always answers False (`(1,2)` vs `[1,2]`, `[4,9)` vs `(4,9]`,
        // `(2,1)` vs `[1,2]`). Two empty or reversed ones (`(2,2]` vs `[3,1)`, `(2,1)` vs
        // `[2,1]`) can be equal to it, and so can longer tuples in other brackets
        // (`(3,2,-1)` vs `[3,2,-1]`): those are left to it.
        return if xs.len() == 2 && (increasing(xs) || increasing(ys)) {
            Verdict::False
        } else {
            Verdict::Undecided
        };
    }
    let v = all_of(xs.iter().zip(ys).map(|(x, y)| decide_scalar(x, y)));
    match v {
        Verdict::True => Verdict::True,
        // (a, b) with a ≥ b may be an empty interval, where any two are "equal"; one non-empty
        // side (`(4,7)` vs `(7,4)`) is never equal to the other.
        Verdict::False if increasing(xs) || increasing(ys) => Verdict::False,
        _ => Verdict::Undecided,
    }
}

fn decide_set(xs: &[Num], ys: &[Num]) -> Verdict {
    if xs.iter().chain(ys).any(|n| n.float || n.percent) {
        return Verdict::Undecided;
    }
    let mut a: Vec<&Value> = xs.iter().map(|n| &n.value).collect();
    let mut b: Vec<&Value> = ys.iter().map(|n| &n.value).collect();
    a.sort_by(|x, y| x.terms.iter().cmp(y.terms.iter()));
    a.dedup();
    b.sort_by(|x, y| x.terms.iter().cmp(y.terms.iter()));
    b.dedup();
    if a == b {
        return Verdict::True;
    }
    // False only when every element missing from one side is far from all of the other.
    let far_from_all = |v: &Value, others: &[&Value]| {
        others.iter().all(|o| matches!(abs_diff(v, o), Some(d) if d > 1e-6))
    };
    let a_only: Vec<&&Value> = a.iter().filter(|v| !b.contains(v)).collect();
    let b_only: Vec<&&Value> = b.iter().filter(|v| !a.contains(v)).collect();
    if a_only.iter().all(|v| far_from_all(v, &b)) && b_only.iter().all(|v| far_from_all(v, &a)) {
        Verdict::False
    } else {
        Verdict::Undecided
    }
}

/// Compare two parsed answers (`pred` against `gold`).
pub fn decide_parsed(pred: &Answer, gold: &Answer) -> Verdict {
    use Answer::*;
    match (pred, gold) {
        (Scalar(a), Scalar(b)) => decide_scalar(a, b),
        (Assign(_, a), Scalar(b)) | (Scalar(a), Assign(_, b)) => decide_scalar(a, b),
        (Assign(x, a), Assign(y, b)) => {
            if x != y {
                return Verdict::Undecided;
            }
            match decide_scalar(a, b) {
                Verdict::True => Verdict::True,
                Verdict::False if !a.float && !b.float => Verdict::False,
                _ => Verdict::Undecided,
            }
        }
        (Seq(da, xs), Seq(db, ys)) => decide_seq(*da, xs, *db, ys),
        (Set(xs), Set(ys)) => decide_set(xs, ys),
        // math-verify compares same-shaped matrices entry by entry (its numeric rules per
        // entry, then symbolic equality); other shapes, and a matrix against a tuple, are left
        // to it. A False entry needs exact values on both sides.
        (Matrix(r, c, xs), Matrix(r2, c2, ys)) if (r, c) == (r2, c2) => {
            match all_of(xs.iter().zip(ys).map(|(x, y)| decide_scalar(x, y))) {
                Verdict::False if xs.iter().chain(ys).any(|n| n.float) => Verdict::Undecided,
                v => v,
            }
        }
        _ => Verdict::Undecided,
    }
}

/// Spacing commands math-verify's normaliser deletes.
const SPACING: [&str; 7] = ["\\qquad", "\\quad", "\\,", "\\;", "\\:", "\\!", "\\ "];

/// `s` without spacing commands and whitespace at either end (`\begin{pmatrix}…\end{pmatrix}\,`
/// reads as the matrix to math-verify, which deletes them).
fn strip_spacing(s: &str) -> &str {
    let mut t = s.trim();
    loop {
        let before = t.len();
        for sp in SPACING {
            if let Some(r) = t.strip_suffix(sp) {
                // `\\,` is a row break then a comma, not a thin space.
                if !r.ends_with('\\') {
                    t = r.trim_end();
                }
            }
            if let Some(r) = t.strip_prefix(sp) {
                t = r.trim_start();
            }
        }
        if t.len() == before {
            return t;
        }
    }
}

/// The fast-path verdict for a canonicalised answer and gold.
///
/// Strings math-verify's own string comparison calls equal are `True` first: identical (without
/// spacing commands at the ends, which its parser ignores) and non-empty to it
/// ([`crate::mvstring::readable`]), or identical once normalised as it normalises them
/// ([`crate::mvstring::same`]). Such an answer that math-verify cannot evaluate in time
/// (`10^{10^{10}}` against itself) is still `True` here.
pub fn decide(pred: &str, gold: &str) -> Verdict {
    let (bare_pred, bare_gold) = (strip_spacing(pred), strip_spacing(gold));
    if bare_pred == bare_gold && crate::mvstring::readable(bare_pred) {
        return Verdict::True;
    }
    if crate::mvstring::same(pred, gold) {
        return Verdict::True;
    }
    decide_read(bare_pred, bare_gold)
}

/// [`decide`] without the identical-string rule: the verdict from reading both sides. Used to
/// measure which written forms the fast path reads (a gold against itself).
pub fn decide_read(pred: &str, gold: &str) -> Verdict {
    let (pred, gold) = (strip_spacing(pred), strip_spacing(gold));
    // The readers below read the whole string; math-verify reads what its box holds.
    if !crate::mvstring::box_holds_all(pred) || !crate::mvstring::box_holds_all(gold) {
        return Verdict::Undecided;
    }
    // math-verify deletes `\displaystyle` and then may read `10,080` after it as one number
    // (thousands) where the readers here see a list: left to it.
    if [pred, gold].iter().any(|s| s.contains("\\displaystyle") && s.contains(',')) {
        return Verdict::Undecided;
    }
    if let Some(v) = crate::clock::decide(pred, gold) {
        return v;
    }
    if let (Some(a), Some(b)) = (crate::words::word_of(pred), crate::words::word_of(gold)) {
        return crate::words::decide(&a, &b);
    }
    if crate::intervals::applies(pred) || crate::intervals::applies(gold) {
        return crate::intervals::decide(pred, gold);
    }
    if let Some(v) = crate::enotation::decide(pred, gold) {
        return v;
    }
    let v = match (parse_answer(pred), parse_answer(gold)) {
        (Some(p), Some(g)) => decide_parsed(&p, &g),
        // A side with a variable (`x^2 + 3x`) is outside the scalar language; compare the two
        // as polynomials (Undecided unless both are, see `crate::poly`), then as expressions
        // (`crate::identity`: radicals, exp/log, trig, rational functions).
        // Lists of constants and `\pm` (`crate::lists`) come before single expressions.
        _ => match crate::poly::decide(pred, gold) {
            Verdict::Undecided => match crate::lists::decide(pred, gold) {
                Verdict::Undecided => crate::identity::decide(pred, gold),
                v => v,
            },
            v => v,
        },
    };
    // A collection of two or more values against a single value (`crate::shapes`).
    if v == Verdict::Undecided && crate::shapes::mismatch(pred, gold) {
        return Verdict::False;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canon::canonicalize;

    fn d(a: &str, g: &str) -> Verdict {
        decide(&canonicalize(a), &canonicalize(g))
    }

    #[test]
    fn table() {
        use Verdict::*;
        let cases = [
            ("5", "5", True),
            ("5", "6", False),
            ("\\frac{1}{2}", "0.5", True),
            ("\\dfrac{3}{4}", "3/4", True),
            ("3\\frac{1}{2}", "\\frac{7}{2}", True),
            ("\\sqrt{8}", "2\\sqrt{2}", True),
            ("\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}", True),
            ("2\\pi", "\\pi \\cdot 2", True),
            ("\\frac{\\pi}{2}", "\\pi/2", True),
            ("\\pi", "3.14", False),
            ("\\pi", "3.1415926", Undecided),
            ("50\\%", "0.5", True),
            ("50\\%", "50", True),
            ("12.5\\%", "12.5", Undecided),
            ("25\\%", "\\frac{1}{4}", True),
            ("25\\%", "\\frac{1}{3}", Undecided),
            ("x = 5", "5", True),
            ("x = 5", "y = 5", Undecided),
            ("(1, 2)", "(1,2)", True),
            ("(1, 2)", "(1,3)", False),
            ("(2, 2)", "(3,3)", Undecided),
            ("(7, 4)", "(4,7)", False),
            ("(1, 2)", "[1,2]", False),
            ("[4, 9)", "(4,9]", False),
            ("(2, 1)", "[2,1]", Undecided),
            ("(2, 2]", "[3,1)", Undecided),
            ("(1,2,3)", "[1,2,3]", Undecided),
            ("\\{1,2\\}", "2, 1", True),
            ("\\{1,2\\}", "\\{1,3\\}", False),
            ("0.333", "\\frac13", False),
            ("0.3333333", "\\frac13", Undecided),
            ("10^{10^{10}}", "1", Undecided),
            ("90^\\circ", "90", True),
            ("5\\text{ cm}", "5", True),
            ("\\text{5 apples}", "5", Undecided),
            ("1e3", "1000", True), // 10³ (1·e·3 to math-verify: its documented e-notation error)
            ("-\\frac{1}{2}", "-0.5", True),
            ("\\left(1,2\\right]", "(1, 2]", True),
            // Mixed numbers, read as latex2sympy reads them (issue 10): an integer literal then
            // one \frac{int}{int} is their sum; an explicit operator takes the whole mixed
            // number as its operand; anything else before a positive fraction is left alone.
            ("10 \\times 1\\frac{1}{2}", "15", True), // 10 · (3/2)
            ("10 \\times 1\\frac{1}{2}", "5", False),
            ("2\\cdot 3\\frac{1}{2}", "7", True), // 2 · (7/2)
            ("7/3\\frac{1}{2}", "2", True), // 7 / (7/2)
            ("7/3\\frac{1}{2}", "\\frac{7}{6}", False),
            ("3\\frac{4}{2}", "5", True), // 3 + 2
            ("3\\frac{0}{2}", "0", True), // 0 is not positive: 3 · 0
            ("3\\frac{0}{2}", "3", False),
            ("3\\frac{1}{2}\\pi", "\\frac{3\\pi}{2}", True), // (1/2)π is not rational: 3 · π/2
            ("(3)\\frac{1}{2}", "1.5", Undecided), // 7/2 to latex2sympy
            ("2^3\\frac{1}{2}", "4", Undecided),
            ("3\\frac{1}{2}^2", "1", Undecided),
            ("5\\mathrm{}0", "50", Undecided),
            ("3\\sqrt{4}", "6", True), // √4 stays unevaluated there: 3 · √4
            // math-verify's unit rule: a trailing \text{…} (any words) after a value goes
            ("100\\text{ square units}", "100", True),
            ("101", "100\\text{ square units}", False),
            ("864 \\mbox{ inches}^2", "864", True),
            ("\\text{(C)}", "C", True),
            ("(C)", "\\textbf{(A)}", False),
            ("\\text{Evelyn}", "evelyn", True),
            ("No", "On", Undecided),
            ("900,\\!000,\\!000", "900000000", True),
            ("\\begin{pmatrix} -1/3 \\\\ 2/3 \\end{pmatrix}", "\\begin{pmatrix} -\\frac{1}{3} \\\\ \\frac{2}{3} \\end{pmatrix}", True),
            ("\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}", "\\begin{pmatrix} 1 & 0 \\\\ 0 & -1 \\end{pmatrix}", False),
            ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 1 & 2 \\end{pmatrix}", Undecided),
            ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(1, 2)", Undecided),
            ("4t", "4t", True), // identical strings
            ("\\ldots", "\\ldots", Undecided), // math-verify extracts nothing from it
            ("}{", "}{", Undecided),
            // math-verify deletes dollar signs and cuts the box at the raw brace that closes it
            ("48$, $384", "48$, $384", True),
            ("12 and $36 \\mathrm{~min}$", "12 and $36 \\mathrm{~min}$", True),
            ("C(p)=\\left\\{6 p \\text { if } p<5\\right.", "C(p)=\\left\\{6 p \\text { if } p<5\\right.", True),
            ("$ $", "$ $", Undecided),
            ("\\$\\mathrm{th}", "\\$\\mathrm{th}", Undecided),
            ("\\text{ }\\%", "\\text{ }\\%", Undecided),
            ("}5", "}5", Undecided), // the box closes before the 5
            ("\\boxed{5}", "\\boxed{5}", Undecided),
            ("the final answer is $5$", "the final answer is $5$", Undecided),
            // spacing at the ends is nothing to math-verify
            ("\\text{(E)}\\,", "\\text{(E)}", True),
            ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}\\,", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", True),
            ("x \\in [-2,7]\\;", "x \\in [-2,7]", True),
            ("\\displaystyle 10,\\!080", "10080", Undecided), // 10080 to math-verify
            ("2\\text{cm}\\}", "2\\text{ cm}\\}", Undecided), // its box ends at `\}`'s brace
            ("\\displaystyle\\frac{1}{2}", "0.5", True),
            // expressions (crate::identity): `i` is a plain symbol, real or complex with the string
            ("6-5i", "6-5i\\,", True),
            ("6-5i", "6+5i", False),
            ("6-5i", "6 - 5 i", Undecided), // a real i against a complex one
            ("-8-2\\! i", "-8-2 i", Undecided), // math-verify deletes `\! `: `2i`, real
            ("\\frac{x+1}{x^2-1}", "\\frac{1}{x-1}", True),
        ];
        for (a, g, want) in cases {
            assert_eq!(d(a, g), want, "{a} vs {g}");
        }
    }
}
