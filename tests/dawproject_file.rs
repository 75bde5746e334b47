//! `apply` on a DAWproject read from its file (`pipeline::process_file_into`): the untouched
//! entries copied file to file, the container's check remembered in the analysis cache, and
//! the same bytes written as the in-memory path writes, wherever project.xml lies and however
//! the remembered check fares.

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

/// The sample's project.xml (stored), then a stored and a deflated media entry.
fn container_bytes() -> Vec<u8> {
    container(0, 0)
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

fn apply_out(s: &Setup) -> std::process::Output {
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
}

/// Makes the file look saved an hour ago, so its check may be remembered (a file changed in
/// the last two seconds never is).
fn age(path: &Path) {
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

fn records(cache: &Path) -> usize {
    record_paths(cache).len()
}

#[test]
fn apply_out_writes_the_bytes_the_in_memory_path_writes() {
    let bytes = container_bytes();
    let s = setup(&bytes);
    let out = apply_out(&s);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = fs::read(s.out.join("song.dawproject")).unwrap();
    let rules = premix::rules::load(RECOLOUR, "recolour.yaml").unwrap();
    let in_memory = premix::pipeline::process(Format::Dawproject, &bytes, &rules, true)
        .unwrap()
        .output
        .unwrap();
    assert_eq!(written, in_memory);
    assert_ne!(written, bytes, "the recolour changed nothing");
}

#[test]
fn a_plan_that_changes_nothing_copies_the_file_byte_for_byte() {
    let bytes = container_bytes();
    let s = setup(&bytes);
    fs::write(&s.rules, "version: 1\nrules: []\n").unwrap();
    let out = apply_out(&s);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(s.out.join("song.dawproject")).unwrap(), bytes);
}

#[test]
fn a_bad_crc_is_refused_by_apply_out_and_nothing_is_written() {
    let mut bytes = container_bytes();
    // A byte of the stored WAV's samples (its data ends where the deflated entry's header
    // starts, found by its name).
    let at = memchr::memmem::find(&bytes, b"audio/deflated.wav").unwrap() - 300;
    bytes[at] ^= 0x10;
    let s = setup(&bytes);
    let out = apply_out(&s);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("audio/stored.wav: bad CRC"), "{stderr}");
    assert!(!s.out.join("song.dawproject").exists());
}

#[test]
fn a_checked_container_is_remembered_until_the_file_changes() {
    let bytes = container_bytes();
    let s = setup(&bytes);
    // Just saved: checked, not remembered.
    assert_eq!(apply_out(&s).status.code(), Some(0));
    assert_eq!(records(&s.cache), 0);
    age(&s.project);
    assert_eq!(apply_out(&s).status.code(), Some(0));
    assert_eq!(records(&s.cache), 1);
    let first = fs::read(s.out.join("song.dawproject")).unwrap();
    // Remembered: the same output.
    fs::remove_dir_all(&s.out).unwrap();
    assert_eq!(apply_out(&s).status.code(), Some(0));
    assert_eq!(fs::read(s.out.join("song.dawproject")).unwrap(), first);
    // The record is what the run trusts: one whose digests are wrong (a corrupted cache)
    // makes the byte-for-byte check of the copies refuse the output, never write it.
    let record = fs::read_dir(
        s.cache
            .join(
                fs::read_dir(&s.cache)
                    .unwrap()
                    .next()
                    .unwrap()
                    .unwrap()
                    .file_name(),
            )
            .join("containers"),
    )
    .unwrap()
    .next()
    .unwrap()
    .unwrap()
    .path();
    let good = fs::read_to_string(&record).unwrap();
    let last = good.trim_end().chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    fs::write(
        &record,
        format!("{}{flipped}", &good.trim_end()[..good.trim_end().len() - 1]),
    )
    .unwrap();
    fs::remove_dir_all(&s.out).unwrap();
    let out = apply_out(&s);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("do not hold the bytes premix checked")
            && stderr.contains("it is forgotten, run premix again"),
        "{stderr}"
    );
    assert!(!s.out.join("song.dawproject").exists());
    // The disproved record is forgotten: the next run checks the container whole.
    assert_eq!(records(&s.cache), 0);
    // A record whose ranges are not this container's (another version's layout): not
    // trusted, the container is checked whole and the same output written.
    fs::write(&record, misfit_record(&good)).unwrap();
    fs::remove_dir_all(&s.out).unwrap();
    let out = apply_out(&s);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(s.out.join("song.dawproject")).unwrap(), first);
    fs::write(&record, good).unwrap();
    // Damaged in place, its modification time put back as it was: the change time still
    // moves, so the remembered check is not trusted and the bad CRC is found.
    let mut damaged = bytes.clone();
    let at = memchr::memmem::find(&damaged, b"audio/deflated.wav").unwrap() - 300;
    damaged[at] ^= 0x10;
    fs::write(&s.project, &damaged).unwrap();
    age(&s.project);
    fs::remove_dir_all(&s.out).unwrap();
    let out = apply_out(&s);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad CRC"), "{stderr}");
    assert!(!s.out.join("song.dawproject").exists());
}

