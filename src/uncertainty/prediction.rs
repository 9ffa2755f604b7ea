//! Prediction intervals for the loss of a new run at `(N, D)`, honest about three sources of
//! error: the scatter of runs around the law, the uncertainty of the law itself, and the error
//! that grows as a question moves beyond the compute the law was fitted on.
//!
//! ```text
//! log L_obs  in  log L^(N, D) ± H,      H = sqrt(h_scatter² + h_law(N, D)² + (z·kappa·x)²)
//!
//! h_scatter  = Q_level(|r_i - median r|) · sqrt(n / (n - p))    training residuals r, p free params
//! h_law      = z · sd of log L^ (delta method), or the bootstrap percentile half-widths
//! x          = max(0, log10(N·D / max_i N_i·D_i))              decades of compute beyond the data
//! z          = Φ^-1((1 + level) / 2)
//! ```
//!
//! `kappa`, the growth of the error per decade of extrapolation, is learned from the data by
//! rolling-origin conformal calibration:
//! 1. cut the runs at several compute levels (the IsoFLOP budgets when the runs form groups,
//!    else the 50th to 90th percentiles of compute);
//! 2. for each cut, refit the law to the runs at or below it and predict the runs above it;
//! 3. each prediction `i` needs `kappa_i = sqrt(max(0, e_i² - h_scatter² - h_law,i²)) / (z·x_i)`
//!    to be covered (`e_i` its log error, the two `h` from that cut's fit);
//! 4. `kappa` is the `⌈(m + 1)·level⌉`-th smallest of the `m` values (the split-conformal
//!    quantile, Vovk et al. 2005; Lei et al. 2018, "Distribution-free predictive inference for
//!    regression"), or the largest when `m` is too small for the level, which is flagged;
//! 5. when the fit's residuals show a misfit (the residual-trend or spread warning,
//!    [`crate::fit::checks::misfit_detected`]), `kappa` is the largest of the `m` values: the
//!    law's form misses the data, so extrapolating from the cuts is no longer like extrapolating
//!    from all of it (a drifting exponent bends further the larger the runs), and the worst
//!    extrapolation seen inside the data is the measured error that remains. On simulated
//!    misfits (`benches/warnings/README.md`) this raised the coverage of the held-out largest
//!    budget, among sweeps with the warning, from 74-80% to 85-94%.
//!
//! Assumptions, stated so users can judge them: the errors of extrapolating by `x` decades
//! from the cuts inside the data are like the errors of extrapolating by `x` decades from all of
//! it (exchangeability across compute scales); the error grows at most linearly in `x`; runs
//! are independent given the law. Predictions of runs above one cut share that cut's fit, so
//! the `m` values are not independent, and the finite-sample guarantee of split conformal
//! prediction holds only approximately. The calibration study in `benches/calibration` measures
//! the coverage this gives on simulated sweeps, including misspecified ones.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::delta::{ParameterCovariance, robust_scale};
use super::resample::{GROUP_GAP_DECADES, log10_nd};
use crate::fit::{FitConfig, FittedLaw, Observations, StartSelection, fit};
use crate::law::{Law, Row};
use crate::stats::median;

/// Most cuts used by the calibration (the largest ones are kept).
pub const MAX_CUTS: usize = 6;
/// Starts run per refit of the calibration (the best of the start grid by objective).
pub const CALIBRATION_STARTS: usize = 20;

/// How the extrapolation term was calibrated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtrapolationCalibration {
    /// Growth of the log-loss error per decade of compute beyond the data (see the module docs);
    /// `None` when the data offer no cut to learn it from.
    pub kappa: Option<f64>,
    /// The cuts used: largest `log10(N·D)` of the runs fitted, and runs fitted and predicted.
    pub cuts: Vec<CalibrationCut>,
    /// Predictions the conformal quantile was taken over.
    pub points: usize,
    /// False when `points` is too few for the level: `kappa` is then the largest value seen,
    /// and intervals beyond the data are less certain than their level says.
    pub sufficient: bool,
    /// True when the residuals of the fit show a misfit (the residual-trend or spread warning):
    /// the errors of extrapolating from the cuts inside the data then do not stand for those of
    /// extrapolating from all of it, and `kappa` is the largest value any prediction needed
    /// instead of the conformal quantile (see the module docs).
    #[serde(default)]
    pub misfit: bool,
}

