//! `optimal --unique-tokens U`: answers under a unique-token budget.

use clap::Args;

/// The unique-token budget of `optimal`.
#[derive(Debug, Args)]
pub struct DataLimitArgs {
    /// Unique tokens available (e.g. 2e12): each budget's answer gives N, D and epochs, with
    /// --law data-constrained from the fitted decay of repeated data, with chinchilla from the
    /// published one (Muennighoff et al. 2023) on the fitted base; budgets whose D* exceeds it
    /// are also flagged with the epochs they would need.
    #[arg(long, value_name = "U", value_parser = positive_tokens, help_heading = "Questions")]
    pub unique_tokens: Option<f64>,
}

fn positive_tokens(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(u) if u.is_finite() && u > 0.0 => Ok(u),
        _ => Err(format!(
            "'{text}' is not a positive number of unique tokens (e.g. 2e12)"
        )),
    }
}
