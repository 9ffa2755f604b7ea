//! The examples in `README.md` and `docs/*.md` are what the program prints.
//!
//! Every fenced block whose first line starts with `$ ` is a session: each `$ scaling-laws ...`
//! line (continued by a trailing `\`) is run, and the lines after it, up to the next `$ ` line,
//! are its output, standard output and standard error as a terminal shows them. A line holding
//! only `...` (indented or not) stands for any number of lines left out (an abridged block is compared on the
//! lines it shows). Commands expect to succeed, unless their output shows an `error:` line.
//!
//! The blocks of one file run in order in one fresh folder holding a copy of `data/`, so later
//! blocks can read files that earlier ones wrote (`--out fit.json`). `../shared/data` (the
//! published datasets) is reachable as in the checkout, and `svg_extracted_data.csv` is its copy
//! of Epoch AI's Chinchilla points; blocks that use them are skipped without that folder
//! (failed under `CI`).
//!
//! `UPDATE_README_BLOCKS=1 cargo test --locked --test integration doc_blocks` rewrites the blocks
//! in place from the program's output instead of failing (abridged blocks keep their shape:
//! each run of shown lines is replaced by the lines of the output it best matches); review the
//! change with `git diff`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Set to rewrite the blocks from the program's output instead of comparing.
const UPDATE_VAR: &str = "UPDATE_README_BLOCKS";

/// A line of expected output that stands for any number of lines.
const ELISION: &str = "...";

/// One `$ command` of a block and the output shown under it.
#[derive(Debug)]
struct Example {
    /// The line of the `$` in the file, counted from 1.
    line: usize,
    /// The command as written, continuation lines joined.
    command: String,
    /// Index in the file's lines of the first output line, and the shown lines.
    output_start: usize,
    expected: Vec<String>,
}

/// The sessions of a Markdown file, in order.
fn examples(text: &str) -> Vec<Example> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_start();
        if !fence.starts_with("```") {
            i += 1;
            continue;
        }
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_start().starts_with("```"))
            .unwrap_or_else(|| panic!("an unclosed block at line {}", i + 1));
        if lines.get(i + 1).is_some_and(|l| l.starts_with("$ ")) {
            found.extend(session(&lines, i + 1, end));
        }
        i = end + 1;
    }
    found
}

/// The examples of the block whose lines are `lines[start..end]`.
fn session(lines: &[&str], start: usize, end: usize) -> Vec<Example> {
    let mut found: Vec<Example> = Vec::new();
    let mut j = start;
    while j < end {
        if let Some(first) = lines[j].strip_prefix("$ ") {
            let line = j + 1;
            let mut command = first.trim_end().to_string();
            while command.ends_with('\\') && j + 1 < end {
                command.pop();
                command.truncate(command.trim_end().len());
                j += 1;
                command.push(' ');
                command.push_str(lines[j].trim());
            }
            found.push(Example {
                line,
                command,
                output_start: j + 1,
                expected: Vec::new(),
            });
        } else if let Some(last) = found.last_mut() {
            last.expected.push(lines[j].to_string());
        }
        j += 1;
    }
    found
}

