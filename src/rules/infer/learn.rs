//! Learning a decision list from the observations: which name features give which colour and
//! bus, in the order the rules file must try them (the first match wins).
//!
//! Sequential covering, as rule learners (CN2, RIPPER) do it: among the features of the
//! tracks not yet decided, take the one whose tracks most agree on one label (its
//! precision; a track of a project whose colours cannot be read agrees with every label of
//! its bus), the most tracks first on a tie, then the one seen in the most projects, then
//! a word before a whole name; the tracks it matches are decided by it. Features below
//! [`MIN_PRECISION`] are never taken: their tracks are left to no rule rather than given a
//! colour most of them lack. Audio and MIDI tracks are learned by name first, then, for
//! the rest (names that say nothing, names the studio colours one way here and another way
//! there), by the folder they sit in. Buses and returns are learned by name, each kind on its
//! own (a rule for them needs a `kind`).
//!
//! The list is then merged: a rule joins an earlier rule of the same label when that changes
//! what no training track gets, so a family is one rule with every word that finds it.
//!
//! Renames: a name (numbers generalised) that every project spells the same way, in one
//! colour and bus, is written back in that spelling: `vox_2` and `VOX-3` become `Vox 2` and
//! `Vox 3` where the studio writes `Vox 1`, `Vox 2`. Only where the pattern is visible:
//! a numbered name on at least two tracks, or a name in at least two projects.

use super::Role;
use super::evidence::{Feature, Label, Observed};
use std::collections::BTreeSet;

/// The least share of a feature's undecided tracks that must agree on a label for a rule.
pub(super) const MIN_PRECISION: (usize, usize) = (4, 5);

/// One rule of the learned list.
#[derive(Clone, Debug)]
pub(super) struct Learned {
    pub role: Role,
    pub label: Label,
    /// Feature ids, all of one condition type: name features, or `Inside` features.
    pub features: Vec<usize>,
    /// A rename template (`Vox {1}`), for a rule of one `Shape` feature.
    pub rename: Option<String>,
}

impl Learned {
    /// True when the rule's condition is on enclosing folders (`inside:`).
    pub fn on_folders(&self, observed: &Observed<'_>) -> bool {
        self.features
            .first()
            .is_some_and(|&f| matches!(observed.features[f], Feature::Inside(_)))
    }
}

/// The learned list: renames first, then per kind of track its name rules, then its folder
/// rules.
pub(super) fn learn(observed: &Observed<'_>) -> Vec<Learned> {
    let mut list = renames(observed);
    // Tracks left out, and those a rename rule decides, are decided.
    let mut decided: Vec<bool> = observed.obs.iter().map(|o| o.excluded).collect();
    for rule in &list {
        for (o, obs) in observed.obs.iter().enumerate() {
            if obs.role == rule.role && rule.features.iter().any(|f| obs.names.contains(f)) {
                decided[o] = true;
            }
        }
    }
    for role in [Role::Track, Role::Bus, Role::Return, Role::Foldback] {
        for folders in [false, true] {
            if folders && role != Role::Track {
                continue;
            }
            let undecided: Vec<usize> = (0..observed.obs.len())
                .filter(|&o| observed.obs[o].role == role && !decided[o])
                .collect();
            let covered = cover(observed, &undecided, &mut decided, folders);
            list.extend(merge(observed, &undecided, covered, folders));
        }
        list.extend(keep_as_they_are(observed, role, &decided));
    }
    list
}

/// A rule that leaves the tracks of `role` no rule decides as they are, by their whole names
/// (the names the studio gives different colours or buses): with `extends: default`, where the default would change them on the
/// training projects, it is what keeps it from doing so (pruning drops it everywhere else).
fn keep_as_they_are(observed: &Observed<'_>, role: Role, decided: &[bool]) -> Option<Learned> {
    let mut shapes: Vec<usize> = observed
        .obs
        .iter()
        .zip(decided)
        .filter(|(o, d)| o.role == role && !o.excluded && !**d)
        .filter_map(|(o, _)| o.shape)
        .collect();
    shapes.sort_by(|&a, &b| observed.features[a].cmp(&observed.features[b]));
    shapes.dedup();
    (!shapes.is_empty()).then_some(Learned {
        role,
        label: Label::NONE,
        features: shapes,
        rename: None,
    })
}

/// The features of `obs` a rule of the given condition type can use.
fn features_of(obs: &super::evidence::Obs, folders: bool) -> &[usize] {
    if folders { &obs.inside } else { &obs.names }
}

