//! Renderers for [`Table3`]: the fitted law's projection beside Hoffmann et al.'s Table 3, as
//! text, JSON and CSV.

use std::io::{self, Write};

use super::optimal::{csv_num, num, with_interval};
use crate::answer::table3::Table3;

/// Text table.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(t: &Table3, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "Chinchilla Table 3: compute-optimal FLOPs and tokens per model size, this fit beside the paper's Approach 1"
    )?;
    writeln!(
        w,
        "(Hoffmann et al. 2022, arXiv:2203.15556, Table 3; C = {}·N·D; {})",
        crate::plan::budget::short(t.flops_per_param_token),
        match &t.bootstrap {
            Some(b) => format!(
                "{:.0}% bootstrap intervals, {} resamples",
                t.level * 100.0,
                b.n_resamples
            ),
            None => "no intervals: the fit has no bootstrap draws".to_string(),
        }
    )?;
    writeln!(
        w,
        "  {:>10} {:>33} {:>10} {:>6} {:>33} {:>10} {:>6}",
        "N", "FLOPs (fit)", "paper", "ratio", "tokens (fit)", "paper", "ratio"
    )?;
    for r in &t.rows {
        writeln!(
            w,
            "  {:>10} {:>33} {:>10} {:>6} {:>33} {:>10} {:>6}",
            num(r.n_params),
            with_interval(&r.flops),
            num(r.paper.flops),
            format!("{:.2}", r.flops_ratio),
            with_interval(&r.tokens),
            num(r.paper.tokens),
            format!("{:.2}", r.tokens_ratio)
        )?;
    }
    Ok(())
}

/// JSON of the table.
///
/// # Errors
///
/// Any error of the writer.
pub fn json(t: &Table3, w: &mut dyn Write) -> io::Result<()> {
    super::json(t, w)
}

/// CSV: one row per size.
///
/// # Errors
///
/// Any error of the writer.
pub fn csv(t: &Table3, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "n_params,flops,flops_lower,flops_upper,paper_flops,flops_ratio,tokens,tokens_lower,tokens_upper,paper_tokens,tokens_ratio,level"
    )?;
    let opt = |x: Option<f64>| x.map_or(String::new(), csv_num);
    for r in &t.rows {
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            csv_num(r.n_params),
            csv_num(r.flops.value),
            opt(r.flops.lower),
            opt(r.flops.upper),
            csv_num(r.paper.flops),
            csv_num(r.flops_ratio),
            csv_num(r.tokens.value),
            opt(r.tokens.lower),
            opt(r.tokens.upper),
            csv_num(r.paper.tokens),
            csv_num(r.tokens_ratio),
            t.level
        )?;
    }
    Ok(())
}
