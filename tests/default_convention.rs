//! The embedded default convention (`rules/default.yaml`): its families, colours and buses,
//! how it files the names engineers write (the cases of issue #13 and names it was not built
//! from), which existing buses it reuses, and that its renames are few and settle.

use premix::formats::als::palette;
use premix::plan::Action;
use premix::rules::{Names, RuleSet, families, plan};
use premix::session::{Format, Rgb, Session, Track, TrackKind};

mod common;

const FAMILIES: [&str; 12] = [
    "drums",
    "percussion",
    "bass",
    "guitars",
    "keys",
    "synths",
    "strings",
    "brass",
    "woodwinds",
    "vocals",
    "fx",
    "reference",
];

/// (name, kind, parent index, media count) to a session.
fn session(spec: &[(&str, TrackKind, Option<usize>, usize)]) -> Session {
    Session::new(
        Format::Rpp,
        spec.iter()
            .enumerate()
            .map(|(index, &(name, kind, parent, media))| Track {
                parent,
                media_count: media,
                ..Track::new(index, name, kind)
            })
            .collect(),
    )
}

/// How the default files each of `names`, each an audio track with media at the top level.
fn filed(names: &[&str]) -> Vec<(String, Option<String>)> {
    let rules = RuleSet::default_rules();
    let spec: Vec<_> = names
        .iter()
        .map(|n| (*n, TrackKind::Audio, None, 1))
        .collect();
    let s = session(&spec);
    families(&rules, &s)
        .into_iter()
        .zip(names)
        .map(|(f, n)| (n.to_string(), f.map(str::to_string)))
        .collect()
}

