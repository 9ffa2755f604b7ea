//! The fitting objective: a robust loss on residuals of log-loss, **summed** over runs.
//!
//! ```text
//! objective(theta) = sum_i w_i · rho(log L_i - log L^(row_i; theta))
//! Huber_delta(r) = r²/2            if |r| <= delta
//!                = delta·(|r| - delta/2) otherwise          (Hoffmann et al. 2022, eq. 3; delta = 1e-3)
//! Squared(r)     = r²/2
//! ```
//!
//! The objective is a sum, not a mean, as in Hoffmann et al. and the Epoch AI replication
//! (Besiroglu et al. 2024, arXiv:2404.10102). The solver's stopping rule is relative to the
//! objective's own value (see [`super::solver`]), so the fitted optimum does not depend on this
//! scaling either way.
//!
//! The Chinchilla family has a vectorised row loop of its own ([`Objective::value_and_gradient`]);
//! every other family (and Chinchilla when asked, [`Objective::generic`]) goes through
//! [`Family::log_prediction_with_gradient`] one row at a time, in the same fixed blocks and
//! order of additions, so its result does not depend on the number of threads either.
//!
//! [`Family::log_prediction_with_gradient`]: crate::law::Family::log_prediction_with_gradient

use serde::{Deserialize, Serialize};

use super::fastmath;

use crate::law::chinchilla::{IDX_A, IDX_ALPHA, IDX_B, IDX_BETA, IDX_E, Theta};
use crate::law::chinchilla::{log_prediction, log_prediction_with_weights};
use crate::law::{LawRef, Row};

/// Default Huber threshold on log-loss residuals (Hoffmann et al. 2022, section 3.3).
pub const DEFAULT_HUBER_DELTA: f64 = 1e-3;

/// Penalty applied to each residual.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResidualLoss {
    /// Huber loss with threshold `delta` (quadratic inside, linear outside).
    Huber {
        /// Residual size at which the loss turns from quadratic to linear.
        delta: f64,
    },
    /// Half the squared residual: least squares on log-loss.
    Squared,
}

impl Default for ResidualLoss {
    fn default() -> Self {
        ResidualLoss::Huber {
            delta: DEFAULT_HUBER_DELTA,
        }
    }
}

impl ResidualLoss {
    /// `rho(r)`.
    #[inline]
    pub fn value(&self, r: f64) -> f64 {
        self.value_and_derivative(r).0
    }

    /// `rho'(r)`.
    #[inline]
    pub fn derivative(&self, r: f64) -> f64 {
        self.value_and_derivative(r).1
    }

    #[inline]
    fn value_and_derivative(&self, r: f64) -> (f64, f64) {
        match *self {
            ResidualLoss::Huber { delta } => Huber(delta).eval(r),
            ResidualLoss::Squared => Squared.eval(r),
        }
    }
}

/// Observed runs in the form the objective consumes: logs computed once, structure of arrays.
#[derive(Debug, Clone)]
pub struct Observations {
    log_n: Vec<f64>,
    log_d: Vec<f64>,
    /// `log C`: from the compute column, or `log(k·N·D)`.
    log_c: Vec<f64>,
    /// `log U` (unique tokens), when the runs have them.
    log_u: Option<Vec<f64>>,
    log_loss: Vec<f64>,
    /// Per-run weights; all 1 unless given.
    weight: Vec<f64>,
    /// `(min, max)` of `log_n` and of `log_d`: bounds on the exponents the objective takes.
    log_n_range: (f64, f64),
    log_d_range: (f64, f64),
}

