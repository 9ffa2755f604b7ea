//! The hardware side of `scaling-laws optimal`: budgets in GPU time or money, and the plan and
//! shapes of each answer's model (the same code path as `plan --budget … --fit`).

use std::io::Write;

use clap::Args;
use scaling_laws::Error;
use scaling_laws::decision::{ModelDecision, decide};
use scaling_laws::optimal::Answers;
use scaling_laws::plan::budget::{BudgetAmount, BudgetConversion, convert};
use scaling_laws::saved::SavedFit;

use super::common::OutputFormat;
use super::hardware::{BudgetUnitsArgs, HardwareArgs, SetupArgs, ShapeContextArgs};

/// Options of `optimal` that turn answers into training runs.
#[derive(Debug, Args)]
pub struct DecisionArgs {
    #[command(flatten)]
    units: BudgetUnitsArgs,
    #[command(flatten)]
    hardware: HardwareArgs,
    #[command(flatten)]
    setup: SetupArgs,
    /// Propose shapes (layers, width, heads, FFN) within 1% of each N* from published
    /// families' rules; the plans use the top-ranked one.
    #[arg(long, help_heading = "Architecture")]
    shape: bool,
    #[command(flatten)]
    context: ShapeContextArgs,
}

impl DecisionArgs {
    /// The budget given in hardware units, converted to FLOPs (checked before any fitting).
    pub fn budget(&self) -> Result<Option<BudgetConversion>, Error> {
        let hardware = self.hardware.hardware()?;
        self.hardware.check_values(hardware.is_some())?;
        self.units.convert(&self.hardware)
    }

    /// A decision for every budget answered when hardware (or a GPU count), a budget in
    /// hardware units or shapes are asked for: the budget in hardware units
    /// (`hardware_budget`) keeps its conversion, the others are in FLOPs.
    pub fn decide(
        &self,
        answers: &Answers,
        hardware_budget: Option<&BudgetConversion>,
    ) -> Result<Vec<ModelDecision>, Error> {
        let hardware = self.hardware.hardware()?;
        let planned = hardware.is_some() || self.hardware.gpus.is_some();
        if !planned && !self.shape && hardware_budget.is_none() {
            return Ok(Vec::new());
        }
        let shapes = match self.shape {
            true => Some(self.context.options()?),
            false => None,
        };
        let setup = self.setup.setup(self.hardware.gpus);
        answers
            .budgets
            .iter()
            .map(|o| {
                let budget = match hardware_budget {
                    Some(b) if (b.flops / o.compute.value - 1.0).abs() < 1e-12 => b.clone(),
                    _ => convert(
                        BudgetAmount::Flops {
                            flops: o.compute.value,
                        },
                        None,
                    )?,
                };
                decide(
                    budget,
                    o.clone(),
                    setup,
                    hardware.clone(),
                    self.hardware.gpus,
                    shapes,
                )
            })
            .collect()
    }
}

/// Write the answers of `optimal` and, after them, the decisions, in `format`.
///
/// # Errors
///
/// Any error of the writer.
pub fn render(
    format: OutputFormat,
    saved: &SavedFit,
    answers: &Answers,
    decisions: &[ModelDecision],
    w: &mut dyn Write,
) -> std::io::Result<()> {
    use scaling_laws::report::{decision, optimal};
    match format {
        OutputFormat::Text => {
            optimal::text(saved, answers, w)?;
            for d in decisions {
                writeln!(w)?;
                decision::text(d, w)?;
            }
            Ok(())
        }
        OutputFormat::Json if decisions.is_empty() => optimal::json(saved, answers, w),
        OutputFormat::Json => {
            // The answers as `optimal` writes them, with the decisions beside them.
            let mut text = Vec::new();
            optimal::json(saved, answers, &mut text)?;
            let mut value: serde_json::Value = serde_json::from_slice(&text)?;
            value["decisions"] = serde_json::to_value(decisions)?;
            scaling_laws::report::json(&value, w)
        }
        OutputFormat::Csv => {
            optimal::csv(answers, w)?;
            decision::csv_rows(decisions, answers.level, w)
        }
    }
}
