//! The chained task-accuracy laws (`scaling-laws task --plot`), one row of three panels per
//! task, as Bhagia et al. 2024 draw theirs:
//!
//! ```text
//! step 1:   task loss against C = 6·N·D: each run's final point, step 1's law along each
//!           size's tokens, its compute-optimal frontier (dashed), the targets' predictions
//! step 2:   accuracy against task loss: the evaluations fitted (moving averages), the fitted
//!           curve, the random-guess floor (dotted), the targets with their intervals
//! chained:  accuracy against C: each run's final accuracy, the chain along the frontier, the
//!           targets with their intervals (a withheld target is left out)
//! ```
//!
//! The figure takes plain series (computed by [`crate::commands::task`]), so that it knows
//! nothing of fits.

use plotters::element::{Circle, PathElement, TriangleMarker};
use plotters::prelude::{BLACK, DrawingBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor};

use super::axes::{LogAxis, linear_range};
use super::chart::{Axes, build, clip_box, draw_clipped_line, draw_mesh};
use super::clip::ClipBox;
use super::clip::Scale::{Linear, Log};
use super::envelope::size_text;
use super::render::{Area, DrawResult, Figure, check_output, render, write_image};
use super::style::{Theme, viridis};
use super::{ImageFormat, PlotOptions};
use crate::error::Error;

/// Most tasks in one figure (a row each).
pub const MAX_TASK_ROWS: usize = 12;
/// Height of a task's row, inches.
const ROW_INCHES: f64 = 2.2;

/// The figure's size for `tasks` rows: 6.75 inches wide, 2.2 inches a row (plus the title).
pub fn task_options(tasks: usize) -> PlotOptions {
    PlotOptions::inches(
        6.75,
        0.3 + ROW_INCHES * tasks.clamp(1, MAX_TASK_ROWS) as f64,
    )
}

/// One run, as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRun {
    /// Parameters N (its colour).
    pub params: f64,
    /// Compute of its final point, `6·N·D`.
    pub compute: f64,
    /// Its final task loss (step 1's point).
    pub task_loss: f64,
    /// Its final accuracy.
    pub accuracy: f64,
    /// Step 2's points of the run: task loss and accuracy (moving averages).
    pub evaluations: Vec<(f64, f64)>,
}

/// A target's prediction, as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskTarget {
    /// Its name.
    pub name: String,
    /// Its compute, `6·N·D`.
    pub compute: f64,
    /// Step 1's task loss.
    pub task_loss: f64,
    /// The chained accuracy and its interval; `None` when withheld.
    pub accuracy: Option<(f64, Option<(f64, f64)>)>,
}

/// One task's row.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskPanel {
    /// The task's name.
    pub task: String,
    /// Its verdict's first words (`predictable`, `flagged`, …).
    pub verdict: String,
    /// Random-guess accuracy.
    pub floor: f64,
    /// The runs fitted.
    pub runs: Vec<TaskRun>,
    /// Step 1's law along each size's tokens: N and (compute, task loss).
    pub step1: Vec<(f64, Vec<(f64, f64)>)>,
    /// Step 1's compute-optimal frontier (compute, task loss), when the law has one.
    pub frontier: Vec<(f64, f64)>,
    /// Step 2's curve (task loss, accuracy).
    pub step2: Vec<(f64, f64)>,
    /// The chain along the frontier (compute, accuracy).
    pub chained: Vec<(f64, f64)>,
    /// The targets.
    pub targets: Vec<TaskTarget>,
}

/// Draw `panels` to `path` (`.png`, `.svg` or `.pdf`), written atomically.
///
/// # Errors
///
/// As [`task_image`]; an unknown extension (naming `--plot`); [`Error::Io`] naming `path`
/// when the image cannot be written.
pub fn task_figure(
    path: &std::path::Path,
    panels: &[TaskPanel],
    level: Option<f64>,
    opts: &PlotOptions,
) -> Result<(), Error> {
    let format = check_output(path, opts).map_err(|e| match e {
        Error::InvalidOption { message, .. } => Error::invalid_option("--plot", message),
        e => e,
    })?;
    write_image(path, &task_image(panels, level, opts, format)?)
}

