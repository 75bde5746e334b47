//! The linter contract in daily use (issue #15): findings and their severities, `--fail-on`,
//! baselines, `--quiet`/`--verbose`, a closed output, rules mistakes all at once, `apply`'s
//! exit codes, one index convention, the CI formats, the man page and `init`'s permissions.

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

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A folder holding the messy sample as `songs/messy.rpp` and a tidied copy as
/// `songs/tidy.rpp` (the default rules applied: only its two flagged tracks remain).
fn songs() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let songs = dir.path().join("songs");
    fs::create_dir_all(&songs).unwrap();
    let messy = songs.join("messy.rpp");
    fs::copy(self::messy(), &messy).unwrap();
    let tidy = songs.join("tidy.rpp");
    fs::copy(self::messy(), &tidy).unwrap();
    premix()
        .arg("apply")
        .arg(&tidy)
        .args(["--in-place", "--no-backup"])
        .assert()
        .code(0);
    (dir, messy, tidy)
}

/// A REAPER project with one more track, empty (so flagged unused), at the end.
fn with_empty_track(project: &Path, name: &str) {
    let text = fs::read_to_string(project).unwrap();
    let end = text.trim_end().rfind('>').unwrap();
    let track = format!(
        "  <TRACK {{00000000-0000-4000-8000-{:012}}}\n    NAME \"{name}\"\n    ISBUS 0 0\n  >\n",
        text.len()
    );
    fs::write(project, format!("{}{track}{}", &text[..end], &text[end..])).unwrap();
}

#[test]
fn findings_have_severities_and_fail_on_climbs_from_changes_to_info() {
    let (_dir, messy, tidy) = songs();
    // A tidy project's flagged tracks are warnings: not failures by default.
    premix()
        .arg("check")
        .arg(&tidy)
        .assert()
        .code(0)
        .stdout(
            predicate::str::is_match(
                "tidy.rpp: warning: track [0-9]+ \"Audio 23\": unused \\(no_media\\)  \\[<default rules>:",
            )
            .unwrap(),
        )
        .stdout(predicate::str::contains("tidy.rpp: 2 tracks flagged"));
    for (level, code) in [
        ("never", 0),
        ("changes", 0),
        ("error", 0),
        ("warning", 1),
        ("info", 1),
    ] {
        premix()
            .args(["check", "--fail-on", level])
            .arg(&tidy)
            .assert()
            .code(code);
    }
    // Changes the rules want fail from `changes` up; `never` fails on nothing.
    premix().arg("check").arg(&messy).assert().code(1);
    premix()
        .args(["check", "--fail-on", "never"])
        .arg(&messy)
        .assert()
        .code(0);
    premix()
        .args(["check", "--fail-on", "warning"])
        .arg(&tidy)
        .assert()
        .stdout(predicate::str::contains(
            "2 new findings at or above --fail-on warning",
        ));
}

/// Rules that only flag unused tracks: the baseline tests do not depend on the default
/// convention's renames and buses.
const FLAG_ONLY: &str = "version: 1\nunused: {when: [no_media, all_media_muted]}\n";

