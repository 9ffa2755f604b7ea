//! The IsoFLOP profiles of Approach 2, from an analysis of the simulated sweep.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use super::{assert_contains_all, assert_only_files, options, render_both};
use crate::approaches::isoflop::{IsoflopAnalysis, IsoflopConfig, ProfileIssue, isoflop};
use crate::data::{Dataset, Format, LoadOptions, load_bytes};
use crate::design::simulate::{SimulationDesign, simulate};
use crate::error::Error;
use crate::plot::{PlotOptions, isoflop_profiles};

/// CSV text with a budget column, loaded.
fn load_csv(csv: String) -> Dataset {
    load_bytes(
        csv.into_bytes(),
        Format::Csv,
        "sweep.csv",
        &LoadOptions::default(),
    )
    .unwrap()
}

/// The default simulated sweep with its budget column, and Approach 2 with 50 resamples.
fn sweep() -> &'static (Dataset, IsoflopAnalysis) {
    static SWEEP: OnceLock<(Dataset, IsoflopAnalysis)> = OnceLock::new();
    SWEEP.get_or_init(|| {
        let runs = simulate(&SimulationDesign::default()).unwrap();
        let mut csv = String::from("flops_budget,n_params,n_tokens,flops,loss\n");
        for r in &runs {
            let (b, n, d, c, l) = (r.flops_budget, r.n_params, r.n_tokens, r.flops, r.loss);
            writeln!(csv, "{b},{n},{d},{c},{l}").unwrap();
        }
        let data = load_csv(csv);
        let config = IsoflopConfig {
            n_resamples: 50,
            ..IsoflopConfig::default()
        };
        let analysis = isoflop(&data, &config).unwrap();
        (data, analysis)
    })
}

/// Four budgets: 1e19 with loss falling in a straight line (no minimum), 3e19 with a parabola
/// whose minimum lies below the sizes, 1e20 and 1e21 with minima inside them.
fn flagged() -> (Dataset, IsoflopAnalysis) {
    let mut csv = String::from("flops_budget,N,D,loss\n");
    let centres = [
        (1e19, None),
        (3e19, Some(2e7)),
        (1e20, Some(4e8)),
        (1e21, Some(8e8)),
    ];
    for (budget, centre) in centres {
        for i in 0..7 {
            let n = 1e8 * 2f64.powi(i);
            let loss = match centre {
                None => 3.0 - 0.05 * f64::from(i),
                Some(c) => 2.5 + 0.2 * (n / c).log10().powi(2),
            };
            writeln!(csv, "{budget},{n},{},{loss}", budget / (6.0 * n)).unwrap();
        }
    }
    let data = load_csv(csv);
    let analysis = isoflop(&data, &IsoflopConfig::default()).unwrap();
    let issues: Vec<_> = analysis.profiles.iter().map(|p| p.issue).collect();
    let expected = [
        Some(ProfileIssue::NoMinimum),
        Some(ProfileIssue::OutsideSampledSizes),
    ];
    assert_eq!(issues, [&expected[..], &[None, None]].concat());
    (data, analysis)
}

#[test]
fn isoflop_profiles_render_to_png_and_svg() {
    let opts = options(None);
    let (data, analysis) = sweep();
    let svg = render_both("profiles", &opts, |p| {
        isoflop_profiles(p, analysis, data, &opts)
    });
    assert_contains_all(
        &svg,
        &[
            "IsoFLOP profiles (Approach 2)",
            "Parameters N",
            "Final loss L (nats/token)",
            "Training compute C (FLOPs)",
            "6×10¹⁸ FLOPs",
            "3×10²¹ FLOPs",
            "N* of usable profiles (9 of 9)",
            "95% interval of a: ",
        ],
    );
}

#[test]
fn flagged_profiles_are_labelled_and_left_out_of_the_right_panel() {
    let opts = options(Some("Flagged"));
    let (data, mut analysis) = flagged();
    let svg = render_both("flagged", &opts, |p| {
        isoflop_profiles(p, &analysis, &data, &opts)
    });
    assert_contains_all(
        &svg,
        &[
            "Flagged",
            "10¹⁹ FLOPs: no minimum",
            "3×10¹⁹ FLOPs: minimum off sizes",
            "10²¹ FLOPs",
            "N* of usable profiles (2 of 4)",
            "fit N* = G·Cᵃ, a = 0.301",
        ],
    );
    assert!(!svg.contains("interval of a"), "no bootstrap, no interval");
    // Without draws but with an interval (e.g. read back from JSON): the interval is still given.
    analysis.params.exponent.lower = Some(0.25);
    analysis.params.exponent.upper = Some(0.35);
    let svg = render_both("flagged", &opts, |p| {
        isoflop_profiles(p, &analysis, &data, &opts)
    });
    assert!(svg.contains("95% interval of a: 0.25 to 0.35"), "{svg}");
}

/// The flag named by an [`Error::InvalidOption`].
fn flag_of(result: Result<(), Error>) -> String {
    match result {
        Err(Error::InvalidOption { flag, .. }) => flag,
        other => panic!("expected an invalid option, got {other:?}"),
    }
}

#[test]
fn analyses_that_do_not_match_the_data_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.png");
    let (data, analysis) = sweep();
    let opts = PlotOptions::default();
    let (other, _) = flagged();
    let err = isoflop_profiles(&path, analysis, &other, &opts).unwrap_err();
    assert!(err.to_string().contains("computed from"), "{err}");
    let empty = IsoflopAnalysis {
        profiles: Vec::new(),
        ..analysis.clone()
    };
    assert_eq!(
        flag_of(isoflop_profiles(&path, &empty, data, &opts)),
        "analysis"
    );
    let jpg = dir.path().join("profiles.jpg");
    assert_eq!(
        flag_of(isoflop_profiles(&jpg, analysis, data, &opts)),
        "--out"
    );
    let unwritable = dir.path().join("missing").join("profiles.svg");
    let err = isoflop_profiles(&unwritable, analysis, data, &opts).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert_only_files(dir.path(), &[]);
}

#[test]
fn isoflop_profiles_survive_the_smallest_and_an_odd_size() {
    let (data, analysis) = sweep();
    for (width, height) in [(crate::plot::MIN_SIDE, crate::plot::MIN_SIDE), (1601, 333)] {
        let opts = PlotOptions {
            width,
            height,
            title: None,
        };
        render_both("small", &opts, |p| {
            isoflop_profiles(p, analysis, data, &opts)
        });
    }
}

/// Writes the figures at the default size and at 600 x 450, PNG and SVG, to `$PLOT_SAMPLES`
/// (default: a `scaling-laws-plots` folder in the system's temporary folder) for looking at.
#[test]
#[ignore = "writes sample images outside a temporary folder, for inspection by eye"]
fn write_profiles_samples() {
    let dir = std::env::var_os("PLOT_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("scaling-laws-plots"));
    std::fs::create_dir_all(&dir).unwrap();
    let (data, analysis) = sweep();
    let (flagged_data, flagged_analysis) = flagged();
    let small = PlotOptions {
        width: 600,
        height: 450,
        title: None,
    };
    for (prefix, opts) in [("", PlotOptions::default()), ("small-", small)] {
        for ext in ["png", "svg"] {
            let at = |name: &str| dir.join(format!("{prefix}{name}.{ext}"));
            isoflop_profiles(&at("profiles"), analysis, data, &opts).unwrap();
            let flagged = at("profiles-flagged");
            isoflop_profiles(&flagged, &flagged_analysis, &flagged_data, &opts).unwrap();
        }
    }
}
