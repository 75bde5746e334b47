//! Ableton Live sets (`.als`): gzipped XML (see `FORMATS.md` §2).
//!
//! [`container`] undoes the gzip (or accepts raw XML); [`scan`] finds the tracks and the byte
//! spans of the values premix may change in the decompressed XML; [`edits`] spells a plan as
//! edits to those spans and re-gzips; [`palette`] maps rule colours to Live's palette and to
//! the value each Live version stores; [`invariants`] states what Live relies on, checked in
//! tests after every write.
//!
//! Buses are group tracks: a new one is copied from a group track of the same set (the best
//! template, holding every element that version expects), else from the built-in group track
//! for the set's exact version ([`templates`]: every `MinorVersion` of the corpus, Live 8.1
//! to 12.4); a set with neither (a version premix has never seen) gets no new buses, and a
//! note says so.

pub mod container;
mod edits;
pub mod filerefs;
pub mod invariants;
pub mod media;
pub mod palette;
pub mod scan;
pub mod templates;

use crate::formats::{FormatError, Project, WriteError};
use crate::plan::{Action, BusRef, Change, Note, Plan, Slot};
use crate::session::{Format, Name, NameDisplay, NamePool, Session, Track, TrackKind};
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
        Self::read_with(src, &crate::limits::Limits::default())
    }

    /// Reads a set, refusing one whose XML is larger than `limits`.
    pub fn read_with(src: &'a [u8], limits: &crate::limits::Limits) -> Result<Self, FormatError> {
        Self::read_named(src, limits, &NamePool::fresh())
    }

    /// [`AlsProject::read_with`] with the tracks' names made by `names` (a read-back takes
    /// the predicted ones, [`NamePool::reusing`]).
    pub fn read_named(
        src: &'a [u8],
        limits: &crate::limits::Limits,
        names: &NamePool,
    ) -> Result<Self, FormatError> {
        let (container, xml) = container::decode(src, limits)?;
        let doc = scan::scan_named(&xml, names)?;
        let scheme = Scheme::for_minor_version(&doc.minor_version);
        let mut session = session_of(&doc, scheme);
        session.name_unnamed_as_shown(names);
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

    /// The group track new groups are copied from: the set's first group track, else the
    /// built-in one for this version, adapted to the set's scenes and returns.
    fn template(&self) -> Option<Vec<u8>> {
        if let Some(t) = self.doc.tracks.iter().find(|t| t.tag == "GroupTrack") {
            return Some(self.xml[t.element.clone()].to_vec());
        }
        let builtin = templates::builtin(&self.doc.minor_version)?;
        let returns = self
            .doc
            .tracks
            .iter()
            .filter(|t| t.tag == "ReturnTrack")
            .count();
        templates::adapt(builtin, self.doc.scenes, returns).ok()
    }

    /// The colour a new group shows when the rules give it none: the template's.
    fn template_color(&self, template: &[u8]) -> Option<crate::session::Rgb> {
        let (t, _) = scan::scan_track(template).ok()?;
        let value = t.color.as_ref()?.int()?;
        palette::rgb(self.scheme.decode(value)?)
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

/// The name rules match, as stored: the user's name, else the effective name (the name Live
/// made up, with its number: `3-Audio`). Live 8 stores no effective name: its kind alone
/// (`MIDI`). An unnamed track's name is then replaced by the one Live shows at its position
/// ([`Session::name_unnamed_as_shown`], from [`default_name`]): a stored number may be stale.
fn display_name(t: &AlsTrack) -> Name {
    // Shared with the field, not copied.
    let non_empty = |f: &Option<scan::Field<Name>>| {
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
            Name::from(kind)
        })
}

/// Live's built-in instruments by element name, as Live names a track after them.
const INSTRUMENTS: &[(&str, &str)] = &[
    ("Collision", "Collision"),
    ("DrumGroupDevice", "Drum Rack"),
    ("InstrumentGroupDevice", "Instrument Rack"),
    ("InstrumentImpulse", "Impulse"),
    ("InstrumentVector", "Wavetable"),
    ("LoungeLizard", "Electric"),
    ("MultiSampler", "Sampler"),
    ("Operator", "Operator"),
    ("OriginalSimpler", "Simpler"),
    ("StringStudio", "Tension"),
    ("UltraAnalog", "Analog"),
];

/// For a track the user never named: the name Live made up for it, without the number or
/// letter it shows in front (`Audio` of `3-Audio`, `Delay | Reverb` of `A-Delay | Reverb`,
/// as every Live 9-12 set of the corpus stores its `EffectiveName`). Live 8 stores none: it is
/// derived as Live 8 shows it: a MIDI track after its first device when the user named that
/// device (a rack: `7-offline rack`, read off a routing target of the corpus Live 8 set
/// `dawtool__live8-patch-markers-auto.als`) or after its built-in instrument, else a track
/// after its kind (`Audio`, `MIDI`, `Group`, `Return`; recorded clips of Live 8 sets
/// are named after such names: `3 5-Audio`).
fn default_name(t: &AlsTrack) -> Option<String> {
    if t.user_name.as_ref().is_some_and(|f| !f.value.is_empty()) {
        return None;
    }
    let is_return = t.tag == "ReturnTrack";
    if let Some(effective) = t.effective_name.as_ref().filter(|f| !f.value.is_empty()) {
        let value = effective.value.as_str();
        let prefix = if is_return {
            value.bytes().take_while(u8::is_ascii_uppercase).count()
        } else {
            value.bytes().take_while(u8::is_ascii_digit).count()
        };
        return Some(match value[prefix..].strip_prefix('-') {
            Some(base) if prefix > 0 => base.to_string(),
            _ => value.to_string(),
        });
    }
    let instrument = (t.tag == "MidiTrack")
        .then(|| {
            t.first_device_name.clone().or_else(|| {
                t.devices.iter().find_map(|d| {
                    INSTRUMENTS
                        .iter()
                        .find(|(tag, _)| tag == d)
                        .map(|(_, shown)| shown.to_string())
                })
            })
        })
        .flatten();
    Some(instrument.unwrap_or_else(|| {
        match t.tag.as_str() {
            "MidiTrack" => "MIDI",
            "GroupTrack" => "Group",
            "ReturnTrack" => "Return",
            _ => "Audio",
        }
        .to_string()
    }))
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

/// The `Id` of the track that a routing target sends into, if it names one: Live routes a
/// track's output into another track as `AudioOut/Track.<Id>/TrackIn` (Audio To: the track;
/// `.../DeviceIn...` into one of its devices, as the drum rack chains of
/// `ununu__drums-midi.als` do), and a MIDI track's into another's instrument as
/// `MidiOut/Track.<Id>/TrackIn` ("MIDI To"). `<Id>` is the target track's `Id` attribute.
fn routed_track(target: &str) -> Option<i64> {
    let rest = target
        .strip_prefix("AudioOut/Track.")
        .or_else(|| target.strip_prefix("MidiOut/Track."))?;
    rest.split('/').next()?.parse().ok()
}

/// For each track, the index of the track its audio or MIDI output is routed into
/// ([`routed_track`]), if that is a track of the set.
fn outputs_to(doc: &AlsDocument) -> Vec<Vec<usize>> {
    let index_of = |id: i64| {
        doc.tracks
            .iter()
            .position(|t| t.id.as_ref().and_then(|f| f.int()) == Some(id))
    };
    doc.tracks
        .iter()
        .map(|t| {
            [&t.out_target, &t.midi_out_target]
                .into_iter()
                .flatten()
                .filter_map(|f| routed_track(&f.value).and_then(index_of))
                .collect()
        })
        .collect()
}

fn session_of(doc: &AlsDocument, scheme: Scheme) -> Session {
    let parents = parents_of(doc);
    let outputs = outputs_to(doc);
    let mut fed = vec![false; doc.tracks.len()];
    for &target in outputs.iter().flatten() {
        fed[target] = true;
    }
    let mut caveats = Vec::new();
    let seconds_per_beat = 60.0 / doc.tempo.filter(|t| *t > 0.0).unwrap_or(120.0);
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
            muted: t
                .speaker
                .as_ref()
                .or(t.speaker_event.as_ref())
                .is_some_and(|f| f.value == "false"),
            media_files: t.clips.iter().filter_map(|c| c.file.clone()).collect(),
            media_count: t.clips.len(),
            muted_media_count: t.clips.iter().filter(|c| c.disabled).count(),
            plugins: t.devices.as_slice().into(),
            items: t
                .clips
                .iter()
                .filter_map(|c| {
                    media::clip_media(&c.timing, c.disabled, seconds_per_beat, &mut caveats)
                })
                .collect(),
            silent: None,
            default_name: default_name(t),
            feeds_parent: feeds_parent(t),
            // Fed from another track's input routing, or from another's output (Audio To or
            // MIDI To this track).
            fed_by_tracks: t.tag == "ReturnTrack" || t.input_from_track || fed[index],
            mixer: mixer_of(t),
            levels: None,
        })
        .collect();
    caveats.dedup();
    Session {
        format: Format::Als,
        tracks,
        // Live stores no project sample rate: it follows the audio device.
        media: std::sync::Arc::new(crate::media::ProjectMedia {
            sample_rate: None,
            folders: Vec::new(),
            caveats,
        }),
        name_display: NameDisplay::Numbered,
    }
}