#[test]
fn a_baseline_accepts_known_findings_by_track_name_so_only_new_ones_fail() {
    let (dir, messy, _tidy) = songs();
    let flag_only = write_rules(dir.path(), FLAG_ONLY);
    fs::copy(&flag_only, dir.path().join("songs/.premix.yaml")).unwrap();
    let baseline = dir.path().join("premix-baseline.json");
    premix()
        .current_dir(dir.path())
        .args([
            "check",
            "songs/messy.rpp",
            "--fail-on",
            "warning",
            "--write-baseline",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "premix: baseline written to premix-baseline.json (2 findings accepted)",
        ));
    let text = fs::read_to_string(&baseline).unwrap();
    assert_eq!(
        text,
        "{\n  \"version\": 1,\n  \"projects\": {\n    \"songs/messy.rpp\": [\n      \
         {\"code\":\"unused\",\"track\":\"Audio 23\",\"kind\":\"audio\",\"rule\":\"unused\",\"count\":1},\n      \
         {\"code\":\"unused\",\"track\":\"Track 24\",\"kind\":\"audio\",\"rule\":\"unused\",\"count\":1}\n    ]\n  }\n}\n"
    );
    // Read from the current folder by default; from anywhere with --baseline. The other
    // project, not in the baseline, still fails on its findings.
    premix()
        .current_dir(dir.path())
        .args(["check", "songs", "--fail-on", "warning"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "messy.rpp: ok, 2 accepted by the baseline",
        ))
        .stdout(predicate::str::contains("tidy.rpp: 2 tracks flagged"));
    premix()
        .args(["check", "--fail-on", "warning", "--baseline"])
        .arg(&baseline)
        .arg(&messy)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "2 findings accepted by the baseline",
        ));

    // Renumbered tracks keep their findings accepted: a new bus in front of them shifts them.
    let regroup = write_rules(
        dir.path(),
        &format!(
            "{FLAG_ONLY}buses: [{{name: KEYS2}}]\nrules:\n  - name: keys\n    match: {{name: '^(Rhodes|Synth Pad)$', kind: any}}\n    bus: KEYS2\n"
        ),
    );
    let index_of = |name: &str| {
        let doc: serde_json::Value = serde_json::from_slice(
            &premix()
                .args(["inspect", "--json"])
                .arg(&messy)
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        doc["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()["index"]
            .as_u64()
            .unwrap()
    };
    let before = index_of("Audio 23");
    premix()
        .arg("apply")
        .arg(&messy)
        .args(["--in-place", "--no-backup", "--rules"])
        .arg(&regroup)
        .assert()
        .code(0);
    assert_eq!(index_of("Audio 23"), before + 1);
    premix()
        .args(["check", "--fail-on", "warning", "--rules"])
        .arg(&regroup)
        .arg("--baseline")
        .arg(&baseline)
        .arg(&messy)
        .assert()
        .code(0);

    // A second empty track named like an accepted one is one too many; the verbose output
    // shows the accepted ones too, marked.
    with_empty_track(&messy, "Audio 23");
    let out = premix()
        .args(["check", "--fail-on", "warning", "--verbose", "--baseline"])
        .arg(&baseline)
        .arg(&messy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(
        text.matches("\"Audio 23\": unused (no_media)").count(),
        2,
        "{text}"
    );
    assert_eq!(
        text.matches("(accepted by the baseline)").count(),
        2,
        "{text}"
    );
    assert!(
        text.contains("1 track flagged, 2 accepted by the baseline"),
        "{text}"
    );

    // A baseline that is not one is an error naming it; a missing one named is too.
    fs::write(&baseline, "{\"version\": 1, \"projects\": []}").unwrap();
    premix()
        .current_dir(dir.path())
        .args(["check", "songs/messy.rpp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("premix-baseline.json:1:"));
    premix()
        .args(["check", "--baseline", "/no/such/baseline.json"])
        .arg(&messy)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/no/such/baseline.json: no such baseline",
        ));
}

fn write_rules(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join(format!("rules-{}.yaml", text.len()));
    fs::write(&path, text).unwrap();
    path
}

/// Every project of the corpus, tidied by `apply`, then passes `check`; accepting its
/// findings in a baseline makes even `--fail-on info` pass.
#[test]
fn apply_then_check_exits_0_on_every_corpus_project() {
    let dir = tempfile::tempdir().unwrap();
    let mut copied = 0;
    for sub in ["rpp", "als", "ardour"] {
        let Some(src) = common::corpus(sub) else {
            return;
        };
        let dest = dir.path().join(sub);
        fs::create_dir_all(&dest).unwrap();
        for entry in fs::read_dir(src).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                fs::copy(&path, dest.join(path.file_name().unwrap())).unwrap();
                copied += 1;
            }
        }
    }
    assert!(copied > 50, "{copied}");
    premix()
        .arg("apply")
        .arg(dir.path())
        .args(["--in-place", "--no-backup", "--quiet"])
        .assert()
        .code(0);
    let out = premix().arg("check").arg(dir.path()).output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(" 0 would change,"), "{text}");
    premix()
        .current_dir(dir.path())
        .args([
            "check",
            ".",
            "--fail-on",
            "info",
            "--write-baseline",
            "--quiet",
        ])
        .assert()
        .code(0)
        .stdout("");
    premix()
        .current_dir(dir.path())
        .args(["check", ".", "--fail-on", "info", "--quiet"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn quiet_is_one_line_per_project_that_needs_attention() {
    let (dir, _messy, _tidy) = songs();
    premix()
        .args(["check", "--quiet"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(
            predicate::str::is_match(
                "\\A[^\n]*songs/messy.rpp: [0-9]+ changes wanted, 2 tracks flagged[^\n]* \\(rules <default rules>\\)\n\\z",
            )
            .unwrap(),
        );
    // Under --fail-on warning the tidy project needs attention too.
    let out = premix()
        .args(["check", "--quiet", "--fail-on", "warning"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .contains("tidy.rpp: 2 tracks flagged"),
        "{text}"
    );
    // apply --quiet: one line per project it changed.
    let out = premix()
        .args(["apply", "--quiet", "--in-place"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        predicate::str::is_match("messy.rpp: [0-9]+ changes made, 2 tracks flagged")
            .unwrap()
            .eval(&text),
        "{text}"
    );
    // The default output is every change line, then a status line per project.
    let out = premix()
        .args(["check", "--rules"])
        .arg(write_rules(
            dir.path(),
            "version: 1\nrules: [{match: {name: '^Kick in$'}, rename: 'Kick In'}]\n",
        ))
        .arg(dir.path().join("songs"))
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("messy.rpp: track 2 \"Kick in\": rename to \"Kick In\"  ["),
        "{text}"
    );
    assert!(text.contains("messy.rpp: 1 change wanted (rules"), "{text}");
    assert!(
        text.contains("premix: 2 projects: 2 would change, 0 tracks flagged, 0 errors"),
        "{text}"
    );
}

#[test]
fn a_closed_output_ends_every_command_quietly_as_ls_does() {
    use std::os::unix::process::ExitStatusExt;
    let (dir, messy, tidy) = songs();
    let rules = write_rules(dir.path(), "version: 1\n");
    let html = dir.path().join("r.html");
    let out_dir = dir.path().join("out");
    let cases: Vec<Vec<String>> = vec![
        vec!["inspect".into(), messy.display().to_string()],
        vec![
            "inspect".into(),
            "--json".into(),
            messy.display().to_string(),
        ],
        vec!["check".into(), dir.path().display().to_string()],
        vec![
            "check".into(),
            "--json".into(),
            dir.path().display().to_string(),
        ],
        vec![
            "check".into(),
            "--format".into(),
            "github".into(),
            messy.display().to_string(),
        ],
        vec![
            "check".into(),
            "--format".into(),
            "sarif".into(),
            messy.display().to_string(),
        ],
        vec![
            "check".into(),
            "--quiet".into(),
            messy.display().to_string(),
        ],
        vec![
            "check".into(),
            "--verbose".into(),
            tidy.display().to_string(),
        ],
        vec![
            "apply".into(),
            "--dry-run".into(),
            "--diff".into(),
            messy.display().to_string(),
        ],
        vec![
            "apply".into(),
            "--dry-run".into(),
            "--diff=text".into(),
            messy.display().to_string(),
        ],
        vec![
            "apply".into(),
            "--out".into(),
            out_dir.display().to_string(),
            "--json".into(),
            messy.display().to_string(),
        ],
        vec![
            "report".into(),
            dir.path().display().to_string(),
            "--html".into(),
            html.display().to_string(),
        ],
        vec!["rules".into(), "check".into(), rules.display().to_string()],
        vec!["rules".into(), "schema".into()],
        vec!["completions".into(), "bash".into()],
        vec!["man".into()],
        vec!["--help".into()],
    ];
    for args in cases {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("premix"))
            .args(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
        assert_eq!(
            out.status.signal(),
            Some(libc_sigpipe()),
            "{args:?}: {:?}",
            out.status
        );
    }
}

/// With standard error on a terminal (a progress bar drawn there) and standard output a pipe
/// already closed when premix prints (`| true` reads nothing and exits while premix plans),
/// premix still ends by SIGPIPE, quietly. The terminal is `script`'s (util-linux).
#[test]
fn a_closed_output_with_the_progress_bar_on_a_terminal_ends_quietly() {
    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("`script` (util-linux) not found: skipping the terminal check");
        return;
    }
    let (dir, _messy, _tidy) = songs();
    let bin = assert_cmd::cargo::cargo_bin("premix");
    for format in ["text", "json"] {
        let script = dir.path().join(format!("closed-{format}.sh"));
        fs::write(
            &script,
            format!(
                "set -o pipefail\n'{}' check --format {format} '{}' | true\necho \"rc=$?\"\n",
                bin.display(),
                dir.path().join("songs").display()
            ),
        )
        .unwrap();
        let out = std::process::Command::new("script")
            .args(["-qec", &format!("bash '{}'", script.display()), "/dev/null"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("rc=141"), "{format}: {text}");
        assert!(
            !text.contains("panicked") && !text.contains("failed printing"),
            "{text}"
        );
    }
}

/// SIGPIPE's number (13 on every Unix premix runs on).
fn libc_sigpipe() -> i32 {
    13
}

#[test]
fn every_rules_mistake_is_reported_at_once_in_words_a_user_knows() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write_rules(
        dir.path(),
        "version: 1\ncolours:\n  drums: '#d94f3d'\nbuses:\n  - name: DRUMS\n    colour: drums\nrules:\n  - nme: kick\n    match: {name: kick, kind: tape}\n\t- name: snare\n    continue: maybe\n",
    );
    let shown = rules.display().to_string();
    let out = premix()
        .args(["rules", "check"])
        .arg(&rules)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = [
        format!("error: {shown}:8:5: unknown key `nme` in a rule (did you mean `name`?)"),
        format!(
            "error: {shown}:9:31: `kind` is `tape`, which is not one of audio, midi, bus, return, foldback or any"
        ),
        format!(
            "error: {shown}:10:1: a tab in the indentation: YAML indents with spaces only (replace the tab with spaces)"
        ),
        format!("premix: 3 mistakes in {shown}"),
    ];
    assert_eq!(stderr.lines().collect::<Vec<_>>(), expected, "{stderr}");
    // The values' mistakes, once the shape is right, are all reported too.
    let rules = write_rules(
        dir.path(),
        "version: 1\nbuses: [{name: DRUMS, colour: drumz}]\nrules:\n  - match: {name: '(kick'}\n    bus: DRUM\n",
    );
    premix()
        .args(["rules", "check"])
        .arg(&rules)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(":2:31: bad colour `drumz`"))
        .stderr(predicate::str::contains(
            ":4:19: bad regex `(kick`: unclosed group",
        ))
        .stderr(predicate::str::contains(
            ":5:10: bus `DRUM` is not declared",
        ));
    // `colour` works wherever `color` does.
    let rules = write_rules(
        dir.path(),
        "version: 1\ncolours: {red: '#ff0000'}\nrules:\n  - match: {name: '^kick in$'}\n    colour: red\n",
    );
    premix()
        .args(["rules", "check"])
        .arg(&rules)
        .assert()
        .code(0);
    premix()
        .arg("check")
        .arg(messy())
        .arg("--rules")
        .arg(&rules)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "track 2 \"kick in\": colour #c83c3c → #ff0000",
        ));
    // A project whose discovered rules file has several mistakes says so on its one line.
    let song = dir.path().join("song/a.rpp");
    fs::create_dir_all(song.parent().unwrap()).unwrap();
    fs::copy(messy(), &song).unwrap();
    fs::write(
        dir.path().join("song/.premix.yaml"),
        "version: 1\nrulez: []\ncolr: {}\n",
    )
    .unwrap();
    premix()
        .arg("check")
        .arg(&song)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            ".premix.yaml:2:1: unknown key `rulez` in the rules file (did you mean `rules`?) (and 1 more mistake; `premix rules check",
        ));
}

