//! Fits to many runs: search on a random subsample, then refine on every run.
//!
//! Screening 4500 grid points and running L-BFGS from the best 100 costs about 15,000
//! evaluations of the objective, each a pass over all runs: minutes for a million runs. Most
//! of that work only decides which basin each start falls into, and a few thousand runs decide
//! that as well as all of them. So, above `2 × subsample_rows` runs, when there are starts to
//! screen or more than [`MIN_STARTS`] to run ([`applies`]):
//!
//! 1. draw `subsample_rows` runs at random, without replacement, from a fixed seed
//!    ([`SUBSAMPLE_SEED`]), and keep them in data order;
//! 2. screen the starts and run L-BFGS from the chosen ones on the subsample, exactly as an
//!    ordinary fit does;
//! 3. group the runs that ended at the same point (objectives within 1e-9 and parameters within
//!    1e-4, relative), and evaluate the objective on all runs at each group's lowest point;
//! 4. run L-BFGS on all runs from the group whose point is lowest there, then from every group
//!    whose point is within a margin of the best refined objective, in rounds until no group is
//!    left within the margin. The margin is the larger of [`PRUNE_MIN_RTOL`] and
//!    [`PRUNE_GAIN_FACTOR`] times the largest relative improvement a refinement has made: a
//!    group further above the best than any refinement has ever moved an objective is a worse
//!    local optimum, not a better one seen through the subsample.
//!
//! A start in a refined group gets that group's full-data run: its objective, parameters,
//! termination and convergence are those of the full-data run, and its iterations are the sum
//! of both stages. A start in a group left out keeps its subsample run, with the objective on
//! all runs at its end point. The convergence criteria and diagnostics are therefore those of
//! an ordinary fit, on the full data, and the report says how many groups were refined. The
//! cost is the subsample search (fixed) plus one evaluation per group and a few full-data runs
//! starting near their optimum (linear in the runs).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::multistart::StoppedEarly;
use super::solver::{LocalRun, run_lbfgs};
use super::{FitConfig, Objective, Observations};
use crate::error::Error;

/// Runs in the subsample by default. A fit uses a subsample only when it has more than twice
/// as many runs.
pub const DEFAULT_SUBSAMPLE_ROWS: usize = 4096;

/// The smallest subsample allowed: fewer runs than this say little about where a start ends.
pub const MIN_SUBSAMPLE_ROWS: usize = 100;

/// Seed of the subsample draw: the same data always give the same subsample.
pub const SUBSAMPLE_SEED: u64 = 0x5ca1_ab1e;

/// Two runs ended at the same optimum when their objectives agree to this relative tolerance
/// ...
const SAME_OBJECTIVE_RTOL: f64 = 1e-9;
/// ... and every log-space parameter to this one (relative to `1 + |value|`).
const SAME_THETA_RTOL: f64 = 1e-4;

/// A group is refined when its point, on all runs, is at most this fraction above the best
/// refined objective ...
pub const PRUNE_MIN_RTOL: f64 = 1e-2;
/// ... or within this many times the largest relative improvement a refinement has made.
pub const PRUNE_GAIN_FACTOR: f64 = 10.0;

/// How the subsample stage went, for reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubsampleStage {
    /// Runs in the subsample.
    pub rows: usize,
    /// Runs in the data.
    pub of_rows: usize,
    /// Seed of the draw.
    pub seed: u64,
    /// Distinct end points of the subsample search.
    pub distinct: usize,
    /// Those refined on all runs.
    pub refined: usize,
    /// The others end further than this fraction above the best objective on all runs.
    pub margin: f64,
}

/// A search of at most this many starts runs on all runs: with no screening to save, a search on
/// the subsample would only add a second run per start.
pub const MIN_STARTS: usize = 8;

