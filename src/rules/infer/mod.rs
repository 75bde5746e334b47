//! `premix rules infer`: a studio's convention learned from projects that are already tidy,
//! written as a commented rules file that reproduces it.
//!
//! Format-agnostic: it reads [`Session`](crate::session::Session)s and the colours their DAW
//! can show ([`ColourSpace`](crate::session::ColourSpace)), nothing of any file format.
//!
//! What is learned, and from what ([`evidence`] reads the projects, [`learn`] finds the
//! rules, [`assemble`] writes them, [`fit`] measures them):
//! - **families**: tracks that share a colour and the folder/bus they sit in, each found by
//!   the words its names share (word-boundary regexes on names read as the rules engine reads
//!   them, so `Vox 1`, `vox_2` and `VOX-3` are one name), or failing that by the folder it sits
//!   in. Colours are compared as the DAWs show them: a Live set's palette colour stands for the
//!   REAPER/Ardour/DAWproject colour Live would show as it, so one studio's projects agree.
//! - **buses**: the studio's own folders, declared under the name and spellings it gives
//!   them (`aliases`), in the colour it gives them; `min_members: 1` where it keeps one-track
//!   folders.
//! - **renames**, only where names follow a visible pattern: one spelling everywhere.
//! - **unused tracks**: whether the studio greys tracks without media, and in which colour.
//! - With `extends: default`, only what differs from the embedded convention (an overlay);
//!   otherwise a file that stands alone.
//!
//! Every rule is commented with its support (tracks, projects, example names) and with the
//! training tracks it matches that their author gave something else; names the studio gives
//! two colours or buses are listed as conflicting evidence; the file ends with every track
//! the rules would change on the projects they were learned from. The same projects in any
//! order give the same file.
//!
//! Projects whose DAW stores no track colour premix can read (Live 8, 9.0-9.4) give no
//! colours (their tracks' lack of colour says nothing about the studio), only names and
//! folders: a track there agrees with any label of its bus.

mod assemble;
mod draft;
mod eval;
mod evidence;
pub mod fit;
mod learn;

pub use evidence::Evidence;

use crate::rules::{RuleSet, RulesErrors, load};
use draft::shown_name;
use evidence::{Label, Observed, colour_of};
use std::collections::{BTreeMap, BTreeSet};

/// What the learned file layers on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extends {
    /// `extends: default`: the file holds only what differs from the embedded convention.
    Default,
    /// The file stands alone.
    Nothing,
}

/// Which tracks a learned rule is for: a rule for buses or returns needs a `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Role {
    /// Audio and MIDI tracks (what a rule matches by default).
    Track,
    Bus,
    Return,
    /// Foldback buses (a performer's monitor mix): coloured by name, never filed.
    Foldback,
}

/// A learned rules file.
#[derive(Debug)]
pub struct Inferred {
    /// The rules file's text.
    pub text: String,
    /// The file, compiled (as `premix --rules` would load it).
    pub rules: RuleSet,
    /// What the rules would change on the projects they were learned from.
    pub fit: fit::Fit,
    /// Projects learned from, and their audio/MIDI, bus and return tracks.
    pub projects: usize,
    pub tracks: usize,
    /// Projects whose colours are not learned from (no readable track colours; their names
    /// and folders are), by name.
    pub skipped: Vec<String>,
    /// Names given different colours or buses across the projects.
    pub conflicts: usize,
    /// The rules and bus declarations the file itself holds (`rules` also holds the
    /// default's when the file extends it).
    pub file_rules: usize,
    pub file_buses: usize,
}

/// Why nothing could be learned.
#[derive(Debug, thiserror::Error)]
pub enum InferError {
    #[error(
        "no project to learn from{}",
        if .0.is_empty() { String::new() } else {
            format!(" ({} hold no track colour premix can read: Live 8 and 9.0-9.4 sets)", .0.len())
        }
    )]
    NoProject(Vec<String>),
    /// The learned file does not load: a bug of the learner, never written out.
    #[error("internal error: the learned rules do not load: {0}")]
    Internal(RulesErrors),
}

