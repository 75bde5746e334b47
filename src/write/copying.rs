//! Writing a project as pieces: bytes premix makes, and byte ranges of the input file copied
//! file to file, never through premix's memory (a DAWproject's untouched entries).
//!
//! A backend spells its output as [`Pieces`]: [`Pieces::bytes`] for what it writes itself,
//! [`Pieces::copy`] for a range of the input kept as it is. In memory ([`InMemory`]) a copy is
//! the input's bytes written out; into a staged file ([`CopyingStaged`]) it is a kernel copy
//! (`copy_file_range` on Linux, through [`std::io::copy`] between two files, which falls back
//! to `sendfile` or reading and writing where the file system cannot), and the input's range
//! is never read by premix.
//!
//! The byte-for-byte check of the write still covers every byte that reaches the file:
//! what premix wrote is hashed as it goes (XXH3-128, in one stream) and read back from the
//! file; each copied range is read back from the file and its [`range_digest`] compared
//! with the digest of the input's range, taken when the input was checked (or remembered
//! with the check, see [`crate::analysis::cache::Cache::container`]). A copied range thus
//! proves both that the copy reached the disk intact and that the input still held, when it
//! was copied, the bytes that were checked: a file rewritten while premix copied from it
//! (a save landing mid-run) cannot mix two saves in the output. The input is not read a
//! second time.

use super::{Snapshot, Staged, read_at};
use crate::pipeline::{ReadBack, Sink};
use std::fs::File;
use std::io::{self, Seek, Write};
use std::ops::Range;

/// Byte ranges of a file, each with its digest ([`range_digest`]).
pub type Digests = Vec<(Range<u64>, u128)>;

/// Where a backend's output goes, as pieces.
pub trait Pieces {
    /// Bytes premix makes (headers, an edited entry).
    fn bytes(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// The input's bytes `range`, kept as they are.
    fn copy(&mut self, range: Range<u64>) -> io::Result<()>;
}

/// The pieces written into `out`, copies taken from `input` in memory.
pub struct InMemory<'a> {
    pub input: &'a [u8],
    pub out: &'a mut dyn Write,
}

impl Pieces for InMemory<'_> {
    fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    fn copy(&mut self, range: Range<u64>) -> io::Result<()> {
        let (start, end) = (range.start as usize, range.end as usize);
        let piece = self.input.get(start..end).ok_or_else(|| {
            io::Error::other(format!("internal error: copy of {range:?} past the input"))
        })?;
        self.out.write_all(piece)
    }
}

/// Ranges are hashed in chunks this large, on every core ([`range_digest`]).
const DIGEST_CHUNK: u64 = 4 << 20;

/// The digest of bytes `range` of `file`: XXH3-128 of each 4 MiB chunk (hashed on the rayon
/// pool, each chunk read a block at a time), then of the chunks' hashes and the length.
/// Two ranges of the same bytes have the same digest wherever they lie.
///
/// Errors: a read error; the file ends before `range` does.
pub fn range_digest(file: &File, range: Range<u64>) -> io::Result<u128> {
    use rayon::prelude::*;
    let len = range.end.saturating_sub(range.start);
    let chunks: Vec<u64> = (0..len.div_ceil(DIGEST_CHUNK)).collect();
    let hashes = chunks
        .par_iter()
        .map(|&c| hash_range(file, digest_chunk(&range, c)))
        .collect::<io::Result<Vec<u128>>>()?;
    digest_of_chunks(len, hashes)
}

/// [`range_digest`] on the calling thread alone, never waiting for the rayon pool (for a
/// thread the pool may be waiting for: [`CopyingStaged::copies_hold_here`]).
///
/// Errors: as [`range_digest`].
pub fn range_digest_here(file: &File, range: Range<u64>) -> io::Result<u128> {
    let len = range.end.saturating_sub(range.start);
    let hashes = (0..len.div_ceil(DIGEST_CHUNK))
        .map(|c| hash_range(file, digest_chunk(&range, c)))
        .collect::<io::Result<Vec<u128>>>()?;
    digest_of_chunks(len, hashes)
}

