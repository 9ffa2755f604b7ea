//! The multi-power law of Luo et al. 2025 (arXiv:2503.12811):
//!
//! ```text
//! L(t) = L0 + A·S1(t)^−α + B·Σ_{k ≤ t} Δ_k·G(η_k^−γ·(S1(t) − S1(k−1))),
//! G(x) = 1 − (1 + C·x)^−β,   Δ_k = η_k − η_{k−1}
//! ```
//!
//! (the same as `− B·Σ (η_{k−1} − η_k)·G(…)`): each decrease of the rate brings a loss drop
//! that grows with the rate-area trained since, each rise (the warmup) a loss rise. The sum
//! runs over the grouped blocks of [`Prepared`]. B, C and β trade off against each other on
//! curves with few cooldowns: their intervals show it.

use super::{CurveLaw, CurveParam, power_term};
use crate::curve::Prepared;
use crate::fit::fastmath;

/// The multi-power law, `[L0, A, α, B, C, β, γ]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultiPower;

const PARAMS: [CurveParam; 7] = [
    CurveParam {
        name: "L0",
        log: true,
    },
    CurveParam {
        name: "A",
        log: true,
    },
    CurveParam {
        name: "alpha",
        log: false,
    },
    CurveParam {
        name: "B",
        log: true,
    },
    CurveParam {
        name: "C",
        log: true,
    },
    CurveParam {
        name: "beta",
        log: true,
    },
    CurveParam {
        name: "gamma",
        log: true,
    },
];

impl CurveLaw for MultiPower {
    fn name(&self) -> &'static str {
        "multi-power"
    }

    fn formula(&self) -> &'static str {
        "L = L0 + A·S1^−α + B·Σ_k Δη_k·(1 − (1 + C·η_k^−γ·S_k)^−β)"
    }

    fn citation(&self) -> &'static str {
        "Luo et al. 2025, \"A Multi-Power Law for Loss Curve Prediction Across Learning Rate \
         Schedules\", arXiv:2503.12811"
    }

    fn params(&self) -> &'static [CurveParam] {
        &PARAMS
    }

    fn predict(
        &self,
        theta: &[f64],
        run: &Prepared,
        pred: &mut [f64],
        mut grad: Option<&mut [f64]>,
    ) {
        let (l0, a, alpha, b, c, beta, gamma) = (
            theta[0], theta[1], theta[2], theta[3], theta[4], theta[5], theta[6],
        );
        // Prefix sums of Δ·η^−γ and Δ·η^−γ·ln η: they depend on γ.
        let k = run.change.len();
        let mut h_prefix = vec![0.0; k + 1];
        let mut hl_prefix = vec![0.0; k + 1];
        for i in 0..k {
            let dh = run.change[i] * fastmath::exp(-gamma * run.log_lr[i]);
            h_prefix[i + 1] = h_prefix[i] + dh;
            hl_prefix[i + 1] = hl_prefix[i] + dh * run.log_lr[i];
        }
        for (i, &t) in run.run.steps.iter().enumerate() {
            let (mut drop, mut d_c, mut d_beta, mut d_gamma) = (0.0, 0.0, 0.0, 0.0);
            for j in run.block_start[i]..run.block_start[i + 1] {
                let (f, l) = (run.first[j] as usize, run.last[j] as usize);
                let (w, dist) = (run.weight[j], run.dist[j]);
                let h = (h_prefix[l] - h_prefix[f]) / w;
                let x = h * dist;
                let u = 1.0 + c * x;
                let ln_u = fastmath::ln(u);
                let p = fastmath::exp(-beta * ln_u);
                drop += w * (1.0 - p);
                if grad.is_some() {
                    let q = beta * p / u;
                    d_c += w * q * x;
                    d_beta += w * p * ln_u;
                    // d x / d γ = −(Σ Δ h ln η / W)·dist
                    let dx = -(hl_prefix[l] - hl_prefix[f]) / w * dist;
                    d_gamma += w * q * c * dx;
                }
            }
            let (term, d_a, d_alpha) = power_term(a, alpha, run.s1[t]);
            pred[i] = l0 + term + b * drop;
            if let Some(g) = grad.as_deref_mut() {
                g[i * 7..i * 7 + 7].copy_from_slice(&[
                    1.0,
                    d_a,
                    d_alpha,
                    drop,
                    b * d_c,
                    b * d_beta,
                    b * d_gamma,
                ]);
            }
        }
    }

    fn starts(&self, base: [f64; 3]) -> Vec<Vec<f64>> {
        let mut out = Vec::new();
        for b in [100.0, 500.0, 2000.0] {
            for c in [0.5, 2.0, 8.0] {
                for (beta, gamma) in [(0.3, 0.3), (0.6, 0.6), (0.6, 0.3), (0.3, 0.6)] {
                    out.push(vec![base[0], base[1], base[2], b, c, beta, gamma]);
                }
            }
        }
        out
    }
}
