//! Turns a session and a rule set into a plan. Knows no file format.

use super::template::Fill;
use super::{RuleSet, UnusedAction};
use crate::plan::{Action, BusRef, Change, NewBus, Note, Origin, Plan};
use crate::session::{Rgb, Session, TrackKind};

/// What the rules settled for one track, with the origin of each setting.
#[derive(Default)]
struct Wanted {
    name: Option<(String, Origin)>,
    color: Option<(Rgb, Origin)>,
    bus: Option<(usize, Origin)>,
}

pub fn plan(rules: &RuleSet, session: &Session) -> Plan {
    let origin = |file: &std::sync::Arc<str>, line: usize, label: &str| Origin {
        file: file.clone(),
        line,
        label: label.to_string(),
    };
    let mut plan = Plan::default();
    let mut counters = vec![0usize; rules.rules.len()];
    let mut wanted: Vec<Wanted> = Vec::with_capacity(session.tracks.len());

    for track in &session.tracks {
        let mut w = Wanted::default();
        for (r, rule) in rules.rules.iter().enumerate() {
            let kind_ok = rule.default_kind.is_none_or(|k| k.accepts(track.kind));
            if !kind_ok || !rule.condition.holds(session, track) {
                continue;
            }
            counters[r] += 1;
            let o = origin(&rule.file, rule.line, &rule.label);
            if let Some(b) = rule.bus {
                w.bus = Some((b, o.clone()));
            }
            if let Some(template) = &rule.rename {
                let captures = name_captures(&rule.condition, &track.name);
                let bus = w
                    .bus
                    .as_ref()
                    .map_or("", |(b, _)| rules.buses[*b].name.as_str());
                let name = template.render(&Fill {
                    name: &track.name,
                    captures: &captures,
                    counter: counters[r],
                    bus,
                });
                // Surrounding whitespace comes from empty captures (`'Kick {1}'` on "kick").
                w.name = Some((name.trim().to_string(), o.clone()));
            }
            if let Some(c) = rule.color {
                w.color = Some((c, o.clone()));
            }
            if !rule.continue_ {
                break;
            }
        }

        let reasons = rules.unused_reasons(track);
        if let (false, Some(policy)) = (reasons.is_empty(), &rules.unused) {
            let o = origin(&policy.file, policy.line, "unused");
            plan.changes.push(Change {
                track: track.index,
                action: Action::Flag {
                    reasons: reasons.clone(),
                },
                origin: o.clone(),
            });
            match &policy.action {
                UnusedAction::Flag => {}
                UnusedAction::Color(c) => w.color = Some((*c, o)),
                UnusedAction::Prefix(prefix) => {
                    let base = w.name.as_ref().map_or(track.name.as_str(), |(n, _)| n);
                    if !base.starts_with(prefix.as_str()) {
                        w.name = Some((format!("{prefix}{base}"), o));
                    }
                }
                UnusedAction::Mute => {
                    if !track.muted {
                        plan.changes.push(Change {
                            track: track.index,
                            action: Action::Mute,
                            origin: o,
                        });
                    }
                }
                UnusedAction::Bus(b) => w.bus = Some((*b, o)),
                UnusedAction::Remove => {
                    plan.changes.push(Change {
                        track: track.index,
                        action: Action::Remove,
                        origin: o,
                    });
                    w.bus = None;
                }
            }
        }
        wanted.push(w);
    }

    // Declared buses that exist already: reuse them and keep their declared colour.
    let existing: Vec<Option<usize>> = rules
        .buses
        .iter()
        .map(|decl| {
            session
                .tracks
                .iter()
                .position(|t| t.kind == TrackKind::Bus && t.name.eq_ignore_ascii_case(&decl.name))
        })
        .collect();
    for (b, decl) in rules.buses.iter().enumerate() {
        if let (Some(index), Some(color)) = (existing[b], decl.color) {
            let already = wanted[index].color.is_some();
            if !already {
                wanted[index].color = Some((
                    color,
                    origin(&decl.file, decl.line, &format!("bus {}", decl.name)),
                ));
            }
        }
    }

    let mut new_bus_of_decl: Vec<Option<usize>> = vec![None; rules.buses.len()];
    for (index, w) in wanted.into_iter().enumerate() {
        let track = &session.tracks[index];
        if let Some((name, o)) = w.name
            && name != track.name
        {
            plan.changes.push(Change {
                track: index,
                action: Action::Rename { to: name },
                origin: o,
            });
        }
        if let Some((color, o)) = w.color
            && Some(color) != track.color
        {
            plan.changes.push(Change {
                track: index,
                action: Action::Recolor { to: color },
                origin: o,
            });
        }
        let Some((b, o)) = w.bus else { continue };
        let target = match existing[b] {
            Some(bus_track) => {
                if bus_track == index || session.ancestors(bus_track).any(|a| a == index) {
                    plan.notes.push(Note {
                        track: Some(index),
                        message: format!(
                            "not moved into bus `{}`: the bus is this track or inside it",
                            rules.buses[b].name
                        ),
                        origin: Some(o),
                    });
                    continue;
                }
                if session.ancestors(index).any(|a| a == bus_track) {
                    continue; // already inside the bus
                }
                BusRef::Existing(bus_track)
            }
            None => {
                let k = *new_bus_of_decl[b].get_or_insert_with(|| {
                    plan.new_buses.push(NewBus {
                        name: rules.buses[b].name.clone(),
                        color: rules.buses[b].color,
                        origin: origin(
                            &rules.buses[b].file,
                            rules.buses[b].line,
                            &format!("bus {}", rules.buses[b].name),
                        ),
                    });
                    plan.new_buses.len() - 1
                });
                BusRef::New(k)
            }
        };
        plan.changes.push(Change {
            track: index,
            action: Action::MoveToBus { bus: target },
            origin: o,
        });
    }
    keep_existing_buses_populated(session, &mut plan);
    plan.changes.sort_by_key(|c| c.track);
    plan
}

