//! The library's error type.
//!
//! Every message names what is wrong (file, column, rows, flag, value) and what to do about it.
//! [`Error::is_bad_input`] separates problems with the user's input or options (exit code 2 in
//! the command-line tool) from failures of the computation itself (exit code 1).

use std::fmt::Write as _;

/// How many offending rows an error message lists before summarising the rest.
pub const ROWS_SHOWN: usize = 5;

/// Longest cell, column name or quoted value an error message shows in full (in characters).
pub const QUOTE_CHARS: usize = 80;

/// Longest error message shown whole (in characters); [`cap_message`] cuts the middle of a
/// longer one, a safety net for values echoed without [`shorten`].
pub const MESSAGE_CHARS: usize = 600;

/// How many column names an error message lists before summarising the rest.
pub const NAMES_SHOWN: usize = 30;

/// The smallest FLOPs per parameter and token the library takes (`--flops-per-param-token`).
pub const MIN_FLOPS_PER_PARAM_TOKEN: f64 = 1e-3;

/// The largest FLOPs per parameter and token the library takes (`--flops-per-param-token`).
pub const MAX_FLOPS_PER_PARAM_TOKEN: f64 = 1e3;

/// Errors from loading data, validating it, fitting and saving results.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written. The message says what the operating system
    /// reported in words, once, and names the user's path (never a temporary file).
    #[error("{action} {path}: {}", describe_io(.error))]
    Io {
        /// Reading the user's file, or writing an output.
        action: IoAction,
        /// The file.
        path: String,
        /// The operating-system error (not a `source`: its text is already in the message).
        error: std::io::Error,
    },
    /// An output path that must not be written: an input of the command, or something other
    /// than a regular file (a folder, device, FIFO or socket).
    #[error("will not write {path}: {message}")]
    Destination {
        /// The output path as given.
        path: String,
        /// Why, and what to do.
        message: String,
    },
    /// The table could not be parsed in its format.
    #[error("cannot parse {path} as {format}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// csv, parquet or ndjson.
        format: &'static str,
        /// What the reader reported.
        message: String,
    },
    /// A column needed for a role was not found.
    #[error(
        "no {role} column in {path}; found: {found} (name it with {flag}{extra}){also}",
        found = format_names(.found),
        extra = .hint.as_deref().map(|h| format!(", or {h}")).unwrap_or_default(),
        also = .also.as_deref().map(|a| format!("; {a}")).unwrap_or_default()
    )]
    MissingColumn {
        /// The file.
        path: String,
        /// The role, e.g. "tokens (D)".
        role: &'static str,
        /// Columns that exist.
        found: Vec<String>,
        /// The flag that names the column.
        flag: &'static str,
        /// Another way out, if there is one.
        hint: Option<String>,
        /// Another column that is missing too, said in the same message so that one run of the
        /// command reports every missing column.
        also: Option<Box<str>>,
    },
    /// A column named by the user does not exist.
    #[error(
        "column '{column}' given with {flag} is not in {path}; found: {found}",
        column = shorten(.column),
        found = format_names(.found)
    )]
    UnknownColumn {
        /// The file.
        path: String,
        /// The requested column.
        column: String,
        /// The flag that named it.
        flag: &'static str,
        /// Columns that exist.
        found: Vec<String>,
    },
    /// More than one column matches a role.
    #[error(
        "several columns in {path} could be the {role} column: {candidates}; choose one with {flag}",
        candidates = format_names(.candidates)
    )]
    AmbiguousColumn {
        /// The file.
        path: String,
        /// The role.
        role: &'static str,
        /// Matching columns.
        candidates: Vec<String>,
        /// The flag that names the column.
        flag: &'static str,
    },
    /// Values in a column are unusable.
    #[error("{0}")]
    BadValues(Box<BadValues>),
    /// Values derived from other columns (e.g. `C = k·N·D`) overflow or underflow.
    #[error("{0}")]
    BadDerived(Box<BadDerived>),
    /// A column the analysis needs has a type the loader cannot read.
    #[error(
        "column '{column}' in {path} has type {dtype}, which scaling-laws cannot read; \
         store it as 64-bit floats (or integers) and try again",
        column = shorten(.column)
    )]
    UnreadableColumn {
        /// The file.
        path: String,
        /// The column.
        column: String,
        /// Its type as stored, e.g. "decimal(12, 6)".
        dtype: String,
    },
    /// Two columns of a file have the same name.
    #[error(
        "{path} has two columns named '{column}' (columns {first} and {second}); rename one so \
         that it is clear which to use",
        column = shorten(.column)
    )]
    DuplicateColumn {
        /// The file.
        path: String,
        /// The repeated name.
        column: String,
        /// Position of its first occurrence (1-based).
        first: usize,
        /// Position of the repeat (1-based).
        second: usize,
    },
    /// The data cannot determine the law.
    #[error("{path}: {message}")]
    NotIdentifiable {
        /// The file.
        path: String,
        /// Why, and what to do.
        message: String,
    },
    /// A command-line option or library configuration value is invalid.
    #[error("invalid {flag}: {message}")]
    InvalidOption {
        /// The flag or configuration field.
        flag: String,
        /// What is wrong and what is accepted.
        message: String,
    },
    /// A training curve that the curve laws cannot use.
    #[error("run {run}: {message}")]
    BadCurve {
        /// The run.
        run: String,
        /// What is wrong, and what to do.
        message: String,
    },
    /// A saved fit file is unreadable or of the wrong kind.
    #[error("cannot use fit file {path}: {message}")]
    FitFile {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A download failed or delivered the wrong bytes.
    #[error("download from {url} failed: {message}")]
    Download {
        /// The address.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A result holds a NaN or an infinity (see [`crate::finite`]).
    #[error(
        "{what} has a value that is not a finite number at {path} ({value}); some input lies \
         beyond the range of double-precision numbers or the fit is degenerate: check the values \
         given, and report it if they are ordinary"
    )]
    NotFinite {
        /// Which result.
        what: String,
        /// Where in it, e.g. `budgets[0].n_tokens.value`.
        path: String,
        /// The value (NaN or ±inf).
        value: f64,
    },
    /// No start of the optimiser converged.
    #[error("the fit did not converge: {message}")]
    NoConvergence {
        /// Termination summary and advice.
        message: String,
    },
    /// Long work was stopped by its caller ([`crate::progress::Progress::stopped`]) before it
    /// was done; there is no result.
    #[error("stopped before {what} was done")]
    Stopped {
        /// The work, e.g. "the fit".
        what: &'static str,
    },
}

