//! Differences a plan makes: semantic (track by track, name, colour and bus before → after)
//! and textual (a unified diff of the project text).
//!
//! The semantic diff names each track as the DAW shows it before the run. A DAW that numbers
//! names by position (Live: `18-Group`) shows some tracks under a new number after a run
//! that inserts or moves tracks above them; that is not a rename nor a bus change: such a track
//! gets `shown as "20-Group"`, and a track whose group only got a new number shows no bus
//! change.

use super::escape;
use super::style::Style;
use crate::plan::{Action, Plan, Slot};
use crate::session::Session;
use std::fmt::Write;
use std::path::Path;

fn parent_name(session: &Session, parent: Option<usize>) -> String {
    parent.map_or_else(
        || "—".to_string(),
        |p| escape::text(&session.shown_name(p)).into_owned(),
    )
}

pub fn semantic(path: &Path, before: &Session, plan: &Plan, style: Style) -> String {
    let after = plan.predict(before);
    let layout = plan.layout(before);
    let shown = escape::path(path);
    let mut out = format!("--- {shown}\n+++ {shown} (after premix)\n");
    let mut kept = vec![false; before.tracks.len()];
    for (i, slot) in layout.slots.iter().enumerate() {
        let a = &after.tracks[i];
        match *slot {
            Slot::NewBus(_) => {
                let _ = writeln!(
                    out,
                    "+ new {}{} (bus{})",
                    style.swatch(a.color),
                    escape::quoted(&a.name),
                    a.color.map_or_else(String::new, |c| format!(", {c}"))
                );
            }
            Slot::Track(t) => {
                kept[t] = true;
                let b = &before.tracks[t];
                let mut parts = Vec::new();
                // Renames only; shown as the DAW shows the names (a moved Live track's number
                // changes, its name does not).
                let renamed = plan
                    .changes
                    .iter()
                    .any(|c| c.track == t && matches!(c.action, Action::Rename { .. }));
                if renamed && a.name != b.name {
                    parts.push(format!(
                        "name {} → {}",
                        escape::quoted(&before.shown_name(t)),
                        escape::quoted(&after.shown_name(i))
                    ));
                }
                if a.color != b.color {
                    let show =
                        |c: Option<crate::session::Rgb>| c.map_or("none".into(), |c| c.to_string());
                    parts.push(format!(
                        "colour {}{} → {}{}",
                        style.swatch(b.color),
                        show(b.color),
                        style.swatch(a.color),
                        show(a.color)
                    ));
                }
                // The bus changes when the enclosing track does, not when its shown name does
                // (a Live group never named is renumbered when a group is inserted above it).
                let parent_after = a.parent.map(|p| layout.slots[p]);
                if parent_after != b.parent.map(Slot::Track) {
                    let (pb, pa) = (parent_name(before, b.parent), parent_name(&after, a.parent));
                    parts.push(format!("bus {pb} → {pa}"));
                }
                if a.muted != b.muted {
                    parts.push("muted".to_string());
                }
                // Not renamed, yet shown under a new number (Live numbers unnamed tracks by
                // position): said once, after the other changes.
                if !renamed {
                    let (shown_before, shown_after) = (before.shown_name(t), after.shown_name(i));
                    if shown_before != shown_after {
                        parts.push(format!("shown as {}", escape::quoted(&shown_after)));
                    }
                }
                if !parts.is_empty() {
                    let name = escape::quoted(&before.shown_name(t));
                    let _ = writeln!(out, "~ {:>3} {name}: {}", t + 1, parts.join(", "));
                }
            }
        }
    }
    for (t, kept) in kept.iter().enumerate() {
        if !kept {
            let name = escape::quoted(&before.shown_name(t));
            let _ = writeln!(out, "- {:>3} {name} (removed)", t + 1);
        }
    }
    out
}

/// A unified diff of the project text (decoded lossily where it is not UTF-8; control
/// characters but line breaks escaped for the terminal).
pub fn text(path: &Path, before: &[u8], after: &[u8]) -> String {
    let before = String::from_utf8_lossy(before);
    let after = String::from_utf8_lossy(after);
    let shown = escape::path(path);
    let diff = similar::TextDiff::from_lines(before.as_ref(), after.as_ref())
        .unified_diff()
        .context_radius(3)
        .header(&shown, &format!("{shown} (after premix)"))
        .to_string();
    escape::lines(&diff).into_owned()
}
