//! Issue 11: numbers that are not numbers, refused options and resource limits. No command
//! exits 0 with NaN or inf in a result; values outside their domain are refused naming the flag.

use crate::common::{run, stderr, stdout, temp_dir, write_file};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");

/// Run and return (exit code, stdout, stderr).
fn outcome(args: &[&str]) -> (i32, String, String) {
    let out = run(args);
    (out.status.code().unwrap_or(-1), stdout(&out), stderr(&out))
}

/// The command fails with `code`, names `flag` on stderr, and prints nothing non-finite.
fn refused(args: &[&str], code: i32, flag: &str) -> String {
    let (got, out, err) = outcome(args);
    assert_eq!(got, code, "{args:?}\nstdout: {out}\nstderr: {err}");
    assert!(err.contains(flag), "{args:?}: expected {flag} in: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!has_non_finite(&out), "{args:?}: {out}");
    err
}

fn has_non_finite(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| matches!(w, "NaN" | "nan" | "inf" | "Infinity"))
}

#[test]
fn assessing_a_model_beyond_double_precision_is_not_a_panic() {
    for pair in ["1e60,1e80", "1e100,1e100", "1e308,1e308"] {
        refused(&["optimal", SWEEP, "-q", "--assess", pair], 2, "--assess");
    }
    let err = refused(
        &["optimal", SWEEP, "-q", "--assess", "1e60,1e80"],
        2,
        "--assess",
    );
    assert!(
        err.contains("not defined") && err.contains("equals E"),
        "{err}"
    );
}

#[test]
fn no_exit_zero_with_a_non_finite_number() {
    let cases: [(&[&str], &str); 9] = [
        (&["fit", SWEEP, "-q", "--grid", "a=1e308"], "--grid"),
        (&["fit", SWEEP, "-q", "--fix", "E=1e308"], "--fix"),
        (&["fit", SWEEP, "-q", "--fix", "E=3"], "--fix"),
        (&["optimal", SWEEP, "-q", "--params", "1e308"], "--params"),
        (&["simulate", "--noise", "1e308"], "--noise"),
        (&["simulate", "--span", "1e308"], "--span"),
        (
            &["plan", "--params", "1e308", "--tokens", "1e308"],
            "--params",
        ),
        (
            &["plan", "--model", "llama-65b", "--tokens", "1e308"],
            "--tokens",
        ),
        (
            &[
                "plan",
                "--params",
                "1e9",
                "--tokens",
                "1e12",
                "--gpu",
                "a100-80gb",
                "--price-per-gpu-hour",
                "1e306",
            ],
            "--price-per-gpu-hour",
        ),
    ];
    for (args, flag) in cases {
        refused(args, 2, flag);
    }
    for format in ["text", "json", "csv"] {
        let (code, out, err) = outcome(&["optimal", SWEEP, "-q", "--format", format]);
        assert_eq!(code, 0, "{err}");
        assert!(!has_non_finite(&out), "{format}: {out}");
    }
}

#[test]
fn isoflop_on_tiny_sizes_never_prints_nan() {
    let text = std::fs::read_to_string(SWEEP).unwrap();
    let mut lines = text.lines();
    let mut scaled = vec![lines.next().unwrap().to_string()];
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        let n: f64 = cells[1].parse().unwrap();
        cells[1] = format!("{:e}", n * 1e-300);
        scaled.push(cells.join(","));
    }
    let dir = temp_dir();
    let path = write_file(&dir, "tiny.csv", &(scaled.join("\n") + "\n"));
    for format in ["text", "json", "csv"] {
        let (code, out, err) =
            outcome(&["isoflop", &path, "--format", format, "--bootstrap", "20"]);
        assert!(!err.contains("panicked"), "{err}");
        assert!(code == 0 || code == 1 || code == 2, "{err}");
        assert!(!has_non_finite(&out), "{format}: {out}");
    }
}

#[test]
fn requests_beyond_memory_are_refused_before_allocating() {
    let err = refused(
        &["optimal", SWEEP, "-q", "--bootstrap", "100000000000"],
        2,
        "--bootstrap",
    );
    assert!(err.contains("needs about") && err.contains("TB"), "{err}");
    let err = refused(
        &["simulate", "--sizes-per-budget", "100000000000"],
        2,
        "--sizes-per-budget",
    );
    assert!(
        err.contains("needs about") && err.contains("at most"),
        "{err}"
    );
}

