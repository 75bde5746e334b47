//! Where a DAWproject's external files are, and how a rewritten one is spelled.
//!
//! A `File@path` (the schema's `fileReference`) is inside the container unless
//! `external="true"`; an external path is relative to the `.dawproject` file, or absolute
//! when it starts with a slash or a Windows drive letter (the reference implementation's
//! `FileReference` documentation, bitwig/dawproject). Files inside the container travel with
//! it: only external ones are listed for a project written elsewhere.

use crate::media::relocate::{FileKind, MediaFile, MediaPlan, absolute_text};
use crate::media::{ProjectMedia, SourceFile, join_written};
use std::path::{Path, PathBuf};

/// The candidate for an external `file` of the project at `project`: its path, relative to the
/// project's folder unless absolute.
pub fn candidates(project: &Path, _media: &ProjectMedia, file: &SourceFile) -> Vec<PathBuf> {
    let dir = project.parent().unwrap_or(Path::new(""));
    vec![join_written(dir, &file.path)]
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
