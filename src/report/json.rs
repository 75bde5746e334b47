//! JSON documents for programs: `inspect --json` and the run document of `check`/`apply`.
//!
//! Both carry `"version"` ([`JSON_VERSION`]); fields are only ever added within a version.
//! Track indexes count from 1, as the text output, the diffs and the HTML report number
//! tracks (and as DAWs do). Version 2 (this one) changed from version 1: track indexes
//! (`index`, `parent`, `track`, a bus's `track`) count from 1 instead of 0; a move names its
//! bus (`{"name", "track"}` for an existing bus, `{"name", "new_bus"}` for a new one, by its
//! 1-based place in `new_buses`); `changes` holds only changes to the file, while flagged
//! tracks and notes are `findings` with a code, a severity and whether a baseline accepts
//! them; the inspect document is versioned too.

use crate::findings::{Code, FailOn, Finding, Severity};
use crate::plan::{Action, BusRef, Change, NewBus, Origin, Plan, UnusedReason};
use crate::session::{Rgb, Session, TrackKind};
use serde::Serialize;

/// Version of the JSON documents' shape.
pub const JSON_VERSION: u32 = 2;
/// The run document's version (the same as every JSON document premix prints).
pub const RUN_DOCUMENT_VERSION: u32 = JSON_VERSION;

#[derive(Serialize)]
pub struct InspectTrack<'a> {
    /// 1-based.
    pub index: usize,
    pub name: &'a str,
    pub kind: TrackKind,
    pub color: Option<Rgb>,
    /// The 1-based index of the enclosing folder/group/bus.
    pub parent: Option<usize>,
    pub muted: bool,
    pub media: usize,
    pub media_files: &'a [String],
    pub muted_media: usize,
    pub plugins: &'a [String],
    pub unused: bool,
    pub unused_reasons: &'a [UnusedReason],
    /// What each audio item plays: files as written, offset and length into them (seconds of
    /// file time), place on the timeline, item gain (linear), mute, loop.
    pub items: &'a [crate::media::MediaRef],
    /// The name as the DAW shows it (`name` is what rules match): Live numbers and letters
    /// its tracks (`3-Audio`, `A-Reverb`); elsewhere the same as `name`.
    pub display_name: std::borrow::Cow<'a, str>,
    /// The fader as a linear gain (1 = 0 dB); `null` when the file holds none premix reads.
    pub fader: Option<f64>,
    /// -1 left .. 0 centre .. 1 right; `null` when the file holds none premix reads.
    pub pan: Option<f64>,
    /// The output goes straight to the hardware outputs, around the master.
    pub direct_out: bool,
}

#[derive(Serialize)]
pub struct InspectDocument<'a> {
    pub version: u32,
    pub path: String,
    pub format: &'static str,
    pub tracks: Vec<InspectTrack<'a>>,
}

pub fn inspect_document<'a>(
    path: &std::path::Path,
    session: &'a Session,
    unused: &'a [Vec<UnusedReason>],
) -> InspectDocument<'a> {
    InspectDocument {
        version: JSON_VERSION,
        path: path.display().to_string(),
        format: session.format.as_str(),
        tracks: session
            .tracks
            .iter()
            .zip(session.shown_names())
            .map(|(t, shown)| InspectTrack {
                index: t.index + 1,
                name: &t.name,
                kind: t.kind,
                color: t.color,
                parent: t.parent.map(|p| p + 1),
                muted: t.muted,
                media: t.media_count,
                media_files: &t.media_files,
                muted_media: t.muted_media_count,
                plugins: &t.plugins,
                unused: !unused[t.index].is_empty(),
                unused_reasons: &unused[t.index],
                items: &t.items,
                display_name: shown,
                fader: t.mixer.fader,
                pan: t.mixer.pan,
                direct_out: t.mixer.direct_out,
            })
            .collect(),
    }
}

/// The bus a change moves a track into.
#[derive(Serialize)]
pub struct BusEntry<'a> {
    pub name: std::borrow::Cow<'a, str>,
    /// An existing bus: its 1-based track index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track: Option<usize>,
    /// A bus the run creates: its 1-based place in the project's `new_buses`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_bus: Option<usize>,
}

