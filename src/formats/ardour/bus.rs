//! Buses, the way Ardour's own "add new subgroup bus" makes them (`RouteGroup::make_subgroup`):
//! - a **route group** named like the bus, with the bus colour, holds the member routes (not
//!   the bus); a member leaves any other group (a route is in one group at most);
//! - an **audio bus route** of that name, with two inputs and two outputs, whose outputs feed
//!   the master (or, when the bus is itself inside a bus, that bus);
//! - every member's audio outputs are **disconnected from everything** and connected to the
//!   bus inputs instead (output `k` to bus input `k` mod the bus's input count), as Ardour's
//!   subgroup does; the other side's `Connection`s naming the member's outputs go too.
//!
//! An existing bus route of that name (and an existing group) is reused. Filing tracks into an
//! existing bus (one made by hand: tracks feed it by their outputs, with no route group) gives
//! it the group too, holding every route that feeds it: the moved ones and those that fed it
//! before, except a route already in another group (premix never takes a route out of a group
//! it does not move). New objects take ids from `id-counter` upwards and `id-counter` is raised
//! past them, so the same input gives the same output. The new route and group are spelled as
//! the session's Ardour version writes them ([`super::bus_xml`]: Ardour 3–4, 5, 6 and 7
//! sessions, proved by loading in Ardour 7.3 the outputs of the 3001, 5990, 6000 and 7002
//! corpus sessions and of Ardour 5 (3002) sessions built in Ardour 5's spelling,
//! `tests/interop/ardour`).
//! Route order is rewritten in the file's own spelling (`PresentationInfo@order`,
//! `order-keys`, `order-key`) only where it must change ([`super::order`]): the routes the
//! plan leaves where they are keep their place in Ardour's order, a moved route joins its new
//! siblings, a new bus takes its first member's place; on reading, each bus is followed by its
//! members in that order, which is what [`crate::plan::Plan::layout`] predicts.
//!
//! Not written (refused by `vet` with a note, [`unsupported_reason`]): Ardour 2 sessions
//! (2.0.0). Ardour 7.3 loads Ardour 2 `EditGroup`/`MixGroup` elements but puts no route in
//! them, whichever way a route names its group (`edit-group`, `mix-group`, `route-group`: the
//! interop suite's `fact` case loads exactly that probe), so a bus made there would lose the
//! group holding its members in any Ardour that can be run to prove it (Ardour 2 itself does
//! not build on current systems).

use super::ArdourProject;
use super::bus_xml::{Allocator, Dialect, NewBus, OrderSpelling, bus_route_xml, route_group_xml};
use super::lines::{append_children, element_line, end_tag_line, indent_of, line_start};
use super::order;
use super::read::{ArdourDoc, OrderSpot, RouteKind, rgb16_of, rgba_of};
use super::xml::escape;
use crate::edit::Edit;
use crate::formats::FormatError;
use crate::plan::{Action, Plan, Slot};
use crate::session::Rgb;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Edits that make the plan's buses: `(structural, values)`. Structural edits replace whole
/// elements or element contents; value edits of other passes that fall inside them are moot.
pub(super) struct BusEdits {
    pub structural: Vec<Edit>,
    pub values: Vec<Edit>,
}

/// Why buses cannot be written into `doc` (when [`Dialect::of_version`] or the file's
/// structure rules them out).
pub fn unsupported_reason(doc: &ArdourDoc) -> String {
    if doc.version == 2000 {
        "buses are not written into sessions of format 2.0.0 (Ardour 2): a bus's route group \
         would be an Ardour 2 edit or mix group, which Ardour 3 and later (7.3 tested) load \
         with no member, so the bus would lose the group holding its members"
            .to_string()
    } else if Dialect::of_version(doc.version).is_none() {
        format!(
            "buses are not written into sessions of format {}: premix knows how Ardour 3 to 8 \
             spell a bus (formats 3.0.0 and 3001 and later)",
            doc.version
        )
    } else {
        "the session has no <RouteGroups>, id-counter or routes to build a bus from".to_string()
    }
}

