//! How sure a curve fit is: refits on resampled stretches of the runs.
//!
//! The residuals along a training curve are correlated (a law that misses the bend of one
//! run misses it for hundreds of checkpoints), so resampling checkpoints one by one would
//! pretend to far more information than the curves hold. Here each run is cut into
//! [`SEGMENTS_PER_RUN`] stretches of consecutive checkpoints (about equal counts), and a
//! replicate draws as many stretches with replacement, over all runs together (a
//! non-overlapping block bootstrap); from [`WHOLE_RUNS`] runs on, the stretches are whole runs.
//! Each replicate is refitted by L-BFGS from the full fit's optimum.
//!
//! A replicate that leaves out every stretch holding a cooldown cannot see the annealing terms:
//! its refit wanders along the directions the data leave free, and the draws' spread shows it.
//! Randomness: replicate `i` draws from ChaCha8 seeded with `seed` on stream `i`, so the draws
//! do not depend on the number of threads.

use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::fit::{CurveFitOptions, refine};
use super::law::CurveLaw;
use super::{CurveRun, Prepared, SUM_TOLERANCE};
use crate::error::Error;
use crate::progress::Progress;

/// Stretches each run is cut into, when there are fewer than [`WHOLE_RUNS`] runs.
pub const SEGMENTS_PER_RUN: usize = 8;

/// From this many runs on, a replicate resamples whole runs.
pub const WHOLE_RUNS: usize = 12;

/// Replicates a curve bootstrap runs when not told.
pub const DEFAULT_DRAWS: usize = 200;

/// The parameters refitted on resampled stretches of the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveDraws {
    /// Each converged replicate's parameters, in the law's order.
    pub theta: Vec<Vec<f64>>,
    /// Replicates whose refit did not converge (left out of `theta`).
    pub failed: usize,
    /// The stretches resampled (whole runs or pieces of runs).
    pub units: usize,
    /// Whether the stretches were whole runs.
    pub whole_runs: bool,
    /// The seed of the draws.
    pub seed: u64,
}

/// The stretches the bootstrap resamples: whole runs from [`WHOLE_RUNS`] runs on, otherwise
/// each run cut into [`SEGMENTS_PER_RUN`] pieces (fewer for a run with few checkpoints).
pub fn stretches(runs: &[Prepared]) -> Vec<Prepared> {
    if runs.len() >= WHOLE_RUNS {
        return runs.to_vec();
    }
    let mut out = Vec::new();
    for run in runs {
        let n = run.len();
        let pieces = SEGMENTS_PER_RUN.min(n).max(1);
        for k in 0..pieces {
            let (lo, hi) = (k * n / pieces, (k + 1) * n / pieces);
            if lo < hi {
                out.push(piece(run, lo, hi));
            }
        }
    }
    out
}

/// Checkpoints `lo..hi` of `run`, as a run of their own (its rates end at the last of them).
fn piece(run: &Prepared, lo: usize, hi: usize) -> Prepared {
    let r = &run.run;
    let piece = CurveRun {
        name: format!("{} [{}..{}]", r.name, r.steps[lo], r.steps[hi - 1]),
        lrs: r.lrs[..=r.steps[hi - 1]].to_vec(),
        steps: r.steps[lo..hi].to_vec(),
        loss: r.loss[lo..hi].to_vec(),
        size: r.size,
    };
    Prepared::new(piece, SUM_TOLERANCE)
}

