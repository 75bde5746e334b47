//! A plan spelled as text edits to `project.xml`.
//!
//! Names, colours and mutes are attribute values replaced (or attributes added) in place.
//! Moving tracks, new groups and removals rebuild the one element whose children change,
//! `Structure`, from the original bytes of each track (its start tag and channel, then its
//! nested tracks, then its end tag), re-indented to its new depth; everything else in the file
//! is untouched. A new group is a nested `Track contentType="tracks"` whose start tag, channel
//! and `Mute`/`Pan`/`Volume` parameters are spelled like the file's first group (values reset:
//! unmuted, centred, unity gain; fresh ids), or like Bitwig's groups (`role="master"`) when the
//! file has none. Its members' channels feed it and it feeds what its first member fed.
//! Removing a track removes, with it, every element that refers to one of its ids: its
//! lanes and clip slots (`track`), sends to it (`destination`), automation of its parameters
//! (`Points` whose `Target@parameter` is one of them) and clips aliasing its clips.

use super::DawProject;
use super::scan::{DpDocument, Element};
use crate::edit::Edit;
use crate::formats::FormatError;
use crate::formats::ardour::xml::escape;
use crate::plan::{Action, BusRef, Plan, Slot};
use std::collections::HashSet;
use std::ops::Range;

/// Fresh ids, `idN` past the largest `idN` of the document (Bitwig's spelling), so never one
/// in use: the same input gives the same ids.
struct Ids {
    next: u64,
}

impl Ids {
    fn new(doc: &DpDocument) -> Self {
        Ids {
            next: doc.max_id.map_or(0, |m| m + 1),
        }
    }

    fn fresh(&mut self) -> String {
        let id = format!("id{}", self.next);
        self.next += 1;
        id
    }
}

/// Sets attribute `name` of `el` to `value`: its raw value replaced, or the attribute added
/// after the last one (Bitwig writes `name` and `color` last).
fn set_attr(el: &Element, name: &str, value: &str) -> Edit {
    match el.attr(name) {
        Some(a) => Edit::replace(a.span.clone(), escape(value)),
        None => {
            // After the closing quote of the last attribute, or after the element name.
            let at = el
                .attrs
                .iter()
                .map(|a| a.span.end + 1)
                .max()
                .unwrap_or(el.tag.start + 1 + el.name.len());
            Edit::insert(at, format!(" {name}=\"{}\"", escape(value)))
        }
    }
}

/// The leading whitespace of the line `pos` is on.
fn line_indent(xml: &[u8], pos: usize) -> &[u8] {
    let start = memchr::memrchr(b'\n', &xml[..pos]).map_or(0, |n| n + 1);
    let end = xml[start..pos]
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .map_or(pos, |n| start + n);
    &xml[start..end]
}

/// `range` widened to its whole lines when nothing else is on them (its indentation and the
/// line break after it), so a deleted element leaves no blank line.
fn whole_lines(xml: &[u8], range: Range<usize>) -> Range<usize> {
    let mut start = range.start;
    while start > 0 && matches!(xml[start - 1], b' ' | b'\t') {
        start -= 1;
    }
    if start > 0 && xml[start - 1] != b'\n' {
        return range;
    }
    let mut end = range.end;
    while end < xml.len() && matches!(xml[end], b' ' | b'\t') {
        end += 1;
    }
    if xml[end..].starts_with(b"\r\n") {
        end += 2;
    } else if xml[end..].starts_with(b"\n") {
        end += 1;
    } else if end != xml.len() {
        return range;
    }
    start..end
}

/// Start of an element's end tag (`</X>`), or `None` for an empty-element tag.
fn end_tag_start(xml: &[u8], el: &Element) -> Option<usize> {
    if el.is_empty_tag() {
        return None;
    }
    memchr::memrchr(b'<', &xml[el.tag.end..el.end]).map(|n| el.tag.end + n)
}

/// How the `Structure` is laid out: line break, its own indentation and one level's.
struct Layout {
    compact: bool,
    /// How the file ends an empty element: `/>` (Bitwig) or ` />` (.NET-style writers).
    empty_end: &'static str,
    newline: &'static str,
    base: Vec<u8>,
    unit: Vec<u8>,
}

