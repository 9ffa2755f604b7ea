//! Issue 10 item 3: warnings that fire, each on a reproducer, in the JSON and the text report.

use std::process::Output;

use scaling_laws::saved::SavedFit;
use scaling_laws::warnings::WarningCode;
use serde_json::Value;

use crate::common::{bin, run, stderr, stdout, temp_dir, write_file};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");

/// The shipped sweep as (header, rows).
fn sweep() -> (String, Vec<String>) {
    let text = std::fs::read_to_string(SWEEP).unwrap();
    let mut lines = text.lines().map(str::to_string);
    let header = lines.next().unwrap();
    (header, lines.collect())
}

/// The sweep with `change(row, columns)` applied to the loss (column 4) of every row; rows
/// numbered from 1.
fn sweep_with(change: impl Fn(usize, &[f64]) -> f64) -> String {
    let (header, rows) = sweep();
    let mut out = header + "\n";
    for (i, line) in rows.iter().enumerate() {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let loss = change(i + 1, &v);
        out.push_str(&format!("{},{},{},{},{loss}\n", v[0], v[1], v[2], v[3]));
    }
    out
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_str(&stdout(out)).unwrap()
}

/// Codes of a JSON warning list.
fn codes(warnings: &Value) -> Vec<String> {
    warnings
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_string())
        .collect()
}

fn fit_warnings(path: &str, extra: &[&str]) -> Value {
    let mut args = vec!["fit", path, "--format", "json", "--quiet"];
    args.extend_from_slice(extra);
    json(&run(&args))["report"]["diagnostics"]["warnings"].clone()
}

#[test]
fn fits_saved_with_the_old_warning_shape_still_load() {
    // Saved by the tool before the shared warning list: {"kind": "optimum_outside_grid", ...}.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fit_legacy_warnings.json"
    );
    let saved = SavedFit::load(std::path::Path::new(path)).unwrap();
    let w = &saved.report.diagnostics.warnings;
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w.iter().all(|w| w.code == WarningCode::AtGridEdge));
    assert_eq!(
        w[0].message,
        "the optimum e = 0.5355 lies outside the grid range [-1, -0.5]"
    );
    assert!(w[0].action.contains("--grid"));
    // And an answer from it names them.
    let out = bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["optimal", "--fit", path, "--budget", "1e21"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Listed once, in the report, as the fit's; not repeated on standard error.
    let needle = "the optimum alpha = 0.3446 lies outside the grid range";
    let report = stdout(&out);
    assert_eq!(report.matches(needle).count(), 1, "{report}");
    assert!(
        report.contains(&format!("  warning (fit): {needle}")),
        "{report}"
    );
    assert!(!stderr(&out).contains(needle), "{}", stderr(&out));
    // A CSV of answers has no place for them: there they go to standard error.
    let csv = bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "optimal", "--fit", path, "--budget", "1e21", "--format", "csv",
        ])
        .output()
        .unwrap();
    assert!(csv.status.success(), "{}", stderr(&csv));
    assert!(!stdout(&csv).contains(needle));
    assert_eq!(stderr(&csv).matches(needle).count(), 1, "{}", stderr(&csv));
    // JSON carries them as the fit's warnings.
    let json = bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "optimal", "--fit", path, "--budget", "1e21", "--format", "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(v["fit_warnings"].as_array().unwrap().len(), 2);
    assert!(!stderr(&json).contains(needle), "{}", stderr(&json));
}

#[test]
fn a_clean_sweep_has_no_warnings() {
    assert_eq!(fit_warnings(SWEEP, &[]), serde_json::json!([]));
    let text = stdout(&run(&["fit", SWEEP, "--quiet"]));
    assert!(text.contains("  warnings          none\n"), "{text}");
}

#[test]
fn five_runs_for_four_parameters_warn() {
    let (header, rows) = sweep();
    let dir = temp_dir();
    let five: Vec<&str> = [1, 30, 60, 90, 108]
        .iter()
        .map(|&i| rows[i - 1].as_str())
        .collect();
    let path = write_file(
        &dir,
        "five.csv",
        &format!("{header}\n{}\n", five.join("\n")),
    );
    let w = fit_warnings(&path, &["--fix", "E=1.69"]);
    assert!(
        codes(&w).contains(&"few_runs_per_parameter".to_string()),
        "{w}"
    );
    let few = w
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "few_runs_per_parameter")
        .unwrap();
    assert!(
        few["message"]
            .as_str()
            .unwrap()
            .starts_with("5 runs for 4 free parameters (1.2 per parameter"),
        "{few}"
    );
    assert!(few["action"].as_str().unwrap().contains("--fix"));
}

#[test]
fn large_residual_spread_warns() {
    // Simulated with 10% noise: robust sd about 0.1, twice the 0.05 threshold.
    let dir = temp_dir();
    let path = dir.path().join("noisy.csv");
    let path = path.to_str().unwrap();
    assert!(
        run(&["simulate", "--noise", "0.1", "--out", path])
            .status
            .success()
    );
    let w = fit_warnings(path, &[]);
    assert!(
        codes(&w).contains(&"large_residual_spread".to_string()),
        "{w}"
    );
}

