//! Local (delta-method) uncertainty of a fitted law, from the Jacobian of its log predictions.
//!
//! ```text
//! J[i, j]   = d log L^(row_i; theta) / d z_j               (z: the free parameters)
//! F         = J^T J                                       (Gauss-Newton Fisher information)
//! Cov(z)    ≈ s² · F^-1,    s = 1.4826 · MAD(residuals)   (robust residual scale)
//! Var(log L^(N, D)) ≈ g^T Cov(z) g,   g = d log L^(N, D) / d z
//! ```
//!
//! This is the textbook linearisation of a nonlinear least-squares fit (e.g. Seber and Wild,
//! *Nonlinear Regression*, 1989, section 2.1). It is cheap, so it serves where a bootstrap per
//! refit would not (the rolling-origin calibration refits the law many times), and it is only
//! local: far from the data, or when the data barely identify a parameter, it understates the
//! uncertainty. [`crate::uncertainty::prediction`] adds a term learned from the data for that.
//! When `F` is singular to working precision (a parameter not identified) there is no
//! covariance, and callers say so instead of reporting a number.
//!
//! The gradients come from the family's
//! [`log_prediction_with_gradient`](crate::law::Family::log_prediction_with_gradient), so this
//! holds for any law.

use ndarray::{Array1, Array2};

use crate::fit::{Observations, ParamSpec};
use crate::law::Row;

/// Largest condition number of the scaled Fisher information accepted as non-singular.
pub const MAX_CONDITION: f64 = 1e12;

/// The covariance of the free parameters of a fit, in log space.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterCovariance {
    spec: ParamSpec,
    theta: Vec<f64>,
    covariance: Array2<f64>,
}

/// Gradient of `log L^` with respect to the free parameters of `spec` at `row`.
fn free_gradient(spec: &ParamSpec, theta: &[f64], row: &Row) -> Vec<f64> {
    let family = spec.law().family();
    let mut grad = vec![0.0; theta.len()];
    family.log_prediction_with_gradient(theta, &row.for_family(family), &mut grad);
    spec.reduce_gradient(&grad)
}

/// The Jacobian of the log predictions of `obs` with respect to the free parameters of
/// `spec` at `theta`, each row scaled by the square root of its run's weight: `J` of the module
/// docs, whose `J^T J` is the Fisher information.
pub fn jacobian(obs: &Observations, theta: &[f64], spec: &ParamSpec) -> Array2<f64> {
    let mut jacobian = Array2::<f64>::zeros((obs.len(), spec.n_free()));
    for (i, mut row) in jacobian.rows_mut().into_iter().enumerate() {
        let g = free_gradient(spec, theta, &obs.row(i));
        let w = obs.weights()[i].sqrt();
        row.assign(&Array1::from(g).mapv(|x| x * w));
    }
    jacobian
}

/// `s = 1.4826 · median(|r - median(r)|)`: the residual scale that outlying runs do not inflate.
pub fn robust_scale(residuals: &[f64]) -> f64 {
    crate::stats::robust_centre_sd(residuals).1
}

impl ParameterCovariance {
    /// Covariance of the free parameters of `theta` fitted to `obs` with constraints `spec`,
    /// scaled by the residual scale `scale`. `None` when the Fisher information is singular
    /// (condition number above [`MAX_CONDITION`]) or the scale is not a positive number.
    pub fn estimate(
        obs: &Observations,
        theta: &[f64],
        spec: &ParamSpec,
        scale: f64,
    ) -> Option<Self> {
        let p = spec.n_free();
        if p == 0 || !(scale.is_finite() && scale > 0.0) {
            return None;
        }
        let jacobian = jacobian(obs, theta, spec);
        let fisher = jacobian.t().dot(&jacobian);
        let inverse = invert_spd(&fisher)?;
        Some(ParameterCovariance {
            spec: spec.clone(),
            theta: theta.to_vec(),
            covariance: inverse * (scale * scale),
        })
    }

    /// Standard deviation of `log L^` at `(N, D)` (fresh tokens, `C = 6·N·D`) from the
    /// parameters' covariance.
    pub fn log_prediction_sd(&self, n_params: f64, n_tokens: f64) -> f64 {
        self.log_prediction_sd_row(&Row::new(
            n_params,
            n_tokens,
            crate::data::DEFAULT_FLOPS_PER_PARAM_TOKEN,
        ))
    }

    /// Standard deviation of `log L^` at `row` from the parameters' covariance.
    pub fn log_prediction_sd_row(&self, row: &Row) -> f64 {
        let g = Array1::from(free_gradient(&self.spec, &self.theta, row));
        g.dot(&self.covariance.dot(&g)).max(0.0).sqrt()
    }

    /// The covariance matrix of the free parameters, in the order of
    /// [`ParamSpec::free_indices`].
    pub fn matrix(&self) -> &Array2<f64> {
        &self.covariance
    }
}

