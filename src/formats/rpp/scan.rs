//! One pass over an `.RPP` file: chunk structure checked, tracks and the spans of the lines
//! premix may edit recorded. Nothing is copied or re-serialised; every value keeps its byte
//! range in the original file, and the document holds ranges, not copies: what a track holds
//! that is only reported (its name, media, plugins) goes into [`Contents`], which becomes
//! the [`crate::session::Session`] without being copied again.
//!
//! Chunks open with `<TAG args` and close with a line holding only `>`. Tracks are the
//! `<TRACK` chunks directly inside `<REAPER_PROJECT`. The nesting is tracked with an explicit
//! stack, so depth costs memory, never call stack.
//!
//! [`scan_part`] scans whole lines on from a [`State`]; how a file is fed to it (whole, in
//! parts on several cores, or from disk a block at a time) is [`super::parts`]'s job.

use super::quote::{self, Token};
use crate::formats::{FormatError, Place};
use std::ops::Range;

/// A value token of a line, with its absolute byte range in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field<T> {
    pub value: T,
    pub span: Range<usize>,
}

/// One receive (`AUXRECV`), which names its source by track index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receive {
    pub source: Field<usize>,
    /// The whole line, line ending included.
    pub line: Range<usize>,
}

/// `ISBUS <flag> [<depth delta>]`; REAPER 2/3 wrote the flag alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderState {
    pub flag: i32,
    pub delta: i32,
    /// The arguments after `ISBUS `, up to the line ending.
    pub args: Range<usize>,
    pub single_argument: bool,
}

/// Where in a `<TRACK` chunk premix may edit: byte ranges of the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RppTrack {
    /// From the `<TRACK` line's start to the end of its closing `>` line (line ending included).
    pub chunk: Range<usize>,
    /// Offset just after the `<TRACK ...` line (where new key lines may go).
    pub after_header: usize,
    /// The track's GUID as written (the `<TRACK` line's argument, else `TRACKID`), without
    /// its quotes.
    pub guid: Option<Range<usize>>,
    /// Leading whitespace of the `NAME` line, which new key lines copy; `None` without one
    /// (new lines then take the `<TRACK` line's indent and two spaces).
    pub key_indent: Option<Range<usize>>,
    /// The `NAME` value token as written (quotes included).
    pub name: Option<Range<usize>>,
    /// End of the `NAME` line (line ending included).
    pub name_line_end: Option<usize>,
    /// A `<NAME` chunk of `|` lines: REAPER's block encoding of a name that no quote
    /// character can hold (it holds all three). It follows the `NAME` line, which then carries
    /// a lossy copy; the chunk is the real name. `span` covers the whole chunk.
    pub name_block: Option<Box<Field<String>>>,
    pub peakcol: Option<Field<u32>>,
    pub folder: Option<FolderState>,
    /// `MUTESOLO <mute> ...`: the mute token.
    pub mute: Option<Field<bool>>,
    pub receives: Vec<Receive>,
    /// `VOLPAN <volume> <pan> ...`: the fader (linear gain) and pan (-1 left .. 1 right)
    /// tokens.
    pub volume: Option<Field<f64>>,
    pub pan: Option<Field<f64>>,
    /// The track has a `VOLPAN` line (whose tokens may not all be numbers).
    pub volpan: bool,
    /// `MAINSEND <on> ...`: the master/parent send's on token.
    pub main_send: Option<Field<bool>>,
    /// `HWOUT` lines: sends to hardware outputs.
    pub hw_outs: usize,
    /// Offset just past the last `MAINSEND`, `AUXRECV` or `HWOUT` line, where REAPER keeps
    /// a track's routing (a new `HWOUT` goes there).
    pub routing_end: Option<usize>,
    /// The track's volume (`VOLENV2`) and pan (`PANENV2`) envelopes are active (`ACT 1`)
    /// and hold points: the fader or pan plays the envelope, not its `VOLPAN` value.
    pub volume_automated: bool,
    pub pan_automated: bool,
}

