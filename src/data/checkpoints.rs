//! Training logs: the loss (and, where logged, the learning rate) at checkpoints of runs, for
//! the training-curve laws.
//!
//! One file per run (the run named after the file) or one long table with a run column. The
//! step, loss and learning-rate columns are found by name when not given: the first of
//! [`STEP_NAMES`], [`LOSS_NAMES`], [`LR_NAMES`] present (exactly, or ignoring case and
//! punctuation), as W&B and the common trainers name them. Rows whose loss is empty are
//! skipped (W&B leaves cells empty at steps without that metric); a checkpoint at step 0,
//! before any training, is left out. Steps are whole numbers; the runs' steps are checked for
//! order where the curve laws use them.

use super::curves::{CurveOptions, column, run_names};
use super::roles::find_column;
pub use super::run_sizes::{names_run, parse_run_params, value_for_run};
use super::table::{self, Table, Values};
use crate::error::{BadValues, Error};

/// Step column names tried in order.
pub const STEP_NAMES: [&str; 6] = [
    "step",
    "_step",
    "steps",
    "global_step",
    "trainer/global_step",
    "iteration",
];
/// Loss column names tried in order.
pub const LOSS_NAMES: [&str; 7] = [
    "loss",
    "train/loss",
    "train_loss",
    "train/CrossEntropyLoss",
    "eval/loss",
    "val_loss",
    "eval_loss",
];
/// Learning-rate column names tried in order.
pub const LR_NAMES: [&str; 6] = [
    "lr",
    "learning_rate",
    "optim/learning_rate_group0",
    "train/lr",
    "train/learning_rate",
    "lr-AdamW",
];

/// Parameter-count column names tried in order (for the law across model sizes).
pub const PARAMS_NAMES: [&str; 6] = [
    "params",
    "n_params",
    "num_params",
    "parameters",
    "model_params",
    "N",
];
/// Tokens-per-step column names tried in order.
pub const TOKENS_PER_STEP_NAMES: [&str; 4] = [
    "tokens_per_step",
    "batch_size_in_tokens",
    "batch_tokens",
    "global_batch_tokens",
];
/// Cumulative-token column names tried in order when no tokens-per-step column is present:
/// the tokens per step are then the tokens divided by the step.
pub const TOTAL_TOKENS_NAMES: [&str; 4] = [
    "tokens",
    "throughput/total_tokens",
    "total_tokens",
    "consumed_tokens",
];

/// Run-name column names tried in order, for a long table (`--run-col none` reads none).
pub const RUN_NAMES: [&str; 4] = ["run", "run_id", "run_name", "run_path"];

/// How to read training logs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogOptions {
    /// Step column (found by name when `None`).
    pub step_col: Option<String>,
    /// Loss column (found by name when `None`).
    pub loss_col: Option<String>,
    /// Learning-rate column (found by name when `None`, none is fine; `none` reads none).
    pub lr_col: Option<String>,
    /// Column naming the run, for a long table (found by name when `None`; `none` reads
    /// none: the file is one run).
    pub run_col: Option<String>,
    /// Column of the model's parameter count (found by name when `None`, none is fine).
    pub params_col: Option<String>,
    /// Column of the tokens per step, or of the tokens so far (found by name when `None`, none
    /// is fine).
    pub tokens_col: Option<String>,
    /// Parameter counts given by hand: `(run, N)`, the run named whole or by a prefix that
    /// ends where its name continues with `-`, `_` or `.` (`190M` for `190M-1xC`); an empty
    /// run name gives every run.
    pub params: Vec<(String, f64)>,
    /// Tokens per step given by hand, for every run without a column.
    pub tokens_per_step: Option<f64>,
}

impl LogOptions {
    /// The parameter count given by hand for `run`: the longest matching name.
    pub fn params_of(&self, run: &str) -> Option<f64> {
        value_for_run(&self.params, run)
    }
}

