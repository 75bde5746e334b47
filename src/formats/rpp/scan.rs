//! One pass over an `.RPP` file: chunk structure checked, tracks and the spans of the lines
//! premix may edit recorded. Nothing is copied or re-serialised; every value keeps its byte
//! range in the original file.
//!
//! Chunks open with `<TAG args` and close with a line holding only `>`. Tracks are the
//! `<TRACK` chunks directly inside `<REAPER_PROJECT`. The nesting is tracked with an explicit
//! stack, so depth costs memory, never call stack.

use super::quote::{self, Token};
use crate::formats::FormatError;
use std::ops::Range;

/// A value token of a line, with its absolute byte range in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field<T> {
    pub value: T,
    pub span: Range<usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Item {
    pub muted: bool,
    pub midi: bool,
    /// File names (no folders) of the item's sources.
    pub files: Vec<String>,
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

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RppTrack {
    /// From the `<TRACK` line's start to the end of its closing `>` line (line ending included).
    pub chunk: Range<usize>,
    /// Offset just after the `<TRACK ...` line (where new key lines may go).
    pub after_header: usize,
    pub guid: Option<String>,
    /// Leading whitespace of the chunk's key lines.
    pub key_indent: Vec<u8>,
    pub name: Option<Field<String>>,
    /// End of the `NAME` line (line ending included).
    pub name_line_end: Option<usize>,
    /// A `<NAME` chunk of `|` lines: REAPER's block encoding of a name that no quote
    /// character can hold (it holds all three). It follows the `NAME` line, which then carries
    /// a lossy copy; the chunk is the real name. `span` covers the whole chunk.
    pub name_block: Option<Field<String>>,
    pub peakcol: Option<Field<u32>>,
    pub folder: Option<FolderState>,
    /// `MUTESOLO <mute> ...`: the mute token.
    pub mute: Option<Field<bool>>,
    pub receives: Vec<Receive>,
    pub items: Vec<Item>,
    pub plugins: Vec<String>,
}

/// What premix knows of a REAPER project after one scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RppDocument {
    /// The platform part of the header's version string (`win64`, `macOS-arm64`, ...).
    pub platform: Option<String>,
    pub line_ending: &'static [u8],
    /// Leading whitespace of the `<TRACK` lines (two spaces as REAPER writes them).
    pub track_indent: Vec<u8>,
    pub tracks: Vec<RppTrack>,
    /// Where a new track may be inserted when the project has none: before the root's `>`.
    pub root_close: usize,
}

/// One line of the file.
struct Line<'a> {
    number: usize,
    start: usize,
    /// The line without its line ending.
    text: &'a [u8],
    /// Offset just past the line ending.
    end: usize,
}

fn lines(src: &[u8]) -> impl Iterator<Item = Line<'_>> {
    let mut start = 0;
    let mut number = 0;
    std::iter::from_fn(move || {
        if start >= src.len() {
            return None;
        }
        number += 1;
        let (content_end, end) = match memchr::memchr(b'\n', &src[start..]) {
            Some(i) => (start + i, start + i + 1),
            None => (src.len(), src.len()),
        };
        let text_end = if content_end > start && src[content_end - 1] == b'\r' {
            content_end - 1
        } else {
            content_end
        };
        let line = Line {
            number,
            start,
            text: &src[start..text_end],
            end,
        };
        start = end;
        Some(line)
    })
}

fn indent_len(text: &[u8]) -> usize {
    text.iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count()
}

fn lossy(bytes: &[u8]) -> String {
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

/// What kind of chunk is open, as far as premix cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chunk {
    Root,
    Track,
    Item,
    Source,
    FxChain,
    NameBlock,
    Other,
}

