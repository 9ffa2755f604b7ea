//! Reading a table from CSV, Parquet or NDJSON with polars. This is the only file that uses
//! polars: everything downstream sees a plain [`Table`].
//!
//! CSV is read with every column as text (no type inference) and parsed by this crate: FLOP
//! counts written as integers overflow polars' inferred `i64`, and parsing here lets errors name
//! the exact row and value.

use std::io::Cursor;

use polars::prelude::*;

use crate::error::Error;

/// File formats the loader understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// Newline-delimited JSON, one object per run.
    Ndjson,
}

impl Format {
    /// Format from a file name: `.parquet`/`.pq`, `.ndjson`/`.jsonl`/`.json`, otherwise `.csv`/`.tsv`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for an unknown extension.
    pub fn from_path(path: &str) -> Result<Format, Error> {
        let ext = std::path::Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") | Some("txt") => Ok(Format::Csv),
            Some("parquet") | Some("pq") => Ok(Format::Parquet),
            Some("ndjson") | Some("jsonl") | Some("json") => Ok(Format::Ndjson),
            _ => Err(Error::invalid_option(
                "input",
                format!(
                    "cannot tell the format of {path} from its extension; use .csv, .parquet or .ndjson/.jsonl (or - for CSV on stdin)"
                ),
            )),
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Ndjson => "ndjson",
        }
    }
}

/// Text cells of one column, kept in one buffer: a `String` per cell would cost more than the
/// text itself (a CSV of 10^6 runs took 390 MB to load that way, 62 MB of it text).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextCells {
    text: String,
    /// End of each cell in `text`; a cell starts where the previous one ends.
    ends: Vec<usize>,
    /// Whether each cell has a value (empty CSV fields and nulls do not).
    present: Vec<bool>,
}

impl TextCells {
    /// Number of cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no cells.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cell at `row`, `None` when it has no value.
    ///
    /// # Panics
    ///
    /// When `row` is out of range.
    pub fn get(&self, row: usize) -> Option<&str> {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        self.present[row].then(|| &self.text[start..self.ends[row]])
    }

    /// Every cell in order.
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> {
        (0..self.len()).map(|row| self.get(row))
    }
}

impl<'a> FromIterator<Option<&'a str>> for TextCells {
    fn from_iter<I: IntoIterator<Item = Option<&'a str>>>(cells: I) -> Self {
        let mut out = TextCells::default();
        for cell in cells {
            out.text.push_str(cell.unwrap_or(""));
            out.ends.push(out.text.len());
            out.present.push(cell.is_some());
        }
        out
    }
}

/// Values of one column, as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Text cells (all CSV columns; string columns of other formats).
    Text(TextCells),
    /// Numeric cells (numeric columns of Parquet and NDJSON).
    Float(Vec<Option<f64>>),
}

/// A column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Name as in the file.
    pub name: String,
    /// Cells, one per data row.
    pub values: Values,
}

/// A table as read from a file, before any interpretation.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Columns in file order.
    pub columns: Vec<Column>,
    /// Number of data rows.
    pub n_rows: usize,
}

impl Table {
    /// Column names in file order.
    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }
}

/// Parse `bytes` (the contents of `label`) as a table in `format`.
///
/// # Errors
///
/// [`Error::Parse`] when the reader rejects the contents.
pub fn read_table(bytes: Vec<u8>, format: Format, label: &str) -> Result<Table, Error> {
    let parse_err = |e: PolarsError| Error::Parse {
        path: label.to_string(),
        format: format.name(),
        message: e.to_string(),
    };
    // A `.json` file may hold one array of objects rather than one object per line.
    let json_format = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => JsonFormat::Json,
        _ => JsonFormat::JsonLines,
    };
    let cursor = Cursor::new(bytes);
    let df = match format {
        Format::Csv => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(cursor)
            .finish(),
        Format::Parquet => ParquetReader::new(cursor).finish(),
        Format::Ndjson => JsonReader::new(cursor)
            .with_json_format(json_format)
            .finish(),
    }
    .map_err(parse_err)?;
    let n_rows = df.height();
    // Column by column, each polars column dropped once converted, so that the file is not
    // held twice in full.
    let mut df = df;
    let names: Vec<PlSmallStr> = df.get_column_names_owned();
    let mut columns = Vec::with_capacity(names.len());
    for name in &names {
        let col = df.drop_in_place(name).map_err(parse_err)?;
        columns.push(convert_column(&col).map_err(parse_err)?);
    }
    Ok(Table { columns, n_rows })
}

fn convert_column(col: &polars::prelude::Column) -> PolarsResult<Column> {
    let dtype = col.dtype();
    let values = if dtype.is_primitive_numeric() {
        let cast = col.cast(&DataType::Float64)?;
        Values::Float(cast.f64()?.iter().collect())
    } else {
        let cast = if matches!(dtype, DataType::String) {
            col.clone()
        } else {
            col.cast(&DataType::String)?
        };
        Values::Text(cast.str()?.iter().collect())
    };
    Ok(Column {
        name: col.name().to_string(),
        values,
    })
}

/// Write numeric columns (equal lengths) as a table in `format`.
///
/// # Errors
///
/// [`Error::Parse`]-style error from the writer, labelled with `label`.
pub fn write_table(
    columns: &[(&str, &[f64])],
    format: Format,
    label: &str,
) -> Result<Vec<u8>, Error> {
    let err = |e: PolarsError| Error::Parse {
        path: label.to_string(),
        format: format.name(),
        message: format!("cannot encode: {e}"),
    };
    let cols: Vec<polars::prelude::Column> = columns
        .iter()
        .map(|(name, values)| polars::prelude::Column::new((*name).into(), *values))
        .collect();
    let mut df = DataFrame::new_infer_height(cols).map_err(err)?;
    let mut buf = Vec::new();
    match format {
        Format::Csv => CsvWriter::new(&mut buf)
            .include_header(true)
            .finish(&mut df),
        Format::Parquet => ParquetWriter::new(&mut buf).finish(&mut df).map(|_| ()),
        Format::Ndjson => JsonWriter::new(&mut buf)
            .with_json_format(JsonFormat::JsonLines)
            .finish(&mut df),
    }
    .map_err(err)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_keep_values_empty_strings_and_missing_cells_apart() {
        let cells: TextCells = [Some("6e+18"), None, Some(""), Some("gpt-3"), None]
            .into_iter()
            .collect();
        assert_eq!(cells.len(), 5);
        assert_eq!(
            cells.iter().collect::<Vec<_>>(),
            [Some("6e+18"), None, Some(""), Some("gpt-3"), None]
        );
        assert_eq!(cells.get(3), Some("gpt-3"));
        assert!(TextCells::default().is_empty());
    }

    #[test]
    fn csv_cells_are_read_as_text_with_empty_fields_missing() {
        let csv = "n,label\n1e9,a\n,b\n3,\n".as_bytes().to_vec();
        let table = read_table(csv, Format::Csv, "t.csv").unwrap();
        assert_eq!(
            (table.n_rows, table.names()),
            (3, vec!["n".into(), "label".into()])
        );
        let Values::Text(n) = &table.columns[0].values else {
            panic!("CSV columns are text")
        };
        assert_eq!(n.iter().collect::<Vec<_>>(), [Some("1e9"), None, Some("3")]);
        let Values::Text(label) = &table.columns[1].values else {
            panic!("CSV columns are text")
        };
        assert_eq!(
            label.iter().collect::<Vec<_>>(),
            [Some("a"), Some("b"), None]
        );
    }
}
