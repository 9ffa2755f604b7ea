//! Uncertainty of a fit: bootstrap draws of the parameters, intervals for anything computed
//! from them, the local (delta-method) covariance of the parameters, and prediction intervals
//! for new runs that allow for extrapolation.
//!
//! Besiroglu et al. 2024 showed why this matters: Hoffmann et al. reported a = 0.46 with a
//! confidence interval (0.454, 0.455) that 400-odd runs cannot support; resampling the runs and
//! refitting gives intervals about 40 times wider.

pub mod bootstrap;
pub mod collapse;
pub mod delta;
pub mod interval;
pub mod prediction;
pub mod resample;

pub use bootstrap::{BootstrapConfig, BootstrapDraws, bootstrap};
pub use interval::{Estimate, estimate};
pub use prediction::{PredictionInterval, PredictiveModel};
pub use resample::ResampleScheme;
