//! Approach 2 of Hoffmann et al. 2022 (section 3.2): IsoFLOP profiles.
//!
//! ```text
//! 1. group runs by compute budget C_j
//! 2. per group, least squares  L = c0 + c1·x + c2·x²,  x = log10 N
//!    N*_j = 10^(-c1 / (2·c2))  when c2 > 0;  D*_j = C_j / (k·N*_j)
//! 3. log10 N*_j = log10 G + a·log10 C_j,   log10 D*_j = log10 H + b·log10 C_j   (least squares)
//! ```
//!
//! Groups come from a budget column, from given budgets (runs within `tolerance_dex` of a budget
//! in log10 C), or from clustering log10 C: sorted values join a group while within
//! `2·tolerance_dex` of its first member. Groups need `min_runs` runs over at least 3 distinct
//! sizes. A group's minimum is flagged when the parabola opens downwards or is too flat to place
//! it (no minimum), or when the minimum lies outside the sampled sizes (an extrapolation); only
//! groups with an interior minimum enter the power-law fit; a minimum outside the sampled sizes
//! is not reported as N*, L* (a parabola's vertex far outside its data is meaningless: it gave
//! N* = 0.005 parameters and L* = -2.43 on one table).
//!
//! Nothing vanishes silently: groups too small to use and runs within no budget are counted and
//! listed by source row in the analysis and in a [`WarningCode::RunsDropped`] warning. A table
//! that is not an IsoFLOP sweep is reported as such ([`WarningCode::NotAnIsoflopSweep`]) when
//! most groups have no usable minimum, the groups have few runs (median below
//! [`FEW_RUNS_PER_GROUP`]), or most groups span less than a factor of [`MIN_GROUP_SPAN`] in N:
//! the parabola then locates no minimum worth fitting a power law through.
//!
//! Intervals: runs are resampled with replacement within each group (ChaCha8, stream i for
//! resample i of the seed), the parabolas and power laws refitted, and percentile intervals taken.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::Error;
use crate::progress::Progress;
use crate::uncertainty::{Estimate, estimate};
use crate::warnings::{Warning, WarningCode};

mod warnings;

/// Groups whose runs span less than this factor in N (max/min) cannot place a minimum: a
/// parabola over a third of a decade is dominated by noise.
pub const MIN_GROUP_SPAN: f64 = 3.0;
/// A median below this many runs per usable group is too few to fit a parabola with any slack
/// (three points determine it exactly).
pub const FEW_RUNS_PER_GROUP: usize = 5;

/// How to group runs and fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsoflopConfig {
    /// Budgets to group around; empty: use the budget column, else cluster.
    pub budgets: Vec<f64>,
    /// Half-width of a group in log10 C.
    pub tolerance_dex: f64,
    /// Fewest runs for a group to count.
    pub min_runs: usize,
    /// `k` in `C = k·N·D`.
    pub flops_per_param_token: f64,
    /// Bootstrap resamples (0: none).
    pub n_resamples: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Confidence level.
    pub level: f64,
    /// What a bootstrap resample draws.
    #[serde(default)]
    pub resampling: IsoflopResampling,
}

/// What a bootstrap resample of an IsoFLOP analysis draws.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IsoflopResampling {
    /// Runs with replacement within each group, keeping group sizes.
    #[default]
    WithinBudgets,
    /// Runs with replacement from the whole table, with the row indices of the parametric
    /// fit's bootstrap ([`crate::uncertainty::resample::resample_rows`]), so that resample `i`
    /// of both analyses uses the same runs and their draws can be paired.
    Runs,
}

impl Default for IsoflopConfig {
    fn default() -> Self {
        IsoflopConfig {
            budgets: Vec::new(),
            tolerance_dex: 0.03,
            min_runs: 5,
            flops_per_param_token: 6.0,
            n_resamples: 0,
            seed: crate::uncertainty::bootstrap::DEFAULT_SEED,
            level: 0.95,
            resampling: IsoflopResampling::WithinBudgets,
        }
    }
}

