//! Drawing pieces of the paper's figures: a boxed legend whose place is known, labels kept
//! clear of it and of each other, slices of loss against size coloured by budget.

use plotters::coord::ranged1d::Ranged;
use plotters::element::{Circle, PathElement, Rectangle, Text};
use plotters::prelude::{BLACK, DrawingBackend, WHITE};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, ShapeStyle};

use crate::plot::chart::{Chart, PixelRect};
use crate::plot::labels::place;
use crate::plot::render::{Area, DrawError};
use crate::plot::style::Theme;

/// How a legend entry is marked.
#[derive(Debug, Clone, Copy)]
pub(in crate::plot) enum Key {
    /// A solid line.
    Line(RGBColor, f64),
    /// A dashed line.
    Dashed(RGBColor, f64),
    /// A filled dot.
    Dot(RGBColor),
    /// A shaded box.
    Shade(RGBColor),
    /// A heading: bold-less text without a mark, flush left.
    Heading,
}

/// A corner of a plotting area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::plot) enum Corner {
    UpperLeft,
    UpperRight,
    LowerRight,
}

/// The box (backend pixels) a legend of `entries` takes at `corner` of the plotting area of
/// `chart`, without drawing it.
pub(in crate::plot) fn legend_box<DB, X, Y>(
    chart: &Chart<'_, DB, X, Y>,
    root: &Area<DB>,
    theme: &Theme,
    entries: &[(Key, String)],
    corner: Corner,
) -> Result<PixelRect, DrawError>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = theme.small();
    let (pad, mark) = (theme.pt(3.0) as i32, theme.pt(14.0) as i32);
    let row = theme.pt(10.0) as i32;
    let mut width = 0;
    for (key, text) in entries {
        let indent = text_indent(*key, mark, pad);
        width = width.max(root.estimate_text_size(text, &style)?.0 as i32 + indent);
    }
    let (w, h) = (width + 2 * pad, row * entries.len() as i32 + 2 * pad);
    let area = chart.plotting_area();
    let (x0, y0) = area.get_base_pixel();
    let (aw, ah) = area.dim_in_pixel();
    let inset = theme.pt(2.0) as i32;
    let (right, bottom) = (x0 + aw as i32 - w - inset, y0 + ah as i32 - h - inset);
    let (left, top) = match corner {
        Corner::UpperLeft => (x0 + inset, y0 + inset),
        Corner::UpperRight => (right, y0 + inset),
        Corner::LowerRight => (right, bottom),
    };
    Ok((left, top, left + w, top + h))
}

/// Where an entry's text starts after its mark: flush left for a heading.
fn text_indent(key: Key, mark: i32, pad: i32) -> i32 {
    if matches!(key, Key::Heading) {
        0
    } else {
        mark + pad
    }
}

/// One legend entry's mark, drawn at `(x, y)` (the middle of its left end) `mark` wide.
fn draw_key<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    key: Key,
    (x, y): (i32, i32),
    mark: i32,
    row: i32,
) -> Result<(), DrawError> {
    let line = |c: RGBColor, w: f64| c.stroke_width(theme.pt(w) as u32);
    match key {
        Key::Line(c, w) => root.draw(&PathElement::new(vec![(x, y), (x + mark, y)], line(c, w)))?,
        Key::Dashed(c, w) => {
            let third = mark / 3;
            for s in [0, 2 * third] {
                root.draw(&PathElement::new(
                    vec![(x + s, y), (x + s + third - 2, y)],
                    line(c, w),
                ))?;
            }
        }
        Key::Dot(c) => root.draw(&Circle::new(
            (x + mark / 2, y),
            theme.pt(2.5) as u32,
            c.filled(),
        ))?,
        Key::Shade(c) => root.draw(&Rectangle::new(
            [(x, y - row / 3), (x + mark, y + row / 3)],
            c.filled(),
        ))?,
        Key::Heading => {}
    }
    Ok(())
}

/// The height in pixels a [`draw_key_rows`] legend of `entries` takes across `width` pixels.
pub(in crate::plot) fn key_rows_height<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    entries: &[(Key, String)],
    width: i32,
) -> Result<i32, DrawError> {
    Ok(
        key_rows(root, theme, entries, width)?.len() as i32 * theme.pt(11.0) as i32
            + theme.pt(4.0) as i32,
    )
}

