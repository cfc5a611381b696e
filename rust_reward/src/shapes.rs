//! A collection against a single value: `(-2, 1)` against `4`, `5, -2` against `33`,
//! `(1,8,19), (2,7,13)` against `2n`, a matrix against a number. math-verify compares a single
//! value with a collection as a one-element set (or not at all, for tuples and matrices), so
//! they differ whenever the collection holds at least two distinct values: `False`.
//!
//! Guarded where math-verify reads a collection as one value: `[1, 1]` and `1, 1` are the set
//! {1} to it (equal to `1`), so a two-element interval must have lo < hi and a list two distinct
//! values; a relation (`=`, inequalities, `\in`) on either side is left alone (it turns
//! `x^2 = 4` into the set {−2, 2}).

use crate::scalar::{parse_answer, Answer};
use crate::value::Value;

const RELATIONS: [&str; 9] = ["=", "<", ">", "\\le", "\\ge", "\\ne", "\\in", "\\cup", "\\infty"];

fn distinct(values: &[&Value]) -> usize {
    let mut v: Vec<&Value> = values.to_vec();
    v.sort_by(|x, y| x.terms.iter().cmp(y.terms.iter()));
    v.dedup();
    v.len()
}

/// `s` is surely a collection of at least two distinct values to math-verify.
fn collection(s: &str) -> bool {
    match parse_answer(s) {
        Some(Answer::Seq(_, xs)) => {
            if xs.iter().any(|n| n.float || n.percent) {
                return false;
            }
            // 3+ entries: a tuple; 2 entries: an interval, non-empty only when lo < hi.
            xs.len() >= 3 || xs.len() == 2 && crate::rules::increasing_pub(&xs)
        }
        Some(Answer::Set(xs)) => {
            !xs.iter().any(|n| n.float || n.percent) && distinct(&xs.iter().map(|n| &n.value).collect::<Vec<_>>()) >= 2
        }
        Some(Answer::Matrix(r, c, _)) => r * c >= 2,
        Some(_) => false,
        None => crate::lists::distinct_elements(s).is_some_and(|n| n >= 2),
    }
}

/// `s` is surely one value: a scalar, or an expression (no top-level comma).
fn single(s: &str) -> bool {
    match parse_answer(s) {
        Some(Answer::Scalar(_)) => true,
        Some(_) => false,
        None => crate::scalar::split_top(s).is_some_and(|p| p.len() == 1) && crate::expr::parse(s).is_some(),
    }
}

/// True when one side is a collection and the other a single value (module docs).
pub fn mismatch(pred: &str, gold: &str) -> bool {
    if pred.len() > crate::scalar::MAX_ANSWER_LEN || gold.len() > crate::scalar::MAX_ANSWER_LEN {
        return false;
    }
    if RELATIONS.iter().any(|r| pred.contains(r) || gold.contains(r)) {
        return false;
    }
    (collection(pred) && single(gold)) || (single(pred) && collection(gold))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases = [
            ("(-2,1)", "4", true),
            ("-(n-1) / 2", "-2,0,2", true),
            ("2n", "(1,8,19), (2,7,13), (4,5,7)", true),
            ("\\frac{2}{7} \\sqrt{53}", "(\\frac{1}{27}, \\frac{1}{4})", true),
            ("3", "(\\frac{1}{4}, \\frac{1}{27})", false), // reversed: left alone
            ("(-266,-3,-28)", "10", true),
            ("5,-2", "33", true),
            ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "3", true),
            ("[1,1]", "1", false), // {1} to it
            ("1,1", "1", false),
            ("\\{1\\}", "1", false),
            ("(2,1)", "1", false), // an empty interval
            ("x^2 = 4", "2, -2", false),
            ("1, 2", "3, 4", false), // two collections: the set rules' business
        ];
        for (a, g, want) in cases {
            assert_eq!(mismatch(a, g), want, "{a} vs {g}");
        }
    }
}
