//! Bootstrap of the fit: draw replicates of the runs (by the scheme of
//! [`super::resample::ResampleScheme`]: random weights on the runs, runs, clusters of runs, or
//! residuals), refit each replicate to its own optimum, keep the parameters.
//!
//! Each resample is refitted by L-BFGS from several starts and keeps the lowest objective:
//! - the full-data optimum (a warm start: most resamples' optima lie near it);
//! - the `grid_starts` best points of a screened pool, scored on the resample itself. The pool is
//!   the `pool_size` grid points with the lowest full-data objective, so it covers the basins
//!   the full fit found without scoring all 4500 grid points per resample.
//!
//! Randomness: replicate `i` draws from ChaCha8 seeded with `seed` on stream `i`, so every
//! replicate is the same whatever the thread count and order of execution.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fit::solver::run_lbfgs;
use crate::fit::{FittedLaw, Objective, Observations, StartSelection, select_starts};
use crate::law::{ChinchillaLaw, Theta};

/// Default seed, printed in every report that uses it.
pub const DEFAULT_SEED: u64 = 2404_10102;

/// A grid start counts as improving on the warm start when it lowers the objective by more
/// than this fraction (below it, the two are the same optimum up to rounding).
pub const IMPROVEMENT_RTOL: f64 = 1e-6;

/// How to bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapConfig {
    /// Number of resamples.
    pub n_resamples: usize,
    /// Seed of the random streams.
    pub seed: u64,
    /// Grid starts run per resample, besides the warm start.
    pub grid_starts: usize,
    /// Size of the screened pool those starts are chosen from.
    pub pool_size: usize,
    /// What a replicate resamples. Saved fits written before schemes existed resampled runs,
    /// so a missing field reads as `runs`, not as today's default.
    #[serde(default = "scheme_of_older_files")]
    pub scheme: super::resample::ResampleScheme,
}

fn scheme_of_older_files() -> super::resample::ResampleScheme {
    super::resample::ResampleScheme::Runs
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            n_resamples: 4000,
            seed: DEFAULT_SEED,
            grid_starts: 4,
            pool_size: 100,
            scheme: super::resample::ResampleScheme::default(),
        }
    }
}

/// The refitted parameters of every resample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapDraws {
    /// The configuration that made them.
    pub config: BootstrapConfig,
    /// Log-space parameters `(a, b, e, alpha, beta)` of each resample, in resample order.
    pub theta: Vec<Theta>,
    /// Objective of each resample at its optimum.
    pub objective: Vec<f64>,
    /// Whether each resample's best run converged.
    pub converged: Vec<bool>,
    /// Resamples whose best run came from a grid start rather than the warm start.
    pub improved_by_grid: usize,
}

impl BootstrapDraws {
    /// Number of resamples that did not converge (excluded from intervals).
    pub fn failed(&self) -> usize {
        self.converged.iter().filter(|c| !**c).count()
    }

    /// Laws of the converged resamples.
    pub fn laws(&self) -> Vec<ChinchillaLaw> {
        self.theta
            .iter()
            .zip(&self.converged)
            .filter(|(_, c)| **c)
            .map(|(t, _)| ChinchillaLaw::from_theta(t))
            .collect()
    }

    /// `f` of every converged resample's law.
    pub fn map(&self, f: impl Fn(&ChinchillaLaw) -> f64) -> Vec<f64> {
        self.laws().iter().map(f).collect()
    }
}

/// Row indices of resample `index`: `n` draws with replacement from `0..n`.
pub fn resample_rows(seed: u64, index: usize, n: usize) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    (0..n).map(|_| rng.random_range(0..n)).collect()
}

/// Bootstrap `fitted` (fitted to `obs`). `on_resample_done` is called after each resample.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--bootstrap` for fewer than 2 resamples, or `--resample`
/// for a cluster scheme with too few clusters.
pub fn bootstrap(
    obs: &Observations,
    fitted: &FittedLaw,
    config: &BootstrapConfig,
    on_resample_done: &(dyn Fn() + Sync),
) -> Result<BootstrapDraws, Error> {
    if config.n_resamples < 2 {
        return Err(Error::invalid_option(
            "--bootstrap",
            "needs at least 2 resamples",
        ));
    }
    crate::resources::require_memory(
        "--bootstrap",
        config.n_resamples as f64,
        crate::resources::BYTES_PER_RESAMPLE,
        "the draws",
    )?;
    let fit_config = &fitted.config;
    let full = Objective::new(obs, fit_config.loss);
    let grid = fit_config.starts.points(&fit_config.params);
    let pool = select_starts(&full, &grid, StartSelection::Best(config.pool_size.max(1)));
    let warm = fitted.theta;
    let resampler = super::resample::Resampler::new(obs, fitted, config.scheme)?;
    let results: Vec<(Theta, f64, bool, bool)> = (0..config.n_resamples)
        .into_par_iter()
        .map(|i| {
            let sub = resampler.replicate(obs, config.seed, i);
            let objective = Objective::new(&sub, fit_config.loss);
            let mut starts = vec![warm];
            starts.extend(select_starts(
                &objective,
                &pool,
                StartSelection::Best(config.grid_starts),
            ));
            let runs: Vec<_> = starts
                .iter()
                .map(|s| run_lbfgs(&objective, &fit_config.params, s, &fit_config.solver))
                .collect();
            let best = runs
                .iter()
                .enumerate()
                .filter(|(_, r)| r.converged)
                .min_by(|(i, a), (j, b)| a.objective.total_cmp(&b.objective).then(i.cmp(j)))
                .map(|(k, _)| k);
            on_resample_done();
            match best {
                Some(k) => {
                    let gain = runs[0].objective - runs[k].objective;
                    (
                        runs[k].theta,
                        runs[k].objective,
                        true,
                        gain > IMPROVEMENT_RTOL * runs[k].objective,
                    )
                }
                None => (runs[0].theta, runs[0].objective, false, false),
            }
        })
        .collect();
    Ok(BootstrapDraws {
        config: *config,
        theta: results.iter().map(|r| r.0).collect(),
        objective: results.iter().map(|r| r.1).collect(),
        converged: results.iter().map(|r| r.2).collect(),
        improved_by_grid: results.iter().filter(|r| r.3).count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uncertainty::ResampleScheme;

    #[test]
    fn a_saved_config_without_a_scheme_resampled_runs() {
        let old = r#"{"n_resamples": 10, "seed": 1, "grid_starts": 4, "pool_size": 100}"#;
        let config: BootstrapConfig = serde_json::from_str(old).unwrap();
        assert_eq!(config.scheme, ResampleScheme::Runs);
        let new = serde_json::to_string(&BootstrapConfig::default()).unwrap();
        let back: BootstrapConfig = serde_json::from_str(&new).unwrap();
        assert_eq!(back.scheme, ResampleScheme::Weights);
    }
}