/// A track's mixer: its volume and pan where Live keeps them (`Manual`, else the default
/// arrangement event of Live 8), `None` when automated (an envelope or, Live 8/9, arrangement
/// events besides the default one: the value premix would change is not what plays); routed
/// direct when its output goes to external outputs.
fn mixer_of(t: &AlsTrack) -> crate::session::Mixer {
    let number = |f: Option<&scan::Field>| {
        f.and_then(|f| f.value.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
    };
    let automated = |events: usize, target: Option<i64>| {
        events > 1 || target.is_some_and(|id| t.envelope_targets.contains(&id))
    };
    crate::session::Mixer {
        fader: number(t.volume.as_ref().or(t.volume_event.as_ref()))
            .filter(|_| !automated(t.volume_events, t.volume_target)),
        pan: number(t.pan.as_ref().or(t.pan_event.as_ref()))
            .filter(|_| !automated(t.pan_events, t.pan_target)),
        direct_out: t
            .out_target
            .as_ref()
            .is_some_and(|f| f.value.starts_with("AudioOut/External/")),
    }
}

/// True when a track's `AudioOutputRouting/Target` sends it to its group or the master
/// (`AudioOut/GroupTrack`, `AudioOut/Master`, Live 12's `AudioOut/Main`, or no routing), not to
/// external outputs, another track or nowhere. A target premix cannot decode (abletoolz's
/// pruned fixtures hash each part of it: `p76088/p59394.101/p29842` where Live writes
/// `AudioOut/Track.101/TrackIn`, shown "1-Audio", in `abletoolz-pruned__11.0.12.als`) goes by
/// what Live shows as the routing's `UpperDisplayString`: "Master", "Main" or "Group" is the
/// default path; anything else (a track's name, "Ext. Out") takes the track out of it, so
/// premix never moves a track into a group whose output may come back to it.
fn feeds_parent(t: &AlsTrack) -> bool {
    let Some(target) = &t.out_target else {
        return true;
    };
    match target.value.strip_prefix("AudioOut/") {
        Some(rest) => matches!(rest, "GroupTrack" | "Master" | "Main"),
        None => t
            .out_upper
            .as_ref()
            .is_none_or(|u| matches!(u.value.as_str(), "Master" | "Main" | "Group")),
    }
}

/// Drops, with a note, each move that would put a track into a group whose audio comes back
/// to it: a group (or a group around it) whose output Live routes into the moved track
/// (`AudioOut/Track.<Id>/...`, [`routed_track`]) would feed its own input, a loop Live plays
/// as feedback. Followed through the layout after the plan: a track or group feeding its
/// parent goes up to it, one routed into a track goes on to that track.
fn refuse_routing_loops(session: &Session, outputs: &[Vec<usize>], plan: &mut Plan) {
    // A loop needs an output routed into a track: most sets have none.
    if outputs.iter().all(Vec::is_empty) {
        return;
    }
    // Each round drops one move, so the loop ends.
    loop {
        let layout = plan.layout(session);
        let slot_of: std::collections::HashMap<usize, usize> = layout
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match *s {
                Slot::Track(t) => Some((t, i)),
                Slot::NewBus(_) => None,
            })
            .collect();
        // The slots a slot's audio goes to next.
        let next = |i: usize| -> Vec<usize> {
            match layout.slots[i] {
                Slot::NewBus(_) => layout.parents[i].into_iter().collect(),
                Slot::Track(t) if session.tracks[t].feeds_parent => {
                    layout.parents[i].into_iter().collect()
                }
                Slot::Track(t) => outputs[t]
                    .iter()
                    .filter_map(|o| slot_of.get(o).copied())
                    .collect(),
            }
        };
        let moved: Vec<usize> = plan
            .changes
            .iter()
            .filter(|c| matches!(c.action, Action::MoveToBus { .. }))
            .map(|c| c.track)
            .collect();
        let looped = moved.into_iter().find(|t| {
            let Some(&start) = slot_of.get(t) else {
                return false;
            };
            // Only the slots on the way up from `start` are visited: a set, not a flag per slot.
            let mut seen = std::collections::HashSet::new();
            let mut stack = next(start);
            while let Some(i) = stack.pop() {
                if i == start {
                    return true;
                }
                if seen.insert(i) {
                    stack.extend(next(i));
                }
            }
            false
        });
        let Some(t) = looped else { return };
        let mut notes = Vec::new();
        plan.changes.retain(|c| {
            let drop = c.track == t && matches!(c.action, Action::MoveToBus { .. });
            if drop {
                notes.push(note(
                    c,
                    "not grouped: the group's output is routed back into this track (a loop)",
                ));
            }
            !drop
        });
        plan.notes.extend(notes);
        plan.drop_unused_new_buses();
    }
}

