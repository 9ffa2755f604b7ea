//! Inference-aware sizing (Sardana et al. 2024, "Beyond Chinchilla-Optimal: Accounting for
//! Inference in Language Model Scaling Laws", arXiv:2401.00448).
//!
//! A model that will serve `T` inference tokens costs `k·N·D` FLOPs to train and about
//! `2·N·T` to serve (a forward pass is two FLOPs per parameter per token). For a loss `L` to
//! reach — the loss of the compute-optimal model of a training budget, or a target loss — the
//! inference-aware choice minimises the lifetime cost
//!
//! ```text
//! min over N, D of   k·N·D + 2·N·T      subject to   L(N, D) = L
//! ```
//!
//! With `T = 0` this is the least compute reaching `L`, i.e. the compute-optimal split. As `T`
//! grows the optimum moves to a smaller model trained on more tokens.
//!
//! **Any law** (numeric): for each `x = ln N` the tokens `D(N)` that reach `L` are the root of
//! `ln L(N, D) = ln L` in `ln D` (the loss falls with `D`; bisection), and the cost
//! `ln(k·N·D(N) + 2·N·T) = x + ln(k·D(N) + 2·T)` is minimised over `x` by bisection on the sign
//! of its central difference, in the bracket around the compute-optimal size (the optimum lies
//! below it: the training cost is least there and the inference cost rises with `N`). A size
//! too small to reach `L` with any number of tokens counts as infinitely costly.
//!
//! **Chinchilla**: write the reducible loss `Δ = L - E` as `p + q` with `p = A/N^alpha` and
//! `q = B/D^beta`. Setting the derivative of the cost along the constraint to zero gives
//!
//! ```text
//! D(q) · (alpha·(Δ - q) / (beta·q) - 1) = 2·T / k,     D(q) = (B/q)^(1/beta),  N = (A/(Δ - q))^(1/alpha)
//! ```
//!
//! whose left side falls strictly with `q` on `(0, q0]`, `q0 = alpha·Δ/(alpha + beta)` (the
//! compute-optimal split, where it is 0). So the optimum is the single root of a monotone
//! function of one variable, found by bisection on `ln q`; it is closed-form only for `T = 0`
//! (`q = q0`). Both paths are tested against each other and against brute force.

use serde::{Deserialize, Serialize};

use crate::answer::allocation::{Allocator, bisect_increasing};
use crate::answer::optimal::Questions;
use crate::error::Error;
use crate::finite::compact;
use crate::fit::FittedLaw;
use crate::law::{Law, Row};
use crate::uncertainty::{BootstrapDraws, Estimate, estimate};

/// FLOPs per parameter per inference token (one forward pass).
pub const INFERENCE_FLOPS_PER_PARAM_TOKEN: f64 = 2.0;

/// Half-step (in ln N) of the central difference whose sign locates the optimum.
const SLOPE_STEP: f64 = 1e-4;

/// A model (N, D) and what it costs to train and to serve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// Parameters N.
    pub n_params: f64,
    /// Training tokens D.
    pub n_tokens: f64,
    /// `k·N·D`, FLOPs.
    pub training_flops: f64,
    /// `2·N·T`, FLOPs.
    pub inference_flops: f64,
    /// Training plus inference, FLOPs.
    pub total_flops: f64,
}

impl Choice {
    fn new(n_params: f64, n_tokens: f64, k: f64, inference_tokens: f64) -> Self {
        let training_flops = k * n_params * n_tokens;
        let inference_flops = INFERENCE_FLOPS_PER_PARAM_TOKEN * n_params * inference_tokens;
        Choice {
            n_params,
            n_tokens,
            training_flops,
            inference_flops,
            total_flops: training_flops + inference_flops,
        }
    }
}

/// The inference-aware choice for one loss, beside the compute-optimal one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InferenceOptimal {
    /// The loss both choices reach.
    pub loss: f64,
    /// Inference tokens T.
    pub inference_tokens: f64,
    /// The least training-plus-inference FLOPs reaching the loss.
    pub inference_aware: Choice,
    /// The compute-optimal model reaching the loss (least training FLOPs).
    pub compute_optimal: Choice,
    /// `compute_optimal.total_flops - inference_aware.total_flops` (≥ 0).
    pub saving_flops: f64,
    /// `saving_flops / compute_optimal.total_flops`.
    pub saving_fraction: f64,
}

