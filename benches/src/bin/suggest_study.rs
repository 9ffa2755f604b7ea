//! Study of `scaling-laws suggest` where the law is wrong outside the data: do the suggested
//! runs bring the fitted N*(C) nearer the TRUE N*(C), and does the interval `suggest` promises
//! cover it, compared with the same compute spent on the next budget of a regular IsoFLOP grid?
//!
//! Each study draws a truth the Chinchilla form cannot represent (alternately drifting exponents
//! and Kaplan et al.'s form, `scaling_laws_bench::sweeps`), an IsoFLOP sweep of it (5-7 budgets
//! 0.45 decades apart from 10^17.5-10^18.5 FLOPs, 8-10 sizes each, 1% log-loss noise), fits the
//! Chinchilla form and bootstraps it (`--resamples`, `weights` scheme). The target is N* at 100
//! times the largest budget. The compute of one more grid budget (six runs at `C_next`, 0.45
//! decades above the largest) is then spent four ways:
//! - `extension`: six sizes log-spaced over a span of 10 around the fitted N*(C_next) (what
//!   `scaling-laws design` writes);
//! - `suggest`: the runs `suggest` picks inside the fitted ranges (candidates up to `C_next`
//!   per run, total capped at the extension's compute, up to 100 runs);
//! - `suggest, 6 runs`: the same with at most six runs;
//! - `suggest --allow-outside`: the same as `suggest`, outside the fitted ranges allowed.
//!
//! Every set is "trained" from the truth with fresh noise, the sweep plus the set refitted and
//! bootstrapped. Scored against the true N*: the error |ln(N*_fit / N*_true)| after the refit,
//! whether the refit's bootstrap 95% interval covers the true N*, and, for `suggest`, whether
//! the interval it promised before the runs (its last "expected interval after", from the
//! draws) covers it, beside the delta method's promise for the same runs (what `suggest` printed
//! before it read the draws).
//!
//! Usage (from the repository root):
//!
//! ```text
//! cargo run -p scaling-laws-bench --bin suggest_study -- [--studies N] [--seed S]
//!     [--resamples B] [--threads T]
//! ```
//!
//! Prints one CSV line per study and arm, then the summary table in Markdown.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use scaling_laws::answer::allocation::Allocator;
use scaling_laws::design::suggest::{SuggestConfig, Suggestion, Target, log_sd, suggest};
use scaling_laws::fit::{FitConfig, FittedLaw, Observations, fit};
use scaling_laws::uncertainty::delta::robust_scale;
use scaling_laws::uncertainty::{BootstrapConfig, BootstrapDraws, bootstrap, estimate};
use scaling_laws_bench::sweeps::{
    Design, K, Truth, log_range, random_chinchilla, random_drifting, random_kaplan,
};

const LEVEL: f64 = 0.95;
const NOISE_SD: f64 = 0.01;
/// Runs of the extension (one more grid budget).
const EXTENSION_RUNS: usize = 6;
/// The target budget over the largest fitted one.
const TARGET_OVER_LARGEST: f64 = 100.0;
/// Budgets of the grid are this many decades apart (as `Design::Isoflop`).
const GRID_STEP_DECADES: f64 = 0.45;

const ARMS: [&str; 4] = [
    "extension",
    "suggest",
    "suggest, 6 runs",
    "suggest --allow-outside",
];

/// A run: N, D, loss.
type Run = (f64, f64, f64);

fn observations(runs: &[Run]) -> Observations {
    let n: Vec<f64> = runs.iter().map(|r| r.0).collect();
    let d: Vec<f64> = runs.iter().map(|r| r.1).collect();
    let l: Vec<f64> = runs.iter().map(|r| r.2).collect();
    Observations::new(&n, &d, &l)
}

/// One arm of one study.
#[derive(Debug, Clone, Default)]
struct Score {
    /// |ln(N*_fit / N*_true)| after the refit.
    error: f64,
    /// The refit's bootstrap interval covers the true N*.
    refit_covers: bool,
    /// Its width, upper/lower.
    refit_width: f64,
    /// The interval suggest promised covers the true N* (suggest arms).
    promised_covers: Option<bool>,
    /// Its width.
    promised_width: Option<f64>,
    /// The linear (ensemble Kalman) update of the draws' variance, for the same runs: covers.
    linear_covers: Option<bool>,
    /// Its width.
    linear_width: Option<f64>,
    /// Runs after which the draws no longer resolve the interval (held).
    unresolved: usize,
    /// Median effective draws of suggest's reweighting after the runs.
    effective_draws: Option<f64>,
    /// The delta method's promise for the same runs covers the true N*.
    delta_covers: Option<bool>,
    /// Its width.
    delta_width: Option<f64>,
    /// Runs added, compute spent over the extension's, runs outside the fitted ranges.
    runs: usize,
    compute_share: f64,
    outside: usize,
}

