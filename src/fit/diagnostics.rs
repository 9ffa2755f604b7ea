//! Checks on the outcome of a multi-start fit, reported as typed warnings.
//!
//! A fit that "converged" can still be untrustworthy: the best value may have been found by one
//! start only, the optimum may sit at or beyond the edge of the start grid, a parameter may run
//! off to a degenerate value (E -> 0, a coefficient -> infinity, an exponent -> 0), or several
//! starts may reach the same objective with different parameters (the data do not identify
//! them), or there may be too few runs for the parameters. Each is reported as a shared
//! [`Warning`]; [`FitWarning`] is the typed detail of the search's findings and the shape in
//! which fits saved before the shared list stored them (they still load).

use serde::{Deserialize, Deserializer, Serialize};

use super::solver::{LocalRun, Termination};
use super::{FitConfig, REACHED_BEST_RTOL, Starts};
use crate::law::{Law, LawRef, Transform};
use crate::warnings::{Warning, WarningCode};

/// Exponents outside this range are reported as implausible for language-model sweeps.
pub const PLAUSIBLE_EXPONENT: (f64, f64) = (0.05, 1.5);
/// Fewer starts than this reaching the best value (when at least 10 ran) is reported.
pub const MIN_STARTS_AT_BEST: usize = 3;
/// Relative spread of a natural parameter across starts that reach the best value above which
/// it is reported as not identified.
pub const IDENTIFIED_RSPREAD: f64 = 1e-2;
/// `e = log E` below this means E has collapsed to zero.
pub const DEGENERATE_LOG_E: f64 = -10.0;
/// `a` or `b` above this means a coefficient has run off to infinity (A > 5e21).
pub const DEGENERATE_LOG_COEF: f64 = 50.0;
/// Fewer runs than this per free parameter is reported. Ten runs per parameter is the usual
/// rule of thumb for nonlinear least squares; with fewer, bootstrap intervals of a five-parameter
/// law span orders of magnitude (5 runs for 4 parameters gave A in [1, 8.4e8]).
pub const MIN_RUNS_PER_PARAMETER: f64 = 10.0;

/// A finding of the multi-start search, converted to a [`Warning`] by [`FitWarning::to_warning`].
/// Fits saved before the shared warning list stored these (tagged by `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FitWarning {
    /// A run that did not meet the convergence criteria ended lower than the best converged run.
    UnconvergedRunBelowBest {
        /// Its objective value.
        objective: f64,
        /// Why it stopped.
        termination: Termination,
    },
    /// Few starts reached the best value: another start might find a lower one.
    FewStartsReachedBest {
        /// Starts within the tolerance of the best value.
        reached: usize,
        /// Starts run.
        run: usize,
    },
    /// Every start that reached the best value began at the edge of the grid on this axis.
    BestStartOnGridEdge {
        /// Log-space parameter name.
        parameter: String,
        /// The edge value.
        value: f64,
    },
    /// The optimum lies outside the range the grid covers on this axis.
    OptimumOutsideGrid {
        /// Log-space parameter name.
        parameter: String,
        /// The optimum's value.
        value: f64,
        /// Grid range.
        low: f64,
        /// Grid range.
        high: f64,
    },
    /// An exponent outside [`PLAUSIBLE_EXPONENT`].
    ImplausibleExponent {
        /// `alpha` or `beta`.
        parameter: String,
        /// Its value.
        value: f64,
    },
    /// A parameter ran off to a degenerate value.
    Degenerate {
        /// Natural parameter name.
        parameter: String,
        /// Its value.
        value: f64,
        /// What it means.
        meaning: String,
    },
    /// Starts reaching the same best value disagree on this parameter.
    NotIdentified {
        /// Natural parameter name.
        parameter: String,
        /// Smallest value among those starts.
        low: f64,
        /// Largest value among those starts.
        high: f64,
    },
}

