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
use crate::curve::prepared::Blocks;
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

    fn predict(&self, theta: &[f64], run: &Prepared, pred: &mut [f64], grad: Option<&mut [f64]>) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2 (checked just above).
            return unsafe { predict_avx2(theta, run, pred, grad) };
        }
        predict_any(theta, run, pred, grad)
    }

    fn rate_scale(&self) -> Option<(usize, usize)> {
        Some((4, 6))
    }

    fn last_loss_by_rates(
        &self,
        theta: &[f64],
        lrs: &[f64],
        grad: Option<&mut [f64]>,
    ) -> Option<f64> {
        Some(super::rates::multi_power(theta, lrs, grad))
    }

    fn starts(&self, base: [f64; 3], _runs: &[&Prepared]) -> Vec<Vec<f64>> {
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

/// Blocks summed at a time: each step of [`drop_sums`] runs over arrays of this many blocks,
/// which the compiler turns into vector code.
const LANES: usize = 8;

/// [`predict_any`] compiled for 4-wide vectors; the same operations in the same order (AVX2
/// without FMA), so the same bits as the baseline build.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn predict_avx2(theta: &[f64], run: &Prepared, pred: &mut [f64], grad: Option<&mut [f64]>) {
    predict_any(theta, run, pred, grad);
}

#[inline(always)]
fn predict_any(theta: &[f64], run: &Prepared, pred: &mut [f64], mut grad: Option<&mut [f64]>) {
    let (l0, a, alpha, b, c, beta, gamma) = (
        theta[0], theta[1], theta[2], theta[3], theta[4], theta[5], theta[6],
    );
    // Prefix sums of Δ·η^−γ and Δ·η^−γ·ln η over the changes up to the last checkpoint: they
    // depend on γ.
    let blocks = run.blocks();
    let k = blocks.last.iter().copied().max().unwrap_or(0) as usize;
    let mut h_prefix = vec![0.0; k + 1];
    let mut hl_prefix = vec![0.0; if grad.is_some() { k + 1 } else { 0 }];
    let (mut h, mut hl) = (0.0, 0.0);
    for i in 0..k {
        let dh = blocks.change[i] * fastmath::exp(-gamma * blocks.log_lr[i]);
        h += dh;
        h_prefix[i + 1] = h;
        if grad.is_some() {
            hl += dh * blocks.log_lr[i];
            hl_prefix[i + 1] = hl;
        }
    }
    for (i, &log_s1) in run.log_s1.iter().enumerate() {
        let range = blocks.block_start[i]..blocks.block_start[i + 1];
        let (term, d_a, d_alpha) = power_term(a, alpha, log_s1);
        if let Some(g) = grad.as_deref_mut() {
            let [drop, d_c, d_beta, d_gamma] =
                drop_sums::<true>(c, beta, &h_prefix, &hl_prefix, blocks, range);
            pred[i] = l0 + term + b * drop;
            g[i * 7..i * 7 + 7].copy_from_slice(&[
                1.0,
                d_a,
                d_alpha,
                drop,
                b * d_c,
                b * d_beta,
                b * c * d_gamma,
            ]);
        } else {
            let [drop, ..] = drop_sums::<false>(c, beta, &h_prefix, &hl_prefix, blocks, range);
            pred[i] = l0 + term + b * drop;
        }
    }
}

/// The loss-drop sum `Σ W·G(x)` over `blocks` (`x = h·dist`, `h` the block's mean `η^−γ`) and,
/// with `GRAD`, its derivatives by C and β and its derivative by γ divided by C:
///
/// ```text
/// d/dC = Σ W·β·(1 + C·x)^−β−1·x,   d/dβ = Σ W·(1 + C·x)^−β·ln(1 + C·x),
/// d/dγ = C·Σ W·β·(1 + C·x)^−β−1·dx/dγ,   dx/dγ = −(Σ Δ·η^−γ·ln η / W)·dist
/// ```
#[inline(always)]
fn drop_sums<const GRAD: bool>(
    c: f64,
    beta: f64,
    h_prefix: &[f64],
    hl_prefix: &[f64],
    run: &Blocks,
    blocks: std::ops::Range<usize>,
) -> [f64; 4] {
    let mut acc = [[0.0; LANES]; 4];
    let mut j = blocks.start;
    while j < blocks.end {
        // Lanes past the last block keep W = 0: x = 0, G = 0, and they add nothing.
        let (mut dh, mut dhl, mut r, mut w) =
            ([0.0; LANES], [0.0; LANES], [0.0; LANES], [0.0; LANES]);
        for lane in 0..LANES.min(blocks.end - j) {
            let (f, l) = (run.first[j + lane] as usize, run.last[j + lane] as usize);
            dh[lane] = h_prefix[l] - h_prefix[f];
            if GRAD {
                dhl[lane] = hl_prefix[l] - hl_prefix[f];
            }
            r[lane] = run.dist_per_weight[j + lane];
            w[lane] = run.weight[j + lane];
        }
        for lane in 0..LANES {
            let x = dh[lane] * r[lane];
            let u = 1.0 + c * x;
            let ln_u = fastmath::ln(u);
            let p = fastmath::exp(-beta * ln_u);
            acc[0][lane] += w[lane] * (1.0 - p);
            if GRAD {
                let wq = w[lane] * beta * p / u;
                acc[1][lane] += wq * x;
                acc[2][lane] += w[lane] * p * ln_u;
                acc[3][lane] -= wq * dhl[lane] * r[lane];
            }
        }
        j += LANES;
    }
    acc.map(|lanes| lanes.iter().sum())
}
