//! The joint law over model size and schedule: recovery of a simulated sweep and its
//! compute-optimal size, the OLMo ladder's held-out largest size (Bhagia et al. 2024,
//! `../shared/data/olmo_ladder2024/curves`), and the command line end to end.

use scaling_laws::answer::allocation::Allocator;
use scaling_laws::commands::curve::load_runs;
use scaling_laws::curve::fit::{CurveFitOptions, fit_curves, predict, schedule_run};
use scaling_laws::curve::law::{DEFAULT_LAMBDA, Joint, decayed_end};
use scaling_laws::curve::schedule::Schedule;
use scaling_laws::curve::{CurveRun, Prepared, SUM_TOLERANCE};
use scaling_laws::data::checkpoints::LogOptions;
use scaling_laws::fit::{FitConfig, Observations, fit};
use scaling_laws::law::ChinchillaLaw;

use crate::common::{rel_diff, run, shared_data, stderr, stdout, temp_dir, write_file};

const JOINT: Joint = Joint {
    lambda: DEFAULT_LAMBDA,
};
/// E, A, α, B, β, C.
const TRUTH: [f64; 6] = [1.8, 400.0, 0.34, 410.0, 0.28, 0.15];
const TOKENS_PER_STEP: f64 = 524_288.0;

/// Normal draws from a fixed seed (Box–Muller on a 64-bit xorshift).
fn normals(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    move || (-2.0 * uniform().ln()).sqrt() * (std::f64::consts::TAU * uniform()).cos()
}

/// A ladder drawn from [`TRUTH`]: five sizes, each trained for 10, 20 and 40 tokens per
/// parameter under cosine to 10% with a 2% warmup, 50 checkpoints a run, log-normal noise of
/// sd `noise`.
fn simulated_sweep(noise: f64, seed: u64) -> Vec<CurveRun> {
    let mut draw = normals(seed);
    let mut runs = Vec::new();
    for n in [5e7, 1e8, 2e8, 4e8, 8e8] {
        for ratio in [10.0, 20.0, 40.0] {
            let steps = (n * ratio / TOKENS_PER_STEP).round() as usize;
            let spec = format!(
                "cosine:warmup={},peak=1e-3,final=1e-4,steps={steps}",
                (steps / 50).max(1)
            );
            let lrs = Schedule::parse(&spec, "--schedule").unwrap().per_step();
            let at: Vec<usize> = (1..=50).map(|k| (k * (steps - 1) / 50).max(1)).collect();
            let name = format!("{:.0}M-{ratio}x", n / 1e6);
            let sized = Some((n, TOKENS_PER_STEP));
            let exact = predict(
                &JOINT,
                &TRUTH,
                &schedule_run(&name, lrs.clone(), at.clone(), sized, SUM_TOLERANCE).unwrap(),
            );
            let loss = exact.iter().map(|l| l * (noise * draw()).exp()).collect();
            runs.push(
                CurveRun::new(name, lrs, at, loss)
                    .unwrap()
                    .with_size(n, TOKENS_PER_STEP)
                    .unwrap(),
            );
        }
    }
    runs
}

fn prepared(runs: &[CurveRun]) -> Vec<Prepared> {
    runs.iter()
        .map(|r| Prepared::new(r.past_warmup(), SUM_TOLERANCE))
        .collect()
}

fn n_star(law: ChinchillaLaw, compute: f64) -> f64 {
    Allocator::new(law, 6.0)
        .unwrap()
        .optimal_for_compute(compute)
        .n_params
}

