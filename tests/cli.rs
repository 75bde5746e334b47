//! The command-line contract: exit codes, outputs, files written and files left alone.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

fn premix() -> Command {
    let mut cmd = Command::cargo_bin("premix").unwrap();
    cmd.env_remove("NO_COLOR");
    cmd
}

fn messy() -> PathBuf {
    common::sample("reaper/messy-session.rpp")
}

/// A scratch folder holding a copy of the messy sample and a damaged project.
fn scratch() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("songs/good.rpp");
    fs::create_dir_all(good.parent().unwrap()).unwrap();
    fs::copy(messy(), &good).unwrap();
    let bad = dir.path().join("songs/broken.RPP");
    fs::write(
        &bad,
        "<REAPER_PROJECT 0.1 \"7.0/win64\" 1\n  <TRACK\n    NAME \"unterminated\n",
    )
    .unwrap();
    (dir, good, bad)
}

fn write_rules(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("rules.yaml");
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn inspect_json_lists_tracks_with_the_contracted_fields() {
    let out = premix()
        .args(["inspect", "--json"])
        .arg(messy())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format"], "rpp");
    let tracks = doc["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 25);
    // Track indexes count from 1, as in every other output (JSON version 2).
    assert_eq!(doc["version"], 2);
    let kick = &tracks[1];
    assert_eq!(kick["index"], 2);
    assert_eq!(kick["name"], "kick in");
    assert_eq!(kick["kind"], "audio");
    assert_eq!(kick["parent"], 1);
    assert!(kick["color"].as_str().unwrap().starts_with('#'));
    assert_eq!(kick["muted"], false);
    assert_eq!(kick["media"], 1);
    assert_eq!(tracks[21]["unused"], true);
    assert_eq!(tracks[0]["parent"], serde_json::Value::Null);
}

#[test]
fn inspect_in_a_terminal_style_shows_true_colour_swatches_and_none_when_piped() {
    premix()
        .env_remove("TERM")
        .env_remove("COLORTERM")
        .args(["inspect", "--color", "always"])
        .arg(messy())
        .assert()
        .success()
        .stdout(predicate::str::contains("\x1b[48;2;"));
    // A 256-colour terminal gets the nearest palette entry instead.
    premix()
        .env("TERM", "xterm-256color")
        .env_remove("COLORTERM")
        .args(["inspect", "--color", "always"])
        .arg(messy())
        .assert()
        .success()
        .stdout(predicate::str::contains("\x1b[48;5;"))
        .stdout(predicate::str::contains("\x1b[48;2;").not());
    premix()
        .arg("inspect")
        .arg(messy())
        .assert()
        .success()
        .stdout(predicate::str::contains("\x1b[").not());
}

#[test]
fn check_exits_1_with_rule_locations_when_the_rules_want_changes() {
    premix()
        .arg("check")
        .arg(messy())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "track 2 \"kick in\": rename to \"Kick in\"  [<default rules>:",
        ))
        .stdout(predicate::str::contains("1 would change"));
}

#[test]
fn check_exits_0_when_nothing_is_wanted_and_a_version_only_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write_rules(dir.path(), "version: 1\n");
    premix()
        .arg("check")
        .arg(messy())
        .arg("--rules")
        .arg(&rules)
        .assert()
        .code(0);
    // The project alone, without its media: written elsewhere, its FILE lines need no
    // rewriting (the sample beside its media gets them rewritten: tests/media_out.rs).
    let alone = dir.path().join("in/messy-session.rpp");
    fs::create_dir_all(alone.parent().unwrap()).unwrap();
    fs::copy(messy(), &alone).unwrap();
    let out = dir.path().join("out");
    premix()
        .arg("apply")
        .arg(&alone)
        .arg("--rules")
        .arg(&rules)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(
        fs::read(out.join("messy-session.rpp")).unwrap(),
        fs::read(messy()).unwrap()
    );
}

#[test]
fn bad_rules_exit_2_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write_rules(
        dir.path(),
        "version: 1\nrules:\n  - match: {name: '(kick'}\n    color: red\n",
    );
    let shown = rules.display().to_string();
    premix()
        .args(["rules", "check"])
        .arg(&rules)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains(format!("{shown}:3:"))
                .and(predicate::str::contains("bad regex")),
        );
    premix()
        .arg("check")
        .arg(messy())
        .arg("--rules")
        .arg(&rules)
        .assert()
        .code(2);
    let good = write_rules(dir.path(), "version: 1\nrules: []\n");
    premix()
        .args(["rules", "check"])
        .arg(&good)
        .assert()
        .code(0);
}

