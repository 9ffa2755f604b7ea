//! From the law's answer to a training run: the compute-optimal model for a budget (given in
//! FLOPs, accelerator time or money, [`crate::plan::budget`]), the shapes that give it its size
//! ([`crate::plan::shape`]), and the plan of training it ([`crate::plan::plan`]): memory per GPU
//! under DDP and ZeRO/FSDP, the fewest GPUs, and the days on the chosen ones.
//!
//! `scaling-laws optimal` (with hardware flags) and `scaling-laws plan --budget … --fit` both go
//! through [`decide`], so they give the same plan for the same budget.
//!
//! When no GPU count is given, the model is planned on the fewest GPUs that hold it under
//! FSDP / ZeRO-3 (model states fully sharded; activations per GPU when the shape is known): the
//! smallest cluster that can train it at all, and the longest wall-clock time.

use serde::{Deserialize, Serialize};

use crate::answer::optimal::OptimalEstimate;
use crate::error::Error;
use crate::plan::architecture::Embeddings;
use crate::plan::budget::BudgetConversion;
use crate::plan::memory::Strategy;
use crate::plan::shape::{ShapeProposal, ShapeRequest, propose};
use crate::plan::{Hardware, ModelSpec, TrainingPlan, TrainingSetup, plan};

/// Shapes to propose with a decision.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShapeOptions {
    /// Vocabulary size.
    pub vocab: u64,
    /// Training sequence length.
    pub seq_len: u64,
    /// Shapes kept per rule.
    pub per_rule: usize,
    /// Tensor-parallel degree the heads divide by.
    pub tensor_parallel: u64,
    /// Embedding convention; `None`: each rule's own (LLaMA and OLMo untied, Chinchilla tied).
    pub embeddings: Option<Embeddings>,
}

impl ShapeOptions {
    /// Shapes of `vocab` tokens and sequences of `seq_len`, `per_rule` of them per rule, with
    /// heads divisible by `tensor_parallel`, counted with `embeddings` (each rule's own when
    /// `None`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--shapes-per-rule` or `--tp` when it is 0.
    pub fn new(
        vocab: u64,
        seq_len: u64,
        per_rule: usize,
        tensor_parallel: u64,
        embeddings: Option<Embeddings>,
    ) -> Result<Self, Error> {
        if per_rule == 0 {
            return Err(Error::invalid_option(
                "--shapes-per-rule",
                "must be at least 1",
            ));
        }
        if tensor_parallel == 0 {
            return Err(Error::invalid_option("--tp", "must be at least 1"));
        }
        Ok(ShapeOptions {
            vocab,
            seq_len,
            per_rule,
            tensor_parallel,
            embeddings,
        })
    }
}

/// How the number of accelerators of a plan was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "kebab-case")]
pub enum GpuCount {
    /// Given by the user (`--gpus`, or the count of a budget in GPU time).
    Given {
        /// Accelerators.
        gpus: usize,
    },
    /// The fewest that hold the model under FSDP / ZeRO-3.
    FewestSharded {
        /// Accelerators.
        gpus: usize,
    },
    /// The model does not fit on any number of them (activations alone exceed the memory);
    /// planned on one.
    DoesNotFit,
}

impl GpuCount {
    /// The count planned on.
    pub fn gpus(self) -> usize {
        match self {
            GpuCount::Given { gpus } | GpuCount::FewestSharded { gpus } => gpus,
            GpuCount::DoesNotFit => 1,
        }
    }
}

/// A budget's compute-optimal model, its shapes and its training plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDecision {
    /// The budget and its conversion to FLOPs.
    pub budget: BudgetConversion,
    /// N*, D*, L* for it, with intervals when the fit has bootstrap draws.
    pub allocation: OptimalEstimate,
    /// How the GPU count of the plan was chosen, when hardware is given.
    pub gpu_count: Option<GpuCount>,
    /// Shapes for N*, best first, when asked for (empty: none within 1% of N*).
    pub shapes: Option<Vec<ShapeProposal>>,
    /// The plan of training N* on D* tokens; with the top-ranked shape when there is one.
    pub plan: TrainingPlan,
}

