//! Issue 5: planning a training run.

use crate::common::{run, stderr, stdout, temp_dir};

/// `quantity[,strategy] -> value` from `plan --format csv`.
fn plan_csv(args: &[&str]) -> Vec<(String, String, f64)> {
    let mut all = vec!["plan", "--format", "csv"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert!(out.status.success(), "plan {args:?}: {}", stderr(&out));
    stdout(&out)
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string(), f[2].parse().unwrap())
        })
        .collect()
}

fn value(rows: &[(String, String, f64)], quantity: &str, strategy: &str) -> f64 {
    rows.iter()
        .find(|(q, s, _)| q == quantity && s == strategy)
        .unwrap_or_else(|| panic!("no {quantity} {strategy} in {rows:?}"))
        .2
}

#[test]
fn one_billion_parameters_by_precision() {
    // The seed article: 1B parameters take 4 GB in FP32.
    let rows = plan_csv(&["--params", "1e9"]);
    assert_eq!(value(&rows, "weights_fp32", ""), 4e9);
    assert_eq!(value(&rows, "weights_bf16", ""), 2e9);
    assert_eq!(value(&rows, "weights_int8", ""), 1e9);
    assert_eq!(value(&rows, "weights_int4", ""), 5e8);
}

#[test]
fn zero_paper_example_per_gpu_memory() {
    // Rajbhandari et al. 2020, Figure 1: Psi = 7.5B, K = 12, 64 GPUs.
    let rows = plan_csv(&[
        "--params",
        "7.5e9",
        "--gpus",
        "64",
        "--peak-tflops",
        "312",
        "--gpu-memory-gb",
        "32",
    ]);
    let gb = |s: &str| value(&rows, "memory_per_gpu", s) / 1e9;
    assert!((gb("DDP") - 120.0).abs() < 1e-9);
    assert!((gb("ZeRO-1") - 31.4).abs() < 0.01);
    assert!((gb("ZeRO-2") - 16.6).abs() < 0.05);
    assert!((gb("FSDP / ZeRO-3") - 1.9).abs() < 0.03);
    // On 32 GB GPUs: DDP never fits; ZeRO-1 needs 30 GB + 90 GB / G <= 32 GB -> G = 45.
    assert!(!rows.iter().any(|(q, s, _)| q == "min_gpus" && s == "DDP"));
    assert_eq!(value(&rows, "min_gpus", "ZeRO-1"), 45.0);
}

#[test]
fn chinchilla_compute_and_time_on_a100s() {
    let rows = plan_csv(&[
        "--model",
        "chinchilla",
        "--gpu",
        "a100",
        "--gpus",
        "1024",
        "--mfu",
        "0.4",
    ]);
    let six_nd = value(&rows, "flops_6nd", "");
    assert!((six_nd / 5.88e23 - 1.0).abs() < 1e-9);
    let appendix_f = value(&rows, "flops_appendix_f", "");
    assert!(
        (appendix_f / six_nd - 1.0).abs() < 0.05,
        "appendix F {appendix_f}"
    );
    let days = value(&rows, "days", "");
    assert!((days - 53.0).abs() < 0.5, "{days} days");
}

#[test]
fn llama_3_405b_compute_matches_its_paper() {
    let rows = plan_csv(&["--model", "llama-3-405b"]);
    let flops = value(&rows, "flops_6nd", "");
    assert!((flops / 3.8e25 - 1.0).abs() < 0.01, "{flops}");
}

#[test]
fn architecture_flags_count_parameters() {
    let rows = plan_csv(&[
        "--layers",
        "80",
        "--d-model",
        "8192",
        "--heads",
        "64",
        "--ffw",
        "32768",
        "--tokens",
        "1.4e12",
    ]);
    assert!((value(&rows, "n_params", "") / 6.4687e10 - 1.0).abs() < 1e-4);
    assert!(value(&rows, "activations_per_gpu", "") > 0.0);
}

