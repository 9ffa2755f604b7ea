//! Isoloss contours over compute and parameters (Hoffmann et al. 2022, Figure 4 left).
//!
//! ```text
//! along the contour L(N, D) = L0:   D(N) = (B / (L0 - E - A/N^alpha))^(1/beta),   C(N) = k·N·D(N)
//! ```
//!
//! defined for `A/N^alpha < L0 - E`. At fixed N the loss falls as C grows, so the region
//! `L <= L0` is everything right of the contour, which is drawn as one filled polygon per level.
//!
//! A law of another family has no such formula: its contour is found at each N by bisection on
//! `ln D` (the loss falls as D grows), and its frontier is its allocation
//! ([`crate::answer::allocation`]). A law of compute alone has neither and is refused.

use std::path::Path;

use plotters::coord::ranged1d::Ranged;
use plotters::element::{Circle, EmptyElement, Polygon};
use plotters::prelude::{BLACK, DrawingBackend};
use plotters::style::{Color, RGBColor};

use super::axes::{LogAxis, nice_ticks};
use super::chart::{Axes, Chart, build, clip_box, draw_clipped_line, draw_mesh};
use super::clip::Scale;
use super::colour_bar::ColourBar;
use super::paper::draw::{Key, draw_key_rows, key_rows_height};
use super::render::{Area, DrawResult, Figure, check_output, render, write_image};
use super::style::{Theme, format_exponent, format_number, lighten, viridis};
use super::{ImageFormat, PlotOptions, Run, usable_runs};
use crate::answer::allocation::Allocator;
use crate::data::Dataset;
use crate::error::Error;
use crate::law::Law;

/// Samples along each contour and along the frontier.
const SAMPLES: usize = 400;
/// How far the filled regions are blended towards white, so the runs stand out.
const BACKGROUND_LIGHTEN: f64 = 0.6;

/// Draw isoloss contours of `law` over compute C (x, log) and parameters N (y, log), the
/// efficient frontier `N*(C)`, the runs of `data` coloured by loss and a colour bar.
/// `k` is the FLOPs per parameter per token (`D = C / (k·N)`).
///
/// # Errors
///
/// [`Error::InvalidOption`] for an unknown file extension (`--out`), a bad image size, no
/// usable runs, a non-positive `k` or a law without a finite optimum; [`Error::Io`] naming
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
/// let path = dir.path().join("contours.svg");
/// let law = ChinchillaLaw::HOFFMANN_2022.into();
/// plot::isoloss_contours(&path, &law, 6.0, &data, &plot::PlotOptions::default())?;
/// assert!(std::fs::read_to_string(&path).unwrap().contains("Parameters N"));
/// # Ok::<(), scaling_laws::Error>(())
/// ```
pub fn isoloss_contours(
    path: &Path,
    law: &Law,
    k: f64,
    data: &Dataset,
    opts: &PlotOptions,
) -> Result<(), Error> {
    let format = check_output(path, opts)?;
    write_image(path, &isoloss_contours_image(law, k, data, opts, format)?)
}

