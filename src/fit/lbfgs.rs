//! The L-BFGS step (Nocedal and Wright 2006, "Numerical Optimization", algorithms 7.4 and 7.5)
//! as an argmin [`Solver`], driving argmin's More-Thuente line search through the same trait.
//!
//! ```text
//! d_k     = -H_k g_k          two-loop recursion over the last m pairs (s_i, y_i),
//!                             H_0 = (s·y / y·y) I
//! x_{k+1} = x_k + t d_k       t from More-Thuente (Moré and Thuente 1994)
//! s_k     = x_{k+1} - x_k,    y_k = g_{k+1} - g_k
//! ```
//!
//! argmin's own `LBFGS` computes the same step with the same argmin-math operations in the same
//! order, so the iterates are the same to the bit; but it builds an `Executor` (with its state,
//! evaluation counters and key-value log) for the line search of every iteration, which cost
//! about a quarter of a fit of 240 runs (`benches/README.md`). Here the line search runs on the
//! problem the outer executor already holds, from a fresh copy of the configured search (as
//! argmin's does: the search keeps state between its own iterations).

use std::collections::VecDeque;

use argmin::core::{
    CostFunction, Gradient, IterState, KV, Problem, Solver, State, TerminationReason,
};
use argmin::solver::linesearch::{LineSearch, MoreThuenteLineSearch};
use argmin_math::{ArgminAdd, ArgminDot, ArgminMul, ArgminSub};

type Vector = Vec<f64>;
type LbfgsState = IterState<Vector, Vector, (), (), (), f64>;
type MoreThuente = MoreThuenteLineSearch<Vector, Vector, f64>;

/// L-BFGS with a history of `memory` pairs.
#[derive(Clone)]
pub(crate) struct Lbfgs {
    linesearch: MoreThuente,
    memory: usize,
    s: VecDeque<Vector>,
    y: VecDeque<Vector>,
}

impl Lbfgs {
    pub(crate) fn new(memory: usize) -> Self {
        Lbfgs {
            linesearch: MoreThuenteLineSearch::new(),
            memory,
            s: VecDeque::with_capacity(memory),
            y: VecDeque::with_capacity(memory),
        }
    }

    /// `-H g` by the two-loop recursion (argmin's `LBFGS::next_iter`, operation for operation).
    fn direction(&self, grad: &Vector) -> Vector {
        let gamma: f64 = match (self.s.back(), self.y.back()) {
            (Some(sk), Some(yk)) => {
                ArgminDot::<Vector, f64>::dot(sk, yk) / ArgminDot::<Vector, f64>::dot(yk, yk)
            }
            _ => 1.0,
        };
        let m = self.s.len();
        let mut q = grad.clone();
        let mut alpha = vec![0.0; m];
        let mut rho = vec![0.0; m];
        for (i, (sk, yk)) in self.s.iter().rev().zip(self.y.iter().rev()).enumerate() {
            let yksk: f64 = yk.dot(sk);
            let rho_t = 1.0 / yksk;
            let skq: f64 = sk.dot(&q);
            let alpha_t = skq * rho_t;
            q = q.sub(&yk.mul(&alpha_t));
            rho[m - i - 1] = rho_t;
            alpha[m - i - 1] = alpha_t;
        }
        let mut r: Vector = q.mul(&gamma);
        for (i, (sk, yk)) in self.s.iter().zip(self.y.iter()).enumerate() {
            let beta: f64 = yk.dot(&r);
            let beta = beta * rho[i];
            r = r.add(&sk.mul(&(alpha[i] - beta)));
        }
        r.mul(&-1.0)
    }
}

/// Line-search iterations after which the search counts as failed. More-Thuente ends on its own
/// within a few dozen; argmin's executor has no limit of its own here.
const MAX_LINE_SEARCH_ITERS: usize = 10_000;

/// Run the line search `ls` (its direction set) from the state's point to its end, as argmin's
/// executor would: init, then iterations until it terminates itself.
fn line_search<O>(
    ls: &mut MoreThuente,
    problem: &mut Problem<O>,
    start: LbfgsState,
) -> Result<LbfgsState, argmin::core::Error>
where
    O: CostFunction<Param = Vector, Output = f64> + Gradient<Param = Vector, Gradient = Vector>,
{
    let (mut state, _) = ls.init(problem, start)?;
    for _ in 0..MAX_LINE_SEARCH_ITERS {
        if state.terminated() {
            return Ok(state);
        }
        state = ls.next_iter(problem, state)?.0;
    }
    Err(argmin::core::Error::msg("the line search did not end"))
}

impl<O> Solver<O, LbfgsState> for Lbfgs
where
    O: CostFunction<Param = Vector, Output = f64> + Gradient<Param = Vector, Gradient = Vector>,
{
    fn name(&self) -> &str {
        "L-BFGS"
    }

    fn init(
        &mut self,
        problem: &mut Problem<O>,
        mut state: LbfgsState,
    ) -> Result<(LbfgsState, Option<KV>), argmin::core::Error> {
        let param = state
            .take_param()
            .ok_or_else(|| argmin::core::Error::msg("L-BFGS needs a starting point"))?;
        let cost = state.get_cost();
        let cost = if cost.is_infinite() {
            problem.cost(&param)?
        } else {
            cost
        };
        let grad = match state.take_gradient() {
            Some(g) => g,
            None => problem.gradient(&param)?,
        };
        Ok((state.param(param).cost(cost).gradient(grad), None))
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        mut state: LbfgsState,
    ) -> Result<(LbfgsState, Option<KV>), argmin::core::Error> {
        let bug = || argmin::core::Error::msg("L-BFGS: the state lost its point or gradient");
        let param = state.take_param().ok_or_else(bug)?;
        let prev_grad = state.take_gradient().ok_or_else(bug)?;
        let cur_cost = state.get_cost();
        let mut ls = self.linesearch.clone();
        ls.search_direction(self.direction(&prev_grad));
        let start = LbfgsState::new()
            .param(param.clone())
            .gradient(prev_grad.clone())
            .cost(cur_cost);
        let mut found = match line_search(&mut ls, problem, start) {
            Ok(found) => found,
            Err(e) => {
                let reason =
                    TerminationReason::SolverExit(format!("Line search terminated with: '{e}'"));
                return Ok((state.terminate_with(reason), None));
            }
        };
        let xk1 = found.take_param().ok_or_else(bug)?;
        let next_cost = found.get_cost();
        if state.get_iter() >= self.memory as u64 {
            self.s.pop_front();
            self.y.pop_front();
        }
        let grad = problem.gradient(&xk1)?;
        self.s.push_back(xk1.sub(&param));
        self.y.push_back(grad.sub(&prev_grad));
        Ok((state.param(xk1).cost(next_cost).gradient(grad), None))
    }
}
