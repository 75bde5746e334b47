//! What the learner reads of the projects: every track as an observation (its name as the
//! features a rule can match, the colour and bus its author gave it), with colours made
//! comparable across DAWs and the studio's buses gathered by name.
//!
//! Names are read the way the rules engine reads them ([`crate::rules::names`]): a feature
//! is something a generated regex matches on the name as written or its normalised form, so
//! what the learner counts is what the rules file will match.
//! - a **word**: a run of letters (at least two) of either form, lower case, a plural `s`
//!   folded into its singular (`violins` and `violin` are one word; rendered `\bviolins?\b`);
//! - the **shape**: the whole normalised name, numbers generalised (`Vox 1`, `vox_2` and
//!   `VOX-3` have the shape `^vox \d+$`);
//! - **inside**: the normalised name of an enclosing folder/bus (`^strings$`).

use super::Role;
use crate::rules::names;
use crate::session::{ColourSpace, Rgb, Session, TrackKind};
use std::collections::{BTreeMap, BTreeSet};

/// One project to learn from.
#[derive(Clone, Debug)]
pub struct Evidence {
    /// How reports name the project (its path as given).
    pub name: String,
    pub session: Session,
    /// The colours its tracks can show ([`crate::formats::Project::colour_space`]).
    pub colours: ColourSpace,
}

/// Something a rule's `match` can test.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Feature {
    /// A word (its singular, lower case): `\bword(s?)\b` on the name.
    Word(String),
    /// The whole name, numbers generalised: the regex itself (`^vox \d+$`).
    Shape(String),
    /// An enclosing folder/bus: the regex itself (`^strings$`), for `inside:`.
    Inside(String),
}

impl Feature {
    /// The regex that finds the feature (for `Inside`, on a folder's name).
    pub fn regex(&self) -> String {
        match self {
            Feature::Word(w) => word_regex(w),
            Feature::Shape(re) | Feature::Inside(re) => re.clone(),
        }
    }
}

/// A colour as a sortable key.
pub(super) fn colour_key(c: Rgb) -> u32 {
    (u32::from(c.r) << 16) | (u32::from(c.g) << 8) | u32::from(c.b)
}

pub(super) fn colour_of(key: u32) -> Rgb {
    Rgb::new((key >> 16) as u8, (key >> 8) as u8, key as u8)
}

/// What an author gave a track: its colour (canonical, see [`Observed::canonical`]) and, for
/// an audio or MIDI track, the studio bus it sits in (an index into [`Observed::buses`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Label {
    pub colour: Option<u32>,
    pub bus: Option<usize>,
}

impl Label {
    pub const NONE: Label = Label {
        colour: None,
        bus: None,
    };
}

/// One track of one project.
#[derive(Clone, Debug)]
pub(super) struct Obs {
    /// Index into [`Observed::projects`].
    pub project: usize,
    /// The track's index in its session.
    pub track: usize,
    pub role: Role,
    pub label: Label,
    /// Ids of the name features (words and shape), sorted; empty when the name says nothing.
    pub names: Vec<usize>,
    /// Ids of the `Inside` features of its enclosing folders, sorted.
    pub inside: Vec<usize>,
    /// Id of its shape feature, if its name says something.
    pub shape: Option<usize>,
    /// Left out of learning: a track the learned `unused` policy colours, or the folder a
    /// declaration reuses (rules do not touch it).
    pub excluded: bool,
    /// For a folder/bus track, the studio bus it is (an index into [`Observed::buses`]).
    pub own_bus: Option<usize>,
    /// False for a project whose colours cannot be read: its `label.colour` says nothing,
    /// and only its names and folders are evidence.
    pub colour_known: bool,
}

/// A folder/bus of the studio, gathered by its normalised name across projects.
#[derive(Clone, Debug)]
pub(super) struct StudioBus {
    /// The normalised name, lower case: what makes two folders one bus.
    pub key: String,
    /// Each spelling as written, and how many folders carry it.
    pub spellings: BTreeMap<String, usize>,
    /// The canonical colour of each folder track of that name, `None` for none.
    pub colours: BTreeMap<Option<u32>, usize>,
    /// Projects holding it (indexes into [`Observed::projects`]).
    pub projects: BTreeSet<usize>,
    /// The fewest tracks and folders directly inside it, in any project.
    pub fewest_members: usize,
}

