//! The messy Ardour session in `samples/ardour`, made by real Ardour (see its README).

use premix::formats::Project;
use premix::formats::ardour::ArdourProject;
use premix::pipeline;
use premix::plan::Action;
use premix::rules::RuleSet;
use premix::session::{Format, TrackKind};

const SAMPLE: &[u8] = include_bytes!("../samples/ardour/messy-session/messy-session.ardour");

#[test]
fn the_sample_reads_as_made() {
    let project = ArdourProject::read(SAMPLE).unwrap();
    let s = project.session();
    let names: Vec<_> = s.tracks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names[0], "kick in");
    assert_eq!(s.tracks.len(), 15);
    assert!(s.tracks.iter().any(|t| t.name == "vox old take" && t.muted));
    assert!(
        s.tracks
            .iter()
            .any(|t| t.name == "rhodes" && t.kind == TrackKind::Midi)
    );
    // Every track but the stray one has a region Ardour recorded (bounced) on it.
    let without_media: Vec<&str> = s
        .tracks
        .iter()
        .filter(|t| t.kind != TrackKind::Bus && t.media_count == 0)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(without_media, ["Audio 14"]);
    let rhodes = s.tracks.iter().find(|t| t.name == "rhodes").unwrap();
    assert_eq!(*rhodes.media_files, ["rhodes-2.mid"]);
}

#[test]
fn default_rules_flag_only_the_stray_track_and_the_muted_take() {
    let rules = RuleSet::default_rules();
    let project = ArdourProject::read(SAMPLE).unwrap();
    let plan = premix::rules::plan(&rules, project.session());
    let mut flagged: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Flag { .. }))
        .map(|c| project.session().tracks[c.track].name.as_str())
        .collect();
    flagged.sort();
    assert_eq!(flagged, ["Audio 14", "vox old take"]);
}

#[test]
fn the_media_the_regions_play_ship_with_the_sample() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/ardour/messy-session/interchange/messy-session"
    );
    let project = ArdourProject::read(SAMPLE).unwrap();
    let mut total = 0;
    for t in &project.session().tracks {
        for f in t.media_files.iter() {
            let kind = if f.ends_with(".mid") {
                "midifiles"
            } else {
                "audiofiles"
            };
            let path = format!("{dir}/{kind}/{f}");
            let meta = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            total += meta.len();
        }
    }
    // 0.5 s stems (`samples/make-media.py`): enough for loudness blocks, small to ship.
    assert!(
        total > 0 && total < 1024 * 1024,
        "media stay small: {total} bytes"
    );
}

#[test]
fn default_rules_make_buses_and_a_second_run_changes_nothing() {
    let rules = RuleSet::default_rules();
    let first = pipeline::process(Format::Ardour, SAMPLE, &rules, true).unwrap();
    // The only notes: families with one track get no bus of their own.
    assert!(
        first
            .plan
            .notes
            .iter()
            .all(|n| n.message.contains("a bus needs at least 2")),
        "{:?}",
        first.plan.notes
    );
    assert!(first.plan.new_buses.iter().any(|b| b.name == "DRUMS"));
    let out = first.output.unwrap();
    let second = pipeline::process(Format::Ardour, &out, &rules, true).unwrap();
    assert!(!second.plan.edits_file(), "{:?}", second.plan.changes);
    let reread = ArdourProject::read(&out).unwrap();
    let s = reread.session();
    let drums = s.tracks.iter().position(|t| t.name == "DRUMS").unwrap();
    let kick = s.tracks.iter().position(|t| t.name == "Kick in").unwrap();
    assert_eq!(s.tracks[kick].parent, Some(drums));
    assert_eq!(kick, drums + 1, "members follow their bus");
}
