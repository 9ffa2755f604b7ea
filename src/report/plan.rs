//! Renderers for [`TrainingPlan`]: text, JSON and CSV.

use std::io::{self, Write};

use super::optimal::{defined_with_interval, num};
use crate::answer::optimal::OptimalEstimate;
use crate::plan::TrainingPlan;

/// Bytes as GB (decimal, as accelerators are sold).
fn gb(bytes: f64) -> String {
    format!("{} GB", num(bytes / 1e9))
}

/// Text report. `allocation` is the compute-optimal answer the model came from, if any.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(
    plan: &TrainingPlan,
    allocation: Option<&OptimalEstimate>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let m = &plan.model;
    let name = m.name.as_deref().unwrap_or("the model");
    let tokens = m.n_tokens.map_or("tokens not given".to_string(), |d| {
        format!("{} tokens", num(d))
    });
    writeln!(
        w,
        "Training plan for {name}: {} parameters, {tokens}",
        num(m.n_params)
    )?;
    if let Some(a) = allocation {
        writeln!(
            w,
            "  compute-optimal for {} FLOPs: N* {}, D* {}",
            num(a.compute.value),
            defined_with_interval(&a.n_params),
            defined_with_interval(&a.n_tokens)
        )?;
    }
    if let Some(f) = &plan.flops {
        writeln!(w)?;
        writeln!(w, "Compute")?;
        writeln!(w, "  6·N·D         {} FLOPs", num(f.six_nd))?;
        if let (Some(af), Some(per)) = (f.appendix_f, f.appendix_f_per_token) {
            writeln!(
                w,
                "  appendix F    {} FLOPs ({} × 6ND; {} FLOPs per token; Hoffmann et al. 2022)",
                num(af),
                num(af / f.six_nd),
                num(per)
            )?;
        }
    }
    writeln!(w)?;
    writeln!(w, "Weights (inference)")?;
    let weights: Vec<String> = plan
        .weights
        .iter()
        .map(|(p, b)| format!("{} {}", p.name(), gb(*b)))
        .collect();
    writeln!(w, "  {}", weights.join("   "))?;
    writeln!(w)?;
    let s = &plan.state_bytes;
    writeln!(
        w,
        "Training memory: {} = {} bytes per parameter",
        plan.setup.optimizer.describe(),
        s.total()
    )?;
    match plan.activations_per_gpu {
        Some(a) => writeln!(
            w,
            "  activations {} per GPU ({} recomputation, micro-batch {}; Korthikanti et al. 2022)",
            gb(a),
            format!("{:?}", plan.setup.recompute).to_lowercase(),
            plan.setup.micro_batch
        )?,
        None => writeln!(
            w,
            "  activations not counted (give the architecture, --model, or --shape to count them)"
        )?,
    }
    match &plan.hardware {
        Some(h) => {
            writeln!(
                w,
                "  {:<14} {:>20} {:>16} {:>14}",
                "strategy",
                format!("per GPU on {}", h.gpus),
                format!("fits {}?", gb(h.memory_bytes)),
                "fewest GPUs"
            )?;
            for st in &plan.strategies {
                let total = st.total_per_gpu.map_or("-".into(), gb);
                let fits = match st.fits {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "-",
                };
                let min = st
                    .min_gpus
                    .map_or("does not fit".to_string(), |g| g.to_string());
                writeln!(
                    w,
                    "  {:<14} {:>20} {:>16} {:>14}",
                    st.strategy.name(),
                    total,
                    fits,
                    min
                )?;
            }
            if plan.strategies.iter().all(|s| s.min_gpus.is_none()) {
                writeln!(
                    w,
                    "  does not fit on any number of {}: activations alone exceed its memory; use --recompute full, a smaller --micro-batch, or model parallelism",
                    h.gpu
                )?;
            }
        }
        None if plan.setup.gpus.is_some() => {
            let g = plan.setup.gpus.unwrap_or(1);
            writeln!(w, "  {:<14} {:>20}", "strategy", format!("per GPU on {g}"))?;
            for st in &plan.strategies {
                let total = st.total_per_gpu.map_or("-".into(), gb);
                writeln!(w, "  {:<14} {:>20}", st.strategy.name(), total)?;
            }
        }
        None => {
            for st in &plan.strategies {
                let (r, sh) = st.strategy.split(*s);
                writeln!(
                    w,
                    "  {:<14} {} + {} / G per GPU",
                    st.strategy.name(),
                    gb(r * m.n_params),
                    gb(sh * m.n_params)
                )?;
            }
        }
    }
    if let (Some(h), Some(t)) = (&plan.hardware, &plan.time) {
        writeln!(w)?;
        writeln!(
            w,
            "Time on {} × {} ({} TFLOP/s peak, {}% MFU)",
            h.gpus,
            h.gpu,
            num(h.peak_flops / 1e12),
            num(h.mfu * 100.0)
        )?;
        writeln!(
            w,
            "  {} FLOPs ({}) -> {} days wall-clock, {} GPU-hours",
            num(t.flops),
            t.flops_count,
            num(t.days),
            num(t.gpu_hours)
        )?;
        if let Some(d) = t.days_appendix_f {
            writeln!(w, "  with the appendix-F count: {} days", num(d))?;
        }
        if let Some(c) = t.cost {
            writeln!(
                w,
                "  cost {} at {} per GPU-hour",
                num(c),
                num(h.price_per_gpu_hour.unwrap_or(0.0))
            )?;
        }
        if let Some(e) = t.energy_mwh {
            writeln!(
                w,
                "  energy {} MWh at {} W per GPU (accelerators only)",
                num(e),
                num(h.watts_per_gpu.unwrap_or(0.0))
            )?;
        }
    }
    Ok(())
}