#[test]
fn the_embedded_default_rules_pass_rules_check() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/default.yaml");
    premix().args(["rules", "check"]).arg(path).assert().code(0);
}

#[test]
fn a_damaged_project_is_reported_and_untouched_while_the_others_are_processed() {
    let (dir, good, bad) = scratch();
    let bad_before = fs::read(&bad).unwrap();
    premix()
        .arg("check")
        .arg(dir.path().join("songs"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "broken.RPP: line 3, column 10: unterminated quoted string",
        ))
        .stdout(predicate::str::contains("good.rpp: track 2"));
    premix()
        .arg("apply")
        .arg(dir.path().join("songs"))
        .arg("--in-place")
        .assert()
        .code(2)
        .stdout(predicate::str::contains("good.rpp: wrote"));
    assert_eq!(fs::read(&bad).unwrap(), bad_before);
    assert_ne!(fs::read(&good).unwrap(), fs::read(messy()).unwrap());
    let unclosed = dir.path().join("unclosed.rpp");
    fs::write(
        &unclosed,
        "<REAPER_PROJECT 0.1\n  <TRACK\n    NAME x\n  >\n",
    )
    .unwrap();
    premix()
        .arg("apply")
        .arg(&unclosed)
        .arg("--in-place")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unclosed.rpp: line 1: the project opened here is never closed",
        ));
    assert_eq!(
        fs::read_to_string(&unclosed).unwrap(),
        "<REAPER_PROJECT 0.1\n  <TRACK\n    NAME x\n  >\n"
    );
}

#[test]
fn a_missing_path_or_an_unsupported_file_is_an_error() {
    premix()
        .args(["check", "/no/such/project.rpp"])
        .assert()
        .code(2);
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("notes.txt");
    fs::write(&txt, "hello").unwrap();
    premix().arg("check").arg(&txt).assert().code(2);
}

#[test]
fn apply_out_keeps_paths_relative_to_the_folder_given() {
    let (dir, _good, bad) = scratch();
    fs::remove_file(bad).unwrap();
    let out = dir.path().join("premixed");
    premix()
        .arg("apply")
        .arg(dir.path().join("songs"))
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let written = out.join("good.rpp");
    assert!(written.is_file());
    // The output is tidy: a check of it wants no change, and flagged tracks (warnings) fail
    // only from `--fail-on warning` on.
    premix()
        .arg("check")
        .arg(&written)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 would change, 2 tracks flagged"));
    premix()
        .args(["check", "--fail-on", "warning"])
        .arg(&written)
        .assert()
        .code(1);
}

#[test]
fn in_place_keeps_a_backup_of_the_original_bytes_and_a_second_run_writes_nothing() {
    let (dir, good, bad) = scratch();
    fs::remove_file(bad).unwrap();
    let original = fs::read(&good).unwrap();
    premix()
        .arg("apply")
        .arg(&good)
        .arg("--in-place")
        .assert()
        .code(0);
    let backup = dir.path().join("songs/good.rpp.premix-bak");
    assert_eq!(fs::read(&backup).unwrap(), original);
    let tidy = fs::read(&good).unwrap();
    assert_ne!(tidy, original);
    premix()
        .arg("apply")
        .arg(&good)
        .arg("--in-place")
        .assert()
        .code(0);
    assert_eq!(fs::read(&good).unwrap(), tidy);
    assert!(!dir.path().join("songs/good.rpp.premix-bak.2").exists());
}

