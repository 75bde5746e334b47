//! What an Ardour region plays, and where Ardour looks for its sources.
//!
//! Times (`FORMATS.md` §3, and the corpus sessions named below):
//! - Ardour 2 to 6 write `position`, `start` (the offset into the source) and `length` as
//!   sample counts at the session's rate (`ardour__TestSession`, 2.0.0;
//!   `elements-clouds__…`, 6000).
//! - Ardour 7+ write typed timeline values: `aN` is audio time in superclock ticks, at the
//!   rate `TempoMap@superclocks-per-second` gives (282240000 in every 7002 session of the
//!   corpus and in the sample, where a 10 ms region is `a2822400`); `bN` is musical time in
//!   ticks of 1920 per quarter note; `length` is written `LENGTH@POSITION`.
//! - Musical time becomes seconds through the tempo map's first tempo; a session with tempo
//!   changes or ramps gets a caveat (premix does not walk the map).
//!
//! Sources: a region names one source per channel (`source-0`, `source-1`: Ardour records a
//! stereo track into two mono files, `Audio-1%L.wav` and `Audio-1%R.wav`), by id into
//! `Session/Sources`. A source `name` is a file name in the session's
//! `interchange/<name>/audiofiles` folders (any of them: a renamed session keeps its old
//! folder) or, for an embedded file, an absolute path; Ardour 2-era sessions may keep files in
//! `sounds/`. `Config/Option audio-search-path` adds folders.

use super::xml::{XmlDoc, escape};
use crate::edit::Edit;
use crate::media::relocate::{FileKind, MediaFile, MediaPlan, absolute_text};
use crate::media::{MediaRef, ProjectMedia, SourceFile, join_written, push_unique};
use crate::plan::Plan;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Ticks of musical time per quarter note (`Temporal::ticks_per_beat`).
const TICKS_PER_QUARTER: f64 = 1920.0;
/// Superclock ticks per second where a 7+ session does not say (Ardour 7's constant).
const DEFAULT_SUPERCLOCK: f64 = 282_240_000.0;

/// How a session writes time, and what it is in seconds.
#[derive(Clone, Debug)]
pub struct Clock {
    /// Ardour 7+ typed values (`a`/`b`), else sample counts.
    typed: bool,
    sample_rate: f64,
    superclock: f64,
    /// Seconds per quarter note at the first tempo.
    quarter: f64,
}

impl Clock {
    pub fn of(xml: &XmlDoc, version: u32, caveats: &mut Vec<String>) -> Clock {
        let root = xml.root();
        let sample_rate = root
            .get("sample-rate")
            .and_then(|r| r.parse::<f64>().ok())
            .filter(|r| *r > 0.0)
            .unwrap_or(48_000.0);
        let tempo_map = xml.child_named(0, "TempoMap");
        let superclock = tempo_map
            .and_then(|t| xml.elements[t].get("superclocks-per-second"))
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| *v > 0.0)
            .unwrap_or(DEFAULT_SUPERCLOCK);
        let tempos: Vec<usize> = tempo_map
            .and_then(|t| xml.child_named(t, "Tempos"))
            .map(|t| xml.children_named(t, "Tempo").collect())
            .unwrap_or_default();
        let mut quarter = 0.5;
        if let Some(&first) = tempos.first() {
            let el = &xml.elements[first];
            let npm = el.get("npm").and_then(|v| v.parse::<f64>().ok());
            let note = el.get("note-type").and_then(|v| v.parse::<f64>().ok());
            if let (Some(npm), Some(note)) = (npm, note)
                && npm > 0.0
                && note > 0.0
            {
                // `npm` notes of 1/`note-type` a minute: a quarter lasts 60/npm × note/4 s.
                quarter = 60.0 / npm * note / 4.0;
            }
            let ramped = el.get("type").is_some_and(|t| t.contains("Ramp"));
            if tempos.len() > 1 || ramped {
                caveats.push(
                    "musical-time positions are converted at the first tempo only \
                     (the session changes tempo)"
                        .into(),
                );
            }
        }
        Clock {
            typed: version >= 7000,
            sample_rate,
            superclock,
            quarter,
        }
    }

    /// A time value in seconds: a sample count, or a typed `a`/`b` value.
    pub fn seconds(&self, value: &str) -> Option<f64> {
        let value = value.trim();
        if let Some(sc) = value.strip_prefix('a') {
            return Some(sc.parse::<f64>().ok()? / self.superclock);
        }
        if let Some(ticks) = value.strip_prefix('b') {
            return Some(ticks.parse::<f64>().ok()? / TICKS_PER_QUARTER * self.quarter);
        }
        let samples = value.parse::<f64>().ok()?;
        // An untyped value in a 7+ session is still audio time in superclocks.
        Some(if self.typed {
            samples / self.superclock
        } else {
            samples / self.sample_rate
        })
    }

    /// `length` and `position` of a region: `L@P` in 7+, or the separate attributes.
    pub fn length_and_position(
        &self,
        length: Option<&str>,
        position: Option<&str>,
    ) -> (Option<f64>, Option<f64>) {
        match length.and_then(|l| l.split_once('@')) {
            Some((l, p)) => (self.seconds(l), self.seconds(p)),
            None => (
                length.and_then(|l| self.seconds(l)),
                position.and_then(|p| self.seconds(p)),
            ),
        }
    }
}

