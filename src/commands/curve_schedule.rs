//! `curve schedule`: the best learning-rate schedule within each family for a saved curve fit,
//! at the warmup, peak rate and horizon of a given schedule, and its gain over cosine to 10% of
//! the peak (the usual default), with an interval when the fit was bootstrapped; with `--free`,
//! the best non-increasing schedule after the warmup too ([`crate::curve::free`]), started
//! from the best of the grid.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::curve::CurveFitReport;
use crate::curve::bootstrap::quantile;
use crate::curve::free::free_schedule;
use crate::curve::law::CurveLaw;
use crate::curve::schedule::{Schedule, Shape};
use crate::curve::tune::{FINAL_RATIOS, Family, candidates, final_losses, rates_final_losses};
use crate::error::Error;
use crate::finite::check_finite;
use crate::output::{Inputs, check_output, write_atomically};

/// What to tune.
#[derive(Debug, Clone)]
pub struct CurveScheduleRequest {
    /// A saved curve fit.
    pub fit: String,
    /// The schedule whose warmup, peak rate and horizon the candidates keep.
    pub base: Schedule,
    /// The families to search (`cosine`, `wsd`).
    pub families: Vec<String>,
    /// Whether to find the best free non-increasing schedule too.
    pub free: bool,
    /// Where to write the free schedule, step by step (`step,lr`); implies `free`.
    pub free_out: Option<PathBuf>,
}

/// Fractions of the horizon at which the free schedule's rate is reported.
pub const FREE_RATE_FRACTIONS: [f64; 3] = [0.5, 0.9, 1.0];

/// The learning rate at a fraction of the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateAt {
    /// The fraction of the steps.
    pub fraction: f64,
    /// The step (0-based; the last step for 1).
    pub step: usize,
    /// The rate there.
    pub lr: f64,
}

/// The best free non-increasing schedule, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreeReport {
    /// The first step after the warmup whose rate is below the peak (absent: the peak to the
    /// end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decay_step: Option<usize>,
    /// That step as a fraction of the steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decay_fraction: Option<f64>,
    /// The rate at 50%, 90% and 100% of the steps.
    pub rates: Vec<RateAt>,
    /// The lowest rate allowed: half the lowest the fitted runs trained at after their peak,
    /// and no lower than the grid's lowest final rate (0.1% of the peak).
    pub lowest_lr: f64,
    /// The grid schedule the optimiser started from (the best of the grid).
    pub start: String,
    /// The WSD schedule of the grid closest to it (least mean squared difference of the rates
    /// after the warmup).
    pub closest_wsd: String,
    /// That WSD's final loss minus the free schedule's.
    pub gain_over_closest_wsd: f64,
    /// The best grid schedule's final loss minus the free schedule's.
    pub gain_over_grid: f64,
    /// The interval of that gain over the bootstrap's replicates, when the fit has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gain_over_grid_interval: Option<(f64, f64)>,
    /// L-BFGS iterations.
    pub iterations: u64,
    /// `(step, rate)` of each knot from the warmup's end: the rate is linear between them
    /// and the given schedule's warmup before.
    pub knots: Vec<(usize, f64)>,
    /// The rate at every step (not in the JSON: `--free-out` writes it).
    #[serde(skip)]
    pub lrs: Vec<f64>,
}

/// A schedule and what the law predicts of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleScore {
    /// What it is: `given`, `baseline`, or the family searched.
    pub role: String,
    /// Its description, as `--schedule` takes it.
    pub schedule: String,
    /// The predicted loss at its last step.
    pub final_loss: f64,
    /// The baseline's final loss minus this one's (positive: this one ends lower).
    pub gain: f64,
    /// The interval of the gain over the bootstrap's replicates, when the fit has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gain_interval: Option<(f64, f64)>,
}

/// The best schedule of each family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveScheduleReport {
    /// The law.
    pub law: String,
    /// Steps of every schedule.
    pub steps: usize,
    /// Level of the intervals (with a bootstrapped fit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<f64>,
    /// The fitted runs' lowest rate after their peak: no final rate below half of it is tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr_floor: Option<f64>,
    /// The fit's mean relative error on left-out runs (with a bootstrapped fit): a gain
    /// smaller than this much of the loss is within the law's own error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_out_error: Option<f64>,
    /// Candidates scored.
    pub candidates: usize,
    /// The given schedule, the baseline (cosine to 10% of the peak), then each family's best,
    /// then (with `--free`) the free schedule.
    pub schedules: Vec<ScheduleScore>,
    /// The free schedule, with `--free`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free: Option<FreeReport>,
}

