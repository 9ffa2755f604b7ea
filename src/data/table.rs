//! Reading a table from CSV, Parquet or NDJSON with polars. This is the only file that uses
//! polars: everything downstream sees a plain [`Table`].
//!
//! CSV is read with every column as text (no type inference) and parsed by this crate: FLOP
//! counts written as integers overflow polars' inferred `i64`, and parsing here lets errors name
//! the exact row and value.

use std::io::Cursor;

use polars::prelude::{ArrowDataType, ArrowField, *};

use super::csv_scan;
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
    /// Columns handed over in memory (a data frame or arrays), not a file: see
    /// [`super::load_columns`]. Nothing is read or written in this format.
    Columns,
}

impl Format {
    /// Format from a file name: `.csv`/`.txt` (comma-separated), `.parquet`/`.pq`,
    /// `.ndjson`/`.jsonl`/`.json`. Tab-separated files (`.tsv`) are not read.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for any other extension, `.tsv` included.
    pub fn from_path(path: &str) -> Result<Format, Error> {
        let ext = std::path::Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") | Some("txt") => Ok(Format::Csv),
            Some("parquet") | Some("pq") => Ok(Format::Parquet),
            Some("ndjson") | Some("jsonl") | Some("json") => Ok(Format::Ndjson),
            Some("tsv") | Some("tab") => Err(Error::invalid_option(
                "input",
                format!(
                    "{path} is tab-separated, which is not read; save it as comma-separated \
                     .csv (or as .parquet or .ndjson)"
                ),
            )),
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
            Format::Columns => "in-memory columns",
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
    /// A column of a type the loader does not decode (e.g. a Parquet decimal, float16 or date
    /// column, a nested JSON value), with that type's name. It is an error only when used.
    Unreadable(String),
}

impl Values {
    /// Number of cells; `None` for an [`Values::Unreadable`] column, whose cells are not kept.
    pub fn cell_count(&self) -> Option<usize> {
        match self {
            Values::Text(cells) => Some(cells.len()),
            Values::Float(cells) => Some(cells.len()),
            Values::Unreadable(_) => None,
        }
    }
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
    /// How the file was read, when that is worth knowing (e.g. line endings).
    pub notes: Vec<String>,
}

impl Table {
    /// Column names in file order.
    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }
}

/// Parse `bytes` (the contents of `label`) as a table in `format`.
///
/// Parquet columns of types the loader does not decode are not read at all (they become
/// [`Values::Unreadable`]), so an unused decimal or float16 column does no harm.
///
/// # Errors
///
/// [`Error::Parse`] when the reader rejects the contents, in the tool's words (see
/// [`translate_error`]); [`Error::DuplicateColumn`] when a CSV header repeats a name.
pub fn read_table(mut bytes: Vec<u8>, format: Format, label: &str) -> Result<Table, Error> {
    let parse_err = |message: String| Error::Parse {
        path: label.to_string(),
        format: format.name(),
        message,
    };
    if format == Format::Columns {
        return Err(parse_err(
            "in-memory columns are not read from bytes; give them to data::load_columns"
                .to_string(),
        ));
    }
    let mut notes = Vec::new();
    if format == Format::Csv {
        if csv_scan::normalise_cr_only(&mut bytes) {
            notes.push(
                "lines end in carriage returns alone (classic Mac OS); read each as a line break"
                    .to_string(),
            );
        }
        check_csv_shape(&bytes, label)?;
    }
    // Polars is the last thing that may panic on a file it does not expect; a panic there is
    // reported as a file that cannot be read, not a crash.
    let read = catch_quietly(|| read_frame(&bytes, format));
    let (df, unreadable) = match read {
        Ok(Ok(frame)) => frame,
        Ok(Err(e)) => return Err(parse_err(translate_error(&e, format, &bytes))),
        Err(_) => {
            return Err(parse_err(
                "the reader stopped on a value it cannot handle; save the file again as CSV, \
                 or with 64-bit float columns"
                    .to_string(),
            ));
        }
    };
    let n_rows = df.height();
    let columns = convert_frame(df, unreadable)
        .map_err(|e| parse_err(translate_error(&e, format, &bytes)))?;
    Ok(Table {
        columns,
        n_rows,
        notes,
    })
}

