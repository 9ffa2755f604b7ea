//! Downloading published datasets into the user's cache, verified by SHA-256.
//!
//! The project ships no published data (their licences do not allow it, or say nothing); it
//! knows where each dataset lives and what its bytes must hash to. A download is held in memory,
//! checked, and only then written (atomically) into the cache folder, so a failed or corrupted
//! download never leaves a file behind. The cache folder is `$SCALING_LAWS_CACHE` when set,
//! otherwise `scaling-laws` inside the platform's cache folder (e.g. `~/.cache` on Linux).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// A dataset the tool knows how to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownDataset {
    /// Short name used on the command line.
    pub name: &'static str,
    /// What it is.
    pub description: &'static str,
    /// Where it is downloaded from.
    pub url: &'static str,
    /// SHA-256 of its bytes, hex.
    pub sha256: &'static str,
    /// File name in the cache.
    pub file_name: &'static str,
}

/// Every dataset `fetch` knows.
pub const DATASETS: [KnownDataset; 1] = [KnownDataset {
    name: "chinchilla",
    description: "Epoch AI's digitisation of Hoffmann et al. 2022, Figure 4 (left): 245 runs with model size, \
                  training FLOP and loss (Besiroglu et al. 2024, github.com/epoch-research/analyzing-chinchilla)",
    url: "https://raw.githubusercontent.com/epoch-research/analyzing-chinchilla/92258837425e1b5f2851d624287f0120583a3d0e/data/svg_extracted_data.csv",
    sha256: "193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30",
    file_name: "chinchilla_svg_extracted_data.csv",
}];

/// Look up a dataset by name.
///
/// # Errors
///
/// [`Error::InvalidOption`] listing the known names.
pub fn find_dataset(name: &str) -> Result<KnownDataset, Error> {
    DATASETS
        .iter()
        .find(|d| d.name == name)
        .copied()
        .ok_or_else(|| {
            Error::invalid_option(
                "DATASET",
                format!(
                    "unknown dataset '{name}'; known: {}",
                    DATASETS
                        .iter()
                        .map(|d| d.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
}

/// The cache folder (see the module docs).
///
/// # Errors
///
/// [`Error::InvalidOption`] when no cache folder can be found (set `SCALING_LAWS_CACHE`).
pub fn cache_dir() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("SCALING_LAWS_CACHE") {
        return Ok(PathBuf::from(dir));
    }
    dirs::cache_dir()
        .map(|d| d.join("scaling-laws"))
        .ok_or_else(|| {
            Error::invalid_option(
                "SCALING_LAWS_CACHE",
                "no cache folder on this system; set SCALING_LAWS_CACHE to a folder",
            )
        })
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a fetch left the data, and whether it downloaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fetched {
    /// Path of the verified file.
    pub path: PathBuf,
    /// False when a verified copy was already in the cache.
    pub downloaded: bool,
}

/// Make sure a verified copy of `dataset` is in `cache`, downloading from `url` (default: the
/// dataset's own address) when needed.
///
/// # Errors
///
/// [`Error::Download`] when the server cannot be reached, answers with an error status, or
/// sends bytes whose SHA-256 differs (nothing is written then); [`Error::Io`] when the cache
/// cannot be written.
pub fn fetch(dataset: &KnownDataset, url: Option<&str>, cache: &Path) -> Result<Fetched, Error> {
    let path = cache.join(dataset.file_name);
    if let Ok(bytes) = std::fs::read(&path)
        && sha256_hex(&bytes) == dataset.sha256
    {
        return Ok(Fetched {
            path,
            downloaded: false,
        });
    }
    let url = url.unwrap_or(dataset.url);
    let bytes = download(url)?;
    let got = sha256_hex(&bytes);
    if got != dataset.sha256 {
        return Err(Error::Download {
            url: url.to_string(),
            message: format!(
                "checksum mismatch: expected sha256 {}, got {got}; nothing was saved",
                dataset.sha256
            ),
        });
    }
    std::fs::create_dir_all(cache).map_err(|e| Error::write(cache.display().to_string(), e))?;
    crate::output::write_atomically(&path, |w| w.write_all(&bytes))?;
    Ok(Fetched {
        path,
        downloaded: true,
    })
}

/// A verified local copy given by the user (`--data PATH`).
///
/// # Errors
///
/// [`Error::Io`] when unreadable; [`Error::Download`]-style checksum error when it is not the
/// expected file.
pub fn verify_local(dataset: &KnownDataset, path: &Path) -> Result<PathBuf, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::read(path.display().to_string(), e))?;
    let got = sha256_hex(&bytes);
    if got != dataset.sha256 {
        return Err(Error::invalid_option(
            "--data",
            format!(
                "{} is not the expected {} file (sha256 {got}, expected {})",
                path.display(),
                dataset.name,
                dataset.sha256
            ),
        ));
    }
    Ok(path.to_path_buf())
}

fn download(url: &str) -> Result<Vec<u8>, Error> {
    let fail = |message: String| Error::Download {
        url: url.to_string(),
        message,
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(code) => fail(format!("the server answered HTTP {code}")),
        other => fail(format!("cannot download: {other}")),
    })?;
    response
        .body_mut()
        .with_config()
        .limit(256 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| fail(format!("download interrupted: {e}")))
}
