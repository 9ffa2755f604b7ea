//! The data-constrained law of Muennighoff et al. 2023 ("Scaling Data-Constrained Language
//! Models", arXiv:2305.16264, section 3, eqs. 5-6): the Chinchilla form evaluated at an
//! *effective* data size `D'` and model size `N'` that discount repeated tokens and excess
//! parameters.
//!
//! ```text
//! L(N, D, U) = E + A / N'^alpha + B / D'^beta
//! U_D = min(U, D)                          unique tokens seen (U > D: one pass over part of U)
//! R_D = D / U_D − 1                        repetitions of the data
//! D'  = U_D + U_D · R_D* · (1 − exp(−R_D / R_D*))
//! U_N = min(N, N_opt(U_D))                 the compute-optimal size for U_D tokens
//! N_opt(U_D) = G · (U_D · G)^(beta/alpha),  G = (alpha·A / (beta·B))^(1/(alpha+beta))
//! R_N = N / U_N − 1                        excess parameters, in units of U_N
//! N'  = U_N + U_N · R_N* · (1 − exp(−R_N / R_N*))
//! ```
//!
//! A repeated token is worth less each epoch and `D'` saturates at `U_D·(1 + R_D*)`; parameters
//! beyond what `U_D` unique tokens can use saturate at `U_N·(1 + R_N*)`. With `U ≥ D` and
//! `N ≤ N_opt(D)` both repetition counts are zero and the law is Chinchilla's.
//! `U_N` follows the definition in the authors' notebook (`utils/parametric_fit.ipynb` in
//! huggingface/datablations): `N_opt` is the Chinchilla compute-optimal `N` whose optimal
//! token count is `U_D`, i.e. where `alpha·A/N^alpha = beta·B/U_D^beta`, so in logs
//!
//! ```text
//! log N_opt = (log alpha − log beta + a − b + beta · log U_D) / alpha
//! ```
//!
//! **Parameters.** Solver space is `(a, b, e, alpha, beta, r_d_star, r_n_star)`: the five
//! Chinchilla parameters in their order (so `--fix 'E=..,A=..'` and the tie of alpha and beta
//! work as for Chinchilla) and `R_D* = exp(r_d_star)`, `R_N* = exp(r_n_star)`. The published
//! fit ([`DataConstrainedLaw::MUENNIGHOFF_2023`], datablations README) has its base fitted on
//! Chinchilla-style C4 IsoFLOP runs and `R_D*`, `R_N*` fitted with the base held fixed.
//!
//! **Gradient.** Exact, including through `U_N` where it depends on the parameters: where
//! `N_opt(U_D) < N`, `log U_N = log N_opt` moves with `a, b, alpha, beta`. At `N = N_opt` the
//! law is continuously differentiable (`d N' / d U_N = 0` at `R_N = 0`), so the `min` makes a
//! kink in neither the loss nor its gradient. Where `alpha` or `beta` is not positive there is
//! no compute-optimal size; `U_N = N` is used there (no excess parameters).
//!
//! **Allocation.** With fresh data (`U` unlimited) the optimum along `C = k·N·D` is
//! Chinchilla's: the law equals Chinchilla's at `N ≤ N_opt(D)` and lies above it beyond, and
//! the Chinchilla optimum has `N* = N_opt(D*)`. With a unique-token budget, see
//! [`allocate_with_unique_tokens`].

mod allocation;

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::chinchilla::{Chinchilla, ChinchillaLaw, IDX_A, IDX_ALPHA, IDX_B, IDX_BETA, IDX_E};
use super::{Family, Input, Param, Row, Transform};

pub use allocation::{ConstrainedAllocation, allocate_with_unique_tokens};

/// Index of `r_d_star = log R_D*` in solver space.
pub const IDX_R_D_STAR: usize = 5;
/// Index of `r_n_star = log R_N*` in solver space.
pub const IDX_R_N_STAR: usize = 6;

