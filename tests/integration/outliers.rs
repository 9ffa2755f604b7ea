//! The outlier test and the per-run compute check are calibrated: clean simulated sweeps get no
//! alarm, injected faults are named by their row (`benches/warnings/README.md` has the full
//! measurement).

use scaling_laws::data::{Dataset, Format, LoadOptions, load_bytes};
use scaling_laws::design::simulate::{SimulatedRun, SimulationDesign, simulate};
use scaling_laws::fit::{FitConfig, fit_dataset};
use scaling_laws::warnings::{Warning, WarningCode};

/// `scaling-laws simulate --budgets 1e18,1e19,1e20,1e21 --sizes-per-budget 5 --seed SEED`.
fn small_sweep(seed: u64) -> Vec<SimulatedRun> {
    let design = SimulationDesign {
        budgets: vec![1e18, 1e19, 1e20, 1e21],
        sizes_per_budget: 5,
        seed,
        ..SimulationDesign::default()
    };
    simulate(&design).unwrap()
}

/// The runs as the CSV `simulate` writes (N, D, C, loss), loaded.
fn load(runs: &[SimulatedRun]) -> Dataset {
    let mut csv = String::from("n_params,n_tokens,flops,loss\n");
    for r in runs {
        csv += &format!("{},{},{},{}\n", r.n_params, r.n_tokens, r.flops, r.loss);
    }
    load_bytes(
        csv.into_bytes(),
        Format::Csv,
        "sweep.csv",
        &LoadOptions::default(),
    )
    .unwrap()
}

/// Every warning `fit` prints for `data`: the loader's and the fit's.
fn warnings(data: &Dataset) -> Vec<Warning> {
    let report = fit_dataset(data, &FitConfig::default(), &|| {}).unwrap();
    let mut all = data.warnings.clone();
    all.extend(report.diagnostics.warnings);
    all
}

fn find(warnings: &[Warning], code: WarningCode) -> Option<&Warning> {
    warnings.iter().find(|w| w.code == code)
}

#[test]
fn thirty_clean_twenty_run_sweeps_get_no_outlier_warning() {
    // Before the residual scale skipped the exactly fitted runs, 7 of these 30 had one.
    let flagged: Vec<(u64, String)> = (1..=30)
        .filter_map(|seed| {
            let w = warnings(&load(&small_sweep(seed)));
            find(&w, WarningCode::OutlyingRuns).map(|w| (seed, w.message.clone()))
        })
        .collect();
    assert!(flagged.is_empty(), "{flagged:?}");
}

#[test]
fn one_diverged_run_is_named_by_its_row() {
    let mut runs = small_sweep(3);
    runs.extend(small_sweep(4));
    // Row 9 (1-based): its loss 30% too high, some 25 noise sds.
    runs[8].loss *= 1.3;
    let w = warnings(&load(&runs));
    let outliers = find(&w, WarningCode::OutlyingRuns).unwrap_or_else(|| panic!("{w:?}"));
    assert_eq!(outliers.rows, vec![9], "{}", outliers.message);
    assert!(
        outliers.message.starts_with("1 run lies more than "),
        "{}",
        outliers.message
    );
    assert!(find(&w, WarningCode::ComputeColumnInconsistent).is_none());
}

#[test]
fn a_run_whose_tokens_are_in_thousands_disagrees_with_the_compute_column() {
    let mut runs = small_sweep(5);
    runs[13].n_tokens /= 1e3;
    let w = warnings(&load(&runs));
    let found = find(&w, WarningCode::ComputeColumnInconsistent).unwrap_or_else(|| panic!("{w:?}"));
    assert_eq!(found.rows, vec![14], "{}", found.message);
    assert!(
        found.message.starts_with("1 of 20 runs disagree"),
        "{}",
        found.message
    );
    assert!(found.message.contains("row 14 ("), "{}", found.message);
    // The clean sweep: every run agrees.
    let clean = warnings(&load(&small_sweep(5)));
    assert!(
        find(&clean, WarningCode::ComputeColumnInconsistent).is_none(),
        "{clean:?}"
    );
}

#[test]
fn a_mislabelled_size_disagrees_with_the_compute_column() {
    let mut runs = small_sweep(6);
    runs[2].n_params *= 2.0;
    let w = warnings(&load(&runs));
    let found = find(&w, WarningCode::ComputeColumnInconsistent).unwrap_or_else(|| panic!("{w:?}"));
    assert_eq!(found.rows, vec![3], "{}", found.message);
    assert!(
        found.message.contains("0.5 times 6·N·D"),
        "{}",
        found.message
    );
}
