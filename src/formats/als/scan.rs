//! One pass over a set's decompressed XML, recording the tracks and the byte spans of every
//! value premix may change. No tree is built and nothing is re-serialised: a [`Field`] is an
//! attribute value with its range in the input.
//!
//! Paths are matched exactly, relative to the track element (`Name/UserName`, never the
//! `Mixer/UserName` or `MainSequencer/UserName` that also exist). Entity references are never
//! expanded beyond XML's five predefined ones and character references (DOCTYPE entities are
//! never expanded).
//!
//! premix reads a set twice per apply (the input, and the output to verify it), and sets reach
//! tens of megabytes of XML, so the scan is written for speed:
//! - [`Tokens`](crate::formats::xml_tokens) splits the XML into start and end tags itself, with `memchr`
//!   for `<` and `>`, and accepts and refuses what quick-xml's reader (`check_end_names`)
//!   did, with its errors (see that module); UTF-8 is checked in large blocks ahead of the
//!   reading instead of piece by piece.
//! - Nothing is allocated per element: the open elements are a stack of names borrowed from
//!   the input, an element's path is a slice of that stack, and an attribute is looked up by
//!   key without collecting the others; a value is copied (and unescaped, only when it holds
//!   `&`) only when a field keeps it. A track's names are made once, as the session's
//!   [`Name`]s ([`NamePool::make`]), and shared from there: a set whose XML is nearly all one
//!   name holds it twice (the XML and the name), never also a field's copy.

use crate::formats::xml_tokens::{Token, Tokens, XmlError};
use crate::formats::{FormatError, Place};
use crate::session::{Name, NamePool};
use std::borrow::Cow;
use std::ops::Range;

/// An attribute value and its byte range (between the quotes) in the scanned bytes; a
/// track's names are held as the session's [`Name`]s (`Field<Name>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field<V = String> {
    pub value: V,
    pub span: Range<usize>,
}

impl Field {
    pub fn int(&self) -> Option<i64> {
        self.value.trim().parse().ok()
    }
}

/// A clip in a session slot or in the arrangement.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Clip {
    /// `SampleVolume@Value`'s span: the clip gain (audio clips).
    pub sample_volume: Option<Range<usize>>,
    pub disabled: bool,
    /// File name (no folders) of the clip's sample, if it has one.
    pub file: Option<String>,
    /// What the clip plays, as the set writes it.
    pub timing: ClipTiming,
}

