//! Experiment design: the runs of an IsoFLOP sweep (Hoffmann et al. 2022, Approach 2) for given
//! budgets, ready to launch.
//!
//! At each budget C the sizes are log-spaced around a centre N_c, with D = C / (k·N):
//!
//! ```text
//! N_c = N*(C) of a fitted law                      (with a fit; interval from its draws)
//! N_c = sqrt(C / (k · r))                          (without: r tokens per parameter, 20 by default)
//! sizes from min(N_c / s, lower / √s) to max(N_c · s, upper · √s)
//! ```
//!
//! with s the span factor and [lower, upper] the interval of N*(C) when the fit has bootstrap
//! draws: the sweep reaches past the interval on both sides, so the minimum of the IsoFLOP
//! profile lies inside it even where the fit is off. The 20 tokens per parameter of the rule is
//! the ratio of Hoffmann et al.'s Table 3 (8.0B tokens for 400M parameters to 216.2T for 10T).
//! With shapes, each run takes the parameter count of its top-ranked shape
//! ([`crate::plan::shape`]); with hardware, each run gets a plan ([`crate::answer::decision::plan_on`]).

use serde::{Deserialize, Serialize};

use crate::answer::decision::{ShapeOptions, plan_on, with_shapes};
use crate::answer::optimal::{Questions, answer};
use crate::error::Error;
use crate::fit::FittedLaw;
use crate::plan::{Architecture, Hardware, ModelSpec, TrainingSetup};
use crate::uncertainty::{BootstrapDraws, Estimate};

/// Tokens per parameter of the centre without a fit (Hoffmann et al. 2022, Table 3).
pub const DEFAULT_TOKENS_PER_PARAM: f64 = 20.0;

/// Default span factor: sizes from N_c/4 to 4·N_c.
pub const DEFAULT_SPAN: f64 = 4.0;

/// Default sizes per budget.
pub const DEFAULT_SIZES: usize = 9;

/// Most runs one design may hold.
const MAX_RUNS: usize = 100_000;

/// What to design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignConfig {
    /// Compute budgets, FLOPs.
    pub budgets: Vec<f64>,
    /// Model sizes per budget (at least 3).
    pub sizes: usize,
    /// Span factor s (> 1).
    pub span: f64,
    /// Tokens per parameter of the centre without a fit.
    pub tokens_per_param: f64,
    /// `k` in `C = k·N·D`.
    pub flops_per_param_token: f64,
    /// Confidence level of the intervals.
    pub level: f64,
}

/// One run of the sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedRun {
    /// The budget it belongs to, FLOPs.
    pub budget: f64,
    /// Parameters N.
    pub n_params: f64,
    /// Training tokens D = C / (k·N).
    pub n_tokens: f64,
    /// `k·N·D` (the budget).
    pub flops: f64,
    /// D / N.
    pub tokens_per_param: f64,
    /// N / N_c.
    pub size_over_centre: f64,
    /// Loss the fitted law predicts, when centred on a fit.
    pub predicted_loss: Option<Estimate>,
    /// Shape, when shapes were asked for and one lies within 1% of the size.
    pub architecture: Option<Architecture>,
    /// Accelerators the run is planned on, with hardware.
    pub gpus: Option<usize>,
    /// Accelerator-hours, with hardware.
    pub gpu_hours: Option<f64>,
    /// Wall-clock days on `gpus`, with hardware.
    pub days: Option<f64>,
}

/// The runs of one budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetSweep {
    /// The budget, FLOPs.
    pub budget: f64,
    /// The centre N_c (N*(C) with its interval when centred on a fit with draws).
    pub centre: Estimate,
    /// Smallest size of the sweep.
    pub smallest: f64,
    /// Largest size of the sweep.
    pub largest: f64,
    /// The runs, smallest first.
    pub runs: Vec<PlannedRun>,
}

