//! Human-readable output: an inspect table, linter-style change and finding lines, counts.

use super::escape;
use super::style::Style;
use super::{TrackLabel, describe};
use crate::findings::{Finding, Severity};
use crate::plan::{Action, Plan, UnusedReason};
use crate::session::Session;
use std::fmt::Write;
use std::path::Path;

/// The tracks of a session as a table, the bus tree indented.
pub fn inspect(
    path: &Path,
    session: &Session,
    unused: &[Vec<UnusedReason>],
    style: Style,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}, {})",
        style.bold(&escape::path(path)),
        session.format,
        count(session.tracks.len(), "track", "tracks")
    );
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!(
            "{:>4}  {:<36} {:<8} {:<8} {:>5}  {}",
            "#", "name", "kind", "colour", "media", "state"
        ))
    );
    let shown = session.shown_names();
    for t in &session.tracks {
        let depth = session.depth(t.index);
        // As the DAW shows the name, on one line (one row per track), escaped for the terminal.
        let shown_name = escape::text(&super::one_line(&shown[t.index])).into_owned();
        let name = format!(
            "{}{}{}",
            "  ".repeat(depth),
            style.swatch(t.color),
            shown_name
        );
        // Pad by visible width: escape codes take no columns.
        let visible = 2 * depth + shown_name.chars().count() + style.swatch_width();
        let pad = 36usize.saturating_sub(visible);
        let mut state = Vec::new();
        if t.muted {
            state.push("muted".to_string());
        }
        if let Some(reasons) = unused.get(t.index).filter(|r| !r.is_empty()) {
            let why: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
            state.push(format!("unused ({})", why.join(", ")));
        }
        let line = format!(
            "{:>4}  {}{} {:<8} {:<8} {:>5}  {}",
            t.index + 1,
            name,
            " ".repeat(pad),
            t.kind.as_str(),
            t.color.map_or_else(|| "-".to_string(), |c| c.to_string()),
            t.media_count,
            state.join(", ")
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// One line per change to the file, each naming the rule that asked: `path: track 3 "kick":
/// rename to "Kick 1"  [rules.yaml:12 kick]`. Flags and notes are findings
/// ([`finding_lines`]).
pub fn plan_lines(path: &Path, session: &Session, plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    let shown = escape::path(path);
    for bus in &plan.new_buses {
        let _ = writeln!(
            out,
            "{shown}: new bus {}{}  {}",
            escape::quoted(&bus.name),
            bus.color
                .map_or_else(String::new, |c| format!(" {}{c}", style.swatch(Some(c)))),
            style.dim(&origin(
                &bus.origin.file,
                bus.origin.line,
                &bus.origin.label
            ))
        );
    }
    for change in plan.changes.iter().filter(|c| c.edits_file()) {
        let o = &change.origin;
        // On a terminal, indent by the bus tree; plain output stays `path: track ...` for grep.
        let indent = if style.color {
            "  ".repeat(session.depth(change.track).min(session.tracks.len()))
        } else {
            String::new()
        };
        // Written in place, piece by piece: a large project has tens of thousands of lines.
        let _ = write!(
            out,
            "{shown}: {indent}{}: ",
            TrackLabel(session, change.track)
        );
        match &change.action {
            Action::Recolor { to } => {
                let from = session.tracks.get(change.track).and_then(|t| t.color);
                out.push_str("colour ");
                out.push_str(&style.swatch(from));
                match from {
                    Some(c) => _ = write!(out, "{c}"),
                    None => out.push_str("none"),
                }
                out.push_str(" → ");
                out.push_str(&style.swatch(Some(*to)));
                let _ = write!(out, "{to}");
            }
            _ => out.push_str(&describe(session, plan, change)),
        }
        out.push_str("  ");
        if style.color {
            out.push_str(&style.dim(&origin(&o.file, o.line, &o.label)));
        } else {
            out.push_str(&origin(&o.file, o.line, &o.label));
        }
        out.push('\n');
    }
    out
}

/// One line per finding, its severity first: `path: warning: track 22 "Audio 23": unused
/// (no_media)  [rules.yaml:40 unused]`. Findings the baseline accepts (`accepted[i]` for
/// `findings[i]`) are left out, unless `show_accepted`, which marks them.
pub fn finding_lines(
    path: &Path,
    session: &Session,
    findings: &[Finding<'_>],
    accepted: &[bool],
    show_accepted: bool,
    style: Style,
) -> String {
    let mut out = String::new();
    let shown = escape::path(path);
    for (i, f) in findings.iter().enumerate() {
        let is_accepted = accepted.get(i).copied().unwrap_or(false);
        if is_accepted && !show_accepted {
            continue;
        }
        let severity = format!("{}:", f.severity());
        let severity = match f.severity() {
            Severity::Error => style.red(&severity),
            Severity::Warning => style.yellow(&severity),
            Severity::Info => style.dim(&severity),
        };
        let track = super::finding_tracks(session, f);
        let origin = f.origin.map_or_else(String::new, |o| {
            format!("  {}", style.dim(&origin(&o.file, o.line, &o.label)))
        });
        let mark = if is_accepted {
            style.dim(" (accepted by the baseline)")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{shown}: {severity} {track}{}{origin}{mark}",
            escape::text(&f.message)
        );
    }
    out
}

/// `error: message` for a run that cannot start or go on (escaped for the terminal).
pub fn error(message: &dyn std::fmt::Display) -> String {
    format!("error: {}\n", escape::text(&message.to_string()))
}

/// `[rules.yaml:12 kick]`: the rule that asked, as the terminal may show it.
fn origin(file: &str, line: usize, label: &str) -> String {
    format!("[{}:{line} {}]", escape::text(file), escape::text(label))
}

/// `1 change`, `2 changes`: a count and its noun, singular or plural.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// `error: path: line 3: unterminated quoted string` (path and message escaped for the
/// terminal).
pub fn error_line(path: &Path, message: &str, style: Style) -> String {
    format!(
        "{} {}: {}\n",
        style.red("error:"),
        escape::path(path),
        escape::text(message)
    )
}

/// How a project written elsewhere reaches its media (`apply --out`), on one line: `path:
/// media: 26 files reached where they are (24 paths rewritten); 1 not found: Audio/x.wav`
/// (for a session that searches folders, `(24 through the session's search path)`),
/// or `26 files copied under the output folder (26 copies)`; `None` for a project that
/// names no file. `done`: the output was written (else a dry run: what would happen).
pub fn media_line(
    path: &Path,
    media: &crate::media::relocate::MediaPlan,
    done: bool,
) -> Option<String> {
    use crate::media::relocate::Carry;
    if media.files.is_empty() {
        return None;
    }
    let c = media.counts();
    let files = count(c.files - c.outside, "file", "files");
    let mut details = Vec::new();
    let mut head = match media.carry {
        Carry::Reach => format!(
            "{} {} where {}",
            count(c.files, "file", "files"),
            if done { "reached" } else { "would be reached" },
            if c.files == 1 { "it is" } else { "they are" }
        ),
        Carry::Copy => {
            for (n, one, many) in [
                (c.copied, "copy", "copies"),
                (c.present, "already there", "already there"),
                (c.pending, "to copy", "to copy"),
            ] {
                if n > 0 {
                    details.push(count(n, one, many));
                }
            }
            format!("{files} copied under the output folder")
        }
    };
    if c.rewritten > 0 && media.through_search_path {
        // (Ardour) no reference changes: the files' folders join the search path.
        details.push(format!("{} through the session's search path", c.rewritten));
    } else if c.rewritten > 0 {
        let verb = if done { "rewritten" } else { "to rewrite" };
        details.push(format!("{} {verb}", count(c.rewritten, "path", "paths")));
    }
    if !details.is_empty() {
        let _ = write!(head, " ({})", details.join(", "));
    }
    if c.outside > 0 {
        let _ = write!(
            head,
            "; {} outside the folder given reached where {}",
            count(c.outside, "file", "files"),
            if c.outside == 1 { "it is" } else { "they are" }
        );
    }
    if c.unreached > 0 {
        let _ = write!(
            head,
            "; {} not reachable from the output (see the declined findings)",
            count(c.unreached, "file", "files")
        );
    }
    if c.missing > 0 {
        const SHOWN: usize = 5;
        let names: Vec<&str> = media
            .missing()
            .take(SHOWN)
            .map(|f| f.file.path.as_str())
            .collect();
        let more = c.missing.saturating_sub(SHOWN);
        let _ = write!(
            head,
            "; {} not found: {}{}",
            c.missing,
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    Some(format!("{}: media: {head}\n", path.display()))
}
