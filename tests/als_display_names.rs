//! Live names as Live shows them (`inspect`, check lines, diffs, the HTML report), while rules
//! keep matching the name the user typed.
//!
//! Facts: every Live 9-12 set stores the name Live shows as `Track/Name/EffectiveName`: a
//! return's typed name behind its letter (`A-Kick SC` for `Kick SC`), an unnamed track's made-up
//! name behind its number (`3-Audio`, `1-Drum Rack`). Live 8 stores no `EffectiveName`; it
//! shows the same numbered names (the corpus Live 8 set routes to `7-offline rack`).

mod common;

use common::{check_json, corpus_file, inspect_json};

use assert_cmd::Command;
use premix::formats::Project;
use premix::formats::als::{AlsProject, container};
use premix::session::{NameDisplay, Session};
use std::fs;
use std::path::Path;

fn premix() -> Command {
    Command::cargo_bin("premix").unwrap()
}

fn session(bytes: &[u8]) -> Session {
    AlsProject::read(bytes).unwrap().session().clone()
}

/// `(tag, EffectiveName)` of every track, in order, as the set stores them.
fn effective_names(bytes: &[u8]) -> Vec<(String, Option<String>)> {
    let xml = container::decode(bytes, &premix::limits::Limits::default())
        .unwrap()
        .1;
    let text = String::from_utf8_lossy(&xml);
    let mut out = Vec::new();
    for tag in ["AudioTrack", "MidiTrack", "GroupTrack", "ReturnTrack"] {
        let mut from = 0;
        while let Some(i) = text[from..].find(&format!("\t<{tag} Id=")) {
            let at = from + i;
            // The track's own name comes first inside it.
            let name = text[at..]
                .find("<EffectiveName Value=\"")
                .filter(|&j| j < text[at..].find("<UserName").unwrap_or(usize::MAX))
                .map(|j| {
                    let v = &text[at + j + 22..];
                    v[..v.find('"').unwrap()].replace("&amp;", "&")
                });
            out.push((at, tag.to_string(), name));
            from = at + 1;
        }
    }
    out.sort();
    out.into_iter().map(|(_, t, n)| (t, n)).collect()
}

/// Sets whose tracks were removed by a tool (the numbers Live stored are stale there).
fn pruned(path: &Path) -> bool {
    path.to_string_lossy().contains("pruned")
}

#[test]
fn shown_names_are_the_names_live_stored_for_every_corpus_set() {
    let mut compared = 0;
    for path in common::corpus_files("als", &["als"]) {
        let bytes = fs::read(&path).unwrap();
        let s = session(&bytes);
        assert_eq!(s.name_display, NameDisplay::Numbered);
        let stored = effective_names(&bytes);
        assert_eq!(stored.len(), s.tracks.len(), "{}", path.display());
        let shown = s.shown_names();
        for (i, (tag, effective)) in stored.iter().enumerate() {
            let Some(effective) = effective else { continue };
            if pruned(&path) {
                continue;
            }
            assert_eq!(
                shown[i],
                *effective,
                "{} track {} ({tag})",
                path.display(),
                i + 1
            );
            compared += 1;
        }
    }
    if compared > 0 {
        // 235 tracks in 42 sets when this was written.
        assert!(compared >= 200, "{compared}");
    }
}

