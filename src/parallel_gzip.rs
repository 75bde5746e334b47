//! gzip compression spread over the rayon pool, the way pigz does it.
//!
//! The stream is cut into blocks of [`BLOCK`] bytes; each block is deflated on its own
//! (raw deflate, primed with the previous block's last 32 KiB as a dictionary, so matches may
//! still reach back across the cut and the output is within a few bytes per block of a single
//! stream at the same level) and ends on a byte boundary (a sync flush, or the final block).
//! The deflated blocks are concatenated behind one gzip header, and the CRC-32 and length of
//! the whole stream go in the trailer. Any gzip reader reads the result as one member.
//!
//! Bytes arrive through [`std::io::Write`] in pieces of any size (the pieces of a splice), so
//! the uncompressed document is never held whole: at most a batch of blocks is.

use flate2::{Compress, Compression, FlushCompress, Status};
use rayon::prelude::*;
use std::io;

/// Uncompressed bytes per independently deflated block.
pub const BLOCK: usize = 1 << 20;
/// What deflate can refer back to: the dictionary carried from one block to the next.
const WINDOW: usize = 32 * 1024;

/// A gzip stream being compressed in parallel blocks.
pub struct ParallelGzip {
    level: u32,
    /// Full blocks waiting to be deflated together.
    batch: Vec<Vec<u8>>,
    /// How many blocks a batch holds before it is deflated (a bound on memory).
    batch_len: usize,
    /// The block being filled.
    current: Vec<u8>,
    /// The last [`WINDOW`] bytes before the first block of the batch.
    dictionary: Vec<u8>,
    crc: crc32fast::Hasher,
    /// Uncompressed bytes so far.
    total: u64,
    out: Vec<u8>,
}

impl ParallelGzip {
    /// A stream at `level` whose header names operating system `os`; `expected_output` sizes
    /// the compressed buffer (a hint).
    pub fn new(level: u32, os: u8, expected_output: usize) -> ParallelGzip {
        let mut out = Vec::with_capacity(expected_output.max(64));
        // XFL as zlib and flate2 set it: 2 for the slowest level, 4 for the fastest, else 0.
        let xfl = match level {
            9.. => 2,
            0 | 1 => 4,
            _ => 0,
        };
        // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL OS: the header Live itself writes.
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, os]);
        ParallelGzip {
            level,
            batch: Vec::new(),
            batch_len: 2 * rayon::current_num_threads().max(2),
            current: Vec::with_capacity(BLOCK),
            dictionary: Vec::new(),
            crc: crc32fast::Hasher::new(),
            total: 0,
            out,
        }
    }

    /// Deflates the blocks of the batch in parallel and appends them in order. The last block
    /// of the whole stream is deflated with `last`.
    fn flush_batch(&mut self, last: bool) -> io::Result<()> {
        let batch = std::mem::take(&mut self.batch);
        let level = self.level;
        let count = batch.len();
        let deflated: Vec<io::Result<Vec<u8>>> = (0..count)
            .into_par_iter()
            .map(|i| {
                let dictionary = if i == 0 {
                    &self.dictionary[..]
                } else {
                    tail(&batch[i - 1])
                };
                deflate_block(level, dictionary, &batch[i], last && i + 1 == count)
            })
            .collect();
        for block in deflated {
            self.out.extend_from_slice(&block?);
        }
        if let Some(end) = batch.last() {
            self.dictionary = tail(end).to_vec();
        }
        Ok(())
    }

    /// Ends the stream: the last block, then the CRC-32 and length trailer.
    pub fn finish(mut self) -> io::Result<Vec<u8>> {
        let current = std::mem::take(&mut self.current);
        self.batch.push(current);
        self.flush_batch(true)?;
        let crc = self.crc.clone().finalize();
        let total = self.total;
        self.out.extend_from_slice(&crc.to_le_bytes());
        // ISIZE is the length modulo 2^32 (RFC 1952).
        self.out.extend_from_slice(&(total as u32).to_le_bytes());
        Ok(self.out)
    }
}

impl ParallelGzip {
    /// Ends the deflate data without ending the stream: the last block sync-flushed (a byte
    /// boundary, no block final), so more deflate blocks may follow. Returns the raw deflate
    /// data (no gzip header), the CRC-32 state and the length of what was written.
    pub fn finish_open(mut self) -> io::Result<(Vec<u8>, crc32fast::Hasher, u64)> {
        let current = std::mem::take(&mut self.current);
        if !current.is_empty() {
            self.batch.push(current);
        }
        self.flush_batch(false)?;
        self.out.drain(..10);
        Ok((self.out, self.crc, self.total))
    }
}

impl io::Write for ParallelGzip {
    fn write(&mut self, mut bytes: &[u8]) -> io::Result<usize> {
        let written = bytes.len();
        self.crc.update(bytes);
        self.total += written as u64;
        while !bytes.is_empty() {
            let room = BLOCK - self.current.len();
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            self.current.extend_from_slice(now);
            bytes = rest;
            if self.current.len() == BLOCK {
                let full = std::mem::replace(&mut self.current, Vec::with_capacity(BLOCK));
                self.batch.push(full);
                if self.batch.len() == self.batch_len {
                    self.flush_batch(false)?;
                }
            }
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn tail(block: &[u8]) -> &[u8] {
    &block[block.len().saturating_sub(WINDOW)..]
}

/// One block as raw deflate: ended by a sync flush (byte-aligned, the stream goes on), or
/// finished when it is the stream's last.
fn deflate_block(level: u32, dictionary: &[u8], data: &[u8], last: bool) -> io::Result<Vec<u8>> {
    let mut c = Compress::new(Compression::new(level), false);
    if !dictionary.is_empty() {
        c.set_dictionary(dictionary).map_err(io::Error::other)?;
    }
    let mut out = Vec::with_capacity(data.len() / 4 + 1024);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        let consumed = c.total_in() as usize;
        let status = c
            .compress_vec(&data[consumed..], &mut out, flush)
            .map_err(io::Error::other)?;
        let all_in = c.total_in() as usize == data.len();
        // zlib's rule: a flush is complete when it returns with output space to spare.
        let done = match (last, status) {
            (true, Status::StreamEnd) => true,
            (true, _) => false,
            (false, _) => all_in && out.len() < out.capacity(),
        };
        if done {
            return Ok(out);
        }
        out.reserve(out.capacity().max(4096));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn gunzip(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn blocks_read_back_as_one_gzip_member_whatever_the_piece_sizes() {
        // Several blocks and batches, written in uneven pieces, with repeats across cuts.
        let text: Vec<u8> = (0..(BLOCK * 9 + 12345))
            .map(|i| b"<Track Id=\"1\"/>\n"[i % 16] ^ ((i / 70_000) as u8 & 1))
            .collect();
        let mut gz = ParallelGzip::new(6, 3, 0);
        let mut at = 0;
        for step in [1, 7, BLOCK - 3, 100_000, BLOCK * 3].iter().cycle() {
            let end = (at + step).min(text.len());
            gz.write_all(&text[at..end]).unwrap();
            at = end;
            if at == text.len() {
                break;
            }
        }
        let out = gz.finish().unwrap();
        assert_eq!(&out[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
        assert_eq!(gunzip(&out), text);
    }

    #[test]
    fn empty_and_tiny_streams_are_valid_gzip() {
        for text in [&b""[..], b"<", b"<Ableton/>\n"] {
            let mut gz = ParallelGzip::new(6, 11, 0);
            gz.write_all(text).unwrap();
            assert_eq!(gunzip(&gz.finish().unwrap()), text);
        }
    }
}
