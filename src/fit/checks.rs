//! Checks of a fitted law against the runs it was fitted to: is the scatter plausible, does the
//! law miss a trend, are some runs far off?
//!
//! ```text
//! r_i      = log L_i - log L^(N_i, D_i) - median(r)          (centred log residuals)
//! s        = residual sd with n - p degrees of freedom       (super::outliers)
//! rho_x    = Spearman rank correlation of r with log x,  x in {N, D, C}
//! p_x      = 2·(1 - Phi(|atanh(rho_x)|·sqrt((n - 3) / 1.06)))   (Fieller et al. 1957)
//! H_x      = Kruskal-Wallis statistic of r over 5 groups of equal size by log x;
//!            P(chi2_4 > H) = exp(-H/2)·(1 + H/2)
//! ```
//!
//! Outlying runs are found by [`super::outliers`]: studentised residuals against a threshold
//! calibrated to the number of runs and parameters. `benches/warnings/README.md` measures the
//! false alarms and the power of every warning on simulated sweeps.
//!
//! The rank correlation finds a monotone trend; a flexible law absorbs most of those, so the
//! Kruskal-Wallis test looks for any shape, e.g. the bend that multi-epoch runs leave at
//! large D.
//!
//! Thresholds, from the sweeps this tool is used on: a simulated sweep with 1% noise gives a
//! residual sd of about 0.010, published sweeps 0.01 to 0.03 (Chinchilla 0.029 with its
//! outliers, OLMo final points about 0.01). A residual sd above [`MAX_RESIDUAL_SD`] = 0.05 is
//! beyond that range by a margin and comes from mixing kinds of runs (e.g. single- and
//! multi-epoch runs gave 0.22) or from a law of the wrong form. A trend counts when it is
//! both significant (p below [`TREND_P_VALUE`], small because three axes are tested) and large
//! enough to matter (|rho| at least [`TREND_MIN_RHO`], or group medians spread by at least half
//! the residual sd and [`MIN_TREND_SPREAD`]).

use statrs::function::erf::erfc;

use super::outliers::{OUTLIER_SWEEP_ALPHA, ResidualScale};
use super::{FittedLaw, Observations};
use crate::data::Dataset;
use crate::warnings::{Warning, WarningCode};

/// Robust sd of the log residuals above which the scatter is reported as large.
pub const MAX_RESIDUAL_SD: f64 = 0.05;
/// Significance level of a residual trend (per axis).
pub const TREND_P_VALUE: f64 = 1e-3;
/// Groups of runs (by the axis's value) in the Kruskal-Wallis test: chi-squared with 4 degrees
/// of freedom.
const TREND_GROUPS: usize = 5;
/// Smallest spread of the groups' median residuals reported as a bend (0.2% in loss), and at
/// least half the robust sd.
pub const MIN_TREND_SPREAD: f64 = 0.002;
/// Smallest |Spearman rho| reported as a trend.
pub const TREND_MIN_RHO: f64 = 0.3;
/// Fewest runs for these checks: with fewer, the fit bends to every run and the residuals say
/// little (the few-runs-per-parameter warning covers that case).
pub const MIN_RUNS_FOR_CHECKS: usize = 10;
pub use super::outliers::MIN_SCALE;

/// Warnings about `fitted` as a description of `data` (the runs it was fitted to, in order).
pub fn data_warnings(data: &Dataset, fitted: &FittedLaw) -> Vec<Warning> {
    let r = &fitted.residuals;
    if r.len() != data.len() || r.len() < MIN_RUNS_FOR_CHECKS {
        return Vec::new();
    }
    let (scale, z) = super::outliers::studentised(&data.observations(), fitted);
    let mut out = Vec::new();
    if scale.sd > MAX_RESIDUAL_SD {
        out.push(Warning::new(
            WarningCode::LargeResidualSpread,
            format!(
                "the runs scatter around the law with a robust sd of {:.3} in log loss ({:.1}%); \
                 sweeps of one kind of run scatter by 0.01 to 0.03",
                scale.sd,
                100.0 * scale.sd.exp_m1()
            ),
            "check that the runs are comparable (same data, tokenizer, schedule; single- or multi-epoch) \
             and select them with --where; a law of another form may be needed",
        ));
    }
    out.extend(trend_warning(data, r, scale.sd));
    out.extend(outlier_warning(data, &z, &scale));
    out
}

use crate::stats::median;

