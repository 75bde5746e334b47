//! Buses, the way Ardour's own "add new subgroup bus" makes them (`RouteGroup::make_subgroup`):
//! - a **route group** named like the bus, with the bus colour, holds the member routes (not
//!   the bus); a member leaves any other group (a route is in one group at most);
//! - an **audio bus route** of that name, with two inputs and two outputs, whose outputs feed
//!   the master (or, when the bus is itself inside a bus, that bus);
//! - every member's audio outputs are **disconnected from everything** and connected to the
//!   bus inputs instead (output `k` to bus input `k` mod the bus's input count), as Ardour's
//!   subgroup does; the other side's `Connection`s naming the member's outputs go too.
//!
//! An existing bus route of that name (and an existing group) is reused. New objects take ids
//! from `id-counter` upwards and `id-counter` is raised past them, so the same input gives the
//! same output. The new route copies the XML Ardour 7.3 writes for `Session:new_audio_route`
//! (session format 7002), so new buses are only written into 7000+ sessions; `vet` refuses
//! bus changes elsewhere. `PresentationInfo@order` of every route is set to its position in
//! [`crate::plan::Plan::layout`], which is how the bus comes before its members on reading.

use super::ArdourProject;
use super::read::{RouteKind, rgba_of};
use super::xml::{XmlDoc, escape};
use crate::edit::Edit;
use crate::formats::FormatError;
use crate::plan::{Action, Plan, Slot};
use crate::session::Rgb;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Sessions that get new bus routes: Ardour 7+ (`Session@version` 7000 and up).
pub const MIN_VERSION: u32 = 7000;

/// Edits that make the plan's buses: `(structural, values)`. Structural edits replace whole
/// elements or element contents; value edits of other passes that fall inside them are moot.
pub(super) struct BusEdits {
    pub structural: Vec<Edit>,
    pub values: Vec<Edit>,
}

fn line_start(src: &[u8], at: usize) -> usize {
    src[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1)
}

fn indent_of(src: &[u8], at: usize) -> String {
    let start = line_start(src, at);
    String::from_utf8_lossy(&src[start..at]).into_owned()
}

/// The whole line holding an element (leading indent and line ending included) when the
/// element sits alone on its line; else the element itself.
fn element_line(src: &[u8], range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let start = line_start(src, range.start);
    let alone_before = src[start..range.start]
        .iter()
        .all(|b| b.is_ascii_whitespace());
    let mut end = range.end;
    while end < src.len() && matches!(src[end], b' ' | b'\t' | b'\r') {
        end += 1;
    }
    if alone_before && end < src.len() && src[end] == b'\n' {
        start..end + 1
    } else {
        range
    }
}

/// Where the end tag of a non-empty element starts (the start of its line when alone).
fn end_tag_line(src: &[u8], xml: &XmlDoc, el: usize) -> usize {
    let e = &xml.elements[el];
    let lt = src[..e.end]
        .iter()
        .rposition(|&b| b == b'<')
        .unwrap_or(e.end);
    let ls = line_start(src, lt);
    if src[ls..lt].iter().all(|b| b.is_ascii_whitespace()) && ls > e.tag.end {
        ls
    } else {
        lt
    }
}

/// Adds `children` (complete lines, each ending in `\n`) at the end of element `el`.
fn append_children(src: &[u8], xml: &XmlDoc, el: usize, children: &str) -> Edit {
    let e = &xml.elements[el];
    if e.is_empty_tag() {
        let indent = indent_of(src, e.tag.start);
        let tag_name = &e.name;
        Edit::replace(
            e.tag.end - 2..e.tag.end,
            format!(">\n{children}{indent}</{tag_name}>"),
        )
    } else {
        let at = end_tag_line(src, xml, el);
        if at == line_start(src, at) {
            Edit::insert(at, children.to_string())
        } else {
            Edit::insert(at, format!("\n{children}"))
        }
    }
}

struct Allocator {
    next: u64,
}

impl Allocator {
    fn id(&mut self) -> u64 {
        self.next += 1;
        self.next - 1
    }
}

