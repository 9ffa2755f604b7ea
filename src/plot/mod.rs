//! Figures of a fit: SVG drawn with plotters, PNG rasterised from that SVG with resvg; files,
//! or images in memory through [`crate::figures::render`].
//!
//! | function | figure |
//! |---|---|
//! | [`isoloss_contours`] | isoloss contours of `L(N, C/(k·N))` over compute and parameters, the efficient frontier `N*(C)`, the runs coloured by loss (Hoffmann et al. 2022, Figure 4 left) |
//! | [`isoflop_slices`] | loss against parameters at fixed compute budgets: runs, the law's curve and its optimum (Figure 3 centre); [`isoflop_slices_with_bands`] adds the prediction band of a run's loss around each curve |
//! | [`isoflop_profiles`] | Approach 2: each budget's runs with the fitted parabola and its minimum, and `N*` against compute with the fitted power law (Figure 3 left and centre) |
//! | [`optimal_vs_compute`] | `N*(C)` and `D*(C)` with bootstrap bands, published exponents and well-known models (Figure 1 and Table 2) |
//! | [`residuals()`] | log-loss residuals against N, D and C, and predicted against observed loss; [`residuals_with_bands`] adds each run's prediction interval as a bar |
//! | [`envelope()`] | Approach 1: training curves against compute with their lower envelope, and the envelope's `N*` and `D*` with the power laws and their projection (Figure 2) |
//! | [`held_out_errors`] | held-out relative error against compute, one series per law (`select`) |
//! | [`bootstrap_distributions`] | histograms of the bootstrap draws of A, B, E, alpha, beta and `a` |
//! | [`training_curves_image`] | a curve law's training curves: observed and fitted loss per run, predicted trajectories with bands, the schedules beneath; or the relative residuals against step (`curve plot`) |
//!
//! ```text
//! L(N, D) = E + A / N^alpha + B / D^beta,      C = k·N·D
//! isoloss contour at level L0:   D(N) = (B / (L0 - E - A/N^alpha))^(1/beta),   C(N) = k·N·D(N)
//! residual:                      r = ln L - ln L^(N, D)
//! ```
//!
//! The contours are drawn from this closed form rather than traced on a grid, so they are exact.
//!
//! Prediction bands ([`PredictionBands`]) are the intervals of `fit --holdout` and
//! `optimal --assess`: scatter, the law's uncertainty (bootstrap draws when present) and a
//! rolling-origin extrapolation term; where that term cannot be calibrated, beyond the data,
//! no band is drawn.
//!
//! Text is DejaVu Sans, compiled in and registered with plotters' `ab_glyph` text renderer on
//! first use (it sizes the labels), and loaded from the same bytes into resvg's font database
//! for PNG: no system fonts are needed. SVG files name the family `sans-serif` and embed no
//! glyphs. Every figure is drawn once, as SVG; a PNG is that drawing rasterised, anti-aliased. Log axes always span at least one decade and carry their own tick marks (powers of
//! ten, or 1-2-5 within a single decade) labelled like `1e20`.
//!
//! Files are written atomically: the image is rendered in memory, written to a temporary file
//! in the destination folder and renamed into place, so a failure never leaves a partial file.
//!
//! References: J. Hoffmann et al., "Training Compute-Optimal Large Language Models", 2022,
//! arXiv:2203.15556 (figures 1, 3 and 4); J. Kaplan et al., "Scaling Laws for Neural Language
//! Models", 2020, arXiv:2001.08361 (a = 0.73).

mod axes;
mod bands;
mod bootstrap;
mod chart;
mod clip;
mod colour_bar;
mod contours;
mod curve;
mod envelope;
mod isoflop;
mod labels;
mod legend;
mod optimal;
pub mod paper;
mod profiles;
mod render;
mod residuals;
mod select;
mod style;
mod task;
#[cfg(test)]
mod tests;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use bands::PredictionBands;
pub use bootstrap::bootstrap_distributions;
pub(crate) use bootstrap::bootstrap_distributions_image;
pub use contours::isoloss_contours;
pub(crate) use contours::isoloss_contours_image;
pub use curve::{
    CurveFigure, FittedCurve, PredictedCurve, TrainingCurves, ZOOM_FROM, training_curves_image,
};
pub use envelope::{envelope, envelope_options};
pub(crate) use isoflop::isoflop_slices_with_bands_image;
pub use isoflop::{default_budgets, isoflop_slices, isoflop_slices_with_bands};
pub use optimal::optimal_vs_compute;
pub(crate) use optimal::optimal_vs_compute_image;
pub use profiles::isoflop_profiles;
pub(crate) use render::{convert, rasterise};
pub(crate) use residuals::residuals_with_bands_image;
pub use residuals::{residuals, residuals_with_bands};
pub use select::held_out_errors;
pub use style::{DPI, MIN_TEXT_PT};
pub use task::{
    MAX_TASK_ROWS, TaskPanel, TaskRun, TaskTarget, task_figure, task_image, task_options,
};

use crate::data::Dataset;
use crate::error::Error;

/// Smallest accepted image side, pixels: below it the text no longer fits.
pub const MIN_SIDE: u32 = 300;
/// Largest accepted image side, pixels.
pub const MAX_SIDE: u32 = 10_000;