/// Chunk `c` (0-based) of `range`, as [`range_digest`] hashes it.
fn digest_chunk(range: &Range<u64>, c: u64) -> Range<u64> {
    let start = range.start + c * DIGEST_CHUNK;
    start..(start + DIGEST_CHUNK).min(range.end)
}

/// The digest of a range `len` bytes long whose chunks hash to `hashes`.
fn digest_of_chunks(len: u64, hashes: Vec<u128>) -> io::Result<u128> {
    let mut outer = xxhash_rust::xxh3::Xxh3::new();
    outer.update(&len.to_le_bytes());
    for h in hashes {
        outer.update(&h.to_le_bytes());
    }
    Ok(outer.digest128())
}

/// XXH3-128 of bytes `range` of `file`, read 256 KiB at a time.
fn hash_range(file: &File, range: Range<u64>) -> io::Result<u128> {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hash_into(file, range, &mut hasher)?;
    Ok(hasher.digest128())
}

fn hash_into(
    file: &File,
    range: Range<u64>,
    hasher: &mut xxhash_rust::xxh3::Xxh3,
) -> io::Result<()> {
    let block = (range.end - range.start).min(super::COPY_BLOCK as u64) as usize;
    let mut buf = vec![0u8; block];
    let mut at = range.start;
    while at < range.end {
        let want = ((range.end - at) as usize).min(buf.len());
        let n = read_at(file, &mut buf[..want], at)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file ends before the range",
            ));
        }
        hasher.update(&buf[..n]);
        at += n as u64;
    }
    Ok(())
}

/// One piece of a [`CopyingStaged`] file: where it lies, and for a copy, the digest the
/// input's range had.
#[derive(Clone, Debug)]
struct Segment {
    range: Range<u64>,
    copied: Option<u128>,
    /// For a copy, where its bytes start in the input.
    from: u64,
}

/// A [`Staged`] file written as [`Pieces`]: premix's bytes through its buffer, the input's
/// ranges copied file to file. Verified by [`Sink::holds`] (see the module docs).
pub struct CopyingStaged<'a> {
    staged: Staged,
    input: &'a File,
    /// The digest of each range the backend copies, taken when the input was checked.
    digests: Vec<(Range<u64>, u128)>,
    segments: Vec<Segment>,
    len: u64,
    hasher: xxhash_rust::xxh3::Xxh3,
    written: u64,
    /// True when a copy was laid out since premix last wrote: its bytes come later
    /// ([`CopyingStaged::copy_pending`]), so the next bytes go after the gap it leaves.
    after_gap: bool,
    /// True once the copies are made.
    copied: std::sync::atomic::AtomicBool,
    /// Copies made before they were laid out ([`CopyingStaged::made_early`]): each input
    /// range and the output offset it was copied to.
    early: Vec<(Range<u64>, u64)>,
}

impl<'a> CopyingStaged<'a> {
    /// Writes into `staged`, copying from `input`, whose ranges to be copied have `digests`
    /// (a copy of any other range is refused: it could not be verified).
    pub fn new(staged: Staged, input: &'a File, digests: Vec<(Range<u64>, u128)>) -> Self {
        CopyingStaged {
            staged,
            input,
            digests,
            segments: Vec::new(),
            len: 0,
            hasher: xxhash_rust::xxh3::Xxh3::new(),
            written: 0,
            after_gap: false,
            copied: std::sync::atomic::AtomicBool::new(false),
            early: Vec::new(),
        }
    }

    /// Says that `copies` (each input range and the output offset it lies at) were made
    /// in the file already ([`copy_early`], finished before [`CopyingStaged::copy_pending`]
    /// runs): a copy laid out at the same place is not made again. They are verified as
    /// every copy is ([`CopyingStaged::copies_hold`]).
    pub fn made_early(&mut self, copies: Vec<(Range<u64>, u64)>) {
        self.early = copies;
    }

