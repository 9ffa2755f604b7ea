//! Clipping lines to a chart's box: plotters draws lines past the plotting area.

/// How a chart maps one axis: linear, or logarithmic (values must be positive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Scale {
    Linear,
    Log,
}

impl Scale {
    fn forward(self, v: f64) -> f64 {
        match self {
            Scale::Linear => v,
            Scale::Log if v > 0.0 => v.ln(),
            Scale::Log => f64::NAN,
        }
    }

    fn back(self, v: f64) -> f64 {
        match self {
            Scale::Linear => v,
            Scale::Log => v.exp(),
        }
    }
}

/// A chart's box: the two axis ranges and their scales.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ClipBox {
    pub x: (f64, f64, Scale),
    pub y: (f64, f64, Scale),
}

impl ClipBox {
    /// The parts of the polyline `points` inside the box, as separate polylines. Segments are
    /// cut where they cross the box (straight in the axes' scales); points that cannot be
    /// shown (non-finite, or not positive on a log axis) break the line.
    pub fn clip(&self, points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
        let (sx, sy) = (self.x.2, self.y.2);
        let lo = (sx.forward(self.x.0), sy.forward(self.y.0));
        let hi = (sx.forward(self.x.1), sy.forward(self.y.1));
        let mapped: Vec<(f64, f64)> = points
            .iter()
            .map(|&(x, y)| (sx.forward(x), sy.forward(y)))
            .collect();
        let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut current: Vec<(f64, f64)> = Vec::new();
        for pair in mapped.windows(2) {
            match clip_segment(pair[0], pair[1], lo, hi) {
                Some((p, q, entered, left)) => {
                    if entered || current.is_empty() {
                        flush(&mut pieces, &mut current);
                        current.push(p);
                    }
                    current.push(q);
                    if left {
                        flush(&mut pieces, &mut current);
                    }
                }
                None => flush(&mut pieces, &mut current),
            }
        }
        flush(&mut pieces, &mut current);
        pieces
            .into_iter()
            .map(|piece| {
                piece
                    .into_iter()
                    .map(|(x, y)| (sx.back(x), sy.back(y)))
                    .collect()
            })
            .collect()
    }

    /// True when the point lies inside the box.
    pub fn contains(&self, (x, y): (f64, f64)) -> bool {
        (self.x.0..=self.x.1).contains(&x) && (self.y.0..=self.y.1).contains(&y)
    }
}

fn flush(pieces: &mut Vec<Vec<(f64, f64)>>, current: &mut Vec<(f64, f64)>) {
    if current.len() >= 2 {
        pieces.push(std::mem::take(current));
    } else {
        current.clear();
    }
}

/// The visible part of a segment: its ends, and whether it was cut at its start and at its end.
type Clipped = ((f64, f64), (f64, f64), bool, bool);

/// Liang-Barsky: the part of segment `p`-`q` inside the box `lo`-`hi`, and whether the segment
/// was cut at its start (entered) or at its end (left).
fn clip_segment(p: (f64, f64), q: (f64, f64), lo: (f64, f64), hi: (f64, f64)) -> Option<Clipped> {
    if ![p.0, p.1, q.0, q.1].iter().all(|v| v.is_finite()) {
        return None;
    }
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (step, distance) in [
        (-dx, p.0 - lo.0),
        (dx, hi.0 - p.0),
        (-dy, p.1 - lo.1),
        (dy, hi.1 - p.1),
    ] {
        if step == 0.0 {
            if distance < 0.0 {
                return None;
            }
        } else {
            let t = distance / step;
            if step < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| (p.0 + t * dx, p.1 + t * dy);
    Some((at(t0), at(t1), t0 > 0.0, t1 < 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_cuts_lines_at_the_box() {
        let bx = ClipBox {
            x: (0.0, 1.0, Scale::Linear),
            y: (0.0, 1.0, Scale::Linear),
        };
        let pieces = bx.clip(&[(-1.0, 0.5), (0.5, 0.5), (2.0, 0.5), (3.0, 3.0), (0.5, 0.2)]);
        assert_eq!(pieces.len(), 2);
        let close = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() + (a.1 - b.1).abs() < 1e-12;
        let expected = [(0.0, 0.5), (0.5, 0.5), (1.0, 0.5)];
        assert_eq!(pieces[0].len(), 3);
        assert!(pieces[0].iter().zip(expected).all(|(&a, b)| close(a, b)));
        assert_eq!(pieces[1].len(), 2);
        assert!(close(pieces[1][1], (0.5, 0.2)));
        let log = ClipBox {
            x: (1.0, 100.0, Scale::Log),
            y: (0.0, 1.0, Scale::Linear),
        };
        assert_eq!(log.clip(&[(0.0, 0.5), (10.0, 0.5)]).len(), 0);
    }
}
