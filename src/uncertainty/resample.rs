//! How a bootstrap replicate is drawn.
//!
//! ```text
//! weights    every run kept, its weight multiplied by w_i ~ Exponential(1)    (the default)
//!            (the Bayesian bootstrap, Rubin 1981: Dirichlet(1, ..., 1) weights up to scale)
//! runs       n runs drawn with replacement (Efron 1979)
//! params     whole model sizes drawn with replacement, with all their runs (a cluster
//!            bootstrap: runs of one size share an architecture and its tuning)
//! budgets    whole compute groups (IsoFLOP budgets) drawn with replacement
//! residuals  log L*_i = log L^_i + r_j,   j drawn with replacement   (fixed design)
//! wild       log L*_i = log L^_i + r_i·v_i,   v_i = ±1 with probability 1/2 (Wu 1986;
//!            Mammen 1993): keeps each run's own scatter, so unequal scatter survives
//! ```
//!
//! `weights` and `runs` assume the same thing, that runs are independent given the law, and
//! agree to first order (a multinomial count and an Exponential(1) weight both have mean 1 and
//! variance about 1). They differ in small samples: a `runs` replicate leaves out about 37% of
//! the runs, often the ends of a profile or of the design. In the calibration study
//! (`benches/calibration`) `runs` intervals were wider than needed in 7 of 18 cells (98.8% to
//! 100% coverage of nominal 95%), `weights` intervals in 4; `weights` matched `runs` on the
//! normal-noise sweeps (95.2% to 97.6%) and was as narrow or narrower in all but one cell (up to
//! 25% narrower for N* under a Kaplan-form truth). A `weights` replicate evaluates every run,
//! where a `runs` one evaluates its ~63% distinct runs, so each refit costs more. Both remain
//! too wide on IsoFLOP sweeps with Student-t noise and outliers (see the study's README).
//!
//! The residual and wild schemes scale residuals by `sqrt(n / (n − p))`, since residuals of a
//! fitted law are smaller than its errors by about that factor (p free parameters). The
//! cluster schemes need at least [`MIN_CLUSTERS`] clusters, or every replicate would be
//! nearly the full data and the intervals would be falsely narrow.

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fit::{FittedLaw, Observations};

/// Fewest clusters a cluster bootstrap accepts.
pub const MIN_CLUSTERS: usize = 4;
/// Two runs whose `log10(N·D)` differ by less than this belong to one compute group.
pub const GROUP_GAP_DECADES: f64 = 0.05;

/// What a bootstrap replicate resamples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResampleScheme {
    /// Runs, independently.
    Runs,
    /// Every run, with a random Exponential(1) weight (the Bayesian bootstrap).
    #[default]
    Weights,
    /// Model sizes, each with all its runs.
    Params,
    /// Compute groups (IsoFLOP budgets), each with all its runs.
    Budgets,
    /// Residuals, onto the fitted values.
    Residuals,
    /// Residuals with random signs, each at its own run.
    Wild,
}

impl ResampleScheme {
    /// Every scheme, in the order of the documentation.
    pub const ALL: [ResampleScheme; 6] = [
        ResampleScheme::Runs,
        ResampleScheme::Weights,
        ResampleScheme::Params,
        ResampleScheme::Budgets,
        ResampleScheme::Residuals,
        ResampleScheme::Wild,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ResampleScheme::Runs => "runs",
            ResampleScheme::Weights => "weights",
            ResampleScheme::Params => "params",
            ResampleScheme::Budgets => "budgets",
            ResampleScheme::Residuals => "residuals",
            ResampleScheme::Wild => "wild",
        }
    }

    /// Parse a command-line name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--resample` for an unknown name.
    pub fn parse(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                Error::invalid_option(
                    "--resample",
                    format!(
                        "unknown scheme '{name}'; use {}",
                        Self::ALL.map(Self::name).join(", ")
                    ),
                )
            })
    }
}

/// `log10(N·D)` of run `i`: its compute up to the constant k, the key of compute groups.
pub fn log10_nd(obs: &Observations, i: usize) -> f64 {
    (obs.log_n()[i] + obs.log_d()[i]) / std::f64::consts::LN_10
}

