//! The joint law over model size and schedule against the final-point Chinchilla fit, on the
//! OLMo ladder's curves (Bhagia et al. 2024; `../shared/data/olmo_ladder2024/curves`, the 25
//! runs of the authors' `final_moredata.json`; needs `../shared/data`).
//!
//! `cargo run --release -p scaling-laws-bench --bin curve_sweep [-- --draws N]`
//!
//! - Held out: both fitted without the largest size (3B), then asked for its five runs'
//!   final losses (C4 validation loss): the mean and worst relative error of each, for each
//!   rule of which early checkpoints the joint law leaves out.
//! - N*, D* at three budgets from all 25 runs, each with a 95% percentile interval from
//!   `--draws` resamples of whole runs within each size (default 100).

use rayon::prelude::*;
use scaling_laws::answer::allocation::Allocator;
use scaling_laws::commands::curve::load_runs;
use scaling_laws::curve::bootstrap::quantile;
use scaling_laws::curve::fit::{CurveFitOptions, fit_curves, predict};
use scaling_laws::curve::law::{DEFAULT_LAMBDA, Joint, decayed_end};
use scaling_laws::curve::{CurveRun, Prepared, SUM_TOLERANCE};
use scaling_laws::data::checkpoints::LogOptions;
use scaling_laws::fit::{FitConfig, Observations, fit};
use scaling_laws::law::ChinchillaLaw;
use scaling_laws_bench::olmo::{CURVE_MULTIPLES, SIZES, curve_files};

const BUDGETS: [f64; 3] = [1e21, 1e22, 1.65e23];
const LOSS: &str = "eval/c4_en-validation/CrossEntropyLoss";

fn load() -> Vec<CurveRun> {
    let paths = curve_files(&SIZES, &CURVE_MULTIPLES);
    let options = LogOptions {
        loss_col: Some(LOSS.into()),
        params: SIZES.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
        ..LogOptions::default()
    };
    load_runs(&paths, &[], &options, &[])
        .unwrap_or_else(|e| panic!("reading the OLMo ladder curves (needs ../shared/data): {e}"))
        .into_iter()
        .map(|(r, _)| r)
        .collect()
}

/// Which early checkpoints of a run the joint law leaves out.
#[derive(Debug, Clone, Copy)]
enum Skip {
    None,
    /// Before twice the warmup ([`CurveRun::past_warmup`], what `curve fit --law joint` does).
    Warmup,
    /// Before this fraction of the run's last step.
    Fraction(f64),
}

fn trim(run: &CurveRun, skip: Skip) -> CurveRun {
    let last = *run.steps.last().unwrap() as f64;
    match skip {
        Skip::None => run.clone(),
        Skip::Warmup => run.past_warmup(),
        Skip::Fraction(f) => run.select(|_, s| s as f64 >= f * last),
    }
}

fn size_of(run: &CurveRun) -> &'static str {
    SIZES
        .iter()
        .map(|(s, _)| *s)
        .find(|s| run.name.starts_with(&format!("{s}-")))
        .unwrap()
}

/// `(N, D, final loss)` of each run.
fn finals(runs: &[&CurveRun]) -> Vec<(f64, f64, f64)> {
    runs.iter()
        .map(|r| {
            let size = r.size.unwrap();
            let last = r.steps.len() - 1;
            (
                size.params,
                size.tokens_per_step * r.steps[last] as f64,
                r.loss[last],
            )
        })
        .collect()
}

fn final_point_law(runs: &[&CurveRun]) -> Option<ChinchillaLaw> {
    let f = finals(runs);
    let (n, d, l): (Vec<f64>, Vec<f64>, Vec<f64>) = (
        f.iter().map(|x| x.0).collect(),
        f.iter().map(|x| x.1).collect(),
        f.iter().map(|x| x.2).collect(),
    );
    let report = fit(
        &Observations::new(&n, &d, &l),
        &FitConfig::default(),
        &|| {},
    )
    .ok()?;
    let v = |k: &str| report.fitted.natural(k).unwrap();
    Some(ChinchillaLaw {
        irreducible: v("E"),
        param_coef: v("A"),
        data_coef: v("B"),
        alpha: v("alpha"),
        beta: v("beta"),
    })
}

fn lambda() -> f64 {
    std::env::args()
        .skip_while(|a| a != "--lambda")
        .nth(1)
        .map_or(DEFAULT_LAMBDA, |v| v.parse().expect("--lambda L"))
}

fn joint_law(runs: &[&CurveRun], skip: Skip) -> Option<(Vec<f64>, ChinchillaLaw)> {
    let joint = Joint { lambda: lambda() };
    let prepared: Vec<Prepared> = runs
        .iter()
        .map(|r| Prepared::new(trim(r, skip), SUM_TOLERANCE))
        .collect();
    let fit = fit_curves(&joint, &prepared, &CurveFitOptions::default()).ok()?;
    let end = decayed_end(&joint, &fit.theta, &prepared)?;
    Some((fit.theta, end.law))
}

