//! Gain staging in an Ardour session: region gain, faders, pans and routes to the hardware
//! outputs, written as Ardour writes them.
//!
//! - Clip gain is a region's `scale-amplitude` (the region gain Ardour's "Boost/Cut Gain"
//!   and "Normalize" change), multiplied into it on every audio region of the route's
//!   playlist; a region without one gets the attribute.
//! - The fader is the `gaincontrol` of the route's `amp` processor; the pan its `Pannable`'s
//!   `pan-azimuth` (0 left, 0.5 centre, 1 right).
//! - A route sent to the hardware outputs gets, on each of its audio output ports, the
//!   connections the master's output port of the same number has (its own `Connection`s to
//!   the master go, and so do the master's input `Connection`s naming its outputs): whatever the session's backend calls its playback ports
//!   (`system:playback_1`, Ardour 7's `ExtConnection for="JACK"`), in the session's spelling.
//!
//! Numbers are written as each version writes them: `%.12f` up to Ardour 4 (session format
//! 3001: `0.707945764065` in `ol2015_drumsend.ardour`), the `float` value at 17 significant
//! digits from Ardour 5 on (`0.50118720531463623` in `Parta_Eklipso_Sonoj_Mix.ardour`).

use super::ArdourProject;
use super::read::RouteKind;
use crate::edit::Edit;
use crate::formats::numbers;
use crate::plan::{Action, Note, Plan};

/// Ardour's faders stop at +6 dB (its default `max-gain`, a gain of 2).
const MAX_FADER_DB: f64 = 6.0;

/// A value as session format `version` writes it.
pub fn spell(version: u32, value: f64) -> String {
    if version < 3002 {
        format!("{value:.12}")
    } else {
        numbers::general(value as f32 as f64, 17)
    }
}

/// A region's `scale-amplitude` as session format `version` writes it: `%.12g` up to
/// Ardour 4 (`1`, `0.71782553196` in `ol2015_drumsend.ardour`, where the controllables are
/// `%.12f`), as [`spell`] from Ardour 5 on (`5.5294594764709473` in
/// `Leaving_Tonite_Sonoj_Mix.ardour`).
pub fn spell_region_gain(version: u32, value: f64) -> String {
    if version < 3002 {
        numbers::general(value, 12)
    } else {
        spell(version, value)
    }
}

/// The master's audio output ports.
fn master_outputs(project: &ArdourProject<'_>) -> Vec<usize> {
    project
        .doc
        .routes
        .iter()
        .find(|r| r.kind == RouteKind::Master)
        .map(|m| m.output_ports.clone())
        .unwrap_or_default()
}

/// The inside of element `e` (between its start and end tags); empty for `<X/>`.
fn inner<'a>(project: &ArdourProject<'a>, e: usize) -> &'a [u8] {
    let el = &project.doc.xml.elements[e];
    if el.is_empty_tag() {
        return b"";
    }
    let body = &project.src[el.tag.end..el.end];
    let close = body.iter().rposition(|b| *b == b'<').unwrap_or(body.len());
    &body[..close]
}

/// Drops, with a note, the mixer changes this session cannot take.
pub(super) fn vet(project: &ArdourProject<'_>, plan: &mut Plan) {
    if !plan.changes_mix() {
        return;
    }
    let doc = &project.doc;
    let hardware = master_outputs(project)
        .iter()
        .any(|&p| !inner(project, p).trim_ascii().is_empty());
    let moved: Vec<usize> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::MoveToBus { .. } | Action::Remove))
        .map(|c| c.track)
        .collect();
    let mut notes = Vec::new();
    plan.changes.retain(|c| {
        let route = &doc.routes[doc.track_routes[c.track]];
        let why = match &c.action {
            Action::ClipGain { .. } | Action::RouteDirect if doc.version < 3000 => {
                "not written: premix writes no region gain or routing into Ardour 2 sessions"
                    .to_string()
            }
            Action::Fader { db, .. } if *db > MAX_FADER_DB => {
                format!("fader not set to {db:+.1} dB: Ardour's faders reach +{MAX_FADER_DB} dB")
            }
            Action::RouteDirect if doc.parents[c.track].is_some() || moved.contains(&c.track) => {
                "not routed to the hardware outputs: the route feeds a bus (in Ardour a route's \
                 bus is where its outputs go)"
                    .to_string()
            }
            Action::RouteDirect if route.output_ports.is_empty() => {
                "not routed to the hardware outputs: the route has no audio outputs".to_string()
            }
            Action::RouteDirect if !hardware => {
                "not routed to the hardware outputs: the master's outputs connect to none, so \
                 which ports are the hardware outputs is not known"
                    .to_string()
            }
            _ => return true,
        };
        notes.push(Note {
            track: Some(c.track),
            message: why,
            origin: Some(c.origin.clone()),
        });
        false
    });
    plan.notes.extend(notes);
}

