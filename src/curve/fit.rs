//! Fitting a curve law to the checkpoints of one or more runs.
//!
//! The objective is the laws' of N and D: `Σ ρ(ln loss − ln L̂)` over every checkpoint of every
//! run, ρ the Huber loss (δ = 1e-3 by default, the multi-power law's authors' choice too),
//! minimised by the same L-BFGS ([`crate::fit::solver::minimise`]) in coordinates where the
//! positive parameters are logarithms. Starts come in two stages: the schedule-blind law from
//! a regression of `ln(loss − L0)` on `ln S1` at a few `L0` below the lowest loss, then the
//! chosen law from its own grid around the blind law's fit. Every start runs [`SCREEN_ITERS`]
//! iterations, and the [`KEEP_STARTS`] lowest go on to convergence; starts run in parallel.
//! A law whose `C` and `γ` enter as `C·η^−γ` is fitted in `ln(C·η_peak^−γ)` instead of `ln C`
//! (see `Coords`). Above [`SUBSAMPLE_CHECKPOINTS`] the search runs on every k-th run and its
//! best end point is refined on all; evaluations over many checkpoints share fixed groups of
//! runs among threads, so the result does not depend on the thread count.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::law::{Blind, CurveLaw};
use super::metrics::CurveScores;
use super::{CurveRun, Prepared};
use crate::error::Error;
use crate::fit::fastmath;
use crate::fit::objective::ResidualLoss;
use crate::fit::solver::{Smooth, SolverOptions, minimise};

/// Checkpoints from which the starts are screened and run on a subsample of the runs (every
/// k-th run, about this many checkpoints), and only the best end point is refined on all.
pub const SUBSAMPLE_CHECKPOINTS: usize = 65_536;

/// Runs below which a fit never subsamples: fewer runs than this may not tell a law's terms
/// apart.
const SUBSAMPLE_MIN_RUNS: usize = 16;

/// Every k-th run, about [`SUBSAMPLE_CHECKPOINTS`] checkpoints in all; every run when there are
/// fewer checkpoints or the subsample would hold fewer than [`SUBSAMPLE_MIN_RUNS`] runs.
fn subsample<'a>(runs: &[&'a Prepared], checkpoints: usize) -> Vec<&'a Prepared> {
    let stride = checkpoints.div_ceil(SUBSAMPLE_CHECKPOINTS).max(1);
    if runs.len() / stride < SUBSAMPLE_MIN_RUNS {
        return runs.to_vec();
    }
    runs.iter().step_by(stride).copied().collect()
}

/// Iterations every start runs before the best [`KEEP_STARTS`] go on to convergence.
pub const SCREEN_ITERS: u64 = 25;

/// Starts that go on to convergence after the screening.
pub const KEEP_STARTS: usize = 2;

/// Estimates correlated at least this strongly (in absolute value) are reported as weakly
/// identified: the data fix a combination of them, not each one.
pub const WEAK_CORRELATION: f64 = 0.99;

/// A parameter whose standard error in solver coordinates exceeds this (for a positive one, a
/// factor e^0.5 = 1.65 either way, even as a lower bound) is reported as weakly identified.
pub const WEAK_SE: f64 = 0.5;

/// Two parameters and the correlation of their estimates.
pub type WeakPair = (String, String, f64);

/// How to fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurveFitOptions {
    /// Penalty of the log-loss residuals.
    pub loss: ResidualLoss,
    /// The L-BFGS stopping rule.
    pub solver: SolverOptions,
}

impl Default for CurveFitOptions {
    fn default() -> Self {
        CurveFitOptions {
            loss: ResidualLoss::default(),
            solver: SolverOptions {
                max_iters: 2000,
                grad_rtol: 1e-8,
                cost_rtol: 1e-11,
                ..SolverOptions::default()
            },
        }
    }
}

