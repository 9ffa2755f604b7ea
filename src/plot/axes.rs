//! Axis ranges with their tick marks.
//!
//! plotters draws no tick labels on a log axis narrower than a decade, so log axes here span at
//! least one and carry their own ticks.
//!
//! Every axis stays inside the finite, positive doubles: a run at 1.7e308 tokens, padded by a
//! tenth of a decade, would otherwise put the upper end at infinity, and the loop over its
//! decades would run over every `i32`.

use std::ops::Range;

use plotters::coord::combinators::{BindKeyPoints, IntoLogRange, LogCoord, WithKeyPoints};

/// Largest number of labelled ticks on a log axis: five labels such as `10²⁰` of 8 pt fit
/// across a panel of single-column width with room between them.
const MAX_LOG_TICKS: usize = 5;

/// Most decades with a minor grid line at 2..9 times each power of ten.
const MAX_MINOR_DECADES: usize = 40;

/// A log axis: its range and tick marks.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LogAxis {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Labelled ticks.
    pub major: Vec<f64>,
    /// Unlabelled grid lines (2..9 times each power of ten).
    pub minor: Vec<f64>,
}

impl LogAxis {
    /// An axis covering the positive finite `values`, widened by `pad_dex` decades at each end
    /// and to at least one decade. `None` when there is no such value.
    pub fn covering(values: impl IntoIterator<Item = f64>, pad_dex: f64) -> Option<LogAxis> {
        let (lo, hi) = positive_extent(values)?;
        // The ends in decades, kept where 10^l is a finite positive double.
        let floor = lo.log10().min(f64::MIN_POSITIVE.log10());
        let ceiling = f64::MAX.log10();
        let (mut l0, mut l1) = (lo.log10() - pad_dex, hi.log10() + pad_dex);
        if l1 - l0 < 1.0 {
            let mid = 0.5 * (l0 + l1);
            (l0, l1) = (mid - 0.5, mid + 0.5);
        }
        if l1 > ceiling {
            (l0, l1) = (l0.min(ceiling - 1.0), ceiling);
        }
        if l0 < floor {
            (l0, l1) = (floor, l1.max(floor + 1.0));
        }
        Some(LogAxis::between(finite_power(l0), finite_power(l1)))
    }

    /// An axis from `lo` to `hi` as given (both positive, `lo < hi`); ends outside the
    /// finite positive doubles are brought inside.
    pub fn between(lo: f64, hi: f64) -> LogAxis {
        let lo = if lo > 0.0 {
            lo.min(f64::MAX)
        } else {
            f64::MIN_POSITIVE
        };
        let hi = if hi.is_nan() {
            lo
        } else {
            hi.clamp(lo, f64::MAX)
        };
        let (l0, l1) = (lo.log10(), hi.log10());
        let decades: Vec<f64> = ((l0.ceil() as i32)..=(l1.floor() as i32))
            .map(|e| 10f64.powi(e))
            .filter(|v| (lo..=hi).contains(v))
            .collect();
        // Over many decades the 2..9 lines would fill the panel: a grid of decades instead.
        let minor = if decades.len() > MAX_MINOR_DECADES {
            let step = decades.len().div_ceil(MAX_MINOR_DECADES);
            decades.iter().copied().step_by(step).collect()
        } else {
            mantissa_ticks(lo, hi, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
        };
        let major = if decades.len() >= 2 {
            let step = decades.len().div_ceil(MAX_LOG_TICKS);
            decades.into_iter().step_by(step).collect()
        } else {
            mantissa_ticks(lo, hi, &[1.0, 2.0, 5.0])
        };
        LogAxis {
            lo,
            hi,
            major,
            minor,
        }
    }

    /// The plotters coordinate of this axis.
    pub fn coord(&self) -> WithKeyPoints<LogCoord<f64>> {
        (self.lo..self.hi)
            .log_scale()
            .with_key_points(self.major.clone())
            .with_light_points(self.minor.clone())
    }

    /// `n` points evenly spaced in log from `lo` to `hi`.
    pub fn samples(&self, n: usize) -> Vec<f64> {
        log_space(self.lo, self.hi, n)
    }
}

/// `10^l`, brought inside the finite positive doubles (10^308.26 rounds to infinity).
fn finite_power(l: f64) -> f64 {
    10f64.powf(l).clamp(f64::from_bits(1), f64::MAX)
}

/// `m·10^e` for each mantissa `m` and every `e` that lands in `[lo, hi]`, ascending.
fn mantissa_ticks(lo: f64, hi: f64, mantissas: &[f64]) -> Vec<f64> {
    let (e0, e1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    (e0..=e1)
        .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
        .filter(|v| (lo..=hi).contains(v))
        .collect()
}

/// `n >= 2` points evenly spaced in log from `lo` to `hi`.
pub(super) fn log_space(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (l0, l1) = (lo.ln(), hi.ln());
    let last = (n.max(2) - 1) as f64;
    (0..n.max(2))
        .map(|i| (l0 + (l1 - l0) * i as f64 / last).exp())
        .collect()
}

/// Smallest and largest of the positive finite values.
fn positive_extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })
}

