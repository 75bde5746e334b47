//! What REAPER items play, and where REAPER looks for their files.
//!
//! Items are read by a pass of their own ([`items`]), only when asked for (preflight, rules
//! that need the audio): `check` and `apply` never pay for it. An item plays its active take
//! (`TAKE SEL`, else the first): `SOFFS` into the source, `LENGTH` on the timeline times
//! `PLAYRATE` of the source, inside a `<SOURCE SECTION` at its `STARTPOS`; `LOOP 1` repeats
//! the source; its gain is the item's volume times the take's (the first and third fields of
//! the item's `VOLPAN`, later takes' `TAKEVOLPAN <pan> <vol> <pan law>`).
//!
//! Resolution: the path as written (relative paths are relative to the project's folder),
//! then, when it is not there, the file's name in the project's record path (`RECORD_PATH`,
//! primary then secondary) and in the project's folder itself, which is where REAPER finds
//! media of a project moved from another machine (a Windows `C:\...` path opened on a Mac, say).

use super::scan::{lossy, nth_token, number};
use crate::media::relocate::{FileKind, MediaFile, MediaPlan, absolute_text};
use crate::media::{MediaRef, ProjectMedia, SourceFile, join_written, push_unique};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// What kind of chunk is open, as far as items go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chunk {
    Root,
    Track,
    Item,
    Source,
    Other,
}

/// What the audio items of each track play, in track order (the `<TRACK` chunks directly
/// inside the project, as the scan counts them). For a project the scan accepted.
pub fn items(src: &[u8]) -> Vec<Vec<MediaRef>> {
    scan_items(src)
        .into_iter()
        .map(|t| t.into_iter().map(|(m, _)| m).collect())
        .collect()
}

/// Where an audio item's own volume is written: the first token of its `VOLPAN` line, or
/// (without one) where a `VOLPAN` line goes.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemVolume {
    /// The token's byte range in the file and its value (linear), when the item has a
    /// `VOLPAN` line whose first token reads.
    pub token: Option<(Range<usize>, f64)>,
    /// The item has a `VOLPAN` line (whose first token may not read).
    pub line: bool,
    /// Just after the `<ITEM` line.
    pub after_header: usize,
    /// The leading whitespace of the item's first key line (or of the `<ITEM` line and two
    /// spaces, when it has none), for a new line.
    pub indent: Vec<u8>,
}

/// [`items`] with where each item's volume is written, item by item (the same items, in the
/// same order: the ones [`items`] lists).
pub fn item_volumes(src: &[u8]) -> Vec<Vec<(MediaRef, ItemVolume)>> {
    scan_items(src)
}

