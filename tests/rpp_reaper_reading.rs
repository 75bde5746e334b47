//! REAPER projects read as REAPER's own reader (WDL's `ProjectStateContext` and `LineParser`)
//! reads them, and names with line breaks written in REAPER's own encoding.
//!
//! Facts from WDL's `projectcontext.cpp`: a line is split at LF alone, after skipping leading
//! spaces, tabs, CR and LF (so blank lines anywhere, even before the project, are read past);
//! a line whose first token starts with `>` closes a chunk whatever follows it. A name with a
//! line break is written twice: a `NAME` line with the break as a space, then a `<NAME` block
//! of `|` lines holding it whole (`configStringWantsBlockEncoding`, `cfg_encode_textblock`).

mod common;

use assert_cmd::Command;
use premix::formats::Project;
use premix::formats::rpp::RppProject;
use premix::pipeline::process;
use premix::rules;
use premix::session::{Format, Session};
use std::fs;

fn premix() -> Command {
    Command::cargo_bin("premix").unwrap()
}

fn session(bytes: &[u8]) -> Session {
    RppProject::read(bytes).unwrap().session().clone()
}

fn names(s: &Session) -> Vec<&str> {
    s.tracks.iter().map(|t| t.name.as_str()).collect()
}

/// A small project with a folder, an item and a receive, in REAPER's own layout.
const CLEAN: &str = "<REAPER_PROJECT 0.1 \"7.22/win64\" 1725545821\n  TEMPO 120 4 4\n  <TRACK {A}\n    NAME Drums\n    PEAKCOL 16576\n    ISBUS 1 1\n  >\n  <TRACK {B}\n    NAME \"Kick In\"\n    ISBUS 2 -1\n    <ITEM\n      POSITION 0\n      <SOURCE WAVE\n        FILE \"kick.wav\"\n      >\n    >\n  >\n  <TRACK {C}\n    NAME Verb\n    AUXRECV 1 0 1 0 0 0 0 0 0 -1:U 0 -1 ''\n  >\n>\n";

/// `CLEAN` with every closing `>` followed by blanks, blank and whitespace-only lines in
/// between and before the project, and CR CR LF line endings on some lines: the same project
/// to REAPER.
fn lenient() -> String {
    let mut text = String::from("\n  \t\r\n");
    for (i, line) in CLEAN.lines().enumerate() {
        text.push_str(line);
        if line.trim() == ">" {
            text.push_str(if i % 2 == 0 { "  " } else { "\t \t" });
        }
        text.push_str(if i % 3 == 0 { "\r\r\n" } else { "\n" });
        if i % 4 == 1 {
            text.push_str(" \t \n\n");
        }
    }
    text
}

#[test]
fn closing_lines_with_trailing_blanks_and_blank_lines_read_as_reaper_reads_them() {
    let clean = session(CLEAN.as_bytes());
    assert_eq!(names(&clean), ["Drums", "Kick In", "Verb"]);
    let lenient = lenient();
    assert_eq!(session(lenient.as_bytes()), clean, "{lenient}");
    // A `>` line with anything after it closes the chunk too (rppxml, WDL).
    let junk = CLEAN.replace("      >\n    >\n  >\n", "      >\n    >x\n  >\n");
    assert_eq!(session(junk.as_bytes()), clean);
    // Read in parts and a block at a time (the verification path) alike.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lenient.rpp");
    fs::write(&path, &lenient).unwrap();
    assert_eq!(
        RppProject::read_session(&path, &Default::default()).unwrap(),
        clean
    );
    // Rules apply and a no-op run keeps every byte.
    let rules = rules::RuleSet::default_rules();
    let out = process(Format::Rpp, lenient.as_bytes(), &rules, true).unwrap();
    assert!(out.plan.edits_file());
    let noop = rules::load("version: 1\n", "noop.yaml").unwrap();
    let out = process(Format::Rpp, lenient.as_bytes(), &noop, true).unwrap();
    assert!(!out.plan.edits_file());
}

