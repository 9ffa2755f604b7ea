//! Text labels beside points that keep clear of each other, of the points and of legends.

use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::element::{PathElement, Text};
use plotters::prelude::{BLACK, DrawingArea, DrawingBackend};
use plotters::style::Color;

use super::chart::{Chart, PixelRect};
use super::render::DrawResult;
use super::style::Theme;

/// A text label for a point of a chart.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PointLabel {
    pub at: (f64, f64),
    pub text: String,
}

/// Rings of candidate positions tried around a point before a label gives up and overlaps.
const LABEL_RINGS: i32 = 8;

/// Draw `labels` beside their points (marked with dots of `dot` pixels), keeping clear of the
/// rectangles in `avoid` (backend pixels). See [`place`] for where each label goes.
pub(super) fn draw_point_labels<DB, X, Y>(
    chart: &Chart<'_, DB, X, Y>,
    panel: &DrawingArea<DB, Shift>,
    theme: &Theme,
    dot: u32,
    labels: &[PointLabel],
    avoid: &[PixelRect],
) -> DrawResult
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = theme.small();
    let area = chart.plotting_area();
    let (x0, y0) = area.get_base_pixel();
    let (w, h) = area.dim_in_pixel();
    let bounds = (x0, y0, x0 + w as i32, y0 + h as i32);
    let r = dot as i32 + 1;
    let points: Vec<(i32, i32)> = labels.iter().map(|l| chart.backend_coord(&l.at)).collect();
    let mut taken: Vec<PixelRect> = (points.iter())
        .map(|&(x, y)| (x - r, y - r, x + r, y + r))
        .chain(avoid.iter().copied())
        .collect();
    let (origin_x, origin_y) = panel.get_base_pixel();
    let shift = |(x, y): (i32, i32)| (x - origin_x, y - origin_y);
    let gap = r + theme.px(3.0) as i32;
    for (label, &point) in labels.iter().zip(&points) {
        let (tw, th) = panel.estimate_text_size(&label.text, &style)?;
        let (rect, leader) = place(point, (tw as i32, th as i32), gap, bounds, &taken);
        if let Some(end) = leader {
            panel.draw(&PathElement::new(
                vec![shift(point), shift(end)],
                BLACK.mix(0.4),
            ))?;
        }
        taken.push(rect);
        let origin = shift((rect.0, rect.1));
        panel.draw(&Text::new(label.text.clone(), origin, style.clone()))?;
    }
    Ok(())
}

/// Where a label of `size` goes: the first position, in rings moving away from `point` from
/// `gap` on, that lies inside `bounds` and overlaps nothing `taken`; right of the point when
/// none is free. Beyond the first ring it comes with the end of a leader line from the point.
pub(super) fn place(
    point: (i32, i32),
    size: (i32, i32),
    gap: i32,
    bounds: PixelRect,
    taken: &[PixelRect],
) -> (PixelRect, Option<(i32, i32)>) {
    let free = |c: &PixelRect| inside(c, &bounds) && taken.iter().all(|t| !overlaps(t, c));
    let found = (0..LABEL_RINGS)
        .flat_map(|ring| candidates(point, size, gap + ring * (size.1 + 2)))
        .enumerate()
        .find(|(_, c)| free(c));
    match found {
        Some((index, rect)) if index >= 8 => {
            let end = (point.0.clamp(rect.0, rect.2), point.1.clamp(rect.1, rect.3));
            (rect, Some(end))
        }
        Some((_, rect)) => (rect, None),
        None => (candidates(point, size, gap)[0], None),
    }
}

/// Eight rectangles of `size` around `point` at `distance`: right, left, above, below, then the
/// corners.
fn candidates((px, py): (i32, i32), (tw, th): (i32, i32), distance: i32) -> [PixelRect; 8] {
    let origins = [
        (px + distance, py - th / 2),
        (px - tw - distance, py - th / 2),
        (px - tw / 2, py - th - distance),
        (px - tw / 2, py + distance),
        (px + distance, py - th - distance),
        (px - tw - distance, py - th - distance),
        (px + distance, py + distance),
        (px - tw - distance, py + distance),
    ];
    origins.map(|(x, y)| (x, y, x + tw, y + th))
}

fn inside(r: &PixelRect, bounds: &PixelRect) -> bool {
    r.0 >= bounds.0 && r.1 >= bounds.1 && r.2 <= bounds.2 && r.3 <= bounds.3
}

pub(super) fn overlaps(a: &PixelRect, b: &PixelRect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_move_out_of_each_others_way() {
        let bounds = (0, 0, 400, 300);
        let (first, leader) = place((100, 100), (40, 10), 6, bounds, &[]);
        assert_eq!((first, leader), ((106, 95, 146, 105), None));
        let (second, _) = place((100, 100), (40, 10), 6, bounds, &[first]);
        assert!(!overlaps(&first, &second) && inside(&second, &bounds));
        let (corner, _) = place((398, 150), (40, 10), 6, bounds, &[]);
        assert!(
            corner.2 <= 400,
            "a label at the right edge goes left: {corner:?}"
        );
        let crowded: Vec<PixelRect> = vec![(0, 0, 400, 300)];
        let (fallback, leader) = place((100, 100), (40, 10), 6, bounds, &crowded);
        assert_eq!((fallback, leader), (first, None));
    }
}
