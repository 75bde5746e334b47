//! The `.dawproject` container: a ZIP archive, read and rewritten without re-packing it.
//!
//! Reading checks the whole archive before premix trusts any of it: the end-of-central-
//! directory record, every central-directory entry, every local header (name, method, sizes
//! and CRC agree with the central directory, or with the data descriptor that follows the data
//! when general-purpose bit 3 is set, as Bitwig's Java `ZipOutputStream` writes them), the
//! entries laid out one after another without overlapping, and every entry's data inflated
//! (up to `--max-size`) and checked against its CRC-32. A truncated archive, a bad CRC, an
//! entry inflating past the limit, encryption, ZIP64 or a compression method other than stored
//! and deflate are refused with the byte offset of the problem.
//!
//! The archive is read from memory ([`read`]) or from its file without being held
//! ([`read_layout_parts`] reads the end record, the central directory, every local header and
//! data descriptor, and the entries asked for, into a buffer as long as the file whose other
//! pages are never touched; [`check_others`] then checks the rest from the file).
//!
//! Writing replaces the bytes of one entry (`project.xml`: its local header, data and data
//! descriptor, spelled like the original's) and patches the central directory in place: the
//! new entry's CRC and sizes, and the local-header offsets of the entries after it. Every
//! other byte (other entries' headers and compressed data, their timestamps, extra fields,
//! comments, the archive comment) is copied as it was: as pieces ([`write_pieces`]), the
//! ranges before and after the entry copies of the input ([`copied_ranges`], copied file to
//! file by [`crate::write::copying`]), the rest premix's bytes. The `zip` crate's
//! `ZipWriter::raw_copy_file` would not do: it writes a fresh local header for every copied
//! entry from parsed metadata (its own version fields and flags, no data descriptor, its own
//! extra fields), so the copies are not byte for byte.

use crate::deflate_splice::BlockStart;
use crate::formats::{FormatError, Place};
use crate::limits::Limits;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use std::io::{Read, Write};
use std::ops::Range;

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
const EOCD_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;

/// Stored (method 0) and deflate (method 8), the two methods premix can check.
pub const STORED: u16 = 0;
pub const DEFLATE: u16 = 8;

/// One entry of the archive, with where each of its parts lies in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub method: u16,
    /// General-purpose flags (bit 3: sizes and CRC follow the data in a data descriptor).
    pub flags: u16,
    pub crc: u32,
    pub compressed_size: u64,
    pub size: u64,
    /// The whole entry in the file: local header, data and data descriptor.
    pub span: Range<usize>,
    /// The compressed data.
    pub data: Range<usize>,
    /// The entry's central-directory record.
    pub central: Range<usize>,
    /// The data descriptor, when there is one (`span.end == descriptor.end`).
    pub descriptor: Option<Range<usize>>,
}

/// The archive's layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Archive {
    pub entries: Vec<Entry>,
    /// The central directory (every central record, in order).
    pub central: Range<usize>,
    /// The end-of-central-directory record, with the archive comment.
    pub eocd: Range<usize>,
}

impl Archive {
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The fields local headers and central records share, read from `base`, the offset of their
/// "version needed to extract" (4 bytes into a local header, 6 into a central record).
struct Fields {
    flags: u16,
    method: u16,
    crc: u32,
    compressed_size: u64,
    size: u64,
    name_len: usize,
    extra_len: usize,
}

fn fields(b: &[u8], base: usize) -> Fields {
    Fields {
        flags: u16_at(b, base + 2),
        method: u16_at(b, base + 4),
        crc: u32_at(b, base + 10),
        compressed_size: u32_at(b, base + 14) as u64,
        size: u32_at(b, base + 18) as u64,
        name_len: u16_at(b, base + 22) as usize,
        extra_len: u16_at(b, base + 24) as usize,
    }
}

fn damaged(at: usize, message: impl std::fmt::Display) -> FormatError {
    FormatError {
        place: Place::Byte(at as u64),
        message: format!("damaged DAWproject container: {message}"),
    }
}

/// An entry's inflated content.
pub type Content = Vec<u8>;

/// What checking one entry gave: its content when it was asked for.
type Checked = Result<Option<Vec<u8>>, FormatError>;

/// How much of the archive [`read`] checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Every entry inflated and its CRC checked (an input premix has not seen before).
    Everything,
    /// The layout, and the CRC of the entries premix reads; the data of the others is not
    /// inflated. For reading back an archive premix just wrote, whose other entries are copies
    /// of bytes checked when the input was read.
    Layout,
    /// The central directory and end record, and the local headers of the entries premix
    /// reads (those named in `read_whole`, or `trusting_all_but`'s list): for a container whose
    /// every entry was checked before and whose file is unchanged since (the check remembered
    /// under its fingerprint, [`crate::analysis::cache`]), or for the output copied from such
    /// a container. The other entries' local headers are not read: their [`Entry::span`]
    /// runs from their local header to the next entry (or the central directory) and their
    /// `data` and `descriptor` are unknown (`data` empty at the span's start). The copies of
    /// such entries are proved equal to the checked bytes by their digests
    /// ([`crate::write::copying`]).
    Remembered,
}

/// Reads and checks the archive's layout and, with [`Check::Everything`], every entry's
/// data. Entries named in `read_whole` are inflated and returned, in that order (`None` for
/// a name the archive lacks).
pub fn read(
    bytes: &[u8],
    limits: &Limits,
    check: Check,
    read_whole: &[&str],
) -> Result<(Archive, Vec<Option<Content>>), FormatError> {
    read_trusting(bytes, limits, check, read_whole, &[])
}

/// [`read`], with `also` naming the entries besides `read_whole` whose local headers
/// [`Check::Remembered`] reads and checks (and does not inflate).
pub fn read_trusting(
    bytes: &[u8],
    limits: &Limits,
    check: Check,
    read_whole: &[&str],
    also: &[&str],
) -> Result<(Archive, Vec<Option<Content>>), FormatError> {
    let archive = match check {
        Check::Remembered => layout(bytes, &|name| {
            read_whole.iter().chain(also).any(|w| w.as_bytes() == name)
        })?,
        Check::Everything | Check::Layout => layout(bytes, &|_| true)?,
    };
    let wanted: Vec<Option<usize>> = read_whole
        .iter()
        .map(|name| archive.entries.iter().position(|e| e.name == *name))
        .collect();
    let checked: Vec<usize> = match check {
        Check::Everything => (0..archive.entries.len()).collect(),
        Check::Layout | Check::Remembered => wanted.iter().flatten().copied().collect(),
    };
    // Entries are inflated on every core: the media dominate, and each is independent.
    use rayon::prelude::*;
    let results: Vec<(usize, Checked)> = checked
        .par_iter()
        .map(|&i| {
            let keep = wanted.contains(&Some(i));
            (i, inflate_checked(bytes, &archive.entries[i], limits, keep))
        })
        .collect();
    let mut kept: Vec<(usize, Vec<u8>)> = Vec::new();
    for (i, result) in results {
        if let Some(data) = result? {
            kept.push((i, data));
        }
    }
    let whole = wanted
        .iter()
        .map(|w| {
            let i = (*w)?;
            let at = kept.iter().position(|(k, _)| *k == i)?;
            Some(std::mem::take(&mut kept[at].1))
        })
        .collect();
    Ok((archive, whole))
}

/// The layout of the archive `bytes` as [`Check::Remembered`] reads it, the local headers of
/// the entries named in `also` read and checked, nothing inflated (for the copies a
/// reservation starts before the read: [`super::reserve::early_copies`]).
///
/// Errors: as [`read`]'s for the layout.
pub fn layout_of(bytes: &[u8], also: &[&str]) -> Result<Archive, FormatError> {
    layout(bytes, &|name| also.iter().any(|w| w.as_bytes() == name))
}

/// Inflates every entry of `archive` but those named in `except` and checks its size and CRC,
/// on every core; the first damaged entry (in archive order) is the error. The entries'
/// data is read from `archive_in`: the whole archive's bytes in memory, or its file (a block
/// at a time, the archive never held whole; laid out as `archive`, read from its parts,
/// [`read_layout_parts`]).
pub fn check_others(
    archive_in: Data<'_>,
    archive: &Archive,
    limits: &Limits,
    except: &[&str],
) -> Result<(), FormatError> {
    use rayon::prelude::*;
    let results: Vec<Result<(), FormatError>> = archive
        .entries
        .par_iter()
        .filter(|e| !except.contains(&e.name.as_str()))
        .map(|e| match archive_in {
            Data::Slice(bytes) => inflate_checked(bytes, e, limits, false).map(|_| ()),
            Data::File(_) => check_data(archive_in, e, limits, false).map(|_| ()),
        })
        .collect();
    results.into_iter().collect()
}

/// The content of `entry` of the archive `bytes`, checked (size, limit, CRC-32): a stored
/// entry borrowed where it lies, a deflated one inflated, with where its deflate blocks
/// after the first start (none for a stored one).
pub fn content<'a>(
    bytes: &'a [u8],
    entry: &Entry,
    limits: &Limits,
) -> Result<(std::borrow::Cow<'a, [u8]>, Vec<BlockStart>), FormatError> {
    if entry.method == STORED {
        let data = &bytes[entry.data.clone()];
        check_data(Data::Slice(data), entry, limits, false)?;
        return Ok((std::borrow::Cow::Borrowed(data), Vec::new()));
    }
    within_limit(entry, limits)?;
    let (kept, blocks) = inflate_recording(&bytes[entry.data.clone()], entry, limits)?;
    Ok((std::borrow::Cow::Owned(kept), blocks))
}

