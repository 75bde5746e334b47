//! Reads the routes of an Ardour session out of the scanned XML, for every session version
//! seen (2.0.0, 3.0.0/3001, 3002 and 5990–7003; see `FORMATS.md` §3).
//!
//! What premix calls the session's tracks:
//! - **Tracks** are the routes of `Session/Routes` except the master and the monitor section.
//!   Hidden routes are included (they are real tracks the user hid, with media and wiring).
//! - **Order**: `PresentationInfo@order` (Ardour 5+), the first `order-keys` value (2.0, 3.x)
//!   or `order-key` (Ardour 4), else file order; ties keep file order. Then every bus is
//!   followed by the routes it sums (see parents), the way a folder is shown, so that the
//!   order premix reports is also what [`crate::plan::Plan::layout`] predicts.
//! - **Parent**: the bus route (audio or MIDI bus, not master/monitor) that the route's output
//!   ports feed, i.e. one of its output `Connection@other`s (Ardour 2: the IO `outputs` list)
//!   names an input port of that bus. When a route feeds several buses the first connection
//!   wins. Route groups are membership only and do not make a parent.
//! - **Kind**: audio/MIDI track from the flags (or `Diskstream` / `diskstream-id` before 5);
//!   a bus that sums routes is a bus, a bus only fed by aux sends is a return, a route flagged
//!   `FoldbackBus` is a foldback bus (fed by foldback sends; listed after the other routes,
//!   as Ardour's mixer shows them apart: `../shared/cases/ardour-foldback`, Ardour 7.3).
//! - **Colour**: `PresentationInfo@color` RGBA (0 = none) in 5+; `GUIObjectState`
//!   `<Object id="route ID" color="r:g:b">` (16-bit channels) in 3.x; `<GUI color=…>` in 2.0.
//! - **Media**: regions of the route's current playlist(s) and the names of their sources.
//!
//! What a route keeps of the document's text (its id, port names, connections) borrows the
//! session's bytes like the scanned values ([`super::xml`]); its name is made once, as the
//! session's [`Name`], and shared with the session's track.

use super::media;
use super::xml::{Attr, XmlDoc};
use crate::session::{Format, Name, NameDisplay, NamePool, Rgb, Session, Track, TrackKind};
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

/// What a route is in Ardour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteKind {
    Master,
    Monitor,
    AudioTrack,
    MidiTrack,
    AudioBus,
    MidiBus,
    /// A foldback bus (`PresentationInfo` flag `FoldbackBus`, Ardour 6+): a monitor mix fed by
    /// foldback sends (`intsend role="Foldback"`), never a bus other routes' outputs sum into.
    FoldbackBus,
}

impl RouteKind {
    pub fn is_track(self) -> bool {
        matches!(self, RouteKind::AudioTrack | RouteKind::MidiTrack)
    }
    pub fn is_bus(self) -> bool {
        matches!(self, RouteKind::AudioBus | RouteKind::MidiBus)
    }
}

/// How a route's colour is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColorSpot {
    /// `PresentationInfo@color`, 32-bit RGBA as a decimal integer.
    Rgba(Range<usize>),
    /// `r:g:b` with 16-bit channels (3.x GUIObjectState, 2.0 `<GUI>`).
    Rgb16(Range<usize>),
}

/// Where a route's presentation order is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderSpot {
    /// `PresentationInfo@order` (Ardour 5+).
    Presentation(Range<usize>),
    /// `Route@order-keys="editor=1:signal=1"` (Ardour 2–3): every key holds the order.
    Keys {
        span: Range<usize>,
        keys: Vec<String>,
    },
    /// `Route@order-key="1"` (Ardour 4).
    Key(Range<usize>),
}

/// A value span that means "muted" in some spelling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MuteSpot {
    pub span: Range<usize>,
    /// What to write to mute: `1`, or `yes` where the file spells booleans that way.
    pub on: &'static str,
}