fn range(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

impl Observations {
    /// Build from natural values. All inputs must be positive and of equal length (the data
    /// module validates this before fitting). Compute is taken as `C = 6·N·D` until
    /// [`Observations::with_compute`] gives it.
    pub fn new(n_params: &[f64], n_tokens: &[f64], loss: &[f64]) -> Self {
        debug_assert!(n_params.len() == n_tokens.len() && n_tokens.len() == loss.len());
        let log_n: Vec<f64> = n_params.iter().map(|v| v.ln()).collect();
        let log_d: Vec<f64> = n_tokens.iter().map(|v| v.ln()).collect();
        let log_k = crate::data::DEFAULT_FLOPS_PER_PARAM_TOKEN.ln();
        let log_c = log_n
            .iter()
            .zip(&log_d)
            .map(|(n, d)| log_k + n + d)
            .collect();
        Self::from_logs(
            [log_n, log_d, log_c],
            None,
            loss.iter().map(|v| v.ln()).collect(),
            vec![1.0; loss.len()],
        )
    }

    fn from_logs(
        [log_n, log_d, log_c]: [Vec<f64>; 3],
        log_u: Option<Vec<f64>>,
        log_loss: Vec<f64>,
        weight: Vec<f64>,
    ) -> Self {
        Observations {
            log_n_range: range(&log_n),
            log_d_range: range(&log_d),
            log_n,
            log_d,
            log_c,
            log_u,
            log_loss,
            weight,
        }
    }

    /// The training compute of every run, FLOPs (positive; same length as the runs).
    pub fn with_compute(mut self, compute: &[f64]) -> Self {
        debug_assert_eq!(compute.len(), self.len());
        self.log_c = compute.iter().map(|c| c.ln()).collect();
        self
    }

    /// The unique tokens of every run (positive; same length as the runs).
    pub fn with_unique_tokens(mut self, unique_tokens: &[f64]) -> Self {
        debug_assert_eq!(unique_tokens.len(), self.len());
        self.log_u = Some(unique_tokens.iter().map(|u| u.ln()).collect());
        self
    }

    /// Attach per-run weights (positive; same length as the runs).
    pub fn with_weights(mut self, weights: Vec<f64>) -> Self {
        debug_assert_eq!(weights.len(), self.log_n.len());
        self.weight = weights;
        self
    }

    /// The same runs with other log losses (a residual or wild bootstrap replicate).
    pub fn with_log_loss(&self, log_loss: Vec<f64>) -> Self {
        debug_assert_eq!(log_loss.len(), self.len());
        Observations {
            log_loss,
            ..self.clone()
        }
    }

    /// A resample: the runs at `rows` (with repetition), keeping weights.
    pub fn select(&self, rows: &[usize]) -> Self {
        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<_>>();
        Self::from_logs(
            [pick(&self.log_n), pick(&self.log_d), pick(&self.log_c)],
            self.log_u.as_deref().map(pick),
            pick(&self.log_loss),
            pick(&self.weight),
        )
    }

    /// The same resample as [`Observations::select`], stored compactly: each distinct run
    /// once, in data order, its weight multiplied by the number of times `rows` draws it. The
    /// objective is the same sum (up to rounding); a bootstrap resample has about 63% of the
    /// runs distinct, so it costs that much less to evaluate.
    pub fn select_counted(&self, rows: &[usize]) -> Self {
        let mut count = vec![0u32; self.len()];
        for &i in rows {
            count[i] += 1;
        }
        let kept: Vec<usize> = (0..self.len()).filter(|&i| count[i] > 0).collect();
        let mut out = self.select(&kept);
        for (w, &i) in out.weight.iter_mut().zip(&kept) {
            *w *= f64::from(count[i]);
        }
        out
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.log_n.len()
    }

    /// True when there are no runs.
    pub fn is_empty(&self) -> bool {
        self.log_n.is_empty()
    }

    /// `log N` of every run.
    pub fn log_n(&self) -> &[f64] {
        &self.log_n
    }

    /// `log D` of every run.
    pub fn log_d(&self) -> &[f64] {
        &self.log_d
    }

    /// `log C` of every run.
    pub fn log_c(&self) -> &[f64] {
        &self.log_c
    }

    /// `log U` of every run, when the runs have unique tokens.
    pub fn log_u(&self) -> Option<&[f64]> {
        self.log_u.as_deref()
    }

    /// The inputs of run `i` as a family reads them (`log U` is NaN when absent).
    #[inline]
    pub fn row(&self, i: usize) -> Row {
        Row {
            log_n: self.log_n[i],
            log_d: self.log_d[i],
            log_u: self.log_u.as_ref().map_or(f64::NAN, |u| u[i]),
            log_c: self.log_c[i],
        }
    }

    /// `log L` of every run.
    pub fn log_loss(&self) -> &[f64] {
        &self.log_loss
    }

    /// Weight of every run.
    pub fn weights(&self) -> &[f64] {
        &self.weight
    }
}

/// Rows per block when one evaluation is split across threads. Blocks are fixed by the row
/// count alone and their sums are added in block order, so the result does not depend on the
/// number of threads.
const PARALLEL_BLOCK_ROWS: usize = 16_384;

/// Rows evaluated side by side in the row loop. Each step of the computation runs over an array
/// of this many rows, which gives the processor several independent vector operations at once
/// (the polynomials are latency-bound): 16 measured 1.3 times faster than 8 and 2 times faster
/// than 4 on the 240-run objective; 32 was no faster. The order of the additions is fixed by
/// it, not by the thread count.
const LANES: usize = 16;

/// Above this exponent the two power-law terms are summed in the overflow-safe way (see
/// [`Objective::value_and_gradient`]); `e^700` is still far from overflow.
const FAST_PATH_MAX_EXPONENT: f64 = 700.0;

/// Sums over rows: the objective and the five gradient components, one accumulator per lane.
#[derive(Clone, Copy)]
struct Sums {
    value: [f64; LANES],
    /// Sums of `s·w1`, `s·w2`, `s·w3`, `s·w1·log N`, `s·w2·log D` with `s = -weight·rho'(r)`.
    grad: [[f64; LANES]; 5],
}

impl Sums {
    const ZERO: Sums = Sums {
        value: [0.0; LANES],
        grad: [[0.0; LANES]; 5],
    };

    fn total(&self) -> (f64, [f64; 5]) {
        let add = |v: &[f64; LANES]| v.iter().fold(0.0, |acc, x| acc + x);
        let mut g = [0.0; 5];
        for (k, lanes) in self.grad.iter().enumerate() {
            g[k] = add(lanes);
        }
        (add(&self.value), g)
    }
}

/// Theta rewritten for the fast row loop.
#[derive(Clone, Copy)]
struct Prepared {
    a_minus_e: f64,
    b_minus_e: f64,
    e: f64,
    alpha: f64,
    beta: f64,
}

impl Prepared {
    fn new(theta: &Theta) -> Self {
        Prepared {
            a_minus_e: theta[IDX_A] - theta[IDX_E],
            b_minus_e: theta[IDX_B] - theta[IDX_E],
            e: theta[IDX_E],
            alpha: theta[IDX_ALPHA],
            beta: theta[IDX_BETA],
        }
    }
}

/// The residual penalty as the fast row loop needs it: value and derivative, inlined.
trait Rho {
    fn eval(&self, r: f64) -> (f64, f64);
}

struct Huber(f64);

impl Rho for Huber {
    #[inline(always)]
    fn eval(&self, r: f64) -> (f64, f64) {
        let delta = self.0;
        let abs = r.abs();
        let value = if abs <= delta {
            0.5 * r * r
        } else {
            delta * (abs - 0.5 * delta)
        };
        (value, r.clamp(-delta, delta))
    }
}

struct Squared;

impl Rho for Squared {
    #[inline(always)]
    fn eval(&self, r: f64) -> (f64, f64) {
        (0.5 * r * r, r)
    }
}

/// Add `LANES` rows (`[log N, log D, log L, weight]`, one array each) to `sums`, one lane per
/// row. Each step is written over whole lane arrays so that it compiles to vector instructions.
#[inline(always)]
fn add_lanes<const GRAD: bool, R: Rho>(
    p: &Prepared,
    [x, y, l, w]: [[f64; LANES]; 4],
    rho: &R,
    sums: &mut Sums,
) {
    let mut x1 = [0.0; LANES];
    let mut x2 = [0.0; LANES];
    let mut total = [0.0; LANES];
    let mut slope = [0.0; LANES];
    for j in 0..LANES {
        x1[j] = fastmath::exp(p.a_minus_e - p.alpha * x[j]);
        x2[j] = fastmath::exp(p.b_minus_e - p.beta * y[j]);
        total[j] = 1.0 + x1[j] + x2[j];
    }
    for j in 0..LANES {
        let r = l[j] - (p.e + fastmath::ln(total[j]));
        let (value, d) = rho.eval(r);
        sums.value[j] += w[j] * value;
        slope[j] = d;
    }
    if GRAD {
        for j in 0..LANES {
            let s = -w[j] * slope[j] / total[j];
            let (s1, s2) = (s * x1[j], s * x2[j]);
            sums.grad[0][j] += s1;
            sums.grad[1][j] += s2;
            sums.grad[2][j] += s;
            sums.grad[3][j] += s1 * x[j];
            sums.grad[4][j] += s2 * y[j];
        }
    }
}

/// The objective over a set of observations.
#[derive(Debug, Clone)]
pub struct Objective<'a> {
    obs: &'a Observations,
    loss: ResidualLoss,
    law: LawRef,
    /// Chinchilla's vectorised row loop (else the family's row by row).
    fast: bool,
}

