//! The joint law of Kaplan et al. 2020 ("Scaling Laws for Neural Language Models",
//! arXiv:2001.08361, eq. 1.5 and Table 2).
//!
//! ```text
//! L(N, D) = [ (N_c / N)^(alpha_N / alpha_D) + D_c / D ]^alpha_D
//! ```
//!
//! `N` counts parameters *without* embeddings, as in the paper. Table 2 gives alpha_N = 0.076,
//! alpha_D = 0.103, N_c = 6.4e13, D_c = 1.8e13 ([`KaplanLaw::KAPLAN_2020`]).
//!
//! Solver space is `theta = (n_c, d_c, alpha_n, alpha_d)` with `N_c = exp(n_c)`,
//! `D_c = exp(d_c)`. With `p = alpha_N / alpha_D` the log-prediction is a scaled log-sum-exp,
//! evaluated without overflow:
//!
//! ```text
//! log L = alpha_D · S,   S = LSE(t1, t2),   t1 = p·(n_c − log N),   t2 = d_c − log D
//! d/dn_c     = alpha_N · w1          d/dd_c    = alpha_D · w2
//! d/dalpha_n = w1 · (n_c − log N)    d/dalpha_d = S − w1 · t1
//! ```
//!
//! with softmax weights `w_i = exp(t_i − S)`.
//!
//! **Compute-optimal allocation.** Under `C = k·N·D`, minimising `L` (increasing in the bracket
//! when alpha_D > 0) means minimising `N_c^p·N^(−p) + D_c·k·N / C` over `N`; setting the
//! derivative to zero gives
//!
//! ```text
//! N*^(p+1) = p · N_c^p · C / (k · D_c),    D* = C / (k · N*),    N* ∝ C^(1/(1+p))
//! ```
//!
//! and at the optimum the data term is `p` times the parameter term. With Table 2 this is
//! `N* ∝ C^0.575`. Eq. 1.5 is the *converged* loss: what a model of size `N` reaches on `D`
//! tokens when trained until the test loss stops improving (early-stopped before it
//! overfits). It is not Kaplan et al.'s compute-efficient frontier (section 6, eqs. 1.6-1.7),
//! which is built from the loss after a limited number of optimisation steps, `L(N, S)`, with
//! training stopped well short of convergence, and gave `N ∝ C^0.73`. The two exponents answer
//! different questions and are not expected to agree.

use serde::{Deserialize, Serialize};

use super::{Family, Input, Param, Row, Transform};

/// Index of `n_c = log N_c` in solver space.
pub const IDX_N_C: usize = 0;
/// Index of `d_c = log D_c` in solver space.
pub const IDX_D_C: usize = 1;
/// Index of `alpha_N` in solver space.
pub const IDX_ALPHA_N: usize = 2;
/// Index of `alpha_D` in solver space.
pub const IDX_ALPHA_D: usize = 3;

/// The Kaplan et al. law `L = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D` in its natural
/// parameters.
///
/// # Examples
///
/// ```
/// use scaling_laws::law::KaplanLaw;
/// let law = KaplanLaw::KAPLAN_2020;
/// // With unlimited data the law falls back to L(N) = (N_c / N)^alpha_N.
/// let loss = law.loss(1e9, 1e40);
/// assert!((loss - (6.4e13f64 / 1e9).powf(0.076)).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KaplanLaw {
    /// `N_c`: the parameter scale (non-embedding parameters).
    #[serde(rename = "N_c")]
    pub params_scale: f64,
    /// `D_c`: the token scale.
    #[serde(rename = "D_c")]
    pub tokens_scale: f64,
    /// `alpha_N`: exponent of model size.
    #[serde(rename = "alpha_N")]
    pub alpha_n: f64,
    /// `alpha_D`: exponent of training tokens.
    #[serde(rename = "alpha_D")]
    pub alpha_d: f64,
}

