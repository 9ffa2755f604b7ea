//! From loss to benchmark accuracy: the two-step ("chained") task laws of Bhagia et al. 2024
//! (arXiv:2412.04403, the OLMo ladder):
//!
//! ```text
//! step 1   L_task(N, D) = E + A·N^−α + B·D^−β        task loss (bits per byte of the correct answer)
//! step 2   Acc(L) = b + a / (1 + e^(−k·(L − L0)))    a < 0: accuracy falls from b towards b + a
//!   or     Acc(L) = 1 − ε + k·e^(−γ·L)               Gadre et al. 2024: error ε − k·e^(−γ·L)
//! ```
//!
//! The exponential form of step 2 is Gadre et al.'s (arXiv:2403.08540), for the average top-1
//! error against the validation loss of the language model (C4's), where the sigmoid is the
//! OLMo ladder's for one task's accuracy against its own task loss; either form takes either
//! loss.
//!
//! Step 1 is the Chinchilla form fitted as every law of N and D here (Huber on log residuals)
//! to each ladder run's final task loss, averaged over its last evaluations; step 2 is a
//! sigmoid fitted by least squares to every evaluation after the first 10% of each run (a
//! moving average over 5 evaluations), with the ideal point (loss 0, the task's ceiling) added,
//! as the paper does. The chained prediction at a target (N, D) reads the task loss from step 1
//! and the accuracy from step 2. Its interval resamples whole runs within each size, refits
//! both steps, and adds the task's checkpoint-to-checkpoint noise (the spread of the last 10
//! evaluations of each run about their trend): an interval for the accuracy a run would report.

use crate::error::Error;
use crate::fit::solver::{Smooth, SolverOptions, minimise};
use crate::fit::{FitConfig, Observations, fit};
use crate::law::ChinchillaLaw;

/// Evaluations averaged for a run's final task loss and in step 2's moving average.
pub const WINDOW: usize = 5;
/// Share of each run's first evaluations left out of step 2.
pub const SKIP_FRACTION: f64 = 0.1;
/// Evaluations at each run's end whose spread about their trend is the task's noise.
pub const NOISE_WINDOW: usize = 10;

/// One run's evaluations of one task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSeries {
    /// The run.
    pub run: String,
    /// Parameters N.
    pub params: f64,
    /// Tokens seen at each evaluation.
    pub tokens: Vec<f64>,
    /// Task loss at each.
    pub loss: Vec<f64>,
    /// Accuracy at each, a fraction.
    pub accuracy: Vec<f64>,
}

/// `b + a / (1 + e^(−k·(x − x0)))`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sigmoid {
    /// Height, negative: the accuracy falls by |a| as the loss grows.
    pub a: f64,
    /// Midpoint in task loss.
    pub x0: f64,
    /// Steepness.
    pub k: f64,
    /// Accuracy at zero loss (the ceiling side).
    pub b: f64,
}

impl Sigmoid {
    /// The accuracy at task loss `x`.
    pub fn at(&self, x: f64) -> f64 {
        self.b + self.a / (1.0 + (-self.k * (x - self.x0)).exp())
    }
}

impl Sigmoid {
    /// The task loss at which the sigmoid reaches `accuracy`; `None` outside its range
    /// `(b + a, b)`.
    pub fn loss_for(&self, accuracy: f64) -> Option<f64> {
        let t = (accuracy - self.b) / self.a;
        (t > 0.0 && t < 1.0 && self.k > 0.0).then(|| self.x0 - (1.0 / t - 1.0).ln() / self.k)
    }
}

/// Gadre et al.'s `1 − ε + k·e^(−γ·x)`: the error `ε − k·e^(−γ·x)` rises towards `ε` as the
/// loss grows.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Exponential {
    /// The error the accuracy falls to at a large loss (one minus the random-guess accuracy
    /// when fitted well).
    pub epsilon: f64,
    /// Scale.
    pub k: f64,
    /// Rate.
    pub gamma: f64,
}

impl Exponential {
    /// The accuracy at loss `x`.
    pub fn at(&self, x: f64) -> f64 {
        1.0 - self.epsilon + self.k * (-self.gamma * x).exp()
    }