/// Split a command line into words as a POSIX shell would (quotes and backslashes only).
///
/// # Panics
/// On shell syntax beyond that (pipes, redirections, substitutions), which the blocks avoid.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                w.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                w.extend(chars.by_ref().take_while(|&c| c != '"'));
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            '|' | '>' | '<' | ';' | '&' | '$' | '`' | '*' | '(' | ')' => {
                panic!("`{command}`: blocks of output run plain commands, without `{c}`")
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// What the program printed: standard output and standard error in the order written, the
/// lines' trailing spaces and the trailing empty lines dropped.
fn run(args: &[String], dir: &Path) -> (bool, Vec<String>) {
    let mut merged = tempfile::tempfile().expect("a temporary file");
    let status = crate::common::bin()
        .args(args)
        .current_dir(dir)
        .env("SCALING_LAWS_CACHE", dir.join("cache"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(merged.try_clone().unwrap())
        .stderr(merged.try_clone().unwrap())
        .status()
        .expect("the scaling-laws binary runs");
    use std::io::{Read, Seek};
    let mut text = String::new();
    merged.rewind().unwrap();
    merged.read_to_string(&mut text).expect("UTF-8 output");
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    (status.success(), lines)
}

/// The shown lines, split at the elision lines; `None` segments mark an elision.
fn segments(expected: &[String]) -> Vec<Option<Vec<String>>> {
    let mut out: Vec<Option<Vec<String>>> = Vec::new();
    for line in expected {
        let line = line.trim_end();
        if line.trim() == ELISION {
            out.push(None);
        } else if let Some(Some(seg)) = out.last_mut() {
            seg.push(line.to_string());
        } else {
            out.push(Some(vec![line.to_string()]));
        }
    }
    while let Some(Some(seg)) = out.last_mut() {
        if seg.last().is_some_and(|l| l.is_empty()) {
            seg.pop();
        } else {
            break;
        }
    }
    out
}

/// Whether `actual` is the shown output, each elision standing for any number of lines.
fn matches(expected: &[String], actual: &[String]) -> bool {
    compare(expected, actual).is_ok()
}

/// `Ok` when `actual` is the shown output, each elision standing for any number of lines;
/// otherwise where they part.
fn compare(expected: &[String], actual: &[String]) -> Result<(), String> {
    let segs = segments(expected);
    let mut at = 0;
    let mut free = false;
    let count = segs.len();
    for (k, seg) in segs.iter().enumerate() {
        let Some(seg) = seg else {
            free = true;
            continue;
        };
        let fits = |p: usize| actual.get(p..p + seg.len()) == Some(seg.as_slice());
        let last = k + 1 == count;
        let found = match (free, last) {
            (false, _) => fits(at).then_some(at),
            (true, true) => actual
                .len()
                .checked_sub(seg.len())
                .filter(|&p| p >= at && fits(p)),
            (true, false) => (at..=actual.len().saturating_sub(seg.len())).find(|&p| fits(p)),
        };
        let Some(p) = found else {
            return Err(parting(seg, actual, at, free));
        };
        at = p + seg.len();
        free = false;
    }
    match actual.get(at) {
        Some(more) if !free => Err(format!(
            "the output goes on after the block's last line (mark left-out lines with `...`): `{more}`"
        )),
        _ => Ok(()),
    }
}

/// Why the shown lines `seg`, expected at line `at` of `actual` (or anywhere after it when
/// `free`), are not there.
fn parting(seg: &[String], actual: &[String], at: usize, free: bool) -> String {
    let rest = actual.get(at..).unwrap_or_default();
    if free {
        let found = (0..rest.len()).find(|&p| rest[p..].starts_with(seg));
        return match found.and_then(|p| rest.get(p + seg.len())) {
            Some(more) => format!(
                "the output goes on after the block's last line (mark left-out lines with `...`): `{more}`"
            ),
            None => format!(
                "the shown lines from `{}` are not in the output, in order",
                seg[0]
            ),
        };
    }
    let same = seg.iter().zip(rest).take_while(|(s, a)| s == a).count();
    format!(
        "output line {} differs:\n  shown:   `{}`\n  printed: `{}`",
        at + same + 1,
        seg.get(same).map_or("(nothing)", String::as_str),
        rest.get(same).map_or("(nothing)", String::as_str)
    )
}

/// The shown output rewritten from `actual`: whole when nothing was left out, else each run of
/// shown lines replaced by the lines of `actual` it best matches, in order (the first run
/// reaching back to the first line, and the last to the last line, unless an elision is there).
fn regenerate(expected: &[String], actual: &[String]) -> Vec<String> {
    let segs = segments(expected);
    if !segs.iter().any(Option::is_none) {
        return actual.to_vec();
    }
    let similarity =
        |a: &str, b: &str| a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let mut elisions = expected.iter().filter(|l| l.trim() == ELISION);
    let mut out = Vec::new();
    let mut at = 0;
    for (k, seg) in segs.iter().enumerate() {
        let Some(seg) = seg else {
            out.extend(elisions.next().cloned());
            continue;
        };
        let last_start = actual.len().saturating_sub(seg.len()).max(at);
        let best = (at..=last_start)
            .max_by_key(|&p| {
                let score: usize = seg
                    .iter()
                    .zip(actual.get(p..).unwrap_or_default())
                    .map(|(s, a)| similarity(s, a))
                    .sum();
                (score, std::cmp::Reverse(p))
            })
            .unwrap_or(at);
        let start = if k == 0 { 0 } else { best.min(actual.len()) };
        let end = if k + 1 == segs.len() {
            actual.len()
        } else {
            (best + seg.len()).min(actual.len())
        };
        out.extend(actual[start.min(end)..end].iter().cloned());
        at = end;
    }
    out
}

/// The files of published data a command needs, if any.
fn needs_shared_data(command: &str) -> bool {
    command.contains("../shared/data") || command.contains("svg_extracted_data.csv")
}

/// A fresh folder like a checkout's root: a copy of `data/`'s files, `../shared/data` beside it
/// and the Chinchilla points as `svg_extracted_data.csv`. Returns the guard and the folder.
fn workspace() -> (tempfile::TempDir, PathBuf, bool) {
    let root = crate::common::temp_dir();
    let work = root.path().join("scaling-laws");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(work.join("data")).unwrap();
    for entry in std::fs::read_dir(repo.join("data")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, work.join("data").join(path.file_name().unwrap())).unwrap();
        }
    }
    let shared = repo.join("..").join("shared").join("data");
    let have_shared = shared.is_dir();
    if have_shared {
        std::fs::create_dir_all(root.path().join("shared")).unwrap();
        std::os::unix::fs::symlink(&shared, root.path().join("shared").join("data")).unwrap();
        std::os::unix::fs::symlink(
            shared.join("chinchilla_epoch_svg_extracted.csv"),
            work.join("svg_extracted_data.csv"),
        )
        .unwrap();
    }
    (root, work, have_shared)
}

/// Run every session of `file` (relative to the checkout) and compare, or rewrite the file.
fn check_file(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    let examples = examples(&text);
    assert!(!examples.is_empty(), "{file} shows no output to check");
    let update = std::env::var_os(UPDATE_VAR).is_some();
    let (_guard, dir, have_shared) = workspace();
    let mut failures = Vec::new();
    let mut rewrites: Vec<(usize, usize, Vec<String>)> = Vec::new();
    for ex in &examples {
        let args = words(&ex.command);
        assert_eq!(
            args.first().map(String::as_str),
            Some("scaling-laws"),
            "{file}:{}: blocks of output run scaling-laws only",
            ex.line
        );
        if needs_shared_data(&ex.command) && !have_shared {
            // Panics under CI; otherwise says SKIPPED.
            crate::common::shared_data("chinchilla_epoch_svg_extracted.csv");
            continue;
        }
        let (ok, actual) = run(&args[1..], &dir);
        let expect_error = ex.expected.iter().any(|l| l.starts_with("error:"));
        if ok == expect_error {
            failures.push(format!(
                "{file}:{}: `{}` {} (exit status), printing:\n{}",
                ex.line,
                ex.command,
                if ok {
                    "succeeded, but the block shows an error"
                } else {
                    "failed"
                },
                actual.join("\n")
            ));
            continue;
        }
        if matches(&ex.expected, &actual) {
            continue;
        }
        if update {
            let new = regenerate(&ex.expected, &actual);
            if matches(&new, &actual) {
                rewrites.push((ex.output_start, ex.expected.len(), new));
                continue;
            }
            failures.push(format!(
                "{file}:{}: could not rewrite the abridged block of `{}`; edit it by hand",
                ex.line, ex.command
            ));
        }
        failures.push(format!(
            "{file}:{}: the output of `{}` is not the block's.\n{}",
            ex.line,
            ex.command,
            difference(&ex.expected, &actual)
        ));
    }
    if update && !rewrites.is_empty() {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for (start, len, new) in rewrites.iter().rev() {
            lines.splice(*start..*start + *len, new.iter().cloned());
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        eprintln!(
            "{file}: rewrote {} block(s) from the program's output",
            rewrites.len()
        );
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the program is right, rewrite the blocks from its output with\n  \
         {UPDATE_VAR}=1 cargo test --locked --test integration doc_blocks\nand review `git diff`.",
        failures.join("\n\n")
    );
}

/// Where the shown and printed lines part, then both in full.
fn difference(expected: &[String], actual: &[String]) -> String {
    let why = compare(expected, actual).err().unwrap_or_default();
    format!(
        "{why}\n--- shown ('...' lines stand for any lines)\n{}\n--- printed\n{}",
        expected.join("\n"),
        actual.join("\n")
    )
}

/// The Markdown files whose blocks are checked, each by a test of its own below (so that they
/// run in parallel).
const FILES: [&str; 11] = [
    "README.md",
    "docs/input.md",
    "docs/fit.md",
    "docs/optimal.md",
    "docs/plan.md",
    "docs/approaches.md",
    "docs/laws.md",
    "docs/cases.md",
    "docs/curves.md",
    "docs/suggest.md",
    "docs/tasks.md",
];

#[test]
fn every_page_that_shows_output_is_checked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec!["README.md".to_string()];
    for entry in std::fs::read_dir(root.join("docs")).expect("the docs folder") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            pages.push(format!("docs/{name}"));
        }
    }
    pages.sort();
    let mut showing: Vec<String> = pages
        .into_iter()
        .filter(|page| !examples(&std::fs::read_to_string(root.join(page)).unwrap()).is_empty())
        .collect();
    showing.sort();
    let mut listed = FILES.map(str::to_string).to_vec();
    listed.sort();
    assert_eq!(
        showing, listed,
        "the pages that show output and FILES in tests/integration/doc_blocks.rs differ"
    );
}