impl FitWarning {
    /// The stable code of this finding.
    pub fn code(&self) -> WarningCode {
        match self {
            FitWarning::UnconvergedRunBelowBest { .. } => WarningCode::UnconvergedRunBelowBest,
            FitWarning::FewStartsReachedBest { .. } => WarningCode::FewStartsReachedBest,
            FitWarning::BestStartOnGridEdge { .. } | FitWarning::OptimumOutsideGrid { .. } => {
                WarningCode::AtGridEdge
            }
            FitWarning::ImplausibleExponent { .. } => WarningCode::ImplausibleExponent,
            FitWarning::Degenerate { .. } => WarningCode::Degenerate,
            FitWarning::NotIdentified { .. } => WarningCode::NotIdentified,
        }
    }

    /// What was found, with its numbers.
    pub fn message(&self) -> String {
        match self {
            FitWarning::UnconvergedRunBelowBest {
                objective,
                termination,
            } => format!(
                "a run that did not converge ({}) ended lower than the best converged one, at {objective:.6e}",
                termination.describe()
            ),
            FitWarning::FewStartsReachedBest { reached, run } => {
                format!("only {reached} of {run} starts reached the best value")
            }
            FitWarning::BestStartOnGridEdge { parameter, value } => format!(
                "every start that reached the best began at the grid edge {parameter} = {value}"
            ),
            FitWarning::OptimumOutsideGrid {
                parameter,
                value,
                low,
                high,
            } => format!(
                "the optimum {parameter} = {value:.4} lies outside the grid range [{low}, {high}]"
            ),
            FitWarning::ImplausibleExponent { parameter, value } => format!(
                "{parameter} = {value:.4} is outside the usual range [{}, {}] for language models",
                PLAUSIBLE_EXPONENT.0, PLAUSIBLE_EXPONENT.1
            ),
            FitWarning::Degenerate {
                parameter,
                value,
                meaning,
            } => format!("{parameter} = {value:.4e}: {meaning}"),
            FitWarning::NotIdentified {
                parameter,
                low,
                high,
            } => format!(
                "{parameter} is not identified by the data: starts reaching the same objective give {low:.4} to {high:.4}"
            ),
        }
    }

    /// What to do about it.
    pub fn action(&self) -> &'static str {
        match self {
            FitWarning::UnconvergedRunBelowBest { .. } => "raise --max-iters",
            FitWarning::FewStartsReachedBest { .. } => {
                "a wider search (--starts all, --grid) may find a lower value"
            }
            FitWarning::BestStartOnGridEdge { .. } => "extend the grid on that axis (--grid)",
            FitWarning::OptimumOutsideGrid { .. } => {
                "extend the grid to cover it (--grid) and check that the fit is unchanged"
            }
            FitWarning::ImplausibleExponent { .. } => {
                "check the units of N and D and the loss column; more runs over a wider range of sizes and tokens pin the exponents down"
            }
            FitWarning::Degenerate { .. } => {
                "add runs that bound the parameter (larger or longer runs), or fix it with --fix"
            }
            FitWarning::NotIdentified { .. } => {
                "add runs over a wider range of N and D, or fix a parameter with --fix"
            }
        }
    }

    /// The shared form of this finding.
    pub fn to_warning(&self) -> Warning {
        Warning::new(self.code(), self.message(), self.action())
    }
}

/// A fit with fewer than [`MIN_RUNS_PER_PARAMETER`] runs per free parameter.
pub fn few_runs_warning(n_runs: usize, n_free: usize) -> Option<Warning> {
    let per = n_runs as f64 / n_free.max(1) as f64;
    (per < MIN_RUNS_PER_PARAMETER).then(|| {
        Warning::new(
            WarningCode::FewRunsPerParameter,
            format!(
                "{n_runs} runs for {n_free} free parameters ({per:.1} per parameter, fewer than {MIN_RUNS_PER_PARAMETER}): \
                 the parameters and anything derived from them are poorly determined"
            ),
            // No advice to run a bootstrap here: reports without one already say how to get
            // intervals, and those with one show them; telling a user who ran it to run it
            // was wrong.
            format!(
                "add runs (at least {} for {n_free} free parameters), or hold parameters known \
                 from elsewhere with --fix NAME=VALUE",
                (MIN_RUNS_PER_PARAMETER * n_free as f64).ceil()
            ),
        )
    })
}

