//! Compute-optimal parameters and tokens against compute (Hoffmann et al. 2022, Figure 1 and
//! Table 2), with bootstrap bands and the published exponents for comparison.
//!
//! ```text
//! N*(C) = G·(C/k)^a,   D*(C) = (C/k)^b / G,   a = beta/(alpha+beta),   b = 1 - a
//! reference line with exponent e through the anchor (C0, v0):   v(C) = v0·(C/C0)^e,
//!   C0 the geometric middle of the compute range, v0 this fit's N*(C0) or D*(C0)
//! band: percentile interval of N*(C) (or D*(C)) over the bootstrap draws, at each C
//! ```
//!
//! Reference exponents a: Kaplan et al. 2020, 0.73; Hoffmann et al. 2022, Table 2: Approach 1
//! 0.50, Approach 2 0.49, Approach 3 0.46. For D* the exponent is 1 - a.
//!
//! A law of another family draws its own allocation (closed-form or numeric,
//! [`crate::answer::allocation`]); its line is labelled with `a` only when the family defines a
//! constant exponent. A law of compute alone has no allocation and is refused.

mod panel;

use std::path::Path;

use plotters::chart::SeriesLabelPosition;
use plotters::coord::ranged1d::Ranged;
use plotters::element::{Circle, PathElement, Polygon, Rectangle};
use plotters::prelude::{BLACK, DashedLineSeries, DrawingBackend};
use plotters::style::Color;

use super::axes::LogAxis;
use super::chart::legend_line;
use super::chart::{Axes, Chart, build, draw_mesh};
use super::clip::Scale;
use super::labels::draw_point_labels;
use super::legend::{draw_legend, legend_box};
use super::render::{Area, DrawResult, Figure, check_output, render, write_image};
use super::style::{QUALITATIVE, Theme};
use super::{ImageFormat, PlotOptions};
use crate::answer::allocation::Allocator;
use crate::error::Error;
use crate::law::Law;
use crate::plan::KnownModel;
use crate::uncertainty::BootstrapDraws;
use panel::{MODELS_LABEL, Panel, PanelInputs, Quantity};

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
/// assert!(std::fs::read_to_string(&path).unwrap().contains("chinchilla"));
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
        &optimal_vs_compute_image(law, k, draws, level, compute_range, models, opts, format)?,
    )
}

/// [`optimal_vs_compute`] drawn into memory: SVG text or PNG bytes, by `format`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn optimal_vs_compute_image(
    law: &Law,
    k: f64,
    draws: Option<&BootstrapDraws>,
    level: f64,
    compute_range: (f64, f64),
    models: &[KnownModel],
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
}

impl Figure for Panels {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        for (panel, sub) in self.panels.iter().zip(area.split_evenly((1, 2))) {
            self.draw_panel(panel, &sub, theme)?;
        }
        Ok(())
    }
}

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
        draw_lines(&mut chart, panel, theme)?;
        let dot = theme.px(4.5);
        if !panel.models.is_empty() {
            let models = panel
                .models
                .iter()
                .map(|m| Circle::new(m.at, dot, BLACK.filled()));
            chart
                .draw_series(models)?
                .label(MODELS_LABEL)
                .legend(move |(x, y)| Circle::new((x + 10, y), dot, BLACK.filled()));
        }
        let legend = legend_box(&chart, area, theme, &panel.legend_labels())?;
        draw_point_labels(&chart, area, theme, dot, &panel.models, &[legend])?;
        draw_legend(&mut chart, theme, SeriesLabelPosition::UpperLeft)
    }
}

/// The band, this fit's line and the reference lines, with legend entries.
fn draw_lines<DB, X, Y>(chart: &mut Chart<'_, DB, X, Y>, panel: &Panel, theme: &Theme) -> DrawResult
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let colour = QUALITATIVE[0];
    if let Some((label, band)) = &panel.band {
        let mut outline: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2)).collect();
        outline.extend(band.iter().rev().map(|b| (b.0, b.1)));
        let fill = colour.mix(0.22).filled();
        chart
            .draw_series(std::iter::once(Polygon::new(outline, fill)))?
            .label(label.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], fill));
    }
    let line = colour.stroke_width(theme.px(3.0));
    chart
        .draw_series(std::iter::once(PathElement::new(panel.fit.1.clone(), line)))?
        .label(panel.fit.0.as_str())
        .legend(legend_line(line));
    let (dash, gap) = (theme.px(8.0), theme.px(5.0));
    for ((label, points), colour) in panel.references.iter().zip(&QUALITATIVE[1..]) {
        let style = colour.stroke_width(theme.px(2.0));
        chart
            .draw_series(DashedLineSeries::new(
                points.iter().copied(),
                dash,
                gap,
                style,
            ))?
            .label(label.as_str())
            .legend(legend_line(style));
    }
    Ok(())
}