    /// Writes out premix's own bytes, leaving the copies to [`CopyingStaged::copy_pending`]
    /// (which may run on another thread while premix's bytes are read back and verified).
    pub fn finish_own(&mut self) -> io::Result<()> {
        self.staged.finish()?;
        // The file as long as the pieces even when a copy ends it, so that what is read
        // beside the copies sees its final length; never shortened while copies made early
        // may still be landing (they end where the pieces say, or were stopped and joined
        // before the pieces were written: then the file may be longer, and is cut).
        let file = self.staged.file.get_ref().as_file();
        let len = file.metadata()?.len();
        if len < self.len || (len > self.len && self.early.is_empty()) {
            file.set_len(self.len)?;
        }
        Ok(())
    }

    /// Makes every copy the backend laid out: each input range copied file to file at its
    /// place in the output (`copy_file_range` on Linux, with explicit offsets, so it shares
    /// no file position with readers of the output; reading and writing elsewhere). Once
    /// only; later calls do nothing.
    ///
    /// Errors: an I/O error; the input ends before a range does (changed on disk meanwhile).
    pub fn copy_pending(&self) -> io::Result<()> {
        use std::sync::atomic::Ordering;
        if self.copied.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let out = self.staged.file.get_ref().as_file();
        for s in &self.segments {
            let made = || {
                let from = s.from..s.from + (s.range.end - s.range.start);
                self.early.contains(&(from, s.range.start))
            };
            if s.copied.is_some() && !made() {
                copy_range(self.input, s.from, out, s.range.clone(), None)?;
            }
        }
        Ok(())
    }

    /// True when premix's own bytes read back from the file are `written`, and the file is
    /// as long as the pieces.
    pub fn own_bytes_hold(&self, written: Snapshot) -> io::Result<bool> {
        let file = File::open(self.staged.path())?;
        if file.metadata()?.len() != self.len {
            return Ok(false);
        }
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut len = 0;
        for range in self.written_ranges() {
            len += range.end - range.start;
            hash_into(&file, range, &mut hasher)?;
        }
        Ok(Snapshot {
            len,
            hash: hasher.digest128(),
        } == written)
    }

    /// True when every copied range read back from the file has the digest the input's
    /// range had when it was checked (on the rayon pool).
    pub fn copies_hold(&self) -> io::Result<bool> {
        use rayon::prelude::*;
        let file = File::open(self.staged.path())?;
        let checks = self
            .copied_segments()
            .par_bridge()
            .map(|(range, digest)| Ok(range_digest(&file, range)? == digest))
            .collect::<io::Result<Vec<bool>>>()?;
        Ok(checks.into_iter().all(|ok| ok))
    }

