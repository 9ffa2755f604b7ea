//! Training curves: loss against tokens seen, one curve per run, for Approach 1.
//!
//! Two layouts are read: one file per run (the run is named after the file, its N given by a
//! column or by `run_params`, matched on the run's name or its start before `-`, `_` or `.`), or one long
//! table with a run column; the same tables may come as columns in memory
//! ([`curves_from_columns`], a data frame handed over by another program). Rows whose tokens or loss cell is empty are skipped (W&B exports
//! leave cells empty at steps without an evaluation); a non-numeric or non-positive value is an
//! error naming the file, column and row. In a long table every row needs a run name, and the
//! rows of one run must agree on N.
//!
//! Compute along a curve is `k·N·tokens` unless a compute column is given (`flops_col`, times
//! `flops_scale`), in which case each evaluation's own compute is used.

use serde::{Deserialize, Serialize};

use super::roles::find_column;
use super::table::{Column, Table, Values};
use crate::error::Error;

/// One run's curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// Run name (file stem or run-column value).
    pub run: String,
    /// Parameters N.
    pub n_params: f64,
    /// Tokens seen at each evaluation, increasing.
    pub tokens: Vec<f64>,
    /// Loss at each evaluation.
    pub loss: Vec<f64>,
    /// Compute at each evaluation, FLOPs, when the file has a compute column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute: Option<Vec<f64>>,
}

/// How to read curves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CurveOptions {
    /// Column of tokens seen.
    pub tokens_col: String,
    /// Column of the loss.
    pub loss_col: String,
    /// Column of N, if the files have one.
    pub params_col: Option<String>,
    /// Column naming the run, for a long table.
    pub run_col: Option<String>,
    /// N by run name or its start before `-`, `_` or `.`, e.g. ("190M", 190354176)
    /// ([`super::run_sizes::value_for_run`]).
    pub run_params: Vec<(String, f64)>,
    /// Column of compute used so far, if the files have one (otherwise k·N·tokens).
    #[serde(default)]
    pub flops_col: Option<String>,
    /// FLOPs per unit of the compute column (e.g. 1e9 for GFLOPs); 0 is taken as 1.
    #[serde(default)]
    pub flops_scale: f64,
}

pub(super) fn column<'a>(
    table: &'a Table,
    name: &str,
    flag: &'static str,
    path: &str,
) -> Result<&'a Values, Error> {
    find_column(table, name)
        .map(|i| &table.columns[i].values)
        .ok_or_else(|| Error::UnknownColumn {
            path: path.to_string(),
            column: name.to_string(),
            flag,
            found: table.names(),
        })
}

/// The cell as a number: `Ok(None)` when empty.
fn cell(values: &Values, row: usize, path: &str, col: &str) -> Result<Option<f64>, Error> {
    let bad = |shown: String| {
        Error::BadValues(Box::new(crate::error::BadValues {
            path: path.to_string(),
            column: col.to_string(),
            problem: "has a value that is not a positive number".into(),
            rows: vec![(row + 1, shown)],
            total: 1,
            advice: "fix the cell or leave it empty".into(),
        }))
    };
    let v = match values {
        Values::Unreadable(dtype) => {
            return Err(Error::UnreadableColumn {
                path: path.to_string(),
                column: col.to_string(),
                dtype: dtype.clone(),
            });
        }
        Values::Float(v) => v[row],
        Values::Text(v) => match v.get(row).map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(s.parse::<f64>().map_err(|_| bad(format!("'{s}'")))?),
        },
    };
    match v {
        Some(x) if !(x.is_finite() && x > 0.0) => Err(bad(x.to_string())),
        other => Ok(other),
    }
}

fn params_for(run: &str, options: &CurveOptions, path: &str) -> Result<f64, Error> {
    super::run_sizes::value_for_run(&options.run_params, run)
        .ok_or_else(|| {
            // Runs named by a column given with --run-col may be named by the wrong column.
            let named_by = match &options.run_col {
                Some(col) => format!(" (runs named by column '{col}' of --run-col)"),
                None => String::new(),
            };
            Error::invalid_option(
                "--run-params",
                format!("no parameter count for run '{run}'{named_by} in {path}; give --params-col or --run-params RUN=N (RUN the run's name or its start before `-`, `_` or `.`, e.g. --run-params 190M=190354176)"),
            )
        })
}

/// The run of each row: the run column's cells, or `default_run` (the file's name).
pub(super) fn run_names(
    table: &Table,
    options: &CurveOptions,
    path: &str,
    default_run: &str,
) -> Result<Vec<String>, Error> {
    let Some(c) = &options.run_col else {
        return Ok(vec![default_run.to_string(); table.n_rows]);
    };
    let values = column(table, c, "--run-col", path)?;
    let names: Vec<String> = (0..table.n_rows)
        .map(|r| match values {
            Values::Text(v) => v.get(r).unwrap_or_default().trim().to_string(),
            Values::Float(v) => v[r].map_or(String::new(), |x| x.to_string()),
            Values::Unreadable(_) => String::new(),
        })
        .collect();
    if let Values::Unreadable(dtype) = values {
        return Err(Error::UnreadableColumn {
            path: path.to_string(),
            column: c.clone(),
            dtype: dtype.clone(),
        });
    }
    let empty: Vec<usize> = (0..names.len()).filter(|&r| names[r].is_empty()).collect();
    if !empty.is_empty() {
        return Err(Error::BadValues(Box::new(crate::error::BadValues {
            path: path.to_string(),
            column: c.clone(),
            problem: "has empty cells".into(),
            rows: (empty.iter().take(crate::error::ROWS_SHOWN))
                .map(|&r| (r + 1, "empty".to_string()))
                .collect(),
            total: empty.len(),
            advice: "name the run of every row".into(),
        })));
    }
    Ok(names)
}