/// The fit and its bootstrap.
struct Fitted {
    obs: Observations,
    fitted: FittedLaw,
    draws: BootstrapDraws,
}

fn fit_and_bootstrap(runs: &[Run], resamples: usize, seed: u64) -> Result<Fitted, String> {
    let obs = observations(runs);
    let fitted = fit(&obs, &FitConfig::default(), &|| {})
        .map_err(|e| e.to_string())?
        .fitted;
    let config = BootstrapConfig {
        n_resamples: resamples,
        seed,
        ..BootstrapConfig::default()
    };
    let draws = bootstrap(&obs, &fitted, &config, &|| {}).map_err(|e| e.to_string())?;
    Ok(Fitted { obs, fitted, draws })
}

fn optimal_params(law: scaling_laws::law::Law, c: f64) -> f64 {
    Allocator::new(law, K).map_or(f64::NAN, |a| a.optimal_for_compute(c).n_params)
}

/// N* of the fit at `c` and its bootstrap percentile interval.
fn n_star(f: &Fitted, c: f64) -> (f64, f64, f64) {
    let value = optimal_params(f.fitted.to_law(), c);
    let draws = f.draws.map(|law| optimal_params(law.clone(), c));
    let e = estimate(value, &draws, LEVEL);
    (
        value,
        e.lower.unwrap_or(f64::NAN),
        e.upper.unwrap_or(f64::NAN),
    )
}

/// Train `added` from the truth, refit with the sweep, score against `truth_n`.
fn refit_score(
    base: &[Run],
    added: &[(f64, f64)],
    truth: &Truth,
    rng: &mut ChaCha8Rng,
    ctx: &Context,
) -> Result<Score, String> {
    let noise = Normal::new(0.0, NOISE_SD).map_err(|e| e.to_string())?;
    let mut all = base.to_vec();
    all.extend(
        added
            .iter()
            .map(|&(n, d)| (n, d, truth.loss(n, d) * noise.sample(rng).exp())),
    );
    let refit = fit_and_bootstrap(&all, ctx.resamples, ctx.seed)?;
    let (value, lo, hi) = n_star(&refit, ctx.target);
    Ok(Score {
        error: (value / ctx.truth_n).ln().abs(),
        refit_covers: lo <= ctx.truth_n && ctx.truth_n <= hi,
        refit_width: hi / lo,
        runs: added.len(),
        compute_share: added.iter().map(|(n, d)| K * n * d).sum::<f64>() / ctx.extension_compute,
        ..Score::default()
    })
}

/// The ratio of the sd of ln N* over the draws after the runs of `s` to before, by the serial
/// ensemble square-root filter (Whitaker and Hamill 2002): each run, observed with the fit's
/// residual scale, updates the draws' anomalies linearly.
fn linear_shrink(base: &Fitted, ask: &SuggestConfig, s: &Suggestion) -> f64 {
    let laws = base.draws.laws();
    let x: Vec<f64> = laws
        .iter()
        .map(|l| optimal_params(l.clone(), ask.target_budget).ln())
        .collect();
    let keep: Vec<usize> = (0..x.len()).filter(|&i| x[i].is_finite()).collect();
    let b = keep.len() as f64;
    let centre = |v: &mut Vec<f64>| {
        let m = v.iter().sum::<f64>() / b;
        v.iter_mut().for_each(|y| *y -= m);
    };
    let mut vars: Vec<Vec<f64>> = std::iter::once(keep.iter().map(|&i| x[i]).collect())
        .chain(s.runs.iter().map(|r| {
            keep.iter()
                .map(|&i| laws[i].loss(r.n_params, r.n_tokens).ln())
                .collect()
        }))
        .collect();
    vars.iter_mut().for_each(centre);
    let cov = |a: &[f64], c: &[f64]| a.iter().zip(c).map(|(p, q)| p * q).sum::<f64>() / (b - 1.0);
    let before = cov(&vars[0], &vars[0]);
    let s2 = robust_scale(&base.fitted.residuals).powi(2);
    for k in 1..vars.len() {
        let h = vars[k].clone();
        let vh = cov(&h, &h) + s2;
        let alpha = 1.0 / (1.0 + (s2 / vh).sqrt());
        for v in vars.iter_mut() {
            let gain = alpha * cov(v, &h) / vh;
            v.iter_mut().zip(&h).for_each(|(y, hb)| *y -= gain * hb);
        }
    }
    (cov(&vars[0], &vars[0]) / before).sqrt()
}

/// What every arm of a study shares.
struct Context {
    target: f64,
    truth_n: f64,
    extension_compute: f64,
    resamples: usize,
    seed: u64,
}

