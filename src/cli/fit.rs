//! `scaling-laws fit`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use scaling_laws::Error;
use scaling_laws::check::holdout::HoldoutRule;
use scaling_laws::commands::fit::{FitRequest, fit};
use scaling_laws::fit;
use scaling_laws::fit::StartSelection;
use scaling_laws::fit::frontier::parse_frontier;
use scaling_laws::fit::options::{
    DEFAULT_MAX_ITERS, Delta, FitOptions, parse_assignments, parse_fix, parse_grid,
};
use scaling_laws::law::LawRef;
use scaling_laws::saved::SavedFit;

use super::common::{DataArgs, Reporter, command_line};

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws fit data/simulated_sweep.csv
  scaling-laws fit data/simulated_sweep.csv --out fit.json
  scaling-laws fit data/simulated_sweep.csv --holdout largest-compute 5
  scaling-laws fit data/simulated_sweep.csv --loss mse --format json";

/// Options of `scaling-laws fit`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
pub struct FitArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    options: FitOptionsArgs,
    /// Fit without some runs and report how well the law predicts them, with prediction
    /// intervals: `largest-compute K` (the K runs with the most compute; ties go with them),
    /// `largest-params K`, `rolling-origin` (each compute decade from the decades below), or
    /// `where EXPR` (the runs matching a condition, same syntax as --where).
    #[arg(long, num_args = 1..=2, value_names = ["RULE", "ARG"], help_heading = "Checks")]
    holdout: Vec<String>,
    /// Confidence level of the holdout prediction intervals [default: 0.95].
    #[arg(long, help_heading = "Checks")]
    level: Option<f64>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: FitFormat,
    /// Save the fit with its provenance as JSON, for later commands.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short, help_heading = "Output")]
    quiet: bool,
}

/// How to fit: objective, constraints and search. Shared by the commands that fit.
#[derive(Debug, Args)]
pub struct FitOptionsArgs {
    /// The law to fit: chinchilla (E + A/N^alpha + B/D^beta), or another family (see docs/laws.md).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "chinchilla",
        help_heading = "Objective"
    )]
    law: String,
    /// With --law compute, the runs fitted: `all`, `lowest` (the lowest-loss run of each
    /// compute level, 0.06 decades wide) or `envelope` (the lower convex envelope of loss
    /// against log compute, for runs at scattered budgets). Default `lowest`: L(C) is the best
    /// loss reachable with C, which on an IsoFLOP sweep is the best run of each budget, and with
    /// one run per budget `lowest` keeps every run. The runs left out are counted in a warning.
    #[arg(long, value_name = "all|lowest|envelope", help_heading = "Objective")]
    frontier: Option<String>,
    /// Penalty on residuals of log loss.
    #[arg(long, value_enum, default_value = "huber", help_heading = "Objective")]
    loss: LossKind,
    /// Huber threshold on log-loss residuals (with --loss huber) [default: 1e-3, Hoffmann et
    /// al.'s]. `auto`: 1.345 robust standard deviations of the residuals, found by refitting
    /// (the textbook Huber estimator); in the calibration study its intervals were right under
    /// heavy-tailed noise but too narrow when the law's form was wrong (see docs/calibration.md).
    #[arg(long, value_name = "DELTA|auto", help_heading = "Objective")]
    delta: Option<String>,
    /// Hold parameters fixed, in natural units (chinchilla: A, B, E, alpha or beta), one or a
    /// comma-separated list, e.g. 'E=1.87,A=520.8,B=1487.7,alpha=0.353,beta=0.353'; repeatable.
    #[arg(long, value_name = "NAME=VALUE,...", help_heading = "Objective")]
    fix: Vec<String>,
    /// Fit one exponent for both terms (chinchilla: alpha = beta).
    #[arg(long, help_heading = "Objective")]
    tie_exponents: bool,
    /// How many grid starts get a full L-BFGS run: the N with the lowest objective at the
    /// start, or `all` [default: up to 100, in batches, stopping once 10 runs reach
    /// the same best objective].
    #[arg(long, value_name = "N|all", help_heading = "Search")]
    starts: Option<String>,
    /// Replace axes of the law's start grid, by solver-space name (chinchilla: log-space a, b,
    /// e; alpha, beta), e.g. 'alpha=0,0.5,1;e=-1,0,1'. Chinchilla's default: a,b in
    /// {0,5,...,25}, e in {-1,-0.5,...,1}, alpha,beta in {0,0.5,...,2}.
    #[arg(long, value_name = "SPEC", help_heading = "Search")]
    grid: Option<String>,
    /// Start from this point instead of the grid, every parameter by natural name, e.g.
    /// 'E=1.69,A=406.4,B=410.7,alpha=0.34,beta=0.28'; repeatable.
    #[arg(long = "start", value_name = "POINT", help_heading = "Search")]
    start_points: Vec<String>,
    /// Iteration limit of each L-BFGS run.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MAX_ITERS,
        help_heading = "Search"
    )]
    max_iters: u64,
    /// With more than twice N runs (unless only 8 or fewer given starts are run), screen and
    /// search the starts on a random N of the runs, then refine on all runs the distinct optima
    /// found within a margin of the best; 0 always searches on all runs.
    #[arg(
        long,
        value_name = "N",
        default_value_t = scaling_laws::fit::subsample::DEFAULT_SUBSAMPLE_ROWS,
        help_heading = "Search"
    )]
    subsample_rows: usize,
}