#[test]
fn apply_in_place_reads_from_the_file_and_keeps_a_backup_of_the_original() {
    let bytes = container_bytes();
    let s = setup(&bytes);
    let out = Command::cargo_bin("premix")
        .unwrap()
        .env("PREMIX_CACHE_DIR", &s.cache)
        .arg("apply")
        .arg(&s.project)
        .arg("--in-place")
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
    let rules = premix::rules::load(RECOLOUR, "recolour.yaml").unwrap();
    let in_memory = premix::pipeline::process(Format::Dawproject, &bytes, &rules, true)
        .unwrap()
        .output
        .unwrap();
    assert_eq!(fs::read(&s.project).unwrap(), in_memory);
    let backups: Vec<_> = fs::read_dir(s.project.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() != "song.dawproject")
        .map(|e| fs::read(e.path()).unwrap())
        .collect();
    assert_eq!(backups, [bytes]);
}

// A batch on a pool of one thread: each project's copies are made and synced on a thread of
// their own that never waits for the pool, whose one thread is verifying the project (a copy
// check queued on the pool behind it hung the run).
#[test]
fn a_batch_on_one_thread_copies_and_verifies_every_project() {
    let bytes = container_bytes();
    let s = setup(&bytes);
    let second = s.project.with_file_name("second.dawproject");
    fs::write(&second, &bytes).unwrap();
    let out = Command::cargo_bin("premix")
        .unwrap()
        .env("PREMIX_CACHE_DIR", &s.cache)
        .env("RAYON_NUM_THREADS", "1")
        .timeout(Duration::from_secs(120))
        .arg("apply")
        .arg(s.project.parent().unwrap())
        .arg("--out")
        .arg(&s.out)
        .arg("--rules")
        .arg(&s.rules)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for name in ["song.dawproject", "second.dawproject"] {
        let written = fs::read(s.out.join(name)).unwrap();
        let project = premix::formats::open(Format::Dawproject, &written).unwrap();
        assert!(
            project
                .session()
                .tracks
                .iter()
                .all(|t| t.color.map(|c| c.to_string()) == Some("#3d8fd9".into())),
            "{name}"
        );
    }
}

