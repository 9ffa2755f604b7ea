//! `select`: laws compared by how well they predict runs held out beyond the data.

use std::path::PathBuf;

use crate::check::select::{SelectConfig, Selection, choose_laws};
use crate::error::Error;
use crate::plot::{ImageFormat, PlotOptions};
use crate::progress::Progress;

use super::DataSource;

/// The runs, the laws and checks, and where to draw the held-out errors.
#[derive(Debug, Clone)]
pub struct SelectRequest {
    /// The runs.
    pub data: DataSource,
    /// The laws, holdout, bootstrap and fit options.
    pub config: SelectConfig,
    /// Draw the held-out error of each law against compute here (`.png` or `.svg`).
    pub plot: Option<PathBuf>,
}

/// Fit each law, check it on held-out runs and rank them; draw the errors when asked.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of an invalid option, an unknown image format or a
/// figure that would replace the input (all before any work); as [`crate::data::load`] and
/// [`crate::check::select::select`]; [`Error::NotFinite`]; [`Error::Stopped`].
pub fn select(request: &SelectRequest, progress: &dyn Progress) -> Result<Selection, Error> {
    if let Some(path) = &request.plot {
        ImageFormat::from_path(path).map_err(|_| {
            Error::invalid_option(
                "--plot",
                format!(
                    "cannot tell the image format of {}; name the file .png, .svg or .pdf",
                    path.display()
                ),
            )
        })?;
        crate::output::check_output("--plot", path, &request.data.inputs())?;
    }
    let data = request.data.load()?;
    let laws = choose_laws(&data, request.config.laws.as_deref()).map_or(0, |(l, _)| l.len());
    progress.begin("fitting laws", laws);
    let selection = crate::check::select::select(&data, &request.config, progress);
    progress.end();
    let selection = selection?;
    crate::finite::check_finite(&selection, "the comparison")?;
    if let Some(path) = &request.plot {
        crate::plot::held_out_errors(path, &selection, &PlotOptions::default())?;
    }
    Ok(selection)
}
