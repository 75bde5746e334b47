//! What a compiled rule set gives each training track, and whether that is what its author
//! gave it: the yardstick the learner prunes its rules with and counts their support by.
//!
//! Which rules match a track is worked out once ([`Matches::of`]); what a subset of the rules
//! gives a track is then read off that list, so trying a rule set without one of its rules
//! costs only the tracks that rule matches. What a track gets follows the planner
//! ([`crate::rules::plan`]): the matching rules in order up to the first without `continue`,
//! a later rule's rename, colour and bus replacing an earlier one's, the `unused` colour over
//! them, and for an existing bus a declaration reuses, the declaration's colour alone.

use super::Role;
use super::evidence::Observed;
use crate::rules::names::Names;
use crate::rules::template::Fill;
use crate::rules::{RuleSet, UnusedAction};
use crate::session::Rgb;

/// What the rules give one track.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Outcome {
    pub colour: Option<Rgb>,
    /// The declaration (an index into [`RuleSet::buses`]) a rule sends it to.
    pub bus: Option<usize>,
    /// The name a rule renames it to (even when it is the name it has).
    pub name: Option<String>,
    /// The rule that decided it (the last applying), if any.
    pub rule: Option<usize>,
}

/// One training track as the rules see it.
struct Seen {
    obs: usize,
    /// The rules that match it, in order (kind and condition).
    matches: Vec<usize>,
    /// Each matching rule's rename, rendered for this track.
    renames: Vec<Option<String>>,
    /// The declaration that reuses this track as its bus.
    declared: Option<usize>,
    /// The declaration that reuses the folder it sits in: the bus its author gave it, as the
    /// rules name it.
    author_bus: Option<usize>,
    /// The `unused` policy's colour, when it applies to this track.
    unused_colour: Option<Rgb>,
}

/// Every training track's matching rules under one compiled rule set.
pub(super) struct Matches<'r> {
    pub rules: &'r RuleSet,
    seen: Vec<Seen>,
    /// For each rule, the tracks (indexes into `seen`) it matches.
    by_rule: Vec<Vec<usize>>,
}

