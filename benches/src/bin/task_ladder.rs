//! The chained task-accuracy laws on the OLMo ladder (Bhagia et al. 2024;
//! `../shared/data/olmo_ladder2024`, needs `../shared/data`): how often the 95% intervals of
//! `scaling-laws task` cover what the held-out models measured, per task.
//!
//! `cargo run --release -p scaling-laws-bench --bin task_ladder [-- --draws N]`
//!
//! - Rolling origin within the ladder: fitted on the smallest two, three and four sizes (1×
//!   to 10× Chinchilla's tokens each), each larger ladder run predicted (the 3B's runs, which
//!   the paper never fitted, included): its last evaluation against the interval.
//! - The targets: fitted on the paper's 16 runs (190M to 1.3B), the 7B-4T and 13B-5T.
//!
//! Per task: predictions given, covered, withheld ("cannot tell"), and the mean absolute
//! error of the chain and of the direct baseline (the Chinchilla form on the error rate).

use scaling_laws::commands::task::{TaskRequest, task_laws};
use scaling_laws::data::metrics::load_metric_log;
use scaling_laws::task::Step2Form;
use scaling_laws_bench::olmo::SIZES;

const MULTIPLES: [&str; 4] = ["1xC", "2xC", "5xC", "10xC"];
const TARGETS: [(&str, &str, f64, f64); 2] = [
    (
        "7B-4T",
        "targets/peteish7_eval_anneal.csv",
        6_887_575_552.0,
        3_945_065_873_408.0,
    ),
    (
        "13B-5T",
        "targets/peteish13_eval_final.csv",
        13_202_396_160.0,
        5_000_088_518_656.0,
    ),
];
const MMLU: [(&str, f64); 4] = [
    ("mmlu_stem_test_rc_5shot", 0.215),
    ("mmlu_humanities_test_rc_5shot", 0.335),
    ("mmlu_social_sciences_test_rc_5shot", 0.219),
    ("mmlu_other_test_rc_5shot", 0.231),
];
/// The paper's eight tasks (MMLU averaged from its parts), then Winogrande and BoolQ.
const TASKS: [&str; 9] = [
    "hellaswag_val_rc_5shot",
    "arc_challenge_test_rc_5shot",
    "arc_easy_test_rc_5shot",
    "piqa_val_rc_5shot",
    "csqa_val_rc_5shot",
    "socialiqa_val_rc_5shot",
    "openbookqa_test_rc_5shot",
    "winogrande_val_rc_5shot",
    "boolq_val_rc_5shot",
];

fn data(relative: &str) -> String {
    scaling_laws_bench::olmo::dir()
        .join(relative)
        .display()
        .to_string()
}

/// The accuracy columns of a task (with weights) as the command's default templates find them.
fn accuracy_columns(task: &str) -> Vec<(String, f64)> {
    if task == "mmlu" {
        return MMLU
            .iter()
            .map(|(t, w)| (format!("eval/downstream/{t}_len_norm"), *w))
            .collect();
    }
    let suffix = if task.starts_with("boolq") {
        "acc"
    } else {
        "len_norm"
    };
    vec![(format!("eval/downstream/{task}_{suffix}"), 1.0)]
}

/// The last evaluation of `task` in the log at `path` with every column present.
fn measured(path: &str, task: &str) -> Option<f64> {
    let cols = accuracy_columns(task);
    let log = load_metric_log(path, &|c| cols.iter().any(|(k, _)| k == c)).ok()?;
    let rows = log.columns.first()?.1.len();
    (0..rows).rev().find_map(|row| {
        let mut sum = 0.0;
        let mut weight = 0.0;
        for (c, w) in &cols {
            sum += w * log.column(c)?[row]?;
            weight += w;
        }
        Some(sum / weight)
    })
}

/// The tokens at a ladder run's last row.
fn last_tokens(path: &str) -> f64 {
    let log = load_metric_log(path, &|c| c == "throughput/total_tokens").unwrap();
    log.columns[0].1.iter().rev().find_map(|v| *v).unwrap()
}

#[derive(Default, Clone)]
struct Tally {
    given: usize,
    covered: usize,
    withheld: usize,
    chain_error: f64,
    direct_error: f64,
    direct_given: usize,
}