/// What a track holds that premix reports but never edits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contents {
    /// The `NAME` value (invalid UTF-8 replaced); a name block, when present, wins.
    pub name: String,
    /// File names (no folders) of the items' sources, item by item.
    pub media_files: Vec<String>,
    pub media_count: usize,
    pub muted_media_count: usize,
    /// Some item plays a MIDI source.
    pub midi: bool,
    /// `MAINSEND 0`: the track's "master/parent send" is off, so its audio does not reach its
    /// folder or the master (corpus: exvertus__test_track.rpp).
    pub main_send_off: bool,
    pub plugins: Vec<String>,
}

/// What premix knows of a REAPER project after one scan.
#[derive(Clone, Debug, PartialEq)]
pub struct RppDocument {
    /// The platform part of the header's version string (`win64`, `macOS-arm64`, ...).
    pub platform: Option<String>,
    pub line_ending: &'static [u8],
    /// Leading whitespace of the (last) `<TRACK` line; `None` without tracks.
    pub track_indent: Option<Range<usize>>,
    pub tracks: Vec<RppTrack>,
    /// Where a new track may be inserted when the project has none: before the root's `>`.
    pub root_close: usize,
    /// `SAMPLERATE <rate> <use it> ...`: the rate, and whether the project fixes it (else it
    /// follows the audio device).
    pub sample_rate: Option<(u32, bool)>,
    /// `RECORD_PATH <primary> <secondary>`, the non-empty ones.
    pub record_paths: Vec<String>,
}

/// A scanned project: the document, and each track's [`Contents`] (same order).
#[derive(Clone, Debug, PartialEq)]
pub struct Scanned {
    pub doc: RppDocument,
    pub contents: Vec<Contents>,
}

/// One line of the file.
struct Line<'a> {
    start: usize,
    /// The line without its line ending.
    text: &'a [u8],
    /// Offset just past the line ending.
    end: usize,
}

impl<'a> Line<'a> {
    /// The line from `start` to `end` (just past its `\n`, or the end of the file).
    fn new(text: &Text<'a>, start: usize, end: usize) -> Line<'a> {
        let mut bytes = text.slice(start..end);
        if let Some(rest) = bytes.strip_suffix(b"\n") {
            bytes = rest;
        }
        // Every CR before the LF: REAPER strips one, and its number parsing stops at the
        // others (a CR CR LF file reads as CR LF).
        while let Some(rest) = bytes.strip_suffix(b"\r") {
            bytes = rest;
        }
        Line {
            start,
            text: bytes,
            end,
        }
    }
}

fn line_at(src: &[u8], start: usize) -> Line<'_> {
    let end = memchr::memchr(b'\n', &src[start..]).map_or(src.len(), |i| start + i + 1);
    Line::new(&Text::whole(src), start, end)
}

/// The bytes a scan reads: the whole file, or (reading a stream) a block of it starting at
/// file offset `base`. Offsets are file offsets either way.
pub(super) struct Text<'a> {
    bytes: &'a [u8],
    base: usize,
    whole: bool,
    /// The bytes are one line whose buffer the reader hands over ([`Text::one_line`]): a
    /// track name it holds is not copied but left to [`Text::deferred_name`].
    one_line: bool,
    // A lock only because parts of a file are scanned on several threads.
    deferred_name: std::sync::OnceLock<Range<usize>>,
}