/// A clip's timing and sample reference, values as written (see [`super::media`] for what
/// they mean).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClipTiming {
    /// In the arrangement (`MainSequencer/Sample/ArrangerAutomation/Events`), not a slot.
    pub arrangement: bool,
    pub current_start: Option<f64>,
    pub current_end: Option<f64>,
    pub loop_start: Option<f64>,
    pub loop_end: Option<f64>,
    pub start_relative: Option<f64>,
    pub loop_on: bool,
    pub warped: bool,
    /// `WarpMarkers/WarpMarker`: (`SecTime`, `BeatTime`).
    pub warp_markers: Vec<(f64, f64)>,
    /// `SampleVolume`: the clip gain, linear.
    pub sample_volume: Option<f64>,
    /// `SampleRef/FileRef/RelativePath@Value` (Live 11+), or its `RelativePathElement@Dir`s
    /// joined with `/` (Live 8-10).
    pub relative_path: Option<String>,
    /// `SampleRef/FileRef/Path` (Live 11+: the absolute path).
    pub path: Option<String>,
    /// `SampleRef/FileRef/Name` (Live 8-10: the file name the relative path leads to).
    pub name: Option<String>,
    /// `SampleRef/FileRef/HasRelativePath` is `false` (Live 9-10): the relative path is not
    /// to be used (`abletoolz-pruned__10.0.6`: stale `Samples/Imported` elements).
    pub no_relative_path: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlsTrack {
    /// `AudioTrack`, `MidiTrack`, `GroupTrack` or `ReturnTrack`.
    pub tag: String,
    /// From `<` of the start tag to after `>` of the end tag.
    pub element: Range<usize>,
    /// The bytes (indentation) between the previous track element, or `<Tracks>`, and this one.
    pub lead: Range<usize>,
    pub id: Option<Field>,
    /// Shared with the session's track (the name it shows, when not empty).
    pub user_name: Option<Field<Name>>,
    /// Shared with the session's track, when it is the name shown.
    pub effective_name: Option<Field<Name>>,
    /// The `ColorIndex` (Live 8-10) or `Color` (11+) that is a direct child of the track.
    pub color: Option<Field>,
    pub group_id: Option<Field>,
    /// `DeviceChain/Mixer/Speaker/Manual`: `true` = audible (Live 9+).
    pub speaker: Option<Field>,
    /// The speaker's default arrangement event (`ArrangerAutomation/Events/BoolEvent` at
    /// `Time="-63072000"`): where Live 8 keeps the state (Live 9 writes both, in agreement).
    pub speaker_event: Option<Field>,
    pub volume: Option<Field>,
    pub pan: Option<Field>,
    /// Volume's and pan's default arrangement events (`ArrangerAutomation/Events/FloatEvent`
    /// at `Time="-63072000"`): Live 8 keeps the value only there, Live 9 in both places.
    pub volume_event: Option<Field>,
    pub pan_event: Option<Field>,
    /// `DeviceChain/AudioOutputRouting/Target` and its `UpperDisplayString` and
    /// `LowerDisplayString`.
    pub out_target: Option<Field>,
    pub out_upper: Option<Field>,
    pub out_lower: Option<Field>,
    /// The mixer volume's highest value (`Volume/MidiControllerRange/Max`, linear).
    pub volume_max: Option<f64>,
    /// `AutomationTarget@Id` of the mixer's volume and pan (Live 9+): an automation envelope
    /// naming one automates it.
    pub volume_target: Option<i64>,
    pub pan_target: Option<i64>,
    /// `PointeeId`s of the track's automation envelopes (`AutomationEnvelopes/Envelopes/
    /// AutomationEnvelope/EnvelopeTarget/PointeeId`, Live 9+).
    pub envelope_targets: Vec<i64>,
    /// Arrangement events of the mixer's volume and pan (`ArrangerAutomation/Events`): the
    /// default one alone holds the value (Live 8/9); more are automation.
    pub volume_events: usize,
    pub pan_events: usize,
    /// The track's input is routed from another track (`DeviceChain/AudioInputRouting/Target`
    /// or `MidiInputRouting/Target` naming `.../Track.<Id>/...`, as in `AudioIn/Track.12/TrackOut`).
    pub input_from_track: bool,
    pub clips: Vec<Clip>,
    /// Built-in device element names and plug-in names, in file order.
    pub devices: Vec<String>,
    /// Inside of `DeviceChain/DeviceChain/Devices`.
    pub devices_inner: Option<Range<usize>>,
    /// Inside of `AutomationEnvelopes/Envelopes`.
    pub envelopes_inner: Option<Range<usize>>,
    /// `DeviceChain/Mixer/Sends/TrackSendHolder` elements.
    pub send_holders: usize,
    /// Each send's level (`Send/Manual`) and its minimum (`Send/MidiControllerRange/Min`).
    pub send_levels: Vec<Field>,
    pub send_minimums: Vec<Field>,
    /// Each send's default arrangement event (Live 8/9, as for volume).
    pub send_level_events: Vec<Field>,
    /// `TrackUnfolded` (group tracks).
    pub unfolded: Option<Field>,
    /// `AutomationLane/SelectedDevice` and `SelectedEnvelope` values (indices into devices).
    pub lane_selections: Vec<Field>,
    /// Top-level devices of the track's chain (built-in and plug-in alike).
    pub top_devices: usize,
    /// The first top-level device's `UserName` (a rack the user named), when not empty: Live
    /// names an unnamed track after it (`7-offline rack` in a Live 8 set).
    pub first_device_name: Option<String>,
    /// `DeviceChain/MidiOutputRouting/Target` (a MIDI track's "MIDI To"; `MidiOut/None`, or
    /// `MidiOut/Track.<Id>/TrackIn` when it plays another track's instrument).
    pub midi_out_target: Option<Field>,
}

/// What one scan found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlsDocument {
    /// The root's `MinorVersion` (`10.0_377`) and `Creator` (`Ableton Live 10.1.7`).
    pub minor_version: String,
    pub creator: String,
    pub tracks: Vec<AlsTrack>,
    /// Between `<Tracks>` and `</Tracks>`.
    pub tracks_inner: Range<usize>,
    /// `LiveSet/NextPointeeId` (Live 10+).
    pub next_pointee: Option<Field>,
    /// Ids of pointee-type elements (`AutomationTarget`, `ModulationTarget`, `Pointee`,
    /// `*ModulationTarget`, `ControllerTargets.N`), with the span of the id.
    pub pointees: Vec<(i64, Range<usize>)>,
    /// `PointeeId Value` references, with their spans.
    pub pointee_refs: Vec<(i64, Range<usize>)>,
    /// Live 12 calls the master `MainTrack` and routes to `AudioOut/Main`.
    pub main_track: bool,
    /// Scenes: `LiveSet/Scenes/Scene` (Live 11+) or `LiveSet/SceneNames/Scene` (8-10).
    pub scenes: usize,
    /// The set's tempo in BPM: the master's `Mixer/Tempo/Manual`.
    pub tempo: Option<f64>,
}

fn is_pointee(name: &[u8]) -> bool {
    name == b"Pointee" || name.ends_with(b"Target") || name.starts_with(b"ControllerTargets.")
}

/// The attributes of a start tag (`tag` spans `<name ...>` or `<name .../>`) as key and value
/// span, read as premix always has: up to the first piece that is not `key="value"` or
/// `key='value'`. Nothing is allocated: most tags are looked at for one key, or for none.
struct Attributes<'a> {
    raw: &'a [u8],
    /// Where `raw` starts in the scanned bytes.
    offset: usize,
    i: usize,
}

fn attributes(xml: &[u8], tag: Range<usize>) -> Attributes<'_> {
    let raw = &xml[tag.clone()];
    let mut i = 1;
    while i < raw.len() && !raw[i].is_ascii_whitespace() && raw[i] != b'>' && raw[i] != b'/' {
        i += 1;
    }
    Attributes {
        raw,
        offset: tag.start,
        i,
    }
}