/// Shapes for `model` when asked for, and the model with the top-ranked shape as its
/// architecture when it had none (so the plan counts activations and appendix-F FLOPs).
///
/// # Errors
///
/// As [`propose`].
pub fn with_shapes(
    mut model: ModelSpec,
    setup: &TrainingSetup,
    options: Option<ShapeOptions>,
) -> Result<(ModelSpec, Option<Vec<ShapeProposal>>), Error> {
    let Some(o) = options else {
        return Ok((model, None));
    };
    let shapes = propose(&ShapeRequest {
        n_params: model.n_params,
        vocab: o.vocab,
        seq_len: o.seq_len,
        micro_batch: setup.micro_batch,
        recompute: setup.recompute,
        per_rule: o.per_rule,
        tensor_parallel: o.tensor_parallel,
        embeddings: o.embeddings,
    })?;
    if model.architecture.is_none() {
        model.architecture = shapes.first().map(|s| s.architecture);
    }
    Ok((model, Some(shapes)))
}

/// The fewest accelerators of `hardware` that hold `model` under FSDP / ZeRO-3, or `None` when
/// no number does.
///
/// # Errors
///
/// As [`plan`].
pub fn fewest_gpus(
    model: &ModelSpec,
    setup: TrainingSetup,
    hardware: &Hardware,
) -> Result<Option<usize>, Error> {
    let one = Hardware {
        gpus: 1,
        ..hardware.clone()
    };
    let probe = plan(
        model.clone(),
        TrainingSetup {
            gpus: None,
            ..setup
        },
        Some(one),
    )?;
    Ok(probe
        .strategies
        .iter()
        .find(|s| s.strategy == Strategy::Zero3)
        .and_then(|s| s.min_gpus))
}

/// Plan `model` on `hardware` with `gpus` accelerators, or on the fewest that hold it.
///
/// # Errors
///
/// As [`plan`].
pub fn plan_on(
    model: ModelSpec,
    setup: TrainingSetup,
    hardware: Option<Hardware>,
    gpus: Option<usize>,
) -> Result<(TrainingPlan, Option<GpuCount>), Error> {
    let Some(hw) = hardware else {
        return Ok((plan(model, TrainingSetup { gpus, ..setup }, None)?, None));
    };
    let count = match gpus {
        Some(g) => GpuCount::Given { gpus: g },
        None => match fewest_gpus(&model, setup, &hw)? {
            Some(g) => GpuCount::FewestSharded { gpus: g },
            None => GpuCount::DoesNotFit,
        },
    };
    let hw = Hardware {
        gpus: count.gpus(),
        ..hw
    };
    let plan = plan(
        model,
        TrainingSetup {
            gpus: None,
            ..setup
        },
        Some(hw),
    )?;
    Ok((plan, Some(count)))
}

/// The decision for one budget: its compute-optimal `allocation` (from
/// [`crate::answer::optimal::answer`]), shapes for N* when `shapes` is given, and the plan on
/// `hardware` (on `gpus` of them, or the fewest that hold the model).
///
/// # Errors
///
/// As [`propose`] and [`plan`] ([`Error::InvalidOption`] for invalid set-ups or hardware, or
/// figures that overflow).
pub fn decide(
    budget: BudgetConversion,
    allocation: OptimalEstimate,
    setup: TrainingSetup,
    hardware: Option<Hardware>,
    gpus: Option<usize>,
    shapes: Option<ShapeOptions>,
) -> Result<ModelDecision, Error> {
    let (Some(n_params), Some(n_tokens)) = (&allocation.n_params, &allocation.n_tokens) else {
        return Err(no_allocation());
    };
    let model = ModelSpec {
        name: None,
        n_params: n_params.value,
        n_tokens: Some(n_tokens.value),
        architecture: None,
    };
    let (model, shapes) = with_shapes(model, &setup, shapes)?;
    let (plan, gpu_count) = plan_on(model, setup, hardware, gpus)?;
    Ok(ModelDecision {
        budget,
        allocation,
        gpu_count,
        shapes,
        plan,
    })
}

