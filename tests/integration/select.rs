//! `scaling-laws select` end to end (issue 12, item 3): which law extrapolates best.

use crate::common::{run, stderr, stdout, temp_dir, write_file};

/// A Chinchilla sweep over four decades of compute, 1% noise.
fn chinchilla_sweep(dir: &tempfile::TempDir) -> String {
    let out = run(&[
        "simulate",
        "--budgets",
        "1e17,3e17,1e18,3e18,1e19,3e19,1e20,3e20",
        "--sizes-per-budget",
        "6",
        "--span",
        "6",
        "--noise",
        "0.01",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    write_file(dir, "sweep.csv", &stdout(&out))
}

#[test]
fn select_text_names_the_laws_and_a_verdict() {
    let dir = temp_dir();
    let sweep = chinchilla_sweep(&dir);
    let out = run(&["select", &sweep, "--bootstrap", "20", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "3 laws fitted to 48 runs",
        "skipped data-constrained",
        "unique-tokens column",
        "chinchilla",
        "kaplan",
        "compute",
        "Rolling origin by fold",
        "paired-bootstrap interval",
        "Verdict: ",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    // Data from Chinchilla: no other law may be called best with confidence.
    let verdict = text.lines().find(|l| l.starts_with("Verdict: ")).unwrap();
    assert!(
        verdict.starts_with("Verdict: chinchilla extrapolates best")
            || verdict.starts_with("Verdict: cannot tell"),
        "{verdict}"
    );
}

#[test]
fn select_json_and_csv_carry_the_same_numbers() {
    let dir = temp_dir();
    let sweep = chinchilla_sweep(&dir);
    let args = [
        "select",
        &sweep,
        "--laws",
        "chinchilla,compute",
        "--bootstrap",
        "20",
        "--holdout-k",
        "6",
        "--quiet",
    ];
    let json = run(&[&args[..], &["--format", "json"]].concat());
    assert!(json.status.success(), "{}", stderr(&json));
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let laws = v["laws"].as_array().unwrap();
    assert_eq!(laws.len(), 2);
    assert_eq!(laws[0]["law"], "chinchilla");
    assert_eq!(laws[0]["free_params"], 5);
    assert_eq!(laws[0]["largest_compute"]["held_out"], 6);
    let a = &laws[0]["params_exponent"];
    assert!(a["lower"].as_f64().unwrap() <= a["value"].as_f64().unwrap());
    assert!(laws[1]["params_exponent"].is_null());
    assert!(
        laws[1]["params_exponent_note"]
            .as_str()
            .unwrap()
            .contains("no allocation")
    );
    assert_eq!(v["verdict"]["basis"], "rolling_origin");
    // On an IsoFLOP sweep a law of compute alone cannot tell a large model on few tokens from
    // a small one on many: Chinchilla, the true law, wins and the test separates it.
    assert_eq!(v["verdict"]["best"], "chinchilla", "{}", v["verdict"]);
    assert_eq!(v["verdict"]["separated"], true, "{}", v["verdict"]);

    let csv = run(&[&args[..], &["--format", "csv"]].concat());
    assert!(csv.status.success(), "{}", stderr(&csv));
    let text = stdout(&csv);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "law");
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let pooled: Vec<&Vec<&str>> = rows.iter().filter(|r| r[col("fold")].is_empty()).collect();
    // One row per law and check, then the folds of rolling origin.
    assert_eq!(pooled.len(), 4);
    let folds = laws[0]["rolling_origin"]["folds"].as_array().unwrap().len();
    assert!(rows.len() >= 4 + folds);
    let ch_k = pooled
        .iter()
        .find(|r| r[0] == "chinchilla" && r[col("rule")] == "largest-compute")
        .unwrap();
    let median: f64 = ch_k[col("median_relative_error")].parse().unwrap();
    let json_median = laws[0]["largest_compute"]["median_relative_error"]
        .as_f64()
        .unwrap();
    assert!((median - json_median).abs() <= 1e-12 * json_median.max(1e-12));
    assert_eq!(ch_k[col("best")], "true");
}

#[test]
fn select_refuses_a_named_law_without_its_column() {
    let dir = temp_dir();
    let sweep = chinchilla_sweep(&dir);
    let out = run(&["select", &sweep, "--laws", "chinchilla,data-constrained"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--laws") && err.contains("unique-tokens column (U)"),
        "{err}"
    );
    let out = run(&["select", &sweep, "--laws", "gpt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown law 'gpt'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn select_writes_its_figure_and_never_over_its_input() {
    let dir = temp_dir();
    let sweep = chinchilla_sweep(&dir);
    let figure = dir.path().join("errors.svg");
    let out = run(&[
        "select",
        &sweep,
        "--laws",
        "chinchilla,kaplan",
        "--bootstrap",
        "0",
        "--quiet",
        "--plot",
        figure.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = std::fs::read_to_string(&figure).unwrap();
    assert!(svg.contains("Held-out error against compute"), "title");
    assert!(svg.contains("kaplan (median per compute level)"));
    // The input is never overwritten, and a bad extension is refused before any work.
    let before = std::fs::read(&sweep).unwrap();
    let out = run(&["select", &sweep, "--plot", &sweep]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--plot"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&sweep).unwrap(), before);
    let out = run(&[
        "select",
        &sweep,
        "--plot",
        dir.path().join("e.jpg").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(".png, .svg or .pdf"),
        "{}",
        stderr(&out)
    );
}

/// Negative numbers reach `select`'s own checks, which name the flag, as in `fit`.
#[test]
fn select_names_a_negative_delta_or_level() {
    let dir = temp_dir();
    let csv = chinchilla_sweep(&dir);
    for (args, message) in [
        (
            ["--delta", "-2"],
            "invalid --delta: expected a positive number or 'auto', got '-2'",
        ),
        (["--level", "-1"], "invalid --level"),
    ] {
        let mut all = vec!["select", csv.as_str()];
        all.extend(args);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        assert!(stderr(&out).contains(message), "{all:?}: {}", stderr(&out));
    }
}

/// Runs whose loss grows with N and D: the Kaplan law cannot be fitted (its optimum lies
/// beyond double precision), the law of compute can. The comparison goes on without the
/// failed laws and names them with the reason, instead of giving up.
#[test]
fn a_law_whose_fit_fails_is_reported_and_the_others_compared() {
    let mut text = String::from("n_params,n_tokens,loss\n");
    let mut jitter = 0.0;
    for n in [1e7, 3e7, 1e8, 3e8, 1e9, 3e9f64] {
        for d in [1e9, 3e9, 1e10, 3e10f64] {
            jitter = (jitter + 0.37) % 1.0;
            let loss = 2.0 + 0.05 * n.log10() + 0.05 * d.log10() + 0.004 * (jitter - 0.5);
            text.push_str(&format!("{n},{d},{loss}\n"));
        }
    }
    let dir = crate::common::temp_dir();
    let path = crate::common::write_file(&dir, "growing.csv", &text);
    let out = crate::common::run(&["select", &path, "--bootstrap", "0", "--format", "json"]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed: Vec<&str> = s["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| {
            k["reason"]
                .as_str()
                .unwrap()
                .contains("fit or a held-out check failed")
        })
        .map(|k| k["law"].as_str().unwrap())
        .collect();
    assert!(failed.contains(&"kaplan"), "{}", s["skipped"]);
    let laws: Vec<&str> = s["laws"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["law"].as_str().unwrap())
        .collect();
    assert!(
        laws.contains(&"compute") && !laws.contains(&"kaplan"),
        "{laws:?}"
    );
}

#[test]
fn select_reports_a_rolling_origin_fold_that_fails_and_keeps_the_others() {
    let dir = temp_dir();
    let sweep = crate::common::sweep_with_an_unidentifiable_first_decade(&dir);
    let out = run(&[
        "select",
        &sweep,
        "--laws",
        "chinchilla",
        "--format",
        "json",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let law = &v["laws"][0];
    let rolling = &law["rolling_origin"];
    // The 1e20 and 1e21 decades, predicted by the two folds that fitted.
    assert_eq!(rolling["held_out"], 60);
    assert_eq!(rolling["folds"].as_array().unwrap().len(), 2);
    let note = law["rolling_origin_note"].as_str().unwrap();
    assert!(
        note.contains("the fold fitted up to 6.000e18 FLOPs failed, its 36 runs not predicted"),
        "{note}"
    );
}
