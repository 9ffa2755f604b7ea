//! The fit options of the commands that fit (`fit`, `compare`, `select`) as given on the
//! command line, or as keyword arguments from Python: names and specifications as text, turned
//! into a [`FitConfig`] here, so that both front ends check them alike and name the flag in
//! their messages.

use super::frontier::{DEFAULT_FRONTIER, parse_frontier, select_frontier};
use super::objective::DEFAULT_HUBER_DELTA;
use super::starts::{parse_assignments, parse_start};
use super::{FitConfig, ParamSpec, ResidualLoss, SolverOptions, StartGrid, StartSelection, Starts};
use crate::data::Dataset;
use crate::error::Error;
use crate::law::LawRef;
use crate::law::compute::Frontier;
use crate::warnings::Warning;

/// How to fit: objective, constraints and search, as the flags of `scaling-laws fit` give them.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// The law (`--law`).
    pub law: String,
    /// With the compute law, the runs fitted (`--frontier`: all, lowest or envelope).
    pub frontier: Option<String>,
    /// Penalty on residuals (`--loss`): `huber` or `mse`.
    pub loss: String,
    /// Huber threshold (`--delta`).
    pub delta: Option<f64>,
    /// Parameters held fixed (`--fix NAME=VALUE,...`, repeatable).
    pub fix: Vec<String>,
    /// One exponent for both terms (`--tie-exponents`).
    pub tie_exponents: bool,
    /// Starts that get a full L-BFGS run (`--starts`): a positive number or `all`.
    pub starts: Option<String>,
    /// Axes of the start grid replaced (`--grid`).
    pub grid: Option<String>,
    /// Start points instead of the grid (`--start`, repeatable).
    pub start_points: Vec<String>,
    /// Iteration limit of each L-BFGS run (`--max-iters`).
    pub max_iters: u64,
    /// Runs the starts are screened and searched on (`--subsample-rows`; 0: all).
    pub subsample_rows: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            law: "chinchilla".into(),
            frontier: None,
            loss: "huber".into(),
            delta: None,
            fix: Vec::new(),
            tie_exponents: false,
            starts: None,
            grid: None,
            start_points: Vec::new(),
            max_iters: SolverOptions::default().max_iters,
            subsample_rows: super::subsample::DEFAULT_SUBSAMPLE_ROWS,
        }
    }
}

/// The residual penalty named by `--loss` (`huber` or `mse`), with `--delta`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--loss` for another name, or `--delta` with `mse`.
pub fn residual_loss(loss: &str, delta: Option<f64>) -> Result<ResidualLoss, Error> {
    match (loss, delta) {
        ("huber", delta) => Ok(ResidualLoss::Huber {
            delta: delta.unwrap_or(DEFAULT_HUBER_DELTA),
        }),
        ("mse", None) => Ok(ResidualLoss::Squared),
        ("mse", Some(_)) => Err(Error::invalid_option(
            "--delta",
            "applies to --loss huber only",
        )),
        (other, _) => Err(Error::invalid_option(
            "--loss",
            format!("'{other}' is not one of huber, mse"),
        )),
    }
}

/// The starts run in full, from `--starts` (a positive number or `all`; default when None).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--starts` for anything else.
pub fn start_selection(starts: Option<&str>) -> Result<StartSelection, Error> {
    match starts.map(str::trim) {
        None => Ok(StartSelection::default()),
        Some("all") => Ok(StartSelection::All),
        Some(n) => match n.parse::<usize>() {
            Ok(k) if k > 0 => Ok(StartSelection::Best(k)),
            _ => Err(Error::invalid_option(
                "--starts",
                format!("expected a positive number or 'all', got '{n}'"),
            )),
        },
    }
}

/// The solver options with `--max-iters`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--max-iters` for 0.
pub fn solver_options(max_iters: u64) -> Result<SolverOptions, Error> {
    if max_iters == 0 {
        return Err(Error::invalid_option("--max-iters", "must be at least 1"));
    }
    Ok(SolverOptions {
        max_iters,
        ..SolverOptions::default()
    })
}

impl FitOptions {
    /// The runs a law of compute alone is fitted to; `None` for the other laws.
    ///
    /// # Errors
    ///
    /// An unknown law or frontier name, or `--frontier` with a law that is not `compute`.
    pub fn frontier(&self) -> Result<Option<Frontier>, Error> {
        let law = LawRef::named(&self.law)?;
        match (&self.frontier, law.family().name() == "compute") {
            (Some(name), true) => parse_frontier(name).map(Some),
            (None, true) => Ok(Some(DEFAULT_FRONTIER)),
            (Some(_), false) => Err(Error::invalid_option(
                "--frontier",
                format!(
                    "chooses the runs of --law compute; the {} law is fitted to every run",
                    law.family().name()
                ),
            )),
            (None, false) => Ok(None),
        }
    }

    /// The runs of `data` the law is fitted to: those of the compute frontier with the compute
    /// law (with the warning counting the runs left out), all of them otherwise.
    ///
    /// # Errors
    ///
    /// As [`FitOptions::frontier`].
    pub fn fitted_runs(&self, data: Dataset) -> Result<(Dataset, Option<Warning>), Error> {
        Ok(match self.frontier()? {
            Some(f) => select_frontier(&data, f),
            None => (data, None),
        })
    }

    /// The library's fit configuration.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming the flag of an invalid option.
    pub fn config(&self) -> Result<FitConfig, Error> {
        let law = LawRef::named(&self.law)?;
        let loss = residual_loss(&self.loss, self.delta)?;
        let mut params = ParamSpec::free_for(law);
        for item in &self.fix {
            if !item.contains('=') {
                return Err(Error::invalid_option(
                    "--fix",
                    format!("'{item}' is not of the form NAME=VALUE, e.g. alpha=0.34"),
                ));
            }
            for (name, value) in parse_assignments("--fix", item)? {
                params = params.fix(&name, value)?;
            }
        }
        params = params.tie_exponents(self.tie_exponents)?;
        let starts = if self.start_points.is_empty() {
            let grid = match &self.grid {
                Some(spec) => StartGrid::for_law(law).with_spec(spec)?,
                None => StartGrid::for_law(law),
            };
            Starts::Grid(grid)
        } else {
            if self.grid.is_some() {
                return Err(Error::invalid_option(
                    "--start",
                    "give either --start or --grid, not both",
                ));
            }
            Starts::Points(
                self.start_points
                    .iter()
                    .map(|s| parse_start(law, s))
                    .collect::<Result<_, _>>()?,
            )
        };
        let selection = start_selection(self.starts.as_deref())?;
        Ok(FitConfig {
            law,
            loss,
            params,
            starts,
            selection,
            solver: solver_options(self.max_iters)?,
            subsample_rows: self.subsample_rows,
        })
    }
}
