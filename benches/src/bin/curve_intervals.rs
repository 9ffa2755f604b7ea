//! How often the curve laws' bootstrap bands cover what they predict, on the multi-power law's
//! published curves (Luo et al. 2025; `../shared/data/multipower2025`; needs `../shared/data`).
//!
//! `cargo run --release -p scaling-laws-bench --bin curve_intervals [-- --draws N]` fits each
//! size's training schedules, bootstraps the fit (stretches of runs resampled, see
//! `scaling_laws::curve::bootstrap`), and scores the 95% band of every held-out schedule: the
//! share of its checkpoints inside, and the band's mean width relative to the loss.

use scaling_laws::curve::SUM_TOLERANCE;
use scaling_laws::curve::bootstrap::{
    bootstrap_curves, extrapolation_slope, held_out_error, quantile_band, widen,
};
use scaling_laws::curve::fit::{CurveFitOptions, fit_curves, predict};
use scaling_laws::curve::law::{Annealing, CurveLaw, DEFAULT_LAMBDA, MultiPower};
use scaling_laws_bench::multipower::{SIZES, TEST, TRAIN, load};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let draws = args
        .iter()
        .position(|a| a == "--draws")
        .map_or(200, |i| args[i + 1].parse().expect("--draws N"));
    let annealing = Annealing {
        lambda: DEFAULT_LAMBDA,
    };
    let laws: [&dyn CurveLaw; 2] = [&MultiPower, &annealing];
    println!(
        "| size | law | held-out PredE | bootstrap band covers | its width | left-out runs' error (95%) | widened band covers | its width | draws kept | time |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for size in SIZES {
        let train = load(size, &TRAIN, SUM_TOLERANCE);
        let test = load(size, &TEST, SUM_TOLERANCE);
        for law in laws {
            let started = std::time::Instant::now();
            let options = CurveFitOptions::default();
            let fit = fit_curves(law, &train, &options).expect("a fit");
            let boot = bootstrap_curves(law, &train, &fit.theta, &options, draws, 1, &|| {})
                .expect("a bootstrap");
            let model =
                held_out_error(law, &train, &fit.theta, &options, 0.95).expect("a held-out error");
            let slope =
                extrapolation_slope(law, &train, &fit.theta, &options, 0.95).expect("a slope");
            let s1_max = train
                .iter()
                .flat_map(|r| r.s1_at_checkpoints())
                .fold(0.0, f64::max);
            eprintln!(
                "  {size}M {}: held-out {:.3}%, slope {slope:.4}",
                law.name(),
                100.0 * model.quantile
            );
            let (mut inside, mut total, mut width, mut rel) = (0usize, 0usize, 0.0, 0.0);
            let (mut inside_w, mut width_w) = (0usize, 0.0);
            for run in &test {
                let point = predict(law, &fit.theta, run);
                let rows: Vec<Vec<f64>> = boot.theta.iter().map(|t| predict(law, t, run)).collect();
                let (lo, hi) = quantile_band(&rows, 0.95);
                let (mut cov, mut err) = (0usize, 0.0);
                for i in 0..run.len() {
                    let y = run.run.loss[i];
                    let d = (run.s1[run.run.steps[i]] / s1_max).ln().max(0.0);
                    let m = (model.quantile.powi(2) + (slope * d).powi(2)).sqrt();
                    let (l, h) = widen(point[i], lo[i], hi[i], m);
                    cov += usize::from(l <= y && y <= h);
                    err += (point[i] - y).abs() / y;
                }
                eprintln!(
                    "  {size}M {} {}: covered {:.0}%, PredE {:.3}%",
                    law.name(),
                    run.run.name,
                    100.0 * cov as f64 / run.len() as f64,
                    100.0 * err / run.len() as f64
                );
                for i in 0..run.len() {
                    let y = run.run.loss[i];
                    inside += usize::from(lo[i] <= y && y <= hi[i]);
                    let d = (run.s1[run.run.steps[i]] / s1_max).ln().max(0.0);
                    let m = (model.quantile.powi(2) + (slope * d).powi(2)).sqrt();
                    let (l, h) = widen(point[i], lo[i], hi[i], m);
                    inside_w += usize::from(l <= y && y <= h);
                    width_w += (h - l) / y;
                    width += (hi[i] - lo[i]) / y;
                    rel += (point[i] - y).abs() / y;
                    total += 1;
                }
            }
            println!(
                "| {size}M | {} | {:.3}% | {:.1}% | {:.3}% | {:.3}% | {:.1}% | {:.3}% | {}/{draws} | {:.1?} |",
                law.name(),
                100.0 * rel / total as f64,
                100.0 * inside as f64 / total as f64,
                100.0 * width / total as f64,
                100.0 * model.quantile,
                100.0 * inside_w as f64 / total as f64,
                100.0 * width_w / total as f64,
                boot.theta.len(),
                started.elapsed()
            );
        }
    }
}
