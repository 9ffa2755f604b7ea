//! `curve plot`: figures of a saved curve fit over the logs it was fitted to, and the inputs
//! it refuses.

use std::path::Path;

use crate::common::{run, stderr, stdout, temp_dir};

const CURVES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_curves.csv");
const LONGER: &str = "longer=wsd:warmup=2000,peak=3e-4,final=3e-5,decay=30000,steps=36000";
/// The colours of the first three series (`QUALITATIVE` in `src/plot/style.rs`).
const RUN_COLOURS: [(&str, &str); 3] = [
    ("cosine", "#0072B2"),
    ("constant", "#D55E00"),
    ("wsd", "#009E73"),
];

/// Fit the annealing law to the example curves into `dir`, bootstrapped or not.
fn fit(dir: &Path, bootstrap: &str) -> String {
    let path = dir.join(format!("fit-{bootstrap}.json"));
    let path = path.to_str().unwrap().to_string();
    let out = run(&[
        "curve",
        "fit",
        CURVES,
        "--law",
        "annealing",
        "--bootstrap",
        bootstrap,
        "--out",
        &path,
        "-q",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    path
}

/// The texts of an SVG drawn by plotters (each on its own line inside `<text>`).
fn has_text(svg: &str, text: &str) -> bool {
    svg.contains(&format!(">\n{text}\n</text>"))
}

/// `<polyline>` elements drawn in `colour`.
fn lines_in(svg: &str, colour: &str) -> usize {
    let stroke = format!("stroke=\"{colour}\"");
    svg.split("<polyline")
        .skip(1)
        .filter(|element| element.split('>').next().unwrap_or("").contains(&stroke))
        .count()
}

#[test]
fn curve_plot_draws_each_run_with_its_fitted_line_and_a_bootstrapped_prediction_with_its_band() {
    let dir = temp_dir();
    let fit = fit(dir.path(), "20");
    let svg_path = dir.path().join("curves.svg");
    let out = run(&[
        "curve",
        "plot",
        "--fit",
        &fit,
        CURVES,
        "--predict",
        LONGER,
        "--out",
        svg_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), svg_path.to_str().unwrap());
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for (run, colour) in RUN_COLOURS {
        assert!(has_text(&svg, run), "the legend does not name {run}");
        // The fitted trajectory, its legend mark and its schedule beneath.
        assert_eq!(lines_in(&svg, colour), 3, "{run}");
    }
    assert!(has_text(&svg, "longer (predicted, 95% band)"));
    assert!(has_text(&svg, "Learning rate"));
    assert_eq!(svg.matches("<polygon").count(), 1, "one band");

    let png = dir.path().join("residuals.png");
    let out = run(&[
        "curve",
        "plot",
        "--fit",
        &fit,
        CURVES,
        "--kind",
        "residuals",
        "--width",
        "4",
        "--height",
        "3",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    // Inches at 300 dpi.
    assert_eq!((be(16), be(20)), (1200, 900));
}

#[test]
fn curve_plot_draws_no_band_for_a_fit_that_was_not_bootstrapped() {
    let dir = temp_dir();
    let fit = fit(dir.path(), "0");
    let svg_path = dir.path().join("curves.svg");
    let out = run(&[
        "curve",
        "plot",
        "--fit",
        &fit,
        CURVES,
        "--predict",
        LONGER,
        "--out",
        svg_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(has_text(&svg, "longer (predicted)"));
    assert_eq!(svg.matches("<polygon").count(), 0);
}

#[test]
fn curve_plot_refuses_a_fit_of_another_kind_foreign_runs_and_an_output_that_is_an_input() {
    let dir = temp_dir();
    let fit = fit(dir.path(), "0");
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let refused = |args: &[&str], expect: &[&str]| {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        for e in expect {
            assert!(stderr(&out).contains(e), "{args:?}: {}", stderr(&out));
        }
    };
    // A fit of N and D is not a curve fit.
    let sweep = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");
    let nd = d("nd.json");
    assert!(run(&["fit", sweep, "--out", &nd, "-q"]).status.success());
    let svg = d("x.svg");
    let args = ["curve", "plot", "--fit", &nd, CURVES, "--out", &svg];
    refused(&args, &["nd.json", "not a curve fit", "--fit"]);
    // A run the fit was not made from.
    let other = d("other.csv");
    let sim = run(&[
        "curve",
        "simulate",
        "--schedule",
        "other=constant:warmup=2000,peak=3e-4,steps=24000",
        "--out",
        &other,
    ]);
    assert!(sim.status.success(), "{}", stderr(&sim));
    let args = ["curve", "plot", "--fit", &fit, &other, "--out", &svg];
    refused(&args, &["FILE", "'other'", "cosine, constant, wsd"]);
    // The output is the fit file or a log, named as an image: both are left as they were.
    let fit_svg = d("fit.svg");
    std::fs::copy(&fit, &fit_svg).unwrap();
    let args = [
        "curve", "plot", "--fit", &fit_svg, CURVES, "--out", &fit_svg,
    ];
    refused(&args, &["--out", "the fit file (--fit)"]);
    assert_eq!(
        std::fs::read(&fit_svg).unwrap(),
        std::fs::read(&fit).unwrap()
    );
    let logs = d("logs.png");
    std::fs::copy(CURVES, &logs).unwrap();
    let args = ["curve", "plot", "--fit", &fit, &logs, "--out", &logs];
    refused(&args, &["--out", "an input file"]);
    assert_eq!(
        std::fs::read(&logs).unwrap(),
        std::fs::read(CURVES).unwrap()
    );
    assert!(!Path::new(&svg).exists(), "nothing drawn");
}