#[test]
fn returns_show_their_letter_and_rules_match_the_typed_name() {
    let Some(dir) = common::corpus("als") else {
        return;
    };
    // abletoolz-pruned__10.0.1: return 1 typed `Kick SC` (Live shows `A-Kick SC`), return 2
    // never named (`B-Guitar Rig 5`).
    let path = dir.join("abletoolz-pruned__10.0.1.als");
    let s = session(&fs::read(&path).unwrap());
    let last: Vec<(&str, String)> = s.tracks[6..]
        .iter()
        .zip(&s.shown_names()[6..])
        .map(|(t, shown)| (t.name.as_str(), shown.to_string()))
        .collect();
    assert_eq!(
        last,
        [
            ("Kick SC", "A-Kick SC".to_string()),
            ("B-Guitar Rig 5", "B-Guitar Rig 5".to_string())
        ]
    );
    let rules = common::write_temp(
        "rules.yaml",
        "version: 1\nrules:\n  - match: {name: '^Kick SC$', kind: return}\n    rename: 'Sidechain'\n",
    );
    let out = premix()
        .args(["check", "--rules"])
        .arg(rules.path())
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(r#"track 7 "A-Kick SC": rename to "Sidechain""#),
        "{stdout}"
    );
    // The diff shows the names as Live will show them.
    let dir_out = tempfile::tempdir().unwrap();
    let out = premix()
        .args(["apply", "--diff", "--rules"])
        .arg(rules.path())
        .arg(&path)
        .arg("--out")
        .arg(dir_out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(r#"~   7 "A-Kick SC": name "A-Kick SC" → "A-Sidechain""#),
        "{stdout}"
    );
    // The HTML report lists the tracks as Live shows them, before and after.
    let page = dir_out.path().join("report.html");
    premix()
        .args(["report", "--html"])
        .arg(&page)
        .arg("--rules")
        .arg(rules.path())
        .arg(&path)
        .assert()
        .code(1);
    let html = fs::read_to_string(&page).unwrap();
    assert!(
        html.contains(">A-Kick SC<") && html.contains(">A-Sidechain<"),
        "{html}"
    );
    // inspect --json keeps the name rules match and adds the shown one.
    let out = premix()
        .arg("inspect")
        .arg("--json")
        .arg(&path)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["tracks"][6]["name"], "Kick SC");
    assert_eq!(doc["tracks"][6]["display_name"], "A-Kick SC");
    assert_eq!(doc["tracks"][3]["display_name"], "4-Maschine 2");
}

#[test]
fn a_hash_in_front_of_a_name_shows_the_track_number() {
    let Some(dir) = common::corpus("als") else {
        return;
    };
    // A raw-XML set (stored uncompressed): name its MIDI track `## Keys`, as a user would.
    let path = dir.join("danielbayley-uncompressed__live-tools.als");
    let text = fs::read_to_string(&path).unwrap();
    let at = text.find("<MidiTrack Id=").unwrap();
    let name_at = at + text[at..].find("<UserName Value=\"\"").unwrap();
    let named = format!(
        "{}<UserName Value=\"## Keys\"{}",
        &text[..name_at],
        &text[name_at + "<UserName Value=\"\"".len()..]
    );
    let s = session(named.as_bytes());
    assert_eq!(s.tracks[1].name, "## Keys");
    assert_eq!(s.shown_name(1), "02 Keys");
    // A rule for the typed name matches.
    let rules = premix::rules::load(
        "version: 1\nrules:\n  - match: {name: '^## Keys$'}\n    color: '#3dbfa8'\n",
        "r.yaml",
    )
    .unwrap();
    let plan = premix::rules::plan(&rules, &s);
    assert_eq!(plan.changes.len(), 1, "{:?}", plan.changes);
}

#[test]
fn live_8_sets_show_numbered_default_names() {
    let Some(dir) = common::corpus("als") else {
        return;
    };
    let s = session(&fs::read(dir.join("dawtool__live8-patch-markers-auto.als")).unwrap());
    let shown = s.shown_names();
    let pick = |i: usize| shown[i - 1].to_string();
    // A group, an audio track, a MIDI track after its named rack (routed to as
    // `7-offline rack` in this very set), after its instrument, a named track, returns.
    assert_eq!(
        [
            pick(1),
            pick(2),
            pick(7),
            pick(8),
            pick(11),
            pick(17),
            pick(18),
            pick(19)
        ],
        [
            "1-Group",
            "2-Audio",
            "7-offline rack",
            "8-Collision",
            "synth saw",
            "17-Operator",
            "A-Return",
            "B-Return"
        ]
    );
    // An unnamed track is named as Live shows it, in the rules and in every message.
    assert_eq!(s.tracks[6].name, "7-offline rack");
    let text = container::decode(
        &fs::read(dir.join("dawtool__live8-patch-markers-auto.als")).unwrap(),
        &premix::limits::Limits::default(),
    )
    .unwrap()
    .1;
    assert!(String::from_utf8_lossy(&text).contains("UpperDisplayString Value=\"7-offline rack\""));
}

