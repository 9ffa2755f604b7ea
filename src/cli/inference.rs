//! Inference-aware sizing in `scaling-laws optimal` (`--inference-tokens`).

use std::io::Write;

use clap::Args;
use scaling_laws::data_limit::DataLimit;
use scaling_laws::decision::ModelDecision;
use scaling_laws::inference::{InferenceAnswers, answer};
use scaling_laws::optimal::{Answers, Questions};
use scaling_laws::saved::SavedFit;

use super::common::OutputFormat;

/// Options of `optimal` for a model that will also serve inference.
#[derive(Debug, Args)]
pub struct InferenceArgs {
    /// Tokens the model will serve: size it for the least training plus inference FLOPs
    /// (k·N·D + 2·N·T) that reach the loss of each --budget (or each --target-loss), beside the
    /// compute-optimal model (Sardana et al. 2024).
    #[arg(long, value_name = "T", value_parser = parse_tokens, help_heading = "Questions")]
    inference_tokens: Option<f64>,
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

impl InferenceArgs {
    /// The inference-aware answers when `--inference-tokens` is given, with intervals from the
    /// fit's bootstrap draws.
    pub fn answer(
        &self,
        saved: &SavedFit,
        questions: &Questions,
    ) -> anyhow::Result<Option<InferenceAnswers>> {
        let Some(t) = self.inference_tokens else {
            return Ok(None);
        };
        let answers = answer(&saved.report.fitted, saved.bootstrap.as_ref(), questions, t)?;
        scaling_laws::finite::check_finite(&answers, "the inference-aware answers")?;
        Ok(Some(answers))
    }
}

/// Write the answers, the decisions and the extra sections of `optimal`: inference-aware sizes
/// and data-limited allocations, when asked for.
pub fn render(
    format: OutputFormat,
    saved: &SavedFit,
    answers: &Answers,
    decisions: &[ModelDecision],
    inference: Option<&InferenceAnswers>,
    limit: Option<&DataLimit>,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    use scaling_laws::report::inference as report;
    if inference.is_none() && limit.is_none() {
        return super::decision::render(format, saved, answers, decisions, w);
    }
    match format {
        OutputFormat::Text => {
            super::decision::render(format, saved, answers, decisions, w)?;
            if let Some(inference) = inference {
                writeln!(w)?;
                report::text(inference, w)?;
            }
            if let Some(limit) = limit {
                scaling_laws::report::data_limit::text(limit, w)?;
            }
            Ok(())
        }
        OutputFormat::Json => {
            let mut text = Vec::new();
            super::decision::render(format, saved, answers, decisions, &mut text)?;
            let mut value: serde_json::Value = serde_json::from_slice(&text)?;
            if let Some(inference) = inference {
                value["inference"] = serde_json::to_value(inference)?;
            }
            if let Some(limit) = limit {
                value["data_limit"] = serde_json::to_value(limit)?;
            }
            scaling_laws::report::json(&value, w)
        }
        OutputFormat::Csv => {
            super::decision::render(format, saved, answers, decisions, w)?;
            if let Some(inference) = inference {
                report::csv_rows(inference, w)?;
            }
            if let Some(limit) = limit {
                scaling_laws::report::data_limit::csv_rows(limit, answers.level, w)?;
            }
            Ok(())
        }
    }
}
