//! Writing output files atomically: a temporary file in the destination folder, renamed into
//! place once complete, so a failure never leaves a half-written file.

use std::io::Write;
use std::path::Path;

use crate::error::Error;

/// Write `path` by calling `fill` on a buffered writer, atomically.
///
/// # Errors
///
/// [`Error::Io`] naming `path` when the folder is not writable or `fill` fails; the
/// destination is then unchanged.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let shown = path.display().to_string();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".scaling-laws-")
        .tempfile_in(dir)
        .map_err(|e| Error::write(&shown, e))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut w)
            .and_then(|_| w.flush())
            .map_err(|e| Error::write(&shown, e))?;
    }
    set_permissions(tmp.as_file(), path).map_err(|e| Error::write(&shown, e))?;
    tmp.persist(path)
        .map_err(|e| Error::write(&shown, e.error))?;
    Ok(())
}

/// Temporary files are private (0600); give the output the permissions of the file it replaces,
/// or the usual 0644 for a new one.
#[cfg(unix)]
pub(crate) fn set_permissions(file: &std::fs::File, path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode());
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
pub(crate) fn set_permissions(_file: &std::fs::File, _path: &Path) -> std::io::Result<()> {
    Ok(())
}
