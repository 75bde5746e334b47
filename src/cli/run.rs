//! What `check`, `apply` and `report` share: finding the projects and their rules, reading
//! and planning each one in parallel with a progress bar. How a run is printed is
//! [`super::output`]'s.

use super::Selection;
use crate::batch::{self, NotAProject, Target};
use crate::config::RulesFinder;
use crate::formats::WriteError;
use crate::media::relocate::Relocation;
use crate::pipeline::{self, Processed};
use crate::report::escape;
use crate::rules::{RuleSet, RulesErrors};
use crate::write::Snapshot;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A project read and planned.
pub struct Planned {
    pub rules: Arc<RuleSet>,
    /// The project's bytes as read, when kept: by [`plan_one`] when it renders, by
    /// [`plan_write_into`] when asked to.
    pub bytes: Vec<u8>,
    /// What the file held when it was read (to be compared before it is replaced in place);
    /// `None` for a project written elsewhere that was read from its file without being
    /// held whole ([`plan_write_file`]).
    pub snapshot: Option<Snapshot>,
    pub processed: Processed,
}

pub struct Prepared {
    pub finder: RulesFinder,
    pub targets: Vec<Target>,
    pub problems: Vec<NotAProject>,
    /// Folders given that hold no project (a warning each).
    pub empty: Vec<PathBuf>,
}

/// A rules file's mistakes as one project's error, on one line: the first mistake, and how
/// many more there are (`premix rules check` lists them all).
pub fn rules_error(e: &RulesErrors) -> String {
    match e.0.len() {
        0 | 1 => e.to_string(),
        n => format!(
            "{} (and {} more {}; `premix rules check {}` lists them all)",
            e.first(),
            n - 1,
            if n == 2 { "mistake" } else { "mistakes" },
            e.first().file
        ),
    }
}

/// The paths given, plus those of `--files-from`.
fn all_paths(args: &Selection) -> Result<Vec<PathBuf>, String> {
    let mut paths = args.paths.clone();
    if let Some(list) = &args.files_from {
        let reader: Box<dyn BufRead> = if list.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            let file = std::fs::File::open(list)
                .map_err(|e| format!("{}: cannot read the list of paths: {e}", list.display()))?;
            Box::new(std::io::BufReader::new(file))
        };
        for line in reader.lines() {
            let line = line.map_err(|e| format!("{}: {e}", list.display()))?;
            let line = line.trim_end_matches('\r');
            if !line.trim().is_empty() {
                paths.push(PathBuf::from(line));
            }
        }
    }
    Ok(paths)
}

/// Loads `--rules` if given and finds the projects; `Err` is a message for a run that
/// cannot start (every mistake of the rules file, one per line, the lines after the first
/// starting `error: ` like the first will once printed; each escaped for the terminal).
pub fn prepare(args: &Selection, skip: Option<&Path>) -> Result<Prepared, String> {
    let finder = RulesFinder::new(args.rules.as_deref()).map_err(|e| {
        e.iter()
            .map(|e| escape::text(&e.to_string()).into_owned())
            .collect::<Vec<_>>()
            .join("\nerror: ")
    })?;
    let paths = all_paths(args).map_err(|e| escape::text(&e).into_owned())?;
    let (targets, problems) = batch::discover(&paths, skip);
    let empty = batch::roots_without_projects(&paths, &targets, &problems);
    Ok(Prepared {
        finder,
        targets,
        problems,
        empty,
    })
}

/// Marks which tracks of `session` (read from `target`) play silence and at what levels, for
/// rules whose `unused` section asks for `silent` or that set clip gains: the media is
/// analysed as `premix preflight` does (through the user's analysis cache).
pub fn silence(target: &Target, session: &mut crate::session::Session, bytes: &[u8]) {
    let cache = crate::analysis::cache::Cache::user();
    crate::preflight::run::mark_silent(target, session, bytes, cache.as_ref());
}

/// Reads and plans one project (and renders it with `render`).
pub fn plan_one(
    target: &Target,
    finder: &RulesFinder,
    limits: &crate::limits::Limits,
    render: bool,
) -> Result<Planned, String> {
    plan_one_relocated(target, finder, limits, render, None)
}

