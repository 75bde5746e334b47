//! What premix reads from a DAWproject's `project.xml`: the tracks as the DAW shows them, their
//! channels, the ids that refer to them, their clips and media.
//!
//! Facts, from the schema (`../shared/corpus/schemas/dawproject_Project.xsd`) and the Bitwig
//! 5.1.6 export in the corpus (`hifa-bitwig516__canon.dawproject`):
//! - Tracks are `Track` elements in `Structure`; a group nests its members' `Track`s after its
//!   own `Channel` (`contentType` holds `tracks`; its channel's role may be `submix`, Bitwig's
//!   `master`, or absent). The project's master is the `Track` whose channel has role `master`
//!   and which is not a group (Bitwig: `contentType="audio notes"`, last in `Structure`).
//! - `Structure` may also hold bare `Channel`s: mixer strips without a track (the schema
//!   allows them; Studio One writes its buses and master that way). They are tracks here too
//!   (an `effect` role is a return, any other a bus), but cannot hold tracks.
//! - Ids are document-global (`xs:ID`); `destination` (channels, sends), `track` (lanes,
//!   clip slots), `parameter` (automation targets) and `reference` (clips) refer to them.
//! - Clips live in `Arrangement` and `Scenes`, under the lanes whose `track` names the track;
//!   audio is `Audio/File@path`, inside the container unless `external="true"`.

use crate::formats::FormatError;
use crate::formats::ardour::xml::{Element, XmlDoc};
use crate::session::{Rgb, TrackKind};
use std::collections::HashMap;

/// One track (or bare mixer channel) of the project, in display order.
#[derive(Clone, Debug, PartialEq)]
pub struct DpTrack {
    /// The `Track` element, or the `Channel` for a bare mixer channel.
    pub element: usize,
    /// The track's `Channel` (the element itself for a bare mixer channel).
    pub channel: Option<usize>,
    /// True for a `Channel` directly in `Structure`, without a track.
    pub bare_channel: bool,
    pub kind: TrackKind,
    pub name: String,
    pub color: Option<Rgb>,
    pub parent: Option<usize>,
    pub muted: bool,
    pub plugins: Vec<String>,
    /// Outermost clips on the track's lanes (arrangement and clip slots).
    pub clips: usize,
    /// Of those, the ones disabled (`enable="false"`).
    pub disabled_clips: usize,
}

/// An audio or video file a track's clip plays, with the clip's place, for preflight.
#[derive(Clone, Debug, PartialEq)]
pub struct MediaRef {
    /// Index of the track in the session.
    pub track: usize,
    /// `File@path` as written: a path inside the container, or (with `external="true"`)
    /// a path relative to the `.dawproject` file, or absolute.
    pub path: String,
    /// True when the file is inside the container (`external` absent or `false`).
    pub embedded: bool,
    /// The outermost clip's `time`, `duration` and `playStart`, in `time_unit`.
    pub clip_time: Option<f64>,
    pub clip_duration: Option<f64>,
    pub play_start: Option<f64>,
    /// `beats` or `seconds`: the nearest `timeUnit` above the clip (Bitwig: `beats`).
    pub time_unit: Option<String>,
    /// The media file's own `duration` attribute, in seconds.
    pub file_duration: Option<f64>,
}

/// The scanned document.
#[derive(Clone, Debug)]
pub struct DpDocument {
    pub doc: XmlDoc,
    pub structure: usize,
    pub tracks: Vec<DpTrack>,
    /// Every `id` in the document, to its element.
    pub ids: HashMap<String, usize>,
    pub media: Vec<MediaRef>,
}

fn content_types(el: &Element) -> Vec<&str> {
    el.get("contentType")
        .map(|c| c.split_ascii_whitespace().collect())
        .unwrap_or_default()
}

impl DpDocument {
    pub fn element(&self, i: usize) -> &Element {
        &self.doc.elements[i]
    }

    /// The `id` of track `t`'s channel.
    pub fn channel_id(&self, t: usize) -> Option<&str> {
        self.tracks[t]
            .channel
            .and_then(|c| self.element(c).get("id"))
    }

