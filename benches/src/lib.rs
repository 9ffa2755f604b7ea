//! Inputs shared by the benchmarks.

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