impl<'a> Attributes<'a> {
    fn skip_whitespace(&mut self) {
        while self.i < self.raw.len() && self.raw[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = (&'a [u8], Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        let raw = self.raw;
        self.skip_whitespace();
        let key_start = self.i;
        while self.i < raw.len()
            && raw[self.i] != b'='
            && !raw[self.i].is_ascii_whitespace()
            && raw[self.i] != b'>'
        {
            self.i += 1;
        }
        let key = &raw[key_start..self.i];
        self.skip_whitespace();
        if key.is_empty() || raw.get(self.i) != Some(&b'=') {
            self.i = raw.len();
            return None;
        }
        self.i += 1;
        self.skip_whitespace();
        let quote = match raw.get(self.i) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                self.i = raw.len();
                return None;
            }
        };
        let start = self.i + 1;
        let Some(len) = memchr::memchr(quote, &raw[start..]) else {
            self.i = raw.len();
            return None;
        };
        let end = start + len;
        self.i = end + 1;
        Some((key, self.offset + start..self.offset + end))
    }
}

/// An attribute value as text: references to XML's predefined entities and characters are
/// expanded (a value with an unknown one is kept as written). Borrowed unless it holds `&`.
fn decoded(raw: &[u8]) -> Cow<'_, str> {
    let text = String::from_utf8_lossy(raw);
    if memchr::memchr(b'&', raw).is_none() {
        return text;
    }
    match quick_xml::escape::unescape(&text) {
        Ok(value) => Cow::Owned(value.into_owned()),
        Err(_) => text,
    }
}

fn attr_span(xml: &[u8], tag: Range<usize>, key: &[u8]) -> Option<Range<usize>> {
    attributes(xml, tag)
        .find(|(k, _)| *k == key)
        .map(|(_, span)| span)
}

pub(super) fn attr(xml: &[u8], tag: Range<usize>, key: &[u8]) -> Option<Field> {
    attr_span(xml, tag, key).map(|span| Field {
        value: decoded(&xml[span.clone()]).into_owned(),
        span,
    })
}

/// An attribute's value as an integer, with its span (as [`Field::int`], without a `Field`).
fn int_attr(xml: &[u8], tag: Range<usize>, key: &[u8]) -> Option<(i64, Range<usize>)> {
    let span = attr_span(xml, tag, key)?;
    let value = decoded(&xml[span.clone()]).trim().parse().ok()?;
    Some((value, span))
}

/// An arrangement event at Live's "before the song" time, which holds a parameter's value.
fn is_default_event(xml: &[u8], tag: Range<usize>) -> bool {
    attr_span(xml, tag, b"Time").is_some_and(|span| decoded(&xml[span]) == "-63072000")
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn line_of(xml: &[u8], offset: usize) -> usize {
    1 + memchr::memchr_iter(b'\n', &xml[..offset.min(xml.len())]).count()
}

/// The path of the element that holds a set's tracks.
const TRACKS: [&[u8]; 3] = [b"Ableton", b"LiveSet", b"Tracks"];

/// Where tracks sit: under `Ableton/LiveSet/Tracks` in a set, or a lone track element.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Document,
    Fragment,
}

/// Scans a whole set.
pub fn scan(xml: &[u8]) -> Result<AlsDocument, FormatError> {
    scan_named(xml, &NamePool::fresh())
}

/// [`scan`] with the tracks' names made by `names` (a read-back takes the predicted ones,
/// [`NamePool::reusing`]).
pub fn scan_named(xml: &[u8], names: &NamePool) -> Result<AlsDocument, FormatError> {
    let doc = scan_mode(xml, Mode::Document, names)?;
    if doc.minor_version.is_empty() {
        return Err(FormatError::whole(
            "not a Live set: the root element is not <Ableton MinorVersion=...>",
        ));
    }
    if doc.tracks_inner == (0..0) {
        return Err(FormatError::whole("not a Live set: no LiveSet/Tracks"));
    }
    Ok(doc)
}

/// Scans one track element on its own (a template for a new group track).
pub fn scan_track(xml: &[u8]) -> Result<(AlsTrack, AlsDocument), FormatError> {
    let mut doc = scan_mode(xml, Mode::Fragment, &NamePool::fresh())?;
    match doc.tracks.len() {
        1 => Ok((doc.tracks.remove(0), doc)),
        _ => Err(FormatError::whole("internal error: not one track element")),
    }
}

fn scan_mode(xml: &[u8], mode: Mode, names: &NamePool) -> Result<AlsDocument, FormatError> {
    let malformed = |e: XmlError| FormatError {
        place: Place::Line(line_of(xml, e.at), None),
        message: format!("malformed XML: {}", e.error),
    };
    let mut tokens = Tokens::new(xml);
    let mut scanner = Scanner::new(xml, mode, names);
    loop {
        match tokens.next().map_err(malformed)? {
            Token::Start { name, tag, empty } => scanner.start(name, tag, empty),
            Token::End { name, tag } => scanner.end(name, tag).map_err(malformed)?,
            Token::Eof => return scanner.finish(),
        }
    }
}