#[test]
fn no_backup_and_dry_run_do_what_they_say() {
    let (dir, good, bad) = scratch();
    fs::remove_file(bad).unwrap();
    let original = fs::read(&good).unwrap();
    premix()
        .arg("apply")
        .arg(&good)
        .args(["--in-place", "--dry-run", "--diff"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("name \"kick in\" → \"Kick in\""));
    assert_eq!(fs::read(&good).unwrap(), original);
    premix()
        .arg("apply")
        .arg(&good)
        .args(["--in-place", "--no-backup"])
        .assert()
        .code(0);
    assert_ne!(fs::read(&good).unwrap(), original);
    let names: Vec<_> = fs::read_dir(dir.path().join("songs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["good.rpp"]);
}

#[test]
fn apply_needs_a_destination() {
    premix().arg("apply").arg(messy()).assert().code(2);
}

#[test]
fn check_json_is_one_versioned_document() {
    let (dir, _good, _bad) = scratch();
    let out = premix()
        .args(["check", "--json"])
        .arg(dir.path().join("songs"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], 2);
    let projects = doc["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 2);
    assert_eq!(projects[0]["status"], "error");
    assert_eq!(projects[1]["status"], "changed");
    assert_eq!(projects[1]["rules"], "<default rules>");
    let changes = projects[1]["changes"].as_array().unwrap();
    assert!(changes[0]["origin"]["line"].as_u64().unwrap() > 0);
    // One index convention: track 2 is "kick in", as in the text output.
    let kick = changes
        .iter()
        .find(|c| c["action"] == "rename" && c["to"] == "Kick in")
        .unwrap();
    assert_eq!(
        (&kick["track"], &kick["track_name"]),
        (&2.into(), &"kick in".into())
    );
    let into_drums = changes
        .iter()
        .find(|c| c["action"] == "move_to_bus" && c["track_name"] == "HH")
        .unwrap();
    assert_eq!(into_drums["bus"]["name"], "Drums");
    assert_eq!(into_drums["bus"]["track"], 1);
    let flagged = &projects[1]["findings"][0];
    assert_eq!(flagged["code"], "unused");
    assert_eq!(flagged["severity"], "warning");
    assert_eq!(flagged["track"], 22);
    assert_eq!(flagged["track_name"], "Audio 23");
    assert_eq!(flagged["accepted"], false);
    assert_eq!(doc["summary"]["errors"], 1);
    assert_eq!(doc["summary"]["findings"]["warning"], 2);
}

#[test]
fn check_in_colour_shows_before_and_after_swatches_indented_by_the_bus_tree() {
    let out = premix()
        .env("COLORTERM", "truecolor")
        .args(["check", "--color", "always"])
        .arg(messy())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    // Track 2 "kick in" sits in the Drums folder: indented, #c83c3c → #d94f3d as swatches.
    let line = text
        .lines()
        .find(|l| l.contains("\"kick in\"") && l.contains("colour"))
        .unwrap();
    assert!(
        line.contains("rpp:   track 2 \"kick in\": colour"),
        "{line:?}"
    );
    assert!(
        line.contains(
            "\x1b[48;2;200;60;60m  \x1b[0m #c83c3c → \x1b[48;2;217;79;61m  \x1b[0m #d94f3d"
        ),
        "{line:?}"
    );
    // Without colour the lines stay plain and unindented, one per change.
    let plain = premix()
        .args(["check", "--color", "never"])
        .arg(messy())
        .output()
        .unwrap();
    let plain = String::from_utf8(plain.stdout).unwrap();
    assert!(plain.contains(": track 2 \"kick in\": colour #c83c3c → #d94f3d  ["));
}

/// A rename whose template comes out empty (only spaces, or a capture of spaces) is declined
/// with a note in every format, and the project is left byte for byte as it was: no DAW keeps
/// an empty name as one (found by a hostile user: Live and DAWproject runs ended in an
/// internal error, REAPER emptied the names).
#[test]
fn a_rename_that_comes_out_empty_is_declined_with_a_note_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("empty.yaml");
    fs::write(
        &rules,
        "version: 1\nrules:\n  - match:\n      name: '.'\n    rename: '   '\n  - match:\n      name: '^(\\s*)[Kk]ick'\n    rename: '{1}'\n",
    )
    .unwrap();
    for sample in [
        "reaper/messy-session.rpp",
        "als/messy-set.als",
        "ardour/messy-session/messy-session.ardour",
        "dawproject/messy-session.dawproject",
    ] {
        let from = common::sample(sample);
        let project = dir.path().join(from.file_name().unwrap());
        fs::copy(&from, &project).unwrap();
        let before = fs::read(&project).unwrap();
        let out = premix()
            .arg("apply")
            .arg(&project)
            .args(["--in-place", "--no-backup", "--rules"])
            .arg(&rules)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{sample}: {stdout}");
        assert!(
            stdout.contains("not renamed: the rule's name comes out empty"),
            "{sample}: {stdout}"
        );
        assert_eq!(
            fs::read(&project).unwrap(),
            before,
            "{sample}: the project changed"
        );
    }
}
