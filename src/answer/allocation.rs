//! Compute-optimal allocation from a fitted law: minimise `L(N, D)` subject to `C = k·N·D`
//! (k = 6 by default).
//!
//! For the Chinchilla law the answers are closed-form (Hoffmann et al. 2022, Approach 3, eq. 4
//! and appendix D.2):
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
//!
//! Any other family uses its [`Family::closed_form_allocation`] when it has one, and otherwise
//! minimises numerically along the budget:
//!
//! ```text
//! N*(C) = argmin_N  L(N, C / (k·N))         over x = ln N
//! ```
//!
//! by bisection on the sign of the central difference `ln L(x + h) - ln L(x - h)` (h = 1e-4)
//! on a bracket found by expanding from `N = D`. Golden-section search on the values of `L`
//! stops at about √ε ≈ 1e-8 in x, where the values no longer differ; the sign of the
//! difference keeps falling to about 1e-10, and the bias of the difference is `h²` times the
//! ratio of third to second derivative (about 1e-9). The inverse questions are monotone in
//! compute (`N*(C)` rises, `L*(C)` falls) and are solved by bisection on `ln C`. A law of
//! compute alone ([`Family::has_allocation`] false) answers `L*(C)` and the least compute
//! reaching a loss; N* and D* are not defined for it.
//!
//! [`Family::closed_form_allocation`]: crate::law::Family::closed_form_allocation
//! [`Family::has_allocation`]: crate::law::Family::has_allocation

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::finite::compact;
use crate::law::{ChinchillaLaw, Law, Row};

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

/// How the answers are found.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Method {
    /// Chinchilla's closed forms (module docs).
    Chinchilla {
        law: ChinchillaLaw,
        g: f64,
        a: f64,
        gamma: f64,
        big_k: f64,
    },
    /// The family's closed-form split, numeric inverse questions.
    ClosedForm,
    /// Numeric minimisation along the budget.
    Numeric,
    /// A law of compute alone: no split.
    ComputeOnly,
}

/// Half-step of the central difference whose sign locates the optimum (in ln N).
const SLOPE_STEP: f64 = 1e-4;
/// Relative width of ln N (or ln C) at which bisection stops.
const BISECTION_RTOL: f64 = 1e-12;
/// Farthest the bracket of ln N or ln C is expanded from its first guess: e^700 is the end of
/// the range of doubles.
const MAX_EXPANSION: f64 = 700.0;

/// Allocation questions answered by a law with `C = k·N·D`.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocator {
    law: Law,
    k: f64,
    method: Method,
}

impl Allocator {
    /// Allocation for `law` (any family; a [`ChinchillaLaw`] converts) with
    /// `flops_per_param_token = k`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] when k is not positive, or (naming `fit`, in words) when the law
    /// has non-finite parameters or, for Chinchilla, non-positive exponents or coefficients, so
    /// that no finite optimum exists.
    ///
    /// # Examples
    ///
    /// ```
    /// use scaling_laws::answer::allocation::Allocator;
    /// use scaling_laws::law::ChinchillaLaw;
    /// let alloc = Allocator::new(ChinchillaLaw::HOFFMANN_2022, 6.0).unwrap();
    /// let opt = alloc.optimal_for_compute(5.76e23);
    /// assert!((opt.n_params * opt.n_tokens * 6.0 / 5.76e23 - 1.0).abs() < 1e-12);
    /// ```
    pub fn new(law: impl Into<Law>, k: f64) -> Result<Self, Error> {
        let law = law.into();
        if !(k.is_finite() && k > 0.0) {
            return Err(Error::invalid_option(
                "--flops-per-param-token",
                format!("must be positive, got {k}"),
            ));
        }
        let method = match law.chinchilla() {
            Some(c) => chinchilla_method(c)?,
            None => {
                if let Some(problem) = not_finite(&law) {
                    return Err(no_allocation(&problem));
                }
                if !law.family().has_allocation() {
                    Method::ComputeOnly
                } else if law
                    .family()
                    .closed_form_allocation(law.theta(), 1e20, k)
                    .is_some()
                {
                    Method::ClosedForm
                } else {
                    Method::Numeric
                }
            }
        };
        Ok(Allocator { law, k, method })
    }

    /// The same questions answered by numeric minimisation even when the family has a closed
    /// form (to test the numeric path against it).
    ///
    /// # Errors
    ///
    /// As [`Allocator::new`].
    pub fn numeric(law: impl Into<Law>, k: f64) -> Result<Self, Error> {
        let mut a = Self::new(law, k)?;
        if a.method != Method::ComputeOnly {
            a.method = Method::Numeric;
        }
        Ok(a)
    }

