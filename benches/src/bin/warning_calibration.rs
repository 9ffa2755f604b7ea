//! Calibration of the fit's data-quality warnings: how often does each fire on clean sweeps
//! (false alarms), and how often does it catch a fault injected into one (power)?
//!
//! Every sweep is drawn from a known truth (`scaling_laws_bench::sweeps`), written as the CSV
//! `scaling-laws simulate` writes (N, D, C = 6·N·D, loss), loaded and fitted with the default
//! options through the library call behind `scaling-laws fit`; the warnings counted are those
//! that command prints.
//!
//! - clean: Chinchilla truths, IsoFLOP grids and tokens-per-parameter ladders of 15 to 300
//!   runs, normal log-loss noise of sd 0.5%, 1% and 2%: the share of sweeps each warning fires on;
//! - the reproducer of the false outlier alarms: `simulate --budgets 1e18,1e19,1e20,1e21
//!   --sizes-per-budget 5 --seed S` (Hoffmann et al.'s law, 1% noise);
//! - faults, one per sweep: a diverged run (loss ×1.2-2), one run's tokens or parameters in
//!   thousands, a mislabelled size (N ×2 or ÷2), and whole columns in the wrong unit (tokens in
//!   thousands, compute in PFLOPs, with the compute column kept): the share caught, counting a
//!   single-run fault only when a warning names that run's row;
//! - misfit: truths the Chinchilla form cannot represent (drifting exponents, Kaplan's form):
//!   the share of sweeps the residual-trend or spread warning fires on, by the size of the
//!   misfit (rms residual of the form fitted to the noise-free losses, over the noise sd).
//!
//! Usage (from the repository root; see benches/warnings/README.md):
//!
//! ```text
//! cargo run --release -p scaling-laws-bench --bin warning_calibration -- [--sweeps N]
//!     [--seed S] [--threads T] [--parts clean,faults,misfit,reproducer]
//! ```
//!
//! `--sweeps N` is per cell (design × noise). Each sweep is seeded by (seed, part, cell,
//! sweep index) alone, so results do not depend on the number of threads.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use scaling_laws::check::holdout::HoldoutRule;
use scaling_laws::commands::DataSource;
use scaling_laws::commands::fit::{FitRequest, fit};
use scaling_laws::data::{Format, LoadOptions, load_bytes};
use scaling_laws::fit::options::FitOptions;
use scaling_laws::warnings::{Warning, WarningCode};
use scaling_laws_bench::sweeps::{
    Design, K, Truth, random_chinchilla, random_curved, random_drifting, random_drifting_strong,
    random_kaplan,
};

/// Noise levels (sd of the log loss).
const NOISE: [f64; 3] = [0.005, 0.01, 0.02];

/// The designs of the clean and fault parts: (name, design).
fn designs() -> Vec<(&'static str, Design)> {
    vec![
        (
            "isoflop 15-30 runs",
            Design::Isoflop {
                budgets: 3..=5,
                sizes: 5..=6,
            },
        ),
        ("isoflop 40-135 runs", Design::CALIBRATION_ISOFLOP),
        (
            "isoflop 150-300 runs",
            Design::Isoflop {
                budgets: 10..=15,
                sizes: 15..=20,
            },
        ),
        (
            "ladder 16-25 runs",
            Design::Ladder {
                sizes: 4..=5,
                ratios: 4..=5,
            },
        ),
        ("ladder 25-64 runs", Design::CALIBRATION_LADDER),
        (
            "ladder 100-300 runs",
            Design::Ladder {
                sizes: 10..=15,
                ratios: 10..=20,
            },
        ),
    ]
}

/// The data-quality warnings: tests of the data and the residuals.
const TESTS: [(WarningCode, &str); 4] = [
    (WarningCode::OutlyingRuns, "outlying runs"),
    (WarningCode::ResidualTrend, "residual trend"),
    (WarningCode::LargeResidualSpread, "large spread"),
    (WarningCode::ComputeColumnInconsistent, "compute column"),
];

/// A sweep as the CSV columns `simulate` writes.
#[derive(Clone)]
struct Runs {
    n: Vec<f64>,
    d: Vec<f64>,
    c: Vec<f64>,
    loss: Vec<f64>,
}

