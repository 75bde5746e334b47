//! How rules read a track name: as written, and as engineers mean it.
//!
//! Engineers write one name many ways: `Kick_In`, `KickIn`, `kick-in`, `snr2`, `OH_L`,
//! `vox_pulses01`, and Live prefixes a number to the names it makes (`2-Drum Rack`,
//! `4-MicroTonicVST`). A `name` or `inside` regex (and a bus alias) therefore sees two forms
//! of a name and holds when either matches:
//! - the name **as written**, so every regex written for exact names keeps working;
//! - its **normalised form** ([`normalise`]): Live's `N-` auto-number prefix dropped, `_`, `-`
//!   and `.` read as spaces (a `.` between digits stays), a space put at every camelCase
//!   boundary (`KickIn` → `Kick In`, `VSTPlugin` → `VST Plugin`, but `OHs` and `BGVs` stay
//!   one word) and between letters and digits (`snr2` → `snr 2`), runs of spaces made one.
//!
//! A name longer than [`NORMALISED_MAX`] bytes (4 KiB) is matched as written only.
//!
//! The written form is tried first, so a rename's captures come from it whenever it matches
//! and from the normalised form only when that alone matched. Letter case is never changed
//! (rules' regexes are case-insensitive anyway).
//!
//! The planner reads every name of a session once per evaluation round ([`Names::of`]); a
//! rule set of any size then matches against ready strings, never normalising per rule.

use crate::session::{Session, Track};
use regex::{Captures, Regex};

/// Names longer than this many bytes have no normalised form: no engineer types one, and
/// its copy would be a second whole name held while a project is read (a project whose bytes
/// are nearly all one name must stay under 3x its size in memory, issue #14).
pub const NORMALISED_MAX: usize = 4096;

/// The normalised form of `name` (see the module docs), or `None` when it is the name as
/// written or longer than [`NORMALISED_MAX`] bytes. Pure and cheap: one pass over the characters.
pub fn normalise(name: &str) -> Option<String> {
    let mut out = String::new();
    normalise_into(name, &mut out).then_some(out)
}

/// Writes the normalised form of `name` into `out` (cleared first); true when it differs from
/// `name`. Allocates nothing for an ASCII name once `out` has grown to fit: the planner
/// normalises every track of a session with one buffer.
fn normalise_into(name: &str, out: &mut String) -> bool {
    out.clear();
    if name.len() > NORMALISED_MAX {
        return false;
    }
    let body = strip_auto_number(name);
    if body.is_ascii() {
        push_normalised(body.as_bytes(), out);
    } else {
        push_normalised(&body.chars().collect::<Vec<char>>(), out);
    }
    out != name
}

/// The normalising pass over the characters of a name (the bytes of an ASCII one).
fn push_normalised<C: Copy + Into<char>>(chars: &[C], out: &mut String) {
    let at = |i: usize| chars.get(i).map(|&c| c.into());
    // A space is owed before the next kept character (never leading, never doubled).
    let mut pending_space = false;
    for (i, &c) in chars.iter().enumerate() {
        let c: char = c.into();
        let prev = i.checked_sub(1).and_then(at);
        let next = at(i + 1);
        let separator = c.is_whitespace()
            || c == '_'
            || c == '-'
            || (c == '.'
                && !(prev.is_some_and(|p| p.is_ascii_digit())
                    && next.is_some_and(|n| n.is_ascii_digit())));
        if separator {
            pending_space = true;
            continue;
        }
        if let Some(p) = prev
            && word_boundary(p, c, i + 1, &at)
        {
            pending_space = true;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
}

/// `name` without Live's auto-number prefix (`12-Audio` → `Audio`): digits and a hyphen at the
/// start, followed by something other than a digit or a space (`23-02-2021` and `1- 2` keep
/// theirs, and a name is never emptied).
fn strip_auto_number(name: &str) -> &str {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || name.as_bytes().get(digits) != Some(&b'-') {
        return name;
    }
    let rest = &name[digits + 1..];
    match rest.chars().next() {
        Some(c) if !c.is_ascii_digit() && !c.is_whitespace() => rest,
        _ => name,
    }
}

/// True when a word ends between `prev` and `c` (what follows `c` is `at(after)` onwards):
/// lower case to upper case (`kickIn`), the last capital of an acronym before a capitalised
/// word (`VSTPlugin`, but not the plural `OHs`), and letters next to digits (`snr2`,
/// `808Kick`).
fn word_boundary(prev: char, c: char, after: usize, at: &impl Fn(usize) -> Option<char>) -> bool {
    if prev.is_lowercase() && c.is_uppercase() {
        return true;
    }
    if prev.is_uppercase() && c.is_uppercase() {
        let lower_run = (after..)
            .map_while(|k| at(k).filter(|n| n.is_lowercase()))
            .count();
        let plural_s = lower_run == 1
            && at(after) == Some('s')
            && !at(after + 1).is_some_and(|n| n.is_alphabetic());
        return lower_run > 0 && !plural_s;
    }
    (prev.is_alphabetic() && c.is_ascii_digit()) || (prev.is_ascii_digit() && c.is_alphabetic())
}

/// A name in both forms, for matching.
#[derive(Clone, Copy, Debug)]
pub struct NameForms<'a> {
    pub written: &'a str,
    /// `None` when normalising changes nothing.
    pub normalised: Option<&'a str>,
}

impl<'a> NameForms<'a> {
    /// True when `re` matches the name as written or its normalised form.
    pub fn is_match(&self, re: &Regex) -> bool {
        re.is_match(self.written) || self.normalised.is_some_and(|n| re.is_match(n))
    }

    /// Captures of `re` in the first form it matches (as written, then normalised).
    pub fn captures(&self, re: &Regex) -> Option<Captures<'a>> {
        re.captures(self.written)
            .or_else(|| self.normalised.and_then(|n| re.captures(n)))
    }
}

