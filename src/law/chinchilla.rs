//! The Chinchilla parametric loss (Hoffmann et al. 2022, "Training Compute-Optimal Large
//! Language Models", arXiv:2203.15556, eq. 2 and Approach 3, section 3.3).
//!
//! ```text
//! L(N, D) = E + A / N^alpha + B / D^beta
//! ```
//!
//! The fitter uses log-space parameters `theta = (a, b, e, alpha, beta)` with `A = exp(a)`,
//! `B = exp(b)`, `E = exp(e)`, so that the three terms are positive by construction and
//!
//! ```text
//! log L = LSE(a - alpha·log N,  b - beta·log D,  e)
//! ```
//!
//! where `LSE(t1, t2, t3) = m + log(sum_i exp(t_i - m))`, `m = max_i t_i`, is computed without
//! overflow. Its gradient is the softmax weights `w_i = exp(t_i - LSE)` times the gradient of each
//! `t_i`: `d/da = w1`, `d/dalpha = -w1·log N`, `d/db = w2`, `d/dbeta = -w2·log D`, `d/de = w3`.

use serde::{Deserialize, Serialize};

use super::{Family, Input, Param, Row, Transform};

/// Log-space parameter vector `(a, b, e, alpha, beta)`.
pub type Theta = [f64; 5];

/// Names of the components of [`Theta`], in order.
pub const PARAM_NAMES: [&str; 5] = ["a", "b", "e", "alpha", "beta"];

/// Index of `a = log A` in [`Theta`].
pub const IDX_A: usize = 0;
/// Index of `b = log B` in [`Theta`].
pub const IDX_B: usize = 1;
/// Index of `e = log E` in [`Theta`].
pub const IDX_E: usize = 2;
/// Index of `alpha` in [`Theta`].
pub const IDX_ALPHA: usize = 3;
/// Index of `beta` in [`Theta`].
pub const IDX_BETA: usize = 4;

/// The Chinchilla law `L(N, D) = E + A / N^alpha + B / D^beta` in its natural parameters.
///
/// # Examples
///
/// ```
/// use scaling_laws::law::ChinchillaLaw;
/// let law = ChinchillaLaw::HOFFMANN_2022;
/// // Chinchilla itself: 70B parameters, 1.4T tokens.
/// let loss = law.loss(70e9, 1.4e12);
/// assert!((loss - 1.9367).abs() < 1e-3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChinchillaLaw {
    /// `E`: the irreducible loss, reached only with infinite parameters and data.
    #[serde(rename = "E")]
    pub irreducible: f64,
    /// `A`: coefficient of the parameter term `A / N^alpha`.
    #[serde(rename = "A")]
    pub param_coef: f64,
    /// `B`: coefficient of the data term `B / D^beta`.
    #[serde(rename = "B")]
    pub data_coef: f64,
    /// `alpha`: exponent of model size.
    pub alpha: f64,
    /// `beta`: exponent of training tokens.
    pub beta: f64,
}

impl ChinchillaLaw {
    /// The law published by Hoffmann et al. 2022 (section D.2): E 1.69, A 406.4, B 410.7,
    /// alpha 0.34, beta 0.28.
    pub const HOFFMANN_2022: ChinchillaLaw = ChinchillaLaw {
        irreducible: 1.69,
        param_coef: 406.4,
        data_coef: 410.7,
        alpha: 0.34,
        beta: 0.28,
    };

    /// Laws the tests of allocation and inference run on: Hoffmann et al.'s, the Epoch AI
    /// replication's, and two far from both (alpha > beta and alpha < beta).
    #[cfg(test)]
    pub(crate) const TEST_LAWS: [ChinchillaLaw; 4] = [
        ChinchillaLaw::HOFFMANN_2022,
        ChinchillaLaw {
            irreducible: 1.8172,
            param_coef: 482.01,
            data_coef: 2085.43,
            alpha: 0.3478,
            beta: 0.3658,
        },
        ChinchillaLaw {
            irreducible: 2.2,
            param_coef: 1200.0,
            data_coef: 90.0,
            alpha: 0.45,
            beta: 0.22,
        },
        ChinchillaLaw {
            irreducible: 0.5,
            param_coef: 50.0,
            data_coef: 5000.0,
            alpha: 0.2,
            beta: 0.6,
        },
    ];