    /// The law.
    pub fn law(&self) -> &Law {
        &self.law
    }

    /// The law in Chinchilla's natural parameters, when it is one.
    pub fn chinchilla(&self) -> Option<&ChinchillaLaw> {
        match &self.method {
            Method::Chinchilla { law, .. } => Some(law),
            _ => None,
        }
    }

    /// `k` in `C = k·N·D`.
    pub fn flops_per_param_token(&self) -> f64 {
        self.k
    }

    /// Whether the law splits compute between N and D (false for a law of compute alone).
    pub fn has_allocation(&self) -> bool {
        self.method != Method::ComputeOnly
    }

    /// `Ok(())` when the law has an allocation; else an error naming `--law` that says why
    /// `question` (a flag such as `--params`) is not defined.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--law`.
    pub fn require_allocation(&self, question: &str) -> Result<(), Error> {
        if self.has_allocation() {
            return Ok(());
        }
        Err(Error::invalid_option(
            "--law",
            format!(
                "the {} law is a law of compute alone: it does not say how to split compute \
                 between N and D, so {question} has no answer (N* and D* are not defined); ask \
                 for --budget or --target-loss, or fit a law of N and D (e.g. --law chinchilla)",
                self.law.family()
            ),
        ))
    }

    /// Predicted loss of `n_params` trained on `n_tokens` fresh tokens, compute `k·N·D`.
    pub fn loss(&self, n_params: f64, n_tokens: f64) -> f64 {
        match &self.method {
            Method::Chinchilla { law, .. } => law.loss(n_params, n_tokens),
            _ => self.law.loss_row(&Row::new(n_params, n_tokens, self.k)),
        }
    }

    /// `ln L` at `ln N = log_n` along the budget `ln(C/k) = log_x`.
    fn log_loss_along(&self, log_x: f64, log_n: f64) -> f64 {
        let row = Row {
            log_n,
            log_d: log_x - log_n,
            log_u: f64::NAN,
            log_c: log_x + self.k.ln(),
        };
        self.law.log_loss_row(&row)
    }

    /// `ln N*` for `ln(C/k) = log_x` by the bisection of the module docs; `None` when the loss
    /// has no minimum along the budget within the range of doubles.
    fn numeric_log_n(&self, log_x: f64) -> Option<f64> {
        if !log_x.is_finite() {
            return None;
        }
        let slope = |x: f64| {
            self.log_loss_along(log_x, x + SLOPE_STEP) - self.log_loss_along(log_x, x - SLOPE_STEP)
        };
        bisect_increasing(slope, 0.5 * log_x)
    }

    /// N*, D*, L* for budget `compute` (N* and D* NaN for a law of compute alone, see
    /// [`Allocator::require_allocation`]; every figure NaN when the numeric search finds no
    /// minimum, which [`ComputeOptimal::finite`] reports).
    pub fn optimal_for_compute(&self, compute: f64) -> ComputeOptimal {
        let x = compute / self.k;
        let (n_params, n_tokens) = match &self.method {
            Method::Chinchilla {
                law,
                g,
                a,
                gamma,
                big_k,
            } => {
                let n_params = g * x.powf(*a);
                let n_tokens = x / n_params;
                return ComputeOptimal {
                    compute,
                    n_params,
                    n_tokens,
                    loss: law.irreducible + big_k * x.powf(-gamma),
                    tokens_per_param: n_tokens / n_params,
                };
            }
            Method::ComputeOnly => {
                return ComputeOptimal {
                    compute,
                    n_params: f64::NAN,
                    n_tokens: f64::NAN,
                    loss: self.optimal_loss(compute),
                    tokens_per_param: f64::NAN,
                };
            }
            Method::ClosedForm => self
                .law
                .family()
                .closed_form_allocation(self.law.theta(), compute, self.k)
                .unwrap_or((f64::NAN, f64::NAN)),
            Method::Numeric => match self.numeric_log_n(x.ln()) {
                Some(log_n) => {
                    let n = log_n.exp();
                    (n, x / n)
                }
                None => (f64::NAN, f64::NAN),
            },
        };
        ComputeOptimal {
            compute,
            n_params,
            n_tokens,
            loss: self.loss(n_params, n_tokens),
            tokens_per_param: n_tokens / n_params,
        }
    }

