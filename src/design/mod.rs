//! Which runs to train:
//!
//! - [`sweep`]: an IsoFLOP sweep's runs for given budgets, ready to launch;
//! - [`suggest`]: the next runs that most narrow a chosen interval of a fitted law;
//! - [`simulate`]: sweeps drawn from a known law with noise, for tests, studies and demos.

pub mod simulate;
pub mod suggest;
pub mod sweep;
