//! The files premix keeps beside a project, and their names: the lock
//! (`.NAME.premix-lock`), temporary files (`.NAME.premix-XXXXXX.tmp`: a staged output or a
//! backup being written) and backups (`NAME.premix-bak`, `NAME.premix-bak.2`, ...).
//!
//! A temporary file's name says which project it belongs to, so a run that holds a project's
//! lock knows that every temporary file of that project it finds was left by a run that was
//! killed (a run creates them only while it holds the lock, and removes them before it lets
//! go): [`Leftovers`] removes them. A project name too long to fit in a file name with these
//! additions is replaced by a hash of it.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Project names longer than this (in bytes) are stood for by a hash in the names of their
/// lock and temporary files, which must stay under the usual 255-byte limit of a file name.
const LONGEST_NAME: usize = 200;
/// Random characters in a temporary file's name (tempfile's alphanumerics).
const RANDOM_CHARS: usize = 6;
const TEMP_SUFFIX: &str = ".tmp";
/// How many numbered backups of one project premix tries before it gives up.
const MOST_BACKUPS: u32 = 100_000;

/// The part of premix's own file names that stands for the project named `name`.
fn stem(name: &OsStr) -> OsString {
    if name.len() <= LONGEST_NAME {
        return name.to_os_string();
    }
    let hash = xxhash_rust::xxh3::xxh3_64(name.as_encoded_bytes());
    OsString::from(format!("premix-{hash:016x}"))
}

fn file_name(path: &Path) -> io::Result<&OsStr> {
    path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} names no file", path.display()),
        )
    })
}

/// The folder `path` is in (`.` for a bare file name).
pub fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `.NAME.premix-`: how every temporary file of the project at `path` begins.
fn temp_prefix(path: &Path) -> io::Result<OsString> {
    let mut prefix = OsString::from(".");
    prefix.push(stem(file_name(path)?));
    prefix.push(".premix-");
    Ok(prefix)
}

/// A new, empty temporary file beside `path`, named as belonging to it, readable and
/// writable by its owner only (mode 0600: a copy of a private project is never readable by
/// others while it is written). It is removed when dropped unless persisted.
pub fn temp_file(path: &Path) -> io::Result<tempfile::NamedTempFile> {
    temp_file_with(path, None)
}

/// [`temp_file`] created with `permissions` (less the umask) instead of 0600.
pub fn temp_file_with(
    path: &Path,
    permissions: Option<std::fs::Permissions>,
) -> io::Result<tempfile::NamedTempFile> {
    let prefix = temp_prefix(path)?;
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(&prefix)
        .suffix(TEMP_SUFFIX)
        .rand_bytes(RANDOM_CHARS);
    if let Some(permissions) = permissions {
        builder.permissions(permissions);
    }
    builder.tempfile_in(folder(path))
}

/// True when `name` is a temporary file of a project whose temporary files begin with `prefix`.
fn is_temp_of(name: &OsStr, prefix: &OsStr) -> bool {
    let (name, prefix) = (name.as_encoded_bytes(), prefix.as_encoded_bytes());
    let Some(rest) = name.strip_prefix(prefix) else {
        return false;
    };
    let Some(random) = rest.strip_suffix(TEMP_SUFFIX.as_bytes()) else {
        return false;
    };
    random.len() == RANDOM_CHARS && random.iter().all(u8::is_ascii_alphanumeric)
}

/// True when `name` looks like a temporary file of premix (of any project, or of an earlier
/// version of premix, which named them `.premix-XXXXXX.tmp`): walks never take them.
pub fn is_temp_name(name: &OsStr) -> bool {
    let text = name.to_string_lossy();
    text.starts_with('.') && text.contains(".premix-") && text.ends_with(TEMP_SUFFIX)
        || text.starts_with(".premix-") && text.ends_with(TEMP_SUFFIX)
}

/// The lock file of the project at `path`: `.NAME.premix-lock`, beside it.
pub fn lock_path(path: &Path) -> io::Result<PathBuf> {
    let mut name = OsString::from(".");
    name.push(stem(file_name(path)?));
    name.push(".premix-lock");
    Ok(folder(path).join(name))
}

