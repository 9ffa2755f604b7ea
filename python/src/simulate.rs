//! `scaling_laws.simulate`: a synthetic IsoFLOP sweep (`scaling_laws::simulate::simulate`, or
//! `simulate_repeated` with epochs) with the options of `scaling-laws simulate`.

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use scaling_laws::simulate::{
    CHINCHILLA_ISOFLOP_BUDGETS, SimulatedRun, SimulationDesign, simulate, simulate_repeated,
    true_law,
};

use crate::errors::IntoPy;

/// One figure of a simulated run.
type Field = fn(&SimulatedRun) -> f64;

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
/// unique_tokens with epochs, flops, loss, true_loss).
#[pyfunction]
fn simulate_runs<'py>(py: Python<'py>, args: SimulateArgs) -> PyResult<Bound<'py, PyDict>> {
    let (law, _) = true_law(args.law.as_deref(), args.truth.as_deref()).py_err(py)?;
    let design = SimulationDesign {
        law,
        budgets: args
            .budgets
            .unwrap_or_else(|| CHINCHILLA_ISOFLOP_BUDGETS.to_vec()),
        sizes_per_budget: args.sizes_per_budget,
        span: args.span,
        noise_sd: args.noise,
        flops_per_param_token: args.flops_per_param_token,
        seed: args.seed,
    };
    let runs = py
        .detach(|| {
            let runs = if args.epochs.is_empty() {
                simulate(&design)?
            } else {
                simulate_repeated(&design, &args.epochs)?
            };
            scaling_laws::finite::check_finite(&runs, "the simulated runs")?;
            Ok(runs)
        })
        .py_err(py)?;
    let out = PyDict::new(py);
    let mut columns: Vec<(&str, Field)> = vec![
        ("flops_budget", |r| r.flops_budget),
        ("n_params", |r| r.n_params),
        ("n_tokens", |r| r.n_tokens),
        ("flops", |r| r.flops),
        ("loss", |r| r.loss),
        ("true_loss", |r| r.true_loss),
    ];
    if !args.epochs.is_empty() {
        // Where the command's CSV has it: after n_tokens.
        columns.insert(3, ("unique_tokens", |r| r.unique_tokens));
    }
    for (name, get) in columns {
        let values: Vec<f64> = runs.iter().map(get).collect();
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
