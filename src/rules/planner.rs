//! Turns a session and a rule set into a plan. Knows no file format.

use super::names::Names;
use super::structure;
use super::template::Fill;
use super::{RuleSet, UnusedAction};
use crate::plan::{Action, Change, NewBus, Note, Origin, Plan, UnusedReason};
use crate::session::{Name, Rgb, Session, Track, TrackKind};
use std::sync::Arc;

/// What the rules want for one track of the session as read, with the source of each setting.
/// Unset fields leave the track as it is.
///
/// One is kept per track and copied once per settle round, so it stays small: a setting's
/// origin is a [`Source`] (an index), not an [`Origin`] with its strings.
#[derive(Clone, Default, PartialEq)]
struct Wanted {
    /// Shared, so the copy per settle round copies no name.
    name: Option<(Name, Source)>,
    color: Option<(Rgb, Source)>,
    bus: Option<(usize, Source)>,
    mute: Option<Source>,
    remove: Option<Source>,
    flag: Option<(Vec<UnusedReason>, Source)>,
    gain: Option<(super::GainTarget, Source)>,
    fader: Option<(f64, Source)>,
    pan: Option<(f64, Source)>,
}

/// Which part of the rule set wants a setting: an index into [`Origins`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Source(u32);

/// The origin of every rule, the `unused` policy and every bus declaration of a rule set,
/// made once per plan and handed out by [`Source`].
struct Origins {
    all: Vec<Origin>,
    /// Where the `unused` policy's origin sits in `all`, after the rules.
    unused: Source,
    /// Where the bus declarations' origins start in `all`.
    buses_from: usize,
}

impl Origins {
    fn of(rules: &RuleSet) -> Origins {
        let origin = |file: &Arc<str>, line: usize, label: String| Origin {
            file: file.clone(),
            line,
            label: label.into(),
        };
        let mut all: Vec<Origin> = rules
            .rules
            .iter()
            .map(|r| origin(&r.file, r.line, r.label.clone()))
            .collect();
        let unused = Source(all.len() as u32);
        all.push(match &rules.unused {
            Some(policy) => origin(&policy.file, policy.line, "unused".into()),
            None => origin(&rules.source, 0, "unused".into()),
        });
        let buses_from = all.len();
        all.extend(
            rules
                .buses
                .iter()
                .map(|decl| origin(&decl.file, decl.line, format!("bus {}", decl.name))),
        );
        Origins {
            all,
            unused,
            buses_from,
        }
    }

    fn rule(&self, r: usize) -> Source {
        Source(r as u32)
    }

    fn get(&self, source: Source) -> &Origin {
        &self.all[source.0 as usize]
    }

    fn bus(&self, b: usize) -> &Origin {
        &self.all[self.buses_from + b]
    }
}

/// The note of a plan whose rules do not settle ([`Plan::unsettled`]): how reports tell it
/// from the notes about declined changes.
pub const UNSETTLED_NOTE: &str = "the rules do not settle (a rename feeds on its own result, \
                                  or one rule undoes another): a second run would change this \
                                  project again";

/// How many times the rules are re-evaluated on their own result before giving up.
const MAX_SETTLE_ROUNDS: usize = 6;

/// The plan that brings `session` to where the rules settle.
///
/// Conditions see a track as it is, so a rule may match only after another rule acted (an
/// `inside` condition after a `bus` move, `muted` after an unused track was muted). A plan
/// made in one pass would then leave work for a second run. So the rules are evaluated again
/// on the session the plan predicts, each round keeping what the earlier rounds wanted unless
/// a rule now says otherwise (exactly what running premix again would do), until a round
/// wants nothing new. Rules that never settle (rename `a` to `b` and `b` to `a`, or
/// `'{name} 2'`) give the one-pass plan and a note.
pub fn plan(rules: &RuleSet, session: &Session) -> Plan {
    let as_read = View::of(rules, session);
    let declared = rules.existing_buses(session, &as_read.names);
    let origins = Origins::of(rules);
    let one_pass = || {
        let identity: Vec<Option<usize>> = (0..session.tracks.len()).map(Some).collect();
        let mut wanted = vec![Wanted::default(); session.tracks.len()];
        evaluate(rules, &origins, &as_read, &identity, &declared, &mut wanted);
        wanted
    };
    let mut wanted = one_pass();
    let mut plan = build(rules, &origins, session, &declared, &wanted);
    for _ in 0..MAX_SETTLE_ROUNDS {
        if !changes_what_rules_read(&plan) {
            return plan;
        }
        let predicted = plan.predict(session);
        let positions = plan.layout(session).new_positions(session.tracks.len());
        if !evaluate(
            rules,
            &origins,
            &View::of(rules, &predicted),
            &positions,
            &declared,
            &mut wanted,
        ) {
            return plan;
        }
        plan = build(rules, &origins, session, &declared, &wanted);
    }
    // No fixpoint: do what one pass says, as a single run of premix always did. (Made again
    // rather than kept from the start: this is the rare case, and a copy of a whole plan per
    // run would cost every settled run its memory.)
    let mut plan = build(rules, &origins, session, &declared, &one_pass());
    plan.unsettled = true;
    plan.notes.push(Note {
        track: None,
        message: UNSETTLED_NOTE.into(),
        origin: None,
    });
    plan
}