/// Fit on `fitted` ladder files, predict `held` (name, file for the measurement, N, D); add
/// each task's outcome to `tallies`.
fn check(
    fitted: &[String],
    held: &[(String, String, f64, f64)],
    draws: usize,
    tallies: &mut [(String, Tally)],
) {
    let request = TaskRequest {
        paths: fitted.to_vec(),
        params: SIZES.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
        tasks: TASKS.iter().map(|t| t.to_string()).collect(),
        averages: vec![(
            "mmlu".into(),
            MMLU.iter().map(|(t, w)| (t.to_string(), *w)).collect(),
        )],
        floors: vec![],
        templates: vec![],
        form: Step2Form::Sigmoid,
        targets: held
            .iter()
            .map(|(name, _, n, d)| (name.clone(), *n, *d))
            .collect(),
        budgets: vec![],
        target_accuracies: vec![],
        bootstrap: draws,
        level: 0.95,
    };
    let report = task_laws(&request).unwrap_or_else(|e| panic!("the task laws: {e}"));
    for t in &report.tasks {
        let tally = &mut tallies.iter_mut().find(|(n, _)| *n == t.task).unwrap().1;
        for (p, (_, path, _, _)) in t.predictions.iter().zip(held) {
            let Some(actual) = measured(path, &t.task) else {
                continue;
            };
            match (p.accuracy, p.interval) {
                (Some(a), Some((lo, hi))) => {
                    tally.given += 1;
                    tally.covered += usize::from(lo <= actual && actual <= hi);
                    tally.chain_error += (a - actual).abs();
                    if let Some(d) = p.direct {
                        tally.direct_given += 1;
                        tally.direct_error += (d - actual).abs();
                    }
                }
                _ => tally.withheld += 1,
            }
        }
    }
}

fn print(title: &str, tallies: &[(String, Tally)]) {
    println!("\n{title}\n");
    println!(
        "| task | given | covered | withheld | chain mean error | direct mean error |\n|---|---|---|---|---|---|"
    );
    let mut all = Tally::default();
    for (task, t) in tallies {
        let mean = |e: f64, n: usize| {
            if n == 0 {
                "—".to_string()
            } else {
                format!("{:.1} pt", 100.0 * e / n as f64)
            }
        };
        println!(
            "| {task} | {} | {} | {} | {} | {} |",
            t.given,
            t.covered,
            t.withheld,
            mean(t.chain_error, t.given),
            mean(t.direct_error, t.direct_given)
        );
        all.given += t.given;
        all.covered += t.covered;
        all.withheld += t.withheld;
    }
    println!(
        "\nall tasks: {} of {} covered ({:.1}%), {} withheld",
        all.covered,
        all.given,
        100.0 * all.covered as f64 / all.given.max(1) as f64,
        all.withheld
    );
}

fn main() {
    let mut draws = 100;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--draws" => draws = args.next().and_then(|v| v.parse().ok()).expect("--draws N"),
            other => panic!("unknown argument {other}; the options: --draws N"),
        }
    }
    let file = |size: &str, m: &str| data(&format!("curves/{size}-{m}.csv"));
    let names: Vec<String> = std::iter::once("mmlu")
        .chain(TASKS)
        .map(str::to_string)
        .collect();
    let fresh = || -> Vec<(String, Tally)> {
        names
            .iter()
            .map(|n| (n.clone(), Tally::default()))
            .collect()
    };
    let start = std::time::Instant::now();
    let mut rolling = fresh();
    for k in 2..=4 {
        let fitted: Vec<String> = SIZES[..k]
            .iter()
            .flat_map(|(s, _)| MULTIPLES.map(|m| file(s, m)))
            .collect();
        let held: Vec<(String, String, f64, f64)> = SIZES[k..]
            .iter()
            .flat_map(|(s, n)| {
                MULTIPLES.map(|m| {
                    let path = file(s, m);
                    (format!("{s}-{m}"), path.clone(), *n, last_tokens(&path))
                })
            })
            .collect();
        check(&fitted, &held, draws, &mut rolling);
    }
    print(
        &format!(
            "Rolling origin: fitted on the smallest 2, 3 and 4 sizes, every larger ladder run \
             predicted ({draws} draws, 95% intervals)"
        ),
        &rolling,
    );
    let mut targets = fresh();
    let fitted: Vec<String> = SIZES[..4]
        .iter()
        .flat_map(|(s, _)| MULTIPLES.map(|m| file(s, m)))
        .collect();
    let held: Vec<(String, String, f64, f64)> = TARGETS
        .iter()
        .map(|(name, path, n, d)| (name.to_string(), data(path), *n, *d))
        .collect();
    check(&fitted, &held, draws, &mut targets);
    print(
        "The targets: fitted on the paper's 16 runs, the 7B-4T and the 13B-5T",
        &targets,
    );
    println!("\n{:.1} s", start.elapsed().as_secs_f64());
}