/// Image file format, chosen by the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    /// Portable Network Graphics (raster).
    Png,
    /// Scalable Vector Graphics (text is left to the viewer's `sans-serif` font).
    Svg,
    /// Portable Document Format: the SVG converted by svg2pdf, vector lines and the text set
    /// in the embedded DejaVu Sans (subset into the file).
    Pdf,
}

impl ImageFormat {
    /// The format of `path` from its extension, `.png`, `.svg` or `.pdf` (any case).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--out` and the path when the extension is neither.
    ///
    /// # Examples
    ///
    /// ```
    /// use scaling_laws::plot::ImageFormat;
    /// use std::path::Path;
    /// assert_eq!(ImageFormat::from_path(Path::new("fit.SVG")).unwrap(), ImageFormat::Svg);
    /// assert_eq!(ImageFormat::from_path(Path::new("fit.pdf")).unwrap(), ImageFormat::Pdf);
    /// assert!(ImageFormat::from_path(Path::new("fit.jpg")).is_err());
    /// ```
    pub fn from_path(path: &Path) -> Result<ImageFormat, Error> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("png") => Ok(ImageFormat::Png),
            Some("svg") => Ok(ImageFormat::Svg),
            Some("pdf") => Ok(ImageFormat::Pdf),
            _ => Err(Error::invalid_option(
                "--out",
                format!(
                    "cannot tell the image format of {}; name the file .png, .svg or .pdf",
                    path.display()
                ),
            )),
        }
    }
}

/// Size and title of a figure. Sizes are in units of 1/[`DPI`] inch: PNG pixels, SVG user
/// units (the SVG states its size in inches), PDF at the same physical size. The default,
/// 975 x 750, is 3.25 x 2.5 inches: a single-column figure with text of at least
/// [`MIN_TEXT_PT`] points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlotOptions {
    /// Width in units of 1/[`DPI`] inch (PNG pixels), at least [`MIN_SIDE`].
    pub width: u32,
    /// Height in units of 1/[`DPI`] inch, at least [`MIN_SIDE`].
    pub height: u32,
    /// Title above the figure; `None` gives each figure its own descriptive title.
    pub title: Option<String>,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions::inches(3.25, 2.5)
    }
}

impl PlotOptions {
    /// A figure of `width` x `height` inches at [`DPI`], with its own title.
    ///
    /// # Examples
    ///
    /// ```
    /// use scaling_laws::plot::PlotOptions;
    /// let opts = PlotOptions::inches(3.25, 2.5);
    /// assert_eq!((opts.width, opts.height), (975, 750));
    /// assert_eq!(opts.size_in_inches(), (3.25, 2.5));
    /// ```
    pub fn inches(width: f64, height: f64) -> PlotOptions {
        let units = |inches: f64| (inches * DPI).round().clamp(0.0, f64::from(u32::MAX)) as u32;
        PlotOptions {
            width: units(width),
            height: units(height),
            title: None,
        }
    }

    /// The printed size, inches.
    pub fn size_in_inches(&self) -> (f64, f64) {
        (f64::from(self.width) / DPI, f64::from(self.height) / DPI)
    }

    /// Check the size.
    fn validate(&self) -> Result<(), Error> {
        for (flag, side) in [("--width", self.width), ("--height", self.height)] {
            if !(MIN_SIDE..=MAX_SIDE).contains(&side) {
                return Err(Error::invalid_option(
                    flag,
                    format!("must be between {MIN_SIDE} and {MAX_SIDE} pixels, got {side}"),
                ));
            }
        }
        Ok(())
    }

    /// The title given, or `default`.
    fn title_or(&self, default: String) -> String {
        self.title.clone().unwrap_or(default)
    }
}

/// One training run, as plotted.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Run {
    n_params: f64,
    n_tokens: f64,
    compute: f64,
    loss: f64,
    /// Unique tokens, when the data have them.
    unique_tokens: Option<f64>,
    /// Source row (1-based, header excluded), as warnings name runs.
    source_row: usize,
}

impl Run {
    /// The run's inputs as a law reads them.
    fn row(&self) -> crate::law::Row {
        crate::law::Row::of_run(
            self.n_params,
            self.n_tokens,
            self.compute,
            self.unique_tokens,
        )
    }
}

/// The runs of `data` whose four values are positive and finite (a validated [`Dataset`] has
/// only such runs; the fields are public, so check anyway rather than panic later).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the data when no run is left.
fn usable_runs(data: &Dataset) -> Result<Vec<Run>, Error> {
    let ok = |v: f64| v.is_finite() && v > 0.0;
    let runs: Vec<Run> = (0..data.len())
        .filter_map(|i| {
            let run = Run {
                n_params: *data.n_params.get(i)?,
                n_tokens: *data.n_tokens.get(i)?,
                compute: *data.compute.get(i)?,
                loss: *data.loss.get(i)?,
                unique_tokens: data.unique_tokens.as_ref().and_then(|u| u.get(i).copied()),
                source_row: data.rows.get(i).copied().unwrap_or(i + 1),
            };
            [run.n_params, run.n_tokens, run.compute, run.loss]
                .into_iter()
                .all(ok)
                .then_some(run)
        })
        .collect();
    if runs.is_empty() {
        return Err(Error::invalid_option(
            "data",
            format!(
                "no runs to plot in {} (every value must be positive and finite); \
                 check the file and loosen --where or --max-loss",
                data.source.path
            ),
        ));
    }
    Ok(runs)
}
