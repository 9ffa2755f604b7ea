//! Fit a curve law to a million checkpoints: 1,000 runs of 5,000 steps, a checkpoint every 5
//! steps, under cosine, constant and WSD schedules of 100 peak rates from 1e-4 to 1e-3, drawn
//! from the multi-power law with the published 400M parameters and 0.3% noise (seeded).
//!
//! `cargo run --release -p scaling-laws-bench --bin curve_scale [-- LAW [RUNS]]` (LAW:
//! `annealing` by default, `blind` or `multi-power`; RUNS: 1000) prints the time to prepare
//! the runs, the time of the fit, its objective and parameters; run it under
//! `/usr/bin/time -v` for the peak memory.

use std::time::Instant;

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use scaling_laws::curve::fit::{CurveFitOptions, fit_curves, predict};
use scaling_laws::curve::law::{DEFAULT_LAMBDA, MULTI_POWER_PUBLISHED, MultiPower, curve_law};
use scaling_laws::curve::schedule::Schedule;
use scaling_laws::curve::{CurveRun, Prepared, SUM_TOLERANCE};

const STEPS: usize = 5000;
const EVERY: usize = 5;

fn schedule(i: usize) -> Schedule {
    let peak = 1e-4 * 10f64.powf((i % 100) as f64 / 99.0);
    let head = format!("warmup=400,peak={peak:e}");
    let spec = match i % 3 {
        0 => format!("cosine:{head},final={:e},steps={STEPS}", peak / 10.0),
        1 => format!("constant:{head},steps={STEPS}"),
        _ => format!(
            "wsd:{head},final={:e},decay=4000,steps={STEPS},cooldown=exp",
            peak / 10.0
        ),
    };
    Schedule::parse(&spec, "schedule").expect("a valid schedule")
}

/// Run `i`, its losses drawn from the multi-power law (the grouped sum) with noise.
fn run(i: usize, noise: &Normal<f64>, rng: &mut rand_chacha::ChaCha8Rng) -> Prepared {
    let lrs = schedule(i).per_step();
    let steps: Vec<usize> = (1..)
        .map(|k| k * EVERY)
        .take_while(|&s| s < STEPS)
        .collect();
    let placeholder = vec![1.0; steps.len()];
    let truth = Prepared::new(
        CurveRun::new(format!("run{i}"), lrs.clone(), steps.clone(), placeholder).unwrap(),
        SUM_TOLERANCE,
    );
    let loss = predict(&MultiPower, &MULTI_POWER_PUBLISHED[2].1, &truth)
        .into_iter()
        .map(|l| l * noise.sample(rng).exp())
        .collect();
    drop(truth);
    Prepared::new(
        CurveRun::new(format!("run{i}"), lrs, steps, loss).unwrap(),
        SUM_TOLERANCE,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let law = curve_law(
        args.first().map_or("annealing", String::as_str),
        DEFAULT_LAMBDA,
    )
    .expect("a curve law");
    let runs: usize = args.get(1).map_or(1000, |v| v.parse().expect("RUNS"));
    let started = Instant::now();
    let noise = Normal::new(0.0, 0.003).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20250317);
    let prepared: Vec<Prepared> = (0..runs).map(|i| run(i, &noise, &mut rng)).collect();
    let checkpoints: usize = prepared.iter().map(Prepared::len).sum();
    println!(
        "{runs} runs, {checkpoints} checkpoints, drawn and prepared in {:.2?}",
        started.elapsed()
    );
    let started = Instant::now();
    let fit = fit_curves(&*law, &prepared, &CurveFitOptions::default()).expect("a fit");
    println!(
        "{} law fitted in {:.2?}: objective {:.6e}, converged {}, {} iterations",
        law.name(),
        started.elapsed(),
        fit.objective,
        fit.converged,
        fit.iterations
    );
    println!(
        "parameters {:?}",
        fit.names.iter().zip(&fit.theta).collect::<Vec<_>>()
    );
}
