//! Checks of a fitted law against the data it did not see and against other laws:
//!
//! - [`holdout`]: refit without some runs (the largest, a random share, rolling origins) and
//!   score the predictions of the runs left out;
//! - [`select`]: fit several law families to one sweep and rank them by held-out error;
//! - [`compare`]: put a fit beside published fits (Hoffmann et al., Besiroglu et al., …).

pub mod compare;
pub mod holdout;
pub mod select;
