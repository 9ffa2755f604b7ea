//! Fits to many runs: search on a random subsample, then refine on every run.
//!
//! Screening 4500 grid points and running L-BFGS from the best 100 costs about 15,000
//! evaluations of the objective, each a pass over all runs: minutes for a million runs. Most
//! of that work only decides which basin each start falls into, and a few thousand runs decide
//! that as well as all of them. So, above `2 × subsample_rows` runs:
//!
//! 1. draw `subsample_rows` runs at random, without replacement, from a fixed seed
//!    ([`SUBSAMPLE_SEED`]), and keep them in data order;
//! 2. screen the starts and run L-BFGS from the chosen ones on the subsample, exactly as an
//!    ordinary fit does;
//! 3. group the runs that ended at the same point ([`same_optimum`]), and run L-BFGS on all
//!    runs once per group, from the group's lowest point.
//!
//! Every start's result is its group's refined run on all the data: its objective, parameters,
//! termination and convergence are those of the full-data run, and its iterations are the sum of
//! both stages. The convergence criteria and diagnostics are therefore those of an ordinary
//! fit, on the full data. The cost is the subsample search (fixed) plus a few full-data runs
//! starting near their optimum (linear in the runs).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::solver::{LocalRun, run_lbfgs};
use super::{FitConfig, Objective, Observations, select_starts};
use crate::law::Theta;

/// Runs in the subsample by default. A fit uses a subsample only when it has more than twice
/// as many runs.
pub const DEFAULT_SUBSAMPLE_ROWS: usize = 4096;

/// Seed of the subsample draw: the same data always give the same subsample.
pub const SUBSAMPLE_SEED: u64 = 0x5ca1_ab1e;

/// Two runs ended at the same optimum when their objectives agree to this relative tolerance
/// ...
const SAME_OBJECTIVE_RTOL: f64 = 1e-9;
/// ... and every log-space parameter to this one (relative to `1 + |value|`).
const SAME_THETA_RTOL: f64 = 1e-4;

/// How the subsample stage went, for reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubsampleStage {
    /// Runs in the subsample.
    pub rows: usize,
    /// Runs in the data.
    pub of_rows: usize,
    /// Seed of the draw.
    pub seed: u64,
    /// Distinct end points of the subsample search, each refined on all runs.
    pub refined: usize,
}

/// Whether `config` searches on a subsample of `obs`.
pub fn applies(obs: &Observations, config: &FitConfig) -> bool {
    config.subsample_rows > 0 && obs.len() > 2 * config.subsample_rows
}

/// The subsample of `rows` runs, drawn with [`SUBSAMPLE_SEED`] and kept in data order.
pub fn draw(obs: &Observations, rows: usize) -> Observations {
    let mut rng = ChaCha8Rng::seed_from_u64(SUBSAMPLE_SEED);
    let mut picked = rand::seq::index::sample(&mut rng, obs.len(), rows).into_vec();
    picked.sort_unstable();
    obs.select(&picked)
}

/// The search of the module docs: one run per chosen start, each with full-data results.
pub fn search(
    obs: &Observations,
    config: &FitConfig,
    grid: &[Theta],
    on_run_done: &(dyn Fn() + Sync),
) -> (Vec<LocalRun>, SubsampleStage) {
    let sub = draw(obs, config.subsample_rows);
    let sub_objective = Objective::new(&sub, config.loss);
    let chosen = select_starts(&sub_objective, grid, config.selection);
    let first: Vec<LocalRun> = chosen
        .par_iter()
        .map(|start| {
            let run = run_lbfgs(&sub_objective, &config.params, start, &config.solver);
            on_run_done();
            run
        })
        .collect();
    let (group_of, leaders) = group_by_optimum(&first);
    let full = Objective::new(obs, config.loss);
    let refined: Vec<LocalRun> = leaders
        .par_iter()
        .map(|&k| run_lbfgs(&full, &config.params, &first[k].theta, &config.solver))
        .collect();
    let runs = first
        .iter()
        .zip(&group_of)
        .map(|(run, &g)| {
            let r = &refined[g];
            LocalRun {
                start: run.start,
                iterations: run.iterations + r.iterations,
                ..r.clone()
            }
        })
        .collect();
    let stage = SubsampleStage {
        rows: sub.len(),
        of_rows: obs.len(),
        seed: SUBSAMPLE_SEED,
        refined: leaders.len(),
    };
    (runs, stage)
}

