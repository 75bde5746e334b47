//! A record for the rewritten `project.xml` reserved before the plan is known, so that the
//! entries after it (the media, most of a container's bytes) can be copied to their final
//! place in the output while project.xml is still being read, planned and compressed
//! ([`crate::pipeline::process_file_into`]).
//!
//! A deflated project.xml's new compressed size is known only once it is compressed, and it
//! decides where every later entry lies. Reserving [`reserved_len`] bytes for it in advance
//! fixes those places: the rewritten data is then filled up to exactly that length with empty
//! deflate blocks ([`padding`]) placed before it, which inflate to nothing (RFC 1951 §3.2.3
//! and §3.2.4: a stored block may be empty; a fixed-Huffman block may hold only its
//! end-of-block code), so the entry's CRC-32, size and content are those of the unpadded
//! data. Every inflater reads them (zlib, which Bitwig's Java `Inflater`, Python's `zipfile`
//! and `unzip` use; zlib-rs, which premix uses), as the interop suite checks.
//!
//! The price is a project.xml record larger than it needs to be: on the benchmark's 2,000
//! tracks, 780 KB reserved for the 438 KB a recolour writes (182 KB deflated again, 256 KB of
//! the original's blocks kept: [`crate::deflate_splice`]), 0.5 % of the 64 MB container. The
//! reservation stays sized for the whole of project.xml deflated again (an edit near its end
//! keeps nothing), so that such a plan does not lose the early copies. When the
//! rewritten data does not fit (edits that grow project.xml a lot), or the plan writes the
//! container as it was, the early copies are stopped and the output is laid out without a
//! reservation, its copies made again at their places: always correct, only slower.

use super::container::{self, Archive, DEFLATE};
use std::ops::Range;

/// A reservation's length and where the copies lie with it: each input range and the output
/// offset (0-based, in bytes) its copy starts at ([`early_copies`]).
pub type Placed = (u64, Vec<(Range<u64>, u64)>);

/// Early copies are worth a reservation only when they move this much or more: below it, the
/// copy is quick anyway and the reservation would be a large part of the file.
pub const MIN_COPIED: u64 = 4 << 20;

/// The compressed length reserved for entry `index` (project.xml) rewritten: twice its
/// compressed length now, plus 64 KiB. premix deflates at level 1 ([`container::LEVEL`]):
/// 1.4x Bitwig's level-6 data on the corpus's Bitwig export (`hifa-bitwig516__canon`) and
/// 1.85x on the benchmark's 12 MB of generated XML; the 64 KiB take what edits add.
///
/// `None` (no reservation: the output is laid out after compressing, as without one) for a
/// stored entry (its length is its content's), when fewer than [`MIN_COPIED`] bytes follow
/// it, or when the reservation would need ZIP64.
pub fn reserved_len(archive: &Archive, index: usize) -> Option<u64> {
    let entry = archive.entries.get(index)?;
    if entry.method != DEFLATE {
        return None;
    }
    let after = archive.central.start.checked_sub(entry.span.end)? as u64;
    if after < MIN_COPIED {
        return None;
    }
    let len = 2 * entry.data.len() as u64 + (64 << 10);
    let grown = archive.central.end as u64 + len - entry.data.len() as u64;
    (len <= u64::from(u32::MAX) && grown <= u64::from(u32::MAX)).then_some(len)
}

/// Where the copies of entry `index`'s rewrite with `compressed` bytes of data lie: each
/// range of the input [`container::copied_ranges`] copies, with the offset (0-based, in
/// bytes) its copy starts at in the output. The same places [`container::write_pieces`]
/// lays the copies at.
pub fn copy_places(archive: &Archive, index: usize, compressed: u64) -> Vec<(Range<u64>, u64)> {
    let entry = &archive.entries[index];
    let new_end = entry.span.start as u64 + container::record_len(entry, compressed);
    container::copied_ranges(archive, index)
        .into_iter()
        .map(|r| {
            let at = if r.start >= entry.span.end as u64 {
                new_end + (r.start - entry.span.end as u64)
            } else {
                r.start
            };
            (r, at)
        })
        .collect()
}

