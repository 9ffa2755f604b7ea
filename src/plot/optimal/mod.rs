//! Compute-optimal parameters and tokens against compute (Hoffmann et al. 2022, Figure 1 and
//! Table 2), with bootstrap bands and the published exponents for comparison.
//!
//! ```text
//! N*(C) = G·(C/k)^a,   D*(C) = (C/k)^b / G,   a = beta/(alpha+beta),   b = 1 - a
//! published projection:  N*(C) = G_p·C^a_p,  D*(C) = C / (6·N*(C))   (its own slope and intercept)
//! band: percentile interval of N*(C) (or D*(C)) over the bootstrap draws, at each C
//! ```
//!
//! The published lines are the paper's projections as printed
//! ([`crate::plot::paper::published::projections`]): Hoffmann et al. 2022, Approaches 1, 2 and
//! 3 (a = 0.50, 0.49, 0.46, Table 2; intercepts from Tables 3 and A3) and Kaplan et al. 2020
//! (a = 0.73 through 4.68B at 1e21 FLOPs); they do not move with the range or the fit. Models
//! carry display names (`GPT-3 175B`); Megatron-Turing NLG is marked in orange.
//!
//! A law of another family draws its own allocation (closed-form or numeric,
//! [`crate::answer::allocation`]); its line is labelled with `a` only when the family defines a
//! constant exponent. A law of compute alone has no allocation and is refused.

mod panel;

use std::path::Path;

use plotters::coord::ranged1d::Ranged;
use plotters::element::{Circle, PathElement, Polygon};
use plotters::prelude::{BLACK, DashedLineSeries, DrawingBackend};
use plotters::style::{Color, RGBColor};

use super::axes::LogAxis;
use super::chart::{Axes, Chart, build, draw_mesh};
use super::clip::Scale;
use super::paper::draw::{Key, Label, draw_key_rows, draw_labels, key_rows_height, stroke};
use super::render::{Area, DrawResult, Figure, check_output, render, write_image};
use super::style::{QUALITATIVE, Theme, lighten};
use super::{ImageFormat, PlotOptions};
use crate::answer::allocation::Allocator;
use crate::error::Error;
use crate::law::Law;
use crate::plan::KnownModel;
use crate::uncertainty::BootstrapDraws;
use panel::{MODELS_LABEL, Panel, PanelInputs, Quantity, is_marked};

/// Draw two panels against compute C (log-log) over `compute_range`: `N*(C)` on the left and
/// `D*(C)` on the right. Each shows this law's line; with `draws`, the percentile band at
/// confidence `level`; lines with the published exponents through the law's value at the
/// middle of the range; and the `models` whose compute `k·N·D` falls in the range, labelled
/// (models without a token count have no compute and are left out).
///
/// # Errors
///
/// [`Error::InvalidOption`] for `level` outside (0, 1) (`--level`), a range that is not two
/// increasing positive numbers (`--compute-range`), draws with fewer than two converged
/// resamples (`--bootstrap`), an unknown file extension (`--out`), a bad image size, a
/// non-positive `k` or a law without a finite optimum; [`Error::Io`] naming `path` when the
/// image cannot be drawn or written.
///
/// # Examples
///
/// ```
/// use scaling_laws::{law::ChinchillaLaw, plan, plot};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("optimal.svg");
/// let law = ChinchillaLaw::HOFFMANN_2022.into();
/// let models = plan::catalogue::models();
/// let opts = plot::PlotOptions::default();
/// plot::optimal_vs_compute(&path, &law, 6.0, None, 0.95, (1e18, 1e26), &models, &opts)?;
/// assert!(std::fs::read_to_string(&path).unwrap().contains("Chinchilla 70B"));
/// let err = plot::optimal_vs_compute(&path, &law, 6.0, None, 1.5, (1e18, 1e26), &[], &opts);
/// assert!(err.unwrap_err().to_string().contains("--level"));
/// # Ok::<(), scaling_laws::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn optimal_vs_compute(
    path: &Path,
    law: &Law,
    k: f64,
    draws: Option<&BootstrapDraws>,
    level: f64,
    compute_range: (f64, f64),
    models: &[KnownModel],
    opts: &PlotOptions,
) -> Result<(), Error> {
    let format = check_output(path, opts)?;
    write_image(
        path,
        &optimal_vs_compute_image(
            law,
            k,
            draws,
            level,
            compute_range,
            models,
            None,
            opts,
            format,
        )?,
    )
}