/// The scan's state between tokens.
struct Scanner<'a> {
    xml: &'a [u8],
    mode: Mode,
    /// Makes the tracks' names.
    names: &'a NamePool,
    /// Stack depth of a track element.
    track_depth: usize,
    /// Names of the open elements, outermost first.
    stack: Vec<&'a [u8]>,
    doc: AlsDocument,
    track: Option<AlsTrack>,
    /// The open clip and its stack depth.
    clip: Option<(usize, Clip)>,
    /// Where the previous track element (or `<Tracks>`) ended.
    last_end: usize,
}

impl<'a> Scanner<'a> {
    fn new(xml: &'a [u8], mode: Mode, names: &'a NamePool) -> Self {
        Scanner {
            xml,
            mode,
            names,
            track_depth: match mode {
                Mode::Document => 3,
                Mode::Fragment => 0,
            },
            stack: Vec::with_capacity(64),
            doc: AlsDocument::default(),
            track: None,
            clip: None,
            last_end: 0,
        }
    }

    fn start(&mut self, name: &'a [u8], tag: Range<usize>, empty: bool) {
        let depth = self.stack.len();
        // Every fact about the whole set is at most three elements deep, but the tempo.
        if self.mode == Mode::Document && depth <= 3 {
            self.document_fact(name, tag.clone());
        } else if depth == 6 && name == b"Manual" && self.stack[5] == b"Tempo" {
            self.tempo(tag.clone());
        }
        self.pointee(name, tag.clone());
        // The element's path is matched with its own name on the stack; an empty element
        // comes off again at once.
        self.stack.push(name);
        if self.opens_track(depth) {
            self.open_track(name, tag.clone());
        } else {
            self.inside_track(depth, tag.clone(), empty);
        }
        if empty {
            self.stack.pop();
            if depth == self.track_depth {
                self.close_track(tag.end);
            }
        }
    }

    /// An element that other elements point to by its `Id`, or a `PointeeId` pointing to one.
    fn pointee(&mut self, name: &[u8], tag: Range<usize>) {
        if is_pointee(name) {
            if let Some(pointee) = int_attr(self.xml, tag, b"Id") {
                self.doc.pointees.push(pointee);
            }
        } else if name == b"PointeeId"
            && let Some(reference) = int_attr(self.xml, tag, b"Value")
        {
            self.doc.pointee_refs.push(reference);
        }
    }

    fn open_track(&mut self, name: &[u8], tag: Range<usize>) {
        self.track = Some(AlsTrack {
            tag: String::from_utf8_lossy(name).into_owned(),
            element: tag.clone(),
            lead: self.last_end..tag.start,
            id: attr(self.xml, tag, b"Id"),
            ..AlsTrack::default()
        });
    }

    /// A start tag (already on the stack, at `depth`) inside a track, if one is open: the
    /// track's fields, its clips and theirs.
    fn inside_track(&mut self, depth: usize, tag: Range<usize>, empty: bool) {
        let Some(t) = self.track.as_mut() else { return };
        let path = &self.stack[self.track_depth + 1..];
        track_field(t, path, self.xml, tag.clone(), self.names);
        match self.clip.as_mut() {
            Some((clip_depth, c)) => clip_field(c, &self.stack[*clip_depth + 1..], self.xml, tag),
            None if is_arrangement_or_session_clip(path) => {
                let mut clip = Clip::default();
                clip.timing.arrangement = path.contains(&b"ArrangerAutomation".as_slice());
                if empty {
                    t.clips.push(clip);
                } else {
                    self.clip = Some((depth, clip));
                }
            }
            None => {}
        }
    }

    /// Facts about the whole set: version, `Tracks`, scenes, `NextPointeeId`, `MainTrack`.
    fn document_fact(&mut self, name: &[u8], tag: Range<usize>) {
        let at = |path: &[&[u8]]| self.stack == path;
        if self.stack.is_empty() && name == b"Ableton" {
            for (key, span) in attributes(self.xml, tag) {
                let value = || decoded(&self.xml[span.clone()]).into_owned();
                match key {
                    b"MinorVersion" => self.doc.minor_version = value(),
                    b"Creator" => self.doc.creator = value(),
                    _ => {}
                }
            }
        } else if name == b"Scene"
            && (at(&[b"Ableton", b"LiveSet", b"Scenes"])
                || at(&[b"Ableton", b"LiveSet", b"SceneNames"]))
        {
            self.doc.scenes += 1;
        } else if at(&[b"Ableton", b"LiveSet"]) {
            match name {
                b"NextPointeeId" => self.doc.next_pointee = attr(self.xml, tag, b"Value"),
                b"MainTrack" => self.doc.main_track = true,
                b"Tracks" => {
                    self.doc.tracks_inner = tag.end..tag.end;
                    self.last_end = tag.end;
                }
                _ => {}
            }
        }
    }

    /// `LiveSet/MasterTrack/DeviceChain/Mixer/Tempo/Manual` (`MainTrack` in Live 12).
    fn tempo(&mut self, tag: Range<usize>) {
        if self.mode == Mode::Document
            && self.stack[..2] == [b"Ableton".as_slice(), b"LiveSet".as_slice()]
            && matches!(self.stack[2], b"MasterTrack" | b"MainTrack")
            && self.stack[3..5] == [b"DeviceChain".as_slice(), b"Mixer".as_slice()]
        {
            self.doc.tempo =
                attr(self.xml, tag, b"Value").and_then(|f| f.value.trim().parse().ok());
        }
    }

