//! Chart pieces every figure uses: the frame, the mesh with formatted ticks, clipped lines.

use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::element::PathElement;
use plotters::prelude::{BLACK, DrawingBackend};
use plotters::style::{Color, ShapeStyle};

use super::clip::{ClipBox, Scale};
use super::render::{Area, DrawError, DrawResult};
use super::style::{Theme, format_linear_tick, format_log_tick};

/// A chart whose two axes hold f64 values.
pub(super) type Chart<'a, DB, X, Y> = ChartContext<'a, DB, Cartesian2d<X, Y>>;

/// Descriptions and scales of a chart's axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Axes<'s> {
    pub x_desc: &'s str,
    pub y_desc: &'s str,
    pub x_scale: Scale,
    pub y_scale: Scale,
}

/// A chart frame on `area` with room for tick labels and axis descriptions.
pub(super) fn build<'a, DB, X, Y>(
    area: &'a Area<DB>,
    theme: &Theme,
    caption: Option<&str>,
    x: X,
    y: Y,
) -> Result<Chart<'a, DB, X::CoordDescType, Y::CoordDescType>, DrawError>
where
    DB: DrawingBackend,
    X: AsRangedCoord,
    Y: AsRangedCoord,
{
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(theme.pt(5.0) as u32)
        .margin_right(theme.pt(10.0) as u32)
        .x_label_area_size(theme.pt(28.0) as u32)
        .y_label_area_size(theme.pt(40.0) as u32);
    if let Some(text) = caption {
        builder.caption(text, theme.caption());
    }
    Ok(builder.build_cartesian_2d(x, y)?)
}

/// Grid, axes, tick labels (`1e20` on log axes) and axis descriptions.
pub(super) fn draw_mesh<DB, X, Y>(
    chart: &mut Chart<'_, DB, X, Y>,
    theme: &Theme,
    axes: &Axes,
) -> DrawResult
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let x_span = chart.x_range().end - chart.x_range().start;
    let y_span = chart.y_range().end - chart.y_range().start;
    let format = |scale: Scale, span: f64| {
        move |v: &f64| match scale {
            Scale::Log => format_log_tick(*v),
            Scale::Linear => format_linear_tick(*v, span),
        }
    };
    let (fx, fy) = (format(axes.x_scale, x_span), format(axes.y_scale, y_span));
    // At most one tick label per 42 points of width, so that narrow panels do not crowd.
    let (width, _) = chart.plotting_area().dim_in_pixel();
    let x_labels = ((f64::from(width) / theme.pt(42.0)) as usize).clamp(3, 7);
    chart
        .configure_mesh()
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .x_labels(x_labels)
        .y_labels(7)
        .label_style(theme.tick())
        .axis_desc_style(theme.axis())
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .draw()?;
    Ok(())
}

/// The box of a chart, for clipping.
pub(super) fn clip_box<DB, X, Y>(chart: &Chart<'_, DB, X, Y>, x: Scale, y: Scale) -> ClipBox
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let (xr, yr) = (chart.x_range(), chart.y_range());
    ClipBox {
        x: (xr.start, xr.end, x),
        y: (yr.start, yr.end, y),
    }
}

/// Draw the parts of the polyline `points` that lie inside the chart; the first part carries
/// `label` into the legend when given.
pub(super) fn draw_clipped_line<DB, X, Y>(
    chart: &mut Chart<'_, DB, X, Y>,
    clip: &ClipBox,
    points: &[(f64, f64)],
    style: ShapeStyle,
    label: Option<&str>,
) -> DrawResult
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let mut label = label;
    for piece in clip.clip(points) {
        let anno = chart.draw_series(std::iter::once(PathElement::new(piece, style)))?;
        if let Some(text) = label.take() {
            anno.label(text).legend(legend_line(style));
        }
    }
    Ok(())
}

/// A rectangle in pixels: left, top, right, bottom.
pub(super) type PixelRect = (i32, i32, i32, i32);

/// A short line for a legend entry.
pub(super) fn legend_line(style: ShapeStyle) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style)
}
