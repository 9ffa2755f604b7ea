//! Uncertainty of a fit: bootstrap draws of the parameters, and intervals for anything computed
//! from them.
//!
//! Besiroglu et al. 2024 showed why this matters: Hoffmann et al. reported a = 0.46 with a
//! confidence interval (0.454, 0.455) that 400-odd runs cannot support; resampling the runs and
//! refitting gives intervals about 40 times wider.

pub mod bootstrap;
pub mod collapse;
pub mod interval;

pub use bootstrap::{BootstrapConfig, BootstrapDraws, bootstrap};
pub use interval::{Estimate, estimate};
