//! Living with premix in a studio: rules found like an editor config, `extends`, `init`, the
//! JSON Schema, `--files-from`, output fit for pipes and terminals, completions and man page.

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

/// `studio/.premix.yaml` (extends `base.yaml`) above `studio/client/2026/song.rpp`.
fn studio() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let studio = dir.path().join("studio");
    let song = studio.join("client/2026/song.rpp");
    fs::create_dir_all(song.parent().unwrap()).unwrap();
    fs::copy(common::sample("reaper/messy-session.rpp"), &song).unwrap();
    fs::write(
        studio.join("base.yaml"),
        "version: 1\nbuses: [{name: KIT, color: '#ff0000'}]\nrules:\n  - name: studio drums\n    match: {name: 'hh|tom|oh'}\n    bus: KIT\n",
    )
    .unwrap();
    fs::write(
        studio.join(".premix.yaml"),
        "version: 1\nextends: base.yaml\nrules:\n  - name: client vocals\n    match: {name: 'vox'}\n    color: '#00ff00'\n",
    )
    .unwrap();
    (dir, song)
}

#[test]
fn the_nearest_premix_yaml_applies_and_is_named_per_project() {
    let (dir, _song) = studio();
    let out = premix().arg("check").arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // Provenance names each layer's own file and line.
    assert!(
        stdout.contains("studio/.premix.yaml:4 client vocals]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("studio/base.yaml:4 studio drums]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("(rules ") && stdout.contains("studio/.premix.yaml)"),
        "{stdout}"
    );
    assert!(!stdout.contains("<default rules>"), "{stdout}");
    // --rules overrides the discovered file.
    let only_version = dir.path().join("v1.yaml");
    fs::write(&only_version, "version: 1\n").unwrap();
    premix()
        .arg("check")
        .arg(dir.path())
        .arg("--rules")
        .arg(&only_version)
        .assert()
        .code(0);
}

#[test]
fn a_broken_discovered_rules_file_fails_its_projects_only() {
    let (dir, song) = studio();
    let other = dir.path().join("elsewhere/other.rpp");
    fs::create_dir_all(other.parent().unwrap()).unwrap();
    fs::copy(&song, &other).unwrap();
    fs::write(
        dir.path().join("studio/.premix.yaml"),
        "version: 1\nrulez: []\n",
    )
    .unwrap();
    premix()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            ".premix.yaml:2:1: unknown key `rulez` in the rules file (did you mean `rules`?)",
        ))
        .stdout(predicate::str::contains("other.rpp: track"));
}

#[test]
fn init_writes_a_starter_that_rules_check_accepts() {
    let dir = tempfile::tempdir().unwrap();
    premix().arg("init").arg(dir.path()).assert().success();
    let written = dir.path().join(".premix.yaml");
    premix()
        .args(["rules", "check"])
        .arg(&written)
        .assert()
        .success();
    premix().arg("init").arg(dir.path()).assert().code(2);
    premix()
        .arg("init")
        .arg(dir.path())
        .arg("--force")
        .assert()
        .success();
}

fn schema() -> jsonschema::Validator {
    let out = premix().args(["rules", "schema"]).output().unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn yaml_as_json(text: &str) -> serde_json::Value {
    let value: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    serde_json::to_value(value).unwrap()
}

#[test]
fn the_json_schema_accepts_the_shipped_rules_and_rejects_mistakes() {
    let validator = schema();
    // `colour` is `color` (premix writes "colour" itself), wherever the key appears.
    let colour = "version: 1\ncolours: {a: '#000000'}\nbuses: [{name: B, colour: a}]\nrules: [{colour: a}]\nunused: {action: colour, colour: a}\n";
    assert!(validator.is_valid(&yaml_as_json(colour)));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "rules/default.yaml",
        "rules/starter.yaml",
        "tests/interop/reaper/folders.yaml",
    ] {
        let doc = yaml_as_json(&fs::read_to_string(root.join(file)).unwrap());
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
    for bad in [
        "version: 2\n",
        "version: 1\ncolours: {}\ncolors: {}\n",
        "version: 1\nrules: [{color: a, colour: b}]\n",
        "version: 1\nrules: [{match: {nme: x}}]\n",
        "version: 1\nunused: {action: delete}\n",
    ] {
        assert!(!validator.is_valid(&yaml_as_json(bad)), "{bad}");
    }
}

#[test]
fn files_from_reads_paths_from_a_file_or_stdin() {
    let (dir, song) = studio();
    let list = dir.path().join("list.txt");
    fs::write(&list, format!("{}\n\n", song.display())).unwrap();
    premix()
        .arg("check")
        .arg("--files-from")
        .arg(&list)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("premix: 1 project:"));
    // The same file twice is processed once (issue #14).
    premix()
        .args(["check", "--files-from", "-"])
        .write_stdin(format!("{}\n{}\n", song.display(), song.display()))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("premix: 1 project:"));
}

