//! What a DAWproject clip plays, where its file is, and how a rewritten external path is
//! spelled (`apply --out`).
//!
//! Facts, from the schema (`../shared/corpus/schemas/dawproject_Project.xsd`) and the Bitwig
//! 5.1.6 export in the corpus (`hifa-bitwig516__canon.dawproject`):
//! - `Audio/File@path` is an entry of the container unless `external="true"`; an external
//!   path is relative to the `.dawproject` file's folder, or absolute.
//! - A clip's `time`, `duration` and `playStart` are in the `timeUnit` of the nearest element
//!   above it that sets one (Bitwig: `Lanes timeUnit="beats"` on the arrangement); beats are
//!   turned into seconds at the project's tempo (`Transport/Tempo@value`, in bpm; Bitwig's
//!   canon: 150). Tempo automation is not followed; Bitwig's inner `Warps` map the clip's beats
//!   one to one onto the file's seconds at that tempo, which is what is assumed.
//!
//! An embedded file is located as a path through the project file
//! ([`crate::formats::embedded_file`]: `song.dawproject/audio/kick.wav`), so the analysis
//! streams it out of the container, stored or deflated, without extracting it.
//!
//! An absolute external path starts with a slash or a Windows drive letter (the reference
//! implementation's `FileReference` documentation, bitwig/dawproject). Files inside the
//! container travel with it: only external ones are listed for a project written elsewhere.

use super::scan::DpDocument;
use crate::media::relocate::{FileKind, MediaFile, MediaPlan, absolute_text};
use crate::media::{MediaRef, ProjectMedia, SourceFile, join_written};
use std::path::{Path, PathBuf};

/// The project's tempo in bpm (`Transport/Tempo@value`), when `xml` gives a positive one.
pub fn tempo(xml: &[u8]) -> Option<f64> {
    let transport = memchr::memmem::find(xml, b"<Transport")?;
    let end = memchr::memmem::find(&xml[transport..], b"</Transport")
        .map_or(xml.len(), |e| transport + e);
    let within = &xml[transport..end];
    let tag_at = memchr::memmem::find(within, b"<Tempo")?;
    let tag = &within[tag_at..];
    let tag = &tag[..memchr::memchr(b'>', tag)?];
    attribute(tag, b"value")?
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && *t > 0.0)
}

/// The value of attribute `name` in the start tag `tag` (double-quoted, as DAWs write it).
fn attribute<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a str> {
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&tag[from..], name) {
        let at = from + at;
        let before = at.checked_sub(1).map(|b| tag[b]);
        let rest = &tag[at + name.len()..];
        if before.is_some_and(|b| b.is_ascii_whitespace()) && rest.starts_with(b"=\"") {
            let value = &rest[2..];
            let close = memchr::memchr(b'"', value)?;
            return std::str::from_utf8(&value[..close]).ok();
        }
        from = at + name.len();
    }
    None
}

/// What each track's clips play, per track (`tracks` of them), and what could not be worked
/// out honestly (said once).
pub fn items(
    doc: &DpDocument,
    tempo: Option<f64>,
    tracks: usize,
) -> (Vec<Vec<MediaRef>>, Vec<String>) {
    // Each track's list made once at its size: grown clip by clip, it was most of the cost.
    let mut counts = vec![0usize; tracks];
    for m in &doc.media {
        counts[m.track] += 1;
    }
    let mut items: Vec<Vec<MediaRef>> = counts.iter().map(|&n| Vec::with_capacity(n)).collect();
    let mut caveats = Vec::new();
    let mut untimed = 0;
    for m in &doc.media {
        let beats = m.time_unit.as_deref() != Some("seconds");
        // Seconds per unit of the clip's times; unknown for beats without a tempo.
        let scale = if beats {
            tempo.map(|bpm| 60.0 / bpm)
        } else {
            Some(1.0)
        };
        if scale.is_none() && (m.clip_time.is_some() || m.play_start.is_some()) {
            untimed += 1;
        }
        let secs = |v: Option<f64>| Some(v? * scale?);
        let length = secs(m.clip_duration).map(|l| l.max(0.0));
        let file = SourceFile {
            embedded: m.embedded,
            ..SourceFile::new(m.path.clone())
        };
        items[m.track].push(MediaRef {
            files: vec![file],
            position: secs(m.clip_time),
            offset: secs(m.play_start).unwrap_or(0.0).max(0.0),
            length: length.or(m.file_duration),
            timeline_length: length,
            gain: 1.0,
            muted: false,
            looped: false,
        });
    }
    if untimed > 0 {
        caveats.push(format!(
            "{untimed} DAWproject clips are timed in beats and the project gives no tempo: \
             the whole of their files is measured"
        ));
    }
    (items, caveats)
}

/// Where a DAWproject's file is: an embedded one inside the project file (a path through it,
/// [`crate::formats::embedded_file`]), an external one relative to the project's folder (or
/// absolute). A DAW looks nowhere else.
pub fn candidates(project: &Path, _media: &ProjectMedia, file: &SourceFile) -> Vec<PathBuf> {
    if file.embedded {
        let mut path = project.to_path_buf();
        path.extend(file.path.split(['/', '\\']).filter(|c| !c.is_empty()));
        return vec![path];
    }
    let folder = project.parent().unwrap_or(Path::new(""));
    vec![join_written(folder, &file.path)]
}

/// Every external file of the document, with its candidate from `project`.
pub fn media_files(
    external: &[(String, std::ops::Range<usize>)],
    project: &Path,
    media: &ProjectMedia,
) -> Vec<MediaFile> {
    external
        .iter()
        .filter(|(path, _)| !path.is_empty())
        .map(|(path, _)| {
            let file = SourceFile::new(path.clone());
            MediaFile {
                candidates: candidates(project, media, &file),
                file,
                kind: FileKind::Audio,
            }
        })
        .collect()
}

/// A rewritten external path: relative to the project's folder when the file is inside it,
/// absolute otherwise (both are what the format defines; premix writes no `..` a reader
/// might not follow), `/`-separated. `None` for a name that is not UTF-8.
pub fn spelling(plan: &MediaPlan, target: &Path) -> Option<String> {
    plan.relative(target, false, '/').or_else(|| {
        let text = absolute_text(target)?;
        Some(if cfg!(windows) {
            text.replace('\\', "/")
        } else {
            text
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tempo_is_the_transports() {
        let xml = br#"<Project><Transport><Tempo max="666" unit="bpm" value="150.000000" id="id0"/></Transport></Project>"#;
        assert_eq!(tempo(xml), Some(150.0));
        assert_eq!(tempo(b"<Project><Transport/></Project>"), None);
    }

    #[test]
    fn embedded_files_are_looked_for_inside_the_project_file() {
        let media = ProjectMedia::default();
        let inside = SourceFile {
            embedded: true,
            ..SourceFile::new("audio/kick.wav")
        };
        assert_eq!(
            candidates(Path::new("/p/song.dawproject"), &media, &inside),
            [PathBuf::from("/p/song.dawproject/audio/kick.wav")]
        );
        let outside = SourceFile::new("../Stems/kick.wav");
        assert_eq!(
            candidates(Path::new("/p/song.dawproject"), &media, &outside),
            [PathBuf::from("/p/../Stems/kick.wav")]
        );
    }
}