/// The normalised names of one session's tracks, by track index: made once per evaluation
/// round, so matching never normalises per rule.
#[derive(Debug, Default)]
pub struct Names {
    /// `None` where the normalised form is the name as written (most names), to keep a
    /// 12 000-track session's copy small.
    normalised: Vec<Option<Box<str>>>,
    /// For each `beside` regex asked about (by its pattern), how many tracks of each folder
    /// match it, by [`folder_slot`]: counted once per round, so `beside` costs one lookup per
    /// track instead of a pass over its neighbours (a flat 20 000-track session).
    beside: std::sync::Mutex<Vec<(Box<str>, FolderCounts)>>,
}

/// How many tracks of each folder match one regex, by [`folder_slot`].
type FolderCounts = std::sync::Arc<[u32]>;

impl Clone for Names {
    fn clone(&self) -> Names {
        Names {
            normalised: self.normalised.clone(),
            beside: Default::default(),
        }
    }
}

/// Where a track's neighbours are counted: 0 for the top level, 1 + the folder's index.
fn folder_slot(track: &Track) -> usize {
    track.parent.map_or(0, |p| p + 1)
}

impl Names {
    /// Normalises every track name of `session`.
    pub fn of(session: &Session) -> Names {
        let mut buffer = String::new();
        Names {
            normalised: session
                .tracks
                .iter()
                .map(|t| normalise_into(&t.name, &mut buffer).then(|| buffer.as_str().into()))
                .collect(),
            beside: Default::default(),
        }
    }

    /// True when another track in the same folder as `track` (or also at the top level) has a
    /// name matching `re` (either form), in `session`, the session this was made from.
    pub fn beside(&self, session: &Session, track: &Track, re: &regex::Regex) -> bool {
        let counts = {
            let mut cache = self.beside.lock().unwrap_or_else(|e| e.into_inner());
            match cache.iter().find(|(p, _)| **p == *re.as_str()) {
                Some((_, counts)) => counts.clone(),
                None => {
                    let mut counts = vec![0u32; session.tracks.len() + 1];
                    for t in &session.tracks {
                        if self.of_track(t).is_match(re) {
                            counts[folder_slot(t)] += 1;
                        }
                    }
                    let counts: FolderCounts = counts.into();
                    cache.push((re.as_str().into(), counts.clone()));
                    counts
                }
            }
        };
        let itself = u32::from(self.of_track(track).is_match(re));
        counts.get(folder_slot(track)).is_some_and(|&c| c > itself)
    }

    /// Both forms of the name of the track at `index` of the session this was made from.
    pub fn forms<'a>(&'a self, session: &'a Session, index: usize) -> NameForms<'a> {
        NameForms {
            written: &session.tracks[index].name,
            normalised: self.normalised.get(index).and_then(|n| n.as_deref()),
        }
    }

