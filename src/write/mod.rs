//! Putting bytes on disk without ever losing the original.
//!
//! Every write goes to a temporary file beside its destination, is flushed, synced and read
//! back, and is renamed over the destination, so a crash leaves either the old file or the
//! new one. In-place writes ([`in_place`]) hold the project's lock ([`lock`]) from before it
//! is read, keep a backup of the original beside it (written aside and renamed into a name
//! that does not exist yet, never over one), give the new file the original's owner, group
//! and mode, and refuse to write when the project's content changed on disk since it was
//! read. The names of the files premix keeps beside a project, and the removal of those a
//! killed run left, are [`aside`]'s.

pub mod aside;
pub mod copying;
mod in_place;
pub mod lock;

pub use in_place::{InPlaceError, replace_in_place};

use std::fs::{self, File, Metadata};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::limits::Limits;
use crate::pipeline::{ReadBack, Sink};

/// What a file held when it was read: its size and a hash of its content (XXH3, 128 bits),
/// to notice a change made by another program before replacing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    len: u64,
    hash: u128,
}

impl Snapshot {
    /// The snapshot of `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> Snapshot {
        Snapshot {
            len: bytes.len() as u64,
            hash: xxhash_rust::xxh3::xxh3_128(bytes),
        }
    }

    /// The snapshot of what `file` holds now, read from its start a block at a time.
    pub fn of_file(file: &File) -> io::Result<Snapshot> {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let len = copy_hashing(file, &mut hasher, None)?;
        Ok(Snapshot {
            len,
            hash: hasher.digest128(),
        })
    }
}

/// A writer that hashes what goes through it: what a backend wrote, to be compared with what
/// the file on disk holds when it is read back ([`Snapshot::of_file`]), so that a byte
/// changed anywhere between premix and the disk is caught, not only in what the
/// verification's read-back session holds.
pub struct Hashing<'w, W: Write + ?Sized> {
    inner: &'w mut W,
    hasher: xxhash_rust::xxh3::Xxh3,
    len: u64,
}

impl<'w, W: Write + ?Sized> Hashing<'w, W> {
    pub fn new(inner: &'w mut W) -> Self {
        Hashing {
            inner,
            hasher: xxhash_rust::xxh3::Xxh3::new(),
            len: 0,
        }
    }

    /// The snapshot of every byte written through so far.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            len: self.len,
            hash: self.hasher.digest128(),
        }
    }
}

impl<W: Write + ?Sized> Write for Hashing<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Blocks this large are read to hash or copy a file.
const COPY_BLOCK: usize = 256 * 1024;

/// Reads `file` from its start to its end into `hasher` (and into `copy` when given);
/// returns the number of bytes.
fn copy_hashing(
    file: &File,
    hasher: &mut xxhash_rust::xxh3::Xxh3,
    mut copy: Option<&mut dyn Write>,
) -> io::Result<u64> {
    let mut block = vec![0u8; COPY_BLOCK];
    let mut len = 0u64;
    let mut at = 0u64;
    loop {
        let n = read_at(file, &mut block, at)?;
        if n == 0 {
            return Ok(len);
        }
        hasher.update(&block[..n]);
        if let Some(out) = copy.as_mut() {
            out.write_all(&block[..n])?;
        }
        len += n as u64;
        at += n as u64;
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    loop {
        match file.read_at(buf, at) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(not(unix))]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    use std::os::windows::fs::FileExt;
    file.seek_read(buf, at)
}

/// Opens `path` for reading only if it is a regular file: a named pipe is opened without
/// waiting for a writer (and then refused), so no path can make premix hang.
///
/// Errors: the file cannot be opened; it is a folder, a named pipe, a device or a socket.
pub fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::other("is a folder, not a project file"));
    }
    if !meta.is_file() {
        return Err(io::Error::other(
            "is not a regular file (a named pipe, a device or a socket)",
        ));
    }
    Ok((file, meta))
}