    /// The loss at which the accuracy reaches `accuracy`; `None` at or beyond its range
    /// `(1 − ε, 1 − ε + k)` (the accuracy at loss 0).
    pub fn loss_for(&self, accuracy: f64) -> Option<f64> {
        let r = (accuracy - 1.0 + self.epsilon) / self.k;
        (r > 0.0 && r < 1.0 && self.gamma > 0.0).then(|| -r.ln() / self.gamma)
    }
}

/// The form of step 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step2Form {
    /// [`Sigmoid`], with the ideal point (loss 0, the ceiling) added (Bhagia et al.).
    #[default]
    Sigmoid,
    /// [`Exponential`] (Gadre et al.).
    Exponential,
}

impl Step2Form {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Step2Form::Sigmoid => "sigmoid",
            Step2Form::Exponential => "exponential",
        }
    }
}

/// A fitted step 2.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "form", rename_all = "lowercase")]
pub enum Step2 {
    /// The OLMo ladder's sigmoid.
    Sigmoid(Sigmoid),
    /// Gadre et al.'s exponential.
    Exponential(Exponential),
}

impl Step2 {
    /// The accuracy at loss `x`.
    pub fn at(&self, x: f64) -> f64 {
        match self {
            Step2::Sigmoid(s) => s.at(x),
            Step2::Exponential(e) => e.at(x),
        }
    }

    /// The positive loss at which the accuracy reaches `accuracy`; `None` outside the fitted
    /// curve's range between zero loss ([`Step2::ceiling`]) and an infinite one.
    pub fn loss_for(&self, accuracy: f64) -> Option<f64> {
        match self {
            Step2::Sigmoid(s) => s.loss_for(accuracy),
            Step2::Exponential(e) => e.loss_for(accuracy),
        }
        .filter(|x| *x > 0.0)
    }

    /// The highest accuracy the curve approaches (at loss 0).
    pub fn ceiling(&self) -> f64 {
        match self {
            Step2::Sigmoid(s) => s.b + s.a / (1.0 + (s.k * s.x0).exp()),
            Step2::Exponential(e) => 1.0 - e.epsilon + e.k,
        }
    }
}

fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Least squares of the sigmoid in free coordinates: `a = −σ(z0)`, `x0 = e^z1`, `k = e^z2`,
/// `b = σ(z3)` (the paper's bounds a ∈ [−1, 0], x0, k ≥ 0, b ∈ [0, 1]).
struct SigmoidSquares<'a> {
    x: &'a [f64],
    y: &'a [f64],
}

fn sigmoid_of(z: &[f64]) -> Sigmoid {
    Sigmoid {
        a: -logistic(z[0]),
        x0: z[1].exp(),
        k: z[2].exp(),
        b: logistic(z[3]),
    }
}

impl Smooth for SigmoidSquares<'_> {
    fn value_and_gradient(&self, z: &[f64]) -> (f64, Vec<f64>) {
        let s = sigmoid_of(z);
        let (mut value, mut g) = (0.0, vec![0.0; 4]);
        for (&x, &y) in self.x.iter().zip(self.y) {
            let t = 1.0 / (1.0 + (-s.k * (x - s.x0)).exp());
            let r = s.b + s.a * t - y;
            value += r * r;
            let dt = t * (1.0 - t);
            let parts = [t, -s.a * dt * s.k, s.a * dt * (x - s.x0), 1.0];
            for j in 0..4 {
                g[j] += 2.0 * r * parts[j];
            }
        }
        // Through the coordinates.
        let sa = -s.a;
        g[0] *= -sa * (1.0 - sa);
        g[1] *= s.x0;
        g[2] *= s.k;
        g[3] *= s.b * (1.0 - s.b);
        (value, g)
    }
}

