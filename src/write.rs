//! Putting bytes on disk without ever losing the original.
//!
//! Every write goes to a temporary file in the destination's folder, is flushed and synced,
//! and is renamed over the destination, so a crash leaves either the old file or the new one.
//! In-place writes first keep a backup of the original next to it (`NAME.premix-bak`, then
//! `NAME.premix-bak.2`, ... so no earlier backup is ever overwritten), keep the original's
//! permissions, and refuse to write when the project changed on disk since it was read.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use crate::limits::Limits;
use crate::pipeline::{ReadBack, Sink};

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
    if let Some(bytes) = read_in_parts(&file, meta.len() as usize)? {
        return Ok((bytes, Snapshot::of(&meta)));
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

/// Files at least this large are read in two halves at once ([`read_in_parts`]).
const READ_IN_PARTS: usize = 8 << 20;

/// Reads a large file of `len` bytes in two halves at once: copying from the page cache and
/// faulting in fresh memory is most of the time reading takes, and it spreads over two cores.
/// `None` (nothing read) for a small file, or one whose size changed meanwhile (the caller
/// then reads it to its end the ordinary way).
#[cfg(unix)]
fn read_in_parts(file: &File, len: usize) -> io::Result<Option<Vec<u8>>> {
    use std::os::unix::fs::FileExt;
    if len < READ_IN_PARTS {
        return Ok(None);
    }
    // Zeroed memory this large is mapped lazily: each half faults in its own pages.
    let mut bytes = vec![0u8; len];
    let (first, second) = bytes.split_at_mut(len / 2);
    let halves = rayon::join(
        || file.read_exact_at(first, 0),
        || file.read_exact_at(second, (len / 2) as u64),
    );
    match halves {
        (Ok(()), Ok(())) => {}
        (Err(e), _) | (_, Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    }
    // A file that grew since its size was taken is read again, to its end.
    if file.read_at(&mut [0u8; 1], len as u64)? != 0 {
        return Ok(None);
    }
    Ok(Some(bytes))
}

#[cfg(not(unix))]
fn read_in_parts(_file: &File, _len: usize) -> io::Result<Option<Vec<u8>>> {
    Ok(None)
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

/// New bytes on disk in a temporary file next to their destination, not yet in place: they
/// are written through [`Write`] (buffered), synced by [`Sink::sync`], and
/// [`Staged::commit`] renames them over the destination. Dropping a `Staged` removes the
/// temporary file and leaves the destination as it was. A project can therefore stream into
/// its staged file, be read back and verified while the file syncs, and only a verified file
/// is committed ([`crate::pipeline::process_into`]).
#[derive(Debug)]
pub struct Staged {
    file: BufWriter<tempfile::NamedTempFile>,
    dest: PathBuf,
    permissions: Option<fs::Permissions>,
    synced: AtomicBool,
}

/// Writes go to the file in pieces this large: an RPP splice emits tens of thousands of
/// small pieces, which must not each be a system call.
const WRITE_BUFFER: usize = 256 * 1024;

impl Staged {
    /// An empty temporary file in `dest`'s folder, to be given the permissions of
    /// `permissions_from` (when it exists) once written; without it, the permissions of a new
    /// file (0666 less the umask).
    pub fn create(dest: &Path, permissions_from: Option<&Metadata>) -> io::Result<Staged> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".premix-").suffix(".tmp");
        // With no file to take permissions from, the file gets a new file's: 0666 less the
        // umask (tempfile's own default is 0600, which would leave a rules file written by
        // `premix init` unreadable to the rest of a studio's group).
        #[cfg(unix)]
        if permissions_from.is_none() {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(dir)?;
        Ok(Staged {
            file: BufWriter::with_capacity(WRITE_BUFFER, tmp),
            dest: dest.to_path_buf(),
            permissions: permissions_from.map(Metadata::permissions),
            synced: AtomicBool::new(false),
        })
    }

    /// The temporary file's path (it goes when the `Staged` drops).
    pub fn path(&self) -> &Path {
        self.file.get_ref().path()
    }

    /// Puts the staged bytes in place of the destination, atomically (syncing them first if
    /// that was not done yet).
    pub fn commit(mut self) -> io::Result<()> {
        self.file.flush()?;
        if !self.synced.load(Ordering::Acquire) {
            self.sync()?;
        }
        let tmp = self.file.into_inner().map_err(|e| e.into_error())?;
        // On error the temporary file is removed when it drops.
        tmp.persist(&self.dest).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Write for Staged {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.file.write(bytes)
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Sink for Staged {
    fn finish(&mut self) -> io::Result<()> {
        self.file.flush()
    }

    /// The file: read again, it gives the bytes as the file system now has them (from the
    /// page cache, as a rule), not a copy premix kept.
    fn read_back(&self) -> io::Result<ReadBack<'_>> {
        Ok(ReadBack::File(self.path()))
    }

    fn sync(&self) -> io::Result<()> {
        // One sync, of the data and the size: enough for the renamed file to hold these
        // bytes after a crash (the rename itself is atomic).
        self.file.get_ref().as_file().sync_all()?;
        if let Some(permissions) = &self.permissions {
            fs::set_permissions(self.path(), permissions.clone())?;
        }
        self.synced.store(true, Ordering::Release);
        Ok(())
    }
}

/// Writes `bytes` to a synced temporary file in `dest`'s folder (see [`Staged`]).
pub fn stage(dest: &Path, bytes: &[u8], permissions_from: Option<&Metadata>) -> io::Result<Staged> {
    let mut staged = Staged::create(dest, permissions_from)?;
    staged.write_all(bytes)?;
    staged.finish()?;
    staged.sync()?;
    Ok(staged)
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
    fn a_large_file_reads_whole_in_parts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.rpp");
        let bytes: Vec<u8> = (0..READ_IN_PARTS + 12345)
            .map(|i| (i % 251) as u8)
            .collect();
        fs::write(&path, &bytes).unwrap();
        let (read_back, snap) = read(&path, &Limits::default()).unwrap();
        assert!(read_back == bytes);
        assert_eq!(snap.len, bytes.len() as u64);
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