/// One cut of the rolling-origin calibration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationCut {
    /// `log10(N·D)` of the largest run fitted.
    pub log10_nd: f64,
    /// Runs fitted.
    pub fitted: usize,
    /// Runs above the cut that were predicted.
    pub predicted: usize,
}

/// Half-widths (log space) of the parts of a prediction interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IntervalParts {
    /// Run-to-run scatter.
    pub scatter: f64,
    /// Uncertainty of the law, below the prediction.
    pub law_lower: f64,
    /// Uncertainty of the law, above the prediction.
    pub law_upper: f64,
    /// Extrapolation beyond the data.
    pub extrapolation: f64,
}

/// A prediction interval for an observed loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PredictionInterval {
    /// Lower end, or `None` when it cannot be told (see `reason`).
    pub lower: Option<f64>,
    /// Upper end, or `None`.
    pub upper: Option<f64>,
    /// Decades of compute beyond the largest run fitted (0 inside the data).
    pub extrapolation_decades: f64,
    /// The parts, when the interval exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<IntervalParts>,
    /// True when the interval lies beyond the data and its extrapolation term was widened
    /// because the fit's residuals show a misfit (see the module docs).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub widened_for_misfit: bool,
}

impl PredictionInterval {
    /// `(lower, upper)` when both exist.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        Some((self.lower?, self.upper?))
    }

    /// Whether `loss` lies inside; `None` when there is no interval.
    pub fn covers(&self, loss: f64) -> Option<bool> {
        self.bounds().map(|(lo, hi)| (lo..=hi).contains(&loss))
    }
}

/// Everything needed to give a prediction interval at any `(N, D)` for one fitted law.
#[derive(Debug, Clone)]
pub struct PredictiveModel {
    level: f64,
    z: f64,
    law: Law,
    scatter: f64,
    covariance: Option<ParameterCovariance>,
    max_log10_nd: f64,
    /// The extrapolation calibration.
    pub calibration: ExtrapolationCalibration,
}

/// The standard normal quantile `Φ^-1((1 + level) / 2)`.
pub fn two_sided_z(level: f64) -> f64 {
    Normal::standard().inverse_cdf(0.5 + level / 2.0)
}

/// Half-width of the scatter part from training residuals: the conformal quantile of the
/// absolute deviations from their median, inflated for the parameters the fit used up.
pub fn scatter_half_width(residuals: &[f64], n_free: usize, level: f64) -> f64 {
    let n = residuals.len();
    if n == 0 {
        return f64::NAN;
    }
    let med = median(residuals);
    let mut dev: Vec<f64> = residuals.iter().map(|r| (r - med).abs()).collect();
    let q = conformal_quantile(&mut dev, level).map_or(f64::NAN, |(q, _)| q);
    let dof = (n as f64 / (n.saturating_sub(n_free)).max(1) as f64).sqrt();
    q * dof
}

/// The conformal quantile: the `⌈(m + 1)·level⌉`-th smallest of `values`, and whether there
/// were enough values for it (else the largest).
pub fn conformal_quantile(values: &mut [f64], level: f64) -> Option<(f64, bool)> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len();
    let k = (((m + 1) as f64) * level).ceil() as usize;
    Some(if k > m {
        (values[m - 1], false)
    } else {
        (values[k.max(1) - 1], true)
    })
}

/// Cut levels in `log10(N·D)`: the tops of all groups but the last when the runs form at least
/// three groups (an IsoFLOP sweep), else the 50th, 60th, ..., 90th percentiles.
pub fn cut_levels(levels: &[f64]) -> Vec<f64> {
    let mut v = levels.to_vec();
    v.sort_by(f64::total_cmp);
    let mut tops = Vec::new();
    for w in v.windows(2) {
        if w[1] - w[0] > GROUP_GAP_DECADES {
            tops.push(w[0]);
        }
    }
    if tops.len() >= 2 {
        return tops;
    }
    let mut cuts: Vec<f64> = [0.5, 0.6, 0.7, 0.8, 0.9]
        .iter()
        .map(|q| v[((v.len() as f64 * q) as usize).min(v.len() - 1)])
        .filter(|&c| c < v[v.len() - 1])
        .collect();
    cuts.dedup();
    cuts
}

