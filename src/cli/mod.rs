//! The command line: argument parsing and dispatch to one module per subcommand. Exit codes:
//! 0 done / nothing to change, 1 `check` found changes or flagged tracks, 2 any error.

mod apply;
mod check;
mod init;
mod inspect;
mod report;
mod rules;
mod run;

use crate::report::style::ColorChoice;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "premix",
    version,
    about = "Organise DAW projects before mixing: name, colour, bus and flag tracks from a YAML rules file",
    after_help = "Exit codes: 0 done or nothing to change; 1 `check` found changes or flagged tracks; 2 error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Largest project premix reads, in MiB (file size, or decompressed size for Live sets),
    /// from 1 to 1048576 (1 TiB).
    #[arg(long, global = true, value_name = "MIB", default_value_t = crate::limits::DEFAULT_MAX_PROJECT_MIB,
          value_parser = clap::value_parser!(u64).range(1..=crate::limits::MOST_PROJECT_MIB))]
    pub max_size: u64,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show the tracks of a project as premix sees them.
    Inspect(inspect::InspectArgs),
    /// Report what the rules would change and which tracks are flagged (exit 1 if any).
    Check(check::CheckArgs),
    /// Apply the rules and write the projects.
    Apply(apply::ApplyArgs),
    /// Write an HTML page showing every project's tracks before and after the rules (exit
    /// codes as `check`).
    Report(report::ReportArgs),
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
    /// Print the man page (roff): `premix man > premix.1`.
    Man,
}

/// Options shared by `check` and `apply`.
#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Print one JSON document for the whole run.
    #[arg(long)]
    pub json: bool,
    /// No progress bar and no line for projects that need nothing.
    #[arg(long, short)]
    pub quiet: bool,
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
    /// The rules file for every project. Without it, each project uses the nearest
    /// `.premix.yaml` or `premix.yaml` from its folder upwards, else the embedded default.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let limits = crate::limits::Limits::from_mib(cli.max_size);
    let code = match &cli.command {
        Command::Inspect(args) => inspect::run(args, cli.color, &limits),
        Command::Check(args) => check::run(args, cli.color, &limits),
        Command::Apply(args) => apply::run(args, cli.color, &limits),
        Command::Report(args) => report::run(args, cli.color, &limits),
        Command::Rules(cmd) => rules::run(cmd),
        Command::Init(args) => init::run(args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "premix", &mut std::io::stdout());
            EXIT_OK
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            match clap_mangen::Man::new(cmd).render(&mut std::io::stdout()) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    eprint!("{}", crate::report::human::error(&e));
                    EXIT_ERROR
                }
            }
        }
    };
    ExitCode::from(code)
}
