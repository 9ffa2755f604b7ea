//! The bootstrap's early stop against running every start of each resample, on the 240-run
//! Chinchilla set: how many resamples end above the all-starts optimum (beyond 1e-9, relative),
//! the runs made, the time, and the 2.5% / 50% / 97.5% points of a, alpha, beta and E with
//! their Monte Carlo standard errors (from the order statistics' binomial spread).
//!
//! ```text
//! cargo run --release -p scaling-laws-bench --bin bootstrap_stop [-- --resamples 4000] [--scheme weights]
//! ```

use std::time::Instant;

use scaling_laws::fit::{self, FitConfig};
use scaling_laws::uncertainty::{BootstrapConfig, BootstrapDraws, ResampleScheme, bootstrap};
use scaling_laws_bench::chinchilla_240;

/// A resample this far above the all-starts optimum is a miss.
const MISS_RTOL: f64 = 1e-9;

fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The p-quantile and its Monte Carlo standard error: the quantiles at p ± sd of the binomial
/// proportion, half their distance.
fn with_error(draws: &[f64], p: f64) -> (f64, f64) {
    let mut s: Vec<f64> = draws.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(f64::total_cmp);
    let sd = (p * (1.0 - p) / s.len() as f64).sqrt();
    let (lo, hi) = ((p - sd).max(0.0), (p + sd).min(1.0));
    (quantile(&s, p), (quantile(&s, hi) - quantile(&s, lo)) / 2.0)
}

fn columns(draws: &BootstrapDraws) -> Vec<(&'static str, Vec<f64>)> {
    vec![
        ("a", draws.map(|l| l.params_exponent().unwrap_or(f64::NAN))),
        ("alpha", draws.map(|l| l.theta()[3])),
        ("beta", draws.map(|l| l.theta()[4])),
        ("E", draws.map(|l| l.theta()[2].exp())),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let resamples: usize = flag("--resamples").map_or(4000, |v| v.parse().expect("a number"));
    let scheme =
        ResampleScheme::parse(&flag("--scheme").unwrap_or("weights".into())).expect("a scheme");
    let data = chinchilla_240();
    let obs = data.observations();
    let fitted = fit::fit(&obs, &FitConfig::default(), &|| {})
        .expect("the Chinchilla fit")
        .fitted;
    let run = |stop: Option<usize>| {
        let config = BootstrapConfig {
            n_resamples: resamples,
            scheme,
            stop_when_reached: stop,
            ..BootstrapConfig::default()
        };
        let start = Instant::now();
        let draws = bootstrap(&obs, &fitted, &config, &|| {}).expect("a bootstrap");
        (draws, start.elapsed().as_secs_f64())
    };
    let (all, t_all) = run(None);
    let (early, t_early) = run(BootstrapConfig::default().stop_when_reached);
    let misses = all
        .objective
        .iter()
        .zip(&early.objective)
        .filter(|(a, e)| **e > **a + MISS_RTOL * a.abs())
        .count();
    let lower = all
        .objective
        .iter()
        .zip(&early.objective)
        .filter(|(a, e)| **e < **a - MISS_RTOL * a.abs())
        .count();
    println!(
        "{resamples} resamples, --resample {}, {} threads: every start {t_all:.2} s, early stop {t_early:.2} s; \
         {misses} resamples above the every-start optimum, {lower} below; improved by a grid start: {} vs {}; failed: {} vs {}",
        scheme.name(),
        rayon::current_num_threads(),
        all.improved_by_grid,
        early.improved_by_grid,
        all.failed(),
        early.failed(),
    );
    println!();
    println!("| parameter | quantile | every start | early stop | difference / MC error |");
    println!("|---|---|---|---|---|");
    for ((name, a), (_, e)) in columns(&all).into_iter().zip(columns(&early)) {
        for p in [0.025, 0.5, 0.975] {
            let (qa, sa) = with_error(&a, p);
            let (qe, _) = with_error(&e, p);
            println!(
                "| {name} | {p} | {qa:.6} | {qe:.6} | {:.3} |",
                (qe - qa) / sa.max(f64::MIN_POSITIVE)
            );
        }
    }
}
