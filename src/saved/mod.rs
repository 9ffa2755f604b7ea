//! A fit saved to disk with its provenance, so later commands reuse it without refitting.
//!
//! The file is JSON: `{"format": "scaling-laws-fit", "format_version": 1, "tool_version", ...,
//! "provenance": {...}, "report": {...}}`. The report names the law's family
//! (`report.fitted.family`, `report.fitted.config.law`); files written before there were other
//! families name none and load as Chinchilla fits. The provenance records the input path and its
//! SHA-256, the columns used, how tokens were derived, the filter, the rows used and the
//! command line; the report holds the fitted law, the options and the diagnostics.
//!
//! A fit file is input, and is validated as input when it is read ([`SavedFit::from_json`]):
//! every number finite, every list as long as what it lists, every count and range one a fit
//! could have produced, and the parts of one family. A file that fails names the field that is
//! wrong; no later step sees it.

mod checks;
mod json_path;
#[cfg(test)]
mod tests;

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::check::holdout::HoldoutReport;
use crate::data::{ColumnNames, Dataset, LoadOptions, RowFilter, SourceInfo, UsedColumns};
use crate::error::Error;
use crate::fit::FitReport;
use crate::uncertainty::BootstrapDraws;

/// Value of the `format` field.
pub const FORMAT_NAME: &str = "scaling-laws-fit";
/// Current file layout version.
pub const FORMAT_VERSION: u32 = 1;

/// Largest fit file read (256 MB). The largest a fit makes is dominated by its bootstrap draws,
/// about 200 bytes of JSON per resample of a seven-parameter law: 4000 resamples take under a
/// megabyte, and even a million under 256 MB. A larger "fit file" is something else (a device,
/// a log), and reading it whole would only exhaust memory.
pub const MAX_FIT_FILE_BYTES: u64 = 256_000_000;

/// What a fit was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The input file.
    pub source: SourceInfo,
    /// Columns used.
    pub columns: UsedColumns,
    /// `k` in `C = k·N·D`.
    pub flops_per_param_token: f64,
    /// Factor applied to the compute column to give FLOPs (`--flops-scale`).
    #[serde(default = "unit_scale")]
    pub flops_scale: f64,
    /// Filter applied to the rows.
    pub filter: RowFilter,
    /// Runs used in the fit.
    pub rows_used: usize,
    /// Source rows used (1-based, header excluded).
    pub rows: Vec<usize>,
    /// How values were derived and rows excluded.
    pub notes: Vec<String>,
    /// The command line, when run from the CLI.
    pub command: Option<String>,
    /// Doubts about the data found while loading it (e.g. a compute column in another unit).
    #[serde(default)]
    pub warnings: Vec<crate::warnings::Warning>,
    /// The input file's path relative to the folder of the fit file, written when the fit is
    /// saved, so that a fit moved together with its data (or used from another folder) finds
    /// it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_from_fit: Option<String>,
}

/// `path` relative to the folder `dir`, both taken from the current folder when relative;
/// `None` when there is no current folder or no relative path (another drive).
fn relative_to(path: &Path, dir: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let cwd = std::env::current_dir().ok()?;
    let absolute = |p: &Path| {
        let mut out = PathBuf::new();
        for c in cwd.join(p).components() {
            match c {
                Component::ParentDir => {
                    out.pop();
                }
                Component::CurDir => {}
                other => out.push(other),
            }
        }
        out
    };
    let (path, dir) = (absolute(path), absolute(dir));
    let common = path
        .components()
        .zip(dir.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in dir.components().skip(common) {
        out.push("..");
    }
    for c in path.components().skip(common) {
        out.push(c);
    }
    Some(out)
}

fn unit_scale() -> f64 {
    1.0
}

impl Provenance {
    /// Options that load the same rows from the same file again.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            columns: ColumnNames {
                params: self.columns.params.clone(),
                tokens: self.columns.tokens.clone(),
                flops: self.columns.flops.clone(),
                loss: Some(self.columns.loss.clone()),
                budget: self.columns.budget.clone(),
                unique_tokens: self.columns.unique_tokens.clone(),
            },
            flops_per_param_token: self.flops_per_param_token,
            filter: self.filter.clone(),
            flops_scale: self.flops_scale,
        }
    }

    /// Provenance of a fit to `data`.
    pub fn of(data: &Dataset, command: Option<String>) -> Self {
        Provenance {
            source: data.source.clone(),
            columns: data.columns.clone(),
            flops_per_param_token: data.flops_per_param_token,
            flops_scale: data.flops_scale,
            filter: data.filter.clone(),
            rows_used: data.len(),
            rows: data.rows.clone(),
            notes: data.notes.clone(),
            command,
            warnings: data.warnings.clone(),
            source_from_fit: None,
        }
    }
}

/// A fit with its provenance, as saved by `scaling-laws fit --out`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedFit {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// File layout version.
    pub format_version: u32,
    /// Version of the tool that wrote the file.
    pub tool_version: String,
    /// Where the data came from.
    pub provenance: Provenance,
    /// The fit.
    pub report: FitReport,
    /// Bootstrap draws of the parameters, when a bootstrap was run.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub bootstrap: Option<BootstrapDraws>,
    /// Held-out check, when the fit left runs out to test its predictions.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub holdout: Option<HoldoutReport>,
}

