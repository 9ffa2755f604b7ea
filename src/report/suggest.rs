//! Renderers for [`Suggestion`]: text, JSON, and a CSV of the runs ready to launch.

use std::io::{self, Write};

use super::optimal::{csv_num, num};
use crate::design::suggest::{ExpectedInterval, Suggestion, Target};

fn shown(value: f64, i: &ExpectedInterval) -> String {
    format!(
        "{} [{}, {}] (a factor of {:.3} wide)",
        num(value),
        num(i.lower),
        num(i.upper),
        i.width_ratio
    )
}

/// Text: the interval now, then each run with the expected interval after it.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(s: &Suggestion, w: &mut dyn Write) -> io::Result<()> {
    let what = match s.config.target {
        Target::Params => "N*",
        Target::Loss => "L*",
    };
    writeln!(
        w,
        "Runs that most narrow the {:.0}% interval of {what}({} FLOPs) per FLOP (delta method, \
         from the Fisher information of the fit)",
        s.config.level * 100.0,
        num(s.config.target_budget)
    )?;
    writeln!(w, "  now: {what} = {}", shown(s.value, &s.interval_now))?;
    writeln!(w)?;
    writeln!(
        w,
        "  {:>3} {:>12} {:>12} {:>12}   expected interval after",
        "run", "N", "D", "FLOPs"
    )?;
    for (i, r) in s.runs.iter().enumerate() {
        writeln!(
            w,
            "  {:>3} {:>12} {:>12} {:>12}   {}",
            i + 1,
            num(r.n_params),
            num(r.n_tokens),
            num(r.flops),
            shown(s.value, &r.interval_after)
        )?;
    }
    writeln!(w, "  total {} FLOPs", num(s.total_flops))?;
    writeln!(
        w,
        "  (local estimate: assumes the new runs scatter like the fitted ones and the law holds there)"
    )
}

/// JSON of the suggestion.
///
/// # Errors
///
/// Any error of the writer.
pub fn json(s: &Suggestion, w: &mut dyn Write) -> io::Result<()> {
    super::json(s, w)
}

/// CSV, one row per run: `run,n_params,n_tokens,flops,log_sd_after,lower_after,upper_after`.
///
/// # Errors
///
/// Any error of the writer.
pub fn csv(s: &Suggestion, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "run,n_params,n_tokens,flops,log_sd_after,lower_after,upper_after"
    )?;
    for (i, r) in s.runs.iter().enumerate() {
        let a = &r.interval_after;
        writeln!(
            w,
            "{},{},{},{},{},{},{}",
            i + 1,
            csv_num(r.n_params),
            csv_num(r.n_tokens),
            csv_num(r.flops),
            csv_num(a.log_sd),
            csv_num(a.lower),
            csv_num(a.upper)
        )?;
    }
    Ok(())
}
