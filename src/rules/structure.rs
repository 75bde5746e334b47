//! Where tracks may move: the structure an engineer built is kept.
//!
//! Rules say which bus a track belongs in. This module decides which of those moves premix
//! makes, so that after a run every track's audio passes through the same folders (and their
//! processing) and reaches the same outputs as before, plus the bus its rule named:
//!
//! - **A track never leaves a folder that stays.** A track moves only into a bus that sits in
//!   the folder it sits in (or at the top level, for a top-level track), so its old folders are
//!   still around it and no other existing folder is added. An existing bus elsewhere, or a new
//!   bus placed in another folder, leaves it where it is, coloured and renamed in place.
//! - **Folders move whole.** When every track of a folder goes to the same bus, the folder
//!   itself moves into that bus, nested, with its own processing (a REAPER folder in a folder,
//!   a Live group in a group, an Ardour sub-bus feeding the bus); otherwise the folder and all
//!   its tracks stay, with a note.
//! - **No one-track buses.** A bus is created only when at least its declaration's
//!   `min_members` (default 2) tracks or whole folders go into it; an existing bus takes any
//!   number. A declaration makes one bus, in the folder where most of its tracks sit. A track
//!   the plan flags as unused goes along into a bus that is made, but does not count towards
//!   its minimum: a bus around one track with audio and an empty one is a one-track bus to an
//!   engineer (unless the `unused` policy itself files unused tracks into that bus).
//! - **No bus repeats a group.** A new bus is not made inside a folder when its members would
//!   be every track of that folder (a "Percussion" folder of kick, snare and overheads is the
//!   drum folder already), nor inside a folder the rules colour as that bus (a "DIALOGUE"
//!   folder coloured as vocals gets no VOCALS bus inside it).
//! - **Signal paths are kept.** A track whose audio does not reach its folder or the master
//!   ([`Track::feeds_parent`]: REAPER `MAINSEND 0`, say) is not moved, and no bus is made or
//!   filled inside a folder that does not reach the master: the tracks would go silent, or
//!   start being heard. Nor does a track that is heard move into an existing bus that is
//!   muted (a muted "Drums" folder takes no playing hi-hat); a muted or empty one may.
//! - **Pairs stay together.** Tracks of one folder whose names differ only by a side or a number
//!   (`OH L`/`OH R`, `Kick In`/`Kick Out`, `Gtr 1`/`Gtr 2`, `Bass DI`/`Bass Amp`) end up in
//!   one folder: when only some of them could move, none moves.
//!
//! The last two are enforced again by [`keep_structure`] after a backend has refused some moves
//! (its `vet`), so what is written holds them too.

use crate::plan::{Action, BusRef, Change, NewBus, Note, Origin, Plan, Slot};
use crate::session::Session;
use std::collections::BTreeMap;

/// A track's wish to go into a bus: the declaration's index and the rule that asked.
pub(super) type Want<'a> = Option<(usize, &'a Origin)>;

/// A bus declaration as the placement needs it.
pub(super) struct Decl<'a> {
    pub name: &'a str,
    /// The existing bus track that is this declaration's bus, if any.
    pub existing: Option<usize>,
    /// What a new bus of this declaration is made of.
    pub new: NewBus,
}

