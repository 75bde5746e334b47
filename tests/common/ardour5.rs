//! Ardour 5 sessions (format 3002) built in the tests, in Ardour 5.12's own spelling: none is
//! in the shared corpus, and third-party files are not copied into the repository.
//!
//! The spelling follows real Ardour 5.12 files read with the `search` tool: the session
//! `Stravinsky-3002.ardour` of gonsolo/Ofenroehr (commit 520f928: the root, `ProgramVersion`,
//! routes without a `version` attribute, `PresentationInfo`, `IO`s with `user-latency`, the
//! route's automation lists, a track's `Diskstream` naming its playlist, the master route) and
//! the template `Virtual Playing Orchestra/Virtual Playing Orchestra.template` of
//! michaelwillis/virtual-playing-orchestra-ardour-template (commit 18d4f1c: the audio bus
//! `Front Reverb` with its internal return, `Playlists`, `UnusedPlaylists`, `RouteGroups`,
//! `Click`, `TempoMap` in Ardour 5's form).

/// A bus the user made by hand: `members` feed it by their outputs, with no route group.
pub struct HandBus<'a> {
    pub name: &'a str,
    pub members: &'a [&'a str],
}

struct Ids(u64);

impl Ids {
    fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn controls(ids: &mut Ids, out: &mut String) {
    out.push_str(&format!("      <Controllable name=\"solo\" id=\"{}\" flags=\"Toggle,RealTime\" value=\"0\" self-solo=\"0\" soloed-by-upstream=\"0\" soloed-by-downstream=\"0\"/>\n", ids.next()));
    out.push_str(&format!("      <Controllable name=\"solo-iso\" id=\"{}\" flags=\"Toggle,RealTime\" value=\"0\" solo-isolated=\"0\"/>\n", ids.next()));
    out.push_str(&format!("      <Controllable name=\"solo-safe\" id=\"{}\" flags=\"Toggle\" value=\"0\" solo-safe=\"0\"/>\n", ids.next()));
}

fn io(ids: &mut Ids, name: &str, input: bool, ports: &[Vec<String>], out: &mut String) {
    let (dir, kind) = if input {
        ("Input", "in")
    } else {
        ("Output", "out")
    };
    out.push_str(&format!(
        "      <IO name=\"{}\" id=\"{}\" direction=\"{dir}\" default-type=\"audio\" user-latency=\"0\">\n",
        esc(name),
        ids.next()
    ));
    for (k, conns) in ports.iter().enumerate() {
        let port = format!("{}/audio_{kind} {}", esc(name), k + 1);
        if conns.is_empty() {
            out.push_str(&format!("        <Port type=\"audio\" name=\"{port}\"/>\n"));
        } else {
            out.push_str(&format!("        <Port type=\"audio\" name=\"{port}\">\n"));
            for c in conns {
                out.push_str(&format!("          <Connection other=\"{}\"/>\n", esc(c)));
            }
            out.push_str("        </Port>\n");
        }
    }
    out.push_str("      </IO>\n");
}

fn pannable(ids: &[u64], indent: &str, out: &mut String) {
    out.push_str(&format!("{indent}<Pannable>\n"));
    for (k, (p, v)) in [
        ("pan-azimuth", "0.5"),
        ("pan-width", "1"),
        ("pan-elevation", "0"),
        ("pan-frontback", "0"),
        ("pan-lfe", "0"),
    ]
    .iter()
    .enumerate()
    {
        out.push_str(&format!(
            "{indent}  <Controllable name=\"{p}\" id=\"{}\" flags=\"\" value=\"{v}\"/>\n",
            ids[k]
        ));
    }
    out.push_str(&format!("{indent}  <Automation>\n"));
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
        out.push_str(&format!(
            "{indent}    <AutomationList automation-id=\"{p}\" id=\"{}\" interpolation-style=\"Linear\" state=\"Off\"/>\n",
            ids[5 + k]
        ));
    }
    out.push_str(&format!("{indent}  </Automation>\n{indent}</Pannable>\n"));
}

