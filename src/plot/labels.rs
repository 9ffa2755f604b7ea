//! Text labels beside points that keep clear of each other, of the points and of legends.

use super::chart::PixelRect;

/// A text label for a point of a chart.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PointLabel {
    pub at: (f64, f64),
    pub text: String,
}

/// Rings of candidate positions tried around a point before a label gives up and overlaps.
const LABEL_RINGS: i32 = 8;

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
        // Nowhere free: right of the point (left near the right edge), kept inside the bounds.
        None => {
            let [right, left, ..] = candidates(point, size, gap);
            let rect = if inside(&right, &bounds) { right } else { left };
            let dx = (bounds.0 - rect.0).max(0) - (rect.2 - bounds.2).max(0);
            let dy = (bounds.1 - rect.1).max(0) - (rect.3 - bounds.3).max(0);
            let moved = (rect.0 + dx, rect.1 + dy, rect.2 + dx, rect.3 + dy);
            let end = (
                point.0.clamp(moved.0, moved.2),
                point.1.clamp(moved.1, moved.3),
            );
            (moved, (dx != 0 || dy != 0).then_some(end))
        }
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
        // With nowhere free, a label in the lower right corner still stays inside, moved up
        // with a leader to its point.
        let (kept, leader) = place((398, 299), (40, 10), 6, bounds, &[(0, 0, 400, 300)]);
        assert!(inside(&kept, &bounds) && leader.is_some(), "{kept:?}");
        let crowded: Vec<PixelRect> = vec![(0, 0, 400, 300)];
        let (fallback, leader) = place((100, 100), (40, 10), 6, bounds, &crowded);
        assert_eq!((fallback, leader), (first, None));
    }
}
