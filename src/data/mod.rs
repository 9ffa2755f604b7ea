//! Loading a sweep of training runs into a validated [`Dataset`].
//!
//! ```text
//! file (CSV | Parquet | NDJSON | CSV on stdin)
//!   -> table (polars, confined to `table.rs`)
//!   -> roles: N, D, C, L columns (detected by name or given), and the optional IsoFLOP budget
//!      and unique tokens U
//!   -> filter conditions on file columns
//!   -> numbers, validated: present, numeric, finite, > 0
//!   -> D = C / (k·N) when the file has no tokens column (k = 6 by default: C ≈ 6·N·D,
//!      Kaplan et al. 2020, section 2.1), C = k·N·D when it has no compute column
//!   -> filter conditions on N, D, C, L; drop the highest losses
//!   -> Dataset (columns of f64 plus the source rows they came from)
//! ```
//!
//! Every error names the file, the column, the first offending rows (counted from 1 after the
//! header) and what to do.

mod cells;
pub mod checkpoints;
mod columns;
pub mod csv_scan;
pub mod curves;
pub mod derive;
pub mod filter;
pub mod metrics;
pub mod roles;
pub mod run_sizes;
pub mod table;
mod unique_tokens;

use std::io::Read;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::warnings::Warning;
pub use columns::{check_columns, columns_sha256, load_columns};
pub use filter::{Condition, RowFilter, Subject};
pub use roles::{ColumnNames, Role};
pub use table::{Format, Table, TextCells, Values};

pub use crate::law::DEFAULT_FLOPS_PER_PARAM_TOKEN;

/// How to read a table of runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadOptions {
    /// Column names given by the user.
    pub columns: ColumnNames,
    /// `k` in `C = k·N·D`.
    pub flops_per_param_token: f64,
    /// Which rows to keep.
    pub filter: RowFilter,
    /// Factor from the compute column's unit to FLOPs (e.g. 1e9 for GFLOPs): C = value × scale.
    #[serde(default = "unit_scale")]
    pub flops_scale: f64,
}

/// The default of `flops_scale`: the compute column is in FLOPs.
fn unit_scale() -> f64 {
    1.0
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            columns: ColumnNames::default(),
            flops_per_param_token: DEFAULT_FLOPS_PER_PARAM_TOKEN,
            filter: RowFilter::default(),
            flops_scale: 1.0,
        }
    }
}

/// Where the data came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The path as given (`-` for standard input).
    pub path: String,
    /// Its format.
    pub format: Format,
    /// SHA-256 of the bytes read, in hex.
    pub sha256: String,
    /// Data rows in the file.
    pub rows_in_file: usize,
}

/// Columns of the file that were used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsedColumns {
    /// Parameters N, if the file has them (otherwise derived as C / (k·D)).
    pub params: Option<String>,
    /// Tokens D, if the file has them.
    pub tokens: Option<String>,
    /// Compute C, if the file has it.
    pub flops: Option<String>,
    /// Loss L.
    pub loss: String,
    /// IsoFLOP budget, if the file has it.
    #[serde(default)]
    pub budget: Option<String>,
    /// Unique tokens U, if the file has them.
    #[serde(default)]
    pub unique_tokens: Option<String>,
}

