//! Starting points for the multi-start fit.
//!
//! The default is the initialisation grid of Hoffmann et al. 2022 (section D.2), as used by the
//! Epoch AI replication (Besiroglu et al. 2024):
//!
//! ```text
//! alpha, beta in {0, 0.5, 1, 1.5, 2}
//! e           in {-1, -0.5, 0, 0.5, 1}
//! a, b        in {0, 5, 10, 15, 20, 25}          5·5·5·6·6 = 4500 starts
//! ```
//!
//! Points are enumerated in a fixed order (a outermost, beta innermost), which makes the choice
//! of the best run deterministic: ties go to the earliest start.

use serde::{Deserialize, Serialize};

use super::params::{ParamSpec, check_theta_component, natural_to_theta, theta_index};
use crate::error::Error;
use crate::law::chinchilla::{IDX_ALPHA, IDX_BETA, PARAM_NAMES};
use crate::law::{ChinchillaLaw, Theta};

/// A Cartesian grid over the log-space parameters `(a, b, e, alpha, beta)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartGrid {
    /// Values of each axis, in theta order.
    pub axes: [Vec<f64>; 5],
}

impl Default for StartGrid {
    fn default() -> Self {
        Self::chinchilla()
    }
}

impl StartGrid {
    /// The 4500-point grid of Hoffmann et al. 2022.
    pub fn chinchilla() -> Self {
        let ab: Vec<f64> = (0..6).map(|k| 5.0 * k as f64).collect();
        let e = vec![-1.0, -0.5, 0.0, 0.5, 1.0];
        let exps = vec![0.0, 0.5, 1.0, 1.5, 2.0];
        StartGrid {
            axes: [ab.clone(), ab, e, exps.clone(), exps],
        }
    }

