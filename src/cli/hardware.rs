//! Options shared by the commands that plan training runs (`plan`, `optimal`, `design`): the
//! accelerator, the training set-up, budgets in GPU time or money, and the shape context.

use clap::{Args, ValueEnum};
use scaling_laws::Error;
use scaling_laws::plan::budget::{BudgetAmount, BudgetConversion, Throughput, convert};
use scaling_laws::plan::memory::{Optimizer, Recompute};
use scaling_laws::plan::{ComputePrecision, Hardware, TrainingSetup, find_gpu};

/// Model FLOPs utilisation assumed when --mfu is not given.
pub const DEFAULT_MFU: f64 = 0.4;

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
    fn precision(&self) -> ComputePrecision {
        match self.compute_precision {
            PrecisionArg::Fp32 => ComputePrecision::Fp32,
            PrecisionArg::Tf32 => ComputePrecision::Tf32,
            PrecisionArg::Bf16 => ComputePrecision::Bf16,
            PrecisionArg::Fp16 => ComputePrecision::Fp16,
            PrecisionArg::Fp8 => ComputePrecision::Fp8,
            PrecisionArg::Int8 => ComputePrecision::Int8,
        }
    }

    /// Range checks of the hardware figures, whether or not an accelerator is named (a value
    /// is never silently ignored), and a note when some would go unused.
    pub fn check_values(&self, hardware: bool) -> Result<(), Error> {
        scaling_laws::plan::require_gpus(self.gpus)?;
        Error::require_fraction("--mfu", self.mfu.unwrap_or(DEFAULT_MFU))?;
        let optional = [
            ("--price-per-gpu-hour", self.price_per_gpu_hour),
            ("--watts-per-gpu", self.watts_per_gpu),
            ("--peak-tflops", self.peak_tflops),
            ("--gpu-memory-gb", self.gpu_memory_gb),
        ];
        for (flag, value) in optional {
            if let Some(v) = value {
                Error::require_positive(flag, v)?;
            }
        }
        let unused: Vec<&str> = [
            ("--mfu", self.mfu.is_some()),
            ("--price-per-gpu-hour", self.price_per_gpu_hour.is_some()),
            ("--watts-per-gpu", self.watts_per_gpu.is_some()),
        ]
        .iter()
        .filter(|(_, given)| *given && !hardware)
        .map(|(flag, _)| *flag)
        .collect();
        if !unused.is_empty() {
            let (verb, pronoun) = if unused.len() == 1 {
                ("applies", "it is")
            } else {
                ("apply", "they are")
            };
            super::note!(
                "note: {} {verb} to the time estimate, which needs an accelerator (--gpu NAME, or \
                 --peak-tflops with --gpu-memory-gb); {pronoun} ignored",
                unused.join(", ")
            );
        }
        Ok(())
    }

    /// The accelerator's name, memory and peak: from the catalogue (figures overridable), or
    /// both figures given by hand; `None` when no accelerator is described.
    fn accelerator(&self) -> Result<Option<(String, f64, f64)>, Error> {
        match &self.gpu {
            Some(g) => {
                let gpu = find_gpu(g)?;
                let peak = match self.peak_tflops {
                    Some(t) => t * 1e12,
                    None => gpu.peak_flops(self.precision())?,
                };
                let memory = self.gpu_memory_gb.map_or(gpu.memory_bytes, |m| m * 1e9);
                Ok(Some((gpu.name, memory, peak)))
            }
            None => match (self.peak_tflops, self.gpu_memory_gb) {
                (None, None) => Ok(None),
                (Some(t), Some(m)) => {
                    Ok(Some(("custom accelerator".to_string(), m * 1e9, t * 1e12)))
                }
                _ => Err(Error::invalid_option(
                    "--gpu",
                    "name an accelerator with --gpu, or give both --peak-tflops and --gpu-memory-gb",
                )),
            },
        }
    }

    /// The hardware, on `--gpus` accelerators (1 when not given).
    pub fn hardware(&self) -> Result<Option<Hardware>, Error> {
        Ok(self
            .accelerator()?
            .map(|(gpu, memory_bytes, peak_flops)| Hardware {
                gpu,
                memory_bytes,
                peak_flops,
                gpus: self.gpus.unwrap_or(1),
                mfu: self.mfu.unwrap_or(DEFAULT_MFU),
                price_per_gpu_hour: self.price_per_gpu_hour,
                watts_per_gpu: self.watts_per_gpu,
            }))
    }

    /// The throughput that turns a budget in time or money into FLOPs.
    fn throughput(&self) -> Result<Option<Throughput>, Error> {
        Ok(self.accelerator()?.map(|(gpu, _, peak_flops)| Throughput {
            gpu,
            peak_flops,
            precision: self.peak_tflops.is_none().then(|| self.precision()),
            mfu: self.mfu.unwrap_or(DEFAULT_MFU),
        }))
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
    /// Whether a budget is given in hardware units.
    pub fn given(&self) -> bool {
        self.days.is_some() || self.gpu_hours.is_some() || self.dollars.is_some()
    }

    /// The budget in FLOPs, with the conversion in words; `None` when none is given.
    pub fn convert(&self, hw: &HardwareArgs) -> Result<Option<BudgetConversion>, Error> {
        let given = [self.days, self.gpu_hours, self.dollars];
        if given.iter().filter(|v| v.is_some()).count() > 1 {
            return Err(Error::invalid_option(
                "--days/--gpu-hours/--dollars",
                "give the budget one way: days on --gpus GPUs, GPU-hours, or money",
            ));
        }
        let amount = match (self.days, self.gpu_hours, self.dollars) {
            (Some(days), _, _) => {
                let gpus = hw.gpus.ok_or_else(|| {
                    Error::invalid_option(
                        "--gpus",
                        "a budget in --days needs the number of accelerators: give --gpus G",
                    )
                })?;
                BudgetAmount::GpuTime { gpus, days }
            }
            (_, Some(gpu_hours), _) => BudgetAmount::GpuHours { gpu_hours },
            (_, _, Some(amount)) => BudgetAmount::Money {
                amount,
                price_per_gpu_hour: hw.price_per_gpu_hour.ok_or_else(|| {
                    Error::invalid_option(
                        "--price-per-gpu-hour",
                        "a budget in --dollars needs the price of an accelerator-hour: give --price-per-gpu-hour P",
                    )
                })?,
            },
            (None, None, None) => return Ok(None),
        };
        convert(amount, hw.throughput()?.as_ref()).map(Some)
    }
}

/// Tokenizer and sequence of the model, for shapes, FLOPs and activations.
#[derive(Debug, Args)]
pub struct ShapeContextArgs {
    /// Vocabulary size.
    #[arg(
        long,
        value_name = "V",
        default_value_t = 32000,
        help_heading = "Architecture"
    )]
    pub vocab: u64,
    /// Training sequence length.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 2048,
        help_heading = "Architecture"
    )]
    pub seq_len: u64,
    /// Shapes proposed per rule (distinct depths), with --shape.
    #[arg(
        long,
        value_name = "K",
        default_value_t = 2,
        help_heading = "Architecture"
    )]
    pub shapes_per_rule: usize,
}

impl ShapeContextArgs {
    /// The library's shape options.
    pub fn options(&self) -> Result<scaling_laws::decision::ShapeOptions, Error> {
        if self.shapes_per_rule == 0 {
            return Err(Error::invalid_option(
                "--shapes-per-rule",
                "must be at least 1",
            ));
        }
        Ok(scaling_laws::decision::ShapeOptions {
            vocab: self.vocab,
            seq_len: self.seq_len,
            per_rule: self.shapes_per_rule,
        })
    }
}
