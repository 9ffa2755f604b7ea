//! `optimal`: the compute-optimal allocation for budgets (in FLOPs, GPU time or money), the
//! budget at which a size is optimal, the least compute that reaches a loss, and how given
//! models compare; with bootstrap intervals, the plan and shapes of each budget's model,
//! inference-aware sizes and allocations under a unique-token limit.

use std::path::PathBuf;

use serde::Serialize;

use crate::answer::data_limit::DataLimit;
use crate::answer::decision::{ModelDecision, ShapeOptions, decide};
use crate::answer::inference::InferenceAnswers;
use crate::answer::optimal::{Answers, QuestionOptions, Questions};
use crate::data::Dataset;
use crate::error::Error;
use crate::plan::TrainingSetup;
use crate::plan::budget::{BudgetAmount, BudgetConversion, convert};
use crate::plan::options::{BudgetUnits, HardwareOptions};
use crate::progress::{Note, Progress};
use crate::saved::SavedFit;
use crate::uncertainty::{BootstrapConfig, PredictiveModel};

use super::sweep_law::SweepOrigin;
use super::{FitSource, Resolved};

/// The questions of `optimal` and what to answer them with.
#[derive(Debug, Clone)]
pub struct OptimalRequest {
    /// The fit: data to fit now, a saved fit (of `fit --out`, or a joint curve fit of `curve
    /// fit --law joint --out`, answered from its law of N and D), or a fit in memory.
    pub source: FitSource,
    /// Budgets, sizes, target losses, models to assess, and the level of intervals.
    pub questions: QuestionOptions,
    /// Bootstrap the fit now (instead of using the draws a saved fit holds).
    pub bootstrap: Option<BootstrapConfig>,
    /// The accelerator the answers are planned on.
    pub hardware: HardwareOptions,
    /// A budget in GPU time or money, answered beside the FLOP budgets.
    pub budget_units: BudgetUnits,
    /// Optimizer, micro-batch and recomputation of the plans (its `gpus` is set from
    /// `hardware.gpus`).
    pub setup: TrainingSetup,
    /// Propose shapes for each budget's N*.
    pub shapes: Option<ShapeOptions>,
    /// Tokens the model will serve: inference-aware sizes.
    pub inference_tokens: Option<f64>,
    /// Unique tokens available: allocations under that limit.
    pub unique_tokens: Option<f64>,
    /// Save the fit, with its bootstrap draws, here.
    pub out: Option<PathBuf>,
}

/// The answers of `optimal`.
#[derive(Debug, Clone, Serialize)]
pub struct OptimalReport {
    /// The fit answered from, with the bootstrap draws behind the intervals.
    pub fit: SavedFit,
    /// The answers to the questions.
    pub answers: Answers,
    /// The plan (and shapes) of each budget's model, when hardware, a GPU count, a budget in
    /// hardware units or shapes were asked for; the budget in hardware units keeps its
    /// conversion.
    pub decisions: Vec<ModelDecision>,
    /// Inference-aware sizes, when inference tokens were given.
    pub inference: Option<InferenceAnswers>,
    /// Allocations under the unique-token limit, when one was given and a budget is answered.
    pub data_limit: Option<DataLimit>,
    /// Where the law came from when the fit is a joint curve fit's law of N and D.
    pub sweep: Option<SweepOrigin>,
}

