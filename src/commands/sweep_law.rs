//! A joint curve fit (`curve fit --law joint`) as a law of N and D: the law at the ends of runs
//! of the sweep's schedule shape, with each bootstrap replicate's own law of the ends as a
//! draw, so that `optimal --fit` and `curve fit --budget` answer from it with the machinery of
//! a fit of `fit --out` ([`crate::answer::optimal`]).
//!
//! At the end of a run whose mean rate relative to its peak is κ and whose rate has fallen by
//! `U_end` of its peak, the joint law `E + A·N^−α + B·D_η^−β − C·U` is the Chinchilla law
//! `E' + A·N^−α + B'·D^−β` with `E' = E − C·U_end` and `B' = B·κ^−β`
//! ([`crate::curve::law::end_law`]); κ and `U_end` are the medians over the fitted runs, and
//! every replicate's law of the ends is taken at the same κ and `U_end`.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::answer::optimal::{OptimalEstimate, Questions, answer};
use crate::curve::law::{DEFAULT_LAMBDA, Spread, end_law, runs_differ};
use crate::data::{Format, SourceInfo, UsedColumns};
use crate::error::Error;
use crate::finite::check_finite;
use crate::fit::diagnostics::{FitDiagnostics, IterationStats};
use crate::fit::solver::Termination;
use crate::fit::{FitConfig, FitReport, FittedLaw};
use crate::law::{ChinchillaLaw, Law, LawRef};
use crate::saved::{Provenance, SavedFit};
use crate::uncertainty::resample::ResampleScheme;
use crate::uncertainty::{BootstrapConfig, BootstrapDraws};

/// `k` in `C = k·N·D` of a curve fit's answers.
pub const FLOPS_PER_PARAM_TOKEN: f64 = 6.0;

/// Where a law of N and D made from a joint curve fit came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepOrigin {
    /// The curve fit file (or how a fit in memory is named).
    pub file: String,
    /// The curve law (`joint`).
    pub law: String,
    /// The runs the joint law was fitted to.
    pub runs: usize,
    /// κ, the schedule's mean rate relative to its peak at the runs' ends: lowest, median (the
    /// value used), highest.
    pub kappa: Spread,
    /// `U_end`, how far the rate had come down at the runs' ends (with its delay): lowest,
    /// median (the value used), highest.
    pub annealed: Spread,
    /// The curve fit's bootstrap replicates whose law of the ends are the draws (0 without
    /// `curve fit --bootstrap`).
    pub replicates: usize,
    /// Replicates of the curve fit whose refit did not converge (not among its draws).
    pub failed: usize,
    /// Replicates left out because their `E − C·U_end` is 0 or less (no loss at the ends).
    pub left_out: usize,
    /// Said when the runs differ by more than 5% in κ or `U_end`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SweepOrigin {
    /// One line on where the law came from, for reports.
    pub fn describe(&self) -> String {
        format!(
            "the joint curve fit {} of {} runs, at the end of runs of the sweep's schedule shape \
             trained to their end: E' = E − C·U_end and B' = B·κ^−β with κ = {:.4} (the mean \
             rate relative to the peak) and U_end = {:.4} (the rate's fall from its peak)",
            self.file, self.runs, self.kappa.1, self.annealed.1
        )
    }
}

/// A joint curve fit as a fit of N and D: the law of the runs' ends with its draws, and where
/// it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepFit {
    /// The law of N and D, with the replicates' laws as its bootstrap draws.
    pub fit: SavedFit,
    /// Where it came from.
    pub origin: SweepOrigin,
}

/// What a law of N and D is made from, of a curve fit (`curve fit --out`).
#[derive(Debug, Clone, PartialEq)]
pub struct JointEnds<'a> {
    /// The curve law's name.
    pub law: &'a str,
    /// Its parameters, in the law's order.
    pub theta: Vec<f64>,
    /// κ and `U_end` at the runs' ends (lowest, median, highest), for a law across sizes.
    pub ends: Option<(Spread, Spread)>,
    /// The bootstrap replicates' parameters.
    pub replicates: &'a [Vec<f64>],
    /// Replicates whose refit did not converge.
    pub failed: usize,
    /// The seed of the replicates.
    pub seed: u64,
    /// The objective at the fit.
    pub objective: f64,
    /// Starts screened, and of those carried on how many converged.
    pub starts: (usize, usize),
    /// Whether the best start converged.
    pub converged: bool,
    /// The runs fitted.
    pub runs: usize,
}

