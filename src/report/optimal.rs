//! Renderers for [`Answers`]: a text report, JSON, and long-format CSV.

use std::io::{self, Write};

use serde::Serialize;

use super::Format;
use crate::answer::optimal::{Answers, OptimalEstimate};
use crate::commands::optimal::OptimalReport;
use crate::commands::sweep_law::SweepOrigin;
use crate::saved::SavedFit;
use crate::uncertainty::Estimate;

/// Four significant digits: `1.234e11`-style for large and small magnitudes, plain decimals
/// otherwise.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let a = x.abs();
    if a == 0.0 {
        "0".to_string()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{x:.3e}")
    } else {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        format!("{x:.decimals$}")
    }
}

/// [`with_interval`] of a quantity the law may not define ("not defined" when it does not).
pub fn defined_with_interval(e: &Option<Estimate>) -> String {
    e.as_ref()
        .map_or_else(|| "not defined".to_string(), with_interval)
}

/// `value [lower, upper]`, or just the value without an interval.
pub fn with_interval(e: &Estimate) -> String {
    match (e.lower, e.upper) {
        // A quantity fixed by the question (e.g. the budget itself) has no spread to show.
        (Some(lo), Some(hi)) if lo == hi => num(e.value),
        (Some(lo), Some(hi)) => format!("{} [{}, {}]", num(e.value), num(lo), num(hi)),
        _ => num(e.value),
    }
}

fn header(
    saved: &SavedFit,
    sweep: Option<&SweepOrigin>,
    answers: &Answers,
    w: &mut dyn Write,
) -> io::Result<()> {
    let p = &saved.provenance;
    match sweep {
        Some(origin) => {
            writeln!(
                w,
                "Compute-optimal allocation, C = {}·N·D, from the joint curve fit {} ({} runs)",
                answers.flops_per_param_token, origin.file, origin.runs
            )?;
            writeln!(
                w,
                "law of N and D: the joint law at the end of runs of the sweep's schedule shape \
                 trained to their end, E' = E − C·U_end and B' = B·κ^−β with κ = {:.4} and U_end \
                 = {:.4} (the runs' medians)",
                origin.kappa.1, origin.annealed.1
            )?;
            let failed = match (origin.failed, origin.left_out) {
                (0, 0) => String::new(),
                (f, 0) => format!(" ({f} did not converge)"),
                (f, l) => {
                    format!(" ({f} did not converge; {l} left out, their E − C·U_end not positive)")
                }
            };
            if origin.replicates > 0 {
                writeln!(
                    w,
                    "draws: each of the curve fit's {} bootstrap replicates at the same κ and \
                     U_end{failed}",
                    origin.replicates
                )?;
            }
            if let Some(note) = &origin.note {
                writeln!(w, "note: {note}")?;
            }
        }
        None => writeln!(
            w,
            "Compute-optimal allocation, C = {}·N·D, from the fit to {} ({} runs)",
            answers.flops_per_param_token, p.source.path, p.rows_used
        )?,
    }
    let family = saved.report.fitted.family;
    if !family.is_chinchilla() {
        writeln!(w, "law: {family}, {}", family.formula())?;
    }
    match &answers.bootstrap {
        Some(b) => {
            writeln!(
                w,
                "intervals: {:.0}% bootstrap percentile intervals, {} resamples, seed {}, {} failed to converge",
                answers.level * 100.0,
                b.n_resamples,
                b.seed,
                b.failed
            )?;
            if b.improved_by_grid > 0 {
                writeln!(
                    w,
                    "           {} found a lower optimum from a grid start than from the full-data optimum",
                    match b.improved_by_grid {
                        1 => "1 resample".to_string(),
                        n => format!("{n} resamples"),
                    }
                )?;
            }
        }
        None if sweep.is_some() => writeln!(
            w,
            "intervals: none (refit with `curve fit --law joint --bootstrap 200 --out FILE` for \
             confidence intervals)"
        )?,
        None => writeln!(
            w,
            "intervals: none (add --bootstrap 4000 for confidence intervals)"
        )?,
    }
    Ok(())
}

fn optimal_row(
    label: String,
    o: &OptimalEstimate,
    indent: usize,
    w: &mut dyn Write,
) -> io::Result<()> {
    let pad = " ".repeat(indent);
    writeln!(w, "{pad}{label}")?;
    let rows = [
        ("compute C", Some(&o.compute)),
        ("N*", o.n_params.as_ref()),
        ("D*", o.n_tokens.as_ref()),
        ("D*/N*", o.tokens_per_param.as_ref()),
        ("L*", Some(&o.loss)),
    ];
    for (name, e) in rows {
        let shown = e.map_or_else(|| "not defined by this law".to_string(), with_interval);
        writeln!(w, "{pad}    {name:<11} {shown}")?;
    }
    for (name, e) in rows.iter().filter_map(|(n, e)| e.map(|e| (n, e))) {
        if e.excluded > 0 {
            writeln!(
                w,
                "{pad}    ({} draws have no finite {name} and are left out)",
                e.excluded
            )?;
        }
    }
    Ok(())
}