/// [`content`] of a deflated entry written by [`compress_keeping`] from `original` (the
/// original entry's deflate data, whose block starting at `from` was kept) and
/// `original_content` (its inflated content): the data before the kept bits is inflated and
/// checked, the kept bits are compared with the original's, and the content from the kept
/// block on is the original's (RFC 1951: a block inflates the same behind the same 32 KiB).
/// The result is the entry's content, as inflating it whole gives, checked as [`content`]
/// checks it (size, limit, CRC-32), its kept part inflated once only, when `original` was read.
///
/// Errors: the data does not end with the original's bits from `from` on, the bits before
/// them do not inflate to a stream that stops at a block end exactly there, behind the
/// original's 32 KiB before the block; a damaged stream, size or CRC; as [`content`].
pub fn content_kept(
    bytes: &[u8],
    entry: &Entry,
    limits: &Limits,
    from: BlockStart,
    original: &[u8],
    original_content: &[u8],
) -> Result<Vec<u8>, FormatError> {
    use crate::deflate_splice::WINDOW;
    within_limit(entry, limits)?;
    let not_kept = |what: &str| {
        damaged(
            entry.data.start,
            format!("{}: not the deflate data written ({what})", entry.name),
        )
    };
    let data = &bytes[entry.data.clone()];
    let first = (from.bit / 8) as usize;
    let offset = (from.bit % 8) as u32;
    let tail_len = original_content.len().saturating_sub(from.at as usize);
    let (Some(kept_len), true) = (original.len().checked_sub(first), from.at >= WINDOW) else {
        return Err(not_kept("the kept block lies outside the original"));
    };
    if data.len() <= kept_len || (entry.size as usize) < tail_len + WINDOW as usize {
        return Err(not_kept("shorter than the kept blocks"));
    }
    // The original's bits from the block on end the data, its first byte shared with the
    // empty blocks before it.
    let junction = data.len() - kept_len;
    let mask = (0xffu32 << offset) as u8;
    if data[junction + 1..] != original[first + 1..]
        || (data[junction] ^ original[first]) & mask != 0
    {
        return Err(not_kept("the kept blocks differ from the original's"));
    }
    let stop_bit = junction as u64 * 8 + u64::from(offset);
    let start_len = entry.size as usize - tail_len;
    let mut kept = crate::big_buffer::with_capacity(entry.size as usize);
    let mut inflate = crate::deflate_splice::Inflater::new();
    let mut hasher = crc32fast::Hasher::new();
    // Only the data up to the byte the kept bits start in is given: the stream must stop at
    // a block's end right there, having inflated exactly what comes before the kept content.
    let before_kept = &data[..stop_bit.div_ceil(8) as usize];
    let past = |_| not_kept("more inflated before the kept blocks than written");
    inflate_steps(
        &mut inflate,
        before_kept,
        &mut kept,
        start_len,
        &mut hasher,
        entry,
        past,
        |step| match step.next_block {
            Some(b) if b.bit >= stop_bit => {
                if b.bit == stop_bit && b.at == start_len as u64 {
                    Ok(true)
                } else {
                    Err(not_kept("no block ends where the kept blocks start"))
                }
            }
            _ if step.ended => Err(not_kept("no block ends where the kept blocks start")),
            _ => Ok(false),
        },
    )?;
    let at = from.at as usize;
    if kept[start_len - WINDOW as usize..] != original_content[at - WINDOW as usize..at] {
        return Err(not_kept("the kept blocks' window differs"));
    }
    let tail = &original_content[at..];
    kept.extend_from_slice(tail);
    let mut tail_crc = crc32fast::Hasher::new();
    tail_crc.update(tail);
    hasher.combine(&tail_crc);
    crc_checked(entry, hasher.finalize())?;
    Ok(kept)
}

/// [`content`] of a stored entry whose data was read apart from the archive's bytes (`data`,
/// owned: [`super::FileParts::read`]), checked as [`content`] checks it.
///
/// Errors: `data` is not as long as the entry's; as [`content`].
pub fn content_apart(
    data: Vec<u8>,
    entry: &Entry,
    limits: &Limits,
) -> Result<std::borrow::Cow<'static, [u8]>, FormatError> {
    if entry.method != STORED || data.len() != entry.data.len() {
        return Err(damaged(
            entry.data.start,
            format!("{}: not the stored data read apart", entry.name),
        ));
    }
    check_data(Data::Slice(&data), entry, limits, false)?;
    Ok(std::borrow::Cow::Owned(data))
}

/// The sizes of every entry but those named in `except` checked against `limits`, and
/// nothing else: for entries whose data was checked before (a remembered check).
pub fn check_sizes(archive: &Archive, limits: &Limits, except: &[&str]) -> Result<(), FormatError> {
    archive
        .entries
        .iter()
        .filter(|e| !except.contains(&e.name.as_str()))
        .try_for_each(|e| within_limit(e, limits))
}

/// The byte ranges of the archive that [`write_pieces`] copies as they are when it replaces
/// entry `index`: everything before the entry, and everything after it up to the central
/// directory (empty ranges left out).
pub fn copied_ranges(archive: &Archive, index: usize) -> Vec<Range<u64>> {
    let entry = &archive.entries[index];
    [
        0..entry.span.start as u64,
        entry.span.end as u64..archive.central.start as u64,
    ]
    .into_iter()
    .filter(|r| !r.is_empty())
    .collect()
}

/// Checks that `output`, the layout of an archive [`write_pieces`] wrote from the archive laid
/// out as `input` replacing entry `replaced`, is `input`'s: the same entries in the same
/// order with the same names, methods, flags, CRCs and sizes (but the replaced one's CRC and
/// sizes), each local header where the input's was, moved by how much the replaced entry
/// grew or shrank when it lies after it.
///
/// Errors: the first entry that differs, as an internal error.
pub fn check_copied_layout(
    input: &Archive,
    output: &Archive,
    replaced: &str,
) -> Result<(), FormatError> {
    let wrong = |what: String| {
        Err(FormatError::whole(format!(
            "internal error: the rewritten container's layout is not the input's ({what})"
        )))
    };
    if input.entries.len() != output.entries.len() {
        return wrong(format!(
            "{} entries instead of {}",
            output.entries.len(),
            input.entries.len()
        ));
    }
    let Some(r) = input.entries.iter().position(|e| e.name == replaced) else {
        return wrong(format!("no {replaced}"));
    };
    let (old, new) = (&input.entries[r], &output.entries[r]);
    if new.name != old.name || new.span.start != old.span.start {
        return wrong(format!("{replaced} moved"));
    }
    let delta = new.span.end as i64 - old.span.end as i64;
    for (i, (a, b)) in input.entries.iter().zip(&output.entries).enumerate() {
        let moved = a.span.start as i64
            + if a.span.start >= old.span.end {
                delta
            } else {
                0
            };
        let same = a.name == b.name
            && a.method == b.method
            && a.flags == b.flags
            && (i == r || (a.crc, a.compressed_size, a.size) == (b.crc, b.compressed_size, b.size))
            && b.span.start as i64 == moved;
        if !same {
            return wrong(format!("entry {} ({})", i + 1, b.name));
        }
    }
    let central = input.central.start as i64 + delta;
    if output.central.start as i64 != central || output.central.len() != input.central.len() {
        return wrong("the central directory moved".into());
    }
    Ok(())
}

/// Finds the end-of-central-directory record: the last signature whose comment length runs
/// exactly to the end of the file.
fn find_eocd(bytes: &[u8]) -> Result<usize, FormatError> {
    if bytes.len() < EOCD_LEN {
        return Err(damaged(
            0,
            "too short to be a ZIP archive (truncated, or not a .dawproject)",
        ));
    }
    let lowest = bytes.len().saturating_sub(EOCD_LEN + 0xffff);
    let mut at = bytes.len() - EOCD_LEN;
    loop {
        if u32_at(bytes, at) == EOCD_SIG
            && at + EOCD_LEN + u16_at(bytes, at + 20) as usize == bytes.len()
        {
            return Ok(at);
        }
        if at == lowest {
            break;
        }
        at -= 1;
    }
    Err(damaged(
        bytes.len(),
        "no end-of-central-directory record (the file is truncated, or not a ZIP archive)",
    ))
}

/// Hashes an entry's name in one call of XXH3, seeded per map as std's maps are (against
/// names crafted to collide): SipHash was a third of the time [`layout`] took on the
/// 7 419 names of the 2 000-track benchmark.
#[derive(Clone, Copy)]
struct NameHashes(u64);

impl NameHashes {
    fn new() -> NameHashes {
        use std::hash::BuildHasher;
        NameHashes(std::collections::hash_map::RandomState::new().hash_one(0u8))
    }
}

impl std::hash::BuildHasher for NameHashes {
    type Hasher = NameHasher;
    fn build_hasher(&self) -> NameHasher {
        NameHasher(self.0)
    }
}