/// The formats of `fit`'s report: it is not a table, so there is no CSV (the commands with
/// tables offer one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FitFormat {
    /// A report for people.
    Text,
    /// JSON for programs.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum LossKind {
    /// Huber loss (Hoffmann et al. 2022).
    Huber,
    /// Least squares.
    Mse,
}

impl From<LossKind> for fit::options::LossKind {
    fn from(kind: LossKind) -> Self {
        match kind {
            LossKind::Huber => fit::options::LossKind::Huber,
            LossKind::Mse => fit::options::LossKind::Mse,
        }
    }
}

impl FitOptionsArgs {
    /// The options as the library takes them, the text of each flag parsed.
    pub fn options(&self) -> Result<FitOptions, Error> {
        Ok(FitOptions {
            law: LawRef::named(&self.law)?,
            delta: self.delta.as_deref().map(Delta::parse).transpose()?,
            fix: self
                .fix
                .iter()
                .map(|item| parse_fix(item))
                .collect::<Result<Vec<_>, _>>()?
                .concat(),
            grid: self.grid.as_deref().map(parse_grid).transpose()?,
            start_points: self
                .start_points
                .iter()
                .map(|s| parse_assignments("--start", s))
                .collect::<Result<_, _>>()?,
            starts: self
                .starts
                .as_deref()
                .map(StartSelection::parse)
                .transpose()?,
            frontier: self.frontier.as_deref().map(parse_frontier).transpose()?,
            loss: self.loss.into(),
            tie_exponents: self.tie_exponents,
            max_iters: self.max_iters,
            subsample_rows: self.subsample_rows,
        })
    }
}

/// Run `scaling-laws fit`.
pub fn run(args: FitArgs) -> anyhow::Result<()> {
    let input = args.data.required_input()?;
    let data = args.data.source(input)?;
    if let Some(out) = &args.out {
        scaling_laws::output::check_output("--out", out, &data.inputs())?;
    }
    let level = args.level.unwrap_or(0.95);
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::invalid_option(
            "--level",
            format!("must lie strictly between 0 and 1, got {level}"),
        )
        .into());
    }
    if args.level.is_some() && args.holdout.is_empty() {
        return Err(Error::invalid_option(
            "--level",
            "sets the prediction intervals of --holdout; give --holdout with it",
        )
        .into());
    }
    let request = FitRequest {
        data,
        options: args.options.options()?,
        holdout: holdout_rule(&args.holdout, &args.data)?.map(|rule| (rule, level)),
        command_line: Some(command_line()),
        out: args.out.clone(),
    };
    let saved = fit(&request, &Reporter::new(args.quiet))?.fit;
    let mut stdout = super::stdout::lock();
    match args.format {
        FitFormat::Text => scaling_laws::report::fit_text(&saved, &mut stdout),
        FitFormat::Json => {
            warn(&saved);
            scaling_laws::report::fit_json(&saved, &mut stdout)
        }
    }
    .context("cannot write the report to standard output")?;
    stdout.finish()?;
    if let Some(out) = &args.out {
        super::note!("saved the fit to {}", out.display());
    }
    Ok(())
}

fn holdout_rule(values: &[String], data: &DataArgs) -> Result<Option<HoldoutRule>, Error> {
    HoldoutRule::parse(values, |expr| {
        let input = data.required_input()?;
        let mut options = data.load_options()?;
        options
            .filter
            .conditions
            .push(scaling_laws::data::Condition::parse(expr, "--holdout")?);
        options.filter.drop_highest_loss = 0;
        let matching = scaling_laws::data::load(input, &options).map_err(|e| {
            let expr = scaling_laws::error::shorten(expr);
            Error::invalid_option("--holdout", format!("where '{expr}': {e}"))
        })?;
        Ok(matching.rows)
    })
}

/// Where a command's fit comes from: `--fit FILE`, or a data file to fit now (not both).
pub fn fit_source(
    fit: Option<&std::path::Path>,
    data: &DataArgs,
    options: &FitOptionsArgs,
) -> Result<scaling_laws::commands::FitSource, Error> {
    match (fit, data.input.as_deref()) {
        (Some(_), Some(_)) => Err(Error::invalid_option(
            "--fit",
            "give either a data file or --fit, not both",
        )),
        (None, None) => Err(Error::invalid_option(
            "FILE",
            "give a table of runs to fit, or --fit with a saved fit",
        )),
        (Some(path), None) => Ok(scaling_laws::commands::FitSource::Saved(path.to_owned())),
        (None, Some(input)) => Ok(scaling_laws::commands::FitSource::Data {
            data: data.source(input)?,
            options: options.options()?,
            command_line: Some(command_line()),
        }),
    }
}

/// Print a fit's warnings on stderr.
fn warn(saved: &SavedFit) {
    for w in &saved.report.diagnostics.warnings {
        super::note!("warning: {}", w.line());
    }
}
