//! Gain staging and reference tracks end to end: REAPER sessions the tests write with audio
//! of known levels, applied with gain rules, read back with `premix inspect` and measured
//! here with the `ebur128` crate (libebur128's algorithm, not premix's own meter); then the
//! bundled samples of every format under the embedded `dry-mix` convention.

mod common;

use assert_cmd::Command;
use common::audio::{tone, wav};
use serde_json::Value;
use std::path::{Path, PathBuf};

const RATE: u32 = 48_000;

fn premix(cache: &Path) -> Command {
    let mut cmd = Command::cargo_bin("premix").unwrap();
    cmd.env("PREMIX_CACHE_DIR", cache)
        .env_remove("XDG_CACHE_HOME");
    cmd
}

/// Integrated loudness (LUFS) and sample peak (dBFS) of a mono signal, by the ebur128 crate.
fn measure(samples: &[f64]) -> (f64, f64) {
    let mut meter =
        ebur128::EbuR128::new(1, RATE, ebur128::Mode::I | ebur128::Mode::SAMPLE_PEAK).unwrap();
    meter.add_frames_f64(samples).unwrap();
    let peak = meter.sample_peak(0).unwrap();
    (meter.loudness_global().unwrap(), 20.0 * peak.log10())
}

/// Drum hits: a decaying 60 Hz thump every half second, peaking at `amp`.
fn hits(seconds: f64, amp: f64) -> Vec<f64> {
    (0..(RATE as f64 * seconds) as usize)
        .map(|i| {
            let t = (i as f64 / RATE as f64) % 0.5;
            amp * (-t * 30.0).exp() * (2.0 * std::f64::consts::PI * 60.0 * t).sin()
        })
        .collect()
}

/// One item of a generated track: file, position, length (seconds), item volume (`None`:
/// no `VOLPAN` line).
type Item<'a> = (&'a str, f64, f64, Option<f64>);

