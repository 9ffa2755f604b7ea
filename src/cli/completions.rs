//! `scaling-laws completions`.

use std::io::Write as _;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::stdout;

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws completions bash > ~/.local/share/bash-completion/completions/scaling-laws
  scaling-laws completions zsh";

/// Options of `scaling-laws completions`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Write the completion script for the shell to standard output.
pub fn run(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut command = super::Cli::command();
    let mut script = Vec::new();
    // Into memory first: writing there cannot fail, so clap_complete's own panic on a failed
    // write cannot happen, and standard output's errors are reported like any command's.
    clap_complete::generate(args.shell, &mut command, "scaling-laws", &mut script);
    let mut out = stdout::lock();
    out.write_all(&script).map_err(stdout::failed)?;
    out.finish()
}
