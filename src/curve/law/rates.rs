//! Each law's loss at the last step of a run as a function of the learning rate at every step,
//! and its derivative by each of those rates: what an optimiser of the schedule itself needs
//! ([`crate::curve::free`]). Every sum runs over every step (no grouping), in O(steps).
//!
//! With `T` the last step, `S = Σ_{i ≤ T} η_i`, `P = −α·A·S^−α−1` (the power term's derivative
//! by S, which every rate enters):
//!
//! ```text
//! blind        dL/dη_j = P
//! annealing    S2 = Σ_{1 ≤ j ≤ T} (η_{j−1} − η_j)·w_j,   w_T = 1,  w_j = 1 + λ·w_{j+1}
//!              dL/dη_j = P − C·(w_{j+1} − w_j)            (w_0 = w_{T+1} = 0)
//! multi-power  x_k = η_k^−γ·(S − S(k−1)),  G_k = G(x_k),  G'_k = β·C·(1 + C·x_k)^−β−1
//!              dL/dη_j = P + B·(G_j − G_{j+1} − γ·Δ_j·G'_j·x_j/η_j + Σ_{1 ≤ k ≤ j} Δ_k·G'_k·η_k^−γ)
//!              (G_0 = G_{T+1} = 0, Δ_0 = 0)
//! ```

use crate::fit::fastmath;

/// `L0 + A·S^−α` and `P = dL/dS`, from the rates.
fn power(theta: &[f64], lrs: &[f64]) -> (f64, f64) {
    let s: f64 = lrs.iter().sum();
    let (l0, a, alpha) = (theta[0], theta[1], theta[2]);
    let p = a * fastmath::exp(-alpha * fastmath::ln(s));
    (l0 + p, -alpha * p / s)
}

/// The schedule-blind law at the last step of `lrs`.
pub(super) fn blind(theta: &[f64], lrs: &[f64], grad: Option<&mut [f64]>) -> f64 {
    let (loss, d_s) = power(theta, lrs);
    if let Some(g) = grad {
        g.fill(d_s);
    }
    loss
}

/// The annealing law with momentum `lambda` at the last step of `lrs`.
pub(super) fn annealing(theta: &[f64], lambda: f64, lrs: &[f64], grad: Option<&mut [f64]>) -> f64 {
    let (loss, d_s) = power(theta, lrs);
    let c = theta[3];
    let t = lrs.len() - 1;
    // w_j for j = T down to 1, the area summed on the way.
    let (mut w, mut s2) = (0.0, 0.0);
    let mut grad = grad;
    if let Some(g) = grad.as_deref_mut() {
        g.fill(d_s);
    }
    let mut w_next = 0.0;
    for j in (1..=t).rev() {
        w = 1.0 + lambda * w_next;
        s2 += (lrs[j - 1] - lrs[j]) * w;
        if let Some(g) = grad.as_deref_mut() {
            g[j] -= c * (w_next - w);
        }
        w_next = w;
    }
    if let Some(g) = grad {
        g[0] -= c * w;
    }
    loss - c * s2
}

/// The multi-power law at the last step of `lrs`.
pub(super) fn multi_power(theta: &[f64], lrs: &[f64], grad: Option<&mut [f64]>) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor supports AVX2 (checked just above).
        return unsafe { multi_power_avx2(theta, lrs, grad) };
    }
    multi_power_any(theta, lrs, grad)
}

/// [`multi_power_any`] compiled for 4-wide vectors.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn multi_power_avx2(theta: &[f64], lrs: &[f64], grad: Option<&mut [f64]>) -> f64 {
    multi_power_any(theta, lrs, grad)
}

