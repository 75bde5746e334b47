//! The project's one Live-set writer: a Live 11.3 (`MinorVersion="11.0_11300"`) set holding a
//! [`Session`]'s tracks, used for `samples/als/messy-set.als` (`tests/als_sample.rs`) and for
//! the benchmark sets of [`super::als`] (warp markers on, tracks replicated).
//!
//! What elements a set, a track of each kind and a clip hold, and their default values, come
//! from `live-11.3-skeleton.txt`: the element paths every Live-written 11.3 set of the corpus
//! shares (see its header). This module turns that list into a tree, fills in what the
//! session says (ids, names, colours, groups, routing, mute, sends, clip slots, clips), hands
//! out pointee ids and raises `NextPointeeId` past them, and prints Live's tab-indented XML.

use premix::formats::als::palette;
use premix::session::{Session, Track, TrackKind};
use std::fmt::Write as _;

const SKELETON: &str = include_str!("live-11.3-skeleton.txt");

/// How the set is written.
pub struct Options {
    /// The root's `Creator`: readers such as abletoolz parse a version out of it.
    pub creator: &'static str,
    /// Where the clips' samples are said to live (`<folder>/<samples>/<file>`).
    pub project_folder: &'static str,
    /// The samples' folder relative to the set (`RelativePath`): `Samples/Recorded`, where Live
    /// records, or where the files really are (the sample set plays the REAPER sample's audio).
    pub samples: &'static str,
    /// Give every audio clip 24 warp markers at varying times (a deterministic LCG), so the
    /// XML compresses about as well as a real set's (around 10:1): for benchmarks.
    pub warp_markers: bool,
}

/// One element: tag, attributes (values XML-escaped) and children.
#[derive(Clone, Debug)]
struct Node {
    tag: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
}