fn scan_items(src: &[u8]) -> Vec<Vec<(MediaRef, ItemVolume)>> {
    let mut tracks: Vec<Vec<(MediaRef, ItemVolume)>> = Vec::new();
    let mut stack: Vec<Chunk> = Vec::new();
    let mut item: Option<ItemScan> = None;
    let mut start = 0;
    while start < src.len() {
        let end = memchr::memchr(b'\n', &src[start..]).map_or(src.len(), |i| start + i + 1);
        let line_start = start;
        let raw = &src[start..end];
        start = end;
        let line = raw.strip_suffix(b"\n").unwrap_or(raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let body = line.trim_ascii_start();
        let indent = &line[..line.len() - body.len()];
        let Some(&first) = body.first() else {
            continue;
        };
        let parent = stack.last().copied();
        if first == b'<' {
            let tag_end = body
                .iter()
                .position(|b| *b == b' ' || *b == b'\t')
                .unwrap_or(body.len());
            let kind = match (parent, &body[1..tag_end]) {
                (None, _) => Chunk::Root,
                (Some(Chunk::Root), b"TRACK") => Chunk::Track,
                (Some(Chunk::Track), b"ITEM") => Chunk::Item,
                (Some(Chunk::Item | Chunk::Source), b"SOURCE") => Chunk::Source,
                _ => Chunk::Other,
            };
            match kind {
                Chunk::Track => tracks.push(Vec::new()),
                Chunk::Item => {
                    let mut it = ItemScan::new();
                    it.spot.after_header = end;
                    it.spot.indent = [indent, b"  "].concat();
                    item = Some(it);
                }
                Chunk::Source => {
                    if let Some(it) = item.as_mut() {
                        let source = body[tag_end..].trim_ascii();
                        let take = it.take();
                        if source == b"SECTION" {
                            take.section = Some((0.0, None));
                        } else {
                            take.audio = !matches!(source, b"MIDI" | b"EMPTY" | b"CLICK");
                        }
                    }
                }
                _ => {}
            }
            if parent == Some(Chunk::Item)
                && let Some(it) = item.as_mut()
            {
                it.first_key(indent);
            }
            stack.push(kind);
        } else if body == b">" {
            if stack.pop() == Some(Chunk::Item)
                && let (Some(it), Some(t)) = (item.take(), tracks.last_mut())
            {
                let spot = it.spot.clone();
                t.extend(it.media().map(|m| (m, spot)));
            }
        } else if first != b'|' {
            match (parent, item.as_mut()) {
                (Some(Chunk::Item), Some(it)) => {
                    it.first_key(indent);
                    if body.starts_with(b"VOLPAN") && !it.spot.line {
                        it.spot.line = true;
                        let at = line_start + indent.len();
                        it.spot.token = nth_token(body, 1).and_then(|t| {
                            let value: f64 = std::str::from_utf8(t.text).ok()?.parse().ok()?;
                            let r = t.raw;
                            Some((at + r.start..at + r.end, value)).filter(|_| value.is_finite())
                        });
                    }
                    item_key(it, body)
                }
                (Some(Chunk::Source), Some(it)) => source_key(it, body),
                _ => {}
            }
        }
    }
    tracks
}

/// A key line inside an item's `<SOURCE`: its file, or a section's start and length.
fn source_key(item: &mut ItemScan, body: &[u8]) {
    let take = item.take();
    if body.starts_with(b"FILE ") {
        take.file = nth_token(body, 1).map(|t| lossy(t.text));
    } else if let Some((start, length)) = take.section.as_mut() {
        if body.starts_with(b"STARTPOS ") {
            *start = number(body, 1).unwrap_or(0.0);
        } else if body.starts_with(b"LENGTH ") {
            *length = number(body, 1);
        }
    }
}

/// What an `<ITEM` chunk says about what it plays, read line by line (see `FORMATS.md` §1 and
/// the item of `jonch070__Song_with_Sends.RPP`, which holds two takes).
struct ItemScan {
    muted: bool,
    /// `POSITION` and `LENGTH`, seconds on the timeline.
    position: f64,
    length: Option<f64>,
    /// `LOOP 1`: the source repeats when the item is longer than it.
    looped: bool,
    /// The first field of the first `VOLPAN`: the item's volume (the third is the first
    /// take's; later takes carry theirs in `TAKEVOLPAN <pan> <vol> <pan law>`).
    volume: f64,
    takes: Vec<TakeScan>,
    /// Where its volume is written.
    spot: ItemVolume,
    /// The indent of its first key line was taken.
    indented: bool,
}

/// One take of an item: the lines up to the next `TAKE` line.
#[derive(Default)]
struct TakeScan {
    /// `TAKE SEL`: the active take, the one the item plays (else the first).
    selected: bool,
    /// `SOFFS`: where in the source the take starts, seconds of source time.
    offset: f64,
    /// `PLAYRATE <rate> ...`.
    rate: f64,
    /// Take volume (negative: polarity inverted).
    volume: f64,
    /// The innermost `<SOURCE` is audio (not `MIDI`, `EMPTY` or `CLICK`).
    audio: bool,
    file: Option<String>,
    /// `<SOURCE SECTION`: `STARTPOS` and `LENGTH` within the source it wraps.
    section: Option<(f64, Option<f64>)>,
}

impl TakeScan {
    fn new(selected: bool) -> TakeScan {
        TakeScan {
            selected,
            rate: 1.0,
            volume: 1.0,
            ..TakeScan::default()
        }
    }
}

impl ItemScan {
    fn new() -> ItemScan {
        ItemScan {
            muted: false,
            position: 0.0,
            length: None,
            looped: false,
            volume: 1.0,
            takes: Vec::new(),
            spot: ItemVolume {
                token: None,
                line: false,
                after_header: 0,
                indent: Vec::new(),
            },
            indented: false,
        }
    }

    /// A line directly inside the item, indented by `indent`: new key lines copy the first's.
    fn first_key(&mut self, indent: &[u8]) {
        if !self.indented {
            self.indented = true;
            self.spot.indent = indent.to_vec();
        }
    }

    fn take(&mut self) -> &mut TakeScan {
        if self.takes.is_empty() {
            self.takes.push(TakeScan::new(false));
        }
        self.takes.last_mut().expect("a take was pushed")
    }

    /// What the item plays: its active take, when that take plays an audio file.
    fn media(self) -> Option<MediaRef> {
        let mut takes = self.takes;
        let index = takes.iter().position(|t| t.selected).unwrap_or(0);
        if index >= takes.len() {
            return None;
        }
        let take = takes.swap_remove(index);
        let file = take.file?;
        if !take.audio || file.is_empty() {
            return None;
        }
        let rate = if take.rate > 0.0 { take.rate } else { 1.0 };
        let (section_start, section_length) = take.section.unwrap_or((0.0, None));
        let mut length = self.length.map(|l| l * rate);
        if let (Some(l), Some(s)) = (length, section_length) {
            length = Some(l.min(s));
        }
        Some(MediaRef {
            files: vec![SourceFile::new(file)],
            position: Some(self.position),
            // A negative offset starts the item before its source: silence until it begins.
            offset: (section_start + take.offset).max(0.0),
            length,
            timeline_length: self.length,
            gain: self.volume * take.volume,
            muted: self.muted,
            looped: self.looped,
        })
    }
}

/// A key line directly inside an `<ITEM` chunk: the item's own keys, then each take's.
fn item_key(item: &mut ItemScan, body: &[u8]) {
    let key_end = body.iter().position(|b| *b == b' ').unwrap_or(body.len());
    match &body[..key_end] {
        b"MUTE" => item.muted = body[key_end..].trim_ascii_start().starts_with(b"1"),
        b"POSITION" => item.position = number(body, 1).unwrap_or(0.0),
        b"LENGTH" => item.length = number(body, 1),
        b"LOOP" => item.looped = number(body, 1).is_some_and(|v| v != 0.0),
        b"VOLPAN" => {
            item.volume = number(body, 1).unwrap_or(1.0);
            item.take().volume = number(body, 3).unwrap_or(1.0);
        }
        b"TAKEVOLPAN" => item.take().volume = number(body, 2).unwrap_or(1.0),
        b"TAKE" => {
            // The first take has no `TAKE` line: make it before the second starts.
            item.take();
            let selected = nth_token(body, 1).is_some_and(|t| t.text == b"SEL");
            item.takes.push(TakeScan::new(selected));
        }
        b"SOFFS" => item.take().offset = number(body, 1).unwrap_or(0.0),
        b"PLAYRATE" => item.take().rate = number(body, 1).unwrap_or(1.0),
        _ => {}
    }
}

/// A `FILE` line of a `<SOURCE` chunk: a file the project refers to by path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRef {
    /// The path as written (invalid UTF-8 replaced).
    pub path: String,
    /// The raw token (quotes included) in the file.
    pub token: std::ops::Range<usize>,
    pub kind: FileKind,
}