    /// The law from log-space parameters `(a, b, e, alpha, beta)`.
    pub fn from_theta(theta: &Theta) -> Self {
        ChinchillaLaw {
            irreducible: theta[IDX_E].exp(),
            param_coef: theta[IDX_A].exp(),
            data_coef: theta[IDX_B].exp(),
            alpha: theta[IDX_ALPHA],
            beta: theta[IDX_BETA],
        }
    }

    /// Log-space parameters `(a, b, e, alpha, beta)`. Coefficients must be positive.
    pub fn theta(&self) -> Theta {
        [
            self.param_coef.ln(),
            self.data_coef.ln(),
            self.irreducible.ln(),
            self.alpha,
            self.beta,
        ]
    }

    /// Predicted loss for `n_params` parameters trained on `n_tokens` tokens.
    pub fn loss(&self, n_params: f64, n_tokens: f64) -> f64 {
        self.irreducible
            + self.param_coef / n_params.powf(self.alpha)
            + self.data_coef / n_tokens.powf(self.beta)
    }

    /// Compute-allocation exponent for parameters, `a = beta / (alpha + beta)`: `N* ∝ C^a`.
    pub fn params_exponent(&self) -> f64 {
        self.beta / (self.alpha + self.beta)
    }

    /// Compute-allocation exponent for tokens, `b = alpha / (alpha + beta)`: `D* ∝ C^b`.
    pub fn tokens_exponent(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }

    /// Natural value of the parameter with log-space name `name` (`a` -> `A`, ...).
    pub fn natural_value(&self, theta_index: usize) -> f64 {
        match theta_index {
            IDX_A => self.param_coef,
            IDX_B => self.data_coef,
            IDX_E => self.irreducible,
            IDX_ALPHA => self.alpha,
            _ => self.beta,
        }
    }
}

/// Name of the natural parameter that a [`Theta`] component stands for (`a` -> `A`).
pub fn natural_name(theta_index: usize) -> &'static str {
    ["A", "B", "E", "alpha", "beta"][theta_index]
}

/// `log L(N, D)` at log-space parameters `theta`, given `log N` and `log D`.
#[inline]
pub fn log_prediction(theta: &Theta, log_n: f64, log_d: f64) -> f64 {
    let t1 = theta[IDX_A] - theta[IDX_ALPHA] * log_n;
    let t2 = theta[IDX_B] - theta[IDX_BETA] * log_d;
    let t3 = theta[IDX_E];
    let m = t1.max(t2).max(t3);
    m + ((t1 - m).exp() + (t2 - m).exp() + (t3 - m).exp()).ln()
}

/// `log L(N, D)` and its softmax weights `(w1, w2, w3)` (see the module docs): the gradient with
/// respect to theta is `(w1, w2, w3, -w1·log N, -w2·log D)`.
#[inline]
pub fn log_prediction_with_weights(theta: &Theta, log_n: f64, log_d: f64) -> (f64, [f64; 3]) {
    let t1 = theta[IDX_A] - theta[IDX_ALPHA] * log_n;
    let t2 = theta[IDX_B] - theta[IDX_BETA] * log_d;
    let t3 = theta[IDX_E];
    let m = t1.max(t2).max(t3);
    let (x1, x2, x3) = ((t1 - m).exp(), (t2 - m).exp(), (t3 - m).exp());
    let s = x1 + x2 + x3;
    let inv = 1.0 / s;
    (m + s.ln(), [x1 * inv, x2 * inv, x3 * inv])
}

