//! `--format github`: GitHub Actions workflow commands, one line per change and finding
//! (`::warning file=songs/a.rpp,title=premix unused::track 22 "Audio 23": unused (no_media)`),
//! which a workflow run shows as annotations on the project file in a pull request.
//!
//! The syntax (`::LEVEL file=F,title=T::MESSAGE`, with `%`, CR and LF escaped in the message
//! and `:` and `,` too in properties) is GitHub's "Workflow commands for GitHub Actions".
//! Levels: a change gets the level the command gives it (`error` when it fails a `check`);
//! findings go by severity: error → `error`, warning → `warning`, info → `notice`. Findings a
//! baseline accepts are left out. No `line=`: a finding is about a track, which premix does
//! not place on a line of the project file.

use super::{describe, track_label};
use crate::findings::{Finding, Severity};
use crate::plan::{Origin, Plan};
use crate::session::Session;
use std::fmt::Write;
use std::path::Path;

/// A workflow command's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }

    pub fn of(severity: Severity) -> Level {
        match severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
            Severity::Info => Level::Notice,
        }
    }
}

/// Escapes a command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(out: &mut String, level: Level, file: &Path, title: &str, message: &str) {
    let _ = writeln!(
        out,
        "::{} file={},title={}::{}",
        level.as_str(),
        property(&file.display().to_string()),
        property(title),
        data(message)
    );
}

fn from(origin: Option<&Origin>) -> String {
    origin.map_or_else(String::new, |o| {
        format!(" [{}:{} {}]", o.file, o.line, o.label)
    })
}

/// The commands for one planned project: its new buses and changes at `change_level`, then
/// its findings the baseline does not accept (`accepted[i]` for `findings[i]`).
pub fn project(
    path: &Path,
    session: &Session,
    plan: &Plan,
    findings: &[Finding<'_>],
    accepted: &[bool],
    change_level: Level,
) -> String {
    let mut out = String::new();
    for bus in &plan.new_buses {
        let message = format!("new bus {:?}{}", bus.name, from(Some(&bus.origin)));
        command(&mut out, change_level, path, "premix change", &message);
    }
    for c in plan.changes.iter().filter(|c| c.edits_file()) {
        let message = format!(
            "{}: {}{}",
            track_label(session, c.track),
            describe(session, plan, c),
            from(Some(&c.origin))
        );
        command(&mut out, change_level, path, "premix change", &message);
    }
    for (f, _) in findings
        .iter()
        .zip(accepted.iter().chain(std::iter::repeat(&false)))
        .filter(|(_, accepted)| !**accepted)
    {
        let track = super::finding_tracks(session, f);
        let message = format!("{track}{}{}", f.message, from(f.origin));
        let title = format!("premix {}", f.code);
        command(&mut out, Level::of(f.severity()), path, &title, &message);
    }
    out
}

/// A project that could not be processed.
pub fn error(path: &Path, message: &str) -> String {
    let mut out = String::new();
    command(&mut out, Level::Error, path, "premix error", message);
    out
}

/// A path that led to no project.
pub fn warning(path: &Path, message: &str) -> String {
    let mut out = String::new();
    command(&mut out, Level::Warning, path, "premix", message);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_properties_are_escaped() {
        let out = error(Path::new("a,b:c.rpp"), "50% done\nthen: stop");
        assert_eq!(
            out,
            "::error file=a%2Cb%3Ac.rpp,title=premix error::50%25 done%0Athen: stop\n"
        );
    }
}