#[test]
fn the_trailing_space_case_reads_applies_and_settles() {
    let Some(case) = common::case("rpp-trailing-space/closing-with-trailing-space.rpp") else {
        return;
    };
    let bytes = fs::read(&case).unwrap();
    // Closing `>` lines followed by spaces or tabs (the case): 12 tracks, 3 folders.
    let s = session(&bytes);
    assert_eq!(s.tracks.len(), 12);
    assert_eq!(
        s.tracks
            .iter()
            .filter(|t| t.kind == premix::session::TrackKind::Bus)
            .count(),
        3
    );
    let rules = rules::RuleSet::default_rules();
    let out = process(Format::Rpp, &bytes, &rules, true).unwrap();
    let written = out.output.expect("default rules change the case");
    let again = process(Format::Rpp, &written, &rules, true).unwrap();
    assert!(!again.plan.edits_file(), "{:?}", again.plan.changes);
    // Colour-only rules touch PEAKCOL values only: every other line is as it was.
    let colours = rules::load(
        "version: 1\nrules:\n  - match: {name: '.', kind: any}\n    color: '#102030'\n",
        "c.yaml",
    )
    .unwrap();
    let out = process(Format::Rpp, &bytes, &colours, true).unwrap();
    let written = String::from_utf8(out.output.unwrap()).unwrap();
    let original = String::from_utf8(bytes).unwrap();
    for (a, b) in original
        .split_inclusive('\n')
        .zip(written.split_inclusive('\n'))
    {
        if a != b {
            assert!(
                a.trim_start().starts_with("PEAKCOL ") && b.trim_start().starts_with("PEAKCOL ")
            );
        }
    }
    // `inspect` reads it (it said "truncated?" before).
    premix().arg("inspect").arg(&case).assert().success();
}

#[test]
fn a_file_with_cr_only_line_endings_is_refused_as_that_not_as_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let mac = CLEAN.replace('\n', "\r");
    let path = dir.path().join("mac.rpp");
    fs::write(&path, &mac).unwrap();
    let out = premix()
        .arg("apply")
        .arg(&path)
        .arg("--in-place")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "mac.rpp: line 1, column 44: the lines of this file end in a carriage return alone"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("truncated"), "{stderr}");
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        mac,
        "the original is untouched"
    );
    // CR-only endings from some line on: the chunk left open, or the value that runs on,
    // says why.
    let mixed = |from: usize| {
        let head: Vec<&str> = CLEAN.lines().take(from).collect();
        let rest: Vec<&str> = CLEAN.lines().skip(from).collect();
        format!("{}\n{}\r", head.join("\n"), rest.join("\r"))
    };
    let err = RppProject::read(mixed(11).as_bytes())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("never closed: from line 12 the lines end in a carriage return alone"),
        "{err}"
    );
    let err = RppProject::read(mixed(9).as_bytes())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains(
            "line 10: malformed ISBUS line: not a number (the line runs on past a carriage return"
        ),
        "{err}"
    );
    // A project that really ends early still says so.
    let cut = &CLEAN[..CLEAN.len() - 10];
    let err = RppProject::read(cut.as_bytes()).err().unwrap().to_string();
    assert!(err.contains("truncated?"), "{err}");
}

