//! `scaling-laws plot` and `scaling-laws chinchilla`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use scaling_laws::Error;
use scaling_laws::data::{self, Dataset, LoadOptions, RowFilter};
use scaling_laws::figures::{
    DEFAULT_TOLERANCE_DEX, Figure, FigureSettings, draw, draw_all_with, file_names,
};
use scaling_laws::output::{Inputs, check_output, check_output_folder};
use scaling_laws::plot::PlotOptions;
use scaling_laws::saved::{Provenance, SavedFit};
use scaling_laws::simulate::CHINCHILLA_ISOFLOP_BUDGETS;
use scaling_laws::uncertainty::bootstrap::DEFAULT_SEED;
use scaling_laws::uncertainty::{BootstrapConfig, bootstrap};

use super::common::{DataArgs, command_line, parse_range, progress_bar};
use super::fit::{FitOptionsArgs, FitSource, fit_data, fit_source, warn};

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
    /// Compute range of the allocation figure, LOW:HIGH.
    #[arg(
        long,
        value_name = "LOW:HIGH",
        default_value = "1e18:1e26",
        help_heading = "Figures"
    )]
    compute_range: String,
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
    /// Image width in pixels.
    #[arg(long, default_value_t = 1000, help_heading = "Figures")]
    width: u32,
    /// Image height in pixels.
    #[arg(long, default_value_t = 750, help_heading = "Figures")]
    height: u32,
}

impl FigureArgs {
    /// The library's settings of these flags.
    fn settings(&self) -> Result<FigureSettings, Error> {
        let (lo, hi) = parse_range(&self.compute_range, "--compute-range")?;
        if hi <= lo {
            return Err(Error::invalid_option(
                "--compute-range",
                format!("'{}' needs LOW < HIGH", self.compute_range),
            ));
        }
        Ok(FigureSettings {
            budgets: self.budgets.clone(),
            tolerance_dex: self.tolerance_dex,
            compute_range: (lo, hi),
            level: self.level,
            models: (!self.models.is_empty()).then(|| self.models.clone()),
            plot: PlotOptions {
                width: self.width,
                height: self.height,
                title: None,
            },
        })
    }

    /// Draw `kind` to `target`, or every figure (`None`) into folder `target` together with
    /// the files `extra` writes there (named in `extra_names`).
    fn draw_into(
        &self,
        target: &Path,
        kind: Option<Figure>,
        saved: &SavedFit,
        data: &Dataset,
        extra_names: &[&str],
        extra: impl FnOnce(&Path) -> Result<Vec<String>, Error>,
    ) -> anyhow::Result<Vec<PathBuf>> {
        let settings = self.settings()?;
        let files = settings.with_inputs(kind, saved, data, |inputs| match kind {
            Some(figure) => {
                draw(figure, target, inputs, &settings.plot)?;
                Ok(vec![target.to_path_buf()])
            }
            None => draw_all_with(target, inputs, &settings.plot, extra_names, extra),
        })?;
        Ok(files)
    }
}

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws plot contours data/simulated_sweep.csv --out contours.png
  scaling-laws plot optimal --fit fit-boot.json --out optimal.svg --width 1200 --height 800
  scaling-laws plot all data/simulated_sweep.csv --out figures";

/// Options of `scaling-laws plot`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
pub struct PlotArgs {
    /// Which figure.
    #[arg(value_enum)]
    kind: Kind,
    /// A fit saved by `fit --out` or `optimal --out` (its data file is reloaded and checked).
    #[arg(long, value_name = "FIT.json", help_heading = "Input")]
    fit: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    options: FitOptionsArgs,
    #[command(flatten)]
    figure: FigureArgs,
    /// Bootstrap resamples for bands and distributions (when the fit has no draws).
    #[arg(long, value_name = "N", help_heading = "Uncertainty")]
    bootstrap: Option<usize>,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = DEFAULT_SEED, help_heading = "Uncertainty")]
    seed: u64,
    /// Output image (.png or .svg); a folder for `all`.
    #[arg(long, short, value_name = "PATH")]
    out: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

fn add_bootstrap(
    saved: &mut SavedFit,
    data: &Dataset,
    n: usize,
    seed: u64,
    quiet: bool,
) -> anyhow::Result<()> {
    let config = BootstrapConfig {
        n_resamples: n,
        seed,
        ..BootstrapConfig::default()
    };
    let bar = progress_bar(n, quiet, "bootstrap");
    let draws = bootstrap(&data.observations(), &saved.report.fitted, &config, &|| {
        bar.inc(1)
    })?;
    bar.finish_and_clear();
    saved.bootstrap = Some(draws);
    Ok(())
}