#[test]
fn apply_exit_codes_destinations_and_paths_without_projects() {
    let (dir, messy, tidy) = songs();
    let none = write_rules(dir.path(), "version: 1\n");
    // --dry-run and --diff: exit 1 with changes to make, 0 without.
    premix()
        .arg("apply")
        .arg(&messy)
        .arg("--dry-run")
        .assert()
        .code(1);
    premix()
        .arg("apply")
        .arg(&messy)
        .args(["--dry-run", "--rules"])
        .arg(&none)
        .assert()
        .code(0);
    // `--diff text` with a space is `--diff=text`.
    premix()
        .arg("apply")
        .args(["--dry-run", "--diff", "text"])
        .arg(&messy)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("+    NAME \"Kick in\"\n"));
    let before = fs::read(&messy).unwrap();
    premix()
        .args(["apply", "--diff"])
        .arg(&messy)
        .arg("--in-place")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "~   2 \"kick in\": name \"kick in\" → \"Kick in\"",
        ));
    assert_ne!(fs::read(&messy).unwrap(), before);
    // A second run has nothing to do: 0.
    premix()
        .args(["apply", "--diff", "--in-place"])
        .arg(&messy)
        .assert()
        .code(0);
    // No destination: say which to choose.
    premix()
        .arg("apply")
        .arg(&tidy)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out DIR"))
        .stderr(predicate::str::contains("--in-place"))
        .stderr(predicate::str::contains("--dry-run"));
    // A folder with no project is a warning; nothing found at all exits 2.
    let empty = dir.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    premix()
        .arg("check")
        .arg(&empty)
        .arg(&tidy)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(format!(
            "warning: {}: no project found here",
            empty.display()
        )));
    premix()
        .arg("check")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no project found in the paths given",
        ));
    premix()
        .args(["apply", "--dry-run"])
        .arg(&empty)
        .assert()
        .code(2);
    let out = premix()
        .args(["check", "--json"])
        .arg(&empty)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["warnings"][0]["path"], empty.display().to_string());
}

