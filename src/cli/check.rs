//! `premix check PATH...`: what the rules would change, linter style.

use super::run::{self, flagged};
use super::{EXIT_ERROR, RunArgs};
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
    let results =
        run::run_with_progress(!args.run.quiet && !args.run.json, &prepared.targets, |t| {
            run::plan_one(t, finder, limits, false)
        });

    let mut summary = Summary {
        errors: prepared.problems.len(),
        ..Summary::default()
    };
    let mut entries = Vec::new();
    run::report_problems(&prepared.problems, args.run.json, &mut entries);
    for (target, result) in prepared.targets.iter().zip(&results) {
        summary.projects += 1;
        let shown = target.path.display().to_string();
        match result {
            Ok(planned) => {
                let p = &planned.processed;
                summary.changed += usize::from(p.plan.edits_file());
                summary.flagged_tracks += flagged(p);
                if args.run.json {
                    entries.push(ProjectEntry::planned(
                        shown,
                        &planned.rules.source,
                        &p.session,
                        &p.plan,
                    ));
                } else {
                    print!(
                        "{}",
                        human::plan_lines(&target.path, &p.session, &p.plan, style)
                    );
                    let needs_nothing = !p.plan.edits_file() && flagged(p) == 0;
                    if !(args.run.quiet && needs_nothing) {
                        let status =
                            run::status_line(&target.path, p, &planned.rules, "wanted", style);
                        print!("{status}");
                    }
                }
            }
            Err(e) => {
                summary.errors += 1;
                if args.run.json {
                    entries.push(ProjectEntry::failed(shown, e.clone()));
                } else {
                    eprint!("{}", human::error_line(&target.path, e, Style::plain()));
                }
            }
        }
    }
    let code = run::findings_exit_code(&summary);
    run::print_end(
        args.run.json,
        "check",
        entries,
        summary,
        "would change",
        style,
    );
    run::leave_to_exit(results);
    code
}
