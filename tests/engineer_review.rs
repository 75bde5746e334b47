//! The default convention judged on real sessions as a mixing engineer would: what premix
//! does to a corpus project that an engineer preparing it for a mix would not accept. Each
//! test names the project, the tracks and what the engineer expects; each drives the `premix`
//! binary as a user does (`check --json`, `inspect --json`). Each doc says what premix did
//! before the fix ("premix moved ...") and what the test holds it to now.
//!
//! Corpus files are read from `../shared/corpus` and never copied into the repository; a test
//! that needs a variant writes it into a temporary folder.

mod common;

use common::{check_json, corpus_file, inspect_json, recolour_to, track_index};

use serde_json::Value;

/// The default convention's colours (`rules/default.yaml`, `colors:`), as REAPER and Ardour
/// store them (Live snaps them to its palette).
const DRUMS: &str = "#d94f3d";
const FX: &str = "#8a9bb0";

/// Moving a track that plays into an existing bus that is muted silences it: premix refuses
/// moves that would change what is heard (a track whose audio does not reach the master stays
/// put), and now also moves into a muted folder or group of tracks that are heard.
///
/// The studio's messy sample with its "Drums" folder (REAPER) or group (Live) muted, as an
/// engineer parks a group while working on the rest (the corpus has muted folders:
/// BTI_Reaper_Template's "Temp MX", LS_Template_01's "JK Music"): premix moved "HH", "Tom 1",
/// "floor tom", "OH L", "OH R" and "Room", which play, into the muted "Drums"; after `apply`
/// the overheads and room mics were silent.
#[test]
fn a_playing_track_is_not_moved_into_a_muted_bus() {
    let dir = tempfile::tempdir().unwrap();
    // REAPER: the folder's `MUTESOLO 1 0 0` (its first field is the mute).
    let rpp = std::fs::read_to_string(common::sample("reaper/messy-session.rpp")).unwrap();
    let folder = rpp.find("NAME Drums").expect("the Drums folder");
    let mute = folder + rpp[folder..].find("MUTESOLO 0 0 0").unwrap();
    let mut muted = rpp.clone();
    muted.replace_range(mute..mute + "MUTESOLO 0 0 0".len(), "MUTESOLO 1 0 0");
    let reaper = dir.path().join("muted-drums.rpp");
    std::fs::write(&reaper, muted).unwrap();
    // Live: the group's track activator (`Mixer/Speaker/Manual` false). The sample is raw
    // XML or gzip; premix reads both.
    let mut xml = String::new();
    let raw = std::fs::read(common::sample("als/messy-set.als")).unwrap();
    if raw.starts_with(&[0x1f, 0x8b]) {
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&raw[..]), &mut xml)
            .unwrap();
    } else {
        xml = String::from_utf8(raw).unwrap();
    }
    let group = xml.find("<GroupTrack").expect("the Drums group");
    let speaker = group + xml[group..].find("<Speaker>").unwrap();
    let on = speaker + xml[speaker..].find(r#"<Manual Value="true" />"#).unwrap();
    xml.replace_range(
        on..on + r#"<Manual Value="true" />"#.len(),
        r#"<Manual Value="false" />"#,
    );
    let live = dir.path().join("muted-drums.als");
    std::fs::write(&live, xml).unwrap();

    let mut silenced = Vec::new();
    for path in [&reaper, &live] {
        let inspect = inspect_json(path);
        let tracks = inspect["tracks"].as_array().unwrap();
        assert_eq!(tracks[0]["name"], "Drums");
        assert_eq!(
            tracks[0]["muted"],
            true,
            "{}: the variant mutes Drums",
            path.display()
        );
        let project = check_json(path);
        for c in project["changes"].as_array().unwrap() {
            let Some(bus) = c["bus"]["track"].as_u64() else {
                continue;
            };
            let (track, bus) = (
                &tracks[c["track"].as_u64().unwrap() as usize - 1],
                &tracks[bus as usize - 1],
            );
            if c["action"] == "move_to_bus"
                && bus["muted"] == true
                && track["muted"] == false
                && track["unused"] == false
            {
                silenced.push(format!(
                    "{}: {} (plays) {} (muted)",
                    path.file_name().unwrap().to_string_lossy(),
                    track["display_name"],
                    c["description"]
                ));
            }
        }
    }
    assert!(
        silenced.is_empty(),
        "audible tracks moved into a muted bus:\n{}",
        silenced.join("\n")
    );
}

