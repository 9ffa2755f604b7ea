//! Safe writes (issue 11): outputs never replace inputs or special files, a closed or full
//! standard output never panics, and a run killed while writing leaves the old or the new
//! output, never a part of one, and no temporary files after the next run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::common::{bin, run, stderr, temp_dir};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
const TEMP_PREFIX: &str = ".scaling-laws-tmp-";

/// A copy of the shipped sweep in `dir`, as `runs.csv`.
fn sweep_in(dir: &Path) -> PathBuf {
    let path = dir.join("runs.csv");
    std::fs::copy(SWEEP, &path).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Names of our temporary files and folders in `dir`.
fn temp_entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(TEMP_PREFIX))
        .collect()
}

#[test]
fn holdout_out_cannot_overwrite_input() {
    let dir = temp_dir();
    let csv = sweep_in(dir.path());
    let before = std::fs::read(&csv).unwrap();
    let out = run(&[
        "fit",
        s(&csv),
        "--holdout",
        "largest-compute",
        "5",
        "--out",
        s(&csv),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--out"), "{}", stderr(&out));
    assert!(stderr(&out).contains("the input file"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&csv).unwrap(), before);
}

#[test]
fn optimal_out_cannot_overwrite_the_data_of_its_fit() {
    let dir = temp_dir();
    let csv = sweep_in(dir.path());
    let before = std::fs::read(&csv).unwrap();
    // The fit records its data as "runs.csv", relative to the folder it was made in.
    let fitted = bin()
        .current_dir(dir.path())
        .args(["fit", "runs.csv", "--out", "fit.json", "--quiet"])
        .output()
        .unwrap();
    assert!(fitted.status.success(), "{}", stderr(&fitted));
    let elsewhere = temp_dir();
    for (cwd, fit, target) in [
        (dir.path(), "fit.json".to_string(), "runs.csv".to_string()),
        (
            elsewhere.path(),
            s(&dir.path().join("fit.json")).to_string(),
            s(&csv).to_string(),
        ),
    ] {
        let out = bin()
            .current_dir(cwd)
            .args(["optimal", "--fit", &fit, "--out", &target, "--quiet"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("the data file of fit"),
            "{}",
            stderr(&out)
        );
        assert_eq!(std::fs::read(&csv).unwrap(), before);
    }
    // Through a symbolic link or a hard link to the data, too.
    #[cfg(unix)]
    {
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&csv, &link).unwrap();
        let hard = dir.path().join("hard.csv");
        std::fs::hard_link(&csv, &hard).unwrap();
        for target in [&link, &hard] {
            let fit = dir.path().join("fit.json");
            let out = run(&["optimal", "--fit", s(&fit), "--out", s(target), "--quiet"]);
            assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        }
        assert_eq!(std::fs::read(&csv).unwrap(), before);
    }
}

#[cfg(unix)]
#[test]
fn out_never_replaces_a_special_file() {
    use std::os::unix::fs::FileTypeExt;
    let dir = temp_dir();
    let fifo = dir.path().join("pipe.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo makes a FIFO");
    let out = run(&["simulate", "--out", s(&fifo)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("FIFO"), "{}", stderr(&out));
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO is still there");
    let out = run(&["fit", SWEEP, "--out", "/dev/null", "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("character device"),
        "{}",
        stderr(&out)
    );
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // A folder given where a file is expected.
    let out = run(&["simulate", "--out", s(dir.path())]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("folder"), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn out_through_a_symlink_replaces_its_target_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    let target = dir.path().join("sweep.csv");
    std::fs::write(&target, "old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join("latest.csv");
    std::os::unix::fs::symlink("sweep.csv", &link).unwrap();
    let out = run(&["simulate", "--out", s(&link)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "the link stays a link");
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.starts_with("flops_budget,"), "{text}");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn plot_all_never_sweeps_away_other_files() {
    let dir = temp_dir();
    let figures = dir.path().join("figures");
    std::fs::create_dir(&figures).unwrap();
    std::fs::write(figures.join("notes.txt"), "mine").unwrap();
    let out = run(&["plot", "all", SWEEP, "--out", s(&figures), "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("notes.txt"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(figures.join("notes.txt")).unwrap(),
        "mine"
    );
}

/// Commands that write results to standard output, quick enough to run here.
fn stdout_commands(dir: &Path) -> Vec<Vec<String>> {
    let png = s(&dir.join("c.png")).to_string();
    let runs = [
        vec!["--help"],
        vec!["fit", "--help"],
        vec!["--version"],
        vec!["data", "list"],
        vec!["plan", "--params", "7e9", "--tokens", "1.4e11"],
        vec!["simulate"],
        vec!["fit", SWEEP, "--quiet"],
        vec!["fit", SWEEP, "--quiet", "--format", "json"],
        vec!["optimal", SWEEP, "--quiet", "--format", "csv"],
        vec!["isoflop", SWEEP, "--bootstrap", "10"],
        vec!["plot", "contours", SWEEP, "--quiet", "--out", &png],
    ];
    runs.into_iter()
        .map(|r| r.into_iter().map(String::from).collect())
        .collect()
}

#[test]
fn full_stdout_is_an_error_with_exit_1_in_every_command() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("SKIPPED: /dev/full is absent on this system");
        return;
    }
    let dir = temp_dir();
    for args in stdout_commands(dir.path()) {
        let out = bin()
            .args(&args)
            .stdout(std::fs::File::create(full).unwrap())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("standard output"), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("os error"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn closed_stdout_ends_quietly_with_exit_0_in_every_command() {
    let dir = temp_dir();
    for args in stdout_commands(dir.path()) {
        // A pipe whose reader is gone before the command starts: every write gets EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = bin()
            .args(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("error") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

/// A small seeded generator (xorshift64*): the kill moments are reproducible from the seed.
struct Moments(u64);

impl Moments {
    fn next_fraction(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A moment in a run of length `full`: half anywhere, half near the end, where the
    /// output is written.
    fn moment(&mut self, full: Duration) -> Duration {
        let u = self.next_fraction();
        let f = if self.next_fraction() < 0.5 {
            1.1 * u
        } else {
            0.75 + 0.35 * u
        };
        full.mul_f64(f)
    }
}

/// Every file of `path` (a file, or a folder of files) with its bytes; empty when absent.
/// A whole PDF (header to `%%EOF`) stands as its length: svg2pdf writes the entries of a
/// resource dictionary in the order of a randomly seeded hash map, so two runs of the same
/// command give PDFs of the same length whose bytes differ in order.
fn snapshot(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    if path.is_dir() {
        for e in std::fs::read_dir(path).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let mut bytes = std::fs::read(e.path()).unwrap();
            if name.ends_with(".pdf") {
                assert!(
                    bytes.starts_with(b"%PDF-") && bytes.ends_with(b"%%EOF"),
                    "{name}"
                );
                bytes = format!("a PDF of {} bytes", bytes.len()).into_bytes();
            }
            files.insert(name, bytes);
        }
    } else if path.exists() {
        files.insert(String::new(), std::fs::read(path).unwrap());
    }
    files
}

/// Run `args` to completion and return how long it took.
fn complete(cwd: &Path, args: &[String]) -> Duration {
    let start = Instant::now();
    let out = bin().current_dir(cwd).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    start.elapsed()
}

/// Kill `new` (SIGKILL) at seeded moments while it writes `target`, which holds the output of
/// `old`; after each kill `target` must be exactly the old or the new output, and after the next
/// complete run no temporary entry may remain.
fn kill_while_writing(name: &str, old: &[&str], new: &[&str], target: &str, cases: usize) {
    let seed = 0x05ca_11e5 ^ name.len() as u64;
    let mut moments = Moments(seed);
    let dir = temp_dir();
    sweep_in(dir.path());
    let owned = |a: &[&str]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let (old, new) = (owned(old), owned(new));
    let path = dir.path().join(target);
    let full_new = complete(dir.path(), &new);
    let new_files = snapshot(&path);
    let full = complete(dir.path(), &old).max(full_new);
    let old_files = snapshot(&path);
    assert!(
        old_files != new_files,
        "{name}: old and new outputs must differ"
    );
    let (mut saw_old, mut saw_new) = (0, 0);
    for case in 0..cases {
        let wait = moments.moment(full);
        let mut child = bin()
            .current_dir(dir.path())
            .args(&new)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(wait);
        let _ = child.kill();
        child.wait().unwrap();
        let now = snapshot(&path);
        assert!(
            now == old_files || now == new_files,
            "{name}: case {case} (seed {seed:#x}, killed after {wait:?}) left a partial or mixed output: {:?}",
            now.keys().collect::<Vec<_>>()
        );
        if now == new_files {
            saw_new += 1;
        } else {
            saw_old += 1;
        }
        // Back to the old output for the next case.
        complete(dir.path(), &old);
    }
    complete(dir.path(), &new);
    let parent = path.parent().unwrap();
    assert!(
        temp_entries(parent).is_empty() && temp_entries(dir.path()).is_empty(),
        "{name}: temporary files left after the next run: {:?}",
        temp_entries(parent)
    );
    eprintln!(
        "{name}: {cases} kills (seed {seed:#x}): {saw_old} left the old output, {saw_new} the new"
    );
}

/// Kill cases per command: 2 by default, more with SCALING_LAWS_KILL_CASES.
fn kill_cases() -> usize {
    std::env::var("SCALING_LAWS_KILL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
}

#[test]
fn fit_out_killed_while_writing_leaves_old_or_new() {
    kill_while_writing(
        "fit --out",
        &[
            "fit", "runs.csv", "--loss", "mse", "--out", "fit.json", "-q",
        ],
        &["fit", "runs.csv", "--out", "fit.json", "-q"],
        "fit.json",
        kill_cases(),
    );
}

#[test]
fn plot_all_killed_while_writing_leaves_old_or_new_set() {
    let args = |width: &'static str| {
        // Small figures, in inches: quick to draw.
        let small = ["--width", width, "--height", "1", "-q"];
        let mut a = vec!["plot", "all", "runs.csv", "--out", "figures"];
        a.extend_from_slice(&small);
        a
    };
    kill_while_writing(
        "plot all --out",
        &args("1.4"),
        &args("1.33"),
        "figures",
        kill_cases(),
    );
}

#[test]
fn simulate_out_killed_while_writing_leaves_old_or_new() {
    let args = |seed: &'static str| {
        vec![
            "simulate",
            "--sizes-per-budget",
            "5000",
            "--seed",
            seed,
            "--out",
            "big.csv",
        ]
    };
    kill_while_writing(
        "simulate --out",
        &args("1"),
        &args("2"),
        "big.csv",
        kill_cases(),
    );
}
