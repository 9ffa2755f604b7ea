//! Distributions of the bootstrap draws: one histogram per parameter.
//!
//! ```text
//! quantities: A, B, E, alpha, beta and a = beta / (alpha + beta), each per converged draw
//!             (another family: each of its parameters, and a when it defines one)
//! bins: ceil(sqrt(n)) equal-width bins (at least 5, at most 40) over the draws and the full-data value
//!       A, B and E, when they span more than a decade: equal width in log10, on a log axis
//! ```
//!
//! A, B and E are drawn on log axes when their draws span more than a decade: their draws are heavy-tailed (a resample whose E collapses
//! trades it for a B of 1e9 or more), and one such draw on a linear axis squashes every other
//! draw into the first bin. Draws at or below zero (E underflowing to 0) cannot be placed on a
//! log axis; their count is given in the panel's caption.
//! The full-data estimate is marked with a vertical line and given in the panel's caption; a percentile interval is read off
//! the same draws (see [`crate::uncertainty::estimate`]).

use std::path::Path;

use plotters::element::{PathElement, Rectangle};
use plotters::prelude::{BLACK, DrawingBackend};
use plotters::style::Color;

use super::{ImageFormat, PlotOptions};
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;

use super::axes::{LogAxis, linear_range};
use super::chart::{Axes, Chart, build, draw_mesh};
use super::clip::Scale;
use super::render::{Area, DrawResult, Figure, check_output, render, write_image};
use super::style::{QUALITATIVE, Theme, format_number};
use crate::error::Error;
use crate::law::{Law, Transform};
use crate::uncertainty::BootstrapDraws;

/// Most labelled ticks on a panel's log axis.
const MAX_PANEL_TICKS: usize = 4;

/// Fewest and most histogram bins.
const BINS: (usize, usize) = (5, 40);

/// A quantity of a law.
type LawValue = Box<dyn Fn(&Law) -> f64>;

/// A map between values and axis coordinates.
type Map = fn(f64) -> f64;

/// The quantities shown for `family`: panel caption, axis description, the value of a law, and
/// whether the axis is logarithmic. Chinchilla: A, B, E, α, β and a; any other family its
/// parameters in solver order (log axes for the positive ones), then a when it has one.
fn quantities(law: &Law) -> Vec<(String, String, LawValue, Scale)> {
    let family = law.family();
    let natural = |i: usize| -> LawValue { Box::new(move |l: &Law| l.natural_at(i)) };
    let exponent: LawValue = Box::new(|l: &Law| l.params_exponent().unwrap_or(f64::NAN));
    if family.is_chinchilla() {
        let named = |c: &str, d: &str, v: LawValue, s: Scale| (c.to_string(), d.to_string(), v, s);
        return vec![
            named("A", "A (coefficient of N)", natural(0), Scale::Log),
            named("B", "B (coefficient of D)", natural(1), Scale::Log),
            named("E", "E (irreducible loss)", natural(2), Scale::Log),
            named("α", "α (exponent of N)", natural(3), Scale::Linear),
            named("β", "β (exponent of D)", natural(4), Scale::Linear),
            named("a = β/(α+β)", "a (N* ∝ Cᵃ)", exponent, Scale::Linear),
        ];
    }
    let mut out: Vec<(String, String, LawValue, Scale)> = family
        .params()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let scale = match p.transform {
                Transform::Log => Scale::Log,
                Transform::Identity => Scale::Linear,
            };
            (
                p.natural.to_string(),
                format!("{} ({})", p.natural, p.doc),
                natural(i),
                scale,
            )
        })
        .collect();
    if law.params_exponent().is_some() {
        out.push(("a".into(), "a (N* ∝ Cᵃ)".into(), exponent, Scale::Linear));
    }
    out
}

