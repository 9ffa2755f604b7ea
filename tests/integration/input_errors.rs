//! Bad input: every case gets a clear message naming file, column, rows or flag, and exit
//! code 2; nothing panics.

use proptest::prelude::*;
use scaling_laws::data::{self, Format, LoadOptions};
use scaling_laws::fit::{self, FitConfig, StartSelection};

use crate::common::{run, stderr, temp_dir, write_file};

/// A small valid table: 3 sizes × 3 token counts.
fn valid_rows() -> Vec<String> {
    let mut rows = Vec::new();
    for n in [1e8, 1e9, 1e10] {
        for d in [1e9, 1e10, 1e11] {
            let l = 1.69 + 406.4 / f64::powf(n, 0.34) + 410.7 / f64::powf(d, 0.28);
            rows.push(format!("{n},{d},{l}"));
        }
    }
    rows
}

fn table_with(header: &str, rows: &[String]) -> String {
    let mut s = format!("{header}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// Run `fit` on `text` and return (exit code, stderr).
fn fit_text(text: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let dir = temp_dir();
    let path = write_file(&dir, "runs.csv", text);
    let mut args = vec!["fit", path.as_str(), "--quiet"];
    args.extend_from_slice(extra);
    let out = run(&args);
    (out.status.code(), stderr(&out), path)
}

fn assert_bad_input(text: &str, extra: &[&str], needles: &[&str]) {
    let (code, err, path) = fit_text(text, extra);
    assert_eq!(code, Some(2), "expected exit 2, stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for needle in needles {
        let needle = needle.replace("{path}", &path);
        assert!(err.contains(&needle), "stderr lacks '{needle}': {err}");
    }
}

#[test]
fn missing_column_lists_the_columns_and_the_flag() {
    let rows: Vec<String> = valid_rows()
        .iter()
        .map(|r| r.rsplit_once(',').unwrap().0.to_string())
        .collect();
    assert_bad_input(
        &table_with("params,tokens", &rows),
        &[],
        &[
            "no loss (L) column in {path}",
            "found: params, tokens",
            "--loss-col",
        ],
    );
    let rows: Vec<String> = valid_rows()
        .iter()
        .map(|r| r.split_once(',').unwrap().1.to_string())
        .collect();
    assert_bad_input(
        &table_with("tokens,loss", &rows),
        &[],
        &["no parameters (N) column", "--params-col"],
    );
}

#[test]
fn missing_tokens_and_compute_suggests_both_flags() {
    let rows: Vec<String> = valid_rows()
        .iter()
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            format!("{},{}", f[0], f[2])
        })
        .collect();
    assert_bad_input(
        &table_with("N,loss", &rows),
        &[],
        &["no tokens (D) column", "--tokens-col", "--flops-col"],
    );
}

#[test]
fn unknown_column_override_is_named() {
    assert_bad_input(
        &table_with("N,D,loss", &valid_rows()),
        &["--loss-col", "val"],
        &["column 'val' given with --loss-col", "found: N, D, loss"],
    );
}

#[test]
fn ambiguous_columns_ask_for_a_choice() {
    let rows: Vec<String> = valid_rows()
        .iter()
        .map(|r| format!("{r},{}", r.rsplit_once(',').unwrap().1))
        .collect();
    assert_bad_input(
        &table_with("N,D,loss,val_loss", &rows),
        &[],
        &["could be the loss (L) column: loss, val_loss", "--loss-col"],
    );
}

#[test]
fn non_numeric_text_names_rows_and_values() {
    let mut rows = valid_rows();
    rows[2] = rows[2]
        .replacen("1e10", "ten billion", 1)
        .replacen("100000000", "1e8", 1);
    rows[4] = "1e9,1e10,abc".to_string();
    assert_bad_input(
        &table_with("N,D,loss", &rows),
        &[],
        &["column 'loss' in {path} has text that is not a number at row 5 ('abc')"],
    );
}

#[test]
fn empty_cells_are_reported() {
    let mut rows = valid_rows();
    rows[1] = "1e8,,3.0".to_string();
    assert_bad_input(
        &table_with("N,D,loss", &rows),
        &[],
        &["column 'D'", "has empty cells at row 2"],
    );
}

