//! `scaling-laws compare`.

use anyhow::Context;
use clap::Args;
use scaling_laws::check::compare::{CompareConfig, DEFAULT_N_PARAMS_FACTOR};
use scaling_laws::commands::compare::{CompareRequest, compare};
use scaling_laws::commands::envelope::{CurveSource, Curves};
use scaling_laws::data::checkpoints::parse_run_params;
use scaling_laws::data::curves::CurveOptions;

use super::common::{DataArgs, OutputFormat, Reporter, ResampleArgs};
use super::fit::FitOptionsArgs;

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws compare data/simulated_sweep.csv --bootstrap 100
  scaling-laws compare data/simulated_sweep.csv --at 1e22,1e24 --bootstrap 100 --format json";

/// Options of `scaling-laws compare`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
pub struct CompareArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    options: FitOptionsArgs,
    /// Budgets at which to compare N*, FLOPs, comma-separated.
    #[arg(
        long,
        value_name = "C1,C2,...",
        value_delimiter = ',',
        default_value = "1e21,1e23,1e25",
        help_heading = "Comparison"
    )]
    at: Vec<f64>,
    /// Approaches agree when their N* lie within this factor at every budget of --at (and
    /// their exponents a within the difference that moves N* by this factor), with the
    /// confidence of --level.
    #[arg(
        long,
        value_name = "F",
        default_value_t = DEFAULT_N_PARAMS_FACTOR,
        help_heading = "Comparison"
    )]
    tolerance_factor: f64,
    /// IsoFLOP budgets for Approach 2 (default: the budget column, or clusters of compute).
    #[arg(
        long,
        value_name = "C1,C2,...",
        value_delimiter = ',',
        help_heading = "Approach 2"
    )]
    isoflop_budgets: Vec<f64>,
    /// IsoFLOP group half-width in log10 C.
    #[arg(
        long,
        value_name = "DEX",
        default_value_t = 0.03,
        help_heading = "Approach 2"
    )]
    tolerance_dex: f64,
    /// Training-curve files for Approach 1 (see `scaling-laws envelope`).
    #[arg(long, value_name = "FILE", num_args = 1.., help_heading = "Approach 1")]
    curves: Vec<String>,
    /// Tokens column of the curves.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "tokens",
        help_heading = "Approach 1"
    )]
    curve_tokens_col: String,
    /// Loss column of the curves.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "loss",
        help_heading = "Approach 1"
    )]
    curve_loss_col: String,
    /// Each curve run's parameter count, [RUN=]N, as `envelope --run-params` takes it.
    #[arg(long, value_name = "[RUN=]N", help_heading = "Approach 1")]
    curve_run_params: Vec<String>,
    /// Run column of long-format curve files (several runs in one file).
    #[arg(long, value_name = "NAME", help_heading = "Approach 1")]
    curve_run_col: Option<String>,
    /// Parameter-count column of the curves (instead of --curve-run-params).
    #[arg(long, value_name = "NAME", help_heading = "Approach 1")]
    curve_params_col: Option<String>,
    #[command(flatten)]
    resample: ResampleArgs,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: OutputFormat,
    /// No progress bar.
    #[arg(long, short, help_heading = "Output")]
    quiet: bool,
}

/// Run `scaling-laws compare`.
pub fn run(args: CompareArgs) -> anyhow::Result<()> {
    let input = args.data.required_input()?;
    let curves = if args.curves.is_empty() {
        None
    } else {
        Some(Curves {
            sources: args.curves.iter().cloned().map(CurveSource::File).collect(),
            options: CurveOptions {
                tokens_col: args.curve_tokens_col.clone(),
                loss_col: args.curve_loss_col.clone(),
                params_col: args.curve_params_col.clone(),
                run_col: args.curve_run_col.clone(),
                run_params: parse_run_params(&args.curve_run_params, "--curve-run-params")?,
                flops_col: None,
                flops_scale: 1.0,
            },
        })
    };
    let request = CompareRequest {
        data: args.data.source(input)?,
        fit: args.options.options()?,
        config: CompareConfig {
            at: args.at.clone(),
            tolerance_factor: args.tolerance_factor,
            isoflop_budgets: args.isoflop_budgets.clone(),
            tolerance_dex: args.tolerance_dex,
            n_resamples: args.resample.bootstrap,
            seed: args.resample.seed,
            level: args.resample.level,
        },
        curves,
    };
    let comparison = compare(&request, &Reporter::new(args.quiet))?;
    let mut stdout = super::stdout::lock();
    match args.format {
        OutputFormat::Text | OutputFormat::Csv => {
            scaling_laws::report::compare::text(&comparison, &mut stdout)
        }
        OutputFormat::Json => scaling_laws::report::json(&comparison, &mut stdout),
    }
    .context("cannot write to standard output")?;
    stdout.finish()?;
    Ok(())
}
