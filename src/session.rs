//! The format-agnostic view of a project: tracks as a mixing engineer sees them.
//!
//! Every backend reads its format into a [`Session`]; the rules engine only ever sees this
//! type, so one rules file serves every DAW. Nothing here knows a file format.

use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

pub use crate::media::{MediaRef, ProjectMedia, SourceFile};

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

/// A track's name: text shared between the session, the plan and the copies a plan's
/// prediction makes (cloning it copies no bytes, and a `String` becomes one without a copy).
/// It reads as a `str` (`as_str`, `Deref`) and compares with one.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Arc<String>);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name(Arc::new(text))
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name(Arc::new(text.to_owned()))
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Name {
    /// True when both are the same shared text (not merely equal text): what tests of
    /// memory use check, since a copy of a huge name is what they guard against.
    pub fn shares(&self, other: &Name) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// How a backend's session reader makes its tracks' [`Name`]s: every reader of the four
/// formats goes through [`NamePool::make`], so a session read back to verify a write can take
/// the names it predicts instead of a new copy of each (a project whose bytes are nearly all
/// one name would otherwise hold that name once more per session held at once).
///
/// [`NamePool::fresh`] makes every name anew; [`NamePool::reusing`] holds the names of a session
/// (the prediction) and hands out the one equal to what was read, sharing its text. A name
/// read that differs from every held one is made anew, so a comparison with the prediction
/// still sees the difference.
#[derive(Debug, Default)]
pub struct NamePool(std::collections::HashSet<Name>);

impl NamePool {
    /// No names held: [`NamePool::make`] always makes a new one (looking nothing up).
    pub fn fresh() -> NamePool {
        NamePool::default()
    }

    /// The names of `session`'s tracks, to be handed out again by [`NamePool::make`].
    pub fn reusing(session: &Session) -> NamePool {
        NamePool(session.tracks.iter().map(|t| t.name.clone()).collect())
    }

    /// The name `text`: a held one equal to it, shared, else `text` made a [`Name`] (without
    /// a copy when it is owned already).
    pub fn make(&self, text: Cow<'_, str>) -> Name {
        match self.0.get(text.as_ref()) {
            Some(held) => held.clone(),
            None => Name::from(text.into_owned()),
        }
    }

    /// [`NamePool::make`] of text borrowed from what is read.
    pub fn make_str(&self, text: &str) -> Name {
        self.make(Cow::Borrowed(text))
    }

    /// [`NamePool::make`] of a name already made (a backend's own): the held one equal to
    /// it, else `name` itself, shared, never copied.
    pub fn share(&self, name: &Name) -> Name {
        self.0.get(name.as_str()).unwrap_or(name).clone()
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
    /// A foldback bus: a performer's monitor mix, fed by foldback sends and feeding
    /// headphones, not the mix (Ardour 6+ `PresentationInfo` flag `FoldbackBus`; Ardour lists
    /// them apart, in the mixer's foldback strip). Never filed as an effects return, never
    /// moved into a bus.
    Foldback,
}

impl TrackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TrackKind::Audio => "audio",
            TrackKind::Midi => "midi",
            TrackKind::Bus => "bus",
            TrackKind::Return => "return",
            TrackKind::Foldback => "foldback",
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
    /// Shared (like `media_files`): a predicted copy of the session shares the names it
    /// does not change, so a project whose names are most of its bytes is not held again
    /// per copy.
    pub name: Name,
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
    /// What the track's audio items/clips/regions play: file, offset and length into it, the
    /// item's own gain and mute ([`MediaRef`]). MIDI items are not listed. Shared, like
    /// `media_files`.
    pub items: Arc<[MediaRef]>,
    /// Whether what the track's items play is silence, when an analysis said so
    /// ([`crate::analysis`]); `None` when the audio was not analysed. The `silent` reason of
    /// `unused` reads it; backends always leave it `None`.
    pub silent: Option<bool>,
    /// For a track the user never named, in a session whose DAW numbers the names it shows
    /// ([`NameDisplay::Numbered`]): the name the DAW made up, without its number or letter
    /// (Live: `Audio`, `Drum Rack`, `Reverb`). `None` for a named track.
    pub default_name: Option<String>,
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
    /// The track's fader, pan and output as read ([`Mixer`]): what gain staging changes and
    /// verification reads back.
    pub mixer: Mixer,
    /// The levels of what the track plays, when an analysis measured them
    /// ([`crate::analysis`]); `None` when the audio was not analysed. Gain staging reads them;
    /// backends always leave them `None`.
    pub levels: Option<Arc<Levels>>,
}

/// A track's mixer settings as the file holds them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Mixer {
    /// The fader, as a linear gain (1 = 0 dB, 0 = silence); `None` when the file holds no
    /// fader premix can change (DAWproject channel without `Volume`, a Live 8 track whose
    /// volume is only automated, ...).
    pub fader: Option<f64>,
    /// The pan position: -1 left, 0 centre, 1 right; `None` when the file holds none premix
    /// can change.
    pub pan: Option<f64>,
    /// The track's audio goes straight to the hardware outputs, around the master (REAPER
    /// `MAINSEND 0` with a `HWOUT`, a Live output routed to `Ext. Out`, an Ardour route whose
    /// outputs connect to the system's playback ports): how a reference track is routed.
    pub direct_out: bool,
}

