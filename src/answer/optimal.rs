//! Answers to the allocation questions, with bootstrap intervals when draws are available.
//!
//! Every quantity is computed once with the full-data law (the point) and once per bootstrap
//! draw (the spread): N*, D*, D*/N* and L* at each budget; the budget and D* at which a model
//! size is optimal; the least compute reaching a target loss; a given model's predicted loss
//! and how its split compares with the optimal ones. See [`crate::answer::allocation`] for formulas and
//! [`crate::uncertainty`] for the intervals.

use serde::{Deserialize, Serialize};

use crate::answer::allocation::{Allocator, ComputeOptimal};
use crate::error::Error;
use crate::fit::FittedLaw;
use crate::law::Law;
use crate::uncertainty::{BootstrapDraws, Estimate, PredictionInterval, PredictiveModel, estimate};
use crate::warnings::{Warning, WarningCode};

/// Default confidence level of intervals.
pub const DEFAULT_LEVEL: f64 = 0.95;

/// The questions to answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Questions {
    /// Compute budgets (FLOPs): N*, D*, D*/N*, L* for each.
    pub budgets: Vec<f64>,
    /// Model sizes: the budget at which each is compute-optimal.
    pub params: Vec<f64>,
    /// Target losses: the least compute that reaches each.
    pub target_losses: Vec<f64>,
    /// Given models (N, D) to assess, with an optional name each.
    pub assess: Vec<(f64, f64)>,
    /// Names of the assessed models (same order as `assess`; may be shorter).
    #[serde(default)]
    pub assess_names: Vec<String>,
    /// Confidence level of intervals, in (0, 1).
    pub level: f64,
    /// `k` in `C = k·N·D`.
    pub flops_per_param_token: f64,
}

/// A compute-optimal configuration with uncertainty. N*, D* and D*/N* are `None` (null) for
/// a law of compute alone, which does not split compute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimalEstimate {
    /// Compute C, FLOPs.
    pub compute: Estimate,
    /// N*.
    pub n_params: Option<Estimate>,
    /// D*.
    pub n_tokens: Option<Estimate>,
    /// D*/N*.
    pub tokens_per_param: Option<Estimate>,
    /// L*.
    pub loss: Estimate,
}

/// A given model compared with the optimal ones, with uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentEstimate {
    /// The model's name, if it has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// N of the model.
    pub n_params: f64,
    /// D of the model.
    pub n_tokens: f64,
    /// `k·N·D`.
    pub compute: f64,
    /// Predicted loss (confidence interval from the draws).
    pub loss: Estimate,
    /// Prediction interval for an observed loss: run-to-run scatter, the law's uncertainty
    /// (bootstrap draws when there are any) and the extrapolation term
    /// ([`crate::uncertainty::prediction`]). Without a predictive model both ends are `None`.
    pub prediction_interval: PredictionInterval,
    /// The optimal split of the same compute.
    pub optimal_same_compute: OptimalEstimate,
    /// The least compute reaching the same loss, and its split.
    pub optimal_same_loss: OptimalEstimate,
    /// Compute used / compute an optimal split needs for the same loss.
    pub compute_ratio: Estimate,
}

/// Summary of the bootstrap behind the intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapSummary {
    /// Resamples drawn.
    pub n_resamples: usize,
    /// Seed of the random streams.
    pub seed: u64,
    /// Resamples whose refit did not converge (left out of the intervals).
    pub failed: usize,
    /// Resamples whose optimum came from a grid start rather than the warm start.
    pub improved_by_grid: usize,
}

/// A named estimate, e.g. `alpha`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedEstimate {
    /// Parameter name.
    pub name: String,
    /// Its estimate.
    pub estimate: Estimate,
}

