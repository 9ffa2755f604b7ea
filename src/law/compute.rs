//! A law of compute alone: the loss as a power law of training compute plus a floor.
//!
//! ```text
//! L(C) = E + A · C^(−gamma)
//! log L = LSE(e, a − gamma · log C),   E = exp(e), A = exp(a)
//! d/de = w1,   d/da = w2,   d/dgamma = −w2 · log C
//! ```
//!
//! with softmax weights `w1, w2` of the two terms. This is the form of Kaplan et al. 2020
//! (arXiv:2001.08361, eq. 1.4 and Figure 13, with an irreducible term) and of the
//! compute-frontier fits of Hoffmann et al. 2022 (Figure 1) and Besiroglu et al. 2024: it
//! needs one number per run, so it serves users with one run per budget, but it says nothing
//! about how to split compute between parameters and data ([`Family::has_allocation`] is
//! false).
//!
//! **Fitted to the compute frontier or to all runs.** `L(C)` is the *best* loss reachable
//! with compute `C`. Fitted to every run of a sweep that varies model size at each budget, it
//! describes the average run, not the best one, and its exponent mixes the law with the
//! sweep's design. [`frontier_runs`] selects the runs that trace the frontier, so that a
//! caller can fit either:
//!
//! - [`Frontier::AllRuns`]: every run (one run per budget, each near compute-optimal);
//! - [`Frontier::LowestPerLevel`]: the lowest-loss run at each compute level (runs within
//!   `tolerance_dex` decades of the level's smallest compute), as in an IsoFLOP sweep;
//! - [`Frontier::LowerConvexHull`]: the runs on the lower convex envelope of `(log C, L)` up to
//!   the lowest loss, for runs at scattered compute values. `L(C)` is convex in `log C`, so
//!   runs above the envelope cannot be on the frontier. The run with the least compute is
//!   always on the envelope (nothing spent less), even when it is a poor run of an IsoFLOP
//!   group: for IsoFLOP sweeps use the levels.

use serde::{Deserialize, Serialize};

use super::{Family, Input, Param, Row, Transform};

/// Index of `e = log E` in solver space.
pub const IDX_E: usize = 0;
/// Index of `a = log A` in solver space.
pub const IDX_A: usize = 1;
/// Index of `gamma` in solver space.
pub const IDX_GAMMA: usize = 2;

/// Width of a compute level of [`Frontier::LowestPerLevel`] by default, in decades: the
/// width of an IsoFLOP group (twice the 0.03-decade tolerance of [`crate::approaches::isoflop`]).
pub const DEFAULT_LEVEL_TOLERANCE_DEX: f64 = 0.06;

/// The law `L(C) = E + A·C^(−gamma)` in its natural parameters.
///
/// # Examples
///
/// ```
/// use scaling_laws::law::ComputeLaw;
/// let law = ComputeLaw { irreducible: 1.7, coefficient: 1000.0, gamma: 0.15 };
/// // 1e20 FLOPs: C^-0.15 = 1e-3.
/// assert!((law.loss(1e20) - 2.7).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ComputeLaw {
    /// `E`: the loss with unlimited compute.
    #[serde(rename = "E")]
    pub irreducible: f64,
    /// `A`: coefficient of the compute term.
    #[serde(rename = "A")]
    pub coefficient: f64,
    /// `gamma`: exponent of compute.
    pub gamma: f64,
}

impl ComputeLaw {
    /// The law from solver-space parameters `(e, a, gamma)`.
    pub fn from_theta(theta: &[f64]) -> Self {
        ComputeLaw {
            irreducible: theta[IDX_E].exp(),
            coefficient: theta[IDX_A].exp(),
            gamma: theta[IDX_GAMMA],
        }
    }

    /// Solver-space parameters `(e, a, gamma)`. Coefficients must be positive.
    pub fn theta(&self) -> [f64; 3] {
        [self.irreducible.ln(), self.coefficient.ln(), self.gamma]
    }

    /// Predicted loss at `compute` FLOPs.
    pub fn loss(&self, compute: f64) -> f64 {
        self.irreducible + self.coefficient * compute.powf(-self.gamma)
    }
}

/// The family of compute alone: `L = E + A·C^(−gamma)`, solver space `(e, a, gamma)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComputeOnly;