impl Node {
    fn new(tag: &str) -> Node {
        Node {
            tag: tag.to_string(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    fn child_mut(&mut self, tag: &str) -> Option<&mut Node> {
        self.children.iter_mut().find(|c| c.tag == tag)
    }

    /// The element at `path` (`"DeviceChain/Mixer/Volume"`) below this one.
    fn at(&mut self, path: &str) -> &mut Node {
        path.split('/').fold(self, |node, tag| {
            node.child_mut(tag)
                .unwrap_or_else(|| panic!("the Live 11.3 skeleton has no {path}"))
        })
    }

    fn set(&mut self, key: &str, value: &str) -> &mut Node {
        let value = quick_xml::escape::escape(value).into_owned();
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((key.to_string(), value)),
        }
        self
    }

    /// Sets `Value` of the element at `path`.
    fn value(&mut self, path: &str, value: &str) {
        self.at(path).set("Value", value);
    }

    /// Makes the list at `path` hold `items`, replacing what it held.
    fn fill(&mut self, path: &str, items: Vec<Node>) {
        self.at(path).children = items;
    }

    /// `count` copies of the list's first item, numbered `Id="0"`, `Id="1"`, ...
    fn numbered(&mut self, path: &str, count: usize) -> Vec<Node> {
        let first = self.at(path).children[0].clone();
        (0..count)
            .map(|k| {
                let mut item = first.clone();
                item.set("Id", &k.to_string());
                item
            })
            .collect()
    }
}

/// The sections of the skeleton (`[AudioTrack]`, ..., `[LiveSet]`), each built into a tree.
fn skeleton(section: &str) -> Node {
    let header = format!("[{section}]");
    let mut lines = SKELETON.lines().skip_while(|l| !l.starts_with(&header));
    let mut root = Node::new(section);
    root.attrs = parse_attrs(lines.next().unwrap_or_default()[header.len()..].trim());
    for line in lines.take_while(|l| !l.starts_with('[')) {
        let (path, attrs) = line.split_once(' ').unwrap_or((line, ""));
        let (parent, tag) = path.rsplit_once('/').unwrap_or(("", path));
        let parent = if parent.is_empty() {
            &mut root
        } else {
            root.at(parent)
        };
        let mut node = Node::new(tag);
        node.attrs = parse_attrs(attrs);
        parent.children.push(node);
    }
    root
}

/// `Key="value" Other="x"` (values kept escaped, as written).
fn parse_attrs(text: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut rest = text.trim();
    while let Some((key, after)) = rest.split_once("=\"") {
        let end = after.find('"').unwrap_or(after.len());
        attrs.push((key.trim().to_string(), after[..end].to_string()));
        rest = after.get(end + 1..).unwrap_or("").trim();
    }
    attrs
}

/// Live's pointee-type elements (as `premix::formats::als::scan` counts them).
fn is_pointee(tag: &str) -> bool {
    tag == "Pointee" || tag.ends_with("Target") || tag.starts_with("ControllerTargets.")
}

/// Gives every pointee a fresh id from `next`, in document order.
fn number_pointees(node: &mut Node, next: &mut i64) {
    if is_pointee(&node.tag) && node.attrs.iter().any(|(k, _)| k == "Id") {
        node.set("Id", &next.to_string());
        *next += 1;
    }
    for child in &mut node.children {
        number_pointees(child, next);
    }
}

fn print(node: &Node, depth: usize, out: &mut String) {
    let indent = "\t".repeat(depth);
    let _ = write!(out, "{indent}<{}", node.tag);
    for (k, v) in &node.attrs {
        let _ = write!(out, " {k}=\"{v}\"");
    }
    if node.children.is_empty() {
        out.push_str(" />\n");
        return;
    }
    out.push_str(">\n");
    for child in &node.children {
        print(child, depth + 1, out);
    }
    let _ = writeln!(out, "{indent}</{}>", node.tag);
}

/// Warp markers at varying times: 24 of them, seeded per clip.
fn warp_markers(seed: usize) -> Vec<Node> {
    let mut x = (seed as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut sec = 0.0f64;
    (0..24)
        .map(|m| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            sec += 0.25 + (x >> 40) as f64 / (1u64 << 24) as f64;
            let mut marker = Node::new("WarpMarker");
            marker
                .set("Id", &m.to_string())
                .set("SecTime", &format!("{sec:.15}"))
                .set("BeatTime", &(m * 4).to_string());
            marker
        })
        .collect()
}

/// Every section of the skeleton, parsed once per set.
struct Skeletons {
    tracks: [Node; 4],
    audio_clip: Node,
    midi_clip: Node,
}

impl Skeletons {
    fn parse() -> Skeletons {
        Skeletons {
            tracks: [
                TrackKind::Audio,
                TrackKind::Midi,
                TrackKind::Bus,
                TrackKind::Return,
            ]
            .map(|kind| skeleton(tag_of(kind))),
            audio_clip: skeleton("AudioClip"),
            midi_clip: skeleton("MidiClip"),
        }
    }

    fn track(&self, kind: TrackKind) -> Node {
        let index = match kind {
            TrackKind::Audio => 0,
            TrackKind::Midi => 1,
            TrackKind::Bus => 2,
            TrackKind::Return | TrackKind::Foldback => 3,
        };
        let mut t = self.tracks[index].clone();
        t.attrs.clear();
        t
    }
}

/// Clip `k` of track `t`: the muted clips are the track's last ones.
fn clip(skeletons: &Skeletons, t: &Track, k: usize, color: usize, options: &Options) -> Node {
    let midi = t.kind == TrackKind::Midi;
    let mut c = if midi {
        skeletons.midi_clip.clone()
    } else {
        skeletons.audio_clip.clone()
    };
    c.attrs.clear();
    c.set("Id", "0").set("Time", &(k * 16).to_string());
    c.value("Name", &t.name);
    c.value("Color", &color.to_string());
    let disabled = k >= t.media_count - t.muted_media_count;
    c.value("Disabled", &disabled.to_string());
    if !midi {
        let file = t.media_files.get(k).cloned().unwrap_or_default();
        let relative = format!("{}/{file}", options.samples);
        c.value("SampleRef/FileRef/RelativePath", &relative);
        let path = format!("{}/{relative}", options.project_folder);
        c.value("SampleRef/FileRef/Path", &path);
        if options.warp_markers {
            c.fill("WarpMarkers", warp_markers(t.index * 131 + k));
        }
    }
    c
}

/// Live has no foldback bus: one is written as a return track.
fn is_return(kind: TrackKind) -> bool {
    matches!(kind, TrackKind::Return | TrackKind::Foldback)
}

fn tag_of(kind: TrackKind) -> &'static str {
    match kind {
        TrackKind::Audio => "AudioTrack",
        TrackKind::Midi => "MidiTrack",
        TrackKind::Bus => "GroupTrack",
        TrackKind::Return | TrackKind::Foldback => "ReturnTrack",
    }
}

/// The XML of a Live 11.3 set holding `session`'s tracks, returns moved last (Live keeps them
/// there). One scene per clip of the track with the most clips; every track has a clip slot
/// per scene, every track a send holder per return.
pub fn live_set(session: &Session, options: &Options) -> Vec<u8> {
    let mut order: Vec<&Track> = session
        .tracks
        .iter()
        .filter(|t| !is_return(t.kind))
        .collect();
    order.extend(session.tracks.iter().filter(|t| is_return(t.kind)));
    let returns = order.iter().filter(|t| is_return(t.kind)).count();
    let scenes = order
        .iter()
        .map(|t| t.media_count)
        .max()
        .unwrap_or(0)
        .max(1);
    let id_of = |index: usize| 10 + index as i64;
    // A group track's send holder is an audio track's (a return's sends start inactive).
    let skeletons = Skeletons::parse();
    let holder = skeletons
        .track(TrackKind::Bus)
        .at("DeviceChain/Mixer/Sends")
        .children[0]
        .clone();

    let mut tracks = Vec::new();
    for t in &order {
        let mut x = skeletons.track(t.kind);
        x.set("Id", &id_of(t.index).to_string());
        x.value("Name/EffectiveName", &t.name);
        x.value("Name/UserName", &t.name);
        // Tracks without a colour get the colours Live hands out by itself, in turn.
        let color = t.color.map_or((t.index * 11) % 69, palette::nearest);
        x.value("Color", &color.to_string());
        x.value("TrackGroupId", &t.parent.map_or(-1, id_of).to_string());
        x.value("TrackUnfolded", &(t.kind == TrackKind::Bus).to_string());
        let (target, upper) = if t.parent.is_some() {
            ("AudioOut/GroupTrack", "Group")
        } else {
            ("AudioOut/Master", "Master")
        };
        x.value("DeviceChain/AudioOutputRouting/Target", target);
        x.value("DeviceChain/AudioOutputRouting/UpperDisplayString", upper);
        x.value("DeviceChain/AudioOutputRouting/LowerDisplayString", "");
        x.value("DeviceChain/Mixer/Speaker/Manual", &(!t.muted).to_string());
        x.value("DeviceChain/Mixer/Volume/Manual", "1");
        x.value("DeviceChain/Mixer/Pan/Manual", "0");
        let sends = (0..returns)
            .map(|k| {
                let mut h = holder.clone();
                h.set("Id", &k.to_string());
                h.value("Send/Manual", "0.0003162277571");
                h
            })
            .collect();
        x.fill("DeviceChain/Mixer/Sends", sends);
        match t.kind {
            TrackKind::Audio | TrackKind::Midi => {
                let mut slots = x.numbered("DeviceChain/MainSequencer/ClipSlotList", scenes);
                for (k, slot) in slots.iter_mut().enumerate().take(t.media_count) {
                    slot.fill(
                        "ClipSlot/Value",
                        vec![clip(&skeletons, t, k, color, options)],
                    );
                }
                x.fill("DeviceChain/MainSequencer/ClipSlotList", slots);
                let frozen = x.numbered("DeviceChain/FreezeSequencer/ClipSlotList", scenes);
                x.fill("DeviceChain/FreezeSequencer/ClipSlotList", frozen);
            }
            TrackKind::Bus => {
                let slots = x.numbered("Slots", scenes);
                x.fill("Slots", slots);
            }
            TrackKind::Return | TrackKind::Foldback => {}
        }
        tracks.push(x);
    }

    let mut set = skeleton("LiveSet");
    set.fill("Tracks", tracks);
    let pre = (0..returns)
        .map(|k| {
            // One per return track (Foo, Michelle: `<SendPreBool Id="k" Value="false" />`).
            let mut p = Node::new("SendPreBool");
            p.set("Id", &k.to_string()).set("Value", "false");
            p
        })
        .collect();
    set.fill("SendsPre", pre);
    let scene_list = set.numbered("Scenes", scenes);
    set.fill("Scenes", scene_list);
    let mut next = 1000;
    number_pointees(&mut set, &mut next);
    set.value("NextPointeeId", &next.to_string());

    let mut root = Node::new("Ableton");
    for (k, v) in [
        ("MajorVersion", "5"),
        ("MinorVersion", "11.0_11300"),
        ("SchemaChangeCount", "7"),
        ("Creator", options.creator),
        ("Revision", ""),
    ] {
        root.set(k, v);
    }
    root.children.push(set);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    print(&root, 0, &mut xml);
    xml.into_bytes()
}