    /// [`CopyingStaged::copies_hold`] on the calling thread alone, never waiting for the
    /// rayon pool: for the thread that makes the copies, which a pool thread may be waiting
    /// for (`pipeline::verify_copying`). A copied range of the output listed in `read` was
    /// read back already, with that digest ([`copy_early`]), and is not read again.
    pub fn copies_hold_here(&self, read: &[(Range<u64>, u128)]) -> io::Result<bool> {
        let file = File::open(self.staged.path())?;
        for (range, digest) in self.copied_segments() {
            let found = match read.iter().find(|(r, _)| *r == range) {
                Some((_, d)) => *d,
                None => range_digest_here(&file, range)?,
            };
            if found != digest {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Each copied range of the output and the digest the input's range had.
    fn copied_segments(&self) -> impl Iterator<Item = (Range<u64>, u128)> + Send + '_ {
        self.segments
            .iter()
            .filter_map(|s| Some((s.range.clone(), s.copied?)))
    }

    /// The staged file, to be committed.
    pub fn into_staged(self) -> Staged {
        self.staged
    }

    /// The snapshot of every byte premix wrote itself (not the copies).
    pub fn written(&self) -> Snapshot {
        Snapshot {
            len: self.written,
            hash: self.hasher.digest128(),
        }
    }

    /// The segments premix wrote, their ranges, in order.
    fn written_ranges(&self) -> impl Iterator<Item = Range<u64>> + '_ {
        self.segments
            .iter()
            .filter(|s| s.copied.is_none())
            .map(|s| s.range.clone())
    }
}

impl Pieces for CopyingStaged<'_> {
    fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.after_gap {
            self.staged.file.seek(io::SeekFrom::Start(self.len))?;
            self.after_gap = false;
        }
        self.staged.write_all(bytes)?;
        self.hasher.update(bytes);
        self.written += bytes.len() as u64;
        let end = self.len + bytes.len() as u64;
        match self.segments.last_mut() {
            Some(s) if s.copied.is_none() => s.range.end = end,
            _ => self.segments.push(Segment {
                range: self.len..end,
                copied: None,
                from: 0,
            }),
        }
        self.len = end;
        Ok(())
    }

    fn copy(&mut self, range: Range<u64>) -> io::Result<()> {
        if range.is_empty() {
            return Ok(());
        }
        let digest = self
            .digests
            .iter()
            .find(|(r, _)| *r == range)
            .map(|(_, d)| *d)
            .ok_or_else(|| {
                io::Error::other(format!(
                    "internal error: a copy of bytes {range:?} of the input, which were not checked"
                ))
            })?;
        // Laid out now, made by `copy_pending`: the bytes after it go after the gap.
        let len = range.end - range.start;
        self.segments.push(Segment {
            range: self.len..self.len + len,
            copied: Some(digest),
            from: range.start,
        });
        self.len += len;
        self.after_gap = true;
        Ok(())
    }
}

impl Write for CopyingStaged<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        Pieces::bytes(self, bytes)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.staged.flush()
    }
}

/// Copies each input range of `copies` into `out` at the output offset beside it, file to
/// file, before the output's pieces are laid out (on a thread of its own, while the project
/// is read and planned: [`crate::pipeline::process_file_into`]), with the write-back of
/// each chunk started as [`CopyingStaged::copy_pending`] does, then reads each copy back
/// from `out` and takes its digest ([`range_digest`]'s), while the project is still being
/// planned and written: each output range and its digest, for
/// [`CopyingStaged::copies_hold_here`] to compare with the input's (a copy's bytes are
/// never written again: premix's own bytes lie elsewhere). Stops between chunks once `stop`
/// is set: `Ok(None)`, some copies partly made (the caller lays the output out afresh).
///
/// Errors: an I/O error; the input ends before a range does.
pub fn copy_early(
    input: &File,
    out: &File,
    copies: &[(Range<u64>, u64)],
    stop: &std::sync::atomic::AtomicBool,
) -> io::Result<Option<Digests>> {
    let placed = |(from, at): &(Range<u64>, u64)| *at..at + (from.end - from.start);
    for copy in copies {
        if !copy_range(input, copy.0.start, out, placed(copy), Some(stop))? {
            return Ok(None);
        }
    }
    copies
        .iter()
        .map(|copy| Ok((placed(copy), range_digest_here(out, placed(copy))?)))
        .collect::<io::Result<_>>()
        .map(Some)
}

