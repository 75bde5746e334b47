//! Baselines: the findings a studio has looked at and accepted, so that only new ones fail a
//! run (`premix check --write-baseline`, then `premix check`).
//!
//! A baseline is one JSON file, `premix-baseline.json` in the folder premix runs from unless
//! `--baseline FILE` names another, meant to be committed beside the projects:
//!
//! ```json
//! {
//!   "version": 1,
//!   "projects": {
//!     "songs/a.rpp": [
//!       { "code": "unused", "track": "Audio 23", "kind": "audio", "rule": "unused", "count": 1 },
//!       { "code": "declined", "rule": "bus KEYS", "count": 1 }
//!     ]
//!   }
//! }
//! ```
//!
//! Projects are keyed by their path relative to the baseline's folder (`/`-separated; an
//! absolute path for a project outside it). A finding is known by its code, its track's name
//! and kind (never its index) and the label of the rule that led to it (a rule's `name:`, else
//! `rule N`; `bus DRUMS`; `unused`), so moving, adding or removing other tracks (as grouping
//! into buses does) keeps it accepted; `count` accepts that many findings with the same
//! identity (two unused tracks both named `Audio`). A renamed track, or an unnamed rule that
//! moved in its file, is new to a baseline. A finding the baseline does not cover, or one more
//! than its count, is new.

use crate::findings::{Code, Finding};
use crate::session::Session;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

/// The baseline's file name when `--baseline` names none.
pub const FILE_NAME: &str = "premix-baseline.json";
/// The version of the baseline file's shape.
pub const VERSION: u32 = 1;

/// One accepted identity of one project, with how many findings it accepts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    pub code: String,
    /// The track's name, absent for a finding about the whole project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<String>,
    /// The track's kind (`audio`, `midi`, `bus`, `return`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The label of the rule that led to the finding, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub count: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    version: u32,
    projects: BTreeMap<String, Vec<Accepted>>,
}

/// What a finding is known by in a baseline: code, track name, track kind, rule label.
type Identity = (String, Option<String>, Option<String>, Option<String>);

fn identity(session: &Session, finding: &Finding<'_>) -> Identity {
    let track = finding.track.and_then(|t| session.tracks.get(t));
    (
        finding.code.as_str().to_string(),
        track.map(|t| t.name.to_string()),
        track.map(|t| t.kind.as_str().to_string()),
        finding.origin.map(|o| o.label.to_string()),
    )
}

impl Accepted {
    fn identity(&self) -> Identity {
        (
            self.code.clone(),
            self.track.clone(),
            self.kind.clone(),
            self.rule.clone(),
        )
    }
}

/// A baseline file, read or to be written.
#[derive(Debug)]
pub struct Baseline {
    path: PathBuf,
    /// The folder project keys are relative to, resolved (symbolic links followed).
    root: PathBuf,
    projects: BTreeMap<String, Vec<Accepted>>,
}

impl Baseline {
    /// An empty baseline to be written at `path` (whose folder must exist).
    pub fn empty(path: &Path) -> Result<Baseline, String> {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let root = folder.canonicalize().map_err(|e| {
            format!(
                "{}: the baseline's folder cannot be used: {e}",
                path.display()
            )
        })?;
        Ok(Baseline {
            path: path.to_path_buf(),
            root,
            projects: BTreeMap::new(),
        })
    }

    /// Reads the baseline at `path`. Errors (a message naming the file, and the line and
    /// column of a syntax mistake): unreadable, not JSON, not a baseline, another version.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let mut baseline = Baseline::empty(path)?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the baseline: {e}", path.display()))?;
        let doc: Document = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: not a premix baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if doc.version != VERSION {
            return Err(format!(
                "{}: baseline version {} is not supported (this premix reads version {VERSION})",
                path.display(),
                doc.version
            ));
        }
        for (project, list) in &doc.projects {
            if let Some(bad) = list.iter().find(|a| Code::parse(&a.code).is_none()) {
                return Err(format!(
                    "{}: project {project:?}: unknown finding code `{}`",
                    path.display(),
                    bad.code
                ));
            }
        }
        baseline.projects = doc.projects;
        Ok(baseline)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How the baseline names the project at `project`: its path relative to the baseline's
    /// folder, `/`-separated.
    pub fn key(&self, project: &Path) -> String {
        let resolved = project
            .canonicalize()
            .unwrap_or_else(|_| std::path::absolute(project).unwrap_or(project.to_path_buf()));
        let shown = match resolved.strip_prefix(&self.root) {
            Ok(relative) => relative,
            Err(_) => resolved.as_path(),
        };
        let parts: Vec<String> = shown
            .components()
            .filter_map(|c| match c {
                Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
                Component::RootDir => Some(String::new()),
                _ => None,
            })
            .collect();
        parts.join("/")
    }

