//! The library's own time for a default fit of a table of runs, for comparison with the
//! Python package's (`benches/python_overhead.py`): loads the file once, then times
//! `scaling_laws::fit::fit_dataset` with the default options `--repeats` times.
//!
//! Usage (from the repository root; build it in the profile of the extension compared):
//!
//! ```text
//! cargo run [--release] -p scaling-laws-bench --bin fit_time -- FILE [--drop-highest-loss K] [--repeats R]
//! ```
//!
//! Prints one JSON line: rows, repeats, the fastest and median fit time in seconds, and the
//! objective.

use std::time::Instant;

use scaling_laws::data::{LoadOptions, RowFilter, load};
use scaling_laws::fit::{FitConfig, fit_dataset};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut path = None;
    let mut drop = 0usize;
    let mut repeats = 5usize;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--drop-highest-loss" => {
                drop = args.get(i + 1).ok_or("--drop-highest-loss K")?.parse()?;
                i += 1;
            }
            "--repeats" => {
                repeats = args.get(i + 1).ok_or("--repeats R")?.parse()?;
                i += 1;
            }
            other => path = Some(other.to_string()),
        }
        i += 1;
    }
    let path = path.ok_or("usage: fit_time FILE [--drop-highest-loss K] [--repeats R]")?;
    let options = LoadOptions {
        filter: RowFilter {
            drop_highest_loss: drop,
            ..RowFilter::default()
        },
        ..LoadOptions::default()
    };
    let data = load(&path, &options)?;
    let config = FitConfig::default();
    let mut times = Vec::new();
    let mut objective = f64::NAN;
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        let report = fit_dataset(&data, &config, &|| {})?;
        times.push(start.elapsed().as_secs_f64());
        objective = report.fitted.objective;
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"rows\": {}, \"repeats\": {}, \"min_s\": {}, \"median_s\": {}, \"objective\": {}}}",
        data.len(),
        times.len(),
        times[0],
        times[times.len() / 2],
        objective
    );
    Ok(())
}
