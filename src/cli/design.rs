//! `scaling-laws design`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use scaling_laws::commands::FitSource;
use scaling_laws::commands::design::{DesignRequest, design};
use scaling_laws::design::sweep::{
    DEFAULT_SIZES, DEFAULT_SPAN, DEFAULT_TOKENS_PER_PARAM, DesignConfig,
};
use scaling_laws::output::write_atomically;

use super::common::{OutputFormat, Reporter};
use super::hardware::{HardwareArgs, SetupArgs, ShapeContextArgs};

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws design --budgets 1e18:1e20
  scaling-laws design --fit fit.json --budget 1e21 --sizes 7 --out runs.csv
  scaling-laws design --budgets 1e19:1e21 --shape --gpu a100 --gpus 8";

/// Options of `scaling-laws design`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
pub struct DesignArgs {
    /// A fit saved by `scaling-laws fit --out` or `optimal --out`: centre each budget on its
    /// N*(C), and reach past the interval of N* when it has bootstrap draws.
    #[arg(long, value_name = "FIT.json", help_heading = "Sweep")]
    fit: Option<PathBuf>,
    /// A compute budget in FLOPs; repeatable.
    #[arg(long, value_name = "FLOPS", help_heading = "Sweep")]
    budget: Vec<f64>,
    /// A range of budgets, LOW:HIGH in FLOPs (e.g. 1e19:1e21), stepped by --per-decade.
    #[arg(long, value_name = "LOW:HIGH", help_heading = "Sweep")]
    budgets: Option<String>,
    /// Budgets per decade in --budgets.
    #[arg(long, value_name = "N", default_value_t = 2, help_heading = "Sweep")]
    per_decade: u32,
    /// Model sizes per budget.
    #[arg(long, value_name = "K", default_value_t = DEFAULT_SIZES, help_heading = "Sweep")]
    sizes: usize,
    /// Span factor s: sizes from N_c/s to s·N_c at least (log-spaced).
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SPAN, help_heading = "Sweep")]
    span: f64,
    /// Tokens per parameter of the centre without --fit: N_c = sqrt(C / (k·r)).
    #[arg(long, value_name = "R", default_value_t = DEFAULT_TOKENS_PER_PARAM, help_heading = "Sweep")]
    tokens_per_param: f64,
    /// k in C = k·N·D [default: the fit's, or 6].
    #[arg(long, value_name = "K", help_heading = "Sweep")]
    flops_per_param_token: Option<f64>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = scaling_laws::answer::optimal::DEFAULT_LEVEL, help_heading = "Sweep")]
    level: f64,
    /// Give each run the parameter count of its top-ranked shape (layers, width, heads, FFN in
    /// the CSV).
    #[arg(long, help_heading = "Architecture")]
    shape: bool,
    #[command(flatten)]
    context: ShapeContextArgs,
    #[command(flatten)]
    setup: SetupArgs,
    #[command(flatten)]
    hardware: HardwareArgs,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: OutputFormat,
    /// Write the runs as CSV to this file (one row per run, ready to launch).
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    out: Option<PathBuf>,
}

/// Run `scaling-laws design`.
pub fn run(args: DesignArgs) -> anyhow::Result<()> {
    let request = DesignRequest {
        fit: args.fit.clone().map(FitSource::Saved),
        budget: args.budget.clone(),
        budgets: args.budgets.clone(),
        per_decade: args.per_decade,
        config: DesignConfig {
            budgets: Vec::new(),
            sizes: args.sizes,
            span: args.span,
            tokens_per_param: args.tokens_per_param,
            flops_per_param_token: 6.0,
            level: args.level,
        },
        flops_per_param_token: args.flops_per_param_token,
        hardware: args.hardware.options(),
        setup: args.setup.setup(args.hardware.gpus),
        shapes: args.shape.then(|| args.context.options()).transpose()?,
        out: args.out.clone(),
    };
    let result = design(request, &Reporter::new(true))?;
    if let Some(out) = &args.out {
        write_atomically(out, |w| scaling_laws::report::design::csv(&result, w))?;
    }
    let mut stdout = super::stdout::lock();
    match args.format {
        OutputFormat::Text => scaling_laws::report::design::text(&result, &mut stdout),
        OutputFormat::Json => scaling_laws::report::design::json(&result, &mut stdout),
        OutputFormat::Csv => scaling_laws::report::design::csv(&result, &mut stdout),
    }
    .context("cannot write to standard output")?;
    stdout.finish()?;
    if let Some(out) = &args.out {
        super::note!("wrote the runs to {}", out.display());
    }
    Ok(())
}
