//! The `.als` container: normally gzip, sometimes (git filters) raw XML.
//!
//! Live writes a gzip header with FLG=00 and MTIME=0 and an OS byte of 03, 0b or 13
//! (`FORMATS.md` §2). A rewritten set is gzip again with the same OS byte; a raw-XML input
//! stays raw XML. A truncated or damaged gzip stream is an error, never a partial document.

use crate::edit::{Edit, splice, splice_with};
use crate::formats::{FormatError, Place};
use crate::limits::Limits;
use crate::parallel_gzip::ParallelGzip;
use flate2::read::GzDecoder;
use std::io::{Read, Write};

/// How the set was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// gzip, with the header's OS byte.
    Gzip {
        os: u8,
    },
    RawXml,
}

/// The XML size of the set at `path` (`file_len` bytes) as its gzip trailer's ISIZE tells it,
/// without decompressing: ISIZE is the size modulo 4 GiB and a raw-XML set has none, so the
/// estimate is never less than the file itself.
pub fn xml_size_estimate(path: &std::path::Path, file_len: u64) -> u64 {
    use std::io::{Read, Seek, SeekFrom};
    if file_len < 18 {
        return file_len;
    }
    let isize = (|| -> std::io::Result<u64> {
        let mut file = std::fs::File::open(path)?;
        let mut trailer = [0u8; 4];
        file.seek(SeekFrom::End(-4))?;
        file.read_exact(&mut trailer)?;
        Ok(u64::from(u32::from_le_bytes(trailer)))
    })();
    isize.map_or(file_len, |n| n.max(file_len))
}

/// The XML of a set, and how it was stored. Decompression stops at `limits` (a gzip bomb is
/// refused as soon as it passes the limit, without inflating the rest), and just past the
/// size the gzip trailer records ([`xml_size_estimate`], which a batch run counts against
/// its memory budget): a set whose data inflates past its own trailer is damaged or made to
/// exhaust memory, and is refused as soon as it does.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<(Container, Vec<u8>), FormatError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let os = bytes.get(9).copied().unwrap_or(0xff);
        let max = limits.max_project_bytes;
        // The gzip trailer's ISIZE (the uncompressed size mod 2^32) sizes the buffer in one
        // allocation; it is only a hint (a damaged or hostile file may lie), so it is capped
        // by the limit and falls back to 8x the compressed size when implausible.
        let isize_hint = trailer_isize(bytes).filter(|&n| {
            n >= bytes.len() as u64 / 2 && n <= (bytes.len() as u64).saturating_mul(1032)
        });
        let guess = isize_hint
            .map(|n| n.saturating_add(1))
            .unwrap_or((bytes.len() as u64).saturating_mul(8))
            .min(max) as usize;
        // ISIZE tells the size exactly when it is under 4 GiB, which a limit under 4 GiB
        // guarantees for a set that is read.
        let recorded = trailer_isize(bytes).map(|n| n.max(bytes.len() as u64));
        let bound = match recorded {
            Some(n) if max < 1 << 32 => n.min(max),
            _ => max,
        };
        let mut xml = Vec::with_capacity(guess);
        let mut decoder = GzDecoder::new(bytes).take(bound.saturating_add(1));
        if let Err(e) = decoder.read_to_end(&mut xml) {
            drop(xml);
            return Err(FormatError {
                place: Place::Whole,
                message: format!(
                    "{}; not a readable Live set",
                    gzip_failure(bytes, max).unwrap_or_else(|| format!("damaged gzip data ({e})"))
                ),
            });
        }
        if xml.len() as u64 > bound && bound < max {
            drop(xml);
            // Worded by inflating without keeping what is inflated (the trailer is damaged,
            // or the set was made to inflate past it).
            let why = gzip_failure(bytes, max).unwrap_or_else(|| {
                format!("damaged gzip data: it inflates past the {bound} bytes its trailer records")
            });
            return Err(FormatError::whole(format!(
                "{why}; not a readable Live set"
            )));
        }
        if xml.len() as u64 > max {
            return Err(FormatError::whole(
                limits.too_large(xml.len() as u64, "the decompressed set (at least)"),
            ));
        }
        return Ok((Container::Gzip { os }, xml));
    }
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'<') {
        return Ok((Container::RawXml, bytes.to_vec()));
    }
    Err(FormatError::whole(
        "neither gzip nor XML: not a Live set (.als)",
    ))
}

/// The gzip trailer's ISIZE (the uncompressed size modulo 4 GiB), when there is a trailer.
fn trailer_isize(bytes: &[u8]) -> Option<u64> {
    let at = bytes.len().checked_sub(4)?;
    Some(u64::from(u32::from_le_bytes(bytes[at..].try_into().ok()?)))
}

