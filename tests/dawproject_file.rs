//! `apply` on a DAWproject read from its file (`pipeline::process_file_into`): the untouched
//! entries copied file to file, the container's check remembered in the analysis cache, and
//! the same bytes written as the in-memory path writes.

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
    let sample = fs::read(common::sample("dawproject/messy-session.dawproject")).unwrap();
    let xml = premix::formats::text_view(Format::Dawproject, &sample).into_owned();
    let stored = projgen::dawproject::wav(40_000, 1);
    let deflated = projgen::dawproject::wav(30_000, 2);
    projgen::dawproject::zip_raw(&[
        RawEntry {
            name: "project.xml".into(),
            method: 0,
            crc: crc32fast::hash(&xml),
            size: xml.len() as u32,
            data: xml,
        },
        RawEntry {
            name: "audio/stored.wav".into(),
            method: 0,
            crc: crc32fast::hash(&stored),
            size: stored.len() as u32,
            data: stored,
        },
        RawEntry {
            name: "audio/deflated.wav".into(),
            method: 8,
            crc: crc32fast::hash(&deflated),
            size: deflated.len() as u32,
            data: container::deflate(&deflated),
        },
    ])
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
    let Ok(versions) = fs::read_dir(cache) else {
        return 0;
    };
    versions
        .flatten()
        .filter_map(|v| fs::read_dir(v.path().join("containers")).ok())
        .map(|d| d.count())
        .sum()
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
    let (fingerprint, rest) = good.split_once(' ').unwrap();
    let (version, ranges) = rest.split_once(' ').unwrap();
    let (first_range, _) = ranges.split_once(':').unwrap();
    let (from, to) = first_range.split_once('-').unwrap();
    let shifted = format!("{}-{}", from.parse::<u64>().unwrap() + 1, to);
    fs::write(
        &record,
        format!(
            "{fingerprint} {version} {}",
            ranges.replacen(first_range, &shifted, 1)
        ),
    )
    .unwrap();
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
