//! Command-line interface: one file per subcommand.

mod common;
mod compare;
mod completions;
mod curve;
mod data;
mod data_limit;
mod decision;
mod design;
mod envelope;
mod fit;
mod hardware;
mod inference;
mod isoflop;
mod optimal;
mod plan;
mod plot;
mod select;
mod simulate;
pub mod stdout;
mod suggest;
mod task;

pub(crate) use stdout::note;

use clap::{Parser, Subcommand};

/// Shown after `--help`: where a newcomer starts. `tests/integration/help.rs` runs every one.
const START_HERE: &str = "\
Examples (start here: fit a sweep, ask for a budget, draw the answer):
  scaling-laws fit data/simulated_sweep.csv --out fit.json
  scaling-laws optimal --fit fit.json --budget 1e23 --bootstrap 200 --out fit-boot.json
  scaling-laws plot optimal --fit fit-boot.json --out optimal.png

Each command's --help ends with examples; the guides are README.md and docs/ in the repository.";

/// Fit neural scaling laws to sweeps of training runs.
#[derive(Debug, Parser)]
#[command(name = "scaling-laws", version, about, long_about = None)]
#[command(after_help = START_HERE)]
pub struct Cli {
    /// Worker threads for parallel work (default: one per core). Results do not depend on it.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
// Listed by `--help` in this order, the order of the work: fit, ask, draw and check; the other
// approaches; plan and design runs; data and tools.
enum Command {
    /// Fit a law to a table of runs: L(N, D) = E + A/N^alpha + B/D^beta (Chinchilla Approach 3)
    /// by default, another family with --law.
    Fit(Box<fit::FitArgs>),
    /// Compute-optimal model size and tokens for compute budgets, and the inverse questions,
    /// with bootstrap intervals.
    Optimal(Box<optimal::OptimalArgs>),
    /// Draw a figure of a fit (PNG or SVG): contours, isoflop, optimal, residuals, bootstrap, all.
    Plot(Box<plot::PlotArgs>),
    /// Which law extrapolates best: fit every law, hold out the largest runs, compare held-out
    /// errors, coverage and the exponent a side by side, and name the best or say cannot tell.
    Select(Box<select::SelectArgs>),
    /// IsoFLOP profiles (Approach 2): a parabola per budget, then N* and D* against compute.
    Isoflop(Box<isoflop::IsoflopArgs>),
    /// Training-curve envelope (Approach 1): which run is best at each compute, and N*, D* against C.
    Envelope(Box<envelope::EnvelopeArgs>),
    /// Approaches 1, 2 and 3 side by side: a, b and N* with intervals, and whether they agree.
    Compare(Box<compare::CompareArgs>),
    /// Training curves: fit a schedule-aware law to every checkpoint of some runs (curve fit),
    /// predict the loss under another schedule or horizon (curve predict).
    Curve(curve::CurveCommand),
    /// Benchmark accuracy from N and D, chained through the task loss (Bhagia et al. 2024),
    /// per task, with intervals and a verdict on whether each task is predictable.
    Task(Box<task::TaskArgs>),
    /// What training a model takes: FLOPs, memory by precision, per-GPU memory under DDP and
    /// ZeRO/FSDP, and time on given hardware.
    Plan(Box<plan::PlanArgs>),
    /// Plan an IsoFLOP sweep: sizes per budget around N* of a fit (or 20 tokens per parameter),
    /// tokens, shapes and GPU time of each run; a CSV ready to launch.
    Design(Box<design::DesignArgs>),
    /// Which new runs (N, D), inside the fitted ranges, would most narrow the bootstrap interval
    /// of N*(C) (or L*(C)) per FLOP, for a saved fit; a CSV ready to launch.
    Suggest(Box<suggest::SuggestArgs>),
    /// Write a synthetic IsoFLOP sweep drawn from a known law with seeded noise.
    Simulate(simulate::SimulateArgs),
    /// Published datasets: fetch them into the cache (verified by SHA-256), list them.
    Data(data::DataCommand),
    /// Fit the published Chinchilla data as the Epoch AI replication did (the Chinchilla law
    /// only) and write every figure and a summary into a folder.
    Chinchilla(Box<plot::ChinchillaArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to standard output.
    Completions(completions::CompletionsArgs),
}

/// Run the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(thread_count(n)?)
            .build_global()?;
    }
    match cli.command {
        Command::Chinchilla(args) => plot::run_chinchilla(*args),
        Command::Compare(args) => compare::run(*args),
        Command::Completions(args) => completions::run(args),
        Command::Curve(args) => curve::run(args),
        Command::Task(args) => task::run(*args),
        Command::Data(args) => data::run(args),
        Command::Design(args) => design::run(*args),
        Command::Envelope(args) => envelope::run(*args),
        Command::Fit(args) => fit::run(*args),
        Command::Isoflop(args) => isoflop::run(*args),
        Command::Optimal(args) => optimal::run(*args),
        Command::Suggest(args) => suggest::run(*args),
        Command::Plan(args) => plan::run(*args),
        Command::Plot(args) => plot::run(*args),
        Command::Select(args) => select::run(*args),
        Command::Simulate(args) => simulate::run(args),
    }
}