const COEF_BOUNDS: (f64, f64) = (-700.0, 700.0);
const EXPONENT_BOUNDS: (f64, f64) = (0.0, 10.0);
const GRID_E: &[f64] = &[-1.0, -0.5, 0.0, 0.5, 1.0];
// For C in 1e15..1e25 FLOPs (log C 35..58), a ≈ gamma·log C + log(L − E): from 0 for shallow
// laws to about 30 for gamma = 0.5.
const GRID_A: &[f64] = &[0.0, 2.5, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0];
// Kaplan et al.'s frontier has 0.05; Chinchilla's implies alpha·beta/(alpha+beta) = 0.15.
const GRID_GAMMA: &[f64] = &[0.025, 0.05, 0.1, 0.2, 0.3, 0.5];

const PARAMS: [Param; 3] = [
    Param {
        name: "e",
        natural: "E",
        transform: Transform::Log,
        bounds: COEF_BOUNDS,
        nonzero: false,
        grid: GRID_E,
        doc: "irreducible loss, reached only with unlimited compute",
    },
    Param {
        name: "a",
        natural: "A",
        transform: Transform::Log,
        bounds: COEF_BOUNDS,
        nonzero: false,
        grid: GRID_A,
        doc: "coefficient of the compute term A·C^-gamma",
    },
    Param {
        name: "gamma",
        natural: "gamma",
        transform: Transform::Identity,
        bounds: EXPONENT_BOUNDS,
        nonzero: false,
        grid: GRID_GAMMA,
        doc: "exponent of training compute",
    },
];

/// `(log L, w2)`: the prediction and the weight of the compute term.
#[inline]
fn lse(theta: &[f64], log_c: f64) -> (f64, f64) {
    let t1 = theta[IDX_E];
    let t2 = theta[IDX_A] - theta[IDX_GAMMA] * log_c;
    let m = t1.max(t2);
    let (x1, x2) = ((t1 - m).exp(), (t2 - m).exp());
    (m + (x1 + x2).ln(), x2 / (x1 + x2))
}

impl Family for ComputeOnly {
    fn name(&self) -> &'static str {
        "compute"
    }

    fn formula(&self) -> &'static str {
        "L = E + A · C^(-gamma)"
    }

    fn citation(&self) -> &'static str {
        "Kaplan et al. 2020, arXiv:2001.08361, eq. 1.4 (with an irreducible term)"
    }

    fn params(&self) -> &'static [Param] {
        &PARAMS
    }

    fn inputs(&self) -> &'static [Input] {
        &[Input::Compute]
    }

    fn log_prediction(&self, theta: &[f64], row: &Row) -> f64 {
        lse(theta, row.log_c).0
    }

    fn log_prediction_with_gradient(&self, theta: &[f64], row: &Row, grad: &mut [f64]) -> f64 {
        let (value, w2) = lse(theta, row.log_c);
        grad[IDX_E] = 1.0 - w2;
        grad[IDX_A] = w2;
        grad[IDX_GAMMA] = -w2 * row.log_c;
        value
    }

    fn has_allocation(&self) -> bool {
        false
    }
}

/// Which runs a law of compute alone is fitted to (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Frontier {
    /// Every run.
    AllRuns,
    /// The lowest-loss run of each compute level; a level holds the runs within
    /// `tolerance_dex` decades of its smallest compute.
    LowestPerLevel {
        /// Width of a level in decades of compute, e.g. [`DEFAULT_LEVEL_TOLERANCE_DEX`].
        tolerance_dex: f64,
    },
    /// The runs on the lower convex envelope of `(log C, L)`, from the smallest compute to the
    /// lowest loss.
    LowerConvexHull,
}

