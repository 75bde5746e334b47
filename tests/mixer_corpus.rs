//! Gain staging's fields as each DAW writes them, pinned on the real projects of the corpus
//! that carry them: every clip gain, fader and pan value there, read and spelt again the way
//! premix writes a new one, gives the DAW's own text. And what the backends refuse to read
//! (an automated REAPER fader) on a real file.

mod common;

use premix::formats::numbers::{general, like};
use premix::formats::{Project, ardour::mixer::spell};
use regex::Regex;
use std::io::Read;

fn text_of(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    if flate2::read::GzDecoder::new(&bytes[..])
        .read_to_end(&mut out)
        .is_err()
    {
        out = bytes;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Fails with every value of `values` (file, text, what premix spells) that differs.
fn all_spelt_alike(what: &str, values: &[(String, String, String)], at_least: usize) {
    let wrong: Vec<_> = values.iter().filter(|(_, t, s)| t != s).collect();
    assert!(
        wrong.is_empty(),
        "{what}: {} of {} differ: {wrong:?}",
        wrong.len(),
        values.len()
    );
    assert!(
        values.len() >= at_least,
        "{what}: only {} values",
        values.len()
    );
}

/// REAPER: a track's `VOLPAN` volume and pan at 14 decimals, an item's volume at 6, trailing
/// zeros dropped, except where the file keeps them (REAPER 4's `1.000000`).
#[test]
fn reaper_volpan_values_are_spelt_as_reaper_writes_them() {
    let (mut tracks, mut items) = (Vec::new(), Vec::new());
    for path in common::corpus_files("rpp", &["rpp"]) {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        if file.starts_with("rpp-editor__") {
            // Written by the rpp-editor library, not REAPER (`VOLPAN 1.0 -1.0`): premix writes
            // REAPER's spelling there (rpp_reaper_reading and the interop suite read it back).
            continue;
        }
        let mut chunks: Vec<String> = Vec::new();
        for line in text_of(&path).lines() {
            let line = line.trim();
            if let Some(open) = line.strip_prefix('<') {
                chunks.push(open.split_whitespace().next().unwrap_or("").to_string());
            } else if line.starts_with('>') {
                chunks.pop();
            } else if let Some(rest) = line.strip_prefix("VOLPAN ") {
                let tokens: Vec<&str> = rest.split_whitespace().collect();
                let push = |out: &mut Vec<_>, token: &str, decimals| {
                    if let Ok(v) = token.parse::<f64>() {
                        out.push((file.clone(), token.to_string(), like(v, token, decimals)));
                    }
                };
                match chunks.last().map(String::as_str) {
                    Some("TRACK") => {
                        push(&mut tracks, tokens[0], 14);
                        push(&mut tracks, tokens[1], 14);
                    }
                    Some("ITEM") => push(&mut items, tokens[0], 6),
                    _ => {}
                }
            }
        }
    }
    all_spelt_alike("track VOLPAN", &tracks, 100);
    all_spelt_alike("item VOLPAN", &items, 20);
}

/// Live: `%.10g` for a clip's `SampleVolume` and the mixer's `Volume` and `Pan`.
#[test]
fn live_sample_volume_and_mixer_values_are_spelt_as_live_writes_them() {
    let sample_volume = Regex::new(r#"<SampleVolume Value="([^"]*)""#).unwrap();
    let mixer = Regex::new(r"(?s)<Mixer>.*?</Mixer>").unwrap();
    let manual = Regex::new(
        r#"(?s)<(Volume|Pan)>\s*<LomId Value="\d+" />\s*(?:<LomIdView Value="\d+" />\s*)?<Manual Value="([^"]*)""#,
    )
    .unwrap();
    let (mut clips, mut mixers) = (Vec::new(), Vec::new());
    for path in common::corpus_files("als", &["als"]) {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = text_of(&path);
        for c in sample_volume.captures_iter(&text) {
            let t = &c[1];
            clips.push((file.clone(), t.to_string(), general(t.parse().unwrap(), 10)));
        }
        for m in mixer.find_iter(&text) {
            for c in manual.captures_iter(m.as_str()) {
                let t = &c[2];
                mixers.push((file.clone(), t.to_string(), general(t.parse().unwrap(), 10)));
            }
        }
    }
    all_spelt_alike("SampleVolume", &clips, 100);
    all_spelt_alike("mixer Volume/Pan", &mixers, 100);
}

/// Ardour: region `scale-amplitude`, the `gaincontrol` and `pan-azimuth` controllables,
/// as each session format writes them.
#[test]
fn ardour_region_gain_fader_and_pan_values_are_spelt_as_ardour_writes_them() {
    let version = Regex::new(r#"<Session version="(\d+)""#).unwrap();
    let scale = Regex::new(r#"scale-amplitude="([^"]*)""#).unwrap();
    let control =
        Regex::new(r#"<Controllable [^>]*name="(gaincontrol|pan-azimuth)"[^>]*>"#).unwrap();
    let value = Regex::new(r#" value="([^"]*)""#).unwrap();
    let (mut regions, mut controls) = (Vec::new(), Vec::new());
    for path in common::corpus_files("ardour", &["ardour"]) {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = text_of(&path);
        let Some(v) = version.captures(&text) else {
            continue;
        };
        let v: u32 = v[1].parse().unwrap();
        for c in scale.captures_iter(&text) {
            let t = &c[1];
            let spelt = premix::formats::ardour::mixer::spell_region_gain(v, t.parse().unwrap());
            regions.push((format!("{file} ({v})"), t.to_string(), spelt));
        }
        for c in control.captures_iter(&text) {
            // The fader premix sets is the `amp` processor's (a send's gain is a `double`,
            // `0.12282674328813553` in `Leaving_Tonite_Sonoj_Mix.ardour`).
            let at = c.get(0).unwrap().start();
            let processor = text[..at].rfind("<Processor ").map(|p| &text[p..at]);
            if c[1] == *"gaincontrol" && !processor.is_some_and(|p| p.contains(r#"type="amp""#)) {
                continue;
            }
            let Some(t) = value.captures(&c[0]) else {
                continue;
            };
            let t = &t[1];
            controls.push((
                format!("{file} ({v})"),
                t.to_string(),
                spell(v, t.parse().unwrap()),
            ));
        }
    }
    all_spelt_alike("scale-amplitude", &regions, 100);
    all_spelt_alike("gaincontrol/pan-azimuth", &controls, 100);
}

/// DAWproject: Bitwig writes `%.6f` (`value="0.316228"` for a fader at -10 dB in
/// `hifa-bitwig516__canon.dawproject`, Bitwig 5.1.6); a fader set there is spelt the same.
#[test]
fn dawproject_volume_is_spelt_as_bitwig_writes_it() {
    let Some(dir) = common::corpus("dawproject") else {
        return;
    };
    let bytes = std::fs::read(dir.join("hifa-bitwig516__canon.dawproject")).unwrap();
    let rules =
        premix::rules::load("version: 1\nrules:\n  - fader: -10\n    pan: 0\n", "f.yaml").unwrap();
    let out = premix::pipeline::process(premix::session::Format::Dawproject, &bytes, &rules, true)
        .unwrap();
    let written = out.output.expect("faders to set");
    let again =
        premix::formats::dawproject::DawProject::read(&written, &premix::limits::Limits::default())
            .unwrap();
    let xml = String::from_utf8(again.xml().to_vec()).unwrap();
    let volumes = Regex::new(r#"<Volume [^>]*value="([^"]*)"[^>]*name="Volume""#).unwrap();
    let values: Vec<&str> = volumes
        .captures_iter(&xml)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert!(values.len() >= 2, "{values:?}");
    // The master keeps its level; every track's fader reads -10 dB as Bitwig spells it.
    assert!(
        values.iter().filter(|v| **v == "0.316228").count() >= 2,
        "{values:?}"
    );
}

/// REAPER: a fader or pan an active envelope with points drives (`VOLENV2`/`PANENV2` with
/// `ACT 1`, as in `rpp-editor__test2.rpp`, REAPER 6) plays the envelope: premix does not read
/// its `VOLPAN` value, and a rule setting it is declined.
#[test]
fn an_automated_reaper_fader_is_not_read_and_not_set() {
    let Some(dir) = common::corpus("rpp") else {
        return;
    };
    let bytes = std::fs::read(dir.join("rpp-editor__test2.rpp")).unwrap();
    let project = premix::formats::rpp::RppProject::read(&bytes).unwrap();
    let track = &project.session().tracks[0];
    assert_eq!((track.mixer.fader, track.mixer.pan), (None, None));
    let rules = premix::rules::load(
        "version: 1\nrules:\n  - fader: -3\n    pan: 0.5\n",
        "f.yaml",
    )
    .unwrap();
    let out =
        premix::pipeline::process(premix::session::Format::Rpp, &bytes, &rules, true).unwrap();
    assert_eq!(out.output.as_deref(), Some(&bytes[..]), "nothing written");
    assert_eq!(out.plan.notes.len(), 2, "{:?}", out.plan.notes);
}

/// Ardour: a route sent to the hardware outputs loses its connections on both sides, or
/// Ardour connects it to the master again on load (the master's inputs in
/// `Leaving_Tonite_Sonoj_Mix.ardour` list `Vocals Verse/audio_out 1`; seen through Ardour's
/// Lua API in tests/interop/ardour).
#[test]
fn an_ardour_route_sent_direct_is_unlisted_from_the_masters_inputs() {
    let Some(dir) = common::corpus("ardour") else {
        return;
    };
    let bytes = std::fs::read(dir.join("leavingtonite__Leaving_Tonite_Sonoj_Mix.ardour")).unwrap();
    let rules = premix::rules::load(
        "version: 1\nreference:\n  match: {name: '^Vocals Verse$'}\n  output: direct\n",
        "r.yaml",
    )
    .unwrap();
    let out =
        premix::pipeline::process(premix::session::Format::Ardour, &bytes, &rules, true).unwrap();
    let text = String::from_utf8(out.output.unwrap()).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains(r#"other="Vocals Verse/audio_out 1""#));
    assert!(
        !text.contains(r#"other="Vocals Verse/audio_out"#),
        "still listed"
    );
    assert!(text.contains(r#"<ExtConnection for="JACK" other="system:playback_1"/>"#));
}
