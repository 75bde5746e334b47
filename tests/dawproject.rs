//! The DAWproject backend on the corpus, the generated projects and the sample: what is read,
//! what a run writes (bytes, container layout), and what reads it back.
//!
//! `samples/dawproject/messy-session.dawproject` is made by this project from
//! `samples/reaper/messy-session.rpp` (`benches/gen/dawproject.rs`); regenerate it with
//! `PREMIX_WRITE_SAMPLES=1 cargo test --test dawproject`.

mod common;

#[path = "../benches/gen/mod.rs"]
mod projgen;

use premix::formats::Project;
use premix::formats::dawproject::DawProject;
use premix::formats::dawproject::container::{self, Check};
use premix::limits::Limits;
use premix::pipeline::process;
use premix::plan::{Action, BusRef, Change, NewBus, Origin, Plan};
use premix::rules::RuleSet;
use premix::session::{Format, Rgb, TrackKind};
use std::path::PathBuf;

fn read(bytes: &[u8]) -> DawProject<'_> {
    DawProject::read(bytes, &Limits::default()).unwrap()
}

fn origin() -> Origin {
    Origin {
        file: "t.yaml".into(),
        line: 1,
        label: "t".into(),
    }
}

fn change(track: usize, action: Action) -> Change {
    Change {
        track,
        action,
        origin: origin(),
    }
}

/// Vets and writes `plan`, checks the output reads back as the plan predicts, and returns it
/// with its `project.xml`.
fn written(bytes: &[u8], plan: &mut Plan) -> (Vec<u8>, String) {
    let p = read(bytes);
    p.vet(plan);
    let out = p.write(plan).unwrap();
    let again = read(&out);
    let predicted = plan.predict(p.session());
    let seen = |s: &premix::session::Session| -> Vec<_> {
        s.tracks
            .iter()
            .map(|t| {
                let facts = (t.kind, t.color, t.parent, t.muted, t.media_count);
                (t.name.clone(), facts)
            })
            .collect()
    };
    let (got, want) = (seen(again.session()), seen(&predicted));
    assert_eq!(got, want);
    let xml = String::from_utf8(again.xml().to_vec()).unwrap();
    (out, xml)
}

/// Every entry but `project.xml` is the same bytes (local header, data, descriptor) in both
/// archives, in the same order, with the same central records but for the offset.
fn assert_other_entries_copied(before: &[u8], after: &[u8]) {
    let limits = Limits::default();
    let (a, _) = container::read(before, &limits, Check::Everything, &[]).unwrap();
    let (b, _) = container::read(after, &limits, Check::Everything, &[]).unwrap();
    let names = |x: &container::Archive| -> Vec<String> {
        x.entries.iter().map(|e| e.name.clone()).collect()
    };
    assert_eq!(names(&a), names(&b));
    for (x, y) in a.entries.iter().zip(&b.entries) {
        let (cx, cy) = (&before[x.central.clone()], &after[y.central.clone()]);
        // The central record but for the local-header offset (and for project.xml, CRC and sizes).
        assert_eq!(cx[..16], cy[..16], "{}", x.name);
        assert_eq!(cx[28..42], cy[28..42], "{}", x.name);
        assert_eq!(cx[46..], cy[46..], "{}", x.name);
        if x.name != "project.xml" {
            assert_eq!(before[x.span.clone()], after[y.span.clone()], "{}", x.name);
        }
    }
    // The archive comment and the end record but for the directory's offset.
    assert_eq!(
        before[a.eocd.start..a.eocd.start + 16],
        after[b.eocd.start..b.eocd.start + 16]
    );
    assert_eq!(before[a.eocd.start + 20..], after[b.eocd.start + 20..]);
}

fn canon() -> Option<Vec<u8>> {
    let dir = common::corpus("dawproject")?;
    Some(std::fs::read(dir.join("hifa-bitwig516__canon.dawproject")).unwrap())
}

