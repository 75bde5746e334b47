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
    /// Learn a studio's convention from projects that are already tidy: write the commented
    /// rules file that reproduces their colours, buses and spellings.
    #[command(after_help = super::infer::AFTER_HELP)]
    Infer(super::infer::InferArgs),
}

/// The JSON Schema of rules files, version 1 (`rules/schema.json`).
pub const SCHEMA: &str = include_str!("../../rules/schema.json");

/// Loads a rules file (and what it extends).
pub fn load(file: &Path) -> Result<RuleSet, crate::rules::RulesErrors> {
    crate::config::load_named(file)
}

pub fn run(cmd: &RulesCommand, limits: &crate::limits::Limits) -> u8 {
    match cmd {
        RulesCommand::Infer(args) => super::infer::run(args, limits),
        RulesCommand::Check { file } => match load(file) {
            Ok(rules) => {
                println!(
                    "{}: ok ({}, {}{}{})",
                    crate::report::escape::path(file),
                    count(rules.rules.len(), "rule", "rules"),
                    count(rules.buses.len(), "bus", "buses"),
                    if rules.unused.is_some() {
                        ", unused policy"
                    } else {
                        ""
                    },
                    own_share(&rules)
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

/// For a file that extends another (`extends:`), how many of the rules and buses counted are
/// its own (what `rules infer` reports having learned): `; 4 rules and 1 bus its own, the
/// rest extended`. Empty for a file that extends nothing.
fn own_share(rules: &crate::rules::RuleSet) -> String {
    let own_rules = rules
        .rules
        .iter()
        .filter(|r| r.file == rules.source)
        .count();
    let own_buses = rules
        .buses
        .iter()
        .filter(|b| b.file == rules.source)
        .count();
    if own_rules == rules.rules.len() && own_buses == rules.buses.len() {
        return String::new();
    }
    format!(
        "; {} and {} its own, the rest extended",
        count(own_rules, "rule", "rules"),
        count(own_buses, "bus", "buses")
    )
}
