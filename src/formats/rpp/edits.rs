//! Spells a [`Plan`] as byte edits to an `.RPP` file.
//!
//! Renames, colours and mutes replace one token each. When the plan regroups tracks, the
//! `<TRACK` chunks are re-emitted in the new order (each chunk's own bytes, with its token
//! edits applied), new folder tracks are inserted, `ISBUS` is rewritten on exactly the
//! tracks whose folder state changed, and every `AUXRECV` source index is renumbered so that
//! each receive still comes from the same track.

use super::RppProject;
use super::color::{self, NO_COLOR};
use super::quote::{quote, wants_block};
use super::scan::RppTrack;
use crate::edit::{Edit, splice_into};
use crate::formats::numbers;
use crate::formats::{FormatError, WriteError};
use crate::plan::{ByTrack, MixByTrack, Plan, Slot};
use std::borrow::Cow;
use std::io::Write;

fn line(indent: &[u8], text: &str, eol: &[u8]) -> Vec<u8> {
    line_of_bytes(indent, text.as_bytes(), eol)
}

/// [`line`] of text given as bytes (a name that is not all UTF-8, see [`crate::name_bytes`]).
fn line_of_bytes(indent: &[u8], text: &[u8], eol: &[u8]) -> Vec<u8> {
    [indent, text, eol].concat()
}

/// `ISBUS` values for a track at `depth` followed by one at `next_depth`.
fn folder_state(depth: usize, next_depth: usize) -> (i32, i32) {
    let delta = next_depth as i32 - depth as i32;
    match delta {
        d if d > 0 => (1, 1),
        0 => (0, 0),
        d => (2, d),
    }
}

/// A deterministic GUID for a new bus: the same project and bus name give the same GUID on
/// every machine, and different projects give different ones.
fn bus_guid(project: &RppProject<'_>, name: &str) -> String {
    let mut seed = b"premix bus\0".to_vec();
    seed.extend_from_slice(name.as_bytes());
    for t in &project.doc.tracks {
        seed.push(0);
        if let Some(guid) = &t.guid {
            seed.extend_from_slice(project.text(guid).as_bytes());
        }
    }
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &seed);
    format!("{{{}}}", id.hyphenated().to_string().to_ascii_uppercase())
}

fn new_bus_chunk(project: &RppProject<'_>, name: &str, peakcol: u32) -> Vec<u8> {
    let doc = &project.doc;
    let eol = doc.line_ending;
    let ti = track_indent(project);
    let ki = [ti, b"  "].concat();
    let guid = bus_guid(project, name);
    let mut out = line(ti, &format!("<TRACK {guid}"), eol);
    let keys = [
        format!("NAME {}", quote(&name_line_text(name))),
        format!("PEAKCOL {peakcol}"),
        "BEAT -1".into(),
        "AUTOMODE 0".into(),
        "VOLPAN 1 0 -1 -1 1".into(),
        "MUTESOLO 0 0 0".into(),
        "IPHASE 0".into(),
        "PLAYOFFS 0 1".into(),
        "ISBUS 1 1".into(),
        "BUSCOMP 0 0 0 0 0".into(),
        "SHOWINMIX 1 0.6667 0.5 1 0.5 0 0 0".into(),
        "SEL 0".into(),
        "REC 0 0 1 0 0 0 0".into(),
        "VU 2".into(),
        "TRACKHEIGHT 0 0 0 0 0 0".into(),
        "INQ 0 0 0 0.5 100 0 0 100".into(),
        "NCHAN 2".into(),
        "FX 1".into(),
        format!("TRACKID {guid}"),
        "PERF 0".into(),
        "MIDIOUT -1".into(),
        "MAINSEND 1 0".into(),
    ];
    for (k, key) in keys.into_iter().enumerate() {
        out.extend(line(&ki, &key, eol));
        if k == 0 && wants_block(name) {
            out.extend(name_block(&ki, name, eol));
        }
    }
    out.extend(line(ti, ">", eol));
    out
}

/// The leading whitespace of `<TRACK` lines: as the file has it, else REAPER's two spaces.
fn track_indent<'a>(project: &RppProject<'a>) -> &'a [u8] {
    match &project.doc.track_indent {
        Some(span) => &project.src[span.clone()],
        None => b"  ",
    }
}

