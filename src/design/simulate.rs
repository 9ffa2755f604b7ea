//! Synthetic sweeps drawn from a known law, for examples, tests and benchmarks.
//!
//! The design mimics an IsoFLOP sweep (Hoffmann et al. 2022, Approach 2): for each compute
//! budget `C`, model sizes log-spaced around the law's compute-optimal size `N*(C)` (from
//! `N*/span` to `N*·span`), tokens `D = C / (k·N)`, and a loss with multiplicative noise. The
//! law may be of any family ([`crate::law::Law`]); `N*(C)` is its allocation (closed-form or
//! numeric, [`crate::answer::allocation`]), or 20 tokens per parameter for a law of compute alone. A
//! family that reads unique tokens sees every token fresh (`U = D`). For Chinchilla:
//!
//! ```text
//! L_i = L(N_i, D_i) · exp(sigma · z_i),   z_i ~ Normal(0, 1)
//! N*(C) = G · (C/k)^a,   G = (alpha·A / (beta·B))^(1/(alpha+beta)),   a = beta/(alpha+beta)
//! ```
//!
//! Random numbers come from ChaCha8 seeded with `seed`, so a seed gives the same table on
//! every machine and every version of this crate's dependencies that keeps ChaCha8 stable.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::answer::allocation::Allocator;
use crate::error::Error;
use crate::finite::compact;
use crate::law::{ChinchillaLaw, Law, LawRef, Row};

/// The nine IsoFLOP budgets of Hoffmann et al. 2022, Figure 3 (FLOPs).
pub const CHINCHILLA_ISOFLOP_BUDGETS: [f64; 9] =
    [6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21];

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationDesign {
    /// The true law.
    pub law: Law,
    /// Compute budgets, FLOPs.
    pub budgets: Vec<f64>,
    /// Model sizes per budget.
    pub sizes_per_budget: usize,
    /// Sizes run from `N*/span` to `N*·span`.
    pub span: f64,
    /// Standard deviation of the log-loss noise (0.01 = about 1% multiplicative).
    pub noise_sd: f64,
    /// `k` in `C = k·N·D`.
    pub flops_per_param_token: f64,
    /// Seed of the random stream.
    pub seed: u64,
}

impl Default for SimulationDesign {
    fn default() -> Self {
        SimulationDesign {
            law: ChinchillaLaw::HOFFMANN_2022.into(),
            budgets: CHINCHILLA_ISOFLOP_BUDGETS.to_vec(),
            sizes_per_budget: 12,
            span: 10.0,
            noise_sd: 0.01,
            flops_per_param_token: 6.0,
            seed: 20220329,
        }
    }
}

/// One simulated run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SimulatedRun {
    /// The budget it belongs to, FLOPs.
    pub flops_budget: f64,
    /// Model parameters N.
    pub n_params: f64,
    /// Training tokens D.
    pub n_tokens: f64,
    /// Training compute `k·N·D`, FLOPs.
    pub flops: f64,
    /// Unique tokens `U = D / epochs` (`D`: every token fresh, unless drawn by
    /// [`simulate_repeated`]).
    #[serde(default)]
    pub unique_tokens: f64,
    /// Noise-free loss from the law.
    pub true_loss: f64,
    /// Observed loss.
    pub loss: f64,
}

/// Compute-optimal model size `N*(C)` of `law` for budget `c` with `C = k·N·D`.
pub fn optimal_params(law: &ChinchillaLaw, c: f64, k: f64) -> f64 {
    let g = (law.alpha * law.param_coef / (law.beta * law.data_coef))
        .powf(1.0 / (law.alpha + law.beta));
    g * (c / k).powf(law.params_exponent())
}

/// Draw a sweep.
///
/// # Errors
///
/// [`Error::InvalidOption`] for non-positive budgets, k or sizes, a span outside
/// [1, [`MAX_SPAN`]], a noise level outside [0, [`MAX_NOISE_SD`]], more runs than fit in
/// memory, or budgets so extreme that a run's figures overflow or that a run would have fewer
/// than one parameter or one token.
///
/// # Examples
///
/// ```
/// use scaling_laws::design::simulate::{simulate, SimulationDesign};
/// let runs = simulate(&SimulationDesign::default()).unwrap();
/// assert_eq!(runs.len(), 9 * 12);
/// assert!(runs.iter().all(|r| (r.flops / (6.0 * r.n_params * r.n_tokens) - 1.0).abs() < 1e-12));
/// ```
pub fn simulate(design: &SimulationDesign) -> Result<Vec<SimulatedRun>, Error> {
    draw(design, None)
}

/// Largest number of epochs values of [`simulate_repeated`].
pub const MAX_EPOCHS_VALUES: usize = 1000;

