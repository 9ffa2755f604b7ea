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

use super::params::ParamSpec;
use crate::error::Error;
use crate::law::{Law, LawRef, ParamValues, natural_index, solver_index};

/// A Cartesian grid over a family's solver-space parameters (for Chinchilla
/// `(a, b, e, alpha, beta)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartGrid {
    /// The family (Chinchilla in files written before there were others).
    #[serde(default)]
    pub law: LawRef,
    /// Values of each axis, in theta order.
    pub axes: Vec<Vec<f64>>,
}

impl Default for StartGrid {
    fn default() -> Self {
        Self::chinchilla()
    }
}

impl StartGrid {
    /// The 4500-point grid of Hoffmann et al. 2022.
    pub fn chinchilla() -> Self {
        Self::for_law(LawRef::chinchilla())
    }

    /// The default grid of `law`: each parameter's [`crate::law::Param::grid`].
    pub fn for_law(law: LawRef) -> Self {
        StartGrid {
            law,
            axes: law.params().iter().map(|p| p.grid.to_vec()).collect(),
        }
    }

    /// Replace the axes named in a spec such as `alpha=0,0.5,1;e=-1,0,1` (solver-space names,
    /// for Chinchilla `a`, `b`, `e`, `alpha`, `beta`; values separated by commas, axes by
    /// semicolons), as `--grid` reads it (the front ends call [`parse_grid`] and
    /// [`StartGrid::with_axes`]; the tests, this).
    #[cfg(test)]
    pub fn with_spec(self, spec: &str) -> Result<Self, Error> {
        self.with_axes(&parse_grid(spec)?)
    }

    /// Replace the axes named (solver-space names) by the values given.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--grid` for no axis, an unknown axis, an axis given
    /// twice, or values outside the law's domain.
    pub fn with_axes(mut self, axes: &[(String, Vec<f64>)]) -> Result<Self, Error> {
        if axes.is_empty() {
            return Err(Error::invalid_option(
                "--grid",
                "names no axis; give NAME=V1,V2,... separated by ';' (e.g. \
                 'alpha=0,0.5,1;e=-1,0,1'), or leave --grid out for the default grid",
            ));
        }
        let mut named = vec![false; self.axes.len()];
        for (name, values) in axes {
            let name = name.trim();
            let idx = solver_index(self.law.family(), name).ok_or_else(|| {
                let names: Vec<&str> = self.law.params().iter().map(|p| p.name).collect();
                Error::invalid_option(
                    "--grid",
                    format!(
                        "unknown axis '{}' of the {} law; axes are {}",
                        name,
                        self.law.name(),
                        names.join(", ")
                    ),
                )
            })?;
            if std::mem::replace(&mut named[idx], true) {
                return Err(Error::invalid_option(
                    "--grid",
                    format!("axis '{name}' is given twice; give each axis once"),
                ));
            }
            if values.is_empty() || !values.iter().all(|x| x.is_finite()) {
                return Err(Error::invalid_option(
                    "--grid",
                    format!("axis '{name}' needs finite numbers"),
                ));
            }
            self.axes[idx] = values.clone();
        }
        self.validate()?;
        Ok(self)
    }

    /// Check every axis: one per parameter, not empty, and every value in the domain of the
    /// law ([`Param::check_solver`](crate::law::Param::check_solver)); and that the grid's points
    /// fit in memory.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--grid`.
    pub fn validate(&self) -> Result<(), Error> {
        let params = self.law.params();
        if self.axes.len() != params.len() {
            return Err(Error::invalid_option(
                "--grid",
                format!(
                    "{} axes given for the {} law, which has {} parameters",
                    self.axes.len(),
                    self.law.name(),
                    params.len()
                ),
            ));
        }
        for (param, axis) in params.iter().zip(&self.axes) {
            if axis.is_empty() {
                return Err(Error::invalid_option(
                    "--grid",
                    format!("axis '{}' has no values", param.name),
                ));
            }
            for &v in axis {
                param.check_solver("--grid", v)?;
            }
        }
        let points: f64 = self.axes.iter().map(|a| a.len() as f64).product();
        crate::resources::require_memory(
            "--grid",
            points,
            crate::resources::BYTES_PER_GRID_POINT * params.len() as f64,
            "the grid's points",
        )
    }