fn check_tokens(inference_tokens: f64) -> Result<(), Error> {
    if inference_tokens.is_finite() && inference_tokens >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_option(
            "--inference-tokens",
            format!(
                "must be a finite number of tokens, 0 or more (e.g. 1e13), got {inference_tokens}"
            ),
        ))
    }
}

fn no_optimum(loss: f64, inference_tokens: f64) -> Error {
    Error::invalid_option(
        "--inference-tokens",
        format!(
            "{}: no finite inference-aware size reaches loss {} (the cost has no minimum within \
             the range of double-precision numbers); choose fewer inference tokens or a budget \
             nearer the fitted range",
            compact(inference_tokens),
            compact(loss)
        ),
    )
}

/// The inference-aware choice for the loss of the compute-optimal model of `compute` FLOPs.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--inference-tokens` for a negative or non-finite `T` or
/// when no finite optimum exists; naming `--budget` when the budget has no compute-optimal
/// split; naming `--law` for a law of compute alone.
pub fn for_budget(
    alloc: &Allocator,
    compute: f64,
    inference_tokens: f64,
) -> Result<InferenceOptimal, Error> {
    alloc.require_allocation("--inference-tokens")?;
    check_tokens(inference_tokens)?;
    let co = alloc
        .optimal_for_compute(compute)
        .finite("--budget", compute)?;
    solve(alloc, co.loss, co.n_params, co.n_tokens, inference_tokens)
}

/// The inference-aware choice for a target loss.
///
/// # Errors
///
/// As [`for_budget`], and naming `--target-loss` when no budget reaches the loss.
pub fn for_loss(
    alloc: &Allocator,
    target: f64,
    inference_tokens: f64,
) -> Result<InferenceOptimal, Error> {
    alloc.require_allocation("--inference-tokens")?;
    check_tokens(inference_tokens)?;
    let co = alloc.optimal_for_loss(target)?;
    solve(alloc, target, co.n_params, co.n_tokens, inference_tokens)
}

/// The optimum for `loss`, given the compute-optimal model `(n_co, d_co)` that reaches it.
fn solve(
    alloc: &Allocator,
    loss: f64,
    n_co: f64,
    d_co: f64,
    inference_tokens: f64,
) -> Result<InferenceOptimal, Error> {
    let k = alloc.flops_per_param_token();
    let compute_optimal = Choice::new(n_co, d_co, k, inference_tokens);
    let (n, d) = if inference_tokens == 0.0 {
        (n_co, d_co)
    } else {
        match alloc.chinchilla() {
            Some(law) => chinchilla_optimum(law, loss, inference_tokens / k),
            None => numeric_optimum(alloc.law(), k, loss, n_co.ln(), inference_tokens),
        }
        .ok_or_else(|| no_optimum(loss, inference_tokens))?
    };
    let inference_aware = Choice::new(n, d, k, inference_tokens);
    let figures = [
        n,
        d,
        inference_aware.total_flops,
        compute_optimal.total_flops,
    ];
    if figures.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(no_optimum(loss, inference_tokens));
    }
    // The compute-optimal choice is one candidate of the minimisation: a tiny negative saving
    // is rounding.
    let saving_flops = (compute_optimal.total_flops - inference_aware.total_flops).max(0.0);
    Ok(InferenceOptimal {
        loss,
        inference_tokens,
        inference_aware,
        compute_optimal,
        saving_flops,
        saving_fraction: saving_flops / compute_optimal.total_flops,
    })
}

/// Chinchilla: the root in `ln q` of the module docs; `ratio = T / k`.
fn chinchilla_optimum(
    law: &crate::law::ChinchillaLaw,
    loss: f64,
    ratio: f64,
) -> Option<(f64, f64)> {
    let (a, b, alpha, beta) = (law.param_coef, law.data_coef, law.alpha, law.beta);
    let delta = loss - law.irreducible;
    if delta.is_nan() || delta <= 0.0 {
        return None;
    }
    let q0 = alpha * delta / (alpha + beta);
    let target = (2.0 * ratio).ln();
    // Rises with z = ln q: ln(2T/k) - ln(D(q)·(alpha·(Δ - q)/(beta·q) - 1)).
    let f = |z: f64| {
        let q = z.exp();
        let bracket = alpha * (delta - q) / (beta * q) - 1.0;
        if bracket.is_nan() || bracket <= 0.0 {
            return f64::INFINITY;
        }
        target - ((b / q).ln() / beta + bracket.ln())
    };
    let z = bisect_increasing(f, q0.ln() - 1e-9)?;
    let q = z.exp();
    let p = delta - q;
    if p.is_nan() || p <= 0.0 {
        return None;
    }
    Some(((a / p).powf(1.0 / alpha), (b / q).powf(1.0 / beta)))
}

