//! `compare`: the three approaches of Hoffmann et al. side by side: the training-curve envelope
//! (Approach 1, when curves are given), IsoFLOP profiles (2) and the parametric fit (3), and
//! whether they agree.

use crate::check::compare::{CompareConfig, Comparison};
use crate::error::Error;
use crate::fit::options::FitOptions;
use crate::progress::{Note, Progress};

use super::DataSource;
use super::envelope::Curves;

/// The runs, how Approach 3 is fitted, the training curves of Approach 1, and the comparison.
#[derive(Debug, Clone)]
pub struct CompareRequest {
    /// The runs.
    pub data: DataSource,
    /// How Approach 3 is fitted.
    pub fit: FitOptions,
    /// Budgets compared, IsoFLOP grouping, bootstrap and level.
    pub config: CompareConfig,
    /// Training curves for Approach 1; none: no Approach 1.
    pub curves: Option<Curves>,
}

/// Run the approaches and compare them; their disagreements go to `progress` as warnings.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of an invalid option (before any work); as
/// [`crate::approaches::envelope::analyse`], [`super::fit::fit`] and [`crate::check::compare::compare_approaches`];
/// [`Error::NotFinite`]; [`Error::Stopped`].
pub fn compare(request: &CompareRequest, progress: &dyn Progress) -> Result<Comparison, Error> {
    let config = &request.config;
    config.check()?;
    let approach_one = match &request.curves {
        Some(curves) => Some(crate::check::compare::envelope_approach(
            &curves.read()?,
            config,
        )?),
        None => None,
    };
    let fitted = super::fit::fit_runs(&request.data, &request.fit, None, None, progress)?;
    let resamples = if config.n_resamples >= 2 {
        config.n_resamples
    } else {
        0
    };
    progress.begin("bootstrap", resamples);
    let compared = crate::check::compare::compare_approaches(
        &fitted.data,
        &fitted.fit.report.fitted,
        approach_one,
        config,
        progress,
    );
    progress.end();
    let (comparison, notes) = compared?;
    for note in notes {
        progress.note(&Note::Warning(note));
    }
    crate::finite::check_finite(&comparison, "the comparison")?;
    Ok(comparison)
}
