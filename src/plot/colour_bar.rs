//! A vertical colour bar: the colour map over a range, with ticks at given values.

use plotters::chart::ChartBuilder;
use plotters::element::{PathElement, Rectangle};
use plotters::prelude::{BLACK, DrawingBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontTransform, RGBColor};

use super::render::{Area, DrawResult};
use super::style::{Theme, format_number};

/// Bands the gradient is drawn with.
const STEPS: usize = 200;
/// Width of the bar, pixels at the reference size.
const BAR_WIDTH: f64 = 28.0;

/// What a colour bar shows.
pub(super) struct ColourBar<'a> {
    /// Values at the bottom and top.
    pub range: (f64, f64),
    /// Values marked and labelled.
    pub ticks: &'a [f64],
    /// Description beside the labels.
    pub desc: &'a str,
}

impl ColourBar<'_> {
    /// Draw the bar in `area` with `colour` mapping values to colours. The margins match
    /// [`super::chart::build`], so the bar spans the height of a chart beside it. The ticks are
    /// drawn here rather than by the mesh, which would choose its own values.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        theme: &Theme,
        colour: impl Fn(f64) -> RGBColor,
    ) -> DrawResult {
        let (lo, hi) = self.range;
        let (width, height) = area.dim_in_pixel();
        let mut builder = ChartBuilder::on(area);
        builder
            .margin(theme.px(12.0))
            .margin_right(width.saturating_sub(theme.px(12.0 + BAR_WIDTH)))
            .x_label_area_size(theme.px(52.0));
        let mut chart = builder.build_cartesian_2d(0.0..1.0, lo..hi)?;
        let step = (hi - lo) / STEPS as f64;
        chart.draw_series((0..STEPS).map(|i| {
            let y0 = lo + step * i as f64;
            let fill = colour(y0 + 0.5 * step).filled();
            Rectangle::new([(0.0, y0), (1.0, y0 + step)], fill)
        }))?;
        let outline = Rectangle::new([(0.0, lo), (1.0, hi)], BLACK.stroke_width(1));
        chart.draw_series(std::iter::once(outline))?;
        let (origin_x, origin_y) = area.get_base_pixel();
        let ticks: Vec<(f64, (i32, i32))> = (self.ticks.iter())
            .map(|&v| {
                let (x, y) = chart.backend_coord(&(1.0, v));
                (v, (x - origin_x, y - origin_y))
            })
            .collect();
        self.draw_labels(area, theme, &ticks, (width, height))
    }

    /// Tick marks and labels at `ticks` (value, pixel on the bar's right edge), and the
    /// description along the right side of `area`, of `size` pixels.
    fn draw_labels<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        theme: &Theme,
        ticks: &[(f64, (i32, i32))],
        (width, height): (u32, u32),
    ) -> DrawResult {
        let tick = theme.px(5.0) as i32;
        let label_style = theme.tick().pos(Pos::new(HPos::Left, VPos::Center));
        for &(value, (x, y)) in ticks {
            area.draw(&PathElement::new(vec![(x - tick, y), (x + tick, y)], BLACK))?;
            area.draw_text(&format_number(value), &label_style, (x + 2 * tick, y))?;
        }
        let desc_style = (theme.axis())
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let desc_x = width as i32 - theme.px(14.0) as i32;
        area.draw_text(self.desc, &desc_style, (desc_x, height as i32 / 2))?;
        Ok(())
    }
}