/// The leading whitespace of new key lines in `t`: its `NAME` line's, else its `<TRACK`
/// line's and two spaces.
fn key_indent<'a>(project: &RppProject<'a>, t: &RppTrack) -> Cow<'a, [u8]> {
    match &t.key_indent {
        Some(span) => Cow::Borrowed(&project.src[span.clone()]),
        None => {
            let header = &project.src[t.chunk.start..t.after_header];
            let indent = header
                .iter()
                .take_while(|b| **b == b' ' || **b == b'\t')
                .count();
            Cow::Owned([&header[..indent], b"  "].concat())
        }
    }
}

/// The text of the `NAME` line for `name`: a line break becomes a space, as REAPER writes
/// it (WDL's `ProjectContextFormatString`); a name with a break also gets a `<NAME` block
/// holding it whole ([`name_block`]).
fn name_line_text(name: &str) -> Cow<'_, str> {
    if name.contains(['\n', '\r']) {
        Cow::Owned(name.replace(['\n', '\r'], " "))
    } else {
        Cow::Borrowed(name)
    }
}

/// REAPER's block encoding of a name: `<NAME`, one `|` line per line of text, `>`. Written
/// piece by piece into one buffer: a name may be most of a project's bytes.
fn name_block(indent: &[u8], name: &str, eol: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 64);
    out.extend_from_slice(&line(indent, "<NAME", eol));
    for text in name.split('\n') {
        for piece in [indent, b"  |", &crate::name_bytes::encode(text), eol] {
            out.extend_from_slice(piece);
        }
    }
    out.extend_from_slice(&line(indent, ">", eol));
    out
}

/// What a plan's mixer changes need of the file: each track's audio items and where their
/// volumes are (read only when a clip gain is to be written), and the REAPER version.
struct MixSpots {
    mix: MixByTrack,
    items: Vec<Vec<(crate::media::MediaRef, super::media::ItemVolume)>>,
    major: u32,
}

impl MixSpots {
    fn of(project: &RppProject<'_>, plan: &Plan) -> Option<MixSpots> {
        let mix = plan.mix_by_track(project.doc.tracks.len());
        if !mix.any() {
            return None;
        }
        let items = if mix.clip_gain.iter().any(|g| *g != 1.0) {
            super::media::item_volumes(project.src)
        } else {
            Vec::new()
        };
        Some(MixSpots {
            mix,
            items,
            // REAPER 4 and before write a pan law of -1 as `-1`, 5 and later as `-1:U`.
            major: super::scan::version_major(project.src).unwrap_or(7),
        })
    }
}

/// The mixer edits of track `index` (absolute offsets): item volumes (the first token of an
/// item's `VOLPAN`, as REAPER writes it: 6 decimals, trailing zeros dropped, REAPER 4's
/// fixed width kept), the track's `VOLPAN` volume and pan (14 decimals), and a route to
/// the hardware outputs (`MAINSEND 0`, and a `HWOUT` to outputs 1/2 unless it has one).
fn mix_edits(project: &RppProject<'_>, spots: &MixSpots, index: usize) -> Vec<Edit> {
    let t: &RppTrack = &project.doc.tracks[index];
    let eol = project.doc.line_ending;
    let text = |span: &std::ops::Range<usize>| String::from_utf8_lossy(&project.src[span.clone()]);
    let mut edits = Vec::new();
    if let Some(g) = spots.mix.clip_gain(index) {
        for (_, spot) in spots.items.get(index).into_iter().flatten() {
            match &spot.token {
                Some((span, value)) => {
                    edits.push(Edit::replace(
                        span.clone(),
                        numbers::like(value * g, &text(span), 6),
                    ));
                }
                // The vet refuses a clip gain on an item whose `VOLPAN` does not read.
                None if spot.line => {}
                None => edits.push(Edit::insert(
                    spot.after_header,
                    line(
                        &spot.indent,
                        &format!("VOLPAN {} 0 1 -1", numbers::fixed_trimmed(g, 6)),
                        eol,
                    ),
                )),
            }
        }
    }
    let (fader, pan) = (spots.mix.fader(index), spots.mix.pan(index));
    if fader.is_some() || pan.is_some() {
        match (&t.volume, &t.pan) {
            (Some(v), Some(p)) => {
                if let Some(f) = fader {
                    edits.push(Edit::replace(
                        v.span.clone(),
                        numbers::like(f, &text(&v.span), 14),
                    ));
                }
                if let Some(to) = pan {
                    edits.push(Edit::replace(
                        p.span.clone(),
                        numbers::like(to, &text(&p.span), 14),
                    ));
                }
            }
            // The vet refuses a fader or pan on a `VOLPAN` that does not read.
            _ if t.volpan => {}
            _ => edits.push(Edit::insert(
                t.after_header,
                line(
                    &key_indent(project, t),
                    &format!(
                        "VOLPAN {} {} -1 -1 1",
                        numbers::fixed_trimmed(fader.unwrap_or(1.0), 14),
                        numbers::fixed_trimmed(pan.unwrap_or(0.0), 14)
                    ),
                    eol,
                ),
            )),
        }
    }
    if spots.mix.direct(index) {
        let mut lines = Vec::new();
        match &t.main_send {
            Some(on) if on.value => edits.push(Edit::replace(on.span.clone(), "0")),
            Some(_) => {}
            None => lines.extend(line(&key_indent(project, t), "MAINSEND 0 0", eol)),
        }
        if t.hw_outs == 0 {
            // Hardware outputs 1/2 (destination 0: a stereo pair), post-fader, at unity, as
            // REAPER's routing window adds one (corpus: jonch070__Talkback.RPP routes its
            // talkback track `MAINSEND 0 0` / `HWOUT 1026 0 1 0 0 0 0 -1:U -1`).
            let law = if spots.major >= 5 { "-1:U" } else { "-1" };
            lines.extend(line(
                &key_indent(project, t),
                &format!("HWOUT 0 0 1 0 0 0 0 {law} -1"),
                eol,
            ));
        }
        if !lines.is_empty() {
            edits.push(Edit::insert(t.routing_end.unwrap_or(t.after_header), lines));
        }
    }
    edits
}

