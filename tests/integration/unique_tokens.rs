//! The unique-tokens column U (issue 12): detection, `--unique-tokens-col`, validation, and
//! the datablations runs of Muennighoff et al. 2023.

use scaling_laws::data::{self, ColumnNames, Condition, Format, LoadOptions, RowFilter};

use crate::common::{run, shared_data, stderr, temp_dir, write_file};

fn load(text: &str, options: &LoadOptions) -> Result<data::Dataset, scaling_laws::Error> {
    data::load_bytes(text.as_bytes().to_vec(), Format::Csv, "u.csv", options)
}

fn named(column: &str) -> LoadOptions {
    LoadOptions {
        columns: ColumnNames {
            unique_tokens: Some(column.to_string()),
            ..ColumnNames::default()
        },
        ..LoadOptions::default()
    }
}

#[test]
fn unique_tokens_are_detected_by_their_usual_names() {
    for header in ["unique_tokens", "U", "Unique Tokens", "UNIQUE_TOKENS", "u"] {
        let text = format!("N,D,{header},loss\n1e8,4e9,1e9,3.0\n1e9,8e9,2e9,2.5\n");
        let ds = load(&text, &LoadOptions::default()).unwrap();
        assert_eq!(ds.unique_tokens, Some(vec![1e9, 2e9]), "{header}");
        assert_eq!(ds.columns.unique_tokens.as_deref(), Some(header));
    }
    let ds = load("N,D,loss\n1e8,4e9,3.0\n", &LoadOptions::default()).unwrap();
    assert_eq!(ds.unique_tokens, None);
    assert_eq!(ds.columns.unique_tokens, None);
}

#[test]
fn unique_tokens_col_names_any_column_and_unknown_names_are_refused() {
    let text = "N,D,distinct,loss\n1e8,4e9,1e9,3.0\n1e9,8e9,2e9,2.5\n";
    let ds = load(text, &named("distinct")).unwrap();
    assert_eq!(ds.unique_tokens, Some(vec![1e9, 2e9]));
    let err = load(text, &named("uniq")).unwrap_err().to_string();
    assert!(
        err.contains("'uniq'") && err.contains("--unique-tokens-col") && err.contains("distinct"),
        "{err}"
    );
}

#[test]
fn two_unique_token_columns_are_ambiguous() {
    let text = "N,D,U,unique_tokens,loss\n1e8,4e9,1e9,1e9,3.0\n";
    let err = load(text, &LoadOptions::default()).unwrap_err().to_string();
    assert!(
        err.contains("unique tokens (U)") && err.contains("--unique-tokens-col"),
        "{err}"
    );
    // Naming one resolves it.
    assert!(load(text, &named("U")).is_ok());
}

#[test]
fn bad_unique_tokens_name_file_row_column_and_value() {
    for (cell, problem) in [
        ("0", "values <= 0"),
        ("-2e9", "values <= 0"),
        ("nan", "NaN or infinite"),
        ("inf", "NaN or infinite"),
        ("", "empty cells"),
        ("lots", "not a number"),
    ] {
        let text = format!("N,D,unique_tokens,loss\n1e8,4e9,1e9,3.0\n1e9,8e9,{cell},2.5\n");
        let err = load(&text, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("u.csv")
                && err.contains("'unique_tokens'")
                && err.contains("row 2")
                && err.contains(problem),
            "{cell}: {err}"
        );
    }
}

#[test]
fn bad_unique_tokens_exit_2_from_the_command_line() {
    let dir = temp_dir();
    let path = write_file(
        &dir,
        "runs.csv",
        "N,D,seen,loss\n1e8,4e9,1e9,3.0\n1e9,8e9,-1,2.5\n1e10,8e10,3e10,2.2\n",
    );
    let out = run(&["fit", &path, "--unique-tokens-col", "seen", "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("runs.csv") && err.contains("'seen'") && err.contains("row 2"),
        "{err}"
    );
}

#[test]
fn more_unique_tokens_than_tokens_is_a_single_pass_with_a_note() {
    let text = "N,D,U,loss\n1e8,4e9,1e10,3.0\n1e9,8e9,2e9,2.5\n1e9,1e10,5e10,2.4\n";
    let ds = load(text, &LoadOptions::default()).unwrap();
    assert_eq!(ds.unique_tokens, Some(vec![1e10, 2e9, 5e10]));
    let note = ds
        .notes
        .iter()
        .find(|n| n.contains("more unique tokens"))
        .expect("a note on U > D");
    assert!(
        note.starts_with("2 runs") && note.contains("rows 1, 3"),
        "{note}"
    );
}

#[test]
fn a_text_column_named_u_is_a_label_unless_named() {
    let text = "N,D,u,loss\n1e8,4e9,small,3.0\n1e9,8e9,large,2.5\n";
    let ds = load(text, &LoadOptions::default()).unwrap();
    assert_eq!(ds.unique_tokens, None);
    assert!(
        ds.notes.iter().any(|n| n.contains("column 'u'")),
        "{:?}",
        ds.notes
    );
    let err = load(text, &named("u")).unwrap_err().to_string();
    assert!(err.contains("'u'") && err.contains("not a number"), "{err}");
}

#[test]
fn filters_keep_unique_tokens_aligned_with_their_runs() {
    let text = "N,D,U,loss\n1e8,4e9,1e9,3.0\n1e9,8e9,2e9,2.5\n1e10,9e9,3e9,2.4\n";
    let options = LoadOptions {
        filter: RowFilter {
            conditions: vec![Condition::parse("L < 2.8", "--where").unwrap()],
            drop_highest_loss: 1,
        },
        ..LoadOptions::default()
    };
    let ds = load(text, &options).unwrap();
    assert_eq!(ds.rows, vec![3]);
    assert_eq!(ds.unique_tokens, Some(vec![3e9]));
}

#[test]
fn datablations_runs_load_with_their_unique_tokens() {
    let Some(path) = shared_data("datablations2023/c4_final_val_losses.csv") else {
        return;
    };
    let ds = data::load(path.to_str().unwrap(), &LoadOptions::default()).unwrap();
    assert_eq!(ds.len(), 296);
    assert_eq!(ds.columns.unique_tokens.as_deref(), Some("unique_tokens"));
    let u = ds.unique_tokens.as_ref().expect("U is read");
    // First run, 2b84b4b: 2.81B parameters, 4B tokens from 4B unique tokens.
    assert_eq!((ds.n_params[0], ds.n_tokens[0], u[0]), (2.81e9, 4e9, 4e9));
    // The file's own epochs column agrees with D / U on every run.
    let table = std::fs::read_to_string(&path).unwrap();
    let epochs: Vec<f64> = table
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    for i in 0..ds.len() {
        let e = ds.n_tokens[i] / u[i];
        assert!(
            (e / epochs[i] - 1.0).abs() < 1e-3,
            "row {}: {e} vs {}",
            i + 1,
            epochs[i]
        );
    }
    assert!(u.iter().zip(&ds.n_tokens).all(|(u, d)| u <= d));
}
