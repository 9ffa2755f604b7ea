//! The miss rate of the default fit's early stop ([`scaling_laws::fit::multistart`]): how often
//! stopping once r runs reach the best objective ends above the optimum of running all 100 chosen
//! starts, on every real dataset at hand and on simulated sweeps of the calibration study's
//! designs.
//!
//! ```text
//! cargo run --release -p scaling-laws-bench --bin early_stop [-- --sweeps N] [--seed S]
//! ```
//!
//! For each sweep, the 100 chosen starts are run once; each rule is replayed on those runs
//! (in its order, batches r, r, 2r, 4r, ...; each run is independent of the others, so the
//! replay makes the runs the rule would make). `EARLY_STOP_DUMP=FILE` appends each sweep's
//! runs (objective, converged, exact fit; best-ranked first) to FILE, to try other rules on. A miss is a best objective more than 1e-9
//! (relative) above the 100-run best. The default fit (r = 10) is also run through `fit` and
//! checked against its replay. Needs `../shared/data` for the real datasets (skipped when absent).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StudentT};
use rayon::prelude::*;
use scaling_laws::data::{self, ColumnNames, LoadOptions, RowFilter};
use scaling_laws::fit::multistart::{count_within, ranked_starts, strided};
use scaling_laws::fit::solver::{LocalRun, run_lbfgs};
use scaling_laws::fit::{self, FitConfig, Objective, Observations};
use scaling_laws_bench::sweeps::{
    Design, Truth, random_chinchilla, random_drifting, random_kaplan,
};

/// Rules replayed: runs that must reach the best, within what relative distance of it, and
/// whether the starts run in strided order (the library's) or best-ranked first.
const RULES: [(usize, f64, bool); 5] = [
    (5, 1e-6, false),
    (5, 1e-9, false),
    (5, 1e-9, true),
    (8, 1e-9, true),
    (10, 1e-9, true),
];
/// The library's rule.
const DEFAULT_RULE: (usize, f64, bool) = (
    fit::DEFAULT_STOP_WHEN_REACHED,
    scaling_laws::fit::multistart::STOP_RTOL,
    true,
);
/// A best objective this far above the full search's is a miss.
const MISS_RTOL: f64 = 1e-9;

/// One sweep's outcome: per rule, (runs made, relative gap above the full search's best).
struct Outcome {
    group: String,
    per_rule: Vec<(usize, f64)>,
}

fn best_of(runs: &[LocalRun]) -> f64 {
    runs.iter()
        .filter(|r| r.converged && r.objective.is_finite())
        .map(|r| r.objective)
        .fold(f64::INFINITY, f64::min)
}

/// The runs the rule `(r, rtol, strided)` makes of `ranked` (all chosen starts, best first), in
/// its order.
fn replay(ranked: &[LocalRun], (r, rtol, stride): (usize, f64, bool)) -> Vec<LocalRun> {
    let ranked = if stride {
        strided(ranked.to_vec(), r)
    } else {
        ranked.to_vec()
    };
    let mut made = 0;
    let mut batch = r;
    while made < ranked.len() {
        made = (made + batch).min(ranked.len());
        if made > r {
            batch = made;
        }
        if made < ranked.len() && count_within(&ranked[..made], rtol) >= r {
            break;
        }
    }
    ranked[..made].to_vec()
}

