//! Replacing a project where it is (`apply --in-place`), losing nothing: the backup, the
//! owner, group and mode, and the changed-on-disk guard.
//!
//! The caller holds the project's lock ([`super::lock::ProjectLock`]) from before it read the
//! project, and hands over the new bytes already staged beside it, read back and verified.
//! Then, in this order:
//!
//! 1. the backup: the project as it is on disk now is copied into a temporary file (mode
//!    0600) while its content is hashed; a content other than what premix read means another
//!    program saved the project meanwhile, and nothing is written. The copy is synced, read
//!    back and checked against what premix read, given the project's owner, group and mode,
//!    and renamed to the first backup name that does not exist (`rename` with
//!    `RENAME_NOREPLACE`, or a hard link: an existing file, even a dangling symbolic link,
//!    is never replaced or removed); the folder is synced so the backup is on disk before
//!    the project is replaced;
//! 2. the staged file is given the project's owner, group and mode (refused when that is
//!    not possible: the project would change hands);
//! 3. at the last moment, the project's content is hashed again and compared with what
//!    premix read; then the staged file is renamed over it;
//! 4. a save that landed between that last comparison and the rename wrote into the
//!    replaced file, which premix still has open: if its size or modification time moved,
//!    its content is put back in place of premix's output and the run says so.
//!
//! A failure at any step leaves the project as it was (and removes the backup made by this
//! run, a copy of it).

