//! Prediction bands: around the IsoFLOP curves, widening beyond the data, absent where the
//! extrapolation cannot be calibrated, and as bars on the predicted-against-observed panel.

use std::fmt::Write as _;
use std::sync::OnceLock;

use super::{K, assert_contains_all, dataset, fitted_and_draws, options, render_both};
use crate::answer::allocation::Allocator;
use crate::data::{Dataset, Format, LoadOptions, load_bytes};
use crate::design::simulate::{SimulationDesign, simulate};
use crate::fit::{FitConfig, FittedLaw, StartSelection, fit};
use crate::plot::axes::log_space;
use crate::plot::bands::Band;
use crate::plot::isoflop::{NO_BAND_NOTE, slice_band};
use crate::plot::{PredictionBands, isoflop_slices_with_bands, residuals_with_bands};
use crate::uncertainty::PredictiveModel;

/// Bands of the default sweep's fit, with the test bootstrap's draws for the law's part.
fn sweep_bands() -> &'static PredictionBands {
    static BANDS: OnceLock<PredictionBands> = OnceLock::new();
    BANDS.get_or_init(|| {
        let (fitted, draws) = fitted_and_draws();
        let model = PredictiveModel::new(&dataset().observations(), fitted, 0.95);
        PredictionBands::from_model(model, Some(draws))
    })
}

/// 12 runs on three budgets (6e18, 1e20, 3e21): too few to calibrate the extrapolation term.
fn small_sweep() -> &'static (Dataset, FittedLaw, PredictionBands) {
    static SMALL: OnceLock<(Dataset, FittedLaw, PredictionBands)> = OnceLock::new();
    SMALL.get_or_init(|| {
        let design = SimulationDesign {
            budgets: vec![6e18, 1e20, 3e21],
            sizes_per_budget: 4,
            ..SimulationDesign::default()
        };
        let mut csv = String::from("n_params,n_tokens,flops,loss\n");
        for r in simulate(&design).unwrap() {
            writeln!(csv, "{},{},{},{}", r.n_params, r.n_tokens, r.flops, r.loss).unwrap();
        }
        let options = LoadOptions::default();
        let data = load_bytes(csv.into_bytes(), Format::Csv, "small.csv", &options).unwrap();
        let config = FitConfig {
            selection: StartSelection::Best(20),
            ..FitConfig::default()
        };
        let fitted = fit(&data.observations(), &config, &|| {}).unwrap().fitted;
        let bands = PredictionBands::new(&data, &fitted, None, 0.95).unwrap();
        (data, fitted, bands)
    })
}

/// Half-width in log space of the band at the law's optimum of `budget`, and the band.
fn width_at_optimum(law: &FittedLaw, bands: &PredictionBands, budget: f64) -> (f64, Band) {
    let allocator = Allocator::new(law.to_law(), K).unwrap();
    let n_star = allocator.optimal_for_compute(budget).n_params;
    let band = slice_band(
        &allocator,
        bands,
        budget,
        &log_space(n_star / 10.0, n_star, 41),
    );
    let &(_, lo, hi) = band.pieces.last().unwrap().last().unwrap();
    ((hi / lo).ln() / 2.0, band)
}

#[test]
fn the_band_holds_the_runs_and_widens_beyond_the_data() {
    let (fitted, _) = fitted_and_draws();
    let bands = sweep_bands();
    let kappa = bands.model().calibration.kappa;
    assert!(kappa.is_some_and(|k| k >= 0.0), "kappa {kappa:?}");

    // Inside the data (largest budget 3e21): one piece along the whole curve, about the width
    // of the 1% noise (z · 0.01 ≈ 0.02 in log loss), holding 95% of the runs or so.
    let (inside, band) = width_at_optimum(fitted, bands, 1e20);
    assert_eq!((band.pieces.len(), band.missing), (1, false));
    assert!((0.012..0.05).contains(&inside), "half-width {inside}");
    let data = dataset();
    let held = (0..data.len())
        .filter(|&i| {
            let interval = bands.interval(data.n_params[i], data.n_tokens[i]);
            interval.covers(data.loss[i]) == Some(true)
        })
        .count();
    assert!((97..=108).contains(&held), "{held} of 108 runs inside");

    // 1.5 decades beyond the data: wider, and wider still at 2.5 decades.
    let far = bands.interval(1e9, 1e23 / (K * 1e9));
    assert!((far.extrapolation_decades - (1e23f64 / 3e21).log10()).abs() < 1e-6);
    let (beyond, band) = width_at_optimum(fitted, bands, 1e23);
    assert_eq!((band.pieces.len(), band.missing), (1, false));
    let (further, _) = width_at_optimum(fitted, bands, 1e24);
    assert!(
        beyond > 1.2 * inside && further > beyond,
        "half-widths {inside} (1e20), {beyond} (1e23), {further} (1e24)"
    );
}