/// True when the set's Live version holds groups inside groups: Live 10 introduced nested
/// group tracks. Every nested group in the corpus is in a Live 11 set
/// (`abletoolz-pruned__11.0.12.als`); none of the Live 8 and 9 sets has one.
fn nested_groups_supported(minor_version: &str) -> bool {
    minor_version
        .split(['.', '_'])
        .next()
        .and_then(|major| major.parse::<u32>().ok())
        .is_none_or(|major| major >= 10)
}

/// Drops the moves and new groups that would put a group inside a group, with a note each.
fn refuse_nested_groups(session: &Session, plan: &mut Plan) {
    // Each round drops at least one move, so the loop ends.
    loop {
        let layout = plan.layout(session);
        let is_group = |slot: &Slot| match *slot {
            Slot::Track(t) => session.tracks[t].kind == TrackKind::Bus,
            Slot::NewBus(_) => true,
        };
        let nested = layout
            .slots
            .iter()
            .zip(&layout.parents)
            .find(|(slot, parent)| is_group(slot) && parent.is_some());
        let Some((slot, _)) = nested else { return };
        const WHY: &str = "Live 9 and earlier cannot hold a group inside a group";
        match *slot {
            Slot::NewBus(k) => {
                plan.notes.push(Note {
                    track: None,
                    message: format!("bus {:?} not made: {WHY}", plan.new_buses[k].name),
                    origin: Some(plan.new_buses[k].origin.clone()),
                });
                plan.changes.retain(|c| {
                    c.action
                        != (Action::MoveToBus {
                            bus: BusRef::New(k),
                        })
                });
            }
            Slot::Track(t) => {
                let before = plan.changes.len();
                let mut notes = Vec::new();
                plan.changes.retain(|c| {
                    let drop = c.track == t && matches!(c.action, Action::MoveToBus { .. });
                    if drop {
                        notes.push(note(c, &format!("not grouped: {WHY}")));
                    }
                    !drop
                });
                plan.notes.extend(notes);
                if plan.changes.len() == before {
                    return; // nested as read: nothing premix did
                }
            }
        }
        plan.drop_unused_new_buses();
    }
}

