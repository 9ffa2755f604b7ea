//! Loading runs: from a file with the command line's loader, or from columns handed over by
//! Python (a data frame's columns or arrays, converted to numpy in Python), through
//! `scaling_laws::data::load_columns`, which applies the same detection, filters and checks.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use scaling_laws::data::filter::Op;
use scaling_laws::data::table::Column;
use scaling_laws::data::{
    ColumnNames, Condition, Dataset, LoadOptions, Role, RowFilter, Subject, TextCells, Values,
};

use crate::errors::IntoPy;

/// The keyword arguments of `scaling_laws.load`, named as the command line's flags.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct LoadArgs {
    params_col: Option<String>,
    tokens_col: Option<String>,
    flops_col: Option<String>,
    loss_col: Option<String>,
    budget_col: Option<String>,
    unique_tokens_col: Option<String>,
    flops_per_param_token: f64,
    flops_scale: f64,
    conditions: Vec<String>,
    max_loss: Option<f64>,
    drop_highest_loss: usize,
}

impl LoadArgs {
    /// The library's options, as `scaling-laws fit` builds them from its flags.
    fn options(self) -> Result<LoadOptions, scaling_laws::Error> {
        let mut conditions = self
            .conditions
            .iter()
            .map(|c| Condition::parse(c, "--where"))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(x) = self.max_loss {
            conditions.push(Condition {
                subject: Subject::Role(Role::Loss),
                op: Op::Le,
                value: x.to_string(),
                values: Vec::new(),
                or: Vec::new(),
            });
        }
        Ok(LoadOptions {
            columns: ColumnNames {
                params: self.params_col,
                tokens: self.tokens_col,
                flops: self.flops_col,
                loss: self.loss_col,
                budget: self.budget_col,
                unique_tokens: self.unique_tokens_col,
            },
            flops_per_param_token: self.flops_per_param_token,
            flops_scale: self.flops_scale,
            filter: RowFilter {
                conditions,
                drop_highest_loss: self.drop_highest_loss,
            },
        })
    }
}

/// A validated table of runs (`scaling_laws::data::Dataset`), as the library holds it.
#[pyclass(name = "NativeDataset", module = "scaling_laws._native", frozen)]
pub struct NativeDataset {
    /// The library's dataset, handed back to the library by later calls.
    pub inner: Dataset,
}

#[pymethods]
impl NativeDataset {
    /// The columns as numpy arrays: n_params, n_tokens, compute, loss, rows, and budget and
    /// unique_tokens when the data has them.
    fn arrays<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let ds = &self.inner;
        let out = PyDict::new(py);
        out.set_item("n_params", PyArray1::from_slice(py, &ds.n_params))?;
        out.set_item("n_tokens", PyArray1::from_slice(py, &ds.n_tokens))?;
        out.set_item("compute", PyArray1::from_slice(py, &ds.compute))?;
        out.set_item("loss", PyArray1::from_slice(py, &ds.loss))?;
        if let Some(b) = &ds.budget {
            out.set_item("budget", PyArray1::from_slice(py, b))?;
        }
        if let Some(u) = &ds.unique_tokens {
            out.set_item("unique_tokens", PyArray1::from_slice(py, u))?;
        }
        let rows: Vec<i64> = ds.rows.iter().map(|&r| r as i64).collect();
        out.set_item("rows", PyArray1::from_vec(py, rows))?;
        Ok(out)
    }

    /// Everything but the columns (source, columns used, k, scale, filter, notes, warnings) as
    /// JSON, in the library's serialisation.
    fn meta_json(&self) -> PyResult<String> {
        let mut value = serde_json::to_value(&self.inner)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        if let Some(map) = value.as_object_mut() {
            for key in [
                "n_params",
                "n_tokens",
                "compute",
                "loss",
                "budget",
                "unique_tokens",
                "rows",
            ] {
                map.remove(key);
            }
        }
        Ok(value.to_string())
    }

    /// The whole dataset as JSON, in the library's serialisation.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// Load the runs in the file at `path` (CSV, Parquet or NDJSON) with the command line's loader.
#[pyfunction]
fn load_path(py: Python<'_>, path: String, options: LoadArgs) -> PyResult<NativeDataset> {
    let options = options.options().py_err(py)?;
    let inner = py
        .detach(|| scaling_laws::data::load(&path, &options))
        .py_err(py)?;
    Ok(NativeDataset { inner })
}

/// One column handed over by Python: `(name, "float", values, missing-or-None)`,
/// `(name, "text", [str | None, ...])` or `(name, "unreadable", type name)`.
pub fn column(item: &Bound<'_, PyAny>) -> PyResult<Column> {
    let item = item.cast::<PyTuple>()?;
    let name: String = item.get_item(0)?.extract()?;
    let kind: String = item.get_item(1)?.extract()?;
    let values = match kind.as_str() {
        "float" => {
            let numbers: PyReadonlyArray1<f64> = item.get_item(2)?.extract()?;
            let numbers = numbers.as_array();
            let missing = item.get_item(3)?;
            if missing.is_none() {
                Values::Float(numbers.iter().map(|&x| Some(x)).collect())
            } else {
                let missing: PyReadonlyArray1<bool> = missing.extract()?;
                let missing = missing.as_array();
                if missing.len() != numbers.len() {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "column '{name}': {} missing-value flags for {} values",
                        missing.len(),
                        numbers.len()
                    )));
                }
                Values::Float(
                    numbers
                        .iter()
                        .zip(missing.iter())
                        .map(|(&x, &gone)| (!gone).then_some(x))
                        .collect(),
                )
            }
        }
        "text" => {
            let cells: Vec<Option<String>> = item.get_item(2)?.extract()?;
            Values::Text(cells.iter().map(Option::as_deref).collect::<TextCells>())
        }
        "unreadable" => Values::Unreadable(item.get_item(2)?.extract()?),
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "column '{name}': unknown kind '{other}'"
            )));
        }
    };
    Ok(Column { name, values })
}

/// Load runs from columns in memory; `label` names them in messages (e.g. "pandas DataFrame").
#[pyfunction]
fn load_columns(
    py: Python<'_>,
    columns: Vec<Bound<'_, PyAny>>,
    label: String,
    options: LoadArgs,
) -> PyResult<NativeDataset> {
    let options = options.options().py_err(py)?;
    let columns = columns
        .iter()
        .map(column)
        .collect::<PyResult<Vec<Column>>>()?;
    let inner = py
        .detach(|| scaling_laws::data::load_columns(columns, &label, &options))
        .py_err(py)?;
    Ok(NativeDataset { inner })
}

/// Add the loading functions and the dataset class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeDataset>()?;
    m.add_function(wrap_pyfunction!(load_path, m)?)?;
    m.add_function(wrap_pyfunction!(load_columns, m)?)?;
    Ok(())
}
