//! The default fit stops launching its chosen starts once 10 runs reach the best objective
//! (`scaling_laws::fit::multistart`); it must end where running all 100 chosen starts ends, on
//! the shipped sweeps and on every published dataset at hand.

use scaling_laws::data::{self, ColumnNames, Dataset, LoadOptions, RowFilter};
use scaling_laws::fit::{self, FitConfig};

use crate::common::{rel_diff, shared_data};

/// Objectives of the early-stopped and the full search agree to this (relative).
const SAME_OPTIMUM_RTOL: f64 = 1e-9;

fn load(path: &std::path::Path, columns: ColumnNames, drop_highest_loss: usize) -> Dataset {
    let options = LoadOptions {
        columns,
        filter: RowFilter {
            drop_highest_loss,
            ..RowFilter::default()
        },
        ..LoadOptions::default()
    };
    data::load(path.to_str().unwrap(), &options).expect("the data load")
}

fn columns(params: &str, tokens: &str, loss: &str) -> ColumnNames {
    ColumnNames {
        params: Some(params.into()),
        tokens: Some(tokens.into()),
        loss: Some(loss.into()),
        ..ColumnNames::default()
    }
}

/// Fit `data` with the default early stop and with every chosen start; the optima must agree
/// and the early fit must have made fewer runs, saying so.
fn assert_early_stop_reaches_the_full_optimum(name: &str, data: &Dataset) {
    let obs = data.observations();
    let early = fit::fit(&obs, &FitConfig::default(), &|| {}).unwrap();
    let all = FitConfig {
        stop_when_reached: None,
        ..FitConfig::default()
    };
    let full = fit::fit(&obs, &all, &|| {}).unwrap();
    let (a, b) = (early.fitted.objective, full.fitted.objective);
    assert!(
        rel_diff(a, b) <= SAME_OPTIMUM_RTOL,
        "{name}: early stop {a:.15e}, all 100 starts {b:.15e}"
    );
    let stop = early.diagnostics.stopped_early.expect("stopped early");
    assert!(
        early.diagnostics.starts_run < stop.chosen
            && early.diagnostics.reached_best >= stop.when_reached,
        "{name}: {:?}",
        early.diagnostics
    );
}

#[test]
fn early_stopped_fit_reaches_the_full_searchs_optimum_on_the_shipped_sweep() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/simulated_sweep.csv");
    let data = load(&path, ColumnNames::default(), 0);
    assert_early_stop_reaches_the_full_optimum("data/simulated_sweep.csv", &data);
}

#[test]
fn early_stopped_fit_reaches_the_full_searchs_optimum_on_published_data() {
    let sets = [
        (
            "chinchilla_epoch_svg_extracted.csv",
            ColumnNames::default(),
            5,
        ),
        (
            "porian2024/isoflop_points.csv",
            columns("n_params", "tokens", "loss"),
            0,
        ),
        (
            "datablations2023/c4_final_val_losses.csv",
            columns("params", "tokens", "loss"),
            0,
        ),
        (
            "olmo_ladder2024/final_points.csv",
            columns("N_params", "tokens", "loss_c4_en"),
            0,
        ),
    ];
    for (file, cols, drop) in sets {
        let Some(path) = shared_data(file) else {
            return;
        };
        assert_early_stop_reaches_the_full_optimum(file, &load(&path, cols, drop));
    }
}

#[test]
fn the_report_says_how_many_starts_ran_and_why_the_search_stopped() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/simulated_sweep.csv");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args(["fit", path.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("starts "))
        .expect("a starts line");
    assert!(
        line.contains("4500 available, 100 chosen")
            && line.contains(" run in batches, stopped once 10 agreed on the best (within 1e-9)"),
        "{line}"
    );
    let given = std::process::Command::new(env!("CARGO_BIN_EXE_scaling-laws"))
        .args(["fit", path.to_str().unwrap(), "--quiet", "--starts", "7"])
        .output()
        .unwrap();
    let text = String::from_utf8(given.stdout).unwrap();
    assert!(text.contains("4500 available, 7 run ("), "{text}");
}
