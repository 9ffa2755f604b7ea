//! IsoFLOP profiles of Approach 2 (Hoffmann et al. 2022, section 3.2 and Figure 3): the
//! parabola fitted to each budget's runs, and the minima against compute.
//!
//! ```text
//! left:    L = c0 + c1·x + c2·x²,  x = log10 N,  over each group's sampled sizes;  minimum N*_j
//! right:   N*_j against C_j for the usable profiles,  and  N* = G·C^a  fitted to them
//! ```
//!
//! Profiles whose minimum is not used (no minimum, or one outside the sampled sizes) are drawn
//! dashed and faded, said so in the legend (between the panels: the colours hold in both), and
//! left out on the right.

use std::ops::Range;
use std::path::Path;

use plotters::chart::SeriesLabelPosition;
use plotters::coord::ranged1d::Ranged;
use plotters::element::{Circle, Cross, EmptyElement};
use plotters::prelude::{BLACK, DashedLineSeries, DrawingBackend};
use plotters::style::{Color, RGBColor};

use super::axes::{LogAxis, linear_range, log_space};
use super::chart::{Axes, Chart, build, clip_box, draw_clipped_line, draw_mesh};
use super::clip::ClipBox;
use super::clip::Scale::{Linear, Log};
use super::legend::{LegendEntry, Mark, draw_legend, draw_side_legend};
use super::render::{Area, DrawError, DrawResult, Figure, check_output, render, write_image};
use super::style::{QUALITATIVE, Theme, format_log_tick, format_number, lighten, viridis};
use super::{ImageFormat, PlotOptions};
use crate::approaches::isoflop::{IsoflopAnalysis, PowerLaw, Profile, ProfileIssue};
use crate::data::Dataset;
use crate::error::Error;

/// Samples along each parabola and along the power law.
const SAMPLES: usize = 120;
/// Legend text of the crosses.
const MINIMUM: &str = "minimum of the parabola";

/// Draw Approach 2 in two panels. Left: each profile's runs (loss, linear y, against
/// parameters N, log x), its parabola over the sizes sampled and its minimum as a cross,
/// coloured by budget; profiles with an issue dashed and faded. Right: N* of each usable
/// profile against its budget (log-log) with the fitted `N* = G·C^a`, and the interval of `a`
/// in the legend when the analysis has one.
///
/// # Errors
///
/// [`Error::InvalidOption`] for an analysis without profiles or with runs that are not in
/// `data` (an analysis of other data), an unknown file extension (`--out`) or a bad image size;
/// [`Error::Io`] naming `path` when the image cannot be drawn or written.
///
/// # Examples
///
/// ```
/// # use scaling_laws::{approaches::isoflop, data, plot};
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
/// let data = data::load(path, &data::LoadOptions::default())?;
/// let analysis = isoflop::isoflop(&data, &isoflop::IsoflopConfig::default())?;
/// let dir = tempfile::tempdir().unwrap();
/// let out = dir.path().join("profiles.svg");
/// plot::isoflop_profiles(&out, &analysis, &data, &plot::PlotOptions::default())?;
/// assert!(std::fs::read_to_string(&out).unwrap().contains("IsoFLOP profiles"));
/// # Ok::<(), scaling_laws::Error>(())
/// ```
pub fn isoflop_profiles(
    path: &Path,
    analysis: &IsoflopAnalysis,
    data: &Dataset,
    opts: &PlotOptions,
) -> Result<(), Error> {
    let format = check_output(path, opts)?;
    write_image(path, &isoflop_profiles_image(analysis, data, opts, format)?)
}

/// [`isoflop_profiles`] drawn into memory: SVG text or PNG bytes, by `format`.
pub(crate) fn isoflop_profiles_image(
    analysis: &IsoflopAnalysis,
    data: &Dataset,
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    opts.validate()?;
    let count = analysis.profiles.len();
    let runs = data.n_params.len().min(data.loss.len());
    if count == 0 {
        let message = "has no IsoFLOP profiles to plot; run Approach 2 on a sweep first";
        return Err(Error::invalid_option("analysis", message));
    }
    if let Some(p) = (analysis.profiles.iter()).find(|p| p.runs.iter().any(|&i| i >= runs)) {
        let message = format!(
            "the profile at C = {} FLOPs uses runs beyond the {runs} of {}; plot an analysis \
             with the data it was computed from",
            format_log_tick(p.budget),
            data.source.path
        );
        return Err(Error::invalid_option("data", message));
    }
    let curves: Vec<Curve> = (analysis.profiles.iter().enumerate())
        .map(|(i, p)| Curve::new(p, data, i as f64 / (count.max(2) - 1) as f64))
        .collect();
    let shown: Vec<(f64, f64)> = (curves.iter())
        .flat_map(|c| [&c.points[..], &c.line, c.used().as_slice()].concat())
        .collect();
    let figure = Profiles {
        params_axis: LogAxis::covering(shown.iter().map(|p| p.0), 0.1)
            .unwrap_or_else(|| LogAxis::between(1e7, 1e11)),
        loss_range: linear_range(shown.iter().map(|p| p.1), 0.08).unwrap_or(0.0..1.0),
        frontier: Frontier::new(&curves, &analysis.params, analysis.config.level),
        curves,
    };
    let title = opts.title_or("IsoFLOP profiles (Approach 2)".to_string());
    render(format, opts, &title, &figure)
}

