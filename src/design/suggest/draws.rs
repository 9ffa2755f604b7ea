//! The expected interval after new runs, from the bootstrap draws of the fit.
//!
//! The draws `θ_b` of the bootstrap (with the default `weights` scheme, Rubin's Bayesian
//! bootstrap) stand for the laws the runs allow. A new run at `(N, D)` whose log loss comes out
//! as `y` would reweight them by its likelihood (the weighted likelihood bootstrap, Newton and
//! Raftery 1994, §3):
//!
//! ```text
//! w_b ∝ Π_runs exp(-(ln L_b(N, D) - y)² / (2 s²)),      s = robust residual scale of the fit
//! ```
//!
//! Which `y` the run will give is unknown, so each of `P` probe draws `j` in turn plays the
//! truth, `y = ln L_j(N, D)` (noise-free: in the linear-Gaussian case the width of the
//! reweighted interval does not depend on the noise), and draw `j` itself is left out of its
//! own reweighting (it would match itself exactly). For probe `j` the width is the log ratio of
//! the weighted quantiles `(1 ± level)/2` of `ln q_b`; the expected width after the runs is the
//! mean over probes, and the current percentile interval of the draws (the one `optimal
//! --bootstrap` reports) is shrunk around the fitted value in log space by the ratio of that
//! mean to the mean width before. Probes are spread evenly over the draws sorted by `q`.
//!
//! This is nonlinear where the delta method is linear, and it inherits the bootstrap's width
//! (on the Chinchilla set a factor 2.3 for N*(1e24) where the delta method says 1.34). It
//! assumes the new runs scatter like the fitted ones and that the law holds where they are;
//! when a few draws take all the weight (few effective draws) the intervals are too narrow,
//! and the suggestion says so.

use rayon::prelude::*;

use crate::law::Law;

/// Probe draws (pseudo-truths) used at most.
pub const PROBES: usize = 64;

/// The draws, sorted by the target quantity, with the probes' accumulated log weights.
pub(super) struct DrawModel {
    /// `ln q` of each draw, ascending.
    log_q: Vec<f64>,
    /// The laws, in the same order.
    laws: Vec<Law>,
    /// Index of each probe draw.
    probes: Vec<usize>,
    /// Per probe, log weights of the draws.
    log_w: Vec<Vec<f64>>,
    /// `1 / (2 s²)`.
    precision: f64,
    /// Lower and upper quantile levels.
    quantiles: (f64, f64),
}

/// The weighted quantile `p` of ascending `x` with weights `w` (summing to `total`): the
/// piecewise-linear CDF through the mid-points of the weights (Hazen's rule when equal).
fn weighted_quantile(x: &[f64], w: &[f64], total: f64, p: f64) -> f64 {
    let target = p * total;
    let mut below = 0.0;
    let mut last: Option<(f64, f64)> = None;
    for (&xi, &wi) in x.iter().zip(w) {
        if wi <= 0.0 {
            continue;
        }
        let mid = below + wi / 2.0;
        if mid >= target {
            return match last {
                None => xi,
                Some((xl, ml)) => xl + (xi - xl) * (target - ml) / (mid - ml),
            };
        }
        last = Some((xi, mid));
        below += wi;
    }
    last.map_or(f64::NAN, |(x, _)| x)
}

impl DrawModel {
    /// The model of draws `laws` with their `ln q` (non-finite ones already left out), residual
    /// scale `scale` and confidence `level`.
    pub fn new(mut draws: Vec<(f64, Law)>, scale: f64, level: f64) -> Self {
        draws.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (log_q, laws): (Vec<f64>, Vec<Law>) = draws.into_iter().unzip();
        let b = log_q.len();
        let p = PROBES.min(b);
        let probes: Vec<usize> = (0..p).map(|i| (2 * i + 1) * b / (2 * p)).collect();
        let log_w = probes
            .iter()
            .map(|&j| {
                let mut w = vec![0.0; b];
                w[j] = f64::NEG_INFINITY;
                w
            })
            .collect();
        DrawModel {
            log_q,
            laws,
            probes,
            log_w,
            precision: 1.0 / (2.0 * scale * scale),
            quantiles: ((1.0 - level) / 2.0, (1.0 + level) / 2.0),
        }
    }

