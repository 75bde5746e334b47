//! What premix reads from a DAWproject's `project.xml`: the tracks as the DAW shows them, their
//! channels, the ids that refer to them, their clips and media.
//!
//! Facts, from the schema (`../shared/corpus/schemas/dawproject_Project.xsd`) and the Bitwig
//! 5.1.6 export in the corpus (`hifa-bitwig516__canon.dawproject`):
//! - Tracks are `Track` elements in `Structure`; a group nests its members' `Track`s after its
//!   own `Channel` (`contentType` holds `tracks`; its channel's role may be `submix`, Bitwig's
//!   `master`, or absent). The project's master is the `Track` whose channel has role `master`
//!   and which is not a group (Bitwig: `contentType="audio notes"`, last in `Structure`).
//! - `Structure` may also hold bare `Channel`s: mixer strips without a track (the schema
//!   allows them; Studio One writes its buses and master that way). They are tracks here too
//!   (an `effect` role is a return, any other a bus), but cannot hold tracks.
//! - Ids are document-global (`xs:ID`); `destination` (channels, sends), `track` (lanes,
//!   clip slots), `parameter` (automation targets) and `reference` (clips) refer to them.
//! - Clips live in `Arrangement` and `Scenes`, under the lanes whose `track` names the track;
//!   audio is `Audio/File@path`, inside the container unless `external="true"`.

use crate::formats::FormatError;
use crate::session::{Rgb, TrackKind};
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

/// One recorded attribute: its name and the span of its raw value in `project.xml` (inside
/// the quotes). The value itself is read from `project.xml` ([`El::get`]); it is held here
/// only where unescaping changed it (an entity, or bytes that are not UTF-8), so a document
/// whose bytes are nearly all one value holds that value once, in `project.xml` (issue #14).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    pub name: Box<str>,
    pub span: Range<usize>,
    unescaped: Option<Box<str>>,
}

/// One recorded element: its name, parent, children, the byte range of its start tag, where
/// it ends (after its end tag, or after the tag when empty) and its attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub name: Box<str>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// The start tag (`<X ...>` or `<X .../>`).
    pub tag: Range<usize>,
    pub end: usize,
    pub attrs: Vec<Attr>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| &*a.name == name)
    }

    /// The whole element, start tag to end tag.
    pub fn range(&self) -> Range<usize> {
        self.tag.start..self.end
    }

    /// True for `<X/>`.
    pub fn is_empty_tag(&self) -> bool {
        self.end == self.tag.end
    }
}

/// The recorded elements, in document order (element 0 is the root).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    pub elements: Vec<Element>,
}

impl Tree {
    /// The first direct child of `parent` named `name`.
    pub fn child_named(&self, parent: usize, name: &str) -> Option<usize> {
        self.elements[parent]
            .children
            .iter()
            .copied()
            .find(|&c| &*self.elements[c].name == name)
    }

    /// Every recorded element inside `ancestor` (not itself), in document order.
    pub fn descendants(&self, ancestor: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.elements[ancestor].end;
        (ancestor + 1..self.elements.len()).take_while(move |&i| self.elements[i].tag.start < end)
    }
}

/// A recorded element with the `project.xml` it was read from, to read its values.
#[derive(Clone, Copy, Debug)]
pub struct El<'s> {
    el: &'s Element,
    xml: &'s [u8],
}

impl std::ops::Deref for El<'_> {
    type Target = Element;
    fn deref(&self) -> &Element {
        self.el
    }
}

impl<'s> El<'s> {
    /// The element's record, for as long as the document lives.
    pub fn record(&self) -> &'s Element {
        self.el
    }

    pub fn attr(&self, name: &str) -> Option<&'s Attr> {
        self.el.attr(name)
    }

    /// The unescaped value of attribute `a`: the bytes of `project.xml` where unescaping
    /// changes nothing, else the copy the scan made.
    pub fn value(&self, a: &'s Attr) -> &'s str {
        match &a.unescaped {
            Some(v) => v,
            // Valid UTF-8 without an entity: `unescape` checked it when the scan recorded it.
            None => std::str::from_utf8(&self.xml[a.span.clone()]).unwrap_or_default(),
        }
    }

    /// The unescaped value of attribute `name`.
    pub fn get(&self, name: &str) -> Option<&'s str> {
        self.attr(name).map(|a| self.value(a))
    }
}

