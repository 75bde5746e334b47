//! The per-version track colour mapping (see `src/formats/als/palette.rs`), pinned on real
//! corpus sets: what premix reads, and what it writes for each version.

mod common;

use premix::formats::Project;
use premix::formats::als::palette::{self, Scheme};
use premix::formats::als::{AlsProject, container, scan};
use premix::pipeline::process;
use premix::rules;
use premix::session::{Format, Rgb};
use std::path::PathBuf;

fn set(name: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/als")
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            common::skipped(&path);
            None
        }
    }
}

fn colours(bytes: &[u8]) -> Vec<Option<Rgb>> {
    let p = AlsProject::read(bytes).unwrap();
    p.session().tracks.iter().map(|t| t.color).collect()
}

fn pal(i: usize) -> Option<Rgb> {
    palette::rgb(i)
}

/// Raw track-level colour values of a set.
fn raw(bytes: &[u8]) -> Vec<i64> {
    let xml = container::decode(bytes, &premix::limits::Limits::default())
        .unwrap()
        .1;
    scan::scan(&xml)
        .unwrap()
        .tracks
        .iter()
        .map(|t| t.color.as_ref().and_then(|f| f.int()).unwrap())
        .collect()
}

#[test]
fn live_10_track_values_are_140_plus_the_clip_palette_index() {
    // ununu a (10.1.7): tracks 157, 163 whose clips carry 17, 23; returns 143, 141.
    let Some(a) = set("ununu__a.als") else { return };
    assert_eq!(raw(&a), [157, 163, 143, 141]);
    assert_eq!(colours(&a), [pal(17), pal(23), pal(3), pal(1)]);
    // 20200126 (9.7.7): first group 167 (clips on its members 27...), Live 9.5 scheme.
    let Some(b) = set("my5t3ry__20200126.als") else {
        return;
    };
    let p = AlsProject::read(&b).unwrap();
    assert_eq!(p.scheme(), Scheme::Offset140);
    assert_eq!(p.session().tracks[0].color, pal(27));
    // DHT_FREEZE (10.1.43): 287 is outside 140..=209 and is read as no known colour.
    let Some(d) = set("nicolasmurphy-dht__DHT_FREEZE.als") else {
        return;
    };
    assert_eq!(raw(&d)[..3], [287, 195, 181]);
    assert_eq!(colours(&d)[..3], [None, pal(55), pal(41)]);
}

#[test]
fn live_11_and_12_track_values_are_palette_indices() {
    let Some(m) = set("node-als-parser__Michelle.als") else {
        return;
    };
    assert_eq!(raw(&m)[..4], [26, 0, 0, 10]);
    assert_eq!(colours(&m)[..4], [pal(26), pal(0), pal(0), pal(10)]);
    let Some(l12) = set("abletoolz-pruned__12.4.5b.als") else {
        return;
    };
    assert_eq!(colours(&l12)[0], pal(24));
}

#[test]
fn live_8_and_9_0_have_no_track_colour_and_are_not_recoloured() {
    let rules = rules::load(
        "version: 1\nrules:\n  - match: {kind: any}\n    color: \"#ff0000\"\n",
        "red.yaml",
    )
    .unwrap();
    for name in ["labcat-shukumei__Shukumei.als", "burtlo-space__space.als"] {
        let Some(bytes) = set(name) else { return };
        assert!(colours(&bytes).iter().all(Option::is_none), "{name}");
        let done = process(Format::Als, &bytes, &rules, true).unwrap();
        assert!(!done.plan.edits_file(), "{name}");
        assert!(!done.plan.notes.is_empty(), "{name}: no note says why");
        assert!(done.output.unwrap() == bytes);
    }
}

