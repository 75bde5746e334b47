//! Which rules apply to a project, found the way an editor finds its config.
//!
//! `--rules FILE` applies to every project. Otherwise the nearest `.premix.yaml` (or
//! `premix.yaml`; the dotted name wins in the same folder) from the project's folder upwards
//! applies, else the embedded default. Rules files may `extends:` another file, relative to
//! themselves; cycles are refused. Each rules file is read once per run, however many
//! projects it serves.

use crate::rules::{self, Position, RuleSet, RulesError, RulesErrors, UnusedAction};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The rules file names looked for, in order of preference within one folder.
pub const CONFIG_NAMES: [&str; 2] = [".premix.yaml", "premix.yaml"];

/// Reads a rules file from disk, resolving its `extends:` chain. Errors: every mistake found
/// in the file (or in the first file of the chain that has any), see [`rules::load_layered`].
///
/// Every file of the chain is read as [`read_rules_text`] says; a file `extends:` names must
/// be a YAML file (`.yaml` or `.yml`, after following symbolic links), and one that does not
/// parse as a rules file is named in the error, its content never shown.
pub fn load_file(path: &Path) -> Result<RuleSet, RulesErrors> {
    load_chain(path, &mut Vec::new(), None)
}

/// What `--rules NAME` names: a rules file, else (when no such file exists) one of the
/// embedded conventions by its name ([`rules::EMBEDDED`]: `default`, `dry-mix`).
pub fn load_named(path: &Path) -> Result<RuleSet, RulesErrors> {
    if !path.exists()
        && let Some(embedded) = path.to_str().and_then(rules::embedded)
    {
        return Ok(embedded);
    }
    load_file(path)
}

/// Reads a rules file's text: a regular file only (a named pipe or a device is refused
/// without waiting on it), refused before it is read when larger than a rules file can be
/// (1 MiB), and read no further than that if it grows meanwhile.
///
/// Errors: a message saying why (the file's content is never part of it).
pub fn read_rules_text(path: &Path) -> Result<String, String> {
    let too_large = |len: u64| format!("{len} bytes is too large for a rules file (at most 1 MiB)");
    let (file, meta) = crate::write::open_regular(path).map_err(|e| e.to_string())?;
    let most = rules::MAX_RULES_BYTES as u64;
    if meta.len() > most {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::io::Read::read_to_end(&mut std::io::Read::take(file, most + 1), &mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > most {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (byte {}): not a rules file",
            e.utf8_error().valid_up_to()
        )
    })
}