/// Every `FILE` line directly inside a `<SOURCE` chunk, wherever the chunk is (items' takes,
/// sections, subprojects, video), in file order. The innermost source's type gives the kind:
/// `MIDI` a MIDI file, `WAVE`, `MP3`, `FLAC`, `VORBIS`, `OPUS`, ... audio, `VIDEO` and
/// `RPP_PROJECT` (a subproject) something else.
pub fn file_refs(src: &[u8]) -> Vec<FileRef> {
    let mut refs = Vec::new();
    // The open chunks: the type of each `<SOURCE` (`None` for other chunks).
    let mut stack: Vec<Option<&[u8]>> = Vec::new();
    let mut at = 0;
    for raw in src.split_inclusive(|b| *b == b'\n') {
        let start = at;
        at += raw.len();
        let line = raw.strip_suffix(b"\n").unwrap_or(raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let indent = line.len() - line.trim_ascii_start().len();
        let body = &line[indent..];
        match body.first() {
            Some(b'<') => {
                let mut words = body[1..].split(|b| *b == b' ' || *b == b'\t');
                let source = (words.next() == Some(b"SOURCE".as_slice()))
                    .then(|| words.find(|w| !w.is_empty()).unwrap_or_default());
                stack.push(source);
            }
            Some(b'>') if body.trim_ascii_end() == b">" => {
                stack.pop();
            }
            _ => {
                let Some(Some(source)) = stack.last() else {
                    continue;
                };
                if !body.starts_with(b"FILE ") && !body.starts_with(b"FILE\t") {
                    continue;
                }
                let Some(token) = nth_token(body, 1) else {
                    continue;
                };
                let kind = match *source {
                    b"MIDI" => FileKind::Midi,
                    b"VIDEO" | b"VIDEOEFFECT" | b"RPP_PROJECT" => FileKind::Other,
                    _ => FileKind::Audio,
                };
                let base = start + indent;
                refs.push(FileRef {
                    path: lossy(token.text),
                    token: base + token.raw.start..base + token.raw.end,
                    kind,
                });
            }
        }
    }
    refs
}

/// Every file the project refers to, with REAPER's candidates from `project` ([`candidates`]).
pub fn media_files(src: &[u8], project: &Path, media: &ProjectMedia) -> Vec<MediaFile> {
    file_refs(src)
        .into_iter()
        .map(|r| {
            let file = SourceFile::new(r.path);
            MediaFile {
                candidates: candidates(project, media, &file),
                file,
                kind: r.kind,
            }
        })
        .collect()
}

/// How a rewritten `FILE` path is spelled to reach `target`: relative to the project's
/// folder when the file is inside it, as REAPER itself writes paths ("Save project file
/// references with relative pathnames" makes relative only what is below the project's
/// folder), else absolute; with this platform's separators, quoted as REAPER quotes.
/// `None` when REAPER could not hold it (a name that is not UTF-8, a line break, or all
/// three quote characters, which REAPER's quoting cannot keep).
pub fn spelling(plan: &MediaPlan, target: &Path) -> Option<String> {
    let path = plan
        .relative(target, false, std::path::MAIN_SEPARATOR)
        .or_else(|| absolute_text(target))?;
    let lossless =
        !path.contains(['\n', '\r']) && !['"', '\'', '`'].iter().all(|q| path.contains(*q));
    lossless.then(|| super::quote::quote(&path))
}

/// REAPER's candidates for `file` of the project at `project`, in the order it tries them.
pub fn candidates(project: &Path, media: &ProjectMedia, file: &SourceFile) -> Vec<PathBuf> {
    let dir = project.parent().unwrap_or(Path::new(""));
    let mut list = vec![join_written(dir, &file.path)];
    let name = file.file_name();
    for folder in &media.folders {
        push_unique(&mut list, join_written(dir, folder).join(name));
    }
    push_unique(&mut list, dir.join(name));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_play_the_selected_take_inside_sections_and_skip_midi() {
        let rpp = "<REAPER_PROJECT 0.1 \"7.0/win64\" 1\n  <TRACK {A}\n    <ITEM\n      POSITION 2\n      LENGTH 4\n      VOLPAN 0.5 0 2 -1\n      SOFFS 1\n      PLAYRATE 2 1 0 -1\n      <SOURCE SECTION\n        LENGTH 3\n        STARTPOS 10\n        <SOURCE WAVE\n          FILE \"a.wav\"\n        >\n      >\n    >\n    <ITEM\n      POSITION 0\n      LENGTH 1\n      <SOURCE MIDI\n        HASDATA 1 960 QN\n      >\n    >\n    <ITEM\n      POSITION 5\n      LENGTH 1\n      MUTE 1 0\n      <SOURCE WAVE\n        FILE \"old.wav\"\n      >\n      TAKE SEL\n      TAKEVOLPAN 0 -1 -1\n      SOFFS 0.5\n      <SOURCE FLAC\n        FILE \"C:\\takes\\new.flac\"\n      >\n    >\n  >\n  <TRACK {B}\n  >\n>\n";
        let tracks = items(rpp.as_bytes());
        assert_eq!(tracks.len(), 2);
        assert!(tracks[1].is_empty());
        let [section, take] = tracks[0].as_slice() else {
            panic!("{:?}", tracks[0]);
        };
        // 4 s at double speed would be 8 s of source: the section's 3 s bound it.
        assert_eq!(section.files[0].path, "a.wav");
        assert_eq!((section.offset, section.length), (11.0, Some(3.0)));
        assert_eq!(section.gain, 1.0);
        assert_eq!(take.files[0].path, "C:\\takes\\new.flac");
        assert_eq!(take.offset, 0.5);
        assert_eq!(take.gain, -1.0, "a take with its polarity inverted");
        assert!(take.muted);
    }

    #[test]
    fn written_path_then_record_paths_then_project_folder() {
        let media = ProjectMedia {
            folders: vec!["Audio".into(), "D:\\Backup".into()],
            ..ProjectMedia::default()
        };
        let got = candidates(
            Path::new("/p/song.rpp"),
            &media,
            &SourceFile::new("C:\\Users\\me\\kick.wav"),
        );
        let tail: Vec<String> = got[1..].iter().map(|p| p.display().to_string()).collect();
        assert_eq!(tail[0], "/p/Audio/kick.wav");
        assert_eq!(tail.last().unwrap(), "/p/kick.wav");
        let got = candidates(
            Path::new("/p/song.rpp"),
            &media,
            &SourceFile::new("Audio/kick.wav"),
        );
        assert_eq!(got[0], PathBuf::from("/p/Audio/kick.wav"));
        assert_eq!(got.len(), 3, "{got:?}");
    }
}