impl StudioBus {
    /// The spelling most folders carry (the first in sort order on a tie).
    pub fn name(&self) -> &str {
        most_common(&self.spellings).map_or(self.key.as_str(), String::as_str)
    }

    /// The colour most of its folders carry (`None` on a tie with no colour).
    pub fn colour(&self) -> Option<u32> {
        most_common(&self.colours).copied().flatten()
    }
}

/// The key with the highest count (the first in key order on a tie).
pub(super) fn most_common<K: Ord>(counts: &BTreeMap<K, usize>) -> Option<&K> {
    let best = counts.values().copied().max()?;
    counts.iter().find(|(_, n)| **n == best).map(|(k, _)| k)
}

/// Every project's tracks as observations.
pub(super) struct Observed<'a> {
    /// The projects learned from, sorted by name (so the same projects in any order give the
    /// same file).
    pub projects: Vec<&'a Evidence>,
    /// Projects whose colours cannot be read: their names and folders are learned from, not
    /// their colours.
    pub skipped: Vec<String>,
    pub features: Vec<Feature>,
    pub obs: Vec<Obs>,
    pub buses: Vec<StudioBus>,
    /// For each project, for each track, its observation (an index into `obs`).
    pub obs_of: Vec<Vec<usize>>,
    /// For each project, the track of each studio bus a declaration of it would reuse: the
    /// first folder of that name.
    pub bus_tracks: Vec<BTreeMap<usize, usize>>,
}

/// Names that say nothing about what a track holds: empty, a number, or a DAW's default name
/// (the list of `rules/default.yaml`'s `default_name`).
fn says_nothing(normalised_lower: &str, words: &BTreeSet<String>) -> bool {
    const DEFAULT_NAMES: [&str; 14] = [
        "audio",
        "midi",
        "instrument",
        "inst",
        "track",
        "trk",
        "aux",
        "bus",
        "group",
        "return",
        "send",
        "untitled",
        "unnamed",
        "new track",
    ];
    let letters = normalised_lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
    words.is_empty() || DEFAULT_NAMES.contains(&letters)
}

/// Folds a plural `s` into the singular: `violins` → `violin`, but `bass`, `chorus`, `ohs`
/// stay (see [`word_regex`], which matches both again).
fn stem(word: &str) -> &str {
    let n = word.chars().count();
    if n >= 4
        && word.ends_with('s')
        && !(word.ends_with("ss") || word.ends_with("us") || word.ends_with("is"))
    {
        &word[..word.len() - 1]
    } else {
        word
    }
}

/// The regex of a stemmed word: the word and, when [`stem`] folds its plural, the plural.
pub(super) fn word_regex(stem: &str) -> String {
    let plural_folds = stem.chars().count() >= 3 && !stem.ends_with(['s', 'u', 'i']);
    format!(
        "{}{}",
        regex::escape(stem),
        if plural_folds { "s?" } else { "" }
    )
}

/// The words of a name: runs of letters (a run holding a digit or `_` is no word) of at least
/// two letters, in either form, lower case and stemmed.
fn words_of(forms: [&str; 2]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for form in forms {
        for run in form.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if run.chars().count() >= 2 && run.chars().all(char::is_alphabetic) {
                out.insert(stem(&run.to_lowercase()).to_string());
            }
        }
    }
    out.retain(|w| !STOP_WORDS.contains(&w.as_str()));
    out
}

/// Words too common to say anything about a track.
const STOP_WORDS: [&str; 7] = ["and", "the", "of", "for", "with", "to", "on"];

/// The regex of a whole normalised name, numbers generalised: `Vox 12` → `^vox \d+$`.
pub(super) fn shape_regex(normalised: &str) -> String {
    let lower = normalised.to_lowercase();
    let mut out = String::from("^");
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push_str(r"\d+");
        } else {
            out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
        }
    }
    out.push('$');
    out
}

/// The regex naming one folder exactly (any case, either form).
pub(super) fn folder_regex(key: &str) -> String {
    format!("^{}$", regex::escape(key))
}

/// The normalised form of `name` (the name itself when normalising changes nothing).
pub(super) fn normalised(name: &str) -> String {
    names::normalise(name).unwrap_or_else(|| name.to_string())
}

/// The key of a folder: its normalised name, lower case.
pub(super) fn bus_key(name: &str) -> String {
    normalised(name).to_lowercase()
}

