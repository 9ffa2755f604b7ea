//! `select`: the laws side by side, then the verdict. Text, JSON and CSV (one row per law and
//! held-out check, and per rolling-origin fold).

use std::io::{self, Write};

use super::optimal::{csv_num, num};
use crate::check::select::{CheckSummary, LawSummary, Selection};

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn coverage(c: Option<f64>) -> String {
    c.map_or("-".to_string(), |c| format!("{:.0}%", 100.0 * c))
}

fn exponent(l: &LawSummary) -> String {
    match &l.params_exponent {
        Some(e) => match (e.lower, e.upper) {
            (Some(lo), Some(hi)) => format!("{:.3} [{lo:.3}, {hi:.3}]", e.value),
            _ => format!("{:.3}", e.value),
        },
        None => "-".to_string(),
    }
}

/// Write the comparison for people.
///
/// # Errors
///
/// Errors of the writer.
pub fn text(s: &Selection, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "Which law extrapolates best: {} laws fitted to {} runs",
        s.laws.len(),
        s.runs
    )?;
    for skip in &s.skipped {
        writeln!(w, "  skipped {}: {}", skip.law, skip.reason)?;
    }
    writeln!(w)?;
    let level = s.level * 100.0;
    writeln!(
        w,
        "  {:<17} {:>6} {:>11} {:>9} {:>8} | {:>13} {:>8} {:>8} {:>6} | {:>13} {:>8} {:>8} {:>6} | a [{level:.0}% interval]",
        "law",
        "params",
        "objective",
        "per run",
        "resid sd",
        "largest-K",
        "median",
        "max",
        "cover",
        "rolling",
        "median",
        "max",
        "cover",
    )?;
    for l in &s.laws {
        let ro = match &l.rolling_origin {
            Some(r) => format!(
                "{:>13} {:>8} {:>8} {:>6}",
                format!("{} runs", r.held_out),
                pct(r.median_relative_error),
                pct(r.max_relative_error),
                coverage(r.coverage)
            ),
            None => format!("{:>13} {:>8} {:>8} {:>6}", "-", "-", "-", "-"),
        };
        let k = &l.largest_compute;
        writeln!(
            w,
            "  {:<17} {:>6} {:>11.5} {:>9.3e} {:>8.4} | {:>13} {:>8} {:>8} {:>6} | {ro} | {}",
            l.law,
            l.free_params,
            l.objective,
            l.objective_per_run,
            l.residual_sd,
            format!("{} runs", k.held_out),
            pct(k.median_relative_error),
            pct(k.max_relative_error),
            coverage(k.coverage),
            exponent(l),
        )?;
    }
    writeln!(
        w,
        "  (errors: |predicted - observed| / observed of the held-out runs; cover: share inside \
         their {level:.0}% prediction intervals; largest-K: the {} runs with the most compute held \
         out; rolling: each compute decade predicted from the decades below, pooled)",
        s.holdout_k
    )?;
    writeln!(w)?;
    writeln!(w, "Rolling origin by fold (median / max error, coverage):")?;
    for l in &s.laws {
        match &l.rolling_origin {
            Some(r) => writeln!(
                w,
                "  {:<17} {}{}",
                l.law,
                folds(r),
                l.rolling_origin_note
                    .as_ref()
                    .map_or(String::new(), |n| format!("; {n}"))
            )?,
            None => writeln!(
                w,
                "  {:<17} not possible: {}",
                l.law,
                l.rolling_origin_note.as_deref().unwrap_or("")
            )?,
        }
    }
    let notes: Vec<String> = s
        .laws
        .iter()
        .filter_map(|l| {
            l.params_exponent_note
                .as_ref()
                .map(|n| format!("{}: {n}", l.law))
        })
        .collect();
    if !notes.is_empty() {
        writeln!(w)?;
        writeln!(w, "Notes on a (N* ∝ C^a):")?;
        for n in notes {
            writeln!(w, "  {n}")?;
        }
    }
    if s.bootstrap_resamples > 0 {
        writeln!(
            w,
            "  intervals of a: {} bootstrap resamples, seed {}",
            s.bootstrap_resamples, s.seed
        )?;
    }
    let v = &s.verdict;
    writeln!(w)?;
    writeln!(
        w,
        "Pooled held-out error ({}, {} runs every law predicted):",
        v.basis.replace('_', "-"),
        v.common_runs
    )?;
    for (i, r) in v.ranking.iter().enumerate() {
        writeln!(
            w,
            "  {}. {:<17} mean |log error| {:.4}, median error {}",
            i + 1,
            r.law,
            r.mean_abs_log_error,
            pct(r.median_relative_error)
        )?;
    }
    if let Some(c) = &v.comparison {
        writeln!(
            w,
            "  best against runner-up: closer on {} of {} runs; mean difference in |log error| \
             {:+.4}, {:.0}% paired-bootstrap interval [{:+.4}, {:+.4}]",
            c.best_closer,
            c.runs,
            c.mean_difference,
            c.level * 100.0,
            c.lower,
            c.upper
        )?;
    }
    writeln!(w, "  rule: {}", v.rule)?;
    writeln!(w)?;
    writeln!(w, "Verdict: {}", v.statement)?;
    Ok(())
}

