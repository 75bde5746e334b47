//! What the rules want done to one session, independent of any file format.
//!
//! A [`Plan`] is a list of [`Change`]s, each naming the track it touches, what to do and the
//! rule that asked for it ([`Origin`]). Backends spell a plan as byte edits; the report shows
//! it; [`Plan::predict`] says what the session must look like afterwards, which is how every
//! write is verified before it reaches the disk.
//!
//! Grouping into buses changes the track order (REAPER folders and Live groups hold their
//! members contiguously after the bus), so the new order is computed here once, in
//! [`Plan::layout`], for every backend and for the prediction alike.

use crate::session::{Name, Rgb, Session, Track, TrackKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Where a change came from: a rule (or bus declaration, or the `unused` section) of a rules file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The rules file as the user named it, or `<default rules>`.
    pub file: Arc<str>,
    /// 1-based line of the rule in that file.
    pub line: usize,
    /// The rule's `name:` label, or what the origin is (`unused`, `bus DRUMS`). Shared, as
    /// every change a rule makes carries its origin.
    pub label: Arc<str>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} ({})", self.file, self.line, self.label)
    }
}

/// Why a track counts as unused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum UnusedReason {
    NoMedia,
    Muted,
    AllMediaMuted,
    /// What the track's items play is silence (needs the audio analysed: `premix preflight`'s
    /// facts, [`crate::session::Track::silent`]).
    Silent,
}

impl UnusedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            UnusedReason::NoMedia => "no_media",
            UnusedReason::Muted => "muted",
            UnusedReason::AllMediaMuted => "all_media_muted",
            UnusedReason::Silent => "silent",
        }
    }
}

/// The bus a track is moved into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BusRef {
    /// An existing bus track, by index.
    Existing(usize),
    /// A bus the plan creates, by index into [`Plan::new_buses`].
    New(usize),
}

/// A bus track the plan creates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewBus {
    pub name: String,
    pub color: Option<Rgb>,
    pub origin: Origin,
    /// The fewest moves into it for the bus to be made (its declaration's `min_members`):
    /// when a backend refuses moves, [`crate::rules::keep_structure`] drops a bus left with
    /// fewer.
    #[serde(skip)]
    pub min_members: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Rename {
        to: Name,
    },
    Recolor {
        to: Rgb,
    },
    MoveToBus {
        bus: BusRef,
    },
    Mute,
    Remove,
    /// Report only: the file is not changed.
    Flag {
        reasons: Vec<UnusedReason>,
    },
    /// Clip gain: every audio item of the track plays `db` louder (its own gain multiplied
    /// by it, so the items keep their levels relative to each other), so that what the track
    /// plays measures `target` (see [`GainMeasure`]) where it measured `measured`.
    ClipGain {
        db: f64,
        measure: GainMeasure,
        /// dBFS (peak) or LUFS (loudness), as played before the change.
        measured: f64,
        target: f64,
        /// The track's fader moves by `-db` with it ([`Action::Fader`] `balance`): the two
        /// are made together or not at all.
        #[serde(skip)]
        balanced: bool,
    },
    /// The track's fader set to `db` (decibels; the fader as read was `from_db`, `None` when
    /// at silence).
    Fader {
        db: f64,
        from_db: Option<f64>,
        /// Moved by the inverse of the track's clip gain (`gain_staging: keep_balance`), so
        /// that fader × clip gain is unchanged.
        balance: bool,
    },
    /// The track's pan set to `to` (-1 left .. 0 centre .. 1 right; it was `from`).
    Pan {
        to: f64,
        from: f64,
    },
    /// The track's output goes straight to the hardware outputs, no longer through the
    /// master (a reference track: `reference: {output: direct}`).
    RouteDirect,
}

/// What a clip gain brings to its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GainMeasure {
    /// Sample peak, dBFS.
    Peak,
    /// Integrated loudness, LUFS.
    Loudness,
}