#[test]
fn one_index_convention_across_text_json_diff_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let text = stdout(&premix().arg("check").arg(messy()).output().unwrap());
    assert!(
        text.contains(": track 6 \"Bass DI\": colour #825ac8 → #e6b53c"),
        "{text}"
    );
    let doc: serde_json::Value = serde_json::from_slice(
        &premix()
            .args(["check", "--json"])
            .arg(messy())
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let change = doc["projects"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["track_name"] == "Bass DI" && c["action"] == "recolor")
        .unwrap()
        .clone();
    assert_eq!(change["track"], 6);
    let inspect: serde_json::Value = serde_json::from_slice(
        &premix()
            .args(["inspect", "--json"])
            .arg(messy())
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(inspect["version"], 2);
    assert_eq!(inspect["tracks"][5]["index"], 6);
    assert_eq!(inspect["tracks"][5]["name"], "Bass DI");
    let diff = stdout(
        &premix()
            .args(["apply", "--dry-run", "--diff"])
            .arg(messy())
            .output()
            .unwrap(),
    );
    assert!(
        diff.contains("~   6 \"Bass DI\": colour #825ac8 → #e6b53c"),
        "{diff}"
    );
    let html = dir.path().join("r.html");
    premix()
        .arg("report")
        .arg(messy())
        .arg("--html")
        .arg(&html)
        .assert()
        .code(1);
    let page = fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("track 6 &quot;Bass DI&quot;: colour"),
        "{page}"
    );
}