/// Text report.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(saved: &SavedFit, answers: &Answers, w: &mut dyn Write) -> io::Result<()> {
    body(saved, None, answers, w)?;
    warnings_text(&answers.warnings, w)
}

/// The answers without their warnings.
fn body(
    saved: &SavedFit,
    sweep: Option<&SweepOrigin>,
    answers: &Answers,
    w: &mut dyn Write,
) -> io::Result<()> {
    header(saved, sweep, answers, w)?;
    writeln!(w)?;
    writeln!(
        w,
        "  {:<8} {:>12} {:>12}   interval",
        "param", "value", "std error"
    )?;
    let config = &saved.report.fitted.config;
    for p in &answers.parameters {
        let e = &p.estimate;
        let fixed = crate::law::natural_index(config.law.family(), &p.name)
            .and_then(|i| config.params.fixed_value(i))
            .is_some();
        // A symmetric SE of heavy-tailed draws misleads (1.6e6 for B of 400): flag it instead.
        let se = match e.std_error {
            _ if fixed => "fixed".to_string(),
            Some(_) if e.heavy_tailed => "heavy-tailed".to_string(),
            se => se.map_or("-".to_string(), num),
        };
        let iv = match (e.lower, e.upper) {
            _ if fixed => "(given with --fix)".to_string(),
            (Some(lo), Some(hi)) => format!("[{}, {}]", num(lo), num(hi)),
            _ => "-".to_string(),
        };
        writeln!(w, "  {:<8} {:>12} {:>12}   {iv}", p.name, num(e.value), se)?;
    }
    if !answers.budgets.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "  {:<11} {:<33} {:<33} {:<24} L*",
            "C (FLOPs)", "N* (parameters)", "D* (tokens)", "D*/N*"
        )?;
        for o in &answers.budgets {
            writeln!(
                w,
                "  {:<11} {:<33} {:<33} {:<24} {}",
                num(o.compute.value),
                defined_with_interval(&o.n_params),
                defined_with_interval(&o.n_tokens),
                defined_with_interval(&o.tokens_per_param),
                with_interval(&o.loss)
            )?;
        }
    }
    for o in &answers.params {
        writeln!(w)?;
        optimal_row(
            format!(
                "a model of {} parameters is compute-optimal at",
                num(o.n_params.as_ref().map_or(f64::NAN, |e| e.value))
            ),
            o,
            2,
            w,
        )?;
    }
    for o in &answers.target_losses {
        writeln!(w)?;
        optimal_row(
            format!("the least compute that reaches loss {}", num(o.loss.value)),
            o,
            2,
            w,
        )?;
    }
    assessments_text(answers, w)
}

/// Warnings as an indented block, after a blank line; nothing when there are none.
///
/// # Errors
///
/// Any error of the writer.
pub fn warnings_text(warnings: &[crate::warnings::Warning], w: &mut dyn Write) -> io::Result<()> {
    if !warnings.is_empty() {
        writeln!(w)?;
    }
    for warning in warnings {
        writeln!(w, "  warning: {}", warning.line())?;
    }
    Ok(())
}

fn assessments_text(answers: &Answers, w: &mut dyn Write) -> io::Result<()> {
    for a in &answers.assessments {
        writeln!(w)?;
        writeln!(
            w,
            "  a model of N = {}, D = {} ({} FLOPs, D/N = {})",
            num(a.n_params),
            num(a.n_tokens),
            num(a.compute),
            num(a.n_tokens / a.n_params)
        )?;
        writeln!(
            w,
            "      predicted loss          {}",
            with_interval(&a.loss)
        )?;
        let pi = &a.prediction_interval;
        let beyond = if pi.extrapolation_decades > 0.0 {
            format!(
                ", {:.2} decades of compute beyond the data{}",
                pi.extrapolation_decades,
                if pi.widened_for_misfit {
                    " (widened: the residuals show a misfit, so the worst extrapolation error seen inside the data is assumed)"
                } else {
                    ""
                }
            )
        } else {
            String::new()
        };
        match pi.bounds() {
            Some((lo, hi)) => writeln!(
                w,
                "      prediction interval     [{}, {}] for an observed run{beyond}",
                num(lo),
                num(hi)
            )?,
            None => writeln!(
                w,
                "      prediction interval     cannot tell{beyond} (the runs give no way to calibrate the error of extrapolating)"
            )?,
        }
        writeln!(
            w,
            "      compute / optimal       {} (compute this split uses over what an optimal one needs for the same loss)",
            with_interval(&a.compute_ratio)
        )?;
        optimal_row(
            "the optimal split of the same compute".into(),
            &a.optimal_same_compute,
            6,
            w,
        )?;
        optimal_row(
            "the optimal split that reaches the same loss".into(),
            &a.optimal_same_loss,
            6,
            w,
        )?;
    }
    Ok(())
}