/// Sequential covering of the undecided tracks of `role` by name or folder features.
/// Marks the tracks each rule decides.
fn cover(
    observed: &Observed<'_>,
    members: &[usize],
    decided: &mut [bool],
    folders: bool,
) -> Vec<Learned> {
    let Some(role) = members.first().map(|&o| observed.obs[o].role) else {
        return Vec::new();
    };
    // Which tracks each feature matches.
    let mut matching: Vec<Vec<usize>> = vec![Vec::new(); observed.features.len()];
    for &o in members {
        for &f in features_of(&observed.obs[o], folders) {
            matching[f].push(o);
        }
    }
    let candidates: Vec<usize> = (0..matching.len())
        .filter(|&f| !matching[f].is_empty())
        .collect();
    let mut list = Vec::new();
    // The labels of the known-colour tracks a feature matches, and the buses of the tracks
    // whose colours say nothing (they agree with any label of their bus).
    let mut labels: Vec<(Label, usize)> = Vec::new();
    let mut buses: Vec<(Option<usize>, usize)> = Vec::new();
    let agrees = |obs: &super::evidence::Obs, label: Label| {
        if obs.colour_known {
            obs.label == label
        } else {
            obs.label.bus == label.bus
        }
    };
    loop {
        // (correct, matched, projects, feature, label)
        let mut best: Option<(usize, usize, usize, usize, Label)> = None;
        for &f in &candidates {
            labels.clear();
            buses.clear();
            let mut n = 0;
            for &o in &matching[f] {
                if decided[o] {
                    continue;
                }
                n += 1;
                let obs = &observed.obs[o];
                if !obs.colour_known {
                    let b = obs.label.bus;
                    match buses.iter_mut().find(|(k, _)| *k == b) {
                        Some((_, c)) => *c += 1,
                        None => buses.push((b, 1)),
                    }
                    continue;
                }
                let l = obs.label;
                match labels.iter_mut().find(|(k, _)| *k == l) {
                    Some((_, c)) => *c += 1,
                    None => labels.push((l, 1)),
                }
            }
            let with_buses = |&(label, c): &(Label, usize)| {
                let same_bus = buses
                    .iter()
                    .find(|(b, _)| *b == label.bus)
                    .map_or(0, |b| b.1);
                (label, c + same_bus)
            };
            let Some((label, correct)) = labels
                .iter()
                .map(with_buses)
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            else {
                continue;
            };
            if correct * MIN_PRECISION.1 < n * MIN_PRECISION.0 {
                continue;
            }
            // Observations come project by project: count the changes of project.
            let mut projects = 0;
            let mut last = None;
            for &o in &matching[f] {
                let obs = &observed.obs[o];
                if !decided[o] && agrees(obs, label) && last != Some(obs.project) {
                    projects += 1;
                    last = Some(obs.project);
                }
            }
            let candidate = (correct, n, projects, f, label);
            if best.is_none_or(|b| better(observed, &candidate, &b)) {
                best = Some(candidate);
            }
        }
        let Some((_, _, _, f, label)) = best else {
            break;
        };
        for &o in &matching[f] {
            decided[o] = true;
        }
        list.push(Learned {
            role,
            label,
            features: vec![f],
            rename: None,
        });
    }
    list
}

/// True when candidate `a` is a better next rule than `b`: higher precision, then more
/// tracks, more projects, a word before a shape, then the feature's own order.
fn better(
    observed: &Observed<'_>,
    a: &(usize, usize, usize, usize, Label),
    b: &(usize, usize, usize, usize, Label),
) -> bool {
    let (ca, na, pa, fa, _) = *a;
    let (cb, nb, pb, fb, _) = *b;
    // ca/na against cb/nb without division.
    let precision = (ca * nb).cmp(&(cb * na));
    precision
        .then(ca.cmp(&cb))
        .then(pa.cmp(&pb))
        .then_with(|| observed.features[fb].cmp(&observed.features[fa]))
        .is_gt()
}

