//! The loader: formats, standard input, column detection, derivation of tokens, filters.

use scaling_laws::data::{self, Condition, Format, LoadOptions, RowFilter};

use crate::common::{bin, run, shared_data, stderr, stdout, temp_dir};

#[test]
fn csv_parquet_and_ndjson_give_the_same_fit() {
    let dir = temp_dir();
    let mut fits = Vec::new();
    for ext in ["csv", "parquet", "ndjson"] {
        let path = dir.path().join(format!("runs.{ext}"));
        let out = run(&["simulate", "--seed", "11", "--out", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let ds = data::load(path.to_str().unwrap(), &LoadOptions::default()).unwrap();
        assert_eq!(ds.len(), 108, "{ext}");
        assert_eq!(ds.source.format.name(), ext);
        let out = run(&["fit", path.to_str().unwrap(), "--format", "json", "--quiet"]);
        assert!(out.status.success(), "{ext}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        fits.push(v["report"]["fitted"]["law"].clone());
    }
    assert_eq!(fits[0], fits[1]);
    assert_eq!(fits[1], fits[2]);
}

#[test]
fn dash_reads_csv_from_standard_input() {
    let sim = run(&["simulate", "--seed", "3"]);
    assert!(sim.status.success());
    let mut child = bin()
        .args(["fit", "-", "--format", "json", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&sim.stdout).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["provenance"]["source"]["path"], "-");
    assert_eq!(v["provenance"]["rows_used"], 108);
}

#[test]
fn integer_flop_counts_beyond_i64_load() {
    // 1.6e19 written as an integer does not fit in i64.
    let text = "n_params,training flop,val_loss\n\
                100000000,16000000000000000000,3.1\n\
                1000000000,16000000000000000000,2.9\n";
    let ds = data::load_bytes(
        text.as_bytes().to_vec(),
        Format::Csv,
        "big.csv",
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(ds.compute[0], 1.6e19);
    assert!((ds.n_tokens[1] - 1.6e19 / 6e9).abs() < 1.0);
    assert_eq!(ds.columns.loss, "val_loss");
}

#[test]
fn label_columns_with_role_names_are_skipped() {
    // `param_count` holds words here; `n_params` holds the numbers.
    let text = "param_count,n_params,tokens,loss\nstandard,1e8,1e9,3.0\nstandard,1e9,1e10,2.5\n";
    let ds = data::load_bytes(
        text.as_bytes().to_vec(),
        Format::Csv,
        "t.csv",
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(ds.columns.params, "n_params");
}

#[test]
fn where_filters_on_text_and_role_values() {
    let text = "decay,N,D,loss\nchinchilla,1e8,1e9,3.0\nkaplan,1e8,1e9,3.1\nchinchilla,1e9,1e10,2.5\nchinchilla,1e10,1e10,2.4\n";
    let options = LoadOptions {
        filter: RowFilter {
            conditions: vec![
                Condition::parse("decay = chinchilla", "--where").unwrap(),
                Condition::parse("N < 5e9", "--where").unwrap(),
            ],
            drop_highest_loss: 0,
        },
        ..LoadOptions::default()
    };
    let ds = data::load_bytes(text.as_bytes().to_vec(), Format::Csv, "t.csv", &options).unwrap();
    assert_eq!(ds.rows, vec![1, 3]);
    assert_eq!(ds.notes.len(), 2, "{:?}", ds.notes);
}

#[test]
fn a_filter_can_exclude_rows_that_would_not_validate() {
    let text = "ok,N,D,loss\nyes,1e8,1e9,3.0\nno,1e8,1e9,oops\nyes,1e9,1e10,2.5\n";
    let options = LoadOptions {
        filter: RowFilter {
            conditions: vec![Condition::parse("ok = yes", "--where").unwrap()],
            drop_highest_loss: 0,
        },
        ..LoadOptions::default()
    };
    let ds = data::load_bytes(text.as_bytes().to_vec(), Format::Csv, "t.csv", &options).unwrap();
    assert_eq!(ds.len(), 2);
}

#[test]
fn dropping_the_five_highest_losses_leaves_240_chinchilla_runs() {
    let Some(path) = shared_data("chinchilla_epoch_svg_extracted.csv") else {
        return;
    };
    let options = LoadOptions {
        filter: RowFilter {
            conditions: vec![],
            drop_highest_loss: 5,
        },
        ..LoadOptions::default()
    };
    let ds = data::load(path.to_str().unwrap(), &options).unwrap();
    assert_eq!(ds.len(), 240);
    assert_eq!(ds.source.rows_in_file, 245);
    // The Epoch replication keeps losses below the 5th largest, 3.446995430227908.
    let max_kept = ds.loss.iter().copied().fold(0.0, f64::max);
    assert!(max_kept < 3.446995430227908, "{max_kept}");
    assert_eq!(ds.columns.params, "Model Size");
    assert_eq!(ds.columns.flops.as_deref(), Some("Training FLOP"));
    // --max-loss gives the same rows.
    let out = run(&[
        "fit",
        path.to_str().unwrap(),
        "--max-loss",
        "3.4469",
        "--format",
        "json",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["provenance"]["rows_used"], 240);
}

#[test]
fn shipped_example_data_is_reproduced_by_simulate() {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/simulated_sweep.csv");
    let out = run(&["simulate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        out.stdout,
        std::fs::read(shipped).unwrap(),
        "data/README.md's command no longer reproduces the file"
    );
}
