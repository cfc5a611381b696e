//! The Python bindings (`lengthwise._scoring`, feature `pyo3`; stub in
//! core/lengthwise/_scoring.pyi): argument checking and conversion, then the pure-Rust core
//! with the GIL released; `grade_batch` grades in parallel with rayon.

use crate::{canonicalize, cap_prefix, decide, decode_surrogatepass, extract_answer, grade_one, ExtractOptions, Fallback, Graded, Verdict};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use rayon::prelude::*;

/// Version of the compiled scorer, so Python can check it matches the package.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// A Python str as Rust text; each lone surrogate (not valid UTF-8) becomes one U+FFFD.
fn text_of(obj: &Bound<'_, PyAny>, what: &str, index: usize) -> PyResult<String> {
    let s = obj.downcast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what}[{index}] must be str, got {}",
            obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
        ))
    })?;
    match s.to_str() {
        Ok(t) => Ok(t.to_owned()),
        Err(_) => {
            let encoded = s.call_method1("encode", ("utf-8", "surrogatepass"))?;
            Ok(decode_surrogatepass(encoded.downcast::<PyBytes>()?.as_bytes()))
        }
    }
}

fn texts(list: &Bound<'_, PyList>, what: &str) -> PyResult<Vec<String>> {
    list.iter().enumerate().map(|(i, o)| text_of(&o, what, i)).collect()
}

fn options(answer_after_think: bool, require_think_close: bool, fallback: &str) -> PyResult<ExtractOptions> {
    let fb = Fallback::parse(fallback).ok_or_else(|| {
        PyValueError::new_err(format!(
            "fallback must be one of 'none', 'answer_is', 'last_number', got {fallback:?}"
        ))
    })?;
    Ok(ExtractOptions { answer_after_think, require_think_close, fallback: fb })
}

fn verdict_obj(v: Verdict) -> Option<bool> {
    match v {
        Verdict::True => Some(true),
        Verdict::False => Some(false),
        Verdict::Undecided => None,
    }
}

/// Canonicalised answer of one response (None when it has none) and the truncated flag.
#[pyfunction]
#[pyo3(name = "extract", signature = (response, *, cap_char_offset=None, answer_after_think=true, require_think_close=false, fallback="none"))]
fn py_extract(
    py: Python<'_>,
    response: &Bound<'_, PyAny>,
    cap_char_offset: Option<usize>,
    answer_after_think: bool,
    require_think_close: bool,
    fallback: &str,
) -> PyResult<(Option<String>, bool)> {
    let text = text_of(response, "response", 0)?;
    let opts = options(answer_after_think, require_think_close, fallback)?;
    Ok(py.allow_threads(|| {
        let (prefix, truncated) = cap_prefix(&text, cap_char_offset);
        let ans = extract_answer(prefix, &opts).map(canonicalize).filter(|a| !a.is_empty());
        (ans, truncated)
    }))
}

/// The cleanup applied to answers and golds before either path compares them.
#[pyfunction]
#[pyo3(name = "canonicalize")]
fn py_canonicalize(s: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(canonicalize(&text_of(s, "s", 0)?))
}

/// Fast-path verdict for an (answer, gold) pair: True, False, or None (undecided).
/// Both are canonicalised first. `same_string=False` skips the identical-string rule (to
/// measure which forms the rules read).
#[pyfunction]
#[pyo3(name = "decide", signature = (answer, gold, *, same_string=true))]
fn py_decide(py: Python<'_>, answer: &Bound<'_, PyAny>, gold: &Bound<'_, PyAny>, same_string: bool) -> PyResult<Option<bool>> {
    let a = text_of(answer, "answer", 0)?;
    let g = text_of(gold, "gold", 0)?;
    Ok(py.allow_threads(|| {
        let (a, g) = (canonicalize(&a), canonicalize(&g));
        verdict_obj(if same_string { decide(&a, &g) } else { crate::rules::decide_read(&a, &g) })
    }))
}

/// Grade a batch on the fast path.
///
/// Returns one tuple per response: (verdict, answer, gold, truncated) where verdict is
/// True / False / None (undecided: ask math-verify) and answer is None when the capped
/// response holds no answer (verdict is then False).
#[pyfunction]
#[pyo3(signature = (responses, golds, cap_char_offsets=None, *, answer_after_think=true, require_think_close=false, fallback="none"))]
#[allow(clippy::type_complexity)]
fn grade_batch(
    py: Python<'_>,
    responses: &Bound<'_, PyList>,
    golds: &Bound<'_, PyList>,
    cap_char_offsets: Option<&Bound<'_, PyList>>,
    answer_after_think: bool,
    require_think_close: bool,
    fallback: &str,
) -> PyResult<Vec<(Option<bool>, Option<String>, String, bool)>> {
    let opts = options(answer_after_think, require_think_close, fallback)?;
    if responses.len() != golds.len() {
        return Err(PyValueError::new_err(format!(
            "responses and golds differ in length: {} != {}",
            responses.len(),
            golds.len()
        )));
    }
    let rs = texts(responses, "responses")?;
    let gs = texts(golds, "ground_truths")?;
    let caps: Vec<Option<usize>> = match cap_char_offsets {
        None => vec![None; rs.len()],
        Some(list) => {
            if list.len() != rs.len() {
                return Err(PyValueError::new_err(format!(
                    "cap_char_offsets has {} entries for {} responses",
                    list.len(),
                    rs.len()
                )));
            }
            list.iter()
                .enumerate()
                .map(|(i, o)| {
                    if o.is_none() {
                        return Ok(None);
                    }
                    let n: i64 = o.extract().map_err(|_| {
                        PyTypeError::new_err(format!("cap_char_offsets[{i}] must be an int or None"))
                    })?;
                    if n < 0 {
                        return Err(PyValueError::new_err(format!(
                            "cap_char_offsets[{i}] must be >= 0, got {n}"
                        )));
                    }
                    Ok(Some(n as usize))
                })
                .collect::<PyResult<_>>()?
        }
    };
    let graded: Vec<Graded> = py.allow_threads(|| {
        rs.par_iter()
            .zip(gs.par_iter())
            .zip(caps.par_iter())
            .with_min_len(8)
            .map(|((r, g), c)| grade_one(r, g, *c, &opts))
            .collect()
    });
    Ok(graded
        .into_iter()
        .map(|g| {
            let v = match g.verdict {
                None => Some(false),
                Some(v) => verdict_obj(v),
            };
            (v, g.answer, g.gold, g.truncated)
        })
        .collect())
}

#[pymodule]
fn _scoring(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(py_extract, m)?)?;
    m.add_function(wrap_pyfunction!(py_canonicalize, m)?)?;
    m.add_function(wrap_pyfunction!(py_decide, m)?)?;
    m.add_function(wrap_pyfunction!(grade_batch, m)?)?;
    Ok(())
}
