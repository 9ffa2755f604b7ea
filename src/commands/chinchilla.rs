//! `chinchilla`: the published Chinchilla points fitted as the Epoch AI replication fitted them
//! (tokens D = C/(6N), the five highest losses dropped, Huber delta 1e-3 on log loss), with
//! the answers of the paper (its budgets, Table 3, Approach 2) and every figure.

use std::path::{Path, PathBuf};

use crate::answer::optimal::{Answers, Questions, answer};
use crate::answer::table3::Table3;
use crate::approaches::isoflop::{IsoflopAnalysis, IsoflopConfig};
use crate::data::{Dataset, LoadOptions, RowFilter};
use crate::design::simulate::CHINCHILLA_ISOFLOP_BUDGETS;
use crate::error::Error;
use crate::figures::{FigureSettings, draw_all_with, file_names};
use crate::output::Inputs;
use crate::progress::Progress;
use crate::saved::{Provenance, SavedFit};
use crate::uncertainty::BootstrapConfig;

/// The budgets the summary answers: Chinchilla's and Gopher's, and two beyond.
pub const SUMMARY_BUDGETS: [f64; 4] = [5.76e23, 5.88e23, 1e24, 1e25];

/// Resamples of the summary's Approach 2.
const ISOFLOP_RESAMPLES: usize = 1000;

/// The data file, the bootstrap, the figures' settings and the folder.
#[derive(Debug, Clone)]
pub struct ChinchillaRequest {
    /// Epoch AI's `svg_extracted_data.csv`, verified against its published checksum.
    pub data: PathBuf,
    /// The bootstrap (none, or fewer than 2 resamples: no intervals).
    pub bootstrap: Option<BootstrapConfig>,
    /// The figures' settings (their level is the summary's too).
    pub settings: FigureSettings,
    /// The folder of the figures and the summary.
    pub out: PathBuf,
    /// The command line, kept in the fit's provenance.
    pub command_line: Option<String>,
}

/// The replication's fit and the answers of the summary.
#[derive(Debug, Clone)]
pub struct ChinchillaReport {
    /// The fit, with its bootstrap draws.
    pub fit: SavedFit,
    /// The runs fitted.
    pub data: Dataset,
    /// The compute-optimal allocation at [`SUMMARY_BUDGETS`].
    pub answers: Answers,
    /// Table 3 of Hoffmann et al. from the fit.
    pub table3: Table3,
    /// Approach 2 at the paper's nine budgets, or why it could not run.
    pub isoflop: Result<IsoflopAnalysis, String>,
}

/// Fit the Chinchilla data, answer the summary's questions, and draw every figure into the
/// folder; `summary(folder, report)` writes the files named `summary_files` beside them and
/// returns their names. Returns the files written.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--out` when the folder would replace the data (before any
/// work); as [`crate::data::load`], [`crate::fit::fit_dataset`], the bootstrap and the
/// figures; [`Error::NotFinite`]; what `summary` returns.
pub fn chinchilla(
    request: &ChinchillaRequest,
    summary_files: &[&str],
    summary: impl FnOnce(&Path, &ChinchillaReport) -> Result<Vec<String>, Error>,
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>, Error> {
    request.settings.check()?;
    let options = LoadOptions {
        filter: RowFilter {
            drop_highest_loss: 5,
            ..RowFilter::default()
        },
        ..LoadOptions::default()
    };
    let mut names = file_names();
    names.extend(summary_files.iter().map(|n| n.to_string()));
    crate::output::check_output_folder(
        "--out",
        &request.out,
        &names,
        &Inputs::new().with(&request.data, "the Chinchilla data file"),
    )?;
    let data = crate::data::load(&request.data.display().to_string(), &options)?;
    let config = crate::fit::FitConfig::default();
    progress.begin("fitting", config.runs_planned());
    let report = crate::fit::fit_dataset(&data, &config, progress);
    progress.end();
    let mut fit = SavedFit::new(report?, Provenance::of(&data, request.command_line.clone()));
    if let Some(config) = request.bootstrap.as_ref().filter(|c| c.n_resamples >= 2) {
        fit = super::bootstrap::bootstrap(&fit, &data, config, progress)?;
    }
    let level = request.settings.level;
    let questions = Questions {
        budgets: SUMMARY_BUDGETS.to_vec(),
        params: vec![],
        target_losses: vec![],
        assess: vec![],
        assess_names: vec![],
        level,
        flops_per_param_token: data.flops_per_param_token,
    };
    let answers = answer(&fit.report.fitted, fit.bootstrap.as_ref(), &questions)?;
    let table3 = crate::answer::table3::table3(
        &fit.report.fitted,
        fit.bootstrap.as_ref(),
        level,
        data.flops_per_param_token,
    )?;
    crate::finite::check_finite(&fit, "the fit")?;
    crate::finite::check_finite(&answers, "the answers")?;
    crate::finite::check_finite(&table3, "Table 3")?;
    let isoflop = crate::approaches::isoflop::isoflop(
        &data,
        &IsoflopConfig {
            budgets: CHINCHILLA_ISOFLOP_BUDGETS.to_vec(),
            n_resamples: ISOFLOP_RESAMPLES,
            ..Default::default()
        },
    )
    .map_err(|e| e.to_string());
    let report = ChinchillaReport {
        fit,
        data,
        answers,
        table3,
        isoflop,
    };
    let settings = &request.settings;
    settings.with_inputs(None, &report.fit, &report.data, |inputs| {
        draw_all_with(&request.out, inputs, &settings.plot, summary_files, |dir| {
            summary(dir, &report)
        })
    })
}
