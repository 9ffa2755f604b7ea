//! Functional forms of scaling laws: the [`Family`] trait and the families that implement it.
//!
//! A law maps the inputs of a run (model size `N`, training tokens `D`, and for some families
//! unique tokens `U` or compute `C`) to a predicted loss. The fitter works with the *logarithm*
//! of the prediction and a parameter vector `theta` in *solver space*, on which the
//! log-prediction is smooth: positive coefficients enter as their logarithm
//! ([`Transform::Log`]), exponents as they are ([`Transform::Identity`]). Every family exposes
//! its parameters, its inputs, its log-prediction with gradient, its default start grid and,
//! where one exists, a closed-form compute-optimal allocation.
//!
//! Adding a family is one new file implementing [`Family`], plus its line in [`families`].

pub mod chinchilla;
pub mod compute;
pub mod data_constrained;
pub mod kaplan;
#[cfg(test)]
pub(crate) mod least_squares;
mod reference;
#[cfg(test)]
pub(crate) mod test_families;
mod values;

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::finite::compact;

pub use chinchilla::{ChinchillaLaw, PARAM_NAMES, Theta};
pub use compute::ComputeLaw;
pub use data_constrained::DataConstrainedLaw;
pub use kaplan::KaplanLaw;
pub use reference::LawRef;
pub use values::{Law, ParamValues, natural_names};

/// Default FLOPs per parameter per token: `C = 6·N·D` (forward 2, backward 4).
pub const DEFAULT_FLOPS_PER_PARAM_TOKEN: f64 = 6.0;

/// A quantity a law reads from each run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// Model size `N`, parameters.
    Params,
    /// Training tokens `D` (including repeated tokens).
    Tokens,
    /// Unique tokens `U` the training data was drawn from (`D / U` epochs).
    UniqueTokens,
    /// Training compute `C`, FLOPs.
    Compute,
}

impl Input {
    /// Name used in messages and column detection: `N`, `D`, `U`, `C`.
    pub fn symbol(self) -> &'static str {
        match self {
            Input::Params => "N",
            Input::Tokens => "D",
            Input::UniqueTokens => "U",
            Input::Compute => "C",
        }
    }
}

/// How a solver-space parameter maps to its natural value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// `natural = exp(theta)`: a positive coefficient.
    Log,
    /// `natural = theta`: an exponent or another quantity of either sign.
    Identity,
}

/// One parameter of a family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// Solver-space name, e.g. `a` (= log A) or `alpha`; used by `--grid`.
    pub name: &'static str,
    /// Natural name, e.g. `A` or `alpha`; used by `--fix`, `--start`, `--truth` and reports.
    pub natural: &'static str,
    /// How `theta` maps to the natural value.
    pub transform: Transform,
    /// Closed interval of allowed solver-space values: the domain checked by `--fix`, `--grid`,
    /// `--start` and `--truth`.
    pub bounds: (f64, f64),
    /// Whether the value 0 (natural) is refused even inside `bounds` (an exponent of 0 leaves no
    /// compute-optimal allocation).
    pub nonzero: bool,
    /// Default start-grid axis, in solver space.
    pub grid: &'static [f64],
    /// One line saying what the parameter is.
    pub doc: &'static str,
}

impl Param {
    /// Check a solver-space value of this parameter against its bounds; the one check behind `--fix`,
    /// `--grid`, `--start` and `--truth`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `flag`: a value that is not finite or lies outside
    /// [`Param::bounds`].
    pub fn check_solver(&self, flag: &str, value: f64) -> Result<(), Error> {
        let param = self;
        let (lo, hi) = param.bounds;
        if value.is_finite() && (lo..=hi).contains(&value) {
            return Ok(());
        }
        let name = param.name;
        let message = match param.transform {
            Transform::Log => format!(
                "{name} = {} is out of range: {name} is log {} and must lie in [{}, {}] ({} from \
                 about {:.0e} to {:.0e})",
                compact(value),
                param.natural,
                compact(lo),
                compact(hi),
                param.natural,
                lo.exp(),
                hi.exp()
            ),
            Transform::Identity => format!(
                "{name} = {} is out of range: {name} ({}) must lie in [{}, {}]",
                compact(value),
                param.doc,
                compact(lo),
                compact(hi)
            ),
        };
        Err(Error::invalid_option(flag, message))
    }