/// Refit `law` on `draws` resamples of the stretches of `runs`, each from `theta` (the full
/// fit's optimum).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--bootstrap` for fewer than 2 draws, or when fewer than
/// half the replicates converge (the law is not determined by resampled data: ask less of it);
/// [`Error::Stopped`] when stopped.
pub fn bootstrap_curves(
    law: &dyn CurveLaw,
    runs: &[Prepared],
    theta: &[f64],
    options: &CurveFitOptions,
    draws: usize,
    seed: u64,
    progress: &dyn Progress,
) -> Result<CurveDraws, Error> {
    if draws < 2 {
        return Err(Error::invalid_option(
            "--bootstrap",
            format!("{draws} replicates cannot give an interval; give 2 or more (200 is usual)"),
        ));
    }
    let units = stretches(runs);
    let whole_runs = runs.len() >= WHOLE_RUNS;
    progress.begin("bootstrap", draws);
    let refits: Option<Vec<Option<Vec<f64>>>> = (0..draws)
        .into_par_iter()
        .map(|i| {
            if progress.stopped() {
                return None;
            }
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(i as u64);
            let sample: Vec<Prepared> = (0..units.len())
                .map(|_| units[rng.random_range(0..units.len())].clone())
                .collect();
            let (fitted, objective, converged) = refine(law, &sample, theta, options);
            progress.done();
            Some(
                (converged && objective.is_finite() && fitted.iter().all(|v| v.is_finite()))
                    .then_some(fitted),
            )
        })
        .collect();
    progress.end();
    let refits = refits.ok_or(Error::Stopped {
        what: "the bootstrap",
    })?;
    let failed = refits.iter().filter(|r| r.is_none()).count();
    let theta: Vec<Vec<f64>> = refits.into_iter().flatten().collect();
    if theta.len() * 2 < draws {
        return Err(Error::invalid_option(
            "--bootstrap",
            format!(
                "only {} of {draws} replicates of the {} law converged: the runs do not \
                 determine it well enough for an interval; {}",
                theta.len(),
                law.name(),
                if law.needs_size() {
                    "give runs of more model sizes (the parameters the fit names as weakly \
                     identified are those the sizes leave free)"
                } else {
                    "fit a simpler law (--law annealing or blind) or give runs that cover more \
                     of the schedule"
                }
            ),
        ));
    }
    Ok(CurveDraws {
        theta,
        failed,
        units: units.len(),
        whole_runs,
        seed,
    })
}

/// Share of a lone run's checkpoints, at its end, that [`held_out_error`] leaves out.
pub const HELD_OUT_TAIL: f64 = 0.3;

/// How far the law misses data it was not fitted to: the error the bootstrap does not see.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HeldOutError {
    /// The `level` quantile of `|ln(loss / predicted)|` over the left-out checkpoints.
    pub quantile: f64,
    /// Their mean relative error `|loss − predicted| / loss`.
    pub mean: f64,
    /// The left-out checkpoints.
    pub checkpoints: usize,
    /// What was left out: `runs` (each in turn) or `tail` (a lone run's last
    /// [`HELD_OUT_TAIL`]).
    pub left_out: HeldOutKind,
}

/// What [`held_out_error`] left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldOutKind {
    /// Each run in turn, the law refitted to the others.
    Runs,
    /// A lone run's last checkpoints, the law refitted to the ones before.
    Tail,
}

/// The law's error on checkpoints it was not fitted to: with two or more runs, each run left
/// out in turn and predicted by the law refitted (from `theta`) to the others; with one run,
/// its last [`HELD_OUT_TAIL`] of checkpoints predicted from the ones before. `None` when no
/// refit converges or there is nothing to leave out.
pub fn held_out_error(
    law: &dyn CurveLaw,
    runs: &[Prepared],
    theta: &[f64],
    options: &CurveFitOptions,
    level: f64,
) -> Option<HeldOutError> {
    let cases: Vec<(Vec<Prepared>, Prepared, usize)> = if runs.len() >= 2 {
        (0..runs.len())
            .map(|k| {
                let rest = runs
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != k)
                    .map(|(_, r)| r.clone())
                    .collect();
                (rest, runs[k].clone(), 0)
            })
            .collect()
    } else {
        let run = runs.first()?;
        let cut = ((run.len() as f64) * (1.0 - HELD_OUT_TAIL)).round() as usize;
        if cut <= theta.len() || cut >= run.len() {
            return None;
        }
        vec![(vec![piece(run, 0, cut)], run.clone(), cut)]
    };
    let errors: Vec<Vec<f64>> = cases
        .par_iter()
        .filter_map(|(fit_on, left, from)| {
            let (fitted, objective, converged) = refine(law, fit_on, theta, options);
            (converged && objective.is_finite()).then(|| {
                super::fit::predict(law, &fitted, left)
                    .iter()
                    .zip(&left.log_loss)
                    .skip(*from)
                    .map(|(p, y)| y - p.ln())
                    .collect()
            })
        })
        .collect();
    let mut all: Vec<f64> = errors
        .into_iter()
        .flatten()
        .filter(|e| e.is_finite())
        .collect();
    if all.is_empty() {
        return None;
    }
    let mean = all.iter().map(|e| (1.0 - (-e).exp()).abs()).sum::<f64>() / all.len() as f64;
    all.iter_mut().for_each(|e| *e = e.abs());
    all.sort_by(f64::total_cmp);
    Some(HeldOutError {
        quantile: quantile(&all, level),
        mean,
        checkpoints: all.len(),
        left_out: if runs.len() >= 2 {
            HeldOutKind::Runs
        } else {
            HeldOutKind::Tail
        },
    })
}

/// Share of a quantity's largest fitted value at which [`reach`] cuts the runs to see how the
/// law's error grows past its data.
pub const TRUNCATE_AT: f64 = 1.0 / 3.0;

