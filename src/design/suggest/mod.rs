//! Which runs to train next: the candidate runs, inside the sizes and tokens per parameter of
//! the fitted runs, that most narrow the bootstrap interval of `N*(C)` (or of `L*(C)`) at a
//! target budget per FLOP spent.
//!
//! ```text
//! inside      N_min ≤ N ≤ N_max,  r_min ≤ D/N ≤ r_max      (r = D/N; candidates.rs)
//! interval    percentile interval of q over the bootstrap draws            (as optimal)
//! after runs  draws reweighted by each run's likelihood, one probe draw as truth (draws.rs)
//! score       fall of the mean squared log width per FLOP
//! ```
//!
//! Runs are chosen greedily: each step takes the candidate with the largest fall of the
//! expected squared log width of the interval per FLOP, among IsoFLOP-like candidates (budgets
//! from the smallest fitted compute up to the compute limit, three per decade; nine sizes per
//! budget from `N*/10` to `10·N*` and the data's edges on that budget), until `runs` are chosen
//! or the next would pass a total compute cap. Candidates outside the fitted ranges are left
//! out unless `allow_outside`, and then each is flagged: there the law is extrapolated, and the
//! expected interval assumes it holds. The study in `benches/src/bin/suggest_study.rs` scores
//! the runs against a truth of another form than the fitted law.

mod candidates;
mod delta;
mod draws;

use serde::{Deserialize, Serialize};

use crate::answer::allocation::Allocator;
use crate::error::Error;
use crate::finite::compact;
use crate::fit::{FittedLaw, Observations};
use crate::uncertainty::BootstrapDraws;
use crate::uncertainty::delta::robust_scale;

pub use candidates::DataRanges;
pub use delta::log_sd;
pub use draws::PROBES;

/// Median effective number of draws below which the draws no longer resolve the expected
/// interval (a few draws carry the weight, so the weighted interval measures their spacing):
/// from there the interval after is held at the last resolved one.
pub const FEW_EFFECTIVE_DRAWS: f64 = 30.0;

/// The quantity whose interval the runs should narrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// `N*(C)`.
    Params,
    /// `L*(C)`.
    Loss,
}

impl Target {
    /// The quantity named as `--target` takes it (`params` or `loss`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--target` for any other name.
    pub fn parse(name: &str) -> Result<Self, Error> {
        match name {
            "params" => Ok(Target::Params),
            "loss" => Ok(Target::Loss),
            other => Err(Error::invalid_option(
                "--target",
                format!("'{other}' is not one of params, loss"),
            )),
        }
    }
}

/// What to suggest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SuggestConfig {
    /// The budget `C` at which the interval should narrow, FLOPs.
    pub target_budget: f64,
    /// The quantity.
    pub target: Target,
    /// Runs to suggest.
    pub runs: usize,
    /// Largest compute of one candidate run, FLOPs.
    pub compute_limit: f64,
    /// Total compute the suggested runs may spend, FLOPs (`None`: no cap).
    pub total_compute: Option<f64>,
    /// Confidence level of the intervals.
    pub level: f64,
    /// `k` in `C = k·N·D`.
    pub flops_per_param_token: f64,
    /// Also offer runs outside the fitted ranges of N and D/N (each flagged).
    #[serde(default)]
    pub allow_outside: bool,
}

/// An interval of the target quantity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExpectedInterval {
    /// `ln(upper/lower) / (2z)`: the standard deviation of the log of the quantity that a
    /// normal interval of this width would have.
    pub log_sd: f64,
    /// Lower end.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
    /// `upper / lower`.
    pub width_ratio: f64,
}

/// One suggested run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestedRun {
    /// Parameters N.
    pub n_params: f64,
    /// Tokens D.
    pub n_tokens: f64,
    /// `k·N·D`, FLOPs.
    pub flops: f64,
    /// Why the run lies outside the fitted ranges of N and D/N (`None`: inside); only with
    /// `allow_outside`.
    pub outside: Option<String>,
    /// The expected interval after adding this run and those before it.
    pub interval_after: ExpectedInterval,
    /// Whether the draws resolve the interval after this run (at least
    /// [`FEW_EFFECTIVE_DRAWS`] effective draws); when not, `interval_after` is held at the
    /// last resolved one, an upper bound on the narrowing the draws can show.
    pub resolved: bool,
}

/// The suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// What was asked.
    pub config: SuggestConfig,
    /// The ranges of the fitted runs that candidates keep inside.
    pub ranges: DataRanges,
    /// The quantity at the target budget under the fitted law.
    pub value: f64,
    /// Its bootstrap percentile interval now.
    pub interval_now: ExpectedInterval,
    /// The runs, in the order chosen.
    pub runs: Vec<SuggestedRun>,
    /// Total compute of the runs, FLOPs.
    pub total_flops: f64,
    /// Bootstrap draws behind the intervals (converged, with a finite quantity).
    pub draws: usize,
    /// Seed of the bootstrap that drew them.
    pub seed: u64,
    /// Median over probe draws of the effective number of draws after all the runs,
    /// `(Σw)²/Σw²`; below [`FEW_EFFECTIVE_DRAWS`] the later runs' intervals are not resolved.
    pub effective_draws: f64,
}