/// All answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answers {
    /// Confidence level of the intervals.
    pub level: f64,
    /// `k` in `C = k·N·D`.
    pub flops_per_param_token: f64,
    /// The bootstrap behind the intervals, if any.
    pub bootstrap: Option<BootstrapSummary>,
    /// The law's parameters (for Chinchilla A, B, E, alpha, beta), then a and b when the law
    /// has them.
    pub parameters: Vec<NamedEstimate>,
    /// One per budget.
    pub budgets: Vec<OptimalEstimate>,
    /// One per model size.
    pub params: Vec<OptimalEstimate>,
    /// One per target loss.
    pub target_losses: Vec<OptimalEstimate>,
    /// One per assessed model.
    pub assessments: Vec<AssessmentEstimate>,
    /// Warnings about the draws and, once [`extrapolation_warnings`] are added, the questions.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// The questions as the options of `scaling-laws optimal` give them (see its `--help`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QuestionOptions {
    /// Compute budgets in FLOPs (`--budget`).
    pub budget: Vec<f64>,
    /// A range of budgets `LOW:HIGH` (`--budgets`).
    pub budgets: Option<String>,
    /// Budgets per decade in the range (`--per-decade`; 1 when not given).
    pub per_decade: Option<u32>,
    /// Model sizes (`--params`).
    pub params: Vec<f64>,
    /// Target losses (`--target-loss`).
    pub target_loss: Vec<f64>,
    /// Given models (N, D) (`--assess N,D`, read by [`parse_pair`]).
    pub assess: Vec<(f64, f64)>,
    /// Models of the built-in catalogue (`--assess-model`).
    pub assess_model: Vec<String>,
    /// Confidence level of intervals (`--level`).
    pub level: f64,
}

impl QuestionOptions {
    /// The questions, with `k` in `C = k·N·D`; budgets 1e18 to 1e26, one per decade, when
    /// nothing is asked.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming the flag of an invalid option, or an unknown model.
    pub fn questions(&self, k: f64) -> Result<Questions, Error> {
        let per_decade = self.per_decade.unwrap_or(1);
        if per_decade == 0 {
            return Err(Error::invalid_option("--per-decade", "must be at least 1"));
        }
        if self.per_decade.is_some() && self.budgets.is_none() {
            return Err(Error::invalid_option(
                "--per-decade",
                "steps the range of --budgets LOW:HIGH; give --budgets with it",
            ));
        }
        let mut budgets = self.budget.clone();
        if let Some(spec) = &self.budgets {
            budgets.extend(budget_range(spec, per_decade)?);
        }
        let mut assess = Vec::new();
        let mut assess_names = Vec::new();
        for name in &self.assess_model {
            // The catalogue's error names --model, the flag of plan; here the model is --assess-model's.
            let model = crate::plan::find_model(name).map_err(|e| match e {
                Error::InvalidOption { message, .. } => {
                    Error::invalid_option("--assess-model", message)
                }
                other => other,
            })?;
            let tokens = model.tokens.ok_or_else(|| {
                Error::invalid_option(
                    "--assess-model",
                    format!(
                        "the catalogue has no training-token count for {}; use --assess N,D",
                        model.name
                    ),
                )
            })?;
            assess.push((model.params, tokens));
            assess_names.push(model.name);
        }
        assess.extend(&self.assess);
        if budgets.is_empty()
            && self.params.is_empty()
            && self.target_loss.is_empty()
            && assess.is_empty()
        {
            budgets = budget_range("1e18:1e26", 1)?;
        }
        Ok(Questions {
            budgets,
            params: self.params.clone(),
            target_losses: self.target_loss.clone(),
            assess,
            assess_names,
            level: self.level,
            flops_per_param_token: k,
        })
    }
}

/// Budgets LOW:HIGH with `per_decade` steps per factor of ten, both ends included.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--budgets` or `--per-decade`.
pub fn budget_range(spec: &str, per_decade: u32) -> Result<Vec<f64>, Error> {
    let (lo, hi) = parse_range(spec, "--budgets")?;
    if per_decade == 0 {
        return Err(Error::invalid_option("--per-decade", "must be at least 1"));
    }
    let steps = ((hi / lo).log10() * f64::from(per_decade) + 1e-9).floor() as u32;
    if steps > 10_000 {
        return Err(Error::invalid_option(
            "--budgets",
            format!("'{spec}' gives more than 10000 budgets"),
        ));
    }
    Ok((0..=steps)
        .map(|i| lo * 10f64.powf(f64::from(i) / f64::from(per_decade)))
        .collect())
}