/// Cluster label of each run: by model size, or by compute group.
fn labels(obs: &Observations, scheme: ResampleScheme) -> Vec<usize> {
    let key: Vec<f64> = match scheme {
        ResampleScheme::Params => obs
            .log_n()
            .iter()
            .map(|l| l / std::f64::consts::LN_10)
            .collect(),
        _ => (0..obs.len()).map(|i| log10_nd(obs, i)).collect(),
    };
    let gap = if scheme == ResampleScheme::Params {
        1e-9
    } else {
        GROUP_GAP_DECADES
    };
    let mut order: Vec<usize> = (0..key.len()).collect();
    order.sort_by(|&i, &j| key[i].total_cmp(&key[j]));
    let mut label = vec![0; key.len()];
    let mut current = 0;
    for w in order.windows(2) {
        if key[w[1]] - key[w[0]] > gap {
            current += 1;
        }
        label[w[1]] = current;
    }
    label
}

/// A prepared resampler for one fit.
#[derive(Debug, Clone)]
pub struct Resampler {
    scheme: ResampleScheme,
    clusters: Vec<Vec<usize>>,
    fitted_log: Vec<f64>,
    residuals: Vec<f64>,
}

impl Resampler {
    /// Prepare `scheme` for `fitted`, fitted to `obs`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--resample` when a cluster scheme finds fewer than
    /// [`MIN_CLUSTERS`] clusters.
    pub fn new(
        obs: &Observations,
        fitted: &FittedLaw,
        scheme: ResampleScheme,
    ) -> Result<Self, Error> {
        let mut clusters = Vec::new();
        if matches!(scheme, ResampleScheme::Params | ResampleScheme::Budgets) {
            let label = labels(obs, scheme);
            let k = label.iter().max().map_or(0, |m| m + 1);
            clusters = vec![Vec::new(); k];
            for (i, &l) in label.iter().enumerate() {
                clusters[l].push(i);
            }
            if k < MIN_CLUSTERS {
                let what = if scheme == ResampleScheme::Params {
                    "model sizes"
                } else {
                    "compute groups"
                };
                return Err(Error::invalid_option(
                    "--resample",
                    format!(
                        "the runs form {k} {what}; resampling {what} needs at least {MIN_CLUSTERS} \
                         (use --resample runs or wild)"
                    ),
                ));
            }
        }
        let n = obs.len();
        let p = fitted.config.params.n_free();
        let inflate = (n as f64 / n.saturating_sub(p).max(1) as f64).sqrt();
        let residuals: Vec<f64> = fitted.residuals.iter().map(|r| r * inflate).collect();
        let fitted_log = obs
            .log_loss()
            .iter()
            .zip(&fitted.residuals)
            .map(|(l, r)| l - r)
            .collect();
        Ok(Resampler {
            scheme,
            clusters,
            fitted_log,
            residuals,
        })
    }

    /// The scheme.
    pub fn scheme(&self) -> ResampleScheme {
        self.scheme
    }

    /// Clusters found (0 for schemes without clusters).
    pub fn clusters(&self) -> usize {
        self.clusters.len()
    }

    /// The weight of every run of `obs` in replicate `index` (0 for a run left out), for the
    /// schemes that only reweight the runs (`weights`, `runs`, `params`, `budgets`); `None` for
    /// those that change the losses. The replicate's objective at any point is the sum over the
    /// runs of these weights times each run's penalty there.
    pub fn run_weights(&self, obs: &Observations, seed: u64, index: usize) -> Option<Vec<f64>> {
        let n = obs.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index as u64);
        let counted = |rows: &[usize]| {
            let mut w = vec![0.0; n];
            for &i in rows {
                w[i] += 1.0;
            }
            w.iter().zip(obs.weights()).map(|(c, w)| c * w).collect()
        };
        match self.scheme {
            ResampleScheme::Runs => Some(counted(&resample_rows(seed, index, n))),
            ResampleScheme::Weights => Some(
                obs.weights()
                    .iter()
                    .map(|w| w * rng.sample::<f64, _>(rand_distr::Exp1))
                    .collect(),
            ),
            ResampleScheme::Params | ResampleScheme::Budgets => {
                let k = self.clusters.len();
                let mut rows = Vec::with_capacity(n + n / 2);
                for _ in 0..k {
                    rows.extend_from_slice(&self.clusters[rng.random_range(0..k)]);
                }
                Some(counted(&rows))
            }
            ResampleScheme::Residuals | ResampleScheme::Wild => None,
        }
    }

    /// Replicate `index` of `obs` under seed `seed` (ChaCha8, stream `index`).
    pub fn replicate(&self, obs: &Observations, seed: u64, index: usize) -> Observations {
        let n = obs.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index as u64);
        match self.scheme {
            // The same rows as `resample_rows`, which the tests check replicates against.
            ResampleScheme::Runs => obs.select_counted(&resample_rows(seed, index, n)),
            ResampleScheme::Weights => obs.clone().with_weights(
                obs.weights()
                    .iter()
                    .map(|w| w * rng.sample::<f64, _>(rand_distr::Exp1))
                    .collect(),
            ),
            ResampleScheme::Params | ResampleScheme::Budgets => {
                let k = self.clusters.len();
                let mut rows = Vec::with_capacity(n + n / 2);
                for _ in 0..k {
                    rows.extend_from_slice(&self.clusters[rng.random_range(0..k)]);
                }
                obs.select_counted(&rows)
            }
            ResampleScheme::Residuals => obs.with_log_loss(
                self.fitted_log
                    .iter()
                    .map(|f| f + self.residuals[rng.random_range(0..n)])
                    .collect(),
            ),
            ResampleScheme::Wild => obs.with_log_loss(
                self.fitted_log
                    .iter()
                    .zip(&self.residuals)
                    .map(|(f, r)| {
                        if rng.next_u32() & 1 == 0 {
                            f + r
                        } else {
                            f - r
                        }
                    })
                    .collect(),
            ),
        }
    }
}

