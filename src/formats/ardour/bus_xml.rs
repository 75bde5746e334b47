//! The XML of a new bus route and a new route group, spelled the way the session's own Ardour
//! version writes them ([`Dialect`]).
//!
//! - **Ardour 7** (`Session@version` 7000+): what Ardour 7.3 writes for
//!   `Session:new_audio_route(2, 2, …, AudioBus)` (typed `time-domain` on automation lists).
//! - **Ardour 6** (5990–6999): the same route as Ardour 6 spells it: no `time-domain`
//!   attributes (the corpus 6000 bus `Front Reverb` and master routes of 5990/6000 files).
//! - **Ardour 5** (3002–5989): a route with no `version` attribute, the pannable both on the
//!   route and inside its main outs, an internal return named `return N` after its `bitslot`,
//!   the trim and amp processors before the meter, every automation list `Linear` or
//!   `Discrete` (Ardour 5.12's own files: the audio bus `Front Reverb` of
//!   michaelwillis/virtual-playing-orchestra-ardour-template, `Virtual Playing
//!   Orchestra/Virtual Playing Orchestra.template` at 18d4f1c, and the master route of
//!   gonsolo/Ofenroehr `Stravinsky-3002.ardour` at 520f928, a session, for the automation
//!   lists a template leaves out).
//! - **Ardour 3–4** (3000–3001): no `PresentationInfo` (order in the file's own
//!   `order-keys="editor=N:signal=N"` or `order-key="N"` spelling, colour in
//!   `GUIObjectState`), `yes`/`no` booleans, a processor list of amp, meter and main outs,
//!   as the master routes of the 3.0.0/3001 corpus files are written. Ardour 3–4 flag only
//!   master/monitor routes: a route without diskstream and flags is a bus.
//!
//! Route groups are read the same way from 3.0 on (`RouteGroup::set_state`: id, the boolean
//! properties as `1`/`0`, `rgba`, `routes` as a space-separated id list), so one spelling
//! serves every supported version; Ardour before 5 ignores `rgba`. The Ardour 5 files at hand
//! hold no route group: Ardour 5 groups are spelled as Ardour 6's, with the attributes that
//! came with Ardour 5's VCAs (`used-to-share-gain`, `group-master-number`); Ardour reads the
//! properties by name and ignores those it does not know.

use super::xml::escape;
use crate::session::Rgb;

/// How a session version spells routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Ardour3,
    Ardour5,
    Ardour6,
    Ardour7,
}

impl Dialect {
    /// The dialect of `Session@version` (as [`super::read::version_number`] gives it), or
    /// `None` for versions premix does not create routes in (see [`super::bus`]).
    pub fn of_version(version: u32) -> Option<Dialect> {
        match version {
            3000..=3001 => Some(Dialect::Ardour3),
            3002..=5989 => Some(Dialect::Ardour5),
            5990..=6999 => Some(Dialect::Ardour6),
            7000.. => Some(Dialect::Ardour7),
            _ => None,
        }
    }
}

/// Hands out fresh object ids from `id-counter` upwards.
pub(super) struct Allocator {
    pub next: u64,
}

impl Allocator {
    pub fn id(&mut self) -> u64 {
        self.next += 1;
        self.next - 1
    }
}

/// How an Ardour 3–4 file spells a route's order: `order-keys` with these key names, or a
/// single `order-key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderSpelling {
    Keys(Vec<String>),
    Key,
}

impl OrderSpelling {
    /// The attribute, ready to put in a start tag (leading space included).
    pub fn attribute(&self, order: usize) -> String {
        match self {
            OrderSpelling::Keys(keys) => {
                let v: Vec<String> = keys.iter().map(|k| format!("{k}={order}")).collect();
                format!(" order-keys=\"{}\"", escape(&v.join(":")))
            }
            OrderSpelling::Key => format!(" order-key=\"{order}\""),
        }
    }
}

