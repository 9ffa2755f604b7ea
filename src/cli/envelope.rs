//! `scaling-laws envelope`.

use anyhow::Context;
use clap::Args;
use scaling_laws::approaches::envelope::EnvelopeConfig;
use scaling_laws::commands::envelope::{CurveSource, Curves, EnvelopeRequest, envelope};
use scaling_laws::data::checkpoints::parse_run_params;
use scaling_laws::data::curves::CurveOptions;

use super::common::{OutputFormat, Reporter, ResampleArgs};

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws envelope data/simulated_sweep.csv --run-col n_params --params-col n_params --tokens-col n_tokens --final-only --bootstrap 100
  scaling-laws envelope data/simulated_sweep.csv --run-col n_params --params-col n_params --tokens-col n_tokens --final-only --bootstrap 100 --format json";

/// Options of `scaling-laws envelope`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
pub struct EnvelopeArgs {
    /// Training-curve files: one per run (named after the file), or long tables with --run-col.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<String>,
    /// Column of tokens seen so far.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "tokens",
        help_heading = "Columns"
    )]
    tokens_col: String,
    /// Column of the loss.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "loss",
        help_heading = "Columns"
    )]
    loss_col: String,
    /// Column of the run's parameter count N.
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    params_col: Option<String>,
    /// Column naming the run (a long table with several runs).
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    run_col: Option<String>,
    /// Each run's parameter count, [RUN=]N: RUN is a run's name or its start before `-`, `_`
    /// or `.` (`190M=190354176` for 190M-1xC, 190M-2xC, …; the longest name wins); repeat or
    /// separate by commas for more. Without RUN, every run.
    #[arg(long, value_name = "[RUN=]N", help_heading = "Columns")]
    run_params: Vec<String>,
    /// Column of compute used so far, read per row instead of k·N·tokens.
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    flops_col: Option<String>,
    /// FLOPs per unit of the compute column (e.g. 1e9 for GFLOPs, 8.64e19 for PFLOP/s-days).
    #[arg(
        long,
        value_name = "S",
        default_value_t = 1.0,
        help_heading = "Columns"
    )]
    flops_scale: f64,
    /// k in C = k·N·D.
    #[arg(
        long,
        value_name = "K",
        default_value_t = 6.0,
        help_heading = "Columns"
    )]
    flops_per_param_token: f64,
    /// Use only each run's final (fully decayed) point.
    #[arg(long, help_heading = "Envelope")]
    final_only: bool,
    /// Read a budget only where runs of at least this many sizes cover it.
    #[arg(long, value_name = "K", default_value_t = 2, help_heading = "Envelope")]
    min_sizes: usize,
    /// Budgets per decade at which the envelope is read.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 20,
        help_heading = "Envelope"
    )]
    per_decade: usize,
    #[command(flatten)]
    resample: ResampleArgs,
    /// Draw Approach 1 as the paper's Figure 2 (curves and envelope, N* and D* with the fits) to this .png, .svg or .pdf.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    plot: Option<std::path::PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: OutputFormat,
}

/// Run `scaling-laws envelope`.
pub fn run(args: EnvelopeArgs) -> anyhow::Result<()> {
    let request = EnvelopeRequest {
        curves: Curves {
            sources: args.files.iter().cloned().map(CurveSource::File).collect(),
            options: CurveOptions {
                tokens_col: args.tokens_col.clone(),
                loss_col: args.loss_col.clone(),
                params_col: args.params_col.clone(),
                run_col: args.run_col.clone(),
                run_params: parse_run_params(&args.run_params, "--run-params")?,
                flops_col: args.flops_col.clone(),
                flops_scale: args.flops_scale,
            },
        },
        config: EnvelopeConfig {
            flops_per_param_token: args.flops_per_param_token,
            per_decade: args.per_decade,
            final_only: args.final_only,
            min_sizes: args.min_sizes,
            n_resamples: args.resample.bootstrap,
            seed: args.resample.seed,
            level: args.resample.level,
        },
        plot: args.plot.clone(),
    };
    let analysis = envelope(&request, &Reporter::new(true))?;
    let mut stdout = super::stdout::lock();
    match args.format {
        OutputFormat::Text => scaling_laws::report::envelope::text(&analysis, &mut stdout),
        OutputFormat::Json => scaling_laws::report::envelope::json(&analysis, &mut stdout),
        OutputFormat::Csv => scaling_laws::report::envelope::csv(&analysis, &mut stdout),
    }
    .context("cannot write to standard output")?;
    stdout.finish()?;
    Ok(())
}
