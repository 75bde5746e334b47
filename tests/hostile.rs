//! Hostile and damaged input, generated here (no stored binaries): premix answers each with a
//! clear error (exit 2, file and place named) or a correct result, never a crash, and never
//! leaves a file worse than it found it.

mod common;

#[path = "../benches/gen/mod.rs"]
mod projgen;

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::Path;

fn premix() -> Command {
    Command::cargo_bin("premix").unwrap()
}

/// A tiny deterministic generator (xorshift), so failures reproduce.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Runs `apply --in-place` on `bytes` saved as `name`; returns the output and asserts the
/// file is byte-identical afterwards when the run failed.
fn apply_in_place(name: &str, bytes: &[u8]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fs::write(&path, bytes).unwrap();
    let out = premix()
        .arg("apply")
        .arg(&path)
        .arg("--in-place")
        .output()
        .unwrap();
    assert!(out.status.code().is_some(), "{name}: killed by a signal");
    if out.status.code() == Some(2) {
        assert_eq!(
            fs::read(&path).unwrap(),
            bytes,
            "{name}: changed although refused"
        );
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "{name}: files left behind");
    }
    out
}

fn assert_refused(name: &str, bytes: &[u8], place: &str) {
    let out = apply_in_place(name, bytes);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
    assert!(
        stderr.contains(name) && stderr.contains(place),
        "{name}: {stderr}"
    );
}

#[test]
fn damaged_reaper_projects_are_refused_with_the_place() {
    assert_refused("empty.rpp", b"", "empty project");
    assert_refused("noise.rpp", &noise(7, 4096), "line 1");
    assert_refused("text.rpp", b"hello, I am not a project\n", "line 1");
    assert_refused(
        "unclosed.rpp",
        b"<REAPER_PROJECT 0.1\n  <TRACK\n    NAME a\n",
        "line 2",
    );
    assert_refused("stray.rpp", b"<REAPER_PROJECT 0.1\n>\n>\n", "line 3");
    assert_refused(
        "quote.rpp",
        b"<REAPER_PROJECT 0.1\n  <TRACK\n    NAME \"open\n  >\n>\n",
        "line 3, column 10",
    );
    assert_refused(
        "badnum.rpp",
        b"<REAPER_PROJECT 0.1\n  <TRACK\n    ISBUS x\n  >\n>\n",
        "line 3",
    );
}

#[test]
fn every_truncation_of_a_real_project_is_refused_or_read_never_crashes() {
    let bytes = fs::read(common::sample("reaper/messy-session.rpp")).unwrap();
    let rules = premix::rules::RuleSet::default_rules();
    // Every 97th cut, and the last bytes: each either reads (a cut at a chunk boundary can
    // still be a whole project) or is refused with a line.
    let cuts = (0..bytes.len())
        .step_by(97)
        .chain(bytes.len() - 3..bytes.len());
    for cut in cuts {
        let head = &bytes[..cut];
        match premix::pipeline::process(premix::session::Format::Rpp, head, &rules, true) {
            Ok(p) => assert!(p.output.is_some()),
            Err(e) => assert!(
                matches!(e.place, premix::formats::Place::Line(..)),
                "cut at {cut}: {e}"
            ),
        }
    }
}

#[test]
fn random_bytes_after_a_valid_header_never_crash_the_reader() {
    for seed in 1..200u64 {
        let mut bytes = b"<REAPER_PROJECT 0.1 \"7.0/win64\" 1\n  <TRACK\n".to_vec();
        let mut body = noise(seed, 2000);
        // Sprinkle the bytes the scanner reacts to.
        for (i, b) in body.iter_mut().enumerate() {
            if i % 37 == 0 {
                *b = b"<>\n\"'` |"[(seed as usize + i) % 8];
            }
        }
        bytes.extend(body);
        let _ = premix::formats::rpp::RppProject::read(&bytes);
    }
}

#[test]
fn two_hundred_thousand_nested_chunks_do_not_overflow_the_stack() {
    let depth = 200_000;
    let mut text = String::from("<REAPER_PROJECT 0.1\n  <TRACK\n    NAME deep\n");
    text.push_str(&"<X\n".repeat(depth));
    text.push_str(&">\n".repeat(depth));
    text.push_str("  >\n>\n");
    let out = apply_in_place("deep.rpp", text.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same depth left unclosed is refused.
    let unclosed = &text[..text.len() - 4 - 2 * depth];
    assert_refused("deep-unclosed.rpp", unclosed.as_bytes(), "never closed");
}

#[test]
fn deeply_nested_rules_are_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "seq.yaml",
            format!("version: 1\nrules: {}", "[".repeat(200_000)),
        ),
        (
            "not.yaml",
            format!(
                "version: 1\nrules:\n  - match: {}\n",
                "{not: ".repeat(100_000)
            ),
        ),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        premix()
            .args(["rules", "check"])
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("{name}:")));
    }
}

