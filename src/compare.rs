//! Approaches 1, 2 and 3 side by side (Hoffmann et al. 2022, Table 2): the allocation
//! exponents a (N* ∝ C^a) and b (D* ∝ C^b), N* at chosen budgets, and whether they agree.
//!
//! Two approaches agree when their intervals for a overlap; the verdict says which pairs do
//! not, or that agreement cannot be judged when an approach has no interval.

use serde::{Deserialize, Serialize};

use crate::uncertainty::Estimate;

/// One approach's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApproachResult {
    /// e.g. "Approach 3 (parametric fit)".
    pub approach: String,
    /// Exponent of N*.
    pub a: Estimate,
    /// Exponent of D*.
    pub b: Estimate,
    /// N* at each budget of the comparison.
    pub n_params: Vec<Estimate>,
}

/// The comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Confidence level of the intervals.
    pub level: f64,
    /// Budgets at which N* is compared, FLOPs.
    pub budgets: Vec<f64>,
    /// The approaches.
    pub approaches: Vec<ApproachResult>,
    /// Pairs whose intervals for a do not overlap.
    pub disagreements: Vec<(String, String)>,
    /// A sentence for people.
    pub verdict: String,
}

fn overlap(x: &Estimate, y: &Estimate) -> Option<bool> {
    Some(x.lower? <= y.upper? && y.lower? <= x.upper?)
}

/// Compare the approaches' exponents.
pub fn compare(approaches: Vec<ApproachResult>, budgets: Vec<f64>, level: f64) -> Comparison {
    let mut disagreements = Vec::new();
    let mut unjudged = false;
    for (i, x) in approaches.iter().enumerate() {
        for y in &approaches[i + 1..] {
            match overlap(&x.a, &y.a) {
                Some(true) => {}
                Some(false) => disagreements.push((x.approach.clone(), y.approach.clone())),
                None => unjudged = true,
            }
        }
    }
    let pct = level * 100.0;
    let verdict = if approaches.len() < 2 {
        "only one approach could be run; nothing to compare".to_string()
    } else if unjudged {
        "agreement cannot be judged: an approach has no interval (run with bootstrap resamples)"
            .to_string()
    } else if disagreements.is_empty() {
        format!("the approaches agree: their {pct:.0}% intervals for a overlap")
    } else {
        let pairs: Vec<String> = disagreements
            .iter()
            .map(|(x, y)| format!("{x} and {y}"))
            .collect();
        format!(
            "the approaches disagree: the {pct:.0}% intervals for a do not overlap for {}",
            pairs.join("; ")
        )
    };
    Comparison {
        level,
        budgets,
        approaches,
        disagreements,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approach(name: &str, lo: f64, hi: f64) -> ApproachResult {
        let e = Estimate {
            value: (lo + hi) / 2.0,
            std_error: Some(0.01),
            lower: Some(lo),
            upper: Some(hi),
            excluded: 0,
            heavy_tailed: false,
        };
        ApproachResult {
            approach: name.into(),
            a: e,
            b: e,
            n_params: vec![],
        }
    }

    #[test]
    fn verdict_names_the_pairs_that_disagree() {
        let c = compare(
            vec![
                approach("1", 0.40, 0.50),
                approach("2", 0.45, 0.55),
                approach("3", 0.56, 0.60),
            ],
            vec![],
            0.95,
        );
        assert_eq!(
            c.disagreements,
            vec![
                ("1".to_string(), "3".to_string()),
                ("2".to_string(), "3".to_string())
            ]
        );
        assert!(c.verdict.contains("disagree"));
        let c = compare(
            vec![approach("1", 0.40, 0.50), approach("2", 0.45, 0.55)],
            vec![],
            0.95,
        );
        assert!(c.verdict.contains("agree: "), "{}", c.verdict);
    }
}