    /// True when another channel sends to track `t`'s channel. A channel's send to itself
    /// does not count: Bitwig writes one on every FX channel (`hifa-bitwig516__canon`).
    pub fn fed_by_sends(&self, t: usize) -> bool {
        let Some(id) = self.channel_id(t) else {
            return false;
        };
        let own = self.tracks[t].channel;
        self.doc.elements.iter().enumerate().any(|(i, el)| {
            &*el.name == "Send"
                && el.get("destination") == Some(id)
                && own.is_none_or(|c| !self.is_inside(i, c))
        })
    }

    /// True when another channel's output (`Channel@destination`) is track `t`'s channel.
    pub fn fed_by_outputs(&self, t: usize) -> bool {
        let Some(id) = self.channel_id(t) else {
            return false;
        };
        let own = self.tracks[t].channel;
        self.doc.elements.iter().enumerate().any(|(i, el)| {
            &*el.name == "Channel" && el.get("destination") == Some(id) && Some(i) != own
        })
    }

    /// True when element `i` is `ancestor` or inside it.
    pub fn is_inside(&self, i: usize, ancestor: usize) -> bool {
        let a = &self.doc.elements[ancestor];
        let e = &self.doc.elements[i];
        e.tag.start >= a.tag.start && e.tag.start < a.end
    }

    /// The channel `Volume` of track `t`: its value and unit as written (`linear` gain,
    /// 0..2 in Bitwig's files, or `decibel`), for the fader actions of the dry mix.
    pub fn volume(&self, t: usize) -> Option<(f64, String)> {
        let channel = self.tracks[t].channel?;
        let v = self.doc.child_named(channel, "Volume")?;
        let el = self.element(v);
        Some((
            el.get("value")?.trim().parse().ok()?,
            el.get("unit")?.into(),
        ))
    }
}

/// The name a track shows when its element has none.
fn fallback_name(kind: TrackKind) -> &'static str {
    match kind {
        TrackKind::Audio => "Audio",
        TrackKind::Midi => "Instrument",
        TrackKind::Bus => "Group",
        TrackKind::Return => "FX",
    }
}

