//! `premix apply PATH... (--out DIR | --in-place)`: apply the rules and write the projects.

use super::run::{self, Planned, flagged};
use super::{EXIT_ERROR, EXIT_OK, RunArgs};
use crate::batch::Target;
use crate::report::json::{ProjectEntry, Summary};
use crate::report::style::{ColorChoice, Style};
use crate::report::{diff, human};
use crate::write;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Write every processed project under DIR, keeping its path relative to the PATH given
    /// (unchanged projects are copied byte for byte).
    #[arg(long, value_name = "DIR", conflicts_with = "in_place", required_unless_present_any = ["in_place", "dry_run"])]
    pub out: Option<PathBuf>,
    /// Replace changed projects where they are, atomically, after keeping a backup
    /// (`NAME.premix-bak`, numbered when one exists).
    #[arg(long)]
    pub in_place: bool,
    /// With --in-place: keep no backup.
    #[arg(long, requires = "in_place")]
    pub no_backup: bool,
    /// Plan and verify everything, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Show each changed project's difference: `--diff` track by track (name, colour, bus
    /// before → after), `--diff=text` as a unified diff of the project text.
    #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "semantic")]
    pub diff: Option<DiffKind>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffKind {
    Semantic,
    Text,
}

/// What happened to one project.
struct Written {
    planned: Planned,
    output: Option<PathBuf>,
    backup: Option<PathBuf>,
}

/// Creates the folders above an `--out` destination, only once there is something to write.
fn create_parent(dest: &Path) -> std::io::Result<()> {
    match dest.parent() {
        Some(parent) => std::fs::create_dir_all(parent),
        None => Ok(()),
    }
}

/// Plans one project and writes it. With `--out`, the output streams into a temporary file
/// next to its destination, is read back and verified there, and is put in place once verified.
fn apply_one(
    args: &ApplyArgs,
    target: &Target,
    finder: &crate::config::RulesFinder,
    limits: &crate::limits::Limits,
) -> Result<Written, String> {
    let staged_write = !args.dry_run && args.diff != Some(DiffKind::Text);
    let Some(dir) = args.out.as_ref().filter(|_| staged_write) else {
        let planned = run::plan_one(target, finder, limits, true)?;
        return write_one(args, target, planned);
    };
    let dest = dir.join(target.relative());
    let meta = std::fs::metadata(&target.path).ok();
    // Called once the project is read and planned: a project that fails leaves no folder.
    let open = |_len: usize| -> std::io::Result<write::Staged> {
        create_parent(&dest)?;
        write::Staged::create(&dest, meta.as_ref())
    };
    let describe = |e: std::io::Error| format!("{}: {e}", dest.display());
    let (planned, staged) = run::plan_one_into(target, finder, limits, open, describe)?;
    staged.commit().map_err(describe)?;
    Ok(Written {
        planned,
        output: Some(dest),
        backup: None,
    })
}

/// Writes a planned project whose bytes were kept: in place, under `--out` when a text diff
/// needs them, or nowhere (`--dry-run`).
fn write_one(args: &ApplyArgs, target: &Target, planned: Planned) -> Result<Written, String> {
    let mut written = Written {
        planned,
        output: None,
        backup: None,
    };
    if args.dry_run {
        return Ok(written);
    }
    let p = &written.planned;
    let bytes = p.processed.output.as_deref().unwrap_or(&p.bytes);
    if let Some(dir) = &args.out {
        // `--out` with `--diff=text`, which needs the bytes kept (else `apply_one` stages).
        let dest = dir.join(target.relative());
        let meta = std::fs::metadata(&target.path).ok();
        create_parent(&dest)
            .and_then(|()| write::atomic_write(&dest, bytes, meta.as_ref()))
            .map_err(|e| format!("{}: {e}", dest.display()))?;
        written.output = Some(dest);
    } else if args.in_place && bytes != p.bytes.as_slice() {
        written.backup =
            write::replace_in_place(&target.path, &p.bytes, &p.snapshot, bytes, !args.no_backup)
                .map_err(|e| e.to_string())?;
        written.output = Some(target.path.clone());
    }
    Ok(written)
}

pub fn run(args: &ApplyArgs, color: ColorChoice, limits: &crate::limits::Limits) -> u8 {
    let style = Style::for_stdout(color);
    let prepared = match run::prepare(&args.run.selection, args.out.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    let finder = &prepared.finder;
    let results =
        run::run_with_progress(!args.run.quiet && !args.run.json, &prepared.targets, |t| {
            apply_one(args, t, finder, limits)
        });

    let mut summary = Summary {
        errors: prepared.problems.len(),
        ..Summary::default()
    };
    let mut entries = Vec::new();
    run::report_problems(&prepared.problems, args.run.json, &mut entries);
    let show = |p: &Path| p.display().to_string();
    for (target, result) in prepared.targets.iter().zip(&results) {
        summary.projects += 1;
        match result {
            Ok(w) => {
                let p = &w.planned.processed;
                summary.changed += usize::from(p.plan.edits_file());
                summary.flagged_tracks += flagged(p);
                if args.run.json {
                    let mut entry = ProjectEntry::planned(
                        show(&target.path),
                        &w.planned.rules.source,
                        &p.session,
                        &p.plan,
                    );
                    if w.output.is_some() && p.plan.edits_file() {
                        entry.status = "written";
                    }
                    entry.output = w.output.as_deref().map(show);
                    entry.backup = w.backup.as_deref().map(show);
                    entries.push(entry);
                    continue;
                }
                print!(
                    "{}",
                    human::plan_lines(&target.path, &p.session, &p.plan, style)
                );
                match (args.diff, &p.output) {
                    (Some(DiffKind::Semantic), _) if p.plan.edits_file() => {
                        print!(
                            "{}",
                            diff::semantic(&target.path, &p.session, &p.plan, style)
                        );
                    }
                    (Some(DiffKind::Text), Some(output)) if p.plan.edits_file() => {
                        let before = crate::formats::text_view(target.format, &w.planned.bytes);
                        let after = crate::formats::text_view(target.format, output);
                        print!("{}", diff::text(&target.path, &before, &after));
                    }
                    _ => {}
                }
                let needs_nothing = !p.plan.edits_file() && flagged(p) == 0;
                if !(args.run.quiet && needs_nothing) {
                    let verb = if args.dry_run { "wanted" } else { "made" };
                    let status = run::status_line(&target.path, p, &w.planned.rules, verb, style);
                    print!("{status}");
                }
                if let Some(out) = &w.output {
                    let backup = w
                        .backup
                        .as_ref()
                        .map_or_else(String::new, |b| format!(" (backup: {})", b.display()));
                    let verb = if p.plan.edits_file() {
                        "wrote"
                    } else {
                        "copied unchanged"
                    };
                    if !(args.run.quiet && needs_nothing) {
                        println!("{}: {verb} {}{backup}", show(&target.path), out.display());
                    }
                }
            }
            Err(e) => {
                summary.errors += 1;
                if args.run.json {
                    entries.push(ProjectEntry::failed(show(&target.path), e.clone()));
                } else {
                    eprint!("{}", human::error_line(&target.path, e, Style::plain()));
                }
            }
        }
    }
    let code = if summary.errors > 0 {
        EXIT_ERROR
    } else {
        EXIT_OK
    };
    let verb = if args.dry_run {
        "would change"
    } else {
        "changed"
    };
    run::print_end(args.run.json, "apply", entries, summary, verb, style);
    run::leave_to_exit(results);
    code
}
