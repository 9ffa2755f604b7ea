//! `curve plot`: figures of a saved curve fit, drawn over the logs it was fitted to.
//!
//! The runs are read again with the options of `curve fit` (columns, `--schedule`), and each
//! must be a run of the fit with the same checkpoints, so that the figure shows the data the
//! law was fitted to. Each run's fitted trajectory runs to the end of its schedule; each
//! `--predict` schedule gets the trajectory (and band) of `curve predict`. The figures
//! themselves are [`crate::plot::training_curves_image`].

use std::path::PathBuf;

use crate::curve::CurveRun;
use crate::curve::SUM_TOLERANCE;
use crate::curve::fit::predict_along;
use crate::curve::law::CurveLaw;
use crate::curve::schedule::Schedule;
use crate::data::checkpoints::{LogOptions, RunLog};
use crate::error::Error;
use crate::output::{Inputs, check_output, write_atomically};
use crate::plot::{
    CurveFigure, FittedCurve, ImageFormat, PlotOptions, PredictedCurve, TrainingCurves,
    training_curves_image,
};

use super::curve::{CurveFitReport, CurvePredictRequest, load_runs, predict_with};

/// Points along each fitted trajectory and each schedule drawn.
const SAMPLES: usize = 400;

/// The fit, its logs, the figure and where to draw it.
#[derive(Debug, Clone)]
pub struct CurvePlotRequest {
    /// A fit saved by `curve fit --out`.
    pub fit: String,
    /// The files of training logs the fit was made from.
    pub paths: Vec<String>,
    /// Runs' logs already read (e.g. from a data frame), after those of `paths`.
    pub logs: Vec<RunLog>,
    /// How to read them (as for `curve fit`).
    pub log: LogOptions,
    /// The schedules given to `curve fit`: for one run (`Some(name)`) or for every run.
    pub schedules: Vec<(Option<String>, Schedule)>,
    /// Schedules to predict under, each with its name in the legend (`None`: its family and
    /// length).
    pub predict: Vec<(Option<String>, Schedule)>,
    /// The figure.
    pub kind: CurveFigure,
    /// Size and title.
    pub plot: PlotOptions,
    /// The image, `.svg` or `.png` (checked before any work).
    pub out: PathBuf,
}

/// Draw the figure of `request` to its `out` file, atomically; returns the path written.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--out` for an image format it cannot tell or an output that
/// is an input (before any work), `--width`/`--height` for a bad size; [`Error::FitFile`] for a
/// file that is not a curve fit; as [`curve_plot_image`].
pub fn curve_plot(request: &CurvePlotRequest) -> Result<PathBuf, Error> {
    let format = ImageFormat::from_path(&request.out)?;
    let inputs = request
        .paths
        .iter()
        .fold(Inputs::new(), |i, p| i.with(p, "an input file"))
        .with(&request.fit, "the fit file (--fit)");
    check_output("--out", &request.out, &inputs)?;
    let (saved, law) = CurveFitReport::load(&request.fit).map_err(|e| match e {
        Error::FitFile { path, message } => Error::FitFile {
            path,
            message: format!("{message} (given with --fit)"),
        },
        e => e,
    })?;
    let image = curve_plot_image(&saved, law.as_ref(), request, format)?;
    write_atomically(&request.out, |w| w.write_all(&image))?;
    Ok(request.out.clone())
}

/// [`curve_plot`] with the fit in memory, drawn into memory: SVG text or PNG bytes, by
/// `format` (the request's `fit` and `out` unused).
///
/// # Errors
///
/// As [`load_runs`]; [`Error::InvalidOption`] naming `FILE` for a run that is not one of the
/// fit's or has other checkpoints than it was fitted with, `--predict` for a schedule the law
/// predicts no loss under; as [`training_curves_image`].
pub fn curve_plot_image(
    saved: &CurveFitReport,
    law: &dyn CurveLaw,
    request: &CurvePlotRequest,
    format: ImageFormat,
) -> Result<Vec<u8>, Error> {
    let runs = load_runs(
        &request.paths,
        &request.logs,
        &request.log,
        &request.schedules,
    )?;
    let theta = saved.theta();
    let mut fitted = Vec::new();
    for (run, _) in &runs {
        check_fitted(saved, run)?;
        fitted.push(fitted_curve(law, &theta, run)?);
    }
    let mut predictions = Vec::new();
    for (name, schedule) in &request.predict {
        predictions.push(predicted_curve(saved, law, name.as_deref(), schedule)?);
    }
    let curves = TrainingCurves {
        law: saved.law.clone(),
        level: saved.uncertainty.as_ref().map(|u| u.level),
        runs: fitted,
        predictions,
    };
    training_curves_image(&curves, request.kind, &request.plot, format)
}

