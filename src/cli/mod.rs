//! The command line: argument parsing and dispatch to one module per subcommand. Exit codes:
//! 0 done / nothing to change; 1 `check` or `report` found changes the rules want (or, with
//! `--fail-on`, new findings), `apply --dry-run`/`--diff` had changes to make; 2 any error.

mod apply;
mod check;
mod gate;
mod infer;
mod init;
mod inspect;
mod man;
mod output;
mod preflight;
mod report;
mod rules;
mod run;

pub use output::OutputFormat;

use crate::report::style::ColorChoice;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// What `check --help` says after the options: findings, baselines, exit codes.
const CHECK_HELP: &str = "Findings and their severities: `unsettled` (error: the rules \
contradict themselves on a project), `unused` (warning: a track the rules flag), `reference` \
(warning: a reference track that still feeds the master), `declined` (info: a change premix \
declined, with the reason; a reason that holds for several changes is said once, naming \
their tracks).\n\nBaseline: premix-baseline.json in the \
current folder (or --baseline FILE), JSON, projects by path relative to it, findings by code, \
track name and kind (never index) and rule label, with a count. Accepted findings fail no run; \
--verbose shows them.\n\nExit codes: 0 nothing fails; 1 changes the rules want (unless \
--fail-on never), or new findings at or above --fail-on; 2 error, or no project found at all.";

/// The exit codes, as `--help` and the man page say them.
pub const EXIT_CODES: &str = "Exit codes: 0 done or nothing to change; 1 `check`/`report` found \
changes the rules want or new findings at or above --fail-on, `apply --dry-run`/`--diff` had \
changes to make; 2 error (or no project found at all). A closed output (`premix check | head`) \
ends premix as it ends `ls`: by SIGPIPE, quietly.";

#[derive(Parser, Debug)]
#[command(
    name = "premix",
    version,
    about = "Organise DAW projects before mixing: name, colour, bus and flag tracks from a YAML rules file",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Largest project premix reads, in MiB (file size, or decompressed size for Live sets;
    /// for a DAWproject, its project.xml and each entry inflated, not the container, which
    /// check and apply never hold), from 1 to 1048576 (1 TiB).
    #[arg(long, global = true, value_name = "MIB", default_value_t = crate::limits::DEFAULT_MAX_PROJECT_MIB,
          value_parser = clap::value_parser!(u64).range(1..=crate::limits::MOST_PROJECT_MIB))]
    pub max_size: u64,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show the tracks of a project as premix sees them.
    Inspect(inspect::InspectArgs),
    /// Report what the rules would change and the findings (flagged tracks, declined
    /// changes); exit 1 for pending changes, or findings at or above --fail-on.
    #[command(after_help = CHECK_HELP)]
    Check(check::CheckArgs),
    /// Apply the rules and write the projects (--out DIR or --in-place; --dry-run to write
    /// nothing).
    #[command(
        after_help = "Exit codes: 0 done; with --dry-run or --diff, 1 when there were changes \
                      to make (0 when none); 2 error, or no project found at all."
    )]
    Apply(apply::ApplyArgs),
    /// Write an HTML page showing every project's tracks before and after the rules (exit
    /// codes, --fail-on and baseline as `check`).
    #[command(after_help = CHECK_HELP)]
    Report(report::ReportArgs),
    /// Is each session ready to mix? Locates, decodes and measures the media every track
    /// plays (over the part each item plays) and reports missing or damaged files, clipping,
    /// silence, rate and depth mismatches, stereo faults, DC, short stems and default or
    /// duplicate names (exit 1 on problems at or above --fail-on).
    Preflight(preflight::PreflightArgs),
    /// Work with rules files.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Write a commented starter .premix.yaml.
    Init(init::InitArgs),
    /// Print a shell completion script (bash, zsh, fish, ...).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) documenting every subcommand and its options:
    /// `premix man > premix.1`; `--dir DIR` writes a page per subcommand instead.
    Man(man::ManArgs),
}

/// Options shared by `check` and `apply`.
#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Output format: `text`; `json` (one versioned document for the whole run); `github`
    /// (GitHub Actions workflow annotations); `sarif` (one SARIF 2.1.0 log).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// The same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// One line per project that needs attention (changes, or findings that fail the run),
    /// nothing else; no progress bar.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Every change and finding, also those a baseline accepts.
    #[arg(long, short)]
    pub verbose: bool,
}

