//! `scaling-laws plan`.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use scaling_laws::Error;
use scaling_laws::decision::{ModelDecision, ShapeOptions, decide, with_shapes};
use scaling_laws::optimal::{Questions, answer};
use scaling_laws::plan::budget::{BudgetAmount, convert};
use scaling_laws::plan::{Architecture, Hardware, ModelSpec, TrainingSetup, find_model, plan};
use scaling_laws::saved::SavedFit;

use super::common::OutputFormat;
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

impl PlanArgs {
    fn architecture(&self) -> Result<Option<Architecture>, Error> {
        Architecture::from_flags(
            self.layers,
            self.d_model,
            self.heads,
            self.key_size,
            self.ffw,
            self.context.vocab,
            self.context.seq_len,
            self.gated_ffw,
        )
    }

    /// Only one way of describing the model.
    fn check_one_description(&self, arch: &Option<Architecture>) -> Result<(), Error> {
        let sources = [
            self.model.is_some(),
            self.budget.is_some() || self.units.given(),
            self.params.is_some() || arch.is_some(),
            matches!(self.shape, Some(Some(_))),
        ];
        if sources.iter().filter(|s| **s).count() > 1 {
            return Err(Error::invalid_option(
                "--model/--budget/--params/--shape",
                "describe the model one way: --model NAME, a budget (--budget C, or --days/--gpu-hours/--dollars) with --fit, --params N (and/or an architecture), or --shape N",
            ));
        }
        Ok(())
    }

    /// The compute-optimal model of a budget (in FLOPs or hardware units) under --fit, planned
    /// as `optimal` plans it; `None` when no budget is given.
    fn decision(
        &self,
        setup: TrainingSetup,
        hardware: Option<Hardware>,
        shapes: Option<ShapeOptions>,
    ) -> anyhow::Result<Option<ModelDecision>> {
        if self.budget.is_some() && self.units.given() {
            return Err(Error::invalid_option(
                "--budget",
                "give the budget one way: FLOPs with --budget, or hardware units with --days, --gpu-hours or --dollars",
            )
            .into());
        }
        let budget = match self.budget {
            Some(c) => Some(convert(BudgetAmount::Flops { flops: c }, None)?),
            None => self.units.convert(&self.hardware)?,
        };
        let Some(budget) = budget else {
            return Ok(None);
        };
        let Some(fit_path) = &self.fit else {
            return Err(Error::invalid_option(
                "--fit",
                "a budget is answered with a fitted law: give --fit FIT.json (from `scaling-laws fit --out`)",
            )
            .into());
        };
        let saved = SavedFit::load(fit_path)?;
        let questions = Questions {
            budgets: vec![budget.flops],
            params: vec![],
            target_losses: vec![],
            assess: vec![],
            assess_names: vec![],
            level: scaling_laws::optimal::DEFAULT_LEVEL,
            flops_per_param_token: saved.provenance.flops_per_param_token,
        };
        let answers = answer(&saved.report.fitted, saved.bootstrap.as_ref(), &questions)?;
        let allocation = answers
            .budgets
            .into_iter()
            .next()
            .expect("one budget asked");
        Ok(Some(decide(
            budget,
            allocation,
            setup,
            hardware,
            self.hardware.gpus,
            shapes,
        )?))
    }

    /// The model described by --model, --params, an architecture or --shape N.
    fn model(&self) -> anyhow::Result<ModelSpec> {
        let arch = self.architecture()?;
        if let Some(name) = &self.model {
            let known = find_model(name)?;
            return Ok(ModelSpec {
                name: Some(known.name),
                n_params: known.params,
                n_tokens: self.tokens.or(known.tokens),
                architecture: known.architecture,
            });
        }
        let n_params = match (self.params, arch, self.shape) {
            (Some(n), _, _) => n,
            (None, Some(a), _) => a.params(),
            (None, None, Some(Some(n))) => n,
            (None, None, _) => {
                return Err(Error::invalid_option("--params", "describe the model: --params N, --model NAME, an architecture (--layers, --d-model, --heads), --shape N, or a budget (--budget C, --days, --gpu-hours or --dollars) with --fit").into());
            }
        };
        Ok(ModelSpec {
            name: None,
            n_params,
            n_tokens: self.tokens,
            architecture: arch,
        })
    }
}

/// Run `scaling-laws plan`.
pub fn run(args: PlanArgs) -> anyhow::Result<()> {
    let hardware = args.hardware.hardware()?;
    args.check_one_description(&args.architecture()?)?;
    let setup = args.setup.setup(args.hardware.gpus);
    let shapes = match args.shape {
        Some(_) => Some(args.context.options()?),
        None => None,
    };
    if let Some(decision) = args.decision(setup, hardware.clone(), shapes)? {
        scaling_laws::finite::check_finite(&decision, "the plan")?;
        let mut stdout = super::stdout::lock();
        match (args.format, &decision.shapes) {
            (OutputFormat::Text, _) => scaling_laws::report::decision::text(&decision, &mut stdout),
            (OutputFormat::Json, _) => scaling_laws::report::json(&decision, &mut stdout),
            (OutputFormat::Csv, Some(shapes)) => {
                scaling_laws::report::shape::csv(shapes, &mut stdout)
            }
            (OutputFormat::Csv, None) => {
                scaling_laws::report::plan::csv(&decision.plan, &mut stdout).and_then(|()| {
                    scaling_laws::report::decision::plan_csv_rows(&decision, &mut stdout)
                })
            }
        }
        .context("cannot write to standard output")?;
        return Ok(());
    }
    let (model, proposals) = with_shapes(args.model()?, &setup, shapes)?;
    let result = plan(model, setup, hardware)?;
    scaling_laws::finite::check_finite(&result, "the plan")?;
    scaling_laws::finite::check_finite(&proposals, "the shapes")?;
    let mut stdout = super::stdout::lock();
    match (args.format, &proposals) {
        (OutputFormat::Text, _) => scaling_laws::report::plan::text(&result, None, &mut stdout)
            .and_then(|()| match &proposals {
                Some(p) => {
                    writeln!(stdout)?;
                    scaling_laws::report::shape::text(result.model.n_params, p, &mut stdout)
                }
                None => Ok(()),
            }),
        (OutputFormat::Json, Some(p)) => scaling_laws::report::json(
            &serde_json::json!({ "plan": result, "allocation": null, "shapes": p }),
            &mut stdout,
        ),
        (OutputFormat::Json, None) => scaling_laws::report::plan::json(&result, None, &mut stdout),
        (OutputFormat::Csv, Some(p)) => scaling_laws::report::shape::csv(p, &mut stdout),
        (OutputFormat::Csv, None) => scaling_laws::report::plan::csv(&result, &mut stdout),
    }
    .context("cannot write to standard output")?;
    Ok(())
}
