//! `optimal --unique-tokens U`: answers under a unique-token budget.

use anyhow::Context;
use clap::Args;
use scaling_laws::data_limit::{DataLimit, data_limit};
use scaling_laws::decision::ModelDecision;
use scaling_laws::optimal::Answers;
use scaling_laws::saved::SavedFit;

use super::common::OutputFormat;

/// The unique-token budget of `optimal`.
#[derive(Debug, Args)]
pub struct DataLimitArgs {
    /// Unique tokens available (e.g. 2e12). With --law data-constrained, each budget's answer
    /// gives N, D and epochs; with the other laws, a warning for each budget whose D* exceeds
    /// it, with the epochs it would need.
    #[arg(long, value_name = "U", value_parser = positive_tokens, help_heading = "Questions")]
    unique_tokens: Option<f64>,
}

fn positive_tokens(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(u) if u.is_finite() && u > 0.0 => Ok(u),
        _ => Err(format!(
            "'{text}' is not a positive number of unique tokens (e.g. 2e12)"
        )),
    }
}

/// Answer under the unique-token budget (if any) and write the answers, the decisions and the
/// data-limited allocations on standard output.
pub fn render(
    args: &DataLimitArgs,
    format: OutputFormat,
    saved: &SavedFit,
    answers: &mut Answers,
    decisions: &[ModelDecision],
) -> anyhow::Result<()> {
    let limit = match args.unique_tokens {
        Some(u) => {
            let limit = data_limit(
                &saved.report.fitted,
                &answers.budgets,
                u,
                answers.flops_per_param_token,
            )?;
            scaling_laws::finite::check_finite(&limit, "the data-limited answers")?;
            answers.warnings.extend(limit.warnings.iter().cloned());
            Some(limit)
        }
        None => None,
    };
    let mut stdout = super::stdout::lock();
    write(
        format,
        saved,
        answers,
        decisions,
        limit.as_ref(),
        &mut stdout,
    )
    .context("cannot write to standard output")
}

fn write(
    format: OutputFormat,
    saved: &SavedFit,
    answers: &Answers,
    decisions: &[ModelDecision],
    limit: Option<&DataLimit>,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let Some(limit) = limit.filter(|l| !l.allocations.is_empty()) else {
        return super::decision::render(format, saved, answers, decisions, w);
    };
    match format {
        OutputFormat::Json => {
            let mut text = Vec::new();
            super::decision::render(format, saved, answers, decisions, &mut text)?;
            let mut value: serde_json::Value = serde_json::from_slice(&text)?;
            value["data_limit"] = serde_json::to_value(limit)?;
            scaling_laws::report::json(&value, w)
        }
        OutputFormat::Text => {
            super::decision::render(format, saved, answers, decisions, w)?;
            writeln!(w)?;
            writeln!(
                w,
                "With {:.3e} unique tokens (data-constrained law, repeated data):",
                limit.unique_tokens
            )?;
            writeln!(
                w,
                "  {:>10}  {:>10}  {:>10}  {:>7}  {:>7}  {:>15}",
                "budget", "N", "D", "epochs", "loss", "fresh-data loss"
            )?;
            for a in &limit.allocations {
                writeln!(
                    w,
                    "  {:>10.3e}  {:>10.3e}  {:>10.3e}  {:>7.2}  {:>7.4}  {:>15.4}",
                    a.compute, a.n_params, a.n_tokens, a.epochs, a.loss, a.fresh_data_loss
                )?;
            }
            Ok(())
        }
        OutputFormat::Csv => {
            super::decision::render(format, saved, answers, decisions, w)?;
            for a in &limit.allocations {
                let input = format!("{};{}", csv_num(a.compute), csv_num(a.unique_tokens));
                for (quantity, value) in [
                    ("n_params", a.n_params),
                    ("n_tokens", a.n_tokens),
                    ("epochs", a.epochs),
                    ("loss", a.loss),
                    ("fresh_data_loss", a.fresh_data_loss),
                ] {
                    writeln!(
                        w,
                        "data_limit,{input},{quantity},{},,,,{}",
                        csv_num(value),
                        answers.level
                    )?;
                }
            }
            Ok(())
        }
    }
}

/// A number as `optimal`'s CSV writes it: exponent form outside 1e-4..1e6.
fn csv_num(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && a.is_finite() && !(1e-4..1e6).contains(&a) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}
