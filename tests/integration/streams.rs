//! Standard streams are inputs and outputs: an output file is never standard input when the
//! runs are read from it, never the file standard output or standard error goes to, and `-`
//! or `/dev/stdout` is not a file name for `--out`.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::process::{Output, Stdio};

use super::common::{bin, temp_dir};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");

/// Run the tool in `dir` with `args`, standard input read from `stdin` (or nothing) and
/// standard output appended to `stdout` (or captured).
fn run_with(dir: &Path, args: &[&str], stdin: Option<&Path>, stdout: Option<&Path>) -> Output {
    let mut cmd = bin();
    cmd.args(args).current_dir(dir);
    cmd.stdin(match stdin {
        Some(path) => Stdio::from(File::open(path).unwrap()),
        None => Stdio::null(),
    });
    if let Some(path) = stdout {
        let file = OpenOptions::new().append(true).open(path).unwrap();
        cmd.stdout(Stdio::from(file));
    }
    cmd.output().expect("the scaling-laws binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The run was refused as bad usage, naming `flag`.
fn assert_refused(out: &Output, flag: &str, args: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(flag), "{args:?}: {err}");
    assert!(err.lines().count() <= 2, "{args:?}: {err}");
}

#[test]
fn an_output_that_is_standard_input_is_refused_when_the_runs_are_read_from_it() {
    let dir = temp_dir();
    let data = dir.path().join("runs.csv");
    std::fs::copy(SWEEP, &data).unwrap();
    // CSV under an image's name, so that --plot accepts the name and reaches the check.
    let as_image = dir.path().join("runs.svg");
    std::fs::copy(SWEEP, &as_image).unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink("runs.csv", &link).unwrap();
    let before = std::fs::read(SWEEP).unwrap();
    let cases: [(&[&str], &Path, &str); 7] = [
        (&["fit", "-", "-q", "--out", "runs.csv"], &data, "--out"),
        (&["fit", "-", "-q", "--out", "link.csv"], &data, "--out"),
        (&["fit", "-", "-q", "--out", "/dev/stdin"], &data, "--out"),
        (
            &["fit", "-", "-q", "--out", "/proc/self/fd/0"],
            &data,
            "--out",
        ),
        (&["optimal", "-", "-q", "--out", "runs.csv"], &data, "--out"),
        (&["isoflop", "-", "--plot", "runs.svg"], &as_image, "--plot"),
        (
            &["select", "-", "-q", "--plot", "runs.svg"],
            &as_image,
            "--plot",
        ),
    ];
    for (args, stdin, flag) in cases {
        let out = run_with(dir.path(), args, Some(stdin), None);
        assert_refused(&out, flag, args);
        assert!(stderr(&out).contains("standard input"), "{}", stderr(&out));
        assert_eq!(std::fs::read(stdin).unwrap(), before, "{args:?}");
    }
}

#[test]
fn standard_input_that_is_not_read_may_be_the_output() {
    let dir = temp_dir();
    let data = dir.path().join("runs.csv");
    std::fs::copy(SWEEP, &data).unwrap();
    let fit = dir.path().join("fit.json");
    std::fs::write(&fit, "old").unwrap();
    let out = run_with(
        dir.path(),
        &["fit", "runs.csv", "-q", "--out", "fit.json"],
        Some(&fit),
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&fit)
            .unwrap()
            .contains("scaling-laws-fit")
    );
}

#[test]
fn an_output_that_is_standard_output_or_error_is_refused_and_the_log_kept() {
    let dir = temp_dir();
    std::fs::copy(SWEEP, dir.path().join("runs.csv")).unwrap();
    // Named as an image, so that --plot accepts the name and reaches the check.
    let log = dir.path().join("log.svg");
    let cases: [&[&str]; 9] = [
        &["fit", "runs.csv", "-q", "--out", "log.svg"],
        &["fit", "runs.csv", "-q", "--out", "/dev/stdout"],
        &["fit", "runs.csv", "-q", "--out", "/dev/fd/1"],
        &["fit", "runs.csv", "-q", "--out", "/proc/self/fd/1"],
        &["fit", "runs.csv", "-q", "--out", "/dev/stderr"],
        &["design", "--budget", "1e21", "--out", "/dev/stdout"],
        &["design", "--budget", "1e21", "--out", "log.svg"],
        &["simulate", "--out", "/dev/stdout"],
        &["isoflop", "runs.csv", "--plot", "log.svg"],
    ];
    for args in cases {
        std::fs::write(&log, "earlier lines\n").unwrap();
        let out = run_with(dir.path(), args, None, Some(&log));
        assert_refused(
            &out,
            if args[0] == "isoflop" {
                "--plot"
            } else {
                "--out"
            },
            args,
        );
        assert!(stderr(&out).contains("standard "), "{}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "earlier lines\n");
    }
}

#[test]
fn a_folder_of_figures_holding_standard_output_is_refused() {
    let dir = temp_dir();
    let fit = dir.path().join("fit.json");
    let made = run_with(
        dir.path(),
        &["fit", SWEEP, "-q", "--out", fit.to_str().unwrap()],
        None,
        None,
    );
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let figs = dir.path().join("figs");
    std::fs::create_dir(&figs).unwrap();
    let log = figs.join("summary.txt");
    std::fs::write(&log, "earlier lines\n").unwrap();
    let args = ["plot", "all", "--fit", "fit.json", "-q", "--out", "figs"];
    let out = run_with(dir.path(), &args, None, Some(&log));
    assert_refused(&out, "--out", &args);
    assert!(stderr(&out).contains("standard output"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "earlier lines\n");
}

#[test]
fn dash_is_not_a_file_name_for_out_in_any_command() {
    let dir = temp_dir();
    std::fs::copy(SWEEP, dir.path().join("runs.csv")).unwrap();
    let made = run_with(
        dir.path(),
        &["fit", "runs.csv", "-q", "--out", "fit.json"],
        None,
        None,
    );
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let cases: [&[&str]; 6] = [
        &["fit", "runs.csv", "-q", "--out", "-"],
        &["optimal", "runs.csv", "-q", "--out", "-"],
        &["design", "--budget", "1e21", "--out", "-"],
        &["simulate", "--out", "-"],
        &["plot", "all", "--fit", "fit.json", "-q", "--out", "-"],
        &["plot", "contours", "--fit", "fit.json", "-q", "--out", "-"],
    ];
    for args in cases {
        let out = run_with(dir.path(), args, None, None);
        assert_refused(&out, "--out", args);
        assert!(stderr(&out).contains("standard output"), "{}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            !dir.path().join("-").exists(),
            "{args:?} wrote a file named -"
        );
    }
}
