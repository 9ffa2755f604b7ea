//! The six figures of [`super`], each drawn once as SVG at single-column width.

use std::ops::Range;

use plotters::element::{Circle, PathElement, Polygon, Text};
use plotters::prelude::{BLACK, DrawingBackend, WHITE};
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::PaperFigure;
use super::draw::{Corner, Key, Label, draw_labels, draw_legend, stroke};
use super::published::{GOPHER_BUDGET, ISOFLOP_BUDGETS, MODELS, Projection, projections};
use crate::answer::allocation::Allocator;
use crate::approaches::isoflop::IsoflopAnalysis;
use crate::data::Dataset;
use crate::error::Error;
use crate::law::Law;
use crate::plot::axes::{LogAxis, log_space};
use crate::plot::chart::{Axes, build, clip_box, draw_clipped_line, draw_mesh};
use crate::plot::clip::Scale::{Linear, Log};
use crate::plot::render::{Area, DrawResult, Figure, render};
use crate::plot::style::{QUALITATIVE, Theme, format_exponent, format_power, lighten, viridis};
use crate::plot::{ImageFormat, PlotOptions};
use plotters::style::RGBColor;

/// Every figure is this size: single-column width.
pub const WIDTH_IN: f64 = 3.25;
/// Height of a figure, inches.
pub const HEIGHT_IN: f64 = 2.6;
/// Height of Figure 1, inches: room for its legend below the lines.
pub const FIGURE1_HEIGHT_IN: f64 = 3.0;
/// Points along a line.
const SAMPLES: usize = 160;
/// Loss values of the iso-loss contours of Figure 4 (left).
const CONTOUR_LEVELS: [f64; 7] = [2.1, 2.2, 2.3, 2.5, 2.7, 3.0, 3.5];

/// What the figures are drawn from.
#[derive(Debug, Clone, Copy)]
pub struct ChinchillaInputs<'a> {
    /// The law fitted to the points (Approach 3).
    pub law: &'a Law,
    /// The runs it was fitted to.
    pub data: &'a Dataset,
    /// Approach 2 at the paper's nine budgets.
    pub isoflop: &'a IsoflopAnalysis,
    /// The runs Approach 2 grouped.
    pub isoflop_data: &'a Dataset,
    /// Compute axis of Figure 1 and of Figure 3's centre and right, FLOPs.
    pub compute_range: (f64, f64),
}

/// Draw the six figures as SVG.
///
/// # Errors
///
/// [`Error::InvalidOption`] for a law without a compute-optimal allocation or an analysis
/// without two usable budgets; [`Error::Io`] when a figure cannot be drawn.
pub fn chinchilla_figures(inputs: &ChinchillaInputs) -> Result<Vec<PaperFigure>, Error> {
    let allocator = Allocator::new(inputs.law.clone(), inputs.data.flops_per_param_token)?;
    allocator.require_allocation("the Chinchilla figures")?;
    let opts = PlotOptions::inches(WIDTH_IN, HEIGHT_IN);
    let svg = |title: &str, figure: &dyn DrawDyn| render_dyn(&opts, title, figure);
    let tall = PlotOptions::inches(WIDTH_IN, FIGURE1_HEIGHT_IN);
    let svg1 = |title: &str, figure: &dyn DrawDyn| render_dyn(&tall, title, figure);
    let minima = Minima::new(inputs.isoflop, inputs.isoflop_data)?;
    let compute = LogAxis::between(inputs.compute_range.0, inputs.compute_range.1);
    let fig1 = Projections {
        allocator: &allocator,
        isoflop: inputs.isoflop,
        compute: compute.clone(),
    };
    let fig3a = Slices::parabolas(&minima);
    let fig3b = Frontier::new(&minima, inputs.isoflop, compute.clone(), true);
    let fig3c = Frontier::new(&minima, inputs.isoflop, compute, false);
    let fig4a = Contours::new(&allocator, inputs.data);
    let fig4b = Slices::law(&minima, &allocator);
    Ok(vec![
        figure(
            "fig1_projections",
            "Figure 1",
            svg1("Figure 1: projected N*", &fig1)?,
        ),
        figure(
            "fig3a_isoflop_curves",
            "Figure 3 (left)",
            svg("Figure 3 (left): IsoFLOP curves", &fig3a)?,
        ),
        figure(
            "fig3b_params",
            "Figure 3 (centre)",
            svg("Figure 3 (centre): N* at each budget", &fig3b)?,
        ),
        figure(
            "fig3c_tokens",
            "Figure 3 (right)",
            svg("Figure 3 (right): D* at each budget", &fig3c)?,
        ),
        figure(
            "fig4a_isoloss",
            "Figure 4 (left)",
            svg("Figure 4 (left): iso-loss contours", &fig4a)?,
        ),
        figure(
            "fig4b_isoflop_slices",
            "Figure 4 (right)",
            svg("Figure 4 (right): IsoFLOP slices", &fig4b)?,
        ),
    ])
}