    /// Replace the axes named in a spec such as `alpha=0,0.5,1;e=-1,0,1` (log-space names
    /// `a`, `b`, `e`, `alpha`, `beta`; values separated by commas, axes by semicolons).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--grid` for a malformed spec.
    pub fn with_spec(mut self, spec: &str) -> Result<Self, Error> {
        let mut named = [false; 5];
        for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, values) = part.split_once('=').ok_or_else(|| {
                Error::invalid_option(
                    "--grid",
                    format!("'{part}' is not of the form NAME=V1,V2,..."),
                )
            })?;
            let idx = theta_index(name.trim()).ok_or_else(|| {
                Error::invalid_option(
                    "--grid",
                    format!(
                        "unknown axis '{}'; axes are {}",
                        name.trim(),
                        PARAM_NAMES.join(", ")
                    ),
                )
            })?;
            if std::mem::replace(&mut named[idx], true) {
                return Err(Error::invalid_option(
                    "--grid",
                    format!("axis '{}' is given twice; give each axis once", name.trim()),
                ));
            }
            let parsed: Result<Vec<f64>, _> =
                values.split(',').map(|v| v.trim().parse::<f64>()).collect();
            let parsed = parsed
                .ok()
                .filter(|v| !v.is_empty() && v.iter().all(|x| x.is_finite()))
                .ok_or_else(|| {
                    Error::invalid_option(
                        "--grid",
                        format!(
                            "axis '{}' needs finite numbers separated by commas, got '{values}'",
                            name.trim()
                        ),
                    )
                })?;
            self.axes[idx] = parsed;
        }
        if !named.contains(&true) {
            return Err(Error::invalid_option(
                "--grid",
                format!(
                    "'{spec}' names no axis; give NAME=V1,V2,... separated by ';' (e.g. \
                     'alpha=0,0.5,1;e=-1,0,1'), or leave --grid out for the default grid"
                ),
            ));
        }
        self.validate()?;
        Ok(self)
    }

    /// Check every axis: not empty, and every value in the domain of the law
    /// ([`check_theta_component`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--grid`.
    pub fn validate(&self) -> Result<(), Error> {
        for (idx, axis) in self.axes.iter().enumerate() {
            if axis.is_empty() {
                return Err(Error::invalid_option(
                    "--grid",
                    format!("axis '{}' has no values", PARAM_NAMES[idx]),
                ));
            }
            for &v in axis {
                check_theta_component("--grid", idx, v)?;
            }
        }
        Ok(())
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.axes.iter().map(Vec::len).product()
    }

    /// True when some axis is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All grid points, projected onto the free parameters of `spec` (fixed components take
    /// their fixed value, a tied `beta` follows `alpha`), without duplicates, in grid order.
    pub fn points(&self, spec: &ParamSpec) -> Vec<Theta> {
        let mut out: Vec<Theta> = Vec::with_capacity(self.len());
        let mut seen = std::collections::HashSet::new();
        let [a, b, e, alpha, beta] = &self.axes;
        for &va in a {
            for &vb in b {
                for &ve in e {
                    for &val in alpha {
                        for &vbe in beta {
                            let p = spec.expand(&spec.reduce(&[va, vb, ve, val, vbe]));
                            if seen.insert(p.map(f64::to_bits)) {
                                out.push(p);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// Smallest and largest value of each axis.
    pub fn bounds(&self) -> [(f64, f64); 5] {
        std::array::from_fn(|i| {
            let v = &self.axes[i];
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (lo, hi)
        })
    }
}

/// Where the optimiser starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "values", rename_all = "snake_case")]
pub enum Starts {
    /// A Cartesian grid (the default is [`StartGrid::chinchilla`]).
    Grid(StartGrid),
    /// Explicit points, given as laws in natural parameters.
    Points(Vec<ChinchillaLaw>),
}

impl Default for Starts {
    fn default() -> Self {
        Starts::Grid(StartGrid::chinchilla())
    }
}

impl Starts {
    /// Check every start against the domain of the law ([`check_theta_component`]); a library
    /// caller that builds [`Starts`] directly gets the same check as the command line.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--grid` or `--start`.
    pub fn validate(&self) -> Result<(), Error> {
        match self {
            Starts::Grid(g) => g.validate(),
            Starts::Points(laws) if laws.is_empty() => {
                Err(Error::invalid_option("--start", "no starting point given"))
            }
            Starts::Points(laws) => {
                for law in laws {
                    let natural = [
                        law.param_coef,
                        law.data_coef,
                        law.irreducible,
                        law.alpha,
                        law.beta,
                    ];
                    for (idx, v) in natural.into_iter().enumerate() {
                        natural_to_theta("--start", idx, v)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Starting points in theta, projected onto `spec`.
    pub fn points(&self, spec: &ParamSpec) -> Vec<Theta> {
        match self {
            Starts::Grid(g) => g.points(spec),
            Starts::Points(laws) => laws
                .iter()
                .map(|l| spec.expand(&spec.reduce(&l.theta())))
                .collect(),
        }
    }
}

/// Parse a start given in natural parameters: `E=1.69,A=406.4,B=410.7,alpha=0.34,beta=0.28`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--start` when a parameter is missing, repeated or invalid.
pub fn parse_start(text: &str) -> Result<ChinchillaLaw, Error> {
    let bad = |m: String| Error::invalid_option("--start", m);
    let mut values: [Option<f64>; 5] = [None; 5];
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| bad(format!("'{part}' is not of the form NAME=VALUE")))?;
        let idx = super::params::natural_index(name.trim()).ok_or_else(|| {
            bad(format!(
                "unknown parameter '{}'; use A, B, E, alpha, beta",
                name.trim()
            ))
        })?;
        let v: f64 = value.trim().parse().map_err(|_| {
            bad(format!(
                "{} = '{}' is not a number",
                name.trim(),
                value.trim()
            ))
        })?;
        natural_to_theta("--start", idx, v)?;
        if values[idx].replace(v).is_some() {
            return Err(bad(format!(
                "{} is given twice in '{text}'; give each parameter once",
                name.trim()
            )));
        }
    }
    let names = ["A", "B", "E", "alpha", "beta"];
    let get =
        |i: usize| values[i].ok_or_else(|| bad(format!("'{text}' does not give {}", names[i])));
    Ok(ChinchillaLaw {
        param_coef: get(0)?,
        data_coef: get(1)?,
        irreducible: get(2)?,
        alpha: get(IDX_ALPHA)?,
        beta: get(IDX_BETA)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinchilla_grid_has_4500_distinct_points() {
        let g = StartGrid::chinchilla();
        assert_eq!(g.len(), 4500);
        assert_eq!(g.points(&ParamSpec::free()).len(), 4500);
    }

    #[test]
    fn fixing_a_parameter_collapses_its_axis() {
        let spec = ParamSpec::free().fix("alpha", 0.34).unwrap();
        assert_eq!(StartGrid::chinchilla().points(&spec).len(), 900);
        let tied = ParamSpec::free().tie_exponents(true).unwrap();
        assert_eq!(StartGrid::chinchilla().points(&tied).len(), 900);
    }

    #[test]
    fn grid_spec_replaces_named_axes() {
        let g = StartGrid::chinchilla()
            .with_spec("alpha=0.3; e=0,1")
            .unwrap();
        assert_eq!(g.axes[3], vec![0.3]);
        assert_eq!(g.len(), 6 * 6 * 2 * 5);
        assert!(StartGrid::chinchilla().with_spec("gamma=1").is_err());
        assert!(StartGrid::chinchilla().with_spec("alpha=x").is_err());
        // issue 11: outside the domain, empty, repeated
        for spec in ["alpha=-1", "a=1e308", "beta=0,20", ";", " ; ", "e=0;e=1"] {
            let err = StartGrid::chinchilla()
                .with_spec(spec)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("invalid --grid"), "{spec}: {err}");
        }
    }

    #[test]
    fn start_parses_natural_parameters() {
        let l = parse_start("E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28").unwrap();
        assert_eq!(l, ChinchillaLaw::HOFFMANN_2022);
        assert!(parse_start("E=1.69,A=406.4").is_err());
        assert!(parse_start("E=-1,A=1,B=1,alpha=1,beta=1").is_err());
        // issue 11: nonsense starts and repeated keys
        let err = parse_start("E=1.69,A=406.4,B=410.7,alpha=1e308,beta=0.28").unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
        let err = parse_start("E=1.69,A=406.4,B=410.7,alpha=0.3,alpha=0.4,beta=0.28").unwrap_err();
        assert!(err.to_string().contains("given twice"), "{err}");
    }
}