/// Draw a sweep that repeats data: each run of the [`simulate`] design is trained once for
/// each number of `epochs`, on `U = D / epochs` unique tokens, so that a law reading unique
/// tokens (the data-constrained family) sees repeated data. Runs come budget by budget, size by
/// size, in the order of `epochs`.
///
/// # Errors
///
/// Those of [`simulate`]; [`Error::InvalidOption`] (naming `--epochs`) when `epochs` is empty,
/// holds more than [`MAX_EPOCHS_VALUES`] values, or a value that is not a finite number of at
/// least 1, or when the law does not read unique tokens (repeated data would not change it).
///
/// # Examples
///
/// ```
/// use scaling_laws::law::{DataConstrainedLaw, Law, LawRef};
/// use scaling_laws::design::simulate::{simulate_repeated, SimulationDesign};
/// let theta = DataConstrainedLaw::MUENNIGHOFF_2023.theta().to_vec();
/// let design = SimulationDesign {
///     law: Law::new(LawRef::named("data-constrained").unwrap(), theta),
///     ..SimulationDesign::default()
/// };
/// let runs = simulate_repeated(&design, &[1.0, 4.0]).unwrap();
/// assert_eq!(runs.len(), 9 * 12 * 2);
/// assert!((runs[1].n_tokens / runs[1].unique_tokens - 4.0).abs() < 1e-12);
/// assert!(runs[1].true_loss > runs[0].true_loss);
/// ```
pub fn simulate_repeated(
    design: &SimulationDesign,
    epochs: &[f64],
) -> Result<Vec<SimulatedRun>, Error> {
    if epochs.is_empty() || epochs.len() > MAX_EPOCHS_VALUES {
        return Err(Error::invalid_option(
            "--epochs",
            format!(
                "give between 1 and {MAX_EPOCHS_VALUES} numbers of epochs, got {}",
                epochs.len()
            ),
        ));
    }
    if let Some(bad) = epochs.iter().find(|e| !(e.is_finite() && **e >= 1.0)) {
        return Err(Error::invalid_option(
            "--epochs",
            format!("epochs must be finite numbers of at least 1 (one pass), got {bad}"),
        ));
    }
    if !design
        .law
        .family()
        .family()
        .inputs()
        .contains(&crate::law::Input::UniqueTokens)
    {
        return Err(Error::invalid_option(
            "--epochs",
            format!(
                "the {} law does not read unique tokens, so repeating data would not change it; use --law data-constrained",
                design.law.family()
            ),
        ));
    }
    validate(design)?;
    crate::resources::require_memory(
        "--epochs",
        epochs.len() as f64,
        BYTES_PER_RUN * (design.budgets.len() * design.sizes_per_budget) as f64,
        &format!(
            "{} runs per number of epochs",
            design.budgets.len() * design.sizes_per_budget
        ),
    )?;
    draw(design, Some(epochs))
}

fn draw(design: &SimulationDesign, epochs: Option<&[f64]>) -> Result<Vec<SimulatedRun>, Error> {
    validate(design)?;
    let k = design.flops_per_param_token;
    let noise = Normal::new(0.0, design.noise_sd)
        .map_err(|e| Error::invalid_option("--noise", e.to_string()))?;
    let mut rng = ChaCha8Rng::seed_from_u64(design.seed);
    let m = design.sizes_per_budget;
    let allocator = Allocator::new(design.law.clone(), k)?;
    let mut runs = Vec::with_capacity(design.budgets.len() * m);
    for &budget in &design.budgets {
        let centre = if allocator.has_allocation() {
            allocator.optimal_for_compute(budget).n_params
        } else {
            (budget / (20.0 * k)).sqrt()
        };
        if centre.is_nan() {
            return Err(Error::invalid_option(
                "--budgets",
                format!(
                    "budget {} FLOPs: the {} law has no compute-optimal size there to centre \
                     the sweep on; choose budgets nearer real sweeps (e.g. 1e18 to 1e26)",
                    compact(budget),
                    design.law.family()
                ),
            ));
        }
        for j in 0..m {
            let t = if m == 1 {
                0.0
            } else {
                2.0 * j as f64 / (m - 1) as f64 - 1.0
            };
            let size = centre * design.span.powf(t);
            let n_params = size.round().max(1.0);
            let n_tokens = budget / (k * n_params);
            check_size(budget, size, n_tokens)?;
            for &e in epochs.unwrap_or(&[1.0]) {
                let mut row = Row::new(n_params, n_tokens, k);
                let unique_tokens = n_tokens / e;
                if epochs.is_some() {
                    row = row.with_unique_tokens(unique_tokens);
                }
                let true_loss = design.law.loss_run(n_params, n_tokens, &row);
                let z: f64 = noise.sample(&mut rng);
                let run = SimulatedRun {
                    flops_budget: budget,
                    n_params,
                    n_tokens,
                    flops: k * n_params * n_tokens,
                    unique_tokens,
                    true_loss,
                    loss: true_loss * z.exp(),
                };
                check_run(&run)?;
                runs.push(run);
            }
        }
    }
    Ok(runs)
}

