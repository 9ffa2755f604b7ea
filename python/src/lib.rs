//! The extension module `scaling_laws._native`: the Rust library's types converted to and from
//! Python, and nothing more. Every computation is the library's; the Python package
//! (`python/scaling_laws/`) wraps this module with data frames, `warnings`, progress bars and
//! readable reprs.
//!
//! Long work runs with the GIL released and can be interrupted with Ctrl-C (see [`work`]).

#![deny(missing_docs)]

mod analyses;
mod curve;
mod data;
mod decide;
mod errors;
mod figures;
mod fit;
mod plan;
mod simulate;
mod task;
mod work;

use pyo3::prelude::*;

/// The module `scaling_laws._native`.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "DEFAULT_FLOPS_PER_PARAM_TOKEN",
        scaling_laws::data::DEFAULT_FLOPS_PER_PARAM_TOKEN,
    )?;
    analyses::register(m)?;
    curve::register(m)?;
    data::register(m)?;
    decide::register(m)?;
    figures::register(m)?;
    fit::register(m)?;
    plan::register(m)?;
    simulate::register(m)?;
    task::register(m)?;
    work::register(m)?;
    Ok(())
}
