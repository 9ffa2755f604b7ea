//! Renderer for [`Comparison`].

use std::io::{self, Write};

use super::optimal::{num, with_interval};
use crate::check::compare::{Comparison, Verdict};
use crate::uncertainty::Estimate;

/// `+0.0123 [-0.0100, +0.0300]`: a difference with its sign.
fn with_interval_signed(e: &Estimate) -> String {
    match (e.lower, e.upper) {
        (Some(lo), Some(hi)) => format!("{:+.4} [{:+.4}, {:+.4}]", e.value, lo, hi),
        _ => format!("{:+.4}", e.value),
    }
}

/// Text table and verdict.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(c: &Comparison, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "Compute-optimal scaling by three approaches ({:.0}% intervals)",
        c.level * 100.0
    )?;
    writeln!(w)?;
    // Wide enough for the longest name (a law's name lengthens Approach 3's).
    let name_width = c
        .approaches
        .iter()
        .map(|a| a.approach.chars().count())
        .fold(28, usize::max);
    let mut header = format!(
        "  {:<name_width$} {:<26} {:<26}",
        "approach", "a (N* ∝ C^a)", "b (D* ∝ C^b)"
    );
    for b in &c.budgets {
        header.push_str(&format!(" {:<34}", format!("N* at {} FLOPs", num(*b))));
    }
    writeln!(w, "{}", header.trim_end())?;
    for a in &c.approaches {
        let mut row = format!(
            "  {:<name_width$} {:<26} {:<26}",
            a.approach,
            with_interval(&a.a),
            with_interval(&a.b)
        );
        for n in &a.n_params {
            row.push_str(&format!(" {:<34}", with_interval(n)));
        }
        writeln!(w, "{}", row.trim_end())?;
    }
    for a in &c.approaches {
        if let Some(caveat) = &a.caveat {
            writeln!(w, "  ({}: {caveat})", a.approach)?;
        }
    }
    writeln!(w)?;
    writeln!(
        w,
        "  agreement: N* within a factor of {} at every budget and |Δa| <= {:.3}, judged on {:.0}% intervals of the differences over the bootstrap draws",
        c.tolerance.n_params_factor,
        c.tolerance.exponent,
        c.level * 100.0
    )?;
    writeln!(w, "  {}", c.compute_definition)?;
    for p in &c.pairs {
        let verdict = match p.verdict {
            Verdict::Agree => "agree",
            Verdict::Disagree => "disagree",
            Verdict::CannotTell => "cannot tell",
        };
        let mut line = format!("  {} vs {}: {verdict}", p.first, p.second);
        if let Some(d) = &p.exponent_difference {
            line.push_str(&format!("; Δa = {}", with_interval_signed(d)));
        }
        for (b, r) in c.budgets.iter().zip(&p.n_params_ratio) {
            line.push_str(&format!("; N* ratio at {} = {}", num(*b), with_interval(r)));
        }
        line.push_str(&match (&p.exponent_difference, p.paired) {
            (None, _) => format!(" ({})", p.reason),
            (Some(_), true) => " (paired draws: the same resampled runs)".to_string(),
            (Some(_), false) => " (independent draws)".to_string(),
        });
        writeln!(w, "{line}")?;
    }
    writeln!(w)?;
    writeln!(w, "  {}", c.verdict)?;
    writeln!(
        w,
        "  (Hoffmann et al. 2022 report a = 0.50, 0.49 and 0.46 for Approaches 1, 2 and 3.)"
    )?;
    Ok(())
}
