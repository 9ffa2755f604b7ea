//! The seeded generator: case `i` of seed `s` mutates the shipped sweep in one category (cells,
//! rows, columns, bytes, delimiters, quotes, encodings, formats, or several at once) and
//! describes every step, so a failure can be replayed from its seed and index alone.

use std::sync::OnceLock;

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::SWEEP;

/// What part of the input a case mutates; the rows of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Cells,
    Rows,
    Columns,
    Bytes,
    Delimiters,
    Quotes,
    Encodings,
    Formats,
    Stacked,
}

/// Every category, in the order cases cycle through them.
pub const CATEGORIES: [Category; 9] = [
    Category::Cells,
    Category::Rows,
    Category::Columns,
    Category::Bytes,
    Category::Delimiters,
    Category::Quotes,
    Category::Encodings,
    Category::Formats,
    Category::Stacked,
];

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Cells => "cells",
            Category::Rows => "rows",
            Category::Columns => "columns",
            Category::Bytes => "bytes",
            Category::Delimiters => "delimiters",
            Category::Quotes => "quotes",
            Category::Encodings => "encodings",
            Category::Formats => "formats",
            Category::Stacked => "stacked",
        }
    }
}

/// One generated input.
pub struct Case {
    pub seed: u64,
    pub index: usize,
    pub category: Category,
    /// What was done to the sweep, step by step.
    pub mutations: Vec<String>,
    pub bytes: Vec<u8>,
    /// File extension, which decides the format the tool reads.
    pub ext: &'static str,
}

impl Case {
    pub fn describe(&self) -> String {
        format!(
            "seed {} case {} [{}] .{}: {}",
            self.seed,
            self.index,
            self.category.name(),
            self.ext,
            self.mutations.join("; ")
        )
    }
}

/// The random stream of case `index`, `stream` 0 for the input and 1 for the command.
pub fn case_rng(seed: u64, index: usize, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(((index as u64) << 1) | stream);
    rng
}

/// The sweep as header and rows of text cells.
#[derive(Clone)]
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn sweep() -> Table {
        let text = std::fs::read_to_string(SWEEP).expect("the shipped sweep is readable");
        let mut lines = text
            .lines()
            .map(|l| l.split(',').map(str::to_string).collect());
        Table {
            header: lines.next().expect("a header"),
            rows: lines.collect(),
        }
    }

    fn render(&self, delimiter: &str, eol: &str) -> Vec<u8> {
        let mut out = String::new();
        for line in std::iter::once(&self.header).chain(&self.rows) {
            out.push_str(&line.join(delimiter));
            out.push_str(eol);
        }
        out.into_bytes()
    }

    fn width(&self) -> usize {
        self.header.len()
    }
}

/// Cell values that have broken loaders before: empty, words, overflow, underflow, signed
/// zero, non-finite spellings, negatives, unicode digits and letters, quotes, separators.
const CELLS: &[&str] = &[
    "",
    " ",
    "abc",
    "1e400",
    "-1e400",
    "1e308",
    "1.7976931348623157e308",
    "-1e308",
    "1e-320",
    "1e-308",
    "-0",
    "0",
    "0.0",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "-5",
    "-1e-9",
    "3,1",
    "3.1.4",
    "0x10",
    "1_000",
    "true",
    "1e",
    "--1",
    ".",
    "+",
    "123456789012345678901234567890123456789",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "３.５",
    "١٢٣",
    "📈",
    "ß€",
    "\"3.1\"",
    "\"quoted, cell\"",
    "\"",
    "'3.1'",
    " 3.1 ",
    "3.1\u{0}",
    "NULL",
    "None",
    "N/A",
];

/// Names for renamed columns: other roles' names, near-misses, empty, unicode, long.
const NAMES: &[&str] = &[
    "",
    " loss",
    "LOSS",
    "Loss ",
    "loss",
    "params",
    "n_params",
    "N",
    "tokens",
    "D",
    "flops",
    "C",
    "L",
    "budget",
    "x",
    "损失",
    "naïve",
    "\"loss\"",
    "flops_budget",
];

