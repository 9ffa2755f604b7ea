//! Failures found by this suite, each replayed as a test of its own: the command that failed
//! must now end, within the suite's time limit, as a command-line user expects.

use std::path::Path;

use super::cli::TIMEOUT;
use super::{STDERR_LIMIT, SWEEP};
use crate::common::{Run, run_with_timeout};

/// Run `args` (with `INPUT` replaced by `input`) in `dir`, failing on a hang.
fn run_in(dir: &Path, input: &Path, args: &[&str]) -> Run {
    let args: Vec<String> = args
        .iter()
        .map(|a| match *a {
            "INPUT" => input.to_string_lossy().into_owned(),
            other => other.to_string(),
        })
        .collect();
    let run = run_with_timeout(&args, dir, TIMEOUT);
    assert!(
        !run.timed_out,
        "scaling-laws {} did not end within {TIMEOUT:?}",
        args.join(" ")
    );
    run
}

fn stderr(run: &Run) -> String {
    String::from_utf8_lossy(&run.stderr).into_owned()
}

/// The shipped sweep with the token count of its fourth run replaced by `tokens`.
fn sweep_with_tokens(tokens: &str) -> String {
    let text = std::fs::read_to_string(SWEEP).expect("the shipped sweep");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "n_tokens")
        .expect("the sweep has n_tokens");
    let mut cells: Vec<String> = lines[4].split(',').map(str::to_string).collect();
    cells[column] = tokens.to_string();
    lines[4] = cells.join(",");
    lines.join("\n") + "\n"
}

/// `plot residuals` never ended when one run had 1.7e308 tokens: the token axis, padded by a
/// tenth of a decade, ended at infinity and its tick loop ran over every `i32`
/// (src/plot/axes.rs). A value just above the largest double (1.8e308) is refused as infinite.
#[test]
fn plot_residuals_ends_with_a_run_near_the_largest_double() {
    let dir = crate::common::temp_dir();
    let input = dir.path().join("runs.csv");
    std::fs::write(&input, sweep_with_tokens("1.7e308")).unwrap();
    let args = [
        "--threads",
        "1",
        "plot",
        "residuals",
        "INPUT",
        "--starts",
        "3",
        "--quiet",
        "--out",
        "figure.png",
    ];
    let run = run_in(dir.path(), &input, &args);
    assert_eq!(run.code, Some(0), "{}", stderr(&run));
    let png = std::fs::read(dir.path().join("figure.png")).expect("the figure is written");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");

    std::fs::write(&input, sweep_with_tokens("1.8e308")).unwrap();
    std::fs::remove_file(dir.path().join("figure.png")).unwrap();
    let run = run_in(dir.path(), &input, &args);
    assert_eq!(run.code, Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("'1.8e308'"), "{}", stderr(&run));
    assert!(!dir.path().join("figure.png").exists());
}

/// A CR-only file of 2,268 rows was once read as one header of about 11,000 names, and loading
/// a header that wide took minutes: polars' frame was taken apart one column at a time by name
/// (its schema rebuilt each time), and duplicate names were sought pairwise (src/data/).
#[test]
fn a_header_of_20000_columns_is_read_and_reported_briefly() {
    const COLUMNS: usize = 20_000;
    let dir = crate::common::temp_dir();
    let input = dir.path().join("wide.csv");
    let names: Vec<String> = (0..COLUMNS)
        .map(|i| {
            if i == 0 {
                "loss".into()
            } else {
                format!("x{i}")
            }
        })
        .collect();
    let row: Vec<String> = (0..COLUMNS)
        .map(|i| format!("{}", 1.0 + i as f64))
        .collect();
    let text = format!(
        "{}\n{}\n{}\n",
        names.join(","),
        row.join(","),
        row.join(",")
    );
    std::fs::write(&input, text).unwrap();
    let run = run_in(dir.path(), &input, &["fit", "INPUT", "--quiet"]);
    let err = stderr(&run);
    assert_eq!(run.code, Some(2), "{err}");
    assert!(err.contains("no parameters (N) column"), "{err}");
    assert!(err.contains("and 19970 more"), "{err}");
    assert!(
        run.stderr.len() <= STDERR_LIMIT,
        "{} bytes",
        run.stderr.len()
    );

    // The same header with carriage returns alone as line endings.
    let cr_only = std::fs::read_to_string(&input).unwrap().replace('\n', "\r");
    std::fs::write(&input, cr_only).unwrap();
    let run = run_in(dir.path(), &input, &["fit", "INPUT", "--quiet"]);
    let err = stderr(&run);
    assert_eq!(run.code, Some(2), "{err}");
    assert!(err.contains("no parameters (N) column"), "{err}");
    assert!(
        run.stderr.len() <= STDERR_LIMIT,
        "{} bytes",
        run.stderr.len()
    );
}

/// The documentation of `Format::from_path` promised `.tsv`, which the loader refuses; it now
/// says so, and the refusal names the file and what to do.
#[test]
fn a_tab_separated_file_is_refused_with_advice() {
    let dir = crate::common::temp_dir();
    let input = dir.path().join("runs.tsv");
    let tsv = std::fs::read_to_string(SWEEP).unwrap().replace(',', "\t");
    std::fs::write(&input, tsv).unwrap();
    let run = run_in(dir.path(), &input, &["fit", "INPUT", "--quiet"]);
    let err = stderr(&run);
    assert_eq!(run.code, Some(2), "{err}");
    assert!(err.contains("runs.tsv is tab-separated"), "{err}");
    assert!(err.contains("save it as comma-separated"), "{err}");
}

