//! Deterministic generators of large, valid projects for benchmarks (`benches/backends.rs`,
//! `examples/generate.rs`, `bench/compare.sh`) and for `tests/generate.rs`.
//!
//! Each generator starts from the project's own samples (so the element layout is what real
//! DAWs write and what premix's readers expect) and repeats their tracks with fresh ids until
//! the requested size is reached. The same arguments always give the same bytes.
//!
//! - [`rpp`]: `samples/reaper/messy-session.rpp`'s 25 tracks (folders, items, FX) repeated,
//!   GUIDs made unique per copy.
//! - [`als`]: a Live 11.3 set from [`live_set`], the writer `samples/als/messy-set.als` comes
//!   from too (every element Live-written 11.3 sets share), the REAPER sample's tracks
//!   repeated with clips added, gzip at the level Live writes.
//! - [`ardour`]: `samples/ardour/messy-session`'s Ardour 7 layout, its audio route (IO ports,
//!   connections to the master bus, automation, processors, trigger box) repeated with ids
//!   renumbered, one playlist per route, the master's inputs connected to every route.
#![allow(dead_code)]

use premix::formats::Project;
use premix::formats::als::container::{self, Container};
use premix::formats::rpp::RppProject;
use premix::session::{Session, Track, TrackKind};
use std::fmt::Write as _;

pub mod dawproject;
pub mod live_set;

const RPP_SAMPLE: &str = include_str!("../../samples/reaper/messy-session.rpp");
const ARDOUR_SAMPLE: &str = include_str!("../../samples/ardour/messy-session/messy-session.ardour");

/// Parses sizes such as `35MB`, `50MiB`, `300k`, `1000` (bytes; K/M/G are powers of 1000,
/// KiB/MiB/GiB powers of 1024).
pub fn parse_size(text: &str) -> Option<usize> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((num * mult) as usize)
}

// --- REAPER ---------------------------------------------------------------------------------

/// A REAPER project of at least `target` bytes (and at least one copy of the sample's tracks).
pub fn rpp(target: usize) -> Vec<u8> {
    let start = RPP_SAMPLE.find("  <TRACK ").expect("sample has tracks");
    let end = RPP_SAMPLE.rfind(">\n").expect("sample ends with >");
    let (head, body, tail) = (
        &RPP_SAMPLE[..start],
        &RPP_SAMPLE[start..end],
        &RPP_SAMPLE[end..],
    );
    let copies = target
        .saturating_sub(head.len() + tail.len())
        .div_ceil(body.len())
        .max(1);
    let mut out = String::with_capacity(head.len() + tail.len() + copies * body.len());
    out += head;
    for k in 0..copies {
        push_with_guids(&mut out, body, k as u32);
    }
    out += tail;
    out.into_bytes()
}

