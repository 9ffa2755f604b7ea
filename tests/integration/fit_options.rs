//! Fitting options end to end: fixed and tied parameters, the squared loss, explicit starts,
//! saving a fit with its provenance.

use scaling_laws::saved::SavedFit;

use crate::common::{run, stderr, stdout, temp_dir};

/// Simulated sweep (default design, 108 runs) written to a temporary folder.
fn simulated_csv(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("runs.csv");
    let out = run(&["simulate", "--out", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    path.to_string_lossy().into_owned()
}

fn fit_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["fit"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json", "--quiet"]);
    let out = run(&all);
    assert!(
        out.status.success(),
        "fit {args:?} failed: {}",
        stderr(&out)
    );
    serde_json::from_str(&stdout(&out)).expect("JSON on stdout")
}

fn law_field(v: &serde_json::Value, name: &str) -> f64 {
    v["report"]["fitted"]["law"][name].as_f64().unwrap()
}

#[test]
fn fixed_parameters_stay_fixed_and_the_rest_adapt() {
    let dir = temp_dir();
    let csv = simulated_csv(&dir);
    let v = fit_json(&[&csv, "--fix", "alpha=0.34", "--fix", "E=1.69"]);
    assert_eq!(law_field(&v, "alpha"), 0.34);
    assert!((law_field(&v, "E") - 1.69).abs() < 1e-12);
    assert!((law_field(&v, "beta") - 0.28).abs() < 0.02);
    assert_eq!(v["report"]["diagnostics"]["starts_available"], 180);
}

#[test]
fn tied_exponents_are_equal() {
    let dir = temp_dir();
    let csv = simulated_csv(&dir);
    let v = fit_json(&[&csv, "--tie-exponents"]);
    assert_eq!(law_field(&v, "alpha"), law_field(&v, "beta"));
    assert!((v["report"]["fitted"]["params_exponent"].as_f64().unwrap() - 0.5).abs() < 1e-12);
}

#[test]
fn squared_loss_and_explicit_start_fit_the_simulated_law() {
    let dir = temp_dir();
    let csv = simulated_csv(&dir);
    let v = fit_json(&[
        &csv,
        "--loss",
        "mse",
        "--start",
        "E=1,A=100,B=100,alpha=0.5,beta=0.5",
    ]);
    assert_eq!(v["report"]["diagnostics"]["starts_run"], 1);
    assert!((law_field(&v, "alpha") - 0.34).abs() < 0.02);
    assert_eq!(v["report"]["fitted"]["config"]["loss"]["kind"], "squared");
}

#[test]
fn saved_fit_records_provenance_and_reloads() {
    let dir = temp_dir();
    let csv = simulated_csv(&dir);
    let out_path = dir.path().join("fit.json");
    let out = run(&[
        "fit",
        &csv,
        "--out",
        out_path.to_str().unwrap(),
        "--quiet",
        "--where",
        "N > 2e7",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("alpha"));
    let saved = SavedFit::load(&out_path).unwrap();
    let bytes = std::fs::read(&csv).unwrap();
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(saved.provenance.source.sha256, digest);
    assert_eq!(saved.provenance.source.path, csv);
    assert!(saved.provenance.rows_used < 108 && saved.provenance.rows_used > 90);
    assert_eq!(saved.provenance.filter.describe(), "N > 2e7");
    assert!(
        saved
            .provenance
            .command
            .as_deref()
            .unwrap()
            .contains("--where")
    );
    assert_eq!(saved.tool_version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn refuses_to_overwrite_the_input_and_leaves_no_partial_output() {
    let dir = temp_dir();
    let csv = simulated_csv(&dir);
    let before = std::fs::read(&csv).unwrap();
    let out = run(&["fit", &csv, "--out", &csv, "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is the input file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&csv).unwrap(), before);

    let missing_dir = dir.path().join("no-such-folder").join("fit.json");
    let out = run(&[
        "fit",
        &csv,
        "--out",
        missing_dir.to_str().unwrap(),
        "--quiet",
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only the input remains");
}

#[test]
fn text_report_names_the_data_and_derivation() {
    let dir = temp_dir();
    let csv = crate::common::write_file(&dir, "compute_only.csv", &{
        let runs = scaling_laws::design::simulate::simulate(&Default::default()).unwrap();
        let mut s = String::from("params,compute,final_loss\n");
        for r in runs {
            s.push_str(&format!("{},{},{}\n", r.n_params, r.flops, r.loss));
        }
        s
    });
    let out = run(&["fit", &csv, "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("tokens derived as D = C / (6·N) from column 'compute'"),
        "{text}"
    );
    assert!(text.contains("108 used of 108 rows"), "{text}");
    assert!(text.contains("warnings          none"), "{text}");
}

#[test]
fn holdout_predicts_noise_free_runs_exactly_and_reports_noisy_errors() {
    let dir = temp_dir();
    let path = dir.path().join("exact.csv");
    let p = path.to_str().unwrap();
    assert!(
        run(&["simulate", "--noise", "0", "--out", p])
            .status
            .success()
    );
    let v = fit_json(&[p, "--holdout", "largest-compute", "12"]);
    let h = &v["report"]["fitted"];
    assert_eq!(h["n_runs"], 96);
    let check = &v["holdout"];
    assert_eq!(check["runs"].as_array().unwrap().len(), 12);
    // The 12 held-out runs are the 3e21 budget: the largest compute of the rest is 1e21.
    assert!((check["train_max_compute"].as_f64().unwrap() / 1e21 - 1.0).abs() < 1e-6);
    assert!(
        check["mean_abs_log_error"].as_f64().unwrap() < 1e-6,
        "{check}"
    );
    assert_eq!(v["provenance"]["rows_used"], 96);

    let noisy = simulated_csv(&dir);
    let v = fit_json(&[&noisy, "--holdout", "largest-compute", "12"]);
    let err = v["holdout"]["rms_log_error"].as_f64().unwrap();
    // 1% noise: errors of about 0.01, not 0 and not 0.1.
    assert!((0.003..0.03).contains(&err), "rms log error {err}");
}

#[test]
fn holdout_arguments_are_checked() {
    let dir = temp_dir();
    let csv = simulated_csv(&dir);
    for (args, needle) in [
        (
            vec!["--holdout", "smallest", "3"],
            "unknown rule 'smallest 3'",
        ),
        (
            vec!["--holdout", "largest-compute", "x"],
            "K must be a whole number",
        ),
        (
            vec!["--holdout", "largest-compute", "108"],
            "cannot hold out 108 of 108 runs",
        ),
    ] {
        let mut all = vec!["fit", csv.as_str(), "--quiet"];
        all.extend_from_slice(&args);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn large_sweeps_are_searched_on_a_subsample_and_refined_on_all_runs() {
    let dir = temp_dir();
    let path = dir.path().join("big.csv");
    let p = path.to_str().unwrap();
    let out = run(&["simulate", "--sizes-per-budget", "1000", "--out", p]);
    assert!(out.status.success(), "{}", stderr(&out));
    // 9000 runs: above twice the default subsample of 4096.
    let sampled = fit_json(&[p, "--starts", "20"]);
    let stage = &sampled["report"]["diagnostics"]["subsample"];
    assert_eq!(stage["rows"], 4096);
    assert_eq!(stage["of_rows"], 9000);
    let (distinct, refined) = (
        stage["distinct"].as_u64().unwrap(),
        stage["refined"].as_u64().unwrap(),
    );
    assert!(refined >= 1 && refined <= distinct, "{stage}");
    // Searching on every run reaches the same optimum.
    let whole = fit_json(&[p, "--starts", "20", "--subsample-rows", "0"]);
    assert!(whole["report"]["diagnostics"].get("subsample").is_none());
    let objective = |v: &serde_json::Value| v["report"]["fitted"]["objective"].as_f64().unwrap();
    let (a, b) = (objective(&sampled), objective(&whole));
    assert!((a - b).abs() <= 1e-9 * b, "{a} vs {b}");
    for name in ["E", "alpha", "beta"] {
        let (x, y) = (law_field(&sampled, name), law_field(&whole, name));
        assert!((x - y).abs() <= 1e-5 * y, "{name}: {x} vs {y}");
    }
    let text = stdout(&run(&["fit", p, "--starts", "20", "--quiet"]));
    assert!(
        text.contains("search            on 4096 of the 9000 runs"),
        "{text}"
    );
    // A few given starts have no screening to save: they run on all runs.
    let given = fit_json(&[p, "--start", "E=1.69,A=406.4,B=410.7,alpha=0.34,beta=0.28"]);
    assert!(given["report"]["diagnostics"].get("subsample").is_none());
    let c = objective(&given);
    assert!((c - b).abs() <= 1e-9 * b, "{c} vs {b}");
}

/// `--delta auto`: the threshold is 1.345 robust sds of the residuals, reported, saved, and
/// used by a later bootstrap of the saved fit.
#[test]
fn a_threshold_from_the_residuals_is_reported_saved_and_reused() {
    let dir = temp_dir();
    let csv = simulated_csv(&dir);
    let v = fit_json(&[&csv, "--delta", "auto"]);
    let config = &v["report"]["fitted"]["config"];
    assert_eq!(config["huber_scale"].as_f64(), Some(1.345));
    let delta = config["loss"]["delta"].as_f64().unwrap();
    // The simulated sweep's noise is 1% of loss: the threshold is near 1.345%, not 1e-3.
    assert!((0.010..0.017).contains(&delta), "{delta}");
    let residuals: Vec<f64> = v["report"]["fitted"]["residuals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_f64().unwrap())
        .collect();
    let again = 1.345 * scaling_laws::stats::robust_centre_sd(&residuals).1;
    assert!((again / delta - 1.0).abs() < 0.05, "{delta} {again}");
    // Without --delta, the file has no huber_scale and the paper's threshold.
    let plain = fit_json(&[&csv]);
    assert!(
        plain["report"]["fitted"]["config"]
            .get("huber_scale")
            .is_none()
    );
    assert_eq!(
        plain["report"]["fitted"]["config"]["loss"]["delta"].as_f64(),
        Some(1e-3)
    );

    let saved = dir.path().join("auto.json");
    let out = run(&[
        "fit",
        &csv,
        "--delta",
        "auto",
        "--out",
        saved.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("(--delta auto: ") && text.contains("× the residuals' robust sd"),
        "{text}"
    );
    let out = run(&[
        "optimal",
        "--fit",
        saved.to_str().unwrap(),
        "--budget",
        "1e22",
        "--bootstrap",
        "40",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let back: SavedFit = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(back.report.fitted.config.huber_scale, Some(1.345));

    for (args, message) in [
        (vec!["--delta", "0"], "invalid --delta"),
        (vec!["--delta", "often"], "positive number or 'auto'"),
        (
            vec!["--loss", "mse", "--delta", "auto"],
            "applies to --loss huber only",
        ),
    ] {
        let mut all = vec!["fit", csv.as_str()];
        all.extend(args);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        assert!(stderr(&out).contains(message), "{all:?}: {}", stderr(&out));
    }
}

#[test]
fn a_fixed_parameter_is_reported_as_fixed_not_as_an_interval_of_zero_width() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/simulated_sweep.csv");
    let out = crate::common::bin()
        .args([
            "optimal",
            data.to_str().unwrap(),
            "--fix",
            "E=1.69",
            "--bootstrap",
            "20",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("E "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        row.contains("fixed") && row.contains("(given with --fix)"),
        "{row}"
    );
    assert!(!row.contains("[1.690, 1.690]"), "{row}");
}