/// The `schedule` column of the free schedule's row.
pub const FREE_ROW: &str = "non-increasing after the warmup (--free-out writes it)";

/// The free schedule from the best of the `chosen` grid rows (after the given and the
/// baseline; `all` their losses under every parameter vector), and its losses under every
/// parameter vector.
#[allow(clippy::too_many_arguments)]
fn free_row(
    law: &dyn CurveLaw,
    theta: &[f64],
    thetas: &[&[f64]],
    request: &CurveScheduleRequest,
    floor: f64,
    chosen: &[(String, Schedule)],
    all: &[Vec<f64>],
    level: Option<f64>,
) -> Result<(FreeReport, Vec<f64>), Error> {
    let base = &request.base;
    let best = (2..chosen.len())
        .min_by(|&a, &b| all[a][0].total_cmp(&all[b][0]))
        .expect("a family searched");
    let lowest = (0.5 * floor).max(FINAL_RATIOS[0] * base.peak);
    let found = free_schedule(law, theta, base, lowest, &chosen[best].1)?;
    let losses = rates_final_losses(law, thetas, &found.lrs)?;
    let wsd = candidates(base, Family::Wsd, floor);
    let distance = |s: &Schedule| -> f64 {
        (base.warmup..base.steps)
            .map(|j| (s.at(j) - found.lrs[j]).powi(2))
            .sum()
    };
    let closest = wsd
        .iter()
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))
        .copied()
        .unwrap_or(chosen[best].1);
    let closest_loss = final_losses(law, &[theta], &[closest])?[0][0];
    let gain_at = |k: usize| -> f64 { all[best][k] - losses[k] };
    let decay_step = (base.warmup..base.steps).find(|&j| found.lrs[j] < base.peak);
    let report = FreeReport {
        decay_step,
        decay_fraction: decay_step.map(|j| j as f64 / base.steps as f64),
        rates: FREE_RATE_FRACTIONS
            .iter()
            .map(|&fraction| {
                let step =
                    ((fraction * base.steps as f64).round() as usize).clamp(1, base.steps) - 1;
                RateAt {
                    fraction,
                    step,
                    lr: found.lrs[step],
                }
            })
            .collect(),
        lowest_lr: lowest,
        start: chosen[best].1.describe(),
        closest_wsd: closest.describe(),
        gain_over_closest_wsd: closest_loss - losses[0],
        gain_over_grid: gain_at(0),
        gain_over_grid_interval: level
            .map(|level| interval((1..thetas.len()).map(gain_at).collect(), level)),
        iterations: found.iterations,
        knots: found.knots,
        lrs: found.lrs,
    };
    Ok((report, losses))
}

/// Search each family for the schedule the law predicts to end lowest.
///
/// # Errors
///
/// A bad fit file; an unknown family; no candidate inside the fitted rates; a prediction that
/// is not a positive number; a `--free-out` that is an input or cannot be written.
pub fn curve_schedule(request: &CurveScheduleRequest) -> Result<CurveScheduleReport, Error> {
    if let Some(out) = &request.free_out {
        check_output(
            "--free-out",
            out,
            &Inputs::new().with(&request.fit, "the fit file (--fit)"),
        )?;
    }
    let (saved, law) = CurveFitReport::load(&request.fit)?;
    let report = schedule_with(&saved, law.as_ref(), request)?;
    if let (Some(out), Some(free)) = (&request.free_out, &report.free) {
        write_atomically(out, |w| write_rates(&free.lrs, w))?;
    }
    Ok(report)
}

/// The rate at every step as CSV, `step,lr`, each rate in the shortest form that reads back
/// as the same number.
///
/// # Errors
///
/// As the writer's.
pub fn write_rates(lrs: &[f64], w: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(w, "step,lr")?;
    for (step, lr) in lrs.iter().enumerate() {
        writeln!(w, "{step},{lr:e}")?;
    }
    Ok(())
}

/// The `(low, high)` quantiles at `level` of the finite values of `values`.
fn interval(mut values: Vec<f64>, level: f64) -> (f64, f64) {
    values.retain(|g| g.is_finite());
    values.sort_by(f64::total_cmp);
    (
        quantile(&values, (1.0 - level) / 2.0),
        quantile(&values, (1.0 + level) / 2.0),
    )
}