/// A fitted curve law.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveFit {
    /// The law's name.
    pub law: String,
    /// Parameter names, in order.
    pub names: Vec<String>,
    /// Fitted values.
    pub theta: Vec<f64>,
    /// The objective at `theta`.
    pub objective: f64,
    /// Whether the best start converged.
    pub converged: bool,
    /// Starts screened.
    pub starts: usize,
    /// Of the starts carried on from the screening, how many converged.
    pub converged_starts: usize,
    /// L-BFGS iterations over all starts of the chosen law.
    pub iterations: u64,
    /// Parameters the data barely determine: `(name, standard error)` in solver coordinates
    /// (of `ln` for the positive ones), above [`WEAK_SE`].
    pub weak_params: Vec<(String, f64)>,
    /// Pairs of parameters the data barely tell apart: `(name, name, correlation)` with
    /// |correlation| of their estimates at least [`WEAK_CORRELATION`].
    pub weak_pairs: Vec<(String, String, f64)>,
    /// Runs fitted.
    pub runs: Vec<String>,
    /// Checkpoints fitted.
    pub checkpoints: usize,
}

/// Solver coordinates: the logarithms of the positive parameters, and for a law whose `C` and
/// `γ` enter as `C·η^−γ` ([`CurveLaw::rate_scale`]), `ln(C·η_ref^−γ)` in place of `ln C`, with
/// `η_ref` the highest learning rate of the runs. A change of γ then leaves `C·η^−γ` fixed at
/// the peak rate instead of moving it by a factor `η^−Δγ` (about e^8 for a rate of 3e-4 and a
/// change of 1), which made L-BFGS crawl along the ridge of C and γ.
#[derive(Debug, Clone, Copy)]
struct Coords<'a> {
    law: &'a dyn CurveLaw,
    /// `(index of C, index of γ, ln η_ref)`.
    rate_scale: Option<(usize, usize, f64)>,
}

impl<'a> Coords<'a> {
    fn new(law: &'a dyn CurveLaw, runs: &[&Prepared]) -> Coords<'a> {
        let peak = runs
            .iter()
            .flat_map(|r| r.run.lrs.iter().copied())
            .fold(0.0, f64::max);
        Coords {
            law,
            rate_scale: law
                .rate_scale()
                .filter(|_| peak > 0.0)
                .map(|(c, gamma)| (c, gamma, peak.ln())),
        }
    }

    /// Natural parameters from solver coordinates.
    fn theta(&self, z: &[f64]) -> Vec<f64> {
        let mut theta: Vec<f64> = self
            .law
            .params()
            .iter()
            .zip(z)
            .map(|(p, &v)| if p.log { v.exp() } else { v })
            .collect();
        if let Some((c, gamma, ln_ref)) = self.rate_scale {
            theta[c] = (z[c] + theta[gamma] * ln_ref).exp();
        }
        theta
    }

    /// Solver coordinates from natural parameters.
    fn solver_of(&self, theta: &[f64]) -> Vec<f64> {
        let mut z: Vec<f64> = self
            .law
            .params()
            .iter()
            .zip(theta)
            .map(|(p, &v)| if p.log { v.ln() } else { v })
            .collect();
        if let Some((c, gamma, ln_ref)) = self.rate_scale {
            z[c] -= theta[gamma] * ln_ref;
        }
        z
    }

    /// The gradient by the natural parameters at `theta` as the gradient by the solver's.
    fn solver_gradient(&self, theta: &[f64], grad: &mut [f64]) {
        for (j, param) in self.law.params().iter().enumerate() {
            if param.log {
                grad[j] *= theta[j];
            }
        }
        // ln C = z_C + γ·ln η_ref with γ = e^{z_γ}: ∂/∂z_γ gains ∂/∂ln C · γ·ln η_ref.
        if let Some((c, gamma, ln_ref)) = self.rate_scale {
            grad[gamma] += grad[c] * theta[gamma] * ln_ref;
        }
    }
}

/// The objective of `law` over `runs` in solver coordinates.
struct CurveObjective<'a> {
    coords: Coords<'a>,
    law: &'a dyn CurveLaw,
    runs: &'a [&'a Prepared],
    loss: ResidualLoss,
    /// Checkpoints over all runs.
    checkpoints: usize,
}

/// Runs summed together: the objective adds up each group's runs, then the groups in order, so
/// that its value does not depend on how many threads share the groups.
const RUNS_PER_GROUP: usize = 16;

