//! `premix report`: the HTML page, its exit codes and that nothing from a project can inject
//! markup. (What a browser draws is checked by `tests/browser/run.sh`.)

mod common;

use assert_cmd::Command;
use std::fs;

fn premix() -> Command {
    let mut cmd = Command::cargo_bin("premix").unwrap();
    cmd.env_remove("NO_COLOR");
    cmd
}

#[test]
fn report_of_the_samples_is_one_self_contained_page_and_exits_like_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let samples = common::sample("");
    premix()
        .args(["report", "--html"])
        .arg(&out)
        .arg(&samples)
        .assert()
        .code(1);
    let page = fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    // One collapsible section per project (REAPER, Live, Ardour, DAWproject), each linked
    // from the index.
    assert_eq!(page.matches("<details class=\"p\"").count(), 4);
    for i in 0..4 {
        assert!(page.contains(&format!("<a href=\"#p{i}\">")));
    }
    // Self-contained: no external references of any kind.
    for needle in ["http://", "https://", "src=", "<link", "@import", "url("] {
        assert!(!page.contains(needle), "{needle}");
    }
    // Changes name their rules; new buses are marked.
    let kick_line = premix::rules::DEFAULT_RULES
        .lines()
        .position(|l| l.trim() == "- name: kick")
        .expect("the default rules have a kick rule")
        + 1;
    assert!(page.contains(&format!("[&lt;default rules&gt;:{kick_line} kick]")));
    assert!(page.contains("<b>new bus</b>"));
}

#[test]
fn report_exit_codes_nothing_to_change_and_errors_listed() {
    let dir = tempfile::tempdir().unwrap();
    let song = dir.path().join("song.rpp");
    fs::copy(common::sample("reaper/messy-session.rpp"), &song).unwrap();
    let rules = dir.path().join("none.yaml");
    fs::write(&rules, "version: 1\n").unwrap();
    let out = dir.path().join("r.html");
    premix()
        .args(["report", "--html"])
        .arg(&out)
        .arg("--rules")
        .arg(&rules)
        .arg(&song)
        .assert()
        .code(0);
    assert!(
        fs::read_to_string(&out)
            .unwrap()
            .contains("Nothing to change.")
    );
    assert!(fs::read_to_string(&out).unwrap().contains("song.rpp"));

    let broken = dir.path().join("broken.rpp");
    fs::write(
        &broken,
        "<REAPER_PROJECT 0.1 \"7.0/win64\" 1\n  <TRACK\n    NAME \"<b>unterminated\n",
    )
    .unwrap();
    premix()
        .args(["report", "--html"])
        .arg(&out)
        .arg(&broken)
        .arg(&song)
        .assert()
        .code(2);
    let page = fs::read_to_string(&out).unwrap();
    assert!(page.contains("broken.rpp"));
    assert!(page.contains("st-error"));
    assert!(!page.contains("<b>unterminated"));
}

#[test]
fn track_names_cannot_inject_markup() {
    let dir = tempfile::tempdir().unwrap();
    let song = dir.path().join("song.rpp");
    let text = fs::read_to_string(common::sample("reaper/messy-session.rpp")).unwrap();
    let evil = text.replacen("NAME \"kick in\"", "NAME \"<script>alert(1)</script>\"", 1);
    assert_ne!(evil, text);
    fs::write(&song, evil).unwrap();
    let out = dir.path().join("r.html");
    premix()
        .args(["report", "--html"])
        .arg(&out)
        .arg(&song)
        .assert()
        .code(1);
    let page = fs::read_to_string(&out).unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<script>alert"));
    // The page's own script is the only one.
    assert_eq!(page.matches("<script").count(), 1);
}