/// What a new bus route needs besides its dialect.
pub(super) struct NewBus<'a> {
    pub name: &'a str,
    pub order: usize,
    pub color: u32,
    pub group: &'a str,
    /// Per input port, the ports feeding it.
    pub inputs: &'a [Vec<String>],
    /// Per output port, the ports it feeds.
    pub outputs: &'a [Vec<String>],
    /// Indentation of the `<Route>` lines of this file.
    pub indent: &'a str,
    /// `Route@version` of the file's routes (Ardour 6 and 7).
    pub route_version: &'a str,
    /// The order attribute spelling (Ardour 3).
    pub order_spelling: &'a OrderSpelling,
    /// Whether the file's routes carry `meter-type` (Ardour 4 writes it, 3 does not).
    pub meter_type: bool,
    /// The internal return's `bitslot` (Ardour 5 numbers returns; free in the session).
    pub return_bitslot: u32,
}

/// The `<IO>` element of a new bus: ports `NAME/audio_in N` or `NAME/audio_out N`.
fn io_xml(
    name: &str,
    io_id: u64,
    input: bool,
    conns: &[Vec<String>],
    extra: &str,
    i1: &str,
) -> String {
    let n = escape(name);
    let (dir, kind) = if input {
        ("Input", "in")
    } else {
        ("Output", "out")
    };
    let i2 = format!("{i1}  ");
    let i3 = format!("{i1}    ");
    let mut s = format!(
        "{i1}<IO name=\"{n}\" id=\"{io_id}\" direction=\"{dir}\" default-type=\"audio\"{extra}>\n"
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
}

/// The `<Route>` of a new audio bus with its route id first from `ids`.
pub(super) fn bus_route_xml(dialect: Dialect, ids: &mut Allocator, bus: &NewBus) -> String {
    match dialect {
        Dialect::Ardour3 => bus_route_3(ids, bus),
        Dialect::Ardour5 => bus_route_5(ids, bus),
        Dialect::Ardour6 => bus_route_6_7(ids, bus, ""),
        Dialect::Ardour7 => bus_route_6_7(ids, bus, " time-domain=\"AudioTime\""),
    }
}

/// Ardour 6 and 7 differ only by the `time-domain` of automation lists (`td`, with the pan
/// lists in beat time as Ardour 7.3 writes them).
fn bus_route_6_7(ids: &mut Allocator, bus: &NewBus, td: &str) -> String {
    let td_beats = if td.is_empty() {
        ""
    } else {
        " time-domain=\"BeatTime\""
    };
    let ind = bus.indent;
    let n = escape(bus.name);
    let g = escape(bus.group);
    let version = bus.route_version;
    let (order, color) = (bus.order, bus.color);
    let i1 = format!("{ind}  ");
    let i2 = format!("{ind}    ");
    let i3 = format!("{ind}      ");
    let route = ids.id();
    let mut id = || ids.id();
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
    s += &solo_controls(&i1, [solo, solo_iso, solo_safe]);
    s += &io_xml(bus.name, in_io, true, bus.inputs, "", &i1);
    s += &io_xml(bus.name, out_io, false, bus.outputs, "", &i1);
    s += &mute_controls(&i1, mute, phase);
    s += &control_lists(&i1, [l_solo, l_iso, l_safe, l_mute, l_phase], td);
    s += &pannable(&i1, &pan, "0", td_beats);
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
        "{i2}<Automation>\n{i3}<AutomationList automation-id=\"trim\" id=\"{trim_list}\" interpolation-style=\"Logarithmic\"{td} state=\"Off\"/>\n{i2}</Automation>\n"
    );
    s += &format!(
        "{i2}<Controllable name=\"trimcontrol\" id=\"{trim_ctl}\" flags=\"GainLike\" value=\"1\"/>\n{i1}</Processor>\n"
    );
    s += &format!(
        "{i1}<Processor id=\"{amp}\" name=\"Amp\" active=\"1\" user-latency=\"0\" use-user-latency=\"0\" type=\"amp\">\n"
    );
    s += &format!(
        "{i2}<Automation>\n{i3}<AutomationList automation-id=\"gain\" id=\"{gain_list}\" interpolation-style=\"Exponential\"{td} state=\"Off\"/>\n{i2}</Automation>\n"
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

/// The solo, solo-isolate and solo-safe controls a bus route of Ardour 5 to 7 starts with.
fn solo_controls(i1: &str, [solo, iso, safe]: [u64; 3]) -> String {
    format!(
        "{i1}<Controllable name=\"solo\" id=\"{solo}\" flags=\"Toggle,RealTime\" value=\"0\" self-solo=\"0\" soloed-by-upstream=\"0\" soloed-by-downstream=\"0\"/>\n\
         {i1}<Controllable name=\"solo-iso\" id=\"{iso}\" flags=\"Toggle,RealTime\" value=\"0\" solo-isolated=\"0\"/>\n\
         {i1}<Controllable name=\"solo-safe\" id=\"{safe}\" flags=\"Toggle\" value=\"0\" solo-safe=\"0\"/>\n"
    )
}

/// The mute master, mute and phase controls after a bus route's IOs (Ardour 5 to 7).
fn mute_controls(i1: &str, mute: u64, phase: u64) -> String {
    format!(
        "{i1}<MuteMaster mute-point=\"PostFader,Listen,Main\" muted=\"0\"/>\n\
         {i1}<Controllable name=\"mute\" id=\"{mute}\" flags=\"Toggle,RealTime\" value=\"0\"/>\n\
         {i1}<Controllable name=\"phase\" id=\"{phase}\" flags=\"Toggle\" value=\"0\" phase-invert=\"00\"/>\n"
    )
}

/// The automation lists of a bus route's solo, solo-isolate, solo-safe, mute and phase
/// controls (`Discrete`, with `extra` attributes: Ardour 7's `time-domain`).
fn control_lists(i1: &str, lists: [u64; 5], extra: &str) -> String {
    let mut s = format!("{i1}<Automation>\n");
    for (what, id) in ["solo", "solo-iso", "solo-safe", "mute", "phase"]
        .iter()
        .zip(lists)
    {
        s += &format!(
            "{i1}  <AutomationList automation-id=\"{what}\" id=\"{id}\" interpolation-style=\"Discrete\"{extra} state=\"Off\"/>\n"
        );
    }
    s += &format!("{i1}</Automation>\n");
    s
}

/// A `<Pannable>`: the five pan controls (`ids[..5]`, the width `width`) and their
/// automation lists (`ids[5..]`, `Linear`, with `extra` attributes: Ardour 7's
/// `time-domain`). Ardour 5 writes it on the route and again inside the main outs.
fn pannable(i1: &str, ids: &[u64], width: &str, extra: &str) -> String {
    let mut s = format!("{i1}<Pannable>\n");
    for (k, (p, v)) in [
        ("pan-azimuth", "0.5"),
        ("pan-width", width),
        ("pan-elevation", "0"),
        ("pan-frontback", "0"),
        ("pan-lfe", "0"),
    ]
    .iter()
    .enumerate()
    {
        s += &format!(
            "{i1}  <Controllable name=\"{p}\" id=\"{}\" flags=\"\" value=\"{v}\"/>\n",
            ids[k]
        );
    }
    s += &format!("{i1}  <Automation>\n");
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
            "{i1}    <AutomationList automation-id=\"{p}\" id=\"{}\" interpolation-style=\"Linear\"{extra} state=\"Off\"/>\n",
            ids[5 + k]
        );
    }
    s += &format!("{i1}  </Automation>\n{i1}</Pannable>\n");
    s
}