#[test]
fn readme_blocks() {
    check_file("README.md");
}

#[test]
fn docs_tasks_blocks() {
    check_file("docs/tasks.md");
}

#[test]
fn docs_curves_blocks() {
    check_file("docs/curves.md");
}

#[test]
fn docs_input_blocks() {
    check_file("docs/input.md");
}

#[test]
fn docs_fit_blocks() {
    check_file("docs/fit.md");
}

#[test]
fn docs_optimal_blocks() {
    check_file("docs/optimal.md");
}

#[test]
fn docs_plan_blocks() {
    check_file("docs/plan.md");
}

#[test]
fn docs_approaches_blocks() {
    check_file("docs/approaches.md");
}

#[test]
fn docs_laws_blocks() {
    check_file("docs/laws.md");
}

#[test]
fn docs_suggest_blocks() {
    check_file("docs/suggest.md");
}

#[test]
fn docs_cases_blocks() {
    check_file("docs/cases.md");
}

#[test]
fn sessions_are_parsed_into_commands_and_output() {
    let text = "text\n```text\n$ scaling-laws fit a.csv \\\n    --where 'x = 1'\nout 1\n\n...\nout 2\n$ scaling-laws plan\n```\n```sh\nnot run\n```\n";
    let found = examples(text);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].line, 3);
    assert_eq!(
        words(&found[0].command),
        ["scaling-laws", "fit", "a.csv", "--where", "x = 1"]
    );
    assert_eq!(found[0].expected, ["out 1", "", "...", "out 2"]);
    assert_eq!(found[0].output_start, 4);
    assert!(found[1].expected.is_empty());
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

