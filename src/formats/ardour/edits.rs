//! Spells a [`Plan`] as byte edits to a `.ardour` file: each changed attribute value is
//! replaced in place (re-escaped for XML), nothing else is touched.
//!
//! A rename changes, as Ardour itself does on `Route::set_name`:
//! - `Route@name` (Ardour 2: the route's `IO@name`, which is its name there);
//! - the route's `IO@name`s and the `Port@name`s under them (`Old/audio_out 1` → `New/…`);
//! - the main outs delivery (`Processor type="main-outs"` `@name`, `@output`);
//! - every `Connection@other` in the file that names one of those ports, and in Ardour 2 the
//!   entries of every IO's `inputs`/`outputs` lists;
//! - Ardour 6+: the route's current playlist(s) take the new name, as `Track::set_name` does,
//!   unless another playlist already has that name. Before 6 playlists are referenced by name
//!   from the diskstream, and Ardour 2/3 only renamed them when empty, so they are left alone.
//!
//! Routes the plan removes go with their references ([`super::remove`]); edits of theirs are
//! dropped. Sidechain IOs (`SC Old/Plugin N`) and disk reader/writer names (`player:Old`) keep their
//! names: Ardour regenerates or ignores them, and keeps them itself when a track has regions.

use super::ArdourProject;
use super::read::{ColorSpot, rgb16_of, rgba_of};
use super::xml::escape;
use crate::edit::{Edit, splice_into};
use crate::formats::{FormatError, WriteError};
use crate::plan::Plan;
use std::collections::{HashMap, HashSet};

