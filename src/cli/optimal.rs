//! `scaling-laws optimal`.

use anyhow::Context;
use std::path::PathBuf;

use clap::Args;
use scaling_laws::Error;
use scaling_laws::optimal::{DEFAULT_LEVEL, QuestionOptions, Questions, answer_with};
use scaling_laws::saved::SavedFit;
use scaling_laws::uncertainty::bootstrap::DEFAULT_SEED;
use scaling_laws::uncertainty::{BootstrapConfig, PredictiveModel, ResampleScheme, bootstrap};

use super::common::{DataArgs, OutputFormat, progress_bar};
use super::fit::{FitOptionsArgs, FitSource, fit_data, fit_source, warn};

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
    /// A fit saved by `scaling-laws fit --out` (instead of a data file).
    #[arg(long, value_name = "FIT.json", help_heading = "Input")]
    fit: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    options: FitOptionsArgs,
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
    /// (residuals with random signs). See the README for the calibration study behind the
    /// default.
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
}

impl OptimalArgs {
    fn questions(&self, k: f64) -> Result<Questions, Error> {
        QuestionOptions {
            budget: self.budget.clone(),
            budgets: self.budgets.clone(),
            per_decade: self.per_decade,
            params: self.params.clone(),
            target_loss: self.target_loss.clone(),
            assess: self.assess.clone(),
            assess_model: self.assess_model.clone(),
            level: self.level,
        }
        .questions(k)
    }
}

/// Run `scaling-laws optimal`.
pub fn run(mut args: OptimalArgs) -> anyhow::Result<()> {
    let hardware_budget = args.decision.budget()?;
    args.budget
        .extend(hardware_budget.as_ref().map(|b| b.flops));
    let (mut saved, data) = match fit_source(args.fit.as_deref(), &args.data)? {
        FitSource::Saved(path) => {
            let saved = SavedFit::load(path)?;
            if let Some(out) = &args.out {
                let inputs = scaling_laws::output::Inputs::new()
                    .with_saved_fit(path, &saved.provenance.source.path);
                scaling_laws::output::check_output("--out", out, &inputs)?;
            }
            (saved, None)
        }
        FitSource::Data(input) => {
            let (saved, data) = fit_data(
                input,
                &args.data,
                &args.options,
                args.out.as_deref(),
                args.quiet,
            )?;
            (saved, Some(data))
        }
    };
    warn(&saved);
    let questions = args.questions(saved.provenance.flops_per_param_token)?;
    // The data are needed for the bootstrap and for prediction intervals (--assess), and for
    // the extrapolation check when at hand.
    let needs_data = args.bootstrap.is_some() || !questions.assess.is_empty();
    let data = match (data, args.fit.as_deref()) {
        (Some(d), _) => Some(d),
        (None, Some(path)) if needs_data => Some(saved.reload_data(path)?),
        (None, Some(path)) => match saved.reload_data(path) {
            Ok(d) => Some(d),
            Err(e) => {
                super::note!("note: no extrapolation check against the fitted runs: {e}");
                None
            }
        },
        (None, None) => None,
    };
    if let (Some(n), Some(data)) = (args.bootstrap, &data) {
        let config = BootstrapConfig {
            n_resamples: n,
            seed: args.seed,
            scheme: ResampleScheme::parse(&args.resample)?,
            ..BootstrapConfig::default()
        };
        let bar = progress_bar(n, args.quiet, "bootstrap");
        let draws = bootstrap(&data.observations(), &saved.report.fitted, &config, &|| {
            bar.inc(1)
        })?;
        bar.finish_and_clear();
        if draws.failed() > 0 {
            super::note!(
                "warning: {} of {n} resamples did not converge and are left out of the intervals",
                draws.failed()
            );
        }
        saved.bootstrap = Some(draws);
    }
    let model = match (&data, questions.assess.is_empty()) {
        (Some(d), false) => Some(PredictiveModel::new(
            &d.observations(),
            &saved.report.fitted,
            questions.level,
        )),
        _ => None,
    };
    let mut answers = answer_with(
        &saved.report.fitted,
        saved.bootstrap.as_ref(),
        model.as_ref(),
        &questions,
    )?;
    if let Some(largest) = data
        .as_ref()
        .and_then(|d| d.compute.iter().copied().reduce(f64::max))
    {
        let far = scaling_laws::optimal::extrapolation_warnings(&answers, largest);
        answers.warnings.extend(far);
    }
    scaling_laws::finite::check_finite(&saved, "the fit")?;
    scaling_laws::finite::check_finite(&answers, "the answers")?;
    let decisions = args.decision.decide(&answers, hardware_budget.as_ref())?;
    scaling_laws::finite::check_finite(&decisions, "the plans")?;
    let inference = args.inference.answer(&saved, &questions)?;
    if let Some(out) = &args.out {
        saved.save(out)?;
    }
    let limit = super::data_limit::prepare(&args.data_limit, &saved, &mut answers)?;
    let mut stdout = super::stdout::lock();
    let (format, inference) = (args.format, inference.as_ref());
    super::inference::render(
        format,
        &saved,
        &answers,
        &decisions,
        inference,
        limit.as_ref(),
        &mut stdout,
    )
    .context("cannot write to standard output")?;
    if let Some(out) = &args.out {
        super::note!(
            "saved the fit{} to {}",
            if saved.bootstrap.is_some() {
                " and its bootstrap draws"
            } else {
                ""
            },
            out.display()
        );
    }
    Ok(())
}