/// Largest accepted noise level: a log-loss standard deviation of 1 already scatters losses by
/// a factor e; beyond it the "sweep" is noise, and `exp(sigma·z)` soon overflows.
pub const MAX_NOISE_SD: f64 = 1.0;

/// Largest accepted span: sizes from N*/10^6 to N*·10^6 cover twelve decades around the optimum.
pub const MAX_SPAN: f64 = 1e6;

/// Memory one simulated run takes until it is written: the run (48 bytes), its five output
/// columns (40), the table the writer builds (40) and its text (about 100), rounded up.
pub const BYTES_PER_RUN: f64 = 256.0;

/// Check a design's every option, its memory included, before any run is drawn.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming the option at fault.
pub fn validate(design: &SimulationDesign) -> Result<(), Error> {
    let positive = Error::require_positive;
    for &b in &design.budgets {
        positive("--budgets", b)?;
    }
    if design.budgets.is_empty() {
        return Err(Error::invalid_option(
            "--budgets",
            "give at least one budget",
        ));
    }
    if design.sizes_per_budget == 0 {
        return Err(Error::invalid_option(
            "--sizes-per-budget",
            "must be at least 1",
        ));
    }
    crate::resources::require_memory(
        "--sizes-per-budget",
        design.sizes_per_budget as f64,
        BYTES_PER_RUN * design.budgets.len() as f64,
        &format!("{} budgets of simulated runs", design.budgets.len()),
    )?;
    if !(design.span.is_finite() && (1.0..=MAX_SPAN).contains(&design.span)) {
        return Err(Error::invalid_option(
            "--span",
            format!(
                "must lie between 1 and {MAX_SPAN} (sizes from N*/SPAN to N*·SPAN), got {}",
                compact(design.span)
            ),
        ));
    }
    Error::require_flops_per_param_token(design.flops_per_param_token)?;
    if !(design.noise_sd.is_finite() && (0.0..=MAX_NOISE_SD).contains(&design.noise_sd)) {
        return Err(Error::invalid_option(
            "--noise",
            format!(
                "must lie between 0 and {MAX_NOISE_SD} (a standard deviation of log loss), got {}",
                compact(design.noise_sd)
            ),
        ));
    }
    Ok(())
}

/// A run of fewer than one parameter (`size` before rounding) or one token is degenerate: the
/// budget is too small for the sweep.
fn check_size(budget: f64, size: f64, n_tokens: f64) -> Result<(), Error> {
    if size >= 0.5 && n_tokens >= 1.0 {
        return Ok(());
    }
    let below = if size >= 0.5 {
        "fewer than one token"
    } else {
        "fewer than one parameter"
    };
    Err(Error::invalid_option(
        "--budgets",
        format!(
            "budget {} FLOPs is too small for a sweep: it gives a run of {below} (N = {}, \
             D = {}); choose budgets nearer real sweeps (e.g. 1e18 to 1e26), or a smaller --span",
            compact(budget),
            compact(size),
            compact(n_tokens)
        ),
    ))
}

/// A run whose figures overflowed or underflowed (budgets far beyond any real sweep).
fn check_run(run: &SimulatedRun) -> Result<(), Error> {
    let figures = [
        run.n_params,
        run.n_tokens,
        run.flops,
        run.unique_tokens,
        run.true_loss,
        run.loss,
    ];
    if figures.iter().all(|v| v.is_finite() && *v > 0.0) {
        return Ok(());
    }
    Err(Error::invalid_option(
        "--budgets",
        format!(
            "budget {} FLOPs gives a run with N = {}, D = {}, loss = {}, beyond the range of \
             double-precision numbers; choose budgets nearer real sweeps (e.g. 1e18 to 1e26), \
             or a smaller --span",
            compact(run.flops_budget),
            compact(run.n_params),
            compact(run.n_tokens),
            compact(run.loss)
        ),
    ))
}