/// Answer `request`: resolve the fit (fitting or reading it), bootstrap it when asked, answer
/// the questions, plan the answers, and save the fit when asked. Warnings and notes go to
/// `progress` as they arise.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of an invalid option or question; as
/// [`super::FitSource::resolve`], [`crate::uncertainty::bootstrap()`],
/// [`crate::answer::optimal::answer_with`], [`decide`], [`crate::answer::inference::answer`] and
/// [`crate::answer::data_limit::data_limit`]; [`Error::NotFinite`]; [`Error::Stopped`].
pub fn optimal(request: OptimalRequest, progress: &dyn Progress) -> Result<OptimalReport, Error> {
    let (hardware, note) = request.hardware.resolve()?;
    if let Some(note) = note {
        progress.note(&Note::Info(note));
    }
    let hardware_budget = request.budget_units.convert(&request.hardware)?;
    let mut options = request.questions;
    // The budget in hardware units is answered after those given in FLOPs, before the range.
    let hardware_budget_at = hardware_budget.as_ref().map(|b| {
        options.budget.push(b.flops);
        options.budget.len() - 1
    });
    let out = request.out.as_deref();
    let source = request.source.reading_curve_fits()?;
    if let FitSource::Sweep(sweep) = &source {
        refuse_for_sweep(&sweep.origin, &request.bootstrap, out, &options)?;
    }
    // The fit's warnings are part of the report (`fit.report.diagnostics.warnings`), listed
    // there once.
    let mut resolved = source.resolve(out, progress)?;
    let questions = options.questions(resolved.fit.provenance.flops_per_param_token)?;
    // The runs are needed for the bootstrap and for prediction intervals (assessed models),
    // and for the extrapolation check when at hand.
    let needs_data = request.bootstrap.is_some() || !questions.assess.is_empty();
    if resolved.sweep.is_some() {
        progress.note(&Note::Info(
            "no extrapolation check: a joint curve fit keeps no table of its runs' N and D".into(),
        ));
    } else {
        with_runs(&mut resolved, needs_data, progress)?;
    }
    let sweep = resolved.sweep.take();
    let (mut fit, data) = (resolved.fit, resolved.data);
    if let (Some(config), Some(data)) = (&request.bootstrap, &data) {
        fit = super::bootstrap::bootstrap(&fit, data, config, progress)?;
    }
    let mut answers = answer(&fit, data.as_ref(), &questions)?;
    crate::finite::check_finite(&fit, "the fit")?;
    crate::finite::check_finite(&answers, "the answers")?;
    let setup = TrainingSetup {
        gpus: request.hardware.gpus,
        ..request.setup
    };
    let plans = Plans {
        hardware: hardware.as_ref(),
        gpus: request.hardware.gpus,
        setup,
        shapes: request.shapes,
        hardware_budget: hardware_budget.zip(hardware_budget_at),
    };
    let decisions = plans.decide(&answers)?;
    crate::finite::check_finite(&decisions, "the plans")?;
    let inference = request
        .inference_tokens
        .map(|t| {
            crate::answer::inference::answer(
                &fit.report.fitted,
                fit.bootstrap.as_ref(),
                &questions,
                t,
            )
        })
        .transpose()?;
    crate::finite::check_finite(&inference, "the inference-aware answers")?;
    if let Some(out) = out {
        fit.save(out)?;
    }
    let data_limit = request
        .unique_tokens
        .map(|u| limited(&fit, &mut answers, u))
        .transpose()?
        .flatten();
    Ok(OptimalReport {
        fit,
        answers,
        decisions,
        inference,
        data_limit,
        sweep,
    })
}

/// Refuse what a joint curve fit's law of N and D cannot answer: a new bootstrap and assessed
/// models need the runs as a table of (N, D, loss), and `--out` saves a fit of such a table.
fn refuse_for_sweep(
    origin: &SweepOrigin,
    bootstrap: &Option<BootstrapConfig>,
    out: Option<&std::path::Path>,
    questions: &QuestionOptions,
) -> Result<(), Error> {
    let file = &origin.file;
    if bootstrap.is_some() {
        return Err(Error::invalid_option(
            "--bootstrap",
            format!(
                "{file} is a joint curve fit, which has no table of runs to resample here; its \
                 intervals come from its own replicates: refit with `scaling-laws curve fit \
                 LOGS --law joint --bootstrap N --out {file}` and drop --bootstrap"
            ),
        ));
    }
    if !questions.assess.is_empty() || !questions.assess_model.is_empty() {
        let flag = if questions.assess.is_empty() {
            "--assess-model"
        } else {
            "--assess"
        };
        return Err(Error::invalid_option(
            flag,
            format!(
                "{file} is a joint curve fit: a model's prediction interval needs the runs as a \
                 table of (N, D, loss), which it does not keep; predict a model's loss along its \
                 run with `scaling-laws curve predict --fit {file} --params N \
                 --tokens-per-step T --schedule SPEC`, or ask --budget, --params or --target-loss"
            ),
        ));
    }
    if let Some(out) = out {
        return Err(Error::invalid_option(
            "--out",
            format!(
                "{} would save a fit of a table of runs, and {file} is a joint curve fit, already \
                 saved; drop --out and answer from {file}",
                out.display()
            ),
        ));
    }
    Ok(())
}