#[test]
fn every_kind_of_rules_mistake_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("syntax", "version: 1\nrules: [\n  - {", ":3:"),
        ("unknown key", "version: 1\nrulez: []\n", ":2:1:"),
        (
            "bad regex",
            "version: 1\nrules:\n  - match: {name: '('}\n",
            ":3:",
        ),
        (
            "bad colour",
            "version: 1\nrules:\n  - color: '#12'\n",
            ":3:",
        ),
        ("undeclared bus", "version: 1\nrules:\n  - bus: X\n", ":3:"),
        ("wrong version", "version: 7\n", ":1:"),
        ("wrong type", "version: 1\nrules: {a: 1}\n", ":2:"),
        ("not a mapping", "- 1\n", ":1:"),
        ("binary", "\u{0}\u{1}\u{2}", ":1:"),
    ];
    for (what, text, place) in cases {
        let path = dir.path().join("r.yaml");
        fs::write(&path, text).unwrap();
        premix()
            .args(["rules", "check"])
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("r.yaml{place}")).name(what));
    }
}

#[test]
fn non_utf8_names_survive_untouched() {
    let text: &[u8] = b"<REAPER_PROJECT 0.1 \"7.0/win64\" 1\n  <TRACK {A}\n    NAME caf\xe9\n    PEAKCOL 16576\n  >\n  <TRACK {B}\n    NAME kick\n    PEAKCOL 16576\n  >\n>\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.rpp");
    fs::write(&path, text).unwrap();
    let rules = dir.path().join("r.yaml");
    fs::write(&rules, "version: 1\n").unwrap();
    premix()
        .arg("apply")
        .arg(&path)
        .arg("--in-place")
        .arg("--rules")
        .arg(&rules)
        .assert()
        .code(0);
    assert_eq!(fs::read(&path).unwrap(), text);
    // An edit elsewhere keeps the Latin-1 name byte for byte.
    fs::write(
        &rules,
        "version: 1\nrules:\n  - match: {name: kick}\n    color: '#ff0000'\n",
    )
    .unwrap();
    premix()
        .arg("apply")
        .arg(&path)
        .arg("--in-place")
        .arg("--rules")
        .arg(&rules)
        .assert()
        .code(0);
    let after = fs::read(&path).unwrap();
    assert!(after.windows(10).any(|w| w == b"NAME caf\xe9\n"));
    assert_ne!(after, text);
}

#[test]
fn a_project_over_the_size_limit_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.rpp");
    let mut text = b"<REAPER_PROJECT 0.1\n".to_vec();
    text.extend(std::iter::repeat_n(b'A', 3 << 20));
    fs::write(&path, &text).unwrap();
    premix()
        .args(["check", "--max-size", "1"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("over the limit of 1 MiB"));
}

#[cfg(unix)]
#[test]
fn in_place_writes_keep_the_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("song.rpp");
    fs::copy(common::sample("reaper/messy-session.rpp"), &path).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    premix()
        .arg("apply")
        .arg(&path)
        .arg("--in-place")
        .assert()
        .code(0);
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o640);
    assert_eq!(mode(&dir.path().join("song.rpp.premix-bak")), 0o640);
}

/// A gzip member that inflates to about `bytes` zero bytes from a few MB: one literal zero,
/// then "copy 258 bytes from 1 back" over and over (fixed Huffman, 13 bits per 258 bytes).
fn zero_bomb(bytes: u64) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, count: u32) {
            self.acc |= value << self.n;
            self.n += count;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Huffman codes go most significant bit first.
        fn code(&mut self, code: u64, len: u32) {
            let reversed = (0..len).fold(0, |r, i| r | ((code >> i) & 1) << (len - 1 - i));
            self.put(reversed, len);
        }
    }
    let mut bits = Bits {
        out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3],
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // last block
    bits.put(1, 2); // fixed Huffman
    bits.code(0b0011_0000, 8); // literal 0
    for _ in 0..bytes / 258 {
        bits.code(0b1100_0101, 8); // length 258 (code 285)
        bits.code(0, 5); // distance 1
    }
    bits.code(0, 7); // end of block
    bits.put(0, 7);
    bits.out.extend([0; 8]); // CRC and size: never reached
    bits.out
}

