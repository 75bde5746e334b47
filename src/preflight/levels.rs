//! The levels of what each track plays, as gain staging reads them
//! ([`crate::session::Track::levels`]): the measures of its unmuted items, each item's own
//! gain applied, every item together.
//!
//! A peak scales with an item's gain; a gating block's loudness moves by it in dB. The
//! absolute gate (−70 LUFS) applied when the media was measured is not applied again to the
//! scaled blocks, so a track whose items share one gain measures that gain louder, exactly:
//! a second run after a clip gain finds the track at its target.

use super::Slot;
use crate::analysis::{Outcome, measure};
use crate::media::Location;
use crate::session::{Levels, Session};

/// Per track of `session`, its levels: `None` for a track with no audio item (nothing to
/// measure); for one with items, what could be measured and the files that could not.
/// `locations`, `slots` and `outcomes` as [`super::assess`] takes them.
pub fn levels(
    session: &Session,
    locations: &[Vec<Vec<Location>>],
    slots: &[Vec<Option<Slot>>],
    outcomes: &[Outcome],
) -> Vec<Option<Levels>> {
    session
        .tracks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if t.items.is_empty() {
                return None;
            }
            let mut unmeasured: Vec<String> = Vec::new();
            let mut note = |text: String| {
                if !unmeasured.contains(&text) {
                    unmeasured.push(text);
                }
            };
            let mut peak = 0.0f64;
            let mut blocks: Vec<f32> = Vec::new();
            for ((item, locs), slot) in t.items.iter().zip(&locations[i]).zip(&slots[i]) {
                if item.muted {
                    continue;
                }
                for (file, loc) in item.files.iter().zip(locs) {
                    if let Location::Missing { .. } = loc {
                        note(format!("{} not found", file.path));
                    }
                }
                let Some((job, range)) = slot else { continue };
                match &outcomes[*job] {
                    Outcome::Unreadable { file, reason } => {
                        let name = item.files.get(*file).map_or("?", |f| f.path.as_str());
                        note(format!("{name}: {reason}"));
                    }
                    Outcome::Measured { ranges, .. } => {
                        let m = &ranges[*range];
                        let gain = item.gain.abs();
                        let item_peak = m.channel_peaks.iter().fold(0.0f32, |a, &b| a.max(b));
                        peak = peak.max(item_peak as f64 * gain);
                        if gain > 0.0 {
                            let shift = (20.0 * gain.log10()) as f32;
                            blocks.extend(m.blocks.iter().map(|b| b + shift));
                        }
                    }
                }
            }
            Some(Levels {
                peak_dbfs: (peak > 0.0).then(|| 20.0 * peak.log10()),
                integrated_lufs: measure::integrated(blocks.iter()),
                unmeasured,
            })
        })
        .collect()
}
