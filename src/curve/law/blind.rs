//! The schedule-blind baseline: the loss as a power of the summed learning rate alone,
//! `L = L0 + A·S1^−α`. It sees a cooldown only as the area it adds, so it misses the drop a
//! cooldown brings; the laws that follow are measured against it.

use super::{CurveLaw, CurveParam, power_term};
use crate::curve::Prepared;

/// `L = L0 + A·S1^−α`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blind;

const PARAMS: [CurveParam; 3] = [
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
];

impl CurveLaw for Blind {
    fn name(&self) -> &'static str {
        "blind"
    }

    fn formula(&self) -> &'static str {
        "L = L0 + A·S1^−α"
    }

    fn citation(&self) -> &'static str {
        "the baseline of Tissue et al. 2024 (arXiv:2408.11029) and Luo et al. 2025 (arXiv:2503.12811)"
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
        for (i, &log_s1) in run.log_s1.iter().enumerate() {
            let (term, d_a, d_alpha) = power_term(theta[1], theta[2], log_s1);
            pred[i] = theta[0] + term;
            if let Some(g) = grad.as_deref_mut() {
                g[i * 3..i * 3 + 3].copy_from_slice(&[1.0, d_a, d_alpha]);
            }
        }
    }

    fn last_loss_by_rates(
        &self,
        theta: &[f64],
        lrs: &[f64],
        grad: Option<&mut [f64]>,
    ) -> Option<f64> {
        Some(super::rates::blind(theta, lrs, grad))
    }

    fn starts(&self, base: [f64; 3], _runs: &[&Prepared]) -> Vec<Vec<f64>> {
        vec![base.to_vec()]
    }
}
