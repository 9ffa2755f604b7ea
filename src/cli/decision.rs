//! The hardware side of `scaling-laws optimal`: budgets in GPU time or money, and the plan and
//! shapes of each answer's model (the same code path as `plan --budget … --fit`).

use clap::Args;
use scaling_laws::Error;
use scaling_laws::answer::decision::ShapeOptions;
use scaling_laws::plan::TrainingSetup;
use scaling_laws::plan::options::{BudgetUnits, HardwareOptions};

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
    /// The accelerator.
    pub fn hardware(&self) -> HardwareOptions {
        self.hardware.options()
    }

    /// The budget in hardware units.
    pub fn units(&self) -> BudgetUnits {
        self.units.units()
    }

    /// The training set-up of the plans.
    pub fn setup(&self) -> TrainingSetup {
        self.setup.setup(self.hardware.gpus)
    }

    /// The shapes asked for, with `--shape`.
    pub fn shapes(&self) -> Result<Option<ShapeOptions>, Error> {
        self.shape.then(|| self.context.options()).transpose()
    }
}