/// True when the plan regroups anything.
pub fn plan_has_buses(plan: &Plan) -> bool {
    !plan.new_buses.is_empty()
        || plan
            .changes
            .iter()
            .any(|c| matches!(c.action, Action::MoveToBus { .. }))
}

pub(super) fn edits(project: &ArdourProject<'_>, plan: &Plan) -> Result<BusEdits, FormatError> {
    let mut out = BusEdits {
        structural: Vec::new(),
        values: Vec::new(),
    };
    if !plan_has_buses(plan) {
        return Ok(out);
    }
    let src = project.src;
    let doc = &project.doc;
    let xml = &doc.xml;
    let session = &project.session;
    let internal = |m: &str| FormatError::whole(format!("internal error: {m}"));
    let layout = plan.layout(session);
    let renames = plan.renames();
    let final_name = |route: usize| -> String {
        doc.track_routes
            .iter()
            .position(|&r| r == route)
            .and_then(|t| renames.get(&t))
            .map_or_else(|| doc.routes[route].name.to_string(), |s| s.to_string())
    };
    let routes_elem = doc.routes_elem.ok_or_else(|| internal("no <Routes>"))?;
    let dialect = Dialect::of_version(doc.version)
        .ok_or_else(|| internal("buses in an unsupported version"))?;
    let route_version = xml.elements[doc.routes[0].elem]
        .get("version")
        .unwrap_or("7002")
        .to_string();
    // A new Ardour 3-4 route spells its order like the file's master (or first) route does.
    let model = doc
        .routes
        .iter()
        .find(|r| r.kind == RouteKind::Master)
        .unwrap_or(&doc.routes[0]);
    let order_spelling = match &model.order_spot {
        Some(OrderSpot::Keys { keys, .. }) if !keys.is_empty() => OrderSpelling::Keys(keys.clone()),
        _ => OrderSpelling::Key,
    };
    let meter_type = xml.elements[model.elem].get("meter-type").is_some();
    let route_indent = indent_of(src, xml.elements[doc.routes[0].elem].tag.start);
    let counter_attr = xml
        .root()
        .attr("id-counter")
        .ok_or_else(|| internal("no id-counter"))?;
    let mut ids = Allocator {
        next: counter_attr.value.trim().parse().unwrap_or(0),
    };
    let start_counter = ids.next;
    let master = doc.routes.iter().position(|r| r.kind == RouteKind::Master);

    // Port helpers.
    let port_elems = |route: usize, direction: &str| -> Vec<usize> {
        doc.routes[route]
            .ios
            .iter()
            .filter(|&&io| xml.elements[io].get("direction") == Some(direction))
            .flat_map(|&io| xml.children_named(io, "Port").collect::<Vec<_>>())
            .filter(|&p| xml.elements[p].get("type") == Some("audio"))
            .collect()
    };
    let renamed_port = |route: usize, port: &str| -> String {
        let old = &doc.routes[route].name;
        match port
            .strip_prefix(old.as_str())
            .and_then(|r| r.strip_prefix('/'))
        {
            Some(rest) => format!("{}/{rest}", final_name(route)),
            None => port.to_string(),
        }
    };

    // Which route (or new bus) each slot is, and each slot's bus target inputs.
    let new_bus_names: Vec<String> = plan.new_buses.iter().map(|b| b.name.clone()).collect();
    let slot_route = |slot: usize| match layout.slots[slot] {
        Slot::Track(t) => Some(doc.track_routes[t]),
        Slot::NewBus(_) => None,
    };
    // Input port names (final) of a slot that is a bus.
    let bus_inputs = |slot: usize| -> Vec<String> {
        match layout.slots[slot] {
            Slot::Track(t) => {
                let r = doc.track_routes[t];
                port_elems(r, "Input")
                    .iter()
                    .filter_map(|&p| xml.elements[p].get("name"))
                    .map(|n| renamed_port(r, n))
                    .collect()
            }
            Slot::NewBus(k) => (1..=2)
                .map(|i| format!("{}/audio_in {i}", new_bus_names[k]))
                .collect(),
        }
    };
    let master_inputs: Vec<(usize, String)> = master
        .map(|m| {
            port_elems(m, "Input")
                .into_iter()
                .filter_map(|p| xml.elements[p].get("name").map(|n| (p, n.to_string())))
                .collect()
        })
        .unwrap_or_default();

    // Routes that change bus: every slot whose parent differs from what was read.
    let positions = layout.new_positions(session.tracks.len());
    let mut moved: Vec<(usize, usize)> = Vec::new(); // (route, new parent slot)
    let mut moved_to_top: Vec<usize> = Vec::new();
    for (t, pos) in positions.iter().enumerate() {
        let Some(slot) = *pos else { continue };
        let old_parent_route = session.tracks[t].parent.map(|p| doc.track_routes[p]);
        let new_parent = layout.parents[slot];
        let new_parent_route = new_parent.and_then(slot_route);
        let changed = match (new_parent, old_parent_route) {
            (None, None) => false,
            (Some(_), None) | (None, Some(_)) => true,
            (Some(_), Some(old)) => new_parent_route != Some(old),
        };
        if changed {
            match new_parent {
                Some(p) => moved.push((doc.track_routes[t], p)),
                None => moved_to_top.push(doc.track_routes[t]),
            }
        }
    }
    if !moved_to_top.is_empty() {
        return Err(internal("a route would leave its bus"));
    }
    // Ardour's new order: routes left where they are keep their place ([`super::order`]).
    let moved_routes: HashSet<usize> = moved.iter().map(|&(r, _)| r).collect();
    let orders = order::new_orders(doc, &layout, &moved_routes);
    let new_bus_order = |k: usize| {
        orders
            .iter()
            .find(|(item, _)| *item == order::Item::NewBus(k))
            .map_or(0, |(_, n)| *n)
    };

    // Connections: member outputs to their new bus; the bus inputs list them.
    let mut moved_outputs: BTreeSet<String> = BTreeSet::new(); // old port names
    let mut feeds_of_slot: BTreeMap<usize, Vec<Vec<String>>> = BTreeMap::new();
    for &(route, parent_slot) in &moved {
        let inputs = bus_inputs(parent_slot);
        if inputs.is_empty() {
            return Err(internal("a bus has no audio inputs"));
        }
        let child_indent_extra = "  ";
        for (k, port) in port_elems(route, "Output").into_iter().enumerate() {
            let pe = &xml.elements[port];
            let Some(pname) = pe.get("name") else {
                continue;
            };
            moved_outputs.insert(pname.to_string());
            let target = &inputs[k % inputs.len()];
            let indent = indent_of(src, pe.tag.start);
            let content = format!(
                "{indent}{child_indent_extra}<Connection other=\"{}\"/>\n",
                escape(target)
            );
            if pe.is_empty_tag() {
                out.structural.push(Edit::replace(
                    pe.tag.end - 2..pe.tag.end,
                    format!(">\n{content}{indent}</Port>"),
                ));
            } else {
                let end = end_tag_line(src, xml, port);
                out.structural.push(Edit::replace(
                    pe.tag.end..end,
                    if end == line_start(src, end) {
                        format!("\n{content}")
                    } else {
                        format!("\n{content}{indent}")
                    },
                ));
            }
            let feeds = feeds_of_slot.entry(parent_slot).or_default();
            let idx = k % inputs.len();
            if feeds.len() < inputs.len() {
                feeds.resize(inputs.len(), Vec::new());
            }
            feeds[idx].push(renamed_port(route, pname));
        }
    }
    // The other side: connections naming a moved output go (except inside moved ports, whose
    // contents are replaced wholesale above).
    let moved_port_elems: BTreeSet<usize> = moved
        .iter()
        .flat_map(|&(r, _)| port_elems(r, "Output"))
        .collect();
    for (i, el) in xml.elements.iter().enumerate() {
        if &*el.name != "Connection" {
            continue;
        }
        if el.parent.is_some_and(|p| moved_port_elems.contains(&p)) {
            continue;
        }
        if el.get("other").is_some_and(|o| moved_outputs.contains(o)) {
            out.structural
                .push(Edit::delete(element_line(src, xml.elements[i].range())));
        }
    }
    // Lines to append to input ports of existing routes: new members of existing buses, and
    // new buses' outputs (into the master or an enclosing bus). One edit per port.
    let mut appended: BTreeMap<usize, String> = BTreeMap::new();
    let mut append = |pe: usize, other: &str| {
        let indent = indent_of(src, xml.elements[pe].tag.start);
        appended.entry(pe).or_default().push_str(&format!(
            "{indent}  <Connection other=\"{}\"/>\n",
            escape(other)
        ));
    };
    for (&slot, feeds) in &feeds_of_slot {
        let Some(route) = slot_route(slot) else {
            continue;
        };
        for (k, port) in port_elems(route, "Input").into_iter().enumerate() {
            for other in feeds.get(k).into_iter().flatten() {
                append(port, other);
            }
        }
    }

    // New bus routes. Ardour 5 numbers returns (`bitslot`, from 1: the first bus of the VPO
    // template has bitslot 1): new ones take numbers after every number in use.
    let next_bitslot = xml
        .elements
        .iter()
        .filter(|e| &*e.name == "Processor")
        .filter_map(|e| e.get("bitslot")?.trim().parse::<u32>().ok())
        .max()
        .map_or(1, |m| m + 1);
    let mut new_bus_routes = String::new();
    let mut new_gui_colors: Vec<(u64, Rgb)> = Vec::new(); // Ardour 3-4 bus colours
    let mut bus_output_feeds: Vec<(usize, Vec<(usize, String)>)> = Vec::new(); // to existing routes' inputs
    for (slot, s) in layout.slots.iter().enumerate() {
        let Slot::NewBus(k) = *s else { continue };
        let bus = &plan.new_buses[k];
        let outputs_to: Vec<(usize, String)> = match layout.parents[slot] {
            Some(p) => {
                let route = slot_route(p).ok_or_else(|| internal("a new bus inside a new bus"))?;
                port_elems(route, "Input")
                    .iter()
                    .filter_map(|&pe| {
                        xml.elements[pe]
                            .get("name")
                            .map(|n| (pe, renamed_port(route, n)))
                    })
                    .collect()
            }
            None => master_inputs
                .iter()
                .map(|(pe, n)| (*pe, n.clone()))
                .collect(),
        };
        let outputs: Vec<Vec<String>> = (0..2)
            .map(|i| {
                if outputs_to.is_empty() {
                    Vec::new()
                } else {
                    vec![outputs_to[i % outputs_to.len()].1.clone()]
                }
            })
            .collect();
        let mut inputs = feeds_of_slot.get(&slot).cloned().unwrap_or_default();
        inputs.resize(2, Vec::new());
        let color = bus.color.map_or(0, rgba_of);
        let route_id = ids.next;
        new_bus_routes += &bus_route_xml(
            dialect,
            &mut ids,
            &NewBus {
                name: &bus.name,
                order: usize::try_from(new_bus_order(k)).unwrap_or(0),
                color,
                group: &bus.name,
                inputs: &inputs,
                outputs: &outputs,
                indent: &route_indent,
                route_version: &route_version,
                order_spelling: &order_spelling,
                meter_type,
                return_bitslot: next_bitslot + k as u32,
            },
        );
        if let Some(c) = bus.color {
            new_gui_colors.push((route_id, c));
        }
        let mut back: Vec<(usize, String)> = Vec::new();
        for i in 0..2 {
            if !outputs_to.is_empty() {
                back.push((
                    outputs_to[i % outputs_to.len()].0,
                    format!("{}/audio_out {}", bus.name, i + 1),
                ));
            }
        }
        bus_output_feeds.push((slot, back));
    }
    for (_, back) in &bus_output_feeds {
        for (pe, other) in back {
            append(*pe, other);
        }
    }
    for (pe, lines) in appended {
        out.structural.push(append_children(src, xml, pe, &lines));
    }
    if !new_bus_routes.is_empty() {
        out.structural
            .push(append_children(src, xml, routes_elem, &new_bus_routes));
    }

    // Ardour 3-4 keep route colours in GUIObjectState: a new bus's colour goes there too.
    if dialect == Dialect::Ardour3 && !new_gui_colors.is_empty() {
        let gui = xml
            .elements
            .iter()
            .position(|e| &*e.name == "GUIObjectState");
        if let Some(gui) = gui {
            let first = xml.elements[gui].children.first().copied();
            let indent = first.map_or_else(
                || format!("{}  ", indent_of(src, xml.elements[gui].tag.start)),
                |c| indent_of(src, xml.elements[c].tag.start),
            );
            let lines: String = new_gui_colors
                .iter()
                .map(|(id, c)| {
                    format!(
                        "{indent}<Object id=\"route {id}\" color=\"{}\"/>\n",
                        rgb16_of(*c)
                    )
                })
                .collect();
            out.structural.push(append_children(src, xml, gui, &lines));
        }
    }

    // Presentation order: the routes whose number changes, in the file's own spelling.
    for &(item, number) in &orders {
        let order::Item::Route(r) = item else {
            continue;
        };
        let route = &doc.routes[r];
        if number == route.order {
            continue;
        }
        let slot = usize::try_from(number).unwrap_or(0);
        let tag = &xml.elements[route.elem];
        let (span, value) = match &route.order_spot {
            Some(OrderSpot::Presentation(span)) | Some(OrderSpot::Key(span)) => {
                (span.clone(), slot.to_string())
            }
            Some(OrderSpot::Keys { span, keys }) => {
                let v: Vec<String> = keys.iter().map(|k| format!("{k}={slot}")).collect();
                (span.clone(), v.join(":"))
            }
            None if dialect == Dialect::Ardour3 => {
                // A route with no order attribute gets one (inserted before the tag's end).
                let attr = order_spelling.attribute(slot);
                let at = if xml.elements[route.elem].is_empty_tag() {
                    tag.tag.end - 2
                } else {
                    tag.tag.end - 1
                };
                out.values.push(Edit::insert(at, attr));
                continue;
            }
            None => return Err(internal("route without PresentationInfo order")),
        };
        if src[span.clone()] != *value.as_bytes() {
            out.values.push(Edit::replace(span, value));
        }
    }

    // Route groups.
    let groups_elem = xml
        .child_named(0, "RouteGroups")
        .ok_or_else(|| internal("no <RouteGroups>"))?;
    let groups: Vec<usize> = xml.children_named(groups_elem, "RouteGroup").collect();
    let group_members = |g: usize| -> Vec<String> {
        xml.elements[g]
            .get("routes")
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    // bus slot -> (group name, colour, member route ids)
    let mut wanted: BTreeMap<String, (Option<Rgb>, Vec<String>)> = BTreeMap::new();
    let recolors = plan.recolors();
    for &(route, parent_slot) in &moved {
        let (name, color) = match layout.slots[parent_slot] {
            Slot::NewBus(k) => (plan.new_buses[k].name.clone(), plan.new_buses[k].color),
            Slot::Track(t) => {
                let r = doc.track_routes[t];
                let color = recolors.get(&t).copied().or(doc.routes[r].color);
                (final_name(r), color)
            }
        };
        let id = doc.routes[route]
            .id
            .as_deref()
            .map(str::to_string)
            .ok_or_else(|| internal("route without id"))?;
        let entry = wanted.entry(name).or_insert((color, Vec::new()));
        entry.1.push(id);
    }
    let moved_ids: BTreeSet<String> = wanted
        .values()
        .flat_map(|(_, ids)| ids.iter().cloned())
        .collect();
    // A bus that tracks fed before (made by hand, without a group) gets those members into
    // its group too, unless they are in another group already: the group holds every route
    // that feeds the bus, and premix never takes a route out of a group it does not move.
    let grouped: HashSet<&str> = groups
        .iter()
        .flat_map(|&g| {
            xml.elements[g]
                .get("routes")
                .unwrap_or("")
                .split_whitespace()
        })
        .collect();
    let destinations: BTreeSet<usize> = moved.iter().map(|&(_, slot)| slot).collect();
    for slot in destinations {
        let Slot::Track(t) = layout.slots[slot] else {
            continue;
        };
        let name = final_name(doc.track_routes[t]);
        let staying: Vec<String> = (0..layout.slots.len())
            .filter(|&s| layout.parents[s] == Some(slot))
            .filter_map(|s| match layout.slots[s] {
                Slot::Track(member) => doc.routes[doc.track_routes[member]]
                    .id
                    .as_deref()
                    .map(str::to_string),
                Slot::NewBus(_) => None,
            })
            .filter(|id| !moved_ids.contains(id) && !grouped.contains(id.as_str()))
            .collect();
        if let Some(entry) = wanted.get_mut(&name) {
            entry.1.extend(staying);
        }
    }
    let mut existing_by_name: HashMap<String, usize> = HashMap::new();
    for &g in &groups {
        if let Some(n) = xml.elements[g].get("name") {
            existing_by_name.entry(n.to_string()).or_insert(g);
        }
    }
    for &g in &groups {
        let name = xml.elements[g].get("name").unwrap_or("");
        let members = group_members(g);
        let mut new_members: Vec<String> = members
            .iter()
            .filter(|m| !moved_ids.contains(m.as_str()))
            .cloned()
            .collect();
        if existing_by_name.get(name) == Some(&g)
            && let Some((_, ids)) = wanted.get(name)
        {
            for id in ids {
                if !new_members.contains(id) {
                    new_members.push(id.clone());
                }
            }
        }
        if new_members != members
            && let Some(a) = xml.elements[g].attr("routes")
        {
            let text: String = new_members.iter().map(|m| format!("{m} ")).collect();
            out.values.push(Edit::replace(a.span.clone(), text));
        }
    }
    let group_indent = format!("{}  ", indent_of(src, xml.elements[groups_elem].tag.start));
    let mut new_groups = String::new();
    for (name, (color, members)) in &wanted {
        if existing_by_name.contains_key(name) {
            continue;
        }
        let text: String = members.iter().map(|m| format!("{m} ")).collect();
        new_groups += &route_group_xml(dialect, ids.id(), name, *color, &text, &group_indent);
    }
    if !new_groups.is_empty() {
        out.structural
            .push(append_children(src, xml, groups_elem, &new_groups));
    }
    // Route@route-group follows the group (Ardour ignores it on load, but keeps it in step).
    for (name, (_, members)) in &wanted {
        for id in members {
            let Some(route) = doc.routes.iter().find(|r| r.id.as_deref() == Some(id)) else {
                continue;
            };
            let tag = &xml.elements[route.elem];
            match tag.attr("route-group") {
                Some(a) if a.value == *name => {}
                Some(a) => out.values.push(Edit::replace(a.span.clone(), escape(name))),
                None => out.values.push(Edit::insert(
                    tag.tag.end - 1,
                    format!(" route-group=\"{}\"", escape(name)),
                )),
            }
        }
    }

    if ids.next != start_counter {
        out.values.push(Edit::replace(
            counter_attr.span.clone(),
            ids.next.to_string(),
        ));
    }
    Ok(out)
}
