//! Finding projects under the paths a user gives, and running many of them in parallel.
//!
//! Results always come back in the order the projects were found (paths sorted by name), so
//! output is stable however the work was scheduled.

use crate::formats::format_for_path;
use crate::session::Format;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// A project file to process, and the path the user named that led to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub path: PathBuf,
    /// The file or folder given on the command line.
    pub root: PathBuf,
    pub format: Format,
}

impl Target {
    /// The path to use under an output folder: relative to the folder given, or the file's
    /// own name when a file was given.
    pub fn relative(&self) -> PathBuf {
        if self.root == self.path {
            return self.path.file_name().map(PathBuf::from).unwrap_or_default();
        }
        self.path
            .strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| self.path.clone())
    }
}

/// A path the user gave that leads to no project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAProject {
    pub path: PathBuf,
    pub reason: String,
}

/// Expands files and folders into project targets. Folders are walked without following
/// symbolic links; `skip` (e.g. the output folder) is never entered.
pub fn discover(paths: &[PathBuf], skip: Option<&Path>) -> (Vec<Target>, Vec<NotAProject>) {
    let mut targets = Vec::new();
    let mut problems = Vec::new();
    let skip = skip.and_then(|s| s.canonicalize().ok());
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                problems.push(NotAProject {
                    path: root.clone(),
                    reason: e.to_string(),
                });
                continue;
            }
        };
        if meta.is_file() {
            match format_for_path(root) {
                Some(format) => targets.push(Target {
                    path: root.clone(),
                    root: root.clone(),
                    format,
                }),
                None => problems.push(NotAProject {
                    path: root.clone(),
                    reason: "not a supported project file (expected .rpp or .als)".into(),
                }),
            }
            continue;
        }
        let walker = WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let inside_skip = skip.as_ref().is_some_and(|s| {
                    e.file_type().is_dir() && e.path().canonicalize().is_ok_and(|p| &p == s)
                });
                !inside_skip
            });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    if let Some(format) = format_for_path(e.path()) {
                        targets.push(Target {
                            path: e.path().to_path_buf(),
                            root: root.clone(),
                            format,
                        });
                    }
                }
                Ok(_) => {}
                Err(e) => problems.push(NotAProject {
                    path: e.path().map_or_else(|| root.clone(), Path::to_path_buf),
                    reason: e.to_string(),
                }),
            }
        }
    }
    (targets, problems)
}

/// Runs `work` on every target on all cores; results come back in target order.
pub fn run_all<T: Send>(targets: &[Target], work: impl Fn(&Target) -> T + Sync + Send) -> Vec<T> {
    targets.par_iter().map(work).collect()
}
