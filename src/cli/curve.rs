//! `scaling-laws curve`: training-curve laws.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use scaling_laws::Error;
use scaling_laws::commands::curve::{
    CurveFitRequest, CurvePredictRequest, CurveSimulateRequest, curve_fit, curve_predict,
    curve_simulate, parse_named_schedules, parse_schedules,
};
use scaling_laws::commands::curve_plot::{CurvePlotRequest, curve_plot};
use scaling_laws::commands::curve_schedule::{CurveScheduleRequest, curve_schedule};
use scaling_laws::curve::law::DEFAULT_LAMBDA;
use scaling_laws::curve::schedule::Schedule;
use scaling_laws::data::checkpoints::{LogOptions, parse_run_params};
use scaling_laws::fit::objective::DEFAULT_HUBER_DELTA;
use scaling_laws::plot::CurveFigure;

use super::common::Reporter;

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws curve fit data/simulated_curves.csv --law annealing --bootstrap 50 --out band.json
  scaling-laws curve predict --fit band.json --schedule cosine:warmup=2000,peak=3e-4,final=3e-5,steps=30000 --target-loss 2.75
  scaling-laws curve schedule --fit band.json --schedule cosine:warmup=2000,peak=3e-4,final=3e-5,steps=24000 --free-out free.csv
  scaling-laws curve simulate --every 500 --out curves.csv";

/// `scaling-laws curve`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CurveCommand {
    #[command(subcommand)]
    action: CurveAction,
}

#[derive(Debug, Subcommand)]
enum CurveAction {
    /// Fit a curve law to every checkpoint of one or more runs.
    #[command(after_help = EXAMPLES)]
    Fit(Box<CurveFitArgs>),
    /// The loss trajectory a saved curve fit predicts under a schedule, as CSV (step, lr, loss).
    #[command(after_help = EXAMPLES)]
    Predict(CurvePredictArgs),
    /// The best schedule within each family (cosine's final rate; WSD's cooldown length,
    /// shape and final rate) at the warmup, peak and horizon of a given schedule, for a saved
    /// curve fit, and its gain over cosine to 10% of the peak.
    #[command(after_help = EXAMPLES)]
    Schedule(CurveScheduleArgs),
    /// Write training curves drawn from the multi-power law (the published 400M fit by
    /// default) under given schedules, or a sweep of sizes from the joint law, with seeded
    /// noise: CSV with run, step, lr, loss (and params, tokens_per_step for the joint law).
    #[command(after_help = EXAMPLES)]
    Simulate(CurveSimulateArgs),
    /// Draw a saved curve fit over the logs it was fitted to (SVG or PNG): each run's loss
    /// and the law's trajectory, predicted schedules with their bands, and the schedules
    /// beneath; or the relative residuals against step.
    #[command(after_help = EXAMPLES)]
    Plot(Box<CurvePlotArgs>),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CurveFormat {
    Text,
    Json,
}

/// Options of `scaling-laws curve fit`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
struct CurveFitArgs {
    /// Training logs (CSV, Parquet, NDJSON): one run per file, or a long table with --run-col.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// The law: multi-power (Luo et al. 2025), annealing (Tissue et al. 2024), blind
    /// (L0 + A·S1^−α, the baseline), or joint (runs of several model sizes: needs each run's
    /// parameter count and tokens per step).
    #[arg(long, default_value = "multi-power")]
    law: String,
    /// The learning-rate schedule, FAMILY:key=value,… (families: constant, cosine, wsd,
    /// two-stage; keys: warmup, warmup-start, peak, steps, final, decay, cooldown=exp|linear|sqrt,
    /// second, switch); RUN=SPEC for one run. Without it, the logged learning rate is
    /// interpolated.
    #[arg(long, value_name = "[RUN=]SPEC")]
    schedule: Vec<String>,
    /// Momentum λ of the annealing law's annealing area.
    #[arg(long, default_value_t = DEFAULT_LAMBDA)]
    lambda: f64,
    /// Huber threshold on log-loss residuals.
    #[arg(long, default_value_t = DEFAULT_HUBER_DELTA)]
    delta: f64,
    /// Bootstrap replicates (stretches of the runs resampled, each refitted) for parameter
    /// intervals and the bands of `curve predict`; 200 is usual.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        help_heading = "Uncertainty"
    )]
    bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = scaling_laws::uncertainty::bootstrap::DEFAULT_SEED, help_heading = "Uncertainty")]
    seed: u64,
    /// Compute budgets in FLOPs (C = 6·N·D) at which the joint law gives the compute-optimal
    /// N* and D* of runs like the sweep's, trained to their end (with intervals under
    /// --bootstrap).
    #[arg(long, value_name = "FLOPS", value_delimiter = ',')]
    budget: Vec<f64>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95, help_heading = "Uncertainty")]
    level: f64,
    #[command(flatten)]
    columns: LogColumns,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: CurveFormat,
    /// Save the fit as JSON, for `curve predict`.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    out: Option<PathBuf>,
    /// No progress messages.
    #[arg(long, short, help_heading = "Output")]
    quiet: bool,
}

