//! A law with its parameters: [`Law`] (a family and a solver-space vector) and [`ParamValues`]
//! (natural values by name, as reports and files show them).

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::chinchilla::{ChinchillaLaw, Theta};
use super::{LawRef, Row, natural_index};
use crate::error::Error;
use crate::finite::compact;

/// Natural parameter values by name, in a fixed order; serialised as a JSON object in that
/// order, e.g. `{"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParamValues(pub Vec<(String, f64)>);

impl ParamValues {
    /// The value named `name` (exact name).
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// `(name, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0.iter().map(|(n, v)| (n.as_str(), *v))
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ParamValues {
    /// The same values in `family`'s display order; `None` unless they name each parameter of
    /// the family exactly once. (A file read through a `serde_json::Value` comes back with its
    /// keys sorted.)
    pub fn in_order_of(&self, family: LawRef) -> Option<ParamValues> {
        let params = family.params();
        if self.len() != params.len() {
            return None;
        }
        family
            .display_order()
            .into_iter()
            .map(|i| {
                let name = params[i].natural;
                self.get(name).map(|v| (name.to_string(), v))
            })
            .collect::<Option<Vec<_>>>()
            .map(ParamValues)
    }
}

impl From<ChinchillaLaw> for ParamValues {
    fn from(law: ChinchillaLaw) -> Self {
        Law::from(law).natural_values()
    }
}

impl Serialize for ParamValues {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ParamValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = ParamValues;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of parameter names and numbers")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<ParamValues, M::Error> {
                let mut out = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, Option<f64>>()? {
                    // serde_json writes a non-finite number as null.
                    out.push((name, value.unwrap_or(f64::NAN)));
                }
                Ok(ParamValues(out))
            }
        }
        d.deserialize_map(InOrder)
    }
}

/// A law of some family at given parameters; saved as `{"family": ..., "theta": [...]}`.
///
/// A law made from a [`ChinchillaLaw`] keeps its natural values as given (`exp(ln 406.4)` is
/// not 406.4 to the bit, and a law with a negative coefficient has no solver-space vector), so
/// that answers from it are exactly those of the natural form.
///
/// # Examples
///
/// ```
/// use scaling_laws::law::{ChinchillaLaw, Law};
/// let law = Law::from(ChinchillaLaw::HOFFMANN_2022);
/// assert_eq!(law.natural("alpha"), Some(0.34));
/// assert!((law.loss(70e9, 1.4e12) - ChinchillaLaw::HOFFMANN_2022.loss(70e9, 1.4e12)).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Law {
    family: LawRef,
    theta: Vec<f64>,
    /// The natural values it was made from, for a Chinchilla law made from them.
    #[serde(skip)]
    exact: Option<ChinchillaLaw>,
}

impl From<ChinchillaLaw> for Law {
    fn from(law: ChinchillaLaw) -> Self {
        Law {
            family: LawRef::chinchilla(),
            theta: law.theta().to_vec(),
            exact: Some(law),
        }
    }
}

impl Law {
    /// The law of `family` at solver-space `theta` (of the family's length).
    pub fn new(family: LawRef, theta: Vec<f64>) -> Self {
        debug_assert_eq!(theta.len(), family.params().len());
        Law {
            family,
            theta,
            exact: None,
        }
    }

    /// The family.
    pub fn family(&self) -> LawRef {
        self.family
    }

    /// Solver-space parameters, one per parameter of the family.
    pub fn theta(&self) -> &[f64] {
        &self.theta
    }

    /// The solver-space parameters, by value.
    pub fn into_theta(self) -> Vec<f64> {
        self.theta
    }

    /// The law of `family` with natural parameter values `values` (each parameter once, by
    /// natural name, e.g. `E=1.69`), checked against each parameter's domain.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `flag`: an unknown, repeated or missing name, or a value
    /// outside its parameter's domain.
    pub fn from_natural(family: LawRef, values: &[(&str, f64)], flag: &str) -> Result<Self, Error> {
        let params = family.params();
        let mut theta: Vec<Option<f64>> = vec![None; params.len()];
        let mut natural = vec![f64::NAN; params.len()];
        for &(name, value) in values {
            let idx = natural_index(family.family(), name)
                .ok_or_else(|| unknown_parameter(family, flag, name))?;
            let solver = params[idx].solver_from_natural(flag, value)?;
            natural[idx] = value;
            if theta[idx].replace(solver).is_some() {
                return Err(Error::invalid_option(
                    flag,
                    format!("{name} is given twice; give each parameter once"),
                ));
            }
        }
        let missing: Vec<&str> = params
            .iter()
            .zip(&theta)
            .filter(|(_, t)| t.is_none())
            .map(|(p, _)| p.natural)
            .collect();
        if !missing.is_empty() {
            return Err(Error::invalid_option(
                flag,
                format!(
                    "the {} law needs {}; missing {}",
                    family.name(),
                    natural_names(family),
                    missing.join(", ")
                ),
            ));
        }
        if family.is_chinchilla() {
            // The values as given, to the bit (see the type's docs).
            return Ok(Law::from(ChinchillaLaw {
                param_coef: natural[0],
                data_coef: natural[1],
                irreducible: natural[2],
                alpha: natural[3],
                beta: natural[4],
            }));
        }
        Ok(Law::new(family, theta.into_iter().flatten().collect()))
    }

