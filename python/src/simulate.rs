//! `scaling_laws.simulate`: a synthetic IsoFLOP sweep (`scaling_laws::design::simulate::simulate`, or
//! `simulate_repeated` with epochs) with the options of `scaling-laws simulate`.

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use scaling_laws::commands::simulate::SimulateRequest;
use scaling_laws::design::simulate::SimulationDesign;

use crate::work::run_long;

/// The keyword arguments of `scaling_laws.simulate`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct SimulateArgs {
    seed: u64,
    noise: f64,
    /// The family of the true law (`--law NAME`), or None for chinchilla.
    law: Option<String>,
    /// Its parameters as `--truth` takes them (`E=1.69,A=406.4,...`), or None.
    truth: Option<String>,
    /// Epochs of each run (`--epochs`); empty: each run sees fresh tokens.
    epochs: Vec<f64>,
    budgets: Option<Vec<f64>>,
    sizes_per_budget: usize,
    span: f64,
    flops_per_param_token: f64,
}

/// Draw a sweep; returns its columns as numpy arrays (flops_budget, n_params, n_tokens,
/// unique_tokens with epochs, flops, loss, true_loss). Runs on a worker thread with the GIL
/// released; Ctrl-C stops it.
#[pyfunction]
fn simulate_runs<'py>(py: Python<'py>, args: SimulateArgs) -> PyResult<Bound<'py, PyDict>> {
    let request = SimulateRequest {
        law: args.law,
        truth: args.truth,
        design: SimulationDesign {
            sizes_per_budget: args.sizes_per_budget,
            span: args.span,
            noise_sd: args.noise,
            flops_per_param_token: args.flops_per_param_token,
            seed: args.seed,
            ..SimulationDesign::default()
        },
        budgets: args.budgets,
        epochs: args.epochs,
        out: None,
    };
    let simulation = run_long(py, None, None, |ticker| {
        scaling_laws::commands::simulate::simulate(request, ticker)
    })?;
    let out = PyDict::new(py);
    for (name, values) in simulation.columns(true) {
        out.set_item(name, PyArray1::from_vec(py, values))?;
    }
    Ok(out)
}

/// Add the simulator to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(simulate_runs, m)?)?;
    let design = SimulationDesign::default();
    let defaults = PyDict::new(m.py());
    defaults.set_item("seed", design.seed)?;
    defaults.set_item("noise", design.noise_sd)?;
    defaults.set_item("budgets", design.budgets)?;
    defaults.set_item("sizes_per_budget", design.sizes_per_budget)?;
    defaults.set_item("span", design.span)?;
    defaults.set_item("flops_per_param_token", design.flops_per_param_token)?;
    let law = serde_json::to_string(&design.law)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    defaults.set_item("law_json", law)?;
    m.add("SIMULATION_DEFAULTS", defaults)?;
    Ok(())
}
