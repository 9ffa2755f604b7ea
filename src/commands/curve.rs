//! `curve fit` and `curve predict`: a training-curve law fitted to every checkpoint of some
//! runs, and the loss trajectory it predicts under a schedule.
//!
//! Each run's learning rate at every step comes from, in order: a schedule given for that run
//! (`RUN=SPEC`), a schedule given for all runs, or the run's logged learning rate, interpolated
//! between logged steps with a linear warmup from 0 before the first (exact when the log holds
//! every step). When a schedule and a logged rate are both there, they must agree: the largest
//! difference is reported, and more than [`LR_MISMATCH`] of the rate is an error.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::curve::bootstrap::{
    CurveDraws, HeldOutError, Reach, bootstrap_curves, held_out_error, past_data, prediction_band,
    quantile, reach,
};
use crate::curve::fit::{CurveFitOptions, fit_curves, predict, schedule_run};
use crate::curve::law::{CurveLaw, DEFAULT_LAMBDA, Joint, Spread, curve_law, decayed_end};
use crate::curve::metrics::CurveScores;
use crate::curve::schedule::{Schedule, interpolate};
use crate::curve::{CurveRun, Prepared, SUM_TOLERANCE};
use crate::data::checkpoints::{LogOptions, RunLog, load_logs, names_run, value_for_run};
use crate::error::Error;
use crate::finite::check_finite;
use crate::fit::objective::ResidualLoss;
use crate::law::ChinchillaLaw;
use crate::output::{Inputs, check_output};
use crate::progress::Progress;

use super::sweep_law::{JointEnds, optimal_at};

/// Largest relative difference between a schedule and a logged learning rate that is taken
/// as agreement (logs round the rate).
pub const LR_MISMATCH: f64 = 0.01;

/// The runs and the law to fit.
#[derive(Debug, Clone)]
pub struct CurveFitRequest {
    /// Files of training logs (one run per file, or a long table with a run column).
    pub paths: Vec<String>,
    /// Runs' logs already read (e.g. from a data frame), fitted after those of `paths`.
    pub logs: Vec<RunLog>,
    /// How to read them.
    pub log: LogOptions,
    /// Schedules: for one run (`Some(name)`) or for every run without its own (`None`).
    pub schedules: Vec<(Option<String>, Schedule)>,
    /// The law's name (`multi-power`, `annealing`, `blind`).
    pub law: String,
    /// The annealing law's momentum λ.
    pub lambda: f64,
    /// Huber threshold on log-loss residuals.
    pub delta: f64,
    /// Where the fit is saved, as JSON (checked before any work; written by the command).
    pub out: Option<PathBuf>,
    /// Bootstrap replicates for intervals (0: none).
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Confidence level of the intervals.
    pub level: f64,
    /// Compute budgets (FLOPs) at which the joint law's decayed-end law gives N* and D*.
    pub budgets: Vec<f64>,
}

impl Default for CurveFitRequest {
    fn default() -> Self {
        CurveFitRequest {
            paths: Vec::new(),
            logs: Vec::new(),
            log: LogOptions::default(),
            schedules: Vec::new(),
            law: "multi-power".into(),
            lambda: DEFAULT_LAMBDA,
            delta: crate::fit::objective::DEFAULT_HUBER_DELTA,
            out: None,
            bootstrap: 0,
            seed: crate::uncertainty::bootstrap::DEFAULT_SEED,
            level: 0.95,
            budgets: Vec::new(),
        }
    }
}

/// A parameter and its fitted value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamValue {
    /// Its name in the formula.
    pub name: String,
    /// Its value.
    pub value: f64,
}

/// One fitted run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedRun {
    /// The run.
    pub run: String,
    /// Its checkpoints.
    pub checkpoints: usize,
    /// First and last checkpoint step.
    pub steps: (usize, usize),
    /// Where its learning rates came from.
    pub learning_rate: String,
    /// How well the law follows it.
    pub scores: CurveScores,
}

/// A fitted curve law: the saved form of `curve fit --out` too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveFitReport {
    /// What this is (`scaling-laws curve fit`), so a saved file is recognised.
    pub kind: String,
    /// The law.
    pub law: String,
    /// Its formula.
    pub formula: String,
    /// Where it comes from.
    pub citation: String,
    /// The annealing law's momentum λ (other laws: absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda: Option<f64>,
    /// Huber threshold of the fit.
    pub delta: f64,
    /// Fitted parameters.
    pub params: Vec<ParamValue>,
    /// The objective at the fit.
    pub objective: f64,
    /// Whether the best start converged.
    pub converged: bool,
    /// Starts screened, and of those carried on how many converged.
    pub starts: (usize, usize),
    /// Parameters the data barely determine, with the standard error of their estimate (of
    /// its logarithm for a positive parameter; a lower bound, taking checkpoints as
    /// independent), above 0.5: read the law's predictions, not these parameters.
    #[serde(default)]
    pub weak_params: Vec<(String, f64)>,
    /// Pairs of parameters the data barely tell apart, with the correlation of their
    /// estimates (|r| ≥ 0.99).
    #[serde(default)]
    pub weak_pairs: Vec<(String, String, f64)>,
    /// The runs, each scored.
    pub runs: Vec<FittedRun>,
    /// Scores averaged over runs.
    pub mean: CurveScores,
    /// The lowest learning rate any fitted run trained at after its peak, up to its last
    /// checkpoint: the law says little about rates below it (`curve schedule` stays above).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr_floor: Option<f64>,
    /// The bootstrap's intervals and what `curve predict` needs for its bands, when asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<CurveUncertainty>,
    /// The joint law at the ends of the runs, as a law of N and D, and what it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepEnd>,
}

