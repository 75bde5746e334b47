//! How an `.RPP` file is fed to the line scanner ([`super::scan`]): whole, or a large one in
//! parts on several cores, or (the verification of a staged output) read from disk a block
//! at a time so that it is never held whole.
//!
//! Each part after the first is scanned as if it began directly inside the project, at a
//! `<TRACK` line, and that guess is checked against where the part before it really ended; a
//! part guessed wrong is scanned again from the true state. The result is the same as one
//! pass, errors included.

use super::scan::{Scanned, State, Text, finish, header, scan_part};
use crate::formats::{FormatError, WriteError};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Parts smaller than this are not worth a thread.
const MIN_PART: usize = 4 << 20;

pub fn scan(src: &[u8]) -> Result<Scanned, FormatError> {
    let parts = rayon::current_num_threads().min(src.len() / MIN_PART);
    scan_in_parts(src, parts)
}

/// [`scan`] cutting the file in (at most) `parts` parts.
fn scan_in_parts(src: &[u8], parts: usize) -> Result<Scanned, FormatError> {
    let head = header(src)?;
    let text = &Text::whole(src);
    let mut state = State::top();
    state.root_at(head.root);
    let cuts = part_starts(src, head.body, parts.max(1));
    let ends: Vec<usize> = cuts[1..].iter().copied().chain([src.len()]).collect();
    // The first part from the true state, the others at once from a guess (see the module
    // docs).
    let (first, guessed) = rayon::join(
        || scan_part(text, cuts[0]..ends[0], &mut state),
        || {
            use rayon::prelude::*;
            (1..cuts.len())
                .into_par_iter()
                .map(|k| {
                    let mut part = State::top();
                    let result = scan_part(text, cuts[k]..ends[k], &mut part);
                    (part, result)
                })
                .collect::<Vec<_>>()
        },
    );
    first?;
    take_guessed_parts(&mut state, guessed, |k, state| {
        scan_part(text, cuts[k + 1]..ends[k + 1], state)
    })?;
    finish(text, src.len(), head.platform, head.line_ending, state)
}

/// Bytes read at a time by [`scan_file`].
const BLOCK: usize = 1 << 20;

/// [`scan`] of a file read from `reader` a block at a time, so that it is never held whole.
/// The document's ranges are file offsets as usual; places in errors are byte offsets
/// (lines are not counted).
fn scan_reader_in_blocks(reader: &mut dyn Read, block: usize) -> Result<Scanned, WriteError> {
    let mut state = State::top();
    let (head, len) = scan_stream(reader, 0, block, &mut state, true)?;
    let (platform, ending) = head.unwrap_or((None, b"\n"));
    Ok(finish(&Text::streamed(), len, platform, ending, state)?)
}