    /// Number of draws.
    pub fn len(&self) -> usize {
        self.log_q.len()
    }

    /// `ln` of the predicted loss of every draw at a run.
    pub fn predictions(&self, n_params: f64, n_tokens: f64) -> Vec<f64> {
        self.laws
            .iter()
            .map(|l| l.loss(n_params, n_tokens).ln())
            .collect()
    }

    /// Log weights of probe `i` after a run whose draws predict `pred` (none: as they are).
    fn weights_with(&self, i: usize, pred: Option<&[f64]>) -> Vec<f64> {
        let lw = &self.log_w[i];
        let mut w: Vec<f64> = match pred {
            None => lw.clone(),
            Some(pred) => {
                let y = pred[self.probes[i]];
                lw.iter()
                    .zip(pred)
                    .map(|(l, p)| l - self.precision * (p - y).powi(2))
                    .map(|l| if l.is_nan() { f64::NEG_INFINITY } else { l })
                    .collect()
            }
        };
        let top = w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for x in &mut w {
            *x = (*x - top).exp();
        }
        w
    }

    /// Log width of probe `i`'s weighted interval, and its effective number of draws.
    fn probe_width(&self, i: usize, pred: Option<&[f64]>) -> (f64, f64) {
        let w = self.weights_with(i, pred);
        let total: f64 = w.iter().sum();
        let squares: f64 = w.iter().map(|x| x * x).sum();
        let lo = weighted_quantile(&self.log_q, &w, total, self.quantiles.0);
        let hi = weighted_quantile(&self.log_q, &w, total, self.quantiles.1);
        (hi - lo, total * total / squares)
    }

    /// Mean over probes of the log width, and the median effective number of draws, after the
    /// runs so far and one more whose draws predict `pred` (none: no more).
    pub fn expected_width(&self, pred: Option<&[f64]>) -> (f64, f64) {
        let widths: Vec<(f64, f64)> = (0..self.probes.len())
            .into_par_iter()
            .map(|i| self.probe_width(i, pred))
            .collect();
        let mean = widths.iter().map(|w| w.0).sum::<f64>() / widths.len() as f64;
        let mut ess: Vec<f64> = widths.iter().map(|w| w.1).collect();
        ess.sort_by(f64::total_cmp);
        (mean, ess[ess.len() / 2])
    }

    /// Add a run whose draws predict `pred` to every probe's weights.
    pub fn add(&mut self, pred: &[f64]) {
        for (i, lw) in self.log_w.iter_mut().enumerate() {
            let y = pred[self.probes[i]];
            for (l, p) in lw.iter_mut().zip(pred) {
                let next = *l - self.precision * (p - y).powi(2);
                *l = if next.is_nan() {
                    f64::NEG_INFINITY
                } else {
                    next
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_weights_give_the_hazen_quantiles() {
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let w = vec![1.0; 100];
        // Hazen: the i-th of n values (from 0) sits at p = (i + 0.5)/n.
        assert!((weighted_quantile(&x, &w, 100.0, 0.255) - 25.0).abs() < 1e-9);
        assert!((weighted_quantile(&x, &w, 100.0, 0.0) - 0.0).abs() < 1e-12);
        assert!((weighted_quantile(&x, &w, 100.0, 1.0) - 99.0).abs() < 1e-12);
        // A zero weight takes a value out.
        let mut w2 = w.clone();
        w2[0] = 0.0;
        assert!((weighted_quantile(&x, &w2, 99.0, 0.0) - 1.0).abs() < 1e-12);
    }
}