    /// For each finding of the project `key`, whether the baseline accepts it.
    pub fn accepts(&self, key: &str, session: &Session, findings: &[Finding<'_>]) -> Vec<bool> {
        let Some(list) = self.projects.get(key) else {
            return vec![false; findings.len()];
        };
        let mut left: HashMap<Identity, usize> =
            list.iter().map(|a| (a.identity(), a.count)).collect();
        findings
            .iter()
            .map(|f| match left.get_mut(&identity(session, f)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            })
            .collect()
    }

    /// Makes `findings` the accepted findings of the project `key` (replacing what the
    /// baseline held for it; a project without findings leaves the baseline).
    pub fn record(&mut self, key: String, session: &Session, findings: &[Finding<'_>]) {
        let mut counts: BTreeMap<Identity, usize> = BTreeMap::new();
        for f in findings {
            *counts.entry(identity(session, f)).or_default() += 1;
        }
        let list: Vec<Accepted> = counts
            .into_iter()
            .map(|((code, track, kind, rule), count)| Accepted {
                code,
                track,
                kind,
                rule,
                count,
            })
            .collect();
        if list.is_empty() {
            self.projects.remove(&key);
        } else {
            self.projects.insert(key, list);
        }
    }

    /// How many findings the baseline accepts, over every project.
    pub fn total(&self) -> usize {
        self.projects.values().flatten().map(|a| a.count).sum()
    }

    /// Writes the baseline (atomically; a new file gets a new file's permissions).
    pub fn save(&self) -> std::io::Result<()> {
        // One accepted finding per line, so that a baseline's history reads line by line.
        let mut text = format!("{{\n  \"version\": {VERSION},\n  \"projects\": {{");
        for (i, (project, list)) in self.projects.iter().enumerate() {
            let key = serde_json::to_string(project).map_err(std::io::Error::other)?;
            text.push_str(if i == 0 { "\n" } else { ",\n" });
            text.push_str(&format!("    {key}: ["));
            for (j, accepted) in list.iter().enumerate() {
                let entry = serde_json::to_string(accepted).map_err(std::io::Error::other)?;
                text.push_str(if j == 0 { "\n      " } else { ",\n      " });
                text.push_str(&entry);
            }
            text.push_str("\n    ]");
        }
        text.push_str(if self.projects.is_empty() {
            "}\n}\n"
        } else {
            "\n  }\n}\n"
        });
        let meta = std::fs::metadata(&self.path).ok();
        crate::write::atomic_write(&self.path, text.as_bytes(), meta.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Origin;
    use crate::session::{Format, Track, TrackKind};

    fn session(names: &[&str]) -> Session {
        Session {
            format: Format::Rpp,
            media: Default::default(),
            tracks: names
                .iter()
                .enumerate()
                .map(|(index, name)| Track::new(index, *name, TrackKind::Audio))
                .collect(),
            name_display: Default::default(),
        }
    }

    fn unused(track: usize, origin: &Origin) -> Finding<'_> {
        Finding {
            code: Code::Unused,
            track: Some(track),
            message: "unused (no_media)".into(),
            origin: Some(origin),
            tracks: vec![track],
            notes: 0,
        }
    }

    #[test]
    fn findings_are_known_by_name_and_kind_not_index_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let origin = Origin {
            file: "r.yaml".into(),
            line: 1,
            label: "unused".into(),
        };
        let before = session(&["Audio", "Kick", "Audio"]);
        let mut baseline = Baseline::empty(&path).unwrap();
        let project = dir.path().join("songs/a.rpp");
        std::fs::create_dir_all(project.parent().unwrap()).unwrap();
        std::fs::write(&project, "").unwrap();
        let key = baseline.key(&project);
        assert_eq!(key, "songs/a.rpp");
        baseline.record(
            key.clone(),
            &before,
            &[unused(0, &origin), unused(2, &origin)],
        );
        baseline.save().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "{\n  \"version\": 1,\n  \"projects\": {\n    \"songs/a.rpp\": [\n      {\"code\":\"unused\",\"track\":\"Audio\",\"kind\":\"audio\",\"rule\":\"unused\",\"count\":2}\n    ]\n  }\n}\n"
        );

        // Renumbered (a bus inserted first), the same two tracks stay accepted; a third
        // `Audio` and a renamed one are new.
        let loaded = Baseline::load(&path).unwrap();
        let after = session(&["DRUMS", "Audio", "Kick", "Audio", "Audio", "Audio 2"]);
        let found = [
            unused(1, &origin),
            unused(3, &origin),
            unused(4, &origin),
            unused(5, &origin),
        ];
        assert_eq!(
            loaded.accepts(&key, &after, &found),
            [true, true, false, false]
        );
        assert_eq!(loaded.accepts("songs/b.rpp", &after, &found[..1]), [false]);
    }

    #[test]
    fn a_file_that_is_not_a_baseline_is_refused_naming_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "{\"version\": 1,\n \"projects\": [}").unwrap();
        let e = Baseline::load(&path).unwrap_err();
        assert!(e.contains(&format!("{}:2:", path.display())), "{e}");
        std::fs::write(&path, "{\"version\": 9, \"projects\": {}}").unwrap();
        assert!(Baseline::load(&path).unwrap_err().contains("version 9"));
        std::fs::write(
            &path,
            "{\"version\": 1, \"projects\": {\"a.rpp\": [{\"code\": \"loud\", \"count\": 1}]}}",
        )
        .unwrap();
        assert!(Baseline::load(&path).unwrap_err().contains("`loud`"));
    }
}
