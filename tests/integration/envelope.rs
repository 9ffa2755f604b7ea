//! Issue 4, Approach 1: the training-curve envelope.

use scaling_laws::data::curves::Curve;
use scaling_laws::envelope::{EnvelopeConfig, analyse};
use scaling_laws::law::ChinchillaLaw;

use crate::common::{run, shared_data, stderr, stdout};

#[test]
fn envelope_of_ideal_curves_recovers_the_allocation_exponent() {
    // Curves from a known law, as if every point were a fully trained run: the envelope then
    // traces the compute-optimal frontier, N* ∝ C^0.4516.
    let law = ChinchillaLaw::HOFFMANN_2022;
    let curves: Vec<Curve> = (0..40)
        .map(|i| {
            let n = 1e7 * 10f64.powf(i as f64 / 10.0);
            let tokens: Vec<f64> = (0..200)
                .map(|j| 1e8 * 10f64.powf(j as f64 / 40.0))
                .collect();
            Curve {
                run: format!("run{i}"),
                n_params: n,
                loss: tokens.iter().map(|&d| law.loss(n, d)).collect(),
                tokens,
            }
        })
        .collect();
    let config = EnvelopeConfig {
        n_resamples: 0,
        ..EnvelopeConfig::default()
    };
    let a = analyse(&curves, &config).unwrap();
    assert!(
        (a.params.exponent.value - 0.4516).abs() < 0.02,
        "a = {}",
        a.params.exponent.value
    );
}

#[test]
fn olmo_ladder_curves_load_with_documented_options() {
    let Some(dir) = shared_data("olmo_ladder2024/curves") else {
        return;
    };
    let mut args: Vec<String> = vec!["envelope".into()];
    for size in ["190M", "370M", "760M", "1B", "3B"] {
        for mult in ["0.5xC", "1xC-rerun", "2xC", "5xC", "10xC"] {
            args.push(
                dir.join(format!("{size}-{mult}.csv"))
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    for opt in [
        "--tokens-col",
        "throughput/total_tokens",
        "--loss-col",
        "eval/c4_en-validation/CrossEntropyLoss",
        "--run-params",
        "190M=190354176",
        "--run-params",
        "370M=371262464",
        "--run-params",
        "760M=758220288",
        "--run-params",
        "1B=1279395840",
        "--run-params",
        "3B=3169537280",
        "--bootstrap",
        "200",
        "--format",
        "json",
    ] {
        args.push(opt.into());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&refs);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["runs"], 25);
    assert_eq!(v["sizes"], 5);
    let a = &v["params"]["exponent"];
    let value = a["value"].as_f64().unwrap();
    assert!((0.15..0.6).contains(&value), "a = {value}");
    assert!(a["lower"].as_f64().unwrap() < value && value < a["upper"].as_f64().unwrap());

    // Without N for a run, the error names the flag.
    let out = run(&[
        "envelope",
        &args[1],
        "--tokens-col",
        "throughput/total_tokens",
        "--loss-col",
        "eval/c4_en-validation/CrossEntropyLoss",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--run-params PREFIX=N"),
        "{}",
        stderr(&out)
    );
}