/// For a fixed midpoint and steepness the sigmoid is linear in its height and base: their
/// least-squares values, kept within the bounds (`a ∈ [−1, 0]`, `b ∈ [0, 1]`), and the sum of
/// squares there.
fn linear_part(x: &[f64], y: &[f64], x0: f64, k: f64) -> (f64, f64, f64) {
    let t: Vec<f64> = x.iter().map(|&v| logistic(k * (v - x0))).collect();
    let n = t.len() as f64;
    let (st, sy) = (t.iter().sum::<f64>(), y.iter().sum::<f64>());
    let stt: f64 = t.iter().map(|v| v * v).sum();
    let sty: f64 = t.iter().zip(y).map(|(a, b)| a * b).sum();
    let det = n * stt - st * st;
    let (mut a, mut b) = if det.abs() > 1e-12 * n * n {
        let a = (n * sty - st * sy) / det;
        (a, (sy - a * st) / n)
    } else {
        (0.0, sy / n)
    };
    a = a.clamp(-0.999, -1e-3);
    b = b.clamp(1e-3, 0.999);
    let ss = t.iter().zip(y).map(|(t, y)| (b + a * t - y).powi(2)).sum();
    (a, b, ss)
}

/// Fit step 2 to `(loss, accuracy)` points, with the ideal point `(0, ceiling)` added. The
/// starts: the paper's `(floor − 1, 0.9, 3, ceiling)`, and the best four of a grid of
/// midpoints (quantiles of the losses and beyond the largest) and steepnesses (1 to 30), each
/// with its least-squares height and base (`linear_part`); the best end kept. Starting near
/// the data matters: from a start far from it the first line search can fling the midpoint to
/// infinity, where the sigmoid is flat and its gradient vanishes.
///
/// # Errors
///
/// [`Error::NoConvergence`] when no start reaches a finite objective.
pub fn fit_sigmoid(x: &[f64], y: &[f64], floor: f64, ceiling: f64) -> Result<Sigmoid, Error> {
    let mut xs = x.to_vec();
    let mut ys = y.to_vec();
    xs.push(0.0);
    ys.push(ceiling);
    let problem = SigmoidSquares { x: &xs, y: &ys };
    let logit = |p: f64| {
        let p = p.clamp(1e-6, 1.0 - 1e-6);
        (p / (1.0 - p)).ln()
    };
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        sorted
            .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.9)
            .max(1e-3)
    };
    let top = quantile(1.0);
    let mut grid: Vec<(f64, f64, f64)> = Vec::new();
    for x0 in [
        quantile(0.1),
        quantile(0.3),
        quantile(0.5),
        quantile(0.7),
        quantile(0.9),
        1.5 * top,
        3.0 * top,
    ] {
        for k in [1.0, 3.0, 10.0, 30.0] {
            grid.push((linear_part(&xs, &ys, x0, k).2, x0, k));
        }
    }
    grid.sort_by(|p, q| p.0.total_cmp(&q.0));
    let mut starts: Vec<[f64; 4]> = vec![[
        logit(1.0 - floor),
        0.9_f64.ln(),
        3.0_f64.ln(),
        logit(ceiling),
    ]];
    for &(_, x0, k) in grid.iter().take(4) {
        let (a, b, _) = linear_part(&xs, &ys, x0, k);
        starts.push([logit(-a), x0.ln(), k.ln(), logit(b)]);
    }
    let options = SolverOptions {
        max_iters: 5000,
        ..SolverOptions::default()
    };
    let mut best: Option<(f64, Sigmoid)> = None;
    for z0 in starts {
        let end = minimise(&problem, &z0, &options);
        if end.objective.is_finite() && best.is_none_or(|(v, _)| end.objective < v) {
            best = Some((end.objective, sigmoid_of(&end.z)));
        }
    }
    best.map(|(_, s)| s).ok_or_else(|| Error::NoConvergence {
        message: "the sigmoid of accuracy against task loss reached no finite objective".into(),
    })
}

/// Least squares of [`Exponential`] in free coordinates `ε = σ(z0)`, `k = e^z1`, `γ = e^z2`.
struct ExponentialSquares<'a> {
    x: &'a [f64],
    y: &'a [f64],
}

fn exponential_of(z: &[f64]) -> Exponential {
    Exponential {
        epsilon: logistic(z[0]),
        k: z[1].exp(),
        gamma: z[2].exp(),
    }
}

impl Smooth for ExponentialSquares<'_> {
    fn value_and_gradient(&self, z: &[f64]) -> (f64, Vec<f64>) {
        let e = exponential_of(z);
        let (mut value, mut g) = (0.0, vec![0.0; 3]);
        for (&x, &y) in self.x.iter().zip(self.y) {
            let decay = (-e.gamma * x).exp();
            let r = 1.0 - e.epsilon + e.k * decay - y;
            value += r * r;
            g[0] -= 2.0 * r;
            g[1] += 2.0 * r * decay;
            g[2] -= 2.0 * r * e.k * x * decay;
        }
        g[0] *= e.epsilon * (1.0 - e.epsilon);
        g[1] *= e.k;
        g[2] *= e.gamma;
        (value, g)
    }
}

