//! The format-agnostic view of a project: tracks as a mixing engineer sees them.
//!
//! Every backend reads its format into a [`Session`]; the rules engine only ever sees this
//! type, so one rules file serves every DAW. Nothing here knows a file format.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// A colour as the DAW displays it, 8 bits per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Rgb {
    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Rgb { r, g, b }
    }

    /// Parses `#rrggbb` (the leading `#` is required, hex digits in either case).
    pub fn parse_hex(text: &str) -> Option<Rgb> {
        let hex = text.strip_prefix('#')?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Rgb::new(channel(0)?, channel(2)?, channel(4)?))
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl Serialize for Rgb {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What a track is, as far as the rules are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrackKind {
    Audio,
    Midi,
    /// A track that sums other tracks: a REAPER folder parent, a Live group track, an Ardour bus.
    Bus,
    /// An effects return: a track fed only by sends.
    Return,
}

impl TrackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TrackKind::Audio => "audio",
            TrackKind::Midi => "midi",
            TrackKind::Bus => "bus",
            TrackKind::Return => "return",
        }
    }
}

impl fmt::Display for TrackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One track, in display order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Track {
    /// 0-based position in the project's track list.
    pub index: usize,
    pub name: String,
    pub kind: TrackKind,
    /// `None` when the track has no custom colour (the DAW's default).
    pub color: Option<Rgb>,
    /// Index of the enclosing folder/group/bus, if any.
    pub parent: Option<usize>,
    /// The track itself is muted (not its items).
    pub muted: bool,
    /// File names (no folders) of the media the track's items/clips/regions play. Shared
    /// (like `plugins`): they never change after reading, and a session is copied whenever a
    /// plan's result is predicted (planning rounds, verification), so a copy shares them.
    pub media_files: Arc<[String]>,
    /// Number of items/clips/regions on the track, with or without a media file.
    pub media_count: usize,
    /// How many of those items are muted.
    pub muted_media_count: usize,
    /// Plugin (effect and instrument) names on the track.
    pub plugins: Arc<[String]>,
    /// The track's audio reaches its enclosing folder/group/bus, or the master when it sits at
    /// the top level. False when the engineer took it out of that path (REAPER `MAINSEND 0`,
    /// a Live output routed elsewhere than the group or master, an Ardour route whose outputs
    /// do not reach the master): moving such a track, or making a bus inside such a folder,
    /// would change what is heard.
    pub feeds_parent: bool,
    /// Other tracks send to this one or feed it from their outputs (REAPER `AUXRECV`, an Ardour
    /// aux send's target or a route other routes' outputs connect to, a Live return track or a
    /// track whose input is routed from another track): it is part of the mix even with no
    /// media of its own.
    pub fed_by_tracks: bool,
}

impl Track {
    /// True when the track has items and every one of them is muted.
    pub fn all_media_muted(&self) -> bool {
        self.media_count > 0 && self.muted_media_count == self.media_count
    }
}

/// Which file format a session was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Rpp,
    Ardour,
    Als,
    Dawproject,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Rpp => "rpp",
            Format::Ardour => "ardour",
            Format::Als => "als",
            Format::Dawproject => "dawproject",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tracks of one project, in display order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Session {
    pub format: Format,
    pub tracks: Vec<Track>,
}

impl Session {
    /// The chain of enclosing buses of `index`, innermost first.
    pub fn ancestors(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        let mut next = self.tracks[index].parent;
        // A well-formed hierarchy has fewer ancestors than tracks; the bound guards against a
        // backend that produced a cycle.
        let mut budget = self.tracks.len();
        std::iter::from_fn(move || {
            let current = next?;
            if budget == 0 {
                return None;
            }
            budget -= 1;
            next = self.tracks.get(current).and_then(|t| t.parent);
            Some(current)
        })
    }

    /// Nesting depth of a track: 0 at the top level.
    pub fn depth(&self, index: usize) -> usize {
        self.ancestors(index).count()
    }

    /// True when some track has items/clips/regions. A project without any is a template
    /// (or an empty session): its tracks are waiting for material, not unused.
    pub fn has_media(&self) -> bool {
        self.tracks.iter().any(|t| t.media_count > 0)
    }

    /// True when the audio of a bus placed inside `index` would reach the master: `index` and
    /// every folder around it feed their parent. `None` (the top level) always does.
    pub fn reaches_master(&self, index: Option<usize>) -> bool {
        let Some(index) = index else { return true };
        self.tracks[index].feeds_parent
            && self.ancestors(index).all(|a| self.tracks[a].feeds_parent)
    }
}

/// Which colours a project's tracks can show: a colour premix writes there becomes
/// [`ColourSpace::shown`]. Colours read from projects of different DAWs compare through it, so
/// one studio's REAPER, Live and Ardour projects agree on a colour the way the DAWs show it.
#[derive(Clone, Copy, Debug)]
pub enum ColourSpace {
    /// Any 24-bit colour, shown as written (REAPER, Ardour, DAWproject).
    Exact,
    /// A fixed palette: a colour written is shown as the palette entry this gives (Live's 70
    /// colours, the entry nearest by CIEDE2000).
    Palette(fn(Rgb) -> Rgb),
    /// The project stores no track colour premix can read (Live 8 and 9.0-9.4): its tracks'
    /// colours say nothing about what their author chose.
    Unreadable,
}

impl ColourSpace {
    /// The colour a track of such a project shows once `color` is written to it (`None` when
    /// it stores none premix can read).
    pub fn shown(self, color: Rgb) -> Option<Rgb> {
        match self {
            ColourSpace::Exact => Some(color),
            ColourSpace::Palette(nearest) => Some(nearest(color)),
            ColourSpace::Unreadable => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_colours_parse_and_print_lowercase() {
        assert_eq!(Rgb::parse_hex("#D94f3d"), Some(Rgb::new(0xd9, 0x4f, 0x3d)));
        assert_eq!(Rgb::new(0xd9, 0x4f, 0x3d).to_string(), "#d94f3d");
        for bad in ["d94f3d", "#d94f3", "#d94f3dd", "#gg0000", "", "#"] {
            assert_eq!(Rgb::parse_hex(bad), None, "{bad}");
        }
    }
}
