//! Renderers of a fitted curve law ([`CurveFitReport`]) and a predicted trajectory
//! ([`CurvePrediction`]).

use std::io::{self, Write};

use crate::commands::curve::{CurveFitReport, CurvePrediction, SweepEnd, TargetReach};
use crate::commands::curve_schedule::{CurveScheduleReport, FreeReport, ScheduleScore};
use crate::curve::law::Spread;
use crate::curve::schedule::short_e;

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
        let growths: Option<Vec<String>> = u
            .reach
            .iter()
            .map(|x| {
                x.growth
                    .map(|g| format!("{:.3}% per e-fold of {}", 100.0 * g, x.axis))
            })
            .collect();
        match (&u.held_out, growths) {
            (Some(h), Some(growths)) => writeln!(
                w,
                "  error on data left out ({}): {:.3}% mean, {:.3}% at the {:.0}% quantile; it \
                 grows by {} past the fitted runs: `curve predict` widens its band by both",
                match h.left_out {
                    crate::curve::bootstrap::HeldOutKind::Runs => "each run in turn",
                    crate::curve::bootstrap::HeldOutKind::Tail => "the run's last 30%",
                },
                100.0 * h.mean,
                100.0 * h.quantile,
                100.0 * u.level,
                growths.join(", ")
            )?,
            (None, _) => writeln!(
                w,
                "  warning: the law refitted without part of the data did not converge: its \
                 error on unseen schedules cannot be told, and `curve predict` gives no band"
            )?,
            (Some(_), None) => {
                let unknown: Vec<&str> = u
                    .reach
                    .iter()
                    .filter(|x| x.growth.is_none())
                    .map(|x| x.axis.as_str())
                    .collect();
                writeln!(
                    w,
                    "  warning: how the law's error grows past the data in {} cannot be told \
                     (the runs below a third of its largest value are too few, or their refit \
                     did not converge), and `curve predict` gives no band",
                    unknown.join(" and ")
                )?
            }
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
             {}",
            said.join(", "),
            if r.sweep.is_some() {
                "sizes and lengths"
            } else {
                "schedules"
            }
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
    )?;
    if let Some(sweep) = &r.sweep {
        sweep_text(sweep, r.uncertainty.as_ref().map(|u| u.level), w)?;
    }
    Ok(())
}

