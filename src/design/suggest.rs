//! Which runs to train next: the candidate runs that most narrow the interval of `N*(C)` (or
//! of `L*(C)`) at a target budget per FLOP spent, from the Fisher information of the fit.
//!
//! With `J` the Jacobian of the log predictions of the fitted runs in the free parameters `z`,
//! `s` the robust residual scale and `h = d q / d z` the gradient of the target quantity
//! `q = ln N*(C)` (or `ln L*(C)`, by central differences through the allocation), the
//! delta-method variance is `Var q = h^T Σ h`, `Σ = s²·(J^T J)^-1`
//! ([`crate::uncertainty::delta`]). A new run with gradient `g` adds `g g^T` to `J^T J`; by
//! Sherman–Morrison
//!
//! ```text
//! Σ' = Σ - (Σ g)(Σ g)^T / (s² + g^T Σ g),     Var' q = Var q - (h^T Σ g)² / (s² + g^T Σ g)
//! ```
//!
//! Runs are chosen greedily: each step takes the candidate with the largest fall of the
//! variance per FLOP, among IsoFLOP-like candidates (budgets from the smallest fitted compute up
//! to the compute limit, three per decade; nine sizes per budget from `N*/10` to `10·N*`), until
//! `runs` are chosen or the next would pass a total compute cap. The intervals are
//! `q ± z·sd` mapped back from the log. This is local (the linearisation at the fitted law)
//! and assumes the new runs scatter like the old ones.

use serde::{Deserialize, Serialize};

use crate::answer::allocation::Allocator;
use crate::error::Error;
use crate::finite::compact;
use crate::fit::{FittedLaw, Observations, ParamSpec};
use crate::law::{Law, LawRef};
use crate::uncertainty::delta::{ParameterCovariance, jacobian, robust_scale};

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
}

/// An interval of the target quantity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExpectedInterval {
    /// Delta-method standard deviation of the log of the quantity.
    pub log_sd: f64,
    /// Lower end.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
    /// `upper / lower`.
    pub width_ratio: f64,
}

/// One suggested run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SuggestedRun {
    /// Parameters N.
    pub n_params: f64,
    /// Tokens D.
    pub n_tokens: f64,
    /// `k·N·D`, FLOPs.
    pub flops: f64,
    /// The expected interval after adding this run and those before it.
    pub interval_after: ExpectedInterval,
}

/// The suggestion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// What was asked.
    pub config: SuggestConfig,
    /// The quantity at the target budget under the fitted law.
    pub value: f64,
    /// Its interval now.
    pub interval_now: ExpectedInterval,
    /// The runs, in the order chosen.
    pub runs: Vec<SuggestedRun>,
    /// Total compute of the runs, FLOPs.
    pub total_flops: f64,
}

fn z_of(level: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(0.5 + level / 2.0)
}

fn interval(value: f64, log_sd: f64, z: f64) -> ExpectedInterval {
    let (lower, upper) = (value * (-z * log_sd).exp(), value * (z * log_sd).exp());
    ExpectedInterval {
        log_sd,
        lower,
        upper,
        width_ratio: (2.0 * z * log_sd).exp(),
    }
}

/// `ln` of the target quantity for free parameters `z`.
fn log_quantity(family: LawRef, spec: &ParamSpec, z: &[f64], c: &SuggestConfig) -> f64 {
    let Ok(alloc) = Allocator::new(Law::new(family, spec.expand(z)), c.flops_per_param_token)
    else {
        return f64::NAN;
    };
    let o = alloc.optimal_for_compute(c.target_budget);
    match c.target {
        Target::Params => o.n_params.ln(),
        Target::Loss => o.loss.ln(),
    }
}

/// `d ln q / d z` by central differences.
fn quantity_gradient(family: LawRef, spec: &ParamSpec, z: &[f64], c: &SuggestConfig) -> Vec<f64> {
    (0..z.len())
        .map(|j| {
            let h = 1e-5 * z[j].abs().max(1.0);
            let (mut up, mut down) = (z.to_vec(), z.to_vec());
            up[j] += h;
            down[j] -= h;
            (log_quantity(family, spec, &up, c) - log_quantity(family, spec, &down, c)) / (2.0 * h)
        })
        .collect()
}

/// Delta-method standard deviation of `ln q` for the law `theta` fitted to `obs` with residual
/// scale `scale`; `None` when the Fisher information is singular.
pub fn log_sd(
    obs: &Observations,
    family: LawRef,
    spec: &ParamSpec,
    theta: &[f64],
    scale: f64,
    c: &SuggestConfig,
) -> Option<f64> {
    let cov = ParameterCovariance::estimate(obs, theta, spec, scale)?;
    let h = ndarray::Array1::from(quantity_gradient(family, spec, &spec.reduce(theta), c));
    let v = h.dot(&cov.matrix().dot(&h));
    (v.is_finite() && v >= 0.0).then(|| v.sqrt())
}

