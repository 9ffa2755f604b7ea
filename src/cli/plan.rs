//! `scaling-laws plan`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use scaling_laws::Error;
use scaling_laws::optimal::{OptimalEstimate, Questions, answer};
use scaling_laws::plan::memory::{Optimizer, Recompute};
use scaling_laws::plan::{
    Architecture, ComputePrecision, Hardware, ModelSpec, TrainingSetup, find_gpu, find_model, plan,
};
use scaling_laws::saved::SavedFit;

use super::common::OutputFormat;

/// Model FLOPs utilisation assumed when --mfu is not given.
const DEFAULT_MFU: f64 = 0.4;

/// Options of `scaling-laws plan`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct PlanArgs {
    /// A well-known model from the built-in catalogue (e.g. chinchilla, gpt-3, llama-3-405b).
    #[arg(long, value_name = "NAME", help_heading = "Model")]
    model: Option<String>,
    /// Parameters N.
    #[arg(long, value_name = "N", help_heading = "Model")]
    params: Option<f64>,
    /// Training tokens D.
    #[arg(long, value_name = "D", help_heading = "Model")]
    tokens: Option<f64>,
    /// A compute budget in FLOPs: plan the compute-optimal model of --fit for it.
    #[arg(long, value_name = "FLOPS", requires = "fit", help_heading = "Model")]
    budget: Option<f64>,
    /// A fit saved by `scaling-laws fit --out` or `optimal --out` (intervals when it has bootstrap draws).
    #[arg(long, value_name = "FIT.json", help_heading = "Model")]
    fit: Option<PathBuf>,
    /// Transformer layers (with --d-model and --heads: count parameters, appendix-F FLOPs and activations).
    #[arg(long, value_name = "L", help_heading = "Architecture")]
    layers: Option<u64>,
    /// Model width.
    #[arg(long, value_name = "D", help_heading = "Architecture")]
    d_model: Option<u64>,
    /// Attention heads.
    #[arg(long, value_name = "H", help_heading = "Architecture")]
    heads: Option<u64>,
    /// Key size per head [default: d-model / heads].
    #[arg(long, value_name = "K", help_heading = "Architecture")]
    key_size: Option<u64>,
    /// Feed-forward width [default: 4 · d-model].
    #[arg(long, value_name = "F", help_heading = "Architecture")]
    ffw: Option<u64>,
    /// Vocabulary size.
    #[arg(
        long,
        value_name = "V",
        default_value_t = 32000,
        help_heading = "Architecture"
    )]
    vocab: u64,
    /// Training sequence length.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 2048,
        help_heading = "Architecture"
    )]
    seq_len: u64,
    /// Gated feed-forward block (SwiGLU, as in LLaMA): three matrices instead of two.
    #[arg(long, help_heading = "Architecture")]
    gated_ffw: bool,
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
    micro_batch: u64,
    /// Activation recomputation.
    #[arg(
        long,
        value_enum,
        default_value = "selective",
        help_heading = "Training"
    )]
    recompute: RecomputeArg,
    /// Accelerator from the built-in catalogue (e.g. a100-80gb, h100-sxm, tpu-v5p).
    #[arg(long, value_name = "NAME", help_heading = "Hardware")]
    gpu: Option<String>,
    /// Number of accelerators (memory per GPU is shown on them) [default: 1 with --gpu].
    #[arg(long, value_name = "G", help_heading = "Hardware")]
    gpus: Option<usize>,
    /// Precision whose peak throughput applies.
    #[arg(long, value_enum, default_value = "bf16", help_heading = "Hardware")]
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
    /// Price per accelerator-hour, for a cost estimate.
    #[arg(long, value_name = "PRICE", help_heading = "Hardware")]
    price_per_gpu_hour: Option<f64>,
    /// Power per accelerator in watts, for an energy estimate.
    #[arg(long, value_name = "W", help_heading = "Hardware")]
    watts_per_gpu: Option<f64>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: OutputFormat,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PrecisionArg {
    Fp32,
    Tf32,
    Bf16,
    Fp16,
    Fp8,
    Int8,
}

impl PlanArgs {
    fn architecture(&self) -> Result<Option<Architecture>, Error> {
        match (self.layers, self.d_model, self.heads) {
            (None, None, None) => Ok(None),
            (Some(layers), Some(d_model), Some(heads)) => {
                if heads == 0 {
                    return Err(Error::invalid_option("--heads", "must be at least 1"));
                }
                Ok(Some(Architecture {
                    layers,
                    d_model,
                    heads,
                    key_size: self.key_size.unwrap_or(d_model / heads),
                    ffw: self.ffw.unwrap_or(4 * d_model),
                    vocab: self.vocab,
                    seq_len: self.seq_len,
                    gated_ffw: self.gated_ffw,
                }))
            }
            _ => Err(Error::invalid_option(
                "--layers/--d-model/--heads",
                "give all three to describe an architecture",
            )),
        }
    }

