//! Renderers of a fitted curve law ([`CurveFitReport`]) and a predicted trajectory
//! ([`CurvePrediction`]).

use std::io::{self, Write};

use crate::commands::curve::{CurveFitReport, CurvePrediction};

/// The fit as text: the law, its parameters, and each run's scores.
///
/// # Errors
///
/// Any error of the writer.
pub fn fit_text(r: &CurveFitReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "curve law: {}   {}", r.law, r.formula)?;
    writeln!(w, "  ({})", r.citation)?;
    let checkpoints: usize = r.runs.iter().map(|x| x.checkpoints).sum();
    let lambda = r.lambda.map_or(String::new(), |l| format!(", λ = {l}"));
    writeln!(
        w,
        "fitted to {} run{}, {checkpoints} checkpoints: objective {:.6e} (Huber δ = {}{lambda}), {} \
         ({} starts screened, the best {} carried on, {} of them converged)",
        r.runs.len(),
        if r.runs.len() == 1 { "" } else { "s" },
        r.objective,
        r.delta,
        if r.converged {
            "converged"
        } else {
            "NOT converged"
        },
        r.starts.0,
        crate::curve::fit::KEEP_STARTS.min(r.starts.0),
        r.starts.1
    )?;
    writeln!(w)?;
    writeln!(w, "  {:<10} {:>14}", "parameter", "value")?;
    for p in &r.params {
        let shown = if p.value != 0.0 && !(1e-3..1e6).contains(&p.value.abs()) {
            format!("{:.6e}", p.value)
        } else {
            format!("{:.6}", p.value)
        };
        writeln!(w, "  {:<10} {shown:>14}", p.name)?;
    }
    if !r.weak_params.is_empty() || !r.weak_pairs.is_empty() {
        let mut said: Vec<String> = r
            .weak_params
            .iter()
            .map(|(name, se)| format!("{name} (standard error at least {se:.2} in its log)"))
            .collect();
        said.extend(
            r.weak_pairs
                .iter()
                .map(|(a, b, c)| format!("{a} with {b} (correlation {c:+.4})")),
        );
        writeln!(
            w,
            "  warning: weakly identified: {}; the data fix a combination of these, not each \
             one: read the law's predictions, not these parameters, or add runs with other \
             schedules",
            said.join(", ")
        )?;
    }
    writeln!(w)?;
    let width = r.runs.iter().map(|x| x.run.len()).max().unwrap_or(3).max(4);
    writeln!(
        w,
        "  {:<width$} {:>11} {:>15} {:>8} {:>8} {:>8}  learning rate",
        "run", "checkpoints", "steps", "R²", "PredE", "WorstE"
    )?;
    for x in &r.runs {
        writeln!(
            w,
            "  {:<width$} {:>11} {:>15} {:>8.4} {:>7.3}% {:>7.3}%  {}",
            x.run,
            x.checkpoints,
            format!("{}–{}", x.steps.0, x.steps.1),
            x.scores.r2,
            100.0 * x.scores.pred_e,
            100.0 * x.scores.worst_e,
            x.learning_rate
        )?;
    }
    writeln!(
        w,
        "  {:<width$} {:>11} {:>15} {:>8.4} {:>7.3}% {:>7.3}%",
        "mean",
        "",
        "",
        r.mean.r2,
        100.0 * r.mean.pred_e,
        100.0 * r.mean.worst_e
    )
}

/// The trajectory as CSV: `step,lr,loss`.
///
/// # Errors
///
/// Any error of the writer.
pub fn prediction_csv(p: &CurvePrediction, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "step,lr,loss")?;
    for ((s, lr), l) in p.step.iter().zip(&p.lr).zip(&p.loss) {
        writeln!(w, "{s},{},{l:.6}", short_e(*lr))?;
    }
    Ok(())
}

/// `x` in exponent form with at most 7 significant digits and no trailing zeros: `3e-4`,
/// `3.003375e-5`.
fn short_e(x: f64) -> String {
    let text = format!("{x:.6e}");
    match text.split_once('e') {
        Some((mantissa, exp)) if mantissa.contains('.') => {
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            format!("{mantissa}e{exp}")
        }
        _ => text,
    }
}
