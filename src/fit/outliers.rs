//! Which runs lie too far from a fitted law to be noise: studentised residuals against a
//! threshold calibrated to the number of runs and parameters.
//!
//! ```text
//! r_i    = log L_i - log L^(N_i, D_i) - median(r)          (centred log residuals)
//! s_0    = 1.4826 · median of |r_i| without the p smallest     (p = free parameters)
//! K      = { i : |r_i| <= t·s },  s = sqrt( sum_K r_i^2 / (|K| - p) ),   from s = s_0, twice
//! t      = Student-t quantile, |K| - p dof, at 1 - alpha/(2n)       (Bonferroni over n runs)
//! h_i    = w_i · g_i^T (J^T J)^-1 g_i                        (leverage; g_i = d log L^_i / d theta)
//! z_i    = r_i / s                                           (most runs)
//! z_i    = e_i / (s_(i) · sqrt(1 + g_i^T (J_(i)^T J_(i))^-1 g_i))  (candidates: deleted residual)
//! ```
//!
//! The scale. The default objective (Huber with a threshold of 1e-3, far below the noise of
//! real sweeps) is nearly least absolute deviations, which passes the law through about p runs
//! exactly: their residuals are zero whatever the noise. With 20 runs and 5 parameters a
//! quarter of the residuals are zero, so the robust sd 1.4826·MAD came out far too small, and
//! runs 2.5 true sds off were called 4 robust sds away (7 of 30 clean 20-run sweeps had a
//! false alarm). `s` skips the p exactly fitted runs for its first guess, then is the root mean
//! square of the runs within the threshold with `n - p` degrees of freedom (the least-squares
//! estimate of the noise, with the runs it flags left out so that they cannot inflate it).
//!
//! The threshold grows with the number of runs (each run is one more chance of a false alarm)
//! and with the uncertainty of `s` (few degrees of freedom): for normal scatter a clean sweep
//! has any run flagged with probability at most [`OUTLIER_SWEEP_ALPHA`].
//!
//! Masking. A run far from the others in N or D (high leverage), such as a run whose tokens
//! were given in thousands, pulls a least-absolute-deviations fit through itself: its own
//! residual is zero. For such runs, and for any run near zero or near the threshold, the
//! residual is replaced by its deleted residual `e_i`: the run's log loss less the prediction
//! of the law refitted without it (one L-BFGS run from the fit), scaled by the refit's `s_(i)`
//! and by the spread of that prediction (Cook and Weisberg 1982, section 2.2, externally
//! studentised residuals). `benches/warnings/README.md` measures false alarms and power.

use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::solver::run_lbfgs;
use super::{FittedLaw, Objective, Observations, ParamSpec};
use crate::law::Row;
use crate::stats::{MAD_TO_SD, median};

/// Chance that a clean sweep with normal scatter has any run reported as outlying (the
/// Bonferroni bound over its runs): 1 in 1000.
pub const OUTLIER_SWEEP_ALPHA: f64 = 1e-3;
/// Floor on the residual scale in z-scores: 0.1% in loss, below the noise of any real sweep,
/// so that noise-free data do not make every rounding error an outlier.
pub const MIN_SCALE: f64 = 1e-3;
/// Fewest degrees of freedom the scale is given.
const MIN_SCALE_DOF: usize = 2;
/// Runs whose leverage exceeds this multiple of the mean leverage `p/n` get a deleted
/// residual (Belsley, Kuh and Welsch 1980: twice the mean marks a high-leverage run).
const HIGH_LEVERAGE: f64 = 2.0;
/// Runs within this many sds of the law (the runs the fit passes through) or beyond this
/// share of the threshold get a deleted residual.
const NEAR_ZERO: f64 = 0.1;
const NEAR_THRESHOLD: f64 = 0.5;
/// Most runs given a deleted residual (each one a refit of the law on every other run). A
/// sweep of n runs has about 0.08·n runs within 0.1 sds of the law by chance, so without a cap
/// the check costs O(n²): a million runs took more than twenty minutes. The candidates kept
/// are those of highest leverage (the runs that can pull the fit through themselves), then
/// the farthest out; sweeps of up to a few hundred runs, where the warning's false alarms and
/// power were measured, rarely have this many candidates. Past [`DELETED_WORK`] runs the cap
/// falls in proportion (each refit costs in proportion to the runs, and one run among many
/// moves the fit less), to no fewer than [`MIN_DELETED_RESIDUALS`].
pub const MAX_DELETED_RESIDUALS: usize = 32;
/// Runs up to which [`MAX_DELETED_RESIDUALS`] refits are made.
pub const DELETED_WORK: usize = 10_000;
/// Fewest refits made however many runs there are: the highest-leverage runs.
pub const MIN_DELETED_RESIDUALS: usize = 4;