/// Whether `config` searches on a subsample of `obs`: with more than twice `subsample_rows`
/// runs, and either starts to screen (fewer starts run than the grid has: screening the whole
/// grid on all runs would cost more than the search it saves) or more than [`MIN_STARTS`] starts
/// to run. Only a few given starts, with nothing to screen, run on all runs; so a smaller
/// request never costs more than a larger one (`--starts 5` screened 4500 points on all
/// 108,000 runs and took 5 times as long as the default 100 on the subsample).
pub fn applies(obs: &Observations, config: &FitConfig) -> bool {
    applies_to(obs, config, config.starts.points(&config.params).len())
}

/// [`applies`] for a configuration whose starts are `available` points (counted once by the
/// caller: each count builds the whole grid).
pub(crate) fn applies_to(obs: &Observations, config: &FitConfig, available: usize) -> bool {
    let planned = config.selection.runs_of(available);
    config.subsample_rows > 0
        && obs.len() > 2 * config.subsample_rows
        && (planned < available || planned > MIN_STARTS)
}

/// The subsample of `rows` runs, drawn with [`SUBSAMPLE_SEED`] and kept in data order.
pub fn draw(obs: &Observations, rows: usize) -> Observations {
    let mut rng = ChaCha8Rng::seed_from_u64(SUBSAMPLE_SEED);
    let mut picked = rand::seq::index::sample(&mut rng, obs.len(), rows).into_vec();
    picked.sort_unstable();
    obs.select(&picked)
}

/// The search of the module docs: one run per chosen start, each with full-data results.
///
/// # Errors
///
/// [`Error::Stopped`] when `progress` stopped the search.
pub fn search(
    obs: &Observations,
    config: &FitConfig,
    grid: &[Vec<f64>],
    progress: &dyn crate::progress::Progress,
) -> Result<(Vec<LocalRun>, SubsampleStage, Option<StoppedEarly>), Error> {
    let sub = draw(obs, config.subsample_rows);
    let sub_objective = Objective::for_law(&sub, config.law, config.loss);
    let (first, stopped) = super::multistart::search(&sub_objective, config, grid, progress)?;
    crate::progress::check(progress, "the fit")?;
    let (group_of, leaders) = group_by_optimum(&first);
    let full = Objective::for_law(obs, config.law, config.loss);
    let at_end: Vec<f64> = leaders
        .par_iter()
        .map(|&k| full.value(&first[k].theta))
        .collect();
    let (refined, margin) = refine_within_margin(&leaders, &at_end, |k| {
        run_lbfgs(&full, &config.params, &first[k].theta, &config.solver)
    });
    let runs = first
        .iter()
        .zip(&group_of)
        .map(|(run, &g)| match &refined[g] {
            Some(r) => LocalRun {
                start: run.start.clone(),
                iterations: run.iterations + r.iterations,
                ..r.clone()
            },
            // Left at its subsample end point; the objective there on all runs (also as its
            // starting value, which keeps `is_exact_fit` on one scale).
            None => LocalRun {
                objective: at_end[g],
                start_objective: at_end[g],
                ..run.clone()
            },
        })
        .collect();
    let stage = SubsampleStage {
        rows: sub.len(),
        of_rows: obs.len(),
        seed: SUBSAMPLE_SEED,
        distinct: leaders.len(),
        refined: refined.iter().filter(|r| r.is_some()).count(),
        margin,
    };
    Ok((runs, stage, stopped))
}

