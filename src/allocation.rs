//! Compute-optimal allocation from a fitted law (Hoffmann et al. 2022, Approach 3, eq. 4 and
//! appendix D.2): minimise `L(N, D)` subject to `C = k·N·D` (k = 6 by default).
//!
//! ```text
//! N*(C) = G · (C/k)^a          a = beta / (alpha + beta)
//! D*(C) = (1/G) · (C/k)^b      b = alpha / (alpha + beta)
//! G     = (alpha·A / (beta·B))^(1 / (alpha + beta))
//! L*(C) = E + K · (C/k)^(-gamma),   gamma = alpha·beta / (alpha + beta),   K = A·G^(-alpha) + B·G^beta
//! ```
//!
//! Along the optimum both reducible terms fall as the same power of compute, which makes the
//! inverse questions closed-form too: the budget at which a size N is optimal is
//! `C = k·(N/G)^(1/a)`, and the least compute that reaches a loss L > E is
//! `C = k·(K / (L - E))^(1/gamma)`.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::finite::compact;
use crate::law::ChinchillaLaw;

/// A compute-optimal configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ComputeOptimal {
    /// Training compute C, FLOPs.
    pub compute: f64,
    /// Optimal parameters N*.
    pub n_params: f64,
    /// Optimal tokens D*.
    pub n_tokens: f64,
    /// Predicted loss at the optimum, L*.
    pub loss: f64,
    /// D*/N*.
    pub tokens_per_param: f64,
}

/// A given model (N, D) compared with the compute-optimal split of the same compute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Parameters N of the given model.
    pub n_params: f64,
    /// Tokens D of the given model.
    pub n_tokens: f64,
    /// Its compute `k·N·D`, FLOPs.
    pub compute: f64,
    /// Its predicted loss.
    pub loss: f64,
    /// The optimal split of the same compute.
    pub optimal_same_compute: ComputeOptimal,
    /// The optimal configuration that reaches the given model's loss with the least compute.
    pub optimal_same_loss: ComputeOptimal,
    /// `compute / optimal_same_loss.compute`: how many times more compute the given split used
    /// than an optimal one reaching the same loss (1 = optimal).
    pub compute_ratio: f64,
}

/// Allocation questions answered by a law with `C = k·N·D`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allocator {
    law: ChinchillaLaw,
    k: f64,
    g: f64,
    a: f64,
    gamma: f64,
    big_k: f64,
}

impl Allocator {
    /// Allocation for `law` with `flops_per_param_token = k`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] when k is not positive, or (naming `fit`, in words) when the law
    /// has non-positive exponents or coefficients, so that no finite optimum exists.
    ///
    /// # Examples
    ///
    /// ```
    /// use scaling_laws::allocation::Allocator;
    /// use scaling_laws::law::ChinchillaLaw;
    /// let alloc = Allocator::new(ChinchillaLaw::HOFFMANN_2022, 6.0).unwrap();
    /// let opt = alloc.optimal_for_compute(5.76e23);
    /// assert!((opt.n_params * opt.n_tokens * 6.0 / 5.76e23 - 1.0).abs() < 1e-12);
    /// ```
    pub fn new(law: ChinchillaLaw, k: f64) -> Result<Self, Error> {
        if !(k.is_finite() && k > 0.0) {
            return Err(Error::invalid_option(
                "--flops-per-param-token",
                format!("must be positive, got {k}"),
            ));
        }
        if let Some(problem) = degenerate(&law) {
            return Err(Error::invalid_option(
                "fit",
                format!(
                    "no compute-optimal allocation exists: {problem}. A compute-optimal split \
                     needs a loss that falls with both N and D; a constant loss column, or a loss \
                     that rises with N or D, gives this. Check the loss and size columns, widen \
                     the sweep, or fix an exponent (e.g. --fix alpha=0.34)"
                ),
            ));
        }
        let sum = law.alpha + law.beta;
        let g = (law.alpha * law.param_coef / (law.beta * law.data_coef)).powf(1.0 / sum);
        let big_k = law.param_coef * g.powf(-law.alpha) + law.data_coef * g.powf(law.beta);
        Ok(Allocator {
            law,
            k,
            g,
            a: law.beta / sum,
            gamma: law.alpha * law.beta / sum,
            big_k,
        })
    }

    /// The law.
    pub fn law(&self) -> &ChinchillaLaw {
        &self.law
    }

    /// `k` in `C = k·N·D`.
    pub fn flops_per_param_token(&self) -> f64 {
        self.k
    }

    /// N*, D*, L* for budget `compute`.
    pub fn optimal_for_compute(&self, compute: f64) -> ComputeOptimal {
        let x = compute / self.k;
        let n_params = self.g * x.powf(self.a);
        let n_tokens = x / n_params;
        ComputeOptimal {
            compute,
            n_params,
            n_tokens,
            loss: self.law.irreducible + self.big_k * x.powf(-self.gamma),
            tokens_per_param: n_tokens / n_params,
        }
    }

