//! Track conditions (`match:`) and how they are evaluated.

use super::KindFilter;
use super::names::Names;
use crate::session::{Session, Track};
use regex::Regex;

/// No condition reads a track's colour: the planner relies on it to settle colour-only plans
/// without another round (`planner::changes_what_rules_read`).
#[derive(Clone, Debug)]
pub enum Condition {
    /// Every condition holds (the keys of one `match` mapping).
    All(Vec<Condition>),
    /// At least one holds (`any:`).
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// The name as written or its normalised form matches ([`super::names`]).
    Name(Regex),
    Kind(KindFilter),
    /// Some media file name matches.
    Media(Regex),
    /// Some plugin name matches.
    Plugin(Regex),
    /// Some enclosing bus/folder's name matches (either form, as for `Name`).
    Inside(Regex),
    /// Some other track of the same folder (or of the top level, for a top-level track) has a
    /// name that matches (either form): the context an engineer reads a name in (a "Snare"
    /// beside timpani is orchestral percussion).
    Beside(Regex),
    Muted(bool),
    /// The track has no media at all.
    Empty(bool),
}

impl Condition {
    /// True when the condition holds for `track` of `session`; `names` are the session's
    /// normalised names ([`Names::of`]).
    pub fn holds(&self, session: &Session, names: &Names, track: &Track) -> bool {
        match self {
            Condition::All(all) => all.iter().all(|c| c.holds(session, names, track)),
            Condition::Any(any) => any.iter().any(|c| c.holds(session, names, track)),
            Condition::Not(c) => !c.holds(session, names, track),
            Condition::Name(re) => names.of_track(track).is_match(re),
            Condition::Kind(filter) => filter.accepts(track.kind),
            Condition::Media(re) => track.media_files.iter().any(|f| re.is_match(f)),
            Condition::Plugin(re) => track.plugins.iter().any(|p| re.is_match(p)),
            Condition::Inside(re) => session
                .ancestors(track.index)
                .any(|a| names.forms(session, a).is_match(re)),
            Condition::Beside(re) => names.beside(session, track, re),
            Condition::Muted(want) => track.muted == *want,
            Condition::Empty(want) => (track.media_count == 0) == *want,
        }
    }

    /// Capture groups of this `match` mapping's own `name` regex, for a rename's `{1}`..`{9}`,
    /// taken from the first form of the name it matches (as written, then normalised);
    /// borrowed, never copied (a name may be most of a project's bytes).
    pub fn name_captures<'a>(&self, names: &'a Names, track: &'a Track) -> Vec<Option<&'a str>> {
        let Condition::All(parts) = self else {
            return Vec::new();
        };
        let forms = names.of_track(track);
        parts
            .iter()
            .find_map(|c| match c {
                Condition::Name(re) => forms.captures(re),
                _ => None,
            })
            .map(|caps| caps.iter().skip(1).map(|m| m.map(|m| m.as_str())).collect())
            .unwrap_or_default()
    }

    /// True when this is a `match` mapping with its own `kind` key (not one nested in
    /// `any`/`not`, which narrows the default instead of replacing it).
    pub fn has_top_level_kind(&self) -> bool {
        match self {
            Condition::Kind(_) => true,
            Condition::All(cs) => cs.iter().any(|c| matches!(c, Condition::Kind(_))),
            _ => false,
        }
    }
}
