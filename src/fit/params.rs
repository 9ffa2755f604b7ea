//! Which components of a family's solver-space vector `theta` the solver moves.
//!
//! Fixed parameters are held at a given value; with tied exponents the second of each pair the
//! family lists in [`Family::ties`] follows the first (for Chinchilla, `beta` follows `alpha`).
//! The solver sees only the free vector `z`; [`ParamSpec::expand`] maps it back to `theta`, and
//! [`ParamSpec::reduce_gradient`] applies the chain rule (a tied parameter receives the sum of
//! both partial derivatives).
//!
//! [`Family::ties`]: crate::law::Family::ties

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::law::{LawRef, natural_index, natural_names};

/// Fixed and tied parameters of one family. The default frees all five of Chinchilla.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    /// The family the parameters belong to (Chinchilla in files written before there were
    /// others).
    #[serde(default)]
    law: LawRef,
    /// Solver-space value of each fixed component of theta (`None` = free).
    fixed: Vec<Option<f64>>,
    /// The family's tied pairs are equal.
    tie_exponents: bool,
}

impl Default for ParamSpec {
    fn default() -> Self {
        Self::free_for(LawRef::chinchilla())
    }
}

impl ParamSpec {
    /// All parameters of Chinchilla free.
    pub fn free() -> Self {
        Self::default()
    }

    /// All parameters of `law` free.
    pub fn free_for(law: LawRef) -> Self {
        ParamSpec {
            law,
            fixed: vec![None; law.params().len()],
            tie_exponents: false,
        }
    }

    /// The family.
    pub fn law(&self) -> LawRef {
        self.law
    }

    /// Number of parameters of the family (free or not).
    pub fn len(&self) -> usize {
        self.fixed.len()
    }

    /// True for a family without parameters (none exists).
    pub fn is_empty(&self) -> bool {
        self.fixed.is_empty()
    }

    /// Whether the spec fits its family, as [`ParamSpec::fix`] and
    /// [`ParamSpec::tie_exponents`] build it (a file may say otherwise): one entry per parameter,
    /// each fixed value in the law's domain, and ties only where the family has them and both of
    /// a pair are not fixed apart.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--fix` when the number of parameters is not the
    /// family's or a fixed value lies outside the domain, `--tie-exponents` for a tie the family
    /// does not have or cannot keep.
    pub fn validate(&self) -> Result<(), Error> {
        let params = self.law.params();
        if self.fixed.len() != params.len() {
            return Err(Error::invalid_option(
                "--fix",
                format!(
                    "{} fixed values given for the {} law, which has {} parameters ({})",
                    self.fixed.len(),
                    self.law.name(),
                    params.len(),
                    natural_names(self.law)
                ),
            ));
        }
        for (param, value) in params.iter().zip(&self.fixed) {
            let Some(value) = *value else { continue };
            param.check_solver("--fix", value)?;
            if param.nonzero && param.natural_value(value) == 0.0 {
                return Err(Error::invalid_option(
                    "--fix",
                    format!(
                        "{} = 0 leaves no compute-optimal allocation ({} is the {})",
                        param.natural, param.natural, param.doc
                    ),
                ));
            }
        }
        if self.tie_exponents && self.law.ties().is_empty() {
            return Err(Error::invalid_option(
                "--tie-exponents",
                format!("the {} law has no exponents to tie", self.law.name()),
            ));
        }
        self.check_tie()
    }