/// Details of [`Error::BadValues`].
#[derive(Debug, thiserror::Error)]
#[error("column '{column}' in {path} {problem} at {rows}; {advice}", rows = format_rows(.rows, *.total))]
pub struct BadValues {
    /// The file.
    pub path: String,
    /// The column.
    pub column: String,
    /// e.g. "has non-numeric text", "has values <= 0".
    pub problem: String,
    /// The first offending rows (1-based data rows, header excluded) with their values.
    pub rows: Vec<(usize, String)>,
    /// How many rows are affected in all.
    pub total: usize,
    /// What to do.
    pub advice: String,
}

/// Details of [`Error::BadDerived`].
#[derive(Debug, thiserror::Error)]
#[error(
    "{path}: {quantity} derived as {formula} is not a finite positive number at {rows}; {advice}",
    rows = format_rows(.rows, *.total)
)]
pub struct BadDerived {
    /// The file.
    pub path: String,
    /// What was derived, e.g. "compute C".
    pub quantity: String,
    /// How, naming the columns, e.g. "6·N·D from columns 'N' and 'D'".
    pub formula: String,
    /// The first offending rows (1-based data rows, header excluded) with their inputs.
    pub rows: Vec<(usize, String)>,
    /// How many rows are affected in all.
    pub total: usize,
    /// What to do.
    pub advice: String,
}

