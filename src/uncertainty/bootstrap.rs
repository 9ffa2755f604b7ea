//! Bootstrap of the fit: draw replicates of the runs (by the scheme of
//! [`super::resample::ResampleScheme`]: random weights on the runs, runs, clusters of runs, or
//! residuals), refit each replicate to its own optimum, keep the parameters.
//!
//! Each resample is refitted by L-BFGS from several starts and keeps the lowest objective:
//! - the full-data optimum (a warm start: most resamples' optima lie near it);
//! - up to `grid_starts` best points of a screened pool, scored on the resample itself, best
//!   first. The pool is the `pool_size` grid points with the lowest full-data objective, so it
//!   covers the basins the full fit found without scoring all 4500 grid points per resample.
//!   When a replicate only reweights the runs (`weights`, `runs`, `params`, `budgets`), its
//!   score at a pool point is the weighted sum of that point's per-run penalties on the full
//!   data, computed once for all replicates.
//!
//! The runs go one after another and stop once `stop_when_reached` of them (by default 2: the
//! warm start and the best grid start) reach the same lowest objective, as the fit's search
//! does ([`crate::fit::multistart`]); a grid start that ends lower or elsewhere is followed by
//! the next. Each resample's runs do not depend on any other's, so the draws are the same at
//! any thread count.
//!
//! Randomness: replicate `i` draws from ChaCha8 seeded with `seed` on stream `i`, so every
//! replicate is the same whatever the thread count and order of execution.

use ndarray::{Array2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Estimate, estimate};
use crate::error::Error;
use crate::fit::multistart::{STOP_RTOL, count_within, ranked_starts};
use crate::fit::solver::run_lbfgs;
use crate::fit::{FittedLaw, Objective, Observations, StartSelection, select_starts};
use crate::law::{Law, LawRef};

/// Default seed, printed in every report that uses it.
pub const DEFAULT_SEED: u64 = 2404_10102;

/// A grid start counts as improving on the warm start when it lowers the objective by more
/// than this fraction (below it, the two are the same optimum up to rounding).
pub const IMPROVEMENT_RTOL: f64 = 1e-6;

/// Runs of a resample that must reach its lowest objective before the rest of its starts are
/// skipped: the warm start and one grid start agreeing. `benches/README.md` has how often the
/// skipped starts would have found a lower value.
pub const DEFAULT_STOP_WHEN_REACHED: usize = 2;

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
    /// Stop a resample's runs once this many converged runs reach its lowest objective
    /// (module docs); `None` runs the warm start and every grid start, as bootstraps saved
    /// before the rule existed did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_when_reached: Option<usize>,
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
            stop_when_reached: Some(DEFAULT_STOP_WHEN_REACHED),
            scheme: super::resample::ResampleScheme::default(),
        }
    }
}

/// The refitted parameters of every resample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapDraws {
    /// The configuration that made them.
    pub config: BootstrapConfig,
    /// The family (Chinchilla in files written before there were others).
    #[serde(default)]
    pub family: LawRef,
    /// Solver-space parameters of each resample, one row per resample in resample order, one
    /// column per parameter (for Chinchilla `(a, b, e, alpha, beta)`); saved as a list of rows.
    #[serde(with = "rows")]
    pub theta: Array2<f64>,
    /// Objective of each resample at its optimum.
    pub objective: Vec<f64>,
    /// Whether each resample's best run converged.
    pub converged: Vec<bool>,
    /// Resamples whose best run came from a grid start rather than the warm start.
    pub improved_by_grid: usize,
}

impl BootstrapDraws {
    /// Number of resamples drawn.
    pub fn len(&self) -> usize {
        self.theta.nrows()
    }

    /// True when there are no resamples.
    pub fn is_empty(&self) -> bool {
        self.theta.nrows() == 0
    }

    /// Number of resamples that did not converge (excluded from intervals).
    pub fn failed(&self) -> usize {
        self.converged.iter().filter(|c| !**c).count()
    }

    /// Solver-space parameters of resample `i`.
    pub fn theta_of(&self, i: usize) -> Vec<f64> {
        self.theta.row(i).to_vec()
    }

    /// Laws of the converged resamples.
    pub fn laws(&self) -> Vec<Law> {
        self.theta
            .rows()
            .into_iter()
            .zip(&self.converged)
            .filter(|(_, c)| **c)
            .map(|(t, _)| Law::new(self.family, t.to_vec()))
            .collect()
    }

    /// `f` of every converged resample's law.
    pub fn map(&self, f: impl Fn(&Law) -> f64) -> Vec<f64> {
        self.laws().iter().map(f).collect()
    }

