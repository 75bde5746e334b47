//! How `check` and `apply` print a run, in each output format: text (streamed per project,
//! `--quiet` and `--verbose`), JSON (one document, streamed project by project), SARIF (one
//! document at the end), GitHub workflow commands (streamed). The commands say what happened;
//! this module only shows it and keeps the run's [`Summary`]. Nothing of a project is kept
//! once it is shown, so a run's memory does not grow with its number of projects. Names and
//! paths in text are escaped for the terminal ([`crate::report::escape`]).

use crate::findings::{FailOn, Finding};
use crate::plan::Plan;
use crate::report::escape;
use crate::report::human::{self, count};
use crate::report::json::{MediaEntry, ProjectEntry, RUN_DOCUMENT_VERSION, Summary, WarningEntry};
use crate::report::style::Style;
use crate::report::{github, sarif};
use crate::rules::RuleSet;
use crate::session::Session;
use std::path::Path;

/// What a run prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Lines for people and `grep`.
    Text,
    /// One versioned JSON document for the whole run.
    Json,
    /// GitHub Actions workflow commands: annotations on the project files.
    Github,
    /// One SARIF 2.1.0 log, for code scanning.
    Sarif,
}

/// How much text a run prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verbosity {
    /// One line per project that needs attention.
    Quiet,
    Normal,
    /// Also the findings the baseline accepts.
    Verbose,
}

/// What a project led to, as the command that ran it tells it.
pub struct Outcome<'a, 'r> {
    pub path: &'a Path,
    pub rules: &'a RuleSet,
    pub session: &'a Session,
    pub plan: &'a Plan,
    pub findings: &'r [Finding<'a>],
    /// Whether the baseline accepts each finding.
    pub accepted: &'r [bool],
    /// `wanted` (nothing written) or `made`.
    pub verb: &'static str,
    /// The project needs the user's attention: it is shown with `--quiet`.
    pub attention: bool,
    /// Text shown after the changes (a diff), in normal and verbose text output.
    pub after_changes: String,
    /// Where the project was written (`apply`), and its backup.
    pub output: Option<&'a Path>,
    pub backup: Option<&'a Path>,
}

/// A run's output, gathered and printed as it goes.
pub struct Printer {
    format: OutputFormat,
    verbosity: Verbosity,
    style: Style,
    fail_on: FailOn,
    change_level: (github::Level, sarif::Level),
    json: JsonRun,
    warnings: Vec<WarningEntry>,
    sarif: Option<sarif::Log>,
    pub summary: Summary,
}

impl Printer {
    /// `changes_fail`: pending changes fail this run (shown as errors in CI formats).
    pub fn new(
        command: &'static str,
        format: OutputFormat,
        verbosity: Verbosity,
        style: Style,
        fail_on: FailOn,
        changes_fail: bool,
    ) -> Printer {
        let change_level = if changes_fail {
            (github::Level::Error, sarif::Level::Error)
        } else {
            (github::Level::Notice, sarif::Level::Note)
        };
        Printer {
            format,
            verbosity,
            style,
            fail_on,
            change_level,
            json: JsonRun::new(command),
            warnings: Vec::new(),
            sarif: (format == OutputFormat::Sarif).then(|| sarif::Log::new(change_level.1)),
            summary: Summary::default(),
        }
    }

    /// A path that led to no project at all (a folder with none in it): a warning.
    pub fn no_project(&mut self, path: &Path) {
        let message = format!(
            "no project found here (looked for {})",
            crate::formats::SUPPORTED_EXTENSIONS
        );
        match self.format {
            OutputFormat::Text => {
                eprintln!(
                    "{} {}: {message}",
                    Style::plain().yellow("warning:"),
                    escape::path(path)
                )
            }
            OutputFormat::Github => print!("{}", github::warning(path, &message)),
            OutputFormat::Sarif => {
                if let Some(log) = &mut self.sarif {
                    log.warning(path, &message);
                }
            }
            OutputFormat::Json => {}
        }
        self.warnings.push(WarningEntry {
            path: path.display().to_string(),
            message,
        });
    }

    /// A path or project that could not be processed: counted as an error.
    pub fn failed(&mut self, path: &Path, message: &str, is_project: bool) {
        self.summary.errors += 1;
        self.summary.projects += usize::from(is_project);
        match self.format {
            OutputFormat::Text => eprint!("{}", human::error_line(path, message, Style::plain())),
            OutputFormat::Json => self.json.project(&ProjectEntry::failed(
                path.display().to_string(),
                message.to_string(),
            )),
            OutputFormat::Github => print!("{}", github::error(path, message)),
            OutputFormat::Sarif => {
                if let Some(log) = &mut self.sarif {
                    log.error(path, message);
                }
            }
        }
    }

