//! Renderers: plain-text tables and JSON over the result structs. Nothing here computes.

pub mod chinchilla;
pub mod compare;
pub mod curve;
pub mod data_limit;
pub mod decision;
pub mod design;
pub mod envelope;
pub mod holdout;
pub mod inference;
pub mod isoflop;
pub mod optimal;
pub mod plan;
pub mod select;
pub mod shape;
pub mod suggest;
pub mod table3;
pub mod task;

use std::io::{self, Write};

use crate::fit::{ResidualLoss, StartSelection, Starts};
use crate::saved::SavedFit;

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tables for people.
    Text,
    /// JSON for programs.
    Json,
    /// CSV, one row per quantity (where the command offers it).
    Csv,
}

/// Write any result as pretty JSON followed by a newline: the one JSON renderer.
///
/// # Errors
///
/// Any error of the writer.
pub fn json<T: serde::Serialize + ?Sized>(value: &T, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, value)?;
    writeln!(w)
}

/// Write a saved fit as pretty JSON.
///
/// # Errors
///
/// Any error of the writer.
pub fn fit_json(saved: &SavedFit, w: &mut dyn Write) -> io::Result<()> {
    json(saved, w)
}

/// Describe the residual loss, e.g. `Huber (delta = 0.001) on log loss, summed over runs`.
pub fn describe_loss(loss: &ResidualLoss) -> String {
    match loss {
        ResidualLoss::Huber { delta } => {
            format!("Huber (delta = {delta}) on log loss, summed over runs")
        }
        ResidualLoss::Squared => "squared error (r²/2) on log loss, summed over runs".to_string(),
    }
}

/// The fitted parameters, one per line, and the allocation exponents when the law has them.
fn law_text(f: &crate::fit::FittedLaw, w: &mut dyn Write) -> io::Result<()> {
    // Five decimals, in exponent form for magnitudes that five decimals would hide or blow up
    // (a fixed B = 1e300, an A of 1e-300).
    let value = |v: f64| {
        if v != 0.0 && !(1e-3..1e5).contains(&v.abs()) {
            format!("{v:>12.5e}")
        } else {
            format!("{v:>12.5}")
        }
    };
    if let Some(law) = f.chinchilla() {
        writeln!(w, "  E      {}   irreducible loss", value(law.irreducible))?;
        writeln!(
            w,
            "  A      {}   parameter term A / N^alpha",
            value(law.param_coef)
        )?;
        writeln!(
            w,
            "  B      {}   data term B / D^beta",
            value(law.data_coef)
        )?;
        writeln!(w, "  alpha  {}", value(law.alpha))?;
        writeln!(w, "  beta   {}", value(law.beta))?;
        writeln!(
            w,
            "  a      {}   = beta/(alpha+beta):  N* ∝ C^a",
            value(law.params_exponent())
        )?;
        return writeln!(
            w,
            "  b      {}   = alpha/(alpha+beta): D* ∝ C^b",
            value(law.tokens_exponent())
        );
    }
    let params = f.family.params();
    let width = params
        .iter()
        .map(|p| p.natural.chars().count())
        .fold(6, usize::max);
    for i in f.family.display_order() {
        let p = &params[i];
        writeln!(
            w,
            "  {:<width$} {}   {}",
            p.natural,
            value(p.natural_value(f.theta[i])),
            p.doc
        )?;
    }
    if let Some(a) = f.params_exponent {
        writeln!(w, "  {:<width$} {}   N* ∝ C^a", "a", value(a))?;
    }
    if let Some(b) = f.tokens_exponent {
        writeln!(w, "  {:<width$} {}   D* ∝ C^b", "b", value(b))?;
    }
    if !f.family.has_allocation() {
        writeln!(
            w,
            "  (a law of compute alone: it says nothing of how to split compute between N and D)"
        )?;
    }
    Ok(())
}

