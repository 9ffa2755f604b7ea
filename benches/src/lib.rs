//! Inputs shared by the benchmarks.

pub mod multipower;
pub mod olmo;
pub mod sweeps;

use scaling_laws::data::{self, Dataset, LoadOptions, RowFilter};

/// The 240-run Chinchilla set of the Epoch AI replication (D = C/(6N), 5 highest losses
/// dropped), read from `../shared/data` beside the checkout.
///
/// # Panics
///
/// When the file is absent: the benchmarks are defined on this dataset.
pub fn chinchilla_240() -> Dataset {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/chinchilla_epoch_svg_extracted.csv"
    );
    let options = LoadOptions {
        filter: RowFilter {
            drop_highest_loss: 5,
            ..RowFilter::default()
        },
        ..LoadOptions::default()
    };
    data::load(path, &options).unwrap_or_else(|e| panic!("benchmarks need {path}: {e}"))
}

/// A simulated sweep of `rows` runs (ten budgets 1e18 to 3e22, `rows / 10` sizes each, 1%
/// noise): the data of `benches/compare.sh`'s row-scaling series, built in memory.
///
/// # Panics
///
/// When `rows` is not a positive multiple of 10.
pub fn simulated(rows: usize) -> scaling_laws::fit::Observations {
    use scaling_laws::design::simulate::{SimulationDesign, simulate};
    assert!(
        rows > 0 && rows.is_multiple_of(10),
        "rows must be a multiple of 10"
    );
    let design = SimulationDesign {
        budgets: vec![1e18, 3e18, 1e19, 3e19, 1e20, 3e20, 1e21, 3e21, 1e22, 3e22],
        sizes_per_budget: rows / 10,
        ..SimulationDesign::default()
    };
    let runs = simulate(&design).expect("a valid design");
    let column = |f: fn(&scaling_laws::design::simulate::SimulatedRun) -> f64| {
        runs.iter().map(f).collect::<Vec<_>>()
    };
    scaling_laws::fit::Observations::new(
        &column(|r| r.n_params),
        &column(|r| r.n_tokens),
        &column(|r| r.loss),
    )
}