/// One track (or bare mixer channel) of the project, in display order.
#[derive(Clone, Debug, PartialEq)]
pub struct DpTrack {
    /// The `Track` element, or the `Channel` for a bare mixer channel.
    pub element: usize,
    /// The track's `Channel` (the element itself for a bare mixer channel).
    pub channel: Option<usize>,
    /// True for a `Channel` directly in `Structure`, without a track.
    pub bare_channel: bool,
    pub kind: TrackKind,
    /// Made once: the session shares it.
    pub name: crate::session::Name,
    pub color: Option<Rgb>,
    pub parent: Option<usize>,
    pub muted: bool,
    pub plugins: Vec<String>,
    /// Outermost clips on the track's lanes (arrangement and clip slots).
    pub clips: usize,
    /// Of those, the ones disabled (`enable="false"`).
    pub disabled_clips: usize,
}

/// An audio or video file a track's clip plays, with the clip's place, for preflight.
#[derive(Clone, Debug, PartialEq)]
pub struct MediaRef {
    /// Index of the track in the session.
    pub track: usize,
    /// `File@path` as written: a path inside the container, or (with `external="true"`)
    /// a path relative to the `.dawproject` file, or absolute.
    pub path: String,
    /// True when the file is inside the container (`external` absent or `false`).
    pub embedded: bool,
    /// The outermost clip's `time`, `duration` and `playStart`, in `time_unit`.
    pub clip_time: Option<f64>,
    pub clip_duration: Option<f64>,
    pub play_start: Option<f64>,
    /// `beats` or `seconds`: the nearest `timeUnit` above the clip (Bitwig: `beats`).
    pub time_unit: Option<String>,
    /// The media file's own `duration` attribute, in seconds.
    pub file_duration: Option<f64>,
}

/// The scanned document and the `project.xml` it was scanned from (borrowed from the file's
/// bytes when stored, inflated when deflated). `doc` records the root, its children and every
/// element of `Structure` (indices are into that record, not the whole file); their values
/// are read from `xml` ([`DpDocument::element`], [`El::get`]).
#[derive(Clone, Debug)]
pub struct DpDocument<'a> {
    xml: Cow<'a, [u8]>,
    pub doc: Tree,
    pub structure: usize,
    pub tracks: Vec<DpTrack>,
    /// The largest `N` of the document's `idN` ids (Bitwig's spelling), if any.
    pub max_id: Option<u64>,
    pub media: Vec<MediaRef>,
    /// Every `File` (or other file reference) with `external="true"`, anywhere in the
    /// document: its `path` as written and the span of its raw value.
    pub external_files: Vec<(String, std::ops::Range<usize>)>,
}

fn content_types<'e>(el: El<'e>) -> Vec<&'e str> {
    el.get("contentType")
        .map(|c| c.split_ascii_whitespace().collect())
        .unwrap_or_default()
}

impl<'a> DpDocument<'a> {
    /// The `project.xml` the document was scanned from.
    pub fn xml(&self) -> &[u8] {
        &self.xml
    }

