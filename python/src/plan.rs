//! `scaling_laws.plan`: the library's `plan` command with the options of `scaling-laws plan`,
//! named as its flags and with the same defaults. The result is the command's `--format json`
//! output and its text report.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use scaling_laws::Error;
use scaling_laws::answer::decision::ShapeOptions;
use scaling_laws::commands::plan::{ArchitectureOptions, GivenContext, PlanRequest};
use scaling_laws::plan::options::{
    BudgetUnits, HardwareOptions, parse_optimizer, parse_precision, parse_recompute,
};
use scaling_laws::plan::{Embeddings, TrainingSetup};
use scaling_laws::report::Format;
use scaling_laws::report::decision::render;

use crate::analyses::rendered;
use crate::errors::IntoPy;
use crate::fit::NativeFit;
use crate::work::run_long;

/// The keyword arguments of `scaling_laws.plan` that describe the model and its budget.
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
    vocab: Option<u64>,
    seq_len: Option<u64>,
    gated_ffw: bool,
    /// Shapes asked for: for the model described (`shape_size` None) or for a size.
    shape: bool,
    shape_size: Option<f64>,
    shapes_per_rule: usize,
    tp: u64,
    embeddings: Option<String>,
    budget: Option<f64>,
    days: Option<f64>,
    gpu_hours: Option<f64>,
    dollars: Option<f64>,
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

/// Plan a training run, as `scaling-laws plan`; `fit` answers a budget with its
/// compute-optimal model. Returns `(the command's JSON, its text report, notes)`.
#[pyfunction]
#[pyo3(signature = (args, fit=None))]
fn plan_json(
    py: Python<'_>,
    args: &Bound<'_, PyDict>,
    fit: Option<PyRef<'_, NativeFit>>,
) -> PyResult<(String, String, Vec<String>)> {
    let (hardware, setup): (HardwareArgs, SetupArgs) = (args.extract()?, args.extract()?);
    let args: PlanArgs = args.extract()?;
    let hardware = hardware.options().py_err(py)?;
    let request = PlanRequest {
        model: args.model,
        params: args.params,
        tokens: args.tokens,
        architecture: ArchitectureOptions {
            layers: args.layers,
            d_model: args.d_model,
            heads: args.heads,
            key_size: args.key_size,
            ffw: args.ffw,
            gated_ffw: args.gated_ffw,
        },
        shape: args.shape.then_some(args.shape_size),
        shape_context: ShapeOptions {
            vocab: args.vocab.unwrap_or(32000),
            seq_len: args.seq_len.unwrap_or(2048),
            per_rule: args.shapes_per_rule,
            tensor_parallel: args.tp,
            embeddings: args
                .embeddings
                .as_deref()
                .map(Embeddings::parse)
                .transpose()
                .py_err(py)?,
        },
        budget: args.budget,
        budget_units: BudgetUnits {
            days: args.days,
            gpu_hours: args.gpu_hours,
            dollars: args.dollars,
        },
        fit: fit.map(|f| f.source()),
        setup: setup.setup(hardware.gpus).py_err(py)?,
        hardware,
        given: GivenContext {
            vocab: args.vocab,
            seq_len: args.seq_len,
        },
    };
    let (report, notes) = run_long(py, None, None, |ticker| {
        let report = scaling_laws::commands::plan::plan(request, ticker)?;
        Ok((report, ticker.take_notes()))
    })?;
    let json = rendered(|w| render(&report, Format::Json, w))?;
    let text = rendered(|w| render(&report, Format::Text, w))?;
    Ok((
        json,
        text,
        notes.iter().map(|n| n.text().to_string()).collect(),
    ))
}

/// Add the planner to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(plan_json, m)?)?;
    Ok(())
}