#[test]
fn github_annotations_name_the_file_and_the_level() {
    let (_dir, messy, tidy) = songs();
    let out = premix()
        .args(["check", "--format", "github"])
        .arg(&messy)
        .arg(&tidy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let messy = messy.display().to_string();
    assert!(
        text.contains(&format!(
            "::error file={},title=premix change::track 2 \"kick in\": rename to \"Kick in\" [<default rules>%3A",
            messy.replace(':', "%3A").replace(',', "%2C")
        )) || text.contains(&format!(
            "::error file={messy},title=premix change::track 2 \"kick in\": rename to \"Kick in\" [<default rules>:"
        )),
        "{text}"
    );
    assert!(
        predicate::str::is_match(
            "title=premix unused::track [0-9]+ \"Audio 23\": unused \\(no_media\\) \\[<default rules>:"
        )
        .unwrap()
        .eval(&text),
        "{text}"
    );
    assert!(
        text.lines().filter(|l| l.starts_with("::warning ")).count() == 4,
        "{text}"
    );
    assert!(
        text.ends_with("premix: 2 projects: 1 would change, 4 tracks flagged, 0 errors\n"),
        "{text}"
    );
    // A change premix made is a notice, not an error, and a baseline's findings are left out.
    let out = premix()
        .args(["apply", "--in-place", "--format", "github"])
        .arg(&messy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).starts_with("::notice file="),
        "{}",
        stdout(&out)
    );
}