/// [`plan_one`] for a project to be written at `relocation.output`, its media planned too
/// ([`pipeline::process_relocated`]).
pub fn plan_one_relocated(
    target: &Target,
    finder: &RulesFinder,
    limits: &crate::limits::Limits,
    render: bool,
    relocation: Option<&Relocation>,
) -> Result<Planned, String> {
    let rules = finder
        .for_project(&target.path)
        .map_err(|e| rules_error(&e))?;
    if target.format == crate::session::Format::Dawproject
        && !render
        && relocation.is_none()
        && !rules.wants_audio()
    {
        return plan_file(rules, &target.path, limits);
    }
    let (bytes, snapshot) = crate::write::read(&target.path, limits).map_err(|e| e.to_string())?;
    let silence = |s: &mut crate::session::Session, b: &[u8]| silence(target, s, b);
    let facts = rules
        .wants_audio()
        .then_some(&silence as pipeline::Facts<'_>);
    let processed = pipeline::process_relocated(
        target.format,
        &bytes,
        &rules,
        render,
        limits,
        facts,
        relocation,
    )
    .map_err(|e| describe_write(e, |e| e.to_string()))?;
    Ok(Planned {
        rules,
        // Kept only for what a rendered project may show (a text diff).
        bytes: if render { bytes } else { Vec::new() },
        snapshot: Some(snapshot),
        processed,
    })
}

/// How [`plan_write_into`] reads and renders a project.
pub struct WriteInto<'a> {
    /// The file to read (the target's path, or the file it resolves to).
    pub from: &'a Path,
    /// Render only when the plan edits the project (no sink otherwise).
    pub only_edits: bool,
    /// Keep the bytes read in [`Planned::bytes`] (for a text diff).
    pub keep_input: bool,
    /// A project written elsewhere (`--out`): its media is planned, copied when asked for,
    /// and verified too ([`pipeline::process_into_relocated`]). Not with `only_edits`.
    pub relocation: Option<&'a Relocation>,
}

