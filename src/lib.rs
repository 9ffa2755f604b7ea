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
//! Data flows one way, and the modules read as the pipeline:
//!
//! 1. **load**: [`data`] reads and validates a table of runs into a [`data::Dataset`];
//! 2. **fit**: [`law`] holds the families, [`fit`] fits one and returns a [`fit::FitReport`]
//!    whose [`fit::FittedLaw`] later steps build on; [`uncertainty`] bootstraps it;
//!    [`approaches`] holds the paper's Approaches 1 and 2 beside it;
//! 3. **check**: [`check`] scores a fit on runs it did not see and against other laws;
//! 4. **answer**: [`answer`] turns a law into N\*, D\* and the questions around them;
//! 5. **decide**: [`plan`] sizes the training run (memory, GPUs, days), [`design`] chooses the
//!    runs to train next;
//! 6. **render**: [`report`] writes text, JSON and CSV, [`plot`] and [`figures`] draw, [`output`]
//!    writes files whole or not at all; [`saved`] stores a fit with its provenance.
//!
//! [`commands`] ties the steps together: one call per command, shared by the command line and
//! the Python package.
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

pub mod answer;
pub mod approaches;
pub mod check;
pub mod commands;
pub mod curve;
pub mod data;
pub mod design;
pub mod error;
pub mod fetch;
mod fields;
pub mod figures;
pub mod finite;
pub mod fit;
pub mod law;
pub mod output;
pub mod plan;
pub mod plot;
pub mod progress;
pub mod report;
pub mod resources;
pub mod saved;
pub mod stats;
pub mod task;
pub mod uncertainty;
pub mod warnings;

pub use error::Error;