/// Checkpoints from which an evaluation shares its groups of runs among threads.
const PARALLEL_CHECKPOINTS: usize = 50_000;

impl CurveObjective<'_> {
    /// The objective (NaN where a prediction is not a positive number) and, with `GRAD`, its
    /// gradient by the natural parameters, over `runs`.
    fn sum_runs<const GRAD: bool>(&self, theta: &[f64], runs: &[&Prepared]) -> (f64, Vec<f64>) {
        let p = theta.len();
        let longest = runs.iter().map(|r| r.len()).max().unwrap_or(0);
        let mut pred = vec![0.0; longest];
        let mut d = vec![0.0; if GRAD { longest * p } else { 0 }];
        let mut total = 0.0;
        let mut grad = vec![0.0; p];
        for run in runs {
            let n = run.len();
            let (pred, mut d) = (
                &mut pred[..n],
                if GRAD { Some(&mut d[..n * p]) } else { None },
            );
            self.law.predict(theta, run, pred, d.as_deref_mut());
            for i in 0..n {
                if !(pred[i] > 0.0 && pred[i].is_finite()) {
                    return (f64::NAN, grad);
                }
                let r = run.log_loss[i] - fastmath::ln(pred[i]);
                total += self.loss.value(r);
                if let Some(d) = d.as_deref() {
                    let scale = -self.loss.derivative(r) / pred[i];
                    for j in 0..p {
                        grad[j] += scale * d[i * p + j];
                    }
                }
            }
        }
        (total, grad)
    }

    /// [`Self::sum_runs`] over every run, group by group (in parallel over many checkpoints),
    /// the gradient in solver coordinates.
    fn evaluate<const GRAD: bool>(&self, z: &[f64]) -> (f64, Vec<f64>) {
        let theta = self.coords.theta(z);
        let groups = self.runs.chunks(RUNS_PER_GROUP);
        let parts: Vec<(f64, Vec<f64>)> = if self.checkpoints >= PARALLEL_CHECKPOINTS {
            groups
                .collect::<Vec<_>>()
                .par_iter()
                .map(|g| self.sum_runs::<GRAD>(&theta, g))
                .collect()
        } else {
            groups.map(|g| self.sum_runs::<GRAD>(&theta, g)).collect()
        };
        let mut total = 0.0;
        let mut grad = vec![0.0; theta.len()];
        for (value, g) in parts {
            total += value;
            for (a, b) in grad.iter_mut().zip(g) {
                *a += b;
            }
        }
        self.coords.solver_gradient(&theta, &mut grad);
        (total, grad)
    }
}

impl Smooth for CurveObjective<'_> {
    fn value_and_gradient(&self, z: &[f64]) -> (f64, Vec<f64>) {
        self.evaluate::<true>(z)
    }

    fn value(&self, z: &[f64]) -> f64 {
        self.evaluate::<false>(z).0
    }
}