fn z_of(level: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(0.5 + level / 2.0)
}

/// The interval `[lower, upper]` shrunk around `value` in log space by `shrink`.
fn shrunk(value: f64, lower: f64, upper: f64, shrink: f64, z: f64) -> ExpectedInterval {
    let (lower, upper) = (
        value * (shrink * (lower / value).ln()).exp(),
        value * (shrink * (upper / value).ln()).exp(),
    );
    let log_width = (upper / lower).ln();
    ExpectedInterval {
        log_sd: log_width / (2.0 * z),
        lower,
        upper,
        width_ratio: log_width.exp(),
    }
}

/// A cap on the total compute that is positive, finite, and buys at least one candidate run
/// (the smallest takes `smallest` FLOPs, the compute of the smallest fitted run).
fn check_total_compute(total: f64, smallest: f64) -> Result<(), Error> {
    if !(total.is_finite() && total > 0.0) {
        return Err(Error::invalid_option(
            "--total-compute",
            format!("must be a positive number of FLOPs, got {}", compact(total)),
        ));
    }
    if total * (1.0 + 1e-9) < smallest {
        return Err(Error::invalid_option(
            "--total-compute",
            format!(
                "{} FLOPs is too small for even one run: the smallest run suggested takes {} \
                 FLOPs (that of the smallest fitted run); give at least that",
                compact(total),
                compact(smallest)
            ),
        ));
    }
    Ok(())
}

/// The options that need no fit: runs, budget, level.
fn check_config(c: &SuggestConfig) -> Result<(), Error> {
    if c.runs == 0 || c.runs > 1000 {
        return Err(Error::invalid_option(
            "--runs",
            format!("must be from 1 to 1000, got {}", c.runs),
        ));
    }
    if !(c.target_budget.is_finite() && c.target_budget > 0.0) {
        return Err(Error::invalid_option(
            "--target-budget",
            format!(
                "must be a positive number of FLOPs, got {}",
                c.target_budget
            ),
        ));
    }
    // Below 0.01 the interval has no width left to narrow (its sd is 0/0).
    if !(c.level >= 0.01 && c.level < 1.0) {
        return Err(Error::invalid_option(
            "--level",
            format!("must lie in [0.01, 1), got {}", c.level),
        ));
    }
    if !c.compute_limit.is_finite() {
        return Err(Error::invalid_option(
            "--compute-limit",
            format!(
                "must be a finite number of FLOPs, got {}",
                compact(c.compute_limit)
            ),
        ));
    }
    Ok(())
}

/// The smallest fitted compute, checked against the compute limit and the total cap.
fn smallest_compute(obs: &Observations, c: &SuggestConfig) -> Result<f64, Error> {
    let smallest = obs
        .log_c()
        .iter()
        .copied()
        .reduce(f64::min)
        .map_or(f64::NAN, f64::exp);
    if let Some(total) = c.total_compute {
        check_total_compute(total, smallest)?;
    }
    if smallest.is_nan() || c.compute_limit < smallest {
        return Err(Error::invalid_option(
            "--compute-limit",
            format!(
                "{} FLOPs is below the smallest fitted run ({}); give a limit at or above it",
                compact(c.compute_limit),
                compact(smallest)
            ),
        ));
    }
    Ok(smallest)
}

/// The draws with their `ln q`, those with a finite quantity only.
fn draws_of(
    draws: &BootstrapDraws,
    fitted: &FittedLaw,
    c: &SuggestConfig,
) -> Result<Vec<(f64, crate::law::Law)>, Error> {
    if draws.family != fitted.family || draws.theta.ncols() != fitted.theta.len() {
        return Err(Error::invalid_option(
            "--bootstrap",
            "the bootstrap draws are not of this fit's law; bootstrap the fit again",
        ));
    }
    let kept: Vec<_> = draws
        .laws()
        .into_iter()
        .map(|law| (delta::log_quantity_of(law.clone(), c), law))
        .filter(|(q, _)| q.is_finite())
        .collect();
    if kept.is_empty() && !draws.laws().is_empty() {
        // Not one draw has a value there: the budget, not the draws, is at fault.
        return Err(Error::invalid_option(
            "--target-budget",
            format!(
                "no bootstrap draw has a finite value at {} FLOPs; give a budget nearer the \
                 fitted runs",
                compact(c.target_budget)
            ),
        ));
    }
    if kept.len() < 20 {
        return Err(Error::invalid_option(
            "--bootstrap",
            format!(
                "{} usable bootstrap draws (converged, with a finite value at the target budget) \
                 are too few for an interval; bootstrap with more resamples (e.g. --bootstrap 400)",
                kept.len()
            ),
        ));
    }
    Ok(kept)
}

