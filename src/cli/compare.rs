//! `scaling-laws compare`.

use anyhow::Context;
use clap::Args;
use scaling_laws::compare::{ApproachResult, compare};
use scaling_laws::data::curves::{CurveOptions, load_curves};
use scaling_laws::envelope::{EnvelopeConfig, analyse};
use scaling_laws::isoflop::{IsoflopConfig, PowerLaw, isoflop};
use scaling_laws::optimal::{Questions, answer};
use scaling_laws::uncertainty::{BootstrapConfig, bootstrap};

use super::common::{DataArgs, OutputFormat, ResampleArgs, progress_bar};
use super::fit::{FitOptionsArgs, fit_data};

/// Options of `scaling-laws compare`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct CompareArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    options: FitOptionsArgs,
    /// Budgets at which to compare N*, FLOPs, comma-separated.
    #[arg(
        long,
        value_name = "C1,C2,...",
        value_delimiter = ',',
        default_value = "1e21,1e23,1e25",
        help_heading = "Comparison"
    )]
    at: Vec<f64>,
    /// IsoFLOP budgets for Approach 2 (default: the budget column, or clusters of compute).
    #[arg(
        long,
        value_name = "C1,C2,...",
        value_delimiter = ',',
        help_heading = "Approach 2"
    )]
    isoflop_budgets: Vec<f64>,
    /// IsoFLOP group half-width in log10 C.
    #[arg(
        long,
        value_name = "DEX",
        default_value_t = 0.03,
        help_heading = "Approach 2"
    )]
    tolerance_dex: f64,
    /// Training-curve files for Approach 1 (see `scaling-laws envelope`).
    #[arg(long, value_name = "FILE", num_args = 1.., help_heading = "Approach 1")]
    curves: Vec<String>,
    /// Tokens column of the curves.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "tokens",
        help_heading = "Approach 1"
    )]
    curve_tokens_col: String,
    /// Loss column of the curves.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "loss",
        help_heading = "Approach 1"
    )]
    curve_loss_col: String,
    /// N for curve runs whose name starts with PREFIX (PREFIX=N); repeatable.
    #[arg(long, value_name = "PREFIX=N", help_heading = "Approach 1")]
    curve_run_params: Vec<String>,
    /// Run column of long-format curve files (several runs in one file).
    #[arg(long, value_name = "NAME", help_heading = "Approach 1")]
    curve_run_col: Option<String>,
    /// Parameter-count column of the curves (instead of --curve-run-params).
    #[arg(long, value_name = "NAME", help_heading = "Approach 1")]
    curve_params_col: Option<String>,
    #[command(flatten)]
    resample: ResampleArgs,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "text", help_heading = "Output")]
    format: OutputFormat,
    /// No progress bar.
    #[arg(long, short, help_heading = "Output")]
    quiet: bool,
}

fn from_power_laws(
    name: &str,
    n: &PowerLaw,
    d: &PowerLaw,
    at: &[f64],
    level: f64,
) -> ApproachResult {
    ApproachResult {
        approach: name.to_string(),
        a: n.exponent,
        b: d.exponent,
        n_params: at.iter().map(|&c| n.at(c, level)).collect(),
    }
}

/// Run `scaling-laws compare`.
pub fn run(args: CompareArgs) -> anyhow::Result<()> {
    let input = args.data.required_input()?;
    let mut approaches = Vec::new();
    if !args.curves.is_empty() {
        let options = CurveOptions {
            tokens_col: args.curve_tokens_col.clone(),
            loss_col: args.curve_loss_col.clone(),
            params_col: args.curve_params_col.clone(),
            run_col: args.curve_run_col.clone(),
            run_params: super::envelope::parse_run_params(&args.curve_run_params)?,
            flops_col: None,
            flops_scale: 1.0,
        };
        let mut curves = Vec::new();
        for f in &args.curves {
            curves.extend(load_curves(f, &options)?);
        }
        let config = EnvelopeConfig {
            n_resamples: args.resample.bootstrap,
            seed: args.resample.seed,
            level: args.resample.level,
            ..EnvelopeConfig::default()
        };
        let e = analyse(&curves, &config)?;
        approaches.push(from_power_laws(
            "Approach 1 (envelope)",
            &e.params,
            &e.tokens,
            &args.at,
            args.resample.level,
        ));
    }
    let (saved, data) = fit_data(input, &args.data, &args.options, None, args.quiet)?;
    let iso_config = IsoflopConfig {
        budgets: args.isoflop_budgets.clone(),
        tolerance_dex: args.tolerance_dex,
        flops_per_param_token: data.flops_per_param_token,
        n_resamples: args.resample.bootstrap,
        seed: args.resample.seed,
        level: args.resample.level,
        ..IsoflopConfig::default()
    };
    match isoflop(&data, &iso_config) {
        Ok(iso) => approaches.push(from_power_laws(
            "Approach 2 (IsoFLOP)",
            &iso.params,
            &iso.tokens,
            &args.at,
            args.resample.level,
        )),
        Err(e) => super::note!("warning: Approach 2 skipped: {e}"),
    }
    let bar = progress_bar(args.resample.bootstrap, args.quiet, "bootstrap");
    let draws = (args.resample.bootstrap >= 2)
        .then(|| {
            let config = BootstrapConfig {
                n_resamples: args.resample.bootstrap,
                seed: args.resample.seed,
                ..BootstrapConfig::default()
            };
            bootstrap(&data.observations(), &saved.report.fitted, &config, &|| {
                bar.inc(1)
            })
        })
        .transpose()?;
    bar.finish_and_clear();
    let questions = Questions {
        budgets: args.at.clone(),
        params: vec![],
        target_losses: vec![],
        assess: vec![],
        assess_names: vec![],
        level: args.resample.level,
        flops_per_param_token: data.flops_per_param_token,
    };
    let answers = answer(&saved.report.fitted, draws.as_ref(), &questions)?;
    let param = |name: &str| {
        answers
            .parameters
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.estimate)
            .expect("a and b are reported")
    };
    approaches.push(scaling_laws::compare::ApproachResult {
        approach: "Approach 3 (parametric fit)".into(),
        a: param("a"),
        b: param("b"),
        n_params: answers.budgets.iter().map(|o| o.n_params).collect(),
    });
    let comparison = compare(approaches, args.at.clone(), args.resample.level);
    scaling_laws::finite::check_finite(&comparison, "the comparison")?;
    let mut stdout = super::stdout::lock();
    match args.format {
        OutputFormat::Text | OutputFormat::Csv => {
            scaling_laws::report::compare::text(&comparison, &mut stdout)
        }
        OutputFormat::Json => scaling_laws::report::json(&comparison, &mut stdout),
    }
    .context("cannot write to standard output")?;
    Ok(())
}
