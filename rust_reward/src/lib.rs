//! lengthwise._scoring — the Rust half of the scorer.
use pyo3::prelude::*;

/// Version of the compiled scorer, so Python can check it matches the package.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _scoring(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
