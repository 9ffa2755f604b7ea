//! The best free learning-rate schedule for a fitted curve law: after the warmup of a given
//! schedule, any non-increasing rate between a floor and the peak, chosen to minimise the
//! law's loss at the last step (as the multi-power law's authors optimise theirs, Luo et al.
//! 2025, arXiv:2503.12811, section 5).
//!
//! The rate is linear between [`KNOTS`]` + 1` knots, from the warmup's end to the last step,
//! placed at fractions `1 − (1 − k/K)²` of the steps after the warmup (denser towards the
//! end, where cooldowns lie). The knots' rates are monotone by construction:
//!
//! ```text
//! v_k = peak − (peak − floor)·F_k,   F_k = Σ_{i ≤ k} z_i² / Σ_{i ≤ K+1} z_i²
//! ```
//!
//! (the last weight, `z_{K+1}²`, is the drop not taken), so `peak ≥ v_0 ≥ … ≥ v_K ≥ floor`
//! for any `z`, and L-BFGS ([`crate::fit::solver::minimise`]) runs on `z` with the law's exact
//! gradient by each step's rate ([`super::law::CurveLaw::last_loss_by_rates`]) carried to the
//! knots. Squares, not exponentials: a drop's derivative then shrinks with its size, not its
//! logarithm, so a drop that starts near zero can still grow (with `e^{z_i}`, the optimum
//! depended on the start by 5e-5 of the loss under the 400M multi-power law; with squares,
//! starts from cosine, the best grid WSD and a WSD from half the horizon end within 1e-10).
//! It starts from a given schedule sampled at the knots (each weight at least
//! [`START_WEIGHT`]: a zero weight is a saddle), and ends no higher than that start. Knots
//! within [`SNAP`] of the range from the peak or the floor are then set to it when that does
//! not raise the loss (beyond its [`ROUNDING`]): the optimum of a law that only sees the summed rate is the constant
//! peak, exactly.

use super::law::CurveLaw;
use super::schedule::Schedule;
use crate::error::Error;
use crate::fit::solver::{Smooth, SolverOptions, minimise};

/// Knot intervals after the warmup.
pub const KNOTS: usize = 96;

/// The smallest weight of a start's drop (the weights sum to 1).
pub const START_WEIGHT: f64 = 1e-8;

/// Knots this close to the peak or the floor, as a fraction of the range between, are moved
/// onto it when that does not raise the loss.
pub const SNAP: f64 = 1e-4;

/// The rounding error of the loss summed over the steps, relative: a snap that raises the
/// loss by no more is taken.
pub const ROUNDING: f64 = 1e-11;

/// L-BFGS iterations at most.
pub const MAX_ITERS: u64 = 2000;

/// A free schedule and what the law predicts of it.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeSchedule {
    /// The learning rate at every step.
    pub lrs: Vec<f64>,
    /// `(step, rate)` of each knot after the warmup: the rate is linear between them.
    pub knots: Vec<(usize, f64)>,
    /// The law's loss at the last step, every step summed exactly.
    pub final_loss: f64,
    /// The same of the start, sampled at the knots.
    pub start_loss: f64,
    /// L-BFGS iterations.
    pub iterations: u64,
}

/// The knots' steps: `warmup` to `steps − 1`, denser towards the end, no step twice.
pub fn knot_steps(warmup: usize, steps: usize) -> Vec<usize> {
    let (first, last) = (warmup, steps - 1);
    let span = (last - first) as f64;
    let mut out: Vec<usize> = (0..=KNOTS)
        .map(|k| {
            let s = 1.0 - k as f64 / KNOTS as f64;
            first + (span * (1.0 - s * s)).round() as usize
        })
        .collect();
    out.dedup();
    out
}

/// The rate at every step: `head` (the warmup) then linear between the knots.
pub fn rates_of(head: &[f64], knots: &[(usize, f64)]) -> Vec<f64> {
    let mut out = head.to_vec();
    out.push(knots[0].1);
    for pair in knots.windows(2) {
        let ((a, va), (b, vb)) = (pair[0], pair[1]);
        for j in a + 1..b {
            let t = (j - a) as f64 / (b - a) as f64;
            out.push(va + (vb - va) * t);
        }
        out.push(vb);
    }
    out
}

/// The problem in `z`.
struct Problem<'a> {
    law: &'a dyn CurveLaw,
    theta: &'a [f64],
    head: &'a [f64],
    steps: &'a [usize],
    peak: f64,
    range: f64,
}

