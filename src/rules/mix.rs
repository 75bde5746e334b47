//! Gain staging and reference tracks: the mixer half of a plan, from what the rules want of
//! each track and what its audio measured ([`crate::session::Track::levels`]). Knows no file
//! format and no audio file: the levels come in as facts.
//!
//! - `gain: {peak: P}` / `gain: {loudness: L}`: one clip gain per track, the difference
//!   between the target and what the track plays (its items together, each at its own gain),
//!   applied to every audio item of it (so verse and chorus keep their levels relative to
//!   each other). A track within [`GAIN_TOLERANCE_DB`] of its target gets none, so a second
//!   run changes nothing.
//! - `gain_staging: {keep_balance: true}`: a gain-staged track's fader moves by the inverse
//!   of its clip gain, so fader × clip gain (the producer's balance) is unchanged; its
//!   `fader:` setting, if a rule gives one, does not apply (a fader set to a value and kept in
//!   balance would change again on every run).
//! - `fader:` (dB) and `pan:` (-1..1) set the track's mixer.
//! - `reference`: the tracks it matches take none of the above; they are routed around the
//!   master when `output: direct` asks, and brought to `loudness` (LUFS, or the loudness
//!   another track plays at after the plan) by clip gain with the fader at 0 dB.
//! - Tracks the `unused` section flags are left alone; a track whose audio is silence, not
//!   analysed, or not all found and decoded gets no clip gain and a note naming why (the files).

use super::RuleSet;
use super::names::Names;
use super::{GainTarget, ReferenceLoudness};
use crate::plan::{Action, Change, GainMeasure, Note, Origin, Plan, Reference};
use crate::session::{Session, Track, gain_to_db};
use std::sync::Arc;

/// A track measured within this of its target (dB, or LU for loudness) is at its target and
/// gets no clip gain: below what anyone hears (about 0.5-1 dB), above what rounding in the
/// files leaves after a run (REAPER keeps item volumes to 6 decimals: 0.0001 dB).
pub const GAIN_TOLERANCE_DB: f64 = 0.1;
/// A fader within this of what is asked (dB) is left as it is.
const FADER_TOLERANCE_DB: f64 = 0.01;
/// A pan within this of what is asked is left as it is (REAPER keeps pan to 3 decimals).
const PAN_TOLERANCE: f64 = 0.0015;

