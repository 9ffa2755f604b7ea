//! One local optimisation: L-BFGS (argmin's executor and line search, `fit::lbfgs`) with a stopping
//! rule that does not depend on the objective's scale.
//!
//! argmin's L-BFGS stops when `‖g‖₂ < tol_grad` or `|f_k - f_{k-1}| < tol_cost`: both absolute,
//! so multiplying the objective by a constant (a mean instead of a sum, another loss unit) moves
//! the stopping point. That is how an early stop can pass for an optimum. Here both built-in
//! tests are switched off and replaced by relative ones:
//!
//! ```text
//! converged (gradient)  when  max_i |g_i| <= grad_rtol · |f|
//! converged (stalled)   when  |f_{k-1} - f_k| <= cost_rtol · max(|f_{k-1}|, |f_k|)
//!                             for `stall_iters` consecutive iterations
//! ```
//!
//! Both are invariant under `f -> c·f`. A line search that finds no lower value ends the run;
//! the run counts as converged when its relative gradient is within `loose_grad_rtol`, or when
//! the objective has fallen by [`EXACT_FIT_RTOL`] from its start (noise-free data fitted
//! exactly, where a gradient relative to an objective near 0 means nothing).

use std::cell::RefCell;

use argmin::core::{
    CostFunction, Executor, Gradient, IterState, KV, Problem, Solver, State, TerminationReason,
    TerminationStatus,
};
use serde::{Deserialize, Serialize};

use super::lbfgs::Lbfgs;
use super::objective::Objective;
use super::params::ParamSpec;

type Vector = Vec<f64>;
type LbfgsState = IterState<Vector, Vector, (), (), (), f64>;

/// A run whose objective fell below this fraction of its starting value has fitted the data
/// exactly (up to rounding); the relative gradient test cannot apply as the objective nears 0.
pub const EXACT_FIT_RTOL: f64 = 1e-20;

/// Stopping rule and limits for one L-BFGS run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SolverOptions {
    /// Converged when the largest gradient component is at most this times `|objective|`.
    pub grad_rtol: f64,
    /// Stalled when the relative decrease of the objective is at most this ...
    pub cost_rtol: f64,
    /// ... for this many consecutive iterations.
    pub stall_iters: u32,
    /// A run stopped by its line search counts as converged within this relative gradient.
    pub loose_grad_rtol: f64,
    /// Iteration limit per start.
    pub max_iters: u64,
    /// L-BFGS history length.
    pub memory: usize,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            grad_rtol: 1e-10,
            cost_rtol: 1e-14,
            stall_iters: 3,
            loose_grad_rtol: 1e-4,
            max_iters: 1000,
            memory: 10,
        }
    }
}

/// Largest L-BFGS history accepted from a file: argmin reserves room for `memory` pairs of
/// vectors before the first step, and a history past a few dozen only slows a run of at most
/// a dozen parameters (the default is 10).
pub const MAX_MEMORY: usize = 1000;

impl SolverOptions {
    /// Whether a run with these options stops, as options read back from a fit file must:
    /// tolerances that are numbers of at least 0, at least one iteration, a stall counted over at
    /// least one iteration, and a history of 1 to [`MAX_MEMORY`].
    ///
    /// # Errors
    ///
    /// A message that starts with the path of the field that is wrong (`at` is this struct's
    /// own path).
    pub fn check_consistent(&self, at: &str) -> Result<(), String> {
        let field = |name: &str| crate::fields::path(at, name);
        for (name, value) in [
            ("grad_rtol", self.grad_rtol),
            ("cost_rtol", self.cost_rtol),
            ("loose_grad_rtol", self.loose_grad_rtol),
        ] {
            crate::fields::non_negative(&field(name), value)?;
        }
        for (name, zero) in [
            ("max_iters", self.max_iters == 0),
            ("stall_iters", self.stall_iters == 0),
        ] {
            if zero {
                return Err(format!("{} is 0; it must be at least 1", field(name)));
            }
        }
        if !(1..=MAX_MEMORY).contains(&self.memory) {
            return Err(format!(
                "{} is {}; the L-BFGS history must hold 1 to {MAX_MEMORY} steps",
                field("memory"),
                self.memory
            ));
        }
        Ok(())
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// The relative gradient test passed.
    Gradient,
    /// The objective stopped decreasing (relative test).
    Stalled,
    /// The line search found no lower value.
    LineSearch,
    /// The iteration limit was reached.
    MaxIters,
    /// The objective or gradient became non-finite.
    NonFinite,
}

impl Termination {
    /// Short description used in reports.
    pub fn describe(self) -> &'static str {
        match self {
            Termination::Gradient => "relative gradient below tolerance",
            Termination::Stalled => "objective stopped decreasing",
            Termination::LineSearch => "line search found no decrease",
            Termination::MaxIters => "iteration limit reached",
            Termination::NonFinite => "objective not finite",
        }
    }
}