impl<'a> Objective<'a> {
    /// Objective of the Chinchilla law for `obs` with residual penalty `loss`.
    pub fn new(obs: &'a Observations, loss: ResidualLoss) -> Self {
        Self::for_law(obs, LawRef::chinchilla(), loss)
    }

    /// Objective of the family `law` for `obs` with residual penalty `loss`.
    pub fn for_law(obs: &'a Observations, law: LawRef, loss: ResidualLoss) -> Self {
        Objective {
            obs,
            loss,
            law,
            fast: law.is_chinchilla(),
        }
    }

    /// The same objective evaluated row by row through the family's
    /// [`log_prediction_with_gradient`](crate::law::Family::log_prediction_with_gradient)
    /// even for Chinchilla: for tests and benchmarks of the generic path.
    pub fn generic(obs: &'a Observations, law: LawRef, loss: ResidualLoss) -> Self {
        Objective {
            obs,
            loss,
            law,
            fast: false,
        }
    }

    /// The family.
    pub fn law(&self) -> LawRef {
        self.law
    }

    /// The observations.
    pub fn observations(&self) -> &'a Observations {
        self.obs
    }

    /// Objective value at `theta` (of the family's length).
    pub fn value(&self, theta: &[f64]) -> f64 {
        if !self.fast {
            return self.evaluate_generic::<false>(theta).0;
        }
        self.evaluate::<false>(&as_theta(theta)).0
    }

    /// Objective value and its gradient with respect to `theta`.
    ///
    /// With `u1 = a - e - alpha·log N` and `u2 = b - e - beta·log D`,
    ///
    /// ```text
    /// log L^ = e + ln(1 + exp(u1) + exp(u2))
    /// ```
    ///
    /// two exponentials and one logarithm per run, by the branch-free functions of the crate's
    /// `fastmath` module in a loop the compiler vectorises. When either power-law term could
    /// exceed `e^700` times `E` at some run (found from the ranges of log N and log D, before
    /// the loop) or theta is not finite, the stable log-sum-exp form is used instead.
    pub fn value_and_gradient(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        if !self.fast {
            return self.evaluate_generic::<true>(theta);
        }
        let (value, g) = self.evaluate::<true>(&as_theta(theta));
        (value, g.to_vec())
    }

    /// Sums of the generic row loop: value, and gradient with respect to theta.
    fn evaluate_generic<const GRAD: bool>(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let n = self.obs.len();
        if n <= PARALLEL_BLOCK_ROWS {
            return self.generic_block::<GRAD>(theta, 0, n);
        }
        use rayon::prelude::*;
        let blocks: Vec<(f64, Vec<f64>)> = (0..n.div_ceil(PARALLEL_BLOCK_ROWS))
            .into_par_iter()
            .map(|b| {
                let start = b * PARALLEL_BLOCK_ROWS;
                self.generic_block::<GRAD>(theta, start, (start + PARALLEL_BLOCK_ROWS).min(n))
            })
            .collect();
        let mut value = 0.0;
        let mut g = vec![0.0; theta.len()];
        for (v, bg) in &blocks {
            value += v;
            for (acc, x) in g.iter_mut().zip(bg) {
                *acc += x;
            }
        }
        (value, g)
    }

    /// Rows `start..end` of the generic row loop, added in row order.
    fn generic_block<const GRAD: bool>(
        &self,
        theta: &[f64],
        start: usize,
        end: usize,
    ) -> (f64, Vec<f64>) {
        let o = self.obs;
        let family = self.law.family();
        let mut sum = 0.0;
        let mut g = vec![0.0; if GRAD { theta.len() } else { 0 }];
        let mut row_grad = vec![0.0; theta.len()];
        for i in start..end {
            let row = o.row(i);
            let wt = o.weight[i];
            if !GRAD {
                let r = o.log_loss[i] - family.log_prediction(theta, &row);
                sum += wt * self.loss.value(r);
                continue;
            }
            let pred = family.log_prediction_with_gradient(theta, &row, &mut row_grad);
            let (value, slope) = self.loss.value_and_derivative(o.log_loss[i] - pred);
            sum += wt * value;
            // d rho(r) / d theta = -rho'(r) · d pred / d theta
            let s = -wt * slope;
            for (acc, d) in g.iter_mut().zip(&row_grad) {
                *acc += s * d;
            }
        }
        (sum, g)
    }

    fn evaluate<const GRAD: bool>(&self, theta: &Theta) -> (f64, Theta) {
        let o = self.obs;
        let p = Prepared::new(theta);
        let top = |coef: f64, slope: f64, (lo, hi): (f64, f64)| {
            coef - slope * if slope >= 0.0 { lo } else { hi }
        };
        let fast = theta.iter().all(|t| t.is_finite())
            && top(p.a_minus_e, p.alpha, o.log_n_range) <= FAST_PATH_MAX_EXPONENT
            && top(p.b_minus_e, p.beta, o.log_d_range) <= FAST_PATH_MAX_EXPONENT;
        if !fast {
            return self.evaluate_stable::<GRAD>(theta);
        }
        let n = o.len();
        let sums = if n <= PARALLEL_BLOCK_ROWS {
            self.block::<GRAD>(&p, 0, n)
        } else {
            use rayon::prelude::*;
            let blocks: Vec<Sums> = (0..n.div_ceil(PARALLEL_BLOCK_ROWS))
                .into_par_iter()
                .map(|b| {
                    let start = b * PARALLEL_BLOCK_ROWS;
                    self.block::<GRAD>(&p, start, (start + PARALLEL_BLOCK_ROWS).min(n))
                })
                .collect();
            let mut all = Sums::ZERO;
            for b in &blocks {
                for l in 0..LANES {
                    all.value[l] += b.value[l];
                    for k in 0..5 {
                        all.grad[k][l] += b.grad[k][l];
                    }
                }
            }
            all
        };
        let (value, s) = sums.total();
        let mut g = [0.0; 5];
        if GRAD {
            g[IDX_A] = s[0];
            g[IDX_B] = s[1];
            g[IDX_E] = s[2];
            g[IDX_ALPHA] = -s[3];
            g[IDX_BETA] = -s[4];
        }
        (value, g)
    }

    /// Sums over rows `start..end` on the fast path.
    ///
    /// On x86-64 processors with AVX2 the same code is compiled a second time for 4-wide
    /// vectors and chosen at run time. It performs the same operations in the same order
    /// (AVX2 without FMA, which would round differently), so the result is bit for bit the
    /// same on every x86-64 processor.
    fn block<const GRAD: bool>(&self, p: &Prepared, start: usize, end: usize) -> Sums {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2 (checked just above).
            return unsafe { self.block_avx2::<GRAD>(p, start, end) };
        }
        self.block_any::<GRAD>(p, start, end)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn block_avx2<const GRAD: bool>(&self, p: &Prepared, start: usize, end: usize) -> Sums {
        self.block_any::<GRAD>(p, start, end)
    }

    #[inline(always)]
    fn block_any<const GRAD: bool>(&self, p: &Prepared, start: usize, end: usize) -> Sums {
        match self.loss {
            ResidualLoss::Huber { delta } => self.rows::<GRAD, _>(p, start, end, &Huber(delta)),
            ResidualLoss::Squared => self.rows::<GRAD, _>(p, start, end, &Squared),
        }
    }

    #[inline(always)]
    fn rows<const GRAD: bool, R: Rho>(
        &self,
        p: &Prepared,
        start: usize,
        end: usize,
        rho: &R,
    ) -> Sums {
        let o = self.obs;
        let (x, y) = (&o.log_n[start..end], &o.log_d[start..end]);
        let (l, w) = (&o.log_loss[start..end], &o.weight[start..end]);
        let mut sums = Sums::ZERO;
        let lanes = |v: &[f64]| -> [f64; LANES] { v.try_into().expect("LANES values") };
        let full = x.len() / LANES * LANES;
        for i in (0..full).step_by(LANES) {
            let r = i..i + LANES;
            let rows = [&x[r.clone()], &y[r.clone()], &l[r.clone()], &w[r]].map(lanes);
            add_lanes::<GRAD, R>(p, rows, rho, &mut sums);
        }
        if full < x.len() {
            // The last rows, padded with weight-0 rows that add exactly 0.
            let mut rows = [[0.0; LANES]; 4];
            for (k, v) in [x, y, l, w].into_iter().enumerate() {
                rows[k][..x.len() - full].copy_from_slice(&v[full..]);
            }
            add_lanes::<GRAD, R>(p, rows, rho, &mut sums);
        }
        sums
    }

    /// The overflow-safe form, for thetas the fast path cannot take.
    fn evaluate_stable<const GRAD: bool>(&self, theta: &Theta) -> (f64, Theta) {
        let o = self.obs;
        let mut sum = 0.0;
        let mut g = [0.0; 5];
        for i in 0..o.len() {
            let (x, y) = (o.log_n[i], o.log_d[i]);
            let wt = o.weight[i];
            if !GRAD {
                let r = o.log_loss[i] - log_prediction(theta, x, y);
                sum += wt * self.loss.value(r);
                continue;
            }
            let (pred, w) = log_prediction_with_weights(theta, x, y);
            let (value, slope) = self.loss.value_and_derivative(o.log_loss[i] - pred);
            sum += wt * value;
            // d rho(r) / d theta = -rho'(r) · d pred / d theta
            let s = -wt * slope;
            g[IDX_A] += s * w[0];
            g[IDX_B] += s * w[1];
            g[IDX_E] += s * w[2];
            g[IDX_ALPHA] -= s * w[0] * x;
            g[IDX_BETA] -= s * w[1] * y;
        }
        (sum, g)
    }

    /// Residuals `log L_i - log L^_i` at `theta`.
    pub fn residuals(&self, theta: &[f64]) -> Vec<f64> {
        let o = self.obs;
        if self.law.is_chinchilla() {
            let theta = as_theta(theta);
            return (0..o.len())
                .map(|i| o.log_loss[i] - log_prediction(&theta, o.log_n[i], o.log_d[i]))
                .collect();
        }
        let family = self.law.family();
        (0..o.len())
            .map(|i| o.log_loss[i] - family.log_prediction(theta, &o.row(i)))
            .collect()
    }
}

