//! Options shared by the commands that plan training runs (`plan`, `optimal`, `design`): the
//! accelerator, the training set-up, budgets in GPU time or money, and the shape context.

use clap::{Args, ValueEnum};
use scaling_laws::Error;
use scaling_laws::plan::memory::{Optimizer, Recompute};
use scaling_laws::plan::options::{BudgetUnits, HardwareOptions};
use scaling_laws::plan::shape::DEFAULT_TENSOR_PARALLEL;
use scaling_laws::plan::{ComputePrecision, Embeddings, TrainingSetup};

/// The accelerator a run is planned on.
#[derive(Debug, Args)]
pub struct HardwareArgs {
    /// Accelerator from the built-in catalogue (e.g. a100-80gb, h100-sxm, tpu-v5p).
    #[arg(long, value_name = "NAME", help_heading = "Hardware")]
    pub gpu: Option<String>,
    /// Number of accelerators (memory per GPU is shown on them).
    #[arg(long, value_name = "G", help_heading = "Hardware")]
    pub gpus: Option<usize>,
    /// Precision whose peak throughput applies.
    #[arg(
        long,
        visible_alias = "precision",
        value_name = "PRECISION",
        value_enum,
        default_value = "bf16",
        help_heading = "Hardware"
    )]
    compute_precision: PrecisionArg,
    /// Peak dense TFLOP/s per accelerator (overrides the catalogue).
    #[arg(long, value_name = "TFLOPS", help_heading = "Hardware")]
    peak_tflops: Option<f64>,
    /// Memory per accelerator in GB (overrides the catalogue).
    #[arg(long, value_name = "GB", help_heading = "Hardware")]
    gpu_memory_gb: Option<f64>,
    /// Model FLOPs utilisation: achieved / peak throughput [default: 0.4].
    #[arg(long, help_heading = "Hardware")]
    mfu: Option<f64>,
    /// Price per accelerator-hour, for a cost estimate (and a budget given with --dollars).
    #[arg(long, value_name = "PRICE", help_heading = "Hardware")]
    pub price_per_gpu_hour: Option<f64>,
    /// Power per accelerator in watts, for an energy estimate.
    #[arg(long, value_name = "W", help_heading = "Hardware")]
    watts_per_gpu: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PrecisionArg {
    Fp32,
    Tf32,
    Bf16,
    Fp16,
    Fp8,
    Int8,
}

impl HardwareArgs {
    /// The hardware options as the library takes them.
    pub fn options(&self) -> HardwareOptions {
        HardwareOptions {
            gpu: self.gpu.clone(),
            gpus: self.gpus,
            precision: match self.compute_precision {
                PrecisionArg::Fp32 => ComputePrecision::Fp32,
                PrecisionArg::Tf32 => ComputePrecision::Tf32,
                PrecisionArg::Bf16 => ComputePrecision::Bf16,
                PrecisionArg::Fp16 => ComputePrecision::Fp16,
                PrecisionArg::Fp8 => ComputePrecision::Fp8,
                PrecisionArg::Int8 => ComputePrecision::Int8,
            },
            peak_tflops: self.peak_tflops,
            gpu_memory_gb: self.gpu_memory_gb,
            mfu: self.mfu,
            price_per_gpu_hour: self.price_per_gpu_hour,
            watts_per_gpu: self.watts_per_gpu,
        }
    }
}

