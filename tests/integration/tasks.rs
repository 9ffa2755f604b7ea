//! Task-accuracy laws against the OLMo ladder paper (Bhagia et al. 2024,
//! `../shared/data/olmo_ladder2024`): the chained (N, D) → task loss → accuracy prediction of
//! the 7B-4T target reproduced from the ladder's runs.

use scaling_laws::data::metrics::load_metric_log;
use scaling_laws::task::{TaskSeries, fit_chained};

use crate::common::shared_data;

/// The paper's sizes (non-embedding N) and its runs (`paper/final.json`).
const SIZES: [(&str, f64); 4] = [
    ("190M", 190_354_176.0),
    ("370M", 371_262_464.0),
    ("760M", 758_220_288.0),
    ("1B", 1_279_395_840.0),
];
const MMLU: [(&str, f64); 4] = [
    ("mmlu_stem_test", 0.215),
    ("mmlu_humanities_test", 0.335),
    ("mmlu_social_sciences_test", 0.219),
    ("mmlu_other_test", 0.231),
];

/// Subtasks averaged into a task, each with its weight.
type Subtasks = Vec<(&'static str, f64)>;

/// The paper's tasks: name, subtasks with weights, random-guess floor.
fn tasks() -> Vec<(&'static str, Subtasks, f64)> {
    let one = |k: &'static str| vec![(k, 1.0)];
    vec![
        ("mmlu_avg_test_5shot", MMLU.to_vec(), 0.25),
        ("hellaswag_val_5shot", one("hellaswag_val"), 0.25),
        ("arc_challenge_test_5shot", one("arc_challenge_test"), 0.25),
        ("arc_easy_test_5shot", one("arc_easy_test"), 0.25),
        ("piqa_val_5shot", one("piqa_val"), 0.5),
        ("csqa_val_5shot", one("csqa_val"), 0.2),
        ("socialiqa_val_5shot", one("socialiqa_val"), 1.0 / 3.0),
        ("openbookqa_test_5shot", one("openbookqa_test"), 0.25),
    ]
}

fn weighted(
    row: usize,
    cols: &[(String, f64)],
    log: &scaling_laws::data::metrics::MetricLog,
) -> Option<f64> {
    let mut sum = 0.0;
    let mut weight = 0.0;
    for (c, w) in cols {
        sum += w * log.column(c)?[row]?;
        weight += w;
    }
    Some(sum / weight)
}

fn series(task: &[(&str, f64)]) -> Option<Vec<TaskSeries>> {
    let loss: Vec<(String, f64)> = task
        .iter()
        .map(|(k, w)| (format!("eval/downstream_bpb/{k}_rc_5shot_bpb"), *w))
        .collect();
    let acc: Vec<(String, f64)> = task
        .iter()
        .map(|(k, w)| (format!("eval/downstream/{k}_rc_5shot_len_norm"), *w))
        .collect();
    let mut out = Vec::new();
    for (size, n) in SIZES {
        for m in ["1xC", "2xC", "5xC", "10xC"] {
            let path = shared_data(&format!("olmo_ladder2024/curves/{size}-{m}.csv"))?;
            let wanted = |c: &str| {
                c == "throughput/total_tokens" || loss.iter().chain(&acc).any(|(k, _)| k == c)
            };
            let log = load_metric_log(&path.display().to_string(), &wanted).unwrap();
            let tokens = log.column("throughput/total_tokens").unwrap();
            let mut s = TaskSeries {
                run: log.run.clone(),
                params: n,
                tokens: vec![],
                loss: vec![],
                accuracy: vec![],
            };
            for (row, t) in tokens.iter().enumerate() {
                if let (Some(t), Some(l), Some(a)) =
                    (*t, weighted(row, &loss, &log), weighted(row, &acc, &log))
                {
                    s.tokens.push(t);
                    s.loss.push(l);
                    s.accuracy.push(a);
                }
            }
            out.push(s);
        }
    }
    Some(out)
}

#[test]
fn the_chained_prediction_of_the_7b_target_reproduces_the_paper_s() {
    let Some(path) = shared_data("olmo_ladder2024/paper/chained_main.csv") else {
        return;
    };
    let published: Vec<(String, f64, f64)> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                c[0].to_string(),
                c[1].parse().unwrap(),
                c[2].parse().unwrap(),
            )
        })
        .collect();
    // Measured: ours against the paper's Pred and the 7B's actual accuracy (MMLU 0.484 /
    // 0.513 / 0.516, HellaSwag 0.825 / 0.853 / 0.832, ARC-C 0.515 / 0.527 / 0.638, ARC-E
    // 0.766 / 0.772 / 0.872, PIQA 0.812 / 0.821 / 0.830, CSQA 0.757 / 0.776 / 0.741, SIQA
    // 0.587 / 0.599 / 0.616, OBQA 0.442 / 0.449 / 0.486). Step 2 agrees; step 1 does not: the
    // Chinchilla fit to the 16 runs' final task losses reaches a lower objective than the
    // paper's and predicts the 7B's task loss 1–7% higher (MMLU 0.787 against 0.750).
    for (name, subtasks, floor) in tasks() {
        let Some(runs) = series(&subtasks) else {
            return;
        };
        let refs: Vec<&TaskSeries> = runs.iter().collect();
        let fit = fit_chained(&refs, floor, 1.0).unwrap();
        let (_, acc) = fit.predict(6_887_575_552.0, 3_945_065_873_408.0);
        let (_, actual, pred) = published.iter().find(|p| p.0 == name).unwrap();
        assert!(
            (acc - pred).abs() < 0.03 && acc < *pred,
            "{name}: ours {acc:.4}, the paper's {pred:.4} (actual {actual:.4})"
        );
    }
}

