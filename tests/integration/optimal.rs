//! Issue 3: compute-optimal allocation with bootstrap intervals.
//!
//! Reference figures are those of the Epoch AI replication (Besiroglu et al. 2024,
//! arXiv:2404.10102), bootstrapping the same 240 Chinchilla runs, as quoted in issue 3.

use scaling_laws::answer::optimal::{Questions, answer};
use scaling_laws::data::{self, LoadOptions, RowFilter};
use scaling_laws::fit::{self, FitConfig, Objective, StartSelection};
use scaling_laws::law::ChinchillaLaw;
use scaling_laws::uncertainty::resample::resample_rows;
use scaling_laws::uncertainty::{BootstrapConfig, ResampleScheme, bootstrap};

use crate::common::{run, shared_data, stderr, stdout, temp_dir};

/// Allowed relative difference from the replication's standard errors and interval ends.
const REPLICATION_RTOL: f64 = 0.10;

fn chinchilla_240() -> Option<(data::Dataset, fit::FitReport)> {
    let path = shared_data("chinchilla_epoch_svg_extracted.csv")?;
    let options = LoadOptions {
        filter: RowFilter {
            drop_highest_loss: 5,
            ..RowFilter::default()
        },
        ..LoadOptions::default()
    };
    let data = data::load(path.to_str().unwrap(), &options).unwrap();
    let report = fit::fit(&data.observations(), &FitConfig::default(), &|| {}).unwrap();
    Some((data, report))
}

fn close(got: f64, want: f64) -> bool {
    (got / want - 1.0).abs() <= REPLICATION_RTOL
}

#[test]
fn bootstrap_of_chinchilla_matches_the_replication() {
    let Some((data, report)) = chinchilla_240() else {
        return;
    };
    // The replication resampled runs with replacement.
    let config = BootstrapConfig {
        scheme: ResampleScheme::Runs,
        ..BootstrapConfig::default()
    };
    let draws = bootstrap(&data.observations(), &report.fitted, &config, &|| {}).unwrap();
    assert_eq!(draws.len(), 4000);
    assert_eq!(draws.failed(), 0);
    let questions = Questions {
        budgets: vec![5.88e23],
        params: vec![],
        target_losses: vec![],
        assess: vec![],
        assess_names: vec![],
        level: 0.95,
        flops_per_param_token: 6.0,
    };
    let answers = answer(&report.fitted, Some(&draws), &questions).unwrap();
    // name, standard error, 95% interval (Besiroglu et al. 2024)
    let reference = [
        ("A", 124.5, 285.0, 744.0),
        ("B", 1293.0, 1042.0, 5810.0),
        ("E", 0.0257, 1.769, 1.871),
        ("alpha", 0.0154, 0.317, 0.373),
        ("beta", 0.0206, 0.331, 0.415),
    ];
    for (name, se, lo, hi) in reference {
        let e = answers
            .parameters
            .iter()
            .find(|p| p.name == name)
            .unwrap()
            .estimate;
        let (got_se, got_lo, got_hi) = (e.std_error.unwrap(), e.lower.unwrap(), e.upper.unwrap());
        assert!(close(got_se, se), "{name}: se {got_se} vs {se}");
        assert!(
            close(got_lo, lo) && close(got_hi, hi),
            "{name}: [{got_lo}, {got_hi}] vs [{lo}, {hi}]"
        );
    }
    let a = answers
        .parameters
        .iter()
        .find(|p| p.name == "a")
        .unwrap()
        .estimate;
    assert!((a.value - 0.514).abs() < 1e-3, "a = {}", a.value);
    let width = a.upper.unwrap() - a.lower.unwrap();
    assert!((0.06..0.10).contains(&width), "a interval width {width}");
    assert!(
        close(a.std_error.unwrap(), 0.020),
        "se of a {}",
        a.std_error.unwrap()
    );

    let at = &answers.budgets[0];
    assert!(
        (at.n_params.as_ref().unwrap().value / 74e9 - 1.0).abs() < 0.02,
        "N* {}",
        at.n_params.as_ref().unwrap().value
    );
    assert!(
        (at.n_tokens.as_ref().unwrap().value / 1.32e12 - 1.0).abs() < 0.02,
        "D* {}",
        at.n_tokens.as_ref().unwrap().value
    );
    for e in [
        at.n_params.unwrap(),
        at.n_tokens.unwrap(),
        at.tokens_per_param.unwrap(),
        at.loss,
    ] {
        assert!(
            e.lower.unwrap() < e.value && e.value < e.upper.unwrap(),
            "{e:?}"
        );
    }
}

