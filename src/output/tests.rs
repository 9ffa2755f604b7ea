//! Tests of the output rules on real files.

use std::path::Path;

use super::*;

fn write_text(path: &Path, text: &str) -> Result<(), Error> {
    write_atomically(path, |w| w.write_all(text.as_bytes()))
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_failed_fill_leaves_the_old_file_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fit.json");
    write_text(&path, "old").unwrap();
    let err = write_atomically(&path, |w| {
        w.write_all(b"half")?;
        Err(std::io::Error::from(std::io::ErrorKind::StorageFull))
    })
    .unwrap_err();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    assert_eq!(names(dir.path()), ["fit.json"]);
    // A full disk is a failure of the run (exit 1), said once and without a temporary path.
    assert!(!err.is_bad_input());
    let text = err.to_string();
    assert!(text.contains("fit.json"), "{text}");
    assert!(
        !text.contains(TEMP_PREFIX) && !text.contains("os error"),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn special_files_and_folders_are_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    for (path, kind) in [
        (Path::new("/dev/null"), "character device"),
        (sub.as_path(), "folder"),
    ] {
        let err = write_text(path, "x").unwrap_err();
        assert!(matches!(err, Error::Destination { .. }), "{err}");
        assert!(err.to_string().contains(kind), "{err}");
        assert!(err.is_bad_input());
        let err = check_output("--out", path, &Inputs::new()).unwrap_err();
        assert!(err.to_string().contains("--out"), "{err}");
    }
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert!(sub.is_dir());
    assert_eq!(names(dir.path()), ["sub"]);
}

#[cfg(unix)]
use std::os::unix::fs::{FileTypeExt, PermissionsExt};

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo makes a FIFO");
    let err = write_text(&fifo, "x").unwrap_err();
    assert!(err.to_string().contains("FIFO"), "{err}");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_is_written_through_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.json");
    let link = dir.path().join("link.json");
    write_text(&target, "old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    write_text(&link, "new").unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "the replaced file keeps its mode");
    assert_eq!(names(dir.path()), ["link.json", "real.json"]);

    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink("nowhere.json", &dangling).unwrap();
    let err = write_text(&dangling, "x").unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!dir.path().join("nowhere.json").exists());
}

#[cfg(unix)]
#[test]
fn a_new_file_does_not_inherit_an_unrelated_mode() {
    let dir = tempfile::tempdir().unwrap();
    // The folder's mode (0700 for a temporary folder) must not leak into the file, nor the
    // temporary file's private 0600.
    let path = dir.path().join("new.json");
    write_text(&path, "x").unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & 0o600, 0o600);
    assert_eq!(mode & !0o644, 0, "at most 0644, got {mode:o}");
    assert_ne!(mode, 0o600, "not the private mode of a temporary file");
}

#[cfg(unix)]
#[test]
fn inputs_are_found_by_name_link_and_inode() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("runs.csv");
    std::fs::write(&data, "N,D,L\n").unwrap();
    let hard = dir.path().join("hard.csv");
    std::fs::hard_link(&data, &hard).unwrap();
    let soft = dir.path().join("soft.csv");
    std::os::unix::fs::symlink(&data, &soft).unwrap();
    let inputs = Inputs::new().with(&data, "the input file");
    for out in [&data, &hard, &soft] {
        let err = check_output("--out", out, &inputs).unwrap_err();
        assert!(err.to_string().contains("the input file"), "{err}");
    }
    assert!(check_output("--out", &dir.path().join("fit.json"), &inputs).is_ok());
}

#[test]
fn a_saved_fit_names_its_data_relative_to_its_folder_too() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("runs.csv");
    std::fs::write(&data, "N,D,L\n").unwrap();
    let fit = dir.path().join("fit.json");
    std::fs::write(&fit, "{}").unwrap();
    // Recorded as "runs.csv" when the fit was made in `dir`; checked from elsewhere.
    let inputs = Inputs::new().with_saved_fit(&fit, "runs.csv");
    let err = check_output("--out", &data, &inputs).unwrap_err();
    assert!(err.to_string().contains("the data file of fit"), "{err}");
    let err = check_output("--out", &fit, &inputs).unwrap_err();
    assert!(err.to_string().contains("the fit file"), "{err}");
}

#[test]
fn a_folder_is_replaced_whole_and_keeps_nothing_stale() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("figures");
    let allowed: Vec<String> = ["a.txt", "b.txt"].map(String::from).to_vec();
    write_folder(&dir, &allowed, |d| {
        write_text(&d.join("a.txt"), "1")?;
        write_text(&d.join("b.txt"), "1")
    })
    .unwrap();
    // The second set has no b.txt: the stale one must not survive beside the new a.txt.
    write_folder(&dir, &allowed, |d| write_text(&d.join("a.txt"), "2")).unwrap();
    assert_eq!(names(&dir), ["a.txt"]);
    assert_eq!(std::fs::read_to_string(dir.join("a.txt")).unwrap(), "2");
    // A failure midway leaves the previous set untouched and nothing beside it.
    let err = write_folder(&dir, &allowed, |d| {
        write_text(&d.join("a.txt"), "3")?;
        Err::<(), _>(Error::invalid_option("--test", "stop"))
    })
    .unwrap_err();
    assert!(err.to_string().contains("stop"));
    assert_eq!(std::fs::read_to_string(dir.join("a.txt")).unwrap(), "2");
    assert_eq!(names(parent.path()), ["figures"]);
    // Files the command does not write are never swept away.
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let err = write_folder(&dir, &allowed, |d| write_text(&d.join("a.txt"), "4")).unwrap_err();
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_folder_holding_an_input_is_refused() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let fit = dir.join("fit.json");
    std::fs::write(&fit, "{}").unwrap();
    let names = vec!["fit.json".to_string()];
    let inputs = Inputs::new().with(&fit, "the fit file");
    let err = check_output_folder("--out", &dir, &names, &inputs).unwrap_err();
    assert!(err.to_string().contains("the fit file"), "{err}");
    assert!(check_output_folder("--out", &dir, &names, &Inputs::new()).is_ok());
}

#[test]
fn io_messages_name_the_users_path_once_and_never_a_temporary_one() {
    let dir = tempfile::tempdir().unwrap();
    // tempfile reports its own temporary path inside the error; the message must not.
    let missing = dir.path().join("gone");
    let err = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(&missing)
        .unwrap_err();
    let err = Error::write("fit.json", err);
    assert_eq!(
        err.to_string(),
        "cannot write fit.json: no such file or directory"
    );
    // A missing output folder is a usage problem, a full disk a failure of the run; a missing
    // input is bad input.
    assert!(err.is_bad_input());
    let full = std::io::Error::from_raw_os_error(28);
    assert!(!Error::write("fit.json", full).is_bad_input());
    let read = Error::read(
        "runs.csv",
        std::io::Error::from(std::io::ErrorKind::NotFound),
    );
    assert!(read.is_bad_input());
    assert_eq!(
        read.to_string(),
        "cannot read runs.csv: no such file or directory"
    );
    let eio = std::io::Error::from_raw_os_error(5);
    assert!(!Error::read("runs.csv", eio).is_bad_input());
}
