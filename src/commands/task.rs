//! `scaling-laws task`: benchmark accuracy chained from N and D through the task loss
//! ([`crate::task`]), per task, with intervals and a verdict on whether the task is
//! predictable at all.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::checkpoints::value_for_run;
use crate::data::metrics::{MetricLog, load_metric_log};
use crate::error::Error;
use crate::finite::check_finite;
use crate::law::ChinchillaLaw;
use crate::task::{
    ChainedFit, Sigmoid, TaskSeries, final_point, fit_chained, fit_direct, resample, trend_noise,
};

/// Column templates tried in order when none is given: accuracy, task loss; `{task}` stands
/// for the task's name.
pub const TEMPLATES: [(&str, &str); 3] = [
    (
        "eval/downstream/{task}_len_norm",
        "eval/downstream_bpb/{task}_bpb",
    ),
    ("{task}/accuracy", "{task}/loss"),
    ("acc_{task}", "loss_{task}"),
];

/// Cumulative-token column names tried in order.
pub const TOKEN_NAMES: [&str; 3] = ["throughput/total_tokens", "tokens", "total_tokens"];

/// Random-guess accuracy of well-known tasks, by the start of the task's name (facts of the
/// benchmarks: two choices for PIQA, BoolQ and Winogrande, three for Social IQa, five for
/// CommonsenseQA); other tasks 0.25 (four choices) unless `--floor` says otherwise.
pub const FLOORS: [(&str, f64); 5] = [
    ("piqa", 0.5),
    ("boolq", 0.5),
    ("winogrande", 0.5),
    ("socialiqa", 1.0 / 3.0),
    ("csqa", 0.2),
];

/// Most bootstrap replicates: each refits both steps of every task.
pub const MAX_TASK_DRAWS: usize = 20_000;

/// A task's prediction is withheld when its interval is wider than this (either side).
pub const MAX_HALF_WIDTH: f64 = 0.1;

/// A task is called noisy when the spread of its runs' final accuracies is less than this
/// many times its checkpoint-to-checkpoint noise.
pub const MIN_SIGNAL_TO_NOISE: f64 = 5.0;

/// What to fit and predict.
#[derive(Debug, Clone)]
pub struct TaskRequest {
    /// Evaluation logs, one run per file.
    pub paths: Vec<String>,
    /// Parameter counts, `(run or its start, N)`.
    pub params: Vec<(String, f64)>,
    /// Tasks by name or glob (`*`, `?`) over the names the templates find; empty: every task.
    pub tasks: Vec<String>,
    /// Averaged tasks: name and `(subtask, weight)`.
    pub averages: Vec<(String, Vec<(String, f64)>)>,
    /// Random-guess floors given by hand, `(task, floor)`.
    pub floors: Vec<(String, f64)>,
    /// Column templates (accuracy, loss); empty: [`TEMPLATES`].
    pub templates: Vec<(String, String)>,
    /// Targets to predict: name, N, D.
    pub targets: Vec<(String, f64, f64)>,
    /// Bootstrap replicates (runs resampled within sizes).
    pub bootstrap: usize,
    /// Confidence level of the intervals.
    pub level: f64,
}

/// One task's prediction at one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskPrediction {
    /// The target's name.
    pub target: String,
    /// Task loss predicted by step 1.
    pub task_loss: f64,
    /// Accuracy chained through both steps; `None` when withheld ("cannot tell").
    pub accuracy: Option<f64>,
    /// Its interval at the report's level, for an evaluation of the target (the refits'
    /// spread and the task's noise); `None` when withheld or without a bootstrap.
    pub interval: Option<(f64, f64)>,
    /// Why the number is withheld.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld: Option<String>,
    /// The direct baseline's accuracy: the Chinchilla form on the error rate from N and D,
    /// without the task loss, beside the chained one (withheld with it).
    pub direct: Option<f64>,
}