/// The bus route Ardour 7.3 writes for `new_audio_route(2, 2, …, AudioBus)`.
#[allow(clippy::too_many_arguments)]
fn bus_route_xml(
    ids: &mut Allocator,
    version: &str,
    name: &str,
    order: usize,
    color: u32,
    group: &str,
    inputs: &[Vec<String>],
    outputs: &[Vec<String>],
    ind: &str,
) -> String {
    let n = escape(name);
    let g = escape(group);
    let i1 = format!("{ind}  ");
    let i2 = format!("{ind}    ");
    let i3 = format!("{ind}      ");
    let route = ids.id();
    let mut id = || ids.id();
    let ports = |dir: &str, kind: &str, conns: &[Vec<String>], io_id: u64| {
        let mut s = format!(
            "{i1}<IO name=\"{n}\" id=\"{io_id}\" direction=\"{dir}\" default-type=\"audio\">\n"
        );
        for (k, c) in conns.iter().enumerate() {
            let pname = format!("{n}/audio_{kind} {}", k + 1);
            if c.is_empty() {
                s += &format!("{i2}<Port type=\"audio\" name=\"{pname}\"/>\n");
            } else {
                s += &format!("{i2}<Port type=\"audio\" name=\"{pname}\">\n");
                for other in c {
                    s += &format!("{i3}<Connection other=\"{}\"/>\n", escape(other));
                }
                s += &format!("{i2}</Port>\n");
            }
        }
        s += &format!("{i1}</IO>\n");
        s
    };
    let (solo, solo_iso, solo_safe) = (id(), id(), id());
    let (in_io, out_io) = (id(), id());
    let (mute, phase) = (id(), id());
    let (l_solo, l_iso, l_safe, l_mute, l_phase) = (id(), id(), id(), id(), id());
    let pan: Vec<u64> = (0..10).map(|_| id()).collect();
    let (ret, pol, trim, trim_list, trim_ctl) = (id(), id(), id(), id(), id());
    let (amp, gain_list, gain_ctl, meter, outs) = (id(), id(), id(), id(), id());
    let mut s = format!(
        "{ind}<Route version=\"{version}\" id=\"{route}\" name=\"{n}\" default-type=\"audio\" strict-io=\"0\" active=\"1\" denormal-protection=\"0\" meter-point=\"MeterPostFader\" disk-io-point=\"DiskIOPreFader\" meter-type=\"MeterPeak\" route-group=\"{g}\">\n"
    );
    s += &format!(
        "{i1}<PresentationInfo order=\"{order}\" flags=\"AudioBus,OrderSet\" color=\"{color}\"/>\n"
    );
    s += &format!(
        "{i1}<Controllable name=\"solo\" id=\"{solo}\" flags=\"Toggle,RealTime\" value=\"0\" self-solo=\"0\" soloed-by-upstream=\"0\" soloed-by-downstream=\"0\"/>\n"
    );
    s += &format!(
        "{i1}<Controllable name=\"solo-iso\" id=\"{solo_iso}\" flags=\"Toggle,RealTime\" value=\"0\" solo-isolated=\"0\"/>\n"
    );
    s += &format!(
        "{i1}<Controllable name=\"solo-safe\" id=\"{solo_safe}\" flags=\"Toggle\" value=\"0\" solo-safe=\"0\"/>\n"
    );
    s += &ports("Input", "in", inputs, in_io);
    s += &ports("Output", "out", outputs, out_io);
    s += &format!("{i1}<MuteMaster mute-point=\"PostFader,Listen,Main\" muted=\"0\"/>\n");
    s += &format!(
        "{i1}<Controllable name=\"mute\" id=\"{mute}\" flags=\"Toggle,RealTime\" value=\"0\"/>\n"
    );
    s += &format!(
        "{i1}<Controllable name=\"phase\" id=\"{phase}\" flags=\"Toggle\" value=\"0\" phase-invert=\"00\"/>\n"
    );
    s += &format!("{i1}<Automation>\n");
    for (what, lid) in [
        ("solo", l_solo),
        ("solo-iso", l_iso),
        ("solo-safe", l_safe),
        ("mute", l_mute),
        ("phase", l_phase),
    ] {
        s += &format!(
            "{i2}<AutomationList automation-id=\"{what}\" id=\"{lid}\" interpolation-style=\"Discrete\" time-domain=\"AudioTime\" state=\"Off\"/>\n"
        );
    }
    s += &format!("{i1}</Automation>\n{i1}<Pannable>\n");
    let pan_names = [
        "pan-azimuth",
        "pan-width",
        "pan-elevation",
        "pan-frontback",
        "pan-lfe",
    ];
    let pan_values = ["0.5", "0", "0", "0", "0"];
    for (k, (p, v)) in pan_names.iter().zip(pan_values).enumerate() {
        s += &format!(
            "{i2}<Controllable name=\"{p}\" id=\"{}\" flags=\"\" value=\"{v}\"/>\n",
            pan[k]
        );
    }
    s += &format!("{i2}<Automation>\n");
    for (k, p) in [
        "pan-azimuth",
        "pan-elevation",
        "pan-width",
        "pan-frontback",
        "pan-lfe",
    ]
    .iter()
    .enumerate()
    {
        s += &format!(
            "{i3}<AutomationList automation-id=\"{p}\" id=\"{}\" interpolation-style=\"Linear\" time-domain=\"BeatTime\" state=\"Off\"/>\n",
            pan[5 + k]
        );
    }
    s += &format!("{i2}</Automation>\n{i1}</Pannable>\n");
    s += &format!(
        "{i1}<Processor id=\"{ret}\" name=\"Return\" active=\"1\" user-latency=\"0\" use-user-latency=\"0\" type=\"intreturn\"/>\n"
    );
    s += &format!(
        "{i1}<Processor id=\"{pol}\" name=\"Polarity\" active=\"1\" user-latency=\"0\" use-user-latency=\"0\" type=\"polarity\"/>\n"
    );
    s += &format!(
        "{i1}<Processor id=\"{trim}\" name=\"Amp\" active=\"1\" user-latency=\"0\" use-user-latency=\"0\" type=\"trim\">\n"
    );
    s += &format!(
        "{i2}<Automation>\n{i3}<AutomationList automation-id=\"trim\" id=\"{trim_list}\" interpolation-style=\"Logarithmic\" time-domain=\"AudioTime\" state=\"Off\"/>\n{i2}</Automation>\n"
    );
    s += &format!(
        "{i2}<Controllable name=\"trimcontrol\" id=\"{trim_ctl}\" flags=\"GainLike\" value=\"1\"/>\n{i1}</Processor>\n"
    );
    s += &format!(
        "{i1}<Processor id=\"{amp}\" name=\"Amp\" active=\"1\" user-latency=\"0\" use-user-latency=\"0\" type=\"amp\">\n"
    );
    s += &format!(
        "{i2}<Automation>\n{i3}<AutomationList automation-id=\"gain\" id=\"{gain_list}\" interpolation-style=\"Exponential\" time-domain=\"AudioTime\" state=\"Off\"/>\n{i2}</Automation>\n"
    );
    s += &format!(
        "{i2}<Controllable name=\"gaincontrol\" id=\"{gain_ctl}\" flags=\"GainLike\" value=\"1\"/>\n{i1}</Processor>\n"
    );
    s += &format!(
        "{i1}<Processor id=\"{meter}\" name=\"meter-{n}\" active=\"1\" user-latency=\"0\" use-user-latency=\"0\" type=\"meter\"/>\n"
    );
    s += &format!(
        "{i1}<Processor id=\"{outs}\" name=\"{n}\" active=\"1\" user-latency=\"0\" use-user-latency=\"0\" own-input=\"1\" own-output=\"0\" output=\"{n}\" type=\"main-outs\" role=\"Main\">\n"
    );
    s += &format!(
        "{i2}<PannerShell bypassed=\"0\" user-panner=\"\" linked-to-route=\"1\"/>\n{i1}</Processor>\n"
    );
    s += &format!("{i1}<Slavable/>\n{ind}</Route>\n");
    s
}