// `apply --out` rewrites an external file's path to reach it from the output, and reads the
// output whole to check that it does: only once the media are copied into it. (Checked
// beside the copy, the copied entries' local headers were still a gap of zeros: "no local
// header where the central directory says", when the read overtook the copy; with many
// entries the copy outlasts the rest of the verification, so the order is exercised, though
// the old race did not show every time.)
#[test]
fn media_paths_are_checked_in_the_output_once_its_copies_are_made() {
    let sample = fs::read(common::sample("dawproject/messy-session.dawproject")).unwrap();
    let xml = premix::formats::text_view(Format::Dawproject, &sample).into_owned();
    let xml = String::from_utf8(xml)
        .unwrap()
        .replacen(
            "<File path=\"audio/01 Kick In.wav\"/>",
            "<File external=\"true\" path=\"media/kick.wav\"/>",
            1,
        )
        .into_bytes();
    let mut entries = vec![RawEntry {
        name: "project.xml".into(),
        method: 0,
        crc: crc32fast::hash(&xml),
        size: xml.len() as u32,
        data: xml,
    }];
    // 48 MB of plug-in states after it, their local headers all through the copy.
    for n in 0..1536 {
        let state = vec![(n % 251) as u8; 32 << 10];
        entries.push(RawEntry {
            name: format!("plugins/state-{n}.bin"),
            method: 0,
            crc: crc32fast::hash(&state),
            size: state.len() as u32,
            data: state,
        });
    }
    let bytes = projgen::dawproject::zip_raw(&entries);
    let s = setup(&bytes);
    let media = s.project.parent().unwrap().join("media");
    fs::create_dir_all(&media).unwrap();
    fs::write(media.join("kick.wav"), projgen::dawproject::wav(4_000, 1)).unwrap();
    let out = apply_out(&s);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let written = fs::read(s.out.join("song.dawproject")).unwrap();
    let text =
        String::from_utf8(premix::formats::text_view(Format::Dawproject, &written).into_owned())
            .unwrap();
    let reached = fs::canonicalize(media.join("kick.wav")).unwrap();
    assert!(
        text.contains(&format!("path=\"{}\"", reached.display())),
        "{}",
        &text[text.find("external").unwrap()..][..120]
    );
    assert_eq!(written.len(), bytes.len() + (text.len() - xml_len(&bytes)));
}

/// The length of the stored project.xml of the container `bytes`.
fn xml_len(bytes: &[u8]) -> usize {
    premix::formats::text_view(Format::Dawproject, bytes).len()
}

// Remembered reads as a user meets them (from the review of issue #19): each input is
// applied just saved (checked whole, not remembered), aged (checked whole and remembered)
// and again (read with the remembered check).

/// The sample's project.xml and two media, `project.xml` at `at` (0 first, 2 last); the
/// deflated ones written with a data descriptor (as [`projgen::dawproject::zip_raw`] does).
fn container(at: usize, xml_method: u16) -> Vec<u8> {
    let sample = fs::read(common::sample("dawproject/messy-session.dawproject")).unwrap();
    let xml = premix::formats::text_view(Format::Dawproject, &sample).into_owned();
    let mut entries = vec![
        raw_entry("audio/stored.wav", 0, projgen::dawproject::wav(40_000, 1)),
        raw_entry("audio/deflated.wav", 8, projgen::dawproject::wav(30_000, 2)),
    ];
    entries.insert(at, raw_entry("project.xml", xml_method, xml));
    projgen::dawproject::zip_raw(&entries)
}