/// Draw histograms of the converged bootstrap draws of A, B, E, alpha, beta and
/// `a = beta/(alpha+beta)` in a 2 x 3 grid, each with the full-data value of `law` marked.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--bootstrap` when fewer than two resamples converged, an
/// unknown file extension (`--out`) or a bad image size; [`Error::Io`] naming `path` when the
/// image cannot be drawn or written.
///
/// # Examples
///
/// ```
/// use scaling_laws::law::{ChinchillaLaw, Law, LawRef};
/// use scaling_laws::plot;
/// use scaling_laws::uncertainty::{BootstrapConfig, BootstrapDraws};
/// let law = Law::from(ChinchillaLaw::HOFFMANN_2022);
/// // Stand-in draws that differ in alpha only; real ones come from `uncertainty::bootstrap`.
/// let theta = ndarray::Array2::from_shape_fn((40, 5), |(i, j)| {
///     law.theta()[j] + if j == 3 { 0.001 * (i as f64 - 20.0) } else { 0.0 }
/// });
/// let draws = BootstrapDraws {
///     config: BootstrapConfig::default(),
///     family: LawRef::chinchilla(),
///     objective: vec![1e-3; 40],
///     converged: vec![true; 40],
///     improved_by_grid: 0,
///     theta,
/// };
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("draws.svg");
/// plot::bootstrap_distributions(&path, &law, &draws, &plot::PlotOptions::default())?;
/// assert!(std::fs::read_to_string(&path).unwrap().contains("40 of 40 resamples converged"));
/// # Ok::<(), scaling_laws::Error>(())
/// ```
pub fn bootstrap_distributions(
    path: &Path,
    law: &Law,
    draws: &BootstrapDraws,
    opts: &PlotOptions,
) -> Result<(), Error> {
    let format = check_output(path, opts)?;
    write_image(
        path,
        &bootstrap_distributions_image(law, draws, opts, format)?,
    )
}

/// [`bootstrap_distributions`] drawn into memory: SVG text or PNG bytes, by `format`.
pub(crate) fn bootstrap_distributions_image(
    law: &Law,
    draws: &BootstrapDraws,
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    opts.validate()?;
    if draws.family != law.family() {
        return Err(Error::invalid_option(
            "--bootstrap",
            format!(
                "the draws are of the {} law but the fit is of the {} law",
                draws.family,
                law.family()
            ),
        ));
    }
    let laws = draws.laws();
    if laws.len() < 2 {
        return Err(Error::invalid_option(
            "--bootstrap",
            format!(
                "{} of {} resamples converged; a distribution needs at least 2 (use more resamples)",
                laws.len(),
                draws.len()
            ),
        ));
    }
    let histograms = quantities(law)
        .into_iter()
        .map(|(caption, desc, value, scale)| {
            let values: Vec<f64> = laws.iter().map(&value).filter(|v| v.is_finite()).collect();
            Histogram::new(caption, desc, &values, value(law), scale)
        })
        .collect();
    let title = opts.title_or(format!(
        "Bootstrap distributions: {} of {} resamples converged (seed {})",
        laws.len(),
        draws.len(),
        draws.config.seed
    ));
    render(format, opts, &title, &Histograms { histograms })
}

/// One panel: bin edges and counts, and the full-data value.
struct Histogram {
    caption: String,
    desc: String,
    edges: Vec<f64>,
    counts: Vec<usize>,
    full: f64,
    /// The log axis of a log-scale panel.
    log_axis: Option<LogAxis>,
    /// Draws that a log axis cannot show (at or below zero).
    not_shown: usize,
}

