//! How `check` and `apply` print a run, in each output format: text (streamed per project,
//! `--quiet` and `--verbose`), JSON and SARIF (one document at the end), GitHub workflow
//! commands (streamed). The commands say what happened; this module only shows it and keeps
//! the run's [`Summary`].

use crate::findings::{FailOn, Finding};
use crate::plan::Plan;
use crate::report::human::{self, count};
use crate::report::json::{
    MediaEntry, ProjectEntry, RUN_DOCUMENT_VERSION, RunDocument, Summary, WarningEntry,
};
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
pub struct Printer<'a> {
    format: OutputFormat,
    verbosity: Verbosity,
    style: Style,
    command: &'static str,
    fail_on: FailOn,
    change_level: (github::Level, sarif::Level),
    entries: Vec<ProjectEntry<'a>>,
    warnings: Vec<WarningEntry>,
    sarif: Option<sarif::Log>,
    pub summary: Summary,
}

impl<'a> Printer<'a> {
    /// `changes_fail`: pending changes fail this run (shown as errors in CI formats).
    pub fn new(
        command: &'static str,
        format: OutputFormat,
        verbosity: Verbosity,
        style: Style,
        fail_on: FailOn,
        changes_fail: bool,
    ) -> Printer<'a> {
        let change_level = if changes_fail {
            (github::Level::Error, sarif::Level::Error)
        } else {
            (github::Level::Notice, sarif::Level::Note)
        };
        Printer {
            format,
            verbosity,
            style,
            command,
            fail_on,
            change_level,
            entries: Vec::new(),
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
                    path.display()
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
            OutputFormat::Json => self.entries.push(ProjectEntry::failed(
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
    pub fn planned(&mut self, o: Outcome<'a, '_>) {
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
                self.entries.push(entry);
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
                .map_or_else(String::new, |b| format!(" (backup: {})", b.display()));
            let verb = if o.plan.edits_file() {
                "wrote"
            } else {
                "copied unchanged"
            };
            println!("{}: {verb} {}{backup}", o.path.display(), out.display());
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
            OutputFormat::Json => {
                let doc = RunDocument {
                    version: RUN_DOCUMENT_VERSION,
                    command: self.command,
                    projects: self.entries,
                    warnings: self.warnings,
                    summary: self.summary,
                };
                println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
            }
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
                        path.display(),
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
    let declined = new(Code::Declined);
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
        o.path.display(),
        parts.join(", "),
        style.dim(&format!("(rules {})", o.rules.source))
    )
}