/// Reads a file and notes what it held ([`Snapshot`]); a file over `limits` is refused
/// before it is read (and reading stops at the limit if it grows meanwhile).
///
/// Errors: as [`open_regular`], a read error, or the file is over the limit.
pub fn read(path: &Path, limits: &Limits) -> io::Result<(Vec<u8>, Snapshot)> {
    let (file, meta) = open_regular(path)?;
    let max = limits.max_project_bytes;
    if meta.len() > max {
        return Err(io::Error::other(
            limits.too_large(meta.len(), "the project"),
        ));
    }
    if let Some(bytes) = read_in_parts(&file, meta.len() as usize)? {
        let snapshot = Snapshot::of_bytes(&bytes);
        return Ok((bytes, snapshot));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::other(
            limits.too_large(bytes.len() as u64, "the project"),
        ));
    }
    let snapshot = Snapshot::of_bytes(&bytes);
    Ok((bytes, snapshot))
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
/// `permissions_from` gives the new file the permissions of that file; without it, the new
/// file gets those of the file it replaces, or those of any new file (mode 0666 less the
/// process's umask).
pub fn atomic_write(
    dest: &Path,
    bytes: &[u8],
    permissions_from: Option<&Metadata>,
) -> io::Result<()> {
    let replaced = fs::metadata(dest).ok();
    let Some(from) = permissions_from.or(replaced.as_ref()) else {
        // A new file's permissions: created 0666, less the umask (tempfile's 0600 would
        // leave a rules file written by `premix init` unreadable to a studio's group).
        let mut staged = Staged::from_temp(dest, aside::temp_file_with(dest, new_file_mode())?);
        staged.write_all(bytes)?;
        return staged.commit();
    };
    stage(dest, bytes, Some(from))?.commit()
}

/// The mode a new file is created with before the umask applies: 0666 (`None` where files
/// have no mode).
fn new_file_mode() -> Option<fs::Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(fs::Permissions::from_mode(0o666))
    }
    #[cfg(not(unix))]
    {
        None
    }
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
    /// `permissions_from` (when it exists) once written.
    ///
    /// The file is named as a temporary file of `dest` ([`aside::temp_file`]) and readable
    /// by its owner only until then.
    pub fn create(dest: &Path, permissions_from: Option<&Metadata>) -> io::Result<Staged> {
        let mut staged = Staged::from_temp(dest, aside::temp_file(dest)?);
        staged.permissions = permissions_from.map(Metadata::permissions);
        Ok(staged)
    }

    fn from_temp(dest: &Path, tmp: tempfile::NamedTempFile) -> Staged {
        Staged {
            file: BufWriter::with_capacity(WRITE_BUFFER, tmp),
            dest: dest.to_path_buf(),
            permissions: None,
            synced: AtomicBool::new(false),
        }
    }

    /// The temporary file's path (it goes when the `Staged` drops).
    pub fn path(&self) -> &Path {
        self.file.get_ref().path()
    }

    /// Another handle on the temporary file, for writes at explicit offsets from another
    /// thread ([`copying::copy_early`]); it shares the file's position, which such writes
    /// neither use nor move.
    pub fn try_clone_file(&self) -> io::Result<File> {
        self.file.get_ref().as_file().try_clone()
    }

    /// Gives the staged file the owner, group and mode of the file `meta` describes (see
    /// [`keep_owner_and_mode`]).
    pub fn keep_owner_and_mode(&mut self, meta: &Metadata) -> io::Result<()> {
        self.file.flush()?;
        self.permissions = None;
        keep_owner_and_mode(self.file.get_ref().as_file(), meta)
    }

    /// Puts the staged bytes in place of the destination, atomically (syncing them first if
    /// that was not done yet).
    pub fn commit(self) -> io::Result<()> {
        let dest = self.dest.clone();
        // On error the temporary file is removed when it drops.
        self.into_synced()?.persist(&dest).map_err(|e| e.error)?;
        Ok(())
    }

    /// The temporary file, its bytes flushed and synced (removed when dropped).
    fn into_synced(mut self) -> io::Result<tempfile::NamedTempFile> {
        self.file.flush()?;
        if !self.synced.load(Ordering::Acquire) {
            self.sync()?;
        }
        self.file.into_inner().map_err(|e| e.into_error())
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
            self.file
                .get_ref()
                .as_file()
                .set_permissions(permissions.clone())?;
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

/// Gives `file` the owner, group and mode of the file `meta` describes (the owner and group
/// only where they differ, so a user who owns the project needs no privilege).
///
/// Errors: the owner or group cannot be given (premix runs as another user, without the
/// right to give files away); the mode cannot be set.
pub fn keep_owner_and_mode(file: &File, meta: &Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let now = file.metadata()?;
        if (now.uid(), now.gid()) != (meta.uid(), meta.gid()) {
            std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid())).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot give the new file the project's owner and group ({}:{}): {e}",
                        meta.uid(),
                        meta.gid()
                    ),
                )
            })?;
        }
    }
    // After the owner: changing it clears the set-user-ID and set-group-ID bits.
    file.set_permissions(meta.permissions())
}

