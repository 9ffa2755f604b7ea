//! The best learning-rate schedule within a family, for a fitted curve law: every candidate
//! of a grid over the family's free parameters, scored by the law's predicted loss at the last
//! step.
//!
//! The warmup, the peak rate and the horizon stay those of a given schedule; the grid covers
//!
//! ```text
//! cosine   final rate  r·peak,  r ∈ FINAL_RATIOS
//! wsd      final rate  r·peak,  r ∈ FINAL_RATIOS;  cooldown  f·(steps − warmup) steps,
//!          f ∈ COOLDOWN_FRACTIONS;  shape exp, linear, 1 − √u
//! ```
//!
//! A law fitted to runs whose rates never went below some floor says little about rates far
//! below it: candidates whose final rate lies below half the floor are left out.

use rayon::prelude::*;

use super::fit::{predict, schedule_run};
use super::law::CurveLaw;
use super::schedule::{Cooldown, Schedule, Shape};
use super::{Prepared, SUM_TOLERANCE};
use crate::error::Error;

/// Final learning rates tried, as fractions of the peak.
pub const FINAL_RATIOS: [f64; 8] = [0.001, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5];

/// Cooldown lengths of WSD tried, as fractions of the steps after the warmup.
pub const COOLDOWN_FRACTIONS: [f64; 11] =
    [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0];

/// A schedule family that can be tuned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Cosine to a final rate.
    Cosine,
    /// Warmup, stable, cooldown.
    Wsd,
}

impl Family {
    /// Its name, as `--family` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Family::Cosine => "cosine",
            Family::Wsd => "wsd",
        }
    }
}

/// The candidates of `family` with the warmup, peak and horizon of `base`, their final rate at
/// or above half of `floor`.
pub fn candidates(base: &Schedule, family: Family, floor: f64) -> Vec<Schedule> {
    let finals = FINAL_RATIOS
        .iter()
        .map(|r| r * base.peak)
        .filter(|&f| f >= 0.5 * floor * (1.0 - 1e-9));
    let with = |shape| Schedule { shape, ..*base };
    let mut out = Vec::new();
    for final_lr in finals {
        match family {
            Family::Cosine => out.push(with(Shape::Cosine { final_lr })),
            Family::Wsd => {
                let after = base.steps.saturating_sub(base.warmup);
                for f in COOLDOWN_FRACTIONS {
                    let len = ((after as f64) * f).round() as usize;
                    let decay = base.steps.saturating_sub(len.max(1)).max(base.warmup);
                    for cooldown in [Cooldown::Exp, Cooldown::Linear, Cooldown::Sqrt] {
                        let s = with(Shape::Wsd {
                            final_lr,
                            decay,
                            cooldown,
                        });
                        if s.check("schedule").is_ok() && !out.contains(&s) {
                            out.push(s);
                        }
                    }
                }
            }
        }
    }
    out
}

/// A schedule as a run with one checkpoint, at its last step.
///
/// # Errors
///
/// [`crate::error::Error::BadCurve`] for rates that are not a run's (see
/// [`super::CurveRun::new`]).
pub fn last_step_run(schedule: &Schedule) -> Result<Prepared, Error> {
    let lrs = schedule.per_step();
    let last = lrs.len() - 1;
    schedule_run(&schedule.describe(), lrs, vec![last], None, SUM_TOLERANCE)
}

/// The law's loss at the last step of each schedule, for each parameter vector of `thetas`:
/// `out[s][k]` for schedule `s` and parameters `k`.
///
/// # Errors
///
/// As [`last_step_run`].
pub fn final_losses(
    law: &dyn CurveLaw,
    thetas: &[&[f64]],
    schedules: &[Schedule],
) -> Result<Vec<Vec<f64>>, Error> {
    schedules
        .par_iter()
        .map(|s| {
            let run = last_step_run(s)?;
            Ok(thetas.iter().map(|t| predict(law, t, &run)[0]).collect())
        })
        .collect()
}

/// The law's loss at the last step of a run trained with `lrs` (one rate per step), for each
/// parameter vector of `thetas`, the loss-drop sum grouped as for [`final_losses`].
///
/// # Errors
///
/// As [`last_step_run`].
pub fn rates_final_losses(
    law: &dyn CurveLaw,
    thetas: &[&[f64]],
    lrs: &[f64],
) -> Result<Vec<f64>, Error> {
    let last = lrs.len() - 1;
    let run = schedule_run("free", lrs.to_vec(), vec![last], None, SUM_TOLERANCE)?;
    Ok(thetas
        .par_iter()
        .map(|t| predict(law, t, &run)[0])
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::law::{MULTI_POWER_PUBLISHED, MultiPower};

    fn base() -> Schedule {
        Schedule::parse("cosine:warmup=2000,peak=3e-4,final=3e-5,steps=24000", "x").unwrap()
    }

    #[test]
    fn the_grid_keeps_the_base_s_warmup_peak_and_horizon_and_the_rate_floor() {
        let wsd = candidates(&base(), Family::Wsd, 6e-6);
        assert_eq!(wsd.len(), 7 * 11 * 3, "7 final rates at or above the floor");
        assert!(
            wsd.iter()
                .all(|s| s.warmup == 2000 && s.peak == 3e-4 && s.steps == 24000)
        );
        let cosine = candidates(&base(), Family::Cosine, 0.0);
        assert_eq!(cosine.len(), FINAL_RATIOS.len());
    }

    #[test]
    fn under_the_multi_power_law_a_wsd_cooldown_beats_cosine_as_its_authors_found() {
        // Luo et al. 2025 (Figure 1, Table 3): WSD with a cooldown to a low rate ends lower
        // than cosine to 10% at the same horizon.
        let theta = MULTI_POWER_PUBLISHED[2].1;
        let base = base();
        let cosine = final_losses(&MultiPower, &[&theta], &[base]).unwrap()[0][0];
        let wsd = candidates(&base, Family::Wsd, 3e-6);
        let losses = final_losses(&MultiPower, &[&theta], &wsd).unwrap();
        let best = losses.iter().map(|l| l[0]).fold(f64::INFINITY, f64::min);
        assert!(
            best < cosine - 0.01,
            "best WSD {best} against cosine {cosine}"
        );
        assert!(
            best > cosine - 0.1,
            "best WSD {best} against cosine {cosine}"
        );
    }
}
