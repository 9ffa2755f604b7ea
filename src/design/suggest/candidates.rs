//! The candidate runs and the ranges of the fitted runs they are kept inside.
//!
//! ```text
//! budgets  C_i = C_min · 10^(i/3),  i = 0, 1, ...  while C_i ≤ compute limit
//! sizes    N = N*(C_i) · 10^(j/4),  j = -4..4,  plus the edges of the data on that IsoFLOP
//!          line where it lies inside: N_min, N_max, sqrt(C_i/(k·r_min)), sqrt(C_i/(k·r_max))
//! inside   N_min ≤ N ≤ N_max  and  r_min ≤ r ≤ r_max             (r = D/N)
//! ```
//!
//! A law fitted to runs describes them; outside their sizes and tokens per parameter it is an
//! extrapolation, and runs there are the ones a replication drops as off-law (Besiroglu et al.
//! 2024 drop Chinchilla's smallest and most over- or under-trained runs). So candidates outside
//! are dropped unless asked for, and then each is flagged.

use serde::{Deserialize, Serialize};

use crate::answer::allocation::Allocator;
use crate::fit::Observations;

/// Relative slack of the range checks (sizes are rounded to whole parameters).
const RANGE_RTOL: f64 = 1e-6;

/// The ranges of the fitted runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DataRanges {
    /// Smallest and largest N.
    pub n_params: [f64; 2],
    /// Smallest and largest tokens per parameter D/N.
    pub tokens_per_param: [f64; 2],
}

impl DataRanges {
    /// The ranges of `obs`; `None` when it has no runs.
    pub fn of(obs: &Observations) -> Option<Self> {
        let span = |values: &mut dyn Iterator<Item = f64>| {
            values.fold(None, |acc: Option<[f64; 2]>, x| {
                Some(acc.map_or([x, x], |[lo, hi]| [lo.min(x), hi.max(x)]))
            })
        };
        let logs = obs.log_n().iter().zip(obs.log_d());
        let n_params = span(&mut obs.log_n().iter().map(|x| x.exp()))?;
        let tokens_per_param = span(&mut logs.map(|(n, d)| (d - n).exp()))?;
        Some(DataRanges {
            n_params,
            tokens_per_param,
        })
    }

    /// Why a run of `n` parameters and `d` tokens lies outside, or `None` when inside.
    pub fn outside(&self, n: f64, d: f64) -> Option<String> {
        let mut why = Vec::new();
        let mut check = |what: &str, x: f64, [lo, hi]: [f64; 2]| {
            if x < lo * (1.0 - RANGE_RTOL) {
                why.push(format!("{what} {} below the fitted {}", four(x), four(lo)));
            } else if x > hi * (1.0 + RANGE_RTOL) {
                why.push(format!("{what} {} above the fitted {}", four(x), four(hi)));
            }
        };
        check("N", n, self.n_params);
        check("D/N", d / n, self.tokens_per_param);
        (!why.is_empty()).then(|| why.join("; "))
    }
}

/// `x` to four significant figures, in scientific notation outside [0.001, 10^4).
fn four(x: f64) -> String {
    if !(1e-3..1e4).contains(&x.abs()) {
        return format!("{x:.3e}");
    }
    let decimals = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.decimals$}")
}

/// A candidate run.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    pub n_params: f64,
    pub n_tokens: f64,
    pub flops: f64,
    pub outside: Option<String>,
}

/// The candidates from budget `smallest` up to `compute_limit`, inside `ranges` unless
/// `allow_outside`.
pub(super) fn candidates(
    alloc: &Allocator,
    smallest: f64,
    compute_limit: f64,
    ranges: &DataRanges,
    allow_outside: bool,
) -> Vec<Candidate> {
    let k = alloc.flops_per_param_token();
    let decades = (compute_limit / smallest).log10();
    let steps = (decades * 3.0 + 1e-9).floor().max(0.0) as usize;
    let mut out = Vec::new();
    for i in 0..=steps {
        let budget = smallest * 10f64.powf(i as f64 / 3.0);
        let centre = alloc.optimal_for_compute(budget).n_params;
        let mut sizes: Vec<f64> = if centre.is_finite() {
            (-4..=4)
                .map(|j| centre * 10f64.powf(f64::from(j) / 4.0))
                .collect()
        } else {
            Vec::new()
        };
        let grid = sizes.len();
        let [r_lo, r_hi] = ranges.tokens_per_param;
        sizes.extend(ranges.n_params);
        sizes.extend([r_lo, r_hi].map(|r| (budget / (k * r)).sqrt()));
        for (j, n) in sizes.into_iter().enumerate() {
            let n = n.round().max(1.0);
            if out
                .iter()
                .any(|c: &Candidate| c.flops == budget && (c.n_params / n - 1.0).abs() < 1e-6)
            {
                continue;
            }
            let n_tokens = budget / (k * n);
            let outside = ranges.outside(n, n_tokens);
            // The data's edges are candidates only where they lie on the data's edge.
            if outside.is_none() || (allow_outside && j < grid) {
                out.push(Candidate {
                    n_params: n,
                    n_tokens,
                    flops: budget,
                    outside,
                });
            }
        }
    }
    out
}
