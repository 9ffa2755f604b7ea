//! The law families end to end (issue 12): each family recovers its parameters from runs
//! simulated from known values (exactly without noise; inside its bootstrap intervals with 1%
//! noise), and the data-constrained law fitted to the datablations runs of Muennighoff et al.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use scaling_laws::fit::{self, FitConfig, Observations, ParamSpec};
use scaling_laws::law::{Law, LawRef, Row};
use scaling_laws::uncertainty::{BootstrapConfig, bootstrap};

use crate::common::{rel_diff, run, shared_data, stderr, stdout, temp_dir};

/// Recovery from noise-free runs (issue 12).
const RECOVERY_RTOL: f64 = 1e-6;
/// Log-loss noise of the coverage checks: about 1%.
const NOISE_SD: f64 = 0.01;
/// Resamples of the coverage checks: enough for a 95% percentile interval.
const RESAMPLES: usize = 200;

/// One run of a design: `(N, D, C, U)`.
type Run = (f64, f64, f64, f64);

fn log_spaced(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (a, b) = (lo.log10(), hi.log10());
    (0..n)
        .map(|i| 10f64.powf(a + (b - a) * i as f64 / (n - 1) as f64))
        .collect()
}

/// Kaplan: N = 1e6…1e10 and D = 1e8…1e12, 5 × 5 log-spaced; every token fresh.
fn kaplan_design() -> Vec<Run> {
    let mut runs = vec![];
    for &n in &log_spaced(1e6, 1e10, 5) {
        for &d in &log_spaced(1e8, 1e12, 5) {
            runs.push((n, d, 6.0 * n * d, d));
        }
    }
    runs
}

/// Data-constrained: N ∈ {1e7…1e10} × U ∈ {1e9, 1e10, 1e11} × epochs ∈ {1, 4, 16, 64}, D = U·epochs.
fn data_constrained_design() -> Vec<Run> {
    let mut runs = vec![];
    for n in [1e7, 1e8, 1e9, 1e10] {
        for u in [1e9, 1e10, 1e11] {
            for epochs in [1.0, 4.0, 16.0, 64.0] {
                let d = u * epochs;
                runs.push((n, d, 6.0 * n * d, u));
            }
        }
    }
    runs
}

/// Compute alone: C = 1e15…1e25 every half decade (21 runs), 20 tokens per parameter.
fn compute_design() -> Vec<Run> {
    log_spaced(1e15, 1e25, 21)
        .into_iter()
        .map(|c| {
            let n = (c / (6.0 * 20.0)).sqrt();
            (n, 20.0 * n, c, 20.0 * n)
        })
        .collect()
}

/// Losses of `truth` on `design`, times `exp(sd·z)` with z standard normal from `seed`.
fn observe(truth: &Law, design: &[Run], sd: f64, seed: u64) -> Observations {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0, 1.0).unwrap();
    let loss: Vec<f64> = design
        .iter()
        .map(|&(n, d, c, u)| {
            let z: f64 = normal.sample(&mut rng);
            truth.loss_row(&Row::of_run(n, d, c, Some(u))) * (sd * z).exp()
        })
        .collect();
    let col = |f: fn(&Run) -> f64| design.iter().map(f).collect::<Vec<f64>>();
    Observations::new(&col(|r| r.0), &col(|r| r.1), &loss)
        .with_compute(&col(|r| r.2))
        .with_unique_tokens(&col(|r| r.3))
}

fn law(name: &str, values: &[(&str, f64)]) -> Law {
    Law::from_natural(LawRef::named(name).unwrap(), values, "--truth").unwrap()
}

fn config(truth: &Law, fixed: &[&str]) -> FitConfig {
    let family = truth.family();
    let mut params = ParamSpec::free_for(family);
    for &name in fixed {
        params = params.fix(name, truth.natural(name).unwrap()).unwrap();
    }
    FitConfig {
        params,
        ..FitConfig::for_law(family)
    }
}

/// Fit noise-free runs with the default configuration: every parameter to `RECOVERY_RTOL`.
fn recovers_exactly(truth: &Law, design: &[Run], fixed: &[&str]) {
    let obs = observe(truth, design, 0.0, 0);
    let report = fit::fit(&obs, &config(truth, fixed), &|| {}).unwrap();
    let got = &report.fitted;
    for (name, want) in truth.natural_values().iter() {
        let value = got.natural(name).unwrap();
        assert!(
            rel_diff(value, want) < RECOVERY_RTOL,
            "{}: {name} = {value}, truth {want}",
            truth.family()
        );
    }
}

