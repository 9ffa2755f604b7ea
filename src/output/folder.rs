//! A folder of outputs (figures, summaries) replaced as a whole.
//!
//! ```text
//! 1. check DIR: absent, or a folder holding only names this command writes
//! 2. write every file into a fresh sibling  PARENT/.scaling-laws-tmp-<pid>-<random>/
//! 3. swap:  DIR absent  -> rename the new folder to DIR
//!           DIR present -> exchange the two folders in one step (Linux renameat2
//!                          RENAME_EXCHANGE), then delete the old one, now at the temporary name
//! ```
//!
//! A reader sees the old set or the new set, never a mix, and a process killed at any moment
//! leaves one of them at DIR and at most a temporary folder, which the next write removes.
//! Where the exchange is not available (other systems, some file systems), DIR is renamed
//! aside and the new folder renamed in its place: between the two renames DIR is briefly absent.
//!
//! Because the folder is replaced as a whole, it may hold only files the command itself writes
//! (and our temporary entries): anything else in it is refused rather than lost, and so is a
//! folder that holds one of the command's inputs, or the current folder or one above it.

use std::path::{Path, PathBuf};

use super::{Inputs, temp};
use crate::error::Error;

/// Check an output folder given with `flag` that will receive the files `names`: it is absent,
/// or a folder (or a link to one) holding nothing but `names` and our temporary entries; it
/// holds none of `inputs`; it is not the current folder or one above it.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `flag`, the folder and the reason; [`Error::Io`] when it
/// cannot be examined.
pub fn check_output_folder(
    flag: &str,
    dir: &Path,
    names: &[String],
    inputs: &Inputs,
) -> Result<(), Error> {
    let shown = dir.display().to_string();
    match check(dir, names, inputs).map_err(|e| Error::write(&shown, e))? {
        Ok(_) => Ok(()),
        Err(why) => Err(Error::invalid_option(flag, format!("{shown}: {why}"))),
    }
}

/// The folder to replace (a link's target), or the reason to refuse it.
fn check(
    dir: &Path,
    names: &[String],
    inputs: &Inputs,
) -> std::io::Result<Result<PathBuf, String>> {
    if let Some(why) = super::stream_conflict(dir, "folder") {
        return Ok(Err(why));
    }
    let meta = match std::fs::metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(dir).is_ok() {
                return Ok(Err(
                    "it is a symbolic link to nothing; remove it or give another folder".into(),
                ));
            }
            return Ok(Ok(dir.to_path_buf()));
        }
        Err(e) => return Err(e),
    };
    if let Some(kind) = super::not_a_file(&meta).filter(|_| !meta.is_dir()) {
        return Ok(Err(format!("it is {kind}, not a folder; give a folder")));
    }
    if meta.is_file() {
        return Ok(Err("it is a file, not a folder; give a folder".into()));
    }
    let real = std::fs::canonicalize(dir)?;
    if std::env::current_dir().is_ok_and(|cwd| cwd.starts_with(&real)) {
        return Ok(Err(
            "it is the current folder or one above it, which is replaced as a whole; give a folder of its own".into(),
        ));
    }
    if let Some(why) = super::stream_inside(&real) {
        return Ok(Err(why));
    }
    if let Some((input, what)) = inputs.inside(&real) {
        return Ok(Err(format!(
            "it holds {what}{}, and the folder is replaced as a whole; choose another folder",
            super::input_shown(input, Path::new(""))
        )));
    }
    for entry in std::fs::read_dir(&real)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !names.contains(&name) && !name.starts_with(temp::TEMP_PREFIX) {
            return Ok(Err(format!(
                "it holds {name}, which this command does not write, and the folder is replaced as a whole; give a new or empty folder"
            )));
        }
    }
    Ok(Ok(real))
}

/// Replace folder `dir` by one that `fill` writes (it gets the new folder's path and returns
/// what it wrote); `names` are the files `fill` may write.
///
/// ```text
/// 1. check DIR: absent, or a folder holding only `names` and our temporary entries
/// 2. fill a fresh sibling folder PARENT/.scaling-laws-tmp-<pid>-<random>/
/// 3. DIR absent:  rename the new folder to DIR
///    DIR present: exchange the two in one step (renameat2 RENAME_EXCHANGE on Linux; two
///                 renames elsewhere), then delete the old one, now at the temporary name
/// ```
///
/// A reader sees the old set of files or the new one, never a mix; figures of an earlier run
/// that this one does not draw do not linger.
///
/// # Errors
///
/// [`Error::Destination`] when `dir` is not a folder or holds other files; [`Error::Io`] when
/// it cannot be written; errors of `fill`. The folder is then unchanged.
pub fn write_folder<T>(
    dir: &Path,
    names: &[String],
    fill: impl FnOnce(&Path) -> Result<T, Error>,
) -> Result<T, Error> {
    let shown = dir.display().to_string();
    let failed = |e: std::io::Error| Error::write(&shown, e);
    let real = check(dir, names, &Inputs::new())
        .map_err(failed)?
        .map_err(|message| Error::Destination {
            path: shown.clone(),
            message,
        })?;
    let exists = real.is_dir();
    let parent = super::folder_of(&real).to_path_buf();
    std::fs::create_dir_all(&parent).map_err(failed)?;
    temp::remove_stale(&parent);
    let prefix = temp::own_prefix();
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&real).map_or(0o777, |m| super::mode_of(&m));
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    // Dropped on every error, which removes the new folder and what is in it.
    let staging = builder.tempdir_in(&parent).map_err(failed)?;
    let value = fill(staging.path())?;
    if exists {
        swap(staging.path(), &real).map_err(failed)?;
        // `staging` now holds the old folder; dropping it removes it.
    } else {
        std::fs::rename(staging.path(), &real).map_err(failed)?;
        let _ = staging.keep();
    }
    Ok(value)
}

/// Exchange folders `new` and `old` in one step, or with two renames where that is not
/// supported. Afterwards `old` holds the new content and `new` the old.
fn swap(new: &Path, old: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, new, CWD, old, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    let aside = new.with_extension("old");
    std::fs::rename(old, &aside)?;
    if let Err(e) = std::fs::rename(new, old) {
        let _ = std::fs::rename(&aside, old);
        return Err(e);
    }
    std::fs::rename(&aside, new)
}
