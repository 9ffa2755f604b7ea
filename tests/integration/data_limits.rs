//! Issue 14 item 4: `optimal --unique-tokens U` (N, D and epochs with the data-constrained
//! law; a warning with the others), and issue 12: `simulate --law data-constrained --epochs`.

use scaling_laws::law::DataConstrainedLaw;
use scaling_laws::law::data_constrained::allocate_with_unique_tokens;
use serde_json::Value;

use crate::common::{rel_diff, run, stderr, stdout, temp_dir, write_file};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");

/// The published base of Muennighoff et al., for --fix.
const BASE: &str =
    "E=1.8691436784054858,A=520.8249516599187,B=1487.716093782861,alpha=0.3526596,beta=0.3526596";

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// Runs drawn without noise from the published data-constrained law.
fn data_constrained_runs() -> String {
    let law = DataConstrainedLaw::MUENNIGHOFF_2023;
    let mut text = String::from("n_params,n_tokens,unique_tokens,loss\n");
    for n in [1e7, 1e8, 1e9, 1e10] {
        for u in [1e9, 1e10, 1e11] {
            for epochs in [1.0, 4.0, 16.0, 64.0] {
                let d = u * epochs;
                text.push_str(&format!("{n},{d},{u},{}\n", law.loss(n, d, u)));
            }
        }
    }
    text
}

#[test]
fn unique_tokens_with_the_data_constrained_law_give_n_d_and_epochs() {
    let dir = temp_dir();
    let path = write_file(&dir, "runs.csv", &data_constrained_runs());
    let base = [
        "optimal",
        &path,
        "--law",
        "data-constrained",
        "--fix",
        BASE,
        "--budget",
        "1e22",
        "--budget",
        "1e21",
        "--unique-tokens",
        "25e9",
        "--quiet",
    ];
    let v = json(&[&base[..], &["--format", "json"]].concat());
    let got = v["data_limit"]["allocations"].as_array().unwrap();
    assert_eq!(got.len(), 2);
    let theta = DataConstrainedLaw::MUENNIGHOFF_2023.theta();
    for (g, c) in got.iter().zip([1e22, 1e21]) {
        let want = allocate_with_unique_tokens(&theta, c, 25e9, 6.0).unwrap();
        for (key, w) in [
            ("n_params", want.n_params),
            ("n_tokens", want.n_tokens),
            ("epochs", want.epochs),
        ] {
            let x = g[key]["value"].as_f64().unwrap();
            assert!(rel_diff(x, w) < 1e-4, "{key} at {c}: {x} vs {w}");
        }
    }
    // The datablations README: 1e22 FLOPs on 25B unique tokens, 9.5 epochs.
    assert!((got[0]["epochs"]["value"].as_f64().unwrap() - 9.49).abs() < 0.1);
    assert_eq!(v["data_limit"]["repetition"]["source"], "fitted");
    let out = run(&[&base[..], &["--format", "csv"]].concat());
    let csv = stdout(&out);
    assert!(csv.contains("data_limit,1e22;2.5e10,epochs,9.4"), "{csv}");
    let out = run(&[&base[..], &["--format", "text"]].concat());
    assert!(stdout(&out).contains("unique tokens"), "{}", stdout(&out));
}