/// The body of a route after its IOs: mute, phase, automation, pannable and processors.
fn tail(ids: &mut Ids, name: &str, track: bool, intreturn: Option<u32>, out: &mut String) {
    out.push_str("      <MuteMaster mute-point=\"PostFader,Listen,Main\" muted=\"0\"/>\n");
    out.push_str(&format!(
        "      <Controllable name=\"mute\" id=\"{}\" flags=\"Toggle,RealTime\" value=\"0\"/>\n",
        ids.next()
    ));
    out.push_str(&format!("      <Controllable name=\"phase\" id=\"{}\" flags=\"Toggle\" value=\"0\" phase-invert=\"{}\"/>\n", ids.next(), if track { "0" } else { "00" }));
    out.push_str("      <Automation>\n");
    let lists: &[&str] = if track {
        &[
            "solo",
            "solo-iso",
            "solo-safe",
            "mute",
            "rec-enable",
            "rec-safe",
            "phase",
            "monitor",
        ]
    } else {
        &["solo", "solo-iso", "solo-safe", "mute", "phase"]
    };
    for l in lists {
        out.push_str(&format!("        <AutomationList automation-id=\"{l}\" id=\"{}\" interpolation-style=\"Discrete\" state=\"Off\"/>\n", ids.next()));
    }
    out.push_str("      </Automation>\n");
    let pan: Vec<u64> = (0..10).map(|_| ids.next()).collect();
    pannable(&pan, "      ", out);
    if let Some(bitslot) = intreturn {
        out.push_str(&format!("      <Processor id=\"{}\" name=\"return {}\" active=\"1\" user-latency=\"0\" own-input=\"1\" own-output=\"1\" type=\"intreturn\" bitslot=\"{bitslot}\"/>\n", ids.next(), bitslot + 1));
    }
    for (kind, list, control, style) in [
        ("trim", "trim", "trimcontrol", "Linear"),
        ("amp", "gain", "gaincontrol", "Linear"),
    ] {
        out.push_str(&format!("      <Processor id=\"{}\" name=\"Amp\" active=\"1\" user-latency=\"0\" type=\"{kind}\">\n", ids.next()));
        out.push_str(&format!("        <Automation>\n          <AutomationList automation-id=\"{list}\" id=\"{}\" interpolation-style=\"{style}\" state=\"Off\"/>\n        </Automation>\n", ids.next()));
        out.push_str(&format!("        <Controllable name=\"{control}\" id=\"{}\" flags=\"GainLike\" value=\"1\"/>\n      </Processor>\n", ids.next()));
    }
    let n = esc(name);
    out.push_str(&format!("      <Processor id=\"{}\" name=\"meter-{n}\" active=\"1\" user-latency=\"0\" type=\"meter\"/>\n", ids.next()));
    out.push_str(&format!("      <Processor id=\"{}\" name=\"{n}\" active=\"1\" user-latency=\"0\" own-input=\"1\" own-output=\"0\" output=\"{n}\" type=\"main-outs\" role=\"Main\">\n", ids.next()));
    out.push_str("        <PannerShell bypassed=\"0\" user-panner=\"\" linked-to-route=\"1\"/>\n");
    pannable(&pan, "        ", out);
    out.push_str("      </Processor>\n      <Slavable/>\n");
}