/// A room mic is a mic position, not a drum: engineers name the room mic of every source
/// after the source ("Gtr Room", "Piano Room", "Vox Room", "Strings Room"). The default filed
/// any name holding "room" or "rm" under drums (its drums words came before the other
/// families'), so the guitar, piano and vocal room mics were coloured red and moved into the
/// DRUMS bus with the kit, away from their instruments' buses. Likewise "Rhythm Piano" went to
/// GUITARS ("rhythm" was read as rhythm guitar before the keys words were tried). Now a room
/// mic or a "rhythm" part is the drums' or the guitar's only when no other instrument is named.
#[test]
fn an_instruments_room_mic_stays_with_its_instrument() {
    use premix::plan::{Action, BusRef};
    use premix::rules::{RuleSet, families, plan};
    use premix::session::{Format, Session, Track, TrackKind};

    let names = [
        ("Kick In", "drums"),
        ("Snare Top", "drums"),
        ("OH L", "drums"),
        ("OH R", "drums"),
        ("Room L", "drums"),
        ("Room R", "drums"),
        ("Bass DI", "bass"),
        ("Bass Amp", "bass"),
        ("Gtr L", "guitars"),
        ("Gtr R", "guitars"),
        ("Gtr Room", "guitars"),
        ("Acoustic Gtr Room", "guitars"),
        ("Piano L", "keys"),
        ("Piano R", "keys"),
        ("Piano Room", "keys"),
        ("Pno Rm", "keys"),
        ("Rhythm Piano", "keys"),
        ("Lead Vox", "vocals"),
        ("Vox Room", "vocals"),
        ("Choir Room", "vocals"),
        ("Strings Room", "strings"),
        ("Brass Room", "brass"),
        ("Sax Room", "woodwinds"),
    ];
    let session = Session::new(
        Format::Rpp,
        names
            .iter()
            .enumerate()
            .map(|(i, (name, _))| Track {
                media_count: 1,
                ..Track::new(i, *name, TrackKind::Audio)
            })
            .collect(),
    );
    let rules = RuleSet::default_rules();
    let filed = families(&rules, &session);
    let p = plan(&rules, &session);
    let bus_of = |track: usize| {
        p.changes.iter().find_map(|c| match &c.action {
            Action::MoveToBus {
                bus: BusRef::New(k),
            } if c.track == track => Some(p.new_buses[*k].name.to_string()),
            _ => None,
        })
    };
    let wrong: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(i, (_, want))| filed[*i] != Some(*want))
        .map(|(i, (name, want))| {
            format!(
                "{name:?}: filed {:?} (bus {:?}), an engineer files it {want}",
                filed[i],
                bus_of(i)
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A return inside the session's FX folder that holds a reverb is an effect return, whatever
/// source it serves: the engineer colours it with the other returns.
///
/// `jonch070__Song_with_Sends.RPP`: folder "FX Busses" holds three returns, "Drumverb" (PSP
/// EasyVerb), "Basement" (MasterVerb) and "Vox" (MasterVerb, fed by "Vox Mix"). premix coloured
/// "Drumverb" and "Basement" as FX but "Vox" purple, as the lead vocal: in the mixer the vocal
/// reverb looked like a vocal track. The convention itself files "Vox Delay" (a return named for
/// its effect) as FX; `../shared/names/families.tsv` labels this "Vox" fx.
#[test]
fn a_reverb_return_in_the_fx_folder_is_coloured_as_fx() {
    let Some(rpp) = corpus_file("rpp/jonch070__Song_with_Sends.RPP") else {
        return;
    };
    let inspect = inspect_json(&rpp);
    let vox = track_index(&inspect, "Vox");
    let basement = track_index(&inspect, "Basement");
    let t = &inspect["tracks"][vox as usize - 1];
    assert_eq!(t["kind"], "return");
    assert_eq!(t["plugins"][0], "DX: VST MasterVerb");
    assert_eq!(
        inspect["tracks"][t["parent"].as_u64().unwrap() as usize - 1]["name"],
        "FX Busses"
    );

    let project = check_json(&rpp);
    assert_eq!(recolour_to(&project, basement).as_deref(), Some(FX));
    assert_eq!(
        recolour_to(&project, vox).as_deref(),
        Some(FX),
        "the \"Vox\" reverb return in \"FX Busses\" is coloured {:?}, not FX like \"Basement\" \
         beside it with the same reverb",
        recolour_to(&project, vox)
    );
}

/// When premix itself reads a folder as the drum group, the folder is coloured as drums, like
/// the tracks in it.
///
/// `jonch070__Song_with_Sends.RPP`: folder "Percussion" holds "Kick Sansom", "Snare Sansom"
/// and "Perc Ohead B5". premix declines a DRUMS bus inside it because "the folder already
/// groups them" and colours the three tracks drums red; it coloured the folder percussion
/// orange (reusing it as bus PERC by name): an orange percussion group around red drum tracks,
/// and no track of the session is percussion.
#[test]
fn a_folder_read_as_the_drum_group_is_coloured_as_drums() {
    let Some(rpp) = corpus_file("rpp/jonch070__Song_with_Sends.RPP") else {
        return;
    };
    let inspect = inspect_json(&rpp);
    let folder = track_index(&inspect, "Percussion");
    let project = check_json(&rpp);
    let declined_drums = project["findings"].as_array().unwrap().iter().any(|f| {
        f["track"] == folder
            && f["message"]
                .as_str()
                .unwrap()
                .contains("the folder already groups them")
    });
    assert!(
        declined_drums,
        "premix reads \"Percussion\" as the drum group"
    );
    let inside: Vec<Option<String>> = inspect["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["parent"] == folder)
        .map(|t| recolour_to(&project, t["index"].as_u64().unwrap()))
        .collect();
    assert!(inside.iter().all(|c| c.as_deref() == Some(DRUMS)));
    assert_eq!(
        recolour_to(&project, folder).as_deref(),
        Some(DRUMS),
        "folder \"Percussion\" (kick, snare, overhead: the drum group by premix's own note) is \
         coloured {:?} while its tracks are coloured drums",
        recolour_to(&project, folder)
    );
}

/// A note that says a folder is kept as it is holds for every track in it, and names the rule
/// that asked, as every declined change does. (It said its tracks were "coloured and renamed
/// in place"; now that the folder does not move and its tracks stay inside it, in place or in
/// a bus made inside it.)
///
/// `jonch070__CRB_EXPORT_Template_1.RPP`: the note on "Percussion [pitched]" said its tracks
/// stay, coloured and renamed in place; the plan then moves "Harpsichord", "Clavinet",
/// "Harmonium", "Piano" and "Organ" into a new KEYS bus inside it. `jonch070__LS_Template_01.RPP`
/// the same: "JK Music" is "kept as it is" while three "Sine 03 Battle" tracks go into a new
/// SYNTHS bus inside it. The engineer reading `check` was told the opposite of what `apply` does.
#[test]
fn a_kept_folder_note_holds_for_every_track_in_the_folder() {
    let mut wrong = Vec::new();
    let mut no_rule = Vec::new();
    for rel in [
        "rpp/jonch070__CRB_EXPORT_Template_1.RPP",
        "rpp/jonch070__LS_Template_01.RPP",
    ] {
        let Some(rpp) = corpus_file(rel) else {
            return;
        };
        let inspect = inspect_json(&rpp);
        let project = check_json(&rpp);
        for f in project["findings"].as_array().unwrap() {
            let message = f["message"].as_str().unwrap();
            if !message.starts_with("folder kept as it is") {
                continue;
            }
            if f["origin"].is_null() {
                no_rule.push(format!("{rel}: {:?}: {message}", f["track_name"]));
            }
            // The note says the folder does not move into a bus and its tracks stay inside
            // it (in place, or in a bus made inside it): nothing in it leaves it.
            // A note said of several folders alike is one finding naming them all.
            for entry in f["tracks"].as_array().unwrap() {
                let folder = &entry["track"];
                for c in project["changes"].as_array().unwrap() {
                    let track = c["track"].as_u64().unwrap() as usize;
                    let moves = c["action"] == "move_to_bus";
                    // A new bus is made in the folder its members sit in (tests/structure.rs).
                    let leaves = c["bus"]["track"].as_u64().is_some_and(|bus| {
                        inspect["tracks"][bus as usize - 1]["parent"] != *folder
                    });
                    if moves
                        && (c["track"] == *folder
                            || (inspect["tracks"][track - 1]["parent"] == *folder && leaves))
                    {
                        wrong.push(format!(
                            "{rel}: {:?} said kept, but {:?} goes {}",
                            entry["track_name"], c["track_name"], c["description"]
                        ));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty() && no_rule.is_empty(),
        "notes contradicted by the plan:\n{}\nnotes naming no rule:\n{}",
        wrong.join("\n"),
        no_rule.join("\n")
    );
}

/// A scoring template whose only audio is the picture's guide tracks and temp music is still
/// a template: its empty instrument tracks wait for the score.
///
/// `jonch070__BTI_Reaper_Template_1_Unpopulated.RPP`: the only media sits in the "Movie"
/// folder ("Video", the editor's "Cut Track", the "DX" and "FX" guides, the muted "Temp MX"
/// folder and the composer's demos in "JK", which `families.tsv` labels reference). premix
/// counted it as material, so 54 orchestral, choir, band and synth tracks were flagged
/// `unused (no_media)` and greyed, wiping the section colours the template (and premix's own
/// family colours on their folders) gives them. The README: "a template's empty tracks are
/// waiting for it", and a session utility's media "is not material" (the 2-pop case); guide
/// audio inside the "Movie" folder and temp music are the same kind of media.
#[test]
fn a_scoring_template_with_only_picture_guides_and_temp_music_stays_a_template() {
    let Some(rpp) = corpus_file("rpp/jonch070__BTI_Reaper_Template_1_Unpopulated.RPP") else {
        return;
    };
    let inspect = inspect_json(&rpp);
    let tracks = inspect["tracks"].as_array().unwrap();
    // Every track with media is inside "Movie" (index 1), directly or through a folder.
    let inside_movie = |t: &Value| {
        let mut p = t["parent"].as_u64();
        while let Some(i) = p {
            if i == 1 {
                return true;
            }
            p = tracks[i as usize - 1]["parent"].as_u64();
        }
        false
    };
    assert_eq!(tracks[0]["name"], "Movie");
    assert!(
        tracks
            .iter()
            .filter(|t| t["media"].as_u64().unwrap() > 0)
            .all(inside_movie)
    );
    let project = check_json(&rpp);
    let flagged: Vec<&str> = project["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["message"] == "unused (no_media)")
        .map(|f| f["track_name"].as_str().unwrap())
        .collect();
    assert!(
        flagged.is_empty(),
        "{} empty template tracks greyed as unused (no_media), e.g. {:?}",
        flagged.len(),
        &flagged[..flagged.len().min(8)]
    );
}
