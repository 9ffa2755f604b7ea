//! Approaches 1, 2 and 3 side by side (Hoffmann et al. 2022, Table 2): the allocation
//! exponents a (N* ∝ C^a) and b (D* ∝ C^b), N* at chosen budgets, and whether they agree.
//!
//! Agreement is judged on the bootstrap distribution of the differences, not on whether two
//! intervals overlap (intervals of a = 0.40 [0.26, 0.61] and 0.76 [0.59, 0.90] overlap while N*
//! at 1e23 FLOPs differs 36-fold). For each pair of approaches, draw by draw:
//!
//! ```text
//! delta_a  = a_1 - a_2
//! rho_j    = N*_1(C_j) / N*_2(C_j)                    at each comparison budget C_j
//! tolerance: N* within a factor f (default 1.5):      |log rho_j| <= log f
//!            a within  tol_a = log f / log(C_max / C_ref)
//! ```
//!
//! where `C_max` is the largest comparison budget and `C_ref` the largest observed compute
//! (at least one decade apart): a difference of `tol_a` in a moves N* by the factor f between
//! the data and the furthest budget. With the `level` percentile intervals of delta_a and of
//! log rho_j:
//! - **disagree** when an interval lies wholly outside its tolerance band;
//! - **agree** when every interval lies wholly inside;
//! - **cannot tell** otherwise (the intervals are too wide for the tolerance), or when an
//!   approach has no draws or is flagged as unreliable.
//!
//! Draws are matched by resample index. Approaches that resample the same runs with the same
//! seed and indices (Approaches 2 and 3 in `scaling-laws compare`) are paired, so the spread
//! of the difference accounts for their correlation; draws of approaches that resample
//! different things (Approach 1's curves) are independent, and matching them by index gives
//! the distribution of the difference of independent estimates.

use serde::{Deserialize, Serialize};

use crate::answer::allocation::Allocator;
use crate::answer::optimal::{Questions, answer};
use crate::approaches::envelope::{EnvelopeConfig, analyse};
use crate::approaches::isoflop::{IsoflopConfig, IsoflopResampling, PowerLaw, isoflop_with};
use crate::data::Dataset;
use crate::data::curves::Curve;
use crate::error::Error;
use crate::fit::FittedLaw;
use crate::law::Law;
use crate::progress::{Progress, StopOnly};
use crate::uncertainty::{
    BootstrapConfig, BootstrapDraws, Estimate, ResampleScheme, bootstrap, estimate,
};

/// Default tolerance: N* of two approaches within this factor counts as agreement.
pub const DEFAULT_N_PARAMS_FACTOR: f64 = 1.5;

/// Fewest matched draws for a judgement.
pub const MIN_MATCHED_DRAWS: usize = 20;

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
    /// Why this approach's answer is not to be relied on, if it is not (its pairs are then
    /// "cannot tell").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
    /// Bootstrap draws behind the intervals, for the pairwise differences.
    #[serde(skip)]
    pub draws: Option<ApproachDraws>,
}

/// Bootstrap draws of one approach.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApproachDraws {
    /// What was resampled (e.g. "runs of sweep.csv, seed 1"): draws of approaches resampling
    /// the same thing are paired by index.
    pub resampled: String,
    /// Resample index of each draw.
    pub index: Vec<usize>,
    /// a of each draw.
    pub a: Vec<f64>,
    /// N* at each comparison budget, for each draw (`n_params[draw][budget]`).
    pub n_params: Vec<Vec<f64>>,
}

