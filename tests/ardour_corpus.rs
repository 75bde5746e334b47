//! Ardour backend against the real sessions of `../shared/corpus/ardour` (skipped, with a
//! message, when the corpus is absent).

mod common;

use premix::formats::ardour::ArdourProject;
use premix::formats::ardour::xml::{XmlDoc, scan};
use premix::formats::{self, Project};
use premix::pipeline;
use premix::plan::{Action, Change, Origin, Plan};
use premix::rules::RuleSet;
use premix::session::{Format, Rgb};
use std::path::PathBuf;

fn corpus() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/ardour");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        common::skipped(&dir);
        return None;
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("ardour" | "template")
            )
        })
        .collect();
    files.sort();
    Some(
        files
            .into_iter()
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect(),
    )
}

/// One corpus session by file-name prefix; `None` only when the corpus is absent (a corpus
/// without that session fails the test instead of passing it unchecked).
fn corpus_file(prefix: &str) -> Option<Vec<u8>> {
    let files = corpus()?;
    let found = files.into_iter().find(|(n, _)| n.starts_with(prefix));
    Some(
        found
            .unwrap_or_else(|| panic!("corpus session {prefix}* missing"))
            .1,
    )
}

/// The index of the track named `name`.
fn track_index(session: &premix::session::Session, name: &str) -> usize {
    session
        .tracks
        .iter()
        .position(|t| t.name == name)
        .unwrap_or_else(|| panic!("no track {name:?}"))
}

fn origin() -> Origin {
    Origin {
        file: "test".into(),
        line: 1,
        label: "test".into(),
    }
}

fn change(track: usize, action: Action) -> Change {
    Change {
        track,
        action,
        origin: origin(),
    }
}

/// A plan of `changes` as the backend vets it (what `check` would report, `apply` write).
fn vetted(project: &ArdourProject, changes: Vec<Change>) -> Plan {
    let mut plan = Plan {
        changes,
        ..Plan::default()
    };
    project.vet(&mut plan);
    plan
}

/// The document with every attribute value blanked: what must not change when only values do.
fn skeleton(src: &[u8], doc: &XmlDoc) -> Vec<u8> {
    let mut spans: Vec<_> = doc
        .elements
        .iter()
        .flat_map(|e| e.attrs.iter().map(|a| a.span.clone()))
        .collect();
    spans.sort_by_key(|s| s.start);
    let mut out = Vec::new();
    let mut cursor = 0;
    for s in spans {
        out.extend_from_slice(&src[cursor..s.start]);
        cursor = s.end;
    }
    out.extend_from_slice(&src[cursor..]);
    out
}

