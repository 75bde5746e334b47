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

/// The value of the last `white-space` declaration among the page's CSS rules whose selector
/// list holds one of `selectors` (exactly as written), if any.
fn last_white_space<'c>(css: &'c str, selectors: &[&str]) -> Option<&'c str> {
    css.split('}')
        .filter(|r| {
            let list = r.split('{').next().unwrap_or("");
            list.split(',').any(|s| selectors.contains(&s.trim()))
        })
        .filter_map(|r| {
            let body = r.split('{').nth(1)?;
            body.split(';')
                .filter_map(|d| d.split_once(':'))
                .filter(|(p, _)| p.trim() == "white-space")
                .map(|(_, v)| v.trim())
                .next_back()
        })
        .next_back()
}

/// The HTML report shows each name as the DAW does, spaces included: REAPER shows
/// "Gtr  Middle SM57" and "Instrument  Mix + Perc" (`jonch070__Song_with_Sends.RPP`) with two
/// spaces. The report's track lists are `white-space: nowrap`, which collapses runs of spaces,
/// so the browser shows "Gtr Middle SM57" (the change list, plain text, keeps them).
///
/// Every place the name shows keeps them: the track lists, the change list (`white-space:
/// normal` collapses them too) and the preflight table (the project's media are missing here,
/// which the table lists by track). What Chromium draws is checked by `tests/browser/run.sh`.
#[test]
fn the_report_keeps_the_spaces_of_a_name() {
    let Some(rpp) = common::corpus_file("rpp/jonch070__Song_with_Sends.RPP") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let out = premix()
        .arg("report")
        .arg(&rpp)
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "changes wanted");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains(">Gtr  Middle SM57<"),
        "the name is in the page"
    );
    // The declarations of the rules that style the track list's rows and names.
    let css = page
        .split("<style>")
        .nth(1)
        .and_then(|s| s.split("</style>").next())
        .unwrap();
    let row_rules: Vec<&str> = css
        .split('}')
        .filter(|r| {
            let selector = r.split('{').next().unwrap_or("").trim();
            selector == "ol.tracks li" || selector == "ol.tracks li span"
        })
        .collect();
    assert!(!row_rules.is_empty(), "the track list is styled");
    let keeps_spaces = |r: &&str| {
        [
            "white-space:pre",
            "white-space: pre",
            "white-space:break-spaces",
        ]
        .iter()
        .any(|w| r.contains(w))
    };
    let last_white_space_rule = row_rules
        .iter()
        .rev()
        .find(|r| r.contains("white-space"))
        .copied();
    assert!(
        last_white_space_rule.is_some_and(|r| keeps_spaces(&r)) || page.contains("Gtr&nbsp;"),
        "the track list collapses runs of spaces: {last_white_space_rule:?}"
    );

    // Each other element the name shows in: it is there, and styled to keep its spaces.
    for (what, shown, selectors) in [
        (
            "the change list",
            "<li>track 8 &quot;Gtr  Middle SM57&quot;: colour",
            &["ol.ch li", "ol.ch"][..],
        ),
        (
            "the preflight table",
            "<td class=\"n\">Gtr  Middle SM57</td>",
            &["table.pf td.n", "table.pf td"][..],
        ),
    ] {
        assert!(page.contains(shown), "{what} names the track: {shown}");
        let white_space = last_white_space(css, selectors);
        assert!(
            white_space.is_some_and(|v| ["pre", "pre-wrap", "break-spaces"].contains(&v)),
            "{what} collapses runs of spaces: white-space {white_space:?}"
        );
    }
}
