//! Requests that cannot finish are refused up front, naming the flag, with exit code 2: a
//! bootstrap whose draws would not fit in memory, an envelope read at an absurd resolution.

use crate::common::{run, stderr};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");

/// Exit code 2 and a message naming `flag` and containing `needle`.
fn assert_refused(args: &[&str], flag: &str, needle: &str) {
    let out = run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.starts_with(&format!("error: invalid {flag}: ")) && err.contains(needle),
        "{args:?}: {err}"
    );
    assert!(err.len() < 400, "{args:?}: an oversized message: {err}");
}

#[test]
fn bootstraps_whose_draws_cannot_fit_in_memory_are_refused_before_any_work() {
    let curves = [
        "--run-col",
        "n_params",
        "--params-col",
        "n_params",
        "--tokens-col",
        "n_tokens",
        "--final-only",
    ];
    let huge = "1000000000000";
    let mut envelope = vec!["envelope", SWEEP];
    envelope.extend(curves);
    envelope.extend(["--bootstrap", huge]);
    for args in [
        vec!["isoflop", SWEEP, "--bootstrap", huge],
        vec!["compare", SWEEP, "--bootstrap", huge],
        envelope,
    ] {
        assert_refused(&args, "--bootstrap", "needs about");
    }
}

#[test]
fn an_envelope_finer_than_a_thousandth_of_a_decade_is_refused() {
    let args = [
        "envelope",
        SWEEP,
        "--run-col",
        "n_params",
        "--params-col",
        "n_params",
        "--tokens-col",
        "n_tokens",
        "--per-decade",
        "4294967295",
    ];
    assert_refused(&args, "--per-decade", "at most 1000");
}

#[test]
fn a_device_given_as_data_is_refused_at_once_instead_of_read_without_end() {
    let dir = crate::common::temp_dir();
    let zero = dir.path().join("zero.csv");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let zero = zero.to_str().unwrap();
    let out_dir = dir.path().join("out");
    for args in [
        vec!["fit", zero],
        vec!["curve", "fit", zero],
        vec![
            "chinchilla",
            "--data",
            zero,
            "--out",
            out_dir.to_str().unwrap(),
        ],
    ] {
        let out = crate::common::bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = crate::common::stderr(&out);
        assert!(
            err.contains("zero.csv: it is a device or socket, not a data file"),
            "{args:?}: {err}"
        );
    }
}