/// Warnings in either shape: the shared [`Warning`], or a [`FitWarning`] of an older file.
fn warnings_any_shape<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Warning>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum AnyShape {
        Current(Warning),
        Legacy(FitWarning),
    }
    let items = Vec::<AnyShape>::deserialize(d)?;
    Ok(items
        .into_iter()
        .map(|w| match w {
            AnyShape::Current(w) => w,
            AnyShape::Legacy(w) => w.to_warning(),
        })
        .collect())
}

/// Iteration counts over all runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IterationStats {
    /// Fewest iterations of any run.
    pub min: u64,
    /// Median.
    pub median: u64,
    /// Most.
    pub max: u64,
}

/// How the multi-start fit went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitDiagnostics {
    /// Distinct starting points available (grid size after fixing/tying parameters).
    pub starts_available: usize,
    /// L-BFGS runs made.
    pub starts_run: usize,
    /// Runs meeting the convergence criteria.
    pub converged: usize,
    /// Converged runs within [`REACHED_BEST_RTOL`] of the best value.
    pub reached_best: usize,
    /// The start of the best run (solver space).
    pub best_start: Vec<f64>,
    /// Iterations of the best run.
    pub best_iterations: u64,
    /// Why the best run stopped.
    pub best_termination: Termination,
    /// Iterations over all runs.
    pub iterations: IterationStats,
    /// How many runs stopped for each reason.
    pub terminations: Vec<(Termination, usize)>,
    /// Warnings, most serious first. Files saved before the shared list hold [`FitWarning`]s;
    /// they load as the same warnings.
    #[serde(deserialize_with = "warnings_any_shape")]
    pub warnings: Vec<Warning>,
    /// The subsample the starts were searched on, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subsample: Option<super::subsample::SubsampleStage>,
    /// When the search stopped launching its chosen starts early ([`super::multistart`]): how
    /// many were chosen and the rule that stopped it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_early: Option<super::multistart::StoppedEarly>,
}

