//! Putting bytes on disk without ever losing the original.
//!
//! Every write goes to a temporary file in the destination's folder, is flushed and synced,
//! and is renamed over the destination, so a crash leaves either the old file or the new one.
//! In-place writes first keep a backup of the original next to it (`NAME.premix-bak`, then
//! `NAME.premix-bak.2`, ... so no earlier backup is ever overwritten), keep the original's
//! permissions, and refuse to write when the project changed on disk since it was read.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::limits::Limits;

/// What a file looked like when it was read, to notice a change before replacing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    len: u64,
    modified: Option<SystemTime>,
}

impl Snapshot {
    pub fn of(meta: &Metadata) -> Snapshot {
        Snapshot {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// Reads a file and notes its size and modification time; a file over `limits` is refused
/// before it is read (and reading stops at the limit if it grows meanwhile).
pub fn read(path: &Path, limits: &Limits) -> io::Result<(Vec<u8>, Snapshot)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::other("is a folder, not a project file"));
    }
    let max = limits.max_project_bytes;
    if meta.len() > max {
        return Err(io::Error::other(
            limits.too_large(meta.len(), "the project"),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    io::Read::read_to_end(&mut io::Read::take(file, max + 1), &mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::other(
            limits.too_large(bytes.len() as u64, "the project"),
        ));
    }
    Ok((bytes, Snapshot::of(&meta)))
}

/// Writes `bytes` to `dest` atomically (temporary file in the same folder, synced, renamed).
/// `permissions_from` gives the new file the permissions of that file when it exists.
pub fn atomic_write(
    dest: &Path,
    bytes: &[u8],
    permissions_from: Option<&Metadata>,
) -> io::Result<()> {
    stage(dest, bytes, permissions_from)?.commit()
}

/// New bytes on disk in a temporary file next to their destination, synced, not yet in
/// place: [`Staged::commit`] renames them over the destination; dropping a `Staged` removes
/// the temporary file and leaves the destination as it was. Staging can therefore run while
/// the same bytes are still being verified, and only a verified file is committed.
#[derive(Debug)]
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

/// Writes `bytes` to a synced temporary file in `dest`'s folder (see [`Staged`]).
pub fn stage(dest: &Path, bytes: &[u8], permissions_from: Option<&Metadata>) -> io::Result<Staged> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".premix-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    // One sync, of the data and the size: enough for the renamed file to hold these bytes
    // after a crash (the rename itself is atomic).
    tmp.as_file().sync_all()?;
    if let Some(meta) = permissions_from {
        fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    Ok(Staged {
        tmp,
        dest: dest.to_path_buf(),
    })
}

impl Staged {
    /// Puts the staged bytes in place of the destination, atomically.
    pub fn commit(self) -> io::Result<()> {
        // On error the temporary file is removed when it drops.
        self.tmp.persist(&self.dest).map_err(|e| e.error)?;
        Ok(())
    }
}

/// The first free backup name next to `path`.
pub fn backup_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    let mut candidate = name.clone();
    candidate.push(".premix-bak");
    let mut n = 1;
    loop {
        let full = path.with_file_name(&candidate);
        if !full.exists() {
            return full;
        }
        n += 1;
        candidate = name.clone();
        candidate.push(format!(".premix-bak.{n}"));
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InPlaceError {
    #[error("changed on disk since premix read it; not written (run again)")]
    ChangedOnDisk,
    #[error("backup {path}: {source}")]
    Backup { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Replaces `path` with `bytes`, keeping `original` as a backup first unless `backup` is false.
/// Returns the backup's path.
pub fn replace_in_place(
    path: &Path,
    original: &[u8],
    read_as: &Snapshot,
    bytes: &[u8],
    backup: bool,
) -> Result<Option<PathBuf>, InPlaceError> {
    let meta = fs::metadata(path)?;
    if Snapshot::of(&meta) != *read_as {
        return Err(InPlaceError::ChangedOnDisk);
    }
    let backup_file = if backup {
        let target = backup_path(path);
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .and_then(|mut f| {
                f.write_all(original)?;
                f.sync_all()?;
                fs::set_permissions(&target, meta.permissions())
            });
        if let Err(source) = written {
            let _ = fs::remove_file(&target);
            return Err(InPlaceError::Backup {
                path: target,
                source,
            });
        }
        Some(target)
    } else {
        None
    };
    atomic_write(path, bytes, Some(&meta))?;
    Ok(backup_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_place_keeps_numbered_backups_of_the_original_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.rpp");
        fs::write(&path, b"one").unwrap();
        let (bytes, snap) = read(&path, &Limits::default()).unwrap();
        let b1 = replace_in_place(&path, &bytes, &snap, b"two", true)
            .unwrap()
            .unwrap();
        assert_eq!(b1.file_name().unwrap(), "song.rpp.premix-bak");
        assert_eq!(fs::read(&b1).unwrap(), b"one");
        let (bytes, snap) = read(&path, &Limits::default()).unwrap();
        let b2 = replace_in_place(&path, &bytes, &snap, b"three", true)
            .unwrap()
            .unwrap();
        assert_eq!(b2.file_name().unwrap(), "song.rpp.premix-bak.2");
        assert_eq!(fs::read(&b2).unwrap(), b"two");
        assert_eq!(fs::read(&path).unwrap(), b"three");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_file_changed_since_reading_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.rpp");
        fs::write(&path, b"one").unwrap();
        let (bytes, snap) = read(&path, &Limits::default()).unwrap();
        fs::write(&path, b"edited by the DAW").unwrap();
        let err = replace_in_place(&path, &bytes, &snap, b"two", true).unwrap_err();
        assert!(matches!(err, InPlaceError::ChangedOnDisk));
        assert_eq!(fs::read(&path).unwrap(), b"edited by the DAW");
    }
}