    /// Whether an element starting at `depth` is a track element.
    fn opens_track(&self, depth: usize) -> bool {
        match self.mode {
            Mode::Document => depth == 3 && self.stack[..3] == TRACKS,
            Mode::Fragment => depth == 0,
        }
    }

    fn close_track(&mut self, end: usize) {
        if let Some(mut t) = self.track.take() {
            t.element.end = end;
            self.last_end = end;
            self.doc.tracks.push(t);
        }
    }

    /// An end tag: checks that it closes the innermost open element, as XML requires.
    fn end(&mut self, name: &'a [u8], tag: Range<usize>) -> Result<(), XmlError> {
        let Some(&open) = self.stack.last() else {
            return Err(XmlError::unmatched_end(name, tag.start));
        };
        if open != name {
            return Err(XmlError::mismatched_end(open, name, tag.start));
        }
        let depth = self.stack.len() - 1;
        if let Some((clip_depth, _)) = &self.clip
            && depth == *clip_depth
            && let (Some((_, c)), Some(t)) = (self.clip.take(), self.track.as_mut())
        {
            t.clips.push(c);
        }
        if let Some(t) = self.track.as_mut()
            && depth > self.track_depth
        {
            inner_end(t, &self.stack[self.track_depth + 1..], tag.start);
        }
        self.stack.pop();
        if depth == self.track_depth {
            self.close_track(tag.end);
        }
        if self.mode == Mode::Document
            && depth == 2
            && name == b"Tracks"
            && self.stack[1] == b"LiveSet"
        {
            self.doc.tracks_inner.end = tag.start;
        }
        Ok(())
    }

    fn finish(self) -> Result<AlsDocument, FormatError> {
        if let Some(open) = self.stack.last() {
            return Err(FormatError {
                place: Place::Line(line_of(self.xml, self.xml.len()), None),
                message: format!(
                    "malformed XML: <{}> is never closed (truncated file?)",
                    String::from_utf8_lossy(open)
                ),
            });
        }
        Ok(self.doc)
    }
}

/// Records what a start tag inside a track holds; `path` runs from the track's child to the
/// element itself.
fn track_field(t: &mut AlsTrack, path: &[&[u8]], xml: &[u8], tag: Range<usize>, names: &NamePool) {
    let value = || attr(xml, tag.clone(), b"Value");
    let name = || {
        attr_span(xml, tag.clone(), b"Value").map(|span| Field {
            value: names.make(decoded(&xml[span.clone()])),
            span,
        })
    };
    let default_event = || is_default_event(xml, tag.clone());
    match path {
        [b"Name", b"EffectiveName"] => t.effective_name = name(),
        [b"Name", b"UserName"] => t.user_name = name(),
        [b"ColorIndex"] | [b"Color"] => t.color = value(),
        [b"TrackGroupId"] => t.group_id = value(),
        [b"DeviceChain", b"Mixer", b"Speaker", b"Manual"] => t.speaker = value(),
        [
            b"DeviceChain",
            b"Mixer",
            b"Speaker",
            b"ArrangerAutomation",
            b"Events",
            b"BoolEvent",
        ] if default_event() => t.speaker_event = value(),
        [b"DeviceChain", b"Mixer", b"Volume", b"Manual"] => t.volume = value(),
        [
            b"DeviceChain",
            b"Mixer",
            parameter,
            b"ArrangerAutomation",
            b"Events",
            b"FloatEvent",
        ] => {
            let default = default_event();
            match *parameter {
                b"Volume" => {
                    t.volume_events += 1;
                    if default {
                        t.volume_event = value();
                    }
                }
                b"Pan" => {
                    t.pan_events += 1;
                    if default {
                        t.pan_event = value();
                    }
                }
                _ => {}
            }
        }
        [
            b"DeviceChain",
            b"Mixer",
            b"Volume",
            b"MidiControllerRange",
            b"Max",
        ] => t.volume_max = value().and_then(|f| f.value.trim().parse().ok()),
        [b"DeviceChain", b"Mixer", b"Volume", b"AutomationTarget"] => {
            t.volume_target = int_attr(xml, tag.clone(), b"Id").map(|(id, _)| id)
        }
        [b"DeviceChain", b"Mixer", b"Pan", b"AutomationTarget"] => {
            t.pan_target = int_attr(xml, tag.clone(), b"Id").map(|(id, _)| id)
        }
        [
            b"AutomationEnvelopes",
            b"Envelopes",
            b"AutomationEnvelope",
            b"EnvelopeTarget",
            b"PointeeId",
        ] => t
            .envelope_targets
            .extend(int_attr(xml, tag.clone(), b"Value").map(|(id, _)| id)),
        [
            b"DeviceChain",
            b"Mixer",
            b"Sends",
            b"TrackSendHolder",
            b"Send",
            b"ArrangerAutomation",
            b"Events",
            b"FloatEvent",
        ] if default_event() => t.send_level_events.extend(value()),
        [b"DeviceChain", b"Mixer", b"Pan", b"Manual"] => t.pan = value(),
        [b"DeviceChain", b"Mixer", b"Sends", b"TrackSendHolder"] => t.send_holders += 1,
        [
            b"DeviceChain",
            b"Mixer",
            b"Sends",
            b"TrackSendHolder",
            b"Send",
            b"Manual",
        ] => t.send_levels.extend(value()),
        [
            b"DeviceChain",
            b"Mixer",
            b"Sends",
            b"TrackSendHolder",
            b"Send",
            b"MidiControllerRange",
            b"Min",
        ] => t.send_minimums.extend(value()),
        [b"TrackUnfolded"] => t.unfolded = value(),
        [
            b"DeviceChain",
            b"AutomationLanes",
            b"AutomationLanes",
            b"AutomationLane",
            b"SelectedDevice" | b"SelectedEnvelope",
        ] => t.lane_selections.extend(value()),
        [b"DeviceChain", b"AudioOutputRouting", b"Target"] => t.out_target = value(),
        [
            b"DeviceChain",
            b"AudioInputRouting" | b"MidiInputRouting",
            b"Target",
        ] => {
            t.input_from_track |= value().is_some_and(|f| f.value.contains("/Track."));
        }
        [b"DeviceChain", b"MidiOutputRouting", b"Target"] => t.midi_out_target = value(),
        [b"DeviceChain", b"AudioOutputRouting", b"UpperDisplayString"] => t.out_upper = value(),
        [b"DeviceChain", b"AudioOutputRouting", b"LowerDisplayString"] => t.out_lower = value(),
        [b"DeviceChain", b"DeviceChain", b"Devices"] => t.devices_inner = Some(tag.end..tag.end),
        [b"DeviceChain", b"DeviceChain", b"Devices", device] => {
            t.top_devices += 1;
            if !matches!(*device, b"PluginDevice" | b"AuPluginDevice") {
                t.devices.push(String::from_utf8_lossy(device).into_owned());
            }
        }
        [b"DeviceChain", b"DeviceChain", b"Devices", _, b"UserName"] if t.top_devices == 1 => {
            t.first_device_name = value().map(|f| f.value).filter(|v| !v.is_empty());
        }
        [b"AutomationEnvelopes", b"Envelopes"] => t.envelopes_inner = Some(tag.end..tag.end),
        [.., b"PluginDesc", _, b"PlugName" | b"Name"] => {
            if let Some(f) = value().filter(|f| !f.value.is_empty()) {
                t.devices.push(f.value);
            }
        }
        _ => {}
    }
}

