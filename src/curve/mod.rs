//! Training curves: laws of the loss along a run under its learning-rate schedule.
//!
//! A [`CurveRun`] is one run: the learning rate at every step ([`schedule`] builds it from a
//! description or a sparse log) and the loss at its checkpoints. [`Prepared`] holds what the
//! laws need of a run, computed once: the summed learning rate `S1` (the "forward area") and
//! the signed changes of the rate, grouped so that the multi-power law's loss-drop sum costs
//! about 200 terms per checkpoint instead of one per step. [`law`] holds the laws, each a
//! [`law::CurveLaw`]; [`fit`] fits one to a set of runs by the same Huber-on-log objective and
//! L-BFGS as the laws of N and D; [`metrics`] scores predictions as the papers do.

/// The `kind` of a curve fit file (`scaling-laws curve fit --out`), which tells it from other
/// JSON files.
pub const FIT_KIND: &str = "scaling-laws curve fit";

pub mod bootstrap;
pub mod fit;
pub mod free;
pub mod law;
pub mod metrics;
mod prepared;
pub mod schedule;
pub mod tune;

pub use prepared::{Prepared, SUM_TOLERANCE};

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// One run: the learning rate at every step and the loss at some of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveRun {
    /// The run's name (a file stem or a run-column value).
    pub name: String,
    /// The learning rate at steps 0, 1, …, horizon − 1.
    pub lrs: Vec<f64>,
    /// Steps of the checkpoints, increasing, each below the horizon.
    pub steps: Vec<usize>,
    /// Loss at each checkpoint.
    pub loss: Vec<f64>,
    /// The model's size and tokens per step, for the laws across model sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<RunSize>,
}

/// What the laws across model sizes need of a run besides its schedule and losses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RunSize {
    /// Parameters N of the model.
    pub params: f64,
    /// Tokens per optimiser step (the batch size in tokens).
    pub tokens_per_step: f64,
    /// The highest learning rate of the run's whole schedule: the laws across sizes use the
    /// rate relative to it, since the peak rate itself is tuned per size.
    pub peak_lr: f64,
}

fn bad(run: &str, message: String) -> Error {
    Error::BadCurve {
        run: run.to_string(),
        message,
    }
}

impl CurveRun {
    /// A run, checked: the rates finite, 0 or more at step 0 and positive after it; the steps
    /// increasing from 1, inside the horizon; the losses positive numbers.
    ///
    /// # Errors
    ///
    /// [`Error::BadCurve`] naming the run and the step.
    pub fn new(
        name: impl Into<String>,
        lrs: Vec<f64>,
        steps: Vec<usize>,
        loss: Vec<f64>,
    ) -> Result<CurveRun, Error> {
        let name = name.into();
        if steps.len() != loss.len() {
            return Err(bad(
                &name,
                format!("{} steps but {} losses", steps.len(), loss.len()),
            ));
        }
        if steps.is_empty() {
            return Err(bad(&name, "has no checkpoints".to_string()));
        }
        if let Some(j) = lrs
            .iter()
            .enumerate()
            .position(|(j, &lr)| !(lr.is_finite() && (lr > 0.0 || (j == 0 && lr == 0.0))))
        {
            return Err(bad(
                &name,
                format!(
                    "the learning rate at step {j} is {}; the curve laws need a positive rate at \
                     every step after step 0 (a schedule that decays to 0 can end at a small \
                     final rate instead)",
                    lrs[j]
                ),
            ));
        }
        for (i, (&step, &l)) in steps.iter().zip(&loss).enumerate() {
            if step == 0 {
                return Err(bad(
                    &name,
                    "has a checkpoint at step 0, before any training; leave it out".to_string(),
                ));
            }
            if i > 0 && step <= steps[i - 1] {
                return Err(bad(
                    &name,
                    format!(
                        "step {step} follows step {}: steps must increase within a run (a \
                         resumed run logs steps again; keep one row per step)",
                        steps[i - 1]
                    ),
                ));
            }
            if step >= lrs.len() {
                return Err(bad(
                    &name,
                    format!(
                        "has a checkpoint at step {step}, past its schedule's {} steps",
                        lrs.len()
                    ),
                ));
            }
            if !(l.is_finite() && l > 0.0) {
                return Err(bad(
                    &name,
                    format!(
                        "the loss at step {step} is {l}; a diverged run or a gap in the log: \
                         leave those checkpoints out"
                    ),
                ));
            }
        }
        Ok(CurveRun {
            name,
            lrs,
            steps,
            loss,
            size: None,
        })
    }

    /// The same run with its model size `params` and `tokens_per_step` attached.
    ///
    /// # Errors
    ///
    /// [`Error::BadCurve`] naming the run when either is not a positive finite number, or the
    /// run's rates are all 0.
    pub fn with_size(mut self, params: f64, tokens_per_step: f64) -> Result<CurveRun, Error> {
        for (what, v) in [
            ("parameter count", params),
            ("tokens per step", tokens_per_step),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(bad(
                    &self.name,
                    format!("has {what} {v}; it must be a positive number"),
                ));
            }
        }
        let peak_lr = self.lrs.iter().copied().fold(0.0, f64::max);
        if peak_lr <= 0.0 {
            return Err(bad(&self.name, "has no positive learning rate".to_string()));
        }
        self.size = Some(RunSize {
            params,
            tokens_per_step,
            peak_lr,
        });
        Ok(self)
    }

    /// The same run without its checkpoints before twice the end of its warmup (the first step
    /// at its peak rate): the early descent, which no power law of the tokens follows. On the
    /// OLMo ladder this leaves out 8% of the checkpoints and lowers the joint law's error on
    /// the held-out largest size from 0.816% to 0.786% (`curve_sweep` bench). A run with no
    /// checkpoint after that keeps its last.
    pub fn past_warmup(&self) -> CurveRun {
        let peak = self.lrs.iter().copied().fold(0.0, f64::max);
        let warm = self
            .lrs
            .iter()
            .position(|&l| l >= (1.0 - 1e-3) * peak)
            .unwrap_or(0);
        let last = self.steps.len() - 1;
        self.select(|i, s| s >= 2 * warm || i == last)
    }

    /// The same run, keeping only the checkpoints at `keep` (indices).
    pub fn select(&self, keep: impl Fn(usize, usize) -> bool) -> CurveRun {
        let (steps, loss) = self
            .steps
            .iter()
            .zip(&self.loss)
            .enumerate()
            .filter(|(i, (s, _))| keep(*i, **s))
            .map(|(_, (s, l))| (*s, *l))
            .unzip();
        CurveRun {
            name: self.name.clone(),
            lrs: self.lrs.clone(),
            steps,
            loss,
            size: self.size,
        }
    }
}
