//! Which components of `theta = (a, b, e, alpha, beta)` the solver moves.
//!
//! Fixed parameters are held at a given value; with tied exponents `beta` follows `alpha`
//! (`alpha = beta`). The solver sees only the free vector `z`; [`ParamSpec::expand`] maps it back
//! to `theta`, and [`ParamSpec::reduce_gradient`] applies the chain rule (a tied exponent
//! receives the sum of both partial derivatives).

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::finite::compact;
use crate::law::chinchilla::{IDX_ALPHA, IDX_BETA, PARAM_NAMES, Theta, natural_name};

/// Fixed and tied parameters. The default frees all five.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    /// Log-space value of each fixed component of theta (`None` = free).
    fixed: [Option<f64>; 5],
    /// `alpha = beta`.
    tie_exponents: bool,
}

impl ParamSpec {
    /// All parameters free.
    pub fn free() -> Self {
        Self::default()
    }

    /// Fix a parameter by its *natural* name and value: `A`, `B`, `E` (positive), `alpha`, `beta`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for an unknown name, a parameter fixed twice, or a value outside
    /// the domain ([`natural_to_theta`]; an exponent of 0 is refused too: it leaves no
    /// compute-optimal allocation).
    pub fn fix(mut self, name: &str, value: f64) -> Result<Self, Error> {
        let idx = natural_index(name).ok_or_else(|| {
            Error::invalid_option(
                "--fix",
                format!("unknown parameter '{name}'; use one of A, B, E, alpha, beta"),
            )
        })?;
        if idx >= IDX_ALPHA && value == 0.0 {
            return Err(Error::invalid_option(
                "--fix",
                format!(
                    "{name} = 0 removes the dependence of loss on {}, and no compute-optimal \
                     allocation exists; fix {name} at a positive value (e.g. 0.34) or leave it free",
                    if idx == IDX_ALPHA { "N" } else { "D" }
                ),
            ));
        }
        let log_value = natural_to_theta("--fix", idx, value)?;
        if self.fixed[idx].is_some() {
            return Err(Error::invalid_option(
                "--fix",
                format!("{name} is fixed twice; give each parameter once"),
            ));
        }
        self.fixed[idx] = Some(log_value);
        self.check_tie()?;
        Ok(self)
    }

    /// Tie the exponents: `alpha = beta`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] when both exponents are fixed at different values.
    pub fn tie_exponents(mut self, tie: bool) -> Result<Self, Error> {
        self.tie_exponents = tie;
        self.check_tie()?;
        Ok(self)
    }

    fn check_tie(&self) -> Result<(), Error> {
        if let (true, Some(x), Some(y)) = (
            self.tie_exponents,
            self.fixed[IDX_ALPHA],
            self.fixed[IDX_BETA],
        ) && (x - y).abs() > 0.0
        {
            return Err(Error::invalid_option(
                "--tie-exponents",
                format!(
                    "alpha and beta are fixed at different values ({x} and {y}) and cannot be tied"
                ),
            ));
        }
        Ok(())
    }

    /// Whether the exponents are tied.
    pub fn exponents_tied(&self) -> bool {
        self.tie_exponents
    }

    /// Log-space value of component `idx` if it is fixed, directly or through the tie.
    pub fn fixed_value(&self, idx: usize) -> Option<f64> {
        self.fixed[idx].or_else(|| match (self.tie_exponents, idx) {
            (true, IDX_ALPHA) => self.fixed[IDX_BETA],
            (true, IDX_BETA) => self.fixed[IDX_ALPHA],
            _ => None,
        })
    }

    /// Theta components the solver moves, in order. A tied pair is represented by `alpha`.
    pub fn free_indices(&self) -> Vec<usize> {
        (0..5)
            .filter(|&i| self.fixed_value(i).is_none())
            .filter(|&i| !(self.tie_exponents && i == IDX_BETA))
            .collect()
    }

    /// Number of free parameters.
    pub fn n_free(&self) -> usize {
        self.free_indices().len()
    }