/// The candidates: `(N, D, FLOPs)`.
fn candidates(alloc: &Allocator, smallest: f64, c: &SuggestConfig) -> Vec<(f64, f64, f64)> {
    let k = c.flops_per_param_token;
    let decades = (c.compute_limit / smallest).log10();
    let steps = (decades * 3.0).floor().max(0.0) as usize;
    let mut out = Vec::new();
    for i in 0..=steps {
        let budget = smallest * 10f64.powf(i as f64 / 3.0);
        let centre = alloc.optimal_for_compute(budget).n_params;
        if !centre.is_finite() {
            continue;
        }
        for j in -4..=4 {
            let n = (centre * 10f64.powf(f64::from(j) / 4.0)).round().max(1.0);
            out.push((n, budget / (k * n), budget));
        }
    }
    out
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

/// Suggest runs for `fitted` (fitted to `obs`).
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--runs`, `--target-budget`, `--compute-limit`,
/// `--total-compute` (not positive, or too small for one run) or `--level` for bad values, and naming `fit` when the Fisher information of the fit is singular (a
/// parameter the runs do not identify), so no interval can be predicted.
pub fn suggest(
    obs: &Observations,
    fitted: &FittedLaw,
    config: &SuggestConfig,
) -> Result<Suggestion, Error> {
    let c = *config;
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
    if !(c.level > 0.0 && c.level < 1.0) {
        return Err(Error::invalid_option(
            "--level",
            format!("must lie in (0, 1), got {}", c.level),
        ));
    }
    let smallest = obs
        .log_c()
        .iter()
        .copied()
        .reduce(f64::min)
        .map_or(f64::NAN, f64::exp);
    if !c.compute_limit.is_finite() {
        return Err(Error::invalid_option(
            "--compute-limit",
            format!(
                "must be a finite number of FLOPs, got {}",
                compact(c.compute_limit)
            ),
        ));
    }
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
    let (family, spec) = (fitted.family, &fitted.config.params);
    let k = c.flops_per_param_token;
    let alloc = Allocator::new(fitted.to_law(), k)?;
    alloc.require_allocation("suggest")?;
    let point = alloc.optimal_for_compute(c.target_budget);
    let value = match c.target {
        Target::Params => point.n_params,
        Target::Loss => point.loss,
    };
    let scale = robust_scale(&fitted.residuals);
    let singular = || {
        Error::invalid_option(
            "fit",
            "the Fisher information of the fit is singular (the runs do not identify every \
             parameter), so no interval can be predicted; widen the sweep or fix a parameter",
        )
    };
    let cov =
        ParameterCovariance::estimate(obs, &fitted.theta, spec, scale).ok_or_else(singular)?;
    let mut sigma = cov.matrix().clone();
    let h = ndarray::Array1::from(quantity_gradient(
        family,
        spec,
        &spec.reduce(&fitted.theta),
        &c,
    ));
    let mut var = h.dot(&sigma.dot(&h));
    if !(var.is_finite() && var >= 0.0) {
        return Err(singular());
    }
    let z = z_of(c.level);
    let interval_now = interval(value, var.sqrt(), z);
    let cands = candidates(&alloc, smallest, &c);
    let (ns, ds): (Vec<f64>, Vec<f64>) = cands.iter().map(|&(n, d, _)| (n, d)).unzip();
    let flops: Vec<f64> = cands.iter().map(|x| x.2).collect();
    let cand_obs = Observations::new(&ns, &ds, &vec![1.0; ns.len()]).with_compute(&flops);
    let g_all = jacobian(&cand_obs, &fitted.theta, spec);
    let mut used = vec![false; cands.len()];
    let mut runs = Vec::new();
    let mut total = 0.0;
    for _ in 0..c.runs {
        let mut best: Option<(usize, f64)> = None;
        for (i, g) in g_all.rows().into_iter().enumerate() {
            if used[i]
                || c.total_compute
                    .is_some_and(|cap| total + flops[i] > cap * (1.0 + 1e-9))
            {
                continue;
            }
            let sg = sigma.dot(&g);
            let fall = h.dot(&sg).powi(2) / (scale * scale + g.dot(&sg));
            let score = fall / flops[i];
            if score.is_finite() && best.is_none_or(|(_, s)| score > s) {
                best = Some((i, score));
            }
        }
        let Some((i, _)) = best else { break };
        let g = g_all.row(i);
        let sg = sigma.dot(&g);
        let denom = scale * scale + g.dot(&sg);
        var -= h.dot(&sg).powi(2) / denom;
        let outer = sg
            .view()
            .insert_axis(ndarray::Axis(1))
            .dot(&sg.view().insert_axis(ndarray::Axis(0)));
        sigma = sigma - outer / denom;
        used[i] = true;
        total += flops[i];
        runs.push(SuggestedRun {
            n_params: ns[i],
            n_tokens: ds[i],
            flops: flops[i],
            interval_after: interval(value, var.max(0.0).sqrt(), z),
        });
    }
    Ok(Suggestion {
        config: c,
        value,
        interval_now,
        runs,
        total_flops: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::simulate::{SimulationDesign, simulate};
    use crate::fit::{FitConfig, fit};
    use crate::law::ChinchillaLaw;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    fn observations(runs: &[(f64, f64, f64)]) -> Observations {
        let (n, rest): (Vec<f64>, Vec<(f64, f64)>) =
            runs.iter().map(|&(n, d, l)| (n, (d, l))).unzip();
        let (d, l): (Vec<f64>, Vec<f64>) = rest.into_iter().unzip();
        Observations::new(&n, &d, &l)
    }

    fn noisy(
        truth: &ChinchillaLaw,
        runs: &[(f64, f64)],
        rng: &mut ChaCha8Rng,
    ) -> Vec<(f64, f64, f64)> {
        let noise = Normal::new(0.0, 0.01).unwrap();
        runs.iter()
            .map(|&(n, d)| (n, d, truth.loss(n, d) * f64::exp(noise.sample(rng))))
            .collect()
    }

    /// On sweeps simulated from a known law, the suggested runs, simulated with noise and
    /// refitted, narrow the delta-method interval of N*(C) more than the same compute spent on
    /// the next budget of the grid.
    #[test]
    fn suggested_runs_beat_the_regular_isoflop_extension() {
        let truth = ChinchillaLaw::HOFFMANN_2022;
        let budgets = [6e18, 1e19, 3e19, 6e19, 1e20];
        let next = 3e20;
        let per_budget = 6;
        let (mut wins, mut ratios) = (0, Vec::new());
        for seed in 0..3u64 {
            let design = SimulationDesign {
                law: truth.into(),
                budgets: budgets.to_vec(),
                sizes_per_budget: per_budget,
                span: 10.0,
                noise_sd: 0.01,
                flops_per_param_token: 6.0,
                seed: 100 + seed,
            };
            let base: Vec<(f64, f64, f64)> = simulate(&design)
                .unwrap()
                .iter()
                .map(|r| (r.n_params, r.n_tokens, r.loss))
                .collect();
            let config = FitConfig::default();
            let fitted = fit(&observations(&base), &config, &|| {}).unwrap().fitted;
            let extension: Vec<(f64, f64)> = simulate(&SimulationDesign {
                budgets: vec![next],
                ..design.clone()
            })
            .unwrap()
            .iter()
            .map(|r| (r.n_params, r.n_tokens))
            .collect();
            let ask = SuggestConfig {
                target_budget: 1e23,
                target: Target::Params,
                // As many runs as the compute of the extension pays for.
                runs: 100,
                compute_limit: next,
                total_compute: Some(next * per_budget as f64),
                level: 0.95,
                flops_per_param_token: 6.0,
            };
            let s = suggest(&observations(&base), &fitted, &ask).unwrap();
            assert!(!s.runs.is_empty() && s.total_flops <= next * per_budget as f64 * 1.000001);
            // The expected interval narrows with each run.
            let mut last = s.interval_now.log_sd;
            for r in &s.runs {
                assert!(r.interval_after.log_sd < last);
                last = r.interval_after.log_sd;
            }
            let suggested: Vec<(f64, f64)> =
                s.runs.iter().map(|r| (r.n_params, r.n_tokens)).collect();
            let mut rng = ChaCha8Rng::seed_from_u64(900 + seed);
            let sd_after = |added: &[(f64, f64)], rng: &mut ChaCha8Rng| {
                let mut all = base.clone();
                all.extend(noisy(&truth, added, rng));
                let obs = observations(&all);
                let refit = fit(&obs, &config, &|| {}).unwrap().fitted;
                let scale = robust_scale(&refit.residuals);
                log_sd(
                    &obs,
                    refit.family,
                    &refit.config.params,
                    &refit.theta,
                    scale,
                    &ask,
                )
                .unwrap()
            };
            let a = sd_after(&suggested, &mut rng);
            let b = sd_after(&extension, &mut rng);
            ratios.push(a / b);
            if a < b {
                wins += 1;
            }
        }
        assert!(
            wins >= 2,
            "suggested / extension interval widths: {ratios:?}"
        );
    }
}