/// True when the plan changes something the rules read: a name, the order or hierarchy, a
/// mute state, which tracks exist ([`super::Condition::holds`], [`RuleSet::unused_reasons`]
/// and a rename template's fields). Rules never read a colour, so a plan that only recolours
/// and flags is settled as it is: evaluated on its result the rules want what they wanted on
/// the session as read. Colour-coding runs, the most common, skip the settle round and the
/// predicted copy of the session it needs.
fn changes_what_rules_read(plan: &Plan) -> bool {
    !plan.new_buses.is_empty()
        || plan.changes.iter().any(|c| {
            !matches!(c.action, Action::Recolor { .. } | Action::Flag { .. }) && !c.action.is_mix()
        })
}

/// A session the rules are evaluated on (as read, or as a plan predicts it), with what they
/// read of it as a whole, made once per round: every track's normalised name and whether the
/// project holds material ([`RuleSet::has_material`]).
struct View<'a> {
    session: &'a Session,
    names: Names,
    has_media: bool,
}

impl<'a> View<'a> {
    fn of(rules: &RuleSet, session: &'a Session) -> View<'a> {
        let names = Names::of(session);
        View {
            session,
            has_media: rules.has_material(session, &names),
            names,
        }
    }
}

/// Evaluates the rules on `view` and records what they want into `wanted`, indexed by the
/// tracks as read (`view_of` maps those to `view`). True when that changed what any track
/// wants.
fn evaluate(
    rules: &RuleSet,
    origins: &Origins,
    view: &View<'_>,
    view_of: &[Option<usize>],
    declared: &[Option<usize>],
    wanted: &mut [Wanted],
) -> bool {
    let mut changed = false;
    let mut counters = vec![0usize; rules.rules.len()];
    // In view order, so `{n}` counts tracks as they will be laid out.
    let mut order: Vec<(usize, usize)> = view_of
        .iter()
        .enumerate()
        .filter_map(|(original, v)| v.map(|v| (v, original)))
        .collect();
    order.sort_unstable();
    for (v, original) in order {
        // A declared bus's own track is governed by its declaration, not by rules: a bus the
        // run creates is not matched by rules either, so touching existing ones would make a
        // second run differ from the first.
        if declared.contains(&Some(original)) {
            continue;
        }
        let w = &mut wanted[original];
        // Compared track by track: a copy of the whole `wanted` per round would cost memory.
        let before = w.clone();
        evaluate_track(
            rules,
            origins,
            view,
            &view.session.tracks[v],
            &mut counters,
            w,
        );
        changed |= *w != before;
    }
    changed
}

/// What the rules want for one `track` of `view`, added to `w` (`counters` count each rule's
/// matches so far, for `{n}`).
fn evaluate_track(
    rules: &RuleSet,
    origins: &Origins,
    view: &View<'_>,
    track: &Track,
    counters: &mut [usize],
    w: &mut Wanted,
) {
    for (r, rule) in rules.applying(view.session, &view.names, track) {
        counters[r] += 1;
        let o = origins.rule(r);
        if let Some(b) = rule.bus {
            w.bus = Some((b, o));
        }
        if let Some(template) = &rule.rename {
            let captures = rule.condition.name_captures(&view.names, track);
            let bus = w
                .bus
                .as_ref()
                .map_or("", |(b, _)| rules.buses[*b].name.as_str());
            let mut name = template.render(&Fill {
                name: &track.name,
                captures: &captures,
                counter: counters[r],
                bus,
            });
            // Surrounding whitespace comes from empty captures (`'Kick {1}'` on "kick"); it
            // goes in place, as a name may be most of a project's bytes.
            name.truncate(name.trim_end().len());
            name.drain(..name.len() - name.trim_start().len());
            w.name = Some((name.into(), o));
        }
        if let Some(c) = rule.color {
            w.color = Some((c, o));
        }
        if let Some(g) = rule.gain {
            w.gain = Some((g, o));
        }
        if let Some(f) = rule.fader {
            w.fader = Some((f, o));
        }
        if let Some(p) = rule.pan {
            w.pan = Some((p, o));
        }
    }

    let reasons = rules.unused_reasons(view.session, &view.names, track, view.has_media);
    let Some(policy) = rules.unused.as_ref().filter(|_| !reasons.is_empty()) else {
        return;
    };
    let o = origins.unused;
    w.flag = Some((reasons, o));
    match &policy.action {
        UnusedAction::Flag => {}
        UnusedAction::Color(c) => w.color = Some((*c, o)),
        UnusedAction::Prefix(prefix) => {
            let current = w.name.as_ref().map_or(track.name.as_str(), |(n, _)| n);
            if !current.starts_with(prefix.as_str()) {
                w.name = Some((format!("{prefix}{current}").into(), o));
            }
        }
        UnusedAction::Mute => {
            if !track.muted {
                w.mute = Some(o);
            }
        }
        UnusedAction::Bus(b) => w.bus = Some((*b, o)),
        UnusedAction::Remove => {
            w.remove = Some(o);
            w.bus = None;
        }
    }
}

/// The plan, relative to the session as read, that gives every track what `wanted` says.
fn build(
    rules: &RuleSet,
    origins: &Origins,
    session: &Session,
    declared: &[Option<usize>],
    wanted: &[Wanted],
) -> Plan {
    let mut plan = Plan::default();
    for (index, w) in wanted.iter().enumerate() {
        let track = &session.tracks[index];
        let change = |action: Action, o: Source| Change {
            track: index,
            action,
            origin: origins.get(o).clone(),
        };
        if let Some((reasons, o)) = &w.flag {
            plan.changes.push(change(
                Action::Flag {
                    reasons: reasons.clone(),
                },
                *o,
            ));
        }
        if let Some(o) = w.remove {
            plan.changes.push(change(Action::Remove, o));
        }
        if let Some(o) = w.mute
            && !track.muted
        {
            plan.changes.push(change(Action::Mute, o));
        }
        if let Some((name, o)) = &w.name
            && *name != track.name
        {
            if name.is_empty() {
                // A rename template that comes out empty (`'{1}'` capturing only spaces):
                // no DAW keeps an empty name as one (Live and DAWproject readers show a
                // default, Ardour refuses it, REAPER shows "Track N"), so the name stays.
                plan.notes.push(Note {
                    track: Some(index),
                    message: "not renamed: the rule's name comes out empty, and a track name cannot be empty".into(),
                    origin: Some(origins.get(*o).clone()),
                });
            } else {
                plan.changes
                    .push(change(Action::Rename { to: name.clone() }, *o));
            }
        }
        // A declared bus that exists keeps its declared colour.
        let declared_color =
            declared
                .iter()
                .zip(&rules.buses)
                .enumerate()
                .find_map(|(b, (d, decl))| match (*d == Some(index), decl.color) {
                    (true, Some(c)) => Some((c, origins.bus(b))),
                    _ => None,
                });
        let wanted_color = w.color.map(|(c, o)| (c, origins.get(o)));
        if let Some((color, o)) = wanted_color.or(declared_color)
            && Some(color) != track.color
        {
            plan.changes.push(Change {
                track: index,
                action: Action::Recolor { to: color },
                origin: o.clone(),
            });
        }
    }
    // A foldback bus is a performer's monitor mix, not part of the mix: never filed.
    let foldback = |index: usize| session.tracks[index].kind == TrackKind::Foldback;
    for (index, w) in wanted.iter().enumerate() {
        if let (Some((b, o)), None) = (&w.bus, w.remove)
            && foldback(index)
        {
            plan.notes.push(Note {
                track: Some(index),
                message: format!(
                    "not moved into bus `{}`: a foldback bus feeds a performer's monitor mix, not the mix",
                    rules.buses[*b].name
                ),
                origin: Some(origins.get(*o).clone()),
            });
        }
    }
    let wants: Vec<structure::Want<'_>> = wanted
        .iter()
        .enumerate()
        .map(|(index, w)| match (&w.bus, w.remove) {
            (Some(_), None) if foldback(index) => None,
            (Some((b, o)), None) => Some((*b, origins.get(*o))),
            _ => None,
        })
        .collect();
    let decls: Vec<structure::Decl<'_>> = rules
        .buses
        .iter()
        .enumerate()
        .map(|(b, decl)| structure::Decl {
            name: &decl.name,
            existing: declared[b],
            new: NewBus {
                name: decl.name.clone(),
                color: decl.color,
                origin: origins.bus(b).clone(),
                min_members: decl.min_members,
            },
        })
        .collect();
    structure::place(session, &decls, &wants, &mut plan);
    keep_existing_buses_populated(session, &mut plan);
    let mix: Vec<super::mix::Want<'_>> = wanted
        .iter()
        .map(|w| super::mix::Want {
            gain: w.gain.map(|(g, o)| (g, origins.get(o))),
            fader: w.fader.map(|(f, o)| (f, origins.get(o))),
            pan: w.pan.map(|(p, o)| (p, origins.get(o))),
            unused: w.flag.is_some() || w.remove.is_some(),
        })
        .collect();
    super::mix::place(rules, session, &mix, &mut plan);
    plan.changes.sort_by_key(|c| c.track);
    plan
}

/// Drops the moves that would take the last tracks out of an existing bus.
///
/// A bus emptied of its members stops being a bus (a REAPER folder with no children is an
/// ordinary track), so a second run would see a different track and change it again. Keeping
/// at least its current members keeps every run idempotent; each dropped move gets a note.
fn keep_existing_buses_populated(session: &Session, plan: &mut Plan) {
    // Each round drops at least one change (or stops), so the loop ends.
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
        // One member kept is enough: keep the first that would leave each emptied bus.
        let mut kept: Vec<usize> = Vec::new();
        plan.changes.retain(|c| {
            let verb = match c.action {
                Action::MoveToBus { .. } => "moving",
                Action::Remove => "removing",
                _ => return true,
            };
            let Some(parent) = session.tracks[c.track].parent else {
                return true;
            };
            if !emptied.contains(&parent) || kept.contains(&parent) {
                return true;
            }
            kept.push(parent);
            notes.push(Note {
                track: Some(c.track),
                message: format!(
                    "kept in {:?}: {verb} it would leave that bus empty",
                    session.shown_name(parent)
                ),
                origin: Some(c.origin.clone()),
            });
            false
        });
        if notes.is_empty() {
            // Emptied some other way (its only member is a bus that moved away with its own
            // members): nothing more this guard can keep; leave the plan as it is.
            return;
        }
        plan.notes.extend(notes);
        // New buses nobody moves into any more are not created.
        plan.drop_unused_new_buses();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load;
    use crate::session::{Format, Track};

    fn track(index: usize, name: &str, kind: TrackKind, media: usize) -> Track {
        Track {
            media_count: media,
            ..Track::new(index, name, kind)
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
            media: Default::default(),
            name_display: Default::default(),
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
    fn a_colour_only_plan_is_settled_without_another_round() {
        let rules = load(
            r##"version: 1
colors: {a: "#112233", b: "#445566"}
rules:
  - match: {name: kick}
    color: a
  - match: {kind: any}
    color: b
unused: {when: [no_media], action: flag}
"##,
            "r.yaml",
        )
        .unwrap();
        let session = Session {
            format: Format::Rpp,
            media: Default::default(),
            name_display: Default::default(),
            tracks: vec![
                track(0, "kick", TrackKind::Audio, 1),
                track(1, "bus", TrackKind::Bus, 0),
                track(2, "empty", TrackKind::Audio, 0),
            ],
        };
        let p = plan(&rules, &session);
        assert!(!changes_what_rules_read(&p));
        assert!(!p.unsettled);
        // What the skipped round would have found: nothing more to do on the result.
        let again = plan(&rules, &p.predict(&session));
        assert!(!again.edits_file(), "{:?}", again.changes);
        assert!(changes_what_rules_read(&plan(
            &load(RULES, "r.yaml").unwrap(),
            &session
        )));
    }

    #[test]
    fn buses_and_returns_are_left_alone_by_default() {
        let rules = load(RULES, "r.yaml").unwrap();
        let session = Session {
            format: Format::Rpp,
            media: Default::default(),
            name_display: Default::default(),
            tracks: vec![track(0, "kick bus", TrackKind::Bus, 0)],
        };
        assert!(plan(&rules, &session).changes.is_empty());
    }
}
