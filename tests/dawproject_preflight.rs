//! `premix preflight` on DAWproject files: embedded media (stored and deflated) decoded out of
//! the container without extracting it, external media beside the project, the part each
//! clip plays (beats at the project's tempo), the cache, and the corpus Bitwig export.

mod common;

#[path = "../benches/gen/mod.rs"]
mod projgen;

use assert_cmd::Command;
use serde_json::Value;
use std::f64::consts::PI;
use std::path::Path;

const RATE: u32 = 48_000;

fn premix(cache: &Path) -> Command {
    let mut cmd = Command::cargo_bin("premix").unwrap();
    cmd.env("PREMIX_CACHE_DIR", cache)
        .env_remove("XDG_CACHE_HOME");
    cmd
}

/// A mono 24-bit PCM WAV of `samples`.
fn wav(samples: &[f64]) -> Vec<u8> {
    let mut data = Vec::new();
    for &x in samples {
        let full = (1i64 << 23) as f64;
        let v = (x * full).round().clamp(-full, full - 1.0) as i32;
        data.extend_from_slice(&v.to_le_bytes()[..3]);
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 3).to_le_bytes());
    out.extend_from_slice(&3u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    out
}

/// A 440 Hz tone at `amp` peak, `seconds` long.
fn tone(seconds: f64, amp: f64) -> Vec<f64> {
    (0..(RATE as f64 * seconds) as usize)
        .map(|i| amp * (2.0 * PI * 440.0 * i as f64 / RATE as f64).sin())
        .collect()
}