impl Layout {
    fn of(xml: &[u8], doc: &DpDocument) -> Layout {
        let s = doc.element(doc.structure);
        let inner = &xml[s.tag.end..s.end];
        let compact = memchr::memchr(b'\n', inner).is_none();
        let newline = if memchr::memmem::find(inner, b"\r\n").is_some() {
            "\r\n"
        } else {
            "\n"
        };
        let base = line_indent(xml, s.tag.start).to_vec();
        let unit = s
            .children
            .first()
            .map(|&c| line_indent(xml, doc.element(c).tag.start))
            .and_then(|ind| ind.strip_prefix(&base[..]))
            .filter(|u| !u.is_empty())
            .unwrap_or(b"    ")
            .to_vec();
        let spaced = memchr::memmem::find(inner, b" />").is_some()
            && memchr::memmem::find_iter(inner, b"\"/>").next().is_none();
        Layout {
            compact,
            empty_end: if spaced { " />" } else { "/>" },
            newline,
            base,
            unit,
        }
    }

    /// A line break and the indentation of depth `depth` inside `Structure` (0: its
    /// children), or nothing in a file without line breaks.
    fn line(&self, depth: usize, out: &mut Rebuild) {
        if self.compact {
            return;
        }
        out.push(self.newline.as_bytes());
        out.push(&self.base);
        for _ in 0..=depth {
            out.push(&self.unit);
        }
    }

    /// `parts` (an element as written at depth `from`) moved to depth `to`, into `out`:
    /// every line after the first gains or loses the difference in indentation units. Only
    /// the indentation is written anew; the lines stay runs of the original where they were
    /// (a moved track's text is never copied: it may hold a name of any length).
    fn reindent_into(&self, xml: &[u8], parts: &[Part], from: usize, to: usize, out: &mut Rebuild) {
        if self.compact || from == to {
            for p in parts {
                out.part(xml, p);
            }
            return;
        }
        // One line at a time, each with its line break.
        let mut line: Vec<Part> = Vec::new();
        let mut first = true;
        for p in parts {
            let bytes = p.bytes(xml);
            let mut start = 0;
            for nl in memchr::memchr_iter(b'\n', bytes) {
                line.push(p.sub(start..nl + 1));
                self.reindent_line(xml, &line, first, from, to, out);
                line.clear();
                first = false;
                start = nl + 1;
            }
            if start < bytes.len() {
                line.push(p.sub(start..bytes.len()));
            }
        }
        self.reindent_line(xml, &line, first, from, to, out);
    }

    /// One line of [`Layout::reindent_into`].
    fn reindent_line(
        &self,
        xml: &[u8],
        line: &[Part],
        first: bool,
        from: usize,
        to: usize,
        out: &mut Rebuild,
    ) {
        let mut skip = 0;
        if !first {
            if to > from {
                for _ in 0..to - from {
                    out.push(&self.unit);
                }
            } else {
                // The first bytes of the line, as far as the units to strip reach.
                let want = self.unit.len() * (from - to);
                let mut head = Vec::with_capacity(want);
                for p in line {
                    let b = p.bytes(xml);
                    head.extend_from_slice(&b[..b.len().min(want - head.len())]);
                    if head.len() == want {
                        break;
                    }
                }
                let mut rest = &head[..];
                for _ in 0..from - to {
                    rest = rest.strip_prefix(&self.unit[..]).unwrap_or(rest);
                }
                skip = head.len() - rest.len();
            }
        }
        for p in line {
            let len = p.bytes(xml).len();
            if skip >= len {
                skip -= len;
                continue;
            }
            out.part(xml, &p.sub(skip..len));
            skip = 0;
        }
    }
}

/// A run of the new `Structure`: bytes of the original (by their range) or bytes premix
/// writes (an edit's content).
#[derive(Clone, Debug)]
enum Part<'e> {
    Original(Range<usize>),
    New(&'e [u8]),
}

impl<'e> Part<'e> {
    fn bytes<'s>(&'s self, xml: &'s [u8]) -> &'s [u8] {
        match self {
            Part::Original(r) => &xml[r.clone()],
            Part::New(b) => b,
        }
    }

    /// The bytes `r` of this part.
    fn sub(&self, r: Range<usize>) -> Part<'e> {
        match self {
            Part::Original(o) => Part::Original(o.start + r.start..o.start + r.end),
            Part::New(b) => Part::New(&b[r]),
        }
    }
}