/// [`optimal_vs_compute`] drawn into memory: SVG text or PNG bytes, by `format`; with
/// `data_extent`, the data's compute shaded.
#[allow(clippy::too_many_arguments)]
pub(crate) fn optimal_vs_compute_image(
    law: &Law,
    k: f64,
    draws: Option<&BootstrapDraws>,
    level: f64,
    compute_range: (f64, f64),
    models: &[KnownModel],
    data_extent: Option<(f64, f64)>,
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    opts.validate()?;
    check_level_and_range(level, compute_range)?;
    let allocator = Allocator::new(law.clone(), k)?;
    allocator.require_allocation("the optimal-allocation figure")?;
    let resampled = draws.map(|d| draw_allocators(d, k)).transpose()?;
    let compute_axis = LogAxis::covering([compute_range.0, compute_range.1], 0.0)
        .unwrap_or_else(|| LogAxis::between(compute_range.0, compute_range.1));
    let inputs = PanelInputs {
        allocator: &allocator,
        resampled: resampled.as_deref(),
        level,
        compute_axis: &compute_axis,
        models,
    };
    let figure = Panels {
        panels: [
            Panel::new(Quantity::Params, &inputs),
            Panel::new(Quantity::Tokens, &inputs),
        ],
        compute_axis,
        data_extent,
    };
    let title = opts.title_or("Compute-optimal model size and training tokens".to_string());
    render(format, opts, &title, &figure)
}

fn check_level_and_range(level: f64, (lo, hi): (f64, f64)) -> Result<(), Error> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::invalid_option(
            "--level",
            format!(
                "the confidence level must lie strictly between 0 and 1 (e.g. 0.95), got {level}"
            ),
        ));
    }
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
        return Err(Error::invalid_option(
            "--compute-range",
            format!(
                "needs two positive FLOP counts, low then high (e.g. 1e18:1e26), got {lo}:{hi}"
            ),
        ));
    }
    Ok(())
}

/// Allocators of the converged bootstrap draws that have a finite optimum.
fn draw_allocators(draws: &BootstrapDraws, k: f64) -> Result<Vec<Allocator>, Error> {
    let allocators: Vec<Allocator> = (draws.laws().into_iter())
        .filter_map(|law| Allocator::new(law, k).ok())
        .collect();
    if allocators.len() < 2 {
        return Err(Error::invalid_option(
            "--bootstrap",
            format!(
                "{} of {} resamples converged to a law with a finite optimum; an interval needs \
                 at least 2 (use more resamples)",
                allocators.len(),
                draws.len()
            ),
        ));
    }
    Ok(allocators)
}
struct Panels {
    panels: [Panel; 2],
    compute_axis: LogAxis,
    /// The data's least and largest compute, shaded.
    data_extent: Option<(f64, f64)>,
}

impl Figure for Panels {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        // One key for both panels, in rows beneath them: the panels have no corner to spare.
        let entries: Vec<(Key, String)> = self
            .legend(&self.panels[0])
            .into_iter()
            .zip(self.legend(&self.panels[1]))
            .map(|((key, a), (_, b))| (key, merge_labels(&a, &b)))
            .collect();
        let (width, height) = area.dim_in_pixel();
        let strip = key_rows_height(area, theme, &entries, width as i32)?;
        let (body, key) = area.split_vertically((height as i32 - strip).max(0));
        for (panel, sub) in self.panels.iter().zip(body.split_evenly((1, 2))) {
            self.draw_panel(panel, &sub, theme)?;
        }
        draw_key_rows(&key, theme, &entries)
    }
}

/// Two panels' labels of one legend entry as one: equal ones once, `ours (a = 0.448)` and
/// `ours (b = 0.552)` as `ours (a = 0.448; b = 0.552)`, `Approach 1 (0.50)` and `Approach 1
/// (0.51)` as `Approach 1 (0.50; 0.51)`.
fn merge_labels(a: &str, b: &str) -> String {
    if a == b {
        return a.to_string();
    }
    let (a_body, colon) = a.strip_suffix(':').map_or((a, ""), |t| (t, ":"));
    let b_body = b.strip_suffix(':').unwrap_or(b);
    match (a_body.split_once('('), b_body.split_once('(')) {
        (Some((pa, ia)), Some((pb, ib))) if pa == pb => {
            match (ia.strip_suffix(')'), ib.strip_suffix(')')) {
                (Some(ia), Some(ib)) => format!("{pa}({ia}; {ib}){colon}"),
                _ => format!("{a} / {b}"),
            }
        }
        _ => format!("{a} / {b}"),
    }
}