fn figure(stem: &'static str, paper: &'static str, svg: Vec<u8>) -> PaperFigure {
    let height = if stem == "fig1_projections" {
        FIGURE1_HEIGHT_IN
    } else {
        HEIGHT_IN
    };
    let size = PlotOptions::inches(WIDTH_IN, height);
    PaperFigure {
        stem,
        paper,
        svg,
        size,
    }
}

/// [`Figure`] behind a reference of one type, so that the six can share one renderer.
trait DrawDyn {
    fn svg(&self, opts: &PlotOptions, title: &str) -> Result<Vec<u8>, Error>;
}

impl<F: Figure> DrawDyn for F {
    fn svg(&self, opts: &PlotOptions, title: &str) -> Result<Vec<u8>, Error> {
        render(ImageFormat::Svg, opts, title, self)
    }
}

fn render_dyn(opts: &PlotOptions, title: &str, figure: &dyn DrawDyn) -> Result<Vec<u8>, Error> {
    figure.svg(opts, title)
}

/// A log axis from `lo` to `hi` with a fifth of a decade to spare at each end, so that its
/// first tick label does not meet the other axis's in the corner.
fn padded(lo: f64, hi: f64) -> LogAxis {
    let spare = 10f64.powf(0.2);
    LogAxis::between(lo / spare, hi * spare)
}

/// Colour of budget `i` of `n` along viridis, short of its pale yellow end.
fn budget_colour(i: usize, n: usize) -> plotters::style::RGBColor {
    viridis(0.9 * i as f64 / (n.max(2) - 1) as f64)
}

/// A count with the suffix of its size: `59B`, `1.6T`, `190M` (plotters measures plain
/// digits and letters exactly, superscripts not).
fn format_count(v: f64) -> String {
    let (value, unit) = match v {
        v if v >= 1e12 => (v / 1e12, "T"),
        v if v >= 1e9 => (v / 1e9, "B"),
        _ => (v / 1e6, "M"),
    };
    let digits = if value >= 10.0 { 0 } else { 1 };
    format!("{value:.digits$}{unit}")
}

/// A budget as the figures write it: `6×10¹⁸`.
fn budget_text(c: f64) -> String {
    format_power(c, 2)
}

/// Approach 2's profiles as drawn: per budget its runs, parabola, minimum.
struct Minima {
    budgets: Vec<Budget>,
}

struct Budget {
    compute: f64,
    runs: Vec<(f64, f64)>,
    parabola: [f64; 3],
    minimum: Option<(f64, f64, f64)>,
}