impl<'a> Text<'a> {
    /// For a place in a file read as a stream (a byte offset).
    pub(super) fn streamed() -> Text<'static> {
        Text::block(&[], 0)
    }

    /// A block of a file read as a stream, starting at file offset `base`.
    pub(super) fn block(bytes: &'a [u8], base: usize) -> Text<'a> {
        Text {
            bytes,
            base,
            whole: false,
            one_line: false,
            deferred_name: std::sync::OnceLock::new(),
        }
    }

    /// One whole line of a file read as a stream, at file offset `base`, whose buffer the
    /// reader can hand over: a track name on it is left out of the track's [`Contents`] and
    /// its range kept for [`Text::deferred_name`], so that a name of hundreds of megabytes is
    /// made from the line's buffer instead of a copy of it (issue #14: under 3x the project's
    /// size while a write is verified).
    pub(super) fn one_line(bytes: &'a [u8], base: usize) -> Text<'a> {
        Text {
            one_line: true,
            ..Text::block(bytes, base)
        }
    }

    pub(super) fn whole(bytes: &'a [u8]) -> Text<'a> {
        Text {
            whole: true,
            ..Text::block(bytes, 0)
        }
    }

    /// The file range of the track name a [`Text::one_line`] scan left for its reader to make
    /// from the line's buffer (see [`State::name_open_track`]).
    pub(super) fn deferred_name(&self) -> Option<Range<usize>> {
        self.deferred_name.get().cloned()
    }

    fn slice(&self, range: Range<usize>) -> &'a [u8] {
        &self.bytes[range.start - self.base..range.end - self.base]
    }

    /// Where the line starting at `offset` is, column `column` (1-based) if given: its line
    /// number, counted only for a message; a byte offset when the file is not held whole.
    fn place(&self, offset: usize, column: Option<usize>) -> Place {
        if self.whole {
            let line = memchr::memchr_iter(b'\n', &self.bytes[..offset]).count() + 1;
            Place::Line(line, column)
        } else {
            Place::Byte((offset + column.map_or(0, |c| c - 1)) as u64)
        }
    }

    /// The line number of the first CR not followed by LF at or after `offset`, when the
    /// file is held whole (a message only; a streamed file says nothing).
    fn lone_cr_after(&self, offset: usize) -> Option<usize> {
        if !self.whole {
            return None;
        }
        let rest = self.bytes.get(offset..)?;
        let cr = memchr::memchr_iter(b'\r', rest)
            .map(|i| offset + i)
            .find(|&i| self.bytes.get(i + 1) != Some(&b'\n'))?;
        Some(memchr::memchr_iter(b'\n', &self.bytes[..cr]).count() + 1)
    }

    fn error(
        &self,
        offset: usize,
        column: Option<usize>,
        message: impl Into<String>,
    ) -> FormatError {
        FormatError {
            place: self.place(offset, column),
            message: message.into(),
        }
    }
}

fn indent_len(text: &[u8]) -> usize {
    // Eight bytes at a time while they are all spaces: REAPER indents two spaces a level, so
    // most lines start with four to ten of them, and this runs for every line.
    let mut i = 0;
    while let Some(word) = text.get(i..i + 8) {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let not_space = word ^ u64::from_le_bytes([b' '; 8]);
        if not_space != 0 {
            // The first byte that is not a space (little-endian: the lowest one).
            i += (not_space.trailing_zeros() / 8) as usize;
            break;
        }
        i += 8;
    }
    // Tabs (and the stray CR REAPER skips too), and what is left of a short line.
    while i < text.len() && matches!(text[i], b' ' | b'\t' | b'\r') {
        i += 1;
    }
    i
}

pub(super) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The file name of a media path written on any platform.
fn file_name(path: &[u8]) -> String {
    let start = path
        .iter()
        .rposition(|b| *b == b'/' || *b == b'\\')
        .map_or(0, |i| i + 1);
    lossy(&path[start..])
}

/// The `n`th token of a line whose quotes were checked, if it has one.
pub(super) fn nth_token(body: &[u8], n: usize) -> Option<Token<'_>> {
    quote::iter(body).nth(n).and_then(Result::ok)
}

/// What kind of chunk is open, as far as premix cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunk {
    Root,
    Track,
    Item,
    Source,
    FxChain,
    NameBlock,
    /// A track's volume (`VOLENV2`) or pan (`PANENV2`) envelope: `true` for volume.
    Envelope(bool),
    Other,
}

/// Where a scan stands between two lines.
#[derive(Default)]
pub(super) struct State {
    /// Open chunks: kind, and the offset of the line that opened it (for messages).
    stack: Vec<(Chunk, usize)>,
    closed_root: bool,
    track: Option<(RppTrack, Contents)>,
    /// The muted flag of the open `<ITEM`, if one is open.
    item: Option<bool>,
    /// The open track envelope: active (`ACT 1`), and holding points.
    envelope: (bool, bool),
    tracks: Vec<RppTrack>,
    contents: Vec<Contents>,
    track_indent: Option<Range<usize>>,
    root_close: Option<usize>,
    sample_rate: Option<(u32, bool)>,
    record_paths: Vec<String>,
}

