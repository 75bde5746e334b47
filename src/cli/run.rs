//! What `check`, `apply` and `report` share: finding the projects and their rules, reading
//! and planning each one in parallel with a progress bar, the run's end (JSON document or
//! summary line) and its exit code.

use super::Selection;
use crate::batch::{self, NotAProject, Target};
use crate::config::RulesFinder;
use crate::formats::WriteError;
use crate::pipeline::{self, Processed, Sink};
use crate::report::json::{ProjectEntry, RUN_DOCUMENT_VERSION, Summary};
use crate::report::style::Style;
use crate::report::{escape, human};
use crate::rules::RuleSet;
use crate::write::Snapshot;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A project read and planned.
pub struct Planned {
    pub rules: Arc<RuleSet>,
    /// The project's bytes as read, when kept: by [`plan_one`] when it renders, by
    /// [`plan_write_into`] when asked to.
    pub bytes: Vec<u8>,
    pub snapshot: Snapshot,
    pub processed: Processed,
}

pub struct Prepared {
    pub finder: RulesFinder,
    pub targets: Vec<Target>,
    pub problems: Vec<NotAProject>,
}

/// The paths given, plus those of `--files-from`.
fn all_paths(args: &Selection) -> Result<Vec<PathBuf>, String> {
    let mut paths = args.paths.clone();
    if let Some(list) = &args.files_from {
        let reader: Box<dyn BufRead> = if list.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            let file = std::fs::File::open(list)
                .map_err(|e| format!("{}: cannot read the list of paths: {e}", list.display()))?;
            Box::new(std::io::BufReader::new(file))
        };
        for line in reader.lines() {
            let line = line.map_err(|e| format!("{}: {e}", list.display()))?;
            let line = line.trim_end_matches('\r');
            if !line.trim().is_empty() {
                paths.push(PathBuf::from(line));
            }
        }
    }
    Ok(paths)
}

/// Loads `--rules` if given and finds the projects; `Err` is a message for a run that
/// cannot start.
pub fn prepare(args: &Selection, skip: Option<&Path>) -> Result<Prepared, String> {
    let finder = RulesFinder::new(args.rules.as_deref()).map_err(|e| e.to_string())?;
    let (targets, problems) = batch::discover(&all_paths(args)?, skip);
    Ok(Prepared {
        finder,
        targets,
        problems,
    })
}

/// Reads and plans one project (and renders it with `render`).
pub fn plan_one(
    target: &Target,
    finder: &RulesFinder,
    limits: &crate::limits::Limits,
    render: bool,
) -> Result<Planned, String> {
    let rules = finder
        .for_project(&target.path)
        .map_err(|e| e.to_string())?;
    let (bytes, snapshot) = crate::write::read(&target.path, limits).map_err(|e| e.to_string())?;
    let processed = pipeline::process_with(target.format, &bytes, &rules, render, limits)
        .map_err(|e| e.to_string())?;
    Ok(Planned {
        rules,
        // Kept only for what a rendered project may show (a text diff).
        bytes: if render { bytes } else { Vec::new() },
        snapshot,
        processed,
    })
}

/// How [`plan_write_into`] reads and renders a project.
pub struct WriteInto<'a> {
    /// The file to read (the target's path, or the file it resolves to).
    pub from: &'a Path,
    /// Render only when the plan edits the project (no sink otherwise).
    pub only_edits: bool,
    /// Keep the bytes read in [`Planned::bytes`] (for a text diff).
    pub keep_input: bool,
}