/// One profile as drawn: its runs (N, L), parabola and minimum, colour and legend text.
struct Curve {
    budget: f64,
    flagged: bool,
    colour: RGBColor,
    label: String,
    points: Vec<(f64, f64)>,
    line: Vec<(f64, f64)>,
    minimum: Option<(f64, f64)>,
}

impl Curve {
    /// The runs of `profile` (all in `data`) with a positive size and a finite loss, coloured
    /// at `place` in [0, 1] along viridis (short of its pale yellow end, as the slices are).
    fn new(profile: &Profile, data: &Dataset, place: f64) -> Curve {
        let points: Vec<(f64, f64)> = (profile.runs.iter())
            .map(|&i| (data.n_params[i], data.loss[i]))
            .filter(|&(n, loss)| n.is_finite() && n > 0.0 && loss.is_finite())
            .collect();
        let why = match profile.issue {
            None => "",
            Some(ProfileIssue::NoMinimum) => ": no minimum",
            Some(ProfileIssue::OutsideSampledSizes) => ": minimum off sizes",
        };
        let flagged = profile.issue.is_some();
        Curve {
            budget: profile.budget,
            flagged,
            colour: lighten(viridis(0.88 * place), if flagged { 0.55 } else { 0.0 }),
            label: format!("{} FLOPs{why}", format_log_tick(profile.budget)),
            line: parabola(profile.coefficients, &points),
            points,
            minimum: (profile.n_params.zip(profile.loss))
                .filter(|&(n, l)| n.is_finite() && n > 0.0 && l.is_finite()),
        }
    }

    /// The minimum, when the profile is usable.
    fn used(&self) -> Option<(f64, f64)> {
        self.minimum.filter(|_| !self.flagged)
    }
}

/// `L = c0 + c1·x + c2·x²` with `x = log10 N` from the smallest to the largest N of `points`.
fn parabola([c0, c1, c2]: [f64; 3], points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let lo = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.0).fold(0.0, f64::max);
    if lo >= hi {
        return Vec::new();
    }
    (log_space(lo, hi, SAMPLES).into_iter())
        .map(|n| (n, c0 + c1 * n.log10() + c2 * n.log10().powi(2)))
        .filter(|p| p.1.is_finite())
        .collect()
}

/// The right panel: N* of the usable profiles and the power law through them, with legend
/// texts (the last, the interval of `a`, may be empty).
struct Frontier {
    points: Vec<(f64, f64, RGBColor)>,
    line: Vec<(f64, f64)>,
    labels: [String; 3],
    compute_axis: LogAxis,
    params_axis: LogAxis,
}

impl Frontier {
    fn new(curves: &[Curve], law: &PowerLaw, level: f64) -> Frontier {
        let points: Vec<(f64, f64, RGBColor)> = (curves.iter())
            .filter_map(|c| c.used().map(|m| (c.budget, m.0, c.colour)))
            .collect();
        let compute_axis = LogAxis::covering(points.iter().map(|p| p.0), 0.15)
            .unwrap_or_else(|| LogAxis::between(1e18, 1e22));
        let (g, a) = (law.coefficient, law.exponent.value);
        let line: Vec<(f64, f64)> = (compute_axis.samples(SAMPLES).into_iter())
            .map(|c| (c, g * c.powf(a)))
            .collect();
        let sizes = points.iter().map(|p| p.1).chain(line.iter().map(|p| p.1));
        let params_axis =
            LogAxis::covering(sizes, 0.1).unwrap_or_else(|| LogAxis::between(1e8, 1e10));
        let interval = (law.exponent.lower.zip(law.exponent.upper)).map(|(lo, hi)| {
            let percent = format_number(100.0 * level);
            let (lo, hi) = (format_number(lo), format_number(hi));
            format!("{percent}% interval of a: {lo} to {hi}")
        });
        let (used, all) = (points.len(), curves.len());
        let used = format!("N* of usable profiles ({used} of {all})");
        let fit = format!("fit N* = G·Cᵃ, a = {}", format_number(a));
        let labels = [used, fit, interval.unwrap_or_default()];
        Frontier {
            points,
            line,
            labels,
            compute_axis,
            params_axis,
        }
    }
}

/// The figure: both panels' contents and the left panel's axes.
struct Profiles {
    curves: Vec<Curve>,
    params_axis: LogAxis,
    loss_range: Range<f64>,
    frontier: Frontier,
}