/// A DAWproject at 120 bpm (half a second a beat): one audio track per (name, file path,
/// external, playStart, duration), times in beats.
fn project_xml(tracks: &[(&str, &str, bool, f64, f64)]) -> String {
    let mut structure = String::new();
    let mut lanes = String::new();
    for (i, (name, path, external, start, duration)) in tracks.iter().enumerate() {
        structure.push_str(&format!(
            "    <Track contentType=\"audio\" loaded=\"true\" id=\"t{i}\" name=\"{name}\">\n      <Channel audioChannels=\"1\" destination=\"m\" role=\"regular\" id=\"c{i}\"/>\n    </Track>\n"
        ));
        lanes.push_str(&format!(
            "      <Lanes track=\"t{i}\" id=\"l{i}\">\n        <Clips id=\"k{i}\">\n          <Clip time=\"0\" duration=\"{duration}\" playStart=\"{start}\">\n            <Audio channels=\"1\" sampleRate=\"48000\" duration=\"4\" id=\"a{i}\">\n              <File path=\"{path}\"{}/>\n            </Audio>\n          </Clip>\n        </Clips>\n      </Lanes>\n",
            if *external { " external=\"true\"" } else { "" }
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Project version=\"1.0\">\n  <Application name=\"premix tests\" version=\"1\"/>\n  <Transport>\n    <Tempo unit=\"bpm\" value=\"120\" id=\"tempo\" name=\"Tempo\"/>\n  </Transport>\n  <Structure>\n{structure}    <Track contentType=\"audio notes\" id=\"mt\" name=\"Master\">\n      <Channel audioChannels=\"2\" role=\"master\" id=\"m\"/>\n    </Track>\n  </Structure>\n  <Arrangement id=\"arr\">\n    <Lanes timeUnit=\"beats\" id=\"top\">\n{lanes}    </Lanes>\n  </Arrangement>\n</Project>\n"
    )
}

fn json(cmd: &mut Command) -> (Value, i32) {
    let out = cmd.arg("--json").output().unwrap();
    let code = out.status.code().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (doc, code)
}

fn kinds(track: &Value) -> Vec<String> {
    track["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn embedded_and_external_clips_are_analysed_where_they_play() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Clipping in the first second, a clean tone at -6 dBFS from 1 s to 3 s, silence after.
    let mut take = tone(4.0, 0.5);
    for x in &mut take[1_000..1_200] {
        *x = 1.0;
    }
    for x in &mut take[3 * RATE as usize..] {
        *x = 0.0;
    }
    let take = wav(&take);
    std::fs::create_dir(d.join("Stems")).unwrap();
    std::fs::write(d.join("Stems/outside.wav"), &take).unwrap();
    let xml = project_xml(&[
        // Beats at 120 bpm: playStart 2 = 1 s, duration 2 = 1 s.
        ("Stored middle", "audio/stored.wav", false, 2.0, 2.0),
        ("Deflated start", "audio/deflated.wav", false, 0.0, 2.0),
        ("Deflated end", "audio/deflated.wav", false, 6.0, 2.0),
        ("Outside middle", "Stems/outside.wav", true, 2.0, 2.0),
        ("Gone", "audio/gone.wav", false, 0.0, 2.0),
    ]);
    let bytes = projgen::dawproject::zip(&[
        ("project.xml".into(), xml.into_bytes(), false),
        ("audio/stored.wav".into(), take.clone(), true),
        ("audio/deflated.wav".into(), take.clone(), false),
    ]);
    let path = d.join("song.dawproject");
    std::fs::write(&path, &bytes).unwrap();
    let (doc, code) = json(premix(&d.join("cache")).arg("preflight").arg(&path));
    assert_eq!(code, 1, "{doc}");
    let p = &doc["projects"][0];
    assert_eq!(p["caveats"], serde_json::json!([]), "{doc}");
    let tracks = p["tracks"].as_array().unwrap();
    let by_name = |n: &str| tracks.iter().find(|t| t["name"] == n).unwrap();
    let middle = by_name("Stored middle");
    assert_eq!(kinds(middle), Vec::<String>::new(), "{middle}");
    let peak = middle["measures"]["peak_dbfs"].as_f64().unwrap();
    assert!((peak + 6.02).abs() < 0.05, "{middle}");
    assert_eq!(middle["measures"]["duration_s"], 1.0);
    assert_eq!(kinds(by_name("Deflated start")), ["clipping"]);
    assert_eq!(kinds(by_name("Deflated end")), ["silent"]);
    let outside = by_name("Outside middle");
    assert_eq!(outside["measures"], middle["measures"], "{outside}");
    let gone = by_name("Gone");
    assert_eq!(kinds(gone), ["missing_media"], "{gone}");
    // Looked for inside the project file, not beside it.
    let detail = gone["issues"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("song.dawproject"), "{detail}");
    // Nothing was extracted beside the project.
    let mut names: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Stems", "cache", "song.dawproject"]);

    // Recoloured, the project's file changes but its embedded audio does not: the second run
    // finds every measure in the cache, and reports the same.
    let out = premix(&d.join("cache"))
        .args(["apply", "--in-place", "--no-backup", "--quiet", "--rules"])
        .arg(projgen_rules(d))
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(std::fs::read(&path).unwrap(), bytes);
    let results = d
        .join("cache")
        .read_dir()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("results");
    let before = std::fs::read_dir(&results).unwrap().count();
    let (again, _) = json(premix(&d.join("cache")).arg("preflight").arg(&path));
    assert_eq!(std::fs::read_dir(&results).unwrap().count(), before);
    assert_eq!(
        again["projects"][0]["tracks"][0]["measures"],
        middle["measures"]
    );
}

/// A rules file that recolours every track.
fn projgen_rules(d: &Path) -> std::path::PathBuf {
    let rules = d.join("recolour.yaml");
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/recolour.yaml"))
            .unwrap();
    std::fs::write(&rules, text).unwrap();
    rules
}

#[test]
fn the_bitwig_export_in_the_corpus_is_measured_from_its_container() {
    let Some(dir) = common::corpus("dawproject") else {
        return;
    };
    let path = dir.join("hifa-bitwig516__canon.dawproject");
    let cache = tempfile::tempdir().unwrap();
    let (doc, code) = json(premix(cache.path()).arg("preflight").arg(&path));
    // The guitar is 16-bit: a warning, exit 0.
    assert_eq!(code, 0, "{doc}");
    let p = &doc["projects"][0];
    assert_eq!(p["caveats"], serde_json::json!([]));
    let guitar = &p["tracks"][1];
    assert_eq!(guitar["name"], "canon_guitar_150bpm");
    assert_eq!(kinds(guitar), ["bit_depth"]);
    let m = &guitar["measures"];
    // 48 beats at 150 bpm: the clip plays the whole 19.2 s file. ffmpeg's ebur128 filter on
    // the extracted file: -20.2 LUFS integrated, -12.7 dBFS peak.
    assert_eq!(m["duration_s"], 19.2);
    assert_eq!(
        (m["sample_rate"].clone(), m["channels"].clone()),
        (44100.into(), 1.into())
    );
    assert!(
        (m["integrated_lufs"].as_f64().unwrap() + 20.24).abs() < 0.1,
        "{m}"
    );
    assert!(
        (m["peak_dbfs"].as_f64().unwrap() + 12.75).abs() < 0.05,
        "{m}"
    );
}