pub fn scan(src: &[u8]) -> Result<RppDocument, FormatError> {
    let mut stack: Vec<(Chunk, usize)> = Vec::new(); // (kind, opening line number)
    let mut doc = RppDocument {
        platform: None,
        line_ending: b"\n",
        track_indent: b"  ".to_vec(),
        tracks: Vec::new(),
        root_close: src.len(),
    };
    let mut closed_root = false;
    let mut track: Option<RppTrack> = None;
    let mut item: Option<Item> = None;

    // The next quote character in the file. A line that ends before it holds none, so its
    // quoting needs no check: one pass over the file instead of a search per line (most lines
    // are numbers and base64).
    let quotes = |from: usize| {
        memchr::memchr3(b'"', b'\'', b'`', &src[from..]).map_or(usize::MAX, |i| from + i)
    };
    let mut next_quote = quotes(0);
    for line in lines(src) {
        let has_quote = next_quote < line.end;
        if has_quote {
            next_quote = quotes(line.end);
        }
        let body_start = indent_len(line.text);
        let body = &line.text[body_start..];
        if line.number == 1 {
            let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
            if !body.starts_with(b"<REAPER_PROJECT") {
                return Err(FormatError::at_line(
                    1,
                    "not a REAPER project: the first line does not open <REAPER_PROJECT",
                ));
            }
            if line.end > line.text.len() + line.start + 1 {
                doc.line_ending = b"\r\n";
            }
            let tokens = quote::tokens(body).map_err(|q| unterminated(&line, body_start + q.at))?;
            doc.platform = tokens
                .get(2)
                .and_then(|t| t.text.split(|b| *b == b'/').nth(1))
                .map(lossy);
            stack.push((Chunk::Root, 1));
            continue;
        }
        if body.is_empty() {
            continue;
        }
        if closed_root {
            return Err(FormatError::at_line(
                line.number,
                "content after the project's closing `>`",
            ));
        }
        // `|` lines are free text (notes); everything else follows REAPER's token syntax.
        if has_quote && body[0] != b'|' {
            quote::check_quotes(body).map_err(|q| unterminated(&line, body_start + q.at))?;
        }
        let parent = stack.last().map(|(kind, _)| *kind);

        if body[0] == b'<' {
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
                (Some(Chunk::Item | Chunk::Source), b"SOURCE") => Chunk::Source,
                _ => Chunk::Other,
            };
            match kind {
                Chunk::Track => {
                    doc.track_indent = line.text[..body_start].to_vec();
                    let guid = quote::tokens(body)
                        .ok()
                        .and_then(|t| t.get(1).map(|t| lossy(t.text)));
                    track = Some(RppTrack {
                        chunk: line.start..line.start,
                        after_header: line.end,
                        guid,
                        key_indent: [&line.text[..body_start], b"  "].concat(),
                        ..RppTrack::default()
                    });
                }
                Chunk::Item => item = Some(Item::default()),
                Chunk::NameBlock => {
                    if let Some(t) = track.as_mut() {
                        t.name_block = Some(Field {
                            value: String::new(),
                            span: line.start..line.start,
                        });
                    }
                }
                Chunk::Source => {
                    if let Some(item) = item.as_mut() {
                        let source_type = &body[tag_end..];
                        let source_type = source_type.trim_ascii();
                        if source_type.starts_with(b"MIDI") {
                            item.midi = true;
                        }
                    }
                }
                _ => {}
            }
            if parent == Some(Chunk::FxChain)
                && let Some(track) = track.as_mut()
            {
                let name = quote::tokens(body)
                    .ok()
                    .and_then(|t| t.get(1).map(|t| lossy(t.text)));
                if let Some(name) = name.filter(|n| !n.is_empty()) {
                    track.plugins.push(name);
                }
            }
            stack.push((kind, line.number));
            continue;
        }

        if body == b">" {
            let Some((kind, _)) = stack.pop() else {
                return Err(FormatError::at_line(
                    line.number,
                    "`>` closes no open chunk",
                ));
            };
            match kind {
                Chunk::Root => {
                    closed_root = true;
                    doc.root_close = line.start;
                }
                Chunk::Track => {
                    if let Some(mut t) = track.take() {
                        t.chunk.end = line.end;
                        doc.tracks.push(t);
                    }
                }
                Chunk::Item => {
                    if let (Some(t), Some(i)) = (track.as_mut(), item.take()) {
                        t.items.push(i);
                    }
                }
                Chunk::NameBlock => {
                    if let Some(block) = track.as_mut().and_then(|t| t.name_block.as_mut()) {
                        block.span.end = line.end;
                    }
                }
                _ => {}
            }
            continue;
        }

        match parent {
            Some(Chunk::Track) => {
                if let Some(t) = track.as_mut() {
                    read_track_key(t, &line, body_start)?;
                }
            }
            Some(Chunk::NameBlock) if body[0] == b'|' => {
                if let Some(block) = track.as_mut().and_then(|t| t.name_block.as_mut()) {
                    if !block.value.is_empty() {
                        block.value.push('\n');
                    }
                    block.value.push_str(&lossy(&body[1..]));
                }
            }
            Some(Chunk::Item) if body.starts_with(b"MUTE ") => {
                if let Some(i) = item.as_mut() {
                    i.muted = body[5..].trim_ascii_start().starts_with(b"1");
                }
            }
            Some(Chunk::Source) if body.starts_with(b"FILE ") => {
                if let (Some(i), Ok(tokens)) = (item.as_mut(), quote::tokens(body))
                    && let Some(path) = tokens.get(1)
                {
                    i.files.push(file_name(path.text));
                }
            }
            _ => {}
        }
    }

    if let Some((kind, opened)) = stack.last() {
        let what = match kind {
            Chunk::Root => "the project",
            Chunk::Track => "a TRACK chunk",
            _ => "a chunk",
        };
        return Err(FormatError::at_line(
            *opened,
            format!("{what} opened here is never closed (the file ends first: truncated?)"),
        ));
    }
    if stack.is_empty() && !closed_root {
        return Err(FormatError::at_line(1, "empty project"));
    }
    Ok(doc)
}