impl Runs {
    fn draw(truth: &Truth, design: &Design, sd: f64, rng: &mut ChaCha8Rng) -> Runs {
        let points = design.points(truth, rng);
        let mut runs = Runs {
            n: Vec::new(),
            d: Vec::new(),
            c: Vec::new(),
            loss: Vec::new(),
        };
        for (n, d) in points {
            let z: f64 = StandardNormal.sample(rng);
            runs.n.push(n);
            runs.d.push(d);
            runs.c.push(K * n * d);
            runs.loss.push(truth.loss(n, d) * (sd * z).exp());
        }
        runs
    }

    fn csv(&self) -> Vec<u8> {
        let mut s = String::from("n_params,n_tokens,flops,loss\n");
        for i in 0..self.n.len() {
            let _ = writeln!(
                s,
                "{:e},{:e},{:e},{}",
                self.n[i], self.d[i], self.c[i], self.loss[i]
            );
        }
        s.into_bytes()
    }

    /// The warnings `scaling-laws fit` prints for this sweep, or the error.
    fn warnings(&self) -> Result<(Vec<Warning>, f64), String> {
        let data = load_bytes(
            self.csv(),
            Format::Csv,
            "sweep.csv",
            &LoadOptions::default(),
        )
        .map_err(|e| e.to_string())?;
        let request = FitRequest {
            data: DataSource::Rows(data),
            options: FitOptions::default(),
            holdout: None,
            command_line: None,
            out: None,
        };
        let fitted = fit(&request, &|| {}).map_err(|e| e.to_string())?;
        let mut all = fitted.fit.provenance.warnings.clone();
        all.extend(fitted.fit.report.diagnostics.warnings.iter().cloned());
        Ok((all, fitted.fit.report.fitted.residual_sd))
    }
}

fn rng_for(seed: u64, part: u64, cell: usize, sweep: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ part.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.set_stream(((cell as u64) << 32) | sweep as u64);
    rng
}

fn pct(k: usize, n: usize) -> String {
    if n == 0 {
        return "–".into();
    }
    format!("{:.1}%", 100.0 * k as f64 / n as f64)
}

/// Clean sweeps: the share of sweeps each warning fires on, by design and noise.
fn clean(opts: &Options, out: &mut String) {
    let designs = designs();
    let cells: Vec<(usize, usize)> = (0..designs.len())
        .flat_map(|d| (0..NOISE.len()).map(move |s| (d, s)))
        .collect();
    let _ = writeln!(
        out,
        "### False alarms on clean sweeps ({} sweeps per row)\n",
        opts.sweeps
    );
    let _ = writeln!(
        out,
        "| design | noise | {} | other warnings (fit) | fit failed |",
        TESTS.map(|t| t.1).join(" | ")
    );
    let _ = writeln!(out, "|---|---|{}---|---|", "---|".repeat(TESTS.len()));
    for (cell, &(di, si)) in cells.iter().enumerate() {
        let results: Vec<Result<Vec<Warning>, String>> = (0..opts.sweeps)
            .into_par_iter()
            .map(|i| {
                let mut rng = rng_for(opts.seed, 1, cell, i);
                let truth = Truth::Chinchilla(random_chinchilla(&mut rng));
                let runs = Runs::draw(&truth, &designs[di].1, NOISE[si], &mut rng);
                runs.warnings().map(|w| w.0)
            })
            .collect();
        let ok: Vec<&Vec<Warning>> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        let fired = |code| {
            ok.iter()
                .filter(|w| w.iter().any(|w| w.code == code))
                .count()
        };
        let mut row = format!("| {} | {:.1}% |", designs[di].0, 100.0 * NOISE[si]);
        for (code, _) in TESTS {
            let _ = write!(row, " {} |", pct(fired(code), ok.len()));
        }
        let mut other: BTreeSet<String> = BTreeSet::new();
        for w in &ok {
            for w in w.iter() {
                if !TESTS.iter().any(|t| t.0 == w.code)
                    && w.code != WarningCode::FewRunsPerParameter
                {
                    other.insert(format!("{:?}", w.code));
                }
            }
        }
        let other_count = ok
            .iter()
            .filter(|w| {
                w.iter().any(|w| {
                    !TESTS.iter().any(|t| t.0 == w.code)
                        && w.code != WarningCode::FewRunsPerParameter
                })
            })
            .count();
        let _ = writeln!(
            row,
            " {}{} | {} |",
            pct(other_count, ok.len()),
            if other.is_empty() {
                String::new()
            } else {
                format!(" ({})", other.into_iter().collect::<Vec<_>>().join(", "))
            },
            results.len() - ok.len()
        );
        out.push_str(&row);
        eprintln!("clean: {} {:.1}% done", designs[di].0, 100.0 * NOISE[si]);
    }
}