/// Fit Gadre et al.'s exponential to `(loss, accuracy)` points (no ideal point: the form does
/// not pass through it); starts at `ε = 1 − floor` and rates 0.5 to 4 per unit of loss, each
/// with the scale that matches the mean accuracy, the best kept.
///
/// # Errors
///
/// [`Error::NoConvergence`] when no start reaches a finite objective.
pub fn fit_exponential(x: &[f64], y: &[f64], floor: f64) -> Result<Exponential, Error> {
    let problem = ExponentialSquares { x, y };
    let options = SolverOptions {
        max_iters: 5000,
        ..SolverOptions::default()
    };
    let epsilon = (1.0 - floor).clamp(0.05, 0.999);
    let n = x.len().max(1) as f64;
    let mean_y = y.iter().sum::<f64>() / n;
    let mut best: Option<(f64, Exponential)> = None;
    for gamma in [0.5_f64, 1.0, 2.0, 4.0] {
        let mean_decay = x.iter().map(|&v| (-gamma * v).exp()).sum::<f64>() / n;
        let k = ((mean_y - 1.0 + epsilon) / mean_decay).max(1e-3);
        let z0 = [(epsilon / (1.0 - epsilon)).ln(), k.ln(), gamma.ln()];
        let end = minimise(&problem, &z0, &options);
        if end.objective.is_finite() && best.is_none_or(|(v, _)| end.objective < v) {
            best = Some((end.objective, exponential_of(&end.z)));
        }
    }
    best.map(|(_, e)| e).ok_or_else(|| Error::NoConvergence {
        message: "the exponential of accuracy against loss reached no finite objective".into(),
    })
}

/// Fit step 2 of `form` to `(loss, accuracy)` points.
///
/// # Errors
///
/// As [`fit_sigmoid`] and [`fit_exponential`].
pub fn fit_step2(
    form: Step2Form,
    x: &[f64],
    y: &[f64],
    floor: f64,
    ceiling: f64,
) -> Result<Step2, Error> {
    Ok(match form {
        Step2Form::Sigmoid => Step2::Sigmoid(fit_sigmoid(x, y, floor, ceiling)?),
        Step2Form::Exponential => Step2::Exponential(fit_exponential(x, y, floor)?),
    })
}

/// Trailing moving average over `n` values (the first ones over those so far).
pub fn moving_average(v: &[f64], n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(v.len());
    let mut sum = 0.0;
    for i in 0..v.len() {
        sum += v[i];
        if i >= n {
            sum -= v[i - n];
        }
        out.push(sum / (i + 1).min(n) as f64);
    }
    out
}

/// A run's final point for step 1: `(N, D at its last evaluation, mean task loss of its last
/// WINDOW evaluations)`.
pub fn final_point(s: &TaskSeries) -> (f64, f64, f64) {
    let n = s.loss.len();
    let last = &s.loss[n.saturating_sub(WINDOW)..];
    (
        s.params,
        s.tokens[n - 1],
        last.iter().sum::<f64>() / last.len() as f64,
    )
}

/// Step 2's points of a run: after its first [`SKIP_FRACTION`], moving averages of loss and
/// accuracy over [`WINDOW`] evaluations.
pub fn step2_points(s: &TaskSeries) -> (Vec<f64>, Vec<f64>) {
    let skip = (SKIP_FRACTION * s.loss.len() as f64).ceil() as usize;
    (
        moving_average(&s.loss[skip..], WINDOW),
        moving_average(&s.accuracy[skip..], WINDOW),
    )
}

