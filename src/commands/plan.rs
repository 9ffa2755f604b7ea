//! `plan`: what training a model takes (FLOPs, memory by precision and parallelism, time and
//! cost on hardware), for a model described by name, size, architecture or shape, or the
//! compute-optimal model of a fit for a budget (in FLOPs, GPU time or money).

use serde::Serialize;

use crate::answer::decision::{ModelDecision, ShapeOptions, decide, with_shapes};
use crate::answer::optimal::{Questions, answer};
use crate::error::Error;
use crate::plan::budget::{BudgetAmount, convert};
use crate::plan::options::{BudgetUnits, HardwareOptions};
use crate::plan::shape::ShapeProposal;
use crate::plan::{Architecture, ModelSpec, TrainingPlan, TrainingSetup, find_model};
use crate::progress::{Note, Progress};

use super::FitSource;

/// The layers, width and heads of a transformer (all three or none), as given.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ArchitectureOptions {
    /// Transformer layers (`--layers`).
    pub layers: Option<u64>,
    /// Model width (`--d-model`).
    pub d_model: Option<u64>,
    /// Attention heads (`--heads`).
    pub heads: Option<u64>,
    /// Key size per head (`--key-size`; d_model / heads when not given).
    pub key_size: Option<u64>,
    /// Feed-forward width (`--ffw`; 4 · d_model when not given).
    pub ffw: Option<u64>,
    /// A gated feed-forward block (`--gated-ffw`).
    pub gated_ffw: bool,
}

/// The model to plan and what to plan it on.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// A model of the built-in catalogue (`--model`).
    pub model: Option<String>,
    /// Parameters N (`--params`).
    pub params: Option<f64>,
    /// Training tokens D (`--tokens`).
    pub tokens: Option<f64>,
    /// An architecture.
    pub architecture: ArchitectureOptions,
    /// Propose shapes: `Some(Some(N))` for a size, `Some(None)` for the model described
    /// otherwise (`--shape [N]`).
    pub shape: Option<Option<f64>>,
    /// Vocabulary, sequence length and embedding convention (of the architecture too: tied
    /// unless given), shapes per rule and the tensor-parallel degree (checked when shapes are
    /// asked for).
    pub shape_context: ShapeOptions,
    /// A compute budget in FLOPs: plan the compute-optimal model of `fit` for it.
    pub budget: Option<f64>,
    /// A budget in GPU time or money instead of FLOPs.
    pub budget_units: BudgetUnits,
    /// The fit whose compute-optimal model a budget asks for.
    pub fit: Option<FitSource>,
    /// Optimizer, micro-batch and recomputation (its `gpus` is set from `hardware.gpus`).
    pub setup: TrainingSetup,
    /// The accelerator.
    pub hardware: HardwareOptions,
    /// The vocabulary and sequence length as the user gave them (`None`: not given), so that a
    /// catalogue model's own are not replaced silently: a given `--seq-len` wins with a note,
    /// a `--vocab` other than the model's is refused (its parameter count depends on it).
    pub given: GivenContext,
}

/// What of the shape context the user gave (see [`PlanRequest::given`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GivenContext {
    /// `--vocab`.
    pub vocab: Option<u64>,
    /// `--seq-len`.
    pub seq_len: Option<u64>,
}

/// The plan of `plan`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PlanReport {
    /// The compute-optimal model of a budget, its allocation and plan.
    Decision(Box<ModelDecision>),
    /// A model described by hand.
    Plan {
        /// The plan.
        plan: Box<TrainingPlan>,
        /// Shapes proposed for its size, when asked for.
        shapes: Option<Vec<ShapeProposal>>,
    },
}

impl PlanRequest {
    /// The architecture given, if any.
    fn architecture(&self) -> Result<Option<Architecture>, Error> {
        let a = &self.architecture;
        Architecture::from_flags(
            a.layers,
            a.d_model,
            a.heads,
            a.key_size,
            a.ffw,
            self.shape_context.vocab,
            self.shape_context.seq_len,
            a.gated_ffw,
            self.shape_context.embeddings.unwrap_or_default(),
        )
    }

    /// Only one way of describing the model.
    fn check_one_description(&self, arch: &Option<Architecture>) -> Result<(), Error> {
        let sources = [
            self.model.is_some(),
            self.budget.is_some() || self.budget_units.given(),
            self.params.is_some() || arch.is_some(),
            matches!(self.shape, Some(Some(_))),
        ];
        if sources.iter().filter(|s| **s).count() > 1 {
            return Err(Error::invalid_option(
                "--model/--budget/--params/--shape",
                "describe the model one way: --model NAME, a budget (--budget C, or --days/--gpu-hours/--dollars) with --fit, --params N (and/or an architecture), or --shape N",
            ));
        }
        Ok(())
    }

