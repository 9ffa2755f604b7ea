//! Planning a training run: what a model of a given size, trained on a given number of tokens,
//! takes in memory and time.
//!
//! ```text
//! training FLOPs   C = 6·N·D  (Kaplan et al. 2020), or the appendix-F count of Hoffmann et al. 2022
//! wall-clock time  T = C / (G · peak · MFU)
//! GPU-hours        G · T / 3600;  cost = GPU-hours · price;  energy = GPU-hours · watts
//! ```
//!
//! Memory by precision, model states under DDP and ZeRO/FSDP, and activations are in
//! [`memory`]; the transformer counts in [`architecture`]; accelerators and well-known models
//! in [`catalogue`]; budgets in GPU time or money in [`budget`]; shapes for a size in [`shape`].

pub mod architecture;
pub mod budget;
pub mod catalogue;
pub mod memory;
pub mod options;
pub mod shape;

use serde::{Deserialize, Serialize};

use crate::error::Error;
pub use architecture::{Architecture, Embeddings};
pub use catalogue::{ComputePrecision, Gpu, KnownModel, find_gpu, find_model};
use memory::{Optimizer, Precision, Recompute, Strategy};

/// The model to train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// A name, when it is a known model.
    pub name: Option<String>,
    /// Parameters N.
    pub n_params: f64,
    /// Training tokens D, when known.
    pub n_tokens: Option<f64>,
    /// Shape, when known.
    pub architecture: Option<Architecture>,
}

/// Hardware and efficiency of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hardware {
    /// Accelerator name.
    pub gpu: String,
    /// Memory per accelerator, bytes.
    pub memory_bytes: f64,
    /// Peak dense throughput at the training precision, FLOP/s.
    pub peak_flops: f64,
    /// Number of accelerators.
    pub gpus: usize,
    /// Model FLOPs utilisation, in (0, 1].
    pub mfu: f64,
    /// Price per accelerator-hour, if known.
    pub price_per_gpu_hour: Option<f64>,
    /// Power per accelerator in watts, if known (for energy).
    pub watts_per_gpu: Option<f64>,
}

/// Training set-up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainingSetup {
    /// Optimizer and precision regime.
    pub optimizer: Optimizer,
    /// Sequences per GPU per step.
    pub micro_batch: u64,
    /// Activation recomputation.
    pub recompute: Recompute,
    /// Accelerators the model states are spread over, when no [`Hardware`] is given (with
    /// hardware, its `gpus` count): per-GPU memory is then evaluated on them.
    #[serde(default)]
    pub gpus: Option<usize>,
}

impl Default for TrainingSetup {
    fn default() -> Self {
        TrainingSetup {
            optimizer: Optimizer::AdamMixed,
            micro_batch: 1,
            recompute: Recompute::Selective,
            gpus: None,
        }
    }
}

/// Training FLOPs by both counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FlopsCount {
    /// `6·N·D`.
    pub six_nd: f64,
    /// Appendix-F count, when the architecture is known.
    pub appendix_f: Option<f64>,
    /// Appendix-F training FLOPs per token.
    pub appendix_f_per_token: Option<f64>,
}

/// Memory of one strategy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StrategyMemory {
    /// The strategy.
    pub strategy: Strategy,
    /// Model states per GPU on the planned GPUs, bytes.
    pub states_per_gpu: Option<f64>,
    /// States plus activations per GPU, bytes.
    pub total_per_gpu: Option<f64>,
    /// Whether that fits the accelerator's memory.
    pub fits: Option<bool>,
    /// The fewest GPUs on which it fits (`None`: no number does).
    pub min_gpus: Option<usize>,
}

/// Time and cost of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeEstimate {
    /// FLOPs used for the estimate.
    pub flops: f64,
    /// Which count they are ("6ND" or "appendix F").
    pub flops_count: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Wall-clock days.
    pub days: f64,
    /// Wall-clock days with the appendix-F count, when the architecture is known.
    pub days_appendix_f: Option<f64>,
    /// Accelerator-hours.
    pub gpu_hours: f64,
    /// Cost, when a price is given.
    pub cost: Option<f64>,
    /// Energy in MWh, when power is given.
    pub energy_mwh: Option<f64>,
}