#[test]
fn a_run_with_no_changes_returns_every_corpus_file_byte_for_byte() {
    let rules = premix::rules::load("version: 1\n", "none.yaml").unwrap();
    for path in common::corpus_files("dawproject", &["dawproject"]) {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match process(Format::Dawproject, &bytes, &rules, true) {
            Ok(done) => assert!(done.output.unwrap() == bytes, "{name}"),
            // Bitwig's 2020 JSON prototypes are refused, saying what they are.
            Err(e) => {
                assert!(name.starts_with("bitwig-dawproject__"), "{name}: {e}");
                assert!(e.to_string().contains("pre-1.0"), "{name}: {e}");
            }
        }
    }
}

#[test]
fn bitwig_export_reads_as_bitwig_shows_it() {
    let Some(bytes) = canon() else { return };
    let p = read(&bytes);
    let tracks = &p.session().tracks;
    let seen: Vec<_> = tracks
        .iter()
        .map(|t| (t.name.as_str(), t.kind, t.color, t.media_count))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "Acoustic Piano (Nektar)",
                TrackKind::Midi,
                Rgb::parse_hex("#9549cb"),
                1
            ),
            (
                "canon_guitar_150bpm",
                TrackKind::Audio,
                Rgb::parse_hex("#739814"),
                1
            ),
            // An FX track: role="effect", no colour attribute (Bitwig's default colour).
            ("FX 1", TrackKind::Return, None, 0),
        ]
    );
    // Both instrument tracks send to the FX track; nothing sends to them.
    assert!(p.document().fed_by_sends(2));
    assert!(!p.document().fed_by_sends(0));
    let fed: Vec<bool> = tracks.iter().map(|t| t.fed_by_tracks).collect();
    assert_eq!(fed, [false, false, true]);
    assert!(tracks.iter().all(|t| t.feeds_parent));
    // Bitwig's FX channel also sends to itself; once the others are gone, that alone does not
    // make it fed by sends.
    let mut plan = Plan {
        changes: vec![change(0, Action::Remove), change(1, Action::Remove)],
        ..Plan::default()
    };
    let (out, xml) = written(&bytes, &mut plan);
    assert!(xml.contains("<Send destination=\"id15\""));
    assert!(!read(&out).document().fed_by_sends(0));
    assert!(!read(&out).session().tracks[0].fed_by_tracks);
    assert_eq!(&*tracks[1].media_files, ["canon_guitar_150bpm.wav"]);
    assert_eq!(&*tracks[0].plugins, ["Sampler"]);
    // Preflight's view: the embedded file, its clip, and the channel fader.
    let media = p.media();
    assert_eq!(media.len(), 1);
    assert_eq!(media[0].path, "audio/canon_guitar_150bpm.wav");
    assert!(media[0].embedded);
    assert!(p.archive().entry(&media[0].path).is_some());
    assert_eq!(
        (
            media[0].clip_time,
            media[0].clip_duration,
            media[0].play_start
        ),
        (Some(0.0), Some(48.0), Some(0.0))
    );
    assert_eq!(media[0].time_unit.as_deref(), Some("beats"));
    assert_eq!(media[0].file_duration, Some(19.2));
    assert_eq!(p.document().volume(1), Some((0.316228, "linear".into())));
}

#[test]
fn renames_recolours_and_mutes_change_only_their_values_and_project_xml() {
    let Some(bytes) = canon() else { return };
    let mut plan = Plan {
        changes: vec![
            change(
                0,
                Action::Rename {
                    to: "Keys & <Piano>".into(),
                },
            ),
            change(
                2,
                Action::Recolor {
                    to: Rgb::new(0x7a, 0x7f, 0x8c),
                },
            ),
            change(1, Action::Mute),
        ],
        ..Plan::default()
    };
    let (out, xml) = written(&bytes, &mut plan);
    let before = String::from_utf8(read(&bytes).xml().to_vec()).unwrap();
    let expected = before
        .replace(
            "id=\"id2\" name=\"Acoustic Piano (Nektar)\"",
            "id=\"id2\" name=\"Keys &amp; &lt;Piano&gt;\"",
        )
        .replace(
            "id=\"id14\" name=\"FX 1\">",
            "id=\"id14\" name=\"FX 1\" color=\"#7a7f8c\">",
        )
        .replace(
            "<Mute value=\"false\" id=\"id13\"",
            "<Mute value=\"true\" id=\"id13\"",
        );
    assert_eq!(xml, expected);
    assert_other_entries_copied(&bytes, &out);
}

