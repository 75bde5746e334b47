//! The YAML rules: loading with line:column errors (every mistake of a file at once),
//! matching tracks, planning changes.
//!
//! One rules file serves every DAW: rules see only [`crate::session::Session`] and produce a
//! [`crate::plan::Plan`]. Semantics, decided here once:
//! - Rules are tried in order for each track; the first match wins unless it says
//!   `continue: true`, in which case later matching rules apply too, and a later rule's
//!   `rename`/`color`/`bus` replaces an earlier one's. Conditions always see the track as read.
//! - Unless its `match` has a `kind` key of its own, a rule only matches audio and MIDI
//!   tracks, so buses and returns are left alone unless a rule asks for them. A `kind` nested
//!   in `any`/`not` narrows that default rather than replacing it.
//! - Regexes are case-insensitive (`name`, `media`, `plugin`, `inside`, bus `aliases`).
//! - A name regex (`name`, `inside`, bus `aliases`) holds when it matches the name as written
//!   or its normalised form: `_ - .`, camelCase and letter/digit boundaries read as spaces,
//!   Live's `N-` auto-number prefix dropped (`Kick_In` → `Kick In`, `2-Drum Rack` →
//!   `Drum Rack`; [`names`]). A rename's captures come from the form that matched, the
//!   written one first.
//! - A rendered name is trimmed of surrounding whitespace, so `'Kick {1}'` on `kick` gives `Kick`.
//! - `unused` considers audio and MIDI tracks only (a bus or a return has no media of its own).
//! - `extends: FILE` (relative to the extending file) or `extends: default` layers a file on
//!   another: its colours and buses add to or replace the base's (by name), its rules come
//!   before the base's, and its `unused` section, when given, replaces the base's. A colour
//!   the layer redefines recolours everything of the base that named it (`colors: {drums:
//!   ...}` recolours the default's drum rules and `DRUMS` bus).
//! - A declared bus that already exists is reused and given its declared colour; otherwise it
//!   is created where its first member sits. The existing bus is the first bus track named
//!   like the declaration (any case), else the first bus track one of its `aliases` matches
//!   that no earlier declaration took ([`RuleSet::existing_buses`]). Rules do not rename,
//!   recolour or move a declared bus's own track (a bus created by the run is not matched by
//!   rules either, so a second run behaves like the first).

mod compile;
mod condition;
mod family;
pub mod infer;
mod mix;
pub mod names;
mod planner;
mod positions;
mod schema;
mod shape;
mod structure;
mod syntax;
mod template;

pub use compile::{MAX_RULES_BYTES, Resolve, load, load_layered};
pub use condition::Condition;
pub use family::families;
pub use mix::{GAIN_TOLERANCE_DB, keep_balance, pan_text};
pub use names::Names;
pub use planner::{UNSETTLED_NOTE, plan};
pub use positions::Position;
pub use structure::keep_structure;

use crate::plan::UnusedReason;
use crate::session::{Rgb, Session, Track, TrackKind};
use names::NameForms;
use regex::Regex;
use std::fmt;
use std::sync::Arc;
use template::Template;

/// The embedded default convention (`rules/default.yaml`).
pub const DEFAULT_RULES: &str = include_str!("../../rules/default.yaml");
/// How the embedded default names itself in reports.
pub const DEFAULT_RULES_NAME: &str = "<default rules>";
/// The embedded `dry-mix` convention (`rules/dry-mix.yaml`): the default convention, and
/// every track at a level to mix from, references routed around the master.
pub const DRY_MIX_RULES: &str = include_str!("../../rules/dry-mix.yaml");
/// How the embedded `dry-mix` convention names itself in reports.
pub const DRY_MIX_RULES_NAME: &str = "<dry-mix rules>";
/// The names of the embedded conventions, as `extends:` and `--rules` take them.
pub const EMBEDDED: [&str; 2] = ["default", "dry-mix"];

/// The embedded convention called `name` (`default`, `dry-mix`), if there is one.
pub fn embedded(name: &str) -> Option<RuleSet> {
    match name {
        "default" => Some(RuleSet::default_rules()),
        "dry-mix" => Some(
            load(DRY_MIX_RULES, DRY_MIX_RULES_NAME).expect("the embedded dry-mix rules are valid"),
        ),
        _ => None,
    }
}