/// The most a clip's gain reaches in Live, +24 dB: a clip gain past it is not written.
const MAX_CLIP_GAIN: f64 = 15.848_931_924_611_133;

impl AlsProject<'_> {
    /// Drops, with a note, the mixer changes this set cannot take: a fader past the volume's
    /// own range (`MidiControllerRange/Max`: +6 dB), a clip gain on a clip without
    /// `SampleVolume` or past +24 dB, a routing of a track without output routing.
    fn vet_mix(&self, plan: &mut Plan) {
        if !plan.changes_mix() {
            return;
        }
        let mut notes = Vec::new();
        plan.changes.retain(|c| {
            let t = &self.doc.tracks[c.track];
            let why = match &c.action {
                Action::Fader { db, .. } => {
                    let max = t.volume_max.unwrap_or(1.995_262_38);
                    (crate::session::db_to_gain(*db) > max * (1.0 + 1e-6)).then(|| {
                        format!(
                            "fader not set to {db:+.1} dB: Live's faders reach {:+.1} dB",
                            crate::session::gain_to_db(max)
                        )
                    })
                }
                Action::ClipGain { db, .. } => {
                    let g = crate::session::db_to_gain(*db);
                    let clips: Vec<&scan::Clip> =
                        t.clips.iter().filter(|c| edits::clip_plays(c)).collect();
                    if clips.iter().any(|c| c.sample_volume.is_none()) {
                        Some("no clip gain: a clip of the track has no SampleVolume".to_string())
                    } else if clips
                        .iter()
                        .any(|c| c.timing.sample_volume.unwrap_or(1.0) * g > MAX_CLIP_GAIN)
                    {
                        Some(format!(
                            "no clip gain: {db:+.1} dB takes a clip past Live's +24 dB"
                        ))
                    } else {
                        None
                    }
                }
                Action::RouteDirect if t.out_target.is_none() || t.out_upper.is_none() => Some(
                    "not routed to the external outputs: the track has no output routing".into(),
                ),
                _ => None,
            };
            match why {
                Some(message) => {
                    notes.push(note(c, &message));
                    false
                }
                None => true,
            }
        });
        plan.notes.extend(notes);
    }
}

