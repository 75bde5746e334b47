//! A deflate stream rewritten from its first edit on only: the edited start deflated anew,
//! the original's compressed blocks after it kept bit for bit.
//!
//! Deflate (RFC 1951 §3.2.3) is a sequence of blocks. A block carries its own codes and
//! refers back at most 32 KiB (the window) into what the stream inflated before it; it holds
//! no other state. So the original's bits from a block's start at uncompressed offset `U`
//! inflate to the original's bytes from `U` on in any stream whose output up to that point
//! ends with the same 32 KiB as the original's. When every edit ends at least 32 KiB before
//! `U`, the new stream is:
//!
//! 1. the edited bytes before `U`, deflated, ended by a sync flush (a byte boundary; no block
//!    is final);
//! 2. empty blocks bringing the bit position to the original block's, modulo 8: up to three
//!    fixed-Huffman ones (10 bits each: BFINAL 0, BTYPE 01, the end-of-block code 0000000),
//!    led for an odd position by a dynamic-Huffman one of 91 bits;
//! 3. the original's bits from that block on: its first byte shares its low bits with the
//!    padding, every later byte is the original's.
//!
//! A recolour of the benchmark's 2 000-track DAWproject edits only `Structure`, the first
//! 1.7 MB of 12.1 MB: the other 10.4 MB keep their compressed bytes instead of being deflated
//! again (issue #19).
//!
//! The block starts are recorded while the original is inflated ([`Inflater`], zlib's
//! `Z_BLOCK` flush through `libz-rs-sys`, the C interface of the zlib-rs that flate2 already
//! uses here: flate2 does not expose `Z_BLOCK` nor the bit position it reports). The result is
//! checked like any written stream: the write's read-back inflates it whole and compares it
//! with the edited document.

use libz_rs_sys as z;
use std::mem::MaybeUninit;

/// What a block refers back to, at most (RFC 1951 §2): an edit must end this far before a
/// kept block's start.
pub const WINDOW: u64 = 32 * 1024;

/// Where a deflate block starts in a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockStart {
    /// The bit of the compressed stream where the block's header starts (0-based; bit `k` is
    /// bit `k % 8`, least significant first, of byte `k / 8`).
    pub bit: u64,
    /// The offset in the inflated data of the block's first byte (0-based).
    pub at: u64,
}

/// A raw deflate decoder that stops at every block's end and says where the next starts.
pub struct Inflater {
    // Boxed: zlib's state points back at its stream, which must not move once initialised.
    stream: Box<z::z_stream>,
}

/// What one [`Inflater::inflate`] call did.
#[derive(Debug)]
pub struct Step {
    /// Bytes of the input consumed.
    pub read: usize,
    /// Bytes of the output written (initialised).
    pub written: usize,
    /// True when the final block ended: the stream is complete.
    pub ended: bool,
    /// The block the stream stopped in front of, when it stopped at a block's end and the
    /// stream goes on.
    pub next_block: Option<BlockStart>,
}

impl Inflater {
    /// A decoder of raw deflate data (no zlib or gzip framing) with a 32 KiB window.
    pub fn new() -> Inflater {
        let mut stream = Box::new(z::z_stream::default());
        // SAFETY: `stream` is a default z_stream (allocator set, no buffers); the version
        // and size are the library's own.
        let ret = unsafe {
            z::inflateInit2_(
                &mut *stream,
                -15,
                z::zlibVersion(),
                std::mem::size_of::<z::z_stream>() as i32,
            )
        };
        assert_eq!(ret, z::Z_OK, "inflateInit2 of a raw stream");
        Inflater { stream }
    }

    /// Bytes consumed so far.
    pub fn total_in(&self) -> u64 {
        wide(self.stream.total_in)
    }

    /// Bytes inflated so far.
    pub fn total_out(&self) -> u64 {
        wide(self.stream.total_out)
    }