/// One change to the file.
#[derive(Serialize)]
pub struct ChangeEntry<'a> {
    /// 1-based index of the track in the project as read.
    pub track: usize,
    /// The track's name as the DAW shows it ([`crate::session::Session::shown_name`]).
    pub track_name: std::borrow::Cow<'a, str>,
    /// `rename`, `recolor`, `move_to_bus`, `mute`, `remove`, `clip_gain`, `fader`, `pan`,
    /// `route_direct`.
    pub action: &'static str,
    /// The new name (`rename`) or colour (`recolor`, `#rrggbb`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bus: Option<BusEntry<'a>>,
    /// `clip_gain`: the gain, dB; `fader`: the new fader, dB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db: Option<f64>,
    /// `clip_gain`: what the gain brings to its target, `peak` (dBFS) or `loudness` (LUFS),
    /// the level measured and the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// `fader`: the fader before, dB (absent when it was at silence); `pan`: the pan before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    /// `fader`: moved by the inverse of the clip gain (`keep_balance`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<bool>,
    /// `pan`: the new pan, -1 left .. 0 centre .. 1 right.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pan: Option<f64>,
    pub description: String,
    pub origin: &'a Origin,
}

impl<'a> ChangeEntry<'a> {
    fn of(session: &'a Session, plan: &'a Plan, c: &'a Change) -> ChangeEntry<'a> {
        let (action, to, bus) = match &c.action {
            Action::Rename { to } => ("rename", Some(to.to_string()), None),
            Action::Recolor { to } => ("recolor", Some(to.to_string()), None),
            Action::MoveToBus { bus } => (
                "move_to_bus",
                None,
                Some(BusEntry {
                    name: super::bus_name(session, plan, *bus),
                    track: match bus {
                        BusRef::Existing(t) => Some(t + 1),
                        BusRef::New(_) => None,
                    },
                    new_bus: match bus {
                        BusRef::New(k) => Some(k + 1),
                        BusRef::Existing(_) => None,
                    },
                }),
            ),
            Action::Mute => ("mute", None, None),
            Action::Remove => ("remove", None, None),
            Action::Flag { .. } => ("flag", None, None),
            Action::ClipGain { .. } => ("clip_gain", None, None),
            Action::Fader { .. } => ("fader", None, None),
            Action::Pan { .. } => ("pan", None, None),
            Action::RouteDirect => ("route_direct", None, None),
        };
        let mut entry = ChangeEntry {
            track: c.track + 1,
            track_name: session.shown_name(c.track),
            action,
            to,
            bus,
            db: None,
            measure: None,
            measured: None,
            target: None,
            from: None,
            balance: None,
            pan: None,
            description: super::describe(session, plan, c),
            origin: &c.origin,
        };
        match &c.action {
            Action::ClipGain {
                db,
                measure,
                measured,
                target,
                ..
            } => {
                entry.db = Some(*db);
                entry.measure = Some(measure.as_str());
                entry.measured = Some(*measured);
                entry.target = Some(*target);
            }
            Action::Fader {
                db,
                from_db,
                balance,
            } => {
                entry.db = Some(*db);
                entry.from = *from_db;
                entry.balance = Some(*balance);
            }
            Action::Pan { to, from } => {
                entry.pan = Some(*to);
                entry.from = Some(*from);
            }
            _ => {}
        }
        entry
    }
}

/// One finding ([`crate::findings`]).
#[derive(Serialize)]
pub struct FindingEntry<'a> {
    pub code: Code,
    pub severity: Severity,
    /// 1-based index of the track it is about; absent for the whole project.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The track's name as the DAW shows it.
    pub track_name: Option<std::borrow::Cow<'a, str>>,
    pub message: String,
    pub origin: Option<&'a Origin>,
    /// The baseline accepts it: it does not fail the run.
    pub accepted: bool,
    /// Every track it concerns: `[{track, track_name}]` for one track, empty for the whole
    /// project alone, each track for a note said once for several (`track` then absent).
    pub tracks: Vec<TrackRef<'a>>,
}

/// A track a finding concerns: its 1-based index and its name.
#[derive(Serialize)]
pub struct TrackRef<'a> {
    pub track: usize,
    pub track_name: &'a str,
}

/// One project of a run.
#[derive(Serialize)]
pub struct ProjectEntry<'a> {
    pub path: String,
    pub format: Option<&'static str>,
    pub rules: Option<&'a str>,
    /// `unchanged`, `changed` (check: would change), `written`, `error`.
    pub status: &'static str,
    pub output: Option<String>,
    pub backup: Option<String>,
    pub new_buses: &'a [NewBus],
    pub changes: Vec<ChangeEntry<'a>>,
    pub findings: Vec<FindingEntry<'a>>,
    pub error: Option<String>,
    /// `apply --out`: how the output reaches its media (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<MediaEntry<'a>>,
}