/// An entry named `name` holding `data`, stored (`method` 0) or deflated (8).
fn raw_entry(name: &str, method: u16, data: Vec<u8>) -> RawEntry {
    RawEntry {
        name: name.into(),
        method,
        crc: crc32fast::hash(&data),
        size: data.len() as u32,
        data: if method == 8 {
            container::deflate(&data)
        } else {
            data
        },
    }
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

/// The paths of the container records in the cache.
fn record_paths(cache: &Path) -> Vec<PathBuf> {
    let Ok(versions) = fs::read_dir(cache) else {
        return Vec::new();
    };
    versions
        .flatten()
        .filter_map(|v| fs::read_dir(v.path().join("containers")).ok())
        .flat_map(|d| d.flatten().map(|e| e.path()))
        .collect()
}

/// The container record `good` with its first copied range moved by a byte: a record of
/// another container's layout.
fn misfit_record(good: &str) -> String {
    let (fingerprint, rest) = good.split_once(' ').unwrap();
    let (version, ranges) = rest.split_once(' ').unwrap();
    let (first_range, _) = ranges.split_once(':').unwrap();
    let (from, to) = first_range.split_once('-').unwrap();
    let shifted = format!("{}-{}", from.parse::<u64>().unwrap() + 1, to);
    format!(
        "{fingerprint} {version} {}",
        ranges.replacen(first_range, &shifted, 1)
    )
}

/// A settled one-entry container written once by `apply --out` (its check remembered): the
/// setup, that output, the record's path and the record as the check wrote it.
fn remembered_once() -> (Setup, Vec<u8>, PathBuf, String) {
    let bytes = container(1, 8);
    let s = setup(&bytes);
    age(&s.project);
    let first = written_by_apply_out(&s);
    let record = record_paths(&s.cache)
        .pop()
        .expect("the check was not remembered");
    let good = fs::read_to_string(&record).unwrap();
    (s, first, record, good)
}

/// `premix apply PROJECT --out OUT` (emptied first), expecting success; the output's bytes.
fn written_by_apply_out(s: &Setup) -> Vec<u8> {
    let _ = fs::remove_dir_all(&s.out);
    let out = apply_out(s);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::read(s.out.join("song.dawproject")).unwrap()
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
        let fresh = written_by_apply_out(&s);
        age(&s.project);
        let checked = written_by_apply_out(&s);
        assert_eq!(record_paths(&s.cache).len(), 1, "{what}: not remembered");
        let remembered = written_by_apply_out(&s);
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
// version) makes the run check the container whole, and that check replaces the record (the
// misfit record once stayed, and every later run checked the container twice).
#[test]
fn a_record_that_does_not_fit_is_replaced_by_the_whole_check() {
    let (s, first, record, good) = remembered_once();
    // The first copied range moved by a byte: not this container's.
    let misfit = misfit_record(&good);
    fs::write(&record, &misfit).unwrap();
    assert_eq!(
        written_by_apply_out(&s),
        first,
        "the whole check wrote another output"
    );
    let now = fs::read_to_string(&record).unwrap();
    assert_ne!(
        now.trim_end(),
        misfit.trim_end(),
        "the misfit record was kept after the container was checked whole"
    );
    assert_eq!(now.trim_end(), good.trim_end());
}

// A remembered record whose digests are wrong (the copies of the unchanged input do not
// match it): that run writes nothing, and the record is forgotten, so the next run checks the
// container whole and writes the project (the record once stayed trusted, and `apply` refused
// the project on every later run).
#[test]
fn a_record_the_copies_disprove_is_not_trusted_again() {
    let (s, first, record, good) = remembered_once();
    let good = good.trim_end();
    // The last digest's last hex digit changed: the ranges fit, the digest does not.
    let last = good.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    fs::write(&record, format!("{}{flipped}", &good[..good.len() - 1])).unwrap();
    let run = || {
        let _ = fs::remove_dir_all(&s.out);
        apply_out(&s)
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

/// The sample's project.xml with one track name of 17 MB (past `dawproject::APART_FROM`),
/// stored, then a stored media entry: a project.xml read apart from the file's layout.
fn long_stored_project_xml() -> Vec<u8> {
    let sample = fs::read(common::sample("dawproject/messy-session.dawproject")).unwrap();
    let xml = premix::formats::text_view(Format::Dawproject, &sample).into_owned();
    let name = format!("name=\"{}\"", "x".repeat(17 << 20));
    let xml = String::from_utf8(xml)
        .unwrap()
        .replacen("name=\"Synth Pad\"", &name, 1)
        .into_bytes();
    assert!(xml.len() > premix::formats::dawproject::APART_FROM);
    projgen::dawproject::zip_raw(&[
        raw_entry("project.xml", 0, xml),
        raw_entry("audio/stored.wav", 0, projgen::dawproject::wav(40_000, 1)),
    ])
}

// A long stored project.xml is held apart from the file's layout (so the read-back can free it:
// issue #14's memory target); the output is still every byte it should be, unchanged or edited.
#[test]
fn a_long_stored_project_xml_read_apart_is_written_back_whole() {
    let bytes = long_stored_project_xml();
    let s = setup(&bytes);
    fs::write(&s.rules, "version: 1\nrules: []\n").unwrap();
    assert_eq!(
        written_by_apply_out(&s),
        bytes,
        "changed by a plan of nothing"
    );
    fs::write(&s.rules, RECOLOUR).unwrap();
    let written = written_by_apply_out(&s);
    let rules = premix::rules::load(RECOLOUR, "recolour.yaml").unwrap();
    let in_memory = premix::pipeline::process(Format::Dawproject, &bytes, &rules, true)
        .unwrap()
        .output
        .unwrap();
    assert!(written == in_memory, "not the in-memory path's bytes");
    assert_ne!(written, bytes, "the recolour changed nothing");
}