/// Why a group's minimum is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileIssue {
    /// The parabola opens downwards or is flat: no minimum to locate.
    NoMinimum,
    /// The minimum lies outside the sampled sizes.
    OutsideSampledSizes,
}

/// One IsoFLOP profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Budget, FLOPs (the nominal budget, or the geometric mean of the group's compute).
    pub budget: f64,
    /// Runs in the group (indices into the dataset).
    pub runs: Vec<usize>,
    /// Parabola coefficients (c0, c1, c2) of L in x = log10 N.
    pub coefficients: [f64; 3],
    /// Optimal parameters N* (when the parabola has a minimum).
    pub n_params: Option<f64>,
    /// Optimal tokens D* = C / (k·N*).
    pub n_tokens: Option<f64>,
    /// Loss at the minimum.
    pub loss: Option<f64>,
    /// Why the minimum is not used, if it is not.
    pub issue: Option<ProfileIssue>,
    /// Smallest and largest N of the group's runs.
    #[serde(default = "nan_pair")]
    pub sampled_params: (f64, f64),
    /// Where the parabola's vertex lies (N) when it lies outside the sampled sizes; reported
    /// only to say why the profile has no N*.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertex_params: Option<f64>,
}

fn nan_pair() -> (f64, f64) {
    (f64::NAN, f64::NAN)
}

/// A group of runs left out of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedGroup {
    /// Its budget, FLOPs.
    pub budget: f64,
    /// Source rows of its runs (1-based, header excluded).
    pub rows: Vec<usize>,
    /// Distinct model sizes among them.
    pub distinct_sizes: usize,
}

/// A power law `y = coefficient · C^exponent` fitted in log-log space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerLaw {
    /// Exponent.
    pub exponent: Estimate,
    /// Coefficient.
    pub coefficient: f64,
    /// Bootstrap draws of (log10 coefficient, exponent), for intervals of derived values.
    #[serde(skip)]
    pub draws: Vec<(f64, f64)>,
    /// The resample index of each draw (resamples that could not be fitted have none).
    #[serde(skip)]
    pub resamples: Vec<usize>,
}

impl PowerLaw {
    /// A power law from its point fit (log10 coefficient, exponent) and bootstrap draws.
    pub fn from_fit(point: (f64, f64), draws: Vec<(f64, f64)>, level: f64) -> Self {
        let exponents: Vec<f64> = draws.iter().map(|d| d.1).collect();
        PowerLaw {
            exponent: estimate(point.1, &exponents, level),
            coefficient: 10f64.powf(point.0),
            resamples: (0..draws.len()).collect(),
            draws,
        }
    }

    /// The law's value at `c`, with an interval from the draws.
    pub fn at(&self, c: f64, level: f64) -> Estimate {
        let values: Vec<f64> = self
            .draws
            .iter()
            .map(|(lc, e)| 10f64.powf(lc + e * c.log10()))
            .collect();
        estimate(
            self.coefficient * c.powf(self.exponent.value),
            &values,
            level,
        )
    }
}

/// Result of Approach 2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsoflopAnalysis {
    /// The configuration.
    pub config: IsoflopConfig,
    /// Profiles, by increasing budget.
    pub profiles: Vec<Profile>,
    /// `N* ∝ C^a`.
    pub params: PowerLaw,
    /// `D* ∝ C^b`.
    pub tokens: PowerLaw,
    /// Bootstrap resamples in which fewer than two profiles had a usable minimum.
    pub failed_resamples: usize,
    /// Groups with fewer than `min_runs` runs or fewer than 3 distinct sizes.
    #[serde(default)]
    pub dropped_groups: Vec<DroppedGroup>,
    /// Source rows of runs within no budget's tolerance (with `budgets` given).
    #[serde(default)]
    pub unassigned_rows: Vec<usize>,
    /// Warnings: runs dropped, a table that is not an IsoFLOP sweep, minima off the sizes.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl IsoflopAnalysis {
    /// Whether the table looks like an IsoFLOP sweep (no [`WarningCode::NotAnIsoflopSweep`]):
    /// otherwise the exponents are not to be relied on.
    pub fn is_sweep(&self) -> bool {
        !self
            .warnings
            .iter()
            .any(|w| w.code == WarningCode::NotAnIsoflopSweep)
    }
}