/// A validated table of runs: every value positive and finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Where it came from.
    pub source: SourceInfo,
    /// Which columns were used.
    pub columns: UsedColumns,
    /// `k` in `C = k·N·D`.
    pub flops_per_param_token: f64,
    /// Factor applied to the compute column to give FLOPs.
    #[serde(default = "unit_scale")]
    pub flops_scale: f64,
    /// The filter that was applied.
    pub filter: RowFilter,
    /// Model parameters N of each run.
    pub n_params: Vec<f64>,
    /// Training tokens D of each run.
    pub n_tokens: Vec<f64>,
    /// Training compute C of each run, FLOPs.
    pub compute: Vec<f64>,
    /// Final loss L of each run.
    pub loss: Vec<f64>,
    /// Nominal IsoFLOP budget of each run, when the file has a budget column.
    #[serde(default)]
    pub budget: Option<Vec<f64>>,
    /// Unique tokens U the training data of each run was drawn from (`D / U` epochs), when the
    /// file has a unique-tokens column.
    #[serde(default)]
    pub unique_tokens: Option<Vec<f64>>,
    /// Source row of each run (1-based, header excluded).
    pub rows: Vec<usize>,
    /// Notes on how values were derived and rows excluded.
    pub notes: Vec<String>,
    /// Doubts about the data found while loading (e.g. a compute column in another unit).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl Dataset {
    /// Number of runs.
    pub fn len(&self) -> usize {
        self.loss.len()
    }

    /// True when no run survived.
    pub fn is_empty(&self) -> bool {
        self.loss.is_empty()
    }

    /// The runs where `keep` is true, in data order (notes and provenance kept).
    pub fn subset(&self, keep: &[bool]) -> Dataset {
        let mut out = self.clone();
        retain_runs(&mut out, keep);
        out
    }

    /// Check that the runs can determine a law with `n_free` free parameters.
    ///
    /// # Errors
    ///
    /// [`Error::NotIdentifiable`] when there are too few runs, or all runs share one N or one D.
    pub fn check_identifiable(&self, n_free: usize) -> Result<(), Error> {
        let fail = |message: String| Error::NotIdentifiable {
            path: self.source.path.clone(),
            message,
        };
        if self.len() <= n_free {
            return Err(fail(format!(
                "{} usable runs for {n_free} free parameters; the fit needs more runs than \
                 parameters (add runs, loosen the filter, or fix parameters with --fix)",
                self.len()
            )));
        }
        for (values, what, params) in [
            (&self.n_params, "model size N", "A and alpha"),
            (&self.n_tokens, "token count D", "B and beta"),
        ] {
            if distinct_count(values) < 2 {
                return Err(fail(format!(
                    "all {} runs have the same {what} ({:.4e}), so {params} cannot be told apart \
                     from E; add runs at other values or fix {params} with --fix",
                    self.len(),
                    values[0]
                )));
            }
        }
        Ok(())
    }
}

/// Number of distinct values, treating values within 1e-9 relative as equal.
fn distinct_count(values: &[f64]) -> usize {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    1 + v
        .windows(2)
        .filter(|w| w[1] - w[0] > 1e-9 * w[1].abs())
        .count()
}

/// Load and validate the runs in `path` (`-` reads CSV from standard input).
///
/// # Errors
///
/// Every [`Error`] variant about data: unreadable file, unknown format, missing, unknown or
/// ambiguous columns, bad values (naming rows), or no rows left after filtering.
pub fn load(path: &str, options: &LoadOptions) -> Result<Dataset, Error> {
    let (bytes, format) = if path == "-" {
        let bytes = read_limited(std::io::stdin(), "standard input")?;
        (bytes, Format::Csv)
    } else {
        let format = Format::from_path(path)?;
        (read_data_file(path)?, format)
    };
    load_bytes(bytes, format, path, options)
}

/// Largest data file read, in bytes: a table of 10^7 runs or checkpoints is under 1 GB as CSV.
pub const MAX_DATA_BYTES: u64 = 2_000_000_000;

/// The bytes of the data file `path`, refusing a device (such as `/dev/zero`) and anything
/// over [`MAX_DATA_BYTES`] (a pipe or FIFO is read up to the limit).
///
/// # Errors
///
/// A reading error naming the file, also for a folder, a device or a file over the limit.
pub fn read_data_file(path: &str) -> Result<Vec<u8>, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::read(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_char_device() || kind.is_block_device() || kind.is_socket() {
            return Err(too_big(path, "it is a device or socket, not a data file"));
        }
    }
    if meta.is_dir() {
        return Err(too_big(path, "it is a folder, not a data file"));
    }
    if meta.len() > MAX_DATA_BYTES {
        return Err(too_big(path, &over_limit()));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    read_limited(file, path)
}

/// The table in the data file `path` (read as [`read_data_file`] does), and the file's stem,
/// which names its run when the table has no run column.
///
/// # Errors
///
/// As [`read_data_file`]; an unknown extension; a file the reader rejects.
pub(crate) fn read_table_file(path: &str) -> Result<(Table, String), Error> {
    let format = Format::from_path(path)?;
    let table = table::read_table(read_data_file(path)?, format, path)?;
    let stem = std::path::Path::new(path)
        .file_stem()
        .map_or(path.to_string(), |s| s.to_string_lossy().into_owned());
    Ok((table, stem))
}