/// The joint law at the ends of a sweep's runs ([`crate::curve::law::decayed_end`]): a
/// Chinchilla law of N and D for runs of the sweep's schedule shape, trained to their end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepEnd {
    /// `E − C·U_end`, `A`, `α`, `B·κ^−β`, `β`.
    pub law: ChinchillaLaw,
    /// `κ`, the schedule's mean rate relative to its peak, at the runs' ends: lowest, median,
    /// highest.
    pub kappa: Spread,
    /// `U` at the runs' ends (how far the rate had come down): lowest, median, highest.
    pub annealed: Spread,
    /// Checkpoints left out before twice each run's warmup.
    pub left_out: usize,
    /// N* and D* at each budget asked for, with `C = 6·N·D`.
    pub optimal: Vec<SweepOptimal>,
    /// Why there is no N* or D* when budgets were asked for: the law at the ends has no
    /// compute-optimal split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// The compute-optimal model of a budget from the joint law.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepOptimal {
    /// The budget, FLOPs.
    pub compute: f64,
    /// N*.
    pub n_params: f64,
    /// D*.
    pub n_tokens: f64,
    /// The loss predicted at the end of that run.
    pub loss: f64,
    /// N*'s bootstrap percentile interval at the fit's level, with `--bootstrap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_interval: Option<(f64, f64)>,
    /// D*'s interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d_interval: Option<(f64, f64)>,
}

/// A parameter's interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamInterval {
    /// Its name in the formula.
    pub name: String,
    /// Lower end.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
}

/// How sure a curve fit is (see [`crate::curve::bootstrap`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveUncertainty {
    /// Confidence level of the intervals.
    pub level: f64,
    /// Each parameter's bootstrap percentile interval.
    pub params: Vec<ParamInterval>,
    /// The law's error on left-out runs (or a lone run's left-out tail): what the bootstrap
    /// of the fitted runs does not see. `None` when no left-out refit converged.
    pub held_out: Option<HeldOutError>,
    /// How far the fitted data reach along each quantity the law extrapolates in (the summed
    /// learning rate; for the joint law N and the tokens at the peak rate), and how fast the
    /// law's error grows past them ([`crate::curve::bootstrap::reach`]).
    #[serde(default)]
    pub reach: Vec<Reach>,
    /// The bootstrap replicates.
    pub draws: CurveDraws,
}

/// The `kind` of a curve fit file.
const KIND: &str = crate::curve::FIT_KIND;

/// Most bootstrap replicates of a curve fit: each one is a refit.
pub const MAX_CURVE_DRAWS: usize = 20_000;

/// The largest sd of the log-normal noise `curve simulate --noise` draws.
pub const MAX_CURVE_NOISE: f64 = 10.0;

/// Parse `--schedule` values: `SPEC` for every run, `RUN=SPEC` for one.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--schedule` for a description that does not parse.
pub fn parse_schedules(values: &[String]) -> Result<Vec<(Option<String>, Schedule)>, Error> {
    parse_named_schedules(values, "--schedule")
}

/// Parse schedules given with `flag`: `SPEC`, or `NAME=SPEC` for a named one.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `flag` for a description that does not parse.
pub fn parse_named_schedules(
    values: &[String],
    flag: &str,
) -> Result<Vec<(Option<String>, Schedule)>, Error> {
    values
        .iter()
        .map(|v| {
            let (run, spec) = match v.split_once(':') {
                Some((head, _)) if head.contains('=') => {
                    let (run, spec) = v.split_once('=').expect("an = in the head");
                    (Some(run.trim().to_string()), spec)
                }
                _ => (None, v.as_str()),
            };
            Ok((run, Schedule::parse(spec, flag)?))
        })
        .collect()
}

/// The learning rate at every step of `log`'s run, and where it came from.
fn learning_rates(log: &RunLog, schedule: Option<&Schedule>) -> Result<(Vec<f64>, String), Error> {
    let last_step = log.steps.last().copied().unwrap_or(0);
    match (schedule, log.lr.as_deref()) {
        (Some(s), logged) => {
            let lrs = s.per_step();
            if let Some(logged) = logged {
                let worst = logged
                    .iter()
                    .filter(|(step, _)| *step < lrs.len())
                    .map(|&(step, lr)| (step, lr, (lr - lrs[step]).abs() / lrs[step].max(1e-300)))
                    .max_by(|a, b| a.2.total_cmp(&b.2));
                if let Some((step, lr, rel)) = worst.filter(|w| w.2 > LR_MISMATCH) {
                    return Err(Error::BadCurve {
                        run: log.run.clone(),
                        message: format!(
                            "the schedule gives a learning rate of {:.4e} at step {step} where \
                             {} logs {lr:.4e} ({:.1}% apart, the largest difference); fix \
                             --schedule or leave the logged rate out with --lr-col none",
                            lrs[step],
                            log.path,
                            100.0 * rel
                        ),
                    });
                }
            }
            Ok((lrs, format!("schedule ({} steps)", s.steps)))
        }
        (None, Some(logged)) if !logged.is_empty() => {
            let horizon = last_step.max(logged[logged.len() - 1].0) + 1;
            let lrs = interpolate(logged, horizon, "--lr-col").map_err(|e| match e {
                Error::InvalidOption { message, .. } => Error::BadCurve {
                    run: log.run.clone(),
                    message: format!("its logged learning rate: {message}"),
                },
                e => e,
            })?;
            let dense = logged.len() + 1 >= horizon;
            let source = if dense {
                "logged at every step".to_string()
            } else {
                format!(
                    "interpolated from {} logged rates, steps {} to {}",
                    logged.len(),
                    logged[0].0,
                    logged[logged.len() - 1].0
                )
            };
            Ok((lrs, source))
        }
        _ => Err(Error::BadCurve {
            run: log.run.clone(),
            message: format!(
                "{} has no learning rate for it: give --schedule (e.g. \
                 cosine:warmup=2000,peak=3e-4,final=3e-5,steps=100000) or --lr-col",
                log.path
            ),
        }),
    }
}