/// A case: its category cycles with `index`, everything else comes from the seeded stream.
pub fn make_case(seed: u64, index: usize) -> Case {
    let mut rng = case_rng(seed, index, 0);
    let category = CATEGORIES[index % CATEGORIES.len()];
    let mut log = Vec::new();
    let (bytes, ext) = match category {
        Category::Formats => formats(&mut rng, &mut log),
        Category::Stacked => {
            let mut table = Table::sweep();
            for _ in 0..rng.random_range(2..=3) {
                match rng.random_range(0..4) {
                    0 => cells(&mut rng, &mut table, &mut log),
                    1 => rows(&mut rng, &mut table, &mut log),
                    2 => columns(&mut rng, &mut table, &mut log),
                    _ => quotes(&mut rng, &mut table, &mut log),
                }
            }
            let (delimiter, eol) = layout(&mut rng, &mut log);
            let mut bytes = table.render(delimiter, eol);
            if rng.random_bool(0.5) {
                flip_bytes(&mut rng, &mut bytes, &mut log);
            }
            (bytes, "csv")
        }
        _ => {
            let mut table = Table::sweep();
            match category {
                Category::Cells => cells(&mut rng, &mut table, &mut log),
                Category::Rows => rows(&mut rng, &mut table, &mut log),
                Category::Columns => columns(&mut rng, &mut table, &mut log),
                Category::Quotes => quotes(&mut rng, &mut table, &mut log),
                _ => {}
            }
            let (delimiter, eol) = if category == Category::Delimiters {
                layout(&mut rng, &mut log)
            } else {
                (",", "\n")
            };
            let mut bytes = table.render(delimiter, eol);
            match category {
                Category::Bytes => flip_bytes(&mut rng, &mut bytes, &mut log),
                Category::Encodings => encodings(&mut rng, &mut bytes, &mut log),
                Category::Delimiters if rng.random_bool(0.3) => {
                    mix_delimiters(&mut rng, &mut bytes, delimiter, &mut log)
                }
                _ => {}
            }
            (bytes, "csv")
        }
    };
    Case {
        seed,
        index,
        category,
        mutations: log,
        bytes,
        ext,
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    items.choose(rng).expect("a non-empty list")
}

/// A cell value: mostly from [`CELLS`], now and then a 5 MB cell.
fn cell_value(rng: &mut ChaCha8Rng) -> (String, String) {
    if rng.random_bool(0.02) {
        let fill = *pick(rng, &["9", "x", "é"]);
        let value = fill.repeat((5 << 20) / fill.len());
        return (value, format!("a 5 MB cell of '{fill}'"));
    }
    let value = pick(rng, CELLS).to_string();
    let shown = format!("{value:?}");
    (value, shown)
}

fn cells(rng: &mut ChaCha8Rng, t: &mut Table, log: &mut Vec<String>) {
    if t.rows.is_empty() || t.width() == 0 {
        return;
    }
    let col = rng.random_range(0..t.width());
    let name = t.header[col].clone();
    match rng.random_range(0..10) {
        // Whole-column changes reach the numerics (overflow, underflow, degenerate fits).
        0 => {
            let factor = *pick(rng, &[1e300, 1e-300, 1e200, 1e-200, -1.0, 1e308, 1e-308]);
            for row in &mut t.rows {
                if let Some(v) = row.get(col).and_then(|c| c.parse::<f64>().ok()) {
                    row[col] = format!("{:e}", v * factor);
                }
            }
            log.push(format!("column '{name}' multiplied by {factor:e}"));
        }
        1 => {
            let value = *pick(rng, &["3.0", "1e308", "1e-300", "1", "0"]);
            for row in &mut t.rows {
                if col < row.len() {
                    row[col] = value.to_string();
                }
            }
            log.push(format!("every cell of column '{name}' set to {value}"));
        }
        2 => {
            // Loss rising with N: a fit with no compute-optimal allocation.
            for row in &mut t.rows {
                if let (Some(n), true) = (
                    row.get(1).and_then(|c| c.parse::<f64>().ok()),
                    row.len() > 4,
                ) {
                    row[4] = format!("{}", 2.0 + n.log10() / 10.0);
                }
            }
            log.push("loss set to rise with n_params".to_string());
        }
        _ => {
            for _ in 0..rng.random_range(1..=3) {
                let r = rng.random_range(0..t.rows.len());
                let c = rng.random_range(0..t.width());
                let (value, shown) = cell_value(rng);
                if c < t.rows[r].len() {
                    t.rows[r][c] = value;
                    log.push(format!("row {} column '{}' = {shown}", r + 1, t.header[c]));
                }
            }
        }
    }
}

fn rows(rng: &mut ChaCha8Rng, t: &mut Table, log: &mut Vec<String>) {
    let n = t.rows.len();
    match rng.random_range(0..9) {
        0 if n > 0 => {
            let r = rng.random_range(0..n);
            let k = *pick(rng, &[1, 2, 10, 200]);
            let copy = t.rows[r].clone();
            for _ in 0..k {
                t.rows.insert(r, copy.clone());
            }
            log.push(format!("row {} duplicated {k} times", r + 1));
        }
        1 => {
            let keep = (*pick(rng, &[0usize, 1, 2, 3, 4, 5, 6, 10, 50])).min(n);
            t.rows.shuffle(rng);
            t.rows.truncate(keep);
            log.push(format!("only {keep} random rows kept"));
        }
        2 => {
            let keep = rng.random_range(0..=n);
            t.rows.truncate(keep);
            log.push(format!("rows after {keep} dropped"));
        }
        3 if n > 0 => {
            let r = rng.random_range(0..n);
            let extra = rng.random_range(1..=3);
            for _ in 0..extra {
                t.rows[r].push("7".to_string());
            }
            log.push(format!("row {} given {extra} extra fields", r + 1));
        }
        4 if n > 0 => {
            let r = rng.random_range(0..n);
            let keep = rng.random_range(0..t.rows[r].len());
            t.rows[r].truncate(keep);
            log.push(format!("row {} cut to {keep} fields", r + 1));
        }
        5 => {
            let r = rng.random_range(0..=n);
            let blank = if rng.random_bool(0.5) {
                vec![String::new()]
            } else {
                vec![String::new(); t.width()]
            };
            t.rows.insert(r, blank.clone());
            log.push(format!("blank row inserted before row {}", r + 1));
        }
        6 => {
            t.rows.shuffle(rng);
            log.push("rows shuffled".to_string());
        }
        7 => {
            let r = rng.random_range(0..=n);
            t.rows.insert(r, t.header.clone());
            log.push(format!("header repeated before row {}", r + 1));
        }
        _ => {
            let copies = t.rows.clone();
            for _ in 0..20 {
                t.rows.extend(copies.iter().cloned());
            }
            log.push(format!(
                "all rows repeated 21 times ({} rows)",
                t.rows.len()
            ));
        }
    }
}

fn columns(rng: &mut ChaCha8Rng, t: &mut Table, log: &mut Vec<String>) {
    let w = t.width();
    if w == 0 {
        return;
    }
    let col = rng.random_range(0..w);
    let name = t.header[col].clone();
    match rng.random_range(0..7) {
        0 => {
            t.header.remove(col);
            for row in &mut t.rows {
                if col < row.len() {
                    row.remove(col);
                }
            }
            log.push(format!("column '{name}' dropped"));
        }
        1 => {
            let new = pick(rng, NAMES).to_string();
            log.push(format!("column '{name}' renamed {new:?}"));
            t.header[col] = new;
        }
        2 => {
            t.header.push(name.clone());
            for row in &mut t.rows {
                let v = row.get(col).cloned().unwrap_or_default();
                row.push(v);
            }
            log.push(format!("column '{name}' duplicated at the end"));
        }
        3 => {
            let mut order: Vec<usize> = (0..w).collect();
            order.shuffle(rng);
            t.header = order.iter().map(|&i| t.header[i].clone()).collect();
            for row in &mut t.rows {
                *row = order.iter().filter_map(|&i| row.get(i).cloned()).collect();
            }
            log.push(format!("columns reordered {order:?}"));
        }
        4 => {
            t.header.insert(col, "note".to_string());
            for (i, row) in t.rows.iter_mut().enumerate() {
                row.insert(col.min(row.len()), format!("run {i} ok"));
            }
            log.push(format!("text column 'note' inserted at {col}"));
        }
        5 => {
            t.header = t.rows.first().cloned().unwrap_or_default();
            if !t.rows.is_empty() {
                t.rows.remove(0);
            }
            log.push("header removed (first row read as header)".to_string());
        }
        _ => {
            let other = rng.random_range(0..w);
            t.header.swap(col, other);
            log.push(format!("names of columns {col} and {other} swapped"));
        }
    }
}

fn quotes(rng: &mut ChaCha8Rng, t: &mut Table, log: &mut Vec<String>) {
    let variant = rng.random_range(0..6);
    if variant == 2 {
        for name in &mut t.header {
            *name = format!("\"{name}\"");
        }
        log.push("header names quoted".to_string());
        return;
    }
    let n = t.rows.len();
    let r = if n > 0 { rng.random_range(0..n) } else { 0 };
    let c = rng.random_range(0..t.width().max(1));
    let row = if n > 0 { &mut t.rows[r] } else { &mut t.header };
    if c >= row.len() {
        return;
    }
    let v = row[c].clone();
    let (new, what) = match variant {
        0 => (format!("\"{v}"), "unbalanced quote opened"),
        1 => (format!("{v}\""), "stray quote after the value"),
        3 => (format!("\"{v}\n{v}\""), "quoted newline"),
        4 => (format!("\"{v}\"\"\""), "doubled quote"),
        _ => {
            let mid = (0..=v.len() / 2)
                .rev()
                .find(|&i| v.is_char_boundary(i))
                .unwrap_or(0);
            (
                format!("{}\"{}", &v[..mid], &v[mid..]),
                "quote inside the value",
            )
        }
    };
    row[c] = new;
    log.push(format!("{what} at row {} column {c}", r + 1));
}

/// Delimiter and line ending of the rendered table.
fn layout(rng: &mut ChaCha8Rng, log: &mut Vec<String>) -> (&'static str, &'static str) {
    let delimiter = *pick(rng, &[";", "\t", "|", " ", ",", ", "]);
    let eol = *pick(rng, &["\n", "\n", "\r\n", "\r"]);
    log.push(format!("delimiter {delimiter:?}, line ending {eol:?}"));
    (delimiter, eol)
}

fn mix_delimiters(
    rng: &mut ChaCha8Rng,
    bytes: &mut Vec<u8>,
    delimiter: &str,
    log: &mut Vec<String>,
) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let other = if delimiter == "," { ";" } else { "," };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let r = rng.random_range(0..lines.len().max(1));
    let mixed: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i >= r {
                l.replace(delimiter, other)
            } else {
                l.to_string()
            }
        })
        .collect();
    *bytes = mixed.into_bytes();
    log.push(format!("delimiter {other:?} from line {} on", r + 1));
}