/// A quoted name as the bytes it is written as (no copy when it is all UTF-8).
fn name_bytes(quoted: String) -> Vec<u8> {
    match crate::name_bytes::encode(&quoted) {
        Cow::Owned(bytes) => bytes,
        Cow::Borrowed(_) => quoted.into_bytes(),
    }
}

/// Token edits inside one track chunk (absolute offsets).
fn token_edits(project: &RppProject<'_>, plan: &ByTrack<'_>, index: usize) -> Vec<Edit> {
    let t: &RppTrack = &project.doc.tracks[index];
    let eol = project.doc.line_ending;
    let mut edits = Vec::new();
    // Only new lines need it.
    let indent = || key_indent(project, t);
    if let Some(name) = plan.rename(index) {
        let text = name_bytes(quote(&name_line_text(name)));
        let block = wants_block(name).then(|| name_block(&indent(), name, eol));
        match (&t.name, t.name_line_end) {
            (Some(span), Some(line_end)) => {
                edits.push(Edit::replace(span.clone(), text));
                // The block, if any, follows the NAME line: replace it, drop it, or add one.
                match (&t.name_block, block) {
                    (Some(old), Some(new)) => edits.push(Edit::replace(old.span.clone(), new)),
                    (Some(old), None) => edits.push(Edit::delete(old.span.clone())),
                    (None, Some(new)) => edits.push(Edit::insert(line_end, new)),
                    (None, None) => {}
                }
            }
            _ => {
                let mut lines = line_of_bytes(&indent(), &[b"NAME ", &text[..]].concat(), eol);
                lines.extend(block.unwrap_or_default());
                edits.push(Edit::insert(t.after_header, lines));
            }
        }
    }
    if let Some(rgb) = plan.recolor(index) {
        let value = color::encode(rgb, project.order).to_string();
        edits.push(match &t.peakcol {
            Some(field) => Edit::replace(field.span.clone(), value),
            None => Edit::insert(
                t.after_header,
                line(&indent(), &format!("PEAKCOL {value}"), eol),
            ),
        });
    }
    if plan.mutes(index) {
        edits.push(match &t.mute {
            Some(field) => Edit::replace(field.span.clone(), "1"),
            None => Edit::insert(t.after_header, line(&indent(), "MUTESOLO 1 0 0", eol)),
        });
    }
    edits
}

