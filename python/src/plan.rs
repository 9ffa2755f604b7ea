//! `scaling_laws.plan`: the planner (`scaling_laws::plan::plan`) with the options of
//! `scaling-laws plan`, named as its flags and with the same defaults. The result is the
//! library's `TrainingPlan` in its JSON serialisation, the command's `--format json` output.

use pyo3::prelude::*;
use scaling_laws::Error;
use scaling_laws::plan::options::{
    HardwareOptions, parse_optimizer, parse_precision, parse_recompute,
};
use scaling_laws::plan::{Architecture, ModelSpec, TrainingSetup, find_model, plan};

use crate::errors::IntoPy;

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
}

/// The accelerator, as the keyword arguments of `plan` and `Fit.optimal` give it (named as the
/// flags of `scaling-laws plan`).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct HardwareArgs {
    gpu: Option<String>,
    gpus: Option<usize>,
    compute_precision: String,
    peak_tflops: Option<f64>,
    gpu_memory_gb: Option<f64>,
    mfu: Option<f64>,
    price_per_gpu_hour: Option<f64>,
    watts_per_gpu: Option<f64>,
}

impl HardwareArgs {
    /// The hardware as the library takes it.
    pub(crate) fn options(&self) -> Result<HardwareOptions, Error> {
        Ok(HardwareOptions {
            gpu: self.gpu.clone(),
            gpus: self.gpus,
            precision: parse_precision(&self.compute_precision)?,
            peak_tflops: self.peak_tflops,
            gpu_memory_gb: self.gpu_memory_gb,
            mfu: self.mfu,
            price_per_gpu_hour: self.price_per_gpu_hour,
            watts_per_gpu: self.watts_per_gpu,
        })
    }
}

/// Optimizer, micro-batch and recomputation, as the keyword arguments of `plan` and
/// `Fit.optimal` give them.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct SetupArgs {
    optimizer: String,
    micro_batch: u64,
    recompute: String,
}

impl SetupArgs {
    /// The training set-up as the library takes it, on `gpus` accelerators.
    pub(crate) fn setup(&self, gpus: Option<usize>) -> Result<TrainingSetup, Error> {
        Ok(TrainingSetup {
            optimizer: parse_optimizer(&self.optimizer)?,
            micro_batch: self.micro_batch,
            recompute: parse_recompute(&self.recompute)?,
            gpus,
        })
    }
}

/// Plan a training run; returns `(plan as JSON, the command's text report, notes)`.
#[pyfunction]
fn plan_json(
    py: Python<'_>,
    args: &Bound<'_, pyo3::types::PyDict>,
) -> PyResult<(String, String, Vec<String>)> {
    let (hardware, setup): (HardwareArgs, SetupArgs) = (args.extract()?, args.extract()?);
    let args: PlanArgs = args.extract()?;
    let hardware = hardware.options().py_err(py)?;
    let setup = setup.setup(hardware.gpus).py_err(py)?;
    let (hardware, note) = hardware.resolve().py_err(py)?;
    let model = args.model().py_err(py)?;
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
