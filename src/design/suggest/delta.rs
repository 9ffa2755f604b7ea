//! The delta-method interval of the target quantity: the linearisation `suggest` used before it
//! read the bootstrap draws, kept for comparison (the study in `benches/` scores both).
//!
//! ```text
//! Var ln q ≈ h^T Σ h,   Σ = s²·(J^T J)^-1,   h = d ln q / d z   (central differences)
//! ```

use super::{SuggestConfig, Target};
use crate::answer::allocation::Allocator;
use crate::fit::{Observations, ParamSpec};
use crate::law::{Law, LawRef};
use crate::uncertainty::delta::ParameterCovariance;

/// `ln` of the target quantity of `law`; NaN when the law has no allocation.
pub(super) fn log_quantity_of(law: Law, c: &SuggestConfig) -> f64 {
    let Ok(alloc) = Allocator::new(law, c.flops_per_param_token) else {
        return f64::NAN;
    };
    let o = alloc.optimal_for_compute(c.target_budget);
    match c.target {
        Target::Params => o.n_params.ln(),
        Target::Loss => o.loss.ln(),
    }
}

/// `d ln q / d z` by central differences.
fn quantity_gradient(family: LawRef, spec: &ParamSpec, z: &[f64], c: &SuggestConfig) -> Vec<f64> {
    let at = |z: &[f64]| log_quantity_of(Law::new(family, spec.expand(z)), c);
    (0..z.len())
        .map(|j| {
            let h = 1e-5 * z[j].abs().max(1.0);
            let (mut up, mut down) = (z.to_vec(), z.to_vec());
            up[j] += h;
            down[j] -= h;
            (at(&up) - at(&down)) / (2.0 * h)
        })
        .collect()
}

/// Delta-method standard deviation of `ln q` for the law `theta` fitted to `obs` with residual
/// scale `scale`; `None` when the Fisher information is singular. Appending runs to `obs`
/// (their losses do not enter the Jacobian) gives the delta method's interval after them.
pub fn log_sd(
    obs: &Observations,
    family: LawRef,
    spec: &ParamSpec,
    theta: &[f64],
    scale: f64,
    c: &SuggestConfig,
) -> Option<f64> {
    let cov = ParameterCovariance::estimate(obs, theta, spec, scale)?;
    let h = ndarray::Array1::from(quantity_gradient(family, spec, &spec.reduce(theta), c));
    let v = h.dot(&cov.matrix().dot(&h));
    (v.is_finite() && v >= 0.0).then(|| v.sqrt())
}