#[test]
fn budget_and_fit_plan_the_compute_optimal_model_with_intervals() {
    let dir = temp_dir();
    let csv = dir.path().join("runs.csv");
    let fit = dir.path().join("fit.json");
    assert!(
        run(&["simulate", "--out", csv.to_str().unwrap()])
            .status
            .success()
    );
    let out = run(&[
        "optimal",
        csv.to_str().unwrap(),
        "--bootstrap",
        "30",
        "--out",
        fit.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&[
        "plan",
        "--budget",
        "1e24",
        "--fit",
        fit.to_str().unwrap(),
        "--gpus",
        "1024",
        "--gpu",
        "h100",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("compute-optimal for 1.000e24 FLOPs: N*"),
        "{text}"
    );
    assert!(text.contains(" ["), "intervals expected: {text}");
    assert!(text.contains("h100-sxm"), "{text}");
    assert!(text.contains("FSDP / ZeRO-3"), "{text}");

    // The allocation command assesses catalogue models against the same fit.
    let out = run(&[
        "optimal",
        "--fit",
        fit.to_str().unwrap(),
        "--assess-model",
        "gpt-3",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let a = &v["answers"]["assessments"][0];
    assert_eq!(a["name"], "gpt-3");
    assert!(
        a["compute_ratio"]["value"].as_f64().unwrap() > 1.5,
        "GPT-3 was undertrained: {a}"
    );
}

#[test]
fn bad_plans_are_rejected_with_exit_code_2() {
    let cases: [(&[&str], &str); 9] = [
        (&["--params", "0"], "invalid --params"),
        (&["--params", "-5e9"], "invalid --params"),
        (&["--params", "1e9", "--tokens", "0"], "invalid --tokens"),
        (
            &["--params", "1e9", "--gpu", "tpu-v9"],
            "unknown accelerator 'tpu-v9'; known: v100",
        ),
        (
            &["--params", "1e9", "--gpu", "a100", "--gpus", "0"],
            "invalid --gpus",
        ),
        (
            &["--params", "1e9", "--gpu", "a100", "--mfu", "1.5"],
            "invalid --mfu",
        ),
        (&["--layers", "80", "--d-model", "8192"], "give all three"),
        (&["--model", "gpt-7"], "unknown model 'gpt-7'"),
        (
            &["--model", "gpt-3", "--params", "1e9"],
            "describe the model one way",
        ),
    ];
    for (args, needle) in cases {
        let mut all = vec!["plan"];
        all.extend_from_slice(args);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    let out = run(&[
        "plan",
        "--params",
        "1e9",
        "--gpu",
        "v100",
        "--compute-precision",
        "bf16",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no bf16 figure for v100"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_model_too_large_for_any_number_of_gpus_says_so() {
    let out = run(&[
        "plan",
        "--model",
        "gpt-3",
        "--gpu",
        "rtx-4090",
        "--gpus",
        "8",
        "--recompute",
        "none",
        "--micro-batch",
        "64",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("does not fit on any number of rtx-4090"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_catalogue_model_takes_a_given_sequence_length_with_a_note_and_refuses_another_vocabulary() {
    let run = |extra: &[&str]| {
        let mut args = vec![
            "plan",
            "--model",
            "chinchilla",
            "--gpu",
            "a100",
            "--gpus",
            "64",
        ];
        args.extend_from_slice(extra);
        crate::common::bin().args(&args).output().unwrap()
    };
    let plain = run(&[]);
    let longer = run(&["--seq-len", "4096"]);
    assert!(
        longer.status.success(),
        "{}",
        crate::common::stderr(&longer)
    );
    assert!(
        crate::common::stderr(&longer)
            .contains("training sequence length 4096 (--seq-len) instead of the 2048"),
        "{}",
        crate::common::stderr(&longer)
    );
    // The activations grow with the sequence: the plan is not the catalogue's any more.
    assert_ne!(plain.stdout, longer.stdout);
    let same = run(&["--vocab", "32000"]);
    assert!(same.status.success());
    assert_eq!(same.stdout, plain.stdout);
    let other = run(&["--vocab", "50000"]);
    assert_eq!(other.status.code(), Some(2));
    assert!(
        crate::common::stderr(&other)
            .contains("invalid --vocab: chinchilla has a vocabulary of 32000"),
        "{}",
        crate::common::stderr(&other)
    );
    // A length of 0 is refused, and not first announced as a replacement.
    let zero = run(&["--seq-len", "0"]);
    assert_eq!(zero.status.code(), Some(2));
    let err = crate::common::stderr(&zero);
    assert!(
        err.contains("invalid --seq-len: must be a positive whole number"),
        "{err}"
    );
    assert!(!err.contains("instead of"), "{err}");
}