impl Figure for Profiles {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        // One entry per profile (flagged ones faded), then the minimum's cross.
        let curves = (self.curves.iter()).map(|c| (Mark::LineAndDot(c.colour), c.label.clone()));
        let cross = Mark::Cross(BLACK.stroke_width(theme.px(2.5)));
        let entries: Vec<LegendEntry> = (curves.chain([(cross, MINIMUM.to_string())]))
            .map(|(mark, text)| LegendEntry { mark, text })
            .collect();
        let mut text = 0;
        for entry in &entries {
            text = text.max(area.estimate_text_size(&entry.text, &theme.small())?.0);
        }
        let (width, _) = area.dim_in_pixel();
        let column = (text + theme.px(50.0)).min(width / 3);
        let (left, rest) = area.split_horizontally((width - column) / 2);
        let (legend, right) = rest.split_horizontally(column);
        let top = self.draw_profiles(&left, theme)? - legend.get_base_pixel().1;
        draw_side_legend(&legend, theme, top, &entries)?;
        self.frontier.draw(&right, theme)
    }
}

impl Profiles {
    /// Left panel: runs, parabolas (dashed when flagged) and minima; returns the top of the
    /// plotting area, in backend pixels.
    fn draw_profiles<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        theme: &Theme,
    ) -> Result<i32, DrawError> {
        let (x, y) = (self.params_axis.coord(), self.loss_range.clone());
        let mut chart = build(area, theme, Some("Loss against size at each budget"), x, y)?;
        let axes = Axes {
            x_desc: "Parameters N",
            y_desc: "Final loss L (nats/token)",
            x_scale: Log,
            y_scale: Linear,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let clip = clip_box(&chart, Log, Linear);
        for curve in &self.curves {
            draw_curve(&mut chart, &clip, curve, theme)?;
        }
        // Black crosses, grey for flagged profiles.
        let (size, width) = (theme.px(7.0), theme.px(2.5));
        let crosses = (self.curves.iter()).filter_map(|c| {
            let style = BLACK.mix(if c.flagged { 0.35 } else { 1.0 });
            let m = c.minimum.filter(|&m| clip.contains(m))?;
            Some(Cross::new(m, size, style.stroke_width(width)))
        });
        chart.draw_series(crosses)?;
        Ok(chart.plotting_area().get_base_pixel().1)
    }
}

/// One profile: its parabola (dashed when flagged) and its runs.
fn draw_curve<DB, X, Y>(
    chart: &mut Chart<'_, DB, X, Y>,
    clip: &ClipBox,
    curve: &Curve,
    theme: &Theme,
) -> DrawResult
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let line = curve.colour.stroke_width(theme.px(2.0));
    if curve.flagged {
        for piece in clip.clip(&curve.line) {
            let (dash, gap) = (theme.px(8.0), theme.px(5.0));
            chart.draw_series(DashedLineSeries::new(piece, dash, gap, line))?;
        }
    } else {
        draw_clipped_line(chart, clip, &curve.line, line, None)?;
    }
    let (dot, colour) = (theme.px(4.5), curve.colour);
    let edge = BLACK.mix(if curve.flagged { 0.25 } else { 0.5 });
    chart.draw_series(curve.points.iter().map(|&p| {
        EmptyElement::at(p)
            + Circle::new((0, 0), dot, colour.filled())
            + Circle::new((0, 0), dot, edge.stroke_width(1))
    }))?;
    Ok(())
}

impl Frontier {
    /// Right panel: N* against C with the power law.
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let (x, y) = (self.compute_axis.coord(), self.params_axis.coord());
        let mut chart = build(area, theme, Some("Optimal size N* against compute"), x, y)?;
        let axes = Axes {
            x_desc: "Training compute C (FLOPs)",
            y_desc: "Parameters N",
            x_scale: Log,
            y_scale: Log,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let (dot, edge) = (theme.px(6.0), BLACK.mix(0.6).stroke_width(1));
        chart
            .draw_series(self.points.iter().map(|&(c, n, colour)| {
                EmptyElement::at((c, n))
                    + Circle::new((0, 0), dot, colour.filled())
                    + Circle::new((0, 0), dot, edge)
            }))?
            .label(self.labels[0].as_str())
            .legend(move |(x, y)| Circle::new((x + 10, y), dot, BLACK.mix(0.4).filled()));
        let clip = clip_box(&chart, Log, Log);
        let line = QUALITATIVE[1].stroke_width(theme.px(3.0));
        draw_clipped_line(&mut chart, &clip, &self.line, line, Some(&self.labels[1]))?;
        if !self.labels[2].is_empty() {
            // An entry without a mark, below the fit's.
            let nothing = std::iter::empty::<Circle<(f64, f64), u32>>();
            chart.draw_series(nothing)?.label(self.labels[2].as_str());
        }
        draw_legend(&mut chart, theme, SeriesLabelPosition::UpperLeft)
    }
}
