//! `--delta auto`: the Huber threshold set from the residuals' robust spread.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::*;

/// A 7 × 7 grid of runs from Hoffmann et al.'s law with normal noise of sd `sd` on log loss,
/// and the runs of `outliers` (by index) 6 sd too high.
fn noisy_sweep(sd: f64, outliers: &[usize]) -> Observations {
    let law = ChinchillaLaw::HOFFMANN_2022;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (mut n, mut d, mut l) = (vec![], vec![], vec![]);
    for &np in &[1e7, 3e7, 1e8, 3e8, 1e9, 3e9, 1e10] {
        for &nt in &[1e9, 3e9, 1e10, 3e10, 1e11, 3e11, 1e12] {
            let k = n.len();
            let z: f64 = StandardNormal.sample(&mut rng);
            let shift = if outliers.contains(&k) { 6.0 * sd } else { 0.0 };
            n.push(np);
            d.push(nt);
            l.push(law.loss(np, nt) * f64::exp(sd * z + shift));
        }
    }
    Observations::new(&n, &d, &l)
}

fn auto() -> FitConfig {
    FitConfig {
        huber_scale: Some(HUBER_TUNING),
        selection: StartSelection::Best(30),
        ..FitConfig::default()
    }
}

#[test]
fn the_threshold_is_1_345_robust_sds_and_the_fit_keeps_it() {
    let obs = noisy_sweep(0.01, &[5, 20, 33]);
    let report = fit(&obs, &auto(), &|| {}).unwrap();
    let ResidualLoss::Huber { delta } = report.fitted.config.loss else {
        panic!("{:?}", report.fitted.config.loss)
    };
    assert_eq!(report.fitted.config.huber_scale, Some(HUBER_TUNING));
    // The noise sd is 0.01: the threshold found is near 1.345 × 0.01, far above the default.
    assert!((0.010..0.017).contains(&delta), "{delta}");
    // Fixed point: the threshold is (to a few percent) 1.345 robust sds of its own residuals.
    let again = HUBER_TUNING * crate::stats::robust_centre_sd(&report.fitted.residuals).1;
    assert!((again / delta - 1.0).abs() < 0.05, "{delta} {again}");
    // The law is recovered through the outliers.
    let a = report.fitted.params_exponent.unwrap();
    let truth = ChinchillaLaw::HOFFMANN_2022.params_exponent();
    assert!((a - truth).abs() < 0.03, "{a} {truth}");
    // Refitting at the threshold found is the same fit: the bootstrap refits at it.
    let fixed = FitConfig {
        huber_scale: None,
        ..report.fitted.config.clone()
    };
    let same = fit(&obs, &fixed, &|| {}).unwrap();
    assert!((same.fitted.objective / report.fitted.objective - 1.0).abs() < 1e-9);
}

#[test]
fn a_threshold_from_the_residuals_needs_huber_and_a_positive_multiple() {
    let obs = noisy_sweep(0.01, &[]);
    for bad in [
        FitConfig {
            loss: ResidualLoss::Squared,
            ..auto()
        },
        FitConfig {
            huber_scale: Some(0.0),
            ..auto()
        },
        FitConfig {
            huber_scale: Some(f64::NAN),
            ..auto()
        },
    ] {
        match fit(&obs, &bad, &|| {}) {
            Err(Error::InvalidOption { flag, .. }) => assert_eq!(flag, "--delta"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn the_option_parses_and_is_saved_only_when_given() {
    use crate::fit::options::{Delta, FitOptions, LossKind, residual_loss};
    assert_eq!(Delta::parse("auto").unwrap(), Delta::Auto);
    assert_eq!(Delta::parse(" 0.01 ").unwrap(), Delta::Fixed(0.01));
    for bad in ["0", "-1", "nan", "inf", "car"] {
        assert!(Delta::parse(bad).is_err(), "{bad}");
    }
    assert!(residual_loss(LossKind::Mse, Some(Delta::Auto)).is_err());
    assert!(Delta::fixed(-1.0).is_err());
    let config = FitOptions {
        delta: Some(Delta::Auto),
        ..FitOptions::default()
    }
    .config()
    .unwrap();
    assert_eq!(config.huber_scale, Some(HUBER_TUNING));
    let json = serde_json::to_string(&config).unwrap();
    assert!(json.contains("\"huber_scale\":1.345"), "{json}");
    let plain = serde_json::to_string(&FitConfig::default()).unwrap();
    assert!(!plain.contains("huber_scale"), "{plain}");
    let back: FitConfig = serde_json::from_str(&plain).unwrap();
    assert_eq!(back.huber_scale, None);
}

/// [`HUBER_SCALE_ROUNDS`]'s documented claim: a third round barely moves the fit.
#[test]
fn a_third_round_moves_the_threshold_little_and_a_less() {
    for (sd, outliers) in [(0.005, vec![]), (0.01, vec![5, 20, 33]), (0.02, vec![1, 2])] {
        let obs = noisy_sweep(sd, &outliers);
        let two = fit(&obs, &auto(), &|| {}).unwrap().fitted;
        let ResidualLoss::Huber { delta } = two.config.loss else {
            panic!("{:?}", two.config.loss)
        };
        let third = HUBER_TUNING * crate::stats::robust_centre_sd(&two.residuals).1;
        let three = FitConfig {
            loss: ResidualLoss::Huber { delta: third },
            huber_scale: None,
            ..two.config.clone()
        };
        let three = fit(&obs, &three, &|| {}).unwrap().fitted;
        assert!((third / delta - 1.0).abs() < 0.02, "{sd}: {delta} {third}");
        let (a2, a3) = (two.params_exponent.unwrap(), three.params_exponent.unwrap());
        assert!((a2 - a3).abs() < 1e-4, "{sd}: {a2} {a3}");
    }
}

/// On noise-free runs the residuals' spread is rounding error: the threshold uses the floor of
/// 0.1% instead, and the law is recovered.
#[test]
fn an_exact_law_gets_the_floor_not_a_threshold_from_rounding_error() {
    let obs = noisy_sweep(0.0, &[]);
    let report = fit(&obs, &auto(), &|| {}).unwrap();
    let ResidualLoss::Huber { delta } = report.fitted.config.loss else {
        panic!("{:?}", report.fitted.config.loss)
    };
    assert_eq!(delta, HUBER_TUNING * checks::MIN_SCALE);
    let truth = ChinchillaLaw::HOFFMANN_2022;
    assert!((report.fitted.natural("alpha").unwrap() / truth.alpha - 1.0).abs() < 1e-6);
    assert!(
        report.fitted.residual_sd < 1e-9,
        "{}",
        report.fitted.residual_sd
    );
}