/// `entries` laid out in rows across `width`: per row, each entry with its width.
fn key_rows<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    entries: &[(Key, String)],
    width: i32,
) -> Result<Vec<Vec<(usize, i32)>>, DrawError> {
    let style = theme.small();
    let (pad, mark, space) = (
        theme.pt(3.0) as i32,
        theme.pt(14.0) as i32,
        theme.pt(9.0) as i32,
    );
    let mut rows: Vec<Vec<(usize, i32)>> = vec![Vec::new()];
    let mut used = 0;
    for (i, (key, text)) in entries.iter().enumerate() {
        let indent = text_indent(*key, mark, pad);
        let w = indent + root.estimate_text_size(text, &style)?.0 as i32;
        let last = rows.last_mut().expect("a row");
        if !last.is_empty() && used + space + w > width {
            rows.push(vec![(i, w)]);
            used = w;
        } else {
            used += if last.is_empty() { w } else { space + w };
            last.push((i, w));
        }
    }
    Ok(rows)
}

/// A legend in rows across the whole of `area` (outside any chart), each row centred: for a
/// figure whose panels have no corner to spare.
pub(in crate::plot) fn draw_key_rows<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    entries: &[(Key, String)],
) -> Result<(), DrawError> {
    let (width, _) = area.dim_in_pixel();
    let width = width as i32;
    let style = theme.small().pos(Pos::new(HPos::Left, VPos::Center));
    let (pad, mark, space) = (
        theme.pt(3.0) as i32,
        theme.pt(14.0) as i32,
        theme.pt(9.0) as i32,
    );
    let row = theme.pt(11.0) as i32;
    for (r, entries_of_row) in key_rows(area, theme, entries, width)?.iter().enumerate() {
        let total: i32 = entries_of_row.iter().map(|e| e.1).sum::<i32>()
            + space * (entries_of_row.len() as i32 - 1).max(0);
        let mut x = ((width - total) / 2).max(0);
        let y = theme.pt(2.0) as i32 + row * r as i32 + row / 2;
        for &(i, w) in entries_of_row {
            let (key, text) = &entries[i];
            draw_key(area, theme, *key, (x, y), mark, row)?;
            let indent = text_indent(*key, mark, pad);
            area.draw(&Text::new(text.clone(), (x + indent, y), style.clone()))?;
            x += w + space;
        }
    }
    Ok(())
}

/// A boxed legend at `corner` of the plotting area of `chart`; returns its box in backend
/// pixels.
pub(in crate::plot) fn draw_legend<DB, X, Y>(
    chart: &Chart<'_, DB, X, Y>,
    root: &Area<DB>,
    theme: &Theme,
    entries: &[(Key, String)],
    corner: Corner,
) -> Result<PixelRect, DrawError>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = theme.small();
    let (pad, mark) = (theme.pt(3.0) as i32, theme.pt(14.0) as i32);
    let row = theme.pt(10.0) as i32;
    let (left, top, right, bottom) = legend_box(chart, root, theme, entries, corner)?;
    let (w, h) = (right - left, bottom - top);
    let (rx, ry) = root.get_base_pixel();
    let at = |(x, y): (i32, i32)| (x - rx, y - ry);
    root.draw(&Rectangle::new(
        [at((left, top)), at((left + w, top + h))],
        WHITE.mix(0.92).filled(),
    ))?;
    root.draw(&Rectangle::new(
        [at((left, top)), at((left + w, top + h))],
        BLACK.mix(0.35).stroke_width(1),
    ))?;
    let text_style = style.pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (key, text)) in entries.iter().enumerate() {
        let y = top + pad + row * i as i32 + row / 2;
        let x = left + pad;
        draw_key(root, theme, *key, at((x, y)), mark, row)?;
        let indent = text_indent(*key, mark, pad);
        root.draw(&Text::new(
            text.clone(),
            at((x + indent, y)),
            text_style.clone(),
        ))?;
    }
    Ok((left, top, left + w, top + h))
}

/// A text label for the point `at` (data coordinates).
#[derive(Debug, Clone, PartialEq)]
pub(in crate::plot) struct Label {
    pub at: (f64, f64),
    pub text: String,
}