/// The promise of a suggestion (its last expected interval) and the delta method's for the
/// same runs, scored against the true N*.
fn promises(s: &Suggestion, base: &Fitted, ask: &SuggestConfig, truth_n: f64, score: &mut Score) {
    let last = s.runs.last().map_or(s.interval_now, |r| r.interval_after);
    score.promised_covers = Some(last.lower <= truth_n && truth_n <= last.upper);
    score.promised_width = Some(last.width_ratio);
    score.outside = s.runs.iter().filter(|r| r.outside.is_some()).count();
    score.effective_draws = Some(s.effective_draws);
    score.unresolved = s.runs.iter().filter(|r| !r.resolved).count();
    let shrink = linear_shrink(base, ask, s);
    let now = s.interval_now;
    let (lo, hi) = (
        s.value * (shrink * (now.lower / s.value).ln()).exp(),
        s.value * (shrink * (now.upper / s.value).ln()).exp(),
    );
    score.linear_covers = Some(lo <= truth_n && truth_n <= hi);
    score.linear_width = Some(hi / lo);
    // The delta method's interval after the runs: the Fisher information with them appended.
    let mut rows: Vec<Run> = (0..base.obs.len())
        .map(|i| {
            let (n, d) = (base.obs.log_n()[i].exp(), base.obs.log_d()[i].exp());
            (n, d, base.fitted.loss(n, d))
        })
        .collect();
    rows.extend(s.runs.iter().map(|r| (r.n_params, r.n_tokens, 1.0)));
    let f = &base.fitted;
    let sd = log_sd(
        &observations(&rows),
        f.family,
        &f.config.params,
        &f.theta,
        robust_scale(&f.residuals),
        ask,
    );
    if let Some(sd) = sd {
        let z = 1.959_963_984_540_054;
        let (lo, hi) = (s.value * (-z * sd).exp(), s.value * (z * sd).exp());
        score.delta_covers = Some(lo <= truth_n && truth_n <= hi);
        score.delta_width = Some(hi / lo);
    }
}