/// JSON: the law, the data it was fitted to, and the answers.
///
/// # Errors
///
/// Any error of the writer.
pub fn json(saved: &SavedFit, answers: &Answers, w: &mut dyn Write) -> io::Result<()> {
    let value = serde_json::json!({
        "family": saved.report.fitted.family,
        "law": saved.report.fitted.law,
        "source": saved.provenance.source,
        "rows_used": saved.provenance.rows_used,
        "answers": answers,
    });
    super::json(&value, w)
}

/// Which field of an answer is the question's input (the budget, the size, the target loss).
type InputOf = fn(&OptimalEstimate) -> f64;

/// A float for CSV: exact (shortest round-trip digits), in exponent form when large or small.
pub(crate) fn csv_num(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && a.is_finite() && !(1e-4..1e6).contains(&a) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// One row of the long table of answers: a quantity of one question.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    /// `parameter`, `budget`, `params`, `target_loss` or `assess`.
    pub question: &'static str,
    /// The question's input: the budget, the model size, the target loss, or the assessed
    /// model's N and D; none for a parameter.
    pub input: Vec<f64>,
    /// What is estimated: a parameter's name, `compute`, `n_params`, `n_tokens`,
    /// `tokens_per_param`, `loss`, `compute_ratio`, `same_compute_...`, `same_loss_...`.
    pub quantity: String,
    /// The estimate with its interval.
    pub estimate: Estimate,
}

/// The answers as a long table, one row per quantity of each question (the rows of [`csv`]).
pub fn rows(answers: &Answers) -> Vec<AnswerRow> {
    let mut out = Vec::new();
    let mut push = |question: &'static str, input: Vec<f64>, quantity: String, e: &Estimate| {
        out.push(AnswerRow {
            question,
            input,
            quantity,
            estimate: *e,
        });
    };
    for p in &answers.parameters {
        push("parameter", Vec::new(), p.name.clone(), &p.estimate);
    }
    let groups: [(&str, &Vec<OptimalEstimate>, InputOf); 3] = [
        ("budget", &answers.budgets, |o| o.compute.value),
        ("params", &answers.params, |o| {
            o.n_params.as_ref().map_or(f64::NAN, |e| e.value)
        }),
        ("target_loss", &answers.target_losses, |o| o.loss.value),
    ];
    for (question, items, input) in groups {
        for o in items {
            for (quantity, e) in optimal_fields(o) {
                push(question, vec![input(o)], quantity.to_string(), e);
            }
        }
    }
    for a in &answers.assessments {
        let input = vec![a.n_params, a.n_tokens];
        push("assess", input.clone(), "loss".into(), &a.loss);
        push(
            "assess",
            input.clone(),
            "compute_ratio".into(),
            &a.compute_ratio,
        );
        for (quantity, e) in optimal_fields(&a.optimal_same_compute) {
            push(
                "assess",
                input.clone(),
                format!("same_compute_{quantity}"),
                e,
            );
        }
        for (quantity, e) in optimal_fields(&a.optimal_same_loss) {
            push("assess", input.clone(), format!("same_loss_{quantity}"), e);
        }
    }
    out
}

/// Long-format CSV: `question,input,quantity,value,std_error,lower,upper,level`; `std_error`
/// is empty when the draws are heavy-tailed (see [`crate::uncertainty::interval`]).
///
/// # Errors
///
/// Any error of the writer.
pub fn csv(answers: &Answers, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "question,input,quantity,value,std_error,lower,upper,level"
    )?;
    for r in rows(answers) {
        let input: Vec<String> = r.input.iter().map(|&x| csv_num(x)).collect();
        csv_row(
            w,
            r.question,
            &input.join(";"),
            &r.quantity,
            &r.estimate,
            answers.level,
        )?;
    }
    Ok(())
}

/// One row of the long-format CSV (`question,input,quantity,value,std_error,lower,upper,level`)
/// for estimate `e`: `std_error` empty when the draws are heavy-tailed, `lower` and `upper`
/// empty without draws.
///
/// # Errors
///
/// Any error of the writer.
pub(crate) fn csv_row(
    w: &mut dyn Write,
    question: &str,
    input: &str,
    quantity: &str,
    e: &Estimate,
    level: f64,
) -> io::Result<()> {
    let opt = |f: Option<f64>| f.map_or(String::new(), csv_num);
    writeln!(
        w,
        "{question},{input},{quantity},{},{},{},{},{level}",
        csv_num(e.value),
        opt(e.std_error.filter(|_| !e.heavy_tailed)),
        opt(e.lower),
        opt(e.upper),
    )
}

