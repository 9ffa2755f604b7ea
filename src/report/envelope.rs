//! Renderers for [`EnvelopeAnalysis`].

use std::io::{self, Write};

use super::optimal::num;
use crate::approaches::envelope::EnvelopeAnalysis;

/// Text report: the exponents and, per decade of compute, which run is best.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(a: &EnvelopeAnalysis, w: &mut dyn Write) -> io::Result<()> {
    let what = if a.config.final_only {
        "final points"
    } else {
        "training curves"
    };
    writeln!(
        w,
        "Training-curve envelope (Approach 1): {} runs of {} sizes, {what}",
        a.runs, a.sizes
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "  {:<11} {:<22} {:<11} {:<11} loss",
        "C (FLOPs)", "best run", "N", "D"
    )?;
    let mut last_run = String::new();
    for p in &a.points {
        if p.run != last_run {
            writeln!(
                w,
                "  {:<11} {:<22} {:<11} {:<11} {}",
                num(p.compute),
                p.run,
                num(p.n_params),
                num(p.n_tokens),
                num(p.loss)
            )?;
            last_run = p.run.clone();
        }
    }
    writeln!(
        w,
        "  (a row where the best run changes; {} budgets read in all)",
        a.points.len()
    )?;
    writeln!(w)?;
    super::isoflop::power_laws(w, &a.params, &a.tokens)?;
    if a.config.n_resamples > 0 {
        writeln!(
            w,
            "  intervals: {:.0}% percentile, {} resamples of whole runs (seed {}), {} with fewer than two sizes on the envelope",
            a.config.level * 100.0,
            a.config.n_resamples,
            a.config.seed,
            a.failed_resamples
        )?;
    }
    Ok(())
}

/// JSON.
///
/// # Errors
///
/// Any error of the writer.
pub fn json(a: &EnvelopeAnalysis, w: &mut dyn Write) -> io::Result<()> {
    super::json(a, w)
}

/// CSV: one row per budget.
///
/// # Errors
///
/// Any error of the writer.
pub fn csv(a: &EnvelopeAnalysis, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "compute,loss,run,n_params,n_tokens")?;
    for p in &a.points {
        writeln!(
            w,
            "{},{},{},{},{}",
            p.compute, p.loss, p.run, p.n_params, p.n_tokens
        )?;
    }
    Ok(())
}