/// The new content of `Structure`, made as edits of its original bytes. It is gathered as
/// runs of the original and bytes premix writes; then the runs of the original that keep
/// their order, the longest first, stay where they are, never copied (a track's text may
/// hold a name of any length, issue #14), and everything else replaces the bytes between
/// them.
struct Rebuild<'x> {
    xml: &'x [u8],
    start: usize,
    parts: Vec<Piece>,
}

/// A run of the new `Structure`, owned.
enum Piece {
    Original(Range<usize>),
    New(Vec<u8>),
}

impl<'x> Rebuild<'x> {
    /// The content of `Structure` starting at `start` of `xml`.
    fn new(xml: &'x [u8], start: usize) -> Self {
        Rebuild {
            xml,
            start,
            parts: Vec::new(),
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        match self.parts.last_mut() {
            Some(Piece::New(b)) => b.extend_from_slice(bytes),
            _ => self.parts.push(Piece::New(bytes.to_vec())),
        }
    }

    fn original(&mut self, r: Range<usize>) {
        if r.is_empty() {
            return;
        }
        match self.parts.last_mut() {
            Some(Piece::Original(o)) if o.end == r.start => o.end = r.end,
            _ => self.parts.push(Piece::Original(r)),
        }
    }

    fn part(&mut self, xml: &[u8], p: &Part) {
        match p {
            Part::Original(r) => self.original(r.clone()),
            Part::New(_) => self.push(p.bytes(xml)),
        }
    }

    /// The edits that turn the original, from `start` to `end`, into the content gathered.
    fn finish(self, end: usize) -> Vec<Edit> {
        // The runs kept: the longest first, each when it comes after every kept run before it
        // in the content and before every kept run after it.
        let mut runs: Vec<usize> = (0..self.parts.len())
            .filter(|&i| matches!(self.parts[i], Piece::Original(_)))
            .collect();
        let range = |i: usize| match &self.parts[i] {
            Piece::Original(r) => r.clone(),
            Piece::New(_) => 0..0,
        };
        runs.sort_by_key(|&i| std::cmp::Reverse(range(i).len()));
        let mut kept: std::collections::BTreeMap<usize, Range<usize>> = Default::default();
        for i in runs {
            let r = range(i);
            let after_before = kept
                .range(..i)
                .next_back()
                .is_none_or(|(_, k)| k.end <= r.start);
            let before_after = kept
                .range(i + 1..)
                .next()
                .is_none_or(|(_, k)| r.end <= k.start);
            if after_before && before_after {
                kept.insert(i, r);
            }
        }
        let mut edits = Vec::new();
        let mut cursor = self.start;
        let mut pending: Vec<u8> = Vec::new();
        let mut flush = |upto: usize, cursor: usize, pending: &mut Vec<u8>| {
            // Nothing to write when what comes between is what was there.
            if pending[..] != self.xml[cursor..upto] {
                edits.push(Edit::replace(cursor..upto, std::mem::take(pending)));
            }
            pending.clear();
        };
        for (i, p) in self.parts.iter().enumerate() {
            match (p, kept.get(&i)) {
                (_, Some(r)) => {
                    flush(r.start, cursor, &mut pending);
                    cursor = r.end;
                }
                (Piece::Original(r), None) => pending.extend_from_slice(&self.xml[r.clone()]),
                (Piece::New(b), None) => pending.extend_from_slice(b),
            }
        }
        flush(end, cursor, &mut pending);
        edits
    }
}

/// A group's start tag, channel tag and channel parameters, as attribute lists of raw
/// (escaped) values.
struct GroupTemplate {
    track: Vec<(String, String)>,
    channel: Vec<(String, String)>,
    params: Vec<(String, Vec<(String, String)>)>,
}

fn raw_attrs(xml: &[u8], el: &Element) -> Vec<(String, String)> {
    el.attrs
        .iter()
        .map(|a| {
            (
                a.name.to_string(),
                String::from_utf8_lossy(&xml[a.span.clone()]).into_owned(),
            )
        })
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl GroupTemplate {
    /// The file's first group with a channel, else a group as Bitwig 5 writes one.
    fn of(xml: &[u8], doc: &DpDocument) -> GroupTemplate {
        let group = doc.tracks.iter().find(|t| {
            t.kind == crate::session::TrackKind::Bus && !t.bare_channel && t.channel.is_some()
        });
        if let Some(g) = group {
            let channel = g.channel.expect("filtered");
            let params = doc.doc.elements[channel]
                .children
                .iter()
                .map(|&c| doc.element(c))
                .filter(|c| matches!(&*c.name, "Mute" | "Pan" | "Volume"))
                .map(|c| (c.name.to_string(), raw_attrs(xml, &c)))
                .collect();
            return GroupTemplate {
                track: raw_attrs(xml, &doc.element(g.element)),
                channel: raw_attrs(xml, &doc.element(channel)),
                params,
            };
        }
        GroupTemplate {
            track: owned(&[
                ("contentType", "tracks"),
                ("loaded", "true"),
                ("id", ""),
                ("name", ""),
                ("color", ""),
            ]),
            channel: owned(&[
                ("audioChannels", "2"),
                ("destination", ""),
                ("role", "master"),
                ("solo", "false"),
                ("id", ""),
            ]),
            params: vec![
                (
                    "Mute".into(),
                    owned(&[("value", "false"), ("id", ""), ("name", "Mute")]),
                ),
                (
                    "Pan".into(),
                    owned(&[
                        ("max", "1.000000"),
                        ("min", "0.000000"),
                        ("unit", "normalized"),
                        ("value", "0.500000"),
                        ("id", ""),
                        ("name", "Pan"),
                    ]),
                ),
                (
                    "Volume".into(),
                    owned(&[
                        ("max", "2.000000"),
                        ("min", "0.000000"),
                        ("unit", "linear"),
                        ("value", "1.000000"),
                        ("id", ""),
                        ("name", "Volume"),
                    ]),
                ),
            ],
        }
    }
}

/// The value a new group's parameter starts at: unmuted, centred, unity gain, written with as
/// many decimals as the template's value. Unity is `1` only for a `linear` gain whose range
/// stops at 2 (Bitwig's `0..2`); a linear fader of another range (a `0..200` one has been seen
/// in a Studio One-style file) and units premix cannot place keep the template's value.
fn neutral(param: &str, attrs: &[(String, String)], template: &str) -> String {
    let attr = |name: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let max: Option<f64> = attr("max").trim().parse().ok();
    let value: f64 = match (param, attr("unit")) {
        ("Mute", _) => return "false".into(),
        ("Pan", "normalized") => 0.5,
        ("Pan", _) => 0.0,
        ("Volume", "linear") if max.is_some_and(|m| m <= 2.0) => 1.0,
        ("Volume", "decibel") => 0.0,
        _ => return template.to_string(),
    };
    match template.split_once('.') {
        Some((_, decimals)) if !decimals.is_empty() => format!("{value:.*}", decimals.len()),
        _ => format!("{value}"),
    }
}

fn tag(name: &str, attrs: &[(String, String)], empty: Option<&str>) -> String {
    let mut s = format!("<{name}");
    for (k, v) in attrs {
        s.push_str(&format!(" {k}=\"{v}\""));
    }
    s.push_str(empty.unwrap_or(">"));
    s
}

/// The bytes of `range` with the edits inside it (marked `used`), as parts: runs of the
/// original and the edits' contents. `edits` is sorted and never overlaps (checked by the
/// caller).
fn splice_parts<'e>(range: Range<usize>, edits: &'e [Edit], used: &mut [bool]) -> Vec<Part<'e>> {
    let mut parts = Vec::new();
    let mut cursor = range.start;
    for (i, e) in edits.iter().enumerate() {
        if e.range.start >= range.start && e.range.end <= range.end && !used[i] {
            parts.push(Part::Original(cursor..e.range.start));
            parts.push(Part::New(&e.content));
            cursor = e.range.end;
            used[i] = true;
        }
    }
    parts.push(Part::Original(cursor..range.end));
    parts
}