/// Ardour 5 (session format 3002): an audio bus as Ardour 5.12 writes one.
fn bus_route_5(ids: &mut Allocator, bus: &NewBus) -> String {
    let ind = bus.indent;
    let n = escape(bus.name);
    let g = escape(bus.group);
    let (order, color) = (bus.order, bus.color);
    let i1 = format!("{ind}  ");
    let i2 = format!("{ind}    ");
    let i3 = format!("{ind}      ");
    let route = ids.id();
    let mut id = || ids.id();
    let (solo, solo_iso, solo_safe) = (id(), id(), id());
    let (in_io, out_io) = (id(), id());
    let (mute, phase) = (id(), id());
    let (l_solo, l_iso, l_safe, l_mute, l_phase) = (id(), id(), id(), id(), id());
    let pan: Vec<u64> = (0..10).map(|_| id()).collect();
    let (ret, trim, trim_list, trim_ctl) = (id(), id(), id(), id());
    let (amp, gain_list, gain_ctl, meter, outs) = (id(), id(), id(), id(), id());
    let mut s = format!(
        "{ind}<Route id=\"{route}\" name=\"{n}\" default-type=\"audio\" strict-io=\"1\" active=\"1\" denormal-protection=\"0\" meter-point=\"MeterPostFader\" meter-type=\"MeterPeak\" route-group=\"{g}\">\n"
    );
    s += &format!(
        "{i1}<PresentationInfo order=\"{order}\" flags=\"AudioBus,OrderSet\" color=\"{color}\"/>\n"
    );
    s += &solo_controls(&i1, [solo, solo_iso, solo_safe]);
    let latency = " user-latency=\"0\"";
    s += &io_xml(bus.name, in_io, true, bus.inputs, latency, &i1);
    s += &io_xml(bus.name, out_io, false, bus.outputs, latency, &i1);
    s += &mute_controls(&i1, mute, phase);
    s += &control_lists(&i1, [l_solo, l_iso, l_safe, l_mute, l_phase], "");
    s += &pannable(&i1, &pan, "1", "");
    s += &format!(
        "{i1}<Processor id=\"{ret}\" name=\"return {}\" active=\"1\" user-latency=\"0\" own-input=\"1\" own-output=\"1\" type=\"intreturn\" bitslot=\"{}\"/>\n",
        bus.return_bitslot + 1,
        bus.return_bitslot
    );
    s += &format!(
        "{i1}<Processor id=\"{trim}\" name=\"Amp\" active=\"1\" user-latency=\"0\" type=\"trim\">\n"
    );
    s += &format!(
        "{i2}<Automation>\n{i3}<AutomationList automation-id=\"trim\" id=\"{trim_list}\" interpolation-style=\"Linear\" state=\"Off\"/>\n{i2}</Automation>\n"
    );
    s += &format!(
        "{i2}<Controllable name=\"trimcontrol\" id=\"{trim_ctl}\" flags=\"GainLike\" value=\"1\"/>\n{i1}</Processor>\n"
    );
    s += &format!(
        "{i1}<Processor id=\"{amp}\" name=\"Amp\" active=\"1\" user-latency=\"0\" type=\"amp\">\n"
    );
    s += &format!(
        "{i2}<Automation>\n{i3}<AutomationList automation-id=\"gain\" id=\"{gain_list}\" interpolation-style=\"Linear\" state=\"Off\"/>\n{i2}</Automation>\n"
    );
    s += &format!(
        "{i2}<Controllable name=\"gaincontrol\" id=\"{gain_ctl}\" flags=\"GainLike\" value=\"1\"/>\n{i1}</Processor>\n"
    );
    s += &format!(
        "{i1}<Processor id=\"{meter}\" name=\"meter-{n}\" active=\"1\" user-latency=\"0\" type=\"meter\"/>\n"
    );
    s += &format!(
        "{i1}<Processor id=\"{outs}\" name=\"{n}\" active=\"1\" user-latency=\"0\" own-input=\"1\" own-output=\"0\" output=\"{n}\" type=\"main-outs\" role=\"Main\">\n"
    );
    s += &format!("{i2}<PannerShell bypassed=\"0\" user-panner=\"\" linked-to-route=\"1\"/>\n");
    s += &pannable(&i2, &pan, "1", "");
    s += &format!("{i1}</Processor>\n{i1}<Slavable/>\n{ind}</Route>\n");
    s
}

