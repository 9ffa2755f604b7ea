//! What the curve laws need of a run, computed once per run.
//!
//! The multi-power law's loss drop at checkpoint t is a sum over every earlier step k whose
//! learning rate changed:
//!
//! ```text
//! LD(t) = Σ_{k ≤ t} Δ_k · G(η_k^−γ · (S(t) − S(k−1))),   Δ_k = η_k − η_{k−1},  S = Σ η
//! ```
//!
//! Summed term by term that is one power per changed step per checkpoint: 2 million for a
//! 24,000-step cosine run logged every 128 steps. Here the steps before t are grouped into
//! blocks, and each block contributes its summed change times G at its change-weighted mean
//! (the mean of `η^−γ` and of `S(k−1)`, kept as prefix sums so that a block costs O(1)):
//!
//! - a block holds changes of one sign (warmup rises and cooldown falls stay apart);
//! - its rates differ by at most a factor 1 + ε (so `η^−γ` is nearly constant in it);
//! - its extent in summed rate is at most ε times its distance from t, so blocks near t are
//!   single steps (summed exactly) and grow geometrically into the past.
//!
//! With ε = [`SUM_TOLERANCE`] the 27 published curves of the multi-power law need 124 times
//! fewer terms (207,119 instead of 25,579,254), and the grouped sum's predicted loss differs
//! from the exact one by at most 1.2e-6 of the loss, a thousandth of the curves' noise (a test
//! holds both; ε = 0.02 gives 774,333 terms and 4.4e-8). Fits use the grouped sum; `eps = 0`
//! sums every step.

use std::sync::OnceLock;

use super::CurveRun;

/// ε of the grouping (see the module docs).
pub const SUM_TOLERANCE: f64 = 0.1;

/// A run ready for the laws.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The run.
    pub run: CurveRun,
    /// `S(j) = Σ_{i ≤ j} η_i` at every step.
    pub s1: Vec<f64>,
    /// `ln loss` at each checkpoint.
    pub log_loss: Vec<f64>,
    /// `ln S1` at each checkpoint.
    pub(super) log_s1: Vec<f64>,
    /// ε of the grouping.
    eps: f64,
    /// The grouped loss-drop sums, built when a law first asks for them: the laws without a
    /// loss-drop sum never do, and a million dense checkpoints hold about 70 million blocks.
    blocks: OnceLock<Blocks>,
    /// The annealing law's area at each checkpoint and the momentum it was summed with: the
    /// first one asked for, kept, as every evaluation of a fit asks for the same.
    pub(super) annealing_area: OnceLock<(f64, Vec<f64>)>,
}

/// The multi-power law's loss-drop sums of a run, grouped (see the module docs).
#[derive(Debug, Clone)]
pub(super) struct Blocks {
    /// `Δ_k` at the steps k ≥ 1 whose rate differs from step k − 1's.
    pub(super) change: Vec<f64>,
    /// `ln η_k` at those steps.
    pub(super) log_lr: Vec<f64>,
    /// Blocks of change indices, `first..last` (exclusive), all checkpoints one after another.
    pub(super) first: Vec<u32>,
    pub(super) last: Vec<u32>,
    /// Each block's summed change `W = Σ Δ_k`, and its distance `S(t) − Σ Δ_k·S(k−1) / W`
    /// from its checkpoint divided by `W` (the law multiplies the block's `Σ Δ_k·η_k^−γ` by
    /// it): neither depends on the law's parameters.
    pub(super) weight: Vec<f64>,
    pub(super) dist_per_weight: Vec<f64>,
    /// Where each checkpoint's blocks start (one more entry than checkpoints).
    pub(super) block_start: Vec<usize>,
}

impl Prepared {
    /// Prepare `run`, grouping the loss-drop sum with tolerance `eps` (0 sums every step).
    pub fn new(run: CurveRun, eps: f64) -> Prepared {
        let mut s1 = Vec::with_capacity(run.lrs.len());
        let mut acc = 0.0;
        for &lr in &run.lrs {
            acc += lr;
            s1.push(acc);
        }
        let log_loss = run.loss.iter().map(|l| l.ln()).collect();
        let log_s1 = run.steps.iter().map(|&t| s1[t].ln()).collect();
        Prepared {
            run,
            s1,
            log_loss,
            log_s1,
            eps,
            blocks: OnceLock::new(),
            annealing_area: OnceLock::new(),
        }
    }