/// The data-constrained law in its natural parameters.
///
/// # Examples
///
/// ```
/// use scaling_laws::law::DataConstrainedLaw;
/// let law = DataConstrainedLaw::MUENNIGHOFF_2023;
/// // Figure 1 (right) of Muennighoff et al.: 6.34B parameters, 242B tokens from 25B unique.
/// let loss = law.loss(6.34e9, 242e9, 25e9);
/// assert!((loss - 2.2256440889984477).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DataConstrainedLaw {
    /// The Chinchilla base `E + A/N'^alpha + B/D'^beta`.
    #[serde(flatten)]
    pub base: ChinchillaLaw,
    /// `R_D*`: the repetitions over which the value of repeated tokens decays by a factor e.
    #[serde(rename = "R_D_star")]
    pub tokens_decay: f64,
    /// `R_N*`: the same for excess parameters, in units of `U_N`.
    #[serde(rename = "R_N_star")]
    pub params_decay: f64,
}

impl DataConstrainedLaw {
    /// The published fit (huggingface/datablations README and Muennighoff et al. 2023): base
    /// `a, b, e, alpha, beta = 6.255414, 7.3049974, 0.6254804, 0.3526596, 0.3526596` (so
    /// `A = e^a`, `B = e^b`, `E = e^e`), `R_D* = 15.387756`, `R_N* = 5.309743`.
    pub const MUENNIGHOFF_2023: DataConstrainedLaw = DataConstrainedLaw {
        base: ChinchillaLaw {
            irreducible: 1.869_143_678_405_485_8,
            param_coef: 520.824_951_659_918_7,
            data_coef: 1_487.716_093_782_861,
            alpha: 0.352_659_6,
            beta: 0.352_659_6,
        },
        tokens_decay: 15.387_756,
        params_decay: 5.309_743,
    };

    /// The law from solver-space parameters `(a, b, e, alpha, beta, r_d_star, r_n_star)`.
    pub fn from_theta(theta: &[f64]) -> Self {
        let mut base = [0.0; 5];
        base.copy_from_slice(&theta[..5]);
        DataConstrainedLaw {
            base: ChinchillaLaw::from_theta(&base),
            tokens_decay: theta[IDX_R_D_STAR].exp(),
            params_decay: theta[IDX_R_N_STAR].exp(),
        }
    }

    /// Solver-space parameters. Coefficients and decay constants must be positive.
    pub fn theta(&self) -> [f64; 7] {
        let b = self.base.theta();
        [
            b[0],
            b[1],
            b[2],
            b[3],
            b[4],
            self.tokens_decay.ln(),
            self.params_decay.ln(),
        ]
    }

    /// The compute-optimal model size `N_opt(U_D)` whose optimal token count under the base
    /// law is `unique_tokens` (module docs).
    pub fn unique_params(&self, unique_tokens: f64) -> f64 {
        let b = &self.base;
        let g = (b.alpha * b.param_coef / (b.beta * b.data_coef)).powf(1.0 / (b.alpha + b.beta));
        g * (unique_tokens * g).powf(b.beta / b.alpha)
    }

    /// Predicted loss for `n_params` parameters trained on `n_tokens` tokens drawn from
    /// `unique_tokens` unique tokens, evaluated term by term as the paper writes it.
    pub fn loss(&self, n_params: f64, n_tokens: f64, unique_tokens: f64) -> f64 {
        let u_d = unique_tokens.min(n_tokens);
        let r_d = n_tokens / u_d - 1.0;
        let d_eff = u_d + u_d * self.tokens_decay * (1.0 - (-r_d / self.tokens_decay).exp());
        let u_n = n_params.min(self.unique_params(u_d));
        let r_n = n_params / u_n - 1.0;
        let n_eff = u_n + u_n * self.params_decay * (1.0 - (-r_n / self.params_decay).exp());
        let b = &self.base;
        b.irreducible + b.param_coef / n_eff.powf(b.alpha) + b.data_coef / d_eff.powf(b.beta)
    }
}

/// The data-constrained family: Chinchilla at effective `N'` and `D'`, solver space
/// `(a, b, e, alpha, beta, r_d_star, r_n_star)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataConstrained;