impl Minima {
    fn new(analysis: &IsoflopAnalysis, data: &Dataset) -> Result<Minima, Error> {
        let budgets: Vec<Budget> = (analysis.profiles.iter())
            .map(|p| Budget {
                compute: p.budget,
                runs: (p.runs.iter())
                    .filter_map(|&i| Some((*data.n_params.get(i)?, *data.loss.get(i)?)))
                    .collect(),
                parabola: p.coefficients,
                minimum: match (p.issue, p.n_params, p.n_tokens, p.loss) {
                    (None, Some(n), Some(d), Some(l)) => Some((n, d, l)),
                    _ => None,
                },
            })
            .collect();
        if budgets.iter().filter(|b| b.minimum.is_some()).count() < 2 {
            return Err(Error::invalid_option(
                "data",
                "Approach 2 found fewer than two budgets with a minimum; Figure 3 needs them",
            ));
        }
        Ok(Minima { budgets })
    }

    fn params_axis(&self) -> LogAxis {
        let sizes = self.budgets.iter().flat_map(|b| b.runs.iter().map(|r| r.0));
        LogAxis::covering(sizes, 0.05).unwrap_or_else(|| LogAxis::between(1e8, 1e10))
    }

    fn loss_range(&self) -> Range<f64> {
        let losses = self.budgets.iter().flat_map(|b| b.runs.iter().map(|r| r.1));
        crate::plot::axes::linear_range(losses, 0.05).unwrap_or(2.0..3.5)
    }
}

/// Figure 1: projections of `N*(C)`.
struct Projections<'a> {
    allocator: &'a Allocator,
    isoflop: &'a IsoflopAnalysis,
    compute: LogAxis,
}

/// The published projections' colours and the legend text of each.
fn published_lines() -> Vec<(Projection, plotters::style::RGBColor)> {
    let colours = [
        QUALITATIVE[0],
        QUALITATIVE[2],
        QUALITATIVE[1],
        QUALITATIVE[3],
    ];
    projections().into_iter().zip(colours).collect()
}

impl Figure for Projections<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let params = padded(1e8, 1e12);
        let mut chart = build(area, theme, None, self.compute.coord(), params.coord())?;
        let axes = Axes {
            x_desc: "FLOPs",
            y_desc: "Parameters",
            x_scale: Log,
            y_scale: Log,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let clip = clip_box(&chart, Log, Log);
        let grid = self.compute.samples(SAMPLES);
        let mut legend = vec![(Key::Heading, "Published (a of N* ∝ Cᵃ):".to_string())];
        for (p, colour) in published_lines() {
            let line: Vec<(f64, f64)> = grid.iter().map(|&c| (c, p.n_params(c))).collect();
            draw_clipped_line(&mut chart, &clip, &line, stroke(theme, colour, 1.2), None)?;
            legend.push((Key::Line(colour, 1.2), format!("{} ({:.2})", p.name, p.a)));
        }
        legend.push((Key::Heading, "Ours, from Epoch's points:".to_string()));
        let ours: Vec<(f64, f64)> = (grid.iter())
            .map(|&c| (c, self.allocator.optimal_for_compute(c).n_params))
            .collect();
        draw_clipped_line(&mut chart, &clip, &ours, stroke(theme, BLACK, 1.6), None)?;
        let a3 = self.allocator.law().params_exponent().unwrap_or(f64::NAN);
        legend.push((
            Key::Line(BLACK, 1.6),
            format!("Approach 3 ({})", format_exponent(a3)),
        ));
        let a2 = &self.isoflop.params;
        let approach2: Vec<(f64, f64)> = (grid.iter())
            .map(|&c| (c, a2.coefficient * c.powf(a2.exponent.value)))
            .collect();
        dashed(&mut chart, &clip, &approach2, theme, BLACK)?;
        legend.push((
            Key::Dashed(BLACK, 1.2),
            format!("Approach 2 ({})", format_exponent(a2.exponent.value)),
        ));
        let dot = theme.pt(2.2) as u32;
        let mut labels = Vec::new();
        for m in MODELS {
            let at = (m.compute(), m.n_params);
            if !clip.contains(at) {
                continue;
            }
            let marked = m.name.starts_with("MT-NLG");
            let style = if marked {
                QUALITATIVE[4].filled()
            } else {
                BLACK.filled()
            };
            chart.draw_series(std::iter::once(Circle::new(at, dot, style)))?;
            labels.push(Label {
                at,
                text: m.name.to_string(),
            });
        }
        let legend_box = draw_legend(&chart, area, theme, &legend, Corner::LowerRight)?;
        draw_labels(&chart, area, theme, &labels, &[legend_box])?;
        Ok(())
    }
}

