//! Laws of the loss along a training run, each a [`CurveLaw`] in a file of its own:
//!
//! ```text
//! blind         L(t) = L0 + A·S1^−α                                   (schedule-blind)
//! annealing     L(t) = L0 + A·S1^−α − C·S2                            (Tissue et al. 2024)
//! multi-power   L(t) = L0 + A·S1^−α − B·Σ_k (η_{k−1} − η_k)·G(η_k^−γ·S_k(t)),
//!               G(x) = 1 − (C·x + 1)^−β                               (Luo et al. 2025)
//! joint         L(N, t) = E + A·N^−α + B·D_η^−β − C·U                 (across model sizes)
//! ```
//!
//! with `S1(t) = Σ_{i ≤ t} η_i` the summed learning rate, `S_k(t) = Σ_{k ≤ i ≤ t} η_i`, and
//! `S2(t) = Σ_{i ≤ t} m_i`, `m_i = λ·m_{i−1} + (η_{i−1} − η_i)` the annealing area with momentum λ.
//! Every sum starts at step 1 and includes the warmup.

mod annealing;
mod blind;
mod joint;
mod multipower;
mod rates;

pub use annealing::Annealing;
pub use blind::Blind;
pub use joint::{DecayedEnd, Joint, Spread, decayed_end, end_law, runs_differ};
pub use multipower::MultiPower;

use super::Prepared;
use crate::error::Error;

/// One parameter of a curve law.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurveParam {
    /// Its name in the formula.
    pub name: &'static str,
    /// Positive, and fitted as its logarithm.
    pub log: bool,
}

/// A law of the loss along a run.
pub trait CurveLaw: Sync + Send + std::fmt::Debug {
    /// Name used by `--law`, e.g. `multi-power`.
    fn name(&self) -> &'static str;

    /// The formula in one line of plain text.
    fn formula(&self) -> &'static str;

    /// Where the form comes from.
    fn citation(&self) -> &'static str;

    /// The parameters, in order.
    fn params(&self) -> &'static [CurveParam];

    /// The predicted loss at each checkpoint of `run` into `pred`; with `grad`, the derivatives
    /// `d pred / d theta` too (row-major: checkpoint by parameter).
    fn predict(&self, theta: &[f64], run: &Prepared, pred: &mut [f64], grad: Option<&mut [f64]>);

    /// Start points for a fit to `runs`, from the schedule-blind law's fitted `(L0, A, α)`.
    fn starts(&self, base: [f64; 3], runs: &[&Prepared]) -> Vec<Vec<f64>>;

    /// Whether the law needs each run's model size and tokens per step ([`crate::curve::RunSize`]).
    fn needs_size(&self) -> bool {
        false
    }

    /// The indices of two positive parameters `C` and `γ` that enter the law only as
    /// `C·η^−γ` (η a learning rate), if the law has them: the fit then moves C along with γ
    /// (see [`crate::curve::fit`]). None by default.
    fn rate_scale(&self) -> Option<(usize, usize)> {
        None
    }

    /// The quantities along which the law extrapolates: a prediction lies past the data where
    /// one of them exceeds the fitted runs' largest. By default the summed learning rate `S1`,
    /// the only thing a law of one model's run grows in.
    fn reach_axes(&self) -> &'static [&'static str] {
        &[SUMMED_RATE]
    }

    /// The value of each of [`CurveLaw::reach_axes`] at every checkpoint of `run`: positive,
    /// and never falling along a run.
    fn reach(&self, run: &Prepared) -> Vec<Vec<f64>> {
        vec![run.s1_at_checkpoints().collect()]
    }

    /// The loss at the last step of a run trained with the learning rates `lrs` (one per step,
    /// at least two), every step summed exactly (as [`Prepared`] with ε = 0), and with `grad`
    /// (as long as `lrs`) its derivative by each step's rate; `None` for a law that does not
    /// give it (one across model sizes). What the free schedule optimiser
    /// ([`crate::curve::free`]) minimises.
    fn last_loss_by_rates(
        &self,
        _theta: &[f64],
        _lrs: &[f64],
        _grad: Option<&mut [f64]>,
    ) -> Option<f64> {
        None
    }
}

/// The name of the summed learning rate `S1` as a direction of [`CurveLaw::reach`].
pub const SUMMED_RATE: &str = "summed learning rate S1";

/// The multi-power law's published parameters for three model sizes (Luo et al. 2025,
/// `src/config.py` of their code), `[L0, A, α, B, C, β, γ]`, fitted with Huber δ = 1e-3 on
/// the log loss to the `cosine_24000`, `constant_24000` and `wsdcon_9` curves.
pub const MULTI_POWER_PUBLISHED: [(&str, [f64; 7]); 3] = [
    (
        "25M",
        [
            3.04045406,
            0.52468604,
            0.50786857,
            363.78751622,
            2.06560812,
            0.58279013,
            0.64142257,
        ],
    ),
    (
        "100M",
        [
            2.6514477,
            0.60115152,
            0.45295811,
            437.9464276,
            2.13245612,
            0.59785199,
            0.65523644,
        ],
    ),
    (
        "400M",
        [
            2.37474466,
            0.65421216,
            0.42878731,
            523.42464371,
            2.02462735,
            0.59350493,
            0.63472457,
        ],
    ),
];

