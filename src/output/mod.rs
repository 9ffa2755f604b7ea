//! Writing output files and folders safely.
//!
//! Every command that writes follows the same rules, checked once by [`check_output`] (or
//! [`check_output_folder`]) before any work is done, and again by the writers themselves:
//!
//! - **Never an input.** An output path that is one of the command's inputs is refused: the same
//!   file by name, through a symbolic link, or as a hard link (same device and inode). The inputs
//!   of a saved fit (`--fit f.json`) are the fit file and the data file named in its provenance,
//!   taken both relative to the current folder and relative to the fit file's folder.
//! - **Never a standard stream.** `-`, `/dev/stdout`, `/dev/stderr`, `/dev/stdin` (and their
//!   `/dev/fd/N`, `/proc/self/fd/N` names) are refused, and so is any path that is the same file
//!   as this process's standard output or standard error (`--out log.txt >> log.txt`): replacing
//!   it would lose what is printed there. Standard input is an input when the runs are read
//!   from `-`: a path that is the same file as it is refused like any other input.
//! - **Only regular files are replaced.** A folder, character or block device, FIFO or socket
//!   at the output path is refused; nothing is created in its place.
//! - **Symbolic links are written through.** When the output path is a symbolic link to a
//!   regular file, that file is replaced (atomically, beside it) and the link stays; a link to
//!   nothing or to anything but a regular file is refused.
//! - **Modes.** A replaced file keeps its permission bits; a new file gets 0644 minus the umask,
//!   never the mode of some other file.
//! - **Atomic.** Content goes to a temporary file in the destination folder, is flushed to disk,
//!   then renamed over the destination: a reader sees the old file or the new one, never part of
//!   one, even if the process is killed. Temporary files are named and cleaned as [`temp`]
//!   describes.
//! - **Folders of figures** (`plot all --out DIR`, `chinchilla --out DIR`) are replaced as a
//!   whole, as [`write_folder`] describes, so a reader never sees old and new figures mixed.

mod folder;
pub mod temp;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use folder::{check_output_folder, write_folder};
pub use temp::TEMP_PREFIX;

use crate::error::Error;

/// The files a command reads, to which it must never write.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    files: Vec<(PathBuf, String)>,
}

impl Inputs {
    /// No inputs.
    pub fn new() -> Self {
        Inputs::default()
    }

    /// Add `path`, described as `what` in messages (e.g. "the input file"); `-` is standard
    /// input, whatever file it is.
    pub fn with(mut self, path: impl AsRef<Path>, what: impl Into<String>) -> Self {
        self.files.push((path.as_ref().to_path_buf(), what.into()));
        self
    }

    /// Add a saved fit `fit_path` and the data file its provenance names (`data_path`, as
    /// recorded): relative paths are taken both from the current folder (where later commands
    /// read it) and from the fit file's folder (where it usually lies).
    pub fn with_saved_fit(self, fit_path: &Path, data_path: &str) -> Self {
        let fit_shown = fit_path.display().to_string();
        let what = format!("the data file of fit {fit_shown}");
        let mut inputs = self.with(fit_path, "the fit file");
        // Data read from standard input then is not read again now.
        if data_path == "-" {
            return inputs;
        }
        inputs = inputs.with(data_path, what.clone());
        let recorded = Path::new(data_path);
        if recorded.is_relative()
            && let Some(dir) = fit_path.parent()
        {
            inputs = inputs.with(dir.join(recorded), what);
        }
        inputs
    }

    /// The input that `path` is (same file, through links too), if any.
    fn find(&self, path: &Path) -> Option<&(PathBuf, String)> {
        let out = std::fs::metadata(path).ok()?;
        self.files.iter().find(|(input, _)| {
            input_metadata(input).is_some_and(|m| same_file(&m, &out, input, path))
        })
    }

    /// The first input at or below folder `dir`.
    fn inside(&self, dir: &Path) -> Option<&(PathBuf, String)> {
        let dir = std::fs::canonicalize(dir).ok()?;
        self.files.iter().find(|(input, _)| {
            let real = if is_stdin(input) {
                Stream::Input.file()
            } else {
                std::fs::canonicalize(input).ok()
            };
            real.is_some_and(|p| p.starts_with(&dir))
        })
    }
}

/// Whether input `path` is standard input (`-`).
fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// What is at input `path`, through links; standard input's file for `-`.
fn input_metadata(path: &Path) -> Option<std::fs::Metadata> {
    if is_stdin(path) {
        Stream::Input.metadata()
    } else {
        std::fs::metadata(path).ok()
    }
}