/// The quantities of an answer the law defines (N*, D* and D*/N* are left out for a law of
/// compute alone).
fn optimal_fields(o: &OptimalEstimate) -> Vec<(&'static str, &Estimate)> {
    [
        ("compute", Some(&o.compute)),
        ("n_params", o.n_params.as_ref()),
        ("n_tokens", o.n_tokens.as_ref()),
        ("tokens_per_param", o.tokens_per_param.as_ref()),
        ("loss", Some(&o.loss)),
    ]
    .into_iter()
    .filter_map(|(name, e)| e.map(|e| (name, e)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(num(0.34464), "0.3446");
        assert_eq!(num(53.1331), "53.13");
        assert_eq!(num(2143.4174), "2143");
        assert_eq!(num(7.397e10), "7.397e10");
        assert_eq!(num(0.0), "0");
    }
}

/// The JSON of `optimal`: the fit's identity and the answers, with the decisions, the
/// inference-aware sizes and the data-limited allocations beside them when present. Written
/// through a `serde_json::Value`, so every object's keys are in alphabetical order.
#[derive(Serialize)]
struct ReportJson<'a> {
    answers: &'a Answers,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_limit: Option<&'a crate::answer::data_limit::DataLimit>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    decisions: &'a [crate::answer::decision::ModelDecision],
    family: &'a crate::law::LawRef,
    /// The warnings of the fit the answers come from (the answers' own are in `answers`).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fit_warnings: &'a [crate::warnings::Warning],
    #[serde(skip_serializing_if = "Option::is_none")]
    inference: Option<&'a crate::answer::inference::InferenceAnswers>,
    law: &'a crate::law::ParamValues,
    /// The runs of the fit to a table of runs (a joint curve fit's are in `sweep`).
    #[serde(skip_serializing_if = "Option::is_none")]
    rows_used: Option<usize>,
    /// The table of runs fitted (a joint curve fit's file is in `sweep`).
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a crate::data::SourceInfo>,
    /// Where the law came from when it is a joint curve fit's law of N and D.
    #[serde(skip_serializing_if = "Option::is_none")]
    sweep: Option<&'a SweepOrigin>,
}

/// Write the report of `optimal` in `format`: the answers, then the plans of the decisions, the
/// inference-aware sizes and the data-limited allocations when present.
///
/// # Errors
///
/// Any error of the writer.
pub fn render(report: &OptimalReport, format: Format, w: &mut dyn Write) -> io::Result<()> {
    let (fit, answers) = (&report.fit, &report.answers);
    match format {
        Format::Text => {
            body(fit, report.sweep.as_ref(), answers, w)?;
            // The fit's warnings are listed here, once, beside the answers' (the command does
            // not also print them on standard error).
            let of_fit = &fit.report.diagnostics.warnings;
            if !of_fit.is_empty() || !answers.warnings.is_empty() {
                writeln!(w)?;
            }
            for warning in of_fit {
                writeln!(w, "  warning (fit): {}", warning.line())?;
            }
            for warning in &answers.warnings {
                writeln!(w, "  warning: {}", warning.line())?;
            }
            for d in &report.decisions {
                writeln!(w)?;
                super::decision::text(d, w)?;
            }
            if let Some(inference) = &report.inference {
                writeln!(w)?;
                super::inference::text(inference, w)?;
            }
            if let Some(limit) = &report.data_limit {
                super::data_limit::text(limit, w)?;
            }
            Ok(())
        }
        Format::Json => {
            let value = serde_json::to_value(ReportJson {
                answers,
                data_limit: report.data_limit.as_ref(),
                decisions: &report.decisions,
                family: &fit.report.fitted.family,
                fit_warnings: &fit.report.diagnostics.warnings,
                inference: report.inference.as_ref(),
                law: &fit.report.fitted.law,
                rows_used: report.sweep.is_none().then_some(fit.provenance.rows_used),
                source: report.sweep.is_none().then_some(&fit.provenance.source),
                sweep: report.sweep.as_ref(),
            })?;
            super::json(&value, w)
        }
        Format::Csv => {
            csv(answers, w)?;
            super::decision::csv_rows(&report.decisions, answers.level, w)?;
            if let Some(inference) = &report.inference {
                super::inference::csv_rows(inference, w)?;
            }
            if let Some(limit) = &report.data_limit {
                super::data_limit::csv_rows(limit, answers.level, w)?;
            }
            Ok(())
        }
    }
}
