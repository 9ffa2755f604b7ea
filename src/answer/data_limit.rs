//! Compute-optimal answers under a unique-token budget `U` (issue 14, item 4).
//!
//! Each budget's answer is the loss-minimising `N`, `D` and epochs `D/U` of the
//! data-constrained law (Muennighoff et al. 2023), from [`allocate_with_unique_tokens`]:
//!
//! - with a fit of the data-constrained family, its own fitted `R_D*` and `R_N*`
//!   ([`Repetition::Fitted`]);
//! - with a Chinchilla fit, which has seen no repeated data, the fitted base `E, A, B, alpha,
//!   beta` with the published decay constants of repeated tokens and excess parameters
//!   ([`Repetition::Published`], `R_D* = 15.39`, `R_N* = 5.31`): an assumption that the value
//!   of a repeated token decays as in Muennighoff et al.'s C4 runs, stated in the output. Each
//!   budget whose `D*` exceeds `U` also gets a [`WarningCode::DataLimit`] warning with the
//!   epochs the Chinchilla answer would need;
//! - other families (Kaplan, compute) know nothing of repeated data: their answers are kept
//!   and only the warnings are given.
//!
//! With bootstrap draws, every quantity has a percentile interval: the allocation is solved
//! for each draw (the published constants held fixed for a Chinchilla fit, so those intervals
//! carry the uncertainty of the base only).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::answer::optimal::OptimalEstimate;
use crate::error::Error;
use crate::fit::FittedLaw;
use crate::law::data_constrained::allocate_with_unique_tokens;
use crate::law::{DataConstrainedLaw, RepeatedData};
use crate::uncertainty::{BootstrapDraws, Estimate, estimate};
use crate::warnings::{Warning, WarningCode};

/// Where the decay constants of repeated data come from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum Repetition {
    /// Fitted with the data-constrained law.
    Fitted,
    /// Muennighoff et al. 2023's published values, on a fitted Chinchilla base.
    Published {
        /// `R_D*`.
        tokens_decay: f64,
        /// `R_N*`.
        params_decay: f64,
    },
}

/// The loss-minimising split of one compute budget given the unique tokens, with intervals
/// when the fit has bootstrap draws.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LimitedAllocation {
    /// Compute budget `C`, FLOPs.
    pub compute: f64,
    /// Unique tokens available `U`.
    pub unique_tokens: f64,
    /// Model size `N`.
    pub n_params: Estimate,
    /// Training tokens `D = C / (k·N)`.
    pub n_tokens: Estimate,
    /// Epochs over the unique tokens, `D / U`.
    pub epochs: Estimate,
    /// Predicted loss at this allocation.
    pub loss: Estimate,
    /// Predicted loss at the same compute with unlimited unique tokens.
    pub fresh_data_loss: Estimate,
}

/// The answers under a unique-token budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataLimit {
    /// Unique tokens available `U`.
    pub unique_tokens: f64,
    /// Where `R_D*` and `R_N*` come from; `None` when the law cannot answer with epochs.
    pub repetition: Option<Repetition>,
    /// The allocation of each budget, in the order asked; empty when `repetition` is `None`.
    pub allocations: Vec<LimitedAllocation>,
    /// One warning for each budget whose `D*` exceeds `U` under a law that does not model
    /// repeated data.
    pub warnings: Vec<Warning>,
}