/// Scans `xml` (already split into elements as `doc`).
pub fn scan(xml: &[u8], doc: XmlDoc) -> Result<DpDocument, FormatError> {
    let root = doc.root();
    if &*root.name != "Project" {
        return Err(FormatError::at_line(
            crate::formats::ardour::xml::line_of(xml, root.tag.start),
            format!(
                "project.xml holds <{}>, not a DAWproject <Project>",
                root.name
            ),
        ));
    }
    let structure = doc.child_named(0, "Structure");
    let mut ids = HashMap::new();
    for (i, el) in doc.elements.iter().enumerate() {
        if let Some(id) = el.get("id") {
            ids.entry(id.to_string()).or_insert(i);
        }
    }
    let mut tracks: Vec<DpTrack> = Vec::new();
    let mut track_of_element: HashMap<usize, usize> = HashMap::new();
    if let Some(structure) = structure {
        // Depth-first, in document order: a group is followed by its members.
        let mut stack: Vec<(usize, Option<usize>)> = doc.elements[structure]
            .children
            .iter()
            .rev()
            .map(|&c| (c, None))
            .collect();
        while let Some((e, parent)) = stack.pop() {
            let el = &doc.elements[e];
            let this = match &*el.name {
                "Track" => {
                    let channel = doc.child_named(e, "Channel");
                    let role = channel.and_then(|c| doc.elements[c].get("role"));
                    let types = content_types(el);
                    let group = types.contains(&"tracks");
                    if role == Some("master") && !group {
                        None // the project's master
                    } else {
                        let kind = if group {
                            TrackKind::Bus
                        } else if role == Some("effect") {
                            TrackKind::Return
                        } else if types.contains(&"notes") && !types.contains(&"audio") {
                            TrackKind::Midi
                        } else {
                            TrackKind::Audio
                        };
                        Some(new_track(&doc, e, channel, false, kind, parent))
                    }
                }
                "Channel" if parent.is_none() => {
                    let role = el.get("role");
                    if role == Some("master") {
                        None
                    } else {
                        let kind = if role == Some("effect") {
                            TrackKind::Return
                        } else {
                            TrackKind::Bus
                        };
                        Some(new_track(&doc, e, Some(e), true, kind, None))
                    }
                }
                _ => None,
            };
            let inner_parent = match this {
                Some(t) => {
                    let index = tracks.len();
                    track_of_element.insert(e, index);
                    tracks.push(t);
                    Some(index)
                }
                None => parent,
            };
            if &*el.name == "Track" {
                for &c in el.children.iter().rev() {
                    if &*doc.elements[c].name == "Track" {
                        stack.push((c, inner_parent));
                    }
                }
            }
        }
    }
    // Which track each lane, clip slot and clip belongs to: the nearest `track` attribute
    // above it, naming the track or its channel.
    let mut track_by_id: HashMap<&str, usize> = HashMap::new();
    for (t, track) in tracks.iter().enumerate() {
        if let Some(id) = doc.elements[track.element].get("id") {
            track_by_id.insert(id, t);
        }
        if let Some(id) = track.channel.and_then(|c| doc.elements[c].get("id")) {
            track_by_id.insert(id, t);
        }
    }
    let n = doc.elements.len();
    let mut owner: Vec<Option<usize>> = vec![None; n];
    // The outermost clip above each element, within its owner's lanes.
    let mut clip: Vec<Option<usize>> = vec![None; n];
    let mut unit: Vec<Option<usize>> = vec![None; n];
    let mut media = Vec::new();
    for i in 0..n {
        let el = &doc.elements[i];
        let parent = el.parent;
        owner[i] = match el.get("track") {
            Some(id) => track_by_id.get(id).copied(),
            None => parent.and_then(|p| owner[p]),
        };
        let inherited_clip = parent
            .and_then(|p| clip[p])
            .filter(|_| el.get("track").is_none());
        unit[i] = if el.get("timeUnit").is_some() {
            Some(i)
        } else {
            parent.and_then(|p| unit[p])
        };
        clip[i] = inherited_clip;
        let Some(t) = owner[i] else { continue };
        match &*el.name {
            "Clip" if inherited_clip.is_none() => {
                clip[i] = Some(i);
                tracks[t].clips += 1;
                if el.get("enable") == Some("false") {
                    tracks[t].disabled_clips += 1;
                }
            }
            "Audio" | "Video" => {
                let Some(file) = doc.child_named(i, "File") else {
                    continue;
                };
                let file = &doc.elements[file];
                let Some(path) = file.get("path") else {
                    continue;
                };
                let outer = inherited_clip.map(|c| &doc.elements[c]);
                let num = |name: &str| {
                    outer
                        .and_then(|c| c.get(name))
                        .and_then(|v| v.trim().parse().ok())
                };
                media.push(MediaRef {
                    track: t,
                    path: path.to_string(),
                    embedded: file.get("external") != Some("true"),
                    clip_time: num("time"),
                    clip_duration: num("duration"),
                    play_start: num("playStart"),
                    time_unit: unit[i]
                        .and_then(|u| doc.elements[u].get("timeUnit"))
                        .map(str::to_string),
                    file_duration: el.get("duration").and_then(|v| v.trim().parse().ok()),
                });
            }
            _ => {}
        }
    }
    let _ = track_of_element;
    Ok(DpDocument {
        structure: structure.unwrap_or(0),
        doc,
        tracks,
        ids,
        media,
    })
}

fn new_track(
    doc: &XmlDoc,
    element: usize,
    channel: Option<usize>,
    bare_channel: bool,
    kind: TrackKind,
    parent: Option<usize>,
) -> DpTrack {
    let el = &doc.elements[element];
    let name = el
        .get("name")
        .filter(|n| !n.is_empty())
        .unwrap_or(fallback_name(kind))
        .to_string();
    let muted = channel
        .and_then(|c| doc.child_named(c, "Mute"))
        .is_some_and(|m| doc.elements[m].get("value").map(str::trim) == Some("true"));
    let plugins = channel
        .and_then(|c| doc.child_named(c, "Devices"))
        .map(|d| {
            doc.elements[d]
                .children
                .iter()
                .filter_map(|&p| {
                    let p = &doc.elements[p];
                    p.get("deviceName").or(p.get("name")).map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    DpTrack {
        element,
        channel,
        bare_channel,
        kind,
        name,
        color: el.get("color").and_then(|c| Rgb::parse_hex(c.trim())),
        parent,
        muted,
        plugins,
        clips: 0,
        disabled_clips: 0,
    }
}