#[derive(Clone, Debug)]
pub struct Route<'a> {
    /// The `<Route>` element.
    pub elem: usize,
    pub id: Option<Cow<'a, str>>,
    /// The session track's name, shared with it.
    pub name: Name,
    pub kind: RouteKind,
    pub hidden: bool,
    pub order: i64,
    pub order_spot: Option<OrderSpot>,
    pub color: Option<Rgb>,
    pub color_spot: Option<ColorSpot>,
    pub muted: bool,
    pub mute_spots: Vec<MuteSpot>,
    /// `IO` children (input and output; Ardour 2 has one IO holding both).
    pub ios: Vec<usize>,
    /// Input and output port names (Ardour 2: derived `NAME/in N`, `NAME/out N`).
    pub input_ports: Vec<Cow<'a, str>>,
    /// Port names this route's outputs connect to.
    pub feeds: Vec<Cow<'a, str>>,
    /// How many audio output ports the route has (what can feed an audio bus).
    pub audio_outputs: usize,
    /// Current playlist elements.
    pub playlists: Vec<usize>,
    pub media_files: Arc<[String]>,
    pub media_count: usize,
    pub muted_media_count: usize,
    pub plugins: Arc<[String]>,
    /// Target ids of aux sends (`Processor type="intsend" target=…`).
    pub aux_targets: Vec<Cow<'a, str>>,
    /// What the regions of the current playlist(s) play.
    pub items: Arc<[crate::media::MediaRef]>,
    /// The region element of each of `items`, in the same order.
    pub item_regions: Vec<usize>,
    /// The fader: `Processor type="amp"`'s `Controllable name="gaincontrol"` value (linear
    /// gain) and the span of its value.
    pub gain: Option<(f64, Range<usize>)>,
    /// The fader is automated (its `gain` automation is not `Off`): the value premix would
    /// change is not what plays.
    pub gain_automated: bool,
    /// The pan: `Pannable`'s `Controllable name="pan-azimuth"` value (0 left, 0.5 centre, 1
    /// right) and its span.
    pub azimuth: Option<(f64, Range<usize>)>,
    /// The pan is automated.
    pub pan_automated: bool,
    /// Audio output `Port` elements, in order.
    pub output_ports: Vec<usize>,
    /// Connections of the outputs to ports no route owns (`Connection other="system:playback_1"`,
    /// Ardour 7's `ExtConnection for="JACK" other=...`): hardware outputs.
    pub hardware_outputs: usize,
}

/// Everything premix knows about a session after reading it.
#[derive(Clone, Debug)]
pub struct ArdourDoc<'a> {
    pub xml: XmlDoc<'a>,
    /// `Session@version` as a number: 2.0.0 → 2000, 3.0.0 → 3000, else the integer.
    pub version: u32,
    pub routes: Vec<Route<'a>>,
    /// For each session track, its route index.
    pub track_routes: Vec<usize>,
    /// Parent of each session track (session indices).
    pub parents: Vec<Option<usize>>,
    /// The `Routes` element.
    pub routes_elem: Option<usize>,
    /// `Session@sample-rate`, the search path and timing caveats.
    pub media: Arc<crate::media::ProjectMedia>,
}

pub fn version_number(text: &str) -> u32 {
    match text {
        "2.0.0" => 2000,
        "3.0.0" => 3000,
        t => t.parse().unwrap_or_else(|_| {
            t.split('.')
                .next()
                .and_then(|m| m.parse::<u32>().ok())
                .map_or(0, |m| m * 1000)
        }),
    }
}

fn truthy(value: &str) -> bool {
    matches!(value, "1" | "yes" | "true") || value.parse::<f64>().is_ok_and(|v| v > 0.5)
}

fn basename(name: &str) -> String {
    name.rsplit(['/', '\\']).next().unwrap_or(name).to_string()
}

/// The port names of an Ardour 2 connection list, `{a,b}{c}`.
fn port_list(list: &str) -> impl Iterator<Item = &str> {
    list.split(['{', '}', ',']).filter(|s| !s.is_empty())
}

/// `r:g:b` 16-bit channels to 8 bits.
fn parse_rgb16(text: &str) -> Option<Rgb> {
    let mut parts = text.split(':').map(|p| p.trim().parse::<u32>().ok());
    let (r, g, b) = (parts.next()??, parts.next()??, parts.next()??);
    let c = |v: u32| (v.min(65535) >> 8) as u8;
    Some(Rgb::new(c(r), c(g), c(b)))
}

pub fn rgba_of(rgb: Rgb) -> u32 {
    (rgb.r as u32) << 24 | (rgb.g as u32) << 16 | (rgb.b as u32) << 8 | 0xff
}