fn study(group: &str, obs: &Observations) -> Option<Outcome> {
    let full_config = FitConfig {
        stop_when_reached: None,
        ..FitConfig::default()
    };
    let objective = Objective::for_law(obs, full_config.law, full_config.loss);
    let grid = full_config.starts.points(&full_config.params);
    let ranked: Vec<LocalRun> = ranked_starts(&objective, &grid, full_config.selection)
        .par_iter()
        .map(|(_, s)| run_lbfgs(&objective, &full_config.params, s, &full_config.solver))
        .collect();
    let full = best_of(&ranked);
    if !full.is_finite() {
        return None;
    }
    if let Ok(path) = std::env::var("EARLY_STOP_DUMP") {
        use std::io::Write;
        let line = ranked
            .iter()
            .map(|r| {
                format!(
                    "{:e}:{}:{}",
                    r.objective,
                    u8::from(r.converged),
                    u8::from(r.is_exact_fit())
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        writeln!(f, "{group}\t{line}").ok()?;
    }
    let per_rule: Vec<(usize, f64)> = RULES
        .iter()
        .map(|&rule| {
            let made = replay(&ranked, rule);
            let best = best_of(&made);
            (
                made.len(),
                (best - full) / full.abs().max(f64::MIN_POSITIVE),
            )
        })
        .collect();
    // The library's default fit makes the runs its replay makes and reaches the same best.
    let default = fit::fit(obs, &FitConfig::default(), &|| {}).ok()?;
    let r5 = RULES.iter().position(|&rule| rule == DEFAULT_RULE)?;
    assert_eq!(
        default.diagnostics.starts_run, per_rule[r5].0,
        "{group}: the fit and its replay made different runs"
    );
    Some(Outcome {
        group: group.to_string(),
        per_rule,
    })
}

fn load(
    path: &str,
    columns: ColumnNames,
    drop: usize,
    condition: Option<&str>,
) -> Option<Observations> {
    let mut filter = RowFilter {
        drop_highest_loss: drop,
        ..RowFilter::default()
    };
    if let Some(c) = condition {
        filter
            .conditions
            .push(data::Condition::parse(c, "--where").ok()?);
    }
    let options = LoadOptions {
        columns,
        filter,
        ..LoadOptions::default()
    };
    match data::load(path, &options) {
        Ok(d) => Some(d.observations()),
        Err(e) => {
            eprintln!("skipped {path} ({condition:?}): {e}");
            None
        }
    }
}

fn cols(params: &str, tokens: &str, loss: &str) -> ColumnNames {
    ColumnNames {
        params: Some(params.into()),
        tokens: Some(tokens.into()),
        loss: Some(loss.into()),
        ..ColumnNames::default()
    }
}

/// The real datasets: (name, runs).
fn real() -> Vec<(String, Observations)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let shared = format!("{root}/../shared/data");
    let mut out = Vec::new();
    let mut add = |name: &str, obs: Option<Observations>| {
        if let Some(o) = obs {
            out.push((name.to_string(), o));
        }
    };
    add(
        "data/simulated_sweep.csv",
        load(
            &format!("{root}/data/simulated_sweep.csv"),
            ColumnNames::default(),
            0,
            None,
        ),
    );
    add(
        "chinchilla (Epoch, 240 runs)",
        load(
            &format!("{shared}/chinchilla_epoch_svg_extracted.csv"),
            ColumnNames::default(),
            5,
            None,
        ),
    );
    add(
        "chinchilla (Epoch, all 245 rows)",
        load(
            &format!("{shared}/chinchilla_epoch_svg_extracted.csv"),
            ColumnNames::default(),
            0,
            None,
        ),
    );
    let porian = format!("{shared}/porian2024/isoflop_points.csv");
    add(
        "porian2024 isoflop_points (all)",
        load(&porian, cols("n_params", "tokens", "loss"), 0, None),
    );
    for ds in ["rw", "owt2"] {
        add(
            &format!("porian2024 isoflop_points dataset={ds}"),
            load(
                &porian,
                cols("n_params", "tokens", "loss"),
                0,
                Some(&format!("dataset={ds}")),
            ),
        );
    }
    add(
        "datablations2023 c4_final_val_losses",
        load(
            &format!("{shared}/datablations2023/c4_final_val_losses.csv"),
            cols("params", "tokens", "loss"),
            0,
            None,
        ),
    );
    add(
        "olmo_ladder2024 final_points (loss_c4_en)",
        load(
            &format!("{shared}/olmo_ladder2024/final_points.csv"),
            cols("N_params", "tokens", "loss_c4_en"),
            0,
            None,
        ),
    );
    out
}

/// The calibration study's six scenarios (design, heavy-tailed noise, truth).
type TruthOf = fn(&mut ChaCha8Rng) -> Truth;
const SCENARIOS: [(&str, Design, bool, TruthOf); 6] = [
    (
        "isoflop, chinchilla, normal",
        Design::CALIBRATION_ISOFLOP,
        false,
        |r| Truth::Chinchilla(random_chinchilla(r)),
    ),
    (
        "isoflop, chinchilla, heavy+outliers",
        Design::CALIBRATION_ISOFLOP,
        true,
        |r| Truth::Chinchilla(random_chinchilla(r)),
    ),
    (
        "ladder, chinchilla, heavy+outliers",
        Design::CALIBRATION_LADDER,
        true,
        |r| Truth::Chinchilla(random_chinchilla(r)),
    ),
    (
        "isoflop, drifting, heavy+outliers",
        Design::CALIBRATION_ISOFLOP,
        true,
        random_drifting,
    ),
    (
        "isoflop, kaplan, heavy+outliers",
        Design::CALIBRATION_ISOFLOP,
        true,
        random_kaplan,
    ),
    (
        "ladder, drifting, normal",
        Design::CALIBRATION_LADDER,
        false,
        random_drifting,
    ),
];

/// Sweep `i`'s runs, as the calibration study draws them (0.5-2% noise; Student t with 3% +6 sd
/// outliers when heavy-tailed).
fn simulated(i: usize, seed: u64) -> (String, Observations) {
    let (name, design, heavy, truth) = &SCENARIOS[i % SCENARIOS.len()];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(i as u64);
    let truth = truth(&mut rng);
    let points = design.points(&truth, &mut rng);
    let sd = 10f64.powf(rng.random_range(f64::log10(0.005)..f64::log10(0.02)));
    let t3 = StudentT::new(3.0).expect("3 dof");
    let (mut n, mut d, mut l) = (vec![], vec![], vec![]);
    for (np, nt) in points {
        let z: f64 = if *heavy {
            t3.sample(&mut rng) / 3f64.sqrt()
        } else {
            rand_distr::StandardNormal.sample(&mut rng)
        };
        let outlier = *heavy && rng.random_bool(0.03);
        let e = sd * z + if outlier { 6.0 * sd } else { 0.0 };
        n.push(np);
        d.push(nt);
        l.push(truth.loss(np, nt) * e.exp());
    }
    (format!("simulated: {name}"), Observations::new(&n, &d, &l))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().expect("a number"))
    };
    let sweeps = flag("--sweeps", 300) as usize;
    let seed = flag("--seed", 20261208);
    let start = std::time::Instant::now();
    let mut outcomes = Vec::new();
    for (name, obs) in real() {
        match study(&name, &obs) {
            Some(o) => outcomes.push(o),
            None => eprintln!("{name}: no converged run"),
        }
    }
    for i in 0..sweeps {
        let (name, obs) = simulated(i, seed);
        if let Some(o) = study(&name, &obs) {
            outcomes.push(o);
        }
    }
    let mut groups: Vec<String> = outcomes.iter().map(|o| o.group.clone()).collect();
    groups.dedup();
    let mut seen = std::collections::HashSet::new();
    groups.retain(|g| seen.insert(g.clone()));
    print!("| sweeps | n |");
    for (r, rtol, stride) in RULES {
        let order = if stride { "strided" } else { "best first" };
        print!(" {r} within {rtol:.0e}, {order}: runs, misses (worst) |");
    }
    println!();
    print!("|---|---|");
    for _ in RULES {
        print!("---|");
    }
    println!();
    for g in groups.iter().map(Some).chain([None]) {
        let these: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| g.is_none_or(|g| &o.group == g))
            .collect();
        print!(
            "| {} | {} |",
            g.map_or("**all**", |s| s.as_str()),
            these.len()
        );
        for k in 0..RULES.len() {
            let runs: usize = these.iter().map(|o| o.per_rule[k].0).sum();
            let gaps: Vec<f64> = these
                .iter()
                .map(|o| o.per_rule[k].1)
                .filter(|g| g.is_nan() || *g > MISS_RTOL)
                .collect();
            let worst = gaps.iter().copied().fold(0.0, f64::max);
            let worst = if gaps.is_empty() {
                String::new()
            } else {
                format!(" ({worst:.0e})")
            };
            print!(
                " {:.1}, {}{worst} |",
                runs as f64 / these.len().max(1) as f64,
                gaps.len()
            );
        }
        println!();
    }
    eprintln!(
        "{} sweeps in {:.1} s (seed {seed}, {} threads)",
        outcomes.len(),
        start.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
}