/// Learns the convention of `projects` (see the module docs).
///
/// Errors: [`InferError::NoProject`] when none can be learned from (none given, or none with
/// readable colours); [`InferError::Internal`] if the file written would not load.
pub fn infer(projects: &[Evidence], extends: Extends) -> Result<Inferred, InferError> {
    let Built {
        observed,
        mut draft,
        compiled,
        learned,
    } = build(projects, extends)?;
    support_comments(&observed, &compiled, &mut draft, &learned);
    let fit = fit::training_fit(&compiled, projects);
    let conflicts = conflicts(&observed);
    draft.header = header(&observed, extends, &fit);
    draft.footer = footer(&observed, &conflicts, &fit);
    // Comments are whole lines of their own (`draft::comments`): the commented file says
    // what the file compiled without them says.
    let text = draft.render();
    Ok(Inferred {
        text,
        rules: compiled,
        fit,
        projects: observed.projects.len(),
        tracks: observed.obs.len(),
        skipped: observed.skipped.clone(),
        conflicts: conflicts.len(),
        file_rules: draft.rules.len(),
        file_buses: draft.buses.len(),
    })
}

/// The rules [`infer`] learns, compiled, without the comments and the measures of the file
/// (what leave-one-out needs, for each project held out).
pub fn learn_rules(projects: &[Evidence], extends: Extends) -> Result<RuleSet, InferError> {
    Ok(build(projects, extends)?.compiled)
}

/// What is learned, before the comments that need the compiled rules.
struct Built<'a> {
    observed: Observed<'a>,
    draft: draft::Draft,
    compiled: RuleSet,
    /// The learned rules the draft's rules are, one for one.
    learned: Vec<learn::Learned>,
}

fn build(projects: &[Evidence], extends: Extends) -> Result<Built<'_>, InferError> {
    let mut observed = Observed::of(projects);
    if observed.projects.len() == observed.skipped.len() {
        return Err(InferError::NoProject(observed.skipped.clone()));
    }

    // Tracks the studio greys as unused are the unused policy's, not a family's.
    let unused_tracks = assemble::unused_tracks(&observed);
    let unused = assemble::learn_unused(&observed, &unused_tracks);
    if unused.colour.is_some() {
        for &o in &unused_tracks {
            observed.obs[o].excluded = true;
        }
    }
    // The folder a declaration reuses is coloured by the declaration, never by rules.
    let declared: BTreeSet<usize> = observed
        .obs
        .iter()
        .filter(|o| o.role == Role::Track && !o.excluded && o.colour_known)
        .filter_map(|o| o.label.bus)
        .collect();
    for p in 0..observed.projects.len() {
        for (b, &t) in &observed.bus_tracks[p] {
            if declared.contains(b) {
                let o = observed.obs_of[p][t];
                observed.obs[o].excluded = true;
            }
        }
    }

    let learned = learn::learn(&observed);
    let default = (extends == Extends::Default).then(RuleSet::default_rules);
    let recolours = match &default {
        Some(d) => assemble::recolours(&observed, d),
        None => Vec::new(),
    };
    // Keep only the words and names that give some training track what its author gave it:
    // each rule is tried one feature at a time (the features of one rule are one family, so
    // the list so split decides every track as the rule did), then joined again.
    let exploded: Vec<(usize, learn::Learned)> = learned
        .iter()
        .enumerate()
        .flat_map(|(i, rule)| {
            rule.features.iter().map(move |&f| {
                (
                    i,
                    learn::Learned {
                        features: vec![f],
                        ..rule.clone()
                    },
                )
            })
        })
        .collect();
    let one_each: Vec<learn::Learned> = exploded.iter().map(|(_, r)| r.clone()).collect();
    let parts = assemble::Parts {
        observed: &observed,
        learned: &one_each,
        unused: &unused,
        default: default.as_ref(),
        recolours: &recolours,
    };
    let compiled = compile(&assemble::draft(&parts).render())?;
    let renames: Vec<bool> = one_each.iter().map(|r| r.rename.is_some()).collect();
    let kept = assemble::prune(&observed, &compiled, one_each.len(), &renames);
    let mut kept_learned: Vec<learn::Learned> = learned
        .iter()
        .map(|r| learn::Learned {
            features: Vec::new(),
            ..r.clone()
        })
        .collect();
    for ((i, rule), keep) in exploded.iter().zip(&kept) {
        if *keep {
            kept_learned[*i].features.extend(&rule.features);
        }
    }
    kept_learned.retain(|r| !r.features.is_empty());
    let parts = assemble::Parts {
        learned: &kept_learned,
        ..parts
    };

    let draft = assemble::draft(&parts);
    let compiled = compile(&draft.render())?;
    Ok(Built {
        observed,
        draft,
        compiled,
        learned: kept_learned,
    })
}