/// Indices of the runs on the `frontier`, in increasing compute (ties in data order). Runs
/// whose compute or loss is not a positive finite number are never selected.
///
/// # Examples
///
/// ```
/// use scaling_laws::law::compute::{Frontier, frontier_runs};
/// // Two budgets with three model sizes each; the best of each budget is the frontier.
/// let compute = [1e18, 1e18, 1e18, 1e19, 1e19, 1e19];
/// let loss = [3.2, 3.0, 3.1, 2.9, 2.7, 2.8];
/// let level = Frontier::LowestPerLevel { tolerance_dex: 0.06 };
/// assert_eq!(frontier_runs(&compute, &loss, level), vec![1, 4]);
/// assert_eq!(frontier_runs(&compute, &loss, Frontier::AllRuns).len(), 6);
/// ```
pub fn frontier_runs(compute: &[f64], loss: &[f64], frontier: Frontier) -> Vec<usize> {
    let usable = |&i: &usize| {
        compute[i].is_finite() && compute[i] > 0.0 && loss[i].is_finite() && loss[i] > 0.0
    };
    let mut order: Vec<usize> = (0..compute.len().min(loss.len())).filter(usable).collect();
    order.sort_by(|&i, &j| compute[i].total_cmp(&compute[j]).then(i.cmp(&j)));
    match frontier {
        Frontier::AllRuns => order,
        Frontier::LowestPerLevel { tolerance_dex } => {
            lowest_per_level(&order, compute, loss, tolerance_dex)
        }
        Frontier::LowerConvexHull => lower_convex_hull(&order, compute, loss),
    }
}

/// The lowest-loss run of each level (`order` sorted by compute).
fn lowest_per_level(order: &[usize], compute: &[f64], loss: &[f64], tol: f64) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut level_start = f64::NEG_INFINITY;
    for &i in order {
        let log_c = compute[i].log10();
        if log_c - level_start > tol {
            level_start = log_c;
            out.push(i);
        } else if let Some(best) = out.last_mut()
            && loss[i] < loss[*best]
        {
            *best = i;
        }
    }
    out
}

