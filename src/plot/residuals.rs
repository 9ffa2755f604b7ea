//! Residuals of a fit: where the law misses the runs.
//!
//! ```text
//! r_i = ln L_i - ln L^(N_i, D_i)       (the quantity the fit's Huber loss penalises)
//! ```
//!
//! Three panels plot `r` against N, D and C (log x); a trend in any of them means the
//! functional form misses a dependence. The fourth plots predicted against observed loss with
//! the line `y = x`; with prediction bands, each run carries a horizontal bar spanning the
//! interval its observed loss should fall in, and the caption counts the runs inside theirs
//! (in-sample: the runs were fitted, so this checks the scatter part, not extrapolation).
//! Runs that the fit's warnings name (outlying runs) are ringed in red and labelled with their
//! source row on every panel.

use std::path::Path;

use plotters::element::{Circle, EmptyElement, PathElement, Text};
use plotters::prelude::{BLACK, DrawingBackend};
use plotters::style::{Color, RGBColor};

use super::axes::{LogAxis, linear_range};
use super::bands::PredictionBands;
use super::chart::{Axes, build, draw_mesh};
use super::clip::Scale;
use super::render::{Area, DrawResult, Figure, check_output, render, write_image};
use super::style::{QUALITATIVE, Theme, format_number};
use super::{ImageFormat, PlotOptions, Run, usable_runs};
use crate::data::Dataset;
use crate::error::Error;
use crate::law::Law;

/// Description of the residual axis.
const RESIDUAL_DESC: &str = "Residual ln L − ln L̂";

/// Draw the residuals of `law` on the runs of `data` in a 2 x 2 grid: against parameters N,
/// tokens D and compute C, and predicted against observed loss.
///
/// # Errors
///
/// [`Error::InvalidOption`] for no usable runs, a law that predicts no positive loss for any
/// of them, an unknown file extension (`--out`) or a bad image size; [`Error::Io`] naming
/// `path` when the image cannot be drawn or written.
///
/// # Examples
///
/// ```
/// # use scaling_laws::{data, law::ChinchillaLaw, plot};
/// # let mut csv = String::from("n_params,n_tokens,loss\n");
/// # for n in [1e8, 1e9, 1e10] {
/// #     for d in [1e10, 1e11, 1e12] {
/// #         csv += &format!("{n},{d},{}\n", ChinchillaLaw::HOFFMANN_2022.loss(n, d));
/// #     }
/// # }
/// # let options = data::LoadOptions::default();
/// # let data = data::load_bytes(csv.into_bytes(), data::Format::Csv, "runs.csv", &options)?;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("residuals.svg");
/// let law = ChinchillaLaw::HOFFMANN_2022.into();
/// plot::residuals(&path, &law, &data, &plot::PlotOptions::default())?;
/// assert!(std::fs::read_to_string(&path).unwrap().contains("Tokens D"));
/// # Ok::<(), scaling_laws::Error>(())
/// ```
pub fn residuals(path: &Path, law: &Law, data: &Dataset, opts: &PlotOptions) -> Result<(), Error> {
    residuals_with_bands(path, law, data, None, opts)
}

/// [`residuals()`], with each run's prediction interval from `bands` as a horizontal bar on the
/// predicted-against-observed panel when given.
///
/// # Errors
///
/// As [`residuals()`].
pub fn residuals_with_bands(
    path: &Path,
    law: &Law,
    data: &Dataset,
    bands: Option<&PredictionBands>,
    opts: &PlotOptions,
) -> Result<(), Error> {
    let format = check_output(path, opts)?;
    write_image(
        path,
        &residuals_with_bands_image(law, data, bands, &[], opts, format)?,
    )
}

/// [`residuals_with_bands`] drawn into memory: SVG text or PNG bytes, by `format`, with the
/// runs of source rows `flagged` (those the fit's warnings name) ringed and labelled.
pub(crate) fn residuals_with_bands_image(
    law: &Law,
    data: &Dataset,
    bands: Option<&PredictionBands>,
    flagged: &[usize],
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    opts.validate()?;
    let points: Vec<Point> = usable_runs(data)?
        .into_iter()
        .map(|run| {
            let row = run.row();
            let predicted = law.loss_run(run.n_params, run.n_tokens, &row);
            Point {
                run,
                flagged: flagged.contains(&run.source_row),
                predicted,
                residual: run.loss.ln() - predicted.ln(),
                interval: bands
                    .and_then(|b| b.interval_run(run.n_params, run.n_tokens, &row).bounds())
                    .filter(|(lo, hi)| lo.is_finite() && hi.is_finite()),
            }
        })
        .filter(|p| p.residual.is_finite())
        .collect();
    if points.is_empty() {
        return Err(Error::invalid_option(
            "law",
            format!(
                "the {} law ({}) predicts no positive, finite loss for any run; check the fit",
                law.family(),
                law.describe()
            ),
        ));
    }
    let n = points.len() as f64;
    let sd = (points.iter().map(|p| p.residual.powi(2)).sum::<f64>() / n).sqrt();
    let title = opts.title_or(format!(
        "Residuals of the fit ({} runs, root mean square {})",
        points.len(),
        format_number(sd)
    ));
    let band_level = bands.map(PredictionBands::level_label);
    render(format, opts, &title, &Residuals { points, band_level })
}

/// A run with the law's prediction for it.
struct Point {
    run: Run,
    /// Named by a warning of the fit.
    flagged: bool,
    predicted: f64,
    residual: f64,
    /// The prediction interval of its loss, when drawn.
    interval: Option<(f64, f64)>,
}

struct Residuals {
    points: Vec<Point>,
    /// `95%` when intervals are drawn.
    band_level: Option<String>,
}