    /// `theta` from the free vector `z`.
    pub fn expand(&self, z: &[f64]) -> Theta {
        let mut theta = [0.0; 5];
        for (i, slot) in theta.iter_mut().enumerate() {
            if let Some(v) = self.fixed_value(i) {
                *slot = v;
            }
        }
        for (&i, &v) in self.free_indices().iter().zip(z) {
            theta[i] = v;
        }
        if self.tie_exponents && self.fixed_value(IDX_ALPHA).is_none() {
            theta[IDX_BETA] = theta[IDX_ALPHA];
        }
        theta
    }

    /// Free vector `z` from `theta` (fixed components are ignored).
    pub fn reduce(&self, theta: &Theta) -> Vec<f64> {
        self.free_indices().iter().map(|&i| theta[i]).collect()
    }

    /// Gradient with respect to `z` from the gradient with respect to `theta`.
    pub fn reduce_gradient(&self, grad: &Theta) -> Vec<f64> {
        self.free_indices()
            .iter()
            .map(|&i| {
                if self.tie_exponents && i == IDX_ALPHA {
                    grad[IDX_ALPHA] + grad[IDX_BETA]
                } else {
                    grad[i]
                }
            })
            .collect()
    }

    /// Human-readable list of constraints, e.g. `["alpha = 0.34 (fixed)", "alpha = beta"]`.
    pub fn describe(&self) -> Vec<String> {
        let mut out: Vec<String> = (0..5)
            .filter_map(|i| {
                self.fixed[i].map(|v| {
                    let natural = if i < IDX_ALPHA { v.exp() } else { v };
                    format!("{} = {} (fixed)", natural_name(i), natural)
                })
            })
            .collect();
        if self.tie_exponents {
            out.push("alpha = beta (tied)".to_string());
        }
        out
    }
}

/// Largest exponent (alpha, beta) accepted as a start or fixed value. Published fits give 0.05
/// to 1.5; with exponents beyond this the power terms underflow to zero for any realistic N or
/// D, so such a value says nothing about the data, and a run started there stalls on a flat
/// objective and reports convergence where it began.
pub const MAX_EXPONENT: f64 = 10.0;

/// Largest |log| of a coefficient (A, B, E) accepted as a start or fixed value: `e^700` is about
/// `1e304`, the end of the range of double-precision numbers.
pub const MAX_LOG_COEFFICIENT: f64 = 700.0;

/// Check a log-space component of theta (`a`, `b`, `e` = log A, log B, log E; `alpha`, `beta`
/// as they are) against the domain of the law; the one check behind `--fix`, `--grid` and
/// `--start`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `flag`: a coefficient whose log is not finite or beyond
/// ±[`MAX_LOG_COEFFICIENT`], or an exponent outside [0, [`MAX_EXPONENT`]].
pub fn check_theta_component(flag: &str, idx: usize, value: f64) -> Result<(), Error> {
    let name = PARAM_NAMES[idx];
    if idx < IDX_ALPHA {
        if !(value.is_finite() && value.abs() <= MAX_LOG_COEFFICIENT) {
            return Err(Error::invalid_option(
                flag,
                format!(
                    "{name} = {} is out of range: {name} is log {} and must lie in \
                     [-{MAX_LOG_COEFFICIENT}, {MAX_LOG_COEFFICIENT}] ({} from about 1e-304 to 1e304)",
                    compact(value),
                    natural_name(idx),
                    natural_name(idx)
                ),
            ));
        }
    } else if !(value.is_finite() && (0.0..=MAX_EXPONENT).contains(&value)) {
        return Err(Error::invalid_option(
            flag,
            format!(
                "{name} = {} is out of range: exponents must lie in [0, {MAX_EXPONENT}] \
                 (published values are 0.05 to 1.5)",
                compact(value)
            ),
        ));
    }
    Ok(())
}

