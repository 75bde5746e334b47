//! What premix reports about a project beside the changes its plan wants: findings, each
//! with a severity, and the ladder `--fail-on` climbs to decide which of them fail a run.
//!
//! A pending change is not a finding: `apply` makes it, so `check` always fails on it (unless
//! told to fail on nothing). A finding is something `apply` leaves as it is:
//!
//! | code | severity | what |
//! |---|---|---|
//! | `unsettled` | error | the rules contradict themselves on this project: a second run would change it again (fix the rules) |
//! | `unused` | warning | an audio or MIDI track the `unused` section flags (no media, muted, all media muted) |
//! | `reference` | warning | a reference track (the rules' `reference` section) that still feeds the master |
//! | `declined` | info | a change the rules asked for that premix or the format declined, with the reason (a note) |
//!
//! One reason, one finding: notes of a plan that say the same (a Live 8 set stores no track
//! colour premix can write, once per track the rules would recolour; why an Ardour 2 session
//! gets no new bus, for the bus and each of its members) are one finding naming every track
//! they concern ([`Finding::tracks`]). A flag (`unused`, `reference`) stays about its track.
//!
//! Nothing here knows a file format or an output format.

use crate::plan::{Action, Origin, Plan};
use crate::session::Session;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// How much a finding matters, least first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of finding it is; each kind has one severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Code {
    Unsettled,
    Unused,
    Declined,
    Reference,
}

impl Code {
    pub const ALL: [Code; 4] = [
        Code::Unsettled,
        Code::Unused,
        Code::Reference,
        Code::Declined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unsettled => "unsettled",
            Code::Unused => "unused",
            Code::Declined => "declined",
            Code::Reference => "reference",
        }
    }

    /// The code named `text`, as [`Code::as_str`] spells it.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn severity(self) -> Severity {
        match self {
            Code::Unsettled => Severity::Error,
            Code::Unused | Code::Reference => Severity::Warning,
            Code::Declined => Severity::Info,
        }
    }

    /// One sentence saying what findings of this code mean (SARIF rule descriptions).
    pub fn description(self) -> &'static str {
        match self {
            Code::Unsettled => {
                "The rules contradict themselves on this project (a rename feeds on its own \
                 result, or one rule undoes another): a second run would change it again."
            }
            Code::Unused => {
                "An audio or MIDI track the rules' `unused` section counts as unused (no media, \
                 muted, or all its media muted)."
            }
            Code::Declined => {
                "A change the rules asked for that premix or the project's format declined, \
                 with the reason."
            }
            Code::Reference => {
                "A reference track (the rules' `reference` section) that still feeds the master, \
                 so it would be heard through the mix bus and its processing."
            }
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding about one project.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding<'a> {
    pub code: Code,
    /// The track it is about, by its 0-based index in the session as read; `None` for the
    /// whole project.
    pub track: Option<usize>,
    /// What was found, in words: `unused (no_media)`, a note's reason.
    pub message: String,
    /// The rule (or `unused` section) that led to it, when one did. For a note said once for
    /// several changes: their rule when they share one, else the rule of the note about the
    /// whole project among them (`bus GUITARS`), else `None`.
    pub origin: Option<&'a Origin>,
    /// Every track it concerns (0-based, in the order the notes named them): `[track]` for a
    /// finding about one track, empty for one about the whole project alone, and for a note
    /// said once for several tracks each of them (`track` is then `None`).
    pub tracks: Vec<usize>,
    /// How many notes of the plan it says (each a declined change): 1, or more for a reason
    /// that held for several changes; 0 for a flag.
    pub notes: usize,
}

impl Finding<'_> {
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// The findings of a planned project: its flagged tracks in plan order, then its notes.
pub fn of<'a>(session: &Session, plan: &'a Plan) -> Vec<Finding<'a>> {
    let mut out = Vec::new();
    for change in &plan.changes {
        if let Action::Flag { reasons } = &change.action {
            let why: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
            out.push(Finding {
                code: Code::Unused,
                track: Some(change.track).filter(|&t| t < session.tracks.len()),
                message: format!("unused ({})", why.join(", ")),
                origin: Some(&change.origin),
                tracks: (change.track < session.tracks.len())
                    .then_some(change.track)
                    .into_iter()
                    .collect(),
                notes: 0,
            });
        }
    }
    let routed: Vec<usize> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::RouteDirect)
        .map(|c| c.track)
        .collect();
    for reference in &plan.references {
        let t = reference.track;
        let Some(track) = session.tracks.get(t) else {
            continue;
        };
        if !routed.contains(&t)
            && !track.mixer.direct_out
            && track.feeds_parent
            && session.reaches_master(track.parent)
        {
            out.push(Finding {
                code: Code::Reference,
                track: Some(t),
                message: "reference track still feeds the master (and its processing)".into(),
                origin: Some(&reference.origin),
                tracks: vec![t],
                notes: 0,
            });
        }
    }
    // One reason, one finding: notes saying the same are merged into the first of them.
    let mut said: HashMap<(Code, &str), usize> = HashMap::new();
    // Per finding said by several notes: the rule of a note about the whole project among
    // them, if one was, and whether their rules differ.
    let mut merged: HashMap<usize, (Option<Option<&Origin>>, bool)> = HashMap::new();
    for note in &plan.notes {
        let unsettled = plan.unsettled && note.message == crate::rules::UNSETTLED_NOTE;
        let code = if unsettled {
            Code::Unsettled
        } else {
            Code::Declined
        };
        let track = note.track.filter(|&t| t < session.tracks.len());
        let Some(&i) = said.get(&(code, note.message.as_str())) else {
            said.insert((code, note.message.as_str()), out.len());
            out.push(Finding {
                code,
                track,
                message: note.message.clone(),
                origin: note.origin.as_ref(),
                tracks: track.into_iter().collect(),
                notes: 1,
            });
            continue;
        };
        let f = &mut out[i];
        let (whole, mixed) = merged
            .entry(i)
            .or_insert((f.track.is_none().then_some(f.origin), false));
        *mixed |= f.origin != note.origin.as_ref();
        match track {
            None => *whole = whole.or(Some(note.origin.as_ref())),
            Some(t) if !f.tracks.contains(&t) => f.tracks.push(t),
            Some(_) => {}
        }
        f.notes += 1;
    }
    for (i, (whole, mixed)) in merged {
        let f = &mut out[i];
        if whole.is_some() || f.tracks.len() != 1 {
            f.track = None;
        }
        if mixed {
            // Rules differ: name the one behind the reason (the note about the whole
            // project), or none.
            f.origin = whole.flatten();
        }
    }
    out
}