#[test]
fn nan_and_infinity_are_reported() {
    let mut rows = valid_rows();
    rows[0] = "1e8,1e9,NaN".to_string();
    rows[3] = "1e9,1e9,inf".to_string();
    assert_bad_input(
        &table_with("N,D,loss", &rows),
        &[],
        &["has NaN or infinite values at rows 1 ('NaN'), 4 ('inf')"],
    );
}

#[test]
fn non_positive_values_are_reported_for_each_role() {
    for (col, header) in [(0, "N"), (1, "D"), (2, "loss")] {
        let mut rows = valid_rows();
        for r in [1usize, 6] {
            let mut f: Vec<String> = rows[r].split(',').map(str::to_string).collect();
            f[col] = if r == 1 { "0".into() } else { "-3".into() };
            rows[r] = f.join(",");
        }
        let needle =
            format!("column '{header}' in {{path}} has values <= 0 at rows 2 ('0'), 7 ('-3')");
        assert_bad_input(&table_with("N,D,loss", &rows), &[], &[&needle]);
    }
    // Compute, when tokens are derived from it.
    let rows: Vec<String> = valid_rows()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let f: Vec<f64> = r.split(',').map(|x| x.parse().unwrap()).collect();
            let c = if i == 0 { -1.0 } else { 6.0 * f[0] * f[1] };
            format!("{},{c},{}", f[0], f[2])
        })
        .collect();
    assert_bad_input(
        &table_with("N,flops,loss", &rows),
        &[],
        &["column 'flops'", "values <= 0 at row 1"],
    );
}

#[test]
fn too_few_rows_for_the_free_parameters() {
    let rows = valid_rows();
    let few = vec![
        rows[0].clone(),
        rows[4].clone(),
        rows[8].clone(),
        rows[2].clone(),
    ];
    assert_bad_input(
        &table_with("N,D,loss", &few),
        &[],
        &["4 usable runs for 5 free parameters", "--fix"],
    );
    // Filtering can be what leaves too few.
    assert_bad_input(
        &table_with("N,D,loss", &rows),
        &["--drop-highest-loss", "6"],
        &["3 usable runs"],
    );
}

#[test]
fn a_single_model_size_or_token_count_is_not_identifiable() {
    let rows: Vec<String> = valid_rows()
        .into_iter()
        .filter(|r| r.starts_with("1000000000,"))
        .collect();
    assert_bad_input(
        &table_with("N,D,loss", &[rows.clone(), rows.clone()].concat()),
        &[],
        &["same model size N", "A and alpha"],
    );
    let rows: Vec<String> = valid_rows()
        .into_iter()
        .filter(|r| r.contains(",10000000000,"))
        .collect();
    assert_bad_input(
        &table_with("N,D,loss", &[rows.clone(), rows.clone()].concat()),
        &[],
        &["same token count D", "B and beta"],
    );
}

#[test]
fn bad_flags_are_named() {
    let ok = table_with("N,D,loss", &valid_rows());
    assert_bad_input(
        &ok,
        &["--fix", "gamma=1"],
        &["invalid --fix", "unknown parameter 'gamma'"],
    );
    assert_bad_input(&ok, &["--fix", "alpha"], &["invalid --fix", "NAME=VALUE"]);
    assert_bad_input(&ok, &["--where", "loss <> 3"], &["invalid --where"]);
    assert_bad_input(&ok, &["--where", "N ~ 3"], &["invalid --where"]);
    assert_bad_input(&ok, &["--flops-scale", "0"], &["invalid --flops-scale"]);
    assert_bad_input(
        &ok,
        &["--where", "decay = x"],
        &["column 'decay' given with --where"],
    );
    assert_bad_input(&ok, &["--starts", "0"], &["invalid --starts"]);
    assert_bad_input(&ok, &["--grid", "alpha=a,b"], &["invalid --grid"]);
    assert_bad_input(
        &ok,
        &["--loss", "mse", "--delta", "0.1"],
        &["invalid --delta"],
    );
    assert_bad_input(&ok, &["--delta", "-1"], &["invalid --delta"]);
    assert_bad_input(
        &ok,
        &["--flops-per-param-token", "0"],
        &["invalid --flops-per-param-token"],
    );
    assert_bad_input(&ok, &["--start", "E=1"], &["invalid --start"]);
    assert_bad_input(
        &ok,
        &["--subsample-rows", "10"],
        &["invalid --subsample-rows", "at least 100"],
    );
    assert_bad_input(&ok, &["--no-such-flag"], &["--no-such-flag"]);
}