    pub fn element(&self, i: usize) -> El<'_> {
        El {
            el: &self.doc.elements[i],
            xml: &self.xml,
        }
    }

    /// Every recorded element, in document order.
    pub fn elements(&self) -> impl Iterator<Item = El<'_>> {
        self.doc.elements.iter().map(|el| El { el, xml: &self.xml })
    }

    /// Track `t`'s channel's own parameter element named `name` (`Volume`, `Pan`: children
    /// of the `Channel`, not those of its sends).
    pub fn parameter(&self, t: usize, name: &str) -> Option<usize> {
        let channel = self.tracks[t].channel?;
        self.doc.child_named(channel, name)
    }

    /// The `id` of track `t`'s channel.
    pub fn channel_id(&self, t: usize) -> Option<&str> {
        self.tracks[t]
            .channel
            .and_then(|c| self.element(c).get("id"))
    }

    /// True when another channel sends to track `t`'s channel. A channel's send to itself
    /// does not count: Bitwig writes one on every FX channel (`hifa-bitwig516__canon`).
    pub fn fed_by_sends(&self, t: usize) -> bool {
        let Some(id) = self.channel_id(t) else {
            return false;
        };
        let own = self.tracks[t].channel;
        self.elements().enumerate().any(|(i, el)| {
            &*el.name == "Send"
                && el.get("destination") == Some(id)
                && own.is_none_or(|c| !self.is_inside(i, c))
        })
    }

    /// True when another channel's output (`Channel@destination`) is track `t`'s channel.
    pub fn fed_by_outputs(&self, t: usize) -> bool {
        let Some(id) = self.channel_id(t) else {
            return false;
        };
        let own = self.tracks[t].channel;
        self.elements().enumerate().any(|(i, el)| {
            &*el.name == "Channel" && el.get("destination") == Some(id) && Some(i) != own
        })
    }

    /// The ids of the channels other channels feed, by a send (not one to itself, which Bitwig
    /// writes on every FX channel) or by their output (`destination`), in one pass.
    pub fn fed_channels(&self) -> std::collections::HashSet<&str> {
        let els = &self.doc.elements;
        let mut fed = std::collections::HashSet::new();
        for el in self.elements() {
            let Some(dest) = el.get("destination") else {
                continue;
            };
            let from = match &*el.name {
                "Channel" => el.get("id"),
                "Send" => {
                    let mut p = el.parent;
                    while let Some(i) = p.filter(|&i| &*els[i].name != "Channel") {
                        p = els[i].parent;
                    }
                    p.and_then(|c| self.element(c).get("id"))
                }
                _ => continue,
            };
            if from != Some(dest) {
                fed.insert(dest);
            }
        }
        fed
    }

    /// The id of the project's master channel: the channel with role `master` of a track that
    /// is not a group, or a bare one in `Structure`.
    pub fn master_channel_id(&self) -> Option<&str> {
        self.elements().find_map(|el| {
            if &*el.name != "Channel" || el.get("role") != Some("master") {
                return None;
            }
            let parent = self.element(el.parent?);
            let group = &*parent.name == "Track" && content_types(parent).contains(&"tracks");
            (!group).then(|| el.get("id")).flatten()
        })
    }

    /// True when track `t`'s output goes where its place says: to its group's channel (the
    /// nearest enclosing group with one), or at the top level to the master (or nowhere
    /// named, the DAW's default). A track without a channel has no output to redirect.
    pub fn feeds_parent(&self, t: usize, master: Option<&str>) -> bool {
        let Some(channel) = self.tracks[t].channel else {
            return true;
        };
        let dest = self.element(channel).get("destination");
        let mut p = self.tracks[t].parent;
        while let Some(g) = p {
            if let Some(id) = self.channel_id(g) {
                return dest == Some(id);
            }
            p = self.tracks[g].parent;
        }
        dest.is_none() || dest == master
    }

    /// True when element `i` is `ancestor` or inside it.
    pub fn is_inside(&self, i: usize, ancestor: usize) -> bool {
        let a = &self.doc.elements[ancestor];
        let e = &self.doc.elements[i];
        e.tag.start >= a.tag.start && e.tag.start < a.end
    }

    /// The channel `Volume` of track `t`: its value and unit as written (`linear` gain,
    /// 0..2 in Bitwig's files, or `decibel`), for the fader actions of the dry mix.
    pub fn volume(&self, t: usize) -> Option<(f64, String)> {
        let channel = self.tracks[t].channel?;
        let v = self.doc.child_named(channel, "Volume")?;
        let el = self.element(v);
        Some((
            el.get("value")?.trim().parse().ok()?,
            el.get("unit")?.into(),
        ))
    }
}