pub fn rgb16_of(rgb: Rgb) -> String {
    format!(
        "{}:{}:{}",
        rgb.r as u32 * 257,
        rgb.g as u32 * 257,
        rgb.b as u32 * 257
    )
}

fn mute_spot(attr: &Attr) -> MuteSpot {
    MuteSpot {
        span: attr.span.clone(),
        on: if matches!(&*attr.value, "yes" | "no") {
            "yes"
        } else {
            "1"
        },
    }
}

const PLUGIN_TYPES: &[&str] = &[
    "ladspa",
    "lv2",
    "vst",
    "windows-vst",
    "lxvst",
    "mac-vst",
    "vst3",
    "audiounit",
    "luaproc",
];

/// The routes of a scanned session; their names made by `names`.
pub fn read<'a>(xml: XmlDoc<'a>, names: &NamePool) -> ArdourDoc<'a> {
    let version = version_number(xml.root().get("version").unwrap_or(""));
    let root = 0;
    let routes_elem = xml.child_named(root, "Routes");
    let playlists_elem = xml.child_named(root, "Playlists");
    let mut playlist_by_id: HashMap<&str, usize> = HashMap::new();
    let mut playlist_by_name: HashMap<&str, usize> = HashMap::new();
    if let Some(p) = playlists_elem {
        for pl in xml.children_named(p, "Playlist") {
            let el = &xml.elements[pl];
            if let Some(id) = el.get("id") {
                playlist_by_id.insert(id, pl);
            }
            if let Some(name) = el.get("name") {
                playlist_by_name.entry(name).or_insert(pl);
            }
        }
    }
    let mut source_names: HashMap<&str, &str> = HashMap::new();
    let mut sources: HashMap<&str, media::SourceInfo<'_>> = HashMap::new();
    if let Some(s) = xml.child_named(root, "Sources") {
        for src in xml.children_named(s, "Source") {
            let el = &xml.elements[src];
            if let (Some(id), Some(name)) = (el.get("id"), el.get("name")) {
                source_names.insert(id, name);
                let midi = el.get("type") == Some("midi") || name.ends_with(".mid");
                sources.insert(id, media::SourceInfo { name, midi });
            }
        }
    }
    let mut caveats = Vec::new();
    let clock = media::Clock::of(&xml, version, &mut caveats);
    // Ardour 2 diskstreams, by id.
    let mut diskstreams: HashMap<&str, usize> = HashMap::new();
    if let Some(d) = xml.child_named(root, "DiskStreams") {
        for ds in xml.elements[d].children.iter().copied() {
            if let Some(id) = xml.elements[ds].get("id") {
                diskstreams.insert(id, ds);
            }
        }
    }
    // 3.x colours: GUIObjectState <Object id="route N" color=…>.
    let mut gui_colors: HashMap<String, &Attr> = HashMap::new();
    if version < 3002 {
        for (i, el) in xml.elements.iter().enumerate() {
            if &*el.name == "Object"
                && xml.elements[el.parent.unwrap_or(i)].name.as_ref() == "GUIObjectState"
                && let (Some(id), Some(c)) = (el.get("id"), el.attr("color"))
                && let Some(rid) = id.strip_prefix("route ")
            {
                gui_colors.insert(rid.to_string(), c);
            }
        }
    }

    let mut routes = Vec::new();
    let route_elems: Vec<usize> = routes_elem
        .map(|r| xml.children_named(r, "Route").collect())
        .unwrap_or_default();
    for (file_index, &re) in route_elems.iter().enumerate() {
        let el = &xml.elements[re];
        let ios: Vec<usize> = xml.children_named(re, "IO").collect();
        let pi = xml.child_named(re, "PresentationInfo");
        let pi_el = pi.map(|p| &xml.elements[p]);
        let flags = pi_el
            .and_then(|p| p.get("flags"))
            .or_else(|| el.get("flags"))
            .unwrap_or("");
        let has_flag = |f: &str| flags.split(',').any(|x| x.trim() == f);
        let name = names.make(
            el.value("name")
                .or_else(|| ios.first().and_then(|&io| xml.elements[io].value("name")))
                .unwrap_or_default(),
        );
        let diskstream = xml.child_named(re, "Diskstream");
        let is_track = has_flag("AudioTrack")
            || has_flag("MidiTrack")
            || el.get("audio-playlist").is_some()
            || el.get("midi-playlist").is_some()
            || diskstream.is_some()
            || el.get("diskstream-id").is_some();
        let midi = el.get("default-type") == Some("midi");
        let kind = if has_flag("MasterOut") {
            RouteKind::Master
        } else if has_flag("MonitorOut") || has_flag("ControlOut") {
            RouteKind::Monitor
        } else if has_flag("FoldbackBus") {
            RouteKind::FoldbackBus
        } else if has_flag("MidiTrack") || (is_track && midi && !has_flag("AudioTrack")) {
            RouteKind::MidiTrack
        } else if is_track {
            RouteKind::AudioTrack
        } else if has_flag("MidiBus") || (midi && !has_flag("AudioBus")) {
            RouteKind::MidiBus
        } else {
            RouteKind::AudioBus
        };
        let order_spot = if let Some(a) = pi_el.and_then(|p| p.attr("order")) {
            Some(OrderSpot::Presentation(a.span.clone()))
        } else if let Some(a) = el.attr("order-keys") {
            let keys = a
                .value
                .split(':')
                .filter_map(|kv| kv.split_once('=').map(|(k, _)| k.to_string()))
                .collect();
            Some(OrderSpot::Keys {
                span: a.span.clone(),
                keys,
            })
        } else {
            el.attr("order-key").map(|a| OrderSpot::Key(a.span.clone()))
        };
        // Ardour 4 (session format 3001 too) writes a single `order-key`.
        let order = pi_el
            .and_then(|p| p.get("order"))
            .and_then(|o| o.parse::<i64>().ok())
            .or_else(|| {
                el.get("order-keys")
                    .and_then(|k| k.split(':').next())
                    .and_then(|kv| kv.split('=').nth(1))
                    .and_then(|v| v.parse().ok())
            })
            .or_else(|| el.get("order-key").and_then(|v| v.trim().parse().ok()))
            .unwrap_or(file_index as i64);
        let id = el.value("id");

        // Colour.
        let (color, color_spot) = if let Some(a) = pi_el.and_then(|p| p.attr("color")) {
            let c = a.value.trim().parse::<u32>().unwrap_or(0);
            let rgb = (c != 0).then(|| Rgb::new((c >> 24) as u8, (c >> 16) as u8, (c >> 8) as u8));
            (rgb, Some(ColorSpot::Rgba(a.span.clone())))
        } else if let Some(a) = id.as_deref().and_then(|id| gui_colors.get(id)) {
            (
                parse_rgb16(&a.value),
                Some(ColorSpot::Rgb16(a.span.clone())),
            )
        } else if let Some(a) = xml
            .child_named(re, "extra")
            .and_then(|x| xml.child_named(x, "GUI"))
            .and_then(|g| xml.elements[g].attr("color"))
        {
            (
                parse_rgb16(&a.value),
                Some(ColorSpot::Rgb16(a.span.clone())),
            )
        } else {
            (None, None)
        };

        // Mute.
        let mut mute_spots = Vec::new();
        let mut muted = false;
        for c in xml.children_named(re, "Controllable") {
            let ce = &xml.elements[c];
            if ce.get("name") == Some("mute")
                && let Some(v) = ce.attr("value")
            {
                muted |= truthy(&v.value);
                mute_spots.push(mute_spot(v));
            }
        }
        if let Some(mm) = xml.child_named(re, "MuteMaster")
            && let Some(v) = xml.elements[mm].attr("muted")
        {
            if mute_spots.is_empty() {
                muted |= truthy(&v.value);
            }
            mute_spots.push(mute_spot(v));
        }
        if let Some(v) = el.attr("muted") {
            muted |= truthy(&v.value);
            mute_spots.push(mute_spot(v));
        }

        // The fader and pan.
        let automated = |parent: usize, id: &str| {
            xml.descendants(parent).any(|a| {
                let a = &xml.elements[a];
                &*a.name == "AutomationList"
                    && a.get("automation-id") == Some(id)
                    && a.get("state").is_some_and(|s| s != "Off")
            })
        };
        let value_of = |c: usize| {
            let v = xml.elements[c].attr("value")?;
            let gain = v
                .value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|g| g.is_finite())?;
            Some((gain, v.span.clone()))
        };
        let amp = xml
            .children_named(re, "Processor")
            .find(|&p| xml.elements[p].get("type") == Some("amp"));
        let gain_control = amp.and_then(|a| {
            xml.children_named(a, "Controllable")
                .find(|&c| xml.elements[c].get("name") == Some("gaincontrol"))
        });
        let pannable = xml.child_named(re, "Pannable");
        let azimuth_control = pannable.and_then(|p| {
            xml.children_named(p, "Controllable")
                .find(|&c| xml.elements[c].get("name") == Some("pan-azimuth"))
        });
        let gain = gain_control.and_then(value_of);
        let gain_automated = amp.is_some_and(|a| automated(a, "gain"));
        let azimuth = azimuth_control.and_then(value_of);
        let pan_automated = pannable.is_some_and(|p| automated(p, "pan-azimuth"));

        // Ports and connections.
        let mut input_ports = Vec::new();
        let mut feeds = Vec::new();
        let mut audio_outputs = 0;
        let mut output_ports = Vec::new();
        let mut hardware_outputs = 0;
        for &io in &ios {
            let io_el = &xml.elements[io];
            let direction = io_el.get("direction");
            for port in xml.children_named(io, "Port") {
                let Some(pname) = xml.elements[port].value("name") else {
                    continue;
                };
                if direction == Some("Input") {
                    input_ports.push(pname);
                } else if direction == Some("Output") {
                    if xml.elements[port].get("type") == Some("audio") {
                        audio_outputs += 1;
                        output_ports.push(port);
                        hardware_outputs += xml
                            .children_named(port, "ExtConnection")
                            .filter(|&c| xml.elements[c].get("other").is_some())
                            .count();
                    }
                    for c in xml.children_named(port, "Connection") {
                        if let Some(other) = xml.elements[c].value("other") {
                            feeds.push(other);
                        }
                    }
                }
            }
            // Ardour 2: inputs="{a,b}{c}" outputs="{…}"; ports are NAME/in N, NAME/out N.
            // Borrowed from the session's bytes like the value, when it is.
            match io_el.value("outputs") {
                Some(Cow::Borrowed(outputs)) => feeds.extend(port_list(outputs).map(Cow::Borrowed)),
                Some(Cow::Owned(outputs)) => {
                    feeds.extend(port_list(&outputs).map(|p| Cow::Owned(p.to_string())))
                }
                None => {}
            }
            if io_el.get("inputs").is_some() {
                let n = io_el
                    .get("inputs")
                    .map_or(0, |i| i.matches('{').count())
                    .max(1);
                for k in 1..=n {
                    input_ports.push(Cow::Owned(format!("{name}/in {k}")));
                }
            }
        }

        // Playlists and media.
        let mut playlists = Vec::new();
        for attr in ["audio-playlist", "midi-playlist"] {
            if let Some(&p) = el.get(attr).and_then(|id| playlist_by_id.get(id)) {
                playlists.push(p);
            }
        }
        if playlists.is_empty() {
            let ds = diskstream.or_else(|| {
                el.get("diskstream-id")
                    .and_then(|id| diskstreams.get(id).copied())
            });
            if let Some(&p) = ds
                .and_then(|d| xml.elements[d].get("playlist"))
                .and_then(|n| playlist_by_name.get(n))
            {
                playlists.push(p);
            }
        }
        let mut media_files = Vec::new();
        let mut media_count = 0;
        let mut muted_media_count = 0;
        let mut items = Vec::new();
        let mut item_regions = Vec::new();
        for &pl in &playlists {
            for r in xml.children_named(pl, "Region") {
                let re_el = &xml.elements[r];
                if let Some(item) = media::region_media(&xml, r, &sources, &clock) {
                    items.push(item);
                    item_regions.push(r);
                }
                media_count += 1;
                if re_el.get("muted").is_some_and(truthy) {
                    muted_media_count += 1;
                }
                for a in &re_el.attrs {
                    if a.name.starts_with("source-")
                        && let Some(n) = source_names.get(&*a.value)
                    {
                        let file = basename(n);
                        if !media_files.contains(&file) {
                            media_files.push(file);
                        }
                    }
                }
            }
        }

        // Plugins and sends.
        let mut plugins = Vec::new();
        let mut aux_targets = Vec::new();
        for p in xml.children_named(re, "Processor") {
            let pe = &xml.elements[p];
            let ty = pe.get("type").unwrap_or("");
            if PLUGIN_TYPES.contains(&ty) {
                plugins.push(pe.get("name").unwrap_or("").to_string());
            } else if ty == "intsend"
                && let Some(t) = pe.value("target")
            {
                aux_targets.push(t);
            }
        }
        for p in xml.children_named(re, "Insert") {
            let pe = &xml.elements[p];
            if PLUGIN_TYPES.contains(&pe.get("type").unwrap_or("")) {
                let name = xml
                    .child_named(p, "Redirect")
                    .and_then(|r| xml.child_named(r, "IO"))
                    .and_then(|io| xml.elements[io].get("name"))
                    .unwrap_or("");
                plugins.push(name.to_string());
            }
        }

        routes.push(Route {
            elem: re,
            id,
            name,
            kind,
            hidden: has_flag("Hidden") || el.get("hidden").is_some_and(truthy),
            order,
            order_spot,
            color,
            color_spot,
            muted,
            mute_spots,
            ios,
            input_ports,
            feeds,
            audio_outputs,
            playlists,
            media_files: media_files.into(),
            media_count,
            muted_media_count,
            plugins: plugins.into(),
            aux_targets,
            items: items.into(),
            item_regions,
            gain,
            gain_automated,
            azimuth,
            pan_automated,
            output_ports,
            hardware_outputs,
        });
    }
    // Outputs connected to ports no route owns are hardware outputs (Ardour 3-6 spell them as
    // `Connection`s, `system:playback_1`).
    let owners: std::collections::HashSet<&str> = routes
        .iter()
        .flat_map(|r| r.input_ports.iter().map(|p| &**p))
        .collect();
    let external: Vec<usize> = routes
        .iter()
        .map(|r| {
            r.output_ports
                .iter()
                .flat_map(|&p| xml.children_named(p, "Connection"))
                .filter_map(|c| xml.elements[c].get("other"))
                .filter(|o| !owners.contains(*o))
                .count()
        })
        .collect();
    drop(owners);
    for (r, external) in routes.iter_mut().zip(external) {
        r.hardware_outputs += external;
    }

    let (track_routes, parents) = arrange(&routes);
    let project_media = crate::media::ProjectMedia {
        sample_rate: xml
            .root()
            .get("sample-rate")
            .and_then(|r| r.parse::<u32>().ok())
            .filter(|r| *r > 0),
        folders: media::search_path(&xml),
        caveats,
    };
    ArdourDoc {
        media: Arc::new(project_media),
        xml,
        version,
        routes,
        track_routes,
        parents,
        routes_elem,
    }
}

