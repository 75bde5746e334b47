//! What a project's items play, as data, and finding those files on disk.
//!
//! A backend reports, per track, one [`MediaRef`] per audio item/clip/region: the file(s) as
//! the project writes them, where in the file playing starts and how much of it plays (in
//! seconds of the file's own time), the item's own gain and mute. It also reports, per
//! project, the facts resolution needs ([`ProjectMedia`]), and a resolver that lists where the
//! DAW would look for a file, in its order ([`crate::formats::media_candidates`]). This
//! module knows no format: it only tries those candidates ([`locate`], [`resolve`]).
//!
//! The same model serves gain staging (item gain, what plays when) and rewriting media paths
//! when a project is written elsewhere (each file's [`Location`], found or not, with what
//! was tried).

pub mod relocate;

use serde::Serialize;
use std::path::{Path, PathBuf};

/// One file an item plays, as the project writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct SourceFile {
    /// The path as written in the project (relative or absolute, any platform's separators).
    pub path: String,
    /// Other spellings of the same file the project holds, tried after `path` by the
    /// format's resolver (Live keeps an absolute `Path` beside its `RelativePath`).
    pub alternates: Vec<String>,
    /// True when `path` names a file the project file itself holds (a DAWproject's embedded
    /// media: an entry of its container), not one on disk.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub embedded: bool,
}

impl SourceFile {
    pub fn new(path: impl Into<String>) -> SourceFile {
        SourceFile {
            path: path.into(),
            alternates: Vec::new(),
            embedded: false,
        }
    }

    /// The file name, whatever platform wrote the path.
    pub fn file_name(&self) -> &str {
        file_name(&self.path)
    }
}

/// The last component of a path written on any platform (`/` or `\` separated).
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// What one audio item/clip/region plays. Times are seconds; `offset` and `length` are in the
/// file's own time (what is read from it), `position` and `timeline_length` on the project's
/// timeline (they differ when the item plays faster or slower than recorded).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MediaRef {
    /// The file, or (Ardour's multi-mono sources) one mono file per channel, in channel order.
    pub files: Vec<SourceFile>,
    /// Where the item starts on the timeline; `None` for a clip with no place on it (a Live
    /// session-view clip).
    pub position: Option<f64>,
    /// Where in the file playing starts, seconds of file time (0 or more).
    pub offset: f64,
    /// How much of the file plays, seconds of file time; `None` when the project does not say
    /// (to the end of the file).
    pub length: Option<f64>,
    /// How long the item lasts on the timeline, seconds; `None` when unknown.
    pub timeline_length: Option<f64>,
    /// The item's own gain, linear (REAPER item and take volume, Live clip gain, Ardour region
    /// gain); negative when the item inverts polarity.
    pub gain: f64,
    pub muted: bool,
    /// The item repeats its source when longer than it (REAPER `LOOP 1`, Live loop on): it
    /// then plays the whole file from `offset`, wrapping round.
    pub looped: bool,
}

impl MediaRef {
    /// An item playing all of one file from the start, at unity gain.
    pub fn whole(path: impl Into<String>) -> MediaRef {
        MediaRef {
            files: vec![SourceFile::new(path)],
            position: None,
            offset: 0.0,
            length: None,
            timeline_length: None,
            gain: 1.0,
            muted: false,
            looped: false,
        }
    }

    /// Where the item ends on the timeline, when known.
    pub fn end(&self) -> Option<f64> {
        Some(self.position? + self.timeline_length?)
    }
}

/// Project-wide facts about media.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ProjectMedia {
    /// The project's sample rate in Hz when the project fixes one (REAPER `SAMPLERATE r 1`,
    /// Ardour `Session@sample-rate`); `None` when it follows the audio device or stores none
    /// (Live).
    pub sample_rate: Option<u32>,
    /// Folders the DAW records into and looks in for media, as written (REAPER's
    /// `RECORD_PATH` primary and secondary paths).
    pub folders: Vec<String>,
    /// What the backend could not work out honestly about timing, said once per project
    /// (Live's tempo automation, warped clips without warp markers, ...).
    pub caveats: Vec<String>,
}