/// The spread of the last [`NOISE_WINDOW`] values of `v` about their least-squares line.
pub fn trend_noise(v: &[f64]) -> Option<f64> {
    let tail = &v[v.len().saturating_sub(NOISE_WINDOW)..];
    let m = tail.len();
    if m < 4 {
        return None;
    }
    let mx = (m - 1) as f64 / 2.0;
    let my = tail.iter().sum::<f64>() / m as f64;
    let sxx: f64 = (0..m).map(|i| (i as f64 - mx).powi(2)).sum();
    let sxy: f64 = tail
        .iter()
        .enumerate()
        .map(|(i, y)| (i as f64 - mx) * (y - my))
        .sum();
    let slope = sxy / sxx;
    let ss: f64 = tail
        .iter()
        .enumerate()
        .map(|(i, y)| (y - my - slope * (i as f64 - mx)).powi(2))
        .sum();
    Some((ss / (m - 2) as f64).sqrt())
}

/// The two steps fitted to one task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChainedFit {
    /// Step 1: task loss from N and D.
    pub step1: ChinchillaLaw,
    /// Step 2: accuracy from task loss.
    pub step2: Step2,
}

impl ChainedFit {
    /// Task loss and accuracy at `(n, d)`.
    pub fn predict(&self, n: f64, d: f64) -> (f64, f64) {
        let loss = self.step1.loss(n, d);
        (loss, self.step2.at(loss))
    }
}

/// Step 1 alone: the Chinchilla form fitted to the runs' final points.
///
/// # Errors
///
/// As [`crate::fit::fit`].
pub fn fit_step1(runs: &[&TaskSeries]) -> Result<ChinchillaLaw, Error> {
    let points: Vec<(f64, f64, f64)> = runs.iter().map(|s| final_point(s)).collect();
    let n: Vec<f64> = points.iter().map(|p| p.0).collect();
    let d: Vec<f64> = points.iter().map(|p| p.1).collect();
    let l: Vec<f64> = points.iter().map(|p| p.2).collect();
    chinchilla_fit(&n, &d, &l)
}

/// The baseline to beat: the Chinchilla form fitted to each run's final error rate
/// `1 − accuracy` (the mean of its last [`WINDOW`] evaluations) directly from N and D, without
/// the task loss; accuracy is `1 −` its prediction.
///
/// # Errors
///
/// As [`crate::fit::fit`]; a run whose final accuracy is 1 (no error left to fit).
pub fn fit_direct(runs: &[&TaskSeries]) -> Result<ChinchillaLaw, Error> {
    let mut n = Vec::new();
    let mut d = Vec::new();
    let mut e = Vec::new();
    for s in runs {
        let k = s.accuracy.len();
        let tail = &s.accuracy[k.saturating_sub(WINDOW)..];
        n.push(s.params);
        d.push(s.tokens[k - 1]);
        e.push(1.0 - tail.iter().sum::<f64>() / tail.len() as f64);
    }
    chinchilla_fit(&n, &d, &e)
}

/// The Chinchilla form fitted by the default fit to `y` at `(n, d)`.
fn chinchilla_fit(n: &[f64], d: &[f64], y: &[f64]) -> Result<ChinchillaLaw, Error> {
    let report = fit(&Observations::new(n, d, y), &FitConfig::default(), &|| {})?;
    let v = |k: &str| report.fitted.natural(k).unwrap_or(f64::NAN);
    Ok(ChinchillaLaw {
        irreducible: v("E"),
        param_coef: v("A"),
        data_coef: v("B"),
        alpha: v("alpha"),
        beta: v("beta"),
    })
}

/// Both steps fitted to `runs` of one task, step 2 of `form`.
///
/// # Errors
///
/// As [`fit_step1`] and [`fit_step2`].
pub fn fit_chained(
    runs: &[&TaskSeries],
    form: Step2Form,
    floor: f64,
    ceiling: f64,
) -> Result<ChainedFit, Error> {
    let step1 = fit_step1(runs)?;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for s in runs {
        let (sx, sy) = step2_points(s);
        x.extend(sx);
        y.extend(sy);
    }
    Ok(ChainedFit {
        step1,
        step2: fit_step2(form, &x, &y, floor, ceiling)?,
    })
}