#[test]
fn a_three_gigabyte_gzip_bomb_is_refused_at_the_limit() {
    let bomb = zero_bomb(3 << 30);
    assert!(bomb.len() < 25 << 20, "{} bytes", bomb.len());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.als");
    fs::write(&path, &bomb).unwrap();
    let started = std::time::Instant::now();
    premix()
        .args(["check", "--max-size", "8"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("bomb.als")
                .and(predicate::str::contains("over the limit of 8 MiB")),
        );
    // Generous bound for a loaded machine; without the limit this inflates 3 GB.
    assert!(started.elapsed().as_secs() < 60);
    assert_eq!(fs::read(&path).unwrap(), bomb);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn damaged_live_sets_and_ardour_sessions_are_refused() {
    let set = fs::read(common::sample("als/messy-set.als")).unwrap();
    assert_refused("empty.als", b"", "");
    assert_refused("noise.als", &noise(3, 4096), "");
    assert_refused("truncated.als", &set[..set.len() / 2], "gzip");
    let xml = premix::formats::text_view(premix::session::Format::Als, &set).into_owned();
    assert_refused("cut-xml.als", &gzip(&xml[..xml.len() / 2]), "");
    assert_refused("cut-raw.als", &xml[..xml.len() / 3], "");
    let session = fs::read(common::sample("ardour/messy-session/messy-session.ardour")).unwrap();
    assert_refused("empty.ardour", b"", "");
    assert_refused("noise.ardour", &noise(5, 4096), "");
    assert_refused("cut.ardour", &session[..session.len() / 2], "line");
    for (name, bytes) in [("folder.als", &set), ("folder.ardour", &session)] {
        // A folder named like a project is walked as a folder, never opened as a file.
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join(name);
        fs::create_dir_all(&folder).unwrap();
        fs::write(
            folder.join(format!("inner.{}", name.rsplit('.').next().unwrap())),
            bytes,
        )
        .unwrap();
        let out = premix().arg("check").arg(dir.path()).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("premix: 1 project:"), "{name}: {stdout}");
    }
}

#[test]
fn two_hundred_thousand_nested_xml_elements_do_not_overflow_the_stack() {
    let depth = 200_000;
    let deep = format!("{}{}", "<X>".repeat(depth), "</X>".repeat(depth));
    let als = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Ableton MajorVersion=\"5\" MinorVersion=\"11.0_11300\"><LiveSet><Tracks/>{deep}</LiveSet></Ableton>\n"
    );
    let out = apply_in_place("deep.als", &gzip(als.as_bytes()));
    assert!(
        matches!(out.status.code(), Some(0) | Some(2)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ardour = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Session version=\"7003\" name=\"deep\" id-counter=\"10\"><Routes/>{deep}</Session>\n"
    );
    let out = apply_in_place("deep.ardour", ardour.as_bytes());
    assert!(
        matches!(out.status.code(), Some(0) | Some(2)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn xml_entities_are_never_expanded() {
    // A billion-laughs DOCTYPE: refused, or its entities left as they are; never expanded.
    let laughs = "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\"><!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\"><!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\"><!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\"><!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\"><!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\"><!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>";
    let session =
        fs::read_to_string(common::sample("ardour/messy-session/messy-session.ardour")).unwrap();
    let with_doctype = session.replacen("<Session ", &format!("{laughs}\n<Session "), 1);
    let hostile = with_doctype.replacen("name=\"kick in\"", "name=\"&lol9;\"", 1);
    let out = apply_in_place("laughs.ardour", hostile.as_bytes());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("lollollol"), "an entity was expanded");
    assert!(matches!(out.status.code(), Some(0) | Some(2)));

    let set = fs::read(common::sample("als/messy-set.als")).unwrap();
    let xml = String::from_utf8(
        premix::formats::text_view(premix::session::Format::Als, &set).into_owned(),
    )
    .unwrap();
    let hostile = xml.replacen("<Ableton ", &format!("{laughs}\n<Ableton "), 1);
    let out = premix()
        .arg("inspect")
        .arg("--json")
        .arg({
            let dir = tempfile::tempdir().unwrap().keep();
            let p = dir.join("laughs.als");
            fs::write(&p, gzip(hostile.as_bytes())).unwrap();
            p
        })
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("lollollol"));
    assert!(matches!(out.status.code(), Some(0) | Some(2)));
}

/// A DAWproject holding `project.xml` from the sample and `extra` entries after it.
fn dawproject_with(extra: Vec<projgen::dawproject::RawEntry>) -> Vec<u8> {
    let sample = fs::read(common::sample("dawproject/messy-session.dawproject")).unwrap();
    let xml = premix::formats::text_view(premix::session::Format::Dawproject, &sample).into_owned();
    let mut entries = vec![projgen::dawproject::RawEntry {
        name: "project.xml".into(),
        method: 0,
        crc: crc32fast::hash(&xml),
        size: xml.len() as u32,
        data: xml,
    }];
    entries.extend(extra);
    projgen::dawproject::zip_raw(&entries)
}

#[test]
fn damaged_dawproject_containers_are_refused_and_left_alone() {
    let sample = fs::read(common::sample("dawproject/messy-session.dawproject")).unwrap();
    assert_refused("empty.dawproject", b"", "too short");
    assert_refused("noise.dawproject", &noise(7, 4096), "not a ZIP");
    assert_refused(
        "truncated.dawproject",
        &sample[..sample.len() / 2],
        "end-of-central-directory",
    );
    assert_refused(
        "cut-directory.dawproject",
        &sample[..sample.len() - 30],
        "end-of-central-directory",
    );
    let mut appended = sample.clone();
    appended.extend_from_slice(b"trailing bytes");
    assert_refused("appended.dawproject", &appended, "");

    // A bad CRC in a stored media entry, whose bytes premix would otherwise copy untouched.
    let pcm = projgen::dawproject::wav(4000, 1);
    let good = projgen::dawproject::RawEntry {
        name: "audio/a.wav".into(),
        method: 0,
        crc: crc32fast::hash(&pcm),
        size: pcm.len() as u32,
        data: pcm.clone(),
    };
    let mut flipped = pcm.clone();
    flipped[3000] ^= 0x40;
    assert_refused(
        "bad-crc.dawproject",
        &dawproject_with(vec![projgen::dawproject::RawEntry {
            data: flipped,
            ..good
        }]),
        "audio/a.wav: bad CRC",
    );
    // A data descriptor disagreeing with the central directory.
    let deflated = {
        use std::io::Write;
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&pcm).unwrap();
        e.finish().unwrap()
    };
    let mut bytes = dawproject_with(vec![projgen::dawproject::RawEntry {
        name: "audio/b.wav".into(),
        method: 8,
        crc: crc32fast::hash(&pcm),
        size: pcm.len() as u32,
        data: deflated.clone(),
    }]);
    let descriptor = memchr::memmem::rfind(&bytes, &0x0807_4b50u32.to_le_bytes()).unwrap();
    bytes[descriptor + 4] ^= 1;
    assert_refused("descriptor.dawproject", &bytes, "data descriptor");
    // Deflate data that is not deflate.
    assert_refused(
        "bad-deflate.dawproject",
        &dawproject_with(vec![projgen::dawproject::RawEntry {
            name: "audio/c.wav".into(),
            method: 8,
            crc: 0,
            size: 100,
            data: noise(9, 200),
        }]),
        "audio/c.wav",
    );
}

#[test]
fn dawproject_entries_inflating_past_the_limit_are_refused_without_inflating_them() {
    // Raw deflate of 300 MB of zeros (the gzip bomb without its framing): the file stays under
    // the limit, its entry does not.
    let gz = zero_bomb(300 << 20);
    let raw = gz[10..gz.len() - 8].to_vec();
    for (name, declared, says) in [
        (
            "honest-bomb.dawproject",
            300u32 << 20,
            "audio/zeros.wav: the entry, inflated, is 300 MiB, over the limit of 8 MiB",
        ),
        (
            "lying-bomb.dawproject",
            1000,
            "inflates past the 1000 bytes",
        ),
    ] {
        let bytes = dawproject_with(vec![projgen::dawproject::RawEntry {
            name: "audio/zeros.wav".into(),
            method: 8,
            crc: 0,
            size: declared,
            data: raw.clone(),
        }]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        fs::write(&path, &bytes).unwrap();
        let started = std::time::Instant::now();
        premix()
            .args(["apply", "--in-place", "--max-size", "8"])
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(name).and(predicate::str::contains(says)));
        assert!(started.elapsed().as_secs() < 60);
        assert_eq!(fs::read(&path).unwrap(), bytes);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

#[test]
fn dawproject_json_prototypes_are_refused_saying_what_they_are() {
    let json = |name: &str, text: &str| projgen::dawproject::RawEntry {
        name: name.into(),
        method: 0,
        crc: crc32fast::hash(text.as_bytes()),
        size: text.len() as u32,
        data: text.as_bytes().to_vec(),
    };
    let bytes = projgen::dawproject::zip_raw(&[
        json("metadata.json", "{\"title\": \"x\"}"),
        json("project.json", "{\"tracks\": []}"),
    ]);
    assert_refused(
        "prototype.dawproject",
        &bytes,
        "pre-1.0 DAWproject prototype",
    );
    for path in common::corpus_files("dawproject", &["dawproject"]) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("bitwig-dawproject__") {
            assert_refused(&name, &fs::read(&path).unwrap(), "project.json");
        }
    }
}

/// What the DAWproject fuzz target checks, on a few hundred mutations of the sample's
/// `project.xml` (bytes flipped, ranges cut or repeated), each in a well-formed container so
/// the mutation reaches the XML reader and the writer: never a panic; a project that reads
/// is written, reads back, and a second run changes nothing.
#[test]
fn mutated_dawproject_xml_never_panics_and_settles() {
    use premix::pipeline::process;
    use premix::rules::RuleSet;
    use premix::session::Format;
    let sample = fs::read(common::sample("dawproject/messy-session.dawproject")).unwrap();
    let xml = premix::formats::text_view(Format::Dawproject, &sample).into_owned();
    let rules = RuleSet::default_rules();
    let mut read = 0;
    for seed in 0..300u64 {
        let r = noise(seed + 11, 8);
        let at =
            |k: usize| (u32::from_le_bytes(r[k..k + 4].try_into().unwrap()) as usize) % xml.len();
        let (a, b) = (at(0).min(at(4)), at(0).max(at(4)));
        let mut m = xml.clone();
        match seed % 4 {
            0 => m[a] ^= r[1] | 1,
            1 => drop(m.drain(a..(a + 1 + b % 64).min(m.len()))),
            2 => {
                let piece = m[a..(a + 200).min(m.len())].to_vec();
                m.splice(b..b, piece);
            }
            _ => m[a] = b"<>\"&/ "[seed as usize % 6],
        }
        let bytes = dawproject_with_xml(&m);
        let Ok(first) = process(Format::Dawproject, &bytes, &rules, true) else {
            continue;
        };
        read += 1;
        let out = first.output.unwrap();
        let second = process(Format::Dawproject, &out, &rules, true)
            .unwrap_or_else(|e| panic!("seed {seed}: the output does not read back: {e}"));
        assert!(
            !second.plan.edits_file(),
            "seed {seed}: a second run changes something"
        );
    }
    assert!(
        read > 30,
        "only {read} mutations read: the test no longer reaches the writer"
    );
}

/// Byte flips in the container's headers (the first local header and the central directory
/// and end record) are refused or read, never a panic, and never read as something premix
/// then fails to write.
#[test]
fn mutated_dawproject_containers_never_panic() {
    use premix::pipeline::process;
    use premix::rules::RuleSet;
    use premix::session::Format;
    let sample = fs::read(common::sample("dawproject/messy-session.dawproject")).unwrap();
    let rules = RuleSet::default_rules();
    let tail = sample.len() - 2500;
    for seed in 0..400u64 {
        let r = noise(seed + 5, 8);
        let pick = u32::from_le_bytes(r[..4].try_into().unwrap()) as usize;
        let at = if seed % 2 == 0 {
            pick % 120
        } else {
            tail + pick % 2500
        };
        let mut m = sample.clone();
        m[at] ^= r[5] | 1;
        if let Ok(first) = process(Format::Dawproject, &m, &rules, true) {
            assert!(first.output.is_some(), "seed {seed}");
        }
    }
}

fn dawproject_with_xml(xml: &[u8]) -> Vec<u8> {
    projgen::dawproject::zip_raw(&[projgen::dawproject::RawEntry {
        name: "project.xml".into(),
        method: 0,
        crc: crc32fast::hash(xml),
        size: xml.len() as u32,
        data: xml.to_vec(),
    }])
}