/// Distinct values of a quantity the cut runs must still hold for [`reach`] to refit: a law
/// of N with an exponent and a coefficient beside E needs three sizes.
pub const MIN_KEPT_VALUES: usize = 3;

/// One quantity along which a law extrapolates ([`CurveLaw::reach`]): its largest value at a
/// fitted checkpoint, and how fast the law's error grows past it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reach {
    /// What it is, e.g. `summed learning rate S1`.
    pub axis: String,
    /// Its largest value at a fitted checkpoint.
    pub max: f64,
    /// The law's error per unit of `ln(value / edge)` past the data's edge, measured by
    /// [`reach`]; `None` when that could not be measured (the cut runs too few, or their refit
    /// did not converge).
    pub growth: Option<f64>,
}

impl Reach {
    /// How far `value` lies past the fitted data, `ln(value / max)`, 0 inside.
    pub fn past(&self, value: f64) -> f64 {
        (value / self.max).ln().max(0.0)
    }
}

/// How far the law reaches past its data, along each quantity of [`CurveLaw::reach`]: every
/// run cut where the quantity passes [`TRUNCATE_AT`] of its largest value (a quantity fixed
/// within each run, such as a ladder's sizes, or one with fewer than [`MIN_KEPT_VALUES`]
/// distinct values below that: just below its largest value), the law refitted (from `theta`) to what is left,
/// and over the checkpoints past the cut the `level` quantile of the growth each one needs
/// for the band of [`prediction_band`] to reach it: `√(max(0, e² − held²)) / ln(value /
/// edge)`, `e = |ln(loss / predicted)|`, `held` the error on data left out (which the band
/// holds already) and `edge` the largest value kept. The error at a prediction a distance
/// `d = ln(value / max)` past the fitted data is then about `√(held² + (growth · d)²)`.
pub fn reach(
    law: &dyn CurveLaw,
    runs: &[Prepared],
    theta: &[f64],
    options: &CurveFitOptions,
    level: f64,
    held: f64,
) -> Vec<Reach> {
    let per_run: Vec<Vec<Vec<f64>>> = runs.iter().map(|r| law.reach(r)).collect();
    law.reach_axes()
        .iter()
        .enumerate()
        .map(|(k, axis)| {
            let values: Vec<&[f64]> = per_run.iter().map(|v| v[k].as_slice()).collect();
            let distinct = distinct(values.iter().flat_map(|v| v.iter().copied()).collect());
            let max = distinct.last().copied().unwrap_or(f64::NAN);
            let third = distinct.partition_point(|&v| v <= TRUNCATE_AT * max);
            // A quantity fixed within each run (a model's size) is cut below its largest value:
            // the largest size left out, as a larger model would be.
            let across_runs = values.iter().all(|v| v.first() == v.last());
            let cut = if !across_runs && third >= MIN_KEPT_VALUES {
                Some(TRUNCATE_AT * max)
            } else {
                (distinct.len() > MIN_KEPT_VALUES).then(|| distinct[distinct.len() - 2])
            };
            Reach {
                axis: (*axis).to_string(),
                max,
                growth: cut.and_then(|cut| {
                    growth_past(law, runs, &values, cut, theta, options, (level, held))
                }),
            }
        })
        .collect()
}

/// `values` sorted, each once (values within 1e-9 of each other, relatively, counted once);
/// non-finite values left out.
fn distinct(mut values: Vec<f64>) -> Vec<f64> {
    values.retain(|v| v.is_finite());
    values.sort_by(f64::total_cmp);
    values.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * b.abs());
    values
}

/// The growth of the law's error past `cut` along a quantity with `values` at each run's
/// checkpoints (see [`reach`]).
fn growth_past(
    law: &dyn CurveLaw,
    runs: &[Prepared],
    values: &[&[f64]],
    cut: f64,
    theta: &[f64],
    options: &CurveFitOptions,
    (level, held): (f64, f64),
) -> Option<f64> {
    let mut kept_values: Vec<f64> = Vec::new();
    let kept: Vec<Prepared> = runs
        .iter()
        .zip(values)
        .filter_map(|(r, v)| {
            let n = v.iter().take_while(|&&x| x <= cut).count();
            kept_values.extend_from_slice(&v[..n]);
            (n > 0).then(|| piece(r, 0, n))
        })
        .collect();
    if kept.iter().map(Prepared::len).sum::<usize>() <= theta.len() {
        return None;
    }
    let edge = *distinct(kept_values).last()?;
    let (fitted, objective, converged) = refine(law, &kept, theta, options);
    if !(converged && objective.is_finite()) {
        return None;
    }
    let mut ratios = Vec::new();
    for (run, v) in runs.iter().zip(values) {
        let pred = super::fit::predict(law, &fitted, run);
        for ((x, p), y) in v.iter().zip(&pred).zip(&run.log_loss) {
            let (d, e) = ((x / edge).ln(), y - p.ln());
            if d > 0.05 {
                ratios.push((e * e - held * held).max(0.0).sqrt() / d);
            }
        }
    }
    ratios.retain(|r| r.is_finite());
    ratios.sort_by(f64::total_cmp);
    (!ratios.is_empty()).then(|| quantile(&ratios, level))
}

