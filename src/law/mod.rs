//! Functional forms of scaling laws.
//!
//! A law maps model size `N` (parameters) and data `D` (tokens) to a predicted loss. The fitter
//! works with the *logarithm* of the prediction and a parameter vector `theta` on which the
//! log-prediction is smooth, so every law here exposes `log_prediction_with_gradient`.

pub mod chinchilla;

pub use chinchilla::{ChinchillaLaw, PARAM_NAMES, Theta};
