//! Runs handed over as columns in memory (a data frame or arrays from another program, such as
//! the Python package) rather than as a file: the same column detection, filters, derivations
//! and checks as [`super::load`], after a check that the columns fit together.

use sha2::{Digest, Sha256};

use super::table::{Column, Format, Table, Values};
use super::{Dataset, LoadOptions, check_numbers, hex, load_table};
use crate::error::Error;

/// Load and validate runs from columns already in memory (a data frame or arrays handed over
/// by another program), with the same column detection, filters, derivations and checks as a
/// file; `label` names the data in messages (e.g. `pandas DataFrame`).
///
/// Rows are counted from 1 in messages and in [`Dataset::rows`], as in a file (the first row
/// of a data frame is row 1). The SHA-256
/// of the source is taken over the column names and cells (see [`columns_sha256`]).
///
/// # Errors
///
/// As [`super::load`]; also [`Error::InvalidOption`] when the columns differ in length or there are
/// none, and [`Error::DuplicateColumn`] when two columns share a name.
///
/// # Examples
///
/// ```
/// use scaling_laws::data::{self, table::Column, Values};
/// let numbers = |v: &[f64]| Values::Float(v.iter().map(|&x| Some(x)).collect());
/// let columns = vec![
///     Column { name: "N".into(), values: numbers(&[1e8, 1e9, 1e10]) },
///     Column { name: "D".into(), values: numbers(&[2e9, 2e10, 2e11]) },
///     Column { name: "loss".into(), values: numbers(&[3.2, 2.7, 2.3]) },
/// ];
/// let ds = data::load_columns(columns, "arrays", &Default::default()).unwrap();
/// assert_eq!(ds.compute, [1.2e18, 1.2e20, 1.2e22]);
/// assert_eq!(ds.source.format, data::Format::Columns);
/// ```
pub fn load_columns(
    columns: Vec<Column>,
    label: &str,
    options: &LoadOptions,
) -> Result<Dataset, Error> {
    check_numbers(options)?;
    if columns.is_empty() {
        return Err(Error::invalid_option(
            "data",
            format!("{label} has no columns; give at least the loss and two of N, D and C"),
        ));
    }
    let n_rows = check_columns(&columns, label)?;
    if n_rows == 0 {
        return Err(Error::NotIdentifiable {
            path: label.to_string(),
            message: "the table has no rows; add one row per run".to_string(),
        });
    }
    let sha256 = columns_sha256(&columns);
    let table = Table {
        columns,
        n_rows,
        notes: Vec::new(),
    };
    load_table(table, Format::Columns, sha256, label, options)
}

/// The number of rows of in-memory columns (0 without columns), after checking that they
/// fit together.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `data` when the columns differ in length, and
/// [`Error::DuplicateColumn`] when two columns share a name.
pub fn check_columns(columns: &[Column], label: &str) -> Result<usize, Error> {
    // Lengths are compared with the first column whose cells are kept (an unreadable column,
    // e.g. of dates, keeps none: it is an error only when a role needs it).
    let Some((first, n_rows)) = columns
        .iter()
        .find_map(|c| c.values.cell_count().map(|n| (c, n)))
    else {
        return Ok(0);
    };
    for (i, column) in columns.iter().enumerate() {
        if let Some(length) = column.values.cell_count()
            && length != n_rows
        {
            return Err(Error::invalid_option(
                "data",
                format!(
                    "column '{}' of {label} has {length} values but column '{}' has {n_rows}; \
                     give every column one value per run",
                    crate::error::shorten(&column.name),
                    crate::error::shorten(&first.name)
                ),
            ));
        }
        if let Some(j) = columns[..i].iter().position(|c| c.name == column.name) {
            return Err(Error::DuplicateColumn {
                path: label.to_string(),
                column: column.name.clone(),
                first: j + 1,
                second: i + 1,
            });
        }
    }
    Ok(n_rows)
}