#[test]
fn a_new_group_nests_its_members_and_takes_over_their_output() {
    let Some(bytes) = canon() else { return };
    let mut plan = Plan {
        new_buses: vec![NewBus {
            name: "INSTRUMENTS".into(),
            color: Rgb::parse_hex("#3dbfa8"),
            origin: origin(),
            min_members: 1,
        }],
        changes: vec![
            change(
                0,
                Action::MoveToBus {
                    bus: BusRef::New(0),
                },
            ),
            change(
                1,
                Action::MoveToBus {
                    bus: BusRef::New(0),
                },
            ),
            // A return stays outside groups, with a note.
            change(
                2,
                Action::MoveToBus {
                    bus: BusRef::New(0),
                },
            ),
        ],
        ..Plan::default()
    };
    let (out, xml) = written(&bytes, &mut plan);
    assert_eq!(plan.notes.len(), 1);
    // Bitwig's own spelling of a group (the file has none to copy): role="master", fresh
    // ids past the largest (id92), members' channels feeding it, it feeding the master.
    assert!(xml.contains(concat!(
        "        <Track contentType=\"tracks\" loaded=\"true\" id=\"id93\" name=\"INSTRUMENTS\" color=\"#3dbfa8\">\n",
        "            <Channel audioChannels=\"2\" destination=\"id20\" role=\"master\" solo=\"false\" id=\"id94\">\n",
        "                <Mute value=\"false\" id=\"id95\" name=\"Mute\"/>\n",
    )), "{xml}");
    assert!(xml.contains(concat!(
        "            <Track contentType=\"notes\" loaded=\"true\" id=\"id2\" name=\"Acoustic Piano (Nektar)\" color=\"#9549cb\">\n",
        "                <Channel audioChannels=\"2\" destination=\"id94\" role=\"regular\" solo=\"false\" id=\"id3\">\n",
    )), "{xml}");
    assert_eq!(xml.matches("destination=\"id94\"").count(), 2);
    assert_other_entries_copied(&bytes, &out);

    // A second group is spelled like the first, now in the file; a run on the result with the
    // same plan's effect already made changes nothing.
    let again = read(&out);
    assert_eq!(again.session().tracks[0].kind, TrackKind::Bus);
    let mut plan = Plan {
        new_buses: vec![NewBus {
            name: "FX".into(),
            color: None,
            origin: origin(),
            min_members: 1,
        }],
        changes: vec![change(
            3,
            Action::MoveToBus {
                bus: BusRef::New(0),
            },
        )],
        ..Plan::default()
    };
    let _ = written(&out, &mut plan);
}

#[test]
fn removing_a_track_removes_its_lanes_slots_and_the_sends_to_it() {
    let Some(bytes) = canon() else { return };
    let mut plan = Plan {
        changes: vec![change(2, Action::Remove)],
        ..Plan::default()
    };
    let (_, xml) = written(&bytes, &mut plan);
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
    // The FX track's ids id14 (track) and id15 (channel): nothing refers to them any more.
    for gone in ["\"id14\"", "\"id15\"", "\"id40\"", "name=\"FX 1\""] {
        assert!(!xml.contains(gone), "{gone} left in\n{xml}");
    }
    assert!(!xml.contains("<Send "), "{xml}");
    assert!(
        xml.contains("<Sends>"),
        "the other channels keep an (empty) Sends"
    );
    // No blank lines left where elements went.
    assert!(!xml.contains("\n\n") && !xml.contains("\n        \n"));
}