/// Everything the planner works out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingPlan {
    /// The model.
    pub model: ModelSpec,
    /// Training FLOPs.
    pub flops: Option<FlopsCount>,
    /// Weight bytes for inference at each precision.
    pub weights: Vec<(Precision, f64)>,
    /// Training set-up.
    pub setup: TrainingSetup,
    /// Bytes per parameter of model states.
    pub state_bytes: memory::StateBytes,
    /// Activation bytes per GPU, when the architecture is known.
    pub activations_per_gpu: Option<f64>,
    /// Memory by strategy.
    pub strategies: Vec<StrategyMemory>,
    /// Hardware, when given.
    pub hardware: Option<Hardware>,
    /// Time, when hardware and tokens are given.
    pub time: Option<TimeEstimate>,
}

/// Work out the plan.
///
/// # Errors
///
/// [`Error::InvalidOption`] for non-positive sizes, token counts, GPU counts, MFU outside
/// (0, 1], or an invalid architecture.
pub fn plan(
    model: ModelSpec,
    setup: TrainingSetup,
    hardware: Option<Hardware>,
) -> Result<TrainingPlan, Error> {
    validate(&model, &setup, &hardware)?;
    let n = model.n_params;
    let gpus = hardware.as_ref().map(|h| h.gpus).or(setup.gpus);
    let flops = model.n_tokens.map(|d| {
        let per_token = model.architecture.map(|a| a.training_flops_per_token());
        FlopsCount {
            six_nd: 6.0 * n * d,
            appendix_f: per_token.map(|p| p * d),
            appendix_f_per_token: per_token,
        }
    });
    let activations = model
        .architecture
        .map(|a| {
            memory::activation_bytes(
                a.layers,
                a.seq_len,
                a.d_model,
                a.heads,
                setup.micro_batch,
                setup.recompute,
            )
        })
        .transpose()?;
    let states = setup.optimizer.state_bytes();
    let strategies = Strategy::ALL
        .iter()
        .map(|&strategy| {
            let on_planned = gpus.map(|g| strategy.bytes_per_gpu(n, g, states));
            let total = on_planned.map(|s| s + activations.unwrap_or(0.0));
            StrategyMemory {
                strategy,
                states_per_gpu: on_planned,
                total_per_gpu: total,
                fits: hardware
                    .as_ref()
                    .zip(total)
                    .map(|(h, t)| t <= h.memory_bytes),
                min_gpus: hardware.as_ref().and_then(|h| {
                    strategy.min_gpus(n, states, activations.unwrap_or(0.0), h.memory_bytes)
                }),
            }
        })
        .collect();
    let time = hardware
        .as_ref()
        .zip(flops)
        .map(|(h, f)| time_estimate(h, &f));
    let plan = TrainingPlan {
        weights: Precision::ALL
            .iter()
            .map(|&p| (p, memory::weight_bytes(n, p)))
            .collect(),
        model,
        flops,
        setup,
        state_bytes: states,
        activations_per_gpu: activations,
        strategies,
        hardware,
        time,
    };
    check_overflow(&plan)?;
    Ok(plan)
}

/// A figure of the plan that overflowed, as an error naming the input behind it.
fn check_overflow(plan: &TrainingPlan) -> Result<(), Error> {
    let Err(Error::NotFinite { path, value, .. }) = crate::finite::check_finite(plan, "the plan")
    else {
        return Ok(());
    };
    let memory_overflows = crate::finite::check_finite(&plan.weights, "").is_err()
        || crate::finite::check_finite(&plan.strategies, "").is_err();
    let flag = if memory_overflows {
        "--params"
    } else if path.starts_with("time.cost") {
        "--price-per-gpu-hour"
    } else if path.starts_with("time.energy") {
        "--watts-per-gpu"
    } else if path.starts_with("flops") || path.starts_with("time") {
        "--tokens"
    } else if path.starts_with("activations") {
        "--micro-batch"
    } else {
        "--params"
    };
    let value = crate::finite::compact(value);
    Err(Error::invalid_option(
        flag,
        format!(
            "the plan's {path} comes out as {value}, beyond the range of double-precision \
             numbers; give a smaller value (the model: {} parameters, {} tokens)",
            crate::finite::compact(plan.model.n_params),
            plan.model
                .n_tokens
                .map_or("no".to_string(), crate::finite::compact)
        ),
    ))
}

/// Time with the conventional 6·N·D count (MFU is defined against it); the appendix-F count
/// gives a second figure when the architecture is known.
fn time_estimate(h: &Hardware, f: &FlopsCount) -> TimeEstimate {
    let throughput = h.gpus as f64 * h.peak_flops * h.mfu;
    let (flops, count) = (f.six_nd, "6ND");
    let seconds = flops / throughput;
    let gpu_hours = seconds * h.gpus as f64 / 3600.0;
    TimeEstimate {
        flops,
        flops_count: count.to_string(),
        seconds,
        days: seconds / 86400.0,
        days_appendix_f: f.appendix_f.map(|af| af / throughput / 86400.0),
        gpu_hours,
        cost: h.price_per_gpu_hour.map(|p| p * gpu_hours),
        energy_mwh: h.watts_per_gpu.map(|w| w * gpu_hours / 1e6),
    }
}