/// [`NameHashes`]' hasher: each write hashes its bytes seeded with what came before.
struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxhash_rust::xxh3::xxh3_64_with_seed(bytes, self.0);
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0 ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The archive's layout: the end record, every central record, and the local header (and
/// data descriptor) of each entry whose name `local` accepts; see [`Check::Remembered`] for
/// the entries it does not.
fn layout(bytes: &[u8], local: &dyn Fn(&[u8]) -> bool) -> Result<Archive, FormatError> {
    let eocd = find_eocd(bytes)?;
    if eocd >= 20 && u32_at(bytes, eocd - 20) == ZIP64_LOCATOR_SIG {
        return Err(FormatError {
            place: Place::Byte(eocd as u64 - 20),
            message: "ZIP64 DAWproject containers (over 4 GiB or 65 535 entries) are not supported"
                .into(),
        });
    }
    let disk = u16_at(bytes, eocd + 4);
    let cd_disk = u16_at(bytes, eocd + 6);
    let on_disk = u16_at(bytes, eocd + 8) as usize;
    let count = u16_at(bytes, eocd + 10) as usize;
    let cd_size = u32_at(bytes, eocd + 12) as usize;
    let cd_offset = u32_at(bytes, eocd + 16) as usize;
    if disk != 0 || cd_disk != 0 || on_disk != count {
        return Err(damaged(eocd, "a multi-part (split) ZIP archive"));
    }
    if cd_offset.checked_add(cd_size) != Some(eocd) {
        return Err(damaged(
            eocd,
            format!(
                "the central directory ({cd_size} bytes at byte {cd_offset}) does not end where \
                 the end record starts (truncated or appended to)"
            ),
        ));
    }
    let local_wanted = local;
    let mut entries: Vec<Entry> = Vec::with_capacity(count);
    // Entries whose local header was not read: each runs to the next entry.
    let mut trusted: Vec<usize> = Vec::new();
    let mut names: std::collections::HashSet<&[u8], NameHashes> =
        std::collections::HashSet::with_capacity_and_hasher(count, NameHashes::new());
    let mut at = cd_offset;
    for n in 0..count {
        if at + CENTRAL_LEN > eocd || u32_at(bytes, at) != CENTRAL_SIG {
            return Err(damaged(
                at,
                format!("central-directory record {} of {count} is missing", n + 1),
            ));
        }
        let Fields {
            flags,
            method,
            crc,
            compressed_size,
            size,
            name_len,
            extra_len,
        } = fields(bytes, at + 6);
        let comment_len = u16_at(bytes, at + 32) as usize;
        let start_disk = u16_at(bytes, at + 34);
        let local = u32_at(bytes, at + 42) as usize;
        let end = at + CENTRAL_LEN + name_len + extra_len + comment_len;
        if end > eocd {
            return Err(damaged(at, "a central-directory record runs past its end"));
        }
        let name_bytes = &bytes[at + CENTRAL_LEN..at + CENTRAL_LEN + name_len];
        let name = match std::str::from_utf8(name_bytes) {
            Ok(name) => name.to_owned(),
            Err(_) => String::from_utf8_lossy(name_bytes).into_owned(),
        };
        if compressed_size == 0xffff_ffff || size == 0xffff_ffff || local == 0xffff_ffff {
            return Err(FormatError {
                place: Place::Byte(at as u64),
                message: format!("{name}: ZIP64 entries are not supported"),
            });
        }
        if start_disk != 0 {
            return Err(damaged(
                at,
                format!("{name}: on another disk of a split archive"),
            ));
        }
        if flags & 1 != 0 {
            return Err(FormatError {
                place: Place::Byte(at as u64),
                message: format!("{name}: encrypted entries are not supported"),
            });
        }
        if method != STORED && method != DEFLATE {
            return Err(FormatError {
                place: Place::Byte(at as u64),
                message: format!(
                    "{name}: compression method {method} is not supported (stored and deflate are)"
                ),
            });
        }
        if !names.insert(name_bytes) {
            return Err(damaged(at, format!("{name} is in the archive twice")));
        }
        let entry = Entry {
            name,
            method,
            flags,
            crc,
            compressed_size,
            size,
            span: local..local,
            data: local..local,
            central: at..end,
            descriptor: None,
        };
        let entry = if local_wanted(name_bytes) {
            local_entry(bytes, local, cd_offset, name_bytes, entry)?
        } else if local
            .checked_add(LOCAL_LEN)
            .is_none_or(|end| end > cd_offset)
        {
            return Err(damaged(
                local,
                format!(
                    "{}: no local header where the central directory says",
                    entry.name
                ),
            ));
        } else {
            trusted.push(entries.len());
            entry
        };
        entries.push(entry);
        at = end;
    }
    if at != eocd {
        return Err(damaged(at, "bytes after the last central-directory record"));
    }
    // The entries in file order (stable: those at one offset in central-directory order),
    // sorted only when the central directory lists them otherwise (writers list them in
    // file order).
    let mut by_offset: Vec<usize> = (0..entries.len()).collect();
    if !entries
        .windows(2)
        .all(|w| w[0].span.start <= w[1].span.start)
    {
        by_offset.sort_by_key(|&i| entries[i].span.start);
    }
    // An entry whose local header was not read runs to the next offset after its own (or to
    // the central directory).
    if !trusted.is_empty() {
        let mut trusting = vec![false; entries.len()];
        for &i in &trusted {
            trusting[i] = true;
        }
        let mut next = cd_offset;
        for k in (0..by_offset.len()).rev() {
            let i = by_offset[k];
            let start = entries[i].span.start;
            if let Some(&after) = by_offset.get(k + 1)
                && entries[after].span.start > start
            {
                next = entries[after].span.start;
            }
            if trusting[i] {
                entries[i].span = start..next;
            }
        }
    }
    // Entries never overlap: a file that is a valid archive only by sharing bytes between
    // entries would change under a rewrite.
    for pair in by_offset.windows(2) {
        let (a, b) = (&entries[pair[0]], &entries[pair[1]]);
        if b.span.start < a.span.end {
            return Err(damaged(
                b.span.start,
                format!("entries {} and {} overlap", a.name, b.name),
            ));
        }
    }
    Ok(Archive {
        entries,
        central: cd_offset..eocd,
        eocd: eocd..bytes.len(),
    })
}

/// Checks the local header at `local` (and the data descriptor after the data, when it has
/// one) against the central record `entry`, and fills in the entry's spans. Nothing of the
/// entry may reach `limit` (the central directory).
fn local_entry(
    bytes: &[u8],
    local: usize,
    limit: usize,
    name_bytes: &[u8],
    mut entry: Entry,
) -> Result<Entry, FormatError> {
    let name = entry.name.clone();
    if local.checked_add(LOCAL_LEN).is_none_or(|end| end > limit)
        || u32_at(bytes, local) != LOCAL_SIG
    {
        return Err(damaged(
            local,
            format!("{name}: no local header where the central directory says"),
        ));
    }
    let Fields {
        flags,
        method,
        crc,
        compressed_size,
        size,
        name_len,
        extra_len,
    } = fields(bytes, local + 4);
    let data_start = local + LOCAL_LEN + name_len + extra_len;
    if data_start > limit || &bytes[local + LOCAL_LEN..local + LOCAL_LEN + name_len] != name_bytes {
        return Err(damaged(
            local,
            format!("{name}: the local header names another file"),
        ));
    }
    if method != entry.method {
        return Err(damaged(
            local,
            format!("{name}: the local header and the central directory disagree on the method"),
        ));
    }
    let data_end = data_start as u64 + entry.compressed_size;
    if data_end > limit as u64 {
        return Err(damaged(
            data_start,
            format!(
                "{name}: its {} bytes of data run into the central directory (truncated?)",
                entry.compressed_size
            ),
        ));
    }
    let data_end = data_end as usize;
    let agrees =
        |c: u32, cs: u64, s: u64| c == entry.crc && cs == entry.compressed_size && s == entry.size;
    let mut end = data_end;
    if flags & 8 != 0 {
        // Sizes and CRC follow the data, with or without the descriptor's signature; the local
        // header holds zeros or the same values.
        let signed = data_end + 4 <= limit && u32_at(bytes, data_end) == DESCRIPTOR_SIG;
        let fields = if signed { data_end + 4 } else { data_end };
        if fields + 12 > limit {
            return Err(damaged(
                data_end,
                format!("{name}: its data descriptor is missing"),
            ));
        }
        let (c, cs, s) = (
            u32_at(bytes, fields),
            u32_at(bytes, fields + 4) as u64,
            u32_at(bytes, fields + 8) as u64,
        );
        if !agrees(c, cs, s) {
            return Err(damaged(
                data_end,
                format!("{name}: its data descriptor and the central directory disagree"),
            ));
        }
        if !(agrees(crc, compressed_size, size) || (crc, compressed_size, size) == (0, 0, 0)) {
            return Err(damaged(
                local,
                format!("{name}: the local header and the central directory disagree"),
            ));
        }
        end = fields + 12;
        entry.descriptor = Some(data_end..end);
    } else if !agrees(crc, compressed_size, size) {
        return Err(damaged(
            local,
            format!("{name}: the local header and the central directory disagree on size or CRC"),
        ));
    }
    entry.span = local..end;
    entry.data = data_start..data_end;
    Ok(entry)
}

/// Inflates (or for a stored entry, reads) `entry`'s data, checking its size against the
/// central record and `limits` and its CRC-32; returns the data when `keep`.
fn inflate_checked(
    bytes: &[u8],
    entry: &Entry,
    limits: &Limits,
    keep: bool,
) -> Result<Option<Vec<u8>>, FormatError> {
    check_data(Data::Slice(&bytes[entry.data.clone()]), entry, limits, keep)
}

/// Where an entry's compressed data is read from.
#[derive(Clone, Copy)]
pub enum Data<'a> {
    Slice(&'a [u8]),
    /// A file, from `entry.data.start`, `entry.compressed_size` bytes.
    File(&'a std::fs::File),
}

/// Checks the size of `entry` against the limit, before anything of it is read.
fn within_limit(entry: &Entry, limits: &Limits) -> Result<(), FormatError> {
    if entry.size > limits.max_project_bytes {
        return Err(FormatError {
            place: Place::Byte(entry.span.start as u64),
            message: format!(
                "{}: {}",
                entry.name,
                limits.too_large(entry.size, "the entry, inflated,")
            ),
        });
    }
    Ok(())
}

/// [`inflate_checked`] of data in memory or in a file.
fn check_data(
    data: Data<'_>,
    entry: &Entry,
    limits: &Limits,
    keep: bool,
) -> Result<Option<Vec<u8>>, FormatError> {
    let max = limits.max_project_bytes;
    within_limit(entry, limits)?;
    let io_error = |e: std::io::Error| {
        damaged(
            entry.data.start,
            format!("{}: its data cannot be read ({e})", entry.name),
        )
    };
    let mut hasher = crc32fast::Hasher::new();
    let mut kept = Vec::new();
    let mut total: u64 = 0;
    let compressed = entry.data.len() as u64;
    // Blocks no larger than the entry: most entries are small, and a large block per entry
    // would be a fresh mapping (and page faults) each time.
    let block = |len: u64| (len.min(256 * 1024) as usize).max(64);
    if entry.method == STORED {
        match data {
            Data::Slice(data) => {
                hasher.update(data);
                total = data.len() as u64;
                if keep {
                    kept = data.to_vec();
                }
            }
            Data::File(file) => {
                if keep {
                    kept.reserve(compressed as usize);
                }
                let mut buffer = vec![0u8; block(compressed)];
                while total < compressed {
                    let n = ((compressed - total) as usize).min(buffer.len());
                    read_exact_at(file, &mut buffer[..n], entry.data.start as u64 + total)
                        .map_err(io_error)?;
                    hasher.update(&buffer[..n]);
                    if keep {
                        kept.extend_from_slice(&buffer[..n]);
                    }
                    total += n as u64;
                }
            }
        }
    } else if let (true, Data::Slice(data)) = (keep, data) {
        return inflate_whole(data, entry, limits).map(Some);
    } else {
        let source: Box<dyn Read + '_> = match data {
            Data::Slice(data) => Box::new(data),
            Data::File(file) => Box::new(std::io::BufReader::with_capacity(
                block(compressed),
                Window {
                    file,
                    start: entry.data.start as u64,
                    len: compressed,
                    at: 0,
                },
            )),
        };
        let mut decoder = DeflateDecoder::new(source);
        let mut buffer = vec![0u8; block(entry.size + 1)];
        loop {
            let n = decoder.read(&mut buffer).map_err(|e| {
                damaged(
                    entry.data.start,
                    format!("{}: bad deflate data ({e})", entry.name),
                )
            })?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > entry.size || total > max {
                return Err(inflated_past(entry, total, limits));
            }
            hasher.update(&buffer[..n]);
            if keep {
                kept.extend_from_slice(&buffer[..n]);
            }
        }
        if decoder.total_in() != compressed {
            return Err(damaged(
                entry.data.start,
                format!(
                    "{}: the deflate data ends after {} of its {} bytes",
                    entry.name,
                    decoder.total_in(),
                    compressed
                ),
            ));
        }
    }
    if total != entry.size {
        return Err(damaged(
            entry.data.start,
            format!(
                "{}: {total} bytes inflated, the header gives {}",
                entry.name, entry.size
            ),
        ));
    }
    crc_checked(entry, hasher.finalize())?;
    Ok(keep.then_some(kept))
}