impl ApproachDraws {
    /// Draws of the parametric fit (Approach 3) from its bootstrap: a and N* at `budgets` of
    /// each converged resample, with C = k·N·D (resamples of a law without a constant exponent
    /// a, or without an allocation, are left out).
    pub fn from_bootstrap(
        draws: &BootstrapDraws,
        k: f64,
        budgets: &[f64],
        resampled: String,
    ) -> Self {
        let mut out = ApproachDraws {
            resampled,
            ..ApproachDraws::default()
        };
        for (i, converged) in draws.converged.iter().enumerate() {
            let law = Law::new(draws.family, draws.theta_of(i));
            let Some(a) = law.params_exponent() else {
                continue;
            };
            let (true, Ok(alloc)) = (*converged, Allocator::new(law, k)) else {
                continue;
            };
            if !alloc.has_allocation() {
                continue;
            }
            out.index.push(i);
            out.a.push(a);
            out.n_params.push(
                budgets
                    .iter()
                    .map(|&c| alloc.optimal_for_compute(c).n_params)
                    .collect(),
            );
        }
        out
    }
}

/// What counts as agreement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// N* within this factor.
    pub n_params_factor: f64,
    /// |a_1 - a_2| within this.
    pub exponent: f64,
}

impl Tolerance {
    /// N* within `factor`, and the exponent tolerance that moves N* by `factor` between the
    /// largest observed compute `reference_compute` and the largest of `budgets` (taken as at
    /// least a decade apart).
    pub fn from_factor(factor: f64, reference_compute: f64, budgets: &[f64]) -> Self {
        let far = budgets.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let decades = (far / reference_compute).log10();
        let decades = if decades.is_finite() {
            decades.max(1.0)
        } else {
            1.0
        };
        Tolerance {
            n_params_factor: factor,
            exponent: factor.ln() / (decades * std::f64::consts::LN_10),
        }
    }
}

/// The outcome for a pair of approaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every difference lies within the tolerance with the stated confidence.
    Agree,
    /// Some difference lies outside the tolerance with the stated confidence.
    Disagree,
    /// The intervals are too wide (or missing) to decide.
    CannotTell,
}

/// Two approaches compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairComparison {
    /// The first approach.
    pub first: String,
    /// The second approach.
    pub second: String,
    /// The outcome.
    pub verdict: Verdict,
    /// Whether the draws were paired (same resampled runs) rather than independent.
    pub paired: bool,
    /// a of the first minus a of the second.
    pub exponent_difference: Option<Estimate>,
    /// N* of the first over N* of the second, at each budget.
    pub n_params_ratio: Vec<Estimate>,
    /// Why, in a sentence.
    pub reason: String,
}

/// The comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Confidence level of the intervals.
    pub level: f64,
    /// Budgets at which N* is compared, FLOPs.
    pub budgets: Vec<f64>,
    /// The compute definition every approach uses, e.g. "C = 6·N·D".
    pub compute_definition: String,
    /// What counts as agreement.
    pub tolerance: Tolerance,
    /// The approaches.
    pub approaches: Vec<ApproachResult>,
    /// Every pair of approaches.
    pub pairs: Vec<PairComparison>,
    /// Pairs that disagree.
    pub disagreements: Vec<(String, String)>,
    /// A sentence for people.
    pub verdict: String,
}

/// How `scaling-laws compare` runs the approaches and judges them.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareConfig {
    /// Budgets at which N* is compared, FLOPs (`--at`).
    pub at: Vec<f64>,
    /// N* within this factor counts as agreement (`--tolerance-factor`).
    pub tolerance_factor: f64,
    /// IsoFLOP budgets of Approach 2 (`--isoflop-budgets`; empty: the budget column, or
    /// clusters of compute).
    pub isoflop_budgets: Vec<f64>,
    /// IsoFLOP group half-width in log10 C (`--tolerance-dex`).
    pub tolerance_dex: f64,
    /// Bootstrap resamples of every approach (`--bootstrap`).
    pub n_resamples: usize,
    /// Seed of the bootstraps (`--seed`).
    pub seed: u64,
    /// Confidence level (`--level`).
    pub level: f64,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            at: vec![1e21, 1e23, 1e25],
            tolerance_factor: DEFAULT_N_PARAMS_FACTOR,
            isoflop_budgets: Vec::new(),
            tolerance_dex: IsoflopConfig::default().tolerance_dex,
            n_resamples: 1000,
            seed: crate::uncertainty::bootstrap::DEFAULT_SEED,
            level: 0.95,
        }
    }
}