/// Draw `panels` into memory: SVG text, PNG or PDF bytes, by `format`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--plot` for no task or more than [`MAX_TASK_ROWS`], or a
/// bad size; [`Error::Io`] when the image cannot be drawn.
pub fn task_image(
    panels: &[TaskPanel],
    level: Option<f64>,
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    opts.validate()?;
    if panels.is_empty() || panels.len() > MAX_TASK_ROWS {
        return Err(Error::invalid_option(
            "--plot",
            format!(
                "the figure draws 1 to {MAX_TASK_ROWS} tasks, a row each; this call has {} \
                 (choose them with --task)",
                panels.len()
            ),
        ));
    }
    let title = opts.title_or(format!(
        "Task accuracy chained through the task loss ({} task{})",
        panels.len(),
        if panels.len() == 1 { "" } else { "s" }
    ));
    render(format, opts, &title, &TaskFigure { panels, level })
}

struct TaskFigure<'a> {
    panels: &'a [TaskPanel],
    level: Option<f64>,
}

/// The colour of size `n` among `sizes` (ascending).
fn size_colour(sizes: &[f64], n: f64) -> RGBColor {
    let i = sizes.iter().position(|&s| s == n).unwrap_or(0);
    viridis(0.9 * i as f64 / (sizes.len().max(2) - 1) as f64)
}

impl Figure for TaskFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let (strip, body) = area.split_vertically(theme.pt(16.0) as u32);
        let rows = body.split_evenly((self.panels.len(), 3));
        let mut all: Vec<f64> = Vec::new();
        for (i, panel) in self.panels.iter().enumerate() {
            let mut sizes: Vec<f64> = panel.runs.iter().map(|r| r.params).collect();
            sizes.sort_by(f64::total_cmp);
            sizes.dedup();
            let row = &rows[3 * i..3 * i + 3];
            draw_step1(&row[0], theme, panel, &sizes)?;
            draw_step2(&row[1], theme, panel, &sizes)?;
            draw_chained(&row[2], theme, panel, &sizes)?;
            all.extend(sizes);
        }
        all.sort_by(f64::total_cmp);
        all.dedup();
        draw_key(&strip, theme, &all, self.level)
    }
}

/// The key, in one line across the top: the sizes' colours, the lines and the targets.
fn draw_key<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    sizes: &[f64],
    level: Option<f64>,
) -> DrawResult {
    let text_style = theme.small().pos(Pos::new(HPos::Left, VPos::Center));
    let (_, height) = area.dim_in_pixel();
    let y = height as i32 / 2;
    let (mark, gap, space) = (
        theme.pt(12.0) as i32,
        theme.pt(3.0) as i32,
        theme.pt(10.0) as i32,
    );
    let width = theme.pt(1.0).round().max(1.0) as u32;
    let mut x = theme.pt(12.0) as i32;
    let entry = |x: &mut i32, text: &str, draw: &dyn Fn(i32) -> DrawResult| -> DrawResult {
        draw(*x)?;
        area.draw_text(text, &text_style, (*x + mark + gap, y))?;
        let (w, _) = area
            .estimate_text_size(text, &text_style)
            .map_err(|e| super::render::DrawError(e.to_string()))?;
        *x += mark + gap + w as i32 + space;
        Ok(())
    };
    for &n in sizes {
        let colour = size_colour(sizes, n);
        entry(&mut x, &size_text(n), &|x0| {
            area.draw(&Circle::new(
                (x0 + mark / 2, y),
                theme.pt(1.8) as u32,
                colour.filled(),
            ))?;
            Ok(())
        })?;
    }
    entry(&mut x, "compute-optimal", &|x0| {
        let style = BLACK.mix(0.7).stroke_width(width);
        let third = mark / 3;
        area.draw(&PathElement::new(vec![(x0, y), (x0 + third, y)], style))?;
        area.draw(&PathElement::new(
            vec![(x0 + 2 * third, y), (x0 + mark, y)],
            style,
        ))?;
        Ok(())
    })?;
    entry(&mut x, "law", &|x0| {
        area.draw(&PathElement::new(
            vec![(x0, y), (x0 + mark, y)],
            BLACK.stroke_width(width + 1),
        ))?;
        Ok(())
    })?;
    let targets = match level {
        Some(l) => format!("targets ({:.0}% interval)", 100.0 * l),
        None => "targets".to_string(),
    };
    entry(&mut x, &targets, &|x0| {
        area.draw(&TriangleMarker::new(
            (x0 + mark / 2, y),
            target_mark(theme),
            BLACK.filled(),
        ))?;
        Ok(())
    })
}