impl<'a> Observed<'a> {
    /// Reads every project. Projects whose colours cannot be read are skipped (listed).
    pub fn of(evidence: &'a [Evidence]) -> Observed<'a> {
        let mut projects: Vec<&Evidence> = evidence.iter().collect();
        let mut skipped: Vec<String> = evidence
            .iter()
            .filter(|e| matches!(e.colours, ColourSpace::Unreadable))
            .map(|e| e.name.clone())
            .collect();
        projects.sort_by(|a, b| a.name.cmp(&b.name));
        projects.dedup_by(|a, b| a.name == b.name);
        skipped.sort();
        skipped.dedup();
        let canonical = Canonical::new(&projects);

        let mut observed = Observed {
            projects,
            skipped,
            features: Vec::new(),
            obs: Vec::new(),
            buses: Vec::new(),
            obs_of: Vec::new(),
            bus_tracks: Vec::new(),
        };
        let mut ids: BTreeMap<Feature, usize> = BTreeMap::new();
        let mut intern = |features: &mut Vec<Feature>, f: Feature| -> usize {
            *ids.entry(f.clone()).or_insert_with(|| {
                features.push(f);
                features.len() - 1
            })
        };
        let mut bus_index: BTreeMap<String, usize> = BTreeMap::new();

        for (p, project) in observed.projects.iter().enumerate() {
            let session = &project.session;
            let colour_known = !matches!(project.colours, ColourSpace::Unreadable);
            let keys: Vec<String> = session.tracks.iter().map(|t| bus_key(&t.name)).collect();
            // The studio's buses: folders with a name that says something.
            let mut first_of_key: BTreeMap<usize, usize> = BTreeMap::new();
            let mut studio_bus: Vec<Option<usize>> = vec![None; session.tracks.len()];
            for (i, t) in session.tracks.iter().enumerate() {
                if t.kind != TrackKind::Bus {
                    continue;
                }
                let words = words_of([&t.name, &normalised(&t.name)]);
                if says_nothing(&keys[i], &words) {
                    continue;
                }
                let next = observed.buses.len();
                let b = *bus_index.entry(keys[i].clone()).or_insert(next);
                if b == next {
                    observed.buses.push(StudioBus {
                        key: keys[i].clone(),
                        spellings: BTreeMap::new(),
                        colours: BTreeMap::new(),
                        projects: BTreeSet::new(),
                        fewest_members: usize::MAX,
                    });
                }
                let bus = &mut observed.buses[b];
                *bus.spellings.entry(t.name.to_string()).or_default() += 1;
                if colour_known {
                    *bus.colours
                        .entry(canonical.of(t.color, project.colours))
                        .or_default() += 1;
                }
                bus.projects.insert(p);
                let members = session
                    .tracks
                    .iter()
                    .filter(|c| c.parent == Some(i))
                    .count();
                bus.fewest_members = bus.fewest_members.min(members);
                studio_bus[i] = Some(b);
                first_of_key.entry(b).or_insert(i);
            }

            let mut of_project = Vec::with_capacity(session.tracks.len());
            for (i, t) in session.tracks.iter().enumerate() {
                let role = match t.kind {
                    TrackKind::Audio | TrackKind::Midi => Role::Track,
                    TrackKind::Bus => Role::Bus,
                    TrackKind::Return => Role::Return,
                    TrackKind::Foldback => Role::Foldback,
                };
                let normal = normalised(&t.name);
                let words = words_of([&t.name, &normal]);
                let mut names = Vec::new();
                let mut shape = None;
                if !says_nothing(&keys[i], &words) {
                    for w in words {
                        names.push(intern(&mut observed.features, Feature::Word(w)));
                    }
                    let s = intern(&mut observed.features, Feature::Shape(shape_regex(&normal)));
                    names.push(s);
                    shape = Some(s);
                }
                names.sort_unstable();
                let mut inside: Vec<usize> = session
                    .ancestors(i)
                    .filter(|&a| studio_bus[a].is_some())
                    .map(|a| {
                        intern(
                            &mut observed.features,
                            Feature::Inside(folder_regex(&keys[a])),
                        )
                    })
                    .collect();
                inside.sort_unstable();
                inside.dedup();
                let bus = match role {
                    Role::Track => t.parent.and_then(|p| studio_bus[p]),
                    Role::Bus | Role::Return | Role::Foldback => None,
                };
                of_project.push(observed.obs.len());
                observed.obs.push(Obs {
                    project: p,
                    track: i,
                    role,
                    label: Label {
                        colour: canonical.of(t.color, project.colours),
                        bus,
                    },
                    names,
                    inside,
                    shape,
                    excluded: false,
                    own_bus: studio_bus[i],
                    colour_known,
                });
            }
            observed.obs_of.push(of_project);
            observed.bus_tracks.push(first_of_key);
        }
        observed
    }

    /// The name of an observed track, as written.
    pub fn name(&self, obs: &Obs) -> &str {
        &self.projects[obs.project].session.tracks[obs.track].name
    }
}

/// Colours made comparable across DAWs. A project whose DAW shows a palette (Live) holds
/// palette colours: each is read as the most common colour of the exact-colour projects
/// (REAPER, Ardour, DAWproject) that the palette shows as that entry, so one studio's Live
/// and REAPER projects agree on a family's colour; a palette colour no exact colour maps to
/// stays itself.
struct Canonical {
    /// Palette colour → the exact colour it stands for, per palette (by the function's
    /// address, as every Live project shares one).
    mapped: BTreeMap<(usize, u32), u32>,
}

impl Canonical {
    fn new(projects: &[&Evidence]) -> Canonical {
        let mut exact: BTreeMap<u32, usize> = BTreeMap::new();
        for p in projects {
            if matches!(p.colours, ColourSpace::Exact) {
                for t in &p.session.tracks {
                    if let Some(c) = t.color {
                        *exact.entry(colour_key(c)).or_default() += 1;
                    }
                }
            }
        }
        let mut mapped: BTreeMap<(usize, u32), u32> = BTreeMap::new();
        // Most common first, then by colour: the first exact colour a palette entry meets is
        // the one it stands for.
        let mut by_count: Vec<(u32, usize)> = exact.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut palettes: Vec<fn(Rgb) -> Rgb> = Vec::new();
        for p in projects {
            if let ColourSpace::Palette(f) = p.colours
                && !palettes.iter().any(|g| std::ptr::fn_addr_eq(*g, f))
            {
                palettes.push(f);
            }
        }
        for f in palettes {
            for &(c, _) in &by_count {
                let shown = colour_key(f(colour_of(c)));
                mapped.entry((f as usize, shown)).or_insert(c);
            }
        }
        Canonical { mapped }
    }

