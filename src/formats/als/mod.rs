//! Ableton Live sets (`.als`): gzipped XML (see `FORMATS.md` §2).
//!
//! [`container`] undoes the gzip (or accepts raw XML); [`scan`] finds the tracks and the byte
//! spans of the values premix may change in the decompressed XML; [`edits`] spells a plan as
//! edits to those spans and re-gzips; [`palette`] maps rule colours to Live's palette and to
//! the value each Live version stores; [`invariants`] states what Live relies on, checked in
//! tests after every write.
//!
//! Buses are group tracks: a new one is made from a group track of the same set (the only
//! template premix trusts to hold every element that version expects); a set with no group
//! track gets no new buses, and a note says so.

pub mod container;
mod edits;
pub mod invariants;
pub mod palette;
pub mod scan;

use crate::formats::{FormatError, Project};
use crate::plan::{Action, BusRef, Change, Note, Plan};
use crate::session::{Format, Session, Track, TrackKind};
use container::Container;
use palette::Scheme;
use scan::{AlsDocument, AlsTrack};

pub struct AlsProject<'a> {
    src: &'a [u8],
    container: Container,
    xml: Vec<u8>,
    doc: AlsDocument,
    scheme: Scheme,
    session: Session,
}

impl<'a> AlsProject<'a> {
    pub fn read(src: &'a [u8]) -> Result<Self, FormatError> {
        let (container, xml) = container::decode(src)?;
        let doc = scan::scan(&xml)?;
        let scheme = Scheme::for_minor_version(&doc.minor_version);
        let session = session_of(&doc, scheme);
        Ok(AlsProject {
            src,
            container,
            xml,
            doc,
            scheme,
            session,
        })
    }

    pub fn document(&self) -> &AlsDocument {
        &self.doc
    }

    /// The decompressed XML.
    pub fn xml(&self) -> &[u8] {
        &self.xml
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The group track new groups are copied from: the set's first group track.
    fn template(&self) -> Option<usize> {
        self.doc.tracks.iter().position(|t| t.tag == "GroupTrack")
    }
}

fn kind_of(tag: &str) -> TrackKind {
    match tag {
        "MidiTrack" => TrackKind::Midi,
        "GroupTrack" => TrackKind::Bus,
        "ReturnTrack" => TrackKind::Return,
        _ => TrackKind::Audio,
    }
}

/// What Live displays: the user's name, else the effective name. Live 8 stores no effective
/// name; an unnamed Live 8 track shows a name Live derives from its position and kind
/// ("3 MIDI"), which premix cannot keep stable when tracks move, so it reads the kind alone.
fn display_name(t: &AlsTrack) -> String {
    let non_empty = |f: &Option<scan::Field>| {
        f.as_ref()
            .map(|f| f.value.clone())
            .filter(|v| !v.is_empty())
    };
    non_empty(&t.user_name)
        .or_else(|| non_empty(&t.effective_name))
        .unwrap_or_else(|| {
            let kind = match t.tag.as_str() {
                "MidiTrack" => "MIDI",
                "GroupTrack" => "Group",
                "ReturnTrack" => "Return",
                _ => "Audio",
            };
            kind.to_string()
        })
}

/// The index of each track's group (from `TrackGroupId`), if it names an earlier group track.
fn parents_of(doc: &AlsDocument) -> Vec<Option<usize>> {
    doc.tracks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let gid = t
                .group_id
                .as_ref()
                .and_then(|f| f.int())
                .filter(|&g| g >= 0)?;
            doc.tracks[..i].iter().position(|g| {
                g.tag == "GroupTrack" && g.id.as_ref().and_then(|f| f.int()) == Some(gid)
            })
        })
        .collect()
}

fn session_of(doc: &AlsDocument, scheme: Scheme) -> Session {
    let parents = parents_of(doc);
    let tracks = doc
        .tracks
        .iter()
        .enumerate()
        .map(|(index, t)| Track {
            index,
            name: display_name(t),
            kind: kind_of(&t.tag),
            color: t
                .color
                .as_ref()
                .and_then(|f| f.int())
                .and_then(|v| scheme.decode(v))
                .and_then(palette::rgb),
            parent: parents[index],
            muted: t.speaker.as_ref().is_some_and(|f| f.value == "false"),
            media_files: t.clips.iter().filter_map(|c| c.file.clone()).collect(),
            media_count: t.clips.len(),
            muted_media_count: t.clips.iter().filter(|c| c.disabled).count(),
            plugins: t.devices.clone(),
        })
        .collect();
    Session {
        format: Format::Als,
        tracks,
    }
}