#[test]
fn piped_output_has_no_escape_codes_unless_asked() {
    let (dir, _song) = studio();
    for args in [
        &["check"][..],
        &["apply", "--dry-run", "--diff"],
        &["inspect"],
    ] {
        let mut cmd = premix();
        cmd.args(args);
        if args[0] == "inspect" {
            cmd.arg(dir.path().join("studio/client/2026/song.rpp"));
        } else {
            cmd.arg(dir.path());
        }
        let out = cmd.output().unwrap();
        assert!(!out.stdout.contains(&0x1b), "{args:?}");
        assert!(!out.stderr.contains(&0x1b), "{args:?}");
    }
    let out = premix()
        .args(["check", "--color", "always"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.stdout.contains(&0x1b));
}

#[test]
fn quiet_drops_the_lines_of_projects_that_need_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        common::sample("reaper/messy-session.rpp"),
        dir.path().join("a.rpp"),
    )
    .unwrap();
    fs::write(dir.path().join(".premix.yaml"), "version: 1\n").unwrap();
    premix()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("a.rpp: ok"));
    premix()
        .args(["check", "--quiet"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("a.rpp").not());
}

#[test]
fn diff_text_is_a_unified_diff_of_the_project() {
    // Changes to make: exit 1, as `diff` and `check` do.
    premix()
        .args(["apply", "--dry-run", "--diff=text"])
        .arg(common::sample("reaper/messy-session.rpp"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("-    NAME \"kick in\"\n"))
        .stdout(predicate::str::contains("+    NAME \"Kick in\"\n"))
        .stdout(predicate::str::contains("@@ "));
}

#[test]
fn completions_and_man_page_are_generated_from_the_cli() {
    for shell in ["bash", "zsh", "fish"] {
        premix()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("files-from"));
    }
    premix()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(".ie").or(predicate::str::contains(".TH premix")));
}

#[test]
fn the_whole_rpp_corpus_is_checked_in_one_run() {
    let Some(dir) = common::corpus("rpp") else {
        return;
    };
    let out = premix()
        .args(["check", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["errors"], 0);
    let projects = doc["projects"].as_array().unwrap();
    assert_eq!(projects.len(), common::corpus_files("rpp", &["rpp"]).len());
    let paths: Vec<&str> = projects
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "reported in path order");
}

#[test]
fn the_pre_commit_hook_runs_premix_check_on_the_files_passed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hooks: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap())
            .unwrap();
    let check = hooks
        .as_sequence()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "premix-check")
        .unwrap();
    let files = regex::Regex::new(check["files"].as_str().unwrap()).unwrap();
    assert!(files.is_match("Songs/Take 3.RPP") && files.is_match("set.als"));
    assert!(!files.is_match("song.rpp-bak"));
    // pre-commit runs `entry` with the staged files appended.
    let entry: Vec<&str> = check["entry"].as_str().unwrap().split(' ').collect();
    assert_eq!(entry[0], "premix");
    premix()
        .args(&entry[1..])
        .arg(common::sample("reaper/messy-session.rpp"))
        .assert()
        .code(1);
}