/// Log-space theta component from a natural value (`A`, `B`, `E` positive; `alpha`, `beta` as
/// they are), checked by [`check_theta_component`].
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `flag` for a value outside the domain.
pub fn natural_to_theta(flag: &str, idx: usize, value: f64) -> Result<f64, Error> {
    let name = natural_name(idx);
    if idx < IDX_ALPHA {
        if !(value.is_finite() && value > 0.0) {
            return Err(Error::invalid_option(
                flag,
                format!("{name} must be a positive number, got {value}"),
            ));
        }
        let log = value.ln();
        check_theta_component(flag, idx, log).map_err(|_| {
            Error::invalid_option(
                flag,
                format!(
                    "{name} = {} is out of range: it must lie between about 1e-304 and 1e304",
                    compact(value)
                ),
            )
        })?;
        Ok(log)
    } else {
        check_theta_component(flag, idx, value)?;
        Ok(value)
    }
}

/// Index in theta of a natural parameter name (`A`, `B`, `E`, `alpha`, `beta`).
pub fn natural_index(name: &str) -> Option<usize> {
    match name {
        "A" => Some(0),
        "B" => Some(1),
        "E" => Some(2),
        _ => match name.to_ascii_lowercase().as_str() {
            "alpha" => Some(IDX_ALPHA),
            "beta" => Some(IDX_BETA),
            _ => None,
        },
    }
}

/// Index in theta of a log-space component name (`a`, `b`, `e`, `alpha`, `beta`).
pub fn theta_index(name: &str) -> Option<usize> {
    PARAM_NAMES.iter().position(|&p| p == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tied_exponents_share_one_free_component() {
        let spec = ParamSpec::free().tie_exponents(true).unwrap();
        assert_eq!(spec.free_indices(), vec![0, 1, 2, 3]);
        let theta = spec.expand(&[1.0, 2.0, 0.5, 0.3]);
        assert_eq!(theta[IDX_BETA], 0.3);
        let g = spec.reduce_gradient(&[1.0, 1.0, 1.0, 2.0, 5.0]);
        assert_eq!(g, vec![1.0, 1.0, 1.0, 7.0]);
    }

    #[test]
    fn fixed_natural_values_become_log_space() {
        let spec = ParamSpec::free()
            .fix("E", 1.69)
            .unwrap()
            .fix("alpha", 0.34)
            .unwrap();
        assert_eq!(spec.free_indices(), vec![0, 1, 4]);
        let theta = spec.expand(&[6.0, 6.0, 0.28]);
        assert!((theta[2] - 1.69f64.ln()).abs() < 1e-15);
        assert_eq!(theta[3], 0.34);
    }

    #[test]
    fn fixing_one_tied_exponent_fixes_both() {
        let spec = ParamSpec::free()
            .fix("beta", 0.3)
            .unwrap()
            .tie_exponents(true)
            .unwrap();
        assert_eq!(spec.free_indices(), vec![0, 1, 2]);
        assert_eq!(spec.expand(&[1.0, 1.0, 0.0])[IDX_ALPHA], 0.3);
    }

    #[test]
    fn bad_fixes_are_rejected() {
        assert!(ParamSpec::free().fix("gamma", 1.0).is_err());
        assert!(ParamSpec::free().fix("A", -1.0).is_err());
        // issue 11: outside the domain of the law
        for (name, v) in [
            ("alpha", -1.0),
            ("alpha", 0.0),
            ("beta", 1e308),
            ("A", 1e308),
        ] {
            let err = ParamSpec::free().fix(name, v).unwrap_err().to_string();
            assert!(err.starts_with("invalid --fix"), "{err}");
        }
        let twice = ParamSpec::free().fix("E", 1.0).unwrap().fix("E", 2.0);
        assert!(twice.unwrap_err().to_string().contains("fixed twice"));
        let both = ParamSpec::free()
            .fix("alpha", 0.3)
            .unwrap()
            .fix("beta", 0.4)
            .unwrap();
        assert!(both.tie_exponents(true).is_err());
    }
}
