//! The Chinchilla paper's first two approaches, beside the fitted law of [`crate::fit`]
//! (Approach 3):
//!
//! - [`envelope`]: Approach 1, the lowest loss reached at each compute along the training
//!   curves, and the runs on that envelope give N\*(C) and D\*(C);
//! - [`isoflop`]: Approach 2, a parabola in log N through each fixed-compute slice, whose
//!   minima give N\*(C) and D\*(C).

pub mod envelope;
pub mod isoflop;