    /// A planned project.
    pub fn planned(&mut self, o: Outcome<'_, '_>) {
        let s = &mut self.summary;
        s.projects += 1;
        s.changed += usize::from(o.plan.edits_file());
        s.flagged_tracks += o.plan.flags().count();
        s.add_findings(o.findings, o.accepted, self.fail_on);
        let shown = || o.path.display().to_string();
        match self.format {
            OutputFormat::Text => self.text(&o),
            OutputFormat::Json => {
                let mut entry = ProjectEntry::planned(
                    shown(),
                    &o.rules.source,
                    o.session,
                    o.plan,
                    o.findings,
                    o.accepted,
                );
                if o.output.is_some() && o.plan.edits_file() {
                    entry.status = "written";
                }
                entry.output = o.output.map(|p| p.display().to_string());
                entry.backup = o.backup.map(|p| p.display().to_string());
                entry.media = o.plan.media.as_ref().map(MediaEntry::of);
                self.json.project(&entry);
            }
            OutputFormat::Github => print!(
                "{}",
                github::project(
                    o.path,
                    o.session,
                    o.plan,
                    o.findings,
                    o.accepted,
                    self.change_level.0
                )
            ),
            OutputFormat::Sarif => {
                if let Some(log) = &mut self.sarif {
                    log.project(o.path, o.session, o.plan, o.findings, o.accepted);
                }
            }
        }
    }

    fn text(&self, o: &Outcome<'_, '_>) {
        let style = self.style;
        let status = status_line(o, style);
        if self.verbosity == Verbosity::Quiet {
            if o.attention {
                print!("{status}");
            }
            return;
        }
        print!("{}", human::plan_lines(o.path, o.session, o.plan, style));
        print!(
            "{}",
            human::finding_lines(
                o.path,
                o.session,
                o.findings,
                o.accepted,
                self.verbosity == Verbosity::Verbose,
                style
            )
        );
        print!("{}", o.after_changes);
        print!("{status}");
        if let Some(out) = o.output {
            let backup = o
                .backup
                .map_or_else(String::new, |b| format!(" (backup: {})", escape::path(b)));
            let verb = if o.plan.edits_file() {
                "wrote"
            } else {
                "copied unchanged"
            };
            println!(
                "{}: {verb} {}{backup}",
                escape::path(o.path),
                escape::path(out)
            );
        }
        if let Some(line) = o
            .plan
            .media
            .as_ref()
            .and_then(|m| human::media_line(o.path, m, o.output.is_some()))
        {
            print!("{line}");
        }
    }

    /// The end of the run: the JSON document or SARIF log, or the summary line (`verb`: what
    /// the changed projects were, `would change` or `changed`), then what the gate says.
    pub fn finish(self, verb: &str, baseline_written: Option<(&Path, usize)>) {
        match self.format {
            OutputFormat::Json => self.json.end(&self.warnings, &self.summary),
            OutputFormat::Sarif => {
                if let Some(log) = self.sarif {
                    println!("{}", log.render());
                }
            }
            // `--quiet` is the lines of the projects that need attention, nothing else.
            OutputFormat::Text if self.verbosity == Verbosity::Quiet => {}
            OutputFormat::Text | OutputFormat::Github => {
                print!(
                    "{}",
                    summary_line(verb, &self.summary, self.fail_on, self.style)
                );
                if let Some((path, n)) = baseline_written {
                    println!(
                        "premix: baseline written to {} ({} accepted)",
                        escape::path(path),
                        count(n, "finding", "findings")
                    );
                }
            }
        }
    }
}

/// Says so on standard error when a run found no project at all (it then exits 2).
pub fn say_if_nothing_found(projects: usize, problems: usize) {
    if projects == 0 && problems == 0 {
        eprintln!("error: no project found in the paths given");
    }
}

/// `premix: 3 projects: 1 would change, 2 tracks flagged, 0 errors`, then what the baseline
/// accepted and which findings fail the run, when there are any.
pub fn summary_line(verb: &str, summary: &Summary, fail_on: FailOn, style: Style) -> String {
    let errors = count(summary.errors, "error", "errors");
    let errors = if summary.errors > 0 {
        style.red(&errors)
    } else {
        errors
    };
    let mut line = format!(
        "{} {}: {} {verb}, {}, {errors}",
        style.bold("premix:"),
        count(summary.projects, "project", "projects"),
        summary.changed,
        count(summary.flagged_tracks, "track flagged", "tracks flagged"),
    );
    if summary.accepted > 0 {
        line.push_str(&format!(
            "; {} accepted by the baseline",
            count(summary.accepted, "finding", "findings")
        ));
    }
    if summary.failing_findings > 0 {
        line.push_str(&format!(
            "; {} at or above --fail-on {}",
            count(summary.failing_findings, "new finding", "new findings"),
            fail_on.as_str()
        ));
    }
    line.push('\n');
    line
}