/// Momentum λ of the annealing area when not given (Tissue et al. 2024 use 0.999).
pub const DEFAULT_LAMBDA: f64 = 0.999;

/// Every curve law, with the annealing law at the default λ.
pub fn curve_laws() -> Vec<Box<dyn CurveLaw>> {
    vec![
        Box::new(Blind),
        Box::new(Annealing {
            lambda: DEFAULT_LAMBDA,
        }),
        Box::new(MultiPower),
        Box::new(Joint {
            lambda: DEFAULT_LAMBDA,
        }),
    ]
}

/// The curve law named `name`; `lambda` sets the annealing law's momentum.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--law` and the known laws, or `--lambda` outside [0, 1).
pub fn curve_law(name: &str, lambda: f64) -> Result<Box<dyn CurveLaw>, Error> {
    if !(0.0..1.0).contains(&lambda) {
        return Err(Error::InvalidOption {
            flag: "--lambda".into(),
            message: format!(
                "{lambda} is not in [0, 1); the momentum of the annealing area is usually 0.999"
            ),
        });
    }
    match name {
        "blind" => Ok(Box::new(Blind)),
        "annealing" => Ok(Box::new(Annealing { lambda })),
        "multi-power" => Ok(Box::new(MultiPower)),
        "joint" => Ok(Box::new(Joint { lambda })),
        _ => Err(Error::InvalidOption {
            flag: "--law".into(),
            message: format!(
                "`{name}` is not a curve law; known: {}",
                curve_laws()
                    .iter()
                    .map(|l| l.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// `A·S1^−α` and its derivatives by A and α from `ln S1`, shared by every law.
pub(crate) fn power_term(a: f64, alpha: f64, ln_s: f64) -> (f64, f64, f64) {
    let p = crate::fit::fastmath::exp(-alpha * ln_s);
    (a * p, p, -a * p * ln_s)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::curve::{CurveRun, schedule::Schedule};

    /// Central differences of `predict` against its gradient, relative to the gradient's size.
    pub(crate) fn check_gradient(law: &dyn CurveLaw, theta: &[f64], run: &Prepared) {
        let (n, p) = (run.len(), theta.len());
        let mut pred = vec![0.0; n];
        let mut grad = vec![0.0; n * p];
        law.predict(theta, run, &mut pred, Some(&mut grad));
        for j in 0..p {
            let h = 1e-6 * theta[j].abs().max(1e-3);
            let (mut up, mut down) = (theta.to_vec(), theta.to_vec());
            up[j] += h;
            down[j] -= h;
            let (mut pu, mut pd) = (vec![0.0; n], vec![0.0; n]);
            law.predict(&up, run, &mut pu, None);
            law.predict(&down, run, &mut pd, None);
            for i in 0..n {
                let numeric = (pu[i] - pd[i]) / (2.0 * h);
                let analytic = grad[i * p + j];
                assert!(
                    (numeric - analytic).abs() <= 1e-5 * (1.0 + analytic.abs()),
                    "{} d/d{} at checkpoint {i}: numeric {numeric}, analytic {analytic}",
                    law.name(),
                    law.params()[j].name
                );
            }
        }
    }

    pub(crate) fn wsd_run() -> Prepared {
        let lrs = Schedule::parse(
            "wsd:warmup=50,peak=3e-4,final=3e-5,decay=700,steps=1000,cooldown=exp",
            "--schedule",
        )
        .unwrap()
        .per_step();
        let steps: Vec<usize> = (1..50).map(|i| i * 20 - 7).collect();
        let loss = steps
            .iter()
            .map(|&s| 3.0 + 10.0 / (s as f64).sqrt())
            .collect();
        Prepared::new(CurveRun::new("wsd", lrs, steps, loss).unwrap(), 0.02)
    }

    #[test]
    fn every_law_s_gradient_matches_central_differences() {
        let run = wsd_run();
        check_gradient(&Blind, &[2.5, 0.6, 0.45], &run);
        check_gradient(&Annealing { lambda: 0.99 }, &[2.5, 0.6, 0.45, 0.4], &run);
        check_gradient(&MultiPower, &MULTI_POWER_PUBLISHED[2].1, &run);
        let sized = Prepared::new(run.run.clone().with_size(3e8, 5e5).unwrap(), 0.02);
        check_gradient(
            &Joint { lambda: 0.99 },
            &[1.8, 400.0, 0.34, 410.0, 0.28, 0.15],
            &sized,
        );
    }

    #[test]
    fn unknown_laws_and_momenta_are_refused_by_name() {
        assert!(
            curve_law("cosine", 0.999)
                .unwrap_err()
                .to_string()
                .contains("known: blind, annealing, multi-power, joint")
        );
        assert!(
            curve_law("annealing", 1.0)
                .unwrap_err()
                .to_string()
                .contains("--lambda")
        );
        assert_eq!(curve_law("multi-power", 0.9).unwrap().params().len(), 7);
    }
}