    /// Fix a parameter by its *natural* name and value (for Chinchilla: `A`, `B`, `E`
    /// positive, `alpha`, `beta`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for an unknown name, a parameter fixed twice, or a value outside
    /// the domain ([`Param::solver_from_natural`](crate::law::Param::solver_from_natural); a parameter that must not be 0, such as an exponent
    /// without which no compute-optimal allocation exists, is refused at 0).
    pub fn fix(mut self, name: &str, value: f64) -> Result<Self, Error> {
        let law = self.law;
        let idx = natural_index(law.family(), name).ok_or_else(|| {
            Error::invalid_option(
                "--fix",
                format!(
                    "unknown parameter '{name}' of the {} law; use one of {}",
                    law.name(),
                    natural_names(law)
                ),
            )
        })?;
        let param = &law.params()[idx];
        if param.nonzero && value == 0.0 {
            return Err(Error::invalid_option(
                "--fix",
                format!(
                    "{name} = 0 leaves no compute-optimal allocation ({name} is the {}); fix \
                     {name} at a positive value or leave it free",
                    param.doc
                ),
            ));
        }
        let solver = param.solver_from_natural("--fix", value)?;
        if self.fixed[idx].is_some() {
            return Err(Error::invalid_option(
                "--fix",
                format!("{name} is fixed twice; give each parameter once"),
            ));
        }
        self.fixed[idx] = Some(solver);
        self.check_tie()?;
        Ok(self)
    }

    /// Tie the family's pairs (Chinchilla: `alpha = beta`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--tie-exponents` when the family has nothing to tie or
    /// both of a pair are fixed at different values.
    pub fn tie_exponents(mut self, tie: bool) -> Result<Self, Error> {
        if tie && self.law.ties().is_empty() {
            return Err(Error::invalid_option(
                "--tie-exponents",
                format!(
                    "the {} law has no exponents to tie; leave --tie-exponents out",
                    self.law.name()
                ),
            ));
        }
        self.tie_exponents = tie;
        self.check_tie()?;
        Ok(self)
    }

