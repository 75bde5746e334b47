//! Spells a [`Plan`] as byte edits to a set's decompressed XML.
//!
//! Renames, colours, mutes and group membership replace attribute values in place. When the
//! plan regroups tracks, the run of track elements inside `<Tracks>` is re-emitted in the new
//! order (each element's own bytes, with its value edits applied, behind its own indentation)
//! and new group tracks are inserted.
//!
//! A new group track is a copy of the set's first group track (or of the built-in one for
//! the set's version, see [`super::templates`]) with: a fresh track `Id`
//! (above every track id of the set); the bus name as `UserName` and `EffectiveName`; its
//! colour; `TrackGroupId` and output routing for its place; mixer speaker on, volume 1 (0 dB),
//! pan centre, sends at their minimum (in `Manual` and, in Live 8/9, in the default
//! arrangement event that holds the value too); unfolded; no devices, no automation envelopes and
//! automation lanes pointing at the mixer; and every pointee-type id (automation
//! and modulation targets) replaced by a fresh one from `NextPointeeId` (or, in Live 8/9
//! which have no counter, from above the largest pointee id of the set), with `NextPointeeId`
//! raised past them. Its send holders and clip slots match the set because it comes from it.

use super::AlsProject;
use super::palette;
use super::scan::{self, AlsTrack, Field};
use crate::edit::{Edit, EditConflict, splice, splice_with};
use crate::formats::FormatError;
use crate::plan::{ByTrack, Plan, Slot};
use std::collections::HashMap;
use std::ops::Range;

