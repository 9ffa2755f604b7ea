//! IsoFLOP slices: loss against model size at fixed compute (Hoffmann et al. 2022, Figure 3
//! centre).
//!
//! ```text
//! along a budget C:   L(N) = L(N, C / (k·N)),   minimised at N*(C) = G·(C/k)^a
//! a run belongs to budget C when |log10 C_run - log10 C| <= tolerance (dex)
//! ```

use std::path::Path;

use plotters::coord::ranged1d::Ranged;
use plotters::element::{Circle, Cross, EmptyElement, Polygon};
use plotters::prelude::{BLACK, DrawingBackend};
use plotters::style::{Color, RGBColor, ShapeStyle};

use super::axes::{LogAxis, linear_range};
use super::bands::{Band, PredictionBands};
use super::chart::{Axes, Chart, build, clip_box, draw_clipped_line, draw_mesh};
use super::clip::{ClipBox, Scale};
use super::legend::{LegendEntry, Mark, draw_side_legend};
use super::render::{Area, DrawResult, Figure, check_output, render, write_image};
use super::style::{Theme, format_log_tick, runs, viridis};
use super::{ImageFormat, PlotOptions, usable_runs};
use crate::answer::allocation::{Allocator, ComputeOptimal};
use crate::data::Dataset;
use crate::error::Error;
use crate::law::Law;

/// Samples along each curve.
const SAMPLES: usize = 300;
/// Room in the legend column besides its text (marks and gaps), at the reference size.
const LEGEND_MARKS: f64 = 50.0;

/// Opacity of a prediction band.
const BAND_ALPHA: f64 = 0.16;
/// The legend's note when some budget has no band, in two lines.
pub(super) const NO_BAND_NOTE: [&str; 2] =
    ["no band beyond the data:", "extrapolation not calibrated"];

/// Most budgets [`default_budgets`] gives.
const MAX_DEFAULT_BUDGETS: usize = 9;

/// Budgets spanning the data's compute when none are given: two per decade from the smallest
/// to the largest observed compute (at least 2, at most 9), evenly spaced in log C, so that
/// every slice has runs near it whatever the sweep's scale.
///
/// # Examples
///
/// ```
/// let b = scaling_laws::plot::default_budgets(&[1e18, 3e19, 1e20]);
/// assert_eq!(b.len(), 5);
/// assert!((b[0] - 1e18).abs() < 1.0 && (b[4] / 1e20 - 1.0).abs() < 1e-12);
/// assert_eq!(scaling_laws::plot::default_budgets(&[6e20, 6e20]), vec![6e20]);
/// ```
pub fn default_budgets(compute: &[f64]) -> Vec<f64> {
    let positive = compute
        .iter()
        .copied()
        .filter(|c| c.is_finite() && *c > 0.0);
    let Some((lo, hi)) = positive.fold(None, |acc: Option<(f64, f64)>, c| {
        Some(acc.map_or((c, c), |(l, h)| (l.min(c), h.max(c))))
    }) else {
        return Vec::new();
    };
    let decades = (hi / lo).log10();
    if decades < 1e-9 {
        return vec![lo];
    }
    let n = ((2.0 * decades).round() as usize + 1).clamp(2, MAX_DEFAULT_BUDGETS);
    (0..n)
        .map(|i| lo * 10f64.powf(decades * i as f64 / (n - 1) as f64))
        .collect()
}

/// Draw loss (linear y) against parameters N (log x) for each compute budget in `budgets`:
/// the runs within `tolerance_dex` decades of the budget as points, the law's curve
/// `L(N, C/(k·N))` in the same colour, and the law's optimum `N*(C)` as a cross.
///
/// # Errors
///
/// [`Error::InvalidOption`] for no budgets or a non-positive one (`--budgets`), a negative
/// tolerance (`--tolerance-dex`), an unknown file extension (`--out`), a bad image size, no
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
/// let path = dir.path().join("isoflop.png");
/// let (law, budgets) = (ChinchillaLaw::HOFFMANN_2022.into(), [1e19, 1e20, 1e21]);
/// plot::isoflop_slices(&path, &law, 6.0, &data, &budgets, 0.05, &plot::PlotOptions::default())?;
/// assert!(std::fs::read(&path).unwrap().starts_with(b"\x89PNG"));
/// # Ok::<(), scaling_laws::Error>(())
/// ```
pub fn isoflop_slices(
    path: &Path,
    law: &Law,
    k: f64,
    data: &Dataset,
    budgets: &[f64],
    tolerance_dex: f64,
    opts: &PlotOptions,
) -> Result<(), Error> {
    isoflop_slices_with_bands(path, law, k, data, budgets, tolerance_dex, None, opts)
}

