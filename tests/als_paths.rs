//! Element paths of a Live set's XML, by element: each track in `LiveSet/Tracks`, each clip,
//! and the `LiveSet` itself (without its tracks). Shared by `tests/als_sample.rs` through
//! `#[path]`; as a test target of its own it holds no tests.
//!
//! A path is relative to its element (`DeviceChain/Mixer/Volume/Manual`). Devices and
//! automation envelopes are left out (they vary from track to track by design), and so are
//! a track's clips (they are elements of their own here).
#![allow(dead_code)]

use quick_xml::Reader;
use quick_xml::events::Event;
use std::collections::BTreeSet;

#[derive(Debug)]
pub struct Element {
    /// `AudioTrack`, `MidiTrack`, `GroupTrack`, `ReturnTrack`, `AudioClip`, `MidiClip` or
    /// `LiveSet`.
    pub tag: String,
    /// A track directly in `LiveSet/Tracks`.
    pub in_tracks: bool,
    /// The names of the element's attributes, in order (Live 12 tracks: `Id`,
    /// `SelectedToolPanel`, ...).
    pub attrs: Vec<String>,
    pub paths: BTreeSet<String>,
}

const TRACKS: [&str; 4] = ["AudioTrack", "MidiTrack", "GroupTrack", "ReturnTrack"];

fn left_out(collector: &str, path: &str) -> bool {
    let inner = |marker: &str| {
        path.find(marker)
            .is_some_and(|i| path.len() > i + marker.len())
    };
    if inner("DeviceChain/DeviceChain/Devices/") || inner("AutomationEnvelopes/Envelopes/") {
        return true;
    }
    let is_clip = collector == "AudioClip" || collector == "MidiClip";
    if !is_clip
        && path
            .split('/')
            .any(|part| part == "AudioClip" || part == "MidiClip")
    {
        return true;
    }
    collector == "LiveSet" && path.starts_with("Tracks/")
}

/// Every track, clip and the `LiveSet` of `xml`, with their element paths.
pub fn elements(xml: &[u8]) -> Vec<Element> {
    let mut reader = Reader::from_reader(xml);
    let mut stack: Vec<String> = Vec::new();
    // Open elements being collected: (index into `done`, depth of the element).
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut done: Vec<Element> = Vec::new();
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).unwrap();
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(_) => (None, false),
            Event::Eof => break,
            _ => {
                buf.clear();
                continue;
            }
        };
        match start {
            Some(e) => {
                let tag = e.name().into_inner().to_string();
                let depth = stack.len();
                for &(k, at) in &open {
                    let path = stack[at + 1..]
                        .iter()
                        .map(String::as_str)
                        .chain([tag.as_str()])
                        .collect::<Vec<_>>()
                        .join("/");
                    if !left_out(&done[k].tag, &path) {
                        done[k].paths.insert(path);
                    }
                }
                let parent = |n: usize| stack.len().checked_sub(n).map(|i| stack[i].as_str());
                let in_tracks = TRACKS.contains(&tag.as_str())
                    && parent(1) == Some("Tracks")
                    && parent(2) == Some("LiveSet");
                let collect = in_tracks
                    || tag == "AudioClip"
                    || tag == "MidiClip"
                    || (tag == "LiveSet" && parent(1) == Some("Ableton"));
                if collect {
                    let attrs = e
                        .attributes()
                        .filter_map(Result::ok)
                        .map(|a| a.key.into_inner().to_string())
                        .collect();
                    done.push(Element {
                        tag: tag.clone(),
                        in_tracks,
                        attrs,
                        paths: BTreeSet::new(),
                    });
                    if !empty {
                        open.push((done.len() - 1, depth));
                    }
                }
                if !empty {
                    stack.push(tag);
                }
            }
            None => {
                stack.pop();
                open.retain(|&(_, at)| at < stack.len());
            }
        }
        buf.clear();
    }
    done
}

/// The paths every one of `elements` has.
pub fn shared_paths<'a>(elements: impl Iterator<Item = &'a Element>) -> BTreeSet<String> {
    elements
        .map(|e| e.paths.clone())
        .reduce(|a, b| &a & &b)
        .unwrap_or_default()
}
