//! Removing routes, leaving the session the way Ardour's own "remove track"
//! (`Session::remove_routes`) leaves it after its save:
//! - the `<Route>` element goes, with everything inside it (IO, processors, its own sends,
//!   its diskstream in Ardour 3–4);
//! - every `<Connection>` elsewhere that names one of its ports goes (Ardour disconnects the
//!   route's inputs and outputs; sidechain ports inside it count too);
//! - other routes' aux sends to it (`Processor type="intsend" target=ID`) go, as
//!   `remove_routes` removes `internal_send_for` the route from every other route;
//! - it leaves its route group (`RouteGroup@routes`), as `RouteGroup::remove_when_going_away`
//!   does when the route drops its references;
//! - it leaves the editor/mixer selection (`<Selection>` children naming it), as
//!   `CoreSelection::remove_stripable_by_id` does.
//!
//! - its current playlist, when no other route plays it: an empty one goes, one with regions
//!   moves from `<Playlists>` to `<UnusedPlaylists>` (so no media reference is lost). Ardour
//!   7.3 does exactly this when it saves a session whose track is gone (pinned by a test on the
//!   corpus 6000 session).
//!
//! Kept: `GUIObjectState` entries (Ardour leaves stale GUI state; ids are never reused since
//! `id-counter` only grows), and the order values of the other routes, gap included (premix
//! renumbers only when it also regroups). Ardour 7.3 loads the gap and closes it itself when
//! it next saves (`PresentationInfo@order` and the trigger box `order` of later routes move
//! down), so premix does not touch those bytes.
//!
//! How this was established: 7.3's Lua has no `Session:remove_route(s)` to do it headless, so
//! the list above follows Ardour's `Session::remove_routes`; then Ardour 7.3 loaded and saved
//! both the original and premix's output of corpus sessions, and the two saves differ exactly
//! by what premix changed, apart from Ardour's own re-serialisation of the removed route and
//! that order gap.
//!
//! Ardour 2 sessions spell some of this apart from the route: its diskstream sits in
//! `<DiskStreams>` and connections are `inputs`/`outputs` lists on every IO (see
//! `ardour2_references`); group membership is on the route itself, so it goes with it.
//!
//! `vet` refuses removing a route that other routes' outputs feed (a bus or a summing track:
//! they would lose their path to the master).

use super::ArdourProject;
use super::lines::{append_children, element_line};
use super::xml::{XmlDoc, escape};
use crate::edit::Edit;
use crate::plan::{Action, Plan};
use std::collections::{BTreeSet, HashSet};

/// Routes (route indices) the plan removes.
pub(super) fn removed_routes(project: &ArdourProject<'_>, plan: &Plan) -> BTreeSet<usize> {
    plan.changes
        .iter()
        .filter(|c| matches!(c.action, Action::Remove))
        .map(|c| project.doc.track_routes[c.track])
        .collect()
}

/// Whole-element deletions and value edits that remove the plan's routes.
pub(super) fn edits(project: &ArdourProject<'_>, plan: &Plan) -> Vec<Edit> {
    let removed = removed_routes(project, plan);
    if removed.is_empty() {
        return Vec::new();
    }
    let src = project.src;
    let doc = &project.doc;
    let xml = &doc.xml;
    let mut out = Vec::new();

    let route_elems: HashSet<usize> = removed.iter().map(|&r| doc.routes[r].elem).collect();
    let ids: HashSet<&str> = removed
        .iter()
        .filter_map(|&r| doc.routes[r].id.as_deref())
        .collect();
    // Every port of the removed routes, sidechain inputs included.
    let ports: HashSet<&str> = route_elems
        .iter()
        .flat_map(|&e| xml.descendants(e))
        .filter(|&d| &*xml.elements[d].name == "Port")
        .filter_map(|d| xml.elements[d].get("name"))
        .collect();
    let inside_removed = |mut el: usize| loop {
        if route_elems.contains(&el) {
            return true;
        }
        match xml.elements[el].parent {
            Some(p) => el = p,
            None => return false,
        }
    };

    for &e in &route_elems {
        out.push(Edit::delete(element_line(src, xml.elements[e].range())));
    }
    for (i, el) in xml.elements.iter().enumerate() {
        let goes = match &*el.name {
            "Connection" => el.get("other").is_some_and(|o| ports.contains(o)),
            "Processor" => {
                el.get("type") == Some("intsend")
                    && el.get("target").is_some_and(|t| ids.contains(t))
            }
            _ => {
                el.parent
                    .is_some_and(|p| &*xml.elements[p].name == "Selection")
                    && el.get("stripable").is_some_and(|s| ids.contains(s))
            }
        };
        if goes && !inside_removed(i) {
            out.push(Edit::delete(element_line(src, el.range())));
        }
    }
    // Playlists no kept route plays: empty ones go, the others become unused playlists.
    let kept_playlists: HashSet<usize> = (0..doc.routes.len())
        .filter(|r| !removed.contains(r))
        .flat_map(|r| doc.routes[r].playlists.iter().copied())
        .collect();
    let unused_elem = xml.child_named(0, "UnusedPlaylists");
    let mut to_unused = String::new();
    let mut orphans: Vec<usize> = removed
        .iter()
        .flat_map(|&r| doc.routes[r].playlists.iter().copied())
        .filter(|p| !kept_playlists.contains(p))
        .collect();
    orphans.sort();
    orphans.dedup();
    for pl in orphans {
        let has_regions = xml.children_named(pl, "Region").next().is_some();
        if has_regions && unused_elem.is_none() {
            continue; // nowhere to keep it: it stays where it is
        }
        let lines = element_line(src, xml.elements[pl].range());
        if has_regions {
            to_unused.push_str(&String::from_utf8_lossy(&src[lines.clone()]));
            if !to_unused.ends_with('\n') {
                to_unused.push('\n');
            }
        }
        out.push(Edit::delete(lines));
    }
    if let Some(u) = unused_elem
        && !to_unused.is_empty()
    {
        out.push(append_children(src, xml, u, &to_unused));
    }

    if doc.version < 3000 {
        ardour2_references(project, &removed, &route_elems, &mut out);
    }
    collapse_emptied(xml, &mut out);

    if let Some(groups) = xml.child_named(0, "RouteGroups") {
        for g in xml.children_named(groups, "RouteGroup") {
            let Some(a) = xml.elements[g].attr("routes") else {
                continue;
            };
            let members: Vec<&str> = a.value.split_whitespace().collect();
            if members.iter().any(|m| ids.contains(m)) {
                // Ardour writes each id followed by a space.
                let kept: String = members
                    .iter()
                    .filter(|m| !ids.contains(*m))
                    .map(|m| format!("{m} "))
                    .collect();
                out.push(Edit::replace(a.span.clone(), kept));
            }
        }
    }
    out
}