pub(super) fn write(p: &DawProject, plan: &Plan) -> Result<Vec<Edit>, FormatError> {
    let xml = p.xml();
    let doc = &p.doc;
    let session = &p.session;
    let n = doc.tracks.len();
    let by_track = plan.by_track(n);
    let mix = plan.mix_by_track(n);
    let mut ids = Ids::new(doc);
    let mut edits: Vec<Edit> = Vec::new();

    for (t, track) in doc.tracks.iter().enumerate() {
        let el = doc.element(track.element);
        if let Some(to) = by_track.rename(t) {
            edits.push(set_attr(&el, "name", to));
            // A channel named like its track (some writers name both) keeps the same name.
            if let Some(c) = track.channel.filter(|&c| c != track.element) {
                let channel = doc.element(c);
                if channel.get("name") == el.get("name") && channel.get("name").is_some() {
                    edits.push(set_attr(&channel, "name", to));
                }
            }
        }
        if let Some(to) = by_track.recolor(t) {
            edits.push(set_attr(&el, "color", &to.to_string()));
        }
        if by_track.mutes(t)
            && !session.tracks[t].muted
            && let Some(c) = track.channel
        {
            edits.push(mute(xml, doc, c, &mut ids));
        }
        edits.extend(super::mixer::edits(doc, t, mix.fader(t), mix.pan(t)));
    }

    let layout = plan.layout(session);
    let removed: Vec<usize> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Remove))
        .map(|c| c.track)
        .collect();
    edits.extend(removal_edits(xml, doc, &removed)?);

    if layout.is_unchanged(session) {
        return Ok(edits);
    }

    // New groups: their ids, and the destination each takes over from its first member.
    let bus_ids: Vec<(String, String)> = plan
        .new_buses
        .iter()
        .map(|_| (ids.fresh(), ids.fresh()))
        .collect();
    let slot_channel_id = |slot: Slot| -> Option<String> {
        match slot {
            Slot::Track(t) => doc.channel_id(t).map(str::to_string),
            Slot::NewBus(k) => Some(bus_ids[k].1.clone()),
        }
    };
    // Members' channels feed the group they now sit in.
    for (s, slot) in layout.slots.iter().enumerate() {
        let Slot::Track(t) = *slot else { continue };
        let new_parent = layout.parents[s].map(|p| layout.slots[p]);
        let old_parent = session.tracks[t].parent.map(Slot::Track);
        if new_parent == old_parent || new_parent.is_none() {
            continue;
        }
        let (Some(channel), Some(dest)) =
            (doc.tracks[t].channel, new_parent.and_then(slot_channel_id))
        else {
            continue;
        };
        edits.push(set_attr(&doc.element(channel), "destination", &dest));
    }

    edits.sort_by_key(|e| (e.range.start, e.range.end));
    for pair in edits.windows(2) {
        if pair[1].range.start < pair[0].range.end {
            return Err(FormatError::whole(format!(
                "internal error: overlapping edits at bytes {:?}",
                pair[1].range
            )));
        }
    }
    let structure = doc.element(doc.structure);
    let Some(close) = end_tag_start(xml, &structure) else {
        return Err(FormatError::whole(
            "internal error: an empty Structure holds no tracks to move",
        ));
    };
    let inner = structure.tag.end..close;
    let mut used = vec![false; edits.len()];
    let form = Layout::of(xml, doc);
    let template = GroupTemplate::of(xml, doc);

    let depth_of = |e: usize| -> usize {
        let mut depth = 0;
        let mut p = doc.element(e).parent;
        while let Some(i) = p {
            if i == doc.structure {
                break;
            }
            depth += 1;
            p = doc.element(i).parent;
        }
        depth
    };
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); layout.slots.len()];
    let mut roots = Vec::new();
    for (s, parent) in layout.parents.iter().enumerate() {
        match parent {
            Some(p) => children[*p].push(s),
            None => roots.push(s),
        }
    }
    let mut first_member: Vec<Option<usize>> = vec![None; plan.new_buses.len()];
    for c in &plan.changes {
        if let Action::MoveToBus {
            bus: BusRef::New(k),
        } = c.action
        {
            first_member[k] = Some(first_member[k].map_or(c.track, |f: usize| f.min(c.track)));
        }
    }

    let mut content = Rebuild::new(xml, inner.start);
    let session_elements: HashSet<usize> = doc.tracks.iter().map(|t| t.element).collect();
    let first_session = structure
        .children
        .iter()
        .position(|c| session_elements.contains(c))
        .unwrap_or(structure.children.len());
    let emit_other = |c: usize, content: &mut Rebuild, used: &mut [bool]| {
        let el = doc.element(c);
        form.line(0, content);
        for p in splice_parts(el.range(), &edits, used) {
            content.part(xml, &p);
        }
    };
    for &c in &structure.children[..first_session] {
        emit_other(c, &mut content, &mut used);
    }
    // Depth-first over the new layout: (slot, depth, closing?).
    let mut stack: Vec<(usize, usize, bool)> = roots.iter().rev().map(|&r| (r, 0, false)).collect();
    while let Some((s, depth, closing)) = stack.pop() {
        if closing {
            form.line(depth, &mut content);
            match layout.slots[s] {
                Slot::Track(t) => {
                    let el = doc.element(doc.tracks[t].element);
                    match end_tag_start(xml, &el) {
                        Some(at) => content.original(at..el.end),
                        None => content.push(format!("</{}>", el.name).as_bytes()),
                    }
                }
                Slot::NewBus(_) => content.push(b"</Track>"),
            }
            continue;
        }
        let has_children = !children[s].is_empty();
        form.line(depth, &mut content);
        match layout.slots[s] {
            Slot::Track(t) => {
                let el = doc.element(doc.tracks[t].element);
                let from = depth_of(doc.tracks[t].element);
                let track_children = el
                    .children
                    .iter()
                    .filter(|&&c| &*doc.element(c).name == "Track")
                    .count();
                let head_end = el
                    .children
                    .iter()
                    .map(|&c| doc.element(c))
                    .filter(|c| &*c.name != "Track")
                    .map(|c| c.end)
                    .max()
                    .unwrap_or(el.tag.end);
                // The track's own text: the whole element, or when it holds (or now gets)
                // nested tracks, its start tag and channel, closed after its members.
                let split = !el.is_empty_tag() && (track_children > 0 || has_children);
                let range = if split {
                    el.tag.start..head_end
                } else {
                    el.range()
                };
                // `<Track .../>` gaining members: opened here (its `/>` and the space before
                // it left out), closed after them.
                let opened = el.is_empty_tag() && has_children;
                let range = if opened {
                    let mut end = el.tag.end - 2;
                    while end > el.tag.start && xml[end - 1].is_ascii_whitespace() {
                        end -= 1;
                    }
                    range.start..end
                } else {
                    range
                };
                let head = splice_parts(range, &edits, &mut used);
                form.reindent_into(xml, &head, from, depth, &mut content);
                if opened {
                    content.push(b">");
                }
                if split || opened {
                    stack.push((s, depth, true));
                }
            }
            Slot::NewBus(k) => {
                let bus = &plan.new_buses[k];
                let (track_id, channel_id) = &bus_ids[k];
                let dest = first_member[k]
                    .and_then(|m| doc.tracks[m].channel)
                    .and_then(|c| doc.element(c).attr("destination"))
                    .map(|a| String::from_utf8_lossy(&xml[a.span.clone()]).into_owned());
                let mut attrs: Vec<(String, String)> = Vec::new();
                for (k, v) in &template.track {
                    match k.as_str() {
                        // The other group's comment is not this one's.
                        "comment" => {}
                        "id" => attrs.push((k.clone(), track_id.clone())),
                        "name" => attrs.push((k.clone(), escape(&bus.name))),
                        "color" => {
                            if let Some(c) = bus.color {
                                attrs.push((k.clone(), c.to_string()));
                            }
                        }
                        _ => attrs.push((k.clone(), v.clone())),
                    }
                }
                for (key, value) in [
                    ("id", Some(track_id.clone())),
                    ("name", Some(escape(&bus.name))),
                    ("color", bus.color.map(|c| c.to_string())),
                ] {
                    if let Some(value) = value
                        && !attrs.iter().any(|(k, _)| k == key)
                    {
                        attrs.push((key.into(), value));
                    }
                }
                content.push(tag("Track", &attrs, None).as_bytes());
                let mut channel: Vec<(String, String)> = Vec::new();
                for (k, v) in &template.channel {
                    match k.as_str() {
                        "id" => channel.push((k.clone(), channel_id.clone())),
                        "destination" => {
                            if let Some(d) = &dest {
                                channel.push((k.clone(), d.clone()));
                            }
                        }
                        _ => channel.push((k.clone(), v.clone())),
                    }
                }
                if !channel.iter().any(|(k, _)| k == "id") {
                    channel.push(("id".into(), channel_id.clone()));
                }
                if let Some(d) = &dest
                    && !channel.iter().any(|(k, _)| k == "destination")
                {
                    channel.push(("destination".into(), d.clone()));
                }
                form.line(depth + 1, &mut content);
                let params = &template.params;
                content.push(
                    tag(
                        "Channel",
                        &channel,
                        params.is_empty().then_some(form.empty_end),
                    )
                    .as_bytes(),
                );
                if !params.is_empty() {
                    for (name, attrs) in params {
                        let attrs: Vec<(String, String)> = attrs
                            .iter()
                            .map(|(k, v)| match k.as_str() {
                                "id" => (k.clone(), ids.fresh()),
                                "value" => (k.clone(), neutral(name, attrs, v)),
                                _ => (k.clone(), v.clone()),
                            })
                            .collect();
                        form.line(depth + 2, &mut content);
                        content.push(tag(name, &attrs, Some(form.empty_end)).as_bytes());
                    }
                    form.line(depth + 1, &mut content);
                    content.push(b"</Channel>");
                }
                stack.push((s, depth, true));
            }
        }
        for &c in children[s].iter().rev() {
            stack.push((c, depth + 1, false));
        }
    }
    for &c in &structure.children[first_session..] {
        if !session_elements.contains(&c) {
            emit_other(c, &mut content, &mut used);
        }
    }
    if !form.compact {
        content.push(form.newline.as_bytes());
        content.push(&form.base);
    }
    // The edits before Structure's content, its own, then those after (the order insertions
    // at one offset keep).
    let rebuilt = content.finish(inner.end);
    let (before, after): (Vec<Edit>, Vec<Edit>) = edits
        .into_iter()
        .enumerate()
        .filter(|(i, e)| !used[*i] && (e.range.end <= inner.start || e.range.start >= inner.end))
        .map(|(_, e)| e)
        .partition(|e| e.range.end <= inner.start);
    Ok(before.into_iter().chain(rebuilt).chain(after).collect())
}

