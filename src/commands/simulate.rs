//! `simulate`: a synthetic sweep drawn from a known law with noise, for checking a fit's
//! recovery, a design, or the calibration of intervals.

use std::path::PathBuf;

use crate::design::simulate::{
    CHINCHILLA_ISOFLOP_BUDGETS, SimulatedRun, SimulationDesign, simulate as draw,
    simulate_repeated, true_law,
};
use crate::error::Error;
use crate::progress::{Note, Progress};

/// The true law, the design of the sweep, and where it will be written.
#[derive(Debug, Clone)]
pub struct SimulateRequest {
    /// The family of the true law (`--law`; the Chinchilla law when not given).
    pub law: Option<String>,
    /// Its parameters, `NAME=VALUE,...` (`--truth`; published values for those left out).
    pub truth: Option<String>,
    /// Budgets, sizes, span, noise, `k` and seed (its law and budgets are set from `law`,
    /// `truth` and `budgets`).
    pub design: SimulationDesign,
    /// Budgets in FLOPs; none: those of Chinchilla's IsoFLOP sweep.
    pub budgets: Option<Vec<f64>>,
    /// Epochs of each run; empty: every run sees fresh tokens.
    pub epochs: Vec<f64>,
    /// Where the runs will be written: checked before any work.
    pub out: Option<PathBuf>,
}

/// A simulated sweep.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// The design it was drawn with (its seed reproduces it).
    pub design: SimulationDesign,
    /// The runs.
    pub runs: Vec<SimulatedRun>,
    /// Whether the runs repeat data (and have a unique-token count).
    pub repeated: bool,
}

/// One figure of a simulated run.
type Field = fn(&SimulatedRun) -> f64;

impl Simulation {
    /// The columns of the table of runs, as the command line writes them (with `true_loss`
    /// too when `with_truth`): flops_budget, n_params, n_tokens, unique_tokens (with epochs),
    /// flops, loss.
    pub fn columns(&self, with_truth: bool) -> Vec<(&'static str, Vec<f64>)> {
        let mut fields: Vec<(&'static str, Field)> = vec![
            ("flops_budget", |r| r.flops_budget),
            ("n_params", |r| r.n_params),
            ("n_tokens", |r| r.n_tokens),
            ("flops", |r| r.flops),
            ("loss", |r| r.loss),
        ];
        if self.repeated {
            fields.insert(3, ("unique_tokens", |r| r.unique_tokens));
        }
        if with_truth {
            fields.push(("true_loss", |r| r.true_loss));
        }
        fields
            .into_iter()
            .map(|(name, get)| (name, self.runs.iter().map(get).collect()))
            .collect()
    }
}

/// Draw the sweep of `request`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of an invalid law, design or epochs, or an output
/// that would not be writable; as [`crate::design::simulate::simulate`]; [`Error::NotFinite`].
pub fn simulate(request: SimulateRequest, progress: &dyn Progress) -> Result<Simulation, Error> {
    let (law, note) = true_law(request.law.as_deref(), request.truth.as_deref())?;
    if let Some(note) = note {
        progress.note(&Note::Info(note));
    }
    let design = SimulationDesign {
        law,
        budgets: request
            .budgets
            .unwrap_or_else(|| CHINCHILLA_ISOFLOP_BUDGETS.to_vec()),
        ..request.design
    };
    if let Some(path) = &request.out {
        if path.as_os_str() == "-" {
            return Err(Error::invalid_option(
                "--out",
                "-: it stands for standard output, which is not written as a file; leave out \
                 --out to have the runs as CSV on standard output, or name a file",
            ));
        }
        crate::output::check_output("--out", path, &crate::output::Inputs::new())?;
    }
    // Options and memory first: a request that cannot fit is refused for that, not for time.
    crate::design::simulate::validate(&design)?;
    let count = design.budgets.len() as f64
        * design.sizes_per_budget as f64
        * request.epochs.len().max(1) as f64;
    if let Some(note) = crate::resources::check_time(
        "--sizes-per-budget",
        count,
        crate::resources::SECONDS_PER_SIMULATED_RUN,
        "drawing the runs",
    )? {
        progress.note(&note);
    }
    let runs = if request.epochs.is_empty() {
        draw(&design)?
    } else {
        simulate_repeated(&design, &request.epochs)?
    };
    crate::finite::check_finite(&runs, "the simulated runs")?;
    Ok(Simulation {
        design,
        runs,
        repeated: !request.epochs.is_empty(),
    })
}