    /// Solver-space value of this parameter from a natural value (positive for a log-transformed
    /// parameter), checked by [`Param::check_solver`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `flag` for a value outside the domain.
    pub fn solver_from_natural(&self, flag: &str, value: f64) -> Result<f64, Error> {
        let param = self;
        let name = param.natural;
        match param.transform {
            Transform::Log => {
                if !(value.is_finite() && value > 0.0) {
                    return Err(Error::invalid_option(
                        flag,
                        format!("{name} must be a positive number, got {value}"),
                    ));
                }
                let log = value.ln();
                param.check_solver(flag, log).map_err(|_| {
                    Error::invalid_option(
                        flag,
                        format!(
                            "{name} = {} is out of range: it must lie between about {:.0e} and {:.0e}",
                            compact(value),
                            param.bounds.0.exp(),
                            param.bounds.1.exp()
                        ),
                    )
                })?;
                Ok(log)
            }
            Transform::Identity => {
                param.check_solver(flag, value)?;
                Ok(value)
            }
        }
    }

    /// Natural value of a solver-space value.
    pub fn natural_value(&self, theta: f64) -> f64 {
        match self.transform {
            Transform::Log => theta.exp(),
            Transform::Identity => theta,
        }
    }

    /// Solver-space value of a natural value (`None` when a log-transformed value is not
    /// positive).
    pub fn solver_value(&self, natural: f64) -> Option<f64> {
        match self.transform {
            Transform::Log if natural > 0.0 => Some(natural.ln()),
            Transform::Log => None,
            Transform::Identity => Some(natural),
        }
    }
}

/// The inputs of one run, as natural logarithms. An input the data does not have is NaN; a
/// family is only given rows that carry every input it lists in [`Family::inputs`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// `ln N`.
    pub log_n: f64,
    /// `ln D`.
    pub log_d: f64,
    /// `ln U` (unique tokens), NaN when absent.
    pub log_u: f64,
    /// `ln C` (compute, FLOPs), NaN when absent.
    pub log_c: f64,
}

impl Row {
    /// A row with `N` and `D` only; `C = k·N·D` with `k` FLOPs per parameter per token.
    pub fn new(n_params: f64, n_tokens: f64, k: f64) -> Self {
        let (log_n, log_d) = (n_params.ln(), n_tokens.ln());
        Row {
            log_n,
            log_d,
            log_u: f64::NAN,
            log_c: k.ln() + log_n + log_d,
        }
    }

    /// A row of a run with `N`, `D`, compute `C` and, when known, unique tokens `U`.
    pub fn of_run(n_params: f64, n_tokens: f64, compute: f64, unique_tokens: Option<f64>) -> Self {
        Row {
            log_n: n_params.ln(),
            log_d: n_tokens.ln(),
            log_u: unique_tokens.map_or(f64::NAN, f64::ln),
            log_c: compute.ln(),
        }
    }

    /// The same row with unique tokens `U`.
    pub fn with_unique_tokens(mut self, unique_tokens: f64) -> Self {
        self.log_u = unique_tokens.ln();
        self
    }

    /// The row as `family` reads it: a family that needs unique tokens, given a row without
    /// them, takes every token as fresh (`U = D`).
    pub fn for_family(self, family: &dyn Family) -> Self {
        if self.log_u.is_nan() && family.inputs().contains(&Input::UniqueTokens) {
            Row {
                log_u: self.log_d,
                ..self
            }
        } else {
            self
        }
    }
}

/// How a law treats data seen more than once (`optimal --unique-tokens`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatedData {
    /// It fits the decay of repeated data (the data-constrained law of Muennighoff et al.).
    Fitted,
    /// Every token counts as fresh, but its parameters are the leading parameters of the
    /// data-constrained law, whose published decay can be appended (the Chinchilla law).
    PublishedDecay,
    /// Every token counts as fresh and no decay applies.
    Unmodelled,
}

/// A functional form of a scaling law.
///
/// `theta` is always a slice of length `self.params().len()`, in solver space.
pub trait Family: Send + Sync + Debug {
    /// Name used by `--law` and in saved fits, e.g. `chinchilla`.
    fn name(&self) -> &'static str;

    /// The formula in one line of plain text.
    fn formula(&self) -> &'static str;

    /// Where the form comes from.
    fn citation(&self) -> &'static str;

    /// The parameters, in solver order.
    fn params(&self) -> &'static [Param];

    /// The inputs each run must carry.
    fn inputs(&self) -> &'static [Input];