#[test]
fn a_changed_line_fails_and_an_elision_skips_only_what_it_marks() {
    let printed = lines("head\na\nb\nc\ntail");
    assert!(matches(&lines("head\na\nb\nc\ntail"), &printed));
    assert!(!matches(&lines("head\na\nB\nc\ntail"), &printed));
    assert!(!matches(&lines("head\na\nb\nc"), &printed));
    assert!(matches(&lines("head\n...\ntail"), &printed));
    assert!(matches(&lines("head\n...\nb\n...\ntail"), &printed));
    assert!(matches(&lines("...\nc\ntail"), &printed));
    assert!(matches(&lines("head\na\n..."), &printed));
    assert!(!matches(&lines("head\n...\nx\n...\ntail"), &printed));
    assert!(!matches(&lines("head\n...\nc"), &printed));
    assert!(!matches(&lines("a\n...\ntail"), &printed));
    assert!(!matches(&lines("head\n...\nc\nb\n...\ntail"), &printed));
}

#[test]
fn regenerating_keeps_the_shape_of_an_abridged_block() {
    let printed = lines("head 2\na\nb 2\nc\ntail 2");
    assert_eq!(
        regenerate(&lines("head 1\n...\nb 1\n...\ntail 1"), &printed),
        lines("head 2\n...\nb 2\n...\ntail 2")
    );
    assert_eq!(regenerate(&lines("x\ny"), &printed), printed);
    assert_eq!(
        regenerate(&lines("head 1\n    ...\ntail 1"), &printed),
        lines("head 2\n    ...\ntail 2")
    );
    // Lines added after the last shown line, or before the first, are taken in.
    assert_eq!(
        regenerate(&lines("a\n...\nc"), &printed),
        lines("head 2\na\n...\nc\ntail 2")
    );
}
