//! How well a rules file describes projects: what `premix check` would change on the
//! projects it was learned from, and, on a project held out of the learning, how many tracks
//! get the colour and bus their author gave them.
//!
//! Both plan with the real planner ([`crate::rules::plan`], structure rules included), on the
//! sessions as read; a recolour is a change only when the project's DAW would show another
//! colour (a Live set shows its nearest palette colour, as its backend writes it).

use super::Evidence;
use super::evidence::bus_key;
use crate::plan::{Action, BusRef, Plan};
use crate::rules::RuleSet;
use crate::rules::names::{NameForms, Names};
use crate::session::{ColourSpace, Session, Track, TrackKind};
use std::collections::BTreeMap;

/// What the rules would do to the projects they were learned from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fit {
    /// Tracks some rule gives a colour, bus or name (or that a declaration reuses as its bus
    /// and colours, or that the `unused` section colours, renames, mutes, moves or removes).
    pub covered: usize,
    /// Of those, the tracks the rules would leave as they are.
    pub unchanged: usize,
    /// Every track the rules would change, in project order.
    pub changed: Vec<Changed>,
}

impl Fit {
    /// The share of covered tracks left as they are (1 when there are none).
    pub fn share(&self) -> f64 {
        if self.covered == 0 {
            1.0
        } else {
            self.unchanged as f64 / self.covered as f64
        }
    }
}

/// A track the rules would change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    pub project: String,
    /// 1-based, as premix's reports number tracks.
    pub track: usize,
    pub name: String,
    /// What would change: `colour #aaaaaa → #bbbbbb; into bus Strings`.
    pub what: String,
}

/// What `rules` would change on each of `projects`, those the learner leaves out included
/// (`premix check` on the same projects reads them all): a project whose colours cannot be
/// read is not recoloured (its backend refuses to), but may be renamed and regrouped.
pub fn training_fit(rules: &RuleSet, projects: &[Evidence]) -> Fit {
    let mut fit = Fit::default();
    let mut sorted: Vec<&Evidence> = projects.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    sorted.dedup_by(|a, b| a.name == b.name);
    for project in sorted {
        let session = &project.session;
        let plan = crate::rules::plan(rules, session);
        let changes = changes_by_track(&plan, session, project.colours);
        let covered = covered(rules, session, project.colours);
        for (t, track) in session.tracks.iter().enumerate() {
            let what = changes.get(&t);
            if !covered[t] && what.is_none() {
                continue;
            }
            fit.covered += 1;
            match what {
                None => fit.unchanged += 1,
                Some(what) => fit.changed.push(Changed {
                    project: project.name.clone(),
                    track: t + 1,
                    name: track.name.to_string(),
                    what: what.join("; "),
                }),
            }
        }
    }
    fit
}

/// For each track of `session` the plan changes in the file, what changes.
fn changes_by_track(
    plan: &Plan,
    session: &Session,
    colours: ColourSpace,
) -> BTreeMap<usize, Vec<String>> {
    let mut out: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for change in plan.changes.iter().filter(|c| c.edits_file()) {
        let track = &session.tracks[change.track];
        let what = match &change.action {
            Action::Rename { to } => format!("rename to {to:?}"),
            Action::Recolor { to } => {
                let shown = colours.shown(*to);
                if shown == track.color || shown.is_none() {
                    continue;
                }
                format!(
                    "colour {} → {}",
                    track.color.map_or("none".into(), |c| c.to_string()),
                    shown.map_or("none".into(), |c| c.to_string())
                )
            }
            Action::MoveToBus { bus } => format!(
                "into bus {}",
                match bus {
                    BusRef::Existing(b) => session.tracks[*b].name.to_string(),
                    BusRef::New(k) => plan.new_buses[*k].name.clone(),
                }
            ),
            Action::Mute => "mute".into(),
            Action::Remove => "remove".into(),
            // Never learned, but a base the file extends may ask for them (dry mix, #18).
            Action::ClipGain { db, .. } => format!("clip gain {db:+.1} dB"),
            Action::Fader { db, .. } => format!("fader {db:.1} dB"),
            Action::Pan { to, .. } => format!("pan {to:+.2}"),
            Action::RouteDirect => "output direct".into(),
            Action::Flag { .. } => continue,
        };
        out.entry(change.track).or_default().push(what);
    }
    out
}

