//! Issue 14: from a fitted law to a decision — budgets in hardware units, shapes, sweep design,
//! Chinchilla's Table 3 and the BloombergGPT case.

use std::path::{Path, PathBuf};

use scaling_laws::answer::allocation::Allocator;
use scaling_laws::answer::table3::{HOFFMANN_TABLE3, table3};
use scaling_laws::law::ChinchillaLaw;
use scaling_laws::plan::{Architecture, Embeddings};
use scaling_laws::saved::SavedFit;

use crate::common::{rel_diff, run, shared_data, stderr, stdout, temp_dir};

const SWEEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/simulated_sweep.csv");

/// A fit of the shipped simulated sweep with 30 bootstrap draws, saved in `dir`.
fn saved_fit(dir: &Path) -> PathBuf {
    let fit = dir.join("fit.json");
    let out = run(&[
        "optimal",
        SWEEP,
        "--bootstrap",
        "30",
        "--out",
        fit.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    fit
}

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn gpu_days_are_converted_by_hand_and_spent_in_those_days() {
    let dir = temp_dir();
    let fit = saved_fit(dir.path());
    let fit = fit.to_str().unwrap();
    let v = json_of(&[
        "optimal", "--fit", fit, "--gpu", "h100", "--gpus", "512", "--days", "30", "--format",
        "json",
    ]);
    let d = &v["decisions"][0];
    // 512 × 989e12 FLOP/s (H100 SXM, BF16 dense) × 0.4 × 30 × 86400 s.
    let hand = 512.0 * 989e12 * 0.4 * 30.0 * 86400.0;
    assert!(rel_diff(d["budget"]["flops"].as_f64().unwrap(), hand) < 1e-12);
    assert_eq!(
        d["budget"]["statement"],
        "512 × h100-sxm (989 TFLOP/s bf16 dense) × 30 days × MFU 0.40 = 5.25e23 FLOPs"
    );
    let answered = v["answers"]["budgets"][0]["compute"]["value"]
        .as_f64()
        .unwrap();
    assert!(rel_diff(answered, hand) < 1e-12);
    assert!(rel_diff(d["plan"]["time"]["days"].as_f64().unwrap(), 30.0) < 1e-9);
    assert_eq!(d["gpu_count"]["how"], "given");
    assert_eq!(d["plan"]["hardware"]["gpus"], 512);
    // N* of the allocation is the planned model.
    assert_eq!(
        d["plan"]["model"]["n_params"],
        d["allocation"]["n_params"]["value"]
    );
    // The text says the conversion.
    let out = run(&[
        "optimal", "--fit", fit, "--gpu", "h100", "--gpus", "512", "--days", "30",
    ]);
    assert!(stdout(&out).contains("Budget: 512 × h100-sxm (989 TFLOP/s bf16 dense)"));
}

#[test]
fn plan_and_optimal_give_the_same_plan_for_the_same_budget() {
    let dir = temp_dir();
    let fit = saved_fit(dir.path());
    let fit = fit.to_str().unwrap();
    let flags = [
        "--fit",
        fit,
        "--gpu",
        "a100-40gb",
        "--gpu-hours",
        "1.3e6",
        "--mfu",
        "0.24",
        "--shape",
        "--format",
        "json",
    ];
    let from_plan = json_of(&[&["plan"][..], &flags[..]].concat());
    let from_optimal = json_of(&[&["optimal"][..], &flags[..]].concat());
    assert_eq!(from_plan, from_optimal["decisions"][0]);
    // 1.3e6 h × 3600 s × 312e12 FLOP/s × 0.24.
    let flops = from_plan["budget"]["flops"].as_f64().unwrap();
    assert!(rel_diff(flops, 3.504_384e23) < 1e-12);
    // No --gpus: the fewest A100-40GB that hold the model under FSDP, and the days follow.
    assert_eq!(from_plan["gpu_count"]["how"], "fewest-sharded");
    let gpus = from_plan["gpu_count"]["gpus"].as_f64().unwrap();
    let days = from_plan["plan"]["time"]["days"].as_f64().unwrap();
    assert!(rel_diff(days, 1.3e6 / gpus / 24.0) < 1e-9);
    // The plan uses the top-ranked shape.
    assert_eq!(
        from_plan["plan"]["model"]["architecture"],
        from_plan["shapes"][0]["architecture"]
    );
    // A budget in FLOPs with --gpus gives the plan command's usual rows plus the budget's.
    let out = run(&[
        "plan", "--fit", fit, "--budget", "1e23", "--gpu", "h100", "--gpus", "64", "--format",
        "csv",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("budget_flops,,100000000000000000000000,FLOPs"),
        "{text}"
    );
    assert!(text.contains("gpus,,64,GPUs"), "{text}");
}

#[test]
fn bad_budgets_are_rejected_with_exit_code_2() {
    let dir = temp_dir();
    let fit = saved_fit(dir.path());
    let fit = fit.to_str().unwrap();
    let cases: [(&[&str], &str); 9] = [
        (
            &["--gpu", "tpu-v9", "--gpu-hours", "1e6"],
            "unknown accelerator 'tpu-v9'; known: v100",
        ),
        (&["--gpu", "h100", "--days", "30"], "invalid --gpus"),
        (
            &[
                "--gpu",
                "h100",
                "--gpus",
                "8",
                "--days",
                "3",
                "--gpu-hours",
                "5",
            ],
            "give the budget one way",
        ),
        (
            &["--gpu", "h100", "--dollars", "1e6"],
            "invalid --price-per-gpu-hour",
        ),
        (&["--gpu-hours", "1e6"], "needs the accelerator it runs on"),
        (
            &["--gpu", "h100", "--gpu-hours", "-5"],
            "invalid --gpu-hours",
        ),
        (
            &["--gpu", "h100", "--gpu-hours", "1e6", "--mfu", "0"],
            "invalid --mfu",
        ),
        (
            &["--gpu", "v100", "--gpu-hours", "1e6"],
            "the catalogue has no bf16 figure for v100",
        ),
        (
            &["--gpu", "h100", "--gpus", "0", "--days", "3"],
            "invalid --gpus",
        ),
    ];
    for command in ["optimal", "plan"] {
        for (args, needle) in cases {
            let all = [&[command, "--fit", fit][..], args].concat();
            let out = run(&all);
            assert_eq!(out.status.code(), Some(2), "{all:?}: {}", stderr(&out));
            assert!(stderr(&out).contains(needle), "{all:?}: {}", stderr(&out));
        }
    }
    let out = run(&["plan", "--gpu", "h100", "--gpu-hours", "1e6"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid --fit"), "{}", stderr(&out));
    let out = run(&[
        "plan",
        "--fit",
        fit,
        "--budget",
        "1e23",
        "--gpu",
        "h100",
        "--gpu-hours",
        "1e6",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("give the budget one way"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn shapes_are_within_one_percent_and_counted_as_appendix_f() {
    let out = run(&[
        "plan", "--shape", "7e9", "--vocab", "50304", "--format", "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |row: &[&str], name: &str| -> f64 {
        row[header.iter().position(|h| *h == name).unwrap()]
            .parse()
            .unwrap()
    };
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.len() >= 3, "{text}");
    for row in &rows {
        let arch = Architecture {
            layers: col(row, "layers") as u64,
            d_model: col(row, "d_model") as u64,
            heads: col(row, "heads") as u64,
            key_size: col(row, "head_dim") as u64,
            ffw: col(row, "ffw") as u64,
            vocab: col(row, "vocab") as u64,
            seq_len: col(row, "seq_len") as u64,
            gated_ffw: row[header.iter().position(|h| *h == "gated_ffw").unwrap()] == "true",
            embeddings: match row[header.iter().position(|h| *h == "embeddings").unwrap()] {
                "untied" => Embeddings::Untied,
                _ => Embeddings::Tied,
            },
        };
        assert_eq!(arch.vocab, 50304);
        assert!(rel_diff(arch.params(), 7e9) <= 0.01, "{row:?}");
        assert_eq!(arch.d_model % 128, 0);
        assert_eq!(arch.heads % 8, 0, "{row:?}");
        assert!((64..=128).contains(&arch.key_size));
        assert_eq!(col(row, "flops_per_token"), arch.training_flops_per_token());
    }
    // The text names each rule's source.
    let out = run(&["plan", "--shape", "7e9"]);
    let text = stdout(&out);
    for source in [
        "Table A9",
        "arXiv:2302.13971",
        "arXiv:2402.00838",
        "arXiv:2501.00656",
        "FSDP / ZeRO-3",
    ] {
        assert!(text.contains(source), "{source}: {text}");
    }
    let out = run(&["plan", "--shape", "7e9", "--params", "1e9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("describe the model one way"));
}

#[test]
fn design_brackets_the_minimum_and_writes_a_launch_csv() {
    let dir = temp_dir();
    let fit = saved_fit(dir.path());
    let runs = dir.path().join("runs.csv");
    let out = run(&[
        "design",
        "--fit",
        fit.to_str().unwrap(),
        "--budget",
        "1e20",
        "--budget",
        "1e21",
        "--sizes",
        "7",
        "--shape",
        "--gpu",
        "h100",
        "--gpus",
        "8",
        "--out",
        runs.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&runs).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| {
            l.split(',')
                .enumerate()
                .map(|(i, v)| match header[i] {
                    "gpu" | "gated_ffw" | "embeddings" => 0.0,
                    _ => v.parse().unwrap(),
                })
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 14);
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for budget in [1e20, 1e21] {
        let sweep: Vec<&Vec<f64>> = rows
            .iter()
            .filter(|r| r[col("budget_flops")] == budget)
            .collect();
        assert_eq!(sweep.len(), 7);
        for r in &sweep {
            assert!(rel_diff(6.0 * r[col("n_params")] * r[col("n_tokens")], budget) < 1e-12);
            assert!(rel_diff(r[col("days")], r[col("gpu_hours")] / 8.0 / 24.0) < 1e-9);
            assert!(r[col("layers")] >= 1.0);
        }
        // The predicted loss is lowest inside the sweep, not at either end.
        let losses: Vec<f64> = sweep.iter().map(|r| r[col("predicted_loss")]).collect();
        let best = losses
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert!((1..6).contains(&best), "{losses:?}");
    }
    // The launch file never replaces the fit it was designed from.
    let before = std::fs::read(&fit).unwrap();
    let out = run(&[
        "design",
        "--fit",
        fit.to_str().unwrap(),
        "--budget",
        "1e20",
        "--out",
        fit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(std::fs::read(&fit).unwrap(), before);
    // Without a fit: 20 tokens per parameter at the centre.
    let out = run(&[
        "design", "--budget", "1.2e21", "--sizes", "3", "--format", "csv",
    ]);
    let text = stdout(&out);
    let centre: Vec<&str> = text.lines().nth(2).unwrap().split(',').collect();
    assert!(rel_diff(centre[2].parse().unwrap(), (1.2e21f64 / 120.0).sqrt()) < 1e-9);
    for (args, flag) in [
        (&["design"][..], "invalid --budget"),
        (
            &["design", "--budget", "1e20", "--sizes", "2"][..],
            "invalid --sizes",
        ),
        (
            &["design", "--budget", "1e20", "--span", "0.5"][..],
            "invalid --span",
        ),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(flag), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn table3_of_a_fit_projects_the_paper_s_sizes() {
    let dir = temp_dir();
    let saved = SavedFit::load(&saved_fit(dir.path())).unwrap();
    let t = table3(&saved.report.fitted, saved.bootstrap.as_ref(), 0.95, 6.0).unwrap();
    // The sweep is simulated from Hoffmann et al.'s own law: its projection is that law's,
    // within the spread of 108 noisy runs.
    let truth = Allocator::new(ChinchillaLaw::HOFFMANN_2022, 6.0).unwrap();
    assert_eq!(t.rows.len(), 9);
    for (row, paper) in t.rows.iter().zip(HOFFMANN_TABLE3) {
        assert_eq!(row.paper, paper);
        let c = row.flops.value;
        assert!(rel_diff(c, 6.0 * row.n_params * row.tokens.value) < 1e-12);
        assert!(row.flops.lower.unwrap() <= c && c <= row.flops.upper.unwrap());
        let want = truth.optimal_for_params(row.n_params).compute;
        assert!(
            (c / want).ln().abs() < 1.0,
            "{}: {c} vs {want}",
            row.n_params
        );
        assert!(rel_diff(row.flops_ratio, c / paper.flops) < 1e-12);
    }
}

#[test]
fn chinchilla_command_writes_table3_beside_the_paper() {
    let Some(path) = shared_data("chinchilla_epoch_svg_extracted.csv") else {
        return;
    };
    let dir = temp_dir();
    let out_dir = dir.path().join("chinchilla");
    let out = run(&[
        "chinchilla",
        "--data",
        path.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--bootstrap",
        "50",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The answer on standard output, then the files written.
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Compute-optimal allocation"), "{text}");
    assert!(
        text.contains("N* (parameters)") && text.contains("5.760e23"),
        "{text}"
    );
    assert!(
        text.contains("(summary.txt holds the whole report)"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("table3.json"), "{text}");
    let summary = std::fs::read_to_string(out_dir.join("summary.txt")).unwrap();
    assert!(summary.contains("Chinchilla Table 3"), "{summary}");
    let csv = std::fs::read_to_string(out_dir.join("table3.csv")).unwrap();
    assert_eq!(csv.lines().count(), 10);
    assert!(csv.lines().nth(1).unwrap().starts_with("4e8,"), "{csv}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("table3.json")).unwrap())
            .unwrap();
    assert_eq!(json["rows"][3]["paper"]["flops"], 5.76e23);
}

#[test]
fn bloomberggpt_budget_and_model() {
    let dir = temp_dir();
    let fit = saved_fit(dir.path());
    let fit = fit.to_str().unwrap();
    let v = json_of(&[
        "optimal",
        "--fit",
        fit,
        "--gpu",
        "a100",
        "--gpu-hours",
        "1.3e6",
        "--assess-model",
        "bloomberggpt",
        "--format",
        "json",
    ]);
    let a = &v["answers"]["assessments"][0];
    assert_eq!(a["name"], "bloomberggpt");
    assert!(rel_diff(a["compute"].as_f64().unwrap(), 6.0 * 50.6e9 * 569e9) < 1e-12);
    // 1.3e6 A100-hours at the default MFU 0.4: 1.3e6 × 3600 × 312e12 × 0.4.
    let flops = v["decisions"][0]["budget"]["flops"].as_f64().unwrap();
    assert!(rel_diff(flops, 5.840_64e23) < 1e-12);
}