/// One run's log.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLog {
    /// The run.
    pub run: String,
    /// The file it came from.
    pub path: String,
    /// Steps with a loss, in the file's order.
    pub steps: Vec<usize>,
    /// The loss at each.
    pub loss: Vec<f64>,
    /// Steps with a learning rate and the rate, when the file has a learning-rate column.
    pub lr: Option<Vec<(usize, f64)>>,
    /// The model's parameter count, when the file has a parameter-count column.
    pub params: Option<f64>,
    /// Tokens per step, when the file has a tokens-per-step or tokens-so-far column.
    pub tokens_per_step: Option<f64>,
}

fn pick(
    table: &Table,
    given: Option<&str>,
    names: &[&str],
    (role, flag): (&'static str, &'static str),
    path: &str,
    required: bool,
) -> Result<Option<String>, Error> {
    if let Some(name) = given {
        return column(table, name, flag, path).map(|_| Some(name.to_string()));
    }
    let found = names.iter().find(|n| find_column(table, n).is_some());
    match (found, required) {
        (Some(n), _) => Ok(Some((*n).to_string())),
        (None, false) => Ok(None),
        (None, true) => Err(Error::MissingColumn {
            path: path.to_string(),
            role,
            found: table.names(),
            flag,
            hint: None,
            also: None,
        }),
    }
}

fn number(values: &Values, row: usize) -> Result<Option<f64>, String> {
    match values {
        Values::Float(v) => Ok(v[row]),
        Values::Text(v) => match v.get(row).map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => s.parse::<f64>().map(Some).map_err(|_| format!("'{s}'")),
        },
        Values::Unreadable(_) => Ok(None),
    }
}

fn bad(path: &str, col: &str, row: usize, shown: String, problem: &str, advice: &str) -> Error {
    Error::BadValues(Box::new(BadValues {
        path: path.to_string(),
        column: col.to_string(),
        problem: problem.into(),
        rows: vec![(row + 1, shown)],
        total: 1,
        advice: advice.into(),
    }))
}

/// Read the runs' logs in one file.
///
/// # Errors
///
/// Reading errors, missing or unknown columns, a step that is not a whole number, a loss or
/// learning rate that is not a positive number.
pub fn load_logs(path: &str, options: &LogOptions) -> Result<Vec<RunLog>, Error> {
    let (table, stem) = super::read_table_file(path)?;
    logs_of_table(&table, options, path, &stem)
}

/// The runs' logs in columns already in memory (a data frame handed over by another program),
/// found and checked as in a file; `label` names them in messages (e.g. `pandas DataFrame`)
/// and is the run's name when there is no run column.
///
/// # Errors
///
/// As [`load_logs`]; [`Error::InvalidOption`] when the columns differ in length.
pub fn logs_from_columns(
    columns: Vec<table::Column>,
    label: &str,
    options: &LogOptions,
) -> Result<Vec<RunLog>, Error> {
    let table = super::table_of_columns(columns, label)?;
    logs_of_table(&table, options, label, label)
}