/// A clip in the session view or the arrangement (`DeviceChain/MainSequencer/...`).
fn is_arrangement_or_session_clip(path: &[&[u8]]) -> bool {
    matches!(path.last(), Some(&(b"AudioClip" | b"MidiClip")))
        && path.starts_with(&[b"DeviceChain".as_slice(), b"MainSequencer".as_slice()])
}

/// Records what a start tag inside a clip holds; `path` runs from the clip's child.
fn clip_field(c: &mut Clip, path: &[&[u8]], xml: &[u8], tag: Range<usize>) {
    let value = || attr(xml, tag.clone(), b"Value");
    let number = || value().and_then(|f| f.value.trim().parse::<f64>().ok());
    let t = &mut c.timing;
    match path {
        [b"CurrentStart"] => t.current_start = number(),
        [b"CurrentEnd"] => t.current_end = number(),
        [b"Loop", b"LoopStart"] => t.loop_start = number(),
        [b"Loop", b"LoopEnd"] => t.loop_end = number(),
        [b"Loop", b"StartRelative"] => t.start_relative = number(),
        [b"Loop", b"LoopOn"] => t.loop_on = value().is_some_and(|f| f.value == "true"),
        [b"IsWarped"] => t.warped = value().is_some_and(|f| f.value == "true"),
        [b"SampleVolume"] => {
            t.sample_volume = number();
            c.sample_volume = attr_span(xml, tag.clone(), b"Value");
        }
        [b"WarpMarkers", b"WarpMarker"] => {
            let time = |key: &[u8]| {
                attr(xml, tag.clone(), key).and_then(|f| f.value.trim().parse::<f64>().ok())
            };
            if let (Some(sec), Some(beat)) = (time(b"SecTime"), time(b"BeatTime")) {
                t.warp_markers.push((sec, beat));
            }
        }
        [
            b"SampleRef",
            b"FileRef",
            b"RelativePath",
            b"RelativePathElement",
        ] => {
            if let Some(dir) = attr(xml, tag.clone(), b"Dir") {
                let joined = t.relative_path.get_or_insert_with(String::new);
                if !joined.is_empty() {
                    joined.push('/');
                }
                // An empty `Dir` is the parent folder (`dawtool__live8-patch-markers-auto`:
                // `Dir=""`, `Dir=""`, `recording`, `samples` reach `../../recording/samples`).
                joined.push_str(if dir.value.is_empty() {
                    ".."
                } else {
                    &dir.value
                });
            }
        }
        _ => {}
    }
    match path {
        [b"SampleRef", b"FileRef", b"RelativePath"] => {
            if let Some(f) = value().filter(|f| !f.value.is_empty()) {
                c.timing.relative_path = Some(f.value);
            }
        }
        [b"SampleRef", b"FileRef", b"Path"] => {
            if let Some(f) = value().filter(|f| !f.value.is_empty()) {
                c.timing.path = Some(f.value);
            }
        }
        [b"SampleRef", b"FileRef", b"Name"] => {
            if let Some(f) = value().filter(|f| !f.value.is_empty()) {
                c.timing.name = Some(f.value);
            }
        }
        [b"SampleRef", b"FileRef", b"HasRelativePath"] => {
            c.timing.no_relative_path = value().is_some_and(|f| f.value == "false");
        }
        _ => {}
    }
    match path {
        [b"Disabled"] => c.disabled = value().is_some_and(|f| f.value == "true"),
        [b"SampleRef", b"FileRef", b"Name"] => {
            if let Some(f) = value().filter(|f| !f.value.is_empty()) {
                c.file = Some(f.value);
            }
        }
        [b"SampleRef", b"FileRef", b"Path" | b"RelativePath"] => {
            if let Some(f) = value().filter(|f| !f.value.is_empty())
                && c.file.is_none()
            {
                c.file = Some(file_name(&f.value).to_string());
            }
        }
        _ => {}
    }
}

