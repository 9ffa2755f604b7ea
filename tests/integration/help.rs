//! The command line's own documentation: shell completions and the examples in `--help`.

use crate::common::{run, stderr, stdout};

#[test]
fn bash_completions_name_subcommands_and_their_flags() {
    let out = run(&["completions", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let script = stdout(&out);
    assert!(
        script.contains("complete -F _scaling__laws") && script.contains(" scaling-laws\n"),
        "the completion function is not registered for the command"
    );
    for word in [
        "optimal",
        "plot",
        "simulate",
        "completions",
        "--bootstrap",
        "--out",
    ] {
        assert!(script.contains(word), "the bash script lacks {word}");
    }
    // `optimal`'s own flags are completed in its own case.
    let optimal = script
        .split("scaling__subcmd__laws__subcmd__optimal)")
        .nth(1)
        .and_then(|case| case.split(";;").next())
        .expect("a case for `optimal`");
    assert!(
        optimal.contains("--budget"),
        "optimal's --budget is missing"
    );
}

#[test]
fn completions_for_every_shell_and_none_for_an_unknown_one() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains("optimal"), "{shell}: no subcommands");
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("tcsh"), "{}", stderr(&out));
}

/// Examples that download (the Chinchilla data into the cache): not run here; `fetch.rs` tests
/// downloading against a local server.
const DOWNLOADS: [&str; 2] = [
    "scaling-laws data fetch chinchilla",
    "scaling-laws chinchilla --out chinchilla-figures",
];

/// The subcommands in the order their examples run: `fit` and `optimal` write the saved fits
/// (`fit.json`, `fit-boot.json`) that later examples read.
const ORDER: [&str; 16] = [
    "fit",
    "optimal",
    "plot",
    "compare",
    "isoflop",
    "envelope",
    "design",
    "plan",
    "select",
    "simulate",
    "curve",
    "task",
    "suggest",
    "data",
    "chinchilla",
    "completions",
];