#[test]
fn no_band_where_the_extrapolation_cannot_be_calibrated() {
    let (data, fitted, bands) = small_sweep();
    assert_eq!(bands.model().calibration.kappa, None);
    let allocator = Allocator::new(fitted.to_law(), K).unwrap();
    let sizes = log_space(1e7, 1e11, 50);
    // Inside the data, up to its largest budget (N·C/(k·N) rounds), a band along the curve.
    for budget in [6e18, 1e20, 3e21] {
        let band = slice_band(&allocator, bands, budget, &sizes);
        assert_eq!(
            (band.pieces.len(), band.missing),
            (1, false),
            "C = {budget}"
        );
        assert_eq!(band.pieces[0].len(), 50);
    }
    // Beyond it, none at all.
    let band = slice_band(&allocator, bands, 3e22, &sizes);
    assert!(band.pieces.is_empty() && band.missing);
    assert_eq!(bands.interval(1e9, 3e22 / (K * 1e9)).bounds(), None);

    // The figure draws one band polygon per budget inside the data and says why one is missing.
    let opts = options(None);
    let budgets = [6e18, 1e20, 3e21, 3e22];
    let svg = render_both("small", &opts, |p| {
        isoflop_slices_with_bands(
            p,
            &fitted.to_law(),
            K,
            data,
            &budgets,
            0.05,
            Some(bands),
            &opts,
        )
    });
    assert_eq!(svg.matches("<polygon").count(), 3);
    assert_contains_all(
        &svg,
        &["95% prediction interval:", "where runs should fall"],
    );
    assert_contains_all(&svg, &NO_BAND_NOTE);
}

#[test]
fn every_budget_inside_a_calibrated_sweep_gets_a_band_and_no_note() {
    let (fitted, _) = fitted_and_draws();
    let opts = options(None);
    let budgets = [6e18, 1e20, 3e21, 1e23];
    let without = render_both("isoflop", &opts, |p| {
        isoflop_slices_with_bands(
            p,
            &fitted.to_law(),
            K,
            dataset(),
            &budgets,
            0.05,
            None,
            &opts,
        )
    });
    assert_eq!(without.matches("<polygon").count(), 0);
    assert!(!without.contains("prediction interval"));
    let svg = render_both("isoflop", &opts, |p| {
        let bands = Some(sweep_bands());
        isoflop_slices_with_bands(
            p,
            &fitted.to_law(),
            K,
            dataset(),
            &budgets,
            0.05,
            bands,
            &opts,
        )
    });
    assert_eq!(svg.matches("<polygon").count(), 4);
    assert!(svg.contains("95% prediction interval"));
    assert!(!svg.contains(NO_BAND_NOTE[0]));
}

#[test]
fn residuals_carry_a_bar_per_run_and_count_the_runs_inside() {
    let (fitted, _) = fitted_and_draws();
    let opts = options(None);
    let svg = render_both("residuals", &opts, |p| {
        residuals_with_bands(p, &fitted.to_law(), dataset(), Some(sweep_bands()), &opts)
    });
    let caption = "predicted: ";
    let at = svg.find(caption).expect("caption with the level") + caption.len();
    let rest = &svg[at..];
    let inside: usize = rest[..rest.find(' ').unwrap()].parse().unwrap();
    assert!(rest.contains(" of 108 in 95% intervals"), "{}", &rest[..40]);
    assert!((97..=108).contains(&inside), "{inside} of 108 inside");
    let plain = render_both("residuals", &opts, |p| {
        residuals_with_bands(p, &fitted.to_law(), dataset(), None, &opts)
    });
    assert!(plain.contains("\npredicted against observed\n"));
    // One bar per run, in the points' colour, faint.
    let bars = |s: &str| s.matches(r##"opacity="0.3" stroke="#0072B2""##).count();
    assert_eq!((bars(&svg), bars(&plain)), (108, 0));
}