#[test]
fn every_session_reads_and_round_trips_byte_for_byte() {
    let Some(files) = corpus() else { return };
    assert!(!files.is_empty());
    for (name, bytes) in &files {
        let project =
            formats::open(Format::Ardour, bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let out = project.write(&Plan::default()).unwrap();
        assert_eq!(
            &out, bytes,
            "{name}: a plan with no changes must give the original bytes"
        );
        // The default rules with every change dropped but flags still round-trip.
        let processed = pipeline::process(Format::Ardour, bytes, &RuleSet::default_rules(), true)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(processed.output.is_some(), "{name}");
    }
}

#[test]
fn colour_only_run_changes_only_colour_values() {
    let Some(files) = corpus() else { return };
    for (name, bytes) in &files {
        let project = ArdourProject::read(bytes).unwrap();
        let n = project.session().tracks.len();
        let plan = vetted(
            &project,
            (0..n)
                .map(|t| {
                    change(
                        t,
                        Action::Recolor {
                            to: Rgb::new(0x12, (t * 7) as u8, 0xab),
                        },
                    )
                })
                .collect(),
        );
        let out = project.write(&plan).unwrap();
        let before = scan(bytes).unwrap();
        let after = scan(&out).unwrap();
        assert_eq!(skeleton(bytes, &before), skeleton(&out, &after), "{name}");
        for (b, a) in before.elements.iter().zip(&after.elements) {
            assert_eq!(b.name, a.name, "{name}");
            for (x, y) in b.attrs.iter().zip(&a.attrs) {
                if x.value != y.value {
                    assert_eq!(&*x.name, "color", "{name}: <{}> {} changed", b.name, x.name);
                }
            }
        }
        let reread = ArdourProject::read(&out).unwrap();
        for (t, track) in reread.session().tracks.iter().enumerate() {
            if plan.recolors().contains_key(&t) {
                assert_eq!(
                    track.color,
                    Some(Rgb::new(0x12, (t * 7) as u8, 0xab)),
                    "{name} {t}"
                );
            }
        }
    }
}

#[test]
fn default_rules_then_a_second_run_changes_nothing() {
    let Some(files) = corpus() else { return };
    let rules = RuleSet::default_rules();
    for (name, bytes) in &files {
        let first = pipeline::process(Format::Ardour, bytes, &rules, true)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let out = first.output.unwrap();
        let second = pipeline::process(Format::Ardour, &out, &rules, true)
            .unwrap_or_else(|e| panic!("{name} (second run): {e}"));
        assert!(
            !second.plan.edits_file(),
            "{name}: second run still plans {:?}",
            second.plan.changes
        );
        assert_eq!(second.output.unwrap(), out, "{name}");
    }
}

#[test]
fn rename_updates_ports_connections_and_playlist() {
    let Some(bytes) = corpus_file("partaeklipso") else {
        return;
    };
    let bytes = &bytes[..];
    let project = ArdourProject::read(bytes).unwrap();
    let bd = track_index(project.session(), "BD");
    let plan = vetted(
        &project,
        vec![change(
            bd,
            Action::Rename {
                to: "Kick <In> & \"Out\"".into(),
            },
        )],
    );
    assert_eq!(plan.changes.len(), 1, "{:?}", plan.notes);
    let out = project.write(&plan).unwrap();
    let text = String::from_utf8_lossy(&out);
    let escaped = "Kick &lt;In&gt; &amp; &quot;Out&quot;";
    assert!(
        !text.contains("other=\"BD/"),
        "a connection still names the old port"
    );
    assert!(!text.contains("name=\"BD/"), "a port keeps the old name");
    assert!(text.contains(&format!("<Port name=\"{escaped}/audio_out 1\"")));
    assert!(text.contains(&format!("<Connection other=\"{escaped}/audio_out 1\"/>")));
    assert!(text.contains(&format!(
        "<IO name=\"{escaped}\" id=\"6148\" direction=\"Output\""
    )));
    assert!(
        text.contains(&format!("<Playlist id=\"6158\" name=\"{escaped}\""))
            || text.contains(&format!("name=\"{escaped}\" type=\"audio\""))
    );
    let reread = ArdourProject::read(&out).unwrap();
    assert_eq!(reread.session().tracks[bd].name, "Kick <In> & \"Out\"");
    // Only the renamed values changed.
    let before = scan(bytes).unwrap();
    let after = scan(&out).unwrap();
    assert_eq!(skeleton(bytes, &before), skeleton(&out, &after));
}

#[test]
fn ardour2_rename_rewrites_io_port_lists() {
    let Some(bytes) = corpus_file("ardour__TestSession.ardour") else {
        return;
    };
    let bytes = &bytes[..];
    let project = ArdourProject::read(bytes).unwrap();
    let vocals = track_index(project.session(), "Vocals");
    let plan = Plan {
        changes: vec![change(vocals, Action::Rename { to: "VOX".into() })],
        ..Plan::default()
    };
    let out = project.write(&plan).unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(
        !text.contains("Vocals/in"),
        "an IO list still names the old ports"
    );
    assert!(text.contains("VOX/in 1"));
    let reread = ArdourProject::read(&out).unwrap();
    let s = reread.session();
    assert_eq!(s.tracks[vocals].name, "VOX");
    // The tracks that fed Vocals still do.
    assert_eq!(s.tracks[vocals + 1].parent, Some(vocals));
}

#[test]
fn colliding_rename_is_refused_with_a_note() {
    let Some(bytes) = corpus_file("partaeklipso") else {
        return;
    };
    let bytes = &bytes[..];
    let project = ArdourProject::read(bytes).unwrap();
    let s = project.session();
    let sn = track_index(s, "SN");
    let plan = vetted(
        &project,
        vec![
            change(sn, Action::Rename { to: "BD".into() }),
            change(
                sn,
                Action::Rename {
                    to: "Master".into(),
                },
            ),
        ],
    );
    assert!(plan.changes.is_empty());
    assert_eq!(plan.notes.len(), 2);
    assert!(
        plan.notes[0].message.contains("unique"),
        "{}",
        plan.notes[0].message
    );
}

#[test]
fn unclosed_xml_is_refused_with_its_line() {
    let Some(files) = corpus() else { return };
    for (name, bytes) in &files {
        let cut = &bytes[..bytes.len() * 2 / 3];
        let err = ArdourProject::read(cut)
            .err()
            .unwrap_or_else(|| panic!("{name}: accepted"));
        assert!(
            matches!(err.place, formats::Place::Line(..)),
            "{name}: {err}"
        );
    }
}

#[test]
fn buses_get_fresh_ids_a_group_and_the_members_outputs() {
    let Some(bytes) = corpus_file("partaeklipso") else {
        return;
    };
    let bytes = &bytes[..];
    let processed =
        pipeline::process(Format::Ardour, bytes, &RuleSet::default_rules(), true).unwrap();
    assert!(!processed.plan.new_buses.is_empty());
    let out = processed.output.unwrap();
    let ids = |src: &[u8]| -> (u64, Vec<u64>) {
        let doc = scan(src).unwrap();
        let counter = doc.root().get("id-counter").unwrap().parse().unwrap();
        let ids = doc
            .elements
            .iter()
            .filter(|e| {
                matches!(
                    &*e.name,
                    "Route" | "IO" | "Controllable" | "Processor" | "AutomationList" | "RouteGroup"
                )
            })
            .filter_map(|e| e.get("id").and_then(|i| i.parse().ok()))
            .collect();
        (counter, ids)
    };
    let (old_counter, old_ids) = ids(bytes);
    let (new_counter, new_ids) = ids(&out);
    let fresh: Vec<u64> = new_ids
        .iter()
        .copied()
        .filter(|i| !old_ids.contains(i))
        .collect();
    assert!(!fresh.is_empty());
    assert!(
        fresh.iter().all(|&i| i >= old_counter && i < new_counter),
        "{fresh:?}"
    );
    let mut sorted = fresh.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), fresh.len(), "fresh ids are unique");
    // The default rules gather the session's synths (SM Arp, OB-X Pluck, ...) into SYNTHS.
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("name=\"SYNTHS\" hidden=\"0\""),
        "a SYNTHS route group"
    );
    assert!(text.contains("<Connection other=\"SYNTHS/audio_in 1\"/>"));
    assert!(text.contains("<Connection other=\"SYNTHS/audio_out 1\"/>"));
    let reread = ArdourProject::read(&out).unwrap();
    let s = reread.session();
    let synths = track_index(s, "SYNTHS");
    assert!(
        s.tracks
            .iter()
            .any(|t| t.name == "OB-X Pluck" && t.parent == Some(synths))
    );
}