/// A dashed line, clipped to the chart.
fn dashed<DB, X, Y>(
    chart: &mut crate::plot::chart::Chart<'_, DB, X, Y>,
    clip: &crate::plot::clip::ClipBox,
    points: &[(f64, f64)],
    theme: &Theme,
    colour: plotters::style::RGBColor,
) -> DrawResult
where
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged<ValueType = f64>,
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64>,
{
    let (dash, gap) = (theme.pt(3.0) as u32, theme.pt(2.0) as u32);
    for piece in clip.clip(points) {
        chart.draw_series(plotters::prelude::DashedLineSeries::new(
            piece,
            dash,
            gap,
            stroke(theme, colour, 1.2),
        ))?;
    }
    Ok(())
}

/// Figure 3 left and Figure 4 right: loss against size at each budget.
struct Slices {
    params: LogAxis,
    loss: Range<f64>,
    /// Per budget: colour, label, runs, curve, marked minimum.
    curves: Vec<SliceCurve>,
    caption: &'static str,
}

struct SliceCurve {
    colour: plotters::style::RGBColor,
    label: String,
    runs: Vec<(f64, f64)>,
    line: Vec<(f64, f64)>,
    minimum: Option<(f64, f64)>,
}

impl Slices {
    fn parabolas(minima: &Minima) -> Slices {
        let n = minima.budgets.len();
        let curves = (minima.budgets.iter().enumerate())
            .map(|(i, b)| {
                let lo = b.runs.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
                let hi = b.runs.iter().map(|r| r.0).fold(0.0, f64::max);
                let [c0, c1, c2] = b.parabola;
                let line = if lo < hi {
                    (log_space(lo, hi, SAMPLES).into_iter())
                        .map(|n| (n, c0 + c1 * n.log10() + c2 * n.log10().powi(2)))
                        .collect()
                } else {
                    Vec::new()
                };
                SliceCurve {
                    colour: budget_colour(i, n),
                    label: budget_text(b.compute),
                    runs: b.runs.clone(),
                    line,
                    minimum: b.minimum.map(|m| (m.0, m.2)),
                }
            })
            .collect();
        Slices {
            params: minima.params_axis(),
            loss: minima.loss_range(),
            curves,
            caption: "parabola's minimum",
        }
    }

    fn law(minima: &Minima, allocator: &Allocator) -> Slices {
        let n = minima.budgets.len();
        let params = minima.params_axis();
        let k = allocator.flops_per_param_token();
        let curves = (minima.budgets.iter().enumerate())
            .map(|(i, b)| {
                let line = (params.samples(SAMPLES).into_iter())
                    .map(|p| (p, allocator.loss(p, b.compute / (k * p))))
                    .filter(|q| q.1.is_finite())
                    .collect();
                let opt = allocator.optimal_for_compute(b.compute);
                SliceCurve {
                    colour: budget_colour(i, n),
                    label: budget_text(b.compute),
                    runs: b.runs.clone(),
                    line,
                    minimum: Some((opt.n_params, allocator.loss(opt.n_params, opt.n_tokens))),
                }
            })
            .collect();
        Slices {
            params,
            loss: minima.loss_range(),
            curves,
            caption: "fitted law's minimum",
        }
    }
}

