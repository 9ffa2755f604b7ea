//! `scaling-laws task`: benchmark accuracy chained from N and D through the task loss
//! ([`crate::task`]), per task, with intervals and a verdict on whether the task is
//! predictable at all.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::answer::allocation::Allocator;
use crate::data::checkpoints::value_for_run;
use crate::data::metrics::{MetricLog, load_metric_log, load_metric_logs};
use crate::error::Error;
use crate::finite::check_finite;
use crate::law::ChinchillaLaw;
use crate::plot::{TaskPanel, TaskRun, TaskTarget};
use crate::task::{
    ChainedFit, Step2, Step2Form, TaskSeries, final_point, fit_chained, fit_direct, resample,
    trend_noise,
};

/// Column templates tried in order when none is given: accuracy, task loss; `{task}` stands
/// for the task's name (the OLMo ladder's length-normalised accuracy first, its plain accuracy
/// for the tasks without one, as BoolQ).
pub const TEMPLATES: [(&str, &str); 4] = [
    (
        "eval/downstream/{task}_len_norm",
        "eval/downstream_bpb/{task}_bpb",
    ),
    (
        "eval/downstream/{task}_acc",
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

/// The least compute for an accuracy is withheld when its interval reaches further than this
/// factor from the estimate on either side.
pub const MAX_COMPUTE_RATIO: f64 = 100.0;

/// FLOPs per parameter per token of the compute-optimal questions (`C = 6·N·D`).
pub const FLOPS_PER_PARAM_TOKEN: f64 = 6.0;

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
    /// Column templates (accuracy, loss); empty: [`TEMPLATES`]. A loss template without
    /// `{task}` names one loss column shared by every task (the language model's validation
    /// loss, for Gadre et al.'s form).
    pub templates: Vec<(String, String)>,
    /// The form of step 2.
    pub form: Step2Form,
    /// Targets to predict: name, N, D.
    pub targets: Vec<(String, f64, f64)>,
    /// Compute budgets (FLOPs) to predict at, each at the compute-optimal N and D of the
    /// task's step 1 law.
    pub budgets: Vec<f64>,
    /// Accuracies whose least compute to find.
    pub target_accuracies: Vec<f64>,
    /// Bootstrap replicates (runs resampled within sizes).
    pub bootstrap: usize,
    /// Confidence level of the intervals.
    pub level: f64,
}

/// One task's prediction at one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskPrediction {
    /// The target's name (`C=1e22` for a budget).
    pub target: String,
    /// Parameters N of the target (for a budget, the step 1 law's compute-optimal N*; `None`
    /// when that law has no optimum).
    pub params: Option<f64>,
    /// Tokens D of the target (for a budget, D* = C / (6·N*)).
    pub tokens: Option<f64>,
    /// The budget, for a compute-optimal prediction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<f64>,
    /// For a budget: the interval of N* over the refits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params_interval: Option<(f64, f64)>,
    /// Task loss predicted by step 1 (`None` where there is no target to predict at).
    pub task_loss: Option<f64>,
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

/// The least compute at which one task reaches an accuracy, at the compute-optimal split of
/// its step 1 law.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccuracyGoal {
    /// The accuracy asked for.
    pub accuracy: f64,
    /// The task loss at which step 2 reaches it.
    pub task_loss: Option<f64>,
    /// The least compute (FLOPs), `None` when withheld.
    pub compute: Option<f64>,
    /// N* and D* at that compute.
    pub params: Option<f64>,
    /// D*.
    pub tokens: Option<f64>,
    /// The compute's interval over the refits, at the report's level; its upper end `None`
    /// when too many refits never reach the accuracy (no budget is enough for them).
    pub interval: Option<(f64, Option<f64>)>,
    /// Refits that never reach the accuracy.
    pub unreached: usize,
    /// Why no number is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld: Option<String>,
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
    pub step2: Step2,
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
    /// Predictions at the targets, then at the budgets.
    pub predictions: Vec<TaskPrediction>,
    /// The least compute for each accuracy asked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accuracy_goals: Vec<AccuracyGoal>,
}

