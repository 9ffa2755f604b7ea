//! Legends: plotters' own, inside a chart, and a hand-drawn one in a column beside a chart.

use plotters::chart::SeriesLabelPosition;
use plotters::coord::ranged1d::Ranged;
use plotters::element::{Circle, Cross, PathElement, Rectangle};
use plotters::prelude::{BLACK, DrawingBackend, WHITE};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, ShapeStyle};

use super::chart::Chart;
use super::render::{Area, DrawResult};
use super::style::Theme;

/// The legend of the series that have labels.
pub(super) fn draw_legend<'a, DB, X, Y>(
    chart: &mut Chart<'a, DB, X, Y>,
    theme: &Theme,
    position: SeriesLabelPosition,
) -> DrawResult
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .configure_series_labels()
        .position(position)
        .margin(theme.px(LEGEND_MARGIN))
        .legend_area_size(legend_mark_width(theme))
        .label_font(theme.small())
        .background_style(WHITE.mix(0.88))
        .border_style(BLACK.mix(0.35))
        .draw()?;
    Ok(())
}

/// Padding inside a legend box, pixels at the reference size.
const LEGEND_MARGIN: f64 = 8.0;
/// Width of the marks before a legend's text, pixels at the reference size; never less, as the
/// marks (see [`legend_line`](super::chart::legend_line)) are drawn 20 pixels wide at every size.
const LEGEND_MARK_WIDTH: f64 = 26.0;

fn legend_mark_width(theme: &Theme) -> u32 {
    theme.px(LEGEND_MARK_WIDTH).max(LEGEND_MARK_WIDTH as u32)
}

/// How a legend entry drawn by [`draw_side_legend`] is marked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mark {
    /// A line with a dot on it: a curve with its points.
    LineAndDot(RGBColor),
    /// A cross.
    Cross(ShapeStyle),
    /// A shaded band.
    Band(ShapeStyle),
    /// No mark: a note, or the second line of the entry above.
    Note,
}

/// One entry of a side legend.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LegendEntry {
    pub mark: Mark,
    pub text: String,
}

/// A legend in its own column `area` (beside a chart rather than over it), from `top` pixels
/// down. plotters' own legends are confined to the plotting area.
pub(super) fn draw_side_legend<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    top: i32,
    entries: &[LegendEntry],
) -> DrawResult {
    let (_, height) = area.dim_in_pixel();
    let fits = (height as i32 - top) / entries.len().max(1) as i32;
    let row = (theme.px(24.0) as i32).min(fits.max(1));
    let (x0, mark_width) = (theme.px(6.0) as i32, theme.px(26.0) as i32);
    let text_style = theme.small().pos(Pos::new(HPos::Left, VPos::Center));
    for (i, entry) in entries.iter().enumerate() {
        let y = top + row / 2 + row * i as i32;
        let middle = (x0 + mark_width / 2, y);
        match entry.mark {
            Mark::LineAndDot(colour) => {
                let line = colour.stroke_width(theme.px(2.0));
                area.draw(&PathElement::new(vec![(x0, y), (x0 + mark_width, y)], line))?;
                area.draw(&Circle::new(middle, theme.px(5.0), colour.filled()))?;
            }
            Mark::Cross(style) => area.draw(&Cross::new(middle, theme.px(7.0), style))?,
            Mark::Band(style) => {
                let half = theme.px(6.0) as i32;
                area.draw(&Rectangle::new(
                    [(x0, y - half), (x0 + mark_width, y + half)],
                    style,
                ))?;
            }
            Mark::Note => {}
        }
        area.draw_text(
            &entry.text,
            &text_style,
            (x0 + mark_width + theme.px(8.0) as i32, y),
        )?;
    }
    Ok(())
}
