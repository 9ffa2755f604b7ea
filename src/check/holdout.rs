//! Held-out checks of a fit's predictions: fit without some runs, predict them, and report the
//! errors as papers do (`|predicted − observed| / observed`) together with the coverage of the
//! prediction intervals. Scaling laws exist to extrapolate to larger budgets, so the rules hold
//! out the largest runs:
//!
//! ```text
//! largest-compute K   the K runs with the most compute (runs tied with the K-th go with it)
//! largest-params K    the K runs with the most parameters (ties likewise)
//! rolling-origin      every compute decade predicted from the decades below it
//! where EXPR          the runs matching a condition on the file's columns
//! ```
//!
//! Prediction intervals come from [`crate::uncertainty::prediction`]: scatter, the law's own
//! uncertainty and an extrapolation term calibrated on the training runs alone, so the held-out
//! runs never inform their own intervals.

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::{Error, shorten};
use crate::fit::{FitConfig, FitReport, fit_dataset};
use crate::law::Row;
use crate::progress::Progress;
use crate::uncertainty::prediction::{
    ExtrapolationCalibration, PredictionInterval, PredictiveModel,
};

/// Values within this relative distance count as tied at a cut-off.
pub const TIE_RTOL: f64 = 1e-9;

/// How runs are held out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "count", rename_all = "snake_case")]
pub enum HoldoutRule {
    /// The `k` runs with the most compute, and any tied with the `k`-th.
    LargestCompute(usize),
    /// The `k` runs with the most parameters, and any tied with the `k`-th.
    LargestParams(usize),
    /// Each compute decade (by `floor(log10 C)`) predicted from the runs of the decades below.
    RollingOrigin,
    /// The runs at these source rows (chosen by a condition, described in `condition`).
    Rows {
        /// The condition as the user wrote it.
        condition: String,
        /// Source rows held out (1-based, header excluded).
        rows: Vec<usize>,
    },
}

impl HoldoutRule {
    /// The rule of `--holdout RULE [ARG]`: `largest-compute K`, `largest-params K`,
    /// `rolling-origin` or `where EXPR`; `matching_rows(EXPR)` gives the source rows matching
    /// the condition of `where`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--holdout` for an unknown rule or a bad count; errors
    /// of `matching_rows`.
    pub fn parse(
        values: &[String],
        matching_rows: impl FnOnce(&str) -> Result<Vec<usize>, Error>,
    ) -> Result<Option<HoldoutRule>, Error> {
        const RULES: &str = "largest-compute K, largest-params K, rolling-origin, or where EXPR \
                             (e.g. --holdout largest-compute 5)";
        let count = |k: &str| {
            k.parse::<usize>().map_err(|_| {
                Error::invalid_option(
                    "--holdout",
                    format!("K must be a whole number, got '{}'", shorten(k)),
                )
            })
        };
        match values {
            [] => Ok(None),
            [rule, k] if rule == "largest-compute" => {
                Ok(Some(HoldoutRule::LargestCompute(count(k)?)))
            }
            [rule, k] if rule == "largest-params" => {
                Ok(Some(HoldoutRule::LargestParams(count(k)?)))
            }
            [rule] if rule == "rolling-origin" => Ok(Some(HoldoutRule::RollingOrigin)),
            [rule, expr] if rule == "where" => Ok(Some(HoldoutRule::Rows {
                condition: expr.clone(),
                rows: matching_rows(expr)?,
            })),
            [_] | [_, _] => Err(Error::invalid_option(
                "--holdout",
                format!(
                    "unknown rule '{}'; the rules are {RULES}",
                    shorten(&values.join(" "))
                ),
            )),
            _ => Err(Error::invalid_option(
                "--holdout",
                format!("the rules are {RULES}"),
            )),
        }
    }

    /// A phrase for reports: "the 5 runs with the most compute".
    pub fn describe(&self) -> String {
        match self {
            HoldoutRule::LargestCompute(k) => format!("the {k} runs with the most compute"),
            HoldoutRule::LargestParams(k) => format!("the {k} runs with the most parameters"),
            HoldoutRule::RollingOrigin => {
                "each compute decade, predicted from the decades below it".to_string()
            }
            HoldoutRule::Rows { condition, .. } => format!("the runs where {condition}"),
        }
    }
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
    /// `|predicted − observed| / observed`.
    #[serde(default)]
    pub relative_error: f64,
    /// Prediction interval for the observed loss; `None` when it cannot be told (the data
    /// gave no way to calibrate extrapolation, or the law's uncertainty is unbounded).
    pub prediction_interval: Option<(f64, f64)>,
    /// Decades of compute beyond the largest training run.
    #[serde(default)]
    pub extrapolation_decades: f64,
    /// Which fold predicted it (0 for single-split rules).
    #[serde(default)]
    pub fold: usize,
}