impl State {
    /// Directly inside the project, nothing else open: where a part of the file may be
    /// guessed to start.
    pub(super) fn at_top(&self) -> bool {
        matches!(self.stack.as_slice(), [(Chunk::Root, _)])
            && !self.closed_root
            && self.track.is_none()
            && self.item.is_none()
    }

    /// A state at the top, for a part that starts at a `<TRACK` line. The root's opening
    /// line is taken to be the file's first until [`State::root_at`] says otherwise.
    pub(super) fn top() -> State {
        State {
            stack: vec![(Chunk::Root, 0)],
            ..State::default()
        }
    }

    /// Where the root's opening line is (blank lines may come before it), for messages.
    pub(super) fn root_at(&mut self, offset: usize) {
        if let Some(root) = self.stack.first_mut().filter(|(k, _)| *k == Chunk::Root) {
            root.1 = offset;
        }
    }

    /// Gives the open track the name a [`Text::one_line`] scan deferred.
    pub(super) fn name_open_track(&mut self, name: String) {
        if let Some((_, c)) = self.track.as_mut() {
            c.name = name;
        }
    }

    /// Takes over what a later part, scanned from the top, found.
    pub(super) fn append(&mut self, later: State) {
        let root = self.stack.first().copied();
        self.stack = later.stack;
        // The later part guessed the root's line; this one knows it.
        if let Some((Chunk::Root, offset)) = root {
            self.root_at(offset);
        }
        self.closed_root = later.closed_root;
        self.track = later.track;
        self.item = later.item;
        self.envelope = later.envelope;
        self.tracks.extend(later.tracks);
        self.contents.extend(later.contents);
        if later.sample_rate.is_some() {
            self.sample_rate = later.sample_rate;
        }
        self.record_paths.extend(later.record_paths);
        if later.track_indent.is_some() {
            self.track_indent = later.track_indent;
        }
        if later.root_close.is_some() {
            self.root_close = later.root_close;
        }
    }
}

/// What the project's first line says.
pub(super) struct Header {
    /// The platform part of the version string (`win64`, ...).
    pub platform: Option<String>,
    pub line_ending: &'static [u8],
    /// Where the `<REAPER_PROJECT` line starts (after any blank lines, which REAPER skips).
    pub root: usize,
    /// Where the line after it starts.
    pub body: usize,
}

/// The first line that is not blank: it must open `<REAPER_PROJECT`.
///
/// REAPER's reader (WDL `ProjectStateContext_File::GetLine`) skips spaces, tabs, CR and LF
/// before a line and splits lines at LF alone, so blank lines before the project are read
/// past and a file whose lines end in CR alone (classic Mac OS) is one long line to it: such
/// a file is refused as that, not as a truncated one.
pub(super) fn header(src: &[u8]) -> Result<Header, FormatError> {
    let root = src
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .map_or(src.len(), |i| {
            memchr::memrchr(b'\n', &src[..i]).map_or(0, |nl| nl + 1)
        });
    if root == src.len() {
        return Err(FormatError::at_line(1, "empty project"));
    }
    let line_number = memchr::memchr_iter(b'\n', &src[..root]).count() + 1;
    let line = line_at(src, root);
    let body_start = indent_len(line.text);
    let body = &line.text[body_start..];
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if !body.starts_with(b"<REAPER_PROJECT") {
        return Err(FormatError::at_line(
            line_number,
            "not a REAPER project: the first line does not open <REAPER_PROJECT",
        ));
    }
    // A CR with more of the line after it; CRs ending a line (CR CR LF) are only trailing
    // bytes to REAPER.
    let lone_cr =
        memchr::memchr_iter(b'\r', line.text).find(|&i| line.text[i..].iter().any(|b| *b != b'\r'));
    if let Some(cr) = lone_cr {
        return Err(FormatError::at(
            line_number,
            cr + 1,
            "the lines of this file end in a carriage return alone (classic Mac OS line \
             endings); REAPER splits lines at line feeds only and would read the whole \
             project as one line (convert the line endings to LF or CR LF)",
        ));
    }
    let line_ending: &'static [u8] = if line.end > line.start + line.text.len() + 1 {
        b"\r\n"
    } else {
        b"\n"
    };
    let mut platform = None;
    for (i, token) in quote::iter(body).enumerate() {
        let token =
            token.map_err(|q| FormatError::at(line_number, body_start + q.at + 1, UNTERMINATED))?;
        if i == 2 {
            platform = token.text.split(|b| *b == b'/').nth(1).map(lossy);
        }
    }
    Ok(Header {
        platform,
        line_ending,
        root,
        body: line.end,
    })
}

