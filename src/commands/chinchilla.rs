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
use crate::plot::paper::PaperFigure;
use crate::plot::paper::figures::{ChinchillaInputs, chinchilla_figures};
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
    /// The runs Approach 2 grouped: every published point.
    pub isoflop_data: Dataset,
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
    names.extend(paper_file_names());
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
    // Approach 2 groups the same points around the paper's nine budgets; the smallest has 4
    // points in the digitised figure, so a budget needs 3 sizes, as a parabola does.
    let isoflop_data = data.clone();
    let isoflop = crate::approaches::isoflop::isoflop(
        &isoflop_data,
        &IsoflopConfig {
            budgets: CHINCHILLA_ISOFLOP_BUDGETS.to_vec(),
            n_resamples: ISOFLOP_RESAMPLES,
            min_runs: ISOFLOP_MIN_RUNS,
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
        isoflop_data,
    };
    // The paper's axes (Figure 1: 1e17 to 1e25 FLOPs) unless a range is asked for.
    let range = request
        .settings
        .compute_range
        .unwrap_or(PAPER_COMPUTE_RANGE);
    let paper = paper_figures(&report, range)?;
    let mut extra: Vec<String> = summary_files.iter().map(|n| n.to_string()).collect();
    extra.extend(paper_file_names());
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mut settings = request.settings.clone();
    if settings.budgets.is_empty() {
        settings.budgets = CHINCHILLA_ISOFLOP_BUDGETS.to_vec();
    }
    let settings = &settings;
    settings.with_inputs(None, &report.fit, &report.data, |inputs| {
        draw_all_with(&request.out, inputs, &settings.plot, &extra, |dir| {
            let mut written = write_paper_figures(dir, &paper)?;
            written.extend(summary(dir, &report)?);
            Ok(written)
        })
    })
}

/// The compute axis of the paper's Figures 1 and 3, FLOPs.
pub const PAPER_COMPUTE_RANGE: (f64, f64) = (1e17, 1e25);

/// Budgets of Approach 2 need this many runs.
const ISOFLOP_MIN_RUNS: usize = 3;

/// Stems of the paper's figures, in order.
pub const PAPER_FIGURES: [&str; 6] = [
    "fig1_projections",
    "fig3a_isoflop_curves",
    "fig3b_params",
    "fig3c_tokens",
    "fig4a_isoloss",
    "fig4b_isoflop_slices",
];

/// The files of the paper's figures: each stem as PNG, SVG and PDF.
pub fn paper_file_names() -> Vec<String> {
    PAPER_FIGURES
        .iter()
        .flat_map(|s| crate::figures::EXTENSIONS.map(|e| format!("{s}.{e}")))
        .collect()
}

/// The paper's figures of `report`, as SVG.
fn paper_figures(
    report: &ChinchillaReport,
    compute_range: (f64, f64),
) -> Result<Vec<PaperFigure>, Error> {
    let analysis = report.isoflop.as_ref().map_err(|e| {
        Error::invalid_option(
            "data",
            format!("Approach 2 could not run, so Figure 3 cannot be drawn: {e}"),
        )
    })?;
    let law = report.fit.report.fitted.to_law();
    chinchilla_figures(&ChinchillaInputs {
        law: &law,
        data: &report.data,
        isoflop: analysis,
        isoflop_data: &report.isoflop_data,
        compute_range,
    })
}

/// Write each figure as SVG, PNG and PDF into `dir`; returns the names written.
fn write_paper_figures(dir: &Path, figures: &[PaperFigure]) -> Result<Vec<String>, Error> {
    let mut written = Vec::new();
    for f in figures {
        for ext in crate::figures::EXTENSIONS {
            let name = format!("{}.{ext}", f.stem);
            crate::figures::save_svg(&f.svg, &dir.join(&name), &f.size)?;
            written.push(name);
        }
    }
    Ok(written)
}
