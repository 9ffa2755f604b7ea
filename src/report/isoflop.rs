//! Renderers for [`IsoflopAnalysis`].

use std::io::{self, Write};

use super::optimal::{num, with_interval};
use crate::approaches::isoflop::{IsoflopAnalysis, ProfileIssue};
use crate::data::Dataset;

/// Text report.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(data: &Dataset, a: &IsoflopAnalysis, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "IsoFLOP profiles (Approach 2) of {} ({} runs)",
        data.source.path,
        data.len()
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "  {:<11} {:>5}  {:<11} {:<11} {:<8} note",
        "budget C", "runs", "N*", "D*", "L*"
    )?;
    for p in &a.profiles {
        let note = match p.issue {
            None => String::new(),
            Some(ProfileIssue::NoMinimum) => {
                "no minimum (parabola flat or opening downwards): not used".to_string()
            }
            Some(ProfileIssue::OutsideSampledSizes) => format!(
                "minimum outside the sampled sizes {} to {}{}: no N*, not used",
                num(p.sampled_params.0),
                num(p.sampled_params.1),
                p.vertex_params
                    .map_or(String::new(), |v| format!(" (vertex at N = {})", num(v)))
            ),
        };
        let opt = |v: Option<f64>| v.map_or("-".to_string(), num);
        let row = format!(
            "  {:<11} {:>5}  {:<11} {:<11} {:<8} {note}",
            num(p.budget),
            p.runs.len(),
            opt(p.n_params),
            opt(p.n_tokens),
            opt(p.loss)
        );
        writeln!(w, "{}", row.trim_end())?;
    }
    writeln!(w)?;
    let level = a.config.level * 100.0;
    power_laws(w, &a.params, &a.tokens)?;
    if !a.is_sweep() {
        writeln!(
            w,
            "  (not an IsoFLOP sweep: these exponents are not to be relied on; see the warnings)"
        )?;
    }
    if a.config.n_resamples > 0 {
        writeln!(
            w,
            "  intervals: {level:.0}% percentile, {} resamples within budgets (seed {}), {} without two usable profiles",
            a.config.n_resamples, a.config.seed, a.failed_resamples
        )?;
    }
    super::optimal::warnings_text(&a.warnings, w)
}

/// JSON.
///
/// # Errors
///
/// Any error of the writer.
pub fn json(a: &IsoflopAnalysis, w: &mut dyn Write) -> io::Result<()> {
    super::json(a, w)
}

/// CSV: one row per profile.
///
/// # Errors
///
/// Any error of the writer.
pub fn csv(a: &IsoflopAnalysis, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "budget,runs,n_params,n_tokens,loss,issue")?;
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
    for p in &a.profiles {
        let issue = p.issue.map_or(String::new(), |i| format!("{i:?}"));
        writeln!(
            w,
            "{},{},{},{},{},{issue}",
            p.budget,
            p.runs.len(),
            opt(p.n_params),
            opt(p.n_tokens),
            opt(p.loss)
        )?;
    }
    Ok(())
}

/// The two fitted power laws of Approaches 1 and 2, `N* = k·C^a` and `D* = k·C^b`.
pub(super) fn power_laws(
    w: &mut dyn Write,
    params: &crate::approaches::isoflop::PowerLaw,
    tokens: &crate::approaches::isoflop::PowerLaw,
) -> io::Result<()> {
    writeln!(
        w,
        "  N* = {} · C^a,  a = {}",
        num(params.coefficient),
        with_interval(&params.exponent)
    )?;
    writeln!(
        w,
        "  D* = {} · C^b,  b = {}",
        num(tokens.coefficient),
        with_interval(&tokens.exponent)
    )
}
