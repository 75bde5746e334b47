//! From what was learned to the rules file: colours named after their families, the
//! studio's buses declared as it names them, each learned rule spelt as a `match`, and, with
//! `extends: default`, only what differs from the embedded convention.
//!
//! Against the default ([`crate::rules::families`] files each training track under a default
//! family):
//! - a default family most of whose tracks the studio colours otherwise (more than half of
//!   them in one other colour) is recoloured by name under `colors:`, which recolours every
//!   default rule and bus of that family;
//! - a studio bus named like a default bus (any case) redeclares it in the studio's spelling,
//!   colour and `min_members`, keeping the default's aliases; a bus of another name is
//!   declared beside the default's and, named exactly, is the one the studio's folder is;
//! - learned rules stay only where, without them, the default would give some training track
//!   something its author did not ([`prune`]).

use super::Role;
use super::draft::{Draft, DraftBus, DraftColour, DraftRule, DraftUnused};
use super::eval::Matches;
use super::evidence::{
    Feature, Observed, colour_key, colour_of, folder_regex, most_common, word_regex,
};
use super::learn::{Learned, capturing};
use crate::rules::RuleSet;
use crate::session::{ColourSpace, Rgb, TrackKind};
use std::collections::{BTreeMap, BTreeSet};

/// What the training projects say about tracks that hold no media (or only muted media) in
/// projects that have media: whether the studio greys them, and in which colour.
#[derive(Clone, Debug)]
pub(super) struct Unused {
    /// The colour the studio gives them, when most of them share one.
    pub colour: Option<u32>,
    /// How many such tracks there are, and how many have that colour.
    pub tracks: usize,
    pub agreeing: usize,
}

/// The least share of unused tracks that must share a colour for the studio to be said to
/// colour them.
const UNUSED_AGREEMENT: (usize, usize) = (4, 5);

/// The observations (indexes) of the tracks the default's `unused` section reads as unused.
pub(super) fn unused_tracks(observed: &Observed<'_>) -> Vec<usize> {
    let mut out = Vec::new();
    for (p, project) in observed.projects.iter().enumerate() {
        let session = &project.session;
        if !session.has_media() || matches!(project.colours, ColourSpace::Unreadable) {
            continue;
        }
        for t in &session.tracks {
            let audio_or_midi = matches!(t.kind, TrackKind::Audio | TrackKind::Midi);
            if audio_or_midi && !t.fed_by_tracks && (t.media_count == 0 || t.all_media_muted()) {
                out.push(observed.obs_of[p][t.index]);
            }
        }
    }
    out
}

pub(super) fn learn_unused(observed: &Observed<'_>, unused: &[usize]) -> Unused {
    let mut colours: BTreeMap<Option<u32>, usize> = BTreeMap::new();
    for &o in unused {
        *colours.entry(observed.obs[o].label.colour).or_default() += 1;
    }
    let top = most_common(&colours).copied().flatten();
    let agreeing = top.map_or(0, |c| colours[&Some(c)]);
    let shared =
        unused.len() >= 2 && agreeing * UNUSED_AGREEMENT.1 >= unused.len() * UNUSED_AGREEMENT.0;
    Unused {
        colour: top.filter(|_| shared),
        tracks: unused.len(),
        agreeing,
    }
}

/// A default family the studio colours otherwise.
#[derive(Clone, Debug)]
pub(super) struct Recolour {
    pub family: String,
    pub colour: u32,
    /// Training tracks the default files under the family, how many have the new colour,
    /// and in how many projects.
    pub tracks: usize,
    pub agreeing: usize,
    pub projects: usize,
}

