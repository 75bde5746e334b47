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
        decoder.read_to_end(&mut xml).map_err(|e| FormatError {
            place: Place::Whole,
            message: format!("damaged gzip data ({e}); not a readable Live set"),
        })?;
        if xml.len() as u64 > bound && bound < max {
            return Err(FormatError::whole(format!(
                "damaged gzip data: it inflates past the {bound} bytes its trailer records; not \
                 a readable Live set"
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
        Container::Gzip { os } => {
            // Live's sets compress about 9:1; the hint only avoids regrowing the buffer.
            let mut encoder = ParallelGzip::new(LEVEL, os, xml.len() / 8);
            let mut failed = None;
            splice_with(xml, edits, |piece| {
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
        assert!(e.message.contains("inflates past the 4096 bytes"), "{e}");
    }

    #[test]
    fn truncated_gzip_and_garbage_are_refused() {
        let gz = encode(Container::Gzip { os: 3 }, &[b'<'; 5000]).unwrap();
        assert!(decode(&gz[..gz.len() / 2], &Limits::default()).is_err());
        assert!(decode(b"PK\x03\x04 not xml", &Limits::default()).is_err());
        assert!(decode(b"", &Limits::default()).is_err());
    }
}