/// The subcommands `scaling-laws --help` lists.
fn subcommands() -> Vec<String> {
    let out = run(&["--help"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// The lines of the `Examples:` section of `scaling-laws SUB --help`.
fn examples(sub: &str) -> Vec<String> {
    let out = run(&[sub, "--help"]);
    assert!(out.status.success(), "{sub} --help: {}", stderr(&out));
    stdout(&out)
        .lines()
        .skip_while(|l| *l != "Examples:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_string())
        .collect()
}

/// Every subcommand's `--help` ends with two to four examples, and every example runs (exit 0)
/// in a fresh folder holding `data/`, writing the files it names.
#[test]
fn every_example_in_help_runs() {
    let mut listed = subcommands();
    listed.sort();
    let mut ordered = ORDER.map(str::to_string).to_vec();
    ordered.sort();
    assert_eq!(
        listed, ordered,
        "a subcommand without examples, or ORDER is stale"
    );

    let dir = crate::common::temp_dir();
    let repo_data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    std::os::unix::fs::symlink(&repo_data, dir.path().join("data")).unwrap();
    let chinchilla = crate::common::shared_data("chinchilla_epoch_svg_extracted.csv");
    if let Some(csv) = &chinchilla {
        std::os::unix::fs::symlink(csv, dir.path().join("svg_extracted_data.csv")).unwrap();
    }
    let olmo = crate::common::shared_data("olmo_ladder2024/curves");
    if let Some(curves) = &olmo {
        std::os::unix::fs::symlink(curves, dir.path().join("olmo_ladder")).unwrap();
    }
    let mut downloads_seen = Vec::new();
    let mut ran = 0;
    for sub in ORDER {
        let examples = examples(sub);
        assert!(
            (2..=4).contains(&examples.len()),
            "{sub} --help has {} examples",
            examples.len()
        );
        for example in examples {
            let command = example.split(" > ").next().unwrap_or(&example);
            let words: Vec<&str> = command.split_whitespace().collect();
            assert_eq!(&words[..2], ["scaling-laws", sub], "{example}");
            if DOWNLOADS.contains(&command) {
                downloads_seen.push(command.to_string());
                continue;
            }
            if command.contains("svg_extracted_data.csv") && chinchilla.is_none() {
                continue;
            }
            if command.contains("olmo_ladder/") && olmo.is_none() {
                continue;
            }
            let out = crate::common::bin()
                .args(&words[1..])
                .current_dir(dir.path())
                .env("SCALING_LAWS_CACHE", dir.path().join("cache"))
                .output()
                .unwrap();
            assert!(out.status.success(), "{example}: {}", stderr(&out));
            for flag in ["--out", "--plot"] {
                if let Some(at) = words.iter().position(|w| *w == flag) {
                    let written = dir.path().join(words[at + 1]);
                    assert!(
                        written.exists(),
                        "{example} did not write {}",
                        words[at + 1]
                    );
                }
            }
            ran += 1;
        }
    }
    assert_eq!(
        downloads_seen, DOWNLOADS,
        "the downloading examples changed"
    );
    assert!(ran >= 30, "only {ran} examples ran");
}

/// The lines of `help` from the line starting with `heading` to the next empty line.
fn section(help: &str, heading: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.trim().to_string())
        .collect()
}

/// The index of the first line of `help` starting with `start`.
fn line_of(help: &str, start: &str) -> usize {
    help.lines()
        .position(|l| l.trim_start().starts_with(start))
        .unwrap_or_else(|| panic!("no line starting with {start:?} in:\n{help}"))
}

/// `scaling-laws --help` lists the commands in the order of the work (fit, ask, draw, check,
/// the other approaches, planning, data and tools) and ends with a start that runs.
#[test]
fn top_level_help_lists_commands_in_workflow_order_and_starts_a_newcomer() {
    assert_eq!(
        subcommands(),
        [
            "fit",
            "optimal",
            "plot",
            "select",
            "isoflop",
            "envelope",
            "compare",
            "curve",
            "task",
            "plan",
            "design",
            "suggest",
            "simulate",
            "data",
            "chinchilla",
            "completions"
        ]
    );
    let out = run(&["--help"]);
    let help = stdout(&out);
    let examples = section(&help, "Examples (start here");
    assert_eq!(examples.len(), 3, "{help}");
    let dir = crate::common::temp_dir();
    let repo_data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    std::os::unix::fs::symlink(&repo_data, dir.path().join("data")).unwrap();
    for example in examples {
        let words: Vec<&str> = example.split_whitespace().collect();
        assert_eq!(words[0], "scaling-laws", "{example}");
        let out = crate::common::bin()
            .args(&words[1..])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{example}: {}", stderr(&out));
        let at = words.iter().position(|w| *w == "--out").expect("--out");
        assert!(dir.path().join(words[at + 1]).exists(), "{example}");
    }
}

/// `fit`'s report is not a table: its help offers text and JSON only, and clap refuses CSV as
/// bad usage before any work.
#[test]
fn fit_help_offers_only_the_formats_fit_writes() {
    let out = run(&["fit", "--help"]);
    let help = stdout(&out);
    let formats: Vec<&str> = help
        .lines()
        .skip(line_of(&help, "--format"))
        .take(7)
        .collect();
    let formats = formats.join("\n");
    assert!(
        formats.contains("- text:") && formats.contains("- json:"),
        "{formats}"
    );
    assert!(!formats.contains("csv"), "{formats}");

    let dir = crate::common::temp_dir();
    let saved = dir.path().join("fit.json");
    let saved_s = saved.to_str().unwrap();
    let out = run(&[
        "fit",
        "data/simulated_sweep.csv",
        "--format",
        "csv",
        "--out",
        saved_s,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("[possible values: text, json]"),
        "{}",
        stderr(&out)
    );
    assert!(!saved.exists(), "a refused run left a saved fit");
}

/// `optimal -h` asks its questions first: `--budget` comes before the options of the input and
/// of the fit.
#[test]
fn optimal_help_asks_its_questions_before_the_fit_options() {
    let out = run(&["optimal", "-h"]);
    let help = stdout(&out);
    let budget = line_of(&help, "--budget <FLOPS>");
    assert!(budget < 15, "--budget at line {}:\n{help}", budget + 1);
    let questions = line_of(&help, "Questions:");
    for heading in ["Input:", "Columns:", "Rows:", "Objective:", "Search:"] {
        assert!(
            questions < line_of(&help, heading),
            "{heading} before Questions:\n{help}"
        );
    }
}

/// `plot -h` shows the figure's options first, then where the fit comes from and how to fit.
#[test]
fn plot_help_shows_the_figure_options_before_the_fit_options() {
    let out = run(&["plot", "-h"]);
    let help = stdout(&out);
    let figures = line_of(&help, "Figures:");
    for heading in ["Input:", "Columns:", "Rows:", "Objective:", "Search:"] {
        assert!(
            figures < line_of(&help, heading),
            "{heading} before Figures:\n{help}"
        );
    }
}