fn trend_warning(data: &Dataset, r: &[f64], sd: f64) -> Option<Warning> {
    let axes: [(&str, &[f64]); 3] = [
        ("N", &data.n_params),
        ("D", &data.n_tokens),
        ("C", &data.compute),
    ];
    let found = trends(&axes, r, sd);
    (!found.is_empty()).then(|| {
        Warning::new(
            WarningCode::ResidualTrend,
            format!(
                "the residuals vary systematically with {}: the law's form misses something in the data",
                found.join(", ")
            ),
            "plot the residuals (scaling-laws plot residuals); check for runs of different kinds \
             (e.g. multi-epoch or undertrained runs) and whether the trend comes from a few sizes",
        )
    })
}

fn outlier_warning(data: &Dataset, z: &[f64], scale: &ResidualScale) -> Option<Warning> {
    let mut far: Vec<(usize, f64)> = z
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, z)| z.abs() > scale.threshold)
        .collect();
    if far.is_empty() {
        return None;
    }
    far.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let shown: Vec<String> = far
        .iter()
        .take(5)
        .map(|(i, z)| {
            format!(
                "row {} (N = {:.3e}, D = {:.3e}, z = {z:+.1})",
                data.rows[*i], data.n_params[*i], data.n_tokens[*i]
            )
        })
        .collect();
    let more = far.len().saturating_sub(5);
    let mut rows: Vec<usize> = far.iter().map(|(i, _)| data.rows[*i]).collect();
    rows.sort_unstable();
    Some(
        Warning::new(
            WarningCode::OutlyingRuns,
            format!(
                "{} lie{} more than {:.1} residual sds ({:.4} in log loss) from the law, farther than \
                 normal scatter takes any of {} runs once in {:.0} sweeps: {}{}",
                if far.len() == 1 { "1 run".to_string() } else { format!("{} runs", far.len()) },
                if far.len() == 1 { "s" } else { "" },
                scale.threshold,
                scale.floored(),
                z.len(),
                1.0 / OUTLIER_SWEEP_ALPHA,
                shown.join("; "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
            "check those runs (diverged, mislabelled, different setup); drop them with --where or \
             --drop-highest-loss if they do not belong; the Huber objective already limits their pull",
        )
        .with_rows(rows),
    )
}

/// The trends of the residuals `r` (robust sd `sd`) found along each of `axes`, described.
fn trends(axes: &[(&str, &[f64])], r: &[f64], sd: f64) -> Vec<String> {
    axes.iter()
        .filter_map(|(name, x)| {
            let rho = spearman(x, r);
            let p = spearman_p_value(rho, r.len());
            if rho.abs() >= TREND_MIN_RHO && p < TREND_P_VALUE {
                return Some(format!("log {name} (Spearman rho = {rho:+.2}, p = {p:.1e})"));
            }
            let (h, medians) = kruskal_wallis(x, r, TREND_GROUPS);
            let p = chi2_4_survival(h);
            let lo = medians.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = medians.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            // Significance alone would flag tiny bends in sweeps of thousands of runs.
            let floor = (0.5 * sd).max(MIN_TREND_SPREAD);
            (p < TREND_P_VALUE && hi - lo >= floor).then(|| {
                format!(
                    "log {name} (median residual from {lo:+.4} to {hi:+.4} across {TREND_GROUPS} ranges of log {name}; Kruskal-Wallis p = {p:.1e})"
                )
            })
        })
        .collect()
}

/// Whether the misfit warnings ([`WarningCode::ResidualTrend`], [`WarningCode::LargeResidualSpread`])
/// fire for `fitted` on the runs `obs` it was fitted to: the same tests as [`data_warnings`],
/// with compute taken as `N·D` (ranks only, so the factor k does not matter).
pub fn misfit_detected(obs: &Observations, fitted: &FittedLaw) -> bool {
    let r = &fitted.residuals;
    if r.len() != obs.len() || r.len() < MIN_RUNS_FOR_CHECKS {
        return false;
    }
    let centre = median(r);
    let centred: Vec<f64> = r.iter().map(|x| x - centre).collect();
    let sd = ResidualScale::of(&centred, fitted.config.params.n_free()).sd;
    if sd > MAX_RESIDUAL_SD {
        return true;
    }
    let log_c: Vec<f64> = obs
        .log_n()
        .iter()
        .zip(obs.log_d())
        .map(|(n, d)| n + d)
        .collect();
    let axes: [(&str, &[f64]); 3] = [("N", obs.log_n()), ("D", obs.log_d()), ("C", &log_c)];
    !trends(&axes, r, sd).is_empty()
}

/// Ranks of `v` (1-based, ties get their average rank).
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
    let mut out = vec![0.0; v.len()];
    let mut k = 0;
    while k < order.len() {
        let mut end = k;
        while end + 1 < order.len() && v[order[end + 1]] == v[order[k]] {
            end += 1;
        }
        let rank = (k + end) as f64 / 2.0 + 1.0;
        for &i in &order[k..=end] {
            out[i] = rank;
        }
        k = end + 1;
    }
    out
}

