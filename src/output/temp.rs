//! Temporary files of this tool: recognisable by name, removed on error, and removed by the next
//! write into the same folder when the process that made them is gone.
//!
//! ```text
//! .scaling-laws-tmp-<pid>-<random>[.png]      a file being written
//! .scaling-laws-tmp-<pid>-<random>/           a folder of figures being written
//! ```
//!
//! An error drops the temporary file or folder, which removes it. Only `SIGKILL` (or a power
//! cut) can leave one behind; the next write into that folder removes every entry of ours whose
//! process is no longer running (`/proc/<pid>` on Linux) or that is older than
//! [`STALE_AFTER`], never the entries of a writer that is still running.

use std::path::Path;
use std::time::Duration;

/// First part of the name of every temporary file and folder this tool makes.
pub const TEMP_PREFIX: &str = ".scaling-laws-tmp-";

/// A temporary entry older than this is stale even if a process of its id is running (the id
/// may have been reused).
pub const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// `.scaling-laws-tmp-<pid>-`: the prefix of this process's temporary entries.
pub(crate) fn own_prefix() -> String {
    format!("{TEMP_PREFIX}{}-", std::process::id())
}

/// The process id in the name of one of our temporary entries.
fn owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(TEMP_PREFIX)?;
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok()
}

/// Whether process `pid` is running on this machine (a zombie is not).
#[cfg(target_os = "linux")]
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses: "1234 (name) S ...".
        Ok(stat) => stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].trim_start().chars().next())
            .is_none_or(|state| state != 'Z' && state != 'X'),
        Err(_) => false,
    }
}

/// Without `/proc`, assume the writer may still be running: only age makes an entry stale.
#[cfg(not(target_os = "linux"))]
fn running(_pid: u32) -> bool {
    true
}

/// Remove our stale temporary entries from `dir`: those of processes that are no longer running,
/// and those older than [`STALE_AFTER`]. Best effort: what cannot be removed stays.
pub(crate) fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(owner) else {
            continue;
        };
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if (pid == me || running(pid)) && !old {
            continue;
        }
        let _ = if meta.is_dir() {
            std::fs::remove_dir_all(entry.path())
        } else {
            std::fs::remove_file(entry.path())
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_names_have_an_owner() {
        assert_eq!(owner(".scaling-laws-tmp-1234-abcdef.png"), Some(1234));
        assert_eq!(owner(".scaling-laws-tmp-x-abcdef"), None);
        assert_eq!(owner(".scaling-laws-abcdef.png"), None);
        assert_eq!(owner("runs.csv"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn entries_of_dead_processes_go_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        // A process that has exited and been reaped: its id is free.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = dir.path().join(format!("{TEMP_PREFIX}{dead}-abc.png"));
        let stale_dir = dir.path().join(format!("{TEMP_PREFIX}{dead}-def"));
        let live = dir.path().join(format!("{}xyz", own_prefix()));
        let other = dir.path().join("runs.csv");
        for f in [&stale, &live, &other] {
            std::fs::write(f, "x").unwrap();
        }
        std::fs::create_dir(&stale_dir).unwrap();
        std::fs::write(stale_dir.join("a.png"), "x").unwrap();
        remove_stale(dir.path());
        if !running(dead) {
            assert!(!stale.exists() && !stale_dir.exists());
        }
        assert!(live.exists() && other.exists());
    }
}