/// What the rules want of one track's mixer, with the origin of each setting.
pub(super) struct Want<'a> {
    pub gain: Option<(GainTarget, &'a Origin)>,
    pub fader: Option<(f64, &'a Origin)>,
    pub pan: Option<(f64, &'a Origin)>,
    /// The `unused` section flags (or removes) the track: its mixer is left alone.
    pub unused: bool,
}

/// Adds to `plan` the clip gains, faders, pans and routings `wants` (one per track of
/// `session`, as read) and the `reference` section of `rules` ask for, with a note for each
/// that cannot be made.
pub(super) fn place(rules: &RuleSet, session: &Session, wants: &[Want<'_>], plan: &mut Plan) {
    let names = Names::of(session);
    let references: Vec<usize> = match &rules.reference {
        Some(_) => (0..session.tracks.len())
            .filter(|&i| !wants[i].unused)
            .filter(|&i| rules.is_reference(session, &names, &session.tracks[i]))
            .collect(),
        None => Vec::new(),
    };
    let keep_balance = rules.gain_staging.as_ref().filter(|g| g.keep_balance);
    let balance_origin = keep_balance.map(|g| Origin {
        file: g.file.clone(),
        line: g.line,
        label: Arc::from("gain_staging"),
    });
    let mut out = Out::default();
    for (i, (track, want)) in session.tracks.iter().zip(wants).enumerate() {
        if want.unused || references.contains(&i) {
            continue;
        }
        let mut gain_staged = false;
        if let Some((target, origin)) = want.gain {
            gain_staged = true;
            match clip_gain(track, target) {
                Err(why) => out.note(i, why, origin),
                Ok(None) => {}
                Ok(Some((db, measured))) => match (&balance_origin, track.mixer.fader) {
                    (Some(_), None) => out.note(
                        i,
                        "no clip gain: `keep_balance` moves the fader by its inverse, and this \
                         file holds no fader premix can change"
                            .into(),
                        origin,
                    ),
                    (Some(balance), Some(fader)) => {
                        out.clip_gain(i, db, target, measured, true, origin);
                        // A fader at silence stays there: 0 × anything is the same balance.
                        if fader > 0.0 {
                            out.fader(i, gain_to_db(fader) - db, Some(fader), true, balance);
                        }
                    }
                    (None, _) => out.clip_gain(i, db, target, measured, false, origin),
                },
            }
        }
        if let Some((db, origin)) = want.fader
            && !(gain_staged && keep_balance.is_some())
        {
            match track.mixer.fader {
                None => out.note(
                    i,
                    format!(
                        "fader not set to {}: this file holds no fader premix can change for the track",
                        db_text(db, "dB")
                    ),
                    origin,
                ),
                Some(from) if (gain_to_db(from) - db).abs() > FADER_TOLERANCE_DB => {
                    out.fader(i, db, Some(from), false, origin)
                }
                Some(_) => {}
            }
        }
        if let Some((to, origin)) = want.pan {
            match track.mixer.pan {
                None => out.note(
                    i,
                    format!(
                        "pan not set to {}: this file holds no pan premix can change for the track",
                        pan_text(to)
                    ),
                    origin,
                ),
                Some(from) if (from - to).abs() > PAN_TOLERANCE => {
                    out.push(i, Action::Pan { to, from }, origin)
                }
                Some(_) => {}
            }
        }
    }
    if let Some(policy) = &rules.reference {
        let origin = Origin {
            file: policy.file.clone(),
            line: policy.line,
            label: Arc::from("reference"),
        };
        for &i in &references {
            let track = &session.tracks[i];
            if policy.direct && !track.mixer.direct_out {
                out.push(i, Action::RouteDirect, &origin);
            }
            let target = match &policy.loudness {
                None => continue,
                Some(ReferenceLoudness::Lufs(l)) => Ok(*l),
                Some(ReferenceLoudness::Like(re)) => {
                    loudness_of_like(session, &names, &references, re, &out.changes)
                }
            };
            let target = match target {
                Ok(t) => t,
                Err(why) => {
                    out.note(i, why, &origin);
                    continue;
                }
            };
            let goal = GainTarget {
                measure: GainMeasure::Loudness,
                target,
            };
            match clip_gain(track, goal) {
                Err(why) => out.note(i, why, &origin),
                Ok(gain) => {
                    if let Some((db, measured)) = gain {
                        out.clip_gain(i, db, goal, measured, false, &origin);
                    }
                    // The level heard is the clip's only with the fader at 0 dB.
                    if let Some(from) = track.mixer.fader
                        && gain_to_db(from).abs() > FADER_TOLERANCE_DB
                    {
                        out.fader(i, 0.0, Some(from), false, &origin);
                    }
                }
            }
        }
    }
    plan.changes.extend(out.changes);
    plan.notes.extend(out.notes);
    if let Some(policy) = &rules.reference {
        let origin = Origin {
            file: policy.file.clone(),
            line: policy.line,
            label: Arc::from("reference"),
        };
        plan.references = references
            .into_iter()
            .map(|track| Reference {
                track,
                origin: origin.clone(),
            })
            .collect();
    }
}

/// Changes and notes as they are made.
#[derive(Default)]
struct Out {
    changes: Vec<Change>,
    notes: Vec<Note>,
}

impl Out {
    fn push(&mut self, track: usize, action: Action, origin: &Origin) {
        self.changes.push(Change {
            track,
            action,
            origin: origin.clone(),
        });
    }

    fn note(&mut self, track: usize, message: String, origin: &Origin) {
        self.notes.push(Note {
            track: Some(track),
            message,
            origin: Some(origin.clone()),
        });
    }

    fn clip_gain(
        &mut self,
        track: usize,
        db: f64,
        goal: GainTarget,
        measured: f64,
        balanced: bool,
        origin: &Origin,
    ) {
        let action = Action::ClipGain {
            db,
            measure: goal.measure,
            measured,
            target: goal.target,
            balanced,
        };
        self.push(track, action, origin);
    }

    fn fader(&mut self, track: usize, db: f64, from: Option<f64>, balance: bool, o: &Origin) {
        let from_db = from.map(gain_to_db).filter(|d| d.is_finite());
        self.push(
            track,
            Action::Fader {
                db,
                from_db,
                balance,
            },
            o,
        );
    }
}

/// The clip gain (dB) that brings what `track` plays to `goal`, with the level measured;
/// `None` when it is within [`GAIN_TOLERANCE_DB`] already. `Err` says, for a note, why the
/// track gets none.
fn clip_gain(track: &Track, goal: GainTarget) -> Result<Option<(f64, f64)>, String> {
    let Some(levels) = &track.levels else {
        return Err(if track.media_count == 0 {
            "no clip gain: the track has no items".into()
        } else {
            "no clip gain: the track's audio was not analysed".into()
        });
    };
    if track.items.is_empty() {
        return Err("no clip gain: the track plays no audio item".into());
    }
    if track.items.iter().all(|i| i.muted) {
        return Err("no clip gain: every item of the track is muted".into());
    }
    if !levels.complete() {
        return Err(format!(
            "no clip gain: {} (so what the track plays cannot be measured)",
            levels.unmeasured.join("; ")
        ));
    }
    if track.silent == Some(true) {
        return Err("no clip gain: what the track plays is silence".into());
    }
    let measured = match goal.measure {
        GainMeasure::Peak => levels.peak_dbfs.ok_or("no clip gain: what the track plays is digital silence")?,
        GainMeasure::Loudness => levels.integrated_lufs.ok_or(
            "no clip gain: what the track plays is too quiet or too short (under 400 ms) to have a loudness",
        )?,
    };
    let db = goal.target - measured;
    Ok((db.abs() > GAIN_TOLERANCE_DB).then_some((db, measured)))
}

/// The loudness the first track that is not a reference and whose name `re` matches plays at
/// after the plan (its measured loudness and its clip gain in `changes`).
fn loudness_of_like(
    session: &Session,
    names: &Names,
    references: &[usize],
    re: &regex::Regex,
    changes: &[Change],
) -> Result<f64, String> {
    let found = (0..session.tracks.len())
        .filter(|i| !references.contains(i))
        .find(|&i| names.forms(session, i).is_match(re));
    let Some(i) = found else {
        return Err(format!(
            "no clip gain: no track other than a reference matches `{}`, whose loudness the reference takes",
            re.as_str()
        ));
    };
    let track = &session.tracks[i];
    let measured = track
        .levels
        .as_ref()
        .filter(|l| l.complete())
        .and_then(|l| l.integrated_lufs)
        .ok_or_else(|| {
            format!(
                "no clip gain: the loudness of track {} {:?}, which the reference takes, is not known",
                i + 1,
                track.name
            )
        })?;
    let gain: f64 = changes
        .iter()
        .filter(|c| c.track == i)
        .filter_map(|c| match c.action {
            Action::ClipGain { db, .. } => Some(db),
            _ => None,
        })
        .sum();
    Ok(measured + gain)
}

/// Drops, with a note, the half of a clip gain and its balancing fader move (`keep_balance`)
/// whose other half a backend declined: made alone, either would change the balance. Runs
/// after [`crate::formats::Project::vet`].
pub fn keep_balance(plan: &mut Plan) {
    let balanced = |plan: &Plan, fader: bool| -> Vec<usize> {
        plan.changes
            .iter()
            .filter(|c| match c.action {
                Action::ClipGain { balanced, .. } => !fader && balanced,
                Action::Fader { balance, .. } => fader && balance,
                _ => false,
            })
            .map(|c| c.track)
            .collect()
    };
    let gains = balanced(plan, false);
    let faders = balanced(plan, true);
    let mut notes = Vec::new();
    plan.changes.retain(|c| {
        let (alone, message) = match c.action {
            Action::ClipGain { balanced: true, .. } => (
                !faders.contains(&c.track),
                "no clip gain: the fader cannot move by its inverse (`keep_balance`), so the \
                 balance would change",
            ),
            Action::Fader { balance: true, .. } => (
                !gains.contains(&c.track),
                "fader not moved: the clip gain it balances was not made",
            ),
            _ => (false, ""),
        };
        if alone {
            notes.push(Note {
                track: Some(c.track),
                message: message.into(),
                origin: Some(c.origin.clone()),
            });
        }
        !alone
    });
    plan.notes.extend(notes);
}

/// `-3.1 dB`, `+2.0 LUFS`-style text of a level.
pub fn db_text(db: f64, unit: &str) -> String {
    if db.is_finite() {
        format!("{db:+.1} {unit}")
    } else {
        format!("-inf {unit}")
    }
}

/// `centre`, `30% left`, `100% right`.
pub fn pan_text(pan: f64) -> String {
    let percent = (pan.abs() * 100.0).round();
    if percent == 0.0 {
        "centre".into()
    } else if pan < 0.0 {
        format!("{percent}% left")
    } else {
        format!("{percent}% right")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::MediaRef;
    use crate::rules::load;
    use crate::session::{Format, Levels, Mixer, TrackKind};

    fn track(index: usize, name: &str, peak: f64, lufs: f64, fader_db: f64) -> Track {
        Track {
            media_count: 1,
            items: vec![MediaRef::whole(format!("{name}.wav"))].into(),
            levels: Some(Arc::new(Levels {
                peak_dbfs: Some(peak),
                integrated_lufs: Some(lufs),
                unmeasured: Vec::new(),
            })),
            mixer: Mixer {
                fader: Some(crate::session::db_to_gain(fader_db)),
                pan: Some(0.0),
                direct_out: false,
            },
            ..Track::new(index, name, TrackKind::Audio)
        }
    }

    fn planned(rules: &str, tracks: Vec<Track>) -> Plan {
        let rules = load(rules, "r.yaml").unwrap();
        crate::rules::plan(&rules, &Session::new(Format::Rpp, tracks))
    }

    fn gains(plan: &Plan) -> Vec<(usize, f64)> {
        plan.changes
            .iter()
            .filter_map(|c| match c.action {
                Action::ClipGain { db, .. } => Some((c.track, (db * 10.0).round() / 10.0)),
                _ => None,
            })
            .collect()
    }

    fn faders(plan: &Plan) -> Vec<(usize, f64)> {
        plan.changes
            .iter()
            .filter_map(|c| match c.action {
                Action::Fader { db, .. } => Some((c.track, (db * 10.0).round() / 10.0)),
                _ => None,
            })
            .collect()
    }

    const STAGING: &str = "version: 1\nrules:\n  - match: {name: kick}\n    gain: {peak: -6}\n  - gain: {loudness: -18}\n    pan: 0\ngain_staging: {keep_balance: true}\n";

    #[test]
    fn each_track_gets_the_gain_to_its_target_and_its_fader_the_inverse() {
        let plan = planned(
            STAGING,
            vec![
                track(0, "kick", -1.0, -20.0, 0.0),
                track(1, "bass", -3.0, -12.0, -4.0),
                track(2, "vox", -8.0, -18.05, -2.0),
            ],
        );
        assert_eq!(gains(&plan), [(0, -5.0), (1, -6.0)]);
        // Fader × clip gain unchanged: 0 dB + 5 dB, -4 dB + 6 dB; vox is at its target.
        assert_eq!(faders(&plan), [(0, 5.0), (1, 2.0)]);
        assert!(plan.notes.is_empty(), "{:?}", plan.notes);
    }

    #[test]
    fn unused_silent_unmeasured_and_unanalysed_tracks_get_no_gain_and_a_note_why() {
        let mut missing = track(1, "gtr", -3.0, -12.0, 0.0);
        missing.levels = Some(Arc::new(Levels {
            unmeasured: vec!["Audio/gtr.wav not found".into()],
            ..Levels::default()
        }));
        let mut silent = track(2, "pad", -80.0, -90.0, 0.0);
        silent.silent = Some(true);
        let mut unanalysed = track(3, "keys", -3.0, -12.0, 0.0);
        unanalysed.levels = None;
        let empty = Track {
            levels: Some(Arc::default()),
            ..Track::new(4, "Audio 5", TrackKind::Audio)
        };
        let mut kick = track(0, "kick", -1.0, -20.0, 0.0);
        kick.media_count = 0;
        let plan = planned(
            &format!("{STAGING}unused: {{when: [no_media]}}\n"),
            vec![kick.clone(), missing, silent, unanalysed, empty],
        );
        assert!(gains(&plan).is_empty(), "{:?}", plan.changes);
        let notes: Vec<(Option<usize>, &str)> = plan
            .notes
            .iter()
            .map(|n| (n.track, n.message.as_str()))
            .collect();
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].1.contains("Audio/gtr.wav not found"), "{notes:?}");
        assert!(notes[1].1.contains("silence"), "{notes:?}");
        assert!(notes[2].1.contains("not analysed"), "{notes:?}");
    }

    #[test]
    fn a_fader_rule_gives_way_to_keep_balance_on_gain_staged_tracks() {
        let rules = "version: 1\nrules:\n  - match: {name: vox}\n    gain: {loudness: -18}\n    fader: 0\n  - fader: 0\ngain_staging: {keep_balance: true}\n";
        let plan = planned(
            rules,
            vec![
                track(0, "vox", -3.0, -12.0, -5.0),
                track(1, "synth", -3.0, -12.0, -5.0),
            ],
        );
        assert_eq!(faders(&plan), [(0, 1.0), (1, 0.0)]);
        let plan = planned(
            &rules.replace("keep_balance: true", "keep_balance: false"),
            vec![track(0, "vox", -3.0, -12.0, -5.0)],
        );
        assert_eq!(faders(&plan), [(0, 0.0)]);
    }

    #[test]
    fn references_are_routed_direct_and_brought_to_their_loudness_with_the_fader_at_0_db() {
        let rules = "version: 1\nrules:\n  - gain: {loudness: -18}\nreference:\n  match: {name: '\\bref\\b'}\n  output: direct\n  loudness: -14\n";
        let plan = planned(
            rules,
            vec![
                track(0, "vox", -3.0, -12.0, 0.0),
                track(1, "Ref mix", -1.0, -9.0, -3.0),
            ],
        );
        let refs: Vec<usize> = plan.references.iter().map(|r| r.track).collect();
        assert_eq!(refs, [1]);
        assert_eq!(gains(&plan), [(0, -6.0), (1, -5.0)]);
        assert_eq!(faders(&plan), [(1, 0.0)]);
        assert!(
            plan.changes
                .iter()
                .any(|c| c.track == 1 && c.action == Action::RouteDirect)
        );
        // Another track's loudness, after its own clip gain.
        let like = rules.replace("loudness: -14", "loudness: {match: vox}");
        let plan = planned(
            &like,
            vec![
                track(0, "vox", -3.0, -12.0, 0.0),
                track(1, "Ref mix", -1.0, -9.0, 0.0),
            ],
        );
        assert_eq!(gains(&plan), [(0, -6.0), (1, -9.0)]);
    }

    #[test]
    fn a_clip_gain_whose_balancing_fader_was_declined_is_not_made() {
        let mut plan = planned(STAGING, vec![track(0, "kick", -1.0, -20.0, 0.0)]);
        plan.changes
            .retain(|c| !matches!(c.action, Action::Fader { .. }));
        keep_balance(&mut plan);
        assert!(gains(&plan).is_empty());
        assert_eq!(plan.notes.len(), 1);
    }
}
