//! `premix preflight`: audio the tests make with one known defect per kind, a clean session
//! that reports nothing, damaged files that never stop the run, the parts items play (not
//! whole files), the JSON contract, exit codes and the cache.

mod common;

use assert_cmd::Command;
use common::audio::{tone, wav};
use serde_json::Value;
use std::f64::consts::PI;
use std::path::Path;

fn premix(cache: &Path) -> Command {
    let mut cmd = Command::cargo_bin("premix").unwrap();
    cmd.env("PREMIX_CACHE_DIR", cache)
        .env_remove("XDG_CACHE_HOME");
    cmd
}

/// Two channels (`l`, `r`) interleaved.
fn stereo(l: &[f64], r: &[f64]) -> Vec<f64> {
    l.iter().zip(r).flat_map(|(a, b)| [*a, *b]).collect()
}

/// A REAPER project at 48 kHz: one track per (name, file, position, length, soffs) item.
fn project(dir: &Path, tracks: &[(&str, &str, f64, f64, f64)]) -> std::path::PathBuf {
    let mut rpp = String::from("<REAPER_PROJECT 0.1 \"7.0/linux64\" 1\n  SAMPLERATE 48000 1 0\n");
    for (i, (name, file, pos, len, soffs)) in tracks.iter().enumerate() {
        rpp.push_str(&format!(
            "  <TRACK {{{i}}}\n    NAME \"{name}\"\n    <ITEM\n      POSITION {pos}\n      LENGTH {len}\n      LOOP 0\n      SOFFS {soffs}\n      <SOURCE WAVE\n        FILE \"{file}\"\n      >\n    >\n  >\n"
        ));
    }
    rpp.push_str(">\n");
    let path = dir.join("song.rpp");
    std::fs::write(&path, rpp).unwrap();
    path
}

fn json(cmd: &mut Command) -> (Value, i32) {
    let out = cmd.arg("--json").output().unwrap();
    let code = out.status.code().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (doc, code)
}

/// Issue kinds per track (by name), sorted.
fn kinds(doc: &Value) -> Vec<(String, Vec<String>)> {
    doc["projects"][0]["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let mut k: Vec<String> = t["issues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["kind"].as_str().unwrap().to_string())
                .collect();
            k.sort();
            (t["name"].as_str().unwrap().to_string(), k)
        })
        .collect()
}

const RATE: u32 = 48_000;