/// A sweep design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepDesign {
    /// How the sweep is centred, in words.
    pub centred_on: String,
    /// The configuration.
    pub config: DesignConfig,
    /// The hardware the runs are planned on.
    pub hardware: Option<Hardware>,
    /// One per budget.
    pub budgets: Vec<BudgetSweep>,
    /// Sum of the budgets, FLOPs.
    pub total_flops: f64,
    /// Sum of the accelerator-hours, with hardware.
    pub total_gpu_hours: Option<f64>,
}

/// Design the sweep of `config`, centred on `fit` (a fitted law and its draws) or, without one,
/// on the tokens-per-parameter rule; runs shaped with `shapes` and planned on `hardware` (`gpus`
/// of them, or the fewest that hold each run).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--budget` (none, not positive, or too small for a model of
/// one parameter), `--sizes` (fewer than 3 or too many runs), `--span` (not above 1, or
/// reaching below one parameter or beyond the range of numbers), `--tokens-per-param`; as [`answer`] for the fit,
/// and as [`plan_on`] for the hardware.
pub fn design(
    fit: Option<(&FittedLaw, Option<&BootstrapDraws>)>,
    config: &DesignConfig,
    setup: TrainingSetup,
    hardware: Option<Hardware>,
    gpus: Option<usize>,
    shapes: Option<ShapeOptions>,
) -> Result<SweepDesign, Error> {
    validate(config)?;
    let k = config.flops_per_param_token;
    let centres = centres(fit, config)?;
    let mut budgets = Vec::with_capacity(config.budgets.len());
    for (&budget, centre) in config.budgets.iter().zip(centres) {
        let (smallest, largest) = range(&centre, config.span);
        check_range(budget, &centre, smallest, largest, config)?;
        let mut runs = Vec::with_capacity(config.sizes);
        for i in 0..config.sizes {
            let t = i as f64 / (config.sizes - 1) as f64;
            let target = (smallest.ln() + t * (largest / smallest).ln())
                .exp()
                .round();
            let model = ModelSpec {
                name: None,
                n_params: target,
                n_tokens: None,
                architecture: None,
            };
            let (mut model, _) = with_shapes(model, &setup, shapes)?;
            if let Some(a) = model.architecture {
                model.n_params = a.params();
            }
            let n = model.n_params;
            let d = budget / (k * n);
            model.n_tokens = Some(d);
            let (plan, count) = match &hardware {
                Some(_) => {
                    let (p, c) = plan_on(model.clone(), setup, hardware.clone(), gpus)?;
                    (Some(p), c)
                }
                None => (None, None),
            };
            let time = plan.as_ref().and_then(|p| p.time.clone());
            runs.push(PlannedRun {
                budget,
                n_params: n,
                n_tokens: d,
                flops: k * n * d,
                tokens_per_param: d / n,
                size_over_centre: n / centre.value,
                predicted_loss: None,
                architecture: model.architecture,
                gpus: count.map(|c| c.gpus()),
                gpu_hours: time.as_ref().map(|t| t.gpu_hours),
                days: time.map(|t| t.days),
            });
        }
        budgets.push(BudgetSweep {
            budget,
            centre,
            smallest,
            largest,
            runs,
        });
    }
    if let Some((fitted, draws)) = fit {
        add_predicted_losses(&mut budgets, fitted, draws, config)?;
    }
    let total_gpu_hours = budgets
        .iter()
        .flat_map(|b| &b.runs)
        .map(|r| r.gpu_hours)
        .sum::<Option<f64>>();
    Ok(SweepDesign {
        centred_on: match fit {
            Some((_, Some(_))) => "N*(C) of the fit, sizes reaching past its interval".into(),
            Some((_, None)) => "N*(C) of the fit (no bootstrap draws: no interval)".into(),
            None => format!(
                "the rule D = {} · N (no fit)",
                crate::plan::budget::short(config.tokens_per_param)
            ),
        },
        total_flops: budgets.iter().map(|b| b.budget * b.runs.len() as f64).sum(),
        total_gpu_hours,
        hardware,
        budgets,
        config: config.clone(),
    })
}