#[test]
fn the_joint_law_recovers_a_simulated_sweep_and_its_compute_optimal_size() {
    let runs = prepared(&simulated_sweep(0.003, 7));
    let fitted = fit_curves(&JOINT, &runs, &CurveFitOptions::default()).unwrap();
    assert!(fitted.converged);
    for (j, name) in ["E", "A", "alpha", "B", "beta", "C"].iter().enumerate() {
        let (got, truth) = (fitted.theta[j], TRUTH[j]);
        let tolerance = match *name {
            "alpha" | "beta" => 0.03 * truth.max(0.3) / 0.3,
            "A" | "B" => 0.6,
            _ => 0.05,
        };
        assert!(
            rel_diff(got, truth) < tolerance,
            "{name}: fitted {got}, truth {truth}"
        );
    }
    // The law at the runs' ends, and N* from it, from the fit against the truth's.
    let fit_end = decayed_end(&JOINT, &fitted.theta, &runs).unwrap();
    let true_end = decayed_end(&JOINT, &TRUTH, &runs).unwrap();
    assert!(
        rel_diff(fit_end.kappa.1, 0.55) < 0.02,
        "{:?}",
        fit_end.kappa
    );
    assert!(
        fit_end.annealed.1 > 0.8 && fit_end.annealed.1 < 0.9,
        "{:?}",
        fit_end.annealed
    );
    for compute in [1e20, 1e22] {
        let (got, truth) = (n_star(fit_end.law, compute), n_star(true_end.law, compute));
        assert!(
            rel_diff(got, truth) < 0.25,
            "N*({compute:e}): fitted {got:e}, truth {truth:e}"
        );
    }
    // At each run's end the Chinchilla law reproduces the joint law to the spread of the
    // schedule's shape at the ends (the short runs' decay has had less time to act).
    for run in &runs {
        let size = run.run.size.unwrap();
        let last = run.len() - 1;
        let d = size.tokens_per_step * run.run.steps[last] as f64;
        let along = predict(&JOINT, &fitted.theta, run)[last];
        assert!(
            rel_diff(fit_end.law.loss(size.params, d), along) < 0.01,
            "{}: {along} along the run, {} from the law of N and D",
            run.run.name,
            fit_end.law.loss(size.params, d)
        );
    }
}

#[test]
fn a_run_without_a_size_cannot_be_fitted_by_the_joint_law_and_says_what_to_give() {
    let mut runs = simulated_sweep(0.003, 1);
    runs[3].size = None;
    let err = fit_curves(&JOINT, &prepared(&runs), &CurveFitOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&runs[3].name), "{text}");
    assert!(text.contains("--run-params"), "{text}");
    assert!(text.contains("--tokens-per-step"), "{text}");
}

/// The OLMo ladder's 25 runs of the authors' final configuration, sized.
fn olmo_runs() -> Option<Vec<CurveRun>> {
    const SIZES: [(&str, f64); 5] = [
        ("190M", 190_354_176.0),
        ("370M", 371_262_464.0),
        ("760M", 758_220_288.0),
        ("1B", 1_279_395_840.0),
        ("3B", 3_169_537_280.0),
    ];
    let mut paths = Vec::new();
    for (size, _) in SIZES {
        for m in ["0.5xC", "1xC-rerun", "2xC", "5xC", "10xC"] {
            let path = shared_data(&format!("olmo_ladder2024/curves/{size}-{m}.csv"))?;
            paths.push(path.display().to_string());
        }
    }
    let options = LogOptions {
        loss_col: Some("eval/c4_en-validation/CrossEntropyLoss".into()),
        params: SIZES.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
        ..LogOptions::default()
    };
    Some(
        load_runs(&paths, &[], &options, &[])
            .unwrap()
            .into_iter()
            .map(|(r, _)| r)
            .collect(),
    )
}