/// A deflated entry's data inflated whole (project.xml, which premix keeps): in one pass
/// straight into a buffer of the size its header gives ([`crate::big_buffer`], no block
/// copied twice), each megabyte's CRC-32 taken as it is written, while it is in the cache.
/// The checks and their errors are [`check_data`]'s: data that inflates past the header's
/// size (or `limits`) is refused at the first byte past it, and so are damaged or incomplete
/// deflate data, data that ends before its compressed size, fewer bytes than the header
/// gives and a bad CRC.
fn inflate_whole(data: &[u8], entry: &Entry, limits: &Limits) -> Result<Vec<u8>, FormatError> {
    inflate_recording(data, entry, limits).map(|(kept, _)| kept)
}

/// [`inflate_whole`], with where each of the data's deflate blocks after the first starts
/// (what a rewrite may keep of it: [`crate::deflate_splice`]).
fn inflate_recording(
    data: &[u8],
    entry: &Entry,
    limits: &Limits,
) -> Result<(Vec<u8>, Vec<BlockStart>), FormatError> {
    // within_limit: the size fits in memory, and the buffer is no larger than the limit.
    let size = entry.size as usize;
    let mut kept = crate::big_buffer::with_capacity(size);
    let mut inflate = crate::deflate_splice::Inflater::new();
    let mut blocks = Vec::new();
    let mut hasher = crc32fast::Hasher::new();
    let past = |total| inflated_past(entry, total, limits);
    inflate_steps(
        &mut inflate,
        data,
        &mut kept,
        size,
        &mut hasher,
        entry,
        past,
        |step| {
            // One block start per window of content at most: a stream of tiny (or empty) blocks
            // records no more than the content's length over 32 KiB, and a kept block is at most
            // that much later than the first one could be.
            if let Some(b) = step.next_block
                && blocks
                    .last()
                    .is_none_or(|l: &BlockStart| b.at >= l.at + crate::deflate_splice::WINDOW)
            {
                blocks.push(b);
            }
            Ok(step.ended)
        },
    )?;
    if inflate.total_in() != data.len() as u64 {
        return Err(damaged(
            entry.data.start,
            format!(
                "{}: the deflate data ends after {} of its {} bytes",
                entry.name,
                inflate.total_in(),
                data.len()
            ),
        ));
    }
    if kept.len() != size {
        return Err(damaged(
            entry.data.start,
            format!(
                "{}: {} bytes inflated, the header gives {}",
                entry.name,
                kept.len(),
                entry.size
            ),
        ));
    }
    crc_checked(entry, hasher.finalize())?;
    Ok((kept, blocks))
}

/// Inflates `data` with `inflate` into `out` (whose capacity is at least `limit`), up to
/// `limit` bytes, the CRC-32 taken as it goes, a step at a time: `done` is told of each
/// step (after its bytes are in `out`) and says whether to stop there. Past `limit`, one
/// byte of room more: a step that fills it fails with `past(total inflated)`.
///
/// Errors: bad deflate data; no progress with room to spare (the data stops short);
/// `past`; what `done` returns.
#[allow(clippy::too_many_arguments)]
fn inflate_steps(
    inflate: &mut crate::deflate_splice::Inflater,
    data: &[u8],
    out: &mut Vec<u8>,
    limit: usize,
    hasher: &mut crc32fast::Hasher,
    entry: &Entry,
    past: impl Fn(u64) -> FormatError,
    mut done: impl FnMut(&crate::deflate_splice::Step) -> Result<bool, FormatError>,
) -> Result<(), FormatError> {
    let bad = |e: &dyn std::fmt::Display| {
        damaged(
            entry.data.start,
            format!("{}: bad deflate data ({e})", entry.name),
        )
    };
    const STEP: usize = 1 << 20;
    let mut one_more = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    loop {
        let before = out.len();
        let input = &data[inflate.total_in() as usize..];
        let full = before == limit;
        let room = if full {
            &mut one_more[..]
        } else {
            &mut out.spare_capacity_mut()[..(limit - before).min(STEP)]
        };
        let step = inflate.inflate(input, room).map_err(|e| bad(&e))?;
        if full && step.written > 0 {
            return Err(past(inflate.total_out()));
        }
        if !full {
            // SAFETY: `inflate` initialised the first `written` bytes of `room`, the spare
            // capacity right after the buffer's `before` bytes.
            unsafe { out.set_len(before + step.written) };
            hasher.update(&out[before..]);
        }
        if done(&step)? {
            return Ok(());
        }
        if step.read == 0 && step.written == 0 {
            // No progress with room to spare: the input ran out, the stream stops short.
            return Err(bad(&"incomplete deflate stream"));
        }
    }
}

/// `Ok` when `crc`, the CRC-32 of `entry`'s content as read, is the one its header gives.
fn crc_checked(entry: &Entry, crc: u32) -> Result<(), FormatError> {
    if crc == entry.crc {
        return Ok(());
    }
    Err(damaged(
        entry.data.start,
        format!(
            "{}: bad CRC ({crc:08x}, the header gives {:08x})",
            entry.name, entry.crc
        ),
    ))
}

/// The error for `entry` inflating to `total` bytes, past its header's size or past
/// `--max-size` (which is said first).
fn inflated_past(entry: &Entry, total: u64, limits: &Limits) -> FormatError {
    let message = if total > limits.max_project_bytes {
        format!(
            "{}: {}",
            entry.name,
            limits.too_large(total, "the entry, inflated, (at least)")
        )
    } else {
        format!(
            "{}: inflates past the {} bytes its header gives",
            entry.name, entry.size
        )
    };
    FormatError {
        place: Place::Byte(entry.data.start as u64),
        message,
    }
}

/// The deflate level of a rewritten entry: 1, the fastest. Any deflate level reads back the
/// same in every DAW (the level is not recorded in the container), and project.xml is a small
/// part of a container that holds media: on the 2 000-track benchmark project (12.2 MB of
/// XML) level 1 writes 663 KB where Bitwig's level 6 (Java's `Deflater.DEFAULT_COMPRESSION`)
/// writes 358 KB, 0.5 % of the 64 MB container, for about a fifth of the CPU time.
pub const LEVEL: u32 = 1;

/// A rewritten entry's new content, compressed the way the original was.
pub struct NewData {
    pub crc: u32,
    pub size: u64,
    /// Stored or deflated bytes, as the entry's method says.
    pub data: Vec<u8>,
}

/// Compresses the pieces `feed` writes with `method` (deflate on every core, through
/// [`crate::parallel_gzip::ParallelGzip`], whose gzip framing is dropped: its trailer gives the
/// CRC-32 and the size).
pub fn compress(
    method: u16,
    size_hint: usize,
    feed: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<NewData> {
    if method == STORED {
        let mut data = Vec::with_capacity(size_hint);
        feed(&mut data)?;
        return Ok(NewData {
            crc: crc32fast::hash(&data),
            size: data.len() as u64,
            data,
        });
    }
    let mut gz = crate::parallel_gzip::ParallelGzip::new(LEVEL, 0, size_hint / 6);
    feed(&mut gz)?;
    let mut gz = gz.finish()?;
    let n = gz.len();
    let crc = u32::from_le_bytes(gz[n - 8..n - 4].try_into().expect("gzip trailer"));
    let size = u32::from_le_bytes(gz[n - 4..].try_into().expect("gzip trailer")) as u64;
    gz.truncate(n - 8);
    gz.drain(..10);
    Ok(NewData {
        crc,
        size,
        data: gz,
    })
}

/// [`compress`], keeping the original's deflate data from a block on: with `kept` (the
/// original entry's deflate data and a block start in it, [`crate::deflate_splice::kept_from`]),
/// the pieces `feed` writes are the new content before that block, deflated and followed by
/// the original's bits from the block on, which inflate to `tail` (the original's content
/// from the block on); the CRC-32 and size are the whole new content's.
pub fn compress_keeping(
    method: u16,
    size_hint: usize,
    kept: Option<(&[u8], BlockStart)>,
    tail: &[u8],
    feed: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<NewData> {
    let Some((original, from)) = kept.filter(|_| method == DEFLATE) else {
        return compress(method, size_hint, feed);
    };
    // The kept content's CRC-32 on a thread of its own while the start is deflated (`feed`
    // borrows the edits and is not `Send`).
    let (tail_crc, start) = std::thread::scope(|scope| {
        let tail_crc = scope.spawn(|| {
            let mut h = crc32fast::Hasher::new();
            h.update(tail);
            h
        });
        let start = (|| {
            let mut gz = crate::parallel_gzip::ParallelGzip::new(LEVEL, 0, size_hint / 6);
            feed(&mut gz)?;
            gz.finish_open()
        })();
        (tail_crc.join().expect("a CRC-32 does not panic"), start)
    });
    let (mut data, mut crc, size) = start?;
    data.reserve(original.len() - (from.bit / 8) as usize + 4);
    crate::deflate_splice::append_kept(&mut data, original, from);
    crc.combine(&tail_crc);
    Ok(NewData {
        crc: crc.finalize(),
        size: size + tail.len() as u64,
        data,
    })
}

/// What replaces an entry's data: compressed bytes held, or (stored) bytes that `feed`
/// writes, as often as asked, never held whole.
pub enum Replacement<'a> {
    Held(&'a NewData),
    Stored {
        crc: u32,
        size: u64,
        feed: &'a dyn Fn(&mut dyn Write) -> std::io::Result<()>,
    },
}

/// A [`Write`] into [`crate::write::copying::Pieces`] as premix's bytes.
struct IntoPieces<'a>(&'a mut dyn crate::write::copying::Pieces);

impl Write for IntoPieces<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.bytes(bytes)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Single-threaded deflate of `data` (for tests and small entries).
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = DeflateEncoder::new(Vec::new(), Compression::new(LEVEL));
    e.write_all(data).expect("in memory");
    e.finish().expect("in memory")
}