/// One fit-and-predict split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutFold {
    /// Runs fitted.
    pub train_runs: usize,
    /// Largest compute among them, FLOPs.
    pub train_max_compute: f64,
    /// Runs predicted.
    pub test_runs: usize,
    /// The fitted exponent a of this fold (`None`, null, for a law without one).
    pub params_exponent: Option<f64>,
    /// How the extrapolation term of this fold's intervals was calibrated.
    pub calibration: ExtrapolationCalibration,
    /// Why this fold predicted nothing, when its fit failed (rolling origin goes on with the
    /// other folds; its runs are not among the predictions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// Result of a held-out check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutReport {
    /// The rule used.
    pub rule: HoldoutRule,
    /// Confidence level of the prediction intervals.
    pub level: f64,
    /// Runs the law was fitted to (the last fold's, for rolling origin).
    pub train_runs: usize,
    /// Largest compute among the training runs, FLOPs (the last fold's).
    pub train_max_compute: f64,
    /// The folds, in order of growing training set.
    #[serde(default)]
    pub folds: Vec<HoldoutFold>,
    /// The held-out runs.
    pub runs: Vec<HeldOutRun>,
    /// Mean of `|log error|` (about the mean relative error).
    pub mean_abs_log_error: f64,
    /// Root mean square of the log errors.
    pub rms_log_error: f64,
    /// Mean log error: positive when the law predicts too low a loss.
    pub mean_log_error: f64,
    /// Mean of `|predicted − observed| / observed`.
    #[serde(default)]
    pub mean_relative_error: f64,
    /// Largest `|predicted − observed| / observed`.
    #[serde(default)]
    pub max_relative_error: f64,
    /// Fraction of the runs with an interval that fall inside it; `None` when no run has one.
    pub coverage: Option<f64>,
    /// Runs with an interval.
    #[serde(default)]
    pub with_interval: usize,
}

impl HoldoutReport {
    /// Whether the report is one a held-out check could have made, as one read back from a fit
    /// file must be: a level in (0, 1), at least one run predicted (as many as the rule asked
    /// for), runs with positive sizes and losses in folds that exist, intervals in order, and
    /// summaries of the runs in range.
    ///
    /// # Errors
    ///
    /// A message that starts with the path of the field that is wrong (`at` is this struct's
    /// own path, e.g. `holdout`).
    pub fn check_consistent(&self, at: &str) -> Result<(), String> {
        use crate::fields::{at_least, at_most, non_negative, open_fraction, path, positive};
        let field = |name: &str| path(at, name);
        open_fraction(&field("level"), self.level)?;
        let asked = match &self.rule {
            HoldoutRule::LargestCompute(k) | HoldoutRule::LargestParams(k) => *k,
            HoldoutRule::RollingOrigin | HoldoutRule::Rows { .. } => 1,
        };
        at_least(
            &field("rule.count"),
            asked,
            1,
            "a check holds out at least one run",
        )?;
        let runs = field("runs");
        if self.runs.len() < asked {
            return Err(format!(
                "{runs} has {} entries but the rule holds out {asked}",
                self.runs.len()
            ));
        }
        at_least(&field("train_runs"), self.train_runs, 1, "a fit has runs")?;
        positive(&field("train_max_compute"), self.train_max_compute)?;
        for (i, fold) in self.folds.iter().enumerate() {
            let at = field(&format!("folds[{i}]"));
            at_least(
                &path(&at, "train_runs"),
                fold.train_runs,
                1,
                "a fit has runs",
            )?;
            at_least(
                &path(&at, "test_runs"),
                fold.test_runs,
                1,
                "a fold predicts runs",
            )?;
            positive(&path(&at, "train_max_compute"), fold.train_max_compute)?;
        }
        for (i, run) in self.runs.iter().enumerate() {
            self.check_run(&field(&format!("runs[{i}]")), run)?;
        }
        at_most(
            &field("with_interval"),
            self.with_interval,
            &format!("the entries of {runs}"),
            self.runs.len(),
        )?;
        match (self.coverage, self.with_interval) {
            (None, 0) => {}
            (Some(c), n) if n > 0 && (0.0..=1.0).contains(&c) => {}
            (c, n) => {
                return Err(format!(
                    "{} is {c:?} for {n} runs with an interval; it must be a fraction when \
                     some run has an interval and null when none has",
                    field("coverage")
                ));
            }
        }
        for (name, value) in [
            ("mean_abs_log_error", self.mean_abs_log_error),
            ("rms_log_error", self.rms_log_error),
            ("mean_relative_error", self.mean_relative_error),
            ("max_relative_error", self.max_relative_error),
        ] {
            non_negative(&field(name), value)?;
        }
        Ok(())
    }