/// How many runs of a sweep of `n` get a deleted residual at most.
pub fn deleted_residual_cap(n: usize) -> usize {
    (MAX_DELETED_RESIDUALS * DELETED_WORK / n.max(1))
        .clamp(MIN_DELETED_RESIDUALS, MAX_DELETED_RESIDUALS)
}

/// The scatter of the residuals about the law, with the threshold beyond which a run is
/// outlying (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResidualScale {
    /// The residual sd `s`, from the runs within the threshold, with `n - p` degrees of freedom.
    pub sd: f64,
    /// Its degrees of freedom: runs within the threshold less the free parameters.
    pub dof: usize,
    /// The studentised residual beyond which a run is outlying.
    pub threshold: f64,
}

impl ResidualScale {
    /// The scale of `centred` residuals of a fit with `n_free` free parameters.
    pub fn of(centred: &[f64], n_free: usize) -> Self {
        let n = centred.len();
        let mut abs: Vec<f64> = centred.iter().map(|x| x.abs()).collect();
        abs.sort_by(f64::total_cmp);
        let skip = n_free.min(n.saturating_sub(1));
        let mut sd = MAD_TO_SD * median(&abs[skip..]);
        let mut dof = n.saturating_sub(n_free).max(MIN_SCALE_DOF);
        let mut threshold = outlier_threshold(n, dof);
        for _ in 0..2 {
            let cut = threshold * sd.max(MIN_SCALE);
            let kept: Vec<f64> = abs.iter().copied().filter(|a| *a <= cut).collect();
            dof = kept.len().saturating_sub(n_free).max(MIN_SCALE_DOF);
            sd = (kept.iter().map(|a| a * a).sum::<f64>() / dof as f64).sqrt();
            threshold = outlier_threshold(n, dof);
        }
        ResidualScale { sd, dof, threshold }
    }

    /// `s` with its floor [`MIN_SCALE`].
    pub fn floored(&self) -> f64 {
        self.sd.max(MIN_SCALE)
    }
}

/// The Student-t quantile (`dof` degrees of freedom) that a clean sweep of `n` runs exceeds
/// anywhere with probability at most [`OUTLIER_SWEEP_ALPHA`] (Bonferroni over the runs).
pub fn outlier_threshold(n: usize, dof: usize) -> f64 {
    let tail = OUTLIER_SWEEP_ALPHA / (2.0 * n.max(1) as f64);
    StudentsT::new(0.0, 1.0, dof.max(1) as f64)
        .map(|t| t.inverse_cdf(1.0 - tail))
        .unwrap_or(f64::INFINITY)
}

