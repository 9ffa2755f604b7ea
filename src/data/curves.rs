//! Training curves: loss against tokens seen, one curve per run, for Approach 1.
//!
//! Two layouts are read: one file per run (the run is named after the file, its N given by a
//! column or by `run_params`, matched on the longest prefix of the file name), or one long
//! table with a run column. Rows whose tokens or loss cell is empty are skipped (W&B exports
//! leave cells empty at steps without an evaluation); a non-numeric or non-positive value is an
//! error naming the file, column and row.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::roles::find_column;
use super::table::{self, Format, Table, Values};
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
    /// N by run-name prefix, e.g. ("190M", 190354176).
    pub run_params: Vec<(String, f64)>,
}

fn column<'a>(
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
    options
        .run_params
        .iter()
        .filter(|(prefix, _)| run.starts_with(prefix.as_str()))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, n)| *n)
        .ok_or_else(|| {
            Error::invalid_option(
                "--run-params",
                format!("no parameter count for run '{run}' in {path}; give --params-col or --run-params PREFIX=N (e.g. --run-params 190M=190354176)"),
            )
        })
}

/// Read the curves in one file.
///
/// # Errors
///
/// Reading errors, unknown columns, bad values, or a run without a parameter count.
pub fn load_curves(path: &str, options: &CurveOptions) -> Result<Vec<Curve>, Error> {
    let format = Format::from_path(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::read(path, e))?;
    let table = table::read_table(bytes, format, path)?;
    let tokens = column(&table, &options.tokens_col, "--tokens-col", path)?;
    let loss = column(&table, &options.loss_col, "--loss-col", path)?;
    let params = options
        .params_col
        .as_deref()
        .map(|c| column(&table, c, "--params-col", path))
        .transpose()?;
    let run_names: Vec<String> = match &options.run_col {
        Some(c) => {
            let values = column(&table, c, "--run-col", path)?;
            (0..table.n_rows)
                .map(|r| match values {
                    Values::Text(v) => v.get(r).unwrap_or_default().to_string(),
                    Values::Float(v) => v[r].map_or(String::new(), |x| x.to_string()),
                    Values::Unreadable(_) => String::new(),
                })
                .collect()
        }
        None => {
            let stem = Path::new(path)
                .file_stem()
                .map_or(path.to_string(), |s| s.to_string_lossy().into_owned());
            vec![stem; table.n_rows]
        }
    };
    let mut curves: Vec<Curve> = Vec::new();
    for (row, run) in run_names.iter().enumerate() {
        let (Some(t), Some(l)) = (
            cell(tokens, row, path, &options.tokens_col)?,
            cell(loss, row, path, &options.loss_col)?,
        ) else {
            continue;
        };
        let n = match params {
            Some(p) => match cell(p, row, path, options.params_col.as_deref().unwrap_or(""))? {
                Some(n) => n,
                None => continue,
            },
            None => params_for(run, options, path)?,
        };
        match curves.iter_mut().find(|c| &c.run == run) {
            Some(c) => {
                c.tokens.push(t);
                c.loss.push(l);
            }
            None => curves.push(Curve {
                run: run.clone(),
                n_params: n,
                tokens: vec![t],
                loss: vec![l],
            }),
        }
    }
    for c in &mut curves {
        let mut order: Vec<usize> = (0..c.tokens.len()).collect();
        order.sort_by(|&i, &j| c.tokens[i].total_cmp(&c.tokens[j]));
        c.tokens = order.iter().map(|&i| c.tokens[i]).collect();
        c.loss = order.iter().map(|&i| c.loss[i]).collect();
    }
    Ok(curves)
}