fn validate(
    model: &ModelSpec,
    setup: &TrainingSetup,
    hardware: &Option<Hardware>,
) -> Result<(), Error> {
    let positive = Error::require_positive;
    positive("--params", model.n_params)?;
    if let Some(d) = model.n_tokens {
        positive("--tokens", d)?;
    }
    if let Some(a) = &model.architecture {
        a.validate()?;
    }
    require_gpus(setup.gpus)?;
    if let Some(h) = hardware {
        require_gpus(Some(h.gpus))?;
        if let Some(g) = setup.gpus.filter(|&g| g != h.gpus) {
            return Err(Error::invalid_option(
                "--gpus",
                format!(
                    "the set-up says {g} GPUs and the hardware {}; give one count",
                    h.gpus
                ),
            ));
        }
        positive("--gpu-memory-gb", h.memory_bytes)?;
        positive("--peak-tflops", h.peak_flops)?;
        Error::require_fraction("--mfu", h.mfu)?;
        if let Some(p) = h.price_per_gpu_hour {
            positive("--price-per-gpu-hour", p)?;
        }
        if let Some(w) = h.watts_per_gpu {
            positive("--watts-per-gpu", w)?;
        }
    }
    Ok(())
}

/// A GPU count, when given, is at least 1.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--gpus`.
pub fn require_gpus(gpus: Option<usize>) -> Result<(), Error> {
    if gpus == Some(0) {
        return Err(Error::invalid_option("--gpus", "must be at least 1"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinchilla_on_1024_a100s_at_40_percent_mfu_takes_about_53_days() {
        let model = ModelSpec {
            name: None,
            n_params: 70e9,
            n_tokens: Some(1.4e12),
            architecture: None,
        };
        let hw = Hardware {
            gpu: "a100".into(),
            memory_bytes: 80e9,
            peak_flops: 312e12,
            gpus: 1024,
            mfu: 0.4,
            price_per_gpu_hour: Some(2.0),
            watts_per_gpu: Some(400.0),
        };
        let p = plan(model, TrainingSetup::default(), Some(hw)).unwrap();
        let t = p.time.unwrap();
        assert!((t.flops / 5.88e23 - 1.0).abs() < 1e-12);
        assert!((t.days - 53.26).abs() < 0.05, "{} days", t.days);
        assert!((t.cost.unwrap() / (t.gpu_hours * 2.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn llama_3_405b_training_compute() {
        let model = ModelSpec {
            name: None,
            n_params: 405e9,
            n_tokens: Some(15.6e12),
            architecture: None,
        };
        let p = plan(model, TrainingSetup::default(), None).unwrap();
        // Llama 3 paper: 3.8e25 FLOPs.
        assert!((p.flops.unwrap().six_nd / 3.8e25 - 1.0).abs() < 0.01);
    }

    #[test]
    fn overflowing_figures_are_errors_naming_the_input() {
        let flag_of = |n: f64, d: f64| {
            let model = ModelSpec {
                name: None,
                n_params: n,
                n_tokens: Some(d),
                architecture: None,
            };
            match plan(model, TrainingSetup::default(), None).unwrap_err() {
                Error::InvalidOption { flag, .. } => flag,
                other => panic!("unexpected {other}"),
            }
        };
        assert_eq!(flag_of(1e9, 1e308), "--tokens");
        assert_eq!(flag_of(1e308, 1.0), "--params");
    }

    #[test]
    fn memory_is_evaluated_on_the_given_gpus_without_hardware() {
        let model = ModelSpec {
            name: None,
            n_params: 7.5e9,
            n_tokens: None,
            architecture: None,
        };
        let setup = TrainingSetup {
            gpus: Some(64),
            ..TrainingSetup::default()
        };
        let p = plan(model, setup, None).unwrap();
        // ZeRO paper, Table 1: 7.5B parameters, 64 GPUs, ZeRO-1 = 31.4 GB per GPU.
        let zero1 = p.strategies[1].states_per_gpu.unwrap();
        assert!((zero1 / 31.40625e9 - 1.0).abs() < 1e-12);
        assert!(p.strategies[1].fits.is_none());
    }
}