/// Adds to `plan` the moves (and new buses) that honour `wants` (indexed by track, `None` for
/// tracks that stay or are removed) within the structure rules above, with a note for each
/// wish not granted.
pub(super) fn place(session: &Session, decls: &[Decl<'_>], wants: &[Want<'_>], plan: &mut Plan) {
    let tracks = &session.tracks;
    let n = tracks.len();
    let is_declared_bus = {
        let mut v = vec![false; n];
        for d in decls {
            if let Some(b) = d.existing {
                v[b] = true;
            }
        }
        v
    };
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for t in tracks {
        if let Some(p) = t.parent {
            children[p].push(t.index);
        }
    }

    // Which bus each track or folder goes to as a unit. Parents precede their children in a
    // session, so walking backwards sees every child before its folder.
    let mut unit: Vec<Option<usize>> = vec![None; n];
    for i in (0..n).rev() {
        if is_declared_bus[i] {
            continue;
        }
        if let Some((b, _)) = wants[i] {
            unit[i] = Some(b);
        } else if let Some((&first, rest)) = children[i].split_first()
            && let Some(b) = unit[first]
            && rest.iter().all(|&c| unit[c] == Some(b))
        {
            unit[i] = Some(b);
        }
    }
    // Folders that keep tracks wanting buses, because their tracks disagree.
    for i in 0..n {
        if children[i].is_empty() || unit[i].is_some() || is_declared_bus[i] {
            continue;
        }
        let mut buses: Vec<&str> = children[i]
            .iter()
            .filter_map(|&c| unit[c].map(|b| decls[b].name))
            .collect();
        buses.sort_unstable();
        buses.dedup();
        if buses.len() > 1 || (buses.len() == 1 && children[i].iter().any(|&c| unit[c].is_none())) {
            let why = if buses.len() > 1 {
                format!("its tracks go to different buses ({})", buses.join(", "))
            } else {
                format!("not every track in it goes to bus {}", buses[0])
            };
            // The folder stays where it is, and its tracks stay inside it: each is coloured
            // and renamed where it is, or goes into a bus made inside this folder.
            let origin = children[i]
                .iter()
                .find_map(|&c| wants[c].map(|(_, o)| o.clone()));
            plan.notes.push(Note {
                track: Some(i),
                message: format!(
                    "folder kept as it is: {why}, so the folder does not move into a bus and its tracks stay inside it"
                ),
                origin,
            });
        }
    }

    // The units that would move: the outermost ones (what is inside them goes along).
    let mut candidates: Vec<Vec<usize>> = vec![Vec::new(); decls.len()];
    for i in 0..n {
        let Some(b) = unit[i] else { continue };
        if session.ancestors(i).any(|a| unit[a].is_some()) {
            continue;
        }
        if let Some(bus) = decls[b].existing
            && (bus == i || session.ancestors(i).any(|a| a == bus))
        {
            continue; // already there (or it is the bus)
        }
        candidates[b].push(i);
    }

    let origin_of = |i: usize, b: usize| -> Origin {
        match wants[i] {
            Some((_, o)) => o.clone(),
            None => decls[b].new.origin.clone(),
        }
    };
    let unused = unused_origins(plan, n);
    let counts = |u: usize, b: usize| counts_towards_minimum(&unused, u, &origin_of(u, b));
    // What each folder will hold once the moves into existing buses are made: a new bus is
    // judged against the folder as it will be, not as it was. (A "Perc" folder of kick and
    // overheads that a xylophone joins as the PERC bus is no longer the drum folder; judged
    // on the folder as it was, a second run would make the DRUMS bus the first declined.)
    let mut holds_after = children.clone();
    for (b, units) in candidates.iter().enumerate() {
        if let Some(bus) = decls[b].existing
            && session.reaches_master(Some(bus))
        {
            holds_after[bus].extend(units.iter().copied().filter(|&u| {
                tracks[u].feeds_parent
                    && tracks[u].parent == tracks[bus].parent
                    && refusal(session, &unused, bus, u).is_none()
            }));
        }
    }
    for (b, units) in candidates.iter().enumerate() {
        if units.is_empty() {
            continue;
        }
        let decl = &decls[b];
        let (movable, silent): (Vec<usize>, Vec<usize>) =
            units.iter().partition(|&&u| tracks[u].feeds_parent);
        for &u in &silent {
            plan.notes.push(Note {
                track: Some(u),
                message: format!(
                    "not moved into bus {}: its audio does not go to {} (moving it would change what is heard)",
                    decl.name,
                    if tracks[u].parent.is_some() { "its folder" } else { "the master" }
                ),
                origin: Some(origin_of(u, b)),
            });
        }
        if movable.is_empty() {
            continue;
        }
        // Units grouped by the folder they sit in (`None`: the top level).
        let mut by_parent: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
        for &u in &movable {
            by_parent.entry(tracks[u].parent).or_default().push(u);
        }
        let (target, home) = match decl.existing {
            Some(bus) => {
                if !session.reaches_master(Some(bus)) {
                    plan.notes.push(Note {
                        track: Some(bus),
                        message: format!(
                            "nothing moved into bus {:?}: its audio does not reach the master",
                            session.shown_name(bus)
                        ),
                        origin: Some(decl.new.origin.clone()),
                    });
                    continue;
                }
                (BusRef::Existing(bus), tracks[bus].parent)
            }
            None => {
                // The folder holding the most of them (the first on a tie) that reaches the master.
                let best = by_parent
                    .iter()
                    .filter(|(p, _)| session.reaches_master(**p))
                    .max_by(|(_, a), (_, b)| a.len().cmp(&b.len()).then(b[0].cmp(&a[0])))
                    .map(|(p, _)| *p);
                let Some(home) = best else {
                    plan.notes.push(Note {
                        track: None,
                        message: format!(
                            "bus {} not made: its tracks sit in folders whose audio does not reach the master",
                            decl.name
                        ),
                        origin: Some(decl.new.origin.clone()),
                    });
                    continue;
                };
                let members = &by_parent[&home];
                let counted = members.iter().filter(|&&u| counts(u, b)).count();
                if counted < decl.new.min_members {
                    plan.notes.push(Note {
                        track: None,
                        message: too_few(
                            decl.name,
                            members,
                            counted,
                            decl.new.min_members,
                            session,
                        ),
                        origin: Some(decl.new.origin.clone()),
                    });
                    continue;
                }
                if let Some(h) = home
                    && let Some(why) =
                        already_grouped(session, plan, &holds_after[h], members, h, decl)
                {
                    if holds_after[h].iter().all(|c| members.contains(c)) {
                        // The folder is this bus already: it takes the bus's colour, as its
                        // tracks do (a "Percussion" folder of kick, snare and overheads is
                        // the drum group, coloured as drums).
                        colour_as_bus(session, plan, h, decl);
                    }
                    plan.notes.push(Note {
                        track: Some(h),
                        message: format!(
                            "bus {} not made inside folder {:?}: {why}; its tracks keep their place",
                            decl.name,
                            session.shown_name(h)
                        ),
                        origin: Some(decl.new.origin.clone()),
                    });
                    continue;
                }
                plan.new_buses.push(decl.new.clone());
                (BusRef::New(plan.new_buses.len() - 1), home)
            }
        };
        for (parent, members) in &by_parent {
            if *parent == home {
                for &u in members {
                    let refused = match target {
                        BusRef::Existing(bus) => refusal(session, &unused, bus, u),
                        BusRef::New(_) => None,
                    };
                    if let Some(refused) = refused {
                        let message = match refused {
                            Refusal::BusInside => {
                                format!("not moved into bus {}: the bus is inside it", decl.name)
                            }
                            Refusal::Muted => format!(
                                "not moved into bus {}: the bus is muted, and moving {} there would silence it",
                                decl.name,
                                if session.tracks.iter().any(|t| t.parent == Some(u)) {
                                    "this folder"
                                } else {
                                    "a track that plays"
                                }
                            ),
                        };
                        plan.notes.push(Note {
                            track: Some(u),
                            message,
                            origin: Some(origin_of(u, b)),
                        });
                        continue;
                    }
                    plan.changes.push(Change {
                        track: u,
                        action: Action::MoveToBus { bus: target },
                        origin: origin_of(u, b),
                    });
                }
            } else {
                let place = match parent {
                    Some(p) => format!("folder {:?}", session.shown_name(*p)),
                    None => "the top level".to_string(),
                };
                let names = listing(members, session);
                plan.notes.push(Note {
                    track: Some(members[0]),
                    message: format!(
                        "{names} {} in {place}: bus {} is {}, and moving {} there would change {} signal path",
                        if members.len() == 1 { "stays" } else { "stay" },
                        decl.name,
                        match home {
                            Some(h) => format!("in folder {:?}", session.shown_name(h)),
                            None => "at the top level".to_string(),
                        },
                        if members.len() == 1 { "it" } else { "them" },
                        if members.len() == 1 { "its" } else { "their" },
                    ),
                    origin: Some(origin_of(members[0], b)),
                });
            }
        }
    }
    keep_structure(session, plan);
}