/// An Ardour 5 session named `name`: a master, one mono audio track per name of `tracks`
/// (each on its own empty playlist), in that order, then the hand-made `bus` if any, each
/// route's outputs feeding the master unless it feeds the bus.
pub fn session(name: &str, tracks: &[&str], bus: Option<HandBus<'_>>) -> String {
    let mut ids = Ids(100);
    let master_in: Vec<Vec<String>> = (1..=2)
        .map(|k| {
            tracks
                .iter()
                .filter(|t| !bus.as_ref().is_some_and(|b| b.members.contains(t)))
                .map(|t| t.to_string())
                .chain(bus.as_ref().map(|b| b.name.to_string()))
                .map(|r| format!("{r}/audio_out {k}"))
                .collect()
        })
        .collect();
    let to = |target: &str| -> Vec<Vec<String>> {
        (1..=2)
            .map(|k| vec![format!("{target}/audio_in {k}")])
            .collect()
    };
    let mut routes = String::new();
    // The master, as Ardour 5 writes it (order after the tracks, as in the VPO template).
    let master = ids.next();
    routes.push_str(&format!("    <Route id=\"{master}\" name=\"Master\" default-type=\"audio\" strict-io=\"0\" active=\"1\" denormal-protection=\"0\" meter-point=\"MeterPostFader\" meter-type=\"MeterK20\">\n"));
    routes.push_str(&format!("      <PresentationInfo order=\"{}\" flags=\"MasterOut,OrderSet\" color=\"4222009087\"/>\n", tracks.len() + 1));
    controls(&mut ids, &mut routes);
    io(&mut ids, "Master", true, &master_in, &mut routes);
    io(
        &mut ids,
        "Master",
        false,
        &[
            vec!["system:playback_1".into()],
            vec!["system:playback_2".into()],
        ],
        &mut routes,
    );
    tail(&mut ids, "Master", false, None, &mut routes);
    routes.push_str("    </Route>\n");
    let mut playlists = String::new();
    for (order, track) in tracks.iter().enumerate() {
        let id = ids.next();
        let n = esc(track);
        routes.push_str(&format!("    <Route id=\"{id}\" name=\"{n}\" default-type=\"audio\" strict-io=\"0\" active=\"1\" denormal-protection=\"0\" meter-point=\"MeterPostFader\" meter-type=\"MeterPeak\" saved-meter-point=\"MeterPostFader\" mode=\"Normal\">\n"));
        routes.push_str(&format!("      <PresentationInfo order=\"{order}\" flags=\"AudioTrack,OrderSet\" color=\"2732956927\"/>\n"));
        controls(&mut ids, &mut routes);
        io(&mut ids, track, true, &[vec![]], &mut routes);
        let target = match &bus {
            Some(b) if b.members.contains(track) => b.name,
            _ => "Master",
        };
        io(&mut ids, track, false, &to(target), &mut routes);
        tail(&mut ids, track, true, None, &mut routes);
        routes.push_str(&format!("      <Controllable name=\"monitor\" id=\"{}\" flags=\"RealTime\" value=\"0\" monitoring=\"\"/>\n", ids.next()));
        routes.push_str(&format!("      <Controllable name=\"rec-safe\" id=\"{}\" flags=\"Toggle,RealTime\" value=\"0\"/>\n", ids.next()));
        routes.push_str(&format!("      <Controllable name=\"rec-enable\" id=\"{}\" flags=\"Toggle,RealTime\" value=\"0\"/>\n", ids.next()));
        routes.push_str(&format!("      <Diskstream flags=\"Recordable\" playlist=\"{n}\" name=\"{n}\" id=\"{}\" speed=\"1\" capture-alignment=\"Automatic\" record-safe=\"0\"/>\n", ids.next()));
        routes.push_str("    </Route>\n");
        playlists.push_str(&format!("    <Playlist id=\"{}\" name=\"{n}\" type=\"audio\" orig-track-id=\"{id}\" shared-with-ids=\"\" frozen=\"0\"/>\n", ids.next()));
    }
    if let Some(b) = &bus {
        let id = ids.next();
        let n = esc(b.name);
        routes.push_str(&format!("    <Route id=\"{id}\" name=\"{n}\" default-type=\"audio\" strict-io=\"1\" active=\"1\" denormal-protection=\"0\" meter-point=\"MeterPostFader\" meter-type=\"MeterPeak\">\n"));
        routes.push_str(&format!("      <PresentationInfo order=\"{}\" flags=\"AudioBus,OrderSet\" color=\"3463636479\"/>\n", tracks.len()));
        controls(&mut ids, &mut routes);
        let inputs: Vec<Vec<String>> = (1..=2)
            .map(|k| {
                b.members
                    .iter()
                    .map(|m| format!("{m}/audio_out {k}"))
                    .collect()
            })
            .collect();
        io(&mut ids, b.name, true, &inputs, &mut routes);
        io(&mut ids, b.name, false, &to("Master"), &mut routes);
        tail(&mut ids, b.name, false, Some(1), &mut routes);
        routes.push_str("    </Route>\n");
    }
    let (click_io, click_amp, click_gain) = (ids.next(), ids.next(), ids.next());
    let counter = ids.next();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<Session version=\"3002\" name=\"{name}\" sample-rate=\"48000\" end-is-free=\"0\" id-counter=\"{counter}\" name-counter=\"1\" event-counter=\"0\" vca-counter=\"1\">
  <ProgramVersion created-with=\"Ardour 5.12.0\" modified-with=\"Ardour 5.12.0\"/>
  <Config>
    <Option name=\"native-file-data-format\" value=\"FormatFloat\"/>
    <Option name=\"native-file-header-format\" value=\"WAVE\"/>
  </Config>
  <Metadata/>
  <Sources/>
  <Regions/>
  <Locations>
    <Location id=\"99\" name=\"session\" start=\"0\" end=\"480000\" flags=\"IsSessionRange\" locked=\"0\" position-lock-style=\"AudioTime\"/>
  </Locations>
  <Bundles/>
  <VCAManager/>
  <Routes>
{routes}  </Routes>
  <Playlists>
{playlists}  </Playlists>
  <UnusedPlaylists/>
  <RouteGroups/>
  <Click>
    <IO name=\"Click\" id=\"{click_io}\" direction=\"Output\" default-type=\"audio\" user-latency=\"0\">
      <Port type=\"audio\" name=\"Click/audio_out 1\">
        <Connection other=\"system:playback_1\"/>
      </Port>
      <Port type=\"audio\" name=\"Click/audio_out 2\">
        <Connection other=\"system:playback_2\"/>
      </Port>
    </IO>
    <Processor id=\"{click_amp}\" name=\"Amp\" active=\"1\" user-latency=\"0\" type=\"amp\">
      <Controllable name=\"gaincontrol\" id=\"{click_gain}\" flags=\"GainLike\" value=\"1\"/>
    </Processor>
  </Click>
  <TempoMap>
    <Tempo pulse=\"0\" frame=\"0\" movable=\"0\" lock-style=\"AudioTime\" beats-per-minute=\"120\" note-type=\"4\" clamped=\"0\" end-beats-per-minute=\"120\" active=\"1\" locked-to-meter=\"1\"/>
    <Meter pulse=\"0\" frame=\"0\" movable=\"0\" lock-style=\"AudioTime\" bbt=\"1|1|0\" beat=\"0\" note-type=\"4\" divisions-per-bar=\"4\"/>
  </TempoMap>
</Session>
"
    )
}