fn note(change: &Change, message: &str) -> Note {
    Note {
        track: Some(change.track),
        message: message.into(),
        origin: Some(change.origin.clone()),
    }
}

impl AlsProject<'_> {
    /// Declines, with a note, the sample references that cannot be rewritten to reach their
    /// file ([`filerefs::FileRef::rewrite`]).
    fn vet_media(&self, plan: &mut Plan) {
        let Some(m) = plan.media.as_mut() else {
            return;
        };
        if !m.rewrites() {
            return;
        }
        let targets = m.targets();
        let mut declined = Vec::new();
        for r in filerefs::sample_refs(&self.xml)
            .iter()
            .filter(|r| r.follows_the_set())
        {
            let Some(file) = r.source_file() else {
                continue;
            };
            let key = (&file, crate::media::relocate::FileKind::Audio);
            if let Some(target) = targets.get(&key)
                && r.rewrite(&self.xml, m, target).is_none()
            {
                declined.push(file.clone());
            }
        }
        drop(targets);
        for file in declined {
            m.decline(&file, crate::media::relocate::FileKind::Audio);
            plan.notes.push(Note {
                track: None,
                message: format!(
                    "media {:?} not rewritten: no path from the output's folder to it that \
                     this Live set can hold (Live 8-10 keep only a relative path, and the \
                     two share nothing below the file system's root)",
                    file.path
                ),
                origin: None,
            });
        }
    }

    /// The edits of the sample references the plan's media rewrites change.
    pub(crate) fn media_edits(&self, plan: &Plan) -> Vec<crate::edit::Edit> {
        let Some(m) = plan.media.as_ref().filter(|m| m.rewrites()) else {
            return Vec::new();
        };
        let targets = m.targets();
        filerefs::sample_refs(&self.xml)
            .iter()
            .filter(|r| r.follows_the_set())
            .filter_map(|r| {
                let file = r.source_file()?;
                let target = targets.get(&(&file, crate::media::relocate::FileKind::Audio))?;
                r.rewrite(&self.xml, m, target)
            })
            .flatten()
            .collect()
    }
}