/// The colours of the published lines (Approaches 1, 2, 3, Kaplan et al.), as in the
/// Chinchilla figures.
const PUBLISHED_COLOURS: [usize; 4] = [0, 2, 1, 3];

impl Panels {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &Panel,
        area: &Area<DB>,
        theme: &Theme,
    ) -> DrawResult {
        let caption = Some(panel.quantity.caption());
        let x = self.compute_axis.coord();
        let mut chart = build(area, theme, caption, x, panel.y_axis.coord())?;
        let axes = Axes {
            x_desc: "Training compute C (FLOPs)",
            y_desc: panel.quantity.y_desc(),
            x_scale: Scale::Log,
            y_scale: Scale::Log,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        if let Some((lo, hi)) = self.shaded() {
            let (y0, y1) = (panel.y_axis.lo, panel.y_axis.hi);
            chart.draw_series(std::iter::once(Polygon::new(
                vec![(lo, y0), (hi, y0), (hi, y1), (lo, y1)],
                data_shade().filled(),
            )))?;
        }
        draw_lines(&mut chart, panel, theme)?;
        let dot = theme.pt(2.2) as u32;
        for m in &panel.models {
            let colour = if is_marked(&m.text) {
                QUALITATIVE[4]
            } else {
                BLACK
            };
            chart.draw_series(std::iter::once(Circle::new(m.at, dot, colour.filled())))?;
        }
        let labels: Vec<Label> = (panel.models.iter())
            .map(|m| Label {
                at: m.at,
                text: m.text.clone(),
            })
            .collect();
        draw_labels(&chart, area, theme, &labels, &[])?;
        Ok(())
    }

    /// The data's compute inside the axis, when there is any to shade.
    fn shaded(&self) -> Option<(f64, f64)> {
        let (lo, hi) = self.data_extent?;
        let (lo, hi) = (lo.max(self.compute_axis.lo), hi.min(self.compute_axis.hi));
        (lo < hi).then_some((lo, hi))
    }

    /// A panel's legend entries, in the order drawn.
    fn legend(&self, panel: &Panel) -> Vec<(Key, String)> {
        let mut legend = Vec::new();
        if self.shaded().is_some() {
            legend.push((Key::Shade(data_shade()), "data's compute".to_string()));
        }
        if let Some((label, _)) = &panel.band {
            legend.push((Key::Shade(band_fill()), label.clone()));
        }
        legend.push((Key::Line(BLACK, 1.6), panel.fit.0.clone()));
        let symbol = match panel.quantity {
            Quantity::Params => "a",
            Quantity::Tokens => "b",
        };
        legend.push((Key::Heading, format!("published ({symbol}):")));
        for ((label, _), &c) in panel.references.iter().zip(&PUBLISHED_COLOURS) {
            legend.push((Key::Dashed(QUALITATIVE[c], 1.1), label.clone()));
        }
        if !panel.models.is_empty() {
            legend.push((Key::Dot(BLACK), MODELS_LABEL.to_string()));
        }
        legend
    }
}

/// The shade of the data's compute.
fn data_shade() -> RGBColor {
    lighten(QUALITATIVE[5], 0.8)
}

/// The fill of the bootstrap band.
fn band_fill() -> RGBColor {
    lighten(RGBColor(0, 0, 0), 0.8)
}

/// The band, this fit's line and the published lines.
fn draw_lines<DB, X, Y>(chart: &mut Chart<'_, DB, X, Y>, panel: &Panel, theme: &Theme) -> DrawResult
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    if let Some((_, band)) = &panel.band {
        let mut outline: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2)).collect();
        outline.extend(band.iter().rev().map(|b| (b.0, b.1)));
        chart.draw_series(std::iter::once(Polygon::new(outline, band_fill().filled())))?;
    }
    chart.draw_series(std::iter::once(PathElement::new(
        panel.fit.1.clone(),
        stroke(theme, BLACK, 1.6),
    )))?;
    let (dash, gap) = (theme.pt(3.0) as u32, theme.pt(2.0) as u32);
    for ((_, points), &c) in panel.references.iter().zip(&PUBLISHED_COLOURS) {
        let style = stroke(theme, QUALITATIVE[c], 1.1);
        chart.draw_series(DashedLineSeries::new(
            points.iter().copied(),
            dash,
            gap,
            style,
        ))?;
    }
    Ok(())
}
