//! Point estimates with bootstrap standard errors and percentile intervals.
//!
//! ```text
//! se    = sample standard deviation of the draws
//! lower = Q((1 - level)/2),  upper = Q((1 + level)/2)
//! ```
//!
//! Quantiles `Q` are statrs' estimator: Hyndman and Fan's type 8 (approximately median-unbiased,
//! R's `quantile(type = 8)`). The point is the full-data estimate, not the mean of the draws.

use serde::{Deserialize, Serialize};
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
    Estimate {
        value,
        // The sum of squares of huge draws can overflow: then the standard error is not defined.
        std_error: Some(std_error).filter(|s| s.is_finite()),
        lower: Some(data.quantile((1.0 - level) / 2.0)),
        upper: Some(data.quantile((1.0 + level) / 2.0)),
        excluded,
    }
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
    }
}
