//! `curve schedule`: the best learning-rate schedule within each family for a saved curve fit,
//! at the warmup, peak rate and horizon of a given schedule, and its gain over cosine to 10% of
//! the peak (the usual default), with an interval when the fit was bootstrapped.

use serde::{Deserialize, Serialize};

use super::curve::CurveFitReport;
use crate::curve::bootstrap::quantile;
use crate::curve::law::CurveLaw;
use crate::curve::schedule::{Schedule, Shape};
use crate::curve::tune::{Family, candidates, final_losses};
use crate::error::Error;
use crate::finite::check_finite;

/// What to tune.
#[derive(Debug, Clone)]
pub struct CurveScheduleRequest {
    /// A saved curve fit.
    pub fit: String,
    /// The schedule whose warmup, peak rate and horizon the candidates keep.
    pub base: Schedule,
    /// The families to search (`cosine`, `wsd`).
    pub families: Vec<String>,
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
    /// The given schedule, the baseline (cosine to 10% of the peak), then each family's best.
    pub schedules: Vec<ScheduleScore>,
}

/// Search each family for the schedule the law predicts to end lowest.
///
/// # Errors
///
/// A bad fit file; an unknown family; no candidate inside the fitted rates; a prediction that
/// is not a positive number.
pub fn curve_schedule(request: &CurveScheduleRequest) -> Result<CurveScheduleReport, Error> {
    let (saved, law) = CurveFitReport::load(&request.fit)?;
    schedule_with(&saved, law.as_ref(), request)
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
    let schedules = chosen
        .iter()
        .zip(&all)
        .map(|((role, s), losses)| {
            if !(losses[0].is_finite() && losses[0] > 0.0) {
                return Err(Error::invalid_option(
                    "--schedule",
                    format!(
                        "the law predicts a final loss of {} for {}: too far from the fitted runs",
                        losses[0],
                        s.describe()
                    ),
                ));
            }
            let gain_interval = level.map(|level| {
                let mut gains: Vec<f64> = (1..losses.len())
                    .map(|k| all[1][k] - losses[k])
                    .filter(|g| g.is_finite())
                    .collect();
                gains.sort_by(f64::total_cmp);
                (
                    quantile(&gains, (1.0 - level) / 2.0),
                    quantile(&gains, (1.0 + level) / 2.0),
                )
            });
            Ok(ScheduleScore {
                role: role.clone(),
                schedule: s.describe(),
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
    };
    check_finite(&report, "the schedule search")?;
    Ok(report)
}