    fn check_tie(&self) -> Result<(), Error> {
        if !self.tie_exponents {
            return Ok(());
        }
        let params = self.law.params();
        for &(i, j) in self.law.ties() {
            if let (Some(x), Some(y)) = (self.fixed[i], self.fixed[j])
                && (x - y).abs() > 0.0
            {
                return Err(Error::invalid_option(
                    "--tie-exponents",
                    format!(
                        "{} and {} are fixed at different values ({x} and {y}) and cannot be tied",
                        params[i].natural, params[j].natural
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Whether the family's pairs are tied.
    pub fn exponents_tied(&self) -> bool {
        self.tie_exponents
    }

    /// The partner of `idx` in a tied pair, when the pairs are tied.
    fn partner(&self, idx: usize) -> Option<usize> {
        if !self.tie_exponents {
            return None;
        }
        self.law.ties().iter().find_map(|&(i, j)| {
            if i == idx {
                Some(j)
            } else if j == idx {
                Some(i)
            } else {
                None
            }
        })
    }

    /// Whether `idx` follows another parameter (the second of a tied pair).
    fn follows(&self, idx: usize) -> Option<usize> {
        if !self.tie_exponents {
            return None;
        }
        self.law
            .ties()
            .iter()
            .find_map(|&(i, j)| (j == idx).then_some(i))
    }

    /// Solver-space value of component `idx` if it is fixed, directly or through a tie.
    pub fn fixed_value(&self, idx: usize) -> Option<f64> {
        self.fixed[idx].or_else(|| self.partner(idx).and_then(|p| self.fixed[p]))
    }

    /// Theta components the solver moves, in order. A tied pair is represented by its first.
    pub fn free_indices(&self) -> Vec<usize> {
        (0..self.fixed.len())
            .filter(|&i| self.fixed_value(i).is_none())
            .filter(|&i| self.follows(i).is_none())
            .collect()
    }

    /// Theta components that vary in a fit: the free ones and those that follow them.
    pub fn varying_indices(&self) -> Vec<usize> {
        (0..self.fixed.len())
            .filter(|&i| self.fixed_value(i).is_none())
            .collect()
    }

    /// Number of free parameters.
    pub fn n_free(&self) -> usize {
        self.free_indices().len()
    }

    /// `theta` from the free vector `z`.
    pub fn expand(&self, z: &[f64]) -> Vec<f64> {
        let mut theta: Vec<f64> = (0..self.fixed.len())
            .map(|i| self.fixed_value(i).unwrap_or(0.0))
            .collect();
        for (&i, &v) in self.free_indices().iter().zip(z) {
            theta[i] = v;
        }
        for j in 0..theta.len() {
            if let Some(i) = self.follows(j)
                && self.fixed_value(i).is_none()
            {
                theta[j] = theta[i];
            }
        }
        theta
    }

    /// Free vector `z` from `theta` (fixed components are ignored).
    pub fn reduce(&self, theta: &[f64]) -> Vec<f64> {
        self.free_indices().iter().map(|&i| theta[i]).collect()
    }

    /// Gradient with respect to `z` from the gradient with respect to `theta`.
    pub fn reduce_gradient(&self, grad: &[f64]) -> Vec<f64> {
        let free = self.free_indices();
        let mut out: Vec<f64> = free.iter().map(|&i| grad[i]).collect();
        for (j, &g) in grad.iter().enumerate() {
            if let Some(i) = self.follows(j)
                && let Some(k) = free.iter().position(|&f| f == i)
            {
                out[k] += g;
            }
        }
        out
    }

    /// Human-readable list of constraints, e.g. `["alpha = 0.34 (fixed)", "alpha = beta (tied)"]`.
    pub fn describe(&self) -> Vec<String> {
        let params = self.law.params();
        let mut out: Vec<String> = (0..self.fixed.len())
            .filter_map(|i| {
                self.fixed[i].map(|v| {
                    format!(
                        "{} = {} (fixed)",
                        params[i].natural,
                        params[i].natural_value(v)
                    )
                })
            })
            .collect();
        if self.tie_exponents {
            for &(i, j) in self.law.ties() {
                out.push(format!(
                    "{} = {} (tied)",
                    params[i].natural, params[j].natural
                ));
            }
        }
        out
    }
}

/// Largest exponent (alpha, beta) accepted as a start or fixed value for Chinchilla. Published
/// fits give 0.05 to 1.5; with exponents beyond this the power terms underflow to zero for any
/// realistic N or D, so such a value says nothing about the data, and a run started there
/// stalls on a flat objective and reports convergence where it began.
pub const MAX_EXPONENT: f64 = 10.0;

/// Largest |log| of a Chinchilla coefficient (A, B, E) accepted as a start or fixed value:
/// `e^700` is about `1e304`, the end of the range of double-precision numbers.
pub const MAX_LOG_COEFFICIENT: f64 = 700.0;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::chinchilla::{IDX_ALPHA, IDX_BETA};

    #[test]
    fn tied_exponents_share_one_free_component() {
        let spec = ParamSpec::free().tie_exponents(true).unwrap();
        assert_eq!(spec.free_indices(), vec![0, 1, 2, 3]);
        let theta = spec.expand(&[1.0, 2.0, 0.5, 0.3]);
        assert_eq!(theta[IDX_BETA], 0.3);
        let g = spec.reduce_gradient(&[1.0, 1.0, 1.0, 2.0, 5.0]);
        assert_eq!(g, vec![1.0, 1.0, 1.0, 7.0]);
        assert_eq!(spec.describe(), vec!["alpha = beta (tied)"]);
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
        assert_eq!(spec.describe()[1], "alpha = 0.34 (fixed)");
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
        let err = ParamSpec::free().fix("gamma", 1.0).unwrap_err().to_string();
        assert!(
            err.contains("unknown parameter 'gamma'") && err.contains("E, A, B, alpha, beta"),
            "{err}"
        );
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

    #[test]
    fn domain_messages_give_the_bounds() {
        let spec = ParamSpec::free();
        let params = spec.law().params();
        let err = params[0]
            .check_solver("--grid", 800.0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[-700, 700]") && err.contains("1e304"),
            "{err}"
        );
        let err = params[IDX_ALPHA]
            .check_solver("--grid", 20.0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("[0, 10]") && err.contains("exponent"), "{err}");
    }

    #[test]
    fn old_files_with_five_fixed_values_load_as_chinchilla() {
        let old = r#"{"fixed":[null,null,0.5,null,null],"tie_exponents":true}"#;
        let spec: ParamSpec = serde_json::from_str(old).unwrap();
        assert!(spec.law().is_chinchilla());
        spec.validate().unwrap();
        assert_eq!(spec.free_indices(), vec![0, 1, 3]);
    }
}
