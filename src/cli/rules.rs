//! `premix rules check FILE`: validate a rules file.

use super::{EXIT_ERROR, EXIT_OK};
use crate::report::human::count;
use crate::rules::RuleSet;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Validate a rules file: every mistake is reported at once, each as FILE:LINE:COLUMN.
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
pub fn load(file: &Path) -> Result<RuleSet, crate::rules::RulesErrors> {
    crate::config::load_named(file)
}

pub fn run(cmd: &RulesCommand) -> u8 {
    match cmd {
        RulesCommand::Check { file } => match load(file) {
            Ok(rules) => {
                println!(
                    "{}: ok ({}, {}{})",
                    crate::report::escape::path(file),
                    count(rules.rules.len(), "rule", "rules"),
                    count(rules.buses.len(), "bus", "buses"),
                    if rules.unused.is_some() {
                        ", unused policy"
                    } else {
                        ""
                    }
                );
                EXIT_OK
            }
            Err(errors) => {
                for e in errors.iter() {
                    eprint!("{}", crate::report::human::error(e));
                }
                eprintln!(
                    "premix: {} in {}",
                    count(errors.0.len(), "mistake", "mistakes"),
                    crate::report::escape::text(&errors.first().file)
                );
                EXIT_ERROR
            }
        },
        RulesCommand::Schema => {
            print!("{SCHEMA}");
            EXIT_OK
        }
    }
}