/// The name a track shows when its element has none.
fn fallback_name(kind: TrackKind) -> &'static str {
    match kind {
        TrackKind::Audio => "Audio",
        TrackKind::Midi => "Instrument",
        TrackKind::Bus => "Group",
        TrackKind::Return => "FX",
        // DAWproject has no foldback channel role; Ardour's kind never comes from this scan.
        TrackKind::Foldback => "Monitor",
    }
}

/// What the streaming part of the scan keeps for each open element outside `Structure`.
#[derive(Clone, Copy, Default)]
struct Frame {
    /// The track its lanes belong to.
    owner: Option<usize>,
    /// The outermost clip above it (index into `clips`), within its owner's lanes.
    clip: Option<usize>,
    /// The nearest element above it with a `timeUnit` (index into `units`).
    unit: Option<usize>,
    /// An `Audio`/`Video` element waiting for its `File` (index into `pending`).
    media: Option<usize>,
    /// Index of the element's record, for recorded elements.
    record: Option<usize>,
    /// Inside `Structure` (recorded, with its attributes).
    in_structure: bool,
}

/// One attribute: its name and raw value as slices of the input, and the value's span.
type RawAttr<'a> = (&'a [u8], &'a [u8], std::ops::Range<usize>);

/// The attributes of `start` into `out` (cleared first). Duplicate attributes are looked for
/// only with `checked` (quick-xml's check is quadratic in the attribute count).
fn raw_attrs<'a>(
    xml: &'a [u8],
    start: &quick_xml::events::BytesStart<'_>,
    checked: bool,
    out: &mut Vec<RawAttr<'a>>,
) -> Result<(), String> {
    let base = xml.as_ptr() as usize;
    out.clear();
    for a in start.attributes().with_checks(checked) {
        let a = a.map_err(|e| format!("malformed XML attribute: {e}"))?;
        let value: &[u8] = a.value.as_bytes();
        let at = value.as_ptr() as usize;
        if at < base || at + value.len() > base + xml.len() {
            return Err("malformed XML attribute".into());
        }
        let span = at - base..at - base + value.len();
        let name_at = a.key.as_ref().as_ptr() as usize - base;
        let name = &xml[name_at..name_at + a.key.as_ref().len()];
        out.push((name, &xml[span.clone()], span));
    }
    Ok(())
}

fn text(raw: &[u8]) -> Option<String> {
    crate::formats::ardour::xml::unescape(raw).map(std::borrow::Cow::into_owned)
}

fn number(raw: Option<&[u8]>) -> Option<f64> {
    std::str::from_utf8(raw?).ok()?.trim().parse().ok()
}

