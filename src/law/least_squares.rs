//! A minimal least-squares fitter for the families' own tests, independent of `crate::fit`:
//! Levenberg-Marquardt on log-loss residuals with the family's analytic gradient as the
//! Jacobian, started from the best points of the family's default grid.

use super::{Family, Row};

/// Sum of squared log-loss residuals at `theta`.
pub fn sse(family: &dyn Family, rows: &[Row], log_loss: &[f64], theta: &[f64]) -> f64 {
    rows.iter()
        .zip(log_loss)
        .map(|(r, y)| (family.log_prediction(theta, r) - y).powi(2))
        .sum()
}

/// The `count` points of the family's default start grid with the lowest [`sse`], best
/// first; parameters given in `fixed` (solver space) keep that value instead of running
/// over their axis.
pub fn best_grid_starts(
    family: &dyn Family,
    rows: &[Row],
    log_loss: &[f64],
    fixed: &[Option<f64>],
    count: usize,
) -> Vec<Vec<f64>> {
    let axes: Vec<Vec<f64>> = family
        .params()
        .iter()
        .zip(fixed)
        .map(|(p, f)| f.map_or_else(|| p.grid.to_vec(), |v| vec![v]))
        .collect();
    let total: usize = axes.iter().map(Vec::len).product();
    let mut scored: Vec<(f64, Vec<f64>)> = (0..total)
        .map(|mut index| {
            let theta: Vec<f64> = axes
                .iter()
                .map(|axis| {
                    let v = axis[index % axis.len()];
                    index /= axis.len();
                    v
                })
                .collect();
            (sse(family, rows, log_loss, &theta), theta)
        })
        .filter(|(v, _)| v.is_finite())
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    scored.into_iter().take(count).map(|(_, t)| t).collect()
}

/// [`fit_log_least_squares`] from each of the `count` best grid starts; the best result.
pub fn fit_from_grid(
    family: &dyn Family,
    rows: &[Row],
    log_loss: &[f64],
    fixed: &[Option<f64>],
    count: usize,
) -> (Vec<f64>, f64) {
    let free: Vec<bool> = fixed.iter().map(Option::is_none).collect();
    best_grid_starts(family, rows, log_loss, fixed, count)
        .iter()
        .map(|start| fit_log_least_squares(family, rows, log_loss, start, &free))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("a finite grid start")
}

/// Least squares on log-loss by Levenberg-Marquardt from `start`, the family's analytic
/// gradient as the Jacobian, over the parameters marked in `free`: a minimal fitter for the
/// families' own tests, independent of `crate::fit`. Returns the parameters and the [`sse`].
pub fn fit_log_least_squares(
    family: &dyn Family,
    rows: &[Row],
    log_loss: &[f64],
    start: &[f64],
    free: &[bool],
) -> (Vec<f64>, f64) {
    let idx: Vec<usize> = (0..start.len()).filter(|&k| free[k]).collect();
    let m = idx.len();
    let mut theta = start.to_vec();
    let mut value = sse(family, rows, log_loss, &theta);
    let mut lambda = 1e-3;
    let mut grad = vec![0.0; start.len()];
    for _ in 0..2000 {
        let (mut jtj, mut jtr) = (vec![vec![0.0; m]; m], vec![0.0; m]);
        for (row, y) in rows.iter().zip(log_loss) {
            let r = family.log_prediction_with_gradient(&theta, row, &mut grad) - y;
            for (a, &i) in idx.iter().enumerate() {
                jtr[a] += grad[i] * r;
                for (b, &j) in idx.iter().enumerate() {
                    jtj[a][b] += grad[i] * grad[j];
                }
            }
        }
        let mut improved = false;
        while lambda < 1e12 {
            let mut lhs = jtj.clone();
            for (a, row) in lhs.iter_mut().enumerate() {
                row[a] += lambda * jtj[a][a].max(1e-12);
            }
            let rhs: Vec<f64> = jtr.iter().map(|g| -g).collect();
            let Some(step) = solve(lhs, rhs) else {
                lambda *= 10.0;
                continue;
            };
            let mut trial = theta.clone();
            for (a, &i) in idx.iter().enumerate() {
                trial[i] += step[a];
            }
            let v = sse(family, rows, log_loss, &trial);
            if v.is_finite() && v <= value {
                let done = value - v <= 1e-15 * value.max(1e-300);
                theta = trial;
                value = v;
                lambda = (lambda / 10.0).max(1e-12);
                improved = !done;
                break;
            }
            lambda *= 10.0;
        }
        if !improved || value < 1e-28 {
            break;
        }
    }
    (theta, value)
}

/// Gaussian elimination with partial pivoting; `None` for a singular system.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col].clone();
        for r in col + 1..n {
            let f = a[r][col] / pivot_row[col];
            for (x, p) in a[r].iter_mut().zip(&pivot_row).skip(col) {
                *x -= f * p;
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|c| a[r][c] * x[c]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}