fn errors(pred: &[f64], observed: &[f64]) -> (f64, f64) {
    let e: Vec<f64> = pred
        .iter()
        .zip(observed)
        .map(|(p, o)| (p / o - 1.0).abs())
        .collect();
    (
        100.0 * e.iter().sum::<f64>() / e.len() as f64,
        100.0 * e.iter().copied().fold(0.0, f64::max),
    )
}

/// N* and D* at `budget` (E does not enter them: a replicate whose `E − C·U_end` is negative
/// still has its split, as `curve fit --budget` computes it).
fn n_star(law: &ChinchillaLaw, budget: f64) -> (f64, f64) {
    let split = ChinchillaLaw {
        irreducible: 1.0,
        ..*law
    };
    Allocator::new(split, 6.0).map_or((f64::NAN, f64::NAN), |a| {
        let o = a.optimal_for_compute(budget);
        (o.n_params, o.n_tokens)
    })
}

fn percentile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    quantile(&v, q)
}

fn main() {
    let draws: usize = std::env::args()
        .skip_while(|a| a != "--draws")
        .nth(1)
        .map_or(100, |v| v.parse().expect("--draws N"));
    let runs = load();
    let train: Vec<&CurveRun> = runs.iter().filter(|r| size_of(r) != "3B").collect();
    let held: Vec<&CurveRun> = runs.iter().filter(|r| size_of(r) == "3B").collect();
    let observed: Vec<f64> = finals(&held).iter().map(|f| f.2).collect();
    let joint = Joint { lambda: lambda() };

    println!("Held out: the 3B runs' final C4 loss, fitted on 190M–1B (20 runs)\n");
    println!("| fit | checkpoints | mean error | worst error |");
    println!("|---|---|---|---|");
    let fp = final_point_law(&train).expect("final-point fit");
    let pred: Vec<f64> = finals(&held)
        .iter()
        .map(|&(n, d, _)| fp.loss(n, d))
        .collect();
    let (mean, worst) = errors(&pred, &observed);
    println!("| Chinchilla on final points | 20 | {mean:.3}% | {worst:.3}% |");
    for skip in [
        Skip::None,
        Skip::Warmup,
        Skip::Fraction(0.1),
        Skip::Fraction(0.2),
        Skip::Fraction(0.4),
    ] {
        let Some((theta, end)) = joint_law(&train, skip) else {
            println!("| joint, skip {skip:?} | no fit | | |");
            continue;
        };
        let count: usize = train.iter().map(|r| trim(r, skip).steps.len()).sum();
        let along: Vec<f64> = held
            .iter()
            .map(|r| {
                *predict(&joint, &theta, &Prepared::new((*r).clone(), SUM_TOLERANCE))
                    .last()
                    .unwrap()
            })
            .collect();
        let (mean, worst) = errors(&along, &observed);
        let chin: Vec<f64> = finals(&held)
            .iter()
            .map(|&(n, d, _)| end.loss(n, d))
            .collect();
        let (cmean, cworst) = errors(&chin, &observed);
        println!(
            "| joint, skip {skip:?} | {count} | {mean:.3}% (as Chinchilla: {cmean:.3}%) | {worst:.3}% ({cworst:.3}%) |"
        );
    }

    println!(
        "\nN* and D* from all 25 runs, 95% intervals from {draws} resamples of runs within sizes\n"
    );
    let all: Vec<&CurveRun> = runs.iter().collect();
    let skip = Skip::Warmup;
    let resample = |seed: u64| -> Vec<&CurveRun> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        SIZES
            .iter()
            .flat_map(|(s, _)| {
                let of: Vec<&CurveRun> = all.iter().copied().filter(|r| size_of(r) == *s).collect();
                (0..of.len())
                    .map(|_| of[(next() % of.len() as u64) as usize])
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let point_fp = final_point_law(&all).unwrap();
    let point_joint = joint_law(&all, skip).unwrap().1;
    let boot: Vec<(Option<ChinchillaLaw>, Option<ChinchillaLaw>)> = (0..draws as u64)
        .into_par_iter()
        .map(|seed| {
            let sample = resample(seed + 1);
            (
                final_point_law(&sample),
                joint_law(&sample, skip).map(|j| j.1),
            )
        })
        .collect();
    println!("| budget | fit | N* | 95% interval | width (×) | D* |");
    println!("|---|---|---|---|---|---|");
    for &c in &BUDGETS {
        for (name, point, pick) in [
            ("final points", point_fp, 0usize),
            ("joint, every checkpoint", point_joint, 1),
        ] {
            let ns: Vec<f64> = boot
                .iter()
                .filter_map(|b| if pick == 0 { b.0 } else { b.1 })
                .map(|l| n_star(&l, c).0)
                .filter(|n| n.is_finite())
                .collect();
            let (n, d) = n_star(&point, c);
            let (lo, hi) = (percentile(ns.clone(), 0.025), percentile(ns.clone(), 0.975));
            println!(
                "| {c:.2e} | {name} ({} fits) | {n:.3e} | {lo:.3e} – {hi:.3e} | {:.2} | {d:.3e} |",
                ns.len(),
                hi / lo
            );
        }
    }
}
