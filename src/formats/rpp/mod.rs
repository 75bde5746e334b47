//! REAPER `.RPP` projects: a line-based chunk format (see `FORMATS.md` §1).
//!
//! [`scan`] finds the tracks and the byte spans of the values premix may change; [`edits`]
//! spells a plan as edits to those spans. Folders are not nested chunks but a running sum of
//! `ISBUS` depth deltas over the flat track list, and receives name their source by track
//! index, so any change of order rewrites `ISBUS` and `AUXRECV` lines as well.

pub mod color;
mod edits;
pub mod media;
pub mod parts;
pub mod quote;
pub mod scan;

use crate::formats::{FormatError, Project, WriteError};
use crate::plan::{Action, Note, Plan};
use crate::session::{Format, NameDisplay, NamePool, Session, Track, TrackKind};
use color::ByteOrder;
use scan::{Contents, RppDocument, Scanned};
use std::borrow::Cow;
use std::ops::Range;

pub struct RppProject<'a> {
    src: &'a [u8],
    doc: RppDocument,
    order: ByteOrder,
    session: Session,
}

impl<'a> RppProject<'a> {
    pub fn read(src: &'a [u8]) -> Result<Self, FormatError> {
        Self::read_named(src, &NamePool::fresh())
    }

    /// [`RppProject::read`] with the tracks' names made by `names`.
    pub fn read_named(src: &'a [u8], names: &NamePool) -> Result<Self, FormatError> {
        let Scanned { doc, contents } = parts::scan(src)?;
        let order = ByteOrder::for_platform(doc.platform.as_deref());
        let session = session_of(&doc, contents, order, names);
        Ok(RppProject {
            src,
            doc,
            order,
            session,
        })
    }

    /// The session of the project in the file at `path`, read a block at a time (in parts
    /// on several cores when large), never held whole ([`parts::scan_file`]); the tracks'
    /// names made by `names` (a read-back takes the predicted ones, [`NamePool::reusing`]).
    pub fn read_session(path: &std::path::Path, names: &NamePool) -> Result<Session, WriteError> {
        let Scanned { doc, contents } = parts::scan_file(path)?;
        let order = ByteOrder::for_platform(doc.platform.as_deref());
        Ok(session_of(&doc, contents, order, names))
    }

    pub fn document(&self) -> &RppDocument {
        &self.doc
    }

    /// The text of a span of the file (a GUID, a `NAME` token), invalid UTF-8 replaced.
    pub fn text(&self, span: &Range<usize>) -> Cow<'a, str> {
        String::from_utf8_lossy(&self.src[span.clone()])
    }

    /// True when the `<TRACK` chunks follow one another with nothing in between, which is how
    /// REAPER writes them and what reordering them requires.
    fn tracks_contiguous(&self) -> bool {
        self.doc
            .tracks
            .windows(2)
            .all(|w| w[0].chunk.end == w[1].chunk.start)
    }
}

/// Rebuilds the folder tree from the running sum of `ISBUS` depth deltas.
fn parents_of(doc: &RppDocument) -> Vec<Option<usize>> {
    let mut open: Vec<usize> = Vec::new();
    let mut parents = Vec::with_capacity(doc.tracks.len());
    for (i, t) in doc.tracks.iter().enumerate() {
        parents.push(open.last().copied());
        let delta = t.folder.as_ref().map_or(0, |f| f.delta);
        if delta > 0 {
            open.push(i);
        } else {
            for _ in 0..delta.unsigned_abs() {
                open.pop();
            }
        }
    }
    parents
}

fn is_instrument(plugin: &str) -> bool {
    let prefix = plugin.split(':').next().unwrap_or("");
    matches!(prefix, "VSTi" | "VST3i" | "AUi" | "CLAPi" | "LV2i" | "DXi")
}