impl Figure for Slices {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let (width, _) = area.dim_in_pixel();
        let column = theme.pt(44.0) as u32;
        let (left, legend) = area.split_horizontally(width - column);
        let mut chart = build(&left, theme, None, self.params.coord(), self.loss.clone())?;
        let axes = Axes {
            x_desc: "Parameters",
            y_desc: "Training loss",
            x_scale: Log,
            y_scale: Linear,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let clip = clip_box(&chart, Log, Linear);
        let dot = theme.pt(1.6) as u32;
        for c in &self.curves {
            let runs = c.runs.iter().filter(|p| clip.contains(**p));
            chart.draw_series(runs.map(|&p| Circle::new(p, dot, c.colour.mix(0.75).filled())))?;
            draw_clipped_line(
                &mut chart,
                &clip,
                &c.line,
                stroke(theme, c.colour, 1.0),
                None,
            )?;
        }
        let minima: Vec<(f64, f64)> = self.curves.iter().filter_map(|c| c.minimum).collect();
        let size = theme.pt(3.0) as i32;
        let marks = minima
            .iter()
            .filter(|p| clip.contains(**p))
            .map(|&p| plotters::element::Cross::new(p, size, stroke(theme, BLACK, 0.9)));
        chart.draw_series(marks)?;
        // The budgets in a column beside the chart, top down, with the minimum's mark.
        let row = theme.pt(10.0) as i32;
        let style = theme.small().pos(Pos::new(HPos::Left, VPos::Center));
        let top = chart.plotting_area().get_base_pixel().1 - legend.get_base_pixel().1;
        let x0 = theme.pt(2.0) as i32;
        let mark = theme.pt(9.0) as i32;
        legend.draw(&Text::new(
            "FLOPs".to_string(),
            (x0, top + row / 2),
            style.clone(),
        ))?;
        for (i, c) in self.curves.iter().enumerate() {
            let y = top + row * (i as i32 + 1) + row / 2;
            legend.draw(&PathElement::new(
                vec![(x0, y), (x0 + mark, y)],
                stroke(theme, c.colour, 1.4),
            ))?;
            legend.draw(&Text::new(
                c.label.clone(),
                (x0 + mark + x0, y),
                style.clone(),
            ))?;
        }
        let y = top + row * (self.curves.len() as i32 + 1) + row / 2;
        legend.draw(&plotters::element::Cross::new(
            (x0 + mark / 2, y),
            size,
            stroke(theme, BLACK, 0.9),
        ))?;
        legend.draw(&Text::new("min.".to_string(), (x0 + mark + x0, y), style))?;
        let _ = self.caption;
        Ok(())
    }
}

/// Figure 3 centre (parameters) or right (tokens): the budgets' minima against FLOPs, our
/// power law and its projection, the paper's.
struct Frontier {
    points: Vec<(f64, f64, plotters::style::RGBColor)>,
    ours: (f64, f64),
    published: Projection,
    compute: LogAxis,
    params: bool,
    data_extent: (f64, f64),
}

impl Frontier {
    fn new(minima: &Minima, analysis: &IsoflopAnalysis, compute: LogAxis, params: bool) -> Self {
        let n = minima.budgets.len();
        let points = (minima.budgets.iter().enumerate())
            .filter_map(|(i, b)| {
                let m = b.minimum?;
                Some((
                    b.compute,
                    if params { m.0 } else { m.1 },
                    budget_colour(i, n),
                ))
            })
            .collect::<Vec<_>>();
        let law = if params {
            &analysis.params
        } else {
            &analysis.tokens
        };
        let lo = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let hi = points.iter().map(|p| p.0).fold(0.0, f64::max);
        Frontier {
            points,
            ours: (law.coefficient, law.exponent.value),
            published: projections()[1].clone(),
            compute,
            params,
            data_extent: (lo, hi),
        }
    }

    fn value(&self, c: f64) -> f64 {
        self.ours.0 * c.powf(self.ours.1)
    }

    fn published(&self, c: f64) -> f64 {
        if self.params {
            self.published.n_params(c)
        } else {
            self.published.n_tokens(c)
        }
    }
}

