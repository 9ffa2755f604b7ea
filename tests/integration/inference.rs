//! Issue 14, item 3: inference-aware sizing (`optimal --inference-tokens`).

use crate::common::{rel_diff, run, stderr, stdout, temp_dir};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn inference_tokens_give_a_smaller_model_on_more_tokens_with_intervals() {
    let dir = temp_dir();
    let fit = dir.path().join("fit.json");
    let fit = fit.to_str().unwrap();
    let v = json_of(&[
        "optimal",
        SWEEP,
        "--bootstrap",
        "30",
        "--out",
        fit,
        "--quiet",
        "--budget",
        "1e22",
        "--target-loss",
        "2.5",
        "--inference-tokens",
        "1e13",
        "--format",
        "json",
    ]);
    let inf = &v["inference"];
    assert_eq!(f(&inf["inference_tokens"]), 1e13);
    let answers = inf["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0]["question"]["kind"], "budget");
    assert_eq!(answers[1]["question"]["kind"], "target_loss");
    // The compute-optimal side is the answer of `optimal` for the same budget.
    let co = &answers[0]["compute_optimal"];
    let n_star = f(&v["answers"]["budgets"][0]["n_params"]["value"]);
    assert!(rel_diff(f(&co["n_params"]["value"]), n_star) < 1e-12);
    assert!(rel_diff(f(&co["training_flops"]["value"]), 1e22) < 1e-12);
    for a in answers {
        let (ia, co) = (&a["inference_aware"], &a["compute_optimal"]);
        assert!(f(&ia["n_params"]["value"]) < f(&co["n_params"]["value"]));
        assert!(f(&ia["n_tokens"]["value"]) > f(&co["n_tokens"]["value"]));
        let total = f(&ia["training_flops"]["value"]) + f(&ia["inference_flops"]["value"]);
        assert!(rel_diff(total, f(&ia["total_flops"]["value"])) < 1e-12);
        // 2·N·T inference FLOPs.
        let inference = 2.0 * f(&ia["n_params"]["value"]) * 1e13;
        assert!(rel_diff(inference, f(&ia["inference_flops"]["value"])) < 1e-12);
        let saving = f(&co["total_flops"]["value"]) - f(&ia["total_flops"]["value"]);
        assert!(saving > 0.0 && rel_diff(saving, f(&a["saving_flops"]["value"])) < 1e-9);
        // Intervals from the bootstrap draws, around the point.
        let n = &ia["n_params"];
        assert!(f(&n["lower"]) < f(&n["value"]) && f(&n["value"]) < f(&n["upper"]));
        let s = &a["saving_fraction"];
        assert!(f(&s["lower"]) > 0.0 && f(&s["upper"]) < 1.0);
    }
    // The draws saved in the fit file answer again; text and CSV say it.
    let again = json_of(&[
        "optimal",
        "--fit",
        fit,
        "--budget",
        "1e22",
        "--target-loss",
        "2.5",
        "--inference-tokens",
        "1e13",
        "--format",
        "json",
    ]);
    // (Draws read back from the file agree to rounding.)
    for i in 0..2 {
        let (x, y) = (&again["inference"]["answers"][i], &answers[i]);
        for end in ["value", "lower", "upper"] {
            let (a, b) = (
                f(&x["inference_aware"]["n_params"][end]),
                f(&y["inference_aware"]["n_params"][end]),
            );
            assert!(rel_diff(a, b) < 1e-9, "{end}: {a} vs {b}");
        }
    }
    let out = run(&[
        "optimal",
        "--fit",
        fit,
        "--budget",
        "1e22",
        "--inference-tokens",
        "1e13",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("Inference-aware sizing for 1.000e13 inference tokens"),
        "{text}"
    );
    assert!(text.contains("saving "), "{text}");
    let out = run(&[
        "optimal",
        "--fit",
        fit,
        "--budget",
        "1e22",
        "--inference-tokens",
        "1e13",
        "--format",
        "csv",
    ]);
    let csv = stdout(&out);
    let row = csv
        .lines()
        .find(|l| l.starts_with("inference_budget,1e22;1e13,n_params,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert_eq!(row.split(',').count(), 8, "{row}");
}

#[test]
fn no_inference_tokens_give_the_compute_optimal_model() {
    let v = json_of(&[
        "optimal",
        SWEEP,
        "--quiet",
        "--budget",
        "1e21",
        "--inference-tokens",
        "0",
        "--format",
        "json",
    ]);
    let a = &v["inference"]["answers"][0];
    assert_eq!(a["inference_aware"], a["compute_optimal"]);
    assert_eq!(f(&a["saving_flops"]["value"]), 0.0);
    assert_eq!(
        a["inference_aware"]["n_params"]["value"],
        v["answers"]["budgets"][0]["n_params"]["value"]
    );
}

#[test]
fn bad_inference_questions_are_usage_errors() {
    for bad in ["-1", "inf", "NaN", "lots"] {
        let out = run(&[
            "optimal",
            SWEEP,
            "--budget",
            "1e21",
            "--inference-tokens",
            bad,
        ]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains("--inference-tokens"),
            "{}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty());
    }
    let out = run(&[
        "optimal",
        SWEEP,
        "--quiet",
        "--params",
        "1e9",
        "--inference-tokens",
        "1e12",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--inference-tokens") && err.contains("--budget"),
        "{err}"
    );
    // A target loss no budget reaches names --target-loss.
    let out = run(&[
        "optimal",
        SWEEP,
        "--quiet",
        "--target-loss",
        "0.5",
        "--inference-tokens",
        "1e12",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--target-loss"), "{}", stderr(&out));
}

/// Issue 14, item 5b: `suggest` on a saved fit.
#[test]
fn suggest_lists_runs_that_narrow_the_interval_and_writes_them_safely() {
    let dir = temp_dir();
    let fit = dir.path().join("fit.json");
    let fit = fit.to_str().unwrap();
    let out = run(&["fit", SWEEP, "--out", fit, "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = dir.path().join("runs.csv");
    let v = json_of(&[
        "suggest",
        fit,
        "--target-budget",
        "1e23",
        "--runs",
        "4",
        "--format",
        "json",
        "--out",
        csv.to_str().unwrap(),
    ]);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    let mut last = f(&v["interval_now"]["log_sd"]);
    for r in runs {
        let after = f(&r["interval_after"]["log_sd"]);
        assert!(after < last, "{after} after {last}");
        last = after;
        assert!(rel_diff(f(&r["flops"]), 6.0 * f(&r["n_params"]) * f(&r["n_tokens"])) < 1e-9);
    }
    let written = std::fs::read_to_string(&csv).unwrap();
    assert!(
        written.starts_with("run,n_params,n_tokens,flops,"),
        "{written}"
    );
    assert_eq!(written.lines().count(), 5);
    // The fit file is never the output.
    let out = run(&[
        "suggest",
        fit,
        "--target-budget",
        "1e23",
        "--runs",
        "2",
        "--out",
        fit,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(std::fs::read_to_string(fit).unwrap().starts_with('{'));
    for (flag, args) in [
        ("--runs", ["--target-budget", "1e23", "--runs", "0"]),
        ("--target-budget", ["--target-budget", "-1", "--runs", "3"]),
    ] {
        let out = run(&[&["suggest", fit][..], &args[..]].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(&format!("invalid {flag}")), "{err}");
    }
}