/// Fitted (log10 coefficient, exponent) of N* and of D*.
pub type FitPair = ((f64, f64), (f64, f64));

/// Least-squares parabola through (x, y): coefficients (c0, c1, c2).
fn parabola(x: &[f64], y: &[f64]) -> Option<[f64; 3]> {
    // Normal equations, centred on the mean of x for conditioning.
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let mut s = [0.0f64; 5];
    let mut t = [0.0f64; 3];
    for (&xi, &yi) in x.iter().zip(y) {
        let u = xi - mx;
        let mut p = 1.0;
        for (k, sk) in s.iter_mut().enumerate() {
            *sk += p;
            if k < 3 {
                t[k] += p * yi;
            }
            p *= u;
        }
    }
    let m = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]];
    let [d0, d1, d2] = solve3(m, t)?;
    // Undo the centring: y = d0 + d1·(x - mx) + d2·(x - mx)².
    Some([d0 - d1 * mx + d2 * mx * mx, d1 - 2.0 * d2 * mx, d2])
}

/// Solve a 3×3 system by Cramer's rule; `None` when singular.
fn solve3(m: [[f64; 3]; 3], t: [f64; 3]) -> Option<[f64; 3]> {
    let det = |a: [[f64; 3]; 3]| {
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
    };
    let d = det(m);
    let scale = m.iter().flatten().fold(0.0f64, |a, v| a.max(v.abs()));
    if d.abs() <= 1e-12 * scale.powi(3) {
        return None;
    }
    let col = |j: usize| {
        let mut a = m;
        for (row, &ti) in a.iter_mut().zip(&t) {
            row[j] = ti;
        }
        det(a) / d
    };
    Some([col(0), col(1), col(2)])
}

/// Least-squares line `y = c + s·x`: (c, s); `None` when all x are equal.
pub(crate) fn line(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|v| (v - mx).powi(2)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    (sxx > 0.0).then(|| (my - sxy / sxx * mx, sxy / sxx))
}