fn route_group_xml(id: u64, name: &str, color: Option<Rgb>, members: &str, ind: &str) -> String {
    let rgba = color.map_or(0, rgba_of);
    format!(
        "{ind}<RouteGroup id=\"{id}\" rgba=\"{rgba}\" used-to-share-gain=\"0\" name=\"{}\" hidden=\"0\" active=\"1\" relative=\"1\" gain=\"1\" mute=\"1\" solo=\"1\" recenable=\"1\" select=\"1\" route-active=\"1\" color=\"1\" monitoring=\"1\" group-master-number=\"-1\" routes=\"{members}\"/>\n",
        escape(name)
    )
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
            .map_or_else(|| doc.routes[route].name.clone(), |s| s.to_string())
    };
    let routes_elem = doc.routes_elem.ok_or_else(|| internal("no <Routes>"))?;
    let route_version = xml.elements[doc.routes[0].elem]
        .get("version")
        .unwrap_or("7002")
        .to_string();
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

    // New bus routes.
    let mut new_bus_routes = String::new();
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
        new_bus_routes += &bus_route_xml(
            &mut ids,
            &route_version,
            &bus.name,
            slot,
            color,
            &bus.name,
            &inputs,
            &outputs,
            &route_indent,
        );
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

    // Presentation order: every route at its layout position.
    for (slot, s) in layout.slots.iter().enumerate() {
        let Slot::Track(t) = *s else { continue };
        let route = doc.track_routes[t];
        let pi = xml
            .child_named(doc.routes[route].elem, "PresentationInfo")
            .ok_or_else(|| internal("route without PresentationInfo"))?;
        let a = xml.elements[pi]
            .attr("order")
            .ok_or_else(|| internal("PresentationInfo without order"))?;
        if a.value != slot.to_string() {
            out.values
                .push(Edit::replace(a.span.clone(), slot.to_string()));
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
            .clone()
            .ok_or_else(|| internal("route without id"))?;
        let entry = wanted.entry(name).or_insert((color, Vec::new()));
        entry.1.push(id);
    }
    let moved_ids: BTreeSet<&str> = wanted
        .values()
        .flat_map(|(_, ids)| ids.iter().map(String::as_str))
        .collect();
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
        new_groups += &route_group_xml(ids.id(), name, *color, &text, &group_indent);
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
