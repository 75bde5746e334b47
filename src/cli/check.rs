//! `premix check PATH...`: what the rules would change, and the findings, linter style. Exit
//! 1 for changes the rules want and for new findings at or above `--fail-on`.

use super::gate::{Gate, GateArgs};
use super::output::{Outcome, Printer};
use super::{EXIT_ERROR, RunArgs, run};
use crate::findings;
use crate::report::style::{ColorChoice, Style};
use clap::Args;

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub gate: GateArgs,
}

pub fn run(args: &CheckArgs, color: ColorChoice, limits: &crate::limits::Limits) -> u8 {
    let style = Style::for_stdout(color);
    let (prepared, mut gate) = match run::prepare(&args.run.selection, None)
        .and_then(|p| Ok((p, Gate::open(&args.gate)?)))
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    let finder = &prepared.finder;
    let mut out = Printer::new(
        "check",
        args.run.output_format(),
        args.run.verbosity(),
        style,
        gate.fail_on,
        gate.fail_on.changes_fail(),
    );
    for path in &prepared.empty {
        out.no_project(path);
    }
    for p in &prepared.problems {
        out.failed(&p.path, &p.reason, false);
    }
    let count = prepared.targets.len();
    let mut taken = 0;
    // Each project is shown as soon as the ones before it are, then freed.
    run::run_with_progress_in_order(
        args.run.progress(),
        &prepared.targets,
        limits,
        |t| run::plan_one(t, finder, limits, false),
        |target, result| {
            match &result {
                Ok(planned) => {
                    let p = &planned.processed;
                    let found = findings::of(&p.session, &p.plan);
                    let accepted = gate.accept(&target.path, &p.session, &found);
                    let fails = found
                        .iter()
                        .zip(&accepted)
                        .any(|(f, a)| !a && gate.fail_on.fails(f.severity()));
                    out.planned(Outcome {
                        path: &target.path,
                        rules: &planned.rules,
                        session: &p.session,
                        plan: &p.plan,
                        findings: &found,
                        accepted: &accepted,
                        verb: "wanted",
                        attention: fails || (gate.fail_on.changes_fail() && p.plan.edits_file()),
                        after_changes: String::new(),
                        output: None,
                        backup: None,
                    });
                }
                Err(e) => out.failed(&target.path, e, true),
            }
            taken += 1;
            run::done_with(result, taken == count);
        },
    );
    let written = match gate.save() {
        Ok(w) => w,
        Err(e) => {
            eprint!("{}", crate::report::human::error(&e));
            out.summary.errors += 1;
            None
        }
    };
    let code = gate.exit_code(&out.summary);
    super::output::say_if_nothing_found(out.summary.projects, prepared.problems.len());
    out.finish("would change", written);
    code
}
