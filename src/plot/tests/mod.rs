//! Every figure rendered to PNG and SVG from a simulated sweep, with its fit and bootstrap.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::*;
use crate::data::{Format, LoadOptions, load_bytes};
use crate::design::simulate::{SimulationDesign, simulate};
use crate::fit::{FitConfig, FittedLaw, StartSelection, fit};
use crate::law::ChinchillaLaw;
use crate::plan::catalogue::models;
use crate::uncertainty::{BootstrapConfig, BootstrapDraws, bootstrap};

mod bands;
mod errors;
mod profiles;
mod raster;

/// Resamples in the test bootstrap: enough for a histogram, quick to run.
const TEST_RESAMPLES: usize = 20;
/// FLOPs per parameter per token of the simulated sweep.
const K: f64 = 6.0;
/// The 8-byte signature every PNG file starts with.
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// The default simulated sweep (108 runs from Hoffmann et al.'s law), loaded from CSV.
fn dataset() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| {
        let runs = simulate(&SimulationDesign::default()).unwrap();
        let mut csv = String::from("n_params,n_tokens,flops,loss\n");
        for r in &runs {
            writeln!(csv, "{},{},{},{}", r.n_params, r.n_tokens, r.flops, r.loss).unwrap();
        }
        load_bytes(
            csv.into_bytes(),
            Format::Csv,
            "sim.csv",
            &LoadOptions::default(),
        )
        .unwrap()
    })
}

/// The fit to [`dataset`] and a small bootstrap of it.
fn fitted_and_draws() -> &'static (FittedLaw, BootstrapDraws) {
    static FIT: OnceLock<(FittedLaw, BootstrapDraws)> = OnceLock::new();
    FIT.get_or_init(|| {
        let obs = dataset().observations();
        let config = FitConfig {
            selection: StartSelection::Best(20),
            ..FitConfig::default()
        };
        let fitted = fit(&obs, &config, &|| {}).unwrap().fitted;
        let boot = BootstrapConfig {
            n_resamples: TEST_RESAMPLES,
            ..BootstrapConfig::default()
        };
        let draws = bootstrap(&obs, &fitted, &boot, &|| {}).unwrap();
        (fitted, draws)
    })
}

fn options(title: Option<&str>) -> PlotOptions {
    PlotOptions {
        width: 900,
        height: 640,
        title: title.map(str::to_string),
    }
}

/// Render `name.png` and `name.svg` with `draw` in a fresh folder and check both; return the
/// SVG text.
fn render_both(
    name: &str,
    opts: &PlotOptions,
    draw: impl Fn(&Path) -> Result<(), Error>,
) -> String {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join(format!("{name}.png"));
    let svg = dir.path().join(format!("{name}.svg"));
    draw(&png).unwrap();
    draw(&svg).unwrap();
    assert_png(&png, opts.width, opts.height);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "{name}.svg is not SVG");
    assert_only_files(
        dir.path(),
        &[&format!("{name}.png"), &format!("{name}.svg")],
    );
    text
}

/// The file is a PNG of the given size (signature, then the IHDR chunk's width and height).
fn assert_png(path: &Path, width: u32, height: u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() > 1000,
        "{} is too small to be an image",
        path.display()
    );
    assert_eq!(
        bytes[..8],
        PNG_SIGNATURE,
        "{} has no PNG signature",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!((be(16), be(20)), (width, height));
}

/// The folder holds exactly these files: no temporary file is left behind.
fn assert_only_files(dir: &Path, expected: &[&str]) {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(found, expected);
}

fn assert_contains_all(svg: &str, texts: &[&str]) {
    for text in texts {
        assert!(svg.contains(text), "the SVG lacks the text '{text}'");
    }
}

#[test]
fn isoloss_contours_render_to_png_and_svg() {
    let opts = options(Some("Contours of the test law"));
    let law = crate::law::Law::from(ChinchillaLaw::HOFFMANN_2022);
    let svg = render_both("contours", &opts, |p| {
        isoloss_contours(p, &law, K, dataset(), &opts)
    });
    assert_contains_all(
        &svg,
        &[
            "Contours of the test law",
            "Training compute C (FLOPs)",
            "Parameters N",
            "Final loss L (nats/token)",
            "efficient frontier N*(C)",
            "10²⁰",
        ],
    );
}

#[test]
fn isoflop_slices_render_to_png_and_svg() {
    let opts = options(None);
    let law = crate::law::Law::from(ChinchillaLaw::HOFFMANN_2022);
    let budgets = [6e18, 1e20, 3e21, 1e23];
    let svg = render_both("isoflop", &opts, |p| {
        isoflop_slices(p, &law, K, dataset(), &budgets, 0.05, &opts)
    });
    assert_contains_all(
        &svg,
        &[
            "IsoFLOP slices",
            "Parameters N",
            "Final loss L (nats/token)",
            "6×10¹⁸ FLOPs (12 runs)",
            "10²³ FLOPs (0 runs)",
        ],
    );
}

#[test]
fn optimal_vs_compute_renders_with_and_without_draws() {
    let opts = options(None);
    let (fitted, draws) = fitted_and_draws();
    let catalogue = models();
    let svg = render_both("optimal", &opts, |p| {
        optimal_vs_compute(
            p,
            &fitted.to_law(),
            K,
            Some(draws),
            0.9,
            (1e18, 1e26),
            &catalogue,
            &opts,
        )
    });
    assert_contains_all(
        &svg,
        &[
            "Compute-optimal model size",
            "Training compute C (FLOPs)",
            "Parameters N",
            "Tokens D",
            "90% interval (",
            "Kaplan et al. 2020 (0.73; 0.27)",
            "Approach 3 (0.46; 0.54)",
            "Chinchilla 70B",
        ],
    );
    let svg = render_both("optimal", &opts, |p| {
        optimal_vs_compute(p, &fitted.to_law(), K, None, 0.9, (3e20, 1e21), &[], &opts)
    });
    assert!(!svg.contains("bootstrap interval"));
}

