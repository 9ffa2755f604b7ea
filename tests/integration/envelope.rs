//! Issue 4, Approach 1: the training-curve envelope.

use scaling_laws::approaches::envelope::{EnvelopeConfig, analyse};
use scaling_laws::data::curves::{Curve, CurveOptions, load_curves};
use scaling_laws::law::ChinchillaLaw;

use crate::common::{run, shared_data, stderr, stdout, temp_dir, write_file};

#[test]
fn envelope_of_ideal_curves_recovers_the_allocation_exponent() {
    // Curves from a known law, as if every point were a fully trained run: the envelope then
    // traces the compute-optimal frontier, N* ∝ C^0.4516.
    let law = ChinchillaLaw::HOFFMANN_2022;
    let curves: Vec<Curve> = (0..40)
        .map(|i| {
            let n = 1e7 * 10f64.powf(i as f64 / 10.0);
            let tokens: Vec<f64> = (0..200)
                .map(|j| 1e8 * 10f64.powf(j as f64 / 40.0))
                .collect();
            Curve {
                run: format!("run{i}"),
                n_params: n,
                loss: tokens.iter().map(|&d| law.loss(n, d)).collect(),
                tokens,
                compute: None,
            }
        })
        .collect();
    let config = EnvelopeConfig {
        n_resamples: 0,
        ..EnvelopeConfig::default()
    };
    let a = analyse(&curves, &config).unwrap();
    assert!(
        (a.params.exponent.value - 0.4516).abs() < 0.02,
        "a = {}",
        a.params.exponent.value
    );
}