/// What a track plays, measured: the media as recorded with each item's own gain applied,
/// muted items left out, every item together (one level per track).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Levels {
    /// Highest sample peak, dBFS; `None` when what plays is digital silence.
    pub peak_dbfs: Option<f64>,
    /// Integrated loudness (EBU R128 / BS.1770, the gating blocks of every item gated
    /// together), LUFS; `None` when nothing plays above the absolute gate or for 400 ms.
    pub integrated_lufs: Option<f64>,
    /// The files of unmuted items that could not be measured, each with why (`Audio/kick.wav
    /// not found`, `kick.wav: truncated`): while one is listed, the levels are not the track's.
    pub unmeasured: Vec<String>,
}

impl Levels {
    /// True when every unmuted item was measured.
    pub fn complete(&self) -> bool {
        self.unmeasured.is_empty()
    }
}

/// Linear gain to decibels (`-inf` for 0).
pub fn gain_to_db(gain: f64) -> f64 {
    20.0 * gain.abs().log10()
}

/// Decibels to linear gain.
pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

impl Track {
    /// A track at the top level with no colour, no items and no plug-ins, whose audio reaches
    /// the master: what sessions built by tests and tools start from.
    pub fn new(index: usize, name: impl Into<Name>, kind: TrackKind) -> Track {
        Track {
            index,
            name: name.into(),
            kind,
            color: None,
            parent: None,
            muted: false,
            media_files: Default::default(),
            media_count: 0,
            muted_media_count: 0,
            plugins: Default::default(),
            items: Default::default(),
            silent: None,
            default_name: None,
            feeds_parent: true,
            fed_by_tracks: false,
            mixer: Mixer::default(),
            levels: None,
        }
    }

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

/// How the DAW shows a track's name, given the name rules match ([`Track::name`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameDisplay {
    /// As it is.
    #[default]
    AsNamed,
    /// Numbered by position, as Ableton Live shows names (its set's `EffectiveName`): a
    /// return track by its letter (`A-Reverb`: A for the first return); a track never named
    /// by its number and [`Track::default_name`] (`3-Audio`, 1 for the first track); a named
    /// track as typed, a leading run of `#` replaced by its number, zero-padded to as many
    /// digits as there are `#` (Live 9 Reference Manual, "Audio and MIDI Tracks": "When a #
    /// symbol precedes a name, the track will get a number").
    Numbered,
}

/// The tracks of one project, in display order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Session {
    pub format: Format,
    pub tracks: Vec<Track>,
    /// Project-wide facts about media: the project's sample rate, where the DAW looks for
    /// files ([`ProjectMedia`]).
    pub media: Arc<ProjectMedia>,
    /// How the DAW shows the tracks' names ([`Session::shown_name`]).
    pub name_display: NameDisplay,
}

