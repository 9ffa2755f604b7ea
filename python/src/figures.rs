//! `Fit.plot` and the `Figure` object: the library's figures of a fit
//! (`scaling_laws::figures`), drawn into memory as SVG, rasterised to PNG and saved by the
//! library, with the settings of `scaling-laws plot`.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use scaling_laws::Error;
use scaling_laws::figures::{self, Figure, FigureSettings};
use scaling_laws::plot::PlotOptions;

use crate::errors::IntoPy;
use crate::fit::NativeFit;
use crate::work::run_long;

/// The keyword arguments of `Fit.plot`, named as the flags of `scaling-laws plot`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct FigureArgs {
    budgets: Vec<f64>,
    tolerance_dex: f64,
    compute_range: Option<String>,
    level: f64,
    models: Option<Vec<String>>,
    width: u32,
    height: u32,
}

impl FigureArgs {
    fn settings(&self) -> Result<FigureSettings, Error> {
        let compute_range = (self.compute_range.as_deref())
            .map(scaling_laws::figures::parse_compute_range)
            .transpose()?;
        Ok(FigureSettings {
            budgets: self.budgets.clone(),
            tolerance_dex: self.tolerance_dex,
            compute_range,
            level: self.level,
            models: self.models.clone(),
            plot: size(self.width, self.height),
        })
    }
}

fn size(width: u32, height: u32) -> PlotOptions {
    PlotOptions {
        width,
        height,
        title: None,
    }
}

/// The SVG text of figure `kind` of `fit`, drawn with the GIL released.
#[pyfunction]
fn render_figure(
    py: Python<'_>,
    fit: &NativeFit,
    kind: &str,
    args: FigureArgs,
) -> PyResult<String> {
    let figure = Figure::parse(kind, "--kind").py_err(py)?;
    let settings = args.settings().py_err(py)?;
    let data = fit.runs().py_err(py)?;
    let svg = run_long(py, None, None, |_| {
        figures::render_fit(
            figure,
            &fit.saved,
            &data,
            &settings,
            scaling_laws::plot::ImageFormat::Svg,
        )
    })?;
    String::from_utf8(svg).map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

/// Draw every figure of `fit` into `folder` as PNG and SVG, as `scaling-laws plot all`
/// (the folder is replaced as a whole); returns the files written.
#[pyfunction]
fn save_figures(
    py: Python<'_>,
    fit: &NativeFit,
    folder: &str,
    args: FigureArgs,
) -> PyResult<Vec<String>> {
    let settings = args.settings().py_err(py)?;
    let data = fit.runs().py_err(py)?;
    let written = run_long(py, None, None, |_| {
        settings.with_inputs(None, &fit.saved, &data, |inputs| {
            figures::draw_all(std::path::Path::new(folder), inputs, &settings.plot)
        })
    })?;
    Ok(written
        .into_iter()
        .map(|p| p.display().to_string())
        .collect())
}

/// The PNG bytes of an SVG figure, rasterised at `width` x `height` pixels.
#[pyfunction]
fn rasterise_svg<'py>(
    py: Python<'py>,
    svg: &str,
    width: u32,
    height: u32,
) -> PyResult<Bound<'py, PyBytes>> {
    let png = run_long(py, None, None, |_| {
        figures::rasterise(svg.as_bytes(), &size(width, height))
    })?;
    Ok(PyBytes::new(py, &png))
}

/// Write an SVG figure to `path` atomically, as SVG or PNG by its extension.
#[pyfunction]
fn save_svg(py: Python<'_>, svg: &str, path: &str, width: u32, height: u32) -> PyResult<()> {
    run_long(py, None, None, |_| {
        figures::save_svg(
            svg.as_bytes(),
            std::path::Path::new(path),
            &size(width, height),
        )
        .map_err(|e| match e {
            // The file is `path=` here, `--out` on the command line.
            Error::InvalidOption { flag, message } if flag == "--out" => {
                Error::invalid_option("--path", message)
            }
            e => e,
        })
    })
}

/// Add the figure functions and the defaults of `scaling-laws plot` to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(render_figure, m)?)?;
    m.add_function(wrap_pyfunction!(save_figures, m)?)?;
    m.add_function(wrap_pyfunction!(rasterise_svg, m)?)?;
    m.add_function(wrap_pyfunction!(save_svg, m)?)?;
    let defaults = PyDict::new(m.py());
    let settings = FigureSettings::default();
    let names: Vec<&str> = Figure::ALL.iter().map(|f| f.name()).collect();
    defaults.set_item("kinds", names)?;
    defaults.set_item("tolerance_dex", settings.tolerance_dex)?;
    defaults.set_item("compute_range", settings.compute_range)?;
    defaults.set_item("level", settings.level)?;
    defaults.set_item("width", settings.plot.width)?;
    defaults.set_item("height", settings.plot.height)?;
    defaults.set_item("models", figures::DEFAULT_MODELS.to_vec())?;
    m.add("FIGURE_DEFAULTS", defaults)?;
    Ok(())
}
