//! `premix init [DIR]`: write a commented starter `.premix.yaml`.

use super::{EXIT_ERROR, EXIT_OK};
use crate::report::escape;
use clap::Args;
use std::path::PathBuf;

/// The starter written by `premix init` (`rules/starter.yaml`).
pub const STARTER: &str = include_str!("../../rules/starter.yaml");

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The folder whose projects the rules are for (default: the current folder).
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Replace an existing .premix.yaml.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &InitArgs) -> u8 {
    let path = args.dir.join(".premix.yaml");
    if path.exists() && !args.force {
        eprintln!(
            "error: {} exists already (use --force to replace it)",
            escape::path(&path)
        );
        return EXIT_ERROR;
    }
    match crate::write::atomic_write(&path, STARTER.as_bytes(), None) {
        Ok(()) => {
            println!(
                "wrote {}: edit it, then `premix rules check {}` and `premix check {}`",
                escape::path(&path),
                escape::path(&path),
                escape::path(&args.dir)
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!(
                "error: {}: {}",
                escape::path(&path),
                escape::text(&e.to_string())
            );
            EXIT_ERROR
        }
    }
}
