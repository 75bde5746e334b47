//! Ardour foldback buses (`PresentationInfo` flag `FoldbackBus`, fed by foldback sends): a
//! performer's monitor mix is its own kind, never filed or recoloured as an effects return,
//! never moved into a bus, listed after the other routes as Ardour's mixer shows it apart.
//! The case `../shared/cases/ardour-foldback/foldback.ardour` was made by real Ardour 7.3.

mod common;

use assert_cmd::Command;
use premix::formats::Project;
use premix::formats::ardour::ArdourProject;
use premix::pipeline::process;
use premix::plan::Action;
use premix::rules;
use premix::session::{Format, TrackKind};
use std::fs;

fn case() -> Option<Vec<u8>> {
    common::case("ardour-foldback/foldback.ardour").map(|p| fs::read(p).unwrap())
}

#[test]
fn a_foldback_bus_is_its_own_kind_listed_last() {
    let Some(bytes) = case() else { return };
    let project = ArdourProject::read(&bytes).unwrap();
    let kinds: Vec<(&str, TrackKind)> = project
        .session()
        .tracks
        .iter()
        .map(|t| (t.name.as_str(), t.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("kick", TrackKind::Audio),
            ("snare", TrackKind::Audio),
            ("Lead Vox", TrackKind::Audio),
            ("bass DI", TrackKind::Audio),
            ("Drummer Mix", TrackKind::Foldback),
        ]
    );
    let out = Command::cargo_bin("premix")
        .unwrap()
        .args(["inspect", "--json"])
        .arg(common::case("ardour-foldback/foldback.ardour").unwrap())
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["tracks"][4]["kind"], "foldback");
}

#[test]
fn the_default_rules_leave_a_foldback_bus_alone() {
    let Some(bytes) = case() else { return };
    let out = process(
        Format::Ardour,
        &bytes,
        &rules::RuleSet::default_rules(),
        true,
    )
    .unwrap();
    // Before: listed as an effects return and recoloured as one.
    assert!(
        out.plan.changes.iter().all(|c| c.track != 4),
        "{:?}",
        out.plan.changes
    );
    let written = out.output.unwrap();
    let after = ArdourProject::read(&written).unwrap().session().clone();
    let foldback = after
        .tracks
        .iter()
        .find(|t| t.name == "Drummer Mix")
        .unwrap();
    assert_eq!(
        (foldback.kind, foldback.color, foldback.parent),
        (TrackKind::Foldback, None, None)
    );
    // Its route and the foldback sends feeding it are byte for byte as they were.
    let text = String::from_utf8(written).unwrap();
    let original = String::from_utf8(bytes).unwrap();
    let route = |t: &str| {
        let at = t.find("name=\"Drummer Mix\" default-type").unwrap();
        t[at..at + t[at..].find("</Route>").unwrap()].to_string()
    };
    assert_eq!(route(&text), route(&original));
    assert_eq!(text.matches("role=\"Foldback\"").count(), 3);
}

#[test]
fn rules_reach_a_foldback_bus_by_kind_but_never_file_it() {
    let Some(bytes) = case() else { return };
    let rules = rules::load(
        "version: 1\nbuses: [{name: MONITORS}]\nrules:\n  - match: {kind: foldback}\n    color: '#205080'\n    continue: true\n  - match: {kind: any, name: 'Mix'}\n    bus: MONITORS\n",
        "r.yaml",
    )
    .unwrap();
    let out = process(Format::Ardour, &bytes, &rules, true).unwrap();
    assert!(
        out.plan
            .changes
            .iter()
            .any(|c| c.track == 4 && matches!(c.action, Action::Recolor { .. })),
        "{:?}",
        out.plan.changes
    );
    assert!(
        !out.plan
            .changes
            .iter()
            .any(|c| matches!(c.action, Action::MoveToBus { .. }))
    );
    assert!(out.plan.new_buses.is_empty());
    assert!(
        out.plan.notes.iter().any(|n| n
            .message
            .contains("a foldback bus feeds a performer's monitor mix")),
        "{:?}",
        out.plan.notes
    );
    let after = ArdourProject::read(&out.output.unwrap())
        .unwrap()
        .session()
        .clone();
    assert_eq!(
        after.tracks[4].color,
        Some(premix::session::Rgb::new(0x20, 0x50, 0x80))
    );
}

#[test]
fn a_line_break_in_an_ardour_rename_is_refused_with_a_note() {
    let Some(bytes) = case() else { return };
    let rules = rules::load(
        "version: 1\nrules:\n  - match: {name: 'kick'}\n    rename: \"Kick\\nIn\"\n",
        "r.yaml",
    )
    .unwrap();
    let out = process(Format::Ardour, &bytes, &rules, true).unwrap();
    assert!(out.output.is_none() || !out.plan.edits_file());
    assert!(
        out.plan
            .notes
            .iter()
            .any(|n| n.message.contains("an Ardour route name is one line")),
        "{:?}",
        out.plan.notes
    );
}
