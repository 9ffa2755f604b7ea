//! Renderers of a fitted curve law ([`CurveFitReport`]) and a predicted trajectory
//! ([`CurvePrediction`]).

use std::io::{self, Write};

use crate::commands::curve::{CurveFitReport, CurvePrediction, TargetReach};

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
    let number = |v: f64| {
        if v != 0.0 && !(1e-3..1e6).contains(&v.abs()) {
            format!("{v:.6e}")
        } else {
            format!("{v:.6}")
        }
    };
    match &r.uncertainty {
        None => writeln!(w, "  {:<10} {:>14}", "parameter", "value")?,
        Some(u) => writeln!(
            w,
            "  {:<10} {:>14}   {:.0}% interval (bootstrap, {} replicates of {} {})",
            "parameter",
            "value",
            100.0 * u.level,
            u.draws.theta.len(),
            u.draws.units,
            if u.draws.whole_runs {
                "runs"
            } else {
                "stretches of runs"
            }
        )?,
    }
    for (k, p) in r.params.iter().enumerate() {
        let interval = r.uncertainty.as_ref().map_or(String::new(), |u| {
            let i = &u.params[k];
            format!("   {} to {}", number(i.lower), number(i.upper))
        });
        writeln!(w, "  {:<10} {:>14}{interval}", p.name, number(p.value))?;
    }
    if let Some(u) = &r.uncertainty {
        match (&u.held_out, u.growth) {
            (Some(h), Some(g)) => writeln!(
                w,
                "  error on data left out ({}): {:.3}% mean, {:.3}% at the {:.0}% quantile; it \
                 grows by {:.3}% per e-fold of summed learning rate past the fitted runs: \
                 `curve predict` widens its band by both",
                match h.left_out {
                    crate::curve::bootstrap::HeldOutKind::Runs => "each run in turn",
                    crate::curve::bootstrap::HeldOutKind::Tail => "the run's last 30%",
                },
                100.0 * h.mean,
                100.0 * h.quantile,
                100.0 * u.level,
                100.0 * g
            )?,
            _ => writeln!(
                w,
                "  warning: the law refitted without part of the data did not converge: its \
                 error on unseen schedules cannot be told, and `curve predict` gives no band"
            )?,
        }
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

/// The trajectory as CSV: `step,lr,loss`, and `lower,upper` with a band.
///
/// # Errors
///
/// Any error of the writer.
pub fn prediction_csv(p: &CurvePrediction, w: &mut dyn Write) -> io::Result<()> {
    let band = !p.lower.is_empty();
    writeln!(w, "step,lr,loss{}", if band { ",lower,upper" } else { "" })?;
    for (i, ((s, lr), l)) in p.step.iter().zip(&p.lr).zip(&p.loss).enumerate() {
        write!(w, "{s},{},{l:.6}", short_e(*lr))?;
        if band {
            write!(w, ",{:.6},{:.6}", p.lower[i], p.upper[i])?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// When a target loss is reached, in a sentence.
pub fn reach_text(t: &TargetReach, level: Option<f64>) -> String {
    let at = |s: Option<usize>| {
        s.map_or("not within the schedule".to_string(), |s| {
            format!("step {s}")
        })
    };
    let mut text = format!("loss {} is reached at {}", t.loss, at(t.step));
    if let Some(level) = level {
        text.push_str(&format!(
            "; {:.0}% band: from {} to {}",
            100.0 * level,
            at(t.earliest),
            match t.latest {
                Some(s) => format!("step {s}"),
                None => "beyond the schedule's end (cannot tell whether it is reached)".into(),
            }
        ));
    }
    text
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