/// The worker count for `--threads n` (see [`scaling_laws::resources::thread_count`]), with
/// its note printed.
fn thread_count(n: usize) -> Result<usize, scaling_laws::Error> {
    let (count, note) = scaling_laws::resources::thread_count(n)?;
    if let Some(note) = note {
        stdout::note!("note: {note}");
    }
    Ok(count)
}

/// Exit status for an error: 2 for bad input or usage, 1 for failures of the computation.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    match err
        .chain()
        .find_map(|e| e.downcast_ref::<scaling_laws::Error>())
    {
        Some(e) if e.is_bad_input() => 2,
        _ => 1,
    }
}

/// Show what clap has to say (help, version, or a usage error) and return the exit status:
/// help and version go to standard output through [`stdout`] like any result, so a closed pipe
/// is quiet and a full standard output is an error (exit 1); usage errors go to standard error
/// with exit 2, each value they echo cut when long.
pub fn clap_message(mut err: clap::Error) -> u8 {
    use std::io::IsTerminal;
    use std::io::Write as _;
    shorten_values(&mut err);
    if err.use_stderr() || std::io::stdout().is_terminal() {
        // clap colours for terminals; on a terminal a failed write has nowhere to go anyway.
        let _ = err.print();
        return u8::try_from(err.exit_code()).unwrap_or(2);
    }
    let mut out = stdout::lock();
    let written = write!(out, "{}", err.render())
        .map_err(stdout::failed)
        .and_then(|()| out.finish());
    match written {
        Ok(()) => 0,
        Err(e) if is_broken_pipe(&e) => 0,
        Err(e) => {
            note!("error: {e:#}");
            1
        }
    }
}

/// Cut the long values a usage error echoes (an unknown argument, an invalid value), so that
/// its message stays a few lines long.
fn shorten_values(err: &mut clap::Error) {
    use clap::builder::StyledStr;
    use clap::error::ContextValue;
    use scaling_laws::error::{QUOTE_CHARS, shorten};
    let cut = |s: &str| (s.chars().count() > QUOTE_CHARS).then(|| shorten(s));
    let styled = |s: &StyledStr| cut(&s.to_string()).map(StyledStr::from);
    let long: Vec<_> = err
        .context()
        .filter_map(|(kind, value)| {
            let short = match value {
                ContextValue::String(s) => ContextValue::String(cut(s)?),
                ContextValue::Strings(v) if v.iter().any(|s| cut(s).is_some()) => {
                    ContextValue::Strings(v.iter().map(|s| cut(s).unwrap_or(s.clone())).collect())
                }
                ContextValue::StyledStr(s) => ContextValue::StyledStr(styled(s)?),
                ContextValue::StyledStrs(v) if v.iter().any(|s| styled(s).is_some()) => {
                    ContextValue::StyledStrs(
                        v.iter().map(|s| styled(s).unwrap_or(s.clone())).collect(),
                    )
                }
                _ => return None,
            };
            Some((kind, short))
        })
        .collect();
    for (kind, short) in long {
        err.insert(kind, short);
    }
}

/// A closed pipe on stdout (e.g. `| head`) is not an error.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    stdout::is_closed(err)
}