fn folds(r: &CheckSummary) -> String {
    r.folds
        .iter()
        .map(|f| {
            format!(
                "to {}: {} / {}, {}",
                num(f.train_max_compute),
                pct(f.median_relative_error),
                pct(f.max_relative_error),
                coverage(f.coverage)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// CSV, one row per law and check (`fold` empty for the pooled row of a check, else the
/// rolling-origin fold, 1-based):
/// `law,free_params,objective,objective_per_run,residual_sd,rule,fold,train_runs,train_max_compute,held_out,median_relative_error,max_relative_error,mean_abs_log_error,coverage,a,a_lower,a_upper,level,best,separated`.
///
/// # Errors
///
/// Errors of the writer.
pub fn csv(s: &Selection, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "law,free_params,objective,objective_per_run,residual_sd,rule,fold,train_runs,\
         train_max_compute,held_out,median_relative_error,max_relative_error,mean_abs_log_error,\
         coverage,a,a_lower,a_upper,level,best,separated"
    )?;
    let opt = |x: Option<f64>| x.map_or(String::new(), csv_num);
    for l in &s.laws {
        let a = l.params_exponent.as_ref();
        let law_part = format!(
            "{},{},{},{},{}",
            l.law,
            l.free_params,
            csv_num(l.objective),
            csv_num(l.objective_per_run),
            csv_num(l.residual_sd)
        );
        let tail = format!(
            "{},{},{},{},{},{}",
            opt(a.map(|e| e.value)),
            opt(a.and_then(|e| e.lower)),
            opt(a.and_then(|e| e.upper)),
            s.level,
            l.law == s.verdict.best,
            s.verdict.separated
        );
        let checks = [
            ("largest-compute", Some(&l.largest_compute)),
            ("rolling-origin", l.rolling_origin.as_ref()),
        ];
        for (rule, check) in checks {
            let Some(c) = check else { continue };
            let last = c.folds.last();
            writeln!(
                w,
                "{law_part},{rule},,{},{},{},{},{},{},{},{tail}",
                last.map_or(String::new(), |f| f.train_runs.to_string()),
                opt(last.map(|f| f.train_max_compute)),
                c.held_out,
                csv_num(c.median_relative_error),
                csv_num(c.max_relative_error),
                csv_num(c.mean_abs_log_error),
                opt(c.coverage),
            )?;
            if rule == "rolling-origin" {
                for (i, f) in c.folds.iter().enumerate() {
                    writeln!(
                        w,
                        "{law_part},{rule},{},{},{},{},{},{},,{},{tail}",
                        i + 1,
                        f.train_runs,
                        csv_num(f.train_max_compute),
                        f.test_runs,
                        csv_num(f.median_relative_error),
                        csv_num(f.max_relative_error),
                        opt(f.coverage),
                    )?;
                }
            }
        }
    }
    Ok(())
}