/// The reproducer of the false outlier alarms: `simulate` 4 budgets × 5 sizes, seeds 1..=N.
fn reproducer(opts: &Options, out: &mut String) {
    use scaling_laws::design::simulate::{SimulationDesign, simulate};
    let seeds = opts.sweeps.max(30) as u64;
    let fired: Vec<bool> = (1..=seeds)
        .into_par_iter()
        .map(|seed| {
            let design = SimulationDesign {
                budgets: vec![1e18, 1e19, 1e20, 1e21],
                sizes_per_budget: 5,
                seed,
                ..SimulationDesign::default()
            };
            let sim = simulate(&design).expect("a valid design");
            let runs = Runs {
                n: sim.iter().map(|r| r.n_params).collect(),
                d: sim.iter().map(|r| r.n_tokens).collect(),
                c: sim.iter().map(|r| r.flops).collect(),
                loss: sim.iter().map(|r| r.loss).collect(),
            };
            runs.warnings()
                .is_ok_and(|w| w.0.iter().any(|w| w.code == WarningCode::OutlyingRuns))
        })
        .collect();
    let k = fired.iter().filter(|&&f| f).count();
    let _ = writeln!(
        out,
        "\n### The reproducer\n\n`scaling-laws simulate --budgets 1e18,1e19,1e20,1e21 --sizes-per-budget 5 \
         --seed S` then `fit`, S = 1..{seeds}: an outlier warning on {k} of {seeds} sweeps ({}).",
        pct(k, seeds as usize)
    );
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    Diverged,
    TokensInThousands,
    ParamsInThousands,
    MislabelledSize,
    TokenColumnInThousands,
    ComputeInPflops,
}

impl Fault {
    const ALL: [Fault; 6] = [
        Fault::Diverged,
        Fault::TokensInThousands,
        Fault::ParamsInThousands,
        Fault::MislabelledSize,
        Fault::TokenColumnInThousands,
        Fault::ComputeInPflops,
    ];

    fn name(self) -> &'static str {
        match self {
            Fault::Diverged => "diverged run (loss ×1.2-2)",
            Fault::TokensInThousands => "one run's tokens in thousands",
            Fault::ParamsInThousands => "one run's parameters in thousands",
            Fault::MislabelledSize => "mislabelled size (one run's N ×2 or ÷2)",
            Fault::TokenColumnInThousands => "tokens column in thousands",
            Fault::ComputeInPflops => "compute column in PFLOPs",
        }
    }

    /// Inject into `runs`; the 0-based run concerned, for faults of one run.
    fn inject(self, runs: &mut Runs, rng: &mut ChaCha8Rng) -> Option<usize> {
        let j = rng.random_range(0..runs.n.len());
        match self {
            Fault::Diverged => runs.loss[j] *= rng.random_range(1.2..2.0),
            Fault::TokensInThousands => runs.d[j] /= 1e3,
            Fault::ParamsInThousands => runs.n[j] /= 1e3,
            Fault::MislabelledSize => {
                runs.n[j] *= if rng.random_bool(0.5) { 2.0 } else { 0.5 };
            }
            Fault::TokenColumnInThousands => {
                runs.d.iter_mut().for_each(|d| *d /= 1e3);
                return None;
            }
            Fault::ComputeInPflops => {
                runs.c.iter_mut().for_each(|c| *c /= 1e15);
                return None;
            }
        }
        Some(j)
    }
}