/// N_c at each budget: N*(C) of the fit (with its interval), or the tokens-per-parameter rule.
fn centres(
    fit: Option<(&FittedLaw, Option<&BootstrapDraws>)>,
    config: &DesignConfig,
) -> Result<Vec<Estimate>, Error> {
    let k = config.flops_per_param_token;
    let Some((fitted, draws)) = fit else {
        return Ok(config
            .budgets
            .iter()
            .map(|&c| Estimate::point((c / (k * config.tokens_per_param)).sqrt()))
            .collect());
    };
    let questions = Questions {
        budgets: config.budgets.clone(),
        params: vec![],
        target_losses: vec![],
        assess: vec![],
        assess_names: vec![],
        level: config.level,
        flops_per_param_token: k,
    };
    answer(fitted, draws, &questions)?
        .budgets
        .into_iter()
        .map(|o| {
            o.n_params
                .ok_or_else(crate::answer::decision::no_allocation)
        })
        .collect::<Result<Vec<_>, Error>>()
}

/// Ends of the sweep: the span around the centre, widened to reach past the interval.
fn range(centre: &Estimate, span: f64) -> (f64, f64) {
    let reach = span.sqrt();
    let smallest = centre.lower.map_or(f64::INFINITY, |l| l / reach);
    let largest = centre.upper.map_or(0.0, |u| u * reach);
    (
        smallest.min(centre.value / span),
        largest.max(centre.value * span),
    )
}

/// Refuse a sweep whose runs would be degenerate: a centre below one parameter (the budget is
/// too small), or sizes below one parameter or beyond the range of numbers (the span is too
/// wide for this budget).
fn check_range(
    budget: f64,
    centre: &Estimate,
    smallest: f64,
    largest: f64,
    config: &DesignConfig,
) -> Result<(), Error> {
    let compact = crate::finite::compact;
    if !(centre.value.is_finite() && centre.value >= 1.0) {
        return Err(Error::invalid_option(
            "--budget",
            format!(
                "{} FLOPs is too small for a sweep: the model it centres on has {} parameters; \
                 give a larger budget",
                compact(budget),
                compact(centre.value)
            ),
        ));
    }
    let fewest_tokens = budget / (config.flops_per_param_token * largest);
    if !(smallest.round() >= 1.0 && largest.is_finite() && fewest_tokens > 0.0) {
        return Err(Error::invalid_option(
            "--span",
            format!(
                "a span of {} around {} parameters (at {} FLOPs) reaches models of {} to {} \
                 parameters, beyond one parameter or the range of numbers; give a smaller span",
                compact(config.span),
                compact(centre.value),
                compact(budget),
                compact(smallest),
                compact(largest)
            ),
        ));
    }
    Ok(())
}

/// The loss the fit predicts for every run, with intervals from its draws.
fn add_predicted_losses(
    budgets: &mut [BudgetSweep],
    fitted: &FittedLaw,
    draws: Option<&BootstrapDraws>,
    config: &DesignConfig,
) -> Result<(), Error> {
    let runs: Vec<(f64, f64)> = budgets
        .iter()
        .flat_map(|b| b.runs.iter().map(|r| (r.n_params, r.n_tokens)))
        .collect();
    let questions = Questions {
        budgets: vec![],
        params: vec![],
        target_losses: vec![],
        assess: runs,
        assess_names: vec![],
        level: config.level,
        flops_per_param_token: config.flops_per_param_token,
    };
    let answers = answer(fitted, draws, &questions)?;
    let mut losses = answers.assessments.into_iter().map(|a| a.loss);
    for run in budgets.iter_mut().flat_map(|b| b.runs.iter_mut()) {
        run.predicted_loss = losses.next();
    }
    Ok(())
}