/// Streams the project after `plan` into `out`: the original bytes with the token edits
/// spliced in, or, when the track order changes, the text around the tracks with the track
/// chunks (and new buses) between them in their new order.
pub(super) fn write_to(
    project: &RppProject<'_>,
    plan: &Plan,
    out: &mut dyn Write,
) -> Result<(), WriteError> {
    let src = project.src;
    let doc = &project.doc;
    let session = &project.session;
    let layout = plan.layout(session);
    let by_track = plan.by_track(doc.tracks.len());
    let spots = MixSpots::of(project, plan);
    let track_edits = |i: usize| {
        let mut edits = token_edits(project, &by_track, i);
        if let Some(spots) = &spots {
            edits.extend(mix_edits(project, spots, i));
        }
        edits
    };

    let mut file_edits = media_edits(project, plan);
    if layout.is_unchanged(session) {
        let edits = (0..doc.tracks.len())
            .flat_map(track_edits)
            .chain(file_edits)
            .collect();
        return Ok(splice_into(src, edits, out)?);
    }
    // Each piece written below takes the media edits that fall inside it.
    file_edits.sort_by_key(|e| e.range.start);
    let within = |range: &std::ops::Range<usize>| -> Vec<Edit> {
        file_edits
            .iter()
            .filter(|e| e.range.start >= range.start && e.range.end <= range.end)
            .cloned()
            .collect()
    };

    // The order changes: the run of track chunks is written again, chunk by chunk.
    let positions = layout.new_positions(doc.tracks.len());
    let depths = layout.depths();
    let region_range = match (doc.tracks.first(), doc.tracks.last()) {
        (Some(first), Some(last)) => first.chunk.start..last.chunk.end,
        _ => doc.root_close..doc.root_close,
    };
    splice_into(
        &src[..region_range.start],
        within(&(0..region_range.start)),
        out,
    )?;
    for (slot_index, slot) in layout.slots.iter().enumerate() {
        let depth = depths[slot_index];
        let next_depth = depths.get(slot_index + 1).copied().unwrap_or(0);
        let (flag, delta) = folder_state(depth, next_depth);
        match *slot {
            Slot::NewBus(k) => {
                let bus = &plan.new_buses[k];
                let peakcol = bus
                    .color
                    .map_or(NO_COLOR, |c| color::encode(c, project.order));
                // A new bus always opens a folder, so its ISBUS is `1 1`.
                debug_assert_eq!((flag, delta), (1, 1));
                out.write_all(&new_bus_chunk(project, &bus.name, peakcol))?;
            }
            Slot::Track(t) => {
                let track = &doc.tracks[t];
                let mut edits = track_edits(t);
                let wanted_unchanged = track
                    .folder
                    .as_ref()
                    .is_some_and(|f| (f.flag, f.delta) == (flag, delta));
                let wanted_default = track.folder.is_none() && (flag, delta) == (0, 0);
                if !wanted_unchanged && !wanted_default {
                    edits.push(match &track.folder {
                        Some(f) => {
                            let short = f.single_argument && matches!(delta, -1..=1);
                            let text = if short {
                                flag.to_string()
                            } else {
                                format!("{flag} {delta}")
                            };
                            Edit::replace(f.args.clone(), text)
                        }
                        None => Edit::insert(
                            track.after_header,
                            line(
                                &key_indent(project, track),
                                &format!("ISBUS {flag} {delta}"),
                                doc.line_ending,
                            ),
                        ),
                    });
                }
                for r in &track.receives {
                    let new_source = positions.get(r.source.value).copied().flatten();
                    match new_source {
                        Some(p) if p != r.source.value => {
                            edits.push(Edit::replace(r.source.span.clone(), p.to_string()))
                        }
                        Some(_) => {}
                        None => {
                            return Err(FormatError::whole(format!(
                                "track {} receives from track {}, which this plan removes",
                                t + 1,
                                r.source.value + 1
                            ))
                            .into());
                        }
                    }
                }
                edits.extend(within(&track.chunk));
                let base = track.chunk.start;
                let local = edits
                    .into_iter()
                    .map(|e| Edit::replace(e.range.start - base..e.range.end - base, e.content))
                    .collect();
                splice_into(&src[track.chunk.clone()], local, out)?;
            }
        }
    }
    let tail = region_range.end..src.len();
    let local = within(&tail)
        .into_iter()
        .map(|e| {
            Edit::replace(
                e.range.start - tail.start..e.range.end - tail.start,
                e.content,
            )
        })
        .collect();
    splice_into(&src[tail], local, out)?;
    Ok(())
}

/// The `FILE` tokens the plan's media rewrites change, each to its new path as REAPER spells
/// it (absolute offsets).
fn media_edits(project: &RppProject<'_>, plan: &Plan) -> Vec<Edit> {
    let Some(media) = &plan.media else {
        return Vec::new();
    };
    if !media.rewrites() {
        return Vec::new();
    }
    let targets = media.targets();
    super::media::file_refs(project.src)
        .into_iter()
        .filter_map(|r| {
            let key = crate::media::SourceFile::new(r.path);
            let target = targets.get(&(&key, r.kind))?;
            let text = super::media::spelling(media, target)?;
            Some(Edit::replace(r.token, text))
        })
        .collect()
}
