//! `isoflop`: Approach 2, IsoFLOP profiles: the loss-minimising size of each budget's runs, and
//! power laws of N* and D* in compute, with bootstrap intervals; optionally drawn.

use std::path::PathBuf;

use crate::approaches::isoflop::{IsoflopAnalysis, IsoflopConfig};
use crate::data::Dataset;
use crate::error::Error;
use crate::plot::{ImageFormat, PlotOptions};
use crate::progress::Progress;

use super::DataSource;

/// The runs, how to group them, and where to draw the profiles.
#[derive(Debug, Clone)]
pub struct IsoflopRequest {
    /// The runs.
    pub data: DataSource,
    /// Grouping, bootstrap and level; `k` in `C = k·N·D` is taken from the data.
    pub config: IsoflopConfig,
    /// Draw the profiles and N* against compute here (`.png` or `.svg`).
    pub plot: Option<PathBuf>,
}

/// The analysis with the runs it was made from (the text report lists them by group).
#[derive(Debug, Clone)]
pub struct IsoflopReport {
    /// The runs.
    pub data: Dataset,
    /// Approach 2's answer.
    pub analysis: IsoflopAnalysis,
}

/// Run Approach 2 on the runs of `request` and draw it when asked.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of an invalid option, an unknown image format or a
/// figure that would replace the input (all before any work); as [`crate::data::load`] and
/// [`crate::approaches::isoflop::isoflop_with`]; [`Error::NotFinite`]; [`Error::Stopped`].
pub fn isoflop(request: &IsoflopRequest, progress: &dyn Progress) -> Result<IsoflopReport, Error> {
    crate::approaches::isoflop::check_min_runs(request.config.min_runs)?;
    if let Some(path) = &request.plot {
        // Before the analysis and its bootstrap, so that a typo costs nothing.
        ImageFormat::from_path(path).map_err(|e| match e {
            Error::InvalidOption { message, .. } => Error::invalid_option("--plot", message),
            other => other,
        })?;
        crate::output::check_output("--plot", path, &request.data.inputs())?;
    }
    let data = request.data.load()?.into_owned();
    let config = IsoflopConfig {
        flops_per_param_token: data.flops_per_param_token,
        ..request.config.clone()
    };
    progress.begin("bootstrap", config.n_resamples);
    let analysis = crate::approaches::isoflop::isoflop_with(&data, &config, progress);
    progress.end();
    let analysis = analysis?;
    crate::finite::check_finite(&analysis, "the IsoFLOP analysis")?;
    if let Some(path) = &request.plot {
        crate::plot::isoflop_profiles(path, &analysis, &data, &PlotOptions::default())?;
    }
    Ok(IsoflopReport { data, analysis })
}