/// Exactly `n` bytes of deflate blocks that inflate to nothing, none of them final, starting
/// and ending on a byte boundary: empty stored blocks (5 bytes: a 3-bit header, padding to
/// the byte, `LEN` 0 and `NLEN` 0xffff), each led by up to three empty fixed-Huffman blocks
/// (10 bits: header and the end-of-block code) to make 6, 7 or 9 bytes.
///
/// `None` for 1, 2, 3, 4 and 8 bytes, which no such sequence makes.
pub fn padding(n: u64) -> Option<Vec<u8>> {
    // 5, 6, 7 and 9 bytes: an empty stored block led by 0, 1, 2 and 3 empty fixed blocks.
    const UNITS: [&[u8]; 4] = [
        &[0x00, 0x00, 0x00, 0xff, 0xff],
        &[0x02, 0x00, 0x00, 0x00, 0xff, 0xff],
        &[0x02, 0x08, 0x00, 0x00, 0x00, 0xff, 0xff],
        &[0x02, 0x08, 0x20, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff],
    ];
    let mut left = n;
    let mut out = Vec::with_capacity(usize::try_from(n).ok()?);
    while left > 16 {
        out.extend_from_slice(UNITS[0]);
        left -= 5;
    }
    // What remains, as units: 0, 5..=7, 9..=16.
    let last: &[usize] = match left {
        0 => &[],
        5 => &[0],
        6 => &[1],
        7 => &[2],
        9 => &[3],
        10 => &[0, 0],
        11 => &[0, 1],
        12 => &[0, 2],
        13 => &[1, 2],
        14 => &[2, 2],
        15 => &[0, 0, 0],
        16 => &[0, 0, 1],
        _ => return None,
    };
    for &u in last {
        out.extend_from_slice(UNITS[u]);
    }
    Some(out)
}

/// The reservation for the container whose layout parts are `parts`
/// ([`super::FileParts::bytes`]) and where its copies lie with it: its project.xml's
/// reserved length ([`reserved_len`]) and [`copy_places`]. `None` when it takes none, or
/// its layout cannot be read (the read that follows says why).
pub fn early_copies(parts: &[u8]) -> Option<Placed> {
    let archive = container::layout_of(parts, &[super::PROJECT_XML]).ok()?;
    let index = archive
        .entries
        .iter()
        .position(|e| e.name == super::PROJECT_XML)?;
    let len = reserved_len(&archive, index)?;
    Some((len, copy_places(&archive, index, len)))
}

/// A reservation handed to [`super::DawProject::write_pieces`]: its length
/// ([`reserved_len`]), and what to call, once, before any byte is written, with whether the
/// output takes it (`true`: the copies lie at [`copy_places`] with this length) or is laid out
/// without it (`false`: the plan writes the container as it was, or the rewritten data does
/// not fit), so the caller can stop copies made for the reservation first.
pub struct Reservation<'r> {
    pub len: u64,
    pub taken: &'r mut dyn FnMut(bool),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(data: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(data).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn padding_of_every_length_inflates_to_nothing_before_the_data() {
        let text = b"<Project version=\"1.0\"><Structure/></Project>".repeat(50);
        let data = container::deflate(&text);
        for n in 0..200u64 {
            let Some(pad) = padding(n) else {
                assert!([1, 2, 3, 4, 8].contains(&n), "no padding of {n} bytes");
                continue;
            };
            assert_eq!(pad.len() as u64, n);
            let mut padded = pad.clone();
            padded.extend_from_slice(&data);
            assert_eq!(inflate(&padded).unwrap(), text, "padding of {n} bytes");
        }
        // A large one, as a reservation makes.
        let mut padded = padding(117_001).unwrap();
        assert_eq!(padded.len(), 117_001);
        padded.extend_from_slice(&data);
        assert_eq!(inflate(&padded).unwrap(), text);
    }

    #[test]
    fn padding_alone_is_not_a_whole_stream() {
        // None of its blocks is final: an inflater reads all of it, makes nothing, and waits
        // for the data that ends the stream.
        for n in [5, 6, 7, 9, 16, 4096] {
            let pad = padding(n).unwrap();
            let mut d = flate2::Decompress::new(false);
            let mut out = [0u8; 16];
            let status = d
                .decompress(&pad, &mut out, flate2::FlushDecompress::None)
                .unwrap();
            assert_ne!(status, flate2::Status::StreamEnd, "{n} bytes");
            assert_eq!((d.total_in(), d.total_out()), (n, 0), "{n} bytes");
        }
    }
}