#[test]
fn degenerate_fits_are_explained_in_words() {
    let dir = temp_dir();
    let mut constant = String::from("n_params,n_tokens,loss\n");
    let mut rising = constant.clone();
    for n in [1e8, 3e8, 1e9, 3e9, 1e10] {
        for d in [1e9, 1e10, 1e11, 1e12] {
            constant.push_str(&format!("{n},{d},3.0\n"));
            let loss = 1.7 + 0.01 * f64::powf(n, 0.2) + 400.0 / f64::powf(d, 0.3);
            rising.push_str(&format!("{n},{d},{loss}\n"));
        }
    }
    for (name, text) in [("constant.csv", constant), ("rising.csv", rising)] {
        let path = write_file(&dir, name, &text);
        let err = refused(
            &["optimal", &path, "-q"],
            2,
            "no compute-optimal allocation",
        );
        assert!(!err.contains("ChinchillaLaw {"), "{err}");
        assert!(err.contains("does not fall as"), "{err}");
    }
}

#[test]
fn starts_and_fixed_values_outside_the_domain_are_refused() {
    let start = "E=1.69,A=406.4,B=410.7,alpha=1e308,beta=0.28";
    let duplicated = "E=1.69,A=406.4,B=410.7,alpha=0.3,beta=0.28,alpha=0.5";
    let cases: [(&[&str], &str); 7] = [
        (&["--fix", "alpha=-1"], "--fix"),
        (&["--fix", "alpha=0"], "--fix"),
        (&["--grid", "alpha=-1"], "--grid"),
        (&["--grid", ";"], "--grid"),
        (&["--start", start], "--start"),
        (&["--start", duplicated], "given twice"),
        (&["--fix", "beta=0.3", "--fix", "beta=0.4"], "fixed twice"),
    ];
    for (extra, says) in cases {
        let mut args = vec!["fit", SWEEP, "-q"];
        args.extend_from_slice(extra);
        refused(&args, 2, says);
    }
    refused(&["isoflop", SWEEP, "--min-runs", "0"], 2, "--min-runs");
}