/// The SARIF 2.1.0 schema, from the npm package `@microsoft/jest-sarif` 1.0.0-beta.0 (MIT),
/// file `lib/schemas/sarif-2.1.0-rtm.5.json` (see `tests/schemas/README.md`).
fn sarif_schema() -> jsonschema::Validator {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0-rtm.5.json"),
    )
    .unwrap();
    let mut schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Formats (`uri`, `uri-reference`, `date-time`) are checked in premix's output. The one
    // pattern of the schema that is not a valid regex (`language`'s, `...]?$`, which the
    // checker refuses in a schema) is replaced by what it means; premix writes no `language`.
    fn fix_language(v: &mut serde_json::Value) -> usize {
        match v {
            serde_json::Value::String(s) if s == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" => {
                *s = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
                1
            }
            serde_json::Value::Object(m) => m.values_mut().map(fix_language).sum(),
            serde_json::Value::Array(a) => a.iter_mut().map(fix_language).sum(),
            _ => 0,
        }
    }
    assert!(fix_language(&mut schema) > 0);
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

#[test]
fn sarif_output_is_a_valid_sarif_2_1_0_log() {
    let (dir, messy, tidy) = songs();
    let broken = dir.path().join("songs/broken.rpp");
    fs::write(&broken, "<REAPER_PROJECT 0.1\n  <TRACK\n    NAME \"x\n").unwrap();
    // A baseline accepts the tidy project's findings: they stay, suppressed.
    premix()
        .current_dir(dir.path())
        .args(["check", "songs/tidy.rpp", "--write-baseline"])
        .assert()
        .code(0);
    let out = premix()
        .current_dir(dir.path())
        .args([
            "check",
            "--format",
            "sarif",
            "songs",
            "empty-folder-that-is-not-there",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let validator = sarif_schema();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The check can fail: a level SARIF does not know is refused.
    let mut wrong = log.clone();
    wrong["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&wrong));
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "premix");
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let results = run["results"].as_array().unwrap();
    let kick = results
        .iter()
        .find(|r| r["message"]["text"] == "track 2 \"kick in\": rename to \"Kick in\"")
        .unwrap();
    assert_eq!(kick["ruleId"], "change");
    assert_eq!(kick["level"], "error");
    assert_eq!(
        kick["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "songs/messy.rpp"
    );
    assert_eq!(
        kick["locations"][0]["logicalLocations"][0]["name"],
        "kick in"
    );
    let accepted: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["ruleId"] == "unused")
        .filter(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "songs/tidy.rpp"
        })
        .collect();
    assert_eq!(accepted.len(), 2);
    assert!(
        accepted
            .iter()
            .all(|r| r["suppressions"][0]["kind"] == "external")
    );
    let _ = (messy, tidy);
}

#[test]
fn man_documents_every_subcommand_s_options_and_writes_a_page_each() {
    use clap::CommandFactory;
    let page = stdout(&premix().arg("man").output().unwrap());
    let mut cmd = premix::cli::Cli::command();
    cmd.build();
    fn walk(cmd: &clap::Command, prefix: &str, page: &str) -> usize {
        let mut checked = 0;
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = format!("{prefix} {}", sub.get_name());
            assert!(
                page.contains(&format!(".SH \"{}\"", name.to_uppercase())),
                "{name}"
            );
            for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
                if let Some(long) = arg.get_long() {
                    let roff = format!("\\-\\-{}", long.replace('-', "\\-"));
                    assert!(page.contains(&roff), "{name} --{long} not in the man page");
                    checked += 1;
                }
            }
            checked += walk(sub, &name, page);
        }
        checked
    }
    assert!(walk(&cmd, "premix", &page) > 20);
    assert!(page.contains("fail\\-on"));
    let dir = tempfile::tempdir().unwrap();
    premix()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .code(0);
    for page in [
        "premix.1",
        "premix-check.1",
        "premix-apply.1",
        "premix-rules-check.1",
    ] {
        let text = fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page}");
    }
    let check = fs::read_to_string(dir.path().join("premix-check.1")).unwrap();
    assert!(check.contains("\\-\\-write\\-baseline"));
}

#[test]
fn init_writes_the_rules_file_with_the_users_umask() {
    use std::os::unix::fs::PermissionsExt;
    for (umask, mode) in [("022", 0o644), ("077", 0o600), ("002", 0o664)] {
        let dir = tempfile::tempdir().unwrap();
        let bin = assert_cmd::cargo::cargo_bin("premix");
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" init \"$1\" >/dev/null"
            ))
            .arg(&bin)
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
        let meta = fs::metadata(dir.path().join(".premix.yaml")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, mode, "umask {umask}");
    }
}

