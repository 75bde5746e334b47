//! Shared helpers for the integration tests.
#![allow(dead_code)]

pub mod ardour5;
pub mod audio;

use std::path::PathBuf;

/// The shared corpus of real projects (`../shared/corpus`), or `None` with a message saying
/// the corpus-based checks are skipped ([`skipped`]).
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let dir = corpus_root().join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        skipped(&dir);
        None
    }
}

/// Where the corpus is looked for: `../shared/corpus` from the crate root.
pub fn corpus_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

/// Says that this test binary skips its corpus checks because `missing` is not there: once
/// per binary, and written to standard error directly, past libtest's capture of what passing
/// tests print (which `eprintln!` goes through), so `cargo test` shows it.
pub fn skipped(missing: &std::path::Path) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "note: {} not found: {} skips its corpus checks (they need ../shared beside the crate)",
            missing.display(),
            env!("CARGO_CRATE_NAME")
        );
    });
}

/// Every file of a corpus folder with one of `extensions` (lower case), sorted.
pub fn corpus_files(sub: &str, extensions: &[&str]) -> Vec<PathBuf> {
    let Some(dir) = corpus(sub) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus folder readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e.to_ascii_lowercase().as_str()))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "corpus folder {sub} holds no project");
    files
}

pub fn sample(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(rel)
}

/// A fault case of the shared cases folder (`../shared/cases/<rel>`), or `None` with a
/// message saying the checks on it are skipped.
pub fn case(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/cases")
        .join(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "case absent: {} not found; skipping the checks on it",
            path.display()
        );
        None
    }
}

/// A file named `name` holding `text` in a fresh temporary folder (kept while the handle
/// lives); `path()` is the file.
pub struct TempFile {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl TempFile {
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

pub fn write_temp(name: &str, text: &str) -> TempFile {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("temporary file written");
    TempFile { _dir: dir, path }
}

/// A corpus project (`../shared/corpus/<rel>`), or `None` with a note (once per test binary)
/// when the corpus is absent.
pub fn corpus_file(rel: &str) -> Option<PathBuf> {
    let path = corpus_root().join(rel);
    if path.is_file() {
        Some(path)
    } else {
        skipped(&path);
        None
    }
}

/// The document `premix check --json PATH` prints for its one project (exit 0 or 1: nothing
/// or something to change; anything else fails the test).
pub fn check_json(path: &std::path::Path) -> serde_json::Value {
    let out = assert_cmd::Command::cargo_bin("premix")
        .unwrap()
        .arg("check")
        .arg(path)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "check {} exited {:?}: {}",
        path.display(),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["projects"][0].clone()
}

/// The document of `premix inspect --json PATH`.
pub fn inspect_json(path: &std::path::Path) -> serde_json::Value {
    let out = assert_cmd::Command::cargo_bin("premix")
        .unwrap()
        .arg("inspect")
        .arg(path)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "inspect {}", path.display());
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The colour a `check --json` project document wants for track `index` (1-based), if it
/// recolours it.
pub fn recolour_to(project: &serde_json::Value, index: u64) -> Option<String> {
    project["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["track"] == index && c["action"] == "recolor")
        .map(|c| c["to"].as_str().unwrap().to_string())
}

/// The index (1-based) of the track named `name` in an `inspect --json` document.
pub fn track_index(inspect: &serde_json::Value, name: &str) -> u64 {
    inspect["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no track {name:?}"))["index"]
        .as_u64()
        .unwrap()
}
