//! `samples/als/messy-set.als`, made by this project from `samples/reaper/messy-session.rpp`:
//! the same tracks (names, kinds, folder, clips, muted clips, media file names, mute) spelled
//! as a full Live 11.3 set by the project's one Live-set writer (`benches/gen/live_set.rs`,
//! every element the Live-written 11.3 sets of the corpus share). It serves two purposes:
//! - the sample the default rules visibly tidy (`premix apply --diff samples/als/messy-set.als`);
//! - "one rules file, any DAW": the default rules give the same names, grouping and
//!   (palette-quantised) colours on the Live set as on the REAPER project.
//!
//! Regenerate with `PREMIX_WRITE_SAMPLES=1 cargo test --test als_sample`.

mod common;

#[path = "als_paths.rs"]
mod als_paths;
#[path = "../benches/gen/live_set.rs"]
mod live_set;

use als_paths::{Element, elements, shared_paths};
use premix::formats::Project;
use premix::formats::als::container::{self, Container};
use premix::formats::als::invariants::{check_invariants, check_send_holders};
use premix::formats::als::palette;
use premix::formats::rpp::RppProject;
use premix::pipeline::process;
use premix::rules::RuleSet;
use premix::session::{Format, Session, TrackKind};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sample's options: a `Creator` naming the Live release whose layout it follows (readers
/// such as abletoolz parse a version out of it), no warp markers, and clips playing the REAPER
/// sample's audio files (`../reaper/Audio/`, relative to the set, as Live writes a sample
/// outside the project folder).
const SAMPLE: live_set::Options = live_set::Options {
    creator: "Ableton Live 11.3.35",
    project_folder: "/Users/engineer/Music/Messy Project",
    samples: "../reaper/Audio",
    warp_markers: false,
};

/// The gzipped sample set for `session`.
pub fn sample_set(session: &Session) -> Vec<u8> {
    let xml = live_set::live_set(session, &SAMPLE);
    container::encode(Container::Gzip { os: 3 }, &xml).unwrap()
}

fn reaper_session() -> Session {
    let bytes = std::fs::read(root().join("samples/reaper/messy-session.rpp")).unwrap();
    RppProject::read(&bytes).unwrap().session().clone()
}

fn sample_path() -> PathBuf {
    root().join("samples/als/messy-set.als")
}

#[test]
fn the_committed_sample_is_what_the_generator_makes() {
    let made = sample_set(&reaper_session());
    if std::env::var_os("PREMIX_WRITE_SAMPLES").is_some() {
        std::fs::create_dir_all(sample_path().parent().unwrap()).unwrap();
        std::fs::write(sample_path(), &made).unwrap();
    }
    let committed = std::fs::read(sample_path()).expect("samples/als/messy-set.als");
    assert_eq!(
        container::decode(&committed, &premix::limits::Limits::default()).unwrap(),
        container::decode(&made, &premix::limits::Limits::default()).unwrap(),
        "samples/als/messy-set.als is stale: PREMIX_WRITE_SAMPLES=1 cargo test --test als_sample"
    );
}

#[test]
fn the_default_rules_tidy_the_sample_and_settle() {
    let bytes = std::fs::read(sample_path()).unwrap();
    let x = container::decode(&bytes, &premix::limits::Limits::default())
        .unwrap()
        .1;
    check_invariants(&x).unwrap();
    check_send_holders(&x).unwrap();
    let rules = RuleSet::default_rules();
    let done = process(Format::Als, &bytes, &rules, true).unwrap();
    assert!(done.plan.edits_file());
    // Bass, guitars and vocals have two or more tracks each; keys and synths one (no bus).
    assert!(done.plan.new_buses.len() >= 3, "{:?}", done.plan.new_buses);
    let out = done.output.unwrap();
    let after = container::decode(&out, &premix::limits::Limits::default())
        .unwrap()
        .1;
    check_invariants(&after).unwrap();
    check_send_holders(&after).unwrap();
    let again = process(Format::Als, &out, &rules, true).unwrap();
    assert!(!again.plan.edits_file(), "{:?}", again.plan.changes);
}