    /// L* for budget `compute`: the loss of the optimal split, or for a law of compute alone
    /// its loss at that compute.
    pub fn optimal_loss(&self, compute: f64) -> f64 {
        match &self.method {
            Method::ComputeOnly => {
                let log_c = compute.ln();
                let half = 0.5 * (log_c - self.k.ln());
                self.law.loss_row(&Row {
                    log_n: half,
                    log_d: half,
                    log_u: f64::NAN,
                    log_c,
                })
            }
            _ => self.optimal_for_compute(compute).loss,
        }
    }

    /// The budget for which `n_params` is the compute-optimal size, with its D* and L*
    /// (NaN figures for a law of compute alone, or when no budget gives it).
    pub fn optimal_for_params(&self, n_params: f64) -> ComputeOptimal {
        match &self.method {
            Method::Chinchilla { g, a, .. } => {
                let x = (n_params / g).powf(1.0 / a);
                self.optimal_for_compute(self.k * x)
            }
            Method::ComputeOnly => self.optimal_for_compute(f64::NAN),
            _ => {
                let target = n_params.ln();
                // First guess: 20 tokens per parameter.
                let y0 = self.k.ln() + 2.0 * target + 20f64.ln();
                let log_n_at = |y: f64| {
                    self.numeric_or_closed_log_n(y)
                        .map_or(f64::NAN, |log_n| log_n - target)
                };
                match bisect_increasing(log_n_at, y0) {
                    Some(y) => self.optimal_for_compute(y.exp()),
                    None => self.optimal_for_compute(f64::NAN),
                }
            }
        }
    }

    /// `ln N*` at `ln C = log_c` by the family's closed form or numerically.
    fn numeric_or_closed_log_n(&self, log_c: f64) -> Option<f64> {
        match self.method {
            Method::ClosedForm => self
                .law
                .family()
                .closed_form_allocation(self.law.theta(), log_c.exp(), self.k)
                .map(|(n, _)| n.ln()),
            _ => self.numeric_log_n(log_c - self.k.ln()),
        }
    }

    /// The least compute that reaches `target` loss (FLOPs).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--target-loss` when no finite budget reaches the
    /// target: for Chinchilla a target at or below E, or so close to E that the budget
    /// overflows.
    pub fn compute_for_loss(&self, target: f64) -> Result<f64, Error> {
        if let Method::Chinchilla {
            law, gamma, big_k, ..
        } = &self.method
        {
            let gap = target - law.irreducible;
            if !(gap > 0.0 && target.is_finite()) {
                return Err(Error::invalid_option(
                    "--target-loss",
                    format!(
                        "{target} is at or below the irreducible loss E = {:.4}; no budget reaches it (choose a loss above E)",
                        law.irreducible
                    ),
                ));
            }
            let x = (big_k / gap).powf(1.0 / gamma);
            return Ok(self.k * x);
        }
        let unreachable = || {
            Error::invalid_option(
                "--target-loss",
                format!(
                    "{} is below any loss the {} law reaches with a budget within the range of \
                     double-precision numbers; choose a higher loss",
                    compact(target),
                    self.law.family()
                ),
            )
        };
        if !(target.is_finite() && target > 0.0) {
            return Err(unreachable());
        }
        let log_target = target.ln();
        // ln L*(C) falls as C grows: its negative rises.
        let gap = |y: f64| {
            let l = self.optimal_loss(y.exp());
            if l > 0.0 {
                log_target - l.ln()
            } else {
                f64::NAN
            }
        };
        let y = bisect_increasing(gap, 50.0).ok_or_else(unreachable)?;
        let compute = y.exp();
        if compute.is_finite() && compute > 0.0 {
            Ok(compute)
        } else {
            Err(unreachable())
        }
    }

    /// The least compute that reaches `target` loss, with N* and D* there (NaN for a law of
    /// compute alone).
    ///
    /// # Errors
    ///
    /// As [`Allocator::compute_for_loss`], and [`Error::InvalidOption`] naming `--target-loss`
    /// when a figure overflows.
    pub fn optimal_for_loss(&self, target: f64) -> Result<ComputeOptimal, Error> {
        let compute = self.compute_for_loss(target)?;
        let found = self.optimal_for_compute(compute);
        if self.method == Method::ComputeOnly {
            return Ok(ComputeOptimal {
                loss: target,
                ..found
            });
        }
        found.finite("--target-loss", target)
    }