/// `path: 3 changes wanted, 1 track flagged (rules .premix.yaml)`: one status line per
/// project, counting what the baseline does not accept.
fn status_line(o: &Outcome<'_, '_>, style: Style) -> String {
    use crate::findings::Code;
    let changes = o.plan.changes.iter().filter(|c| c.edits_file()).count() + o.plan.new_buses.len();
    let new = |code: Code| {
        o.findings
            .iter()
            .zip(o.accepted)
            .filter(|(f, accepted)| f.code == code && !**accepted)
            .count()
    };
    let mut parts = Vec::new();
    if changes > 0 {
        parts.push(format!(
            "{} {}",
            count(changes, "change", "changes"),
            o.verb
        ));
    }
    if new(Code::Unsettled) > 0 {
        parts.push("the rules do not settle".to_string());
    }
    let flagged = new(Code::Unused);
    if flagged > 0 {
        parts.push(count(flagged, "track flagged", "tracks flagged"));
    }
    // Changes, not findings: a reason said once for several changes counts each of them.
    let declined: usize = o
        .findings
        .iter()
        .zip(o.accepted)
        .filter(|(f, accepted)| f.code == Code::Declined && !**accepted)
        .map(|(f, _)| f.notes)
        .sum();
    if declined > 0 {
        parts.push(count(declined, "change declined", "changes declined"));
    }
    let missing = o.plan.media.as_ref().map_or(0, |m| m.counts().missing);
    if missing > 0 {
        parts.push(count(
            missing,
            "media file not found",
            "media files not found",
        ));
    }
    if parts.is_empty() {
        parts.push("ok".to_string());
    }
    let accepted = o.accepted.iter().filter(|a| **a).count();
    if accepted > 0 {
        parts.push(format!("{accepted} accepted by the baseline"));
    }
    format!(
        "{}: {} {}\n",
        escape::path(o.path),
        parts.join(", "),
        style.dim(&format!("(rules {})", escape::text(&o.rules.source)))
    )
}

/// The run's JSON document written as its projects come (`--json`), so that no project's
/// entry is held after it is written. The text is what `serde_json::to_string_pretty` makes
/// of the whole [`RunDocument`].
struct JsonRun {
    command: &'static str,
    projects: usize,
}

impl JsonRun {
    fn new(command: &'static str) -> JsonRun {
        JsonRun {
            command,
            projects: 0,
        }
    }

    fn head(&self) -> String {
        format!(
            "{{\n  \"version\": {RUN_DOCUMENT_VERSION},\n  \"command\": {},\n  \"projects\": [",
            serde_json::to_string(self.command).unwrap_or_default()
        )
    }

    /// Writes one project's entry.
    fn project(&mut self, entry: &ProjectEntry<'_>) {
        print!("{}", self.project_text(entry));
    }

    fn project_text(&mut self, entry: &ProjectEntry<'_>) -> String {
        let mut out = if self.projects == 0 {
            self.head() + "\n"
        } else {
            ",\n".to_string()
        };
        out.push_str(&nested(
            &serde_json::to_string_pretty(entry).unwrap_or_default(),
            2,
        ));
        self.projects += 1;
        out
    }

    /// Writes the warnings and the summary, and closes the document.
    fn end(&self, warnings: &[WarningEntry], summary: &Summary) {
        println!("{}", self.end_text(warnings, summary));
    }

    fn end_text(&self, warnings: &[WarningEntry], summary: &Summary) -> String {
        let projects = if self.projects == 0 {
            self.head() + "]"
        } else {
            "\n  ]".to_string()
        };
        let one_deep = |text: String| nested(&text, 1).trim_start().to_string();
        format!(
            "{projects},\n  \"warnings\": {},\n  \"summary\": {}\n}}",
            one_deep(serde_json::to_string_pretty(warnings).unwrap_or_default()),
            one_deep(serde_json::to_string_pretty(summary).unwrap_or_default())
        )
    }
}

/// `text` (pretty JSON) indented to sit `depth` levels deep in a pretty document.
fn nested(text: &str, depth: usize) -> String {
    let indent = "  ".repeat(depth);
    let mut out = String::with_capacity(text.len() + 64);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&indent);
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json::RunDocument;

    #[test]
    fn the_streamed_json_document_is_the_pretty_printed_whole() {
        for n in 0..3 {
            let entries: Vec<ProjectEntry<'_>> = (0..n)
                .map(|i| ProjectEntry::failed(format!("p{i}.rpp"), "a \"quoted\"\nerror".into()))
                .collect();
            let warnings: Vec<WarningEntry> = (0..n % 2 + 1)
                .map(|i| WarningEntry {
                    path: format!("dir{i}"),
                    message: "no project found here".into(),
                })
                .collect();
            let summary = Summary {
                projects: n,
                errors: n,
                ..Summary::default()
            };
            let mut json = JsonRun::new("check");
            let mut streamed: String = entries.iter().map(|e| json.project_text(e)).collect();
            streamed += &json.end_text(&warnings, &summary);
            let whole = RunDocument {
                version: RUN_DOCUMENT_VERSION,
                command: "check",
                projects: entries,
                warnings,
                summary,
            };
            assert_eq!(
                streamed,
                serde_json::to_string_pretty(&whole).unwrap(),
                "{n}"
            );
        }
        let empty = JsonRun::new("apply").end_text(&[], &Summary::default());
        let whole = RunDocument {
            version: RUN_DOCUMENT_VERSION,
            command: "apply",
            projects: Vec::new(),
            warnings: Vec::new(),
            summary: Summary::default(),
        };
        assert_eq!(empty, serde_json::to_string_pretty(&whole).unwrap());
    }
}