/// How an input is shown after its path in messages, when that differs from the output's name.
fn input_shown(input: &Path, output: &Path) -> String {
    if is_stdin(input) {
        " (standard input)".into()
    } else if input == output {
        String::new()
    } else {
        format!(" ({})", input.display())
    }
}

/// A standard stream of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Input,
    Output,
    Error,
}

impl Stream {
    /// The stream named by `path`: `-` (taken as standard output), `/dev/stdout`, `/dev/fd/1`,
    /// `/proc/self/fd/1` and the like.
    fn named(path: &Path) -> Option<Stream> {
        let name = path.to_str()?;
        if name == "-" {
            return Some(Stream::Output);
        }
        let fd = name
            .strip_prefix("/dev/fd/")
            .or_else(|| name.strip_prefix("/proc/self/fd/"))
            .or_else(|| name.strip_prefix("/proc/thread-self/fd/"));
        match (name, fd) {
            ("/dev/stdin", _) | (_, Some("0")) => Some(Stream::Input),
            ("/dev/stdout", _) | (_, Some("1")) => Some(Stream::Output),
            ("/dev/stderr", _) | (_, Some("2")) => Some(Stream::Error),
            _ => None,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Stream::Input => "standard input",
            Stream::Output => "standard output",
            Stream::Error => "standard error",
        }
    }

    /// What the stream is open on, when it is open.
    #[cfg(unix)]
    fn metadata(self) -> Option<std::fs::Metadata> {
        use std::os::fd::AsFd;
        let fd = match self {
            Stream::Input => std::io::stdin().as_fd().try_clone_to_owned(),
            Stream::Output => std::io::stdout().as_fd().try_clone_to_owned(),
            Stream::Error => std::io::stderr().as_fd().try_clone_to_owned(),
        };
        std::fs::File::from(fd.ok()?).metadata().ok()
    }

    #[cfg(not(unix))]
    fn metadata(self) -> Option<std::fs::Metadata> {
        None
    }

    /// The path of the file the stream is open on, where the system tells it (Linux).
    fn file(self) -> Option<PathBuf> {
        let fd = match self {
            Stream::Input => 0,
            Stream::Output => 1,
            Stream::Error => 2,
        };
        let path = std::fs::canonicalize(format!("/proc/self/fd/{fd}")).ok()?;
        path.is_absolute().then_some(path)
    }
}

/// Why `path` must not be written because it is a standard stream (by name, or the same file
/// as standard output or standard error), in words; `kind` is what to name instead ("file").
fn stream_conflict(path: &Path, kind: &str) -> Option<String> {
    if let Some(stream) = Stream::named(path) {
        let is = if path == Path::new("-") {
            "it stands for"
        } else {
            "it is"
        };
        let hint = if stream == Stream::Output && kind == "file" {
            " (for the results on standard output, use --format json where the command has it)"
        } else {
            ""
        };
        return Some(format!(
            "{is} {}, which is not written as a {kind}; name a {kind}{hint}",
            stream.words()
        ));
    }
    let out = std::fs::metadata(path).ok()?;
    let stream = [Stream::Output, Stream::Error].into_iter().find(|s| {
        s.metadata()
            .is_some_and(|m| m.is_file() && same_file(&m, &out, path, path))
    })?;
    Some(format!(
        "it is the file {} goes to; writing it would replace what is printed there; name \
         another file",
        stream.words()
    ))
}

/// Why folder `dir` (canonical), which is replaced as a whole, must not be: it is or holds the
/// file of standard output or standard error.
fn stream_inside(dir: &Path) -> Option<String> {
    let stream = [Stream::Output, Stream::Error]
        .into_iter()
        .find(|s| s.file().is_some_and(|f| f.starts_with(dir)))?;
    Some(format!(
        "it holds the file {} goes to ({}), and the folder is replaced as a whole; choose another folder",
        stream.words(),
        stream.file().unwrap_or_default().display()
    ))
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata, _: &Path, _: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata, a: &Path, b: &Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

/// Where a file is written, once its path is checked.
#[derive(Debug)]
struct Target {
    /// The file to replace (a symbolic link's target) or create.
    path: PathBuf,
    /// Permission bits of the file replaced; `None` for a new file.
    mode: Option<u32>,
}

/// What kind of thing is at `meta`, in words, when it is not a regular file.
fn not_a_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_: &std::fs::Metadata) -> u32 {
    0o644
}