#[test]
fn flags_that_would_be_ignored_are_refused_or_noted() {
    refused(
        &["optimal", SWEEP, "-q", "--per-decade", "0"],
        2,
        "--per-decade",
    );
    refused(
        &["optimal", SWEEP, "-q", "--per-decade", "3"],
        2,
        "--budgets",
    );
    refused(&["fit", SWEEP, "-q", "--level", "1.5"], 2, "--level");
    refused(&["fit", SWEEP, "-q", "--level", "0.9"], 2, "--holdout");
    for (flag, value) in [
        ("--gpus", "0"),
        ("--mfu", "0"),
        ("--mfu", "1.5"),
        ("--mfu", "nan"),
        ("--price-per-gpu-hour", "-1"),
        ("--watts-per-gpu", "inf"),
    ] {
        refused(&["plan", "--params", "7.5e9", flag, value], 2, flag);
    }
    let (code, _, err) = outcome(&["plan", "--params", "7.5e9", "--mfu", "0.5"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("--mfu applies to the time estimate"), "{err}");
}

#[test]
fn memory_is_shown_on_the_gpus_asked_for() {
    let (code, out, err) = outcome(&["plan", "--params", "7.5e9", "--gpus", "64"]);
    assert_eq!(code, 0, "{err}");
    // ZeRO paper, Table 1: 7.5B parameters on 64 GPUs: 120, 31.4, 16.6 and 1.9 GB.
    for figure in [
        "per GPU on 64",
        "120.0 GB",
        "31.41 GB",
        "16.64 GB",
        "1.875 GB",
    ] {
        assert!(out.contains(figure), "{figure} missing: {out}");
    }
    assert!(!out.contains("/ G per GPU"), "{out}");
}

#[test]
fn absurd_thread_counts_are_capped() {
    let started = std::time::Instant::now();
    let (code, _, err) = outcome(&["--threads", "100000", "fit", SWEEP, "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("--threads 100000 is more than"), "{err}");
    // Not a speed claim: 100000 threads would not start at all on most machines.
    assert!(started.elapsed().as_secs() < 120);
    refused(
        &["--threads", "0", "plan", "--params", "1e9"],
        2,
        "--threads",
    );
}

#[test]
fn an_overflowing_standard_error_is_not_defined() {
    let e = scaling_laws::uncertainty::estimate(1.0, &[1e200, -1e200, 1e200], 0.95);
    assert_eq!(e.std_error, None);
    assert!(scaling_laws::finite::check_finite(&e, "estimate").is_ok());
}

/// A fixed parameter far from 1 prints in a form that keeps its magnitude: not a 301-digit
/// integer for B = 1e300, not 0.00000 for A = 1e-300.
#[test]
fn fitted_values_of_any_magnitude_print_with_their_exponent() {
    let sweep = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
    for (fix, shown) in [("B=1e300", "1.00000e300"), ("A=1e-300", "1.00000e-300")] {
        let out = crate::common::run(&["fit", sweep, "--fix", fix, "--starts", "5"]);
        let text = crate::common::stdout(&out);
        let name = &fix[..1];
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no line for {name}: {text}"));
        assert!(line.contains(shown) && line.len() < 60, "{fix}: {line}");
    }
}

/// A fit of the shipped sweep with 20 bootstrap draws, written into `dir`; its path.
fn saved_fit(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("f.json");
    let path = path.to_str().unwrap().to_string();
    let args = ["optimal", SWEEP, "-q", "--bootstrap", "20", "--out", &path];
    let (code, _, err) = outcome(&args);
    assert_eq!(code, 0, "{err}");
    path
}

#[test]
fn values_whose_results_overflow_are_refused_naming_their_flag() {
    let dir = temp_dir();
    let fit = saved_fit(&dir);
    let fit = fit.as_str();
    let cases: [(&[&str], &str); 6] = [
        (&["design", "--budget", "1e-300"], "--budget"),
        (&["design", "--fit", fit, "--budget", "1e-300"], "--budget"),
        (&["design", "--budget", "1e21", "--span", "1e300"], "--span"),
        (
            &[
                "design", "--fit", fit, "--budget", "1e21", "--span", "1e300",
            ],
            "--span",
        ),
        (
            &["optimal", "--fit", fit, "--unique-tokens", "1e-300"],
            "--unique-tokens",
        ),
        (&["simulate", "--budgets", "1e-300"], "--budgets"),
    ];
    for (args, flag) in cases {
        let err = refused(args, 2, flag);
        assert!(!err.contains("report it"), "{args:?}: {err}");
    }
    let (_, out, _) = outcome(&["simulate", "--budgets", "1e-300"]);
    assert!(out.is_empty(), "degenerate runs were written: {out}");
}

#[test]
fn a_total_compute_that_buys_no_run_is_refused_naming_the_flag() {
    let dir = temp_dir();
    let fit = saved_fit(&dir);
    let suggest = [
        "suggest",
        fit.as_str(),
        "--target-budget",
        "1e22",
        "--runs",
        "4",
    ];
    for total in ["nan", "inf", "0", "-1", "1"] {
        let args = [&suggest[..], &["--total-compute", total]].concat();
        let err = refused(&args, 2, "--total-compute");
        assert!(!err.contains("report it"), "{args:?}: {err}");
        if total == "1" {
            assert!(err.contains("too small for even one run"), "{err}");
        }
    }
    let args = [&suggest[..], &["--total-compute", "1e19"]].concat();
    let (code, out, err) = outcome(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("6.000e18"),
        "one run fits in 1e19 FLOPs: {out}"
    );
}

#[test]
fn messages_about_impossible_amounts_say_what_is_wrong() {
    let dir = temp_dir();
    let fit = saved_fit(&dir);
    let fit = fit.as_str();
    let suggest = ["suggest", fit, "--target-budget", "1e22", "--runs", "4"];
    for limit in ["inf", "nan"] {
        let args = [&suggest[..], &["--compute-limit", limit]].concat();
        let err = refused(&args, 2, "--compute-limit");
        assert!(!err.contains("below the smallest"), "{err}");
        assert!(err.contains("finite"), "{err}");
    }
    let dollars = [
        "optimal",
        "--fit",
        fit,
        "--gpu",
        "a100",
        "--price-per-gpu-hour",
        "2",
        "--dollars",
    ];
    let err = refused(&[&dollars[..], &["5e-324"]].concat(), 2, "--dollars");
    assert!(err.contains("too small to buy any compute"), "{err}");
    assert!(!err.contains("smaller amount"), "{err}");
}

#[test]
fn negative_numbers_are_values_of_their_flag_in_every_command() {
    let cases: [(&[&str], &str); 5] = [
        (&["design", "--budget", "-1"], "--budget"),
        (
            &["design", "--budget", "1e21", "--threads", "-1"],
            "--threads",
        ),
        (&["envelope", SWEEP, "--threads", "-1"], "--threads"),
        (
            &["chinchilla", "--out", "figs", "--bootstrap", "-1"],
            "--bootstrap",
        ),
        (
            &["simulate", "--sizes-per-budget", "-1"],
            "--sizes-per-budget",
        ),
    ];
    for (args, flag) in cases {
        let err = refused(args, 2, flag);
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
    }
}