/// The studentised residual of every run of `obs` (the runs `fitted` was fitted to), and the
/// scale and threshold they are judged by.
pub fn studentised(obs: &Observations, fitted: &FittedLaw) -> (ResidualScale, Vec<f64>) {
    let spec = &fitted.config.params;
    let p = spec.n_free();
    let centre = median(&fitted.residuals);
    let centred: Vec<f64> = fitted.residuals.iter().map(|x| x - centre).collect();
    let scale = ResidualScale::of(&centred, p);
    let s = scale.floored();
    let leverage = leverage(obs, &fitted.theta, spec);
    let n = obs.len();
    let high = HIGH_LEVERAGE * p as f64 / n as f64;
    let mut z: Vec<f64> = centred.iter().map(|r| r / s).collect();
    let mut candidates: Vec<usize> = (0..n)
        .filter(|&i| {
            leverage[i].is_none_or(|h| h > high)
                || z[i].abs() < NEAR_ZERO
                || z[i].abs() > NEAR_THRESHOLD * scale.threshold
        })
        .collect();
    let cap = deleted_residual_cap(n);
    if candidates.len() > cap {
        // Highest leverage first (a singular information matrix counts as the highest), then
        // the farthest from the law.
        let key = |i: usize| (leverage[i].unwrap_or(f64::INFINITY), z[i].abs());
        candidates.sort_by(|&a, &b| {
            let (ka, kb) = (key(a), key(b));
            kb.0.total_cmp(&ka.0).then(kb.1.total_cmp(&ka.1))
        });
        candidates.truncate(cap);
    }
    let deleted: Vec<(usize, Option<f64>)> = candidates
        .into_par_iter()
        .map(|i| (i, deleted(obs, fitted, i)))
        .collect();
    for (i, d) in deleted {
        if let Some(d) = d {
            z[i] = d;
        }
    }
    (scale, z)
}

/// The deleted studentised residual of run `i` (module docs); `None` when the refit without it
/// fails or leaves the parameters unidentified.
fn deleted(obs: &Observations, fitted: &FittedLaw, i: usize) -> Option<f64> {
    let spec = &fitted.config.params;
    let others: Vec<usize> = (0..obs.len()).filter(|&j| j != i).collect();
    let rest = obs.select(&others);
    let objective = Objective::for_law(&rest, fitted.family, fitted.config.loss);
    let run = run_lbfgs(&objective, spec, &fitted.theta, &fitted.config.solver);
    if !run.objective.is_finite() {
        return None;
    }
    let residuals = objective.residuals(&run.theta);
    let centre = median(&residuals);
    let centred: Vec<f64> = residuals.iter().map(|x| x - centre).collect();
    let s = ResidualScale::of(&centred, spec.n_free()).floored();
    let row = obs.row(i);
    let family = fitted.family.family();
    let error =
        obs.log_loss()[i] - family.log_prediction(&run.theta, &row.for_family(family)) - centre;
    let information = information(&rest, &run.theta, spec);
    let spread = quadratic_form_inverse(&information, &free_gradient(spec, &run.theta, &row))?;
    let z = error / (s * (1.0 + spread).sqrt());
    z.is_finite().then_some(z)
}

/// Leverage `h_i` of every run (`None` where the information matrix is singular).
fn leverage(obs: &Observations, theta: &[f64], spec: &ParamSpec) -> Vec<Option<f64>> {
    let information = information(obs, theta, spec);
    (0..obs.len())
        .map(|i| {
            let g = free_gradient(spec, theta, &obs.row(i));
            quadratic_form_inverse(&information, &g).map(|h| h * obs.weights()[i])
        })
        .collect()
}

/// Gradient of `log L^` with respect to the free parameters at `row`.
fn free_gradient(spec: &ParamSpec, theta: &[f64], row: &Row) -> Vec<f64> {
    let family = spec.law().family();
    let mut grad = vec![0.0; theta.len()];
    family.log_prediction_with_gradient(theta, &row.for_family(family), &mut grad);
    spec.reduce_gradient(&grad)
}

/// `J^T W J` over the runs of `obs` (free parameters).
fn information(obs: &Observations, theta: &[f64], spec: &ParamSpec) -> Vec<Vec<f64>> {
    let p = spec.n_free();
    let mut m = vec![vec![0.0; p]; p];
    for i in 0..obs.len() {
        let g = free_gradient(spec, theta, &obs.row(i));
        let w = obs.weights()[i];
        for a in 0..p {
            for b in 0..p {
                m[a][b] += w * g[a] * g[b];
            }
        }
    }
    m
}

