//! `scaling-laws optimal`.

use anyhow::Context;
use std::path::PathBuf;

use clap::Args;
use scaling_laws::Error;
use scaling_laws::answer::optimal::{DEFAULT_LEVEL, QuestionOptions, parse_pair};
use scaling_laws::commands::optimal::{OptimalRequest, optimal};
use scaling_laws::report::optimal::render;
use scaling_laws::uncertainty::bootstrap::DEFAULT_SEED;
use scaling_laws::uncertainty::{BootstrapConfig, ResampleScheme};

use super::common::{DataArgs, OutputFormat, Reporter};
use super::fit::{FitOptionsArgs, fit_source};

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws optimal --fit fit.json --budget 1e24
  scaling-laws optimal --fit fit.json --target-loss 2.1
  scaling-laws optimal --fit fit.json --gpu h100 --gpus 512 --days 30 --mfu 0.4 --shape
  scaling-laws optimal data/simulated_sweep.csv --bootstrap 100 --out fit-boot.json";

/// Options of `scaling-laws optimal`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
pub struct OptimalArgs {
    // The command's own questions come first in --help; where the fit comes from, and how to
    // fit, after them (clap lists headings in the order of their first argument).
    /// A compute budget in FLOPs; repeatable.
    #[arg(long, value_name = "FLOPS", help_heading = "Questions")]
    budget: Vec<f64>,
    /// A range of budgets, LOW:HIGH in FLOPs (e.g. 1e18:1e26), stepped by --per-decade.
    #[arg(long, value_name = "LOW:HIGH", help_heading = "Questions")]
    budgets: Option<String>,
    /// Budgets per decade in --budgets [default: 1].
    #[arg(long, value_name = "N", help_heading = "Questions")]
    per_decade: Option<u32>,
    /// A model size: the budget at which it is compute-optimal; repeatable.
    #[arg(long, value_name = "N", help_heading = "Questions")]
    params: Vec<f64>,
    /// A target loss: the least compute that reaches it; repeatable.
    #[arg(long, value_name = "LOSS", help_heading = "Questions")]
    target_loss: Vec<f64>,
    /// A given model N,D (e.g. 175e9,300e9): its predicted loss and the optimal alternatives; repeatable.
    #[arg(long, value_name = "N,D", help_heading = "Questions")]
    assess: Vec<String>,
    /// A well-known model from the built-in catalogue to assess (e.g. gpt-3, chinchilla): was it
    /// trained compute-optimally under this fit? Repeatable.
    #[arg(long, value_name = "NAME", help_heading = "Questions")]
    assess_model: Vec<String>,
    /// Bootstrap resamples for intervals (refits each resample; 4000 is a good number).
    /// Without it, draws saved in the --fit file are used if present.
    #[arg(long, value_name = "N", help_heading = "Uncertainty")]
    bootstrap: Option<usize>,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = DEFAULT_SEED, help_heading = "Uncertainty")]
    seed: u64,
    /// What each bootstrap replicate resamples: weights (every run with a random
    /// Exponential(1) weight, the Bayesian bootstrap), runs (runs drawn with replacement),
    /// params (whole model sizes), budgets (whole compute groups), residuals, or wild
    /// (residuals with random signs). See docs/calibration.md for the calibration study
    /// behind the default.
    #[arg(
        long,
        value_name = "SCHEME",
        default_value = "weights",
        help_heading = "Uncertainty"
    )]
    resample: String,
    /// Confidence level of intervals (e.g. 0.95 or 0.8).
    #[arg(long, default_value_t = DEFAULT_LEVEL, help_heading = "Uncertainty")]
    level: f64,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: OutputFormat,
    /// Save the fit (with its bootstrap draws) for later queries.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short, help_heading = "Output")]
    quiet: bool,
    #[command(flatten)]
    decision: super::decision::DecisionArgs,
    #[command(flatten)]
    inference: super::inference::InferenceArgs,
    #[command(flatten)]
    data_limit: super::data_limit::DataLimitArgs,
    /// A fit saved by `scaling-laws fit --out`, or a joint curve fit saved by `scaling-laws
    /// curve fit --law joint --out` (its law at the runs' ends), instead of a data file.
    #[arg(long, value_name = "FIT.json", help_heading = "Input")]
    fit: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    options: FitOptionsArgs,
}

impl OptimalArgs {
    fn questions(&self) -> Result<QuestionOptions, Error> {
        Ok(QuestionOptions {
            budget: self.budget.clone(),
            budgets: self.budgets.clone(),
            per_decade: self.per_decade,
            params: self.params.clone(),
            target_loss: self.target_loss.clone(),
            assess: self
                .assess
                .iter()
                .map(|a| parse_pair(a))
                .collect::<Result<_, _>>()?,
            assess_model: self.assess_model.clone(),
            level: self.level,
        })
    }

    /// The request of the library's `optimal`.
    fn request(&self) -> Result<OptimalRequest, Error> {
        let source = fit_source(self.fit.as_deref(), &self.data, &self.options)?;
        let bootstrap = self
            .bootstrap
            .map(|n| -> Result<_, Error> {
                Ok(BootstrapConfig {
                    n_resamples: n,
                    seed: self.seed,
                    scheme: ResampleScheme::parse(&self.resample)?,
                    ..BootstrapConfig::default()
                })
            })
            .transpose()?;
        Ok(OptimalRequest {
            source,
            questions: self.questions()?,
            bootstrap,
            hardware: self.decision.hardware(),
            budget_units: self.decision.units(),
            setup: self.decision.setup(),
            shapes: self.decision.shapes()?,
            inference_tokens: self.inference.inference_tokens,
            unique_tokens: self.data_limit.unique_tokens,
            out: self.out.clone(),
        })
    }
}

/// Run `scaling-laws optimal`.
pub fn run(args: OptimalArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(args.quiet);
    let report = optimal(args.request()?, &reporter)?;
    // Text and JSON list the fit's warnings (and where a curve fit's law came from) in the
    // report; a CSV of answers has no place for them.
    if matches!(args.format, OutputFormat::Csv) {
        for w in &report.fit.report.diagnostics.warnings {
            super::note!("warning: {}", w.line());
        }
        if let Some(origin) = &report.sweep {
            super::note!("answers from {}", origin.describe());
            if let Some(note) = &origin.note {
                super::note!("note: {note}");
            }
        }
    }
    let mut stdout = super::stdout::lock();
    render(&report, args.format.into(), &mut stdout).context("cannot write to standard output")?;
    stdout.finish()?;
    if let Some(out) = &args.out {
        super::note!(
            "saved the fit{} to {}",
            if report.fit.bootstrap.is_some() {
                " and its bootstrap draws"
            } else {
                ""
            },
            out.display()
        );
    }
    Ok(())
}
