//! Figures of a training-curve law (`scaling-laws curve plot`): the observed loss of each
//! fitted run with the law's trajectory, predicted trajectories with their bands, and the
//! learning-rate schedules beneath; or the relative residuals along each run.
//!
//! ```text
//! curves:     L_i(t) observed (points),  L^(t) = law(θ, η_1..η_t) (line), per run;
//!             predicted L^(t) under a schedule, with its band (shaded) when bootstrapped;
//!             η_t per run and per prediction, in a panel beneath on the same steps
//! residuals:  r_i(t) = L_i(t) / L^(t) − 1, in %, against step t
//! ```
//!
//! Steps are linear: schedules differ in where they cool down, which a log axis would squeeze
//! into its last fraction of a decade. The loss axis is zoomed to the data from a tenth of the
//! longest run on ([`ZOOM_FROM`]), where the runs differ; the steep first fall lies above it.
//! The figure takes plain series (computed by [`crate::commands::curve_plot`]), so that it
//! knows nothing of laws or fits.

use plotters::chart::SeriesLabelPosition;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::element::{Circle, EmptyElement, PathElement, Polygon};
use plotters::prelude::{BLACK, DashedLineSeries, DrawingBackend};
use plotters::style::{Color, RGBColor, ShapeStyle};
use serde::{Deserialize, Serialize};

use super::axes::linear_range;
use super::bands::Band;
use super::chart::{Axes, Chart, build, clip_box, draw_clipped_line, draw_mesh, legend_line};
use super::clip::{ClipBox, Scale};
use super::legend::draw_legend;
use super::render::{Area, DrawResult, Figure, render};
use super::style::{QUALITATIVE, Theme, format_number};
use super::{ImageFormat, PlotOptions};
use crate::error::Error;

/// The loss axis covers the values from this share of the last step on.
pub const ZOOM_FROM: f64 = 0.1;
/// Share of the loss panel in the height of the curves figure (the schedules take the rest).
const LOSS_SHARE: f64 = 0.68;
/// Opacity of a prediction band.
const BAND_ALPHA: f64 = 0.2;

/// A chart with linear axes.
type LinearChart<'a, DB> = Chart<'a, DB, RangedCoordf64, RangedCoordf64>;

/// Which figure of a curve fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CurveFigure {
    /// Observed and fitted loss per run, predictions with bands, and the schedules beneath.
    #[default]
    Curves,
    /// Relative residuals (observed / fitted − 1, in %) against step.
    Residuals,
}

impl CurveFigure {
    /// Every figure, in order.
    pub const ALL: [CurveFigure; 2] = [CurveFigure::Curves, CurveFigure::Residuals];

    /// Its name (`curves`, `residuals`).
    pub fn name(self) -> &'static str {
        match self {
            CurveFigure::Curves => "curves",
            CurveFigure::Residuals => "residuals",
        }
    }

    /// The figure named `name`; `flag` names the option in the error.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `flag` and the figures there are.
    ///
    /// # Examples
    ///
    /// ```
    /// use scaling_laws::plot::CurveFigure;
    /// assert_eq!(CurveFigure::parse("residuals", "--kind").unwrap(), CurveFigure::Residuals);
    /// assert!(CurveFigure::parse("contours", "--kind").is_err());
    /// ```
    pub fn parse(name: &str, flag: &str) -> Result<CurveFigure, Error> {
        CurveFigure::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                Error::invalid_option(
                    flag,
                    format!("no curve figure '{name}'; the figures: curves, residuals"),
                )
            })
    }
}

/// A fitted run, as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedCurve {
    /// The run's name.
    pub name: String,
    /// Its checkpoints: step and observed loss.
    pub observed: Vec<(f64, f64)>,
    /// The law's loss at each checkpoint.
    pub fitted: Vec<f64>,
    /// The law's trajectory (step, loss), to the end of the run's schedule.
    pub trajectory: Vec<(f64, f64)>,
    /// Its learning rate (step, rate).
    pub lr: Vec<(f64, f64)>,
}

/// A predicted trajectory, as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictedCurve {
    /// Its name in the legend.
    pub name: String,
    /// Step and predicted loss.
    pub trajectory: Vec<(f64, f64)>,
    /// Step, lower and upper end of the band, when the fit was bootstrapped.
    pub band: Option<Vec<(f64, f64, f64)>>,
    /// Its learning rate (step, rate).
    pub lr: Vec<(f64, f64)>,
}

/// What the curve figures draw.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingCurves {
    /// The law's name, for the title.
    pub law: String,
    /// The level of the bands, when there are any.
    pub level: Option<f64>,
    /// The fitted runs.
    pub runs: Vec<FittedCurve>,
    /// The predictions.
    pub predictions: Vec<PredictedCurve>,
}