fn flip_bytes(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>, log: &mut Vec<String>) {
    let len = bytes.len();
    match rng.random_range(0..7) {
        0 if len > 0 => {
            let k = rng.random_range(1..=10);
            for _ in 0..k {
                let i = rng.random_range(0..len);
                bytes[i] = rng.random();
            }
            log.push(format!("{k} random bytes replaced"));
        }
        1 => {
            let at = rng.random_range(0..=len);
            bytes.truncate(at);
            log.push(format!("truncated at byte {at}"));
        }
        2 => {
            let at = rng.random_range(0..=len);
            bytes.insert(at, 0);
            log.push(format!("NUL inserted at byte {at}"));
        }
        3 => {
            let at = rng.random_range(0..=len);
            const SEQUENCES: [&[u8]; 4] = [&[0xff, 0xfe], &[0xc3], &[0xed, 0xa0, 0x80], &[0x80]];
            let seq = SEQUENCES[rng.random_range(0..SEQUENCES.len())];
            bytes.splice(at..at, seq.iter().copied());
            log.push(format!("invalid UTF-8 {seq:02x?} inserted at byte {at}"));
        }
        4 => {
            bytes.splice(0..0, [0xef, 0xbb, 0xbf]);
            log.push("UTF-8 byte-order mark prepended".to_string());
        }
        5 if len > 0 => {
            let from = rng.random_range(0..len);
            let to = (from + rng.random_range(1..200)).min(len);
            bytes.drain(from..to);
            log.push(format!("bytes {from}..{to} deleted"));
        }
        _ => {
            let at = rng.random_range(0..=len);
            let k = rng.random_range(1..64);
            let noise: Vec<u8> = (0..k).map(|_| rng.random()).collect();
            bytes.splice(at..at, noise);
            log.push(format!("{k} random bytes inserted at byte {at}"));
        }
    }
}

