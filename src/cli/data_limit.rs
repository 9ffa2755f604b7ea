//! `optimal --unique-tokens U`: answers under a unique-token budget.

use clap::Args;
use scaling_laws::data_limit::{DataLimit, data_limit};
use scaling_laws::optimal::Answers;
use scaling_laws::saved::SavedFit;

/// The unique-token budget of `optimal`.
#[derive(Debug, Args)]
pub struct DataLimitArgs {
    /// Unique tokens available (e.g. 2e12): each budget's answer gives N, D and epochs, with
    /// --law data-constrained from the fitted decay of repeated data, with chinchilla from the
    /// published one (Muennighoff et al. 2023) on the fitted base; budgets whose D* exceeds it
    /// are also flagged with the epochs they would need.
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
        saved.bootstrap.as_ref(),
        &answers.budgets,
        u,
        answers.flops_per_param_token,
        answers.level,
    )?;
    scaling_laws::finite::check_finite(&limit, "the data-limited answers")?;
    answers.warnings.extend(limit.warnings.iter().cloned());
    Ok(Some(limit).filter(|l| !l.allocations.is_empty()))
}
