//! The options of `scaling-laws fit` as plain values, and their checks: one code path from the
//! command line's flags and from the Python binding's keyword arguments to a [`FitConfig`].
//!
//! Errors name the option by its flag (`--delta`, `--fix`, ...); the Python binding's keyword
//! is the flag without dashes, with `-` as `_`.

use crate::data::Dataset;
use crate::error::Error;
use crate::fit::frontier::{DEFAULT_FRONTIER, select_frontier};
use crate::fit::objective::DEFAULT_HUBER_DELTA;
use crate::fit::starts::{StartGrid, Starts, start_point};
pub use crate::fit::starts::{parse_assignments, parse_grid};
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
    /// A threshold of `delta` on log-loss residuals.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--delta` unless it is positive and finite.
    pub fn fixed(delta: f64) -> Result<Self, Error> {
        if delta.is_finite() && delta > 0.0 {
            Ok(Delta::Fixed(delta))
        } else {
            Err(Error::invalid_option(
                "--delta",
                format!("expected a positive number or 'auto', got '{delta:?}'"),
            ))
        }
    }

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

/// The residual loss of `--loss kind` with `--delta delta`, and the multiple of the residuals'
/// spread that sets the threshold with `--delta auto` ([`FitConfig::huber_scale`]).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--delta` when a threshold is given with least squares.
pub fn residual_loss(
    kind: LossKind,
    delta: Option<Delta>,
) -> Result<(ResidualLoss, Option<f64>), Error> {
    match (kind, delta) {
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

impl StartSelection {
    /// The starts named as `--starts` takes them: a positive number or `all`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--starts` for anything else.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text.trim() {
            "all" => Ok(StartSelection::All),
            n => match n.parse::<usize>() {
                Ok(k) if k > 0 => Ok(StartSelection::Best(k)),
                _ => Err(Error::invalid_option(
                    "--starts",
                    format!("expected a positive number or 'all', got '{n}'"),
                )),
            },
        }
    }

    /// The `k` best starts.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--starts` unless `k` is positive.
    pub fn best(k: i64) -> Result<Self, Error> {
        match usize::try_from(k) {
            Ok(k) if k > 0 => Ok(StartSelection::Best(k)),
            _ => Err(Error::invalid_option(
                "--starts",
                format!("expected a positive number or 'all', got '{k}'"),
            )),
        }
    }
}

/// Parameters held fixed as `--fix` gives them: `NAME=VALUE[,NAME=VALUE...]`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--fix` for text that is not of that form.
pub fn parse_fix(text: &str) -> Result<Vec<(String, f64)>, Error> {
    if !text.contains('=') {
        return Err(Error::invalid_option(
            "--fix",
            format!("'{text}' is not of the form NAME=VALUE, e.g. alpha=0.34"),
        ));
    }
    parse_assignments("--fix", text)
}

/// How to fit, as the options of `scaling-laws fit` give it (see its `--help`), as typed
/// values: the front ends parse what the user typed with [`LawRef::named`], [`Delta::parse`],
/// [`parse_fix`], [`parse_grid`], [`parse_assignments`] and [`StartSelection::parse`]; the
/// checks that need the law are made by [`FitOptions::config`].
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// The law (`--law`).
    pub law: LawRef,
    /// With the law of compute, the runs fitted (`--frontier`; lowest when not given).
    pub frontier: Option<Frontier>,
    /// Penalty on log-loss residuals (`--loss`).
    pub loss: LossKind,
    /// Huber threshold (`--delta`).
    pub delta: Option<Delta>,
    /// Parameters held fixed, in natural units (`--fix`).
    pub fix: Vec<(String, f64)>,
    /// One exponent for both terms (`--tie-exponents`).
    pub tie_exponents: bool,
    /// Starts that get a full L-BFGS run (`--starts`).
    pub starts: Option<StartSelection>,
    /// Axes of the start grid replaced, by solver-space name (`--grid`).
    pub grid: Option<Vec<(String, Vec<f64>)>>,
    /// Starting points instead of the grid, every parameter by natural name (`--start`).
    pub start_points: Vec<Vec<(String, f64)>>,
    /// Iteration limit of each L-BFGS run (`--max-iters`).
    pub max_iters: u64,
    /// Runs the starts are searched on (`--subsample-rows`; 0: all).
    pub subsample_rows: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            law: LawRef::chinchilla(),
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
    /// `--frontier` with a law that is not of compute alone.
    pub fn frontier(&self) -> Result<Option<Frontier>, Error> {
        let law = self.law;
        // A law of compute alone (no allocation) is fitted to the best runs of each compute.
        match (self.frontier, !law.family().has_allocation()) {
            (Some(f), true) => Ok(Some(f)),
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
        let law = self.law;
        let (loss, huber_scale) = residual_loss(self.loss, self.delta)?;
        let mut params = ParamSpec::free_for(law);
        for (name, value) in &self.fix {
            params = params.fix(name, *value)?;
        }
        params = params.tie_exponents(self.tie_exponents)?;
        let starts = if self.start_points.is_empty() {
            let grid = match &self.grid {
                Some(axes) => StartGrid::for_law(law).with_axes(axes)?,
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
                    .map(|pairs| start_point(law, pairs))
                    .collect::<Result<_, _>>()?,
            )
        };
        if self.max_iters == 0 {
            return Err(Error::invalid_option("--max-iters", "must be at least 1"));
        }
        Ok(FitConfig {
            law,
            loss,
            params,
            starts,
            selection: self.starts.unwrap_or_default(),
            // `--starts N` runs all N; the default search stops once the best is reproduced.
            stop_when_reached: self
                .starts
                .is_none()
                .then_some(super::DEFAULT_STOP_WHEN_REACHED),
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
            delta: Some(Delta::Fixed(0.1)),
            ..FitOptions::default()
        };
        assert_eq!(flag(mse), "--delta");
        assert!(StartSelection::parse("0").is_err() && StartSelection::best(-1).is_err());
        assert_eq!(StartSelection::parse(" all ").unwrap(), StartSelection::All);
        assert!(Delta::fixed(-1.0).is_err() && Delta::fixed(f64::NAN).is_err());
        assert_eq!(
            parse_fix("E=1.7,alpha=0.3").unwrap(),
            vec![("E".to_string(), 1.7), ("alpha".to_string(), 0.3)]
        );
        assert!(parse_fix("1.7").is_err());
        let iters = FitOptions {
            max_iters: 0,
            ..FitOptions::default()
        };
        assert_eq!(flag(iters), "--max-iters");
        assert!(LossKind::parse("l1").is_err());
    }
}