/// Check what is at `path`: nothing, a regular file, or a symbolic link to a regular file.
/// `Err` carries the reason for refusing, in words.
fn resolve_file(path: &Path) -> Result<Result<Target, String>, std::io::Error> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Ok(Target {
                path: path.to_path_buf(),
                mode: None,
            }));
        }
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_symlink() {
        return Ok(match not_a_file(&meta) {
            None => Ok(Target {
                path: path.to_path_buf(),
                mode: Some(mode_of(&meta)),
            }),
            Some(kind) => Err(format!("it is {kind}; give the name of a regular file")),
        });
    }
    let link = std::fs::read_link(path).map_or_else(|_| "?".into(), |l| l.display().to_string());
    Ok(match std::fs::metadata(path) {
        Err(_) => Err(format!(
            "it is a symbolic link to {link}, which does not exist; remove the link or give another name"
        )),
        Ok(target) => match not_a_file(&target) {
            Some(kind) => Err(format!(
                "it is a symbolic link to {link}, which is {kind}; give the name of a regular file"
            )),
            None => Ok(Target {
                path: std::fs::canonicalize(path)?,
                mode: Some(mode_of(&target)),
            }),
        },
    })
}

/// The one check of an output file given with `flag`: it is not a standard stream (by name,
/// or the same file as standard output or standard error), not one of `inputs` (by name, link
/// or inode; standard input for `-`), and it is absent, a regular file, or a symbolic link to one.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `flag`, the path and the input or the kind of file found;
/// [`Error::Io`] when the path cannot be examined.
pub fn check_output(flag: &str, path: &Path, inputs: &Inputs) -> Result<(), Error> {
    let shown = path.display().to_string();
    if let Some(why) = stream_conflict(path, "file") {
        return Err(Error::invalid_option(flag, format!("{shown}: {why}")));
    }
    if let Some((input, what)) = inputs.find(path) {
        let also = input_shown(input, path);
        return Err(Error::invalid_option(
            flag,
            format!(
                "{shown} is {what}{also}; writing it would replace the input; choose another name"
            ),
        ));
    }
    let dir = folder_of(path);
    if !dir.is_dir() {
        return Err(Error::invalid_option(
            flag,
            format!(
                "cannot write {shown}: the folder {} does not exist; create it first",
                dir.display()
            ),
        ));
    }
    match resolve_file(path).map_err(|e| Error::write(&shown, e))? {
        Ok(_) => Ok(()),
        Err(why) => Err(Error::invalid_option(flag, format!("{shown}: {why}"))),
    }
}

/// The folder of `path`, `.` for a bare file name.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Write `path` by calling `fill` on a buffered writer, atomically (see the [module
/// documentation](self) for the rules).
///
/// # Errors
///
/// [`Error::Destination`] when `path` is a folder, device, FIFO, socket or a dangling link;
/// [`Error::Io`] naming `path` when the folder is not writable or `fill` fails. The destination
/// is then unchanged and no temporary file is left.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let shown = path.display().to_string();
    let failed = |e: std::io::Error| Error::write(&shown, e);
    if let Some(message) = stream_conflict(path, "file") {
        return Err(Error::Destination {
            path: shown,
            message,
        });
    }
    let target = match resolve_file(path).map_err(failed)? {
        Ok(t) => t,
        Err(message) => {
            return Err(Error::Destination {
                path: shown,
                message,
            });
        }
    };
    let dir = folder_of(&target.path);
    temp::remove_stale(dir);
    let mut tmp = new_temp_file(dir, target.mode).map_err(failed)?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut w).and_then(|()| w.flush()).map_err(failed)?;
    }
    let file = tmp.as_file();
    if let Some(mode) = target.mode {
        set_mode(file, mode).map_err(failed)?;
    }
    file.sync_all().map_err(failed)?;
    tmp.persist(&target.path).map_err(|e| failed(e.error))?;
    Ok(())
}

/// A temporary file in `dir`, created with `mode` (a replaced file's) or 0644, both minus the
/// umask, so it is never more open than the file it becomes.
fn new_temp_file(dir: &Path, mode: Option<u32>) -> std::io::Result<tempfile::NamedTempFile> {
    let prefix = temp::own_prefix();
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode.unwrap_or(0o644)));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder.tempfile_in(dir)
}

/// Give `file` exactly `mode` (the umask does not apply to chmod).
#[cfg(unix)]
fn set_mode(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &std::fs::File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests;