impl PredictiveModel {
    /// Build the model for `fitted`, fitted to `obs`, at confidence `level`; refits the law at
    /// each cut of the rolling-origin calibration.
    pub fn new(obs: &Observations, fitted: &FittedLaw, level: f64) -> Self {
        let n_free = fitted.config.params.n_free();
        let scale = robust_scale(&fitted.residuals);
        let max_log10_nd = (0..obs.len())
            .map(|i| log10_nd(obs, i))
            .fold(f64::NEG_INFINITY, f64::max);
        PredictiveModel {
            level,
            z: two_sided_z(level),
            law: fitted.to_law(),
            scatter: scatter_half_width(&fitted.residuals, n_free, level),
            covariance: ParameterCovariance::estimate(
                obs,
                &fitted.theta,
                &fitted.config.params,
                scale,
            ),
            max_log10_nd,
            calibration: calibrate_with(
                obs,
                &fitted.config,
                level,
                crate::fit::checks::misfit_detected(obs, fitted),
            ),
        }
    }

    /// The confidence level.
    pub fn level(&self) -> f64 {
        self.level
    }

    /// Interval at `(N, D)` (fresh tokens, `C = 6·N·D`). With `loss_draws` (the predicted
    /// loss of each bootstrap draw of the law) the law's part is their percentile interval;
    /// otherwise the delta method's.
    pub fn interval(
        &self,
        n_params: f64,
        n_tokens: f64,
        loss_draws: Option<&[f64]>,
    ) -> PredictionInterval {
        let row = Row::new(
            n_params,
            n_tokens,
            crate::data::DEFAULT_FLOPS_PER_PARAM_TOKEN,
        );
        self.interval_run(n_params, n_tokens, &row, loss_draws)
    }

    /// Interval for a run with `N`, `D` and the other inputs of `row` (see [`Law::loss_run`]),
    /// as [`PredictiveModel::interval`].
    pub fn interval_run(
        &self,
        n_params: f64,
        n_tokens: f64,
        row: &Row,
        loss_draws: Option<&[f64]>,
    ) -> PredictionInterval {
        let point = self.law.loss_run(n_params, n_tokens, row).ln();
        let x = ((n_params.ln() + n_tokens.ln()) / std::f64::consts::LN_10 - self.max_log10_nd)
            .max(0.0);
        let none = PredictionInterval {
            lower: None,
            upper: None,
            extrapolation_decades: x,
            parts: None,
            widened_for_misfit: false,
        };
        let law = match loss_draws {
            Some(draws) if draws.len() >= 2 => {
                let logs: Vec<f64> = draws.iter().filter(|l| **l > 0.0).map(|l| l.ln()).collect();
                let e = super::estimate(point, &logs, self.level);
                match (e.lower, e.upper) {
                    (Some(lo), Some(hi)) => Some(((point - lo).max(0.0), (hi - point).max(0.0))),
                    _ => None,
                }
            }
            _ => self
                .covariance
                .as_ref()
                .map(|c| c.log_prediction_sd_row(row) * self.z)
                .map(|h| (h, h)),
        };
        let extrapolation = if x > 0.0 {
            self.calibration.kappa.map(|k| self.z * k * x)
        } else {
            Some(0.0)
        };
        let (Some((law_lower, law_upper)), Some(extrapolation)) = (law, extrapolation) else {
            return none;
        };
        if !(point.is_finite() && self.scatter.is_finite()) {
            return none;
        }
        let s2 = self.scatter.powi(2) + extrapolation.powi(2);
        let lower = (point - (s2 + law_lower.powi(2)).sqrt()).exp();
        let upper = (point + (s2 + law_upper.powi(2)).sqrt()).exp();
        if !(lower.is_finite() && upper.is_finite()) {
            return none;
        }
        PredictionInterval {
            lower: Some(lower),
            upper: Some(upper),
            extrapolation_decades: x,
            parts: Some(IntervalParts {
                scatter: self.scatter,
                law_lower,
                law_upper,
                extrapolation,
            }),
            widened_for_misfit: self.calibration.misfit && x > 0.0,
        }
    }
}

/// Rolling-origin conformal calibration of the extrapolation term (see the module docs).
pub fn calibrate(obs: &Observations, config: &FitConfig, level: f64) -> ExtrapolationCalibration {
    calibrate_with(obs, config, level, false)
}