/// How far each checkpoint of `run` lies past the fitted data along each of `reach` (0
/// inside), in the order of `reach`.
pub fn past_data(law: &dyn CurveLaw, reach: &[Reach], run: &Prepared) -> Vec<Vec<f64>> {
    law.reach(run)
        .into_iter()
        .zip(reach)
        .map(|(values, r)| values.iter().map(|&v| r.past(v)).collect())
        .collect()
}

/// A prediction band: the bootstrap's `(lo, hi)` around `point` widened by the held-out error
/// `model` (in log), `ln(hi'/point) = √(ln(hi/point)² + model²)` and likewise below.
pub fn widen(point: f64, lo: f64, hi: f64, model: f64) -> (f64, f64) {
    let below = (point / lo).ln().max(0.0);
    let above = (hi / point).ln().max(0.0);
    (
        point * (-(below * below + model * model).sqrt()).exp(),
        point * (above * above + model * model).sqrt().exp(),
    )
}

/// The band around predicted `point` losses: the `level` band of the bootstrap's predicted
/// `curves` (one per replicate) widened by the model error `√(held² + Σ_k (growth_k·past_k)²)`,
/// where `past[k]` holds each point's distance past the fitted data along the k-th quantity
/// of the law's reach (0 inside) and `growth[k]` its growth.
pub fn prediction_band(
    point: &[f64],
    curves: &[Vec<f64>],
    past: &[Vec<f64>],
    held: f64,
    growth: &[f64],
    level: f64,
) -> (Vec<f64>, Vec<f64>) {
    let (lo, hi) = quantile_band(curves, level);
    (0..point.len())
        .map(|i| {
            let far: f64 = past
                .iter()
                .zip(growth)
                .map(|(d, g)| (g * d[i]).powi(2))
                .sum();
            let model = (held * held + far).sqrt();
            widen(point[i], lo[i], hi[i], model)
        })
        .unzip()
}

/// The `(1 − level)/2` and `(1 + level)/2` quantiles of each column of `values` (rows are
/// draws), linearly interpolated; non-finite values are left out.
pub fn quantile_band(values: &[Vec<f64>], level: f64) -> (Vec<f64>, Vec<f64>) {
    let cols = values.first().map_or(0, Vec::len);
    let mut lo = Vec::with_capacity(cols);
    let mut hi = Vec::with_capacity(cols);
    for j in 0..cols {
        let mut col: Vec<f64> = values
            .iter()
            .map(|r| r[j])
            .filter(|v| v.is_finite())
            .collect();
        col.sort_by(f64::total_cmp);
        lo.push(quantile(&col, (1.0 - level) / 2.0));
        hi.push(quantile(&col, (1.0 + level) / 2.0));
    }
    (lo, hi)
}

/// The `q` quantile of sorted `v` (NaN for none), linear between order statistics.
pub fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let x = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (i, f) = (x.floor() as usize, x - x.floor());
    if i + 1 < v.len() {
        v[i] * (1.0 - f) + v[i + 1] * f
    } else {
        v[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::law::tests::wsd_run;

    #[test]
    fn a_run_is_cut_into_stretches_that_hold_each_checkpoint_once() {
        let run = wsd_run();
        let parts = stretches(std::slice::from_ref(&run));
        assert_eq!(parts.len(), SEGMENTS_PER_RUN);
        let steps: Vec<usize> = parts.iter().flat_map(|p| p.run.steps.clone()).collect();
        assert_eq!(steps, run.run.steps);
        let losses: Vec<f64> = parts.iter().flat_map(|p| p.log_loss.clone()).collect();
        assert_eq!(losses, run.log_loss);
    }

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.125), 1.5);
        assert_eq!(quantile(&v, 1.0), 5.0);
        assert!(quantile(&[], 0.5).is_nan());
        let rows = vec![vec![1.0, f64::NAN], vec![3.0, 2.0]];
        assert_eq!(quantile_band(&rows, 0.5), (vec![1.5, 2.0], vec![2.5, 2.0]));
    }
}
