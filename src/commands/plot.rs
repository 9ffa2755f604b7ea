//! `plot`: the figures of a fit (contours, IsoFLOP slices, the allocation, residuals, the
//! bootstrap's distributions), one to a file or all of them into a folder.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::figures::{Figure, FigureSettings, draw, draw_all, file_names};
use crate::progress::{Note, Progress};
use crate::uncertainty::BootstrapConfig;

use super::{Destination, FitSource};

/// The fit, the figure and its settings, and where to draw it.
#[derive(Debug, Clone)]
pub struct PlotRequest {
    /// The fit: data to fit now, a saved fit, or a fit in memory.
    pub source: FitSource,
    /// One figure, or `None` for every figure into a folder.
    pub figure: Option<Figure>,
    /// Budgets, compute range, level, models and size.
    pub settings: FigureSettings,
    /// Bootstrap the fit for bands and distributions (instead of the draws a fit file holds).
    pub bootstrap: Option<BootstrapConfig>,
    /// The image (`.png` or `.svg`), or the folder of every figure.
    pub out: PathBuf,
}

/// `settings` for `figure` (`None`: all) under the rule of `isoflop`: the IsoFLOP slices are drawn at the
/// budgets Approach 2 groups the runs into (when none are given), warn where it warns, and a
/// single slices figure is refused where it refuses; `plot all` draws the others and says why.
fn isoflop_rule(
    figure: Option<Figure>,
    settings: &FigureSettings,
    data: &crate::data::Dataset,
    progress: &dyn Progress,
) -> Result<FigureSettings, Error> {
    let mut settings = settings.clone();
    if !matches!(figure, None | Some(Figure::Isoflop)) {
        return Ok(settings);
    }
    match settings.isoflop_analysis(data) {
        Ok(analysis) => {
            for w in &analysis.warnings {
                progress.note(&Note::Warning(format!("IsoFLOP slices: {}", w.line())));
            }
            if settings.budgets.is_empty() && data.budget.is_none() {
                settings.budgets = analysis.profiles.iter().map(|p| p.budget).collect();
            }
        }
        Err(e) if figure.is_some() => return Err(e),
        Err(e) => progress.note(&Note::Warning(format!(
            "IsoFLOP slices: the runs are not an IsoFLOP sweep at these budgets, so the slices may be empty: {e}"
        ))),
    }
    Ok(settings)
}

/// Draw the figures of `request`; returns the files written.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of an invalid setting or an output that would
/// replace an input (before any work); as [`FitSource::resolve_to`],
/// [`crate::uncertainty::bootstrap()`] and the figures' drawing; [`Error::NotFinite`];
/// [`Error::Stopped`].
pub fn plot(request: PlotRequest, progress: &dyn Progress) -> Result<Vec<PathBuf>, Error> {
    request.settings.check()?;
    let names = file_names();
    let out: &Path = &request.out;
    let destination = match request.figure {
        Some(_) => Destination::File(out),
        None => Destination::Folder(out, &names),
    };
    let resolved = request.source.resolve_to(Some(destination), progress)?;
    for w in &resolved.fit.report.diagnostics.warnings {
        progress.note(&Note::Warning(w.line()));
    }
    let data = resolved.runs()?.into_owned();
    let mut fit = resolved.fit;
    if let Some(config) = &request.bootstrap {
        fit = super::bootstrap::bootstrap(&fit, &data, config, progress)?;
    }
    crate::finite::check_finite(&fit, "the fit")?;
    let settings = &isoflop_rule(request.figure, &request.settings, &data, progress)?;
    settings.with_inputs(request.figure, &fit, &data, |inputs| match request.figure {
        Some(figure) => {
            draw(figure, out, inputs, &settings.plot)?;
            Ok(vec![out.to_path_buf()])
        }
        None => draw_all(out, inputs, &settings.plot),
    })
}
