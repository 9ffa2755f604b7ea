//! The analyses of a sweep besides the parametric fit: `scaling_laws.isoflop` (Approach 2),
//! `scaling_laws.envelope` (Approach 1), `scaling_laws.compare` (Approaches 1, 2 and 3 side by
//! side) and `scaling_laws.select` (laws compared by how well they extrapolate), with the
//! options of the commands of the same names. Each returns the command's `--format json` output
//! and its text report, which the Python package turns into result objects.

use std::io::{self, Write};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use scaling_laws::Error;
use scaling_laws::approaches::envelope::EnvelopeConfig;
use scaling_laws::approaches::isoflop::IsoflopConfig;
use scaling_laws::check::compare::CompareConfig;
use scaling_laws::check::select::SelectOptions;
use scaling_laws::commands::DataSource;
use scaling_laws::commands::compare::CompareRequest;
use scaling_laws::commands::envelope::{CurveSource, Curves, EnvelopeRequest};
use scaling_laws::commands::isoflop::IsoflopRequest;
use scaling_laws::commands::select::SelectRequest;
use scaling_laws::data::checkpoints::parse_run_params;
use scaling_laws::data::curves::CurveOptions;
use scaling_laws::data::table::Column;
use scaling_laws::fit::options::LossKind;

use crate::data::NativeDataset;
use crate::errors::IntoPy;
use crate::fit::{DeltaArg, FitArgs, StartsArg};
use crate::work::run_long;

/// A renderer's output as a string: the bytes the command writes to standard output.
pub(crate) fn rendered(render: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> PyResult<String> {
    let mut bytes = Vec::new();
    render(&mut bytes).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// The resampling keyword arguments of the commands that bootstrap by default.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct ResampleArgs {
    bootstrap: usize,
    seed: u64,
    level: f64,
}

/// The keyword arguments of `scaling_laws.isoflop`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct IsoflopArgs {
    budgets: Vec<f64>,
    tolerance_dex: f64,
    min_runs: usize,
    resample: ResampleArgs,
}

/// Approach 2 on a loaded dataset; returns `(JSON, text report)`, the outputs of
/// `scaling-laws isoflop --format json` and `--format text`. Runs on a worker thread with the
/// GIL released; Ctrl-C stops the bootstrap.
#[pyfunction]
fn isoflop_json(
    py: Python<'_>,
    data: &NativeDataset,
    args: IsoflopArgs,
) -> PyResult<(String, String)> {
    let request = IsoflopRequest {
        data: DataSource::Rows(data.inner.clone()),
        config: IsoflopConfig {
            budgets: args.budgets,
            tolerance_dex: args.tolerance_dex,
            min_runs: args.min_runs,
            n_resamples: args.resample.bootstrap,
            seed: args.resample.seed,
            level: args.resample.level,
            ..IsoflopConfig::default()
        },
        plot: None,
    };
    let report = run_long(py, None, None, |ticker| {
        scaling_laws::commands::isoflop::isoflop(&request, ticker)
    })?;
    let json = rendered(|w| scaling_laws::report::isoflop::json(&report.analysis, w))?;
    let text =
        rendered(|w| scaling_laws::report::isoflop::text(&report.data, &report.analysis, w))?;
    Ok((json, text))
}

/// How to read training curves, named as the flags of `scaling-laws envelope`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct CurveArgs {
    tokens_col: String,
    loss_col: String,
    params_col: Option<String>,
    run_col: Option<String>,
    /// `PREFIX=N` items, as `--run-params` takes them.
    run_params: Vec<String>,
    flops_col: Option<String>,
    flops_scale: f64,
}

/// The curve sources handed over by Python: a path, or `(label, [column, ...])` with columns
/// as `load_columns` takes them.
fn curve_sources(items: &[Bound<'_, PyAny>]) -> PyResult<Vec<CurveSource>> {
    items
        .iter()
        .map(|item| {
            if let Ok(path) = item.extract::<String>() {
                return Ok(CurveSource::File(path));
            }
            let item = item.cast::<PyTuple>()?;
            let label: String = item.get_item(0)?.extract()?;
            let columns: Vec<Bound<'_, PyAny>> = item.get_item(1)?.extract()?;
            let columns = columns
                .iter()
                .map(crate::data::column)
                .collect::<PyResult<Vec<Column>>>()?;
            Ok(CurveSource::Columns { label, columns })
        })
        .collect()
}

/// The curves of `sources`, read as `scaling-laws envelope` reads its files.
fn curves(sources: Vec<CurveSource>, args: CurveArgs) -> Result<Curves, Error> {
    Ok(Curves {
        sources,
        options: CurveOptions {
            tokens_col: args.tokens_col,
            loss_col: args.loss_col,
            params_col: args.params_col,
            run_col: args.run_col,
            run_params: parse_run_params(&args.run_params, "--run-params")?,
            flops_col: args.flops_col,
            flops_scale: args.flops_scale,
        },
    })
}

/// The keyword arguments of `scaling_laws.envelope`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct EnvelopeArgs {
    curves: CurveArgs,
    flops_per_param_token: f64,
    final_only: bool,
    min_sizes: usize,
    per_decade: usize,
    resample: ResampleArgs,
}