/// Why a gzip stream did not decode, in words that name the real cause: truncated, damaged
/// compressed data, a CRC-32 that does not match, or a length (ISIZE) that does not (RFC 1952;
/// flate2 reports the last two alike, as a checksum error). `None` when the cause is none of
/// those, or when finding it out would inflate past `max` bytes.
fn gzip_failure(bytes: &[u8], max: u64) -> Option<String> {
    let body = gzip_body_start(bytes)?;
    let mut inflate = flate2::Decompress::new(false);
    let mut crc = crc32fast::Hasher::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let (read_before, written_before) = (inflate.total_in(), inflate.total_out());
        let input = &bytes[body + read_before as usize..];
        let status = match inflate.decompress(input, &mut chunk, flate2::FlushDecompress::None) {
            Ok(status) => status,
            Err(e) => {
                return Some(format!(
                    "the compressed data is damaged near byte {} of the file ({e})",
                    body as u64 + inflate.total_in()
                ));
            }
        };
        let written = (inflate.total_out() - written_before) as usize;
        crc.update(&chunk[..written]);
        if inflate.total_out() > max {
            return None;
        }
        match status {
            flate2::Status::StreamEnd => break,
            _ if inflate.total_in() == read_before && written == 0 => {
                return Some(format!(
                    "the gzip stream ends early: the file is truncated (its {} bytes hold the \
                     first {} bytes of the set)",
                    bytes.len(),
                    inflate.total_out()
                ));
            }
            _ => {}
        }
    }
    let end = body + inflate.total_in() as usize;
    let Some(trailer) = bytes.get(end..end + 8) else {
        return Some(format!(
            "the file ends inside the gzip trailer ({} of its 8 bytes): it is truncated",
            bytes.len().saturating_sub(end)
        ));
    };
    let stored_crc = u32::from_le_bytes(trailer[..4].try_into().ok()?);
    let stored_len = u32::from_le_bytes(trailer[4..].try_into().ok()?);
    let (crc, len) = (crc.finalize(), inflate.total_out());
    if stored_crc != crc {
        Some(format!(
            "the data does not match its CRC-32 (the gzip trailer says {stored_crc:08x}, the \
             data gives {crc:08x}): the file is damaged"
        ))
    } else if u64::from(stored_len) != len % (1 << 32) {
        Some(format!(
            "the gzip trailer gives the set's length as {stored_len} bytes, but it inflates to \
             {len} (its CRC-32 matches): the trailer is damaged"
        ))
    } else {
        None
    }
}

/// Where a gzip member's compressed data starts: after the 10-byte header and the optional
/// extra field, file name, comment and header CRC its flags announce (RFC 1952 §2.3).
fn gzip_body_start(bytes: &[u8]) -> Option<usize> {
    let flags = *bytes.get(3)?;
    let mut at = 10;
    if flags & 0x04 != 0 {
        let len = u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?);
        at += 2 + len as usize;
    }
    for flag in [0x08, 0x10] {
        if flags & flag != 0 {
            at += memchr::memchr(0, bytes.get(at..)?)? + 1;
        }
    }
    if flags & 0x02 != 0 {
        at += 2;
    }
    (at <= bytes.len()).then_some(at)
}

/// The gzip level of every rewritten set: what Live itself writes (its sets recompress to
/// within 0.1% of their size at `gzip -6`; BENCHMARKS.md).
pub const LEVEL: u32 = 6;

/// Stores `xml` the way the original was stored.
pub fn encode(container: Container, xml: &[u8]) -> Result<Vec<u8>, FormatError> {
    encode_spliced(container, xml, Vec::new())
}

/// Stores `xml` with `edits` applied, the way the original was stored, without building the
/// edited XML: the spliced pieces stream straight into the compressor ([`ParallelGzip`],
/// deflating blocks on every core), so only the compressed set is held whole.
pub fn encode_spliced(
    container: Container,
    xml: &[u8],
    edits: Vec<Edit>,
) -> Result<Vec<u8>, FormatError> {
    let internal =
        |e: crate::edit::EditConflict| FormatError::whole(format!("internal error: {e}"));
    match container {
        Container::RawXml => splice(xml, edits).map_err(internal),
        Container::Gzip { .. } => {
            encode_with(container, xml.len(), |emit| splice_with(xml, edits, emit))
        }
    }
}