impl Session {
    /// A session of `tracks` with no project-wide media facts, whose names show as they are:
    /// what sessions built by tests and tools start from.
    pub fn new(format: Format, tracks: Vec<Track>) -> Session {
        Session {
            format,
            tracks,
            media: Default::default(),
            name_display: Default::default(),
        }
    }

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

    /// The name of track `index` as the DAW shows it (see [`NameDisplay`]); `""` past the
    /// end. Costs a pass over the tracks before it when names are numbered.
    pub fn shown_name(&self, index: usize) -> Cow<'_, str> {
        let Some(track) = self.tracks.get(index) else {
            return Cow::Borrowed("");
        };
        match self.name_display {
            NameDisplay::AsNamed => Cow::Borrowed(&track.name),
            NameDisplay::Numbered => {
                let before = &self.tracks[..index];
                let same_kind =
                    |t: &&Track| (t.kind == TrackKind::Return) == (track.kind == TrackKind::Return);
                numbered_name(track, before.iter().filter(same_kind).count() + 1)
            }
        }
    }

    /// Gives every track the user never named ([`Track::default_name`]) the name the DAW
    /// shows at its position now, made by `names`: under [`NameDisplay::Numbered`], Live's
    /// number (or a return's letter) and made-up name, `5-Group`. A Live set stores its own
    /// `EffectiveName`, and a set saved after tracks above were removed keeps stale numbers
    /// (`12-Group` where Live shows `5-Group`: `abletoolz-pruned__10.0.1.als`); Live renumbers
    /// on load, so the stored number names no track the user can find. Reading a set and
    /// predicting a plan's result both call this, so names compare equal. A named track keeps
    /// its name as typed (what rules match and renames write).
    pub fn name_unnamed_as_shown(&mut self, names: &NamePool) {
        if self.name_display != NameDisplay::Numbered {
            return;
        }
        let shown: Vec<Option<String>> = self
            .shown_names()
            .into_iter()
            .zip(&self.tracks)
            .map(|(shown, t)| {
                (t.default_name.is_some() && *shown != *t.name.as_str()).then(|| shown.into_owned())
            })
            .collect();
        for (t, shown) in self.tracks.iter_mut().zip(shown) {
            if let Some(shown) = shown {
                t.name = names.make(Cow::Owned(shown));
            }
        }
    }

    /// [`Session::shown_name`] of every track, in one pass.
    pub fn shown_names(&self) -> Vec<Cow<'_, str>> {
        match self.name_display {
            NameDisplay::AsNamed => self
                .tracks
                .iter()
                .map(|t| Cow::Borrowed(t.name.as_str()))
                .collect(),
            NameDisplay::Numbered => {
                let (mut tracks, mut returns) = (0, 0);
                self.tracks
                    .iter()
                    .map(|t| {
                        let counter = if t.kind == TrackKind::Return {
                            &mut returns
                        } else {
                            &mut tracks
                        };
                        *counter += 1;
                        numbered_name(t, *counter)
                    })
                    .collect()
            }
        }
    }
}

/// Live's shown name of `track`, the `position`th return or the `position`th other track.
fn numbered_name(track: &Track, position: usize) -> Cow<'_, str> {
    if track.kind == TrackKind::Return {
        let base = track.default_name.as_deref().unwrap_or(&track.name);
        return Cow::Owned(format!("{}-{base}", return_letter(position)));
    }
    if let Some(base) = &track.default_name {
        return Cow::Owned(format!("{position}-{base}"));
    }
    let hashes = track.name.bytes().take_while(|b| *b == b'#').count();
    if hashes == 0 {
        return Cow::Borrowed(&track.name);
    }
    Cow::Owned(format!(
        "{position:0hashes$}{}",
        &track.name[hashes..],
        hashes = hashes
    ))
}