/// Fit runs with 1% noise and bootstrap them: the truth inside every parameter's 95% interval.
fn covers_truth(truth: &Law, design: &[Run], fixed: &[&str], seed: u64) {
    let obs = observe(truth, design, NOISE_SD, seed);
    let report = fit::fit(&obs, &config(truth, fixed), &|| {}).unwrap();
    let fitted = &report.fitted;
    let boot = BootstrapConfig {
        n_resamples: RESAMPLES,
        ..BootstrapConfig::default()
    };
    let draws = bootstrap(&obs, fitted, &boot, &|| {}).unwrap();
    assert_eq!(draws.failed(), 0, "{}", truth.family());
    let point: Vec<f64> = (0..fitted.theta.len())
        .map(|j| Law::new(truth.family(), fitted.theta.clone()).natural_at(j))
        .collect();
    let estimates = draws.column_estimates(&point, 0.95);
    for (j, p) in truth.family().params().iter().enumerate() {
        let want = truth.natural_at(j);
        let e = &estimates[j];
        let (lo, hi) = (e.lower.unwrap(), e.upper.unwrap());
        // A fixed parameter has a zero-width interval at its value.
        assert!(
            lo <= want * (1.0 + 1e-12) && want <= hi * (1.0 + 1e-12),
            "{} seed {seed}: {} = {want} outside [{lo}, {hi}] (fit {})",
            truth.family(),
            p.natural,
            e.value
        );
    }
}

fn kaplan_truth() -> Law {
    law(
        "kaplan",
        &[
            ("N_c", 6.4e13),
            ("D_c", 1.8e13),
            ("alpha_N", 0.076),
            ("alpha_D", 0.103),
        ],
    )
}

fn data_constrained_truth(r_d: f64, r_n: f64) -> Law {
    let m = scaling_laws::law::DataConstrainedLaw::MUENNIGHOFF_2023.base;
    law(
        "data-constrained",
        &[
            ("E", m.irreducible),
            ("A", m.param_coef),
            ("B", m.data_coef),
            ("alpha", m.alpha),
            ("beta", m.beta),
            ("R_D_star", r_d),
            ("R_N_star", r_n),
        ],
    )
}

const BASE: [&str; 5] = ["E", "A", "B", "alpha", "beta"];

fn compute_truths() -> [Law; 2] {
    [
        law("compute", &[("E", 1.69), ("A", 1500.0), ("gamma", 0.155)]),
        law("compute", &[("E", 0.5), ("A", 10.0), ("gamma", 0.05)]),
    ]
}

#[test]
fn kaplan_recovers_its_parameters() {
    recovers_exactly(&kaplan_truth(), &kaplan_design(), &[]);
    covers_truth(&kaplan_truth(), &kaplan_design(), &[], 1);
}

#[test]
fn data_constrained_recovers_all_seven_with_the_default_starts() {
    let truth = data_constrained_truth(15.387756, 5.309743);
    recovers_exactly(&truth, &data_constrained_design(), &[]);
    covers_truth(&truth, &data_constrained_design(), &[], 2);
}

#[test]
fn data_constrained_recovers_the_decays_with_the_base_fixed() {
    let truth = data_constrained_truth(8.0, 12.0);
    recovers_exactly(&truth, &data_constrained_design(), &BASE);
    covers_truth(&truth, &data_constrained_design(), &BASE, 3);
}

#[test]
fn compute_law_recovers_its_parameters() {
    for (i, truth) in compute_truths().iter().enumerate() {
        recovers_exactly(truth, &compute_design(), &[]);
        covers_truth(truth, &compute_design(), &[], 4 + i as u64);
    }
}

/// Rows (0-based, after the header) of `datablations2023/c4_final_val_losses.csv` that the
/// authors' notebook (`utils/parametric_fit.ipynb`, the cell that fits `ep_star, n_star` with
/// the base fixed) fits: its second run list, without the seed replicas, the runs it comments
/// out and the unfinished ones; 182 runs, matched by name and loss.
const NOTEBOOK_ROWS: [(usize, usize); 23] = [
    (5, 6),
    (40, 46),
    (49, 52),
    (88, 93),
    (95, 104),
    (106, 118),
    (120, 123),
    (125, 143),
    (148, 152),
    (156, 216),
    (218, 221),
    (223, 226),
    (228, 231),
    (233, 243),
    (245, 250),
    (253, 253),
    (259, 260),
    (262, 263),
    (267, 269),
    (272, 273),
    (276, 277),
    (280, 288),
    (290, 290),
];

