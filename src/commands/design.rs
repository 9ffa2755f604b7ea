//! `design`: the runs of a sweep to train next: for each budget, model sizes around the
//! compute-optimal one (of a fit, or of a ratio of tokens to parameters), planned on hardware.

use std::path::PathBuf;

use crate::answer::decision::ShapeOptions;
use crate::design::sweep::{DesignConfig, SweepDesign};
use crate::error::Error;
use crate::plan::TrainingSetup;
use crate::plan::options::HardwareOptions;
use crate::progress::{Note, Progress};

use super::FitSource;

/// The budgets, the sizes around each centre, the hardware, and where to write the runs.
#[derive(Debug, Clone)]
pub struct DesignRequest {
    /// A fit to centre each budget on its N*(C) (and to reach past the interval of N* when it
    /// has bootstrap draws); none: the centre of `tokens_per_param`.
    pub fit: Option<FitSource>,
    /// Budgets in FLOPs.
    pub budget: Vec<f64>,
    /// A range of budgets `LOW:HIGH`, stepped by `per_decade`.
    pub budgets: Option<String>,
    /// Budgets per decade in the range.
    pub per_decade: u32,
    /// Sizes, span, tokens per parameter and level (`k` is the fit's unless given).
    pub config: DesignConfig,
    /// `k` in `C = k·N·D` as given; must be the fit's when there is one.
    pub flops_per_param_token: Option<f64>,
    /// The accelerator the runs are planned on.
    pub hardware: HardwareOptions,
    /// Optimizer, micro-batch and recomputation (its `gpus` is set from `hardware.gpus`).
    pub setup: TrainingSetup,
    /// Give each run the parameter count of its top-ranked shape.
    pub shapes: Option<ShapeOptions>,
    /// Where the runs will be written as CSV: checked, before any work, not to replace an
    /// input (the front end writes the file with its CSV renderer).
    pub out: Option<PathBuf>,
}

/// Design the sweep of `request`.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the flag of an invalid option, an output that would replace
/// an input, or a `k` other than the fit's; as [`SavedFit::load`](crate::saved::SavedFit::load)
/// and [`crate::design::sweep::design`]; [`Error::NotFinite`].
pub fn design(request: DesignRequest, progress: &dyn Progress) -> Result<SweepDesign, Error> {
    let (hardware, note) = request.hardware.resolve()?;
    if let Some(note) = note {
        progress.note(&Note::Info(note));
    }
    let out = request.out.as_deref();
    let fit = match request.fit {
        Some(source) => Some(source.resolve(out, progress)?.fit),
        None => {
            if let Some(out) = out {
                crate::output::check_output("--out", out, &crate::output::Inputs::new())?;
            }
            None
        }
    };
    let fit_k = fit.as_ref().map(|s| s.provenance.flops_per_param_token);
    let mut budgets = request.budget;
    if let Some(spec) = &request.budgets {
        budgets.extend(crate::answer::optimal::budget_range(
            spec,
            request.per_decade,
        )?);
    }
    let config = DesignConfig {
        budgets,
        flops_per_param_token: request.flops_per_param_token.or(fit_k).unwrap_or(6.0),
        ..request.config
    };
    if let (Some(given), Some(fit)) = (request.flops_per_param_token, fit_k)
        && given != fit
    {
        return Err(Error::invalid_option(
            "--flops-per-param-token",
            format!("the fit was made with C = {fit}·N·D, not {given}; leave the flag out"),
        ));
    }
    let gpus = request.hardware.gpus;
    let setup = TrainingSetup {
        gpus,
        ..request.setup
    };
    let fitted = fit
        .as_ref()
        .map(|s| (&s.report.fitted, s.bootstrap.as_ref()));
    let result =
        crate::design::sweep::design(fitted, &config, setup, hardware, gpus, request.shapes)?;
    crate::finite::check_finite(&result, "the design")?;
    Ok(result)
}