/// Records where the inside of an element a track keeps as a range ends (`start` is the `<`
/// of its end tag); `path` runs from the track's child to the element being closed.
fn inner_end(t: &mut AlsTrack, path: &[&[u8]], start: usize) {
    let inner = match path {
        [b"DeviceChain", b"DeviceChain", b"Devices"] => t.devices_inner.as_mut(),
        [b"AutomationEnvelopes", b"Envelopes"] => t.envelopes_inner.as_mut(),
        _ => None,
    };
    if let Some(r) = inner {
        r.end = start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::xml_tokens::Utf8Prefix;

    const SET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Ableton MajorVersion="5" MinorVersion="11.0_11300" Creator="Ableton Live 11.3.21">
	<LiveSet>
		<NextPointeeId Value="30" />
		<Tracks>
			<GroupTrack Id="20">
				<Name>
					<EffectiveName Value="Haus" />
					<UserName Value="Haus" />
				</Name>
				<Color Value="10" />
				<TrackGroupId Value="-1" />
				<DeviceChain>
					<Mixer>
						<UserName Value="not me" />
						<Speaker><AutomationTarget Id="12" /><Manual Value="true" /></Speaker>
					</Mixer>
				</DeviceChain>
			</GroupTrack>
			<AudioTrack Id="8">
				<Name>
					<EffectiveName Value="Kick &amp; Co" />
					<UserName Value="" />
				</Name>
				<Color Value="25" />
				<TrackGroupId Value="20" />
				<DeviceChain>
					<Mixer><Speaker><Manual Value="false" /></Speaker></Mixer>
					<MainSequencer>
						<ClipSlotList><ClipSlot Id="0"><ClipSlot><Value>
							<AudioClip Id="0" Time="0">
								<Disabled Value="true" />
								<SampleRef><FileRef><RelativePath Value="Samples/kick.wav" /><Path Value="/x/Samples/kick.wav" /></FileRef></SampleRef>
							</AudioClip>
						</Value></ClipSlot></ClipSlot></ClipSlotList>
					</MainSequencer>
					<DeviceChain><Devices><Eq8 Id="0" /><PluginDevice Id="1"><PluginDesc><VstPluginInfo Id="0"><PlugName Value="Pro-Q 3" /></VstPluginInfo></PluginDesc></PluginDevice></Devices></DeviceChain>
				</DeviceChain>
			</AudioTrack>
		</Tracks>
		<MasterTrack />
	</LiveSet>
</Ableton>
"#;

    #[test]
    fn reads_tracks_fields_and_spans() {
        let xml = SET.as_bytes();
        let doc = scan(xml).unwrap();
        assert_eq!(doc.minor_version, "11.0_11300");
        assert_eq!(doc.tracks.len(), 2);
        let [g, a] = [&doc.tracks[0], &doc.tracks[1]];
        assert_eq!(g.tag, "GroupTrack");
        assert_eq!(g.user_name.as_ref().unwrap().value, "Haus");
        assert_eq!(g.speaker.as_ref().unwrap().value, "true");
        assert_eq!(a.effective_name.as_ref().unwrap().value, "Kick & Co");
        let span = a.effective_name.as_ref().unwrap().span.clone();
        assert_eq!(&xml[span], b"Kick &amp; Co");
        assert_eq!(a.group_id.as_ref().unwrap().int(), Some(20));
        assert_eq!(a.clips.len(), 1);
        assert!(a.clips[0].disabled);
        assert_eq!(a.clips[0].file.as_deref(), Some("kick.wav"));
        assert_eq!(
            a.clips[0].timing.relative_path.as_deref(),
            Some("Samples/kick.wav")
        );
        assert_eq!(
            a.clips[0].timing.path.as_deref(),
            Some("/x/Samples/kick.wav")
        );
        assert_eq!(a.devices, ["Eq8", "Pro-Q 3"]);
        assert_eq!(doc.pointees.len(), 1);
        assert_eq!(doc.next_pointee.as_ref().unwrap().int(), Some(30));
        assert!(xml[g.element.clone()].starts_with(b"<GroupTrack"));
        assert!(xml[a.element.clone()].ends_with(b"</AudioTrack>"));
        assert_eq!(&xml[a.lead.clone()], b"\n\t\t\t");
    }

    #[test]
    fn malformed_xml_is_refused() {
        let cut = &SET.as_bytes()[..SET.len() / 2];
        assert!(scan(cut).is_err());
        assert!(scan(b"<Ableton><LiveSet></Tracks></LiveSet></Ableton>").is_err());
        assert!(scan(b"<foo/>").is_err());
    }

    /// The refusal's line and quick-xml's words, for each kind of damage.
    fn refusal(xml: &str) -> (usize, String) {
        match scan(xml.as_bytes()) {
            Err(FormatError {
                place: Place::Line(line, _),
                message,
            }) => (line, message),
            other => panic!("{xml:?}: {other:?}"),
        }
    }

    #[test]
    fn damage_is_refused_at_its_line() {
        let set = |inner: &str| {
            format!(
                "<Ableton MinorVersion=\"11.0_1\">\n<LiveSet>\n<Tracks>\n{inner}</Tracks></LiveSet></Ableton>"
            )
        };
        let (line, message) = refusal(&set("<A>\n</B>"));
        assert_eq!(line, 5);
        assert!(
            message.contains("expected `</A>`, but `</B>` was found"),
            "{message}"
        );
        assert!(
            refusal(&set("</Tracks></Tracks>"))
                .1
                .contains("`</Tracks>` was found")
        );
        let unclosed = [
            ("<A x=\"1>", "`\"` not found"),
            ("<A x='1>", "`'` not found"),
            ("<A", "`>` not found"),
            ("<", "`>` not found"),
            ("<!-- a", "comment not closed"),
            ("<![CDATA[ a", "CDATA not closed"),
            ("<?pi a", "processing instruction not closed"),
        ];
        for (cut, words) in unclosed {
            let (line, message) = refusal(&format!("<Ableton>\n<LiveSet>\n{cut}"));
            assert_eq!(line, 3, "{cut}");
            assert!(message.contains(words), "{cut}: {message}");
        }
        let (line, message) = refusal(&set("a &amp b"));
        assert_eq!(line, 4);
        assert!(message.contains("entity"), "{message}");
        let (line, message) = refusal("<Ableton>\n<LiveSet>\n");
        assert_eq!(line, 3);
        assert!(message.contains("<LiveSet> is never closed"), "{message}");
    }

    #[test]
    fn markup_other_than_tags_is_skipped_whole() {
        let xml = concat!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"<b>\">]>\n",
            "<Ableton MinorVersion=\"11.0_1\"><LiveSet><Tracks>",
            "<!-- <AudioTrack> --><![CDATA[<AudioTrack>]]><?pi <AudioTrack>?>",
            "<MidiTrack Id='7' Note='a > b'><Name><UserName Value=\"&lt;1&gt;\" /></Name></MidiTrack>",
            "</Tracks></LiveSet></Ableton>"
        );
        let doc = scan(xml.as_bytes()).unwrap();
        assert_eq!(doc.tracks.len(), 1);
        let track = &doc.tracks[0];
        assert_eq!(track.tag, "MidiTrack");
        assert_eq!(track.id.as_ref().unwrap().value, "7");
        assert_eq!(track.user_name.as_ref().unwrap().value, "<1>");
        assert_eq!(
            &xml[track.user_name.as_ref().unwrap().span.clone()],
            "&lt;1&gt;"
        );
    }

    #[test]
    fn a_byte_order_mark_is_counted_in_spans() {
        let xml = format!("\u{feff}{SET}");
        let doc = scan(xml.as_bytes()).unwrap();
        let name = doc.tracks[0].user_name.as_ref().unwrap();
        assert_eq!(&xml[name.span.clone()], "Haus");
        assert!(xml[doc.tracks[1].element.clone()].starts_with("<AudioTrack"));
    }

    #[test]
    fn a_character_across_a_utf8_block_boundary_is_read_whole() {
        let head = "<Ableton MinorVersion=\"11.0_1\"><LiveSet><Tracks><AudioTrack><Name><UserName Value=\"";
        let tail = "\" /></Name></AudioTrack></Tracks></LiveSet></Ableton>";
        for shift in 0..4 {
            let pad = "a".repeat(Utf8Prefix::BLOCK - head.len() - shift);
            let xml = format!("{head}{pad}\u{20ac}{tail}");
            let doc = scan(xml.as_bytes()).unwrap();
            let name = &doc.tracks[0].user_name.as_ref().unwrap().value;
            assert!(name.ends_with('\u{20ac}'), "shift {shift}");
            let mut broken = xml.into_bytes();
            let at = head.len() + pad.len() + 2;
            broken[at] = b'a';
            assert!(scan(&broken).unwrap_err().message.contains("UTF-8"));
        }
    }

    #[test]
    fn text_that_is_not_utf8_is_refused() {
        let mut xml = SET.as_bytes().to_vec();
        let at = SET.find("<MasterTrack").unwrap();
        xml.splice(at..at, *b"\xff");
        let err = scan(&xml).unwrap_err();
        assert!(err.message.contains("UTF-8"), "{}", err.message);
        // Placed at the bad byte's line, not at line 1.
        let line = 1 + SET[..at].matches('\n').count();
        assert_eq!(err.place, Place::Line(line, None));
    }
}
