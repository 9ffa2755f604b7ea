//! `scaling-laws suggest`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use scaling_laws::commands::FitSource;
use scaling_laws::commands::suggest::{SuggestRequest, suggest};
use scaling_laws::design::suggest::Target;
use scaling_laws::output::write_atomically;
use scaling_laws::uncertainty::bootstrap::DEFAULT_SEED;
use scaling_laws::uncertainty::{BootstrapConfig, ResampleScheme};

use super::common::{OutputFormat, Reporter};

/// The quantity to narrow.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum TargetArg {
    /// N*(C).
    Params,
    /// L*(C).
    Loss,
}

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws suggest fit-boot.json --target-budget 1e23 --runs 8
  scaling-laws suggest fit-boot.json --target-budget 1e23 --runs 4 --target loss --out next.csv
  scaling-laws suggest fit-boot.json --target-budget 1e23 --runs 4 --allow-outside --bootstrap 200";

/// Options of `scaling-laws suggest`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
pub struct SuggestArgs {
    /// A fit saved by `scaling-laws fit --out` or `optimal --out` (its data file must be at hand).
    #[arg(value_name = "FIT.json")]
    fit: PathBuf,
    /// The budget whose N* (or L*) should be known better, FLOPs.
    #[arg(long, value_name = "FLOPS")]
    target_budget: f64,
    /// Runs to suggest.
    #[arg(long, value_name = "K")]
    runs: usize,
    /// Largest compute of one run, FLOPs [default: 10 times the largest fitted run].
    #[arg(long, value_name = "FLOPS")]
    compute_limit: Option<f64>,
    /// Most compute all the runs together may spend, FLOPs [default: no cap]. Runs are chosen
    /// by how much they narrow the interval per FLOP, so without a cap cheap runs come first; with a cap
    /// and a large --runs the cap is spent.
    #[arg(long, value_name = "FLOPS")]
    total_compute: Option<f64>,
    /// The quantity whose interval to narrow.
    #[arg(long, value_enum, default_value = "params")]
    target: TargetArg,
    /// Also offer runs outside the fitted ranges of N and tokens per parameter (each is
    /// flagged: there the law is extrapolated, and the expected interval assumes it holds).
    #[arg(long)]
    allow_outside: bool,
    /// Bootstrap resamples to draw now for the intervals [default: the draws the fit holds, or
    /// 400 drawn now when it holds none].
    #[arg(long, value_name = "N", help_heading = "Uncertainty")]
    bootstrap: Option<usize>,
    /// Seed of a bootstrap drawn now.
    #[arg(long, default_value_t = DEFAULT_SEED, help_heading = "Uncertainty")]
    seed: u64,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = scaling_laws::answer::optimal::DEFAULT_LEVEL, help_heading = "Uncertainty")]
    level: f64,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: OutputFormat,
    /// Write the runs as CSV to this file (ready to launch).
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short, help_heading = "Output")]
    quiet: bool,
}

/// Run `scaling-laws suggest`.
pub fn run(args: SuggestArgs) -> anyhow::Result<()> {
    let request = SuggestRequest {
        fit: FitSource::Saved(args.fit.clone()),
        target_budget: args.target_budget,
        target: match args.target {
            TargetArg::Params => Target::Params,
            TargetArg::Loss => Target::Loss,
        },
        runs: args.runs,
        compute_limit: args.compute_limit,
        total_compute: args.total_compute,
        level: args.level,
        allow_outside: args.allow_outside,
        bootstrap: args.bootstrap.map(|n| BootstrapConfig {
            n_resamples: n,
            seed: args.seed,
            scheme: ResampleScheme::default(),
            ..BootstrapConfig::default()
        }),
        out: args.out.clone(),
    };
    let result = suggest(request, &Reporter::new(args.quiet))?;
    if let Some(out) = &args.out {
        write_atomically(out, |w| scaling_laws::report::suggest::csv(&result, w))?;
    }
    let mut stdout = super::stdout::lock();
    match args.format {
        OutputFormat::Text => scaling_laws::report::suggest::text(&result, &mut stdout),
        OutputFormat::Json => scaling_laws::report::suggest::json(&result, &mut stdout),
        OutputFormat::Csv => scaling_laws::report::suggest::csv(&result, &mut stdout),
    }
    .context("cannot write to standard output")?;
    stdout.finish()?;
    if let Some(out) = &args.out {
        super::note!("wrote the runs to {}", out.display());
    }
    Ok(())
}
