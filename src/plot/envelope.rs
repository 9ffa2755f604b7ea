//! Approach 1 of Hoffmann et al. 2022 (section 3.1) in the style of its Figure 2: the
//! training curves against compute with their lower envelope, then the envelope's `N*` and
//! `D*` against compute with the fitted power laws and their projection.
//!
//! ```text
//! left:    L_run(C) for every run, C = k·N·tokens (or the curve's compute column);
//!          the envelope min over runs of L_run(C), as points
//! centre:  N*(C_j) of the envelope,  N* = G·C^a  fitted and drawn beyond the data
//! right:   D*(C_j) = C_j / (k·N*),   D* = H·C^b
//! ```
//!
//! Three panels of single-column proportions side by side: 6.75 x 2.4 inches by default.

use std::path::Path;

use plotters::element::{Circle, Polygon};
use plotters::prelude::{BLACK, DrawingBackend};
use plotters::style::{Color, RGBColor};

use super::axes::{LogAxis, linear_range};
use super::chart::{Axes, build, clip_box, draw_clipped_line, draw_mesh};
use super::clip::Scale::{Linear, Log};
use super::paper::draw::{Corner, Key, draw_legend};
use super::render::{Area, DrawResult, Figure, check_output, render, write_image};
use super::style::{QUALITATIVE, Theme, format_exponent, lighten, viridis};
use super::{ImageFormat, PlotOptions};
use crate::approaches::envelope::EnvelopeAnalysis;
use crate::approaches::isoflop::PowerLaw;
use crate::data::curves::Curve;
use crate::error::Error;

/// Decades the power laws are drawn beyond the largest budget of the envelope.
const PROJECTION_DEX: f64 = 3.0;
/// Points along a line.
const SAMPLES: usize = 120;

/// The figure's size when none is chosen: three panels of 2.25 x 2.4 inches.
pub fn envelope_options() -> PlotOptions {
    PlotOptions::inches(6.75, 2.4)
}

/// Draw Approach 1 of `analysis`, computed from `curves`, to `path` (`.png`, `.svg` or
/// `.pdf`).
///
/// # Errors
///
/// [`Error::InvalidOption`] for an analysis without envelope points, curves without points,
/// an unknown extension (`--plot`) or a bad size; [`Error::Io`] naming `path` when the image
/// cannot be drawn or written.
///
/// # Examples
///
/// ```
/// use scaling_laws::approaches::envelope::{EnvelopeConfig, analyse};
/// use scaling_laws::data::curves::Curve;
/// use scaling_laws::plot;
/// // Three sizes, each trained on 20 tokens per parameter, evaluated along the way.
/// let curves: Vec<Curve> = [1e8, 3e8, 1e9].iter().map(|&n| {
///     let tokens: Vec<f64> = (1..=20).map(|i| f64::from(i) * n).collect();
///     let loss = tokens.iter().map(|&d| 1.7 + 400.0 / n.powf(0.34) + 400.0 / d.powf(0.28)).collect();
///     Curve { run: format!("{n:e}"), n_params: n, tokens, loss, compute: None }
/// }).collect();
/// let analysis = analyse(&curves, &EnvelopeConfig { n_resamples: 0, ..EnvelopeConfig::default() })?;
/// let dir = tempfile::tempdir().unwrap();
/// let out = dir.path().join("envelope.svg");
/// plot::envelope(&out, &curves, &analysis, &plot::envelope_options())?;
/// assert!(std::fs::read_to_string(&out).unwrap().contains("envelope"));
/// # Ok::<(), scaling_laws::Error>(())
/// ```
pub fn envelope(
    path: &Path,
    curves: &[Curve],
    analysis: &EnvelopeAnalysis,
    opts: &PlotOptions,
) -> Result<(), Error> {
    let format = check_output(path, opts).map_err(|e| match e {
        Error::InvalidOption { message, .. } => Error::invalid_option("--plot", message),
        e => e,
    })?;
    write_image(path, &envelope_image(curves, analysis, opts, format)?)
}

