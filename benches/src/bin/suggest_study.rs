//! Study of `scaling-laws suggest`: do the suggested runs narrow the interval of N*(C) more
//! than the same compute spent on the next budget of a regular IsoFLOP grid?
//!
//! Each study simulates a sweep (five budgets 6e18..1e20 FLOPs, six sizes each, 1% log-loss
//! noise) from a Chinchilla law near Hoffmann et al.'s (exponents jittered by up to ±15%),
//! fits it, and then spends the compute of one more grid budget (six runs at 3e20 FLOPs) two
//! ways: on the runs `suggest` picks (greedy, per FLOP, candidates up to 3e20 FLOPs per run,
//! capped at the same total), and on the regular extension. Both sets are simulated with fresh
//! noise and refitted; the delta-method sd of ln N*(1e23) of each refit is compared.
//!
//! Usage (from the repository root):
//!
//! ```text
//! cargo run --release -p scaling-laws-bench --bin suggest_study -- [--studies N] [--seed S]
//! ```
//!
//! Prints one line per study (the two sds and their ratio) and a summary.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use scaling_laws::design::simulate::{SimulationDesign, simulate};
use scaling_laws::design::suggest::{SuggestConfig, Target, log_sd, suggest};
use scaling_laws::fit::{FitConfig, Observations, fit};
use scaling_laws::law::ChinchillaLaw;
use scaling_laws::uncertainty::delta::robust_scale;

const BUDGETS: [f64; 5] = [6e18, 1e19, 3e19, 6e19, 1e20];
const NEXT: f64 = 3e20;
const PER_BUDGET: usize = 6;

fn observations(runs: &[(f64, f64, f64)]) -> Observations {
    let n: Vec<f64> = runs.iter().map(|r| r.0).collect();
    let d: Vec<f64> = runs.iter().map(|r| r.1).collect();
    let l: Vec<f64> = runs.iter().map(|r| r.2).collect();
    Observations::new(&n, &d, &l)
}

/// `(sd suggested, sd extension, runs suggested)` of one study, or why it failed.
type Outcome = Result<(f64, f64, usize), String>;

fn study(seed: u64) -> Outcome {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let h = ChinchillaLaw::HOFFMANN_2022;
    let truth = ChinchillaLaw {
        alpha: h.alpha * rng.random_range(0.85..1.15),
        beta: h.beta * rng.random_range(0.85..1.15),
        ..h
    };
    let design = SimulationDesign {
        law: truth.into(),
        budgets: BUDGETS.to_vec(),
        sizes_per_budget: PER_BUDGET,
        span: 10.0,
        noise_sd: 0.01,
        flops_per_param_token: 6.0,
        seed,
    };
    let base: Vec<(f64, f64, f64)> = simulate(&design)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|r| (r.n_params, r.n_tokens, r.loss))
        .collect();
    let config = FitConfig::default();
    let fitted = fit(&observations(&base), &config, &|| {})
        .map_err(|e| e.to_string())?
        .fitted;
    let ask = SuggestConfig {
        target_budget: 1e23,
        target: Target::Params,
        runs: 100,
        compute_limit: NEXT,
        total_compute: Some(NEXT * PER_BUDGET as f64),
        level: 0.95,
        flops_per_param_token: 6.0,
    };
    let s = suggest(&observations(&base), &fitted, &ask).map_err(|e| e.to_string())?;
    let suggested: Vec<(f64, f64)> = s.runs.iter().map(|r| (r.n_params, r.n_tokens)).collect();
    let extension: Vec<(f64, f64)> = simulate(&SimulationDesign {
        budgets: vec![NEXT],
        ..design
    })
    .map_err(|e| e.to_string())?
    .iter()
    .map(|r| (r.n_params, r.n_tokens))
    .collect();
    let noise = Normal::new(0.0, 0.01).map_err(|e| e.to_string())?;
    let mut sd_after = |added: &[(f64, f64)]| -> Result<f64, String> {
        let mut all = base.clone();
        all.extend(
            added
                .iter()
                .map(|&(n, d)| (n, d, truth.loss(n, d) * f64::exp(noise.sample(&mut rng)))),
        );
        let obs = observations(&all);
        let refit = fit(&obs, &config, &|| {})
            .map_err(|e| e.to_string())?
            .fitted;
        let scale = robust_scale(&refit.residuals);
        log_sd(
            &obs,
            refit.family,
            &refit.config.params,
            &refit.theta,
            scale,
            &ask,
        )
        .ok_or_else(|| "singular Fisher information".to_string())
    };
    let a = sd_after(&suggested)?;
    let b = sd_after(&extension)?;
    Ok((a, b, suggested.len()))
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
    let results: Vec<(u64, Outcome)> = (0..studies)
        .into_par_iter()
        .map(|i| (i, study(seed + i)))
        .collect();
    println!("study,sd_suggested,sd_extension,ratio,runs_suggested");
    let mut ratios = Vec::new();
    for (i, r) in &results {
        match r {
            Ok((a, b, k)) => {
                println!("{i},{a:.5},{b:.5},{:.4},{k}", a / b);
                ratios.push(a / b);
            }
            Err(e) => println!("{i},failed: {e}"),
        }
    }
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    if n == 0 {
        println!("no study succeeded");
        return;
    }
    let mean = ratios.iter().sum::<f64>() / n as f64;
    let wins = ratios.iter().filter(|r| **r < 1.0).count();
    println!(
        "summary: {n} studies, interval width suggested / extension: mean {mean:.3}, median {:.3}, range [{:.3}, {:.3}]; suggested narrower in {wins} of {n}",
        ratios[n / 2],
        ratios[0],
        ratios[n - 1]
    );
}
