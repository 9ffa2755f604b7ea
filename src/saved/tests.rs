//! Fit files read back: a valid file loads and answers; a damaged one is refused naming the
//! field, and no mutation of a valid file makes reading or answering from it panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::OnceLock;

use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use super::*;
use crate::answer::optimal::QuestionOptions;
use crate::data::LoadOptions;
use crate::fit::FitConfig;
use crate::uncertainty::{BootstrapConfig, PredictiveModel};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
/// Seed of the mutations; a failure names it with the case.
const MUTATION_SEED: u64 = 20_251_207;
/// Mutated files read and answered from (a few seconds in all).
const MUTATION_CASES: usize = 300;
/// Bootstrap draws in the valid file.
const DRAWS: usize = 20;
/// Longest message a refusal gives: it names a field and a value, no more.
const MESSAGE_LIMIT: usize = 4096;

/// A fit of the shipped sweep with [`DRAWS`] bootstrap draws, as a fit file's text.
fn valid_fit() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let data = crate::data::load(SWEEP, &LoadOptions::default()).unwrap();
        let report = crate::fit::fit_dataset(&data, &FitConfig::default(), &|| {}).unwrap();
        let config = BootstrapConfig {
            n_resamples: DRAWS,
            ..BootstrapConfig::default()
        };
        let draws =
            crate::uncertainty::bootstrap(&data.observations(), &report.fitted, &config, &|| {})
                .unwrap();
        let mut saved = SavedFit::new(report, Provenance::of(&data, None));
        saved.bootstrap = Some(draws);
        serde_json::to_string_pretty(&saved).unwrap()
    })
}

/// What `optimal --fit m.json --budget 1e22 --assess 7e10,1.4e12` and `--bootstrap 2` do with
/// the file: read it, reload its runs, answer from it and its draws, bootstrap it again, and
/// render it.
fn read_and_answer(text: &str) -> Result<(), Error> {
    let saved = SavedFit::from_json(text, "m.json")?;
    let data = saved.reload_data(Path::new("m.json"))?;
    let questions = QuestionOptions {
        budget: vec![1e22],
        assess: vec![(7e10, 1.4e12)],
        level: 0.95,
        ..QuestionOptions::default()
    }
    .questions(saved.provenance.flops_per_param_token)?;
    let fitted = &saved.report.fitted;
    let obs = data.observations();
    let model = PredictiveModel::new(&obs, fitted, questions.level);
    crate::answer::optimal::answer_with(
        fitted,
        saved.bootstrap.as_ref(),
        Some(&model),
        &questions,
    )?;
    let again = BootstrapConfig {
        n_resamples: 2,
        grid_starts: 1,
        pool_size: 4,
        ..saved
            .bootstrap
            .as_ref()
            .map_or_else(Default::default, |d| d.config)
    };
    crate::uncertainty::bootstrap(&obs, fitted, &again, &|| {})?;
    crate::report::fit_text(&saved, &mut Vec::new()).map_err(|e| Error::write("text", e))
}