/// [`calibrate`]; with `misfit`, `kappa` is the largest value needed by any prediction (the
/// worst extrapolation seen inside the data) instead of the conformal quantile.
pub fn calibrate_with(
    obs: &Observations,
    config: &FitConfig,
    level: f64,
    misfit: bool,
) -> ExtrapolationCalibration {
    let n_free = config.params.n_free();
    let z = two_sided_z(level);
    let levels: Vec<f64> = (0..obs.len()).map(|i| log10_nd(obs, i)).collect();
    let min_train = (4 * n_free).max(12);
    let mut cuts: Vec<f64> = cut_levels(&levels)
        .into_iter()
        .filter(|&c| levels.iter().filter(|&&l| l <= c).count() >= min_train)
        .collect();
    if cuts.len() > MAX_CUTS {
        cuts.drain(..cuts.len() - MAX_CUTS);
    }
    let refit = FitConfig {
        selection: match config.selection {
            StartSelection::Best(k) => StartSelection::Best(k.min(CALIBRATION_STARTS)),
            StartSelection::All => StartSelection::Best(CALIBRATION_STARTS),
        },
        subsample_rows: 0,
        ..config.clone()
    };
    let mut needed = Vec::new();
    let mut used = Vec::new();
    for &cut in &cuts {
        let train: Vec<usize> = (0..obs.len()).filter(|&i| levels[i] <= cut).collect();
        let test: Vec<usize> = (0..obs.len()).filter(|&i| levels[i] > cut).collect();
        let sub = obs.select(&train);
        if distinct(sub.log_n()) < 2 || distinct(sub.log_d()) < 2 {
            continue;
        }
        let Ok(report) = fit(&sub, &refit, &|| {}) else {
            continue;
        };
        let f = report.fitted;
        let h0 = scatter_half_width(&f.residuals, n_free, level);
        let cov = ParameterCovariance::estimate(
            &sub,
            &f.theta,
            &config.params,
            robust_scale(&f.residuals),
        );
        let top = train
            .iter()
            .map(|&i| levels[i])
            .fold(f64::NEG_INFINITY, f64::max);
        let law = f.to_law();
        for &i in &test {
            let (n, d) = (obs.log_n()[i].exp(), obs.log_d()[i].exp());
            // The logs of n and d, as a question at (n, d) would give them.
            let row = Row {
                log_n: n.ln(),
                log_d: d.ln(),
                ..obs.row(i)
            };
            let e = obs.log_loss()[i] - law.loss_run(n, d, &row).ln();
            let h_law = cov
                .as_ref()
                .map_or(0.0, |c| z * c.log_prediction_sd_row(&row));
            let x = levels[i] - top;
            let excess = e * e - h0 * h0 - h_law * h_law;
            let k = if excess > 0.0 {
                excess.sqrt() / (z * x)
            } else {
                0.0
            };
            if k.is_finite() {
                needed.push(k);
            }
        }
        used.push(CalibrationCut {
            log10_nd: top,
            fitted: train.len(),
            predicted: test.len(),
        });
    }
    let points = needed.len();
    let largest = needed.iter().copied().fold(0.0, f64::max);
    match conformal_quantile(&mut needed, level) {
        Some((kappa, sufficient)) => ExtrapolationCalibration {
            kappa: Some(if misfit { largest } else { kappa }),
            cuts: used,
            points,
            sufficient,
            misfit,
        },
        None => ExtrapolationCalibration {
            kappa: None,
            cuts: used,
            points: 0,
            sufficient: false,
            misfit,
        },
    }
}