/// Every track into one new bus (a rule that settles: a second run has nothing to move).
fn bus_rules() -> RuleSet {
    let yaml = "version: 1\ncolors: {a: \"#c04040\"}\nbuses:\n  - {name: ALL, color: a}\n\
                rules:\n  - name: all\n    match: {name: '.'}\n    bus: ALL\n";
    premix::rules::load(yaml, "test").unwrap()
}

/// The `<Route>` elements a run added (by id), as text.
fn new_routes(before: &[u8], after: &[u8]) -> Vec<String> {
    let old = scan(before).unwrap();
    let old_ids: Vec<&str> = old
        .elements
        .iter()
        .filter(|e| &*e.name == "Route")
        .filter_map(|e| e.get("id"))
        .collect();
    let new = scan(after).unwrap();
    new.elements
        .iter()
        .filter(|e| &*e.name == "Route" && !old_ids.contains(&e.get("id").unwrap_or("")))
        .map(|e| String::from_utf8_lossy(&after[e.range()]).into_owned())
        .collect()
}

#[test]
fn pre_ardour7_sessions_get_buses_in_their_own_spelling() {
    let Some(files) = corpus() else { return };
    let rules = bus_rules();
    let mut checked = 0;
    for (name, bytes) in &files {
        let doc = ArdourProject::read(bytes).unwrap();
        let version = doc.document().version;
        let first = pipeline::process(Format::Ardour, bytes, &rules, true)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let refused = first
            .plan
            .notes
            .iter()
            .any(|n| n.message.contains("buses are not written"));
        // Ardour 2 (2.0.0) and Ardour 5 (3002) sessions are refused; see formats::ardour::bus.
        assert_eq!(
            refused,
            version == 2000 || (3002..5990).contains(&version),
            "{name}: {:?}",
            first.plan.notes
        );
        if version >= 7000 || first.plan.new_buses.is_empty() {
            continue;
        }
        let out = first.output.unwrap();
        let added = new_routes(bytes, &out);
        assert_eq!(added.len(), first.plan.new_buses.len(), "{name}");
        for route in &added {
            if version < 3002 {
                // Ardour 3-4: order on the route, no PresentationInfo, yes/no booleans.
                assert!(!route.contains("<PresentationInfo"), "{name}: {route}");
                assert!(route.contains("active=\"yes\""), "{name}: {route}");
                assert!(route.contains(" order-key"), "{name}: {route}");
            } else {
                // Ardour 6: PresentationInfo, and no Ardour 7 time domains.
                assert!(route.contains("flags=\"AudioBus,OrderSet\""), "{name}");
                assert!(!route.contains("time-domain"), "{name}: {route}");
            }
        }
        let reread = ArdourProject::read(&out).unwrap();
        let s = reread.session();
        for bus in &first.plan.new_buses {
            let b = s.tracks.iter().position(|t| t.name == bus.name).unwrap();
            assert!(
                s.tracks.iter().any(|t| t.parent == Some(b)),
                "{name}: bus {:?} sums nothing on reading back",
                bus.name
            );
            if version < 3002 && doc.document().routes.iter().any(|r| r.color.is_some()) {
                // The bus colour goes into GUIObjectState where the other routes' colours are.
                assert_eq!(s.tracks[b].color, bus.color, "{name}");
            }
        }
        let second = pipeline::process(Format::Ardour, &out, &rules, true)
            .unwrap_or_else(|e| panic!("{name} (second run): {e}"));
        assert!(
            !second.plan.edits_file(),
            "{name}: second run plans {:?}",
            second.plan.changes
        );
        checked += 1;
    }
    assert!(checked >= 3, "3001 and 6000 sessions with buses: {checked}");
}

