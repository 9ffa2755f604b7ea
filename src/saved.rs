//! A fit saved to disk with its provenance, so later commands reuse it without refitting.
//!
//! The file is JSON: `{"format": "scaling-laws-fit", "format_version": 1, "tool_version", ...,
//! "provenance": {...}, "report": {...}}`. The report names the law's family
//! (`report.fitted.family`, `report.fitted.config.law`); files written before there were other
//! families name none and load as Chinchilla fits. The provenance records the input path and its
//! SHA-256, the columns used, how tokens were derived, the filter, the rows used and the
//! command line; the report holds the fitted law, the options and the diagnostics.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::{ColumnNames, Dataset, LoadOptions, RowFilter, SourceInfo, UsedColumns};
use crate::error::Error;
use crate::fit::FitReport;
use crate::holdout::HoldoutReport;
use crate::uncertainty::BootstrapDraws;

/// Value of the `format` field.
pub const FORMAT_NAME: &str = "scaling-laws-fit";
/// Current file layout version.
pub const FORMAT_VERSION: u32 = 1;

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
        crate::output::write_atomically(path, |w| {
            serde_json::to_writer_pretty(&mut *w, self)?;
            writeln!(w)
        })
    }

    /// Load the runs the fit was made from, checking that the file is unchanged.
    ///
    /// # Errors
    ///
    /// [`Error::FitFile`] when the data came from standard input, or the file is unreadable or
    /// has changed since the fit (its SHA-256 differs); errors of [`crate::data::load`].
    pub fn reload_data(&self, fit_path: &Path) -> Result<Dataset, Error> {
        let source = &self.provenance.source;
        let bad = |message: String| Error::FitFile {
            path: fit_path.display().to_string(),
            message,
        };
        if source.path == "-" {
            return Err(bad("its data came from standard input and cannot be read again; pass the data file instead of --fit".into()));
        }
        let data =
            crate::data::load(&source.path, &self.provenance.load_options()).map_err(|e| {
                bad(format!(
                    "cannot reload its data file {}: {e}; pass the data file instead of --fit",
                    source.path
                ))
            })?;
        if data.source.sha256 != source.sha256 {
            return Err(bad(format!(
                "its data file {} has changed since the fit (sha256 {} now, {} then); refit it",
                source.path, data.source.sha256, source.sha256
            )));
        }
        Ok(data)
    }

    /// Read a saved fit.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when unreadable, [`Error::FitFile`] when it is not a fit file of a
    /// supported version.
    pub fn load(path: &Path) -> Result<SavedFit, Error> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::read(&shown, e))?;
        Self::from_json(&text, &shown)
    }

    /// Read a saved fit from the text of a fit file; `shown` names it in messages.
    ///
    /// # Errors
    ///
    /// [`Error::FitFile`] when it is not a fit file of a supported version.
    pub fn from_json(text: &str, shown: &str) -> Result<SavedFit, Error> {
        let bad = |message: String| Error::FitFile {
            path: shown.to_string(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(format!("not JSON ({e})")))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
            return Err(bad(
                "not a scaling-laws fit file (make one with `scaling-laws fit --out FILE`)".into(),
            ));
        }
        let version = value.get("format_version").and_then(|v| v.as_u64());
        if version != Some(u64::from(FORMAT_VERSION)) {
            return Err(bad(format!(
                "format version {version:?} is not supported by this tool (version {FORMAT_VERSION}); refit with this version"
            )));
        }
        let mut saved: SavedFit =
            serde_json::from_value(value).map_err(|e| bad(format!("malformed ({e})")))?;
        saved.check_consistent().map_err(bad)?;
        Ok(saved)
    }

    /// The fit, its configuration and its bootstrap draws are of one family, with its number
    /// of parameters (a file edited by hand may say otherwise).
    /// Puts the law's values in the family's order.
    fn check_consistent(&mut self) -> Result<(), String> {
        let fitted = &mut self.report.fitted;
        fitted
            .check_consistent()
            .map_err(|m| format!("inconsistent: {m}; refit with this version"))?;
        fitted.law = fitted.law.in_order_of(fitted.family).ok_or_else(|| {
            format!(
                "inconsistent: its law does not give each parameter of the {} law ({}) once; \
                 refit with this version",
                fitted.family,
                crate::law::natural_names(fitted.family)
            )
        })?;
        let fitted = &self.report.fitted;
        if let Some(draws) = &self.bootstrap {
            let n = fitted.family.params().len();
            if draws.family != fitted.family || (!draws.is_empty() && draws.theta.ncols() != n) {
                return Err(format!(
                    "inconsistent: its bootstrap draws are not of the fit's {} law with {n} \
                     parameters; refit with this version",
                    fitted.family
                ));
            }
        }
        Ok(())
    }
}
