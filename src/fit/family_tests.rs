//! The fit of families other than Chinchilla, and Chinchilla through the generic path: the same
//! optimum, parameters recovered, constraints checked per family, answers and reports.

use super::*;
use crate::answer::optimal::{Questions, answer};
use crate::law::test_families::{ComputeAlone, Plain};

/// Relative agreement of the generic and vectorised paths' optima (issue 12).
const SAME_OPTIMUM_RTOL: f64 = 1e-9;
/// Recovery from noise-free data.
const RECOVERY_RTOL: f64 = 1e-6;

/// A 6 × 6 grid of runs from `law`, with a deterministic wiggle of about 1% when `noisy`.
fn sweep(law: &ChinchillaLaw, noisy: bool) -> Observations {
    let (mut n, mut d, mut l) = (vec![], vec![], vec![]);
    for (i, &np) in [1e7, 5e7, 2e8, 1e9, 5e9, 3e10].iter().enumerate() {
        for (j, &nt) in [1e9, 5e9, 3e10, 1e11, 6e11, 3e12].iter().enumerate() {
            let wiggle = if noisy {
                0.01 * (((i * 7 + j * 3) % 5) as f64 - 2.0) / 2.0
            } else {
                0.0
            };
            n.push(np);
            d.push(nt);
            l.push(law.loss(np, nt) * f64::exp(wiggle));
        }
    }
    Observations::new(&n, &d, &l)
}

fn rel(a: f64, b: f64) -> f64 {
    (a / b - 1.0).abs()
}

#[test]
fn generic_objective_reaches_the_fast_optimum() {
    let obs = sweep(&ChinchillaLaw::HOFFMANN_2022, true);
    let law = LawRef::chinchilla();
    let config = FitConfig::default();
    let fast = Objective::for_law(&obs, law, config.loss);
    let generic = Objective::generic(&obs, law, config.loss);
    let grid = config.starts.points(&config.params);
    let starts = select_starts(&fast, &grid, StartSelection::Best(20));
    let best = |objective: &Objective| {
        starts
            .iter()
            .map(|s| solver::run_lbfgs(objective, &config.params, s, &config.solver))
            .filter(|r| r.converged)
            .map(|r| r.objective)
            .fold(f64::INFINITY, f64::min)
    };
    let (f, g) = (best(&fast), best(&generic));
    assert!(
        f.is_finite() && rel(g, f) <= SAME_OPTIMUM_RTOL,
        "{g} vs {f}"
    );
}

#[test]
fn a_family_without_shortcuts_recovers_its_parameters() {
    let truth = ChinchillaLaw {
        irreducible: 2.2,
        param_coef: 1200.0,
        data_coef: 90.0,
        alpha: 0.45,
        beta: 0.22,
    };
    let obs = sweep(&truth, false);
    let config = FitConfig {
        selection: StartSelection::Best(30),
        ..FitConfig::for_law(LawRef::new(&Plain))
    };
    let report = fit(&obs, &config, &|| {}).unwrap();
    let f = &report.fitted;
    assert_eq!(f.family.name(), "test-plain");
    for (name, want) in [
        ("E", 2.2),
        ("A", 1200.0),
        ("B", 90.0),
        ("alpha", 0.45),
        ("beta", 0.22),
    ] {
        let got = f.natural(name).unwrap();
        assert!(
            rel(got, want) < RECOVERY_RTOL,
            "{name} = {got}, truth {want}"
        );
        assert_eq!(f.law.get(name), Some(got));
    }
    // Solver order (the family has no display order of its own), no exponent a, not Chinchilla.
    let names: Vec<&str> = f.law.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["A", "B", "E", "alpha", "beta"]);
    assert!(f.params_exponent.is_none() && f.tokens_exponent.is_none());
    assert!(f.chinchilla().is_none());
    assert!((f.loss(1e9, 2e10) / truth.loss(1e9, 2e10) - 1.0).abs() < 1e-5);
    f.check_consistent("fitted").unwrap();
}

