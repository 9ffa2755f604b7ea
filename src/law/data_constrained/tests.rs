use super::*;
use crate::law::least_squares::fit_from_grid;
use crate::law::testing::check_gradient;

const K: f64 = 6.0;

fn row(n: f64, d: f64, u: f64) -> Row {
    Row::new(n, d, K).with_unique_tokens(u)
}

fn published() -> [f64; 7] {
    // As printed in the datablations README, in solver space (log R* for the decay constants).
    [
        6.255414,
        7.3049974,
        0.6254804,
        0.3526596,
        0.3526596,
        15.387756f64.ln(),
        5.309743f64.ln(),
    ]
}

#[test]
fn published_constants_match_the_readme_in_solver_space() {
    let theta = DataConstrainedLaw::MUENNIGHOFF_2023.theta();
    for (got, want) in theta.iter().zip(published()) {
        assert!((got - want).abs() < 1e-14, "{theta:?}");
    }
}

#[test]
fn published_law_gives_the_published_losses() {
    // datablations README, "Parametric Fit": the two models of Figure 1 (right).
    let law = DataConstrainedLaw::MUENNIGHOFF_2023;
    let theta = published();
    for (n, d, u, want) in [
        (6.34e9, 242e9, 25e9, 2.2256440889984477),
        (8.67e9, 178e9, 25e9, 2.2269634075087867),
    ] {
        assert!((law.loss(n, d, u) - want).abs() < 1e-12, "{n}");
        let lse = DataConstrained.log_prediction(&theta, &row(n, d, u)).exp();
        assert!((lse - want).abs() < 1e-12, "{n}: {lse}");
    }
}

#[test]
fn log_prediction_matches_the_term_by_term_formula() {
    let law = DataConstrainedLaw::MUENNIGHOFF_2023;
    let theta = law.theta();
    // Fresh data, repeated data, excess parameters, U > D, both repetitions large.
    for (n, d, u) in [
        (1e8, 2e9, 1e12),
        (1e8, 2e10, 1e9),
        (1e10, 1e10, 1e9),
        (1e9, 1e10, 1e11),
        (1e11, 1e13, 1e8),
    ] {
        let direct = law.loss(n, d, u).ln();
        let lse = DataConstrained.log_prediction(&theta, &row(n, d, u));
        assert!(
            (direct - lse).abs() < 1e-13,
            "{n} {d} {u}: {direct} vs {lse}"
        );
    }
}

#[test]
fn reduces_to_chinchilla_with_fresh_data_and_no_excess_parameters() {
    let law = DataConstrainedLaw::MUENNIGHOFF_2023;
    let theta = law.theta();
    for (n, d) in [(1e8, 2e10), (1e9, 1e11), (5e6, 1e12)] {
        // U ≥ D and N ≤ N_opt(D): U_D = D, U_N = N, no repetition of either kind.
        assert!(n <= law.unique_params(d));
        for u in [d, 10.0 * d] {
            let dc = DataConstrained.log_prediction(&theta, &row(n, d, u));
            let ch = crate::law::chinchilla::log_prediction(&law.base.theta(), n.ln(), d.ln());
            assert!((dc - ch).abs() < 1e-14, "{n} {d} {u}");
        }
    }
    // Beyond N_opt(D) excess parameters are discounted even with fresh data.
    let n = 10.0 * law.unique_params(1e9);
    assert!(law.loss(n, 1e9, 1e9) > law.base.loss(n, 1e9));
}

#[test]
fn unique_tokens_above_the_tokens_count_as_one_pass() {
    let law = DataConstrainedLaw::MUENNIGHOFF_2023;
    assert!((law.loss(1e9, 1e10, 5e10) - law.loss(1e9, 1e10, 1e10)).abs() < 1e-15);
}

#[test]
fn unique_params_solves_the_chinchilla_optimality_condition() {
    let law = DataConstrainedLaw::MUENNIGHOFF_2023;
    let b = &law.base;
    let u = 25e9;
    let n = law.unique_params(u);
    // alpha·A/N^alpha = beta·B/U^beta at the compute-optimal N for U tokens.
    let lhs = b.alpha * b.param_coef / n.powf(b.alpha);
    let rhs = b.beta * b.data_coef / u.powf(b.beta);
    assert!((lhs / rhs - 1.0).abs() < 1e-12);
    let nu = log_unique_params(&law.theta(), u.ln());
    assert!((nu - n.ln()).abs() < 1e-12);
}

