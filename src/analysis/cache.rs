//! The analysis cache: results keyed by file content, so a second run over the same session
//! decodes nothing.
//!
//! Layout, under `$PREMIX_CACHE_DIR`, else `$XDG_CACHE_HOME/premix`, else
//! `~/.cache/premix`:
//! - `analysis-v{ANALYSIS_VERSION}/results/<key>.json`: one [`Outcome`]. The key is a BLAKE3
//!   hash of the analysis version, each file's content hash and the ranges measured; a result
//!   of another version or content is never found.
//! - `analysis-v{ANALYSIS_VERSION}/stat/<hash of the path>`: the file's content hash, with
//!   the stat fingerprint it was taken under (device, inode, size, modification and change
//!   times in nanoseconds). Hashing every file's content on every run would read the whole
//!   session again (690 MB for 40 stems); as git's index does, a file whose fingerprint is
//!   unchanged keeps its hash without being read. A file changed within the last two seconds
//!   is not fingerprinted (its times may not yet tell a later change apart: git's "racily
//!   clean" entries), so it is hashed again next time.
//!
//! - `analysis-v{ANALYSIS_VERSION}/containers/<hash of the path>`: what checking a project
//!   container (a DAWproject's entries, each inflated and its CRC-32 checked) found, with the
//!   stat fingerprint of the file it was taken under, as for `stat/` (and never for a file
//!   changed within the last two seconds): a container whose fingerprint is unchanged is not
//!   inflated again ([`Cache::container`]).
//!
//! Every write goes to a temporary file renamed into place, so concurrent runs never read a
//! half-written entry; an entry that does not parse is ignored and rewritten.

