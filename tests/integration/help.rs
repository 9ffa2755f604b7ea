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