impl RunArgs {
    pub fn output_format(&self) -> OutputFormat {
        if self.json {
            OutputFormat::Json
        } else {
            self.format
        }
    }

    pub fn verbosity(&self) -> output::Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => output::Verbosity::Quiet,
            (false, true) => output::Verbosity::Verbose,
            (false, false) => output::Verbosity::Normal,
        }
    }

    /// A progress bar on a terminal, unless `--quiet` or a document format.
    pub fn progress(&self) -> bool {
        !self.quiet && self.output_format() == OutputFormat::Text
    }
}

/// Which projects a run covers and which rules it applies: the options `check`, `apply` and
/// `report` share.
#[derive(Args, Debug)]
pub struct Selection {
    /// Project files or folders to walk for projects.
    #[arg(required_unless_present = "files_from", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read more PATHs from FILE, one per line (`-` for standard input): shard a large
    /// archive across machines by giving each one part of the list.
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,
    /// The rules file for every project, or an embedded convention by name (`default`, or
    /// `dry-mix`: the default and every track at a level to mix from). Without it, each
    /// project uses the nearest `.premix.yaml` or `premix.yaml` from its folder upwards, else
    /// the embedded default.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

pub fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse_from(diff_value_after_space(std::env::args_os()));
    let limits = crate::limits::Limits::from_mib(cli.max_size);
    let code = match &cli.command {
        Command::Inspect(args) => inspect::run(args, cli.color, &limits),
        Command::Check(args) => check::run(args, cli.color, &limits),
        Command::Apply(args) => apply::run(args, cli.color, &limits),
        Command::Report(args) => report::run(args, cli.color, &limits),
        Command::Preflight(args) => preflight::run(args, cli.color, &limits),
        Command::Rules(cmd) => rules::run(cmd, &limits),
        Command::Init(args) => init::run(args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "premix", &mut std::io::stdout());
            EXIT_OK
        }
        Command::Man(args) => man::run(args),
    };
    ExitCode::from(code)
}

/// Lets a closed standard output (`premix check | head -1`) end premix the way it ends `ls`:
/// by SIGPIPE, quietly. Rust ignores SIGPIPE, so a write to a closed pipe returns an error,
/// and `println!` panics on it (exit 101, "failed printing to stdout"). Every write premix
/// makes to a project is finished before anything is printed, so ending mid-output leaves no
/// file half-written.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once, first thing in main, before any thread exists; SIG_DFL is the
    // disposition every process starts with outside Rust.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `--diff text` (a space before the value) as `--diff=text`. The value of `--diff` is
/// optional, so clap takes the word after it for a PATH unless joined by `=`; a word that is
/// one of `--diff`'s values is taken as its value instead (a project folder named `text` is
/// then `./text`).
fn diff_value_after_space(
    args: impl Iterator<Item = std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    let mut out: Vec<std::ffi::OsString> = Vec::new();
    let mut options_end = false;
    for arg in args {
        let joins = !options_end
            && out.last().is_some_and(|prev| prev == "--diff")
            && (arg == "text" || arg == "semantic");
        if joins {
            let last = out.last_mut().expect("checked above");
            last.push("=");
            last.push(&arg);
            continue;
        }
        options_end |= arg == "--";
        out.push(arg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_value_after_a_space_joins_the_option() {
        let args = |list: &[&str]| -> Vec<String> {
            diff_value_after_space(list.iter().map(std::ffi::OsString::from))
                .into_iter()
                .map(|a| a.into_string().unwrap())
                .collect()
        };
        assert_eq!(
            args(&["premix", "apply", "--diff", "text", "songs"]),
            ["premix", "apply", "--diff=text", "songs"]
        );
        assert_eq!(
            args(&["premix", "apply", "--diff", "songs"]),
            ["premix", "apply", "--diff", "songs"]
        );
        assert_eq!(
            args(&["premix", "apply", "--", "--diff", "text"]),
            ["premix", "apply", "--", "--diff", "text"]
        );
    }
}