#[test]
fn constraints_are_checked_against_the_family() {
    let plain = ParamSpec::free_for(LawRef::new(&Plain));
    let err = plain.tie_exponents(true).unwrap_err().to_string();
    assert!(
        err.contains("--tie-exponents") && err.contains("test-plain law has no exponents to tie"),
        "{err}"
    );
    let compute = ParamSpec::free_for(LawRef::new(&ComputeAlone));
    let err = compute.clone().fix("alpha", 0.3).unwrap_err().to_string();
    assert!(
        err.contains("unknown parameter 'alpha' of the test-compute law")
            && err.contains("E, A, gamma"),
        "{err}"
    );
    let err = compute.clone().fix("gamma", 0.0).unwrap_err().to_string();
    assert!(err.contains("gamma = 0"), "{err}");
    let err = compute.clone().fix("gamma", 9.0).unwrap_err().to_string();
    assert!(err.contains("[0, 5]"), "{err}");
    let fixed = compute.fix("E", 1.8).unwrap();
    assert_eq!(fixed.free_indices(), vec![1, 2]);
    assert_eq!(fixed.describe(), vec!["E = 1.8 (fixed)"]);
    // A grid and starts by the family's names.
    let grid = StartGrid::for_law(LawRef::new(&ComputeAlone));
    assert_eq!(grid.len(), 4 * 4 * 4);
    let err = grid.clone().with_spec("alpha=0.3").unwrap_err().to_string();
    assert!(err.contains("axes are e, a, gamma"), "{err}");
    assert_eq!(grid.with_spec("gamma=0.1").unwrap().len(), 16);
    let law = LawRef::new(&ComputeAlone);
    let start = starts::parse_start(law, "E=1.8, A=60, gamma=0.12").unwrap();
    assert_eq!(start.get("gamma"), Some(0.12));
    assert!(starts::parse_start(law, "E=1.8,A=60").is_err());
    // A spec of one family in the configuration of another is refused.
    let mixed = FitConfig {
        params: ParamSpec::free(),
        ..FitConfig::for_law(law)
    };
    let obs = sweep(&ChinchillaLaw::HOFFMANN_2022, true);
    let err = fit(&obs, &mixed, &|| {}).unwrap_err().to_string();
    assert!(err.contains("--law"), "{err}");
}

/// Runs of `L = 1.8 + 60·C^-0.12` at 30 budgets from 1e17 to 1e23 FLOPs.
fn compute_runs() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut n, mut d, mut c, mut l) = (vec![], vec![], vec![], vec![]);
    for i in 0..30 {
        let compute = 1e17 * 10f64.powf(6.0 * f64::from(i) / 29.0);
        let np = (compute / 120.0).sqrt();
        n.push(np);
        d.push(compute / (6.0 * np));
        c.push(compute);
        l.push(1.8 + 60.0 * compute.powf(-0.12));
    }
    (n, d, c, l)
}

#[test]
fn a_law_of_compute_alone_is_fitted_and_answers_loss_questions_only() {
    let (n, d, c, l) = compute_runs();
    let obs = Observations::new(&n, &d, &l).with_compute(&c);
    let law = LawRef::new(&ComputeAlone);
    let report = fit(&obs, &FitConfig::for_law(law), &|| {}).unwrap();
    let f = &report.fitted;
    for (name, want) in [("E", 1.8), ("A", 60.0), ("gamma", 0.12)] {
        let got = f.natural(name).unwrap();
        assert!(rel(got, want) < RECOVERY_RTOL, "{name} = {got}");
    }
    let q = Questions {
        budgets: vec![1e24],
        params: vec![],
        target_losses: vec![2.0],
        assess: vec![],
        assess_names: vec![],
        level: 0.95,
        flops_per_param_token: 6.0,
    };
    let answers = answer(f, None, &q).unwrap();
    let at = &answers.budgets[0];
    assert!(at.n_params.is_none() && at.n_tokens.is_none() && at.tokens_per_param.is_none());
    assert!(rel(at.loss.value, 1.8 + 60.0 * 1e24f64.powf(-0.12)) < 1e-6);
    let reach = &answers.target_losses[0];
    let want = (60.0 / 0.2f64).powf(1.0 / 0.12);
    assert!(
        rel(reach.compute.value, want) < 1e-5,
        "{}",
        reach.compute.value
    );
    let json = serde_json::to_value(at).unwrap();
    assert!(json["n_params"].is_null(), "{json}");
    // No a, b among the parameters; E, A, gamma are.
    let names: Vec<&str> = answers.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["E", "A", "gamma"]);
    let err = answer(
        f,
        None,
        &Questions {
            params: vec![7e10],
            ..q.clone()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("--law") && err.contains("--params"), "{err}");
}

#[test]
fn reports_name_the_family_and_its_parameters() {
    let (n, d, c, l) = compute_runs();
    let mut csv = String::from("n_params,n_tokens,flops,loss\n");
    for i in 0..n.len() {
        csv += &format!("{},{},{},{}\n", n[i], d[i], c[i], l[i]);
    }
    let options = crate::data::LoadOptions::default();
    let data = crate::data::load_bytes(
        csv.into_bytes(),
        crate::data::Format::Csv,
        "runs.csv",
        &options,
    )
    .unwrap();
    let law = LawRef::new(&ComputeAlone);
    let report = fit_dataset(&data, &FitConfig::for_law(law), &|| {}).unwrap();
    let saved = crate::saved::SavedFit::new(report, crate::saved::Provenance::of(&data, None));
    let mut text = Vec::new();
    crate::report::fit_text(&saved, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.starts_with("test-compute law fit: L = E + A·C^-gamma"),
        "{text}"
    );
    assert!(
        text.contains("  gamma ") && text.contains("exponent of compute"),
        "{text}"
    );
    assert!(text.contains("a law of compute alone"), "{text}");
    let json = serde_json::to_value(&saved).unwrap();
    assert_eq!(json["report"]["fitted"]["family"], "test-compute");
    assert_eq!(json["report"]["fitted"]["config"]["law"], "test-compute");
    assert!(json["report"]["fitted"]["params_exponent"].is_null());
    let keys: Vec<&String> = json["report"]["fitted"]["law"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys.len(), 3);
}