/// Row indices of resample `index`: `n` draws with replacement from `0..n`.
pub fn resample_rows(seed: u64, index: usize, n: usize) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    (0..n).map(|_| rng.random_range(0..n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep() -> (Observations, Vec<f64>) {
        let (mut n, mut d, mut l) = (vec![], vec![], vec![]);
        for (b, &c) in [1e18, 1e19, 1e20, 1e21, 1e22].iter().enumerate() {
            for j in 0..6 {
                let np = 1e7 * 3f64.powi(j + b as i32);
                n.push(np);
                d.push(c / (6.0 * np));
                l.push(2.0 + 0.01 * j as f64);
            }
        }
        (Observations::new(&n, &d, &l), n)
    }

    #[test]
    fn clusters_by_budget_and_by_size() {
        let (obs, n) = sweep();
        let by_budget = labels(&obs, ResampleScheme::Budgets);
        assert_eq!(by_budget.iter().max(), Some(&4));
        assert!(by_budget[..6].iter().all(|&l| l == 0));
        let by_size = labels(&obs, ResampleScheme::Params);
        let mut distinct = n.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert_eq!(by_size.iter().max().unwrap() + 1, distinct.len());
    }

    #[test]
    fn weights_keep_every_run_with_exponential_weights() {
        let runs = crate::design::simulate::simulate(
            &crate::design::simulate::SimulationDesign::default(),
        )
        .unwrap();
        let obs = Observations::new(
            &runs.iter().map(|r| r.n_params).collect::<Vec<_>>(),
            &runs.iter().map(|r| r.n_tokens).collect::<Vec<_>>(),
            &runs.iter().map(|r| r.loss).collect::<Vec<_>>(),
        );
        let fitted_weights = obs.clone().with_weights(vec![2.0; obs.len()]);
        let fit = crate::fit::fit(&obs, &crate::fit::FitConfig::default(), &|| {})
            .unwrap()
            .fitted;
        let r = Resampler::new(&obs, &fit, ResampleScheme::Weights).unwrap();
        let mut all = Vec::new();
        for index in 0..200 {
            let rep = r.replicate(&fitted_weights, 7, index);
            assert_eq!(rep.len(), obs.len());
            assert_eq!(rep.log_loss(), obs.log_loss());
            assert!(rep.weights().iter().all(|w| w.is_finite() && *w > 0.0));
            // The runs' own weights (2) are multiplied, not replaced.
            all.extend(rep.weights().iter().map(|w| w / 2.0));
        }
        // Exponential(1): mean 1, variance 1; 200 replicates of 100-odd runs put both close.
        let m = all.iter().sum::<f64>() / all.len() as f64;
        let v = all.iter().map(|w| (w - m).powi(2)).sum::<f64>() / all.len() as f64;
        assert!((m - 1.0).abs() < 0.03 && (v - 1.0).abs() < 0.1, "{m} {v}");
        // Replicate i is the same whenever it is drawn, and differs from replicate i + 1.
        assert_eq!(
            r.replicate(&obs, 7, 3).weights(),
            r.replicate(&obs, 7, 3).weights()
        );
        assert_ne!(
            r.replicate(&obs, 7, 3).weights(),
            r.replicate(&obs, 7, 4).weights()
        );
        assert_eq!(ResampleScheme::default(), ResampleScheme::Weights);
    }

    #[test]
    fn names_round_trip_and_unknown_is_refused() {
        for s in ResampleScheme::ALL {
            assert_eq!(ResampleScheme::parse(s.name()).unwrap(), s);
        }
        assert!(ResampleScheme::parse("pairs").is_err());
    }
}