/// Copies bytes `from..` of `input` into `out` at `to` (as many as `to` is long), file to
/// file: `copy_file_range` with explicit offsets on Linux, else (or where the file system
/// refuses it) a read and a write of 1 MiB at a time. With `stop`, looks at it between
/// chunks and returns `Ok(false)` once it is set.
///
/// Errors: an I/O error; the input ends first (it changed on disk while premix copied it).
fn copy_range(
    input: &File,
    from: u64,
    out: &File,
    to: Range<u64>,
    stop: Option<&std::sync::atomic::AtomicBool>,
) -> io::Result<bool> {
    let stopped = || stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::Acquire));
    let len = to.end - to.start;
    let mut done = 0u64;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let mut kicked = 0u64;
        while done < len {
            if stopped() {
                return Ok(false);
            }
            // Each chunk's write-back is started once it is copied: the sync that follows
            // the copies then waits for the last chunk only.
            if done - kicked >= WRITE_BACK_CHUNK {
                start_write_back(out, to.start + kicked..to.start + done);
                kicked = done;
            }
            let mut off_in = (from + done) as libc::loff_t;
            let mut off_out = (to.start + done) as libc::loff_t;
            let want = (len - done).min(WRITE_BACK_CHUNK) as usize;
            // SAFETY: both descriptors are open files owned by the callers, and the offsets
            // are locals the call updates.
            let n = unsafe {
                libc::copy_file_range(
                    input.as_raw_fd(),
                    &mut off_in,
                    out.as_raw_fd(),
                    &mut off_out,
                    want,
                    0,
                )
            };
            if n > 0 {
                done += n as u64;
                continue;
            }
            if n == 0 {
                // The end of the input, or a file system that copies nothing this way:
                // the reads below tell which.
                break;
            }
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                // Not between these files (another file system, an old kernel): by hand.
                Some(libc::EXDEV | libc::ENOSYS | libc::EOPNOTSUPP | libc::EINVAL) => break,
                _ => return Err(e),
            }
        }
    }
    let mut buf = vec![0u8; (len - done).min(1 << 20) as usize];
    while done < len {
        if stopped() {
            return Ok(false);
        }
        let want = ((len - done) as usize).min(buf.len());
        let n = read_at(input, &mut buf[..want], from + done)?;
        if n == 0 {
            return Err(ended_while_copied(from, done, len));
        }
        write_all_at(out, &buf[..n], to.start + done)?;
        done += n as u64;
    }
    Ok(true)
}

/// Copies are made this many bytes at a time, the write-back of each started once it is
/// made ([`start_write_back`]): on the benchmark's 64 MB container, a copy and a sync of
/// 57-64 ms become 42-44 ms (BENCHMARKS.md, "DAWproject").
#[cfg(target_os = "linux")]
const WRITE_BACK_CHUNK: u64 = 8 << 20;