/// Mutes channel `c`: its `Mute` value set, or a `Mute` parameter added where the schema puts
/// it (after `Devices`, before `Pan`, `Sends` and `Volume`).
fn mute(xml: &[u8], doc: &DpDocument, c: usize, ids: &mut Ids) -> Edit {
    let channel = doc.element(c);
    if let Some(m) = doc.doc.child_named(c, "Mute") {
        return set_attr(&doc.element(m), "value", "true");
    }
    let element = format!(
        "<Mute value=\"true\" id=\"{}\" name=\"Mute\"/>",
        ids.fresh()
    );
    if channel.is_empty_tag() {
        let mut end = channel.tag.end - 2;
        while end > channel.tag.start && xml[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        return Edit::replace(end..channel.tag.end, format!(">{element}</Channel>"));
    }
    let devices = doc.doc.child_named(c, "Devices").map(|d| doc.element(d));
    if let Some(d) = devices {
        let indent = String::from_utf8_lossy(line_indent(xml, d.tag.start)).into_owned();
        let newline = if xml[..d.tag.start].ends_with(b"\r\n".as_slice()) {
            "\r\n"
        } else {
            "\n"
        };
        let spacer = if xml[d.end..].starts_with(b"\n") || xml[d.end..].starts_with(b"\r\n") {
            format!("{newline}{indent}")
        } else {
            String::new()
        };
        return Edit::insert(d.end, format!("{spacer}{element}"));
    }
    match channel.children.first() {
        Some(&first) => {
            let first = doc.element(first);
            let indent = line_indent(xml, first.tag.start);
            let on_own_line = xml[..first.tag.start].ends_with(indent)
                && xml[..first.tag.start - indent.len()].ends_with(b"\n");
            let after = if on_own_line {
                let newline = if xml[..first.tag.start - indent.len()].ends_with(b"\r\n") {
                    "\r\n"
                } else {
                    "\n"
                };
                format!("{newline}{}", String::from_utf8_lossy(indent))
            } else {
                String::new()
            };
            Edit::insert(first.tag.start, format!("{element}{after}"))
        }
        None => Edit::insert(channel.tag.end, element),
    }
}

/// Deletions of what refers to the removed tracks' ids, outside them (the tracks themselves go
/// when `Structure` is rebuilt). The references may be anywhere (lanes, clip slots, automation
/// in the arrangement and scenes), so the whole document is read for them, only here.
fn removal_edits(
    xml: &[u8],
    doc: &DpDocument,
    removed: &[usize],
) -> Result<Vec<Edit>, FormatError> {
    if removed.is_empty() {
        return Ok(Vec::new());
    }
    let subtrees: Vec<Range<usize>> = removed
        .iter()
        .map(|&t| doc.element(doc.tracks[t].element).range())
        .collect();
    let mut gone: HashSet<&str> = HashSet::new();
    for &t in removed {
        let root = doc.tracks[t].element;
        for e in std::iter::once(root).chain(doc.doc.descendants(root)) {
            if let Some(id) = doc.element(e).get("id") {
                gone.insert(id);
            }
        }
    }
    let whole = crate::formats::ardour::xml::scan(xml)?;
    let refers = |el: &crate::formats::ardour::xml::Element, attr: &str| {
        el.get(attr).is_some_and(|v| gone.contains(v))
    };
    let inside_removed = |at: usize| subtrees.iter().any(|r| r.start <= at && at < r.end);
    let mut deleted: Vec<Range<usize>> = Vec::new();
    let mut until = 0;
    for el in &whole.elements {
        if el.tag.start < until || inside_removed(el.tag.start) {
            continue;
        }
        let target = if refers(el, "track")
            || (&*el.name == "Send" && refers(el, "destination"))
            || (&*el.name == "Clip" && refers(el, "reference"))
        {
            Some(el)
        } else if &*el.name == "Target" && refers(el, "parameter") {
            el.parent.map(|p| &whole.elements[p])
        } else {
            None
        };
        if let Some(t) = target {
            let range = t.range();
            until = range.end;
            deleted.push(whole_lines(xml, range));
        }
    }
    Ok(deleted.into_iter().map(Edit::delete).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Structure rebuilt as edits: the longest run of the original that keeps its order stays
    // where it is, not copied into an edit (issue #14: a moved track may hold a 100 MB name);
    // what moves before it is copied; the result is the content gathered, byte for byte.
    #[test]
    fn a_rebuilt_structure_copies_only_what_moves_before_the_longest_run() {
        let xml = b"<S>aa|bbbbbbbbbb|cc</S>";
        let mut r = Rebuild::new(xml, 3);
        r.original(6..16); // the long run, kept
        r.push(b"+");
        r.original(3..6); // moved after it: copied
        r.original(16..19);
        let edits = r.finish(19);
        let out = crate::edit::splice(xml, edits.clone()).unwrap();
        assert_eq!(out, b"<S>bbbbbbbbbb+aa||cc</S>");
        assert!(
            edits
                .iter()
                .all(|e| !e.content.windows(2).any(|w| w == b"bb"))
        );
        // Nothing moved: no edit at all.
        let mut r = Rebuild::new(xml, 3);
        r.original(3..19);
        assert!(r.finish(19).is_empty());
    }

    fn attrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        owned(pairs)
    }

    #[test]
    fn new_group_parameters_start_neutral_in_the_template_spelling() {
        let bitwig = attrs(&[("max", "2.000000"), ("min", "0.000000"), ("unit", "linear")]);
        assert_eq!(neutral("Volume", &bitwig, "0.316228"), "1.000000");
        let pan = attrs(&[("unit", "normalized")]);
        assert_eq!(neutral("Pan", &pan, "0.25"), "0.50");
        assert_eq!(neutral("Pan", &attrs(&[("unit", "percent")]), "-20"), "0");
        assert_eq!(
            neutral("Volume", &attrs(&[("unit", "decibel")]), "-1.1"),
            "0.0"
        );
        assert_eq!(neutral("Mute", &[], "true"), "false");
        // A linear fader of another range keeps the template's value rather than a guess.
        let wide = attrs(&[("max", "200"), ("min", "0"), ("unit", "linear")]);
        assert_eq!(neutral("Volume", &wide, "100.0"), "100.0");
    }

    #[test]
    fn whole_lines_take_indentation_and_line_break_only_when_alone() {
        let xml = b"<A>\n    <B/>\n    <C/><D/>\n</A>";
        assert_eq!(whole_lines(xml, 8..12), 4..13);
        assert_eq!(whole_lines(xml, 17..21), 17..21);
    }
}