/// [`envelope`] drawn into memory.
pub(crate) fn envelope_image(
    curves: &[Curve],
    analysis: &EnvelopeAnalysis,
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    opts.validate()?;
    if analysis.points.is_empty() {
        return Err(Error::invalid_option(
            "curves",
            "the envelope has no points to draw; give curves of at least two sizes",
        ));
    }
    let k = analysis.config.flops_per_param_token;
    let mut sizes: Vec<f64> = curves.iter().map(|c| c.n_params).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    let colour = |n: f64| {
        let i = sizes.iter().position(|&s| s == n).unwrap_or(0);
        viridis(0.9 * i as f64 / (sizes.len().max(2) - 1) as f64)
    };
    let lines: Vec<(RGBColor, Vec<(f64, f64)>)> = (curves.iter())
        .map(|c| {
            let compute: Vec<f64> = match &c.compute {
                Some(v) => v.clone(),
                None => c.tokens.iter().map(|t| k * c.n_params * t).collect(),
            };
            let points = compute.into_iter().zip(c.loss.iter().copied());
            let points = points.filter(|p| p.0.is_finite() && p.0 > 0.0 && p.1.is_finite());
            (colour(c.n_params), points.collect())
        })
        .collect();
    let legend: Vec<(RGBColor, String)> =
        sizes.iter().map(|&n| (colour(n), size_text(n))).collect();
    let figure = Envelope {
        lines,
        legend,
        analysis,
    };
    let title = opts.title_or(format!(
        "Approach 1: envelope of {} training curves ({} sizes)",
        analysis.runs, analysis.sizes
    ));
    render(format, opts, &title, &figure)
}

/// A parameter count as a ladder names it: `190M`, `1.3B`.
pub(super) fn size_text(n: f64) -> String {
    let (value, unit) = if n >= 1e9 {
        (n / 1e9, "B")
    } else {
        (n / 1e6, "M")
    };
    let digits = if value >= 10.0 { 0 } else { 1 };
    let text = format!("{value:.digits$}");
    format!("{}{unit}", text.trim_end_matches(".0"))
}

struct Envelope<'a> {
    lines: Vec<(RGBColor, Vec<(f64, f64)>)>,
    legend: Vec<(RGBColor, String)>,
    analysis: &'a EnvelopeAnalysis,
}

impl Figure for Envelope<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let panels = area.split_evenly((1, 3));
        self.draw_curves(&panels[0], theme)?;
        let envelope = &self.analysis.points;
        let n: Vec<(f64, f64)> = envelope.iter().map(|p| (p.compute, p.n_params)).collect();
        let d: Vec<(f64, f64)> = envelope.iter().map(|p| (p.compute, p.n_tokens)).collect();
        draw_law(
            &panels[1],
            theme,
            &n,
            &self.analysis.params,
            ("Parameters", "a"),
        )?;
        draw_law(
            &panels[2],
            theme,
            &d,
            &self.analysis.tokens,
            ("Tokens", "b"),
        )
    }
}