/// The percentile interval of the draws now (`optimal --bootstrap`'s).
fn interval_now(value: f64, log_q: &[f64], level: f64) -> (f64, f64) {
    let e = crate::uncertainty::estimate(
        value,
        &log_q.iter().map(|x| x.exp()).collect::<Vec<_>>(),
        level,
    );
    (e.lower.unwrap_or(value), e.upper.unwrap_or(value))
}

/// Suggest runs for `fitted` (fitted to `obs`), with the expected intervals from its bootstrap
/// `draws`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--runs`, `--target-budget`, `--compute-limit`,
/// `--total-compute` (not positive, or too small for one run) or `--level` for bad values,
/// `--compute-limit` when no candidate lies inside the fitted ranges under it, and
/// `--bootstrap` when the draws are not of this fit or too few are usable.
pub fn suggest(
    obs: &Observations,
    fitted: &FittedLaw,
    draws: &BootstrapDraws,
    config: &SuggestConfig,
) -> Result<Suggestion, Error> {
    let c = *config;
    check_config(&c)?;
    let smallest = smallest_compute(obs, &c)?;
    let alloc = Allocator::new(fitted.to_law(), c.flops_per_param_token)?;
    alloc.require_allocation("suggest")?;
    let point = alloc.optimal_for_compute(c.target_budget);
    let value = match c.target {
        Target::Params => point.n_params,
        Target::Loss => point.loss,
    };
    if !(value.is_finite() && value > 0.0) {
        return Err(Error::invalid_option(
            "--target-budget",
            format!(
                "{} FLOPs gives no finite answer to improve (the fitted law's value there is \
                 {}); give a budget nearer the fitted runs",
                compact(c.target_budget),
                compact(value)
            ),
        ));
    }
    let kept = draws_of(draws, fitted, &c)?;
    let log_q: Vec<f64> = kept.iter().map(|d| d.0).collect();
    let (lower, upper) = interval_now(value, &log_q, c.level);
    let ranges = DataRanges::of(obs).ok_or_else(|| Error::invalid_option("fit", "no runs"))?;
    let cands = candidates::candidates(&alloc, smallest, c.compute_limit, &ranges, c.allow_outside);
    if cands.is_empty() {
        return Err(Error::invalid_option(
            "--compute-limit",
            format!(
                "no candidate run up to {} FLOPs lies inside the fitted ranges (N {} to {}, \
                 D/N {} to {}); raise the limit, or give --allow-outside",
                compact(c.compute_limit),
                compact(ranges.n_params[0]),
                compact(ranges.n_params[1]),
                compact(ranges.tokens_per_param[0]),
                compact(ranges.tokens_per_param[1])
            ),
        ));
    }
    let mut model = draws::DrawModel::new(kept, robust_scale(&fitted.residuals), c.level);
    let n_draws = model.len();
    let preds: Vec<Vec<f64>> = cands
        .iter()
        .map(|x| model.predictions(x.n_params, x.n_tokens))
        .collect();
    let (width_before, mut ess) = model.expected_width(None);
    let z = z_of(c.level);
    let (mut width, mut resolved_width) = (width_before, width_before);
    let mut used = vec![false; cands.len()];
    let (mut runs, mut total) = (Vec::new(), 0.0);
    for _ in 0..c.runs {
        let mut best: Option<(usize, f64, f64, f64)> = None;
        for (i, cand) in cands.iter().enumerate() {
            let over = c
                .total_compute
                .is_some_and(|cap| total + cand.flops > cap * (1.0 + 1e-9));
            if used[i] || over {
                continue;
            }
            let (after, e) = model.expected_width(Some(&preds[i]));
            let score = (width * width - after * after) / cand.flops;
            if score.is_finite() && best.is_none_or(|b| score > b.1) {
                best = Some((i, score, after, e));
            }
        }
        let Some((i, _, after, e)) = best else { break };
        model.add(&preds[i]);
        // Once a few draws carry the weight, the weighted interval measures the spacing of
        // the draws, not the runs: the expected interval is held where it was last resolved.
        let resolved = e >= FEW_EFFECTIVE_DRAWS;
        if resolved {
            resolved_width = after;
        }
        (width, ess) = (after, e);
        used[i] = true;
        total += cands[i].flops;
        let shrink = if width_before > 0.0 {
            resolved_width / width_before
        } else {
            1.0
        };
        runs.push(SuggestedRun {
            n_params: cands[i].n_params,
            n_tokens: cands[i].n_tokens,
            flops: cands[i].flops,
            outside: cands[i].outside.clone(),
            interval_after: shrunk(value, lower, upper, shrink, z),
            resolved,
        });
    }
    Ok(Suggestion {
        config: c,
        ranges,
        value,
        interval_now: shrunk(value, lower, upper, 1.0, z),
        runs,
        total_flops: total,
        draws: n_draws,
        seed: draws.config.seed,
        effective_draws: ess,
    })
}

#[cfg(test)]
mod tests;