    fn check_run(&self, at: &str, run: &HeldOutRun) -> Result<(), String> {
        use crate::fields::{at_least, non_negative, path, positive};
        at_least(&path(at, "row"), run.row, 1, "source rows count from 1")?;
        for (name, value) in [
            ("n_params", run.n_params),
            ("n_tokens", run.n_tokens),
            ("compute", run.compute),
            ("observed", run.observed),
            ("predicted", run.predicted),
        ] {
            positive(&path(at, name), value)?;
        }
        non_negative(&path(at, "relative_error"), run.relative_error)?;
        if let Some((lo, hi)) = run.prediction_interval
            && lo > hi
        {
            return Err(format!(
                "{} is [{lo}, {hi}]; its lower end must not lie above its upper end",
                path(at, "prediction_interval")
            ));
        }
        if !self.folds.is_empty() && run.fold >= self.folds.len() {
            return Err(format!(
                "{} is {} but there are {} folds",
                path(at, "fold"),
                run.fold,
                self.folds.len()
            ));
        }
        Ok(())
    }
}

/// Fit `data` without the runs `rule` holds out, and test the predictions on them.
///
/// Returns the fit (for rolling origin, the fold with the most training runs), its training
/// set and the report.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--holdout` for an impossible split or `--level` outside
/// (0, 1); errors of [`fit_dataset`].
pub fn holdout(
    data: &Dataset,
    config: &FitConfig,
    rule: HoldoutRule,
    level: f64,
) -> Result<(FitReport, Dataset, HoldoutReport), Error> {
    holdout_with(data, config, rule, level, &|| {})
}