/// One `Session/Sources/Source`: its file name (or path) and type.
pub struct SourceInfo<'a> {
    pub name: &'a str,
    pub midi: bool,
}

/// What region element `r` plays, `None` for a MIDI region or one without sources.
pub fn region_media(
    xml: &XmlDoc,
    r: usize,
    sources: &HashMap<&str, SourceInfo<'_>>,
    clock: &Clock,
) -> Option<MediaRef> {
    let el = &xml.elements[r];
    if el.get("type") == Some("midi") {
        return None;
    }
    let mut channels: Vec<(usize, &SourceInfo<'_>)> = el
        .attrs
        .iter()
        .filter_map(|a| {
            let n = a.name.strip_prefix("source-")?.parse::<usize>().ok()?;
            Some((n, sources.get(&*a.value)?))
        })
        .collect();
    channels.sort_by_key(|(n, _)| *n);
    if channels.is_empty() || channels.iter().any(|(_, s)| s.midi) {
        return None;
    }
    let (length, position) = clock.length_and_position(el.get("length"), el.get("position"));
    let flags = el.get("flags").unwrap_or("");
    let muted = el
        .get("muted")
        .is_some_and(|m| matches!(m, "1" | "yes" | "true"))
        || flags.split(',').any(|f| f.trim() == "Muted");
    let gain = el
        .get("scale-amplitude")
        .or_else(|| el.get("scale-gain"))
        .and_then(|g| g.parse::<f64>().ok())
        .unwrap_or(1.0);
    Some(MediaRef {
        files: channels
            .iter()
            .map(|(_, s)| SourceFile::new(s.name))
            .collect(),
        position,
        offset: el
            .get("start")
            .and_then(|s| clock.seconds(s))
            .unwrap_or(0.0)
            .max(0.0),
        length,
        timeline_length: length,
        gain,
        muted,
        looped: false,
    })
}

/// The option holding the audio search path, and the MIDI one.
pub const AUDIO_SEARCH_PATH: &str = "audio-search-path";
pub const MIDI_SEARCH_PATH: &str = "midi-search-path";

/// What separates a search path's folders where premix runs: `:`, `;` on Windows (glib's
/// `G_SEARCHPATH_SEPARATOR`, which Ardour's `Searchpath` splits on).
pub const SEPARATOR: char = if cfg!(windows) { ';' } else { ':' };

/// `Config/Option name="<name>"`, the element.
pub fn option(xml: &XmlDoc, name: &str) -> Option<usize> {
    let config = xml.child_named(0, "Config")?;
    xml.children_named(config, "Option")
        .find(|&o| xml.elements[o].get("name") == Some(name))
}

/// `Config/Option name="audio-search-path"`: extra folders, `:`-separated (`;` on Windows).
pub fn search_path(xml: &XmlDoc) -> Vec<String> {
    search_path_named(xml, AUDIO_SEARCH_PATH)
}

/// The folders of the search path option `name` ([`AUDIO_SEARCH_PATH`], [`MIDI_SEARCH_PATH`]).
pub fn search_path_named(xml: &XmlDoc, name: &str) -> Vec<String> {
    option(xml, name)
        .and_then(|o| xml.elements[o].get("value"))
        .into_iter()
        .flat_map(|v| v.split([':', ';']))
        .filter(|p| !p.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// Ardour's candidates for `file` of the session file at `project`, in its order: an
/// absolute name as it is; else the name in every `interchange/*/audiofiles` folder (sorted),
/// then `sounds/`, then the search path's folders.
pub fn candidates(project: &Path, media: &ProjectMedia, file: &SourceFile) -> Vec<PathBuf> {
    candidates_in(project, &media.folders, "audiofiles", file)
}

/// [`candidates`] for a MIDI source: `interchange/*/midifiles`, then the MIDI search path.
pub fn midi_candidates(project: &Path, folders: &[String], file: &SourceFile) -> Vec<PathBuf> {
    candidates_in(project, folders, "midifiles", file)
}

fn candidates_in(project: &Path, folders: &[String], sub: &str, file: &SourceFile) -> Vec<PathBuf> {
    let dir = project.parent().unwrap_or(Path::new(""));
    if crate::media::is_absolute_anywhere(&file.path) {
        return vec![crate::media::native(&file.path)];
    }
    let mut list = Vec::new();
    let mut interchange: Vec<PathBuf> = std::fs::read_dir(dir.join("interchange"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path().join(sub))
                .collect()
        })
        .unwrap_or_default();
    interchange.sort();
    // The session's own folder first: `interchange/<session name>`.
    if let Some(stem) = project.file_stem() {
        push_unique(
            &mut list,
            dir.join("interchange")
                .join(stem)
                .join(sub)
                .join(&file.path),
        );
    }
    for folder in interchange {
        push_unique(&mut list, folder.join(&file.path));
    }
    if sub == "audiofiles" {
        push_unique(&mut list, dir.join("sounds").join(&file.path));
    }
    for folder in folders {
        push_unique(&mut list, join_written(dir, folder).join(&file.path));
    }
    list
}

/// Every source of the session (`Session/Sources/Source`, audio and MIDI) with Ardour's
/// candidates from `project`. Ardour loads every source of the list when it opens a session,
/// used by a region or not (a missing audio source becomes silence, a missing MIDI source an
/// empty new file), so all of them count. Sources made of a playlist (compound regions) name
/// no file and are left out.
pub fn media_files(xml: &XmlDoc, project: &Path, media: &ProjectMedia) -> Vec<MediaFile> {
    let Some(sources) = xml.child_named(0, "Sources") else {
        return Vec::new();
    };
    let midi_folders = search_path_named(xml, MIDI_SEARCH_PATH);
    xml.children_named(sources, "Source")
        .map(|s| &xml.elements[s])
        .filter(|s| s.get("playlist").is_none())
        .filter_map(|s| {
            let name = s.get("name").filter(|n| !n.is_empty())?;
            let file = SourceFile::new(name);
            Some(if s.get("type") == Some("midi") {
                MediaFile {
                    candidates: midi_candidates(project, &midi_folders, &file),
                    file,
                    kind: FileKind::Midi,
                }
            } else {
                MediaFile {
                    candidates: candidates(project, media, &file),
                    file,
                    kind: FileKind::Audio,
                }
            })
        })
        .collect()
}

/// The folders each search path of the output gains: the folder of every rewritten source's
/// target, absolute (Ardour reads a relative search-path folder from its own working folder,
/// not the session's: pinned by `tests/interop/ardour/run.sh`), once each, in the order of
/// the sources, those the option already holds left out.
pub fn added_folders(xml: &XmlDoc, plan: &MediaPlan, kind: FileKind) -> Vec<String> {
    let option = match kind {
        FileKind::Midi => MIDI_SEARCH_PATH,
        _ => AUDIO_SEARCH_PATH,
    };
    let mut folders = search_path_named(xml, option);
    let had = folders.len();
    for f in plan
        .rewritten()
        .filter(|f| (f.kind == FileKind::Midi) == (kind == FileKind::Midi))
    {
        if let Some(folder) = f
            .target
            .as_deref()
            .and_then(Path::parent)
            .and_then(absolute_text)
            && !folders.contains(&folder)
        {
            folders.push(folder);
        }
    }
    folders.split_off(had)
}

/// Why the output cannot reach the files of `kind` through its search path, if it cannot:
/// no `Config` element to hold the option, or a folder holding the search path's separator
/// (or a name that is not UTF-8, left out of [`added_folders`] already).
pub fn unreachable(xml: &XmlDoc, plan: &MediaPlan, kind: FileKind) -> Option<String> {
    let folders = added_folders(xml, plan, kind);
    if folders.is_empty() {
        return None;
    }
    let config = xml.child_named(0, "Config");
    if config.is_none_or(|c| xml.elements[c].is_empty_tag()) {
        return Some("the session has no Config section to hold a search path".into());
    }
    folders
        .iter()
        .find(|f| f.contains(SEPARATOR))
        .map(|f| format!("its folder {f} holds {SEPARATOR:?}, which separates search-path folders"))
}

/// The edits that give the output's search paths the folders of the rewritten sources
/// ([`added_folders`]): the option's value extended (after a [`SEPARATOR`]), or, when the
/// session has no such option, a new `<Option .../>` as the last of `Config`, indented like
/// the others.
pub fn search_path_edits(xml: &XmlDoc, src: &[u8], plan: &Plan) -> Vec<Edit> {
    let Some(media) = plan.media.as_ref().filter(|m| m.rewrites()) else {
        return Vec::new();
    };
    let mut edits = Vec::new();
    for (kind, name) in [
        (FileKind::Audio, AUDIO_SEARCH_PATH),
        (FileKind::Midi, MIDI_SEARCH_PATH),
    ] {
        let added = added_folders(xml, media, kind);
        if added.is_empty() || unreachable(xml, media, kind).is_some() {
            continue;
        }
        let sep = SEPARATOR.to_string();
        match option(xml, name).and_then(|o| xml.elements[o].attr("value")) {
            Some(value) => {
                let mut folders: Vec<&str> = vec![&*value.value];
                folders.retain(|v| !v.is_empty());
                folders.extend(added.iter().map(String::as_str));
                edits.push(Edit::replace(
                    value.span.clone(),
                    escape(&folders.join(&sep)),
                ));
            }
            None => {
                let Some(config) = xml.child_named(0, "Config") else {
                    continue;
                };
                let el = &xml.elements[config];
                let Some(close) = memchr::memmem::rfind(&src[..el.end], b"</") else {
                    continue;
                };
                // The start of the line of `</Config>`, and the indentation of an option.
                let line_start = src[..close]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(close, |i| i + 1);
                let at = if src[line_start..close]
                    .iter()
                    .all(|b| *b == b' ' || *b == b'\t')
                {
                    line_start
                } else {
                    close
                };
                let eol: &[u8] = if at > 1 && src[at - 2] == b'\r' {
                    b"\r\n"
                } else {
                    b"\n"
                };
                let indent = el
                    .children
                    .first()
                    .map(|&c| {
                        let tag = xml.elements[c].tag.start;
                        let from = src[..tag]
                            .iter()
                            .rposition(|b| *b == b'\n')
                            .map_or(tag, |i| i + 1);
                        src[from..tag].to_vec()
                    })
                    .unwrap_or_else(|| b"    ".to_vec());
                let line = format!(
                    "<Option name=\"{name}\" value=\"{}\"/>",
                    escape(&added.join(&sep))
                );
                let content = if at == line_start {
                    [indent.as_slice(), line.as_bytes(), eol].concat()
                } else {
                    line.into_bytes()
                };
                edits.push(Edit::insert(at, content));
            }
        }
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(typed: bool) -> Clock {
        Clock {
            typed,
            sample_rate: 48_000.0,
            superclock: DEFAULT_SUPERCLOCK,
            quarter: 0.5,
        }
    }

    #[test]
    fn typed_and_sample_count_times() {
        let c = clock(true);
        // The sample session's 10 ms regions: `length="a2822400@a0"`.
        assert_eq!(
            c.length_and_position(Some("a2822400@a0"), None),
            (Some(0.01), Some(0.0))
        );
        // 1920 ticks a quarter at 120 BPM: b3840 is one second.
        assert_eq!(c.seconds("b3840"), Some(1.0));
        let old = clock(false);
        assert_eq!(
            old.length_and_position(Some("96000"), Some("48000")),
            (Some(2.0), Some(1.0))
        );
        assert_eq!(old.seconds("x"), None);
    }
}
