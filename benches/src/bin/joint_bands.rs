//! How often the joint law's prediction bands cover a larger model's training curve: the law
//! fitted to every size of a ladder but the largest, bootstrapped as `curve fit --law joint
//! --bootstrap` does, then each run of the largest size predicted as `curve predict` predicts
//! it (its schedule and size known, nothing of its losses seen).
//!
//! `cargo run --release -p scaling-laws-bench --bin joint_bands [-- --draws N --bootstrap B]`
//!
//! - Simulated: `--draws` ladders (default 40) drawn by `curve simulate --law joint` (five
//!   sizes from 50M to 800M, 10/20/40 tokens per parameter, 0.3% noise), fitted on 50M–400M,
//!   the three 800M runs predicted: the share of their checkpoints (past twice the warmup,
//!   as fitted) and of their final losses inside the 95% band, and the band's mean width.
//! - The OLMo ladder (needs `../shared/data`): fitted on the 20 runs of 190M–1B (C4 loss), the
//!   five 3B runs predicted under their logged rates.

use scaling_laws::commands::curve::{
    CurveFitRequest, CurveSimulateRequest, Trajectory, curve_fit, curve_simulate, joint_ladder,
    load_runs, trajectory,
};
use scaling_laws::curve::law::{DEFAULT_LAMBDA, curve_law};
use scaling_laws::curve::{CurveRun, Prepared, SUM_TOLERANCE};
use scaling_laws::data::checkpoints::LogOptions;
use scaling_laws_bench::olmo::{self, CURVE_MULTIPLES, SIZES, curve_files};

fn flag(name: &str, default: usize) -> usize {
    std::env::args()
        .skip_while(|a| a != name)
        .nth(1)
        .map_or(default, |v| v.parse().expect("a count"))
}

/// Checkpoints covered, checkpoints, finals covered, finals, summed relative width, and the
/// summed relative error of the point prediction.
#[derive(Default)]
struct Tally {
    inside: usize,
    total: usize,
    finals_inside: usize,
    finals: usize,
    width: f64,
    error: f64,
    final_error: f64,
    no_band: usize,
}

impl Tally {
    fn add(&mut self, run: &CurveRun, t: &Trajectory) {
        if t.lower.is_empty() {
            self.no_band += 1;
            return;
        }
        let n = run.loss.len();
        for i in 0..n {
            let y = run.loss[i];
            let inside = t.lower[i] <= y && y <= t.upper[i];
            self.inside += usize::from(inside);
            self.total += 1;
            self.width += (t.upper[i] - t.lower[i]) / y;
            self.error += (t.loss[i] - y).abs() / y;
            if i == n - 1 {
                self.finals_inside += usize::from(inside);
                self.finals += 1;
                self.final_error += (t.loss[i] - y).abs() / y;
            }
        }
    }

    fn row(&self, what: &str) {
        let pct = |a: f64, b: usize| 100.0 * a / b as f64;
        println!(
            "| {what} | {}/{} ({:.1}%) | {}/{} | {:.3}% | {:.3}% | {:.3}% | {} |",
            self.inside,
            self.total,
            pct(self.inside as f64, self.total),
            self.finals_inside,
            self.finals,
            pct(self.error, self.total),
            pct(self.final_error, self.finals),
            pct(self.width, self.total),
            self.no_band
        );
    }
}

fn write_csv(path: &std::path::Path, rows: &[&scaling_laws::commands::curve::SimulatedCheckpoint]) {
    use std::fmt::Write as _;
    let mut text = String::from("run,step,lr,loss,params,tokens_per_step\n");
    for r in rows {
        let (n, tau) = r.size.expect("a joint ladder's run has a size");
        writeln!(
            text,
            "{},{},{:e},{:e},{n:e},{tau:e}",
            r.run, r.step, r.lr, r.loss
        )
        .unwrap();
    }
    std::fs::write(path, text).expect("writing a temporary file");
}