/// Check that `run` is a run of the fit, with the checkpoints it was fitted with.
fn check_fitted(saved: &CurveFitReport, run: &CurveRun) -> Result<(), Error> {
    let names = || {
        (saved.runs.iter().map(|r| r.run.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(fitted) = saved.runs.iter().find(|r| r.run == run.name) else {
        return Err(Error::invalid_option(
            "FILE",
            format!(
                "run '{}' is not one of the fit's runs ({}); give the logs the fit was made \
                 from, read with the same options",
                run.name,
                names()
            ),
        ));
    };
    let steps = (run.steps[0], run.steps[run.steps.len() - 1]);
    if fitted.checkpoints != run.steps.len() || fitted.steps != steps {
        return Err(Error::invalid_option(
            "FILE",
            format!(
                "run '{}' has {} checkpoints, steps {}–{}, where the fit was made from {}, \
                 steps {}–{}; give the logs the fit was made from",
                run.name,
                run.steps.len(),
                steps.0,
                steps.1,
                fitted.checkpoints,
                fitted.steps.0,
                fitted.steps.1
            ),
        ));
    }
    Ok(())
}

/// `SAMPLES` steps evenly from `first` to `last`, with `extra` steps, increasing, unique.
fn grid(first: usize, last: usize, extra: &[usize]) -> Vec<usize> {
    let span = last.saturating_sub(first);
    let mut steps: Vec<usize> = (0..=SAMPLES)
        .map(|i| first + span * i / SAMPLES)
        .chain(extra.iter().copied())
        .collect();
    steps.sort_unstable();
    steps.dedup();
    steps
}

/// A rate per step, sampled for drawing (from step 0 to the last).
fn sampled_rates(lrs: &[f64]) -> Vec<(f64, f64)> {
    grid(0, lrs.len() - 1, &[])
        .into_iter()
        .map(|s| (s as f64, lrs[s]))
        .collect()
}

/// The law's trajectory along `run`, from its first checkpoint to the end of its schedule.
fn fitted_curve(law: &dyn CurveLaw, theta: &[f64], run: &CurveRun) -> Result<FittedCurve, Error> {
    let steps = grid(run.steps[0], run.lrs.len() - 1, &run.steps);
    let loss = predict_along(law, theta, &run.name, &run.lrs, &steps, SUM_TOLERANCE)?;
    let at = |s: usize| steps.binary_search(&s).map(|i| loss[i]).unwrap_or(f64::NAN);
    Ok(FittedCurve {
        name: run.name.clone(),
        observed: (run.steps.iter().zip(&run.loss))
            .map(|(&s, &l)| (s as f64, l))
            .collect(),
        fitted: run.steps.iter().map(|&s| at(s)).collect(),
        trajectory: (steps.iter().zip(&loss))
            .filter(|(_, l)| l.is_finite() && **l > 0.0)
            .map(|(&s, &l)| (s as f64, l))
            .collect(),
        lr: sampled_rates(&run.lrs),
    })
}

/// The trajectory (and band) `curve predict` gives under `schedule`.
fn predicted_curve(
    saved: &CurveFitReport,
    law: &dyn CurveLaw,
    name: Option<&str>,
    schedule: &Schedule,
) -> Result<PredictedCurve, Error> {
    let request = CurvePredictRequest {
        fit: String::new(),
        schedule: *schedule,
        every: (schedule.steps / SAMPLES).max(1),
        target_loss: None,
        size: None,
    };
    let p = predict_with(saved, law, &request).map_err(|e| match e {
        Error::InvalidOption { message, .. } => Error::invalid_option("--predict", message),
        e => e,
    })?;
    let steps: Vec<f64> = p.step.iter().map(|&s| s as f64).collect();
    let band = (!p.lower.is_empty()).then(|| {
        (steps.iter().zip(p.lower.iter().zip(&p.upper)))
            .map(|(&s, (&lo, &hi))| (s, lo, hi))
            .collect()
    });
    let family = schedule.describe();
    let family = family.split(':').next().unwrap_or("schedule");
    Ok(PredictedCurve {
        name: name.map_or_else(
            || format!("{family}, {} steps", schedule.steps),
            str::to_string,
        ),
        trajectory: steps.iter().copied().zip(p.loss.iter().copied()).collect(),
        band,
        lr: sampled_rates(&schedule.per_step()),
    })
}