impl GainMeasure {
    pub fn as_str(self) -> &'static str {
        match self {
            GainMeasure::Peak => "peak",
            GainMeasure::Loudness => "loudness",
        }
    }

    /// The unit of its levels: `dBFS` or `LUFS`.
    pub fn unit(self) -> &'static str {
        match self {
            GainMeasure::Peak => "dBFS",
            GainMeasure::Loudness => "LUFS",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// Index of the track in the session as read.
    pub track: usize,
    #[serde(flatten)]
    pub action: Action,
    pub origin: Origin,
}

/// Something the rules asked for that the planner or a backend declined, with the reason.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    pub track: Option<usize>,
    pub message: String,
    pub origin: Option<Origin>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Plan {
    pub new_buses: Vec<NewBus>,
    pub changes: Vec<Change>,
    pub notes: Vec<Note>,
    /// False when the rules contradict themselves on this project (one undoes another, or a
    /// rename feeds on its own result), so a second run would change it again.
    pub unsettled: bool,
    /// For a project written elsewhere (`apply --out`): how its output reaches its media, and
    /// which references each backend rewrites ([`crate::media::relocate`]). `None` otherwise.
    pub media: Option<crate::media::relocate::MediaPlan>,
    /// The tracks the rules' `reference` section names: a reference still feeding the master
    /// after the plan is a finding.
    pub references: Vec<Reference>,
}

/// A reference track.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reference {
    /// Index of the track in the session as read.
    pub track: usize,
    /// The `reference` section.
    pub origin: Origin,
}

/// A plan's mixer changes by track ([`Plan::mix_by_track`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MixByTrack {
    /// Clip gain of each track, linear (1 when unchanged).
    pub clip_gain: Vec<f64>,
    /// New fader of each track, linear, if set.
    pub fader: Vec<Option<f64>>,
    pub pan: Vec<Option<f64>>,
    pub direct: Vec<bool>,
}

impl MixByTrack {
    /// The linear factor track `index`'s items are multiplied by, if changed.
    pub fn clip_gain(&self, index: usize) -> Option<f64> {
        self.clip_gain.get(index).copied().filter(|g| *g != 1.0)
    }

    pub fn fader(&self, index: usize) -> Option<f64> {
        self.fader.get(index).copied().flatten()
    }

    pub fn pan(&self, index: usize) -> Option<f64> {
        self.pan.get(index).copied().flatten()
    }

    pub fn direct(&self, index: usize) -> bool {
        self.direct.get(index).copied().unwrap_or(false)
    }

    /// True when some track's mixer or items change.
    pub fn any(&self) -> bool {
        self.clip_gain.iter().any(|g| *g != 1.0)
            || self.fader.iter().any(Option::is_some)
            || self.pan.iter().any(Option::is_some)
            || self.direct.iter().any(|d| *d)
    }
}

/// One position in the new track order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    Track(usize),
    NewBus(usize),
}

/// The track order and hierarchy after the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub slots: Vec<Slot>,
    /// For each slot, the index of its enclosing slot.
    pub parents: Vec<Option<usize>>,
}

impl Layout {
    /// True when the plan keeps every track where it was, under the same parent.
    pub fn is_unchanged(&self, session: &Session) -> bool {
        self.slots.len() == session.tracks.len()
            && self
                .slots
                .iter()
                .enumerate()
                .all(|(i, slot)| *slot == Slot::Track(i))
            && self
                .parents
                .iter()
                .zip(&session.tracks)
                .all(|(p, t)| *p == t.parent)
    }

    /// Nesting depth of every slot.
    pub fn depths(&self) -> Vec<usize> {
        // Parents always precede their children in a layout, so one pass suffices.
        let mut depths = vec![0; self.slots.len()];
        for i in 0..self.slots.len() {
            depths[i] = self.parents[i].map_or(0, |p| depths[p] + 1);
        }
        depths
    }