#[test]
fn every_resample_reaches_its_own_optimum() {
    let Some((data, report)) = chinchilla_240() else {
        return;
    };
    let obs = data.observations();
    let config = BootstrapConfig {
        n_resamples: 12,
        scheme: ResampleScheme::Runs,
        ..BootstrapConfig::default()
    };
    let draws = bootstrap(&obs, &report.fitted, &config, &|| {}).unwrap();
    for i in 0..config.n_resamples {
        let sub = obs.select(&resample_rows(config.seed, i, obs.len()));
        let full_search = FitConfig {
            selection: StartSelection::Best(300),
            stop_when_reached: None,
            ..FitConfig::default()
        };
        let best = fit::fit(&sub, &full_search, &|| {})
            .unwrap()
            .fitted
            .objective;
        let got = Objective::new(&sub, report.fitted.config.loss).value(&draws.theta_of(i));
        assert!(
            got <= best * (1.0 + 1e-9),
            "resample {i}: {got} vs grid search {best}"
        );
    }
}

#[test]
fn every_weighted_resample_reaches_its_own_optimum() {
    use scaling_laws::uncertainty::resample::Resampler;
    let Some((data, report)) = chinchilla_240() else {
        return;
    };
    let obs = data.observations();
    let config = BootstrapConfig {
        n_resamples: 6,
        scheme: ResampleScheme::Weights,
        ..BootstrapConfig::default()
    };
    let draws = bootstrap(&obs, &report.fitted, &config, &|| {}).unwrap();
    let resampler = Resampler::new(&obs, &report.fitted, config.scheme).unwrap();
    for i in 0..config.n_resamples {
        let sub = resampler.replicate(&obs, config.seed, i);
        assert_eq!(sub.len(), obs.len(), "every run is kept");
        let full_search = FitConfig {
            selection: StartSelection::Best(300),
            stop_when_reached: None,
            ..FitConfig::default()
        };
        let best = fit::fit(&sub, &full_search, &|| {})
            .unwrap()
            .fitted
            .objective;
        let got = Objective::new(&sub, report.fitted.config.loss).value(&draws.theta_of(i));
        assert!(
            got <= best * (1.0 + 1e-9),
            "resample {i}: {got} vs grid search {best}"
        );
    }
}

#[test]
fn intervals_are_bit_identical_on_one_and_two_threads() {
    let Some((data, report)) = chinchilla_240() else {
        return;
    };
    let obs = data.observations();
    let config = BootstrapConfig {
        n_resamples: 64,
        ..BootstrapConfig::default()
    };
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| bootstrap(&obs, &report.fitted, &config, &|| {}).unwrap())
    };
    let (one, two) = (on(1), on(2));
    let bits = |d: &scaling_laws::uncertainty::BootstrapDraws| -> Vec<u64> {
        d.theta.iter().map(|x| x.to_bits()).collect()
    };
    assert_eq!(bits(&one), bits(&two));
    let other_seed = BootstrapConfig { seed: 1, ..config };
    let three = bootstrap(&obs, &report.fitted, &other_seed, &|| {}).unwrap();
    assert_ne!(
        bits(&one),
        bits(&three),
        "a different seed must give different resamples"
    );
}