fn note(change: &Change, message: &str) -> Note {
    Note {
        track: Some(change.track),
        message: message.into(),
        origin: Some(change.origin.clone()),
    }
}

impl Project for AlsProject<'_> {
    fn session(&self) -> &Session {
        &self.session
    }

    fn vet(&self, plan: &mut Plan) {
        let tracks = &self.session.tracks;
        let mut notes = Vec::new();
        let template = self.template();

        // Colours become the palette colour Live will display; a no-op recolour is dropped.
        let writable = self.scheme != Scheme::Unsupported;
        plan.changes.retain_mut(|c| {
            let Action::Recolor { to } = &mut c.action else {
                return true;
            };
            if !writable {
                notes.push(note(
                    c,
                    "not recoloured: Live 8 and 9.0-9.4 sets store no track colour premix can write",
                ));
                return false;
            }
            if self.doc.tracks[c.track].color.is_none() {
                notes.push(note(c, "not recoloured: the track has no colour element"));
                return false;
            }
            let Some(shown) = palette::rgb(palette::nearest(*to)) else {
                return false;
            };
            *to = shown;
            tracks[c.track].color != Some(shown)
        });
        let template_color = template.and_then(|t| tracks[t].color);
        for bus in &mut plan.new_buses {
            bus.color = match bus.color {
                Some(c) if writable => palette::rgb(palette::nearest(c)),
                _ => template_color,
            };
        }

        // New groups need a group track of this set as their template.
        if !plan.new_buses.is_empty() && template.is_none() {
            plan.notes.push(Note {
                track: None,
                message: "this Live set has no group track to copy, so no new groups are \
                          created (tracks stay where they are)"
                    .into(),
                origin: None,
            });
            plan.changes.retain(|c| {
                !matches!(
                    c.action,
                    Action::MoveToBus {
                        bus: BusRef::New(_)
                    }
                )
            });
            plan.new_buses.clear();
        }

        // Return tracks stay last and outside groups; referenced tracks are not removed.
        let has_members: Vec<bool> = (0..tracks.len())
            .map(|i| tracks.iter().any(|t| t.parent == Some(i)))
            .collect();
        plan.changes.retain(|c| match c.action {
            Action::MoveToBus { .. } if tracks[c.track].kind == TrackKind::Return => {
                notes.push(note(
                    c,
                    "not grouped: Live keeps return tracks outside groups",
                ));
                false
            }
            Action::Remove if tracks[c.track].kind == TrackKind::Return => {
                notes.push(note(c, "not removed: other tracks may send to this return"));
                false
            }
            Action::Remove if has_members[c.track] => {
                notes.push(note(c, "not removed: the group still holds tracks"));
                false
            }
            _ => true,
        });

        // Drop new buses nobody moves into, renumbering the others.
        let mut used = vec![false; plan.new_buses.len()];
        for c in &plan.changes {
            if let Action::MoveToBus {
                bus: BusRef::New(k),
            } = c.action
            {
                used[k] = true;
            }
        }
        if used.iter().any(|u| !u) {
            let mut renumber = vec![None; used.len()];
            let mut kept = Vec::new();
            for (k, bus) in std::mem::take(&mut plan.new_buses).into_iter().enumerate() {
                if used[k] {
                    renumber[k] = Some(kept.len());
                    kept.push(bus);
                }
            }
            plan.new_buses = kept;
            for c in &mut plan.changes {
                if let Action::MoveToBus {
                    bus: BusRef::New(k),
                } = &mut c.action
                    && let Some(new) = renumber[*k]
                {
                    *k = new;
                }
            }
        }
        plan.notes.extend(notes);
    }

    fn write(&self, plan: &Plan) -> Result<Vec<u8>, FormatError> {
        if !plan.edits_file() {
            return Ok(self.src.to_vec());
        }
        let xml = edits::write(self, plan)?;
        container::encode(self.container, &xml)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_prefer_the_user_name() {
        let field = |v: &str| {
            Some(scan::Field {
                value: v.into(),
                span: 0..0,
            })
        };
        let mut t = AlsTrack {
            tag: "MidiTrack".into(),
            effective_name: field("1-Operator"),
            user_name: field(""),
            ..AlsTrack::default()
        };
        assert_eq!(display_name(&t), "1-Operator");
        t.user_name = field("Bass");
        assert_eq!(display_name(&t), "Bass");
        t.user_name = None;
        t.effective_name = None;
        assert_eq!(display_name(&t), "MIDI");
    }
}