/// `ln L` of `law` at `ln N = x`, `ln D = y`.
fn log_loss(law: &Law, k: f64, x: f64, y: f64) -> f64 {
    law.log_loss_row(&Row {
        log_n: x,
        log_d: y,
        log_u: f64::NAN,
        log_c: k.ln() + x + y,
    })
}

/// `ln D` at which a model of `ln N = x` reaches `ln L = log_target` (`None` when no number
/// of tokens within the range of doubles does).
pub(crate) fn log_tokens_for_loss(
    law: &Law,
    k: f64,
    x: f64,
    log_target: f64,
    y0: f64,
) -> Option<f64> {
    bisect_increasing(|y| log_target - log_loss(law, k, x, y), y0)
}

/// Any law: bisection on the sign of the slope of the log cost (module docs).
fn numeric_optimum(
    law: &Law,
    k: f64,
    loss: f64,
    x_co: f64,
    inference_tokens: f64,
) -> Option<(f64, f64)> {
    let log_target = loss.ln();
    let y_at = |x: f64| log_tokens_for_loss(law, k, x, log_target, x + 20f64.ln());
    let cost = |x: f64| match y_at(x) {
        Some(y) => x + (k * y.exp() + INFERENCE_FLOPS_PER_PARAM_TOKEN * inference_tokens).ln(),
        None => f64::INFINITY,
    };
    // Negative left of the optimum (including where the smaller size cannot reach the loss),
    // positive right of it.
    let slope = |x: f64| {
        let (lo, hi) = (cost(x - SLOPE_STEP), cost(x + SLOPE_STEP));
        if lo.is_infinite() { -1.0 } else { hi - lo }
    };
    let x = bisect_increasing(slope, x_co)?;
    let y = y_at(x)?;
    Some((x.exp(), y.exp()))
}

/// What the inference-aware question was asked of.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InferenceQuestion {
    /// The loss of the compute-optimal model of a training budget.
    Budget {
        /// Training budget, FLOPs.
        compute: f64,
    },
    /// A target loss.
    TargetLoss {
        /// The loss.
        loss: f64,
    },
}

/// A [`Choice`] with intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceEstimate {
    /// N.
    pub n_params: Estimate,
    /// D.
    pub n_tokens: Estimate,
    /// D/N.
    pub tokens_per_param: Estimate,
    /// Training FLOPs.
    pub training_flops: Estimate,
    /// Inference FLOPs.
    pub inference_flops: Estimate,
    /// Total FLOPs.
    pub total_flops: Estimate,
}

/// An [`InferenceOptimal`] with intervals from the bootstrap draws (each draw answers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceEstimate {
    /// The question.
    pub question: InferenceQuestion,
    /// The loss both choices reach.
    pub loss: Estimate,
    /// The inference-aware choice.
    pub inference_aware: ChoiceEstimate,
    /// The compute-optimal choice.
    pub compute_optimal: ChoiceEstimate,
    /// FLOPs saved over the lifetime.
    pub saving_flops: Estimate,
    /// Fraction of the compute-optimal lifetime FLOPs saved.
    pub saving_fraction: Estimate,
}

/// Inference-aware answers to every budget and target loss of a set of questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceAnswers {
    /// Inference tokens T.
    pub inference_tokens: f64,
    /// `k` in training FLOPs `k·N·D`.
    pub flops_per_param_token: f64,
    /// FLOPs per parameter per inference token (2).
    pub inference_flops_per_param_token: f64,
    /// Confidence level of the intervals.
    pub level: f64,
    /// One per budget, then one per target loss.
    pub answers: Vec<InferenceEstimate>,
}