impl KaplanLaw {
    /// The fit of Kaplan et al. 2020, Table 2 (eq. 1.5): alpha_N 0.076, alpha_D 0.103,
    /// N_c 6.4e13, D_c 1.8e13.
    pub const KAPLAN_2020: KaplanLaw = KaplanLaw {
        params_scale: 6.4e13,
        tokens_scale: 1.8e13,
        alpha_n: 0.076,
        alpha_d: 0.103,
    };

    /// The law from solver-space parameters `(n_c, d_c, alpha_n, alpha_d)`.
    pub fn from_theta(theta: &[f64]) -> Self {
        KaplanLaw {
            params_scale: theta[IDX_N_C].exp(),
            tokens_scale: theta[IDX_D_C].exp(),
            alpha_n: theta[IDX_ALPHA_N],
            alpha_d: theta[IDX_ALPHA_D],
        }
    }

    /// Solver-space parameters `(n_c, d_c, alpha_n, alpha_d)`. Scales must be positive.
    pub fn theta(&self) -> [f64; 4] {
        [
            self.params_scale.ln(),
            self.tokens_scale.ln(),
            self.alpha_n,
            self.alpha_d,
        ]
    }

    /// Predicted loss for `n_params` non-embedding parameters trained on `n_tokens` tokens,
    /// evaluated as the paper writes it.
    pub fn loss(&self, n_params: f64, n_tokens: f64) -> f64 {
        let p = self.alpha_n / self.alpha_d;
        ((self.params_scale / n_params).powf(p) + self.tokens_scale / n_tokens).powf(self.alpha_d)
    }

    /// Exponent `a = 1 / (1 + alpha_N/alpha_D)` of `N* ∝ C^a`.
    pub fn params_exponent(&self) -> f64 {
        1.0 / (1.0 + self.alpha_n / self.alpha_d)
    }

    /// Compute-optimal `(N*, D*)` for `compute` FLOPs with `C = k·N·D` (module docs), or `None`
    /// when an exponent is not positive (then no interior optimum exists).
    pub fn compute_optimal(&self, compute: f64, k: f64) -> Option<(f64, f64)> {
        Kaplan.closed_form_allocation(&self.theta(), compute, k)
    }
}

/// The Kaplan family: `L = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D`, solver space
/// `(n_c, d_c, alpha_n, alpha_d)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kaplan;

const SCALE_BOUNDS: (f64, f64) = (-700.0, 700.0);
const EXPONENT_BOUNDS: (f64, f64) = (0.0, 10.0);
// log N_c and log D_c of Table 2 are 31.8 and 30.5; the axes span e^15 (3e6) to e^45 (3e19).
const GRID_SCALE: &[f64] = &[15.0, 22.5, 30.0, 37.5, 45.0];
// Published exponents are near 0.1; steeper laws are fitted on small or synthetic sweeps.
const GRID_EXPONENT: &[f64] = &[0.05, 0.1, 0.2, 0.4, 0.8];

const PARAMS: [Param; 4] = [
    Param {
        name: "n_c",
        natural: "N_c",
        transform: Transform::Log,
        bounds: SCALE_BOUNDS,
        nonzero: false,
        grid: GRID_SCALE,
        doc: "parameter scale N_c (non-embedding parameters) of the term (N_c/N)^(alpha_N/alpha_D)",
    },
    Param {
        name: "d_c",
        natural: "D_c",
        transform: Transform::Log,
        bounds: SCALE_BOUNDS,
        nonzero: false,
        grid: GRID_SCALE,
        doc: "token scale D_c of the term D_c/D",
    },
    Param {
        name: "alpha_n",
        natural: "alpha_N",
        transform: Transform::Identity,
        bounds: EXPONENT_BOUNDS,
        nonzero: true,
        grid: GRID_EXPONENT,
        doc: "exponent of model size (the loss falls as N^-alpha_N with unlimited data)",
    },
    Param {
        name: "alpha_d",
        natural: "alpha_D",
        transform: Transform::Identity,
        bounds: EXPONENT_BOUNDS,
        nonzero: true,
        grid: GRID_EXPONENT,
        doc: "exponent of training tokens (the loss falls as D^-alpha_D with unlimited parameters)",
    },
];

