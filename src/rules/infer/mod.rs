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
//! Projects whose DAW stores no track colour premix can read (Live 8, 9.0-9.4) are not learned
//! from: their tracks' lack of colour says nothing about the studio.

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
    /// Projects not learned from (no readable track colours), by name.
    pub skipped: Vec<String>,
    /// Names given different colours or buses across the projects.
    pub conflicts: usize,
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
    let mut observed = Observed::of(projects);
    if observed.projects.is_empty() {
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
        .filter(|o| o.role == Role::Track && !o.excluded)
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
    let mut draft = assemble::draft(&parts);

    let compiled = compile(&draft.render())?;
    support_comments(&observed, &compiled, &mut draft, &kept_learned);
    let fit = fit::training_fit(&compiled, projects);
    let conflicts = conflicts(&observed);
    draft.header = header(&observed, extends, &fit);
    draft.footer = footer(&observed, &conflicts, &fit);
    // Comments are whole lines of their own (`draft::comments`): the commented file says
    // what the file compiled above says.
    let text = draft.render();
    Ok(Inferred {
        text,
        rules: compiled,
        fit,
        projects: observed.projects.len(),
        tracks: observed.obs.len(),
        skipped: observed.skipped.clone(),
        conflicts: conflicts.len(),
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
    // rule → (faithful tracks, their projects, other tracks)
    type Support = (Vec<usize>, BTreeSet<usize>, Vec<usize>);
    let mut by_rule: BTreeMap<usize, Support> = BTreeMap::new();
    for s in 0..matches.len() {
        let outcome = matches.outcome(s, &|_| true);
        let Some(r) = outcome.rule else { continue };
        let entry = by_rule.entry(r).or_default();
        let obs = matches.obs(s);
        if matches.is_faithful(observed, s, &outcome) {
            entry.0.push(obs);
            entry.1.insert(observed.obs[obs].project);
        } else {
            entry.2.push(obs);
        }
    }
    let example = |o: usize| {
        let obs = &observed.obs[o];
        shown_name(observed.name(obs))
    };
    let examples = |list: &[usize]| -> String {
        let mut names: Vec<String> = Vec::new();
        for &o in list {
            let name = example(o);
            if !names.contains(&name) {
                names.push(name);
            }
            if names.len() == 3 {
                break;
            }
        }
        names.join(", ")
    };
    for (r, rule) in draft.rules.iter_mut().enumerate() {
        let (faithful, projects, other) = by_rule.remove(&r).unwrap_or_default();
        let verb = if learned[r].rename.is_some() {
            "spelt so"
        } else if learned[r].label == Label::NONE {
            "left without colour or bus"
        } else {
            "so"
        };
        let mut comment = vec![if faithful.is_empty() {
            "no training track is decided by this rule".to_string()
        } else {
            format!(
                "{} {verb} in {}, e.g. {}",
                assemble::count(faithful.len(), "track"),
                assemble::count(projects.len(), "project"),
                examples(&faithful)
            )
        }];
        if !other.is_empty() {
            comment.push(format!(
                "also matches {} their author gave another colour, bus or name: {}",
                assemble::count(other.len(), "track"),
                examples(&other)
            ));
        }
        rule.comment = comment;
    }
}

/// One name given different colours or buses.
struct Conflict {
    example: String,
    /// Each label with its track count and an example project.
    labels: Vec<(Label, usize, String)>,
}

fn conflicts(observed: &Observed<'_>) -> Vec<Conflict> {
    let mut by_shape: BTreeMap<(Role, usize), BTreeMap<Label, Vec<usize>>> = BTreeMap::new();
    for (o, obs) in observed.obs.iter().enumerate() {
        if obs.excluded {
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
    let mut out: Vec<(usize, Conflict)> = by_shape
        .into_values()
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
                    example: observed.name(&observed.obs[first]).to_string(),
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
            "Not learned from ({} hold no track colour premix can read: Live 8 and 9.0-9.4 \
             sets): {}",
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
            lines.push(format!(
                "  {}: {}",
                shown_name(&c.example),
                labels.join("; ")
            ));
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
