//! Buses in Ardour 5 sessions (format 3002), in Ardour 5's own spelling, on sessions built in
//! that spelling (`common::ardour5`); and Ardour 2 sessions refused with the exact reason.
//! The interop suite loads the outputs in real Ardour 7.3 (`tests/interop/ardour/run.sh`
//! writes its Ardour 5 inputs with the ignored test `write_ardour5_sessions`).

mod common;

use common::ardour5::{HandBus, session};
use premix::formats::Project;
use premix::formats::ardour::ArdourProject;
use premix::pipeline::process;
use premix::rules;
use premix::session::{Format, Session, TrackKind};
use std::fs;

/// Tracks of the plain session: the default convention files them into four buses.
const TRACKS: &[&str] = &[
    "kick", "snare", "hat", "bass DI", "bass amp", "gtr L", "gtr R", "Lead Vox", "BV 1",
];

/// Tracks of the hand-made bus session (kick and snare feed `Drum Bus`).
const HAND_TRACKS: &[&str] = &["kick", "snare", "hat", "bass DI", "gtr", "Lead Vox"];

/// The hand-made-bus rules of the Ardour 7 fixture: file `hat` into `Drum Bus`.
const HANDMADE_RULES: &str = "version: 1\nbuses:\n  - name: Drum Bus\nrules:\n  - match: {name: '^hat$'}\n    bus: Drum Bus\n";

fn plain() -> String {
    session("ardour5", TRACKS, None)
}

fn handmade() -> String {
    session(
        "ardour5-handmade",
        HAND_TRACKS,
        Some(HandBus {
            name: "Drum Bus",
            members: &["kick", "snare"],
        }),
    )
}

fn read(bytes: &[u8]) -> Session {
    ArdourProject::read(bytes).unwrap().session().clone()
}

fn tree(s: &Session) -> Vec<(String, TrackKind, Option<String>)> {
    s.tracks
        .iter()
        .map(|t| {
            (
                t.name.to_string(),
                t.kind,
                t.parent.map(|p| s.tracks[p].name.to_string()),
            )
        })
        .collect()
}

#[test]
fn an_ardour_5_session_reads_as_ardour_5_wrote_it() {
    let bytes = handmade();
    let project = ArdourProject::read(bytes.as_bytes()).unwrap();
    assert_eq!(project.document().version, 3002);
    let s = project.session();
    let names: Vec<&str> = s.tracks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "hat", "bass DI", "gtr", "Lead Vox", "Drum Bus", "kick", "snare"
        ]
    );
    assert_eq!(s.tracks[4].kind, TrackKind::Bus);
}

#[test]
fn buses_are_written_into_ardour_5_sessions_in_its_spelling() {
    let bytes = plain();
    let rules = rules::RuleSet::default_rules();
    let out = process(Format::Ardour, bytes.as_bytes(), &rules, true).unwrap();
    assert!(
        !out.plan
            .notes
            .iter()
            .any(|n| n.message.contains("not written")),
        "{:?}",
        out.plan.notes
    );
    assert_eq!(out.plan.new_buses.len(), 4, "{:?}", out.plan.new_buses);
    let written = String::from_utf8(out.output.unwrap()).unwrap();
    let after = read(written.as_bytes());
    let drums: Vec<&str> = after
        .tracks
        .iter()
        .filter(|t| t.parent.is_some_and(|p| after.tracks[p].name == "DRUMS"))
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(drums, ["Kick", "Snare", "Hi-Hat"]);
    // The new bus route as Ardour 5.12 writes one: no `version` attribute, the internal
    // return numbered after the returns in use, automation lists Linear/Discrete, the pannable
    // on the route and in its main outs.
    let at = written
        .find(" name=\"DRUMS\" default-type=\"audio\"")
        .unwrap();
    let start = written[..at].rfind("<Route ").unwrap();
    let route = &written[start..start + written[start..].find("</Route>").unwrap()];
    assert!(route.starts_with("<Route id=\""), "{route}");
    assert!(!route.contains(" version=\""), "{route}");
    assert!(
        route.contains("flags=\"AudioBus,OrderSet\" color=\"3645849087\""),
        "{route}"
    );
    assert!(
        route.contains("type=\"intreturn\" bitslot=\"1\"") && route.contains("name=\"return 2\""),
        "{route}"
    );
    assert!(
        !route.contains("time-domain") && !route.contains("Exponential"),
        "{route}"
    );
    assert_eq!(route.matches("<Pannable>").count(), 2, "{route}");
    assert!(
        route.contains("<IO name=\"DRUMS\" id=\"")
            && route.contains("direction=\"Input\" default-type=\"audio\" user-latency=\"0\">"),
        "{route}"
    );
    // Every new return has a bitslot of its own.
    let mut slots: Vec<&str> = written
        .match_indices("type=\"intreturn\" bitslot=\"")
        .map(|(i, m)| &written[i + m.len()..i + m.len() + 1])
        .collect();
    slots.sort();
    slots.dedup();
    assert_eq!(slots.len(), 4);
    // The group holds the members; id-counter is past every new id.
    assert!(
        written.contains("<RouteGroups>\n    <RouteGroup id=\""),
        "{written}"
    );
    let counter: u64 = {
        let at = written.find("id-counter=\"").unwrap() + 12;
        written[at..at + written[at..].find('"').unwrap()]
            .parse()
            .unwrap()
    };
    let max_id = written
        .match_indices(" id=\"")
        .filter_map(|(i, _)| {
            let v = &written[i + 5..];
            v[..v.find('"').unwrap()].parse::<u64>().ok()
        })
        .max()
        .unwrap();
    assert!(counter > max_id, "{counter} <= {max_id}");
    // A second run changes nothing.
    let again = process(Format::Ardour, written.as_bytes(), &rules, true).unwrap();
    assert!(!again.plan.edits_file(), "{:?}", again.plan.changes);
}