/// Columns in memory as a table, after [`check_columns`]; `label` names them in messages.
///
/// # Errors
///
/// As [`check_columns`].
pub(crate) fn table_of_columns(columns: Vec<table::Column>, label: &str) -> Result<Table, Error> {
    let n_rows = check_columns(&columns, label)?;
    Ok(Table {
        columns,
        n_rows,
        notes: Vec::new(),
    })
}

fn over_limit() -> String {
    format!(
        "it is larger than {} GB, the most a data file may be; filter or split it first",
        MAX_DATA_BYTES / 1_000_000_000
    )
}

fn too_big(path: &str, message: &str) -> Error {
    Error::read(path, std::io::Error::other(message.to_string()))
}

/// Everything `reader` gives, up to [`MAX_DATA_BYTES`] (one byte more is an error).
fn read_limited(reader: impl std::io::Read, shown: &str) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_DATA_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::read(shown, e))?;
    if bytes.len() as u64 > MAX_DATA_BYTES {
        return Err(too_big(shown, &over_limit()));
    }
    Ok(bytes)
}

/// Load and validate runs from the contents of a file; `label` names it in messages.
///
/// # Errors
///
/// As [`load`].
pub fn load_bytes(
    bytes: Vec<u8>,
    format: Format,
    label: &str,
    options: &LoadOptions,
) -> Result<Dataset, Error> {
    check_numbers(options)?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let table = table::read_table(bytes, format, label)?;
    if table.n_rows == 0 {
        return Err(Error::NotIdentifiable {
            path: label.to_string(),
            message: "the file has no data rows, only a header; add one row per run".to_string(),
        });
    }
    load_table(table, format, sha256, label, options)
}

/// The option values every source needs checked before reading.
pub(crate) fn check_numbers(options: &LoadOptions) -> Result<(), Error> {
    Error::require_flops_per_param_token(options.flops_per_param_token)?;
    Error::require_positive("--flops-scale", options.flops_scale)
}