/// The default families to recolour (see the module docs).
pub(super) fn recolours(observed: &Observed<'_>, default: &RuleSet) -> Vec<Recolour> {
    // family → (tracks, default agreeing, colour → (count, projects))
    type Tally = (usize, usize, BTreeMap<u32, (usize, BTreeSet<usize>)>);
    let mut tally: BTreeMap<String, Tally> = BTreeMap::new();
    for (p, project) in observed.projects.iter().enumerate() {
        let session = &project.session;
        let families = crate::rules::families(default, session);
        for (t, family) in families.into_iter().enumerate() {
            let Some(family) = family.filter(|f| *f != "unused") else {
                continue;
            };
            let obs = &observed.obs[observed.obs_of[p][t]];
            if (obs.excluded && obs.role == Role::Track) || !obs.colour_known {
                continue;
            }
            let entry = tally.entry(family.to_string()).or_default();
            entry.0 += 1;
            let raw = session.tracks[t].color;
            if default
                .colors
                .get(family)
                .map(|c| project.colours.shown(*c))
                == Some(raw)
            {
                entry.1 += 1;
            }
            if let Some(c) = obs.label.colour {
                let e = entry.2.entry(c).or_default();
                e.0 += 1;
                e.1.insert(p);
            }
        }
    }
    tally
        .into_iter()
        .filter_map(|(family, (tracks, default_agreeing, colours))| {
            let best = colours.values().map(|v| v.0).max()?;
            let (&colour, (agreeing, projects)) = colours.iter().find(|(_, v)| v.0 == best)?;
            let current = default.colors.get(&family).map(|c| colour_key(*c));
            let most = *agreeing * 2 > tracks;
            (most && *agreeing >= 2 && *agreeing > default_agreeing && current != Some(colour))
                .then_some(Recolour {
                    family,
                    colour,
                    tracks,
                    agreeing: *agreeing,
                    projects: projects.len(),
                })
        })
        .collect()
}

/// Everything the file is made from.
pub(super) struct Parts<'a, 'o> {
    pub observed: &'a Observed<'o>,
    pub learned: &'a [Learned],
    pub unused: &'a Unused,
    /// The default, when the file extends it.
    pub default: Option<&'a RuleSet>,
    pub recolours: &'a [Recolour],
}