#[test]
fn every_planted_defect_is_found_on_its_track_and_only_there() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let clean = tone(RATE, 4.0, 0.25);
    wav(&d.join("clean.wav"), RATE, 1, 24, &clean);
    let mut clipped = clean.clone();
    for x in &mut clipped[48_000..48_100] {
        *x = 1.0;
    }
    wav(&d.join("clipped.wav"), RATE, 1, 24, &clipped);
    wav(&d.join("silent.wav"), RATE, 1, 24, &vec![0.0; 4 * 48_000]);
    wav(&d.join("quiet.wav"), RATE, 1, 24, &tone(RATE, 4.0, 0.0001));
    wav(&d.join("dual.wav"), RATE, 2, 24, &stereo(&clean, &clean));
    let zero = vec![0.0; clean.len()];
    wav(&d.join("onesided.wav"), RATE, 2, 24, &stereo(&clean, &zero));
    let inverted: Vec<f64> = clean.iter().map(|x| -x).collect();
    wav(
        &d.join("polarity.wav"),
        RATE,
        2,
        24,
        &stereo(&clean, &inverted),
    );
    let dc: Vec<f64> = clean.iter().map(|x| x + 0.05).collect();
    wav(&d.join("dc.wav"), RATE, 1, 24, &dc);
    wav(&d.join("rate.wav"), 44_100, 1, 24, &tone(44_100, 4.0, 0.25));
    wav(&d.join("depth.wav"), RATE, 1, 16, &clean);
    wav(&d.join("float.wav"), RATE, 1, 32, &clean);
    wav(&d.join("short.wav"), RATE, 1, 24, &tone(RATE, 2.0, 0.25));
    let path = project(
        d,
        &[
            ("Kick", "clean.wav", 0.0, 4.0, 0.0),
            ("Snare", "clipped.wav", 0.0, 4.0, 0.0),
            ("Tom", "silent.wav", 0.0, 4.0, 0.0),
            ("Whisper", "quiet.wav", 0.0, 4.0, 0.0),
            ("Room", "dual.wav", 0.0, 4.0, 0.0),
            ("Gtr", "onesided.wav", 0.0, 4.0, 0.0),
            ("Keys", "polarity.wav", 0.0, 4.0, 0.0),
            ("Bass", "dc.wav", 0.0, 4.0, 0.0),
            ("Rhodes", "rate.wav", 0.0, 4.0, 0.0),
            ("Ref", "depth.wav", 0.0, 4.0, 0.0),
            ("Pad", "float.wav", 0.0, 4.0, 0.0),
            ("Vox", "short.wav", 0.0, 4.0, 0.0),
            ("Organ", "gone.wav", 0.0, 4.0, 0.0),
            ("Audio 3", "clean.wav", 0.0, 4.0, 0.0),
            ("kick", "clean.wav", 0.0, 4.0, 0.0),
        ],
    );
    let cache = d.join("cache");
    let (doc, code) = json(premix(&cache).arg("preflight").arg(&path));
    assert_eq!(code, 1, "errors found: {doc}");
    let got = kinds(&doc);
    let expect: Vec<(&str, Vec<&str>)> = vec![
        ("Kick", vec!["duplicate_name"]),
        ("Snare", vec!["clipping"]),
        ("Tom", vec!["silent"]),
        ("Whisper", vec!["silent"]),
        ("Room", vec!["dual_mono"]),
        ("Gtr", vec!["one_sided"]),
        ("Keys", vec!["polarity"]),
        ("Bass", vec!["dc_offset"]),
        ("Rhodes", vec!["sample_rate"]),
        ("Ref", vec!["bit_depth"]),
        ("Pad", vec![]),
        ("Vox", vec!["short_media"]),
        ("Organ", vec!["missing_media"]),
        ("Audio 3", vec!["default_name"]),
        ("kick", vec!["duplicate_name"]),
    ];
    let expect: Vec<(String, Vec<String>)> = expect
        .into_iter()
        .map(|(n, k)| (n.to_string(), k.into_iter().map(String::from).collect()))
        .collect();
    assert_eq!(got, expect);
    let tracks = doc["projects"][0]["tracks"].as_array().unwrap();
    let snare = &tracks[1]["issues"][0];
    assert_eq!(snare["severity"], "error");
    assert_eq!(snare["media"], "clipped.wav");
    let detail = snare["detail"].as_str().unwrap();
    assert!(
        detail.contains("1 runs") && detail.contains("1.00 s"),
        "{detail}"
    );
    let short = tracks[11]["issues"][0]["detail"].as_str().unwrap();
    assert!(short.contains("2.00 s"), "{short}");
}