    /// Number of grid points (`usize::MAX` when there are more).
    pub fn len(&self) -> usize {
        self.axes
            .iter()
            .map(Vec::len)
            .fold(1, |total, n| total.saturating_mul(n))
    }

    /// True when some axis is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All grid points, projected onto the free parameters of `spec` (fixed components take
    /// their fixed value, a tied parameter follows its partner), without duplicates, in grid
    /// order (the first axis outermost, the last innermost).
    pub fn points(&self, spec: &ParamSpec) -> Vec<Vec<f64>> {
        let mut out: Vec<Vec<f64>> = Vec::with_capacity(self.len());
        if self.is_empty() {
            return out;
        }
        let mut seen = std::collections::HashSet::new();
        let mut at = vec![0usize; self.axes.len()];
        loop {
            let point: Vec<f64> = at.iter().zip(&self.axes).map(|(&i, a)| a[i]).collect();
            let p = spec.expand(&spec.reduce(&point));
            if seen.insert(p.iter().map(|x| x.to_bits()).collect::<Vec<u64>>()) {
                out.push(p);
            }
            // Odometer: the last axis turns fastest.
            let mut k = at.len();
            loop {
                if k == 0 {
                    return out;
                }
                k -= 1;
                at[k] += 1;
                if at[k] < self.axes[k].len() {
                    break;
                }
                at[k] = 0;
            }
        }
    }

    /// Smallest and largest value of each axis.
    pub fn bounds(&self) -> Vec<(f64, f64)> {
        self.axes
            .iter()
            .map(|v| {
                let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (lo, hi)
            })
            .collect()
    }
}

/// Where the optimiser starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "values", rename_all = "snake_case")]
pub enum Starts {
    /// A Cartesian grid (the default is the family's, [`StartGrid::for_law`]).
    Grid(StartGrid),
    /// Explicit points, each the natural value of every parameter by name.
    Points(Vec<ParamValues>),
}

impl Default for Starts {
    fn default() -> Self {
        Starts::Grid(StartGrid::chinchilla())
    }
}

impl Starts {
    /// The default grid of `law`.
    pub fn for_law(law: LawRef) -> Self {
        Starts::Grid(StartGrid::for_law(law))
    }

    /// Check every start against the domain of `law` (names and values); a library caller
    /// that builds [`Starts`] directly gets the same check as the command line.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--grid` or `--start`.
    pub fn validate(&self, law: LawRef) -> Result<(), Error> {
        match self {
            Starts::Grid(g) if g.law != law => Err(Error::invalid_option(
                "--grid",
                format!(
                    "the grid is for the {} law, but the fit is of the {} law",
                    g.law, law
                ),
            )),
            Starts::Grid(g) => g.validate(),
            Starts::Points(points) if points.is_empty() => {
                Err(Error::invalid_option("--start", "no starting point given"))
            }
            Starts::Points(points) => {
                for p in points {
                    start_law(law, p)?;
                }
                Ok(())
            }
        }
    }

    /// Starting points in theta, projected onto `spec`.
    pub fn points(&self, spec: &ParamSpec) -> Vec<Vec<f64>> {
        match self {
            Starts::Grid(g) => g.points(spec),
            Starts::Points(points) => points
                .iter()
                .filter_map(|p| start_law(spec.law(), p).ok())
                .map(|l| spec.expand(&spec.reduce(l.theta())))
                .collect(),
        }
    }
}

fn start_law(law: LawRef, values: &ParamValues) -> Result<Law, Error> {
    let pairs: Vec<(&str, f64)> = values.iter().collect();
    Law::from_natural(law, &pairs, "--start")
}

/// Parse `NAME=VALUE` pairs separated by commas, as given with `flag` (e.g.
/// `E=1.69,A=406.4,B=410.7,alpha=0.34,beta=0.28`). Names are not checked here.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `flag` for a part that is not `NAME=VALUE` or a value that
/// is not a number.
pub fn parse_assignments(flag: &str, text: &str) -> Result<Vec<(String, f64)>, Error> {
    let bad = |m: String| Error::invalid_option(flag, m);
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| bad(format!("'{part}' is not of the form NAME=VALUE")))?;
            let v: f64 = value.trim().parse().map_err(|_| {
                bad(format!(
                    "{} = '{}' is not a number",
                    name.trim(),
                    value.trim()
                ))
            })?;
            Ok((name.trim().to_string(), v))
        })
        .collect()
}