impl<'r> Matches<'r> {
    /// Which rules of `rules` match each training track. Rules from `fixed` on are never
    /// left out ([`Matches::outcome`] is asked with them included), so past the first of them
    /// that matches a track and does not `continue`, no later rule is tried.
    pub fn of(rules: &'r RuleSet, observed: &Observed<'_>, fixed: usize) -> Matches<'r> {
        let mut seen = Vec::with_capacity(observed.obs.len());
        let mut by_rule = vec![Vec::new(); rules.rules.len()];
        for (p, project) in observed.projects.iter().enumerate() {
            let session = &project.session;
            let names = Names::of(session);
            let declared = rules.existing_buses(session, &names);
            let has_media = rules.has_material(session, &names);
            for track in &session.tracks {
                let s = seen.len();
                let mut matches = Vec::new();
                let mut renames = Vec::new();
                let declared_here = declared.iter().position(|d| *d == Some(track.index));
                if declared_here.is_none() {
                    for (r, rule) in rules.rules.iter().enumerate() {
                        if rule.default_kind.is_none_or(|k| k.accepts(track.kind))
                            && rule.condition.holds(session, &names, track)
                        {
                            matches.push(r);
                            by_rule[r].push(s);
                            renames.push(rule.rename.as_ref().map(|t| {
                                let captures = rule.condition.name_captures(&names, track);
                                let bus = rule.bus.map_or("", |b| rules.buses[b].name.as_str());
                                t.render(&Fill {
                                    name: &track.name,
                                    captures: &captures,
                                    counter: 1,
                                    bus,
                                })
                                .trim()
                                .to_string()
                            }));
                            if r >= fixed && !rule.continue_ {
                                break;
                            }
                        }
                    }
                }
                let unused_colour = match rules.unused.as_ref().map(|u| &u.action) {
                    Some(UnusedAction::Color(c))
                        if !rules
                            .unused_reasons(session, &names, track, has_media)
                            .is_empty() =>
                    {
                        Some(*c)
                    }
                    _ => None,
                };
                let author_bus = track
                    .parent
                    .and_then(|parent| declared.iter().position(|d| *d == Some(parent)));
                seen.push(Seen {
                    obs: observed.obs_of[p][track.index],
                    matches,
                    renames,
                    declared: declared_here,
                    author_bus,
                    unused_colour,
                });
            }
        }
        Matches {
            rules,
            seen,
            by_rule,
        }
    }

    /// How many training tracks there are.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// The observation of training track `s`.
    pub fn obs(&self, s: usize) -> usize {
        self.seen[s].obs
    }

    /// The training tracks rule `r` matches.
    pub fn matched_by(&self, r: usize) -> &[usize] {
        &self.by_rule[r]
    }

    /// What the rules for which `included` holds give training track `s`.
    pub fn outcome(&self, s: usize, included: &dyn Fn(usize) -> bool) -> Outcome {
        let seen = &self.seen[s];
        if let Some(d) = seen.declared {
            return Outcome {
                colour: self.rules.buses[d].color,
                bus: None,
                name: None,
                rule: None,
            };
        }
        let mut out = Outcome {
            colour: None,
            bus: None,
            name: None,
            rule: None,
        };
        for (k, &r) in seen.matches.iter().enumerate() {
            if !included(r) {
                continue;
            }
            let rule = &self.rules.rules[r];
            if rule.bus.is_some() {
                out.bus = rule.bus;
            }
            if let Some(name) = &seen.renames[k] {
                out.name = Some(name.clone());
            }
            if rule.color.is_some() {
                out.colour = rule.color;
            }
            out.rule = Some(r);
            if !rule.continue_ {
                break;
            }
        }
        if let Some(c) = seen.unused_colour {
            out.colour = Some(c);
        }
        out
    }

    /// How well `outcome` suits training track `s`: 2 when it gives the track what its author
    /// gave it ([`Matches::is_faithful`]), 1 when it leaves the track as it is (no colour, bus
    /// or name other than the track's), 0 when it would change it.
    pub fn score(&self, observed: &Observed<'_>, s: usize, outcome: &Outcome) -> usize {
        if self.is_faithful(observed, s, outcome) {
            return 2;
        }
        let seen = &self.seen[s];
        let obs = &observed.obs[seen.obs];
        let project = observed.projects[obs.project];
        let track = &project.session.tracks[obs.track];
        let colour_kept = !obs.colour_known
            || outcome
                .colour
                .is_none_or(|c| project.colours.shown(c) == track.color);
        let bus_kept = outcome.bus.is_none_or(|b| Some(b) == seen.author_bus);
        let name_kept = outcome.name.as_ref().is_none_or(|n| *n == track.name);
        usize::from(colour_kept && bus_kept && name_kept)
    }

    /// True when `outcome` gives training track `s` what its author gave it: its colour as
    /// its DAW shows it (no colour when the rules give none), for an audio or MIDI track the
    /// bus it sits in, and its name. An existing bus a declaration reuses keeps its colour
    /// when the declaration has none.
    pub fn is_faithful(&self, observed: &Observed<'_>, s: usize, outcome: &Outcome) -> bool {
        let seen = &self.seen[s];
        let obs = &observed.obs[seen.obs];
        let project = observed.projects[obs.project];
        let track = &project.session.tracks[obs.track];
        // A project whose colours premix cannot read keeps them whatever the rules say.
        let colour_ok = !obs.colour_known
            || match outcome.colour {
                None => seen.declared.is_some() || track.color.is_none(),
                Some(c) => project.colours.shown(c) == track.color,
            };
        let bus_ok = obs.role != Role::Track || outcome.bus == seen.author_bus;
        let name_ok = outcome.name.as_ref().is_none_or(|n| *n == track.name);
        colour_ok && bus_ok && name_ok
    }
}
