//! The OLMo ladder (Bhagia et al. 2024; `../shared/data/olmo_ladder2024`, needs `../shared/data`):
//! its five sizes and the runs whose training curves the benchmarks read.

use std::path::PathBuf;

/// The ladder's sizes: the name that starts each run's name, and its parameter count.
pub const SIZES: [(&str, f64); 5] = [
    ("190M", 190_354_176.0),
    ("370M", 371_262_464.0),
    ("760M", 758_220_288.0),
    ("1B", 1_279_395_840.0),
    ("3B", 3_169_537_280.0),
];

/// The training lengths of the 25 curves of the authors' `final_moredata.json`, as they end
/// the runs' names (`190M-0.5xC`, …).
pub const CURVE_MULTIPLES: [&str; 5] = ["0.5xC", "1xC-rerun", "2xC", "5xC", "10xC"];

/// The folder of the ladder's data.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/olmo_ladder2024")
}

/// The curve files (`curves/SIZE-MULTIPLE.csv`) of `sizes` at each of `multiples`, size by
/// size.
pub fn curve_files(sizes: &[(&str, f64)], multiples: &[&str]) -> Vec<String> {
    let curves = dir().join("curves");
    sizes
        .iter()
        .flat_map(|(s, _)| multiples.iter().map(move |m| format!("{s}-{m}.csv")))
        .map(|f| curves.join(f).display().to_string())
        .collect()
}