/// Asserts every name of `cases` is filed under its family (`None`: under none).
fn assert_filed(cases: &[(&str, Option<&str>)]) {
    let names: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let got = filed(&names);
    let wrong: Vec<String> = got
        .iter()
        .zip(cases)
        .filter(|((_, f), (_, want))| f.as_deref() != *want)
        .map(|((n, f), (_, want))| format!("{n:?}: filed {f:?}, wanted {want:?}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_family_has_its_own_colour_and_every_instrument_family_a_bus() {
    let rules = RuleSet::default_rules();
    for family in FAMILIES.iter().chain(&["unused"]) {
        assert!(rules.colors.contains_key(*family), "no colour `{family}`");
    }
    let mut rgbs: Vec<Rgb> = rules.colors.values().copied().collect();
    rgbs.sort_by_key(|c| (c.r, c.g, c.b));
    rgbs.dedup();
    assert_eq!(
        rgbs.len(),
        rules.colors.len(),
        "two families share a colour"
    );
    for family in &FAMILIES[..10] {
        let color = rules.colors[*family];
        assert!(
            rules.buses.iter().any(|b| b.color == Some(color)),
            "no bus in the colour of `{family}`"
        );
    }
    let names: Vec<&str> = rules.buses.iter().map(|b| b.name.as_str()).collect();
    for new in ["STRINGS", "BRASS", "WOODWINDS"] {
        assert!(names.contains(&new), "{names:?}");
    }
}

#[test]
fn no_two_families_snap_to_the_same_live_palette_entry() {
    // Live stores a palette index (Ardour and REAPER store the RGB itself): the unused grey
    // and the FX grey used to land on one entry, so returns and dead tracks looked alike.
    let rules = RuleSet::default_rules();
    let mut seen: Vec<(usize, &str)> = Vec::new();
    for (name, rgb) in &rules.colors {
        let entry = palette::nearest(*rgb);
        if let Some((_, other)) = seen.iter().find(|(e, _)| *e == entry) {
            panic!("`{name}` and `{other}` both snap to Live palette entry {entry}");
        }
        seen.push((entry, name));
    }
}

#[test]
fn names_are_read_as_engineers_write_them() {
    assert_filed(&[
        ("Kick_In", Some("drums")),
        ("KickIn", Some("drums")),
        ("OH_L", Some("drums")),
        ("Hi Hat", Some("drums")),
        ("Top Snare", Some("drums")),
        ("snr2", Some("drums")),
        ("kick sparkle", Some("drums")),
        ("2-Drum Rack", Some("drums")),
        ("4-MicroTonicVST", Some("drums")),
        ("Bass_DI", Some("bass")),
        ("vox_pulses01", Some("vocals")),
        ("12-Zebra2", Some("synths")),
    ]);
}

#[test]
fn multi_word_instrument_names_beat_single_words() {
    assert_filed(&[
        ("Electric Piano", Some("keys")),
        ("Elec Piano", Some("keys")),
        ("Acoustic Bass", Some("bass")),
        ("Upright Bass", Some("bass")),
        ("Double Bass", Some("bass")),
        ("Bass Drum", Some("drums")),
        ("Sub Kick", Some("drums")),
        ("808 Kick", Some("drums")),
        ("808", Some("bass")),
        ("Contrabass", Some("strings")),
        ("Contrabassoon", Some("woodwinds")),
        ("Bass Clarinet", Some("woodwinds")),
        ("Bass Trombone", Some("brass")),
        ("English Horn", Some("woodwinds")),
        ("French Horn", Some("brass")),
        ("Bass Voice", Some("vocals")),
        ("Synth Strings", Some("synths")),
        ("Room Tone", None),
        ("Room", Some("drums")),
    ]);
}

#[test]
fn names_it_was_not_built_from() {
    // Common spellings from studio sessions and orchestral templates, none of them in
    // families.tsv.
    assert_filed(&[
        ("Kick Out", Some("drums")),
        ("K Sub", Some("drums")),
        ("KD", Some("drums")),
        ("Sn T", Some("drums")),
        ("OHH", Some("drums")),
        ("Rm St", Some("drums")),
        ("Rev Cym", Some("drums")),
        ("CLP", Some("percussion")),
        ("Bs DI", Some("bass")),
        ("SVT Mic", Some("bass")),
        ("Elec1-Ch", Some("guitars")),
        ("Syn-H", Some("synths")),
        ("PLK 2", Some("synths")),
        ("LV-D", Some("vocals")),
        ("SnareBottom", Some("drums")),
        ("Snare_Top", Some("drums")),
        ("Tom_Floor", Some("drums")),
        ("Overheads", Some("drums")),
        ("Ride", Some("drums")),
        ("Shaker 2", Some("percussion")),
        ("Congas", Some("percussion")),
        ("Tambourine", Some("percussion")),
        ("Bass Amp", Some("bass")),
        ("BassDI", Some("bass")),
        ("Sub Bass", Some("bass")),
        ("Gtr_DI", Some("guitars")),
        ("AcGtr L", Some("guitars")),
        ("Lead_Gtr", Some("guitars")),
        ("Wurli", Some("keys")),
        ("Pno L", Some("keys")),
        ("Hammond B3", Some("keys")),
        ("Serum Lead", Some("synths")),
        ("Sylenth Pad", Some("synths")),
        ("Arp 2", Some("synths")),
        ("Vln 1", Some("strings")),
        ("Violas Long", Some("strings")),
        ("Celli Spiccato", Some("strings")),
        ("Tpt 1", Some("brass")),
        ("Horns", Some("brass")),
        ("Flute 1", Some("woodwinds")),
        ("Clarinet in Bb", Some("woodwinds")),
        ("Bari Sax", Some("woodwinds")),
        ("Lead Vox", Some("vocals")),
        ("BGV_01", Some("vocals")),
        ("Adlibs", Some("vocals")),
        ("Dbl Vox", Some("vocals")),
        ("Riser", Some("fx")),
        ("Whoosh 2", Some("fx")),
        ("Ref Mix v3", Some("reference")),
        ("Ref Vox", Some("reference")),
        ("Temp Vox", Some("vocals")),
        ("Temp", Some("reference")),
        ("Final Master", Some("reference")),
        ("Click", None),
        ("Talkback", None),
        ("Audio 7", None),
        ("Track 12", None),
    ]);
}

#[test]
fn a_track_whose_name_says_nothing_takes_its_folders_family() {
    let rules = RuleSet::default_rules();
    let s = session(&[
        ("Bass", TrackKind::Bus, None, 0),
        ("Amp direct", TrackKind::Audio, Some(0), 1),
        ("Audio 3", TrackKind::Audio, Some(0), 1),
        ("Group 1", TrackKind::Bus, None, 0),
        ("Amp direct", TrackKind::Audio, Some(3), 1),
        ("Solo Strings", TrackKind::Bus, None, 0),
        ("Contrabass", TrackKind::Audio, Some(5), 0),
        ("Skins", TrackKind::Bus, None, 0),
        ("Bass Drums", TrackKind::Audio, Some(7), 0),
        ("Voices", TrackKind::Bus, None, 0),
        ("Bass", TrackKind::Audio, Some(9), 0),
        ("Drms", TrackKind::Bus, None, 0),
        ("A-Reverb", TrackKind::Return, None, 0),
        ("B-Delay", TrackKind::Return, None, 0),
        ("A-Return", TrackKind::Return, None, 0),
    ]);
    let filed = families(&rules, &s);
    assert_eq!(
        filed,
        [
            Some("bass"),       // an existing bus a declaration reuses takes its colour
            Some("bass"),       // "Amp direct" inside "Bass"
            None,               // a DAW default name says nothing, even inside "Bass"
            None,               // a folder whose name says nothing is left alone
            None,               // ... and so is what it holds
            Some("strings"),    // "Solo Strings" is a strings folder
            Some("strings"),    // Contrabass is strings
            Some("percussion"), // "Skins" names orchestral percussion
            Some("percussion"), // a kit piece in an orchestral section
            Some("vocals"),     // "Voices" is the vocals bus (an alias)
            Some("vocals"),     // a voice part inside a choir folder
            Some("drums"),      // "Drms" is the drums bus (an alias)
            Some("fx"),
            Some("fx"),
            None, // Live's default return name says nothing
        ]
    );
}

#[test]
fn existing_buses_are_found_by_what_engineers_call_them() {
    let rules = RuleSet::default_rules();
    let s = session(&[
        ("BGVs", TrackKind::Bus, None, 0),
        ("BV 1", TrackKind::Audio, Some(0), 1),
        ("Drms", TrackKind::Bus, None, 0),
        ("snr2", TrackKind::Audio, Some(2), 1),
        ("Gtrs", TrackKind::Bus, None, 0),
        ("Gtr L", TrackKind::Audio, Some(4), 1),
        ("Vox", TrackKind::Bus, None, 0),
        ("Lead Vox", TrackKind::Audio, Some(6), 1),
        ("Kick In", TrackKind::Audio, None, 1),
        ("Drum Bus", TrackKind::Return, None, 0),
    ]);
    let reused = rules.existing_buses(&s, &Names::of(&s));
    let by_name = |bus: &str| {
        let d = rules.buses.iter().position(|b| b.name == bus).unwrap();
        reused[d].map(|t| s.tracks[t].name.as_str())
    };
    assert_eq!(by_name("DRUMS"), Some("Drms"));
    assert_eq!(by_name("GUITARS"), Some("Gtrs"));
    // "Vox" is the vocals bus; a backing-vocal group is part of it, not it.
    assert_eq!(by_name("VOCALS"), Some("Vox"));
    assert_eq!(by_name("KEYS"), None);
    // The kick outside joins the existing drums bus: no second one is made.
    let p = plan(&rules, &s);
    assert!(
        p.new_buses.iter().all(|b| b.name != "DRUMS"),
        "{:?}",
        p.new_buses
    );
}

#[test]
fn renames_touch_only_a_lower_case_or_abbreviated_first_word_and_settle() {
    let rules = RuleSet::default_rules();
    let names = [
        "kick in", "KICK OUT", "Kick_In", "KickIn", "snr btm", "snr2", "HH", "hihat", "bass amp",
        "BASS", "Bass_DI", "2-kick", "BD", "Hats", "Kicks",
    ];
    let spec: Vec<_> = names
        .iter()
        .map(|n| (*n, TrackKind::Audio, None, 1))
        .collect();
    let s = session(&spec);
    let first = plan(&rules, &s);
    let renamed: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            first
                .changes
                .iter()
                .find_map(|c| match &c.action {
                    Action::Rename { to } if c.track == i => Some(to.to_string()),
                    _ => None,
                })
                .unwrap_or_else(|| name.to_string())
        })
        .collect();
    assert_eq!(
        renamed,
        [
            "Kick in",
            "KICK OUT",
            "Kick_In",
            "KickIn",
            "Snare btm",
            "Snare2",
            "Hi-Hat",
            "Hi-Hat",
            "Bass amp",
            "BASS",
            "Bass_DI",
            "2-kick",
            "BD",
            "Hats",
            "Kicks",
        ]
    );
    // Run again on the result: nothing more to do.
    let again = first.predict(&s);
    let second = plan(&rules, &again);
    assert!(!second.edits_file(), "{:?}", second.changes);
}