/// The targets' accuracies and the ends of their intervals, for an accuracy axis.
fn target_accuracies(panel: &TaskPanel) -> impl Iterator<Item = f64> + '_ {
    (panel.targets.iter().filter_map(|t| t.accuracy)).flat_map(|(a, i)| {
        [Some(a), i.map(|i| i.0), i.map(|i| i.1)]
            .into_iter()
            .flatten()
    })
}

/// The compute axis: the runs' and the targets' compute, padded.
fn compute_axis(panel: &TaskPanel) -> LogAxis {
    let values =
        (panel.runs.iter().map(|r| r.compute)).chain(panel.targets.iter().map(|t| t.compute));
    LogAxis::covering(values, 0.15).unwrap_or_else(|| LogAxis::between(1e18, 1e23))
}

fn target_mark(theme: &Theme) -> u32 {
    theme.pt(3.2) as u32
}

fn draw_step1<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    panel: &TaskPanel,
    sizes: &[f64],
) -> DrawResult {
    let compute = compute_axis(panel);
    let values =
        (panel.runs.iter().map(|r| r.task_loss)).chain(panel.targets.iter().map(|t| t.task_loss));
    let loss = linear_range(values, 0.08).unwrap_or(0.5..1.5);
    let mut chart = build(area, theme, Some(&panel.task), compute.coord(), loss)?;
    let axes = Axes {
        x_desc: "FLOPs",
        y_desc: "Task loss",
        x_scale: Log,
        y_scale: Linear,
    };
    draw_mesh(&mut chart, theme, &axes)?;
    let clip = clip_box(&chart, Log, Linear);
    for (n, line) in &panel.step1 {
        let style = size_colour(sizes, *n).stroke_width(theme.pt(0.8).round().max(1.0) as u32);
        draw_clipped_line(&mut chart, &clip, line, style, None)?;
    }
    draw_dashed(&mut chart, &clip, &panel.frontier, theme)?;
    let dot = theme.pt(1.6) as u32;
    let runs = panel
        .runs
        .iter()
        .map(|r| (r.compute, r.task_loss, r.params));
    chart.draw_series(
        runs.filter(|p| clip.contains((p.0, p.1)))
            .map(|p| Circle::new((p.0, p.1), dot, size_colour(sizes, p.2).filled())),
    )?;
    let targets = panel.targets.iter().map(|t| (t.compute, t.task_loss));
    chart.draw_series(
        targets
            .filter(|p| clip.contains(*p))
            .map(|p| TriangleMarker::new(p, target_mark(theme), BLACK.filled())),
    )?;
    Ok(())
}