/// A quantity of a run.
type RunValue = fn(&Run) -> f64;

/// Colour of the points.
const POINT_COLOUR: RGBColor = QUALITATIVE[0];
/// Colour of the rings around runs a warning names.
const FLAGGED_COLOUR: RGBColor = RGBColor(200, 30, 30);

impl Figure for Residuals {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let panels = area.split_evenly((2, 2));
        let against: [(&str, &str, RunValue); 3] = [
            ("against parameters", "Parameters N", |r| r.n_params),
            ("against tokens", "Tokens D", |r| r.n_tokens),
            ("against compute", "Training compute C (FLOPs)", |r| {
                r.compute
            }),
        ];
        for ((caption, x_desc, x_of), panel) in against.into_iter().zip(&panels) {
            self.draw_residual_panel(panel, theme, caption, x_desc, x_of)?;
        }
        self.draw_predicted_panel(&panels[3], theme)
    }
}

impl Residuals {
    fn draw_residual_panel<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        theme: &Theme,
        caption: &str,
        x_desc: &str,
        x_of: RunValue,
    ) -> DrawResult {
        let x_axis = LogAxis::covering(self.points.iter().map(|p| x_of(&p.run)), 0.1)
            .unwrap_or_else(|| LogAxis::between(1.0, 10.0));
        let largest = self
            .points
            .iter()
            .map(|p| p.residual.abs())
            .fold(0.0, f64::max);
        let half = (1.15 * largest).max(1e-3);
        let mut chart = build(area, theme, Some(caption), x_axis.coord(), -half..half)?;
        let axes = Axes {
            x_desc,
            y_desc: RESIDUAL_DESC,
            x_scale: Scale::Log,
            y_scale: Scale::Linear,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let zero = vec![(x_axis.lo, 0.0), (x_axis.hi, 0.0)];
        chart.draw_series(std::iter::once(PathElement::new(
            zero,
            BLACK.stroke_width(1),
        )))?;
        let size = theme.px(3.5);
        let fill = POINT_COLOUR.mix(0.6).filled();
        chart.draw_series(
            (self.points.iter()).map(|p| Circle::new((x_of(&p.run), p.residual), size, fill)),
        )?;
        self.mark_flagged(&mut chart, theme, |p| (x_of(&p.run), p.residual))
    }

    /// A red ring and the source row beside every run a warning names.
    fn mark_flagged<DB: DrawingBackend, X, Y>(
        &self,
        chart: &mut plotters::chart::ChartContext<
            '_,
            DB,
            plotters::coord::cartesian::Cartesian2d<X, Y>,
        >,
        theme: &Theme,
        at: impl Fn(&Point) -> (X::ValueType, Y::ValueType),
    ) -> DrawResult
    where
        X: plotters::coord::ranged1d::Ranged,
        Y: plotters::coord::ranged1d::Ranged,
    {
        let ring = FLAGGED_COLOUR.stroke_width(theme.px(1.5));
        let size = theme.px(7.0);
        let flagged = self.points.iter().filter(|p| p.flagged);
        chart.draw_series(flagged.clone().map(|p| Circle::new(at(p), size, ring)))?;
        let font = theme.small().color(&FLAGGED_COLOUR);
        let offset = (size as i32 + 2, -(size as i32) - 4);
        chart.draw_series(flagged.map(|p| {
            EmptyElement::at(at(p))
                + Text::new(format!("row {}", p.run.source_row), offset, font.clone())
        }))?;
        Ok(())
    }

    fn draw_predicted_panel<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        theme: &Theme,
    ) -> DrawResult {
        let values = self.points.iter().flat_map(|p| {
            let (lo, hi) = p.interval.unwrap_or((p.run.loss, p.run.loss));
            [p.run.loss, p.predicted, lo, hi]
        });
        let range = linear_range(values, 0.05).unwrap_or(0.0..1.0);
        let caption = self.predicted_caption();
        let mut chart = build(area, theme, Some(&caption), range.clone(), range.clone())?;
        let axes = Axes {
            x_desc: "Observed final loss L (nats/token)",
            y_desc: "Predicted loss L̂ (nats/token)",
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let diagonal = vec![(range.start, range.start), (range.end, range.end)];
        chart.draw_series(std::iter::once(PathElement::new(
            diagonal,
            BLACK.stroke_width(1),
        )))?;
        let bar = POINT_COLOUR.mix(0.3).stroke_width(theme.px(1.5));
        chart.draw_series(self.points.iter().filter_map(|p| {
            let (lo, hi) = p.interval?;
            Some(PathElement::new(
                vec![(lo, p.predicted), (hi, p.predicted)],
                bar,
            ))
        }))?;
        let size = theme.px(3.5);
        let fill = POINT_COLOUR.mix(0.6).filled();
        chart.draw_series(
            (self.points.iter()).map(|p| Circle::new((p.run.loss, p.predicted), size, fill)),
        )?;
        self.mark_flagged(&mut chart, theme, |p| (p.run.loss, p.predicted))
    }

    /// The caption of the predicted-against-observed panel: with intervals, their level and
    /// how many runs lie inside theirs.
    fn predicted_caption(&self) -> String {
        let Some(level) = &self.band_level else {
            return "predicted against observed".to_string();
        };
        let with: Vec<&Point> = self
            .points
            .iter()
            .filter(|p| p.interval.is_some())
            .collect();
        let inside = with
            .iter()
            .filter(|p| {
                p.interval
                    .is_some_and(|(lo, hi)| (lo..=hi).contains(&p.run.loss))
            })
            .count();
        format!("predicted: {inside} of {} in {level} intervals", with.len())
    }
}
