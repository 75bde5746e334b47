//! `premix rules check FILE`: validate a rules file.

use super::{EXIT_ERROR, EXIT_OK};
use crate::rules::{self, RuleSet};
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Validate a rules file; errors name the file, line and column.
    Check {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Loads the rules a run uses: `file`, or the embedded default.
pub fn load(file: Option<&Path>) -> Result<RuleSet, String> {
    let Some(path) = file else {
        return Ok(RuleSet::default_rules());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read rules file: {e}", path.display()))?;
    rules::load(&text, &path.display().to_string()).map_err(|e| e.to_string())
}

pub fn run(cmd: &RulesCommand) -> u8 {
    match cmd {
        RulesCommand::Check { file } => match load(Some(file)) {
            Ok(rules) => {
                println!(
                    "{}: ok ({} rules, {} buses{})",
                    file.display(),
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
                eprintln!("error: {e}");
                EXIT_ERROR
            }
        },
    }
}
