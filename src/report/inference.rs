//! Renderers for [`InferenceAnswers`]: text, and rows in the long CSV format of `optimal`.
//! (JSON: the struct as it is, beside the answers of `optimal`.)

use std::io::{self, Write};

use super::optimal::{csv_num, csv_row, num};
use crate::answer::inference::{ChoiceEstimate, InferenceAnswers, InferenceQuestion};
use crate::uncertainty::Estimate;

/// `value [lower, upper]` in `show`, or the value alone when there is no interval or the
/// quantity is fixed by the question (the training FLOPs of a budget's compute-optimal model:
/// its draws differ only by rounding).
fn shown(e: &Estimate, show: &dyn Fn(f64) -> String) -> String {
    match (e.lower, e.upper) {
        (Some(lo), Some(hi)) if (hi - lo).abs() > 1e-9 * e.value.abs() => {
            format!("{} [{}, {}]", show(e.value), show(lo), show(hi))
        }
        _ => show(e.value),
    }
}

fn with_interval(e: &Estimate) -> String {
    shown(e, &num)
}

/// Which figure of a choice a row shows.
type Pick = fn(&ChoiceEstimate) -> &Estimate;

fn percent(e: &Estimate) -> String {
    shown(e, &|x| format!("{:.1}%", 100.0 * x))
}

/// Text: for each question, the inference-aware and the compute-optimal model side by side,
/// and the saving.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(a: &InferenceAnswers, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "Inference-aware sizing for {} inference tokens: least training ({}·N·D) plus inference \
         ({}·N·T) FLOPs for the same loss (Sardana et al. 2024)",
        num(a.inference_tokens),
        a.flops_per_param_token,
        a.inference_flops_per_param_token
    )?;
    for e in &a.answers {
        writeln!(w)?;
        match e.question {
            InferenceQuestion::Budget { compute } => writeln!(
                w,
                "  the loss of the compute-optimal model of {} FLOPs, L = {}",
                num(compute),
                with_interval(&e.loss)
            )?,
            InferenceQuestion::TargetLoss { loss } => {
                writeln!(w, "  the target loss L = {}", num(loss))?
            }
        }
        writeln!(
            w,
            "    {:<16} {:<36} compute-optimal",
            "", "inference-aware"
        )?;
        let rows: [(&str, Pick); 6] = [
            ("N (parameters)", |c| &c.n_params),
            ("D (tokens)", |c| &c.n_tokens),
            ("D/N", |c| &c.tokens_per_param),
            ("training FLOPs", |c| &c.training_flops),
            ("inference FLOPs", |c| &c.inference_flops),
            ("total FLOPs", |c| &c.total_flops),
        ];
        for (name, pick) in rows {
            writeln!(
                w,
                "    {name:<16} {:<36} {}",
                with_interval(pick(&e.inference_aware)),
                with_interval(pick(&e.compute_optimal))
            )?;
        }
        writeln!(
            w,
            "    saving           {} FLOPs, {} of the compute-optimal total",
            with_interval(&e.saving_flops),
            percent(&e.saving_fraction)
        )?;
        let excluded = e.inference_aware.n_params.excluded;
        if excluded > 0 {
            writeln!(
                w,
                "    ({excluded} draws have no answer and are left out of the intervals)"
            )?;
        }
    }
    Ok(())
}

/// Rows in the long CSV format of `optimal` (`question,input,quantity,value,std_error,lower,
/// upper,level`, no header): question `inference_budget` (input: budget;T) or
/// `inference_target_loss` (input: loss;T); quantities `loss`, `n_params`, `n_tokens`,
/// `tokens_per_param`, `training_flops`, `inference_flops`, `total_flops`, the same prefixed
/// `compute_optimal_`, `saving_flops` and `saving_fraction`.
///
/// # Errors
///
/// Any error of the writer.
pub fn csv_rows(a: &InferenceAnswers, w: &mut dyn Write) -> io::Result<()> {
    for e in &a.answers {
        let (question, input) = match e.question {
            InferenceQuestion::Budget { compute } => ("inference_budget", compute),
            InferenceQuestion::TargetLoss { loss } => ("inference_target_loss", loss),
        };
        let input = format!("{};{}", csv_num(input), csv_num(a.inference_tokens));
        let mut row =
            |quantity: &str, e: &Estimate| csv_row(w, question, &input, quantity, e, a.level);
        row("loss", &e.loss)?;
        for (prefix, c) in [
            ("", &e.inference_aware),
            ("compute_optimal_", &e.compute_optimal),
        ] {
            for (name, v) in [
                ("n_params", &c.n_params),
                ("n_tokens", &c.n_tokens),
                ("tokens_per_param", &c.tokens_per_param),
                ("training_flops", &c.training_flops),
                ("inference_flops", &c.inference_flops),
                ("total_flops", &c.total_flops),
            ] {
                row(&format!("{prefix}{name}"), v)?;
            }
        }
        row("saving_flops", &e.saving_flops)?;
        row("saving_fraction", &e.saving_fraction)?;
    }
    Ok(())
}