/// Reads, plans and renders one project into the sink `open` makes, which comes back once
/// what it holds is verified ([`pipeline::process_into`]); the sink is `None` when
/// `how.only_edits` and the plan edits nothing. `describe_io` words a failure of the sink
/// (it knows where the sink writes).
pub fn plan_write_into<S: Sink>(
    target: &Target,
    finder: &RulesFinder,
    limits: &crate::limits::Limits,
    how: WriteInto<'_>,
    open: impl FnOnce(usize) -> std::io::Result<S>,
    describe_io: impl FnOnce(std::io::Error) -> String,
) -> Result<(Planned, Option<S>), String> {
    let rules = finder
        .for_project(&target.path)
        .map_err(|e| e.to_string())?;
    let (bytes, snapshot) = crate::write::read(how.from, limits).map_err(|e| e.to_string())?;
    let kept = if how.keep_input {
        bytes.clone()
    } else {
        Vec::new()
    };
    let (processed, sink) = if how.only_edits {
        pipeline::process_changes_into(target.format, bytes, &rules, limits, open)
    } else {
        pipeline::process_into(target.format, bytes, &rules, limits, open)
            .map(|(p, s)| (p, Some(s)))
    }
    .map_err(|e| match e {
        WriteError::Format(e) => e.to_string(),
        WriteError::Io(e) => describe_io(e),
    })?;
    let planned = Planned {
        rules,
        // Handed to the pipeline, which frees them once the output is written.
        bytes: kept,
        snapshot,
        processed,
    };
    Ok((planned, sink))
}

/// Runs `work` on every target in parallel, with a progress bar if `bar_wanted` (not
/// `--quiet`, not `--json`) and standard error is a terminal. Results come back in target order.
pub fn run_with_progress<T: Send>(
    bar_wanted: bool,
    targets: &[Target],
    limits: &crate::limits::Limits,
    work: impl Fn(&Target) -> T + Sync + Send,
) -> Vec<T> {
    let mut results = Vec::with_capacity(targets.len());
    run_with_progress_in_order(bar_wanted, targets, limits, work, |_, r| results.push(r));
    results
}

