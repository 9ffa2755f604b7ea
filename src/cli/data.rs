//! `scaling-laws data`: published datasets.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use scaling_laws::fetch::{DATASETS, cache_dir, fetch, find_dataset, verify_local};

/// Shown after `--help`; `tests/integration/help.rs` runs every one.
const EXAMPLES: &str = "\
Examples:
  scaling-laws data list
  scaling-laws data fetch chinchilla
  scaling-laws data fetch chinchilla --data svg_extracted_data.csv";

/// Options of `scaling-laws data`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct DataCommand {
    #[command(subcommand)]
    action: DataAction,
}

#[derive(Debug, Subcommand)]
enum DataAction {
    /// Download a published dataset into the cache and verify its SHA-256; prints its path.
    Fetch {
        /// The dataset (see `scaling-laws data list`).
        dataset: String,
        /// Download from this address instead of the dataset's own (a mirror).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Use (and verify) a local copy instead of downloading.
        #[arg(long, value_name = "PATH", conflicts_with = "url")]
        data: Option<PathBuf>,
    },
    /// List the datasets `fetch` knows, with their sources and checksums.
    List,
}

/// Run `scaling-laws data`.
pub fn run(args: DataCommand) -> anyhow::Result<()> {
    match args.action {
        DataAction::List => {
            let mut out = super::stdout::lock();
            for d in DATASETS {
                writeln!(
                    out,
                    "{}\n  {}\n  {}\n  sha256 {}",
                    d.name, d.description, d.url, d.sha256
                )
                .map_err(super::stdout::failed)?;
            }
            out.finish()?;
        }
        DataAction::Fetch { dataset, url, data } => {
            let known = find_dataset(&dataset)?;
            let path = match data {
                Some(local) => verify_local(&known, &local)?,
                None => {
                    let cache = cache_dir()?;
                    let fetched = fetch(&known, url.as_deref(), &cache)?;
                    if fetched.downloaded {
                        super::note!(
                            "downloaded and verified {} (sha256 {})",
                            known.name,
                            known.sha256
                        );
                    } else {
                        super::note!("{} is already in the cache and verified", known.name);
                    }
                    fetched.path
                }
            };
            let mut out = super::stdout::lock();
            writeln!(out, "{}", path.display()).map_err(super::stdout::failed)?;
            out.finish()?;
        }
    }
    Ok(())
}