/// A model `N,D` as `--assess` gives it (e.g. `175e9,300e9`).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--assess` for text that is not two numbers.
pub fn parse_pair(text: &str) -> Result<(f64, f64), Error> {
    let bad = || {
        Error::invalid_option(
            "--assess",
            format!("'{text}' is not N,D (e.g. 175e9,300e9)"),
        )
    };
    let (n, d) = text.split_once(',').ok_or_else(bad)?;
    Ok((
        n.trim().parse().map_err(|_| bad())?,
        d.trim().parse().map_err(|_| bad())?,
    ))
}

/// Parse `LOW:HIGH` (two positive, finite numbers with LOW <= HIGH) given with `flag`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `flag`.
pub fn parse_range(spec: &str, flag: &str) -> Result<(f64, f64), Error> {
    let bad = |m: &str| {
        Error::invalid_option(
            flag,
            format!("'{spec}': {m}; write LOW:HIGH, e.g. 1e18:1e26"),
        )
    };
    let (lo, hi) = spec.split_once(':').ok_or_else(|| bad("no ':'"))?;
    let lo: f64 = lo.trim().parse().map_err(|_| bad("LOW is not a number"))?;
    let hi: f64 = hi.trim().parse().map_err(|_| bad("HIGH is not a number"))?;
    if !(lo > 0.0 && hi >= lo && hi.is_finite()) {
        return Err(bad("need 0 < LOW <= HIGH"));
    }
    Ok((lo, hi))
}

/// Answer `questions` with the law of `fitted` and, when given, its bootstrap `draws`.
///
/// # Errors
///
/// [`Error::InvalidOption`] for a level outside (0, 1), non-positive budgets, sizes or token
/// counts, or a target loss at or below the fitted E.
pub fn answer(
    fitted: &FittedLaw,
    draws: Option<&BootstrapDraws>,
    q: &Questions,
) -> Result<Answers, Error> {
    answer_with(fitted, draws, None, q)
}