#[test]
fn generated_projects_with_groups_returns_and_media_round_trip_the_default_rules() {
    let bytes = projgen::dawproject_big(100, 400, false);
    let rules = RuleSet::default_rules();
    let done = process(Format::Dawproject, &bytes, &rules, true).unwrap();
    assert!(done.plan.edits_file());
    let out = done.output.unwrap();
    assert_other_entries_copied(&bytes, &out);
    // A second run is settled: nothing more to change.
    let again = process(Format::Dawproject, &out, &rules, true).unwrap();
    assert!(!again.plan.edits_file(), "{:?}", again.plan.changes);
    assert!(again.output.unwrap() == out);
    // Stored media are copied as they were too.
    let stored = projgen::dawproject_big(30, 400, true);
    let done = process(Format::Dawproject, &stored, &rules, true).unwrap();
    assert_other_entries_copied(&stored, &done.output.unwrap());
}

#[test]
fn removing_an_audio_track_takes_its_clips_with_it() {
    let bytes = projgen::dawproject_sample();
    let p = read(&bytes);
    let t = p
        .session()
        .tracks
        .iter()
        .position(|t| t.name == "Track 24")
        .unwrap();
    let mut plan = Plan {
        changes: vec![change(t, Action::Remove)],
        ..Plan::default()
    };
    let (_, xml) = written(&bytes, &mut plan);
    assert!(!xml.contains("name=\"Track 24\""));
    // The removed track's files stay in the container (unused media are harmless), but no
    // clip plays them.
    let files = &p.session().tracks[t].media_files;
    assert!(!files.is_empty());
    for f in files.iter() {
        assert!(!xml.contains(&format!("audio/{f}\"")), "{f}");
    }
}

#[test]
fn the_sample_is_what_the_generator_makes() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("samples/dawproject/messy-session.dawproject");
    let made = projgen::dawproject_sample();
    if std::env::var_os("PREMIX_WRITE_SAMPLES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &made).unwrap();
    }
    let on_disk = std::fs::read(&path).expect("the sample exists (PREMIX_WRITE_SAMPLES=1)");
    assert!(on_disk == made, "regenerate with PREMIX_WRITE_SAMPLES=1");
    // One rules file, any DAW: the default rules give the REAPER sample's names and tree.
    let rules = RuleSet::default_rules();
    let reaper = std::fs::read(common::sample("reaper/messy-session.rpp")).unwrap();
    let a = process(Format::Rpp, &reaper, &rules, false).unwrap();
    let b = process(Format::Dawproject, &made, &rules, false).unwrap();
    let tree = |s: &premix::session::Session| -> Vec<(String, Option<usize>, Option<Rgb>)> {
        s.tracks
            .iter()
            .map(|t| (t.name.to_string(), t.parent, t.color))
            .collect()
    };
    assert_eq!(
        tree(&a.plan.predict(&a.session)),
        tree(&b.plan.predict(&b.session))
    );
}

#[test]
fn muting_a_channel_without_a_mute_adds_one_where_the_schema_puts_it() {
    let Some(dir) = common::corpus("dawproject") else {
        return;
    };
    // perivar's library writes channels with Pan and Volume only.
    let bytes = std::fs::read(dir.join("perivar-libgenerated__test-complex.dawproject")).unwrap();
    let mut plan = Plan {
        changes: vec![change(1, Action::Mute)],
        ..Plan::default()
    };
    let (out, xml) = written(&bytes, &mut plan);
    assert!(
        xml.contains(concat!(
            "<Channel id=\"id19\" role=\"regular\" audioChannels=\"2\" destination=\"id3\">\n",
            "                <Mute value=\"true\" id=\"id31\" name=\"Mute\"/>\n",
            "                <Pan id=\"id18\""
        )),
        "{xml}"
    );
    // Stored entries stay stored.
    let (archive, _) = container::read(&out, &Limits::default(), Check::Everything, &[]).unwrap();
    assert!(
        archive
            .entries
            .iter()
            .all(|e| e.method == container::STORED)
    );
}