fn logs_of_table(
    table: &Table,
    options: &LogOptions,
    path: &str,
    stem: &str,
) -> Result<Vec<RunLog>, Error> {
    let step_col = pick(
        table,
        options.step_col.as_deref(),
        &STEP_NAMES,
        ("step", "--step-col"),
        path,
        true,
    )?
    .unwrap_or_default();
    let loss_col = pick(
        table,
        options.loss_col.as_deref(),
        &LOSS_NAMES,
        ("loss", "--loss-col"),
        path,
        true,
    )?
    .unwrap_or_default();
    let lr_col = if options.lr_col.as_deref() == Some("none") {
        None
    } else {
        pick(
            table,
            options.lr_col.as_deref(),
            &LR_NAMES,
            ("learning rate", "--lr-col"),
            path,
            false,
        )?
    };
    let steps = column(table, &step_col, "--step-col", path)?;
    let loss = column(table, &loss_col, "--loss-col", path)?;
    let lr = lr_col
        .as_deref()
        .map(|c| column(table, c, "--lr-col", path))
        .transpose()?;
    for (col, values) in [(&step_col, steps), (&loss_col, loss)]
        .into_iter()
        .chain(lr_col.as_ref().zip(lr))
    {
        if let Values::Unreadable(dtype) = values {
            return Err(Error::UnreadableColumn {
                path: path.to_string(),
                column: col.clone(),
                dtype: dtype.clone(),
            });
        }
    }
    let run_col = match options.run_col.as_deref() {
        Some("none") => None,
        Some(c) => Some(c.to_string()),
        None => RUN_NAMES
            .iter()
            .find_map(|n| find_column(table, n))
            .map(|i| table.columns[i].name.clone()),
    };
    let run_options = CurveOptions {
        run_col,
        ..CurveOptions::default()
    };
    let names = run_names(table, &run_options, path, stem)?;
    let mut logs: Vec<RunLog> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (row, run) in names.iter().enumerate() {
        let step = number(steps, row).map_err(|s| {
            bad(
                path,
                &step_col,
                row,
                s,
                "has a step that is not a number",
                "fix the cell",
            )
        })?;
        let Some(step) = step else { continue };
        if !(step.is_finite() && step >= 0.0 && step.fract() == 0.0 && step <= 1e15) {
            return Err(bad(
                path,
                &step_col,
                row,
                step.to_string(),
                "has a step that is not a whole number 0 or more",
                "fix the cell",
            ));
        }
        let step = step as usize;
        let i = *index.entry(run.clone()).or_insert_with(|| {
            logs.push(RunLog {
                run: run.clone(),
                path: path.to_string(),
                steps: vec![],
                loss: vec![],
                lr: lr.map(|_| vec![]),
                params: None,
                tokens_per_step: None,
            });
            logs.len() - 1
        });
        if let Some(values) = lr {
            let rate = number(values, row).map_err(|s| {
                bad(
                    path,
                    lr_col.as_deref().unwrap_or(""),
                    row,
                    s,
                    "has a learning rate that is not a number",
                    "fix the cell",
                )
            })?;
            if let Some(rate) = rate {
                if !(rate.is_finite() && rate >= 0.0) {
                    return Err(bad(
                        path,
                        lr_col.as_deref().unwrap_or(""),
                        row,
                        rate.to_string(),
                        "has a learning rate that is not 0 or a positive number",
                        "fix the cell",
                    ));
                }
                if let Some(v) = logs[i].lr.as_mut() {
                    v.push((step, rate));
                }
            }
        }
        let l = number(loss, row).map_err(|s| {
            bad(
                path,
                &loss_col,
                row,
                s,
                "has a loss that is not a number",
                "fix the cell",
            )
        })?;
        let Some(l) = l else { continue };
        if step == 0 {
            continue;
        }
        if !(l.is_finite() && l > 0.0) {
            return Err(bad(
                path,
                &loss_col,
                row,
                l.to_string(),
                &format!(
                    "has a loss that is not a positive number (run {run}, step {step}: a diverged run?)"
                ),
                "leave out the checkpoints after the run diverged",
            ));
        }
        logs[i].steps.push(step);
        logs[i].loss.push(l);
    }
    let sizes = SizeColumns::find(table, options, path)?;
    sizes.read(table, &names, steps, &mut logs, path)?;
    logs.retain(|l| !l.steps.is_empty() || l.lr.as_ref().is_some_and(|v| !v.is_empty()));
    if logs.is_empty() {
        return Err(Error::InvalidOption {
            flag: path.to_string(),
            message: format!(
                "no row has both a step and a loss in columns '{step_col}' and '{loss_col}'"
            ),
        });
    }
    Ok(logs)
}

/// The columns that give each run's size: the parameter count, and the tokens per step or so
/// far.
struct SizeColumns {
    params: Option<String>,
    tokens: Option<(String, bool)>,
}