#[test]
fn on_the_olmo_ladder_the_joint_law_predicts_the_held_out_largest_size_better_than_final_points() {
    let Some(runs) = olmo_runs() else { return };
    // Tokens per step come from the logs' batch_size_in_tokens column.
    let first = runs[0].size.expect("sized from the columns and --params");
    assert_eq!(first.tokens_per_step, 524_288.0);
    let (held, train): (Vec<&CurveRun>, Vec<&CurveRun>) =
        runs.iter().partition(|r| r.name.starts_with("3B-"));
    assert_eq!((held.len(), train.len()), (5, 20));
    let finals = |rs: &[&CurveRun]| -> Vec<(f64, f64, f64)> {
        rs.iter()
            .map(|r| {
                let s = r.size.unwrap();
                let last = r.steps.len() - 1;
                (
                    s.params,
                    s.tokens_per_step * r.steps[last] as f64,
                    r.loss[last],
                )
            })
            .collect()
    };
    let mean_error = |pred: &[f64]| -> f64 {
        let observed = finals(&held);
        pred.iter()
            .zip(&observed)
            .map(|(p, o)| rel_diff(*p, o.2))
            .sum::<f64>()
            / pred.len() as f64
    };
    // The final-point Chinchilla fit.
    let points = finals(&train);
    let column = |k: usize| -> Vec<f64> {
        points
            .iter()
            .map(|p| [p.0, p.1, p.2][k])
            .collect::<Vec<f64>>()
    };
    let (n, d, l) = (column(0), column(1), column(2));
    let report = fit(
        &Observations::new(&n, &d, &l),
        &FitConfig::default(),
        &|| {},
    )
    .unwrap();
    let law = report.fitted.to_law();
    let final_points: Vec<f64> = finals(&held)
        .iter()
        .map(|&(n, d, _)| law.loss(n, d))
        .collect();
    // The joint law on every checkpoint past the warmup.
    let prepared_train: Vec<Prepared> = train
        .iter()
        .map(|r| Prepared::new(r.past_warmup(), SUM_TOLERANCE))
        .collect();
    let joint = fit_curves(&JOINT, &prepared_train, &CurveFitOptions::default()).unwrap();
    let along: Vec<f64> = held
        .iter()
        .map(|r| {
            *predict(
                &JOINT,
                &joint.theta,
                &Prepared::new((*r).clone(), SUM_TOLERANCE),
            )
            .last()
            .unwrap()
        })
        .collect();
    let (e_final, e_joint) = (mean_error(&final_points), mean_error(&along));
    // Measured: 0.894% and 0.786% (`curve_sweep` bench).
    assert!(
        e_joint < 0.0085 && e_joint < e_final,
        "held-out 3B final loss: joint {:.3}%, final points {:.3}%",
        100.0 * e_joint,
        100.0 * e_final
    );
    assert!(e_final < 0.011, "final points {:.3}%", 100.0 * e_final);
}

/// A long table of the simulated sweep with a tokens-per-step column and no size column.
fn sweep_csv(dir: &tempfile::TempDir) -> String {
    let mut text = String::from("run,step,lr,loss,tokens_per_step\n");
    for r in simulated_sweep(0.003, 3) {
        for (s, l) in r.steps.iter().zip(&r.loss) {
            text.push_str(&format!(
                "{},{s},{:e},{l:.6},{TOKENS_PER_STEP}\n",
                r.name, r.lrs[*s]
            ));
        }
    }
    write_file(dir, "sweep.csv", &text)
}