/// A session's utilities (a click, a tempo map, the picture, a sync pop) are never unused, and
/// a project whose only media they hold is a template: nothing in it is greyed out.
#[test]
fn a_template_with_only_a_sync_pop_is_a_template_and_utilities_are_never_unused() {
    let rules = RuleSet::default_rules();
    let flagged = |s: &Session| -> Vec<String> {
        plan(&rules, s)
            .flags()
            .map(|c| s.tracks[c.track].name.to_string())
            .collect()
    };
    let template = session(&[
        ("2 Beep", TrackKind::Audio, None, 1),
        ("Tempo Map", TrackKind::Audio, None, 0),
        ("Video", TrackKind::Audio, None, 0),
        ("Dialogue", TrackKind::Audio, None, 0),
        ("Temp Score", TrackKind::Audio, None, 0),
    ]);
    assert!(flagged(&template).is_empty(), "{:?}", flagged(&template));
    let mut session_with_material = template.clone();
    session_with_material.tracks[3].media_count = 2;
    session_with_material
        .tracks
        .push(Track::new(5, "Click", TrackKind::Audio));
    assert_eq!(flagged(&session_with_material), ["Temp Score"]);

    // jonch070's film template: its one item is a 2-beep sync pop; the tempo map, video,
    // dialogue and temp tracks are waiting for material.
    let Some(dir) = common::corpus("rpp") else {
        return;
    };
    let path = dir.join("jonch070__Film_Template_1.2.RPP");
    let bytes = std::fs::read(&path).unwrap();
    let film = premix::formats::open(Format::Rpp, &bytes)
        .unwrap()
        .into_session();
    assert_eq!(film.tracks.iter().filter(|t| t.media_count > 0).count(), 1);
    assert!(flagged(&film).is_empty(), "{:?}", flagged(&film));
}