/// A rules file that cannot be used, with the place of the mistake.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct RulesError {
    pub file: Arc<str>,
    pub position: Option<Position>,
    pub message: String,
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "{}:{}:{}: {}", self.file, p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every mistake found in a rules file and the files it extends, in the order they sit in
/// each file: as many as one reading can find (a YAML syntax error ends the reading of its
/// file; mistakes in keys, types and values are all collected). Never empty.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct RulesErrors(pub Vec<RulesError>);

impl RulesErrors {
    /// The first mistake, in file order.
    pub fn first(&self) -> &RulesError {
        &self.0[0]
    }

    pub fn iter(&self) -> impl Iterator<Item = &RulesError> {
        self.0.iter()
    }

    /// Sorts by file, then position (mistakes without a position first), and drops repeats.
    fn sorted(mut errors: Vec<RulesError>) -> RulesErrors {
        errors.sort_by(|a, b| {
            let key = |e: &RulesError| e.position.map(|p| (p.line, p.column));
            (a.file.as_ref(), key(a)).cmp(&(b.file.as_ref(), key(b)))
        });
        errors.dedup();
        RulesErrors(errors)
    }
}

impl From<RulesError> for RulesErrors {
    fn from(e: RulesError) -> Self {
        RulesErrors(vec![e])
    }
}

/// One mistake per line, each `FILE:LINE:COLUMN: message`.
impl fmt::Display for RulesErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Which track kinds a rule applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindFilter {
    Only(TrackKind),
    Any,
    /// The default: audio or MIDI tracks.
    Tracks,
}

impl KindFilter {
    pub fn accepts(self, kind: TrackKind) -> bool {
        match self {
            KindFilter::Only(k) => k == kind,
            KindFilter::Any => true,
            KindFilter::Tracks => matches!(kind, TrackKind::Audio | TrackKind::Midi),
        }
    }
}

#[derive(Clone, Debug)]
pub struct BusDecl {
    pub name: String,
    pub color: Option<Rgb>,
    /// How many tracks or whole folders must go into the bus before premix creates it
    /// (`min_members`, default 2). An existing bus takes any number.
    pub min_members: usize,
    /// Where it was declared (a layered rule set mixes files).
    pub file: Arc<str>,
    pub line: usize,
    /// Other names an existing bus of this family goes by (`aliases:`), case-insensitive,
    /// matched like track names (either form, see [`names`]).
    pub aliases: Vec<Regex>,
    /// The name under `colors:` that `color` was given by, if any: a layer that redefines
    /// that name recolours the bus (`extends:`).
    pub color_name: Option<String>,
}

impl BusDecl {
    /// True when one of this declaration's aliases matches `name` (either form).
    fn is_aliased(&self, name: NameForms<'_>) -> bool {
        self.aliases.iter().any(|re| name.is_match(re))
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    /// The rule's `name:`, or `rule N` when it has none.
    pub label: String,
    pub file: Arc<str>,
    pub line: usize,
    pub condition: Condition,
    /// The default kind filter, when the rule's `match` names no `kind`.
    pub default_kind: Option<KindFilter>,
    pub rename: Option<Template>,
    pub color: Option<Rgb>,
    /// Index into [`RuleSet::buses`].
    pub bus: Option<usize>,
    pub continue_: bool,
    /// The level the track's clip gain brings it to (`gain:`).
    pub gain: Option<GainTarget>,
    /// The track fader, dB (`fader:`).
    pub fader: Option<f64>,
    /// The track's pan, -1 left .. 0 centre .. 1 right (`pan:`).
    pub pan: Option<f64>,
    /// The name under `colors:` that `color` was given by, if any: a layer that redefines
    /// that name recolours what the rule colours (`extends:`).
    pub color_name: Option<String>,
}

/// What a track's clip gain aims at: its sample peak (dBFS) or its integrated loudness (LUFS).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GainTarget {
    pub measure: crate::plan::GainMeasure,
    pub target: f64,
}