/// Why unit `u` (a track or a folder) does not go into the existing bus `bus` its rule names.
enum Refusal {
    /// The bus sits inside `u`.
    BusInside,
    /// The bus is muted and `u` is heard: moving it there would silence it.
    Muted,
}

/// Whether unit `u` is kept out of the existing bus `bus`, and why (`None`: it may go in).
fn refusal(session: &Session, unused: &[Option<Origin>], bus: usize, u: usize) -> Option<Refusal> {
    if session.ancestors(bus).any(|a| a == u) {
        Some(Refusal::BusInside)
    } else if session.tracks[bus].muted && audible(session, unused, u) {
        Some(Refusal::Muted)
    } else {
        None
    }
}

/// Gives folder `folder` the colour of `decl`'s bus (replacing a colour the plan gave it
/// already), when the declaration has one and the folder does not wear it.
fn colour_as_bus(session: &Session, plan: &mut Plan, folder: usize, decl: &Decl<'_>) {
    let Some(color) = decl.new.color else {
        return;
    };
    let recolours = |c: &Change| c.track == folder && matches!(c.action, Action::Recolor { .. });
    if session.tracks[folder].color == Some(color) {
        // Already so: no other colour is given to it either.
        plan.changes.retain(|c| !recolours(c));
        return;
    }
    match plan.changes.iter_mut().rev().find(|c| recolours(c)) {
        Some(c) => {
            c.action = Action::Recolor { to: color };
            c.origin = decl.new.origin.clone();
        }
        None => plan.changes.push(Change {
            track: folder,
            action: Action::Recolor { to: color },
            origin: decl.new.origin.clone(),
        }),
    }
}

/// Why a new bus of `decl` made inside folder `folder` for `members` would only repeat a
/// group the engineer already built, if it would: its members are every track of the folder
/// (a "Percussion" folder holding kick, snare and overheads is the drum folder already), or
/// the folder is coloured as that bus (a "DIALOGUE" folder the rules colour as vocals holds no
/// VOCALS bus of its own).
fn already_grouped(
    session: &Session,
    plan: &Plan,
    children: &[usize],
    members: &[usize],
    folder: usize,
    decl: &Decl<'_>,
) -> Option<&'static str> {
    if children.iter().all(|c| members.contains(c)) {
        return Some(
            "its tracks would be every track the folder holds, and the folder already groups them",
        );
    }
    let colour = plan
        .changes
        .iter()
        .rev()
        .find_map(|c| match c.action {
            Action::Recolor { to } if c.track == folder => Some(to),
            _ => None,
        })
        .or(session.tracks[folder].color);
    (decl.new.color.is_some() && colour == decl.new.color)
        .then_some("the folder is already coloured as that bus")
}

/// Whether track `t` is heard now: it is not muted, and it plays something (it is not
/// flagged unused) or, for a folder, a track in it is heard. Moving it into a muted bus would
/// silence it; a muted or empty track loses nothing there.
fn audible(session: &Session, unused: &[Option<Origin>], t: usize) -> bool {
    let tracks = &session.tracks;
    if tracks[t].muted {
        return false;
    }
    if unused.get(t).is_none_or(|u| u.is_none()) {
        return true;
    }
    tracks
        .iter()
        .enumerate()
        .filter(|(_, c)| c.parent == Some(t))
        .any(|(c, _)| audible(session, unused, c))
}

