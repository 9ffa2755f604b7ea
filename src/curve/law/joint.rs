//! The joint law over model size and schedule, fitted to every checkpoint of a sweep:
//!
//! ```text
//! L(N, t) = E + A·N^−α + B·D_η(t)^−β − C·U(t)
//! D_η(t) = τ·Σ_{i ≤ t} η_i/η_peak              tokens at the peak rate (the forward area in tokens)
//! U(t)   = (η_peak − η_0 + (1 − λ)·S2(t))/η_peak  the fall of the rate from its peak, delayed
//! ```
//!
//! with τ the run's tokens per step, η_peak its highest rate and `S2` the annealing law's area
//! (momentum λ, [`super::Annealing`]). It is the Chinchilla form (Hoffmann et al. 2022) with the
//! data term read along the run and the annealing law's drop (Tissue et al. 2024) measured in
//! the rate relative to its peak, the form of the OLMo ladder's LR-aware variants (Bhagia et
//! al. 2024) with their size-dependence of the drop left out. Rates enter relative to each
//! run's peak because the peak is tuned per size.
//!
//! `U` is bounded: `(1 − λ)·S2` adds each change of the rate (a rise in the warmup as a
//! negative fall) with a delay of about 1/(1 − λ) steps, so `U` is 0 at the peak and, at the
//! end of a run that decayed to a fraction r of its peak, `U ≈ 1 − r`, and `D_η = κ·D` with κ the schedule's mean relative rate. For runs that share
//! a schedule shape (a ladder: every run cosine to 10%, say), the loss at each run's end is
//! therefore exactly a Chinchilla law in N and D, with `E' = E − C·U_end` and `B' = B·κ^−β`
//! ([`decayed_end`]): the compute-optimal N and D follow from every checkpoint of the sweep.

use super::{CurveLaw, CurveParam, power_term};
use crate::curve::Prepared;
use crate::law::ChinchillaLaw;

/// The joint law with momentum `lambda` of its annealing area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Joint {
    /// Momentum λ of the annealing area, in [0, 1).
    pub lambda: f64,
}

const PARAMS: [CurveParam; 6] = [
    CurveParam {
        name: "E",
        log: true,
    },
    CurveParam {
        name: "A",
        log: true,
    },
    CurveParam {
        name: "alpha",
        log: false,
    },
    CurveParam {
        name: "B",
        log: true,
    },
    CurveParam {
        name: "beta",
        log: false,
    },
    CurveParam {
        name: "C",
        log: true,
    },
];

/// What the law reads of a run: `ln N`, and at each checkpoint `ln D_η` and `U`.
struct Terms<'a> {
    log_n: f64,
    log_d_shift: f64,
    u_scale: f64,
    u_offset: f64,
    area: std::borrow::Cow<'a, [f64]>,
}

impl Joint {
    fn terms<'a>(&self, run: &'a Prepared) -> Option<Terms<'a>> {
        let size = run.run.size?;
        Some(Terms {
            log_n: size.params.ln(),
            log_d_shift: (size.tokens_per_step / size.peak_lr).ln(),
            u_scale: (1.0 - self.lambda) / size.peak_lr,
            u_offset: 1.0 - run.run.lrs[0] / size.peak_lr,
            area: super::Annealing {
                lambda: self.lambda,
            }
            .area(run),
        })
    }

    /// `D_η` (tokens at the peak rate) and `U` (the annealed fraction) at each checkpoint of
    /// `run`; `None` for a run without a size.
    pub fn along(&self, run: &Prepared) -> Option<(Vec<f64>, Vec<f64>)> {
        let t = self.terms(run)?;
        Some(
            run.log_s1
                .iter()
                .zip(t.area.iter())
                .map(|(&ls, &s2)| ((ls + t.log_d_shift).exp(), t.u_offset + s2 * t.u_scale))
                .unzip(),
        )
    }
}