thread_local! {
    /// Whether a panic on this thread is caught by [`catch_quietly`] and must not be printed.
    static QUIET_PANICS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `read`, catching a panic without the panic hook's report on stderr: the caller turns
/// it into an error of its own, and the library never prints. The hook installed (once) for
/// this passes every other panic, on any thread, to the hook that was there before.
fn catch_quietly<T>(read: impl FnOnce() -> T) -> std::thread::Result<T> {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET_PANICS.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET_PANICS.with(|quiet| quiet.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    QUIET_PANICS.with(|quiet| quiet.set(false));
    result
}

/// Refuse a CSV file whose header repeats a name or whose quote is never closed.
fn check_csv_shape(bytes: &[u8], label: &str) -> Result<(), Error> {
    let shape = csv_scan::scan(bytes);
    if let Some(line) = shape.unclosed_quote_line {
        return Err(Error::Parse {
            path: label.to_string(),
            format: "csv",
            message: format!(
                "the quoted cell that opens with \" on line {line} is never closed; close the \
                 quote or remove it"
            ),
        });
    }
    if let Some((column, first, second)) = csv_scan::duplicate_name(&shape.header) {
        return Err(Error::DuplicateColumn {
            path: label.to_string(),
            column,
            first,
            second,
        });
    }
    Ok(())
}

/// Columns of a Parquet file, in file order: `Ok(index)` for those the loader decodes, `Err(type)`
/// for the others.
type ParquetPlan = Vec<(String, Result<usize, String>)>;

/// Read with polars: the frame of decoded columns, and the Parquet columns left undecoded.
fn read_frame(bytes: &[u8], format: Format) -> PolarsResult<(DataFrame, Option<ParquetPlan>)> {
    let cursor = Cursor::new(bytes);
    match format {
        Format::Csv => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(cursor)
            .finish()
            .map(|df| (df, None)),
        Format::Parquet => {
            let mut reader = ParquetReader::new(cursor);
            let schema = reader.schema()?;
            let mut plan = Vec::with_capacity(schema.len());
            let mut projection = Vec::new();
            for (index, (name, field)) in schema.iter().enumerate() {
                let decoded = match decodable(field) {
                    Ok(()) => {
                        projection.push(index);
                        Ok(projection.len() - 1)
                    }
                    Err(dtype) => Err(dtype),
                };
                plan.push((name.to_string(), decoded));
            }
            let n_rows = reader.num_rows()?;
            let df = if projection.is_empty() {
                DataFrame::empty_with_height(n_rows)
            } else {
                reader.with_projection(Some(projection)).finish()?
            };
            Ok((df, Some(plan)))
        }
        Format::Columns => Err(PolarsError::InvalidOperation(
            "in-memory columns have no file format".into(),
        )),
        Format::Ndjson => {
            // A `.json` file may hold one array of objects rather than one object per line.
            let json_format = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b'[') => JsonFormat::Json,
                _ => JsonFormat::JsonLines,
            };
            JsonReader::new(cursor)
                .with_json_format(json_format)
                .finish()
                .map(|df| (df, None))
        }
    }
}

/// `Ok` for Parquet column types this build of polars decodes into numbers or text; otherwise
/// the type's name. Polars panics on some others (decimal, float16) rather than failing.
fn decodable(field: &ArrowField) -> Result<(), String> {
    use ArrowDataType as T;
    let ok = !field.is_categorical()
        && !field.is_enum()
        && matches!(
            field.dtype(),
            T::Null
                | T::Boolean
                | T::Int32
                | T::Int64
                | T::Int128
                | T::UInt32
                | T::UInt64
                | T::Float32
                | T::Float64
                | T::Utf8
                | T::LargeUtf8
                | T::Utf8View
        );
    if ok {
        Ok(())
    } else {
        Err(type_name(field.dtype()))
    }
}

/// A short lower-case name of an Arrow type, e.g. `decimal(12, 6)`, `float16`.
fn type_name(dtype: &ArrowDataType) -> String {
    use ArrowDataType as T;
    match dtype {
        T::Decimal(p, s) | T::Decimal32(p, s) | T::Decimal64(p, s) | T::Decimal256(p, s) => {
            format!("decimal({p}, {s})")
        }
        T::Dictionary(..) => "dictionary (categorical)".to_string(),
        T::Timestamp(..) => "timestamp".to_string(),
        T::List(_) | T::LargeList(_) | T::FixedSizeList(..) => "list".to_string(),
        T::Struct(_) => "struct".to_string(),
        other => {
            let debug = format!("{other:?}").to_ascii_lowercase();
            debug
                .split(['(', ' '])
                .next()
                .unwrap_or("unknown")
                .to_string()
        }
    }
}