#[test]
fn gradient_matches_central_differences_including_through_u_n() {
    let law = DataConstrainedLaw::MUENNIGHOFF_2023;
    let thetas = [
        law.theta(),
        // Untied exponents, other decays.
        [5.0, 8.0, 0.3, 0.3, 0.45, 0.5, 2.5],
        // Extreme decay constants: almost no value in repeats, almost full value.
        [6.0, 7.0, 0.6, 0.35, 0.35, -30.0, 30.0],
        [6.0, 7.0, 0.6, 0.35, 0.35, 30.0, -30.0],
        // Large coefficients: one term dominates the sum.
        [60.0, 7.0, -2.0, 2.0, 0.1, 2.0, 1.0],
    ];
    let rows = [
        row(6.34e9, 242e9, 25e9), // U_N = N_opt(U) < N: the gradient runs through U_N
        row(1e7, 2e9, 1e12),      // fresh data, U_N = N
        row(1e8, 2e11, 1e9),      // 200 epochs
        row(1e12, 1e9, 1e9),      // a model 1e4 times too large for its data
        row(1e6, 1e15, 1e6),      // 1e9 epochs
        row(1e9, 1e10, 1e11),     // U > D
    ];
    for theta in &thetas {
        for r in &rows {
            check_gradient(&DataConstrained, theta, r);
        }
    }
}

#[test]
fn gradient_is_finite_where_alpha_is_not_positive() {
    let theta = [6.0, 7.0, 0.6, -0.1, 0.35, 2.0, 1.0];
    let mut grad = [0.0; 7];
    let r = row(6.34e9, 242e9, 25e9);
    let v = DataConstrained.log_prediction_with_gradient(&theta, &r, &mut grad);
    assert!(v.is_finite() && grad.iter().all(|g| g.is_finite()));
    check_gradient(&DataConstrained, &theta, &r);
}

#[test]
fn fresh_data_allocation_is_chinchillas() {
    let theta = DataConstrainedLaw::MUENNIGHOFF_2023.theta();
    let (n, d) = DataConstrained
        .closed_form_allocation(&theta, 1e22, K)
        .unwrap();
    let law = DataConstrainedLaw::MUENNIGHOFF_2023;
    let (cn, cd) = crate::law::chinchilla::Chinchilla
        .closed_form_allocation(&law.base.theta(), 1e22, K)
        .unwrap();
    assert!((n / cn - 1.0).abs() < 1e-12 && (d / cd - 1.0).abs() < 1e-12);
    // With unlimited unique tokens the numeric allocation finds the same point.
    let best = allocate_with_unique_tokens(&theta, 1e22, 1e30, K).unwrap();
    assert!((best.n_params / n - 1.0).abs() < 1e-6, "{best:?}");
    assert!((best.loss / best.fresh_data_loss - 1.0).abs() < 1e-12);
    assert!(best.epochs < 1.0);
}

#[test]
fn allocation_with_unique_tokens_matches_brute_force() {
    let law = DataConstrainedLaw::MUENNIGHOFF_2023;
    let theta = law.theta();
    for (c, u) in [(1e22, 25e9), (1e21, 1e9), (1e24, 1e11), (1e19, 1e12)] {
        let best = allocate_with_unique_tokens(&theta, c, u, K).unwrap();
        assert!((K * best.n_params * best.n_tokens / c - 1.0).abs() < 1e-12);
        assert!((best.epochs - best.n_tokens / u).abs() < 1e-12 * best.epochs);
        assert!((best.loss - law.loss(best.n_params, best.n_tokens, u)).abs() < 1e-12);
        // Brute force: every 1e-4 in log N across a factor e^6 either way.
        let at = |x: f64| law.loss(x.exp(), c / (K * x.exp()), u);
        let x0 = best.n_params.ln();
        let brute = (-60_000..=60_000)
            .map(|i| x0 + i as f64 * 1e-4)
            .min_by(|&a, &b| at(a).total_cmp(&at(b)))
            .unwrap();
        assert!((brute - x0).abs() <= 1.5e-4, "{c} {u}: {brute} vs {x0}");
        assert!(at(x0 + 0.01) > best.loss && at(x0 - 0.01) > best.loss);
        assert!(best.loss >= best.fresh_data_loss);
    }
}