/// Resample whole runs within each size (runs of equal N), `seed` a replicate's seed.
pub fn resample<'a>(runs: &[&'a TaskSeries], seed: u64) -> Vec<&'a TaskSeries> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut sizes: Vec<f64> = runs.iter().map(|r| r.params).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    let mut out = Vec::with_capacity(runs.len());
    for n in sizes {
        let of: Vec<&TaskSeries> = runs.iter().copied().filter(|r| r.params == n).collect();
        for _ in 0..of.len() {
            out.push(of[(next() % of.len() as u64) as usize]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gradient of `problem` at `z` matches central differences of its value.
    fn assert_gradient(problem: &dyn Smooth, z: &[f64]) {
        let (_, g) = problem.value_and_gradient(z);
        for j in 0..z.len() {
            let (mut up, mut down) = (z.to_vec(), z.to_vec());
            up[j] += 1e-6;
            down[j] -= 1e-6;
            let numeric = (problem.value(&up) - problem.value(&down)) / 2e-6;
            assert!(
                (numeric - g[j]).abs() < 1e-5 * (1.0 + g[j].abs()),
                "d/dz{j}: {numeric} vs {}",
                g[j]
            );
        }
    }

    #[test]
    fn the_sigmoid_fit_recovers_a_known_curve_and_its_gradient_is_right() {
        let truth = Sigmoid {
            a: -0.6,
            x0: 1.1,
            k: 4.0,
            b: 0.9,
        };
        let x: Vec<f64> = (0..60).map(|i| 0.6 + 0.02 * f64::from(i)).collect();
        let y: Vec<f64> = x.iter().map(|&v| truth.at(v)).collect();
        let fitted = fit_sigmoid(&x, &y, 0.25, 1.0).unwrap();
        for &v in &[0.7, 1.0, 1.5] {
            assert!((fitted.at(v) - truth.at(v)).abs() < 0.01, "{fitted:?}");
        }
        // Central differences of the objective.
        let problem = SigmoidSquares { x: &x, y: &y };
        let z = [0.3, 0.1, 1.2, 1.5];
        assert_gradient(&problem, &z);
    }

    #[test]
    fn the_exponential_fit_recovers_a_known_curve_and_both_forms_invert() {
        let truth = Exponential {
            epsilon: 0.72,
            k: 2.5,
            gamma: 1.3,
        };
        let x: Vec<f64> = (0..50).map(|i| 2.2 + 0.03 * f64::from(i)).collect();
        let y: Vec<f64> = x.iter().map(|&v| truth.at(v)).collect();
        let fitted = fit_exponential(&x, &y, 0.25).unwrap();
        for &v in &[2.3, 3.0, 3.6] {
            assert!((fitted.at(v) - truth.at(v)).abs() < 1e-4, "{fitted:?}");
        }
        let problem = ExponentialSquares { x: &x, y: &y };
        let z = [0.4, 0.7, 0.1];
        assert_gradient(&problem, &z);
        // The loss for an accuracy is the inverse of the accuracy at a loss, inside the range;
        // outside it there is none.
        let sigmoid = Sigmoid {
            a: -0.6,
            x0: 1.1,
            k: 4.0,
            b: 0.9,
        };
        for step2 in [Step2::Exponential(truth), Step2::Sigmoid(sigmoid)] {
            for loss in [0.9, 1.2, 2.5] {
                let back = step2.loss_for(step2.at(loss)).unwrap();
                assert!((back - loss).abs() < 1e-9, "{step2:?} at {loss}: {back}");
            }
            assert_eq!(step2.loss_for(step2.ceiling() + 1e-3), None, "{step2:?}");
            assert_eq!(step2.loss_for(0.2), None, "{step2:?}");
        }
    }

    #[test]
    fn moving_averages_and_trend_noise_match_hand_values() {
        assert_eq!(
            moving_average(&[1.0, 2.0, 3.0, 4.0], 2),
            vec![1.0, 1.5, 2.5, 3.5]
        );
        // A straight line has no noise about its trend; alternating ±0.01 about it has.
        let line: Vec<f64> = (0..10).map(|i| 0.5 + 0.01 * f64::from(i)).collect();
        assert!(trend_noise(&line).unwrap() < 1e-12);
        let wiggle: Vec<f64> = line
            .iter()
            .enumerate()
            .map(|(i, v)| v + if i % 2 == 0 { 0.01 } else { -0.01 })
            .collect();
        let sd = trend_noise(&wiggle).unwrap();
        assert!((sd - 0.0108).abs() < 0.001, "{sd}");
    }
}