#[test]
fn residuals_bending_with_d_warn_and_name_the_axis() {
    // Runs past 2e10 tokens repeat data (multi-epoch): loss rises by 10% per decade of D beyond.
    let dir = temp_dir();
    let text = sweep_with(|_, v| {
        let excess = (v[2] / 2e10).log10().max(0.0);
        v[4] * (0.1 * excess).exp()
    });
    let path = write_file(&dir, "epochs.csv", &text);
    let w = fit_warnings(&path, &[]);
    let trend: Vec<&Value> = w
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "residual_trend")
        .collect();
    assert_eq!(trend.len(), 1, "{w}");
    assert!(
        trend[0]["message"].as_str().unwrap().contains("log D"),
        "{}",
        trend[0]
    );
}

#[test]
fn outlying_runs_are_named_by_source_row() {
    let dir = temp_dir();
    let text = sweep_with(|row, v| {
        if row == 17 || row == 60 {
            v[4] * 1.25
        } else {
            v[4]
        }
    });
    let path = write_file(&dir, "outliers.csv", &text);
    let w = fit_warnings(&path, &[]);
    let outliers = w
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "outlying_runs")
        .unwrap_or_else(|| panic!("{w}"));
    assert_eq!(outliers["rows"], serde_json::json!([17, 60]));
    assert!(
        outliers["message"]
            .as_str()
            .unwrap()
            .starts_with("2 runs lie more than ")
    );
}

#[test]
fn collapsing_e_and_heavy_tails_are_reported_from_the_draws() {
    // Six runs for five parameters: E collapses and B runs off in a share of the resamples.
    let (header, rows) = sweep();
    let dir = temp_dir();
    let six: Vec<&str> = [1, 30, 45, 60, 90, 108]
        .iter()
        .map(|&i| rows[i - 1].as_str())
        .collect();
    let path = write_file(&dir, "six.csv", &format!("{header}\n{}\n", six.join("\n")));
    let args = [
        "optimal",
        &path,
        "--bootstrap",
        "200",
        "--budget",
        "1e21",
        "--quiet",
    ];
    let v = json(&run(&[&args[..], &["--format", "json"]].concat()));
    let answers = &v["answers"];
    let c = codes(&answers["warnings"]);
    assert!(c.contains(&"collapses_in_resamples".to_string()), "{c:?}");
    assert!(c.contains(&"heavy_tailed_draws".to_string()), "{c:?}");
    let b = answers["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "B")
        .unwrap();
    assert_eq!(b["estimate"]["heavy_tailed"], true, "{b}");
    // The text shows the flag, not the standard error, and the interval.
    let text = stdout(&run(&args));
    let line = text.lines().find(|l| l.starts_with("  B ")).unwrap();
    assert!(
        line.contains("heavy-tailed") && line.contains('['),
        "{line}"
    );
    assert!(
        text.contains("  warning: E collapses to zero in "),
        "{text}"
    );
}

#[test]
fn answers_beyond_100_times_the_data_warn() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fit_legacy_warnings.json"
    );
    let out = bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "optimal", "--fit", path, "--budget", "1e22", "--budget", "1e25",
        ])
        .args(["--params", "1e8", "--format", "json"])
        .output()
        .unwrap();
    let v = json(&out);
    let w = &v["answers"]["warnings"];
    assert_eq!(codes(w), vec!["extrapolation"], "{w}");
    let message = w[0]["message"].as_str().unwrap();
    // The largest run has 3e21 FLOPs: 1e25 is 3333 times that, 1e22 only 3.3 times.
    assert!(
        message.starts_with("1 answer lies beyond 100× the largest observed compute (3.000e21 FLOPs): budget 1.000e25 (3333×)"),
        "{message}"
    );
}