/// Where a file an item plays was found, or where it was looked for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Location {
    Found { path: PathBuf },
    Missing { tried: Vec<PathBuf> },
}

impl Location {
    pub fn found(&self) -> Option<&Path> {
        match self {
            Location::Found { path } => Some(path),
            Location::Missing { .. } => None,
        }
    }
}

/// The first candidate that is a file, else `Missing` with every candidate tried.
pub fn locate(candidates: Vec<PathBuf>) -> Location {
    match candidates.iter().find(|c| is_file(c)) {
        Some(found) => Location::Found {
            path: found.clone(),
        },
        None => Location::Missing { tried: candidates },
    }
}

/// True when `path` is a file: on disk, or held inside a project file
/// ([`crate::formats::embedded_file`]: a DAWproject's embedded media).
pub fn is_file(path: &Path) -> bool {
    path.is_file() || crate::formats::find_embedded(path).is_ok()
}

/// Where the DAW looks for `file` of a project at `project` (the project file), most
/// preferred first. Each format has one ([`crate::formats::media_candidates`]).
pub type Resolver = fn(project: &Path, media: &ProjectMedia, file: &SourceFile) -> Vec<PathBuf>;

/// Every file of every item of `session`, located: per track, per item, per file.
pub fn resolve(
    session: &crate::session::Session,
    project: &Path,
    resolver: Resolver,
) -> Vec<Vec<Vec<Location>>> {
    // A file played by many items is looked for once.
    let mut known: std::collections::HashMap<&SourceFile, Location> = Default::default();
    session
        .tracks
        .iter()
        .map(|t| {
            t.items
                .iter()
                .map(|item| {
                    item.files
                        .iter()
                        .map(|f| {
                            known
                                .entry(f)
                                .or_insert_with(|| locate(resolver(project, &session.media, f)))
                                .clone()
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// A path as written by any platform, as this one reads it: on Unix, Windows separators
/// become `/` (a relative `Audio\kick.wav` is a relative path on every platform).
pub fn native(path: &str) -> PathBuf {
    if cfg!(windows) {
        PathBuf::from(path)
    } else {
        PathBuf::from(path.replace('\\', "/"))
    }
}

/// True for an absolute path of any platform (`/x`, `C:\x`, `C:/x`, `\\server\x`).
pub fn is_absolute_anywhere(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || path.starts_with("\\\\")
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'\\' | b'/'))
}

/// `written` relative to `base` unless it is absolute; with this platform's separators.
pub fn join_written(base: &Path, written: &str) -> PathBuf {
    if is_absolute_anywhere(written) {
        native(written)
    } else {
        base.join(native(written))
    }
}

/// Adds `path` to `list` unless already there (candidate lists stay short and ordered).
pub fn push_unique(list: &mut Vec<PathBuf>, path: PathBuf) {
    if !list.contains(&path) {
        list.push(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_every_platform_are_read_here() {
        assert_eq!(file_name("C:\\audio\\kick.wav"), "kick.wav");
        assert_eq!(file_name("Audio/kick.wav"), "kick.wav");
        assert!(is_absolute_anywhere("C:\\x.wav") && is_absolute_anywhere("D:/x.wav"));
        assert!(is_absolute_anywhere("/Users/x.wav") && is_absolute_anywhere("\\\\nas\\x.wav"));
        assert!(!is_absolute_anywhere("Audio\\x.wav") && !is_absolute_anywhere("x.wav"));
        if !cfg!(windows) {
            assert_eq!(
                join_written(Path::new("/p"), "Audio\\kick.wav"),
                PathBuf::from("/p/Audio/kick.wav")
            );
        }
    }

    #[test]
    fn locate_takes_the_first_file_and_lists_what_it_tried() {
        let dir = tempfile::tempdir().unwrap();
        let b = dir.path().join("b.wav");
        std::fs::write(&b, b"x").unwrap();
        let a = dir.path().join("a.wav");
        assert_eq!(
            locate(vec![a.clone(), b.clone()]),
            Location::Found { path: b.clone() }
        );
        assert_eq!(
            locate(vec![a.clone(), dir.path().to_path_buf()]),
            Location::Missing {
                tried: vec![a, dir.path().to_path_buf()]
            }
        );
    }
}
