//! Helpers shared by the integration tests.

use std::path::PathBuf;
use std::process::{Command, Output};

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