/// Sweeps with one injected fault: the share caught.
fn faults(opts: &Options, out: &mut String) {
    let designs = designs();
    let _ = writeln!(
        out,
        "\n### Power on injected faults ({} sweeps per cell; a fault of one run counts as caught \
         only when a warning names that run)\n",
        opts.sweeps
    );
    let names: Vec<&str> = designs.iter().map(|d| d.0).collect();
    let _ = writeln!(out, "| fault | noise | {} |", names.join(" | "));
    let _ = writeln!(out, "|---|---|{}", "---|".repeat(designs.len()));
    for (fi, fault) in Fault::ALL.iter().enumerate() {
        for (si, &sd) in NOISE.iter().enumerate() {
            let mut row = format!("| {} | {:.1}% |", fault.name(), 100.0 * sd);
            for (di, (_, design)) in designs.iter().enumerate() {
                let cell = (fi * NOISE.len() + si) * designs.len() + di;
                let caught: Vec<Option<bool>> = (0..opts.sweeps)
                    .into_par_iter()
                    .map(|i| {
                        let mut rng = rng_for(opts.seed, 2, cell, i);
                        let truth = Truth::Chinchilla(random_chinchilla(&mut rng));
                        let mut runs = Runs::draw(&truth, design, sd, &mut rng);
                        let j = fault.inject(&mut runs, &mut rng);
                        let (w, _) = runs.warnings().ok()?;
                        Some(match j {
                            Some(j) => w.iter().any(|w| w.rows.contains(&(j + 1))),
                            None => w
                                .iter()
                                .any(|w| w.code == WarningCode::ComputeColumnInconsistent),
                        })
                    })
                    .collect();
                let n = caught.iter().flatten().count();
                let k = caught.iter().flatten().filter(|&&c| c).count();
                let _ = write!(row, " {} |", pct(k, n));
            }
            let _ = writeln!(out, "{row}");
            eprintln!("faults: {} {:.1}% done", fault.name(), 100.0 * sd);
        }
    }
}

/// A draw of a random truth.
type DrawTruth = fn(&mut ChaCha8Rng) -> Truth;

/// Bins of misfit / noise sd.
const MISFIT_BINS: [(f64, f64); 6] = [
    (0.0, 0.25),
    (0.25, 0.5),
    (0.5, 1.0),
    (1.0, 2.0),
    (2.0, 4.0),
    (4.0, f64::INFINITY),
];

/// Whether a warning says the law's form misses the data.
fn is_misfit(w: &Warning) -> bool {
    matches!(
        w.code,
        WarningCode::ResidualTrend | WarningCode::LargeResidualSpread
    )
}

/// One misfit sweep: its size, whether the warnings caught it on all runs, and the held-out
/// check of its largest compute (warned on the training runs, and each run's coverage and
/// interval width).
struct MisfitSweep {
    size: f64,
    hit: bool,
    held: Option<HeldOut>,
}

struct HeldOut {
    warned: bool,
    covered: Vec<bool>,
    widths: Vec<f64>,
    abs_log_errors: Vec<f64>,
}

impl Runs {
    /// Fit without the largest compute group (IsoFLOP) or the top 15% of compute (ladder),
    /// as the interval calibration study does, and check the held-out runs.
    fn held_out(&self, design: &Design) -> Option<HeldOut> {
        let mut sorted = self.c.clone();
        sorted.sort_by(f64::total_cmp);
        let cut = match design {
            Design::Isoflop { .. } => sorted[sorted.len() - 1] * 0.999,
            Design::Ladder { .. } => sorted[(sorted.len() as f64 * 0.85) as usize],
        };
        let k = self.c.iter().filter(|&&c| c >= cut).count();
        let data = load_bytes(
            self.csv(),
            Format::Csv,
            "sweep.csv",
            &LoadOptions::default(),
        )
        .ok()?;
        let request = FitRequest {
            data: DataSource::Rows(data),
            options: FitOptions::default(),
            holdout: Some((HoldoutRule::LargestCompute(k), 0.95)),
            command_line: None,
            out: None,
        };
        let fitted = fit(&request, &|| {}).ok()?;
        let check = fitted.fit.holdout.as_ref()?;
        let warned = fitted.fit.report.diagnostics.warnings.iter().any(is_misfit);
        let mut held = HeldOut {
            warned,
            covered: Vec::new(),
            widths: Vec::new(),
            abs_log_errors: Vec::new(),
        };
        for r in &check.runs {
            held.abs_log_errors.push(r.log_error.abs());
            if let Some((lo, hi)) = r.prediction_interval {
                held.covered.push((lo..=hi).contains(&r.observed));
                held.widths.push((hi / lo).ln());
            }
        }
        Some(held)
    }
}