/// Inverse of a symmetric positive-definite matrix by Cholesky factorisation, after scaling
/// it to unit diagonal (so the condition test does not depend on parameter units). `None` when
/// it is not positive definite or its condition number exceeds [`MAX_CONDITION`].
fn invert_spd(m: &Array2<f64>) -> Option<Array2<f64>> {
    let p = m.nrows();
    let d: Array1<f64> = m
        .diag()
        .mapv(|x| if x > 0.0 { 1.0 / x.sqrt() } else { f64::NAN });
    if d.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let scaled = Array2::from_shape_fn((p, p), |(i, j)| m[(i, j)] * d[i] * d[j]);
    let l = cholesky(&scaled)?;
    let diag_l: Vec<f64> = (0..p).map(|i| l[(i, i)]).collect();
    let (lo, hi) = diag_l
        .iter()
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    // cond(M) >= (max L_ii / min L_ii)^2; a cheap, conservative test.
    if lo.is_nan() || lo <= 0.0 || (hi / lo).powi(2) > MAX_CONDITION {
        return None;
    }
    let mut inv = Array2::<f64>::zeros((p, p));
    for col in 0..p {
        let mut e = Array1::<f64>::zeros(p);
        e[col] = 1.0;
        let x = solve_cholesky(&l, &e);
        inv.column_mut(col).assign(&x);
    }
    let inv = Array2::from_shape_fn((p, p), |(i, j)| inv[(i, j)] * d[i] * d[j]);
    inv.iter().all(|x| x.is_finite()).then_some(inv)
}

fn cholesky(m: &Array2<f64>) -> Option<Array2<f64>> {
    let p = m.nrows();
    let mut l = Array2::<f64>::zeros((p, p));
    for i in 0..p {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[(i, k)] * l[(j, k)]).sum();
            if i == j {
                let v = m[(i, i)] - s;
                if v.is_nan() || v <= 0.0 {
                    return None;
                }
                l[(i, i)] = v.sqrt();
            } else {
                l[(i, j)] = (m[(i, j)] - s) / l[(j, j)];
            }
        }
    }
    Some(l)
}

fn solve_cholesky(l: &Array2<f64>, b: &Array1<f64>) -> Array1<f64> {
    let p = l.nrows();
    let mut y = Array1::<f64>::zeros(p);
    for i in 0..p {
        let s: f64 = (0..i).map(|k| l[(i, k)] * y[k]).sum();
        y[i] = (b[i] - s) / l[(i, i)];
    }
    let mut x = Array1::<f64>::zeros(p);
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|k| l[(k, i)] * x[k]).sum();
        x[i] = (y[i] - s) / l[(i, i)];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::ChinchillaLaw;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    #[test]
    fn inverse_of_a_known_matrix() {
        let m = ndarray::array![[4.0, 2.0], [2.0, 3.0]];
        let inv = invert_spd(&m).unwrap();
        // [[3, -2], [-2, 4]] / 8
        assert!((inv[(0, 0)] - 0.375).abs() < 1e-12);
        assert!((inv[(0, 1)] + 0.25).abs() < 1e-12);
        assert!((inv[(1, 1)] - 0.5).abs() < 1e-12);
        assert!(invert_spd(&ndarray::array![[1.0, 1.0], [1.0, 1.0]]).is_none());
    }

    #[test]
    fn robust_scale_ignores_an_outlier() {
        let mut r: Vec<f64> = (0..101).map(|i| (i as f64 - 50.0) / 50.0).collect();
        let s = robust_scale(&r);
        r[0] = 1e6;
        assert!((robust_scale(&r) - s).abs() < 0.05 * s);
    }

    /// The delta-method sd of log L^ matches the spread of refits to fresh noise (a parametric
    /// Monte Carlo), within the sampling error of 200 refits.
    #[test]
    fn prediction_sd_matches_refits_to_fresh_noise() {
        use crate::fit::{FitConfig, StartSelection, fit};
        let truth = ChinchillaLaw::HOFFMANN_2022;
        let sigma = 0.02;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let noise = Normal::new(0.0, sigma).unwrap();
        let (mut n, mut d) = (vec![], vec![]);
        for &np in &[1e8, 2e8, 5e8, 1e9, 2e9, 5e9] {
            for &nt in &[2e9, 5e9, 1e10, 3e10, 1e11] {
                n.push(np);
                d.push(nt);
            }
        }
        let draw = |rng: &mut ChaCha8Rng| -> Vec<f64> {
            n.iter()
                .zip(&d)
                .map(|(&a, &b)| {
                    let z: f64 = noise.sample(rng);
                    truth.loss(a, b) * z.exp()
                })
                .collect()
        };
        let config = FitConfig {
            selection: StartSelection::Best(10),
            loss: crate::fit::ResidualLoss::Squared,
            ..FitConfig::default()
        };
        let target = (3e10, 6e11);
        let obs = Observations::new(&n, &d, &draw(&mut rng));
        let first = fit(&obs, &config, &|| {}).unwrap().fitted;
        let cov = ParameterCovariance::estimate(&obs, &first.theta, &config.params, sigma).unwrap();
        let predicted_sd = cov.log_prediction_sd(target.0, target.1);
        let preds: Vec<f64> = (0..200)
            .map(|_| {
                let o = Observations::new(&n, &d, &draw(&mut rng));
                let f = fit(&o, &config, &|| {}).unwrap().fitted;
                f.loss(target.0, target.1).ln()
            })
            .collect();
        let mean = preds.iter().sum::<f64>() / 200.0;
        let sd = (preds.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / 199.0).sqrt();
        assert!(
            (predicted_sd / sd - 1.0).abs() < 0.3,
            "delta {predicted_sd} vs Monte Carlo {sd}"
        );
    }
}
