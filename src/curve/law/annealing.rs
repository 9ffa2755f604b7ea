//! The learning-rate annealing law of Tissue et al. 2024 (arXiv:2408.11029):
//! `L = L0 + A·S1^−α − C·S2`, where the annealing area `S2(t) = Σ_{i ≤ t} m_i` sums a momentum
//! of the rate's decreases, `m_i = λ·m_{i−1} + (η_{i−1} − η_i)`. λ (0.999 by default) is fixed
//! during the fit. The warmup's rises enter S2 as negative decreases.

use super::{CurveLaw, CurveParam, power_term};
use crate::curve::Prepared;

/// `L = L0 + A·S1^−α − C·S2` with momentum `lambda`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Annealing {
    /// Momentum λ of the annealing area, in [0, 1).
    pub lambda: f64,
}

const PARAMS: [CurveParam; 4] = [
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
        name: "C",
        log: true,
    },
];

impl Annealing {
    /// `S2` at each checkpoint of `run`.
    pub fn s2(&self, run: &Prepared) -> Vec<f64> {
        let lrs = &run.run.lrs;
        let mut out = Vec::with_capacity(run.len());
        let (mut m, mut s2, mut next) = (0.0, 0.0, 0);
        for i in 1..lrs.len() {
            if next == run.len() {
                break;
            }
            m = self.lambda * m + (lrs[i - 1] - lrs[i]);
            s2 += m;
            while next < run.len() && run.run.steps[next] == i {
                out.push(s2);
                next += 1;
            }
        }
        out
    }
}

impl Annealing {
    /// `S2` at each checkpoint of `run`: kept with the run for the first momentum asked for
    /// (every evaluation of a fit asks for the same), summed afresh for another.
    pub(super) fn area<'a>(&self, run: &'a Prepared) -> std::borrow::Cow<'a, [f64]> {
        let kept = run
            .annealing_area
            .get_or_init(|| (self.lambda, self.s2(run)));
        if kept.0.to_bits() == self.lambda.to_bits() {
            std::borrow::Cow::Borrowed(&kept.1)
        } else {
            std::borrow::Cow::Owned(self.s2(run))
        }
    }
}

impl CurveLaw for Annealing {
    fn name(&self) -> &'static str {
        "annealing"
    }

    fn formula(&self) -> &'static str {
        "L = L0 + A·S1^−α − C·S2,  S2 = Σ m_i,  m_i = λ·m_{i−1} + (η_{i−1} − η_i)"
    }

    fn citation(&self) -> &'static str {
        "Tissue et al. 2024, \"Scaling Law with Learning Rate Annealing\", arXiv:2408.11029"
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
        let s2 = self.area(run);
        for (i, &log_s1) in run.log_s1.iter().enumerate() {
            let (term, d_a, d_alpha) = power_term(theta[1], theta[2], log_s1);
            pred[i] = theta[0] + term - theta[3] * s2[i];
            if let Some(g) = grad.as_deref_mut() {
                g[i * 4..i * 4 + 4].copy_from_slice(&[1.0, d_a, d_alpha, -s2[i]]);
            }
        }
    }

    fn last_loss_by_rates(
        &self,
        theta: &[f64],
        lrs: &[f64],
        grad: Option<&mut [f64]>,
    ) -> Option<f64> {
        Some(super::rates::annealing(theta, self.lambda, lrs, grad))
    }

    fn starts(&self, base: [f64; 3], _runs: &[&Prepared]) -> Vec<Vec<f64>> {
        [0.1, 0.5, 2.0]
            .iter()
            .map(|&c| vec![base[0], base[1], base[2], c])
            .collect()
    }
}
