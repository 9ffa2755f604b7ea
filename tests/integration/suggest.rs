//! `suggest` keeps its runs inside the sizes and tokens per parameter of the fitted runs unless
//! `--allow-outside` is given, and then flags every run outside them.

use crate::common::{run, shared_data, stderr, stdout, temp_dir};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");

/// Relative slack of the range checks (sizes are rounded to whole parameters).
const RANGE_RTOL: f64 = 1e-6;

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The smallest and largest N and D/N of a CSV's runs without its `drop` highest losses, N
/// and D from the named columns (D from compute as C/(6N) when `tokens` names a compute column).
fn ranges_of(
    path: &str,
    params: &str,
    tokens: &str,
    from_compute: bool,
    drop: usize,
) -> [[f64; 2]; 2] {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (i_n, i_d, i_l) = (col(params), col(tokens), col("loss"));
    let mut runs: Vec<[f64; 3]> = lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            [i_n, i_d, i_l].map(|i| cells[i].parse::<f64>().unwrap())
        })
        .collect();
    runs.sort_by(|a, b| a[2].total_cmp(&b[2]));
    runs.truncate(runs.len() - drop);
    let mut out = [[f64::INFINITY, 0.0], [f64::INFINITY, 0.0]];
    for [n, mut d, _] in runs {
        if from_compute {
            d /= 6.0 * n;
        }
        for (range, x) in out.iter_mut().zip([n, d / n]) {
            range[0] = range[0].min(x);
            range[1] = range[1].max(x);
        }
    }
    out
}

fn inside(x: f64, [lo, hi]: [f64; 2]) -> bool {
    x >= lo * (1.0 - RANGE_RTOL) && x <= hi * (1.0 + RANGE_RTOL)
}

/// Every run of a suggestion lies inside `ranges` (as the report states them too), or is
/// flagged with the reason when `allowed`; returns how many lie outside.
fn check_runs(v: &serde_json::Value, ranges: [[f64; 2]; 2], allowed: bool) -> usize {
    for (k, key) in ["n_params", "tokens_per_param"].iter().enumerate() {
        for end in 0..2 {
            let stated = f(&v["ranges"][key][end]);
            assert!(
                (stated / ranges[k][end] - 1.0).abs() < 1e-9,
                "{key}: {stated}"
            );
        }
    }
    let mut outside = 0;
    for r in v["runs"].as_array().unwrap() {
        let (n, d) = (f(&r["n_params"]), f(&r["n_tokens"]));
        let is_inside = inside(n, ranges[0]) && inside(d / n, ranges[1]);
        if allowed {
            assert_eq!(r["outside"].is_string(), !is_inside, "{r}");
        } else {
            assert!(is_inside && r["outside"].is_null(), "outside the data: {r}");
        }
        outside += usize::from(!is_inside);
    }
    outside
}

#[test]
fn suggested_runs_lie_inside_the_fitted_ranges_unless_outside_is_allowed() {
    let dir = temp_dir();
    let fit = dir.path().join("fit.json");
    let fit = fit.to_str().unwrap();
    let out = run(&["fit", SWEEP, "--out", fit, "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ranges = ranges_of(SWEEP, "n_params", "n_tokens", false, 0);
    let ask = [
        "suggest",
        fit,
        "--target-budget",
        "1e24",
        "--runs",
        "6",
        "--bootstrap",
        "100",
        "--format",
        "json",
        "--quiet",
    ];
    let v = json_of(&ask);
    assert_eq!(v["runs"].as_array().unwrap().len(), 6);
    check_runs(&v, ranges, false);
    let v = json_of(&[&ask[..], &["--allow-outside"]].concat());
    assert!(check_runs(&v, ranges, true) > 0, "{v}");
    // The text report states the ranges and marks each run outside them.
    let out = run(&[&ask[..8], &["--quiet", "--allow-outside"]].concat());
    let text = stdout(&out);
    assert!(text.contains("fitted runs: N 1.810e7 to"), "{text}");
    assert!(text.contains("OUTSIDE: "), "{text}");
}

#[test]
fn on_the_chinchilla_runs_every_default_suggestion_lies_inside_the_data() {
    let Some(data) = shared_data("chinchilla_epoch_svg_extracted.csv") else {
        return;
    };
    let data = data.to_str().unwrap();
    let dir = temp_dir();
    let fit = dir.path().join("fit.json");
    let fit = fit.to_str().unwrap();
    let out = run(&[
        "fit",
        data,
        "--drop-highest-loss",
        "5",
        "--out",
        fit,
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The ranges of the 240 runs fitted: the five dropped ones reach lower D/N.
    let ranges = ranges_of(data, "Model Size", "Training FLOP", true, 5);
    let ask = [
        "suggest",
        fit,
        "--target-budget",
        "1e24",
        "--runs",
        "8",
        "--bootstrap",
        "100",
        "--format",
        "json",
        "--quiet",
    ];
    let v = json_of(&ask);
    check_runs(&v, ranges, false);
    // The interval now is the bootstrap's, wider than the delta method's factor of 1.34.
    assert!(
        f(&v["interval_now"]["width_ratio"]) > 1.6,
        "{}",
        v["interval_now"]
    );
    let v = json_of(&[&ask[..], &["--allow-outside"]].concat());
    assert!(check_runs(&v, ranges, true) > 0, "{v}");
}