/// How the learned file names itself while it is checked.
const LEARNED: &str = "<learned rules>";

fn compile(text: &str) -> Result<RuleSet, InferError> {
    load(text, LEARNED).map_err(InferError::Internal)
}

/// Comments each rule of `draft` with the training tracks it decides: how many, in how many
/// projects, examples, and those whose author gave them something else.
fn support_comments(
    observed: &Observed<'_>,
    rules: &RuleSet,
    draft: &mut draft::Draft,
    learned: &[learn::Learned],
) {
    let matches = eval::Matches::of(rules, observed, 0);
    // For each rule, the tracks it decides by how well it serves them (changed, kept as
    // they are, given what their author gave them), and the projects of the last.
    let mut by_rule: BTreeMap<usize, ([Vec<usize>; 3], BTreeSet<usize>)> = BTreeMap::new();
    for s in 0..matches.len() {
        let outcome = matches.outcome(s, &|_| true);
        let Some(r) = outcome.rule else { continue };
        let entry = by_rule.entry(r).or_default();
        let obs = matches.obs(s);
        let score = matches.score(observed, s, &outcome);
        entry.0[score].push(obs);
        if score == 2 {
            entry.1.insert(observed.obs[obs].project);
        }
    }
    let examples = |list: &[usize]| -> String {
        let mut names: Vec<String> = Vec::new();
        for &o in list {
            let name = shown_name(observed.name(&observed.obs[o]));
            if !names.contains(&name) {
                names.push(name);
            }
            if names.len() == 2 {
                break;
            }
        }
        names.join(", ")
    };
    let tracks = |n: usize| assemble::count(n, "track");
    for (r, rule) in draft.rules.iter_mut().enumerate() {
        let ([changed, kept, faithful], projects) = by_rule.remove(&r).unwrap_or_default();
        let mut comment = Vec::new();
        if !faithful.is_empty() {
            let verb = if learned[r].rename.is_some() {
                "spelt so"
            } else if learned[r].label == Label::NONE {
                "left without colour or bus, as their authors left them,"
            } else {
                "so"
            };
            comment.push(format!(
                "{} {verb} in {}, e.g. {}",
                tracks(faithful.len()),
                assemble::count(projects.len(), "project"),
                examples(&faithful)
            ));
        }
        if !kept.is_empty() {
            comment.push(format!(
                "keeps {} as {} (the name has no one colour and bus here), e.g. {}",
                tracks(kept.len()),
                if kept.len() == 1 { "it is" } else { "they are" },
                examples(&kept)
            ));
        }
        if !changed.is_empty() {
            comment.push(format!(
                "would change {} their author gave another colour, bus or name: {}",
                tracks(changed.len()),
                examples(&changed)
            ));
        }
        if comment.is_empty() {
            comment.push("for projects to come: no training track reaches this rule".into());
        }
        rule.comment = comment;
    }
}

/// One name given different colours or buses.
struct Conflict {
    /// The name as the file shows it (quoted; "the folder ..." for a folder).
    example: String,
    /// Each label with its track count and an example project.
    labels: Vec<(Label, usize, String)>,
}

