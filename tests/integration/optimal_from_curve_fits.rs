//! `optimal --fit CURVE.json`: a joint curve fit answers the allocation questions from its law
//! at the runs' ends, with its bootstrap replicates' laws as draws; what needs a table of runs
//! is refused, naming the flag and what to do.

use crate::common::{rel_diff, run, stderr, stdout, temp_dir, write_file};

/// The shipped sweep of five sizes drawn from the joint law.
const SWEEP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/simulated_sweep_curves.csv"
);

/// The truth's N* at 1e20 and 1e21 FLOPs (docs/curves.md).
const TRUE_N_STAR: [(f64, f64); 2] = [(1e20, 4.70e8), (1e21, 1.64e9)];

/// Fit the joint law to the shipped sweep with 50 replicates, asking N* at 1e20 and 1e21;
/// the fit file and the report as JSON.
fn joint_fit(dir: &tempfile::TempDir) -> (String, serde_json::Value) {
    let saved = dir.path().join("joint.json").to_str().unwrap().to_string();
    let out = run(&[
        "curve",
        "fit",
        SWEEP,
        "--law",
        "joint",
        "--budget",
        "1e20,1e21",
        "--bootstrap",
        "50",
        "--format",
        "json",
        "--out",
        &saved,
        "-q",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    (saved, serde_json::from_str(&stdout(&out)).unwrap())
}

fn optimal_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["optimal"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json", "-q"]);
    let out = run(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn optimal_from_a_joint_curve_fit_gives_the_curve_fits_n_star_and_intervals_holding_the_truth() {
    let dir = temp_dir();
    let (saved, curve) = joint_fit(&dir);
    let report = optimal_json(&["--fit", &saved, "--budget", "1e20", "--budget", "1e21"]);
    let budgets = report["answers"]["budgets"].as_array().unwrap();
    let swept = curve["sweep"]["optimal"].as_array().unwrap();
    assert_eq!(budgets.len(), 2);
    for ((o, s), (c, truth)) in budgets.iter().zip(swept).zip(TRUE_N_STAR) {
        assert_eq!(f(&o["compute"]["value"]), c);
        let n = &o["n_params"];
        let d = &o["n_tokens"];
        // The same numbers as `curve fit --budget` on the same fit.
        assert_eq!(f(&n["value"]), f(&s["n_params"]));
        assert_eq!(f(&d["value"]), f(&s["n_tokens"]));
        assert_eq!(f(&o["loss"]["value"]), f(&s["loss"]));
        assert_eq!(f(&n["lower"]), f(&s["n_interval"][0]));
        assert_eq!(f(&n["upper"]), f(&s["n_interval"][1]));
        assert_eq!(f(&d["lower"]), f(&s["d_interval"][0]));
        assert_eq!(f(&d["upper"]), f(&s["d_interval"][1]));
        // The truth's N* lies inside the interval, which is narrow (under ×1.25).
        let (lo, hi) = (f(&n["lower"]), f(&n["upper"]));
        assert!(lo < truth && truth < hi, "N*({c:e}) in [{lo:e}, {hi:e}]");
        assert!(hi / lo < 1.25, "N*({c:e}) in [{lo:e}, {hi:e}]");
        assert!(rel_diff(6.0 * f(&n["value"]) * f(&d["value"]), c) < 1e-9);
    }
    // The fitted N* of the docs' example.
    assert!(rel_diff(f(&budgets[0]["n_params"]["value"]), 4.6885e8) < 1e-3);
    assert!(rel_diff(f(&budgets[1]["n_params"]["value"]), 1.6294e9) < 1e-3);
    // Where the law came from: 15 runs, the median κ and U_end, the note on their spread.
    let sweep = &report["sweep"];
    assert_eq!(sweep["runs"].as_u64(), Some(15));
    assert_eq!(sweep["replicates"].as_u64(), Some(50));
    assert_eq!(f(&sweep["kappa"][1]), f(&curve["sweep"]["kappa"][1]));
    assert!(rel_diff(f(&sweep["kappa"][1]), 0.549) < 0.002);
    assert!(rel_diff(f(&sweep["annealed"][1]), 0.899) < 0.002);
    assert!(sweep["note"].as_str().unwrap().contains("more than 5%"));
    assert!(report.get("source").is_none() && report.get("rows_used").is_none());
    // E' = E − C·U_end and B' = B·κ^−β.
    let p = |name: &str| {
        let params = curve["params"].as_array().unwrap();
        f(&params.iter().find(|q| q["name"] == name).unwrap()["value"])
    };
    let (kappa, u) = (f(&sweep["kappa"][1]), f(&sweep["annealed"][1]));
    assert!(rel_diff(f(&report["law"]["E"]), p("E") - p("C") * u) < 1e-12);
    assert!(rel_diff(f(&report["law"]["B"]), p("B") * kappa.powf(-p("beta"))) < 1e-12);
    assert_eq!(
        report["answers"]["bootstrap"]["n_resamples"].as_u64(),
        Some(50)
    );

    // The text report says where the law came from.
    let out = run(&["optimal", "--fit", &saved, "--budget", "1e21", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("from the joint curve fit")
            && text.contains("(15 runs)")
            && text.contains("trained to their end")
            && text.contains("κ = 0.549"),
        "{text}"
    );
    assert!(
        stderr(&out).contains("no extrapolation check"),
        "{}",
        stderr(&out)
    );
    // A CSV of answers has no place for it: it goes to standard error.
    let out = run(&[
        "optimal", "--fit", &saved, "--budget", "1e21", "--format", "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("question,input,quantity"));
    let e = stderr(&out);
    assert!(
        e.contains("answers from the joint curve fit") && e.contains("more than 5%"),
        "{e}"
    );
}

#[test]
fn optimal_from_a_joint_curve_fit_answers_sizes_target_losses_and_plans() {
    let dir = temp_dir();
    let (saved, _) = joint_fit(&dir);
    let report = optimal_json(&[
        "--fit",
        &saved,
        "--budget",
        "1e21",
        "--params",
        "1e9",
        "--target-loss",
        "3.0",
        "--gpu",
        "h100",
        "--gpus",
        "64",
        "--days",
        "10",
        "--shape",
        "--inference-tokens",
        "1e12",
        "--unique-tokens",
        "5e10",
    ]);
    let a = &report["answers"];
    // A model of 1e9 parameters is compute-optimal at 4.06e20 FLOPs, inside its interval.
    let size = &a["params"][0];
    assert!(rel_diff(f(&size["compute"]["value"]), 4.056e20) < 2e-3);
    assert!(f(&size["compute"]["lower"]) < 4.056e20 && 4.056e20 < f(&size["compute"]["upper"]));
    // The least compute reaching 3.0 is 3.30e20 FLOPs, and reaches it.
    let target = &a["target_losses"][0];
    assert!(rel_diff(f(&target["compute"]["value"]), 3.301e20) < 2e-3);
    assert!(rel_diff(f(&target["loss"]["value"]), 3.0) < 1e-9);
    // 64 H100s for 10 days at 40% MFU: 2.19e22 FLOPs, answered after 1e21 and planned.
    let budgets = a["budgets"].as_array().unwrap();
    assert_eq!(budgets.len(), 2);
    assert!(rel_diff(f(&budgets[1]["compute"]["value"]), 2.188e22) < 2e-3);
    assert!(rel_diff(f(&budgets[1]["n_params"]["value"]), 8.648e9) < 2e-3);
    let decisions = report["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2);
    // Inference-aware sizes are smaller than N*; unique tokens limit the allocations.
    let inference = report["inference"].to_string();
    assert!(inference.contains("n_params"), "{inference}");
    assert!(
        report["data_limit"]["allocations"]
            .as_array()
            .unwrap()
            .len()
            == 2
    );
    let warnings = a["warnings"].to_string();
    assert!(warnings.contains("unique tokens"), "{warnings}");
}

#[test]
fn optimal_refuses_from_a_curve_fit_what_needs_a_table_of_runs_naming_the_flag() {
    let dir = temp_dir();
    let (saved, _) = joint_fit(&dir);
    let refused = |args: &[&str], wanted: &[&str]| {
        let mut all = vec!["optimal", "--fit", saved.as_str(), "--budget", "1e21"];
        all.extend_from_slice(args);
        let out = run(&all);
        assert!(!out.status.success(), "{args:?} was answered");
        let e = stderr(&out);
        for w in wanted {
            assert!(e.contains(w), "{args:?}: {e}");
        }
        assert!(!e.contains("panicked"), "{e}");
    };
    refused(
        &["--bootstrap", "100"],
        &["--bootstrap", "curve fit LOGS --law joint --bootstrap N"],
    );
    refused(
        &["--assess", "1e9,2e10"],
        &["--assess", "table of (N, D, loss)", "curve predict"],
    );
    refused(
        &["--assess-model", "gpt-3"],
        &["--assess-model", "curve predict"],
    );
    let out = dir.path().join("again.json");
    refused(
        &["--out", out.to_str().unwrap()],
        &["--out", "already saved"],
    );
    assert!(!out.exists());
    // Other commands read fits of tables of runs, and say where a curve fit is read.
    let plan = run(&["plan", "--fit", &saved, "--budget", "1e21"]);
    assert!(!plan.status.success());
    let e = stderr(&plan);
    assert!(
        e.contains("it is a curve fit") && e.contains("`scaling-laws optimal --fit`"),
        "{e}"
    );
}

#[test]
fn optimal_refuses_a_curve_fit_of_one_run_law_and_names_the_field_of_a_mutated_one() {
    let dir = temp_dir();
    let curves = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_curves.csv");
    let annealing = dir.path().join("annealing.json");
    let out = run(&[
        "curve",
        "fit",
        curves,
        "--law",
        "annealing",
        "--out",
        annealing.to_str().unwrap(),
        "-q",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&[
        "optimal",
        "--fit",
        annealing.to_str().unwrap(),
        "--budget",
        "1e21",
    ]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(
        e.contains("--fit")
            && e.contains("annealing law")
            && e.contains("no model size N")
            && e.contains("--law joint"),
        "{e}"
    );

    let (saved, _) = joint_fit(&dir);
    let text = std::fs::read_to_string(&saved).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mutate = |edit: &dyn Fn(&mut serde_json::Value), wanted: &str| {
        let mut v = value.clone();
        edit(&mut v);
        let path = write_file(
            &dir,
            "mutated.json",
            &serde_json::to_string_pretty(&v).unwrap(),
        );
        let out = run(&["optimal", "--fit", &path, "--budget", "1e21"]);
        assert!(!out.status.success(), "{wanted}: answered");
        let e = stderr(&out);
        assert!(
            e.contains(wanted) && e.contains("mutated.json"),
            "{wanted}: {e}"
        );
        assert!(!e.contains("panicked"), "{e}");
    };
    mutate(&|v| v["sweep"]["kappa"][0] = (-0.5).into(), "sweep.kappa");
    mutate(&|v| v["sweep"]["kappa"] = "high".into(), "sweep.kappa");
    mutate(
        &|v| {
            v.as_object_mut().unwrap().remove("sweep");
        },
        "sweep: missing",
    );
    mutate(&|v| v["params"][5]["value"] = (-1.0).into(), "params: C");
    mutate(
        &|v| v["uncertainty"]["draws"]["theta"][3] = serde_json::json!([1.0, 2.0]),
        "uncertainty.draws.theta[3]",
    );
    // A fit whose law at the ends has no positive E' is refused, not answered.
    mutate(&|v| v["params"][5]["value"] = 40.0.into(), "E − C·U_end");
}