/// The truth's kind and the scores of each arm (in the order of `ARMS`), plus the sweep's own.
type Outcome = Result<(&'static str, Score, Vec<Score>), String>;

fn study(seed: u64, resamples: usize) -> Outcome {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (kind, truth) = match seed % 3 {
        0 => ("drifting exponents", random_drifting(&mut rng)),
        1 => ("Kaplan form", random_kaplan(&mut rng)),
        _ => (
            "Chinchilla form (control)",
            Truth::Chinchilla(random_chinchilla(&mut rng)),
        ),
    };
    let design = Design::Isoflop {
        budgets: 5..=7,
        sizes: 8..=10,
    };
    let noise = Normal::new(0.0, NOISE_SD).map_err(|e| e.to_string())?;
    let base: Vec<Run> = design
        .points(&truth, &mut rng)
        .into_iter()
        .map(|(n, d)| (n, d, truth.loss(n, d) * noise.sample(&mut rng).exp()))
        .collect();
    let largest = base.iter().map(|r| K * r.0 * r.1).fold(0.0, f64::max);
    let next = largest * 10f64.powf(GRID_STEP_DECADES);
    let ctx = Context {
        target: largest * TARGET_OVER_LARGEST,
        truth_n: truth.optimal_params(largest * TARGET_OVER_LARGEST),
        extension_compute: next * EXTENSION_RUNS as f64,
        resamples,
        seed,
    };
    let fitted = fit_and_bootstrap(&base, resamples, seed)?;
    let (value, lo, hi) = n_star(&fitted, ctx.target);
    let sweep = Score {
        error: (value / ctx.truth_n).ln().abs(),
        refit_covers: lo <= ctx.truth_n && ctx.truth_n <= hi,
        refit_width: hi / lo,
        ..Score::default()
    };
    let centre = optimal_params(fitted.fitted.to_law(), next);
    let extension: Vec<(f64, f64)> =
        log_range(centre / 10f64.sqrt(), centre * 10f64.sqrt(), EXTENSION_RUNS)
            .into_iter()
            .map(|n| (n.round(), next / (K * n.round())))
            .collect();
    let mut scores = vec![refit_score(&base, &extension, &truth, &mut rng, &ctx)?];
    for (runs, allow_outside) in [(100, false), (EXTENSION_RUNS, false), (100, true)] {
        let ask = SuggestConfig {
            target_budget: ctx.target,
            target: Target::Params,
            runs,
            compute_limit: next,
            total_compute: Some(ctx.extension_compute),
            level: LEVEL,
            flops_per_param_token: K,
            allow_outside,
        };
        let s =
            suggest(&fitted.obs, &fitted.fitted, &fitted.draws, &ask).map_err(|e| e.to_string())?;
        let added: Vec<(f64, f64)> = s.runs.iter().map(|r| (r.n_params, r.n_tokens)).collect();
        let mut score = refit_score(&base, &added, &truth, &mut rng, &ctx)?;
        promises(&s, &fitted, &ask, ctx.truth_n, &mut score);
        scores.push(score);
    }
    Ok((kind, sweep, scores))
}

fn median(mut x: Vec<f64>) -> f64 {
    x.sort_by(f64::total_cmp);
    if x.is_empty() {
        return f64::NAN;
    }
    x[x.len() / 2]
}

fn share(x: impl Iterator<Item = bool>) -> String {
    let v: Vec<bool> = x.collect();
    let yes = v.iter().filter(|b| **b).count();
    format!("{yes}/{}", v.len())
}

/// The Markdown row of one arm over the studies `s`.
fn row(name: &str, s: &[&Score], promised: bool) -> String {
    let errors: Vec<f64> = s.iter().map(|x| x.error).collect();
    let mean = errors.iter().sum::<f64>() / errors.len() as f64;
    let opt = |f: fn(&Score) -> Option<f64>| median(s.iter().filter_map(|x| f(x)).collect());
    let promise = if promised {
        format!(
            "{} (×{:.2}, {:.0} draws) | {} (×{:.2}) | {} (×{:.2})",
            share(s.iter().filter_map(|x| x.promised_covers)),
            opt(|x| x.promised_width),
            opt(|x| x.effective_draws),
            share(s.iter().filter_map(|x| x.linear_covers)),
            opt(|x| x.linear_width),
            share(s.iter().filter_map(|x| x.delta_covers)),
            opt(|x| x.delta_width),
        )
    } else {
        "— | — | —".to_string()
    };
    format!(
        "| {name} | {:.1} | {:.3} | {:.3} | {} (×{:.2}) | {promise} | {:.2} | {:.2} |",
        median(s.iter().map(|x| x.runs as f64).collect()),
        median(errors.clone()).exp(),
        mean.exp(),
        share(s.iter().map(|x| x.refit_covers)),
        median(s.iter().map(|x| x.refit_width).collect()),
        median(s.iter().map(|x| x.compute_share).collect()),
        s.iter().map(|x| x.outside as f64).sum::<f64>() / s.len() as f64,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str, default: u64| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let studies = value("--studies", 24);
    let seed = value("--seed", 2024);
    let resamples = value("--resamples", 200) as usize;
    let threads = value("--threads", 2) as usize;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("one thread pool");
    let results: Vec<(u64, Outcome)> = (0..studies)
        .into_par_iter()
        .map(|i| (i, study(seed + i, resamples)))
        .collect();
    println!(
        "study,truth,arm,runs,error,refit_covers,refit_width,promised_covers,promised_width,effective_draws,linear_covers,linear_width,delta_covers,delta_width,compute_share,outside"
    );
    let mut ok = Vec::new();
    for (i, r) in &results {
        match r {
            Ok((kind, sweep, scores)) => {
                let named =
                    std::iter::once(("sweep alone", sweep)).chain(ARMS.iter().copied().zip(scores));
                for (arm, s) in named {
                    println!(
                        "{i},{kind},{arm},{},{:.4},{},{:.3},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:.3},{}",
                        s.runs,
                        s.error,
                        s.refit_covers,
                        s.refit_width,
                        s.promised_covers,
                        s.promised_width,
                        s.effective_draws,
                        s.linear_covers,
                        s.linear_width,
                        s.delta_covers,
                        s.delta_width,
                        s.compute_share,
                        s.outside
                    );
                }
                ok.push((*kind, sweep, scores));
            }
            Err(e) => println!("{i},failed: {e}"),
        }
    }
    println!(
        "\n{} of {studies} studies ran ({resamples} resamples per bootstrap, seed {seed}); error = exp(|ln N*_fit/N*_true|) at 100x the largest budget\n",
        ok.len()
    );
    println!(
        "| arm | runs (median) | error, median | error, geometric mean | refit interval covers (median width) | suggest's promise covers (width, effective draws) | linear update of the draws covers (width) | delta method's promise covers (width) | compute / extension's | runs outside (mean) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for kind in [
        "misspecified",
        "drifting exponents",
        "Kaplan form",
        "Chinchilla form (control)",
    ] {
        let pick = |k: &&(&str, &Score, &Vec<Score>)| {
            k.0 == kind || (kind == "misspecified" && !k.0.contains("control"))
        };
        let sweeps: Vec<&Score> = ok.iter().filter(pick).map(|x| x.1).collect();
        println!(
            "| **{kind}** ({} studies) | | | | | | | | | |",
            sweeps.len()
        );
        println!("{}", row("sweep alone", &sweeps, false));
        for (a, name) in ARMS.iter().enumerate() {
            let s: Vec<&Score> = ok.iter().filter(pick).map(|x| &x.2[a]).collect();
            println!("{}", row(name, &s, a > 0));
        }
    }
}