/// A Studio One-style structure: tracks nested in a folder, the mixer's buses and master as
/// bare channels in `Structure`.
const BARE_CHANNELS: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<Project version="1.0">
	<Application name="Studio One" version="6.5"/>
	<Structure>
		<Track contentType="tracks" id="f1" name="Band">
			<Track contentType="audio" id="t1" name="Gtr" color="#ff0000">
				<Channel role="regular" audioChannels="2" id="c1" destination="bus1">
					<Volume value="-1.1" unit="decibel" min="-96.0" max="6.0"/>
				</Channel>
			</Track>
			<Track contentType="notes" id="t2" name="Keys">
				<Channel role="regular" audioChannels="2" id="c2" destination="m0"/>
			</Track>
		</Track>
		<Channel role="master" audioChannels="2" id="m0" name="Master"/>
		<Channel role="regular" audioChannels="2" id="bus1" name="Guitars" destination="m0"/>
		<Channel role="effect" audioChannels="2" id="fx1" name="Reverb" destination="m0"/>
	</Structure>
</Project>
"##;

#[test]
fn bare_mixer_channels_are_buses_and_returns_that_hold_no_tracks() {
    let bytes = projgen::dawproject::zip(&[(
        "project.xml".into(),
        BARE_CHANNELS.as_bytes().to_vec(),
        false,
    )]);
    let p = read(&bytes);
    let seen: Vec<_> = p
        .session()
        .tracks
        .iter()
        .map(|t| (t.name.as_str(), t.kind, t.parent))
        .collect();
    assert_eq!(
        seen,
        [
            // A folder without a channel is still a group.
            ("Band", TrackKind::Bus, None),
            ("Gtr", TrackKind::Audio, Some(0)),
            ("Keys", TrackKind::Midi, Some(0)),
            ("Guitars", TrackKind::Bus, None),
            ("Reverb", TrackKind::Return, None),
        ]
    );
    assert_eq!(p.document().volume(1), Some((-1.1, "decibel".into())));
    assert!(p.document().fed_by_outputs(3));
    // The guitar's output goes to a mixer bus, not up its folder: it does not feed its parent.
    let facts: Vec<(bool, bool)> = p
        .session()
        .tracks
        .iter()
        .map(|t| (t.feeds_parent, t.fed_by_tracks))
        .collect();
    assert_eq!(
        facts,
        [
            (true, false),
            (false, false),
            (true, false),
            (true, true),
            (true, false)
        ]
    );
    let mut plan = Plan {
        changes: vec![
            change(
                2,
                Action::MoveToBus {
                    bus: BusRef::Existing(3),
                },
            ),
            change(3, Action::Remove),
            change(4, Action::Rename { to: "Plate".into() }),
            change(
                4,
                Action::Recolor {
                    to: Rgb::new(1, 2, 3),
                },
            ),
        ],
        ..Plan::default()
    };
    let (_, xml) = written(&bytes, &mut plan);
    // The bus cannot hold tracks, and the guitar feeds it, so it stays; the return is renamed.
    assert_eq!(plan.notes.len(), 2, "{:?}", plan.notes);
    assert!(xml.contains("<Channel role=\"effect\" audioChannels=\"2\" id=\"fx1\" name=\"Plate\" destination=\"m0\" color=\"#010203\"/>"), "{xml}");
    // Tab indentation is kept.
    assert_eq!(
        xml,
        BARE_CHANNELS.replace(
            "id=\"fx1\" name=\"Reverb\" destination=\"m0\"/>",
            "id=\"fx1\" name=\"Plate\" destination=\"m0\" color=\"#010203\"/>",
        )
    );

    // Grouping into a new group inside the folder, re-indented with tabs.
    let mut plan = Plan {
        new_buses: vec![NewBus {
            name: "KEYS".into(),
            color: None,
            origin: origin(),
            min_members: 1,
        }],
        changes: vec![change(
            2,
            Action::MoveToBus {
                bus: BusRef::New(0),
            },
        )],
        ..Plan::default()
    };
    let (_, xml) = written(&bytes, &mut plan);
    assert!(
        xml.contains(concat!(
            "\t\t\t<Track contentType=\"tracks\" loaded=\"true\" id=\"id0\" name=\"KEYS\">\n",
            "\t\t\t\t<Channel audioChannels=\"2\" destination=\"m0\" role=\"master\" solo=\"false\" id=\"id1\">\n",
        )),
        "{xml}"
    );
    assert!(xml.contains(concat!(
        "\t\t\t\t<Track contentType=\"notes\" id=\"t2\" name=\"Keys\">\n",
        "\t\t\t\t\t<Channel role=\"regular\" audioChannels=\"2\" id=\"c2\" destination=\"id1\"/>\n",
        "\t\t\t\t</Track>\n",
        "\t\t\t</Track>\n",
        "\t\t</Track>\n",
    )), "{xml}");
}