/// Result of one L-BFGS run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalRun {
    /// Starting point (full theta).
    pub start: Vec<f64>,
    /// Best point found (full theta).
    pub theta: Vec<f64>,
    /// Objective at `theta`.
    pub objective: f64,
    /// Objective at the start.
    pub start_objective: f64,
    /// Iterations taken.
    pub iterations: u64,
    /// Why the run stopped.
    pub termination: Termination,
    /// Largest gradient component relative to `|objective|` at the end.
    pub rel_gradient: f64,
    /// Whether the run meets the convergence criteria.
    pub converged: bool,
}

impl LocalRun {
    /// True when the run fitted the data exactly: its objective fell by [`EXACT_FIT_RTOL`].
    pub fn is_exact_fit(&self) -> bool {
        self.objective <= EXACT_FIT_RTOL * self.start_objective
    }
}

/// A smooth objective of free parameters `z`: what one L-BFGS run minimises. The law families'
/// [`Objective`] is one, seen through its [`ParamSpec`]; the training-curve laws are others.
pub trait Smooth {
    /// The objective and its gradient at `z`.
    fn value_and_gradient(&self, z: &[f64]) -> (f64, Vec<f64>);

    /// The objective at `z`.
    fn value(&self, z: &[f64]) -> f64 {
        self.value_and_gradient(z).0
    }
}

/// The families' objective through the free components of a [`ParamSpec`].
struct Reduced<'a> {
    objective: &'a Objective<'a>,
    spec: &'a ParamSpec,
}

impl Smooth for Reduced<'_> {
    fn value_and_gradient(&self, z: &[f64]) -> (f64, Vec<f64>) {
        let (value, g) = self.objective.value_and_gradient(&self.spec.expand(z));
        (value, self.spec.reduce_gradient(&g))
    }

    fn value(&self, z: &[f64]) -> f64 {
        self.objective.value(&self.spec.expand(z))
    }
}

/// The objective as argmin needs it.
///
/// The line search asks for the cost and then the gradient at the same point, and L-BFGS asks
/// again for the gradient where the line search stopped; one pass over the data computes both,
/// and the last point's results are kept for the next request.
struct FreeProblem<'a> {
    smooth: &'a dyn Smooth,
    last: RefCell<Option<(Vector, f64, Vector)>>,
}

impl FreeProblem<'_> {
    fn evaluate(&self, z: &Vector) -> Result<(f64, Vector), argmin::core::Error> {
        if let Some((at, value, grad)) = self.last.borrow().as_ref()
            && at == z
        {
            return Ok((*value, grad.clone()));
        }
        let (value, grad) = self.smooth.value_and_gradient(z);
        finite_or_error(value, z)?;
        if !grad.iter().all(|x| x.is_finite()) {
            return Err(argmin::core::Error::msg("non-finite gradient"));
        }
        *self.last.borrow_mut() = Some((z.clone(), value, grad.clone()));
        Ok((value, grad))
    }
}

impl CostFunction for FreeProblem<'_> {
    type Param = Vector;
    type Output = f64;

    fn cost(&self, z: &Vector) -> Result<f64, argmin::core::Error> {
        self.evaluate(z).map(|(value, _)| value)
    }
}

impl Gradient for FreeProblem<'_> {
    type Param = Vector;
    type Gradient = Vector;

    fn gradient(&self, z: &Vector) -> Result<Vector, argmin::core::Error> {
        self.evaluate(z).map(|(_, grad)| grad)
    }
}

/// Non-finite values must end the line search: argmin's More-Thuente search loops forever on
/// NaN (seen from starts with zero exponents, where an L-BFGS step overflows).
fn finite_or_error(value: f64, z: &[f64]) -> Result<f64, argmin::core::Error> {
    if value.is_finite() && z.iter().all(|x| x.is_finite()) {
        Ok(value)
    } else {
        Err(argmin::core::Error::msg(
            "objective not finite at the trial point",
        ))
    }
}

/// L-BFGS with the relative stopping rule of the module docs.
struct RelativeStopLbfgs {
    inner: Lbfgs,
    opts: SolverOptions,
    prev_cost: f64,
    stalled_for: u32,
    stopped_by: Option<Termination>,
}

impl<'a> Solver<FreeProblem<'a>, LbfgsState> for RelativeStopLbfgs {
    fn name(&self) -> &str {
        "L-BFGS with relative stopping rule"
    }

