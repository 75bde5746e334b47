//! Property: any rule set, on any corpus project, gives output that reads back, keeps the
//! format's invariants, and that a second run leaves alone.
//!
//! Rule sets are random in every dimension except rename templates: renames can be
//! non-idempotent by their own logic (rename `a` to `b` and `b` to `a`), which no tool can
//! fix; the default rules' renames are covered by the corpus tests instead. Random rules can
//! still contradict themselves (`inside: 'e'` sending a track out of the bus named `BETA` it
//! sends it to): premix then says so (`Plan::unsettled`, with a note), and only then may a
//! second run change more.

mod common;

use premix::formats::Project;
use premix::formats::rpp::RppProject;
use premix::pipeline::process;
use premix::rules;
use premix::session::Format;
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

const WORDS: [&str; 12] = [
    "kick", "snare", "vox", "bass", "gtr", "a", "e", "[0-9]", "^t", "drum", "room", "synth",
];
const KINDS: [&str; 5] = ["audio", "midi", "bus", "return", "any"];
const BUSES: [&str; 3] = ["ALPHA", "BETA", "GAMMA"];

fn condition() -> impl Strategy<Value = String> {
    let word = || prop::option::of(prop::sample::select(&WORDS[..]));
    (
        word(),
        prop::option::of(prop::sample::select(&KINDS[..])),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        word(),
        word(),
    )
        .prop_map(|(name, kind, empty, muted, inside, media)| {
            let mut keys = Vec::new();
            if let Some(w) = name {
                keys.push(format!("name: '{w}'"));
            }
            if let Some(k) = kind {
                keys.push(format!("kind: {k}"));
            }
            if let Some(b) = empty {
                keys.push(format!("empty: {b}"));
            }
            if let Some(b) = muted {
                keys.push(format!("muted: {b}"));
            }
            if let Some(w) = inside {
                keys.push(format!("inside: '{w}'"));
            }
            if let Some(w) = media {
                keys.push(format!("media: '{w}'"));
            }
            keys.join(", ")
        })
        .prop_flat_map(|joined| {
            prop_oneof![
                Just(format!("{{{joined}}}")),
                Just(format!("{{not: {{{joined}}}}}")),
                Just(format!("{{any: [{{{joined}}}, {{name: 'x'}}]}}")),
            ]
        })
}

fn rule() -> impl Strategy<Value = String> {
    (
        condition(),
        prop::option::of(any::<[u8; 3]>()),
        prop::option::of(prop::sample::select(&BUSES[..])),
        any::<bool>(),
    )
        .prop_map(|(cond, color, bus, cont)| {
            let mut r = format!("  - match: {cond}\n");
            if let Some([r0, g, b]) = color {
                r.push_str(&format!("    color: '#{r0:02x}{g:02x}{b:02x}'\n"));
            }
            if let Some(bus) = bus {
                r.push_str(&format!("    bus: {bus}\n"));
            }
            if cont {
                r.push_str("    continue: true\n");
            }
            r
        })
}

fn rule_set() -> impl Strategy<Value = String> {
    let unused = prop_oneof![
        Just(String::new()),
        Just("unused: {when: [no_media], action: flag}\n".to_string()),
        Just(
            "unused: {when: [no_media, all_media_muted], action: color, color: '#555555'}\n"
                .to_string()
        ),
        Just("unused: {when: [no_media], action: prefix, prefix: 'zz '}\n".to_string()),
        Just("unused: {when: [all_media_muted, muted], action: mute}\n".to_string()),
        Just("unused: {when: [no_media], action: bus, bus: GAMMA}\n".to_string()),
        Just("unused: {when: [no_media], action: remove}\n".to_string()),
    ];
    (prop::collection::vec(rule(), 0..6), unused).prop_map(|(rules, unused)| {
        format!(
            "version: 1\nbuses: [{{name: ALPHA, color: '#ff0000'}}, {{name: BETA}}, {{name: GAMMA, color: '#00ff00'}}]\nrules:\n{}{unused}",
            if rules.is_empty() { "  []\n".to_string() } else { rules.concat() }
        )
    })
}

fn projects() -> &'static Vec<(PathBuf, Format, Vec<u8>)> {
    static ALL: OnceLock<Vec<(PathBuf, Format, Vec<u8>)>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all = Vec::new();
        for (sub, ext, format) in [
            ("rpp", "rpp", Format::Rpp),
            ("ardour", "ardour", Format::Ardour),
        ] {
            for path in common::corpus_files(sub, &[ext]) {
                let bytes = std::fs::read(&path).unwrap();
                if bytes.len() < 400_000 {
                    all.push((path, format, bytes));
                }
            }
        }
        all.push((
            common::sample("reaper/messy-session.rpp"),
            Format::Rpp,
            std::fs::read(common::sample("reaper/messy-session.rpp")).unwrap(),
        ));
        all
    })
}

/// Structural invariants of a REAPER file that the pipeline's own check does not cover.
fn rpp_invariants(bytes: &[u8]) -> Result<(), String> {
    let project = RppProject::read(bytes).map_err(|e| e.to_string())?;
    let n = project.document().tracks.len();
    for (i, t) in project.document().tracks.iter().enumerate() {
        for r in &t.receives {
            if r.source.value >= n {
                return Err(format!(
                    "track {i} receives from track {} of {n}",
                    r.source.value
                ));
            }
        }
    }
    let depth: i64 = project
        .document()
        .tracks
        .iter()
        .map(|t| t.folder.as_ref().map_or(0, |f| f.delta as i64))
        .sum();
    if depth > 0 && project.session().tracks.iter().all(|t| t.parent.is_none()) {
        return Err("folder depth does not return to zero".into());
    }
    Ok(())
}

/// Live's invariants after a write: ids, pointees, groups, and no clip lost or gained.
fn als_invariants(input: &[u8], output: &[u8]) -> Result<(), String> {
    use premix::formats::als::{container, invariants};
    let limits = premix::limits::Limits::default();
    let xml_in = container::decode(input, &limits)
        .map_err(|e| e.to_string())?
        .1;
    let xml_out = container::decode(output, &limits)
        .map_err(|e| e.to_string())?
        .1;
    if invariants::check_invariants(&xml_in).is_ok() {
        invariants::check_invariants(&xml_out)?;
    }
    let (before, after) = (
        invariants::clip_count(&xml_in)?,
        invariants::clip_count(&xml_out)?,
    );
    if before != after {
        return Err(format!("{before} clips became {after}"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_rule_set_gives_valid_stable_output(text in rule_set(), pick in any::<prop::sample::Index>()) {
        let rules = rules::load(&text, "random.yaml").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (path, format, bytes) = pick.get(projects());
        let first = process(*format, bytes, &rules, true)
            .map_err(|e| TestCaseError::fail(format!("{}: {e}\n{text}", path.display())))?;
        let output = first.output.unwrap();
        if *format == Format::Rpp {
            rpp_invariants(&output).map_err(|e| TestCaseError::fail(format!("{}: {e}", path.display())))?;
        }
        if *format == Format::Als {
            als_invariants(bytes, &output)
                .map_err(|e| TestCaseError::fail(format!("{}: {e}\n{text}", path.display())))?;
        }
        let second = process(*format, &output, &rules, true)
            .map_err(|e| TestCaseError::fail(format!("{}: rereading: {e}", path.display())))?;
        prop_assert!(
            first.plan.unsettled || !second.plan.edits_file(),
            "{}: second run wants {:?}\n{}",
            path.display(),
            second.plan.changes.iter().filter(|c| c.edits_file()).collect::<Vec<_>>(),
            text
        );
    }
}
