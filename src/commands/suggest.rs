//! `suggest`: the next runs to train, chosen to narrow the interval of N* (or L*) at a target
//! budget the most per FLOP.

use std::path::PathBuf;

use crate::design::suggest::{SuggestConfig, Suggestion, Target};
use crate::error::Error;
use crate::progress::Progress;

use super::FitSource;

/// The fit, the target, the runs wanted and the compute they may take.
#[derive(Debug, Clone)]
pub struct SuggestRequest {
    /// The fit (its runs are needed: at hand, or reloaded from its fit file's provenance).
    pub fit: FitSource,
    /// The budget whose N* (or L*) should be known better, FLOPs.
    pub target_budget: f64,
    /// The quantity whose interval to narrow.
    pub target: Target,
    /// Runs to suggest.
    pub runs: usize,
    /// Largest compute of one run, FLOPs; none: 10 times the largest fitted run.
    pub compute_limit: Option<f64>,
    /// Most compute all the runs together may spend, FLOPs.
    pub total_compute: Option<f64>,
    /// Confidence level of the intervals.
    pub level: f64,
    /// Where the runs will be written as CSV: checked, before any work, not to replace an
    /// input (the front end writes the file with its CSV renderer).
    pub out: Option<PathBuf>,
}

/// Suggest the runs of `request`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of an invalid option or an output that would
/// replace an input; as [`super::Resolved::runs`] and [`crate::design::suggest::suggest`];
/// [`Error::NotFinite`].
pub fn suggest(request: SuggestRequest, progress: &dyn Progress) -> Result<Suggestion, Error> {
    let out = request.out.as_deref();
    let resolved = request.fit.resolve(out, progress)?;
    let data = resolved.runs()?;
    let obs = data.observations();
    let largest = obs
        .log_c()
        .iter()
        .copied()
        .reduce(f64::max)
        .map_or(f64::NAN, f64::exp);
    let config = SuggestConfig {
        target_budget: request.target_budget,
        target: request.target,
        runs: request.runs,
        compute_limit: request.compute_limit.unwrap_or(10.0 * largest),
        total_compute: request.total_compute,
        level: request.level,
        flops_per_param_token: resolved.fit.provenance.flops_per_param_token,
    };
    let result = crate::design::suggest::suggest(&obs, &resolved.fit.report.fitted, &config)?;
    crate::finite::check_finite(&result, "the suggestion")?;
    Ok(result)
}
