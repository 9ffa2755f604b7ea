//! `scaling-laws simulate`.

use std::path::PathBuf;

use std::io::Write as _;

use clap::Args;
use scaling_laws::commands::simulate::{SimulateRequest, simulate};
use scaling_laws::data::Format;
use scaling_laws::design::simulate::SimulationDesign;

use super::common::Reporter;

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws simulate --out sweep.csv
  scaling-laws simulate --noise 0.02 --seed 7 --budgets 1e18,1e19,1e20 --out sweep.parquet
  scaling-laws simulate --law data-constrained --epochs 1,4,16 --out repeated.csv";

/// Options of `scaling-laws simulate`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
pub struct SimulateArgs {
    /// Write here (.csv, .parquet, .ndjson); default: CSV on standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Seed of the noise.
    #[arg(long, default_value_t = SimulationDesign::default().seed)]
    seed: u64,
    /// Standard deviation of the log-loss noise (0.01 = about 1% multiplicative).
    #[arg(long, value_name = "SD", default_value_t = 0.01)]
    noise: f64,
    /// The family of the true law (default: chinchilla).
    #[arg(long, value_name = "NAME")]
    law: Option<String>,
    /// The true law's parameters by natural name, e.g. 'E=1.69,A=406.4,B=410.7,alpha=0.34,beta=0.28';
    /// those left out take the family's published values (chinchilla: Hoffmann et al. 2022).
    #[arg(long, value_name = "NAME=VALUE,...")]
    truth: Option<String>,
    /// Compute budgets in FLOPs, comma-separated (default: the nine of Chinchilla's Figure 3).
    #[arg(long, value_name = "C1,C2,...", value_delimiter = ',')]
    budgets: Vec<f64>,
    /// Model sizes per budget.
    #[arg(long, value_name = "N", default_value_t = 12)]
    sizes_per_budget: usize,
    /// Sizes span N*/SPAN to N*·SPAN around each budget's optimum.
    #[arg(long, value_name = "SPAN", default_value_t = 10.0)]
    span: f64,
    /// Train each run for each of these numbers of epochs (e.g. 1,4,16,64) on U = D/epochs
    /// unique tokens, written as a `unique_tokens` column (the data-constrained law only).
    #[arg(long, value_name = "E1,E2,...", value_delimiter = ',')]
    epochs: Vec<f64>,
    /// k in C = k·N·D.
    #[arg(long, value_name = "K", default_value_t = 6.0)]
    flops_per_param_token: f64,
}

/// Run `scaling-laws simulate`.
pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let request = SimulateRequest {
        law: args.law.clone(),
        truth: args.truth.clone(),
        design: SimulationDesign {
            sizes_per_budget: args.sizes_per_budget,
            span: args.span,
            noise_sd: args.noise,
            flops_per_param_token: args.flops_per_param_token,
            seed: args.seed,
            ..SimulationDesign::default()
        },
        budgets: (!args.budgets.is_empty()).then(|| args.budgets.clone()),
        epochs: args.epochs.clone(),
        out: args.out.clone(),
    };
    let simulation = simulate(request, &Reporter::new(true))?;
    let columns = simulation.columns(false);
    let columns: Vec<(&str, &[f64])> = columns.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    match &args.out {
        Some(path) => {
            let shown = path.display().to_string();
            let format = Format::from_path(&shown)?;
            let bytes = scaling_laws::data::table::write_table(&columns, format, &shown)?;
            scaling_laws::output::write_atomically(path, |w| w.write_all(&bytes))?;
            super::note!(
                "wrote {} runs to {shown} (seed {})",
                simulation.runs.len(),
                simulation.design.seed
            );
        }
        None => {
            let bytes =
                scaling_laws::data::table::write_table(&columns, Format::Csv, "standard output")?;
            let mut out = super::stdout::lock();
            out.write_all(&bytes).map_err(super::stdout::failed)?;
            out.finish()?;
        }
    }
    Ok(())
}