/// Reload the runs of a fit read from its file: an error when they are `needed`, else a note
/// that the extrapolation check cannot be made.
fn with_runs(resolved: &mut Resolved, needed: bool, progress: &dyn Progress) -> Result<(), Error> {
    if resolved.data.is_some() {
        return Ok(());
    }
    match resolved.runs() {
        Ok(d) => resolved.data = Some(d.into_owned()),
        Err(e) if needed => return Err(e),
        Err(e) if resolved.path.is_some() => progress.note(&Note::Info(format!(
            "no extrapolation check against the fitted runs: {e}"
        ))),
        Err(_) => {}
    }
    Ok(())
}

/// The answers to `questions` under `fit`, with prediction intervals for assessed models and
/// warnings for answers far beyond the fitted runs when the runs are at hand.
fn answer(fit: &SavedFit, data: Option<&Dataset>, questions: &Questions) -> Result<Answers, Error> {
    let fitted = &fit.report.fitted;
    let model = data
        .filter(|_| !questions.assess.is_empty())
        .map(|d| PredictiveModel::new(&d.observations(), fitted, questions.level));
    let mut answers = crate::answer::optimal::answer_with(
        fitted,
        fit.bootstrap.as_ref(),
        model.as_ref(),
        questions,
    )?;
    if let Some(largest) = data.and_then(|d| d.compute.iter().copied().reduce(f64::max)) {
        let far = crate::answer::optimal::extrapolation_warnings(&answers, largest);
        answers.warnings.extend(far);
    }
    Ok(answers)
}

/// The allocations under `unique_tokens` of the budgets answered (none when no budget is),
/// whose warnings join the answers'.
fn limited(
    fit: &SavedFit,
    answers: &mut Answers,
    unique_tokens: f64,
) -> Result<Option<DataLimit>, Error> {
    let limit = crate::answer::data_limit::data_limit(
        &fit.report.fitted,
        fit.bootstrap.as_ref(),
        &answers.budgets,
        unique_tokens,
        answers.flops_per_param_token,
        answers.level,
    )?;
    crate::finite::check_finite(&limit, "the data-limited answers")?;
    answers.warnings.extend(limit.warnings.iter().cloned());
    Ok(Some(limit).filter(|l| !l.allocations.is_empty()))
}

/// How the answers are turned into training runs.
struct Plans<'a> {
    hardware: Option<&'a crate::plan::Hardware>,
    gpus: Option<usize>,
    setup: TrainingSetup,
    shapes: Option<ShapeOptions>,
    /// The budget given in hardware units, and its place among the budgets answered.
    hardware_budget: Option<(BudgetConversion, usize)>,
}

impl Plans<'_> {
    /// A decision for every budget answered when hardware (or a GPU count), a budget in
    /// hardware units or shapes are asked for; none otherwise.
    fn decide(&self, answers: &Answers) -> Result<Vec<ModelDecision>, Error> {
        let planned = self.hardware.is_some() || self.gpus.is_some();
        if !planned && self.shapes.is_none() && self.hardware_budget.is_none() {
            return Ok(Vec::new());
        }
        answers
            .budgets
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let budget = match &self.hardware_budget {
                    Some((b, at)) if *at == i => b.clone(),
                    _ => convert(
                        BudgetAmount::Flops {
                            flops: o.compute.value,
                        },
                        None,
                    )?,
                };
                decide(
                    budget,
                    o.clone(),
                    self.setup,
                    self.hardware.cloned(),
                    self.gpus,
                    self.shapes,
                )
            })
            .collect()
    }
}