/// The origin of the unused flag of each of the `n` tracks the plan flags, `None` for the
/// others.
fn unused_origins(plan: &Plan, n: usize) -> Vec<Option<Origin>> {
    let mut out = vec![None; n];
    for c in plan.flags() {
        if let Some(slot) = out.get_mut(c.track) {
            *slot = Some(c.origin.clone());
        }
    }
    out
}

/// Whether track `t`, moved into a bus by the rule at `origin`, counts towards the bus's
/// `min_members`: not when it is flagged unused and the move is another rule's (an empty
/// track is no member an engineer would make a bus for); yes when the `unused` policy itself
/// files it there.
fn counts_towards_minimum(unused: &[Option<Origin>], t: usize, origin: &Origin) -> bool {
    match unused.get(t) {
        Some(Some(flag)) => flag == origin,
        _ => true,
    }
}

/// The note for a bus not made: `members` would go into it, `counted` of them count towards
/// its minimum `min` (the others are flagged unused).
fn too_few(bus: &str, members: &[usize], counted: usize, min: usize, session: &Session) -> String {
    let would = if counted == members.len() {
        format!("only {} would go into it", plural(members.len(), "track"))
    } else {
        format!(
            "only {counted} of the {} that would go into it {} not flagged unused",
            plural(members.len(), "track"),
            if counted == 1 { "is" } else { "are" }
        )
    };
    format!(
        "bus {bus} not made: {would} (a bus needs at least {min}); {} {}",
        listing(members, session),
        if members.len() == 1 {
            "keeps its place"
        } else {
            "keep their place"
        }
    )
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// `"Kick" and "Snare"`, `"A", "B" and 3 more`.
fn listing(members: &[usize], session: &Session) -> String {
    const SHOWN: usize = 3;
    let names: Vec<String> = members
        .iter()
        .take(SHOWN)
        .map(|&m| format!("{:?}", session.shown_name(m)))
        .collect();
    match members.len() {
        0 => String::new(),
        1 => names[0].clone(),
        k if k <= SHOWN => format!("{} and {}", names[..k - 1].join(", "), names[k - 1]),
        k => format!("{} and {} more", names.join(", "), k - SHOWN),
    }
}

/// Drops moves until the plan keeps pairs together and every new bus has its minimum of
/// members, with a note for each dropped move. The planner calls it after placing tracks;
/// the pipeline calls it again after a backend refused moves, which can split a pair or
/// leave a bus with one member.
pub fn keep_structure(session: &Session, plan: &mut Plan) {
    let pairs = pair_groups(session, plan);
    let n = session.tracks.len();
    // Each round drops at least one move, so the loop ends.
    loop {
        let mut drop: Vec<usize> = Vec::new(); // tracks whose moves go
        let mut moves = vec![false; n];
        for c in &plan.changes {
            if matches!(c.action, Action::MoveToBus { .. }) && c.track < n {
                moves[c.track] = true;
            }
        }
        let mut notes = Vec::new();
        let unused = unused_origins(plan, n);
        // Per new bus: the moves into it, and those that count towards its minimum.
        let mut counts = vec![(0usize, 0usize); plan.new_buses.len()];
        for c in &plan.changes {
            if let Action::MoveToBus {
                bus: BusRef::New(k),
            } = c.action
            {
                counts[k].0 += 1;
                counts[k].1 += usize::from(counts_towards_minimum(&unused, c.track, &c.origin));
            }
        }
        for (k, bus) in plan.new_buses.iter().enumerate() {
            if counts[k].0 > 0 && counts[k].1 < bus.min_members {
                let members: Vec<usize> = plan
                    .changes
                    .iter()
                    .filter(|c| {
                        c.action
                            == Action::MoveToBus {
                                bus: BusRef::New(k),
                            }
                    })
                    .map(|c| c.track)
                    .collect();
                notes.push(Note {
                    track: None,
                    message: too_few(&bus.name, &members, counts[k].1, bus.min_members, session),
                    origin: Some(bus.origin.clone()),
                });
                drop.extend(members);
            }
        }
        if drop.is_empty() {
            let layout = plan.layout(session);
            let slot_of = layout.new_positions(session.tracks.len());
            let final_parent = |t: usize| -> Option<Option<Slot>> {
                let slot = slot_of[t]?;
                Some(layout.parents[slot].map(|p| layout.slots[p]))
            };
            for group in &pairs {
                let mut parents = group.iter().filter_map(|&t| final_parent(t));
                let Some(first) = parents.next() else {
                    continue;
                };
                if parents.all(|p| p == first) {
                    continue;
                }
                let moved: Vec<usize> = group.iter().copied().filter(|&t| moves[t]).collect();
                if moved.is_empty() {
                    continue;
                }
                notes.push(Note {
                    track: Some(group[0]),
                    message: format!(
                        "{} kept together where they are: not all of them could move",
                        listing(group, session)
                    ),
                    origin: None,
                });
                drop.extend(moved);
            }
        }
        if drop.is_empty() {
            break;
        }
        let mut dropped = vec![false; n];
        for t in drop {
            dropped[t] = true;
        }
        plan.changes.retain(|c| {
            !(matches!(c.action, Action::MoveToBus { .. }) && dropped.get(c.track) == Some(&true))
        });
        plan.notes.extend(notes);
        plan.drop_unused_new_buses();
    }
}

/// Words that tell apart the tracks of one source: sides, positions, mic and take numbers.
const SIDE_WORDS: &[&str] = &[
    "l", "r", "left", "right", "lt", "rt", "lft", "rgt", "in", "out", "top", "bottom", "btm",
    "bot", "up", "down", "dn", "front", "back", "fr", "bk", "hi", "lo", "high", "low", "close",
    "far", "near", "a", "b", "c", "di", "amp", "inside", "outside", "st", "mono", "stereo",
];

/// The words of a track name, lower case, read as rules read names ([`super::names`]: `_ - .`,
/// camelCase and letter/digit boundaries separate words, Live's `N-` prefix dropped), other
/// punctuation separating words too (`OH_L` → `oh l`, `Tom2` → `tom 2`). The readable form of
/// what [`walk_words`] walks.
#[cfg(test)]
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    walk_words(name, |event| match event {
        Word::Letter(c) => current.push(c),
        Word::End => out.push(std::mem::take(&mut current)),
    });
    out
}

