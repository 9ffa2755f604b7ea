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

/// Text: the ranges, the interval now, then each run with the expected interval after it and,
/// for a run outside the fitted ranges, why.
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
        "Runs that most narrow the {:.0}% interval of {what}({} FLOPs) per FLOP (bootstrap \
         percentile interval, {} draws, seed {})",
        s.config.level * 100.0,
        num(s.config.target_budget),
        s.draws,
        s.seed
    )?;
    let (n, r) = (s.ranges.n_params, s.ranges.tokens_per_param);
    writeln!(
        w,
        "  fitted runs: N {} to {}, D/N {} to {}; {}",
        num(n[0]),
        num(n[1]),
        num(r[0]),
        num(r[1]),
        if s.config.allow_outside {
            "candidates outside these ranges allowed (flagged)"
        } else {
            "candidates inside these ranges only (--allow-outside for more)"
        }
    )?;
    writeln!(w, "  now: {what} = {}", shown(s.value, &s.interval_now))?;
    writeln!(w)?;
    writeln!(
        w,
        "  {:>3} {:>12} {:>12} {:>12} {:>9}   expected interval after",
        "run", "N", "D", "FLOPs", "D/N"
    )?;
    for (i, r) in s.runs.iter().enumerate() {
        writeln!(
            w,
            "  {:>3} {:>12} {:>12} {:>12} {:>9}   {}{}{}",
            i + 1,
            num(r.n_params),
            num(r.n_tokens),
            num(r.flops),
            num(r.n_tokens / r.n_params),
            shown(s.value, &r.interval_after),
            if r.resolved {
                ""
            } else {
                " (held: not resolved)"
            },
            r.outside
                .as_ref()
                .map_or(String::new(), |why| format!("   OUTSIDE: {why}"))
        )?;
    }
    writeln!(w, "  total {} FLOPs", num(s.total_flops))?;
    let outside = s.runs.iter().filter(|r| r.outside.is_some()).count();
    if outside > 0 {
        writeln!(
            w,
            "  {outside} of {} runs lie outside the fitted ranges: there the law is extrapolated",
            s.runs.len()
        )?;
    }
    writeln!(
        w,
        "  (expected intervals: the draws reweighted by each run's likelihood, {:.0} effective \
         draws after the runs; assumes the new runs scatter like the fitted ones and the law \
         holds there)",
        s.effective_draws
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

/// CSV, one row per run:
/// `run,n_params,n_tokens,flops,log_sd_after,lower_after,upper_after,outside` (`outside`: why
/// the run lies outside the fitted ranges, empty when inside).
///
/// # Errors
///
/// Any error of the writer.
pub fn csv(s: &Suggestion, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "run,n_params,n_tokens,flops,log_sd_after,lower_after,upper_after,outside"
    )?;
    for (i, r) in s.runs.iter().enumerate() {
        let a = &r.interval_after;
        writeln!(
            w,
            "{},{},{},{},{},{},{},{}",
            i + 1,
            csv_num(r.n_params),
            csv_num(r.n_tokens),
            csv_num(r.flops),
            csv_num(a.log_sd),
            csv_num(a.lower),
            csv_num(a.upper),
            r.outside.as_ref().map_or(String::new(), |why| format!(
                "\"{}\"",
                why.replace('"', "\"\"")
            ))
        )?;
    }
    Ok(())
}