/// Scans `xml`: every element of `Structure` (and the root and its children) recorded with
/// its attributes and spans; the arrangement and scenes streamed for the clips, media and
/// ids they hold, without a record per element (they are most of a project's bytes).
///
/// The document keeps `src` (a stored `project.xml` stays borrowed from the file's bytes)
/// and reads its values from it. The tracks' names are made by `names` (a read-back takes
/// the predicted ones, never making a second copy of a name equal to one).
///
/// Errors: malformed XML (an unclosed or mismatched element, a bad attribute or entity, a
/// second root), or a root that is not `<Project>`, with the line in `project.xml`.
pub fn scan<'a>(
    src: Cow<'a, [u8]>,
    names: &crate::session::NamePool,
) -> Result<DpDocument<'a>, FormatError> {
    use crate::formats::ardour::xml::line_of;
    let xml: &[u8] = &src;
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    {
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
    }
    let malformed = |at: usize, what: String| FormatError::at_line(line_of(xml, at), what);
    let mut elements: Vec<Element> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut structure: Option<usize> = None;
    let mut max_id: Option<u64> = None;
    let mut track_by_id: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut tracks: Vec<DpTrack> = Vec::new();
    // Per outermost clip: its track, time, duration, playStart, disabled.
    struct Clip {
        owner: usize,
        time: Option<f64>,
        duration: Option<f64>,
        play_start: Option<f64>,
        disabled: bool,
    }
    let mut clips: Vec<Clip> = Vec::new();
    let mut units: Vec<String> = Vec::new();
    // Per Audio/Video element waiting for its File: track, clip, time unit, duration.
    struct Pending {
        track: usize,
        clip: Option<usize>,
        unit: Option<usize>,
        duration: Option<f64>,
    }
    let mut pending: Vec<Pending> = Vec::new();
    let mut media = Vec::new();
    let mut external_files = Vec::new();
    let mut roots = 0;
    let mut attrs: Vec<RawAttr> = Vec::with_capacity(16);
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            malformed(
                reader.error_position() as usize,
                format!("malformed XML: {e}"),
            )
        })?;
        let after = reader.buffer_position() as usize;
        let (start, empty) = match &event {
            Event::Start(s) => (s, false),
            Event::Empty(s) => (s, true),
            Event::End(_) => {
                let Some(frame) = stack.pop() else {
                    return Err(malformed(
                        before,
                        "malformed XML: end tag without a start tag".into(),
                    ));
                };
                if let Some(r) = frame.record {
                    elements[r].end = after;
                    if Some(r) == structure {
                        // Structure is whole: its tracks are known before the lanes naming them.
                        let doc = Tree {
                            elements: std::mem::take(&mut elements),
                        };
                        tracks = structure_tracks(xml, &doc, r, names);
                        elements = doc.elements;
                        for (t, track) in tracks.iter().enumerate() {
                            for e in [Some(track.element), track.channel].into_iter().flatten() {
                                if let Some(id) = elements[e].attr("id") {
                                    track_by_id.insert(xml[id.span.clone()].to_vec(), t);
                                }
                            }
                        }
                    }
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let tag_start = before
            + memchr::memchr(b'<', &xml[before..after])
                .ok_or_else(|| malformed(before, "malformed XML tag".into()))?;
        let parent = stack.last().copied();
        let in_structure =
            parent.is_some_and(|p| p.in_structure || (p.record.is_some() && p.record == structure));
        let record = parent.is_none() || parent.and_then(|p| p.record) == Some(0) || in_structure;
        raw_attrs(xml, start, record, &mut attrs).map_err(|e| malformed(tag_start, e))?;
        let get = |name: &[u8]| {
            attrs
                .iter()
                .find(|(k, _, _)| *k == name)
                .map(|(_, v, _)| *v)
        };
        if get(b"external") == Some(b"true")
            && let Some((_, raw, span)) = attrs.iter().find(|(k, _, _)| *k == b"path")
        {
            external_files.push((text(raw).unwrap_or_default(), span.clone()));
        }
        if let Some(id) = get(b"id")
            && let Some(n) = id.strip_prefix(b"id")
            && let Some(n) = std::str::from_utf8(n)
                .ok()
                .and_then(|n| n.parse::<u64>().ok())
        {
            max_id = Some(max_id.map_or(n, |m| m.max(n)));
        }
        let qname = start.name();
        let name_bytes = qname.as_ref().as_bytes();
        if parent.is_none() {
            roots += 1;
            if roots > 1 {
                return Err(malformed(
                    tag_start,
                    "malformed XML: more than one root element".into(),
                ));
            }
        }
        // Recorded: the root, its children, and everything inside Structure.
        let mut frame = Frame {
            record: None,
            in_structure,
            ..parent.unwrap_or_default()
        };
        if record {
            let index = elements.len();
            let mut recorded = Vec::with_capacity(attrs.len());
            for (k, v, span) in &attrs {
                let value = crate::formats::ardour::xml::unescape(v).ok_or_else(|| {
                    malformed(span.start, "malformed XML attribute: bad entity".into())
                })?;
                recorded.push(Attr {
                    name: String::from_utf8_lossy(k).into(),
                    span: span.clone(),
                    // Held only when it differs from the bytes (issue #14).
                    unescaped: match value {
                        Cow::Borrowed(_) => None,
                        Cow::Owned(v) => Some(v.into()),
                    },
                });
            }
            let parent_record = parent.and_then(|p| p.record);
            elements.push(Element {
                name: String::from_utf8_lossy(name_bytes).into(),
                parent: parent_record,
                children: Vec::new(),
                tag: tag_start..after,
                end: after,
                attrs: recorded,
            });
            if let Some(p) = parent_record {
                elements[p].children.push(index);
            }
            if parent_record == Some(0) && name_bytes == b"Structure" && structure.is_none() {
                structure = Some(index);
            }
            frame.record = Some(index);
        } else {
            // Outside Structure: lanes, clips and media, streamed.
            if let Some(track) = get(b"track") {
                frame.owner = track_by_id.get(track).copied();
                frame.clip = None;
            }
            if let Some(unit) = get(b"timeUnit") {
                units.push(String::from_utf8_lossy(unit).into_owned());
                frame.unit = Some(units.len() - 1);
            }
            if let Some(owner) = frame.owner {
                match name_bytes {
                    b"Clip" if frame.clip.is_none() => {
                        clips.push(Clip {
                            owner,
                            time: number(get(b"time")),
                            duration: number(get(b"duration")),
                            play_start: number(get(b"playStart")),
                            disabled: get(b"enable") == Some(b"false"),
                        });
                        frame.clip = Some(clips.len() - 1);
                    }
                    b"Audio" | b"Video" => {
                        pending.push(Pending {
                            track: owner,
                            clip: frame.clip,
                            unit: frame.unit,
                            duration: number(get(b"duration")),
                        });
                        frame.media = Some(pending.len() - 1);
                    }
                    b"File" => {
                        if let (Some(m), Some(path)) = (parent.and_then(|p| p.media), get(b"path"))
                        {
                            let Pending {
                                track,
                                clip,
                                unit,
                                duration: file_duration,
                            } = pending[m];
                            let clip = clip.map(|c| &clips[c]);
                            media.push(MediaRef {
                                track,
                                path: text(path).unwrap_or_default(),
                                embedded: get(b"external") != Some(b"true"),
                                clip_time: clip.and_then(|c| c.time),
                                clip_duration: clip.and_then(|c| c.duration),
                                play_start: clip.and_then(|c| c.play_start),
                                time_unit: unit.map(|u| units[u].clone()),
                                file_duration,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        if empty {
            if let Some(r) = frame.record {
                elements[r].end = after;
            }
        } else {
            stack.push(frame);
        }
    }
    if let Some(frame) = stack.last() {
        // The innermost recorded element still open (the root at least).
        let open = stack
            .iter()
            .rev()
            .find_map(|f| f.record)
            .unwrap_or(frame.record.unwrap_or(0));
        let el = &elements[open];
        return Err(malformed(
            el.tag.start,
            format!(
                "malformed XML: <{}> is never closed (the file ends first)",
                el.name
            ),
        ));
    }
    if elements.is_empty() {
        return Err(FormatError::whole("not an XML document: no element found"));
    }
    let doc = Tree { elements };
    let root = &doc.elements[0];
    if &*root.name != "Project" {
        return Err(FormatError::at_line(
            line_of(xml, root.tag.start),
            format!(
                "project.xml holds <{}>, not a DAWproject <Project>",
                root.name
            ),
        ));
    }
    if tracks.is_empty()
        && let Some(s) = structure
    {
        tracks = structure_tracks(xml, &doc, s, names);
    }
    for c in &clips {
        tracks[c.owner].clips += 1;
        if c.disabled {
            tracks[c.owner].disabled_clips += 1;
        }
    }
    Ok(DpDocument {
        xml: src,
        structure: structure.unwrap_or(0),
        doc,
        tracks,
        max_id,
        media,
        external_files,
    })
}

/// The tracks of `Structure`, depth-first in document order (a group followed by its members).
fn structure_tracks(
    xml: &[u8],
    doc: &Tree,
    structure: usize,
    names: &crate::session::NamePool,
) -> Vec<DpTrack> {
    let elem = |i: usize| El {
        el: &doc.elements[i],
        xml,
    };
    let mut tracks: Vec<DpTrack> = Vec::new();
    let mut stack: Vec<(usize, Option<usize>)> = doc.elements[structure]
        .children
        .iter()
        .rev()
        .map(|&c| (c, None))
        .collect();
    while let Some((e, parent)) = stack.pop() {
        let el = elem(e);
        let this = match &*el.name {
            "Track" => {
                let channel = doc.child_named(e, "Channel");
                let role = channel.and_then(|c| elem(c).get("role"));
                let types = content_types(el);
                let group = types.contains(&"tracks");
                if role == Some("master") && !group {
                    None // the project's master
                } else {
                    let kind = if group {
                        TrackKind::Bus
                    } else if role == Some("effect") {
                        TrackKind::Return
                    } else if types.contains(&"notes") && !types.contains(&"audio") {
                        TrackKind::Midi
                    } else {
                        TrackKind::Audio
                    };
                    Some(new_track(
                        (xml, doc),
                        names,
                        e,
                        channel,
                        false,
                        kind,
                        parent,
                    ))
                }
            }
            "Channel" if parent.is_none() => match el.get("role") {
                Some("master") => None,
                role => {
                    let kind = if role == Some("effect") {
                        TrackKind::Return
                    } else {
                        TrackKind::Bus
                    };
                    Some(new_track((xml, doc), names, e, Some(e), true, kind, None))
                }
            },
            _ => None,
        };
        let inner_parent = match this {
            Some(t) => {
                tracks.push(t);
                Some(tracks.len() - 1)
            }
            None => parent,
        };
        if &*el.name == "Track" {
            for &c in el.children.iter().rev() {
                if &*doc.elements[c].name == "Track" {
                    stack.push((c, inner_parent));
                }
            }
        }
    }
    tracks
}

fn new_track(
    // `project.xml` and its record.
    (xml, doc): (&[u8], &Tree),
    names: &crate::session::NamePool,
    element: usize,
    channel: Option<usize>,
    bare_channel: bool,
    kind: TrackKind,
    parent: Option<usize>,
) -> DpTrack {
    let elem = |i: usize| El {
        el: &doc.elements[i],
        xml,
    };
    let el = elem(element);
    let name = names.make_str(
        el.get("name")
            .filter(|n| !n.is_empty())
            .unwrap_or(fallback_name(kind)),
    );
    let muted = channel
        .and_then(|c| doc.child_named(c, "Mute"))
        .is_some_and(|m| elem(m).get("value").map(str::trim) == Some("true"));
    let plugins = channel
        .and_then(|c| doc.child_named(c, "Devices"))
        .map(|d| {
            elem(d)
                .children
                .iter()
                .filter_map(|&p| {
                    let p = elem(p);
                    p.get("deviceName").or(p.get("name")).map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    DpTrack {
        element,
        channel,
        bare_channel,
        kind,
        name,
        color: el.get("color").and_then(|c| Rgb::parse_hex(c.trim())),
        parent,
        muted,
        plugins,
        clips: 0,
        disabled_clips: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A value needing no unescaping is read from project.xml, never copied (issue #14: a
    // project whose bytes are nearly all one name holds it in project.xml and the session
    // only); an escaped one is held unescaped.
    #[test]
    fn values_are_read_from_project_xml_unless_unescaping_changed_them() {
        let xml = b"<Project><Structure>\
            <Track contentType=\"audio\" id=\"id1\" name=\"synth pad\">\
            <Channel id=\"id2\" role=\"regular\" comment=\"a &amp; b\"/></Track>\
            </Structure></Project>";
        let doc = scan(Cow::Borrowed(&xml[..]), &crate::session::NamePool::fresh()).unwrap();
        let track = doc.element(doc.tracks[0].element);
        let name = track.get("name").unwrap();
        assert_eq!(name, "synth pad");
        let span = track.attr("name").unwrap().span.clone();
        assert_eq!(name.as_ptr(), xml[span].as_ptr());
        let channel = doc.element(doc.tracks[0].channel.unwrap());
        assert_eq!(channel.get("comment"), Some("a & b"));
        assert_eq!(channel.get("id"), Some("id2"));
        assert_eq!(channel.get("absent"), None);
        assert!(track.attr("name").unwrap().unescaped.is_none());
        assert!(channel.attr("comment").unwrap().unescaped.is_some());
    }
}