impl Problem<'_> {
    /// Cumulative fractions `F_k`, the weights `z_i²` and their total.
    fn fractions(&self, z: &[f64]) -> (Vec<f64>, Vec<f64>, f64) {
        let w: Vec<f64> = z.iter().map(|v| v * v).collect();
        let total: f64 = w.iter().sum();
        let mut acc = 0.0;
        let f = w[..self.steps.len()]
            .iter()
            .map(|wi| {
                acc += wi;
                (acc / total).min(1.0)
            })
            .collect();
        (f, w, total)
    }

    fn knots(&self, f: &[f64]) -> Vec<(usize, f64)> {
        self.steps
            .iter()
            .zip(f)
            .map(|(&s, fk)| (s, self.peak - self.range * fk))
            .collect()
    }

    fn loss(&self, knots: &[(usize, f64)], grad: Option<&mut [f64]>) -> f64 {
        let lrs = rates_of(self.head, knots);
        self.law
            .last_loss_by_rates(self.theta, &lrs, grad)
            .unwrap_or(f64::NAN)
    }
}

impl Smooth for Problem<'_> {
    fn value_and_gradient(&self, z: &[f64]) -> (f64, Vec<f64>) {
        let (f, w, total) = self.fractions(z);
        let knots = self.knots(&f);
        let n = self.head.len() + knots.last().map_or(0, |k| k.0 - knots[0].0) + 1;
        let mut by_step = vec![0.0; n];
        let loss = self.loss(&knots, Some(&mut by_step));
        // dL/dv_k from the steps of the intervals beside knot k.
        let h = self.head.len();
        let mut by_knot = vec![0.0; knots.len()];
        by_knot[0] = by_step[h];
        for (k, pair) in knots.windows(2).enumerate() {
            let (a, b) = (pair[0].0, pair[1].0);
            for j in a + 1..=b {
                let t = (j - a) as f64 / (b - a) as f64;
                let g = by_step[h + j - knots[0].0];
                by_knot[k] += (1.0 - t) * g;
                by_knot[k + 1] += t * g;
            }
        }
        // dL/dF_k = −range·dL/dv_k; dL/dz_i = 2·z_i·(Σ_{k ≥ i} dL/dF_k − Σ_k dL/dF_k·F_k)/total.
        let by_f: Vec<f64> = by_knot.iter().map(|g| -self.range * g).collect();
        let mean: f64 = by_f.iter().zip(&f).map(|(g, fk)| g * fk).sum();
        let mut grad = vec![0.0; w.len()];
        let mut suffix = 0.0;
        for i in (0..w.len()).rev() {
            if i < by_f.len() {
                suffix += by_f[i];
            }
            grad[i] = 2.0 * z[i] * (suffix - mean) / total;
        }
        (loss, grad)
    }

    fn value(&self, z: &[f64]) -> f64 {
        let (f, ..) = self.fractions(z);
        self.loss(&self.knots(&f), None)
    }
}

