//! `scaling-laws`: the command-line front end. Parsing and rendering only; the work is done by
//! the `scaling_laws` library. Results reach standard output only through `cli::stdout`, which
//! turns a closed pipe into a quiet exit 0 and a failed write into exit 1.

#![deny(clippy::print_stdout, clippy::print_stderr)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(err) => return ExitCode::from(cli::clap_message(err)),
    };
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if cli::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let message = scaling_laws::error::cap_message(&format!("{err:#}"));
            cli::note!("error: {message}");
            ExitCode::from(cli::exit_code(&err))
        }
    }
}
