//! The REAPER backend on every real project of the corpus: lossless round trip, minimal
//! edits, folders with receives kept, idempotency, and format facts pinned on real files.

mod common;

use common::corpus_files;
use premix::formats::Project;
use premix::formats::rpp::RppProject;
use premix::pipeline::process;
use premix::rules::{self, RuleSet};
use premix::session::{Format, Rgb, TrackKind};
use std::path::Path;

fn rpp_files() -> Vec<std::path::PathBuf> {
    corpus_files("rpp", &["rpp"])
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

fn run(bytes: &[u8], rules: &RuleSet) -> premix::pipeline::Processed {
    process(Format::Rpp, bytes, rules, true).unwrap()
}

#[test]
fn a_run_with_no_rules_returns_every_file_byte_for_byte() {
    let rules = rules::load("version: 1\n", "empty.yaml").unwrap();
    for path in rpp_files() {
        let bytes = read(&path);
        let out = run(&bytes, &rules);
        assert!(!out.plan.edits_file(), "{}", path.display());
        assert!(out.output.unwrap() == bytes, "{} changed", path.display());
    }
}

#[test]
fn a_colour_only_run_changes_only_peakcol_lines() {
    let rules = rules::load(
        "version: 1\nrules:\n  - match: {kind: any}\n    color: '#123456'\n",
        "colour.yaml",
    )
    .unwrap();
    for path in rpp_files() {
        let bytes = read(&path);
        let out = run(&bytes, &rules).output.unwrap();
        let before: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        let after: Vec<&[u8]> = out.split(|b| *b == b'\n').collect();
        assert_eq!(before.len(), after.len(), "{}", path.display());
        for (b, a) in before.iter().zip(&after) {
            if b != a {
                let b = String::from_utf8_lossy(b);
                let a = String::from_utf8_lossy(a);
                assert!(
                    b.trim_start().starts_with("PEAKCOL ")
                        && a.trim_start().starts_with("PEAKCOL "),
                    "{}: {b:?} -> {a:?}",
                    path.display()
                );
            }
        }
        let reread = RppProject::read(&out).unwrap();
        assert!(
            reread
                .session()
                .tracks
                .iter()
                .all(|t| t.color == Some(Rgb::new(0x12, 0x34, 0x56))),
            "{}",
            path.display()
        );
    }
}

/// Receives name their source by index: after any regrouping, every receive must still come
/// from the same track (compared by GUID where a file's GUIDs are unique).
#[test]
fn regrouping_keeps_every_receive_on_its_source() {
    let rules = rules::load(
        "version: 1\nbuses: [{name: VOWELS, min_members: 1}, {name: OTHERS, min_members: 1}]\nrules:\n  - match: {name: '^[aeiou]', kind: any}\n    bus: VOWELS\n  - match: {name: '[0-9]'}\n    bus: OTHERS\n",
        "group.yaml",
    )
    .unwrap();
    let mut receives_checked = 0;
    let mut files_regrouped = 0;
    for path in rpp_files() {
        let bytes = read(&path);
        let out = run(&bytes, &rules);
        let output = out.output.unwrap();
        if out.plan.edits_file() {
            files_regrouped += 1;
        }
        let before = RppProject::read(&bytes).unwrap();
        let after = RppProject::read(&output).unwrap();
        let guids = |p: &RppProject<'_>| -> Vec<Option<String>> {
            let guid = |t: &premix::formats::rpp::scan::RppTrack| {
                t.guid.as_ref().map(|g| p.text(g).into_owned())
            };
            p.document().tracks.iter().map(guid).collect()
        };
        let (gb, ga) = (guids(&before), guids(&after));
        let unique = gb.iter().all(Option::is_some)
            && gb.iter().collect::<std::collections::HashSet<_>>().len() == gb.len();
        if !unique {
            continue;
        }
        let source_of = |p: &RppProject<'_>, g: &[Option<String>]| {
            let mut pairs: Vec<(String, String)> = p
                .document()
                .tracks
                .iter()
                .flat_map(|t| {
                    t.receives.iter().map(|r| {
                        let guid = p.text(t.guid.as_ref().unwrap()).into_owned();
                        (guid, g[r.source.value].clone().unwrap())
                    })
                })
                .collect();
            pairs.sort();
            pairs
        };
        let (rb, ra) = (source_of(&before, &gb), source_of(&after, &ga));
        assert_eq!(rb, ra, "{}", path.display());
        receives_checked += rb.len();
    }
    if !rpp_files().is_empty() {
        assert!(
            files_regrouped > 10,
            "only {files_regrouped} files regrouped"
        );
        assert!(
            receives_checked > 10,
            "only {receives_checked} receives checked"
        );
    }
}

#[test]
fn new_folder_renumbers_the_receive_of_the_send_receive_example() {
    let Some(dir) = common::corpus("rpp") else {
        return;
    };
    let bytes = read(&dir.join("rppp__send-receive.RPP"));
    let rules = rules::load(
        "version: 1\nbuses: [{name: SENDS, color: '#00ff00', min_members: 1}]\nrules:\n  - match: {name: '^s-track$'}\n    bus: SENDS\n",
        "r.yaml",
    )
    .unwrap();
    let out = String::from_utf8(run(&bytes, &rules).output.unwrap())
        .unwrap()
        .replace("\r\n", "\n");
    // s-track (was 0) is now 1, inside the new folder; r-track's receive follows it.
    assert!(out.contains("    AUXRECV 1 0 1 0 0 0 0 0 0 -1:U 0 -1 ''\n"));
    assert!(
        out.contains("    NAME SENDS\n    PEAKCOL 16842496\n"),
        "macOS 0x00RRGGBB order"
    );
    let p = RppProject::read(out.as_bytes()).unwrap();
    let names: Vec<_> = p
        .session()
        .tracks
        .iter()
        .map(|t| (t.name.as_str(), t.parent))
        .collect();
    assert_eq!(
        names,
        [("SENDS", None), ("s-track", Some(0)), ("r-track", None)]
    );
}