/// The error for a law of compute alone, which has no compute-optimal N* and D* to plan.
pub(crate) fn no_allocation() -> Error {
    Error::invalid_option(
        "--fit",
        "the fit is of a law of compute alone: it gives no compute-optimal N* and D* to plan; \
         use a fit of a law of N and D (--law chinchilla, kaplan or data-constrained)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::budget::{BudgetAmount, Throughput, convert};
    use crate::uncertainty::Estimate;

    fn allocation(n: f64, d: f64) -> OptimalEstimate {
        OptimalEstimate {
            compute: Estimate::point(6.0 * n * d),
            n_params: Some(Estimate::point(n)),
            n_tokens: Some(Estimate::point(d)),
            tokens_per_param: Some(Estimate::point(d / n)),
            loss: Estimate::point(2.0),
        }
    }

    fn h100(gpus: usize) -> Hardware {
        Hardware {
            gpu: "h100-sxm".into(),
            memory_bytes: 80e9,
            peak_flops: 989e12,
            gpus,
            mfu: 0.4,
            price_per_gpu_hour: None,
            watts_per_gpu: None,
        }
    }

    #[test]
    fn a_gpu_time_budget_is_spent_in_its_days_on_its_gpus() {
        let t = Throughput {
            gpu: "h100-sxm".into(),
            peak_flops: 989e12,
            precision: None,
            mfu: 0.4,
        };
        let budget = convert(
            BudgetAmount::GpuTime {
                gpus: 512,
                days: 30.0,
            },
            Some(&t),
        )
        .unwrap();
        // Any split of the budget: N·D = C/6.
        let n = 3e10;
        let d = budget.flops / (6.0 * n);
        let setup = TrainingSetup::default();
        let decision = decide(
            budget,
            allocation(n, d),
            setup,
            Some(h100(512)),
            Some(512),
            None,
        )
        .unwrap();
        let time = decision.plan.time.unwrap();
        assert!((time.days - 30.0).abs() < 1e-9, "{} days", time.days);
        assert_eq!(decision.gpu_count, Some(GpuCount::Given { gpus: 512 }));
    }

    #[test]
    fn without_a_count_the_fewest_sharded_gpus_hold_the_model_and_one_fewer_does_not() {
        let shapes = ShapeOptions {
            vocab: 32000,
            seq_len: 2048,
            per_rule: 1,
            tensor_parallel: 8,
            embeddings: None,
        };
        let budget = convert(BudgetAmount::Flops { flops: 1e24 }, None).unwrap();
        let setup = TrainingSetup::default();
        let d = allocation(7e10, 1e24 / 4.2e11);
        let decision = decide(budget, d, setup, Some(h100(1)), None, Some(shapes)).unwrap();
        let Some(GpuCount::FewestSharded { gpus }) = decision.gpu_count else {
            panic!("{:?}", decision.gpu_count);
        };
        // 70B × 16 bytes = 1.12 TB of states over 80 GB GPUs: at least 15 of them.
        assert!(gpus >= 15, "{gpus}");
        let arch = decision.plan.model.architecture.expect("top shape adopted");
        assert_eq!(
            Some(arch),
            decision.shapes.unwrap().first().map(|s| s.architecture)
        );
        let fsdp = &decision.plan.strategies[3];
        assert_eq!(fsdp.fits, Some(true));
        let states = fsdp
            .strategy
            .bytes_per_gpu(7e10, gpus - 1, setup.optimizer.state_bytes());
        assert!(states + decision.plan.activations_per_gpu.unwrap() > 80e9);
    }
}
