//! Point estimates with bootstrap standard errors and percentile intervals.
//!
//! ```text
//! se    = sample standard deviation of the draws
//! lower = Q((1 - level)/2),  upper = Q((1 + level)/2)
//! ```
//!
//! Quantiles `Q` are statrs' estimator: Hyndman and Fan's type 8 (approximately median-unbiased,
//! R's `quantile(type = 8)`). The point is the full-data estimate, not the mean of the draws.
//!
//! Draws are flagged heavy-tailed, and their standard error is not to be shown as a ± figure,
//! when the SE exceeds the estimate itself or when the normal interval it implies
//! (± z·se) is more than twice as wide as the percentile interval: a few far draws (E -> 0,
//! B -> 1e9) inflate the SE while the percentile interval still describes the bulk.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::statistics::{Data, OrderStatistics, Statistics};

/// A value with, when bootstrap draws exist, its standard error and interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Full-data estimate.
    pub value: f64,
    /// Bootstrap standard error.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub std_error: Option<f64>,
    /// Lower end of the percentile interval.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub lower: Option<f64>,
    /// Upper end of the percentile interval.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub upper: Option<f64>,
    /// Draws left out because the quantity was undefined or infinite for them (e.g. a target
    /// loss at or below a draw's E).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub excluded: usize,
    /// The draws are heavy-tailed (see the module docs): report the percentile interval, not
    /// the standard error.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub heavy_tailed: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Estimate {
    /// A point without uncertainty.
    pub fn point(value: f64) -> Self {
        Estimate {
            value,
            std_error: None,
            lower: None,
            upper: None,
            excluded: 0,
            heavy_tailed: false,
        }
    }
}

/// Estimate `value` with the spread of `draws` at confidence `level` (e.g. 0.95). Non-finite
/// draws are left out and counted; with fewer than two left the result is a bare point.
pub fn estimate(value: f64, draws: &[f64], level: f64) -> Estimate {
    let finite: Vec<f64> = draws.iter().copied().filter(|x| x.is_finite()).collect();
    let excluded = draws.len() - finite.len();
    if finite.len() < 2 {
        return Estimate {
            excluded,
            ..Estimate::point(value)
        };
    }
    let std_error = finite.as_slice().std_dev();
    let mut data = Data::new(finite);
    let lower = data.quantile((1.0 - level) / 2.0);
    let upper = data.quantile((1.0 + level) / 2.0);
    Estimate {
        value,
        // The sum of squares of huge draws can overflow: then the standard error is not defined.
        std_error: Some(std_error).filter(|s| s.is_finite()),
        lower: Some(lower),
        upper: Some(upper),
        excluded,
        heavy_tailed: heavy_tailed(value, std_error, lower, upper, level),
    }
}

/// See the module docs.
fn heavy_tailed(value: f64, se: f64, lower: f64, upper: f64, level: f64) -> bool {
    let z = Normal::standard().inverse_cdf((1.0 + level) / 2.0);
    se > value.abs() || z * se > upper - lower
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interval_of_a_uniform_grid() {
        let draws: Vec<f64> = (0..=1000).map(|i| i as f64 / 1000.0).collect();
        let e = estimate(0.5, &draws, 0.95);
        assert!((e.lower.unwrap() - 0.025).abs() < 1e-3);
        assert!((e.upper.unwrap() - 0.975).abs() < 1e-3);
        // sd of U(0,1) is 1/sqrt(12)
        assert!((e.std_error.unwrap() - 0.2888).abs() < 1e-3);
        assert_eq!(estimate(1.0, &[], 0.95), Estimate::point(1.0));
        assert!(!e.heavy_tailed);
    }

    #[test]
    fn one_far_draw_makes_draws_heavy_tailed() {
        // 999 draws near 400 and one at 1.6e9, like B with one resample whose E collapsed.
        let mut draws: Vec<f64> = (0..999).map(|i| 400.0 + (i % 10) as f64).collect();
        draws.push(1.6e9);
        let e = estimate(404.0, &draws, 0.95);
        assert!(e.std_error.unwrap() > 404.0 && e.heavy_tailed, "{e:?}");
        assert!(e.upper.unwrap() < 410.0);
    }
}
