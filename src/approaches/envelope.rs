//! Approach 1 of Hoffmann et al. 2022 (section 3.1): the lower envelope of training curves.
//!
//! ```text
//! C(t) = k · N · tokens(t)                         compute along each run's curve (or the
//!                                                   curve's own compute column, when given)
//! L_env(C) = min over runs of L_run(C)              loss interpolated linearly in log C
//! N*(C) = N of the run attaining L_env(C);  D*(C) = C / (k · N*(C))
//! log10 N*(C_j) = log10 G + a · log10 C_j  over budgets C_j log-spaced across the covered range
//! ```
//!
//! A run covers budgets between its first and last evaluation only, and a budget is read only
//! where runs of at least `min_sizes` (default 2) sizes cover it: where a single size has
//! evaluations it would win by default. Intervals come from
//! resampling whole runs with replacement (ChaCha8 stream i of the seed for resample i) and
//! repeating the envelope and the fit.
//!
//! Caveat: a run's intermediate losses are below what a run of that length, with its learning
//! rate schedule fitted to it, would reach (Hoffmann et al. vary the cosine cycle length with
//! the run length for this reason). With one schedule per run, as in most public ladders, the
//! envelope favours runs near their own end; `final_only` uses each run's final point alone.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::approaches::isoflop::{FitPair, PowerLaw, line, power_laws_with_draws};
use crate::data::curves::Curve;
use crate::error::Error;

/// How to build the envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvelopeConfig {
    /// `k` in `C = k·N·D`.
    pub flops_per_param_token: f64,
    /// Budgets per decade at which the envelope is read.
    pub per_decade: usize,
    /// Use only each run's final point.
    pub final_only: bool,
    /// A budget is read only where runs of at least this many distinct sizes cover it, so that
    /// small models do not win by default where larger ones have no evaluations yet (ignored
    /// with `final_only`, where each run is a single point).
    pub min_sizes: usize,
    /// Bootstrap resamples of whole runs.
    pub n_resamples: usize,
    /// Seed.
    pub seed: u64,
    /// Confidence level.
    pub level: f64,
}

impl Default for EnvelopeConfig {
    fn default() -> Self {
        EnvelopeConfig {
            flops_per_param_token: 6.0,
            per_decade: 20,
            final_only: false,
            min_sizes: 2,
            n_resamples: 1000,
            seed: crate::uncertainty::bootstrap::DEFAULT_SEED,
            level: 0.95,
        }
    }
}

/// The envelope at one budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvelopePoint {
    /// Budget, FLOPs.
    pub compute: f64,
    /// Lowest loss of any run at this compute.
    pub loss: f64,
    /// The run attaining it.
    pub run: String,
    /// Its N.
    pub n_params: f64,
    /// `C / (k·N)`.
    pub n_tokens: f64,
}

/// Result of Approach 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvelopeAnalysis {
    /// The configuration.
    pub config: EnvelopeConfig,
    /// Runs used.
    pub runs: usize,
    /// Distinct model sizes.
    pub sizes: usize,
    /// The envelope at each budget.
    pub points: Vec<EnvelopePoint>,
    /// `N* ∝ C^a`.
    pub params: PowerLaw,
    /// `D* ∝ C^b`.
    pub tokens: PowerLaw,
    /// Resamples with fewer than two distinct sizes on the envelope.
    pub failed_resamples: usize,
}

/// (log10 C, loss) points of a curve.
fn curve_points(c: &Curve, k: f64, final_only: bool) -> Vec<(f64, f64)> {
    let pts: Vec<(f64, f64)> = match &c.compute {
        Some(compute) => compute
            .iter()
            .zip(&c.loss)
            .map(|(x, l)| (x.log10(), *l))
            .collect(),
        None => c
            .tokens
            .iter()
            .zip(&c.loss)
            .map(|(t, l)| ((k * c.n_params * t).log10(), *l))
            .collect(),
    };
    let mut pts = pts;
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    if final_only {
        pts.last().copied().into_iter().collect()
    } else {
        pts
    }
}

/// Loss of a curve at log10 C, interpolated; `None` outside its range.
fn loss_at(points: &[(f64, f64)], x: f64) -> Option<f64> {
    let (first, last) = (points.first()?, points.last()?);
    if x < first.0 - 1e-12 || x > last.0 + 1e-12 {
        return None;
    }
    let j = points.partition_point(|p| p.0 < x);
    if j == 0 {
        return Some(first.1);
    }
    if j >= points.len() {
        return Some(last.1);
    }
    let (a, b) = (points[j - 1], points[j]);
    let t = if b.0 > a.0 {
        (x - a.0) / (b.0 - a.0)
    } else {
        0.0
    };
    Some(a.1 + t * (b.1 - a.1))
}

