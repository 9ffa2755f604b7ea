//! Evaluation logs with many metric columns (per task: accuracy and task loss), for the
//! task-accuracy laws: one run per file (W&B exports), or a long table of many runs with a run
//! column (`run`, `run_id`, `run_name`, `run_path`); the columns chosen by the caller from the
//! file's names, each read as numbers with empty cells kept as gaps.

use super::table::{Table, Values};
use crate::error::{BadValues, Error};

/// One run's log: its name (the file's stem), the file, and the chosen columns.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricLog {
    /// The run (the file's stem).
    pub run: String,
    /// The file.
    pub path: String,
    /// Every column name of the file, in order (to choose tasks from).
    pub names: Vec<String>,
    /// The chosen columns: name and one value per row (`None` for an empty cell).
    pub columns: Vec<(String, Vec<Option<f64>>)>,
}

impl MetricLog {
    /// The values of column `name`, if it was chosen.
    pub fn column(&self, name: &str) -> Option<&[Option<f64>]> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// Read `path` and the columns whose names `wanted` accepts, as numbers.
///
/// # Errors
///
/// Reading errors; a chosen cell that is not a number (naming the file, column and row); a
/// chosen column of a type the loader cannot read.
pub fn load_metric_log(path: &str, wanted: &dyn Fn(&str) -> bool) -> Result<MetricLog, Error> {
    let (table, stem) = super::read_table_file(path)?;
    metric_log_of_table(&table, path, &stem, wanted)
}

/// Read `path` as [`load_metric_log`] does, one log per run: the file's rows split by its run
/// column when it has one ([`super::checkpoints::RUN_NAMES`], in order of each run's first
/// row), else the whole file as the run named by its stem.
///
/// # Errors
///
/// As [`load_metric_log`]; a run column with empty cells.
pub fn load_metric_logs(
    path: &str,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<Vec<MetricLog>, Error> {
    let (table, stem) = super::read_table_file(path)?;
    let run_col = super::checkpoints::RUN_NAMES
        .iter()
        .find_map(|n| super::roles::find_column(&table, n))
        .map(|i| table.columns[i].name.clone());
    let Some(run_col) = run_col else {
        return Ok(vec![metric_log_of_table(&table, path, &stem, wanted)?]);
    };
    let options = super::curves::CurveOptions {
        run_col: Some(run_col.clone()),
        ..super::curves::CurveOptions::default()
    };
    let names = super::curves::run_names(&table, &options, path, &stem)?;
    let whole = metric_log_of_table(&table, path, &stem, &|c| c != run_col && wanted(c))?;
    let mut order: Vec<&str> = Vec::new();
    for n in &names {
        if !order.contains(&n.as_str()) {
            order.push(n);
        }
    }
    Ok(order
        .into_iter()
        .map(|run| MetricLog {
            run: run.to_string(),
            path: format!("{path} (run {run})"),
            names: whole.names.clone(),
            columns: whole
                .columns
                .iter()
                .map(|(name, values)| {
                    let of_run = values
                        .iter()
                        .zip(&names)
                        .filter(|(_, n)| *n == run)
                        .map(|(v, _)| *v)
                        .collect();
                    (name.clone(), of_run)
                })
                .collect(),
        })
        .collect())
}

fn metric_log_of_table(
    table: &Table,
    path: &str,
    stem: &str,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<MetricLog, Error> {
    let mut columns = Vec::new();
    for column in table.columns.iter().filter(|c| wanted(&c.name)) {
        let values = match &column.values {
            Values::Float(v) => v.clone(),
            Values::Text(cells) => (0..table.n_rows)
                .map(|row| match cells.get(row).map(str::trim) {
                    None | Some("") => Ok(None),
                    Some(s) => s.parse::<f64>().map(Some).map_err(|_| {
                        Error::BadValues(Box::new(BadValues {
                            path: path.to_string(),
                            column: column.name.clone(),
                            problem: "has a value that is not a number".into(),
                            rows: vec![(row + 1, format!("'{s}'"))],
                            total: 1,
                            advice: "fix the cell, or leave it empty".into(),
                        }))
                    }),
                })
                .collect::<Result<_, _>>()?,
            Values::Unreadable(dtype) => {
                return Err(Error::UnreadableColumn {
                    path: path.to_string(),
                    column: column.name.clone(),
                    dtype: dtype.clone(),
                });
            }
        };
        columns.push((column.name.clone(), values));
    }
    Ok(MetricLog {
        run: stem.to_string(),
        path: path.to_string(),
        names: table.names(),
        columns,
    })
}