/// Drops the moves that would take the last tracks out of an existing bus.
///
/// A bus emptied of its members stops being a bus (a REAPER folder with no children is an
/// ordinary track), so a second run would see a different track and change it again. Keeping
/// at least its current members keeps every run idempotent; each dropped move gets a note.
fn keep_existing_buses_populated(session: &Session, plan: &mut Plan) {
    // Each round restores at least one bus, so the loop ends.
    loop {
        let layout = plan.layout(session);
        let mut has_children = vec![false; layout.slots.len()];
        for p in layout.parents.iter().flatten() {
            has_children[*p] = true;
        }
        let emptied: Vec<usize> = layout
            .slots
            .iter()
            .enumerate()
            .filter_map(|(slot, s)| match *s {
                crate::plan::Slot::Track(t)
                    if session.tracks[t].kind == TrackKind::Bus && !has_children[slot] =>
                {
                    Some(t)
                }
                _ => None,
            })
            .filter(|&t| session.tracks.iter().any(|c| c.parent == Some(t)))
            .collect();
        if emptied.is_empty() {
            return;
        }
        let mut notes = Vec::new();
        plan.changes.retain(|c| {
            let Action::MoveToBus { .. } = c.action else {
                return true;
            };
            let Some(parent) = session.tracks[c.track].parent else {
                return true;
            };
            if !emptied.contains(&parent) {
                return true;
            }
            notes.push(Note {
                track: Some(c.track),
                message: format!(
                    "kept in {:?}: moving it would leave that bus empty",
                    session.tracks[parent].name
                ),
                origin: Some(c.origin.clone()),
            });
            false
        });
        plan.notes.extend(notes);
        // New buses nobody moves into any more are not created.
        let used: Vec<bool> = (0..plan.new_buses.len())
            .map(|k| {
                plan.changes.iter().any(|c| {
                    c.action
                        == Action::MoveToBus {
                            bus: BusRef::New(k),
                        }
                })
            })
            .collect();
        if used.iter().any(|u| !u) {
            let mut renumber = Vec::new();
            let mut next = 0;
            for u in &used {
                renumber.push(next);
                next += usize::from(*u);
            }
            let mut k = 0;
            plan.new_buses.retain(|_| {
                k += 1;
                used[k - 1]
            });
            for c in &mut plan.changes {
                if let Action::MoveToBus {
                    bus: BusRef::New(old),
                } = &mut c.action
                {
                    *old = renumber[*old];
                }
            }
        }
    }
}

/// Capture groups of the rule's top-level `name` regex, for `{1}`..`{9}`.
fn name_captures(condition: &super::Condition, name: &str) -> Vec<Option<String>> {
    let super::Condition::All(parts) = condition else {
        return Vec::new();
    };
    parts
        .iter()
        .find_map(|c| match c {
            super::Condition::Name(re) => re.captures(name),
            _ => None,
        })
        .map(|caps| {
            caps.iter()
                .skip(1)
                .map(|m| m.map(|m| m.as_str().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load;
    use crate::session::{Format, Track};

    fn track(index: usize, name: &str, kind: TrackKind, media: usize) -> Track {
        Track {
            index,
            name: name.into(),
            kind,
            color: None,
            parent: None,
            muted: false,
            media_files: vec![],
            media_count: media,
            muted_media_count: 0,
            plugins: vec![],
        }
    }

    const RULES: &str = r##"version: 1
colors: {drums: "#d94f3d"}
buses: [{name: DRUMS, color: drums}]
rules:
  - name: kick
    match: {name: '\b(kick|kik)\b'}
    rename: 'Kick {n}'
    color: drums
    bus: DRUMS
unused:
  when: [no_media]
  action: prefix
  prefix: "zz "
"##;

    #[test]
    fn rules_rename_colour_and_group_then_change_nothing_the_second_time() {
        let rules = load(RULES, "r.yaml").unwrap();
        let session = Session {
            format: Format::Rpp,
            tracks: vec![
                track(0, "vox", TrackKind::Audio, 1),
                track(1, "kick in", TrackKind::Audio, 1),
                track(2, "KIK out", TrackKind::Audio, 1),
                track(3, "empty", TrackKind::Audio, 0),
            ],
        };
        let p = plan(&rules, &session);
        let after = p.predict(&session);
        let names: Vec<_> = after.tracks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["vox", "DRUMS", "Kick 1", "Kick 2", "zz empty"]);
        assert_eq!(after.tracks[2].parent, Some(1));
        assert_eq!(
            p.changes.iter().find(|c| c.track == 1).unwrap().origin.line,
            5
        );

        // The predicted session, planned again, needs nothing more (flags are report-only).
        let mut again_session = after.clone();
        again_session.tracks[1].kind = TrackKind::Bus;
        let again = plan(&rules, &again_session);
        assert!(!again.edits_file(), "{:?}", again.changes);
    }

    #[test]
    fn buses_and_returns_are_left_alone_by_default() {
        let rules = load(RULES, "r.yaml").unwrap();
        let session = Session {
            format: Format::Rpp,
            tracks: vec![track(0, "kick bus", TrackKind::Bus, 0)],
        };
        assert!(plan(&rules, &session).changes.is_empty());
    }
}