#[test]
fn filing_into_a_handmade_ardour_5_bus_keeps_order_and_groups_every_feeder() {
    let bytes = handmade();
    let rules = rules::load(HANDMADE_RULES, "rules.yaml").unwrap();
    let out = process(Format::Ardour, bytes.as_bytes(), &rules, true).unwrap();
    let written = String::from_utf8(out.output.unwrap()).unwrap();
    let after = read(written.as_bytes());
    assert_eq!(
        tree(&after)[..4],
        [
            ("bass DI".to_string(), TrackKind::Audio, None),
            ("gtr".to_string(), TrackKind::Audio, None),
            ("Lead Vox".to_string(), TrackKind::Audio, None),
            ("Drum Bus".to_string(), TrackKind::Bus, None),
        ]
    );
    let group_at = written.find("<RouteGroup ").unwrap();
    let group = &written[group_at..group_at + written[group_at..].find("/>").unwrap()];
    assert!(group.contains("name=\"Drum Bus\""), "{group}");
    let members = group
        .split("routes=\"")
        .nth(1)
        .unwrap()
        .trim_end_matches('"');
    assert_eq!(members.split_whitespace().count(), 3, "{group}");
}

#[test]
fn ardour_2_sessions_get_a_note_saying_exactly_why_no_bus_is_made() {
    let Some(dir) = common::corpus("ardour") else {
        return;
    };
    let bytes = fs::read(dir.join("ardour__TestSession.ardour")).unwrap();
    let out = process(
        Format::Ardour,
        &bytes,
        &rules::RuleSet::default_rules(),
        true,
    )
    .unwrap();
    let notes: Vec<&str> = out.plan.notes.iter().map(|n| n.message.as_str()).collect();
    assert!(
        notes.iter().any(|n| n.contains(
            "format 2.0.0 (Ardour 2): a bus's route group would be an Ardour 2 edit or mix group, which Ardour 3 and later (7.3 tested) load with no member"
        )),
        "{notes:?}"
    );
}

/// Writes the Ardour 5 sessions (and the hand-made one's rules) into the folder named by
/// `PREMIX_ARDOUR5_DIR`, one session folder each: the Ardour interop suite's inputs.
#[test]
#[ignore = "run by tests/interop/ardour/run.sh"]
fn write_ardour5_sessions() {
    let dir =
        std::path::PathBuf::from(std::env::var("PREMIX_ARDOUR5_DIR").expect("PREMIX_ARDOUR5_DIR"));
    for (name, text, rules) in [
        ("ardour5", plain(), None),
        ("ardour5-handmade", handmade(), Some(HANDMADE_RULES)),
    ] {
        let folder = dir.join(name);
        fs::create_dir_all(&folder).unwrap();
        fs::write(folder.join(format!("{name}.ardour")), text).unwrap();
        if let Some(rules) = rules {
            fs::write(folder.join("rules.yaml"), rules).unwrap();
        }
    }
}
