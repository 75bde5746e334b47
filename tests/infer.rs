//! `premix rules infer` (issue #20): a studio's convention learned from tidy projects.
//!
//! On the shared corpus, each family of projects by one source (`MANIFEST.tsv`'s repository,
//! at least 3 projects premix reads: `jonch070__*`, `ultraschall__*`, `rppp__*`, ...), and on
//! one studio's four projects in four DAWs (the samples, tidied with a studio's rules):
//! - on the projects it was learned from, the learned file changes nothing for at least 95%
//!   of the tracks it has a rule for (the others are printed), and `premix check` agrees;
//! - leave-one-out: learned from all but one project, applied to the held-out one taken
//!   apart (no colours, no buses), the share of its audio and MIDI tracks that get the colour
//!   and bus their author gave them, printed per family beside what the default convention
//!   alone gets;
//! - the file passes `premix rules check`, applying it twice changes nothing the second time,
//!   and the same projects in another order give the same bytes.
//!
//! The corpus checks need `../shared/corpus`; without it they say so and check nothing.

mod common;

use assert_cmd::Command;
use premix::formats;
use premix::rules::RuleSet;
use premix::rules::infer::{self, Evidence, Extends, fit};
use premix::session::Format;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn premix() -> Command {
    Command::cargo_bin("premix").unwrap()
}

/// A project as the learner reads it, or `None` when premix refuses it (Bitwig's pre-1.0
/// prototypes).
fn evidence(path: &Path) -> Option<Evidence> {
    let format = formats::format_for_path(path)?;
    let bytes = fs::read(path).ok()?;
    let project = formats::open(format, &bytes).ok()?;
    let colours = project.colour_space();
    Some(Evidence {
        name: path.display().to_string(),
        session: project.into_session(),
        colours,
    })
}

/// Projects premix reads, grouped by the repository they come from (`MANIFEST.tsv`), in
/// groups of at least three, read once for all the tests of this file.
fn families() -> &'static [(String, Vec<Evidence>)] {
    static FAMILIES: std::sync::OnceLock<Vec<(String, Vec<Evidence>)>> = std::sync::OnceLock::new();
    FAMILIES.get_or_init(|| {
        let Some(root) = common::corpus("") else {
            return Vec::new();
        };
        let manifest = fs::read_to_string(root.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
        let mut groups: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        for line in manifest.lines().skip(1) {
            let fields: Vec<&str> = line.split('\t').collect();
            let [format, file, repo, ..] = fields[..] else {
                continue;
            };
            let path = root.join(format).join(file);
            if !path.is_file() || formats::format_for_path(&path).is_none() {
                continue;
            }
            groups.entry(repo.to_string()).or_default().push(path);
        }
        groups
            .into_iter()
            .filter_map(|(repo, mut paths)| {
                paths.sort();
                let projects: Vec<Evidence> = paths.iter().filter_map(|p| evidence(p)).collect();
                (projects.len() >= 3).then_some((repo, projects))
            })
            .collect()
    })
}

/// Every project of the corpus premix reads.
fn whole_corpus() -> &'static [Evidence] {
    static ALL: std::sync::OnceLock<Vec<Evidence>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let Some(root) = common::corpus("") else {
            return Vec::new();
        };
        let mut paths = Vec::new();
        for sub in ["rpp", "als", "ardour", "dawproject"] {
            for entry in fs::read_dir(root.join(sub)).into_iter().flatten().flatten() {
                paths.push(entry.path());
            }
        }
        paths.sort();
        paths.iter().filter_map(|p| evidence(p)).collect()
    })
}

fn paths_of(projects: &[Evidence]) -> Vec<PathBuf> {
    projects.iter().map(|p| PathBuf::from(&p.name)).collect()
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * n as f64 / of as f64)
    }
}

