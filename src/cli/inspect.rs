//! `premix inspect FILE [--json]`: the tracks as premix sees them.

use super::{EXIT_ERROR, EXIT_OK};
use crate::formats::{self, format_for_path};
use crate::report::style::{ColorChoice, Style};
use crate::report::{human, json};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct InspectArgs {
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Rules whose `unused` section decides which tracks are shown as unused (default: the
    /// nearest `.premix.yaml`, else the embedded convention).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &InspectArgs, color: ColorChoice, limits: &crate::limits::Limits) -> u8 {
    let fail = |message: String| {
        eprint!(
            "{}",
            human::error_line(&args.file, &message, Style::plain())
        );
        EXIT_ERROR
    };
    let rules = match crate::config::RulesFinder::new(args.rules.as_deref())
        .and_then(|finder| finder.for_project(&args.file))
    {
        Ok(r) => r,
        Err(errors) => {
            for e in errors.iter() {
                eprint!("{}", crate::report::human::error(e));
            }
            return EXIT_ERROR;
        }
    };
    let Some(format) = format_for_path(&args.file) else {
        return fail(format!(
            "not a supported project file (expected {})",
            crate::formats::SUPPORTED_EXTENSIONS
        ));
    };
    let bytes = match crate::write::read(&args.file, limits) {
        Ok((bytes, _)) => bytes,
        Err(e) => return fail(e.to_string()),
    };
    let project = match formats::open_with(format, &bytes, limits) {
        Ok(p) => p,
        Err(e) => return fail(e.to_string()),
    };
    // The items (shown by --json) and, when the rules ask for `silent`, the audio analysed.
    let mut known = project.session().clone();
    formats::read_media(format, &bytes, &mut known);
    if rules.wants_silence() {
        let target = crate::batch::Target {
            path: args.file.clone(),
            root: args.file.clone(),
            format,
        };
        super::run::silence(&target, &mut known, &bytes);
    }
    let session = &known;
    let names = crate::rules::Names::of(session);
    let has_material = rules.has_material(session, &names);
    let unused: Vec<_> = session
        .tracks
        .iter()
        .map(|t| rules.unused_reasons(session, &names, t, has_material))
        .collect();
    if args.json {
        let doc = json::inspect_document(&args.file, session, &unused);
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print!(
            "{}",
            human::inspect(&args.file, session, &unused, Style::for_stdout(color))
        );
    }
    EXIT_OK
}