/// Optimizer, micro-batch and recomputation of training.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Optimizer and precision of training.
    #[arg(
        long,
        value_enum,
        default_value = "adam-mixed",
        help_heading = "Training"
    )]
    optimizer: OptimizerArg,
    /// Sequences per GPU per step.
    #[arg(long, value_name = "B", default_value_t = 1, help_heading = "Training")]
    pub micro_batch: u64,
    /// Activation recomputation.
    #[arg(
        long,
        value_enum,
        default_value = "selective",
        help_heading = "Training"
    )]
    recompute: RecomputeArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OptimizerArg {
    /// Adam(W), mixed precision (16 bytes/param).
    AdamMixed,
    /// Adam(W), FP32 (16 bytes/param).
    AdamFp32,
    /// SGD with momentum, mixed precision (12 bytes/param).
    SgdMixed,
    /// SGD with momentum, FP32 (12 bytes/param).
    SgdFp32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RecomputeArg {
    /// Keep all activations.
    None,
    /// Recompute attention scores.
    Selective,
    /// Keep only each layer's input.
    Full,
}

impl SetupArgs {
    /// The library's set-up, with `gpus` to evaluate memory on.
    pub fn setup(&self, gpus: Option<usize>) -> TrainingSetup {
        TrainingSetup {
            optimizer: match self.optimizer {
                OptimizerArg::AdamMixed => Optimizer::AdamMixed,
                OptimizerArg::AdamFp32 => Optimizer::AdamFp32,
                OptimizerArg::SgdMixed => Optimizer::SgdMixed,
                OptimizerArg::SgdFp32 => Optimizer::SgdFp32,
            },
            micro_batch: self.micro_batch,
            recompute: match self.recompute {
                RecomputeArg::None => Recompute::None,
                RecomputeArg::Selective => Recompute::Selective,
                RecomputeArg::Full => Recompute::Full,
            },
            gpus,
        }
    }
}

/// A compute budget in GPU time or money (instead of FLOPs).
#[derive(Debug, Args)]
pub struct BudgetUnitsArgs {
    /// Budget: wall-clock days on --gpus accelerators of --gpu.
    #[arg(long, value_name = "DAYS", help_heading = "Budget in hardware units")]
    days: Option<f64>,
    /// Budget: accelerator-hours of --gpu.
    #[arg(long, value_name = "HOURS", help_heading = "Budget in hardware units")]
    gpu_hours: Option<f64>,
    /// Budget: money spent at --price-per-gpu-hour on --gpu.
    #[arg(long, value_name = "AMOUNT", help_heading = "Budget in hardware units")]
    dollars: Option<f64>,
}

impl BudgetUnitsArgs {
    /// The budget as the library takes it.
    pub fn units(&self) -> BudgetUnits {
        BudgetUnits {
            days: self.days,
            gpu_hours: self.gpu_hours,
            dollars: self.dollars,
        }
    }
}

/// Vocabulary size when not given.
pub const DEFAULT_VOCAB: u64 = 32000;

/// Training sequence length when not given.
pub const DEFAULT_SEQ_LEN: u64 = 2048;

/// Tokenizer and sequence of the model, for shapes, FLOPs and activations.
#[derive(Debug, Args)]
pub struct ShapeContextArgs {
    /// Vocabulary size [default: 32000; a catalogue model's own with --model].
    #[arg(long, value_name = "V", help_heading = "Architecture")]
    pub vocab: Option<u64>,
    /// Training sequence length [default: 2048; a catalogue model's own with --model].
    #[arg(long, value_name = "S", help_heading = "Architecture")]
    pub seq_len: Option<u64>,
    /// Shapes proposed per rule (distinct depths), with --shape.
    #[arg(
        long,
        value_name = "K",
        default_value_t = 2,
        help_heading = "Architecture"
    )]
    pub shapes_per_rule: usize,
    /// Tensor-parallel degree: proposed shapes have heads (and key/value heads) divisible by it
    /// (8: one 8-GPU node; 1 lifts the constraint).
    #[arg(
        long,
        visible_alias = "tensor-parallel",
        value_name = "T",
        default_value_t = DEFAULT_TENSOR_PARALLEL,
        help_heading = "Architecture"
    )]
    pub tp: u64,
    /// Input embedding shared with the output layer or not, for the parameter count [default:
    /// each shape rule's own (llama, olmo untied; chinchilla tied); tied for an architecture
    /// given by hand].
    #[arg(long, value_enum, value_name = "HOW", help_heading = "Architecture")]
    pub embeddings: Option<EmbeddingsArg>,
}

/// The embedding conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmbeddingsArg {
    /// One matrix for the input embedding and the output layer (V·d parameters).
    Tied,
    /// Separate input and output matrices (2·V·d parameters).
    Untied,
}

impl ShapeContextArgs {
    /// The library's shape options.
    pub fn options(&self) -> Result<scaling_laws::answer::decision::ShapeOptions, Error> {
        scaling_laws::answer::decision::ShapeOptions::new(
            self.vocab(),
            self.seq_len(),
            self.shapes_per_rule,
            self.tp,
            self.embeddings(),
        )
    }

    /// The vocabulary size, given or the default.
    pub fn vocab(&self) -> u64 {
        self.vocab.unwrap_or(DEFAULT_VOCAB)
    }

    /// The training sequence length, given or the default.
    pub fn seq_len(&self) -> u64 {
        self.seq_len.unwrap_or(DEFAULT_SEQ_LEN)
    }

    /// The embedding convention asked for.
    pub fn embeddings(&self) -> Option<Embeddings> {
        self.embeddings.map(|e| match e {
            EmbeddingsArg::Tied => Embeddings::Tied,
            EmbeddingsArg::Untied => Embeddings::Untied,
        })
    }
}
