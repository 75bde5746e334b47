//! Review of issue #19's DAWproject write path (`pipeline::process_file_into`): a container's
//! check remembered in the analysis cache (`Check::Remembered`), the copies made beside the
//! verification, and the read-back of the output's layout only. Each test runs `premix apply`
//! as a user would, three times over one input: just saved (checked whole, not remembered),
//! aged (checked whole and remembered) and again (read with the remembered check).

mod common;

#[path = "../benches/gen/mod.rs"]
mod projgen;

use assert_cmd::Command;
use premix::formats::dawproject::container;
use premix::session::Format;
use projgen::dawproject::RawEntry;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const RECOLOUR: &str = "version: 1\ncolors:\n  all: \"#3d8fd9\"\nrules:\n  - name: recolour\n    match: {kind: any}\n    color: all\n";

/// The sample's project.xml and two media, `project.xml` at `at` (0 first, 2 last); the
/// deflated ones written with a data descriptor (as [`projgen::dawproject::zip_raw`] does).
fn container(at: usize, xml_method: u16) -> Vec<u8> {
    let sample = fs::read(common::sample("dawproject/messy-session.dawproject")).unwrap();
    let xml = premix::formats::text_view(Format::Dawproject, &sample).into_owned();
    let entry = |name: &str, method: u16, data: Vec<u8>| RawEntry {
        name: name.into(),
        method,
        crc: crc32fast::hash(&data),
        size: data.len() as u32,
        data: if method == 8 {
            container::deflate(&data)
        } else {
            data
        },
    };
    let mut entries = vec![
        entry("audio/stored.wav", 0, projgen::dawproject::wav(40_000, 1)),
        entry("audio/deflated.wav", 8, projgen::dawproject::wav(30_000, 2)),
    ];
    entries.insert(at, entry("project.xml", xml_method, xml));
    projgen::dawproject::zip_raw(&entries)
}

/// `zip` with its central records in the reverse order (the local headers where they were).
fn central_reversed(zip: &[u8]) -> Vec<u8> {
    let u16_at = |at: usize| u16::from_le_bytes([zip[at], zip[at + 1]]) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(zip[at..at + 4].try_into().unwrap()) as usize;
    let eocd = zip.len() - 22;
    assert_eq!(u32_at(eocd), 0x0605_4b50, "no end record where expected");
    let (count, offset) = (u16_at(eocd + 10), u32_at(eocd + 16));
    let mut records = Vec::new();
    let mut at = offset;
    for _ in 0..count {
        let len = 46 + u16_at(at + 28) + u16_at(at + 30) + u16_at(at + 32);
        records.push(zip[at..at + len].to_vec());
        at += len;
    }
    let mut out = zip[..offset].to_vec();
    records.iter().rev().for_each(|r| out.extend_from_slice(r));
    out.extend_from_slice(&zip[at..]);
    out
}

struct Setup {
    _dir: tempfile::TempDir,
    project: PathBuf,
    rules: PathBuf,
    cache: PathBuf,
    out: PathBuf,
}

fn setup(bytes: &[u8]) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("in").join("song.dawproject");
    fs::create_dir_all(project.parent().unwrap()).unwrap();
    fs::write(&project, bytes).unwrap();
    let rules = dir.path().join("recolour.yaml");
    fs::write(&rules, RECOLOUR).unwrap();
    Setup {
        project,
        rules,
        cache: dir.path().join("cache"),
        out: dir.path().join("out"),
        _dir: dir,
    }
}

/// `premix apply PROJECT --out OUT` (emptied first); the output's bytes.
fn apply_out(s: &Setup) -> Vec<u8> {
    let _ = fs::remove_dir_all(&s.out);
    let out = Command::cargo_bin("premix")
        .unwrap()
        .env("PREMIX_CACHE_DIR", &s.cache)
        .arg("apply")
        .arg(&s.project)
        .arg("--out")
        .arg(&s.out)
        .arg("--rules")
        .arg(&s.rules)
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::read(s.out.join("song.dawproject")).unwrap()
}