    /// Both forms of `track`'s name (`track` is a track of the session this was made from).
    pub fn of_track<'a>(&'a self, track: &'a Track) -> NameForms<'a> {
        NameForms {
            written: &track.name,
            normalised: self.normalised.get(track.index).and_then(|n| n.as_deref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(name: &str) -> String {
        normalise(name).unwrap_or_else(|| name.to_string())
    }

    #[test]
    fn beside_counts_the_other_tracks_of_the_same_folder_only() {
        use crate::session::{Format, TrackKind};
        let track = |i: usize, name: &str, parent: Option<usize>| Track {
            parent,
            ..Track::new(i, name, TrackKind::Audio)
        };
        let s = Session::new(
            Format::Rpp,
            vec![
                track(0, "Timpani", None),
                track(1, "Orchestra", None),
                track(2, "Timpani_2", Some(1)),
                track(3, "Timpani 3", Some(1)),
                track(4, "Snare", Some(1)),
            ],
        );
        let names = Names::of(&s);
        let re = Regex::new(r"(?i)\btimpani\b").unwrap();
        // Alone at the top level: itself does not count.
        assert!(!names.beside(&s, &s.tracks[0], &re));
        assert!(names.beside(&s, &s.tracks[1], &re));
        // Two in one folder see each other (the normalised form "Timpani 2" matches).
        assert!(names.beside(&s, &s.tracks[2], &re));
        assert!(names.beside(&s, &s.tracks[3], &re));
        assert!(names.beside(&s, &s.tracks[4], &re));
        // A copy starts with nothing counted and answers the same.
        assert!(!names.clone().beside(&s, &s.tracks[0], &re));
    }

    #[test]
    fn separators_camel_case_and_digits_split_words() {
        assert_eq!(n("Kick_In"), "Kick In");
        assert_eq!(n("KickIn"), "Kick In");
        assert_eq!(n("snr2"), "snr 2");
        assert_eq!(n("vox_pulses01"), "vox pulses 01");
        assert_eq!(n("OH_L"), "OH L");
        assert_eq!(n("Bass_DI"), "Bass DI");
        assert_eq!(n("kick-in"), "kick in");
        assert_eq!(n("Gtr.L"), "Gtr L");
        assert_eq!(n("808Kick"), "808 Kick");
        assert_eq!(n("MicroTonicVST"), "Micro Tonic VST");
        assert_eq!(n("VSTPlugin"), "VST Plugin");
        assert_eq!(n("MT-PowerDrumKit"), "MT Power Drum Kit");
        assert_eq!(n("  Kick   In "), "Kick In");
    }

    #[test]
    fn names_over_the_limit_are_matched_as_written_only() {
        let long = "Kick_In ".repeat(NORMALISED_MAX / 8);
        assert_eq!(
            normalise(&long).as_deref(),
            Some("Kick In ".repeat(NORMALISED_MAX / 8).trim_end())
        );
        assert_eq!(normalise(&(long + "x")), None);
    }

    #[test]
    fn acronym_plurals_decimals_and_case_stay() {
        assert_eq!(normalise("OHs"), None);
        assert_eq!(normalise("BGVs"), None);
        assert_eq!(normalise("Lead Vox"), None);
        assert_eq!(normalise("KICK OUT"), None);
        assert_eq!(n("Vocal 1.2"), "Vocal 1.2");
        assert_eq!(n("Flöte"), "Flöte");
    }

    #[test]
    fn the_live_auto_number_prefix_is_dropped() {
        assert_eq!(n("2-Drum Rack"), "Drum Rack");
        assert_eq!(n("4-MicroTonicVST"), "Micro Tonic VST");
        assert_eq!(n("12-Audio"), "Audio");
        // Not an auto-number: a date, a range, a lone number.
        assert_eq!(n("23-02-2021 mix"), "23 02 2021 mix");
        assert_eq!(n("1-"), "1");
        assert_eq!(n("28"), "28");
    }

    #[test]
    fn normalising_twice_changes_nothing_more() {
        for name in [
            "Kick_In",
            "2-Drum Rack",
            "vox_pulses01",
            "A-Reverb",
            "BOW_TO_MAURICE_FullKit_92_Fm",
        ] {
            let once = n(name);
            assert_eq!(n(&once), once, "{name}");
        }
    }

    #[test]
    fn a_regex_holds_on_either_form_and_captures_from_the_one_that_matched() {
        let re = regex::RegexBuilder::new(r"^kick\b\s*(.*)$")
            .case_insensitive(true)
            .build()
            .unwrap();
        let written = "Kick_In";
        let normalised = normalise(written);
        let forms = NameForms {
            written,
            normalised: normalised.as_deref(),
        };
        assert!(!re.is_match(written));
        assert!(forms.is_match(&re));
        assert_eq!(&forms.captures(&re).unwrap()[1], "In");
        let forms = NameForms {
            written: "kick in",
            normalised: None,
        };
        assert_eq!(&forms.captures(&re).unwrap()[1], "in");
    }
}