/// Streams the session after `plan` into `out`: the original bytes with the edits spliced in.
pub(super) fn write_to(
    project: &ArdourProject<'_>,
    plan: &Plan,
    out: &mut dyn std::io::Write,
) -> Result<(), WriteError> {
    let doc = &project.doc;
    let xml = &doc.xml;
    let mut edits: Vec<Edit> = Vec::new();
    let set = |edits: &mut Vec<Edit>, span: std::ops::Range<usize>, value: &str| {
        edits.push(Edit::replace(span, escape(value)));
    };

    // Renames.
    let mut port_map: HashMap<String, String> = HashMap::new();
    let mut route_renames: HashMap<String, String> = HashMap::new();
    let playlist_names: HashSet<&str> = xml
        .elements
        .iter()
        .filter(|e| &*e.name == "Playlist")
        .filter_map(|e| e.get("name"))
        .collect();
    // A route that goes takes its own renames, colours and mutes with it.
    let removed = super::remove::removed_routes(project, plan);
    let kept = |track: &usize| !removed.contains(&doc.track_routes[*track]);
    for (&track, &to) in plan.renames().iter().filter(|(t, _)| kept(t)) {
        let route = &doc.routes[doc.track_routes[track]];
        let old = route.name.as_str();
        route_renames.insert(old.to_string(), to.to_string());
        let re = &xml.elements[route.elem];
        if let Some(a) = re.attr("name") {
            set(&mut edits, a.span.clone(), to);
        }
        for &io in &route.ios {
            let io_el = &xml.elements[io];
            if let Some(a) = io_el.attr("name")
                && a.value == old
            {
                set(&mut edits, a.span.clone(), to);
            }
            for port in xml.children_named(io, "Port") {
                if let Some(a) = xml.elements[port].attr("name")
                    && let Some(rest) = a.value.strip_prefix(old).and_then(|r| r.strip_prefix('/'))
                {
                    let new = format!("{to}/{rest}");
                    port_map.insert(a.value.to_string(), new.clone());
                    set(&mut edits, a.span.clone(), &new);
                }
            }
        }
        for p in xml.children_named(route.elem, "Processor") {
            let pe = &xml.elements[p];
            if pe.get("type") != Some("main-outs") {
                continue;
            }
            for attr in ["name", "output"] {
                if let Some(a) = pe.attr(attr)
                    && a.value == old
                {
                    set(&mut edits, a.span.clone(), to);
                }
            }
        }
        if doc.version >= 6000 && !playlist_names.contains(to) {
            for &pl in &route.playlists {
                if let Some(a) = xml.elements[pl].attr("name") {
                    set(&mut edits, a.span.clone(), to);
                }
            }
        }
    }
    if !port_map.is_empty() || !route_renames.is_empty() {
        for el in &xml.elements {
            match &*el.name {
                "Connection" => {
                    if let Some(a) = el.attr("other")
                        && let Some(new) = port_map.get(&*a.value)
                    {
                        set(&mut edits, a.span.clone(), new);
                    }
                }
                "IO" if doc.version < 3000 => {
                    for attr in ["inputs", "outputs"] {
                        let Some(a) = el.attr(attr) else { continue };
                        let new = rename_port_list(&a.value, &route_renames);
                        if new != a.value {
                            set(&mut edits, a.span.clone(), &new);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // Colours.
    for (&track, &rgb) in plan.recolors().iter().filter(|(t, _)| kept(t)) {
        let route = &doc.routes[doc.track_routes[track]];
        match &route.color_spot {
            Some(ColorSpot::Rgba(span)) => set(&mut edits, span.clone(), &rgba_of(rgb).to_string()),
            Some(ColorSpot::Rgb16(span)) => set(&mut edits, span.clone(), &rgb16_of(rgb)),
            None => {
                return Err(FormatError::whole(format!(
                    "internal error: route {:?} has no colour attribute",
                    route.name
                ))
                .into());
            }
        }
    }

    // Mutes.
    for track in plan.mutes().into_iter().filter(kept) {
        let route = &doc.routes[doc.track_routes[track]];
        for spot in &route.mute_spots {
            edits.push(Edit::replace(spot.span.clone(), spot.on));
        }
    }

    let (mix_values, mix_structural) = super::mixer::edits(project, plan, &removed);
    edits.extend(mix_values);
    let bus = super::bus::edits(project, plan)?;
    let mut removal = super::remove::edits(project, plan);
    // Edits inside replaced or deleted elements are moot (a connection that goes, a value of
    // a removed route): the enclosing edit decides.
    let inside = |e: &Edit, outer: &[Edit]| {
        outer.iter().any(|s| {
            s.range.start < s.range.end
                && s.range.start <= e.range.start
                && e.range.end <= s.range.end
                && s.range != e.range
        })
    };
    removal.retain(|e| !inside(e, &bus.structural));
    let mut structural = bus.structural;
    structural.retain(|e| !inside(e, &removal));
    structural.extend(removal);
    structural.extend(mix_structural);
    edits.extend(bus.values);
    edits.retain(|e| !inside(e, &structural));
    edits.extend(structural);
    // A session written elsewhere: its search paths reach the media where it is.
    edits.extend(super::media::search_path_edits(xml, project.src, plan));

    Ok(splice_into(project.src, edits, out)?)
}

/// Ardour 2 port lists: `{Vocals/in 1,master/in 1}{Vocals/in 2}`; renames the route part.
fn rename_port_list(list: &str, renames: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(list.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if let Some((route, port)) = token.rsplit_once('/')
            && let Some(new) = renames.get(route)
        {
            out.push_str(new);
            out.push('/');
            out.push_str(port);
        } else {
            out.push_str(token);
        }
        token.clear();
    };
    for c in list.chars() {
        if matches!(c, '{' | '}' | ',') {
            flush(&mut token, &mut out);
            out.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ardour2_port_lists_rename_the_route_part_only() {
        let renames = HashMap::from([("Vocals".to_string(), "VOX".to_string())]);
        assert_eq!(
            rename_port_list("{Vocals/in 1,master/in 1}{Vocals/in 2}", &renames),
            "{VOX/in 1,master/in 1}{VOX/in 2}"
        );
    }
}