/// The session: the document's hierarchy and colours, and each track's contents moved in.
fn session_of(
    doc: &RppDocument,
    contents: Vec<Contents>,
    order: ByteOrder,
    names: &NamePool,
) -> Session {
    let parents = parents_of(doc);
    let mut has_children = vec![false; doc.tracks.len()];
    for p in parents.iter().flatten() {
        has_children[*p] = true;
    }
    let tracks = doc
        .tracks
        .iter()
        .zip(contents)
        .enumerate()
        .map(|(index, (t, c))| {
            let kind = if has_children[index] {
                TrackKind::Bus
            } else if c.midi {
                TrackKind::Midi
            } else if c.media_count > 0 {
                TrackKind::Audio
            } else if !t.receives.is_empty() {
                TrackKind::Return
            } else if c.plugins.iter().any(|p| is_instrument(p)) {
                TrackKind::Midi
            } else {
                TrackKind::Audio
            };
            Track {
                index,
                name: names.make(
                    t.name_block
                        .as_ref()
                        .map_or(Cow::Owned(c.name), |block| Cow::Borrowed(&block.value)),
                ),
                kind,
                color: t
                    .peakcol
                    .as_ref()
                    .and_then(|c| color::decode(c.value, order)),
                parent: parents[index],
                muted: t.mute.as_ref().is_some_and(|m| m.value),
                media_files: c.media_files.into(),
                media_count: c.media_count,
                muted_media_count: c.muted_media_count,
                plugins: c.plugins.into(),
                // Read by a pass of their own, when asked for (`media::items`).
                items: Default::default(),
                silent: None,
                default_name: None,
                feeds_parent: !c.main_send_off,
                fed_by_tracks: !t.receives.is_empty(),
                mixer: crate::session::Mixer {
                    // A track without `VOLPAN` plays at REAPER's default, 0 dB, centred; one
                    // whose values do not read is left alone.
                    // A track whose fader or pan an active envelope drives plays the
                    // envelope: its `VOLPAN` value is not read.
                    fader: match (&t.volume, t.volpan) {
                        _ if t.volume_automated => None,
                        (Some(v), _) => Some(v.value),
                        (None, false) => Some(1.0),
                        (None, true) => None,
                    },
                    pan: match (&t.pan, t.volpan) {
                        _ if t.pan_automated => None,
                        (Some(p), _) => Some(p.value),
                        (None, false) => Some(0.0),
                        (None, true) => None,
                    },
                    // Only the master/parent send off and a hardware output: a track whose
                    // audio goes nowhere at all is not routed around the master, it is silent.
                    direct_out: c.main_send_off && t.hw_outs > 0,
                },
                levels: None,
            }
        })
        .collect();
    Session {
        format: Format::Rpp,
        tracks,
        media: std::sync::Arc::new(crate::media::ProjectMedia {
            // `SAMPLERATE 44100 0 0`: the project follows the audio device, at a rate the
            // file does not record (most corpus files say 0).
            sample_rate: doc.sample_rate.filter(|(_, fixed)| *fixed).map(|(r, _)| r),
            folders: doc.record_paths.clone(),
            caveats: Vec::new(),
        }),
        name_display: NameDisplay::AsNamed,
    }
}

/// Drops, with a note, the renames holding a CR: REAPER writes a CR in a name as a space and
/// keeps line breaks as LF alone (WDL's `ProjectContextFormatString`, `cfg_encode_textblock`),
/// so such a name would not read back as asked.
fn drop_renames_with_cr(plan: &mut Plan) {
    let mut notes = Vec::new();
    plan.changes.retain(|c| match &c.action {
        Action::Rename { to } if to.contains('\r') => {
            notes.push(Note {
                track: Some(c.track),
                message: format!(
                    "not renamed to {to:?}: REAPER does not keep a carriage return in a track \
                     name (line breaks are stored as LF alone)"
                ),
                origin: Some(c.origin.clone()),
            });
            false
        }
        _ => true,
    });
    plan.notes.extend(notes);
}

/// Declines, with a note, the media paths REAPER could not hold ([`media::spelling`]).
fn decline_unspellable_media(plan: &mut Plan) {
    let Some(media) = plan.media.as_mut() else {
        return;
    };
    let unspellable: Vec<_> = media
        .rewritten()
        .filter(|f| {
            f.target
                .as_deref()
                .is_none_or(|t| media::spelling(media, t).is_none())
        })
        .map(|f| (f.file.clone(), f.kind))
        .collect();
    for (file, kind) in unspellable {
        media.decline(&file, kind);
        plan.notes.push(Note {
            track: None,
            message: format!(
                "media {:?} not rewritten: its path cannot be written in a REAPER project \
                 (not UTF-8, a line break, or all three quote characters)",
                file.path
            ),
            origin: None,
        });
    }
}

/// REAPER's track faders reach +12 dB (its default "maximum volume").
const MAX_FADER_DB: f64 = 12.0;

impl RppProject<'_> {
    /// Drops, with a note, the mixer changes REAPER cannot take: a fader above
    /// [`MAX_FADER_DB`], a clip gain on an item whose `VOLPAN` does not read as numbers.
    fn vet_mix(&self, plan: &mut Plan) {
        if !plan.changes_mix() {
            return;
        }
        let items = if plan
            .changes
            .iter()
            .any(|c| matches!(c.action, Action::ClipGain { .. }))
        {
            media::item_volumes(self.src)
        } else {
            Vec::new()
        };
        let mut notes = Vec::new();
        plan.changes.retain(|c| {
            let why = match &c.action {
                Action::Fader { db, .. } if *db > MAX_FADER_DB => format!(
                    "fader not set to {db:+.1} dB: REAPER's faders reach +{MAX_FADER_DB} dB"
                ),
                Action::ClipGain { .. }
                    if items
                        .get(c.track)
                        .is_some_and(|i| i.iter().any(|(_, v)| v.line && v.token.is_none())) =>
                {
                    "no clip gain: an item's VOLPAN line does not read as numbers".into()
                }
                _ => return true,
            };
            notes.push(Note {
                track: Some(c.track),
                message: why,
                origin: Some(c.origin.clone()),
            });
            false
        });
        plan.notes.extend(notes);
    }
}

