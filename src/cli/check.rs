//! `premix check PATH...`: what the rules would change, linter style.

use super::run::{self, Planned, flagged};
use super::{EXIT_ERROR, RunArgs};
use crate::batch::Target;
use crate::report::human;
use crate::report::json::{ProjectEntry, Summary};
use crate::report::style::{ColorChoice, Style};
use clap::Args;

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub run: RunArgs,
}

pub fn run(args: &CheckArgs, color: ColorChoice, limits: &crate::limits::Limits) -> u8 {
    let style = Style::for_stdout(color);
    let prepared = match run::prepare(&args.run.selection, None) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{}", crate::report::human::error(&e));
            return EXIT_ERROR;
        }
    };
    let finder = &prepared.finder;
    let mut summary = Summary {
        errors: prepared.problems.len(),
        ..Summary::default()
    };
    let mut json = args.run.json.then(|| run::JsonRun::new("check"));
    run::report_problems(&prepared.problems, json.as_mut());
    let count = prepared.targets.len();
    // Each project is shown as soon as the ones before it are, then freed.
    run::run_with_progress_in_order(
        !args.run.quiet && !args.run.json,
        &prepared.targets,
        limits,
        |t| run::plan_one(t, finder, limits, false),
        |target, result| {
            summary.projects += 1;
            show(args, target, &result, &mut summary, json.as_mut(), style);
            run::done_with(result, summary.projects == count);
        },
    );
    let code = run::findings_exit_code(&summary);
    run::print_end(json, summary, "would change", style);
    code
}

/// Shows one project's findings: its JSON entry, or its change lines and status line (errors
/// on stderr); counts it in `summary`.
fn show(
    args: &CheckArgs,
    target: &Target,
    result: &Result<Planned, String>,
    summary: &mut Summary,
    json: Option<&mut run::JsonRun>,
    style: Style,
) {
    let shown = target.path.display().to_string();
    let planned = match result {
        Ok(planned) => planned,
        Err(e) => {
            summary.errors += 1;
            match json {
                Some(json) => json.project(&ProjectEntry::failed(shown, e.clone())),
                None => eprint!("{}", human::error_line(&target.path, e, Style::plain())),
            }
            return;
        }
    };
    let p = &planned.processed;
    summary.changed += usize::from(p.plan.edits_file());
    summary.flagged_tracks += flagged(p);
    if let Some(json) = json {
        let entry = ProjectEntry::planned(shown, &planned.rules.source, &p.session, &p.plan);
        json.project(&entry);
        return;
    }
    print!(
        "{}",
        human::plan_lines(&target.path, &p.session, &p.plan, style)
    );
    let needs_nothing = !p.plan.edits_file() && flagged(p) == 0;
    if !(args.run.quiet && needs_nothing) {
        print!(
            "{}",
            run::status_line(&target.path, p, &planned.rules, "wanted", style)
        );
    }
}