impl Histogram {
    fn new(caption: String, desc: String, values: &[f64], full: f64, scale: Scale) -> Self {
        // Within a decade a log axis looks linear and has too few labelled ticks.
        let positive = values.iter().copied().filter(|v| *v > 0.0);
        let (lo, hi) = positive.fold((f64::INFINITY, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
        let scale = if scale == Scale::Log && hi / lo < 10.0 && values.iter().all(|v| *v > 0.0) {
            Scale::Linear
        } else {
            scale
        };
        let shown: Vec<f64> = match scale {
            Scale::Log => values.iter().copied().filter(|v| *v > 0.0).collect(),
            Scale::Linear => values.to_vec(),
        };
        let not_shown = values.len() - shown.len();
        let bins = ((shown.len().max(1) as f64).sqrt().ceil() as usize).clamp(BINS.0, BINS.1);
        // Bin in the axis's own coordinate: log10 of the value on a log axis.
        let (to, from): (Map, Map) = match scale {
            Scale::Log => (f64::log10, |x| 10f64.powf(x)),
            Scale::Linear => (|x| x, |x| x),
        };
        let full_shown = (scale == Scale::Linear || full > 0.0).then_some(full);
        let range =
            linear_range(shown.iter().copied().chain(full_shown).map(to), 0.02).unwrap_or(0.0..1.0);
        let width = (range.end - range.start) / bins as f64;
        let edges: Vec<f64> = (0..=bins)
            .map(|i| from(range.start + width * i as f64))
            .collect();
        let mut counts = vec![0; bins];
        for v in &shown {
            let i = ((to(*v) - range.start) / width).floor();
            if i.is_finite() && i >= 0.0 {
                counts[(i as usize).min(bins - 1)] += 1;
            }
        }
        let log_axis = (scale == Scale::Log).then(|| {
            // A panel is a third of the figure wide: labels like 1e21 need room.
            let mut axis = LogAxis::between(edges[0], edges[bins]);
            let step = axis.major.len().div_ceil(MAX_PANEL_TICKS);
            axis.major = axis.major.into_iter().step_by(step.max(1)).collect();
            axis
        });
        Histogram {
            caption,
            desc,
            edges,
            counts,
            full,
            log_axis,
            not_shown,
        }
    }
}

struct Histograms {
    histograms: Vec<Histogram>,
}

impl Figure for Histograms {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        // Three panels a row: 2 x 3 for Chinchilla's six.
        let rows = self.histograms.len().div_ceil(3).max(2);
        for (histogram, panel) in self.histograms.iter().zip(area.split_evenly((rows, 3))) {
            draw_histogram(histogram, &panel, theme)?;
        }
        Ok(())
    }
}

fn draw_histogram<DB: DrawingBackend>(h: &Histogram, area: &Area<DB>, theme: &Theme) -> DrawResult {
    let top = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.25;
    let mut caption = format!("{}: full data {}", h.caption, format_number(h.full));
    if h.not_shown > 0 {
        caption.push_str(&format!(" ({} draws at 0 not shown)", h.not_shown));
    }
    match &h.log_axis {
        Some(axis) => {
            let chart = build(area, theme, Some(&caption), axis.coord(), 0.0..top)?;
            draw_bars(chart, h, theme, Scale::Log, top)
        }
        None => {
            let (lo, hi) = (h.edges[0], h.edges[h.edges.len() - 1]);
            let chart = build(area, theme, Some(&caption), lo..hi, 0.0..top)?;
            draw_bars(chart, h, theme, Scale::Linear, top)
        }
    }
}

fn draw_bars<DB, X>(
    mut chart: Chart<'_, DB, X, RangedCoordf64>,
    h: &Histogram,
    theme: &Theme,
    x_scale: Scale,
    top: f64,
) -> DrawResult
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let axes = Axes {
        x_desc: &h.desc,
        y_desc: "Resamples",
        x_scale,
        y_scale: Scale::Linear,
    };
    draw_mesh(&mut chart, theme, &axes)?;
    let fill = QUALITATIVE[0].mix(0.55).filled();
    let edge = QUALITATIVE[0].stroke_width(1);
    chart.draw_series(h.counts.iter().enumerate().flat_map(|(i, &count)| {
        let corners = [(h.edges[i], 0.0), (h.edges[i + 1], count as f64)];
        [Rectangle::new(corners, fill), Rectangle::new(corners, edge)]
    }))?;
    if x_scale == Scale::Linear || h.full > 0.0 {
        let style = BLACK.stroke_width(theme.px(2.5));
        let line = vec![(h.full, 0.0), (h.full, top)];
        chart.draw_series(std::iter::once(PathElement::new(line, style)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_far_draw_does_not_squash_a_log_histogram() {
        // 99 draws of B spread evenly in log over 1e2..1e4 and one at 1.6e9: on a linear axis
        // all 99 share the first of ten bins; in log10 (10 bins of 0.74 dex) they fill three.
        let mut values: Vec<f64> = (0..99)
            .map(|i| 10f64.powf(2.0 + f64::from(i) / 49.0))
            .collect();
        values.push(1.6e9);
        let linear = Histogram::new("B".into(), "B".into(), &values, 400.0, Scale::Linear);
        assert_eq!(linear.counts[0], 99);
        let log = Histogram::new("B".into(), "B".into(), &values, 400.0, Scale::Log);
        assert_eq!(log.counts.iter().sum::<usize>(), 100);
        assert_eq!(
            log.counts.iter().filter(|c| **c > 0).count(),
            4,
            "{:?}",
            log.counts
        );
        assert!(log.counts[0] < 50, "{:?}", log.counts);
        // Bins are equal in log: every edge ratio is the same.
        let r0 = log.edges[1] / log.edges[0];
        assert!(
            log.edges
                .windows(2)
                .all(|w| (w[1] / w[0] / r0 - 1.0).abs() < 1e-9)
        );
        let with_zero = Histogram::new("E".into(), "E".into(), &[0.0, 1.5, 1.7], 1.6, Scale::Log);
        assert_eq!(with_zero.not_shown, 1);
        // Draws within a decade stay on a linear axis.
        let narrow = Histogram::new("E".into(), "E".into(), &[1.5, 1.6, 1.7], 1.6, Scale::Log);
        assert!(narrow.log_axis.is_none() && narrow.not_shown == 0);
    }
}
