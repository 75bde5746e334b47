//! The messy Ardour session in `samples/ardour`, made by real Ardour (see its README).

use premix::formats::Project;
use premix::formats::ardour::ArdourProject;
use premix::pipeline;
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
}

#[test]
fn default_rules_make_buses_and_a_second_run_changes_nothing() {
    let rules = RuleSet::default_rules();
    let first = pipeline::process(Format::Ardour, SAMPLE, &rules, true).unwrap();
    assert!(first.plan.notes.is_empty(), "{:?}", first.plan.notes);
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