/// Group runs by end point. Returns each run's group and each group's leader (its run with the
/// lowest objective, ties to the earliest). Runs that did not converge or ended at a
/// non-finite value are groups of their own.
fn group_by_optimum(runs: &[LocalRun]) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&i, &j| {
        runs[i]
            .objective
            .total_cmp(&runs[j].objective)
            .then(i.cmp(&j))
    });
    let mut group_of = vec![0; runs.len()];
    let mut leaders: Vec<usize> = Vec::new();
    for i in order {
        let joinable = |&(_, &k): &(usize, &usize)| {
            runs[k].converged && runs[i].converged && same_optimum(&runs[k], &runs[i])
        };
        match leaders.iter().enumerate().find(joinable) {
            Some((g, _)) => group_of[i] = g,
            None => {
                group_of[i] = leaders.len();
                leaders.push(i);
            }
        }
    }
    (group_of, leaders)
}

/// Whether two runs ended at the same point (see the tolerances above).
fn same_optimum(a: &LocalRun, b: &LocalRun) -> bool {
    let (fa, fb) = (a.objective, b.objective);
    fa.is_finite()
        && fb.is_finite()
        && (fa - fb).abs() <= SAME_OBJECTIVE_RTOL * fa.abs().max(fb.abs())
        && a.theta
            .iter()
            .zip(&b.theta)
            .all(|(x, y)| (x - y).abs() <= SAME_THETA_RTOL * (1.0 + x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::{StartSelection, fit};
    use crate::law::ChinchillaLaw;

    /// A noisy sweep of `rows` runs around the law (deterministic wiggle as noise).
    fn sweep(rows: usize) -> Observations {
        let law = ChinchillaLaw::HOFFMANN_2022;
        let (mut n, mut d, mut l) = (vec![], vec![], vec![]);
        for i in 0..rows {
            let np = 1e7 * 10f64.powf(3.0 * ((i * 37) % 101) as f64 / 100.0);
            let nt = 1e9 * 10f64.powf(3.0 * ((i * 53) % 97) as f64 / 96.0);
            let noise = 0.01 * (((i * 7919) % 1000) as f64 / 500.0 - 1.0);
            n.push(np);
            d.push(nt);
            l.push(law.loss(np, nt) * noise.exp());
        }
        Observations::new(&n, &d, &l)
    }

    #[test]
    fn subsample_is_fixed_and_in_data_order() {
        let obs = sweep(1000);
        let a = draw(&obs, 100);
        let b = draw(&obs, 100);
        assert_eq!(a.len(), 100);
        assert_eq!(a.log_n(), b.log_n());
        // In data order: the picked rows' positions increase, so the sequence of (log N, log D)
        // pairs is a subsequence of the data's.
        let mut at = 0;
        for (x, y) in a.log_n().iter().zip(a.log_d()) {
            at += obs.log_n()[at..]
                .iter()
                .zip(&obs.log_d()[at..])
                .position(|(p, q)| p == x && q == y)
                .expect("a subsequence")
                + 1;
        }
    }

    #[test]
    fn subsampled_fit_reaches_the_full_data_optimum() {
        let obs = sweep(6000);
        let base = FitConfig {
            selection: StartSelection::Best(20),
            ..FitConfig::default()
        };
        let sampled = FitConfig {
            subsample_rows: 1000,
            ..base.clone()
        };
        let whole = FitConfig {
            subsample_rows: 0,
            ..base
        };
        assert!(applies(&obs, &sampled) && !applies(&obs, &whole));
        let a = fit(&obs, &sampled, &|| {}).unwrap();
        let b = fit(&obs, &whole, &|| {}).unwrap();
        let stage = a
            .diagnostics
            .subsample
            .as_ref()
            .expect("subsample stage reported");
        assert_eq!((stage.rows, stage.of_rows), (1000, 6000));
        assert!(stage.refined >= 1 && stage.refined <= 20);
        assert!(b.diagnostics.subsample.is_none());
        let (fa, fb) = (a.fitted.objective, b.fitted.objective);
        assert!((fa - fb).abs() <= 1e-9 * fb, "{fa} vs {fb}");
        for k in 0..5 {
            let (x, y) = (a.fitted.theta[k], b.fitted.theta[k]);
            assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{k}: {x} vs {y}");
        }
        assert_eq!(a.diagnostics.starts_run, 20);
    }
    #[test]
    fn subsampled_fit_is_the_same_at_any_thread_count() {
        // More runs than one evaluation block, so the full-data refinement splits its sums.
        let obs = sweep(40_000);
        let config = FitConfig {
            selection: StartSelection::Best(10),
            subsample_rows: 2000,
            ..FitConfig::default()
        };
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| fit(&obs, &config, &|| {}).unwrap())
        };
        let one = on(1);
        assert!(one.diagnostics.subsample.is_some());
        assert_eq!(one, on(2));
    }
}