    /// Natural values of the converged resamples: one row per resample, one column per
    /// parameter in solver order (`exp` of a log-transformed column).
    pub fn natural(&self) -> Array2<f64> {
        let keep: Vec<usize> = (0..self.len()).filter(|&i| self.converged[i]).collect();
        let mut out = self.theta.select(Axis(0), &keep);
        for (j, p) in self.family.params().iter().enumerate() {
            out.column_mut(j).mapv_inplace(|t| p.natural_value(t));
        }
        out
    }

    /// Whether the draws are those of a bootstrap of a `family` fit, as draws read back from a
    /// fit file must be: at least 2 resamples, one row of the family's parameters per resample,
    /// an objective and a convergence flag per row, and no more resamples improved by a grid
    /// start than converged.
    ///
    /// # Errors
    ///
    /// A message that starts with the path of the field that is wrong (`at` is this struct's
    /// own path, e.g. `bootstrap`).
    pub fn check_consistent(&self, at: &str, family: LawRef) -> Result<(), String> {
        use crate::fields::{at_least, at_most, path, same_len};
        let field = |name: &str| path(at, name);
        if self.family != family {
            return Err(format!(
                "{} is the {} law but the fit is of the {family} law",
                field("family"),
                self.family
            ));
        }
        let resamples = self.config.n_resamples;
        at_least(
            &field("config.n_resamples"),
            resamples,
            2,
            "a bootstrap has at least 2 resamples",
        )?;
        if self.len() != resamples {
            return Err(format!(
                "{} has {} rows but {} is {resamples}",
                field("theta"),
                self.len(),
                field("config.n_resamples")
            ));
        }
        let n = family.params().len();
        if self.theta.ncols() != n {
            return Err(format!(
                "{} has rows of {} values but the {family} law has {n} parameters",
                field("theta"),
                self.theta.ncols()
            ));
        }
        let theta = field("theta");
        same_len(
            &field("objective"),
            self.objective.len(),
            &theta,
            self.len(),
            "rows",
        )?;
        same_len(
            &field("converged"),
            self.converged.len(),
            &theta,
            self.len(),
            "rows",
        )?;
        let converged = self.len() - self.failed();
        at_most(
            &field("improved_by_grid"),
            self.improved_by_grid,
            "the resamples that converged",
            converged,
        )
    }

    /// Per-parameter statistics of the converged resamples: for each parameter (solver order)
    /// the point `point[j]` (natural value) with the spread of its column at `level`.
    pub fn column_estimates(&self, point: &[f64], level: f64) -> Vec<Estimate> {
        let natural = self.natural();
        natural
            .columns()
            .into_iter()
            .zip(point)
            .map(|(column, &value)| estimate(value, &column.to_vec(), level))
            .collect()
    }
}

/// An `Array2` saved as a list of rows (the layout of files written before it was one).
mod rows {
    use ndarray::Array2;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(m: &Array2<f64>, s: S) -> Result<S::Ok, S::Error> {
        let rows: Vec<Vec<f64>> = m.rows().into_iter().map(|r| r.to_vec()).collect();
        rows.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Array2<f64>, D::Error> {
        let rows = Vec::<Vec<Option<f64>>>::deserialize(d)?;
        let ncols = rows.first().map_or(0, Vec::len);
        if let Some(i) = rows.iter().position(|r| r.len() != ncols) {
            return Err(serde::de::Error::custom(format!(
                "theta: row {i} has {} values but row 0 has {ncols}; the draws are of one law",
                rows[i].len()
            )));
        }
        // serde_json writes a non-finite number as null.
        let flat: Vec<f64> = rows
            .into_iter()
            .flatten()
            .map(|x| x.unwrap_or(f64::NAN))
            .collect();
        Array2::from_shape_vec((flat.len() / ncols.max(1), ncols), flat)
            .map_err(serde::de::Error::custom)
    }
}

/// Each pool point's penalty on every run of the full data: a replicate that only reweights
/// the runs has, at a pool point, the objective `sum_i w_i · penalty_i`, so its pool is screened
/// by one dot product per point instead of a pass of the law over the runs.
struct PoolPenalties {
    /// `penalty[k][i]`: the penalty of run `i` at pool point `k`, before its weight.
    penalty: Vec<Vec<f64>>,
}

impl PoolPenalties {
    fn new(full: &Objective, pool: &[Vec<f64>], loss: crate::fit::ResidualLoss) -> Self {
        let penalty = pool
            .iter()
            .map(|t| full.residuals(t).iter().map(|&r| loss.value(r)).collect())
            .collect();
        PoolPenalties { penalty }
    }

