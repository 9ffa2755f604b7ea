//! `scaling_laws.design` and `Fit.suggest`: the library's `design` and `suggest` commands with
//! the options of `scaling-laws design` and `suggest`, named as their flags and with the same
//! defaults. Each returns the command's JSON, its text report, the CSV of its runs (what
//! `--out` writes) and notes.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use scaling_laws::answer::decision::ShapeOptions;
use scaling_laws::commands::design::DesignRequest;
use scaling_laws::commands::suggest::SuggestRequest;
use scaling_laws::design::suggest::Target;
use scaling_laws::design::sweep::DesignConfig;
use scaling_laws::plan::Embeddings;

use crate::analyses::rendered;
use crate::errors::IntoPy;
use crate::fit::NativeFit;
use crate::plan::{HardwareArgs, SetupArgs};
use crate::work::run_long;

/// The command's JSON, text report, CSV of runs, and notes.
type Rendered = (String, String, String, Vec<String>);

/// A renderer of a command's result.
type Renderer<T> = fn(&T, &mut dyn std::io::Write) -> std::io::Result<()>;

/// Run `command` with the GIL released, and render its result as JSON, text and CSV (in that
/// order in `renderers`), with its notes.
fn run_and_render<T: Send>(
    py: Python<'_>,
    command: impl FnOnce(&crate::work::Ticker) -> Result<T, scaling_laws::Error> + Send,
    renderers: [Renderer<T>; 3],
) -> PyResult<Rendered> {
    let (result, notes) = run_long(py, None, None, |ticker| {
        let result = command(ticker)?;
        Ok((result, ticker.take_notes()))
    })?;
    let [json, text, csv] = renderers.map(|render| rendered(|w| render(&result, w)));
    Ok((
        json?,
        text?,
        csv?,
        notes.iter().map(|n| n.text().to_string()).collect(),
    ))
}

/// The keyword arguments of `scaling_laws.design` besides the hardware and set-up.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct DesignArgs {
    budget: Vec<f64>,
    budgets: Option<String>,
    per_decade: u32,
    sizes: usize,
    span: f64,
    tokens_per_param: f64,
    flops_per_param_token: Option<f64>,
    level: f64,
    shape: bool,
    vocab: u64,
    seq_len: u64,
    shapes_per_rule: usize,
    tp: u64,
    embeddings: Option<String>,
}

/// A sweep designed as `scaling-laws design` designs it, centred on `fit` when given.
#[pyfunction]
#[pyo3(signature = (args, fit=None))]
fn design_json(
    py: Python<'_>,
    args: &Bound<'_, PyDict>,
    fit: Option<PyRef<'_, NativeFit>>,
) -> PyResult<Rendered> {
    let (hardware, setup): (HardwareArgs, SetupArgs) = (args.extract()?, args.extract()?);
    let args: DesignArgs = args.extract()?;
    let hardware = hardware.options().py_err(py)?;
    let shapes = args
        .shape
        .then(|| {
            ShapeOptions::new(
                args.vocab,
                args.seq_len,
                args.shapes_per_rule,
                args.tp,
                args.embeddings
                    .as_deref()
                    .map(Embeddings::parse)
                    .transpose()?,
            )
        })
        .transpose()
        .py_err(py)?;
    let request = DesignRequest {
        fit: fit.map(|f| f.source()),
        budget: args.budget,
        budgets: args.budgets,
        per_decade: args.per_decade,
        config: DesignConfig {
            budgets: Vec::new(),
            sizes: args.sizes,
            span: args.span,
            tokens_per_param: args.tokens_per_param,
            flops_per_param_token: 6.0,
            level: args.level,
        },
        flops_per_param_token: args.flops_per_param_token,
        setup: setup.setup(hardware.gpus).py_err(py)?,
        hardware,
        shapes,
        out: None,
    };
    use scaling_laws::report::design as report;
    run_and_render(
        py,
        |ticker| scaling_laws::commands::design::design(request, ticker),
        [report::json, report::text, report::csv],
    )
}

/// The keyword arguments of `Fit.suggest`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct SuggestArgs {
    target_budget: f64,
    target: String,
    runs: usize,
    compute_limit: Option<f64>,
    total_compute: Option<f64>,
    level: f64,
    allow_outside: bool,
    bootstrap: Option<usize>,
    seed: u64,
}

/// The next runs to train, as `scaling-laws suggest` chooses them for `fit`.
#[pyfunction]
fn suggest_json(
    py: Python<'_>,
    args: SuggestArgs,
    fit: PyRef<'_, NativeFit>,
) -> PyResult<Rendered> {
    let request = SuggestRequest {
        fit: fit.source(),
        target_budget: args.target_budget,
        target: Target::parse(&args.target).py_err(py)?,
        runs: args.runs,
        compute_limit: args.compute_limit,
        total_compute: args.total_compute,
        level: args.level,
        allow_outside: args.allow_outside,
        bootstrap: args
            .bootstrap
            .map(|n| scaling_laws::uncertainty::BootstrapConfig {
                n_resamples: n,
                seed: args.seed,
                ..scaling_laws::uncertainty::BootstrapConfig::default()
            }),
        out: None,
    };
    use scaling_laws::report::suggest as report;
    run_and_render(
        py,
        |ticker| scaling_laws::commands::suggest::suggest(request, ticker),
        [report::json, report::text, report::csv],
    )
}

/// Add the functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(design_json, m)?)?;
    m.add_function(wrap_pyfunction!(suggest_json, m)?)?;
    let defaults = PyDict::new(m.py());
    defaults.set_item("sizes", scaling_laws::design::sweep::DEFAULT_SIZES)?;
    defaults.set_item("span", scaling_laws::design::sweep::DEFAULT_SPAN)?;
    defaults.set_item(
        "tokens_per_param",
        scaling_laws::design::sweep::DEFAULT_TOKENS_PER_PARAM,
    )?;
    m.add("DESIGN_DEFAULTS", defaults)?;
    Ok(())
}
