//! `premix preflight PATH... [--json] [--fail-on LEVEL]`: is each session ready to mix? Its
//! media located as the DAW would, decoded and measured over what the items play. Exit codes
//! as `check`: 0 nothing at or above `--fail-on` (the ladder every command takes: `never`,
//! `changes`, `error`, `warning`, `info`; preflight changes nothing, so `changes` fails on
//! no problem), 1 problems, 2 a project could not be read.

use super::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::analysis::cache::Cache;
use crate::batch;
use crate::findings::FailOn;
use crate::preflight::{Severity, run::preflight};
use crate::report::human;
use crate::report::preflight::{
    Document, PREFLIGHT_DOCUMENT_VERSION, ProjectEntry, Summary, issue_lines, measures_table,
    status_line, summary_line,
};
use crate::report::style::{ColorChoice, Style};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct PreflightArgs {
    /// Project files or folders to walk for projects.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Print one JSON document for the whole run.
    #[arg(long)]
    pub json: bool,
    /// What makes the run exit 1, on the ladder every premix command takes: `never`;
    /// `changes` (preflight changes nothing: as `never`); `error` (the default), `warning` or
    /// `info`: problems of that severity or above.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "LEVEL")]
    pub fail_on: FailOn,
    /// Show each project's measures (peak, true peak, loudness, ...) as a table.
    #[arg(long, short)]
    pub measures: bool,
    /// No progress bar and no line for projects that are ready to mix.
    #[arg(long, short)]
    pub quiet: bool,
    /// Neither read nor write the analysis cache (`$XDG_CACHE_HOME/premix`).
    #[arg(long)]
    pub no_cache: bool,
}

pub fn run(args: &PreflightArgs, color: ColorChoice, limits: &crate::limits::Limits) -> u8 {
    let style = Style::for_stdout(color);
    let (targets, problems) = batch::discover(&args.paths, None);
    let cache = if args.no_cache { None } else { Cache::user() };
    let bar = if !args.quiet && !args.json && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} sources {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let checked = preflight(&targets, limits, cache.as_ref(), &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();

    let mut summary = Summary {
        failed: problems.len(),
        ..Summary::default()
    };
    let mut entries = Vec::new();
    let mut worst: Option<Severity> = None;
    for p in &problems {
        if args.json {
            entries.push(ProjectEntry::failed(
                p.path.display().to_string(),
                &p.reason,
            ));
        } else {
            eprint!("{}", human::error_line(&p.path, &p.reason, Style::plain()));
        }
    }
    for (target, result) in targets.iter().zip(&checked) {
        let shown = target.path.display().to_string();
        match result {
            Ok((_, report)) => {
                summary.add(report);
                let most = report
                    .tracks
                    .iter()
                    .flat_map(|t| &t.issues)
                    .map(|i| i.severity)
                    .max();
                worst = worst.max(most);
                if args.json {
                    entries.push(ProjectEntry::checked(shown, target.format.as_str(), report));
                } else {
                    print!("{}", issue_lines(&target.path, report, style));
                    if args.measures {
                        print!("{}", measures_table(report, style));
                    }
                    if !(args.quiet && most.is_none()) {
                        print!("{}", status_line(&target.path, report, style));
                    }
                }
            }
            Err(e) => {
                summary.failed += 1;
                if args.json {
                    entries.push(ProjectEntry::failed(shown, e));
                } else {
                    eprint!("{}", human::error_line(&target.path, e, Style::plain()));
                }
            }
        }
    }
    let code = if summary.failed > 0 {
        EXIT_ERROR
    } else if worst.is_some_and(|w| args.fail_on.fails(w)) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    if args.json {
        let doc = Document {
            version: PREFLIGHT_DOCUMENT_VERSION,
            command: "preflight",
            projects: entries,
            summary,
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print!("{}", summary_line(&summary, style));
    }
    super::run::leave_to_exit(checked);
    code
}
