//! A curve fit file read for the commands that answer from a law of N and D (`optimal
//! --fit`): a joint curve fit becomes its law at the runs' ends ([`super::sweep_law`]).

use std::path::Path;

use serde::Deserialize;

use super::curve::CurveFitReport;
use super::sweep_law::SweepFit;
use crate::error::Error;

/// The `kind` of a JSON text, read without building the rest.
#[derive(Deserialize)]
struct Kind {
    kind: Option<serde_json::Value>,
}

/// Whether `text` is a curve fit saved by `curve fit --out` (by its `kind` field).
pub fn is_curve_fit(text: &str) -> bool {
    serde_json::from_str::<Kind>(text)
        .ok()
        .and_then(|k| k.kind)
        .is_some_and(|k| k.as_str() == Some(crate::curve::FIT_KIND))
}

/// Read the file at `path` when it is a curve fit (`None` when it is not, to be read as a fit
/// of `fit --out`), as a fit of N and D.
///
/// # Errors
///
/// As [`crate::saved::read_fit_text`] and [`from_json`].
pub fn read(path: &Path) -> Result<Option<SweepFit>, Error> {
    let shown = path.display().to_string();
    let text = crate::saved::read_fit_text(
        path,
        &shown,
        "scaling-laws fit --out` or `scaling-laws curve fit --law joint --out",
    )?;
    if !is_curve_fit(&text) {
        return Ok(None);
    }
    from_json(&text, &shown).map(Some)
}

/// The fit of N and D of the curve fit saved as `text`, checked as `curve predict` checks a
/// curve fit file ([`CurveFitReport::from_json`]); `shown` names it in messages.
///
/// # Errors
///
/// [`Error::FitFile`] naming `shown` and the field that is wrong; as [`SweepFit::of`].
pub fn from_json(text: &str, shown: &str) -> Result<SweepFit, Error> {
    let (report, _) = CurveFitReport::from_json(text, shown)?;
    SweepFit::of(
        &report.joint_ends(),
        shown,
        crate::fetch::sha256_hex(text.as_bytes()),
    )
}