/// The `n`th backup name of the project at `path` (from 1): `NAME.premix-bak`, then
/// `NAME.premix-bak.2`, ...; `None` past the last one premix tries.
pub fn backup_path(path: &Path, n: u32) -> io::Result<Option<PathBuf>> {
    if n == 0 || n > MOST_BACKUPS {
        return Ok(None);
    }
    let mut name = file_name(path)?.to_os_string();
    name.push(".premix-bak");
    if n > 1 {
        name.push(format!(".{n}"));
    }
    Ok(Some(path.with_file_name(name)))
}

/// Temporary files that runs killed before they finished left beside projects. Each folder
/// is listed once per run, when a project in it is first written.
#[derive(Default)]
pub struct Leftovers {
    listed: Mutex<HashMap<PathBuf, Arc<Vec<OsString>>>>,
}

impl Leftovers {
    /// Removes the temporary files of the project at `path`. The caller must hold the
    /// project's lock ([`super::lock::ProjectLock`]): then none of them belongs to a live run.
    /// Only regular files named as this project's temporary files are removed; the names
    /// removed are returned.
    pub fn remove(&self, path: &Path) -> Vec<PathBuf> {
        let Ok(prefix) = temp_prefix(path) else {
            return Vec::new();
        };
        let dir = folder(path);
        let names = self.listing(dir);
        let mut removed = Vec::new();
        for name in names.iter().filter(|n| is_temp_of(n, &prefix)) {
            let candidate = dir.join(name);
            let regular = std::fs::symlink_metadata(&candidate).is_ok_and(|m| m.is_file());
            if regular && std::fs::remove_file(&candidate).is_ok() {
                removed.push(candidate);
            }
        }
        removed
    }

    /// The names in `dir` that look like premix's temporary files, listed once.
    fn listing(&self, dir: &Path) -> Arc<Vec<OsString>> {
        let mut listed = self.listed.lock().unwrap_or_else(|e| e.into_inner());
        listed
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let names = std::fs::read_dir(dir)
                    .map(|entries| {
                        entries
                            .filter_map(Result::ok)
                            .map(|e| e.file_name())
                            .filter(|n| is_temp_name(n))
                            .collect()
                    })
                    .unwrap_or_default();
                Arc::new(names)
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_files_are_told_apart_by_project() {
        let dir = tempfile::tempdir().unwrap();
        let song = dir.path().join("song.rpp");
        let tmp = temp_file(&song).unwrap();
        let name = tmp.path().file_name().unwrap().to_os_string();
        assert!(is_temp_of(&name, &temp_prefix(&song).unwrap()), "{name:?}");
        assert!(is_temp_name(&name));
        // Another project whose name begins like this one's is not confused with it.
        let other = dir.path().join("song.rpp.premix-abcdef");
        assert!(!is_temp_of(&name, &temp_prefix(&other).unwrap()));
        let longer = OsString::from(".song.rpp.premix-abcdef.premix-123456.tmp");
        assert!(!is_temp_of(&longer, &temp_prefix(&song).unwrap()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = tmp.as_file().metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn leftovers_of_one_project_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let song = dir.path().join("song.rpp");
        std::fs::write(&song, b"project").unwrap();
        let left = temp_file(&song).unwrap().keep().unwrap().1;
        let other = temp_file(&dir.path().join("other.rpp"))
            .unwrap()
            .keep()
            .unwrap()
            .1;
        let user = dir.path().join(".song.rpp.premix-notes.txt");
        std::fs::write(&user, b"mine").unwrap();
        let removed = Leftovers::default().remove(&song);
        assert_eq!(removed, std::slice::from_ref(&left));
        assert!(!left.exists() && other.exists() && user.exists() && song.exists());
    }

    #[test]
    fn long_names_are_hashed_and_backups_numbered() {
        let long = "x".repeat(250) + ".rpp";
        let path = Path::new("/music").join(&long);
        let lock = lock_path(&path).unwrap();
        assert!(lock.file_name().unwrap().len() < 255, "{lock:?}");
        assert_eq!(
            backup_path(Path::new("a/song.rpp"), 1).unwrap().unwrap(),
            Path::new("a/song.rpp.premix-bak")
        );
        assert_eq!(
            backup_path(Path::new("song.rpp"), 3).unwrap().unwrap(),
            Path::new("song.rpp.premix-bak.3")
        );
        assert_eq!(backup_path(Path::new("song.rpp"), 0).unwrap(), None);
    }
}
