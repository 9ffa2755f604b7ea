//! A saved fit is input, and is validated as input: a fit file edited by hand or damaged is
//! refused when it is read, with exit code 2 and a message naming the field that is wrong,
//! before any command uses it.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{run, stderr, temp_dir};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
/// A fit of the shipped sweep with 20 bootstrap draws, written by the binary into `dir`.
fn fit_with_draws(dir: &Path) -> Value {
    let path = dir.join("fit.json");
    let out = run(&[
        "optimal",
        SWEEP,
        "-q",
        "--bootstrap",
        "20",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Write `fit` as `name` in `dir`; its path.
fn write_fit(dir: &Path, name: &str, fit: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(fit).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

/// `args` end with exit code 2 and a message holding every one of `needles`, without a panic.
fn assert_refused(args: &[&str], needles: &[&str]) {
    let out = run(args);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for needle in needles {
        assert!(
            err.contains(needle),
            "{args:?}: stderr lacks '{needle}': {err}"
        );
    }
}

#[test]
fn draws_with_fewer_convergence_flags_than_rows_are_refused() {
    let dir = temp_dir();
    let mut fit = fit_with_draws(dir.path());
    fit["bootstrap"]["converged"].as_array_mut().unwrap().pop();
    let bad = write_fit(dir.path(), "bad.json", &fit);
    let needle = "bootstrap.converged has 19 entries but bootstrap.theta has 20 rows";
    assert_refused(&["plan", "--fit", &bad, "--budget", "1e23"], &[needle]);
    assert_refused(&["optimal", "--fit", &bad, "--budget", "1e22"], &[needle]);
}

#[test]
fn empty_bootstrap_draws_are_refused() {
    let dir = temp_dir();
    let mut fit = fit_with_draws(dir.path());
    for field in ["theta", "objective", "converged"] {
        fit["bootstrap"][field] = json!([]);
    }
    let bad = write_fit(dir.path(), "bad.json", &fit);
    assert_refused(
        &["optimal", "--fit", &bad, "--assess", "7e10,1.4e12"],
        &["bootstrap.theta has 0 rows"],
    );
}

#[test]
fn a_start_grid_without_one_axis_per_parameter_is_refused() {
    let dir = temp_dir();
    let mut fit = fit_with_draws(dir.path());
    let axes = &mut fit["report"]["fitted"]["config"]["starts"]["values"]["axes"];
    axes.as_array_mut().unwrap().pop();
    let bad = write_fit(dir.path(), "bad.json", &fit);
    assert_refused(
        &["optimal", "--fit", &bad, "--bootstrap", "3"],
        &["report.fitted.config.starts", "4 axes", "5 parameters"],
    );
}

#[test]
fn a_huber_threshold_that_is_not_a_positive_number_is_refused() {
    let dir = temp_dir();
    let fit = fit_with_draws(dir.path());
    // A number that is not one is found with the object it is read with, the loss.
    for (delta, field) in [
        (json!(-1.0), "report.fitted.config.loss.delta is -1"),
        (json!(0.0), "report.fitted.config.loss.delta is 0"),
        (json!("NaN"), "report.fitted.config.loss ("),
        (json!(null), "report.fitted.config.loss ("),
    ] {
        let mut edited = fit.clone();
        edited["report"]["fitted"]["config"]["loss"]["delta"] = delta.clone();
        let bad = write_fit(dir.path(), "bad.json", &edited);
        for args in [
            &["optimal", "--fit", &bad, "--bootstrap", "3"][..],
            &["optimal", "--fit", &bad, "--assess", "7e10,1.4e12"][..],
        ] {
            let out = run(args);
            let err = stderr(&out);
            assert!(!err.contains("panicked"), "delta {delta}: {err}");
            assert_eq!(out.status.code(), Some(2), "delta {delta}: {err}");
            assert!(err.contains(field), "delta {delta}: {err}");
        }
    }
}

#[test]
fn a_text_that_is_not_of_the_expected_type_names_its_field() {
    let dir = temp_dir();
    let mut fit = fit_with_draws(dir.path());
    fit["provenance"]["rows"][3] = json!("four");
    let bad = write_fit(dir.path(), "bad.json", &fit);
    assert_refused(
        &["optimal", "--fit", &bad, "--budget", "1e22"],
        &["provenance.rows[3]", "invalid type"],
    );
}
