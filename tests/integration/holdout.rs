//! Held-out checks and prediction intervals (issue 10, items 1 and 5): the rules, ties at the
//! cut-off, errors as papers report them, and intervals that widen with extrapolation.

use crate::common::{run, stderr, stdout};

fn sweep() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv").to_string()
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--format", "json", "--quiet"]);
    let out = run(&all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("JSON on stdout")
}

#[test]
fn runs_tied_at_the_cut_off_are_held_out_together() {
    // The 12 runs of the 3e21 budget share one compute: asking for 5 holds out all 12.
    let v = json(&["fit", &sweep(), "--holdout", "largest-compute", "5"]);
    let h = &v["holdout"];
    assert_eq!(h["runs"].as_array().unwrap().len(), 12);
    assert_eq!(h["train_runs"], 96);
    for r in h["runs"].as_array().unwrap() {
        assert!((r["compute"].as_f64().unwrap() / 3e21 - 1.0).abs() < 1e-6);
        let rel = r["relative_error"].as_f64().unwrap();
        let (obs, pred) = (
            r["observed"].as_f64().unwrap(),
            r["predicted"].as_f64().unwrap(),
        );
        assert!((rel - (pred - obs).abs() / obs).abs() < 1e-12);
        // Beyond the largest training compute (1e21) by log10(3) decades.
        let x = r["extrapolation_decades"].as_f64().unwrap();
        assert!((x - 3f64.log10()).abs() < 0.01, "{x}");
    }
    // 1% noise: mean relative error about 1%, and the intervals hold the runs.
    let mean = h["mean_relative_error"].as_f64().unwrap();
    assert!((0.002..0.03).contains(&mean), "{mean}");
    assert!(h["coverage"].as_f64().unwrap() >= 0.8, "{h}");
}