/// Draw `labels` beside their points, inside the plotting area, clear of each other, of the
/// points and of `avoid` (backend pixels); returns the boxes taken.
pub(in crate::plot) fn draw_labels<DB, X, Y>(
    chart: &Chart<'_, DB, X, Y>,
    root: &Area<DB>,
    theme: &Theme,
    labels: &[Label],
    avoid: &[PixelRect],
) -> Result<Vec<PixelRect>, DrawError>
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
    let r = theme.pt(3.0) as i32;
    let points: Vec<(i32, i32)> = labels.iter().map(|l| chart.backend_coord(&l.at)).collect();
    let taken: Vec<PixelRect> = (points.iter())
        .map(|&(x, y)| (x - r, y - r, x + r, y + r))
        .chain(avoid.iter().copied())
        .collect();
    let (rx, ry) = root.get_base_pixel();
    let at = |(x, y): (i32, i32)| (x - rx, y - ry);
    // Each label sits in a translucent white ground this much larger than its text.
    let pad = theme.pt(1.5) as i32;
    let mut sizes = Vec::new();
    for label in labels {
        let (tw, th) = root.estimate_text_size(&label.text, &style)?;
        sizes.push((tw as i32 + 2 * pad, th as i32 + 2 * pad));
    }
    let placed = best_placement(&points, &sizes, r + 2, bounds, &taken);
    let mut boxes = Vec::new();
    for ((label, &point), (rect, leader)) in labels.iter().zip(&points).zip(placed) {
        if let Some(end) = leader {
            root.draw(&PathElement::new(
                vec![at(point), at(end)],
                BLACK
                    .mix(0.7)
                    .stroke_width(theme.pt(0.5).round().max(1.0) as u32),
            ))?;
        }
        boxes.push(rect);
        // A translucent ground keeps the text legible over lines.
        root.draw(&Rectangle::new(
            [at((rect.0, rect.1)), at((rect.2, rect.3))],
            WHITE.mix(0.75).filled(),
        ))?;
        root.draw(&Text::new(
            label.text.clone(),
            at((rect.0 + pad, rect.1 + pad)),
            style.clone(),
        ))?;
    }
    Ok(boxes)
}

/// A label's box and the end of its leader line, if it has one.
type Placed = (PixelRect, Option<(i32, i32)>);

/// Labels placed in turn ([`place`]), in the order that keeps them nearest their points,
/// over every order of up to [`MAX_ORDERED_LABELS`] labels (in the given order beyond).
fn best_placement(
    points: &[(i32, i32)],
    sizes: &[(i32, i32)],
    gap: i32,
    bounds: PixelRect,
    avoid: &[PixelRect],
) -> Vec<Placed> {
    let n = points.len();
    let mut orders: Vec<Vec<usize>> = vec![(0..n).collect()];
    if n <= MAX_ORDERED_LABELS {
        orders = permutations(n);
    }
    let mut best: Option<(i64, Vec<Placed>)> = None;
    for order in orders {
        let mut taken = avoid.to_vec();
        let mut placed = vec![((0, 0, 0, 0), None); n];
        let mut cost = 0i64;
        for &i in &order {
            let (rect, leader) = place(points[i], sizes[i], gap, bounds, &taken);
            let clash = taken
                .iter()
                .any(|t| crate::plot::labels::overlaps(t, &rect));
            let (cx, cy) = ((rect.0 + rect.2) / 2, (rect.1 + rect.3) / 2);
            let distance = i64::from((cx - points[i].0).abs() + (cy - points[i].1).abs());
            cost += distance + if clash { 1_000_000 } else { 0 };
            taken.push(rect);
            placed[i] = (rect, leader);
        }
        if best.as_ref().is_none_or(|b| cost < b.0) {
            best = Some((cost, placed));
        }
    }
    best.map(|b| b.1).unwrap_or_default()
}

/// Orders of labels tried by [`best_placement`]: up to 6! = 720.
const MAX_ORDERED_LABELS: usize = 6;

/// Every order of `0..n`.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for slot in 0..=rest.len() {
            let mut order = rest.clone();
            order.insert(slot, n - 1);
            out.push(order);
        }
    }
    out
}

/// A style of `pt` points wide in `colour`.
pub(in crate::plot) fn stroke(theme: &Theme, colour: RGBColor, pt: f64) -> ShapeStyle {
    colour.stroke_width(theme.pt(pt).round().max(1.0) as u32)
}
