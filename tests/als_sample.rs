//! `samples/als/messy-set.als`, made by this project from `samples/reaper/messy-session.rpp`:
//! the same tracks (names, kinds, folder, clips, muted clips, media file names, mute) spelled
//! as a Live 11 set. It serves two purposes:
//! - the sample the default rules visibly tidy (`premix apply --diff samples/als/messy-set.als`);
//! - "one rules file, any DAW": the default rules give the same names, grouping and
//!   (palette-quantised) colours on the Live set as on the REAPER project.
//!
//! Regenerate with `PREMIX_WRITE_SAMPLES=1 cargo test --test als_sample`.

use premix::formats::Project;
use premix::formats::als::container::{self, Container};
use premix::formats::als::invariants::{check_invariants, check_send_holders};
use premix::formats::als::palette;
use premix::formats::rpp::RppProject;
use premix::pipeline::process;
use premix::rules::RuleSet;
use premix::session::{Format, Session, Track, TrackKind};
use std::fmt::Write as _;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// Pointee ids, handed out in document order.
struct Ids(i64);

impl Ids {
    fn next(&mut self) -> i64 {
        self.0 += 1;
        self.0
    }
}

fn target(ids: &mut Ids, tag: &str, indent: &str) -> String {
    format!(
        "{indent}<{tag} Id=\"{}\">\n{indent}\t<LockEnvelope Value=\"0\" />\n{indent}</{tag}>\n",
        ids.next()
    )
}

fn mixer(ids: &mut Ids, returns: usize, muted: bool) -> String {
    let i = "\t\t\t\t\t\t";
    let mut out = String::from("\t\t\t\t\t<Mixer>\n\t\t\t\t\t\t<LomId Value=\"0\" />\n");
    out += "\t\t\t\t\t\t<Sends>\n";
    for k in 0..returns {
        let _ = write!(out, "{i}\t<TrackSendHolder Id=\"{k}\">\n{i}\t\t<Send>\n");
        let _ = writeln!(out, "{i}\t\t\t<LomId Value=\"0\" />");
        let _ = writeln!(out, "{i}\t\t\t<Manual Value=\"0.0003162277571\" />");
        let _ = writeln!(out, "{i}\t\t\t<MidiControllerRange>");
        let _ = writeln!(out, "{i}\t\t\t\t<Min Value=\"0.0003162277571\" />");
        let _ = writeln!(out, "{i}\t\t\t\t<Max Value=\"1\" />");
        let _ = writeln!(out, "{i}\t\t\t</MidiControllerRange>");
        out += &target(ids, "AutomationTarget", &format!("{i}\t\t\t"));
        out += &target(ids, "ModulationTarget", &format!("{i}\t\t\t"));
        let _ = write!(
            out,
            "{i}\t\t</Send>\n{i}\t\t<Active Value=\"true\" />\n{i}\t</TrackSendHolder>\n"
        );
    }
    out += "\t\t\t\t\t\t</Sends>\n";
    let _ = write!(
        out,
        "{i}<Speaker>\n{i}\t<LomId Value=\"0\" />\n{i}\t<Manual Value=\"{}\" />\n",
        !muted
    );
    out += &target(ids, "AutomationTarget", &format!("{i}\t"));
    let _ = writeln!(out, "{i}</Speaker>");
    for (name, value) in [("Volume", "1"), ("Pan", "0")] {
        let _ = write!(
            out,
            "{i}<{name}>\n{i}\t<LomId Value=\"0\" />\n{i}\t<Manual Value=\"{value}\" />\n"
        );
        out += &target(ids, "AutomationTarget", &format!("{i}\t"));
        out += &target(ids, "ModulationTarget", &format!("{i}\t"));
        let _ = writeln!(out, "{i}</{name}>");
    }
    out += "\t\t\t\t\t</Mixer>\n";
    out
}

fn clip(t: &Track, k: usize, color: usize) -> String {
    let i = "\t\t\t\t\t\t\t\t\t\t";
    let tag = if t.kind == TrackKind::Midi {
        "MidiClip"
    } else {
        "AudioClip"
    };
    let disabled = k >= t.media_count - t.muted_media_count;
    let mut out = format!("{i}<{tag} Id=\"0\" Time=\"{}\">\n", k * 16);
    let _ = writeln!(out, "{i}\t<LomId Value=\"0\" />");
    let _ = writeln!(out, "{i}\t<Name Value=\"{}\" />", esc(&t.name));
    let _ = writeln!(out, "{i}\t<Color Value=\"{color}\" />");
    let _ = writeln!(out, "{i}\t<Disabled Value=\"{disabled}\" />");
    if let Some(file) = t.media_files.get(k) {
        let _ = write!(
            out,
            "{i}\t<SampleRef>\n{i}\t\t<FileRef>\n{i}\t\t\t<RelativePathType Value=\"3\" />\n{i}\t\t\t<RelativePath Value=\"Samples/Recorded/{f}\" />\n{i}\t\t\t<Path Value=\"/Users/engineer/Music/Messy Project/Samples/Recorded/{f}\" />\n{i}\t\t</FileRef>\n{i}\t</SampleRef>\n",
            f = esc(file)
        );
    }
    let _ = writeln!(out, "{i}</{tag}>");
    out
}