    /// New position of every original track (`None` for removed ones).
    pub fn new_positions(&self, track_count: usize) -> Vec<Option<usize>> {
        let mut positions = vec![None; track_count];
        for (i, slot) in self.slots.iter().enumerate() {
            if let Slot::Track(t) = slot {
                positions[*t] = Some(i);
            }
        }
        positions
    }
}

/// A plan's per-track value changes ([`Plan::by_track`]), indexed by track: the same answers
/// as [`Plan::renames`], [`Plan::recolors`] and [`Plan::mutes`], looked up in constant time.
#[derive(Debug, Default)]
pub struct ByTrack<'a> {
    renames: Vec<Option<&'a Name>>,
    recolors: Vec<Option<Rgb>>,
    mutes: Vec<bool>,
}

impl<'a> ByTrack<'a> {
    /// The name track `index` gets, if renamed.
    pub fn rename(&self, index: usize) -> Option<&'a str> {
        self.renamed(index).map(Name::as_str)
    }

    /// [`ByTrack::rename`], as the shared [`Name`] the plan holds.
    pub fn renamed(&self, index: usize) -> Option<&'a Name> {
        self.renames.get(index).copied().flatten()
    }

    /// The colour track `index` gets, if recoloured.
    pub fn recolor(&self, index: usize) -> Option<Rgb> {
        self.recolors.get(index).copied().flatten()
    }

    /// True when track `index` is muted by the plan.
    pub fn mutes(&self, index: usize) -> bool {
        self.mutes.get(index).copied().unwrap_or(false)
    }
}

impl Plan {
    /// True when the plan asks for something that must be written to the file.
    pub fn edits_file(&self) -> bool {
        !self.new_buses.is_empty()
            || self.changes.iter().any(Change::edits_file)
            || self.media.as_ref().is_some_and(|m| m.rewrites())
    }

    /// Drops the new buses no change moves a track into, renumbering the others, and returns
    /// the dropped ones with their former index. Backends call it after refusing moves.
    pub fn drop_unused_new_buses(&mut self) -> Vec<(usize, NewBus)> {
        let used: Vec<bool> = (0..self.new_buses.len())
            .map(|k| {
                self.changes.iter().any(|c| {
                    c.action
                        == Action::MoveToBus {
                            bus: BusRef::New(k),
                        }
                })
            })
            .collect();
        if used.iter().all(|u| *u) {
            return Vec::new();
        }
        let mut renumber = vec![None; used.len()];
        let mut kept = Vec::new();
        let mut dropped = Vec::new();
        for (k, bus) in std::mem::take(&mut self.new_buses).into_iter().enumerate() {
            if used[k] {
                renumber[k] = Some(kept.len());
                kept.push(bus);
            } else {
                dropped.push((k, bus));
            }
        }
        self.new_buses = kept;
        for c in &mut self.changes {
            if let Action::MoveToBus {
                bus: BusRef::New(k),
            } = &mut c.action
                && let Some(new) = renumber[*k]
            {
                *k = new;
            }
        }
        dropped
    }

