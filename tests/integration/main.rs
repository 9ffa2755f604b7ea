//! The single integration-test binary (one binary keeps linking cheap): library-level checks
//! against golden values, recovery on synthetic data, and the command line end to end.

mod architecture;
mod common;
mod compute_frontier;
mod curve_figures;
mod curves;
mod data_limits;
mod decisions;
mod doc_blocks;
mod envelope;
mod families;
mod fetch;
mod fit_chinchilla;
mod fit_files;
mod fit_options;
mod fuzz;
mod help;
mod holdout;
mod inference;
mod input_errors;
mod isoflop;
mod laws;
mod limits;
mod loader;
mod numbers;
mod optimal;
mod outliers;
mod plan;
mod plots;
mod recovery;
mod select;
mod streams;
mod suggest;
mod unique_tokens;
mod warnings;
mod writes;
