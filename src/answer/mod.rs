//! The questions a fitted law answers:
//!
//! - [`optimal`]: the compute-optimal N\* and D\* for budgets, with intervals, and the inverse
//!   questions (the budget that reaches a loss, the loss a model reaches);
//! - [`allocation`]: the allocation rule N\*(C), D\*(C) as power laws, where the law has one;
//! - [`inference`]: sizes that minimise training plus inference compute;
//! - [`data_limit`]: the best use of a limited number of unique tokens;
//! - [`table3`]: the Chinchilla paper's Table 3 (N\* for Gopher-sized budgets) from this fit;
//! - [`decision`]: from the answer to a training run (budget in FLOPs, GPU time or money,
//!   shapes, memory and time).

pub mod allocation;
pub mod data_limit;
pub mod decision;
pub mod inference;
pub mod optimal;
pub mod table3;