    pub fn flags(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| matches!(c.action, Action::Flag { .. }))
    }

    /// The final name each track gets, if renamed.
    pub fn renames(&self) -> BTreeMap<usize, &str> {
        let mut out = BTreeMap::new();
        for c in &self.changes {
            if let Action::Rename { to } = &c.action {
                out.insert(c.track, to.as_str());
            }
        }
        out
    }

    pub fn recolors(&self) -> BTreeMap<usize, Rgb> {
        let mut out = BTreeMap::new();
        for c in &self.changes {
            if let Action::Recolor { to } = &c.action {
                out.insert(c.track, *to);
            }
        }
        out
    }

    /// Renames, recolours and mutes by track, gathered in one pass over the changes. Backends
    /// look these up once per track; building the maps per track is quadratic in the track
    /// count (12 000 tracks: seconds).
    pub fn by_track(&self, track_count: usize) -> ByTrack<'_> {
        let mut out = ByTrack {
            renames: vec![None; track_count],
            recolors: vec![None; track_count],
            mutes: vec![false; track_count],
        };
        for c in self.changes.iter().filter(|c| c.track < track_count) {
            match &c.action {
                Action::Rename { to } => out.renames[c.track] = Some(to),
                Action::Recolor { to } => out.recolors[c.track] = Some(*to),
                Action::Mute => out.mutes[c.track] = true,
                _ => {}
            }
        }
        out
    }

    /// Clip gains, faders, pans and direct outputs by track, gathered in one pass.
    pub fn mix_by_track(&self, track_count: usize) -> MixByTrack {
        let mut out = MixByTrack {
            clip_gain: vec![1.0; track_count],
            fader: vec![None; track_count],
            pan: vec![None; track_count],
            direct: vec![false; track_count],
        };
        for c in self.changes.iter().filter(|c| c.track < track_count) {
            match &c.action {
                Action::ClipGain { db, .. } => {
                    out.clip_gain[c.track] *= crate::session::db_to_gain(*db)
                }
                Action::Fader { db, .. } => {
                    out.fader[c.track] = Some(crate::session::db_to_gain(*db))
                }
                Action::Pan { to, .. } => out.pan[c.track] = Some(*to),
                Action::RouteDirect => out.direct[c.track] = true,
                _ => {}
            }
        }
        out
    }

    /// True when the plan changes a clip gain, fader, pan or output.
    pub fn changes_mix(&self) -> bool {
        self.changes.iter().any(|c| c.action.is_mix())
    }

    pub fn mutes(&self) -> Vec<usize> {
        self.changes
            .iter()
            .filter(|c| matches!(c.action, Action::Mute))
            .map(|c| c.track)
            .collect()
    }

    fn removed(&self, track_count: usize) -> Vec<bool> {
        let mut removed = vec![false; track_count];
        for c in &self.changes {
            if matches!(c.action, Action::Remove) {
                removed[c.track] = true;
            }
        }
        removed
    }

    fn moves(&self) -> BTreeMap<usize, BusRef> {
        let mut out = BTreeMap::new();
        for c in &self.changes {
            if let Action::MoveToBus { bus } = c.action {
                out.insert(c.track, bus);
            }
        }
        out
    }

    /// The track order and hierarchy after the plan.
    ///
    /// A new bus takes the place of its first member (in the original order) under that
    /// member's original parent; every bus holds its children in their original relative
    /// order, contiguously after it. Moving a track moves its whole subtree. A move that would
    /// put a bus inside itself is ignored here (the planner never emits one).
    pub fn layout(&self, session: &Session) -> Layout {
        let n = session.tracks.len();
        let removed = self.removed(n);
        let moves = self.moves();
        // Node ids: 0..n are tracks, n.. are new buses.
        let node_count = n + self.new_buses.len();
        let mut parent: Vec<Option<usize>> = vec![None; node_count];
        // Sort key: position in the original order; a new bus sorts just before its first member.
        let mut key: Vec<(usize, u8)> = (0..n).map(|i| (i, 1)).collect();
        key.extend(std::iter::repeat_n((usize::MAX, 0), self.new_buses.len()));

        let nearest_kept = |mut p: Option<usize>| {
            while let Some(i) = p {
                if !removed[i] {
                    break;
                }
                p = session.tracks[i].parent;
            }
            p
        };
        for (i, track) in session.tracks.iter().enumerate() {
            parent[i] = nearest_kept(track.parent);
        }
        let mut first_member: Vec<Option<usize>> = vec![None; self.new_buses.len()];
        for (&track, &bus) in &moves {
            if let BusRef::New(k) = bus {
                first_member[k] = Some(first_member[k].map_or(track, |f: usize| f.min(track)));
            }
        }
        for (k, first) in first_member.iter().enumerate() {
            let node = n + k;
            let Some(first) = *first else { continue };
            key[node] = (first, 0);
            // Under the first member's parent, unless that parent is itself moved into this bus.
            let mut p = parent[first];
            while let Some(pi) = p {
                if moves.get(&pi) == Some(&BusRef::New(k)) {
                    p = parent[pi];
                } else {
                    break;
                }
            }
            parent[node] = p;
        }
        for (&track, &bus) in &moves {
            if removed[track] {
                continue;
            }
            let target = match bus {
                BusRef::Existing(b) => b,
                BusRef::New(k) => n + k,
            };
            let saved = parent[track];
            parent[track] = Some(target);
            if creates_cycle(&parent, track) {
                parent[track] = saved;
            }
        }
        // A new bus whose chosen parent ended up inside it goes to the top level.
        for node in n..node_count {
            if creates_cycle(&parent, node) {
                parent[node] = None;
            }
        }

        let mut children: Vec<Vec<usize>> = vec![Vec::new(); node_count];
        let mut roots = Vec::new();
        let alive = |node: usize| node >= n || !removed[node];
        for node in (0..node_count).filter(|&node| alive(node)) {
            if node >= n && first_member[node - n].is_none() {
                continue; // a new bus nobody moved into is not created
            }
            match parent[node] {
                Some(p) => children[p].push(node),
                None => roots.push(node),
            }
        }
        for list in children.iter_mut().chain(std::iter::once(&mut roots)) {
            list.sort_by_key(|&node| key[node]);
        }

        let mut slots = Vec::with_capacity(node_count);
        let mut parents = Vec::with_capacity(node_count);
        // Iterative depth-first walk: (node, slot of its parent).
        let mut stack: Vec<(usize, Option<usize>)> =
            roots.iter().rev().map(|&r| (r, None)).collect();
        while let Some((node, parent_slot)) = stack.pop() {
            let slot_index = slots.len();
            slots.push(if node < n {
                Slot::Track(node)
            } else {
                Slot::NewBus(node - n)
            });
            parents.push(parent_slot);
            for &child in children[node].iter().rev() {
                stack.push((child, Some(slot_index)));
            }
        }
        Layout { slots, parents }
    }

    /// The session as it must read after the plan is written. Kinds are kept as read, except
    /// that new buses are buses; a backend may re-derive kinds differently (a REAPER folder
    /// that loses its last child is an ordinary track again).
    pub fn predict(&self, session: &Session) -> Session {
        let layout = self.layout(session);
        let by_track = self.by_track(session.tracks.len());
        let mix = self.mix_by_track(session.tracks.len());
        let tracks = layout
            .slots
            .iter()
            .enumerate()
            .map(|(index, slot)| {
                let parent = layout.parents[index];
                match *slot {
                    Slot::Track(t) => {
                        let original = &session.tracks[t];
                        Track {
                            index,
                            // Shared with the session or the plan, not copied.
                            name: by_track.renamed(t).unwrap_or(&original.name).clone(),
                            kind: original.kind,
                            color: by_track.recolor(t).or(original.color),
                            parent,
                            muted: original.muted || by_track.mutes(t),
                            media_files: original.media_files.clone(),
                            media_count: original.media_count,
                            muted_media_count: original.muted_media_count,
                            plugins: original.plugins.clone(),
                            silent: original.silent,
                            // A renamed track has a name the user (the rules) gave it.
                            default_name: match by_track.rename(t) {
                                Some(_) => None,
                                None => original.default_name.clone(),
                            },
                            // A track routed to the hardware outputs no longer reaches the master.
                            feeds_parent: original.feeds_parent && !mix.direct(t),
                            fed_by_tracks: original.fed_by_tracks,
                            mixer: crate::session::Mixer {
                                fader: mix.fader(t).or(original.mixer.fader),
                                pan: mix.pan(t).or(original.mixer.pan),
                                direct_out: original.mixer.direct_out || mix.direct(t),
                            },
                            items: match mix.clip_gain(t) {
                                Some(g) => original
                                    .items
                                    .iter()
                                    .map(|i| crate::media::MediaRef {
                                        gain: i.gain * g,
                                        ..i.clone()
                                    })
                                    .collect(),
                                None => original.items.clone(),
                            },
                            levels: original.levels.clone(),
                        }
                    }
                    // Its mixer as the backend makes it: not predicted, not verified.
                    Slot::NewBus(k) => Track {
                        color: self.new_buses[k].color,
                        parent,
                        ..Track::new(index, self.new_buses[k].name.as_str(), TrackKind::Bus)
                    },
                }
            })
            .collect();
        let mut predicted = Session {
            format: session.format,
            tracks,
            media: session.media.clone(),
            name_display: session.name_display,
        };
        // An unnamed Live track is named by its position, which the plan may change.
        predicted.name_unnamed_as_shown(&crate::session::NamePool::fresh());
        predicted
    }
}