impl Figure for Frontier {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let axis = if self.params {
            padded(1e7, 1e12)
        } else {
            padded(1e8, 1e13)
        };
        let mut chart = build(area, theme, None, self.compute.coord(), axis.coord())?;
        let axes = Axes {
            x_desc: "FLOPs",
            y_desc: if self.params { "Parameters" } else { "Tokens" },
            x_scale: Log,
            y_scale: Log,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let clip = clip_box(&chart, Log, Log);
        let (lo, hi) = self.data_extent;
        let shade = lighten(QUALITATIVE[5], 0.75).filled();
        let (lo, hi) = (lo.max(self.compute.lo), hi.min(self.compute.hi));
        if lo < hi {
            chart.draw_series(std::iter::once(Polygon::new(
                vec![(lo, axis.lo), (hi, axis.lo), (hi, axis.hi), (lo, axis.hi)],
                shade,
            )))?;
        }
        let grid = self.compute.samples(SAMPLES);
        let published: Vec<(f64, f64)> = grid.iter().map(|&c| (c, self.published(c))).collect();
        draw_clipped_line(
            &mut chart,
            &clip,
            &published,
            stroke(theme, QUALITATIVE[2], 1.2),
            None,
        )?;
        let ours: Vec<(f64, f64)> = grid.iter().map(|&c| (c, self.value(c))).collect();
        dashed(&mut chart, &clip, &ours, theme, BLACK)?;
        let dot = theme.pt(2.2) as u32;
        let points = self.points.iter().filter(|p| clip.contains((p.0, p.1)));
        chart
            .draw_series(points.map(|&(c, v, colour)| Circle::new((c, v), dot, colour.filled())))?;
        let mut labels = Vec::new();
        let at = (GOPHER_BUDGET, self.value(GOPHER_BUDGET));
        if clip.contains(at) {
            chart.draw_series(std::iter::once(Circle::new(at, dot, BLACK.filled())))?;
            chart.draw_series(std::iter::once(Circle::new(
                at,
                dot + 2,
                WHITE.stroke_width(1),
            )))?;
            labels.push(Label {
                at,
                text: format_count(at.1),
            });
        }
        let (symbol, exponent) = if self.params {
            ("a", self.published.a)
        } else {
            ("b", self.published.b)
        };
        let legend = vec![
            (
                Key::Dot(budget_colour(4, 9)),
                "IsoFLOP minima (ours)".to_string(),
            ),
            (Key::Dot(BLACK), "ours at Gopher's budget".to_string()),
            (
                Key::Dashed(BLACK, 1.2),
                format!("ours: {symbol} = {}", format_exponent(self.ours.1)),
            ),
            (
                Key::Line(QUALITATIVE[2], 1.2),
                format!("paper: {symbol} = {exponent:.2}"),
            ),
            (
                Key::Shade(lighten(QUALITATIVE[5], 0.75)),
                "budgets fitted".to_string(),
            ),
        ];
        let legend_box = draw_legend(&chart, area, theme, &legend, Corner::UpperLeft)?;
        let r = theme.pt(2.5) as i32;
        let mut avoid: Vec<_> = (self.points.iter())
            .map(|p| chart.backend_coord(&(p.0, p.1)))
            .map(|(x, y)| (x - r, y - r, x + r, y + r))
            .collect();
        avoid.push(legend_box);
        draw_labels(&chart, area, theme, &labels, &avoid)?;
        Ok(())
    }
}

/// Figure 4 left: iso-loss contours of the fitted law, IsoFLOP lines, the efficient frontier.
struct Contours<'a> {
    allocator: &'a Allocator,
    runs: Vec<(f64, f64, f64)>,
    compute: LogAxis,
    params: LogAxis,
}

impl<'a> Contours<'a> {
    fn new(allocator: &'a Allocator, data: &Dataset) -> Self {
        let runs: Vec<(f64, f64, f64)> = (0..data.len())
            .map(|i| (data.compute[i], data.n_params[i], data.loss[i]))
            .collect();
        Contours {
            allocator,
            runs,
            compute: LogAxis::between(1e18, 1e24),
            params: padded(1e7, 1e12),
        }
    }