    /// The model described by a name, a size, an architecture or `--shape N`.
    fn model(
        &self,
        arch: Option<Architecture>,
        progress: &dyn Progress,
    ) -> Result<ModelSpec, Error> {
        if let Some(name) = &self.model {
            let known = find_model(name)?;
            let mut architecture = known.architecture;
            if let Some(a) = architecture.as_mut() {
                if let Some(v) = self.given.vocab.filter(|&v| v != a.vocab) {
                    return Err(Error::invalid_option(
                        "--vocab",
                        format!(
                            "{} has a vocabulary of {} in the catalogue, and its {:.3e} \
                             parameters count it; --vocab {v} would describe another model: give its \
                             architecture (--layers, --d-model, --heads, --vocab) instead",
                            known.name, a.vocab, known.params
                        ),
                    ));
                }
                if let Some(s) = self.given.seq_len.filter(|&s| s != a.seq_len) {
                    // Refused before it is announced as a replacement.
                    Architecture { seq_len: s, ..*a }.validate()?;
                    progress.note(&Note::Info(format!(
                        "training sequence length {s} (--seq-len) instead of the {} the \
                         catalogue gives {}",
                        a.seq_len, known.name
                    )));
                    a.seq_len = s;
                }
            }
            return Ok(ModelSpec {
                name: Some(known.name),
                n_params: known.params,
                n_tokens: self.tokens.or(known.tokens),
                architecture,
            });
        }
        let n_params = match (self.params, arch, self.shape) {
            (Some(n), _, _) => n,
            (None, Some(a), _) => a.params(),
            (None, None, Some(Some(n))) => n,
            (None, None, _) => {
                return Err(Error::invalid_option(
                    "--params",
                    "describe the model: --params N, --model NAME, an architecture (--layers, \
                     --d-model, --heads), --shape N, or a budget (--budget C, --days, \
                     --gpu-hours or --dollars) with --fit",
                ));
            }
        };
        Ok(ModelSpec {
            name: None,
            n_params,
            n_tokens: self.tokens,
            architecture: arch,
        })
    }
}

/// Plan the model of `request`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of an invalid option, a model described more than
/// one way or not at all, or a budget without a fit; as [`crate::plan::plan`], [`decide`] and
/// [`FitSource::resolve`]; [`Error::NotFinite`].
pub fn plan(request: PlanRequest, progress: &dyn Progress) -> Result<PlanReport, Error> {
    let (hardware, note) = request.hardware.resolve()?;
    if let Some(note) = note {
        progress.note(&Note::Info(note));
    }
    let arch = request.architecture()?;
    request.check_one_description(&arch)?;
    let gpus = request.hardware.gpus;
    let setup = TrainingSetup {
        gpus,
        ..request.setup
    };
    let context = request.shape_context;
    let shapes = request
        .shape
        .map(|_| {
            ShapeOptions::new(
                context.vocab,
                context.seq_len,
                context.per_rule,
                context.tensor_parallel,
                context.embeddings,
            )
        })
        .transpose()?;
    if request.budget.is_some() && request.budget_units.given() {
        return Err(Error::invalid_option(
            "--budget",
            "give the budget one way: FLOPs with --budget, or hardware units with --days, --gpu-hours or --dollars",
        ));
    }
    let budget = match request.budget {
        Some(c) => Some(convert(BudgetAmount::Flops { flops: c }, None)?),
        None => request.budget_units.convert(&request.hardware)?,
    };
    if let Some(budget) = budget {
        let Some(source) = request.fit else {
            return Err(Error::invalid_option(
                "--fit",
                "a budget is answered with a fitted law: give --fit FIT.json (from `scaling-laws fit --out`)",
            ));
        };
        let saved = source.resolve(None, progress)?.fit;
        let questions = Questions {
            budgets: vec![budget.flops],
            params: vec![],
            target_losses: vec![],
            assess: vec![],
            assess_names: vec![],
            level: crate::answer::optimal::DEFAULT_LEVEL,
            flops_per_param_token: saved.provenance.flops_per_param_token,
        };
        let answers = answer(&saved.report.fitted, saved.bootstrap.as_ref(), &questions)?;
        let Some(allocation) = answers.budgets.into_iter().next() else {
            return Err(Error::invalid_option(
                "--budget",
                "no answer for the budget",
            ));
        };
        let decision = decide(budget, allocation, setup, hardware, gpus, shapes)?;
        crate::finite::check_finite(&decision, "the plan")?;
        return Ok(PlanReport::Decision(Box::new(decision)));
    }
    let (model, proposals) = with_shapes(request.model(arch, progress)?, &setup, shapes)?;
    let result = crate::plan::plan(model, setup, hardware)?;
    crate::finite::check_finite(&result, "the plan")?;
    crate::finite::check_finite(&proposals, "the shapes")?;
    Ok(PlanReport::Plan {
        plan: Box::new(result),
        shapes: proposals,
    })
}