fn rules_file(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("rules.yaml");
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_multiline_name_case_is_renamed_in_reapers_encoding() {
    let (Some(case), Some(rename)) = (
        common::case("rpp-multiline-name/multiline-name.rpp"),
        common::case("rpp-multiline-name/rename.yaml"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // `check` promises the rename and `apply` keeps the promise (it exited 2 before).
    premix()
        .args(["check", "--rules"])
        .arg(&rename)
        .arg(&case)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            r#"track 1 "Gtr L\nverse": rename to "Gtr L\nverse (old take)""#,
        ));
    premix()
        .args(["apply", "--rules"])
        .arg(&rename)
        .arg(&case)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    let written = fs::read_to_string(dir.path().join("multiline-name.rpp")).unwrap();
    assert!(
        written.contains(
            "    NAME \"Gtr L verse (old take)\"\n    <NAME\n      |Gtr L\n      |verse (old take)\n    >\n    PEAKCOL 16576\n"
        ),
        "{written}"
    );
    assert_eq!(
        names(&session(written.as_bytes())),
        ["Gtr L\nverse (old take)"]
    );
    // `inspect` shows one row per track, the break as ↵.
    let shown = premix().arg("inspect").arg(&case).output().unwrap();
    let shown = String::from_utf8(shown.stdout).unwrap();
    assert_eq!(shown.lines().count(), 3, "{shown}");
    assert!(shown.contains("Gtr L↵verse"), "{shown}");
}

#[test]
fn renames_into_and_out_of_line_breaks_are_written_as_reaper_writes_them() {
    let bytes = CLEAN.as_bytes();
    let rules = rules::load(
        "version: 1\nbuses: [{name: \"Two\\nLines\", min_members: 1}]\nrules:\n  - match: {name: 'Kick'}\n    rename: \"Kick\\n{name}\"\n    bus: \"Two\\nLines\"\n  - match: {name: 'Verb', kind: any}\n    rename: \"Verb\\n\\nRoom\"\n",
        "breaks.yaml",
    )
    .unwrap();
    let out = process(Format::Rpp, bytes, &rules, true).unwrap();
    let written = String::from_utf8(out.output.unwrap()).unwrap();
    assert!(
        written
            .contains("    NAME \"Kick Kick In\"\n    <NAME\n      |Kick\n      |Kick In\n    >\n"),
        "{written}"
    );
    // An empty line is a `|` line of its own.
    assert!(
        written.contains(
            "    NAME \"Verb  Room\"\n    <NAME\n      |Verb\n      |\n      |Room\n    >\n"
        ),
        "{written}"
    );
    // A new folder with a break in its name is written the same way.
    assert!(
        written.contains("    NAME \"Two Lines\"\n    <NAME\n      |Two\n      |Lines\n    >\n"),
        "{written}"
    );
    let after = session(written.as_bytes());
    assert!(
        names(&after).contains(&"Verb\n\nRoom"),
        "{:?}",
        names(&after)
    );
    // An empty first line is kept too, as WDL's `cfg_decode_textblock` keeps it.
    let first_empty = CLEAN.replace(
        "    NAME Verb\n",
        "    NAME \" Verb\"\n    <NAME\n      |\n      |Verb\n    >\n",
    );
    assert_eq!(names(&session(first_empty.as_bytes()))[2], "\nVerb");
    // Renamed back to one line: the block goes, the NAME line stays.
    let back = rules::load(
        "version: 1\nrules:\n  - match: {name: 'Kick In'}\n    rename: 'Kick In'\n",
        "back.yaml",
    )
    .unwrap();
    let out = process(Format::Rpp, written.as_bytes(), &back, true).unwrap();
    let again = String::from_utf8(out.output.unwrap()).unwrap();
    assert!(again.contains("    NAME \"Kick In\"\n    ISBUS"), "{again}");
    assert!(!again.contains("|Kick In"), "{again}");
}

#[test]
fn a_carriage_return_in_a_rename_is_refused_in_the_rules_file() {
    let dir = tempfile::tempdir().unwrap();
    let rules = rules_file(
        dir.path(),
        "version: 1\nrules:\n  - match: {name: 'Kick'}\n    rename: \"Kick\\r\\nIn\"\n",
    );
    let err = rules::load(&fs::read_to_string(&rules).unwrap(), "r.yaml").unwrap_err();
    assert!(
        err.to_string().contains("cannot hold a carriage return"),
        "{err}"
    );
}

#[test]
fn a_real_project_with_a_name_block_takes_line_breaks_in_every_name() {
    // rppp__tricky-strings.RPP (REAPER 6.13) holds a <NAME block for a name with all three
    // quote characters; every track gets a name with a line break, then one line again.
    let Some(dir) = common::corpus("rpp") else {
        return;
    };
    let bytes = fs::read(dir.join("rppp__tricky-strings.RPP")).unwrap();
    let before = session(&bytes);
    assert!(
        names(&before).contains(&"\'\'\'```\"\"\""),
        "{:?}",
        names(&before)
    );
    let breaks = rules::load(
        "version: 1\nrules:\n  - match: {name: '.', kind: any}\n    rename: \"{name}\\nline 2\"\n",
        "breaks.yaml",
    )
    .unwrap();
    let out = process(Format::Rpp, &bytes, &breaks, true).unwrap();
    let written = out.output.unwrap();
    let after = session(&written);
    let renamed: Vec<String> = names(&before)
        .iter()
        .map(|n| {
            if n.is_empty() {
                n.to_string()
            } else {
                format!("{n}\nline 2")
            }
        })
        .collect();
    assert_eq!(names(&after), renamed);
    // Back to one line: the original names, and the lines around them as they were.
    let back = rules::load(
        "version: 1\nrules:\n  - match: {name: '^(.*)\\nline 2$', kind: any}\n    rename: '{1}'\n",
        "back.yaml",
    )
    .unwrap();
    let out = process(Format::Rpp, &written, &back, true).unwrap();
    let restored = out.output.unwrap();
    assert_eq!(names(&session(&restored)), names(&before));
    assert_eq!(
        restored, bytes,
        "renamed back, the project is the original byte for byte"
    );
}
