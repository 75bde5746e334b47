//! What premix reads from a DAWproject's `project.xml`: the tracks as the DAW shows them, their
//! channels, the ids that refer to them, their clips and media. [`scan`] reads a whole
//! `project.xml`; [`rescan`] reads one premix wrote by editing values inside start tags,
//! deriving its document from the original's and tokenizing only the edited tags again (the
//! read-back that verifies an output, as strong a check as a whole scan: see there).
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
use std::sync::Arc;

/// One recorded attribute: its name and the span of its raw value in `project.xml` (inside
/// the quotes). The value itself is read from `project.xml` ([`El::get`]); it is held here
/// only where unescaping changed it (an entity, or bytes that are not UTF-8), so a document
/// whose bytes are nearly all one value holds that value once, in `project.xml` (issue #14).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    /// Shared by every attribute of that name in the document (made once, [`NameCache`]).
    pub name: Arc<str>,
    pub span: Range<usize>,
    unescaped: Option<Box<str>>,
}

/// One recorded element: its name, parent, children, the byte range of its start tag, where
/// it ends (after its end tag, or after the tag when empty) and its attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// Shared by every element of that name in the document (made once, [`NameCache`]).
    pub name: Arc<str>,
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

    /// [`El::get`]'s value as bytes, without its UTF-8 check (the scan's tokenizer checked
    /// every tag it records): to compare ids and keywords, the session's most frequent
    /// lookups.
    pub fn get_bytes(&self, name: &str) -> Option<&'s [u8]> {
        self.attr(name).map(|a| match &a.unescaped {
            Some(v) => v.as_bytes(),
            None => &self.xml[a.span.clone()],
        })
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
    /// The document without its `project.xml`, and the `project.xml` (owned when it was
    /// inflated): to free them apart, or on another thread than the one owning the bytes a
    /// stored one borrows.
    pub fn detached(self) -> (DpDocument<'static>, Cow<'a, [u8]>) {
        let DpDocument {
            xml,
            doc,
            structure,
            tracks,
            max_id,
            media,
            external_files,
        } = self;
        let rest = DpDocument {
            xml: Cow::Borrowed(&[]),
            doc,
            structure,
            tracks,
            max_id,
            media,
            external_files,
        };
        (rest, xml)
    }

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
    /// writes on every FX channel) or by their output (`destination`), in one pass; as the
    /// bytes of their unescaped values ([`El::get_bytes`]).
    pub fn fed_channels(&self) -> std::collections::HashSet<&[u8]> {
        let els = &self.doc.elements;
        let mut fed = std::collections::HashSet::new();
        for el in self.elements() {
            // The name first: most elements are neither, and have many attributes to look at.
            if !matches!(&*el.name, "Channel" | "Send") {
                continue;
            }
            let Some(dest) = el.get_bytes("destination") else {
                continue;
            };
            let from = match &*el.name {
                "Channel" => el.get_bytes("id"),
                "Send" => {
                    let mut p = el.parent;
                    while let Some(i) = p.filter(|&i| &*els[i].name != "Channel") {
                        p = els[i].parent;
                    }
                    p.and_then(|c| self.element(c).get_bytes("id"))
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
            if &*el.name != "Channel" || el.get_bytes("role") != Some(b"master") {
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
        let dest = self.element(channel).get_bytes("destination");
        let mut p = self.tracks[t].parent;
        while let Some(g) = p {
            if let Some(id) = self.tracks[g]
                .channel
                .and_then(|c| self.element(c).get_bytes("id"))
            {
                return dest == Some(id);
            }
            p = self.tracks[g].parent;
        }
        dest.is_none() || dest == master.map(str::as_bytes)
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
struct Frame<'a> {
    /// The element's name, which its end tag must repeat.
    name: &'a [u8],
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

/// The names of a document's elements and attributes, each made once: a DAWproject repeats a
/// few dozen names (the schema's) over thousands of elements, and a name per record was most
/// of the allocations of a scan. A small direct-mapped cache, by length and first and last
/// byte: a name that misses (a collision, or a name never seen) is made again, which costs
/// only the allocation it saves otherwise.
struct NameCache<'a> {
    slots: Vec<Option<(&'a [u8], Arc<str>)>>,
}

impl<'a> NameCache<'a> {
    const SLOTS: usize = 256;

    fn new() -> Self {
        NameCache {
            slots: vec![None; Self::SLOTS],
        }
    }

    fn get(&mut self, name: &'a [u8]) -> Arc<str> {
        let (first, last) = match name {
            [] => (0, 0),
            [f, .., l] => (*f, *l),
            [f] => (*f, *f),
        };
        let slot = (name.len() * 31 + usize::from(first) * 7 + usize::from(last)) % Self::SLOTS;
        match &self.slots[slot] {
            Some((n, made)) if *n == name => made.clone(),
            _ => {
                let made: Arc<str> = String::from_utf8_lossy(name).into();
                self.slots[slot] = Some((name, made.clone()));
                made
            }
        }
    }
}

/// The few attributes the scan reads on every element (the first of each name, as quick-xml's
/// reader met them), as spans of their raw values: looked up on the tag's bytes, so that an
/// element of the streamed part costs no allocation.
#[derive(Default)]
struct Wanted {
    id: Option<Range<usize>>,
    external: Option<Range<usize>>,
    path: Option<Range<usize>>,
    track: Option<Range<usize>>,
    time_unit: Option<Range<usize>>,
    time: Option<Range<usize>>,
    duration: Option<Range<usize>>,
    play_start: Option<Range<usize>>,
    enable: Option<Range<usize>>,
}

impl Wanted {
    #[inline]
    fn see(&mut self, name: &[u8], value: Range<usize>) {
        let slot = match name {
            b"id" => &mut self.id,
            b"external" => &mut self.external,
            b"path" => &mut self.path,
            b"track" => &mut self.track,
            b"timeUnit" => &mut self.time_unit,
            b"time" => &mut self.time,
            b"duration" => &mut self.duration,
            b"playStart" => &mut self.play_start,
            b"enable" => &mut self.enable,
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
}

fn text(raw: &[u8]) -> Option<String> {
    crate::formats::ardour::xml::unescape(raw).map(std::borrow::Cow::into_owned)
}

/// A number attribute as the DAW wrote it: trimmed of whitespace (Unicode's, as `str::trim`),
/// then parsed as `f64`.
pub(crate) fn number(raw: Option<&[u8]>) -> Option<f64> {
    let raw = raw?;
    if let Some(n) = short_decimal(raw) {
        return Some(n);
    }
    let text = std::str::from_utf8(raw).ok()?;
    // Ends that are ASCII and not whitespace need no trimming (nearly every value).
    let trimmed = match (raw.first(), raw.last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => text,
        _ => text.trim(),
    };
    trimmed.parse().ok()
}

/// `raw` as `f64`, when it is a short plain decimal (`-`, digits, `.` and digits: `4.0`,
/// `0.100000`, as DAWs write times), else `None`. Exactly what `str::parse` reads: with at
/// most 15 digits both the digits as an integer and the power of ten are exact `f64`s, and
/// their quotient is rounded once, correctly (the fast path of `str::parse`, Clinger's), at a
/// fraction of its cost on the tens of thousands of clip times of a large project.
#[inline]
fn short_decimal(raw: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (negative, digits) = match raw {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, raw),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let (mut mantissa, mut count, mut point) = (0u64, 0usize, None);
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
            }
            // One point, with a digit on each side.
            b'.' if point.is_none() && i > 0 && i + 1 < digits.len() => point = Some(i),
            _ => return None,
        }
    }
    if count > 15 {
        return None;
    }
    let decimals = point.map_or(0, |p| digits.len() - p - 1);
    let value = mantissa as f64 / POW10[decimals];
    Some(if negative { -value } else { value })
}

/// `N` of an id `idN` (Bitwig's spelling): what `str::parse::<u64>` reads (an optional `+`,
/// then decimal digits, no overflow), without the UTF-8 check of a `&str`.
fn id_number(id: &[u8]) -> Option<u64> {
    let digits = id.strip_prefix(b"id")?;
    let digits = digits.strip_prefix(b"+").unwrap_or(digits);
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        if !d.is_ascii_digit() {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// Scans `xml`: every element of `Structure` (and the root and its children) recorded with
/// its attributes and spans; the arrangement and scenes streamed for the clips, media and
/// ids they hold, without a record per element (they are most of a project's bytes).
///
/// The XML is split by the tokenizer Live's scan uses ([`crate::formats::xml_tokens`]), and
/// each start tag's attributes are read on its bytes; both accept and refuse what quick-xml's
/// reader did, with its messages. Offsets count a UTF-8 byte order mark.
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
    use crate::formats::xml_tokens::{
        Token, Tokens, XmlError, has_duplicate, plain_attributes, quick_xml_attributes,
    };
    let xml: &[u8] = &src;
    let malformed = |at: usize, what: String| FormatError::at_line(line_of(xml, at), what);
    let xml_error = |e: XmlError| malformed(e.at, format!("malformed XML: {}", e.error));
    let mut tokens = Tokens::new(xml);
    let mut elements: Vec<Element> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut structure: Option<usize> = None;
    let mut max_id: Option<u64> = None;
    // Borrowed from project.xml: a key is the raw bytes of an `id` in Structure.
    let mut track_by_id: HashMap<&[u8], usize> = HashMap::new();
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
    // Each `timeUnit` met, as the span of its value.
    let mut units: Vec<Range<usize>> = Vec::new();
    let mut name_cache = NameCache::new();
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
    // The attributes of a recorded element, or of a tag written other than plainly.
    let mut attrs: Vec<(&[u8], Range<usize>)> = Vec::with_capacity(16);
    loop {
        // Whether the next element is recorded depends on the open ones only: known before
        // its tag is read, so its attributes are taken as the tokenizer meets them.
        let parent = stack.last().copied();
        let in_structure =
            parent.is_some_and(|p| p.in_structure || (p.record.is_some() && p.record == structure));
        let record = parent.is_none() || parent.and_then(|p| p.record) == Some(0) || in_structure;
        let mut wanted = Wanted::default();
        attrs.clear();
        let (token, plain) = tokens
            .next_reading(&mut |k, v| {
                if record {
                    attrs.push((k, v));
                } else {
                    wanted.see(k, v);
                }
            })
            .map_err(xml_error)?;
        let (name_bytes, tag, empty) = match token {
            Token::Start { name, tag, empty } => (name, tag, empty),
            Token::End { name, tag } => {
                let Some(frame) = stack.pop() else {
                    return Err(xml_error(XmlError::unmatched_end(name, tag.start)));
                };
                if frame.name != name {
                    return Err(xml_error(XmlError::mismatched_end(
                        frame.name, name, tag.start,
                    )));
                }
                if let Some(r) = frame.record {
                    elements[r].end = tag.end;
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
                                    track_by_id.insert(&xml[id.span.clone()], t);
                                }
                            }
                        }
                    }
                }
                continue;
            }
            Token::Eof => break,
        };
        let (tag_start, after) = (tag.start, tag.end);
        // The tag without `<` and `>` or `/>`; its attributes follow its name.
        let content = tag_start + 1..after - 1 - usize::from(empty);
        let name_end = content.start + name_bytes.len();
        if record {
            // Every attribute, checked for duplicates, as quick-xml's reader did.
            let plain = plain || {
                attrs.clear();
                plain_attributes(xml, content.clone(), name_end, |k, v| {
                    attrs.push((k, v));
                })
            };
            if !plain || has_duplicate(&attrs) {
                quick_xml_attributes(xml, content, name_end, true, &mut attrs)
                    .map_err(|e| malformed(tag_start, e))?;
            }
            for (k, v) in &attrs {
                wanted.see(k, v.clone());
            }
        } else if !plain && {
            wanted = Wanted::default();
            !plain_attributes(xml, content.clone(), name_end, |k, v| wanted.see(k, v))
        } {
            quick_xml_attributes(xml, content, name_end, false, &mut attrs)
                .map_err(|e| malformed(tag_start, e))?;
            wanted = Wanted::default();
            for (k, v) in &attrs {
                wanted.see(k, v.clone());
            }
        }
        let get = |span: &Option<Range<usize>>| span.as_ref().map(|v| &xml[v.clone()]);
        if get(&wanted.external) == Some(b"true")
            && let Some(span) = &wanted.path
        {
            external_files.push((text(&xml[span.clone()]).unwrap_or_default(), span.clone()));
        }
        if let Some(n) = get(&wanted.id).and_then(id_number) {
            max_id = Some(max_id.map_or(n, |m| m.max(n)));
        }
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
            name: name_bytes,
            record: None,
            in_structure,
            ..parent.unwrap_or_default()
        };
        if record {
            let index = elements.len();
            let mut recorded = Vec::with_capacity(attrs.len());
            // One search of the tag for `&` instead of one per value: nearly every tag has none.
            let entities = memchr::memchr(b'&', &xml[name_end..after]).is_some();
            for (k, span) in &attrs {
                let raw = &xml[span.clone()];
                // The tag is UTF-8 (the tokenizer checked it): without `&`, the value is its bytes.
                let value = if !entities || memchr::memchr(b'&', raw).is_none() {
                    Cow::Borrowed("")
                } else {
                    crate::formats::ardour::xml::unescape(raw).ok_or_else(|| {
                        malformed(span.start, "malformed XML attribute: bad entity".into())
                    })?
                };
                recorded.push(Attr {
                    name: name_cache.get(k),
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
                name: name_cache.get(name_bytes),
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
            if let Some(track) = get(&wanted.track) {
                frame.owner = track_by_id.get(track).copied();
                frame.clip = None;
            }
            if let Some(unit) = wanted.time_unit.take() {
                units.push(unit);
                frame.unit = Some(units.len() - 1);
            }
            if let Some(owner) = frame.owner {
                match name_bytes {
                    b"Clip" if frame.clip.is_none() => {
                        clips.push(Clip {
                            owner,
                            time: number(get(&wanted.time)),
                            duration: number(get(&wanted.duration)),
                            play_start: number(get(&wanted.play_start)),
                            disabled: get(&wanted.enable) == Some(b"false"),
                        });
                        frame.clip = Some(clips.len() - 1);
                    }
                    b"Audio" | b"Video" => {
                        pending.push(Pending {
                            track: owner,
                            clip: frame.clip,
                            unit: frame.unit,
                            duration: number(get(&wanted.duration)),
                        });
                        frame.media = Some(pending.len() - 1);
                    }
                    b"File" => {
                        if let (Some(m), Some(path)) =
                            (parent.and_then(|p| p.media), get(&wanted.path))
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
                                embedded: get(&wanted.external) != Some(b"true"),
                                clip_time: clip.and_then(|c| c.time),
                                clip_duration: clip.and_then(|c| c.duration),
                                play_start: clip.and_then(|c| c.play_start),
                                time_unit: unit.map(|u| {
                                    String::from_utf8_lossy(&xml[units[u].clone()]).into()
                                }),
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

/// What [`rescan`] made of an edited `project.xml`.
pub enum Rescanned<'a, 'b> {
    /// The edited document, derived from the original one; with the original's `project.xml`,
    /// to free.
    Derived(DpDocument<'a>, Cow<'b, [u8]>),
    /// The edits are not all inside start tags the document records (or change what the
    /// incremental read cannot follow): the edited `project.xml`, to scan whole
    /// ([`scan`]), and what is left of the original document, to free.
    Whole(Cow<'a, [u8]>, DpDocument<'b>),
}

/// The document of `new`, the `project.xml` written by splicing `edits` (sorted, as
/// [`crate::edit::splice_in_place`] leaves them) into the one `old` was scanned from, derived
/// from `old` where the edits allow it, with the tracks' names made by `names`.
///
/// Derived when every edit lies inside the attributes of one start tag `old` records (the
/// root's, its children's, `Structure`'s elements': renames, recolours, mutes, faders, pans):
/// - every byte of `new` outside the edits is compared with `old`'s, at offsets shifted by the
///   edits (the output is the input with the edits, or the write is refused);
/// - each edited start tag is tokenized again from `new`'s bytes, by the scan's tokenizer and
///   attribute reader, and must be one start tag of the same element name, empty or not as
///   before, ending where the original ends shifted; its attributes are taken from it;
/// - what the scan derives from those elements (the tracks' names, colours, mutes, kinds,
///   plug-ins, groups: [`structure_tracks`]) is derived again from `new`'s bytes.
///
/// As strong as scanning `new` whole: the bytes before an edited tag are the original's, so
/// the tokenizer reaches its `<` in the state it reached the original's; the tag tokenizes as
/// one start tag of the same name ending at the same (shifted) place, so the bytes after it,
/// again the original's, tokenize as they did, with the same elements open. The scan's
/// results from elements it does not record (clips, media, lanes' tracks, ids) are therefore
/// those of the original, and from the edited ones they are read from `new`. An edit that
/// would change more than that (an `id`, which lanes refer to; a file reference's `path` or
/// `external`; the list of tracks, as a changed channel role or content type could) gives
/// [`Rescanned::Whole`], as does a tag that no longer reads as one start tag of its name
/// (the whole scan then says what is wrong, at its line).
///
/// Errors: `new` is not `old`'s `project.xml` with `edits` (a byte outside the edits
/// differs, or its length does not add up): the write did not write what it said.
pub fn rescan<'a, 'b>(
    mut old: DpDocument<'b>,
    edits: &[crate::edit::Edit],
    new: Cow<'a, [u8]>,
    names: &crate::session::NamePool,
) -> Result<Rescanned<'a, 'b>, FormatError> {
    use crate::formats::xml_tokens::{
        Token, Tokens, has_duplicate, plain_attributes, quick_xml_attributes,
    };
    let before: &[u8] = &old.xml;
    let after: &[u8] = &new;
    // Sorted and apart, as spliced (else nothing is assumed: scanned whole).
    let sorted = edits.windows(2).all(|w| w[0].range.end <= w[1].range.start)
        && edits
            .iter()
            .all(|e| e.range.start <= e.range.end && e.range.end <= before.len());
    if edits.is_empty() || !sorted {
        return Ok(Rescanned::Whole(new, old));
    }
    let grown: isize = edits
        .iter()
        .map(|e| e.content.len() as isize - e.range.len() as isize)
        .sum();
    let differs = || {
        FormatError::whole(
            "internal error: project.xml as written is not the input's with the plan's edits \
             (a byte outside the edits differs); nothing written",
        )
    };
    if after.len() as isize != before.len() as isize + grown {
        return Err(differs());
    }
    // The unchanged pieces, each at its shifted place.
    let mut cursor = 0;
    let mut shift = 0isize;
    for e in edits {
        let at = (cursor as isize + shift) as usize;
        if before[cursor..e.range.start] != after[at..at + (e.range.start - cursor)] {
            return Err(differs());
        }
        shift += e.content.len() as isize - e.range.len() as isize;
        cursor = e.range.end;
    }
    let at = (cursor as isize + shift) as usize;
    if before[cursor..] != after[at..] {
        return Err(differs());
    }
    // `p` of `old` in `new`, for a place outside the edits: every edit ending at or before it
    // moved it. `ends[k]` is where edit `k` ends, `moved[k]` how far the edits before it moved.
    let ends: Vec<usize> = edits.iter().map(|e| e.range.end).collect();
    let mut moved = Vec::with_capacity(edits.len() + 1);
    moved.push(0isize);
    for e in edits {
        moved.push(moved[moved.len() - 1] + e.content.len() as isize - e.range.len() as isize);
    }
    let shifted = |p: usize| (p as isize + moved[ends.partition_point(|&e| e <= p)]) as usize;
    // Each edit's start tag (recorded, its attributes holding the edit), once per tag, with
    // the edits in it: found in one walk of the elements, as the edits, in document order.
    let elements = &old.doc.elements;
    let mut edited: Vec<(usize, Range<usize>)> = Vec::new();
    let mut next = 0;
    for (k, e) in edits.iter().enumerate() {
        // The last element whose tag starts at or before the edit.
        while next < elements.len() && elements[next].tag.start <= e.range.start {
            next += 1;
        }
        let Some(i) = next.checked_sub(1) else {
            return Ok(Rescanned::Whole(new, old));
        };
        let el = &elements[i];
        // After the name, before the `>` (or `/>`).
        let attrs_from = el.tag.start + 1 + el.name.len();
        let attrs_to = el.tag.end - 1 - usize::from(el.is_empty_tag());
        if e.range.start < attrs_from || e.range.end > attrs_to {
            return Ok(Rescanned::Whole(new, old));
        }
        match edited.last_mut() {
            Some((last, within)) if *last == i => within.end = k + 1,
            _ => edited.push((i, k..k + 1)),
        }
    }
    // Each edited tag read again from `new`, as the scan reads a recorded one.
    let mut name_cache = NameCache::new();
    let mut attrs: Vec<(&[u8], Range<usize>)> = Vec::with_capacity(16);
    let mut read: Vec<Vec<Attr>> = Vec::with_capacity(edited.len());
    for (i, within) in &edited {
        let el = &elements[*i];
        // Moved by the edits before it, then by its own.
        let tag = (el.tag.start as isize + moved[within.start]) as usize
            ..(el.tag.end as isize + moved[within.end]) as usize;
        let base = tag.start;
        let mut tokens = Tokens::new(&after[tag.clone()]);
        attrs.clear();
        let Ok((token, plain)) = tokens.next_reading(&mut |k, v| attrs.push((k, v))) else {
            return Ok(Rescanned::Whole(new, old));
        };
        let Token::Start {
            name,
            tag: read_tag,
            empty,
        } = token
        else {
            return Ok(Rescanned::Whole(new, old));
        };
        if name != el.name.as_bytes() || read_tag != (0..tag.len()) || empty != el.is_empty_tag() {
            return Ok(Rescanned::Whole(new, old));
        }
        // As the scan reads a recorded tag, with offsets into `new`.
        let content = tag.start + 1..tag.end - 1 - usize::from(empty);
        let name_end = content.start + name.len();
        let mut spans: Vec<(&[u8], Range<usize>)> = attrs
            .iter()
            .map(|(k, v)| (*k, v.start + base..v.end + base))
            .collect();
        let plain = plain || {
            spans.clear();
            plain_attributes(after, content.clone(), name_end, |k, v| spans.push((k, v)))
        };
        if (!plain || has_duplicate(&spans))
            && quick_xml_attributes(after, content, name_end, true, &mut spans).is_err()
        {
            return Ok(Rescanned::Whole(new, old));
        }
        let mut recorded = Vec::with_capacity(spans.len());
        for (k, span) in &spans {
            let raw = &after[span.clone()];
            let value = if memchr::memchr(b'&', raw).is_none() {
                None
            } else {
                match crate::formats::ardour::xml::unescape(raw) {
                    Some(Cow::Owned(v)) => Some(v.into_boxed_str()),
                    Some(Cow::Borrowed(_)) => None,
                    None => return Ok(Rescanned::Whole(new, old)),
                }
            };
            recorded.push(Attr {
                name: name_cache.get(k),
                span: span.clone(),
                unescaped: value,
            });
        }
        // What lanes and media refer to, and what the scan reads on every element, unchanged.
        let raw = |attrs: &[Attr], xml: &[u8], name: &str| {
            attrs
                .iter()
                .find(|a| &*a.name == name)
                .map(|a| xml[a.span.clone()].to_vec())
        };
        let refers = |attrs: &[Attr]| {
            attrs
                .iter()
                .any(|a| matches!(&*a.name, "path" | "external"))
        };
        if raw(&el.attrs, before, "id") != raw(&recorded, after, "id")
            || refers(&el.attrs)
            || refers(&recorded)
        {
            return Ok(Rescanned::Whole(new, old));
        }
        read.push(recorded);
    }
    // Every span moved to `new`, in one walk in document order (no search per span: tens of
    // thousands of them). An element's end moves as the next element's start outside it
    // does (or as the end of the document): every edit lies in a recorded tag, so the edits
    // before its end are those in the tags before that one.
    let mut next_edit = 0;
    let mut moved_by = 0isize;
    let mut at = |p: usize| {
        while next_edit < ends.len() && ends[next_edit] <= p {
            moved_by = moved[next_edit + 1];
            next_edit += 1;
        }
        (p as isize + moved_by) as usize
    };
    let mut fresh = edited.iter().zip(read).peekable();
    // The elements whose end is not yet moved, with their ends in `old`.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let els = &mut old.doc.elements;
    for i in 0..els.len() {
        let start = els[i].tag.start;
        let moved_here = at(start) as isize - start as isize;
        while let Some(&(o, end)) = open.last().filter(|&&(_, end)| end <= start) {
            els[o].end = (end as isize + moved_here) as usize;
            open.pop();
        }
        let el = &mut els[i];
        match fresh.next_if(|((e, _), _)| *e == i) {
            Some((_, recorded)) => el.attrs = recorded,
            None => {
                for a in &mut el.attrs {
                    a.span = at(a.span.start)..at(a.span.end);
                }
            }
        }
        open.push((i, el.end));
        el.tag = (start as isize + moved_here) as usize..at(el.tag.end);
    }
    for (o, end) in open {
        els[o].end = (end as isize + grown) as usize;
    }
    for (_, span) in &mut old.external_files {
        *span = shifted(span.start)..shifted(span.end);
    }
    // The tracks read again from `new`; the same elements, so that what refers to them by
    // index (clips, media) still does.
    // (Element 0 is the root: a document without `Structure` has no tracks.)
    let tracks = if old.structure == 0 {
        Vec::new()
    } else {
        structure_tracks(after, &old.doc, old.structure, names)
    };
    let same = tracks.len() == old.tracks.len()
        && tracks.iter().zip(&old.tracks).all(|(t, o)| {
            (t.element, t.channel, t.bare_channel) == (o.element, o.channel, o.bare_channel)
        });
    if !same {
        return Ok(Rescanned::Whole(new, old));
    }
    let tracks = tracks
        .into_iter()
        .zip(&old.tracks)
        .map(|(t, o)| DpTrack {
            clips: o.clips,
            disabled_clips: o.disabled_clips,
            ..t
        })
        .collect();
    let DpDocument {
        xml,
        doc,
        structure,
        max_id,
        media,
        external_files,
        ..
    } = old;
    Ok(Rescanned::Derived(
        DpDocument {
            xml: new,
            doc,
            structure,
            tracks,
            max_id,
            media,
            external_files,
        },
        xml,
    ))
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

    #[test]
    fn ids_and_numbers_read_as_str_parse_reads_them() {
        for id in [
            "id0",
            "id+7",
            "id007",
            "id18446744073709551615",
            "id18446744073709551616",
        ]
        .into_iter()
        .chain(["id", "id+", "id-1", "idx", "ID9", "id1 ", "id٣", "id 1"])
        {
            let expected = id.strip_prefix("id").and_then(|n| n.parse::<u64>().ok());
            assert_eq!(id_number(id.as_bytes()), expected, "{id}");
        }
        for v in [
            "1",
            " 2.5",
            "3 ",
            "\u{a0}4\u{2003}",
            "1e3",
            "nan",
            "-0",
            "x",
            "",
            "\u{85}5",
        ] {
            let expected = v.trim().parse::<f64>().ok();
            // Through Debug: NaN equals itself there.
            let got = number(Some(v.as_bytes()));
            assert_eq!(format!("{got:?}"), format!("{expected:?}"), "{v:?}");
        }
        // The short decimals read without `str::parse` read as it reads them: every spelling
        // of up to 7 bytes over digits, `-` and `.`, and long and boundary ones.
        const BYTES: &[u8] = b"0159-.";
        let mut short = 0;
        for len in 1..=7u32 {
            for mut n in 0..BYTES.len().pow(len) {
                let mut v = Vec::new();
                for _ in 0..len {
                    v.push(BYTES[n % BYTES.len()]);
                    n /= BYTES.len();
                }
                let expected = std::str::from_utf8(&v).unwrap().parse::<f64>().ok();
                let got = number(Some(&v));
                assert_eq!(got.map(f64::to_bits), expected.map(f64::to_bits), "{v:?}");
                short += usize::from(short_decimal(&v).is_some());
            }
        }
        assert!(short > 10_000, "only {short} read as short decimals");
        for v in [
            "0.1",
            "0.100000",
            "-0.0",
            "123456789012345",
            "1234567890123456",
            "0.000000000000001",
            "9.99999999999999",
            "999999999999999.",
            "-.5",
            "1e5",
            "+1.0",
            "8.88178419700125232338905334472656250e-16",
        ] {
            let expected = v.parse::<f64>().ok();
            let got = number(Some(v.as_bytes()));
            assert_eq!(got.map(f64::to_bits), expected.map(f64::to_bits), "{v:?}");
        }
    }

    // The derived document is the whole scan's, field for field, for values and attributes
    // edited at random inside the recorded tags of the sample and the Bitwig export (escapes,
    // quotes, markup, ids, roles, bytes that are not UTF-8, added and repeated attributes);
    // where the whole scan refuses the output, the derivation never stands in for it.
    #[test]
    fn rescan_reads_what_the_whole_scan_reads_for_random_edits_in_tags() {
        use crate::edit::Edit;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut inputs = vec![root.join("samples/dawproject/messy-session.dawproject")];
        let canon = root.join("../shared/corpus/dawproject/hifa-bitwig516__canon.dawproject");
        if canon.is_file() {
            inputs.push(canon);
        }
        const VALUES: &[&[u8]] = &[
            b"x",
            b"",
            b"a &amp; b",
            b"a &bogus; b",
            b"a\"b",
            b"a'b",
            b"<",
            b">",
            b"true",
            b"false",
            b"#ff0000",
            b"#FF00",
            b"audio",
            b"tracks",
            b"notes",
            b"master",
            b"effect",
            b"submix",
            b"\xff",
            b" 1.5 ",
            b"0.25",
            b"id3",
            b"id999999",
            b"caf\xc3\xa9",
        ];
        const ADDED: &[&[u8]] = &[
            b" color=\"#123456\"",
            b" foo='bar'",
            b" name=\"dup\"",
            b" a = \"spaced\"",
            b" broken=\"",
            b" external=\"true\" path=\"x.wav\"",
            b"/",
        ];
        let names = crate::session::NamePool::fresh();
        let (mut derived, mut whole) = (0, 0);
        for path in inputs {
            let file = std::fs::read(&path).unwrap();
            let xml = crate::formats::text_view(crate::session::Format::Dawproject, &file);
            let old = scan(Cow::Borrowed(&xml[..]), &names).unwrap();
            let recorded: Vec<usize> = (0..old.doc.elements.len())
                .filter(|&i| !old.doc.elements[i].attrs.is_empty())
                .collect();
            let mut seed = 0x2545_f491_4f6c_dd1du64;
            let mut next = |n: usize| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed % n as u64) as usize
            };
            for _ in 0..400 {
                let mut edits = Vec::new();
                let mut used = std::collections::HashSet::new();
                for _ in 0..1 + next(3) {
                    let el = &old.doc.elements[recorded[next(recorded.len())]];
                    if !used.insert(el.tag.start) {
                        continue;
                    }
                    if next(4) == 0 {
                        let at = el.tag.end - 1 - usize::from(el.is_empty_tag());
                        edits.push(Edit::insert(at, ADDED[next(ADDED.len())]));
                    } else {
                        let a = &el.attrs[next(el.attrs.len())];
                        edits.push(Edit::replace(a.span.clone(), VALUES[next(VALUES.len())]));
                    }
                }
                edits.sort_by_key(|e| (e.range.start, e.range.end));
                let new = crate::edit::splice(&xml, edits.clone()).unwrap();
                let full = scan(Cow::Borrowed(&new[..]), &names);
                match rescan(old.clone(), &edits, Cow::Borrowed(&new[..]), &names) {
                    Ok(Rescanned::Derived(doc, _)) => {
                        derived += 1;
                        let full = full.unwrap_or_else(|e| {
                            panic!("derived where the whole scan refuses: {e}, {edits:?}")
                        });
                        assert_eq!(doc.doc, full.doc, "{edits:?}");
                        assert_eq!(doc.tracks, full.tracks, "{edits:?}");
                        assert_eq!(doc.media, full.media, "{edits:?}");
                        assert_eq!(doc.external_files, full.external_files, "{edits:?}");
                        assert_eq!(
                            (doc.max_id, doc.structure),
                            (full.max_id, full.structure),
                            "{edits:?}"
                        );
                    }
                    Ok(Rescanned::Whole(..)) => whole += 1,
                    Err(e) => panic!("the output is the input with the edits: {e}"),
                }
            }
        }
        assert!(
            derived > 200 && whole > 50,
            "{derived} derived, {whole} whole"
        );
    }

    // An output that is not the input with the edits is refused, wherever it differs.
    #[test]
    fn rescan_refuses_an_output_other_than_the_input_with_the_edits() {
        let xml: &[u8] = b"<Project><Structure>\
            <Track contentType=\"audio\" id=\"id1\" name=\"a\" color=\"#000000\">\
            <Channel id=\"id2\" role=\"regular\"/></Track></Structure></Project>";
        let names = crate::session::NamePool::fresh();
        let old = scan(Cow::Borrowed(xml), &names).unwrap();
        let span = old.doc.elements[2].attr("color").unwrap().span.clone();
        let edits = vec![crate::edit::Edit::replace(span, "#3d8fd9")];
        let good = crate::edit::splice(xml, edits.clone()).unwrap();
        assert!(matches!(
            rescan(old.clone(), &edits, Cow::Borrowed(&good[..]), &names),
            Ok(Rescanned::Derived(..))
        ));
        for at in [0, 12, good.len() / 2 - 20, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 0x20;
            let got = rescan(old.clone(), &edits, Cow::Borrowed(&bad[..]), &names);
            assert!(got.is_err(), "byte {at}");
        }
        let shorter = &good[..good.len() - 1];
        assert!(rescan(old, &edits, Cow::Borrowed(shorter), &names).is_err());
    }

    fn error_of(xml: &[u8]) -> String {
        scan(Cow::Borrowed(xml), &crate::session::NamePool::fresh())
            .unwrap_err()
            .to_string()
    }

    // The errors the scan gave when quick-xml's reader read project.xml, kept word for word
    // and line for line by the tokenizer and the attribute reader that replaced it; the one
    // change: text that is not UTF-8 is placed at its line (quick-xml said line 1).
    #[test]
    fn malformed_project_xml_is_refused_with_the_line_and_quick_xml_s_words() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"<Project>\n<Structure>\n<Track id=\"id1\" name=\"a>\n</Structure></Project>",
                "line 3: malformed XML: syntax error: attribute value not closed: `\"` not found \
                 before end of input",
            ),
            (
                b"<Project>\n<Structure>\n<Track id=\"id1\" name=\"a\" id=\"id2\"/>\n</Structure>\
                  </Project>",
                "line 3: malformed XML attribute: position 24: duplicated attribute, previous \
                 declaration at position 6",
            ),
            (
                b"<Project><Structure/>\n<Arrangement>\n<Lanes>\n<Clip a b=\"1\"/></Lanes>\
                  </Arrangement></Project>",
                "line 4: malformed XML attribute: position 7: attribute key must be directly \
                 followed by `=` or space",
            ),
            (
                b"<Project><Structure/>\n<Arrangement>\n<Lanes><Clip time=1/></Lanes>\
                  </Arrangement></Project>",
                "line 3: malformed XML attribute: position 10: attribute value must be enclosed \
                 in `\"` or `'`",
            ),
            (
                b"<Project>\n<Structure>\n<Track\n name=\"a &bogus; b\"/>\n</Structure></Project>",
                "line 4: malformed XML attribute: bad entity",
            ),
            (
                b"<Project><Structure>\n<Track>\n</Channel></Structure></Project>",
                "line 3: malformed XML: ill-formed document: expected `</Track>`, but \
                 `</Channel>` was found",
            ),
            (
                b"<Project><Structure/>\n</Arrangement></Project>",
                "line 2: malformed XML: ill-formed document: expected `</Project>`, but \
                 `</Arrangement>` was found",
            ),
            (
                b"<Project><Structure>\n<Track>\n",
                "line 2: malformed XML: <Track> is never closed (the file ends first)",
            ),
            (
                b"<Project/>\n<Project/>",
                "line 2: malformed XML: more than one root element",
            ),
            (
                b"<Project><Structure/>\n\n<Arrangement>caf\xe9</Arrangement></Project>",
                "line 3: malformed XML: cannot decode input using UTF-8: incomplete utf-8 byte \
                 sequence from index 3",
            ),
        ];
        for (xml, expected) in cases {
            assert_eq!(error_of(xml), *expected, "{}", String::from_utf8_lossy(xml));
        }
    }

    // quick-xml's reader allowed whitespace around `=` and, outside Structure, a repeated
    // attribute (the first one counts); the scan reads them the same way.
    #[test]
    fn spaced_and_repeated_attributes_read_as_quick_xml_read_them() {
        let xml =
            b"<Project><Structure><Track  id = \"id1\"\n name =\t\"a\" contentType= 'audio'/>\
            <Track id=\"id2\" name=\"b\"/></Structure><Arrangement>\
            <Lanes track =\"id1\" track=\"id2\"><Clip time= \"2\" time=\"3\">\
            <Audio><File path=\"x.wav\" path=\"y.wav\"/></Audio></Clip></Lanes>\
            </Arrangement></Project>";
        let doc = scan(Cow::Borrowed(&xml[..]), &crate::session::NamePool::fresh()).unwrap();
        assert_eq!(doc.tracks.len(), 2);
        assert_eq!(doc.element(doc.tracks[0].element).get("name"), Some("a"));
        assert_eq!((doc.tracks[0].clips, doc.tracks[1].clips), (1, 0));
        assert_eq!(doc.media.len(), 1);
        assert_eq!(doc.media[0].path, "x.wav");
        assert_eq!(doc.media[0].clip_time, Some(2.0));
    }

    // A UTF-8 byte order mark before the declaration: every span counts it, so each start
    // tag's span begins at its `<` (quick-xml's reader did not count it: tags and ends three
    // bytes early, attribute values not).
    #[test]
    fn spans_count_a_byte_order_mark() {
        let plain: &[u8] = b"<?xml version=\"1.0\"?>\n<Project><Structure>\
            <Track id=\"id1\" name=\"a\"><Channel id=\"id2\"/></Track></Structure></Project>";
        let bom = [b"\xef\xbb\xbf", plain].concat();
        let names = crate::session::NamePool::fresh();
        let a = scan(Cow::Borrowed(plain), &names).unwrap();
        let b = scan(Cow::Borrowed(&bom[..]), &names).unwrap();
        assert_eq!(a.doc.elements.len(), b.doc.elements.len());
        for (x, y) in a.doc.elements.iter().zip(&b.doc.elements) {
            assert_eq!(bom[y.tag.start], b'<');
            assert_eq!(y.tag.start - 3..y.end - 3, x.tag.start..x.end);
            for (p, q) in x.attrs.iter().zip(&y.attrs) {
                assert_eq!(q.span.start - 3..q.span.end - 3, p.span);
            }
        }
        assert_eq!(b.element(b.tracks[0].element).get("name"), Some("a"));
    }
}