/// `g^T M^-1 g` for a symmetric positive definite `M`, by its Cholesky factor; `None` when `M`
/// is not positive definite (to rounding).
fn quadratic_form_inverse(m: &[Vec<f64>], g: &[f64]) -> Option<f64> {
    let p = g.len();
    let mut l = vec![vec![0.0; p]; p];
    for a in 0..p {
        for b in 0..=a {
            let dot: f64 = (0..b).map(|k| l[a][k] * l[b][k]).sum();
            if a == b {
                let d = m[a][a] - dot;
                if d.is_nan() || d <= 1e-12 * m[a][a].abs() {
                    return None;
                }
                l[a][a] = d.sqrt();
            } else {
                l[a][b] = (m[a][b] - dot) / l[b][b];
            }
        }
    }
    let mut y = vec![0.0; p];
    for a in 0..p {
        let dot: f64 = (0..a).map(|k| l[a][k] * y[k]).sum();
        y[a] = (g[a] - dot) / l[a][a];
    }
    Some(y.iter().map(|v| v * v).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleted_residuals_are_capped_by_the_work_they_cost() {
        assert_eq!(deleted_residual_cap(20), MAX_DELETED_RESIDUALS);
        assert_eq!(deleted_residual_cap(DELETED_WORK), MAX_DELETED_RESIDUALS);
        assert_eq!(
            deleted_residual_cap(4 * DELETED_WORK),
            MAX_DELETED_RESIDUALS / 4
        );
        assert_eq!(deleted_residual_cap(1_000_000), MIN_DELETED_RESIDUALS);
    }

    #[test]
    fn quadratic_form_of_a_known_matrix() {
        // M = [[4, 2], [2, 3]], M^-1 = [[3, -2], [-2, 4]] / 8; g = (1, 1): g^T M^-1 g = 3/8.
        let m = vec![vec![4.0, 2.0], vec![2.0, 3.0]];
        let q = quadratic_form_inverse(&m, &[1.0, 1.0]).expect("positive definite");
        assert!((q - 0.375).abs() < 1e-12, "{q}");
        assert!(quadratic_form_inverse(&[vec![1.0, 1.0], vec![1.0, 1.0]], &[1.0, 0.0]).is_none());
    }

    #[test]
    fn the_threshold_grows_with_the_runs_and_shrinks_with_the_degrees_of_freedom() {
        // Student t, 1 - 1e-3/(2·20) = 0.999975: about 4.1 for many dof (the normal quantile).
        let many = outlier_threshold(20, 100_000);
        assert!((many - 4.056).abs() < 0.01, "{many}");
        assert!(outlier_threshold(300, 1000) > outlier_threshold(20, 1000));
        assert!(outlier_threshold(20, 15) > outlier_threshold(20, 100));
    }

    #[test]
    fn the_scale_ignores_the_runs_fitted_exactly() {
        // 15 residuals of sd about 0.01 and 5 exact zeros (the runs the fit passes through).
        let noise = [
            -0.012, 0.008, 0.015, -0.004, 0.011, -0.019, 0.006, -0.009, 0.013, -0.007, 0.002,
            -0.016, 0.010, -0.005, 0.009,
        ];
        let mut r = noise.to_vec();
        r.extend([0.0; 5]);
        let all = ResidualScale::of(&r, 5);
        let rms = (noise.iter().map(|x| x * x).sum::<f64>() / 15.0).sqrt();
        assert!((all.sd / rms - 1.0).abs() < 0.05, "{} vs {rms}", all.sd);
        assert_eq!(
            all.dof, 15,
            "the zeros count as the parameters' degrees of freedom"
        );
    }
}