/// Draw figure `kind` of `curves` into memory: SVG text or PNG bytes, by `format`.
///
/// # Errors
///
/// [`Error::InvalidOption`] for a bad image size or no run with a checkpoint; [`Error::Io`]
/// when the image cannot be drawn.
pub fn training_curves_image(
    curves: &TrainingCurves,
    kind: CurveFigure,
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    opts.validate()?;
    if curves.runs.iter().all(|r| r.observed.is_empty()) {
        return Err(Error::invalid_option(
            "FILE",
            "no run with a checkpoint to draw",
        ));
    }
    let runs = curves.runs.len();
    match kind {
        CurveFigure::Curves => {
            let predicted = match curves.predictions.len() {
                0 => String::new(),
                1 => ", one schedule predicted".to_string(),
                n => format!(", {n} schedules predicted"),
            };
            let title = opts.title_or(format!(
                "Training curves: the {} law fitted to {runs} run{}{predicted}",
                curves.law,
                plural(runs)
            ));
            render(format, opts, &title, &CurvesFigure(curves))
        }
        CurveFigure::Residuals => {
            let residuals = residuals_of(curves);
            let all: Vec<f64> = residuals.iter().flatten().map(|p| p.1).collect();
            let rms = (all.iter().map(|r| r * r).sum::<f64>() / all.len().max(1) as f64).sqrt();
            let title = opts.title_or(format!(
                "Relative residuals of the {} law ({runs} run{}, root mean square {}%)",
                curves.law,
                plural(runs),
                format_number(rms)
            ));
            render(format, opts, &title, &ResidualsFigure { curves, residuals })
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The colour of series `i` (runs first, then predictions).
fn colour(i: usize) -> RGBColor {
    QUALITATIVE[i % QUALITATIVE.len()]
}

/// The last step drawn, padded.
fn step_range(curves: &TrainingCurves) -> std::ops::Range<f64> {
    let last = curves
        .runs
        .iter()
        .flat_map(|r| r.trajectory.iter().chain(&r.observed))
        .chain(curves.predictions.iter().flat_map(|p| &p.trajectory))
        .map(|p| p.0)
        .fold(1.0, f64::max);
    0.0..last * 1.02
}

/// The loss axis: every value drawn from [`ZOOM_FROM`] of the last step on.
fn loss_range(curves: &TrainingCurves, last: f64) -> std::ops::Range<f64> {
    let from = ZOOM_FROM * last;
    let points = curves
        .runs
        .iter()
        .flat_map(|r| r.observed.iter().chain(&r.trajectory))
        .chain(curves.predictions.iter().flat_map(|p| &p.trajectory))
        .filter(|p| p.0 >= from)
        .map(|p| p.1);
    let bands = (curves.predictions.iter())
        .flat_map(|p| p.band.iter().flatten())
        .filter(|b| b.0 >= from)
        .flat_map(|b| [b.1, b.2]);
    linear_range(points.chain(bands), 0.06).unwrap_or(0.0..1.0)
}

struct CurvesFigure<'a>(&'a TrainingCurves);

impl Figure for CurvesFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let curves = self.0;
        let (_, height) = area.dim_in_pixel();
        let (top, bottom) = area.split_vertically((f64::from(height) * LOSS_SHARE) as u32);
        let steps = step_range(curves);
        let loss = loss_range(curves, steps.end);
        let mut chart = build(&top, theme, None, steps.clone(), loss)?;
        let axes = Axes {
            x_desc: "",
            y_desc: "Loss",
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let clip = clip_box(&chart, Scale::Linear, Scale::Linear);
        let offset = curves.runs.len();
        for (i, p) in curves.predictions.iter().enumerate() {
            draw_band(&mut chart, &clip, p, colour(offset + i))?;
        }
        for (i, run) in curves.runs.iter().enumerate() {
            draw_run(&mut chart, &clip, run, colour(i), theme)?;
        }
        for (i, p) in curves.predictions.iter().enumerate() {
            let style = colour(offset + i).stroke_width(theme.px(2.5));
            let label = match (&p.band, curves.level) {
                (Some(_), Some(level)) => {
                    format!("{} (predicted, {} band)", p.name, percent(level))
                }
                (Some(_), None) => format!("{} (predicted, with band)", p.name),
                (None, _) => format!("{} (predicted)", p.name),
            };
            draw_dashed(&mut chart, &clip, &p.trajectory, style, theme, Some(&label))?;
        }
        draw_legend(&mut chart, theme, SeriesLabelPosition::UpperRight)?;
        draw_schedules(&bottom, theme, curves, steps)
    }
}

/// A run's checkpoints inside the chart, and the law's trajectory through them.
fn draw_run<'a, DB: DrawingBackend + 'a>(
    chart: &mut LinearChart<'a, DB>,
    clip: &ClipBox,
    run: &FittedCurve,
    colour: RGBColor,
    theme: &Theme,
) -> DrawResult {
    let size = theme.px(2.5);
    let fill = colour.mix(0.5).filled();
    chart.draw_series(
        (run.observed.iter())
            .filter(|&&p| clip.contains(p))
            .map(|&p| Circle::new(p, size, fill)),
    )?;
    let line = colour.stroke_width(theme.px(2.0));
    let dot = colour.filled();
    let mut label = Some(run.name.as_str());
    for piece in clip.clip(&run.trajectory) {
        let anno = chart.draw_series(std::iter::once(PathElement::new(piece, line)))?;
        if let Some(text) = label.take() {
            anno.label(text).legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (20, 0)], line)
                    + Circle::new((10, 0), 3, dot)
            });
        }
    }
    Ok(())
}