/// (name, colour, enclosing bus name) of every track after the default rules, in order,
/// returns last (Live keeps them there); colours only where the rules or the project set one.
fn outcome(format: Format, bytes: &[u8]) -> Vec<(String, Option<String>, Option<String>)> {
    let done = process(format, bytes, &RuleSet::default_rules(), true).unwrap();
    let predicted = done.plan.predict(&done.session);
    let mut rows: Vec<_> = predicted
        .tracks
        .iter()
        .map(|t| {
            (
                t.kind == TrackKind::Return,
                t.name.to_string(),
                t.color.map(|c| palette::rgb(palette::nearest(c)).unwrap()),
                t.parent.map(|p| predicted.tracks[p].name.to_string()),
            )
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    rows.into_iter()
        .map(|(_, name, color, parent)| (name, color.map(|c| c.to_string()), parent))
        .collect()
}

#[test]
fn one_rules_file_gives_the_same_result_on_reaper_and_live() {
    let rpp = std::fs::read(root().join("samples/reaper/messy-session.rpp")).unwrap();
    let als = std::fs::read(sample_path()).unwrap();
    let reaper = outcome(Format::Rpp, &rpp);
    let live = outcome(Format::Als, &als);
    assert_eq!(reaper.len(), live.len());
    for (r, l) in reaper.iter().zip(&live) {
        assert_eq!((&r.0, &r.2), (&l.0, &l.2), "name and bus");
        // REAPER tracks the rules leave uncoloured have no colour; Live tracks always do.
        if r.1.is_some() {
            assert_eq!(r.1, l.1, "colour of {}", r.0);
        }
    }
}

/// The Live-written 11.3 sets of the corpus (the skeleton's sources), decompressed.
fn corpus_11_3() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = root().join("../shared/corpus/als");
    let names = [
        "node-als-parser__Foo.als",
        "node-als-parser__Michelle.als",
        "node-als-parser__Test_Project.als",
        "tioxy-alp-uncompressed__als2.als",
    ];
    let mut sets = Vec::new();
    for name in names {
        let Ok(bytes) = std::fs::read(dir.join(name)) else {
            common::skipped(&dir.join(name));
            return None;
        };
        let xml = container::decode(&bytes, &premix::limits::Limits::default())
            .unwrap()
            .1;
        assert!(
            String::from_utf8_lossy(&xml[..300]).contains("MinorVersion=\"11.0_11300\""),
            "{name}"
        );
        sets.push((name.to_string(), xml));
    }
    Some(sets)
}

#[test]
fn every_sample_element_kind_has_what_real_live_11_3_ones_share() {
    let Some(corpus) = corpus_11_3() else { return };
    let sample = container::decode(
        &std::fs::read(sample_path()).unwrap(),
        &premix::limits::Limits::default(),
    )
    .unwrap()
    .1;
    let mine = elements(&sample);
    let real: Vec<Element> = corpus.iter().flat_map(|(_, x)| elements(x)).collect();
    let kinds = [
        "AudioTrack",
        "MidiTrack",
        "GroupTrack",
        "ReturnTrack",
        "AudioClip",
        "MidiClip",
        "LiveSet",
    ];
    for kind in kinds {
        let shared = shared_paths(real.iter().filter(|e| e.tag == kind));
        assert!(shared.len() > 20, "{kind}: {} shared paths", shared.len());
        let ours: Vec<&Element> = mine.iter().filter(|e| e.tag == kind).collect();
        assert!(!ours.is_empty(), "the sample has no {kind}");
        for e in ours {
            let missing: Vec<_> = shared.difference(&e.paths).collect();
            assert!(
                missing.is_empty(),
                "a sample {kind} lacks what every real 11.3 one has: {missing:?}"
            );
        }
    }
    // The kinds and counts premix reads: 24 tracks, the Drums group, one return, last.
    let tags: Vec<&str> = mine
        .iter()
        .filter(|e| e.tag.ends_with("Track") && e.in_tracks)
        .map(|e| e.tag.as_str())
        .collect();
    assert_eq!(tags.len(), 25);
    assert_eq!(tags.last(), Some(&"ReturnTrack"));
    let kinds_seen: BTreeSet<&str> = tags.iter().copied().collect();
    assert_eq!(kinds_seen.len(), 4, "{kinds_seen:?}");
}