/// Read the logs of `request` and build the runs.
///
/// # Errors
///
/// Reading errors; a run without a learning rate; a schedule that contradicts a logged rate;
/// a run whose steps go backwards or lie past its schedule; a schedule for a run not found.
pub fn load_runs(
    paths: &[String],
    given: &[RunLog],
    log: &LogOptions,
    schedules: &[(Option<String>, Schedule)],
) -> Result<Vec<(CurveRun, String)>, Error> {
    let mut logs = Vec::new();
    for path in paths {
        logs.extend(load_logs(path, log)?);
    }
    logs.extend(given.iter().cloned());
    if logs.is_empty() {
        return Err(Error::invalid_option(
            "FILE",
            "no training logs given; give one or more files (or a data frame)",
        ));
    }
    for (name, _) in schedules {
        if let Some(name) = name
            && !logs.iter().any(|l| &l.run == name)
        {
            return Err(Error::InvalidOption {
                flag: "--schedule".into(),
                message: format!(
                    "no run is named '{name}'; the runs: {}",
                    logs.iter()
                        .map(|l| l.run.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    for (name, _) in &log.params {
        if !logs.iter().any(|l| names_run(name, &l.run)) {
            return Err(Error::InvalidOption {
                flag: "--run-params".into(),
                message: format!(
                    "no run is named '{name}' or starts with '{name}-', '{name}_' or '{name}.'; \
                     the runs: {}",
                    logs.iter()
                        .map(|l| l.run.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    let mut runs = Vec::new();
    for l in logs {
        if l.steps.is_empty() {
            continue;
        }
        let params = l.params.or_else(|| log.params_of(&l.run));
        let tokens = l.tokens_per_step.or(log.tokens_per_step);
        let schedule = schedules
            .iter()
            .find(|(n, _)| n.as_deref() == Some(l.run.as_str()))
            .or_else(|| schedules.iter().find(|(n, _)| n.is_none()))
            .map(|(_, s)| s);
        let (lrs, source) = learning_rates(&l, schedule)?;
        let mut run = CurveRun::new(l.run.clone(), lrs, l.steps, l.loss)?;
        if let (Some(params), Some(tokens)) = (params, tokens) {
            run = run.with_size(params, tokens)?;
        }
        runs.push((run, source));
    }
    Ok(runs)
}

/// Fit the law of `request` to every checkpoint of its runs.
///
/// # Errors
///
/// As [`load_runs`]; an unknown law; an output that is an input; no convergence.
pub fn curve_fit(
    request: &CurveFitRequest,
    progress: &dyn Progress,
) -> Result<CurveFitReport, Error> {
    let law = curve_law(&request.law, request.lambda)?;
    if !(request.delta.is_finite() && request.delta > 0.0) {
        return Err(Error::invalid_option(
            "--delta",
            format!("{} is not a positive number", request.delta),
        ));
    }
    if !request.budgets.is_empty() && !law.needs_size() {
        return Err(not_a_sweep_law(law.name()));
    }
    check_budgets(&request.budgets)?;
    if request.bootstrap > MAX_CURVE_DRAWS {
        return Err(Error::invalid_option(
            "--bootstrap",
            format!(
                "{} replicates is more than {MAX_CURVE_DRAWS} (each refits the law: 0.01–0.3 s \
                 per replicate on the published curves); 200 give stable 95% intervals",
                request.bootstrap
            ),
        ));
    }
    if request.bootstrap > 0 && !(request.level > 0.0 && request.level < 1.0) {
        return Err(Error::invalid_option(
            "--level",
            format!(
                "{} is not a level between 0 and 1, e.g. 0.95",
                request.level
            ),
        ));
    }
    if let Some(out) = &request.out {
        let inputs = request
            .paths
            .iter()
            .fold(Inputs::new(), |i, p| i.with(p, "an input file"));
        check_output("--out", out, &inputs)?;
    }
    progress.begin("reading the logs", 0);
    let runs = load_runs(
        &request.paths,
        &request.logs,
        &request.log,
        &request.schedules,
    )?;
    progress.end();
    let (mut runs, sources): (Vec<CurveRun>, Vec<String>) = runs.into_iter().unzip();
    let mut left_out = 0;
    if law.needs_size() {
        for run in &mut runs {
            let kept = run.past_warmup();
            left_out += run.steps.len() - kept.steps.len();
            *run = kept;
        }
    }
    let prepared: Vec<Prepared> = runs
        .into_iter()
        .map(|r| Prepared::new(r, SUM_TOLERANCE))
        .collect();
    progress.begin("fitting", 0);
    let options = CurveFitOptions {
        loss: ResidualLoss::Huber {
            delta: request.delta,
        },
        ..CurveFitOptions::default()
    };
    let fit = fit_curves(law.as_ref(), &prepared, &options)?;
    progress.end();
    let fitted: Vec<FittedRun> = prepared
        .iter()
        .zip(sources)
        .map(|(p, source)| FittedRun {
            run: p.run.name.clone(),
            checkpoints: p.len(),
            steps: (p.run.steps[0], p.run.steps[p.len() - 1]),
            learning_rate: source,
            scores: CurveScores::of(&p.run.loss, &predict(law.as_ref(), &fit.theta, p)),
        })
        .collect();
    let mean = CurveScores::mean(&fitted.iter().map(|r| r.scores).collect::<Vec<_>>());
    let uncertainty = (request.bootstrap > 0)
        .then(|| {
            uncertainty(
                law.as_ref(),
                &prepared,
                &fit.theta,
                &options,
                request,
                progress,
            )
        })
        .transpose()?;
    let sweep = law
        .needs_size()
        .then(|| sweep_end(request.lambda, &prepared, &fit.theta, left_out))
        .transpose()?;
    let report = CurveFitReport {
        kind: KIND.into(),
        law: law.name().into(),
        formula: law.formula().into(),
        citation: law.citation().into(),
        lambda: matches!(law.name(), "annealing" | "joint").then_some(request.lambda),
        delta: request.delta,
        params: fit
            .names
            .iter()
            .zip(&fit.theta)
            .map(|(n, v)| ParamValue {
                name: n.clone(),
                value: *v,
            })
            .collect(),
        objective: fit.objective,
        converged: fit.converged,
        starts: (fit.starts, fit.converged_starts),
        weak_params: fit.weak_params.clone(),
        weak_pairs: fit.weak_pairs.clone(),
        runs: fitted,
        mean,
        lr_floor: lr_floor(&prepared),
        uncertainty,
        sweep,
    };
    let mut report = report;
    if !request.budgets.is_empty() {
        let answers = sweep_optimal(&report, &request.budgets);
        if let Some(sweep) = report.sweep.as_mut() {
            match answers {
                Ok(optimal) => sweep.optimal = optimal,
                Err(e) => sweep.refused = Some(e.to_string()),
            }
        }
    }
    check_finite(&report, "the curve fit")?;
    if let Some(out) = &request.out {
        crate::output::write_atomically(out, |w| {
            serde_json::to_writer_pretty(&mut *w, &report).map_err(std::io::Error::other)?;
            writeln!(w)
        })?;
    }
    Ok(report)
}

/// The joint law's decayed-end law over `runs` (its N* and D* are added by
/// [`sweep_optimal`]).
fn sweep_end(
    lambda: f64,
    runs: &[Prepared],
    theta: &[f64],
    left_out: usize,
) -> Result<SweepEnd, Error> {
    let end = decayed_end(&Joint { lambda }, theta, runs).ok_or_else(|| Error::NoConvergence {
        message: "the joint law has no runs with a size to take their ends from".into(),
    })?;
    Ok(SweepEnd {
        law: end.law,
        kappa: end.kappa,
        annealed: end.annealed,
        left_out,
        optimal: Vec::new(),
        refused: None,
    })
}

/// `--budget` asked of a law that is not across sizes.
fn not_a_sweep_law(law: &str) -> Error {
    Error::invalid_option(
        "--budget",
        format!(
            "the {law} law is a law of one run's schedule; N* and D* at a budget come from \
             --law joint, fitted to runs of several sizes"
        ),
    )
}

/// Budgets that are positive numbers of FLOPs, or an error naming `--budget`.
fn check_budgets(budgets: &[f64]) -> Result<(), Error> {
    match budgets.iter().find(|c| !(c.is_finite() && **c > 0.0)) {
        Some(c) => Err(Error::invalid_option(
            "--budget",
            format!("{c} is not a positive number of FLOPs"),
        )),
        None => Ok(()),
    }
}

/// N* and D* at each of `budgets` (FLOPs, `C = 6·N·D`) from a joint-law fit's law at its runs'
/// ends, with percentile intervals at the fit's level from its bootstrap replicates (each
/// replicate's law of the ends at the same median schedule shape): the answers of `optimal
/// --fit` on the same fit ([`super::sweep_law`]).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--budget` for a fit of another law or a budget that is not
/// a positive number; as [`optimal_at`].
pub fn sweep_optimal(report: &CurveFitReport, budgets: &[f64]) -> Result<Vec<SweepOptimal>, Error> {
    if report.sweep.is_none() {
        return Err(not_a_sweep_law(&report.law));
    }
    check_budgets(budgets)?;
    let level = report.uncertainty.as_ref().map_or(0.95, |u| u.level);
    let interval = |e: &crate::uncertainty::Estimate| e.lower.zip(e.upper);
    // `curve fit --budget` asks it of the fit just made: a refusal names `--budget`, not the
    // `--fit` of `optimal`.
    let answers = optimal_at(&report.joint_ends(), budgets, level).map_err(|e| match e {
        Error::InvalidOption { flag, message } if flag == "--fit" => Error::InvalidOption {
            flag: "--budget".into(),
            message: message.replacen("the fit: ", "", 1),
        },
        other => other,
    })?;
    let optimal: Vec<SweepOptimal> = answers
        .iter()
        .filter_map(|o| {
            let (n, d) = (o.n_params.as_ref()?, o.n_tokens.as_ref()?);
            Some(SweepOptimal {
                compute: o.compute.value,
                n_params: n.value,
                n_tokens: d.value,
                loss: o.loss.value,
                n_interval: interval(n),
                d_interval: interval(d),
            })
        })
        .collect();
    check_finite(&optimal, "N* and D* of the joint law")?;
    Ok(optimal)
}

/// The lowest rate after the peak over the runs, up to each one's last checkpoint.
fn lr_floor(runs: &[Prepared]) -> Option<f64> {
    runs.iter()
        .filter_map(|p| {
            let seen = &p.run.lrs[..=p.run.steps[p.len() - 1]];
            let peak = seen.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?.0;
            seen[peak..].iter().copied().reduce(f64::min)
        })
        .reduce(f64::min)
}

/// The bootstrap of a fit, its parameter intervals, and the held-out error and its growth.
fn uncertainty(
    law: &dyn CurveLaw,
    runs: &[Prepared],
    theta: &[f64],
    options: &CurveFitOptions,
    request: &CurveFitRequest,
    progress: &dyn Progress,
) -> Result<CurveUncertainty, Error> {
    let draws = bootstrap_curves(
        law,
        runs,
        theta,
        options,
        request.bootstrap,
        request.seed,
        progress,
    )?;
    progress.begin("leaving runs out", 0);
    let held_out = held_out_error(law, runs, theta, options, request.level);
    let reach = reach(
        law,
        runs,
        theta,
        options,
        request.level,
        held_out.map_or(0.0, |h| h.quantile),
    );
    progress.end();
    let params = law
        .params()
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let mut col: Vec<f64> = draws.theta.iter().map(|t| t[j]).collect();
            col.sort_by(f64::total_cmp);
            ParamInterval {
                name: p.name.to_string(),
                lower: quantile(&col, (1.0 - request.level) / 2.0),
                upper: quantile(&col, (1.0 + request.level) / 2.0),
            }
        })
        .collect();
    Ok(CurveUncertainty {
        level: request.level,
        params,
        held_out,
        reach,
        draws,
    })
}

impl CurveUncertainty {
    /// Check a saved uncertainty against `law`: the level, every draw's length and values,
    /// the held-out error and its growth; the error names the field.
    fn check(&self, law: &dyn CurveLaw) -> Result<(), String> {
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(format!(
                "uncertainty.level: {} is not in (0, 1)",
                self.level
            ));
        }
        if self.draws.theta.len() < 2 {
            return Err(format!(
                "uncertainty.draws.theta: {} draws; an interval needs 2 or more",
                self.draws.theta.len()
            ));
        }
        let p = law.params().len();
        for (i, t) in self.draws.theta.iter().enumerate() {
            if t.len() != p {
                return Err(format!(
                    "uncertainty.draws.theta[{i}]: {} values where the {} law has {p}",
                    t.len(),
                    law.name()
                ));
            }
            if let Some((v, spec)) = t
                .iter()
                .zip(law.params())
                .find(|(v, spec)| !v.is_finite() || (spec.log && **v <= 0.0))
            {
                return Err(format!(
                    "uncertainty.draws.theta[{i}]: {} is {v}",
                    spec.name
                ));
            }
        }
        let axes: Vec<&str> = self.reach.iter().map(|r| r.axis.as_str()).collect();
        let expected = law.reach_axes();
        if axes != expected {
            return Err(format!(
                "uncertainty.reach: {} where the {} law extrapolates in {} (a file of an \
                 older version: refit with `curve fit --bootstrap`)",
                if axes.is_empty() {
                    "nothing".to_string()
                } else {
                    axes.join(", ")
                },
                law.name(),
                expected.join(", ")
            ));
        }
        let bad_scale = |v: f64| !(v.is_finite() && v >= 0.0);
        if let Some(h) = &self.held_out
            && (bad_scale(h.quantile) || bad_scale(h.mean))
        {
            return Err(format!(
                "uncertainty.held_out: {} and {} are not errors of 0 or more",
                h.quantile, h.mean
            ));
        }
        for (k, r) in self.reach.iter().enumerate() {
            if !(r.max.is_finite() && r.max > 0.0) {
                return Err(format!(
                    "uncertainty.reach[{k}].max: {} is not positive",
                    r.max
                ));
            }
            if let Some(g) = r.growth
                && bad_scale(g)
            {
                return Err(format!(
                    "uncertainty.reach[{k}].growth: {g} is not 0 or more"
                ));
            }
        }
        Ok(())
    }
}

impl CurveFitReport {
    /// Read a saved fit and check it: its kind, a known law with its parameters by name, all
    /// finite and the positive ones positive.
    ///
    /// # Errors
    ///
    /// [`Error::FitFile`] naming the file and the field that is wrong.
    pub fn load(path: &str) -> Result<(CurveFitReport, Box<dyn CurveLaw>), Error> {
        let text = crate::saved::read_fit_text(
            std::path::Path::new(path),
            path,
            "scaling-laws curve fit --out",
        )?;
        CurveFitReport::from_json(&text, path)
    }

    /// A fit from its JSON (as `curve fit --out` writes it), checked as [`CurveFitReport::load`]
    /// checks a file; `shown` names it in messages.
    ///
    /// # Errors
    ///
    /// [`Error::FitFile`] naming `shown` and the field that is wrong.
    pub fn from_json(
        text: &str,
        shown: &str,
    ) -> Result<(CurveFitReport, Box<dyn CurveLaw>), Error> {
        let bad = |message: String| Error::FitFile {
            path: shown.to_string(),
            message,
        };
        let report: CurveFitReport = serde_json::from_str(text).map_err(|e| {
            let at = crate::saved::json_path_of_error(text, &e);
            bad(format!(
                "not a curve fit saved by `curve fit --out`: malformed at {at} ({e})"
            ))
        })?;
        if report.kind != KIND {
            return Err(bad(format!("its kind is '{}', not '{KIND}'", report.kind)));
        }
        let law = curve_law(&report.law, report.lambda.unwrap_or(DEFAULT_LAMBDA))
            .map_err(|e| bad(format!("law: {e}")))?;
        let names: Vec<&str> = law.params().iter().map(|p| p.name).collect();
        let found: Vec<&str> = report.params.iter().map(|p| p.name.as_str()).collect();
        if names != found {
            return Err(bad(format!(
                "params: the {} law has {}, the file {}",
                law.name(),
                names.join(", "),
                found.join(", ")
            )));
        }
        for (p, spec) in report.params.iter().zip(law.params()) {
            if !p.value.is_finite() || (spec.log && p.value <= 0.0) {
                return Err(bad(format!("params: {} is {}", p.name, p.value)));
            }
        }
        if let Some(u) = &report.uncertainty {
            u.check(law.as_ref()).map_err(bad)?;
        }
        if let Some(f) = report.lr_floor
            && !(f.is_finite() && f > 0.0)
        {
            return Err(bad(format!(
                "lr_floor: {f} is not a positive learning rate"
            )));
        }
        if let Some(sw) = &report.sweep {
            let l = &sw.law;
            let values = [l.param_coef, l.data_coef, l.alpha, l.beta];
            if !l.irreducible.is_finite() || values.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(bad(format!(
                    "sweep.law: E must be a number and A, B, alpha, beta positive numbers, got \
                     {:?}",
                    [l.irreducible, l.param_coef, l.data_coef, l.alpha, l.beta]
                )));
            }
        }
        Ok((report, law))
    }

    /// What its law of N and D is made from ([`super::sweep_law`]).
    pub fn joint_ends(&self) -> JointEnds<'_> {
        JointEnds {
            law: &self.law,
            theta: self.theta(),
            ends: self.sweep.as_ref().map(|s| (s.kappa, s.annealed)),
            replicates: self.uncertainty.as_ref().map_or(&[], |u| &u.draws.theta),
            failed: self.uncertainty.as_ref().map_or(0, |u| u.draws.failed),
            seed: self.uncertainty.as_ref().map_or(0, |u| u.draws.seed),
            objective: self.objective,
            starts: self.starts,
            converged: self.converged,
            runs: self.runs.len(),
        }
    }

    /// The fitted parameters in the law's order.
    pub fn theta(&self) -> Vec<f64> {
        self.params.iter().map(|p| p.value).collect()
    }
}

/// The trajectory to predict.
#[derive(Debug, Clone)]
pub struct CurvePredictRequest {
    /// A saved curve fit.
    pub fit: String,
    /// The schedule to predict under.
    pub schedule: Schedule,
    /// Predict at every this many steps (and at the last step).
    pub every: usize,
    /// A loss to reach: the first step at which the prediction (and its band) reaches it.
    pub target_loss: Option<f64>,
    /// The model's parameters and tokens per step, for the joint law across sizes.
    pub size: Option<(f64, f64)>,
}

/// When a predicted trajectory first reaches a target loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetReach {
    /// The loss to reach.
    pub loss: f64,
    /// The first predicted step at or below it; `None`: not within the schedule.
    pub step: Option<usize>,
    /// The first step at which the band's lower end reaches it (the earliest it may be
    /// reached); `None`: not within the schedule, or no band.
    pub earliest: Option<usize>,
    /// The first step at which the band's upper end reaches it (by then it is reached, at the
    /// band's level); `None`: not within the schedule (cannot tell whether it is reached), or
    /// no band.
    pub latest: Option<usize>,
}

/// The predicted loss along a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePrediction {
    /// The law.
    pub law: String,
    /// Steps.
    pub step: Vec<usize>,
    /// The learning rate at each.
    pub lr: Vec<f64>,
    /// The predicted loss at each.
    pub loss: Vec<f64>,
    /// The band's level, when the fit was bootstrapped (`curve fit --bootstrap`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<f64>,
    /// The band's lower end at each step (empty without a band).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lower: Vec<f64>,
    /// The band's upper end at each step (empty without a band).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upper: Vec<f64>,
    /// How far each step lies past the fitted data, in the quantity the law reaches furthest
    /// in: `ln(S1 / S1_max)`, for the joint law the larger of `ln(N / N_max)` and
    /// `ln(D_η / D_η,max)` (0 inside); empty without a bootstrapped fit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub past_data: Vec<f64>,
    /// When the target loss is reached, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetReach>,
}

/// Predict the loss trajectory of a saved fit under a schedule, with a band when the fit was
/// bootstrapped.
///
/// # Errors
///
/// A bad fit file; `every` of 0; a target loss that is not a positive number; a prediction
/// that is not a positive number (the law does not hold so far from its data).
pub fn curve_predict(request: &CurvePredictRequest) -> Result<CurvePrediction, Error> {
    let (saved, law) = CurveFitReport::load(&request.fit)?;
    predict_with(&saved, law.as_ref(), request)
}

/// [`curve_predict`] with the fit in memory (its file name in `request` unused).
///
/// # Errors
///
/// As [`curve_predict`], but for the file.
pub fn predict_with(
    saved: &CurveFitReport,
    law: &dyn CurveLaw,
    request: &CurvePredictRequest,
) -> Result<CurvePrediction, Error> {
    if request.every == 0 {
        return Err(Error::invalid_option("--every", "0 steps; give 1 or more"));
    }
    if let Some(t) = request.target_loss
        && !(t.is_finite() && t > 0.0)
    {
        return Err(Error::invalid_option(
            "--target-loss",
            format!("{t} is not a positive loss"),
        ));
    }
    let lrs = request.schedule.per_step();
    let last = lrs.len() - 1;
    let mut steps: Vec<usize> = (1..=last / request.every)
        .map(|i| i * request.every)
        .collect();
    if steps.last() != Some(&last) {
        steps.push(last);
    }
    if law.needs_size() && request.size.is_none() {
        return Err(Error::invalid_option(
            "--params",
            format!(
                "the {} law predicts a model of a given size: give --params N and \
                 --tokens-per-step T",
                law.name()
            ),
        ));
    }
    let size = request.size.filter(|_| law.needs_size());
    let run = schedule_run("predicted", lrs.clone(), steps.clone(), size, SUM_TOLERANCE)?;
    let Trajectory {
        loss,
        lower,
        upper,
        past,
    } = trajectory(saved, law, &run);
    if let Some(i) = loss.iter().position(|l| !(l.is_finite() && *l > 0.0)) {
        return Err(Error::invalid_option(
            "--schedule",
            format!(
                "the law predicts a loss of {} at step {}; the schedule lies too far from the fitted runs",
                loss[i], steps[i]
            ),
        ));
    }
    let first_at =
        |values: &[f64], target: f64| values.iter().position(|&v| v <= target).map(|i| steps[i]);
    let target = request.target_loss.map(|t| TargetReach {
        loss: t,
        step: first_at(&loss, t),
        earliest: first_at(&lower, t),
        latest: first_at(&upper, t),
    });
    let prediction = CurvePrediction {
        law: saved.law.clone(),
        lr: steps.iter().map(|&s| lrs[s]).collect(),
        level: (!lower.is_empty())
            .then(|| saved.uncertainty.as_ref().map(|u| u.level))
            .flatten(),
        step: steps,
        loss,
        lower,
        upper,
        past_data: past,
        target,
    };
    check_finite(&prediction, "the predicted curve")?;
    Ok(prediction)
}

/// A fit's predicted loss at each checkpoint of a run, with its band.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// The predicted loss.
    pub loss: Vec<f64>,
    /// The band's lower end (empty without a band: no bootstrap, or its error past the data
    /// could not be measured).
    pub lower: Vec<f64>,
    /// The band's upper end.
    pub upper: Vec<f64>,
    /// How far each checkpoint lies past the fitted data, along the quantity it lies furthest
    /// in (empty without a bootstrap).
    pub past: Vec<f64>,
}

/// The trajectory `curve predict` gives at the checkpoints of `run` (its schedule, and for the
/// joint law its size): the law's prediction and, for a bootstrapped fit, the band of its
/// replicates widened by the law's error on data left out and by its growth past the data
/// ([`prediction_band`]).
pub fn trajectory(saved: &CurveFitReport, law: &dyn CurveLaw, run: &Prepared) -> Trajectory {
    use rayon::prelude::*;
    let loss = predict(law, &saved.theta(), run);
    let (mut lower, mut upper, mut past) = (Vec::new(), Vec::new(), Vec::new());
    if let Some(u) = &saved.uncertainty {
        let curves: Vec<Vec<f64>> = u
            .draws
            .theta
            .par_iter()
            .map(|t| predict(law, t, run))
            .collect();
        let along = past_data(law, &u.reach, run);
        past = (0..run.len())
            .map(|i| along.iter().map(|d| d[i]).fold(0.0, f64::max))
            .collect();
        let growth: Option<Vec<f64>> = u.reach.iter().map(|r| r.growth).collect();
        if let (Some(held), Some(growth)) = (u.held_out, growth) {
            (lower, upper) =
                prediction_band(&loss, &curves, &along, held.quantile, &growth, u.level);
        }
    }
    Trajectory {
        loss,
        lower,
        upper,
        past,
    }
}

/// Runs to draw from a known curve law.
#[derive(Debug, Clone)]
pub struct CurveSimulateRequest {
    /// The law drawn from: `multi-power` (one model size) or `joint` (a sweep of sizes).
    pub law: String,
    /// Each run's name and schedule (none: the law's default runs, [`multi_power_runs`] or
    /// [`joint_ladder`]).
    pub runs: Vec<(String, Schedule)>,
    /// The true parameters; `None`: the multi-power law's published 400M fit, or for the
    /// joint law [`JOINT_SIMULATED`].
    pub truth: Option<Vec<f64>>,
    /// For the joint law: each run's parameter count, `(run or its start, N)` as in
    /// [`LogOptions::params`] (none: the default ladder's).
    pub params: Vec<(String, f64)>,
    /// For the joint law: tokens per step of every run.
    pub tokens_per_step: f64,
    /// A checkpoint every this many steps.
    pub every: usize,
    /// Standard deviation of the log-loss noise.
    pub noise: f64,
    /// Seed of the noise (ChaCha8).
    pub seed: u64,
}

impl Default for CurveSimulateRequest {
    fn default() -> Self {
        CurveSimulateRequest {
            law: "multi-power".into(),
            runs: Vec::new(),
            truth: None,
            params: Vec::new(),
            tokens_per_step: JOINT_TOKENS_PER_STEP,
            every: 250,
            noise: 0.003,
            seed: 20250317,
        }
    }
}

/// The default runs of `curve simulate`: cosine, constant and WSD (1−sqrt cooldown) runs of
/// 24,000 steps, warmup 2,000, peak 3e-4, final 3e-5.
pub fn multi_power_runs() -> Vec<(String, Schedule)> {
    let head = "warmup=2000,peak=3e-4";
    let spec = |s: String| Schedule::parse(&s, "--schedule").expect("a valid default");
    vec![
        (
            "cosine".into(),
            spec(format!("cosine:{head},final=3e-5,steps=24000")),
        ),
        (
            "constant".into(),
            spec(format!("constant:{head},steps=24000")),
        ),
        (
            "wsd".into(),
            spec(format!(
                "wsd:{head},final=3e-5,decay=20000,steps=24000,cooldown=sqrt"
            )),
        ),
    ]
}

/// The joint law's parameters `E, A, α, B, β, C` that `curve simulate --law joint` draws from
/// by default: rounded from its fit to the OLMo ladder's C4 loss (`curve_sweep` bench; a
/// 100k-token vocabulary, so the losses are not comparable with other tokenizers').
pub const JOINT_SIMULATED: [f64; 6] = [2.04, 31.8, 0.193, 129.0, 0.229, 0.151];

/// Tokens per step of the joint law's simulated runs by default.
pub const JOINT_TOKENS_PER_STEP: f64 = 65_536.0;

/// Runs by name, each with its schedule.
pub type NamedSchedules = Vec<(String, Schedule)>;

/// The default ladder of `curve simulate --law joint`: five sizes from 50M to 800M, each
/// trained for 10, 20 and 40 tokens per parameter under cosine to 10% of a 1e-3 peak with a
/// 2% warmup, at [`JOINT_TOKENS_PER_STEP`].
pub fn joint_ladder() -> (NamedSchedules, Vec<(String, f64)>) {
    let mut runs = Vec::new();
    let mut params = Vec::new();
    for (label, n) in [
        ("50M", 5e7),
        ("100M", 1e8),
        ("200M", 2e8),
        ("400M", 4e8),
        ("800M", 8e8),
    ] {
        params.push((label.to_string(), n));
        for ratio in [10, 20, 40] {
            let steps = (n * f64::from(ratio) / JOINT_TOKENS_PER_STEP).round() as usize;
            let spec = format!(
                "cosine:warmup={},peak=1e-3,final=1e-4,steps={steps}",
                steps / 50
            );
            let schedule = Schedule::parse(&spec, "--schedule").expect("a valid default");
            runs.push((format!("{label}-{ratio}x"), schedule));
        }
    }
    (runs, params)
}

/// One simulated checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatedCheckpoint {
    /// The run.
    pub run: String,
    /// The step.
    pub step: usize,
    /// The learning rate at the step.
    pub lr: f64,
    /// The loss drawn: the law's times `exp(noise·z)`.
    pub loss: f64,
    /// The model's parameter count and tokens per step (joint law only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<(f64, f64)>,
}

/// Draw training curves from the multi-power law under the request's schedules.
///
/// # Errors
///
/// [`Error::InvalidOption`] for a truth of the wrong length or sign, `every` of 0, a negative
/// or non-finite noise.
pub fn curve_simulate(request: &CurveSimulateRequest) -> Result<Vec<SimulatedCheckpoint>, Error> {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    let joint = match request.law.as_str() {
        "multi-power" => false,
        "joint" => true,
        other => {
            return Err(Error::invalid_option(
                "--law",
                format!("`{other}` cannot be simulated; the laws: multi-power, joint"),
            ));
        }
    };
    let law: Box<dyn CurveLaw> = if joint {
        Box::new(Joint {
            lambda: DEFAULT_LAMBDA,
        })
    } else {
        Box::new(crate::curve::law::MultiPower)
    };
    let theta = request.truth.clone().unwrap_or_else(|| {
        if joint {
            JOINT_SIMULATED.to_vec()
        } else {
            crate::curve::law::MULTI_POWER_PUBLISHED[2].1.to_vec()
        }
    });
    let count = law.params().len();
    if theta.len() != count || theta.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        let names: Vec<&str> = law.params().iter().map(|p| p.name).collect();
        return Err(Error::invalid_option(
            "--truth",
            format!(
                "give the {count} positive parameters {} of the {} law",
                names.join(","),
                law.name()
            ),
        ));
    }
    let (runs, params) = match (joint, request.runs.is_empty()) {
        (true, true) => joint_ladder(),
        (false, true) => (multi_power_runs(), Vec::new()),
        _ => (request.runs.clone(), request.params.clone()),
    };
    if joint && !(request.tokens_per_step.is_finite() && request.tokens_per_step > 0.0) {
        return Err(Error::invalid_option(
            "--tokens-per-step",
            format!("{} is not a positive number", request.tokens_per_step),
        ));
    }
    if request.every == 0 {
        return Err(Error::invalid_option("--every", "0 steps; give 1 or more"));
    }
    // Each loss is multiplied by exp(N(0, sd)): an sd beyond 10 is no noise model (and beyond
    // about 100 the factor overflows to infinity).
    let noise = Normal::new(0.0, request.noise)
        .ok()
        .filter(|_| request.noise.is_finite() && (0.0..=MAX_CURVE_NOISE).contains(&request.noise))
        .ok_or_else(|| {
            Error::invalid_option(
                "--noise",
                format!(
                    "{} is not an sd from 0 to {MAX_CURVE_NOISE} (each loss is multiplied by \
                     exp(N(0, sd)))",
                    request.noise
                ),
            )
        })?;
    // The law's prediction of a run holds a row of the run's steps per checkpoint: about 12
    // bytes per checkpoint and step (every step of three 24,000-step runs, --every 1, took
    // 6.8 GB at most), counted as 16 for the allocator's slack.
    let largest = runs
        .iter()
        .map(|(_, s)| {
            let steps = s.steps as f64;
            (steps / request.every as f64).floor() * steps
        })
        .fold(0.0, f64::max);
    crate::resources::require_memory("--every", largest, 16.0, "the predicted curves").map_err(
        |_| {
            Error::invalid_option(
                "--every",
                format!(
                    "{}: a checkpoint every {} steps needs about {:.1} GB for the predicted \
                     curves, more than the memory available; give a larger --every",
                    request.every,
                    request.every,
                    largest * 16.0 / 1e9
                ),
            )
        },
    )?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(request.seed);
    let mut out = Vec::new();
    for (name, schedule) in &runs {
        let size = if joint {
            let n = value_for_run(&params, name).ok_or_else(|| {
                Error::invalid_option(
                    "--run-params",
                    format!("run {name} has no parameter count; give --run-params {name}=N"),
                )
            })?;
            Some((n, request.tokens_per_step))
        } else {
            None
        };
        let lrs = schedule.per_step();
        let steps: Vec<usize> = (1..)
            .map(|i| i * request.every)
            .take_while(|&s| s < lrs.len())
            .collect();
        if steps.is_empty() {
            return Err(Error::invalid_option(
                "--every",
                format!(
                    "{} steps leave run {name} ({} steps) without checkpoints",
                    request.every,
                    lrs.len()
                ),
            ));
        }
        let run = schedule_run(name, lrs.clone(), steps.clone(), size, 0.0)?;
        let mean = predict(law.as_ref(), &theta, &run);
        for (step, m) in steps.into_iter().zip(mean) {
            out.push(SimulatedCheckpoint {
                run: name.clone(),
                step,
                lr: lrs[step],
                loss: m * noise.sample(&mut rng).exp(),
                size,
            });
        }
    }
    check_finite(&out, "the simulated curves")?;
    Ok(out)
}
