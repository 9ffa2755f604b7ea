//! Issue 12 item 2 (`compute`): the runs a law of compute alone is fitted to (`--frontier`).

use serde_json::Value;

use crate::common::{run, stderr, stdout};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");

/// Budgets of the shipped IsoFLOP sweep, and its number of runs.
fn budgets_and_runs() -> (usize, usize) {
    let text = std::fs::read_to_string(SWEEP).unwrap();
    let budgets: std::collections::BTreeSet<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    (budgets.len(), text.lines().count() - 1)
}

fn dropped(frontier: Option<&str>) -> Option<Value> {
    let mut args = vec![
        "fit", SWEEP, "--law", "compute", "--format", "json", "--quiet",
    ];
    if let Some(f) = frontier {
        args.extend(["--frontier", f]);
    }
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    v["report"]["diagnostics"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "runs_dropped")
        .cloned()
}

#[test]
fn lowest_frontier_keeps_one_run_per_budget() {
    let (budgets, runs) = budgets_and_runs();
    assert!(
        budgets >= 5 && runs > 3 * budgets,
        "{budgets} budgets, {runs} runs"
    );
    for frontier in [Some("lowest"), None] {
        let w = dropped(frontier).expect("runs outside the frontier are reported");
        assert_eq!(w["rows"].as_array().unwrap().len(), runs - budgets, "{w}");
        let message = w["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("{budgets} of {runs} runs")),
            "{message}"
        );
    }
    assert!(dropped(Some("all")).is_none());
    let hull = dropped(Some("envelope")).expect("the envelope leaves runs out");
    assert!(hull["rows"].as_array().unwrap().len() >= runs - budgets);
}

#[test]
fn frontier_is_refused_with_another_law_and_unknown_names() {
    let out = run(&["fit", SWEEP, "--frontier", "all", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--frontier"), "{}", stderr(&out));
    let out = run(&[
        "fit",
        SWEEP,
        "--law",
        "compute",
        "--frontier",
        "top",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'top'"), "{}", stderr(&out));
}

/// Noise-free runs of the law of compute: the fit reaches the truth (objective ~1e-30, every
/// parameter to 1e-9) whatever the solver's last step said, and the least compute for a loss
/// above E is answered.
#[test]
fn the_law_of_compute_is_recovered_from_noise_free_runs_end_to_end() {
    let dir = crate::common::temp_dir();
    let runs = dir.path().join("runs.csv");
    let runs = runs.to_str().unwrap();
    let truth = [("E", 1.69), ("A", 1070.0), ("gamma", 0.1536)];
    let text = "E=1.69,A=1070,gamma=0.1536";
    let args = [
        "simulate", "--law", "compute", "--truth", text, "--noise", "0",
    ];
    let out = run(&[&args[..], &["--out", runs]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["fit", runs, "--law", "compute", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fit: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fitted = &fit["report"]["fitted"];
    assert!(
        fitted["objective"].as_f64().unwrap() < 1e-20,
        "{}",
        fitted["objective"]
    );
    for (name, value) in truth {
        let got = fitted["law"][name].as_f64().unwrap();
        assert!(
            (got / value - 1.0).abs() < 1e-9,
            "{name}: {got} against {value}"
        );
    }
    let out = run(&[
        "optimal",
        runs,
        "--law",
        "compute",
        "--target-loss",
        "2.0",
        "-q",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let answers: Value = serde_json::from_slice(&out.stdout).unwrap();
    // C = (A / (L - E))^(1/gamma)
    let expected = (1070.0f64 / (2.0 - 1.69)).powf(1.0 / 0.1536);
    let got = answers["answers"]["target_losses"][0]["compute"]["value"]
        .as_f64()
        .unwrap();
    assert!(
        (got / expected - 1.0).abs() < 1e-6,
        "{got} against {expected}"
    );
}