/// Group runs into budgets (see the module docs).
fn groups(data: &Dataset, config: &IsoflopConfig) -> Vec<(f64, Vec<usize>)> {
    let log_c: Vec<f64> = data.compute.iter().map(|c| c.log10()).collect();
    let mut out: Vec<(f64, Vec<usize>)> = if !config.budgets.is_empty() {
        config
            .budgets
            .iter()
            .map(|&b| {
                (
                    b,
                    (0..data.len())
                        .filter(|&i| (log_c[i] - b.log10()).abs() <= config.tolerance_dex)
                        .collect(),
                )
            })
            .collect()
    } else if let Some(budget) = &data.budget {
        let mut distinct: Vec<f64> = budget.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup_by(|a, b| (*a / *b - 1.0).abs() < 1e-9);
        distinct
            .into_iter()
            .map(|b| {
                (
                    b,
                    (0..data.len())
                        .filter(|&i| (budget[i] / b - 1.0).abs() < 1e-9)
                        .collect(),
                )
            })
            .collect()
    } else {
        let mut order: Vec<usize> = (0..data.len()).collect();
        order.sort_by(|&i, &j| log_c[i].total_cmp(&log_c[j]));
        let mut clusters: Vec<Vec<usize>> = Vec::new();
        for i in order {
            match clusters.last_mut() {
                Some(c) if log_c[i] - log_c[c[0]] <= 2.0 * config.tolerance_dex => c.push(i),
                _ => clusters.push(vec![i]),
            }
        }
        clusters
            .into_iter()
            .map(|c| {
                let mean = c.iter().map(|&i| log_c[i]).sum::<f64>() / c.len() as f64;
                (10f64.powf(mean), c)
            })
            .collect()
    };
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

fn distinct_sizes(data: &Dataset, runs: &[usize]) -> usize {
    let mut sizes: Vec<f64> = runs.iter().map(|&i| data.n_params[i]).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    sizes.len()
}

/// Groups split into those used and those too small, and the runs within no group.
struct Grouping {
    kept: Vec<(f64, Vec<usize>)>,
    dropped: Vec<DroppedGroup>,
    unassigned_rows: Vec<usize>,
}

fn grouping(data: &Dataset, config: &IsoflopConfig) -> Grouping {
    let all = groups(data, config);
    let mut assigned = vec![false; data.len()];
    let (mut kept, mut dropped) = (Vec::new(), Vec::new());
    for (budget, runs) in all {
        for &i in &runs {
            assigned[i] = true;
        }
        let sizes = distinct_sizes(data, &runs);
        if runs.len() >= config.min_runs && sizes >= 3 {
            kept.push((budget, runs));
        } else if !runs.is_empty() {
            dropped.push(DroppedGroup {
                budget,
                rows: runs.iter().map(|&i| data.rows[i]).collect(),
                distinct_sizes: sizes,
            });
        }
    }
    let unassigned_rows = (0..data.len())
        .filter(|&i| !assigned[i])
        .map(|i| data.rows[i])
        .collect();
    Grouping {
        kept,
        dropped,
        unassigned_rows,
    }
}

fn profile(data: &Dataset, budget: f64, runs: Vec<usize>, k: f64) -> Profile {
    let x: Vec<f64> = runs.iter().map(|&i| data.n_params[i].log10()).collect();
    let y: Vec<f64> = runs.iter().map(|&i| data.loss[i]).collect();
    let coefficients = parabola(&x, &y).unwrap_or([f64::NAN; 3]);
    let [c0, c1, c2] = coefficients;
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    let spread = y.iter().fold(0.0f64, |m, &v| m.max((v - y[0]).abs()));
    // "Too flat": the curvature moves the loss by less than 1e-9 of its range over the sizes.
    let flat =
        c2.is_nan() || c2 <= 0.0 || c2 * (hi - lo).powi(2) <= 1e-9 * spread.max(f64::MIN_POSITIVE);
    let (n_params, issue, vertex_params) = if flat {
        (None, Some(ProfileIssue::NoMinimum), None)
    } else {
        let xs = -c1 / (2.0 * c2);
        if xs < lo || xs > hi {
            let vertex = 10f64.powf(xs);
            let shown = vertex.is_finite().then_some(vertex);
            (None, Some(ProfileIssue::OutsideSampledSizes), shown)
        } else {
            (Some(10f64.powf(xs)), None, None)
        }
    };
    Profile {
        sampled_params: (10f64.powf(lo), 10f64.powf(hi)),
        vertex_params,
        budget,
        runs,
        coefficients,
        n_tokens: n_params.map(|n| budget / (k * n)),
        loss: n_params.map(|n| {
            let xs = n.log10();
            c0 + c1 * xs + c2 * xs * xs
        }),
        n_params,
        issue,
    }
}

/// Exponents (a, b) and coefficients from the usable profiles.
fn power_laws(profiles: &[Profile]) -> Option<((f64, f64), (f64, f64))> {
    let usable: Vec<&Profile> = profiles.iter().filter(|p| p.issue.is_none()).collect();
    if usable.len() < 2 {
        return None;
    }
    let x: Vec<f64> = usable.iter().map(|p| p.budget.log10()).collect();
    let yn: Vec<f64> = usable
        .iter()
        .map(|p| p.n_params.unwrap_or(f64::NAN).log10())
        .collect();
    let yd: Vec<f64> = usable
        .iter()
        .map(|p| p.n_tokens.unwrap_or(f64::NAN).log10())
        .collect();
    Some((line(&x, &yn)?, line(&x, &yd)?))
}

/// Check the fewest runs of a group: a parabola needs three.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--min-runs` below 3.
pub fn check_min_runs(min_runs: usize) -> Result<(), Error> {
    if min_runs < 3 {
        return Err(Error::invalid_option(
            "--min-runs",
            format!("must be at least 3 (a parabola needs three runs), got {min_runs}"),
        ));
    }
    Ok(())
}

/// Refuse a bootstrap of Approach 1 or 2 whose `n_resamples` pairs of power laws would not fit
/// in memory.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--bootstrap`.
pub(crate) fn require_pair_draws(n_resamples: usize) -> Result<(), Error> {
    crate::resources::require_memory(
        "--bootstrap",
        n_resamples as f64,
        crate::resources::BYTES_PER_PAIR_RESAMPLE,
        "the bootstrap draws",
    )
}

/// Run Approach 2 on `data`.
///
/// # Errors
///
/// [`Error::InvalidOption`] for `min_runs` below 3 ([`check_min_runs`]), a non-positive
/// tolerance or a level outside (0, 1), and
/// [`Error::NotIdentifiable`] when fewer than two budgets have an interior minimum.
pub fn isoflop(data: &Dataset, config: &IsoflopConfig) -> Result<IsoflopAnalysis, Error> {
    isoflop_with(data, config, &|| {})
}

/// [`isoflop`], whose bootstrap counts each resample to `progress` and stops when it is
/// stopped.
///
/// # Errors
///
/// As [`isoflop`], and [`Error::Stopped`] once `progress` is stopped.
pub fn isoflop_with(
    data: &Dataset,
    config: &IsoflopConfig,
    progress: &dyn Progress,
) -> Result<IsoflopAnalysis, Error> {
    check_min_runs(config.min_runs)?;
    require_pair_draws(config.n_resamples)?;
    if let Some(note) = crate::resources::check_time(
        "--bootstrap",
        config.n_resamples as f64 * data.len() as f64,
        crate::resources::SECONDS_PER_PAIR_RESAMPLE_RUN,
        "the IsoFLOP bootstrap",
    )? {
        progress.note(&note);
    }
    if config.tolerance_dex.is_nan() || config.tolerance_dex <= 0.0 {
        return Err(Error::invalid_option("--tolerance-dex", "must be positive"));
    }
    if !(config.level > 0.0 && config.level < 1.0) {
        return Err(Error::invalid_option(
            "--level",
            "must lie strictly between 0 and 1",
        ));
    }
    let k = config.flops_per_param_token;
    let Grouping {
        kept: grouped,
        dropped: dropped_groups,
        unassigned_rows,
    } = grouping(data, config);
    let profiles: Vec<Profile> = grouped
        .iter()
        .map(|(b, runs)| profile(data, *b, runs.clone(), k))
        .collect();
    let ((cn, a), (cd, b)) = power_laws(&profiles).ok_or_else(|| Error::NotIdentifiable {
        path: data.source.path.clone(),
        message: format!(
            "{} IsoFLOP groups found, {} with a minimum inside the sampled sizes{}; Approach 2 needs at least 2 \
             (give --budgets, widen --tolerance-dex, or lower --min-runs)",
            profiles.len(),
            profiles.iter().filter(|p| p.issue.is_none()).count(),
            if dropped_groups.is_empty() {
                String::new()
            } else {
                format!(
                    ", and {} groups too small to use (fewer than {} runs or 3 sizes)",
                    dropped_groups.len(),
                    config.min_runs
                )
            }
        ),
    })?;
    let draws: Vec<Option<FitPair>> = (0..config.n_resamples)
        .into_par_iter()
        .map(|i| {
            if progress.stopped() {
                // Ends the loop: the units left are not even visited.
                return None;
            }
            let picks = resample_groups(data.len(), &grouped, config, i);
            let resampled: Vec<Profile> = grouped
                .iter()
                .zip(picks)
                .filter(|(_, pick)| distinct_sizes(data, pick) >= 3)
                .map(|((budget, _), pick)| profile(data, *budget, pick, k))
                .collect();
            let pair = power_laws(&resampled);
            progress.done();
            Some(pair)
        })
        .while_some()
        .collect();
    crate::progress::check(progress, "the IsoFLOP bootstrap")?;
    let (params, tokens, failed_resamples) =
        power_laws_with_draws(((cn, a), (cd, b)), &draws, config.level);
    let mut analysis = IsoflopAnalysis {
        config: config.clone(),
        params,
        tokens,
        failed_resamples,
        profiles,
        dropped_groups,
        unassigned_rows,
        warnings: Vec::new(),
    };
    analysis.warnings = warnings::isoflop_warnings(data, &analysis);
    Ok(analysis)
}

/// The runs of each group in bootstrap resample `i` (see [`IsoflopResampling`]).
fn resample_groups(
    n_rows: usize,
    grouped: &[(f64, Vec<usize>)],
    config: &IsoflopConfig,
    i: usize,
) -> Vec<Vec<usize>> {
    match config.resampling {
        IsoflopResampling::WithinBudgets => {
            let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
            rng.set_stream(i as u64);
            grouped
                .iter()
                .map(|(_, runs)| {
                    (0..runs.len())
                        .map(|_| runs[rng.random_range(0..runs.len())])
                        .collect()
                })
                .collect()
        }
        IsoflopResampling::Runs => {
            let mut count = vec![0usize; n_rows];
            for r in crate::uncertainty::resample::resample_rows(config.seed, i, n_rows) {
                count[r] += 1;
            }
            grouped
                .iter()
                .map(|(_, runs)| {
                    runs.iter()
                        .flat_map(|&r| std::iter::repeat_n(r, count[r]))
                        .collect()
                })
                .collect()
        }
    }
}

/// Power laws for N* and D* from the full-data fit and each resample's fit (`None`: the
/// resample could not be fitted), with the number of resamples that could not.
pub(crate) fn power_laws_with_draws(
    point: FitPair,
    draws: &[Option<FitPair>],
    level: f64,
) -> (PowerLaw, PowerLaw, usize) {
    let ok: Vec<(usize, FitPair)> = draws
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.map(|d| (i, d)))
        .collect();
    let index: Vec<usize> = ok.iter().map(|d| d.0).collect();
    let (params, tokens) = point;
    let mut n = PowerLaw::from_fit(params, ok.iter().map(|d| d.1.0).collect(), level);
    let mut d = PowerLaw::from_fit(tokens, ok.iter().map(|d| d.1.1).collect(), level);
    n.resamples.clone_from(&index);
    d.resamples = index;
    (n, d, draws.len() - ok.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parabola_recovers_exact_coefficients() {
        let x: Vec<f64> = (0..7).map(|i| 8.0 + 0.3 * i as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| 3.0 - 0.8 * v + 0.05 * v * v).collect();
        let c = parabola(&x, &y).unwrap();
        assert!(
            (c[0] - 3.0).abs() < 1e-8 && (c[1] + 0.8).abs() < 1e-9 && (c[2] - 0.05).abs() < 1e-10,
            "{c:?}"
        );
        assert!(parabola(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_none());
    }

    #[test]
    fn line_fit_is_exact_on_a_line() {
        let (c, s) = line(&[1.0, 2.0, 3.0], &[2.0, 4.5, 7.0]).unwrap();
        assert!((c + 0.5).abs() < 1e-12 && (s - 2.5).abs() < 1e-12);
    }
}