impl Project for RppProject<'_> {
    fn session(&self) -> &Session {
        &self.session
    }

    fn vet(&self, plan: &mut Plan) {
        drop_renames_with_cr(plan);
        decline_unspellable_media(plan);
        self.vet_mix(plan);
        let reorders = !plan.new_buses.is_empty()
            || plan
                .changes
                .iter()
                .any(|c| matches!(c.action, Action::MoveToBus { .. } | Action::Remove));
        if reorders && !self.tracks_contiguous() {
            plan.notes.push(Note {
                track: None,
                message: "tracks are not stored one after another in this file; \
                          buses and removals skipped"
                    .into(),
                origin: None,
            });
            plan.new_buses.clear();
            plan.changes
                .retain(|c| !matches!(c.action, Action::MoveToBus { .. } | Action::Remove));
            return;
        }
        // Removing a track that feeds a send would silently drop that routing.
        let feeds: Vec<bool> = {
            let mut feeds = vec![false; self.doc.tracks.len()];
            for r in self.doc.tracks.iter().flat_map(|t| &t.receives) {
                if let Some(f) = feeds.get_mut(r.source.value) {
                    *f = true;
                }
            }
            feeds
        };
        let mut notes = Vec::new();
        plan.changes.retain(|c| {
            if matches!(c.action, Action::Remove) && feeds[c.track] {
                notes.push(Note {
                    track: Some(c.track),
                    message: "not removed: the track feeds a send (AUXRECV) of another track"
                        .into(),
                    origin: Some(c.origin.clone()),
                });
                return false;
            }
            true
        });
        plan.notes.extend(notes);
    }

    fn into_session(self: Box<Self>) -> Session {
        self.session
    }

    fn source(&self) -> &[u8] {
        self.src
    }

    fn media_files(&self, project: &std::path::Path) -> Vec<crate::media::relocate::MediaFile> {
        media::media_files(self.src, project, &self.session.media)
    }

    fn write_to(&self, plan: &Plan, out: &mut dyn std::io::Write) -> Result<(), WriteError> {
        if !plan.edits_file() {
            return Ok(out.write_all(self.src)?);
        }
        edits::write_to(self, plan, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_FOLDERS: &str = "<REAPER_PROJECT 0.1 \"7.0/win64\" 1\n  <TRACK {A}\n    NAME Drums\n    ISBUS 1 1\n  >\n  <TRACK {B}\n    NAME Kick\n    ISBUS 2 -1\n    <ITEM\n      MUTE 1 0\n      <SOURCE WAVE\n        FILE \"C:\\audio\\kick.wav\"\n      >\n    >\n  >\n  <TRACK {C}\n    NAME \"Verb Return\"\n    AUXRECV 1 0 1 0 0 0 0 0 0 -1:U 0 -1 ''\n  >\n>\n";

    #[test]
    fn reads_folders_items_and_receives() {
        let p = RppProject::read(TWO_FOLDERS.as_bytes()).unwrap();
        let s = p.session();
        let summary: Vec<_> = s
            .tracks
            .iter()
            .map(|t| (t.name.as_str(), t.kind, t.parent))
            .collect();
        assert_eq!(
            summary,
            [
                ("Drums", TrackKind::Bus, None),
                ("Kick", TrackKind::Audio, Some(0)),
                ("Verb Return", TrackKind::Return, None)
            ]
        );
        assert_eq!(*s.tracks[1].media_files, ["kick.wav"]);
        assert!(s.tracks[1].all_media_muted());
    }

    #[test]
    fn damaged_files_are_refused_with_the_line() {
        let unclosed = "<REAPER_PROJECT 0.1\n  <TRACK\n    NAME x\n";
        let err = RppProject::read(unclosed.as_bytes()).err().unwrap();
        assert_eq!(err.place, crate::formats::Place::Line(2, None));
        let quote = "<REAPER_PROJECT 0.1\n  <TRACK\n    NAME \"x\n  >\n>\n";
        let err = RppProject::read(quote.as_bytes()).err().unwrap();
        assert_eq!(err.place, crate::formats::Place::Line(3, Some(10)));
        let extra = "<REAPER_PROJECT 0.1\n>\n>\n";
        assert!(RppProject::read(extra.as_bytes()).is_err());
        assert!(RppProject::read(b"").is_err());
        assert!(RppProject::read(b"hello").is_err());
    }
}
