//! Scores of predicted curves, as the curve-law papers report them: per run, then averaged
//! over runs.
//!
//! ```text
//! R²      1 − Σ (y − ŷ)² / Σ (y − ȳ)²
//! MAE     mean |y − ŷ|            RMSE   √ mean (y − ŷ)²
//! PredE   mean |y − ŷ| / y        WorstE max |y − ŷ| / y
//! ```

use serde::{Deserialize, Serialize};

/// Scores of one run's predictions, or their average over runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurveScores {
    /// Coefficient of determination.
    pub r2: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean relative error.
    pub pred_e: f64,
    /// Largest relative error.
    pub worst_e: f64,
}

impl CurveScores {
    /// Scores of `pred` against `observed` (same length, at least one value).
    pub fn of(observed: &[f64], pred: &[f64]) -> CurveScores {
        let n = observed.len() as f64;
        let mean = observed.iter().sum::<f64>() / n;
        let (mut sse, mut sst, mut abs, mut rel, mut worst) = (0.0, 0.0, 0.0, 0.0, 0.0f64);
        for (&y, &p) in observed.iter().zip(pred) {
            let e = (y - p).abs();
            sse += e * e;
            sst += (y - mean) * (y - mean);
            abs += e;
            rel += e / y;
            worst = worst.max(e / y);
        }
        CurveScores {
            r2: if sst > 0.0 { 1.0 - sse / sst } else { f64::NAN },
            mae: abs / n,
            rmse: (sse / n).sqrt(),
            pred_e: rel / n,
            worst_e: worst,
        }
    }

    /// The mean of each score over runs (the papers' "average" row).
    pub fn mean(scores: &[CurveScores]) -> CurveScores {
        let n = scores.len() as f64;
        let avg = |f: fn(&CurveScores) -> f64| scores.iter().map(f).sum::<f64>() / n;
        CurveScores {
            r2: avg(|s| s.r2),
            mae: avg(|s| s.mae),
            rmse: avg(|s| s.rmse),
            pred_e: avg(|s| s.pred_e),
            worst_e: avg(|s| s.worst_e),
        }
    }
}