/// [`run_with_progress`] that hands each result to `take` in target order as soon as it can
/// ([`batch::run_in_order`]), so a command shows (and frees) each project's result while the
/// others run; the progress bar steps aside while `take` prints. The projects read at once
/// stay within the memory budget of `limits` ([`batch::Budget`]).
pub fn run_with_progress_in_order<T: Send>(
    bar_wanted: bool,
    targets: &[Target],
    limits: &crate::limits::Limits,
    work: impl Fn(&Target) -> T + Sync + Send,
    mut take: impl FnMut(&Target, T),
) {
    let show = bar_wanted && std::io::stderr().is_terminal() && targets.len() > 1;
    let bar = if show {
        let bar = ProgressBar::new(targets.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} projects {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    batch::run_in_order(
        targets,
        &batch::Budget::new(limits.memory_budget()),
        |t| {
            let r = work(t);
            bar.inc(1);
            r
        },
        |t, r| bar.suspend(|| take(t, r)),
    );
    bar.finish_and_clear();
}

/// Frees a project's result once shown, except the run's last one: freeing a large
/// project's session and plan one allocation at a time would only delay the exit, while the
/// system takes the memory back whole ([`leave_to_exit`]).
pub fn done_with<T>(result: T, last: bool) {
    if last {
        leave_to_exit(result);
    } else {
        drop(result);
    }
}

/// The run's JSON document written as its projects come (`--json`), so that no project's
/// entry is held after it is written. The text is what `serde_json::to_string_pretty` makes
/// of the whole [`crate::report::json::RunDocument`].
pub struct JsonRun {
    command: &'static str,
    projects: usize,
}

impl JsonRun {
    pub fn new(command: &'static str) -> JsonRun {
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
    pub fn project(&mut self, entry: &ProjectEntry<'_>) {
        print!("{}", self.project_text(entry));
    }

    fn project_text(&mut self, entry: &ProjectEntry<'_>) -> String {
        let mut out = if self.projects == 0 {
            self.head() + "\n"
        } else {
            ",\n".to_string()
        };
        let text = serde_json::to_string_pretty(entry).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str("    ");
            out.push_str(line);
        }
        self.projects += 1;
        out
    }

    /// Writes the summary and closes the document.
    pub fn end(self, summary: &Summary) {
        println!("{}", self.end_text(summary));
    }

    fn end_text(self, summary: &Summary) -> String {
        let summary = serde_json::to_string_pretty(summary)
            .unwrap_or_default()
            .replace('\n', "\n  ");
        let projects = if self.projects == 0 {
            self.head() + "]"
        } else {
            "\n  ]".to_string()
        };
        format!("{projects},\n  \"summary\": {summary}\n}}")
    }
}

/// Paths that led to no project: one JSON entry each (with `--json`), or an error line on
/// stderr.
pub fn report_problems(problems: &[NotAProject], json: Option<&mut JsonRun>) {
    match json {
        Some(json) => {
            for p in problems {
                let entry = ProjectEntry::failed(p.path.display().to_string(), p.reason.clone());
                json.project(&entry);
            }
        }
        None => {
            for p in problems {
                eprint!("{}", human::error_line(&p.path, &p.reason, Style::plain()));
            }
        }
    }
}

/// Hands a command's results to the end of the process instead of freeing them: a command is
/// the last thing `cli::main` runs, and freeing every session and plan one allocation at a
/// time (tens of thousands for a large project) would only delay the exit, while the system
/// takes the memory back whole.
pub fn leave_to_exit<T>(results: T) {
    std::mem::forget(results);
}

/// The end of a run: the versioned JSON document's summary with `--json`, else the summary
/// line.
pub fn print_end(json: Option<JsonRun>, summary: Summary, verb: &str, style: Style) {
    match json {
        Some(json) => json.end(&summary),
        None => print!("{}", summary_line(verb, &summary, style)),
    }
}

/// Exit code of a run that reports findings like a linter (`check`, `report`): 2 if any
/// project failed, 1 if any would change or has flagged tracks, else 0.
pub fn findings_exit_code(summary: &Summary) -> u8 {
    if summary.errors > 0 {
        super::EXIT_ERROR
    } else if summary.changed > 0 || summary.flagged_tracks > 0 {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    }
}

pub fn flagged(p: &Processed) -> usize {
    p.plan.flags().count()
}

pub fn summary_line(verb: &str, summary: &Summary, style: Style) -> String {
    let errors = if summary.errors > 0 {
        style.red(&format!("{} errors", summary.errors))
    } else {
        "0 errors".to_string()
    };
    format!(
        "{} {} projects: {} {verb}, {} tracks flagged, {errors}\n",
        style.bold("premix:"),
        summary.projects,
        summary.changed,
        summary.flagged_tracks,
    )
}

/// `path: 3 changes, 1 flagged (rules .premix.yaml)`: one status line per project.
pub fn status_line(
    path: &Path,
    p: &Processed,
    rules: &RuleSet,
    verb: &str,
    style: Style,
) -> String {
    let changes = p.plan.changes.iter().filter(|c| c.edits_file()).count() + p.plan.new_buses.len();
    let flagged = flagged(p);
    let what = match (changes, flagged) {
        (0, 0) => "ok".to_string(),
        (c, 0) => format!("{c} changes {verb}"),
        (0, f) => format!("{f} tracks flagged"),
        (c, f) => format!("{c} changes {verb}, {f} tracks flagged"),
    };
    format!(
        "{}: {what} {}\n",
        escape::path(path),
        style.dim(&format!("(rules {})", escape::text(&rules.source)))
    )
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
            let summary = Summary {
                projects: n,
                errors: n,
                ..Summary::default()
            };
            let mut json = JsonRun::new("check");
            let mut streamed: String = entries.iter().map(|e| json.project_text(e)).collect();
            streamed += &json.end_text(&summary);
            let whole = RunDocument {
                version: RUN_DOCUMENT_VERSION,
                command: "check",
                projects: entries,
                summary,
            };
            assert_eq!(
                streamed,
                serde_json::to_string_pretty(&whole).unwrap(),
                "{n}"
            );
        }
    }
}