#[test]
fn a_line_break_in_a_live_rename_is_refused_with_a_note() {
    let set = fs::read(common::sample("als/messy-set.als")).unwrap();
    let rules = premix::rules::load(
        "version: 1\nrules:\n  - match: {name: '.'}\n    rename: \"{name}\\nx\"\n",
        "r.yaml",
    )
    .unwrap();
    let out = premix::pipeline::process(premix::session::Format::Als, &set, &rules, true).unwrap();
    assert!(
        !out.plan
            .changes
            .iter()
            .any(|c| matches!(c.action, premix::plan::Action::Rename { .. }))
    );
    assert!(
        out.plan
            .notes
            .iter()
            .any(|n| n.message.contains("a Live track name is one line")),
        "{:?}",
        out.plan.notes
    );
}

/// `apply --diff` shows a bus change only for a track that changes bus. Live names a group
/// never named by its position ("18-Group"); when premix inserts a new group above it, Live
/// shows it as "20-Group", and the diff reports its tracks as moved between two groups.
///
/// `my5t3ry__20200126.als`: "19-Zebra2" and "20-Zebra2" stay in their group (the new SYNTHS
/// group cannot hold a group in a Live 9 set, so they are only recoloured; `check` lists no
/// move for them), yet the diff says `bus 18-Group → 20-Group`. The engineer reads a move
/// that does not happen. (After the run Live also renumbers every unnamed track below the
/// new group, "6-Kick 2" shows as "14-Kick 2", which neither `check` nor the diff says.)
#[test]
fn the_diff_shows_no_bus_change_for_a_track_that_stays_in_its_group() {
    let Some(als) = corpus_file("als/my5t3ry__20200126.als") else {
        return;
    };
    let project = check_json(&als);
    let moved: Vec<u64> = project["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "move_to_bus")
        .map(|c| c["track"].as_u64().unwrap())
        .collect();
    assert!(
        !moved.contains(&19) && !moved.contains(&20),
        "check moves neither"
    );
    let out = premix()
        .arg("apply")
        .arg(&als)
        .args(["--dry-run", "--diff", "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "changes to make");
    let diff = String::from_utf8_lossy(&out.stdout);
    let claimed: Vec<&str> = diff
        .lines()
        .filter(|l| l.contains("Zebra2\"") && l.contains(", bus "))
        .filter(|l| l.contains("\"19-Zebra2\"") || l.contains("\"20-Zebra2\""))
        .collect();
    assert!(
        claimed.is_empty(),
        "the diff reports a bus change for tracks that stay in their group:\n{}",
        claimed.join("\n")
    );

    // What does change is said: a moved track's bus, and the new number Live shows an unnamed
    // track under once a group is inserted above it.
    assert!(
        diff.lines()
            .any(|l| l.contains("\"5-Zebra2\"") && l.contains("bus — → SYNTHS")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.contains("\"18-Group\": shown as \"20-Group\"")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.contains("\"6-Kick 2\"") && l.contains("shown as \"14-Kick 2\"")),
        "{diff}"
    );
}

/// Every message names a track as the DAW shows it. Live shows a track never named by its
/// position and device ("5-Group"); a set saved after tracks were removed keeps the stale
/// numbers in the file ("12-Group"). `inspect`, the change lines and `--format github` use
/// Live's; the notes of `check` and the `track_name` of `check --json` use the stale one.
///
/// `abletoolz-pruned__10.0.1.als`: inspect shows "5-Group", the note says `"12-Group" keeps
/// its place`; `abletoolz-pruned__10.1.3.als`: inspect "5-Shaker (9)", the note
/// `"10-Shaker (9)" keeps its place`, and the JSON names track 4 "10-Maschine 2" where the
/// text line says "4-Maschine 2". The engineer looks for a track Live does not show.
/// (Read again: "10-Maschine 2", shown "4-Maschine 2", is in 10.0.1; 10.1.3 stores
/// "18-Group" for the "6-Group" Live shows.)
#[test]
fn live_notes_name_tracks_as_live_shows_them() {
    let mut wrong = Vec::new();
    for rel in [
        "als/abletoolz-pruned__10.0.1.als",
        "als/abletoolz-pruned__10.1.3.als",
    ] {
        let Some(als) = corpus_file(rel) else {
            return;
        };
        let inspect = inspect_json(&als);
        let project = check_json(&als);
        for t in inspect["tracks"].as_array().unwrap() {
            let (name, shown) = (
                t["name"].as_str().unwrap(),
                t["display_name"].as_str().unwrap(),
            );
            if name == shown {
                continue;
            }
            for f in project["findings"].as_array().unwrap() {
                let message = f["message"].as_str().unwrap();
                if message.contains(&format!("\"{name}\"")) {
                    wrong.push(format!(
                        "{rel}: Live shows {shown:?}, the note says: {message}"
                    ));
                }
            }
            // The JSON names a track as the text output and `--format github` do.
            let changes = project["changes"].as_array().unwrap();
            for c in changes
                .iter()
                .chain(project["findings"].as_array().unwrap())
            {
                if c["track"] == t["index"] && c["track_name"] != shown {
                    wrong.push(format!(
                        "{rel}: Live shows {shown:?}, the JSON's track_name is {}",
                        c["track_name"]
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The stale numbers of the files name no track anywhere in the run's document, and every
    // `track_name` is the name `inspect` shows.
    for (rel, stale, shown) in [
        ("als/abletoolz-pruned__10.0.1.als", "12-Group", "5-Group"),
        (
            "als/abletoolz-pruned__10.1.3.als",
            "10-Shaker (9)",
            "5-Shaker (9)",
        ),
        (
            "als/abletoolz-pruned__10.0.1.als",
            "10-Maschine 2",
            "4-Maschine 2",
        ),
        ("als/abletoolz-pruned__10.1.3.als", "18-Group", "6-Group"),
    ] {
        let Some(als) = corpus_file(rel) else {
            return;
        };
        let inspect = inspect_json(&als);
        assert!(
            inspect["tracks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["display_name"] == shown && t["name"] == shown),
            "{rel}: no track {shown:?}"
        );
        let project = check_json(&als);
        let text = project.to_string();
        assert!(
            !text.contains(&format!("\\\"{stale}\\\"")) && !text.contains(&format!("\"{stale}\"")),
            "{rel}: the stale name {stale:?} is in check --json: {text}"
        );
        for entry in project["changes"]
            .as_array()
            .unwrap()
            .iter()
            .chain(project["findings"].as_array().unwrap())
            .filter(|e| e["track"].is_u64())
        {
            let t = &inspect["tracks"][entry["track"].as_u64().unwrap() as usize - 1];
            assert_eq!(entry["track_name"], t["display_name"], "{rel}: {entry}");
        }
    }
}

/// A note names a track typed with a leading `#` as Live shows it, numbered: the Live 9
/// Reference Manual ("Audio and MIDI Tracks": "When a # symbol precedes a name, the track will
/// get a number"). `abletoolz-pruned__10.0.1.als` with its 5th track, the group around "Bass",
/// named `# Low end`: Live shows "5 Low end", and the note on the BASS bus not made names it so.
#[test]
fn a_note_names_a_hash_numbered_track_as_live_shows_it() {
    let Some(als) = corpus_file("als/abletoolz-pruned__10.0.1.als") else {
        return;
    };
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(fs::File::open(&als).unwrap()),
        &mut xml,
    )
    .unwrap();
    let group = xml.find(r#"<EffectiveName Value="12-Group" />"#).unwrap();
    let user = group + xml[group..].find(r#"<UserName Value="" />"#).unwrap();
    xml.replace_range(
        user..user + r#"<UserName Value="" />"#.len(),
        r##"<UserName Value="# Low end" />"##,
    );
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("low-end.als");
    fs::write(&set, xml).unwrap();

    let inspect = inspect_json(&set);
    assert_eq!(inspect["tracks"][4]["name"], "# Low end");
    assert_eq!(inspect["tracks"][4]["display_name"], "5 Low end");
    let project = check_json(&set);
    let messages: Vec<&str> = project["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\"5 Low end\" keeps its place")),
        "{messages:?}"
    );
    assert!(
        !messages
            .iter()
            .any(|m| m.contains("Low end\"") && m.contains('#')),
        "{messages:?}"
    );
}