/// [`answer`], with prediction intervals for the assessed models from `model` (built from the
/// same fit and its runs).
///
/// # Errors
///
/// As [`answer`].
pub fn answer_with(
    fitted: &FittedLaw,
    draws: Option<&BootstrapDraws>,
    model: Option<&PredictiveModel>,
    q: &Questions,
) -> Result<Answers, Error> {
    validate(q)?;
    let k = q.flops_per_param_token;
    let point = Allocator::new(fitted.to_law(), k)?;
    if !q.params.is_empty() {
        point.require_allocation("--params")?;
    }
    if !q.assess.is_empty() {
        point.require_allocation("--assess")?;
    }
    let split = point.has_allocation();
    let laws: Vec<Law> = draws.map(|d| d.laws()).unwrap_or_default();
    let allocators: Vec<Option<Allocator>> = laws
        .iter()
        .map(|l| Allocator::new(l.clone(), k).ok())
        .collect();
    let level = q.level;
    let parameters = parameter_estimates(fitted, draws, &laws, level);
    let optimal = |p: ComputeOptimal, per_draw: &dyn Fn(&Allocator) -> Option<ComputeOptimal>| {
        let drawn: Vec<Option<ComputeOptimal>> = allocators
            .iter()
            .map(|a| a.as_ref().and_then(per_draw))
            .collect();
        let field = |v: f64, f: fn(&ComputeOptimal) -> f64| {
            let values: Vec<f64> = drawn
                .iter()
                .map(|d| d.as_ref().map_or(f64::NAN, f))
                .collect();
            estimate(v, &values, level)
        };
        OptimalEstimate {
            compute: field(p.compute, |o| o.compute),
            n_params: split.then(|| field(p.n_params, |o| o.n_params)),
            n_tokens: split.then(|| field(p.n_tokens, |o| o.n_tokens)),
            tokens_per_param: split.then(|| field(p.tokens_per_param, |o| o.tokens_per_param)),
            loss: field(p.loss, |o| o.loss),
        }
    };
    let checked = |p: ComputeOptimal, flag: &str, input: f64| {
        if split {
            p.finite(flag, input)
        } else {
            p.finite_loss(flag, input)
        }
    };
    let budgets = q
        .budgets
        .iter()
        .map(|&c| {
            Ok(optimal(
                checked(point.optimal_for_compute(c), "--budget", c)?,
                &|a| Some(a.optimal_for_compute(c)),
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let params = q
        .params
        .iter()
        .map(|&n| {
            Ok(optimal(
                point.optimal_for_params(n).finite("--params", n)?,
                &|a| Some(a.optimal_for_params(n)),
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let target_losses = q
        .target_losses
        .iter()
        .map(|&t| {
            Ok(optimal(point.optimal_for_loss(t)?, &|a| {
                a.optimal_for_loss(t).ok()
            }))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let assessments = q
        .assess
        .iter()
        .enumerate()
        .map(|(i, &(n, d))| {
            let given = point.assess(n, d)?;
            let loss_draws: Vec<f64> = laws.iter().map(|m| m.loss(n, d)).collect();
            let ratio_draws: Vec<f64> = allocators
                .iter()
                .map(|a| {
                    a.as_ref()
                        .and_then(|a| a.assess(n, d).ok())
                        .map_or(f64::NAN, |a| a.compute_ratio)
                })
                .collect();
            Ok(AssessmentEstimate {
                name: q.assess_names.get(i).cloned(),
                n_params: n,
                n_tokens: d,
                compute: given.compute,
                loss: estimate(given.loss, &loss_draws, level),
                prediction_interval: match model {
                    Some(m) => m.interval(n, d, draws.map(|_| loss_draws.as_slice())),
                    None => PredictionInterval {
                        lower: None,
                        upper: None,
                        extrapolation_decades: 0.0,
                        parts: None,
                        widened_for_misfit: false,
                    },
                },
                optimal_same_compute: optimal(given.optimal_same_compute, &|a| {
                    Some(a.optimal_for_compute(given.compute))
                }),
                optimal_same_loss: optimal(given.optimal_same_loss, &|a| {
                    a.optimal_for_loss(given.loss).ok()
                }),
                compute_ratio: estimate(given.compute_ratio, &ratio_draws, level),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Answers {
        level,
        flops_per_param_token: k,
        bootstrap: draws.map(|d| BootstrapSummary {
            n_resamples: d.config.n_resamples,
            seed: d.config.seed,
            failed: d.failed(),
            improved_by_grid: d.improved_by_grid,
        }),
        warnings: draws.map_or_else(Vec::new, |d| draw_warnings(d, &parameters)),
        parameters,
        budgets,
        params,
        target_losses,
        assessments,
    })
}

/// The parameters of the law in solver order (natural values, for Chinchilla A, B, E, alpha,
/// beta), then a and b when the law has them, each with the spread of the converged draws
/// (the columns of [`BootstrapDraws::natural`]).
fn parameter_estimates(
    fitted: &FittedLaw,
    draws: Option<&BootstrapDraws>,
    laws: &[Law],
    level: f64,
) -> Vec<NamedEstimate> {
    let params = fitted.family.params();
    let point: Vec<f64> = params
        .iter()
        .zip(&fitted.theta)
        .map(|(p, &t)| p.natural_value(t))
        .collect();
    let columns = match draws {
        Some(d) => d.column_estimates(&point, level),
        None => point.iter().map(|&v| estimate(v, &[], level)).collect(),
    };
    let mut out: Vec<NamedEstimate> = params
        .iter()
        .zip(columns)
        .map(|(p, e)| named(p.natural, e))
        .collect();
    let law = fitted.to_law();
    if let (Some(a), Some(b)) = (law.params_exponent(), law.tokens_exponent()) {
        let drawn = |f: fn(&Law) -> Option<f64>| -> Vec<f64> {
            laws.iter().map(|m| f(m).unwrap_or(f64::NAN)).collect()
        };
        out.push(named("a", estimate(a, &drawn(Law::params_exponent), level)));
        out.push(named("b", estimate(b, &drawn(Law::tokens_exponent), level)));
    }
    out
}

/// Quantities beyond this multiple of the largest observed compute are flagged.
pub const EXTRAPOLATION_WARN_RATIO: f64 = 100.0;

/// Collapsing parameters in the draws, and parameters whose draws are heavy-tailed.
fn draw_warnings(draws: &BootstrapDraws, parameters: &[NamedEstimate]) -> Vec<Warning> {
    let mut out = crate::uncertainty::collapse::collapse_warnings(draws);
    let heavy: Vec<&str> = parameters
        .iter()
        .filter(|p| p.estimate.heavy_tailed)
        .map(|p| p.name.as_str())
        .collect();
    if !heavy.is_empty() {
        out.push(Warning::new(
            WarningCode::HeavyTailedDraws,
            format!(
                "the bootstrap draws of {} are heavy-tailed: a standard error would mislead, so only the percentile interval is shown",
                heavy.join(", ")
            ),
            "read those parameters from their intervals; more runs, or fixing E, usually tames the tail",
        ));
    }
    out
}

/// A warning naming every question of `answers` whose compute exceeds
/// [`EXTRAPOLATION_WARN_RATIO`] times `largest_observed` (FLOPs): budgets, the budgets at which
/// the given sizes are optimal, the compute reaching the target losses, and assessed models.
pub fn extrapolation_warnings(answers: &Answers, largest_observed: f64) -> Vec<Warning> {
    let mut far: Vec<String> = Vec::new();
    let mut check = |what: String, c: f64| {
        let ratio = c / largest_observed;
        if ratio > EXTRAPOLATION_WARN_RATIO {
            far.push(if ratio.is_finite() {
                format!("{what} ({ratio:.0}×)")
            } else {
                format!("{what} (beyond any ratio a double holds)")
            });
        }
    };
    for o in &answers.budgets {
        check(format!("budget {:.3e}", o.compute.value), o.compute.value);
    }
    for o in &answers.params {
        let n = o.n_params.as_ref().map_or(f64::NAN, |e| e.value);
        check(format!("N = {n:.3e}"), o.compute.value);
    }
    for o in &answers.target_losses {
        check(format!("target loss {:.4}", o.loss.value), o.compute.value);
    }
    for a in &answers.assessments {
        let name = a
            .name
            .clone()
            .unwrap_or_else(|| format!("N = {:.3e}, D = {:.3e}", a.n_params, a.n_tokens));
        check(format!("model {name}"), a.compute);
    }
    if far.is_empty() {
        return Vec::new();
    }
    vec![Warning::new(
        WarningCode::Extrapolation,
        format!(
            "{} beyond {EXTRAPOLATION_WARN_RATIO:.0}× the largest observed compute ({largest_observed:.3e} FLOPs): {}",
            if far.len() == 1 {
                "1 answer lies".to_string()
            } else {
                format!("{} answers lie", far.len())
            },
            far.join(", ")
        ),
        "treat those answers as extrapolations: their intervals assume the law holds that far; check the law on held-out larger runs (fit --holdout)",
    )]
}

fn named(name: &str, estimate: Estimate) -> NamedEstimate {
    NamedEstimate {
        name: name.to_string(),
        estimate,
    }
}

fn validate(q: &Questions) -> Result<(), Error> {
    if !(q.level > 0.0 && q.level < 1.0) {
        return Err(Error::invalid_option(
            "--level",
            format!("must lie strictly between 0 and 1, got {}", q.level),
        ));
    }
    let positive = |flag: &str, values: &mut dyn Iterator<Item = f64>| {
        for v in values {
            Error::require_positive(flag, v)?;
        }
        Ok(())
    };
    positive("--budget", &mut q.budgets.iter().copied())?;
    positive("--params", &mut q.params.iter().copied())?;
    positive("--target-loss", &mut q.target_losses.iter().copied())?;
    positive("--assess", &mut q.assess.iter().flat_map(|&(n, d)| [n, d]))?;
    Ok(())
}

#[cfg(test)]
mod question_tests {
    use super::*;

    #[test]
    fn budget_ranges_include_both_ends() {
        let b = budget_range("1e18:1e20", 2).unwrap();
        assert_eq!(b.len(), 5);
        assert!((b[4] / 1e20 - 1.0).abs() < 1e-12);
        assert!(budget_range("1e20:1e18", 1).is_err());
        assert!(budget_range("x:1e18", 1).is_err());
    }
}