impl SizeColumns {
    fn find(table: &Table, options: &LogOptions, path: &str) -> Result<SizeColumns, Error> {
        let optional = |given: Option<&str>, names: &[&str], role, flag| {
            if given == Some("none") {
                Ok(None)
            } else {
                pick(table, given, names, (role, flag), path, false)
            }
        };
        let params = optional(
            options.params_col.as_deref(),
            &PARAMS_NAMES,
            "parameter count",
            "--params-col",
        )?;
        let tokens = match options.tokens_col.as_deref() {
            Some("none") => None,
            Some(given) => {
                column(table, given, "--tokens-col", path)?;
                let per_step = !TOTAL_TOKENS_NAMES.contains(&given);
                Some((given.to_string(), per_step))
            }
            None => optional(
                None,
                &TOKENS_PER_STEP_NAMES,
                "tokens per step",
                "--tokens-col",
            )?
            .map(|c| (c, true))
            .or(optional(None, &TOTAL_TOKENS_NAMES, "tokens", "--tokens-col")?.map(|c| (c, false))),
        };
        Ok(SizeColumns { params, tokens })
    }

    /// Each run's parameter count and tokens per step into `logs`: one value per run (the
    /// tokens so far divided by the step, for a cumulative column), or an error naming the run,
    /// the column and the rows that disagree.
    fn read(
        &self,
        table: &Table,
        names: &[String],
        steps: &Values,
        logs: &mut [RunLog],
        path: &str,
    ) -> Result<(), Error> {
        let index: std::collections::HashMap<String, usize> = logs
            .iter()
            .enumerate()
            .map(|(i, l)| (l.run.clone(), i))
            .collect();
        let columns = [
            self.params.as_ref().map(|c| (c, true, true)),
            self.tokens
                .as_ref()
                .map(|(c, per_step)| (c, *per_step, false)),
        ];
        for (col, per_step, is_params) in columns.into_iter().flatten() {
            let values = column(
                table,
                col,
                if is_params {
                    "--params-col"
                } else {
                    "--tokens-col"
                },
                path,
            )?;
            if let Values::Unreadable(dtype) = values {
                return Err(Error::UnreadableColumn {
                    path: path.to_string(),
                    column: col.clone(),
                    dtype: dtype.clone(),
                });
            }
            let mut first: Vec<Option<(usize, f64)>> = vec![None; logs.len()];
            for (row, run) in names.iter().enumerate() {
                let Some(&i) = index.get(run.as_str()) else {
                    continue;
                };
                let shown = |s: String| bad(path, col, row, s, "is not a number", "fix the cell");
                let Some(mut v) = number(values, row).map_err(shown)? else {
                    continue;
                };
                if !per_step {
                    let Some(step) = number(steps, row).ok().flatten().filter(|s| *s > 0.0) else {
                        continue;
                    };
                    v /= step;
                }
                if !(v.is_finite() && v > 0.0) {
                    return Err(bad(
                        path,
                        col,
                        row,
                        v.to_string(),
                        &format!("is not a positive number (run {run})"),
                        "fix the cell",
                    ));
                }
                match first[i] {
                    None => first[i] = Some((row, v)),
                    Some((row0, v0)) if (v - v0).abs() > 1e-6 * v0 => {
                        return Err(bad(
                            path,
                            col,
                            row,
                            v.to_string(),
                            &format!(
                                "changes within run {run} (row {} has {v0}); the law across \
                                 model sizes needs one {} per run",
                                row0 + 1,
                                if is_params {
                                    "parameter count"
                                } else {
                                    "number of tokens per step"
                                }
                            ),
                            "give one value per run",
                        ));
                    }
                    Some(_) => {}
                }
            }
            for (log, value) in logs.iter_mut().zip(first) {
                let value = value.map(|(_, v)| v);
                if is_params {
                    log.params = value;
                } else {
                    log.tokens_per_step = value;
                }
            }
        }
        Ok(())
    }
}
