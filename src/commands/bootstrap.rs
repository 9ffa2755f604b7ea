//! The bootstrap of a fit: the law refitted to resampled runs, for intervals (`optimal
//! --bootstrap`, `plot --bootstrap`, Python's `Fit.bootstrap`).

use crate::data::Dataset;
use crate::error::Error;
use crate::progress::{Note, Progress};
use crate::saved::SavedFit;
use crate::uncertainty::BootstrapConfig;

/// `fit` with the draws of `config`'s bootstrap over `data`, the runs it was fitted to; a
/// warning counts the resamples that did not converge (left out of the intervals).
///
/// # Errors
///
/// As [`crate::uncertainty::bootstrap()`] (too few resamples, or more than memory holds);
/// [`Error::NotFinite`]; [`Error::Stopped`].
pub fn bootstrap(
    fit: &SavedFit,
    data: &Dataset,
    config: &BootstrapConfig,
    progress: &dyn Progress,
) -> Result<SavedFit, Error> {
    let n = config.n_resamples;
    progress.begin("bootstrap", n);
    let draws =
        crate::uncertainty::bootstrap(&data.observations(), &fit.report.fitted, config, progress);
    progress.end();
    let draws = draws?;
    if draws.failed() > 0 {
        progress.note(&Note::Warning(format!(
            "{} of {n} resamples did not converge and are left out of the intervals",
            draws.failed()
        )));
    }
    let mut fit = fit.clone();
    fit.bootstrap = Some(draws);
    crate::finite::check_finite(&fit, "the fit")?;
    Ok(fit)
}