/// What makes a run that reports like a linter (`check`, `report`) exit 1: a ladder, each
/// step failing on what the one before does and more.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum FailOn {
    /// Nothing: exit 0 whatever is found (errors reading a project still exit 2).
    Never,
    /// Changes the rules want (the default).
    #[default]
    Changes,
    /// Changes and error findings.
    Error,
    /// Changes, errors and warnings.
    Warning,
    /// Changes and every finding.
    Info,
}

impl FailOn {
    pub fn changes_fail(self) -> bool {
        self >= FailOn::Changes
    }

    /// True when a finding of `severity` fails the run.
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Never | FailOn::Changes => false,
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Never => "never",
            FailOn::Changes => "changes",
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Info => "info",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Change, Note, UnusedReason};
    use crate::session::{Format, Track, TrackKind};

    fn origin() -> Origin {
        Origin {
            file: "r.yaml".into(),
            line: 3,
            label: "unused".into(),
        }
    }

    #[test]
    fn flags_are_warnings_notes_info_and_unsettled_rules_an_error() {
        let track = Track::new(0, "Audio 1", TrackKind::Audio);
        let session = Session {
            format: Format::Rpp,
            media: Default::default(),
            tracks: vec![track],
            name_display: Default::default(),
        };
        let plan = Plan {
            changes: vec![Change {
                track: 0,
                action: Action::Flag {
                    reasons: vec![UnusedReason::NoMedia],
                },
                origin: origin(),
            }],
            notes: vec![
                Note {
                    track: Some(0),
                    message: "not renamed: taken".into(),
                    origin: Some(origin()),
                },
                Note {
                    track: None,
                    message: crate::rules::UNSETTLED_NOTE.into(),
                    origin: None,
                },
            ],
            unsettled: true,
            ..Plan::default()
        };
        let found: Vec<(Code, Severity, Option<usize>)> = of(&session, &plan)
            .iter()
            .map(|f| (f.code, f.severity(), f.track))
            .collect();
        assert_eq!(
            found,
            [
                (Code::Unused, Severity::Warning, Some(0)),
                (Code::Declined, Severity::Info, Some(0)),
                (Code::Unsettled, Severity::Error, None),
            ]
        );
    }

    /// A finding's track, tracks, notes said and rule label.
    type Said<'a> = (Option<usize>, Vec<usize>, usize, Option<&'a str>);

    #[test]
    fn one_reason_is_one_finding_naming_its_tracks_and_the_rule_behind_it() {
        let session = Session {
            format: Format::Ardour,
            media: Default::default(),
            tracks: (0..3)
                .map(|i| Track::new(i, format!("Gtr {i}").as_str(), TrackKind::Audio))
                .collect(),
            name_display: Default::default(),
        };
        let rule = |label: &str| Origin {
            file: "r.yaml".into(),
            line: 1,
            label: label.into(),
        };
        let note = |track, message: &str, origin| Note {
            track,
            message: message.into(),
            origin: Some(origin),
        };
        let plan = Plan {
            notes: vec![
                note(Some(1), "bus not made: old format", rule("guitars")),
                note(None, "bus not made: old format", rule("bus GUITARS")),
                note(Some(2), "bus not made: old format", rule("guitars")),
                note(Some(0), "not recoloured: old set", rule("keys")),
                note(Some(2), "not recoloured: old set", rule("guitars")),
                note(Some(1), "not renamed: taken", rule("names")),
                note(Some(1), "not renamed: taken", rule("names")),
            ],
            ..Plan::default()
        };
        let found: Vec<Said<'_>> = of(&session, &plan)
            .iter()
            .map(|f| {
                (
                    f.track,
                    f.tracks.clone(),
                    f.notes,
                    f.origin.map(|o| &*o.label),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                // The note about the whole project names the rule behind the reason.
                (None, vec![1, 2], 3, Some("bus GUITARS")),
                // Rules differ and none is about the project: no single rule led to it.
                (None, vec![0, 2], 2, None),
                // The same note twice about one track stays about it.
                (Some(1), vec![1], 2, Some("names")),
            ]
        );
    }

    #[test]
    fn the_fail_on_ladder_includes_every_step_below() {
        assert!(!FailOn::Never.changes_fail());
        assert!(FailOn::Changes.changes_fail() && !FailOn::Changes.fails(Severity::Error));
        assert!(FailOn::Error.fails(Severity::Error) && !FailOn::Error.fails(Severity::Warning));
        assert!(FailOn::Warning.fails(Severity::Warning) && !FailOn::Warning.fails(Severity::Info));
        assert!(FailOn::Info.fails(Severity::Info) && FailOn::Info.changes_fail());
    }
}