impl SavedFit {
    /// Source rows that the fit's warnings name (e.g. outlying runs), sorted, each once.
    pub fn flagged_rows(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = (self.provenance.warnings.iter())
            .chain(&self.report.diagnostics.warnings)
            .flat_map(|w| w.rows.iter().copied())
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    /// Bundle a report with its provenance.
    pub fn new(report: FitReport, provenance: Provenance) -> Self {
        SavedFit {
            format: FORMAT_NAME.to_string(),
            format_version: FORMAT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            provenance,
            report,
            bootstrap: None,
            holdout: None,
        }
    }

    /// Write as pretty JSON, atomically.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let mut saved = self.clone();
        let source = &self.provenance.source.path;
        saved.provenance.source_from_fit = (source != "-")
            .then(|| relative_to(Path::new(source), crate::output::folder_of(path)))
            .flatten()
            .map(|p| p.to_string_lossy().into_owned());
        crate::output::write_atomically(path, |w| {
            serde_json::to_writer_pretty(&mut *w, &saved)?;
            writeln!(w)
        })
    }

    /// Load the runs the fit was made from, checking that the file is unchanged, and keep those
    /// the fit used (a fit that held runs out, or a law of compute fitted to its frontier, used
    /// some of the rows its filter keeps).
    ///
    /// # Errors
    ///
    /// [`Error::FitFile`] when the data came from standard input, the path is not a regular
    /// file (a FIFO, a device or a folder, which are not read), the file is unreadable or has
    /// changed since the fit (its SHA-256 differs), or it no longer gives the rows the fit used;
    /// errors of [`crate::data::load`].
    pub fn reload_data(&self, fit_path: &Path) -> Result<Dataset, Error> {
        let source = &self.provenance.source;
        let bad = |message: String| Error::FitFile {
            path: fit_path.display().to_string(),
            message,
        };
        if source.path == "-" {
            return Err(bad("its data came from standard input and cannot be read again; pass the data file instead of --fit".into()));
        }
        // Where the data may be: as given to the fit (from the folder it ran in), where it
        // lies from the fit file, and beside the fit file. The first whose content is the
        // fit's (by SHA-256) is used.
        let folder = crate::output::folder_of(fit_path);
        let mut candidates = vec![PathBuf::from(&source.path)];
        if let Some(rel) = &self.provenance.source_from_fit {
            candidates.push(folder.join(rel));
        }
        if let Some(name) = Path::new(&source.path).file_name() {
            candidates.push(folder.join(name));
        }
        let mut first_error = None;
        for (k, candidate) in candidates.iter().enumerate() {
            if k > 0 && !candidate.is_file() {
                continue;
            }
            let shown = candidate.display().to_string();
            let attempt = (|| {
                if let Ok(meta) = std::fs::metadata(candidate)
                    && !meta.is_file()
                {
                    return Err(bad(format!(
                        "its data file {shown} is not a regular file ({}) and is not read again; \
                         pass the data file instead of --fit",
                        kind_of(&meta)
                    )));
                }
                let data =
                    crate::data::load(&shown, &self.provenance.load_options()).map_err(|e| {
                        bad(format!(
                            "cannot reload its data file {shown}: {e}; pass the data file \
                             instead of --fit"
                        ))
                    })?;
                if data.source.sha256 != source.sha256 {
                    return Err(bad(format!(
                        "its data file {shown} has changed since the fit (sha256 {} now, {} \
                         then); refit it",
                        data.source.sha256, source.sha256
                    )));
                }
                Ok(data)
            })();
            match attempt {
                Ok(mut data) => {
                    data.source.path = source.path.clone();
                    return self.runs_fitted(data).map_err(bad);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.expect("the path as given is always tried"))
    }

    /// The runs of `data` (the rows the provenance's filter keeps) that the fit used, which
    /// are `provenance.rows`.
    fn runs_fitted(&self, data: Dataset) -> Result<Dataset, String> {
        let wanted = &self.provenance.rows;
        let used: std::collections::HashSet<usize> = wanted.iter().copied().collect();
        let keep: Vec<bool> = data.rows.iter().map(|r| used.contains(r)).collect();
        let data = data.subset(&keep);
        if data.rows != *wanted {
            let missing = wanted.iter().find(|r| !data.rows.contains(r));
            return Err(format!(
                "the rows of {} that provenance.filter keeps do not include the {} runs the fit \
                 used (provenance.rows{}); refit it",
                self.provenance.source.path,
                wanted.len(),
                missing.map_or(String::new(), |r| format!(": row {r} is not among them"))
            ));
        }
        Ok(data)
    }

    /// Read a saved fit: at most [`MAX_FIT_FILE_BYTES`] of a regular file, validated by
    /// [`SavedFit::from_json`].
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when unreadable, [`Error::FitFile`] when it is not a regular file (a FIFO,
    /// a device or a folder is not read), is larger than [`MAX_FIT_FILE_BYTES`], or is not a
    /// valid fit file of a supported version.
    pub fn load(path: &Path) -> Result<SavedFit, Error> {
        let shown = path.display().to_string();
        let text = read_fit_text(path, &shown, "scaling-laws fit --out")?;
        Self::from_json(&text, &shown)
    }

    /// Read a saved fit from the text of a fit file; `shown` names it in messages. The file is
    /// validated as the input it is: its format and version, then every field (see the module
    /// docs), so that nothing later meets a value a fit could not have produced.
    ///
    /// # Errors
    ///
    /// [`Error::FitFile`] when it is not a fit file of a supported version, or a field is
    /// malformed, not finite, out of range or inconsistent with another; the message names the
    /// field (e.g. `bootstrap.converged has 19 entries but bootstrap.theta has 20 rows`).
    pub fn from_json(text: &str, shown: &str) -> Result<SavedFit, Error> {
        let bad = |message: String| Error::FitFile {
            path: shown.to_string(),
            message,
        };
        check_header(text).map_err(bad)?;
        let mut saved: SavedFit = serde_json::from_str(text).map_err(|e| {
            let at = json_path_of_error(text, &e);
            bad(format!("malformed at {at} ({e}); refit with this version"))
        })?;
        if let Err(Error::NotFinite { path, value, .. }) =
            crate::finite::check_finite(&saved, "the fit")
        {
            return Err(bad(format!(
                "{path} is {value}, not a finite number; refit with this version"
            )));
        }
        saved
            .check_consistent()
            .map_err(|m| bad(format!("{m}; refit with this version")))?;
        Ok(saved)
    }
}

/// Where in `text` the JSON error `e` arose, as a JSON path (`the file` when at its top).
pub fn json_path_of_error(text: &str, e: &serde_json::Error) -> String {
    let at = json_path::path_at(text, json_path::offset_of(text, e.line(), e.column()));
    if at.is_empty() { "the file".into() } else { at }
}

/// The `format` and `format_version` of a fit file (and the `kind` of a curve fit), read
/// without building the rest.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    format_version: Option<serde_json::Value>,
    kind: Option<serde_json::Value>,
}

/// The text is JSON of the fit-file format, of the version this tool reads.
fn check_header(text: &str) -> Result<(), String> {
    let header: Header = match serde_json::from_str(text) {
        Ok(h) => h,
        Err(e) if e.is_data() => Header {
            format: None,
            format_version: None,
            kind: None,
        },
        Err(e) => return Err(format!("not JSON ({e})")),
    };
    if header.kind.as_ref().and_then(|k| k.as_str()) == Some(crate::curve::FIT_KIND) {
        return Err(
            "it is a curve fit (of `scaling-laws curve fit --out`), not a fit of a table of runs \
             (make one with `scaling-laws fit --out FILE`); `scaling-laws optimal --fit` answers \
             from a joint curve fit's law of N and D"
                .into(),
        );
    }
    if header.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
        return Err(
            "not a scaling-laws fit file (make one with `scaling-laws fit --out FILE`)".into(),
        );
    }
    let version = header.format_version.as_ref().map(|v| match v.as_u64() {
        Some(n) => n.to_string(),
        None => crate::error::shorten(&v.to_string()),
    });
    match version {
        None => Err(format!(
            "format version missing (this tool reads version {FORMAT_VERSION}); refit with this version"
        )),
        Some(v) if v != FORMAT_VERSION.to_string() => Err(format!(
            "format version {v} is not supported by this tool (version {FORMAT_VERSION}); refit with this version"
        )),
        Some(_) => Ok(()),
    }
}

/// The text of the fit file at `path`: a regular file of at most [`MAX_FIT_FILE_BYTES`]. What
/// is not a regular file is not opened (opening a FIFO waits for a writer). `writer` names the
/// command that writes such files, for the advice of the errors.
pub fn read_fit_text(path: &Path, shown: &str, writer: &str) -> Result<String, Error> {
    let bad = |message: String| Error::FitFile {
        path: shown.to_string(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| Error::read(shown, e))?;
    if !meta.is_file() {
        return Err(bad(format!(
            "it is not a regular file ({}); give a fit file written by `{writer}`",
            kind_of(&meta)
        )));
    }
    let too_large = || {
        bad(format!(
            "it is larger than {} MB, more than any fit file; give a fit file written by \
             `{writer}`",
            MAX_FIT_FILE_BYTES / 1_000_000
        ))
    };
    if meta.len() > MAX_FIT_FILE_BYTES {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(|e| Error::read(shown, e))?;
    let mut bytes = Vec::new();
    // The file may have grown since it was measured: read one byte past the limit, no more.
    file.take(MAX_FIT_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::read(shown, e))?;
    if bytes.len() as u64 > MAX_FIT_FILE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        bad(format!(
            "not JSON (not UTF-8 text: {e}); give a fit file written by `{writer}`"
        ))
    })
}

/// What a path that is not a regular file is, in words.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}
