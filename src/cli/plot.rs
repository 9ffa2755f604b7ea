//! `scaling-laws plot` and `scaling-laws chinchilla`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use scaling_laws::Error;
use scaling_laws::commands::chinchilla::{ChinchillaReport, ChinchillaRequest, chinchilla};
use scaling_laws::commands::plot::{PlotRequest, plot};
use scaling_laws::figures::{DEFAULT_TOLERANCE_DEX, Figure, FigureSettings, parse_compute_range};
use scaling_laws::plot::PlotOptions;
use scaling_laws::uncertainty::BootstrapConfig;
use scaling_laws::uncertainty::bootstrap::DEFAULT_SEED;

use super::common::{DataArgs, Reporter, command_line};
use super::fit::{FitOptionsArgs, fit_source};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// Isoloss contours with the efficient frontier (Chinchilla Figure 4, left).
    Contours,
    /// IsoFLOP slices (Figure 4 right, Figure 3 left).
    Isoflop,
    /// N* and D* against compute with bootstrap bands and reference lines (Figure 1).
    Optimal,
    /// Residuals and predicted against observed.
    Residuals,
    /// Bootstrap distributions of the parameters.
    Bootstrap,
    /// Every figure, PNG and SVG, into the folder given with --out.
    All,
}

/// Options shared by the figure commands.
#[derive(Debug, Args)]
pub struct FigureArgs {
    /// Budgets of the IsoFLOP slices, comma-separated (default: the budget column, or two per decade across the data's compute).
    #[arg(
        long,
        value_name = "C1,C2,...",
        value_delimiter = ',',
        help_heading = "Figures"
    )]
    budgets: Vec<f64>,
    /// Half-width of an IsoFLOP slice in log10 C.
    #[arg(
        long,
        value_name = "DEX",
        default_value_t = DEFAULT_TOLERANCE_DEX,
        help_heading = "Figures"
    )]
    tolerance_dex: f64,
    /// Compute range of the allocation figure, LOW:HIGH (default: the decades of the data and the models; chinchilla: the paper's 1e17:1e25).
    #[arg(long, value_name = "LOW:HIGH", help_heading = "Figures")]
    compute_range: Option<String>,
    /// Confidence level of bands (bootstrap bands and the prediction bands of a run's loss).
    #[arg(long, default_value_t = 0.95, help_heading = "Figures")]
    level: f64,
    /// Models to mark (catalogue names, comma-separated).
    #[arg(
        long,
        value_name = "NAMES",
        value_delimiter = ',',
        help_heading = "Figures"
    )]
    models: Vec<String>,
    /// Figure width in inches, at 300 dpi (default: 3.25 per panel, single-column width).
    #[arg(long, value_name = "INCHES", help_heading = "Figures")]
    width: Option<f64>,
    /// Figure height in inches (default: 2.5 per panel).
    #[arg(long, value_name = "INCHES", help_heading = "Figures")]
    height: Option<f64>,
}

/// The size of `--width` and `--height` given in inches (`None`: the default's), checked
/// against the library's smallest and largest sides.
pub(super) fn figure_size(width: Option<f64>, height: Option<f64>) -> Result<PlotOptions, Error> {
    let default = PlotOptions::default().size_in_inches();
    let inches = [width.unwrap_or(default.0), height.unwrap_or(default.1)];
    for (flag, side) in [("--width", inches[0]), ("--height", inches[1])] {
        let (lo, hi) = (
            f64::from(scaling_laws::plot::MIN_SIDE) / scaling_laws::plot::DPI,
            f64::from(scaling_laws::plot::MAX_SIDE) / scaling_laws::plot::DPI,
        );
        if !(side.is_finite() && (lo..=hi).contains(&side)) {
            return Err(Error::invalid_option(
                flag,
                format!("must be between {lo} and {hi:.2} inches, got {side}"),
            ));
        }
    }
    Ok(PlotOptions::inches(inches[0], inches[1]))
}

impl FigureArgs {
    /// The size of `--width` and `--height` in inches; the default for each left out.
    fn size(&self) -> Result<PlotOptions, Error> {
        figure_size(self.width, self.height)
    }

    /// The library's settings of these flags.
    fn settings(&self) -> Result<FigureSettings, Error> {
        Ok(FigureSettings {
            budgets: self.budgets.clone(),
            tolerance_dex: self.tolerance_dex,
            compute_range: self
                .compute_range
                .as_deref()
                .map(parse_compute_range)
                .transpose()?,
            level: self.level,
            models: (!self.models.is_empty()).then(|| self.models.clone()),
            plot: self.size()?,
        })
    }
}

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws plot contours data/simulated_sweep.csv --out contours.png
  scaling-laws plot optimal --fit fit-boot.json --out optimal.pdf --width 6.75 --height 3
  scaling-laws plot all data/simulated_sweep.csv --out figures";

/// Options of `scaling-laws plot`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
pub struct PlotArgs {
    /// Which figure.
    #[arg(value_enum)]
    kind: Kind,
    #[command(flatten)]
    figure: FigureArgs,
    /// Bootstrap resamples for bands and distributions (when the fit has no draws).
    #[arg(long, value_name = "N", help_heading = "Uncertainty")]
    bootstrap: Option<usize>,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = DEFAULT_SEED, help_heading = "Uncertainty")]
    seed: u64,
    /// Output image (.png, .svg or .pdf); a folder for `all`.
    #[arg(long, short, value_name = "PATH")]
    out: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    // The figure's options come first in --help; where the fit comes from, and how to fit,
    // after them (clap lists headings in the order of their first argument).
    /// A fit saved by `fit --out` or `optimal --out` (its data file is reloaded and checked).
    #[arg(long, value_name = "FIT.json", help_heading = "Input")]
    fit: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    options: FitOptionsArgs,
}