/// Read the curves in one file.
///
/// # Errors
///
/// Reading errors, unknown columns, bad values, or a run without a parameter count.
pub fn load_curves(path: &str, options: &CurveOptions) -> Result<Vec<Curve>, Error> {
    let (table, stem) = super::read_table_file(path)?;
    curves_of_table(&table, options, path, &stem)
}

/// Read the curves in columns already in memory (a data frame handed over by another
/// program); `label` names them in messages, and is the run's name without a run column.
///
/// # Errors
///
/// As [`load_curves`]; also [`Error::InvalidOption`] when the columns differ in length, and
/// [`Error::DuplicateColumn`] when two columns share a name.
pub fn curves_from_columns(
    columns: Vec<Column>,
    label: &str,
    options: &CurveOptions,
) -> Result<Vec<Curve>, Error> {
    let table = super::table_of_columns(columns, label)?;
    curves_of_table(&table, options, label, label)
}

/// The curves of a table read from `path`; runs are named `default_run` without a run column.
fn curves_of_table(
    table: &Table,
    options: &CurveOptions,
    path: &str,
    default_run: &str,
) -> Result<Vec<Curve>, Error> {
    let tokens = column(table, &options.tokens_col, "--tokens-col", path)?;
    let loss = column(table, &options.loss_col, "--loss-col", path)?;
    let params = options
        .params_col
        .as_deref()
        .map(|c| column(table, c, "--params-col", path))
        .transpose()?;
    let flops = options
        .flops_col
        .as_deref()
        .map(|c| column(table, c, "--flops-col", path))
        .transpose()?;
    let scale = if options.flops_scale == 0.0 {
        1.0
    } else {
        options.flops_scale
    };
    Error::require_positive("--flops-scale", scale)?;
    let run_names = run_names(table, options, path, default_run)?;
    let mut curves: Vec<Curve> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (row, run) in run_names.iter().enumerate() {
        let (Some(t), Some(l)) = (
            cell(tokens, row, path, &options.tokens_col)?,
            cell(loss, row, path, &options.loss_col)?,
        ) else {
            continue;
        };
        let c = match flops {
            Some(f) => match cell(f, row, path, options.flops_col.as_deref().unwrap_or(""))? {
                Some(c) if (c * scale).is_finite() => Some(c * scale),
                Some(c) => {
                    return Err(Error::BadDerived(Box::new(crate::error::BadDerived {
                        path: path.to_string(),
                        quantity: "compute C".into(),
                        formula: format!(
                            "column '{}' × {scale} (--flops-scale)",
                            options.flops_col.as_deref().unwrap_or("")
                        ),
                        rows: vec![(row + 1, format!("{c} gives {}", c * scale))],
                        total: 1,
                        advice: "check the scale".into(),
                    })));
                }
                None => continue,
            },
            None => None,
        };
        let n = match params {
            Some(p) => match cell(p, row, path, options.params_col.as_deref().unwrap_or(""))? {
                Some(n) => n,
                None => continue,
            },
            None => params_for(run, options, path)?,
        };
        match index.get(run.as_str()) {
            Some(&i) => {
                let curve = &mut curves[i];
                if (curve.n_params / n - 1.0).abs() > 1e-9 {
                    return Err(Error::BadValues(Box::new(crate::error::BadValues {
                        path: path.to_string(),
                        column: options.params_col.clone().unwrap_or_default(),
                        problem: format!(
                            "gives run '{}' two sizes ({} and {n})",
                            crate::error::shorten(run),
                            curve.n_params
                        ),
                        rows: vec![(row + 1, n.to_string())],
                        total: 1,
                        advice: "give each run one parameter count, or name runs apart with \
                                 --run-col"
                            .into(),
                    })));
                }
                curve.tokens.push(t);
                curve.loss.push(l);
                if let (Some(all), Some(c)) = (curve.compute.as_mut(), c) {
                    all.push(c);
                }
            }
            None => {
                index.insert(run, curves.len());
                curves.push(Curve {
                    run: run.clone(),
                    n_params: n,
                    tokens: vec![t],
                    loss: vec![l],
                    compute: c.map(|c| vec![c]),
                });
            }
        }
    }
    for c in &mut curves {
        let mut order: Vec<usize> = (0..c.tokens.len()).collect();
        order.sort_by(|&i, &j| c.tokens[i].total_cmp(&c.tokens[j]));
        c.tokens = order.iter().map(|&i| c.tokens[i]).collect();
        c.loss = order.iter().map(|&i| c.loss[i]).collect();
        if let Some(compute) = c.compute.as_mut() {
            *compute = order.iter().map(|&i| compute[i]).collect();
        }
    }
    Ok(curves)
}