/// The platform and line ending the first line gave.
type Head = (Option<String>, &'static [u8]);

/// Scans on from `state` the lines `reader` gives, the first at file offset `start`, a block
/// at a time; with `head`, the first is the project's first line. Returns what that line
/// gave and the offset just past the last byte read.
fn scan_stream(
    reader: &mut dyn Read,
    start: usize,
    block: usize,
    state: &mut State,
    head: bool,
) -> Result<(Option<Head>, usize), WriteError> {
    let mut buf: Vec<u8> = Vec::with_capacity(block);
    // File offset of `buf[0]`.
    let mut base = start;
    let mut want = block;
    let mut first: Option<Head> = None;
    // `buf` starts with a line longer than a block.
    let mut long = false;
    loop {
        let have = buf.len();
        reader
            .take(want.saturating_sub(have) as u64)
            .read_to_end(&mut buf)?;
        let end_of_file = buf.len() < want;
        if long && (end_of_file || memchr::memchr(b'\n', &buf[have..]).is_some()) {
            // The long line alone, its buffer handed over to a name it holds.
            let end = memchr::memchr(b'\n', &buf[have..]).map_or(buf.len(), |i| have + i + 1);
            let rest = buf.split_off(end);
            scan_long_line(std::mem::replace(&mut buf, rest), base, state)?;
            base += end;
            long = false;
            want = block;
            if end_of_file && buf.is_empty() {
                return Ok((first, base));
            }
            continue;
        }
        // Whole lines only: up to the last line ending, or the end of the file.
        let complete = match memchr::memrchr(b'\n', &buf) {
            _ if end_of_file => buf.len(),
            Some(i) => i + 1,
            None => {
                // A line longer than a block: read on.
                want = buf.len() + block;
                long = !(head && first.is_none());
                continue;
            }
        };
        let from = if head && first.is_none() {
            let head = header(&buf)?;
            state.root_at(head.root);
            first = Some((head.platform, head.line_ending));
            head.body
        } else {
            base
        };
        let text = Text::block(&buf, base);
        scan_part(&text, from..base + complete, state)?;
        buf.drain(..complete);
        base += complete;
        want = block;
        if end_of_file {
            return Ok((first, base));
        }
    }
}

/// Scans on from `state` the one line `line` holds (at file offset `base`), longer than a
/// block: a track name on it is made from the line's buffer, not copied out of it, so that
/// the line and its name are never held at once.
fn scan_long_line(line: Vec<u8>, base: usize, state: &mut State) -> Result<(), FormatError> {
    let text = Text::one_line(&line, base);
    scan_part(&text, base..base + line.len(), state)?;
    let Some(name) = text.deferred_name() else {
        return Ok(());
    };
    let mut line = line;
    line.copy_within(name.start - base..name.end - base, 0);
    line.truncate(name.len());
    line.shrink_to_fit();
    state.name_open_track(crate::name_bytes::decode_owned(line));
    Ok(())
}

/// [`scan`] of the file at `path`, read a block at a time so that it is never held whole
/// (how a staged output is verified); a large one in parts on several cores as [`scan`]
/// does, each part through its own handle. Places in errors are byte offsets.
pub fn scan_file(path: &Path) -> Result<Scanned, WriteError> {
    let len = std::fs::metadata(path)?.len() as usize;
    scan_file_in(
        path,
        rayon::current_num_threads().min(len / MIN_PART),
        BLOCK,
    )
}

/// [`scan_file`] in (at most) `parts` parts, read `block` bytes at a time.
fn scan_file_in(path: &Path, parts: usize, block: usize) -> Result<Scanned, WriteError> {
    let file = File::open(path)?;
    let len = file.metadata()?.len() as usize;
    let mut cuts = Vec::new();
    for k in 1..parts {
        match file_track_line(&file, len / parts * k)? {
            Some(start) if start > cuts.last().copied().unwrap_or(0) => cuts.push(start),
            _ => break,
        }
    }
    // Finding the cuts moved the handle.
    (&file).seek(SeekFrom::Start(0))?;
    if cuts.is_empty() {
        return scan_reader_in_blocks(&mut &file, block);
    }
    let ends: Vec<usize> = cuts[1..].iter().copied().chain([len]).collect();
    let part = |start: usize, end: usize, state: &mut State| -> Result<(), WriteError> {
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(start as u64))?;
        scan_stream(
            &mut file.take((end - start) as u64),
            start,
            block,
            state,
            false,
        )?;
        Ok(())
    };
    let mut state = State::top();
    let (first, guessed) = rayon::join(
        || {
            scan_stream(
                &mut (&file).take(cuts[0] as u64),
                0,
                block,
                &mut state,
                true,
            )
        },
        || {
            use rayon::prelude::*;
            (0..cuts.len())
                .into_par_iter()
                .map(|k| {
                    let mut guess = State::top();
                    let result = part(cuts[k], ends[k], &mut guess);
                    (guess, result)
                })
                .collect::<Vec<_>>()
        },
    );
    let (head, _) = first?;
    take_guessed_parts(&mut state, guessed, |k, state| {
        part(cuts[k], ends[k], state)
    })?;
    let (platform, ending) = head.unwrap_or((None, b"\n"));
    Ok(finish(&Text::streamed(), len, platform, ending, state)?)
}

/// [`track_line`] in a window of the file around `from`: a cut for [`scan_file`].
fn file_track_line(file: &File, from: usize) -> io::Result<Option<usize>> {
    // REAPER writes a `<TRACK` line every few kilobytes; a window without one is no cut.
    const WINDOW: usize = 256 * 1024;
    let mut window = Vec::with_capacity(WINDOW);
    let mut reader = file;
    reader.seek(SeekFrom::Start(from as u64))?;
    reader.take(WINDOW as u64).read_to_end(&mut window)?;
    Ok(track_line(&window, 0).map(|i| from + i))
}

