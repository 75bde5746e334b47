//! What `check` and `apply` share: loading the rules, finding the projects, reading and
//! planning each one, and printing the per-project lines and the run summary.

use super::RunArgs;
use crate::batch::{self, NotAProject, Target};
use crate::pipeline::{self, Processed};
use crate::report::human;
use crate::report::json::{ProjectEntry, Summary};
use crate::report::style::Style;
use crate::rules::RuleSet;
use crate::write::Snapshot;
use std::path::Path;

/// A project read and planned.
pub struct Planned {
    pub bytes: Vec<u8>,
    pub snapshot: Snapshot,
    pub processed: Processed,
}

pub struct Prepared {
    pub rules: RuleSet,
    pub targets: Vec<Target>,
    pub problems: Vec<NotAProject>,
}

/// Loads the rules and finds the projects; `Err` is a message for a run that cannot start.
pub fn prepare(args: &RunArgs, skip: Option<&Path>) -> Result<Prepared, String> {
    let rules = super::rules::load(args.rules.as_deref())?;
    let (targets, problems) = batch::discover(&args.paths, skip);
    Ok(Prepared {
        rules,
        targets,
        problems,
    })
}

/// Reads and plans one project (and renders it with `render`).
pub fn plan_one(target: &Target, rules: &RuleSet, render: bool) -> Result<Planned, String> {
    let (bytes, snapshot) = crate::write::read(&target.path).map_err(|e| e.to_string())?;
    let processed =
        pipeline::process(target.format, &bytes, rules, render).map_err(|e| e.to_string())?;
    Ok(Planned {
        bytes,
        snapshot,
        processed,
    })
}

pub fn flagged(p: &Processed) -> usize {
    p.plan.flags().count()
}

pub fn print_problems(problems: &[NotAProject], json: bool, entries: &mut Vec<ProjectEntry<'_>>) {
    for p in problems {
        if json {
            entries.push(ProjectEntry::failed(
                p.path.display().to_string(),
                p.reason.clone(),
            ));
        } else {
            eprint!("{}", human::error_line(&p.path, &p.reason, Style::plain()));
        }
    }
}

pub fn summary_line(verb: &str, summary: &Summary, rules: &RuleSet, style: Style) -> String {
    let errors = if summary.errors > 0 {
        style.red(&format!("{} errors", summary.errors))
    } else {
        "0 errors".to_string()
    };
    format!(
        "{} {} projects with {}: {} {verb}, {} tracks flagged, {errors}\n",
        style.bold("premix:"),
        summary.projects,
        rules.source,
        summary.changed,
        summary.flagged_tracks,
    )
}
