//! Renderers for [`ModelDecision`]: a budget's conversion, the plan of its compute-optimal model
//! and its shapes, as text, JSON, and CSV rows.

use std::io::{self, Write};

use super::optimal::csv_num;
use crate::answer::decision::{GpuCount, ModelDecision};

/// Text: the budget in words, the plan (with N* and D*), how the GPU count was chosen, and the
/// shapes.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(d: &ModelDecision, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "Budget: {}", d.budget.statement)?;
    super::plan::text(&d.plan, Some(&d.allocation), w)?;
    if let (Some(count), Some(h)) = (d.gpu_count, &d.plan.hardware) {
        // A model that fits on no number of GPUs is already said so by the plan.
        let how = match count {
            GpuCount::Given { gpus } => Some(format!("{gpus} × {}, as given", h.gpu)),
            GpuCount::FewestSharded { gpus } => Some(format!(
                "{gpus} × {}, the fewest that hold the model under FSDP / ZeRO-3 (give --gpus for another count)",
                h.gpu
            )),
            GpuCount::DoesNotFit => None,
        };
        if let Some(how) = how {
            writeln!(w, "  planned on {how}")?;
        }
    }
    if let Some(shapes) = &d.shapes {
        writeln!(w)?;
        let target = d
            .allocation
            .n_params
            .as_ref()
            .map_or(d.plan.model.n_params, |e| e.value);
        super::shape::text(target, shapes, w)?;
        if d.plan.model.architecture.is_some() && !shapes.is_empty() {
            writeln!(
                w,
                "  the plan above counts activations and appendix-F FLOPs with shape 1"
            )?;
        }
    }
    Ok(())
}

/// JSON of the decisions.
///
/// # Errors
///
/// Any error of the writer.
pub fn json(decisions: &[ModelDecision], w: &mut dyn Write) -> io::Result<()> {
    super::json(&serde_json::json!({ "decisions": decisions }), w)
}

/// Rows in the long CSV format of `optimal` (`question,input,quantity,value,std_error,lower,
/// upper,level`, no header): question `plan` (input: the budget in FLOPs) and `shape` (input:
/// budget;rank;rules).
///
/// # Errors
///
/// Any error of the writer.
pub fn csv_rows(decisions: &[ModelDecision], level: f64, w: &mut dyn Write) -> io::Result<()> {
    for d in decisions {
        let input = csv_num(d.budget.flops);
        let mut row = |quantity: &str, value: f64| {
            writeln!(w, "plan,{input},{quantity},{},,,,{level}", csv_num(value))
        };
        if let Some(h) = d.budget.gpu_hours {
            row("budget_gpu_hours", h)?;
        }
        if let Some(c) = d.gpu_count {
            row("gpus", c.gpus() as f64)?;
        }
        if let Some(t) = &d.plan.time {
            row("days", t.days)?;
            row("gpu_hours", t.gpu_hours)?;
        }
        if let Some(a) = d.plan.activations_per_gpu {
            row("activations_per_gpu_bytes", a)?;
        }
        for s in &d.plan.strategies {
            if let Some(t) = s.total_per_gpu {
                row(&format!("memory_per_gpu_bytes:{}", s.strategy.name()), t)?;
            }
            if let Some(g) = s.min_gpus {
                row(&format!("min_gpus:{}", s.strategy.name()), g as f64)?;
            }
        }
        for s in d.shapes.iter().flatten() {
            let a = s.architecture;
            let input = format!("{input};{};{}", s.rank, super::shape::rule_names(s));
            let fields = [
                ("layers", a.layers as f64),
                ("d_model", a.d_model as f64),
                ("heads", a.heads as f64),
                ("head_dim", a.key_size as f64),
                ("ffw", a.ffw as f64),
                ("n_params", s.n_params),
                ("params_error", s.params_error),
                ("flops_per_token", s.flops_per_token),
                ("activation_bytes", s.activation_bytes),
            ];
            for (quantity, value) in fields {
                writeln!(w, "shape,{input},{quantity},{},,,,{level}", csv_num(value))?;
            }
        }
    }
    Ok(())
}

/// Rows of the budget behind a plan, in the `quantity,strategy,value,unit` CSV of `plan`.
///
/// # Errors
///
/// Any error of the writer.
pub fn plan_csv_rows(d: &ModelDecision, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "budget_flops,,{},FLOPs", d.budget.flops)?;
    if let Some(h) = d.budget.gpu_hours {
        writeln!(w, "budget_gpu_hours,,{h},GPU-hours")?;
    }
    if let Some(c) = d.gpu_count {
        writeln!(w, "gpus,,{},GPUs", c.gpus())?;
    }
    Ok(())
}

/// Write the report of `plan` in `format`: a budget's decision (its allocation, plan and
/// shapes), or a plan with the shapes proposed for its size; as CSV, the shapes when there are
/// any, else the plan's figures.
///
/// # Errors
///
/// Any error of the writer.
pub fn render(
    report: &crate::commands::plan::PlanReport,
    format: super::Format,
    w: &mut dyn Write,
) -> io::Result<()> {
    use super::Format;
    use crate::commands::plan::PlanReport;
    match report {
        PlanReport::Decision(decision) => match (format, &decision.shapes) {
            (Format::Text, _) => text(decision, w),
            (Format::Json, _) => super::json(decision, w),
            (Format::Csv, Some(shapes)) => super::shape::csv(shapes, w),
            (Format::Csv, None) => {
                super::plan::csv(&decision.plan, w)?;
                plan_csv_rows(decision, w)
            }
        },
        PlanReport::Plan { plan, shapes } => match (format, shapes) {
            (Format::Text, _) => {
                super::plan::text(plan, None, w)?;
                match shapes {
                    Some(p) => {
                        writeln!(w)?;
                        super::shape::text(plan.model.n_params, p, w)
                    }
                    None => Ok(()),
                }
            }
            (Format::Json, Some(p)) => super::json(
                &serde_json::json!({ "plan": plan, "allocation": null, "shapes": p }),
                w,
            ),
            (Format::Json, None) => super::plan::json(plan, None, w),
            (Format::Csv, Some(p)) => super::shape::csv(p, w),
            (Format::Csv, None) => super::plan::csv(plan, w),
        },
    }
}
