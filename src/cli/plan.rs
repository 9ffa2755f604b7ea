//! `scaling-laws plan`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use scaling_laws::answer::decision::ShapeOptions;
use scaling_laws::commands::FitSource;
use scaling_laws::commands::plan::{ArchitectureOptions, GivenContext, PlanRequest, plan};
use scaling_laws::report::decision::render;

use super::common::{OutputFormat, Reporter};
use super::hardware::{BudgetUnitsArgs, HardwareArgs, SetupArgs, ShapeContextArgs};

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws plan --model chinchilla --gpu a100 --gpus 1024
  scaling-laws plan --params 7e9 --tokens 2e12 --gpu h100 --gpus 256 --format json
  scaling-laws plan --fit fit.json --budget 1e23 --gpu h100 --gpus 64";

/// Options of `scaling-laws plan`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
pub struct PlanArgs {
    /// A well-known model from the built-in catalogue (e.g. chinchilla, gpt-3, llama-3-405b).
    #[arg(long, value_name = "NAME", help_heading = "Model")]
    model: Option<String>,
    /// Parameters N.
    #[arg(long, value_name = "N", help_heading = "Model")]
    params: Option<f64>,
    /// Training tokens D.
    #[arg(long, value_name = "D", help_heading = "Model")]
    tokens: Option<f64>,
    /// A compute budget in FLOPs: plan the compute-optimal model of --fit for it (or give the
    /// budget in hardware units: --days, --gpu-hours, --dollars).
    #[arg(long, value_name = "FLOPS", requires = "fit", help_heading = "Model")]
    budget: Option<f64>,
    /// A fit saved by `scaling-laws fit --out` or `optimal --out` (intervals when it has bootstrap draws).
    #[arg(long, value_name = "FIT.json", help_heading = "Model")]
    fit: Option<PathBuf>,
    /// Propose shapes (layers, width, heads, FFN) within 1% of N from published families'
    /// rules: `--shape N` for a size, or `--shape` alone for the model described otherwise; the
    /// plan then uses the top-ranked shape. With --format csv, the table of shapes.
    #[arg(long, value_name = "N", num_args = 0..=1, help_heading = "Model")]
    shape: Option<Option<f64>>,
    /// Transformer layers (with --d-model and --heads: count parameters, appendix-F FLOPs and activations).
    #[arg(long, value_name = "L", help_heading = "Architecture")]
    layers: Option<u64>,
    /// Model width.
    #[arg(long, value_name = "D", help_heading = "Architecture")]
    d_model: Option<u64>,
    /// Attention heads.
    #[arg(long, value_name = "H", help_heading = "Architecture")]
    heads: Option<u64>,
    /// Key size per head [default: d-model / heads].
    #[arg(long, value_name = "K", help_heading = "Architecture")]
    key_size: Option<u64>,
    /// Feed-forward width [default: 4 · d-model].
    #[arg(long, value_name = "F", help_heading = "Architecture")]
    ffw: Option<u64>,
    #[command(flatten)]
    context: ShapeContextArgs,
    /// Gated feed-forward block (SwiGLU, as in LLaMA): three matrices instead of two.
    #[arg(long, help_heading = "Architecture")]
    gated_ffw: bool,
    #[command(flatten)]
    setup: SetupArgs,
    #[command(flatten)]
    hardware: HardwareArgs,
    #[command(flatten)]
    units: BudgetUnitsArgs,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: OutputFormat,
}

/// Run `scaling-laws plan`.
pub fn run(args: PlanArgs) -> anyhow::Result<()> {
    let request = PlanRequest {
        model: args.model.clone(),
        params: args.params,
        tokens: args.tokens,
        architecture: ArchitectureOptions {
            layers: args.layers,
            d_model: args.d_model,
            heads: args.heads,
            key_size: args.key_size,
            ffw: args.ffw,
            gated_ffw: args.gated_ffw,
        },
        shape: args.shape,
        shape_context: ShapeOptions {
            vocab: args.context.vocab(),
            seq_len: args.context.seq_len(),
            per_rule: args.context.shapes_per_rule,
            tensor_parallel: args.context.tp,
            embeddings: args.context.embeddings(),
        },
        budget: args.budget,
        budget_units: args.units.units(),
        fit: args.fit.clone().map(FitSource::Saved),
        setup: args.setup.setup(args.hardware.gpus),
        hardware: args.hardware.options(),
        given: GivenContext {
            vocab: args.context.vocab,
            seq_len: args.context.seq_len,
        },
    };
    let report = plan(request, &Reporter::new(true))?;
    let mut stdout = super::stdout::lock();
    render(&report, args.format.into(), &mut stdout).context("cannot write to standard output")?;
    stdout.finish()?;
    Ok(())
}