fn internal(e: EditConflict) -> FormatError {
    FormatError::whole(format!("internal error: {e}"))
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

fn replace<V>(field: &Field<V>, text: impl Into<Vec<u8>>) -> Edit {
    Edit::replace(field.span.clone(), text)
}

/// Output routing for a track that is (or is not) inside a group, when it routes to the
/// master or to its group today (custom routings are left alone).
fn routing_edits(project: &AlsProject<'_>, t: &AlsTrack, grouped: bool) -> Vec<Edit> {
    let (Some(target), Some(upper)) = (&t.out_target, &t.out_upper) else {
        return Vec::new();
    };
    let is_master = matches!(target.value.as_str(), "AudioOut/Master" | "AudioOut/Main");
    let is_group = target.value == "AudioOut/GroupTrack";
    let (want_target, want_upper) = match (grouped, project.doc.main_track) {
        (true, _) => ("AudioOut/GroupTrack", "Group"),
        (false, true) => ("AudioOut/Main", "Main"),
        (false, false) => ("AudioOut/Master", "Master"),
    };
    if !(is_master || is_group) || target.value == want_target {
        return Vec::new();
    }
    vec![replace(target, want_target), replace(upper, want_upper)]
}

/// Value edits for one existing track (absolute offsets).
fn track_edits(
    project: &AlsProject<'_>,
    plan: &ByTrack<'_>,
    index: usize,
    parent_id: Option<i64>,
) -> Result<Vec<Edit>, FormatError> {
    let t = &project.doc.tracks[index];
    let mut edits = Vec::new();
    let missing = |what: &str| {
        FormatError::whole(format!(
            "track {} has no {what} element; cannot write the plan",
            index + 1
        ))
    };
    if let Some(name) = plan.rename(index) {
        let text = escape(name);
        let user = t
            .user_name
            .as_ref()
            .ok_or_else(|| missing("Name/UserName"))?;
        edits.push(replace(user, text.clone()));
        if let Some(effective) = &t.effective_name {
            edits.push(replace(effective, text));
        }
    }
    if let Some(rgb) = plan.recolor(index) {
        let field = t.color.as_ref().ok_or_else(|| missing("Color"))?;
        let value = project
            .scheme
            .encode(palette::nearest(rgb))
            .ok_or_else(|| missing("writable Color"))?;
        edits.push(replace(field, value.to_string()));
    }
    if plan.mutes(index) {
        if t.speaker.is_none() && t.speaker_event.is_none() {
            return Err(missing("Mixer/Speaker"));
        }
        for f in t.speaker.iter().chain(&t.speaker_event) {
            edits.push(replace(f, "false"));
        }
    }
    let current = t
        .group_id
        .as_ref()
        .and_then(|f| f.int())
        .filter(|&g| g >= 0);
    if current != parent_id {
        let field = t.group_id.as_ref().ok_or_else(|| missing("TrackGroupId"))?;
        edits.push(replace(field, parent_id.unwrap_or(-1).to_string()));
        edits.extend(routing_edits(project, t, parent_id.is_some()));
    }
    Ok(edits)
}

/// Live writes its numbers with 10 significant digits (`0.5011872053` in
/// `abletoolz-pruned__12.4.5b.als`, `0.6606934071` in `node-als-parser__Michelle.als`).
pub(super) fn number(value: f64) -> String {
    crate::formats::numbers::general(value, 10)
}

/// What Live shows for a track sent to the first pair of external outputs: the master's own
/// routing in the corpus sets that keep one (`dawtool__live8-patch-markers-auto.als`,
/// Live 8.1; `burtlo-space__space.als`, Live 9.0): `AudioOut/External/S0`, `Ext. Out`, `1/2`.
pub(super) const EXTERNAL_OUT: (&str, &str, &str) = ("AudioOut/External/S0", "Ext. Out", "1/2");

/// True when clip `c` plays a sample (what [`super::media::clip_media`] lists as an item).
pub(super) fn clip_plays(c: &scan::Clip) -> bool {
    let t = &c.timing;
    t.relative_path.is_some() || t.path.is_some() || t.name.is_some()
}

/// The mixer edits of track `index`: each playing clip's `SampleVolume` times the clip gain,
/// the mixer volume and pan (`Manual`, and the default arrangement event that holds the
/// value in Live 8/9), the output routed to the external outputs.
fn mix_edits(project: &AlsProject<'_>, mix: &crate::plan::MixByTrack, index: usize) -> Vec<Edit> {
    let t = &project.doc.tracks[index];
    let xml = &project.xml;
    let mut edits = Vec::new();
    if let Some(g) = mix.clip_gain(index) {
        for c in t.clips.iter().filter(|c| clip_plays(c)) {
            if let Some(span) = &c.sample_volume {
                let old = std::str::from_utf8(&xml[span.clone()])
                    .ok()
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .unwrap_or(1.0);
                edits.push(Edit::replace(span.clone(), number(old * g)));
            }
        }
    }
    if let Some(f) = mix.fader(index) {
        for field in t.volume.iter().chain(&t.volume_event) {
            edits.push(replace(field, number(f)));
        }
    }
    if let Some(p) = mix.pan(index) {
        for field in t.pan.iter().chain(&t.pan_event) {
            edits.push(replace(field, number(p)));
        }
    }
    if mix.direct(index) {
        let (target, upper, lower) = EXTERNAL_OUT;
        edits.extend(t.out_target.iter().map(|f| replace(f, target)));
        edits.extend(t.out_upper.iter().map(|f| replace(f, upper)));
        edits.extend(t.out_lower.iter().map(|f| replace(f, lower)));
    }
    edits
}

fn inside(span: &Range<usize>, removed: &[Range<usize>]) -> bool {
    removed
        .iter()
        .any(|r| r.start <= span.start && span.end <= r.end)
}

/// A new group track built from the template group track.
fn new_group(
    project: &AlsProject<'_>,
    bytes: &[u8],
    name: &str,
    color: Option<crate::session::Rgb>,
    id: i64,
    parent_id: Option<i64>,
    next_pointee: &mut i64,
) -> Result<Vec<u8>, FormatError> {
    let (t, frag) = scan::scan_track(bytes)?;
    let missing = |what: &str| {
        FormatError::whole(format!(
            "the template group track has no {what}; cannot create a group"
        ))
    };
    let mut edits = Vec::new();
    edits.push(replace(
        t.id.as_ref().ok_or_else(|| missing("Id"))?,
        id.to_string(),
    ));
    let text = escape(name);
    edits.push(replace(
        t.user_name.as_ref().ok_or_else(|| missing("UserName"))?,
        text.clone(),
    ));
    if let Some(f) = &t.effective_name {
        edits.push(replace(f, text));
    }
    if let (Some(c), Some(f)) = (color, &t.color)
        && let Some(v) = project.scheme.encode(palette::nearest(c))
    {
        edits.push(replace(f, v.to_string()));
    }
    edits.push(replace(
        t.group_id.as_ref().ok_or_else(|| missing("TrackGroupId"))?,
        parent_id.unwrap_or(-1).to_string(),
    ));
    edits.extend(routing_edits(project, &t, parent_id.is_some()));
    for f in t.speaker.iter().chain(&t.speaker_event) {
        edits.push(replace(f, "true"));
    }
    for f in t.volume.iter().chain(&t.volume_event) {
        edits.push(replace(f, "1"));
    }
    for f in t.pan.iter().chain(&t.pan_event) {
        edits.push(replace(f, "0"));
    }
    if let Some(f) = &t.unfolded {
        edits.push(replace(f, "true"));
    }
    for f in &t.lane_selections {
        edits.push(replace(f, "0"));
    }
    // Sends start at their minimum (-inf dB), as on a track Live creates.
    // Live 8 keeps each level only in its default event, Live 9 in both places.
    for levels in [&t.send_levels, &t.send_level_events] {
        if levels.len() == t.send_minimums.len() {
            for (level, min) in levels.iter().zip(&t.send_minimums) {
                edits.push(replace(level, escape(&min.value)));
            }
        }
    }
    let removed: Vec<Range<usize>> = [t.devices_inner.clone(), t.envelopes_inner.clone()]
        .into_iter()
        .flatten()
        .collect();
    for r in &removed {
        edits.push(Edit::delete(r.clone()));
    }
    let mut renumber = HashMap::new();
    for (old, span) in &frag.pointees {
        if inside(span, &removed) {
            continue;
        }
        let new = *next_pointee;
        *next_pointee += 1;
        renumber.insert(*old, new);
        edits.push(Edit::replace(span.clone(), new.to_string()));
    }
    for (old, span) in &frag.pointee_refs {
        if inside(span, &removed) {
            continue;
        }
        if let Some(new) = renumber.get(old) {
            edits.push(Edit::replace(span.clone(), new.to_string()));
        }
    }
    splice(bytes, edits).map_err(internal)
}

/// The new XML of a set: edits to the original when the track order stays, or the document
/// rebuilt in a new order as [`Piece`]s; either way the caller streams it into the
/// compressor, never holding the new XML whole (nor a copy of a moved track).
pub(super) enum NewXml {
    Edits(Vec<Edit>),
    Rebuilt(Vec<Piece>),
}

/// A part of a rebuilt set, in output order.
pub(super) enum Piece {
    /// A range of the set's XML with edits (ranges in the XML, inside `range`) applied.
    Source {
        range: Range<usize>,
        edits: Vec<Edit>,
    },
    /// New bytes: a new group track.
    New(Vec<u8>),
}

impl Piece {
    fn source(range: Range<usize>) -> Piece {
        Piece::Source {
            range,
            edits: Vec::new(),
        }
    }
}

/// Hands the bytes of `pieces` (of the set `xml`) to `emit`, in order.
///
/// Errors: an edit outside its piece or overlapping another ([`EditConflict`]).
pub(super) fn emit_pieces(
    xml: &[u8],
    pieces: Vec<Piece>,
    emit: &mut dyn FnMut(&[u8]),
) -> Result<(), EditConflict> {
    for piece in pieces {
        match piece {
            Piece::Source { range, edits } => {
                let base = range.start;
                let mut local = Vec::with_capacity(edits.len());
                for e in edits {
                    if e.range.start < base || e.range.end > range.end {
                        return Err(EditConflict(e.range));
                    }
                    local.push(Edit::replace(
                        e.range.start - base..e.range.end - base,
                        e.content,
                    ));
                }
                splice_with(&xml[range], local, &mut *emit)?;
            }
            Piece::New(bytes) => emit(&bytes),
        }
    }
    Ok(())
}

pub(super) fn write(project: &AlsProject<'_>, plan: &Plan) -> Result<NewXml, FormatError> {
    let xml = &project.xml;
    let doc = &project.doc;
    let session = &project.session;
    let layout = plan.layout(session);

    // Ids: existing tracks keep theirs; new groups get fresh ones above every track id.
    let track_id = |t: usize| doc.tracks[t].id.as_ref().and_then(|f| f.int());
    let mut next_id = (0..doc.tracks.len())
        .filter_map(track_id)
        .max()
        .map_or(0, |m| m + 1);
    let mut bus_ids = vec![None; plan.new_buses.len()];
    for slot in &layout.slots {
        if let Slot::NewBus(k) = *slot {
            bus_ids[k] = Some(next_id);
            next_id += 1;
        }
    }
    let slot_id = |slot: Slot| match slot {
        Slot::Track(t) => track_id(t),
        Slot::NewBus(k) => bus_ids[k],
    };
    let parent_id = |i: usize| layout.parents[i].and_then(|p| slot_id(layout.slots[p]));

    let by_track = plan.by_track(doc.tracks.len());
    let mix = plan.mix_by_track(doc.tracks.len());
    let mut per_track: Vec<Vec<Edit>> = vec![Vec::new(); doc.tracks.len()];
    for (i, slot) in layout.slots.iter().enumerate() {
        if let Slot::Track(t) = *slot {
            per_track[t] = track_edits(project, &by_track, t, parent_id(i))?;
            if mix.any() {
                per_track[t].extend(mix_edits(project, &mix, t));
            }
        }
    }

    let media = project.media_edits(plan);
    if layout.is_unchanged(session) {
        let edits = per_track.into_iter().flatten().chain(media).collect();
        return Ok(NewXml::Edits(edits));
    }
    // Media edits go with the track that holds them, or outside the run of tracks (the
    // master's devices), where they are made last.
    let mut outer = Vec::new();
    for e in media {
        match doc
            .tracks
            .iter()
            .position(|t| t.element.start <= e.range.start && e.range.end <= t.element.end)
        {
            Some(t) => per_track[t].push(e),
            None => outer.push(e),
        }
    }

    let max_pointee = doc.pointees.iter().map(|(v, _)| *v).max().unwrap_or(0);
    let counter = doc.next_pointee.as_ref().and_then(|f| f.int());
    let mut next_pointee = counter.unwrap_or(0).max(max_pointee + 1);
    let first_fresh = next_pointee;
    let template = project.template();

    let run = match (doc.tracks.first(), doc.tracks.last()) {
        (Some(first), Some(last)) => first.lead.start..last.element.end,
        _ => doc.tracks_inner.start..doc.tracks_inner.start,
    };
    // The output is pieces of the XML and new group tracks (XML before the tracks, the tracks
    // in their new order, XML after), streamed by the caller: no copy of the set is built.
    let mut pieces = Vec::with_capacity(2 * layout.slots.len() + 2);
    let default_lead = doc.tracks.first().map(|t| t.lead.clone());
    for (i, slot) in layout.slots.iter().enumerate() {
        match *slot {
            Slot::Track(t) => {
                let track = &doc.tracks[t];
                pieces.push(Piece::source(track.lead.clone()));
                pieces.push(Piece::Source {
                    range: track.element.clone(),
                    edits: std::mem::take(&mut per_track[t]),
                });
            }
            Slot::NewBus(k) => {
                let template = template.as_deref().ok_or_else(|| {
                    FormatError::whole("internal error: a new group without a template")
                })?;
                let bus = &plan.new_buses[k];
                let id = bus_ids[k].unwrap_or(next_id);
                if let Some(lead) = &default_lead {
                    pieces.push(Piece::source(lead.clone()));
                }
                pieces.push(Piece::New(new_group(
                    project,
                    template,
                    &bus.name,
                    bus.color,
                    id,
                    parent_id(i),
                    &mut next_pointee,
                )?));
            }
        }
    }
    if let Some(field) = &doc.next_pointee
        && next_pointee != first_fresh
    {
        outer.push(Edit::replace(field.span.clone(), next_pointee.to_string()));
    }
    // The counter (and any media outside the tracks) lies before or after the run of tracks,
    // never inside it.
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for e in outer {
        if e.range.end <= run.start {
            before.push(e);
        } else if e.range.start >= run.end {
            after.push(e);
        } else {
            return Err(internal(EditConflict(e.range)));
        }
    }
    pieces.insert(
        0,
        Piece::Source {
            range: 0..run.start,
            edits: before,
        },
    );
    pieces.push(Piece::Source {
        range: run.end..xml.len(),
        edits: after,
    });
    Ok(NewXml::Rebuilt(pieces))
}
