//! Driving the built binary: one command per case (mostly `fit`, a sample of `optimal`,
//! `isoflop` and `plot`), in a fresh folder holding only the mutated input.

use std::time::Duration;

use rand::RngExt;
use rand::seq::IndexedRandom;

use super::mutate::{Case, case_rng};
use super::{Failure, Kind, STDERR_LIMIT, non_finite};
use crate::common::run_with_timeout;

/// A command that has not ended after this long has hung.
pub const TIMEOUT: Duration = Duration::from_secs(120);
/// Names our temporary files start with (src/output/temp.rs).
const TEMP_PREFIX: &str = ".scaling-laws-";

/// The command of case `index`: arguments with `INPUT` for the input file, and the output files
/// it names (relative to its folder).
pub fn command(seed: u64, index: usize) -> (Vec<String>, Vec<String>) {
    let mut rng = case_rng(seed, index, 1);
    let pick = |rng: &mut rand_chacha::ChaCha8Rng, xs: &[&str]| xs.choose(rng).unwrap().to_string();
    let fit_opts = ["--quiet", "--starts", "3"];
    let mut args: Vec<String> = vec!["--threads".into(), "1".into()];
    let mut outs = Vec::new();
    let push = |xs: &[&str], args: &mut Vec<String>| args.extend(xs.iter().map(|s| s.to_string()));
    match rng.random_range(0..10) {
        0..=4 => {
            push(&["fit", "INPUT"], &mut args);
            push(&fit_opts, &mut args);
            args.extend(["--format".into(), pick(&mut rng, &["text", "json", "csv"])]);
            if rng.random_bool(0.5) {
                outs.push("fit.json".to_string());
            }
        }
        5 => {
            push(
                &[
                    "fit",
                    "INPUT",
                    "--holdout",
                    "largest-compute",
                    "5",
                    "--format",
                    "json",
                ],
                &mut args,
            );
            push(&fit_opts, &mut args);
        }
        6 | 7 => {
            push(&["optimal", "INPUT"], &mut args);
            push(&fit_opts, &mut args);
            let question = pick(
                &mut rng,
                &[
                    "--budget 1e21",
                    "--budgets 1e18:1e24 --format csv",
                    "--assess 7e10,1.4e12",
                    "--assess 7e10,1.4e12 --format json",
                    "--assess 1e60,1e80",
                    "--assess 1e308,1e308",
                    "--target-loss 2.5",
                    "--params 1e9 --format csv",
                    "--budget 1e21 --bootstrap 8 --format json",
                ],
            );
            args.extend(question.split(' ').map(str::to_string));
            if rng.random_bool(0.3) {
                outs.push("optimal.json".to_string());
            }
        }
        8 => {
            push(
                &["isoflop", "INPUT", "--bootstrap", "20", "--format"],
                &mut args,
            );
            args.push(pick(&mut rng, &["text", "json", "csv"]));
        }
        _ => {
            let kind = pick(&mut rng, &["residuals", "contours", "isoflop"]);
            let file = format!("figure.{}", pick(&mut rng, &["svg", "png"]));
            args.extend(["plot".into(), kind, "INPUT".into()]);
            push(&fit_opts, &mut args);
            outs.push(file);
        }
    }
    for out in &outs {
        args.extend(["--out".into(), out.clone()]);
    }
    (args, outs)
}

/// The command line to replay case `index` on a saved copy of its input.
pub fn replay_line(seed: u64, index: usize, input: &str) -> String {
    let (args, _) = command(seed, index);
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if a == "INPUT" {
                input.to_string()
            } else {
                a.clone()
            }
        })
        .map(|a| {
            if a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.,:/=+".contains(c))
            {
                a
            } else {
                format!("'{a}'")
            }
        })
        .collect();
    format!("scaling-laws {}", quoted.join(" "))
}

/// Run case `case` through the binary; the failures found.
pub fn check(case: &Case) -> Vec<Failure> {
    let dir = crate::common::temp_dir();
    let input = dir.path().join(format!("runs.{}", case.ext));
    std::fs::write(&input, &case.bytes).expect("write the fuzz input");
    let (args, outs) = command(case.seed, case.index);
    let args: Vec<String> = args
        .into_iter()
        .map(|a| {
            if a == "INPUT" {
                input.to_string_lossy().into_owned()
            } else {
                a
            }
        })
        .collect();
    let run = run_with_timeout(&args, dir.path(), TIMEOUT);
    let mut failures = Vec::new();
    let mut fail = |kind, detail: String| failures.push(Failure::new(kind, detail));
    let err_head = || {
        let text = String::from_utf8_lossy(&run.stderr);
        let start = text.find("panicked at").unwrap_or(0);
        text[start..].chars().take(300).collect::<String>()
    };
    match run.code {
        _ if run.timed_out => fail(Kind::Timeout, format!("no exit after {TIMEOUT:?}")),
        Some(0..=2) => {}
        Some(101) => fail(Kind::Panic, err_head()),
        Some(code) => fail(Kind::Abort, format!("exit code {code}: {}", err_head())),
        None => fail(
            Kind::Abort,
            format!("killed by signal {:?}: {}", run.signal, err_head()),
        ),
    }
    if run.stderr.len() > STDERR_LIMIT {
        let head: String = String::from_utf8_lossy(&run.stderr)
            .chars()
            .take(160)
            .collect();
        fail(
            Kind::OversizeMessage,
            format!("{} bytes on stderr: {head:?}", run.stderr.len()),
        );
    }
    if run.code == Some(0) {
        if let Some(s) = non_finite(&String::from_utf8_lossy(&run.stdout)) {
            fail(Kind::NonFinite, format!("stdout: …{s}…"));
        }
        for out in outs.iter().filter(|o| !o.ends_with(".png")) {
            match std::fs::read(dir.path().join(out)) {
                Ok(bytes) => {
                    if let Some(s) = non_finite(&String::from_utf8_lossy(&bytes)) {
                        fail(Kind::NonFinite, format!("{out}: …{s}…"));
                    }
                }
                Err(e) => fail(Kind::Leftover, format!("exit 0 but {out} unreadable: {e}")),
            }
        }
    }
    if std::fs::read(&input).ok().as_deref() != Some(&case.bytes[..]) {
        fail(Kind::InputModified, "the input file changed".to_string());
    }
    for entry in std::fs::read_dir(dir.path()).expect("list the case folder") {
        let name = entry
            .expect("a folder entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.starts_with(TEMP_PREFIX) && !run.timed_out {
            // A killed run may leave its temporary file; the next run removes it.
            fail(Kind::Leftover, format!("temporary file {name} left"));
        } else if run.code != Some(0) && outs.contains(&name) {
            fail(
                Kind::Leftover,
                format!("{name} written by a run that failed"),
            );
        }
    }
    failures
}
