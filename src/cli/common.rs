//! Options shared by subcommands that read a table of runs.

use clap::{Args, ValueEnum};
use scaling_laws::data::{ColumnNames, Condition, LoadOptions, RowFilter, Subject};
use scaling_laws::data::{DEFAULT_FLOPS_PER_PARAM_TOKEN, Role};

/// Where the runs come from and which of them to use.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Table of runs: .csv, .parquet, .ndjson/.jsonl, or - for CSV on standard input.
    #[arg(value_name = "FILE")]
    pub input: Option<String>,
    /// Column with model parameters N (default: detected, e.g. N, params, n_params, "Model Size").
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    pub params_col: Option<String>,
    /// Column with training tokens D (default: detected, e.g. D, tokens, n_tokens).
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    pub tokens_col: Option<String>,
    /// Column with training compute C in FLOPs (default: detected, e.g. C, flops, "Training FLOP").
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    pub flops_col: Option<String>,
    /// Column with the final loss L (default: detected, e.g. loss, final_loss, val_loss).
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    pub loss_col: Option<String>,
    /// Column with each run's nominal IsoFLOP budget (default: detected, e.g. flops_budget, budget).
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    pub budget_col: Option<String>,
    /// Column with the unique tokens U each run's data was drawn from, for the data-constrained
    /// law (default: detected, e.g. U, unique_tokens, "unique tokens").
    #[arg(long, value_name = "NAME", help_heading = "Columns")]
    pub unique_tokens_col: Option<String>,
    /// k in C = k·N·D, used to derive the one of N, D, C the table lacks from the other two.
    #[arg(long, value_name = "K", default_value_t = DEFAULT_FLOPS_PER_PARAM_TOKEN, help_heading = "Columns")]
    pub flops_per_param_token: f64,
    /// FLOPs per unit of the compute column: C = value × S (1e9 for GFLOPs, 1e15 for PFLOPs,
    /// 8.64e19 for PFLOP/s-days).
    #[arg(
        long,
        value_name = "S",
        default_value_t = 1.0,
        help_heading = "Columns"
    )]
    pub flops_scale: f64,
    /// Keep only rows where COLUMN OP VALUE holds (OP: < <= > >= = !=, ~ contains, !~ does not
    /// contain), or COLUMN in (V1, V2, ...); clauses may be joined by 'or'; repeated --where must
    /// all hold. COLUMN is a column of the file, or N, D, C, L for the values used in the fit.
    /// Examples: --where 'decay = chinchilla or decay = cosine', --where 'optimizer in (adam,
    /// adamw)', --where 'name ~ 410m'
    #[arg(long = "where", value_name = "EXPR", help_heading = "Rows")]
    pub conditions: Vec<String>,
    /// Keep only runs with loss <= X (same as --where 'L <= X').
    #[arg(long, value_name = "X", help_heading = "Rows")]
    pub max_loss: Option<f64>,
    /// Drop the K runs with the highest loss, after the other filters (the Epoch AI replication of
    /// Chinchilla uses 5).
    #[arg(long, value_name = "K", default_value_t = 0, help_heading = "Rows")]
    pub drop_highest_loss: usize,
}

impl DataArgs {
    /// The input file, which this command needs.
    pub fn required_input(&self) -> Result<&str, scaling_laws::Error> {
        self.input.as_deref().ok_or_else(|| {
            scaling_laws::Error::invalid_option("FILE", "give the table of runs to read (a .csv, .parquet or .ndjson file, or - for CSV on stdin)")
        })
    }

    /// The runs of `input`, as the library's commands take them.
    pub fn source(
        &self,
        input: &str,
    ) -> Result<scaling_laws::commands::DataSource, scaling_laws::Error> {
        Ok(scaling_laws::commands::DataSource::Path {
            input: input.to_string(),
            load: self.load_options()?,
        })
    }

    /// The library's load options.
    pub fn load_options(&self) -> Result<LoadOptions, scaling_laws::Error> {
        let mut conditions = self
            .conditions
            .iter()
            .map(|c| Condition::parse(c, "--where"))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(x) = self.max_loss {
            conditions.push(Condition {
                subject: Subject::Role(Role::Loss),
                op: scaling_laws::data::filter::Op::Le,
                value: x.to_string(),
                values: Vec::new(),
                or: Vec::new(),
            });
        }
        Ok(LoadOptions {
            columns: ColumnNames {
                params: self.params_col.clone(),
                tokens: self.tokens_col.clone(),
                flops: self.flops_col.clone(),
                loss: self.loss_col.clone(),
                budget: self.budget_col.clone(),
                unique_tokens: self.unique_tokens_col.clone(),
            },
            flops_per_param_token: self.flops_per_param_token,
            flops_scale: self.flops_scale,
            filter: RowFilter {
                conditions,
                drop_highest_loss: self.drop_highest_loss,
            },
        })
    }
}

/// Resampling options of the commands that bootstrap by default (Approaches 1 and 2, compare).
#[derive(Debug, Args)]
pub struct ResampleArgs {
    /// Bootstrap resamples for intervals.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1000,
        help_heading = "Uncertainty"
    )]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = scaling_laws::uncertainty::bootstrap::DEFAULT_SEED, help_heading = "Uncertainty")]
    pub seed: u64,
    /// Confidence level of intervals.
    #[arg(long, default_value_t = 0.95, help_heading = "Uncertainty")]
    pub level: f64,
}

/// Output format of results on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A table for people.
    Text,
    /// JSON for programs.
    Json,
    /// CSV, one row per quantity (where the command offers it).
    Csv,
}

impl From<OutputFormat> for scaling_laws::report::Format {
    fn from(format: OutputFormat) -> Self {
        match format {
            OutputFormat::Text => Self::Text,
            OutputFormat::Json => Self::Json,
            OutputFormat::Csv => Self::Csv,
        }
    }
}

/// What a command reports to: a progress bar on stderr per stage (only on a terminal, and not
/// with `--quiet`), and its warnings and notes on stderr as they arise.
pub struct Reporter {
    quiet: bool,
    bar: std::sync::Mutex<indicatif::ProgressBar>,
}

impl Reporter {
    /// A reporter, silent about progress when `quiet`.
    pub fn new(quiet: bool) -> Self {
        Reporter {
            quiet,
            bar: std::sync::Mutex::new(indicatif::ProgressBar::hidden()),
        }
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, indicatif::ProgressBar> {
        self.bar
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl scaling_laws::progress::Progress for Reporter {
    fn done(&self) {
        self.bar().inc(1);
    }

    fn begin(&self, what: &'static str, total: usize) {
        *self.bar() = progress_bar(total, self.quiet, what);
    }

    fn end(&self) {
        self.bar().finish_and_clear();
    }

    fn note(&self, note: &scaling_laws::progress::Note) {
        super::note!("{note}");
    }
}

/// The command line as one string, for provenance.
pub fn command_line() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

/// A progress bar on stderr, or a hidden one when stderr is not a terminal or `quiet` is set.
pub fn progress_bar(len: usize, quiet: bool, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{what} {{bar:40}} {{pos}}/{{len}} ({{elapsed}})"
    )) {
        bar.set_style(style);
    }
    bar
}