#[test]
fn unreadable_and_unknown_files_are_named() {
    let out = run(&["fit", "/no/such/runs.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read /no/such/runs.csv"),
        "{}",
        stderr(&out)
    );
    let dir = temp_dir();
    let path = write_file(&dir, "runs.xlsx", "x");
    let out = run(&["fit", &path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(".csv, .parquet or .ndjson"),
        "{}",
        stderr(&out)
    );
    let path = write_file(&dir, "broken.parquet", "not parquet");
    let out = run(&["fit", &path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot parse"), "{}", stderr(&out));
}

/// Longest standard error a bad-input message may take, in bytes.
const MESSAGE_BOUND: usize = 600;

/// `fit` on `text` fails with exit 2, a bounded message containing `needles`, and none of
/// polars' advice for its Python API.
fn assert_bounded_error(text: &str, needles: &[&str]) {
    let (code, err, path) = fit_text(text, &[]);
    assert_eq!(code, Some(2), "expected exit 2, stderr: {err}");
    assert!(err.len() < MESSAGE_BOUND, "{} bytes: {err}", err.len());
    for python in [
        "infer_schema_length",
        "ignore_errors",
        "truncate_ragged_lines",
        "panicked",
    ] {
        assert!(!err.contains(python), "{err}");
    }
    for needle in needles {
        let needle = needle.replace("{path}", &path);
        assert!(err.contains(&needle), "stderr lacks '{needle}': {err}");
    }
}

#[test]
fn an_unclosed_quote_is_named_by_line_without_echoing_the_file() {
    let mut rows = valid_rows();
    rows[1] = format!("\"{}", rows[1]);
    assert_bounded_error(
        &table_with("N,D,loss", &rows),
        &["the quoted cell that opens with \" on line 3 is never closed"],
    );
}

#[test]
fn a_row_with_too_many_fields_is_named() {
    let mut rows = valid_rows();
    rows[3] = format!("{},7,8", rows[3]);
    assert_bounded_error(
        &table_with("N,D,loss", &rows),
        &["line 5 has 5 fields but the header names 3 columns"],
    );
}

#[test]
fn a_huge_cell_is_cut_in_the_message() {
    let mut rows = valid_rows();
    rows[2] = format!("1e8,1e11,{}", "x".repeat(5_000_000));
    assert_bounded_error(
        &table_with("N,D,loss", &rows),
        &["row 3 ('xxxx", "… (5000000 characters)')"],
    );
}

#[test]
fn a_huge_header_is_cut_in_the_list_of_columns() {
    let header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
    assert_bounded_error(
        &format!("{}\n1\n", header.join(",")),
        &["found: c0, c1", "and 4970 more"],
    );
}

#[test]
fn duplicate_column_names_are_refused() {
    let rows: Vec<String> = valid_rows()
        .iter()
        .map(|r| format!("{r},1e20,{}", r.rsplit_once(',').unwrap().1))
        .collect();
    assert_bounded_error(
        &table_with("N,D,loss,flops,loss", &rows),
        &["{path} has two columns named 'loss' (columns 3 and 5)"],
    );
}

#[test]
fn a_header_without_rows_says_so() {
    assert_bounded_error("N,D,loss\n", &["{path}: the file has no data rows"]);
    assert_bounded_error("", &["the file is empty"]);
}

#[test]
fn derived_values_that_overflow_or_underflow_are_named() {
    let mut rows = valid_rows();
    rows[4] = "1e200,1e200,2.0".to_string();
    assert_bounded_error(
        &table_with("N,D,loss", &rows),
        &[
            "compute C derived as 6·N·D from columns 'N' and 'D' is not a finite positive number",
            "row 5 (N = 1e200, D = 1e200 gives inf)",
        ],
    );
    let rows: Vec<String> = valid_rows()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let f: Vec<f64> = r.split(',').map(|x| x.parse().unwrap()).collect();
            let c = if i == 2 { 1e-300 } else { 6.0 * f[0] * f[1] };
            format!("{},{c},{}", f[0], f[2])
        })
        .collect();
    assert_bounded_error(
        &table_with("N,flops,loss", &rows),
        &[
            "tokens D derived as C / (6·N) from columns 'flops' and 'N'",
            "row 3",
        ],
    );
}

#[test]
fn a_bad_ndjson_line_is_named() {
    let dir = temp_dir();
    let mut text: String = valid_rows()
        .iter()
        .map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            format!("{{\"N\": {}, \"D\": {}, \"loss\": {}}}\n", f[0], f[1], f[2])
        })
        .collect();
    text.push_str("{bad\n");
    let path = write_file(&dir, "runs.ndjson", &text);
    let out = run(&["fit", &path, "--quiet"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 10 is not valid JSON") && err.len() < MESSAGE_BOUND,
        "{err}"
    );
}

