//! `premix apply PATH... (--out DIR | --in-place | --dry-run)`: apply the rules and write the
//! projects. Exit 0 when done; with `--dry-run` or `--diff`, exit 1 when there were changes
//! to make (as `check` and `diff` do), 0 when none; 2 on any error.

use super::output::{Outcome, Printer};
use super::run::{self, Planned};
use super::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, RunArgs};
use crate::batch::Target;
use crate::findings::{self, FailOn};
use crate::media::relocate::{Carry, Relocation};
use crate::report::diff;
use crate::report::style::{ColorChoice, Style};
use crate::write;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Write every processed project under DIR, keeping its path relative to the PATH given
    /// (unchanged projects are copied byte for byte).
    #[arg(long, value_name = "DIR", conflicts_with = "in_place")]
    pub out: Option<PathBuf>,
    /// With --out: copy the media the projects play under DIR too (hard links where the file
    /// system allows, else copies), at the same place relative to the PATH given, instead of
    /// rewriting media paths to reach the originals where they are.
    #[arg(long, requires = "out")]
    pub copy_media: bool,
    /// Replace changed projects where they are, atomically, after keeping a backup
    /// (`NAME.premix-bak`, numbered when one exists).
    #[arg(long)]
    pub in_place: bool,
    /// With --in-place: keep no backup.
    #[arg(long, requires = "in_place")]
    pub no_backup: bool,
    /// Plan and verify everything, write nothing (exit 1 when there are changes to make).
    #[arg(long)]
    pub dry_run: bool,
    /// Show each changed project's difference (exit 1 when there were changes): `--diff`
    /// track by track (name, colour, bus before → after), `--diff text` (or `--diff=text`)
    /// as a unified diff of the project text.
    #[arg(long, value_enum, value_name = "KIND", num_args = 0..=1, require_equals = true, default_missing_value = "semantic")]
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

/// Where `target` goes under `--out`, and how its media goes with it (`None` without `--out`).
fn relocation(args: &ApplyArgs, target: &Target) -> Option<Relocation> {
    let dir = args.out.as_ref()?;
    let given = if target.root == target.path {
        target.path.parent().filter(|p| !p.as_os_str().is_empty())
    } else {
        Some(target.root.as_path())
    };
    Some(Relocation {
        input: target.path.clone(),
        output: dir.join(target.relative()),
        carry: if args.copy_media {
            Carry::Copy
        } else {
            Carry::Reach
        },
        from_root: given.unwrap_or(Path::new(".")).to_path_buf(),
        to_root: dir.clone(),
        write: !args.dry_run,
    })
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
    let relocation = relocation(args, target);
    let Some(dir) = args.out.as_ref().filter(|_| staged_write) else {
        let planned = run::plan_one_relocated(target, finder, limits, true, relocation.as_ref())?;
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
    let (planned, staged) =
        run::plan_one_into_relocated(target, finder, limits, open, describe, relocation.as_ref())?;
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

/// Says which destination to choose when none was given.
const NO_DESTINATION: &str = "apply needs to know where to write: --out DIR (copies of the \
projects under DIR), --in-place (replace the projects, keeping a backup of each), or --dry-run \
(write nothing, show what would change)";

pub fn run(args: &ApplyArgs, color: ColorChoice, limits: &crate::limits::Limits) -> u8 {
    if args.out.is_none() && !args.in_place && !args.dry_run {
        eprintln!("error: {NO_DESTINATION}");
        return EXIT_ERROR;
    }
    let style = Style::for_stdout(color);
    let prepared = match run::prepare(&args.run.selection, args.out.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    let finder = &prepared.finder;
    let results = run::run_with_progress(args.run.progress(), &prepared.targets, |t| {
        apply_one(args, t, finder, limits)
    });

    // With --dry-run or --diff, pending changes are the answer (exit 1), as for `check`.
    let reports_changes = args.dry_run || args.diff.is_some();
    let mut out = Printer::new(
        "apply",
        args.run.output_format(),
        args.run.verbosity(),
        style,
        FailOn::Changes,
        reports_changes,
    );
    for path in &prepared.empty {
        out.no_project(path);
    }
    for p in &prepared.problems {
        out.failed(&p.path, &p.reason, false);
    }
    for (target, result) in prepared.targets.iter().zip(&results) {
        match result {
            Ok(w) => {
                let p = &w.planned.processed;
                let found = findings::of(&p.session, &p.plan);
                let accepted = vec![false; found.len()];
                let after_changes = match (args.diff, &p.output) {
                    (Some(DiffKind::Semantic), _) if p.plan.edits_file() => {
                        diff::semantic(&target.path, &p.session, &p.plan, style)
                    }
                    (Some(DiffKind::Text), Some(output)) if p.plan.edits_file() => {
                        let before = crate::formats::text_view(target.format, &w.planned.bytes);
                        let after = crate::formats::text_view(target.format, output);
                        diff::text(&target.path, &before, &after)
                    }
                    _ => String::new(),
                };
                out.planned(Outcome {
                    path: &target.path,
                    rules: &w.planned.rules,
                    session: &p.session,
                    plan: &p.plan,
                    findings: &found,
                    accepted: &accepted,
                    verb: if args.dry_run { "wanted" } else { "made" },
                    attention: p.plan.edits_file(),
                    after_changes,
                    output: w.output.as_deref(),
                    backup: w.backup.as_deref(),
                });
            }
            Err(e) => out.failed(&target.path, e, true),
        }
    }
    let code = if out.summary.errors > 0 || out.summary.projects == 0 {
        EXIT_ERROR
    } else if reports_changes && out.summary.changed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    super::output::say_if_nothing_found(out.summary.projects, prepared.problems.len());
    let verb = if args.dry_run {
        "would change"
    } else {
        "changed"
    };
    out.finish(verb, None);
    run::leave_to_exit(results);
    code
}