/// The truths of the misfit part.
fn misfit_truths() -> [(&'static str, DrawTruth); 4] {
    [
        ("drifting exponents (|g| < 0.06)", random_drifting),
        ("drifting exponents (|g| 0.05-0.25)", random_drifting_strong),
        ("Kaplan form", random_kaplan),
        ("IsoFLOP curvature (|c| 0.005-0.05)", random_curved),
    ]
}

/// Truths of another form: the share of sweeps a misfit warning fires on, by misfit size; and
/// the coverage of the prediction intervals of the held-out largest runs.
fn misfit(opts: &Options, out: &mut String) {
    let truths = misfit_truths();
    let designs = [
        designs().swap_remove(1),
        designs().swap_remove(4),
        designs().swap_remove(2),
    ];
    let _ = writeln!(
        out,
        "\n### Misfit: truths of another form ({} sweeps per row; residual trend or large spread, \
         by misfit = rms residual of the Chinchilla form fitted to the noise-free losses / noise sd)\n",
        opts.sweeps
    );
    let bins: Vec<String> = MISFIT_BINS
        .iter()
        .map(|(lo, hi)| {
            if hi.is_finite() {
                format!("misfit {lo}-{hi}")
            } else {
                format!("misfit > {lo}")
            }
        })
        .collect();
    let _ = writeln!(
        out,
        "| truth | design | noise | all | {} |",
        bins.join(" | ")
    );
    let _ = writeln!(out, "|---|---|---|---|{}", "---|".repeat(bins.len()));
    let mut pooled: Vec<(usize, f64, bool)> = Vec::new();
    let mut coverage = String::new();
    for (ti, (tname, draw)) in truths.iter().enumerate() {
        if !opts.truths.is_empty() && !opts.truths.contains(&ti) {
            continue;
        }
        for (di, (dname, design)) in designs.iter().enumerate() {
            let mut held_all: Vec<HeldOut> = Vec::new();
            for (si, &sd) in NOISE.iter().enumerate() {
                let cell = (ti * designs.len() + di) * NOISE.len() + si;
                let found: Vec<Option<MisfitSweep>> = (0..opts.sweeps)
                    .into_par_iter()
                    .map(|i| {
                        let mut rng = rng_for(opts.seed, 3, cell, i);
                        let truth = draw(&mut rng);
                        let mut state = rng.clone();
                        let exact = Runs::draw(&truth, design, 0.0, &mut state);
                        let runs = Runs::draw(&truth, design, sd, &mut rng);
                        let held = opts.coverage.then(|| runs.held_out(design)).flatten();
                        if opts.coverage_only {
                            return Some(MisfitSweep {
                                size: f64::NAN,
                                hit: false,
                                held,
                            });
                        }
                        let (_, size) = exact.warnings().ok()?;
                        let (w, _) = runs.warnings().ok()?;
                        Some(MisfitSweep {
                            size: size / sd,
                            hit: w.iter().any(is_misfit),
                            held,
                        })
                    })
                    .collect();
                let found: Vec<MisfitSweep> = found.into_iter().flatten().collect();
                let all = found.iter().filter(|f| f.hit).count();
                let mut row = format!(
                    "| {tname} | {dname} | {:.1}% | {} |",
                    100.0 * sd,
                    pct(all, found.len())
                );
                for (lo, hi) in MISFIT_BINS {
                    let inside: Vec<_> = found
                        .iter()
                        .filter(|f| (lo..hi).contains(&f.size))
                        .collect();
                    let k = inside.iter().filter(|f| f.hit).count();
                    let _ = write!(row, " {} (n={}) |", pct(k, inside.len()), inside.len());
                }
                let _ = writeln!(out, "{row}");
                pooled.extend(found.iter().map(|f| (di, f.size, f.hit)));
                held_all.extend(found.into_iter().filter_map(|f| f.held));
                eprintln!("misfit: {tname} {dname} {:.1}% done", 100.0 * sd);
            }
            if opts.coverage {
                let _ = writeln!(coverage, "{}", coverage_row(tname, dname, &held_all));
            }
        }
    }
    let _ = writeln!(
        out,
        "\nPooled over truths and noise levels (power by misfit size):\n\n| design | {} |\n|---|{}",
        bins.join(" | "),
        "---|".repeat(bins.len())
    );
    for (di, (dname, _)) in designs.iter().enumerate() {
        let mut row = format!("| {dname} |");
        for (lo, hi) in MISFIT_BINS {
            let inside: Vec<_> = pooled
                .iter()
                .filter(|f| f.0 == di && (lo..hi).contains(&f.1))
                .collect();
            let k = inside.iter().filter(|f| f.2).count();
            let _ = write!(row, " {} (n={}) |", pct(k, inside.len()), inside.len());
        }
        let _ = writeln!(out, "{row}");
    }
    if opts.coverage {
        let _ = writeln!(
            out,
            "\n### Held-out largest compute: coverage of the 95% prediction intervals \
             (noise levels pooled; split by whether the misfit warning fired on the training runs)\n\n\
             | truth | design | sweeps warned | covered, warned | covered, not warned | median width (ln), warned | mean abs log error, warned |\n\
             |---|---|---|---|---|---|---|\n{coverage}"
        );
    }
}

fn coverage_row(tname: &str, dname: &str, held: &[HeldOut]) -> String {
    let part = |warned: bool| {
        let h: Vec<&HeldOut> = held.iter().filter(|h| h.warned == warned).collect();
        let covered: Vec<bool> = h.iter().flat_map(|h| h.covered.iter().copied()).collect();
        let mut widths: Vec<f64> = h.iter().flat_map(|h| h.widths.iter().copied()).collect();
        let errors: Vec<f64> = h
            .iter()
            .flat_map(|h| h.abs_log_errors.iter().copied())
            .collect();
        widths.sort_by(f64::total_cmp);
        let k = covered.iter().filter(|&&c| c).count();
        (
            format!("{} (n={})", pct(k, covered.len()), covered.len()),
            widths.get(widths.len() / 2).copied().unwrap_or(f64::NAN),
            if errors.is_empty() {
                "–".to_string()
            } else {
                format!("{:.4}", errors.iter().sum::<f64>() / errors.len() as f64)
            },
        )
    };
    let warned = held.iter().filter(|h| h.warned).count();
    let (cw, width, err) = part(true);
    let (cn, _, _) = part(false);
    format!(
        "| {tname} | {dname} | {warned} of {} | {cw} | {cn} | {} | {err} |",
        held.len(),
        if width.is_nan() {
            "–".to_string()
        } else {
            format!("{width:.3}")
        }
    )
}

struct Options {
    sweeps: usize,
    coverage: bool,
    coverage_only: bool,
    truths: Vec<usize>,
    seed: u64,
    parts: Vec<String>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = |m: &str| -> ! {
        eprintln!(
            "warning_calibration: {m}\nusage: warning_calibration [--sweeps N] [--seed S] \
             [--threads T] [--parts clean,faults,misfit,reproducer] [--coverage yes|only] [--truths 0,1,2,3]"
        );
        std::process::exit(2)
    };
    let mut opts = Options {
        sweeps: 200,
        coverage: false,
        coverage_only: false,
        truths: Vec::new(),
        seed: 20261207,
        parts: ["reproducer", "clean", "faults", "misfit"]
            .map(String::from)
            .to_vec(),
    };
    let mut threads = 2;
    for pair in args.chunks(2) {
        let [flag, value] = pair else {
            usage(&format!("'{}' needs a value", pair[0]))
        };
        let number = || -> u64 {
            value
                .parse()
                .unwrap_or_else(|_| usage(&format!("{flag} '{value}' is not a number")))
        };
        match flag.as_str() {
            "--sweeps" => opts.sweeps = number() as usize,
            "--seed" => opts.seed = number(),
            "--threads" => threads = number() as usize,
            "--parts" => opts.parts = value.split(',').map(String::from).collect(),
            "--coverage" => {
                opts.coverage = value == "yes" || value == "only";
                opts.coverage_only = value == "only";
            }
            "--truths" => {
                opts.truths = value
                    .split(',')
                    .map(|t| {
                        t.parse()
                            .unwrap_or_else(|_| usage(&format!("--truths '{t}' is not a number")))
                    })
                    .collect()
            }
            _ => usage(&format!("unknown option '{flag}'")),
        }
    }
    // A worker waiting inside one fit's parallel loop may steal another whole sweep (loading
    // with polars unoptimised in dev builds included) onto the same stack: give it room.
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(256 << 20)
        .build_global()
        .unwrap_or_else(|e| usage(&format!("--threads: {e}")));
    opts
}

fn main() {
    let opts = options();
    let start = std::time::Instant::now();
    let mut out = String::new();
    for part in &opts.parts {
        match part.as_str() {
            "clean" => clean(&opts, &mut out),
            "reproducer" => reproducer(&opts, &mut out),
            "faults" => faults(&opts, &mut out),
            "misfit" => misfit(&opts, &mut out),
            other => {
                eprintln!("warning_calibration: unknown part '{other}'");
                std::process::exit(2)
            }
        }
    }
    let _ = writeln!(
        out,
        "\nSeed {}, {} sweeps per cell, {:.0} s.",
        opts.seed,
        opts.sweeps,
        start.elapsed().as_secs_f64()
    );
    print!("{out}");
}