fn draw_step2<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    panel: &TaskPanel,
    sizes: &[f64],
) -> DrawResult {
    let all = panel
        .runs
        .iter()
        .flat_map(|r| r.evaluations.iter().copied());
    let xs = all
        .clone()
        .map(|p| p.0)
        .chain(panel.targets.iter().map(|t| t.task_loss));
    let loss = linear_range(xs, 0.05).unwrap_or(0.5..1.5);
    let ys = all
        .map(|p| p.1)
        .chain([panel.floor])
        .chain(target_accuracies(panel));
    let accuracy = linear_range(ys, 0.06).unwrap_or(0.0..1.0);
    let caption = format!("step 2 ({})", panel.verdict);
    let mut chart = build(area, theme, Some(&caption), loss.clone(), accuracy)?;
    let axes = Axes {
        x_desc: "Task loss",
        y_desc: "Accuracy",
        x_scale: Linear,
        y_scale: Linear,
    };
    draw_mesh(&mut chart, theme, &axes)?;
    let clip = clip_box(&chart, Linear, Linear);
    let dot = theme.pt(0.9) as u32;
    for run in &panel.runs {
        let fill = size_colour(sizes, run.params).mix(0.45).filled();
        chart.draw_series(
            (run.evaluations.iter())
                .filter(|&&p| clip.contains(p))
                .map(|&p| Circle::new(p, dot, fill)),
        )?;
    }
    let floor = [(loss.start, panel.floor), (loss.end, panel.floor)];
    draw_dashed(&mut chart, &clip, &floor, theme)?;
    let style = BLACK.stroke_width(theme.pt(1.1) as u32);
    draw_clipped_line(&mut chart, &clip, &panel.step2, style, None)?;
    draw_targets(&mut chart, &clip, theme, panel, |t| t.task_loss)?;
    Ok(())
}

fn draw_chained<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    panel: &TaskPanel,
    sizes: &[f64],
) -> DrawResult {
    let compute = compute_axis(panel);
    let ys = (panel.runs.iter().map(|r| r.accuracy)).chain(target_accuracies(panel));
    let accuracy = linear_range(ys, 0.08).unwrap_or(0.0..1.0);
    let mut chart = build(area, theme, Some("chained"), compute.coord(), accuracy)?;
    let axes = Axes {
        x_desc: "FLOPs",
        y_desc: "Accuracy",
        x_scale: Log,
        y_scale: Linear,
    };
    draw_mesh(&mut chart, theme, &axes)?;
    let clip = clip_box(&chart, Log, Linear);
    let style = BLACK.stroke_width(theme.pt(1.1) as u32);
    draw_clipped_line(&mut chart, &clip, &panel.chained, style, None)?;
    let dot = theme.pt(1.6) as u32;
    let runs = panel.runs.iter().map(|r| (r.compute, r.accuracy, r.params));
    chart.draw_series(
        runs.filter(|p| clip.contains((p.0, p.1)))
            .map(|p| Circle::new((p.0, p.1), dot, size_colour(sizes, p.2).filled())),
    )?;
    draw_targets(&mut chart, &clip, theme, panel, |t| t.compute)?;
    Ok(())
}

/// Each target with an accuracy: a triangle at `(x(target), accuracy)` and its interval as a
/// vertical bar.
fn draw_targets<DB, X>(
    chart: &mut super::chart::Chart<'_, DB, X, plotters::coord::types::RangedCoordf64>,
    clip: &ClipBox,
    theme: &Theme,
    panel: &TaskPanel,
    x: impl Fn(&TaskTarget) -> f64,
) -> DrawResult
where
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged<ValueType = f64>,
{
    for t in &panel.targets {
        let Some((a, interval)) = t.accuracy else {
            continue;
        };
        let at = x(t);
        if let Some((lo, hi)) = interval {
            let style = BLACK.stroke_width(theme.pt(0.9) as u32);
            draw_clipped_line(chart, clip, &[(at, lo), (at, hi)], style, None)?;
        }
        if clip.contains((at, a)) {
            chart.draw_series(std::iter::once(TriangleMarker::new(
                (at, a),
                target_mark(theme),
                BLACK.filled(),
            )))?;
        }
    }
    Ok(())
}

/// A thin dashed black line inside the chart.
fn draw_dashed<DB, X, Y>(
    chart: &mut super::chart::Chart<'_, DB, X, Y>,
    clip: &ClipBox,
    points: &[(f64, f64)],
    theme: &Theme,
) -> DrawResult
where
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged<ValueType = f64>,
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64>,
{
    let style = BLACK
        .mix(0.7)
        .stroke_width(theme.pt(0.8).round().max(1.0) as u32);
    let (dash, gap) = (theme.pt(3.0) as u32, theme.pt(2.0) as u32);
    for piece in clip.clip(points) {
        chart.draw_series(plotters::prelude::DashedLineSeries::new(
            piece, dash, gap, style,
        ))?;
    }
    Ok(())
}
