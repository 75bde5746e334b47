//! `premix man [--dir DIR]`: the manual. One page on standard output with every subcommand
//! and its options (the top page's sections, then a section per subcommand made of that
//! subcommand's own synopsis, description and options, demoted to subsections), or, with
//! `--dir`, one page per command written as files (`premix.1`, `premix-check.1`,
//! `premix-rules-check.1`, ...), as clap_mangen makes them.

use super::{Cli, EXIT_ERROR, EXIT_OK};
use clap::{Args, CommandFactory};
use clap_mangen::Man;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write one page per command into DIR (`premix.1`, `premix-check.1`, ...) instead of
    /// printing one page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// A rendered section without its `.SH` line, and its roff lines demoted (`.SH` → `.SS`).
fn body(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> std::io::Result<String> {
    let mut buffer = Vec::new();
    render(&mut buffer)?;
    let text = String::from_utf8_lossy(&buffer).into_owned();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let mut out = String::new();
    if !first.starts_with(".SH") {
        out.push_str(first);
        out.push('\n');
    }
    for line in lines {
        match line.strip_prefix(".SH ") {
            Some(heading) => {
                out.push_str(".SS ");
                out.push_str(heading);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    Ok(out)
}

/// Every subcommand (depth first), with its full name (`premix rules check`).
fn subcommands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("{prefix} {}", sub.get_name());
        out.push((name.clone(), sub.clone()));
        subcommands(sub, &name, out);
    }
}

/// The one page: `premix`'s own sections, then one per subcommand with its options.
pub fn page(w: &mut dyn Write) -> std::io::Result<()> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let top = Man::new(cmd.clone());
    top.render_title(w)?;
    top.render_name_section(w)?;
    top.render_synopsis_section(w)?;
    top.render_description_section(w)?;
    top.render_options_section(w)?;
    top.render_subcommands_section(w)?;
    let mut all = Vec::new();
    subcommands(&cmd, "premix", &mut all);
    for (name, sub) in all {
        writeln!(w, ".SH \"{}\"", name.to_uppercase())?;
        let man = Man::new(sub.clone());
        w.write_all(body(|b| man.render_synopsis_section(b))?.as_bytes())?;
        w.write_all(body(|b| man.render_description_section(b))?.as_bytes())?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            w.write_all(body(|b| man.render_options_section(b))?.as_bytes())?;
        }
        if sub.get_after_help().is_some() || sub.get_after_long_help().is_some() {
            w.write_all(body(|b| man.render_extra_section(b))?.as_bytes())?;
        }
    }
    top.render_extra_section(w)?;
    top.render_version_section(w)
}

pub fn run(args: &ManArgs) -> u8 {
    let result = match &args.dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(Cli::command(), dir))
            .map(|()| println!("wrote the man pages into {}", dir.display())),
        None => page(&mut std::io::stdout().lock()),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            let place = args
                .dir
                .as_ref()
                .map_or_else(String::new, |d| format!("{}: ", d.display()));
            eprintln!("error: {place}{e}");
            EXIT_ERROR
        }
    }
}
