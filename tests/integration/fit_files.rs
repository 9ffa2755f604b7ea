//! A saved fit is input, and is validated as input: a fit file edited by hand or damaged is
//! refused when it is read, with exit code 2 and a message naming the field that is wrong,
//! before any command uses it; files that are not regular files are not read at all.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{Run, run, run_with_timeout, stderr, temp_dir};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
/// A command that reads a FIFO blocks until a writer comes; one that refuses it ends at once.
const FIFO_TIMEOUT: Duration = Duration::from_secs(30);

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

fn assert_ran_quickly(run: &Run, what: &str) {
    assert!(
        !run.timed_out,
        "{what}: still running after {FIFO_TIMEOUT:?}"
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(!err.contains("panicked"), "{what}: {err}");
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
fn a_data_file_that_is_not_a_regular_file_is_not_read_again() {
    let dir = temp_dir();
    let fifo = dir.path().join("runs.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let mut fit = fit_with_draws(dir.path());
    fit["provenance"]["source"]["path"] = json!(fifo.to_str().unwrap());
    // Only the FIFO is left to find the data at (not the file the fit was made from).
    fit["provenance"]
        .as_object_mut()
        .expect("a provenance object")
        .remove("source_from_fit");
    let path = write_fit(dir.path(), "fit.json", &fit);
    for question in [&["--assess", "7e10,1.4e12"][..], &["--bootstrap", "3"][..]] {
        let args = [&["optimal", "--fit", path.as_str(), "-q"][..], question].concat();
        let out = run_with_timeout(&args, dir.path(), FIFO_TIMEOUT);
        assert_ran_quickly(&out, &format!("{args:?}"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.code, Some(2), "{args:?}: {err}");
        assert!(
            err.contains("not a regular file") && err.contains("runs.csv"),
            "{args:?}: {err}"
        );
    }
    // A question that can do without the runs is answered, with a note.
    let args = ["optimal", "--fit", path.as_str(), "--budget", "1e22"];
    let out = run_with_timeout(&args, dir.path(), FIFO_TIMEOUT);
    assert_ran_quickly(&out, "--budget");
    assert_eq!(
        out.code,
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_fit_file_that_is_not_a_regular_file_is_refused() {
    let dir = temp_dir();
    let fifo = dir.path().join("fit.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let folder = dir.path().to_str().unwrap();
    for path in ["/dev/zero", fifo.to_str().unwrap(), folder] {
        let args = ["optimal", "--fit", path, "--budget", "1e22"];
        let out = run_with_timeout(&args, dir.path(), FIFO_TIMEOUT);
        assert_ran_quickly(&out, path);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.code, Some(2), "{path}: {err}");
        assert!(
            err.contains(path) && err.contains("not a regular file"),
            "{path}: {err}"
        );
    }
}

#[test]
fn a_fit_file_larger_than_the_limit_is_refused_without_reading_it() {
    let dir = temp_dir();
    let path = dir.path().join("huge.json");
    // Sparse: no disk space is used.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(scaling_laws::saved::MAX_FIT_FILE_BYTES + 1)
        .unwrap();
    let shown = path.to_str().unwrap();
    assert_refused(
        &["optimal", "--fit", shown, "--budget", "1e22"],
        &[shown, "256 MB"],
    );
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

#[test]
fn a_fit_with_runs_held_out_resamples_the_runs_it_was_fitted_to() {
    let dir = temp_dir();
    let path = dir.path().join("held_out.json");
    let shown = path.to_str().unwrap();
    let out = run(&[
        "fit",
        SWEEP,
        "--holdout",
        "largest-compute",
        "10",
        "--out",
        shown,
        "-q",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The residual bootstrap draws from the residuals of the runs fitted, one per run.
    let out = run(&[
        "optimal",
        "--fit",
        shown,
        "--bootstrap",
        "3",
        "--resample",
        "residuals",
        "--budget",
        "1e22",
        "-q",
    ]);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{err}");
}

#[test]
fn a_fit_file_of_another_format_version_names_the_version_as_a_number() {
    let dir = temp_dir();
    let mut fit = fit_with_draws(dir.path());
    fit["format_version"] = json!(2);
    let v2 = write_fit(dir.path(), "v2.json", &fit);
    assert_refused(
        &["optimal", "--fit", &v2],
        &["format version 2 ", "v2.json"],
    );
    fit.as_object_mut().unwrap().remove("format_version");
    let none = write_fit(dir.path(), "none.json", &fit);
    assert_refused(&["optimal", "--fit", &none], &["format version missing"]);
    for path in [&v2, &none] {
        let err = stderr(&run(&["optimal", "--fit", path]));
        assert!(!err.contains("Some(") && !err.contains("None"), "{err}");
    }
}

/// `scaling-laws ARGS…` run in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    crate::common::bin()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

#[test]
fn a_saved_fit_finds_its_data_from_another_folder_and_after_moving_with_it() {
    let root = temp_dir();
    let work = root.path().join("work");
    std::fs::create_dir_all(work.join("own")).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/simulated_sweep.csv");
    std::fs::copy(&shipped, work.join("my_sweep.csv")).unwrap();
    let out = run_in(
        &work,
        &[
            "fit",
            "my_sweep.csv",
            "--starts",
            "10",
            "--out",
            "own/myfit.json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fit: Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("own/myfit.json")).unwrap())
            .unwrap();
    assert_eq!(fit["provenance"]["source_from_fit"], "../my_sweep.csv");

    // From another folder: the path as given does not exist there; the one from the fit does.
    let elsewhere = root.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let fit_path = work.join("own/myfit.json");
    let ask = |dir: &Path, fit: &Path| {
        run_in(
            dir,
            &[
                "optimal",
                "--fit",
                fit.to_str().unwrap(),
                "--budget",
                "1e21",
                "--bootstrap",
                "10",
                "-q",
            ],
        )
    };
    let out = ask(&elsewhere, &fit_path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Moved together to another place.
    let moved = root.path().join("moved");
    std::fs::rename(&work, &moved).unwrap();
    let out = ask(&elsewhere, &moved.join("own/myfit.json"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A changed file is not taken for the fit's data.
    std::fs::write(
        moved.join("my_sweep.csv"),
        "n_params,n_tokens,loss\n1e8,2e9,3.0\n",
    )
    .unwrap();
    let out = ask(&elsewhere, &moved.join("own/myfit.json"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("my_sweep.csv"), "{err}");
}
