//! `scaling-laws isoflop`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use scaling_laws::Error;
use scaling_laws::isoflop::{IsoflopConfig, isoflop};
use scaling_laws::plot::{ImageFormat, PlotOptions};

use super::common::{DataArgs, OutputFormat, ResampleArgs};

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
    /// Also draw the IsoFLOP profiles and N* against compute to this image (.png or .svg).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    plot: Option<PathBuf>,
}

/// Run `scaling-laws isoflop`.
pub fn run(args: IsoflopArgs) -> anyhow::Result<()> {
    let input = args.data.required_input()?;
    scaling_laws::isoflop::check_min_runs(args.min_runs)?;
    if let Some(path) = &args.plot {
        // Before the analysis and its bootstrap, so that a typo costs nothing.
        ImageFormat::from_path(path).map_err(|e| match e {
            Error::InvalidOption { message, .. } => Error::invalid_option("--plot", message),
            other => other,
        })?;
        let inputs = scaling_laws::output::Inputs::new().with(input, "the input file");
        scaling_laws::output::check_output("--plot", path, &inputs)?;
    }
    let data = scaling_laws::data::load(input, &args.data.load_options()?)?;
    let config = IsoflopConfig {
        budgets: args.budgets.clone(),
        tolerance_dex: args.tolerance_dex,
        min_runs: args.min_runs,
        flops_per_param_token: data.flops_per_param_token,
        n_resamples: args.resample.bootstrap,
        seed: args.resample.seed,
        level: args.resample.level,
        ..IsoflopConfig::default()
    };
    let analysis = isoflop(&data, &config)?;
    scaling_laws::finite::check_finite(&analysis, "the IsoFLOP analysis")?;
    let mut stdout = super::stdout::lock();
    match args.format {
        OutputFormat::Text => scaling_laws::report::isoflop::text(&data, &analysis, &mut stdout),
        OutputFormat::Json => scaling_laws::report::isoflop::json(&analysis, &mut stdout),
        OutputFormat::Csv => scaling_laws::report::isoflop::csv(&analysis, &mut stdout),
    }
    .context("cannot write to standard output")?;
    if let Some(path) = &args.plot {
        scaling_laws::plot::isoflop_profiles(path, &analysis, &data, &PlotOptions::default())?;
        super::note!("wrote {}", path.display());
    }
    Ok(())
}