    /// The budget for which `n_params` is the compute-optimal size, with its D* and L*.
    pub fn optimal_for_params(&self, n_params: f64) -> ComputeOptimal {
        let x = (n_params / self.g).powf(1.0 / self.a);
        self.optimal_for_compute(self.k * x)
    }

    /// The least compute that reaches `target` loss, with N* and D* there.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--target-loss` when the target is at or below E, which
    /// no finite budget reaches, or so close to E that the budget overflows.
    pub fn optimal_for_loss(&self, target: f64) -> Result<ComputeOptimal, Error> {
        let gap = target - self.law.irreducible;
        if !(gap > 0.0 && target.is_finite()) {
            return Err(Error::invalid_option(
                "--target-loss",
                format!(
                    "{target} is at or below the irreducible loss E = {:.4}; no budget reaches it (choose a loss above E)",
                    self.law.irreducible
                ),
            ));
        }
        let x = (self.big_k / gap).powf(1.0 / self.gamma);
        self.optimal_for_compute(self.k * x)
            .finite("--target-loss", target)
    }

    /// Compare a given model (N, D) with the compute-optimal choices.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--assess` when `k·N·D` overflows, or when the model's
    /// predicted loss equals E to double precision (a model far beyond any data): then no
    /// budget reaches the same loss and the comparison is not defined.
    pub fn assess(&self, n_params: f64, n_tokens: f64) -> Result<Assessment, Error> {
        let given = format!("{},{}", compact(n_params), compact(n_tokens));
        let compute = self.k * n_params * n_tokens;
        if !compute.is_finite() {
            return Err(Error::invalid_option(
                "--assess",
                format!(
                    "{given}: its compute {}·N·D overflows double precision; assess a smaller model",
                    self.k
                ),
            ));
        }
        let loss = self.law.loss(n_params, n_tokens);
        let e = self.law.irreducible;
        let same_loss = self.optimal_for_loss(loss).map_err(|_| {
            Error::invalid_option(
                "--assess",
                format!(
                    "{given}: not defined: the predicted loss {} equals E = {} to double \
                     precision (the model lies far beyond the fitted range), so no budget reaches \
                     the same loss with a compute-optimal split; assess a model nearer the data",
                    compact(loss),
                    compact(e)
                ),
            )
        })?;
        let same_compute = self
            .optimal_for_compute(compute)
            .finite("--assess", compute)?;
        Ok(Assessment {
            n_params,
            n_tokens,
            compute,
            loss,
            optimal_same_compute: same_compute,
            optimal_same_loss: same_loss,
            compute_ratio: compute / same_loss.compute,
        })
    }
}

impl ComputeOptimal {
    /// `Ok(self)` when every figure is a finite positive number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `flag` and `input` when a figure overflowed or
    /// underflowed, as for budgets or sizes many orders of magnitude beyond any data.
    pub fn finite(self, flag: &str, input: f64) -> Result<Self, Error> {
        let figures = [
            ("compute C", self.compute),
            ("N*", self.n_params),
            ("D*", self.n_tokens),
            ("D*/N*", self.tokens_per_param),
            ("L*", self.loss),
        ];
        match figures.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0)) {
            None => Ok(self),
            Some((name, v)) => Err(Error::invalid_option(
                flag,
                format!(
                    "{} gives {name} = {}, beyond the range of double-precision numbers; \
                     choose a value nearer the fitted range",
                    compact(input),
                    compact(*v)
                ),
            )),
        }
    }
}