/// Monotone-chain lower hull of `(ln C, L)` (`order` sorted by compute), cut at its lowest
/// loss. Points on a straight stretch of the hull are kept.
fn lower_convex_hull(order: &[usize], compute: &[f64], loss: &[f64]) -> Vec<usize> {
    // At equal compute only the lowest loss can be on the envelope.
    let mut points: Vec<usize> = Vec::new();
    for &i in order {
        match points.last_mut() {
            Some(last) if compute[*last] == compute[i] => {
                if loss[i] < loss[*last] {
                    *last = i;
                }
            }
            _ => points.push(i),
        }
    }
    let xy = |i: usize| (compute[i].ln(), loss[i]);
    let mut hull: Vec<usize> = Vec::new();
    for &p in &points {
        while hull.len() >= 2 {
            let (o, a, b) = (xy(hull[hull.len() - 2]), xy(hull[hull.len() - 1]), xy(p));
            let cross = (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
            if cross < 0.0 {
                hull.pop();
            } else {
                break;
            }
        }
        hull.push(p);
    }
    let lowest = hull
        .iter()
        .enumerate()
        .min_by(|a, b| loss[*a.1].total_cmp(&loss[*b.1]))
        .map_or(0, |(k, _)| k);
    hull.truncate(lowest + 1);
    hull
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::least_squares::fit_from_grid;
    use crate::law::testing::check_gradient;

    fn row(compute: f64) -> Row {
        Row {
            log_n: f64::NAN,
            log_d: f64::NAN,
            log_u: f64::NAN,
            log_c: compute.ln(),
        }
    }

    const LAW: ComputeLaw = ComputeLaw {
        irreducible: 1.69,
        coefficient: 1500.0,
        gamma: 0.155,
    };

    #[test]
    fn log_prediction_matches_the_formula() {
        for c in [1e15, 1e20, 5.76e23, 1e25] {
            let direct = LAW.loss(c).ln();
            let lse = ComputeOnly.log_prediction(&LAW.theta(), &row(c));
            assert!((direct - lse).abs() < 1e-13, "{c}");
        }
        // 1e20 FLOPs: C^-0.155 = 10^-3.1.
        assert!((LAW.loss(1e20) - (1.69 + 1500.0 * 10f64.powf(-3.1))).abs() < 1e-12);
    }

    #[test]
    fn gradient_matches_central_differences() {
        let thetas = [
            LAW.theta(),
            [-1.0, 30.0, 0.5],
            [1.0, 0.0, 0.025],
            [-700.0, 600.0, 10.0],
            [5.0, -50.0, 0.0],
        ];
        for theta in &thetas {
            for c in [1e15, 1e20, 1e25, 1.0] {
                check_gradient(&ComputeOnly, theta, &row(c));
            }
        }
    }

    #[test]
    fn has_no_allocation() {
        assert!(!ComputeOnly.has_allocation());
        assert!(
            ComputeOnly
                .closed_form_allocation(&LAW.theta(), 1e20, 6.0)
                .is_none()
        );
        assert!(ComputeOnly.params_exponent(&LAW.theta()).is_none());
        assert_eq!(ComputeOnly.inputs(), &[Input::Compute]);
    }

    #[test]
    fn default_grid_recovers_laws_over_ten_decades_of_compute() {
        let shallow = ComputeLaw {
            irreducible: 0.5,
            coefficient: 10.0,
            gamma: 0.05,
        };
        for law in [LAW, shallow] {
            let rows: Vec<Row> = (0..=20)
                .map(|i| row(10f64.powf(15.0 + 0.5 * i as f64)))
                .collect();
            let y: Vec<f64> = rows.iter().map(|r| law.loss(r.log_c.exp()).ln()).collect();
            let (theta, sse) = fit_from_grid(&ComputeOnly, &rows, &y, &[None; 3], 1);
            assert!(sse < 1e-20, "{sse}");
            for (got, want) in theta.iter().zip(law.theta()) {
                assert!((got / want - 1.0).abs() < 1e-6, "{theta:?} vs {law:?}");
            }
        }
    }

    /// Three model sizes at each of five budgets; the middle size is the best one.
    fn isoflop_sweep() -> (Vec<f64>, Vec<f64>) {
        let (mut compute, mut loss) = (Vec::new(), Vec::new());
        for (b, c) in [1e18, 1e19, 1e20, 1e21, 1e22].into_iter().enumerate() {
            for (s, excess) in [0.2, 0.0, 0.1].into_iter().enumerate() {
                // Budgets drift by a few percent within a group.
                compute.push(c * (1.0 + 0.01 * s as f64));
                loss.push(LAW.loss(c) + excess + 0.001 * b as f64);
            }
        }
        (compute, loss)
    }

    #[test]
    fn lowest_per_level_picks_the_best_run_of_each_budget() {
        let (compute, loss) = isoflop_sweep();
        let level = Frontier::LowestPerLevel {
            tolerance_dex: DEFAULT_LEVEL_TOLERANCE_DEX,
        };
        assert_eq!(frontier_runs(&compute, &loss, level), vec![1, 4, 7, 10, 13]);
        assert_eq!(
            frontier_runs(&compute, &loss, Frontier::AllRuns),
            (0..15).collect::<Vec<_>>()
        );
        // A tolerance below the drift splits each budget into single runs.
        let fine = Frontier::LowestPerLevel {
            tolerance_dex: 0.001,
        };
        assert_eq!(frontier_runs(&compute, &loss, fine).len(), 15);
    }

    #[test]
    fn lower_convex_hull_keeps_the_envelope_up_to_the_lowest_loss() {
        let (mut compute, mut loss) = isoflop_sweep();
        // Run 0, the poorest of the first budget, spends 1% less than the best one and so is
        // on the envelope; the other poor runs are not.
        assert_eq!(
            frontier_runs(&compute, &loss, Frontier::LowerConvexHull),
            vec![0, 1, 4, 7, 10, 13]
        );
        // A run at 3e19 above the chord between its neighbours is not on the envelope; one
        // below it is; a run with more compute and a higher loss than the best never is.
        compute.extend([3e19, 3e19, 1e23]);
        loss.extend([LAW.loss(3e19) + 0.05, LAW.loss(3e19) - 0.001, 5.0]);
        let hull = frontier_runs(&compute, &loss, Frontier::LowerConvexHull);
        assert_eq!(hull, vec![0, 1, 4, 16, 7, 10, 13]);
    }

    #[test]
    fn frontier_skips_unusable_runs() {
        let compute = [1e18, f64::NAN, 1e19, 1e20];
        let loss = [3.0, 1.0, -1.0, 2.5];
        assert_eq!(
            frontier_runs(&compute, &loss, Frontier::AllRuns),
            vec![0, 3]
        );
        assert_eq!(
            frontier_runs(&compute, &loss, Frontier::LowerConvexHull),
            vec![0, 3]
        );
    }
}