fn envelope(curves: &[&Curve], config: &EnvelopeConfig) -> Vec<EnvelopePoint> {
    let k = config.flops_per_param_token;
    let pts: Vec<Vec<(f64, f64)>> = curves
        .iter()
        .map(|c| curve_points(c, k, config.final_only))
        .collect();
    let budgets: Vec<f64> = if config.final_only {
        let mut b: Vec<f64> = pts.iter().filter_map(|p| p.last().map(|q| q.0)).collect();
        b.sort_by(f64::total_cmp);
        b.dedup();
        b
    } else {
        let lo = pts
            .iter()
            .filter_map(|p| p.first().map(|q| q.0))
            .fold(f64::INFINITY, f64::min);
        let hi = pts
            .iter()
            .filter_map(|p| p.last().map(|q| q.0))
            .fold(f64::NEG_INFINITY, f64::max);
        let steps = ((hi - lo) * config.per_decade as f64).floor() as usize;
        (0..=steps)
            .map(|i| lo + i as f64 / config.per_decade as f64)
            .collect()
    };
    let mut all_sizes: Vec<f64> = curves.iter().map(|c| c.n_params).collect();
    all_sizes.sort_by(f64::total_cmp);
    all_sizes.dedup();
    let needed = if config.final_only {
        1
    } else {
        config.min_sizes.min(all_sizes.len())
    };
    budgets
        .iter()
        .filter_map(|&x| {
            let covering: Vec<(usize, f64)> = (0..curves.len())
                .filter_map(|i| loss_at(&pts[i], x).map(|l| (i, l)))
                .collect();
            let mut sizes: Vec<f64> = covering.iter().map(|(i, _)| curves[*i].n_params).collect();
            sizes.sort_by(f64::total_cmp);
            sizes.dedup();
            if sizes.len() < needed {
                return None;
            }
            let best = covering
                .into_iter()
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))?;
            let c = curves[best.0];
            let compute = 10f64.powf(x);
            Some(EnvelopePoint {
                compute,
                loss: best.1,
                run: c.run.clone(),
                n_params: c.n_params,
                n_tokens: compute / (k * c.n_params),
            })
        })
        .collect()
}

fn fit_exponents(points: &[EnvelopePoint]) -> Option<((f64, f64), (f64, f64))> {
    let mut sizes: Vec<f64> = points.iter().map(|p| p.n_params).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    if sizes.len() < 2 {
        return None;
    }
    let x: Vec<f64> = points.iter().map(|p| p.compute.log10()).collect();
    let n: Vec<f64> = points.iter().map(|p| p.n_params.log10()).collect();
    let d: Vec<f64> = points.iter().map(|p| p.n_tokens.log10()).collect();
    Some((line(&x, &n)?, line(&x, &d)?))
}

/// Run Approach 1 on `curves`.
///
/// # Errors
///
/// [`Error::InvalidOption`] for a zero `per_decade` or a level outside (0, 1);
/// [`Error::NotIdentifiable`] when the envelope visits fewer than two model sizes.
pub fn analyse(curves: &[Curve], config: &EnvelopeConfig) -> Result<EnvelopeAnalysis, Error> {
    analyse_with(curves, config, &|| {})
}

/// Budgets per decade at which the envelope is read, at most: 1000 reads it every 0.001 dex,
/// finer than any logged curve (a run's checkpoints are spaced further apart), so more only
/// costs time and memory.
pub const MAX_PER_DECADE: usize = 1000;

/// [`analyse`], whose bootstrap counts each resample to `progress` and stops when it is
/// stopped.
///
/// # Errors
///
/// As [`analyse`]; [`Error::InvalidOption`] naming `--per-decade` above [`MAX_PER_DECADE`] or
/// `--bootstrap` when its draws would not fit in memory; [`Error::Stopped`] once `progress` is
/// stopped.
pub fn analyse_with(
    curves: &[Curve],
    config: &EnvelopeConfig,
    progress: &dyn crate::progress::Progress,
) -> Result<EnvelopeAnalysis, Error> {
    if config.per_decade == 0 {
        return Err(Error::invalid_option("--per-decade", "must be at least 1"));
    }
    if config.per_decade > MAX_PER_DECADE {
        return Err(Error::invalid_option(
            "--per-decade",
            format!(
                "must be at most {MAX_PER_DECADE} (every 0.001 dex, finer than any logged \
                 curve), got {}",
                config.per_decade
            ),
        ));
    }
    // C = k·N·D: a k of 0 (or not a number) puts every checkpoint at the same compute.
    Error::require_flops_per_param_token(config.flops_per_param_token)?;
    crate::approaches::isoflop::require_pair_draws(config.n_resamples)?;
    if !(config.level > 0.0 && config.level < 1.0) {
        return Err(Error::invalid_option(
            "--level",
            "must lie strictly between 0 and 1",
        ));
    }
    let all: Vec<&Curve> = curves.iter().filter(|c| !c.tokens.is_empty()).collect();
    let points = envelope(&all, config);
    let ((cn, a), (cd, b)) = fit_exponents(&points).ok_or_else(|| Error::NotIdentifiable {
        path: "training curves".into(),
        message: format!("the envelope of {} runs visits fewer than two model sizes; Approach 1 needs runs of several sizes", all.len()),
    })?;
    let draws: Vec<Option<FitPair>> = (0..config.n_resamples)
        .into_par_iter()
        .map(|i| {
            if progress.stopped() {
                // Ends the loop: the units left are not even visited.
                return None;
            }
            let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
            rng.set_stream(i as u64);
            let pick: Vec<&Curve> = (0..all.len())
                .map(|_| all[rng.random_range(0..all.len())])
                .collect();
            let pair = fit_exponents(&envelope(&pick, config));
            progress.done();
            Some(pair)
        })
        .while_some()
        .collect();
    crate::progress::check(progress, "the envelope bootstrap")?;
    let (params, tokens, failed_resamples) =
        power_laws_with_draws(((cn, a), (cd, b)), &draws, config.level);
    let mut sizes: Vec<f64> = all.iter().map(|c| c.n_params).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    Ok(EnvelopeAnalysis {
        config: config.clone(),
        runs: all.len(),
        sizes: sizes.len(),
        params,
        tokens,
        failed_resamples,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_stays_inside_a_curve() {
        let pts = [(1.0, 5.0), (2.0, 3.0), (3.0, 2.0)];
        assert_eq!(loss_at(&pts, 1.5), Some(4.0));
        assert_eq!(loss_at(&pts, 3.0), Some(2.0));
        assert_eq!(loss_at(&pts, 3.5), None);
        assert_eq!(loss_at(&pts, 0.5), None);
    }
}