/// How `curve fit` and `curve plot` read the logs.
#[derive(Debug, Args)]
struct LogColumns {
    /// Column of steps [default: the first of step, _step, steps, global_step, …].
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    step_col: Option<String>,
    /// Column of the loss [default: the first of loss, train/loss, train_loss, …].
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    loss_col: Option<String>,
    /// Column of the learning rate [default: the first of lr, learning_rate,
    /// optim/learning_rate_group0, …]; `none` to read none.
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    lr_col: Option<String>,
    /// Column naming the run, for a long table [default: the first of run, run_id, run_name,
    /// run_path]; `none`: each file is one run.
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    run_col: Option<String>,
    /// Column of the model's parameter count, for the joint law [default: the first of
    /// params, n_params, num_params, parameters, …]; `none` to read none.
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    params_col: Option<String>,
    /// Column of the tokens per step, or of the tokens so far, for the joint law [default:
    /// the first of tokens_per_step, batch_size_in_tokens, …, then tokens,
    /// throughput/total_tokens, …]; `none` to read none.
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    tokens_col: Option<String>,
    /// Each run's parameter count for the joint law, [RUN=]N: RUN is a run's name or its
    /// start before `-`, `_` or `.` (`--run-params 190M=190354176` for 190M-1xC, 190M-2xC,
    /// …; the longest name wins); repeat or separate by commas for more. Without RUN, every
    /// run.
    #[arg(
        long,
        value_name = "[RUN=]N",
        help_heading = "Columns",
        alias = "params"
    )]
    run_params: Vec<String>,
    /// Tokens per step, for runs without a tokens column.
    #[arg(long, value_name = "TOKENS", help_heading = "Columns")]
    tokens_per_step: Option<f64>,
}

impl LogColumns {
    fn options(&self) -> Result<LogOptions, Error> {
        Ok(LogOptions {
            step_col: self.step_col.clone(),
            loss_col: self.loss_col.clone(),
            lr_col: self.lr_col.clone(),
            run_col: self.run_col.clone(),
            params_col: self.params_col.clone(),
            tokens_col: self.tokens_col.clone(),
            params: parse_run_params(&self.run_params, "--run-params")?,
            tokens_per_step: self.tokens_per_step,
        })
    }
}

