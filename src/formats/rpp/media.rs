//! Where REAPER looks for an item's file: the path as written (relative paths are relative to
//! the project's folder), then, when it is not there, the file's name in the project's record
//! path (`RECORD_PATH`, primary then secondary) and in the project's folder itself, which is
//! where REAPER finds media of a project moved from another machine (a Windows `C:\...` path
//! opened on a Mac, say).

use crate::media::{ProjectMedia, SourceFile, join_written, push_unique};
use std::path::{Path, PathBuf};

/// REAPER's candidates for `file` of the project at `project`, in the order it tries them.
pub fn candidates(project: &Path, media: &ProjectMedia, file: &SourceFile) -> Vec<PathBuf> {
    let dir = project.parent().unwrap_or(Path::new(""));
    let mut list = vec![join_written(dir, &file.path)];
    let name = file.file_name();
    for folder in &media.folders {
        push_unique(&mut list, join_written(dir, folder).join(name));
    }
    push_unique(&mut list, dir.join(name));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_path_then_record_paths_then_project_folder() {
        let media = ProjectMedia {
            folders: vec!["Audio".into(), "D:\\Backup".into()],
            ..ProjectMedia::default()
        };
        let got = candidates(
            Path::new("/p/song.rpp"),
            &media,
            &SourceFile::new("C:\\Users\\me\\kick.wav"),
        );
        let tail: Vec<String> = got[1..].iter().map(|p| p.display().to_string()).collect();
        assert_eq!(tail[0], "/p/Audio/kick.wav");
        assert_eq!(tail.last().unwrap(), "/p/kick.wav");
        let got = candidates(
            Path::new("/p/song.rpp"),
            &media,
            &SourceFile::new("Audio/kick.wav"),
        );
        assert_eq!(got[0], PathBuf::from("/p/Audio/kick.wav"));
        assert_eq!(got.len(), 3, "{got:?}");
    }
}
