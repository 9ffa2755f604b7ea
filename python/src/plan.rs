//! `scaling_laws.plan`: the planner (`scaling_laws::plan::plan`) with the options of
//! `scaling-laws plan`, named as its flags and with the same defaults. The result is the
//! library's `TrainingPlan` in its JSON serialisation, the command's `--format json` output.

use pyo3::prelude::*;
use scaling_laws::Error;
use scaling_laws::plan::memory::{Optimizer, Recompute};
use scaling_laws::plan::{
    Architecture, ComputePrecision, Hardware, ModelSpec, TrainingSetup, find_gpu, find_model, plan,
};

use crate::errors::{IntoPy, option_error};

/// Model FLOPs utilisation assumed when `mfu` is not given (as `scaling-laws plan`).
const DEFAULT_MFU: f64 = 0.4;

/// The keyword arguments of `scaling_laws.plan`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct PlanArgs {
    model: Option<String>,
    params: Option<f64>,
    tokens: Option<f64>,
    layers: Option<u64>,
    d_model: Option<u64>,
    heads: Option<u64>,
    key_size: Option<u64>,
    ffw: Option<u64>,
    vocab: u64,
    seq_len: u64,
    gated_ffw: bool,
    optimizer: String,
    micro_batch: u64,
    recompute: String,
    gpu: Option<String>,
    gpus: Option<usize>,
    compute_precision: String,
    peak_tflops: Option<f64>,
    gpu_memory_gb: Option<f64>,
    mfu: Option<f64>,
    price_per_gpu_hour: Option<f64>,
    watts_per_gpu: Option<f64>,
}

/// One of `choices` by its command-line name, or an `OptionError` listing them.
fn choose<T: Copy>(py: Python<'_>, flag: &str, given: &str, choices: &[(&str, T)]) -> PyResult<T> {
    choices
        .iter()
        .find(|(name, _)| *name == given)
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            option_error(
                py,
                flag,
                format!("'{given}' is not one of {}", names.join(", ")),
            )
        })
}

impl PlanArgs {
    fn architecture(&self) -> Result<Option<Architecture>, Error> {
        Architecture::from_flags(
            self.layers,
            self.d_model,
            self.heads,
            self.key_size,
            self.ffw,
            self.vocab,
            self.seq_len,
            self.gated_ffw,
        )
    }

    fn model(&self) -> Result<ModelSpec, Error> {
        let arch = self.architecture()?;
        let sources = [
            self.model.is_some(),
            self.params.is_some() || arch.is_some(),
        ];
        if sources.iter().filter(|s| **s).count() > 1 {
            return Err(Error::invalid_option(
                "--model/--params",
                "describe the model one way: --model NAME, or --params N (and/or an architecture)",
            ));
        }
        if let Some(name) = &self.model {
            let known = find_model(name)?;
            return Ok(ModelSpec {
                name: Some(known.name),
                n_params: known.params,
                n_tokens: self.tokens.or(known.tokens),
                architecture: known.architecture,
            });
        }
        let n_params = match (self.params, arch) {
            (Some(n), _) => n,
            (None, Some(a)) => a.params(),
            (None, None) => {
                return Err(Error::invalid_option(
                    "--params",
                    "describe the model: --params N, --model NAME, or an architecture \
                     (--layers, --d-model, --heads)",
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

    /// Range checks of the hardware figures, and a note naming those that go unused.
    fn check_hardware_values(&self, hardware: bool) -> Result<Option<String>, Error> {
        scaling_laws::plan::require_gpus(self.gpus)?;
        Error::require_fraction("--mfu", self.mfu.unwrap_or(DEFAULT_MFU))?;
        for (flag, value) in [
            ("--price-per-gpu-hour", self.price_per_gpu_hour),
            ("--watts-per-gpu", self.watts_per_gpu),
            ("--peak-tflops", self.peak_tflops),
            ("--gpu-memory-gb", self.gpu_memory_gb),
        ] {
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
        if unused.is_empty() {
            return Ok(None);
        }
        let (verb, pronoun) = if unused.len() == 1 {
            ("applies", "it is")
        } else {
            ("apply", "they are")
        };
        Ok(Some(format!(
            "{} {verb} to the time estimate, which needs an accelerator (--gpu NAME, or \
             --peak-tflops with --gpu-memory-gb); {pronoun} ignored",
            unused.join(", ")
        )))
    }

    fn hardware(&self, precision: ComputePrecision) -> Result<Option<Hardware>, Error> {
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

/// Plan a training run; returns `(plan as JSON, the command's text report, notes)`.
#[pyfunction]
fn plan_json(py: Python<'_>, args: PlanArgs) -> PyResult<(String, String, Vec<String>)> {
    use ComputePrecision as P;
    let precision = choose(
        py,
        "--compute-precision",
        &args.compute_precision,
        &[
            ("fp32", P::Fp32),
            ("tf32", P::Tf32),
            ("bf16", P::Bf16),
            ("fp16", P::Fp16),
            ("fp8", P::Fp8),
            ("int8", P::Int8),
        ],
    )?;
    let optimizer = choose(
        py,
        "--optimizer",
        &args.optimizer,
        &[
            ("adam-mixed", Optimizer::AdamMixed),
            ("adam-fp32", Optimizer::AdamFp32),
            ("sgd-mixed", Optimizer::SgdMixed),
            ("sgd-fp32", Optimizer::SgdFp32),
        ],
    )?;
    let recompute = choose(
        py,
        "--recompute",
        &args.recompute,
        &[
            ("none", Recompute::None),
            ("selective", Recompute::Selective),
            ("full", Recompute::Full),
        ],
    )?;
    let hardware = args.hardware(precision).py_err(py)?;
    let note = args.check_hardware_values(hardware.is_some()).py_err(py)?;
    let model = args.model().py_err(py)?;
    let setup = TrainingSetup {
        optimizer,
        micro_batch: args.micro_batch,
        recompute,
        gpus: args.gpus,
    };
    let result = plan(model, setup, hardware).py_err(py)?;
    scaling_laws::finite::check_finite(&result, "the plan").py_err(py)?;
    let runtime = |e: String| pyo3::exceptions::PyRuntimeError::new_err(e);
    let json = serde_json::to_string(&result).map_err(|e| runtime(e.to_string()))?;
    let mut text = Vec::new();
    scaling_laws::report::plan::text(&result, None, &mut text)
        .map_err(|e| runtime(e.to_string()))?;
    let text = String::from_utf8(text).map_err(|e| runtime(e.to_string()))?;
    Ok((json, text, note.into_iter().collect()))
}

/// Add the planner to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(plan_json, m)?)?;
    Ok(())
}
