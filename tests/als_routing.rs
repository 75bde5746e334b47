//! Live's routing between tracks as premix reads and keeps it: a track whose output Live
//! routes into another track (Audio To / MIDI To: `AudioOut/Track.<Id>/TrackIn`,
//! `MidiOut/Track.<Id>/TrackIn`) feeds that track, and premix never plans a move that would
//! route a group's output back into a track inside it.
//!
//! Corpus files are read from `../shared/corpus` and never copied into the repository; a test
//! that needs a variant writes it into a temporary folder.

mod common;

use common::{check_json, corpus_file, inspect_json, recolour_to, track_index};

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn premix() -> Command {
    let mut cmd = Command::cargo_bin("premix").unwrap();
    cmd.env_remove("NO_COLOR");
    cmd
}

/// A Live audio track that another track's output feeds (Live's "Audio To: <track>") is a bus
/// the engineer built from an audio track: it plays what it is fed, so it is never unused.
///
/// `abletoolz-pruned__10.0.1.als`: the group "Kicks" (Pro-C, Gate, EQ Eight) outputs to the
/// audio track "Drum Bus" (Pro-Q, Pro-C, an Audio Effect Rack), which has no clip of its own.
/// abletoolz's fixture extraction hashed the routing target (`p76088/p59394.111/p29842`,
/// display "Drum Bus"); Live writes it as `AudioOut/Track.<Id>/TrackIn`, with the target
/// track's `Id` attribute (111 is "Drum Bus"; the same `AudioOut/Track.12/...` form is in
/// `ununu__drums-midi.als`). The variant spells the routing as Live does.
///
/// premix greys "Drum Bus" out as `unused (no_media)`: the drum bus that the kick group
/// plays through looks dead in the mixer. REAPER receives and Ardour connections are
/// already counted (Parta Eklipso's "Drums Sum" audio track, fed by six drum tracks, is not
/// flagged; checked below so the difference is visible).
#[test]
fn a_live_audio_track_fed_by_another_tracks_output_is_not_unused() {
    let Some(als) = corpus_file("als/abletoolz-pruned__10.0.1.als") else {
        return;
    };
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&als).unwrap()),
        &mut xml,
    )
    .unwrap();
    let hashed = r#"<Target Value="p76088/p59394.111/p29842" />"#;
    assert_eq!(xml.matches(hashed).count(), 1, "Kicks' output to Drum Bus");
    let xml = xml.replace(hashed, r#"<Target Value="AudioOut/Track.111/TrackIn" />"#);
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("drum-bus-fed-by-kicks.als");
    std::fs::write(&set, xml).unwrap();

    let inspect = inspect_json(&set);
    let drum_bus = &inspect["tracks"][0];
    assert_eq!(drum_bus["name"], "Drum Bus");
    let kicks = &inspect["tracks"][1];
    assert_eq!(kicks["name"], "Kicks");
    assert_eq!(kicks["kind"], "bus");

    let project = check_json(&set);
    let flagged: Vec<&Value> = project["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "unused")
        .map(|f| &f["track_name"])
        .collect();
    assert!(
        drum_bus["unused"] == false && !flagged.contains(&&Value::from("Drum Bus")),
        "\"Drum Bus\", fed by the group \"Kicks\" (AudioOut/Track.111/TrackIn), is flagged \
         unused: inspect says {}, check flags {flagged:?}, and greys it to {:?}",
        drum_bus["unused_reasons"],
        recolour_to(&project, 1)
    );

    // The same shape in Ardour is read right: an audio track with no region that other
    // tracks feed is not unused.
    if let Some(ardour) = corpus_file("ardour/partaeklipso__Parta_Eklipso_Sonoj_Mix.ardour") {
        let inspect = inspect_json(&ardour);
        let sum = track_index(&inspect, "Drums Sum");
        assert_eq!(inspect["tracks"][sum as usize - 1]["unused"], false);
    }
}

/// The set, decompressed, with `from` (found once) replaced by `to`, written as `name` in `dir`.
fn variant(als: &Path, from: &str, to: &str, dir: &Path, name: &str) -> PathBuf {
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(als).unwrap()),
        &mut xml,
    )
    .unwrap();
    assert_eq!(xml.matches(from).count(), 1, "{from} in {}", als.display());
    let set = dir.join(name);
    std::fs::write(&set, xml.replace(from, to)).unwrap();
    set
}

/// The moves `check` plans, as (moved track's index, bus track's index or new bus name).
fn moves(project: &Value) -> Vec<(u64, Value)> {
    project["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "move_to_bus")
        .map(|c| (c["track"].as_u64().unwrap(), c["bus"].clone()))
        .collect()
}

/// A group whose output Live routes into a track outside it must never get that track moved
/// into it: the group would feed its own input, a loop.
///
/// `abletoolz-pruned__11.0.12.als`: the group "Drms" (snr2, kcksnr1, Drums to MIDI) outputs
/// to the audio track "Drum bus" above it (abletoolz hashed the target as
/// `p76088/p59394.101/p29842`, shown "1-Audio"; Live writes `AudioOut/Track.101/TrackIn`, 101
/// being "Drum bus"'s `Id`). The review saw premix plan `"Drum bus": into bus Drms`, which
/// would route Drms into Drum bus and Drum bus back into Drms. Checked on the file as stored
/// (a target premix cannot decode goes by its display string) and as Live spells it.
#[test]
fn premix_never_moves_a_track_into_a_group_routed_back_to_it() {
    let Some(als) = corpus_file("als/abletoolz-pruned__11.0.12.als") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let live = variant(
        &als,
        r#"<Target Value="p76088/p59394.101/p29842" />"#,
        r#"<Target Value="AudioOut/Track.101/TrackIn" />"#,
        dir.path(),
        "drms-into-drum-bus.als",
    );
    for (k, set) in [als, live].into_iter().enumerate() {
        let inspect = inspect_json(&set);
        let drum_bus = track_index(&inspect, "Drum bus");
        let drms = track_index(&inspect, "Drms");
        assert_eq!(inspect["tracks"][drms as usize - 1]["kind"], "bus");
        let project = check_json(&set);
        let moved: Vec<(u64, Value)> = moves(&project)
            .into_iter()
            .filter(|(t, _)| *t == drum_bus)
            .collect();
        assert!(
            moved.is_empty(),
            "{}: \"Drum bus\", which \"Drms\" outputs into, is moved: {moved:?}",
            set.display()
        );
        // Apply agrees with check: the written set keeps "Drum bus" outside every group.
        let out_dir = dir.path().join(format!("out{k}"));
        let status = premix()
            .arg("apply")
            .arg(&set)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap();
        assert!(
            matches!(status.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let after = inspect_json(&out_dir.join(set.file_name().unwrap()));
        let drum_bus = track_index(&after, "Drum bus");
        assert_eq!(
            after["tracks"][drum_bus as usize - 1]["parent"],
            Value::Null,
            "{}",
            set.display()
        );
    }
}