/// The draft of the file (without the comments that need the compiled rules), and for each
/// draft rule the learned rule it came from.
pub(super) fn draft(parts: &Parts<'_, '_>) -> Draft {
    let observed = parts.observed;
    let mut draft = Draft {
        extends_default: parts.default.is_some(),
        ..Draft::default()
    };
    // The colours the default's families have after the recolours.
    let mut effective: BTreeMap<String, u32> = BTreeMap::new();
    if let Some(default) = parts.default {
        for (name, c) in &default.colors {
            effective.insert(name.clone(), colour_key(*c));
        }
        for r in parts.recolours {
            effective.insert(r.family.clone(), r.colour);
            draft.colors.push(DraftColour {
                name: r.family.clone(),
                hex: colour_of(r.colour).to_string(),
                comment: vec![format!(
                    "{} of the {} tracks the default colours as {} ({}) are this colour, in {}",
                    r.agreeing,
                    r.tracks,
                    r.family,
                    parts
                        .default
                        .and_then(|d| d.colors.get(&r.family))
                        .map_or_else(String::new, Rgb::to_string),
                    count(r.projects, "project"),
                )],
            });
        }
    }

    // The studio buses the rules send tracks to.
    let used_buses: BTreeSet<usize> = parts.learned.iter().filter_map(|r| r.label.bus).collect();
    let names = colour_names(parts, &effective, &used_buses);
    let colour_ref = |c: u32| {
        names
            .get(&c)
            .cloned()
            .unwrap_or_else(|| colour_of(c).to_string())
    };
    for (c, name) in &names {
        if effective.contains_key(name) {
            continue;
        }
        let (tracks, projects) = colour_support(observed, *c);
        draft.colors.push(DraftColour {
            name: name.clone(),
            hex: colour_of(*c).to_string(),
            comment: vec![format!(
                "{} in {}",
                count(tracks, "track or bus"),
                count(projects, "project")
            )],
        });
    }
    // Learned colours in the order of the families they name, the default's recolours first.
    draft.colors[parts.recolours.len()..].sort_by(|a, b| a.name.cmp(&b.name));

    let mut bus_names: BTreeMap<usize, String> = BTreeMap::new();
    for &b in &used_buses {
        let bus = &observed.buses[b];
        let name = bus.name().to_string();
        let colour = bus.colour();
        let needs_alias = bus.spellings.keys().any(|s| !s.eq_ignore_ascii_case(&name));
        let min_members = (bus.fewest_members <= 1).then_some(1);
        let mut aliases: Vec<String> = Vec::new();
        let base = parts
            .default
            .and_then(|d| d.buses.iter().find(|d| d.name.eq_ignore_ascii_case(&name)));
        if let Some(base) = base {
            let base_colour = base.color.map(colour_key);
            let base_colour = base
                .color_name
                .as_ref()
                .and_then(|n| effective.get(n).copied())
                .or(base_colour);
            let same = base.name == name
                && base_colour == colour
                && base.min_members == min_members.unwrap_or(2)
                && !needs_alias;
            bus_names.insert(b, base.name.clone());
            if same {
                continue;
            }
            aliases.extend(base.aliases.iter().map(|re| re.as_str().to_string()));
        }
        bus_names.insert(b, name.clone());
        if needs_alias {
            aliases.push(folder_regex(&bus.key));
        }
        let spellings: Vec<String> = bus
            .spellings
            .keys()
            .map(|s| super::draft::shown_name(s))
            .collect();
        let mut comment = vec![format!(
            "the folder {} in {}{}",
            spellings.join(", "),
            count(bus.projects.len(), "project"),
            if base.is_some() {
                " (the default's bus of this name, as the studio writes it)"
            } else {
                ""
            }
        )];
        if min_members.is_some() {
            comment.push("made even for one track: some of these projects hold it so".into());
        }
        draft.buses.push(DraftBus {
            name,
            color: colour.map(colour_ref),
            aliases,
            min_members,
            comment,
        });
    }

    if let Some(default) = parts.default {
        redeclare_recoloured_buses(observed, default, &effective, &colour_ref, &mut draft);
    }

    for rule in parts.learned {
        draft
            .rules
            .push(draft_rule(parts, rule, &colour_ref, &bus_names));
    }

    if let Some(u) = &parts.unused.colour.map(|c| (c, parts.unused)) {
        let (c, stats) = (u.0, u.1);
        let comment = vec![format!(
            "{} of the {} tracks without media (or with all of it muted) are this colour",
            stats.agreeing, stats.tracks
        )];
        match parts.default {
            Some(default) => {
                let grey = default.colors.get("unused").copied().map(colour_key);
                if grey != Some(c) {
                    draft.colors.push(DraftColour {
                        name: "unused".into(),
                        hex: colour_of(c).to_string(),
                        comment,
                    });
                }
            }
            None => {
                draft.colors.push(DraftColour {
                    name: "unused".into(),
                    hex: colour_of(c).to_string(),
                    comment: comment.clone(),
                });
                draft.unused = Some(DraftUnused {
                    color: Some("unused".into()),
                    comment: vec![
                        "Tracks without media, or with all of it muted, in projects that have \
                         media: flagged and coloured, as the studio does."
                            .into(),
                    ],
                });
            }
        }
    } else if parts.unused.tracks > 0 || parts.default.is_none() {
        draft.unused = Some(DraftUnused {
            color: None,
            comment: vec![if parts.unused.tracks == 0 {
                "Tracks without media, or with all of it muted: flagged only (these projects \
                 hold none in a project with media, so nothing says how the studio colours them)."
                    .into()
            } else {
                format!(
                    "Tracks without media, or with all of it muted: flagged only. The studio \
                     gives them no one colour ({} of {} share the most common one).",
                    parts.unused.agreeing, parts.unused.tracks
                )
            }],
        });
    }
    draft
}

