//! The options of `scaling-laws fit` as plain values, and their checks: one code path from the
//! command line's flags and from the Python binding's keyword arguments to a [`FitConfig`].
//!
//! Errors name the option by its flag (`--delta`, `--fix`, ...); the Python binding's keyword
//! is the flag without dashes, with `-` as `_`.

use crate::data::Dataset;
use crate::error::Error;
use crate::fit::frontier::{DEFAULT_FRONTIER, parse_frontier, select_frontier};
use crate::fit::objective::DEFAULT_HUBER_DELTA;
use crate::fit::starts::{StartGrid, Starts, parse_assignments, parse_start};
use crate::fit::{FitConfig, ParamSpec, ResidualLoss, SolverOptions, StartSelection};
use crate::law::LawRef;
use crate::law::compute::Frontier;
use crate::warnings::Warning;

/// Iteration limit of each L-BFGS run when not given.
pub const DEFAULT_MAX_ITERS: u64 = 1000;

/// The penalty on log-loss residuals, by name (`--loss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LossKind {
    /// Huber loss (Hoffmann et al. 2022).
    #[default]
    Huber,
    /// Least squares.
    Mse,
}

impl LossKind {
    /// The names, as `--loss` takes them.
    pub const NAMES: [&'static str; 2] = ["huber", "mse"];

    /// The kind named `name` (`huber` or `mse`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--loss` for any other name.
    pub fn parse(name: &str) -> Result<Self, Error> {
        match name {
            "huber" => Ok(LossKind::Huber),
            "mse" => Ok(LossKind::Mse),
            other => Err(Error::invalid_option(
                "--loss",
                format!("'{other}' is not one of {}", Self::NAMES.join(", ")),
            )),
        }
    }
}

/// The Huber threshold as `--delta` gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delta {
    /// A threshold on log-loss residuals.
    Fixed(f64),
    /// [`HUBER_TUNING`](crate::fit::HUBER_TUNING) robust standard deviations of the residuals,
    /// found by refitting (see [`FitConfig::huber_scale`]).
    Auto,
}

impl Delta {
    /// `auto` or a positive number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--delta` for anything else.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        if text == "auto" {
            return Ok(Delta::Auto);
        }
        match text.parse::<f64>() {
            Ok(d) if d.is_finite() && d > 0.0 => Ok(Delta::Fixed(d)),
            _ => Err(Error::invalid_option(
                "--delta",
                format!("expected a positive number or 'auto', got '{text}'"),
            )),
        }
    }
}

/// The residual loss of `--loss kind` with `--delta delta` (a number or `auto`, as
/// [`Delta::parse`] reads it), and the multiple of the residuals' spread that sets the threshold
/// with `--delta auto` ([`FitConfig::huber_scale`]).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--delta` when it is neither a positive number nor `auto`, or
/// when a threshold is given with least squares.
pub fn residual_loss(
    kind: LossKind,
    delta: Option<&str>,
) -> Result<(ResidualLoss, Option<f64>), Error> {
    match (kind, delta.map(Delta::parse).transpose()?) {
        (LossKind::Huber, Some(Delta::Auto)) => {
            Ok((ResidualLoss::default(), Some(crate::fit::HUBER_TUNING)))
        }
        (LossKind::Huber, Some(Delta::Fixed(delta))) => Ok((ResidualLoss::Huber { delta }, None)),
        (LossKind::Huber, None) => Ok((
            ResidualLoss::Huber {
                delta: DEFAULT_HUBER_DELTA,
            },
            None,
        )),
        (LossKind::Mse, None) => Ok((ResidualLoss::Squared, None)),
        (LossKind::Mse, Some(_)) => Err(Error::invalid_option(
            "--delta",
            "applies to --loss huber only",
        )),
    }
}

/// Which grid starts get a full run (`--starts N|all`), [`StartSelection::default`] when not
/// given.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--starts` for anything but a positive number or `all`.
pub fn parse_starts(starts: Option<&str>) -> Result<StartSelection, Error> {
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

/// How to fit, as the options of `scaling-laws fit` give it (see its `--help`).
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// The law's name (`--law`).
    pub law: String,
    /// With the law of compute, the runs fitted: `all`, `lowest` or `envelope` (`--frontier`).
    pub frontier: Option<String>,
    /// Penalty on log-loss residuals (`--loss`).
    pub loss: LossKind,
    /// Huber threshold (`--delta`): a positive number or `auto` ([`Delta::parse`]).
    pub delta: Option<String>,
    /// Fixed parameters, `NAME=VALUE[,NAME=VALUE...]` each (`--fix`).
    pub fix: Vec<String>,
    /// One exponent for both terms (`--tie-exponents`).
    pub tie_exponents: bool,
    /// `N` or `all` (`--starts`).
    pub starts: Option<String>,
    /// Axes of the start grid replaced (`--grid`).
    pub grid: Option<String>,
    /// Starting points instead of the grid (`--start`).
    pub start_points: Vec<String>,
    /// Iteration limit of each L-BFGS run (`--max-iters`).
    pub max_iters: u64,
    /// Runs the starts are searched on (`--subsample-rows`; 0: all).
    pub subsample_rows: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            law: "chinchilla".to_string(),
            frontier: None,
            loss: LossKind::Huber,
            delta: None,
            fix: Vec::new(),
            tie_exponents: false,
            starts: None,
            grid: None,
            start_points: Vec::new(),
            max_iters: DEFAULT_MAX_ITERS,
            subsample_rows: crate::fit::subsample::DEFAULT_SUBSAMPLE_ROWS,
        }
    }
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

    /// The runs of `data` that are fitted: all of them, or with the law of compute those of
    /// the frontier, with the warning counting the runs left out.
    ///
    /// # Errors
    ///
    /// As [`FitOptions::frontier`].
    pub fn select(&self, data: Dataset) -> Result<(Dataset, Option<Warning>), Error> {
        Ok(match self.frontier()? {
            Some(f) => select_frontier(&data, f),
            None => (data, None),
        })
    }

    /// The library's fit configuration.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming the flag of an invalid or contradictory option.
    pub fn config(&self) -> Result<FitConfig, Error> {
        let law = LawRef::named(&self.law)?;
        let (loss, huber_scale) = residual_loss(self.loss, self.delta.as_deref())?;
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
        let selection = parse_starts(self.starts.as_deref())?;
        if self.max_iters == 0 {
            return Err(Error::invalid_option("--max-iters", "must be at least 1"));
        }
        Ok(FitConfig {
            law,
            loss,
            params,
            starts,
            selection,
            solver: SolverOptions {
                max_iters: self.max_iters,
                ..SolverOptions::default()
            },
            subsample_rows: self.subsample_rows,
            huber_scale,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_give_the_default_configuration() {
        assert_eq!(
            FitOptions::default().config().unwrap(),
            FitConfig::default()
        );
    }

    #[test]
    fn errors_name_the_flag() {
        let flag = |o: FitOptions| match o.config() {
            Err(Error::InvalidOption { flag, .. }) => flag,
            other => panic!("{other:?}"),
        };
        let mse = FitOptions {
            loss: LossKind::Mse,
            delta: Some("0.1".into()),
            ..FitOptions::default()
        };
        assert_eq!(flag(mse), "--delta");
        let starts = FitOptions {
            starts: Some("0".into()),
            ..FitOptions::default()
        };
        assert_eq!(flag(starts), "--starts");
        let iters = FitOptions {
            max_iters: 0,
            ..FitOptions::default()
        };
        assert_eq!(flag(iters), "--max-iters");
        assert!(LossKind::parse("l1").is_err());
    }
}