/// The multi-power law in three passes: the rate-area after each step (a running sum), then
/// `G_k` and `G'_k·η_k^−γ` of every step independently (the powers, in vector code), then the
/// gradient's running sums.
#[inline(always)]
fn multi_power_any(theta: &[f64], lrs: &[f64], grad: Option<&mut [f64]>) -> f64 {
    let (loss, d_s) = power(theta, lrs);
    let (b, c, beta, gamma) = (theta[3], theta[4], theta[5], theta[6]);
    let n = lrs.len();
    // after[k] = S − S(k−1), the area from step k to the end.
    let mut after = vec![0.0; n];
    let mut acc = 0.0;
    for k in (0..n).rev() {
        acc += lrs[k];
        after[k] = acc;
    }
    let mut g_of = vec![0.0; n];
    let mut slope = vec![0.0; n];
    for k in 1..n {
        let q = fastmath::exp(-gamma * fastmath::ln(lrs[k]));
        let x = q * after[k];
        let u = 1.0 + c * x;
        let p = fastmath::exp(-beta * fastmath::ln(u));
        g_of[k] = 1.0 - p;
        // G'_k·η_k^−γ = β·C·p/u·q.
        slope[k] = beta * c * p / u * q;
    }
    let mut drop = 0.0;
    for k in 1..n {
        drop += (lrs[k] - lrs[k - 1]) * g_of[k];
    }
    if let Some(g) = grad {
        g.fill(d_s);
        let mut running = 0.0;
        for k in 1..n {
            let delta = lrs[k] - lrs[k - 1];
            running += delta * slope[k];
            // Step k: G_k − γ·Δ_k·G'_k·x_k/η_k (x_k/η_k·G'_k = slope·after/η) + the running sum;
            // step k − 1: −G_k.
            g[k] += b * (g_of[k] - gamma * delta * slope[k] * after[k] / lrs[k] + running);
            g[k - 1] -= b * g_of[k];
        }
    }
    loss + b * drop
}

#[cfg(test)]
mod tests {
    use super::super::{Annealing, Blind, CurveLaw, MULTI_POWER_PUBLISHED, MultiPower};
    use crate::curve::fit::predict;
    use crate::curve::schedule::Schedule;
    use crate::curve::{CurveRun, Prepared};

    fn rates() -> Vec<f64> {
        Schedule::parse(
            "wsd:warmup=50,peak=3e-4,final=3e-5,decay=700,steps=1000,cooldown=exp",
            "x",
        )
        .unwrap()
        .per_step()
    }

    fn exact(law: &dyn CurveLaw, theta: &[f64], lrs: &[f64]) -> f64 {
        let last = lrs.len() - 1;
        let run = CurveRun::new("r", lrs.to_vec(), vec![last], vec![1.0]).unwrap();
        predict(law, theta, &Prepared::new(run, 0.0))[0]
    }

    #[test]
    fn each_law_s_loss_by_rates_is_its_prediction_and_its_gradient_central_differences() {
        let lrs = rates();
        let laws: [(&dyn CurveLaw, Vec<f64>); 3] = [
            (&Blind, vec![2.5, 0.6, 0.45]),
            (&Annealing { lambda: 0.99 }, vec![2.5, 0.6, 0.45, 400.0]),
            (&MultiPower, MULTI_POWER_PUBLISHED[2].1.to_vec()),
        ];
        for (law, theta) in laws {
            let mut grad = vec![0.0; lrs.len()];
            let loss = law
                .last_loss_by_rates(&theta, &lrs, Some(&mut grad))
                .unwrap();
            let want = exact(law, &theta, &lrs);
            assert!((loss - want).abs() < 1e-12, "{}: {loss} {want}", law.name());
            assert_eq!(law.last_loss_by_rates(&theta, &lrs, None), Some(loss));
            for j in [0, 1, 2, 30, 49, 50, 51, 400, 699, 700, 701, 850, 998, 999] {
                let h = 1e-9;
                let (mut up, mut down) = (lrs.clone(), lrs.clone());
                up[j] += h;
                down[j] -= h;
                let numeric = (law.last_loss_by_rates(&theta, &up, None).unwrap()
                    - law.last_loss_by_rates(&theta, &down, None).unwrap())
                    / (2.0 * h);
                assert!(
                    (numeric - grad[j]).abs() <= 1e-5 * (1.0 + grad[j].abs()),
                    "{} step {j}: numeric {numeric}, analytic {}",
                    law.name(),
                    grad[j]
                );
            }
        }
    }
}