/// A Parquet file with damaged metadata (case 844 of the default seed: seven bytes of a
/// simulated sweep replaced) made polars' thrift decoder panic. The loader caught the panic,
/// but the panic hook still printed its report (and with `RUST_BACKTRACE=1` a backtrace of
/// 7 KB) before the tool's own error.
#[test]
fn a_parquet_file_with_damaged_metadata_is_refused_without_a_panic_report() {
    let case = super::mutate::make_case(super::DEFAULT_SEED, 844);
    assert_eq!(case.ext, "parquet", "{}", case.describe());
    let dir = crate::common::temp_dir();
    let input = dir.path().join("runs.parquet");
    std::fs::write(&input, &case.bytes).unwrap();
    let run = run_in(dir.path(), &input, &["fit", "INPUT", "--quiet"]);
    let err = stderr(&run);
    assert_eq!(run.code, Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("runs.parquet"), "{err}");
    assert!(
        run.stderr.len() <= 1024,
        "{} bytes: {err}",
        run.stderr.len()
    );
}

/// Every loss at 1e308 (case 1413 of the default seed) fits B = 1e308 and warned that "the
/// coefficient ran off to infinity": the word reads as a non-finite result in JSON and CSV.
#[test]
fn a_coefficient_without_bound_is_reported_in_finite_words() {
    let text = std::fs::read_to_string(SWEEP).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let loss = header.split(',').position(|h| h == "loss").unwrap();
    let mut csv = format!("{header}\n");
    for line in lines {
        let mut cells: Vec<&str> = line.split(',').collect();
        cells[loss] = "1e308";
        csv += &(cells.join(",") + "\n");
    }
    let dir = crate::common::temp_dir();
    let input = dir.path().join("runs.csv");
    std::fs::write(&input, csv).unwrap();
    let args = [
        "--threads",
        "1",
        "fit",
        "INPUT",
        "--holdout",
        "largest-compute",
        "5",
        "--format",
        "json",
        "--quiet",
        "--starts",
        "3",
    ];
    let run = run_in(dir.path(), &input, &args);
    let out = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.code, Some(0), "{}", stderr(&run));
    assert_eq!(super::non_finite(&out), None);
    assert!(out.contains("grew without bound"), "{out}");
}

/// The shipped sweep with every cell of its `flops` column set to `value`.
fn sweep_with_flops(value: &str) -> String {
    let text = std::fs::read_to_string(SWEEP).expect("the shipped sweep");
    let mut lines = text.lines();
    let header = lines.next().expect("a header").to_string();
    let column = header
        .split(',')
        .position(|h| h == "flops")
        .expect("the sweep has flops");
    let mut out = header.clone() + "\n";
    for line in lines {
        let mut cells: Vec<&str> = line.split(',').collect();
        cells[column] = value;
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// A compute column of 1e-300 everywhere (cases 2376 and 2826 of the default seed at 5000
/// cases): the unit check suggested `--flops-scale inf`, and the extrapolation warning printed
/// "(inf×)". Both now say it in finite words.
#[test]
fn a_compute_column_of_tiny_values_is_described_in_finite_words() {
    let dir = crate::common::temp_dir();
    let input = dir.path().join("runs.csv");
    std::fs::write(&input, sweep_with_flops("1e-300")).unwrap();
    let fit = run_in(
        dir.path(),
        &input,
        &[
            "fit", "INPUT", "--quiet", "--starts", "3", "--format", "json",
        ],
    );
    let out = String::from_utf8_lossy(&fit.stdout).into_owned();
    assert_eq!(fit.code, Some(0), "{}", stderr(&fit));
    assert_eq!(super::non_finite(&out), None, "{out}");
    assert!(out.contains("not a compute column in any unit"), "{out}");
    let optimal = run_in(
        dir.path(),
        &input,
        &[
            "optimal",
            "INPUT",
            "--quiet",
            "--starts",
            "3",
            "--assess",
            "7e10,1.4e12",
        ],
    );
    let text = String::from_utf8_lossy(&optimal.stdout).into_owned() + &stderr(&optimal);
    assert_eq!(optimal.code, Some(0), "{text}");
    assert_eq!(super::non_finite(&text), None, "{text}");
}

/// `fit` of a sweep whose fourth run has 1e-308 tokens named that run in its compute-column
/// warning as "inf times 6·N·D" (the ratio C / (6·N·D) is beyond the range of a double): the
/// ratio is now written as a power of ten, and nothing printed is infinite.
#[test]
fn a_compute_ratio_beyond_the_doubles_is_written_as_a_power_of_ten() {
    let dir = crate::common::temp_dir();
    let input = dir.path().join("runs.csv");
    std::fs::write(&input, sweep_with_tokens("1e-308")).unwrap();
    let args = [
        "--threads",
        "1",
        "fit",
        "INPUT",
        "--quiet",
        "--starts",
        "3",
        "--format",
        "json",
    ];
    let run = run_in(dir.path(), &input, &args);
    assert_eq!(run.code, Some(0), "{}", stderr(&run));
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(!out.contains("inf"), "{out}");
    assert!(out.contains("1e318 times 6·N·D"), "{out}");
}