/// Convert polars columns one by one, each dropped once converted so that the file is not held
/// twice in full; Parquet columns left undecoded take their place in file order.
///
/// The frame is taken apart in one move: removing its columns one at a time by name rebuilt
/// its schema each time, which made a file of 20,000 columns take minutes.
fn convert_frame(df: DataFrame, plan: Option<ParquetPlan>) -> PolarsResult<Vec<Column>> {
    let columns = df.into_columns();
    let mut decoded = Vec::with_capacity(columns.len());
    for col in columns {
        decoded.push(convert_column(&col)?);
    }
    let Some(plan) = plan else {
        return Ok(decoded);
    };
    let mut decoded: Vec<Option<Column>> = decoded.into_iter().map(Some).collect();
    Ok(plan
        .into_iter()
        .map(|(name, kind)| match kind {
            Ok(i) => decoded[i].take().unwrap_or(Column {
                name,
                values: Values::Unreadable("unknown".into()),
            }),
            Err(dtype) => Column {
                name,
                values: Values::Unreadable(dtype),
            },
        })
        .collect())
}

fn convert_column(col: &polars::prelude::Column) -> PolarsResult<Column> {
    let dtype = col.dtype();
    let values = if dtype.is_primitive_numeric() || matches!(dtype, DataType::Boolean) {
        let cast = col.cast(&DataType::Float64)?;
        Values::Float(cast.f64()?.iter().collect())
    } else if matches!(dtype, DataType::String) {
        Values::Text(col.str()?.iter().collect())
    } else if matches!(dtype, DataType::Null) {
        Values::Text(std::iter::repeat_n(None, col.len()).collect())
    } else {
        // Nested JSON values (objects, arrays) and anything else: not decoded further.
        Values::Unreadable(dtype.to_string().to_ascii_lowercase())
    };
    Ok(Column {
        name: col.name().to_string(),
        values,
    })
}

/// A polars error in the tool's words: no advice about polars' Python arguments, no echo of
/// the file, and the line at fault where it can be found.
pub fn translate_error(e: &PolarsError, format: Format, bytes: &[u8]) -> String {
    let raw = e.to_string();
    if format == Format::Csv && raw.contains("more fields than") {
        let shape = csv_scan::scan(bytes);
        if let Some((line, fields)) = shape.long_row {
            let width = shape.header.len();
            return format!(
                "line {line} has {fields} fields but the header names {width} columns; remove \
                 the extra fields, or quote cells that contain commas"
            );
        }
        return "a row has more fields than the header names columns; remove the extra fields, \
                or quote cells that contain commas"
            .to_string();
    }
    if raw.contains("empty CSV") || bytes.iter().all(u8::is_ascii_whitespace) {
        return "the file is empty; a table of runs needs a header row and one row per run"
            .to_string();
    }
    if format == Format::Ndjson
        && let Some(found) = first_bad_json_line(bytes)
    {
        return found;
    }
    // The first sentence of the reader's own message, without its advice.
    let first = raw
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("unknown error");
    let what = match format {
        Format::Parquet => "not a Parquet file, or a damaged one",
        Format::Ndjson => "not JSON with one object per run",
        Format::Csv => "not a comma-separated table with a header row",
        Format::Columns => "not a table",
    };
    format!("{what} ({})", crate::error::shorten(first))
}

/// The first line of an NDJSON file that is not a JSON object, described.
fn first_bad_json_line(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    if text.trim_start().starts_with('[') {
        return serde_json::from_str::<serde_json::Value>(&text)
            .err()
            .map(|e| format!("not valid JSON ({e}); each run must be an object"));
    }
    text.lines().enumerate().find_map(|(i, line)| {
        if line.trim().is_empty() {
            return None;
        }
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(_)) => None,
            Ok(_) => Some(format!(
                "line {} is not a JSON object: '{}'; write one object per run",
                i + 1,
                crate::error::shorten(line.trim())
            )),
            Err(e) => Some(format!(
                "line {} is not valid JSON ({e}): '{}'",
                i + 1,
                crate::error::shorten(line.trim())
            )),
        }
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
        Format::Columns => Err(PolarsError::InvalidOperation(
            "in-memory columns are not a file format; write .csv, .parquet or .ndjson".into(),
        )),
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