/// [`isoflop_slices`], with each budget's curve in a shaded band (same hue, light) of the
/// prediction interval of a run's loss from `bands`, when given: where the runs of that budget
/// should fall. Beyond the data the band widens with the calibrated extrapolation term; where
/// the runs could not calibrate it there is no band, and the legend says so.
///
/// # Errors
///
/// As [`isoflop_slices`].
#[allow(clippy::too_many_arguments)]
pub fn isoflop_slices_with_bands(
    path: &Path,
    law: &Law,
    k: f64,
    data: &Dataset,
    budgets: &[f64],
    tolerance_dex: f64,
    bands: Option<&PredictionBands>,
    opts: &PlotOptions,
) -> Result<(), Error> {
    let format = check_output(path, opts)?;
    write_image(
        path,
        &isoflop_slices_with_bands_image(
            law,
            k,
            data,
            budgets,
            tolerance_dex,
            bands,
            opts,
            format,
        )?,
    )
}

/// [`isoflop_slices_with_bands`] drawn into memory: SVG text or PNG bytes, by `format`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn isoflop_slices_with_bands_image(
    law: &Law,
    k: f64,
    data: &Dataset,
    budgets: &[f64],
    tolerance_dex: f64,
    bands: Option<&PredictionBands>,
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    opts.validate()?;
    check_budgets(budgets, tolerance_dex)?;
    let allocator = Allocator::new(law.clone(), k)?;
    let runs = usable_runs(data)?;
    let slices: Vec<Slice> = budgets
        .iter()
        .enumerate()
        .map(|(i, &budget)| {
            let points = runs
                .iter()
                .filter(|r| (r.compute.log10() - budget.log10()).abs() <= tolerance_dex)
                .map(|r| (r.n_params, r.loss))
                .collect();
            Slice {
                budget,
                points,
                optimum: allocator.optimal_for_compute(budget),
                colour: slice_colour(i, budgets.len()),
                band: None,
            }
        })
        .collect();
    let mut figure = Slices::new(allocator, slices);
    if let Some(bands) = bands {
        figure.add_bands(bands);
    }
    let title = opts.title_or("IsoFLOP slices".to_string());
    render(format, opts, &title, &figure)
}

fn check_budgets(budgets: &[f64], tolerance_dex: f64) -> Result<(), Error> {
    if budgets.is_empty() {
        return Err(Error::invalid_option(
            "--budgets",
            "give at least one compute budget in FLOPs, e.g. --budgets 1e19,1e20,1e21",
        ));
    }
    if let Some(bad) = budgets.iter().find(|b| !(b.is_finite() && **b > 0.0)) {
        return Err(Error::invalid_option(
            "--budgets",
            format!("compute budgets must be positive numbers of FLOPs, got {bad}"),
        ));
    }
    if !(tolerance_dex.is_finite() && tolerance_dex >= 0.0) {
        return Err(Error::invalid_option(
            "--tolerance-dex",
            format!("must be a non-negative number of decades (e.g. 0.05), got {tolerance_dex}"),
        ));
    }
    Ok(())
}

/// Budget `i` of `n`: along viridis, stopping short of its pale yellow end.
fn slice_colour(i: usize, n: usize) -> RGBColor {
    if n <= 1 {
        return viridis(0.3);
    }
    viridis(0.88 * i as f64 / (n - 1) as f64)
}

/// One budget: its runs (N, L), the law's optimum and a colour.
struct Slice {
    budget: f64,
    points: Vec<(f64, f64)>,
    optimum: ComputeOptimal,
    colour: RGBColor,
    /// The prediction band along the curve, when drawn.
    band: Option<Band>,
}

struct Slices {
    allocator: Allocator,
    slices: Vec<Slice>,
    params_axis: LogAxis,
    loss_range: std::ops::Range<f64>,
    /// `95%` when bands are drawn.
    band_level: Option<String>,
}

impl Slices {
    fn new(allocator: Allocator, slices: Vec<Slice>) -> Self {
        let sizes = slices
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0).chain([s.optimum.n_params]))
            // A law of compute alone has no optimum N*.
            .filter(|n| n.is_finite());
        let params_axis =
            LogAxis::covering(sizes, 0.1).unwrap_or_else(|| LogAxis::between(1e7, 1e11));
        let mut losses: Vec<f64> = slices
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1).chain([s.optimum.loss]))
            .collect();
        if slices.iter().all(|s| s.points.is_empty()) {
            // No runs to set the scale: show the curves up to the edges of the axis.
            for s in &slices {
                for n in [params_axis.lo, params_axis.hi] {
                    losses.push(curve_loss(&allocator, s.budget, n));
                }
            }
        }
        Slices {
            loss_range: linear_range(losses, 0.08).unwrap_or(0.0..1.0),
            allocator,
            slices,
            params_axis,
            band_level: None,
        }
    }

    /// Compute every budget's band along its curve.
    fn add_bands(&mut self, bands: &PredictionBands) {
        let sizes = self.params_axis.samples(SAMPLES);
        for slice in &mut self.slices {
            slice.band = Some(slice_band(&self.allocator, bands, slice.budget, &sizes));
        }
        self.band_level = Some(bands.level_label());
    }
}