/// The joint law at the runs' ends and its compute-optimal answers.
fn sweep_text(s: &SweepEnd, level: Option<f64>, w: &mut dyn Write) -> io::Result<()> {
    let l = &s.law;
    writeln!(w)?;
    if s.left_out > 0 {
        writeln!(
            w,
            "left out {} checkpoint{} before twice each run's warmup (the early descent no power \
             law of the tokens follows)",
            s.left_out,
            if s.left_out == 1 { "" } else { "s" }
        )?;
    }
    writeln!(
        w,
        "at the runs' ends: L(N, D) = {:.4} + {:.4}/N^{:.4} + {:.4}/D^{:.4}",
        l.irreducible, l.param_coef, l.alpha, l.data_coef, l.beta
    )?;
    let spread = |(lo, mid, hi): Spread| format!("{mid:.3} (runs {lo:.3} to {hi:.3})");
    writeln!(
        w,
        "  for runs of the sweep's schedule shape trained to their end: mean rate {} of the \
         peak, rate fallen (with its delay) by {} of the peak",
        spread(s.kappa),
        spread(s.annealed)
    )?;
    if crate::curve::law::runs_differ(s.kappa, s.annealed) {
        writeln!(
            w,
            "  note: the runs differ by more than 5% in these at their ends (a short run's \
             decay has less time to take effect); the law of N and D uses the median"
        )?;
    }
    if let Some(why) = &s.refused {
        writeln!(w, "  no N* or D*: {why}")?;
    }
    if s.optimal.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    let level = level.map_or(String::new(), |l| {
        format!("   {:.0}% interval of N*", 100.0 * l)
    });
    writeln!(
        w,
        "  {:>10} {:>12} {:>12} {:>9} {:>8}{level}",
        "compute", "N*", "D*", "D*/N*", "loss"
    )?;
    for o in &s.optimal {
        let interval = o.n_interval.map_or(String::new(), |(lo, hi)| {
            format!("   {lo:.3e} to {hi:.3e} (×{:.2})", hi / lo)
        });
        writeln!(
            w,
            "  {:>10.3e} {:>12.4e} {:>12.4e} {:>9.1} {:>8.4}{interval}",
            o.compute,
            o.n_params,
            o.n_tokens,
            o.n_tokens / o.n_params,
            o.loss
        )?;
    }
    Ok(())
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

/// Whether `row`'s gain over the baseline is more than the law can tell: its interval above 0
/// and its gain above the law's error on left-out runs.
fn verdict(row: &ScheduleScore, name: &str, held_out: Option<f64>, baseline: f64) -> String {
    match (row.gain_interval, held_out) {
        (Some((lo, _)), Some(e)) if lo > 0.0 && row.gain > e * baseline => format!(
            "the {name} ends {:.4} lower than the baseline, beyond the law's error on left-out \
             runs ({:.4})",
            row.gain,
            e * baseline
        ),
        (Some(_), Some(e)) => format!(
            "cannot tell: the {name}'s gain ({:+.4}) is within the bootstrap's spread or the \
             law's error on left-out runs ({:.4})",
            row.gain,
            e * baseline
        ),
        _ => format!(
            "the {name} ends {:+.4} against the baseline; fit with --bootstrap to know whether \
             that is more than the law's error",
            row.gain
        ),
    }
}

/// The free schedule in words: where it leaves the peak, its rates along the way, and how it
/// compares with the grid.
fn free_text(f: &FreeReport, steps: usize, w: &mut dyn Write) -> io::Result<()> {
    let last = f.rates.last().map_or(f64::NAN, |r| r.lr);
    let floor = if last <= f.lowest_lr {
        " (the lowest allowed)"
    } else {
        ""
    };
    match (f.decay_step, f.decay_fraction) {
        (Some(step), Some(fraction)) => writeln!(
            w,
            "  free schedule: the peak until step {step} ({:.0}% of {steps} steps), then down to \
             {}{floor} at the last step",
            100.0 * fraction,
            short_e(last)
        )?,
        _ => writeln!(w, "  free schedule: the peak to the last step")?,
    }
    let rates: Vec<String> = f
        .rates
        .iter()
        .map(|r| format!("{} at {:.0}%", short_e(r.lr), 100.0 * r.fraction))
        .collect();
    writeln!(w, "    rate {}", rates.join(", "))?;
    let interval = f.gain_over_grid_interval.map_or(String::new(), |(lo, hi)| {
        format!(" (interval {lo:+.4} to {hi:+.4})")
    });
    writeln!(
        w,
        "    it ends {:.4}{interval} below the best grid schedule; the closest grid WSD, {}, ends \
         {:.4} above it",
        f.gain_over_grid, f.closest_wsd, f.gain_over_closest_wsd
    )
}

/// The schedule search as text: each schedule's predicted final loss and gain over the
/// baseline, with its interval and a verdict.
///
/// # Errors
///
/// Any error of the writer.
pub fn schedule_text(r: &CurveScheduleReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "best schedules under the {} law at {} steps ({} candidates{})",
        r.law,
        r.steps,
        r.candidates,
        r.lr_floor.map_or(String::new(), |f| format!(
            ", final rates from {}, half the lowest the fitted runs trained at",
            short_e(0.5 * f)
        ))
    )?;
    writeln!(w)?;
    let interval = r
        .level
        .map_or(String::new(), |l| format!("{:.0}% interval", 100.0 * l));
    writeln!(
        w,
        "  {:<9} {:>10} {:>9}  {:<19}  schedule",
        "", "final loss", "gain", interval
    )?;
    // Rounded, so that a zero prints as +0.0000, not -0.0000.
    let r4 = |x: f64| (x * 1e4).round() / 1e4 + 0.0;
    for s in &r.schedules {
        let range = s.gain_interval.map_or(String::new(), |(lo, hi)| {
            format!("{:+.4} to {:+.4}", r4(lo), r4(hi))
        });
        writeln!(
            w,
            "  {:<9} {:>10.4} {:>+9.4}  {range:<19}  {}",
            s.role,
            s.final_loss,
            r4(s.gain),
            s.schedule
        )?;
    }
    writeln!(w)?;
    writeln!(
        w,
        "  gain: the baseline's (cosine to 10% of the peak) final loss minus the schedule's; \
         its interval is the bootstrap's spread of the law's parameters"
    )?;
    let baseline = r
        .schedules
        .iter()
        .find(|s| s.role == "baseline")
        .map_or(f64::NAN, |s| s.final_loss);
    let best = r
        .schedules
        .iter()
        .filter(|s| !matches!(s.role.as_str(), "given" | "baseline" | "free"))
        .max_by(|a, b| a.gain.total_cmp(&b.gain));
    if let Some(best) = best {
        let name = format!("best {} schedule", best.role);
        writeln!(w, "  {}", verdict(best, &name, r.held_out_error, baseline))?;
    }
    if let (Some(row), Some(free)) = (
        r.schedules.iter().find(|s| s.role == "free"),
        r.free.as_ref(),
    ) {
        writeln!(
            w,
            "  {}",
            verdict(row, "free schedule", r.held_out_error, baseline)
        )?;
        free_text(free, r.steps, w)?;
    }
    Ok(())
}
