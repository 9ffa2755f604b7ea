//! Families for tests of the generic machinery (not registered in [`super::families`]):
//! Chinchilla's form without any of its shortcuts, and a law of compute alone.

use super::chinchilla::Chinchilla;
use super::{Family, Input, Param, Row, Transform};

/// Chinchilla's form and parameters with none of its closed forms, ties or display order: every
/// answer about it takes the generic path (row-by-row objective, numeric allocation).
#[derive(Debug, Clone, Copy)]
pub struct Plain;

impl Family for Plain {
    fn name(&self) -> &'static str {
        "test-plain"
    }

    fn formula(&self) -> &'static str {
        "L = E + A / N^alpha + B / D^beta (no closed forms)"
    }

    fn citation(&self) -> &'static str {
        "tests"
    }

    fn params(&self) -> &'static [Param] {
        Chinchilla.params()
    }

    fn inputs(&self) -> &'static [Input] {
        Chinchilla.inputs()
    }

    fn log_prediction(&self, theta: &[f64], row: &Row) -> f64 {
        Chinchilla.log_prediction(theta, row)
    }

    fn log_prediction_with_gradient(&self, theta: &[f64], row: &Row, grad: &mut [f64]) -> f64 {
        Chinchilla.log_prediction_with_gradient(theta, row, grad)
    }
}

/// `L = E + A·C^(-gamma)`, solver space `(e, a, gamma)` with `E = exp(e)`, `A = exp(a)`:
/// `ln L = LSE(e, a - gamma·ln C)`.
#[derive(Debug, Clone, Copy)]
pub struct ComputeAlone;

const COMPUTE_PARAMS: [Param; 3] = [
    Param {
        name: "e",
        natural: "E",
        transform: Transform::Log,
        bounds: (-700.0, 700.0),
        nonzero: false,
        grid: &[-1.0, 0.0, 0.5, 1.0],
        doc: "irreducible loss",
    },
    Param {
        name: "a",
        natural: "A",
        transform: Transform::Log,
        bounds: (-700.0, 700.0),
        nonzero: false,
        grid: &[0.0, 2.0, 5.0, 10.0],
        doc: "coefficient of the compute term A·C^-gamma",
    },
    Param {
        name: "gamma",
        natural: "gamma",
        transform: Transform::Identity,
        bounds: (0.0, 5.0),
        nonzero: true,
        grid: &[0.02, 0.05, 0.1, 0.2],
        doc: "exponent of compute",
    },
];

impl Family for ComputeAlone {
    fn name(&self) -> &'static str {
        "test-compute"
    }

    fn formula(&self) -> &'static str {
        "L = E + A·C^-gamma"
    }

    fn citation(&self) -> &'static str {
        "tests"
    }

    fn params(&self) -> &'static [Param] {
        &COMPUTE_PARAMS
    }

    fn inputs(&self) -> &'static [Input] {
        &[Input::Compute]
    }

    fn log_prediction(&self, theta: &[f64], row: &Row) -> f64 {
        let mut grad = [0.0; 3];
        self.log_prediction_with_gradient(theta, row, &mut grad)
    }

    fn log_prediction_with_gradient(&self, theta: &[f64], row: &Row, grad: &mut [f64]) -> f64 {
        let t1 = theta[0];
        let t2 = theta[1] - theta[2] * row.log_c;
        let m = t1.max(t2);
        let (x1, x2) = ((t1 - m).exp(), (t2 - m).exp());
        let s = x1 + x2;
        let (w1, w2) = (x1 / s, x2 / s);
        grad[0] = w1;
        grad[1] = w2;
        grad[2] = -w2 * row.log_c;
        m + s.ln()
    }

    fn has_allocation(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradients_match_finite_differences() {
        let row = Row::new(1e9, 2e10, 6.0);
        crate::law::testing::check_gradient(&Plain, &[6.0, 6.0, 0.5, 0.34, 0.28], &row);
        crate::law::testing::check_gradient(&ComputeAlone, &[0.5, 8.0, 0.15], &row);
    }
}