#[test]
fn a_removed_track_takes_its_wiring_and_its_regions_become_an_unused_playlist() {
    let Some(bytes) = corpus_file("elements-clouds") else {
        return;
    };
    let bytes = &bytes[..];
    let project = ArdourProject::read(bytes).unwrap();
    assert_eq!(project.session().tracks[0].name, "Audio");
    let plan = vetted(&project, vec![change(0, Action::Remove)]);
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
    let out = project.write(&plan).unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(!text.contains("<Route version=\"6000\" id=\"299\""));
    assert!(
        !text.contains("other=\"Audio/audio_out"),
        "master keeps no connection to it"
    );
    // Ardour 7.3, saving a session whose track is gone, moves that track's playlist with
    // regions from <Playlists> to <UnusedPlaylists> (seen in ardour7-lua: load, save).
    let doc = scan(&out).unwrap();
    let playlist = doc
        .elements
        .iter()
        .find(|e| &*e.name == "Playlist" && e.get("id") == Some("338"))
        .expect("the playlist with its regions is kept");
    let parent = &doc.elements[playlist.parent.unwrap()];
    assert_eq!(&*parent.name, "UnusedPlaylists");
    // An emptied container becomes an empty tag: Ardour refuses whitespace in <Playlists>.
    assert!(text.contains("<Playlists/>"));
    assert_eq!(
        text.matches("<Region ").count(),
        String::from_utf8_lossy(bytes).matches("<Region ").count(),
        "no region is lost"
    );
    let reread = ArdourProject::read(&out).unwrap();
    assert!(reread.session().tracks.is_empty());
}