impl CompareConfig {
    /// Check the options that nothing else checks.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--tolerance-factor` unless it is a number above 1, or
    /// `--bootstrap` when the draws of the three approaches would not fit in memory.
    pub fn check(&self) -> Result<(), Error> {
        if !(self.tolerance_factor.is_finite() && self.tolerance_factor > 1.0) {
            return Err(Error::invalid_option(
                "--tolerance-factor",
                format!("must be a number above 1, got {}", self.tolerance_factor),
            ));
        }
        // Approach 3's refits and the draws of Approaches 1 and 2, and each draw's N* at
        // every budget compared.
        let per_resample = crate::resources::BYTES_PER_RESAMPLE
            + 2.0 * crate::resources::BYTES_PER_PAIR_RESAMPLE
            + 3.0 * 8.0 * self.at.len() as f64;
        crate::resources::require_memory(
            "--bootstrap",
            self.n_resamples as f64,
            per_resample,
            "the bootstrap draws",
        )
    }
}

/// An approach's answer from its power laws `N* = k·C^a`, `D* = k·C^b` and their draws.
fn from_power_laws(
    name: &str,
    n: &PowerLaw,
    d: &PowerLaw,
    at: &[f64],
    level: f64,
    resampled: String,
) -> ApproachResult {
    let draws = ApproachDraws {
        resampled,
        index: n.resamples.clone(),
        a: n.draws.iter().map(|d| d.1).collect(),
        n_params: n
            .draws
            .iter()
            .map(|(lc, e)| at.iter().map(|c| 10f64.powf(lc + e * c.log10())).collect())
            .collect(),
    };
    ApproachResult {
        approach: name.to_string(),
        a: n.exponent,
        b: d.exponent,
        n_params: at.iter().map(|&c| n.at(c, level)).collect(),
        caveat: None,
        draws: (!draws.index.is_empty()).then_some(draws),
    }
}

/// Approach 1 (the envelope of training curves) for the comparison.
///
/// # Errors
///
/// Errors of [`crate::approaches::envelope::analyse`].
pub fn envelope_approach(
    curves: &[Curve],
    config: &CompareConfig,
) -> Result<ApproachResult, Error> {
    let envelope = EnvelopeConfig {
        n_resamples: config.n_resamples,
        seed: config.seed,
        level: config.level,
        ..EnvelopeConfig::default()
    };
    let e = analyse(curves, &envelope)?;
    Ok(from_power_laws(
        "Approach 1 (envelope)",
        &e.params,
        &e.tokens,
        &config.at,
        config.level,
        "training curves".into(),
    ))
}

/// The data with compute C = k·N·D in every row, and a sentence saying so. When the compute
/// column differs from k·N·D by more than 1% in some row, the IsoFLOP groups are formed from
/// k·N·D too (the budget column then no longer applies), so that all approaches speak of the
/// same C.
fn one_compute_definition(data: &Dataset) -> (Dataset, String) {
    let k = data.flops_per_param_token;
    let defined: Vec<f64> = data
        .n_params
        .iter()
        .zip(&data.n_tokens)
        .map(|(n, d)| k * n * d)
        .collect();
    let off = data
        .compute
        .iter()
        .zip(&defined)
        .filter(|(c, kd)| (*c / *kd - 1.0).abs() > 0.01)
        .count();
    let mut sentence = format!("compute C = {k}·N·D FLOPs for every approach");
    let mut out = data.clone();
    if off > 0 {
        sentence.push_str(&format!(
            " ({off} rows of the compute column differ from it by more than 1%; Approach 2 groups runs by {k}·N·D)"
        ));
        out.compute = defined;
        out.budget = None;
    }
    (out, sentence)
}

/// The error of a law without a constant allocation exponent.
fn no_exponent(fitted: &FittedLaw) -> Error {
    Error::invalid_option(
        "--law",
        format!(
            "Approach 3 with the {} law has no constant allocation exponent a to compare \
             with Approaches 1 and 2; compare with a law that has one (e.g. --law chinchilla)",
            fitted.family
        ),
    )
}