impl CurveLaw for Joint {
    fn name(&self) -> &'static str {
        "joint"
    }

    fn formula(&self) -> &'static str {
        "L = E + A·N^−α + B·D_η^−β − C·U,  D_η = τ·Σ η_i/η_peak,  U = (η_peak − η_0 + (1 − λ)·S2)/η_peak"
    }

    fn citation(&self) -> &'static str {
        "the Chinchilla form (Hoffmann et al. 2022) along the run, with the annealing drop of \
         Tissue et al. 2024 (arXiv:2408.11029) in rates relative to the peak, as in the OLMo \
         ladder's LR-aware variants (Bhagia et al. 2024, arXiv:2412.04403)"
    }

    fn params(&self) -> &'static [CurveParam] {
        &PARAMS
    }

    fn needs_size(&self) -> bool {
        true
    }

    /// The model's size N, and the tokens at the peak rate `D_η` along the run: a larger
    /// model, or a longer run, lies past the sweep.
    fn reach_axes(&self) -> &'static [&'static str] {
        &["parameters N", "tokens at the peak rate D_η"]
    }

    fn reach(&self, run: &Prepared) -> Vec<Vec<f64>> {
        let n = run.run.size.map_or(f64::NAN, |s| s.params);
        let d_eta = self
            .along(run)
            .map_or_else(|| vec![f64::NAN; run.len()], |(d, _)| d);
        vec![vec![n; run.len()], d_eta]
    }

    fn predict(
        &self,
        theta: &[f64],
        run: &Prepared,
        pred: &mut [f64],
        mut grad: Option<&mut [f64]>,
    ) {
        let Some(t) = self.terms(run) else {
            pred.fill(f64::NAN);
            return;
        };
        let (n_term, n_da, n_dalpha) = power_term(theta[1], theta[2], t.log_n);
        for (i, (&log_s1, &s2)) in run.log_s1.iter().zip(t.area.iter()).enumerate() {
            let (d_term, d_db, d_dbeta) = power_term(theta[3], theta[4], log_s1 + t.log_d_shift);
            let u = t.u_offset + s2 * t.u_scale;
            pred[i] = theta[0] + n_term + d_term - theta[5] * u;
            if let Some(g) = grad.as_deref_mut() {
                g[i * 6..i * 6 + 6].copy_from_slice(&[1.0, n_da, n_dalpha, d_db, d_dbeta, -u]);
            }
        }
    }

    fn starts(&self, _base: [f64; 3], runs: &[&Prepared]) -> Vec<Vec<f64>> {
        let lowest = runs
            .iter()
            .flat_map(|r| r.run.loss.iter().copied())
            .fold(f64::INFINITY, f64::min);
        let mut log_n = Vec::new();
        let mut log_d = Vec::new();
        for run in runs {
            if let Some(t) = self.terms(run) {
                log_n.push(t.log_n);
                log_d.push(run.log_s1[run.len() - 1] + t.log_d_shift);
            }
        }
        if log_n.is_empty() || !lowest.is_finite() {
            return vec![];
        }
        let mid = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (n_mid, d_mid) = (mid(&mut log_n), mid(&mut log_d));
        let mut starts = Vec::new();
        for e in [0.3, 0.6, 0.85] {
            for alpha in [0.25, 0.5] {
                for beta in [0.25, 0.5] {
                    // Each power term is half the gap between E and the lowest loss at the
                    // sweep's middle size and length.
                    let half = 0.5 * (1.0 - e) * lowest;
                    starts.push(vec![
                        e * lowest,
                        half * (alpha * n_mid).exp(),
                        alpha,
                        half * (beta * d_mid).exp(),
                        beta,
                        0.05 * lowest,
                    ]);
                }
            }
        }
        starts
    }
}

/// Range of a quantity over the sweep's runs: lowest, median, highest.
pub type Spread = (f64, f64, f64);

/// The joint law at the ends of the sweep's runs, as a Chinchilla law in N and D.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecayedEnd {
    /// `E' = E − C·U_end`, `A`, `α`, `B' = B·κ^−β`, `β`, with the median `κ` and `U_end`.
    pub law: ChinchillaLaw,
    /// `κ = D_η/D` at each run's last checkpoint: the schedule's mean rate relative to its peak.
    pub kappa: Spread,
    /// `U` at each run's last checkpoint: how far the rate has come down, with its delay.
    pub annealed: Spread,
}

/// The decayed-end Chinchilla law of `theta` over `runs` (see the module docs); `None` when no
/// run has a size.
pub fn decayed_end(joint: &Joint, theta: &[f64], runs: &[Prepared]) -> Option<DecayedEnd> {
    let mut kappa = Vec::new();
    let mut annealed = Vec::new();
    for run in runs {
        let (d_eta, u) = joint.along(run)?;
        let size = run.run.size?;
        let last = run.len() - 1;
        kappa.push(d_eta[last] / (size.tokens_per_step * run.run.steps[last] as f64));
        annealed.push(u[last]);
    }
    if kappa.is_empty() {
        return None;
    }
    let spread = |mut v: Vec<f64>| -> Spread {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        };
        (v[0], median, v[n - 1])
    };
    let (kappa, annealed) = (spread(kappa), spread(annealed));
    Some(DecayedEnd {
        law: end_law(theta, kappa.1, annealed.1),
        kappa,
        annealed,
    })
}

/// Whether runs differ by more than 5% in `kappa` or `annealed` at their ends (lowest to highest
/// against the median): then their law of N and D, taken at the median, fits some of them less
/// well.
pub fn runs_differ(kappa: Spread, annealed: Spread) -> bool {
    (kappa.2 - kappa.0) > 0.05 * kappa.1 || (annealed.2 - annealed.0) > 0.05 * annealed.1
}

/// The Chinchilla law of the joint law `theta` at the end of runs whose mean relative rate is
/// `kappa` and whose rate has fallen by `annealed` of its peak: `E − C·annealed`, `A`, `α`,
/// `B·κ^−β`, `β`.
pub fn end_law(theta: &[f64], kappa: f64, annealed: f64) -> ChinchillaLaw {
    ChinchillaLaw {
        irreducible: theta[0] - theta[5] * annealed,
        param_coef: theta[1],
        data_coef: theta[3] * kappa.powf(-theta[4]),
        alpha: theta[2],
        beta: theta[4],
    }
}