use super::{Snapshot, Staged, aside, keep_owner_and_mode, open_regular, same_file, sync_folder};
use std::fs::{File, Metadata};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum InPlaceError {
    #[error(
        "changed on disk since premix read it (another program saved it meanwhile); not written, the project is as that program left it (run premix again)"
    )]
    ChangedOnDisk,
    #[error(
        "changed on disk while premix replaced it (another program saved it at that moment); its save is put back in place and premix's changes are not written (run premix again)"
    )]
    ChangedWhileReplaced,
    #[error(
        "changed on disk while premix replaced it, and putting that save back failed ({source}); the save is kept as {kept}"
    )]
    NotPutBack { kept: PathBuf, source: io::Error },
    #[error("backup {path}: {source}")]
    Backup { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Replaces the project at `path` with the verified, staged bytes, keeping a backup of the
/// original first unless `backup` is false; `read_as` is what premix read. Returns the
/// backup's path.
///
/// Errors: [`InPlaceError::ChangedOnDisk`] when the project's content is no longer what was
/// read (nothing written); [`InPlaceError::ChangedWhileReplaced`] when a save landed during
/// the rename (the save is back in place); a failure to write the backup or to keep the
/// owner; any other I/O error. In every case but the last two the project is untouched.
pub fn replace_in_place(
    path: &Path,
    read_as: &Snapshot,
    mut staged: Staged,
    backup: bool,
) -> Result<Option<PathBuf>, InPlaceError> {
    let (_, meta) = open_regular(path)?;
    let backup_file = if backup {
        Some(make_backup(path, read_as, &meta)?)
    } else {
        None
    };
    // From here on a failure removes the backup this run made: it is a copy of the project,
    // which stays as it was.
    let undo = |e: InPlaceError| {
        if let Some(b) = &backup_file {
            let _ = std::fs::remove_file(b);
        }
        e
    };
    staged
        .keep_owner_and_mode(&meta)
        .map_err(|e| undo(e.into()))?;
    let new = staged.into_synced().map_err(|e| undo(e.into()))?;
    let (current, before) = open_regular(path).map_err(|e| undo(e.into()))?;
    if Snapshot::of_file(&current).map_err(|e| undo(e.into()))? != *read_as {
        return Err(undo(InPlaceError::ChangedOnDisk));
    }
    let swapped = match swap_in(path, new, read_as) {
        Err(Swap::Unsupported(new)) => rename_over(path, new, &current, &before),
        Err(Swap::Failed(e)) => Err(e),
        Ok(()) => Ok(()),
    };
    swapped.map_err(undo)?;
    Ok(backup_file)
}

/// Why [`swap_in`] did not put the new file in place.
enum Swap {
    /// The system cannot exchange two names: the new file, to be renamed instead.
    Unsupported(tempfile::NamedTempFile),
    Failed(InPlaceError),
}

/// Exchanges the new file with the project at `path` atomically, then checks that what it
/// took out of place is what premix read (`read_as`): a save that replaced or rewrote the
/// project since the last comparison goes back in place, and premix's output goes.
fn swap_in(path: &Path, new: tempfile::NamedTempFile, read_as: &Snapshot) -> Result<(), Swap> {
    let failed = |e: io::Error| Swap::Failed(e.into());
    match exchange(new.path(), path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::Unsupported => return Err(Swap::Unsupported(new)),
        Err(e) => return Err(failed(e)),
    }
    // `new`'s name now holds what was the project an instant ago.
    let replaced = open_regular(new.path()).and_then(|(f, _)| Snapshot::of_file(&f));
    if replaced.ok() == Some(*read_as) {
        // Dropping `new` removes the file premix read (which the backup holds). The folder
        // is not synced for this rename: a crash that loses it leaves the project as it was
        // (the backup was synced into the folder before), which a run can redo.
        drop(new);
        return Ok(());
    }
    exchange(new.path(), path).map_err(failed)?;
    // premix's output is back under the temporary name, unless yet another save took its
    // place there: that one is kept.
    let back = std::fs::symlink_metadata(new.path()).map_err(failed)?;
    if !same_file(&new.as_file().metadata().map_err(failed)?, &back) {
        let kept = new.path().to_path_buf();
        let _ = new.keep();
        return Err(Swap::Failed(InPlaceError::NotPutBack {
            kept,
            source: io::Error::other("the project was saved twice while premix replaced it"),
        }));
    }
    drop(new);
    sync_folder(path).map_err(failed)?;
    Err(Swap::Failed(InPlaceError::ChangedWhileReplaced))
}

/// Where the system cannot exchange two names atomically: renames `new` over the project.
/// A save that landed in the old file (`current`, still open) between the last comparison
/// and the rename shows in its size or modification time, and is put back.
fn rename_over(
    path: &Path,
    new: tempfile::NamedTempFile,
    current: &File,
    before: &Metadata,
) -> Result<(), InPlaceError> {
    new.persist(path).map_err(|e| e.error)?;
    let after = current.metadata()?;
    if after.len() != before.len() || after.modified().ok() != before.modified().ok() {
        put_back(path, current, &after)?;
        return Err(InPlaceError::ChangedWhileReplaced);
    }
    // Replaced (the folder is not synced for it, as in `swap_in`).
    Ok(())
}

/// Swaps the files named `a` and `b` in one atomic step (Linux's `renameat2` with
/// `RENAME_EXCHANGE`), so that neither is ever unlinked: whatever `b` held at that instant
/// is then at `a`. `Unsupported` where the system or the file system cannot.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        let c = |p: &Path| {
            CString::new(p.as_os_str().as_encoded_bytes())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL in a path"))
        };
        let (a, b) = (c(a)?, c(b)?);
        // SAFETY: two valid NUL-terminated paths, relative to the working folder.
        let done = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if done == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::ENOSYS | libc::EINVAL | libc::EOPNOTSUPP) => {
                Err(io::Error::new(io::ErrorKind::Unsupported, e))
            }
            _ => Err(e),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Copies the project as it is on disk now into a new backup beside it (see the module
/// docs), checking it holds what premix read.
fn make_backup(path: &Path, read_as: &Snapshot, meta: &Metadata) -> Result<PathBuf, InPlaceError> {
    let failed = |target: &Path| {
        let target = target.to_path_buf();
        move |source: io::Error| InPlaceError::Backup {
            path: target,
            source,
        }
    };
    let first = aside::backup_path(path, 1)?.unwrap_or_default();
    let mut tmp = aside::temp_file(path).map_err(failed(&first))?;
    let (source, _) = open_regular(path)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let copied = {
        let mut out = io::BufWriter::with_capacity(super::COPY_BLOCK, tmp.as_file_mut());
        let len = super::copy_hashing(&source, &mut hasher, Some(&mut out));
        out.flush().map_err(failed(&first))?;
        len.map_err(failed(&first))?
    };
    let on_disk = Snapshot {
        len: copied,
        hash: hasher.digest128(),
    };
    if on_disk != *read_as {
        return Err(InPlaceError::ChangedOnDisk);
    }
    tmp.as_file().sync_all().map_err(failed(&first))?;
    // Read back from the file, not from what was copied into it.
    let reread = File::open(tmp.path()).and_then(|f| Snapshot::of_file(&f));
    if reread.map_err(failed(&first))? != *read_as {
        return Err(failed(&first)(io::Error::other(
            "the backup does not read back as the original; nothing written",
        )));
    }
    keep_owner_and_mode(tmp.as_file(), meta).map_err(failed(&first))?;
    let mut n = 1;
    loop {
        let Some(target) = aside::backup_path(path, n)? else {
            return Err(failed(&first)(io::Error::other(
                "every backup name is taken; nothing written",
            )));
        };
        match tmp.persist_noclobber(&target) {
            Ok(_) => {
                sync_folder(path).map_err(failed(&target))?;
                return Ok(target);
            }
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
                tmp = e.file;
                n += 1;
            }
            Err(e) => return Err(failed(&target)(e.error)),
        }
    }
}