    /// The model, and the allocation it came from when planned from a budget.
    fn model(&self) -> anyhow::Result<(ModelSpec, Option<OptimalEstimate>)> {
        let arch = self.architecture()?;
        let sources = [
            self.model.is_some(),
            self.budget.is_some(),
            self.params.is_some() || arch.is_some(),
        ];
        if sources.iter().filter(|s| **s).count() > 1 {
            return Err(Error::invalid_option("--model/--budget/--params", "describe the model one way: --model NAME, --budget C with --fit, or --params N (and/or an architecture)").into());
        }
        if let Some(name) = &self.model {
            let known = find_model(name)?;
            let spec = ModelSpec {
                name: Some(known.name),
                n_params: known.params,
                n_tokens: self.tokens.or(known.tokens),
                architecture: known.architecture,
            };
            return Ok((spec, None));
        }
        if let Some(budget) = self.budget {
            let fit_path = self
                .fit
                .as_ref()
                .expect("clap requires --fit with --budget");
            let saved = SavedFit::load(fit_path)?;
            let questions = Questions {
                budgets: vec![budget],
                params: vec![],
                target_losses: vec![],
                assess: vec![],
                assess_names: vec![],
                level: scaling_laws::optimal::DEFAULT_LEVEL,
                flops_per_param_token: saved.provenance.flops_per_param_token,
            };
            let answers = answer(&saved.report.fitted, saved.bootstrap.as_ref(), &questions)?;
            let opt = answers
                .budgets
                .into_iter()
                .next()
                .expect("one budget asked");
            let (Some(n), Some(d)) = (&opt.n_params, &opt.n_tokens) else {
                return Err(Error::invalid_option(
                    "--fit",
                    format!(
                        "the fit in {} is of the {} law, a law of compute alone: it gives no \
                         compute-optimal N* and D* for --budget; use a fit of a law of N and D",
                        fit_path.display(),
                        saved.report.fitted.family
                    ),
                )
                .into());
            };
            let spec = ModelSpec {
                name: None,
                n_params: n.value,
                n_tokens: Some(d.value),
                architecture: None,
            };
            return Ok((spec, Some(opt)));
        }
        let n_params = match (self.params, arch) {
            (Some(n), _) => n,
            (None, Some(a)) => a.params(),
            (None, None) => {
                return Err(Error::invalid_option("--params", "describe the model: --params N, --model NAME, an architecture (--layers, --d-model, --heads), or --budget C with --fit").into());
            }
        };
        Ok((
            ModelSpec {
                name: None,
                n_params,
                n_tokens: self.tokens,
                architecture: arch,
            },
            None,
        ))
    }

    /// Range checks of the hardware figures, whether or not an accelerator is named (a value
    /// is never silently ignored), and a note when some would go unused.
    fn check_hardware_values(&self, hardware: bool) -> Result<(), Error> {
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

    fn hardware(&self) -> Result<Option<Hardware>, Error> {
        let precision = match self.compute_precision {
            PrecisionArg::Fp32 => ComputePrecision::Fp32,
            PrecisionArg::Tf32 => ComputePrecision::Tf32,
            PrecisionArg::Bf16 => ComputePrecision::Bf16,
            PrecisionArg::Fp16 => ComputePrecision::Fp16,
            PrecisionArg::Fp8 => ComputePrecision::Fp8,
            PrecisionArg::Int8 => ComputePrecision::Int8,
        };
        let (name, memory, peak) = match &self.gpu {
            Some(g) => {
                let gpu = find_gpu(g)?;
                let peak = match self.peak_tflops {
                    Some(t) => t * 1e12,
                    None => gpu.peak_flops(precision)?,
                };
                (
                    gpu.name.clone(),
                    self.gpu_memory_gb.map_or(gpu.memory_bytes, |m| m * 1e9),
                    peak,
                )
            }
            None => match (self.peak_tflops, self.gpu_memory_gb) {
                (None, None) => return Ok(None),
                (Some(t), Some(m)) => ("custom accelerator".to_string(), m * 1e9, t * 1e12),
                _ => {
                    return Err(Error::invalid_option(
                        "--gpu",
                        "name an accelerator with --gpu, or give both --peak-tflops and --gpu-memory-gb",
                    ));
                }
            },
        };
        Ok(Some(Hardware {
            gpu: name,
            memory_bytes: memory,
            peak_flops: peak,
            gpus: self.gpus.unwrap_or(1),
            mfu: self.mfu.unwrap_or(DEFAULT_MFU),
            price_per_gpu_hour: self.price_per_gpu_hour,
            watts_per_gpu: self.watts_per_gpu,
        }))
    }
}

/// Run `scaling-laws plan`.
pub fn run(args: PlanArgs) -> anyhow::Result<()> {
    let hardware = args.hardware()?;
    args.check_hardware_values(hardware.is_some())?;
    let (model, allocation) = args.model()?;
    let setup = TrainingSetup {
        optimizer: match args.optimizer {
            OptimizerArg::AdamMixed => Optimizer::AdamMixed,
            OptimizerArg::AdamFp32 => Optimizer::AdamFp32,
            OptimizerArg::SgdMixed => Optimizer::SgdMixed,
            OptimizerArg::SgdFp32 => Optimizer::SgdFp32,
        },
        micro_batch: args.micro_batch,
        recompute: match args.recompute {
            RecomputeArg::None => Recompute::None,
            RecomputeArg::Selective => Recompute::Selective,
            RecomputeArg::Full => Recompute::Full,
        },
        gpus: args.gpus,
    };
    let result = plan(model, setup, hardware)?;
    scaling_laws::finite::check_finite(&result, "the plan")?;
    scaling_laws::finite::check_finite(&allocation, "the allocation")?;
    let mut stdout = super::stdout::lock();
    match args.format {
        OutputFormat::Text => {
            scaling_laws::report::plan::text(&result, allocation.as_ref(), &mut stdout)
        }
        OutputFormat::Json => {
            scaling_laws::report::plan::json(&result, allocation.as_ref(), &mut stdout)
        }
        OutputFormat::Csv => scaling_laws::report::plan::csv(&result, &mut stdout),
    }
    .context("cannot write to standard output")?;
    Ok(())
}