/// A linear range covering the finite `values` with `pad` of its width added at each end (a
/// single value gets a small range around it). `None` when there is no finite value.
pub(super) fn linear_range(values: impl IntoIterator<Item = f64>, pad: f64) -> Option<Range<f64>> {
    let (lo, hi) =
        values
            .into_iter()
            .filter(|v| v.is_finite())
            .fold(None, |acc: Option<(f64, f64)>, v| match acc {
                None => Some((v, v)),
                Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
            })?;
    let width = hi - lo;
    if width > 1e-12 * lo.abs().max(hi.abs()) && width > 0.0 {
        Some(lo - pad * width..hi + pad * width)
    } else {
        let half = (0.05 * lo.abs()).max(1e-6);
        Some(lo - half..hi + half)
    }
}

/// Round tick values: multiples of 1, 2, 2.5 or 5 times a power of ten, about `target` of
/// them, inside `[lo, hi]`.
pub(super) fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return vec![lo];
    }
    let raw = span / target.max(1) as f64;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axis_spans_at_least_a_decade_and_has_labelled_ticks() {
        let axis = LogAxis::covering([3.3, 7.6], 0.0).unwrap();
        assert!(axis.hi / axis.lo >= 10.0 * (1.0 - 1e-12));
        assert!(axis.major.len() >= 2, "{:?}", axis.major);
        let wide = LogAxis::covering([1e17, 1e27], 0.1).unwrap();
        assert!(wide.major.len() <= MAX_LOG_TICKS && wide.major.len() >= 4);
        assert!(LogAxis::covering([f64::NAN, -1.0], 0.1).is_none());
    }

    /// Found by the fuzz suite: `plot residuals` never finished when one run had 1.7e308
    /// tokens, since the padded axis ended at infinity and its decades ran over every `i32`.
    #[test]
    fn log_axis_near_the_largest_double_is_finite_and_short() {
        for values in [
            [1e7, 1.7e308],
            [1.79e308, f64::MAX],
            [1e-300, 1e-299],
            [2.3e-308, 1e308],
        ] {
            let axis = LogAxis::covering(values, 0.15).unwrap();
            assert!(axis.lo.is_finite() && axis.hi.is_finite(), "{axis:?}");
            assert!(axis.lo > 0.0 && axis.lo < axis.hi, "{axis:?}");
            assert!(axis.lo <= values[0] && axis.hi >= values[1], "{axis:?}");
            assert!(axis.major.len() <= MAX_LOG_TICKS + 1, "{:?}", axis.major);
            assert!(
                axis.minor.len() <= 9 * MAX_MINOR_DECADES,
                "{}",
                axis.minor.len()
            );
            assert!(axis.major.iter().all(|t| t.is_finite()));
        }
        let axis = LogAxis::between(1.0, f64::INFINITY);
        assert_eq!(axis.hi, f64::MAX);
        assert!(
            axis.minor.len() <= 9 * MAX_MINOR_DECADES,
            "{}",
            axis.minor.len()
        );
    }

    #[test]
    fn nice_ticks_are_round() {
        let ticks = nice_ticks(2.03, 2.98, 5);
        let expected = [2.2, 2.4, 2.6, 2.8];
        assert_eq!(ticks.len(), expected.len());
        assert!(
            ticks
                .iter()
                .zip(expected)
                .all(|(t, e)| (t - e).abs() < 1e-12)
        );
        assert_eq!(nice_ticks(1.0, 1.0, 5).len(), 1);
    }
}