/// A prediction's band, clamped to the chart, with its legend entry.
fn draw_band<'a, DB: DrawingBackend + 'a>(
    chart: &mut LinearChart<'a, DB>,
    clip: &ClipBox,
    prediction: &PredictedCurve,
    colour: RGBColor,
) -> DrawResult {
    let Some(samples) = &prediction.band else {
        return Ok(());
    };
    let band = Band {
        pieces: vec![samples.clone()],
        missing: false,
    };
    let fill = colour.mix(BAND_ALPHA).filled();
    let outlines = band.outlines(clip.y.0, clip.y.1);
    if outlines.is_empty() {
        return Ok(());
    }
    chart.draw_series(outlines.into_iter().map(|o| Polygon::new(o, fill)))?;
    Ok(())
}

/// `0.95` as `95%`.
fn percent(level: f64) -> String {
    let pct = 100.0 * level;
    if (pct - pct.round()).abs() < 1e-9 {
        format!("{pct:.0}%")
    } else {
        format!("{pct:.1}%")
    }
}

/// A dashed line inside the chart; the first piece carries `label` into the legend.
fn draw_dashed<'a, DB, X, Y>(
    chart: &mut Chart<'a, DB, X, Y>,
    clip: &ClipBox,
    points: &[(f64, f64)],
    style: ShapeStyle,
    theme: &Theme,
    label: Option<&str>,
) -> DrawResult
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let (dash, gap) = (theme.px(9.0), theme.px(5.0));
    let mut label = label;
    for piece in clip.clip(points) {
        let anno = chart.draw_series(DashedLineSeries::new(piece, dash, gap, style))?;
        if let Some(text) = label.take() {
            anno.label(text).legend(legend_line(style));
        }
    }
    Ok(())
}

/// The learning rate of every run (solid) and prediction (dashed) against step.
fn draw_schedules<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    curves: &TrainingCurves,
    steps: std::ops::Range<f64>,
) -> DrawResult {
    let series =
        || (curves.runs.iter().map(|r| &r.lr)).chain(curves.predictions.iter().map(|p| &p.lr));
    let peak = series().flatten().map(|p| p.1).fold(0.0, f64::max);
    let top = if peak > 0.0 && peak.is_finite() {
        1.08 * peak
    } else {
        1.0
    };
    let mut chart = build(area, theme, None, steps, 0.0..top)?;
    let axes = Axes {
        x_desc: "Step",
        y_desc: "Learning rate",
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
    };
    draw_mesh(&mut chart, theme, &axes)?;
    let clip = clip_box(&chart, Scale::Linear, Scale::Linear);
    let offset = curves.runs.len();
    for (i, run) in curves.runs.iter().enumerate() {
        let style = colour(i).stroke_width(theme.px(2.0));
        draw_clipped_line(&mut chart, &clip, &run.lr, style, None)?;
    }
    for (i, p) in curves.predictions.iter().enumerate() {
        let style = colour(offset + i).stroke_width(theme.px(2.0));
        draw_dashed(&mut chart, &clip, &p.lr, style, theme, None)?;
    }
    Ok(())
}

/// Each run's relative residuals in %, `(step, 100·(observed / fitted − 1))`.
fn residuals_of(curves: &TrainingCurves) -> Vec<Vec<(f64, f64)>> {
    curves
        .runs
        .iter()
        .map(|run| {
            (run.observed.iter().zip(&run.fitted))
                .map(|(&(step, loss), &fit)| (step, 100.0 * (loss / fit - 1.0)))
                .filter(|p| p.1.is_finite())
                .collect()
        })
        .collect()
}