#[test]
fn a_clean_session_reports_nothing_and_measures_what_it_plays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let l = tone(RATE, 6.0, 0.5);
    let r: Vec<f64> = (0..l.len())
        .map(|i| 0.3 * (2.0 * PI * 660.0 * i as f64 / RATE as f64).sin())
        .collect();
    wav(&d.join("kick.wav"), RATE, 1, 24, &l);
    wav(&d.join("keys.wav"), RATE, 2, 24, &stereo(&l, &r));
    let path = project(
        d,
        &[
            ("Kick In", "kick.wav", 0.0, 6.0, 0.0),
            ("Keys", "keys.wav", 0.0, 6.0, 0.0),
        ],
    );
    let cache = d.join("cache");
    let (doc, code) = json(premix(&cache).arg("preflight").arg(&path));
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["command"], "preflight");
    assert_eq!(doc["summary"]["errors"], 0);
    assert_eq!(doc["summary"]["warnings"], 0);
    let p = &doc["projects"][0];
    assert_eq!(p["format"], "rpp");
    assert_eq!(p["sample_rate"], 48_000);
    let kick = &p["tracks"][0];
    assert_eq!(kick["index"], 1, "1-based");
    assert_eq!(kick["kind"], "audio");
    assert!(kick["issues"].as_array().unwrap().is_empty());
    let m = &kick["measures"];
    assert_eq!(m["sample_rate"], 48_000);
    assert_eq!(m["bit_depth"], 24);
    assert_eq!(m["channels"], 1);
    // A 0.5 peak sine: -6.02 dBFS sample peak, about -3.01 + -0.69 - 6.02 LUFS (BS.1770:
    // a full-scale 997 Hz sine reads -3.01 LUFS; 440 Hz sits a little lower in K-weighting).
    assert!(
        (m["peak_dbfs"].as_f64().unwrap() + 6.02).abs() < 0.02,
        "{m}"
    );
    assert!(m["true_peak_dbtp"].as_f64().unwrap() >= -6.03, "{m}");
    let lufs = m["integrated_lufs"].as_f64().unwrap();
    assert!((-10.5..-8.5).contains(&lufs), "{m}");
    assert!(m["loudness_range_lu"].as_f64().unwrap() < 1.0, "{m}");
    assert_eq!(m["duration_s"], 6.0);
    assert_eq!(p["tracks"][1]["measures"]["channels"], 2);
    // The human form agrees: nothing to report.
    let out = premix(&cache).arg("preflight").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 tracks, ready to mix"), "{text}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn only_the_part_an_item_plays_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Clipping in the first second, silence from 3 s on; the item plays 1.5 s .. 2.5 s.
    let mut s = tone(RATE, 5.0, 0.25);
    for x in &mut s[1_000..1_200] {
        *x = 1.0;
    }
    for x in &mut s[3 * 48_000..] {
        *x = 0.0;
    }
    wav(&d.join("take.wav"), RATE, 1, 24, &s);
    let path = project(
        d,
        &[
            ("Middle", "take.wav", 0.0, 1.0, 1.5),
            ("Start", "take.wav", 0.0, 1.0, 0.0),
            ("End", "take.wav", 0.0, 1.0, 3.5),
        ],
    );
    let (doc, _) = json(premix(&d.join("cache")).arg("preflight").arg(&path));
    let got = kinds(&doc);
    assert_eq!(got[0].1, Vec::<String>::new(), "{doc}");
    assert_eq!(got[1].1, ["clipping"]);
    assert_eq!(got[2].1, ["silent"]);
    let m = &doc["projects"][0]["tracks"][0]["measures"];
    assert_eq!(m["duration_s"], 1.0);
}

#[test]
fn damaged_media_never_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let clean = tone(RATE, 2.0, 0.25);
    wav(&d.join("whole.wav"), RATE, 1, 24, &clean);
    let bytes = std::fs::read(d.join("whole.wav")).unwrap();
    std::fs::write(d.join("truncated.wav"), &bytes[..bytes.len() / 2]).unwrap();
    let mut header = bytes.clone();
    header[20] = 0x55; // an audio format code no codec has
    header[22] = 0; // and no channels
    std::fs::write(d.join("header.wav"), &header).unwrap();
    std::fs::write(d.join("empty.wav"), b"").unwrap();
    std::fs::write(d.join("text.wav"), "not audio at all\n".repeat(100)).unwrap();
    let path = project(
        d,
        &[
            ("Truncated", "truncated.wav", 0.0, 2.0, 0.0),
            ("Header", "header.wav", 0.0, 2.0, 0.0),
            ("Empty", "empty.wav", 0.0, 2.0, 0.0),
            ("Text", "text.wav", 0.0, 2.0, 0.0),
            ("Whole", "whole.wav", 0.0, 2.0, 0.0),
        ],
    );
    let (doc, code) = json(premix(&d.join("cache")).arg("preflight").arg(&path));
    assert_eq!(code, 1);
    let tracks = doc["projects"][0]["tracks"].as_array().unwrap();
    let detail = |i: usize| {
        assert_eq!(
            tracks[i]["issues"][0]["kind"], "unreadable_media",
            "{}",
            tracks[i]
        );
        tracks[i]["issues"][0]["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(detail(0).contains("truncated"), "{}", detail(0));
    assert!(!detail(1).is_empty());
    assert!(detail(2).contains("empty file"), "{}", detail(2));
    assert!(detail(3).contains("not an audio file"), "{}", detail(3));
    assert!(tracks[4]["issues"].as_array().unwrap().is_empty());
    assert!(tracks[4]["measures"]["peak_dbfs"].is_number());
}

#[test]
fn fail_on_and_exit_codes_follow_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    wav(&d.join("a.wav"), RATE, 1, 16, &tone(RATE, 1.0, 0.25));
    let path = project(d, &[("Lead", "a.wav", 0.0, 1.0, 0.0)]);
    let cache = d.join("cache");
    // A warning (bit depth) alone: 0 by default, 1 with --fail-on warning.
    premix(&cache).arg("preflight").arg(&path).assert().code(0);
    premix(&cache)
        .args(["preflight", "--fail-on", "warning"])
        .arg(&path)
        .assert()
        .code(1);
    // One ladder for every command: `info` fails on the warning too; `never` and `changes`
    // (preflight changes nothing) do not; a level check does not know is refused.
    for (level, code) in [("info", 1), ("never", 0), ("changes", 0), ("error", 0)] {
        premix(&cache)
            .args(["preflight", "--fail-on", level])
            .arg(&path)
            .assert()
            .code(code);
    }
    premix(&cache)
        .args(["preflight", "--fail-on", "fatal"])
        .arg(&path)
        .assert()
        .code(2);
    let broken = d.join("broken.rpp");
    std::fs::write(&broken, "<REAPER_PROJECT 0.1\n  <TRACK\n").unwrap();
    let out = premix(&cache)
        .arg("preflight")
        .arg(&path)
        .arg(&broken)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.rpp"));
}

