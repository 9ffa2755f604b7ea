//! Held-out check of a fit's predictions: fit on all but the largest-compute runs, then predict
//! those. Scaling laws exist to extrapolate to larger budgets, so this is the test that matters.
//!
//! ```text
//! log error_i = log L_i - log L^_i                      (observed over predicted)
//! prediction interval_i = L^_i · exp([Q((1-level)/2), Q((1+level)/2)] of the training residuals)
//! ```

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::Error;
use crate::fit::{FitConfig, FitReport, fit};
use crate::uncertainty::estimate;

/// How runs are held out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "count", rename_all = "snake_case")]
pub enum HoldoutRule {
    /// The `k` runs with the most compute.
    LargestCompute(usize),
}

/// One held-out run and its prediction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HeldOutRun {
    /// Source row (1-based, header excluded).
    pub row: usize,
    /// N.
    pub n_params: f64,
    /// D.
    pub n_tokens: f64,
    /// C, FLOPs.
    pub compute: f64,
    /// Observed loss.
    pub observed: f64,
    /// Loss predicted by the law fitted without this run.
    pub predicted: f64,
    /// `log(observed / predicted)`.
    pub log_error: f64,
    /// Prediction interval from the training residuals.
    pub prediction_interval: (f64, f64),
}

/// Result of a held-out check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutReport {
    /// The rule used.
    pub rule: HoldoutRule,
    /// Confidence level of the prediction intervals.
    pub level: f64,
    /// Runs the law was fitted to.
    pub train_runs: usize,
    /// Largest compute among the training runs, FLOPs.
    pub train_max_compute: f64,
    /// The held-out runs.
    pub runs: Vec<HeldOutRun>,
    /// Mean of `|log error|` (about the mean relative error).
    pub mean_abs_log_error: f64,
    /// Root mean square of the log errors.
    pub rms_log_error: f64,
    /// Mean log error: positive when the law predicts too low a loss.
    pub mean_log_error: f64,
    /// Fraction of held-out runs inside their prediction interval.
    pub coverage: f64,
}

/// Fit `data` without the runs `rule` holds out, and test the predictions on them.
///
/// # Errors
///
/// [`Error::InvalidOption`] for an impossible split; errors of [`fit`].
pub fn holdout(
    data: &Dataset,
    config: &FitConfig,
    rule: HoldoutRule,
    level: f64,
) -> Result<(FitReport, Dataset, HoldoutReport), Error> {
    let HoldoutRule::LargestCompute(k) = rule;
    let (train, test) = data.split_largest_compute(k)?;
    train.check_identifiable(config.params.n_free())?;
    let report = fit(&train.observations(), config, &|| {})?;
    let residuals = &report.fitted.residuals;
    let spread = estimate(0.0, residuals, level);
    let (lo_r, hi_r) = (spread.lower.unwrap_or(0.0), spread.upper.unwrap_or(0.0));
    let law = report.fitted.law;
    let runs: Vec<HeldOutRun> = (0..test.len())
        .map(|i| {
            let predicted = law.loss(test.n_params[i], test.n_tokens[i]);
            HeldOutRun {
                row: test.rows[i],
                n_params: test.n_params[i],
                n_tokens: test.n_tokens[i],
                compute: test.compute[i],
                observed: test.loss[i],
                predicted,
                log_error: (test.loss[i] / predicted).ln(),
                prediction_interval: (predicted * lo_r.exp(), predicted * hi_r.exp()),
            }
        })
        .collect();
    let n = runs.len() as f64;
    let errors: Vec<f64> = runs.iter().map(|r| r.log_error).collect();
    let summary = HoldoutReport {
        rule,
        level,
        train_runs: train.len(),
        train_max_compute: train.compute.iter().copied().fold(0.0, f64::max),
        mean_abs_log_error: errors.iter().map(|e| e.abs()).sum::<f64>() / n,
        rms_log_error: (errors.iter().map(|e| e * e).sum::<f64>() / n).sqrt(),
        mean_log_error: errors.iter().sum::<f64>() / n,
        coverage: runs
            .iter()
            .filter(|r| (r.prediction_interval.0..=r.prediction_interval.1).contains(&r.observed))
            .count() as f64
            / n,
        runs,
    };
    Ok((report, train, summary))
}