/// Approaches 2 (IsoFLOP profiles of `data`) and 3 (`fitted`, the law fitted to `data`, with a
/// bootstrap of the same resampled runs) beside `approach_one` (from [`envelope_approach`],
/// when there are curves), compared as `scaling-laws compare` does. `progress` counts the
/// resamples of Approach 3's bootstrap and can stop it. Returns the comparison and notes (Approach
/// 2's warnings, or why it was skipped) for the user.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--law` for a law without a constant allocation exponent;
/// errors of the bootstrap and of the answers.
pub fn compare_approaches(
    data: &Dataset,
    fitted: &FittedLaw,
    approach_one: Option<ApproachResult>,
    config: &CompareConfig,
    progress: &dyn Progress,
) -> Result<(Comparison, Vec<String>), Error> {
    if fitted.params_exponent.is_none() {
        return Err(no_exponent(fitted));
    }
    let mut approaches: Vec<ApproachResult> = approach_one.into_iter().collect();
    let mut notes = Vec::new();
    let (iso_data, compute_definition) = one_compute_definition(data);
    let runs = format!("runs of {}, seed {}", data.source.path, config.seed);
    let iso_config = IsoflopConfig {
        budgets: config.isoflop_budgets.clone(),
        tolerance_dex: config.tolerance_dex,
        flops_per_param_token: data.flops_per_param_token,
        n_resamples: config.n_resamples,
        seed: config.seed,
        level: config.level,
        // The same resampled runs as the parametric bootstrap, so that the draws pair.
        resampling: IsoflopResampling::Runs,
        ..IsoflopConfig::default()
    };
    match isoflop_with(&iso_data, &iso_config, &StopOnly(progress)) {
        Ok(iso) => {
            let mut result = from_power_laws(
                "Approach 2 (IsoFLOP)",
                &iso.params,
                &iso.tokens,
                &config.at,
                config.level,
                runs.clone(),
            );
            if !iso.is_sweep() {
                result.caveat = Some("the table is not an IsoFLOP sweep".into());
            }
            notes.extend(
                iso.warnings
                    .iter()
                    .map(|w| format!("Approach 2: {}", w.line())),
            );
            approaches.push(result);
        }
        Err(e @ Error::Stopped { .. }) => return Err(e),
        Err(e) => notes.push(format!("Approach 2 skipped: {e}")),
    }
    let draws = (config.n_resamples >= 2)
        .then(|| {
            let bootstrap_config = BootstrapConfig {
                n_resamples: config.n_resamples,
                seed: config.seed,
                // Runs drawn with replacement, as Approach 2 draws them, so that the draws pair.
                scheme: ResampleScheme::Runs,
                ..BootstrapConfig::default()
            };
            bootstrap(&data.observations(), fitted, &bootstrap_config, progress)
        })
        .transpose()?;
    let questions = Questions {
        budgets: config.at.clone(),
        params: vec![],
        target_losses: vec![],
        assess: vec![],
        assess_names: vec![],
        level: config.level,
        flops_per_param_token: data.flops_per_param_token,
    };
    let answers = answer(fitted, draws.as_ref(), &questions)?;
    let param = |name: &str| {
        answers
            .parameters
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.estimate)
            .ok_or_else(|| no_exponent(fitted))
    };
    approaches.push(ApproachResult {
        approach: match fitted.family {
            law if law.is_chinchilla() => "Approach 3 (parametric fit)".into(),
            law => format!("Approach 3 (parametric fit, {law} law)"),
        },
        a: param("a")?,
        b: param("b")?,
        n_params: answers
            .budgets
            .iter()
            .map(|o| o.n_params.unwrap_or_else(|| Estimate::point(f64::NAN)))
            .collect(),
        caveat: None,
        draws: draws.as_ref().map(|d| {
            ApproachDraws::from_bootstrap(d, data.flops_per_param_token, &config.at, runs)
        }),
    });
    let largest = data
        .compute
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let tolerance = Tolerance::from_factor(config.tolerance_factor, largest, &config.at);
    let comparison = compare(
        approaches,
        config.at.clone(),
        config.level,
        tolerance,
        compute_definition,
    );
    Ok((comparison, notes))
}