/// A Chinchilla theta from a slice of five.
#[inline]
fn as_theta(theta: &[f64]) -> Theta {
    let mut t = [0.0; 5];
    t.copy_from_slice(theta);
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::ChinchillaLaw;
    use proptest::prelude::*;

    /// Relative tolerance between the analytic gradient and central differences.
    const GRAD_RTOL: f64 = 1e-5;

    fn sample_obs() -> Observations {
        let law = ChinchillaLaw::HOFFMANN_2022;
        let mut n = Vec::new();
        let mut d = Vec::new();
        let mut l = Vec::new();
        for (i, &np) in [7e7, 3e8, 1e9, 5e9, 1.6e10].iter().enumerate() {
            for (j, &nt) in [3e8, 4e9, 2e10, 3e11].iter().enumerate() {
                n.push(np);
                d.push(nt);
                // deterministic wiggle so residuals straddle the Huber threshold
                let wiggle = 0.004 * (((i * 7 + j * 3) % 5) as f64 - 2.0);
                l.push(law.loss(np, nt) * wiggle.exp());
            }
        }
        Observations::new(&n, &d, &l)
    }

    fn central_difference(obj: &Objective, theta: &Theta, k: usize) -> f64 {
        let h = 1e-6 * (1.0 + theta[k].abs());
        let (mut up, mut down) = (*theta, *theta);
        up[k] += h;
        down[k] -= h;
        (obj.value(&up) - obj.value(&down)) / (2.0 * h)
    }

    proptest! {
        // Seeded, so that CI runs the same cases every time.
        #![proptest_config(ProptestConfig {
            rng_seed: proptest::test_runner::RngSeed::Fixed(20240418),
            ..ProptestConfig::default()
        })]

        #[test]
        fn gradient_matches_finite_differences(
            a in 0.0f64..10.0, b in 0.0f64..10.0, e in -1.0f64..1.0,
            alpha in 0.05f64..1.0, beta in 0.05f64..1.0, huber in any::<bool>(),
        ) {
            let obs = sample_obs();
            let loss = if huber { ResidualLoss::default() } else { ResidualLoss::Squared };
            let obj = Objective::new(&obs, loss);
            let theta = [a, b, e, alpha, beta];
            let (v, g) = obj.value_and_gradient(&theta);
            prop_assert!((v - obj.value(&theta)).abs() <= 1e-12 * v.abs().max(1e-300));
            // Compare against the gradient's overall size: a small component next to large
            // ones carries the finite-difference error of the whole objective. Rounding adds
            // about eps·|f|/h to a central difference, which matters when the gradient is tiny.
            let scale = g.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-12);
            for (k, &gk) in g.iter().enumerate() {
                let fd = central_difference(&obj, &theta, k);
                let h = 1e-6 * (1.0 + theta[k].abs());
                let rounding = 10.0 * f64::EPSILON * v.abs() / h;
                prop_assert!((gk - fd).abs() <= GRAD_RTOL * scale + rounding,
                    "component {k}: analytic {gk} vs fd {fd} (scale {scale})");
            }
        }
    }

    #[test]
    fn huber_is_quadratic_inside_and_linear_outside() {
        let h = ResidualLoss::Huber { delta: 0.5 };
        assert!((h.value(0.4) - 0.08).abs() < 1e-15);
        assert!((h.value(-2.0) - 0.5 * (2.0 - 0.25)).abs() < 1e-15);
        assert!((h.derivative(3.0) - 0.5).abs() < 1e-15);
        assert!((h.derivative(-0.2) + 0.2).abs() < 1e-15);
    }

    #[test]
    fn objective_is_zero_at_the_true_law_without_noise() {
        let law = ChinchillaLaw::HOFFMANN_2022;
        let n = [1e8, 1e9, 1e10];
        let d = [1e9, 2e10, 3e11];
        let l: Vec<f64> = n.iter().zip(&d).map(|(&a, &b)| law.loss(a, b)).collect();
        let obs = Observations::new(&n, &d, &l);
        let v = Objective::new(&obs, ResidualLoss::default()).value(&law.theta());
        assert!(v < 1e-28, "{v}");
    }
    /// Runs from `sample_obs` repeated to `rows` rows, with varied weights.
    fn many_rows(rows: usize) -> Observations {
        let base = sample_obs();
        let pick: Vec<usize> = (0..rows).map(|i| (i * 7) % base.len()).collect();
        let weights = (0..rows).map(|i| 0.5 + (i % 3) as f64).collect();
        base.select(&pick).with_weights(weights)
    }

    #[test]
    fn fast_and_stable_forms_agree() {
        // Row counts around the lane width, so that the padded last lanes are exercised.
        for rows in [1, 3, 4, 7, 8, 9, 17, 240] {
            let obs = many_rows(rows);
            for loss in [ResidualLoss::default(), ResidualLoss::Squared] {
                let obj = Objective::new(&obs, loss);
                for theta in [
                    ChinchillaLaw::HOFFMANN_2022.theta(),
                    [3.0, 9.0, -0.5, 0.2, 0.6],
                    [20.0, 1.0, 1.0, 1.5, 0.05],
                ] {
                    // The two forms differ by a few ulp in log L^ (about 1e-16 absolute), which is
                    // a larger part of a small residual r, and of r's share in the gradient.
                    let (fast, g) = obj.value_and_gradient(&theta);
                    let (stable, gs) = obj.evaluate_stable::<true>(&theta);
                    assert!(
                        (fast - stable).abs() <= 1e-11 * stable.abs(),
                        "{fast} vs {stable}"
                    );
                    assert_eq!(
                        obj.value(&theta),
                        fast,
                        "value and value_and_gradient differ"
                    );
                    let scale = gs.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                    for k in 0..5 {
                        assert!((g[k] - gs[k]).abs() <= 1e-9 * scale, "{k}: {g:?} vs {gs:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn generic_row_loop_agrees_with_the_fast_one() {
        // Chinchilla through the Family trait, row by row.
        for rows in [1, 7, 17, 240] {
            let obs = many_rows(rows);
            for loss in [ResidualLoss::default(), ResidualLoss::Squared] {
                let law = LawRef::chinchilla();
                let fast = Objective::for_law(&obs, law, loss);
                let generic = Objective::generic(&obs, law, loss);
                for theta in [
                    ChinchillaLaw::HOFFMANN_2022.theta(),
                    [3.0, 9.0, -0.5, 0.2, 0.6],
                    [820.0, 5.0, 0.5, 0.1, 0.3],
                ] {
                    let (f, gf) = fast.value_and_gradient(&theta);
                    let (g, gg) = generic.value_and_gradient(&theta);
                    assert!((f - g).abs() <= 1e-11 * f.abs(), "{f} vs {g}");
                    assert_eq!(generic.value(&theta), g);
                    let scale = gf.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                    for k in 0..5 {
                        assert!(
                            (gf[k] - gg[k]).abs() <= 1e-9 * scale,
                            "{k}: {gf:?} vs {gg:?}"
                        );
                    }
                    assert_eq!(fast.residuals(&theta), generic.residuals(&theta));
                }
            }
        }
    }

    #[test]
    fn generic_row_loop_is_the_same_at_any_thread_count() {
        let obs = many_rows(3 * PARALLEL_BLOCK_ROWS + 5);
        let obj = Objective::generic(&obs, LawRef::chinchilla(), ResidualLoss::default());
        let theta = [3.0, 9.0, -0.5, 0.2, 0.6];
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| obj.value_and_gradient(&theta))
        };
        let one = on(1);
        assert_eq!(one, on(2));
        assert_eq!(one, on(3));
    }

    #[test]
    fn observations_carry_compute_and_unique_tokens_through_resamples() {
        let obs = Observations::new(&[1e8, 2e8, 4e8], &[1e9, 2e9, 4e9], &[3.0, 2.9, 2.8]);
        // C = 6·N·D until a compute column is given.
        assert!((obs.log_c()[1] - (6.0f64 * 2e8 * 2e9).ln()).abs() < 1e-12);
        assert!(obs.row(0).log_u.is_nan() && obs.log_u().is_none());
        let obs = obs
            .with_compute(&[7e17, 8e17, 9e17])
            .with_unique_tokens(&[5e8, 2e9, 1e9]);
        let picked = obs.select_counted(&[2, 2, 0]);
        assert_eq!(picked.len(), 2);
        let row = picked.row(1);
        assert_eq!((row.log_c, row.log_u), (9e17f64.ln(), 1e9f64.ln()));
        assert_eq!(picked.weights(), &[1.0, 2.0]);
    }

    #[test]
    fn thetas_that_could_overflow_take_the_stable_form() {
        let obs = sample_obs();
        let obj = Objective::new(&obs, ResidualLoss::default());
        // a - e - alpha·log N reaches 800 at the smallest N: e^800 overflows.
        let theta = [820.0, 5.0, 0.5, 0.1, 0.3];
        let (v, g) = obj.value_and_gradient(&theta);
        assert!(v.is_finite() && g.iter().all(|x| x.is_finite()));
        let (sv, sg) = obj.evaluate_stable::<true>(&theta);
        assert_eq!((v, g), (sv, sg.to_vec()));
    }

    #[test]
    fn split_evaluation_is_the_same_at_any_thread_count() {
        let obs = many_rows(3 * PARALLEL_BLOCK_ROWS + 5);
        let obj = Objective::new(&obs, ResidualLoss::default());
        let theta = [3.0, 9.0, -0.5, 0.2, 0.6];
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| obj.value_and_gradient(&theta))
        };
        let one = on(1);
        assert_eq!(one, on(2));
        assert_eq!(one, on(3));
        let (stable, _) = obj.evaluate_stable::<false>(&theta);
        assert!((one.0 - stable).abs() <= 1e-12 * stable);
    }

    #[test]
    fn counted_resample_is_the_same_objective() {
        let obs = many_rows(50);
        let rows: Vec<usize> = (0..50).map(|i| (i * i + 3) % 50).collect();
        let theta = [3.0, 9.0, -0.5, 0.2, 0.6];
        let plain = obs.select(&rows);
        let counted = obs.select_counted(&rows);
        assert!(counted.len() < plain.len());
        let (a, ga) = Objective::new(&plain, ResidualLoss::default()).value_and_gradient(&theta);
        let (b, gb) = Objective::new(&counted, ResidualLoss::default()).value_and_gradient(&theta);
        assert!((a - b).abs() <= 1e-13 * a, "{a} vs {b}");
        for k in 0..5 {
            assert!(
                (ga[k] - gb[k]).abs() <= 1e-12 * ga[k].abs().max(1e-300),
                "{k}"
            );
        }
    }
    #[cfg(target_arch = "x86_64")]
    #[test]
    #[allow(clippy::print_stderr)] // says why the comparison was skipped
    fn avx2_and_baseline_code_give_the_same_bits() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            eprintln!("this processor has no AVX2: only the baseline code runs here");
            return;
        }
        let obs = many_rows(1000 + 7);
        for loss in [ResidualLoss::default(), ResidualLoss::Squared] {
            let obj = Objective::new(&obs, loss);
            for theta in [
                ChinchillaLaw::HOFFMANN_2022.theta(),
                [3.0, 9.0, -0.5, 0.2, 0.6],
            ] {
                let p = Prepared::new(&theta);
                let n = obs.len();
                let baseline = obj.block_any::<true>(&p, 0, n).total();
                // SAFETY: AVX2 is present (checked above).
                let avx2 = unsafe { obj.block_avx2::<true>(&p, 0, n) }.total();
                assert_eq!(baseline.0.to_bits(), avx2.0.to_bits());
                for k in 0..5 {
                    assert_eq!(
                        baseline.1[k].to_bits(),
                        avx2.1[k].to_bits(),
                        "component {k}"
                    );
                }
            }
        }
    }
}
