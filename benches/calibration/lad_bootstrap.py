"""Is the Bayesian bootstrap of a least-absolute-deviations fit too wide in small samples?

A check outside the tool, on the simplest estimator of the kind: linear LAD regression
(y = X b + e, n = 80 runs, p = 5 coefficients, X uniform on [-1, 1]), solved exactly as a linear
program. The tool's default fit (Huber, delta = 1e-3 on log losses that scatter by 0.5% to 2%)
is close to LAD. For each noise, `REPS` data sets are drawn; each is fitted, and bootstrapped
with `B` Exponential(1) weight draws (the tool's default `weights` scheme). Printed: the true
sd of one slope over the data sets, the mean bootstrap sd, and the coverage of the 95%
percentile interval.

    python benches/calibration/lad_bootstrap.py        # numpy and scipy: benches/reference/requirements.txt

Results are in benches/calibration/README.md ("What still fails, and why").
"""

import numpy as np
from scipy.optimize import linprog

N, P, REPS, B, SEED = 80, 5, 300, 100, 20261130


def lad(x, y, w):
    """Weighted LAD coefficients: min sum w_i |y_i - x_i b| as a linear program."""
    n, p = x.shape
    c = np.concatenate([np.zeros(p), w, w])
    a = np.hstack([x, np.eye(n), -np.eye(n)])
    bounds = [(None, None)] * p + [(0, None)] * (2 * n)
    return linprog(c, A_eq=a, b_eq=y, bounds=bounds, method="highs").x[:p]


def noise(kind, rng):
    if kind == "normal":
        return rng.standard_normal(N)
    if kind == "normal + 3% outliers":
        return rng.standard_normal(N) + 6.0 * (rng.random(N) < 0.03)
    # Student t, 3 dof, unit variance, plus 3% outliers: the study's heavy-tailed noise.
    return rng.standard_t(3, N) / np.sqrt(3.0) + 6.0 * (rng.random(N) < 0.03)


def main():
    rng = np.random.default_rng(SEED)
    x = np.hstack([np.ones((N, 1)), rng.uniform(-1.0, 1.0, (N, P - 1))])
    truth = np.ones(P)
    print(f"linear LAD, n = {N}, p = {P}, {REPS} data sets, {B} weight draws each, seed {SEED}")
    for kind in ["normal", "normal + 3% outliers", "t(3) + 3% outliers"]:
        slopes, sds, covered = [], [], 0
        for _ in range(REPS):
            y = x @ truth + noise(kind, rng)
            slopes.append(lad(x, y, np.ones(N))[1])
            draws = [lad(x, y, rng.exponential(1.0, N))[1] for _ in range(B)]
            sds.append(np.std(draws))
            lo, hi = np.quantile(draws, [0.025, 0.975])
            covered += lo <= truth[1] <= hi
        true_sd = np.std(slopes)
        print(
            f"{kind:22s} true sd {true_sd:.4f}  bootstrap sd {np.mean(sds):.4f} "
            f"({np.mean(sds) / true_sd:.2f}x)  coverage of 95% {covered / REPS:.1%}"
        )


if __name__ == "__main__":
    main()