/// Step 4 of the module docs. `at_end[g]` is the full-data objective at group `g`'s point;
/// `refine(leader)` runs L-BFGS on all runs from it. Each round's groups are fixed by the
/// previous rounds' results, so the outcome does not depend on the thread count. Returns each
/// group's refined run, if any, and the final margin.
fn refine_within_margin(
    leaders: &[usize],
    at_end: &[f64],
    refine: impl Fn(usize) -> LocalRun + Sync,
) -> (Vec<Option<LocalRun>>, f64) {
    let mut refined: Vec<Option<LocalRun>> = vec![None; leaders.len()];
    let lowest =
        (0..leaders.len()).min_by(|&i, &j| at_end[i].total_cmp(&at_end[j]).then(i.cmp(&j)));
    let mut round: Vec<usize> = lowest.into_iter().collect();
    let mut margin = PRUNE_MIN_RTOL;
    while !round.is_empty() {
        let results: Vec<LocalRun> = round.par_iter().map(|&g| refine(leaders[g])).collect();
        for (g, r) in round.iter().zip(results) {
            refined[*g] = Some(r);
        }
        let done = || {
            refined
                .iter()
                .zip(at_end)
                .filter_map(|(r, &f)| r.as_ref().map(|r| (r, f)))
        };
        let best = done()
            .filter(|(r, _)| r.converged && r.objective.is_finite())
            .map(|(r, _)| r.objective)
            .fold(f64::INFINITY, f64::min);
        let gain = done()
            .filter(|(r, f)| r.objective.is_finite() && f.is_finite())
            .map(|(r, f)| (f - r.objective) / r.objective.abs().max(f64::MIN_POSITIVE))
            .fold(0.0, f64::max);
        margin = PRUNE_MIN_RTOL.max(PRUNE_GAIN_FACTOR * gain);
        round = (0..leaders.len())
            .filter(|&g| refined[g].is_none())
            .filter(|&g| !best.is_finite() || at_end[g] <= best + margin * best.abs())
            .collect();
    }
    (refined, margin)
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

    #[test]
    fn fewer_grid_starts_never_leave_the_subsample() {
        let obs = sweep(9000);
        let with = |selection| FitConfig {
            selection,
            ..FitConfig::default()
        };
        // Screening 4500 grid points on all runs would cost more than the default search.
        for k in [1, 5, 8, 9, 100] {
            assert!(
                applies(&obs, &with(StartSelection::Best(k))),
                "--starts {k}"
            );
        }
        assert!(applies(&obs, &with(StartSelection::All)));
        // A given start at the optimum has nothing to screen: it runs on all runs.
        let given = FitConfig {
            starts: crate::fit::Starts::Points(vec![ChinchillaLaw::HOFFMANN_2022.into()]),
            ..FitConfig::default()
        };
        assert!(!applies(&obs, &given));
        assert!(!applies(&sweep(8000), &with(StartSelection::Best(5))));
    }

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
            stop_when_reached: None,
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
        assert!(stage.refined >= 1 && stage.refined <= stage.distinct && stage.distinct <= 20);
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
    fn run_at(objective: f64) -> LocalRun {
        LocalRun {
            start: vec![0.0; 5],
            theta: vec![0.0; 5],
            objective,
            start_objective: 1.0,
            iterations: 1,
            termination: crate::fit::Termination::Gradient,
            rel_gradient: 0.0,
            converged: true,
        }
    }

    #[test]
    fn groups_far_above_the_best_are_not_refined() {
        let at_end = [1.10, 1.00, 1.005, 1.5];
        // Each refinement improves its group's objective by 0.001 (0.1%).
        let (refined, margin) =
            refine_within_margin(&[0, 1, 2, 3], &at_end, |k| run_at(at_end[k] - 0.001));
        let which: Vec<bool> = refined.iter().map(Option::is_some).collect();
        assert_eq!(which, [false, true, true, false]);
        assert!((margin - PRUNE_MIN_RTOL).abs() < 1e-3, "{margin}");
    }

    #[test]
    fn a_large_refinement_gain_widens_the_margin() {
        let at_end = [1.10, 1.00, 1.005, 1.5];
        // The lowest group's refinement halves its objective: nothing can be ruled out.
        let (refined, margin) = refine_within_margin(&[0, 1, 2, 3], &at_end, |k| {
            run_at(if k == 1 { 0.5 } else { at_end[k] - 0.001 })
        });
        assert!(refined.iter().all(Option::is_some));
        assert!(margin >= PRUNE_GAIN_FACTOR * 0.99, "{margin}");
    }
}