impl Project for AlsProject<'_> {
    fn session(&self) -> &Session {
        &self.session
    }

    /// Live's 70-colour palette (a colour written shows as its nearest entry, as [`Project::vet`]
    /// snaps recolours), or none for the versions whose track colour premix cannot read.
    fn colour_space(&self) -> crate::session::ColourSpace {
        match self.scheme {
            Scheme::Unsupported => crate::session::ColourSpace::Unreadable,
            Scheme::Offset140 | Scheme::Direct => {
                crate::session::ColourSpace::Palette(palette::shown)
            }
        }
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
        let template_color = template.as_deref().and_then(|t| self.template_color(t));
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
                message: "this Live set has no group track to copy and premix has no built-in \
                          group track for its version, so no new groups are created (tracks \
                          stay where they are)"
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
        let routed_from = |i: usize| {
            let Some(id) = self.doc.tracks[i].id.as_ref() else {
                return false;
            };
            // Input routings name a source track as `AudioIn/Track.<Id>/...` (or `MidiIn/`).
            let needle = format!("/Track.{}/", id.value);
            memchr::memmem::find(&self.xml, needle.as_bytes()).is_some()
        };
        plan.changes.retain(|c| match &c.action {
            Action::Rename { to } if to.contains('\n') => {
                notes.push(note(
                    c,
                    "not renamed: a Live track name is one line (it cannot hold a line break)",
                ));
                false
            }
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
            Action::Remove if routed_from(c.track) => {
                notes.push(note(
                    c,
                    "not removed: another track takes its input from it",
                ));
                false
            }
            _ => true,
        });

        plan.drop_unused_new_buses();
        plan.notes.extend(notes);
        if !nested_groups_supported(&self.doc.minor_version) {
            refuse_nested_groups(&self.session, plan);
        }
        refuse_routing_loops(&self.session, &outputs_to(&self.doc), plan);
        self.vet_media(plan);
        self.vet_mix(plan);
    }

    fn into_session(self: Box<Self>) -> Session {
        self.session
    }

    fn source(&self) -> &[u8] {
        self.src
    }

    fn media_files(&self, project: &std::path::Path) -> Vec<crate::media::relocate::MediaFile> {
        media::media_files(&self.xml, project, &self.session.media)
    }

    fn write_to(&self, plan: &Plan, out: &mut dyn std::io::Write) -> Result<(), WriteError> {
        if !plan.edits_file() {
            return Ok(out.write_all(self.src)?);
        }
        // The set is compressed in memory (parallel gzip, see `container`) and then written:
        // compressed, it is a fraction of the XML the project already holds.
        let set = match edits::write(self, plan)? {
            edits::NewXml::Edits(edits) => {
                container::encode_spliced(self.container, &self.xml, edits)
            }
            edits::NewXml::Rebuilt(pieces) => {
                container::encode_with(self.container, self.xml.len(), |emit| {
                    edits::emit_pieces(&self.xml, pieces, emit)
                })
            }
        }?;
        Ok(out.write_all(&set)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::plan::Origin;

    const SET: &str = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<Ableton MajorVersion=\"5\" MinorVersion=\"10.0_377\" Creator=\"Ableton Live 10.1.7\">\n",
        "\t<LiveSet>\n\t\t<NextPointeeId Value=\"40\" />\n\t\t<Tracks>\n",
        "\t\t\t<GroupTrack Id=\"20\">\n\t\t\t\t<Name>\n\t\t\t\t\t<EffectiveName Value=\"Haus\" />\n",
        "\t\t\t\t\t<UserName Value=\"Haus\" />\n\t\t\t\t</Name>\n\t\t\t\t<ColorIndex Value=\"150\" />\n",
        "\t\t\t\t<TrackGroupId Value=\"-1\" />\n\t\t\t\t<DeviceChain>\n",
        "\t\t\t\t\t<AudioOutputRouting><Target Value=\"AudioOut/Master\" /><UpperDisplayString Value=\"Master\" /></AudioOutputRouting>\n",
        "\t\t\t\t\t<Mixer><Speaker><AutomationTarget Id=\"30\" /><Manual Value=\"true\" /></Speaker></Mixer>\n",
        "\t\t\t\t</DeviceChain>\n\t\t\t</GroupTrack>\n",
        "\t\t\t<AudioTrack Id=\"8\">\n\t\t\t\t<Name>\n\t\t\t\t\t<EffectiveName Value=\"kick\" />\n",
        "\t\t\t\t\t<UserName Value=\"\" />\n\t\t\t\t</Name>\n\t\t\t\t<ColorIndex Value=\"160\" />\n",
        "\t\t\t\t<TrackGroupId Value=\"20\" />\n\t\t\t\t<DeviceChain>\n",
        "\t\t\t\t\t<AudioOutputRouting><Target Value=\"AudioOut/GroupTrack\" /><UpperDisplayString Value=\"Group\" /></AudioOutputRouting>\n",
        "\t\t\t\t\t<Mixer><Speaker><AutomationTarget Id=\"31\" /><Manual Value=\"true\" /></Speaker></Mixer>\n",
        "\t\t\t\t</DeviceChain>\n\t\t\t</AudioTrack>\n",
        "\t\t\t<AudioTrack Id=\"9\">\n\t\t\t\t<Name>\n\t\t\t\t\t<EffectiveName Value=\"old\" />\n",
        "\t\t\t\t\t<UserName Value=\"old\" />\n\t\t\t\t</Name>\n\t\t\t\t<ColorIndex Value=\"140\" />\n",
        "\t\t\t\t<TrackGroupId Value=\"-1\" />\n\t\t\t\t<DeviceChain>\n",
        "\t\t\t\t\t<AudioOutputRouting><Target Value=\"AudioOut/Master\" /><UpperDisplayString Value=\"Master\" /></AudioOutputRouting>\n",
        "\t\t\t\t\t<Mixer><Speaker><AutomationTarget Id=\"32\" /><Manual Value=\"true\" /></Speaker></Mixer>\n",
        "\t\t\t\t</DeviceChain>\n\t\t\t</AudioTrack>\n",
        "\t\t</Tracks>\n\t</LiveSet>\n</Ableton>\n",
    );

    fn change(track: usize, action: Action) -> Change {
        Change {
            track,
            action,
            origin: Origin {
                file: "t.yaml".into(),
                line: 1,
                label: "t".into(),
            },
        }
    }

    fn written(plan: &mut Plan) -> (AlsProject<'static>, String) {
        let p = AlsProject::read(SET.as_bytes()).unwrap();
        p.vet(plan);
        let out = String::from_utf8(p.write(plan).unwrap()).unwrap();
        invariants::check_invariants(out.as_bytes()).unwrap();
        (p, out)
    }

    /// A group routed into a track of the set (`AudioOut/Track.<Id>/TrackIn`, Live's spelling):
    /// the track is fed, and moving it into that group would loop the group's output back to
    /// its own input, so the move is declined whatever asked for it.
    #[test]
    fn a_move_into_a_group_routed_back_to_the_track_is_declined() {
        let set = SET.replacen(
            "<Target Value=\"AudioOut/Master\" /><UpperDisplayString Value=\"Master\" />",
            "<Target Value=\"AudioOut/Track.9/TrackIn\" /><UpperDisplayString Value=\"old\" />",
            1,
        );
        let p = AlsProject::read(set.as_bytes()).unwrap();
        let (haus, old) = (&p.session.tracks[0], &p.session.tracks[2]);
        assert!(!haus.feeds_parent && !haus.fed_by_tracks);
        assert!(old.fed_by_tracks && old.feeds_parent);
        let mut plan = Plan {
            changes: vec![
                change(
                    2,
                    Action::MoveToBus {
                        bus: BusRef::Existing(0),
                    },
                ),
                change(2, Action::Mute),
            ],
            ..Plan::default()
        };
        p.vet(&mut plan);
        assert_eq!(plan.changes, vec![change(2, Action::Mute)]);
        assert_eq!(
            plan.notes[0].message,
            "not grouped: the group's output is routed back into this track (a loop)"
        );
        // Into a group whose output reaches the master, the move stays.
        let p = AlsProject::read(SET.as_bytes()).unwrap();
        let moved = change(
            2,
            Action::MoveToBus {
                bus: BusRef::Existing(0),
            },
        );
        let mut plan = Plan {
            changes: vec![moved.clone()],
            ..Plan::default()
        };
        p.vet(&mut plan);
        assert_eq!(plan.changes, vec![moved]);
    }

    #[test]
    fn rename_mute_and_recolour_touch_only_their_values() {
        let mut plan = Plan {
            changes: vec![
                change(
                    1,
                    Action::Rename {
                        to: "Kick & <In>".into(),
                    },
                ),
                change(1, Action::Mute),
                change(
                    1,
                    Action::Recolor {
                        to: crate::session::Rgb::new(0xfe, 0x36, 0x37),
                    },
                ),
            ],
            ..Plan::default()
        };
        let (_, out) = written(&mut plan);
        let expected = SET
            .replace(
                "<EffectiveName Value=\"kick\" />",
                "<EffectiveName Value=\"Kick &amp; &lt;In&gt;\" />",
            )
            .replace(
                "<UserName Value=\"\" />",
                "<UserName Value=\"Kick &amp; &lt;In&gt;\" />",
            )
            .replace(
                "<ColorIndex Value=\"160\" />",
                "<ColorIndex Value=\"154\" />",
            )
            .replace(
                "<AutomationTarget Id=\"31\" /><Manual Value=\"true\" />",
                "<AutomationTarget Id=\"31\" /><Manual Value=\"false\" />",
            );
        assert_eq!(out, expected);
        let again = AlsProject::read(out.as_bytes()).unwrap();
        let t = &again.session().tracks[1];
        assert_eq!((t.name.as_str(), t.muted), ("Kick & <In>", true));
        assert_eq!(t.color, palette::rgb(14));
    }

    #[test]
    fn grouping_and_removing_rewrite_membership_and_routing() {
        let mut plan = Plan {
            changes: vec![
                change(
                    2,
                    Action::MoveToBus {
                        bus: BusRef::Existing(0),
                    },
                ),
                change(0, Action::Remove),
            ],
            ..Plan::default()
        };
        let (_, out) = written(&mut plan);
        // The group still holds a track, so it is not removed; track 2 joins it.
        assert_eq!(plan.notes.len(), 1);
        let again = AlsProject::read(out.as_bytes()).unwrap();
        let parents: Vec<_> = again.session().tracks.iter().map(|t| t.parent).collect();
        assert_eq!(parents, [None, Some(0), Some(0)]);
        assert!(out.contains("<AudioTrack Id=\"9\">"));
        assert_eq!(out.matches("AudioOut/GroupTrack").count(), 2);

        let mut plan = Plan {
            changes: vec![change(2, Action::Remove)],
            ..Plan::default()
        };
        let (_, out) = written(&mut plan);
        assert!(!out.contains("<AudioTrack Id=\"9\">"));
        assert!(out.ends_with("</AudioTrack>\n\t\t</Tracks>\n\t</LiveSet>\n</Ableton>\n"));
    }

    // A track's name is held once (issue #14): the session's is the field's.
    #[test]
    fn the_session_shares_the_names_the_scan_made() {
        let p = AlsProject::read(SET.as_bytes()).unwrap();
        let named = &p.doc.tracks[0];
        assert_eq!(p.session.tracks[0].name, "Haus");
        assert!(
            p.session.tracks[0]
                .name
                .shares(&named.user_name.as_ref().unwrap().value)
        );
        // Unnamed: named as Live shows it at its position; the effective name when it is
        // that one, shared too.
        assert_eq!(p.session.tracks[1].name, "2-kick");
        let current = SET.replace(
            "<EffectiveName Value=\"kick\" />",
            "<EffectiveName Value=\"2-kick\" />",
        );
        let p = AlsProject::read(current.as_bytes()).unwrap();
        let unnamed = &p.doc.tracks[1];
        assert!(
            p.session.tracks[1]
                .name
                .shares(&unnamed.effective_name.as_ref().unwrap().value)
        );
    }

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