/// Cells that tables in the wild contain.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        (1e-3f64..1e12).prop_map(|x| x.to_string()),
        (-10.0f64..10.0).prop_map(|x| x.to_string()),
        Just(String::new()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("\"1,5\"".to_string()),
        "[a-z ]{0,6}",
        Just("0".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20240418),
        ..ProptestConfig::default()
    })]

    /// Arbitrary tables give a result or an error, never a panic.
    #[test]
    fn arbitrary_tables_never_panic(
        header in prop::sample::select(vec!["N,D,loss", "params,flops,loss", "x,y,z", "N,N,loss", "N,D"]),
        rows in prop::collection::vec(prop::collection::vec(cell(), 0..5), 0..12),
    ) {
        let mut text = format!("{header}\n");
        for r in &rows {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        let loaded = data::load_bytes(text.into_bytes(), Format::Csv, "generated.csv", &LoadOptions::default());
        if let Ok(ds) = loaded {
            let config = FitConfig { selection: StartSelection::Best(3), ..FitConfig::default() };
            if ds.check_identifiable(config.params.n_free()).is_ok() {
                let _ = fit::fit(&ds.observations(), &config, &|| {});
            }
        }
    }
}

/// Longest error message a long value may produce, in bytes: a few lines.
const MAX_MESSAGE_BYTES: usize = 1000;

#[test]
fn long_values_are_cut_in_error_messages() {
    let sweep = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
    let long = "x".repeat(130_000);
    let text = |s: &str| s.to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                text("fit"),
                text(sweep),
                text("-q"),
                text("--where"),
                long.clone(),
            ],
            "--where",
        ),
        (
            vec![
                text("fit"),
                text(sweep),
                text("-q"),
                text("--where"),
                format!("loss > {long}"),
            ],
            "--where",
        ),
        (
            vec![
                text("fit"),
                text(sweep),
                text("-q"),
                text("--holdout"),
                text("where"),
                long.clone(),
            ],
            "--holdout",
        ),
        (
            vec![
                text("data"),
                text("fetch"),
                text("chinchilla"),
                text("--url"),
                long.clone(),
            ],
            "--url",
        ),
        (
            vec![
                text("data"),
                text("fetch"),
                text("chinchilla"),
                text("--url"),
                format!("ftp://{long}"),
            ],
            "--url",
        ),
        (vec![text("data"), text("fetch"), long.clone()], "DATASET"),
        (
            vec![
                text("plot"),
                long.clone(),
                text("--fit"),
                text("f.json"),
                text("--out"),
                text("a.png"),
            ],
            "<KIND>",
        ),
        (
            vec![text("fit"), text(sweep), format!("--{long}")],
            "unexpected argument",
        ),
        (
            vec![
                text("fit"),
                text(sweep),
                text("-q"),
                text("--law"),
                long.clone(),
            ],
            "--law",
        ),
    ];
    for (args, named) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&args);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            args[..3].join(" "),
            &err[..200.min(err.len())]
        );
        assert!(err.contains(named), "{}", &err[..200.min(err.len())]);
        assert!(
            out.stderr.len() <= MAX_MESSAGE_BYTES,
            "{} bytes for {}: {}",
            out.stderr.len(),
            args[..3].join(" "),
            &err[..300.min(err.len())]
        );
    }
}