/// [`isoloss_contours`] drawn into memory: SVG text or PNG bytes, by `format`.
pub(crate) fn isoloss_contours_image(
    law: &Law,
    k: f64,
    data: &Dataset,
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    opts.validate()?;
    let allocator = Allocator::new(law.clone(), k)?;
    allocator.require_allocation("the isoloss-contour figure")?;
    let runs = usable_runs(data)?;
    let figure = Contours::new(allocator, runs);
    let title = opts.title_or(match law.chinchilla() {
        Some(law) => format!(
            "Isoloss contours (α = {}, β = {})",
            format_exponent(law.alpha),
            format_exponent(law.beta)
        ),
        None => format!(
            "Isoloss contours: {} law, {}",
            law.family(),
            law.natural_values()
                .iter()
                .map(|(n, v)| format!("{n} = {}", format_number(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    });
    render(format, opts, &title, &figure)
}

/// What the figure shows, computed before drawing.
struct Contours {
    allocator: Allocator,
    runs: Vec<Run>,
    compute_axis: LogAxis,
    params_axis: LogAxis,
    levels: Vec<f64>,
    colour_range: (f64, f64),
}

impl Contours {
    fn new(allocator: Allocator, runs: Vec<Run>) -> Self {
        let compute_axis = LogAxis::covering(runs.iter().map(|r| r.compute), 0.15)
            .unwrap_or_else(|| LogAxis::between(1e18, 1e22));
        let params_axis = LogAxis::covering(runs.iter().map(|r| r.n_params), 0.15)
            .unwrap_or_else(|| LogAxis::between(1e7, 1e11));
        let best = allocator.optimal_for_compute(compute_axis.hi).loss;
        let lo = runs.iter().map(|r| r.loss).fold(best, f64::min);
        let hi = runs.iter().map(|r| r.loss).fold(f64::MIN, f64::max);
        let (lo, hi) = if hi - lo > 1e-9 {
            (lo, hi)
        } else {
            (lo - 0.05, hi + 0.05)
        };
        Contours {
            allocator,
            runs,
            compute_axis,
            params_axis,
            levels: nice_ticks(lo, hi, 10),
            colour_range: (lo, hi),
        }
    }

    /// Colour of a loss on the map.
    fn colour(&self, loss: f64) -> RGBColor {
        let (lo, hi) = self.colour_range;
        viridis((loss - lo) / (hi - lo))
    }

    /// Compute at which a model of `n_params` reaches `level`, if it can.
    fn contour_compute(&self, level: f64, n_params: f64) -> Option<f64> {
        let k = self.allocator.flops_per_param_token();
        let Some(law) = self.allocator.chinchilla() else {
            // ln(level) - ln L(N, D) rises with ln D: its root is the contour's D.
            let gap = |log_d: f64| level.ln() - self.allocator.loss(n_params, log_d.exp()).ln();
            let log_d = crate::answer::allocation::bisect_increasing(gap, (20.0 * n_params).ln())?;
            let compute = k * n_params * log_d.exp();
            return compute.is_finite().then_some(compute);
        };
        let room = level - law.irreducible - law.param_coef / n_params.powf(law.alpha);
        let n_tokens = (law.data_coef / room).powf(1.0 / law.beta);
        let compute = k * n_params * n_tokens;
        (room > 0.0 && compute.is_finite()).then_some(compute)
    }

    /// The contour at `level` as (C, N) points, unclipped.
    fn contour(&self, level: f64) -> Vec<(f64, f64)> {
        self.params_axis
            .samples(SAMPLES)
            .into_iter()
            .filter_map(|n| Some((self.contour_compute(level, n)?, n)))
            .collect()
    }

    /// The region `L <= level` inside the axes, as a polygon (empty when it is not visible).
    fn region(&self, level: f64) -> Vec<(f64, f64)> {
        let (c_lo, c_hi) = (self.compute_axis.lo, self.compute_axis.hi);
        let mut edge: Vec<(f64, f64)> = self
            .contour(level)
            .into_iter()
            .filter(|&(c, _)| c < c_hi)
            .map(|(c, n)| (c.max(c_lo), n))
            .collect();
        if let (Some(&(_, first)), Some(&(_, last))) = (edge.first(), edge.last()) {
            edge.push((c_hi, last));
            edge.push((c_hi, first));
        }
        edge
    }
}

impl Figure for Contours {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let (width, _) = area.dim_in_pixel();
        let bar_width = theme.px(120.0).min(width / 3);
        let (main, bar) = area.split_horizontally(width - bar_width);
        self.draw_main(&main, theme)?;
        let bar_spec = ColourBar {
            range: self.colour_range,
            ticks: &self.levels,
            desc: "Final loss L (nats/token)",
        };
        bar_spec.draw(&bar, theme, |loss| self.colour(loss))
    }
}

impl Contours {
    fn draw_main<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        // The key in a row beneath the chart: runs fill the chart's every corner.
        let first = self.levels.first().copied().unwrap_or(self.colour_range.0);
        let key = [
            (
                Key::Line(self.colour(first), 1.0),
                "isoloss contours".to_string(),
            ),
            (
                Key::Line(BLACK, 2.0),
                "efficient frontier N*(C)".to_string(),
            ),
            (
                Key::Dot(RGBColor(128, 128, 128)),
                "runs (colour = final loss)".to_string(),
            ),
        ];
        let (width, height) = area.dim_in_pixel();
        let strip = key_rows_height(area, theme, &key, width as i32)?;
        let (area, below) = area.split_vertically((height as i32 - strip).max(0));
        draw_key_rows(&below, theme, &key)?;
        let area = &area;
        let (x, y) = (self.compute_axis.coord(), self.params_axis.coord());
        let mut chart = build(area, theme, None, x, y)?;
        self.draw_regions(&mut chart)?;
        let axes = Axes {
            x_desc: "Training compute C (FLOPs)",
            y_desc: "Parameters N",
            x_scale: Scale::Log,
            y_scale: Scale::Log,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        self.draw_lines(&mut chart, theme)?;
        let size = theme.px(5.0);
        let outline = BLACK.stroke_width(1);
        chart.draw_series(self.runs.iter().map(|r| {
            EmptyElement::at((r.compute, r.n_params))
                + Circle::new((0, 0), size, self.colour(r.loss).filled())
                + Circle::new((0, 0), size, outline)
        }))?;
        Ok(())
    }

    /// The contour lines and the efficient frontier.
    fn draw_lines<DB, X, Y>(&self, chart: &mut Chart<'_, DB, X, Y>, theme: &Theme) -> DrawResult
    where
        DB: DrawingBackend,
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        let clip = clip_box(chart, Scale::Log, Scale::Log);
        for &level in &self.levels {
            let style = self.colour(level).stroke_width(theme.px(1.5));
            draw_clipped_line(chart, &clip, &self.contour(level), style, None)?;
        }
        let frontier: Vec<(f64, f64)> = (self.compute_axis.samples(SAMPLES).into_iter())
            .map(|c| (c, self.allocator.optimal_for_compute(c).n_params))
            .collect();
        let style = BLACK.stroke_width(theme.px(3.0));
        draw_clipped_line(chart, &clip, &frontier, style, None)
    }

    /// Filled regions between contours, lightened, from the largest region to the smallest.
    fn draw_regions<DB, X, Y>(&self, chart: &mut Chart<'_, DB, X, Y>) -> DrawResult
    where
        DB: DrawingBackend,
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        let step = match self.levels.as_slice() {
            [a, b, ..] => b - a,
            _ => self.colour_range.1 - self.colour_range.0,
        };
        let top = self.levels.last().copied().unwrap_or(self.colour_range.1);
        let corners = [
            (self.compute_axis.lo, self.params_axis.lo),
            (self.compute_axis.lo, self.params_axis.hi),
            (self.compute_axis.hi, self.params_axis.hi),
            (self.compute_axis.hi, self.params_axis.lo),
        ];
        let fill = |loss: f64| lighten(self.colour(loss), BACKGROUND_LIGHTEN).filled();
        chart.draw_series(std::iter::once(Polygon::new(
            corners.to_vec(),
            fill(top + 0.5 * step),
        )))?;
        for &level in self.levels.iter().rev() {
            let region = self.region(level);
            if region.len() >= 3 {
                chart.draw_series(std::iter::once(Polygon::new(
                    region,
                    fill(level - 0.5 * step),
                )))?;
            }
        }
        Ok(())
    }
}
