use super::*;
use crate::design::simulate::{SimulationDesign, simulate};
use crate::fit::{FitConfig, fit};
use crate::uncertainty::{BootstrapConfig, bootstrap};

/// A 30-run IsoFLOP sweep from Hoffmann et al.'s law, its fit and a 100-resample bootstrap.
fn fitted_sweep() -> (Observations, FittedLaw, BootstrapDraws) {
    let design = SimulationDesign {
        budgets: vec![6e18, 1e19, 3e19, 6e19, 1e20],
        sizes_per_budget: 6,
        seed: 7,
        ..SimulationDesign::default()
    };
    let runs = simulate(&design).unwrap();
    let column = |f: fn(&crate::design::simulate::SimulatedRun) -> f64| {
        runs.iter().map(f).collect::<Vec<_>>()
    };
    let obs = Observations::new(
        &column(|r| r.n_params),
        &column(|r| r.n_tokens),
        &column(|r| r.loss),
    );
    let fitted = fit(&obs, &FitConfig::default(), &|| {}).unwrap().fitted;
    let config = BootstrapConfig {
        n_resamples: 100,
        ..BootstrapConfig::default()
    };
    let draws = bootstrap(&obs, &fitted, &config, &|| {}).unwrap();
    (obs, fitted, draws)
}

fn ask(allow_outside: bool) -> SuggestConfig {
    SuggestConfig {
        target_budget: 1e23,
        target: Target::Params,
        runs: 6,
        compute_limit: 1e21,
        total_compute: None,
        level: 0.95,
        flops_per_param_token: 6.0,
        allow_outside,
    }
}

#[test]
fn suggested_runs_stay_inside_the_fitted_ranges_and_narrow_the_interval() {
    let (obs, fitted, draws) = fitted_sweep();
    let s = suggest(&obs, &fitted, &draws, &ask(false)).unwrap();
    assert_eq!(s.runs.len(), 6);
    for r in &s.runs {
        assert!(r.outside.is_none(), "{r:?}");
        assert!(s.ranges.outside(r.n_params, r.n_tokens).is_none(), "{r:?}");
    }
    // The interval now is the bootstrap's percentile interval, around the fitted value.
    let now = s.interval_now;
    assert!(now.lower < s.value && s.value < now.upper, "{now:?}");
    let last = s.runs.last().unwrap().interval_after;
    assert!(last.width_ratio < now.width_ratio, "{last:?} vs {now:?}");
    assert!(s.draws >= 90 && s.effective_draws > 1.0, "{s:?}");
}

#[test]
fn runs_outside_the_fitted_ranges_are_offered_only_when_allowed_and_then_flagged() {
    let (obs, fitted, draws) = fitted_sweep();
    let s = suggest(&obs, &fitted, &draws, &ask(true)).unwrap();
    for r in &s.runs {
        assert_eq!(
            r.outside.is_some(),
            s.ranges.outside(r.n_params, r.n_tokens).is_some(),
            "{r:?}"
        );
    }
    // Below the smallest fitted compute there is nothing, inside or out: a limit under it is
    // refused naming the flag.
    let low = SuggestConfig {
        compute_limit: 1e18,
        ..ask(false)
    };
    let err = suggest(&obs, &fitted, &draws, &low).unwrap_err();
    assert!(err.to_string().contains("--compute-limit"), "{err}");
}