/// Ardour 3–4: the master route's shape (amp, meter, main outs), without the master flag.
fn bus_route_3(ids: &mut Allocator, bus: &NewBus) -> String {
    let ind = bus.indent;
    let n = escape(bus.name);
    let g = escape(bus.group);
    let i1 = format!("{ind}  ");
    let i2 = format!("{ind}    ");
    let route = ids.id();
    let mut id = || ids.id();
    let (in_io, out_io, solo, mute) = (id(), id(), id(), id());
    let pan: Vec<u64> = (0..5).map(|_| id()).collect();
    let (amp, gain_ctl, meter, outs) = (id(), id(), id(), id());
    let order = bus.order_spelling.attribute(bus.order);
    let meter_type = if bus.meter_type {
        " meter-type=\"MeterPeak\""
    } else {
        ""
    };
    let mut s = format!(
        "{ind}<Route id=\"{route}\" name=\"{n}\" default-type=\"audio\" active=\"yes\" phase-invert=\"00\" denormal-protection=\"no\" meter-point=\"MeterPostFader\"{meter_type}{order} self-solo=\"no\" soloed-by-upstream=\"0\" soloed-by-downstream=\"0\" solo-isolated=\"no\" solo-safe=\"no\" route-group=\"{g}\">\n"
    );
    let latency = " user-latency=\"0\"";
    s += &io_xml(bus.name, in_io, true, bus.inputs, latency, &i1);
    s += &io_xml(bus.name, out_io, false, bus.outputs, latency, &i1);
    s += &format!(
        "{i1}<Controllable name=\"solo\" id=\"{solo}\" flags=\"Toggle\" value=\"0.000000000000\"/>\n"
    );
    s += &format!(
        "{i1}<Controllable name=\"mute\" id=\"{mute}\" flags=\"Toggle\" value=\"0.000000000000\"/>\n"
    );
    s += &format!("{i1}<MuteMaster mute-point=\"PostFader,Listen,Main\" muted=\"no\"/>\n");
    s += &format!("{i1}<Pannable>\n");
    for (k, (p, v)) in [
        ("pan-azimuth", "0.500000000000"),
        ("pan-width", "1.000000000000"),
        ("pan-elevation", "0.000000000000"),
        ("pan-frontback", "0.000000000000"),
        ("pan-lfe", "0.000000000000"),
    ]
    .iter()
    .enumerate()
    {
        s += &format!(
            "{i2}<Controllable name=\"{p}\" id=\"{}\" flags=\"\" value=\"{v}\"/>\n",
            pan[k]
        );
    }
    s += &format!("{i2}<Automation/>\n{i1}</Pannable>\n");
    s += &format!(
        "{i1}<Processor id=\"{amp}\" name=\"Amp\" active=\"yes\" user-latency=\"0\" type=\"amp\">\n"
    );
    s += &format!(
        "{i2}<Controllable name=\"gaincontrol\" id=\"{gain_ctl}\" flags=\"GainLike\" value=\"1.000000000000\"/>\n{i1}</Processor>\n"
    );
    s += &format!(
        "{i1}<Processor id=\"{meter}\" name=\"meter-{n}\" active=\"yes\" user-latency=\"0\" type=\"meter\"/>\n"
    );
    s += &format!(
        "{i1}<Processor id=\"{outs}\" name=\"{n}\" active=\"yes\" user-latency=\"0\" own-input=\"yes\" own-output=\"no\" output=\"{n}\" type=\"main-outs\" role=\"Main\">\n"
    );
    s += &format!("{i2}<PannerShell bypassed=\"no\"/>\n{i1}</Processor>\n");
    s += &format!("{ind}</Route>\n");
    s
}