/// The best free schedule under `law` at `theta`, with the warmup, peak and horizon of `base`,
/// its rates in `[floor, peak]`, from `start` (a schedule of the same horizon).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--fit` for a law without the loss by rates (one across
/// model sizes), `--schedule` when `floor` is not below the peak or no step follows the warmup.
pub fn free_schedule(
    law: &dyn CurveLaw,
    theta: &[f64],
    base: &Schedule,
    floor: f64,
    start: &Schedule,
) -> Result<FreeSchedule, Error> {
    let peak = base.peak;
    if !(floor > 0.0 && floor < peak) {
        return Err(Error::invalid_option(
            "--schedule",
            format!(
                "the free schedule keeps its rates between the lowest the fit can speak for \
                 ({floor:e}) and the peak ({peak:e}); give a higher peak"
            ),
        ));
    }
    let head: Vec<f64> = (0..base.warmup).map(|j| base.at(j)).collect();
    let steps = knot_steps(base.warmup, base.steps);
    let range = peak - floor;
    let problem = Problem {
        law,
        theta,
        head: &head,
        steps: &steps,
        peak,
        range,
    };
    if law.last_loss_by_rates(theta, &[peak, peak], None).is_none() {
        return Err(Error::invalid_option(
            "--fit",
            format!(
                "the {} law gives no loss by each step's rate; fit one size's runs with --law \
                 annealing or multi-power",
                law.name()
            ),
        ));
    }
    // The start's drops at the knots, then the drop not taken.
    let mut taken = 0.0;
    let mut drops = Vec::with_capacity(steps.len() + 1);
    for &s in &steps {
        let f = ((peak - start.at(s).clamp(floor, peak)) / range).max(taken);
        drops.push(f - taken);
        taken = f;
    }
    drops.push(1.0 - taken);
    let options = SolverOptions {
        max_iters: MAX_ITERS,
        grad_rtol: 1e-10,
        cost_rtol: 1e-13,
        memory: 20,
        ..SolverOptions::default()
    };
    let total: f64 = drops.iter().sum();
    let z: Vec<f64> = drops
        .iter()
        .map(|d| (d / total).max(START_WEIGHT).sqrt())
        .collect();
    let start_loss = problem.value(&z);
    let end = minimise(&problem, &z, &options);
    let iterations = end.iterations;
    let z_end = if end.objective <= start_loss {
        end.z
    } else {
        z
    };
    let (f, ..) = problem.fractions(&z_end);
    let mut knots = problem.knots(&f);
    let mut loss = problem.loss(&knots, None);
    for bound in [peak, floor] {
        let snapped: Vec<(usize, f64)> = knots
            .iter()
            .map(|&(s, v)| {
                (
                    s,
                    if (v - bound).abs() <= SNAP * range {
                        bound
                    } else {
                        v
                    },
                )
            })
            .collect();
        let snapped_loss = problem.loss(&snapped, None);
        if snapped_loss <= loss + ROUNDING * loss.abs() {
            (knots, loss) = (snapped, snapped_loss);
        }
    }
    if !loss.is_finite() {
        return Err(Error::invalid_option(
            "--schedule",
            format!("the law predicts a final loss of {loss} for the free schedule"),
        ));
    }
    Ok(FreeSchedule {
        lrs: rates_of(&head, &knots),
        knots,
        final_loss: loss,
        start_loss,
        iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::law::{Blind, MULTI_POWER_PUBLISHED, MultiPower};
    use crate::curve::tune::{Family, candidates};

    fn base() -> Schedule {
        Schedule::parse("cosine:warmup=2000,peak=3e-4,final=3e-5,steps=24000", "x").unwrap()
    }

    /// The law's exact final loss of every grid candidate (final rates from `lowest`), and the
    /// best candidate.
    fn grid(law: &dyn CurveLaw, theta: &[f64], lowest: f64) -> (Vec<f64>, Schedule) {
        let mut all = candidates(&base(), Family::Wsd, 2.0 * lowest);
        all.extend(candidates(&base(), Family::Cosine, 2.0 * lowest));
        let losses: Vec<f64> = all
            .iter()
            .map(|s| law.last_loss_by_rates(theta, &s.per_step(), None).unwrap())
            .collect();
        let best = (0..all.len())
            .min_by(|&a, &b| losses[a].total_cmp(&losses[b]))
            .unwrap();
        (losses, all[best])
    }

    #[test]
    fn under_the_true_law_the_free_schedule_beats_every_grid_schedule_within_its_bounds() {
        let theta = MULTI_POWER_PUBLISHED[2].1;
        let lowest = 7.5e-6;
        let (losses, start) = grid(&MultiPower, &theta, lowest);
        let free = free_schedule(&MultiPower, &theta, &base(), lowest, &start).unwrap();
        let best_grid = losses.iter().copied().fold(f64::INFINITY, f64::min);
        // It gains about 0.001 over the best of the grid (a WSD to the lowest rate).
        assert!(
            free.final_loss < best_grid - 5e-4,
            "free {} against the best grid schedule's {best_grid}",
            free.final_loss
        );
        assert!(free.final_loss <= free.start_loss);
        let lrs = &free.lrs;
        assert_eq!(lrs.len(), 24000);
        assert_eq!(&lrs[..2000], &base().per_step()[..2000]);
        for j in 2000..24000 {
            assert!(lowest <= lrs[j] && lrs[j] <= 3e-4, "step {j}: {}", lrs[j]);
            if j > 2000 {
                assert!(lrs[j] <= lrs[j - 1], "step {j} rises");
            }
        }
        assert_eq!(
            free.final_loss,
            MultiPower.last_loss_by_rates(&theta, lrs, None).unwrap()
        );
        // The optimum does not depend on the start: from cosine to 10% and from a WSD cooling
        // down over the second half, the same loss.
        for other in [
            base(),
            Schedule::parse(
                "wsd:warmup=2000,peak=3e-4,final=3e-5,decay=12000,steps=24000",
                "x",
            )
            .unwrap(),
        ] {
            let end = free_schedule(&MultiPower, &theta, &base(), lowest, &other).unwrap();
            assert!(
                (end.final_loss - free.final_loss).abs() < 1e-9,
                "from {}: {} against {}",
                other.describe(),
                end.final_loss,
                free.final_loss
            );
        }
    }

    #[test]
    fn under_the_blind_law_the_free_schedule_is_the_constant_peak() {
        let theta = [2.5, 0.6, 0.45];
        let (_, start) = grid(&Blind, &theta, 7.5e-6);
        let free = free_schedule(&Blind, &theta, &base(), 7.5e-6, &start).unwrap();
        assert!(free.lrs[2000..].iter().all(|&lr| lr == 3e-4));
        assert!(free.knots.iter().all(|&(_, lr)| lr == 3e-4));
    }

    #[test]
    fn knots_crowd_towards_the_end_and_short_horizons_use_every_step() {
        let k = knot_steps(2000, 24000);
        assert_eq!((k[0], k[k.len() - 1], k.len()), (2000, 23999, KNOTS + 1));
        assert!(k[1] - k[0] > 20 * (k[KNOTS] - k[KNOTS - 1]));
        assert_eq!(knot_steps(10, 20), (10..20).collect::<Vec<_>>());
        let head = [0.0, 1.0];
        assert_eq!(
            rates_of(&head, &[(2, 1.0), (4, 0.5)]),
            [0.0, 1.0, 1.0, 0.75, 0.5]
        );
    }
}