impl SweepFit {
    /// The fit of N and D of the curve fit `fit`, named `shown` (its file's SHA-256 `sha256`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--fit` for a fit of a law of one run (no N), or a law
    /// whose `E − C·U_end` at the runs' ends is not positive; [`Error::FitFile`] for a joint
    /// fit without its law of the ends.
    pub fn of(fit: &JointEnds<'_>, shown: &str, sha256: String) -> Result<SweepFit, Error> {
        let bad = |message: String| Error::FitFile {
            path: shown.to_string(),
            message,
        };
        let across_sizes =
            crate::curve::law::curve_law(fit.law, DEFAULT_LAMBDA).is_ok_and(|l| l.needs_size());
        if across_sizes && fit.ends.is_none() {
            return Err(bad(format!(
                "sweep: missing; a fit of the {} law across sizes keeps its law at the runs' \
                 ends there; refit with `scaling-laws curve fit LOGS --law {} --out FILE`",
                fit.law, fit.law
            )));
        }
        let Some((kappa, annealed)) = fit.ends else {
            return Err(Error::invalid_option(
                "--fit",
                format!(
                    "{shown} is a curve fit of the {} law, a law of one run's schedule with no \
                     model size N, so it has no law of N and D to answer from; fit runs of \
                     several sizes with `scaling-laws curve fit LOGS --law joint --out FILE`",
                    fit.law
                ),
            ));
        };
        let ordered = |(lo, mid, hi): Spread| lo <= mid && mid <= hi;
        if !(ordered(kappa) && kappa.0 > 0.0) {
            return Err(bad(format!(
                "sweep.kappa: {kappa:?} is not a lowest, median and highest mean rate relative to \
                 the peak, all positive; refit with this version"
            )));
        }
        if !ordered(annealed) {
            return Err(bad(format!(
                "sweep.annealed: {annealed:?} is not a lowest, median and highest fall of the \
                 rate; refit with this version"
            )));
        }
        let point = end_law(&fit.theta, kappa.1, annealed.1);
        if !(point.irreducible.is_finite() && point.irreducible > 0.0) {
            return Err(Error::invalid_option(
                "--fit",
                format!(
                    "{shown}: at the runs' ends E − C·U_end is {:.4}, not a positive loss, so \
                     the joint law gives no law of N and D there; refit with more runs that \
                     decay to their end",
                    point.irreducible
                ),
            ));
        }
        let ends: Vec<ChinchillaLaw> = fit
            .replicates
            .iter()
            .map(|t| end_law(t, kappa.1, annealed.1))
            .filter(|l| l.irreducible > 0.0)
            .collect();
        let left_out = fit.replicates.len() - ends.len();
        let runs = fit.runs;
        let fitted = fitted_law(point, fit.objective, runs);
        let draws = (ends.len() >= 2).then(|| draws_of(&ends, fit.seed));
        let mut saved = SavedFit::new(
            FitReport {
                diagnostics: diagnostics(fit, &fitted.theta),
                fitted,
            },
            provenance(shown, sha256, runs),
        );
        saved.bootstrap = draws;
        let origin = SweepOrigin {
            file: shown.to_string(),
            law: fit.law.to_string(),
            runs,
            kappa,
            annealed,
            replicates: ends.len(),
            failed: fit.failed,
            left_out,
            note: runs_differ(kappa, annealed).then(|| {
                "the runs differ by more than 5% in κ or U_end at their ends (a short run's \
                 decay has less time to take effect); the law of N and D uses the median"
                    .to_string()
            }),
        };
        check_finite(&saved, "the law of N and D of the curve fit")?;
        Ok(SweepFit { fit: saved, origin })
    }
}

/// The fitted Chinchilla law `law` of a curve fit with `objective` over `runs` runs. Its
/// residuals are not those of a table of runs: none are kept.
fn fitted_law(law: ChinchillaLaw, objective: f64, runs: usize) -> FittedLaw {
    let law = Law::from(law);
    FittedLaw {
        family: LawRef::chinchilla(),
        law: law.natural_values(),
        params_exponent: law.params_exponent(),
        tokens_exponent: law.tokens_exponent(),
        theta: law.into_theta(),
        objective,
        n_runs: runs,
        residual_sd: 0.0,
        residuals: Vec::new(),
        config: FitConfig::default(),
    }
}

/// The replicates' laws of the ends as bootstrap draws (all converged: those that did not are
/// not among a curve fit's replicates).
fn draws_of(ends: &[ChinchillaLaw], seed: u64) -> BootstrapDraws {
    let rows: Vec<f64> = ends
        .iter()
        .flat_map(|l| Law::from(*l).into_theta())
        .collect();
    let n = ends.len();
    let width = rows.len() / n;
    BootstrapDraws {
        config: BootstrapConfig {
            n_resamples: n,
            seed,
            grid_starts: 0,
            pool_size: 0,
            stop_when_reached: None,
            scheme: ResampleScheme::Runs,
        },
        family: LawRef::chinchilla(),
        theta: Array2::from_shape_vec((n, width), rows).expect("one row of each law"),
        objective: vec![0.0; n],
        converged: vec![true; n],
        improved_by_grid: 0,
    }
}

/// The curve fit's search, as far as a fit of N and D reports it.
fn diagnostics(fit: &JointEnds<'_>, theta: &[f64]) -> FitDiagnostics {
    let (screened, converged) = fit.starts;
    FitDiagnostics {
        starts_available: screened,
        starts_run: screened,
        converged,
        reached_best: usize::from(fit.converged),
        best_start: theta.to_vec(),
        best_iterations: 0,
        best_termination: Termination::Gradient,
        iterations: IterationStats {
            min: 0,
            median: 0,
            max: 0,
        },
        terminations: Vec::new(),
        warnings: Vec::new(),
        subsample: None,
        stopped_early: None,
    }
}

