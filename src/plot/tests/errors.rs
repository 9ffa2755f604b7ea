//! Bad options, bad paths and unwritable folders give errors, never panics or partial files.

use std::path::Path;

use super::{K, assert_only_files, dataset};
use crate::error::Error;
use crate::law::ChinchillaLaw;
use crate::plot::*;

#[test]
fn unknown_extension_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("figure.jpg");
    let law = crate::law::Law::from(ChinchillaLaw::HOFFMANN_2022);
    let err = residuals(&path, &law, dataset(), &PlotOptions::default()).unwrap_err();
    assert!(matches!(&err, Error::InvalidOption { flag, .. } if flag == "--out"));
    assert!(err.to_string().contains("figure.jpg"), "{err}");
    assert!(ImageFormat::from_path(Path::new("noextension")).is_err());
    assert_eq!(
        ImageFormat::from_path(Path::new("a.PNG")).unwrap(),
        ImageFormat::Png
    );
    assert_only_files(dir.path(), &[]);
}

/// The flag named by an [`Error::InvalidOption`].
fn flag_of(result: Result<(), Error>) -> String {
    match result {
        Err(Error::InvalidOption { flag, .. }) => flag,
        other => panic!("expected an invalid option, got {other:?}"),
    }
}

#[test]
fn bad_options_name_their_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.png");
    let law = crate::law::Law::from(ChinchillaLaw::HOFFMANN_2022);
    let opts = PlotOptions::default();
    let data = dataset();
    let mut empty = data.clone();
    for column in [
        &mut empty.n_params,
        &mut empty.n_tokens,
        &mut empty.compute,
        &mut empty.loss,
    ] {
        column.clear();
    }
    assert_eq!(
        flag_of(isoloss_contours(&path, &law, K, &empty, &opts)),
        "data"
    );
    assert_eq!(flag_of(residuals(&path, &law, &empty, &opts)), "data");
    assert_eq!(
        flag_of(isoflop_slices(&path, &law, K, data, &[], 0.05, &opts)),
        "--budgets"
    );
    assert_eq!(
        flag_of(isoflop_slices(&path, &law, K, data, &[-1.0], 0.05, &opts)),
        "--budgets"
    );
    assert_eq!(
        flag_of(isoflop_slices(&path, &law, K, data, &[1e20], -0.1, &opts)),
        "--tolerance-dex"
    );
    for level in [0.0, 1.0, f64::NAN] {
        let r = optimal_vs_compute(&path, &law, K, None, level, (1e18, 1e24), &[], &opts);
        assert_eq!(flag_of(r), "--level");
    }
    for range in [(0.0, 1e24), (1e24, 1e18), (1e18, f64::INFINITY)] {
        let r = optimal_vs_compute(&path, &law, K, None, 0.95, range, &[], &opts);
        assert_eq!(flag_of(r), "--compute-range");
    }
    let r = isoloss_contours(&path, &law, 0.0, data, &opts);
    assert_eq!(flag_of(r), "--flops-per-param-token");
    let tiny = PlotOptions {
        width: 10,
        ..PlotOptions::default()
    };
    assert_eq!(flag_of(residuals(&path, &law, data, &tiny)), "--width");
    assert_only_files(dir.path(), &[]);
}

#[test]
fn unwritable_destination_is_a_write_error() {
    let dir = tempfile::tempdir().unwrap();
    let law = crate::law::Law::from(ChinchillaLaw::HOFFMANN_2022);
    for name in ["missing/figure.png", "missing/figure.svg"] {
        let path = dir.path().join(name);
        let err = residuals(&path, &law, dataset(), &PlotOptions::default()).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert!(err.to_string().contains("figure"), "{err}");
    }
}

#[test]
fn a_law_without_positive_predictions_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.png");
    let law = ChinchillaLaw {
        irreducible: -1e9,
        ..ChinchillaLaw::HOFFMANN_2022
    };
    let law = crate::law::Law::from(law);
    let err = residuals(&path, &law, dataset(), &PlotOptions::default()).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidOption { flag, .. } if flag == "law"),
        "{err}"
    );
    assert_only_files(dir.path(), &[]);
}
