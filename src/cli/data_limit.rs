//! `optimal --unique-tokens U`: answers under a unique-token budget.

use clap::Args;
use scaling_laws::data_limit::{DataLimit, data_limit};
use scaling_laws::optimal::Answers;
use scaling_laws::saved::SavedFit;

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

/// Answer under the unique-token budget, if one is given: the data-limited allocations, whose
/// warnings join `answers`.
///
/// # Errors
///
/// As [`data_limit`], or a non-finite result.
pub fn prepare(
    args: &DataLimitArgs,
    saved: &SavedFit,
    answers: &mut Answers,
) -> anyhow::Result<Option<DataLimit>> {
    let Some(u) = args.unique_tokens else {
        return Ok(None);
    };
    let limit = data_limit(
        &saved.report.fitted,
        &answers.budgets,
        u,
        answers.flops_per_param_token,
    )?;
    scaling_laws::finite::check_finite(&limit, "the data-limited answers")?;
    answers.warnings.extend(limit.warnings.iter().cloned());
    Ok(Some(limit).filter(|l| !l.allocations.is_empty()))
}

/// The data-limited allocations as a text section, after the answers.
pub fn text(limit: &DataLimit, w: &mut dyn std::io::Write) -> std::io::Result<()> {
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

/// The data-limited allocations as CSV rows in `optimal`'s long format.
pub fn csv_rows(limit: &DataLimit, level: f64, w: &mut dyn std::io::Write) -> std::io::Result<()> {
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
                "data_limit,{input},{quantity},{},,,,{level}",
                csv_num(value)
            )?;
        }
    }
    Ok(())
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
