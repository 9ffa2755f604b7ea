//! Task-accuracy laws against the OLMo ladder paper (Bhagia et al. 2024,
//! `../shared/data/olmo_ladder2024`): the chained (N, D) → task loss → accuracy prediction of
//! the 7B-4T target reproduced from the ladder's runs.

use scaling_laws::data::metrics::load_metric_log;
use scaling_laws::task::{Step2Form, TaskSeries, fit_chained};

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
        let fit = fit_chained(&refs, Step2Form::Sigmoid, floor, 1.0).unwrap();
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
        "--run-params",
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
        "--run-params",
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

/// Standard normal draws (Box–Muller over a xorshift generator seeded with `seed`).
fn gaussians(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        let mut u = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (u1, u2) = (u().max(1e-300), u());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Step 1's truth: a task loss of N and D.
const TRUE_STEP1: (f64, f64, f64, f64, f64) = (0.55, 60.0, 0.30, 300.0, 0.32);

fn true_task_loss(n: f64, d: f64) -> f64 {
    let (e, a, alpha, b, beta) = TRUE_STEP1;
    e + a * n.powf(-alpha) + b * d.powf(-beta)
}

/// A ladder of 4 sizes × 4 token multipliers whose task `quiz` follows `TRUE_STEP1` and
/// `accuracy(loss)`, with seeded noise (0.1% on the loss, `noise` on the accuracy); the last
/// five evaluations of each run sit within 0.4% of its end, as a run's final average would.
fn simulated_ladder(
    dir: &tempfile::TempDir,
    accuracy: &dyn Fn(f64) -> f64,
    noise: f64,
) -> Vec<String> {
    let mut gauss = gaussians(0x2545_F491_4F6C_DD1D);
    let mut files = Vec::new();
    for (size, n) in [("s1", 1.5e8), ("s2", 3e8), ("s3", 6e8), ("s4", 1.2e9)] {
        for m in [1.0, 2.0, 5.0, 10.0] {
            let d_end = 20.0 * m * n;
            let mut text = String::from("tokens,acc_quiz,loss_quiz\n");
            let steps: Vec<f64> = (1..=35)
                .map(|i| f64::from(i) / 35.0)
                .chain((0..5).map(|j| 0.996 + 0.001 * f64::from(j)))
                .collect();
            for f in steps {
                let d = f * d_end;
                let loss = true_task_loss(n, d) * (1.0 + 0.001 * gauss());
                let acc = (accuracy(loss) + noise * gauss()).clamp(0.0, 1.0);
                text.push_str(&format!("{d},{acc},{loss}\n"));
            }
            files.push(crate::common::write_file(
                dir,
                &format!("{size}-{m}x.csv"),
                &text,
            ));
        }
    }
    files
}

fn task_json(files: &[String], extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["task"];
    args.extend(files.iter().map(String::as_str));
    args.extend([
        "--run-params",
        "s1=1.5e8,s2=3e8,s3=6e8,s4=1.2e9",
        "--format",
        "json",
    ]);
    args.extend(extra);
    let out = crate::common::run(&args);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    serde_json::from_str(&crate::common::stdout(&out)).unwrap()
}

#[test]
fn the_least_compute_for_an_accuracy_and_the_accuracy_a_budget_buys_recover_the_truth() {
    let sigmoid = |l: f64| 1.0 - 0.75 / (1.0 + (-6.0 * (l - 1.1)).exp());
    let dir = crate::common::temp_dir();
    let files = simulated_ladder(&dir, &sigmoid, 0.003);
    let report = task_json(
        &files,
        &[
            "--budget",
            "1e21",
            "--target-accuracy",
            "0.94,0.985",
            "--bootstrap",
            "60",
        ],
    );
    let quiz = &report["tasks"][0];
    assert_eq!(quiz["verdict"], "predictable", "{quiz}");
    // The truth's compute-optimal split (closed form, C = 6·N·D) and the accuracy there.
    let (e, a, alpha, b, beta) = TRUE_STEP1;
    let optimum = |c: f64| {
        let g = (alpha * a / (beta * b)).powf(1.0 / (alpha + beta));
        let n = g * (c / 6.0).powf(beta / (alpha + beta));
        (n, c / 6.0 / n)
    };
    let (n_true, d_true) = optimum(1e21);
    let at_budget = &quiz["predictions"][0];
    assert_eq!(at_budget["budget"].as_f64(), Some(1e21));
    let n = at_budget["params"].as_f64().unwrap();
    assert!(
        (n / n_true - 1.0).abs() < 0.2,
        "N* {n:.4e} against {n_true:.4e}"
    );
    let acc = at_budget["accuracy"].as_f64().unwrap();
    let acc_true = sigmoid(true_task_loss(n_true, d_true));
    assert!((acc - acc_true).abs() < 0.01, "{acc} against {acc_true}");
    let (lo, hi) = (
        at_budget["params_interval"][0].as_f64().unwrap(),
        at_budget["params_interval"][1].as_f64().unwrap(),
    );
    assert!(
        lo < n_true && n_true < hi,
        "N* {n_true:.4e} outside [{lo:.4e}, {hi:.4e}]"
    );

    // 94%, past the largest run's 92.6%: the task loss where the sigmoid gives it, then the
    // least compute for that loss.
    let goal = &quiz["accuracy_goals"][0];
    let loss_needed = 1.1 - (0.75_f64 / (1.0 - 0.94) - 1.0).ln() / 6.0;
    let c_true = {
        // Bisection on the truth's optimal loss along compute.
        let (mut lo, mut hi) = (1e15_f64.ln(), 1e30_f64.ln());
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            let (n, d) = optimum(mid.exp());
            if true_task_loss(n, d) > loss_needed {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo.exp()
    };
    assert!(e < loss_needed);
    let c = goal["compute"].as_f64().unwrap();
    assert!(
        (c / c_true - 1.0).abs() < 0.35,
        "C {c:.4e} against {c_true:.4e}"
    );
    let (lo, hi) = (
        goal["interval"][0].as_f64().unwrap(),
        goal["interval"][1]
            .as_f64()
            .unwrap_or_else(|| panic!("no upper end: {quiz}")),
    );
    assert!(
        lo < c_true && c_true < hi,
        "C {c_true:.4e} outside [{lo:.4e}, {hi:.4e}]"
    );
    // 98.5% needs a task loss below the truth's E = 0.55 (where the accuracy tends to 97.3%):
    // no budget reaches it, so no closed interval is given (withheld, or an open upper end).
    let high = &quiz["accuracy_goals"][1];
    assert!(
        high["withheld"].is_string() || high["interval"][1].is_null(),
        "{high}"
    );
}

#[test]
fn gadre_s_exponential_form_of_step_2_is_recovered_from_a_ladder_drawn_from_it() {
    let exponential = |l: f64| 1.0 - 0.7 + 2.0 * (-1.6 * l).exp();
    let dir = crate::common::temp_dir();
    let files = simulated_ladder(&dir, &exponential, 0.002);
    let report = task_json(
        &files,
        &[
            "--step2",
            "exponential",
            "--target",
            "big=5e9,1e11",
            "--bootstrap",
            "0",
        ],
    );
    assert_eq!(report["form"], "exponential");
    let quiz = &report["tasks"][0];
    let step2 = &quiz["step2"];
    assert_eq!(step2["form"], "exponential", "{step2}");
    for (key, truth) in [("epsilon", 0.7), ("k", 2.0), ("gamma", 1.6)] {
        let v = step2[key].as_f64().unwrap();
        assert!((v / truth - 1.0).abs() < 0.15, "{key} {v} against {truth}");
    }
    let acc = quiz["predictions"][0]["accuracy"].as_f64().unwrap();
    let truth = exponential(true_task_loss(5e9, 1e11));
    assert!((acc - truth).abs() < 0.01, "{acc} against {truth}");
}

#[test]
fn the_task_figure_draws_each_step_and_a_bad_file_type_is_refused() {
    let sigmoid = |l: f64| 1.0 - 0.75 / (1.0 + (-6.0 * (l - 1.1)).exp());
    let dir = crate::common::temp_dir();
    let files = simulated_ladder(&dir, &sigmoid, 0.003);
    let svg = dir.path().join("tasks.svg");
    let svg_arg = svg.display().to_string();
    let mut args = vec!["task"];
    args.extend(files.iter().map(String::as_str));
    args.extend([
        "--run-params",
        "s1=1.5e8,s2=3e8,s3=6e8,s4=1.2e9",
        "--target",
        "big=5e9,1e11",
        "--bootstrap",
        "10",
        "--plot",
        &svg_arg,
    ]);
    let out = crate::common::run(&args);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let text = std::fs::read_to_string(&svg).unwrap();
    for label in [
        "quiz",
        "step 2 (predictable)",
        "chained",
        "Task loss",
        "targets (95% interval)",
        "1.2B",
    ] {
        assert!(text.contains(label), "no '{label}' in the figure");
    }
    // Inches, as every figure: 6.75 wide, a row of 2.2 plus the title.
    assert!(text.contains("width=\"6.75in\""), "{}", &text[..300]);

    let bad = dir.path().join("tasks.txt").display().to_string();
    let at = args.len() - 1;
    args[at] = &bad;
    let out = crate::common::run(&args);
    assert!(!out.status.success());
    let err = crate::common::stderr(&out);
    assert!(
        err.contains("invalid --plot: cannot tell") && err.contains(".txt"),
        "{err}"
    );
    assert!(!dir.path().join("tasks.txt").exists());
}

#[test]
fn a_long_table_with_a_run_column_gives_the_report_of_one_file_per_run() {
    let sigmoid = |l: f64| 1.0 - 0.75 / (1.0 + (-6.0 * (l - 1.1)).exp());
    let dir = crate::common::temp_dir();
    let files = simulated_ladder(&dir, &sigmoid, 0.003);
    let mut long = String::from("run,tokens,acc_quiz,loss_quiz\n");
    for f in &files {
        let run = std::path::Path::new(f)
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap();
        for line in std::fs::read_to_string(f).unwrap().lines().skip(1) {
            long.push_str(&format!("{run},{line}\n"));
        }
    }
    let long = crate::common::write_file(&dir, "ladder.csv", &long);
    let extra = ["--target", "big=5e9,1e11", "--bootstrap", "5"];
    let one_per_run = task_json(&files, &extra);
    let together = task_json(&[long], &extra);
    assert_eq!(together["tasks"][0]["runs"], 16);
    assert_eq!(one_per_run["tasks"], together["tasks"]);
}

/// `data/simulated_task_ladder.csv`: a long table of 16 runs (4 sizes × 1, 2, 5, 10 times 20
/// tokens per parameter, 40 evaluations each) with two tasks: `quiz`, whose task loss follows
/// `TRUE_STEP1` and whose accuracy follows `1 − 0.75·σ(6·(L − 1.1))` (noise 0.3 points), and
/// `guess`, four-choice and at chance on every run (25% ± 1 point).
fn simulated_task_ladder() -> String {
    let mut gauss = gaussians(0x9E37_79B9_7F4A_7C15);
    let mut text = String::from("run,tokens,acc_quiz,loss_quiz,acc_guess,loss_guess\n");
    for (size, n) in [
        ("150M", 1.5e8),
        ("300M", 3e8),
        ("600M", 6e8),
        ("1.2B", 1.2e9),
    ] {
        for m in [1.0_f64, 2.0, 5.0, 10.0] {
            let d_end = 20.0 * m * n;
            for i in 1..=40 {
                let d = (d_end * f64::from(i) / 40.0).round();
                let loss = true_task_loss(n, d) * (1.0 + 0.001 * gauss());
                let acc = 1.0 - 0.75 / (1.0 + (-6.0 * (loss - 1.1)).exp()) + 0.003 * gauss();
                let guess_loss = 1.386 * (1.0 + 0.002 * gauss());
                let guess = 0.25 + 0.01 * gauss();
                text.push_str(&format!(
                    "{size}-{m}x,{d},{acc:.5},{loss:.5},{guess:.5},{guess_loss:.5}\n"
                ));
            }
        }
    }
    text
}

#[test]
fn the_shipped_task_ladder_is_reproduced_byte_for_byte() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/simulated_task_ladder.csv");
    let expected = simulated_task_ladder();
    if std::env::var_os("UPDATE_SIMULATED_DATA").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        shipped == expected,
        "data/simulated_task_ladder.csv differs from its generator (tests/integration/tasks.rs); \
         UPDATE_SIMULATED_DATA=1 cargo test --locked --test integration shipped_task rewrites it"
    );
}