/// The common path of every source: roles, filters, numbers, derivations, checks.
pub(crate) fn load_table(
    table: Table,
    format: Format,
    sha256: String,
    label: &str,
    options: &LoadOptions,
) -> Result<Dataset, Error> {
    let k = options.flops_per_param_token;
    let roles = roles::resolve(&table, &options.columns, label)?;
    let mut keep = vec![true; table.n_rows];
    let mut notes = table.notes.clone();
    apply_column_conditions(&table, &options.filter, label, &mut keep, &mut notes)?;
    let kept: Vec<usize> = (0..table.n_rows).filter(|&r| keep[r]).collect();
    let rows: Vec<usize> = kept.iter().map(|r| r + 1).collect();
    let numbers = |idx: usize| cells::numeric_column(&table, idx, &kept, label);
    let given = |idx: Option<usize>| -> Result<Option<derive::Given>, Error> {
        idx.map(|i| {
            Ok(derive::Given {
                values: numbers(i)?,
                column: &table.columns[i].name,
            })
        })
        .transpose()
    };
    let params = given(roles.params)?;
    let loss = numbers(roles.loss)?;
    let tokens = given(roles.tokens)?;
    let flops = given(roles.flops)?;
    let budget = roles.budget.map(numbers).transpose()?;
    let given_unique = options.columns.unique_tokens.is_some();
    let unique = unique_tokens::read(
        &table,
        roles.unique_tokens,
        given_unique,
        &kept,
        label,
        &mut notes,
    )?;
    let context = derive::Context {
        k,
        flops_scale: options.flops_scale,
        rows: &rows,
        label,
    };
    let completed = derive::complete(params, tokens, flops, &context)?;
    notes.extend(completed.notes);
    if let Some(u) = &unique {
        notes.extend(unique_tokens::note_above_tokens(
            u,
            &completed.n_tokens,
            &rows,
        ));
    }
    let name = |i: usize| table.columns[i].name.clone();
    let mut dataset = Dataset {
        source: SourceInfo {
            path: label.to_string(),
            format,
            sha256,
            rows_in_file: table.n_rows,
        },
        columns: UsedColumns {
            params: roles.params.map(name),
            tokens: roles.tokens.map(name),
            flops: roles.flops.map(name),
            loss: name(roles.loss),
            budget: roles.budget.map(name),
            unique_tokens: unique.as_ref().and(roles.unique_tokens).map(name),
        },
        flops_per_param_token: k,
        flops_scale: options.flops_scale,
        filter: options.filter.clone(),
        n_params: completed.n_params,
        n_tokens: completed.n_tokens,
        compute: completed.compute,
        loss,
        budget,
        unique_tokens: unique,
        rows,
        notes,
        warnings: completed.warnings,
    };
    apply_role_conditions(&mut dataset, &options.filter);
    drop_highest_losses(&mut dataset, options.filter.drop_highest_loss);
    if dataset.is_empty() {
        return Err(Error::NotIdentifiable {
            path: label.to_string(),
            message: format!(
                "no runs left after filtering ({}); loosen the filter",
                options.filter.describe()
            ),
        });
    }
    Ok(dataset)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn apply_column_conditions(
    table: &Table,
    filter: &RowFilter,
    label: &str,
    keep: &mut [bool],
    notes: &mut Vec<String>,
) -> Result<(), Error> {
    for cond in &filter.conditions {
        if matches!(cond.subject, Subject::Role(_)) {
            continue;
        }
        let mut clauses = Vec::new();
        for clause in cond.clauses() {
            let Subject::Column(name) = &clause.subject else {
                continue;
            };
            let idx = roles::find_column(table, name).ok_or_else(|| Error::UnknownColumn {
                path: label.to_string(),
                column: name.clone(),
                flag: "--where",
                found: table.names(),
            })?;
            if let Values::Unreadable(dtype) = &table.columns[idx].values {
                return Err(Error::UnreadableColumn {
                    path: label.to_string(),
                    column: table.columns[idx].name.clone(),
                    dtype: dtype.clone(),
                });
            }
            clauses.push((clause, &table.columns[idx].values));
        }
        let before = keep.iter().filter(|&&k| k).count();
        for (row, k) in keep.iter_mut().enumerate() {
            *k = *k && clauses.iter().any(|(c, values)| c.holds_cell(values, row));
        }
        let after = keep.iter().filter(|&&k| k).count();
        notes.push(format!("filter '{cond}' kept {after} of {before} rows"));
    }
    Ok(())
}

fn apply_role_conditions(ds: &mut Dataset, filter: &RowFilter) {
    for cond in &filter.conditions {
        if !matches!(cond.subject, Subject::Role(_)) {
            continue;
        }
        let keep: Vec<bool> = (0..ds.len())
            .map(|i| {
                cond.clauses().any(|clause| {
                    let value = match clause.subject {
                        Subject::Role(Role::Params) => ds.n_params[i],
                        Subject::Role(Role::Tokens) => ds.n_tokens[i],
                        Subject::Role(Role::Flops) => ds.compute[i],
                        Subject::Role(Role::Loss) => ds.loss[i],
                        Subject::Role(Role::UniqueTokens) => match &ds.unique_tokens {
                            Some(u) => u[i],
                            None => return false,
                        },
                        Subject::Role(Role::Budget) | Subject::Column(_) => return false,
                    };
                    clause.holds_number(value)
                })
            })
            .collect();
        let before = ds.len();
        retain_runs(ds, &keep);
        ds.notes.push(format!(
            "filter '{cond}' kept {} of {before} runs",
            ds.len()
        ));
    }
}

fn drop_highest_losses(ds: &mut Dataset, count: usize) {
    if count == 0 {
        return;
    }
    let mut order: Vec<usize> = (0..ds.len()).collect();
    // Highest loss first; ties broken by source row so the choice is reproducible.
    order.sort_by(|&i, &j| {
        ds.loss[j]
            .total_cmp(&ds.loss[i])
            .then(ds.rows[i].cmp(&ds.rows[j]))
    });
    let mut keep = vec![true; ds.len()];
    let dropped: Vec<usize> = order.iter().take(count).map(|&i| ds.rows[i]).collect();
    for &i in order.iter().take(count) {
        keep[i] = false;
    }
    retain_runs(ds, &keep);
    ds.notes.push(format!(
        "dropped the {} highest-loss runs (rows {})",
        dropped.len(),
        dropped
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
}

fn retain_runs(ds: &mut Dataset, keep: &[bool]) {
    fn retain<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
        let mut i = 0;
        v.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }
    retain(&mut ds.n_params, keep);
    retain(&mut ds.n_tokens, keep);
    retain(&mut ds.compute, keep);
    retain(&mut ds.loss, keep);
    retain(&mut ds.rows, keep);
    if let Some(b) = ds.budget.as_mut() {
        retain(b, keep);
    }
    if let Some(u) = ds.unique_tokens.as_mut() {
        retain(u, keep);
    }
}