const DECAY_BOUNDS: (f64, f64) = (-50.0, 50.0);
// R* of 1, 4.5 and 20 repetitions; the published values are 15.4 (data) and 5.3 (parameters).
const GRID_DECAY: &[f64] = &[0.0, 1.5, 3.0];

static PARAMS: LazyLock<Vec<Param>> = LazyLock::new(|| {
    let mut params = Chinchilla.params().to_vec();
    params[IDX_A].doc = "coefficient of the parameter term A / N'^alpha (N' effective parameters)";
    params[IDX_B].doc = "coefficient of the data term B / D'^beta (D' effective tokens)";
    params.extend([
        Param {
            name: "r_d_star",
            natural: "R_D_star",
            transform: Transform::Log,
            bounds: DECAY_BOUNDS,
            nonzero: false,
            grid: GRID_DECAY,
            doc: "repetitions of the data over which a repeated token's value decays by e",
        },
        Param {
            name: "r_n_star",
            natural: "R_N_star",
            transform: Transform::Log,
            bounds: DECAY_BOUNDS,
            nonzero: false,
            grid: GRID_DECAY,
            doc: "excess parameters (in units of U_N) over which their value decays by e",
        },
    ]);
    params
});

/// `log(1 + R*·(1 − exp(−R/R*)))` for `R ≥ 0`, and its derivatives with respect to
/// `log R*` and to `log U` (where `R = exp(log X − log U) − 1`, `X` fixed).
struct Saturation {
    value: f64,
    d_log_decay: f64,
    d_log_unique: f64,
}

fn saturation(log_total: f64, log_unique: f64, decay: f64) -> Saturation {
    let gap = log_total - log_unique;
    let r = gap.exp_m1();
    let x = r / decay;
    let one_minus = -(-x).exp_m1();
    let den = 1.0 + decay * one_minus;
    // (1 − e^−x) − x·e^−x, by its series where the difference cancels.
    let q = if x < 1e-3 {
        x * x * (0.5 - x / 3.0 + x * x / 8.0)
    } else if x > 700.0 {
        1.0
    } else {
        one_minus - x * (-x).exp()
    };
    Saturation {
        value: (decay * one_minus).ln_1p(),
        d_log_decay: decay * q / den,
        // d/dlog U of [log U + value] is 1 − (R + 1)·e^−x / den; (R + 1)·e^−x = e^(gap − x).
        d_log_unique: 1.0 - (gap - x).exp() / den,
    }
}

/// Log of the compute-optimal size for `log_unique` tokens (module docs), `+inf` when alpha or
/// beta is not positive.
fn log_unique_params(theta: &[f64], log_unique: f64) -> f64 {
    let (alpha, beta) = (theta[IDX_ALPHA], theta[IDX_BETA]);
    if !(alpha > 0.0 && beta > 0.0) {
        return f64::INFINITY;
    }
    ((alpha / beta).ln() + theta[IDX_A] - theta[IDX_B] + beta * log_unique) / alpha
}

/// Everything the prediction and its gradient need for one row.
struct Effective {
    log_u_d: f64,
    /// `log U_N` when it is `log N_opt` (depends on the parameters), else `None` (`U_N = N`).
    log_u_n_opt: Option<f64>,
    params: Saturation,
    tokens: Saturation,
    /// `log N'` and `log D'`.
    log_n_eff: f64,
    log_d_eff: f64,
}

fn effective(theta: &[f64], row: &Row) -> Effective {
    let log_u_d = row.log_u.min(row.log_d);
    let tokens = saturation(row.log_d, log_u_d, theta[IDX_R_D_STAR].exp());
    let nu = log_unique_params(theta, log_u_d);
    let (log_u_n, log_u_n_opt) = if nu < row.log_n {
        (nu, Some(nu))
    } else {
        (row.log_n, None)
    };
    let params = saturation(row.log_n, log_u_n, theta[IDX_R_N_STAR].exp());
    Effective {
        log_u_d,
        log_u_n_opt,
        log_n_eff: log_u_n + params.value,
        log_d_eff: log_u_d + tokens.value,
        params,
        tokens,
    }
}

impl Family for DataConstrained {
    fn repeated_data(&self) -> super::RepeatedData {
        super::RepeatedData::Fitted
    }