    /// The grouped loss-drop sums, built on first use.
    pub(super) fn blocks(&self) -> &Blocks {
        self.blocks
            .get_or_init(|| Blocks::new(&self.run, &self.s1, self.eps))
    }

    /// Checkpoints of the run.
    pub fn len(&self) -> usize {
        self.run.steps.len()
    }

    /// Whether the run has no checkpoints (never, for a checked run).
    pub fn is_empty(&self) -> bool {
        self.run.steps.is_empty()
    }

    /// `S1` at each checkpoint.
    pub fn s1_at_checkpoints(&self) -> impl Iterator<Item = f64> + '_ {
        self.run.steps.iter().map(|&t| self.s1[t])
    }

    /// Terms of the grouped loss-drop sums over all checkpoints.
    pub fn block_count(&self) -> usize {
        self.blocks().first.len()
    }
}

impl Blocks {
    fn new(run: &CurveRun, s1: &[f64], eps: f64) -> Blocks {
        let mut change_at = Vec::new();
        let mut change = Vec::new();
        let mut log_lr = Vec::new();
        for k in 1..run.lrs.len() {
            let d = run.lrs[k] - run.lrs[k - 1];
            if d != 0.0 {
                change_at.push(k);
                change.push(d);
                log_lr.push(run.lrs[k].ln());
            }
        }
        let mut w_prefix = vec![0.0; change.len() + 1];
        let mut m_prefix = vec![0.0; change.len() + 1];
        for c in 0..change.len() {
            w_prefix[c + 1] = w_prefix[c] + change[c];
            m_prefix[c + 1] = m_prefix[c] + change[c] * s1[change_at[c] - 1];
        }
        let mut blocks = Vec::new();
        let mut block_start = vec![0];
        let (mut first, mut last, mut weight, mut dist_per_weight) =
            (vec![], vec![], vec![], vec![]);
        let mut seen = 0;
        for &t in &run.steps {
            while seen < change_at.len() && change_at[seen] <= t {
                seen += 1;
            }
            blocks.clear();
            group(&run.lrs, s1, &change_at, &change, t, seen, eps, &mut blocks);
            for &(f, l) in &blocks {
                let (f, l) = (f as usize, l as usize + 1);
                let w = w_prefix[l] - w_prefix[f];
                first.push(f as u32);
                last.push(l as u32);
                weight.push(w);
                dist_per_weight.push((s1[t] - (m_prefix[l] - m_prefix[f]) / w) / w);
            }
            block_start.push(first.len());
        }
        Blocks {
            change,
            log_lr,
            first,
            last,
            weight,
            dist_per_weight,
            block_start,
        }
    }
}

/// Blocks of the changes `0..seen` (those at or before step `t`), nearest first.
#[allow(clippy::too_many_arguments)]
fn group(
    lrs: &[f64],
    s1: &[f64],
    change_at: &[usize],
    change: &[f64],
    t: usize,
    seen: usize,
    eps: f64,
    out: &mut Vec<(u32, u32)>,
) {
    let mut c = seen;
    while c > 0 {
        let last = c - 1;
        let k_last = change_at[last];
        let room = eps * (s1[t] - s1[k_last]);
        let rising = change[last] > 0.0;
        let (lo, hi) = (lrs[k_last] / (1.0 + eps), lrs[k_last] * (1.0 + eps));
        let mut first = last;
        while first > 0 {
            let cand = first - 1;
            let k = change_at[cand];
            if (change[cand] > 0.0) != rising
                || lrs[k] < lo
                || lrs[k] > hi
                || s1[k_last] - s1[k - 1] > room
            {
                break;
            }
            first = cand;
        }
        out.push((first as u32, last as u32));
        c = first;
    }
}
