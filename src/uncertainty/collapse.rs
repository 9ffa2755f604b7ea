//! Parameters that the resamples do not identify: E collapsing to zero or a coefficient running
//! off to infinity in a share of the bootstrap draws.
//!
//! ```text
//! E collapsed in a draw:    E < 1e-4 · median(E over draws)   or   log E < -10
//! A (or B) ran off:         A > 1e20
//! reported when the share of converged draws concerned is at least 1%
//! ```
//!
//! When the data do not bound E from below, some resamples trade E for a larger data or
//! parameter term and E goes to 1e-15; A or B then grow without bound with their exponent.
//! Such draws make the standard errors of E, A and B meaningless (they were 1.6e6 for B on a
//! public sweep) and widen intervals of everything derived from them. One percent is below the
//! 2.5% tail of a 95% interval: a smaller share cannot move the interval's ends.

use super::BootstrapDraws;
use crate::fit::diagnostics::DEGENERATE_LOG_E;
use crate::law::Transform;
use crate::warnings::{Warning, WarningCode};

/// E below this multiple of its median draw counts as collapsed.
pub const COLLAPSED_E_RATIO: f64 = 1e-4;
/// A or B above this counts as run off to infinity.
pub const RUNAWAY_COEF: f64 = 1e20;
/// Smallest share of draws reported.
pub const MIN_SHARE: f64 = 0.01;

/// One parameter's behaviour across the converged draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Collapse {
    /// Natural name, e.g. `E` or `A`.
    pub parameter: &'static str,
    /// Share of the converged draws in which it collapses (E) or runs off (a coefficient).
    pub share: f64,
    /// The extreme value found: the smallest E, the largest coefficient.
    pub extreme: f64,
}

/// Share of the converged draws in which the irreducible loss `E` collapses and each other
/// positive coefficient (for Chinchilla `A` and `B`) runs off, with the extreme value found for
/// each; `E` first, the coefficients in solver order. Families without `E` report only their
/// coefficients.
pub fn collapse_shares(draws: &BootstrapDraws) -> Vec<Collapse> {
    let natural = draws.natural();
    let params = draws.family.params();
    let n = natural.nrows() as f64;
    let mut out = Vec::new();
    for (j, p) in params.iter().enumerate() {
        if p.natural != "E" {
            continue;
        }
        let mut e: Vec<f64> = natural.column(j).to_vec();
        if e.is_empty() {
            out.push(Collapse {
                parameter: p.natural,
                share: 0.0,
                extreme: f64::NAN,
            });
            continue;
        }
        e.sort_by(f64::total_cmp);
        let median_e = e[e.len() / 2];
        let collapsed = e
            .iter()
            .filter(|&&x| x < COLLAPSED_E_RATIO * median_e || x.ln() < DEGENERATE_LOG_E)
            .count();
        out.push(Collapse {
            parameter: p.natural,
            share: collapsed as f64 / n,
            extreme: e[0],
        });
    }
    for (j, p) in params.iter().enumerate() {
        if p.natural == "E" || p.transform != Transform::Log {
            continue;
        }
        let column = natural.column(j);
        let share = if column.is_empty() {
            0.0
        } else {
            column.iter().filter(|&&x| x > RUNAWAY_COEF).count() as f64 / n
        };
        let extreme = column.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        out.push(Collapse {
            parameter: p.natural,
            share,
            extreme,
        });
    }
    out
}

/// Warnings for parameters that collapse or run off in at least [`MIN_SHARE`] of the draws.
pub fn collapse_warnings(draws: &BootstrapDraws) -> Vec<Warning> {
    let total = draws.converged.iter().filter(|c| **c).count();
    let mut out = Vec::new();
    for c in collapse_shares(draws) {
        if c.share < MIN_SHARE {
            continue;
        }
        if c.parameter == "E" {
            out.push(Warning::new(
                WarningCode::CollapsesInResamples,
                format!(
                    "E collapses to zero in {:.1}% of {total} resamples (down to {:.2e}): the data do not bound the irreducible loss",
                    100.0 * c.share,
                    c.extreme
                ),
                "read E, A and B from their percentile intervals only; add runs at larger N and D, or fix E (--fix E=VALUE) from other evidence",
            ));
            continue;
        }
        // A coefficient is exp(theta): past about 1.8e308 the draw holds no finite value.
        let largest = if c.extreme.is_finite() {
            format!("up to {:.2e}", c.extreme)
        } else {
            "some beyond double precision".to_string()
        };
        out.push(Warning::new(
            WarningCode::CollapsesInResamples,
            format!(
                "{} grows without bound (above {RUNAWAY_COEF:.0e}) in {:.1}% of {total} resamples ({largest}): its exponent is not identified",
                c.parameter,
                100.0 * c.share
            ),
            "read the parameters from their percentile intervals only; add runs over a wider range of sizes and tokens, or tie the exponents (--tie-exponents)",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uncertainty::BootstrapConfig;

    fn draws(thetas: Vec<[f64; 5]>) -> BootstrapDraws {
        let n = thetas.len();
        let flat: Vec<f64> = thetas.iter().flatten().copied().collect();
        BootstrapDraws {
            config: BootstrapConfig::default(),
            family: crate::law::LawRef::chinchilla(),
            theta: ndarray::Array2::from_shape_vec((n, 5), flat).unwrap(),
            objective: vec![0.0; n],
            converged: vec![true; n],
            improved_by_grid: 0,
        }
    }

    #[test]
    fn e_collapsing_in_five_percent_of_draws_warns() {
        let good = [6.0, 6.0, 0.5, 0.34, 0.28];
        let mut t = vec![good; 95];
        // E = exp(-34) = 1.7e-15 and B = exp(60) = 1.1e26 in five draws.
        t.extend(vec![[6.0, 60.0, -34.0, 0.34, 0.9]; 5]);
        let w = collapse_warnings(&draws(t));
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].message.contains("E collapses to zero in 5.0% of 100"));
        assert!(w[1].message.starts_with("B grows without bound"));
        // A finite value is never called infinite: the reports of a successful run hold no
        // word for a non-finite number (fuzz seed 7, cases 1313 and 1863).
        assert!(w.iter().all(|x| !x.message.contains("infinity")), "{w:?}");
        assert!(collapse_warnings(&draws(vec![good; 100])).is_empty());
    }

    #[test]
    fn a_coefficient_beyond_double_precision_is_said_in_words() {
        let good = [6.0, 6.0, 0.5, 0.34, 0.28];
        let mut t = vec![good; 90];
        // B = exp(800) overflows to infinity in ten draws (fuzz seed 7, case 1313).
        t.extend(vec![[6.0, 800.0, 0.5, 0.34, 0.9]; 10]);
        let w = collapse_warnings(&draws(t));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].message.contains("some beyond double precision"),
            "{w:?}"
        );
        assert!(!w[0].message.contains("inf"), "{w:?}");
    }
}