/// The provenance of a law of N and D read from the curve fit `shown`: its file, and its runs
/// as the rows used.
fn provenance(shown: &str, sha256: String, runs: usize) -> Provenance {
    Provenance {
        source: SourceInfo {
            path: shown.to_string(),
            format: Format::Ndjson,
            sha256,
            rows_in_file: runs,
        },
        columns: UsedColumns {
            params: Some("params".into()),
            tokens: None,
            flops: None,
            loss: "loss".into(),
            budget: None,
            unique_tokens: None,
        },
        flops_per_param_token: FLOPS_PER_PARAM_TOKEN,
        flops_scale: 1.0,
        filter: Default::default(),
        rows_used: runs,
        rows: (1..=runs).collect(),
        notes: vec![format!(
            "the law at the runs' ends of the joint curve fit {shown}, for runs of its \
             schedule shape trained to their end"
        )],
        command: None,
        warnings: Vec::new(),
        source_from_fit: None,
    }
}

/// N*, D* and L* at each of `budgets` (FLOPs, `C = 6·N·D`) from the law of N and D of the
/// joint curve fit `fit`, with percentile intervals at `level` from its replicates' laws of the
/// ends: the answers of `optimal --fit` on the same fit, for `curve fit --budget`.
///
/// # Errors
///
/// As [`SweepFit::of`] and [`crate::answer::optimal::answer`].
pub fn optimal_at(
    fit: &JointEnds<'_>,
    budgets: &[f64],
    level: f64,
) -> Result<Vec<OptimalEstimate>, Error> {
    let sweep = SweepFit::of(fit, "the fit", String::new())?;
    let questions = Questions {
        budgets: budgets.to_vec(),
        params: Vec::new(),
        target_losses: Vec::new(),
        assess: Vec::new(),
        assess_names: Vec::new(),
        level,
        flops_per_param_token: FLOPS_PER_PARAM_TOKEN,
    };
    let answers = answer(
        &sweep.fit.report.fitted,
        sweep.fit.bootstrap.as_ref(),
        &questions,
    )?;
    Ok(answers.budgets)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The simulated sweep's joint law (E, A, α, B, β, C).
    const THETA: [f64; 6] = [2.04, 31.8, 0.193, 129.0, 0.229, 0.151];

    fn joint<'a>(replicates: &'a [Vec<f64>], ends: Option<(Spread, Spread)>) -> JointEnds<'a> {
        JointEnds {
            law: "joint",
            theta: THETA.to_vec(),
            ends,
            replicates,
            failed: 1,
            seed: 7,
            objective: 0.5,
            starts: (12, 10),
            converged: true,
            runs: 15,
        }
    }

    #[test]
    fn the_end_law_is_the_joint_law_at_the_median_kappa_and_fall_and_replicates_without_a_floor_are_left_out()
     {
        let mut floorless = THETA.to_vec();
        floorless[5] = 40.0;
        let replicates = vec![THETA.to_vec(), THETA.map(|v| v * 1.01).to_vec(), floorless];
        let ends = ((0.54, 0.55, 0.56), (0.80, 0.90, 0.90));
        let sweep =
            SweepFit::of(&joint(&replicates, Some(ends)), "j.json", "0".repeat(64)).unwrap();
        let law = sweep.fit.report.fitted.to_law();
        let expected = ChinchillaLaw {
            irreducible: 2.04 - 0.151 * 0.90,
            param_coef: 31.8,
            data_coef: 129.0 * 0.55_f64.powf(-0.229),
            alpha: 0.193,
            beta: 0.229,
        };
        for (n, d) in [(1e8, 1e10), (1e9, 2e10), (1e10, 1e12)] {
            let (got, want) = (law.loss(n, d), expected.loss(n, d));
            assert!((got - want).abs() < 1e-12 * want, "{got} against {want}");
        }
        let draws = sweep.fit.bootstrap.as_ref().unwrap();
        assert_eq!((draws.len(), draws.failed()), (2, 0));
        let o = &sweep.origin;
        assert_eq!((o.replicates, o.failed, o.left_out, o.runs), (2, 1, 1, 15));
        // The runs differ by 12.5% in the fall of their rate.
        assert!(o.note.as_deref().unwrap().contains("more than 5%"));
        assert_eq!(sweep.fit.provenance.flops_per_param_token, 6.0);
    }

    #[test]
    fn a_law_of_one_run_has_no_law_of_n_and_d_and_a_joint_fit_without_its_ends_is_malformed() {
        let one_run = JointEnds {
            law: "annealing",
            ..joint(&[], None)
        };
        let e = SweepFit::of(&one_run, "a.json", String::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("--fit") && e.contains("annealing law"), "{e}");
        let e = SweepFit::of(&joint(&[], None), "j.json", String::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("j.json") && e.contains("sweep: missing"), "{e}");
        let unordered = Some(((0.6, 0.55, 0.56), (0.8, 0.9, 0.9)));
        let e = SweepFit::of(&joint(&[], unordered), "j.json", String::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("sweep.kappa"), "{e}");
    }
}
