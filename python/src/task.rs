//! `scaling_laws.task`: benchmark accuracy chained from N and D (`scaling-laws task`), with the
//! report as JSON, which the Python package turns into objects and data frames.

use pyo3::prelude::*;
use scaling_laws::commands::task::{TaskRequest, task_laws};
use scaling_laws::plot::{ImageFormat, PlotOptions, task_image, task_options};
use scaling_laws::task::Step2Form;

use crate::errors::IntoPy;

/// The keyword arguments of `scaling_laws.task`, named as the command line's flags.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct TaskArgs {
    params: Vec<(String, f64)>,
    target: Vec<(String, f64, f64)>,
    task: Vec<String>,
    average: Vec<(String, Vec<(String, f64)>)>,
    floor: Vec<(String, f64)>,
    template: Vec<(String, String)>,
    step2: String,
    budget: Vec<f64>,
    target_accuracy: Vec<f64>,
    bootstrap: usize,
    level: f64,
}

fn request(py: Python<'_>, paths: Vec<String>, args: TaskArgs) -> PyResult<TaskRequest> {
    Ok(TaskRequest {
        paths,
        params: args.params,
        tasks: args.task,
        averages: args.average,
        floors: args.floor,
        templates: args.template,
        form: match args.step2.as_str() {
            "sigmoid" => Step2Form::Sigmoid,
            "exponential" => Step2Form::Exponential,
            other => {
                return Err(crate::errors::option_error(
                    py,
                    "--step2",
                    format!("'{other}' is not a form of step 2; the forms: sigmoid, exponential"),
                ));
            }
        },
        targets: args.target,
        budgets: args.budget,
        target_accuracies: args.target_accuracy,
        bootstrap: args.bootstrap,
        level: args.level,
    })
}

/// Fit and predict every requested task of the logs in `paths` (`scaling-laws task --format
/// json`), with the GIL released.
#[pyfunction]
fn task_laws_json(py: Python<'_>, paths: Vec<String>, args: TaskArgs) -> PyResult<String> {
    let request = request(py, paths, args)?;
    let report = py.detach(|| task_laws(&request)).py_err(py)?;
    serde_json::to_string(&report)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

/// The figure of `scaling-laws task --plot` as SVG, `width` × `height` units at 300 to the
/// inch (0 for the default size); the fits are made again, with the same seeds.
#[pyfunction]
fn task_plot_svg(
    py: Python<'_>,
    paths: Vec<String>,
    args: TaskArgs,
    width: u32,
    height: u32,
) -> PyResult<String> {
    let request = request(py, paths, args)?;
    let report = py.detach(|| task_laws(&request)).py_err(py)?;
    let default = task_options(report.tasks.len());
    let opts = PlotOptions {
        width: if width == 0 { default.width } else { width },
        height: if height == 0 { default.height } else { height },
        title: None,
    };
    let level = (report.bootstrap >= 2).then_some(report.level);
    let svg = task_image(&report.panels, level, &opts, ImageFormat::Svg).py_err(py)?;
    String::from_utf8(svg).map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

/// Add the task functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(task_laws_json, m)?)?;
    m.add_function(wrap_pyfunction!(task_plot_svg, m)?)?;
    Ok(())
}