/// `(t1, t2, S, w1)` of the module docs.
#[inline]
fn terms(theta: &[f64], row: &Row) -> (f64, f64, f64, f64) {
    let p = theta[IDX_ALPHA_N] / theta[IDX_ALPHA_D];
    let t1 = p * (theta[IDX_N_C] - row.log_n);
    let t2 = theta[IDX_D_C] - row.log_d;
    let m = t1.max(t2);
    let (x1, x2) = ((t1 - m).exp(), (t2 - m).exp());
    let s = m + (x1 + x2).ln();
    (t1, t2, s, x1 / (x1 + x2))
}

impl Family for Kaplan {
    fn name(&self) -> &'static str {
        "kaplan"
    }

    fn formula(&self) -> &'static str {
        "L = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D"
    }

    fn citation(&self) -> &'static str {
        "Kaplan et al. 2020, arXiv:2001.08361, eq. 1.5 and Table 2"
    }

    fn published(&self) -> Option<(&'static str, &'static [f64])> {
        const LAW: KaplanLaw = KaplanLaw::KAPLAN_2020;
        const VALUES: [f64; 4] = [LAW.params_scale, LAW.tokens_scale, LAW.alpha_n, LAW.alpha_d];
        Some(("Kaplan et al. 2020, Table 2", &VALUES))
    }

    fn params(&self) -> &'static [Param] {
        &PARAMS
    }

    fn inputs(&self) -> &'static [Input] {
        &[Input::Params, Input::Tokens]
    }

    fn log_prediction(&self, theta: &[f64], row: &Row) -> f64 {
        theta[IDX_ALPHA_D] * terms(theta, row).2
    }

    fn log_prediction_with_gradient(&self, theta: &[f64], row: &Row, grad: &mut [f64]) -> f64 {
        let (t1, _, s, w1) = terms(theta, row);
        let w2 = 1.0 - w1;
        grad[IDX_N_C] = theta[IDX_ALPHA_N] * w1;
        grad[IDX_D_C] = theta[IDX_ALPHA_D] * w2;
        grad[IDX_ALPHA_N] = w1 * (theta[IDX_N_C] - row.log_n);
        grad[IDX_ALPHA_D] = s - w1 * t1;
        theta[IDX_ALPHA_D] * s
    }

    fn closed_form_allocation(&self, theta: &[f64], compute: f64, k: f64) -> Option<(f64, f64)> {
        let (alpha_n, alpha_d) = (theta[IDX_ALPHA_N], theta[IDX_ALPHA_D]);
        if !(alpha_n > 0.0 && alpha_d > 0.0) {
            return None;
        }
        let p = alpha_n / alpha_d;
        let log_c = (compute / k).ln();
        // In logs: N*^(p+1) = p·N_c^p·(C/k)/D_c.
        let log_n = (p.ln() + p * theta[IDX_N_C] + log_c - theta[IDX_D_C]) / (p + 1.0);
        Some((log_n.exp(), (log_c - log_n).exp()))
    }

    fn params_exponent(&self, theta: &[f64]) -> Option<f64> {
        let (alpha_n, alpha_d) = (theta[IDX_ALPHA_N], theta[IDX_ALPHA_D]);
        (alpha_n > 0.0 && alpha_d > 0.0).then(|| alpha_d / (alpha_n + alpha_d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::least_squares::fit_from_grid;
    use crate::law::testing::check_gradient;

    const POINTS: [(f64, f64); 4] = [(1e8, 2e9), (7e10, 1.4e12), (1e6, 1e15), (1e12, 1e8)];

    #[test]
    fn log_prediction_matches_the_paper_formula() {
        let law = KaplanLaw::KAPLAN_2020;
        let theta = law.theta();
        for &(n, d) in &POINTS {
            let direct = law.loss(n, d).ln();
            let lse = Kaplan.log_prediction(&theta, &Row::new(n, d, 6.0));
            assert!((direct - lse).abs() < 1e-13, "{n} {d}: {direct} vs {lse}");
        }
        // Table 2 values at 1e9 parameters on 1e12 tokens; the constant was computed in Python
        // (math.pow) from the paper's formula.
        let expected = ((6.4e13f64 / 1e9).powf(0.076 / 0.103) + 1.8e13 / 1e12).powf(0.103);
        assert!((law.loss(1e9, 1e12) - expected).abs() < 1e-12);
        assert!((law.loss(1e9, 1e12) - 2.320_053_305_056_849).abs() < 1e-12);
    }

    #[test]
    fn log_prediction_is_stable_where_the_power_overflows() {
        // (N_c/N)^p = e^2000 overflows; the LSE form does not.
        let theta = [1000.0, 0.0, 2.0, 1.0];
        let row = Row::new(1.0, 1.0, 6.0);
        assert!((Kaplan.log_prediction(&theta, &row) - 2000.0).abs() < 1e-9);
        check_gradient(&Kaplan, &theta, &row);
    }

    #[test]
    fn gradient_matches_central_differences() {
        let thetas = [
            KaplanLaw::KAPLAN_2020.theta(),
            [20.0, 40.0, 0.5, 0.05],
            [45.0, 15.0, 0.02, 2.0],
            [0.0, 0.0, 3.0, 0.3],
        ];
        for theta in &thetas {
            for &(n, d) in &POINTS {
                check_gradient(&Kaplan, theta, &Row::new(n, d, 6.0));
            }
        }
    }

    #[test]
    fn allocation_spends_the_budget_and_matches_brute_force() {
        let law = KaplanLaw::KAPLAN_2020;
        for &c in &[1e18, 5.76e23, 1e27] {
            let (n, d) = law.compute_optimal(c, 6.0).unwrap();
            assert!((6.0 * n * d / c - 1.0).abs() < 1e-12);
            // Brute force over log N along the budget, 1e-4 steps across six decades.
            let log_n0 = n.ln();
            let best = (-70_000..=70_000)
                .map(|i| log_n0 + i as f64 * 1e-4)
                .min_by(|&x, &y| {
                    let at = |ln: f64| law.loss(ln.exp(), c / (6.0 * ln.exp()));
                    at(x).total_cmp(&at(y))
                })
                .unwrap();
            assert!((best - log_n0).abs() <= 2e-4, "{c}: {best} vs {log_n0}");
            let at = |f: f64| law.loss(n * f, d / f);
            assert!(at(1.01) > at(1.0) && at(0.99) > at(1.0));
        }
    }

    #[test]
    fn allocation_exponent_follows_the_closed_form() {
        let theta = KaplanLaw::KAPLAN_2020.theta();
        let a = Kaplan.params_exponent(&theta).unwrap();
        assert!((a - 0.103 / 0.179).abs() < 1e-15);
        let (n1, _) = Kaplan.closed_form_allocation(&theta, 1e20, 6.0).unwrap();
        let (n2, _) = Kaplan.closed_form_allocation(&theta, 1e23, 6.0).unwrap();
        assert!(((n2 / n1).log10() / 3.0 - a).abs() < 1e-12);
        assert!(
            Kaplan
                .closed_form_allocation(&[30.0, 30.0, 0.0, 0.1], 1e20, 6.0)
                .is_none()
        );
    }

    #[test]
    fn default_grid_recovers_the_published_law() {
        let law = KaplanLaw::KAPLAN_2020;
        let mut rows = Vec::new();
        for n in [1e6, 1e7, 1e8, 1e9, 1e10] {
            for d in [1e8, 1e9, 1e10, 1e11, 1e12] {
                rows.push(Row::new(n, d, 6.0));
            }
        }
        let y: Vec<f64> = rows
            .iter()
            .map(|r| law.loss(r.log_n.exp(), r.log_d.exp()).ln())
            .collect();
        // The best grid start alone reaches the published law.
        let (theta, sse) = fit_from_grid(&Kaplan, &rows, &y, &[None; 4], 1);
        assert!(sse < 1e-20, "{sse}");
        for (got, want) in theta.iter().zip(law.theta()) {
            assert!((got / want - 1.0).abs() < 1e-6, "{theta:?}");
        }
    }
}