#[test]
fn the_default_rules_change_nothing_the_second_time() {
    let rules = RuleSet::default_rules();
    let mut changed = 0;
    for path in rpp_files() {
        let first = run(&read(&path), &rules);
        changed += usize::from(first.plan.edits_file());
        let output = first.output.unwrap();
        let second = run(&output, &rules);
        assert!(
            !second.plan.edits_file(),
            "{}: second run wants {:?}",
            path.display(),
            second.plan.changes
        );
        assert!(second.output.unwrap() == output);
    }
    if !rpp_files().is_empty() {
        // Templates (no media anywhere) and sessions whose names say nothing are left alone.
        assert!(
            changed > 20,
            "the default rules changed only {changed} corpus files"
        );
    }
}

fn session_of(name: &str) -> Option<premix::session::Session> {
    let dir = common::corpus("rpp")?;
    let bytes = read(&dir.join(name));
    Some(RppProject::read(&bytes).unwrap().session().clone())
}

#[test]
fn peakcol_byte_order_follows_the_saving_platform() {
    // Windows (x64) stores COLORREF 0x00BBGGRR: the orchestral template's Brass folder is
    // PEAKCOL 0x017575FF, the salmon red brass sections are usually given.
    let Some(s) = session_of("jonch070__Discover_template.rpp") else {
        return;
    };
    let brass = s.tracks.iter().find(|t| t.name == "Brass").unwrap();
    assert_eq!(brass.color, Some(Rgb::new(0xff, 0x75, 0x75)));
    // macOS stores 0x00RRGGBB (SWELL's RGB macro): DIALOGUE is PEAKCOL 0x01E649AB.
    let s = session_of("jonch070__CRB_Template_04.RPP").unwrap();
    let dialogue = s.tracks.iter().find(|t| t.name == "DIALOGUE").unwrap();
    assert_eq!(dialogue.color, Some(Rgb::new(0xe6, 0x49, 0xab)));
}

#[test]
fn reaper_2_single_argument_isbus_still_nests_folders() {
    // REAPER 2/3 wrote `ISBUS 1` (open a folder) and `ISBUS 2` (close one) with no delta.
    let Some(s) = session_of("jonch070__test-grp-3.RPP") else {
        return;
    };
    let tree: Vec<_> = s
        .tracks
        .iter()
        .map(|t| (t.name.as_str(), t.parent))
        .collect();
    assert_eq!(
        tree,
        [
            ("T-One", None),
            ("T-Two", Some(0)),
            ("T-Three", Some(0)),
            ("T-Four", None),
            ("T-Five", None),
            ("T-Six", Some(4))
        ]
    );
    assert_eq!(s.tracks[0].kind, TrackKind::Bus);
}

#[test]
fn reaper_4_quotes_track_guids_in_single_quotes() {
    // `<TRACK '{35FAE399-...}'` in REAPER 4.32: the GUID is read without its quotes.
    let Some(dir) = common::corpus("rpp") else {
        return;
    };
    let bytes = read(&dir.join("perlence-rpp__empty.RPP"));
    let p = RppProject::read(&bytes).unwrap();
    let guid = p.text(p.document().tracks[0].guid.as_ref().unwrap());
    assert!(guid.starts_with('{') && guid.ends_with('}'), "{guid}");
}

#[test]
fn renames_use_reapers_quoting_on_the_tricky_strings_file() {
    let Some(dir) = common::corpus("rpp") else {
        return;
    };
    let bytes = read(&dir.join("rppp__tricky-strings.RPP"));
    let rules = rules::load(
        "version: 1\nrules:\n  - match: {kind: any}\n    rename: '{name} \"2\"'\n",
        "r.yaml",
    )
    .unwrap();
    let out = run(&bytes, &rules);
    let after = RppProject::read(out.output.as_deref().unwrap()).unwrap();
    for (b, a) in out.session.tracks.iter().zip(&after.session().tracks) {
        // Rendered names are trimmed: the empty name becomes `"2"`, not ` "2"`.
        assert_eq!(a.name, format!("{} \"2\"", b.name).trim());
    }
}

#[test]
fn a_name_with_all_three_quotes_is_read_from_its_name_block() {
    // REAPER writes such a name twice: a lossy `NAME` line, then a `<NAME` chunk of `|` lines
    // holding the real name (block encoding). The block is the name.
    let Some(s) = session_of("rppp__tricky-strings.RPP") else {
        return;
    };
    assert!(s.tracks.iter().any(|t| t.name == "'''```\"\"\""));
    let rules = rules::load(
        "version: 1\nrules:\n  - match: {name: '```'}\n    rename: 'plain'\n  - match: {name: '^NAME$'}\n    rename: 'a\"b''c`d'\n",
        "r.yaml",
    )
    .unwrap();
    let dir = common::corpus("rpp").unwrap();
    let out = run(&read(&dir.join("rppp__tricky-strings.RPP")), &rules);
    let after = RppProject::read(out.output.as_deref().unwrap()).unwrap();
    let names: Vec<&str> = after
        .session()
        .tracks
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert!(
        names.contains(&"plain") && names.contains(&"a\"b'c`d"),
        "{names:?}"
    );
    let text = String::from_utf8_lossy(out.output.as_deref().unwrap()).replace("\r\n", "\n");
    assert!(text.contains("    NAME a\"b'c`d\n    <NAME\n      |a\"b'c`d\n    >\n"));
}
