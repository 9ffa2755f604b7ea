//! `suggest`: the next runs to train, inside the fitted ranges of N and D/N, chosen to narrow
//! the bootstrap interval of N* (or L*) at a target budget the most per FLOP.

use std::path::PathBuf;

use crate::design::suggest::{SuggestConfig, Suggestion, Target};
use crate::error::Error;
use crate::progress::{Note, Progress};
use crate::uncertainty::BootstrapConfig;

use super::FitSource;

/// Resamples drawn now when the fit holds no bootstrap draws and none are asked for.
pub const DEFAULT_RESAMPLES: usize = 400;

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
    /// Also offer runs outside the fitted ranges of N and D/N, each flagged.
    pub allow_outside: bool,
    /// Bootstrap the fit now (none: the draws the fit holds, or [`DEFAULT_RESAMPLES`] drawn
    /// now with the default seed when it holds none).
    pub bootstrap: Option<BootstrapConfig>,
    /// Where the runs will be written as CSV: checked, before any work, not to replace an
    /// input (the front end writes the file with its CSV renderer).
    pub out: Option<PathBuf>,
}

/// Suggest the runs of `request`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of an invalid option or an output that would
/// replace an input; as [`super::Resolved::runs`], [`super::bootstrap::bootstrap`] and
/// [`crate::design::suggest::suggest`]; [`Error::NotFinite`].
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
        allow_outside: request.allow_outside,
    };
    let redraw = match (request.bootstrap, &resolved.fit.bootstrap) {
        (Some(asked), _) => Some(asked),
        (None, Some(_)) => None,
        (None, None) => {
            progress.note(&Note::Info(format!(
                "the fit holds no bootstrap draws: drawing {DEFAULT_RESAMPLES} now (save a fit \
                 with `optimal --bootstrap N --out` to reuse them)"
            )));
            Some(BootstrapConfig {
                n_resamples: DEFAULT_RESAMPLES,
                ..BootstrapConfig::default()
            })
        }
    };
    let fit = match redraw {
        Some(config) => super::bootstrap::bootstrap(&resolved.fit, &data, &config, progress)?,
        None => resolved.fit.clone(),
    };
    let draws = fit
        .bootstrap
        .as_ref()
        .ok_or_else(|| Error::invalid_option("--bootstrap", "the fit has no bootstrap draws"))?;
    let result = crate::design::suggest::suggest(&obs, &fit.report.fitted, draws, &config)?;
    crate::finite::check_finite(&result, "the suggestion")?;
    if let Some(first) = result.runs.iter().position(|r| !r.resolved) {
        progress.note(&Note::Warning(format!(
            "from run {} on, the weight rests on fewer than {:.0} effective draws (of {}), so \
             the draws cannot tell how much more the runs narrow the interval: the expected \
             interval is held at the last resolved one; bootstrap with more resamples \
             (--bootstrap 4000) or ask for fewer runs",
            first + 1,
            crate::design::suggest::FEW_EFFECTIVE_DRAWS,
            result.draws,
        )));
    }
    Ok(result)
}
