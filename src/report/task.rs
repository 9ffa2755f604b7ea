//! `scaling-laws task`'s report as text.

use std::io::{self, Write};

use crate::commands::task::TaskLawsReport;

fn points(e: Option<f64>) -> String {
    e.map_or("—".to_string(), |e| format!("{:.1}%", 100.0 * e))
}

/// Per task: the check and its verdict (held out: the mean miss on the ladder's largest size
/// when fitted without it, chained and direct), then each target's prediction or why it is
/// withheld, with the direct baseline's beside it.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(r: &TaskLawsReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "task accuracy chained from N and D: step 1 task loss = E + A/N^α + B/D^β (each run's final \
         task loss), step 2 accuracy = b + a/(1 + e^(−k(L − L0))) (every evaluation after the first \
         10%) (Bhagia et al. 2024)"
    )?;
    writeln!(w)?;
    let width = r
        .tasks
        .iter()
        .map(|t| t.task.len())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        w,
        "  {:<width$} {:>4} {:>6} {:>7} {:>9} {:>8}  verdict",
        "task", "runs", "noise", "spread", "held out", "direct"
    )?;
    for t in &r.tasks {
        writeln!(
            w,
            "  {:<width$} {:>4} {:>5.1}% {:>6.1}% {:>9} {:>8}  {}",
            t.task,
            t.runs,
            100.0 * t.noise,
            100.0 * t.spread,
            points(t.held_out_error),
            points(t.direct_held_out_error),
            t.verdict
        )?;
    }
    writeln!(w)?;
    let level = if r.bootstrap >= 2 {
        format!(
            "   {:.0}% interval ({} resamples of runs)",
            100.0 * r.level,
            r.bootstrap
        )
    } else {
        String::new()
    };
    writeln!(
        w,
        "  {:<width$} {:<10} {:>9} {:>8} {:>9}{level}",
        "task", "target", "task loss", "direct", "accuracy"
    )?;
    for t in &r.tasks {
        for p in &t.predictions {
            match (p.accuracy, &p.withheld) {
                (Some(a), _) => writeln!(
                    w,
                    "  {:<width$} {:<10} {:>9.4} {:>8} {:>8.1}%{}",
                    t.task,
                    p.target,
                    p.task_loss,
                    points(p.direct),
                    100.0 * a,
                    p.interval.map_or(String::new(), |(lo, hi)| format!(
                        "   {:.1}% to {:.1}%",
                        100.0 * lo,
                        100.0 * hi
                    ))
                )?,
                (None, why) => writeln!(
                    w,
                    "  {:<width$} {:<10} {:>9.4} {:>8} {:>9}   {}",
                    t.task,
                    p.target,
                    p.task_loss,
                    points(p.direct),
                    "—",
                    why.as_deref().unwrap_or("withheld")
                )?,
            }
        }
    }
    Ok(())
}