impl Envelope<'_> {
    fn draw_curves<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let all = self.lines.iter().flat_map(|l| l.1.iter().copied());
        let points: Vec<(f64, f64)> = all.collect();
        let compute = LogAxis::covering(points.iter().map(|p| p.0), 0.05)
            .unwrap_or_else(|| LogAxis::between(1e17, 1e21));
        // The loss axis from the envelope's lowest loss up to the curves' loss at a tenth of
        // the envelope's first budget: the early transient would flatten the rest.
        let env = &self.analysis.points;
        let low = env.iter().map(|p| p.loss).fold(f64::INFINITY, f64::min);
        let start = env.first().map_or(compute.lo, |p| p.compute / 10.0);
        let shown = points.iter().filter(|p| p.0 >= start).map(|p| p.1);
        let loss = linear_range(shown.chain([low]), 0.04).unwrap_or(2.0..4.0);
        let mut chart = build(area, theme, None, compute.coord(), loss)?;
        let axes = Axes {
            x_desc: "FLOPs",
            y_desc: "Training loss",
            x_scale: Log,
            y_scale: Linear,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let clip = clip_box(&chart, Log, Linear);
        for (colour, line) in &self.lines {
            let style = colour.stroke_width(theme.pt(0.8).round().max(1.0) as u32);
            draw_clipped_line(&mut chart, &clip, line, style, None)?;
        }
        let dot = theme.pt(1.3) as u32;
        let marks = env
            .iter()
            .map(|p| (p.compute, p.loss))
            .filter(|p| clip.contains(*p));
        chart.draw_series(marks.map(|p| Circle::new(p, dot, BLACK.filled())))?;
        let mut legend = vec![(Key::Dot(BLACK), "envelope".to_string())];
        legend.extend(
            (self.legend.iter()).map(|(colour, text)| (Key::Line(*colour, 1.4), text.clone())),
        );
        draw_legend(&chart, area, theme, &legend, Corner::UpperRight)?;
        Ok(())
    }
}

/// `points` (compute, value) of the envelope with the fitted power law drawn over the data
/// and [`PROJECTION_DEX`] decades beyond, the data's compute shaded.
fn draw_law<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    points: &[(f64, f64)],
    law: &PowerLaw,
    (y_desc, symbol): (&str, &str),
) -> DrawResult {
    let lo = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.0).fold(0.0, f64::max);
    let compute = LogAxis::covering([lo, hi * 10f64.powf(PROJECTION_DEX)], 0.1)
        .unwrap_or_else(|| LogAxis::between(1e17, 1e24));
    let (g, a) = (law.coefficient, law.exponent.value);
    let line: Vec<(f64, f64)> = (compute.samples(SAMPLES).into_iter())
        .map(|c| (c, g * c.powf(a)))
        .collect();
    let values = points.iter().map(|p| p.1).chain(line.iter().map(|p| p.1));
    let axis = LogAxis::covering(values, 0.2).unwrap_or_else(|| LogAxis::between(1e8, 1e12));
    let mut chart = build(area, theme, None, compute.coord(), axis.coord())?;
    let axes = Axes {
        x_desc: "FLOPs",
        y_desc,
        x_scale: Log,
        y_scale: Log,
    };
    draw_mesh(&mut chart, theme, &axes)?;
    let clip = clip_box(&chart, Log, Log);
    let shade = lighten(QUALITATIVE[5], 0.75);
    chart.draw_series(std::iter::once(Polygon::new(
        vec![(lo, axis.lo), (hi, axis.lo), (hi, axis.hi), (lo, axis.hi)],
        shade.filled(),
    )))?;
    let style = QUALITATIVE[1].stroke_width(theme.pt(1.2) as u32);
    let interval = match (law.exponent.lower, law.exponent.upper) {
        (Some(l), Some(u)) => format!(" [{}, {}]", format_exponent(l), format_exponent(u)),
        _ => String::new(),
    };
    draw_clipped_line(&mut chart, &clip, &line, style, None)?;
    let dot = theme.pt(1.6) as u32;
    let marks = points.iter().copied().filter(|p| clip.contains(*p));
    chart.draw_series(marks.map(|p| Circle::new(p, dot, BLACK.filled())))?;
    let legend = [
        (Key::Dot(BLACK), "envelope".to_string()),
        (
            Key::Line(QUALITATIVE[1], 1.2),
            format!("{symbol} = {}{interval}", format_exponent(a)),
        ),
        (Key::Shade(shade), "budgets fitted".to_string()),
    ];
    draw_legend(&chart, area, theme, &legend, Corner::UpperLeft)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_a_ladder_names_them() {
        assert_eq!(size_text(190_354_176.0), "190M");
        assert_eq!(size_text(1_279_395_840.0), "1.3B");
        assert_eq!(size_text(3e9), "3B");
    }
}
