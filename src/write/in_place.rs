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

use super::{Snapshot, Staged, aside, keep_owner_and_mode, open_regular, sync_folder};
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
    let (current, before) = open_regular(path).map_err(|e| undo(e.into()))?;
    if Snapshot::of_file(&current).map_err(|e| undo(e.into()))? != *read_as {
        return Err(undo(InPlaceError::ChangedOnDisk));
    }
    staged.commit().map_err(|e| undo(e.into()))?;
    let after = current.metadata()?;
    if after.len() != before.len() || after.modified().ok() != before.modified().ok() {
        put_back(path, &current, &after)?;
        return Err(InPlaceError::ChangedWhileReplaced);
    }
    sync_folder(path)?;
    Ok(backup_file)
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