/// A Live 11 set holding `session`'s tracks (returns moved last, as Live keeps them).
pub fn live_set(session: &Session) -> Vec<u8> {
    let mut order: Vec<&Track> = session
        .tracks
        .iter()
        .filter(|t| t.kind != TrackKind::Return)
        .collect();
    order.extend(
        session
            .tracks
            .iter()
            .filter(|t| t.kind == TrackKind::Return),
    );
    let returns = order.iter().filter(|t| t.kind == TrackKind::Return).count();
    let id_of = |index: usize| 10 + index as i64;
    let mut ids = Ids(1000);
    let mut tracks = String::new();
    for t in &order {
        let tag = match t.kind {
            TrackKind::Audio => "AudioTrack",
            TrackKind::Midi => "MidiTrack",
            TrackKind::Bus => "GroupTrack",
            TrackKind::Return => "ReturnTrack",
        };
        // Tracks without a colour get the colours Live hands out by itself, in turn.
        let color = t.color.map_or((t.index * 11) % 69, palette::nearest);
        let gid = t.parent.map_or(-1, id_of);
        let mut x = format!("\t\t\t<{tag} Id=\"{}\">\n", id_of(t.index));
        x += "\t\t\t\t<LomId Value=\"0\" />\n";
        let _ = write!(
            x,
            "\t\t\t\t<Name>\n\t\t\t\t\t<EffectiveName Value=\"{n}\" />\n\t\t\t\t\t<UserName Value=\"{n}\" />\n\t\t\t\t\t<Annotation Value=\"\" />\n\t\t\t\t\t<MemorizedFirstClipName Value=\"\" />\n\t\t\t\t</Name>\n",
            n = esc(&t.name)
        );
        let _ = writeln!(x, "\t\t\t\t<Color Value=\"{color}\" />");
        x += "\t\t\t\t<AutomationEnvelopes>\n\t\t\t\t\t<Envelopes />\n\t\t\t\t</AutomationEnvelopes>\n";
        let _ = writeln!(x, "\t\t\t\t<TrackGroupId Value=\"{gid}\" />");
        if t.kind == TrackKind::Bus {
            x += "\t\t\t\t<TrackUnfolded Value=\"true\" />\n";
        }
        x += "\t\t\t\t<LinkedTrackGroupId Value=\"-1\" />\n";
        if t.kind == TrackKind::Bus {
            x += "\t\t\t\t<Slots>\n\t\t\t\t\t<GroupTrackSlot Id=\"0\">\n\t\t\t\t\t\t<LomId Value=\"0\" />\n\t\t\t\t\t</GroupTrackSlot>\n\t\t\t\t</Slots>\n";
        }
        x += "\t\t\t\t<DeviceChain>\n";
        let (out_target, upper) = if t.parent.is_some() {
            ("AudioOut/GroupTrack", "Group")
        } else {
            ("AudioOut/Master", "Master")
        };
        let _ = write!(
            x,
            "\t\t\t\t\t<AudioOutputRouting>\n\t\t\t\t\t\t<Target Value=\"{out_target}\" />\n\t\t\t\t\t\t<UpperDisplayString Value=\"{upper}\" />\n\t\t\t\t\t\t<LowerDisplayString Value=\"\" />\n\t\t\t\t\t</AudioOutputRouting>\n"
        );
        x += &mixer(&mut ids, returns, t.muted);
        if matches!(t.kind, TrackKind::Audio | TrackKind::Midi) {
            x += "\t\t\t\t\t<MainSequencer>\n\t\t\t\t\t\t<ClipSlotList>\n";
            for k in 0..t.media_count.max(1) {
                let _ = write!(
                    x,
                    "\t\t\t\t\t\t\t<ClipSlot Id=\"{k}\">\n\t\t\t\t\t\t\t\t<ClipSlot>\n\t\t\t\t\t\t\t\t\t<Value>\n"
                );
                if k < t.media_count {
                    x += &clip(t, k, color);
                }
                x += "\t\t\t\t\t\t\t\t\t</Value>\n\t\t\t\t\t\t\t\t</ClipSlot>\n\t\t\t\t\t\t\t</ClipSlot>\n";
            }
            x += "\t\t\t\t\t\t</ClipSlotList>\n\t\t\t\t\t</MainSequencer>\n";
        }
        x += "\t\t\t\t\t<DeviceChain>\n\t\t\t\t\t\t<Devices />\n\t\t\t\t\t\t<SignalModulations />\n\t\t\t\t\t</DeviceChain>\n";
        x += "\t\t\t\t</DeviceChain>\n";
        let _ = writeln!(x, "\t\t\t</{tag}>");
        tracks += &x;
    }
    let mut master_ids = Ids(ids.0);
    let master = mixer(&mut master_ids, 0, false);
    let next = master_ids.0 + 1;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml += "<Ableton MajorVersion=\"5\" MinorVersion=\"11.0_11300\" SchemaChangeCount=\"3\" Creator=\"premix (samples/als, made from samples/reaper/messy-session.rpp)\" Revision=\"\">\n";
    xml += "\t<LiveSet>\n";
    let _ = writeln!(xml, "\t\t<NextPointeeId Value=\"{next}\" />");
    xml += "\t\t<LomId Value=\"0\" />\n\t\t<LomIdView Value=\"0\" />\n";
    xml += "\t\t<Tracks>\n";
    xml += &tracks;
    xml += "\t\t</Tracks>\n";
    xml += "\t\t<MasterTrack>\n\t\t\t<LomId Value=\"0\" />\n\t\t\t<Name>\n\t\t\t\t<EffectiveName Value=\"Master\" />\n\t\t\t\t<UserName Value=\"\" />\n\t\t\t</Name>\n\t\t\t<Color Value=\"13\" />\n\t\t\t<DeviceChain>\n";
    xml += &master;
    xml += "\t\t\t</DeviceChain>\n\t\t</MasterTrack>\n";
    xml += "\t\t<Scenes>\n\t\t\t<Scene Id=\"0\">\n\t\t\t\t<Name Value=\"\" />\n\t\t\t\t<Color Value=\"-1\" />\n\t\t\t</Scene>\n\t\t</Scenes>\n";
    xml += "\t</LiveSet>\n</Ableton>\n";
    container::encode(Container::Gzip { os: 3 }, xml.as_bytes()).unwrap()
}