/// Run `scaling-laws plot`.
pub fn run(args: PlotArgs) -> anyhow::Result<()> {
    let figure = match args.kind {
        Kind::Contours => Some(Figure::Contours),
        Kind::Isoflop => Some(Figure::Isoflop),
        Kind::Optimal => Some(Figure::Optimal),
        Kind::Residuals => Some(Figure::Residuals),
        Kind::Bootstrap => Some(Figure::Bootstrap),
        Kind::All => None,
    };
    let request = PlotRequest {
        source: fit_source(args.fit.as_deref(), &args.data, &args.options)?,
        figure,
        settings: args.figure.settings()?,
        bootstrap: args.bootstrap.map(|n| BootstrapConfig {
            n_resamples: n,
            seed: args.seed,
            ..BootstrapConfig::default()
        }),
        out: args.out.clone(),
    };
    let files = plot(request, &Reporter::new(args.quiet))?;
    let mut out = super::stdout::lock();
    for path in files {
        writeln!(out, "{}", path.display()).map_err(super::stdout::failed)?;
    }
    out.finish()
}

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const CHINCHILLA_EXAMPLES: &str = "\
Examples:
  scaling-laws chinchilla --out chinchilla-figures
  scaling-laws chinchilla --data svg_extracted_data.csv --bootstrap 20 --out chinchilla-figures";

/// Options of `scaling-laws chinchilla`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = CHINCHILLA_EXAMPLES)]
pub struct ChinchillaArgs {
    /// Folder for the figures, the summary and the fit.
    #[arg(long, short, value_name = "DIR")]
    out: PathBuf,
    /// Use (and verify) a local copy of Epoch AI's svg_extracted_data.csv instead of the cache.
    #[arg(long, value_name = "PATH")]
    data: Option<PathBuf>,
    /// Bootstrap resamples (the replication used 4000).
    #[arg(long, value_name = "N", default_value_t = 4000)]
    bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    #[command(flatten)]
    figure: FigureArgs,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

/// Run `scaling-laws chinchilla`: fit the Chinchilla data as the Epoch AI replication did and
/// draw every figure.
pub fn run_chinchilla(args: ChinchillaArgs) -> anyhow::Result<()> {
    let known = scaling_laws::fetch::find_dataset("chinchilla")?;
    let path = match &args.data {
        Some(p) => scaling_laws::fetch::verify_local(&known, p)?,
        None => {
            let cache = scaling_laws::fetch::cache_dir()?;
            scaling_laws::fetch::fetch(&known, None, &cache)
                .context("the Chinchilla data is not in the cache; run `scaling-laws data fetch chinchilla`, or give a local copy with --data")?
                .path
        }
    };
    let request = ChinchillaRequest {
        data: path,
        bootstrap: Some(BootstrapConfig {
            n_resamples: args.bootstrap,
            seed: args.seed,
            ..BootstrapConfig::default()
        }),
        settings: args.figure.settings()?,
        out: args.out.clone(),
        command_line: Some(command_line()),
    };
    let mut answer = Vec::new();
    let files = chinchilla(
        &request,
        &SUMMARY_FILES,
        |dir: &Path, report: &ChinchillaReport| {
            scaling_laws::report::optimal::text(&report.fit, &report.answers, &mut answer)
                .map_err(|e| Error::write("the answer", e))?;
            write_summary(dir, report)
        },
        &Reporter::new(args.quiet),
    )?;
    let mut out = super::stdout::lock();
    // The answer first (the whole report is in summary.txt), then what was written.
    out.write_all(&answer).map_err(super::stdout::failed)?;
    writeln!(
        out,
        "\nwrote {} files (summary.txt holds the whole report):",
        files.len()
    )
    .map_err(super::stdout::failed)?;
    for f in files {
        writeln!(out, "{}", f.display()).map_err(super::stdout::failed)?;
    }
    out.finish()
}

/// The files `chinchilla` writes besides the figures.
const SUMMARY_FILES: [&str; 5] = [
    "summary.txt",
    "summary.json",
    "fit.json",
    "table3.csv",
    "table3.json",
];

/// Write [`SUMMARY_FILES`] into `dir`; returns their names.
fn write_summary(dir: &Path, report: &ChinchillaReport) -> Result<Vec<String>, Error> {
    use scaling_laws::output::write_atomically;
    use scaling_laws::report::{fit_text, isoflop, optimal, table3};
    let (saved, answers, table) = (&report.fit, &report.answers, &report.table3);
    write_atomically(&dir.join("summary.txt"), |w| {
        fit_text(saved, w)?;
        writeln!(w)?;
        optimal::text(saved, answers, w)?;
        writeln!(w)?;
        table3::text(table, w)?;
        writeln!(w)?;
        match &report.isoflop {
            Ok(a) => isoflop::text(&report.isoflop_data, a, w)?,
            Err(e) => writeln!(w, "Approach 2 could not run: {e}")?,
        }
        writeln!(w)?;
        scaling_laws::report::chinchilla::figures_text(
            &saved.report.fitted,
            report.data.flops_per_param_token,
            report.isoflop.as_ref().map_err(String::as_str),
            w,
        )
    })?;
    write_atomically(&dir.join("summary.json"), |w| {
        optimal::json(saved, answers, w)
    })?;
    write_atomically(&dir.join("table3.csv"), |w| table3::csv(table, w))?;
    write_atomically(&dir.join("table3.json"), |w| table3::json(table, w))?;
    saved.save(&dir.join("fit.json"))?;
    Ok(SUMMARY_FILES.map(String::from).to_vec())
}