/// The `gain_staging` section.
#[derive(Clone, Debug)]
pub struct GainStaging {
    /// Move each gain-staged track's fader by the inverse of its clip gain, so that fader ×
    /// clip gain (the producer's balance) is unchanged.
    pub keep_balance: bool,
    pub file: Arc<str>,
    pub line: usize,
}

/// The `reference` section: which tracks are references, and how they are set up.
#[derive(Clone, Debug)]
pub struct ReferencePolicy {
    pub condition: Condition,
    /// The default kind filter, when the `match` names no `kind` (audio or MIDI tracks).
    pub default_kind: Option<KindFilter>,
    /// `output: direct`: routed straight to the hardware outputs, around the master.
    pub direct: bool,
    pub loudness: Option<ReferenceLoudness>,
    pub file: Arc<str>,
    pub line: usize,
}

/// A reference's level: a loudness, or the loudness another track plays at.
#[derive(Clone, Debug)]
pub enum ReferenceLoudness {
    Lufs(f64),
    /// The first track (not a reference) whose name this matches (either form, as `name`).
    Like(Regex),
}

#[derive(Clone, Debug, PartialEq)]
pub enum UnusedAction {
    Flag,
    Color(Rgb),
    Prefix(String),
    Mute,
    Bus(usize),
    Remove,
}

#[derive(Clone, Debug)]
pub struct UnusedPolicy {
    pub when: Vec<UnusedReason>,
    pub action: UnusedAction,
    pub file: Arc<str>,
    pub line: usize,
    /// The name under `colors:` that a `color` action's colour was given by, if any.
    pub color_name: Option<String>,
    /// `except:`: tracks that are never unused whatever they hold (a click, a tempo map, a
    /// video track), and whose media does not count as material for a mix: a film template
    /// whose only item is a 2-pop is still a template ([`RuleSet::has_material`]).
    pub except: Option<Condition>,
}

/// A validated rules file.
#[derive(Clone, Debug)]
pub struct RuleSet {
    /// The file the rules came from, as the user named it, or [`DEFAULT_RULES_NAME`].
    pub source: Arc<str>,
    /// Named colours, the base's included.
    pub colors: std::collections::BTreeMap<String, Rgb>,
    pub buses: Vec<BusDecl>,
    pub rules: Vec<Rule>,
    pub unused: Option<UnusedPolicy>,
    pub gain_staging: Option<GainStaging>,
    pub reference: Option<ReferencePolicy>,
}

impl RuleSet {
    /// The embedded default convention. Compiled once per process (its regexes are large,
    /// and every `extends: default` layers on it); each call returns a copy, which shares the
    /// compiled regexes.
    pub fn default_rules() -> RuleSet {
        static DEFAULT: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
        DEFAULT
            .get_or_init(|| {
                load(DEFAULT_RULES, DEFAULT_RULES_NAME)
                    .expect("the embedded default rules are valid")
            })
            .clone()
    }

    /// For each bus declaration (by index into [`RuleSet::buses`]), the index of the existing
    /// bus track of `session` it reuses, if any: the first bus track named like the
    /// declaration (any case), else the first bus track one of its aliases matches. A track is
    /// the bus of one declaration only (the first that claims it); `names` are the session's
    /// normalised names ([`Names::of`]). Returns and audio/MIDI tracks are never reused.
    pub fn existing_buses(&self, session: &Session, names: &Names) -> Vec<Option<usize>> {
        let mut taken: Vec<Option<usize>> = vec![None; self.buses.len()];
        let is_bus = |i: &usize| session.tracks[*i].kind == TrackKind::Bus;
        let free = |taken: &[Option<usize>], i: usize| !taken.contains(&Some(i));
        // Exact names first, for every declaration: an alias of one never takes the bus
        // another is named after.
        for (d, decl) in self.buses.iter().enumerate() {
            taken[d] = (0..session.tracks.len()).filter(is_bus).find(|&i| {
                free(&taken, i) && session.tracks[i].name.eq_ignore_ascii_case(&decl.name)
            });
        }
        for (d, decl) in self.buses.iter().enumerate() {
            if taken[d].is_some() || decl.aliases.is_empty() {
                continue;
            }
            taken[d] = (0..session.tracks.len())
                .filter(is_bus)
                .find(|&i| free(&taken, i) && decl.is_aliased(names.forms(session, i)));
        }
        taken
    }

