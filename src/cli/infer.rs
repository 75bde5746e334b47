//! `premix rules infer PATH... [--extends default|none] [-o FILE]`: write the rules file that
//! reproduces the convention of projects already tidy ([`crate::rules::infer`]).
//!
//! Projects are found as `check` finds them (folders walked, backups skipped) and read in
//! parallel; one that cannot be read is reported and the rest are learned from (exit 2). The
//! file goes to standard output, or to `-o FILE` (written atomically; never over a project
//! it learns from); a summary goes to standard error.

use super::{EXIT_ERROR, EXIT_OK};
use crate::batch;
use crate::report::human::count;
use crate::rules::infer::{self, Evidence, Extends};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// What `rules infer --help` says after the options.
pub const AFTER_HELP: &str = "Learned: families of tracks (the colour and folder/bus their \
tracks share, found by the words of their names), the studio's buses as it names them, \
spellings every project agrees on, and how it colours tracks without media. Each rule is \
commented with its support; names given two colours or buses, and every track the rules \
would change on these projects, are listed at the end. The same projects in any order give \
the same file.\n\nExit codes: 0 written; 2 error (a project that cannot be read is reported \
and the others are learned from; nothing to learn from writes nothing).";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExtendsArg {
    /// Only what differs from the embedded default convention (`extends: default`).
    Default,
    /// A file that stands alone.
    None,
}

#[derive(Args, Debug)]
pub struct InferArgs {
    /// Tidy project files, or folders to walk for them (any mix of formats).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// What the learned file layers on.
    #[arg(long, value_enum, default_value_t = ExtendsArg::Default)]
    pub extends: ExtendsArg,
    /// Write the rules file here instead of to standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &InferArgs, limits: &crate::limits::Limits) -> u8 {
    let (targets, problems) = batch::discover(&args.paths, None);
    let mut failed = false;
    for p in &problems {
        eprintln!("error: {}: {}", p.path.display(), p.reason);
        failed = true;
    }
    for root in batch::roots_without_projects(&args.paths, &targets, &problems) {
        eprintln!("warning: {}: no project found here", root.display());
    }
    if let Some(out) = &args.output
        && let Some(t) = targets.iter().find(|t| same_file(&t.path, out))
    {
        eprintln!(
            "error: {}: is a project to learn from; write the rules elsewhere",
            t.path.display()
        );
        return EXIT_ERROR;
    }
    let read = batch::run_all(&targets, |t| read_one(&t.path, t.format, limits));
    let mut evidence = Vec::with_capacity(read.len());
    for (target, result) in targets.iter().zip(read) {
        match result {
            Ok(e) => evidence.push(e),
            Err(message) => {
                eprintln!("error: {}: {message}", target.path.display());
                failed = true;
            }
        }
    }
    let extends = match args.extends {
        ExtendsArg::Default => Extends::Default,
        ExtendsArg::None => Extends::Nothing,
    };
    let learned = match infer::infer(&evidence, extends) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    let written = match &args.output {
        None => {
            print!("{}", learned.text);
            None
        }
        Some(out) => match crate::write::atomic_write(out, learned.text.as_bytes(), None) {
            Ok(()) => Some(out),
            Err(e) => {
                eprintln!("error: {}: {e}", out.display());
                return EXIT_ERROR;
            }
        },
    };
    summarise(&learned, written.map(PathBuf::as_path));
    if failed { EXIT_ERROR } else { EXIT_OK }
}

fn summarise(learned: &infer::Inferred, written: Option<&Path>) {
    let fit = &learned.fit;
    let place = written.map_or_else(
        || "the end of the file".to_string(),
        |p| format!("the end of {}", p.display()),
    );
    eprintln!(
        "premix: learned from {} ({}){}: {}, {}",
        count(learned.projects, "project", "projects"),
        count(learned.tracks, "track", "tracks"),
        if learned.skipped.is_empty() {
            String::new()
        } else {
            format!(
                ", {} without readable track colours: names and folders only",
                count(learned.skipped.len(), "project", "projects")
            )
        },
        count(learned.file_rules, "rule", "rules"),
        count(learned.file_buses, "bus", "buses"),
    );
    eprintln!(
        "premix: on those projects the rules change nothing for {} of the {} tracks they have \
         a rule for ({:.1}%){}",
        fit.unchanged,
        fit.covered,
        fit.share() * 100.0,
        if fit.changed.is_empty() {
            String::new()
        } else {
            format!("; the others are listed at {place}")
        }
    );
    if learned.conflicts > 0 {
        eprintln!(
            "premix: {} given different colours or buses, listed at {place}",
            count(learned.conflicts, "name", "names")
        );
    }
    if let Some(p) = written {
        eprintln!(
            "wrote {}: check it with `premix rules check {}`",
            p.display(),
            p.display()
        );
    }
}

/// Reads one project for learning.
fn read_one(
    path: &Path,
    format: crate::session::Format,
    limits: &crate::limits::Limits,
) -> Result<Evidence, String> {
    let (bytes, _) = crate::write::read(path, limits).map_err(|e| e.to_string())?;
    let project = crate::formats::open_with(format, &bytes, limits).map_err(|e| e.to_string())?;
    let colours = project.colour_space();
    Ok(Evidence {
        name: path.display().to_string(),
        session: project.into_session(),
        colours,
    })
}

/// True when `a` and `b` are the same file (`b` need not exist).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
