//! The Chinchilla data of the Epoch AI replication against the project's SciPy reference.
//!
//! Golden values: `benches/reference/chinchilla_fit.py fit --drop-highest-loss 5 --tight`
//! (scipy 1.17.1 L-BFGS-B with an analytic gradient from every one of the 4500 grid starts, on
//! the 240 rows left after dropping the 5 highest losses, D = C/(6N), Huber delta 1e-3 summed
//! over runs), recorded in `benches/reference/README.md`. That objective is also below the
//! replication's 1.01827402e-3 quoted in issue 2.

use scaling_laws::data::{self, LoadOptions, RowFilter};
use scaling_laws::fit::{self, FitConfig, Starts};
use scaling_laws::law::ChinchillaLaw;

use crate::common::{rel_diff, run, shared_data, stdout};

/// The reference's best objective over the 4500 starts (full precision).
const REFERENCE_OBJECTIVE: f64 = 0.001018274017800598;
/// Relative distance allowed from it, either way (issue 6: "within 1e-9 relative").
const OBJECTIVE_RTOL: f64 = 1e-9;
/// The reference's optimum: A, B, E, alpha, beta.
const REFERENCE_LAW: ChinchillaLaw = ChinchillaLaw {
    param_coef: 477.8259,
    data_coef: 2143.4173,
    irreducible: 1.8172181,
    alpha: 0.3473105,
    beta: 0.3671724,
};
/// Relative tolerance on E, alpha and beta (the reference's digits are given to about 1e-7).
const PARAM_RTOL: f64 = 1e-6;
/// A and B lie along a flat valley of the objective: starts that reach the best objective in the
/// reference spread over A 477.62 to 477.83, so their tolerance is wider.
const COEF_RTOL: f64 = 2e-5;

fn chinchilla_240() -> Option<data::Dataset> {
    let path = shared_data("chinchilla_epoch_svg_extracted.csv")?;
    let options = LoadOptions {
        filter: RowFilter {
            drop_highest_loss: 5,
            ..RowFilter::default()
        },
        ..LoadOptions::default()
    };
    Some(data::load(path.to_str().unwrap(), &options).expect("the Chinchilla CSV loads"))
}

fn assert_matches_reference(law: &ChinchillaLaw, objective: f64) {
    assert!(
        rel_diff(objective, REFERENCE_OBJECTIVE) <= OBJECTIVE_RTOL,
        "objective {objective:.15e}, reference {REFERENCE_OBJECTIVE:.15e}"
    );
    let pairs = [
        ("A", law.param_coef, REFERENCE_LAW.param_coef, COEF_RTOL),
        ("B", law.data_coef, REFERENCE_LAW.data_coef, COEF_RTOL),
        ("E", law.irreducible, REFERENCE_LAW.irreducible, PARAM_RTOL),
        ("alpha", law.alpha, REFERENCE_LAW.alpha, PARAM_RTOL),
        ("beta", law.beta, REFERENCE_LAW.beta, PARAM_RTOL),
    ];
    for (name, got, want, rtol) in pairs {
        assert!(
            rel_diff(got, want) < rtol,
            "{name} = {got}, reference {want}"
        );
    }
    // a = beta / (alpha + beta); the reference gives 0.5138995.
    assert!(
        (law.params_exponent() - 0.5138995).abs() < 1e-6,
        "a = {}",
        law.params_exponent()
    );
}

#[test]
fn default_fit_reaches_the_reference_optimum() {
    let Some(data) = chinchilla_240() else { return };
    assert_eq!(data.len(), 240);
    assert!(data.notes.iter().any(|n| n.contains("D = C / (6·N)")));
    let report = fit::fit(&data.observations(), &FitConfig::default(), &|| {}).unwrap();
    assert_matches_reference(
        &report.fitted.chinchilla().unwrap(),
        report.fitted.objective,
    );
    // The default search stops once 5 runs reach the best (fit::multistart).
    assert!(
        report.diagnostics.reached_best >= fit::DEFAULT_STOP_WHEN_REACHED,
        "{:?}",
        report.diagnostics
    );
    assert!(
        report.diagnostics.warnings.is_empty(),
        "{:?}",
        report.diagnostics.warnings
    );
}

#[test]
fn single_start_at_hoffmanns_values_reaches_the_optimum() {
    // A stopping rule that depends on the objective's scale stops early from here.
    let Some(data) = chinchilla_240() else { return };
    let config = FitConfig {
        starts: Starts::Points(vec![ChinchillaLaw::HOFFMANN_2022.into()]),
        ..FitConfig::default()
    };
    let report = fit::fit(&data.observations(), &config, &|| {}).unwrap();
    assert_eq!(report.diagnostics.starts_run, 1);
    assert_matches_reference(
        &report.fitted.chinchilla().unwrap(),
        report.fitted.objective,
    );
}

#[test]
fn a_mean_instead_of_a_sum_gives_the_same_optimum() {
    // Weights 1/n turn the sum into a mean: the optimum must not move.
    let Some(data) = chinchilla_240() else { return };
    let n = data.len();
    let obs = data.observations().with_weights(vec![1.0 / n as f64; n]);
    let config = FitConfig {
        starts: Starts::Points(vec![ChinchillaLaw::HOFFMANN_2022.into()]),
        ..FitConfig::default()
    };
    let report = fit::fit(&obs, &config, &|| {}).unwrap();
    assert_matches_reference(
        &report.fitted.chinchilla().unwrap(),
        report.fitted.objective * n as f64,
    );
}

#[test]
fn cli_fit_reports_the_optimum_as_json_and_is_thread_count_independent() {
    let Some(path) = shared_data("chinchilla_epoch_svg_extracted.csv") else {
        return;
    };
    let path = path.to_str().unwrap();
    let fit_with = |threads: &str| {
        let out = run(&[
            "--threads",
            threads,
            "fit",
            path,
            "--drop-highest-loss",
            "5",
            "--format",
            "json",
            "--quiet",
        ]);
        assert!(out.status.success(), "{}", crate::common::stderr(&out));
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()
    };
    let one = fit_with("1");
    let two = fit_with("2");
    assert_eq!(
        one["report"]["fitted"], two["report"]["fitted"],
        "fits differ between 1 and 2 threads"
    );
    let fitted = &one["report"]["fitted"];
    let law: ChinchillaLaw = serde_json::from_value(fitted["law"].clone()).unwrap();
    assert_matches_reference(&law, fitted["objective"].as_f64().unwrap());
    assert_eq!(one["provenance"]["rows_used"], 240);
    assert_eq!(
        one["provenance"]["source"]["sha256"],
        "193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30"
    );
}

#[test]
fn exhaustive_fit_agrees_with_the_screened_default() {
    let Some(data) = chinchilla_240() else { return };
    let config = FitConfig {
        selection: fit::StartSelection::All,
        ..FitConfig::default()
    };
    let report = fit::fit(&data.observations(), &config, &|| {}).unwrap();
    assert_eq!(report.diagnostics.starts_run, 4500);
    assert_matches_reference(
        &report.fitted.chinchilla().unwrap(),
        report.fitted.objective,
    );
}
