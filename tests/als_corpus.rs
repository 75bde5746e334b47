//! The Live backend on every set of `../shared/corpus/als`: lossless round trip, colour-only
//! runs that touch only colour values, the default rules (invariants hold, a second run changes
//! nothing), and damaged input refused.

mod common;

use premix::formats::als::container;
use premix::formats::als::invariants::{check_invariants, check_send_holders, clip_count};
use premix::formats::als::templates;
use premix::pipeline::process;
use premix::rules::{self, RuleSet};
use premix::session::Format;
use std::collections::{BTreeMap, BTreeSet};

#[path = "als_paths.rs"]
mod als_paths;
use std::path::PathBuf;

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/als");
    if !dir.is_dir() {
        common::skipped(&dir);
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
    let mut grouped_without_own_group = Vec::new();
    for path in &files {
        let n = name(path);
        let bytes = std::fs::read(path).unwrap();
        let done =
            process(Format::Als, &bytes, &rules, true).unwrap_or_else(|e| panic!("{n}: {e}"));
        // Every corpus version has a group track to copy now: no set is left ungrouped.
        assert!(
            !done
                .plan
                .notes
                .iter()
                .any(|note| note.message.contains("no group track to copy")),
            "{n}: {:?}",
            done.plan.notes
        );
        let output = done.output.unwrap();
        let after = xml(&output);
        let before_doc = premix::formats::als::scan::scan(&xml(&bytes)).unwrap();
        let after_doc = premix::formats::als::scan::scan(&after).unwrap();
        let groups = |d: &premix::formats::als::scan::AlsDocument| {
            d.tracks.iter().filter(|t| t.tag == "GroupTrack").count()
        };
        assert_eq!(
            groups(&after_doc),
            groups(&before_doc) + done.plan.new_buses.len(),
            "{n}"
        );
        if groups(&before_doc) == 0 && !done.plan.new_buses.is_empty() {
            grouped_without_own_group.push(format!(
                "{n} ({}: {})",
                before_doc.minor_version,
                done.plan
                    .new_buses
                    .iter()
                    .map(|b| b.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
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
    // Sets with no group track of their own are grouped from the built-in templates (every
    // set gets a group in `regrouping_creates_group_tracks_live_can_hold`).
    eprintln!(
        "grouped without a group track of their own:\n{}",
        grouped_without_own_group.join("\n")
    );
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

/// A set's XML cut anywhere is refused as malformed XML at a line of the cut set: a cut never
/// reads as a shorter set (the scanner's own tokenizer must notice every unclosed element).
#[test]
fn every_cut_of_a_set_is_refused_at_a_line() {
    use premix::formats::{FormatError, Place};
    let Some(files) = corpus() else { return };
    for path in &files {
        let x = xml(&std::fs::read(path).unwrap());
        if x.len() > 2_000_000 {
            continue;
        }
        for k in 1..16 {
            let cut = &x[..x.len() * k / 16];
            let lines = 1 + cut.iter().filter(|&&b| b == b'\n').count();
            match premix::formats::als::scan::scan(cut) {
                Err(FormatError {
                    place: Place::Line(line, _),
                    message,
                }) => assert!(
                    line <= lines && message.starts_with("malformed XML"),
                    "{} cut at {}: line {line}: {message}",
                    name(path),
                    cut.len()
                ),
                other => panic!("{} cut at {}: {other:?}", name(path), cut.len()),
            }
        }
    }
}

/// Every audio track into a new bus, every MIDI track into another, and every existing
/// group into a third: new groups (even around one track, so that every set gets one), and
/// existing groups nested under a new group.
const REGROUP: &str = r##"version: 1
colors:
  a: "#3d8fd9"
  m: "#d94f3d"
  o: "#6ab04c"
buses:
  - {name: AUDIO BUS, color: a, min_members: 1}
  - {name: MIDI & KEYS, color: m, min_members: 1}
  - {name: OUTER, color: o, min_members: 1}
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
        // Every version in the corpus has a group track to copy: its own or a built-in one.
        assert!(
            doc.tracks.iter().any(|t| t.tag == "GroupTrack")
                || templates::builtin(&doc.minor_version).is_some(),
            "{n}"
        );
        let done =
            process(Format::Als, &bytes, &rules, true).unwrap_or_else(|e| panic!("{n}: {e}"));
        if !done.plan.new_buses.is_empty() {
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
    // Every set has an audio or MIDI track, so every set gets at least one new group.
    assert_eq!(created, files.len(), "only {created} sets got new groups");
}

/// The tracks of a set's XML as (tag, attribute names, element paths).
fn track_paths(xml: &[u8]) -> Vec<(String, Vec<String>, BTreeSet<String>)> {
    als_paths::elements(xml)
        .into_iter()
        .filter(|e| e.in_tracks)
        .map(|e| (e.tag, e.attrs, e.paths))
        .collect()
}

/// A lone track element (a built-in template) as the one track of a set.
fn in_a_set(track: &[u8]) -> Vec<u8> {
    [
        b"<Ableton><LiveSet><Tracks>".as_slice(),
        track,
        b"</Tracks></LiveSet></Ableton>",
    ]
    .concat()
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

#[test]
fn every_built_in_group_template_has_the_elements_its_version_gives_tracks() {
    let Some(files) = corpus() else { return };
    // Tracks of every corpus set by MinorVersion, Live-written sets apart from the abletoolz
    // skeletons (pruned and re-serialised by Python; evidence only where nothing else is).
    type Tracks = Vec<(String, Vec<String>, BTreeSet<String>)>;
    let mut by_version: BTreeMap<String, (Tracks, Tracks)> = BTreeMap::new();
    for path in &files {
        let x = xml(&std::fs::read(path).unwrap());
        let version = premix::formats::als::scan::scan(&x).unwrap().minor_version;
        let entry = by_version.entry(version).or_default();
        let tracks = track_paths(&x);
        if name(path).starts_with("abletoolz-pruned__") {
            entry.1.extend(tracks);
        } else {
            entry.0.extend(tracks);
        }
    }
    let all: Vec<_> = by_version
        .values()
        .flat_map(|(a, b)| a.iter().chain(b))
        .collect();
    let kind_union = |kinds: &[&str]| -> BTreeSet<String> {
        all.iter()
            .filter(|t| kinds.contains(&t.0.as_str()))
            .flat_map(|t| t.2.iter().cloned())
            .collect()
    };
    // Paths only clip-holding tracks carry (never seen in a return or group track), and the
    // top-level elements only group tracks carry (`Slots`, `MinTrackHeight`, ...).
    let holders = kind_union(&["ReturnTrack", "GroupTrack"]);
    let clip_only: BTreeSet<String> = kind_union(&["AudioTrack", "MidiTrack"])
        .difference(&holders)
        .cloned()
        .collect();
    let top = |p: &String| p.split('/').next().unwrap_or("").to_string();
    let others: BTreeSet<String> = kind_union(&["AudioTrack", "MidiTrack", "ReturnTrack"])
        .iter()
        .map(top)
        .collect();
    let group_only: BTreeSet<String> = kind_union(&["GroupTrack"])
        .iter()
        .map(top)
        .filter(|t| !others.contains(t))
        .collect();
    assert!(group_only.contains("Slots"), "{group_only:?}");

    let mut checked = Vec::new();
    for (version, (live, skeletons)) in &by_version {
        let evidence = if live.is_empty() { skeletons } else { live };
        let template = templates::builtin(version)
            .unwrap_or_else(|| panic!("no built-in group template for {version}"));
        let adapted = templates::adapt(template, 1, 1).unwrap();
        let (tag, attrs, paths) = track_paths(&in_a_set(&adapted)).remove(0);
        assert_eq!(tag, "GroupTrack");
        // Track attributes as the version writes them (Live 12.2+: SelectedToolPanel, ...).
        let expected_attrs = &evidence[0].1;
        assert_eq!(&attrs, expected_attrs, "{version}: track attributes");
        let shared = evidence
            .iter()
            .filter(|t| t.0 != "GroupTrack")
            .map(|t| &t.2 - &clip_only)
            .reduce(|a, b| &a & &b)
            .unwrap();
        let missing: Vec<_> = shared.difference(&paths).collect();
        assert!(
            missing.is_empty(),
            "{version}: the template lacks {missing:?}"
        );
        let seen: BTreeSet<String> = evidence.iter().flat_map(|t| t.2.iter().cloned()).collect();
        let real_groups: Vec<_> = evidence.iter().filter(|t| t.0 == "GroupTrack").collect();
        let no_holder_evidence = !seen.iter().any(|p| p.ends_with("/TrackSendHolder"));
        let foreign: Vec<_> = paths
            .iter()
            .filter(|p| {
                if group_only.contains(&top(p)) {
                    return !real_groups.is_empty()
                        && !real_groups.iter().any(|g| g.2.contains(*p));
                }
                let unevidenced = no_holder_evidence && p.contains("TrackSendHolder");
                !seen.contains(*p)
                    && (parent(p).is_empty() || seen.contains(parent(p)))
                    && !unevidenced
            })
            .collect();
        assert!(
            foreign.is_empty(),
            "{version}: the template has elements no track of that version has: {foreign:?}"
        );
        checked.push(version.clone());
    }
    assert!(checked.len() >= 12, "{checked:?}");
    assert_eq!(
        templates::versions().collect::<BTreeSet<_>>(),
        checked.iter().map(String::as_str).collect()
    );
}

/// Live 8 (Shukumei, 8.1_226, no group of its own): a new group comes from the built-in
/// Live 8 group track, whose values live in default arrangement events and whose slots and
/// holders carry no Id; with no `NextPointeeId` in Live 8, its ids go past the set's largest.
#[test]
fn a_new_live_8_group_is_built_the_live_8_way() {
    let Some(files) = corpus() else { return };
    let Some(path) = files
        .iter()
        .find(|p| name(p) == "labcat-shukumei__Shukumei.als")
    else {
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    let before = xml(&bytes);
    let doc = premix::formats::als::scan::scan(&before).unwrap();
    assert!(doc.next_pointee.is_none(), "Live 8 keeps no NextPointeeId");
    let largest = doc.pointees.iter().map(|(id, _)| *id).max().unwrap();
    let rules = rules::load(
        "version: 1\nbuses: [{name: ALL AUDIO}]\nrules:\n  - match: {kind: audio}\n    bus: ALL AUDIO\n",
        "all-audio.yaml",
    )
    .unwrap();
    let done = process(Format::Als, &bytes, &rules, true).unwrap();
    let after = xml(&done.output.unwrap());
    check_invariants(&after).unwrap();
    check_send_holders(&after).unwrap();
    let text = String::from_utf8(after).unwrap();
    let start = text.find("<UserName Value=\"ALL AUDIO\" />").unwrap();
    let start = text[..start].rfind("<GroupTrack ").unwrap();
    let group = &text[start..start + text[start..].find("</GroupTrack>").unwrap()];
    // One `<GroupTrackSlot />` per scene, one `<TrackSendHolder>` per return, no Ids.
    assert_eq!(group.matches("<GroupTrackSlot />").count(), doc.scenes);
    assert_eq!(group.matches("<TrackSendHolder>").count(), 2);
    // Volume 0 dB and pan centre, in the events Live 8 reads them from.
    assert!(group.contains("<Volume>"));
    let volume = &group[group.find("<Volume>").unwrap()..];
    assert!(
        volume[..volume.find("</Volume>").unwrap()]
            .contains("<FloatEvent Time=\"-63072000\" Value=\"1\" />")
    );
    let ids: Vec<i64> = group
        .split("Target Id=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect();
    assert!(!ids.is_empty());
    assert!(ids.iter().all(|&id| id > largest), "{ids:?} vs {largest}");
}