/// Compare every pair of `approaches` at `budgets` (see the module docs).
pub fn compare(
    approaches: Vec<ApproachResult>,
    budgets: Vec<f64>,
    level: f64,
    tolerance: Tolerance,
    compute_definition: String,
) -> Comparison {
    let mut pairs = Vec::new();
    for (i, x) in approaches.iter().enumerate() {
        for y in &approaches[i + 1..] {
            pairs.push(compare_pair(x, y, budgets.len(), level, tolerance));
        }
    }
    let disagreements = pairs
        .iter()
        .filter(|p| p.verdict == Verdict::Disagree)
        .map(|p| (p.first.clone(), p.second.clone()))
        .collect();
    let verdict = overall_verdict(&approaches, &pairs, level, tolerance);
    Comparison {
        level,
        budgets,
        compute_definition,
        tolerance,
        approaches,
        pairs,
        disagreements,
        verdict,
    }
}

fn overall_verdict(
    approaches: &[ApproachResult],
    pairs: &[PairComparison],
    level: f64,
    t: Tolerance,
) -> String {
    let pct = level * 100.0;
    let names = |v: Verdict| {
        pairs
            .iter()
            .filter(|p| p.verdict == v)
            .map(|p| format!("{} and {}: {}", p.first, p.second, p.reason))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if approaches.len() < 2 {
        "only one approach could be run; nothing to compare".to_string()
    } else if pairs.iter().any(|p| p.verdict == Verdict::Disagree) {
        format!("the approaches disagree: {}", names(Verdict::Disagree))
    } else if pairs.iter().all(|p| p.verdict == Verdict::Agree) {
        format!(
            "the approaches agree: the {pct:.0}% intervals of the N* ratios lie within a factor of {} and those of the differences in a within ±{:.3}",
            t.n_params_factor, t.exponent
        )
    } else {
        format!(
            "cannot tell whether the approaches agree: {}",
            names(Verdict::CannotTell)
        )
    }
}

/// Values of `x` and `y` at the resample indices both have, as (x, y) pairs.
fn matched<T: Clone>(xi: &[usize], xv: &[T], yi: &[usize], yv: &[T]) -> Vec<(T, T)> {
    let lookup: std::collections::HashMap<usize, usize> =
        yi.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    xi.iter()
        .enumerate()
        .filter_map(|(k, i)| lookup.get(i).map(|&m| (xv[k].clone(), yv[m].clone())))
        .collect()
}

/// Where an interval lies relative to the band [-half, half].
fn placement(e: &Estimate, half: f64) -> Option<Verdict> {
    let (lo, hi) = (e.lower?, e.upper?);
    Some(if lo > half || hi < -half {
        Verdict::Disagree
    } else if lo >= -half && hi <= half {
        Verdict::Agree
    } else {
        Verdict::CannotTell
    })
}

fn compare_pair(
    x: &ApproachResult,
    y: &ApproachResult,
    n_budgets: usize,
    level: f64,
    t: Tolerance,
) -> PairComparison {
    let mut out = PairComparison {
        first: x.approach.clone(),
        second: y.approach.clone(),
        verdict: Verdict::CannotTell,
        paired: false,
        exponent_difference: None,
        n_params_ratio: Vec::new(),
        reason: String::new(),
    };
    if let Some(c) = x.caveat.as_ref().or(y.caveat.as_ref()) {
        out.reason = c.clone();
        return out;
    }
    let (Some(dx), Some(dy)) = (&x.draws, &y.draws) else {
        out.reason = "no bootstrap draws (run with --bootstrap)".into();
        return out;
    };
    out.paired = dx.resampled == dy.resampled;
    let a = matched(&dx.index, &dx.a, &dy.index, &dy.a);
    if a.len() < MIN_MATCHED_DRAWS {
        out.reason = format!("only {} draws of both approaches", a.len());
        return out;
    }
    let delta: Vec<f64> = a.iter().map(|(p, q)| p - q).collect();
    let delta_a = estimate(x.a.value - y.a.value, &delta, level);
    let n = matched(&dx.index, &dx.n_params, &dy.index, &dy.n_params);
    // Judged on log ratios, whose tolerance band is symmetric.
    let mut placements = vec![placement(&delta_a, t.exponent)];
    for j in 0..n_budgets {
        let log_ratio: Vec<f64> = n.iter().map(|(p, q)| (p[j] / q[j]).ln()).collect();
        let point = (x.n_params[j].value / y.n_params[j].value).ln();
        let e = estimate(point, &log_ratio, level);
        placements.push(placement(&e, t.n_params_factor.ln()));
        out.n_params_ratio.push(exp_estimate(&e));
    }
    out.exponent_difference = Some(delta_a);
    out.verdict = if placements.contains(&Some(Verdict::Disagree)) {
        Verdict::Disagree
    } else if placements.iter().all(|p| *p == Some(Verdict::Agree)) {
        Verdict::Agree
    } else {
        Verdict::CannotTell
    };
    let pct = level * 100.0;
    out.reason = match out.verdict {
        Verdict::Disagree => {
            format!("a {pct:.0}% interval of a difference lies outside the tolerance")
        }
        Verdict::Agree => {
            format!("every {pct:.0}% interval of a difference lies within the tolerance")
        }
        Verdict::CannotTell => format!(
            "a {pct:.0}% interval of a difference straddles the tolerance (more runs, or budgets nearer the data, would decide)"
        ),
    };
    out
}

/// The estimate of `exp(x)` from that of `x` (percentiles commute with monotone maps).
fn exp_estimate(e: &Estimate) -> Estimate {
    Estimate {
        value: e.value.exp(),
        std_error: None,
        lower: e.lower.map(f64::exp),
        upper: e.upper.map(f64::exp),
        excluded: e.excluded,
        heavy_tailed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    /// 1000 standard normal draws (seeded).
    fn normal_draws(seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let normal = Normal::new(0.0, 1.0).unwrap();
        (0..1000).map(|_| normal.sample(&mut rng)).collect()
    }

    /// An approach with `a = centre + sd·z` in resample `i` for the given standard normal draws
    /// `z`, and N* at 1e23 FLOPs following N* = 2e9 · (C / 1e21)^a through the same draws.
    fn approach_with(
        name: &str,
        centre: f64,
        sd: f64,
        z: &[f64],
        resampled: &str,
    ) -> ApproachResult {
        let a: Vec<f64> = z.iter().map(|z| centre + sd * z).collect();
        let n_at = |a: f64| 2e9 * 100f64.powf(a);
        let n_params: Vec<Vec<f64>> = a.iter().map(|&a| vec![n_at(a)]).collect();
        let b: Vec<f64> = a.iter().map(|v| 1.0 - v).collect();
        let n: Vec<f64> = n_params.iter().map(|v| v[0]).collect();
        ApproachResult {
            approach: name.into(),
            a: estimate(centre, &a, 0.95),
            b: estimate(1.0 - centre, &b, 0.95),
            n_params: vec![estimate(n_at(centre), &n, 0.95)],
            caveat: None,
            draws: Some(ApproachDraws {
                resampled: resampled.into(),
                index: (0..z.len()).collect(),
                a,
                n_params,
            }),
        }
    }

    fn approach(name: &str, centre: f64, sd: f64, seed: u64, resampled: &str) -> ApproachResult {
        approach_with(name, centre, sd, &normal_draws(seed), resampled)
    }

    #[test]
    fn overlapping_intervals_of_040_and_076_disagree() {
        // a = 0.40 [0.26, 0.61] and 0.76 [0.59, 0.90] (sd 0.11 and 0.085), from resamples of
        // the same runs, correlated 0.7: the intervals overlap, which the old verdict read as
        // agreement; the paired differences put a_2 - a_3 at -0.36 [-0.51, -0.21].
        let z2 = normal_draws(1);
        let w = normal_draws(2);
        let z3: Vec<f64> = z2
            .iter()
            .zip(&w)
            .map(|(z, w)| 0.7 * z + 0.51f64.sqrt() * w)
            .collect();
        let t = Tolerance::from_factor(1.5, 1e21, &[1e23]);
        let c = compare(
            vec![
                approach_with("2", 0.40, 0.11, &z2, "runs"),
                approach_with("3", 0.76, 0.085, &z3, "runs"),
            ],
            vec![1e23],
            0.95,
            t,
            "C = 6·N·D".into(),
        );
        let x = &c.approaches;
        assert!(
            x[0].a.upper.unwrap() > x[1].a.lower.unwrap(),
            "the intervals overlap: {:?} {:?}",
            x[0].a,
            x[1].a
        );
        let pair = &c.pairs[0];
        assert_eq!(pair.verdict, Verdict::Disagree, "{pair:?}");
        assert!(pair.paired);
        let d = pair.exponent_difference.unwrap();
        assert!(d.upper.unwrap() < -0.15 && d.lower.unwrap() > -0.6, "{d:?}");
        assert!(
            c.verdict.starts_with("the approaches disagree"),
            "{}",
            c.verdict
        );
        // N* at 1e23 differs by 100^0.36 = 5.2-fold.
        let r = pair.n_params_ratio[0];
        assert!((r.value - 100f64.powf(-0.36)).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn close_paired_draws_agree_and_wide_ones_cannot_tell() {
        // The tolerance over two decades: |delta a| <= ln 1.5 / ln 100 = 0.088.
        let t = Tolerance::from_factor(1.5, 1e21, &[1e23]);
        assert!((t.exponent - 0.0880).abs() < 1e-4);
        // Paired: the same draws shifted by 0.01 differ by exactly 0.01 in every resample.
        let x = approach("2", 0.45, 0.05, 7, "runs");
        let mut y = approach("3", 0.46, 0.05, 7, "runs");
        y.approach = "3".into();
        let c = compare(vec![x, y], vec![1e23], 0.95, t, String::new());
        assert_eq!(c.pairs[0].verdict, Verdict::Agree, "{:?}", c.pairs[0]);
        assert!(c.pairs[0].paired && c.verdict.starts_with("the approaches agree"));
        // Independent draws of sd 0.05: delta a has sd 0.07, its interval straddles ±0.088.
        let x = approach("2", 0.45, 0.05, 7, "curves");
        let y = approach("3", 0.46, 0.05, 8, "runs");
        let c = compare(vec![x, y], vec![1e23], 0.95, t, String::new());
        assert_eq!(c.pairs[0].verdict, Verdict::CannotTell, "{:?}", c.pairs[0]);
        assert!(c.verdict.starts_with("cannot tell"), "{}", c.verdict);
    }

    #[test]
    fn no_draws_or_a_caveat_cannot_tell() {
        let t = Tolerance::from_factor(1.5, 1e21, &[1e23]);
        let mut x = approach("2", 0.45, 0.01, 1, "runs");
        x.caveat = Some("not an IsoFLOP sweep".into());
        let mut y = approach("3", 0.45, 0.01, 1, "runs");
        let c = compare(
            vec![x.clone(), y.clone()],
            vec![1e23],
            0.95,
            t,
            String::new(),
        );
        assert_eq!(c.pairs[0].verdict, Verdict::CannotTell);
        assert_eq!(c.pairs[0].reason, "not an IsoFLOP sweep");
        x.caveat = None;
        y.draws = None;
        let c = compare(vec![x, y], vec![1e23], 0.95, t, String::new());
        assert_eq!(c.pairs[0].verdict, Verdict::CannotTell);
    }
}