fn too_big(what: &str) -> FormatError {
    FormatError::whole(format!(
        "the rewritten DAWproject container would need ZIP64 ({what} past 4 GiB), which premix \
         does not write"
    ))
}

/// Writes the archive `bytes` (laid out as `archive`) with entry `index` replaced by `new`:
/// every byte before and after the entry as it was, the entry's local header as it was but
/// for its CRC and sizes (left zero when the original left them to the data descriptor), its
/// data descriptor in the original's spelling, and the central directory with the entry's
/// CRC and sizes and the shifted offsets of what follows it.
pub fn write_replacing(
    bytes: &[u8],
    archive: &Archive,
    index: usize,
    new: &NewData,
    out: &mut dyn Write,
) -> Result<(), crate::formats::WriteError> {
    let mut out = crate::write::copying::InMemory { input: bytes, out };
    write_pieces(
        bytes,
        archive,
        index,
        Replacement::Held(new),
        None,
        &mut out,
    )
}

/// [`write_replacing`] as pieces: the ranges kept as they are ([`copied_ranges`]) are
/// copies of the input, the rest premix's bytes. `bytes` need only hold the layout (the
/// end record, the central directory and the replaced entry's local header,
/// [`read_layout_parts`]). With `reserved`, held data is filled up to that many compressed
/// bytes ([`super::reserve`]), so the copies lie where [`super::reserve::copy_places`] says.
///
/// Errors: the rewrite would need ZIP64; `reserved` cannot be filled exactly (an internal
/// error: the caller checks [`super::reserve::padding`]); `out` fails.
pub fn write_pieces(
    bytes: &[u8],
    archive: &Archive,
    index: usize,
    new: Replacement<'_>,
    reserved: Option<u64>,
    out: &mut dyn crate::write::copying::Pieces,
) -> Result<(), crate::formats::WriteError> {
    let entry = &archive.entries[index];
    let (crc, compressed, size) = match &new {
        Replacement::Held(new) => (new.crc, new.data.len() as u64, new.size),
        Replacement::Stored { crc, size, .. } => (*crc, *size, *size),
    };
    let new_crc = crc;
    // Filled up to a reserved length with empty blocks before the data ([`super::reserve`]).
    let padding = match (reserved, &new) {
        (None, _) => Vec::new(),
        (Some(len), Replacement::Held(_)) => len
            .checked_sub(compressed)
            .and_then(super::reserve::padding)
            .ok_or_else(|| {
                FormatError::whole(format!(
                    "internal error: {compressed} bytes of {} do not fill the {len} reserved",
                    entry.name
                ))
            })?,
        (Some(_), Replacement::Stored { .. }) => {
            return Err(
                FormatError::whole("internal error: a reservation for a stored entry").into(),
            );
        }
    };
    let compressed = compressed + padding.len() as u64;
    let compressed = u32::try_from(compressed).map_err(|_| too_big(&entry.name))?;
    let size = u32::try_from(size).map_err(|_| too_big(&entry.name))?;
    let old_len = entry.span.len() as i64;
    let mut header = bytes[entry.span.start..entry.data.start].to_vec();
    let descriptor_in_header = u32_at(&header, 14) != 0 || u32_at(&header, 18) != 0;
    if entry.descriptor.is_none() || descriptor_in_header {
        header[14..18].copy_from_slice(&new_crc.to_le_bytes());
        header[18..22].copy_from_slice(&compressed.to_le_bytes());
        header[22..26].copy_from_slice(&size.to_le_bytes());
    }
    let mut descriptor = Vec::new();
    if let Some(d) = &entry.descriptor {
        if d.len() == 16 {
            descriptor.extend_from_slice(&DESCRIPTOR_SIG.to_le_bytes());
        }
        descriptor.extend_from_slice(&new_crc.to_le_bytes());
        descriptor.extend_from_slice(&compressed.to_le_bytes());
        descriptor.extend_from_slice(&size.to_le_bytes());
    }
    let new_len = record_len(entry, u64::from(compressed)) as i64;
    debug_assert_eq!(
        new_len as usize,
        header.len() + compressed as usize + descriptor.len()
    );
    let delta = new_len - old_len;
    let shift = |offset: usize| -> Result<u32, FormatError> {
        let moved = offset as i64 + if offset >= entry.span.end { delta } else { 0 };
        u32::try_from(moved).map_err(|_| too_big("an offset"))
    };

    let mut central = bytes[archive.central.clone()].to_vec();
    let base = archive.central.start;
    for e in &archive.entries {
        let at = e.central.start - base;
        let local = shift(e.span.start)?;
        central[at + 42..at + 46].copy_from_slice(&local.to_le_bytes());
    }
    let at = entry.central.start - base;
    central[at + 16..at + 20].copy_from_slice(&new_crc.to_le_bytes());
    central[at + 20..at + 24].copy_from_slice(&compressed.to_le_bytes());
    central[at + 24..at + 28].copy_from_slice(&size.to_le_bytes());
    let mut eocd = bytes[archive.eocd.clone()].to_vec();
    eocd[16..20].copy_from_slice(&shift(archive.central.start)?.to_le_bytes());

    let copied = copied_ranges(archive, index);
    let (before, after) = (
        copied.iter().find(|r| r.end == entry.span.start as u64),
        copied.iter().find(|r| r.start == entry.span.end as u64),
    );
    if let Some(r) = before {
        out.copy(r.clone())?;
    }
    out.bytes(&header)?;
    out.bytes(&padding)?;
    match new {
        Replacement::Held(new) => out.bytes(&new.data)?,
        Replacement::Stored { feed, .. } => feed(&mut IntoPieces(&mut *out))?,
    }
    out.bytes(&descriptor)?;
    if let Some(r) = after {
        out.copy(r.clone())?;
    }
    out.bytes(&central)?;
    out.bytes(&eocd)?;
    Ok(())
}

/// The length of entry `entry`'s record rewritten with `compressed` bytes of data: its local
/// header as it is, the data, and its data descriptor spelled as [`write_pieces`] spells it.
pub fn record_len(entry: &Entry, compressed: u64) -> u64 {
    let header = entry.data.start - entry.span.start;
    let descriptor = match &entry.descriptor {
        Some(d) if d.len() == 16 => 16,
        Some(_) => 12,
        None => 0,
    };
    (header + descriptor) as u64 + compressed
}

/// The archive `bytes` (laid out as `archive`) as it is, as pieces: the ranges
/// [`write_pieces`] copies, copied, and entry `index` (its data `data`), the central
/// directory and the end record (which `bytes` must hold) as premix's bytes.
pub fn write_unchanged(
    bytes: &[u8],
    archive: &Archive,
    index: usize,
    data: &[u8],
    out: &mut dyn crate::write::copying::Pieces,
) -> std::io::Result<()> {
    let entry = &archive.entries[index];
    // The entry as it was: its header and descriptor from `bytes`, its data `data` (which
    // `bytes` need not hold: a stored project.xml read apart, `super::FileParts`).
    let record = |out: &mut dyn crate::write::copying::Pieces| {
        out.bytes(&bytes[entry.span.start..entry.data.start])?;
        out.bytes(data)?;
        out.bytes(&bytes[entry.data.end..entry.span.end])
    };
    for r in copied_ranges(archive, index) {
        if r.start == entry.span.end as u64 {
            record(out)?;
        }
        out.copy(r)?;
    }
    if entry.span.end == archive.central.start {
        record(out)?;
    }
    out.bytes(&bytes[archive.central.start..])
}

/// One entry of a container on disk, found without reading the container whole (for the
/// audio analysis of embedded media: [`find_member`], [`MemberReader`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub method: u16,
    pub crc: u32,
    pub compressed_size: u64,
    pub size: u64,
    /// Where the entry's (compressed) data starts in the file.
    pub data_start: u64,
}

fn read_exact_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
    }
    #[cfg(not(unix))]
    {
        use std::io::Seek;
        let mut f = file;
        f.seek(std::io::SeekFrom::Start(at))?;
        f.read_exact(buf)
    }
}

/// Finds the entry `name` of the ZIP archive in `file`: reads the end record from the end of
/// the file, then the central directory a block at a time until the entry's record (writers
/// list project.xml among the first: the 2 000-track benchmark's 570 KB directory is read
/// 64 KB of it), then the entry's local header (a few kilobytes, not the archive). `None`
/// when the archive holds no such entry.
///
/// Errors: an I/O error; `InvalidData` when the archive's layout is damaged (the full checks
/// are [`read`]'s, made when the project itself is read), or the entry uses a method other than
/// stored and deflate.
pub fn find_member(file: &std::fs::File, name: &str) -> std::io::Result<Option<Member>> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let len = file.metadata()?.len();
    let tail_len = len.min((EOCD_LEN + 0xffff) as u64) as usize;
    let mut tail = vec![0u8; tail_len];
    read_exact_at(file, &mut tail, len - tail_len as u64)?;
    let eocd = find_eocd(&tail).map_err(|e| bad(&e.message))?;
    let cd_size = u32_at(&tail, eocd + 12) as u64;
    let cd_offset = u32_at(&tail, eocd + 16) as u64;
    if cd_offset + cd_size > len {
        return Err(bad(
            "damaged DAWproject container: the central directory lies past its end",
        ));
    }
    drop(tail);
    let mut cd = std::io::BufReader::with_capacity(
        (cd_size as usize).clamp(64, 64 * 1024),
        Window {
            file,
            start: cd_offset,
            len: cd_size,
            at: 0,
        },
    );
    let mut record = [0u8; CENTRAL_LEN];
    let mut record_name = Vec::new();
    loop {
        // A directory that ends (or is cut) before a record does not hold the entry.
        if !fill_exact(&mut cd, &mut record)? || u32_at(&record, 0) != CENTRAL_SIG {
            return Ok(None);
        }
        let f = fields(&record, 6);
        let comment_len = u16_at(&record, 32) as usize;
        record_name.resize(f.name_len, 0);
        if !fill_exact(&mut cd, &mut record_name)? {
            return Ok(None);
        }
        if record_name != name.as_bytes() {
            std::io::copy(
                &mut (&mut cd).take((f.extra_len + comment_len) as u64),
                &mut std::io::sink(),
            )?;
            continue;
        }
        if f.method != STORED && f.method != DEFLATE {
            return Err(bad("a compression method other than stored and deflate"));
        }
        let local = u32_at(&record, 42) as u64;
        let mut header = [0u8; LOCAL_LEN];
        read_exact_at(file, &mut header, local)?;
        if u32_at(&header, 0) != LOCAL_SIG {
            return Err(bad(
                "damaged DAWproject container: a local header is missing",
            ));
        }
        let data_start =
            local + LOCAL_LEN as u64 + u16_at(&header, 26) as u64 + u16_at(&header, 28) as u64;
        if data_start + f.compressed_size > len {
            return Err(bad(
                "damaged DAWproject container: an entry runs past its end",
            ));
        }
        return Ok(Some(Member {
            method: f.method,
            crc: f.crc,
            compressed_size: f.compressed_size,
            size: f.size,
            data_start,
        }));
    }
}

