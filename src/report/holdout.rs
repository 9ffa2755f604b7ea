//! Text of a held-out check: one line per predicted run, then errors and coverage.

use std::io::{self, Write};

use super::optimal::num;
use crate::check::holdout::{HoldoutReport, HoldoutRule};

/// Write the held-out check `h` for people.
///
/// # Errors
///
/// Errors of the writer.
pub fn text(h: &HoldoutReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w)?;
    let asked = match h.rule {
        HoldoutRule::LargestCompute(k) | HoldoutRule::LargestParams(k) => Some(k),
        _ => None,
    };
    let tied = match asked {
        Some(k) if h.runs.len() > k => {
            format!(" ({} with the runs tied at the cut-off)", h.runs.len())
        }
        _ => String::new(),
    };
    writeln!(w, "Held-out check: predicting {}{tied}", h.rule.describe())?;
    for (i, f) in h.folds.iter().enumerate() {
        if let Some(reason) = &f.failed {
            writeln!(
                w,
                "  fold {}: failed, its {} runs not predicted (the fit of the {} runs up to {} FLOPs: {reason})",
                i + 1,
                f.test_runs,
                f.train_runs,
                num(f.train_max_compute),
            )?;
            continue;
        }
        let kappa = match (f.calibration.kappa, f.calibration.sufficient) {
            (Some(k), _) if f.calibration.misfit => format!(
                "{k:.4} per decade, the largest of {} predictions (the residuals show a misfit: widened)",
                f.calibration.points
            ),
            (Some(k), true) => format!(
                "{k:.4} per decade from {} predictions",
                f.calibration.points
            ),
            (Some(k), false) => format!(
                "{k:.4} per decade from only {} predictions (too few for the level: wider than it shows)",
                f.calibration.points
            ),
            (None, _) => "not calibrated (too few runs to cut): no interval beyond the data".into(),
        };
        writeln!(
            w,
            "  fold {}: fitted {} runs (compute up to {} FLOPs{}), predicted {}; extrapolation term {kappa}",
            i + 1,
            f.train_runs,
            num(f.train_max_compute),
            f.params_exponent
                .map_or(String::new(), |a| format!(", a = {a:.4}")),
            f.test_runs,
        )?;
    }
    writeln!(
        w,
        "  {:>5}  {:>10}  {:>10}  {:>10}  {:>7}  {:>9}  {:>9}  {:>8}  {:.0}% prediction interval",
        "row",
        "N",
        "D",
        "C",
        "beyond",
        "observed",
        "predicted",
        "|error|",
        h.level * 100.0
    )?;
    for r in &h.runs {
        let interval = match r.prediction_interval {
            Some((lo, hi)) => format!(
                "[{lo:.4}, {hi:.4}]{}",
                if (lo..=hi).contains(&r.observed) {
                    ""
                } else {
                    "  outside"
                }
            ),
            None => "cannot tell".to_string(),
        };
        writeln!(
            w,
            "  {:>5}  {:>10}  {:>10}  {:>10}  {:>6.2}d  {:>9.4}  {:>9.4}  {:>7.2}%  {interval}",
            r.row,
            num(r.n_params),
            num(r.n_tokens),
            num(r.compute),
            r.extrapolation_decades,
            r.observed,
            r.predicted,
            100.0 * r.relative_error,
        )?;
    }
    let coverage = match h.coverage {
        Some(c) => format!(
            "{:.0}% of {} inside their {:.0}% intervals",
            c * 100.0,
            h.with_interval,
            h.level * 100.0
        ),
        None => "no run has an interval".to_string(),
    };
    writeln!(
        w,
        "  |predicted - observed| / observed: mean {:.2}%, max {:.2}%; mean log error {:+.4} (positive: observed above predicted); {coverage}",
        100.0 * h.mean_relative_error,
        100.0 * h.max_relative_error,
        h.mean_log_error,
    )?;
    writeln!(
        w,
        "  (\"beyond\": decades of compute past the largest run fitted)"
    )?;
    Ok(())
}
