//! `scaling_laws.curve_fit` and the methods of `CurveFit`: the training-curve commands
//! (`scaling-laws curve fit|predict|schedule|simulate|plot`) with fits and results as JSON, which
//! the Python package turns into objects and data frames.

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use scaling_laws::Error;
use scaling_laws::commands::curve::{
    CurveFitReport, CurveFitRequest, CurvePredictRequest, CurveSimulateRequest, curve_fit,
    curve_simulate, parse_named_schedules, parse_schedules, predict_with, sweep_optimal,
};
use scaling_laws::commands::curve_plot::{CurvePlotRequest, curve_plot_image};
use scaling_laws::commands::curve_schedule::{CurveScheduleRequest, schedule_with};
use scaling_laws::curve::schedule::Schedule;
use scaling_laws::data::checkpoints::{LogOptions, RunLog, logs_from_columns};
use scaling_laws::plot::{CurveFigure, ImageFormat, PlotOptions};

use crate::data::column;
use crate::errors::IntoPy;
use crate::work::run_long;

/// The keyword arguments of `scaling_laws.curve_fit`, named as the command line's flags.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct CurveFitArgs {
    law: String,
    schedule: Vec<String>,
    lam: f64,
    delta: f64,
    bootstrap: usize,
    seed: u64,
    level: f64,
    step_col: Option<String>,
    loss_col: Option<String>,
    lr_col: Option<String>,
    run_col: Option<String>,
    params_col: Option<String>,
    tokens_col: Option<String>,
    params: Vec<(String, f64)>,
    tokens_per_step: Option<f64>,
    budget: Vec<f64>,
}