/// The true law of a simulation from `--law NAME` (default chinchilla) and `--truth
/// NAME=VALUE,...` (parameters left out take the family's published values). The old spelling
/// `--law 'E=1.69,...'` (parameters of the Chinchilla law) still works, with the note returned.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--law` or `--truth`: an unknown family, values given twice,
/// an unknown or malformed parameter, or parameters left out of a family without published
/// values.
pub fn true_law(law: Option<&str>, truth: Option<&str>) -> Result<(Law, Option<String>), Error> {
    let mut note = None;
    let (family, truth) = match (law, truth) {
        (Some(values), None) if values.contains('=') => {
            note = Some(format!(
                "--law 'NAME=VALUE,...' is deprecated; write --truth '{values}' (--law now names the family)"
            ));
            (LawRef::chinchilla(), Some(values))
        }
        (Some(values), Some(_)) if values.contains('=') => {
            return Err(Error::invalid_option(
                "--law",
                format!(
                    "'{values}' gives parameter values, which --truth gives; --law names the family (e.g. --law chinchilla)"
                ),
            ));
        }
        (name, truth) => (LawRef::named(name.unwrap_or("chinchilla"))?, truth),
    };
    let given = match truth {
        Some(text) => crate::fit::starts::parse_assignments("--truth", text)?,
        None => Vec::new(),
    };
    let params = family.params();
    let mut pairs: Vec<(&str, f64)> = given.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let named: Vec<usize> = given
        .iter()
        .filter_map(|(n, _)| crate::law::natural_index(family.family(), n))
        .collect();
    let missing: Vec<usize> = (0..params.len()).filter(|i| !named.contains(i)).collect();
    if !missing.is_empty() {
        let Some((_, published)) = family.published() else {
            let names: Vec<&str> = missing.iter().map(|&i| params[i].natural).collect();
            return Err(Error::invalid_option(
                "--truth",
                format!(
                    "the {family} law has no published values to default to; give {} (e.g. --truth '{}')",
                    names.join(", "),
                    names
                        .iter()
                        .map(|n| format!("{n}=..."))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            ));
        };
        pairs.extend(missing.iter().map(|&i| (params[i].natural, published[i])));
    }
    Ok((Law::from_natural(family, &pairs, "--truth")?, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_runs_and_other_seed_other_runs() {
        let d = SimulationDesign::default();
        assert_eq!(simulate(&d).unwrap(), simulate(&d).unwrap());
        let other = SimulationDesign {
            seed: 7,
            ..d.clone()
        };
        assert_ne!(
            simulate(&d).unwrap()[0].loss,
            simulate(&other).unwrap()[0].loss
        );
    }

    #[test]
    fn noise_has_the_requested_spread() {
        let d = SimulationDesign {
            sizes_per_budget: 400,
            noise_sd: 0.02,
            ..Default::default()
        };
        let runs = simulate(&d).unwrap();
        let logs: Vec<f64> = runs.iter().map(|r| (r.loss / r.true_loss).ln()).collect();
        let n = logs.len() as f64;
        let mean = logs.iter().sum::<f64>() / n;
        let sd = (logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        // 3600 draws: the sample sd is within a few percent of 0.02.
        assert!((sd - 0.02).abs() < 0.001, "sd {sd}");
        assert!(mean.abs() < 0.001, "mean {mean}");
    }

    #[test]
    fn sizes_centre_on_the_optimum() {
        let d = SimulationDesign {
            sizes_per_budget: 3,
            noise_sd: 0.0,
            ..Default::default()
        };
        let runs = simulate(&d).unwrap();
        let centre = Allocator::new(d.law.clone(), 6.0)
            .unwrap()
            .optimal_for_compute(6e18)
            .n_params;
        assert!((runs[1].n_params / centre - 1.0).abs() < 1e-6);
        assert!((runs[0].n_params * 10.0 / centre - 1.0).abs() < 1e-6);
    }
}

#[cfg(test)]
mod limits_tests {
    use super::*;

    fn flag_of(design: SimulationDesign) -> String {
        match simulate(&design).unwrap_err() {
            Error::InvalidOption { flag, .. } => flag,
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn absurd_designs_are_refused_naming_the_flag() {
        let d = SimulationDesign::default;
        assert_eq!(
            flag_of(SimulationDesign {
                noise_sd: 1e308,
                ..d()
            }),
            "--noise"
        );
        assert_eq!(flag_of(SimulationDesign { span: 1e308, ..d() }), "--span");
        assert_eq!(flag_of(SimulationDesign { span: 0.5, ..d() }), "--span");
        assert_eq!(
            flag_of(SimulationDesign {
                sizes_per_budget: 100_000_000_000,
                ..d()
            }),
            "--sizes-per-budget"
        );
        let steep = ChinchillaLaw {
            beta: 5.0,
            ..ChinchillaLaw::HOFFMANN_2022
        };
        let tiny = SimulationDesign {
            budgets: vec![1e-300],
            law: steep.into(),
            ..d()
        };
        assert_eq!(flag_of(tiny), "--budgets");
    }
}