/// Fills `buf` from `from`: false when `from` ends first.
fn fill_exact(from: &mut impl Read, buf: &mut [u8]) -> std::io::Result<bool> {
    match from.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// The parts of the archive in `file` that [`read`] with [`Check::Layout`] looks at, read into
/// a buffer as long as the file, the rest left zero: the end record and central directory,
/// every local header and data descriptor, and the data of the entries named in `whole`.
/// Zeroed memory this large is mapped lazily, so the media in between are neither read nor
/// made resident. For reading back an archive premix just wrote, whose other entries are
/// copies of checked bytes: a part left out makes [`read`] refuse the archive, never accept a
/// damaged one.
///
/// Errors: an I/O error (a damaged layout reads as far as it can; [`read`] then says where
/// it is damaged).
pub fn read_layout_parts(file: &std::fs::File, whole: &[&str]) -> std::io::Result<Vec<u8>> {
    read_layout_parts_of(file, whole, true)
}

/// [`read_layout_parts`], reading only the local headers of the entries named in `whole`
/// unless `every_local`: what [`Check::Remembered`] looks at. The buffer's pages that hold
/// nothing read are never touched (an archive of thousands of small media would otherwise
/// fault in a page per local header).
pub fn read_layout_parts_of(
    file: &std::fs::File,
    whole: &[&str],
    every_local: bool,
) -> std::io::Result<Vec<u8>> {
    let len = usize::try_from(file.metadata()?.len()).map_err(std::io::Error::other)?;
    let mut bytes = vec![0u8; len];
    let mut parts = Parts {
        file,
        len,
        filled: Vec::new(),
    };
    let tail = len.saturating_sub(EOCD_LEN + 0xffff);
    parts.fill(&mut bytes, tail..len)?;
    let Ok(eocd) = find_eocd(&bytes) else {
        return Ok(bytes);
    };
    let cd_size = u32_at(&bytes, eocd + 12) as usize;
    let cd_offset = (u32_at(&bytes, eocd + 16) as usize).min(eocd);
    parts.fill(&mut bytes, cd_offset..cd_offset.saturating_add(cd_size))?;
    // Every central record's local parts, as its record foretells them: the local header
    // (name and extra field as long as the central record's, and some more), the data when
    // wanted, and the 16 bytes after the data (a data descriptor, or the next header).
    struct Local {
        at: usize,
        name: Range<usize>,
        compressed: usize,
    }
    let mut locals = Vec::new();
    let mut planned = Vec::new();
    let mut at = cd_offset;
    while at + CENTRAL_LEN <= eocd && u32_at(&bytes, at) == CENTRAL_SIG {
        let f = fields(&bytes, at + 6);
        let comment_len = u16_at(&bytes, at + 32) as usize;
        let name = (at + CENTRAL_LEN).min(len)..(at + CENTRAL_LEN + f.name_len).min(len);
        let local = u32_at(&bytes, at + 42) as usize;
        at += CENTRAL_LEN + f.name_len + f.extra_len + comment_len;
        let wanted = whole.iter().any(|w| w.as_bytes() == &bytes[name.clone()]);
        if local + LOCAL_LEN > cd_offset || !(every_local || wanted) {
            continue;
        }
        let data_start = local + LOCAL_LEN + f.name_len + f.extra_len;
        let data_end = data_start.saturating_add(f.compressed_size as usize);
        planned.push(local..data_start + 32);
        planned.push(data_end..data_end.saturating_add(16));
        if wanted {
            planned.push(data_start..data_end);
        }
        locals.push(Local {
            at: local,
            name,
            compressed: f.compressed_size as usize,
        });
    }
    // One read for parts less than a page or so apart: a few bytes more read, a system call
    // less (an archive of small media has thousands of entries).
    planned.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(planned.len());
    for r in planned {
        let r = r.start.min(cd_offset)..r.end.min(cd_offset);
        match merged.last_mut() {
            Some(last) if r.start <= last.end + 4096 => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    // In two halves at once: each read is a system call, and an archive of many entries
    // makes thousands.
    let fill_all = |buf: &mut [u8], base: usize, ranges: &[Range<usize>]| {
        ranges.iter().try_for_each(|r| {
            read_exact_at(file, &mut buf[r.start - base..r.end - base], r.start as u64)
        })
    };
    if merged.len() >= 64 {
        let mid = merged.len() / 2;
        let split = merged[mid].start;
        let (low, high) = bytes.split_at_mut(split);
        let (a, b) = rayon::join(
            || fill_all(low, 0, &merged[..mid]),
            || fill_all(high, split, &merged[mid..]),
        );
        a?;
        b?;
    } else {
        fill_all(&mut bytes, 0, &merged)?;
    }
    parts.filled.extend(merged);
    // Then what the local headers themselves say, where it differs from the foretelling.
    for l in &locals {
        let local = l.at;
        parts.fill(&mut bytes, local..local + LOCAL_LEN)?;
        let local_fields = fields(&bytes, local + 4);
        let data_start = local + LOCAL_LEN + local_fields.name_len + local_fields.extra_len;
        parts.fill(&mut bytes, local + LOCAL_LEN..data_start)?;
        let data_end = data_start.saturating_add(l.compressed);
        let name = &bytes[l.name.clone()];
        if whole.iter().any(|w| w.as_bytes() == name) {
            parts.fill(&mut bytes, data_start..data_end)?;
        }
        if local_fields.flags & 8 != 0 {
            parts.fill(&mut bytes, data_end..data_end.saturating_add(16))?;
        }
    }
    Ok(bytes)
}

/// The ranges of a file read into a buffer as long as it, and where they lie.
struct Parts<'a> {
    file: &'a std::fs::File,
    len: usize,
    /// Ranges read, in the order they were (sorted but for the first two).
    filled: Vec<Range<usize>>,
}

impl Parts<'_> {
    /// Reads `range` (cut to the file) into `bytes`, unless a range read already holds it.
    fn fill(&mut self, bytes: &mut [u8], range: Range<usize>) -> std::io::Result<()> {
        let range = range.start.min(self.len)..range.end.min(self.len);
        if range.is_empty()
            || self
                .filled
                .iter()
                .rev()
                .take(3)
                .chain(self.filled.first())
                .any(|f| f.start <= range.start && range.end <= f.end)
            || self.holds(&range)
        {
            return Ok(());
        }
        read_exact_at(self.file, &mut bytes[range.clone()], range.start as u64)?;
        self.filled.push(range);
        Ok(())
    }

    /// True when one range read holds `range` (a binary search over those read after the
    /// end of the file and the central directory, in order but for the odd fix-up).
    fn holds(&self, range: &Range<usize>) -> bool {
        let sorted = self.filled.get(2..).unwrap_or(&[]);
        let i = sorted.partition_point(|f| f.start <= range.start);
        // Checked whole: a range read later, out of order, makes the search miss (one read
        // more), never hit wrongly.
        i > 0 && sorted[i - 1].start <= range.start && sorted[i - 1].end >= range.end
    }
}

/// A window of a file, read and sought within its bounds.
struct Window<F: std::borrow::Borrow<std::fs::File> = std::fs::File> {
    file: F,
    start: u64,
    len: u64,
    at: u64,
}

impl<F: std::borrow::Borrow<std::fs::File>> Read for Window<F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.len - self.at) as usize;
        if n == 0 {
            return Ok(0);
        }
        read_exact_at(self.file.borrow(), &mut buf[..n], self.start + self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

impl std::io::Seek for Window {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let at = match to {
            std::io::SeekFrom::Start(n) => n as i128,
            std::io::SeekFrom::End(n) => self.len as i128 + n as i128,
            std::io::SeekFrom::Current(n) => self.at as i128 + n as i128,
        };
        if at < 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the entry",
            ));
        }
        self.at = (at as u64).min(self.len);
        Ok(self.at)
    }
}

/// The content of one entry of a container on disk, streamed: a stored entry is read (and
/// sought) in place, a deflated one inflated as it is read. Nothing is extracted to disk and
/// the entry is never held whole.
pub struct MemberReader(MemberData);

enum MemberData {
    Stored(std::io::BufReader<Window>),
    Deflated(Box<DeflateDecoder<std::io::BufReader<Window>>>),
}

impl MemberReader {
    /// Streams `member` out of `file`.
    pub fn new(file: std::fs::File, member: &Member) -> MemberReader {
        let window = Window {
            file,
            start: member.data_start,
            len: member.compressed_size,
            at: 0,
        };
        let buffered = std::io::BufReader::with_capacity(64 * 1024, window);
        MemberReader(if member.method == STORED {
            MemberData::Stored(buffered)
        } else {
            MemberData::Deflated(Box::new(DeflateDecoder::new(buffered)))
        })
    }

    /// True when the reader can seek (a stored entry).
    pub fn seekable(&self) -> bool {
        matches!(self.0, MemberData::Stored(_))
    }
}

impl Read for MemberReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match &mut self.0 {
            MemberData::Stored(r) => r.read(buf),
            MemberData::Deflated(r) => r.read(buf),
        }
    }
}

