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

use crate::error::{Error, shorten};

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
                    "unknown dataset '{}'; known: {}",
                    shorten(name),
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
/// [`Error::InvalidOption`] naming `--url` when `url` is not an http:// or https:// address;
/// [`Error::Download`] when the server cannot be reached, answers with an error status,
/// redirects to another scheme, or sends bytes whose SHA-256 differs (nothing is written
/// then); [`Error::Io`] when the cache cannot be written. Credentials in `url` never appear
/// in a message.
pub fn fetch(dataset: &KnownDataset, url: Option<&str>, cache: &Path) -> Result<Fetched, Error> {
    if let Some(u) = url {
        check_url(u)?;
    }
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
            url: shown(url),
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
    let bytes = crate::data::read_data_file(&path.display().to_string())?;
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

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// `Ok(())` for an `http://` or `https://` address with a host.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--url` (with any credentials in it hidden) otherwise.
pub fn check_url(url: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Error::invalid_option(
            "--url",
            format!(
                "'{}' {why}; give an http:// or https:// address",
                shown(url)
            ),
        )
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad("is not an address"));
    };
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Err(bad(&format!(
            "uses the unsupported scheme '{}'",
            shorten(scheme)
        )));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') || url.chars().any(char::is_whitespace) {
        return Err(bad("has no host name"));
    }
    url.parse::<ureq::http::Uri>()
        .map_err(|_| bad("is not a valid address"))?;
    Ok(())
}

/// `url` with any `user:password@` replaced by `***@`, for messages.
///
/// # Examples
///
/// ```
/// use scaling_laws::fetch::redact;
/// assert_eq!(redact("https://me:secret@example.org/a.csv"), "https://***@example.org/a.csv");
/// assert_eq!(redact("https://example.org/a@b.csv"), "https://example.org/a@b.csv");
/// ```
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_string(),
    }
}

/// The address a `Location` header points to, from the address that sent it.
fn resolve(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("http", base));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if let Some(path) = location.strip_prefix("//") {
        return format!("{scheme}://{path}");
    }
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}");
    }
    let path = &rest[authority.len()..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    format!("{scheme}://{authority}{dir}{location}")
}

/// `url` as messages show it: credentials hidden, cut when long.
fn shown(url: &str) -> String {
    shorten(&redact(url))
}

fn download(url: &str) -> Result<Vec<u8>, Error> {
    let fail = |message: String| Error::Download {
        url: shown(url),
        message,
    };
    // Redirects are followed here rather than by ureq, so that one to another scheme (such as
    // file://) is reported as what it is.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .max_redirects(0)
        .build()
        .into();
    let mut current = url.to_string();
    let mut response = None;
    for _ in 0..=MAX_REDIRECTS {
        let r = agent.get(&current).call().map_err(|e| match e {
            ureq::Error::StatusCode(code) => fail(format!("the server answered HTTP {code}")),
            other => fail(format!(
                "cannot download: {}",
                shorten(&redact_all(&other.to_string(), url))
            )),
        })?;
        if !r.status().is_redirection() {
            response = Some(r);
            break;
        }
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                fail(format!(
                    "the server answered HTTP {} without saying where to",
                    r.status().as_u16()
                ))
            })?;
        let next = resolve(&current, location);
        if check_url(&next).is_err() {
            return Err(fail(format!(
                "the server redirected to '{}', an unsupported address; only http:// and \
                 https:// are followed",
                shown(&next)
            )));
        }
        current = next;
    }
    let mut response =
        response.ok_or_else(|| fail(format!("more than {MAX_REDIRECTS} redirects")))?;
    response
        .body_mut()
        .with_config()
        .limit(256 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| fail(format!("download interrupted: {e}")))
}

/// `text` with the credentials of `url`, if any, hidden.
fn redact_all(text: &str, url: &str) -> String {
    let redacted = redact(url);
    if redacted == url {
        return text.to_string();
    }
    let userinfo = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?', '#']).next())
        .and_then(|authority| authority.rsplit_once('@'))
        .map(|(info, _)| info)
        .unwrap_or("");
    if userinfo.is_empty() {
        text.to_string()
    } else {
        text.replace(userinfo, "***")
    }
}
