//! Compute-optimal answers under a unique-token budget `U` (issue 14, item 4).
//!
//! With the data-constrained family (Muennighoff et al. 2023), each budget's answer is the
//! loss-minimising `N`, `D` and epochs `D/U` from
//! [`allocate_with_unique_tokens`]. The other families know nothing of repeated data: their
//! answers are kept, and each budget whose `D*` exceeds `U` gets a
//! [`WarningCode::DataLimit`] warning with the epochs it would need.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::fit::FittedLaw;
use crate::law::data_constrained::{ConstrainedAllocation, allocate_with_unique_tokens};
use crate::optimal::OptimalEstimate;
use crate::warnings::{Warning, WarningCode};

/// The answers under a unique-token budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataLimit {
    /// Unique tokens available `U`.
    pub unique_tokens: f64,
    /// With the data-constrained law: the allocation of each budget, in the order asked.
    /// Empty with the other laws.
    pub allocations: Vec<ConstrainedAllocation>,
    /// With the other laws: one warning for each budget whose `D*` exceeds `U`.
    pub warnings: Vec<Warning>,
}

/// The answers to `budgets` (compute-optimal estimates under `fitted`) when only
/// `unique_tokens` unique tokens exist, with `C = k·N·D` (module docs).
///
/// # Errors
///
/// [`Error::InvalidOption`] (naming `--unique-tokens`) when `unique_tokens` is not a positive
/// finite number; the errors of [`allocate_with_unique_tokens`].
pub fn data_limit(
    fitted: &FittedLaw,
    budgets: &[OptimalEstimate],
    unique_tokens: f64,
    k: f64,
) -> Result<DataLimit, Error> {
    if !(unique_tokens.is_finite() && unique_tokens > 0.0) {
        return Err(Error::invalid_option(
            "--unique-tokens",
            format!("must be a positive number of tokens, got {unique_tokens}"),
        ));
    }
    let mut out = DataLimit {
        unique_tokens,
        allocations: Vec::new(),
        warnings: Vec::new(),
    };
    if fitted.family.family().name() == "data-constrained" {
        for b in budgets {
            out.allocations.push(allocate_with_unique_tokens(
                &fitted.theta,
                b.compute.value,
                unique_tokens,
                k,
            )?);
        }
        return Ok(out);
    }
    for b in budgets {
        let Some(d) = b.n_tokens.as_ref().map(|e| e.value) else {
            continue;
        };
        if d > unique_tokens {
            out.warnings.push(Warning::new(
                WarningCode::DataLimit,
                format!(
                    "at budget {:.3e} FLOPs the compute-optimal D* = {d:.3e} tokens exceeds the {unique_tokens:.3e} unique tokens: it would need {:.2} epochs, which the {} law does not model",
                    b.compute.value,
                    d / unique_tokens,
                    fitted.family.family().name()
                ),
                "fit --law data-constrained with a unique-tokens column (--unique-tokens-col) to answer with N, D and epochs",
            ));
        }
    }
    Ok(out)
}