/// One task's laws, noise, check and predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskReport {
    /// The task.
    pub task: String,
    /// Its accuracy and loss columns (the first of each, for an average).
    pub columns: (String, String),
    /// Random-guess accuracy.
    pub floor: f64,
    /// Runs fitted.
    pub runs: usize,
    /// Step 1: task loss from N and D.
    pub step1: ChinchillaLaw,
    /// Step 2: accuracy from task loss.
    pub step2: Sigmoid,
    /// Checkpoint-to-checkpoint noise of the accuracy (median over runs of the spread of the
    /// last 10 evaluations about their trend).
    pub noise: f64,
    /// The spread of the runs' final accuracies (highest minus lowest).
    pub spread: f64,
    /// Error of the chain fitted without the largest size on that size's final accuracies:
    /// mean absolute, in accuracy.
    pub held_out_error: Option<f64>,
    /// The same for the direct baseline ([`crate::task::fit_direct`]).
    pub direct_held_out_error: Option<f64>,
    /// Whether the task is predictable from this ladder, and if not why.
    pub verdict: String,
    /// Predictions at the targets.
    pub predictions: Vec<TaskPrediction>,
}

/// `scaling-laws task`'s report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskLawsReport {
    /// Confidence level of the intervals.
    pub level: f64,
    /// Bootstrap replicates.
    pub bootstrap: usize,
    /// Per task.
    pub tasks: Vec<TaskReport>,
}

/// Whether glob `pattern` (`*` any run of characters, `?` one) matches `name`.
pub fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    go(&p, &n)
}

/// The task names a template pair finds among `names`: those with both columns.
fn tasks_of(names: &[String], (acc, loss): (&str, &str)) -> Vec<String> {
    let (head, tail) = acc.split_once("{task}").unwrap_or((acc, ""));
    names
        .iter()
        .filter_map(|n| n.strip_prefix(head)?.strip_suffix(tail))
        .filter(|t| !t.is_empty() && names.iter().any(|n| *n == loss.replace("{task}", t)))
        .map(str::to_string)
        .collect()
}

fn floor_of(task: &str, given: &[(String, f64)]) -> f64 {
    given
        .iter()
        .find(|(t, _)| t == task)
        .map(|(_, f)| *f)
        .or_else(|| {
            FLOORS
                .iter()
                .find(|(start, _)| task.starts_with(start))
                .map(|(_, f)| *f)
        })
        .unwrap_or(0.25)
}

/// A task's columns: `(accuracy column, loss column, weight)` each.
type TaskColumns = Vec<(String, String, f64)>;

