//! `premix apply PATH... (--out DIR | --in-place | --dry-run)`: apply the rules and write the
//! projects. Exit 0 when done; with `--dry-run` or `--diff`, exit 1 when there were changes
//! to make (as `check` and `diff` do), 0 when none; 2 on any error.

use super::output::{Outcome, Printer};
use super::run::{self, Planned, WriteInto};
use super::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, RunArgs};
use crate::batch::Target;
use crate::findings::{self, FailOn};
use crate::media::relocate::{Carry, Relocation};
use crate::report::style::{ColorChoice, Style};
use crate::report::{diff, escape};
use crate::write;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Write every processed project under DIR, keeping its path relative to the PATH given
    /// (unchanged projects are copied byte for byte). Media references that would not reach
    /// their files from DIR are rewritten to reach them where they are (Ardour: the sources'
    /// folders added to the audio/MIDI search path); the summary says so per project.
    #[arg(long, value_name = "DIR", conflicts_with = "in_place")]
    pub out: Option<PathBuf>,
    /// With --out: copy the media the projects play under DIR too (real copies, never hard
    /// links: editing a copy leaves the original alone), at the same place relative to the PATH given, instead of
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

/// What every project of the run shares: the rules, the limits, the inputs (never written
/// over), and the temporary files killed runs left.
struct Shared<'a> {
    finder: &'a crate::config::RulesFinder,
    limits: &'a crate::limits::Limits,
    inputs: Inputs,
    leftovers: write::aside::Leftovers,
    /// With `--out`: each destination, and the first project that goes there (a later one
    /// would replace its output).
    first_to: std::collections::HashMap<PathBuf, PathBuf>,
}

/// Names, before anything is written, the rules files found beside or above the projects
/// (not given with `--rules`) that remove or mute tracks: a `.premix.yaml` in a parent
/// folder applies without being named on the command line.
fn name_rules_that_remove_or_mute(prepared: &run::Prepared) {
    for t in &prepared.targets {
        // Loaded once each; the run uses them from the finder's cache.
        let _ = prepared.finder.for_project(&t.path);
    }
    for (file, what) in prepared.finder.found_removing_or_muting() {
        eprintln!(
            "premix: rules {} (found beside or above the projects, not given with --rules) {}",
            escape::path(&file),
            escape::text(&what)
        );
    }
}

/// The folder among `paths` that `out` is, if any.
fn out_is_an_input_folder<'a>(out: &Path, paths: &'a [PathBuf]) -> Option<&'a Path> {
    let out = std::fs::canonicalize(out).ok()?;
    paths
        .iter()
        .find(|p| p.is_dir() && std::fs::canonicalize(p).is_ok_and(|p| p == out))
        .map(PathBuf::as_path)
}

/// Each `--out` destination and the first target written there.
fn first_to_each_output(
    out: Option<&Path>,
    targets: &[Target],
) -> std::collections::HashMap<PathBuf, PathBuf> {
    let mut first = std::collections::HashMap::new();
    if let Some(dir) = out {
        for t in targets {
            first
                .entry(dir.join(t.relative()))
                .or_insert_with(|| t.path.clone());
        }
    }
    first
}

/// Plans one project and writes it: nowhere with `--dry-run`, in place, or under `--out`.
/// A written project streams into a temporary file beside its destination, is read back from
/// there and verified, and is put in place once verified.
fn apply_one(args: &ApplyArgs, target: &Target, shared: &Shared<'_>) -> Result<Written, String> {
    let text_diff = args.diff == Some(DiffKind::Text);
    let relocation = relocation(args, target);
    if args.dry_run {
        let planned = run::plan_one_relocated(
            target,
            shared.finder,
            shared.limits,
            true,
            relocation.as_ref(),
        )?;
        return Ok(Written {
            planned,
            output: None,
            backup: None,
        });
    }
    match &args.out {
        Some(dir) => out_one(
            target,
            &dir.join(target.relative()),
            text_diff,
            shared,
            relocation.as_ref(),
        ),
        None => in_place_one(args, target, text_diff, shared),
    }
}

