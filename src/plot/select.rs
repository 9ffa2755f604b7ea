//! Held-out error against compute, one series per law: which law's extrapolations stay close
//! as compute grows (the figure of `select`).
//!
//! Each held-out run of the verdict's check (rolling origin, or the largest-compute split) is a
//! faint dot at `(C, |predicted − observed| / observed)`; a line per law joins the median error
//! of the runs at each compute level (runs within 0.05 decades of each other). Both axes are
//! logarithmic; errors below 0.01% are drawn at 0.01%.

use std::path::Path;

use plotters::chart::SeriesLabelPosition;
use plotters::element::Circle;
use plotters::prelude::DrawingBackend;
use plotters::style::Color;

use super::axes::LogAxis;
use super::chart::{Axes, build, clip_box, draw_clipped_line, draw_mesh};
use super::clip::Scale;
use super::legend::draw_legend;
use super::render::{Area, DrawResult, Figure, check_output, render, write_image};
use super::style::{QUALITATIVE, Theme};
use super::{ImageFormat, PlotOptions};
use crate::check::select::Selection;
use crate::error::Error;
use crate::stats::median;

/// Smallest error drawn (errors below are drawn here), as a fraction.
const FLOOR: f64 = 1e-4;
/// Width of a compute level of the median line, decades.
const LEVEL_DEX: f64 = 0.05;

struct Series {
    law: String,
    points: Vec<(f64, f64)>,
    medians: Vec<(f64, f64)>,
}

struct HeldOutErrors {
    series: Vec<Series>,
    compute: LogAxis,
    error: LogAxis,
}

/// Draw the held-out relative error of every law of `selection` against compute.
///
/// # Errors
///
/// [`Error::InvalidOption`] for an unknown file extension or a bad image size, or when no law
/// has a held-out run; [`Error::Io`] naming `path` when the image cannot be written.
pub fn held_out_errors(
    path: &Path,
    selection: &Selection,
    opts: &PlotOptions,
) -> Result<(), Error> {
    let format = check_output(path, opts)?;
    write_image(path, &held_out_errors_image(selection, opts, format)?)
}

/// [`held_out_errors`] drawn into memory: SVG text or PNG bytes, by `format`.
pub(crate) fn held_out_errors_image(
    selection: &Selection,
    opts: &PlotOptions,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    opts.validate()?;
    let rolling = selection.verdict.basis == "rolling_origin";
    let series: Vec<Series> = selection
        .laws
        .iter()
        .filter_map(|l| {
            let check = if rolling {
                l.rolling_origin.as_ref()?
            } else {
                &l.largest_compute
            };
            let mut points: Vec<(f64, f64)> = check
                .runs
                .iter()
                .filter(|r| r.compute.is_finite() && r.relative_error.is_finite())
                .map(|r| (r.compute, r.relative_error.max(FLOOR)))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Some(Series {
                law: l.law.clone(),
                medians: medians(&points),
                points,
            })
        })
        .filter(|s| !s.points.is_empty())
        .collect();
    let all = || series.iter().flat_map(|s| s.points.iter());
    let (Some(compute), Some(error)) = (
        LogAxis::covering(all().map(|p| p.0), 0.1),
        LogAxis::covering(all().map(|p| p.1), 0.15),
    ) else {
        return Err(Error::invalid_option(
            "--plot",
            "no law has a held-out run to draw",
        ));
    };
    let check = if rolling {
        "rolling origin"
    } else {
        "largest-compute runs held out"
    };
    let title = opts.title_or(format!("Held-out error against compute ({check})"));
    render(
        format,
        opts,
        &title,
        &HeldOutErrors {
            series,
            compute,
            error,
        },
    )
}

/// Median error of each compute level of `points` (sorted by compute).
fn medians(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < points.len() {
        let base = points[start].0.log10();
        let end = (start..points.len())
            .find(|&i| points[i].0.log10() - base > LEVEL_DEX)
            .unwrap_or(points.len());
        let level = &points[start..end];
        let xs: Vec<f64> = level.iter().map(|p| p.0.log10()).collect();
        let ys: Vec<f64> = level.iter().map(|p| p.1).collect();
        out.push((10f64.powf(median(&xs)), median(&ys)));
        start = end;
    }
    out
}

impl Figure for HeldOutErrors {
    fn draw<DB: DrawingBackend>(&self, area: &Area<DB>, theme: &Theme) -> DrawResult {
        let mut chart = build(area, theme, None, self.compute.coord(), self.error.coord())?;
        let axes = Axes {
            x_desc: "Training compute C (FLOPs) of the held-out run",
            y_desc: "|predicted - observed| / observed",
            x_scale: Scale::Log,
            y_scale: Scale::Log,
        };
        draw_mesh(&mut chart, theme, &axes)?;
        let clip = clip_box(&chart, Scale::Log, Scale::Log);
        let size = theme.px(3.0);
        for (i, s) in self.series.iter().enumerate() {
            let colour = QUALITATIVE[i % QUALITATIVE.len()];
            chart.draw_series(
                s.points
                    .iter()
                    .map(|&p| Circle::new(p, size, colour.mix(0.35).filled())),
            )?;
            let style = colour.stroke_width(theme.px(2.0));
            let label = format!("{} (median per compute level)", s.law);
            draw_clipped_line(&mut chart, &clip, &s.medians, style, Some(&label))?;
            chart.draw_series(
                s.medians
                    .iter()
                    .map(|&p| Circle::new(p, theme.px(4.0), colour.filled())),
            )?;
        }
        draw_legend(&mut chart, theme, SeriesLabelPosition::UpperLeft)
    }
}