    /// The law as Chinchilla's natural parameters, when it is a Chinchilla law.
    pub fn chinchilla(&self) -> Option<ChinchillaLaw> {
        if self.exact.is_some() {
            return self.exact;
        }
        self.family.is_chinchilla().then(|| {
            let mut t: Theta = [0.0; 5];
            t.copy_from_slice(&self.theta);
            ChinchillaLaw::from_theta(&t)
        })
    }

    /// Natural value of the parameter with natural name `name`.
    pub fn natural(&self, name: &str) -> Option<f64> {
        let idx = natural_index(self.family.family(), name)?;
        Some(self.natural_at(idx))
    }

    /// Natural value of parameter `idx` (solver order).
    pub fn natural_at(&self, idx: usize) -> f64 {
        match &self.exact {
            Some(law) => law.natural_value(idx),
            None => self.family.params()[idx].natural_value(self.theta[idx]),
        }
    }

    /// Natural values of every parameter, in the family's display order.
    pub fn natural_values(&self) -> ParamValues {
        let params = self.family.params();
        ParamValues(
            self.family
                .display_order()
                .into_iter()
                .map(|i| (params[i].natural.to_string(), self.natural_at(i)))
                .collect(),
        )
    }

    /// `ln L` for a row. A family that reads unique tokens `U` and is given a row without them
    /// takes every token as fresh (`U = D`).
    pub fn log_loss_row(&self, row: &Row) -> f64 {
        let family = self.family.family();
        family.log_prediction(&self.theta, &row.for_family(family))
    }

    /// Predicted loss for a row.
    pub fn loss_row(&self, row: &Row) -> f64 {
        self.log_loss_row(row).exp()
    }

    /// Predicted loss of a run with `n_params` parameters, `n_tokens` tokens and the other
    /// inputs of `row` (whose `log_n` and `log_d` are their logarithms). A Chinchilla law takes
    /// `n_params` and `n_tokens` as they are, in its natural form, to the bit as
    /// [`ChinchillaLaw::loss`]; any other reads `row`.
    pub fn loss_run(&self, n_params: f64, n_tokens: f64, row: &Row) -> f64 {
        match self.chinchilla() {
            Some(law) => law.loss(n_params, n_tokens),
            None => self.loss_row(row),
        }
    }

    /// Predicted loss for `n_params` parameters trained on `n_tokens` fresh tokens, with
    /// compute `C = 6·N·D` for a law of compute.
    pub fn loss(&self, n_params: f64, n_tokens: f64) -> f64 {
        match self.chinchilla() {
            // The same arithmetic as the law in natural parameters, to the bit.
            Some(law) => law.loss(n_params, n_tokens),
            None => self.loss_row(&Row::new(
                n_params,
                n_tokens,
                super::DEFAULT_FLOPS_PER_PARAM_TOKEN,
            )),
        }
    }

    /// Exponent `a` of `N* ∝ C^a`, when the family defines one.
    pub fn params_exponent(&self) -> Option<f64> {
        match self.chinchilla() {
            Some(law) => Some(law.params_exponent()),
            None => self.family.params_exponent(&self.theta),
        }
    }

    /// Exponent `b = 1 - a` of `D* ∝ C^b`, when the family defines `a`.
    pub fn tokens_exponent(&self) -> Option<f64> {
        match self.chinchilla() {
            Some(law) => Some(law.tokens_exponent()),
            None => self.family.params_exponent(&self.theta).map(|a| 1.0 - a),
        }
    }

    /// A one-line description, e.g. `E = 1.69, A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28`.
    pub fn describe(&self) -> String {
        self.natural_values()
            .iter()
            .map(|(n, v)| format!("{n} = {}", compact(v)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The natural names of `family`'s parameters, in display order, e.g. `E, A, B, alpha, beta`.
pub fn natural_names(family: LawRef) -> String {
    let params = family.params();
    family
        .display_order()
        .into_iter()
        .map(|i| params[i].natural)
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_parameter(family: LawRef, flag: &str, name: &str) -> Error {
    Error::invalid_option(
        flag,
        format!(
            "unknown parameter '{name}' of the {} law; use {}",
            family.name(),
            natural_names(family)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_order_through_json() {
        let v = ParamValues::from(ChinchillaLaw::HOFFMANN_2022);
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(
            text,
            r#"{"E":1.69,"A":406.4,"B":410.7,"alpha":0.34,"beta":0.28}"#
        );
        // Byte for byte what the law in natural parameters writes.
        assert_eq!(
            text,
            serde_json::to_string(&ChinchillaLaw::HOFFMANN_2022).unwrap()
        );
        let back: ParamValues = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn natural_values_name_every_parameter_or_say_what_is_missing() {
        let law = Law::from_natural(
            LawRef::chinchilla(),
            &[
                ("E", 1.69),
                ("A", 406.4),
                ("B", 410.7),
                ("alpha", 0.34),
                ("beta", 0.28),
            ],
            "--truth",
        )
        .unwrap();
        let h = ChinchillaLaw::HOFFMANN_2022;
        assert_eq!(law.chinchilla().unwrap().alpha, h.alpha);
        assert!((law.loss(1e9, 2e10) / h.loss(1e9, 2e10) - 1.0).abs() < 1e-14);
        let err = Law::from_natural(LawRef::chinchilla(), &[("E", 1.69)], "--truth")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--truth") && err.contains("missing A, B, alpha, beta"),
            "{err}"
        );
        let err = Law::from_natural(LawRef::chinchilla(), &[("gamma", 1.0)], "--truth")
            .unwrap_err()
            .to_string();
        assert!(err.contains("use E, A, B, alpha, beta"), "{err}");
    }
}