/// What [`walk_words`] finds in a name, one character at a time.
enum Word {
    /// The next lower-case character of the current word.
    Letter(char),
    /// The current word ends (it has at least one character).
    End,
}

/// Walks the words of a name as [`words`] splits them, without holding them: a name may be
/// most of a project's bytes, and grouping pairs must not copy every name.
fn walk_words(name: &str, mut f: impl FnMut(Word)) {
    // One name's normalised copy at a time: bounded by the largest name, never all of them.
    let normal = super::names::normalise(name);
    let name = normal.as_deref().unwrap_or(name);
    let mut in_word = false;
    let mut prev: Option<char> = None;
    for ch in name.chars() {
        let boundary = match prev {
            _ if !ch.is_alphanumeric() => {
                if in_word {
                    f(Word::End);
                    in_word = false;
                }
                prev = None;
                continue;
            }
            Some(p) => {
                (p.is_lowercase() && ch.is_uppercase())
                    || (p.is_alphabetic() && ch.is_numeric())
                    || (p.is_numeric() && ch.is_alphabetic())
            }
            None => false,
        };
        if boundary && in_word {
            f(Word::End);
        }
        for c in ch.to_lowercase() {
            f(Word::Letter(c));
        }
        in_word = true;
        prev = Some(ch);
    }
    if in_word {
        f(Word::End);
    }
}

/// [`pair_key`] as a 128-bit hash (`None` for an empty key), made without copying the name:
/// equal keys give equal hashes, and different ones collide with odds of 2^-128.
fn pair_key_hash(name: &str) -> Option<u128> {
    use xxhash_rust::xxh3::Xxh3;
    /// Longer than every side word: a word this long is kept whatever it is.
    const SHORT: usize = 8;
    let (mut key, mut word) = (Xxh3::new(), Xxh3::new());
    let mut start = String::new();
    let mut digits = true;
    let mut kept = 0usize;
    walk_words(name, |event| match event {
        Word::Letter(c) => {
            word.update(c.encode_utf8(&mut [0u8; 4]).as_bytes());
            if start.len() < SHORT {
                start.push(c);
            }
            digits &= c.is_ascii_digit();
        }
        Word::End => {
            let side = start.len() < SHORT && SIDE_WORDS.contains(&start.as_str());
            if !side && !digits {
                key.update(&word.digest128().to_le_bytes());
                kept += 1;
            }
            word.reset();
            start.clear();
            digits = true;
        }
    });
    (kept > 0).then(|| key.digest128())
}

