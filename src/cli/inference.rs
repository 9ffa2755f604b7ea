//! Inference-aware sizing in `scaling-laws optimal` (`--inference-tokens`).

use clap::Args;

/// Options of `optimal` for a model that will also serve inference.
#[derive(Debug, Args)]
pub struct InferenceArgs {
    /// Tokens the model will serve: size it for the least training plus inference FLOPs
    /// (k·N·D + 2·N·T) that reach the loss of each --budget (or each --target-loss), beside the
    /// compute-optimal model (Sardana et al. 2024).
    #[arg(long, value_name = "T", value_parser = parse_tokens, help_heading = "Questions")]
    pub inference_tokens: Option<f64>,
}

/// A count of tokens: finite, 0 or more (checked before any fitting).
fn parse_tokens(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err(format!(
            "'{text}' is not a number of tokens (a finite number, 0 or more, e.g. 1e13)"
        )),
    }
}