/// Start points of the schedule-blind law: at `L0` a little below the lowest loss, `A` and `α`
/// from the least-squares line of `ln(loss − L0)` against `ln S1`.
fn blind_starts(runs: &[&Prepared]) -> Vec<Vec<f64>> {
    let min_loss = runs
        .iter()
        .flat_map(|r| r.run.loss.iter().copied())
        .fold(f64::INFINITY, f64::min);
    let mut out = Vec::new();
    for frac in [0.5, 0.75, 0.9, 0.97] {
        let l0 = frac * min_loss;
        let (mut n, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for run in runs {
            for (s1, &loss) in run.s1_at_checkpoints().zip(&run.run.loss) {
                let (x, y) = (s1.ln(), (loss - l0).ln());
                n += 1.0;
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
            }
        }
        let var = sxx - sx * sx / n;
        let slope = if var > 0.0 {
            (sxy - sx * sy / n) / var
        } else {
            -0.5
        };
        let intercept = (sy - slope * sx) / n;
        let alpha = (-slope).clamp(0.05, 2.0);
        out.push(vec![l0, intercept.exp(), alpha]);
    }
    out
}

/// The best of L-BFGS runs from `starts` (natural values).
fn best_of(
    law: &dyn CurveLaw,
    runs: &[&Prepared],
    starts: &[Vec<f64>],
    options: &CurveFitOptions,
) -> (Vec<f64>, f64, bool, usize, u64) {
    let objective = CurveObjective {
        coords: Coords::new(law, runs),
        law,
        runs,
        loss: options.loss,
        checkpoints: runs.iter().map(|r| r.len()).sum(),
    };
    // Screen: every start for a few iterations, then the best few on to convergence.
    let screened: Vec<_> = starts
        .par_iter()
        .map(|s| {
            let short = SolverOptions {
                max_iters: SCREEN_ITERS,
                ..options.solver
            };
            minimise(&objective, &objective.coords.solver_of(s), &short)
        })
        .collect();
    let mut order: Vec<usize> = (0..screened.len())
        .filter(|&i| screened[i].objective.is_finite())
        .collect();
    order.sort_by(|&a, &b| screened[a].objective.total_cmp(&screened[b].objective));
    order.truncate(KEEP_STARTS);
    let ends: Vec<_> = order
        .par_iter()
        .map(|&i| {
            let m = &screened[i];
            if m.converged {
                (m.clone(), 0)
            } else {
                let end = minimise(&objective, &m.z, &options.solver);
                let more = end.iterations;
                (end, more)
            }
        })
        .collect();
    let iterations = screened.iter().map(|m| m.iterations).sum::<u64>()
        + ends.iter().map(|(_, more)| more).sum::<u64>();
    let ends: Vec<_> = ends.into_iter().map(|(end, _)| end).collect();
    let converged = ends.iter().filter(|m| m.converged).count();
    let best = ends
        .iter()
        .filter(|m| m.objective.is_finite())
        .min_by(|a, b| {
            (!a.converged, a.objective)
                .partial_cmp(&(!b.converged, b.objective))
                .expect("finite objectives")
        });
    match best {
        Some(m) => (
            objective.coords.theta(&m.z),
            m.objective,
            m.converged,
            converged,
            iterations,
        ),
        None => (starts[0].clone(), f64::NAN, false, 0, iterations),
    }
}

/// Fit `law` to every checkpoint of `runs`.
///
/// # Errors
///
/// [`Error::InvalidOption`] when there are no runs or fewer checkpoints than parameters;
/// [`Error::NoConvergence`] when no start reaches a finite objective.
pub fn fit_curves(
    law: &dyn CurveLaw,
    runs: &[Prepared],
    options: &CurveFitOptions,
) -> Result<CurveFit, Error> {
    let checkpoints: usize = runs.iter().map(Prepared::len).sum();
    let p = law.params().len();
    if law.needs_size()
        && let Some(run) = runs.iter().find(|r| r.run.size.is_none())
    {
        return Err(Error::BadCurve {
            run: run.run.name.clone(),
            message: format!(
                "has no model size or tokens per step, which the {} law needs: give a \
                 parameter-count column or --run-params, and a tokens-per-step column or \
                 --tokens-per-step",
                law.name()
            ),
        });
    }
    if checkpoints <= p {
        return Err(Error::InvalidOption {
            flag: "the curves".into(),
            message: format!(
                "{checkpoints} checkpoints cannot determine the {p} parameters of the {} law; \
                 give more runs or checkpoints",
                law.name()
            ),
        });
    }
    let all: Vec<&Prepared> = runs.iter().collect();
    let search = subsample(&all, checkpoints);
    let (base, base_objective, ..) = best_of(&Blind, &search, &blind_starts(&search), options);
    if !base_objective.is_finite() {
        return Err(Error::NoConvergence {
            message: "the schedule-blind law that starts the fit reached no finite objective; \
                      check that the losses fall along the runs"
                .into(),
        });
    }
    let starts = law.starts([base[0], base[1], base[2]], &search);
    let (mut theta, mut objective, mut converged, converged_starts, mut iterations) =
        best_of(law, &search, &starts, options);
    if search.len() < all.len() && objective.is_finite() {
        let full = CurveObjective {
            coords: Coords::new(law, &all),
            law,
            runs: &all,
            loss: options.loss,
            checkpoints,
        };
        let end = minimise(&full, &full.coords.solver_of(&theta), &options.solver);
        iterations += end.iterations;
        (theta, objective, converged) = (full.coords.theta(&end.z), end.objective, end.converged);
    }
    if !objective.is_finite() {
        return Err(Error::NoConvergence {
            message: format!(
                "no start of the {} law reached a finite objective",
                law.name()
            ),
        });
    }
    let (weak_params, weak_pairs) = weakly_identified(law, &theta, runs);
    Ok(CurveFit {
        law: law.name().to_string(),
        names: law.params().iter().map(|p| p.name.to_string()).collect(),
        theta,
        objective,
        converged,
        starts: starts.len(),
        converged_starts,
        iterations,
        weak_params,
        weak_pairs,
        runs: runs.iter().map(|r| r.run.name.clone()).collect(),
        checkpoints,
    })
}

/// L-BFGS from `start` (natural values) to convergence, with no other start: a refit near a
/// known optimum (a bootstrap replicate, a run with a few more checkpoints). Returns the
/// parameters, the objective and whether it converged; the objective is NaN when no finite
/// value was reached.
pub fn refine(
    law: &dyn CurveLaw,
    runs: &[Prepared],
    start: &[f64],
    options: &CurveFitOptions,
) -> (Vec<f64>, f64, bool) {
    let runs: Vec<&Prepared> = runs.iter().collect();
    let objective = CurveObjective {
        coords: Coords::new(law, &runs),
        law,
        runs: &runs,
        loss: options.loss,
        checkpoints: runs.iter().map(|r| r.len()).sum(),
    };
    let end = minimise(
        &objective,
        &objective.coords.solver_of(start),
        &options.solver,
    );
    (objective.coords.theta(&end.z), end.objective, end.converged)
}

/// The law's predicted loss at each checkpoint of `run`.
pub fn predict(law: &dyn CurveLaw, theta: &[f64], run: &Prepared) -> Vec<f64> {
    let mut pred = vec![0.0; run.len()];
    law.predict(theta, run, &mut pred, None);
    pred
}

/// The law's predicted loss at `steps` of a run trained with the learning rates `lrs` (one
/// per step), the loss-drop sum grouped with tolerance `eps`.
///
/// # Errors
///
/// [`Error::BadCurve`] naming `name` when the rates or steps are not those of a run (see
/// [`CurveRun::new`]).
pub fn predict_along(
    law: &dyn CurveLaw,
    theta: &[f64],
    name: &str,
    lrs: &[f64],
    steps: &[usize],
    eps: f64,
) -> Result<Vec<f64>, Error> {
    let run = schedule_run(name, lrs.to_vec(), steps.to_vec(), None, eps)?;
    Ok(predict(law, theta, &run))
}

/// A run trained with the learning rates `lrs` (one per step) and looked at `steps`, for
/// predictions: its losses are placeholders. The loss-drop sum is grouped with tolerance `eps`.
///
/// # Errors
///
/// [`Error::BadCurve`] naming `name` when the rates or steps are not those of a run (see
/// [`CurveRun::new`]).
pub fn schedule_run(
    name: &str,
    lrs: Vec<f64>,
    steps: Vec<usize>,
    size: Option<(f64, f64)>,
    eps: f64,
) -> Result<Prepared, Error> {
    let placeholder = vec![1.0; steps.len()];
    let mut run = CurveRun::new(name, lrs, steps, placeholder)?;
    if let Some((params, tokens_per_step)) = size {
        run = run.with_size(params, tokens_per_step)?;
    }
    Ok(Prepared::new(run, eps))
}

/// Scores of the law's predictions on `run`.
pub fn score(law: &dyn CurveLaw, theta: &[f64], run: &Prepared) -> CurveScores {
    CurveScores::of(&run.run.loss, &predict(law, theta, run))
}

/// The correlations of the estimates in solver coordinates, from the Gauss–Newton matrix
/// `JᵀJ` of the log-loss residuals at `theta` (their covariance up to the residual variance);
/// `None` when the matrix is singular.
pub fn correlations(law: &dyn CurveLaw, theta: &[f64], runs: &[Prepared]) -> Option<Vec<Vec<f64>>> {
    spread(law, theta, runs).map(|(corr, _)| corr)
}

/// The correlations of the estimates (as [`correlations`]) and each one's standard error in
/// solver coordinates (a relative error for the positive parameters), taking the checkpoints'
/// residuals as independent. Residuals along a curve are correlated, so these errors are lower
/// bounds.
pub fn spread(
    law: &dyn CurveLaw,
    theta: &[f64],
    runs: &[Prepared],
) -> Option<(Vec<Vec<f64>>, Vec<f64>)> {
    let p = theta.len();
    let (mut sse, mut count) = (0.0, 0usize);
    let mut jtj = vec![vec![0.0; p]; p];
    for run in runs {
        let n = run.len();
        let mut pred = vec![0.0; n];
        let mut d = vec![0.0; n * p];
        law.predict(theta, run, &mut pred, Some(&mut d));
        for i in 0..n {
            let r = run.log_loss[i] - pred[i].ln();
            sse += r * r;
            count += 1;
            let row: Vec<f64> = (0..p)
                .map(|j| {
                    let scale = if law.params()[j].log { theta[j] } else { 1.0 };
                    d[i * p + j] * scale / pred[i]
                })
                .collect();
            for a in 0..p {
                for b in 0..p {
                    jtj[a][b] += row[a] * row[b];
                }
            }
        }
    }
    let cov = invert(jtj)?;
    let corr = (0..p)
        .map(|a| {
            (0..p)
                .map(|b| cov[a][b] / (cov[a][a] * cov[b][b]).sqrt())
                .collect()
        })
        .collect::<Vec<Vec<f64>>>();
    let variance = sse / count.saturating_sub(p).max(1) as f64;
    let se: Vec<f64> = (0..p).map(|j| (variance * cov[j][j]).sqrt()).collect();
    (corr.iter().flatten().all(|c| c.is_finite()) && se.iter().all(|x| x.is_finite()))
        .then_some((corr, se))
}

/// What the data leave undetermined: the parameters whose standard error (a lower bound, see
/// [`spread`]) exceeds [`WEAK_SE`] and the pairs whose estimates correlate at least
/// [`WEAK_CORRELATION`].
fn weakly_identified(
    law: &dyn CurveLaw,
    theta: &[f64],
    runs: &[Prepared],
) -> (Vec<(String, f64)>, Vec<WeakPair>) {
    let names = law.params();
    let Some((corr, se)) = spread(law, theta, runs) else {
        return (Vec::new(), Vec::new());
    };
    let params = (0..theta.len())
        .filter(|&j| se[j] > WEAK_SE)
        .map(|j| (names[j].name.to_string(), se[j]))
        .collect();
    let mut out = Vec::new();
    for a in 0..theta.len() {
        for b in a + 1..theta.len() {
            if corr[a][b].abs() >= WEAK_CORRELATION {
                out.push((
                    names[a].name.to_string(),
                    names[b].name.to_string(),
                    corr[a][b],
                ));
            }
        }
    }
    (params, out)
}

/// The inverse of a symmetric positive-definite matrix (Gauss–Jordan with partial pivoting),
/// `None` when it is singular to working precision.
fn invert(mut m: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let p = m.len();
    let mut inv: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    let scale = m
        .iter()
        .map(|r| r.iter().fold(0.0f64, |a, x| a.max(x.abs())))
        .fold(0.0, f64::max);
    for col in 0..p {
        let pivot = (col..p).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() <= 1e-300_f64.max(scale * 1e-18) {
            return None;
        }
        m.swap(col, pivot);
        inv.swap(col, pivot);
        let d = m[col][col];
        for j in 0..p {
            m[col][j] /= d;
            inv[col][j] /= d;
        }
        for r in 0..p {
            if r != col {
                let f = m[r][col];
                if f != 0.0 {
                    for j in 0..p {
                        m[r][j] -= f * m[col][j];
                        inv[r][j] -= f * inv[col][j];
                    }
                }
            }
        }
    }
    Some(inv)
}
