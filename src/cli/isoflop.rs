//! `scaling-laws isoflop`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use scaling_laws::approaches::isoflop::IsoflopConfig;
use scaling_laws::commands::isoflop::{IsoflopRequest, isoflop};

use super::common::{DataArgs, OutputFormat, Reporter, ResampleArgs};

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws isoflop data/simulated_sweep.csv --bootstrap 100
  scaling-laws isoflop data/simulated_sweep.csv --bootstrap 100 --plot profiles.png";

/// Options of `scaling-laws isoflop`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
pub struct IsoflopArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Budgets to group runs around, FLOPs, comma-separated (default: the budget column, or
    /// clusters of log10 C).
    #[arg(
        long,
        value_name = "C1,C2,...",
        value_delimiter = ',',
        help_heading = "Groups"
    )]
    budgets: Vec<f64>,
    /// A run belongs to a budget when |log10 C - log10 budget| <= this.
    #[arg(
        long,
        value_name = "DEX",
        default_value_t = 0.03,
        help_heading = "Groups"
    )]
    tolerance_dex: f64,
    /// Fewest runs in a group (groups also need 3 distinct sizes).
    #[arg(long, value_name = "N", default_value_t = 5, help_heading = "Groups")]
    min_runs: usize,
    #[command(flatten)]
    resample: ResampleArgs,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: OutputFormat,
    /// Also draw the IsoFLOP profiles and N* against compute to this image (.png, .svg or .pdf).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    plot: Option<PathBuf>,
}

/// Run `scaling-laws isoflop`.
pub fn run(args: IsoflopArgs) -> anyhow::Result<()> {
    let request = IsoflopRequest {
        data: args.data.source(args.data.required_input()?)?,
        config: IsoflopConfig {
            budgets: args.budgets.clone(),
            tolerance_dex: args.tolerance_dex,
            min_runs: args.min_runs,
            n_resamples: args.resample.bootstrap,
            seed: args.resample.seed,
            level: args.resample.level,
            ..IsoflopConfig::default()
        },
        plot: args.plot.clone(),
    };
    let report = isoflop(&request, &Reporter::new(true))?;
    let (data, analysis) = (&report.data, &report.analysis);
    let mut stdout = super::stdout::lock();
    match args.format {
        OutputFormat::Text => scaling_laws::report::isoflop::text(data, analysis, &mut stdout),
        OutputFormat::Json => scaling_laws::report::isoflop::json(analysis, &mut stdout),
        OutputFormat::Csv => scaling_laws::report::isoflop::csv(analysis, &mut stdout),
    }
    .context("cannot write to standard output")?;
    stdout.finish()?;
    if let Some(path) = &args.plot {
        super::note!("wrote {}", path.display());
    }
    Ok(())
}