struct ResidualsFigure<'a> {
    curves: &'a TrainingCurves,
    residuals: Vec<Vec<(f64, f64)>>,
}

impl Figure for ResidualsFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let last = (self.residuals.iter().flatten())
            .map(|p| p.0)
            .fold(1.0, f64::max);
        let largest = (self.residuals.iter().flatten())
            .map(|p| p.1.abs())
            .fold(0.0, f64::max);
        let half = (1.15 * largest).max(0.01);
        let mut chart = build(area, theme, None, 0.0..last * 1.02, -half..half)?;
        let axes = Axes {
            x_desc: "Step",
            y_desc: "Observed / fitted - 1 (%)",
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let zero = vec![(0.0, 0.0), (last * 1.02, 0.0)];
        chart.draw_series(std::iter::once(PathElement::new(
            zero,
            BLACK.mix(0.6).stroke_width(theme.px(1.5)),
        )))?;
        let size = theme.px(2.5);
        for (i, (run, points)) in self.curves.runs.iter().zip(&self.residuals).enumerate() {
            let c = colour(i);
            let line = c.mix(0.45).stroke_width(theme.px(1.0));
            chart.draw_series(std::iter::once(PathElement::new(points.clone(), line)))?;
            let fill = c.filled();
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, size, fill)))?
                .label(run.name.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, fill));
        }
        draw_legend(&mut chart, theme, SeriesLabelPosition::UpperRight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curves(with_band: bool) -> TrainingCurves {
        let steps: Vec<f64> = (1..=40).map(|i| f64::from(i) * 100.0).collect();
        let law = |s: f64| 2.5 + 3.0 * (s / 100.0).powf(-0.5);
        let run = |name: &str, wobble: f64| FittedCurve {
            name: name.into(),
            observed: steps
                .iter()
                .map(|&s| (s, law(s) * (1.0 + wobble)))
                .collect(),
            fitted: steps.iter().map(|&s| law(s)).collect(),
            trajectory: steps.iter().map(|&s| (s, law(s))).collect(),
            lr: steps.iter().map(|&s| (s, 3e-4)).collect(),
        };
        let long: Vec<f64> = (1..=60).map(|i| f64::from(i) * 100.0).collect();
        TrainingCurves {
            law: "blind".into(),
            level: with_band.then_some(0.95),
            runs: vec![run("alpha", 0.01), run("beta", -0.01)],
            predictions: vec![PredictedCurve {
                name: "longer".into(),
                trajectory: long.iter().map(|&s| (s, law(s))).collect(),
                band: with_band.then(|| {
                    long.iter()
                        .map(|&s| (s, law(s) - 0.05, law(s) + 0.05))
                        .collect()
                }),
                lr: long.iter().map(|&s| (s, 2e-4)).collect(),
            }],
        }
    }

    fn svg(curves: &TrainingCurves, kind: CurveFigure) -> String {
        let bytes =
            training_curves_image(curves, kind, &PlotOptions::default(), ImageFormat::Svg).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn the_curves_name_every_run_and_shade_a_band_only_when_there_is_one() {
        let banded = svg(&curves(true), CurveFigure::Curves);
        for text in [
            "alpha",
            "beta",
            "longer (predicted, 95% band)",
            "Learning rate",
        ] {
            assert!(banded.contains(text), "no {text}");
        }
        assert_eq!(banded.matches("<polygon").count(), 1);
        let plain = svg(&curves(false), CurveFigure::Curves);
        assert_eq!(plain.matches("<polygon").count(), 0);
        assert!(plain.contains("longer (predicted)"));
    }

    #[test]
    fn the_loss_axis_is_zoomed_to_the_data_past_the_first_tenth() {
        let c = curves(false);
        let range = loss_range(&c, 6000.0);
        // The lowest point (the prediction's 2.89 at step 6000) is inside, so is alpha's at
        // step 600 (3.76); alpha's at step 300 (4.27) and 100 (5.56) lie above.
        assert!(range.start > 2.5 && range.start < 2.85, "{range:?}");
        assert!(range.end > 3.76 && range.end < 4.2, "{range:?}");
    }

    #[test]
    fn residuals_are_relative_and_in_percent() {
        let c = curves(false);
        let r = residuals_of(&c);
        assert!(r[0].iter().all(|p| (p.1 - 1.0).abs() < 1e-9));
        assert!(r[1].iter().all(|p| (p.1 + 1.0).abs() < 1e-9));
        let text = svg(&c, CurveFigure::Residuals);
        assert!(text.contains("root mean square 1%"), "title");
    }
}