    /// The contour at `level` as (C, N) points.
    fn contour(&self, level: f64) -> Vec<(f64, f64)> {
        let k = self.allocator.flops_per_param_token();
        (self.params.samples(SAMPLES * 2).into_iter())
            .filter_map(|n| {
                let gap = |log_d: f64| level.ln() - self.allocator.loss(n, log_d.exp()).ln();
                let log_d = crate::answer::allocation::bisect_increasing(gap, (20.0 * n).ln())?;
                let c = k * n * log_d.exp();
                c.is_finite().then_some((c, n))
            })
            .collect()
    }
}

/// Colour of a loss on the contour map.
fn loss_colour(loss: f64) -> plotters::style::RGBColor {
    viridis(0.9 * ((loss - 2.0) / 1.6).clamp(0.0, 1.0))
}

impl Figure for Contours<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let mut chart = build(area, theme, None, self.compute.coord(), self.params.coord())?;
        let axes = Axes {
            x_desc: "FLOPs",
            y_desc: "Parameters",
            x_scale: Log,
            y_scale: Log,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let clip = clip_box(&chart, Log, Log);
        for &c in &ISOFLOP_BUDGETS {
            let line = [(c, self.params.lo), (c, self.params.hi)];
            dashed(&mut chart, &clip, &line, theme, RGBColor(150, 150, 150))?;
        }
        let dot = theme.pt(1.4) as u32;
        let runs = self.runs.iter().filter(|r| clip.contains((r.0, r.1)));
        chart.draw_series(runs.map(|r| Circle::new((r.0, r.1), dot, loss_colour(r.2).filled())))?;
        let mut labels = Vec::new();
        for level in CONTOUR_LEVELS {
            let line = self.contour(level);
            draw_clipped_line(
                &mut chart,
                &clip,
                &line,
                stroke(theme, loss_colour(level), 1.0),
                None,
            )?;
            // The value at the right end of the contour's lower branch, away from the
            // frontier and the runs.
            if let Some(&at) = (line.iter())
                .filter(|p| clip.contains(**p))
                .max_by(|a, b| a.0.total_cmp(&b.0))
            {
                labels.push(Label {
                    at,
                    text: format!("{level}"),
                });
            }
        }
        let frontier: Vec<(f64, f64)> = (self.compute.samples(SAMPLES).into_iter())
            .map(|c| (c, self.allocator.optimal_for_compute(c).n_params))
            .collect();
        draw_clipped_line(
            &mut chart,
            &clip,
            &frontier,
            stroke(theme, QUALITATIVE[0], 1.6),
            None,
        )?;
        let at = (
            GOPHER_BUDGET,
            self.allocator.optimal_for_compute(GOPHER_BUDGET).n_params,
        );
        if clip.contains(at) {
            chart.draw_series(std::iter::once(Circle::new(
                at,
                theme.pt(2.4) as u32,
                QUALITATIVE[1].filled(),
            )))?;
            labels.push(Label {
                at,
                text: format_count(at.1),
            });
        }
        let legend = vec![
            (
                Key::Line(QUALITATIVE[0], 1.6),
                "efficient frontier".to_string(),
            ),
            (
                Key::Dot(QUALITATIVE[1]),
                "N* at Gopher's budget".to_string(),
            ),
            (Key::Dashed(BLACK, 1.0), "IsoFLOP budgets".to_string()),
            (
                Key::Line(loss_colour(2.5), 1.0),
                "iso-loss contour".to_string(),
            ),
        ];
        let legend_box = draw_legend(&chart, area, theme, &legend, Corner::UpperLeft)?;
        draw_labels(&chart, area, theme, &labels, &[legend_box])?;
        let _ = WHITE;
        Ok(())
    }
}