/// A, B, ... Z, then AA, AB, ...: the letter Live gives the `position`th (1-based) return.
fn return_letter(position: usize) -> String {
    let mut n = position;
    let mut letters = Vec::new();
    while n > 0 {
        n -= 1;
        letters.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
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

    fn track(index: usize, name: &str, kind: TrackKind, default_name: Option<&str>) -> Track {
        Track {
            default_name: default_name.map(str::to_string),
            ..Track::new(index, name, kind)
        }
    }

    #[test]
    fn numbered_names_are_shown_as_live_shows_them() {
        use TrackKind::*;
        let session = Session {
            format: Format::Als,
            media: Default::default(),
            tracks: vec![
                track(0, "1-Drum Rack", Midi, Some("Drum Rack")),
                track(1, "# Kick", Audio, None),
                track(2, "### Snare", Audio, None),
                track(3, "Bass #", Audio, None),
                track(4, "Reverb", Return, None),
                track(5, "B-Delay", Return, Some("Delay")),
            ],
            name_display: NameDisplay::Numbered,
        };
        let shown = [
            "1-Drum Rack",
            "2 Kick",
            "003 Snare",
            "Bass #",
            "A-Reverb",
            "B-Delay",
        ];
        assert_eq!(session.shown_names(), shown);
        for (i, name) in shown.iter().enumerate() {
            assert_eq!(session.shown_name(i), *name);
        }
        assert_eq!(session.shown_name(9), "");
        let plain = Session {
            name_display: NameDisplay::AsNamed,
            ..session
        };
        assert_eq!(plain.shown_name(1), "# Kick");
        assert_eq!(
            (1..=28).map(return_letter).collect::<Vec<_>>()[24..],
            ["Y", "Z", "AA", "AB"]
        );
    }

    #[test]
    fn unnamed_tracks_are_named_as_shown_at_their_position() {
        use TrackKind::*;
        let mut session = Session {
            format: Format::Als,
            media: Default::default(),
            tracks: vec![
                track(0, "Kick", Audio, None),
                // Stored numbers gone stale: Live shows them by position.
                track(1, "12-Group", Bus, Some("Group")),
                track(2, "# Snare", Audio, None),
                track(3, "C-Reverb", Return, Some("Reverb")),
            ],
            name_display: NameDisplay::Numbered,
        };
        let plain = Session {
            name_display: NameDisplay::AsNamed,
            ..session.clone()
        };
        session.name_unnamed_as_shown(&NamePool::fresh());
        let names: Vec<&str> = session.tracks.iter().map(|t| t.name.as_str()).collect();
        // A named track keeps its typed name ("#" included): rules match it, renames write it.
        assert_eq!(names, ["Kick", "2-Group", "# Snare", "A-Reverb"]);
        let mut unchanged = plain.clone();
        unchanged.name_unnamed_as_shown(&NamePool::fresh());
        assert_eq!(unchanged, plain);
    }

    #[test]
    fn names_are_taken_from_the_held_ones_by_text() {
        let held = Session {
            format: Format::Rpp,
            media: Default::default(),
            tracks: vec![
                Track::new(0, "Kick", TrackKind::Audio),
                Track::new(1, "Snare", TrackKind::Audio),
            ],
            name_display: NameDisplay::AsNamed,
        };
        let names = NamePool::reusing(&held);
        let kick = names.make_str("Kick");
        assert!(kick.shares(&held.tracks[0].name));
        assert!(
            names
                .make(Cow::Owned("Snare".into()))
                .shares(&held.tracks[1].name)
        );
        // Equal text elsewhere is not the same name; an unknown one is made anew.
        let other = Name::from("Kick");
        assert_eq!(other, kick);
        assert!(!other.shares(&kick));
        let new = names.make_str("Bass");
        assert_eq!(new, "Bass");
        assert!(!held.tracks.iter().any(|t| t.name.shares(&new)));
        assert!(
            !NamePool::fresh()
                .make_str("Kick")
                .shares(&held.tracks[0].name)
        );
    }

    #[test]
    fn hex_colours_parse_and_print_lowercase() {
        assert_eq!(Rgb::parse_hex("#D94f3d"), Some(Rgb::new(0xd9, 0x4f, 0x3d)));
        assert_eq!(Rgb::new(0xd9, 0x4f, 0x3d).to_string(), "#d94f3d");
        for bad in ["d94f3d", "#d94f3", "#d94f3dd", "#gg0000", "", "#"] {
            assert_eq!(Rgb::parse_hex(bad), None, "{bad}");
        }
    }
}
