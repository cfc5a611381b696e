//! lengthwise._scoring — the Rust half of the scorer.
//!
//! * [`extract`]: the length cap, the `</think>` split and the boxed answer;
//! * [`canon`]: the cleanup shared by the fast path and math-verify;
//! * [`scalar`]: parsing an answer into the exact scalar language (with [`value`]: exact
//!   rationals, √, π with bounded arithmetic);
//! * [`rules`]: the decision rules, the three-valued [`Verdict`] ([`verdict`]);
//! * [`intervals`]: intervals with infinite ends and unions, compared as sets;
//! * [`words`]: choice letters and one-word answers; [`clock`]: times of day with a.m./p.m.;
//! * [`poly`]: exact polynomial equality (single-letter variables, rational coefficients);
//! * [`expr`], [`identity`]: expressions in variables (radicals, exp/log, trig) read as
//!   math-verify reads them, compared by randomized identity testing (exact modulo a prime for
//!   rational functions, complex floating point otherwise);
//! * [`enotation`]: `5.3e-9`, `4.5e33` read as m · 10^k (math-verify reads `e` as Euler's
//!   number there: a documented error of its own);
//! * [`shapes`]: a collection against a single value (always different);
//! * [`lists`]: lists of constants and tuples, `\pm`, compared as math-verify's finite sets;
//! * [`cursor`]: the byte cursor both hand-written parsers use;
//! * `bindings` (feature `pyo3`): the Python module, which releases the GIL and grades a batch
//!   in parallel with rayon.

pub mod canon;
pub mod clock;
pub mod cursor;
pub mod enotation;
pub mod expr;
pub mod extract;
pub mod identity;
pub mod intervals;
pub mod lists;
pub mod mvstring;
pub mod poly;
pub mod rules;
pub mod scalar;
pub mod shapes;
pub mod value;
pub mod verdict;
pub mod words;

#[cfg(feature = "pyo3")]
mod bindings;

pub use canon::canonicalize;
pub use rules::decide;
pub use verdict::Verdict;
pub use extract::{cap_prefix, extract_answer, ExtractOptions, Fallback};

/// Outcome of the fast path for one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graded {
    /// `None` when the (capped) response holds no answer.
    pub verdict: Option<Verdict>,
    /// The canonicalised answer, when there is one.
    pub answer: Option<String>,
    /// The canonicalised gold.
    pub gold: String,
    /// The cap cut the response.
    pub truncated: bool,
}

/// Text from the UTF-8 bytes of a Python str encoded with `surrogatepass`: each lone surrogate
/// (3 bytes `ED A0..BF 80..BF`) becomes one U+FFFD, so character offsets stay those of the
/// Python str (a length-cap offset counted in Python lands on the same character here).
pub fn decode_surrogatepass(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut b = bytes;
    loop {
        match std::str::from_utf8(b) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let good = e.valid_up_to();
                out.push_str(std::str::from_utf8(&b[..good]).expect("valid prefix"));
                out.push('\u{FFFD}');
                let rest = &b[good..];
                let skip = if rest.len() >= 3 && rest[0] == 0xED && (0xA0..=0xBF).contains(&rest[1]) {
                    3
                } else {
                    e.error_len().unwrap_or(rest.len())
                };
                b = &rest[skip..];
            }
        }
    }
}

/// Grade one response against its gold on the fast path.
pub fn grade_one(response: &str, gold: &str, cap_chars: Option<usize>, opts: &ExtractOptions) -> Graded {
    let (prefix, truncated) = cap_prefix(response, cap_chars);
    let gold_c = canonicalize(gold);
    match extract_answer(prefix, opts) {
        None => Graded { verdict: None, answer: None, gold: gold_c, truncated },
        Some(raw) => {
            let ans = canonicalize(raw);
            if ans.is_empty() {
                return Graded { verdict: None, answer: None, gold: gold_c, truncated };
            }
            let v = decide(&ans, &gold_c);
            Graded { verdict: Some(v), answer: Some(ans), gold: gold_c, truncated }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decode_surrogatepass;

    #[test]
    fn one_replacement_per_surrogate() {
        // "a\ud800b\udfff" encoded with surrogatepass: a, ED A0 80, b, ED BF BF.
        let bytes = [b'a', 0xED, 0xA0, 0x80, b'b', 0xED, 0xBF, 0xBF];
        assert_eq!(decode_surrogatepass(&bytes), "a\u{FFFD}b\u{FFFD}");
        assert_eq!(decode_surrogatepass("héllo".as_bytes()), "héllo");
        // Other invalid bytes still become replacement characters.
        assert_eq!(decode_surrogatepass(&[b'x', 0xFF, b'y']), "x\u{FFFD}y");
    }
}