#[test]
fn residuals_render_to_png_and_svg() {
    let opts = options(None);
    let (fitted, _) = fitted_and_draws();
    let svg = render_both("residuals", &opts, |p| {
        residuals(p, &fitted.to_law(), dataset(), &opts)
    });
    assert_contains_all(
        &svg,
        &[
            "Residuals of the fit (108 runs",
            "Parameters N",
            "Tokens D",
            "Training compute C (FLOPs)",
            "Observed final loss L (nats/token)",
        ],
    );
}

#[test]
fn bootstrap_distributions_render_to_png_and_svg() {
    let opts = options(None);
    let (fitted, draws) = fitted_and_draws();
    let svg = render_both("bootstrap", &opts, |p| {
        bootstrap_distributions(p, &fitted.to_law(), draws, &opts)
    });
    assert_contains_all(
        &svg,
        &["Bootstrap distributions", "Resamples", "α: full data "],
    );
}

#[test]
fn a_single_run_still_plots() {
    let mut one = dataset().clone();
    for column in [
        &mut one.n_params,
        &mut one.n_tokens,
        &mut one.compute,
        &mut one.loss,
    ] {
        column.truncate(1);
    }
    let law = crate::law::Law::from(ChinchillaLaw::HOFFMANN_2022);
    let opts = options(None);
    let budget = [one.compute[0]];
    render_both("one", &opts, |p| isoloss_contours(p, &law, K, &one, &opts));
    render_both("one", &opts, |p| {
        isoflop_slices(p, &law, K, &one, &budget, 0.0, &opts)
    });
    render_both("one", &opts, |p| residuals(p, &law, &one, &opts));
}

/// Writes each figure as PNG and SVG, at the default size and at 600 x 450, to `$PLOT_SAMPLES` (default: a `scaling-laws-plots` folder in
/// the system's temporary folder) for looking at.
#[test]
#[ignore = "writes sample images outside a temporary folder, for inspection by eye"]
fn write_sample_images() {
    let dir = std::env::var_os("PLOT_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("scaling-laws-plots"));
    std::fs::create_dir_all(&dir).unwrap();
    let (fitted, draws) = fitted_and_draws();
    let law = &fitted.to_law();
    let data = dataset();
    let budgets = crate::design::simulate::CHINCHILLA_ISOFLOP_BUDGETS;
    let small = PlotOptions {
        width: 600,
        height: 450,
        title: None,
    };
    for (prefix, opts) in [("", PlotOptions::default()), ("small-", small)] {
        for ext in ["png", "svg"] {
            let at = |name: &str| dir.join(format!("{prefix}{name}.{ext}"));
            isoloss_contours(&at("contours"), law, K, data, &opts).unwrap();
            isoflop_slices(&at("isoflop"), law, K, data, &budgets, 0.05, &opts).unwrap();
            let range = (1e18, 1e26);
            let catalogue = models();
            optimal_vs_compute(
                &at("optimal"),
                law,
                K,
                Some(draws),
                0.95,
                range,
                &catalogue,
                &opts,
            )
            .unwrap();
            residuals(&at("residuals"), law, data, &opts).unwrap();
            bootstrap_distributions(&at("bootstrap"), law, draws, &opts).unwrap();
        }
    }
}

#[test]
fn every_figure_survives_the_smallest_and_an_odd_size() {
    let (fitted, draws) = fitted_and_draws();
    let (law, data) = (&fitted.to_law(), dataset());
    for (width, height) in [(MIN_SIDE, MIN_SIDE), (1601, 333)] {
        let opts = PlotOptions {
            width,
            height,
            title: None,
        };
        render_both("small", &opts, |p| isoloss_contours(p, law, K, data, &opts));
        render_both("small", &opts, |p| {
            isoflop_slices(p, law, K, data, &[1e19, 1e21], 0.05, &opts)
        });
        render_both("small", &opts, |p| {
            optimal_vs_compute(p, law, K, Some(draws), 0.95, (1e18, 1e26), &models(), &opts)
        });
        render_both("small", &opts, |p| residuals(p, law, data, &opts));
        render_both("small", &opts, |p| {
            bootstrap_distributions(p, law, draws, &opts)
        });
    }
}

#[test]
fn extreme_positive_values_do_not_panic() {
    let mut odd = dataset().clone();
    odd.n_params = vec![1.0, 1e30, 3.0, 3.0];
    odd.n_tokens = vec![1e-10, 1e40, 5.0, 5.0];
    odd.compute = odd
        .n_params
        .iter()
        .zip(&odd.n_tokens)
        .map(|(n, d)| K * n * d)
        .collect();
    odd.loss = vec![1e-6, 1e6, 2.0, 2.0];
    odd.rows = vec![1, 2, 3, 4];
    let law = crate::law::Law::from(ChinchillaLaw::HOFFMANN_2022);
    let opts = options(None);
    let budgets = [odd.compute[0], odd.compute[1], 1e300];
    render_both("odd", &opts, |p| isoloss_contours(p, &law, K, &odd, &opts));
    render_both("odd", &opts, |p| {
        isoflop_slices(p, &law, K, &odd, &budgets, 0.1, &opts)
    });
    render_both("odd", &opts, |p| residuals(p, &law, &odd, &opts));
    render_both("odd", &opts, |p| {
        optimal_vs_compute(p, &law, K, None, 0.5, (1e-10, 1e300), &models(), &opts)
    });
}