/// Stores the XML `produce` hands its `emit` piece by piece (`len`: about how long it is),
/// the way the original was stored, without building the XML when it is compressed: the
/// pieces stream straight into the compressor, so only the compressed set is held whole.
///
/// Errors: an edit conflict `produce` returns (an internal error), or the compressor failing.
pub fn encode_with(
    container: Container,
    len: usize,
    produce: impl FnOnce(&mut dyn FnMut(&[u8])) -> Result<(), crate::edit::EditConflict>,
) -> Result<Vec<u8>, FormatError> {
    let internal =
        |e: crate::edit::EditConflict| FormatError::whole(format!("internal error: {e}"));
    match container {
        Container::RawXml => {
            let mut out = Vec::with_capacity(len);
            produce(&mut |piece| out.extend_from_slice(piece)).map_err(internal)?;
            Ok(out)
        }
        Container::Gzip { os } => {
            // Live's sets compress about 9:1; the hint only avoids regrowing the buffer.
            let mut encoder = ParallelGzip::new(LEVEL, os, len / 8);
            let mut failed = None;
            produce(&mut |piece| {
                if failed.is_none()
                    && let Err(e) = encoder.write_all(piece)
                {
                    failed = Some(e);
                }
            })
            .map_err(internal)?;
            let io = |e: std::io::Error| FormatError::whole(format!("gzip failed: {e}"));
            if let Some(e) = failed {
                return Err(io(e));
            }
            encoder.finish().map_err(io)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_round_trips_and_keeps_the_os_byte() {
        let xml = b"<?xml version=\"1.0\"?>\n<Ableton/>\n";
        let gz = encode(Container::Gzip { os: 3 }, xml).unwrap();
        assert_eq!(gz[9], 3);
        assert_eq!(
            decode(&gz, &Limits::default()).unwrap(),
            (Container::Gzip { os: 3 }, xml.to_vec())
        );
        assert_eq!(
            decode(xml, &Limits::default()).unwrap().0,
            Container::RawXml
        );
    }

    #[test]
    fn a_set_that_inflates_past_its_trailer_is_refused_as_it_does() {
        let xml = vec![b'x'; 1 << 20];
        let mut gz = encode(Container::Gzip { os: 3 }, &xml).unwrap();
        assert_eq!(decode(&gz, &Limits::default()).unwrap().1.len(), 1 << 20);
        // The trailer now records 4 KiB: what a batch run counted this set as.
        let at = gz.len() - 4;
        gz[at..].copy_from_slice(&4096u32.to_le_bytes());
        let e = decode(&gz, &Limits::default()).unwrap_err();
        assert!(
            e.message
                .contains("gives the set's length as 4096 bytes, but it inflates to 1048576"),
            "{e}"
        );
    }

    #[test]
    fn damaged_gzip_is_refused_naming_the_real_cause() {
        let xml: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("<T Id=\"{i}\"/>\n").into_bytes())
            .collect();
        let gz = encode(Container::Gzip { os: 3 }, &xml).unwrap();
        let message = |bytes: &[u8]| decode(bytes, &Limits::default()).unwrap_err().message;
        let n = gz.len();
        let cut = message(&gz[..n / 2]);
        assert!(cut.contains("ends early: the file is truncated"), "{cut}");
        let no_trailer = message(&gz[..n - 3]);
        assert!(
            no_trailer.contains("ends inside the gzip trailer (5 of its 8 bytes)"),
            "{no_trailer}"
        );
        let mut bad_crc = gz.clone();
        bad_crc[n - 8] ^= 0xff;
        let crc = message(&bad_crc);
        assert!(crc.contains("does not match its CRC-32"), "{crc}");
        // A wrong length is a length error, not a checksum error (flate2 says "checksum").
        let mut bad_len = gz.clone();
        bad_len[n - 4] ^= 0x01;
        let len = message(&bad_len);
        assert!(
            len.contains(&format!(
                "gives the set's length as {}",
                (xml.len() ^ 1) as u32
            )) && len.contains("its CRC-32 matches"),
            "{len}"
        );
        assert!(!len.contains("checksum"), "{len}");
        // Data damaged inside the stream: the deflate data or the CRC-32 says so.
        let mut flipped = gz.clone();
        flipped[n / 2] ^= 0x55;
        let damaged = message(&flipped);
        assert!(damaged.contains("damaged"), "{damaged}");
        // A header with a file name (gzip CLI), its trailer damaged: still found.
        let mut named = vec![0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3];
        named.extend_from_slice(b"set.xml\0");
        named.extend_from_slice(&gz[10..]);
        named.truncate(named.len() - 2);
        let m = message(&named);
        assert!(
            m.contains("ends inside the gzip trailer (6 of its 8 bytes)"),
            "{m}"
        );
    }

    #[test]
    fn truncated_gzip_and_garbage_are_refused() {
        let gz = encode(Container::Gzip { os: 3 }, &[b'<'; 5000]).unwrap();
        assert!(decode(&gz[..gz.len() / 2], &Limits::default()).is_err());
        assert!(decode(b"PK\x03\x04 not xml", &Limits::default()).is_err());
        assert!(decode(b"", &Limits::default()).is_err());
    }
}