use super::{ANALYSIS_VERSION, Outcome, Range};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// The user's cache (see the module docs); `None` when no folder can be found.
    pub fn user() -> Option<Cache> {
        let base = std::env::var_os("PREMIX_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute())
                    .map(|p| p.join("premix"))
            })
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("premix"))
            })?;
        Some(Cache::at(base))
    }

    /// A cache under `base`.
    pub fn at(base: impl Into<PathBuf>) -> Cache {
        Cache {
            root: base.into().join(format!("analysis-v{ANALYSIS_VERSION}")),
        }
    }

    /// The content hashes of `files`; `None` when one cannot be read (the analysis then
    /// reports why).
    pub fn hashes(&self, files: &[&Path]) -> Option<Vec<String>> {
        files.iter().map(|f| self.content_hash(f)).collect()
    }

    /// The key of measuring `range` of the source whose files have `hashes`.
    pub fn key(hashes: &[String], range: &Range) -> String {
        let mut h = blake3::Hasher::new();
        h.update(&ANALYSIS_VERSION.to_le_bytes());
        for hash in hashes {
            h.update(hash.as_bytes());
        }
        h.update(&range.offset.to_le_bytes());
        h.update(&range.length.unwrap_or(-1.0).to_le_bytes());
        h.update(&[u8::from(range.looped)]);
        h.finalize().to_hex().to_string()
    }

    pub fn get(&self, key: &str) -> Option<Outcome> {
        let text = std::fs::read(self.root.join("results").join(format!("{key}.json"))).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Stores `outcome`; a cache that cannot be written is skipped silently (the run's
    /// results do not depend on it).
    pub fn put(&self, key: &str, outcome: &Outcome) {
        if let Ok(bytes) = serde_json::to_vec(outcome) {
            self.write(&self.root.join("results"), &format!("{key}.json"), &bytes);
        }
    }

    fn write(&self, dir: &Path, name: &str, bytes: &[u8]) {
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else {
            return;
        };
        if std::io::Write::write_all(&mut tmp, bytes).is_ok() {
            let _ = tmp.persist(dir.join(name));
        }
    }

    /// What [`Cache::remember_container`] noted for the container at `path`, if the file
    /// (`meta`, taken from the open file) still has the fingerprint it was noted under.
    pub fn container(&self, path: &Path, meta: &std::fs::Metadata) -> Option<String> {
        let entry =
            std::fs::read_to_string(self.root.join("containers").join(path_key(path))).ok()?;
        let (fp, record) = entry.split_once(' ')?;
        (fp == fingerprint(meta)).then(|| record.to_string())
    }

    /// Notes `record` (one line, what checking the container at `path` found) under the
    /// file's fingerprint (`meta`, taken from the open file before it was checked); not for
    /// a file modified within the last two seconds (see the module docs). A cache that cannot
    /// be written is skipped silently.
    pub fn remember_container(&self, path: &Path, meta: &std::fs::Metadata, record: &str) {
        if settled(meta) {
            let line = format!("{} {record}", fingerprint(meta));
            self.write(
                &self.root.join("containers"),
                &path_key(path),
                line.as_bytes(),
            );
        }
    }

    /// Forgets what [`Cache::remember_container`] noted for the container at `path` (a
    /// record the file's copies disproved: the next read checks the container whole). A
    /// cache that cannot be written is skipped silently.
    pub fn forget_container(&self, path: &Path) {
        let _ = std::fs::remove_file(self.root.join("containers").join(path_key(path)));
    }

    /// The BLAKE3 hash of `path`'s content, from the stat fingerprint when it is unchanged.
    ///
    /// A file a project file holds ([`crate::formats::embedded_file`]) is hashed as its entry
    /// stands in the container (method, CRC-32, size and compressed bytes: the same audio
    /// embedded in two projects, or in a project recoloured since, keys alike), under the
    /// fingerprint of the project file.
    fn content_hash(&self, path: &Path) -> Option<String> {
        let (meta, mut file): (_, Box<dyn Read>) = match std::fs::File::open(path) {
            Ok(file) => (file.metadata().ok()?, Box::new(file)),
            Err(_) => {
                let (file, m) = crate::formats::find_embedded(path).ok()?;
                let meta = file.metadata().ok()?;
                let mut file = std::io::BufReader::new(file);
                std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(m.data_start)).ok()?;
                let header = format!("embedded {} {:08x} {} ", m.method, m.crc, m.size);
                let head = std::io::Cursor::new(header.into_bytes());
                (meta, Box::new(head.chain(file.take(m.compressed_size))))
            }
        };
        let fingerprint = fingerprint(&meta);
        let name = path_key(path);
        let dir = self.root.join("stat");
        if let Ok(entry) = std::fs::read_to_string(dir.join(&name))
            && let Some((fp, hash)) = entry.trim().rsplit_once(' ')
            && fp == fingerprint
        {
            return Some(hash.to_string());
        }
        let mut hasher = blake3::Hasher::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    hasher.update(&buf[..n]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        let hash = hasher.finalize().to_hex().to_string();
        if settled(&meta) {
            self.write(&dir, &name, format!("{fingerprint} {hash}").as_bytes());
        }
        Some(hash)
    }
}

/// The name a file's entry has in the cache: the BLAKE3 hash of its absolute path.
fn path_key(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    blake3::hash(absolute.as_os_str().as_encoded_bytes())
        .to_hex()
        .to_string()
}

/// True when the file was last changed over two seconds ago: a later change would show in
/// its fingerprint (see the module docs).
fn settled(meta: &std::fs::Metadata) -> bool {
    meta.modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .is_some_and(|age| age > Duration::from_secs(2))
}

/// What identifies a file's state without reading it.
fn fingerprint(meta: &std::fs::Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        format!(
            "{}:{}:{}:{}.{}:{}.{}",
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec()
        )
    }
    #[cfg(not(unix))]
    {
        let time = |t: std::io::Result<SystemTime>| {
            t.ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos())
        };
        format!(
            "{}:{}:{}",
            meta.len(),
            time(meta.modified()),
            time(meta.created())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_is_found_again_and_a_changed_file_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache"));
        let file = dir.path().join("a.wav");
        std::fs::write(&file, b"one").unwrap();
        let ranges = [Range {
            offset: 0.0,
            length: None,
            looped: false,
        }];
        let key_of = |range: &Range| Cache::key(&cache.hashes(&[&file]).unwrap(), range);
        let key = key_of(&ranges[0]);
        let outcome = Outcome::Unreadable {
            file: 0,
            reason: "x".into(),
        };
        cache.put(&key, &outcome);
        assert_eq!(cache.get(&key), Some(outcome));
        assert_eq!(key_of(&ranges[0]), key);
        std::fs::write(&file, b"two").unwrap();
        assert_ne!(key_of(&ranges[0]), key);
        std::fs::write(&file, b"one").unwrap();
        let other = Range {
            offset: 1.0,
            ..ranges[0]
        };
        assert_ne!(key_of(&other), key);
    }
}