/// The band of a run's loss along budget `budget`'s curve, at the sizes `sizes`.
pub(super) fn slice_band(
    allocator: &Allocator,
    bands: &PredictionBands,
    budget: f64,
    sizes: &[f64],
) -> Band {
    let k = allocator.flops_per_param_token();
    Band::along(sizes, |n| {
        let d = budget / (k * n);
        bands.interval_run(n, d, &crate::law::Row::new(n, d, k))
    })
}

/// The law's loss for `n_params` trained on `budget` FLOPs.
fn curve_loss(allocator: &Allocator, budget: f64, n_params: f64) -> f64 {
    let k = allocator.flops_per_param_token();
    allocator.loss(n_params, budget / (k * n_params))
}

impl Figure for Slices {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let (width, _) = area.dim_in_pixel();
        // The legend column as wide as its longest text, up to half the figure.
        let cross = BLACK.stroke_width(theme.px(2.5));
        let mut text = 0;
        for entry in self.legend_entries(cross) {
            text = text.max(area.estimate_text_size(&entry.text, &theme.small())?.0);
        }
        let legend_width = (text + theme.px(LEGEND_MARKS)).min(width / 2);
        let (main, legend) = area.split_horizontally(width - legend_width);
        let (x, y) = (self.params_axis.coord(), self.loss_range.clone());
        let mut chart = build(&main, theme, None, x, y)?;
        let axes = Axes {
            x_desc: "Parameters N",
            y_desc: "Final loss L (nats/token)",
            x_scale: Scale::Log,
            y_scale: Scale::Linear,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let clip = clip_box(&chart, Scale::Log, Scale::Linear);
        for slice in &self.slices {
            if let Some(band) = &slice.band {
                let fill = slice.colour.mix(BAND_ALPHA).filled();
                let (lo, hi) = (clip.y.0, clip.y.1);
                chart.draw_series(
                    (band.outlines(lo, hi).into_iter()).map(|outline| Polygon::new(outline, fill)),
                )?;
            }
        }
        for slice in &self.slices {
            self.draw_slice(&mut chart, &clip, slice, theme)?;
        }
        let mark = BLACK.stroke_width(theme.px(3.0));
        let cross = theme.px(8.0);
        chart.draw_series(
            (self.slices.iter())
                .map(|s| (s.optimum.n_params, s.optimum.loss))
                .filter(|(n, _)| n.is_finite())
                .filter(|&p| clip.contains(p))
                .map(|p| Cross::new(p, cross, mark)),
        )?;
        let top = chart.plotting_area().get_base_pixel().1 - legend.get_base_pixel().1;
        draw_side_legend(&legend, theme, top, &self.legend_entries(mark))
    }
}

impl Slices {
    /// One budget's curve and runs.
    fn draw_slice<DB, X, Y>(
        &self,
        chart: &mut Chart<'_, DB, X, Y>,
        clip: &ClipBox,
        slice: &Slice,
        theme: &Theme,
    ) -> DrawResult
    where
        DB: DrawingBackend,
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        let curve: Vec<(f64, f64)> = (self.params_axis.samples(SAMPLES).into_iter())
            .map(|n| (n, curve_loss(&self.allocator, slice.budget, n)))
            .collect();
        let line = slice.colour.stroke_width(theme.px(2.0));
        draw_clipped_line(chart, clip, &curve, line, None)?;
        let (dot, fill) = (theme.px(5.0), slice.colour.filled());
        chart.draw_series(slice.points.iter().map(|&p| {
            EmptyElement::at(p)
                + Circle::new((0, 0), dot, fill)
                + Circle::new((0, 0), dot, BLACK.mix(0.5).stroke_width(1))
        }))?;
        Ok(())
    }

    fn legend_entries(&self, cross: ShapeStyle) -> Vec<LegendEntry> {
        let budgets = self.slices.iter().map(|s| LegendEntry {
            mark: Mark::LineAndDot(s.colour),
            text: format!(
                "{} FLOPs ({})",
                format_log_tick(s.budget),
                runs(s.points.len())
            ),
        });
        let optimum = LegendEntry {
            mark: Mark::Cross(cross),
            text: "law's optimum N*(C)".to_string(),
        };
        let mut entries: Vec<LegendEntry> = budgets.chain([optimum]).collect();
        if let Some(level) = &self.band_level {
            let note = |text: &str| LegendEntry {
                mark: Mark::Note,
                text: text.to_string(),
            };
            entries.push(LegendEntry {
                mark: Mark::Band(BLACK.mix(BAND_ALPHA).filled()),
                text: format!("{level} prediction interval:"),
            });
            entries.push(note("where runs should fall"));
            if self
                .slices
                .iter()
                .any(|s| s.band.as_ref().is_some_and(|b| b.missing))
            {
                entries.push(note(NO_BAND_NOTE[0]));
                entries.push(note(NO_BAND_NOTE[1]));
            }
        }
        entries
    }
}