/// Answer the budgets and target losses of `q` for `inference_tokens`, with intervals from
/// `draws` when given (each converged draw answers the same question; draws without an answer
/// are left out and counted).
///
/// # Errors
///
/// As [`for_budget`] and [`for_loss`] for the full-data law, and [`Error::InvalidOption`]
/// naming `--inference-tokens` when `q` has neither budgets nor target losses.
pub fn answer(
    fitted: &FittedLaw,
    draws: Option<&BootstrapDraws>,
    q: &Questions,
    inference_tokens: f64,
) -> Result<InferenceAnswers, Error> {
    check_tokens(inference_tokens)?;
    if q.budgets.is_empty() && q.target_losses.is_empty() {
        return Err(Error::invalid_option(
            "--inference-tokens",
            "sizes for the loss of a budget or for a target loss; give --budget, --budgets or \
             --target-loss with it",
        ));
    }
    let k = q.flops_per_param_token;
    let point = Allocator::new(fitted.to_law(), k)?;
    point.require_allocation("--inference-tokens")?;
    let allocators: Vec<Option<Allocator>> = draws
        .map(|d| d.laws())
        .unwrap_or_default()
        .into_iter()
        .map(|l| Allocator::new(l, k).ok())
        .collect();
    let level = q.level;
    let with_draws =
        |p: InferenceOptimal,
         question: InferenceQuestion,
         per_draw: &(dyn Fn(&Allocator) -> Option<InferenceOptimal> + Sync)| {
            let drawn: Vec<Option<InferenceOptimal>> = {
                use rayon::prelude::*;
                allocators
                    .par_iter()
                    .map(|a| a.as_ref().and_then(per_draw))
                    .collect()
            };
            let field = |v: f64, f: &dyn Fn(&InferenceOptimal) -> f64| {
                let values: Vec<f64> = drawn
                    .iter()
                    .map(|d| d.as_ref().map_or(f64::NAN, f))
                    .collect();
                estimate(v, &values, level)
            };
            let choice = |c: &Choice, pick: fn(&InferenceOptimal) -> &Choice| ChoiceEstimate {
                n_params: field(c.n_params, &|o| pick(o).n_params),
                n_tokens: field(c.n_tokens, &|o| pick(o).n_tokens),
                tokens_per_param: field(c.n_tokens / c.n_params, &|o| {
                    pick(o).n_tokens / pick(o).n_params
                }),
                training_flops: field(c.training_flops, &|o| pick(o).training_flops),
                inference_flops: field(c.inference_flops, &|o| pick(o).inference_flops),
                total_flops: field(c.total_flops, &|o| pick(o).total_flops),
            };
            InferenceEstimate {
                question,
                loss: field(p.loss, &|o| o.loss),
                inference_aware: choice(&p.inference_aware, |o| &o.inference_aware),
                compute_optimal: choice(&p.compute_optimal, |o| &o.compute_optimal),
                saving_flops: field(p.saving_flops, &|o| o.saving_flops),
                saving_fraction: field(p.saving_fraction, &|o| o.saving_fraction),
            }
        };
    let mut answers = Vec::new();
    for &c in &q.budgets {
        let p = for_budget(&point, c, inference_tokens)?;
        answers.push(with_draws(
            p,
            InferenceQuestion::Budget { compute: c },
            &|a| for_budget(a, c, inference_tokens).ok(),
        ));
    }
    for &t in &q.target_losses {
        let p = for_loss(&point, t, inference_tokens)?;
        answers.push(with_draws(
            p,
            InferenceQuestion::TargetLoss { loss: t },
            &|a| for_loss(a, t, inference_tokens).ok(),
        ));
    }
    Ok(InferenceAnswers {
        inference_tokens,
        flops_per_param_token: k,
        inference_flops_per_param_token: INFERENCE_FLOPS_PER_PARAM_TOKEN,
        level,
        answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::ChinchillaLaw;

    fn laws() -> Vec<ChinchillaLaw> {
        ChinchillaLaw::TEST_LAWS[..3].to_vec()
    }

    /// Brute force: the least lifetime cost over a grid of ln N (10^5 points over four decades
    /// below the compute-optimal size), D solved from the constraint in closed form.
    fn brute_force(law: &ChinchillaLaw, loss: f64, n_co: f64, t: f64, k: f64) -> (f64, f64) {
        let delta = loss - law.irreducible;
        let (mut best, mut best_n) = (f64::INFINITY, f64::NAN);
        let steps = 100_000;
        let (lo, hi) = (n_co.ln() - 4.0 * 10f64.ln(), n_co.ln() + 0.5);
        for i in 0..=steps {
            let n = (lo + (hi - lo) * f64::from(i) / f64::from(steps)).exp();
            let q = delta - law.param_coef * n.powf(-law.alpha);
            if q <= 0.0 {
                continue;
            }
            let d = (law.data_coef / q).powf(1.0 / law.beta);
            let cost = k * n * d + 2.0 * n * t;
            if cost < best {
                best = cost;
                best_n = n;
            }
        }
        (best_n, best)
    }

    #[test]
    fn the_optimum_matches_brute_force_on_a_grid() {
        for law in laws() {
            let alloc = Allocator::new(law, 6.0).unwrap();
            for c in [1e21, 1e24] {
                for t in [1e11, 1e13, 1e15] {
                    let r = for_budget(&alloc, c, t).unwrap();
                    let co = alloc.optimal_for_compute(c);
                    let (n_grid, cost_grid) = brute_force(&law, co.loss, co.n_params, t, 6.0);
                    // The grid step is 1e-4 in ln N: the grid's best is within it, and no grid
                    // point beats the solution.
                    let n = r.inference_aware.n_params;
                    assert!((n.ln() - n_grid.ln()).abs() < 2e-4, "{law:?} C={c} T={t}");
                    assert!(r.inference_aware.total_flops <= cost_grid * (1.0 + 1e-12));
                    assert!((r.inference_aware.total_flops / cost_grid - 1.0).abs() < 1e-7);
                    // The answer reaches the loss.
                    let reached = law.loss(n, r.inference_aware.n_tokens);
                    assert!((reached / co.loss - 1.0).abs() < 1e-12, "{reached}");
                }
            }
        }
    }

    #[test]
    fn no_inference_gives_the_compute_optimal_answer() {
        for law in laws() {
            for alloc in [
                Allocator::new(law, 6.0).unwrap(),
                Allocator::numeric(law, 6.0).unwrap(),
            ] {
                let r = for_budget(&alloc, 1e22, 0.0).unwrap();
                let co = alloc.optimal_for_compute(1e22);
                assert_eq!(r.inference_aware, r.compute_optimal);
                assert_eq!(r.inference_aware.n_params, co.n_params);
                assert_eq!(r.saving_flops, 0.0);
                assert!((r.inference_aware.training_flops / 1e22 - 1.0).abs() < 1e-12);
                // A vanishing T gives the same answer by the T > 0 path.
                let tiny = for_budget(&alloc, 1e22, 1e-6).unwrap();
                assert!(
                    (tiny.inference_aware.n_params / co.n_params - 1.0).abs() < 1e-6,
                    "{} vs {}",
                    tiny.inference_aware.n_params,
                    co.n_params
                );
            }
        }
    }

    #[test]
    fn more_inference_gives_a_smaller_model_on_more_tokens() {
        for law in laws() {
            let alloc = Allocator::new(law, 6.0).unwrap();
            let mut last = for_budget(&alloc, 1e23, 0.0).unwrap();
            for t in [1e10, 1e11, 1e12, 1e13, 1e14, 1e15] {
                let r = for_budget(&alloc, 1e23, t).unwrap();
                assert!(r.inference_aware.n_params < last.inference_aware.n_params);
                assert!(r.inference_aware.n_tokens > last.inference_aware.n_tokens);
                assert!(r.saving_fraction > last.saving_fraction);
                assert!(r.inference_aware.training_flops > 1e23);
                last = r;
            }
        }
    }

    #[test]
    fn the_numeric_path_agrees_with_the_chinchilla_root() {
        for law in laws() {
            let closed = Allocator::new(law, 6.0).unwrap();
            let numeric = Allocator::numeric(law, 6.0).unwrap();
            for t in [1e11, 1e13, 1e15] {
                for (a, b) in [
                    (
                        for_budget(&closed, 3e22, t).unwrap(),
                        for_budget(&numeric, 3e22, t).unwrap(),
                    ),
                    (
                        for_loss(&closed, law.irreducible + 0.3, t).unwrap(),
                        for_loss(&numeric, law.irreducible + 0.3, t).unwrap(),
                    ),
                ] {
                    for (x, y) in [
                        (a.inference_aware.n_params, b.inference_aware.n_params),
                        (a.inference_aware.n_tokens, b.inference_aware.n_tokens),
                        (a.inference_aware.total_flops, b.inference_aware.total_flops),
                    ] {
                        assert!((y / x - 1.0).abs() < 1e-5, "{law:?} T={t}: {y} vs {x}");
                    }
                }
            }
        }
    }

    #[test]
    fn bad_inference_tokens_and_losses_are_errors_naming_the_flag() {
        let alloc = Allocator::new(ChinchillaLaw::HOFFMANN_2022, 6.0).unwrap();
        for t in [-1.0, f64::NAN, f64::INFINITY] {
            let err = for_budget(&alloc, 1e22, t).unwrap_err().to_string();
            assert!(err.contains("--inference-tokens"), "{err}");
        }
        let err = for_loss(&alloc, 1.5, 1e12).unwrap_err().to_string();
        assert!(err.contains("--target-loss"), "{err}");
    }
}