/// [`curve_schedule`] with the fit in memory (its file name in `request` unused).
///
/// # Errors
///
/// As [`curve_schedule`], but for the file.
pub fn schedule_with(
    saved: &CurveFitReport,
    law: &dyn CurveLaw,
    request: &CurveScheduleRequest,
) -> Result<CurveScheduleReport, Error> {
    if law.needs_size() {
        return Err(Error::invalid_option(
            "--fit",
            format!(
                "the schedule search takes a law of one model size; this fit is the {} law \
                 across sizes: fit one size's runs with --law annealing or multi-power",
                law.name()
            ),
        ));
    }
    let families = request
        .families
        .iter()
        .map(|f| match f.trim() {
            "cosine" => Ok(Family::Cosine),
            "wsd" => Ok(Family::Wsd),
            other => Err(Error::invalid_option(
                "--family",
                format!("`{other}` cannot be tuned; the families: cosine, wsd"),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let floor = saved.lr_floor.unwrap_or(0.0);
    let baseline = Schedule {
        shape: Shape::Cosine {
            final_lr: 0.1 * request.base.peak,
        },
        ..request.base
    };
    baseline.check("--schedule")?;
    let theta = saved.theta();
    let draws: Vec<&[f64]> = saved
        .uncertainty
        .as_ref()
        .map(|u| u.draws.theta.iter().map(Vec::as_slice).collect())
        .unwrap_or_default();
    let mut thetas: Vec<&[f64]> = vec![&theta];
    thetas.extend(&draws);
    let mut searched: Vec<(String, Vec<Schedule>)> = Vec::new();
    let mut total = 0;
    for family in &families {
        let c = candidates(&request.base, *family, floor);
        if c.is_empty() {
            return Err(Error::invalid_option(
                "--family",
                format!(
                    "no {} schedule ends at or above half the lowest rate the fit saw \
                     ({floor:e}); fit runs that decay further",
                    family.name()
                ),
            ));
        }
        total += c.len();
        searched.push((family.name().to_string(), c));
    }
    // The given schedule and the baseline with every parameter vector; the candidates at the
    // fit's own parameters, then the best of each family with every vector.
    let fixed = final_losses(law, &thetas, &[request.base, baseline])?;
    let mut chosen: Vec<(String, Schedule)> = vec![
        ("given".into(), request.base),
        ("baseline".into(), baseline),
    ];
    for (name, c) in &searched {
        let losses = final_losses(law, &[&theta], c)?;
        let best = (0..c.len())
            .min_by(|&a, &b| losses[a][0].total_cmp(&losses[b][0]))
            .expect("candidates");
        chosen.push((name.clone(), c[best]));
    }
    let mut all = fixed;
    all.extend(final_losses(
        law,
        &thetas,
        &chosen[2..].iter().map(|(_, s)| *s).collect::<Vec<_>>(),
    )?);
    let level = saved.uncertainty.as_ref().map(|u| u.level);
    let mut rows: Vec<(String, String)> = chosen
        .iter()
        .map(|(role, s)| (role.clone(), s.describe()))
        .collect();
    let free = if request.free || request.free_out.is_some() {
        let (report, losses) =
            free_row(law, &theta, &thetas, request, floor, &chosen, &all, level)?;
        rows.push(("free".into(), FREE_ROW.into()));
        all.push(losses);
        Some(report)
    } else {
        None
    };
    let schedules = rows
        .iter()
        .zip(&all)
        .map(|((role, s), losses)| {
            if !(losses[0].is_finite() && losses[0] > 0.0) {
                return Err(Error::invalid_option(
                    "--schedule",
                    format!(
                        "the law predicts a final loss of {} for {s}: too far from the fitted runs",
                        losses[0],
                    ),
                ));
            }
            let gain_interval = level.map(|level| {
                interval(
                    (1..losses.len()).map(|k| all[1][k] - losses[k]).collect(),
                    level,
                )
            });
            Ok(ScheduleScore {
                role: role.clone(),
                schedule: s.clone(),
                final_loss: losses[0],
                gain: all[1][0] - losses[0],
                gain_interval,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let report = CurveScheduleReport {
        law: saved.law.clone(),
        steps: request.base.steps,
        level,
        lr_floor: saved.lr_floor,
        held_out_error: saved
            .uncertainty
            .as_ref()
            .and_then(|u| u.held_out.map(|h| h.mean)),
        candidates: total,
        schedules,
        free,
    };
    check_finite(&report, "the schedule search")?;
    Ok(report)
}