/// Redeclares, in the studio's colour (or none), each default bus that reuses folders of the
/// training projects the studio colours otherwise (most of them in another colour, or
/// uncoloured), unless the draft declares it already: a folder a declaration reuses takes
/// the declaration's colour, whatever the rules say.
fn redeclare_recoloured_buses(
    observed: &Observed<'_>,
    default: &RuleSet,
    effective: &BTreeMap<String, u32>,
    colour_ref: &dyn Fn(u32) -> String,
    draft: &mut Draft,
) {
    // Declaration → (the colours of the folders it reuses, projects).
    type Reused = (BTreeMap<Option<u32>, usize>, BTreeSet<usize>);
    let mut reused: BTreeMap<usize, Reused> = BTreeMap::new();
    for (p, project) in observed.projects.iter().enumerate() {
        let session = &project.session;
        let names = crate::rules::names::Names::of(session);
        for (d, track) in default
            .existing_buses(session, &names)
            .into_iter()
            .enumerate()
        {
            let known = !matches!(project.colours, ColourSpace::Unreadable);
            if let Some(t) = track.filter(|_| known) {
                let entry = reused.entry(d).or_default();
                *entry
                    .0
                    .entry(observed.obs[observed.obs_of[p][t]].label.colour)
                    .or_default() += 1;
                entry.1.insert(p);
            }
        }
    }
    for (d, (colours, projects)) in reused {
        let decl = &default.buses[d];
        if draft
            .buses
            .iter()
            .any(|b| b.name.eq_ignore_ascii_case(&decl.name))
        {
            continue;
        }
        let current = decl
            .color_name
            .as_ref()
            .and_then(|n| effective.get(n).copied())
            .or(decl.color.map(colour_key));
        let Some(&studio) = most_common(&colours) else {
            continue;
        };
        if studio == current {
            continue;
        }
        let folders: usize = colours.values().sum();
        draft.buses.push(DraftBus {
            name: decl.name.clone(),
            color: studio.map(colour_ref),
            aliases: decl
                .aliases
                .iter()
                .map(|re| re.as_str().to_string())
                .collect(),
            min_members: (decl.min_members != 2).then_some(decl.min_members),
            comment: vec![format!(
                "the default's bus, which reuses {} in {}: the studio colours {} of them {}",
                count(folders, "folder"),
                count(projects.len(), "project"),
                colours[&studio],
                studio.map_or_else(
                    || "not at all".to_string(),
                    |c| format!("so ({})", colour_of(c))
                )
            )],
        });
    }
}

/// The rule `rule` spelt for the file.
fn draft_rule(
    parts: &Parts<'_, '_>,
    rule: &Learned,
    colour_ref: &dyn Fn(u32) -> String,
    bus_names: &BTreeMap<usize, String>,
) -> DraftRule {
    let observed = parts.observed;
    let features: Vec<&Feature> = rule
        .features
        .iter()
        .map(|&f| &observed.features[f])
        .collect();
    let colour = rule.label.colour.map(colour_ref);
    let bus = rule.label.bus.and_then(|b| bus_names.get(&b).cloned());
    let family = match (&bus, &colour) {
        (Some(b), _) => b.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => "kept as they are".into(),
    };
    let kind = match rule.role {
        Role::Track => None,
        Role::Bus => Some("bus"),
        Role::Return => Some("return"),
        Role::Foldback => Some("foldback"),
    };
    let mut out = DraftRule {
        kind,
        color: colour,
        bus,
        ..DraftRule::default()
    };
    if let Some(template) = &rule.rename {
        let shape = features[0].regex();
        out.label = format!("spelling {}", spelling_label(template));
        out.name = Some(capturing(&shape));
        out.rename = Some(template.clone());
        return out;
    }
    if rule.on_folders(observed) {
        out.label = format!("{family} (by folder)");
        out.inside = Some(alternatives(
            features.iter().map(|f| f.regex()).collect(),
            true,
        ));
        return out;
    }
    out.label = match rule.role {
        Role::Track => family,
        Role::Bus => format!("{family} (folders)"),
        Role::Return => format!("{family} (returns)"),
        Role::Foldback => format!("{family} (foldback buses)"),
    };
    out.name = Some(name_regex(&features));
    out
}