#[test]
fn on_its_training_projects_a_learned_file_changes_nothing_for_95_percent_of_its_tracks() {
    let families = families();
    if families.is_empty() {
        return;
    }
    let whole = [("the whole corpus".to_string(), whole_corpus().to_vec())];
    let wrapped = regex::Regex::new(r"\n# +").unwrap();
    let mut failures = Vec::new();
    for (family, projects) in families.iter().chain(&whole) {
        for extends in [Extends::Default, Extends::Nothing] {
            let learned = match infer::infer(projects, extends) {
                Ok(l) => l,
                // Every project of the family holds no readable colour (Live 8/9.0 sets).
                Err(infer::InferError::NoProject(skipped)) => {
                    assert_eq!(skipped.len(), projects.len(), "{family}");
                    println!("{family}: no project with readable track colours");
                    continue;
                }
                Err(e) => panic!("{family}: {e}"),
            };
            let fit = &learned.fit;
            println!(
                "{family} ({extends:?}): unchanged {} of {} tracks with a rule ({})",
                fit.unchanged,
                fit.covered,
                pct(fit.unchanged, fit.covered)
            );
            for c in &fit.changed {
                println!(
                    "    {}: track {} {:?}: {}",
                    c.project, c.track, c.name, c.what
                );
            }
            // The file lists the same tracks (its comments joined again where they wrap).
            let joined = wrapped.replace_all(&learned.text, " ");
            for c in &fit.changed {
                assert!(
                    joined.contains(&format!(
                        "{}: track {} {:?}: {}",
                        c.project, c.track, c.name, c.what
                    )),
                    "{family}: {c:?} not listed"
                );
            }
            if fit.share() < 0.95 {
                failures.push(format!("{family} ({extends:?}): {:.3}", fit.share()));
            }
        }
    }
    assert!(failures.is_empty(), "below 95%: {failures:?}");
}

#[test]
fn leave_one_out_per_family_of_projects() {
    let sets = families();
    if sets.is_empty() {
        return;
    }
    let default = RuleSet::default_rules();
    println!(
        "{:<42} {:>8} {:>6}   {:<23} {:<23} {:<23}",
        "family of projects (held out)",
        "projects",
        "tracks",
        "learned, extends default",
        "learned, stands alone",
        "default convention"
    );
    println!(
        "{:<42} {:>8} {:>6}   {}",
        "",
        "",
        "",
        "colour / bus / both    ".repeat(3)
    );
    for (family, projects) in sets {
        let (over_default, folds) = fit::leave_one_out(projects, Extends::Default);
        let (alone, folds_alone) = fit::leave_one_out(projects, Extends::Nothing);
        assert_eq!(folds, folds_alone, "{family}");
        let mut baseline = fit::HeldOut::default();
        for p in projects {
            if !matches!(p.colours, premix::session::ColourSpace::Unreadable) {
                baseline += fit::held_out(&default, p);
            }
        }
        let shares = |h: &fit::HeldOut| {
            format!(
                "{:>6} {:>6} {:>6}   ",
                pct(h.colour, h.tracks),
                pct(h.bus, h.tracks),
                pct(h.both, h.tracks)
            )
        };
        println!(
            "{:<42} {:>8} {:>6}   {}{}{}",
            family,
            format!("{folds}/{}", projects.len()),
            over_default.tracks,
            shares(&over_default),
            shares(&alone),
            shares(&baseline),
        );
        for h in [over_default, alone] {
            assert!(h.colour <= h.tracks && h.bus <= h.tracks && h.both <= h.colour.min(h.bus));
        }
        // Every held-out project was scored: the learned figures cover the projects the
        // default's figure covers (those with readable colours), when there was something to
        // learn from.
        if folds > 0 {
            assert_eq!(over_default.tracks, baseline.tracks, "{family}");
        }
    }
}

/// The samples in four DAWs, tidied by one studio's rules (the default with its own drum and
/// vocal colours): `(folder holding them, the studio's rules file)`.
fn one_studio_in_four_daws(dir: &Path) -> PathBuf {
    let messy = dir.join("messy");
    fs::create_dir_all(&messy).unwrap();
    for (from, to) in [
        ("reaper/messy-session.rpp", "song.rpp"),
        ("als/messy-set.als", "song.als"),
        ("dawproject/messy-session.dawproject", "song.dawproject"),
    ] {
        fs::copy(common::sample(from), messy.join(to)).unwrap();
    }
    let ardour = messy.join("ardour");
    fs::create_dir_all(&ardour).unwrap();
    fs::copy(
        common::sample("ardour/messy-session/messy-session.ardour"),
        ardour.join("song.ardour"),
    )
    .unwrap();
    let rules = dir.join("studio.yaml");
    fs::write(
        &rules,
        "version: 1\nextends: default\ncolors:\n  drums: \"#e03030\"\n  vocals: \"#30a0e0\"\n",
    )
    .unwrap();
    let tidy = dir.join("tidy");
    premix()
        .args(["apply", "--quiet", "--rules"])
        .arg(&rules)
        .arg("--out")
        .arg(&tidy)
        .arg(&messy)
        .assert()
        .success();
    tidy
}

