//! `scaling_laws::Error` as Python exceptions of the `scaling_laws.errors` family, carrying the
//! command line's message and the details a program may want (`kind`, `flag`, `path`, ...).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use scaling_laws::Error;
use scaling_laws::error::IoAction;

/// The exception class (in `scaling_laws.errors`) and variant name of an error.
fn classify(err: &Error) -> (&'static str, &'static str) {
    match err {
        Error::Io {
            action: IoAction::Read,
            ..
        } => ("InputError", "Io"),
        Error::Io { .. } => ("OutputError", "Io"),
        Error::Destination { .. } => ("OutputError", "Destination"),
        Error::Parse { .. } => ("InputError", "Parse"),
        Error::MissingColumn { .. } => ("ColumnError", "MissingColumn"),
        Error::UnknownColumn { .. } => ("ColumnError", "UnknownColumn"),
        Error::AmbiguousColumn { .. } => ("ColumnError", "AmbiguousColumn"),
        Error::DuplicateColumn { .. } => ("ColumnError", "DuplicateColumn"),
        Error::UnreadableColumn { .. } => ("ColumnError", "UnreadableColumn"),
        Error::BadValues(_) => ("InputError", "BadValues"),
        Error::BadDerived(_) => ("InputError", "BadDerived"),
        Error::NotIdentifiable { .. } => ("InputError", "NotIdentifiable"),
        Error::InvalidOption { .. } => ("OptionError", "InvalidOption"),
        Error::FitFile { .. } => ("FitFileError", "FitFile"),
        Error::Download { .. } => ("DownloadError", "Download"),
        Error::NotFinite { .. } => ("NotFiniteError", "NotFinite"),
        Error::NoConvergence { .. } => ("ConvergenceError", "NoConvergence"),
        Error::BadCurve { .. } => ("InputError", "BadCurve"),
        _ => ("ScalingLawsError", "Other"),
    }
}

/// Attributes of the exception besides its message.
fn details<'py>(py: Python<'py>, err: &Error, kind: &str) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("kind", kind)?;
    d.set_item("is_bad_input", err.is_bad_input())?;
    let (path, flag, column): (Option<&str>, Option<&str>, Option<&str>) = match err {
        Error::Io { path, .. }
        | Error::Destination { path, .. }
        | Error::Parse { path, .. }
        | Error::NotIdentifiable { path, .. }
        | Error::FitFile { path, .. } => (Some(path), None, None),
        Error::MissingColumn { path, flag, .. } | Error::AmbiguousColumn { path, flag, .. } => {
            (Some(path), Some(flag), None)
        }
        Error::UnknownColumn {
            path, flag, column, ..
        } => (Some(path), Some(flag), Some(column)),
        Error::UnreadableColumn { path, column, .. }
        | Error::DuplicateColumn { path, column, .. } => (Some(path), None, Some(column)),
        Error::BadValues(b) => (Some(&b.path), None, Some(&b.column)),
        Error::BadDerived(b) => (Some(&b.path), None, None),
        Error::InvalidOption { flag, .. } => (None, Some(flag), None),
        _ => (None, None, None),
    };
    d.set_item("path", path)?;
    d.set_item("flag", flag)?;
    d.set_item("column", column)?;
    if let Error::BadValues(b) = err {
        let rows: Vec<usize> = b.rows.iter().map(|(row, _)| *row).collect();
        d.set_item("rows", rows)?;
    }
    Ok(d)
}

/// The Python exception for `err`: an instance of the class of `scaling_laws.errors` that
/// matches its variant, with the error's message.
pub fn to_pyerr(py: Python<'_>, err: Error) -> PyErr {
    build(py, &err).unwrap_or_else(|e| e)
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let (class, kind) = classify(err);
    let module = py.import("scaling_laws.errors")?;
    let instance = module.getattr(class)?.call1((
        scaling_laws::error::cap_message(&err.to_string()),
        details(py, err, kind)?,
    ))?;
    Ok(PyErr::from_value(instance))
}

/// `Result<T, Error>` into `PyResult<T>`.
pub trait IntoPy<T> {
    /// Convert, raising the matching exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, e))
    }
}

/// An [`Error::InvalidOption`] raised as `OptionError`, for values the binding itself checks
/// (names of choices, like the command line's value enums).
pub fn option_error(py: Python<'_>, flag: &str, message: String) -> PyErr {
    to_pyerr(py, Error::invalid_option(flag, message))
}