impl Error {
    /// An [`Error::InvalidOption`].
    pub fn invalid_option(flag: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidOption {
            flag: flag.into(),
            message: message.into(),
        }
    }

    /// `Ok(())` when `value`, the FLOPs per parameter and token k of C = k·N·D, lies in
    /// [`MIN_FLOPS_PER_PARAM_TOKEN`, `MAX_FLOPS_PER_PARAM_TOKEN`], else an
    /// [`Error::InvalidOption`] naming `--flops-per-param-token` (beyond them derived
    /// tokens or model sizes leave the range of a double, or every run lands at one compute).
    pub fn require_flops_per_param_token(value: f64) -> Result<(), Error> {
        if value.is_finite()
            && (MIN_FLOPS_PER_PARAM_TOKEN..=MAX_FLOPS_PER_PARAM_TOKEN).contains(&value)
        {
            Ok(())
        } else {
            Err(Error::invalid_option(
                "--flops-per-param-token",
                format!(
                    "must be a number of FLOPs per parameter and token from \
                     {MIN_FLOPS_PER_PARAM_TOKEN} to {MAX_FLOPS_PER_PARAM_TOKEN} (6 for a dense \
                     transformer: 2 forward, 4 backward), got {value}"
                ),
            ))
        }
    }

    /// `Ok(())` when `value` is finite and positive, else an [`Error::InvalidOption`] naming
    /// `flag`.
    pub fn require_positive(flag: &str, value: f64) -> Result<(), Error> {
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(Error::invalid_option(
                flag,
                format!("must be a positive number, got {value}"),
            ))
        }
    }

    /// `Ok(())` when `value` is a fraction in (0, 1], else an [`Error::InvalidOption`] naming
    /// `flag`.
    pub fn require_fraction(flag: &str, value: f64) -> Result<(), Error> {
        if value > 0.0 && value <= 1.0 {
            Ok(())
        } else {
            Err(Error::invalid_option(
                flag,
                format!("must lie in (0, 1], got {value}"),
            ))
        }
    }

    /// An [`Error::Io`] for reading `path`.
    pub fn read(path: impl Into<String>, error: std::io::Error) -> Self {
        Error::Io {
            action: IoAction::Read,
            path: path.into(),
            error,
        }
    }

    /// An [`Error::Io`] for writing `path`.
    pub fn write(path: impl Into<String>, error: std::io::Error) -> Self {
        Error::Io {
            action: IoAction::Write,
            path: path.into(),
            error,
        }
    }

    /// True when the error lies in the user's input or options rather than in the computation
    /// or the system. Reading a file that is missing, unreadable or not a file is bad input;
    /// a write that fails because the output folder does not exist or the name is not a valid
    /// path is bad usage; every other I/O failure (a full disk, a read-only file system, a
    /// device error, permission denied on an output) is a failure of the run.
    pub fn is_bad_input(&self) -> bool {
        use std::io::ErrorKind as K;
        match self {
            Error::NoConvergence { .. }
            | Error::Download { .. }
            | Error::NotFinite { .. }
            | Error::Stopped { .. } => false,
            Error::Io { action, error, .. } => match action {
                IoAction::Read => matches!(
                    error.kind(),
                    K::NotFound
                        | K::PermissionDenied
                        | K::IsADirectory
                        | K::NotADirectory
                        | K::InvalidInput
                        | K::InvalidData
                        | K::InvalidFilename
                        | K::UnexpectedEof
                ),
                IoAction::Write => matches!(
                    error.kind(),
                    K::NotFound | K::NotADirectory | K::IsADirectory | K::InvalidFilename
                ),
            },
            _ => true,
        }
    }
}

/// Which side of an [`Error::Io`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IoAction {
    /// Reading an input.
    Read,
    /// Writing an output.
    Write,
}

impl std::fmt::Display for IoAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IoAction::Read => "cannot read",
            IoAction::Write => "cannot write",
        })
    }
}