fn unterminated(line: &Line<'_>, column: usize) -> FormatError {
    FormatError::at(line.number, column + 1, "unterminated quoted string")
}

fn parse_num<T: std::str::FromStr>(token: &Token<'_>) -> Option<T> {
    std::str::from_utf8(token.text).ok()?.parse().ok()
}

/// Reads a key line directly inside a `<TRACK` chunk.
fn read_track_key(t: &mut RppTrack, line: &Line<'_>, body_start: usize) -> Result<(), FormatError> {
    let body = &line.text[body_start..];
    let key_end = body.iter().position(|b| *b == b' ' || *b == b'\t');
    let key = &body[..key_end.unwrap_or(body.len())];
    if !matches!(
        key,
        b"NAME" | b"PEAKCOL" | b"ISBUS" | b"MUTESOLO" | b"AUXRECV" | b"TRACKID"
    ) {
        return Ok(());
    }
    let tokens = quote::tokens(line.text).map_err(|q| unterminated(line, q.at))?;
    let abs = |r: &Range<usize>| line.start + r.start..line.start + r.end;
    let bad = |what: &str| {
        FormatError::at_line(
            line.number,
            format!("malformed {} line: {what}", String::from_utf8_lossy(key)),
        )
    };
    match key {
        b"NAME" => {
            if let Some(v) = tokens.get(1) {
                t.name = Some(Field {
                    value: lossy(v.text),
                    span: abs(&v.raw),
                });
                t.name_line_end = Some(line.end);
            }
        }
        b"PEAKCOL" => {
            let v = tokens.get(1).ok_or_else(|| bad("no value"))?;
            let value = parse_num::<i64>(v).ok_or_else(|| bad("not a number"))?;
            t.peakcol = Some(Field {
                value: value as u32,
                span: abs(&v.raw),
            });
        }
        b"ISBUS" => {
            let flag_token = tokens.get(1).ok_or_else(|| bad("no value"))?;
            let flag = parse_num::<i32>(flag_token).ok_or_else(|| bad("not a number"))?;
            let (delta, single_argument) = match tokens.get(2) {
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
            let last = tokens.last().map_or(flag_token.raw.end, |t| t.raw.end);
            t.folder = Some(FolderState {
                flag,
                delta,
                args: line.start + flag_token.raw.start..line.start + last,
                single_argument,
            });
        }
        b"MUTESOLO" => {
            let v = tokens.get(1).ok_or_else(|| bad("no value"))?;
            t.mute = Some(Field {
                value: v.text != b"0",
                span: abs(&v.raw),
            });
        }
        b"AUXRECV" => {
            let v = tokens.get(1).ok_or_else(|| bad("no source track"))?;
            let source = parse_num::<usize>(v).ok_or_else(|| bad("source is not a track index"))?;
            t.receives.push(Receive {
                source: Field {
                    value: source,
                    span: abs(&v.raw),
                },
                line: line.start..line.end,
            });
        }
        b"TRACKID" if t.guid.is_none() => {
            t.guid = tokens.get(1).map(|v| lossy(v.text));
        }
        _ => {}
    }
    if t.key_indent.is_empty() || key == b"NAME" {
        t.key_indent = line.text[..body_start].to_vec();
    }
    Ok(())
}