/// The file's status change time (ctime: any write or change of metadata moves it), where
/// the platform keeps one.
pub fn changed_time(meta: &Metadata) -> Option<(i64, i64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.ctime(), meta.ctime_nsec()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// True when `a` and `b` describe the same file (device and inode; elsewhere than Unix,
/// the same size and modification time, as near as can be told).
#[cfg(unix)]
pub(crate) fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
pub(crate) fn same_file(a: &Metadata, b: &Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}

/// Syncs the folder `path` is in, so that the names renamed into it survive a crash.
pub fn sync_folder(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(aside::folder(path))?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replaces `path` in place with `new`, as `apply --in-place` does: under the lock, from a
    /// staged file.
    fn replace(path: &Path, new: &[u8], backup: bool) -> Result<Option<PathBuf>, InPlaceError> {
        let _lock = lock::ProjectLock::acquire(path).unwrap();
        let (_, snap) = read(path, &Limits::default()).unwrap();
        let staged = stage(path, new, None).unwrap();
        replace_in_place(path, &snap, staged, backup)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn in_place_keeps_numbered_backups_of_the_original_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.rpp");
        fs::write(&path, b"one").unwrap();
        let b1 = replace(&path, b"two", true).unwrap().unwrap();
        assert_eq!(b1.file_name().unwrap(), "song.rpp.premix-bak");
        assert_eq!(fs::read(&b1).unwrap(), b"one");
        let b2 = replace(&path, b"three", true).unwrap().unwrap();
        assert_eq!(b2.file_name().unwrap(), "song.rpp.premix-bak.2");
        assert_eq!(fs::read(&b2).unwrap(), b"two");
        assert_eq!(fs::read(&path).unwrap(), b"three");
        assert_eq!(
            names(dir.path()),
            ["song.rpp", "song.rpp.premix-bak", "song.rpp.premix-bak.2"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_link_named_like_the_backup_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.rpp");
        fs::write(&path, b"one").unwrap();
        let link = dir.path().join("song.rpp.premix-bak");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
        let backup = replace(&path, b"two", true).unwrap().unwrap();
        assert_eq!(backup.file_name().unwrap(), "song.rpp.premix-bak.2");
        assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(fs::read(&backup).unwrap(), b"one");
    }

    #[cfg(unix)]
    #[test]
    fn the_mode_of_the_project_is_kept_by_the_new_file_and_the_backup() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.rpp");
        fs::write(&path, b"one").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let backup = replace(&path, b"two", true).unwrap().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!((mode(&path), mode(&backup)), (0o640, 0o640));
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
        assert_eq!(snap, Snapshot::of_bytes(&bytes));
        assert_eq!(
            snap,
            Snapshot::of_file(&File::open(&path).unwrap()).unwrap()
        );
    }

    #[test]
    fn a_file_changed_since_reading_is_not_replaced_even_with_the_same_size_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.rpp");
        fs::write(&path, b"one").unwrap();
        let _lock = lock::ProjectLock::acquire(&path).unwrap();
        let (_, snap) = read(&path, &Limits::default()).unwrap();
        let time = fs::metadata(&path).unwrap().modified().unwrap();
        // Same size, same modification time: only the content tells.
        fs::write(&path, b"eno").unwrap();
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(time)
            .unwrap();
        for backup in [true, false] {
            let staged = stage(&path, b"two", None).unwrap();
            let err = replace_in_place(&path, &snap, staged, backup).unwrap_err();
            assert!(matches!(err, InPlaceError::ChangedOnDisk), "{err}");
            assert_eq!(fs::read(&path).unwrap(), b"eno");
        }
        drop(_lock);
        assert_eq!(names(dir.path()), ["song.rpp"]);
    }

    #[test]
    fn a_named_pipe_or_a_device_is_refused_without_waiting() {
        let e = read(Path::new("/dev/null"), &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        #[cfg(unix)]
        {
            let dir = tempfile::tempdir().unwrap();
            let fifo = dir.path().join("pipe.rpp");
            let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
            let e = read(&fifo, &Limits::default()).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
    }

    #[test]
    fn the_largest_limit_does_not_wrap_around() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("song.rpp");
        fs::write(&path, b"<REAPER_PROJECT\n>\n").unwrap();
        let limits = Limits {
            max_project_bytes: u64::MAX,
        };
        assert_eq!(read(&path, &limits).unwrap().0, b"<REAPER_PROJECT\n>\n");
    }
}
