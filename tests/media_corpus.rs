//! What items play, read off real corpus files: each format's offset, length, gain and take
//! semantics pinned on a file that shows it (one-line comments name the fact).

mod common;

use premix::formats;
use premix::media::MediaRef;
use premix::session::{Format, Session};
use std::path::PathBuf;

fn session(sub: &str, name: &str) -> Option<Session> {
    let path: PathBuf = common::corpus(sub)?.join(name);
    let bytes = std::fs::read(&path).unwrap();
    let format = formats::format_for_path(&path).unwrap();
    let mut session = formats::open(format, &bytes).unwrap().session().clone();
    formats::read_media(format, &bytes, &mut session);
    Some(session)
}

fn items(s: &Session) -> impl Iterator<Item = &MediaRef> {
    s.tracks.iter().flat_map(|t| t.items.iter())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn reaper_items_play_their_selected_take_from_its_offset() {
    let Some(s) = session("rpp", "jonch070__Song_with_Sends.RPP") else {
        return;
    };
    // `TAKE SEL` makes the second take active: the item plays its file, from its SOFFS.
    let item = items(&s)
        .find(|i| i.position.is_some_and(|p| close(p, 21.1133513356)))
        .unwrap();
    assert_eq!(item.files[0].path, "Vox T3 High-01.wav");
    assert!(close(item.offset, 17.318544));
    assert!(close(item.length.unwrap(), 3.9298232554));
    assert!(item.looped, "LOOP 1");
    // `SAMPLERATE 44100 1`: REAPER 2/3 wrote two fields; the flag fixes the rate.
    assert_eq!(s.media.sample_rate, Some(44_100));
}

#[test]
fn reaper_playrate_scales_the_file_time_and_volpan_gives_the_gain() {
    let Some(s) = session("rpp", "jonch070__LS_Template_01.RPP") else {
        return;
    };
    // PLAYRATE 0.5 over a 306.19 s item: 153.10 s of the file, from SOFFS 6.38.
    let slow = items(&s)
        .find(|i| {
            i.files[0].path.ends_with("Sine 03 Battle.wav") && close(i.offset, 6.38253520011001)
        })
        .unwrap();
    assert!(close(slow.timeline_length.unwrap(), 306.19429166666646));
    assert!(close(slow.length.unwrap(), 306.19429166666646 * 0.5));
    assert!(close(slow.offset, 6.38253520011001));
    assert!(!slow.looped);
    // `VOLPAN 1 0 6.466432 -1`: item volume 1, take volume 6.47 (a normalised take).
    let loud = items(&s)
        .find(|i| i.position.is_some_and(|p| close(p, 785.001)))
        .unwrap();
    assert!(close(loud.gain, 6.466432));
    assert!(close(loud.offset, 89.0009999999986));
    // SAMPLERATE 96000 1 0: the project fixes its rate.
    assert_eq!(s.media.sample_rate, Some(96_000));
}

#[test]
fn ardour_7_times_are_superclock_and_length_at_position() {
    let Some(s) = session("ardour", "leavingtonite__Leaving_Tonite_Sonoj_Mix.ardour") else {
        return;
    };
    // Region "Take38_Drums A-1.1": `start="a1278069372"`,
    // `length="a48709268868@a1917101892"`, at 282240000 superclocks a second
    // (`TempoMap@superclocks-per-second`); its sources are two mono FLAC files.
    let item = items(&s)
        .find(|i| i.files[0].path == "Take38_Drums A-1%L.flac")
        .unwrap();
    assert!(close(item.offset, 1_278_069_372.0 / 282_240_000.0));
    assert!(close(
        item.length.unwrap(),
        48_709_268_868.0 / 282_240_000.0
    ));
    assert!(close(
        item.position.unwrap(),
        1_917_101_892.0 / 282_240_000.0
    ));
    assert_eq!(item.files[1].path, "Take38_Drums A-1%R.flac");
    assert_eq!(s.media.sample_rate, Some(48_000));
}

#[test]
fn ardour_6_times_are_samples_and_stereo_regions_play_two_mono_files() {
    let Some(s) = session(
        "ardour",
        "elements-clouds__Elements-and-Clouds-2020-09-17-take2.ardour",
    ) else {
        return;
    };
    // `length="37747701"` samples at 44.1 kHz; `source-0`/`source-1` are the %L and %R files.
    let item = items(&s).find(|i| i.files.len() == 2).unwrap();
    assert!(close(item.length.unwrap(), 37_747_701.0 / 44_100.0));
    assert_eq!(item.files[0].path, "Audio-1%L.wav");
    assert_eq!(item.files[1].path, "Audio-1%R.wav");
    // `scale-amplitude` is the region's gain.
    assert!(items(&s).any(|i| close(i.gain, 1.006_233_572_959_9)));
}

#[test]
fn ardour_2_regions_are_read_too() {
    let Some(s) = session("ardour", "ardour__TestSession.ardour") else {
        return;
    };
    // The playlist's region "Guitar-2.1": `start="0" length="22435212" position="1999229"`,
    // samples at 44.1 kHz (the whole-file region in `Regions` is longer: it is not played).
    let item = items(&s)
        .find(|i| i.files[0].path == "Guitar-2.wav")
        .unwrap();
    assert!(close(item.position.unwrap(), 1_999_229.0 / 44_100.0));
    assert!(close(item.length.unwrap(), 22_435_212.0 / 44_100.0));
}

#[test]
fn live_unwarped_markers_are_seconds_and_positions_beats() {
    let Some(s) = session("als", "dawtool__example-120.als") else {
        return;
    };
    // Unwarped: LoopEnd 1189.05 s is the sample's length (52437265 / 44100); CurrentStart
    // 2378.1 beats at 120 BPM is 1189.05 s into the arrangement.
    let item = items(&s)
        .find(|i| i.position.is_some_and(|p| (p - 1189.0536).abs() < 1e-3))
        .unwrap();
    assert!((item.length.unwrap() - 1189.0536).abs() < 1e-3);
    assert_eq!(item.offset, 0.0);
    assert_eq!(s.format, Format::Als);
}

#[test]
fn live_warped_clips_map_beats_through_their_warp_markers() {
    let Some(s) = session("als", "node-als-parser__Michelle.als") else {
        return;
    };
    // A warped, looped session clip of 4 beats: its markers put beat 4 at 1.8456 s.
    let item = items(&s)
        .find(|i| i.files[0].path.ends_with("drb130HOE27001tribal6.wav"))
        .unwrap();
    assert!((item.length.unwrap() - 1.845_578).abs() < 1e-3);
    assert!(item.looped);
    assert_eq!(item.position, None, "a session-view clip");
    assert!(item.files[0].path.starts_with("../../"));
    assert!(item.files[0].alternates[0].starts_with("/Users/"));
}

#[test]
fn every_corpus_project_reports_items_with_sane_times() {
    for sub in ["rpp", "als", "ardour"] {
        let Some(dir) = common::corpus(sub) else {
            continue;
        };
        let (targets, _) = premix::batch::discover(&[dir], None);
        for t in targets {
            let Ok(bytes) = std::fs::read(&t.path) else {
                continue;
            };
            let Ok(project) = formats::open(t.format, &bytes) else {
                continue;
            };
            let mut session = project.session().clone();
            formats::read_media(t.format, &bytes, &mut session);
            for item in items(&session) {
                assert!(
                    !item.files.is_empty() && item.offset >= 0.0,
                    "{}",
                    t.path.display()
                );
                assert!(item.offset.is_finite(), "{}: {item:?}", t.path.display());
                if let Some(l) = item.length {
                    assert!(l.is_finite() && l >= 0.0, "{}: {item:?}", t.path.display());
                }
            }
        }
    }
}