/// JSON of the plan (and the allocation it came from).
///
/// # Errors
///
/// Any error of the writer.
pub fn json(
    plan: &TrainingPlan,
    allocation: Option<&OptimalEstimate>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let value = serde_json::json!({ "plan": plan, "allocation": allocation });
    super::json(&value, w)
}

/// CSV: `quantity,strategy,value,unit`, one row per figure.
///
/// # Errors
///
/// Any error of the writer.
pub fn csv(plan: &TrainingPlan, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "quantity,strategy,value,unit")?;
    writeln!(w, "n_params,,{},parameters", plan.model.n_params)?;
    if let Some(d) = plan.model.n_tokens {
        writeln!(w, "n_tokens,,{d},tokens")?;
    }
    if let Some(f) = &plan.flops {
        writeln!(w, "flops_6nd,,{},FLOPs", f.six_nd)?;
        if let Some(af) = f.appendix_f {
            writeln!(w, "flops_appendix_f,,{af},FLOPs")?;
        }
    }
    for (p, b) in &plan.weights {
        writeln!(w, "weights_{},,{b},bytes", p.name().to_lowercase())?;
    }
    if let Some(a) = plan.activations_per_gpu {
        writeln!(w, "activations_per_gpu,,{a},bytes")?;
    }
    for st in &plan.strategies {
        let name = st.strategy.name();
        if let Some(t) = st.total_per_gpu {
            writeln!(w, "memory_per_gpu,{name},{t},bytes")?;
        }
        if let Some(g) = st.min_gpus {
            writeln!(w, "min_gpus,{name},{g},GPUs")?;
        }
    }
    if let Some(t) = &plan.time {
        writeln!(w, "days,,{},days", t.days)?;
        writeln!(w, "gpu_hours,,{},GPU-hours", t.gpu_hours)?;
        if let Some(c) = t.cost {
            writeln!(w, "cost,,{c},currency")?;
        }
        if let Some(e) = t.energy_mwh {
            writeln!(w, "energy,,{e},MWh")?;
        }
    }
    Ok(())
}