fn conflicts(observed: &Observed<'_>) -> Vec<Conflict> {
    let mut by_shape: BTreeMap<(Role, usize), BTreeMap<Label, Vec<usize>>> = BTreeMap::new();
    let mut by_folder: BTreeMap<usize, BTreeMap<Label, Vec<usize>>> = BTreeMap::new();
    for (o, obs) in observed.obs.iter().enumerate() {
        // Folders are compared by their whole normalised name, below.
        if obs.excluded || !obs.colour_known || obs.own_bus.is_some() {
            continue;
        }
        if let Some(shape) = obs.shape {
            by_shape
                .entry((obs.role, shape))
                .or_default()
                .entry(obs.label)
                .or_default()
                .push(o);
        }
    }
    // A folder name in several colours is one too.
    for (o, obs) in observed.obs.iter().enumerate() {
        if let (Some(b), true) = (obs.own_bus, obs.colour_known) {
            by_folder
                .entry(b)
                .or_default()
                .entry(Label {
                    colour: obs.label.colour,
                    bus: None,
                })
                .or_default()
                .push(o);
        }
    }
    let mut out: Vec<(usize, Conflict)> = by_shape
        .into_values()
        .chain(by_folder.into_values())
        .filter(|labels| labels.len() > 1)
        .map(|labels| {
            let first = labels.values().flatten().min().copied().unwrap_or(0);
            let total = labels.values().map(Vec::len).sum();
            let mut labels: Vec<(Label, usize, String)> = labels
                .into_iter()
                .map(|(label, list)| {
                    let project = observed.projects[observed.obs[list[0]].project]
                        .name
                        .clone();
                    (label, list.len(), project)
                })
                .collect();
            labels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            (
                total,
                Conflict {
                    example: {
                        let obs = &observed.obs[first];
                        let name = shown_name(observed.name(obs));
                        if obs.own_bus.is_some() {
                            format!("the folder {name}")
                        } else {
                            name
                        }
                    },
                    labels,
                },
            )
        })
        .collect();
    out.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.example.cmp(&b.1.example)));
    out.into_iter().map(|(_, c)| c).collect()
}

fn label_text(observed: &Observed<'_>, label: Label) -> String {
    let colour = label
        .colour
        .map_or_else(|| "no colour".to_string(), |c| colour_of(c).to_string());
    match label.bus {
        Some(b) => format!("{colour} in {}", shown_name(observed.buses[b].name())),
        None => colour,
    }
}

fn header(observed: &Observed<'_>, extends: Extends, fit: &fit::Fit) -> Vec<String> {
    let mut formats: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &observed.projects {
        *formats.entry(p.session.format.as_str()).or_default() += 1;
    }
    let formats: Vec<String> = formats.iter().map(|(f, n)| format!("{n} {f}")).collect();
    let mut lines = vec![
        format!(
            "Learned by `premix rules infer` from {} ({}) holding {}.",
            assemble::count(observed.projects.len(), "project"),
            formats.join(", "),
            assemble::count(observed.obs.len(), "track")
        ),
        match extends {
            Extends::Default => "It extends the embedded default: only what these projects do \
                                 differently from it is here."
                .to_string(),
            Extends::Nothing => "It stands alone: everything these projects agree on is here."
                .to_string(),
        },
        String::new(),
        format!(
            "On those projects these rules change nothing for {} of the {} tracks they have a \
             rule for ({:.1}%){}.",
            fit.unchanged,
            fit.covered,
            fit.share() * 100.0,
            if fit.changed.is_empty() {
                String::new()
            } else {
                "; the others are listed at the end".into()
            }
        ),
        String::new(),
        "Colours are written as the DAWs show them. A colour seen only in Live sets is a colour of \
         Live's palette: REAPER, Ardour and DAWproject projects are given exactly that colour. A \
         colour learned from those DAWs reaches a Live set as the palette colour nearest to it \
         (CIEDE2000), as every colour premix writes there; Live sets in that colour count as \
         agreeing with it."
            .to_string(),
        "Names are matched as premix reads them: `_`, `-` and `.` are spaces, camelCase and \
         numbers split words, so `Vox 1`, `vox_2` and `VOX-3` are one name."
            .to_string(),
    ];
    if !observed.skipped.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "Colours not learned from ({} hold no track colour premix can read: Live 8 and \
             9.0-9.4 sets; their names and folders are): {}",
            assemble::count(observed.skipped.len(), "project"),
            observed.skipped.join(", ")
        ));
    }
    lines
}

