//! Every unused-track action and rule placeholder, spelled in a REAPER project and read back.

mod common;

use premix::formats::Project;
use premix::formats::rpp::RppProject;
use premix::pipeline::process;
use premix::rules;
use premix::session::{Format, Rgb, Session};

fn apply(rules_text: &str) -> (Session, Session) {
    let bytes = std::fs::read(common::sample("reaper/messy-session.rpp")).unwrap();
    let rules = rules::load(rules_text, "r.yaml").unwrap();
    let out = process(Format::Rpp, &bytes, &rules, true).unwrap();
    let output = out.output.unwrap();
    let after = RppProject::read(&output).unwrap().session().clone();
    // Whatever the action, a second run changes nothing.
    let again = process(Format::Rpp, &output, &rules, true).unwrap();
    assert!(
        !again.plan.edits_file(),
        "second run: {:?}",
        again.plan.changes
    );
    (out.session, after)
}

fn names(s: &Session) -> Vec<&str> {
    s.tracks.iter().map(|t| t.name.as_str()).collect()
}

const UNUSED: &str =
    "version: 1\nbuses: [{name: UNUSED}]\nunused:\n  when: [no_media, all_media_muted]\n";

#[test]
fn unused_prefix_is_added_once() {
    let (_, after) = apply(&format!("{UNUSED}  action: prefix\n  prefix: 'zz '\n"));
    assert!(names(&after).contains(&"zz Audio 23") && names(&after).contains(&"zz Track 24"));
}

#[test]
fn unused_colour_mute_and_bus() {
    let (_, after) = apply(&format!("{UNUSED}  action: color\n  color: '#555555'\n"));
    let grey = after
        .tracks
        .iter()
        .filter(|t| t.color == Some(Rgb::new(0x55, 0x55, 0x55)));
    assert_eq!(grey.count(), 2);

    let (_, after) = apply(&format!("{UNUSED}  action: mute\n"));
    assert!(
        after
            .tracks
            .iter()
            .filter(|t| t.name.starts_with("Audio 23") || t.name == "Track 24")
            .all(|t| t.muted)
    );

    let (before, after) = apply(&format!("{UNUSED}  action: bus\n  bus: UNUSED\n"));
    assert_eq!(after.tracks.len(), before.tracks.len() + 1);
    let bus = after
        .tracks
        .iter()
        .position(|t| t.name == "UNUSED")
        .unwrap();
    let members: Vec<&str> = after
        .tracks
        .iter()
        .filter(|t| t.parent == Some(bus))
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(members, ["Audio 23", "Track 24"]);
}

#[test]
fn unused_remove_deletes_the_tracks_and_keeps_every_receive() {
    let (before, after) = apply(&format!("{UNUSED}  action: remove\n"));
    assert_eq!(after.tracks.len(), before.tracks.len() - 2);
    assert!(!names(&after).contains(&"Audio 23"));
    // Verb still receives from Lead Vox and BV 1: checked by GUID in the file itself.
    let bytes = std::fs::read(common::sample("reaper/messy-session.rpp")).unwrap();
    let rules = rules::load(&format!("{UNUSED}  action: remove\n"), "r.yaml").unwrap();
    let output = process(Format::Rpp, &bytes, &rules, true)
        .unwrap()
        .output
        .unwrap();
    let doc = RppProject::read(&output).unwrap();
    let tracks = &doc.document().tracks;
    let names = &doc.session().tracks;
    let verb = names.iter().position(|t| t.name == "Verb").unwrap();
    let sources: Vec<&str> = tracks[verb]
        .receives
        .iter()
        .map(|r| names[r.source.value].name.as_str())
        .collect();
    assert_eq!(sources, ["Lead Vox", "BV 1"]);
}

#[test]
fn placeholders_and_continue_rules() {
    let (_, after) = apply(
        r#"version: 1
buses: [{name: VOX}]
rules:
  - match: {name: 'vox|bv'}
    color: '#a45ee5'
    continue: true
  - match: {name: '^(bv)\s*(\d)'}
    rename: '{bus} BV {2} ({n})'
    bus: VOX
"#,
    );
    let bvs: Vec<(&str, Option<Rgb>)> = after
        .tracks
        .iter()
        .filter(|t| t.name.contains("BV"))
        .map(|t| (t.name.as_str(), t.color))
        .collect();
    let purple = Some(Rgb::new(0xa4, 0x5e, 0xe5));
    assert_eq!(bvs, [("VOX BV 1 (1)", purple), ("VOX BV 2 (2)", purple)]);
}