/// Which route (index) each input port name belongs to; the first, should a name repeat.
pub fn input_port_owners<'r>(routes: &'r [Route<'_>]) -> HashMap<&'r str, usize> {
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, r) in routes.iter().enumerate() {
        for p in &r.input_ports {
            owner.entry(&**p).or_insert(i);
        }
    }
    owner
}

/// The parent bus route of each route (route indices), by output connections.
pub fn route_parents(routes: &[Route<'_>]) -> Vec<Option<usize>> {
    let port_owner = input_port_owners(routes);
    let mut parent: Vec<Option<usize>> = routes
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.feeds
                .iter()
                .filter_map(|f| port_owner.get(&**f).copied())
                .find(|&o| o != i && routes[o].kind.is_bus())
        })
        .collect();
    // Feedback loops cannot be wired in Ardour, but guard anyway.
    for i in 0..routes.len() {
        let mut p = parent[i];
        let mut budget = routes.len();
        while let Some(x) = p {
            if x == i || budget == 0 {
                parent[i] = None;
                break;
            }
            budget -= 1;
            p = parent[x];
        }
    }
    parent
}

/// Session order: presentation order, each bus followed by what it sums.
fn arrange(routes: &[Route<'_>]) -> (Vec<usize>, Vec<Option<usize>>) {
    let parent = route_parents(routes);
    let mut shown: Vec<usize> = (0..routes.len())
        .filter(|&i| !matches!(routes[i].kind, RouteKind::Master | RouteKind::Monitor))
        .collect();
    // Foldback buses last, apart, as Ardour's mixer shows them (its foldback strip).
    shown.sort_by_key(|&i| (routes[i].kind == RouteKind::FoldbackBus, routes[i].order, i));
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for &i in &shown {
        match parent[i] {
            Some(p) => children.entry(p).or_default().push(i),
            None => roots.push(i),
        }
    }
    let mut order = Vec::with_capacity(shown.len());
    let mut parents = Vec::with_capacity(shown.len());
    let mut stack: Vec<(usize, Option<usize>)> = roots.iter().rev().map(|&r| (r, None)).collect();
    while let Some((route, parent_slot)) = stack.pop() {
        let slot = order.len();
        order.push(route);
        parents.push(parent_slot);
        if let Some(kids) = children.get(&route) {
            for &k in kids.iter().rev() {
                stack.push((k, Some(slot)));
            }
        }
    }
    (order, parents)
}

impl ArdourDoc<'_> {
    /// True when the route's audio goes to hardware outputs and to no route (the master or a
    /// bus): routed around the master. `owners` are [`input_port_owners`].
    pub fn direct_out(&self, r: &Route<'_>, owners: &HashMap<&str, usize>) -> bool {
        r.hardware_outputs > 0 && !r.feeds.iter().any(|f| owners.contains_key(&**f))
    }

    pub fn session(&self) -> Session {
        let aux_targets: Vec<&str> = self
            .routes
            .iter()
            .flat_map(|r| r.aux_targets.iter().map(|t| &**t))
            .collect();
        let mut has_children = vec![false; self.track_routes.len()];
        for p in self.parents.iter().flatten() {
            has_children[*p] = true;
        }
        // Routes whose inputs another route's outputs connect to (a summing track, the outputs
        // of a multi-out instrument), besides buses.
        let port_owner = input_port_owners(&self.routes);
        let mut fed = vec![false; self.routes.len()];
        for (i, r) in self.routes.iter().enumerate() {
            for f in &r.feeds {
                if let Some(&o) = port_owner.get(&**f)
                    && o != i
                {
                    fed[o] = true;
                }
            }
        }
        let master_inputs: Vec<&str> = self
            .routes
            .iter()
            .filter(|r| r.kind == RouteKind::Master)
            .flat_map(|r| r.input_ports.iter().map(|p| &**p))
            .collect();
        // A route inside a bus feeds it by definition (its outputs are how it is inside);
        // at the top level it must feed the master.
        let feeds_parent = |index: usize, r: &Route<'_>| {
            self.parents[index].is_some() || r.feeds.iter().any(|f| master_inputs.contains(&&**f))
        };
        let tracks = self
            .track_routes
            .iter()
            .enumerate()
            .map(|(index, &ri)| {
                let r = &self.routes[ri];
                let kind = match r.kind {
                    RouteKind::AudioTrack => TrackKind::Audio,
                    RouteKind::MidiTrack => TrackKind::Midi,
                    RouteKind::FoldbackBus => TrackKind::Foldback,
                    _ if has_children[index] => TrackKind::Bus,
                    _ if r.id.as_deref().is_some_and(|id| aux_targets.contains(&id)) => {
                        TrackKind::Return
                    }
                    _ => TrackKind::Bus,
                };
                Track {
                    index,
                    name: r.name.clone(),
                    kind,
                    color: r.color,
                    parent: self.parents[index],
                    muted: r.muted,
                    media_files: r.media_files.clone(),
                    media_count: r.media_count,
                    muted_media_count: r.muted_media_count,
                    plugins: r.plugins.clone(),
                    items: r.items.clone(),
                    silent: None,
                    default_name: None,
                    feeds_parent: feeds_parent(index, r),
                    fed_by_tracks: fed[ri]
                        || r.id.as_deref().is_some_and(|id| aux_targets.contains(&id)),
                    mixer: crate::session::Mixer {
                        // Ardour 2 sessions keep their gain elsewhere: not read.
                        fader: r
                            .gain
                            .as_ref()
                            .filter(|_| self.version >= 3000 && !r.gain_automated)
                            .map(|(g, _)| *g),
                        // Azimuth 0 is left, 1 right (Ardour's `Panner1in2out` shows
                        // `L100R0` at 0).
                        pan: r
                            .azimuth
                            .as_ref()
                            .filter(|_| self.version >= 3000 && !r.pan_automated)
                            .map(|(a, _)| 2.0 * a - 1.0),
                        direct_out: self.direct_out(r, &port_owner),
                    },
                    levels: None,
                }
            })
            .collect();
        Session {
            format: Format::Ardour,
            tracks,
            media: self.media.clone(),
            name_display: NameDisplay::AsNamed,
        }
    }
}