/// How a project written elsewhere reaches its media: `reach` (paths rewritten to the files
/// where they are) or `copy` (`--copy-media`), the counts, and every file the project names
/// (as written, where the input finds it, what the output reaches, how).
#[derive(Serialize)]
pub struct MediaEntry<'a> {
    pub carry: crate::media::relocate::Carry,
    pub counts: crate::media::relocate::Counts,
    /// Present (true) when the `rewritten` files are reached through folders added to the
    /// project's search path (Ardour), not by rewriting their references.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub through_search_path: bool,
    pub files: &'a [crate::media::relocate::Placed],
}

impl<'a> MediaEntry<'a> {
    pub fn of(m: &'a crate::media::relocate::MediaPlan) -> Self {
        MediaEntry {
            carry: m.carry,
            counts: m.counts(),
            through_search_path: m.through_search_path,
            files: &m.files,
        }
    }
}

impl<'a> ProjectEntry<'a> {
    /// A planned project; `accepted[i]` says whether the baseline accepts `findings[i]`.
    pub fn planned(
        path: String,
        rules: &'a str,
        session: &'a Session,
        plan: &'a Plan,
        findings: &[Finding<'a>],
        accepted: &[bool],
    ) -> Self {
        ProjectEntry {
            path,
            format: Some(session.format.as_str()),
            rules: Some(rules),
            status: if plan.edits_file() {
                "changed"
            } else {
                "unchanged"
            },
            output: None,
            backup: None,
            new_buses: &plan.new_buses,
            changes: plan
                .changes
                .iter()
                .filter(|c| c.edits_file())
                .map(|c| ChangeEntry::of(session, plan, c))
                .collect(),
            findings: findings
                .iter()
                .enumerate()
                .map(|(i, f)| FindingEntry {
                    code: f.code,
                    severity: f.severity(),
                    track: f.track.map(|t| t + 1),
                    track_name: f
                        .track
                        .filter(|&t| t < session.tracks.len())
                        .map(|t| session.shown_name(t)),
                    message: f.message.clone(),
                    origin: f.origin,
                    accepted: accepted.get(i).copied().unwrap_or(false),
                    tracks: f
                        .tracks
                        .iter()
                        .filter_map(|&t| {
                            session.tracks.get(t).map(|tr| TrackRef {
                                track: t + 1,
                                track_name: tr.name.as_str(),
                            })
                        })
                        .collect(),
                })
                .collect(),
            error: None,
            media: None,
        }
    }

    pub fn failed(path: String, error: String) -> Self {
        ProjectEntry {
            path,
            format: None,
            rules: None,
            status: "error",
            output: None,
            backup: None,
            new_buses: &[],
            changes: Vec::new(),
            findings: Vec::new(),
            error: Some(error),
            media: None,
        }
    }
}

/// Findings of a run by severity, those a baseline accepts left out.
#[derive(Serialize, Default, Clone, Copy)]
pub struct SeverityCounts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.error += 1,
            Severity::Warning => self.warning += 1,
            Severity::Info => self.info += 1,
        }
    }
}

#[derive(Serialize, Default)]
pub struct Summary {
    pub projects: usize,
    pub changed: usize,
    pub flagged_tracks: usize,
    /// Projects that could not be processed (unreadable, damaged, bad rules, I/O).
    pub errors: usize,
    /// New findings (not accepted by the baseline), by severity.
    pub findings: SeverityCounts,
    /// Findings the baseline accepts.
    pub accepted: usize,
    /// New findings at or above `--fail-on`, which fail the run.
    pub failing_findings: usize,
}

impl Summary {
    /// Counts a project's findings: those the baseline accepts (`accepted[i]` for
    /// `findings[i]`), the new ones by severity, and the new ones `fail_on` fails on.
    pub fn add_findings(&mut self, findings: &[Finding<'_>], accepted: &[bool], fail_on: FailOn) {
        for (i, f) in findings.iter().enumerate() {
            if accepted.get(i).copied().unwrap_or(false) {
                self.accepted += 1;
            } else {
                self.findings.add(f.severity());
                self.failing_findings += usize::from(fail_on.fails(f.severity()));
            }
        }
    }
}

/// A path the run was given that led to no project (a warning, not an error).
#[derive(Serialize)]
pub struct WarningEntry {
    pub path: String,
    pub message: String,
}

#[derive(Serialize)]
pub struct RunDocument<'a> {
    pub version: u32,
    pub command: &'static str,
    pub projects: Vec<ProjectEntry<'a>>,
    pub warnings: Vec<WarningEntry>,
    pub summary: Summary,
}
