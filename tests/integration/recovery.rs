//! Recovery: fits to runs simulated from known parameters must find them again.

use scaling_laws::design::simulate::{SimulationDesign, simulate};
use scaling_laws::fit::{self, FitConfig};
use scaling_laws::law::ChinchillaLaw;

/// Allowed absolute error of the exponents (issue 2).
const EXPONENT_ATOL: f64 = 0.02;
/// Allowed relative error of E (issue 2).
const E_RTOL: f64 = 0.02;

fn fit_simulated(design: &SimulationDesign) -> ChinchillaLaw {
    let runs = simulate(design).unwrap();
    let n: Vec<f64> = runs.iter().map(|r| r.n_params).collect();
    let d: Vec<f64> = runs.iter().map(|r| r.n_tokens).collect();
    let l: Vec<f64> = runs.iter().map(|r| r.loss).collect();
    let obs = scaling_laws::fit::Observations::new(&n, &d, &l);
    fit::fit(&obs, &FitConfig::default(), &|| {})
        .unwrap()
        .fitted
        .chinchilla()
        .expect("a Chinchilla fit")
}

/// A sweep wide enough to pin down each parameter at 1% noise: six IsoFLOP budgets from 1e18 to
/// 1e23 FLOPs, 20 sizes each from N*/30 to 30·N* (120 runs). Chinchilla's own budgets (6e18 to
/// 3e21) leave alpha and E entangled: over 30 seeds a third of the fits miss alpha by 0.02
/// although each is the true optimum of its data.
fn wide_design(seed: u64) -> SimulationDesign {
    SimulationDesign {
        budgets: vec![1e18, 1e19, 1e20, 1e21, 1e22, 1e23],
        sizes_per_budget: 20,
        span: 30.0,
        seed,
        ..SimulationDesign::default()
    }
}

#[test]
fn recovers_hoffmann_parameters_from_noisy_isoflop_sweeps() {
    for seed in [1, 2, 3, 4, 5] {
        let design = wide_design(seed);
        assert!(design.budgets.len() * design.sizes_per_budget >= 100);
        let got = fit_simulated(&design);
        let truth = design.law.chinchilla().unwrap();
        assert!(
            (got.alpha - truth.alpha).abs() < EXPONENT_ATOL,
            "seed {seed}: alpha {}",
            got.alpha
        );
        assert!(
            (got.beta - truth.beta).abs() < EXPONENT_ATOL,
            "seed {seed}: beta {}",
            got.beta
        );
        let e_err = (got.irreducible / truth.irreducible - 1.0).abs();
        assert!(e_err < E_RTOL, "seed {seed}: E {}", got.irreducible);
    }
}

#[test]
fn recovers_a_different_law_exactly_without_noise() {
    let truth = ChinchillaLaw {
        irreducible: 2.2,
        param_coef: 1200.0,
        data_coef: 90.0,
        alpha: 0.45,
        beta: 0.22,
    };
    let design = SimulationDesign {
        law: truth.into(),
        noise_sd: 0.0,
        ..SimulationDesign::default()
    };
    let got = fit_simulated(&design);
    for (name, g, t) in [
        ("E", got.irreducible, truth.irreducible),
        ("A", got.param_coef, truth.param_coef),
        ("B", got.data_coef, truth.data_coef),
        ("alpha", got.alpha, truth.alpha),
        ("beta", got.beta, truth.beta),
    ] {
        assert!((g / t - 1.0).abs() < 1e-4, "{name}: {g} vs {t}");
    }
}
