//! `scaling-laws task`'s report as text.

use std::io::{self, Write};

use crate::commands::task::TaskLawsReport;
use crate::task::Step2Form;

fn points(e: Option<f64>) -> String {
    e.map_or("—".to_string(), |e| format!("{:.1}%", 100.0 * e))
}

fn loss(l: Option<f64>) -> String {
    l.map_or("—".to_string(), |l| format!("{l:.4}"))
}

/// A count or compute in short scientific form (`6.888e9`).
fn sci(v: f64) -> String {
    format!("{v:.3e}")
}

fn range(i: Option<(f64, f64)>) -> String {
    i.map_or(String::new(), |(lo, hi)| {
        format!("[{}, {}]", sci(lo), sci(hi))
    })
}

/// Per task: the check and its verdict (held out: the mean miss on the ladder's largest size
/// when fitted without it, chained and direct), then each target's prediction or why it is
/// withheld, with the direct baseline's beside it.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(r: &TaskLawsReport, w: &mut dyn Write) -> io::Result<()> {
    let (step2, cite) = match r.form {
        Step2Form::Sigmoid => ("b + a/(1 + e^(−k(L − L0)))", "Bhagia et al. 2024"),
        Step2Form::Exponential => (
            "1 − ε + k·e^(−γL)",
            "Bhagia et al. 2024; step 2 Gadre et al. 2024",
        ),
    };
    writeln!(
        w,
        "task accuracy chained from N and D: step 1 task loss = E + A/N^α + B/D^β (each run's final \
         task loss), step 2 accuracy = {step2} (every evaluation after the first 10%) ({cite})"
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
                    "  {:<width$} {:<10} {:>9} {:>8} {:>8.1}%{}",
                    t.task,
                    p.target,
                    loss(p.task_loss),
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
                    "  {:<width$} {:<10} {:>9} {:>8} {:>9}   {}",
                    t.task,
                    p.target,
                    loss(p.task_loss),
                    points(p.direct),
                    "—",
                    why.as_deref().unwrap_or("withheld")
                )?,
            }
        }
    }
    let budgets: Vec<_> = r
        .tasks
        .iter()
        .flat_map(|t| t.predictions.iter().map(move |p| (t, p)))
        .filter(|(_, p)| p.budget.is_some() && p.accuracy.is_some())
        .collect();
    if !budgets.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "  at a budget: N* and D* minimise step 1's task loss at C = 6·N·D (N*'s interval \
             over the refits)"
        )?;
        writeln!(
            w,
            "  {:<width$} {:<10} {:>10} {:<24} {:>10}",
            "task", "budget", "N*", "", "D*"
        )?;
        for (t, p) in budgets {
            writeln!(
                w,
                "  {:<width$} {:<10} {:>10} {:<24} {:>10}",
                t.task,
                p.target,
                p.params.map_or("—".into(), sci),
                range(p.params_interval),
                p.tokens.map_or("—".into(), sci),
            )?;
        }
    }
    let goals = r.tasks.iter().flat_map(|t| &t.accuracy_goals);
    if goals.clone().next().is_some() {
        writeln!(w)?;
        writeln!(
            w,
            "  least compute to reach an accuracy (the expected accuracy, at step 1's \
             compute-optimal N and D; the interval over the refits)"
        )?;
        writeln!(
            w,
            "  {:<width$} {:>8} {:>9} {:>10} {:<24} {:>10} {:>10}",
            "task", "accuracy", "task loss", "FLOPs", "", "N*", "D*"
        )?;
        for t in &r.tasks {
            for g in &t.accuracy_goals {
                match (g.compute, &g.withheld) {
                    (Some(c), _) => writeln!(
                        w,
                        "  {:<width$} {:>7.1}% {:>9} {:>10} {:<24} {:>10} {:>10}",
                        t.task,
                        100.0 * g.accuracy,
                        loss(g.task_loss),
                        sci(c),
                        g.interval.map_or(String::new(), |(lo, hi)| format!(
                            "[{}, {}]",
                            sci(lo),
                            hi.map_or("no end".into(), sci)
                        )),
                        g.params.map_or("—".into(), sci),
                        g.tokens.map_or("—".into(), sci),
                    )?,
                    (None, why) => writeln!(
                        w,
                        "  {:<width$} {:>7.1}% {:>9} {:>10}   {}",
                        t.task,
                        100.0 * g.accuracy,
                        loss(g.task_loss),
                        "—",
                        why.as_deref().unwrap_or("withheld")
                    )?,
                }
            }
        }
        if goals
            .clone()
            .any(|g| g.interval.is_some_and(|(_, hi)| hi.is_none()))
        {
            writeln!(
                w,
                "  no end: more refits than the interval's upper tail never reach that accuracy \
                 at any budget"
            )?;
        }
    }
    Ok(())
}