/// [`holdout`], whose fits report to `progress` (each fold's fit counts its starts) and stop
/// when it is stopped.
///
/// # Errors
///
/// As [`holdout`], and [`Error::Stopped`] once `progress` is stopped.
pub fn holdout_with(
    data: &Dataset,
    config: &FitConfig,
    rule: HoldoutRule,
    level: f64,
    progress: &dyn Progress,
) -> Result<(FitReport, Dataset, HoldoutReport), Error> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::invalid_option(
            "--level",
            format!("must lie strictly between 0 and 1, got {level}"),
        ));
    }
    let splits = split(data, &rule, config.params.n_free())?;
    let several = splits.len() > 1;
    let mut runs = Vec::new();
    let mut folds = Vec::new();
    let mut last = None;
    let mut first_failure = None;
    for (fold, (train_mask, test_mask)) in splits.iter().enumerate() {
        let train = data.subset(train_mask);
        let test = data.subset(test_mask);
        let fitted = train
            .check_identifiable(config.params.n_free())
            .and_then(|()| fit_dataset(&train, config, progress));
        let report = match fitted {
            Ok(report) => report,
            Err(e @ Error::Stopped { .. }) => return Err(e),
            // One fold of several that cannot be fitted (too few kinds of run below its cut,
            // a fit that diverges) is reported as failed; the other folds still count.
            Err(e) if several => {
                folds.push(HoldoutFold {
                    train_runs: train.len(),
                    train_max_compute: max(&train.compute),
                    test_runs: test.len(),
                    params_exponent: None,
                    calibration: ExtrapolationCalibration {
                        kappa: None,
                        cuts: Vec::new(),
                        points: 0,
                        sufficient: false,
                        misfit: false,
                    },
                    failed: Some(e.to_string()),
                });
                first_failure.get_or_insert(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let obs = train.observations();
        let model = PredictiveModel::new(&obs, &report.fitted, level);
        let law = report.fitted.to_law();
        for i in 0..test.len() {
            let (n, d, observed) = (test.n_params[i], test.n_tokens[i], test.loss[i]);
            let unique = test.unique_tokens.as_ref().map(|u| u[i]);
            let row = Row::of_run(n, d, test.compute[i], unique);
            let predicted = law.loss_run(n, d, &row);
            let interval: PredictionInterval = model.interval_run(n, d, &row, None);
            runs.push(HeldOutRun {
                row: test.rows[i],
                n_params: n,
                n_tokens: d,
                compute: test.compute[i],
                observed,
                predicted,
                log_error: (observed / predicted).ln(),
                relative_error: (predicted - observed).abs() / observed,
                prediction_interval: interval.bounds(),
                extrapolation_decades: interval.extrapolation_decades,
                fold,
            });
        }
        folds.push(HoldoutFold {
            train_runs: train.len(),
            train_max_compute: max(&train.compute),
            test_runs: test.len(),
            params_exponent: report.fitted.params_exponent,
            calibration: model.calibration.clone(),
            failed: None,
        });
        last = Some((report, train));
    }
    let Some((report, train)) = last else {
        return Err(first_failure.unwrap_or_else(|| {
            Error::invalid_option("--holdout", "the rule left no runs to predict")
        }));
    };
    let summary = summarise(rule, level, &train, folds, runs);
    Ok((report, train, summary))
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

fn summarise(
    rule: HoldoutRule,
    level: f64,
    train: &Dataset,
    folds: Vec<HoldoutFold>,
    runs: Vec<HeldOutRun>,
) -> HoldoutReport {
    let n = runs.len() as f64;
    let errors: Vec<f64> = runs.iter().map(|r| r.log_error).collect();
    let covered: Vec<bool> = runs
        .iter()
        .filter_map(|r| {
            r.prediction_interval
                .map(|(lo, hi)| (lo..=hi).contains(&r.observed))
        })
        .collect();
    HoldoutReport {
        rule,
        level,
        train_runs: train.len(),
        train_max_compute: max(&train.compute),
        folds,
        mean_abs_log_error: errors.iter().map(|e| e.abs()).sum::<f64>() / n,
        rms_log_error: (errors.iter().map(|e| e * e).sum::<f64>() / n).sqrt(),
        mean_log_error: errors.iter().sum::<f64>() / n,
        mean_relative_error: runs.iter().map(|r| r.relative_error).sum::<f64>() / n,
        max_relative_error: runs.iter().map(|r| r.relative_error).fold(0.0, f64::max),
        coverage: (!covered.is_empty())
            .then(|| covered.iter().filter(|c| **c).count() as f64 / covered.len() as f64),
        with_interval: covered.len(),
        runs,
    }
}

type Split = (Vec<bool>, Vec<bool>);

/// The (train, test) masks of each fold of `rule` over `data`.
fn split(data: &Dataset, rule: &HoldoutRule, n_free: usize) -> Result<Vec<Split>, Error> {
    let n = data.len();
    let complement = |test: Vec<bool>| -> Split { (test.iter().map(|t| !t).collect(), test) };
    let single = |test: Vec<bool>| -> Result<Vec<Split>, Error> {
        let held = test.iter().filter(|t| **t).count();
        if held == 0 || held == n {
            return Err(Error::invalid_option(
                "--holdout",
                format!(
                    "the rule holds out {held} of {n} runs; it must leave some runs to fit and some to predict"
                ),
            ));
        }
        Ok(vec![complement(test)])
    };
    match rule {
        HoldoutRule::LargestCompute(k) => single(largest(&data.compute, *k, n)?),
        HoldoutRule::LargestParams(k) => single(largest(&data.n_params, *k, n)?),
        HoldoutRule::Rows { rows, condition } => {
            let test: Vec<bool> = data.rows.iter().map(|r| rows.contains(r)).collect();
            if !test.iter().any(|t| *t) {
                return Err(Error::invalid_option(
                    "--holdout",
                    format!("no run used in the fit matches '{}'", shorten(condition)),
                ));
            }
            single(test)
        }
        HoldoutRule::RollingOrigin => {
            let decade: Vec<i32> = data
                .compute
                .iter()
                .map(|c| c.log10().floor() as i32)
                .collect();
            let mut decades = decade.clone();
            decades.sort_unstable();
            decades.dedup();
            let min_train = n_free + 2;
            let folds: Vec<Split> = decades
                .iter()
                .map(|&d| {
                    let train: Vec<bool> = decade.iter().map(|&x| x < d).collect();
                    let test: Vec<bool> = decade.iter().map(|&x| x == d).collect();
                    (train, test)
                })
                .filter(|(train, _)| train.iter().filter(|t| **t).count() >= min_train)
                .collect();
            if folds.is_empty() {
                return Err(Error::invalid_option(
                    "--holdout",
                    format!(
                        "rolling-origin needs at least two compute decades with {min_train} or more \
                         runs below the last; these runs span {} decade(s)",
                        decades.len()
                    ),
                ));
            }
            Ok(folds)
        }
    }
}

/// Mask of the `k` largest values, extended to every value tied with the `k`-th.
fn largest(values: &[f64], k: usize, n: usize) -> Result<Vec<bool>, Error> {
    if k == 0 || k >= n {
        return Err(Error::invalid_option(
            "--holdout",
            format!(
                "cannot hold out {k} of {n} runs; choose between 1 and {}",
                n.saturating_sub(1)
            ),
        ));
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let cutoff = sorted[k - 1] * (1.0 - TIE_RTOL);
    Ok(values.iter().map(|&v| v >= cutoff).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_at_the_cut_off_go_to_the_held_out_side() {
        let v = [1.0, 5.0, 3.0, 5.0, 2.0];
        assert_eq!(
            largest(&v, 1, 5).unwrap(),
            vec![false, true, false, true, false]
        );
        assert_eq!(
            largest(&v, 3, 5).unwrap(),
            vec![false, true, true, true, false]
        );
        assert!(largest(&v, 5, 5).is_err());
        assert!(largest(&v, 0, 5).is_err());
    }
}