fn simulated(draws: usize, bootstrap: usize) {
    let law = curve_law("joint", DEFAULT_LAMBDA).unwrap();
    let (schedules, params) = joint_ladder();
    let largest = params.last().unwrap().clone();
    let dir = std::env::temp_dir().join(format!("joint_bands_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut tally = Tally::default();
    for draw in 0..draws {
        let points = curve_simulate(&CurveSimulateRequest {
            law: "joint".into(),
            seed: 7_000 + draw as u64,
            ..CurveSimulateRequest::default()
        })
        .unwrap();
        let is_test = |run: &str| run.starts_with(&format!("{}-", largest.0));
        let train: Vec<_> = points.iter().filter(|p| !is_test(&p.run)).collect();
        let path = dir.join(format!("train{draw}.csv"));
        write_csv(&path, &train);
        let report = match curve_fit(
            &CurveFitRequest {
                paths: vec![path.display().to_string()],
                law: "joint".into(),
                bootstrap,
                seed: draw as u64,
                ..CurveFitRequest::default()
            },
            &|| {},
        ) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("draw {draw}: {e}");
                continue;
            }
        };
        for (name, schedule) in schedules.iter().filter(|(n, _)| is_test(n)) {
            let rows: Vec<_> = points.iter().filter(|p| &p.run == name).collect();
            let lrs = schedule.per_step();
            let run = CurveRun::new(
                name.clone(),
                lrs,
                rows.iter().map(|p| p.step).collect(),
                rows.iter().map(|p| p.loss).collect(),
            )
            .unwrap();
            let mut run = run;
            run.size = Some(scaling_laws::curve::RunSize {
                params: largest.1,
                tokens_per_step: rows[0].size.unwrap().1,
                peak_lr: schedule.peak,
            });
            let run = run.past_warmup();
            let prepared = Prepared::new(run.clone(), SUM_TOLERANCE);
            tally.add(&run, &trajectory(&report, law.as_ref(), &prepared));
        }
        eprintln!(
            "draw {draw}: {}/{} checkpoints covered so far",
            tally.inside, tally.total
        );
    }
    std::fs::remove_dir_all(&dir).ok();
    tally.row(&format!(
        "simulated, {draws} ladders, 800M predicted from 50M–400M"
    ));
}

/// The joint law fitted to the OLMo ladder's runs `train` (sizes and multiples), then each
/// run of `test` predicted with its band.
fn olmo_case(
    what: &str,
    train: (&[(&str, f64)], &[&str]),
    test: (&[(&str, f64)], &[&str]),
    bootstrap: usize,
) {
    if !olmo::dir().exists() {
        eprintln!("the OLMo ladder needs ../shared/data: skipped");
        return;
    }
    let log = |sizes: &[(&str, f64)]| LogOptions {
        loss_col: Some("eval/c4_en-validation/CrossEntropyLoss".into()),
        params: sizes.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
        ..LogOptions::default()
    };
    let report = match curve_fit(
        &CurveFitRequest {
            paths: curve_files(train.0, train.1),
            log: log(train.0),
            law: "joint".into(),
            bootstrap,
            ..CurveFitRequest::default()
        },
        &|| {},
    ) {
        Ok(report) => report,
        Err(e) => {
            println!("| {what} | no band: {e} | | | | | all |");
            return;
        }
    };
    let law = curve_law("joint", DEFAULT_LAMBDA).unwrap();
    let mut tally = Tally::default();
    for (run, _) in load_runs(&curve_files(test.0, test.1), &[], &log(test.0), &[]).unwrap() {
        let run = run.past_warmup();
        let t = trajectory(
            &report,
            law.as_ref(),
            &Prepared::new(run.clone(), SUM_TOLERANCE),
        );
        let mut single = Tally::default();
        single.add(&run, &t);
        eprintln!(
            "  {}: {}/{} covered, final {}",
            run.name,
            single.inside,
            single.total,
            if single.finals_inside == 1 {
                "inside"
            } else {
                "outside"
            }
        );
        tally.add(&run, &t);
    }
    tally.row(what);
}

fn olmo(bootstrap: usize) {
    olmo_case(
        "OLMo ladder, 3B predicted from 190M–1B",
        (&SIZES[..4], &CURVE_MULTIPLES),
        (&SIZES[4..], &CURVE_MULTIPLES),
        bootstrap,
    );
    olmo_case(
        "OLMo ladder, each size's 10xC run predicted from its 0.5xC–5xC runs",
        (&SIZES, &CURVE_MULTIPLES[..4]),
        (&SIZES, &CURVE_MULTIPLES[4..]),
        bootstrap,
    );
}

fn main() {
    let (draws, bootstrap) = (flag("--draws", 40), flag("--bootstrap", 100));
    println!(
        "| case | checkpoints inside the 95% band | final losses inside | mean error | mean error of the final loss | mean band width | runs without a band |"
    );
    println!("|---|---|---|---|---|---|---|");
    olmo(bootstrap);
    if draws > 0 {
        simulated(draws, bootstrap);
    }
}