/// Why `law` has no compute-optimal allocation, in words, or `None` when it has one.
fn degenerate(law: &ChinchillaLaw) -> Option<String> {
    let all = [
        law.irreducible,
        law.param_coef,
        law.data_coef,
        law.alpha,
        law.beta,
    ];
    if all.iter().any(|v| !v.is_finite()) {
        return Some(format!(
            "the law has a value that is not a finite number (E = {}, A = {}, B = {}, alpha = {}, \
             beta = {})",
            law.irreducible, law.param_coef, law.data_coef, law.alpha, law.beta
        ));
    }
    let term = |what: &str, coef_name: &str, coef: f64, exp_name: &str, exp: f64| {
        (coef <= 0.0 || exp <= 0.0).then(|| {
            format!(
                "the fitted loss does not fall as {what} grows ({coef_name} = {coef:.4}, \
                 {exp_name} = {exp:.4}; both must be positive)"
            )
        })
    };
    term("the model size N", "A", law.param_coef, "alpha", law.alpha)
        .or_else(|| term("the token count D", "B", law.data_coef, "beta", law.beta))
        .or_else(|| {
            (law.irreducible < 0.0)
                .then(|| format!("the irreducible loss E = {} is negative", law.irreducible))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimise L along C = k·N·D by golden-section search on log N.
    fn numerical_optimum(law: &ChinchillaLaw, c: f64, k: f64) -> (f64, f64) {
        let loss_at = |log_n: f64| {
            let n = log_n.exp();
            law.loss(n, c / (k * n))
        };
        let (mut lo, mut hi) = (0.0f64, (c / k).ln());
        let phi = (5f64.sqrt() - 1.0) / 2.0;
        for _ in 0..200 {
            let m1 = hi - phi * (hi - lo);
            let m2 = lo + phi * (hi - lo);
            if loss_at(m1) < loss_at(m2) {
                hi = m2;
            } else {
                lo = m1;
            }
        }
        let log_n = 0.5 * (lo + hi);
        (log_n.exp(), loss_at(log_n))
    }

    fn laws() -> Vec<ChinchillaLaw> {
        vec![
            ChinchillaLaw::HOFFMANN_2022,
            ChinchillaLaw {
                irreducible: 1.8172,
                param_coef: 482.01,
                data_coef: 2085.43,
                alpha: 0.3478,
                beta: 0.3658,
            },
            ChinchillaLaw {
                irreducible: 2.2,
                param_coef: 1200.0,
                data_coef: 90.0,
                alpha: 0.45,
                beta: 0.22,
            },
            ChinchillaLaw {
                irreducible: 0.5,
                param_coef: 50.0,
                data_coef: 5000.0,
                alpha: 0.2,
                beta: 0.6,
            },
        ]
    }

    #[test]
    fn closed_form_matches_numerical_minimisation() {
        for law in laws() {
            for k in [6.0, 8.0] {
                let alloc = Allocator::new(law, k).unwrap();
                for c in [1e18, 5.76e23, 1e26] {
                    let opt = alloc.optimal_for_compute(c);
                    let (n_num, l_num) = numerical_optimum(&law, c, k);
                    assert!(
                        (opt.n_params / n_num - 1.0).abs() < 1e-6,
                        "{law:?} C={c}: {} vs {n_num}",
                        opt.n_params
                    );
                    assert!((opt.loss / l_num - 1.0).abs() < 1e-12);
                    assert!((opt.loss / law.loss(opt.n_params, opt.n_tokens) - 1.0).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn inverse_questions_invert_the_forward_one() {
        for law in laws() {
            let alloc = Allocator::new(law, 6.0).unwrap();
            let fwd = alloc.optimal_for_compute(3e22);
            let by_n = alloc.optimal_for_params(fwd.n_params);
            assert!((by_n.compute / 3e22 - 1.0).abs() < 1e-10);
            let by_loss = alloc.optimal_for_loss(fwd.loss).unwrap();
            assert!((by_loss.compute / 3e22 - 1.0).abs() < 1e-9);
            assert!(alloc.optimal_for_loss(law.irreducible).is_err());
        }
    }

    #[test]
    fn assessing_an_optimal_model_finds_nothing_to_gain() {
        let alloc = Allocator::new(ChinchillaLaw::HOFFMANN_2022, 6.0).unwrap();
        let opt = alloc.optimal_for_compute(1e23);
        let a = alloc.assess(opt.n_params, opt.n_tokens).unwrap();
        assert!((a.compute_ratio - 1.0).abs() < 1e-9);
        // GPT-3 (175B, 300B tokens) is far from optimal under this law.
        let gpt3 = alloc.assess(175e9, 300e9).unwrap();
        assert!(gpt3.compute_ratio > 1.5 && gpt3.optimal_same_compute.n_params < 175e9);
    }
}

#[cfg(test)]
mod degenerate_tests {
    use super::*;

    #[test]
    fn issue11_huge_models_are_not_defined_rather_than_a_panic() {
        let alloc = Allocator::new(ChinchillaLaw::HOFFMANN_2022, 6.0).unwrap();
        for (n, d) in [(1e60, 1e80), (1e100, 1e100), (1e308, 1e308)] {
            let err = alloc.assess(n, d).unwrap_err().to_string();
            assert!(err.contains("--assess"), "{err}");
        }
        let err = alloc.assess(1e60, 1e80).unwrap_err().to_string();
        assert!(
            err.contains("not defined") && err.contains("equals E"),
            "{err}"
        );
    }

    #[test]
    fn issue11_degenerate_laws_are_explained_in_words() {
        let flat = ChinchillaLaw {
            alpha: 0.0,
            ..ChinchillaLaw::HOFFMANN_2022
        };
        let err = Allocator::new(flat, 6.0).unwrap_err().to_string();
        assert!(
            err.contains("does not fall as the model size N grows"),
            "{err}"
        );
        assert!(!err.contains("ChinchillaLaw {"), "{err}");
        let rising = ChinchillaLaw {
            data_coef: -3.0,
            ..ChinchillaLaw::HOFFMANN_2022
        };
        let err = Allocator::new(rising, 6.0).unwrap_err().to_string();
        assert!(err.contains("token count D"), "{err}");
    }

    #[test]
    fn overflowing_optima_are_errors_naming_the_flag() {
        let alloc = Allocator::new(ChinchillaLaw::HOFFMANN_2022, 6.0).unwrap();
        let err = alloc
            .optimal_for_params(1e308)
            .finite("--params", 1e308)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--params") && err.contains("1e308"), "{err}");
        assert!(
            alloc
                .optimal_for_params(7e10)
                .finite("--params", 7e10)
                .is_ok()
        );
    }
}