#[test]
fn one_studio_in_four_daws_agrees_on_its_colours_and_buses() {
    let dir = tempfile::tempdir().unwrap();
    let tidy = one_studio_in_four_daws(dir.path());
    let learned = dir.path().join("learned.yaml");
    premix()
        .args(["rules", "infer"])
        .arg(&tidy)
        .arg("-o")
        .arg(&learned)
        .assert()
        .success();
    let text = fs::read_to_string(&learned).unwrap();
    // The Live set shows its palette's nearest red and blue; the studio's exact colours win.
    assert!(text.contains("  drums: \"#e03030\"\n"), "{text}");
    assert!(text.contains("  vocals: \"#30a0e0\"\n"), "{text}");
    assert!(!text.contains("\"#fe3637\""), "{text}");
    // `rules check` counts the default it extends, and says how much is the file's own (what
    // `rules infer` said it learned).
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let own = yaml["rules"].as_sequence().unwrap().len();
    premix()
        .args(["rules", "check"])
        .arg(&learned)
        .assert()
        .success()
        .stdout(predicates::str::contains(format!(
            "; {own} rule{} and",
            if own == 1 { "" } else { "s" }
        )))
        .stdout(predicates::str::contains("its own, the rest extended"));
    // Nothing to change on the projects it was learned from.
    premix()
        .args(["check", "--rules"])
        .arg(&learned)
        .arg(&tidy)
        .assert()
        .code(0);

    let mut projects: Vec<Evidence> = Vec::new();
    for entry in walkdir::WalkDir::new(&tidy).sort_by_file_name() {
        let entry = entry.unwrap();
        if let Some(e) = evidence(entry.path()) {
            projects.push(e);
        }
    }
    let formats: Vec<Format> = projects.iter().map(|p| p.session.format).collect();
    assert_eq!(formats.len(), 4, "{formats:?}");
    for extends in [Extends::Default, Extends::Nothing] {
        let (h, folds) = fit::leave_one_out(&projects, extends);
        println!(
            "one studio, {extends:?}: {folds} held out, {} tracks: colour {}, bus {}, both {}",
            h.tracks,
            pct(h.colour, h.tracks),
            pct(h.bus, h.tracks),
            pct(h.both, h.tracks)
        );
        assert_eq!(folds, 4);
        assert!(h.colour * 10 >= h.tracks * 9, "{h:?}");
        assert!(h.bus * 10 >= h.tracks * 8, "{h:?}");
    }
    // The default convention alone, for scale: it knows none of the studio's colours.
    let default = RuleSet::default_rules();
    let mut baseline = fit::HeldOut::default();
    for p in &projects {
        baseline += fit::held_out(&default, p);
    }
    println!(
        "one studio, the default convention alone: {} tracks: colour {}, bus {}, both {}",
        baseline.tracks,
        pct(baseline.colour, baseline.tracks),
        pct(baseline.bus, baseline.tracks),
        pct(baseline.both, baseline.tracks)
    );
}

/// `premix check --json` on `paths` with `rules`: how many tracks it would change.
fn tracks_check_changes(rules: &Path, paths: &[PathBuf]) -> usize {
    let out = premix()
        .args(["check", "--json", "--fail-on", "never", "--rules"])
        .arg(rules)
        .args(paths)
        .output()
        .unwrap();
    assert!(out.status.code() == Some(0) || out.status.code() == Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let mut tracks: Vec<u64> = p["changes"]
                .as_array()
                .map(|c| c.iter().filter_map(|c| c["track"].as_u64()).collect())
                .unwrap_or_default();
            tracks.sort_unstable();
            tracks.dedup();
            tracks.len()
        })
        .sum()
}