/// `--in-place`: under the project's lock from before it is read until its new bytes are in
/// place; a project the plan leaves alone is not written at all.
fn in_place_one(
    args: &ApplyArgs,
    target: &Target,
    text_diff: bool,
    shared: &Shared<'_>,
) -> Result<Written, String> {
    // A symbolic link named on the command line stays a link: the file it points to is
    // replaced, beside which the lock, the temporary files and the backup go.
    let real = std::fs::canonicalize(&target.path).map_err(|e| e.to_string())?;
    let _lock = write::lock::ProjectLock::acquire(&real)
        .map_err(|e| format!("cannot take the project's lock beside it: {e}; not written"))?;
    shared.leftovers.remove(&real);
    let how = WriteInto {
        from: &real,
        only_edits: true,
        keep_input: text_diff,
        relocation: None,
    };
    let open = |_len: usize| write::Staged::create(&real, None);
    let describe = |e: std::io::Error| format!("{}: {e}", real.display());
    let (mut planned, staged) =
        run::plan_write_into(target, shared.finder, shared.limits, how, open, describe)?;
    let Some(staged) = staged else {
        return Ok(Written {
            planned,
            output: None,
            backup: None,
        });
    };
    if text_diff {
        planned.processed.output = Some(std::fs::read(staged.path()).map_err(describe)?);
    }
    let snapshot = planned
        .snapshot
        .as_ref()
        .ok_or("internal error: a project replaced in place without its snapshot")?;
    let backup = write::replace_in_place(&real, snapshot, staged, !args.no_backup)
        .map_err(|e| e.to_string())?;
    Ok(Written {
        planned,
        output: Some(target.path.clone()),
        backup,
    })
}

/// `--out`: the output goes to `dest`, under `dest`'s lock, never over an input project.
fn out_one(
    target: &Target,
    dest: &Path,
    text_diff: bool,
    shared: &Shared<'_>,
    relocation: Option<&Relocation>,
) -> Result<Written, String> {
    let over_input = || {
        shared.inputs.holds(dest).then(|| {
            format!(
                "{}: is a project given as input; --out never writes over one (--in-place \
                 replaces projects, keeping backups)",
                dest.display()
            )
        })
    };
    if let Some(refusal) = over_input() {
        return Err(refusal);
    }
    if let Some(first) = shared.first_to.get(dest).filter(|p| **p != target.path) {
        return Err(format!(
            "{}: is where {} is written too; not written (give the two projects' folders \
             rather than the files, or run them separately)",
            dest.display(),
            first.display()
        ));
    }
    let meta = std::fs::metadata(&target.path).ok();
    let mut lock = None;
    // Called once the project is read and planned: a project that fails leaves no folder.
    let open = |_len: usize| -> std::io::Result<write::Staged> {
        create_parent(dest)?;
        lock = Some(write::lock::ProjectLock::acquire(dest)?);
        shared.leftovers.remove(dest);
        if let Some(refusal) = over_input() {
            return Err(std::io::Error::other(refusal));
        }
        write::Staged::create(dest, meta.as_ref())
    };
    let describe = |e: std::io::Error| format!("{}: {e}", dest.display());
    let how = WriteInto {
        from: &target.path,
        only_edits: false,
        keep_input: text_diff,
        relocation,
    };
    let (mut planned, staged) =
        run::plan_write_into(target, shared.finder, shared.limits, how, open, describe)?;
    let staged = staged.ok_or("internal error: nothing rendered")?;
    if text_diff {
        planned.processed.output = Some(std::fs::read(staged.path()).map_err(describe)?);
    }
    staged.commit().map_err(describe)?;
    drop(lock);
    Ok(Written {
        planned,
        output: Some(dest.to_path_buf()),
        backup: None,
    })
}

/// The files given as input, by identity ([`crate::batch::file_identity`]), so that no
/// output lands on one whatever path leads to it.
#[derive(Default)]
struct Inputs(std::collections::HashSet<crate::batch::FileIdentity>);

impl Inputs {
    fn of(targets: &[Target]) -> Inputs {
        Inputs(
            targets
                .iter()
                .map(|t| crate::batch::file_identity(&t.path))
                .collect(),
        )
    }

    /// True when `path` is an input (a path that leads to no file is none).
    fn holds(&self, path: &Path) -> bool {
        path.exists() && self.0.contains(&crate::batch::file_identity(path))
    }
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
    if let Some(out) = &args.out
        && let Some(folder) = out_is_an_input_folder(out, &args.run.selection.paths)
    {
        eprintln!(
            "error: --out {} is the folder {} given as input: the outputs would replace the \
             projects (--in-place replaces projects, keeping backups)",
            escape::path(out),
            escape::path(folder)
        );
        return EXIT_ERROR;
    }
    name_rules_that_remove_or_mute(&prepared);
    let shared = Shared {
        finder: &prepared.finder,
        limits,
        inputs: Inputs::of(&prepared.targets),
        leftovers: Default::default(),
        first_to: first_to_each_output(args.out.as_deref(), &prepared.targets),
    };

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
    let count = prepared.targets.len();
    let mut taken = 0;
    // Each project is shown as soon as the ones before it are, then freed.
    run::run_with_progress_in_order(
        args.run.progress(),
        &prepared.targets,
        limits,
        |t| apply_one(args, t, &shared),
        |target, result| {
            match &result {
                Ok(w) => show(args, target, w, &mut out, style),
                Err(e) => out.failed(&target.path, e, true),
            }
            taken += 1;
            run::done_with(result, taken == count);
        },
    );
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
    code
}

/// Shows what happened to one planned project.
fn show(args: &ApplyArgs, target: &Target, w: &Written, out: &mut Printer, style: Style) {
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
