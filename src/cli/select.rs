//! `scaling-laws select`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use scaling_laws::Error;
use scaling_laws::check::select::{DEFAULT_HOLDOUT_K, SelectConfig, SelectOptions};
use scaling_laws::commands::select::{SelectRequest, select};
use scaling_laws::fit::StartSelection;
use scaling_laws::fit::options::Delta;
use scaling_laws::uncertainty::bootstrap::DEFAULT_SEED;

use super::common::{DataArgs, OutputFormat, Reporter};
use super::fit::LossKind;

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws select data/simulated_sweep.csv --bootstrap 20
  scaling-laws select data/simulated_sweep.csv --laws chinchilla,kaplan --bootstrap 20 --format json";

/// Options of `scaling-laws select`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES, allow_negative_numbers = true)]
pub struct SelectArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Laws to compare, comma-separated (chinchilla, kaplan, data-constrained, compute)
    /// [default: every law whose inputs the data has].
    #[arg(
        long,
        value_name = "L1,L2,...",
        value_delimiter = ',',
        help_heading = "Laws"
    )]
    laws: Vec<String>,
    /// Runs with the most compute held out by the largest-compute check.
    #[arg(long, value_name = "K", default_value_t = DEFAULT_HOLDOUT_K, help_heading = "Checks")]
    holdout_k: usize,
    /// Confidence level of the prediction intervals, of the interval of a and of the verdict's
    /// paired test.
    #[arg(long, default_value_t = 0.95, help_heading = "Checks")]
    level: f64,
    /// Bootstrap resamples for the interval of a (0: no interval).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 200,
        help_heading = "Uncertainty"
    )]
    bootstrap: usize,
    /// Seed of the bootstrap and of the verdict's paired test.
    #[arg(long, default_value_t = DEFAULT_SEED, help_heading = "Uncertainty")]
    seed: u64,
    /// Penalty on residuals of log loss.
    #[arg(long, value_enum, default_value = "huber", help_heading = "Objective")]
    loss: LossKind,
    /// Huber threshold on log-loss residuals (with --loss huber) [default: 1e-3, Hoffmann et
    /// al.'s]. `auto`: 1.345 robust standard deviations of the residuals, found by refitting
    /// (the textbook Huber estimator); in the calibration study its intervals were right under
    /// heavy-tailed noise but too narrow when the law's form was wrong (see docs/calibration.md).
    #[arg(long, value_name = "DELTA|auto", help_heading = "Objective")]
    delta: Option<String>,
    /// How many grid starts of each law get a full L-BFGS run: the N best at the start, or
    /// `all` [default: up to 100, in batches, stopping once 10 runs reach
    /// the same best objective].
    #[arg(long, value_name = "N|all", help_heading = "Search")]
    starts: Option<String>,
    /// Iteration limit of each L-BFGS run.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1000,
        help_heading = "Search"
    )]
    max_iters: u64,
    /// Output format on stdout (csv: one row per law and check, and per rolling-origin fold).
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: OutputFormat,
    /// Draw the held-out error of each law against compute (.png, .svg or .pdf).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    plot: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short, help_heading = "Output")]
    quiet: bool,
}

impl SelectArgs {
    fn config(&self) -> Result<SelectConfig, Error> {
        SelectOptions {
            laws: self.laws.clone(),
            holdout_k: self.holdout_k,
            level: self.level,
            bootstrap: self.bootstrap,
            seed: self.seed,
            loss: self.loss.into(),
            delta: self.delta.as_deref().map(Delta::parse).transpose()?,
            starts: self
                .starts
                .as_deref()
                .map(StartSelection::parse)
                .transpose()?,
            max_iters: self.max_iters,
        }
        .config()
    }
}

/// Run `scaling-laws select`.
pub fn run(args: SelectArgs) -> anyhow::Result<()> {
    let input = args.data.required_input()?;
    let request = SelectRequest {
        config: args.config()?,
        data: args.data.source(input)?,
        plot: args.plot.clone(),
    };
    let reporter = Reporter::new(args.quiet);
    let selection = select(&request, &reporter)?;
    let mut stdout = super::stdout::lock();
    match args.format {
        OutputFormat::Text => scaling_laws::report::select::text(&selection, &mut stdout),
        OutputFormat::Json => scaling_laws::report::json(&selection, &mut stdout),
        OutputFormat::Csv => scaling_laws::report::select::csv(&selection, &mut stdout),
    }
    .context("cannot write the report to standard output")?;
    stdout.finish()?;
    if let Some(path) = &args.plot {
        super::note!("wrote the figure to {}", path.display());
    }
    Ok(())
}