fn creates_cycle(parent: &[Option<usize>], start: usize) -> bool {
    let mut p = parent[start];
    let mut budget = parent.len();
    while let Some(i) = p {
        if i == start || budget == 0 {
            return true;
        }
        budget -= 1;
        p = parent[i];
    }
    false
}

impl Change {
    /// True when the change must be written to the file (a flag is report-only).
    pub fn edits_file(&self) -> bool {
        !matches!(self.action, Action::Flag { .. })
    }
}

impl Action {
    /// True for the mixer actions of gain staging and reference routing (clip gain, fader,
    /// pan, output), which no rule condition reads.
    pub fn is_mix(&self) -> bool {
        matches!(
            self,
            Action::ClipGain { .. }
                | Action::Fader { .. }
                | Action::Pan { .. }
                | Action::RouteDirect
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Format;

    fn track(index: usize, name: &str, parent: Option<usize>, kind: TrackKind) -> Track {
        Track {
            parent,
            media_count: 1,
            ..Track::new(index, name, kind)
        }
    }

    fn origin() -> Origin {
        Origin {
            file: "r.yaml".into(),
            line: 1,
            label: "t".into(),
        }
    }

    fn mv(track: usize, bus: BusRef) -> Change {
        Change {
            track,
            action: Action::MoveToBus { bus },
            origin: origin(),
        }
    }

    #[test]
    fn new_bus_takes_first_member_place_and_gathers_members() {
        use TrackKind::*;
        let session = Session {
            format: Format::Rpp,
            media: Default::default(),
            name_display: Default::default(),
            tracks: vec![
                track(0, "vox", None, Audio),
                track(1, "kick", None, Audio),
                track(2, "bass", None, Audio),
                track(3, "snare", None, Audio),
            ],
        };
        let plan = Plan {
            new_buses: vec![NewBus {
                name: "DRUMS".into(),
                color: None,
                origin: origin(),
                min_members: 2,
            }],
            changes: vec![mv(1, BusRef::New(0)), mv(3, BusRef::New(0))],
            ..Plan::default()
        };
        let layout = plan.layout(&session);
        assert_eq!(
            layout.slots,
            vec![
                Slot::Track(0),
                Slot::NewBus(0),
                Slot::Track(1),
                Slot::Track(3),
                Slot::Track(2)
            ]
        );
        assert_eq!(layout.parents, vec![None, None, Some(1), Some(1), None]);
        let predicted = plan.predict(&session);
        let names: Vec<_> = predicted.tracks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["vox", "DRUMS", "kick", "snare", "bass"]);
    }

    #[test]
    fn a_bus_is_never_moved_into_itself() {
        use TrackKind::*;
        let session = Session {
            format: Format::Rpp,
            media: Default::default(),
            name_display: Default::default(),
            tracks: vec![
                track(0, "DRUMS", None, Bus),
                track(1, "kick", Some(0), Audio),
            ],
        };
        let plan = Plan {
            changes: vec![mv(0, BusRef::Existing(0)), mv(0, BusRef::Existing(1))],
            ..Plan::default()
        };
        let layout = plan.layout(&session);
        assert!(layout.is_unchanged(&session));
    }
}
