//! Showing sessions and plans to people and programs. What is shown is computed elsewhere;
//! this module only formats it: [`human`] for terminals and logs, [`json`] for programs,
//! [`github`] and [`sarif`] for CI, [`html`] for a page, [`diff`] for before/after views.

pub mod diff;
pub mod escape;
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod preflight;
pub mod sarif;
pub mod style;

use crate::plan::{Action, BusRef, Change, Plan};
use crate::session::Session;
use std::borrow::Cow;

/// A name on one line, for tables: a line break (REAPER keeps them in names) shown as `↵`.
pub fn one_line(name: &str) -> Cow<'_, str> {
    if name.contains(['\n', '\r']) {
        Cow::Owned(
            name.replace("\r\n", "\u{21b5}")
                .replace(['\n', '\r'], "\u{21b5}"),
        )
    } else {
        Cow::Borrowed(name)
    }
}

/// `track 3 "kick in"` (1-based, as DAWs number tracks), the name as the DAW shows it.
pub fn track_label(session: &Session, index: usize) -> String {
    TrackLabel(session, index).to_string()
}

/// What a finding names before its message, as the text outputs show it: `track 3 "kick":
/// ` for one track, `tracks 2 "Pad", 9 "Pad": ` for a note said once for several tracks,
/// nothing for the whole project.
pub fn finding_tracks(session: &Session, finding: &crate::findings::Finding<'_>) -> String {
    use std::fmt::Write;
    match (finding.track, finding.tracks.as_slice()) {
        (Some(t), _) => format!("{}: ", TrackLabel(session, t)),
        (None, []) => String::new(),
        (None, tracks) => {
            let mut out = String::from("tracks ");
            for (i, &t) in tracks.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                let name = session.shown_name(t);
                let _ = write!(out, "{sep}{} {}", t + 1, escape::quoted(&name));
            }
            out.push_str(": ");
            out
        }
    }
}

/// [`track_label`] written where it goes, without a `String` of its own (a large project's
/// report has tens of thousands of them).
pub struct TrackLabel<'a>(pub &'a Session, pub usize);

impl std::fmt::Display for TrackLabel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self.0.shown_name(self.1);
        write!(f, "track {} {}", self.1 + 1, escape::quoted(&name))
    }
}

/// The name of the bus a move goes into, as the DAW shows it.
pub fn bus_name<'a>(session: &'a Session, plan: &'a Plan, bus: BusRef) -> Cow<'a, str> {
    match bus {
        BusRef::Existing(i) if i < session.tracks.len() => session.shown_name(i),
        BusRef::Existing(_) => Cow::Borrowed("?"),
        BusRef::New(k) => Cow::Borrowed(plan.new_buses.get(k).map_or("?", |b| b.name.as_str())),
    }
}

/// What a change does, in words: `rename to "Kick 1"`, `colour none → #d94f3d`.
pub fn describe(session: &Session, plan: &Plan, change: &Change) -> String {
    let track = session.tracks.get(change.track);
    match &change.action {
        Action::Rename { to } => format!("rename to {}", escape::quoted(to)),
        Action::Recolor { to } => {
            let from = track
                .and_then(|t| t.color)
                .map_or_else(|| "none".to_string(), |c| c.to_string());
            format!("colour {from} → {to}")
        }
        Action::MoveToBus { bus } => {
            let new = if matches!(bus, BusRef::New(_)) {
                " (new)"
            } else {
                ""
            };
            let bus = bus_name(session, plan, *bus);
            let name = escape::text(&bus);
            format!("into bus {name}{new}")
        }
        Action::Mute => "mute".to_string(),
        Action::Remove => "remove".to_string(),
        Action::Flag { reasons } => {
            let why: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
            format!("unused ({})", why.join(", "))
        }
        Action::ClipGain {
            db,
            measure,
            measured,
            target,
            ..
        } => format!(
            "clip gain {:+.1} dB ({} {:.1} → {} {})",
            db,
            measure.as_str(),
            measured,
            num(*target),
            measure.unit()
        ),
        Action::Fader {
            db,
            from_db,
            balance,
        } => {
            let from = from_db.map_or_else(|| "-inf".to_string(), |d| format!("{d:+.1}"));
            let why = if *balance { " (keeps the balance)" } else { "" };
            format!("fader {from} → {db:+.1} dB{why}")
        }
        Action::Pan { to, from } => format!(
            "pan {} → {}",
            crate::rules::pan_text(*from),
            crate::rules::pan_text(*to)
        ),
        Action::RouteDirect => "output → the hardware outputs (around the master)".to_string(),
    }
}

/// A level as rules write it: `-6`, `-18.5`.
fn num(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}