/// The evidence the Live 8 / 9.0 refusal rests on (`palette.rs`): in every corpus set of
/// those versions every track's colour is 0 while clips carry real colours.
#[test]
fn every_live_8_and_9_0_corpus_track_has_colour_0_while_clips_are_coloured() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/als");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        common::skipped(&dir);
        return;
    };
    let (mut sets, mut tracks, mut coloured_clips) = (0, 0, 0);
    for entry in entries {
        let path = entry.unwrap().path();
        let xml = container::decode(
            &std::fs::read(&path).unwrap(),
            &premix::limits::Limits::default(),
        )
        .unwrap()
        .1;
        let doc = scan::scan(&xml).unwrap();
        if Scheme::for_minor_version(&doc.minor_version) != Scheme::Unsupported {
            continue;
        }
        sets += 1;
        for t in &doc.tracks {
            let value = t.color.as_ref().and_then(|f| f.int());
            assert_eq!(value, Some(0), "{}: {}", path.display(), t.tag);
            tracks += 1;
        }
        let text = String::from_utf8_lossy(&xml);
        coloured_clips += ["<AudioClip ", "<MidiClip "]
            .iter()
            .flat_map(|clip| text.match_indices(clip))
            .filter(|(at, _)| {
                let rest = &text[*at..];
                let colour = rest.find("<ColorIndex Value=\"").map(|i| &rest[i + 19..]);
                colour.is_some_and(|c| !c.starts_with("0\""))
            })
            .count();
    }
    assert_eq!((sets, tracks), (8, 155));
    assert!(coloured_clips > 100, "{coloured_clips}");
}

#[test]
fn each_version_is_written_in_its_own_encoding() {
    let rules = rules::load(
        "version: 1\nrules:\n  - match: {kind: any}\n    color: \"#fe3637\"\n",
        "red.yaml",
    )
    .unwrap();
    // Palette 14 is #fe3637: Live 10 stores 154, Live 11 stores 14.
    for (name, want) in [
        ("ununu__a.als", 154),
        ("git4daw__test-prod.als", 154),
        ("node-als-parser__Foo.als", 14),
        ("abletoolz-pruned__12.2.6.als", 14),
    ] {
        let Some(bytes) = set(name) else { return };
        let done = process(Format::Als, &bytes, &rules, true).unwrap();
        let out = done.output.unwrap();
        assert!(
            raw(&out).iter().all(|&v| v == want),
            "{name}: {:?}",
            raw(&out)
        );
        assert!(colours(&out).iter().all(|&c| c == pal(14)), "{name}");
    }
}

#[test]
fn live_8_mute_lives_in_the_speaker_default_event_and_is_written_there() {
    let Some(bytes) = set("labcat-shukumei__Shukumei.als") else {
        return;
    };
    let rules = rules::load(
        "version: 1\nunused:\n  when: [no_media]\n  action: mute\n",
        "mute.yaml",
    )
    .unwrap();
    let done = process(Format::Als, &bytes, &rules, true).unwrap();
    let muted = done.plan.mutes();
    assert!(!muted.is_empty());
    let out = done.output.unwrap();
    let before = container::decode(&bytes, &premix::limits::Limits::default())
        .unwrap()
        .1;
    let after = container::decode(&out, &premix::limits::Limits::default())
        .unwrap()
        .1;
    // Only the default speaker events of the muted tracks change.
    let (a, b) = (
        String::from_utf8_lossy(&before).into_owned(),
        String::from_utf8_lossy(&after).into_owned(),
    );
    let changed: Vec<_> = a.lines().zip(b.lines()).filter(|(x, y)| x != y).collect();
    assert_eq!(changed.len(), muted.len());
    for (x, y) in changed {
        assert!(
            x.contains("<BoolEvent Time=\"-63072000\" Value=\"true\" />"),
            "{x}"
        );
        assert!(
            y.contains("<BoolEvent Time=\"-63072000\" Value=\"false\" />"),
            "{y}"
        );
    }
    let p = AlsProject::read(&out).unwrap();
    for i in muted {
        assert!(p.session().tracks[i].muted);
    }
}