    fn init(
        &mut self,
        problem: &mut Problem<FreeProblem<'a>>,
        state: LbfgsState,
    ) -> Result<(LbfgsState, Option<KV>), argmin::core::Error> {
        self.inner.init(problem, state)
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<FreeProblem<'a>>,
        state: LbfgsState,
    ) -> Result<(LbfgsState, Option<KV>), argmin::core::Error> {
        self.inner.next_iter(problem, state)
    }

    fn terminate(&mut self, state: &LbfgsState) -> TerminationStatus {
        let cost = state.get_cost();
        let grad = state.get_gradient().map_or(f64::NAN, |g| max_abs(g));
        let stop = if !cost.is_finite() || !grad.is_finite() {
            Some(Termination::NonFinite)
        } else if grad <= self.opts.grad_rtol * cost.abs() {
            Some(Termination::Gradient)
        } else {
            let change = (self.prev_cost - cost).abs();
            let scale = self.prev_cost.abs().max(cost.abs());
            if change <= self.opts.cost_rtol * scale {
                self.stalled_for += 1;
            } else {
                self.stalled_for = 0;
            }
            (self.stalled_for >= self.opts.stall_iters).then_some(Termination::Stalled)
        };
        self.prev_cost = cost;
        match stop {
            Some(reason) => {
                self.stopped_by = Some(reason);
                TerminationStatus::Terminated(TerminationReason::SolverConverged)
            }
            None => TerminationStatus::NotTerminated,
        }
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// The end of one L-BFGS run in free coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// Best point found.
    pub z: Vec<f64>,
    /// Objective at `z`.
    pub objective: f64,
    /// Objective at the start.
    pub start_objective: f64,
    /// Iterations taken.
    pub iterations: u64,
    /// Why the run stopped.
    pub termination: Termination,
    /// Largest gradient component relative to `|objective|` at the end.
    pub rel_gradient: f64,
    /// Whether the run meets the convergence criteria.
    pub converged: bool,
}

/// Run L-BFGS once on `problem` from `z0`, with the stopping rule of the module docs.
pub fn minimise(problem: &dyn Smooth, z0: &[f64], opts: &SolverOptions) -> Minimum {
    let z0 = z0.to_vec();
    let start_value = problem.value(&z0);
    let inner = Lbfgs::new(opts.memory);
    let solver = RelativeStopLbfgs {
        inner,
        opts: *opts,
        prev_cost: f64::INFINITY,
        stalled_for: 0,
        stopped_by: None,
    };
    let free = FreeProblem {
        smooth: problem,
        last: RefCell::new(None),
    };
    let result = Executor::new(free, solver)
        .configure(|s| s.param(z0.clone()).max_iters(opts.max_iters))
        .timer(false)
        .run();
    let (z_best, iterations, reason, stopped_by) = match &result {
        Ok(res) => {
            let st = res.state();
            let z = st.get_best_param().cloned().unwrap_or_else(|| z0.clone());
            let reason = st.get_termination_reason().cloned();
            (z, st.get_iter(), reason, res.solver.stopped_by)
        }
        Err(_) => (z0.clone(), 0, None, None),
    };
    let (value, grad) = problem.value_and_gradient(&z_best);
    let grad_norm = max_abs(&grad);
    let rel_gradient = if grad_norm == 0.0 {
        0.0
    } else {
        grad_norm / value.abs()
    };
    let termination = match (stopped_by, reason) {
        (Some(t), _) => t,
        (None, Some(TerminationReason::MaxItersReached)) => Termination::MaxIters,
        (None, _) if !value.is_finite() => Termination::NonFinite,
        (None, _) => Termination::LineSearch,
    };
    let converged = value.is_finite()
        && match termination {
            Termination::Gradient | Termination::Stalled => true,
            Termination::LineSearch => {
                rel_gradient <= opts.loose_grad_rtol || value <= EXACT_FIT_RTOL * start_value
            }
            Termination::MaxIters | Termination::NonFinite => false,
        };
    Minimum {
        z: z_best,
        objective: value,
        start_objective: start_value,
        iterations,
        termination,
        rel_gradient,
        converged,
    }
}

/// Run L-BFGS once from `start` (a full theta; fixed components are taken from `spec`).
pub fn run_lbfgs(
    objective: &Objective,
    spec: &ParamSpec,
    start: &[f64],
    opts: &SolverOptions,
) -> LocalRun {
    let z0 = spec.reduce(start);
    let start_theta = spec.expand(&z0);
    let m = minimise(&Reduced { objective, spec }, &z0, opts);
    LocalRun {
        start: start_theta,
        theta: spec.expand(&m.z),
        objective: m.objective,
        start_objective: m.start_objective,
        iterations: m.iterations,
        termination: m.termination,
        rel_gradient: m.rel_gradient,
        converged: m.converged,
    }
}