/// True when `text` reads as a premix rules file at all: one with a top-level `version:`
/// line. The mistakes of one that does not are not reported, so that nothing of a file that
/// is not a rules file (`extends: /etc/passwd`) is ever printed.
fn looks_like_rules(text: &str) -> bool {
    text.lines().any(|line| {
        line.strip_prefix("version")
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

/// The message for a file that is not a rules file.
const NOT_RULES: &str =
    "not a premix rules file (no top-level `version:`; its content is not shown)";

/// True when `path`, its symbolic links followed, names a YAML file.
fn is_yaml(path: &Path) -> bool {
    let resolved = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    resolved
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

fn load_chain(
    path: &Path,
    chain: &mut Vec<PathBuf>,
    extended_at: Option<(&str, Option<Position>)>,
) -> Result<RuleSet, RulesErrors> {
    let shown = path.display().to_string();
    if let Some((file, at)) = extended_at
        && !is_yaml(path)
    {
        return Err(RulesError {
            file: file.into(),
            position: at,
            message: format!(
                "`extends` names {shown}, which is not a YAML rules file (.yaml or .yml)"
            ),
        }
        .into());
    }
    let text = read_rules_text(path).map_err(|e| match extended_at {
        // A missing base is the extending file's mistake: point at its `extends:`.
        Some((file, at)) => RulesError {
            file: file.into(),
            position: at,
            message: format!("cannot read the extended rules file {shown}: {e}"),
        },
        None => RulesError {
            file: shown.as_str().into(),
            position: None,
            message: format!("cannot read rules file: {e}"),
        },
    })?;
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if let Some((file, at)) = extended_at
        && chain.contains(&canonical)
    {
        let cycle: Vec<String> = chain
            .iter()
            .chain(std::iter::once(&canonical))
            .map(|p| p.display().to_string())
            .collect();
        return Err(RulesError {
            file: file.into(),
            position: at,
            message: format!("`extends` goes round in a circle: {}", cycle.join(" → ")),
        }
        .into());
    }
    chain.push(canonical);
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let result = rules::load_layered(&text, &shown, &mut |name, at| {
        load_chain(&dir.join(name), chain, Some((&shown, at)))
    });
    chain.pop();
    result.map_err(|errors| {
        // Only this file's own mistakes: a base's were judged when it was read.
        if looks_like_rules(&text) || !errors.iter().any(|e| *e.file == *shown) {
            return errors;
        }
        let mut kept: Vec<RulesError> =
            errors.0.into_iter().filter(|e| *e.file != *shown).collect();
        kept.insert(
            0,
            RulesError {
                file: shown.as_str().into(),
                // Where a rules file would begin: nothing of the file's own text.
                position: Some(Position { line: 1, column: 1 }),
                message: NOT_RULES.into(),
            },
        );
        RulesErrors(kept)
    })
}

/// Finds and caches the rules of every project of a run. Safe to share between threads.
pub struct RulesFinder {
    explicit: Option<Arc<RuleSet>>,
    /// The embedded convention, compiled when a project first needs it: compiling its
    /// regexes takes about 50 ms, which a run with `--rules` (or one where every project
    /// has its own rules file) never needs to spend.
    default: std::sync::OnceLock<Arc<RuleSet>>,
    nearest: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    loaded: Mutex<HashMap<PathBuf, Result<Arc<RuleSet>, RulesErrors>>>,
}

impl RulesFinder {
    /// With `explicit`, that file applies everywhere (an error in it stops the run).
    pub fn new(explicit: Option<&Path>) -> Result<RulesFinder, RulesErrors> {
        let explicit = explicit.map(load_named).transpose()?.map(Arc::new);
        Ok(RulesFinder {
            explicit,
            default: std::sync::OnceLock::new(),
            nearest: Mutex::new(HashMap::new()),
            loaded: Mutex::new(HashMap::new()),
        })
    }

    /// The rules that apply to the project at `path`.
    pub fn for_project(&self, path: &Path) -> Result<Arc<RuleSet>, RulesErrors> {
        if let Some(rules) = &self.explicit {
            return Ok(rules.clone());
        }
        let dir = std::path::absolute(path)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let Some(file) = self.nearest_config(&dir) else {
            return Ok(self
                .default
                .get_or_init(|| Arc::new(RuleSet::default_rules()))
                .clone());
        };
        if let Some(known) = lock(&self.loaded).get(&file) {
            return known.clone();
        }
        // Loaded outside the lock: other threads keep going meanwhile (a rare double load is
        // harmless, the results are equal).
        let result = if is_yaml(&file) {
            load_file(&file).map(Arc::new)
        } else {
            Err(RulesError {
                file: file.display().to_string().into(),
                position: None,
                message: "a link to a file that is not a YAML rules file (.yaml or .yml)".into(),
            }
            .into())
        };
        lock(&self.loaded).insert(file, result.clone());
        result
    }

    /// The rules files found beside or above projects so far (never `--rules`) whose
    /// `unused` policy removes or mutes tracks, each with what it does (`remove unused
    /// tracks (unused.action at FILE:LINE)`), sorted by file.
    pub fn found_removing_or_muting(&self) -> Vec<(PathBuf, String)> {
        let mut found: Vec<(PathBuf, String)> = lock(&self.loaded)
            .iter()
            .filter_map(|(file, rules)| {
                let policy = rules.as_ref().ok()?.unused.as_ref()?;
                let verb = match policy.action {
                    UnusedAction::Remove => "remove",
                    UnusedAction::Mute => "mute",
                    _ => return None,
                };
                let what = format!(
                    "{verb} unused tracks (unused.action at {}:{})",
                    policy.file, policy.line
                );
                Some((file.clone(), what))
            })
            .collect();
        found.sort();
        found
    }

    fn nearest_config(&self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = lock(&self.nearest).get(dir) {
            return known.clone();
        }
        let found = CONFIG_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|candidate| candidate.is_file())
            .or_else(|| dir.parent().and_then(|parent| self.nearest_config(parent)));
        lock(&self.nearest).insert(dir.to_path_buf(), found.clone());
        found
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere cannot leave these caches inconsistent: every insert is one call.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn nearest_config_wins_and_default_applies_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let studio = dir.path().join("studio");
        let client = studio.join("client/song");
        fs::create_dir_all(&client).unwrap();
        fs::write(studio.join("premix.yaml"), "version: 1\n").unwrap();
        fs::write(
            studio.join("client/.premix.yaml"),
            "version: 1\nrules: []\n",
        )
        .unwrap();
        let finder = RulesFinder::new(None).unwrap();
        let r = finder.for_project(&client.join("a.rpp")).unwrap();
        assert!(r.source.ends_with("client/.premix.yaml"), "{}", r.source);
        let r = finder.for_project(&studio.join("b.rpp")).unwrap();
        assert!(r.source.ends_with("studio/premix.yaml"), "{}", r.source);
    }

    #[test]
    fn extends_layers_and_keeps_each_rules_provenance() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("base.yaml"),
            "version: 1\ncolors: {drums: '#ff0000'}\nbuses: [{name: DRUMS, color: drums}]\nrules:\n  - name: base kick\n    match: {name: kick}\n    bus: DRUMS\n",
        )
        .unwrap();
        let client = dir.path().join("client.yaml");
        fs::write(
            &client,
            "version: 1\nextends: base.yaml\ncolors: {drums: '#00ff00'}\nbuses: [{name: DRUMS, color: drums}]\nrules:\n  - name: client snare\n    match: {name: snare}\n    bus: DRUMS\n",
        )
        .unwrap();
        let rules = load_file(&client).unwrap();
        let labels: Vec<_> = rules
            .rules
            .iter()
            .map(|r| (r.label.as_str(), r.file.ends_with("base.yaml")))
            .collect();
        assert_eq!(labels, [("client snare", false), ("base kick", true)]);
        assert_eq!(rules.buses.len(), 1);
        assert_eq!(
            rules.buses[0].color,
            Some(crate::session::Rgb::new(0, 0xff, 0))
        );
    }

    #[test]
    fn extends_cycles_and_missing_bases_name_the_extending_line() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.yaml"), "version: 1\nextends: b.yaml\n").unwrap();
        fs::write(dir.path().join("b.yaml"), "version: 1\nextends: a.yaml\n").unwrap();
        let e = load_file(&dir.path().join("a.yaml"))
            .unwrap_err()
            .first()
            .clone();
        assert!(e.message.contains("circle"), "{e}");
        assert_eq!(e.position.map(|p| p.line), Some(2));
        fs::write(
            dir.path().join("c.yaml"),
            "version: 1\nextends: nowhere.yaml\n",
        )
        .unwrap();
        let e = load_file(&dir.path().join("c.yaml"))
            .unwrap_err()
            .first()
            .clone();
        assert!(e.file.ends_with("c.yaml") && e.position.is_some(), "{e}");
    }

    #[test]
    fn extends_dry_mix_layers_on_dry_mix_and_the_default() {
        let rules = crate::rules::load(
            "version: 1\nextends: dry-mix\nrules:\n  - match: {name: zzz}\n    color: '#000000'\n",
            "mine.yaml",
        )
        .unwrap();
        assert_eq!(&*rules.rules[0].file, "mine.yaml");
        // dry-mix's own sections, and the default convention's buses under it.
        assert!(rules.gain_staging.as_ref().is_some_and(|g| g.keep_balance));
        assert!(rules.reference.is_some());
        assert!(rules.buses.iter().any(|b| b.name == "DRUMS"));
    }

    #[test]
    fn extends_default_layers_on_the_embedded_convention() {
        let rules = crate::rules::load(
            "version: 1\nextends: default\nrules:\n  - match: {name: zzz}\n    color: '#000000'\n",
            "mine.yaml",
        )
        .unwrap();
        assert!(rules.rules.len() > 1);
        assert_eq!(&*rules.rules[0].file, "mine.yaml");
        assert!(rules.buses.iter().any(|b| b.name == "DRUMS"));
    }

    #[test]
    fn extends_reaches_only_yaml_rules_files_and_never_prints_another_file() {
        let dir = tempfile::tempdir().unwrap();
        let extending = |target: &str| {
            let file = dir.path().join("client.yaml");
            fs::write(&file, format!("version: 1\nextends: {target}\n")).unwrap();
            load_file(&file).unwrap_err().first().clone()
        };
        // Devices and system files are not YAML rules files: refused before being opened.
        for target in ["/dev/zero", "/etc/passwd"] {
            let e = extending(target);
            assert!(e.message.contains("not a YAML rules file"), "{e}");
            assert_eq!(e.position.map(|p| p.line), Some(2), "{e}");
        }
        // Nor through a link named like one.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/passwd", dir.path().join("base.yaml")).unwrap();
            let e = extending("base.yaml");
            assert!(e.message.contains("not a YAML rules file"), "{e}");
        }
        // A YAML file that is not a rules file is named, its content never shown.
        let secret = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n";
        fs::write(dir.path().join("secret.yaml"), secret).unwrap();
        let e = extending("secret.yaml");
        assert!(e.file.ends_with("secret.yaml"), "{e}");
        assert!(e.message.contains("not a premix rules file"), "{e}");
        assert!(!e.to_string().contains("root"), "{e}");
        fs::write(dir.path().join("list.yaml"), "- password: hunter2\n").unwrap();
        let e = extending("list.yaml");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        // A rules file with a mistake still says what the mistake is.
        fs::write(dir.path().join("typo.yaml"), "version: 1\nrulez: []\n").unwrap();
        let e = extending("typo.yaml");
        assert!(e.message.contains("`rulez`"), "{e}");
    }

    #[test]
    fn rules_files_are_bounded_and_regular_before_they_are_read() {
        let dir = tempfile::tempdir().unwrap();
        // A sparse 8 GiB file: reading it would take long and take memory; refused at once.
        let huge = dir.path().join("huge.yaml");
        fs::File::create(&huge).unwrap().set_len(8 << 30).unwrap();
        let e = load_file(&huge).unwrap_err().first().clone();
        assert!(e.message.contains("too large"), "{e}");
        #[cfg(unix)]
        {
            let fifo = dir.path().join("pipe.yaml");
            let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
            let e = load_file(&fifo).unwrap_err().first().clone();
            assert!(e.message.contains("not a regular file"), "{e}");
            fs::write(
                dir.path().join("a.yaml"),
                "version: 1\nextends: pipe.yaml\n",
            )
            .unwrap();
            let e = load_file(&dir.path().join("a.yaml"))
                .unwrap_err()
                .first()
                .clone();
            assert!(e.message.contains("not a regular file"), "{e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_found_rules_file_that_links_elsewhere_than_a_yaml_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join(".premix.yaml")).unwrap();
        let finder = RulesFinder::new(None).unwrap();
        let e = finder
            .for_project(&dir.path().join("a.rpp"))
            .unwrap_err()
            .first()
            .clone();
        assert!(e.message.contains("not a YAML rules file"), "{e}");
        assert!(!e.to_string().contains("root"), "{e}");
    }

    #[test]
    fn found_rules_that_remove_or_mute_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let song = dir.path().join("client/song");
        fs::create_dir_all(&song).unwrap();
        fs::write(
            dir.path().join(".premix.yaml"),
            "version: 1\nunused:\n  when: [no_media]\n  action: remove\n",
        )
        .unwrap();
        let finder = RulesFinder::new(None).unwrap();
        assert!(finder.found_removing_or_muting().is_empty());
        finder.for_project(&song.join("a.rpp")).unwrap();
        let found = finder.found_removing_or_muting();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.starts_with("remove unused tracks"), "{found:?}");
        assert!(found[0].1.contains(".premix.yaml:"), "{found:?}");
    }
}