/// Run `scaling-laws plot`.
pub fn run(args: PlotArgs) -> anyhow::Result<()> {
    let kind = match args.kind {
        Kind::Contours => Some(Figure::Contours),
        Kind::Isoflop => Some(Figure::Isoflop),
        Kind::Optimal => Some(Figure::Optimal),
        Kind::Residuals => Some(Figure::Residuals),
        Kind::Bootstrap => Some(Figure::Bootstrap),
        Kind::All => None,
    };
    let check = |inputs: &Inputs| match kind {
        Some(_) => check_output("--out", &args.out, inputs),
        None => check_output_folder("--out", &args.out, &file_names(), inputs),
    };
    let (mut saved, data) = match fit_source(args.fit.as_deref(), &args.data)? {
        FitSource::Saved(path) => {
            let saved = SavedFit::load(path)?;
            check(&Inputs::new().with_saved_fit(path, &saved.provenance.source.path))?;
            let data = saved.reload_data(path)?;
            (saved, data)
        }
        FitSource::Data(input) => {
            check(&Inputs::new().with(input, "the input file"))?;
            fit_data(input, &args.data, &args.options, args.quiet)?
        }
    };
    warn(&saved);
    if let Some(n) = args.bootstrap {
        add_bootstrap(&mut saved, &data, n, args.seed, args.quiet)?;
    }
    scaling_laws::finite::check_finite(&saved, "the fit")?;
    let files = args
        .figure
        .draw_into(&args.out, kind, &saved, &data, &[], |_| Ok(Vec::new()))?;
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
    // The replication: D = C/(6N), the 5 highest losses dropped, Huber delta 1e-3.
    let options = LoadOptions {
        filter: RowFilter {
            drop_highest_loss: 5,
            ..RowFilter::default()
        },
        ..LoadOptions::default()
    };
    let mut names = file_names();
    names.extend(SUMMARY_FILES.iter().map(|n| n.to_string()));
    check_output_folder(
        "--out",
        &args.out,
        &names,
        &Inputs::new().with(&path, "the Chinchilla data file"),
    )?;
    let data = data::load(&path.display().to_string(), &options)?;
    let config = scaling_laws::fit::FitConfig::default();
    let bar = progress_bar(config.runs_planned(), args.quiet, "fitting");
    let report = scaling_laws::fit::fit_dataset(&data, &config, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let mut saved = SavedFit::new(report, Provenance::of(&data, Some(command_line())));
    if args.bootstrap >= 2 {
        add_bootstrap(&mut saved, &data, args.bootstrap, args.seed, args.quiet)?;
    }
    let files = args
        .figure
        .draw_into(&args.out, None, &saved, &data, &SUMMARY_FILES, |dir| {
            write_summary(dir, &saved, &data, &args.figure)
        })?;
    let mut out = super::stdout::lock();
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
fn write_summary(
    dir: &Path,
    saved: &SavedFit,
    data: &Dataset,
    figure: &FigureArgs,
) -> Result<Vec<String>, Error> {
    use scaling_laws::optimal::{Questions, answer};
    let questions = Questions {
        budgets: vec![5.76e23, 5.88e23, 1e24, 1e25],
        params: vec![],
        target_losses: vec![],
        assess: vec![],
        assess_names: vec![],
        level: figure.level,
        flops_per_param_token: data.flops_per_param_token,
    };
    let answers = answer(&saved.report.fitted, saved.bootstrap.as_ref(), &questions)?;
    let table3 = scaling_laws::table3::table3(
        &saved.report.fitted,
        saved.bootstrap.as_ref(),
        figure.level,
        data.flops_per_param_token,
    )?;
    scaling_laws::finite::check_finite(saved, "the fit")?;
    scaling_laws::finite::check_finite(&answers, "the answers")?;
    scaling_laws::finite::check_finite(&table3, "Table 3")?;
    let iso = scaling_laws::isoflop::isoflop(
        data,
        &scaling_laws::isoflop::IsoflopConfig {
            budgets: CHINCHILLA_ISOFLOP_BUDGETS.to_vec(),
            n_resamples: 1000,
            ..Default::default()
        },
    );
    scaling_laws::output::write_atomically(&dir.join("summary.txt"), |w| {
        scaling_laws::report::fit_text(saved, w)?;
        writeln!(w)?;
        scaling_laws::report::optimal::text(saved, &answers, w)?;
        writeln!(w)?;
        scaling_laws::report::table3::text(&table3, w)?;
        writeln!(w)?;
        match &iso {
            Ok(a) => scaling_laws::report::isoflop::text(data, a, w),
            Err(e) => writeln!(w, "Approach 2 could not run: {e}"),
        }
    })?;
    scaling_laws::output::write_atomically(&dir.join("summary.json"), |w| {
        scaling_laws::report::optimal::json(saved, &answers, w)
    })?;
    scaling_laws::output::write_atomically(&dir.join("table3.csv"), |w| {
        scaling_laws::report::table3::csv(&table3, w)
    })?;
    scaling_laws::output::write_atomically(&dir.join("table3.json"), |w| {
        scaling_laws::report::table3::json(&table3, w)
    })?;
    saved.save(&dir.join("fit.json"))?;
    Ok(SUMMARY_FILES.map(String::from).to_vec())
}