    /// Pairs of parameter indices that `--tie-exponents` sets equal (the second follows the
    /// first). Empty when the family has nothing to tie.
    fn ties(&self) -> &'static [(usize, usize)] {
        &[]
    }

    /// `ln L` at `theta` for one row.
    fn log_prediction(&self, theta: &[f64], row: &Row) -> f64;

    /// `ln L` at `theta` for one row, writing `d ln L / d theta` into `grad` (same length as
    /// `theta`).
    fn log_prediction_with_gradient(&self, theta: &[f64], row: &Row, grad: &mut [f64]) -> f64;

    /// Closed-form compute-optimal allocation `(N*, D*)` minimising the loss subject to
    /// `C = k·N·D`, when the family has one (with unique data: every token fresh). `None` makes
    /// callers minimise numerically.
    fn closed_form_allocation(&self, _theta: &[f64], _compute: f64, _k: f64) -> Option<(f64, f64)> {
        None
    }

    /// Exponent `a` of `N* ∝ C^a` when it is constant, e.g. `beta / (alpha + beta)` for
    /// Chinchilla. `None` when the allocation is not a power law of compute or not defined.
    fn params_exponent(&self, _theta: &[f64]) -> Option<f64> {
        None
    }

    /// Whether the loss depends on how compute is split between `N` and `D`; `false` for a law
    /// of compute alone, which has no allocation.
    fn has_allocation(&self) -> bool {
        true
    }

    /// How the law treats repeated data, for allocations under a limit of unique tokens.
    fn repeated_data(&self) -> RepeatedData {
        RepeatedData::Unmodelled
    }

    /// Published natural values of the parameters (solver order) and where they come from:
    /// the default truth of `simulate --law NAME`. `None` when the family has none.
    fn published(&self) -> Option<(&'static str, &'static [f64])> {
        None
    }

    /// Parameter indices in the order reports and saved fits list them (the order of the
    /// formula as usually written); solver order by default.
    fn display_order(&self) -> Vec<usize> {
        (0..self.params().len()).collect()
    }
}

/// Every family, in the order `select` and the documentation list them.
pub fn families() -> &'static [&'static dyn Family] {
    &[
        &chinchilla::Chinchilla,
        &kaplan::Kaplan,
        &data_constrained::DataConstrained,
        &compute::ComputeOnly,
    ]
}

/// The family named `name` (as given to `--law`).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--law` and listing the known families.
pub fn family(name: &str) -> Result<&'static dyn Family, Error> {
    families()
        .iter()
        .copied()
        .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            let known: Vec<&str> = families().iter().map(|f| f.name()).collect();
            Error::invalid_option(
                "--law",
                format!("unknown law '{name}'; use one of {}", known.join(", ")),
            )
        })
}

/// The index of the parameter with natural name `name` in `family` (case-insensitive for
/// names longer than one letter, so `Alpha` works but `a` never means `A`).
pub fn natural_index(family: &dyn Family, name: &str) -> Option<usize> {
    let params = family.params();
    params.iter().position(|p| p.natural == name).or_else(|| {
        params
            .iter()
            .position(|p| p.natural.len() > 1 && p.natural.eq_ignore_ascii_case(name))
    })
}

/// The index of the parameter with solver-space name `name` in `family`.
pub fn solver_index(family: &dyn Family, name: &str) -> Option<usize> {
    family.params().iter().position(|p| p.name == name)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Checks every family must pass.
    use super::*;

    /// Central differences of `log_prediction` against `log_prediction_with_gradient`.
    pub fn check_gradient(family: &dyn Family, theta: &[f64], row: &Row) {
        let mut grad = vec![0.0; theta.len()];
        let value = family.log_prediction_with_gradient(theta, row, &mut grad);
        let plain = family.log_prediction(theta, row);
        assert!(
            (value - plain).abs() <= 1e-12 * plain.abs().max(1.0),
            "{}: value {value} vs {plain}",
            family.name()
        );
        for k in 0..theta.len() {
            let h = 1e-6 * theta[k].abs().max(1.0);
            let mut up = theta.to_vec();
            let mut down = theta.to_vec();
            up[k] += h;
            down[k] -= h;
            let fd =
                (family.log_prediction(&up, row) - family.log_prediction(&down, row)) / (2.0 * h);
            assert!(
                (fd - grad[k]).abs() <= 1e-6 * fd.abs().max(1e-3),
                "{}: d/d{} = {} analytic, {fd} numeric",
                family.name(),
                family.params()[k].name,
                grad[k]
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_found_by_name_and_unknown_names_list_them() {
        assert_eq!(family("Chinchilla").unwrap().name(), "chinchilla");
        for name in ["kaplan", "data-constrained", "compute"] {
            assert_eq!(family(name).unwrap().name(), name);
        }
        let err = family("gpt").unwrap_err().to_string();
        assert!(err.contains("--law") && err.contains("chinchilla"), "{err}");
    }

    #[test]
    fn every_family_has_consistent_parameters() {
        for f in families() {
            let params = f.params();
            assert!(!params.is_empty(), "{}", f.name());
            for p in params {
                assert!(p.bounds.0 < p.bounds.1, "{} {}", f.name(), p.name);
                assert!(!p.grid.is_empty(), "{} {}", f.name(), p.name);
                for &g in p.grid {
                    assert!(
                        g >= p.bounds.0 && g <= p.bounds.1,
                        "{} {}",
                        f.name(),
                        p.name
                    );
                }
            }
            for &(i, j) in f.ties() {
                assert!(i < params.len() && j < params.len() && i != j);
            }
        }
    }
}