const UNTERMINATED: &str = "unterminated quoted string";

/// Scans the lines of `range` (whole lines) on from `state`.
pub(super) fn scan_part(
    text: &Text<'_>,
    range: Range<usize>,
    state: &mut State,
) -> Result<(), FormatError> {
    // The next quote character in the part. A line that ends before it holds none, so its
    // quoting needs no check: one pass over the file instead of a search per line (most lines
    // are numbers and base64).
    let quotes = |from: usize| {
        memchr::memchr3(b'"', b'\'', b'`', text.slice(from..range.end))
            .map_or(usize::MAX, |i| from + i)
    };
    let mut next_quote = quotes(range.start);
    // One search for line ends over the whole part, not one per line.
    let mut newlines = memchr::memchr_iter(b'\n', text.slice(range.clone()));
    let mut start = range.start;
    while start < range.end {
        let end = newlines.next().map_or(range.end, |i| range.start + i + 1);
        let line = Line::new(text, start, end);
        start = end;
        let has_quote = next_quote < line.end;
        if has_quote {
            next_quote = quotes(line.end);
        }
        let body_start = indent_len(line.text);
        let body = &line.text[body_start..];
        let Some(&first) = body.first() else {
            continue;
        };
        if state.closed_root {
            return Err(text.error(line.start, None, "content after the project's closing `>`"));
        }
        // `|` lines are free text (notes); everything else follows REAPER's token syntax.
        if has_quote && first != b'|' {
            quote::check_quotes(body)
                .map_err(|q| text.error(line.start, Some(body_start + q.at + 1), UNTERMINATED))?;
        }
        let parent = state.stack.last().map(|(kind, _)| *kind);
        if first == b'<' {
            open_chunk(state, parent, &line, body_start);
        } else if first == b'>' {
            // REAPER closes a chunk on any line whose first token starts with `>`, whatever
            // follows (trailing spaces and tabs, a stray CR): WDL's reader and rppxml alike.
            close_chunk(text, state, &line)?;
        } else {
            key_line(text, state, parent, &line, body_start)?;
        }
    }
    Ok(())
}

fn open_chunk(state: &mut State, parent: Option<Chunk>, line: &Line<'_>, body_start: usize) {
    let body = &line.text[body_start..];
    let tag_end = body
        .iter()
        .position(|b| *b == b' ' || *b == b'\t')
        .unwrap_or(body.len());
    let tag = &body[1..tag_end];
    let kind = match (parent, tag) {
        (Some(Chunk::Root), b"TRACK") => Chunk::Track,
        (Some(Chunk::Track), b"ITEM") => Chunk::Item,
        (Some(Chunk::Track), b"FXCHAIN") => Chunk::FxChain,
        (Some(Chunk::Track), b"NAME") => Chunk::NameBlock,
        (Some(Chunk::Track), b"VOLENV2") => Chunk::Envelope(true),
        (Some(Chunk::Track), b"PANENV2") => Chunk::Envelope(false),
        (Some(Chunk::Item | Chunk::Source), b"SOURCE") => Chunk::Source,
        _ => Chunk::Other,
    };
    let at_body = line.start + body_start;
    match kind {
        Chunk::Track => {
            state.track_indent = Some(line.start..at_body);
            let guid = nth_token(body, 1).map(|t| {
                let r = t.text_range();
                at_body + r.start..at_body + r.end
            });
            let track = RppTrack {
                chunk: line.start..line.start,
                after_header: line.end,
                guid,
                ..RppTrack::default()
            };
            state.track = Some((track, Contents::default()));
        }
        Chunk::Item => state.item = Some(false),
        Chunk::NameBlock => {
            if let Some((t, _)) = state.track.as_mut() {
                t.name_block = Some(Box::new(Field {
                    value: String::new(),
                    span: line.start..line.start,
                }));
            }
        }
        Chunk::Source => {
            if state.item.is_some()
                && let Some((_, c)) = state.track.as_mut()
                && body[tag_end..].trim_ascii().starts_with(b"MIDI")
            {
                c.midi = true;
            }
        }
        _ => {}
    }
    if parent == Some(Chunk::FxChain)
        && let Some((_, c)) = state.track.as_mut()
        && let Some(name) = nth_token(body, 1).filter(|t| !t.text.is_empty())
    {
        c.plugins.push(lossy(name.text));
    }
    state.stack.push((kind, line.start));
}