/// Puts what the replaced file `old` (still open) holds back at `path`, over premix's output;
/// when that rename fails, under the first free backup name instead.
fn put_back(path: &Path, old: &File, meta: &Metadata) -> Result<(), InPlaceError> {
    let mut tmp = aside::temp_file(path)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    super::copy_hashing(old, &mut hasher, Some(tmp.as_file_mut()))?;
    tmp.as_file().sync_all()?;
    keep_owner_and_mode(tmp.as_file(), meta)?;
    let source = match tmp.persist(path) {
        Ok(_) => return Ok(sync_folder(path)?),
        Err(e) => {
            tmp = e.file;
            e.error
        }
    };
    let mut n = 1;
    while let Some(target) = aside::backup_path(path, n)? {
        match tmp.persist_noclobber(&target) {
            Ok(_) => {
                let _ = sync_folder(path);
                return Err(InPlaceError::NotPutBack {
                    kept: target,
                    source,
                });
            }
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
                tmp = e.file;
                n += 1;
            }
            Err(_) => break,
        }
    }
    Err(source.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_holding(path: &Path, bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut tmp = aside::temp_file(path).unwrap();
        tmp.write_all(bytes).unwrap();
        tmp
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_save_that_lands_just_before_the_exchange_goes_back_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.rpp");
        let read_as = Snapshot::of_bytes(b"as premix read it");
        // The save landed after premix's last comparison, by rename (a new file) ...
        std::fs::write(&path, b"saved by the DAW").unwrap();
        let new = temp_holding(&path, b"premix's output");
        assert!(matches!(
            swap_in(&path, new, &read_as),
            Err(Swap::Failed(InPlaceError::ChangedWhileReplaced))
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"saved by the DAW");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // ... and when it did not, premix's output is in place and the old file gone.
        std::fs::write(&path, b"as premix read it").unwrap();
        let new = temp_holding(&path, b"premix's output");
        assert!(swap_in(&path, new, &read_as).is_ok());
        assert_eq!(std::fs::read(&path).unwrap(), b"premix's output");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_save_into_the_replaced_file_is_put_back_where_names_cannot_be_exchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.rpp");
        std::fs::write(&path, b"as premix read it").unwrap();
        let (current, before) = open_regular(&path).unwrap();
        // Written into the old file between the last comparison and the rename.
        let mut old = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        let new = temp_holding(&path, b"premix's output");
        std::thread::sleep(std::time::Duration::from_millis(20));
        old.write_all(b", then saved").unwrap();
        let result = rename_over(&path, new, &current, &before);
        assert!(matches!(result, Err(InPlaceError::ChangedWhileReplaced)));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"as premix read it, then saved"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