/// Asks the kernel to start writing bytes `range` of `out` to the disk, without waiting
/// (`sync_file_range` with `SYNC_FILE_RANGE_WRITE`). Only a head start for the sync that
/// follows, which is what makes the bytes durable: a refusal is ignored.
#[cfg(target_os = "linux")]
fn start_write_back(out: &File, range: Range<u64>) {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is an open file the caller owns; the call only reads its
    // arguments.
    unsafe {
        libc::sync_file_range(
            out.as_raw_fd(),
            range.start as libc::off64_t,
            (range.end - range.start) as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

fn ended_while_copied(from: u64, done: u64, len: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!(
            "the project file ended while it was copied ({done} of {len} bytes at byte {from}): \
             changed on disk meanwhile"
        ),
    )
}

#[cfg(unix)]
fn write_all_at(file: &File, bytes: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, at)
}

#[cfg(not(unix))]
fn write_all_at(file: &File, mut bytes: &[u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !bytes.is_empty() {
        let n = file.seek_write(bytes, at)?;
        bytes = &bytes[n..];
        at += n as u64;
    }
    Ok(())
}

impl Sink for CopyingStaged<'_> {
    /// Premix's bytes written out and every copy made.
    fn finish(&mut self) -> io::Result<()> {
        self.staged.finish()?;
        self.copy_pending()
    }

    fn read_back(&self) -> io::Result<ReadBack<'_>> {
        self.staged.read_back()
    }

    fn sync(&self) -> io::Result<()> {
        self.staged.sync()
    }

    /// Premix's own bytes read back in one stream and compared with `written`; every copied
    /// range read back and compared with the input's digest; the file as long as the
    /// pieces. On the rayon pool, the copies beside premix's bytes.
    fn holds(&self, written: Snapshot) -> io::Result<bool> {
        let (own, copies) = rayon::join(|| self.own_bytes_hold(written), || self.copies_hold());
        Ok(own? && copies?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged(dir: &std::path::Path) -> Staged {
        Staged::create(&dir.join("out.bin"), None).unwrap()
    }

    #[test]
    fn copies_and_own_bytes_are_written_in_order_and_verified() {
        let dir = tempfile::tempdir().unwrap();
        let input_path = dir.path().join("in.bin");
        let input_bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&input_path, &input_bytes).unwrap();
        let input = File::open(&input_path).unwrap();
        let ranges = [10..100_000u64, 200_000..300_000];
        let digests = ranges
            .iter()
            .map(|r| (r.clone(), range_digest(&input, r.clone()).unwrap()))
            .collect();
        let mut out = CopyingStaged::new(staged(dir.path()), &input, digests);
        out.bytes(b"head").unwrap();
        out.copy(ranges[0].clone()).unwrap();
        out.bytes(b"middle").unwrap();
        out.copy(ranges[1].clone()).unwrap();
        out.bytes(b"tail").unwrap();
        out.finish().unwrap();
        let mut expected = b"head".to_vec();
        expected.extend(&input_bytes[10..100_000]);
        expected.extend(b"middle");
        expected.extend(&input_bytes[200_000..]);
        expected.extend(b"tail");
        assert_eq!(std::fs::read(out.staged.path()).unwrap(), expected);
        let written = out.written();
        assert_eq!(written, Snapshot::of_bytes(b"headmiddletail"));
        assert!(out.holds(written).unwrap());
        // A range that was not checked is never copied.
        assert!(out.copy(0..5).is_err());
    }

    // A copy longer than a write-back chunk is made chunk by chunk, each chunk's write-back
    // started as it is made: the output holds every byte once, in place, and the copier's
    // own check (one thread, no rayon) finds the digests the pool's check finds.
    #[test]
    fn a_copy_of_many_write_back_chunks_lands_whole_and_checks_alike_on_one_thread() {
        let dir = tempfile::tempdir().unwrap();
        let input_path = dir.path().join("in.bin");
        // 2.5 write-back chunks and 5 digest chunks, with a ragged end.
        let len = 20 * 1024 * 1024 + 12_345u32;
        let input_bytes: Vec<u8> = (0..len)
            .map(|i| (i % 253) as u8 ^ (i >> 16) as u8)
            .collect();
        std::fs::write(&input_path, &input_bytes).unwrap();
        let input = File::open(&input_path).unwrap();
        let range = 7..u64::from(len);
        let digest = range_digest(&input, range.clone()).unwrap();
        assert_eq!(range_digest_here(&input, range.clone()).unwrap(), digest);
        let mut out = CopyingStaged::new(staged(dir.path()), &input, vec![(range.clone(), digest)]);
        out.bytes(b"own").unwrap();
        out.copy(range.clone()).unwrap();
        out.finish_own().unwrap();
        assert!(
            !out.copies_hold_here(&[]).unwrap(),
            "checked before the copy is made"
        );
        out.copy_pending().unwrap();
        let held = std::fs::read(out.staged.path()).unwrap();
        assert_eq!(&held[..3], b"own");
        assert!(held[3..] == input_bytes[7..], "the copy differs");
        assert!(out.copies_hold_here(&[]).unwrap());
        assert!(out.copies_hold().unwrap());
        // A byte changed in the output is caught by both checks.
        std::fs::write(out.staged.path(), {
            let mut damaged = held;
            damaged[9 * 1024 * 1024] ^= 1;
            damaged
        })
        .unwrap();
        assert!(!out.copies_hold_here(&[]).unwrap());
        assert!(!out.copies_hold().unwrap());
    }

    // `apply` checks premix's own bytes while the copies are still being made: they are in
    // place, the file has its final length (a copy that ends it included), and the copies
    // land in the gaps left for them, once.
    #[test]
    fn own_bytes_are_in_place_before_the_copies_fill_their_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let input_path = dir.path().join("in.bin");
        let input_bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 241) as u8).collect();
        std::fs::write(&input_path, &input_bytes).unwrap();
        let input = File::open(&input_path).unwrap();
        let ranges = [0..50_000u64, 120_000..200_000];
        let digests = ranges
            .iter()
            .map(|r| (r.clone(), range_digest(&input, r.clone()).unwrap()))
            .collect();
        let mut out = CopyingStaged::new(staged(dir.path()), &input, digests);
        out.copy(ranges[0].clone()).unwrap();
        out.bytes(b"own").unwrap();
        out.copy(ranges[1].clone()).unwrap();
        out.finish_own().unwrap();
        let path = out.staged.path().to_path_buf();
        let before = std::fs::read(&path).unwrap();
        assert_eq!(before.len(), 50_000 + 3 + 80_000);
        assert_eq!(&before[50_000..50_003], b"own");
        assert!(
            before[..50_000].iter().all(|&b| b == 0),
            "a copy made early"
        );
        assert!(out.own_bytes_hold(out.written()).unwrap());
        assert!(!out.copies_hold().unwrap());
        out.copy_pending().unwrap();
        out.copy_pending().unwrap();
        let mut expected = input_bytes[..50_000].to_vec();
        expected.extend(b"own");
        expected.extend(&input_bytes[120_000..]);
        assert_eq!(std::fs::read(&path).unwrap(), expected);
        assert!(out.holds(out.written()).unwrap());
    }

    #[test]
    fn a_copied_range_changed_on_disk_or_in_the_input_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let input_path = dir.path().join("in.bin");
        std::fs::write(&input_path, vec![7u8; 50_000]).unwrap();
        let input = File::open(&input_path).unwrap();
        let digest = range_digest(&input, 0..50_000).unwrap();
        // The input rewritten (same size) after it was checked: the copy holds the new save.
        std::fs::write(&input_path, vec![8u8; 50_000]).unwrap();
        let mut out = CopyingStaged::new(staged(dir.path()), &input, vec![(0..50_000, digest)]);
        out.bytes(b"x").unwrap();
        out.copy(0..50_000).unwrap();
        out.finish().unwrap();
        assert!(!out.holds(out.written()).unwrap());
        // The output changed on its way to the disk.
        std::fs::write(&input_path, vec![7u8; 50_000]).unwrap();
        let mut out = CopyingStaged::new(staged(dir.path()), &input, vec![(0..50_000, digest)]);
        out.bytes(b"x").unwrap();
        out.copy(0..50_000).unwrap();
        out.finish().unwrap();
        assert!(out.holds(out.written()).unwrap());
        let path = out.staged.path().to_path_buf();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[30_000] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(!out.holds(out.written()).unwrap());
    }

    #[test]
    fn a_digest_does_not_depend_on_where_the_bytes_lie() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        let mut bytes = vec![1u8; 3];
        bytes.extend((0..9_000_000u32).map(|i| (i % 13) as u8));
        std::fs::write(&path, &bytes).unwrap();
        let file = File::open(&path).unwrap();
        let other = dir.path().join("b.bin");
        std::fs::write(&other, &bytes[3..]).unwrap();
        let b = File::open(&other).unwrap();
        assert_eq!(
            range_digest(&file, 3..bytes.len() as u64).unwrap(),
            range_digest(&b, 0..bytes.len() as u64 - 3).unwrap()
        );
        assert_ne!(
            range_digest(&file, 2..bytes.len() as u64).unwrap(),
            range_digest(&b, 0..bytes.len() as u64 - 3).unwrap()
        );
    }
}