#[test]
fn unique_tokens_with_another_law_warn_for_each_budget_beyond_them() {
    let v = json(&[
        "optimal",
        SWEEP,
        "--budget",
        "1e19",
        "--budget",
        "1e22",
        "--unique-tokens",
        "1e11",
        "--format",
        "json",
        "--quiet",
    ]);
    let d_star = v["answers"]["budgets"][1]["n_tokens"]["value"]
        .as_f64()
        .unwrap();
    assert!(d_star > 1e11, "{d_star}");
    assert!(
        v["answers"]["budgets"][0]["n_tokens"]["value"]
            .as_f64()
            .unwrap()
            < 1e11
    );
    let limits: Vec<&Value> = v["answers"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "data_limit")
        .collect();
    assert_eq!(limits.len(), 1, "{limits:?}");
    let message = limits[0]["message"].as_str().unwrap();
    let epochs = format!("{:.2} epochs", d_star / 1e11);
    assert!(
        message.contains("1.000e22") && message.contains(&epochs),
        "{message}"
    );
    assert!(
        limits[0]["action"]
            .as_str()
            .unwrap()
            .contains("--law data-constrained")
    );
    // The Chinchilla fit also answers, with the published decay of repeated data on its base.
    let limit = &v["data_limit"];
    assert_eq!(limit["repetition"]["source"], "published");
    let published = DataConstrainedLaw::MUENNIGHOFF_2023;
    assert_eq!(
        limit["repetition"]["tokens_decay"].as_f64().unwrap(),
        published.tokens_decay
    );
    let allocations = limit["allocations"].as_array().unwrap();
    assert_eq!(allocations.len(), 2);
    let p = |name: &str| v["law"][name].as_f64().unwrap();
    let theta = DataConstrainedLaw {
        base: scaling_laws::law::ChinchillaLaw {
            irreducible: p("E"),
            param_coef: p("A"),
            data_coef: p("B"),
            alpha: p("alpha"),
            beta: p("beta"),
        },
        ..published
    }
    .theta();
    let want = allocate_with_unique_tokens(&theta, 1e22, 1e11, 6.0).unwrap();
    let got = &allocations[1];
    assert!(rel_diff(got["n_params"]["value"].as_f64().unwrap(), want.n_params) < 1e-9);
    assert!(
        want.epochs > 1.0 && want.loss > want.fresh_data_loss,
        "{want:?}"
    );
    // Below the limit the answer is the fresh-data one: less than one epoch.
    assert!(allocations[0]["epochs"]["value"].as_f64().unwrap() < 1.0);
    let out = run(&["optimal", SWEEP, "--unique-tokens", "0", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--unique-tokens"), "{}", stderr(&out));
}

#[test]
fn simulate_with_epochs_round_trips_through_fit_data_constrained() {
    let dir = temp_dir();
    let path = dir.path().join("repeated.csv");
    let path = path.to_str().unwrap();
    let out = run(&[
        "simulate",
        "--law",
        "data-constrained",
        "--epochs",
        "1,4,16,64",
        "--noise",
        "0",
        "--out",
        path,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(path).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let (d, u) = (
        header.iter().position(|c| *c == "n_tokens").unwrap(),
        header.iter().position(|c| *c == "unique_tokens").unwrap(),
    );
    let ratios: Vec<f64> = text
        .lines()
        .skip(1)
        .take(4)
        .map(|l| {
            let v: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
            v[d] / v[u]
        })
        .collect();
    for (r, e) in ratios.iter().zip([1.0, 4.0, 16.0, 64.0]) {
        assert!(rel_diff(*r, e) < 1e-12, "{ratios:?}");
    }
    assert_eq!(text.lines().count() - 1, 9 * 12 * 4);
    let v = json(&[
        "fit",
        path,
        "--law",
        "data-constrained",
        "--format",
        "json",
        "--quiet",
    ]);
    let law = &v["report"]["fitted"]["law"];
    let truth = DataConstrainedLaw::MUENNIGHOFF_2023;
    for (name, want) in [
        ("R_D_star", truth.tokens_decay),
        ("R_N_star", truth.params_decay),
        ("alpha", truth.base.alpha),
        ("E", truth.base.irreducible),
    ] {
        let got = law[name].as_f64().unwrap();
        assert!(rel_diff(got, want) < 1e-6, "{name} = {got}, truth {want}");
    }
    let out = run(&["simulate", "--epochs", "1,4"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--epochs"), "{}", stderr(&out));
    let out = run(&["simulate", "--law", "data-constrained", "--epochs", "0.5"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn data_limited_answers_have_bootstrap_intervals_and_kaplan_gives_none() {
    let v = json(&[
        "optimal",
        SWEEP,
        "--budget",
        "1e22",
        "--unique-tokens",
        "1e11",
        "--bootstrap",
        "40",
        "--seed",
        "3",
        "--format",
        "json",
        "--quiet",
    ]);
    let a = &v["data_limit"]["allocations"][0];
    for key in ["n_params", "n_tokens", "epochs", "loss"] {
        let e = &a[key];
        let (lo, x, hi) = (
            e["lower"].as_f64().unwrap(),
            e["value"].as_f64().unwrap(),
            e["upper"].as_f64().unwrap(),
        );
        assert!(lo < x && x < hi, "{key}: {lo} {x} {hi}");
    }
    let out = run(&[
        "optimal",
        SWEEP,
        "--budget",
        "1e22",
        "--unique-tokens",
        "1e11",
        "--bootstrap",
        "40",
        "--format",
        "csv",
        "--quiet",
    ]);
    let csv = stdout(&out);
    let row = csv
        .lines()
        .find(|l| l.starts_with("data_limit,1e22;1e11,epochs,"))
        .unwrap();
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells.len(), 8, "{row}");
    assert!(
        cells[5].parse::<f64>().unwrap() < cells[6].parse::<f64>().unwrap(),
        "{row}"
    );
    let v = json(&[
        "optimal",
        SWEEP,
        "--law",
        "kaplan",
        "--budget",
        "1e22",
        "--unique-tokens",
        "1e9",
        "--format",
        "json",
        "--quiet",
    ]);
    assert!(v.get("data_limit").is_none());
}