/// What is left of a name once the words telling a pair apart are gone: the readable form of
/// [`pair_key_hash`], which pairs are grouped by.
#[cfg(test)]
fn pair_key(name: &str) -> String {
    words(name)
        .into_iter()
        .filter(|w| !SIDE_WORDS.contains(&w.as_str()) && !w.chars().all(|c| c.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tracks of one kind that share a folder and whose names differ only by the words of
/// [`SIDE_WORDS`] or numbers: each group holds two or more tracks, in session order. A MIDI
/// track and the audio track bounced from it (`Poly Synth` / `Poly Synth A`, in
/// `leavingtonite__Leaving_Tonite_Sonoj_Mix.ardour`) are not a pair: the source often plays
/// nowhere and must not hold its bounce back; names the DAW made up (Live's `1-Group`,
/// `18-Group`) say nothing about belonging together. Names are read as the plan
/// leaves them (a rename, an `unused` prefix), which is how the next run reads them: judged on
/// the names as read, a second run could pair the tracks differently and move them.
fn pair_groups(session: &Session, plan: &Plan) -> Vec<Vec<usize>> {
    let renames = plan.by_track(session.tracks.len());
    let mut groups: BTreeMap<(Option<usize>, &str, u128), Vec<usize>> = BTreeMap::new();
    for t in &session.tracks {
        let renamed = renames.rename(t.index);
        if renamed.is_none() && t.default_name.is_some() {
            continue; // a name the DAW made up
        }
        let Some(key) = pair_key_hash(renamed.unwrap_or(&t.name)) else {
            continue; // "L", "1": nothing says they belong together
        };
        groups
            .entry((t.parent, t.kind.as_str(), key))
            .or_default()
            .push(t.index);
    }
    groups.into_values().filter(|g| g.len() > 1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{load, plan};
    use crate::session::{Format, Track, TrackKind};

    const RULES: &str = r##"version: 1
buses: [{name: DRUMS}, {name: GUITARS}, {name: VOCALS}, {name: SOLO, min_members: 1}]
rules:
  - match: {name: '\b(kick|snare|tom|oh)\b'}
    bus: DRUMS
  - match: {name: '\b(gtr)\b'}
    bus: GUITARS
  - match: {name: '\bvox\b'}
    bus: VOCALS
  - match: {name: '\bsolo\b'}
    bus: SOLO
unused: {when: [no_media], action: flag}
"##;

    /// A session from `(name, parent, media)`; tracks with children are buses.
    fn session(tracks: &[(&str, Option<usize>, usize)]) -> Session {
        let mut s = Session {
            format: Format::Rpp,
            media: Default::default(),
            name_display: Default::default(),
            tracks: tracks
                .iter()
                .enumerate()
                .map(|(index, &(name, parent, media))| Track {
                    parent,
                    media_count: media,
                    ..Track::new(index, name, TrackKind::Audio)
                })
                .collect(),
        };
        for i in 0..s.tracks.len() {
            if s.tracks.iter().any(|t| t.parent == Some(i)) {
                s.tracks[i].kind = TrackKind::Bus;
            }
        }
        s
    }

    /// `(name, depth)` after the plan.
    fn tree(s: &Session, p: &Plan) -> Vec<(String, usize)> {
        let after = p.predict(s);
        after
            .tracks
            .iter()
            .map(|t| (t.name.to_string(), after.depth(t.index)))
            .collect()
    }

    fn names(tree: &[(String, usize)]) -> Vec<String> {
        tree.iter()
            .map(|(n, d)| format!("{}{n}", "  ".repeat(*d)))
            .collect()
    }

    #[test]
    fn a_bus_needs_two_members_unless_its_declaration_says_less() {
        let rules = load(RULES, "r.yaml").unwrap();
        let s = session(&[
            ("Lead Vox", None, 1),
            ("Solo Sax", None, 1),
            ("Kick", None, 1),
        ]);
        let p = plan(&rules, &s);
        assert_eq!(
            names(&tree(&s, &p)),
            ["Lead Vox", "SOLO", "  Solo Sax", "Kick"]
        );
        assert!(
            p.notes
                .iter()
                .any(|n| n.message.starts_with("bus VOCALS not made: only 1 track"))
        );
        assert!(
            p.notes
                .iter()
                .any(|n| n.message.starts_with("bus DRUMS not made"))
        );
    }

    #[test]
    fn an_unused_track_does_not_make_a_bus_but_goes_along_into_one_that_is_made() {
        let rules = load(RULES, "r.yaml").unwrap();
        // "Vox 2" has no media (flagged unused): "Lead Vox" alone does not make VOCALS.
        let s = session(&[("Lead Vox", None, 1), ("Vox 2", None, 0), ("Kick", None, 1)]);
        let p = plan(&rules, &s);
        assert_eq!(names(&tree(&s, &p)), ["Lead Vox", "Vox 2", "Kick"]);
        assert!(p.notes.iter().any(|n| n.message.starts_with(
            "bus VOCALS not made: only 1 of the 2 tracks that would go into it is not flagged unused"
        )));
        // Two vocals with audio make the bus, and the empty one goes along with its family.
        let s = session(&[
            ("Lead Vox", None, 1),
            ("Vox 2", None, 0),
            ("Vox Dbl", None, 1),
        ]);
        let p = plan(&rules, &s);
        assert_eq!(
            names(&tree(&s, &p)),
            ["VOCALS", "  Lead Vox", "  Vox 2", "  Vox Dbl"]
        );
        // The unused policy filing unused tracks into a bus counts them.
        let filing = RULES.replace(
            "unused: {when: [no_media], action: flag}",
            "unused: {when: [no_media], action: bus, bus: SOLO}",
        );
        let filing = filing.replace("{name: SOLO, min_members: 1}", "{name: SOLO}");
        let rules = load(&filing, "r.yaml").unwrap();
        let s = session(&[
            ("Kick", None, 1),
            ("Empty A", None, 0),
            ("Empty B", None, 0),
        ]);
        assert_eq!(
            names(&tree(&s, &plan(&rules, &s))),
            ["Kick", "SOLO", "  Empty A", "  Empty B"]
        );
    }

    #[test]
    fn tracks_never_leave_a_folder_and_folders_move_whole() {
        let rules = load(RULES, "r.yaml").unwrap();
        let s = session(&[
            ("Kick", None, 1),
            ("Toms", None, 0),
            ("Tom 1", Some(1), 1),
            ("Tom 2", Some(1), 1),
            ("Band", None, 0),
            ("Snare", Some(4), 1),
            ("Gtr", Some(4), 1),
            ("Snare 2", None, 1),
        ]);
        let p = plan(&rules, &s);
        assert_eq!(
            names(&tree(&s, &p)),
            [
                "DRUMS",
                "  Kick",
                "  Toms",
                "    Tom 1",
                "    Tom 2",
                "  Snare 2",
                "Band",
                "  Snare",
                "  Gtr",
            ]
        );
        assert!(
            p.notes
                .iter()
                .any(|n| n.message.contains("stays in folder \"Band\"")),
            "{:?}",
            p.notes
        );
    }

    #[test]
    fn an_existing_bus_takes_only_its_neighbours() {
        let rules = load(RULES, "r.yaml").unwrap();
        let s = session(&[
            ("Song", None, 0),
            ("DRUMS", Some(0), 0),
            ("Kick", Some(1), 1),
            ("Snare", Some(0), 1),
            ("Tom", None, 1),
        ]);
        let p = plan(&rules, &s);
        assert_eq!(
            names(&tree(&s, &p)),
            ["Song", "  DRUMS", "    Kick", "    Snare", "Tom"]
        );
    }

    #[test]
    fn signal_paths_are_kept() {
        let rules = load(RULES, "r.yaml").unwrap();
        // "Print" is not sent to the master: no bus is made inside it, and a track whose
        // audio goes elsewhere stays.
        let mut s = session(&[
            ("Print", None, 0),
            ("Kick", Some(0), 1),
            ("Snare", Some(0), 1),
            ("Gtr 1", None, 1),
            ("Gtr 2", None, 1),
            ("Gtr Solo", None, 1),
        ]);
        s.tracks[0].feeds_parent = false;
        s.tracks[5].feeds_parent = false;
        let p = plan(&rules, &s);
        assert_eq!(
            names(&tree(&s, &p)),
            [
                "Print", "  Kick", "  Snare", "GUITARS", "  Gtr 1", "  Gtr 2", "Gtr Solo"
            ]
        );
    }

    #[test]
    fn pairs_stay_together() {
        let rules = load(RULES, "r.yaml").unwrap();
        // "Gtr R" cannot move (its audio goes elsewhere), so "Gtr L" stays beside it, and
        // GUITARS, left with one track, is not made.
        let mut s = session(&[("Gtr L", None, 1), ("Gtr R", None, 1), ("Ac Gtr", None, 1)]);
        s.tracks[1].feeds_parent = false;
        let p = plan(&rules, &s);
        assert!(!p.edits_file(), "{:?}", p.changes);
        assert!(p.notes.iter().any(|n| n.message.contains("kept together")));
    }

    #[test]
    fn names_a_daw_made_up_do_not_pair() {
        let rules = load(RULES, "r.yaml").unwrap();
        // Live shows two unnamed groups as `1-Group` and `4-Group`: not a pair, so the one of
        // guitars moves into GUITARS whole (with "Gtr C") while the other stays.
        let mut s = session(&[
            ("Group", None, 0),
            ("Gtr A", Some(0), 1),
            ("Gtr B", Some(0), 1),
            ("Group", None, 0),
            ("Kick", Some(3), 1),
            ("Pad", Some(3), 1),
            ("Gtr C", None, 1),
        ]);
        s.name_display = crate::session::NameDisplay::Numbered;
        for g in [0, 3] {
            s.tracks[g].default_name = Some("Group".into());
        }
        let p = plan(&rules, &s);
        assert!(
            p.changes
                .iter()
                .any(|c| c.track == 0 && matches!(c.action, Action::MoveToBus { .. })),
            "{:?}",
            p.notes
        );
    }

    #[test]
    fn a_midi_source_does_not_hold_its_bounce_back() {
        let rules = load(RULES, "r.yaml").unwrap();
        // "Gtr" is a MIDI track whose audio goes nowhere; "Gtr A" was bounced from it.
        let mut s = session(&[("Gtr", None, 1), ("Gtr A", None, 1), ("Gtr B", None, 1)]);
        s.tracks[0].kind = TrackKind::Midi;
        s.tracks[0].feeds_parent = false;
        let p = plan(&rules, &s);
        assert_eq!(
            names(&tree(&s, &p)),
            ["Gtr", "GUITARS", "  Gtr A", "  Gtr B"]
        );
    }

    #[test]
    fn templates_and_fed_tracks_are_not_unused() {
        let rules = load(RULES, "r.yaml").unwrap();
        let template = session(&[("Kick", None, 0), ("Vox", None, 0)]);
        assert_eq!(plan(&rules, &template).flags().count(), 0);
        let mut s = session(&[
            ("Kick", None, 1),
            ("Sidechain", None, 0),
            ("Empty", None, 0),
        ]);
        s.tracks[1].fed_by_tracks = true;
        let flagged: Vec<usize> = plan(&rules, &s).flags().map(|c| c.track).collect();
        assert_eq!(flagged, [2]);
    }

    #[test]
    fn utilities_are_never_unused_and_their_media_is_not_material() {
        let rules = load(
            "version: 1\nunused: {when: [no_media], except: {name: '\\b(click|video|beep)\\b'}}\n",
            "r.yaml",
        )
        .unwrap();
        // A film template whose only item is a sync beep: a template, nothing unused.
        let template = session(&[
            ("2 Beep", None, 1),
            ("Dialogue", None, 0),
            ("Video", None, 0),
        ]);
        assert_eq!(plan(&rules, &template).flags().count(), 0);
        // With material, the empty dialogue track is unused; the empty video track never is.
        let s = session(&[
            ("2 Beep", None, 1),
            ("Dialogue", None, 0),
            ("Video", None, 0),
            ("Music", None, 1),
        ]);
        let flagged: Vec<usize> = plan(&rules, &s).flags().map(|c| c.track).collect();
        assert_eq!(flagged, [1]);
        // An `except` that is not a valid match is reported at its line.
        let e = load("version: 1\nunused:\n  except: {name: '('}\n", "r.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("r.yaml:3:") && e.contains("bad regex"), "{e}");
    }

    #[test]
    fn a_new_bus_never_repeats_a_group_the_engineer_built() {
        let rules = load(
            r##"version: 1
colors: {drums: "#d94f3d", perc: "#e8843a", vocals: "#a45ee5"}
buses:
  - {name: DRUMS, color: drums}
  - {name: PERC, color: perc, aliases: ['^percussion$']}
  - {name: VOCALS, color: vocals}
rules:
  - match: {name: '\b(kick|snare|oh)\b'}
    bus: DRUMS
  - match: {kind: bus, name: dialogue}
    color: vocals
  - match: {name: '\b(dialogue|vo)\b'}
    bus: VOCALS
"##,
            "r.yaml",
        )
        .unwrap();
        // A "Percussion" folder holding only kit pieces is the drum folder already.
        let s = session(&[
            ("Percussion", None, 0),
            ("Kick", Some(0), 1),
            ("Snare", Some(0), 1),
            ("OH", Some(0), 1),
        ]);
        let p = plan(&rules, &s);
        assert!(p.new_buses.is_empty());
        assert_eq!(
            names(&tree(&s, &p)),
            ["Percussion", "  Kick", "  Snare", "  OH"]
        );
        assert!(
            p.notes.iter().any(|n| n
                .message
                .contains("bus DRUMS not made inside folder \"Percussion\"")),
            "{:?}",
            p.notes
        );
        // The same tracks beside another track in a folder do get their bus.
        let s = session(&[
            ("Band", None, 0),
            ("Kick", Some(0), 1),
            ("Snare", Some(0), 1),
            ("Piano", Some(0), 1),
        ]);
        let p = plan(&rules, &s);
        assert_eq!(
            names(&tree(&s, &p)),
            ["Band", "  DRUMS", "    Kick", "    Snare", "  Piano"]
        );
        // A folder the rules colour as the bus holds no second one.
        let s = session(&[
            ("DIALOGUE", None, 0),
            ("Dialogue", Some(0), 1),
            ("VO", Some(0), 1),
            ("SFX", Some(0), 1),
        ]);
        let p = plan(&rules, &s);
        assert!(p.new_buses.is_empty(), "{:?}", p.new_buses);
        assert!(
            p.notes
                .iter()
                .any(|n| n.message.contains("already coloured as that bus")),
            "{:?}",
            p.notes
        );
    }

    #[test]
    fn words_split_where_engineers_separate_them() {
        assert_eq!(words("OH_L"), ["oh", "l"]);
        assert_eq!(words("Kick_In"), ["kick", "in"]);
        assert_eq!(words("KickIn"), ["kick", "in"]);
        assert_eq!(words("snr2"), ["snr", "2"]);
        assert_eq!(words("vox_pulses01"), ["vox", "pulses", "01"]);
        assert_eq!(words("Gtr L - Marshall"), ["gtr", "l", "marshall"]);
        assert_eq!(words("BGVs"), ["bgvs"]);
    }

    #[test]
    fn pairs_are_names_that_differ_by_a_side_or_a_number() {
        assert_eq!(pair_key("OH L"), pair_key("OH R"));
        assert_eq!(pair_key("Kick In"), pair_key("Kick_Out"));
        assert_eq!(pair_key("Gtr 1"), pair_key("gtr2"));
        assert_eq!(pair_key("Bass DI"), pair_key("Bass Amp"));
        assert_ne!(pair_key("Gtr DI"), pair_key("Bass DI"));
        assert_eq!(pair_key("L"), "");
        // The hash pairs are grouped by tells names apart exactly as the key does.
        let names = [
            "OH L",
            "OH R",
            "Kick In",
            "Kick_Out",
            "Gtr 1",
            "gtr2",
            "Bass DI",
            "Bass Amp",
            "Gtr DI",
            "L",
            "1",
            "KickIn",
            "BGVs",
            "vox_pulses01",
            "Ünïcode Straße L",
        ];
        for a in names {
            assert_eq!(pair_key_hash(a).is_none(), pair_key(a).is_empty(), "{a}");
            for b in names {
                let same = pair_key(a) == pair_key(b);
                assert_eq!(pair_key_hash(a) == pair_key_hash(b), same, "{a} / {b}");
            }
        }
    }
}