/// Count of runs per termination reason, in a fixed order.
pub fn termination_counts(runs: &[LocalRun]) -> Vec<(Termination, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for r in runs {
        *counts.entry(r.termination).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

impl FitDiagnostics {
    /// Whether the counts agree with each other, as diagnostics read back from a fit file must:
    /// at least one start run, no more converged than run and no more at the best than
    /// converged, as many terminations as runs, a best start of the law's `n_params`
    /// parameters, iteration counts in order, and a subsample within the runs.
    ///
    /// # Errors
    ///
    /// A message that starts with the path of the field that is wrong (`at` is this struct's
    /// own path, e.g. `report.diagnostics`).
    pub fn check_consistent(&self, at: &str, n_params: usize) -> Result<(), String> {
        use crate::fields::{at_least, at_most, non_negative, path};
        let field = |name: &str| path(at, name);
        let run = field("starts_run");
        at_least(&run, self.starts_run, 1, "a fit runs at least one start")?;
        at_most(&field("converged"), self.converged, &run, self.starts_run)?;
        let converged = field("converged");
        at_most(
            &field("reached_best"),
            self.reached_best,
            &converged,
            self.converged,
        )?;
        let ended: usize = self.terminations.iter().map(|(_, n)| n).sum();
        if ended != self.starts_run {
            return Err(format!(
                "{} count {ended} runs but {run} is {}",
                field("terminations"),
                self.starts_run
            ));
        }
        if self.best_start.len() != n_params {
            return Err(format!(
                "{} has {} values but the law has {n_params} parameters",
                field("best_start"),
                self.best_start.len()
            ));
        }
        let i = &self.iterations;
        if !(i.min <= i.median && i.median <= i.max) {
            return Err(format!(
                "{} are not in order (min {}, median {}, max {})",
                field("iterations"),
                i.min,
                i.median,
                i.max
            ));
        }
        if let Some(stop) = &self.stopped_early {
            at_most(
                &run,
                self.starts_run,
                &field("stopped_early.chosen"),
                stop.chosen,
            )?;
        }
        if let Some(stage) = &self.subsample {
            let sub = |name: &str| field(&format!("subsample.{name}"));
            at_most(&sub("rows"), stage.rows, &sub("of_rows"), stage.of_rows)?;
            at_most(
                &sub("refined"),
                stage.refined,
                &sub("distinct"),
                stage.distinct,
            )?;
            non_negative(&sub("margin"), stage.margin)?;
        }
        Ok(())
    }

    /// Diagnostics for `runs` whose best is `runs[best]`.
    pub fn assess(
        runs: &[LocalRun],
        best: usize,
        starts_available: usize,
        n_runs: usize,
        config: &FitConfig,
    ) -> Self {
        let best_value = runs[best].objective;
        let tol = REACHED_BEST_RTOL * best_value.abs();
        // With noise-free data every exact fit is "the best", however many orders of magnitude
        // of rounding separate their objectives.
        let exact = runs[best].is_exact_fit();
        let at_best: Vec<&LocalRun> = runs
            .iter()
            .filter(|r| {
                r.converged && (r.objective <= best_value + tol || (exact && r.is_exact_fit()))
            })
            .collect();
        let mut iters: Vec<u64> = runs.iter().map(|r| r.iterations).collect();
        iters.sort_unstable();
        let mut warnings = Vec::new();
        if let Some(lower) = runs
            .iter()
            .filter(|r| !r.converged && r.objective < best_value - tol)
            .min_by(|a, b| a.objective.total_cmp(&b.objective))
        {
            warnings.push(FitWarning::UnconvergedRunBelowBest {
                objective: lower.objective,
                termination: lower.termination,
            });
        }
        if runs.len() >= 10 && at_best.len() < MIN_STARTS_AT_BEST {
            warnings.push(FitWarning::FewStartsReachedBest {
                reached: at_best.len(),
                run: runs.len(),
            });
        }
        let law = Law::new(config.law, runs[best].theta.clone());
        if let Starts::Grid(grid) = &config.starts {
            warnings.extend(grid_warnings(
                &grid.bounds(),
                &at_best,
                &runs[best].theta,
                config,
            ));
        }
        warnings.extend(value_warnings(&law));
        warnings.extend(identification_warnings(config.law, &at_best));
        let mut warnings: Vec<Warning> = warnings.iter().map(FitWarning::to_warning).collect();
        warnings.extend(few_runs_warning(n_runs, config.params.n_free()));
        FitDiagnostics {
            starts_available,
            starts_run: runs.len(),
            converged: runs.iter().filter(|r| r.converged).count(),
            reached_best: at_best.len(),
            best_start: runs[best].start.clone(),
            best_iterations: runs[best].iterations,
            best_termination: runs[best].termination,
            iterations: IterationStats {
                min: iters[0],
                median: iters[iters.len() / 2],
                max: iters[iters.len() - 1],
            },
            terminations: termination_counts(runs),
            warnings,
            subsample: None,
            stopped_early: None,
        }
    }
}

/// The axes a fit moves: the free parameters, then those that follow them through a tie (the
/// order the warnings have always come in).
fn free_axes(config: &FitConfig) -> Vec<usize> {
    let mut axes = config.params.free_indices();
    for i in config.params.varying_indices() {
        if !axes.contains(&i) {
            axes.push(i);
        }
    }
    axes
}

fn grid_warnings(
    bounds: &[(f64, f64)],
    at_best: &[&LocalRun],
    theta: &[f64],
    config: &FitConfig,
) -> Vec<FitWarning> {
    let names = config.law.params();
    let mut out = Vec::new();
    for i in free_axes(config) {
        let (lo, hi) = bounds[i];
        if theta[i] < lo || theta[i] > hi {
            out.push(FitWarning::OptimumOutsideGrid {
                parameter: names[i].name.to_string(),
                value: theta[i],
                low: lo,
                high: hi,
            });
        }
        if lo < hi {
            for edge in [lo, hi] {
                if !at_best.is_empty() && at_best.iter().all(|r| r.start[i] == edge) {
                    out.push(FitWarning::BestStartOnGridEdge {
                        parameter: names[i].name.to_string(),
                        value: edge,
                    });
                }
            }
        }
    }
    out
}

/// Exponents outside the plausible range, an irreducible loss `E` collapsed to zero, and
/// coefficients run off to infinity. For Chinchilla the exponents are `alpha` and `beta`; for
/// any family they are the parameters taken as they are that may not be 0 (the exponents an
/// allocation needs), and the coefficients the log-transformed parameters other than `E`.
fn value_warnings(law: &Law) -> Vec<FitWarning> {
    let params = law.family().params();
    let natural = |i: usize| params[i].natural_value(law.theta()[i]);
    let mut out = Vec::new();
    for (i, p) in params.iter().enumerate() {
        let value = natural(i);
        if p.transform == Transform::Identity
            && p.nonzero
            && !(PLAUSIBLE_EXPONENT.0..=PLAUSIBLE_EXPONENT.1).contains(&value)
        {
            out.push(FitWarning::ImplausibleExponent {
                parameter: p.natural.to_string(),
                value,
            });
        }
    }
    for (i, p) in params.iter().enumerate() {
        if p.natural == "E" && law.theta()[i] < DEGENERATE_LOG_E {
            out.push(FitWarning::Degenerate {
                parameter: "E".into(),
                value: natural(i),
                meaning:
                    "the irreducible loss collapsed to zero; the data do not bound it from below"
                        .into(),
            });
        }
    }
    for (i, p) in params.iter().enumerate() {
        if p.transform == Transform::Log && p.natural != "E" && law.theta()[i] > DEGENERATE_LOG_COEF
        {
            out.push(FitWarning::Degenerate {
                parameter: p.natural.into(),
                value: law.theta()[i].exp(),
                meaning: "the coefficient grew without bound; its exponent is probably too large to identify".into(),
            });
        }
    }
    out
}

fn identification_warnings(law: LawRef, at_best: &[&LocalRun]) -> Vec<FitWarning> {
    if at_best.len() < 2 {
        return Vec::new();
    }
    law.params()
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let values: Vec<f64> = at_best
                .iter()
                .map(|r| p.natural_value(r.theta[i]))
                .collect();
            let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let scale = lo.abs().max(hi.abs());
            ((hi - lo) > IDENTIFIED_RSPREAD * scale).then(|| FitWarning::NotIdentified {
                parameter: p.natural.to_string(),
                low: lo,
                high: hi,
            })
        })
        .collect()
}

#[cfg(test)]
mod few_runs_tests {
    use super::few_runs_warning;

    #[test]
    fn the_few_runs_advice_counts_the_runs_needed_and_names_no_law_s_values() {
        let w = few_runs_warning(9, 3).expect("9 runs for 3 parameters is few");
        assert!(
            w.action.contains("at least 30 for 3 free parameters"),
            "{}",
            w.action
        );
        assert!(!w.action.contains("E=1.69") && !w.action.contains("--tie-exponents"));
        assert!(!w.action.contains("bootstrap"), "{}", w.action);
        assert!(few_runs_warning(30, 3).is_none());
    }
}