/// Spearman rank correlation of `x` and `y` (0 when either is constant).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks(x), ranks(y));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let mut sxy = 0.0;
    let mut sxx = 0.0;
    let mut syy = 0.0;
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// Kruskal-Wallis statistic of `y` split into `k` groups of (nearly) equal size by `x`, and
/// the median of `y` in each group (in order of `x`).
pub fn kruskal_wallis(x: &[f64], y: &[f64], k: usize) -> (f64, Vec<f64>) {
    let n = y.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
    let ry = ranks(y);
    let nf = n as f64;
    let mut h = 0.0;
    let mut medians = Vec::with_capacity(k);
    for g in 0..k {
        let members = &order[g * n / k..(g + 1) * n / k];
        if members.is_empty() {
            continue;
        }
        let mean_rank = members.iter().map(|&i| ry[i]).sum::<f64>() / members.len() as f64;
        h += members.len() as f64 * (mean_rank - (nf + 1.0) / 2.0).powi(2);
        medians.push(median(&members.iter().map(|&i| y[i]).collect::<Vec<_>>()));
    }
    (12.0 / (nf * (nf + 1.0)) * h, medians)
}

/// `P(X > h)` for X chi-squared with 4 degrees of freedom.
pub fn chi2_4_survival(h: f64) -> f64 {
    (-h / 2.0).exp() * (1.0 + h / 2.0)
}

/// Two-sided p-value of a Spearman correlation `rho` of `n` pairs under independence, by the
/// Fisher transformation with Fieller, Hartley and Pearson's variance 1.06 / (n - 3).
pub fn spearman_p_value(rho: f64, n: usize) -> f64 {
    if n < 4 {
        return 1.0;
    }
    let z = rho.clamp(-0.999_999, 0.999_999).atanh() * ((n as f64 - 3.0) / 1.06).sqrt();
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn spearman_of_monotone_data_is_one() {
        let x: Vec<f64> = (0..20).map(|i| i as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| v.powi(3)).collect();
        assert!((spearman(&x, &y) - 1.0).abs() < 1e-12);
        let rev: Vec<f64> = x.iter().map(|v| -v).collect();
        assert!((spearman(&x, &rev) + 1.0).abs() < 1e-12);
        // rho = 0.5 of 40 pairs: z = atanh(0.5)·sqrt(37/1.06) = 3.245, p = 0.00117.
        assert!((spearman_p_value(0.5, 40) - 0.001_17).abs() < 2e-5);
    }

    #[test]
    fn kruskal_wallis_finds_a_bend_that_ranks_miss() {
        // y = (x - 50)^2: a U with no monotone trend; 100 runs in 5 groups.
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| (v - 49.5).powi(2)).collect();
        assert!(spearman(&x, &y).abs() < 1e-12);
        let (h, medians) = kruskal_wallis(&x, &y, 5);
        assert_eq!(medians.len(), 5);
        assert!(medians[2] < medians[0] && medians[2] < medians[4]);
        assert!(chi2_4_survival(h) < 1e-10, "H = {h}");
        // chi2_4: P(X > 9.4877) = 0.05.
        assert!((chi2_4_survival(9.4877) - 0.05).abs() < 1e-4);
    }

    #[test]
    fn robust_sd_ignores_one_wild_value() {
        let mut v: Vec<f64> = (0..101).map(|i| (i as f64 - 50.0) / 50.0 * 0.01).collect();
        let (_, clean) = crate::stats::robust_centre_sd(&v);
        v[0] = 5.0;
        let (_, dirty) = crate::stats::robust_centre_sd(&v);
        assert!((dirty / clean - 1.0).abs() < 0.05, "{clean} {dirty}");
    }
}
