//! Compute-optimal allocation under a compute budget *and* a unique-token budget.
//!
//! ```text
//! minimise over N:   L(N, D, U)   with   D = C / (k·N)
//! epochs = D / U
//! ```
//!
//! There is no closed form (Muennighoff et al. 2023 and the datablations README use a grid
//! search). The loss along the budget is smooth in `x = log N` and unbounded at both ends
//! (`N → 0` starves the parameter term, `N → ∞` the data term), so the minimum is interior:
//! it is bracketed by a scan of `x` in steps of [`SCAN_STEP`] over ±[`SCAN_SPAN`] around the
//! fresh-data (Chinchilla) optimum, then refined by golden-section search.

use serde::{Deserialize, Serialize};

use super::DataConstrained;
use crate::error::Error;
use crate::law::chinchilla::{IDX_ALPHA, IDX_BETA};
use crate::law::{Family, Row};

/// Step of the bracketing scan in `log N`.
pub const SCAN_STEP: f64 = 0.01;
/// Half-width of the bracketing scan in `log N` around the fresh-data optimum (a factor
/// `e^20 ≈ 5e8` either way).
pub const SCAN_SPAN: f64 = 20.0;
/// Width in `log N` at which the golden-section search stops.
const X_TOLERANCE: f64 = 1e-10;

/// The loss-minimising split of a compute budget given a unique-token budget.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConstrainedAllocation {
    /// Compute budget `C`, FLOPs.
    pub compute: f64,
    /// Unique tokens available `U`.
    pub unique_tokens: f64,
    /// Optimal model size `N`.
    pub n_params: f64,
    /// Optimal training tokens `D = C / (k·N)`.
    pub n_tokens: f64,
    /// Epochs over the unique tokens, `D / U` (below 1 when the budget does not reach one
    /// pass over `U`: then every token is fresh).
    pub epochs: f64,
    /// Predicted loss at the optimum.
    pub loss: f64,
    /// Predicted loss at the same compute with unlimited unique tokens (the Chinchilla
    /// optimum), for comparison.
    pub fresh_data_loss: f64,
}

/// The allocation minimising the data-constrained law at solver-space `theta` for `compute`
/// FLOPs, `unique_tokens` unique tokens and `C = k·N·D` (module docs).
///
/// # Errors
///
/// [`Error::InvalidOption`] when `compute`, `unique_tokens` or `k` is not a positive finite
/// number, or when `alpha` or `beta` is not positive (no optimum exists);
/// [`Error::NotFinite`] when the optimum overflows.
///
/// # Examples
///
/// ```
/// use scaling_laws::law::DataConstrainedLaw;
/// use scaling_laws::law::data_constrained::allocate_with_unique_tokens;
/// let theta = DataConstrainedLaw::MUENNIGHOFF_2023.theta();
/// // The datablations README: 1e22 FLOPs and 25B unique tokens.
/// let best = allocate_with_unique_tokens(&theta, 1e22, 25e9, 6.0).unwrap();
/// assert!((best.n_params / 7.02e9 - 1.0).abs() < 0.01);
/// assert!((best.epochs - 9.49).abs() < 0.1);
/// assert!(best.loss > best.fresh_data_loss);
/// ```
pub fn allocate_with_unique_tokens(
    theta: &[f64],
    compute: f64,
    unique_tokens: f64,
    k: f64,
) -> Result<ConstrainedAllocation, Error> {
    Error::require_positive("compute budget", compute)?;
    Error::require_positive("unique-token budget", unique_tokens)?;
    Error::require_positive("FLOPs per parameter per token k", k)?;
    let (alpha, beta) = (theta[IDX_ALPHA], theta[IDX_BETA]);
    let (n_fresh, d_fresh) = DataConstrained
        .closed_form_allocation(theta, compute, k)
        .filter(|(n, d)| n.is_finite() && d.is_finite() && *n > 0.0 && *d > 0.0)
        .ok_or_else(|| {
            Error::invalid_option(
                "law parameters",
                format!(
                    "alpha = {alpha} and beta = {beta}: both exponents must be positive for a \
                     compute-optimal allocation to exist; fit or give positive exponents"
                ),
            )
        })?;
    let log_budget = (compute / k).ln();
    let log_u = unique_tokens.ln();
    let log_loss = |x: f64| {
        let row = Row {
            log_n: x,
            log_d: log_budget - x,
            log_u,
            log_c: compute.ln(),
        };
        DataConstrained.log_prediction(theta, &row)
    };
    let x = minimise(&log_loss, n_fresh.ln());
    let fresh_row = Row::new(n_fresh, d_fresh, k).with_unique_tokens(f64::INFINITY);
    let n_params = x.exp();
    let n_tokens = (log_budget - x).exp();
    let result = ConstrainedAllocation {
        compute,
        unique_tokens,
        n_params,
        n_tokens,
        epochs: n_tokens / unique_tokens,
        loss: log_loss(x).exp(),
        fresh_data_loss: DataConstrained.log_prediction(theta, &fresh_row).exp(),
    };
    for (name, value) in [
        ("n_params", result.n_params),
        ("n_tokens", result.n_tokens),
        ("loss", result.loss),
        ("fresh_data_loss", result.fresh_data_loss),
    ] {
        if !value.is_finite() {
            return Err(Error::NotFinite {
                what: "the allocation under a unique-token budget".to_string(),
                path: name.to_string(),
                value,
            });
        }
    }
    Ok(result)
}

/// The minimiser of `f` near `x0`: scan, then golden-section search in the best cell.
fn minimise(f: &dyn Fn(f64) -> f64, x0: f64) -> f64 {
    let steps = (SCAN_SPAN / SCAN_STEP).round() as i64;
    let best = (-steps..=steps)
        .map(|i| x0 + i as f64 * SCAN_STEP)
        .map(|x| (x, f(x)))
        .filter(|(_, v)| v.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(x0, |(x, _)| x);
    let (mut lo, mut hi) = (best - SCAN_STEP, best + SCAN_STEP);
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = hi - ratio * (hi - lo);
    let mut d = lo + ratio * (hi - lo);
    let (mut fc, mut fd) = (f(c), f(d));
    while hi - lo > X_TOLERANCE {
        if fc <= fd {
            hi = d;
            (d, fd) = (c, fc);
            c = hi - ratio * (hi - lo);
            fc = f(c);
        } else {
            lo = c;
            (c, fc) = (d, fd);
            d = lo + ratio * (hi - lo);
            fd = f(d);
        }
    }
    (lo + hi) / 2.0
}
