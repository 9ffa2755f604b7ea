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
    assert_eq!(ds.columns.params.as_deref(), Some("n_params"));
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
    assert_eq!(ds.columns.params.as_deref(), Some("Model Size"));
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

/// A tiny Parquet file made by tests/fixtures/make_parquet_fixtures.py.
fn fixture(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn unused_decimal_and_float16_parquet_columns_are_not_decoded() {
    for name in ["unused_decimal.parquet", "unused_float16.parquet"] {
        let ds = data::load(&fixture(name), &LoadOptions::default()).unwrap();
        assert_eq!(ds.len(), 9, "{name}");
        assert!(
            (ds.loss[0] - (1.69 + 406.4 / 1e8f64.powf(0.34) + 410.7 / 1e9f64.powf(0.28))).abs()
                < 1e-12
        );
        let out = run(&["fit", &fixture(name), "--format", "json", "--quiet"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let e = v["report"]["fitted"]["law"]["E"].as_f64().unwrap();
        assert!((e - 1.69).abs() < 1e-3, "{name}: E = {e}");
    }
}

#[test]
fn a_used_decimal_or_float16_column_is_a_clear_error() {
    for (name, dtype) in [
        ("decimal_loss.parquet", "decimal(12, 6)"),
        ("float16_loss.parquet", "float16"),
    ] {
        let out = run(&["fit", &fixture(name), "--quiet"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains(&format!(
                "column 'loss' in {} has type {dtype}",
                fixture(name)
            )),
            "{err}"
        );
        // Filtering on such a column is refused the same way.
        let err = data::load(
            &fixture("unused_decimal.parquet"),
            &LoadOptions {
                filter: RowFilter {
                    conditions: vec![Condition::parse("price < 2", "--where").unwrap()],
                    drop_highest_loss: 0,
                },
                ..LoadOptions::default()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("has type decimal(10, 2)"), "{err}");
    }
}

#[test]
fn parquet_integers_and_floats_of_every_width_load_beside_unused_exotic_columns() {
    // N is uint64, D int64, loss float32; int8, bool, dates, lists, structs, dictionaries,
    // binary and decimal256 columns sit beside them unused.
    let ds = data::load(&fixture("many_types.parquet"), &LoadOptions::default()).unwrap();
    assert_eq!(ds.len(), 9);
    assert_eq!((ds.n_params[8], ds.n_tokens[8]), (1e10, 1e11));
    assert!((ds.loss[0] - 3.7046734).abs() < 1e-6, "{}", ds.loss[0]);
    // A filter on a readable text column works; a role on an int8 column is a clear error.
    let options = LoadOptions {
        filter: RowFilter {
            conditions: vec![
                Condition::parse("name in (run0, run4) or name ~ 8", "--where").unwrap(),
            ],
            drop_highest_loss: 0,
        },
        ..LoadOptions::default()
    };
    assert_eq!(
        data::load(&fixture("many_types.parquet"), &options)
            .unwrap()
            .rows,
        vec![1, 5, 9]
    );
    let options = LoadOptions {
        columns: data::ColumnNames {
            loss: Some("step".into()),
            ..data::ColumnNames::default()
        },
        ..LoadOptions::default()
    };
    let err = data::load(&fixture("many_types.parquet"), &options).unwrap_err();
    assert!(
        err.to_string().contains("column 'step'") && err.to_string().contains("int8"),
        "{err}"
    );
}

#[test]
fn carriage_return_line_endings_are_read_as_lines() {
    let text = "N,D,loss\r1e8,1e9,3.0\r1e9,1e10,2.5\r1e10,1e11,2.2\r";
    let ds = data::load_bytes(
        text.as_bytes().to_vec(),
        Format::Csv,
        "mac.csv",
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!((ds.len(), ds.columns.loss.as_str()), (3, "loss"));
    assert!(
        ds.notes.iter().any(|n| n.contains("carriage returns")),
        "{:?}",
        ds.notes
    );
}

fn load_with(text: &str, conditions: &[&str]) -> Result<data::Dataset, scaling_laws::Error> {
    let options = LoadOptions {
        filter: RowFilter {
            conditions: conditions
                .iter()
                .map(|c| Condition::parse(c, "--where").unwrap())
                .collect(),
            drop_highest_loss: 0,
        },
        ..LoadOptions::default()
    };
    data::load_bytes(text.as_bytes().to_vec(), Format::Csv, "t.csv", &options)
}

#[test]
fn where_takes_or_in_lists_and_substrings() {
    let text = "name,decay,optimizer,N,D,loss\n\
                pythia-160m,chinchilla,adam,1e8,1e9,3.0\n\
                pythia-410m,cosine,adamw,4e8,1e9,2.9\n\
                pythia-410m-deduped,linear,sgd,4e8,2e9,2.8\n\
                pythia-1b,cosine,adafactor,1e9,1e10,2.5\n";
    let rows = |conditions: &[&str]| load_with(text, conditions).unwrap().rows;
    assert_eq!(
        rows(&["decay = chinchilla or decay = cosine"]),
        vec![1, 2, 4]
    );
    assert_eq!(rows(&["optimizer in (adam, adamw)"]), vec![1, 2]);
    assert_eq!(rows(&["name ~ 410M"]), vec![2, 3]);
    assert_eq!(rows(&["name ~ 410m", "decay != linear"]), vec![2]);
    assert_eq!(rows(&["N in (1e8, 1e9) or L < 2.85"]), vec![1, 3, 4]);
    // The old syntax keeps working, and notes show the condition as understood.
    let ds = load_with(text, &["decay = 'cosine' or optimizer = sgd"]).unwrap();
    assert_eq!(ds.rows, vec![2, 3, 4]);
    assert!(
        ds.notes[0].contains("decay = cosine or optimizer = sgd"),
        "{:?}",
        ds.notes
    );
}

#[test]
fn parameters_are_derived_from_compute_and_tokens() {
    let text = "tokens,flops,loss\n1e9,6e17,3.0\n2e10,1.2e20,2.5\n";
    let ds = data::load_bytes(
        text.as_bytes().to_vec(),
        Format::Csv,
        "t.csv",
        &LoadOptions::default(),
    )
    .unwrap();
    assert!((ds.n_params[0] / 1e8 - 1.0).abs() < 1e-12);
    assert!((ds.n_params[1] / 1e9 - 1.0).abs() < 1e-12);
    assert_eq!(ds.columns.params, None);
    assert!(
        ds.notes.iter().any(|n| n.contains("N = C / (6·D)")),
        "{:?}",
        ds.notes
    );
}

/// The simulated sweep with its compute column divided by `unit`, and without tokens when asked.
fn sweep_in_unit(unit: f64, with_tokens: bool) -> String {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/simulated_sweep.csv");
    let text = std::fs::read_to_string(shipped).unwrap();
    let mut out = String::from(if with_tokens {
        "N,D,compute,loss\n"
    } else {
        "N,compute,loss\n"
    });
    for line in text.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        let c = 6.0 * f[1] * f[2] / unit;
        if with_tokens {
            out.push_str(&format!("{},{},{c},{}\n", f[1], f[2], f[4]));
        } else {
            out.push_str(&format!("{},{c},{}\n", f[1], f[4]));
        }
    }
    out
}

#[test]
fn a_compute_column_in_gflops_is_flagged_and_flops_scale_fixes_it() {
    let dir = temp_dir();
    let path = crate::common::write_file(&dir, "gflops.csv", &sweep_in_unit(1e9, true));
    let out = run(&["fit", &path, "--quiet", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let w = &v["provenance"]["warnings"][0];
    assert_eq!(w["code"], "compute_column_inconsistent");
    assert!(w["message"].as_str().unwrap().contains("GFLOPs"), "{w}");
    assert!(
        w["action"].as_str().unwrap().contains("--flops-scale 1e9"),
        "{w}"
    );
    let out = run(&["fit", &path, "--quiet"]);
    let text = stdout(&out);
    assert!(
        text.contains("warning") && text.contains("--flops-scale 1e9"),
        "{text}"
    );
    let out = run(&[
        "fit",
        &path,
        "--quiet",
        "--format",
        "json",
        "--flops-scale",
        "1e9",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        v["provenance"]["warnings"].as_array().unwrap().len(),
        0,
        "{}",
        v["provenance"]
    );
    assert_eq!(v["provenance"]["flops_scale"], 1e9);
    // A fit saved before the scale and warnings existed still loads.
    let mut old = v.clone();
    let provenance = old["provenance"].as_object_mut().unwrap();
    provenance.remove("flops_scale");
    provenance.remove("warnings");
    let saved: scaling_laws::saved::SavedFit = serde_json::from_value(old).unwrap();
    assert_eq!(saved.provenance.flops_scale, 1.0);
}

#[test]
fn tokens_derived_from_gflops_are_flagged_as_implausible() {
    let text = sweep_in_unit(1e9, false);
    let ds = data::load_bytes(
        text.into_bytes(),
        Format::Csv,
        "t.csv",
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(ds.warnings.len(), 1, "{:?}", ds.warnings);
    assert!(
        ds.warnings[0].message.contains("implausibly few"),
        "{:?}",
        ds.warnings
    );
    assert!(ds.warnings[0].action.contains("--flops-scale"));
    let text = sweep_in_unit(1.0, false);
    let ds = data::load_bytes(
        text.into_bytes(),
        Format::Csv,
        "t.csv",
        &LoadOptions::default(),
    )
    .unwrap();
    assert!(ds.warnings.is_empty(), "{:?}", ds.warnings);
}

#[test]
fn common_trainer_column_names_are_found() {
    for (params, tokens, loss) in [
        ("model_params", "train_tokens", "eval_loss"),
        ("num_params", "tokens_seen", "val_loss"),
        ("model_parameters", "num_training_tokens", "loss"),
    ] {
        let text = format!("{params},{tokens},{loss}\n1e8,2e9,3.0\n1e9,2e10,2.5\n");
        let ds = data::load_bytes(
            text.into_bytes(),
            Format::Csv,
            "t.csv",
            &LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(ds.columns.params.as_deref(), Some(params));
        assert_eq!(ds.columns.tokens.as_deref(), Some(tokens));
        assert_eq!(ds.columns.loss, loss);
    }
}

#[test]
fn every_missing_column_is_named_in_one_message() {
    let text = "size,steps,value\n1e8,2e9,3.0\n1e9,2e10,2.5\n";
    let err = data::load_bytes(
        text.as_bytes().to_vec(),
        Format::Csv,
        "t.csv",
        &LoadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("no loss (L) column in t.csv"), "{err}");
    assert!(
        err.contains("--loss-col") && err.contains("--params-col"),
        "{err}"
    );
}

#[test]
fn a_column_of_an_unreadable_type_first_in_a_frame_is_named_when_used_and_harmless_otherwise() {
    use scaling_laws::data::{self, Values, table::Column};
    let numbers = |v: &[f64]| Values::Float(v.iter().map(|&x| Some(x)).collect());
    let columns = |budget_name: &str| {
        vec![
            Column {
                name: budget_name.into(),
                values: Values::Unreadable("datetime64[ns]".into()),
            },
            Column {
                name: "N".into(),
                values: numbers(&[1e8, 1e9, 1e10]),
            },
            Column {
                name: "D".into(),
                values: numbers(&[2e9, 2e10, 2e11]),
            },
            Column {
                name: "loss".into(),
                values: numbers(&[3.2, 2.7, 2.3]),
            },
        ]
    };
    // Used as the budget (found by its name): an error naming the column and its type, not a
    // complaint that the other columns are longer.
    let err = data::load_columns(
        columns("flops_budget"),
        "pandas DataFrame",
        &Default::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("flops_budget") && err.contains("datetime64"),
        "{err}"
    );
    assert!(!err.contains("has 3 values"), "{err}");
    // Not used: the runs load.
    let ds = data::load_columns(
        columns("started_at"),
        "pandas DataFrame",
        &Default::default(),
    )
    .unwrap();
    assert_eq!(ds.len(), 3);
}