    /// Inflates from `input` into `output` until the output is full, the input is used up, or
    /// a block ends. Errors: the data is not deflate (zlib's message).
    pub fn inflate(
        &mut self,
        input: &[u8],
        output: &mut [MaybeUninit<u8>],
    ) -> Result<Step, String> {
        let s = &mut *self.stream;
        s.next_in = input.as_ptr();
        s.avail_in = input.len().min(u32::MAX as usize) as u32;
        s.next_out = output.as_mut_ptr().cast();
        s.avail_out = output.len().min(u32::MAX as usize) as u32;
        let (in_before, out_before) = (s.avail_in, s.avail_out);
        // SAFETY: the stream was initialised by `new`; `next_in`/`avail_in` describe `input`
        // and `next_out`/`avail_out` the writable `output`, both alive for the call.
        let ret = unsafe { z::inflate(s, z::Z_BLOCK) };
        let read = (in_before - s.avail_in) as usize;
        let written = (out_before - s.avail_out) as usize;
        // Not left pointing into buffers that are about to go.
        s.next_in = std::ptr::null();
        s.next_out = std::ptr::null_mut();
        match ret {
            z::Z_OK | z::Z_BUF_ERROR | z::Z_STREAM_END => {}
            _ => {
                let message = if s.msg.is_null() {
                    format!("zlib error {ret}")
                } else {
                    // SAFETY: zlib's messages are static NUL-terminated strings.
                    unsafe { std::ffi::CStr::from_ptr(s.msg) }
                        .to_string_lossy()
                        .into_owned()
                };
                return Err(message);
            }
        }
        let ended = ret == z::Z_STREAM_END;
        // data_type (zlib's inflate(), Z_BLOCK): 128 when stopped right after a block's end
        // (or before the first), 64 when that block was the last, and the count of bits
        // read from the input but not used in its low six bits (zlib-rs keeps up to 63).
        let state = s.data_type;
        let next_block =
            (!ended && state & 128 != 0 && state & 64 == 0 && s.total_out > 0).then(|| {
                BlockStart {
                    bit: wide(s.total_in) * 8 - (state & 63) as u64,
                    at: wide(s.total_out),
                }
            });
        Ok(Step {
            read,
            written,
            ended,
            next_block,
        })
    }
}

/// zlib's byte counts (`z_size`: C's `unsigned long`, 64 bits here, 32 on Windows) as `u64`.
#[allow(clippy::unnecessary_cast)]
fn wide(n: std::ffi::c_ulong) -> u64 {
    n as u64
}

impl Default for Inflater {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        // SAFETY: initialised by `new`, ended once.
        unsafe { z::inflateEnd(&mut *self.stream) };
    }
}

/// The block of `blocks` (sorted by position) from which an original of `len` inflated bytes
/// can be kept when its edits end at `edited_to` (an offset in the original's inflated data):
/// the first at least [`WINDOW`] bytes after the edits, before the end. `None` when there is
/// none (the whole stream is deflated anew).
pub fn kept_from(blocks: &[BlockStart], edited_to: u64, len: u64) -> Option<BlockStart> {
    blocks
        .iter()
        .copied()
        .find(|b| b.at >= edited_to.saturating_add(WINDOW) && b.at < len)
}

/// Appends to `out` (a deflate stream ending on a byte boundary, no block final) the empty
/// blocks and the bits of `original` from `from` on, so that `out` then inflates to what it
/// did, followed by the original's inflated bytes from `from.at` on.
///
/// `from` must be a block start of `original` ([`kept_from`]).
pub fn append_kept(out: &mut Vec<u8>, original: &[u8], from: BlockStart) {
    let offset = (from.bit % 8) as u32;
    let mut bits = Bits::default();
    // Empty blocks whose lengths add up to `offset` bits past a byte boundary, modulo 8: a
    // fixed one is 10 bits (2 past), the dynamic one 91 (3 past).
    if offset % 2 == 1 {
        empty_dynamic_block(&mut bits);
    }
    while bits.count % 8 != offset {
        empty_fixed_block(&mut bits);
    }
    bits.flush_whole_bytes(out);
    debug_assert_eq!(bits.count, offset);
    let first = (from.bit / 8) as usize;
    // The padding's last `offset` bits, then the original's from its block's first bit.
    let keep_mask = (0xffu32 << offset) as u8;
    out.push((bits.value as u8) | (original[first] & keep_mask));
    out.extend_from_slice(&original[first + 1..]);
}