/// The runs' logs of data frames' columns (`(label, columns)`), read with `log`.
fn frame_logs(
    py: Python<'_>,
    frames: &[(String, Vec<Bound<'_, PyAny>>)],
    log: &LogOptions,
) -> PyResult<Vec<RunLog>> {
    let mut logs = Vec::new();
    for (label, columns) in frames {
        let columns = columns.iter().map(column).collect::<PyResult<Vec<_>>>()?;
        logs.extend(
            py.detach(|| logs_from_columns(columns, label, log))
                .py_err(py)?,
        );
    }
    Ok(logs)
}

fn json_error(e: serde_json::Error) -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err(e.to_string())
}

/// Fit a curve law to the runs in `paths` and in `frames` (`(label, columns)`, each a data
/// frame's columns); returns the fit as JSON. Runs with the GIL released; Ctrl-C stops it.
#[pyfunction]
#[pyo3(signature = (paths, frames, args, progress=None))]
fn curve_fit_runs(
    py: Python<'_>,
    paths: Vec<String>,
    frames: Vec<(String, Vec<Bound<'_, PyAny>>)>,
    args: CurveFitArgs,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let log = LogOptions {
        step_col: args.step_col,
        loss_col: args.loss_col,
        lr_col: args.lr_col,
        run_col: args.run_col,
        params_col: args.params_col,
        tokens_col: args.tokens_col,
        params: args.params,
        tokens_per_step: args.tokens_per_step,
    };
    let logs = frame_logs(py, &frames, &log)?;
    let request = CurveFitRequest {
        paths,
        logs,
        log,
        schedules: parse_schedules(&args.schedule).py_err(py)?,
        law: args.law,
        lambda: args.lam,
        delta: args.delta,
        out: None,
        bootstrap: args.bootstrap,
        seed: args.seed,
        level: args.level,
        budgets: args.budget,
    };
    let report = run_long(py, None, progress, |ticker| curve_fit(&request, ticker))?;
    serde_json::to_string(&report).map_err(json_error)
}

fn load(
    py: Python<'_>,
    text: &str,
    shown: &str,
) -> PyResult<(CurveFitReport, Box<dyn scaling_laws::curve::law::CurveLaw>)> {
    CurveFitReport::from_json(text, shown).py_err(py)
}

/// Check a fit's JSON (as `curve fit --out` writes it) and return it as the library
/// serialises it; `shown` names it in messages.
#[pyfunction]
fn curve_fit_checked(py: Python<'_>, text: &str, shown: &str) -> PyResult<String> {
    serde_json::to_string(&load(py, text, shown)?.0).map_err(json_error)
}

/// Read a fit saved by `curve fit --out` (size-limited, as the command line reads it).
#[pyfunction]
fn curve_fit_read(py: Python<'_>, path: &str) -> PyResult<String> {
    let text = scaling_laws::saved::read_fit_text(
        std::path::Path::new(path),
        path,
        "scaling-laws curve fit --out",
    )
    .py_err(py)?;
    curve_fit_checked(py, &text, path)
}

/// The fit as the command line's text report.
#[pyfunction]
fn curve_fit_text(py: Python<'_>, text: &str) -> PyResult<String> {
    let (report, _) = load(py, text, "the fit")?;
    let mut out = Vec::new();
    scaling_laws::report::curve::fit_text(&report, &mut out)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The trajectory a fit predicts under `schedule`, as JSON (`curve predict --format json`).
#[pyfunction]
#[pyo3(signature = (text, schedule, every=None, target_loss=None, size=None))]
fn curve_predict(
    py: Python<'_>,
    text: &str,
    schedule: &str,
    every: Option<usize>,
    target_loss: Option<f64>,
    size: Option<(f64, f64)>,
) -> PyResult<String> {
    let (saved, law) = load(py, text, "the fit")?;
    let schedule = Schedule::parse(schedule, "--schedule").py_err(py)?;
    let request = CurvePredictRequest {
        fit: String::new(),
        every: every.unwrap_or((schedule.steps / 100).max(1)),
        schedule,
        target_loss,
        size,
    };
    let prediction = py
        .detach(|| predict_with(&saved, law.as_ref(), &request))
        .py_err(py)?;
    serde_json::to_string(&prediction).map_err(json_error)
}

/// N* and D* at `budgets` from a joint-law fit, as JSON (`curve fit --budget`).
#[pyfunction]
fn curve_optimal(py: Python<'_>, text: &str, budgets: Vec<f64>) -> PyResult<String> {
    let (saved, _) = load(py, text, "the fit")?;
    let optimal = sweep_optimal(&saved, &budgets).py_err(py)?;
    serde_json::to_string(&optimal).map_err(json_error)
}

/// The best schedule of each family for a fit, as JSON (`curve schedule --format json`), and
/// with `free` the free schedule's rate at every step (what `--free-out` writes).
#[pyfunction]
#[pyo3(signature = (text, schedule, families, free=false))]
fn curve_best_schedule(
    py: Python<'_>,
    text: &str,
    schedule: &str,
    families: Vec<String>,
    free: bool,
) -> PyResult<(String, Option<Vec<f64>>)> {
    let (saved, law) = load(py, text, "the fit")?;
    let request = CurveScheduleRequest {
        fit: String::new(),
        base: Schedule::parse(schedule, "--schedule").py_err(py)?,
        families,
        free,
        free_out: None,
    };
    let report = py
        .detach(|| schedule_with(&saved, law.as_ref(), &request))
        .py_err(py)?;
    let lrs = report.free.as_ref().map(|f| f.lrs.clone());
    Ok((serde_json::to_string(&report).map_err(json_error)?, lrs))
}

/// The keyword arguments of `CurveFit.plot`, named as the flags of `curve plot`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct CurvePlotArgs {
    kind: String,
    schedule: Vec<String>,
    predict: Vec<String>,
    step_col: Option<String>,
    loss_col: Option<String>,
    lr_col: Option<String>,
    run_col: Option<String>,
    width: u32,
    height: u32,
}

/// The SVG text of figure `args.kind` of a curve fit (`curve plot`) over the runs in `paths`
/// and `frames`, drawn with the GIL released.
#[pyfunction]
fn curve_plot_svg(
    py: Python<'_>,
    text: &str,
    paths: Vec<String>,
    frames: Vec<(String, Vec<Bound<'_, PyAny>>)>,
    args: CurvePlotArgs,
) -> PyResult<String> {
    let (saved, law) = load(py, text, "the fit")?;
    let log = LogOptions {
        step_col: args.step_col,
        loss_col: args.loss_col,
        lr_col: args.lr_col,
        run_col: args.run_col,
        ..LogOptions::default()
    };
    let request = CurvePlotRequest {
        fit: String::new(),
        paths,
        logs: frame_logs(py, &frames, &log)?,
        log,
        schedules: parse_schedules(&args.schedule).py_err(py)?,
        predict: parse_named_schedules(&args.predict, "--predict").py_err(py)?,
        kind: CurveFigure::parse(&args.kind, "--kind").py_err(py)?,
        plot: PlotOptions {
            width: args.width,
            height: args.height,
            title: None,
        },
        out: std::path::PathBuf::new(),
    };
    let svg = run_long(py, None, None, |_| {
        curve_plot_image(&saved, law.as_ref(), &request, ImageFormat::Svg)
    })?;
    String::from_utf8(svg).map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

/// Draw training curves (`curve simulate`); returns the columns run, step, lr, loss.
#[pyfunction]
#[pyo3(signature = (schedules, truth, every, noise, seed, law="multi-power".to_string(), params=Vec::new(), tokens_per_step=None))]
#[allow(clippy::too_many_arguments)]
fn curve_simulate_runs<'py>(
    py: Python<'py>,
    schedules: Vec<String>,
    truth: Option<Vec<f64>>,
    every: usize,
    noise: f64,
    seed: u64,
    law: String,
    params: Vec<(String, f64)>,
    tokens_per_step: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let defaults = CurveSimulateRequest::default();
    let mut request = CurveSimulateRequest {
        law,
        truth,
        every,
        noise,
        seed,
        params,
        tokens_per_step: tokens_per_step.unwrap_or(defaults.tokens_per_step),
        ..defaults
    };
    if !schedules.is_empty() {
        request.runs = parse_schedules(&schedules)
            .and_then(|runs| {
                runs.into_iter()
                    .map(|(name, s)| {
                        name.map(|n| (n, s)).ok_or_else(|| {
                            Error::invalid_option("--schedule", "name each run: NAME=SPEC")
                        })
                    })
                    .collect()
            })
            .py_err(py)?;
    }
    let rows = py.detach(|| curve_simulate(&request)).py_err(py)?;
    let out = PyDict::new(py);
    out.set_item(
        "run",
        rows.iter().map(|r| r.run.clone()).collect::<Vec<_>>(),
    )?;
    let column = |f: fn(&scaling_laws::commands::curve::SimulatedCheckpoint) -> f64| {
        PyArray1::from_vec(py, rows.iter().map(f).collect())
    };
    out.set_item(
        "step",
        PyArray1::from_vec(py, rows.iter().map(|r| r.step as i64).collect()),
    )?;
    out.set_item("lr", column(|r| r.lr))?;
    out.set_item("loss", column(|r| r.loss))?;
    if rows.first().is_some_and(|r| r.size.is_some()) {
        out.set_item("params", column(|r| r.size.map_or(f64::NAN, |s| s.0)))?;
        out.set_item(
            "tokens_per_step",
            column(|r| r.size.map_or(f64::NAN, |s| s.1)),
        )?;
    }
    Ok(out)
}

/// Add the curve functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(curve_fit_runs, m)?)?;
    m.add_function(wrap_pyfunction!(curve_fit_checked, m)?)?;
    m.add_function(wrap_pyfunction!(curve_fit_read, m)?)?;
    m.add_function(wrap_pyfunction!(curve_fit_text, m)?)?;
    m.add_function(wrap_pyfunction!(curve_predict, m)?)?;
    m.add_function(wrap_pyfunction!(curve_optimal, m)?)?;
    m.add_function(wrap_pyfunction!(curve_best_schedule, m)?)?;
    m.add_function(wrap_pyfunction!(curve_simulate_runs, m)?)?;
    m.add_function(wrap_pyfunction!(curve_plot_svg, m)?)?;
    let defaults = PyDict::new(m.py());
    defaults.set_item("lam", scaling_laws::curve::law::DEFAULT_LAMBDA)?;
    defaults.set_item("delta", scaling_laws::fit::objective::DEFAULT_HUBER_DELTA)?;
    defaults.set_item("seed", scaling_laws::uncertainty::bootstrap::DEFAULT_SEED)?;
    let sim = CurveSimulateRequest::default();
    defaults.set_item("every", sim.every)?;
    defaults.set_item("noise", sim.noise)?;
    defaults.set_item("simulate_seed", sim.seed)?;
    m.add("CURVE_DEFAULTS", defaults)?;
    Ok(())
}
