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
use crate::law::ChinchillaLaw;
use crate::warnings::{Warning, WarningCode};

/// E below this multiple of its median draw counts as collapsed.
pub const COLLAPSED_E_RATIO: f64 = 1e-4;
/// A or B above this counts as run off to infinity.
pub const RUNAWAY_COEF: f64 = 1e20;
/// Smallest share of draws reported.
pub const MIN_SHARE: f64 = 0.01;

/// Share of the converged draws in which E collapses, A runs off and B runs off, with the
/// extreme value found for each.
pub fn collapse_shares(draws: &BootstrapDraws) -> [(f64, f64); 3] {
    let laws = draws.laws();
    if laws.is_empty() {
        return [(0.0, f64::NAN); 3];
    }
    let n = laws.len() as f64;
    let mut e: Vec<f64> = laws.iter().map(|l| l.irreducible).collect();
    e.sort_by(f64::total_cmp);
    let median_e = e[e.len() / 2];
    let collapsed = |l: &ChinchillaLaw| {
        l.irreducible < COLLAPSED_E_RATIO * median_e || l.irreducible.ln() < DEGENERATE_LOG_E
    };
    let share =
        |f: &dyn Fn(&ChinchillaLaw) -> bool| laws.iter().filter(|l| f(l)).count() as f64 / n;
    let max = |f: fn(&ChinchillaLaw) -> f64| laws.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
    [
        (share(&collapsed), e[0]),
        (
            share(&|l| l.param_coef > RUNAWAY_COEF),
            max(|l| l.param_coef),
        ),
        (share(&|l| l.data_coef > RUNAWAY_COEF), max(|l| l.data_coef)),
    ]
}

/// Warnings for parameters that collapse or run off in at least [`MIN_SHARE`] of the draws.
pub fn collapse_warnings(draws: &BootstrapDraws) -> Vec<Warning> {
    let [e, a, b] = collapse_shares(draws);
    let total = draws.laws().len();
    let mut out = Vec::new();
    if e.0 >= MIN_SHARE {
        out.push(Warning::new(
            WarningCode::CollapsesInResamples,
            format!(
                "E collapses to zero in {:.1}% of {total} resamples (down to {:.2e}): the data do not bound the irreducible loss",
                100.0 * e.0,
                e.1
            ),
            "read E, A and B from their percentile intervals only; add runs at larger N and D, or fix E (--fix E=VALUE) from other evidence",
        ));
    }
    for (name, (share, extreme)) in [("A", a), ("B", b)] {
        if share >= MIN_SHARE {
            // A coefficient is exp(theta): past about 1.8e308 the draw holds no finite value.
            let largest = if extreme.is_finite() {
                format!("up to {extreme:.2e}")
            } else {
                "some beyond double precision".to_string()
            };
            out.push(Warning::new(
                WarningCode::CollapsesInResamples,
                format!(
                    "{name} grows without bound (above {RUNAWAY_COEF:.0e}) in {:.1}% of {total} resamples ({largest}): its exponent is not identified",
                    100.0 * share
                ),
                "read the parameters from their percentile intervals only; add runs over a wider range of sizes and tokens, or tie the exponents (--tie-exponents)",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uncertainty::BootstrapConfig;

    fn draws(thetas: Vec<[f64; 5]>) -> BootstrapDraws {
        let n = thetas.len();
        BootstrapDraws {
            config: BootstrapConfig::default(),
            theta: thetas,
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
