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
fn issue12_lowest_frontier_keeps_one_run_per_budget() {
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
fn issue12_frontier_is_refused_with_another_law_and_unknown_names() {
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