/// SHA-256 (hex) of in-memory columns: for each column its name, a NUL byte, then each cell as
/// a tag byte (0 missing, 1 number, 2 text, 3 unreadable) and its contents (the number's
/// little-endian bytes; the text's UTF-8 bytes and a NUL byte).
pub fn columns_sha256(columns: &[Column]) -> String {
    let mut hasher = Sha256::new();
    for column in columns {
        hasher.update(column.name.as_bytes());
        hasher.update([0]);
        match &column.values {
            Values::Float(cells) => {
                for cell in cells {
                    match cell {
                        Some(x) => {
                            hasher.update([1]);
                            hasher.update(x.to_le_bytes());
                        }
                        None => hasher.update([0]),
                    }
                }
            }
            Values::Text(cells) => {
                for cell in cells.iter() {
                    match cell {
                        Some(text) => {
                            hasher.update([2]);
                            hasher.update(text.as_bytes());
                            hasher.update([0]);
                        }
                        None => hasher.update([0]),
                    }
                }
            }
            Values::Unreadable(dtype) => {
                hasher.update([3]);
                hasher.update(dtype.as_bytes());
            }
        }
    }
    hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Condition, RowFilter, load_bytes};

    fn numbers(values: &[f64]) -> Values {
        Values::Float(values.iter().map(|&x| Some(x)).collect())
    }

    fn column(name: &str, values: Values) -> Column {
        Column {
            name: name.to_string(),
            values,
        }
    }

    /// The table of `CSV` as in-memory columns: numbers as numbers, words as text.
    fn sweep_columns() -> Vec<Column> {
        vec![
            column("Model Size", numbers(&[1e8, 1e9, 1e10, 3e9])),
            column("Training FLOP", numbers(&[1.2e18, 1.2e20, 1.2e22, 1.8e21])),
            column("loss", numbers(&[3.2, 2.7, 2.3, 2.4])),
            column(
                "decay",
                Values::Text(
                    [Some("cosine"), Some("linear"), Some("cosine"), None]
                        .into_iter()
                        .collect(),
                ),
            ),
        ]
    }

    const CSV: &str = "Model Size,Training FLOP,loss,decay\n1e8,1.2e18,3.2,cosine\n\
                       1e9,1.2e20,2.7,linear\n1e10,1.2e22,2.3,cosine\n3e9,1.8e21,2.4,\n";

    #[test]
    fn columns_load_like_the_same_table_read_from_a_file() {
        let options = LoadOptions {
            filter: RowFilter {
                conditions: vec![Condition::parse("decay != linear", "--where").unwrap()],
                drop_highest_loss: 1,
            },
            ..LoadOptions::default()
        };
        let from_file =
            load_bytes(CSV.as_bytes().to_vec(), Format::Csv, "runs.csv", &options).unwrap();
        let from_memory = load_columns(sweep_columns(), "runs.csv", &options).unwrap();
        assert_eq!(from_memory.source.format, Format::Columns);
        assert_eq!(from_memory.source.rows_in_file, 4);
        assert_eq!(from_memory.source.sha256.len(), 64);
        let same_source = Dataset {
            source: from_file.source.clone(),
            ..from_memory
        };
        assert_eq!(same_source, from_file);
        // Rows 1 and 3 survive the filter (row 4 has no decay), then row 1 (loss 3.2) is dropped.
        assert_eq!(from_file.rows, [3]);
        assert_eq!(from_file.n_tokens, [1.2e22 / (6.0 * 1e10)]);
    }

    #[test]
    fn missing_cells_and_bad_shapes_are_refused_with_the_file_messages() {
        let mut columns = sweep_columns();
        columns[2].values = Values::Float(vec![Some(3.2), None, Some(f64::NAN), Some(2.4)]);
        let err = load_columns(columns, "pandas DataFrame", &LoadOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "column 'loss' in pandas DataFrame has empty cells at row 2 (empty) (rows count \
             from 1 after the header); fill them in, or exclude those rows with --where"
        );
        let mut short = sweep_columns();
        short[1].values = numbers(&[1.0, 2.0]);
        let err = load_columns(short, "arrays", &LoadOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains(
                "column 'Training FLOP' of arrays has 2 values but column 'Model Size' has 4"
            ),
            "{err}"
        );
        let mut twice = sweep_columns();
        twice[3].name = "loss".into();
        assert!(matches!(
            load_columns(twice, "arrays", &LoadOptions::default()).unwrap_err(),
            Error::DuplicateColumn {
                first: 3,
                second: 4,
                ..
            }
        ));
        let err = load_columns(Vec::new(), "arrays", &LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("arrays has no columns"), "{err}");
    }

    #[test]
    fn the_hash_tells_numbers_text_and_missing_cells_apart() {
        let a = vec![column("x", numbers(&[1.0]))];
        let b = vec![column("x", Values::Text([Some("1")].into_iter().collect()))];
        let c = vec![column("x", Values::Float(vec![None]))];
        let hashes = [columns_sha256(&a), columns_sha256(&b), columns_sha256(&c)];
        assert_ne!(hashes[0], hashes[1]);
        assert_ne!(hashes[0], hashes[2]);
        assert_ne!(hashes[1], hashes[2]);
        assert_eq!(hashes[0], columns_sha256(&a));
    }
}
