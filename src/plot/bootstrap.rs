//! Distributions of the bootstrap draws: one histogram per parameter.
//!
//! ```text
//! quantities: A, B, E, alpha, beta and a = beta / (alpha + beta), each per converged draw
//! bins: ceil(sqrt(n)) equal-width bins (at least 5, at most 40) over the draws and the full-data value
//! ```
//!
//! The full-data estimate is marked with a vertical line and given in the panel's caption; a percentile interval is read off
//! the same draws (see [`crate::uncertainty::estimate`]).

use std::path::Path;

use plotters::element::{PathElement, Rectangle};
use plotters::prelude::{BLACK, DrawingBackend};
use plotters::style::Color;

use super::PlotOptions;
use super::axes::linear_range;
use super::chart::{Axes, build, draw_mesh};
use super::clip::Scale;
use super::render::{Area, DrawResult, Figure, check_output, render};
use super::style::{QUALITATIVE, Theme, format_number};
use crate::error::Error;
use crate::law::ChinchillaLaw;
use crate::uncertainty::BootstrapDraws;

/// Fewest and most histogram bins.
const BINS: (usize, usize) = (5, 40);

/// A quantity of a law.
type LawValue = fn(&ChinchillaLaw) -> f64;

/// The quantities shown: panel caption, axis description, and the value of a law.
const QUANTITIES: [(&str, &str, LawValue); 6] = [
    ("A", "A (coefficient of N)", |l| l.param_coef),
    ("B", "B (coefficient of D)", |l| l.data_coef),
    ("E", "E (irreducible loss, nats/token)", |l| l.irreducible),
    ("α", "α (exponent of N)", |l| l.alpha),
    ("β", "β (exponent of D)", |l| l.beta),
    ("a = β/(α+β)", "a (N* ∝ C^a)", |l| l.params_exponent()),
];

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
/// use scaling_laws::law::ChinchillaLaw;
/// use scaling_laws::plot;
/// use scaling_laws::uncertainty::{BootstrapConfig, BootstrapDraws};
/// let law = ChinchillaLaw::HOFFMANN_2022;
/// // Stand-in draws that differ in alpha only; real ones come from `uncertainty::bootstrap`.
/// let theta: Vec<_> = (0..40)
///     .map(|i| {
///         let mut t = law.theta();
///         t[3] += 0.001 * (f64::from(i) - 20.0);
///         t
///     })
///     .collect();
/// let draws = BootstrapDraws {
///     config: BootstrapConfig::default(),
///     objective: vec![1e-3; theta.len()],
///     converged: vec![true; theta.len()],
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
    law: &ChinchillaLaw,
    draws: &BootstrapDraws,
    opts: &PlotOptions,
) -> Result<(), Error> {
    check_output(path, opts)?;
    let laws = draws.laws();
    if laws.len() < 2 {
        return Err(Error::invalid_option(
            "--bootstrap",
            format!(
                "{} of {} resamples converged; a distribution needs at least 2 (use more resamples)",
                laws.len(),
                draws.theta.len()
            ),
        ));
    }
    let histograms = QUANTITIES
        .iter()
        .map(|&(caption, desc, value)| {
            let values: Vec<f64> = laws.iter().map(value).filter(|v| v.is_finite()).collect();
            Histogram::new(caption, desc, &values, value(law))
        })
        .collect();
    let title = opts.title_or(format!(
        "Bootstrap distributions: {} of {} resamples converged (seed {})",
        laws.len(),
        draws.theta.len(),
        draws.config.seed
    ));
    render(path, opts, &title, &Histograms { histograms })
}

/// One panel: bin edges and counts, and the full-data value.
struct Histogram {
    caption: &'static str,
    desc: &'static str,
    edges: Vec<f64>,
    counts: Vec<usize>,
    full: f64,
}

impl Histogram {
    fn new(caption: &'static str, desc: &'static str, values: &[f64], full: f64) -> Self {
        let bins = ((values.len() as f64).sqrt().ceil() as usize).clamp(BINS.0, BINS.1);
        let range = linear_range(values.iter().copied().chain([full]), 0.02).unwrap_or(0.0..1.0);
        let width = (range.end - range.start) / bins as f64;
        let edges: Vec<f64> = (0..=bins).map(|i| range.start + width * i as f64).collect();
        let mut counts = vec![0; bins];
        for v in values {
            let i = ((v - range.start) / width).floor();
            if i.is_finite() && i >= 0.0 {
                counts[(i as usize).min(bins - 1)] += 1;
            }
        }
        Histogram {
            caption,
            desc,
            edges,
            counts,
            full,
        }
    }
}

struct Histograms {
    histograms: Vec<Histogram>,
}

impl Figure for Histograms {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        for (histogram, panel) in self.histograms.iter().zip(area.split_evenly((2, 3))) {
            draw_histogram(histogram, &panel, theme)?;
        }
        Ok(())
    }
}

fn draw_histogram<DB: DrawingBackend>(h: &Histogram, area: &Area<DB>, theme: &Theme) -> DrawResult {
    let (lo, hi) = (h.edges[0], h.edges[h.edges.len() - 1]);
    let top = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.25;
    let caption = format!("{}: full data {}", h.caption, format_number(h.full));
    let mut chart = build(area, theme, Some(&caption), lo..hi, 0.0..top)?;
    let axes = Axes {
        x_desc: h.desc,
        y_desc: "Resamples",
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
    };
    draw_mesh(&mut chart, theme, &axes)?;
    let fill = QUALITATIVE[0].mix(0.55).filled();
    let edge = QUALITATIVE[0].stroke_width(1);
    chart.draw_series(h.counts.iter().enumerate().flat_map(|(i, &count)| {
        let corners = [(h.edges[i], 0.0), (h.edges[i + 1], count as f64)];
        [Rectangle::new(corners, fill), Rectangle::new(corners, edge)]
    }))?;
    let style = BLACK.stroke_width(theme.px(2.5));
    let line = vec![(h.full, 0.0), (h.full, top)];
    chart.draw_series(std::iter::once(PathElement::new(line, style)))?;
    Ok(())
}