impl std::io::Seek for MemberReader {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        match &mut self.0 {
            MemberData::Stored(r) => r.seek(to),
            MemberData::Deflated(_) => Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "a deflated entry is read from its start only",
            )),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_member_is_found_and_streamed_from_the_file() {
        let zip = archive(
            &[
                stored("project.xml", b"<Project/>", b"", b""),
                stored("audio/a.wav", b"RIFF....", b"\x01\x02", b"take 3"),
            ],
            b"",
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.dawproject");
        std::fs::write(&path, &zip).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let m = find_member(&file, "audio/a.wav").unwrap().unwrap();
        assert_eq!((m.method, m.size), (STORED, 8));
        let mut got = Vec::new();
        MemberReader::new(file.try_clone().unwrap(), &m)
            .read_to_end(&mut got)
            .unwrap();
        assert_eq!(got, b"RIFF....");
        assert_eq!(find_member(&file, "audio/b.wav").unwrap(), None);
        // The directory is read a block at a time: records across the blocks' seams, after
        // extra fields and comments, are found where the whole directory says.
        let many: Vec<_> = (0..3_000)
            .map(|i| {
                let name = format!("audio/take {i}.wav");
                stored(
                    &name,
                    format!("data {i}").as_bytes(),
                    b"\x01\x02",
                    b"a comment",
                )
            })
            .collect();
        let zip = archive(&many, b"archive comment");
        std::fs::write(&path, &zip).unwrap();
        let whole = read(&zip, &Limits::default(), Check::Layout, &[])
            .unwrap()
            .0;
        assert!(whole.central.len() > 3 * 64 * 1024);
        let file = std::fs::File::open(&path).unwrap();
        for i in [0, 1, 1_234, 2_999] {
            let m = find_member(&file, &format!("audio/take {i}.wav"))
                .unwrap()
                .unwrap();
            let e = &whole.entries[i];
            assert_eq!((m.data_start, m.size), (e.data.start as u64, e.size));
        }
        assert_eq!(find_member(&file, "audio/take 3000.wav").unwrap(), None);
    }

    #[test]
    fn the_layout_read_back_from_its_parts_is_the_whole_files() {
        let zip = archive(
            &[
                stored("project.xml", b"<Project/>", b"\x55\x54\x01\x00\x07", b""),
                stored("audio/a.wav", &[0xab; 200_000], b"", b"take 3"),
            ],
            b"archive comment",
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.dawproject");
        std::fs::write(&path, &zip).unwrap();
        let parts =
            read_layout_parts(&std::fs::File::open(&path).unwrap(), &["project.xml"]).unwrap();
        let limits = Limits::default();
        let whole = read(&zip, &limits, Check::Layout, &["project.xml"]).unwrap();
        assert_eq!(
            read(&parts, &limits, Check::Layout, &["project.xml"]).unwrap(),
            whole
        );
        // The media were not read (but for a few bytes after their header, read with it, and
        // the end of the file, read with the central directory).
        let media = &whole.0.entries[1].data;
        let inside = media.start + 10_000;
        assert_eq!((zip[inside], parts[inside]), (0xab, 0));
        // A truncated file is still refused.
        std::fs::write(&path, &zip[..zip.len() - 30]).unwrap();
        let parts =
            read_layout_parts(&std::fs::File::open(&path).unwrap(), &["project.xml"]).unwrap();
        assert!(read(&parts, &limits, Check::Layout, &["project.xml"]).is_err());
    }

    // A remembered check reads the central directory and project.xml's local header only:
    // the media's local headers are neither read nor needed, and a central directory that
    // points two entries at one place is still refused.
    #[test]
    fn a_remembered_layout_reads_only_the_local_headers_it_needs() {
        let zip = archive(
            &[
                stored("metadata.xml", b"<MetaData/>", b"", b""),
                stored("project.xml", b"<Project/>", b"", b""),
                stored("audio/a.wav", &[0xab; 200_000], b"", b""),
                stored("audio/b.wav", &[0xcd; 100_000], b"", b""),
            ],
            b"",
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.dawproject");
        std::fs::write(&path, &zip).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let parts = read_layout_parts_of(&file, &["project.xml"], false).unwrap();
        let limits = Limits::default();
        let whole = read(&zip, &limits, Check::Layout, &[]).unwrap().0;
        let (trusted, content) =
            read_trusting(&parts, &limits, Check::Remembered, &["project.xml"], &[]).unwrap();
        assert_eq!(content, [Some(b"<Project/>".to_vec())]);
        assert_eq!(trusted.entries[1], whole.entries[1]);
        // The others run from their local header to the next entry, as far as the whole read.
        for (t, w) in trusted.entries.iter().zip(&whole.entries) {
            assert_eq!((t.span.clone(), &t.name), (w.span.clone(), &w.name));
        }
        let b = whole.entries[3].span.start;
        assert_eq!(
            (zip[b], parts[b]),
            (b'P', 0),
            "a media local header was read"
        );
        // Every local header checked: the parts lack them, so the archive is refused.
        assert!(read(&parts, &limits, Check::Layout, &[]).is_err());
        // Two central records pointing at one local header are refused without reading it.
        let mut twice = zip.clone();
        let (a, b) = (
            whole.entries[2].central.start,
            whole.entries[3].central.start,
        );
        let offset = twice[a + 42..a + 46].to_vec();
        twice[b + 42..b + 46].copy_from_slice(&offset);
        let err =
            read_trusting(&twice, &limits, Check::Remembered, &[], &["project.xml"]).unwrap_err();
        assert!(err.message.contains("overlap"), "{}", err.message);
    }

    // A central directory may list the entries in another order than the file holds them:
    // each entry's span still runs to the next one in the file, overlaps are still found,
    // and so is a name listed twice.
    #[test]
    fn entries_are_laid_out_in_file_order_whatever_the_directory_order() {
        let zip = archive(
            &[
                stored("metadata.xml", b"<MetaData/>", b"", b""),
                stored("project.xml", b"<Project/>", b"", b""),
                stored("audio/a.wav", &[0xab; 3_000], b"", b""),
                stored("audio/b.wav", &[0xcd; 1_000], b"", b""),
            ],
            b"",
        );
        let limits = Limits::default();
        let whole = read(&zip, &limits, Check::Layout, &[]).unwrap().0;
        // The central records listed as b, project, metadata, a.
        let order = [3, 1, 0, 2];
        let mut listed = zip[..whole.central.start].to_vec();
        for &i in &order {
            listed.extend(&zip[whole.entries[i].central.clone()]);
        }
        listed.extend(&zip[whole.eocd.clone()]);
        let record = |archive: &Archive, k: usize| archive.entries[k].central.start;
        for check in [Check::Layout, Check::Remembered] {
            let (got, content) = read_trusting(&listed, &limits, check, &["project.xml"], &[])
                .unwrap_or_else(|e| panic!("{check:?}: {e}"));
            assert_eq!(content, [Some(b"<Project/>".to_vec())]);
            for (k, &i) in order.iter().enumerate() {
                let (g, w) = (&got.entries[k], &whole.entries[i]);
                assert_eq!((&g.name, &g.span), (&w.name, &w.span), "{check:?}");
            }
            // b's record pointing at a's local header: a and b overlap (checking the local
            // headers, a's names another file first).
            let mut shared = listed.clone();
            let (b, a) = (record(&got, 0), record(&got, 3));
            let offset = shared[a + 42..a + 46].to_vec();
            shared[b + 42..b + 46].copy_from_slice(&offset);
            let e = read_trusting(&shared, &limits, check, &["project.xml"], &[]).unwrap_err();
            let says = match check {
                Check::Remembered => "entries audio/b.wav and audio/a.wav overlap",
                _ => "audio/b.wav: the local header names another file",
            };
            assert!(e.message.contains(says), "{check:?}: {}", e.message);
            // b's record naming a (checking the local headers, b's names another file first).
            let mut named = listed.clone();
            named[b + CENTRAL_LEN..b + CENTRAL_LEN + 11].copy_from_slice(b"audio/a.wav");
            let e = read_trusting(&named, &limits, check, &["project.xml"], &[]).unwrap_err();
            let (says, at) = match check {
                Check::Remembered => ("audio/a.wav is in the archive twice", a),
                _ => (
                    "audio/a.wav: the local header names another file",
                    whole.entries[3].span.start,
                ),
            };
            assert!(e.message.contains(says), "{check:?}: {}", e.message);
            assert_eq!(e.place, Place::Byte(at as u64), "{check:?}");
        }
    }

    // The read-back of a copied container checks its central directory against the input's:
    // an offset not moved by what the replaced entry grew is caught.
    #[test]
    fn a_copied_layout_must_be_the_inputs_moved_by_the_replaced_entry() {
        let zip = archive(
            &[
                stored("project.xml", b"<Project/>", b"", b""),
                stored("audio/a.wav", &[0xab; 2_000], b"", b""),
                stored("audio/b.wav", &[0xcd; 1_000], b"", b""),
            ],
            b"",
        );
        let limits = Limits::default();
        let input = read(&zip, &limits, Check::Layout, &[]).unwrap().0;
        let new = compress(STORED, 0, |w| w.write_all(b"<Project version=\"1.0\"/>")).unwrap();
        let mut out = Vec::new();
        write_replacing(&zip, &input, 0, &new, &mut out).unwrap();
        let output = read(&out, &limits, Check::Layout, &[]).unwrap().0;
        check_copied_layout(&input, &output, "project.xml").unwrap();
        // An entry after project.xml left where it was in the input is caught.
        let mut unmoved = output.clone();
        unmoved.entries[1].span.start = input.entries[1].span.start;
        let err = check_copied_layout(&input, &unmoved, "project.xml").unwrap_err();
        assert!(
            err.message.contains("entry 2 (audio/a.wav)"),
            "{}",
            err.message
        );
        // Nor is an output whose second entry's size was changed.
        let mut changed = output.clone();
        changed.entries[2].size += 1;
        let err = check_copied_layout(&input, &changed, "project.xml").unwrap_err();
        assert!(
            err.message.contains("entry 3 (audio/b.wav)"),
            "{}",
            err.message
        );
    }

    /// A deflated entry's local record and central record (offset 0), as Bitwig writes
    /// them but without a data descriptor.
    pub(crate) fn deflated(name: &str, data: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let (mut local, mut central) = stored(name, data, b"", b"");
        let packed = deflate(data);
        let header = LOCAL_LEN + name.len();
        local.splice(header.., packed.iter().copied());
        local[8..10].copy_from_slice(&DEFLATE.to_le_bytes());
        local[18..22].copy_from_slice(&(packed.len() as u32).to_le_bytes());
        central[10..12].copy_from_slice(&DEFLATE.to_le_bytes());
        central[20..24].copy_from_slice(&(packed.len() as u32).to_le_bytes());
        (local, central)
    }

    /// A stored entry with an extra field and a comment: its local record and central record
    /// (offset 0, patched in by [`archive`]).
    pub(crate) fn stored(
        name: &str,
        data: &[u8],
        extra: &[u8],
        comment: &[u8],
    ) -> (Vec<u8>, Vec<u8>) {
        let (crc, len) = (crc32fast::hash(data), data.len() as u32);
        raw(name, STORED, data, crc, len, extra, comment)
    }

    /// An entry of `method` whose header gives `crc` and `size`, whatever `data` holds.
    fn raw(
        name: &str,
        method: u16,
        data: &[u8],
        crc: u32,
        size: u32,
        extra: &[u8],
        comment: &[u8],
    ) -> (Vec<u8>, Vec<u8>) {
        let crc = crc.to_le_bytes();
        let len = (data.len() as u32).to_le_bytes();
        let [m0, m1] = method.to_le_bytes();
        let mut local = LOCAL_SIG.to_le_bytes().to_vec();
        local.extend([10, 0, 0, 0, m0, m1, 0x21, 0x43, 0x65, 0x57]); // version, flags, method, time, date
        local.extend(crc);
        local.extend(len);
        local.extend(size.to_le_bytes());
        local.extend((name.len() as u16).to_le_bytes());
        local.extend((extra.len() as u16).to_le_bytes());
        local.extend(name.as_bytes());
        local.extend(extra);
        local.extend(data);
        let mut central = CENTRAL_SIG.to_le_bytes().to_vec();
        central.extend([0x1e, 3, 10, 0, 0, 0, m0, m1, 0x21, 0x43, 0x65, 0x57]);
        central.extend(crc);
        central.extend(len);
        central.extend(size.to_le_bytes());
        central.extend((name.len() as u16).to_le_bytes());
        central.extend((extra.len() as u16).to_le_bytes());
        central.extend((comment.len() as u16).to_le_bytes());
        central.extend([0, 0, 0, 0, 0, 0, 0xa4, 0x81, 0, 0, 0, 0]); // disk, attributes, offset
        central.extend(name.as_bytes());
        central.extend(extra);
        central.extend(comment);
        (local, central)
    }

    /// A ZIP of `entries` (from [`stored`], [`deflated`]) with the archive comment `comment`.
    pub(crate) fn archive(entries: &[(Vec<u8>, Vec<u8>)], comment: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cd = Vec::new();
        for (local, central) in entries {
            let mut central = central.clone();
            central[42..46].copy_from_slice(&(out.len() as u32).to_le_bytes());
            out.extend(local);
            cd.extend(central);
        }
        let at = out.len() as u32;
        out.extend(&cd);
        out.extend(EOCD_SIG.to_le_bytes());
        out.extend([0, 0, 0, 0]);
        out.extend((entries.len() as u16).to_le_bytes());
        out.extend((entries.len() as u16).to_le_bytes());
        out.extend((cd.len() as u32).to_le_bytes());
        out.extend(at.to_le_bytes());
        out.extend((comment.len() as u16).to_le_bytes());
        out.extend(comment);
        out
    }

    #[test]
    fn replacing_one_entry_keeps_every_other_byte_and_patches_offsets() {
        let zip = archive(
            &[
                stored(
                    "project.xml",
                    b"<Project/>",
                    b"\x55\x54\x05\x00\x01\x02\x03\x04\x05",
                    b"",
                ),
                stored("audio/a.wav", b"RIFF....", b"", b"take 3"),
            ],
            b"archive comment",
        );
        let limits = Limits::default();
        let (a, whole) = read(&zip, &limits, Check::Everything, &["project.xml"]).unwrap();
        assert_eq!(whole, [Some(b"<Project/>".to_vec())]);
        let new = compress(STORED, 0, |w| w.write_all(b"<Project version=\"1.0\"/>")).unwrap();
        let mut out = Vec::new();
        write_replacing(&zip, &a, 0, &new, &mut out).unwrap();
        let (b, whole) = read(&out, &limits, Check::Everything, &["project.xml"]).unwrap();
        assert_eq!(whole, [Some(b"<Project version=\"1.0\"/>".to_vec())]);
        // The second entry, its central record (but the offset) and the comment are unchanged.
        assert_eq!(
            zip[a.entries[1].span.clone()],
            out[b.entries[1].span.clone()]
        );
        let (x, y) = (
            &zip[a.entries[1].central.clone()],
            &out[b.entries[1].central.clone()],
        );
        assert_eq!((&x[..42], &x[46..]), (&y[..42], &y[46..]));
        assert!(out.ends_with(b"archive comment"));
        // The replaced entry keeps its extra field, times and attributes.
        assert_eq!(zip[6..14], out[6..14]);
        assert_eq!(zip[28..30], out[28..30]);
        // Deflated, it reads back the same.
        let new = compress(DEFLATE, 0, |w| w.write_all(b"<Project/>")).unwrap();
        assert_eq!(new.crc, crc32fast::hash(b"<Project/>"));
        let mut inflated = Vec::new();
        DeflateDecoder::new(&new.data[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated, b"<Project/>");
    }

    // A stream of many small blocks records a block start per 32 KiB of content at most (a
    // hostile one of tiny blocks costs no memory per block), each one a real block start.
    #[test]
    fn block_starts_are_recorded_a_window_apart_at_most() {
        let mut data = Vec::new();
        let mut xml = Vec::new();
        for i in 0..20_000u32 {
            // A stored block of 100 bytes: BFINAL 0, BTYPE 00, LEN, NLEN, the bytes.
            let bytes = format!("<T n=\"{i:08}\"/>").repeat(7)[..100].to_string();
            data.extend_from_slice(&[0, 100, 0, !100u8, 0xff]);
            data.extend_from_slice(bytes.as_bytes());
            xml.extend_from_slice(bytes.as_bytes());
        }
        data.extend_from_slice(&[1, 0, 0, 0xff, 0xff]); // an empty final stored block
        let (crc, len) = (crc32fast::hash(&xml), xml.len() as u32);
        let zip = archive(
            &[raw("project.xml", DEFLATE, &data, crc, len, b"", b"")],
            b"",
        );
        let limits = Limits::default();
        let (a, _) = read(&zip, &limits, Check::Layout, &[]).unwrap();
        let (content, blocks) = content(&zip, &a.entries[0], &limits).unwrap();
        assert!(*content == *xml);
        // The first after the first block, then one per 32 800 bytes (blocks of 100).
        assert_eq!(blocks.len(), xml.len().div_ceil(32_800), "{blocks:?}");
        for pair in blocks.windows(2) {
            assert!(pair[1].at >= pair[0].at + crate::deflate_splice::WINDOW);
        }
        for b in &blocks {
            // Each a stored block's header: 105 bytes per block, on a byte boundary.
            assert_eq!((b.at % 100, b.bit % (105 * 8)), (0, 0), "{b:?}");
            assert_eq!(b.bit / (105 * 8), b.at / 100);
        }
    }

    // project.xml is inflated whole into a buffer of its header's size: every way its data
    // can disagree with the header is still refused, the limit included.
    #[test]
    fn a_kept_deflated_entry_is_checked_as_it_is_inflated() {
        let xml = b"<Project>".repeat(5_000);
        let deflated = deflate(&xml);
        let (crc, len) = (crc32fast::hash(&xml), xml.len() as u32);
        let limits = Limits::default();
        let got = |data: &[u8], crc: u32, size: u32, limits: &Limits| {
            let zip = archive(
                &[raw("project.xml", DEFLATE, data, crc, size, b"", b"")],
                b"",
            );
            let (a, _) = read(&zip, limits, Check::Layout, &[]).unwrap();
            let content = content(&zip, &a.entries[0], limits).map(|c| c.0.into_owned());
            let read = read(&zip, limits, Check::Layout, &["project.xml"]);
            assert_eq!(
                read.map(|(_, mut w)| w.remove(0).unwrap()),
                content.clone(),
                "read and content agree"
            );
            content.map_err(|e| e.message)
        };
        assert_eq!(got(&deflated, crc, len, &limits).unwrap(), xml);
        let refused = |data: &[u8], crc: u32, size: u32, limits: &Limits, says: &str| {
            let e = got(data, crc, size, limits).unwrap_err();
            assert!(e.contains(says), "{e} (wanted {says})");
        };
        refused(
            &deflated,
            crc,
            len - 1,
            &limits,
            "inflates past the 44999 bytes",
        );
        refused(
            &deflated,
            crc,
            len + 1,
            &limits,
            "45000 bytes inflated, the header gives 45001",
        );
        refused(&deflated, crc ^ 1, len, &limits, "bad CRC");
        refused(
            &deflated[..deflated.len() - 3],
            crc,
            len,
            &limits,
            "incomplete deflate stream",
        );
        let mut longer = deflated.clone();
        longer.extend(b"after");
        refused(&longer, crc, len, &limits, "the deflate data ends after");
        refused(&[0xff; 40], crc, len, &limits, "bad deflate data");
        refused(&deflated, 0, 0, &limits, "inflates past the 0 bytes");
        // An entry whose header gives exactly the limit, inflating past it.
        let small = Limits {
            max_project_bytes: len as u64 - 1,
        };
        refused(&deflated, crc, len - 1, &small, "over the limit");
        refused(&deflated, crc, len, &small, "over the limit");
    }

    #[test]
    fn damaged_layouts_are_refused_with_the_byte() {
        let zip = archive(&[stored("project.xml", b"<Project/>", b"", b"")], b"");
        let limits = Limits::default();
        let msg = |bytes: &[u8]| read(bytes, &limits, Check::Everything, &[]).unwrap_err();
        // A local header naming another file.
        let mut renamed = zip.clone();
        renamed[30] = b'P';
        assert!(msg(&renamed).message.contains("names another file"));
        // A bad CRC in the data.
        let mut flipped = zip.clone();
        flipped[42] ^= 1;
        let e = msg(&flipped);
        assert!(e.message.contains("bad CRC"), "{e}");
        assert_eq!(e.place, Place::Byte(41));
        // A central directory that does not end at the end record.
        let mut shifted = zip.clone();
        let eocd = shifted.len() - EOCD_LEN;
        shifted[eocd + 16] += 1;
        assert!(msg(&shifted).message.contains("does not end"));
    }
}