/// What an I/O error means, in words, without the "(os error N)" code and without any path
/// the error carries (temporary files name their own path in their errors).
pub fn describe_io(error: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    if let Some(code) = error.raw_os_error() {
        let text = std::io::Error::from_raw_os_error(code).to_string();
        let text = text
            .rfind(" (os error")
            .map_or(text.as_str(), |i| &text[..i]);
        return lowercase_first(text);
    }
    if let Some(inner) = error.get_ref() {
        // tempfile wraps the OS error with the temporary path; report the OS error alone.
        if let Some(io) = inner
            .source()
            .and_then(|s| s.downcast_ref::<std::io::Error>())
        {
            return describe_io(io);
        }
        if error.kind() == K::Other {
            return lowercase_first(&inner.to_string());
        }
    }
    match error.kind() {
        K::NotFound => "no such file or directory".into(),
        K::PermissionDenied => "permission denied".into(),
        K::StorageFull => "no space left on the device".into(),
        K::BrokenPipe => "the reader closed the pipe".into(),
        kind => lowercase_first(&kind.to_string()),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "rows 3 (value 'abc'), 7 (value '')" plus "and 12 more" when truncated.
fn format_rows(rows: &[(usize, String)], total: usize) -> String {
    let mut out = String::from(if total == 1 { "row " } else { "rows " });
    for (k, (row, value)) in rows.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{row} ({})", shorten_quoted(value));
    }
    if total > rows.len() {
        let _ = write!(out, " and {} more", total - rows.len());
    }
    out.push_str(" (rows count from 1 after the header)");
    out
}

/// `text` cut to [`QUOTE_CHARS`] characters, saying how long it was when cut.
pub fn shorten(text: &str) -> String {
    let length = text.chars().count();
    if length <= QUOTE_CHARS {
        return text.to_string();
    }
    let head: String = text.chars().take(QUOTE_CHARS - 1).collect();
    format!("{head}… ({length} characters)")
}

/// `message` whole when at most [`MESSAGE_CHARS`] characters, else its beginning and its end
/// (which says what to do) around a note of how much was left out.
pub fn cap_message(message: &str) -> String {
    let length = message.chars().count();
    if length <= MESSAGE_CHARS {
        return message.to_string();
    }
    let keep = MESSAGE_CHARS / 2 - 20;
    let head: String = message.chars().take(keep).collect();
    let tail: String = message.chars().skip(length - keep).collect();
    format!(
        "{head}… ({} characters left out) …{tail}",
        length - 2 * keep
    )
}

/// Like [`shorten`], keeping the quotes around a quoted value.
fn shorten_quoted(value: &str) -> String {
    match value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        Some(inner) => format!("'{}'", shorten(inner)),
        None => shorten(value),
    }
}

/// Column names for a message: each shortened, at most [`NAMES_SHOWN`] of them.
fn format_names(names: &[String]) -> String {
    let mut out: Vec<String> = names.iter().take(NAMES_SHOWN).map(|n| shorten(n)).collect();
    if names.len() > NAMES_SHOWN {
        out.push(format!("and {} more", names.len() - NAMES_SHOWN));
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_and_name_lists_are_cut() {
        let cell = "x".repeat(5000);
        let short = shorten(&cell);
        assert_eq!(
            short.chars().count(),
            QUOTE_CHARS + " (5000 characters)".len()
        );
        assert!(short.ends_with("… (5000 characters)"));
        assert_eq!(shorten("abc"), "abc");
        assert!(shorten_quoted(&format!("'{cell}'")).ends_with("… (5000 characters)'"));
        let message = format!("invalid --where: '{cell}': no operator; write COLUMN OP VALUE");
        let capped = cap_message(&message);
        assert!(capped.chars().count() <= MESSAGE_CHARS, "{capped}");
        assert!(capped.starts_with("invalid --where: 'xxx"), "{capped}");
        assert!(capped.ends_with("write COLUMN OP VALUE"), "{capped}");
        assert_eq!(cap_message("short"), "short");
        let names: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
        let listed = format_names(&names);
        assert!(listed.starts_with("c0, c1,") && listed.ends_with("c29, and 70 more"));
    }
}