/// A group whose channel has role `submix`, spelled the way some writers do (decibel faders,
/// no ids on parameters).
const SUBMIX_GROUP: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<Project version="1.0">
  <Application name="Cubase" version="14.0"/>
  <Structure>
    <Track contentType="tracks" id="g1" name="Drums" color="#aa0000" comment="kit">
      <Channel role="submix" audioChannels="2" id="gc1" destination="mc">
        <Mute value="false"/>
        <Pan value="0" unit="linear" min="-100" max="100"/>
        <Volume value="-3.0" unit="decibel" min="-96.0" max="6.0"/>
      </Channel>
      <Track contentType="audio" id="t1" name="Kick">
        <Channel role="regular" audioChannels="1" id="c1" destination="gc1"/>
      </Track>
    </Track>
    <Track contentType="audio" id="t2" name="Bass">
      <Channel role="regular" audioChannels="1" id="c2" destination="mc"/>
    </Track>
    <Track contentType="audio" id="t3" name="Bass DI">
      <Channel role="regular" audioChannels="1" id="c3" destination="mc"/>
    </Track>
    <Track contentType="audio notes" id="m" name="Master">
      <Channel role="master" audioChannels="2" id="mc"/>
    </Track>
  </Structure>
</Project>
"##;

#[test]
fn a_submix_group_is_a_bus_and_new_groups_are_spelled_like_it() {
    let bytes = projgen::dawproject::zip(&[(
        "project.xml".into(),
        SUBMIX_GROUP.as_bytes().to_vec(),
        false,
    )]);
    let p = read(&bytes);
    let kinds: Vec<_> = p
        .session()
        .tracks
        .iter()
        .map(|t| (t.kind, t.parent))
        .collect();
    assert_eq!(
        kinds,
        [
            (TrackKind::Bus, None),
            (TrackKind::Audio, Some(0)),
            (TrackKind::Audio, None),
            (TrackKind::Audio, None),
        ]
    );
    let mut plan = Plan {
        new_buses: vec![NewBus {
            name: "BASS".into(),
            color: Rgb::parse_hex("#e6b53c"),
            origin: origin(),
            min_members: 1,
        }],
        changes: vec![
            change(
                2,
                Action::MoveToBus {
                    bus: BusRef::New(0),
                },
            ),
            change(
                3,
                Action::MoveToBus {
                    bus: BusRef::New(0),
                },
            ),
        ],
        ..Plan::default()
    };
    let (_, xml) = written(&bytes, &mut plan);
    // The file's own group spelling: role="submix", its parameters without ids but reset
    // (0 dB, centred), no copy of the other group's comment; fresh ids.
    assert!(
        xml.contains(concat!(
            "    <Track contentType=\"tracks\" id=\"id0\" name=\"BASS\" color=\"#e6b53c\">\n",
            "      <Channel role=\"submix\" audioChannels=\"2\" id=\"id1\" destination=\"mc\">\n",
            "        <Mute value=\"false\"/>\n",
            "        <Pan value=\"0\" unit=\"linear\" min=\"-100\" max=\"100\"/>\n",
            "        <Volume value=\"0.0\" unit=\"decibel\" min=\"-96.0\" max=\"6.0\"/>\n",
            "      </Channel>\n",
            "      <Track contentType=\"audio\" id=\"t2\" name=\"Bass\">\n",
            "        <Channel role=\"regular\" audioChannels=\"1\" id=\"c2\" destination=\"id1\"/>\n",
            "      </Track>\n",
        )),
        "{xml}"
    );
}
