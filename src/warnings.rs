//! Warnings: things about a result that the user should know before trusting it.
//!
//! Every warning carries a stable [`WarningCode`] (for programs: JSON reports and the library),
//! a sentence saying what was found, with the numbers, and what to do about it. Analyses
//! collect them into a `Vec<Warning>` next to their result; renderers print them, most serious
//! first. This module sits at the bottom of the house: every layer may use it, it uses none.

use serde::{Deserialize, Serialize};

/// What kind of problem a [`Warning`] reports. Stable names: they appear in JSON as snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WarningCode {
    /// Few runs for each free parameter of the law.
    FewRunsPerParameter,
    /// A parameter at (or beyond) the edge of the start grid or of its allowed range.
    AtGridEdge,
    /// A run that did not converge ended lower than the best converged one.
    UnconvergedRunBelowBest,
    /// Few starts reached the best objective value.
    FewStartsReachedBest,
    /// An exponent outside the range usual for language models.
    ImplausibleExponent,
    /// A parameter ran off to a degenerate value (E -> 0, a coefficient -> infinity).
    Degenerate,
    /// The data do not identify a parameter (equal objectives, different values).
    NotIdentified,
    /// A parameter collapses (E -> 0) or runs off (A, B -> infinity) in a share of resamples.
    CollapsesInResamples,
    /// Bootstrap draws of a quantity are heavy-tailed: its standard error is not meaningful.
    HeavyTailedDraws,
    /// The residual spread is large for data of this kind.
    LargeResidualSpread,
    /// Residuals trend with N, D or C: the functional form misses something.
    ResidualTrend,
    /// Runs far from the law by a robust z-score.
    OutlyingRuns,
    /// A question lies far beyond the largest observed compute.
    Extrapolation,
    /// The compute column disagrees with k·N·D (wrong unit or wrong column).
    ComputeColumnInconsistent,
    /// Runs left out of an analysis (e.g. IsoFLOP groups too small, runs outside every budget).
    RunsDropped,
    /// The table does not look like an IsoFLOP sweep.
    NotAnIsoflopSweep,
    /// The minimum of a profile lies outside the sizes it was sampled at.
    MinimumOutsideSampledRange,
    /// Approaches or intervals cannot be compared with the data at hand.
    CannotTell,
    /// A compute-optimal answer needs more tokens than the unique tokens available.
    DataLimit,
}

/// Something about a result the user should know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// What kind of problem.
    pub code: WarningCode,
    /// What was found, with its numbers.
    pub message: String,
    /// What to do about it.
    pub action: String,
    /// Source rows concerned (1-based, header excluded), when the warning is about runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<usize>,
}

impl Warning {
    /// A warning with no rows attached.
    pub fn new(code: WarningCode, message: impl Into<String>, action: impl Into<String>) -> Self {
        Warning {
            code,
            message: message.into(),
            action: action.into(),
            rows: Vec::new(),
        }
    }

    /// The same warning naming `rows`.
    pub fn with_rows(mut self, rows: Vec<usize>) -> Self {
        self.rows = rows;
        self
    }

    /// One line for text reports: "message; action".
    pub fn line(&self) -> String {
        if self.action.is_empty() {
            self.message.clone()
        } else {
            format!("{}; {}", self.message, self.action)
        }
    }
}