    /// The rules that apply to `track` of `session`, in order, with their indexes: every
    /// matching rule up to and including the first without `continue: true`. `names` are the
    /// session's normalised names ([`Names::of`]).
    pub fn applying<'a>(
        &'a self,
        session: &'a Session,
        names: &'a Names,
        track: &'a Track,
    ) -> impl Iterator<Item = (usize, &'a Rule)> + 'a {
        // Hand-rolled rather than filter + take_while: no rule after the last one that
        // applies is evaluated.
        let mut next = 0;
        let mut stopped = false;
        std::iter::from_fn(move || {
            while !stopped && next < self.rules.len() {
                let (r, rule) = (next, &self.rules[next]);
                next += 1;
                if rule.default_kind.is_none_or(|k| k.accepts(track.kind))
                    && rule.condition.holds(session, names, track)
                {
                    stopped = !rule.continue_;
                    return Some((r, rule));
                }
            }
            None
        })
    }

    /// True when `session` holds material to mix: some track that the `unused` section's
    /// `except` does not name has items/clips/regions. Without material the project is a
    /// template (or an empty session, or one whose only media is a sync pop or a click): its
    /// tracks are waiting for material, not unused. `names` are the session's ([`Names::of`]).
    pub fn has_material(&self, session: &Session, names: &Names) -> bool {
        session
            .tracks
            .iter()
            .any(|t| t.media_count > 0 && !self.never_unused(session, names, t))
    }

    /// True when the `unused` section's `except` names `track`.
    fn never_unused(&self, session: &Session, names: &Names, track: &Track) -> bool {
        self.unused
            .as_ref()
            .and_then(|u| u.except.as_ref())
            .is_some_and(|c| c.holds(session, names, track))
    }

    /// Why `track` of `session` counts as unused under this rule set (empty when it does
    /// not). `has_material` is [`RuleSet::has_material`] of its project: in a project without
    /// material (a template) a track without media is waiting for material, not unused. A
    /// track other tracks send to is never unused, nor one the section's `except` names.
    pub fn unused_reasons(
        &self,
        session: &Session,
        names: &Names,
        track: &Track,
        has_material: bool,
    ) -> Vec<UnusedReason> {
        let Some(policy) = &self.unused else {
            return Vec::new();
        };
        if !KindFilter::Tracks.accepts(track.kind)
            || track.fed_by_tracks
            || self.never_unused(session, names, track)
        {
            return Vec::new();
        }
        let project_has_media = has_material;
        policy
            .when
            .iter()
            .copied()
            .filter(|reason| match reason {
                UnusedReason::NoMedia => project_has_media && track.media_count == 0,
                UnusedReason::Muted => track.muted,
                UnusedReason::AllMediaMuted => track.all_media_muted(),
                UnusedReason::Silent => track.silent == Some(true),
            })
            .collect()
    }

    /// True when the `unused` section asks for `silent`, so planning needs the tracks'
    /// audio analysed first ([`crate::preflight::run::mark_silent`]).
    pub fn wants_silence(&self) -> bool {
        self.unused
            .as_ref()
            .is_some_and(|u| u.when.contains(&UnusedReason::Silent))
    }

    /// True when planning needs the tracks' audio analysed first: `unused` asks for
    /// `silent`, a rule sets a clip gain, or references are brought to a loudness (their
    /// levels, [`crate::session::Track::levels`]).
    pub fn wants_audio(&self) -> bool {
        self.wants_silence()
            || self.rules.iter().any(|r| r.gain.is_some())
            || self
                .reference
                .as_ref()
                .is_some_and(|r| r.loudness.is_some())
    }

    /// True when `track` of `session` is a reference track under the `reference` section.
    pub fn is_reference(&self, session: &Session, names: &Names, track: &Track) -> bool {
        self.reference.as_ref().is_some_and(|r| {
            r.default_kind.is_none_or(|k| k.accepts(track.kind))
                && r.condition.holds(session, names, track)
        })
    }
}