/// Bits being written, least significant first (RFC 1951 §3.1.1).
#[derive(Default)]
struct Bits {
    value: u128,
    count: u32,
}

impl Bits {
    /// Appends the `n` low bits of `v`, least significant first (header fields, extra bits;
    /// also one-bit Huffman codes, which read the same either way).
    fn put(&mut self, v: u32, n: u32) {
        self.value |= u128::from(v & ((1 << n) - 1)) << self.count;
        self.count += n;
    }

    /// Moves the whole bytes written to `out`, keeping the bits past the last.
    fn flush_whole_bytes(&mut self, out: &mut Vec<u8>) {
        while self.count >= 8 {
            out.push(self.value as u8);
            self.value >>= 8;
            self.count -= 8;
        }
    }
}

/// An empty fixed-Huffman block (RFC 1951 §3.2.6): BFINAL 0, BTYPE 01, the end-of-block code
/// 256 (seven 0 bits). 10 bits.
fn empty_fixed_block(bits: &mut Bits) {
    bits.put(0, 1);
    bits.put(1, 2);
    bits.put(0, 7);
}

/// An empty dynamic-Huffman block (RFC 1951 §3.2.7), 91 bits: literal/length codes for byte 0
/// and end-of-block (one bit each, a complete code), one distance code of one bit (as §3.2.7
/// allows), their code lengths coded with the code-length symbols 1 and 18 (one bit each),
/// then the end-of-block code.
fn empty_dynamic_block(bits: &mut Bits) {
    bits.put(0, 1); // BFINAL
    bits.put(2, 2); // BTYPE 10
    bits.put(0, 5); // HLIT: 257 literal/length codes
    bits.put(0, 5); // HDIST: 1 distance code
    bits.put(14, 4); // HCLEN: 18 code-length code lengths
    // In the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1: 18 and 1 have length 1.
    for symbol in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1] {
        bits.put(u32::from(symbol == 18 || symbol == 1), 3);
    }
    // Canonical codes: code-length symbol 1 is 0, 18 is 1.
    bits.put(0, 1); // literal 0: length 1
    bits.put(1, 1); // 18: 138 zeros (literals 1..=138)
    bits.put(138 - 11, 7);
    bits.put(1, 1); // 18: 117 zeros (literals 139..=255)
    bits.put(117 - 11, 7);
    bits.put(0, 1); // end-of-block: length 1
    bits.put(0, 1); // distance 0: length 1
    // Canonical codes: literal 0 is 0, end-of-block is 1.
    bits.put(1, 1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};

    /// Inflates `data` whole, recording its block starts.
    fn inflate_recording(data: &[u8], size: usize) -> (Vec<u8>, Vec<BlockStart>) {
        let mut inflater = Inflater::new();
        let mut out: Vec<u8> = Vec::with_capacity(size);
        let mut blocks = Vec::new();
        let mut pos = 0;
        loop {
            let before = out.len();
            let step = inflater
                .inflate(&data[pos..], &mut out.spare_capacity_mut()[..size - before])
                .unwrap();
            pos += step.read;
            // SAFETY: the step initialised `written` bytes after `before`.
            unsafe { out.set_len(before + step.written) };
            blocks.extend(step.next_block);
            if step.ended {
                return (out, blocks);
            }
            assert!(step.read > 0 || step.written > 0, "stuck");
        }
    }

    fn deflate_at(data: &[u8], level: u32) -> Vec<u8> {
        let mut c = Compress::new(Compression::new(level), false);
        let mut out = Vec::with_capacity(data.len() + 1024);
        c.compress_vec(data, &mut out, FlushCompress::Finish)
            .unwrap();
        out
    }

    fn inflate_plain(data: &[u8]) -> Vec<u8> {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// Text like a project.xml: repetitive tags with varying numbers.
    fn document(tracks: usize) -> Vec<u8> {
        let mut s = String::new();
        for i in 0..tracks {
            s.push_str(&format!(
                "<Track id=\"t{i}\" name=\"Track {i}\" color=\"#{:06x}\"><Channel volume=\"{}\"/></Track>\n",
                (i * 2654435761usize) & 0xffffff,
                (i * 7919) % 1000
            ));
        }
        s.into_bytes()
    }

    #[test]
    fn every_recorded_block_start_can_be_kept_behind_a_new_start() {
        let doc = document(40_000);
        for level in [0, 1, 6, 9] {
            let original = deflate_at(&doc, level);
            let (inflated, blocks) = inflate_recording(&original, doc.len());
            assert_eq!(inflated, doc);
            // zlib-rs's level 1 writes one fixed-Huffman block as long as its buffer.
            if level != 1 {
                assert!(blocks.len() > 5, "level {level}: {} blocks", blocks.len());
            }
            for b in &blocks {
                // A new start of other bytes, then the window the block refers back into.
                let at = b.at as usize;
                let mut start = b"<Edited/>".repeat(100);
                start.extend_from_slice(&doc[at - WINDOW as usize..at]);
                let mut c = Compress::new(Compression::new(1), false);
                let mut out = Vec::with_capacity(start.len() + 1024);
                c.compress_vec(&start, &mut out, FlushCompress::Sync)
                    .unwrap();
                append_kept(&mut out, &original, *b);
                let mut expected = start.clone();
                expected.extend_from_slice(&doc[at..]);
                assert!(
                    inflate_plain(&out) == expected,
                    "level {level}, block at {b:?}"
                );
            }
        }
    }

    #[test]
    fn a_kept_block_starts_a_window_after_the_edits_before_the_end() {
        let block = |bit, at| BlockStart { bit, at };
        let blocks = [
            block(1000, 10_000),
            block(5001, 50_000),
            block(9002, 90_000),
        ];
        assert_eq!(kept_from(&blocks, 0, 100_000), Some(blocks[1]));
        assert_eq!(kept_from(&blocks, 17_232, 100_000), Some(blocks[1]));
        assert_eq!(
            kept_from(&blocks, 17_233, 100_000),
            Some(blocks[2]),
            "within a window"
        );
        assert_eq!(kept_from(&blocks, 60_000, 100_000), None);
        assert_eq!(
            kept_from(&blocks, 60_000, 90_000),
            None,
            "a block at the end keeps nothing"
        );
    }

    #[test]
    fn the_empty_blocks_inflate_to_nothing_at_every_bit_offset() {
        for offset in 0..8u64 {
            // A stored block of "abc", then the padding for a block at `offset`, then a final
            // fixed block of "d" shifted to that offset.
            let mut out = vec![0x00, 3, 0, 0xfc, 0xff, b'a', b'b', b'c'];
            let mut tail = Bits::default();
            tail.put(0, offset as u32); // the bits before the block in a made-up original
            tail.put(1, 1); // BFINAL
            tail.put(1, 2); // BTYPE 01
            // Literal 'd' (0x64) in the fixed code: 0x30 + 0x64, 8 bits, most significant first.
            let code = 0x30 + 0x64u32;
            tail.put(code.reverse_bits() >> 24, 8);
            tail.put(0, 7); // end of block
            let mut original = Vec::new();
            tail.count += 7; // whole bytes
            tail.flush_whole_bytes(&mut original);
            append_kept(&mut out, &original, BlockStart { bit: offset, at: 1 });
            assert_eq!(inflate_plain(&out), b"abcd", "offset {offset}");
        }
    }
}
