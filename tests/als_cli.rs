//! The CLI on Live sets: exit codes, damaged files left untouched.

mod common;

use assert_cmd::Command;
use std::path::PathBuf;

fn corpus_set(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/als")
        .join(name);
    if path.is_file() {
        Some(path)
    } else {
        common::skipped(&path);
        None
    }
}

#[test]
fn damaged_sets_exit_2_and_stay_untouched() {
    let Some(src) = corpus_set("ununu__a.als") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&src).unwrap();
    let cases: [(&str, Vec<u8>); 3] = [
        ("truncated.als", bytes[..bytes.len() / 2].to_vec()),
        (
            "foreign.als",
            b"PK\x03\x04 this is a zip, not a Live set".to_vec(),
        ),
        (
            "unclosed.als",
            b"<?xml version=\"1.0\"?>\n<Ableton MinorVersion=\"11.0_11300\"><LiveSet><Tracks>"
                .to_vec(),
        ),
    ];
    for (name, content) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &content).unwrap();
        for args in [vec!["inspect"], vec!["apply", "--in-place"]] {
            Command::cargo_bin("premix")
                .unwrap()
                .args(&args)
                .arg(&path)
                .arg("--color=never")
                .assert()
                .code(2);
            assert_eq!(std::fs::read(&path).unwrap(), content, "{name} {args:?}");
        }
    }
}

#[test]
fn apply_in_place_rewrites_a_set_and_a_second_run_is_clean() {
    let Some(src) = corpus_set("node-als-parser__Michelle.als") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Michelle.als");
    std::fs::copy(&src, &path).unwrap();
    Command::cargo_bin("premix")
        .unwrap()
        .args(["apply", "--in-place", "--no-backup", "--color=never"])
        .arg(&path)
        .assert()
        .code(0);
    assert_ne!(std::fs::read(&path).unwrap(), std::fs::read(&src).unwrap());
    // Flagged tracks still make `check` exit 1; what matters is that nothing would change.
    let out = Command::cargo_bin("premix")
        .unwrap()
        .args(["check", "--json", "--color=never"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
    assert!(text.contains("\"status\": \"unchanged\""), "{text}");
}