/// A REAPER 7 project at 48 kHz: per track its name, fader (`None`: no `VOLPAN`) and items.
fn project(dir: &Path, tracks: &[(&str, Option<f64>, &[Item<'_>])]) -> PathBuf {
    let mut rpp = String::from("<REAPER_PROJECT 0.1 \"7.0/linux64\" 1\n  SAMPLERATE 48000 1 0\n");
    for (i, (name, fader, items)) in tracks.iter().enumerate() {
        rpp.push_str(&format!("  <TRACK {{{i}}}\n    NAME \"{name}\"\n"));
        if let Some(f) = fader {
            rpp.push_str(&format!("    VOLPAN {f} 0 -1 -1 1\n"));
        }
        rpp.push_str("    MAINSEND 1 0\n");
        for (file, pos, len, volume) in items.iter() {
            rpp.push_str(&format!(
                "    <ITEM\n      POSITION {pos}\n      LENGTH {len}\n      LOOP 0\n"
            ));
            if let Some(v) = volume {
                rpp.push_str(&format!("      VOLPAN {v} 0 1 -1\n"));
            }
            rpp.push_str(&format!(
                "      <SOURCE WAVE\n        FILE \"{file}\"\n      >\n    >\n"
            ));
        }
        rpp.push_str("  >\n");
    }
    rpp.push_str(">\n");
    let path = dir.join("song.rpp");
    std::fs::write(&path, rpp).unwrap();
    path
}

fn inspect(cache: &Path, path: &Path) -> Vec<Value> {
    let out = premix(cache)
        .args(["inspect", "--json"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["tracks"].as_array().unwrap().clone()
}

fn track<'a>(tracks: &'a [Value], name: &str) -> &'a Value {
    tracks
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no track {name}"))
}

fn gains(t: &Value) -> Vec<f64> {
    t["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["gain"].as_f64().unwrap())
        .collect()
}

fn db(gain: f64) -> f64 {
    20.0 * gain.log10()
}

const RULES: &str = r"version: 1
rules:
  - match: {name: kick}
    gain: {peak: -6}
  - gain: {loudness: -18}
gain_staging: {keep_balance: true}
reference:
  match: {name: '\bref\b'}
  output: direct
  loudness: -14
unused: {when: [no_media]}
";

#[test]
fn tracks_play_at_their_targets_with_the_balance_kept_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cache = d.join("cache");
    let kick = hits(6.0, 0.9);
    let bass = tone(RATE, 6.0, 0.5);
    let vox = tone(RATE, 3.0, 0.05);
    let reference = tone(RATE, 4.0, 0.3);
    wav(&d.join("kick.wav"), RATE, 1, 24, &kick);
    wav(&d.join("bass.wav"), RATE, 1, 24, &bass);
    wav(&d.join("vox.wav"), RATE, 1, 24, &vox);
    wav(&d.join("ref.wav"), RATE, 1, 24, &reference);
    wav(
        &d.join("pad.wav"),
        RATE,
        1,
        24,
        &vec![0.0; 3 * RATE as usize],
    );
    std::fs::write(d.join("keys.wav"), "not audio at all").unwrap();
    let song = project(
        d,
        &[
            ("kick", None, &[("kick.wav", 0.0, 6.0, None)]),
            ("bass", Some(0.5), &[("bass.wav", 0.0, 6.0, Some(1.0))]),
            // Verse and chorus: the chorus item plays 6 dB quieter, and stays so.
            (
                "vox",
                Some(0.8),
                &[
                    ("vox.wav", 0.0, 3.0, None),
                    ("vox.wav", 3.0, 3.0, Some(0.5)),
                ],
            ),
            ("gtr", None, &[("gtr.wav", 0.0, 3.0, None)]),
            ("keys", None, &[("keys.wav", 0.0, 3.0, None)]),
            ("pad", None, &[("pad.wav", 0.0, 3.0, None)]),
            ("Audio 7", None, &[]),
            ("Ref mix", Some(0.5), &[("ref.wav", 0.0, 4.0, None)]),
        ],
    );
    let rules = d.join("rules.yaml");
    std::fs::write(&rules, RULES).unwrap();
    let before = inspect(&cache, &song);

    let out = d.join("out");
    let run = premix(&cache)
        .args(["apply", "--json", "--rules"])
        .arg(&rules)
        .arg(&song)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let doc: Value = serde_json::from_slice(&run.stdout).unwrap();
    let written = out.join("song.rpp");
    let after = inspect(&cache, &written);

    // What each track plays, measured here: its items' audio times their new gains.
    let played = |name: &str, audio: &[&[f64]]| {
        let signal: Vec<f64> = audio
            .iter()
            .zip(gains(track(&after, name)))
            .flat_map(|(a, g)| a.iter().map(move |x| x * g))
            .collect();
        measure(&signal)
    };
    let (_, kick_peak) = played("kick", &[&kick]);
    assert!((kick_peak + 6.0).abs() < 0.5, "kick peaks at {kick_peak}");
    let (bass_lufs, _) = played("bass", &[&bass]);
    assert!((bass_lufs + 18.0).abs() < 0.5, "bass at {bass_lufs} LUFS");
    let (vox_lufs, _) = played("vox", &[&vox, &vox]);
    assert!((vox_lufs + 18.0).abs() < 0.5, "vox at {vox_lufs} LUFS");
    let (ref_lufs, _) = played("Ref mix", &[&reference]);
    assert!(
        (ref_lufs + 14.0).abs() < 0.5,
        "reference at {ref_lufs} LUFS"
    );
    // The chorus stays 6 dB under the verse.
    let v = gains(track(&after, "vox"));
    assert!((db(v[1]) - db(v[0]) + 6.02).abs() < 0.01, "{v:?}");

    // keep_balance: fader × clip gain unchanged, item by item, on every track but the
    // reference (which plays at its own level, fader at 0 dB).
    for (b, a) in before.iter().zip(&after) {
        if a["name"] == "Ref mix" {
            continue;
        }
        let fader = |t: &Value| t["fader"].as_f64().unwrap();
        for (gb, ga) in gains(b).iter().zip(gains(a)) {
            let (was, is) = (db(fader(b) * gb), db(fader(a) * ga));
            assert!((was - is).abs() < 0.01, "{}: {was} dB → {is} dB", a["name"]);
        }
    }
    // Missing, undecodable, silent and unused tracks are left as they were.
    for name in ["gtr", "keys", "pad", "Audio 7"] {
        assert_eq!(track(&before, name), track(&after, name), "{name}");
    }
    let reference_track = track(&after, "Ref mix");
    assert_eq!(reference_track["direct_out"], true);
    assert_eq!(reference_track["fader"], 1.0);
    let text = std::fs::read_to_string(&written).unwrap();
    assert!(
        text.contains("    MAINSEND 0 0\n    HWOUT 0 0 1 0 0 0 0 -1:U -1\n"),
        "{text}"
    );

    // Every change and note, with the level measured and the target, and the file named.
    let project = &doc["projects"][0];
    let changes = project["changes"].as_array().unwrap();
    let kick_gain = changes
        .iter()
        .find(|c| c["action"] == "clip_gain" && c["track_name"] == "kick")
        .unwrap();
    assert_eq!(kick_gain["measure"], "peak");
    assert_eq!(kick_gain["target"], -6.0);
    let measured = kick_gain["measured"].as_f64().unwrap();
    let (_, raw_peak) = measure(&kick);
    assert!(
        (measured - raw_peak).abs() < 0.1,
        "{measured} vs {raw_peak}"
    );
    let shown = format!(
        "clip gain {:+.1} dB (peak {:.1} → -6 dBFS)",
        -6.0 - measured,
        measured
    );
    assert_eq!(kick_gain["description"], shown.as_str());
    let notes: Vec<(String, String)> = project["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["track_name"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let note = |name: &str| {
        notes
            .iter()
            .find(|(t, _)| t == name)
            .map(|(_, m)| m.as_str())
            .unwrap_or_else(|| panic!("no note on {name}: {notes:?}"))
    };
    assert!(note("gtr").contains("gtr.wav not found"), "{}", note("gtr"));
    assert!(note("keys").contains("keys.wav:"), "{}", note("keys"));
    assert!(note("pad").contains("silence"), "{}", note("pad"));

    // A second run finds every track at its target: nothing to change, byte for byte.
    premix(&cache)
        .args(["check", "--rules"])
        .arg(&rules)
        .arg(&written)
        .assert()
        .code(0);
    let again = d.join("again");
    premix(&cache)
        .args(["apply", "--rules"])
        .arg(&rules)
        .arg(&written)
        .arg("--out")
        .arg(&again)
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read(again.join("song.rpp")).unwrap(),
        text.as_bytes()
    );
}

#[test]
fn faders_and_pans_are_set_and_without_keep_balance_the_clip_gain_is_all_that_moves() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cache = d.join("cache");
    wav(&d.join("a.wav"), RATE, 1, 24, &tone(RATE, 3.0, 0.5));
    let song = project(
        d,
        &[
            ("gtr", Some(0.5), &[("a.wav", 0.0, 3.0, None)]),
            ("keys", None, &[("a.wav", 0.0, 3.0, None)]),
        ],
    );
    let rules = d.join("rules.yaml");
    std::fs::write(
        &rules,
        "version: 1\nrules:\n  - match: {name: gtr}\n    gain: {loudness: -20}\n  - fader: -3\n    pan: -0.5\n",
    )
    .unwrap();
    let out = d.join("out");
    premix(&cache)
        .args(["apply", "--rules"])
        .arg(&rules)
        .arg(&song)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(0);
    let after = inspect(&cache, &out.join("song.rpp"));
    let gtr = track(&after, "gtr");
    assert_eq!(gtr["fader"], 0.5, "the fader stays where it was");
    let (lufs, _) = measure(
        &tone(RATE, 3.0, 0.5)
            .iter()
            .map(|x| x * gains(gtr)[0])
            .collect::<Vec<_>>(),
    );
    assert!((lufs + 20.0).abs() < 0.5, "{lufs}");
    let keys = track(&after, "keys");
    assert!((db(keys["fader"].as_f64().unwrap()) + 3.0).abs() < 1e-6);
    assert_eq!(keys["pan"], -0.5);
    let text = std::fs::read_to_string(out.join("song.rpp")).unwrap();
    // Written as REAPER writes a track's VOLPAN: 14 decimals, trailing zeros dropped.
    assert!(
        text.contains("    VOLPAN 0.70794578438414 -0.5 -1 -1 1\n"),
        "{text}"
    );
}

/// The `dry-mix` convention on the bundled samples of REAPER, Live and Ardour (whose audio
/// `samples/make-media.py` writes): every clip gain brings what preflight measures of the
/// output (the media as recorded) times the track's new item gain to its target, fader ×
/// clip gain is unchanged on every gain-staged track, and a second run changes nothing.
#[test]
fn the_dry_mix_convention_stages_the_samples_of_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cache = d.join("cache");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for sub in ["reaper", "als", "ardour"] {
        copy_dir(&root.join(sub), &d.join(sub));
    }
    for project in [
        d.join("reaper/messy-session.rpp"),
        d.join("als/messy-set.als"),
        d.join("ardour/messy-session/messy-session.ardour"),
    ] {
        let before = inspect(&cache, &project);
        let run = premix(&cache)
            .args([
                "apply",
                "--json",
                "--rules",
                "dry-mix",
                "--in-place",
                "--no-backup",
            ])
            .arg(&project)
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let doc: Value = serde_json::from_slice(&run.stdout).unwrap();
        let changes = doc["projects"][0]["changes"].as_array().unwrap().clone();
        let after = inspect(&cache, &project);
        let preflight = premix(&cache)
            .args(["preflight", "--json", "--fail-on", "never"])
            .arg(&project)
            .output()
            .unwrap();
        let measured: Value = serde_json::from_slice(&preflight.stdout).unwrap();
        let measures = measured["projects"][0]["tracks"]
            .as_array()
            .unwrap()
            .clone();
        // Tracks after, by the files they play (buses move them about).
        let files = |t: &Value| -> Vec<String> {
            t["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["files"][0]["path"].as_str().unwrap().to_string())
                .collect()
        };
        let mut staged = 0;
        for c in changes.iter().filter(|c| c["action"] == "clip_gain") {
            let was = &before[c["track"].as_u64().unwrap() as usize - 1];
            let now = after
                .iter()
                .find(|t| !files(t).is_empty() && files(t) == files(was))
                .unwrap();
            let m = &measures[now["index"].as_u64().unwrap() as usize - 1]["measures"];
            let level = match c["measure"].as_str().unwrap() {
                "peak" => m["peak_dbfs"].as_f64().unwrap(),
                _ => m["integrated_lufs"].as_f64().unwrap(),
            };
            let g = gains(now);
            assert!(g.iter().all(|x| (x - g[0]).abs() < 1e-6), "{g:?}");
            let plays = level + db(g[0]);
            let target = c["target"].as_f64().unwrap();
            assert!(
                (plays - target).abs() < 0.5,
                "{}: {} plays at {plays}, target {target}",
                project.display(),
                now["name"]
            );
            if was["name"].as_str().unwrap().contains("Ref") {
                assert_eq!(now["direct_out"], true);
            } else {
                let balance = |t: &Value| db(t["fader"].as_f64().unwrap() * gains(t)[0]);
                assert!(
                    (balance(was) - balance(now)).abs() < 0.01,
                    "{}: {}",
                    project.display(),
                    now["name"]
                );
            }
            staged += 1;
        }
        assert!(staged >= 8, "{}: {staged} tracks staged", project.display());
        premix(&cache)
            .args(["check", "--rules", "dry-mix"])
            .arg(&project)
            .assert()
            .code(0);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