#[test]
fn the_task_command_chains_withholds_and_refuses_with_the_task_and_column_named() {
    let Some(curves) = shared_data("olmo_ladder2024/curves") else {
        return;
    };
    let files: Vec<String> = SIZES
        .iter()
        .flat_map(|(s, _)| ["1xC", "2xC", "5xC", "10xC"].map(|m| format!("{s}-{m}.csv")))
        .map(|f| curves.join(f).display().to_string())
        .collect();
    let params = "190M=190354176,370M=371262464,760M=758220288,1B=1279395840";
    let mut args: Vec<&str> = vec!["task"];
    args.extend(files.iter().map(String::as_str));
    args.extend([
        "--params",
        params,
        "--target",
        "7B-4T=6887575552,3945065873408",
        "--task",
        "hellaswag_val_rc_5shot",
        "--task",
        "winogrande_*",
        "--bootstrap",
        "20",
        "--format",
        "json",
    ]);
    let out = crate::common::run(&args);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&crate::common::stdout(&out)).unwrap();
    let tasks = report["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    // HellaSwag: predictable, 82.5% against the 7B's 83.2%, inside its interval.
    let hellaswag = &tasks[0];
    assert_eq!(hellaswag["verdict"], "predictable");
    let p = &hellaswag["predictions"][0];
    let acc = p["accuracy"].as_f64().unwrap();
    assert!((acc - 0.8252).abs() < 0.002, "{acc}");
    let (lo, hi) = (
        p["interval"][0].as_f64().unwrap(),
        p["interval"][1].as_f64().unwrap(),
    );
    assert!(lo < 0.8319 && 0.8319 < hi, "{lo}..{hi}");
    // Winogrande, which the paper's variance analysis calls the noisiest task: no number.
    let winogrande = &tasks[1];
    assert!(
        winogrande["predictions"][0]["accuracy"].is_null(),
        "{winogrande}"
    );
    assert!(
        winogrande["predictions"][0]["withheld"]
            .as_str()
            .unwrap()
            .contains("cannot tell")
            || winogrande["verdict"]
                .as_str()
                .unwrap()
                .starts_with("not predictable"),
        "{winogrande}"
    );

    // A pattern matching nothing names the tasks there are.
    let mut bad: Vec<&str> = args[..args.len() - 8].to_vec();
    bad.extend(["--task", "mmmu*"]);
    let out = crate::common::run(&bad);
    assert!(!out.status.success());
    let err = crate::common::stderr(&out);
    assert!(
        err.contains("'mmmu*' matches no task") && err.contains("piqa_val_rc_5shot"),
        "{err}"
    );
}

#[test]
fn accuracies_in_percent_are_refused_naming_the_file_column_and_row() {
    let dir = crate::common::temp_dir();
    let mut files = Vec::new();
    for (run, n) in [("a-1x", 1e8), ("b-1x", 2e8), ("c-1x", 4e8)] {
        let mut text = String::from("tokens,acc_quiz,loss_quiz\n");
        for i in 1..=10 {
            let acc = if run == "b-1x" && i == 4 {
                41.0
            } else {
                0.3 + 0.01 * f64::from(i)
            };
            text.push_str(&format!(
                "{},{acc},{}\n",
                f64::from(i) * n,
                1.5 - 0.02 * f64::from(i)
            ));
        }
        files.push(crate::common::write_file(
            &dir,
            &format!("{run}.csv"),
            &text,
        ));
    }
    let mut args = vec!["task"];
    args.extend(files.iter().map(String::as_str));
    args.extend([
        "--params",
        "a=1e8,b=2e8,c=4e8",
        "--target",
        "big=1e9,2e10",
        "--bootstrap",
        "0",
    ]);
    let mut huge = args.clone();
    let at = huge.len() - 1;
    huge[at] = "1000000000";
    let out = crate::common::run(&huge);
    assert!(!out.status.success());
    assert!(
        crate::common::stderr(&out).contains("more than 20000"),
        "{}",
        crate::common::stderr(&out)
    );
    let out = crate::common::run(&args);
    assert!(!out.status.success());
    let err = crate::common::stderr(&out);
    assert!(
        err.contains("task quiz")
            && err.contains("b-1x.csv")
            && err.contains("'acc_quiz' row 4")
            && err.contains("percentages"),
        "{err}"
    );
}