#[test]
fn a_learned_file_checks_applies_idempotently_and_is_stable() {
    // Both files of two families in full; the whole corpus (every format, every project in
    // one file) with the default, without the slow write of every project.
    let mut runs: Vec<(&str, &[Evidence], &str, bool)> = Vec::new();
    for (family, projects) in families() {
        if family.starts_with("jonch070") || family.starts_with("Ardour") {
            runs.push((family, projects, "default", true));
            runs.push((family, projects, "none", true));
        }
    }
    if runs.is_empty() {
        return;
    }
    runs.push(("the whole corpus", whole_corpus(), "default", false));
    let dir = tempfile::tempdir().unwrap();
    for (k, (family, projects, extends, apply)) in runs.into_iter().enumerate() {
        let paths = paths_of(projects);
        let learned = dir.path().join(format!("{k}.yaml"));
        let run = premix()
            .args(["rules", "infer", "--extends", extends, "-o"])
            .arg(&learned)
            .args(&paths)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{family}: {run:?}");
        premix()
            .args(["rules", "check"])
            .arg(&learned)
            .assert()
            .success();

        // Stable: the same projects in another order give the same bytes.
        let mut reversed = paths.clone();
        reversed.reverse();
        let again = dir.path().join(format!("{k}-reversed.yaml"));
        premix()
            .args(["rules", "infer", "--extends", extends, "-o"])
            .arg(&again)
            .args(&reversed)
            .assert()
            .success();
        assert_eq!(
            fs::read(&learned).unwrap(),
            fs::read(&again).unwrap(),
            "{family}: reordered input, another file"
        );

        // `premix check` changes exactly the tracks the file lists (the file's own count
        // plans as `check` does), under 5% of those the rules cover.
        let text = fs::read_to_string(&learned).unwrap();
        let rules = premix::config::load_file(&learned).unwrap();
        let fit = fit::training_fit(&rules, projects);
        let changed = tracks_check_changes(&learned, &paths);
        println!(
            "{family} ({extends}): premix check changes {changed} tracks, the file lists {} of {} covered",
            fit.changed.len(),
            fit.covered
        );
        assert_eq!(changed, fit.changed.len(), "{family}");
        assert!(
            changed * 20 <= fit.covered,
            "{family}: {changed} of {}",
            fit.covered
        );
        assert!(text.contains(&format!("for {} of the {}", fit.unchanged, fit.covered)));

        // Idempotent: once applied, the rules find nothing more to change.
        if apply {
            let out = dir.path().join(format!("{k}-applied"));
            let apply = premix()
                .args(["apply", "--quiet", "--rules"])
                .arg(&learned)
                .arg("--out")
                .arg(&out)
                .args(&paths)
                .output()
                .unwrap();
            assert_eq!(apply.status.code(), Some(0), "{family}: {apply:?}");
            let second = premix()
                .args(["check", "--quiet", "--rules"])
                .arg(&learned)
                .arg(&out)
                .output()
                .unwrap();
            assert_eq!(
                second.status.code(),
                Some(0),
                "{family} ({extends}): a second run would change: {}",
                String::from_utf8_lossy(&second.stdout)
            );
        }
    }
}

#[test]
fn infer_reports_what_it_could_not_read_and_never_writes_over_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let song = dir.path().join("song.rpp");
    fs::copy(common::sample("reaper/messy-session.rpp"), &song).unwrap();
    let broken = dir.path().join("broken.als");
    fs::write(&broken, b"not a live set").unwrap();
    // A bad project is reported, the others are learned from, and the run exits 2.
    let out = premix()
        .args(["rules", "infer"])
        .arg(&song)
        .arg(&broken)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.als"));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# Learned by"));
    // Nothing to learn from.
    premix()
        .args(["rules", "infer"])
        .arg(&broken)
        .assert()
        .code(2);
    // The output is never one of the projects.
    let before = fs::read(&song).unwrap();
    premix()
        .args(["rules", "infer"])
        .arg(&song)
        .arg("-o")
        .arg(&song)
        .assert()
        .code(2);
    assert_eq!(fs::read(&song).unwrap(), before);
}