    /// The `k` pool points with the lowest objective under run weights `w`, best first (ties
    /// by pool order), as [`ranked_starts`] ranks them.
    fn best(&self, pool: &[Vec<f64>], w: &[f64], k: usize) -> Vec<Vec<f64>> {
        let score: Vec<f64> = self
            .penalty
            .iter()
            .map(|p| p.iter().zip(w).map(|(p, w)| p * w).sum())
            .collect();
        let mut order: Vec<usize> = (0..pool.len()).collect();
        order.sort_by(|&i, &j| score[i].total_cmp(&score[j]).then(i.cmp(&j)));
        order.truncate(k);
        order.into_iter().map(|i| pool[i].clone()).collect()
    }
}

/// One resample refitted: parameters, objective, converged, improved by a grid start.
type Refit = (Vec<f64>, f64, bool, bool);

/// Bootstrap `fitted` (fitted to `obs`). `progress` hears of each finished resample and may
/// stop the bootstrap (see [`crate::progress`]).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--bootstrap` for fewer than 2 resamples, or `--resample`
/// for a cluster scheme with too few clusters; [`Error::Stopped`] when `progress` stopped it.
pub fn bootstrap(
    obs: &Observations,
    fitted: &FittedLaw,
    config: &BootstrapConfig,
    progress: &dyn crate::progress::Progress,
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
    if let Some(note) = crate::resources::check_time(
        "--bootstrap",
        config.n_resamples as f64,
        obs.len() as f64 * crate::resources::SECONDS_PER_RESAMPLE_RUN,
        "the refits",
    )? {
        progress.note(&note);
    }
    let fit_config = &fitted.config;
    let law = fit_config.law;
    let full = Objective::for_law(obs, law, fit_config.loss);
    let grid = fit_config.starts.points(&fit_config.params);
    let pool = select_starts(&full, &grid, StartSelection::Best(config.pool_size.max(1)));
    let warm = &fitted.theta;
    let resampler = super::resample::Resampler::new(obs, fitted, config.scheme)?;
    let penalties = (resampler.run_weights(obs, config.seed, 0).is_some())
        .then(|| PoolPenalties::new(&full, &pool, fit_config.loss));
    let results: Option<Vec<Refit>> = (0..config.n_resamples)
        .into_par_iter()
        .map(|i| {
            if progress.stopped() {
                return None;
            }
            let sub = resampler.replicate(obs, config.seed, i);
            let objective = Objective::for_law(&sub, law, fit_config.loss);
            let mut starts = vec![warm.clone()];
            match (&penalties, resampler.run_weights(obs, config.seed, i)) {
                (Some(p), Some(w)) => starts.extend(p.best(&pool, &w, config.grid_starts)),
                _ => starts.extend(
                    ranked_starts(&objective, &pool, StartSelection::Best(config.grid_starts))
                        .into_iter()
                        .map(|(_, start)| start),
                ),
            }
            let enough = config.stop_when_reached.unwrap_or(usize::MAX);
            let mut runs = Vec::with_capacity(starts.len());
            for s in &starts {
                runs.push(run_lbfgs(
                    &objective,
                    &fit_config.params,
                    s,
                    &fit_config.solver,
                ));
                if count_within(&runs, STOP_RTOL) >= enough {
                    break;
                }
            }
            let best = runs
                .iter()
                .enumerate()
                .filter(|(_, r)| r.converged)
                .min_by(|(i, a), (j, b)| a.objective.total_cmp(&b.objective).then(i.cmp(j)))
                .map(|(k, _)| k);
            progress.done();
            Some(match best {
                Some(k) => {
                    let gain = runs[0].objective - runs[k].objective;
                    (
                        runs[k].theta.clone(),
                        runs[k].objective,
                        true,
                        gain > IMPROVEMENT_RTOL * runs[k].objective,
                    )
                }
                None => (runs[0].theta.clone(), runs[0].objective, false, false),
            })
        })
        .collect();
    let results = results.ok_or(Error::Stopped {
        what: "the bootstrap",
    })?;
    let p = warm.len();
    let flat: Vec<f64> = results.iter().flat_map(|r| r.0.iter().copied()).collect();
    Ok(BootstrapDraws {
        config: *config,
        family: law,
        theta: Array2::from_shape_vec((results.len(), p), flat)
            .expect("every resample has the family's parameters"),
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
        assert_eq!(
            config.stop_when_reached, None,
            "older bootstraps ran every start"
        );
        let new = serde_json::to_string(&BootstrapConfig::default()).unwrap();
        let back: BootstrapConfig = serde_json::from_str(&new).unwrap();
        assert_eq!(back.scheme, ResampleScheme::Weights);
    }
}