fn footer(observed: &Observed<'_>, conflicts: &[Conflict], fit: &fit::Fit) -> Vec<String> {
    let mut lines = Vec::new();
    if !conflicts.is_empty() {
        lines.push(format!(
            "Conflicting evidence: {} given different colours or buses (tracks, an example \
             project):",
            assemble::count(conflicts.len(), "name")
        ));
        for c in conflicts {
            let labels: Vec<String> = c
                .labels
                .iter()
                .map(|(label, n, project)| {
                    format!("{} ({n}, {project})", label_text(observed, *label))
                })
                .collect();
            lines.push(format!("  {}: {}", c.example, labels.join("; ")));
        }
    }
    if !fit.changed.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!(
            "What these rules would change on the projects they were learned from ({}):",
            assemble::count(fit.changed.len(), "track")
        ));
        for c in &fit.changed {
            lines.push(format!(
                "  {}: track {} {}: {}",
                c.project,
                c.track,
                shown_name(&c.name),
                c.what
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{ColourSpace, Format, Rgb, Session, Track, TrackKind};

    /// A track: name, kind, colour, parent, media count.
    type Spec<'a> = (&'a str, TrackKind, Option<&'a str>, Option<usize>, usize);

    fn session(tracks: &[Spec<'_>]) -> Session {
        Session::new(
            Format::Rpp,
            tracks
                .iter()
                .enumerate()
                .map(|(index, &(name, kind, color, parent, media))| Track {
                    color: color.and_then(Rgb::parse_hex),
                    parent,
                    media_count: media,
                    ..Track::new(index, name, kind)
                })
                .collect(),
        )
    }

    fn project(name: &str, tracks: &[Spec<'_>]) -> Evidence {
        Evidence {
            name: name.into(),
            session: session(tracks),
            colours: ColourSpace::Exact,
        }
    }

    use TrackKind::{Audio, Bus, Midi};
    const RED: Option<&str> = Some("#aa1111");
    const GREEN: Option<&str> = Some("#11aa11");
    const BLUE: Option<&str> = Some("#1111aa");

    /// A studio: drums red in "Drums", vocals green in "Vocals" numbered "Vox N", keys blue
    /// at the top level.
    fn studio() -> Vec<Evidence> {
        vec![
            project(
                "a.rpp",
                &[
                    ("Drums", Bus, RED, None, 0),
                    ("Kick In", Audio, RED, Some(0), 1),
                    ("Snare Top", Audio, RED, Some(0), 1),
                    ("Vocals", Bus, GREEN, None, 0),
                    ("Vox 1", Audio, GREEN, Some(3), 1),
                    ("Vox 2", Audio, GREEN, Some(3), 1),
                    ("Piano", Midi, BLUE, None, 1),
                ],
            ),
            project(
                "b.rpp",
                &[
                    ("Drums", Bus, RED, None, 0),
                    ("Kick Out", Audio, RED, Some(0), 1),
                    ("Snare Bottom", Audio, RED, Some(0), 1),
                    ("OH L", Audio, RED, Some(0), 1),
                    ("Vocals", Bus, GREEN, None, 0),
                    ("Vox 1", Audio, GREEN, Some(4), 1),
                    ("Vox 3", Audio, GREEN, Some(4), 1),
                    ("Rhodes", Midi, BLUE, None, 1),
                ],
            ),
            project(
                "c.rpp",
                &[
                    ("Drums", Bus, RED, None, 0),
                    ("Kick In", Audio, RED, Some(0), 1),
                    ("OH R", Audio, RED, Some(0), 1),
                    ("Vocals", Bus, GREEN, None, 0),
                    ("Vox 2", Audio, GREEN, Some(3), 1),
                    ("Vox 4", Audio, GREEN, Some(3), 1),
                    ("Piano", Midi, BLUE, None, 1),
                ],
            ),
        ]
    }

    /// What `rules` make of a messy session: each track's name, colour and bus.
    fn tidy(rules: &RuleSet, tracks: &[Spec<'_>]) -> Vec<(String, Option<String>, Option<String>)> {
        let messy = session(tracks);
        let plan = crate::rules::plan(rules, &messy);
        let after = plan.predict(&messy);
        after
            .tracks
            .iter()
            .filter(|t| t.kind != Bus)
            .map(|t| {
                (
                    t.name.to_string(),
                    t.color.map(|c| c.to_string()),
                    t.parent.map(|p| after.tracks[p].name.to_string()),
                )
            })
            .collect()
    }

    fn row(
        name: &str,
        colour: Option<&str>,
        bus: Option<&str>,
    ) -> (String, Option<String>, Option<String>) {
        (name.into(), colour.map(Into::into), bus.map(Into::into))
    }

    #[test]
    fn a_studio_convention_is_learned_and_redone_on_a_messy_project() {
        let learned = infer(&studio(), Extends::Nothing).unwrap();
        assert_eq!(learned.fit.share(), 1.0, "{}", learned.text);
        let text = &learned.text;
        assert!(text.contains("- name: Drums"), "{text}");
        assert!(text.contains("rename: 'Vox {1}'"), "{text}");
        assert!(text.contains("\"#aa1111\""), "{text}");
        let got = tidy(
            &learned.rules,
            &[
                ("kick_in", Audio, None, None, 1),
                ("SNARE-top", Audio, None, None, 1),
                ("vox_5", Audio, None, None, 1),
                ("VOX-6", Audio, None, None, 1),
                ("Piano", Midi, None, None, 1),
                ("Click", Audio, None, None, 1),
            ],
        );
        assert_eq!(
            got,
            [
                // "Kick In" is spelt so in two projects.
                row("Kick In", RED, Some("Drums")),
                row("SNARE-top", RED, Some("Drums")),
                row("Vox 5", GREEN, Some("Vocals")),
                row("Vox 6", GREEN, Some("Vocals")),
                row("Piano", BLUE, None),
                row("Click", None, None),
            ],
            "{text}"
        );
    }

    #[test]
    fn the_same_projects_in_another_order_give_the_same_file() {
        for extends in [Extends::Default, Extends::Nothing] {
            let mut projects = studio();
            let once = infer(&projects, extends).unwrap().text;
            projects.reverse();
            projects.swap(0, 1);
            assert_eq!(infer(&projects, extends).unwrap().text, once);
        }
    }

    #[test]
    fn a_palette_colour_is_the_exact_colour_its_daw_shows_so() {
        // A palette of three colours: red, green, blue.
        fn nearest(c: Rgb) -> Rgb {
            let max = c.r.max(c.g).max(c.b);
            match max {
                m if m == c.r => Rgb::new(255, 0, 0),
                m if m == c.g => Rgb::new(0, 255, 0),
                _ => Rgb::new(0, 0, 255),
            }
        }
        let mut projects = studio();
        projects.push(Evidence {
            name: "live.als".into(),
            session: session(&[
                ("Drums", Bus, Some("#ff0000"), None, 0),
                ("Kick In", Audio, Some("#ff0000"), Some(0), 1),
                ("Snare Top", Audio, Some("#ff0000"), Some(0), 1),
            ]),
            colours: ColourSpace::Palette(nearest),
        });
        let learned = infer(&projects, Extends::Nothing).unwrap();
        assert!(!learned.text.contains("#ff0000"), "{}", learned.text);
        assert_eq!(learned.fit.share(), 1.0, "{}", learned.text);
        assert!(learned.fit.covered >= 3 + 10);
    }

    #[test]
    fn names_given_two_colours_are_reported_and_left_alone() {
        let mut projects = studio();
        projects.push(project("d.rpp", &[("Piano", Midi, RED, None, 1)]));
        let learned = infer(&projects, Extends::Nothing).unwrap();
        assert_eq!(learned.conflicts, 1);
        assert!(
            learned.text.contains("Conflicting evidence"),
            "{}",
            learned.text
        );
        assert!(
            learned
                .text
                .contains("\"Piano\": #1111aa (2, a.rpp); #aa1111 (1, d.rpp)")
        );
        // The other keys are still learned.
        assert!(learned.text.contains("rhodes"), "{}", learned.text);
    }

    #[test]
    fn projects_without_readable_colours_are_not_learned_from() {
        let mut live8 = project("old.als", &[("Kick", Audio, None, None, 1)]);
        live8.colours = ColourSpace::Unreadable;
        let mut projects = studio();
        projects.push(live8.clone());
        let learned = infer(&projects, Extends::Nothing).unwrap();
        assert_eq!(learned.skipped, ["old.als"]);
        assert!(
            learned.text.contains("Colours not learned from"),
            "{}",
            learned.text
        );
        assert!(matches!(
            infer(&[live8], Extends::Nothing),
            Err(InferError::NoProject(skipped)) if skipped.len() == 1
        ));
        assert!(matches!(
            infer(&[], Extends::Nothing),
            Err(InferError::NoProject(_))
        ));
    }

    #[test]
    fn over_the_default_only_what_differs_is_written() {
        const DRUMS: Option<&str> = Some("#d94f3d");
        const VOCALS: Option<&str> = Some("#a45ee5");
        let default_studio = [
            project(
                "a.rpp",
                &[
                    ("DRUMS", Bus, DRUMS, None, 0),
                    ("Kick", Audio, DRUMS, Some(0), 1),
                    ("Snare", Audio, DRUMS, Some(0), 1),
                    ("VOCALS", Bus, VOCALS, None, 0),
                    ("Lead Vox", Audio, VOCALS, Some(3), 1),
                    ("BV", Audio, VOCALS, Some(3), 1),
                ],
            ),
            project(
                "b.rpp",
                &[
                    ("DRUMS", Bus, DRUMS, None, 0),
                    ("OH", Audio, DRUMS, Some(0), 1),
                    ("Hi-Hat", Audio, DRUMS, Some(0), 1),
                ],
            ),
        ];
        let learned = infer(&default_studio, Extends::Default).unwrap();
        let body: Vec<&str> = learned
            .text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.is_empty())
            .collect();
        assert_eq!(body, ["version: 1", "extends: default"], "{}", learned.text);

        // The same studio colouring its drums and its tracks without media otherwise.
        let mut recoloured = default_studio.clone();
        for p in &mut recoloured {
            for t in &mut p.session.tracks {
                if t.color == DRUMS.and_then(Rgb::parse_hex) {
                    t.color = RED.and_then(Rgb::parse_hex);
                }
            }
        }
        let grey = Rgb::parse_hex("#333333");
        recoloured[1].session.tracks.extend(
            session(&[
                ("Audio 1", Audio, None, None, 0),
                ("Gtr", Audio, None, None, 0),
            ])
            .tracks
            .into_iter()
            .enumerate()
            .map(|(k, t)| Track {
                index: 3 + k,
                color: grey,
                ..t
            }),
        );
        let learned = infer(&recoloured, Extends::Default).unwrap();
        assert!(
            learned.text.contains("  drums: \"#aa1111\""),
            "{}",
            learned.text
        );
        assert!(
            learned.text.contains("  unused: \"#333333\""),
            "{}",
            learned.text
        );
        assert!(!learned.text.contains("\nrules:"), "{}", learned.text);
        assert_eq!(learned.fit.share(), 1.0, "{}", learned.text);
        let standalone = infer(&recoloured, Extends::Nothing).unwrap();
        assert!(
            standalone.text.contains(
                "unused:\n  when: [no_media, all_media_muted]\n  action: color\n  color: unused"
            ),
            "{}",
            standalone.text
        );
    }
}
