//! `premix report PATH... --html OUT.html`: what the rules would change, as one self-contained
//! HTML page with every project's tracks before and after. Exit codes as `check`.

use super::run::{self, flagged};
use super::{EXIT_ERROR, Selection};
use crate::report::html::{self, Outcome, ProjectView};
use crate::report::human;
use crate::report::json::Summary;
use crate::report::style::{ColorChoice, Style};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Where to write the HTML page.
    #[arg(long, value_name = "OUT.html")]
    pub html: PathBuf,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Why the page may not be written to `target`, if it may not: it is named like a project,
/// or it exists and is not a page premix wrote (a shell glob after `--html` puts a project
/// there), or it is not a regular file.
fn refusal(target: &Path) -> Option<String> {
    if crate::formats::format_for_path(target).is_some() {
        return Some("is named like a project; the report is not written over it".into());
    }
    let meta = match std::fs::metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => return Some(e.to_string()),
        Ok(meta) => meta,
    };
    if !meta.is_file() {
        return Some("exists and is not a regular file; the report is not written".into());
    }
    let mut head = Vec::with_capacity(1024);
    let read = std::fs::File::open(target)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 1024), &mut head));
    match read {
        Ok(_) if html::is_premix_report(&head) => None,
        Ok(_) => Some(
            "exists and is not a report premix wrote; not replaced (remove it, or name another file)"
                .into(),
        ),
        Err(e) => Some(e.to_string()),
    }
}

pub fn run(args: &ReportArgs, color: ColorChoice, limits: &crate::limits::Limits) -> u8 {
    let style = Style::for_stdout(color);
    if let Some(why) = refusal(&args.html) {
        eprint!("{}", human::error_line(&args.html, &why, Style::plain()));
        return EXIT_ERROR;
    }
    let prepared = match run::prepare(&args.selection, None) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{}", crate::report::human::error(&e));
            return EXIT_ERROR;
        }
    };
    let finder = &prepared.finder;
    let results = run::run_with_progress(!args.quiet, &prepared.targets, limits, |t| {
        run::plan_one(t, finder, limits, false)
    });

    let mut summary = Summary {
        errors: prepared.problems.len(),
        ..Summary::default()
    };
    let mut views = Vec::new();
    for p in &prepared.problems {
        eprint!("{}", human::error_line(&p.path, &p.reason, Style::plain()));
        views.push(ProjectView {
            path: p.path.display().to_string(),
            outcome: Outcome::Failed(&p.reason),
        });
    }
    for (target, result) in prepared.targets.iter().zip(&results) {
        summary.projects += 1;
        let path = target.path.display().to_string();
        match result {
            Ok(planned) => {
                let p = &planned.processed;
                summary.changed += usize::from(p.plan.edits_file());
                summary.flagged_tracks += flagged(p);
                views.push(ProjectView {
                    path,
                    outcome: Outcome::Planned {
                        session: &p.session,
                        plan: &p.plan,
                        rules: &planned.rules.source,
                    },
                });
            }
            Err(e) => {
                summary.errors += 1;
                eprint!("{}", human::error_line(&target.path, e, Style::plain()));
                views.push(ProjectView {
                    path,
                    outcome: Outcome::Failed(e),
                });
            }
        }
    }
    let page = html::render("premix report", &views);
    // Checked again just before: the run takes time, and the file may have appeared.
    if let Some(why) = refusal(&args.html) {
        eprint!("{}", human::error_line(&args.html, &why, Style::plain()));
        return EXIT_ERROR;
    }
    if let Err(e) = crate::write::atomic_write(&args.html, page.as_bytes(), None) {
        let message = format!("cannot write the report: {e}");
        eprint!(
            "{}",
            human::error_line(&args.html, &message, Style::plain())
        );
        return EXIT_ERROR;
    }
    print!("{}", run::summary_line("would change", &summary, style));
    println!(
        "premix: report written to {}",
        crate::report::escape::path(&args.html)
    );
    run::findings_exit_code(&summary)
}