/// A container left with no child elements becomes an empty tag (`<Playlists/>`): Ardour's XML
/// tree keeps whitespace as a child node, and `SessionPlaylists::load` refuses it ("cannot
/// create Playlist from XML description", seen when every track of a session is removed).
/// Ports are left as they are: a bus may add connections to them, and `IO::set_state` only
/// looks at `Connection` children.
fn collapse_emptied(xml: &XmlDoc, out: &mut Vec<Edit>) {
    // Deletions never overlap: sorted by start, the one that could hold an element is the
    // last one starting at or before it.
    let mut deletions: Vec<std::ops::Range<usize>> = out
        .iter()
        .filter(|d| d.content.is_empty())
        .map(|d| d.range.clone())
        .collect();
    deletions.sort_by_key(|r| r.start);
    let deleted: HashSet<usize> = xml
        .elements
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            let k = deletions.partition_point(|r| r.start <= e.tag.start);
            k > 0 && e.end <= deletions[k - 1].end
        })
        .map(|(i, _)| i)
        .collect();
    let mut collapsed: Vec<std::ops::Range<usize>> = Vec::new();
    let parents: BTreeSet<usize> = deleted
        .iter()
        .filter_map(|&c| xml.elements[c].parent)
        .filter(|p| !deleted.contains(p))
        .collect();
    for p in parents {
        let el = &xml.elements[p];
        if &*el.name == "Port" || el.children.iter().any(|c| !deleted.contains(c)) {
            continue;
        }
        collapsed.push(el.tag.end - 1..el.end);
    }
    out.retain(|d| {
        !collapsed
            .iter()
            .any(|c| c.start <= d.range.start && d.range.end <= c.end)
    });
    out.extend(collapsed.into_iter().map(|r| Edit::replace(r, "/>")));
}

/// Ardour 2 keeps a track's diskstream in `<DiskStreams>` (by `Route@diskstream-id`) and its
/// wiring in every IO's `inputs`/`outputs` lists (`{Vocal2/out 1,master/in 1}{…}`): the
/// diskstream goes, and the removed routes' ports leave every list (each `{…}` is one port of
/// that IO, so the braces stay, possibly empty, as Ardour 2 writes an unconnected port).
fn ardour2_references(
    project: &ArdourProject<'_>,
    removed: &BTreeSet<usize>,
    route_elems: &HashSet<usize>,
    out: &mut Vec<Edit>,
) {
    let src = project.src;
    let doc = &project.doc;
    let xml = &doc.xml;
    let names: HashSet<&str> = removed
        .iter()
        .map(|&r| doc.routes[r].name.as_str())
        .collect();
    let streams: HashSet<&str> = route_elems
        .iter()
        .filter_map(|&e| xml.elements[e].get("diskstream-id"))
        .collect();
    if let Some(d) = xml.child_named(0, "DiskStreams") {
        for ds in xml.elements[d].children.iter().copied() {
            if xml.elements[ds]
                .get("id")
                .is_some_and(|id| streams.contains(id))
            {
                out.push(Edit::delete(element_line(src, xml.elements[ds].range())));
            }
        }
    }
    for el in &xml.elements {
        let in_removed = route_elems
            .iter()
            .any(|&r| xml.elements[r].range().contains(&el.tag.start));
        if &*el.name != "IO" || in_removed {
            continue;
        }
        for attr in ["inputs", "outputs"] {
            let Some(a) = el.attr(attr) else { continue };
            let kept = drop_ports_of(&a.value, &names);
            if kept != a.value {
                out.push(Edit::replace(a.span.clone(), escape(&kept)));
            }
        }
    }
}

/// An Ardour 2 port list without the ports of the `routes` named (`NAME/in N`, `NAME/out N`).
fn drop_ports_of(list: &str, routes: &HashSet<&str>) -> String {
    let mut out = String::with_capacity(list.len());
    let mut rest = list;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let group = &rest[open + 1..open + close];
        let kept: Vec<&str> = group
            .split(',')
            .filter(|p| !p.is_empty())
            .filter(|p| !p.rsplit_once('/').is_some_and(|(r, _)| routes.contains(r)))
            .collect();
        out.push('{');
        out.push_str(&kept.join(","));
        out.push('}');
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ardour2_port_lists_lose_the_removed_routes_ports_and_keep_their_braces() {
        let gone = HashSet::from(["Vocal2"]);
        assert_eq!(
            drop_ports_of("{Vocal2/out 1,Vocal1/out 1}{Vocal2/out 2}", &gone),
            "{Vocal1/out 1}{}"
        );
        assert_eq!(
            drop_ports_of("{master/in 1}{master/in 2}", &gone),
            "{master/in 1}{master/in 2}"
        );
    }
}
