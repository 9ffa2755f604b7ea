//! Law families on the command line and in saved fits (issue 12): `--law`, `simulate --truth`,
//! and fits saved before there were families.

use scaling_laws::law::ChinchillaLaw;
use scaling_laws::saved::SavedFit;

use crate::common::{rel_diff, run, stderr, stdout, temp_dir};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
/// A fit saved before laws had families: no `family`, no `config.law`, five fixed values.
const LEGACY_FIT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/fit_legacy_warnings.json"
);
/// Recovery from noise-free simulated runs.
const RECOVERY_RTOL: f64 = 1e-6;

#[test]
fn an_old_fit_file_loads_as_chinchilla() {
    let saved = SavedFit::load(std::path::Path::new(LEGACY_FIT)).unwrap();
    let fitted = &saved.report.fitted;
    assert!(fitted.family.is_chinchilla());
    assert!(fitted.config.law.is_chinchilla() && fitted.config.params.law().is_chinchilla());
    let names: Vec<&str> = fitted.law.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["E", "A", "B", "alpha", "beta"]);
    // The values as written, and the same law from theta.
    assert_eq!(fitted.law.get("E"), Some(1.7083416703735792));
    let law = fitted.chinchilla().unwrap();
    assert!(rel_diff(law.irreducible, 1.7083416703735792) < 1e-15);
    assert!(rel_diff(law.alpha, 0.34463899097535244) < 1e-15);
    assert!(rel_diff(fitted.params_exponent.unwrap(), law.params_exponent()) < 1e-15);
    // Saved again, it names its family and loads to the same fit.
    let dir = temp_dir();
    let again = dir.path().join("again.json");
    saved.save(&again).unwrap();
    let text = std::fs::read_to_string(&again).unwrap();
    assert!(text.contains("\"family\": \"chinchilla\""), "{text}");
    assert_eq!(SavedFit::load(&again).unwrap().report, saved.report);
    // And answers come from it as before.
    let out = run(&[
        "optimal", "--fit", LEGACY_FIT, "--budget", "1e22", "--format", "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["family"], "chinchilla");
    assert!(
        v["answers"]["budgets"][0]["n_params"]["value"]
            .as_f64()
            .unwrap()
            > 1e9
    );
}

#[test]
fn a_fit_file_of_the_wrong_length_is_refused() {
    let text = std::fs::read_to_string(LEGACY_FIT).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["report"]["fitted"]["theta"] = serde_json::json!([1.0, 2.0, 3.0]);
    let dir = temp_dir();
    let path = dir.path().join("edited.json");
    std::fs::write(&path, v.to_string()).unwrap();
    let err = SavedFit::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("report.fitted.theta has 3 values") && err.contains("5 parameters"),
        "{err}"
    );
    v["report"]["fitted"]["family"] = serde_json::json!("gpt");
    std::fs::write(&path, v.to_string()).unwrap();
    let err = SavedFit::load(&path).unwrap_err().to_string();
    assert!(err.contains("unknown law 'gpt'"), "{err}");
}

#[test]
fn an_unknown_law_is_refused_listing_the_families() {
    for args in [
        vec!["fit", SWEEP, "--law", "gpt"],
        vec!["optimal", SWEEP, "--law", "gpt", "--budget", "1e22"],
        vec!["simulate", "--law", "gpt"],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("invalid --law")
                && err.contains("unknown law 'gpt'; use one of chinchilla"),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty());
    }
    // Constraints of the chosen law: names from its parameter list.
    let out = run(&["fit", SWEEP, "--law", "chinchilla", "--fix", "gamma=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "unknown parameter 'gamma' of the chinchilla law; use one of E, A, B, alpha, beta"
        ),
        "{}",
        stderr(&out)
    );
}

/// `simulate` with `args`, its CSV output.
fn simulate(args: &[&str]) -> String {
    let mut all = vec!["simulate"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn simulate_truth_round_trips_through_a_fit() {
    let truth = "E=2.2,A=1200,B=90,alpha=0.45,beta=0.22";
    let csv = simulate(&["--law", "chinchilla", "--truth", truth, "--noise", "0"]);
    let dir = temp_dir();
    let path = crate::common::write_file(&dir, "runs.csv", &csv);
    let out = run(&[
        "fit",
        &path,
        "--law",
        "chinchilla",
        "--format",
        "json",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["report"]["fitted"]["family"], "chinchilla");
    let law = &v["report"]["fitted"]["law"];
    for (name, want) in [
        ("E", 2.2),
        ("A", 1200.0),
        ("B", 90.0),
        ("alpha", 0.45),
        ("beta", 0.22),
    ] {
        let got = law[name].as_f64().unwrap();
        assert!(rel_diff(got, want) < RECOVERY_RTOL, "{name} = {got}");
    }
}

#[test]
fn simulate_truth_defaults_and_the_old_spelling() {
    let h = ChinchillaLaw::HOFFMANN_2022;
    let full = format!(
        "E={},A={},B={},alpha=0.3,beta={}",
        h.irreducible, h.param_coef, h.data_coef, h.beta
    );
    // Parameters left out take Hoffmann et al.'s values.
    assert_eq!(
        simulate(&["--truth", "alpha=0.3"]),
        simulate(&["--truth", &full])
    );
    assert_eq!(simulate(&[]), simulate(&["--law", "chinchilla"]));
    // The old `--law VALUES` still works, with a note.
    let out = run(&["simulate", "--law", &full]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("deprecated; write --truth"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), simulate(&["--truth", &full]));
    for (args, says) in [
        (vec!["--truth", "gamma=1"], "unknown parameter 'gamma'"),
        (vec!["--truth", "alpha=-1"], "out of range"),
        (vec!["--truth", "alpha=0.3,alpha=0.4"], "given twice"),
        (
            vec!["--law", &full, "--truth", "alpha=0.3"],
            "--law names the family",
        ),
    ] {
        let mut all = vec!["simulate"];
        all.extend_from_slice(&args);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}