/// Write a saved fit as a text report for people.
///
/// # Errors
///
/// Any error of the writer.
pub fn fit_text(saved: &SavedFit, w: &mut dyn Write) -> io::Result<()> {
    let p = &saved.provenance;
    let f = &saved.report.fitted;
    let d = &saved.report.diagnostics;
    match f.chinchilla() {
        Some(_) => writeln!(
            w,
            "Chinchilla law fit (Approach 3): L(N, D) = E + A / N^alpha + B / D^beta"
        )?,
        None => {
            writeln!(w, "{} law fit: {}", f.family, f.family.formula())?;
            writeln!(w, "  ({})", f.family.citation())?;
        }
    }
    match &saved.holdout {
        Some(h) if h.folds.len() > 1 => writeln!(
            w,
            "  fitted to the {} runs below the last fold's cut; each of the {} folds' held-out \
             runs is predicted in the check below",
            h.train_runs,
            h.folds.len()
        )?,
        Some(h) => writeln!(
            w,
            "  fitted to the {} runs kept; the {} held out are predicted in the check below",
            h.train_runs,
            h.runs.len()
        )?,
        None => {}
    }
    writeln!(w)?;
    writeln!(
        w,
        "  data        {} ({}, sha256 {})",
        p.source.path,
        p.source.format.name(),
        &p.source.sha256[..16]
    )?;
    writeln!(
        w,
        "  runs        {} used of {} rows",
        p.rows_used, p.source.rows_in_file
    )?;
    let params = p.columns.params.as_deref().unwrap_or("(derived)");
    let tokens = p.columns.tokens.as_deref().unwrap_or("(derived)");
    let flops = p.columns.flops.as_deref().unwrap_or("(derived)");
    writeln!(
        w,
        "  columns     N = '{params}', D = '{tokens}', C = '{flops}', L = '{}'",
        p.columns.loss
    )?;
    for note in &p.notes {
        writeln!(w, "              {note}")?;
    }
    for warning in &p.warnings {
        writeln!(w, "  warning     {}", warning.line())?;
    }
    writeln!(w, "  objective   {}", describe_loss(&f.config.loss))?;
    if let (Some(k), ResidualLoss::Huber { delta }) = (f.config.huber_scale, f.config.loss) {
        writeln!(
            w,
            "              (--delta auto: {delta:.4} = {k} × the residuals' robust sd {:.4})",
            delta / k
        )?;
    }
    for c in f.config.params.describe() {
        writeln!(w, "  constraint  {c}")?;
    }
    writeln!(w)?;
    law_text(f, w)?;
    writeln!(w)?;
    writeln!(w, "  objective value   {:.10e}", f.objective)?;
    writeln!(w, "  residual sd       {:.5} (log loss)", f.residual_sd)?;
    let selection = match (&f.config.starts, f.config.selection) {
        (Starts::Points(_), _) => "given with --start".to_string(),
        (_, StartSelection::All) => "every start".to_string(),
        (_, StartSelection::Best(_)) => "those with the lowest objective".to_string(),
    };
    match d.stopped_early {
        Some(stop) => writeln!(
            w,
            "  starts            {} available, {} chosen ({selection}), {} run in batches, stopped once {} agreed on the best (within {:e}); {} converged, {} reached the best (within 1e-6)",
            d.starts_available,
            stop.chosen,
            d.starts_run,
            stop.when_reached,
            crate::fit::multistart::STOP_RTOL,
            d.converged,
            d.reached_best
        )?,
        None => writeln!(
            w,
            "  starts            {} available, {} run ({selection}), {} converged, {} reached the best (within 1e-6)",
            d.starts_available, d.starts_run, d.converged, d.reached_best
        )?,
    }
    if let Some(stage) = &d.subsample {
        writeln!(
            w,
            "  search            on {} of the {} runs (random, seed {:#x}): {} distinct end points, {} refined on all runs; the others end more than {:.1}% above the best there",
            stage.rows,
            stage.of_rows,
            stage.seed,
            stage.distinct,
            stage.refined,
            100.0 * stage.margin
        )?;
    }
    writeln!(
        w,
        "  best run          {} iterations, stopped: {}",
        d.best_iterations,
        d.best_termination.describe()
    )?;
    writeln!(
        w,
        "  iterations        min {}, median {}, max {}",
        d.iterations.min, d.iterations.median, d.iterations.max
    )?;
    let terms: Vec<String> = d
        .terminations
        .iter()
        .map(|(t, n)| format!("{n} {}", t.describe()))
        .collect();
    writeln!(w, "  terminations      {}", terms.join("; "))?;
    if d.warnings.is_empty() {
        writeln!(w, "  warnings          none")?;
    } else {
        for warning in &d.warnings {
            writeln!(w, "  warning           {}", warning.line())?;
        }
    }
    if let Some(h) = &saved.holdout {
        holdout::text(h, w)?;
    }
    Ok(())
}
