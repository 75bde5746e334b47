//! `premix report PATH... --html OUT.html`: what the rules would change, as one self-contained
//! HTML page with every project's tracks before and after. Exit codes, `--fail-on` and the
//! baseline as `check`.

use super::gate::{Gate, GateArgs};
use super::output::summary_line;
use super::{EXIT_ERROR, Selection, run};
use crate::findings;
use crate::report::html::{self, Outcome, ProjectView};
use crate::report::json::Summary;
use crate::report::style::{ColorChoice, Style};
use crate::report::{escape, human};
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
    /// Leave out the preflight (the media's measures and problems, as `premix preflight`
    /// finds them), which decodes the audio every project plays.
    #[arg(long)]
    pub no_audio: bool,
    #[command(flatten)]
    pub gate: GateArgs,
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
    let (prepared, mut gate) =
        match run::prepare(&args.selection, None).and_then(|p| Ok((p, Gate::open(&args.gate)?))) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_ERROR;
            }
        };
    let finder = &prepared.finder;
    let results = run::run_with_progress(!args.quiet, &prepared.targets, limits, |t| {
        run::plan_one(t, finder, limits, false)
    });

    let checked = if args.no_audio {
        Vec::new()
    } else {
        let cache = crate::analysis::cache::Cache::user();
        crate::preflight::run::preflight(&prepared.targets, limits, cache.as_ref(), &|_, _| {})
    };
    let preflight_of = |i: usize| checked.get(i).and_then(|c| c.as_ref().ok()).map(|(_, r)| r);
    let mut summary = Summary {
        errors: prepared.problems.len(),
        ..Summary::default()
    };
    for path in &prepared.empty {
        eprintln!(
            "{} {}: no project found here (looked for {})",
            Style::plain().yellow("warning:"),
            escape::path(path),
            crate::formats::SUPPORTED_EXTENSIONS
        );
    }
    let mut views = Vec::new();
    for p in &prepared.problems {
        eprint!("{}", human::error_line(&p.path, &p.reason, Style::plain()));
        views.push(ProjectView {
            path: p.path.display().to_string(),
            outcome: Outcome::Failed(&p.reason),
            preflight: None,
        });
    }
    for (k, (target, result)) in prepared.targets.iter().zip(&results).enumerate() {
        summary.projects += 1;
        let path = target.path.display().to_string();
        match result {
            Ok(planned) => {
                let p = &planned.processed;
                summary.changed += usize::from(p.plan.edits_file());
                summary.flagged_tracks += p.plan.flags().count();
                let found = findings::of(&p.session, &p.plan);
                let accepted = gate.accept(&target.path, &p.session, &found);
                summary.add_findings(&found, &accepted, gate.fail_on);
                views.push(ProjectView {
                    path,
                    outcome: Outcome::Planned {
                        session: &p.session,
                        plan: &p.plan,
                        rules: &planned.rules.source,
                    },
                    preflight: preflight_of(k),
                });
            }
            Err(e) => {
                summary.errors += 1;
                eprint!("{}", human::error_line(&target.path, e, Style::plain()));
                views.push(ProjectView {
                    path,
                    outcome: Outcome::Failed(e),
                    preflight: None,
                });
            }
        }
    }
    let written = match gate.save() {
        Ok(w) => w,
        Err(e) => {
            eprint!("{}", human::error(&e));
            return EXIT_ERROR;
        }
    };
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
    super::output::say_if_nothing_found(summary.projects, prepared.problems.len());
    print!(
        "{}",
        summary_line("would change", &summary, gate.fail_on, style)
    );
    if let Some((path, n)) = written {
        println!(
            "premix: baseline written to {} ({} accepted)",
            escape::path(path),
            human::count(n, "finding", "findings")
        );
    }
    println!("premix: report written to {}", escape::path(&args.html));
    gate.exit_code(&summary)
}
