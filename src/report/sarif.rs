//! `--format sarif`: the run as one SARIF 2.1.0 log (OASIS "Static Analysis Results
//! Interchange Format", the format code-scanning services read), for a studio's project
//! repository to show premix's results in pull requests.
//!
//! One run, tool `premix`, with four rules: `change` (a change the rules want; level as the
//! command gives it, `error` when it fails a `check`), `unsettled` (error), `unused`
//! (warning) and `declined` (note), the findings of [`crate::findings`]. Each result is
//! located in the project file (a `region` of its first line: a track has no line premix
//! knows, and code scanning places results by line), names its track as a logical location
//! (`kind: "track"`), points at the rule that asked (`relatedLocations`: the rules file and
//! line) and carries a `partialFingerprints` entry made of the same identity a baseline keys
//! on (code, track name and kind, rule label), so a result keeps its identity across runs. A finding a
//! baseline accepts is kept with an external suppression. Projects that could not be read
//! are tool execution notifications, and make `executionSuccessful` false.

use super::{describe, track_label};
use crate::findings::{Code, Finding, Severity};
use crate::plan::{Origin, Plan};
use crate::session::Session;
use serde_json::{Value, json};
use std::path::Path;

/// The SARIF level of a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }

    pub fn of(severity: Severity) -> Level {
        match severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
            Severity::Info => Level::Note,
        }
    }
}

/// The rule id of a pending change.
const CHANGE: &str = "change";

/// A SARIF log being gathered, one project at a time.
pub struct Log {
    change_level: Level,
    results: Vec<Value>,
    notifications: Vec<Value>,
    failed: bool,
}

/// A path as a URI reference: relative paths percent-encoded segment by segment, absolute
/// ones as `file://` URIs.
pub fn uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::new();
    if text.starts_with('/') {
        out.push_str("file://");
    }
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn file_location(path: &Path) -> Value {
    json!({
        "artifactLocation": {"uri": uri(path)},
        "region": {"startLine": 1}
    })
}

fn rule_location(origin: &Origin) -> Value {
    let text = format!("{} ({}:{})", origin.label, origin.file, origin.line);
    // The embedded default rules (`<default rules>`) are no file a reader can open.
    if origin.file.starts_with('<') || origin.line == 0 {
        return json!({"id": 0, "message": {"text": text}});
    }
    json!({
        "id": 0,
        "physicalLocation": {
            "artifactLocation": {"uri": uri(Path::new(&*origin.file))},
            "region": {"startLine": origin.line}
        },
        "message": {"text": text}
    })
}

impl Log {
    /// An empty log whose changes get `change_level`.
    pub fn new(change_level: Level) -> Log {
        Log {
            change_level,
            results: Vec::new(),
            notifications: Vec::new(),
            failed: false,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn result(
        &mut self,
        rule: &str,
        level: Level,
        path: &Path,
        tracks: Option<(&[usize], &Session)>,
        message: String,
        origin: Option<&Origin>,
        fingerprint: String,
        accepted: bool,
    ) {
        let mut location = json!({"physicalLocation": file_location(path)});
        if let Some((tracks, session)) = tracks {
            // One logical location per track: a note said once for several names them all.
            let logical: Vec<serde_json::Value> = tracks
                .iter()
                .filter_map(|&t| {
                    session.tracks.get(t).map(|tr| {
                        json!({
                            "name": tr.name,
                            "fullyQualifiedName": track_label(session, t),
                            "kind": "track"
                        })
                    })
                })
                .collect();
            if !logical.is_empty() {
                location["logicalLocations"] = json!(logical);
            }
        }
        let rule_index = std::iter::once(CHANGE)
            .chain(Code::ALL.iter().map(|c| c.as_str()))
            .position(|r| r == rule)
            .unwrap_or(0);
        let mut result = json!({
            "ruleId": rule,
            "ruleIndex": rule_index,
            "level": level.as_str(),
            "message": {"text": message},
            "locations": [location],
            "partialFingerprints": {"premixIdentity/v1": fingerprint},
        });
        if let Some(o) = origin {
            result["relatedLocations"] = json!([rule_location(o)]);
        }
        if accepted {
            result["suppressions"] = json!([{
                "kind": "external",
                "justification": "accepted by the premix baseline"
            }]);
        }
        self.results.push(result);
    }

    /// The results of one planned project (`accepted[i]` for `findings[i]`).
    pub fn project(
        &mut self,
        path: &Path,
        session: &Session,
        plan: &Plan,
        findings: &[Finding<'_>],
        accepted: &[bool],
    ) {
        for bus in &plan.new_buses {
            self.result(
                CHANGE,
                self.change_level,
                path,
                None,
                format!("new bus {:?}", bus.name),
                Some(&bus.origin),
                format!("new_bus:{}", bus.name),
                false,
            );
        }
        for c in plan.changes.iter().filter(|c| c.edits_file()) {
            let name = session.tracks.get(c.track).map_or("", |t| t.name.as_str());
            let action = describe(session, plan, c);
            self.result(
                CHANGE,
                self.change_level,
                path,
                Some((std::slice::from_ref(&c.track), session)),
                format!("{}: {action}", track_label(session, c.track)),
                Some(&c.origin),
                format!("change:{name}:{action}"),
                false,
            );
        }
        for (i, f) in findings.iter().enumerate() {
            let track = f.track.and_then(|t| session.tracks.get(t));
            let label = super::finding_tracks(session, f);
            self.result(
                f.code.as_str(),
                Level::of(f.severity()),
                path,
                Some((&f.tracks, session)),
                format!("{label}{}", f.message),
                f.origin,
                format!(
                    "{}:{}:{}:{}",
                    f.code,
                    track.map_or("", |t| t.kind.as_str()),
                    track.map_or("", |t| t.name.as_str()),
                    f.origin.map_or("", |o| &*o.label)
                ),
                accepted.get(i).copied().unwrap_or(false),
            );
        }
    }

    /// A project that could not be processed.
    pub fn error(&mut self, path: &Path, message: &str) {
        self.failed = true;
        self.notifications.push(json!({
            "level": "error",
            "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(path)}}}]
        }));
    }

    /// A path that led to no project.
    pub fn warning(&mut self, path: &Path, message: &str) {
        self.notifications.push(json!({
            "level": "warning",
            "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(path)}}}]
        }));
    }

    /// The whole log, as pretty JSON.
    pub fn render(self) -> String {
        let descriptor = |id: &str, text: &str, level: Level| {
            json!({
                "id": id,
                "shortDescription": {"text": text},
                "defaultConfiguration": {"level": level.as_str()}
            })
        };
        let mut rules = vec![descriptor(
            CHANGE,
            "A change the rules want: a rename, colour, bus, mute or removal that \
             `premix apply` makes.",
            self.change_level,
        )];
        rules.extend(
            Code::ALL
                .iter()
                .map(|c| descriptor(c.as_str(), c.description(), Level::of(c.severity()))),
        );
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "premix",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules
                }},
                "invocations": [{
                    "executionSuccessful": !self.failed,
                    "toolExecutionNotifications": self.notifications
                }],
                "results": self.results
            }]
        });
        serde_json::to_string_pretty(&log).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri(Path::new("songs/a b#1.rpp")), "songs/a%20b%231.rpp");
        assert_eq!(uri(Path::new("/x/é.als")), "file:///x/%C3%A9.als");
    }
}
