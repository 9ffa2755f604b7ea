//! How often the curve laws' prediction bands cover what they predict, on the multi-power law's
//! published curves (Luo et al. 2025; `../shared/data/multipower2025`; needs `../shared/data`).
//!
//! `cargo run --release -p scaling-laws-bench --bin curve_intervals [-- --draws N] [--running]`
//!
//! - By default, per size and law: the law fitted to the authors' three training schedules and
//!   bootstrapped (`scaling_laws::curve::bootstrap`), and the 95% band of every held-out
//!   schedule scored: the share of its checkpoints inside, the band's mean width relative to
//!   the loss, beside the bootstrap's own band before widening.
//! - `--running`: every curve as a running job, fitted with the size's other training curves
//!   and its own first 50% or 70% of checkpoints (its schedule known), the final loss predicted:
//!   the error, and whether the 95% band covers the observed final loss.

use scaling_laws::curve::Prepared;
use scaling_laws::curve::SUM_TOLERANCE;
use scaling_laws::curve::bootstrap::{
    Reach, bootstrap_curves, held_out_error, past_data, prediction_band, quantile_band, reach,
};
use scaling_laws::curve::fit::{CurveFitOptions, fit_curves, predict};
use scaling_laws::curve::law::{Annealing, CurveLaw, DEFAULT_LAMBDA, MultiPower};
use scaling_laws_bench::multipower::{SIZES, TEST, TRAIN, load};

/// A fit with its band ingredients.
struct Banded {
    theta: Vec<f64>,
    draws: Vec<Vec<f64>>,
    held: f64,
    reach: Vec<Reach>,
    growth: Vec<f64>,
}

fn banded(law: &dyn CurveLaw, runs: &[Prepared], draws: usize) -> Option<Banded> {
    let options = CurveFitOptions::default();
    let fit = fit_curves(law, runs, &options).ok()?;
    let boot = bootstrap_curves(law, runs, &fit.theta, &options, draws, 1, &|| {}).ok()?;
    let held = held_out_error(law, runs, &fit.theta, &options, 0.95)?.quantile;
    let reach = reach(law, runs, &fit.theta, &options, 0.95, held);
    let growth = reach
        .iter()
        .map(|r| r.growth)
        .collect::<Option<Vec<f64>>>()?;
    Some(Banded {
        theta: fit.theta,
        draws: boot.theta,
        held,
        reach,
        growth,
    })
}

impl Banded {
    /// Point, bootstrap band, widened band at each checkpoint of `run`.
    #[allow(clippy::type_complexity)]
    fn predict(
        &self,
        law: &dyn CurveLaw,
        run: &Prepared,
    ) -> (Vec<f64>, (Vec<f64>, Vec<f64>), (Vec<f64>, Vec<f64>)) {
        let point = predict(law, &self.theta, run);
        let curves: Vec<Vec<f64>> = self.draws.iter().map(|t| predict(law, t, run)).collect();
        let past = past_data(law, &self.reach, run);
        let raw = quantile_band(&curves, 0.95);
        let band = prediction_band(&point, &curves, &past, self.held, &self.growth, 0.95);
        (point, raw, band)
    }
}

fn schedules(laws: &[&dyn CurveLaw], draws: usize) {
    println!(
        "| size | law | held-out PredE | bootstrap band covers | its width | widened band covers | its width | time |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for size in SIZES {
        let train = load(size, &TRAIN, SUM_TOLERANCE);
        let test = load(size, &TEST, SUM_TOLERANCE);
        for &law in laws {
            let started = std::time::Instant::now();
            let b = banded(law, &train, draws).expect("a fit and its bands");
            let (mut total, mut rel) = (0usize, 0.0);
            let (mut raw_in, mut raw_w, mut in_, mut w) = (0usize, 0.0, 0usize, 0.0);
            for run in &test {
                let (point, (rlo, rhi), (lo, hi)) = b.predict(law, run);
                let mut run_in = 0;
                for (i, &y) in run.run.loss.iter().enumerate() {
                    raw_in += usize::from(rlo[i] <= y && y <= rhi[i]);
                    raw_w += (rhi[i] - rlo[i]) / y;
                    run_in += usize::from(lo[i] <= y && y <= hi[i]);
                    w += (hi[i] - lo[i]) / y;
                    rel += (point[i] - y).abs() / y;
                    total += 1;
                }
                in_ += run_in;
                eprintln!(
                    "  {size}M {} {}: the band covers {:.0}%",
                    law.name(),
                    run.run.name,
                    100.0 * run_in as f64 / run.len() as f64
                );
            }
            let pct = |x: f64| 100.0 * x / total as f64;
            println!(
                "| {size}M | {} | {:.3}% | {:.1}% | {:.3}% | {:.1}% | {:.3}% | {:.1?} |",
                law.name(),
                pct(rel),
                pct(raw_in as f64),
                pct(raw_w),
                pct(in_ as f64),
                pct(w),
                started.elapsed()
            );
        }
    }
}

fn running(laws: &[&dyn CurveLaw], draws: usize) {
    println!(
        "| law | share seen | curves | mean error of the final loss | worst | band covers | mean band width |"
    );
    println!("|---|---|---|---|---|---|---|");
    let names: Vec<&str> = TRAIN.iter().chain(&TEST).copied().collect();
    for &law in laws {
        for share in [0.5, 0.7] {
            let (mut errors, mut covered, mut widths) = (Vec::new(), 0, 0.0);
            for size in SIZES {
                for job in load(size, &names, SUM_TOLERANCE) {
                    let n = job.len();
                    let cut = ((n as f64) * share).round() as usize;
                    let seen = Prepared::new(job.run.select(|i, _| i < cut), SUM_TOLERANCE);
                    let mut runs: Vec<Prepared> = load(size, &TRAIN, SUM_TOLERANCE)
                        .into_iter()
                        .filter(|r| r.run.name != job.run.name)
                        .collect();
                    runs.push(seen);
                    let Some(b) = banded(law, &runs, draws) else {
                        eprintln!("  {size}M {}: no fit", job.run.name);
                        continue;
                    };
                    let (point, _, (lo, hi)) = b.predict(law, &job);
                    let y = job.run.loss[n - 1];
                    errors.push((point[n - 1] - y).abs() / y);
                    covered += usize::from(lo[n - 1] <= y && y <= hi[n - 1]);
                    widths += (hi[n - 1] - lo[n - 1]) / y;
                }
            }
            let k = errors.len();
            println!(
                "| {} | {:.0}% | {k} | {:.3}% | {:.3}% | {covered}/{k} | {:.3}% |",
                law.name(),
                100.0 * share,
                100.0 * errors.iter().sum::<f64>() / k as f64,
                100.0 * errors.iter().fold(0.0f64, |a, &e| a.max(e)),
                100.0 * widths / k as f64
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let draws = args
        .iter()
        .position(|a| a == "--draws")
        .map_or(100, |i| args[i + 1].parse().expect("--draws N"));
    let annealing = Annealing {
        lambda: DEFAULT_LAMBDA,
    };
    let laws: [&dyn CurveLaw; 2] = [&annealing, &MultiPower];
    if args.iter().any(|a| a == "--running") {
        running(&laws, draws);
    } else {
        schedules(&laws, draws);
    }
}