/// Options of `scaling-laws curve predict`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
struct CurvePredictArgs {
    /// A fit saved by `curve fit --out`.
    #[arg(long, value_name = "FILE")]
    fit: String,
    /// The schedule to predict under (as for `curve fit`).
    #[arg(long, value_name = "SPEC")]
    schedule: String,
    /// Predict every this many steps (and at the last step) [default: 1/100 of the horizon].
    #[arg(long, value_name = "STEPS")]
    every: Option<usize>,
    /// A loss to reach: the first step the prediction reaches it, and (with a bootstrapped
    /// fit) the earliest and latest steps its band allows.
    #[arg(long, value_name = "LOSS")]
    target_loss: Option<f64>,
    /// Output format on stdout: CSV (step, lr, loss, and lower, upper with a band) or JSON.
    #[arg(long, value_enum, default_value = "csv")]
    format: PredictFormat,
    /// The model's parameter count, for a joint-law fit.
    #[arg(long, value_name = "N", requires = "tokens_per_step")]
    params: Option<f64>,
    /// Tokens per step, for a joint-law fit.
    #[arg(long, value_name = "TOKENS", requires = "params")]
    tokens_per_step: Option<f64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PredictFormat {
    Csv,
    Json,
}

/// Options of `scaling-laws curve schedule`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
struct CurveScheduleArgs {
    /// A fit saved by `curve fit --out` (with `--bootstrap`, the gains get intervals).
    #[arg(long, value_name = "FILE")]
    fit: String,
    /// The schedule whose warmup, peak rate and horizon every candidate keeps (as for `curve
    /// fit`).
    #[arg(long, value_name = "SPEC")]
    schedule: String,
    /// Families to search.
    #[arg(long, value_delimiter = ',', default_value = "cosine,wsd")]
    family: Vec<String>,
    /// Also find the best free schedule: after the warmup, any non-increasing rate between
    /// the grid's lowest final rate and the peak, started from the best of the grid.
    #[arg(long)]
    free: bool,
    /// Write the free schedule's rate at every step as CSV (step,lr); implies --free.
    #[arg(long, value_name = "FILE")]
    free_out: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text")]
    format: CurveFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CurvePlotKind {
    /// Loss per run with the fitted and predicted trajectories, schedules beneath.
    Curves,
    /// Relative residuals (observed / fitted - 1, in %) against step.
    Residuals,
}

/// Options of `scaling-laws curve plot`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
struct CurvePlotArgs {
    /// A fit saved by `curve fit --out`.
    #[arg(long, value_name = "FILE")]
    fit: String,
    /// The training logs the fit was made from (read as `curve fit` read them).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// The schedules given to `curve fit`, [RUN=]SPEC.
    #[arg(long, value_name = "[RUN=]SPEC")]
    schedule: Vec<String>,
    /// A schedule to predict under, drawn with its band when the fit was bootstrapped;
    /// NAME=SPEC names it in the legend. Repeat for more.
    #[arg(long, value_name = "[NAME=]SPEC")]
    predict: Vec<String>,
    /// The figure.
    #[arg(long, value_enum, default_value = "curves")]
    kind: CurvePlotKind,
    /// The image, .svg or .png.
    #[arg(long, short, value_name = "PATH")]
    out: PathBuf,
    /// Figure width in inches, at 300 dpi [default: 3.25, single-column width].
    #[arg(long, value_name = "INCHES")]
    width: Option<f64>,
    /// Figure height in inches [default: 2.5].
    #[arg(long, value_name = "INCHES")]
    height: Option<f64>,
    #[command(flatten)]
    columns: LogColumns,
}

/// Options of `scaling-laws curve simulate`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
struct CurveSimulateArgs {
    /// Write here; default: standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// A run and its schedule, NAME=SPEC, repeated [default: cosine, constant and wsd runs of
    /// 24,000 steps].
    #[arg(long, value_name = "NAME=SPEC")]
    schedule: Vec<String>,
    /// The law drawn from: multi-power (one model size) or joint (a sweep of sizes: each run
    /// needs --run-params; by default a ladder of five sizes from 50M to 800M at 10, 20 and 40
    /// tokens per parameter).
    #[arg(long, default_value = "multi-power")]
    law: String,
    /// The true parameters: L0,A,alpha,B,C,beta,gamma of the multi-power law [default: the
    /// published 400M fit], or E,A,alpha,B,beta,C of the joint law [default: its fit to the
    /// OLMo ladder].
    #[arg(long, value_name = "L0,A,...", value_delimiter = ',')]
    truth: Vec<f64>,
    /// For the joint law: each run's parameter count, RUN=N (RUN a run's name or its start
    /// before `-`, `_` or `.`).
    #[arg(long, value_name = "RUN=N", alias = "params")]
    run_params: Vec<String>,
    /// For the joint law: tokens per step of every run.
    #[arg(long, value_name = "TOKENS", default_value_t = scaling_laws::commands::curve::JOINT_TOKENS_PER_STEP)]
    tokens_per_step: f64,
    /// A checkpoint every this many steps.
    #[arg(long, default_value_t = 250)]
    every: usize,
    /// Standard deviation of the log-loss noise.
    #[arg(long, default_value_t = 0.003)]
    noise: f64,
    /// Seed of the noise.
    #[arg(long, default_value_t = 20250317)]
    seed: u64,
}

/// Run `scaling-laws curve`.
pub fn run(command: CurveCommand) -> anyhow::Result<()> {
    match command.action {
        CurveAction::Fit(args) => fit(*args),
        CurveAction::Predict(args) => predict(args),
        CurveAction::Schedule(args) => schedule(args),
        CurveAction::Simulate(args) => simulate(args),
        CurveAction::Plot(args) => plot(*args),
    }
}

fn fit(args: CurveFitArgs) -> anyhow::Result<()> {
    let request = CurveFitRequest {
        paths: args.files.clone(),
        logs: Vec::new(),
        log: args.columns.options()?,
        schedules: parse_schedules(&args.schedule)?,
        law: args.law.clone(),
        lambda: args.lambda,
        delta: args.delta,
        out: args.out.clone(),
        bootstrap: args.bootstrap,
        seed: args.seed,
        level: args.level,
        budgets: args.budget.clone(),
    };
    let report = curve_fit(&request, &Reporter::new(args.quiet))?;
    let mut stdout = super::stdout::lock();
    match args.format {
        CurveFormat::Text => scaling_laws::report::curve::fit_text(&report, &mut stdout),
        CurveFormat::Json => serde_json::to_writer_pretty(&mut stdout, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(stdout)),
    }
    .context("cannot write the report to standard output")?;
    stdout.finish()?;
    if let Some(out) = &args.out {
        super::note!("saved the curve fit to {}", out.display());
    }
    Ok(())
}

fn predict(args: CurvePredictArgs) -> anyhow::Result<()> {
    let schedule = Schedule::parse(&args.schedule, "--schedule")?;
    let request = CurvePredictRequest {
        fit: args.fit.clone(),
        every: args.every.unwrap_or((schedule.steps / 100).max(1)),
        schedule,
        target_loss: args.target_loss,
        size: args.params.zip(args.tokens_per_step),
    };
    let prediction = curve_predict(&request)?;
    if let Some(t) = &prediction.target {
        super::note!(
            "{}",
            scaling_laws::report::curve::reach_text(t, prediction.level)
        );
    }
    let mut stdout = super::stdout::lock();
    match args.format {
        PredictFormat::Csv => scaling_laws::report::curve::prediction_csv(&prediction, &mut stdout),
        PredictFormat::Json => serde_json::to_writer_pretty(&mut stdout, &prediction)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(stdout)),
    }
    .context("cannot write the prediction to standard output")?;
    stdout.finish()
}

fn schedule(args: CurveScheduleArgs) -> anyhow::Result<()> {
    let request = CurveScheduleRequest {
        fit: args.fit.clone(),
        base: Schedule::parse(&args.schedule, "--schedule")?,
        families: args.family.clone(),
        free: args.free,
        free_out: args.free_out.clone(),
    };
    let report = curve_schedule(&request)?;
    let mut stdout = super::stdout::lock();
    match args.format {
        CurveFormat::Text => scaling_laws::report::curve::schedule_text(&report, &mut stdout),
        CurveFormat::Json => serde_json::to_writer_pretty(&mut stdout, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(stdout)),
    }
    .context("cannot write the report to standard output")?;
    stdout.finish()?;
    if let Some(out) = &args.free_out {
        super::note!(
            "wrote the free schedule's rate at each of its {} steps to {}",
            request.base.steps,
            out.display()
        );
    }
    Ok(())
}

fn simulate(args: CurveSimulateArgs) -> anyhow::Result<()> {
    let mut request = CurveSimulateRequest {
        law: args.law.clone(),
        params: parse_run_params(&args.run_params, "--run-params")?,
        tokens_per_step: args.tokens_per_step,
        truth: (!args.truth.is_empty()).then(|| args.truth.clone()),
        every: args.every,
        noise: args.noise,
        seed: args.seed,
        ..CurveSimulateRequest::default()
    };
    if !args.schedule.is_empty() {
        request.runs = parse_schedules(&args.schedule)?
            .into_iter()
            .map(|(name, s)| {
                name.map(|n| (n, s))
                    .ok_or_else(|| Error::invalid_option("--schedule", "name each run: NAME=SPEC"))
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(out) = &args.out {
        scaling_laws::output::check_output("--out", out, &scaling_laws::output::Inputs::new())?;
    }
    let rows = curve_simulate(&request)?;
    let sized = rows.first().is_some_and(|r| r.size.is_some());
    let write = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        if sized {
            writeln!(w, "run,step,lr,loss,params,tokens_per_step")?;
        } else {
            writeln!(w, "run,step,lr,loss")?;
        }
        for r in &rows {
            write!(w, "{},{},{:e},{:.5}", r.run, r.step, r.lr, r.loss)?;
            if let Some((n, tokens)) = r.size {
                write!(w, ",{n:e},{tokens}")?;
            }
            writeln!(w)?;
        }
        Ok(())
    };
    match &args.out {
        Some(out) => {
            scaling_laws::output::write_atomically(out, write)?;
            super::note!("wrote {} checkpoints to {}", rows.len(), out.display());
            Ok(())
        }
        None => {
            let mut stdout = super::stdout::lock();
            write(&mut stdout).map_err(super::stdout::failed)?;
            stdout.finish()
        }
    }
}

fn plot(args: CurvePlotArgs) -> anyhow::Result<()> {
    let request = CurvePlotRequest {
        fit: args.fit.clone(),
        paths: args.files.clone(),
        logs: Vec::new(),
        log: args.columns.options()?,
        schedules: parse_schedules(&args.schedule)?,
        predict: parse_named_schedules(&args.predict, "--predict")?,
        kind: match args.kind {
            CurvePlotKind::Curves => CurveFigure::Curves,
            CurvePlotKind::Residuals => CurveFigure::Residuals,
        },
        plot: super::plot::figure_size(args.width, args.height)?,
        out: args.out.clone(),
    };
    let path = curve_plot(&request)?;
    let mut stdout = super::stdout::lock();
    writeln!(stdout, "{}", path.display()).map_err(super::stdout::failed)?;
    stdout.finish()
}
