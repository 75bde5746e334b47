//! The Live backend on every set of `../shared/corpus/als`: lossless round trip, colour-only
//! runs that touch only colour values, the default rules (invariants hold, a second run changes
//! nothing), and damaged input refused.

use premix::formats::als::container;
use premix::formats::als::invariants::{check_invariants, check_send_holders, clip_count};
use premix::pipeline::process;
use premix::rules::{self, RuleSet};
use premix::session::Format;
use std::path::PathBuf;

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/als");
    if !dir.is_dir() {
        eprintln!(
            "corpus not found at {}; skipping the Live corpus tests",
            dir.display()
        );
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("als")))
        .collect();
    files.sort();
    Some(files)
}

fn name(path: &std::path::Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn xml(bytes: &[u8]) -> Vec<u8> {
    container::decode(bytes, &premix::limits::Limits::default())
        .unwrap()
        .1
}

const COLOUR_EVERY_TRACK: &str = r##"version: 1
rules:
  - name: audio
    match: {kind: audio}
    color: "#3d8fd9"
  - name: midi
    match: {kind: midi}
    color: "#d94f3d"
  - name: groups
    match: {kind: bus}
    color: "#6ab04c"
  - name: returns
    match: {kind: return}
    color: "#7a7f8c"
"##;

#[test]
fn every_corpus_set_reads_and_holds_the_invariants() {
    let Some(files) = corpus() else { return };
    assert!(files.len() >= 40, "only {} sets", files.len());
    let mut bad = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let x = xml(&bytes);
        if let Err(e) = check_invariants(&x) {
            bad.push(format!("{}: {e}", name(path)));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn round_trip_without_rules_returns_the_original_bytes() {
    let Some(files) = corpus() else { return };
    let rules = rules::load("version: 1\n", "empty.yaml").unwrap();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let done = process(Format::Als, &bytes, &rules, true)
            .unwrap_or_else(|e| panic!("{}: {e}", name(path)));
        assert!(!done.plan.edits_file(), "{}", name(path));
        assert!(done.output.unwrap() == bytes, "{}", name(path));
    }
}

#[test]
fn colour_only_runs_touch_only_colour_values() {
    let Some(files) = corpus() else { return };
    let rules = rules::load(COLOUR_EVERY_TRACK, "colours.yaml").unwrap();
    let mut changed = 0;
    for path in &files {
        let n = name(path);
        let bytes = std::fs::read(path).unwrap();
        let done =
            process(Format::Als, &bytes, &rules, true).unwrap_or_else(|e| panic!("{n}: {e}"));
        let output = done.output.unwrap();
        if !done.plan.edits_file() {
            assert!(output == bytes, "{n}");
            continue;
        }
        changed += 1;
        // Still gzip when it was gzip, raw when it was raw.
        assert_eq!(
            container::decode(&output, &premix::limits::Limits::default())
                .unwrap()
                .0,
            container::decode(&bytes, &premix::limits::Limits::default())
                .unwrap()
                .0,
            "{n}"
        );
        let (before, after) = (xml(&bytes), xml(&output));
        let (a, b): (Vec<&[u8]>, Vec<&[u8]>) = (
            before.split(|&c| c == b'\n').collect(),
            after.split(|&c| c == b'\n').collect(),
        );
        assert_eq!(a.len(), b.len(), "{n}: line count changed");
        for (x, y) in a.iter().zip(&b) {
            if x != y {
                let line = String::from_utf8_lossy(y);
                let t = line.trim();
                assert!(
                    t.starts_with("<ColorIndex Value=\"") || t.starts_with("<Color Value=\""),
                    "{n}: unexpected change {t}"
                );
            }
        }
        check_invariants(&after).unwrap_or_else(|e| panic!("{n}: {e}"));
        if check_send_holders(&xml(&bytes)).is_ok() {
            check_send_holders(&after).unwrap_or_else(|e| panic!("{n}: {e}"));
        }
        assert_eq!(clip_count(&before), clip_count(&after), "{n}");
        // A second run changes nothing.
        let again = process(Format::Als, &output, &rules, true).unwrap();
        assert!(
            !again.plan.edits_file(),
            "{n}: second run {:?}",
            again.plan.changes
        );
    }
    assert!(changed >= 30, "only {changed} sets recoloured");
}

#[test]
fn default_rules_keep_the_invariants_and_settle() {
    let Some(files) = corpus() else { return };
    let rules = RuleSet::default_rules();
    for path in &files {
        let n = name(path);
        let bytes = std::fs::read(path).unwrap();
        let done =
            process(Format::Als, &bytes, &rules, true).unwrap_or_else(|e| panic!("{n}: {e}"));
        let output = done.output.unwrap();
        let after = xml(&output);
        check_invariants(&after).unwrap_or_else(|e| panic!("{n}: {e}"));
        if check_send_holders(&xml(&bytes)).is_ok() {
            check_send_holders(&after).unwrap_or_else(|e| panic!("{n}: {e}"));
        }
        assert_eq!(clip_count(&xml(&bytes)), clip_count(&after), "{n}");
        let again = process(Format::Als, &output, &rules, true).unwrap();
        assert!(
            !again.plan.edits_file(),
            "{n}: second run {:?}",
            again.plan.changes
        );
    }
}

#[test]
fn truncated_and_foreign_bytes_are_refused() {
    let Some(files) = corpus() else { return };
    let rules = RuleSet::default_rules();
    let bytes = std::fs::read(&files[0]).unwrap();
    let cut = &bytes[..bytes.len() / 2];
    assert!(process(Format::Als, cut, &rules, true).is_err());
    let x = xml(&bytes);
    assert!(process(Format::Als, &x[..x.len() / 2], &rules, true).is_err());
    assert!(process(Format::Als, b"RIFF....WAVEfmt ", &rules, true).is_err());
}

/// Every audio track into a new bus, every MIDI track into another, and every existing
/// group into a third: new groups, nesting under new groups, members leaving old groups.
const REGROUP: &str = r##"version: 1
colors:
  a: "#3d8fd9"
  m: "#d94f3d"
  o: "#6ab04c"
buses:
  - {name: AUDIO BUS, color: a}
  - {name: MIDI & KEYS, color: m}
  - {name: OUTER, color: o}
rules:
  - name: audio
    match: {kind: audio, name: '^(?:Audio <)?(.*?)>?$'}
    rename: 'Audio <{1}>'
    bus: AUDIO BUS
  - name: midi
    match: {kind: midi}
    bus: MIDI & KEYS
  - name: groups
    match: {kind: bus, not: {name: '^(AUDIO BUS|MIDI & KEYS|OUTER)$'}}
    bus: OUTER
"##;

#[test]
fn regrouping_creates_group_tracks_live_can_hold() {
    let Some(files) = corpus() else { return };
    let rules = rules::load(REGROUP, "regroup.yaml").unwrap();
    let mut created = 0;
    for path in &files {
        let n = name(path);
        let bytes = std::fs::read(path).unwrap();
        let before = xml(&bytes);
        let doc = premix::formats::als::scan::scan(&before).unwrap();
        let has_group = doc.tracks.iter().any(|t| t.tag == "GroupTrack")
            || premix::formats::als::templates::builtin(&doc.minor_version).is_some();
        let done =
            process(Format::Als, &bytes, &rules, true).unwrap_or_else(|e| panic!("{n}: {e}"));
        if !has_group {
            assert!(done.plan.new_buses.is_empty(), "{n}");
        } else if !done.plan.new_buses.is_empty() {
            created += 1;
        }
        let output = done.output.unwrap();
        let after = xml(&output);
        check_invariants(&after).unwrap_or_else(|e| panic!("{n}: {e}"));
        if check_send_holders(&before).is_ok() {
            check_send_holders(&after).unwrap_or_else(|e| panic!("{n}: {e}"));
        }
        assert_eq!(clip_count(&before), clip_count(&after), "{n}");
        let again = process(Format::Als, &output, &rules, true).unwrap();
        assert!(
            !again.plan.edits_file(),
            "{n}: second run {:?}",
            again.plan.changes
        );
    }
    assert!(created >= 30, "only {created} sets got new groups");
}
