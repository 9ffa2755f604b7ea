//! Helpers shared by the integration tests.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The built command-line tool.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
}

/// Run the tool with `args`.
pub fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .output()
        .expect("the scaling-laws binary runs")
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A file of the published datasets in `../shared/data` beside the checkout.
///
/// Returns `None` (and says so) when the folder is absent on a developer machine; panics when
/// the `CI` variable is set, so CI cannot pass without running the test.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join("data")
        .join(relative);
    if path.exists() {
        return Some(path);
    }
    let msg = format!(
        "published data file {} is absent; this test needs ../shared/data beside the checkout",
        path.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg} (CI is set, so this is a failure, not a skip)");
    }
    eprintln!("SKIPPED: {msg}");
    None
}

/// A temporary folder for a test's files.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// Write `text` to `name` inside `dir` and return the path as a string.
pub fn write_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write test file");
    path.to_string_lossy().into_owned()
}

/// Relative difference `|x/y - 1|`.
pub fn rel_diff(x: f64, y: f64) -> f64 {
    (x / y - 1.0).abs()
}

/// How a run of the binary ended.
pub struct Run {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Run the binary with `args` in `dir`, with nothing on standard input, killed after `timeout`.
pub fn run_with_timeout<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    dir: &Path,
    timeout: Duration,
) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the scaling-laws binary starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the binary") {
            break status;
        }
        if start.elapsed() > timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("reap the killed binary");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    use std::os::unix::process::ExitStatusExt;
    Run {
        code: status.code(),
        signal: status.signal(),
        timed_out,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// `data/simulated_sweep.csv` with its first decade (the 12 runs at 6e18) replaced by 8
/// repeats of one model, written into `dir`: a rolling-origin fold fitted to that decade alone
/// cannot tell A and alpha from E, and fails; the folds predicting 1e20 and 1e21 (36 and 24
/// runs) fit as before.
pub fn sweep_with_an_unidentifiable_first_decade(dir: &tempfile::TempDir) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/simulated_sweep.csv"
    ))
    .unwrap();
    let mut lines = text.lines();
    let mut csv = format!("{}\n", lines.next().unwrap());
    for k in 0..8 {
        let loss = 3.1008 * (1.0 + 0.002 * (f64::from(k) - 3.5));
        csv.push_str(&format!("6e+18,96590370,10352998958.38,6e+18,{loss}\n"));
    }
    for line in lines.filter(|l| !l.starts_with("6e+18")) {
        csv.push_str(line);
        csv.push('\n');
    }
    write_file(dir, "repeats.csv", &csv)
}