    /// Compare a given model (N, D) with the compute-optimal choices.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--assess` when `k·N·D` overflows, or when the model's
    /// predicted loss equals E to double precision (a model far beyond any data): then no
    /// budget reaches the same loss and the comparison is not defined; naming `--law` for a law
    /// of compute alone.
    pub fn assess(&self, n_params: f64, n_tokens: f64) -> Result<Assessment, Error> {
        self.require_allocation("--assess")?;
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
        let loss = self.loss(n_params, n_tokens);
        let same_loss = self.optimal_for_loss(loss).map_err(|_| {
            let floor = match self.chinchilla() {
                Some(law) => format!(
                    "equals E = {} to double precision",
                    compact(law.irreducible)
                ),
                None => "is one no budget reaches with an optimal split".to_string(),
            };
            Error::invalid_option(
                "--assess",
                format!(
                    "{given}: not defined: the predicted loss {} {floor} (the model lies far \
                     beyond the fitted range), so no budget reaches the same loss with a \
                     compute-optimal split; assess a model nearer the data",
                    compact(loss),
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

/// The root of `f`, rising through 0, by expanding a bracket from `y0` (doubling steps) and
/// bisecting it to a relative width of 1e-12; `None` when no sign change lies within 700 of
/// `y0` or `f` is NaN on the way.
pub fn bisect_increasing(f: impl Fn(f64) -> f64, y0: f64) -> Option<f64> {
    let f0 = f(y0);
    if f0.is_nan() {
        return None;
    }
    if f0 == 0.0 {
        return Some(y0);
    }
    let dir = if f0 < 0.0 { 1.0 } else { -1.0 };
    let (mut near, mut step) = (y0, 1.0);
    let far = loop {
        let y = y0 + dir * step;
        let v = f(y);
        if v.is_nan() || step > MAX_EXPANSION {
            return None;
        }
        if v * dir >= 0.0 {
            break y;
        }
        near = y;
        step *= 2.0;
    };
    let (mut lo, mut hi) = if dir > 0.0 { (near, far) } else { (far, near) };
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if hi - lo <= BISECTION_RTOL * (1.0 + mid.abs()) {
            break;
        }
        let v = f(mid);
        if v < 0.0 {
            lo = mid;
        } else if v > 0.0 {
            hi = mid;
        } else {
            return Some(mid);
        }
    }
    Some(0.5 * (lo + hi))
}

fn chinchilla_method(law: ChinchillaLaw) -> Result<Method, Error> {
    if let Some(problem) = degenerate(&law) {
        return Err(no_allocation(&problem));
    }
    let sum = law.alpha + law.beta;
    let g = (law.alpha * law.param_coef / (law.beta * law.data_coef)).powf(1.0 / sum);
    let big_k = law.param_coef * g.powf(-law.alpha) + law.data_coef * g.powf(law.beta);
    Ok(Method::Chinchilla {
        law,
        g,
        a: law.beta / sum,
        gamma: law.alpha * law.beta / sum,
        big_k,
    })
}

fn no_allocation(problem: &str) -> Error {
    Error::invalid_option(
        "fit",
        format!(
            "no compute-optimal allocation exists: {problem}. A compute-optimal split \
             needs a loss that falls with both N and D; a constant loss column, or a loss \
             that rises with N or D, gives this. Check the loss and size columns, widen \
             the sweep, or fix an exponent (e.g. --fix alpha=0.34)"
        ),
    )
}

/// A law of another family with a non-finite parameter, in words.
fn not_finite(law: &Law) -> Option<String> {
    let values = law.natural_values();
    values.iter().any(|(_, v)| !v.is_finite()).then(|| {
        format!(
            "the law has a value that is not a finite number ({})",
            values
                .iter()
                .map(|(n, v)| format!("{n} = {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

impl ComputeOptimal {
    /// `Ok(self)` when the compute and the loss are finite positive numbers (for a law of
    /// compute alone, whose N* and D* are not defined).
    ///
    /// # Errors
    ///
    /// As [`ComputeOptimal::finite`].
    pub fn finite_loss(self, flag: &str, input: f64) -> Result<Self, Error> {
        ComputeOptimal {
            n_params: 1.0,
            n_tokens: 1.0,
            tokens_per_param: 1.0,
            ..self
        }
        .finite(flag, input)
        .map(|_| self)
    }

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
            Some((name, v)) if v.is_nan() => Err(Error::invalid_option(
                flag,
                format!(
                    "{} gives no {name}: the law has no compute-optimal split there (its loss \
                     has no minimum along the budget within the range of double-precision \
                     numbers); choose a value nearer the fitted range",
                    compact(input)
                ),
            )),
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
        ChinchillaLaw::TEST_LAWS.to_vec()
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

    /// Relative agreement required between the numeric path and the closed forms.
    const NUMERIC_RTOL: f64 = 1e-6;

    #[test]
    fn numeric_allocation_matches_the_closed_form() {
        for law in laws() {
            for k in [6.0, 8.0] {
                let closed = Allocator::new(law, k).unwrap();
                let numeric = Allocator::numeric(law, k).unwrap();
                assert!(numeric.chinchilla().is_none());
                for c in [1e18, 5.76e23, 1e26] {
                    let (a, b) = (
                        closed.optimal_for_compute(c),
                        numeric.optimal_for_compute(c),
                    );
                    for (what, x, y) in [
                        ("N*", a.n_params, b.n_params),
                        ("D*", a.n_tokens, b.n_tokens),
                        ("L*", a.loss, b.loss),
                    ] {
                        assert!(
                            (y / x - 1.0).abs() < NUMERIC_RTOL,
                            "{law:?} k={k} C={c}: {what} {y} numeric vs {x} closed"
                        );
                    }
                    // The inverse questions: the budget at which N* is optimal, and the least
                    // compute reaching L*.
                    let by_n = numeric.optimal_for_params(a.n_params);
                    assert!((by_n.compute / c - 1.0).abs() < NUMERIC_RTOL, "{by_n:?}");
                    let by_loss = numeric.optimal_for_loss(a.loss * 1.001).unwrap();
                    let want = closed.optimal_for_loss(a.loss * 1.001).unwrap();
                    assert!(
                        (by_loss.compute / want.compute - 1.0).abs() < NUMERIC_RTOL,
                        "{} vs {}",
                        by_loss.compute,
                        want.compute
                    );
                }
                assert!(numeric.optimal_for_loss(law.irreducible * 0.99).is_err());
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
mod family_tests {
    use super::*;
    use crate::law::LawRef;
    use crate::law::test_families::{ComputeAlone, Plain};

    #[test]
    fn a_family_without_a_closed_form_allocates_numerically() {
        let h = ChinchillaLaw::HOFFMANN_2022;
        let plain = Allocator::new(Law::new(LawRef::new(&Plain), h.theta().to_vec()), 6.0).unwrap();
        let closed = Allocator::new(h, 6.0).unwrap();
        assert!(plain.chinchilla().is_none() && plain.has_allocation());
        let (a, b) = (
            closed.optimal_for_compute(1e21),
            plain.optimal_for_compute(1e21),
        );
        for (x, y) in [
            (a.n_params, b.n_params),
            (a.n_tokens, b.n_tokens),
            (a.loss, b.loss),
        ] {
            assert!((y / x - 1.0).abs() < 1e-6, "{y} vs {x}");
        }
        let (a, b) = (
            closed.assess(175e9, 300e9).unwrap(),
            plain.assess(175e9, 300e9).unwrap(),
        );
        assert!((b.compute_ratio / a.compute_ratio - 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_law_of_compute_alone_answers_loss_questions_only() {
        let law = Law::new(
            LawRef::new(&ComputeAlone),
            vec![1.8f64.ln(), 60f64.ln(), 0.12],
        );
        let alloc = Allocator::new(law, 6.0).unwrap();
        assert!(!alloc.has_allocation());
        let loss = alloc.optimal_loss(1e22);
        assert!((loss / (1.8 + 60.0 * 1e22f64.powf(-0.12)) - 1.0).abs() < 1e-12);
        let c = alloc.compute_for_loss(loss).unwrap();
        assert!((c / 1e22 - 1.0).abs() < 1e-9, "{c}");
        let reach = alloc.optimal_for_loss(loss).unwrap();
        assert!(reach.n_params.is_nan() && reach.loss == loss);
        assert!(alloc.compute_for_loss(1.79).is_err());
        for err in [
            alloc.assess(7e10, 1.4e12).unwrap_err(),
            alloc.require_allocation("--params").unwrap_err(),
        ] {
            let text = err.to_string();
            assert!(
                text.starts_with("invalid --law") && text.contains("not defined"),
                "{text}"
            );
        }
    }
}

#[cfg(test)]
mod degenerate_tests {
    use super::*;

    #[test]
    fn huge_models_are_not_defined_rather_than_a_panic() {
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
    fn degenerate_laws_are_explained_in_words() {
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