/// Approach 1 on the training curves of `sources` (paths, or `(label, columns)` of data
/// frames); returns `(JSON, text report)`, the outputs of `scaling-laws envelope --format json`
/// and `--format text`. Runs on a worker thread with the GIL released; Ctrl-C stops the
/// bootstrap.
#[pyfunction]
fn envelope_json(
    py: Python<'_>,
    sources: Vec<Bound<'_, PyAny>>,
    args: EnvelopeArgs,
) -> PyResult<(String, String)> {
    let request = EnvelopeRequest {
        curves: curves(curve_sources(&sources)?, args.curves).py_err(py)?,
        config: EnvelopeConfig {
            flops_per_param_token: args.flops_per_param_token,
            per_decade: args.per_decade,
            final_only: args.final_only,
            min_sizes: args.min_sizes,
            n_resamples: args.resample.bootstrap,
            seed: args.resample.seed,
            level: args.resample.level,
        },
        plot: None,
    };
    let analysis = run_long(py, None, None, |ticker| {
        scaling_laws::commands::envelope::envelope(&request, ticker)
    })?;
    let json = rendered(|w| scaling_laws::report::envelope::json(&analysis, w))?;
    let text = rendered(|w| scaling_laws::report::envelope::text(&analysis, w))?;
    Ok((json, text))
}

/// The keyword arguments of `scaling_laws.select`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct SelectArgs {
    laws: Vec<String>,
    holdout_k: usize,
    level: f64,
    bootstrap: usize,
    seed: u64,
    loss: String,
    delta: Option<DeltaArg>,
    starts: Option<StartsArg>,
    max_iters: u64,
}

/// Laws compared on a loaded dataset, as `scaling-laws select`; returns `(JSON, text
/// report)`. Runs on a worker thread with the GIL released; `progress(done, total)` counts the
/// laws fitted, and Ctrl-C stops the fit, holdout or bootstrap under way.
#[pyfunction]
#[pyo3(signature = (data, args, progress=None))]
fn select_json(
    py: Python<'_>,
    data: &NativeDataset,
    args: SelectArgs,
    progress: Option<Py<PyAny>>,
) -> PyResult<(String, String)> {
    let config = SelectOptions {
        laws: args.laws,
        holdout_k: args.holdout_k,
        level: args.level,
        bootstrap: args.bootstrap,
        seed: args.seed,
        loss: LossKind::parse(&args.loss).py_err(py)?,
        delta: args
            .delta
            .as_ref()
            .map(DeltaArg::delta)
            .transpose()
            .py_err(py)?,
        starts: args
            .starts
            .as_ref()
            .map(StartsArg::starts)
            .transpose()
            .py_err(py)?,
        max_iters: args.max_iters,
    }
    .config()
    .py_err(py)?;
    let request = SelectRequest {
        data: DataSource::Rows(data.inner.clone()),
        config,
        plot: None,
    };
    let selection = run_long(py, None, progress, |ticker| {
        scaling_laws::commands::select::select(&request, ticker)
    })?;
    let json = rendered(|w| scaling_laws::report::json(&selection, w))?;
    let text = rendered(|w| scaling_laws::report::select::text(&selection, w))?;
    Ok((json, text))
}

/// The keyword arguments of `scaling_laws.compare`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct CompareArgs<'py> {
    /// How Approach 3 is fitted: the keyword arguments of `scaling_laws.fit` (`threads`
    /// unused).
    fit: FitArgs,
    at: Vec<f64>,
    tolerance_factor: f64,
    isoflop_budgets: Vec<f64>,
    tolerance_dex: f64,
    /// Training curves of Approach 1 (`--curves`: paths, or `(label, columns)` of data
    /// frames); empty: no Approach 1.
    curve_sources: Vec<Bound<'py, PyAny>>,
    curves: CurveArgs,
    resample: ResampleArgs,
}

/// Approaches 1 (with curves), 2 and 3 compared on a loaded dataset, as `scaling-laws
/// compare`; returns `(JSON, text report, notes)`. Runs on a worker thread with the GIL
/// released; `progress(done, total)` counts the fit's L-BFGS runs and the bootstrap's
/// resamples, and Ctrl-C stops the work at the next of them.
#[pyfunction]
#[pyo3(signature = (data, args, progress=None))]
fn compare_json(
    py: Python<'_>,
    data: &NativeDataset,
    args: CompareArgs<'_>,
    progress: Option<Py<PyAny>>,
) -> PyResult<(String, String, Vec<String>)> {
    let config = CompareConfig {
        at: args.at,
        tolerance_factor: args.tolerance_factor,
        isoflop_budgets: args.isoflop_budgets,
        tolerance_dex: args.tolerance_dex,
        n_resamples: args.resample.bootstrap,
        seed: args.resample.seed,
        level: args.resample.level,
    };
    let curves = if args.curve_sources.is_empty() {
        None
    } else {
        Some(curves(curve_sources(&args.curve_sources)?, args.curves).py_err(py)?)
    };
    let request = CompareRequest {
        data: DataSource::Rows(data.inner.clone()),
        fit: args.fit.options().py_err(py)?,
        config,
        curves,
    };
    let (comparison, notes) = run_long(py, None, progress, |ticker| {
        let comparison = scaling_laws::commands::compare::compare(&request, ticker)?;
        Ok((comparison, ticker.take_notes()))
    })?;
    let notes = notes.iter().map(|n| n.text().to_string()).collect();
    let json = rendered(|w| scaling_laws::report::json(&comparison, w))?;
    let text = rendered(|w| scaling_laws::report::compare::text(&comparison, w))?;
    Ok((json, text, notes))
}

/// Add the analyses to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add(
        "DEFAULT_SEED",
        scaling_laws::uncertainty::bootstrap::DEFAULT_SEED,
    )?;
    m.add_function(wrap_pyfunction!(isoflop_json, m)?)?;
    m.add_function(wrap_pyfunction!(envelope_json, m)?)?;
    m.add_function(wrap_pyfunction!(select_json, m)?)?;
    m.add_function(wrap_pyfunction!(compare_json, m)?)?;
    m.add(
        "DEFAULT_SUBSAMPLE_ROWS",
        scaling_laws::fit::subsample::DEFAULT_SUBSAMPLE_ROWS,
    )?;
    Ok(())
}
