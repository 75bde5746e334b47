//! Track conditions (`match:`) and how they are evaluated.

use super::KindFilter;
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
    Name(Regex),
    Kind(KindFilter),
    /// Some media file name matches.
    Media(Regex),
    /// Some plugin name matches.
    Plugin(Regex),
    /// Some enclosing bus/folder's name matches.
    Inside(Regex),
    Muted(bool),
    /// The track has no media at all.
    Empty(bool),
}

impl Condition {
    pub fn holds(&self, session: &Session, track: &Track) -> bool {
        match self {
            Condition::All(all) => all.iter().all(|c| c.holds(session, track)),
            Condition::Any(any) => any.iter().any(|c| c.holds(session, track)),
            Condition::Not(c) => !c.holds(session, track),
            Condition::Name(re) => re.is_match(&track.name),
            Condition::Kind(filter) => filter.accepts(track.kind),
            Condition::Media(re) => track.media_files.iter().any(|f| re.is_match(f)),
            Condition::Plugin(re) => track.plugins.iter().any(|p| re.is_match(p)),
            Condition::Inside(re) => session
                .ancestors(track.index)
                .any(|a| re.is_match(&session.tracks[a].name)),
            Condition::Muted(want) => track.muted == *want,
            Condition::Empty(want) => (track.media_count == 0) == *want,
        }
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