#[test]
fn largest_params_holds_out_the_biggest_models() {
    let v = json(&["fit", &sweep(), "--holdout", "largest-params", "10"]);
    let h = &v["holdout"];
    let held: Vec<f64> = h["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["n_params"].as_f64().unwrap())
        .collect();
    assert!(held.len() >= 10);
    let smallest_held = held.iter().copied().fold(f64::INFINITY, f64::min);
    // Every run left in training is smaller than every run held out.
    assert_eq!(
        v["provenance"]["rows_used"].as_u64().unwrap() as usize + held.len(),
        108
    );
    // The ten largest of sizes up to 3e10.
    assert!(smallest_held > 5e9, "{smallest_held}");
}

#[test]
fn rolling_origin_predicts_each_decade_from_the_ones_below() {
    let v = json(&["fit", &sweep(), "--holdout", "rolling-origin"]);
    let h = &v["holdout"];
    let folds = h["folds"].as_array().unwrap();
    // Budgets 6e18 | 1e19 3e19 6e19 | 1e20 3e20 6e20 | 1e21 3e21: three decades predicted.
    assert_eq!(folds.len(), 3);
    let trains: Vec<u64> = folds
        .iter()
        .map(|f| f["train_runs"].as_u64().unwrap())
        .collect();
    assert_eq!(trains, vec![12, 48, 84]);
    // The first fold has 12 runs: too few to calibrate the extrapolation term, so its runs
    // get no interval rather than a made-up one.
    assert!(folds[0]["calibration"]["kappa"].is_null());
    assert_eq!(h["runs"].as_array().unwrap().len(), 96);
    assert_eq!(h["with_interval"], 60);
    let coverage = h["coverage"].as_f64().unwrap();
    assert!((0.85..=1.0).contains(&coverage), "{coverage}");
    for r in h["runs"].as_array().unwrap() {
        if r["fold"] == 0 {
            assert!(r["prediction_interval"].is_null());
        }
    }
}

#[test]
fn holdout_where_holds_out_the_matching_runs() {
    let v = json(&[
        "fit",
        &sweep(),
        "--holdout",
        "where",
        "flops_budget >= 1e21",
    ]);
    assert_eq!(v["holdout"]["runs"].as_array().unwrap().len(), 24);
    let out = run(&[
        "fit",
        &sweep(),
        "--quiet",
        "--holdout",
        "where",
        "flops_budget > 1e30",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--holdout"), "{}", stderr(&out));
    let out = run(&[
        "fit",
        &sweep(),
        "--quiet",
        "--holdout",
        "rolling-origin",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown rule 'rolling-origin 3'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn prediction_intervals_widen_with_extrapolation() {
    // A model inside the data, one 10x beyond it and one 1000x beyond it.
    let v = json(&[
        "optimal",
        &sweep(),
        "--assess",
        "1e9,2e10",
        "--assess",
        "1e10,1e12",
        "--assess",
        "1e11,1e14",
    ]);
    let widths: Vec<(f64, f64)> = v["answers"]["assessments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let pi = &a["prediction_interval"];
            let (lo, hi) = (pi["lower"].as_f64().unwrap(), pi["upper"].as_f64().unwrap());
            let loss = a["loss"]["value"].as_f64().unwrap();
            assert!(lo < loss && loss < hi, "{pi}");
            (
                (hi / lo).ln(),
                pi["extrapolation_decades"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(widths[0].1, 0.0);
    assert!(widths[1].1 > 0.5 && widths[2].1 > 2.5, "{widths:?}");
    assert!(
        widths[0].0 < widths[1].0 && widths[1].0 < widths[2].0,
        "{widths:?}"
    );
    // Inside the data the interval is the 1% scatter: about ±2%.
    assert!((0.03..0.06).contains(&widths[0].0), "{widths:?}");
}

#[test]
fn bootstrap_schemes_run_and_cluster_schemes_need_clusters() {
    for scheme in ["weights", "runs", "params", "budgets", "residuals", "wild"] {
        let v = json(&[
            "optimal",
            &sweep(),
            "--bootstrap",
            "40",
            "--resample",
            scheme,
            "--budget",
            "1e23",
        ]);
        let a = &v["answers"]["parameters"][5]["estimate"];
        let (lo, hi) = (a["lower"].as_f64().unwrap(), a["upper"].as_f64().unwrap());
        // The truth behind the sweep: a = 0.4516.
        assert!(lo < 0.4516 && 0.4516 < hi, "{scheme}: [{lo}, {hi}]");
    }
    let out = run(&[
        "optimal",
        &sweep(),
        "--bootstrap",
        "10",
        "--resample",
        "pairs",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--resample"), "{}", stderr(&out));
}

#[test]
fn a_held_out_report_says_its_fit_leaves_the_held_out_runs_out() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/simulated_sweep.csv");
    let out = crate::common::bin()
        .args([
            "fit",
            data.to_str().unwrap(),
            "--holdout",
            "largest-compute",
            "5",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().nth(1),
        Some("  fitted to the 96 runs kept; the 12 held out are predicted in the check below"),
        "{text}"
    );
}

#[test]
fn rolling_origin_reports_a_fold_that_cannot_be_fitted_and_keeps_the_others() {
    let dir = crate::common::temp_dir();
    let path = crate::common::sweep_with_an_unidentifiable_first_decade(&dir);
    let v = json(&["fit", &path, "--holdout", "rolling-origin"]);
    let folds = v["holdout"]["folds"].as_array().unwrap();
    assert_eq!(folds.len(), 3);
    let reason = folds[0]["failed"].as_str().expect("the first fold failed");
    assert!(reason.contains("model size N"), "{reason}");
    assert!(folds[1]["failed"].is_null() && folds[2]["failed"].is_null());
    // Only the 1e20 and 1e21 decades are predicted (36 + 24 runs), all from a fit.
    let runs = v["holdout"]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 60);
    assert!(runs.iter().all(|r| r["fold"] != 0));
    let out = run(&["fit", &path, "--holdout", "rolling-origin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "fold 1: failed, its 36 runs not predicted (the fit of the 8 runs up to 6.000e18 FLOPs:"
        ),
        "{text}"
    );
}

/// An IsoFLOP sweep of Hoffmann et al.'s law whose exponents drift by 0.4 per decade (alpha(N) =
/// 0.34·(1 + 0.4·log10(N/1e9)), likewise beta with D/2e10): 7 budgets from 1e18 FLOPs, half a
/// decade apart, 9 sizes each, a fixed pattern of ±0.5% noise. The Chinchilla form cannot
/// follow it, and its residuals show it.
fn drifting_sweep(dir: &tempfile::TempDir) -> String {
    let mut csv = String::from("n_params,n_tokens,loss\n");
    let noise = [1.0, -0.6, 0.2, -1.1, 0.7, -0.3, 0.9, -0.8];
    for b in 0..7 {
        let c = 1e18 * 10f64.powf(0.5 * b as f64);
        let centre = (c / 120.0).sqrt();
        for j in 0..9 {
            let n = centre * 10f64.powf((j as f64 - 4.0) / 8.0);
            let d = c / (6.0 * n);
            let alpha = 0.34 * (1.0 + 0.4 * (n / 1e9).log10());
            let beta = 0.28 * (1.0 + 0.4 * (d / 2e10).log10());
            let loss = (1.69 + 406.4 / n.powf(alpha) + 410.7 / d.powf(beta))
                * f64::exp(0.005 * noise[(b * 9 + j) % 8]);
            csv.push_str(&format!("{n},{d},{loss}\n"));
        }
    }
    crate::common::write_file(dir, "drifting.csv", &csv)
}

#[test]
fn a_misfit_widens_the_intervals_beyond_the_data_and_says_so() {
    let dir = crate::common::temp_dir();
    let path = drifting_sweep(&dir);
    let out = run(&["optimal", &path, "--assess", "3e11,6e12", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("  warning (fit): the residuals vary systematically with"),
        "{text}"
    );
    assert!(
        text.contains("(widened: the residuals show a misfit, so the worst extrapolation error seen inside the data is assumed)"),
        "{text}"
    );
    // JSON marks the interval so.
    let out = run(&[
        "optimal",
        &path,
        "--assess",
        "3e11,6e12",
        "--format",
        "json",
        "--quiet",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let pi = &v["answers"]["assessments"][0]["prediction_interval"];
    assert_eq!(pi["widened_for_misfit"], true, "{pi}");
    assert!(pi["extrapolation_decades"].as_f64().unwrap() > 0.5);
}