fn encodings(rng: &mut ChaCha8Rng, bytes: &mut Vec<u8>, log: &mut Vec<String>) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let utf16 = |big: bool, bom: bool| -> Vec<u8> {
        let mut out = Vec::new();
        let units = (if bom { "\u{feff}" } else { "" })
            .encode_utf16()
            .chain(text.encode_utf16());
        for u in units {
            out.extend(if big {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    };
    let (new, what) = match rng.random_range(0..9) {
        0 => (text.replace('\n', "\r\n").into_bytes(), "CRLF line endings"),
        1 => (
            text.replace('\n', "\r").into_bytes(),
            "CR-only line endings",
        ),
        2 => (utf16(false, true), "UTF-16LE with byte-order mark"),
        3 => (utf16(true, true), "UTF-16BE with byte-order mark"),
        4 => (utf16(false, false), "UTF-16LE without byte-order mark"),
        5 => (text.trim_end().to_string().into_bytes(), "no final newline"),
        6 => (format!("{text}\n\n\n").into_bytes(), "trailing blank lines"),
        7 => {
            let mut b = text.replacen("loss", "lo\u{e9}ss", 1).into_bytes();
            // é in Latin-1: one byte 0xE9, invalid as UTF-8.
            if let Some(i) = b.windows(2).position(|w| w == [0xc3, 0xa9]) {
                b.splice(i..i + 2, [0xe9]);
            }
            (b, "Latin-1 byte in a column name")
        }
        _ => {
            let mixed: String = text
                .split_inclusive('\n')
                .enumerate()
                .map(|(i, l)| {
                    if i % 3 == 1 {
                        l.replace('\n', "\r\n")
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            (mixed.into_bytes(), "mixed LF and CRLF line endings")
        }
    };
    *bytes = new;
    log.push(what.to_string());
}

/// NDJSON and Parquet inputs, well-formed or broken, and CSV under the wrong extension.
fn formats(rng: &mut ChaCha8Rng, log: &mut Vec<String>) -> (Vec<u8>, &'static str) {
    match rng.random_range(0..5) {
        0 | 1 => {
            let mut table = Table::sweep();
            if rng.random_bool(0.7) {
                cells(rng, &mut table, log);
            }
            let mut bytes = ndjson(&table);
            let ext = *pick(rng, &["ndjson", "jsonl", "json"]);
            log.push(format!("written as NDJSON (.{ext})"));
            if rng.random_bool(0.4) {
                flip_bytes(rng, &mut bytes, log);
            }
            (bytes, ext)
        }
        2 | 3 => {
            let mut bytes = parquet_base().to_vec();
            log.push("Parquet from `simulate --seed 5`".to_string());
            if rng.random_bool(0.8) {
                flip_bytes(rng, &mut bytes, log);
            }
            (bytes, "parquet")
        }
        _ => {
            let ext = *pick(rng, &["parquet", "ndjson", "txt"]);
            log.push(format!("the CSV named .{ext}"));
            (Table::sweep().render(",", "\n"), ext)
        }
    }
}

/// One JSON object per row: numbers where the cell parses as a finite number, else strings.
fn ndjson(t: &Table) -> Vec<u8> {
    let mut out = String::new();
    for row in &t.rows {
        let mut obj = serde_json::Map::new();
        for (name, cell) in t.header.iter().zip(row) {
            let value = match cell.parse::<f64>() {
                Ok(v) => serde_json::Number::from_f64(v)
                    .map(serde_json::Value::Number)
                    .unwrap_or_else(|| serde_json::Value::String(cell.clone())),
                Err(_) => serde_json::Value::String(cell.clone()),
            };
            obj.insert(name.clone(), value);
        }
        out.push_str(&serde_json::Value::Object(obj).to_string());
        out.push('\n');
    }
    out.into_bytes()
}

/// A well-formed Parquet sweep, written once by the built tool.
fn parquet_base() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = crate::common::temp_dir();
        let path = dir.path().join("base.parquet");
        let out = crate::common::run(&["simulate", "--seed", "5", "--out", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", crate::common::stderr(&out));
        std::fs::read(&path).expect("the simulated Parquet file")
    })
}