/// Which tracks of `session` the rules have something for (see [`Fit::covered`]); a colour
/// is nothing for a project whose colours premix cannot write.
fn covered(rules: &RuleSet, session: &Session, colours: ColourSpace) -> Vec<bool> {
    let colours_count = !matches!(colours, ColourSpace::Unreadable);
    let names = Names::of(session);
    let declared = rules.existing_buses(session, &names);
    let has_media = rules.has_material(session, &names);
    let unused_acts = rules
        .unused
        .as_ref()
        .is_some_and(|u| !matches!(u.action, crate::rules::UnusedAction::Flag));
    session
        .tracks
        .iter()
        .map(|track| {
            if let Some(d) = declared.iter().position(|d| *d == Some(track.index)) {
                return colours_count && rules.buses[d].color.is_some();
            }
            let colour_only =
                |u: &crate::rules::UnusedAction| matches!(u, crate::rules::UnusedAction::Color(_));
            rules.applying(session, &names, track).any(|(_, r)| {
                (colours_count && r.color.is_some()) || r.bus.is_some() || r.rename.is_some()
            }) || (unused_acts
                && rules
                    .unused
                    .as_ref()
                    .is_some_and(|u| colours_count || !colour_only(&u.action))
                && !rules
                    .unused_reasons(session, &names, track, has_media)
                    .is_empty())
        })
        .collect()
}

/// On a project held out of the learning: of its audio and MIDI tracks, how many the rules
/// give the colour its author gave them, how many the bus, how many both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeldOut {
    pub tracks: usize,
    pub colour: usize,
    pub bus: usize,
    pub both: usize,
}

impl std::ops::AddAssign for HeldOut {
    fn add_assign(&mut self, other: HeldOut) {
        self.tracks += other.tracks;
        self.colour += other.colour;
        self.bus += other.bus;
        self.both += other.both;
    }
}

/// How `rules` redo the colours and buses of `project` from its names alone: the project is
/// taken apart first (every colour removed, every bus removed and its tracks put at the top
/// level), planned, and each audio or MIDI track's colour and bus in the result compared with
/// what its author gave it. A colour agrees as the project's DAW shows it; a bus agrees when
/// the bus the rules put the track in is named like the author's (the same normalised name,
/// or an alias of the rules' declaration matches it); no bus agrees with no bus.
pub fn held_out(rules: &RuleSet, project: &Evidence) -> HeldOut {
    let original = &project.session;
    let kept: Vec<usize> = (0..original.tracks.len())
        .filter(|&i| original.tracks[i].kind != TrackKind::Bus)
        .collect();
    let stripped = Session {
        media: original.media.clone(),
        name_display: original.name_display,
        format: original.format,
        tracks: kept
            .iter()
            .enumerate()
            .map(|(index, &i)| Track {
                index,
                color: None,
                parent: None,
                ..original.tracks[i].clone()
            })
            .collect(),
    };
    let plan = crate::rules::plan(rules, &stripped);
    let predicted = plan.predict(&stripped);
    let position = plan.layout(&stripped).new_positions(stripped.tracks.len());
    let names = Names::of(original);
    let mut score = HeldOut::default();
    for (s, &i) in kept.iter().enumerate() {
        let author = &original.tracks[i];
        if !matches!(author.kind, TrackKind::Audio | TrackKind::Midi) {
            continue;
        }
        let Some(p) = position[s] else { continue };
        let got = &predicted.tracks[p];
        score.tracks += 1;
        let colour = got.color.and_then(|c| project.colours.shown(c)) == author.color;
        let author_bus = author.parent.map(|b| names.forms(original, b));
        let got_bus = got.parent.map(|b| predicted.tracks[b].name.as_str());
        let bus = match (author_bus, got_bus) {
            (None, None) => true,
            (Some(a), Some(g)) => same_bus(rules, a, g),
            _ => false,
        };
        score.colour += usize::from(colour);
        score.bus += usize::from(bus);
        score.both += usize::from(colour && bus);
    }
    score
}

/// True when the bus named `got` (a declaration's name) is the author's bus `author`.
fn same_bus(rules: &RuleSet, author: NameForms<'_>, got: &str) -> bool {
    bus_key(author.written) == bus_key(got)
        || rules
            .buses
            .iter()
            .filter(|d| d.name.eq_ignore_ascii_case(got))
            .any(|d| d.aliases.iter().any(|re| author.is_match(re)))
}

/// Leave-one-out over one studio's projects: each project in turn is held out, the rules
/// learned from all the others ([`super::infer`] with `extends`) are applied to it
/// ([`held_out`]), and the figures are summed. Projects whose colours cannot be read are
/// neither learned from nor held out. Also returns how many projects were held out.
pub fn leave_one_out(projects: &[Evidence], extends: super::Extends) -> (HeldOut, usize) {
    let readable: Vec<&Evidence> = projects
        .iter()
        .filter(|p| !matches!(p.colours, ColourSpace::Unreadable))
        .collect();
    let mut total = HeldOut::default();
    let mut folds = 0;
    for (k, held) in readable.iter().enumerate() {
        let rest: Vec<Evidence> = readable
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != k)
            .map(|(_, p)| (*p).clone())
            .collect();
        let Ok(rules) = super::learn_rules(&rest, extends) else {
            continue;
        };
        total += held_out(&rules, held);
        folds += 1;
    }
    (total, folds)
}
