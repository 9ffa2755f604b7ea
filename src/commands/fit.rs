//! `fit`: fit a law to a table of runs, optionally holding some runs out to test its
//! predictions on them; save the fit with its provenance.

use std::path::PathBuf;

use crate::check::holdout::HoldoutRule;
use crate::data::Dataset;
use crate::error::Error;
use crate::fit::options::FitOptions;
use crate::progress::Progress;
use crate::saved::{Provenance, SavedFit};

use super::{DataSource, Destination};

/// What to fit, how, and where to save it.
#[derive(Debug, Clone)]
pub struct FitRequest {
    /// The runs.
    pub data: DataSource,
    /// How to fit them.
    pub options: FitOptions,
    /// Runs to hold out, and the level of their prediction intervals.
    pub holdout: Option<(HoldoutRule, f64)>,
    /// The command line, kept in the fit's provenance.
    pub command_line: Option<String>,
    /// Save the fit here (atomically; refused before any work when it would replace an input).
    pub out: Option<PathBuf>,
}

/// A fit with the runs it was fitted to.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The fit, with its provenance (and its held-out check, when runs were held out).
    pub fit: SavedFit,
    /// The runs fitted (without those held out; with the law of compute, those of the frontier).
    pub data: Dataset,
}

/// Fit the runs of `request` (and test the predictions on those held out), check the result is
/// finite, and save it when asked.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of an invalid option or an output that would replace
/// the input; as [`crate::data::load`], [`crate::fit::fit_dataset`] and
/// [`crate::check::holdout::holdout_with`]; [`Error::NotFinite`]; [`Error::Stopped`].
pub fn fit(request: &FitRequest, progress: &dyn Progress) -> Result<Fitted, Error> {
    let out = request.out.as_deref();
    let fitted = match &request.holdout {
        None => fit_runs(
            &request.data,
            &request.options,
            request.command_line.clone(),
            out.map(Destination::File),
            progress,
        )?,
        Some((rule, level)) => {
            if let Some(out) = out {
                Destination::File(out).check(&request.data.inputs())?;
            }
            let (data, dropped) = load(&request.data, &request.options)?;
            let config = request.options.config()?;
            let (mut report, train, check) = crate::check::holdout::holdout_with(
                &data,
                &config,
                rule.clone(),
                *level,
                progress,
            )?;
            report.diagnostics.warnings.extend(dropped);
            let mut fit =
                SavedFit::new(report, Provenance::of(&train, request.command_line.clone()));
            fit.holdout = Some(check);
            Fitted { fit, data: train }
        }
    };
    crate::finite::check_finite(&fitted.fit, "the fit")?;
    if let Some(out) = out {
        fitted.fit.save(out)?;
    }
    Ok(fitted)
}

/// The runs of `data` that `options` fits: all of them, or with the law of compute those of the
/// frontier, with the warning counting the runs left out.
fn load(
    data: &DataSource,
    options: &FitOptions,
) -> Result<(Dataset, Option<crate::warnings::Warning>), Error> {
    options.frontier()?;
    options.select(data.load()?.into_owned())
}

/// Load and fit the runs of `data` (no holdout, nothing saved): the fit, with its provenance,
/// and the runs fitted. `destination`, where the caller will write, is checked against the
/// input first.
///
/// # Errors
///
/// As [`fit`].
pub(super) fn fit_runs(
    data: &DataSource,
    options: &FitOptions,
    command_line: Option<String>,
    destination: Option<Destination<'_>>,
    progress: &dyn Progress,
) -> Result<Fitted, Error> {
    let config = options.config()?;
    if let Some(destination) = destination {
        destination.check(&data.inputs())?;
    }
    let (data, dropped) = load(data, options)?;
    data.check_identifiable(config.params.n_free())?;
    progress.begin("fitting", config.runs_planned());
    let report = crate::fit::fit_dataset(&data, &config, progress);
    progress.end();
    let mut report = report?;
    report.diagnostics.warnings.extend(dropped);
    Ok(Fitted {
        fit: SavedFit::new(report, Provenance::of(&data, command_line)),
        data,
    })
}