/// The answers to `budgets` (compute-optimal estimates under `fitted`) when only
/// `unique_tokens` unique tokens exist, with `C = k·N·D` and, from `draws`, intervals at
/// `level` (module docs).
///
/// # Errors
///
/// [`Error::InvalidOption`] (naming `--unique-tokens`) when `unique_tokens` is not a positive
/// finite number or so small that the epochs over it overflow; the errors of [`allocate_with_unique_tokens`] at the fitted parameters.
pub fn data_limit(
    fitted: &FittedLaw,
    draws: Option<&BootstrapDraws>,
    budgets: &[OptimalEstimate],
    unique_tokens: f64,
    k: f64,
    level: f64,
) -> Result<DataLimit, Error> {
    if !(unique_tokens.is_finite() && unique_tokens > 0.0) {
        return Err(Error::invalid_option(
            "--unique-tokens",
            format!("must be a positive number of tokens, got {unique_tokens}"),
        ));
    }
    let repeated = fitted.family.family().repeated_data();
    let mut out = DataLimit {
        unique_tokens,
        repetition: None,
        allocations: Vec::new(),
        warnings: Vec::new(),
    };
    if repeated != RepeatedData::Fitted {
        out.warnings = beyond_the_data(fitted, budgets, unique_tokens);
    }
    let published = DataConstrainedLaw::MUENNIGHOFF_2023;
    // The data-constrained parameters are the Chinchilla ones followed by log R_D*, log R_N*.
    let (repetition, tail) = match repeated {
        RepeatedData::Fitted => (Repetition::Fitted, Vec::new()),
        RepeatedData::PublishedDecay => (
            Repetition::Published {
                tokens_decay: published.tokens_decay,
                params_decay: published.params_decay,
            },
            vec![published.tokens_decay.ln(), published.params_decay.ln()],
        ),
        RepeatedData::Unmodelled => return Ok(out),
    };
    let as_constrained = |theta: &[f64]| [theta, &tail[..]].concat();
    out.repetition = Some(repetition);
    let theta = as_constrained(&fitted.theta);
    let draw_thetas: Vec<Vec<f64>> = draws
        .filter(|d| d.family == fitted.family)
        .map(|d| {
            d.theta
                .rows()
                .into_iter()
                .map(|r| as_constrained(&r.to_vec()))
                .collect()
        })
        .unwrap_or_default();
    for b in budgets {
        let compute = b.compute.value;
        let point = allocate_with_unique_tokens(&theta, compute, unique_tokens, k)?;
        if !point.epochs.is_finite() {
            return Err(Error::invalid_option(
                "--unique-tokens",
                format!(
                    "{} unique tokens are too few for a budget of {} FLOPs: the {} tokens it \
                     trains on would repeat them more times than a number holds; give more",
                    crate::finite::compact(unique_tokens),
                    crate::finite::compact(compute),
                    crate::finite::compact(point.n_tokens)
                ),
            ));
        }
        // A draw whose allocation does not exist (e.g. a non-positive exponent) is left out
        // of the intervals and counted, as for every other bootstrap quantity.
        let per_draw: Vec<[f64; 5]> = draw_thetas
            .par_iter()
            .map(
                |t| match allocate_with_unique_tokens(t, compute, unique_tokens, k) {
                    Ok(a) => [a.n_params, a.n_tokens, a.epochs, a.loss, a.fresh_data_loss],
                    Err(_) => [f64::NAN; 5],
                },
            )
            .collect();
        let column = |i: usize, value: f64| {
            if per_draw.is_empty() {
                Estimate::point(value)
            } else {
                let xs: Vec<f64> = per_draw.iter().map(|d| d[i]).collect();
                estimate(value, &xs, level)
            }
        };
        out.allocations.push(LimitedAllocation {
            compute,
            unique_tokens,
            n_params: column(0, point.n_params),
            n_tokens: column(1, point.n_tokens),
            epochs: column(2, point.epochs),
            loss: column(3, point.loss),
            fresh_data_loss: column(4, point.fresh_data_loss),
        });
    }
    Ok(out)
}

/// A warning for each budget whose `D*` exceeds `unique_tokens` under a law that treats every
/// token as fresh.
fn beyond_the_data(
    fitted: &FittedLaw,
    budgets: &[OptimalEstimate],
    unique_tokens: f64,
) -> Vec<Warning> {
    let name = fitted.family.family().name();
    let action = if fitted.family.family().repeated_data() == RepeatedData::PublishedDecay {
        "the data-limited answer below assumes the published decay of repeated data; to use \
         your own, fit --law data-constrained to runs with a unique-tokens column \
         (--unique-tokens-col)"
    } else {
        "fit --law data-constrained with a unique-tokens column (--unique-tokens-col) to answer \
         with N, D and epochs"
    };
    budgets
        .iter()
        .filter_map(|b| {
            let d = b.n_tokens.as_ref()?.value;
            (d > unique_tokens).then(|| {
                Warning::new(
                    WarningCode::DataLimit,
                    format!(
                        "at budget {:.3e} FLOPs the compute-optimal D* = {d:.3e} tokens exceeds \
                         the {unique_tokens:.3e} unique tokens: it would need {:.2} epochs, which \
                         the {name} law does not model",
                        b.compute.value,
                        d / unique_tokens,
                    ),
                    action,
                )
            })
        })
        .collect()
}
