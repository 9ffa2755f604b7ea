//! Refit the curve laws on the multi-power law's published training schedules and score them
//! on the held-out schedules (Luo et al. 2025; `../shared/data/multipower2025`).
//!
//! `cargo run --release -p scaling-laws-bench --bin curve_refit [-- SIZES]` prints, per size
//! and law: the held-out mean relative error (PredE) and worst error, the training objective
//! beside the published parameters', the starts that converged and the time of the fit.

use std::time::Instant;

use scaling_laws::curve::fit::{CurveFitOptions, fit_curves, score};
use scaling_laws::curve::law::{
    Annealing, Blind, CurveLaw, DEFAULT_LAMBDA, MULTI_POWER_PUBLISHED, MultiPower,
};
use scaling_laws::curve::metrics::CurveScores;
use scaling_laws::curve::{Prepared, SUM_TOLERANCE};
use scaling_laws::fit::objective::ResidualLoss;
use scaling_laws_bench::multipower::{TEST, TRAIN, load};

fn objective(law: &dyn CurveLaw, theta: &[f64], runs: &[Prepared]) -> f64 {
    let loss = ResidualLoss::default();
    runs.iter()
        .map(|r| {
            scaling_laws::curve::fit::predict(law, theta, r)
                .iter()
                .zip(&r.log_loss)
                .map(|(p, y)| loss.value(y - p.ln()))
                .sum::<f64>()
        })
        .sum()
}

/// Each curve as a running job: fitted to its first `share` of checkpoints, the relative error
/// of the predicted loss at its last checkpoint.
fn running(laws: &[&dyn CurveLaw]) {
    let names: Vec<&str> = TRAIN.iter().chain(&TEST).copied().collect();
    println!("| law | share seen | mean error of the final loss | worst | fits failed |");
    println!("|---|---|---|---|---|");
    for law in laws {
        for share in [0.5, 0.7] {
            let (mut errors, mut failed) = (Vec::new(), 0);
            let mut worst = (0.0f64, String::new());
            for size in ["25", "100", "400"] {
                for full in load(size, &names, SUM_TOLERANCE) {
                    let n = full.len();
                    let cut = ((n as f64) * share).round() as usize;
                    let seen = Prepared::new(full.run.select(|i, _| i < cut), SUM_TOLERANCE);
                    let Ok(fit) = fit_curves(
                        *law,
                        std::slice::from_ref(&seen),
                        &CurveFitOptions::default(),
                    ) else {
                        failed += 1;
                        continue;
                    };
                    let pred = scaling_laws::curve::fit::predict(*law, &fit.theta, &full);
                    let e = (pred[n - 1] - full.run.loss[n - 1]).abs() / full.run.loss[n - 1];
                    if e > worst.0 {
                        worst = (e, format!("{size}M {}", full.run.name));
                    }
                    errors.push(e);
                }
            }
            let mean = errors.iter().sum::<f64>() / errors.len().max(1) as f64;
            println!(
                "| {} | {:.0}% | {:.3}% | {:.3}% ({}) | {failed} |",
                law.name(),
                100.0 * share,
                100.0 * mean,
                100.0 * worst.0,
                worst.1
            );
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--running") {
        let annealing = Annealing {
            lambda: DEFAULT_LAMBDA,
        };
        running(&[&MultiPower, &annealing, &Blind]);
        return;
    }
    let mut sizes: Vec<String> = std::env::args().skip(1).collect();
    let eps = match sizes.iter().position(|a| a == "--eps") {
        Some(i) => {
            let v = sizes[i + 1].parse().expect("--eps NUMBER");
            sizes.drain(i..i + 2);
            v
        }
        None => SUM_TOLERANCE,
    };
    let sizes = if sizes.is_empty() {
        vec!["25".into(), "100".into(), "400".into()]
    } else {
        sizes
    };
    let annealing = Annealing {
        lambda: DEFAULT_LAMBDA,
    };
    let laws: [&dyn CurveLaw; 3] = [&MultiPower, &annealing, &Blind];
    println!(
        "| size | law | held-out PredE | WorstE | train objective | published's | starts converged | time |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for size in &sizes {
        let (train, test) = (load(size, &TRAIN, eps), load(size, &TEST, 0.0));
        let k = ["25", "100", "400"].iter().position(|s| s == size).unwrap();
        let published = MULTI_POWER_PUBLISHED[k].1;
        for law in laws {
            let started = Instant::now();
            let fit = fit_curves(law, &train, &CurveFitOptions::default()).unwrap();
            let elapsed = started.elapsed();
            let m = CurveScores::mean(
                &test
                    .iter()
                    .map(|r| score(law, &fit.theta, r))
                    .collect::<Vec<_>>(),
            );
            let reference = if law.name() == "multi-power" {
                format!("{:.6e}", objective(law, &published, &train))
            } else {
                "".into()
            };
            println!(
                "| {size}M | {} | {:.3}% | {:.3}% | {:.6e} | {reference} | {}/{} | {:.2?} |",
                law.name(),
                100.0 * m.pred_e,
                100.0 * m.worst_e,
                fit.objective,
                fit.converged_starts,
                fit.starts,
                elapsed
            );
            let terms: usize = train.iter().map(Prepared::block_count).sum();
            eprintln!(
                "  theta {:?}; {} iterations, {terms} loss-drop terms per evaluation",
                fit.theta, fit.iterations
            );
        }
    }
}