    fn name(&self) -> &'static str {
        "data-constrained"
    }

    fn formula(&self) -> &'static str {
        "L = E + A / N'^alpha + B / D'^beta, D' = U_D·(1 + R_D*·(1 − exp(−R_D/R_D*))), \
         N' = U_N·(1 + R_N*·(1 − exp(−R_N/R_N*)))"
    }

    fn citation(&self) -> &'static str {
        "Muennighoff et al. 2023, arXiv:2305.16264, eqs. 5-6"
    }

    fn published(&self) -> Option<(&'static str, &'static [f64])> {
        const LAW: DataConstrainedLaw = DataConstrainedLaw::MUENNIGHOFF_2023;
        const VALUES: [f64; 7] = [
            LAW.base.param_coef,
            LAW.base.data_coef,
            LAW.base.irreducible,
            LAW.base.alpha,
            LAW.base.beta,
            LAW.tokens_decay,
            LAW.params_decay,
        ];
        Some(("Muennighoff et al. 2023, the datablations README", &VALUES))
    }

    fn params(&self) -> &'static [Param] {
        &PARAMS
    }

    fn inputs(&self) -> &'static [Input] {
        &[Input::Params, Input::Tokens, Input::UniqueTokens]
    }

    fn ties(&self) -> &'static [(usize, usize)] {
        &[(IDX_ALPHA, IDX_BETA)]
    }

    fn log_prediction(&self, theta: &[f64], row: &Row) -> f64 {
        let eff = effective(theta, row);
        lse3(
            theta[IDX_A] - theta[IDX_ALPHA] * eff.log_n_eff,
            theta[IDX_B] - theta[IDX_BETA] * eff.log_d_eff,
            theta[IDX_E],
        )
        .0
    }

    fn log_prediction_with_gradient(&self, theta: &[f64], row: &Row, grad: &mut [f64]) -> f64 {
        let eff = effective(theta, row);
        let (alpha, beta) = (theta[IDX_ALPHA], theta[IDX_BETA]);
        let (value, [w1, w2, w3]) = lse3(
            theta[IDX_A] - alpha * eff.log_n_eff,
            theta[IDX_B] - beta * eff.log_d_eff,
            theta[IDX_E],
        );
        grad[IDX_A] = w1;
        grad[IDX_B] = w2;
        grad[IDX_E] = w3;
        grad[IDX_ALPHA] = -w1 * eff.log_n_eff;
        grad[IDX_BETA] = -w2 * eff.log_d_eff;
        grad[IDX_R_D_STAR] = -w2 * beta * eff.tokens.d_log_decay;
        grad[IDX_R_N_STAR] = -w1 * alpha * eff.params.d_log_decay;
        if let Some(nu) = eff.log_u_n_opt {
            // d t1 / d theta through log U_N = nu(theta): −alpha · h · d nu / d theta.
            let h = eff.params.d_log_unique;
            grad[IDX_A] -= w1 * h;
            grad[IDX_B] += w1 * h;
            grad[IDX_ALPHA] -= w1 * h * (1.0 / alpha - nu);
            grad[IDX_BETA] -= w1 * h * (eff.log_u_d - 1.0 / beta);
        }
        value
    }

    fn closed_form_allocation(&self, theta: &[f64], compute: f64, k: f64) -> Option<(f64, f64)> {
        Chinchilla.closed_form_allocation(&theta[..5], compute, k)
    }

    fn params_exponent(&self, theta: &[f64]) -> Option<f64> {
        Chinchilla.params_exponent(&theta[..5])
    }
}

/// `LSE(t1, t2, t3)` and its softmax weights.
#[inline]
fn lse3(t1: f64, t2: f64, t3: f64) -> (f64, [f64; 3]) {
    let m = t1.max(t2).max(t3);
    let (x1, x2, x3) = ((t1 - m).exp(), (t2 - m).exp(), (t3 - m).exp());
    let s = x1 + x2 + x3;
    (m + s.ln(), [x1 / s, x2 / s, x3 / s])
}

#[cfg(test)]
mod tests;