#[test]
fn curve_fit_joint_answers_budgets_and_refuses_what_it_cannot_use() {
    let dir = temp_dir();
    let csv = sweep_csv(&dir);
    let sizes = "50M=5e7,100M=1e8,200M=2e8,400M=4e8,800M=8e8";
    let out = run(&[
        "curve",
        "fit",
        &csv,
        "--law",
        "joint",
        "--run-params",
        sizes,
        "--budget",
        "1e20,1e21",
        "--format",
        "json",
        "-q",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let optimal = report["sweep"]["optimal"].as_array().unwrap();
    assert_eq!(optimal.len(), 2);
    let truth_end = decayed_end(&JOINT, &TRUTH, &prepared(&simulated_sweep(0.003, 3))).unwrap();
    for o in optimal {
        let c = o["compute"].as_f64().unwrap();
        let n = o["n_params"].as_f64().unwrap();
        let d = o["n_tokens"].as_f64().unwrap();
        assert!(rel_diff(6.0 * n * d, c) < 1e-9);
        assert!(
            rel_diff(n, n_star(truth_end.law, c)) < 0.25,
            "N*({c:e}) = {n:e}"
        );
    }
    assert_eq!(report["lambda"].as_f64(), Some(DEFAULT_LAMBDA));

    // A budget asked of a law of one run.
    let out = run(&[
        "curve",
        "fit",
        &csv,
        "--law",
        "annealing",
        "--budget",
        "1e20",
        "-q",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--law joint"), "{}", stderr(&out));
    // The joint law without parameter counts names a run and the flag.
    let out = run(&["curve", "fit", &csv, "--law", "joint", "-q"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("50M-10x") && stderr(&out).contains("--run-params"),
        "{}",
        stderr(&out)
    );
    // A size given for no run (`--params`, the flag's older name, still reads sizes).
    let out = run(&[
        "curve", "fit", &csv, "--law", "joint", "--params", "9Z=1e9", "-q",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no run is named '9Z'"),
        "{}",
        stderr(&out)
    );
    // A parameter count that changes within a run.
    let bad = write_file(
        &dir,
        "bad.csv",
        "run,step,lr,loss,params\na,1,1e-3,4.0,1e8\na,2,1e-3,3.9,2e8\n",
    );
    let out = run(&[
        "curve",
        "fit",
        &bad,
        "--law",
        "joint",
        "--tokens-per-step",
        "1e6",
        "-q",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("changes within run a"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_saved_joint_fit_predicts_a_larger_model_given_its_size_with_a_band_around_the_truth() {
    let dir = temp_dir();
    let csv = sweep_csv(&dir);
    let saved = dir.path().join("joint.json");
    let out = run(&[
        "curve",
        "fit",
        &csv,
        "--law",
        "joint",
        "--run-params",
        "50M=5e7,100M=1e8,200M=2e8,400M=4e8,800M=8e8",
        "--bootstrap",
        "40",
        "--out",
        saved.to_str().unwrap(),
        "-q",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The error past the data is measured in both quantities the law extrapolates in.
    let report = stdout(&out);
    assert!(
        report.contains("per e-fold of parameters N")
            && report.contains("per e-fold of tokens at the peak rate D_η"),
        "{report}"
    );
    let spec = "cosine:warmup=1000,peak=1e-3,final=1e-4,steps=60000";
    let out = run(&[
        "curve",
        "predict",
        "--fit",
        saved.to_str().unwrap(),
        "--schedule",
        spec,
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--params"), "{}", stderr(&out));
    let out = run(&[
        "curve",
        "predict",
        "--fit",
        saved.to_str().unwrap(),
        "--schedule",
        spec,
        "--params",
        "1.6e9",
        "--tokens-per-step",
        "524288",
        "--every",
        "6000",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().next(), Some("step,lr,loss,lower,upper"));
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let steps: Vec<usize> = rows.iter().map(|r| r[0] as usize).collect();
    let lrs = Schedule::parse(spec, "--schedule").unwrap().per_step();
    let truth = predict(
        &JOINT,
        &TRUTH,
        &schedule_run(
            "1.6B",
            lrs,
            steps.clone(),
            Some((1.6e9, 524_288.0)),
            SUM_TOLERANCE,
        )
        .unwrap(),
    );
    let last = rows.last().unwrap();
    assert!(
        rel_diff(last[2], truth[truth.len() - 1]) < 0.01,
        "1.6B at 31B tokens: predicted {}, truth {}",
        last[2],
        truth[truth.len() - 1]
    );
    for (row, t) in rows.iter().zip(&truth) {
        let (lower, point, upper) = (row[3], row[2], row[4]);
        assert!(
            lower < point && point < upper && lower <= *t && *t <= upper,
            "step {}: truth {t} outside the band {lower} to {upper}",
            row[0]
        );
        // Twice the largest size past the data, the band stays within a few per cent.
        assert!((upper - lower) / point < 0.05, "{row:?}");
    }
}

#[test]
fn the_example_sweep_is_reproduced_by_its_command_and_its_law_recovered() {
    let dir = temp_dir();
    let made = dir.path().join("sweep.csv");
    let out = run(&[
        "curve",
        "simulate",
        "--law",
        "joint",
        "--out",
        made.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shipped =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/simulated_sweep_curves.csv");
    assert!(
        std::fs::read(&made).unwrap() == std::fs::read(&shipped).unwrap(),
        "data/simulated_sweep_curves.csv differs from `curve simulate --law joint`'s output"
    );
    // Sizes come from its params and tokens_per_step columns; the truth is recovered.
    let out = run(&[
        "curve",
        "fit",
        shipped.to_str().unwrap(),
        "--law",
        "joint",
        "--format",
        "json",
        "-q",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let truth = scaling_laws::commands::curve::JOINT_SIMULATED;
    for (k, name) in ["E", "alpha", "beta", "C"].iter().enumerate() {
        let index = [0, 2, 4, 5][k];
        let got = report["params"][index]["value"].as_f64().unwrap();
        assert_eq!(report["params"][index]["name"], *name);
        assert!(
            rel_diff(got, truth[index]) < 0.05,
            "{name}: fitted {got}, truth {}",
            truth[index]
        );
    }
}