/// One reason, one note: a project-wide limit is said once, not once per track.
///
/// `burtlo-space__master.als` (Live 9.1): 25 notes read "not recoloured: Live 8 and 9.0-9.4
/// sets store no track colour premix can write", one per track the rules would colour, 25 of
/// the project's 33 findings. `ardour__TestSession.ardour` (Ardour 2): the reason the GUITARS
/// bus is not made (a page-wide paragraph about Ardour 2 route groups) is printed three times,
/// once for the bus and once for each guitar. The engineer scrolls past the same sentence
/// instead of reading what needs a decision.
///
/// Said once, the note names every track it concerns, in `--json` (`tracks`), in the text
/// output and in the HTML report, and the status line still counts the changes declined.
#[test]
fn a_project_wide_reason_is_one_note() {
    const LIVE_8: &str =
        "not recoloured: Live 8 and 9.0-9.4 sets store no track colour premix can write";
    let mut repeated = Vec::new();
    for (rel, reason, tracks, declined) in [
        (
            "als/burtlo-space__master.als",
            LIVE_8,
            &[
                (2, "Space Hum"),
                (3, "3-Organ Of The Trinity"),
                (65, "65-Addictive Guitars"),
            ][..],
            28,
        ),
        (
            "ardour/ardour__TestSession.ardour",
            "bus \"GUITARS\" not made: buses are not written into sessions of format 2.0.0",
            &[(6, "Guitar"), (7, "Guitar clean")][..],
            5,
        ),
    ] {
        let Some(path) = common::corpus_file(rel) else {
            return;
        };
        let out = premix()
            .arg("check")
            .arg(&path)
            .arg("--json")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{rel}: changes wanted");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let project = &doc["projects"][0];
        let mut seen = std::collections::BTreeMap::<&str, usize>::new();
        for f in project["findings"].as_array().unwrap() {
            if f["code"] == "unused" {
                continue; // a flag is about its track
            }
            let message = f["message"].as_str().unwrap();
            // A note about one track starts with it in text; compare what it says.
            *seen.entry(message).or_default() += 1;
        }
        for (message, n) in seen {
            if n > 1 {
                repeated.push(format!("{rel}: {n} times: {message}"));
            }
        }

        // The one note names the tracks it concerns.
        let note = project["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["message"].as_str().unwrap().starts_with(reason))
            .unwrap_or_else(|| panic!("{rel}: no note {reason:?}"));
        assert!(note["track"].is_null(), "{rel}: about several tracks");
        let named: Vec<(u64, &str)> = note["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["track"].as_u64().unwrap(),
                    t["track_name"].as_str().unwrap(),
                )
            })
            .collect();
        for &(index, name) in tracks {
            assert!(
                named.contains(&(index, name)),
                "{rel}: {name:?} in {named:?}"
            );
        }

        // The text output says it once, after the tracks it concerns.
        let out = premix().arg("check").arg(&path).output().unwrap();
        let text = stdout(&out);
        assert_eq!(text.matches(reason).count(), 1, "{rel}: {text}");
        let line = text.lines().find(|l| l.contains(reason)).unwrap();
        for &(index, name) in tracks {
            assert!(
                line.contains(&format!("{index} \"{name}\"")),
                "{rel}: {name:?} named in {line}"
            );
        }
        assert!(
            text.contains(&format!("{declined} changes declined")),
            "{rel}: the status line counts changes: {text}"
        );

        // So does the HTML report.
        let dir = tempfile::tempdir().unwrap();
        let html = dir.path().join("report.html");
        premix()
            .arg("report")
            .arg(&path)
            .arg("--html")
            .arg(&html)
            .assert()
            .code(1);
        let page = fs::read_to_string(&html).unwrap();
        let reason_html = reason.replace('"', "&quot;");
        assert_eq!(
            page.matches(&reason_html).count(),
            1,
            "{rel}: once in the page"
        );
        let note_html = page.lines().find(|l| l.contains(&reason_html)).unwrap();
        for &(index, name) in tracks {
            assert!(
                note_html.contains(&format!("{index} &quot;{name}&quot;")),
                "{rel}: {name:?} named in {note_html}"
            );
        }
    }
    assert!(repeated.is_empty(), "{}", repeated.join("\n"));
}