/// Merges each rule of `list` (learned on `members`, the tracks no earlier rule decides)
/// into the earliest rule of the same label it can join without changing what any of those
/// tracks gets.
fn merge(
    observed: &Observed<'_>,
    members: &[usize],
    list: Vec<Learned>,
    folders: bool,
) -> Vec<Learned> {
    // For each track of the role, the merged rule that first matches it, if any yet.
    let mut first: Vec<Option<usize>> = vec![None; observed.obs.len()];
    let mut merged: Vec<Learned> = Vec::new();
    for rule in list {
        let matched: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&o| {
                features_of(&observed.obs[o], folders)
                    .iter()
                    .any(|f| rule.features.contains(f))
            })
            .collect();
        // The rule may join a rule of its label only after every earlier rule of another
        // label that decides one of its tracks.
        let after = matched
            .iter()
            .filter_map(|&o| first[o])
            .filter(|&k| merged[k].label != rule.label)
            .max();
        let at = (0..merged.len())
            .filter(|&k| after.is_none_or(|a| k > a))
            .find(|&k| merged[k].label == rule.label);
        let at = match at {
            Some(k) => {
                merged[k].features.extend(&rule.features);
                k
            }
            None => {
                merged.push(rule);
                merged.len() - 1
            }
        };
        for o in matched {
            if first[o].is_none_or(|k| k > at) {
                first[o] = Some(at);
            }
        }
    }
    for rule in &mut merged {
        rule.features
            .sort_by(|&a, &b| observed.features[a].cmp(&observed.features[b]));
        rule.features.dedup();
    }
    merged
}

/// Rename rules for the names the studio spells one way everywhere (module docs).
fn renames(observed: &Observed<'_>) -> Vec<Learned> {
    use std::collections::BTreeMap;
    // Shape → (template, label, tracks, projects); `None` once the evidence disagrees.
    type Seen = Option<(String, Label, usize, BTreeSet<usize>)>;
    let mut by_shape: BTreeMap<usize, Seen> = BTreeMap::new();
    for obs in observed
        .obs
        .iter()
        .filter(|o| o.role == Role::Track && !o.excluded && o.colour_known)
    {
        let Some(shape) = obs.shape else { continue };
        let name = observed.name(obs);
        let template = template_of(name, &observed.features[shape]);
        let entry = by_shape
            .entry(shape)
            .or_insert_with(|| template.clone().map(|t| (t, obs.label, 0, BTreeSet::new())));
        let agrees = match (entry.as_ref(), template) {
            (Some((t, label, ..)), Some(mine)) => *t == mine && *label == obs.label,
            _ => false,
        };
        if !agrees {
            *entry = None;
            continue;
        }
        if let Some((_, _, tracks, projects)) = entry.as_mut() {
            *tracks += 1;
            projects.insert(obs.project);
        }
    }
    by_shape
        .into_iter()
        .filter_map(|(shape, seen)| {
            let (template, label, tracks, projects) = seen?;
            let numbered = template.contains("{1}");
            let visible = if numbered {
                tracks >= 2
            } else {
                projects.len() >= 2
            };
            visible.then_some(Learned {
                role: Role::Track,
                label,
                features: vec![shape],
                rename: Some(template),
            })
        })
        .collect()
}

/// The rename template that writes `name` back from its shape's captures, if there is one:
/// the name with each number a capture (`Vox 01` → `Vox {1}`), braces doubled. `None` for a
/// name a rename would not give back as it is (Live's `N-` auto-number, which the shape
/// does not see; surrounding spaces, which a rendered name loses; more than nine numbers).
pub(super) fn template_of(name: &str, shape: &Feature) -> Option<String> {
    let Feature::Shape(regex) = shape else {
        return None;
    };
    if name.trim() != name || name.is_empty() {
        return None;
    }
    let numbers_in_shape = regex.matches(r"\d+").count();
    let mut template = String::new();
    let mut count = 0;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            count += 1;
            template.push_str(&format!("{{{count}}}"));
        } else if c == '{' || c == '}' {
            template.push(c);
            template.push(c);
        } else {
            template.push(c);
        }
    }
    (count == numbers_in_shape && count <= 9).then_some(template)
}

/// The shape regex with each number captured, for a rename rule: `^vox (\d+)$`.
pub(super) fn capturing(shape_regex: &str) -> String {
    shape_regex.replace(r"\d+", r"(\d+)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_template_gives_the_name_back_from_its_numbers() {
        let shape = |s: &str| Feature::Shape(super::super::evidence::shape_regex(s));
        assert_eq!(
            template_of("Vox 01", &shape("Vox 01")).as_deref(),
            Some("Vox {1}")
        );
        assert_eq!(
            template_of("Vox_1", &shape("Vox 1")).as_deref(),
            Some("Vox_{1}")
        );
        assert_eq!(
            template_of("Lead {A}", &shape("Lead {A}")).as_deref(),
            Some("Lead {{A}}")
        );
        // Live's auto-number prefix is not in the shape.
        assert_eq!(template_of("3-Organ", &shape("Organ")), None);
        assert_eq!(template_of(" Vox", &shape("Vox")), None);
        assert_eq!(capturing(r"^vox \d+ l$"), r"^vox (\d+) l$");
    }
}
