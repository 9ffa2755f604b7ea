//! Renderers for [`SweepDesign`]: a text table per budget, JSON, and a launch CSV (one row per
//! run).

use std::io::{self, Write};

use super::optimal::{csv_num, num, with_interval};
use crate::design::sweep::SweepDesign;
use crate::plan::budget::short;

/// Text report.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(d: &SweepDesign, w: &mut dyn Write) -> io::Result<()> {
    let runs: usize = d.budgets.iter().map(|b| b.runs.len()).sum();
    writeln!(
        w,
        "IsoFLOP sweep: {} budget{} × {} sizes = {runs} runs, centred on {}; sizes at least N_c/{} to {}·N_c, C = {}·N·D",
        d.budgets.len(),
        if d.budgets.len() == 1 { "" } else { "s" },
        d.config.sizes,
        d.centred_on,
        short(d.config.span),
        short(d.config.span),
        short(d.config.flops_per_param_token)
    )?;
    if let Some(h) = &d.hardware {
        writeln!(
            w,
            "planned on {} ({} TFLOP/s peak, MFU {:.2}); GPUs: the given count, or the fewest that hold each run under FSDP / ZeRO-3",
            h.gpu,
            num(h.peak_flops / 1e12),
            h.mfu
        )?;
    }
    for b in &d.budgets {
        writeln!(w)?;
        writeln!(
            w,
            "Budget {} FLOPs: N_c {}; sizes {} to {}",
            num(b.budget),
            with_interval(&b.centre),
            num(b.smallest),
            num(b.largest)
        )?;
        writeln!(
            w,
            "  {:>3} {:>11} {:>11} {:>8} {:>6} {:>26} {:>18} {:>6} {:>11} {:>9}",
            "run",
            "N",
            "D",
            "D/N",
            "N/N_c",
            "predicted loss",
            "shape L×d (ffw)",
            "GPUs",
            "GPU-hours",
            "days"
        )?;
        for (i, r) in b.runs.iter().enumerate() {
            let opt = |x: Option<f64>| x.map_or("-".to_string(), num);
            writeln!(
                w,
                "  {:>3} {:>11} {:>11} {:>8} {:>6} {:>26} {:>18} {:>6} {:>11} {:>9}",
                i + 1,
                num(r.n_params),
                num(r.n_tokens),
                num(r.tokens_per_param),
                format!("{:.2}", r.size_over_centre),
                r.predicted_loss
                    .as_ref()
                    .map_or("-".to_string(), with_interval),
                r.architecture.map_or("-".to_string(), |a| format!(
                    "{}×{} ({})",
                    a.layers, a.d_model, a.ffw
                )),
                r.gpus.map_or("-".to_string(), |g| g.to_string()),
                opt(r.gpu_hours),
                opt(r.days)
            )?;
        }
    }
    writeln!(w)?;
    match d.total_gpu_hours {
        Some(h) => writeln!(
            w,
            "Total: {} FLOPs, {} GPU-hours",
            num(d.total_flops),
            num(h)
        ),
        None => writeln!(w, "Total: {} FLOPs", num(d.total_flops)),
    }
}

/// JSON of the design.
///
/// # Errors
///
/// Any error of the writer.
pub fn json(d: &SweepDesign, w: &mut dyn Write) -> io::Result<()> {
    super::json(d, w)
}

/// Launch CSV: one row per run; empty cells where a column does not apply (no fit, no shape,
/// no hardware).
///
/// # Errors
///
/// Any error of the writer.
pub fn csv(d: &SweepDesign, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "budget_flops,run,n_params,n_tokens,flops,tokens_per_param,size_over_centre,predicted_loss,loss_lower,loss_upper,layers,d_model,heads,head_dim,ffw,gated_ffw,embeddings,vocab,seq_len,gpu,gpus,gpu_hours,days"
    )?;
    let opt = |x: Option<f64>| x.map_or(String::new(), csv_num);
    let gpu = d.hardware.as_ref().map_or("", |h| h.gpu.as_str());
    for b in &d.budgets {
        for (i, r) in b.runs.iter().enumerate() {
            let loss = r.predicted_loss.as_ref();
            let shape = r.architecture.map_or(",,,,,,,,".to_string(), |a| {
                format!(
                    "{},{},{},{},{},{},{},{},{}",
                    a.layers,
                    a.d_model,
                    a.heads,
                    a.key_size,
                    a.ffw,
                    a.gated_ffw,
                    a.embeddings.name(),
                    a.vocab,
                    a.seq_len
                )
            });
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{shape},{},{},{},{}",
                csv_num(b.budget),
                i + 1,
                r.n_params,
                csv_num(r.n_tokens),
                csv_num(r.flops),
                csv_num(r.tokens_per_param),
                csv_num(r.size_over_centre),
                opt(loss.map(|l| l.value)),
                opt(loss.and_then(|l| l.lower)),
                opt(loss.and_then(|l| l.upper)),
                if r.gpus.is_some() { gpu } else { "" },
                r.gpus.map_or(String::new(), |g| g.to_string()),
                opt(r.gpu_hours),
                opt(r.days)
            )?;
        }
    }
    Ok(())
}
