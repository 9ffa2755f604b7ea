//! From loss to benchmark accuracy: the two-step ("chained") task laws of Bhagia et al. 2024
//! (arXiv:2412.04403, the OLMo ladder):
//!
//! ```text
//! step 1   L_task(N, D) = E + A·N^−α + B·D^−β        task loss (bits per byte of the correct answer)
//! step 2   Acc(L) = b + a / (1 + e^(−k·(L − L0)))    a < 0: accuracy falls from b towards b + a
//! ```
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

/// Fit step 2 to `(loss, accuracy)` points, with the ideal point `(0, ceiling)` added; starts
/// from the paper's `(floor − 1, 0.9, 3, ceiling)` and a few others, the best kept.
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
    let mid = {
        let mut v = x.to_vec();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.9).max(1e-3)
    };
    let options = SolverOptions {
        max_iters: 5000,
        ..SolverOptions::default()
    };
    let mut best: Option<(f64, Sigmoid)> = None;
    for (a, x0, k) in [
        (floor - 1.0, 0.9_f64, 3.0_f64),
        (floor - ceiling, mid, 3.0),
        (floor - ceiling, mid, 10.0),
        (floor - 1.0, mid, 1.0),
    ] {
        let z0 = [logit(-a), x0.ln(), k.ln(), logit(ceiling)];
        let end = minimise(&problem, &z0, &options);
        if end.objective.is_finite() && best.is_none_or(|(v, _)| end.objective < v) {
            best = Some((end.objective, sigmoid_of(&end.z)));
        }
    }
    best.map(|(_, s)| s).ok_or_else(|| Error::NoConvergence {
        message: "the sigmoid of accuracy against task loss reached no finite objective".into(),
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
    pub step2: Sigmoid,
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

/// Both steps fitted to `runs` of one task.
///
/// # Errors
///
/// As [`fit_step1`] and [`fit_sigmoid`].
pub fn fit_chained(runs: &[&TaskSeries], floor: f64, ceiling: f64) -> Result<ChainedFit, Error> {
    let step1 = fit_step1(runs)?;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for s in runs {
        let (sx, sy) = step2_points(s);
        x.extend(sx);
        y.extend(sy);
    }
    Ok(ChainedFit {
        step1,
        step2: fit_sigmoid(&x, &y, floor, ceiling)?,
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
        let (_, g) = problem.value_and_gradient(&z);
        for j in 0..4 {
            let (mut up, mut down) = (z, z);
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