fn refusal(fit: &Value) -> String {
    match SavedFit::from_json(&fit.to_string(), "m.json") {
        Err(Error::FitFile { message, .. }) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn valid_value() -> Value {
    serde_json::from_str(valid_fit()).unwrap()
}

#[test]
fn a_valid_fit_file_loads_answers_and_reads_back_the_same() {
    read_and_answer(valid_fit()).unwrap();
    let saved = SavedFit::from_json(valid_fit(), "m.json").unwrap();
    let again = serde_json::to_string_pretty(&saved).unwrap();
    assert_eq!(again, valid_fit());
}

#[test]
fn every_list_is_as_long_as_what_it_lists() {
    let mut fit = valid_value();
    fit["bootstrap"]["objective"].as_array_mut().unwrap().pop();
    assert_eq!(
        refusal(&fit),
        "bootstrap.objective has 19 entries but bootstrap.theta has 20 rows; refit with this \
         version"
    );
    let mut fit = valid_value();
    fit["bootstrap"]["theta"][4].as_array_mut().unwrap().pop();
    let message = refusal(&fit);
    assert!(
        message.starts_with("malformed at bootstrap (theta: row 4 has 4 values but row 0 has 5"),
        "{message}"
    );
    let mut fit = valid_value();
    fit["report"]["fitted"]["residuals"]
        .as_array_mut()
        .unwrap()
        .pop();
    assert!(
        refusal(&fit)
            .starts_with("report.fitted.residuals has 107 entries but report.fitted.n_runs is 108")
    );
    let mut fit = valid_value();
    fit["provenance"]["rows"].as_array_mut().unwrap().pop();
    assert!(refusal(&fit).starts_with("provenance.rows has 107 entries"));
    let mut fit = valid_value();
    fit["report"]["fitted"]["config"]["params"]["fixed"] = json!([null, null, null]);
    assert!(refusal(&fit).starts_with("report.fitted.config.params: 3 fixed values"));
    let mut fit = valid_value();
    fit["report"]["diagnostics"]["best_start"] = json!([0.0]);
    assert!(refusal(&fit).starts_with("report.diagnostics.best_start has 1 values"));
}

#[test]
fn every_number_lies_in_its_range() {
    let cases: [(&[&str], Value, &str); 8] = [
        (
            &["provenance", "flops_per_param_token"],
            json!(0.0),
            "provenance.flops_per_param_token is 0",
        ),
        (
            &["report", "fitted", "config", "loss", "delta"],
            json!(-1e-3),
            "report.fitted.config.loss.delta is -0.001",
        ),
        (
            &["report", "fitted", "config", "solver", "memory"],
            json!(1u64 << 60),
            "report.fitted.config.solver.memory is 1152921504606846976",
        ),
        (
            &["report", "fitted", "config", "selection", "count"],
            json!(0),
            "report.fitted.config.selection.count is 0",
        ),
        (
            &["report", "fitted", "theta", "0"],
            json!(800.0),
            "report.fitted.theta[0] is 800",
        ),
        (
            &["report", "fitted", "objective"],
            json!(-1.0),
            "report.fitted.objective is -1",
        ),
        (
            &["bootstrap", "config", "n_resamples"],
            json!(1),
            "bootstrap.config.n_resamples is 1",
        ),
        (
            &["provenance", "source", "sha256"],
            json!("abc"),
            "provenance.source.sha256 is not a SHA-256",
        ),
    ];
    for (at, value, needle) in cases {
        let mut fit = valid_value();
        let mut node = &mut fit;
        for key in at {
            node = match key.parse::<usize>() {
                Ok(i) => &mut node[i],
                Err(_) => &mut node[*key],
            };
        }
        *node = value;
        let message = refusal(&fit);
        assert!(message.starts_with(needle), "{at:?}: {message}");
    }
}

#[test]
fn a_number_that_is_not_one_is_refused_naming_its_field() {
    let mut fit = valid_value();
    fit["report"]["fitted"]["config"]["params"]["fixed"][2] = json!("NaN");
    let message = refusal(&fit);
    assert!(
        message.starts_with("malformed at report.fitted.config.params.fixed[2] (invalid type"),
        "{message}"
    );
    // A value inside an enum tagged by a field is read with the whole object: its path.
    let mut fit = valid_value();
    fit["report"]["fitted"]["config"]["loss"]["delta"] = json!("NaN");
    let message = refusal(&fit);
    assert!(
        message.starts_with("malformed at report.fitted.config.loss (invalid type"),
        "{message}"
    );
    let mut fit = valid_value();
    fit["bootstrap"]["theta"][3][1] = Value::Null;
    let message = refusal(&fit);
    assert!(
        message.starts_with("bootstrap.theta[3][1] is NaN, not a finite number"),
        "{message}"
    );
    let mut fit = valid_value();
    fit["provenance"].as_object_mut().unwrap().remove("rows");
    let message = refusal(&fit);
    assert!(
        message.starts_with("malformed at provenance (missing field `rows`"),
        "{message}"
    );
}

#[test]
fn reloading_a_fit_that_held_runs_out_gives_the_runs_it_was_fitted_to() {
    let data = crate::data::load(SWEEP, &LoadOptions::default()).unwrap();
    let rule = crate::check::holdout::HoldoutRule::LargestCompute(10);
    let (report, train, check) =
        crate::check::holdout::holdout(&data, &FitConfig::default(), rule, 0.95).unwrap();
    assert!(train.len() < data.len());
    let mut saved = SavedFit::new(report, Provenance::of(&train, None));
    saved.holdout = Some(check);
    let text = serde_json::to_string(&saved).unwrap();
    let read = SavedFit::from_json(&text, "h.json").unwrap();
    let runs = read.reload_data(Path::new("h.json")).unwrap();
    assert_eq!(runs.rows, train.rows);
    assert_eq!(runs.loss, train.loss);
    // A filter that no longer keeps those rows is refused, naming a row that is missing.
    let mut fit: Value = serde_json::from_str(&text).unwrap();
    fit["provenance"]["filter"]["drop_highest_loss"] = json!(5);
    let read = SavedFit::from_json(&fit.to_string(), "h.json").unwrap();
    let message = read
        .reload_data(Path::new("h.json"))
        .unwrap_err()
        .to_string();
    let needle = format!(
        "do not include the {} runs the fit used (provenance.rows: row",
        train.len()
    );
    assert!(message.contains(&needle), "{message}");
}

/// A step down into a JSON value.
#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Every place in `fit` a mutation may change, as the steps down to it: each field of each
/// object, each list, and two elements of each list (a list of 108 residuals is one field, not
/// 108).
fn places(fit: &Value, rng: &mut ChaCha8Rng) -> Vec<(Vec<Step>, String)> {
    fn walk(
        node: &Value,
        steps: &mut Vec<Step>,
        at: &mut String,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<(Vec<Step>, String)>,
    ) {
        let children: Vec<(Step, String)> = match node {
            Value::Object(map) => map
                .keys()
                .map(|k| (Step::Key(k.clone()), format!(".{k}")))
                .collect(),
            Value::Array(items) if !items.is_empty() => (0..2)
                .map(|_| rng.random_range(0..items.len()))
                .map(|i| (Step::Index(i), format!("[{i}]")))
                .collect(),
            _ => Vec::new(),
        };
        for (step, name) in children {
            let child = match &step {
                Step::Key(k) => &node[k.as_str()],
                Step::Index(i) => &node[*i],
            };
            let len = at.len();
            at.push_str(&name);
            steps.push(step);
            out.push((steps.iter().map(Step::clone).collect(), at.clone()));
            walk(child, steps, at, rng, out);
            steps.pop();
            at.truncate(len);
        }
    }
    let mut out = Vec::new();
    walk(fit, &mut Vec::new(), &mut String::new(), rng, &mut out);
    out
}

/// One random change to `fit`, described.
fn mutate(fit: &mut Value, rng: &mut ChaCha8Rng) -> String {
    let (steps, at) = places(fit, rng).choose(rng).unwrap().clone();
    let node = steps.iter().fold(fit, |node, step| match step {
        Step::Key(key) => &mut node[key.as_str()],
        Step::Index(i) => &mut node[*i],
    });
    let change = change_for(node, rng);
    let before = std::mem::replace(node, Value::Null);
    *node = match change {
        Change::Set(v) => v,
        Change::Edit(f) => f(before),
    };
    format!("{at}: {}", short(node))
}

enum Change {
    Set(Value),
    Edit(Box<dyn FnOnce(Value) -> Value>),
}

fn change_for(node: &Value, rng: &mut ChaCha8Rng) -> Change {
    const WRONG: [fn() -> Value; 5] = [
        || Value::Null,
        || json!({}),
        || json!([]),
        || json!("text"),
        || json!(true),
    ];
    if rng.random_bool(0.05) {
        return Change::Set(WRONG.choose(rng).unwrap()());
    }
    match node {
        Value::Number(n) if n.is_u64() => {
            let k = n.as_u64().unwrap_or(0);
            let options = [
                json!(0),
                json!(1),
                json!(k.saturating_sub(1)),
                json!(k + 1),
                json!(k.saturating_mul(2)),
                json!(1u64 << 40),
                json!(-1),
                json!(k as f64 + 0.5),
            ];
            Change::Set(options.choose(rng).unwrap().clone())
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(1.0);
            let options = [
                json!(-x),
                json!(0.0),
                json!(-1.0),
                json!(1e308),
                json!(1e-300),
                json!(x * 1.001),
                json!(x + 1.0),
                json!("NaN"),
            ];
            Change::Set(options.choose(rng).unwrap().clone())
        }
        Value::String(_) => {
            let options = [
                "",
                "x",
                "-",
                "/dev/zero",
                "huber",
                "chinchilla",
                "kaplan",
                "runs",
            ];
            Change::Set(json!(options.choose(rng).unwrap()))
        }
        Value::Bool(b) => Change::Set(json!(!b)),
        Value::Array(items) if !items.is_empty() => match rng.random_range(0..4) {
            0 => Change::Edit(Box::new(|mut v| {
                v.as_array_mut().unwrap().pop();
                v
            })),
            1 => Change::Set(json!([])),
            2 => Change::Edit(Box::new(|mut v| {
                let items = v.as_array_mut().unwrap();
                items.push(items[0].clone());
                v
            })),
            _ => Change::Edit(Box::new(|mut v| {
                v.as_array_mut().unwrap().remove(0);
                v
            })),
        },
        Value::Object(map) if !map.is_empty() => {
            let key = map
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .choose(rng)
                .unwrap()
                .clone();
            Change::Edit(Box::new(move |mut v| {
                v.as_object_mut().unwrap().remove(&key);
                v
            }))
        }
        _ => Change::Set(json!(1)),
    }
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

#[test]
fn no_mutation_of_a_fit_file_makes_reading_or_answering_panic() {
    let valid = valid_value();
    let mut failures = Vec::new();
    let (mut refused, mut answered) = (0, 0);
    for case in 0..MUTATION_CASES {
        let mut rng = ChaCha8Rng::seed_from_u64(MUTATION_SEED);
        rng.set_stream(case as u64);
        let mut fit = valid.clone();
        let steps: Vec<String> = (0..rng.random_range(1..=3))
            .map(|_| mutate(&mut fit, &mut rng))
            .collect();
        let text = serde_json::to_string_pretty(&fit).unwrap();
        let what = format!("seed {MUTATION_SEED} case {case}: {}", steps.join("; "));
        match catch_unwind(AssertUnwindSafe(|| read_and_answer(&text))) {
            Err(_) => failures.push(format!("panicked: {what}")),
            Ok(Err(e)) if e.to_string().len() > MESSAGE_LIMIT => {
                failures.push(format!("message of {} bytes: {what}", e.to_string().len()));
            }
            Ok(Err(_)) => refused += 1,
            Ok(Ok(())) => answered += 1,
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Both sides are exercised: most mutations are refused, some leave an answerable file.
    assert!(
        refused > MUTATION_CASES / 2 && answered > 0,
        "{refused} refused, {answered} answered"
    );
}