fn close_chunk(text: &Text<'_>, state: &mut State, line: &Line<'_>) -> Result<(), FormatError> {
    let Some((kind, _)) = state.stack.pop() else {
        return Err(text.error(line.start, None, "`>` closes no open chunk"));
    };
    match kind {
        Chunk::Root => {
            state.closed_root = true;
            state.root_close = Some(line.start);
        }
        Chunk::Track => {
            if let Some((mut t, c)) = state.track.take() {
                t.chunk.end = line.end;
                state.tracks.push(t);
                state.contents.push(c);
            }
        }
        Chunk::Item => {
            if let (Some((_, c)), Some(muted)) = (state.track.as_mut(), state.item.take()) {
                c.media_count += 1;
                c.muted_media_count += usize::from(muted);
            }
        }
        Chunk::NameBlock => {
            if let Some(block) = state
                .track
                .as_mut()
                .and_then(|(t, _)| t.name_block.as_mut())
            {
                block.span.end = line.end;
                if block.value.starts_with('\n') {
                    block.value.remove(0);
                }
            }
        }
        Chunk::Envelope(volume) => {
            let (active, points) = std::mem::take(&mut state.envelope);
            if let Some((t, _)) = state.track.as_mut()
                && active
                && points
            {
                if volume {
                    t.volume_automated = true;
                } else {
                    t.pan_automated = true;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// A line that neither opens nor closes a chunk.
fn key_line(
    text: &Text<'_>,
    state: &mut State,
    parent: Option<Chunk>,
    line: &Line<'_>,
    body_start: usize,
) -> Result<(), FormatError> {
    let body = &line.text[body_start..];
    match parent {
        Some(Chunk::Track) => {
            if let Some((t, c)) = state.track.as_mut() {
                read_track_key(text, t, c, line, body_start)?;
            }
        }
        Some(Chunk::NameBlock) if body[0] == b'|' => {
            if let Some(block) = state
                .track
                .as_mut()
                .and_then(|(t, _)| t.name_block.as_mut())
            {
                // Every line after a break, the first one's break dropped when the block
                // closes: an empty first line is kept (WDL's `cfg_decode_textblock`).
                block.value.push('\n');
                block.value.push_str(&crate::name_bytes::decode(&body[1..]));
            }
        }
        Some(Chunk::Item) if body.starts_with(b"MUTE ") => {
            if let Some(muted) = state.item.as_mut() {
                *muted = body[5..].trim_ascii_start().starts_with(b"1");
            }
        }
        Some(Chunk::Source) if body.starts_with(b"FILE ") => {
            if state.item.is_some()
                && let Some((_, c)) = state.track.as_mut()
                && let Some(path) = nth_token(body, 1)
            {
                c.media_files.push(file_name(path.text));
            }
        }
        Some(Chunk::Root) => root_key(state, body),
        Some(Chunk::Envelope(_)) => {
            if body.starts_with(b"ACT ") {
                state.envelope.0 = number(body, 1).is_some_and(|a| a != 0.0);
            } else if body.starts_with(b"PT ") {
                state.envelope.1 = true;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The major version of REAPER that wrote the project (`6` of `"6.11/x64"` in the
/// `<REAPER_PROJECT` line), when the first line says.
pub(super) fn version_major(src: &[u8]) -> Option<u32> {
    let start = src.iter().position(|b| !b.is_ascii_whitespace())?;
    let end = memchr::memchr(b'\n', &src[start..]).map_or(src.len(), |i| start + i);
    let token = nth_token(src[start..end].trim_ascii_end(), 2)?;
    let text = std::str::from_utf8(token.text).ok()?;
    text.split(['.', '/']).next()?.parse().ok()
}

/// The `n`th token of a line as a number.
pub(super) fn number(body: &[u8], n: usize) -> Option<f64> {
    let token = nth_token(body, n)?;
    std::str::from_utf8(token.text).ok()?.parse().ok()
}

/// A key line directly inside the project: the media facts premix reads.
fn root_key(state: &mut State, body: &[u8]) {
    if body.starts_with(b"SAMPLERATE ") {
        let rate = number(body, 1).filter(|r| *r > 0.0 && *r < 10_000_000.0);
        let fixed = number(body, 2).is_some_and(|v| v != 0.0);
        state.sample_rate = rate.map(|r| (r as u32, fixed));
    } else if body.starts_with(b"RECORD_PATH ") {
        for n in 1..=2 {
            if let Some(t) = nth_token(body, n).filter(|t| !t.text.is_empty()) {
                state.record_paths.push(lossy(t.text));
            }
        }
    }
}

fn parse_num<T: std::str::FromStr>(token: &Token<'_>) -> Option<T> {
    std::str::from_utf8(token.text).ok()?.parse().ok()
}

/// Reads a key line directly inside a `<TRACK` chunk.
fn read_track_key(
    text: &Text<'_>,
    t: &mut RppTrack,
    c: &mut Contents,
    line: &Line<'_>,
    body_start: usize,
) -> Result<(), FormatError> {
    let body = &line.text[body_start..];
    // Most key lines are none of those premix reads: decide on the first byte.
    if !matches!(
        body[0],
        b'N' | b'P' | b'I' | b'M' | b'A' | b'T' | b'V' | b'H'
    ) {
        return Ok(());
    }
    let key_end = body.iter().position(|b| *b == b' ' || *b == b'\t');
    let key = &body[..key_end.unwrap_or(body.len())];
    if !matches!(
        key,
        b"NAME"
            | b"PEAKCOL"
            | b"ISBUS"
            | b"MUTESOLO"
            | b"AUXRECV"
            | b"TRACKID"
            | b"MAINSEND"
            | b"VOLPAN"
            | b"HWOUT"
    ) {
        return Ok(());
    }
    if matches!(key, b"MAINSEND" | b"AUXRECV" | b"HWOUT") {
        t.routing_end = Some(line.end);
    }
    let at_body = line.start + body_start;
    let abs = |r: Range<usize>| at_body + r.start..at_body + r.end;
    let bad = |what: &str| {
        // A CR inside a line is a line ending REAPER does not split at (CR-only endings
        // from here on): say so rather than blame the value.
        let cause = if line.text.contains(&b'\r') {
            " (the line runs on past a carriage return: CR-only line endings, which REAPER \
             does not read as line breaks)"
        } else {
            ""
        };
        text.error(
            line.start,
            None,
            format!(
                "malformed {} line: {what}{cause}",
                String::from_utf8_lossy(key)
            ),
        )
    };
    // The line's quotes were checked: its tokens all read.
    let mut tokens = quote::iter(body).map_while(Result::ok).skip(1);
    match key {
        b"NAME" => {
            if let Some(v) = tokens.next() {
                // Bytes that are not UTF-8 survive a rename (`name_bytes`).
                if text.one_line {
                    c.name = String::new();
                    // One line holds one `NAME` key.
                    let _ = text.deferred_name.set(abs(v.text_range()));
                } else {
                    c.name = crate::name_bytes::decode(v.text);
                }
                t.name = Some(abs(v.raw));
                t.name_line_end = Some(line.end);
            }
            t.key_indent = Some(line.start..at_body);
        }
        b"PEAKCOL" => {
            let v = tokens.next().ok_or_else(|| bad("no value"))?;
            let value = parse_num::<i64>(&v).ok_or_else(|| bad("not a number"))?;
            t.peakcol = Some(Field {
                value: value as u32,
                span: abs(v.raw),
            });
        }
        b"ISBUS" => {
            let flag_token = tokens.next().ok_or_else(|| bad("no value"))?;
            let flag = parse_num::<i32>(&flag_token).ok_or_else(|| bad("not a number"))?;
            let delta_token = tokens.next();
            let (delta, single_argument) = match &delta_token {
                Some(d) => (
                    parse_num::<i32>(d).ok_or_else(|| bad("not a number"))?,
                    false,
                ),
                // REAPER 2/3: `ISBUS 1` opens a folder, `ISBUS 2` closes one level.
                None => (
                    match flag {
                        1 => 1,
                        2 => -1,
                        _ => 0,
                    },
                    true,
                ),
            };
            let last = tokens
                .last()
                .or(delta_token)
                .map_or(flag_token.raw.end, |t| t.raw.end);
            t.folder = Some(FolderState {
                flag,
                delta,
                args: abs(flag_token.raw.start..last),
                single_argument,
            });
        }
        b"MUTESOLO" => {
            let v = tokens.next().ok_or_else(|| bad("no value"))?;
            t.mute = Some(Field {
                value: v.text != b"0",
                span: abs(v.raw),
            });
        }
        b"AUXRECV" => {
            let v = tokens.next().ok_or_else(|| bad("no source track"))?;
            let source =
                parse_num::<usize>(&v).ok_or_else(|| bad("source is not a track index"))?;
            t.receives.push(Receive {
                source: Field {
                    value: source,
                    span: abs(v.raw),
                },
                line: line.start..line.end,
            });
        }
        b"MAINSEND" => {
            if let Some(v) = tokens.next() {
                c.main_send_off = v.text == b"0";
                t.main_send = Some(Field {
                    value: v.text != b"0",
                    span: abs(v.raw),
                });
            }
        }
        b"VOLPAN" => {
            // A value REAPER would not read as a number leaves the fader unknown to premix
            // (never changed), as a damaged line is no reason to refuse the project.
            let mut number = || {
                tokens
                    .next()
                    .and_then(|v| Some((parse_num::<f64>(&v)?, abs(v.raw))))
                    .filter(|(n, _)| n.is_finite())
                    .map(|(value, span)| Field { value, span })
            };
            t.volpan = true;
            t.volume = number();
            t.pan = number();
        }
        b"HWOUT" => t.hw_outs += 1,
        b"TRACKID" if t.guid.is_none() => {
            t.guid = tokens.next().map(|v| abs(v.text_range()));
        }
        _ => {}
    }
    Ok(())
}

/// The end of the file: every chunk must be closed.
pub(super) fn finish(
    text: &Text<'_>,
    len: usize,
    platform: Option<String>,
    line_ending: &'static [u8],
    state: State,
) -> Result<Scanned, FormatError> {
    if let Some((kind, opened)) = state.stack.last() {
        let what = match kind {
            Chunk::Root => "the project",
            Chunk::Track => "a TRACK chunk",
            _ => "a chunk",
        };
        // A chunk left open because its closing lines end in CR alone is not a truncation.
        let message = match text.lone_cr_after(*opened) {
            Some(line) => format!(
                "{what} opened here is never closed: from line {line} the lines end in a \
                 carriage return alone (classic Mac OS line endings), which REAPER does not \
                 read as line breaks"
            ),
            None => format!("{what} opened here is never closed (the file ends first: truncated?)"),
        };
        return Err(text.error(*opened, None, message));
    }
    let mut tracks = state.tracks;
    // What the document keeps for the whole run (a doubled Vec is up to half empty).
    tracks.shrink_to_fit();
    let doc = RppDocument {
        platform,
        line_ending,
        track_indent: state.track_indent,
        tracks,
        root_close: state.root_close.unwrap_or(len),
        sample_rate: state.sample_rate,
        record_paths: state.record_paths,
    };
    Ok(Scanned {
        doc,
        contents: state.contents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_of_spaces_and_tabs() {
        for (text, len) in [
            ("", 0),
            ("x", 0),
            ("  x", 2),
            ("        ", 8),
            ("         x", 9),
            ("\t \t x", 4),
            ("          \t  >", 13),
            ("    \u{a0}", 4),
        ] {
            assert_eq!(indent_len(text.as_bytes()), len, "{text:?}");
        }
    }
}