/// A new route group holding `members` (route ids, each followed by a space, as Ardour
/// writes the list), with the subgroup defaults of Ardour's "add new subgroup bus".
pub(super) fn route_group_xml(
    dialect: Dialect,
    id: u64,
    name: &str,
    color: Option<Rgb>,
    members: &str,
    ind: &str,
) -> String {
    let rgba = color.map_or(0, super::read::rgba_of);
    let name = escape(name);
    match dialect {
        Dialect::Ardour3 => format!(
            "{ind}<RouteGroup id=\"{id}\" rgba=\"{rgba}\" name=\"{name}\" active=\"1\" relative=\"1\" hidden=\"0\" gain=\"1\" mute=\"1\" solo=\"1\" recenable=\"1\" select=\"1\" route-active=\"1\" color=\"1\" monitoring=\"1\" routes=\"{members}\"/>\n"
        ),
        Dialect::Ardour5 | Dialect::Ardour6 | Dialect::Ardour7 => format!(
            "{ind}<RouteGroup id=\"{id}\" rgba=\"{rgba}\" used-to-share-gain=\"0\" name=\"{name}\" hidden=\"0\" active=\"1\" relative=\"1\" gain=\"1\" mute=\"1\" solo=\"1\" recenable=\"1\" select=\"1\" route-active=\"1\" color=\"1\" monitoring=\"1\" group-master-number=\"-1\" routes=\"{members}\"/>\n"
        ),
    }
}
