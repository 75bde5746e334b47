//! Filing tracks into a bus the user made by hand in Ardour (tracks feed it by their outputs,
//! no route group): routes the plan leaves where they are keep their place in Ardour's order,
//! and the bus's route group holds every route that feeds it.
//!
//! The fixture `tests/fixtures/ardour/handmade-bus/handmade-bus.ardour` was made by real
//! Ardour 7.3 (`make.sh`, `handmade.lua`): Ardour's order kick, snare, bass DI, gtr, hat,
//! Drum Bus, verb; kick and snare feed Drum Bus, nothing is grouped.

mod common;

use premix::formats::Project;
use premix::formats::ardour::ArdourProject;
use premix::pipeline::process;
use premix::rules;
use premix::session::Format;
use std::fs;
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ardour/handmade-bus")
        .join(rel)
}

/// Route names in Ardour's order (`PresentationInfo@order`), master and foldback buses apart.
fn ardour_order(bytes: &[u8]) -> Vec<(String, i64)> {
    let project = ArdourProject::read(bytes).unwrap();
    let mut routes: Vec<(String, i64)> = project
        .document()
        .routes
        .iter()
        .filter(|r| r.name != "Master")
        .map(|r| (r.name.to_string(), r.order))
        .collect();
    routes.sort_by_key(|(_, o)| *o);
    routes
}

/// `(group name, member route names)` of every route group.
fn groups(bytes: &[u8]) -> Vec<(String, Vec<String>)> {
    let project = ArdourProject::read(bytes).unwrap();
    let doc = project.document();
    let name_of = |id: &str| {
        doc.routes
            .iter()
            .find(|r| r.id.as_deref() == Some(id))
            .map_or_else(|| format!("?{id}"), |r| r.name.to_string())
    };
    let text = String::from_utf8_lossy(bytes);
    text.match_indices("<RouteGroup ")
        .map(|(at, _)| {
            let tag = &text[at..at + text[at..].find('>').unwrap()];
            let attr = |k: &str| {
                let from = tag.find(&format!(" {k}=\"")).unwrap() + k.len() + 3;
                tag[from..from + tag[from..].find('"').unwrap()].to_string()
            };
            let mut members: Vec<String> = attr("routes").split_whitespace().map(name_of).collect();
            members.sort();
            (attr("name"), members)
        })
        .collect()
}

#[test]
fn filing_a_track_into_a_handmade_bus_keeps_the_others_in_place_and_groups_every_feeder() {
    let bytes = fs::read(fixture("handmade-bus.ardour")).unwrap();
    let names = |order: &[(String, i64)]| order.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&ardour_order(&bytes)),
        ["kick", "snare", "bass DI", "gtr", "hat", "Drum Bus", "verb"]
    );
    assert!(groups(&bytes).is_empty());
    let rules = rules::load(
        &fs::read_to_string(fixture("rules.yaml")).unwrap(),
        "rules.yaml",
    )
    .unwrap();
    let out = process(Format::Ardour, &bytes, &rules, true).unwrap();
    let written = out.output.unwrap();

    // The moved track joins its new siblings; everything else keeps its relative place
    // (moving one track reordered the whole session before: the bus went to the top).
    let after = names(&ardour_order(&written));
    assert_eq!(
        after,
        ["hat", "kick", "snare", "bass DI", "gtr", "Drum Bus", "verb"]
    );
    // The group premix makes holds every route feeding the bus, not only the moved one.
    assert_eq!(
        groups(&written),
        [(
            "Drum Bus".to_string(),
            vec!["hat".to_string(), "kick".to_string(), "snare".to_string()]
        )]
    );
    let session = ArdourProject::read(&written).unwrap().session().clone();
    let members: Vec<&str> = session
        .tracks
        .iter()
        .filter(|t| {
            t.parent
                .is_some_and(|p| session.tracks[p].name == "Drum Bus")
        })
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(members, ["hat", "kick", "snare"]);
    // A second run changes nothing.
    let again = process(Format::Ardour, &written, &rules, true).unwrap();
    assert!(!again.plan.edits_file(), "{:?}", again.plan.changes);
}

#[test]
fn a_member_already_in_another_group_stays_there() {
    let bytes = fs::read(fixture("handmade-bus.ardour")).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    // snare (id 283) in a group of its own, as a user might have it.
    let grouped = text.replace(
        "  <RouteGroups/>",
        "  <RouteGroups>\n    <RouteGroup id=\"900\" rgba=\"0\" used-to-share-gain=\"0\" name=\"Snares\" hidden=\"0\" active=\"1\" relative=\"1\" gain=\"1\" mute=\"1\" solo=\"1\" recenable=\"1\" select=\"1\" route-active=\"1\" color=\"1\" monitoring=\"1\" group-master-number=\"-1\" routes=\"283 \"/>\n  </RouteGroups>",
    );
    let rules = rules::load(
        &fs::read_to_string(fixture("rules.yaml")).unwrap(),
        "rules.yaml",
    )
    .unwrap();
    let out = process(Format::Ardour, grouped.as_bytes(), &rules, true).unwrap();
    let written = out.output.unwrap();
    assert_eq!(
        groups(&written),
        [
            ("Snares".to_string(), vec!["snare".to_string()]),
            (
                "Drum Bus".to_string(),
                vec!["hat".to_string(), "kick".to_string()]
            ),
        ]
    );
}

#[test]
fn new_buses_in_real_sessions_leave_unmoved_routes_in_their_order() {
    // On every corpus session premix makes buses in: file the routes named a..m into a new
    // bus and leave the others; those keep their relative order in Ardour's order.
    let rules = rules::load(
        "version: 1\nbuses: [{name: AM}]\nrules:\n  - match: {name: '^[a-mA-M]'}\n    bus: AM\n",
        "r.yaml",
    )
    .unwrap();
    let mut checked = 0;
    for path in common::corpus_files("ardour", &["ardour", "template"]) {
        let bytes = fs::read(&path).unwrap();
        let before = ArdourProject::read(&bytes).unwrap();
        let moved: Vec<String> = before
            .session()
            .tracks
            .iter()
            .filter(|t| {
                t.name
                    .starts_with(|c: char| c.is_ascii_alphabetic() && c.to_ascii_lowercase() <= 'm')
            })
            .map(|t| t.name.to_string())
            .collect();
        let Ok(out) = process(Format::Ardour, &bytes, &rules, true) else {
            continue;
        };
        let Some(written) = out.output.filter(|_| !out.plan.new_buses.is_empty()) else {
            continue;
        };
        let stay = |order: Vec<(String, i64)>| -> Vec<String> {
            order
                .into_iter()
                .map(|(n, _)| n)
                .filter(|n| !moved.contains(n) && n != "AM")
                .collect()
        };
        assert_eq!(
            stay(ardour_order(&written)),
            stay(ardour_order(&bytes)),
            "{}",
            path.display()
        );
        checked += 1;
    }
    if common::corpus("ardour").is_some() {
        assert!(checked >= 5, "{checked}");
    }
}
