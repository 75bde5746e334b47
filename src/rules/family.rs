//! Which family a rule set files each track under: the `colors:` name of the colour the rules
//! want for it. The score of a convention on labelled names, and any report of what the
//! rules make of a session, read it from here.

use super::RuleSet;
use super::names::Names;
use crate::session::{Rgb, Session};

/// For each track of `session` (by index), the name under `colors:` of the colour `rules`
/// want for it on the session as read, before the `unused` policy acts: the colour of the
/// last rule that applies and sets one (`continue: true` lets a later one replace it), or for
/// an existing bus a declaration reuses ([`RuleSet::existing_buses`]) that declaration's
/// colour, as the planner gives it.
///
/// `None` when the rules want no colour for the track, or a colour `colors:` does not name.
/// When several names share one colour, the first in alphabetical order is given.
pub fn families<'r>(rules: &'r RuleSet, session: &Session) -> Vec<Option<&'r str>> {
    let names = Names::of(session);
    let declared = rules.existing_buses(session, &names);
    let name_of = |rgb: Rgb| {
        rules
            .colors
            .iter()
            .find(|(_, c)| **c == rgb)
            .map(|(name, _)| name.as_str())
    };
    session
        .tracks
        .iter()
        .map(|track| {
            let color = match declared.iter().position(|d| *d == Some(track.index)) {
                Some(d) => rules.buses[d].color,
                None => rules
                    .applying(session, &names, track)
                    .filter_map(|(_, rule)| rule.color)
                    .last(),
            };
            color.and_then(name_of)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::load;
    use crate::session::{Format, Track, TrackKind};

    fn track(index: usize, name: &str, kind: TrackKind, parent: Option<usize>) -> Track {
        Track {
            parent,
            ..Track::new(index, name, kind)
        }
    }

    #[test]
    fn a_track_is_filed_under_its_colours_name_and_a_reused_bus_under_its_declaration() {
        let rules = load(
            r##"version: 1
colors: {drums: "#d94f3d", bass: "#e6b53c", grey: "#555555"}
buses: [{name: DRUMS, color: drums, aliases: ['^drms$']}]
rules:
  - match: {name: '^kick\b'}
    color: drums
  - match: {inside: '^bass$'}
    color: bass
unused: {when: [no_media], action: color, color: grey}
"##,
            "r.yaml",
        )
        .unwrap();
        let session = Session {
            media: Default::default(),
            name_display: Default::default(),
            format: Format::Als,
            tracks: vec![
                track(0, "Drms", TrackKind::Bus, None),
                track(1, "Kick_In", TrackKind::Audio, Some(0)),
                track(2, "2-Bass", TrackKind::Bus, None),
                track(3, "Amp direct", TrackKind::Audio, Some(2)),
                track(4, "Audio 1", TrackKind::Audio, None),
            ],
        };
        // No media anywhere: the unused grey is not what the rules file them under.
        assert_eq!(
            families(&rules, &session),
            [Some("drums"), Some("drums"), None, Some("bass"), None]
        );
    }
}
