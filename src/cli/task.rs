//! `scaling-laws task`: benchmark accuracy chained from N and D through the task loss.

use std::io::Write as _;

use anyhow::Context;
use clap::{Args, ValueEnum};
use scaling_laws::Error;
use scaling_laws::commands::task::{TaskRequest, task_laws};
use scaling_laws::data::checkpoints::parse_run_params;
use scaling_laws::task::Step2Form;

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws task data/simulated_task_ladder.csv --run-params 150M=1.5e8,300M=3e8,600M=6e8,1.2B=1.2e9 --target 5B=5e9,1e11 --target-accuracy 0.95 --bootstrap 20
  scaling-laws task olmo_ladder/190M-1xC.csv olmo_ladder/190M-5xC.csv olmo_ladder/370M-1xC.csv olmo_ladder/370M-5xC.csv olmo_ladder/760M-1xC.csv olmo_ladder/760M-5xC.csv --run-params 190M=190354176,370M=371262464,760M=758220288 --target 1B=1.28e9,2.6e10 --task piqa_val_rc_5shot --bootstrap 10
  scaling-laws task olmo_ladder/190M-1xC.csv olmo_ladder/190M-5xC.csv olmo_ladder/370M-1xC.csv olmo_ladder/370M-5xC.csv olmo_ladder/760M-1xC.csv olmo_ladder/760M-5xC.csv --run-params 190M=190354176,370M=371262464,760M=758220288 --target 7B=6.9e9,4e12 --task arc_easy_test_rc_5shot --task arc_challenge_test_rc_5shot --bootstrap 0 --format json";

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Step2Arg {
    /// b + a/(1 + e^(−k(L − L0))), with the ideal point (0, 1) (Bhagia et al. 2024).
    Sigmoid,
    /// 1 − ε + k·e^(−γL) (Gadre et al. 2024).
    Exponential,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Options of `scaling-laws task`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES, allow_negative_numbers = true)]
pub struct TaskArgs {
    /// Evaluation logs of the ladder's runs, one run per file (CSV, Parquet, NDJSON) or many
    /// in a long table with a run column (run, run_id, run_name), with a tokens column and,
    /// per task, an accuracy and a task-loss column (W&B exports as the OLMo ladder's, Bhagia
    /// et al. 2024, are read as they come).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// The model to predict, NAME=N,D (parameters, tokens); repeat for more.
    #[arg(long, value_name = "NAME=N,D")]
    target: Vec<String>,
    /// Compute budgets (FLOPs) to predict at, each at the compute-optimal N*, D* of the
    /// task's step 1 law (C = 6·N·D); comma-separated or repeated.
    #[arg(long, value_name = "FLOPS", value_delimiter = ',')]
    budget: Vec<f64>,
    /// Accuracies (fractions) to reach: the least compute, N* and D* that reach each, with
    /// intervals; comma-separated or repeated.
    #[arg(long, value_name = "A", value_delimiter = ',')]
    target_accuracy: Vec<f64>,
    /// Step 2's form: the OLMo ladder's sigmoid of accuracy against task loss, or Gadre et
    /// al.'s exponential (for average error against the language model's loss: give a loss
    /// template without {task}).
    #[arg(long, value_enum, default_value = "sigmoid")]
    step2: Step2Arg,
    /// Each run's parameter count, [RUN=]N (RUN a run's name or its start before `-`, `_` or
    /// `.`: `190M=190354176` for 190M-1xC; the longest name wins); repeat or separate by
    /// commas for more.
    #[arg(long, value_name = "[RUN=]N", alias = "params")]
    run_params: Vec<String>,
    /// Tasks by name or glob (`*`, `?`) [default: every task found]; repeat for more.
    #[arg(long, value_name = "PATTERN")]
    task: Vec<String>,
    /// A task averaged from others, NAME=TASK:WEIGHT,TASK:WEIGHT,… (e.g. MMLU from its four
    /// parts); repeat for more.
    #[arg(long, value_name = "NAME=TASK:W,...")]
    average: Vec<String>,
    /// A task's random-guess accuracy, TASK=FLOOR [default: 0.5 for piqa, boolq, winogrande;
    /// 1/3 for socialiqa; 0.2 for csqa; 0.25 otherwise].
    #[arg(long, value_name = "TASK=FLOOR")]
    floor: Vec<String>,
    /// Column templates ACC,LOSS with {task} in ACC, and in LOSS unless one loss column
    /// serves every task (e.g. eval/c4_en-validation/CrossEntropyLoss) [default:
    /// eval/downstream/{task}_len_norm,eval/downstream_bpb/{task}_bpb, then _acc for _len_norm,
    /// then {task}/accuracy,{task}/loss, then acc_{task},loss_{task}].
    #[arg(long, value_name = "ACC,LOSS")]
    template: Vec<String>,
    /// Bootstrap replicates (whole runs resampled within each size, both steps refitted).
    #[arg(long, default_value_t = 100)]
    bootstrap: usize,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Draw the laws to this file (.png, .svg or .pdf): per task step 1, step 2 and the
    /// chain, with the targets and their intervals (at most 12 tasks).
    #[arg(long, value_name = "FILE")]
    plot: Option<std::path::PathBuf>,
    /// The figure's width in inches [default: 6.75].
    #[arg(long, requires = "plot")]
    width: Option<f64>,
    /// The figure's height in inches [default: 2.2 per task].
    #[arg(long, requires = "plot")]
    height: Option<f64>,
}