#[test]
fn isoflop_counts_and_lists_the_runs_it_leaves_out() {
    // The sweep plus three runs of a tenth budget: too few for a profile.
    let (header, rows) = sweep();
    let mut text = format!("{header}\n{}\n", rows.join("\n"));
    for n in [1e10, 2e10, 4e10] {
        text.push_str(&format!("1e22,{n},{},1e22,2.1\n", 1e22 / (6.0 * n)));
    }
    let dir = temp_dir();
    let path = write_file(&dir, "extra.csv", &text);
    let v = json(&run(&[
        "isoflop",
        &path,
        "--bootstrap",
        "0",
        "--format",
        "json",
    ]));
    assert_eq!(
        v["dropped_groups"][0]["rows"],
        serde_json::json!([109, 110, 111])
    );
    let w = &v["warnings"];
    assert_eq!(codes(w), vec!["runs_dropped"], "{w}");
    assert_eq!(w[0]["rows"], serde_json::json!([109, 110, 111]));
    // Runs within no given budget are counted too: three budgets keep 36 of the 108 runs.
    let v = json(&run(&[
        "isoflop",
        SWEEP,
        "--budgets",
        "6e18,1e19,3e19",
        "--bootstrap",
        "0",
        "--format",
        "json",
    ]));
    assert_eq!(v["unassigned_rows"].as_array().unwrap().len(), 72);
    assert!(
        v["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("72 of 108 runs are not used: 72 within no budget's ±0.03 dex"),
        "{}",
        v["warnings"]
    );
}

#[test]
fn a_table_that_is_not_an_isoflop_sweep_gets_no_confident_a() {
    // A 10 x 10 grid of sizes and token counts: clusters of compute are not IsoFLOP profiles.
    let law = scaling_laws::law::ChinchillaLaw::HOFFMANN_2022;
    let mut text = String::from("N,D,loss\n");
    for i in 0..10 {
        for j in 0..10 {
            let n = 1e7 * 10f64.powf(0.25 * f64::from(i));
            let d = 2e8 * 10f64.powf(0.23 * f64::from(j));
            text.push_str(&format!("{n},{d},{}\n", law.loss(n, d)));
        }
    }
    let dir = temp_dir();
    let path = write_file(&dir, "grid.csv", &text);
    let args = ["isoflop", &path, "--min-runs", "3", "--bootstrap", "0"];
    let v = json(&run(&[&args[..], &["--format", "json"]].concat()));
    let c = codes(&v["warnings"]);
    assert_eq!(c[0], "not_an_isoflop_sweep", "{c:?}");
    let text = stdout(&run(&args));
    assert!(
        text.contains(
            "(not an IsoFLOP sweep: these exponents are not to be relied on; see the warnings)"
        ),
        "{text}"
    );
}

#[test]
fn a_minimum_outside_the_sampled_sizes_gives_no_n_star() {
    // Budget 1e19: a parabola in log N whose vertex is at N = 1e11, far above the sizes
    // 1e8..6.4e9; 1e20 and 1e21 have interior minima.
    let mut text = String::from("flops_budget,N,D,loss\n");
    for (budget, centre) in [(1e19f64, 1e11f64), (1e20, 4e8), (1e21, 8e8)] {
        for i in 0..7 {
            let n = 1e8 * 2f64.powi(i);
            let loss = 2.5 + 0.2 * (n / centre).log10().powi(2);
            text.push_str(&format!("{budget},{n},{},{loss}\n", budget / (6.0 * n)));
        }
    }
    let dir = temp_dir();
    let path = write_file(&dir, "outside.csv", &text);
    let v = json(&run(&[
        "isoflop",
        &path,
        "--bootstrap",
        "0",
        "--format",
        "json",
    ]));
    let p = &v["profiles"][0];
    assert_eq!(p["issue"], "outside_sampled_sizes");
    assert!(
        p["n_params"].is_null() && p["loss"].is_null() && p["n_tokens"].is_null(),
        "{p}"
    );
    assert!((p["vertex_params"].as_f64().unwrap() / 1e11 - 1.0).abs() < 1e-6);
    assert_eq!(codes(&v["warnings"]), vec!["minimum_outside_sampled_range"]);
    // The power law goes through the two interior minima only: N* = 4e8 at 1e20, 8e8 at 1e21.
    let a = v["params"]["exponent"]["value"].as_f64().unwrap();
    assert!((a - 2f64.log10()).abs() < 1e-6, "a = {a}");
    let text = stdout(&run(&["isoflop", &path, "--bootstrap", "0"]));
    let row = text.lines().find(|l| l.contains("1.000e19")).unwrap();
    assert!(
        row.contains("-           -           -        minimum outside the sampled sizes 1.000e8 to 6.400e9 (vertex at N = 1.000e11): no N*, not used"),
        "{row}"
    );
}

#[test]
fn most_profiles_without_a_usable_minimum_is_not_an_isoflop_sweep() {
    // Five budgets of 7 runs each; three have their vertex far outside the sizes.
    let mut text = String::from("flops_budget,N,D,loss\n");
    let centres = [
        (1e19f64, 1e12f64),
        (3e19, 1e12),
        (1e20, 4e8),
        (3e20, 1e12),
        (1e21, 8e8),
    ];
    for (budget, centre) in centres {
        for i in 0..7 {
            let n = 1e8 * 2f64.powi(i);
            let loss = 2.5 + 0.2 * (n / centre).log10().powi(2);
            text.push_str(&format!("{budget},{n},{},{loss}\n", budget / (6.0 * n)));
        }
    }
    let dir = temp_dir();
    let path = write_file(&dir, "mostly_off.csv", &text);
    let v = json(&run(&[
        "isoflop",
        &path,
        "--bootstrap",
        "0",
        "--format",
        "json",
    ]));
    let w = &v["warnings"];
    assert_eq!(
        codes(w),
        vec!["not_an_isoflop_sweep", "minimum_outside_sampled_range"],
        "{w}"
    );
    assert!(
        w[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("this table does not look like an IsoFLOP sweep: only 2 of the 5 profiles have a usable minimum;"),
        "{}",
        w[0]
    );
}
