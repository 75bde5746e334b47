//! `premix rules check FILE`: validate a rules file.

use super::{EXIT_ERROR, EXIT_OK};
use crate::rules::RuleSet;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Validate a rules file; errors name the file, line and column.
    Check {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print the JSON Schema of rules files, for editors to complete and validate them.
    Schema,
}

/// The JSON Schema of rules files, version 1 (`rules/schema.json`).
pub const SCHEMA: &str = include_str!("../../rules/schema.json");

/// Loads a rules file (and what it extends).
pub fn load(file: &Path) -> Result<RuleSet, String> {
    crate::config::load_file(file).map_err(|e| e.to_string())
}

pub fn run(cmd: &RulesCommand) -> u8 {
    match cmd {
        RulesCommand::Check { file } => match load(file) {
            Ok(rules) => {
                println!(
                    "{}: ok ({} rules, {} buses{})",
                    crate::report::escape::path(file),
                    rules.rules.len(),
                    rules.buses.len(),
                    if rules.unused.is_some() {
                        ", unused policy"
                    } else {
                        ""
                    }
                );
                EXIT_OK
            }
            Err(e) => {
                eprint!("{}", crate::report::human::error(&e));
                EXIT_ERROR
            }
        },
        RulesCommand::Schema => {
            print!("{SCHEMA}");
            EXIT_OK
        }
    }
}
