//! `scaling-laws compare`.

use anyhow::Context;
use clap::Args;
use scaling_laws::Error;
use scaling_laws::compare::{
    ApproachDraws, ApproachResult, DEFAULT_N_PARAMS_FACTOR, Tolerance, compare,
};
use scaling_laws::data::Dataset;
use scaling_laws::data::curves::{CurveOptions, load_curves};
use scaling_laws::envelope::{EnvelopeConfig, analyse};
use scaling_laws::isoflop::{IsoflopConfig, IsoflopResampling, PowerLaw, isoflop};
use scaling_laws::optimal::{Questions, answer};
use scaling_laws::uncertainty::{BootstrapConfig, Estimate, ResampleScheme, bootstrap};

use super::common::{DataArgs, OutputFormat, ResampleArgs, progress_bar};
use super::fit::{FitOptionsArgs, fit_data};

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws compare data/simulated_sweep.csv --bootstrap 100
  scaling-laws compare data/simulated_sweep.csv --at 1e22,1e24 --bootstrap 100 --format json";

/// Options of `scaling-laws compare`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
#[command(after_help = EXAMPLES)]
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
    /// Approaches agree when their N* lie within this factor at every budget of --at (and
    /// their exponents a within the difference that moves N* by this factor), with the
    /// confidence of --level.
    #[arg(
        long,
        value_name = "F",
        default_value_t = DEFAULT_N_PARAMS_FACTOR,
        help_heading = "Comparison"
    )]
    tolerance_factor: f64,
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
    resampled: String,
) -> ApproachResult {
    let draws = ApproachDraws {
        resampled,
        index: n.resamples.clone(),
        a: n.draws.iter().map(|d| d.1).collect(),
        n_params: n
            .draws
            .iter()
            .map(|(lc, e)| at.iter().map(|c| 10f64.powf(lc + e * c.log10())).collect())
            .collect(),
    };
    ApproachResult {
        approach: name.to_string(),
        a: n.exponent,
        b: d.exponent,
        n_params: at.iter().map(|&c| n.at(c, level)).collect(),
        caveat: None,
        draws: (!draws.index.is_empty()).then_some(draws),
    }
}

/// The data with compute C = k·N·D in every row, and a sentence saying so. When the compute
/// column differs from k·N·D by more than 1% in some row, the IsoFLOP groups are formed from
/// k·N·D too (the budget column then no longer applies), so that all approaches speak of the
/// same C.
fn one_compute_definition(data: &Dataset) -> (Dataset, String) {
    let k = data.flops_per_param_token;
    let defined: Vec<f64> = data
        .n_params
        .iter()
        .zip(&data.n_tokens)
        .map(|(n, d)| k * n * d)
        .collect();
    let off = data
        .compute
        .iter()
        .zip(&defined)
        .filter(|(c, kd)| (*c / *kd - 1.0).abs() > 0.01)
        .count();
    let mut sentence = format!("compute C = {k}·N·D FLOPs for every approach");
    let mut out = data.clone();
    if off > 0 {
        sentence.push_str(&format!(
            " ({off} rows of the compute column differ from it by more than 1%; Approach 2 groups runs by {k}·N·D)"
        ));
        out.compute = defined;
        out.budget = None;
    }
    (out, sentence)
}

/// Run `scaling-laws compare`.
pub fn run(args: CompareArgs) -> anyhow::Result<()> {
    let input = args.data.required_input()?;
    if !(args.tolerance_factor.is_finite() && args.tolerance_factor > 1.0) {
        return Err(Error::invalid_option(
            "--tolerance-factor",
            format!("must be a number above 1, got {}", args.tolerance_factor),
        )
        .into());
    }
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
            "training curves".into(),
        ));
    }
    let (saved, data) = fit_data(input, &args.data, &args.options, None, args.quiet)?;
    if saved.report.fitted.params_exponent.is_none() {
        return Err(Error::invalid_option(
            "--law",
            format!(
                "Approach 3 with the {} law has no constant allocation exponent a to compare \
                 with Approaches 1 and 2; compare with a law that has one (e.g. --law chinchilla)",
                saved.report.fitted.family
            ),
        )
        .into());
    }
    let (iso_data, compute_definition) = one_compute_definition(&data);
    let runs = format!("runs of {}, seed {}", data.source.path, args.resample.seed);
    let iso_config = IsoflopConfig {
        budgets: args.isoflop_budgets.clone(),
        tolerance_dex: args.tolerance_dex,
        flops_per_param_token: data.flops_per_param_token,
        n_resamples: args.resample.bootstrap,
        seed: args.resample.seed,
        level: args.resample.level,
        // The same resampled runs as the parametric bootstrap, so that the draws pair.
        resampling: IsoflopResampling::Runs,
        ..IsoflopConfig::default()
    };
    match isoflop(&iso_data, &iso_config) {
        Ok(iso) => {
            let mut result = from_power_laws(
                "Approach 2 (IsoFLOP)",
                &iso.params,
                &iso.tokens,
                &args.at,
                args.resample.level,
                runs.clone(),
            );
            if !iso.is_sweep() {
                result.caveat = Some("the table is not an IsoFLOP sweep".into());
            }
            for w in &iso.warnings {
                super::note!("warning: Approach 2: {}", w.line());
            }
            approaches.push(result);
        }
        Err(e) => super::note!("warning: Approach 2 skipped: {e}"),
    }
    let bar = progress_bar(args.resample.bootstrap, args.quiet, "bootstrap");
    let draws = (args.resample.bootstrap >= 2)
        .then(|| {
            let config = BootstrapConfig {
                n_resamples: args.resample.bootstrap,
                seed: args.resample.seed,
                // Runs drawn with replacement, as Approach 2 draws them, so that the draws pair.
                scheme: ResampleScheme::Runs,
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
    approaches.push(ApproachResult {
        approach: match saved.report.fitted.family {
            law if law.is_chinchilla() => "Approach 3 (parametric fit)".into(),
            law => format!("Approach 3 (parametric fit, {law} law)"),
        },
        a: param("a"),
        b: param("b"),
        n_params: answers
            .budgets
            .iter()
            .map(|o| o.n_params.unwrap_or_else(|| Estimate::point(f64::NAN)))
            .collect(),
        caveat: None,
        draws: draws
            .as_ref()
            .map(|d| ApproachDraws::from_bootstrap(d, data.flops_per_param_token, &args.at, runs)),
    });
    let largest = data
        .compute
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let tolerance = Tolerance::from_factor(args.tolerance_factor, largest, &args.at);
    let comparison = compare(
        approaches,
        args.at.clone(),
        args.resample.level,
        tolerance,
        compute_definition,
    );
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
