//! Scientific e-notation: `5.3e-9`, `4.5e33`, `1.5E-3` (mantissa, `e` or `E`, signed exponent,
//! the whole answer), against another such literal or a plain number (`5.3 \times 10^{-9}`,
//! `0.0015`).
//!
//! The fast path reads it as m · 10^k, as the benchmarks that write their golds this way mean it
//! (Minerva-math: `4.5e33`). math-verify reads a lowercase `e` as Euler's number instead:
//! `5.3e-9` is 5.3·e − 9, `3e8` is 3·e·8 (a capital `E` it reads as m · 10^k). So:
//! * `True` when the two values m · 10^k are equal. Where math-verify's reading differs
//!   (`4.5e33` against `4.5 \times 10^{33}`) it says False: that is its documented `e-notation`
//!   error (tests/scoring/mathverify_errors.tsv);
//! * `False` when the values differ *and* math-verify's readings differ too (by more than
//!   2·10⁻⁶, past its 6-place rounding), so both readings agree;
//! * `Undecided` otherwise.
//!
//! When either side is an e-literal, this rule alone decides (the expression rules would read
//! the `e` as math-verify does).

use crate::scalar::{parse_answer, Answer};
use crate::verdict::Verdict;
use num_bigint::BigInt;
use num_rational::BigRational;

/// Largest |exponent| read.
const MAX_EXPONENT: u32 = 400;

/// A number two ways: its exact value and math-verify's reading of it (as f64; `None` when it
/// does not fit).
struct Reading {
    exact: BigRational,
    math_verify: Option<f64>,
}

/// `-? digits [. digits] (e|E) [+|-] digits`, the whole string.
fn literal(s: &str) -> Option<Reading> {
    let t = s.trim();
    if t.len() > 80 {
        return None;
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let p = body.find(['e', 'E'])?;
    let (mant, rest) = (&body[..p], &body[p + 1..]);
    let euler = body.as_bytes()[p] == b'e';
    let (int_part, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() || !int_part.bytes().all(|c| c.is_ascii_digit()) || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if mant.contains('.') && frac.is_empty() {
        return None;
    }
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => ('+', &rest[1..]),
        b'-' => ('-', &rest[1..]),
        _ => (' ', rest),
    };
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let k: u32 = digits.parse().ok()?;
    if k > MAX_EXPONENT || int_part.len() + frac.len() > 60 {
        return None;
    }
    let m = BigRational::new(format!("{int_part}{frac}").parse::<BigInt>().ok()?, num_traits::pow(BigInt::from(10), frac.len()));
    let m = if neg { -m } else { m };
    let scale = BigRational::from_integer(num_traits::pow(BigInt::from(10), k as usize));
    let exact = if sign == '-' { &m / &scale } else { &m * &scale };
    let mf = crate::value::ratio_to_f64(&m)?;
    let kf = k as f64;
    let math_verify = if !euler {
        crate::value::ratio_to_f64(&exact)
    } else {
        let me = mf * std::f64::consts::E;
        Some(match sign {
            '-' => me - kf,
            '+' => me + kf,
            _ => me * kf,
        })
    };
    Some(Reading { exact, math_verify })
}

/// A plain rational number (`0.0015`, `5.3 \times 10^{-9}`), read the same by both.
fn plain(s: &str) -> Option<Reading> {
    match parse_answer(s)? {
        Answer::Scalar(n) if !n.percent => {
            let q = n.value.as_rational()?;
            let f = crate::value::ratio_to_f64(&q);
            Some(Reading { exact: q, math_verify: f })
        }
        _ => None,
    }
}

/// The verdict when either side is an e-literal; `None` when neither is (the rule does not
/// apply).
pub fn decide(pred: &str, gold: &str) -> Option<Verdict> {
    let (lp, lg) = (literal(pred), literal(gold));
    if lp.is_none() && lg.is_none() {
        return None;
    }
    let (Some(a), Some(b)) = (lp.or_else(|| plain(pred)), lg.or_else(|| plain(gold))) else {
        return Some(Verdict::Undecided);
    };
    if a.exact == b.exact {
        return Some(Verdict::True);
    }
    let readings_differ = match (a.math_verify, b.math_verify) {
        (Some(x), Some(y)) => (x - y).abs() > 2e-6 && (x - y).abs() > 1e-9 * x.abs().max(y.abs()),
        _ => false,
    };
    // The exact values differ here (checked above).
    Some(if readings_differ { Verdict::False } else { Verdict::Undecided })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    #[test]
    fn table() {
        let cases = [
            ("4.5e33", "4.5 \\times 10^{33}", Some(True)),
            ("5.3e-9", "5.3\\times 10^{-9}", Some(True)),
            ("5.3e-9", "5.30e-9", Some(True)),
            ("5.3e-9", "5.4e-9", Some(False)),
            ("3e8", "300000000", Some(True)),
            ("3e8", "3e9", Some(False)),
            ("1.5E-3", "0.0015", Some(True)),
            ("1.5E-3", "0.0016", Some(False)),
            ("1.5E-3", "0.0015000001", Some(Undecided)), // within math-verify's 6-place rounding
            ("2e27", "x", Some(Undecided)),
            ("5", "6", None),
            ("e-1", "0", None), // no mantissa: not a literal
        ];
        for (a, g, want) in cases {
            assert_eq!(decide(a, g), want, "{a} vs {g}");
        }
    }
}