/// Fit and predict every requested task.
///
/// # Errors
///
/// Reading errors; no parameter count for a run; a task pattern matching nothing (naming the
/// tasks found); a task loss column missing; accuracies in percent or outside [0, 1]; a fit
/// that fails.
pub fn task_laws(request: &TaskRequest) -> Result<TaskLawsReport, Error> {
    if request.paths.is_empty() {
        return Err(Error::invalid_option(
            "FILE",
            "give the ladder's evaluation logs",
        ));
    }
    if request.targets.is_empty() {
        return Err(Error::invalid_option(
            "--target",
            "give a target to predict, NAME=N,D (e.g. 7B=6.9e9,4e12)",
        ));
    }
    if request.bootstrap > MAX_TASK_DRAWS {
        return Err(Error::invalid_option(
            "--bootstrap",
            format!(
                "{} replicates is more than {MAX_TASK_DRAWS} (each refits both steps of every \
                 task); 100 to 1,000 give stable 95% intervals",
                request.bootstrap
            ),
        ));
    }
    if !(request.level > 0.0 && request.level < 1.0) {
        return Err(Error::invalid_option(
            "--level",
            format!("{} is not a level between 0 and 1", request.level),
        ));
    }
    let templates: Vec<(String, String)> = if request.templates.is_empty() {
        TEMPLATES
            .iter()
            .map(|(a, l)| (a.to_string(), l.to_string()))
            .collect()
    } else {
        request.templates.clone()
    };
    // The first file's names decide the tasks; every file must then hold their columns.
    let first = load_metric_log(&request.paths[0], &|_| false)?;
    let mut found: Vec<(String, TaskColumns)> = Vec::new();
    for (acc, loss) in &templates {
        for t in tasks_of(&first.names, (acc, loss)) {
            if !found.iter().any(|(n, _)| *n == t) {
                let cols = vec![(acc.replace("{task}", &t), loss.replace("{task}", &t), 1.0)];
                found.push((t, cols));
            }
        }
    }
    let mut chosen: Vec<(String, TaskColumns)> = Vec::new();
    for pattern in &request.tasks {
        let hits: Vec<&(String, TaskColumns)> =
            found.iter().filter(|(n, _)| glob(pattern, n)).collect();
        if hits.is_empty() {
            return Err(Error::invalid_option(
                "--task",
                format!(
                    "'{pattern}' matches no task of {} (tasks are found where both an accuracy \
                     and a loss column exist, by the templates {}); the tasks: {}",
                    request.paths[0],
                    templates
                        .iter()
                        .map(|(a, l)| format!("{a} + {l}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    found
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        for h in hits {
            if !chosen.iter().any(|(n, _)| *n == h.0) {
                chosen.push(h.clone());
            }
        }
    }
    for (name, parts) in &request.averages {
        let mut cols = Vec::new();
        for (sub, w) in parts {
            let Some((_, c)) = found.iter().find(|(n, _)| n == sub) else {
                return Err(Error::invalid_option(
                    "--average",
                    format!("{name}: '{sub}' is not a task of {}", request.paths[0]),
                ));
            };
            cols.push((c[0].0.clone(), c[0].1.clone(), *w));
        }
        chosen.push((name.clone(), cols));
    }
    if chosen.is_empty() {
        chosen = found.clone();
    }
    if chosen.is_empty() {
        return Err(Error::invalid_option(
            "--task",
            format!(
                "{} has no task columns by the templates {}; give --template ACC,LOSS with \
                 {{task}} in each",
                request.paths[0],
                templates
                    .iter()
                    .map(|(a, l)| format!("{a} + {l}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let wanted: Vec<String> = chosen
        .iter()
        .flat_map(|(_, cols)| cols.iter().flat_map(|(a, l, _)| [a.clone(), l.clone()]))
        .chain(TOKEN_NAMES.iter().map(|s| s.to_string()))
        .collect();
    let logs: Vec<MetricLog> = request
        .paths
        .iter()
        .map(|p| load_metric_log(p, &|c| wanted.iter().any(|w| w == c)))
        .collect::<Result<_, _>>()?;
    let tasks = chosen
        .par_iter()
        .map(|(name, cols)| task_report(request, name, cols, &logs))
        .collect::<Result<Vec<_>, _>>()?;
    let report = TaskLawsReport {
        level: request.level,
        bootstrap: request.bootstrap,
        tasks,
    };
    check_finite(&report, "the task laws")?;
    Ok(report)
}

fn params_of(request: &TaskRequest, run: &str) -> Result<f64, Error> {
    value_for_run(&request.params, run).ok_or_else(|| {
        Error::invalid_option(
            "--params",
            format!("run {run} has no parameter count; give --params RUN=N"),
        )
    })
}

/// One task's series over the logs, checked.
fn series_of(
    request: &TaskRequest,
    task: &str,
    cols: &[(String, String, f64)],
    logs: &[MetricLog],
) -> Result<Vec<TaskSeries>, Error> {
    let mut out = Vec::new();
    for log in logs {
        let tokens = TOKEN_NAMES
            .iter()
            .find_map(|c| log.column(c))
            .ok_or_else(|| {
                Error::invalid_option(
                    "FILE",
                    format!(
                        "{} has no tokens column (one of {})",
                        log.path,
                        TOKEN_NAMES.join(", ")
                    ),
                )
            })?;
        for (acc, loss, _) in cols {
            for (col, what) in [(acc, "accuracy"), (loss, "task loss")] {
                if log.column(col).is_none() {
                    return Err(Error::invalid_option(
                        "--task",
                        format!("task {task}: {} has no {what} column '{col}'", log.path),
                    ));
                }
            }
        }
        let weight: f64 = cols.iter().map(|c| c.2).sum();
        let mut s = TaskSeries {
            run: log.run.clone(),
            params: params_of(request, &log.run)?,
            tokens: vec![],
            loss: vec![],
            accuracy: vec![],
        };
        for (row, t) in tokens.iter().enumerate() {
            let (mut l, mut a) = (0.0, 0.0);
            let mut complete = t.is_some();
            for (acc, loss, w) in cols {
                match (
                    log.column(acc).and_then(|c| c[row]),
                    log.column(loss).and_then(|c| c[row]),
                ) {
                    (Some(x), Some(y)) => {
                        if x > 1.0 && x <= 100.0 {
                            return Err(Error::invalid_option(
                                "--task",
                                format!(
                                    "task {task}: {} column '{acc}' row {} holds {x}: accuracies \
                                     look like percentages; give fractions (divide by 100)",
                                    log.path,
                                    row + 1
                                ),
                            ));
                        }
                        if !((0.0..=1.0).contains(&x) && y.is_finite() && y > 0.0) {
                            return Err(Error::invalid_option(
                                "--task",
                                format!(
                                    "task {task}: {} row {}: accuracy {x} (must be in [0, 1]) \
                                     or task loss {y} (must be positive) in '{acc}', '{loss}'",
                                    log.path,
                                    row + 1
                                ),
                            ));
                        }
                        a += w * x;
                        l += w * y;
                    }
                    _ => complete = false,
                }
            }
            if let (true, Some(t)) = (complete, t) {
                s.tokens.push(*t);
                s.loss.push(l / weight);
                s.accuracy.push(a / weight);
            }
        }
        if s.loss.len() < 2 {
            return Err(Error::invalid_option(
                "--task",
                format!(
                    "task {task}: {} has {} evaluation(s) with both columns; a run needs 2 or more",
                    log.path,
                    s.loss.len()
                ),
            ));
        }
        out.push(s);
    }
    Ok(out)
}

fn task_report(
    request: &TaskRequest,
    task: &str,
    cols: &[(String, String, f64)],
    logs: &[MetricLog],
) -> Result<TaskReport, Error> {
    let series = series_of(request, task, cols, logs)?;
    let refs: Vec<&TaskSeries> = series.iter().collect();
    let floor = floor_of(task, &request.floors);
    let fit = fit_chained(&refs, floor, 1.0)?;
    let mut noises: Vec<f64> = series
        .iter()
        .filter_map(|s| trend_noise(&s.accuracy))
        .collect();
    noises.sort_by(f64::total_cmp);
    let noise = noises.get(noises.len() / 2).copied().unwrap_or(0.0);
    let finals: Vec<f64> = series
        .iter()
        .map(|s| {
            let n = s.accuracy.len();
            let tail = &s.accuracy[n.saturating_sub(crate::task::WINDOW)..];
            tail.iter().sum::<f64>() / tail.len() as f64
        })
        .collect();
    let spread = finals.iter().copied().fold(f64::MIN, f64::max)
        - finals.iter().copied().fold(f64::MAX, f64::min);
    let largest = series.iter().map(|s| s.params).fold(0.0, f64::max);
    let smaller: Vec<&TaskSeries> = refs
        .iter()
        .copied()
        .filter(|s| s.params < largest)
        .collect();
    let held: Vec<(&TaskSeries, f64)> = series
        .iter()
        .zip(&finals)
        .filter(|(s, _)| s.params == largest)
        .map(|(s, f)| (s, *f))
        .collect();
    let miss = |predict: &dyn Fn(f64, f64) -> f64| -> f64 {
        held.iter()
            .map(|(s, observed)| {
                let (n, d, _) = final_point(s);
                (predict(n, d) - observed).abs()
            })
            .sum::<f64>()
            / held.len() as f64
    };
    let held_out_error = fit_chained(&smaller, floor, 1.0)
        .ok()
        .map(|f: ChainedFit| miss(&|n, d| f.predict(n, d).1));
    let direct_held_out_error = fit_direct(&smaller)
        .ok()
        .map(|law| miss(&|n, d| 1.0 - law.loss(n, d)));
    let direct = fit_direct(&refs).ok();
    let at_chance = finals.iter().all(|&a| a <= floor + 2.0 * noise.max(0.005));
    let noisy = spread < MIN_SIGNAL_TO_NOISE * noise;
    let draws: Vec<ChainedFit> = (0..request.bootstrap as u64)
        .filter_map(|seed| fit_chained(&resample(&refs, seed + 1), floor, 1.0).ok())
        .collect();
    let verdict = if at_chance {
        format!("not predictable: at or near its random-guess accuracy {floor:.3} on every run")
    } else if noisy {
        format!(
            "not predictable: its runs' final accuracies span {:.1} points, less than {} times \
             its checkpoint-to-checkpoint noise of {:.1} points",
            100.0 * spread,
            MIN_SIGNAL_TO_NOISE,
            100.0 * noise
        )
    } else {
        match held_out_error {
            Some(e) if e > 3.0 * noise.max(0.005) => format!(
                "flagged: fitted without the largest size it misses that size's final accuracy \
                 by {:.1} points, more than 3 times its noise ({:.1} points)",
                100.0 * e,
                100.0 * noise
            ),
            _ => "predictable".to_string(),
        }
    };
    let refused = at_chance || noisy;
    let predictions = request
        .targets
        .iter()
        .map(|(name, n, d)| {
            let (task_loss, accuracy) = fit.predict(*n, *d);
            let interval = (draws.len() >= 2).then(|| {
                let mut v: Vec<f64> = draws.iter().map(|f| f.predict(*n, *d).1).collect();
                v.sort_by(f64::total_cmp);
                let q = |p: f64| crate::curve::bootstrap::quantile(&v, p);
                let z = statrs::distribution::ContinuousCDF::inverse_cdf(
                    &statrs::distribution::Normal::standard(),
                    0.5 + request.level / 2.0,
                );
                let (lo, hi) = (
                    q((1.0 - request.level) / 2.0),
                    q((1.0 + request.level) / 2.0),
                );
                // The evaluation's own noise, added in quadrature to each side.
                let widen = |side: f64| (side * side + (z * noise).powi(2)).sqrt();
                (
                    accuracy - widen(accuracy - lo),
                    accuracy + widen(hi - accuracy),
                )
            });
            let too_wide = interval.is_some_and(|(lo, hi)| (hi - lo) / 2.0 > MAX_HALF_WIDTH);
            let withheld = if refused {
                Some(verdict.clone())
            } else if too_wide {
                Some(format!(
                    "cannot tell: the {:.0}% interval is wider than ±{:.0} points",
                    100.0 * request.level,
                    100.0 * MAX_HALF_WIDTH
                ))
            } else {
                None
            };
            TaskPrediction {
                target: name.clone(),
                task_loss,
                accuracy: withheld.is_none().then_some(accuracy),
                interval: if withheld.is_none() { interval } else { None },
                direct: direct
                    .filter(|_| withheld.is_none())
                    .map(|law| 1.0 - law.loss(*n, *d)),
                withheld,
            }
        })
        .collect();
    Ok(TaskReport {
        task: task.to_string(),
        columns: (cols[0].0.clone(), cols[0].1.clone()),
        floor,
        runs: series.len(),
        step1: fit.step1,
        step2: fit.step2,
        noise,
        spread,
        held_out_error,
        direct_held_out_error,
        verdict,
        predictions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_templates_find_tasks_by_name() {
        assert!(glob("arc_*", "arc_easy_test_rc_5shot"));
        assert!(glob("*_rc_5shot", "piqa_val_rc_5shot"));
        assert!(!glob("arc_*", "piqa_val"));
        assert!(glob("piqa_va?", "piqa_val"));
        let names: Vec<String> = [
            "eval/downstream/piqa_val_rc_5shot_len_norm",
            "eval/downstream_bpb/piqa_val_rc_5shot_bpb",
            "eval/downstream/boolq_val_rc_5shot_len_norm",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // boolq has no loss column: not a task.
        assert_eq!(tasks_of(&names, TEMPLATES[0]), vec!["piqa_val_rc_5shot"]);
        assert_eq!(floor_of("piqa_val_rc_5shot", &[]), 0.5);
        assert_eq!(floor_of("socialiqa_val", &[]), 1.0 / 3.0);
        assert_eq!(floor_of("mmlu", &[("mmlu".into(), 0.3)]), 0.3);
        assert_eq!(floor_of("hellaswag_val", &[]), 0.25);
    }
}