/// Appends `body` with the first 32 bits of every `{GUID}` xor'ed with `k`: unique across
/// copies, and a GUID repeated within the body (TRACK line and TRACKID) stays equal.
fn push_with_guids(out: &mut String, body: &str, k: u32) {
    let bytes = body.as_bytes();
    let mut last = 0;
    let mut i = 0;
    while let Some(off) = body[i..].find('{') {
        let at = i + off;
        let guid = bytes.get(at + 1..at + 38);
        let is_guid = guid.is_some_and(|g| {
            g[36] == b'}'
                && g[..36].iter().enumerate().all(|(j, c)| {
                    if matches!(j, 8 | 13 | 18 | 23) {
                        *c == b'-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                })
        });
        if is_guid && k != 0 {
            let head = u32::from_str_radix(&body[at + 1..at + 9], 16).unwrap();
            out.push_str(&body[last..at + 1]);
            let _ = write!(out, "{:08X}", head ^ k);
            last = at + 9;
        }
        i = at + 1;
    }
    out.push_str(&body[last..]);
}

// --- Ableton Live ---------------------------------------------------------------------------

/// A gzipped Live 11 set whose XML is at least `target_xml` bytes.
pub fn als(target_xml: usize) -> Vec<u8> {
    let xml = als_xml(target_xml);
    // Level 6: what Live's own sets measure as (FLG=00, OS=03, zlib's default level).
    container::encode(Container::Gzip { os: 3 }, &xml).unwrap()
}

/// The XML of [`als`].
pub fn als_xml(target_xml: usize) -> Vec<u8> {
    let base = RppProject::read(RPP_SAMPLE.as_bytes())
        .expect("sample reads")
        .session()
        .clone();
    let one = live_set::live_set(&replicate(&base, 1), &LIVE_OPTIONS).len();
    let two = live_set::live_set(&replicate(&base, 2), &LIVE_OPTIONS).len();
    let per_copy = (two - one).max(1);
    let copies = if target_xml <= one {
        1
    } else {
        1 + (target_xml - one).div_ceil(per_copy)
    };
    live_set::live_set(&replicate(&base, copies), &LIVE_OPTIONS)
}

/// Benchmark sets: warp markers in every audio clip, as in real sets.
const LIVE_OPTIONS: live_set::Options = live_set::Options {
    creator: "Ableton Live 11.3.35",
    project_folder: "/Users/engineer/Music/Big Project",
    samples: "Samples/Recorded",
    warp_markers: true,
};

/// `copies` copies of `base`'s tracks, numbered and with four clips more per audio/MIDI
/// track; returns (whose sends every track carries) only once, last.
fn replicate(base: &Session, copies: usize) -> Session {
    let mut tracks = Vec::new();
    for k in 0..copies {
        let offset = tracks.len();
        let kept: Vec<&Track> = base
            .tracks
            .iter()
            .filter(|t| t.kind != TrackKind::Return)
            .collect();
        for t in kept {
            let mut t = t.clone();
            t.index += offset;
            t.parent = t.parent.map(|p| p + offset);
            if k > 0 {
                t.name = format!("{} {k}", t.name).into();
            }
            if matches!(t.kind, TrackKind::Audio | TrackKind::Midi) {
                let extra = 4;
                let takes = (0..extra).map(|c| format!("take-{k}-{}-{c}.wav", t.index));
                t.media_files = t.media_files.iter().cloned().chain(takes).collect();
                // Keep the muted clips last, as the clip writer expects.
                t.media_count += extra;
            }
            tracks.push(t);
        }
    }
    for t in base.tracks.iter().filter(|t| t.kind == TrackKind::Return) {
        let mut t = t.clone();
        t.index = tracks.len();
        t.parent = None;
        tracks.push(t);
    }
    // Indices must be dense and parents must point before their children; the base already
    // orders them so (returns have no parent).
    Session {
        format: base.format,
        media: base.media.clone(),
        tracks,
        name_display: base.name_display,
    }
}

fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

// --- DAWproject -----------------------------------------------------------------------------

/// The REAPER sample's session as a Bitwig-style DAWproject (`samples/dawproject`).
pub fn dawproject_sample() -> Vec<u8> {
    let base = RppProject::read(RPP_SAMPLE.as_bytes())
        .expect("sample reads")
        .session()
        .clone();
    dawproject::dawproject(&base, &dawproject::BITWIG)
}

/// A DAWproject of at least `tracks` tracks (the REAPER sample's repeated, four more clips
/// per track, returns last), every audio clip playing its own embedded WAV of `media_bytes`,
/// deflated as Bitwig does or, with `stored`, stored.
pub fn dawproject_big(tracks: usize, media_bytes: usize, stored: bool) -> Vec<u8> {
    let base = RppProject::read(RPP_SAMPLE.as_bytes())
        .expect("sample reads")
        .session()
        .clone();
    let per_copy = base
        .tracks
        .iter()
        .filter(|t| t.kind != TrackKind::Return)
        .count()
        .max(1);
    let session = replicate(&base, tracks.div_ceil(per_copy).max(1));
    let options = dawproject::Options {
        media_bytes,
        media_stored: stored,
        ..dawproject::BITWIG
    };
    dawproject::dawproject(&session, &options)
}

// --- Ardour ---------------------------------------------------------------------------------

/// Names the generated routes cycle through (with a number), so the default rules have
/// renames, colours and buses to plan.
const ROUTE_NAMES: [&str; 12] = [
    "kick in",
    "SNR top",
    "hh",
    "OH L",
    "OH R",
    "bass DI",
    "gtr 1",
    "Acoustic",
    "Lead vox",
    "bv 2",
    "vox old take",
    "Audio",
];

/// An Ardour 7 session with `routes` audio tracks (plus the master bus).
pub fn ardour(routes: usize) -> Vec<u8> {
    let lines: Vec<&str> = ARDOUR_SAMPLE.split_inclusive('\n').collect();
    let find = |pred: &dyn Fn(&str) -> bool, from: usize| {
        (from..lines.len())
            .find(|&i| pred(lines[i]))
            .expect("sample layout")
    };
    let master = find(
        &|l| l.starts_with("    <Route ") && l.contains("name=\"Master\""),
        0,
    );
    let first = find(&|l| l.starts_with("    <Route "), master + 1);
    let first_end = find(&|l| l.starts_with("    </Route>"), first);
    let routes_end = find(&|l| l.starts_with("  </Routes>"), first);
    let playlists_end = find(&|l| l.starts_with("  </Playlists>"), routes_end);

    let template: String = lines[first..=first_end].concat();
    let tmpl_name = attr(lines[first], "name").to_string();
    let tmpl_id: u64 = attr(lines[first], "id").parse().unwrap();
    let tmpl_playlist: u64 = attr(lines[first], "audio-playlist").parse().unwrap();
    // Every id the route block uses lies in [tmpl_id, tmpl_playlist]; a route gets a stride.
    let span = tmpl_playlist - tmpl_id + 1;
    let stride = span.next_multiple_of(100);
    let base = 10_000u64;
    let names: Vec<String> = (0..routes)
        .map(|k| format!("{} {}", ROUTE_NAMES[k % ROUTE_NAMES.len()], k + 1))
        .collect();
    let id_counter = base + stride * routes as u64 + 1;

    let mut out = String::with_capacity(routes * (template.len() + 200) + 64 * 1024);
    for (i, line) in lines[..master].iter().enumerate() {
        if i == 1 {
            out += &replace_attr(line, "id-counter", &id_counter.to_string());
        } else {
            out += line;
        }
    }
    // The master bus, its inputs connected to every generated route.
    for line in &lines[master..first] {
        if line.trim_start().starts_with("<Connection other=") && line.contains("/audio_out ") {
            continue;
        }
        out += line;
        for ch in [1, 2] {
            if line.contains(&format!("name=\"Master/audio_in {ch}\"")) {
                for n in &names {
                    let _ = writeln!(
                        out,
                        "          <Connection other=\"{}/audio_out {ch}\"/>",
                        esc(n)
                    );
                }
            }
        }
    }
    for (k, name) in names.iter().enumerate() {
        let offset = base + stride * k as u64;
        let block = renumber(&template, tmpl_id, tmpl_playlist, offset - tmpl_id);
        let block = block.replace(&tmpl_name, &esc(name));
        let block = block.replacen("order=\"1\"", &format!("order=\"{}\"", k + 1), 1);
        out += &block;
    }
    out += lines[routes_end];
    out += "  <Playlists>\n";
    for (k, name) in names.iter().enumerate() {
        let route = base + stride * k as u64;
        let playlist = route + (tmpl_playlist - tmpl_id);
        let _ = writeln!(
            out,
            "    <Playlist id=\"{playlist}\" name=\"{}\" type=\"audio\" orig-track-id=\"{route}\" pgroup-id=\"\" shared-with-ids=\"\" frozen=\"0\" combine-ops=\"0\"/>",
            esc(name)
        );
    }
    for line in &lines[playlists_end..] {
        out += line;
    }
    out.into_bytes()
}

fn attr<'a>(line: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let at = line.find(&key).expect("attribute") + key.len();
    let len = line[at..].find('"').unwrap();
    &line[at..at + len]
}

fn replace_attr(line: &str, name: &str, value: &str) -> String {
    let old = attr(line, name);
    line.replacen(
        &format!(" {name}=\"{old}\""),
        &format!(" {name}=\"{value}\""),
        1,
    )
}

/// Adds `delta` to every `id="N"`/`audio-playlist="N"` value in [lo, hi] in `text`.
fn renumber(text: &str, lo: u64, hi: u64, delta: u64) -> String {
    let mut out = String::with_capacity(text.len() + 1024);
    let mut rest = text;
    while let Some(at) = rest.find("=\"") {
        let (head, tail) = rest.split_at(at + 2);
        out += head;
        let key_is_id = head.ends_with(" id=\"") || head.ends_with(" audio-playlist=\"");
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if key_is_id && digits > 0 && tail.as_bytes().get(digits) == Some(&b'"') {
            let n: u64 = tail[..digits].parse().unwrap();
            if (lo..=hi).contains(&n) {
                let _ = write!(out, "{}", n + delta);
                rest = &tail[digits..];
                continue;
            }
        }
        rest = tail;
    }
    out += rest;
    out
}
