//! Which rules apply to a project, found the way an editor finds its config.
//!
//! `--rules FILE` applies to every project. Otherwise the nearest `.premix.yaml` (or
//! `premix.yaml`; the dotted name wins in the same folder) from the project's folder upwards
//! applies, else the embedded default. Rules files may `extends:` another file, relative to
//! themselves; cycles are refused. Each rules file is read once per run, however many
//! projects it serves.

use crate::rules::{self, Position, RuleSet, RulesError, RulesErrors};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The rules file names looked for, in order of preference within one folder.
pub const CONFIG_NAMES: [&str; 2] = [".premix.yaml", "premix.yaml"];

/// Reads a rules file from disk, resolving its `extends:` chain. Errors: every mistake found
/// in the file (or in the first file of the chain that has any), see [`rules::load_layered`].
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

fn load_chain(
    path: &Path,
    chain: &mut Vec<PathBuf>,
    extended_at: Option<(&str, Option<Position>)>,
) -> Result<RuleSet, RulesErrors> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| match extended_at {
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
    result
}

/// Finds and caches the rules of every project of a run. Safe to share between threads.
pub struct RulesFinder {
    explicit: Option<Arc<RuleSet>>,
    default: Arc<RuleSet>,
    nearest: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    loaded: Mutex<HashMap<PathBuf, Result<Arc<RuleSet>, RulesErrors>>>,
}

impl RulesFinder {
    /// With `explicit`, that file applies everywhere (an error in it stops the run).
    pub fn new(explicit: Option<&Path>) -> Result<RulesFinder, RulesErrors> {
        let explicit = explicit.map(load_named).transpose()?.map(Arc::new);
        Ok(RulesFinder {
            explicit,
            default: Arc::new(RuleSet::default_rules()),
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
            return Ok(self.default.clone());
        };
        if let Some(known) = lock(&self.loaded).get(&file) {
            return known.clone();
        }
        // Loaded outside the lock: other threads keep going meanwhile (a rare double load is
        // harmless, the results are equal).
        let result = load_file(&file).map(Arc::new);
        lock(&self.loaded).insert(file, result.clone());
        result
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
}