#[test]
fn olmo_ladder_curves_load_with_documented_options() {
    let Some(dir) = shared_data("olmo_ladder2024/curves") else {
        return;
    };
    let mut args: Vec<String> = vec!["envelope".into()];
    for size in ["190M", "370M", "760M", "1B", "3B"] {
        for mult in ["0.5xC", "1xC-rerun", "2xC", "5xC", "10xC"] {
            args.push(
                dir.join(format!("{size}-{mult}.csv"))
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    for opt in [
        "--tokens-col",
        "throughput/total_tokens",
        "--loss-col",
        "eval/c4_en-validation/CrossEntropyLoss",
        "--run-params",
        "190M=190354176",
        "--run-params",
        "370M=371262464",
        "--run-params",
        "760M=758220288",
        "--run-params",
        "1B=1279395840",
        "--run-params",
        "3B=3169537280",
        "--bootstrap",
        "200",
        "--format",
        "json",
    ] {
        args.push(opt.into());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&refs);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["runs"], 25);
    assert_eq!(v["sizes"], 5);
    let a = &v["params"]["exponent"];
    let value = a["value"].as_f64().unwrap();
    assert!((0.15..0.6).contains(&value), "a = {value}");
    assert!(a["lower"].as_f64().unwrap() < value && value < a["upper"].as_f64().unwrap());

    // Without N for a run, the error names the flag.
    let out = run(&[
        "envelope",
        &args[1],
        "--tokens-col",
        "throughput/total_tokens",
        "--loss-col",
        "eval/c4_en-validation/CrossEntropyLoss",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--run-params RUN=N"),
        "{}",
        stderr(&out)
    );
}

/// A long table of curves from the Chinchilla law: run, N, tokens, compute in GFLOPs, loss.
fn long_curve_table() -> String {
    let law = ChinchillaLaw::HOFFMANN_2022;
    let mut text = String::from("run,params,tokens,gflops,loss\n");
    for i in 0..12 {
        let n = 1e7 * 10f64.powf(i as f64 / 4.0);
        for j in 0..60 {
            let d = 1e8 * 10f64.powf(j as f64 / 15.0);
            let c = 6.0 * n * d / 1e9;
            text.push_str(&format!("size{i},{n},{d},{c},{}\n", law.loss(n, d)));
        }
    }
    text
}

#[test]
fn envelope_reads_a_per_row_compute_column() {
    let dir = temp_dir();
    let path = write_file(&dir, "curves.csv", &long_curve_table());
    let base = CurveOptions {
        tokens_col: "tokens".into(),
        loss_col: "loss".into(),
        params_col: Some("params".into()),
        run_col: Some("run".into()),
        ..CurveOptions::default()
    };
    let from_tokens = load_curves(&path, &base).unwrap();
    let with_compute = CurveOptions {
        flops_col: Some("gflops".into()),
        flops_scale: 1e9,
        ..base
    };
    let from_compute = load_curves(&path, &with_compute).unwrap();
    assert_eq!(from_compute.len(), 12);
    let first = &from_compute[0];
    let c = first.compute.as_ref().unwrap();
    assert!((c[0] / (6.0 * 1e7 * 1e8) - 1.0).abs() < 1e-12, "{}", c[0]);
    let config = EnvelopeConfig {
        n_resamples: 0,
        ..EnvelopeConfig::default()
    };
    let a = analyse(&from_tokens, &config).unwrap();
    let b = analyse(&from_compute, &config).unwrap();
    assert!((a.params.exponent.value - b.params.exponent.value).abs() < 1e-6);
    // The compute column is what counts: with k = 3 and no compute column the budgets move.
    let k3 = EnvelopeConfig {
        flops_per_param_token: 3.0,
        ..config.clone()
    };
    let c3 = analyse(&from_compute, &k3).unwrap();
    assert!((c3.points[0].compute / b.points[0].compute - 1.0).abs() < 1e-12);
    // The same through the command line.
    let out = run(&[
        "envelope",
        &path,
        "--run-col",
        "run",
        "--params-col",
        "params",
        "--flops-col",
        "gflops",
        "--flops-scale",
        "1e9",
        "--bootstrap",
        "0",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let value = v["params"]["exponent"]["value"].as_f64().unwrap();
    assert!((value - b.params.exponent.value).abs() < 1e-9, "{value}");
}

#[test]
fn long_curve_tables_check_run_names_and_sizes() {
    let dir = temp_dir();
    let text = "run,params,tokens,loss\na,1e8,1e9,3.0\n,1e8,2e9,2.9\n";
    let path = write_file(&dir, "empty_run.csv", text);
    let options = CurveOptions {
        tokens_col: "tokens".into(),
        loss_col: "loss".into(),
        params_col: Some("params".into()),
        run_col: Some("run".into()),
        ..CurveOptions::default()
    };
    let err = load_curves(&path, &options).unwrap_err().to_string();
    assert!(
        err.contains("column 'run'") && err.contains("empty cells at row 2"),
        "{err}"
    );
    let text = "run,params,tokens,loss\na,1e8,1e9,3.0\na,2e8,2e9,2.9\n";
    let path = write_file(&dir, "two_sizes.csv", text);
    let err = load_curves(&path, &options).unwrap_err().to_string();
    assert!(err.contains("two sizes") && err.contains("row 2"), "{err}");
}

#[test]
fn compare_reads_long_format_curve_files() {
    let dir = temp_dir();
    let curves = write_file(&dir, "curves.csv", &long_curve_table());
    let runs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/simulated_sweep.csv");
    let out = run(&[
        "compare",
        runs.to_str().unwrap(),
        "--curves",
        &curves,
        "--curve-run-col",
        "run",
        "--curve-params-col",
        "params",
        "--bootstrap",
        "0",
        "--quiet",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Approach 1 (envelope)"), "{text}");
}

#[test]
fn curves_in_memory_read_as_the_same_table_in_a_file() {
    use scaling_laws::data::Values;
    use scaling_laws::data::curves::curves_from_columns;
    use scaling_laws::data::table::Column;

    let text = long_curve_table();
    let dir = temp_dir();
    let path = write_file(&dir, "curves.csv", &text);
    let options = CurveOptions {
        tokens_col: "tokens".into(),
        loss_col: "loss".into(),
        params_col: Some("params".into()),
        run_col: Some("run".into()),
        ..CurveOptions::default()
    };
    let from_file = load_curves(&path, &options).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let number = |j: usize| Values::Float(rows.iter().map(|r| r[j].parse().ok()).collect());
    let columns = vec![
        Column {
            name: "run".into(),
            values: Values::Text(rows.iter().map(|r| Some(r[0])).collect()),
        },
        Column {
            name: "params".into(),
            values: number(1),
        },
        Column {
            name: "tokens".into(),
            values: number(2),
        },
        Column {
            name: "loss".into(),
            values: number(4),
        },
    ];
    let in_memory = curves_from_columns(columns.clone(), "a data frame", &options).unwrap();
    assert_eq!(in_memory, from_file);
    assert_eq!(in_memory.len(), 12);

    // Without a run column, one run named after the label (not a file stem: "1.3B" stays).
    let single = CurveOptions {
        run_col: None,
        params_col: None,
        run_params: vec![("1.3B".into(), 1.3e9)],
        ..options.clone()
    };
    let one_run: Vec<Column> = columns[2..].to_vec();
    let curves = curves_from_columns(one_run, "1.3B", &single).unwrap();
    assert_eq!(curves.len(), 1);
    assert_eq!(curves[0].run, "1.3B");
    assert_eq!(curves[0].n_params, 1.3e9);
    assert_eq!(curves[0].tokens.len(), 12 * 60);

    // Columns of different lengths are refused, naming the data.
    let mut short = columns;
    short[3].values = Values::Float(vec![Some(2.0); 5]);
    let err = curves_from_columns(short, "a data frame", &options).unwrap_err();
    assert!(
        err.to_string().contains("of a data frame has 5 values"),
        "{err}"
    );
}
