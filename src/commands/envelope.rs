//! `envelope`: Approach 1, the lower envelope of training curves: which model size reaches the
//! lowest loss at each compute, and power laws of N* and D* in compute.

use std::path::PathBuf;

use crate::approaches::envelope::{EnvelopeAnalysis, EnvelopeConfig};
use crate::data::curves::{Curve, CurveOptions, curves_from_columns, load_curves};
use crate::data::table::Column;
use crate::error::Error;
use crate::progress::Progress;

/// Where training curves come from.
#[derive(Debug, Clone)]
pub enum CurveSource {
    /// A file, one run or several (with a run column).
    File(String),
    /// Columns in memory (a data frame handed over by Python).
    Columns {
        /// Names the data in messages, and is the run's name without a run column.
        label: String,
        /// The columns.
        columns: Vec<Column>,
    },
}

/// Training curves and how to read them.
#[derive(Debug, Clone)]
pub struct Curves {
    /// The files or frames.
    pub sources: Vec<CurveSource>,
    /// Columns and units.
    pub options: CurveOptions,
}

impl Curves {
    /// The curves of every source, in order.
    ///
    /// # Errors
    ///
    /// As [`load_curves`] and [`curves_from_columns`].
    pub fn read(&self) -> Result<Vec<Curve>, Error> {
        let mut curves = Vec::new();
        for source in &self.sources {
            curves.extend(match source {
                CurveSource::File(path) => load_curves(path, &self.options)?,
                CurveSource::Columns { label, columns } => {
                    curves_from_columns(columns.clone(), label, &self.options)?
                }
            });
        }
        Ok(curves)
    }
}

/// The curves and how to read their envelope.
#[derive(Debug, Clone)]
pub struct EnvelopeRequest {
    /// The training curves.
    pub curves: Curves,
    /// Budgets, bootstrap and level.
    pub config: EnvelopeConfig,
    /// Draw the figure of Approach 1 (the paper's Figure 2) to this file (`.png`, `.svg` or
    /// `.pdf`).
    pub plot: Option<PathBuf>,
}

/// Run Approach 1 on the curves of `request`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--plot` for a figure of unknown format or one that would
/// replace a curve file (before any work); as [`Curves::read`],
/// [`crate::plot::envelope()`] and [`crate::approaches::envelope::analyse_with`]; [`Error::NotFinite`];
/// [`Error::Stopped`].
pub fn envelope(
    request: &EnvelopeRequest,
    progress: &dyn Progress,
) -> Result<EnvelopeAnalysis, Error> {
    if let Some(path) = &request.plot {
        crate::plot::ImageFormat::from_path(path).map_err(|_| {
            Error::invalid_option(
                "--plot",
                format!(
                    "cannot tell the image format of {}; name the file .png, .svg or .pdf",
                    path.display()
                ),
            )
        })?;
        let mut inputs = crate::output::Inputs::new();
        for source in &request.curves.sources {
            if let CurveSource::File(file) = source {
                inputs = inputs.with(file, "a curve file");
            }
        }
        crate::output::check_output("--plot", path, &inputs)?;
    }
    let curves = request.curves.read()?;
    progress.begin("bootstrap", request.config.n_resamples);
    let analysis = crate::approaches::envelope::analyse_with(&curves, &request.config, progress);
    progress.end();
    let analysis = analysis?;
    crate::finite::check_finite(&analysis, "the envelope analysis")?;
    if let Some(path) = &request.plot {
        crate::plot::envelope(path, &curves, &analysis, &crate::plot::envelope_options())?;
    }
    Ok(analysis)
}