/// `scaling-laws task`'s report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskLawsReport {
    /// Confidence level of the intervals.
    pub level: f64,
    /// Bootstrap replicates.
    pub bootstrap: usize,
    /// The form of step 2.
    #[serde(default)]
    pub form: Step2Form,
    /// Per task.
    pub tasks: Vec<TaskReport>,
    /// What the figure draws, a row per task (not part of the report's JSON).
    #[serde(skip)]
    pub panels: Vec<TaskPanel>,
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
    if request.targets.is_empty()
        && request.budgets.is_empty()
        && request.target_accuracies.is_empty()
    {
        return Err(Error::invalid_option(
            "--target",
            "give a question: a model to predict, --target NAME=N,D (e.g. 7B=6.9e9,4e12), a \
             compute budget, --budget FLOPS, or an accuracy to reach, --target-accuracy A",
        ));
    }
    if let Some(c) = request
        .budgets
        .iter()
        .find(|c| !(c.is_finite() && **c > 0.0))
    {
        return Err(Error::invalid_option(
            "--budget",
            format!("{c} is not a positive number of FLOPs"),
        ));
    }
    if let Some(a) = request
        .target_accuracies
        .iter()
        .find(|a| !(**a > 0.0 && **a < 1.0))
    {
        let advice = if *a > 1.0 && *a < 100.0 {
            " (give fractions: 0.6 for 60%)"
        } else {
            ""
        };
        return Err(Error::invalid_option(
            "--target-accuracy",
            format!("{a} is not an accuracy between 0 and 1{advice}"),
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
        .map(|p| load_metric_logs(p, &|c| wanted.iter().any(|w| w == c)))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let (tasks, panels): (Vec<TaskReport>, Vec<TaskPanel>) = chosen
        .par_iter()
        .map(|(name, cols)| task_report(request, name, cols, &logs))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();
    let report = TaskLawsReport {
        level: request.level,
        bootstrap: request.bootstrap,
        form: request.form,
        tasks,
        panels,
    };
    check_finite(&report, "the task laws")?;
    Ok(report)
}

fn params_of(request: &TaskRequest, run: &str) -> Result<f64, Error> {
    value_for_run(&request.params, run).ok_or_else(|| {
        Error::invalid_option(
            "--run-params",
            format!("run {run} has no parameter count; give --run-params RUN=N"),
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
) -> Result<(TaskReport, TaskPanel), Error> {
    let series = series_of(request, task, cols, logs)?;
    let refs: Vec<&TaskSeries> = series.iter().collect();
    let floor = floor_of(task, &request.floors);
    let form = request.form;
    let fit = fit_chained(&refs, form, floor, 1.0)?;
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
    let held_out_error = fit_chained(&smaller, form, floor, 1.0)
        .ok()
        .map(|f: ChainedFit| miss(&|n, d| f.predict(n, d).1));
    let direct_held_out_error = fit_direct(&smaller)
        .ok()
        .map(|law| miss(&|n, d| 1.0 - law.loss(n, d)));
    let direct = fit_direct(&refs).ok();
    let at_chance = finals.iter().all(|&a| a <= floor + 2.0 * noise.max(0.005));
    let noisy = spread < MIN_SIGNAL_TO_NOISE * noise;
    let draws: Vec<ChainedFit> = (0..request.bootstrap as u64)
        .filter_map(|seed| fit_chained(&resample(&refs, seed + 1), form, floor, 1.0).ok())
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
    let level = request.level;
    let bounds = |mut v: Vec<f64>| -> (f64, f64) {
        v.sort_by(f64::total_cmp);
        let q = |p: f64| crate::curve::bootstrap::quantile(&v, p);
        (q((1.0 - level) / 2.0), q((1.0 + level) / 2.0))
    };
    let z = statrs::distribution::ContinuousCDF::inverse_cdf(
        &statrs::distribution::Normal::standard(),
        0.5 + level / 2.0,
    );
    // One prediction: the chain's accuracy at `(n, d)`, each refit's at `at(draw)`.
    let predict = |target: String,
                   (n, d): (f64, f64),
                   budget: Option<f64>,
                   at: &dyn Fn(&ChainedFit) -> Option<(f64, f64)>| {
        let (task_loss, accuracy) = fit.predict(n, d);
        let points: Vec<(f64, f64)> = draws.iter().filter_map(at).collect();
        let interval = (points.len() >= 2).then(|| {
            let (lo, hi) = bounds(points.iter().map(|p| p.1).collect());
            // The evaluation's own noise, added in quadrature to each side.
            let widen = |side: f64| (side * side + (z * noise).powi(2)).sqrt();
            (
                accuracy - widen(accuracy - lo),
                accuracy + widen(hi - accuracy),
            )
        });
        let params_interval = budget
            .filter(|_| points.len() >= 2)
            .map(|_| bounds(points.iter().map(|p| p.0).collect()));
        let too_wide = interval.is_some_and(|(lo, hi)| (hi - lo) / 2.0 > MAX_HALF_WIDTH);
        let withheld = if refused {
            Some(verdict.clone())
        } else if too_wide {
            Some(format!(
                "cannot tell: the {:.0}% interval is wider than ±{:.0} points",
                100.0 * level,
                100.0 * MAX_HALF_WIDTH
            ))
        } else {
            None
        };
        TaskPrediction {
            target,
            params: Some(n),
            tokens: Some(d),
            budget,
            params_interval: params_interval.filter(|_| withheld.is_none()),
            task_loss: Some(task_loss),
            accuracy: withheld.is_none().then_some(accuracy),
            interval: if withheld.is_none() { interval } else { None },
            direct: direct
                .filter(|_| withheld.is_none())
                .map(|law| 1.0 - law.loss(n, d)),
            withheld,
        }
    };
    let mut predictions: Vec<TaskPrediction> = request
        .targets
        .iter()
        .map(|(name, n, d)| {
            predict(name.clone(), (*n, *d), None, &|f| {
                Some((*n, f.predict(*n, *d).1))
            })
        })
        .collect();
    let optimum = |law: &crate::law::ChinchillaLaw, c: f64| -> Option<(f64, f64)> {
        let o = Allocator::new(*law, FLOPS_PER_PARAM_TOKEN)
            .ok()?
            .optimal_for_compute(c);
        (o.n_params.is_finite() && o.n_tokens.is_finite() && o.n_params > 0.0)
            .then_some((o.n_params, o.n_tokens))
    };
    for &c in &request.budgets {
        let name = format!("C={c:.3e}");
        let Some(nd) = optimum(&fit.step1, c) else {
            predictions.push(TaskPrediction {
                target: name,
                params: None,
                tokens: None,
                budget: Some(c),
                params_interval: None,
                task_loss: None,
                accuracy: None,
                interval: None,
                withheld: Some(
                    "cannot tell: step 1's law has no compute-optimal split (an exponent or \
                     coefficient is not positive)"
                        .into(),
                ),
                direct: None,
            });
            continue;
        };
        predictions.push(predict(name, nd, Some(c), &|f| {
            let (n, d) = optimum(&f.step1, c)?;
            Some((n, f.predict(n, d).1))
        }));
    }
    let accuracy_goals = request
        .target_accuracies
        .iter()
        .map(|&a| accuracy_goal(&fit, &draws, a, level, refused.then_some(&verdict)))
        .collect();
    let panel = panel_of(task, &verdict, floor, &series, &finals, &fit, &predictions);
    let report = TaskReport {
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
        accuracy_goals,
    };
    Ok((report, panel))
}

/// Points along a line.
const PANEL_SAMPLES: usize = 60;

/// `n` points from `lo` to `hi`, evenly on a log scale.
fn log_samples(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (a, b) = (lo.ln(), hi.ln());
    (0..n)
        .map(|i| (a + (b - a) * i as f64 / (n - 1) as f64).exp())
        .collect()
}

/// What the figure draws for one task.
fn panel_of(
    task: &str,
    verdict: &str,
    floor: f64,
    series: &[TaskSeries],
    finals: &[f64],
    fit: &ChainedFit,
    predictions: &[TaskPrediction],
) -> TaskPanel {
    let k = FLOPS_PER_PARAM_TOKEN;
    let runs: Vec<TaskRun> = series
        .iter()
        .zip(finals)
        .map(|(s, &accuracy)| {
            let (n, d, task_loss) = final_point(s);
            let (x, y) = crate::task::step2_points(s);
            TaskRun {
                params: n,
                compute: k * n * d,
                task_loss,
                accuracy,
                evaluations: x.into_iter().zip(y).collect(),
            }
        })
        .collect();
    let targets: Vec<TaskTarget> = predictions
        .iter()
        .filter_map(|p| {
            let (n, d, loss) = (p.params?, p.tokens?, p.task_loss?);
            Some(TaskTarget {
                name: p.target.clone(),
                compute: k * n * d,
                task_loss: loss,
                accuracy: p.accuracy.map(|a| (a, p.interval)),
            })
        })
        .collect();
    let mut sizes: Vec<f64> = series.iter().map(|s| s.params).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    let step1 = sizes
        .iter()
        .map(|&n| {
            let of = series.iter().filter(|s| s.params == n);
            let ds: Vec<f64> = of.map(|s| final_point(s).1).collect();
            let lo = ds.iter().copied().fold(f64::INFINITY, f64::min) / 1.3;
            let hi = ds.iter().copied().fold(0.0, f64::max) * 1.3;
            let line = log_samples(lo, hi, PANEL_SAMPLES)
                .into_iter()
                .map(|d| (k * n * d, fit.step1.loss(n, d)))
                .collect();
            (n, line)
        })
        .collect();
    let computes = runs
        .iter()
        .map(|r| r.compute)
        .chain(targets.iter().map(|t| t.compute));
    let lo = computes.clone().fold(f64::INFINITY, f64::min) / 1.5;
    let hi = computes.fold(0.0, f64::max) * 1.5;
    let frontier: Vec<(f64, f64)> = match Allocator::new(fit.step1, k) {
        Ok(allocator) => log_samples(lo, hi, PANEL_SAMPLES)
            .into_iter()
            .map(|c| (c, allocator.optimal_loss(c)))
            .filter(|p| p.1.is_finite())
            .collect(),
        Err(_) => Vec::new(),
    };
    let losses = runs
        .iter()
        .flat_map(|r| r.evaluations.iter().map(|e| e.0))
        .chain(targets.iter().map(|t| t.task_loss));
    let x_lo = losses.clone().fold(f64::INFINITY, f64::min) * 0.95;
    let x_hi = losses.fold(0.0, f64::max) * 1.05;
    let step2 = (0..=PANEL_SAMPLES)
        .map(|i| {
            let x = x_lo + (x_hi - x_lo) * i as f64 / PANEL_SAMPLES as f64;
            (x, fit.step2.at(x))
        })
        .collect();
    let chained = frontier
        .iter()
        .map(|&(c, l)| (c, fit.step2.at(l)))
        .collect();
    TaskPanel {
        task: task.to_string(),
        verdict: verdict.split(':').next().unwrap_or(verdict).to_string(),
        floor,
        runs,
        step1,
        frontier,
        step2,
        chained,
        targets,
    }
}

/// The least compute at which `fit` reaches `accuracy` (`Err` saying why none does): step 2
/// inverted to a task loss, step 1's compute-optimal budget for that loss.
fn compute_for_accuracy(fit: &ChainedFit, accuracy: f64) -> Result<(f64, f64, f64, f64), String> {
    let loss = fit
        .step2
        .loss_for(accuracy)
        .filter(|l| *l > 0.0)
        .ok_or_else(|| {
            format!(
                "cannot tell: step 2 never reaches {:.1}% (its curve spans {:.1}% to {:.1}% at \
                 zero loss)",
                100.0 * accuracy,
                100.0 * step2_floor(&fit.step2),
                100.0 * fit.step2.ceiling().min(1.0)
            )
        })?;
    let allocator = Allocator::new(fit.step1, FLOPS_PER_PARAM_TOKEN)
        .map_err(|_| "cannot tell: step 1's law has no compute-optimal split".to_string())?;
    let o = allocator.optimal_for_loss(loss).map_err(|_| {
        format!(
            "cannot tell: it needs a task loss of {loss:.4}, at or below step 1's irreducible \
             {:.4}; no budget reaches it",
            fit.step1.irreducible
        )
    })?;
    Ok((loss, o.compute, o.n_params, o.n_tokens))
}

/// The accuracy step 2 falls to as the loss grows.
fn step2_floor(step2: &Step2) -> f64 {
    match step2 {
        Step2::Sigmoid(s) => s.b + s.a,
        Step2::Exponential(e) => 1.0 - e.epsilon,
    }
}

fn accuracy_goal(
    fit: &ChainedFit,
    draws: &[ChainedFit],
    accuracy: f64,
    level: f64,
    refused: Option<&String>,
) -> AccuracyGoal {
    let none = |why: String| AccuracyGoal {
        accuracy,
        task_loss: None,
        compute: None,
        params: None,
        tokens: None,
        interval: None,
        unreached: 0,
        withheld: Some(why),
    };
    if let Some(verdict) = refused {
        return none(verdict.clone());
    }
    let (loss, compute, params, tokens) = match compute_for_accuracy(fit, accuracy) {
        Ok(found) => found,
        Err(why) => return none(why),
    };
    let mut interval = None;
    let mut unreached = 0;
    if draws.len() >= 2 {
        // A refit that never reaches the accuracy needs more compute than any: +∞, so that
        // the interval's upper end is open when more than its tail share of refits do.
        let mut v: Vec<f64> = draws
            .iter()
            .map(|f| compute_for_accuracy(f, accuracy).map_or(f64::INFINITY, |r| r.1))
            .collect();
        v.sort_by(f64::total_cmp);
        unreached = v.iter().filter(|c| c.is_infinite()).count();
        if 2 * unreached > v.len() {
            return AccuracyGoal {
                task_loss: Some(loss),
                ..none(format!(
                    "cannot tell: {unreached} of {} refits never reach {:.1}%",
                    v.len(),
                    100.0 * accuracy
                ))
            };
        }
        let q = |p: f64| crate::curve::bootstrap::quantile(&v, p);
        let (lo, hi) = (q((1.0 - level) / 2.0), q((1.0 + level) / 2.0));
        if compute / lo > MAX_COMPUTE_RATIO || hi.is_finite() && hi / compute > MAX_COMPUTE_RATIO {
            return AccuracyGoal {
                task_loss: Some(loss),
                ..none(format!(
                    "cannot tell: the {:.0}% interval of the compute runs from {lo:.2e} to {} \
                     FLOPs, more than {MAX_COMPUTE_RATIO}× either side of the estimate",
                    100.0 * level,
                    if hi.is_finite() {
                        format!("{hi:.2e}")
                    } else {
                        "no end".to_string()
                    }
                ))
            };
        }
        interval = Some((lo, hi.is_finite().then_some(hi)));
    }
    AccuracyGoal {
        accuracy,
        task_loss: Some(loss),
        compute: Some(compute),
        params: Some(params),
        tokens: Some(tokens),
        interval,
        unreached,
        withheld: None,
    }
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
