//! # scaling-laws
//!
//! Fit neural scaling laws to sweeps of training runs and answer the questions that follow:
//! how large a model, trained on how many tokens, for a compute budget.
//!
//! ```text
//! L(N, D) = E + A / N^alpha + B / D^beta        (Hoffmann et al. 2022, Approach 3)
//! ```
//!
//! That is the default law; [`law`] holds the others, each a [`law::Family`] (parameters,
//! log-prediction with gradient, start grid, allocation where it has one), and everything
//! downstream of the fit works with any of them.
//!
//! Data flows one way: [`data`] loads and validates a table of runs into a [`data::Dataset`];
//! [`fit`] fits the law and returns a [`fit::FitReport`] whose [`fit::FittedLaw`] later analyses
//! build on; [`report`] renders results; [`saved`] stores a fit with its provenance.
//!
//! The library never prints and never exits; long loops report progress, and may be stopped,
//! through a [`progress::Progress`].

#![deny(missing_docs)]
#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    clippy::dbg_macro
)]

pub mod allocation;
pub mod commands;
pub mod compare;
pub mod data;
pub mod data_limit;
pub mod decision;
pub mod design;
pub mod envelope;
pub mod error;
pub mod fetch;
mod fields;
pub mod figures;
pub mod finite;
pub mod fit;
pub mod holdout;
pub mod inference;
pub mod isoflop;
pub mod law;
pub mod optimal;
pub mod output;
pub mod plan;
pub mod plot;
pub mod progress;
pub mod report;
pub mod resources;
pub mod saved;
pub mod select;
pub mod simulate;
pub mod stats;
pub mod suggest;
pub mod table3;
pub mod uncertainty;
pub mod warnings;

pub use error::Error;