#[test]
fn allocation_reproduces_the_readme_grid_search() {
    // datablations README: 1e22 FLOPs, 25B unique tokens -> 237336955477.55 tokens (9.49
    // epochs), 7022364735.88 parameters, found on a grid of step ~0.4% in D.
    let theta = published();
    let best = allocate_with_unique_tokens(&theta, 1e22, 25e9, K).unwrap();
    assert!(
        (best.n_tokens / 237_336_955_477.550_75 - 1.0).abs() < 0.005,
        "{best:?}"
    );
    assert!(
        (best.n_params / 7_022_364_735.879_969 - 1.0).abs() < 0.005,
        "{best:?}"
    );
}

#[test]
fn allocation_refuses_bad_budgets_and_exponents() {
    let theta = DataConstrainedLaw::MUENNIGHOFF_2023.theta();
    for (c, u) in [
        (0.0, 1e9),
        (1e20, -1.0),
        (f64::NAN, 1e9),
        (1e20, f64::INFINITY),
    ] {
        let err = allocate_with_unique_tokens(&theta, c, u, K).unwrap_err();
        assert!(
            err.to_string().contains("must be a positive number"),
            "{err}"
        );
    }
    let mut flat = theta;
    flat[IDX_ALPHA] = 0.0;
    let err = allocate_with_unique_tokens(&flat, 1e20, 1e9, K).unwrap_err();
    assert!(err.to_string().contains("alpha = 0"), "{err}");
}

/// A sweep with repeated data and excess parameters: sizes 1e7..1e10, unique tokens 1e9..1e11,
/// 1 to 64 epochs.
fn sweep(law: &DataConstrainedLaw) -> (Vec<Row>, Vec<f64>) {
    let mut rows = Vec::new();
    for n in [1e7, 1e8, 1e9, 1e10] {
        for u in [1e9, 1e10, 1e11] {
            for epochs in [1.0, 4.0, 16.0, 64.0] {
                rows.push(row(n, u * epochs, u));
            }
        }
    }
    let y = rows
        .iter()
        .map(|r| law.loss(r.log_n.exp(), r.log_d.exp(), r.log_u.exp()).ln())
        .collect();
    (rows, y)
}

#[test]
fn default_grid_recovers_the_published_law_with_the_base_free() {
    let law = DataConstrainedLaw::MUENNIGHOFF_2023;
    let (rows, y) = sweep(&law);
    // As the fitter does: a local search from each of the best-scoring grid starts.
    let (theta, sse) = fit_from_grid(&DataConstrained, &rows, &y, &[None; 7], 20);
    assert!(sse < 1e-20, "{sse} at {theta:?}");
    for (got, want) in theta.iter().zip(law.theta()) {
        assert!((got / want - 1.0).abs() < 1e-6, "{theta:?}");
    }
}

#[test]
fn decay_constants_are_recovered_with_the_base_fixed() {
    let law = DataConstrainedLaw {
        tokens_decay: 8.0,
        params_decay: 12.0,
        ..DataConstrainedLaw::MUENNIGHOFF_2023
    };
    let (rows, y) = sweep(&law);
    let truth = law.theta();
    let mut fixed = [None; 7];
    for (f, t) in fixed.iter_mut().zip(truth).take(5) {
        *f = Some(t);
    }
    let (theta, sse) = fit_from_grid(&DataConstrained, &rows, &y, &fixed, 1);
    assert!(sse < 1e-20, "{sse}");
    assert!(
        (theta[IDX_R_D_STAR].exp() / 8.0 - 1.0).abs() < 1e-6,
        "{theta:?}"
    );
    assert!(
        (theta[IDX_R_N_STAR].exp() / 12.0 - 1.0).abs() < 1e-6,
        "{theta:?}"
    );
}