#[test]
fn removing_unused_tracks_then_a_second_run_changes_nothing() {
    let Some(files) = corpus() else { return };
    let yaml =
        "version: 1\nrules: []\nunused:\n  when: [no_media, all_media_muted]\n  action: remove\n";
    let rules = premix::rules::load(yaml, "test").unwrap();
    let mut removed_somewhere = 0;
    for (name, bytes) in &files {
        let first = pipeline::process(Format::Ardour, bytes, &rules, true)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let gone: Vec<usize> = first
            .plan
            .changes
            .iter()
            .filter(|c| matches!(c.action, Action::Remove))
            .map(|c| c.track)
            .collect();
        let out = first.output.unwrap();
        let project = ArdourProject::read(bytes).unwrap();
        let reread = ArdourProject::read(&out).unwrap();
        for &t in &gone {
            let route = &project.document().routes[project.document().track_routes[t]];
            // Route names are unique in Ardour (and Ardour 2 routes have no id attribute).
            assert!(
                reread
                    .document()
                    .routes
                    .iter()
                    .all(|r| r.name != route.name),
                "{name}: {:?} still there",
                route.name
            );
            // Nothing left names its ports.
            for other in &reread.document().routes {
                assert!(
                    other
                        .feeds
                        .iter()
                        .all(|f| !f.starts_with(&format!("{}/", route.name))),
                    "{name}: {:?} still feeds {:?}",
                    other.name,
                    route.name
                );
            }
        }
        removed_somewhere += gone.len();
        let second = pipeline::process(Format::Ardour, &out, &rules, true)
            .unwrap_or_else(|e| panic!("{name} (second run): {e}"));
        assert!(
            !second.plan.edits_file(),
            "{name}: second run plans {:?}",
            second.plan.changes
        );
    }
    assert!(removed_somewhere > 0);
}

#[test]
fn an_ardour2_track_leaves_every_port_list_and_takes_its_diskstream() {
    let Some(bytes) = corpus_file("ardour__TestSession") else {
        return;
    };
    let bytes = &bytes[..];
    let project = ArdourProject::read(bytes).unwrap();
    let vocal2 = track_index(project.session(), "Vocal2");
    let plan = vetted(&project, vec![change(vocal2, Action::Remove)]);
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
    let out = project.write(&plan).unwrap();
    let text = String::from_utf8_lossy(&out);
    // Ardour 2 wires by IO lists: `{Vocal2/out 1,Vocal1/out 1}` on the bus and the master.
    assert!(
        !text.contains("Vocal2/"),
        "no list names its ports any more"
    );
    assert!(text.contains("inputs=\"{Vocal1/out 1}{Vocal1/out 2}\""));
    assert!(
        !text.contains("<AudioDiskstream flags=\"Recordable\" channels=\"1\" playlist=\"Vocal2\"")
    );
    let reread = ArdourProject::read(&out).unwrap();
    let names: Vec<&str> = reread
        .session()
        .tracks
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert!(!names.contains(&"Vocal2"));
    assert_eq!(names.len(), project.session().tracks.len() - 1);
}