#[test]
fn saved_draws_are_reused_and_a_changed_data_file_is_refused() {
    let dir = temp_dir();
    let csv = dir.path().join("runs.csv");
    let fit_path = dir.path().join("fit.json");
    let (csv_s, fit_s) = (csv.to_str().unwrap(), fit_path.to_str().unwrap());
    assert!(run(&["simulate", "--out", csv_s]).status.success());
    let out = run(&[
        "optimal",
        csv_s,
        "--bootstrap",
        "40",
        "--budget",
        "1e22",
        "--out",
        fit_s,
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("40 resamples"), "{}", stdout(&out));

    let out = run(&[
        "optimal", "--fit", fit_s, "--budget", "1e22", "--format", "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.starts_with("budget,1e22,n_params,"))
        .expect("a budget row");
    let fields: Vec<&str> = row.split(',').collect();
    let (value, lower, upper): (f64, f64, f64) = (
        fields[3].parse().unwrap(),
        fields[5].parse().unwrap(),
        fields[6].parse().unwrap(),
    );
    assert!(lower < value && value < upper, "{row}");

    // Re-bootstrapping from the fit reloads the data; a changed file is refused.
    let out = run(&["optimal", "--fit", fit_s, "--bootstrap", "10", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(
        &csv,
        std::fs::read_to_string(&csv)
            .unwrap()
            .replacen("3.", "4.", 1),
    )
    .unwrap();
    let out = run(&["optimal", "--fit", fit_s, "--bootstrap", "10", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has changed since the fit"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn inverse_questions_from_the_command_line() {
    let dir = temp_dir();
    let csv = dir.path().join("runs.csv");
    let csv_s = csv.to_str().unwrap();
    assert!(
        run(&["simulate", "--noise", "0", "--out", csv_s])
            .status
            .success()
    );
    let out = run(&[
        "optimal",
        csv_s,
        "--params",
        "70e9",
        "--target-loss",
        "2.0",
        "--assess",
        "175e9,300e9",
        "--format",
        "json",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let truth = scaling_laws::answer::allocation::Allocator::new(ChinchillaLaw::HOFFMANN_2022, 6.0)
        .unwrap();
    let got = v["answers"]["params"][0]["compute"]["value"]
        .as_f64()
        .unwrap();
    let want = truth.optimal_for_params(70e9).compute;
    assert!((got / want - 1.0).abs() < 1e-3, "{got} vs {want}");
    let got = v["answers"]["target_losses"][0]["compute"]["value"]
        .as_f64()
        .unwrap();
    let want = truth.optimal_for_loss(2.0).unwrap().compute;
    assert!((got / want - 1.0).abs() < 1e-3, "{got} vs {want}");
    let ratio = v["answers"]["assessments"][0]["compute_ratio"]["value"]
        .as_f64()
        .unwrap();
    assert!((ratio / truth.assess(175e9, 300e9).unwrap().compute_ratio - 1.0).abs() < 1e-3);
}

#[test]
fn bad_questions_are_rejected_with_exit_code_2() {
    let dir = temp_dir();
    let csv = dir.path().join("runs.csv");
    let csv_s = csv.to_str().unwrap();
    assert!(run(&["simulate", "--out", csv_s]).status.success());
    let cases: [(&[&str], &str); 6] = [
        (
            &["--target-loss", "1.0"],
            "at or below the irreducible loss",
        ),
        (&["--level", "1.5"], "invalid --level"),
        (&["--budgets", "1e20:1e18"], "invalid --budgets"),
        (&["--budget", "-5"], "invalid --budget"),
        (&["--assess", "175e9"], "invalid --assess"),
        (&["--bootstrap", "1"], "invalid --bootstrap"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["optimal", csv_s, "--quiet"];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{extra:?}: {}", stderr(&out));
    }
    let out = run(&["optimal", csv_s, "--fit", "x.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not both"), "{}", stderr(&out));
    let out = run(&["optimal", "--fit", "/no/such/fit.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read /no/such/fit.json"),
        "{}",
        stderr(&out)
    );
}