    /// The canonical colour of a track colour read from a project of colour space `space`.
    fn of(&self, colour: Option<Rgb>, space: ColourSpace) -> Option<u32> {
        let c = colour_key(colour?);
        Some(match space {
            ColourSpace::Palette(f) => self.mapped.get(&(f as usize, c)).copied().unwrap_or(c),
            ColourSpace::Exact | ColourSpace::Unreadable => c,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_plurals_and_skip_numbers_and_short_runs() {
        let w = |name: &str| -> Vec<String> {
            words_of([name, &normalised(name)]).into_iter().collect()
        };
        assert_eq!(w("Violins 1"), ["violin"]);
        assert_eq!(w("Violin_II"), ["ii", "violin"]);
        assert_eq!(w("Bass DI"), ["bass", "di"]);
        assert_eq!(w("OH L"), ["oh"]);
        assert_eq!(w("KickIn"), ["in", "kick", "kickin"]);
        assert_eq!(w("Oboe and English Horn"), ["english", "horn", "oboe"]);
        assert_eq!(word_regex("violin"), "violins?");
        assert_eq!(word_regex("bass"), "bass");
        assert_eq!(word_regex("oh"), "oh");
        assert_eq!(word_regex("chorus"), "chorus");
    }

    #[test]
    fn a_shape_generalises_numbers_and_separators() {
        for name in ["Vox 1", "vox_2", "VOX-3", "Vox12"] {
            assert_eq!(shape_regex(&normalised(name)), r"^vox \d+$", "{name}");
        }
        assert_eq!(
            shape_regex("Strings [bowed]"),
            r"^strings \[bowed\]$",
            "regex characters are escaped"
        );
    }

    #[test]
    fn default_names_and_numbers_say_nothing() {
        for name in [
            "Audio 3",
            "3-MIDI",
            "Track1",
            "",
            "28",
            "|||",
            "New Track 2",
        ] {
            let n = bus_key(name);
            assert!(says_nothing(&n, &words_of([name, &n])), "{name}");
        }
        for name in ["Kick", "Audio Bus Vox", "Sine 03 Battle"] {
            let n = bus_key(name);
            assert!(!says_nothing(&n, &words_of([name, &n])), "{name}");
        }
    }
}
