//! JSON documents for programs: `inspect --json` and the run document of `check`/`apply`.
//! The run document carries `"version"`; fields are only ever added within a version.

use crate::plan::{Change, NewBus, Note, Plan, UnusedReason};
use crate::session::{Rgb, Session, TrackKind};
use serde::Serialize;

/// Version of the run document's shape.
pub const RUN_DOCUMENT_VERSION: u32 = 1;

#[derive(Serialize)]
pub struct InspectTrack<'a> {
    pub index: usize,
    pub name: &'a str,
    pub kind: TrackKind,
    pub color: Option<Rgb>,
    pub parent: Option<usize>,
    pub muted: bool,
    pub media: usize,
    pub media_files: &'a [String],
    pub muted_media: usize,
    pub plugins: &'a [String],
    pub unused: bool,
    pub unused_reasons: &'a [UnusedReason],
    /// The name as the DAW shows it (`name` is what rules match): Live numbers and letters
    /// its tracks (`3-Audio`, `A-Reverb`); elsewhere the same as `name`.
    pub display_name: std::borrow::Cow<'a, str>,
}

#[derive(Serialize)]
pub struct InspectDocument<'a> {
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
        path: path.display().to_string(),
        format: session.format.as_str(),
        tracks: session
            .tracks
            .iter()
            .zip(session.shown_names())
            .map(|(t, shown)| InspectTrack {
                index: t.index,
                name: &t.name,
                kind: t.kind,
                color: t.color,
                parent: t.parent,
                muted: t.muted,
                media: t.media_count,
                media_files: &t.media_files,
                muted_media: t.muted_media_count,
                plugins: &t.plugins,
                unused: !unused[t.index].is_empty(),
                unused_reasons: &unused[t.index],
                display_name: shown,
            })
            .collect(),
    }
}

#[derive(Serialize)]
pub struct ChangeEntry<'a> {
    pub track_name: &'a str,
    pub description: String,
    #[serde(flatten)]
    pub change: &'a Change,
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
    pub notes: &'a [Note],
    pub error: Option<String>,
}

impl<'a> ProjectEntry<'a> {
    pub fn planned(path: String, rules: &'a str, session: &'a Session, plan: &'a Plan) -> Self {
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
                .map(|c| ChangeEntry {
                    track_name: session.tracks.get(c.track).map_or("", |t| t.name.as_str()),
                    description: super::describe(session, plan, c),
                    change: c,
                })
                .collect(),
            notes: &plan.notes,
            error: None,
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
            notes: &[],
            error: Some(error),
        }
    }
}

#[derive(Serialize, Default)]
pub struct Summary {
    pub projects: usize,
    pub changed: usize,
    pub flagged_tracks: usize,
    pub errors: usize,
}

#[derive(Serialize)]
pub struct RunDocument<'a> {
    pub version: u32,
    pub command: &'static str,
    pub projects: Vec<ProjectEntry<'a>>,
    pub summary: Summary,
}