/// Reads, plans and renders one project into the sink `open` makes, which comes back once
/// what it holds is verified ([`pipeline::process_into`]); the sink is `None` when
/// `how.only_edits` and the plan edits nothing. `describe_io` words a failure of the sink
/// (it knows where the sink writes).
pub fn plan_write_into(
    target: &Target,
    finder: &RulesFinder,
    limits: &crate::limits::Limits,
    how: WriteInto<'_>,
    open: impl FnOnce(usize) -> std::io::Result<crate::write::Staged>,
    describe_io: impl FnOnce(std::io::Error) -> String,
) -> Result<(Planned, Option<crate::write::Staged>), String> {
    let rules = finder
        .for_project(&target.path)
        .map_err(|e| rules_error(&e))?;
    if target.format == crate::session::Format::Dawproject
        && !how.keep_input
        && !rules.wants_audio()
    {
        return plan_write_file(rules, limits, how, open, describe_io);
    }
    let (bytes, snapshot) = crate::write::read(how.from, limits).map_err(|e| e.to_string())?;
    let kept = if how.keep_input {
        bytes.clone()
    } else {
        Vec::new()
    };
    let silence = |s: &mut crate::session::Session, b: &[u8]| silence(target, s, b);
    let facts = rules
        .wants_audio()
        .then_some(&silence as pipeline::Facts<'_>);
    let (processed, sink) = if how.only_edits {
        pipeline::process_changes_into(target.format, bytes, &rules, limits, open, facts)
    } else {
        pipeline::process_into_relocated(
            target.format,
            bytes,
            &rules,
            limits,
            open,
            facts,
            how.relocation,
        )
        .map(|(p, s)| (p, Some(s)))
    }
    .map_err(|e| describe_write(e, describe_io))?;
    let planned = Planned {
        rules,
        // Handed to the pipeline, which frees them once the output is written.
        bytes: kept,
        snapshot: Some(snapshot),
        processed,
    };
    Ok((planned, sink))
}

/// [`plan_write_into`] for a DAWproject, read from its file and never held whole
/// ([`pipeline::process_file_into`]): its untouched entries are copied file to file into
/// the staged file. (A text diff, or rules that analyse the audio, read it whole.) For a
/// project replaced in place (`how.only_edits`), the file's content is hashed as it is read
/// for the content guard ([`Planned::snapshot`]).
fn plan_write_file(
    rules: Arc<RuleSet>,
    limits: &crate::limits::Limits,
    how: WriteInto<'_>,
    open: impl FnOnce(usize) -> std::io::Result<crate::write::Staged>,
    describe_io: impl FnOnce(std::io::Error) -> String,
) -> Result<(Planned, Option<crate::write::Staged>), String> {
    let read_error = |e: std::io::Error| e.to_string();
    let (file, meta) = crate::write::open_regular(how.from).map_err(read_error)?;
    let snapshot = if how.only_edits {
        Some(Snapshot::of_file(&file).map_err(read_error)?)
    } else {
        None
    };
    let cache = crate::analysis::cache::Cache::user();
    let input = pipeline::FileInput {
        path: how.from,
        file: &file,
        meta: &meta,
        cache: cache.as_ref(),
    };
    let (processed, staged) = pipeline::process_file_into(
        &input,
        &rules,
        limits,
        Some(open),
        how.only_edits,
        how.relocation,
    )
    .map_err(|e| describe_write(e, describe_io))?;
    let planned = Planned {
        rules,
        bytes: Vec::new(),
        snapshot,
        processed,
    };
    Ok((planned, staged))
}

/// [`plan_one`] without rendering, for a DAWproject: read from its file, never held whole
/// ([`pipeline::process_file_into`] with nothing to write into).
fn plan_file(
    rules: Arc<RuleSet>,
    path: &Path,
    limits: &crate::limits::Limits,
) -> Result<Planned, String> {
    let read_error = |e: std::io::Error| e.to_string();
    let (file, meta) = crate::write::open_regular(path).map_err(read_error)?;
    let cache = crate::analysis::cache::Cache::user();
    let input = pipeline::FileInput {
        path,
        file: &file,
        meta: &meta,
        cache: cache.as_ref(),
    };
    let no_output: Option<fn(usize) -> std::io::Result<crate::write::Staged>> = None;
    let (processed, _) = pipeline::process_file_into(&input, &rules, limits, no_output, true, None)
        .map_err(|e| describe_write(e, read_error))?;
    Ok(Planned {
        rules,
        bytes: Vec::new(),
        snapshot: None,
        processed,
    })
}

/// Runs `work` on every target in parallel, with a progress bar if `bar_wanted` (not
/// `--quiet`, not `--json`) and standard error is a terminal. Results come back in target order.
pub fn run_with_progress<T: Send>(
    bar_wanted: bool,
    targets: &[Target],
    limits: &crate::limits::Limits,
    work: impl Fn(&Target) -> T + Sync + Send,
) -> Vec<T> {
    let mut results = Vec::with_capacity(targets.len());
    run_with_progress_in_order(bar_wanted, targets, limits, work, |_, r| results.push(r));
    results
}

/// [`run_with_progress`] that hands each result to `take` in target order as soon as it can
/// ([`batch::run_in_order`]), so a command shows (and frees) each project's result while the
/// others run; the progress bar steps aside while `take` prints. The projects read at once
/// stay within the memory budget of `limits` ([`batch::Budget`]).
pub fn run_with_progress_in_order<T: Send>(
    bar_wanted: bool,
    targets: &[Target],
    limits: &crate::limits::Limits,
    work: impl Fn(&Target) -> T + Sync + Send,
    mut take: impl FnMut(&Target, T),
) {
    let show = bar_wanted && std::io::stderr().is_terminal() && targets.len() > 1;
    let bar = if show {
        let bar = ProgressBar::new(targets.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} projects {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    batch::run_in_order(
        targets,
        &batch::Budget::new(limits.memory_budget()),
        |t| {
            let r = work(t);
            bar.inc(1);
            r
        },
        |t, r| bar.suspend(|| take(t, r)),
    );
    bar.finish_and_clear();
}

/// Frees a project's result once shown, except the run's last one: freeing a large
/// project's session and plan one allocation at a time would only delay the exit, while the
/// system takes the memory back whole ([`leave_to_exit`]).
pub fn done_with<T>(result: T, last: bool) {
    if last {
        leave_to_exit(result);
    } else {
        drop(result);
    }
}

/// Hands a command's results to the end of the process instead of freeing them: a command is
/// the last thing `cli::main` runs, and freeing every session and plan one allocation at a
/// time (tens of thousands for a large project) would only delay the exit, while the system
/// takes the memory back whole.
pub fn leave_to_exit<T>(results: T) {
    std::mem::forget(results);
}

/// A write's error as the user is told it: a format error as it is, an I/O error as
/// `describe_io` says it (naming the file where the caller knows it).
fn describe_write(e: WriteError, describe_io: impl FnOnce(std::io::Error) -> String) -> String {
    match e {
        WriteError::Format(e) => e.to_string(),
        WriteError::Io(e) => describe_io(e),
    }
}