#[test]
fn a_second_run_is_served_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("a.wav");
    wav(&file, RATE, 1, 24, &tone(RATE, 2.0, 0.25));
    // Old enough to be fingerprinted (files changed in the last 2 s are hashed again).
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let path = project(d, &[("Lead", "a.wav", 0.0, 2.0, 0.0)]);
    let cache = d.join("cache");
    let (first, _) = json(premix(&cache).arg("preflight").arg(&path));
    let results = cache.join("analysis-v1/results");
    assert_eq!(std::fs::read_dir(&results).unwrap().count(), 1);
    assert_eq!(
        std::fs::read_dir(cache.join("analysis-v1/stat"))
            .unwrap()
            .count(),
        1
    );
    // Replace the cached result by a marker: the second run must show it, not decode again.
    let entry = std::fs::read_dir(&results)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&entry).unwrap();
    std::fs::write(
        &entry,
        text.replacen("\"sample_rate\":48000", "\"sample_rate\":47999", 1),
    )
    .unwrap();
    let (second, _) = json(premix(&cache).arg("preflight").arg(&path));
    assert_eq!(
        second["projects"][0]["tracks"][0]["measures"]["sample_rate"],
        47_999
    );
    // --no-cache decodes again.
    let (third, _) = json(premix(&cache).args(["preflight", "--no-cache"]).arg(&path));
    assert_eq!(third, first);
    // A changed file is analysed again.
    wav(&file, RATE, 1, 24, &tone(RATE, 2.0, 0.5));
    let (fourth, _) = json(premix(&cache).arg("preflight").arg(&path));
    assert_ne!(
        fourth["projects"][0]["tracks"][0]["measures"]["peak_dbfs"],
        first["projects"][0]["tracks"][0]["measures"]["peak_dbfs"]
    );
}

#[test]
fn the_bundled_samples_show_every_planted_defect() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let (doc, code) = json(
        premix(dir.path())
            .arg("preflight")
            .arg(root.join("samples")),
    );
    assert_eq!(code, 1);
    let mut seen = std::collections::BTreeSet::new();
    for p in doc["projects"].as_array().unwrap() {
        assert!(p["error"].is_null(), "{p}");
        for t in p["tracks"].as_array().unwrap() {
            for i in t["issues"].as_array().unwrap() {
                seen.insert(i["kind"].as_str().unwrap().to_string());
            }
        }
    }
    let all = [
        "bit_depth",
        "clipping",
        "dc_offset",
        "default_name",
        "dual_mono",
        "missing_media",
        "one_sided",
        "polarity",
        "sample_rate",
        "short_media",
        "silent",
        "unreadable_media",
    ];
    for kind in all {
        assert!(
            seen.contains(kind),
            "{kind} missing from the samples: {seen:?}"
        );
    }
}