fn pair<'a>(value: &'a str, flag: &str, shape: &str) -> Result<(&'a str, &'a str), Error> {
    value
        .split_once('=')
        .ok_or_else(|| Error::invalid_option(flag, format!("'{value}' is not {shape}")))
}

fn number(text: &str, flag: &str, what: &str) -> Result<f64, Error> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
        .ok_or_else(|| Error::invalid_option(flag, format!("'{text}' is not a positive {what}")))
}

fn request(args: &TaskArgs) -> Result<TaskRequest, Error> {
    let targets = args
        .target
        .iter()
        .map(|t| {
            let (name, nd) = pair(t, "--target", "NAME=N,D")?;
            let (n, d) = nd.split_once(',').ok_or_else(|| {
                Error::invalid_option("--target", format!("'{t}' is not NAME=N,D"))
            })?;
            Ok((
                name.to_string(),
                number(n, "--target", "parameter count")?,
                number(d, "--target", "number of tokens")?,
            ))
        })
        .collect::<Result<_, Error>>()?;
    let averages = args
        .average
        .iter()
        .map(|a| {
            let (name, parts) = pair(a, "--average", "NAME=TASK:W,...")?;
            let parts = parts
                .split(',')
                .map(|p| {
                    let (task, w) = p.split_once(':').unwrap_or((p, "1"));
                    Ok((task.trim().to_string(), number(w, "--average", "weight")?))
                })
                .collect::<Result<_, Error>>()?;
            Ok((name.to_string(), parts))
        })
        .collect::<Result<_, Error>>()?;
    let floors = args
        .floor
        .iter()
        .map(|f| {
            let (task, v) = pair(f, "--floor", "TASK=FLOOR")?;
            let v = number(v, "--floor", "accuracy")?;
            if v >= 1.0 {
                return Err(Error::invalid_option(
                    "--floor",
                    format!("{v} is not an accuracy below 1 (give fractions)"),
                ));
            }
            Ok((task.to_string(), v))
        })
        .collect::<Result<_, Error>>()?;
    let templates = args
        .template
        .iter()
        .map(|t| {
            let (acc, loss) = t.split_once(',').ok_or_else(|| {
                Error::invalid_option("--template", format!("'{t}' is not ACC,LOSS"))
            })?;
            if !acc.contains("{task}") {
                return Err(Error::invalid_option(
                    "--template",
                    format!("'{t}': put {{task}} in the accuracy column's name"),
                ));
            }
            Ok((acc.to_string(), loss.to_string()))
        })
        .collect::<Result<_, Error>>()?;
    Ok(TaskRequest {
        paths: args.files.clone(),
        params: parse_run_params(&args.run_params, "--run-params")?,
        tasks: args.task.clone(),
        averages,
        floors,
        templates,
        form: match args.step2 {
            Step2Arg::Sigmoid => Step2Form::Sigmoid,
            Step2Arg::Exponential => Step2Form::Exponential,
        },
        targets,
        budgets: args.budget.clone(),
        target_accuracies: args.target_accuracy.clone(),
        bootstrap: args.bootstrap,
        level: args.level,
    })
}

/// Run `scaling-laws task`.
pub fn run(args: TaskArgs) -> anyhow::Result<()> {
    let request = request(&args)?;
    // The figure's file type and size are checked before the fits, which take a while.
    let size = |tasks: usize| {
        let default = scaling_laws::plot::task_options(tasks).size_in_inches();
        super::plot::figure_size(
            Some(args.width.unwrap_or(default.0)),
            Some(args.height.unwrap_or(default.1)),
        )
    };
    if let Some(path) = &args.plot {
        scaling_laws::plot::ImageFormat::from_path(path).map_err(|e| match e {
            Error::InvalidOption { message, .. } => Error::invalid_option("--plot", message),
            e => e,
        })?;
        size(1)?;
    }
    let report = task_laws(&request)?;
    if let Some(path) = &args.plot {
        let level = (report.bootstrap >= 2).then_some(report.level);
        let opts = size(report.tasks.len())?;
        scaling_laws::plot::task_figure(path, &report.panels, level, &opts)?;
    }
    let mut stdout = super::stdout::lock();
    match args.format {
        Format::Text => scaling_laws::report::task::text(&report, &mut stdout),
        Format::Json => serde_json::to_writer_pretty(&mut stdout, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(stdout)),
    }
    .context("cannot write the report to standard output")?;
    stdout.finish()
}