/// Appends to `state` (where the parts before ended) each part scanned from a guessed start,
/// in order: taken as it is when that guess held (the scan stood directly inside the project),
/// scanned again by `rescan(k, state)` from the true state otherwise.
fn take_guessed_parts<E>(
    state: &mut State,
    guessed: Vec<(State, Result<(), E>)>,
    mut rescan: impl FnMut(usize, &mut State) -> Result<(), E>,
) -> Result<(), E> {
    for (k, (part, result)) in guessed.into_iter().enumerate() {
        if state.at_top() {
            result?;
            state.append(part);
        } else {
            rescan(k, state)?;
        }
    }
    Ok(())
}

/// Where the parts of a large file start: the first part at `body`, every other one at a
/// `<TRACK` line near an even share of the file.
fn part_starts(src: &[u8], body: usize, parts: usize) -> Vec<usize> {
    let mut cuts = vec![body];
    for k in 1..parts {
        let last = *cuts.last().unwrap_or(&body);
        match track_line(src, (src.len() / parts * k).max(last)) {
            Some(start) if start > last => cuts.push(start),
            _ => break,
        }
    }
    cuts
}

/// The start of the first line at or after `from` whose text (after its indent) begins with
/// `<TRACK` and whose line ending before it lies in `bytes`.
fn track_line(bytes: &[u8], from: usize) -> Option<usize> {
    let finder = memchr::memmem::Finder::new(b"<TRACK");
    let mut at = from;
    loop {
        let pos = at + finder.find(&bytes[at..])?;
        if let Some(newline) = memchr::memrchr(b'\n', &bytes[..pos]) {
            let start = newline + 1;
            if start >= from && bytes[start..pos].iter().all(|b| *b == b' ' || *b == b'\t') {
                return Some(start);
            }
        }
        at = pos + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Place;

    fn project(tracks: &[&str]) -> String {
        let mut text = String::from("<REAPER_PROJECT 0.1 \"7.0/win64\" 1\n  RIPPLE 0\n");
        for t in tracks {
            text.push_str(t);
        }
        text.push_str(">\n");
        text
    }

    const PLAIN: &str = "  <TRACK {A}\n    NAME \"a b\"\n    PEAKCOL 16576\n    ISBUS 1 1\n    <ITEM\n      MUTE 1 0\n      <SOURCE MIDI\n        FILE \"x/y.mid\"\n      >\n    >\n  >\n";
    const RECEIVE: &str = "  <TRACK\n    NAME r\n    ISBUS 2 -1\n    AUXRECV 0 0 1 0 0 0 0 0 0 -1:U 0 -1 ''\n    <FXCHAIN\n      <VST \"VSTi: Synth\" s.dll\n        abc\n      >\n    >\n  >\n";
    /// A `<TRACK` line inside another chunk: a cut there is a wrong guess.
    const NESTED: &str = "  <TRACK {N}\n    <NOTES\n      <TRACK inside\n      >\n    >\n  >\n";

    /// Scanning in any number of parts gives what one pass gives, errors included.
    #[test]
    fn parts_scan_as_one_pass() {
        let mut inputs = vec![
            project(&[PLAIN, RECEIVE, NESTED, PLAIN, NESTED, NESTED, RECEIVE]),
            project(&[NESTED; 9]),
            // Damaged after a cut: an unterminated quote, a chunk never closed, text after
            // the project, a stray `>`.
            project(&[
                PLAIN,
                RECEIVE,
                PLAIN,
                "  <TRACK\n    NAME \"open\n  >\n",
                PLAIN,
            ]),
            project(&[PLAIN, RECEIVE, PLAIN, "  <TRACK\n", PLAIN]),
            project(&[PLAIN, RECEIVE, PLAIN]) + "  <TRACK\n  >\n",
            project(&[PLAIN, RECEIVE, PLAIN, ">\n", PLAIN]),
        ];
        inputs.push(inputs[0].replace('\n', "\r\n"));
        for input in &inputs {
            let one = scan_in_parts(input.as_bytes(), 1);
            for parts in 2..12 {
                assert_eq!(
                    scan_in_parts(input.as_bytes(), parts),
                    one,
                    "{parts} parts of {input}"
                );
            }
        }
        // Read a block at a time: the same, errors placed by byte instead of line.
        for input in &inputs {
            let one = scan_in_parts(input.as_bytes(), 1);
            for block in [1, 2, 3, 7, 40, 1000] {
                let streamed = scan_reader_in_blocks(&mut input.as_bytes(), block);
                match (&one, streamed) {
                    (Ok(a), Ok(b)) => assert_eq!(a, &b, "blocks of {block}: {input}"),
                    (Err(a), Err(WriteError::Format(b))) => {
                        assert_eq!(a.message, b.message, "blocks of {block}: {input}");
                        assert!(matches!(b.place, Place::Byte(_) | Place::Line(1, _)));
                    }
                    (a, b) => panic!("blocks of {block}: {a:?} but {b:?}"),
                }
            }
        }
        // A file read in parts, a block at a time: the same again.
        let dir = tempfile::tempdir().unwrap();
        for (i, input) in inputs.iter().enumerate() {
            let path = dir.path().join(format!("{i}.rpp"));
            std::fs::write(&path, input).unwrap();
            let one = scan_in_parts(input.as_bytes(), 1);
            for parts in 1..7 {
                for block in [3, 40, 1000] {
                    match (&one, scan_file_in(&path, parts, block)) {
                        (Ok(a), Ok(b)) => assert_eq!(a, &b, "{parts} parts of {block}: {input}"),
                        (Err(a), Err(WriteError::Format(b))) => {
                            assert_eq!(a.message, b.message, "{parts} parts of {block}: {input}")
                        }
                        (a, b) => panic!("{parts} parts of {block}: {a:?} but {b:?}"),
                    }
                }
            }
        }
        let first = File::open(dir.path().join("0.rpp")).unwrap();
        assert!(
            file_track_line(&first, inputs[0].len() / 2)
                .unwrap()
                .is_some()
        );
        let whole = scan_in_parts(inputs[0].as_bytes(), 1).unwrap();
        assert_eq!(whole.doc.tracks.len(), 7);
        assert!(part_starts(inputs[0].as_bytes(), 0, 4).len() > 1);
    }

    /// A line longer than a block is scanned alone and a track name on it made from its
    /// buffer: the same names as one pass, bytes that are not UTF-8 included.
    #[test]
    fn long_lines_read_as_one_pass() {
        let long = "x".repeat(100);
        let tracks: Vec<Vec<u8>> = vec![
            format!("  <TRACK\n    NAME \"{long} a\"\n    PEAKCOL 1\n  >\n").into_bytes(),
            [
                b"  <TRACK\n    NAME 'kick \xe9 ".as_slice(),
                long.as_bytes(),
                b"'\n  >\n",
            ]
            .concat(),
            format!("  <TRACK\n    NAME {long}\n    <NAME\n      |{long}\n      |b\n    >\n  >\n")
                .into_bytes(),
            format!("  <TRACK\n    NAME \"a\"\n    <NOTES\n      |{long}\n    >\n  >\n")
                .into_bytes(),
            format!("  <TRACK\r\n    NAME \"{long}\"\r\n  >\r\n").into_bytes(),
        ];
        let mut input = b"<REAPER_PROJECT 0.1 \"7.0/win64\" 1\n".to_vec();
        for t in &tracks {
            input.extend_from_slice(t);
        }
        input.extend_from_slice(b">\n");
        let one = scan_in_parts(&input, 1).unwrap();
        assert_eq!(
            one.contents[1].name,
            crate::name_bytes::decode(&[b"kick \xe9 ".as_slice(), long.as_bytes()].concat())
        );
        for block in [1, 2, 3, 7, 40, 99, 100, 101, 1000] {
            let streamed = scan_reader_in_blocks(&mut input.as_slice(), block).unwrap();
            assert_eq!(one, streamed, "blocks of {block}");
        }
    }
}