#[test]
fn a_file_only_muted_items_play_is_a_warning_not_an_error() {
    // The REAPER sample's "Lead Vox" has a muted take item playing a file that is not audio
    // (samples/make-media.py): nothing the mix hears depends on it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let (doc, _) = json(
        premix(dir.path())
            .arg("preflight")
            .arg(root.join("samples/reaper/messy-session.rpp")),
    );
    let issue = doc["projects"][0]["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["issues"].as_array().unwrap())
        .find(|i| i["media"] == "Audio/Lead Vox_04.wav")
        .expect("the unreadable file is reported");
    assert_eq!(issue["kind"], "unreadable_media");
    assert_eq!(issue["severity"], "warning", "{issue}");
    assert!(
        issue["detail"]
            .as_str()
            .unwrap()
            .ends_with("(only muted items play it)")
    );
}

#[test]
fn corpus_projects_report_their_absent_media_as_missing_and_no_other_media_problem() {
    use premix::batch::discover;
    use premix::preflight::{IssueKind, run::preflight};
    let mut roots = Vec::new();
    for sub in ["rpp", "als", "ardour"] {
        roots.extend(common::corpus(sub));
    }
    if roots.is_empty() {
        return;
    }
    let (targets, _) = discover(&roots, None);
    let checked = preflight(
        &targets,
        &premix::limits::Limits::default(),
        None,
        &|_, _| {},
    );
    let mut missing = 0;
    for (target, result) in targets.iter().zip(&checked) {
        let Ok((session, report)) = result else {
            continue; // the corpus holds projects premix refuses; other tests cover them
        };
        for (t, r) in session.tracks.iter().zip(&report.tracks) {
            for issue in &r.issues {
                assert!(
                    matches!(
                        issue.kind,
                        IssueKind::MissingMedia | IssueKind::DefaultName | IssueKind::DuplicateName
                    ),
                    "{}: track {}: {issue:?}",
                    target.path.display(),
                    t.index + 1
                );
                missing += usize::from(issue.kind == IssueKind::MissingMedia);
            }
            // Every file an item plays is reported missing, once per track.
            let mut files: Vec<&str> = t
                .items
                .iter()
                .flat_map(|i| i.files.iter().map(|f| f.path.as_str()))
                .collect();
            files.sort();
            files.dedup();
            let reported = r
                .issues
                .iter()
                .filter(|i| i.kind == IssueKind::MissingMedia)
                .count();
            assert_eq!(
                reported,
                files.len(),
                "{}: {}",
                target.path.display(),
                t.name
            );
            assert!(r.measures.is_none());
        }
    }
    assert!(
        missing > 100,
        "the corpus plays media: {missing} files reported missing"
    );
}