/// The axes of a grid spec such as `alpha=0,0.5,1;e=-1,0,1`: names (not checked here) and
/// values, as `--grid` takes them.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--grid` for a part that is not `NAME=V1,V2,...`, values that
/// are not finite numbers, or a spec that names no axis.
pub fn parse_grid(spec: &str) -> Result<Vec<(String, Vec<f64>)>, Error> {
    let mut axes = Vec::new();
    for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, values) = part.split_once('=').ok_or_else(|| {
            Error::invalid_option(
                "--grid",
                format!("'{part}' is not of the form NAME=V1,V2,..."),
            )
        })?;
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
        axes.push((name.trim().to_string(), parsed));
    }
    if axes.is_empty() {
        return Err(Error::invalid_option(
            "--grid",
            format!(
                "'{spec}' names no axis; give NAME=V1,V2,... separated by ';' (e.g. \
                 'alpha=0,0.5,1;e=-1,0,1'), or leave --grid out for the default grid"
            ),
        ));
    }
    Ok(axes)
}

/// A start of `law` given in natural parameters by name.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--start` when a parameter is unknown, missing, repeated or
/// outside its domain.
pub fn start_point(law: LawRef, pairs: &[(String, f64)]) -> Result<ParamValues, Error> {
    let named: Vec<(&str, f64)> = pairs.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let parsed = Law::from_natural(law, &named, "--start")?;
    Ok(parsed.natural_values())
}

/// Parse a start of `law` given in natural parameters, e.g. for Chinchilla
/// `E=1.69,A=406.4,B=410.7,alpha=0.34,beta=0.28`, as `--start` reads it (the front ends call
/// [`parse_assignments`] and [`start_point`]; the tests, this).
#[cfg(test)]
pub(crate) fn parse_start(law: LawRef, text: &str) -> Result<ParamValues, Error> {
    start_point(law, &parse_assignments("--start", text)?)
}

/// Whether `name` is a natural parameter name of `law`.
pub fn is_parameter(law: LawRef, name: &str) -> bool {
    natural_index(law.family(), name).is_some()
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
    fn the_default_grid_is_the_family_grid() {
        let g = StartGrid::for_law(LawRef::chinchilla());
        assert_eq!(g.axes[0], vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0]);
        assert_eq!(g.axes[2], vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert_eq!(g.axes[4], vec![0.0, 0.5, 1.0, 1.5, 2.0]);
        // a outermost, beta innermost
        let p = g.points(&ParamSpec::free());
        assert_eq!(p[0], vec![0.0, 0.0, -1.0, 0.0, 0.0]);
        assert_eq!(p[1], vec![0.0, 0.0, -1.0, 0.0, 0.5]);
        assert_eq!(p[4499], vec![25.0, 25.0, 1.0, 2.0, 2.0]);
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
        let c = LawRef::chinchilla();
        let l = parse_start(c, "E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28").unwrap();
        assert_eq!(l.get("E"), Some(1.69));
        assert_eq!(l.get("beta"), Some(0.28));
        let err = parse_start(c, "E=1.69,A=406.4").unwrap_err().to_string();
        assert!(err.contains("missing B, alpha, beta"), "{err}");
        assert!(parse_start(c, "E=-1,A=1,B=1,alpha=1,beta=1").is_err());
        // issue 11: nonsense starts and repeated keys
        let err = parse_start(c, "E=1.69,A=406.4,B=410.7,alpha=1e308,beta=0.28").unwrap_err();
        assert!(err.to_string().contains("out of range"), "{err}");
        let err =
            parse_start(c, "E=1.69,A=406.4,B=410.7,alpha=0.3,alpha=0.4,beta=0.28").unwrap_err();
        assert!(err.to_string().contains("given twice"), "{err}");
    }
}