/// The edits of `plan`'s mixer changes (routes `removed` by the plan left out): value edits,
/// and the port contents replaced (structural).
pub(super) fn edits(
    project: &ArdourProject<'_>,
    plan: &Plan,
    removed: &std::collections::BTreeSet<usize>,
) -> (Vec<Edit>, Vec<Edit>) {
    let doc = &project.doc;
    let xml = &doc.xml;
    let mix = plan.mix_by_track(doc.track_routes.len());
    let mut edits = Vec::new();
    // Whole port contents replaced: edits of values inside them are moot.
    let mut structural = Vec::new();
    if !mix.any() {
        return (edits, structural);
    }
    let masters = master_outputs(project);
    for (track, &ri) in doc.track_routes.iter().enumerate() {
        if removed.contains(&ri) {
            continue;
        }
        let route = &doc.routes[ri];
        if let Some(g) = mix.clip_gain(track) {
            for &region in &route.item_regions {
                let el = &xml.elements[region];
                match el.attr("scale-amplitude") {
                    Some(a) => {
                        let old = a.value.trim().parse::<f64>().unwrap_or(1.0);
                        edits.push(Edit::replace(
                            a.span.clone(),
                            spell_region_gain(doc.version, old * g),
                        ));
                    }
                    None => {
                        // Before `/>` or `>`: the attribute goes last.
                        let tag = &project.src[el.tag.clone()];
                        let end = if tag.ends_with(b"/>") { 2 } else { 1 };
                        edits.push(Edit::insert(
                            el.tag.end - end,
                            format!(" scale-amplitude=\"{}\"", spell_region_gain(doc.version, g)),
                        ));
                    }
                }
            }
        }
        if let (Some(f), Some((_, span))) = (mix.fader(track), &route.gain) {
            edits.push(Edit::replace(span.clone(), spell(doc.version, f)));
        }
        if let (Some(p), Some((_, span))) = (mix.pan(track), &route.azimuth) {
            edits.push(Edit::replace(
                span.clone(),
                spell(doc.version, (p + 1.0) / 2.0),
            ));
        }
        if mix.direct(track) && !masters.is_empty() {
            // Ardour keeps a connection on both ports: the other side's `Connection`s naming
            // this route's outputs go too, or Ardour connects them again on load (found by the
            // interop suite on `Leaving_Tonite_Sonoj_Mix.ardour`: the master's inputs list
            // `Vocals Verse/audio_out 1`).
            let names: Vec<&str> = route
                .output_ports
                .iter()
                .filter_map(|&p| xml.elements[p].get("name"))
                .collect();
            for (i, el) in xml.elements.iter().enumerate() {
                if &*el.name == "Connection"
                    && el.get("other").is_some_and(|o| names.contains(&o))
                    && !el.parent.is_some_and(|p| route.output_ports.contains(&p))
                {
                    structural.push(Edit::delete(super::lines::element_line(
                        project.src,
                        xml.elements[i].range(),
                    )));
                }
            }
            for (k, &port) in route.output_ports.iter().enumerate() {
                let from = masters[k.min(masters.len() - 1)];
                let content = inner(project, from);
                let el = &xml.elements[port];
                if el.is_empty_tag() {
                    let mut text = b">".to_vec();
                    text.extend_from_slice(content);
                    text.extend_from_slice(b"</Port>");
                    structural.push(Edit::replace(el.tag.end - 2..el.tag.end, text));
                } else {
                    let end = el.tag.end + inner(project, port).len();
                    structural.push(Edit::replace(el.tag.end..end, content.to_vec()));
                }
            }
        }
    }
    (edits, structural)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_spelt_as_each_session_format_writes_them() {
        assert_eq!(spell(3001, 0.707945764065), "0.707945764065");
        assert_eq!(spell(3001, 1.0), "1.000000000000");
        assert_eq!(spell(7002, 0.501187233627), "0.50118720531463623");
        assert_eq!(spell(7002, 1.0), "1");
        assert_eq!(spell(6000, 0.5), "0.5");
    }
}