fn distinct(values: &[f64]) -> usize {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    1 + v.windows(2).filter(|w| w[1] - w[0] > 1e-9).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformal_quantile_takes_the_right_order_statistic() {
        let mut v: Vec<f64> = (1..=99).map(f64::from).collect();
        // ⌈100 · 0.95⌉ = 95
        assert_eq!(conformal_quantile(&mut v, 0.95), Some((95.0, true)));
        let mut few = vec![3.0, 1.0, 2.0];
        assert_eq!(conformal_quantile(&mut few, 0.95), Some((3.0, false)));
        assert_eq!(conformal_quantile(&mut [], 0.95), None);
    }

    #[test]
    fn cuts_are_group_tops_for_an_isoflop_sweep_and_percentiles_otherwise() {
        let grouped = [18.0, 18.0, 18.0, 19.0, 19.0, 20.0, 20.0, 21.0];
        assert_eq!(cut_levels(&grouped), vec![18.0, 19.0, 20.0]);
        let spread: Vec<f64> = (0..100).map(|i| 18.0 + i as f64 * 0.02).collect();
        let cuts = cut_levels(&spread);
        assert_eq!(cuts.len(), 5);
        assert!((cuts[0] - 19.0).abs() < 1e-9 && (cuts[4] - 19.8).abs() < 1e-9);
    }

    /// An IsoFLOP sweep (7 budgets from 1e18 FLOPs, half a decade apart, 9 sizes each over a
    /// factor 10 around 20 tokens per parameter) of Hoffmann et al.'s law whose exponents drift
    /// by `g` per decade (alpha(N) = alpha·(1 + g·log10(N/1e9)), likewise beta), with a fixed
    /// pattern of ±0.5% noise.
    fn drifting_sweep(g: f64) -> Observations {
        let law = crate::law::ChinchillaLaw::HOFFMANN_2022;
        let (mut n, mut d, mut loss) = (Vec::new(), Vec::new(), Vec::new());
        for b in 0..7 {
            let c = 1e18 * 10f64.powf(0.5 * b as f64);
            let centre = (c / 120.0).sqrt();
            for j in 0..9 {
                let np = centre * 10f64.powf((j as f64 - 4.0) / 8.0);
                let dt = c / (6.0 * np);
                let alpha = law.alpha * (1.0 + g * (np / 1e9).log10());
                let beta = law.beta * (1.0 + g * (dt / 2e10).log10());
                let clean = law.irreducible
                    + law.param_coef / np.powf(alpha)
                    + law.data_coef / dt.powf(beta);
                let noise = 0.005 * [1.0, -0.6, 0.2, -1.1, 0.7, -0.3, 0.9, -0.8][(b * 9 + j) % 8];
                n.push(np);
                d.push(dt);
                loss.push(clean * f64::exp(noise));
            }
        }
        Observations::new(&n, &d, &loss)
    }

    #[test]
    fn a_detected_misfit_widens_the_extrapolation_term_to_the_worst_seen() {
        let config = FitConfig::default();
        // A drift this strong is needed for the residuals of 63 runs to show it (at g = 0.3 the
        // fit absorbs most of it: its residual sd 0.014 against 0.005 of noise, no trend found).
        let drifting = drifting_sweep(0.4);
        let fitted = fit(&drifting, &config, &|| {}).unwrap().fitted;
        assert!(crate::fit::checks::misfit_detected(&drifting, &fitted));
        let model = PredictiveModel::new(&drifting, &fitted, 0.95);
        let plain = calibrate(&drifting, &config, 0.95);
        assert!(model.calibration.misfit && !plain.misfit);
        assert_eq!(model.calibration.points, plain.points);
        let (widened, quantile) = (model.calibration.kappa.unwrap(), plain.kappa.unwrap());
        assert!(widened > quantile, "{widened} {quantile}");
        // Inside the data nothing changes; beyond it the interval is wider.
        let inside = model.interval(1e9, 2e10, None).parts.unwrap();
        assert!(inside.extrapolation.abs() < 1e-12);
        let far = model.interval(3e11, 6e12, None);
        assert!(far.widened_for_misfit);
        let x = far.extrapolation_decades;
        assert!(x > 0.5, "{x}");
        let term = far.parts.unwrap().extrapolation;
        assert!(
            (term - two_sided_z(0.95) * widened * x).abs() < 1e-12,
            "{term}"
        );
        // The same design without drift: no misfit, the conformal quantile.
        let clean = drifting_sweep(0.0);
        let fitted = fit(&clean, &config, &|| {}).unwrap().fitted;
        assert!(!crate::fit::checks::misfit_detected(&clean, &fitted));
        assert!(
            !PredictiveModel::new(&clean, &fitted, 0.95)
                .calibration
                .misfit
        );
    }

    #[test]
    fn z_of_95_percent() {
        assert!((two_sided_z(0.95) - 1.959964).abs() < 1e-6);
    }
}