/// The Chinchilla family: `L = E + A / N^alpha + B / D^beta`, solver space `(a, b, e, alpha, beta)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chinchilla;

const COEF_BOUNDS: (f64, f64) = (-700.0, 700.0);
const EXPONENT_BOUNDS: (f64, f64) = (0.0, 10.0);
const GRID_COEF: &[f64] = &[0.0, 5.0, 10.0, 15.0, 20.0, 25.0];
const GRID_E: &[f64] = &[-1.0, -0.5, 0.0, 0.5, 1.0];
const GRID_EXPONENT: &[f64] = &[0.0, 0.5, 1.0, 1.5, 2.0];

const PARAMS: [Param; 5] = [
    Param {
        name: "a",
        natural: "A",
        transform: Transform::Log,
        bounds: COEF_BOUNDS,
        nonzero: false,
        grid: GRID_COEF,
        doc: "coefficient of the parameter term A / N^alpha",
    },
    Param {
        name: "b",
        natural: "B",
        transform: Transform::Log,
        bounds: COEF_BOUNDS,
        nonzero: false,
        grid: GRID_COEF,
        doc: "coefficient of the data term B / D^beta",
    },
    Param {
        name: "e",
        natural: "E",
        transform: Transform::Log,
        bounds: COEF_BOUNDS,
        nonzero: false,
        grid: GRID_E,
        doc: "irreducible loss, reached only with infinite parameters and data",
    },
    Param {
        name: "alpha",
        natural: "alpha",
        transform: Transform::Identity,
        bounds: EXPONENT_BOUNDS,
        nonzero: true,
        grid: GRID_EXPONENT,
        doc: "exponent of model size",
    },
    Param {
        name: "beta",
        natural: "beta",
        transform: Transform::Identity,
        bounds: EXPONENT_BOUNDS,
        nonzero: true,
        grid: GRID_EXPONENT,
        doc: "exponent of training tokens",
    },
];

fn as_theta(theta: &[f64]) -> Theta {
    let mut t = [0.0; 5];
    t.copy_from_slice(&theta[..5]);
    t
}

impl Family for Chinchilla {
    fn repeated_data(&self) -> super::RepeatedData {
        super::RepeatedData::PublishedDecay
    }