fn validate(config: &DesignConfig) -> Result<(), Error> {
    if config.budgets.is_empty() {
        return Err(Error::invalid_option(
            "--budget",
            "give the budgets to sweep: --budget C (repeatable) or --budgets LOW:HIGH",
        ));
    }
    for &c in &config.budgets {
        Error::require_positive("--budget", c)?;
    }
    if config.sizes < 3 {
        return Err(Error::invalid_option(
            "--sizes",
            format!(
                "an IsoFLOP profile needs at least 3 sizes to fit its parabola, got {}",
                config.sizes
            ),
        ));
    }
    if config.sizes.saturating_mul(config.budgets.len()) > MAX_RUNS {
        return Err(Error::invalid_option(
            "--sizes",
            format!("the design would hold more than {MAX_RUNS} runs; give fewer sizes or budgets"),
        ));
    }
    if !(config.span.is_finite() && config.span > 1.0) {
        return Err(Error::invalid_option(
            "--span",
            format!(
                "must be a factor above 1 (4 sweeps N/4 to 4·N), got {}",
                config.span
            ),
        ));
    }
    Error::require_positive("--tokens-per-param", config.tokens_per_param)?;
    Error::require_flops_per_param_token(config.flops_per_param_token)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(budgets: Vec<f64>) -> DesignConfig {
        DesignConfig {
            budgets,
            sizes: 9,
            span: 4.0,
            tokens_per_param: 20.0,
            flops_per_param_token: 6.0,
            level: 0.95,
        }
    }

    #[test]
    fn rule_centred_sweeps_spend_each_budget_exactly() {
        let d = design(
            None,
            &config(vec![1e19, 1e21]),
            TrainingSetup::default(),
            None,
            None,
            None,
        )
        .unwrap();
        for b in &d.budgets {
            // N_c = sqrt(C / 120): 2.887e8 at 1e19.
            assert!((b.centre.value / (b.budget / 120.0).sqrt() - 1.0).abs() < 1e-12);
            assert_eq!(b.runs.len(), 9);
            let mid = &b.runs[4];
            assert!((mid.n_params / b.centre.value - 1.0).abs() < 1e-8);
            assert!((mid.tokens_per_param - 20.0).abs() < 1e-6);
            assert!((b.smallest * 16.0 / b.largest - 1.0).abs() < 1e-12);
            for r in &b.runs {
                assert!((r.flops / b.budget - 1.0).abs() < 1e-12);
            }
            assert!(b.runs.windows(2).all(|w| w[0].n_params < w[1].n_params));
        }
        assert_eq!(d.total_flops, 9.0 * (1e19 + 1e21));
    }

    #[test]
    fn sweeps_reach_past_the_interval() {
        let centre = Estimate {
            lower: Some(1e8),
            upper: Some(9e8),
            ..Estimate::point(3e8)
        };
        let (lo, hi) = range(&centre, 4.0);
        assert_eq!(lo, 5e7); // 1e8 / 2 is below 3e8 / 4
        assert_eq!(hi, 1.8e9); // 9e8 · 2 is above 3e8 · 4
    }

    #[test]
    fn bad_designs_name_their_flag() {
        let flag =
            |c: DesignConfig| match design(None, &c, TrainingSetup::default(), None, None, None) {
                Err(Error::InvalidOption { flag, .. }) => flag,
                other => panic!("unexpected {other:?}"),
            };
        assert_eq!(flag(config(vec![])), "--budget");
        assert_eq!(flag(config(vec![-1.0])), "--budget");
        assert_eq!(
            flag(DesignConfig {
                sizes: 2,
                ..config(vec![1e20])
            }),
            "--sizes"
        );
        assert_eq!(
            flag(DesignConfig {
                span: 1.0,
                ..config(vec![1e20])
            }),
            "--span"
        );
        // Runs of less than one parameter, or sizes beyond the range of numbers.
        assert_eq!(flag(config(vec![1e-300])), "--budget");
        for span in [1e30, 1e300] {
            assert_eq!(
                flag(DesignConfig {
                    span,
                    ..config(vec![1e21])
                }),
                "--span"
            );
        }
    }
}