/// Makes the file look saved an hour ago, so its check may be remembered.
fn age(path: &Path) {
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

/// The container records in the cache.
fn records(cache: &Path) -> Vec<PathBuf> {
    let Ok(versions) = fs::read_dir(cache) else {
        return Vec::new();
    };
    versions
        .flatten()
        .filter_map(|v| fs::read_dir(v.path().join("containers")).ok())
        .flat_map(|d| d.flatten().map(|e| e.path()))
        .collect()
}

// The remembered read (project.xml's local header only) writes what the whole check writes,
// and what the in-memory path writes, wherever project.xml lies, with data descriptors on
// project.xml and on the media, and with the central directory in another order than the
// local headers.
#[test]
fn a_remembered_container_is_written_as_a_checked_one_wherever_project_xml_lies() {
    let rules = premix::rules::load(RECOLOUR, "recolour.yaml").unwrap();
    for (what, bytes) in [
        ("project.xml first, stored", container(0, 0)),
        ("project.xml between, deflated", container(1, 8)),
        ("project.xml last, deflated", container(2, 8)),
        ("central order reversed", central_reversed(&container(1, 8))),
    ] {
        let s = setup(&bytes);
        let fresh = apply_out(&s);
        age(&s.project);
        let checked = apply_out(&s);
        assert_eq!(records(&s.cache).len(), 1, "{what}: not remembered");
        let remembered = apply_out(&s);
        let in_memory = premix::pipeline::process(Format::Dawproject, &bytes, &rules, true)
            .unwrap()
            .output
            .unwrap();
        assert_eq!(fresh, in_memory, "{what}: whole check");
        assert_eq!(checked, in_memory, "{what}: checked and remembered");
        assert_eq!(remembered, in_memory, "{what}: remembered");
        assert_ne!(remembered, bytes, "{what}: the recolour changed nothing");
    }
}

// A remembered record whose ranges do not fit the container (a corrupted cache, or one
// written by a version whose copied ranges were laid out otherwise under the same record
// version) makes the run check the container whole: that check should replace the record,
// as every whole check of a settled file is remembered. It does not (`process_file_into`
// reads again with the cache `None`), so the misfit record stays, and every later run reads
// the layout and scans project.xml twice and checks every entry whole again, for ever.
#[test]
fn a_record_that_does_not_fit_is_replaced_by_the_whole_check() {
    let bytes = container(1, 8);
    let s = setup(&bytes);
    age(&s.project);
    let first = apply_out(&s);
    let record = records(&s.cache)
        .pop()
        .expect("the check was not remembered");
    let good = fs::read_to_string(&record).unwrap();
    // The first copied range moved by a byte: not this container's.
    let (fingerprint, rest) = good.split_once(' ').unwrap();
    let (version, ranges) = rest.split_once(' ').unwrap();
    let (first_range, _) = ranges.split_once(':').unwrap();
    let (from, to) = first_range.split_once('-').unwrap();
    let shifted = format!("{}-{}", from.parse::<u64>().unwrap() + 1, to);
    let misfit = format!(
        "{fingerprint} {version} {}",
        ranges.replacen(first_range, &shifted, 1)
    );
    fs::write(&record, &misfit).unwrap();
    assert_eq!(apply_out(&s), first, "the whole check wrote another output");
    let now = fs::read_to_string(&record).unwrap();
    assert_ne!(
        now.trim_end(),
        misfit.trim_end(),
        "the misfit record was kept after the container was checked whole"
    );
    assert_eq!(now.trim_end(), good.trim_end());
}

// A remembered record whose digests are wrong (the copies of the unchanged input do not
// match it) is refused, nothing written: right. But the record stays trusted, so the project
// can never be written again by `apply` (which has no `--no-cache`) until the user finds and
// empties the cache, each run saying the file "changed while premix copied from it" when it
// did not. Once the copies of an input unchanged since it was read (its fingerprint the
// record's) disprove the record, it should be forgotten (or the container checked whole at
// once), so the next run at the latest writes the project.
#[test]
fn a_record_the_copies_disprove_is_not_trusted_again() {
    let bytes = container(1, 8);
    let s = setup(&bytes);
    age(&s.project);
    let first = apply_out(&s);
    let record = records(&s.cache)
        .pop()
        .expect("the check was not remembered");
    let good = fs::read_to_string(&record).unwrap();
    let good = good.trim_end();
    // The last digest's last hex digit changed: the ranges fit, the digest does not.
    let last = good.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    fs::write(&record, format!("{}{flipped}", &good[..good.len() - 1])).unwrap();
    let run = || {
        let _ = fs::remove_dir_all(&s.out);
        Command::cargo_bin("premix")
            .unwrap()
            .env("PREMIX_CACHE_DIR", &s.cache)
            .arg("apply")
            .arg(&s.project)
            .arg("--out")
            .arg(&s.out)
            .arg("--rules")
            .arg(&s.rules)
            .arg("--quiet")
            .output()
            .unwrap()
    };
    let refused = run();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        refused.status.code() == Some(0) || !s.out.join("song.dawproject").exists(),
        "a refused output was written: {stderr}"
    );
    let again = run();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(
        again.status.code(),
        Some(0),
        "the disproved record is still trusted: {stderr}"
    );
    assert_eq!(fs::read(s.out.join("song.dawproject")).unwrap(), first);
}