/// A kit piece's name is read in its context: a "Snare" beside the timpani with no drum kit
/// around is orchestral percussion; beside a kick and overheads it is the kit's.
#[test]
fn a_kit_piece_beside_the_timpani_and_no_kit_is_orchestral_percussion() {
    let rules = RuleSet::default_rules();
    let family = |names: &[&str]| -> String {
        let spec: Vec<_> = names
            .iter()
            .map(|n| (*n, TrackKind::Audio, None, 1))
            .collect();
        families(&rules, &session(&spec))[0]
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert_eq!(family(&["Snare", "Timpani", "Violine I"]), "percussion");
    assert_eq!(family(&["Cymbals", "Pauken", "Harfe"]), "percussion");
    assert_eq!(family(&["Snare", "Timpani", "Kick", "OH L"]), "drums");
    assert_eq!(family(&["Snare", "Bass", "Gtr"]), "drums");
    // Neighbours are the tracks of the same folder: timpani elsewhere say nothing.
    let s = session(&[
        ("Orchestra", TrackKind::Bus, None, 0),
        ("Timpani", TrackKind::Audio, Some(0), 1),
        ("Band", TrackKind::Bus, None, 0),
        ("Snare", TrackKind::Audio, Some(2), 1),
        ("Guitar", TrackKind::Audio, Some(2), 1),
    ]);
    assert_eq!(families(&rules, &s)[3], Some("drums"));

    // Ofenroehr's orchestral session (Ardour 5, flat): its Snare sits with Timpani and
    // Basstrommel, and goes into one PERC bus with them.
    let Some(dir) = common::corpus("ardour") else {
        return;
    };
    let bytes = std::fs::read(dir.join("ofenroehr__Ofenroehr-7002.ardour")).unwrap();
    let s = premix::formats::open(Format::Ardour, &bytes)
        .unwrap()
        .into_session();
    let p = plan(&rules, &s);
    let into_perc: Vec<&str> = p
        .changes
        .iter()
        .filter(|c| match c.action {
            Action::MoveToBus {
                bus: premix::plan::BusRef::New(k),
            } => p.new_buses[k].name == "PERC",
            _ => false,
        })
        .map(|c| &*s.tracks[c.track].name)
        .collect();
    assert_eq!(into_perc, ["Snare", "Timpani", "Basstrommel"]);
}