/// A rename template as a label: `Vox {1}` → `Vox N`.
fn spelling_label(template: &str) -> String {
    let mut out = template.replace("{{", "{").replace("}}", "}");
    for k in 1..=9 {
        out = out.replace(&format!("{{{k}}}"), "N");
    }
    out
}

/// One regex for a rule's name features: its words (`\b(violins?|celli)\b`), then its whole
/// names (`^(vox \d+|lead vox)$`).
pub(super) fn name_regex(features: &[&Feature]) -> String {
    // Words whose plural folds share one `s?`: `\b(violin|viola)s?\b|\b(bass|celli)\b`.
    let (mut folding, mut plain) = (Vec::new(), Vec::new());
    for f in features {
        if let Feature::Word(w) = f {
            match word_regex(w).strip_suffix("s?") {
                Some(stem) => folding.push(stem.to_string()),
                None => plain.push(word_regex(w)),
            }
        }
    }
    let mut parts = Vec::new();
    for (words, plural) in [(folding, "s?"), (plain, "")] {
        match words.len() {
            0 => {}
            1 => parts.push(format!(r"\b{}{plural}\b", words[0])),
            _ => parts.push(format!(r"\b({}){plural}\b", words.join("|"))),
        }
    }
    let shapes: Vec<String> = features
        .iter()
        .filter_map(|f| match f {
            Feature::Shape(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    if !shapes.is_empty() {
        parts.push(alternatives(shapes, false));
    }
    parts.join("|")
}

/// Anchored regexes (`^x$`) as one: `^(x|y)$`.
fn alternatives(anchored: Vec<String>, _folders: bool) -> String {
    if anchored.len() == 1 {
        return anchored.into_iter().next().unwrap_or_default();
    }
    let bodies: Vec<&str> = anchored
        .iter()
        .map(|a| {
            a.strip_prefix('^')
                .and_then(|a| a.strip_suffix('$'))
                .unwrap_or(a)
        })
        .collect();
    format!("^({})$", bodies.join("|"))
}

/// Names for the colours the file uses (see the module docs): a default family's name for
/// its colour, else the family's folder, else its most common word.
fn colour_names(
    parts: &Parts<'_, '_>,
    effective: &BTreeMap<String, u32>,
    used_buses: &BTreeSet<usize>,
) -> BTreeMap<u32, String> {
    let observed = parts.observed;
    let mut used: BTreeMap<u32, usize> = BTreeMap::new();
    for rule in parts.learned {
        if let Some(c) = rule.label.colour {
            used.entry(c).or_insert(0);
        }
    }
    for &b in used_buses {
        if let Some(c) = observed.buses[b].colour() {
            used.entry(c).or_insert(0);
        }
    }
    // Support, for the order of naming: the biggest family gets the plain name.
    for obs in observed.obs.iter().filter(|o| !o.excluded) {
        if let Some(c) = obs.label.colour
            && let Some(n) = used.get_mut(&c)
        {
            *n += 1;
        }
    }
    let mut order: Vec<(u32, usize)> = used.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut taken: BTreeSet<String> = effective.keys().cloned().collect();
    taken.insert("unused".into());
    let mut names = BTreeMap::new();
    for (c, _) in order {
        if let Some((name, _)) = effective.iter().find(|(_, v)| **v == c) {
            names.insert(c, name.clone());
            continue;
        }
        let base = slug(&family_hint(observed, c));
        let mut name = base.clone();
        let mut k = 2;
        while taken.contains(&name) {
            name = format!("{base}-{k}");
            k += 1;
        }
        taken.insert(name.clone());
        names.insert(c, name);
    }
    names
}

/// What the tracks of colour `c` are: their most common folder, else their most common word.
fn family_hint(observed: &Observed<'_>, c: u32) -> String {
    let mut buses: BTreeMap<usize, usize> = BTreeMap::new();
    // Each word with its count and where it first appears (the earlier wins a tie).
    let mut words: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut at = 0;
    for obs in observed.obs.iter().filter(|o| !o.excluded) {
        if obs.label.colour != Some(c) {
            continue;
        }
        if let Some(b) = obs.label.bus {
            *buses.entry(b).or_default() += 1;
        }
        let name = super::evidence::normalised(observed.name(obs)).to_lowercase();
        for &f in &obs.names {
            if let Feature::Word(w) = &observed.features[f] {
                let place = at + name.find(w.as_str()).unwrap_or(name.len());
                let e = words.entry(w.as_str()).or_insert((0, place));
                e.0 += 1;
            }
        }
        at += 1000;
    }
    // A folder's own colour names it too.
    for (b, bus) in observed.buses.iter().enumerate() {
        if bus.colour() == Some(c) {
            *buses.entry(b).or_default() += 1;
        }
    }
    if let Some(&b) = most_common(&buses) {
        return observed.buses[b].name().to_string();
    }
    words
        .iter()
        .max_by(|a, b| (a.1.0).cmp(&b.1.0).then((b.1.1).cmp(&a.1.1)))
        .map_or_else(|| "colour".into(), |(w, _)| w.to_string())
}

/// A colour name: lower case words joined by `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "colour".into() } else { out }
}

/// How many tracks (of any kind) and projects have colour `c`.
fn colour_support(observed: &Observed<'_>, c: u32) -> (usize, usize) {
    let mut projects = BTreeSet::new();
    let mut tracks = 0;
    for obs in &observed.obs {
        if obs.label.colour == Some(c) {
            tracks += 1;
            projects.insert(obs.project);
        }
    }
    (tracks, projects.len())
}

/// `n things`.
pub(super) fn count(n: usize, noun: &str) -> String {
    let plural = match noun {
        "track or bus" => "tracks or buses".to_string(),
        "bus" => "buses".to_string(),
        _ => format!("{noun}s"),
    };
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {plural}")
    }
}

/// Which draft rules to keep: each learned rule (not a rename, which serves projects to
/// come) whose removal leaves the training tracks it matches at least as well served
/// ([`Matches::score`]: given what their author gave them, else left as they are) is
/// removed, the last first. `rules` is the draft compiled, its first `draft_rules` rules the
/// draft's.
pub(super) fn prune(
    observed: &Observed<'_>,
    rules: &RuleSet,
    draft_rules: usize,
    renames: &[bool],
) -> Vec<bool> {
    let matches = Matches::of(rules, observed, draft_rules);
    let mut kept = vec![true; rules.rules.len()];
    for r in (0..draft_rules).rev() {
        if renames[r] {
            continue;
        }
        let tracks = matches.matched_by(r);
        if tracks.is_empty() {
            kept[r] = false;
            continue;
        }
        let faithful = |kept: &[bool]| -> usize {
            tracks
                .iter()
                .map(|&s| {
                    let outcome = matches.outcome(s, &|k| kept[k]);
                    matches.score(observed, s, &outcome)
                })
                .sum()
        };
        let with = faithful(&kept);
        kept[r] = false;
        if faithful(&kept) < with {
            kept[r] = true;
        }
    }
    kept.truncate(draft_rules);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_join_words_and_whole_names() {
        let w = |s: &str| Feature::Word(s.into());
        let s = |s: &str| Feature::Shape(s.into());
        assert_eq!(name_regex(&[&w("violin")]), r"\bviolins?\b");
        assert_eq!(
            name_regex(&[
                &w("bass"),
                &w("celli"),
                &w("viola"),
                &w("violin"),
                &s(r"^vox \d+$"),
                &s("^lead vox$")
            ]),
            r"\b(viola|violin)s?\b|\b(bass|celli)\b|^(vox \d+|lead vox)$"
        );
        assert_eq!(slug("Strings [bowed]"), "strings-bowed");
        assert_eq!(slug("!!"), "colour");
        assert_eq!(spelling_label("Vox {1} {{x}}"), "Vox N {x}");
    }
}