#[test]
fn unused_when_silent_flags_the_tracks_whose_media_plays_silence() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    wav(&d.join("tone.wav"), RATE, 1, 24, &tone(RATE, 1.0, 0.25));
    wav(&d.join("nothing.wav"), RATE, 1, 24, &vec![0.0; 48_000]);
    let path = project(
        d,
        &[
            ("Lead", "tone.wav", 0.0, 1.0, 0.0),
            ("Spare", "nothing.wav", 0.0, 1.0, 0.0),
            ("Lost", "gone.wav", 0.0, 1.0, 0.0),
        ],
    );
    let rules = d.join("rules.yaml");
    std::fs::write(
        &rules,
        "version: 1\nunused:\n  when: [silent]\n  action: flag\n",
    )
    .unwrap();
    let out = premix(&d.join("cache"))
        .args(["check", "--json", "--fail-on", "warning", "--rules"])
        .arg(&rules)
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["projects"][0]["findings"].as_array().unwrap();
    let flagged: Vec<(&str, &str)> = findings
        .iter()
        .filter(|f| f["code"] == "unused")
        .map(|f| {
            (
                f["track_name"].as_str().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    // A missing file is not silence: only what was measured counts.
    assert_eq!(flagged, [("Spare", "unused (silent)")], "{doc}");
}

/// An AIFF file (big-endian 24-bit PCM) of one channel, written by hand.
fn aiff(path: &Path, rate: u32, samples: &[f64]) {
    let mut data = Vec::new();
    for &x in samples {
        let v = (x * 8_388_608.0).round().clamp(-8_388_608.0, 8_388_607.0) as i32;
        data.extend_from_slice(&v.to_be_bytes()[1..]);
    }
    // The sample rate as an 80-bit IEEE 754 extended float.
    let mut rate_bytes = [0u8; 10];
    let exponent = 16383 + 31 - rate.leading_zeros() as u16;
    rate_bytes[..2].copy_from_slice(&exponent.to_be_bytes());
    let mantissa = (rate as u64) << (63 - (31 - rate.leading_zeros()));
    rate_bytes[2..].copy_from_slice(&mantissa.to_be_bytes());
    let mut comm = Vec::new();
    comm.extend_from_slice(&1u16.to_be_bytes());
    comm.extend_from_slice(&(samples.len() as u32).to_be_bytes());
    comm.extend_from_slice(&24u16.to_be_bytes());
    comm.extend_from_slice(&rate_bytes);
    let mut out = Vec::new();
    out.extend_from_slice(b"FORM");
    out.extend_from_slice(&((4 + 8 + comm.len() + 16 + data.len()) as u32).to_be_bytes());
    out.extend_from_slice(b"AIFFCOMM");
    out.extend_from_slice(&(comm.len() as u32).to_be_bytes());
    out.extend_from_slice(&comm);
    out.extend_from_slice(b"SSND");
    out.extend_from_slice(&((8 + data.len()) as u32).to_be_bytes());
    out.extend_from_slice(&[0u8; 8]);
    out.extend_from_slice(&data);
    std::fs::write(path, out).unwrap();
}

#[test]
fn aiff_flac_ogg_and_mp3_are_decoded_and_lossy_ones_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let clean = tone(RATE, 3.0, 0.25);
    aiff(&d.join("take.aif"), RATE, &clean);
    wav(&d.join("take.wav"), RATE, 1, 24, &clean);
    let mut tracks = vec![("Aiff", "take.aif", 0.0, 3.0, 0.0)];
    let mut lossy = Vec::new();
    // FLAC, Ogg Vorbis and MP3 need an encoder: ffmpeg's, when it is installed.
    let ffmpeg = std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ffmpeg {
        for (name, file, args, is_lossy) in [
            ("Flac", "take.flac", &["-sample_fmt", "s32"][..], false),
            ("Ogg", "take.ogg", &["-c:a", "libvorbis"][..], true),
            ("Mp3", "take.mp3", &["-c:a", "libmp3lame"][..], true),
        ] {
            let ok = std::process::Command::new("ffmpeg")
                .args(["-nostdin", "-loglevel", "error", "-y", "-i"])
                .arg(d.join("take.wav"))
                .args(args)
                .arg(d.join(file))
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                tracks.push((name, file, 0.0, 3.0, 0.0));
                if is_lossy {
                    lossy.push(name);
                }
            } else {
                eprintln!("ffmpeg cannot write {file}: that format is not checked");
            }
        }
    } else {
        eprintln!("ffmpeg absent: FLAC, Ogg and MP3 decoding not checked (AIFF is)");
    }
    let path = project(d, &tracks);
    let (doc, _) = json(premix(&d.join("cache")).arg("preflight").arg(&path));
    for (t, (name, ..)) in doc["projects"][0]["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&tracks)
    {
        let m = &t["measures"];
        // A lossy codec moves the peak a little (MP3 by 0.4 dB here).
        let tolerance = if lossy.contains(name) { 1.0 } else { 0.01 };
        assert!(
            (m["peak_dbfs"].as_f64().unwrap() + 12.04).abs() < tolerance,
            "{name}: {t}"
        );
        assert_eq!(m["sample_rate"], 48_000, "{name}");
        let kinds: Vec<&str> = t["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["kind"].as_str().unwrap())
            .collect();
        let expect: &[&str] = if lossy.contains(name) {
            &["bit_depth"]
        } else {
            &[]
        };
        assert_eq!(kinds, expect, "{name}: {t}");
    }
}