    fn name(&self) -> &'static str {
        "chinchilla"
    }

    fn formula(&self) -> &'static str {
        "L = E + A / N^alpha + B / D^beta"
    }

    fn citation(&self) -> &'static str {
        "Hoffmann et al. 2022, arXiv:2203.15556, eq. 2 and Approach 3"
    }

    fn params(&self) -> &'static [Param] {
        &PARAMS
    }

    fn inputs(&self) -> &'static [Input] {
        &[Input::Params, Input::Tokens]
    }

    fn ties(&self) -> &'static [(usize, usize)] {
        &[(IDX_ALPHA, IDX_BETA)]
    }

    fn log_prediction(&self, theta: &[f64], row: &Row) -> f64 {
        log_prediction(&as_theta(theta), row.log_n, row.log_d)
    }

    fn log_prediction_with_gradient(&self, theta: &[f64], row: &Row, grad: &mut [f64]) -> f64 {
        let (value, w) = log_prediction_with_weights(&as_theta(theta), row.log_n, row.log_d);
        grad[IDX_A] = w[0];
        grad[IDX_B] = w[1];
        grad[IDX_E] = w[2];
        grad[IDX_ALPHA] = -w[0] * row.log_n;
        grad[IDX_BETA] = -w[1] * row.log_d;
        value
    }

    fn closed_form_allocation(&self, theta: &[f64], compute: f64, k: f64) -> Option<(f64, f64)> {
        let law = ChinchillaLaw::from_theta(&as_theta(theta));
        let (alpha, beta) = (law.alpha, law.beta);
        if !(alpha > 0.0 && beta > 0.0) {
            return None;
        }
        // G = (alpha·A / (beta·B))^(1/(alpha+beta)), in logs to survive large coefficients.
        let log_g = ((alpha / beta).ln() + theta[IDX_A] - theta[IDX_B]) / (alpha + beta);
        let log_c = (compute / k).ln();
        let n = (log_g + law.params_exponent() * log_c).exp();
        let d = (-log_g + law.tokens_exponent() * log_c).exp();
        Some((n, d))
    }

    fn params_exponent(&self, theta: &[f64]) -> Option<f64> {
        let (alpha, beta) = (theta[IDX_ALPHA], theta[IDX_BETA]);
        (alpha + beta > 0.0).then(|| beta / (alpha + beta))
    }

    fn published(&self) -> Option<(&'static str, &'static [f64])> {
        const VALUES: [f64; 5] = [
            ChinchillaLaw::HOFFMANN_2022.param_coef,
            ChinchillaLaw::HOFFMANN_2022.data_coef,
            ChinchillaLaw::HOFFMANN_2022.irreducible,
            ChinchillaLaw::HOFFMANN_2022.alpha,
            ChinchillaLaw::HOFFMANN_2022.beta,
        ];
        Some(("Hoffmann et al. 2022, section D.2", &VALUES))
    }

    /// `E, A, B, alpha, beta`, as the law is written and as fits have always been saved.
    fn display_order(&self) -> Vec<usize> {
        vec![IDX_E, IDX_A, IDX_B, IDX_ALPHA, IDX_BETA]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_prediction_matches_direct_formula() {
        let law = ChinchillaLaw::HOFFMANN_2022;
        let theta = law.theta();
        for &(n, d) in &[(1e8, 2e9), (7e10, 1.4e12), (1e6, 1e15)] {
            let direct = law.loss(n, d).ln();
            let lse = log_prediction(&theta, f64::ln(n), f64::ln(d));
            assert!((direct - lse).abs() < 1e-13, "{direct} vs {lse}");
        }
    }

    #[test]
    fn log_prediction_is_stable_for_extreme_terms() {
        // exp(800) overflows; the LSE form must not.
        let theta = [800.0, 0.0, 0.0, 0.0, 0.0];
        let v = log_prediction(&theta, 1.0, 1.0);
        assert!((v - 800.0).abs() < 1e-12);
        let (v2, w) = log_prediction_with_weights(&theta, 1.0, 1.0);
        assert!((v2 - 800.0).abs() < 1e-12 && (w[0] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn allocation_exponents_sum_to_one() {
        let law = ChinchillaLaw::HOFFMANN_2022;
        assert!((law.params_exponent() + law.tokens_exponent() - 1.0).abs() < 1e-15);
        assert!((law.params_exponent() - 0.28 / 0.62).abs() < 1e-15);
    }

    #[test]
    fn family_matches_the_law_and_its_gradient() {
        let fam = Chinchilla;
        let theta = ChinchillaLaw::HOFFMANN_2022.theta();
        for &(n, d) in &[(1e8, 2e9), (7e10, 1.4e12), (1e6, 1e15)] {
            let row = Row::new(n, d, 6.0);
            let direct = ChinchillaLaw::HOFFMANN_2022.loss(n, d).ln();
            assert!((fam.log_prediction(&theta, &row) - direct).abs() < 1e-13);
            crate::law::testing::check_gradient(&fam, &theta, &row);
        }
    }

    #[test]
    fn closed_form_allocation_spends_the_budget_at_the_minimum() {
        let fam = Chinchilla;
        let law = ChinchillaLaw::HOFFMANN_2022;
        let theta = law.theta();
        let c = 5.76e23;
        let (n, d) = fam.closed_form_allocation(&theta, c, 6.0).unwrap();
        assert!((6.0 * n * d / c - 1.0).abs() < 1e-12);
        // Moving N either way along the budget raises the loss.
        let at = |f: f64| law.loss(n * f, d / f);
        assert!(at(1.01) > at(1.0) && at(0.99) > at(1.0));
    }
}