fn reaper_session() -> Session {
    let bytes = std::fs::read(root().join("samples/reaper/messy-session.rpp")).unwrap();
    RppProject::read(&bytes).unwrap().session().clone()
}

fn sample_path() -> PathBuf {
    root().join("samples/als/messy-set.als")
}

#[test]
fn the_committed_sample_is_what_the_generator_makes() {
    let made = live_set(&reaper_session());
    if std::env::var_os("PREMIX_WRITE_SAMPLES").is_some() {
        std::fs::create_dir_all(sample_path().parent().unwrap()).unwrap();
        std::fs::write(sample_path(), &made).unwrap();
    }
    let committed = std::fs::read(sample_path()).expect("samples/als/messy-set.als");
    assert_eq!(
        container::decode(&committed, &premix::limits::Limits::default()).unwrap(),
        container::decode(&made, &premix::limits::Limits::default()).unwrap(),
        "samples/als/messy-set.als is stale: PREMIX_WRITE_SAMPLES=1 cargo test --test als_sample"
    );
}

#[test]
fn the_default_rules_tidy_the_sample_and_settle() {
    let bytes = std::fs::read(sample_path()).unwrap();
    let x = container::decode(&bytes, &premix::limits::Limits::default())
        .unwrap()
        .1;
    check_invariants(&x).unwrap();
    check_send_holders(&x).unwrap();
    let rules = RuleSet::default_rules();
    let done = process(Format::Als, &bytes, &rules, true).unwrap();
    assert!(done.plan.edits_file());
    assert!(done.plan.new_buses.len() >= 4, "{:?}", done.plan.new_buses);
    let out = done.output.unwrap();
    let after = container::decode(&out, &premix::limits::Limits::default())
        .unwrap()
        .1;
    check_invariants(&after).unwrap();
    check_send_holders(&after).unwrap();
    let again = process(Format::Als, &out, &rules, true).unwrap();
    assert!(!again.plan.edits_file(), "{:?}", again.plan.changes);
}

/// (name, colour, enclosing bus name) of every track after the default rules, in order,
/// returns last (Live keeps them there); colours only where the rules or the project set one.
fn outcome(format: Format, bytes: &[u8]) -> Vec<(String, Option<String>, Option<String>)> {
    let done = process(format, bytes, &RuleSet::default_rules(), true).unwrap();
    let predicted = done.plan.predict(&done.session);
    let mut rows: Vec<_> = predicted
        .tracks
        .iter()
        .map(|t| {
            (
                t.kind == TrackKind::Return,
                t.name.clone(),
                t.color.map(|c| palette::rgb(palette::nearest(c)).unwrap()),
                t.parent.map(|p| predicted.tracks[p].name.clone()),
            )
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    rows.into_iter()
        .map(|(_, name, color, parent)| (name, color.map(|c| c.to_string()), parent))
        .collect()
}

#[test]
fn one_rules_file_gives_the_same_result_on_reaper_and_live() {
    let rpp = std::fs::read(root().join("samples/reaper/messy-session.rpp")).unwrap();
    let als = std::fs::read(sample_path()).unwrap();
    let reaper = outcome(Format::Rpp, &rpp);
    let live = outcome(Format::Als, &als);
    assert_eq!(reaper.len(), live.len());
    for (r, l) in reaper.iter().zip(&live) {
        assert_eq!((&r.0, &r.2), (&l.0, &l.2), "name and bus");
        // REAPER tracks the rules leave uncoloured have no colour; Live tracks always do.
        if r.1.is_some() {
            assert_eq!(r.1, l.1, "colour of {}", r.0);
        }
    }
}