/// The published base (datablations README): a, b, e, alpha, beta = 6.255414, 7.3049974,
/// 0.6254804, 0.3526596, 0.3526596, with A = e^a, B = e^b, E = e^e; one `--fix` flag.
fn published_base() -> String {
    format!(
        "E={},A={},B={},alpha=0.3526596,beta=0.3526596",
        0.6254804f64.exp(),
        6.255414f64.exp(),
        7.3049974f64.exp()
    )
}
const PUBLISHED_R_D: f64 = 15.387756;
const PUBLISHED_R_N: f64 = 5.309743;

/// `optimal --bootstrap` on `path` with the base fixed: (R_D*, lower, upper), (R_N*, ...).
fn decays_with_intervals(path: &str, resamples: &str) -> [(f64, f64, f64); 2] {
    let out = run(&[
        "optimal",
        path,
        "--law",
        "data-constrained",
        "--fix",
        &published_base(),
        "--bootstrap",
        resamples,
        "--budget",
        "1e22",
        "--format",
        "json",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let params = v["answers"]["parameters"].as_array().unwrap();
    let get = |name: &str| {
        let p = params.iter().find(|p| p["name"] == name).unwrap();
        let e = &p["estimate"];
        (
            e["value"].as_f64().unwrap(),
            e["lower"].as_f64().unwrap(),
            e["upper"].as_f64().unwrap(),
        )
    };
    [get("R_D_star"), get("R_N_star")]
}

#[test]
fn datablations_decays_with_the_published_base() {
    let Some(path) = shared_data("datablations2023/c4_final_val_losses.csv") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 296);
    let mut selected = vec![header];
    for &(lo, hi) in &NOTEBOOK_ROWS {
        selected.extend_from_slice(&rows[lo..=hi]);
    }
    assert_eq!(selected.len(), 183);
    let dir = temp_dir();
    let notebook = crate::common::write_file(&dir, "notebook_runs.csv", &selected.join("\n"));

    // The notebook's 182 runs: the optimum lies at R_D* = 47.0, R_N* = 2.33, with an objective
    // 0.12% below the published point's (the same Huber objective, delta 1e-3, evaluates to
    // 0.0158259 there, as in the notebook's output); the published values lie inside the
    // bootstrap intervals, which are wide: R_D* has no upper bound from these runs.
    let [(r_d, r_d_lo, r_d_hi), (r_n, r_n_lo, r_n_hi)] = decays_with_intervals(&notebook, "200");
    assert!(rel_diff(r_d, 46.9903) < 1e-3, "R_D* = {r_d}");
    assert!(rel_diff(r_n, 2.32958) < 1e-3, "R_N* = {r_n}");
    assert!(
        r_d_lo < PUBLISHED_R_D && PUBLISHED_R_D < r_d_hi,
        "[{r_d_lo}, {r_d_hi}]"
    );
    assert!(
        r_n_lo < PUBLISHED_R_N && PUBLISHED_R_N < r_n_hi,
        "[{r_n_lo}, {r_n_hi}]"
    );
    assert!(r_d_lo > 3.0 && r_d_hi > 1e6, "[{r_d_lo}, {r_d_hi}]");
    assert!(r_n_lo > 0.1 && r_n_hi < 50.0, "[{r_n_lo}, {r_n_hi}]");

    // All 296 runs, including the ones the notebook leaves out (runs of 100M-400M unique tokens
    // repeated into catastrophic losses): repeated data never decays and excess parameters
    // are worth nothing — the law cannot describe those runs.
    let out = run(&[
        "fit",
        path.to_str().unwrap(),
        "--law",
        "data-constrained",
        "--fix",
        &published_base(),
        "--format",
        "json",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let law = &v["report"]["fitted"]["law"];
    assert!(law["R_D_star"].as_f64().unwrap() > 1e6, "{law}");
    assert!(law["R_N_star"].as_f64().unwrap() < 1e-6, "{law}");
}

#[test]
fn fix_takes_a_comma_separated_list() {
    let sweep = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
    let json = |fix: &[&str]| {
        let mut args = vec!["fit", sweep, "--format", "json", "--quiet"];
        for f in fix {
            args.extend(["--fix", f]);
        }
        let out = run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        v["report"]["fitted"]["law"].clone()
    };
    let one = json(&["E=1.69,alpha=0.34"]);
    assert_eq!(one, json(&["E=1.69", "alpha=0.34"]));
    assert_eq!(one["E"].as_f64(), Some(1.69));
    assert_eq!(one["alpha"].as_f64(), Some(0.34));
    let out = run(&["fit", sweep, "--fix", "E=1.69,E=1.7"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("fixed twice"), "{}", stderr(&out));
}
