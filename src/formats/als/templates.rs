//! Built-in group tracks for sets that have none to copy: one per Live `MinorVersion` in the
//! corpus (`templates/live-<MinorVersion>.xml`; the first line of each file names its source
//! and, for a derived one, every element added or removed).
//!
//! A fixture is a group track trimmed the same way in every version: devices and automation
//! envelopes removed, one clip slot (`GroupTrackSlot`) and one send holder
//! (`TrackSendHolder`) kept, named "Group", top level. [`adapt`] repeats the slot once per
//! scene and the holder once per return track of the set; [`super::edits`] then gives the
//! copy its name, colour, place and fresh ids exactly as for a group copied from the set.
//!
//! ## Where each one comes from (evidence: `corpus/als`)
//!
//! Taken from a group track of that version:
//! - 8.1_226 (Live 8.1-8.2): dawtool live8-patch-markers-noauto. Live 8 differs: no `Id` on
//!   slots and holders, self-closing `<GroupTrackSlot />`, no `AutomationTarget`s (only
//!   `ModulationTarget` ids), and every parameter's value kept inline as a default
//!   arrangement event, which [`super::edits`] resets like `Manual` in later versions.
//! - 9.0_305 (Live 9.0-9.1): the abletoolz 9.0.1 skeleton.
//! - 9.5_327 (Live 9.7): my5t3ry 20200126.
//! - 10.0_370 (Live 10.0): the abletoolz 10.0.1 skeleton.
//! - 11.0_433 (Live 11.0): the abletoolz 11.0.0 skeleton.
//! - 11.0_11300 (Live 11.3): node-als-parser Michelle.
//!
//! Derived, because the corpus holds no group track of that version (or, for 10.0_377, only
//! one that disagrees with every Live-written 10.1 set): the nearest template with exactly the
//! structural differences applied that the corpus shows between the two versions' tracks.
//! "Structure" is the set of element paths below the track, compared on the tracks a group
//! shares its elements with: every return, audio and MIDI track of that version, leaving out
//! paths only clip-holding tracks ever carry (`MainSequencer`, `SavedPlayingSlot`, ...: never
//! seen in any return or group track of any version), devices and envelopes. Live-written sets
//! are the evidence when the version has any; abletoolz skeletons otherwise. Added elements
//! take their values from those tracks (sends from audio/MIDI tracks: a return's sends are
//! off); their pointee ids are renumbered on every copy anyway.
//! - 9.5_326 (Live 9.6) from 9.5_327: Live 9.6 tracks have no `ViewData` (abletoolz 9.6.0).
//! - 10.0_377 (Live 10.1) from 10.0_370: adds `AreAdditionalAutomationLanesFolded`,
//!   `PreferModulationVisible`, the freeze sample's `AutomationTransformViewState`; removes
//!   its `LomId` (20 Live-written 10.1 sets). The abletoolz 10.1.3 skeleton's group track,
//!   used before, carries Live 11 elements (`TakeLanes`, `LinkedTrackGroupId`,
//!   `IsContentSelectedInDocument`) that no Live-written 10.1 track has.
//! - 11.0_11202 (Live 11.2) from 11.0_11300: no difference at all (abletoolz 11.2.10, 11.2.10b).
//! - 12.0_12043 (Live 12.0 beta) from 11.0_11300: adds the freeze sequencer's
//!   `ComplexPro*`/`TransientEnvelope` modulation targets and `KeepRecordMonitoringLatency`
//!   (dawtool L12 sets). These sets have no returns, so the send holder is 11.3's, unchecked.
//! - 12.0_12203 (Live 12.2) and 12.0_12402 (Live 12.4) from 11.0_11300: the track attributes
//!   `SelectedToolPanel="7" SelectedTransformationName="" SelectedGeneratorName=""`,
//!   `ArrangementClipsListWrapper`, `TakeLanesListWrapper`, `MpePitchBendUsesTuning` in each
//!   routing and sequencer, `BreakoutIsExpanded`, the crossfader's `MidiControllerRange`, the
//!   renamed `ViewStateSessionTrackWidth`, send holders with `EnabledByUser` instead of
//!   `Active`, the new modulation targets; 12.4 adds `ViewData` to mixer and freeze sequencer
//!   (abletoolz 12.2.6, 12.4.5b).
//!
//! `templates/derive.py write` reproduces every file from the corpus (deterministically).
//! `tests/als_corpus.rs` checks every template against the corpus tracks of its version this
//! way: every path all of them share is in the template, and no template path is absent from
//! every one of them where they show its parent. A version missing here (say 12.0_12300: no
//! set of it in the corpus) gets no built-in group; its sets need a group track of their own.

use crate::formats::FormatError;

const TEMPLATES: [(&str, &str); 12] = [
    ("8.1_226", include_str!("templates/live-8.1_226.xml")),
    ("9.0_305", include_str!("templates/live-9.0_305.xml")),
    ("9.5_326", include_str!("templates/live-9.5_326.xml")),
    ("9.5_327", include_str!("templates/live-9.5_327.xml")),
    ("10.0_370", include_str!("templates/live-10.0_370.xml")),
    ("10.0_377", include_str!("templates/live-10.0_377.xml")),
    ("11.0_433", include_str!("templates/live-11.0_433.xml")),
    ("11.0_11202", include_str!("templates/live-11.0_11202.xml")),
    ("11.0_11300", include_str!("templates/live-11.0_11300.xml")),
    ("12.0_12043", include_str!("templates/live-12.0_12043.xml")),
    ("12.0_12203", include_str!("templates/live-12.0_12203.xml")),
    ("12.0_12402", include_str!("templates/live-12.0_12402.xml")),
];

/// Every `MinorVersion` with a built-in group track.
pub fn versions() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|(v, _)| *v)
}

/// The built-in group track for a set's `MinorVersion`, without its header comment.
pub fn builtin(minor_version: &str) -> Option<&'static str> {
    let (_, text) = TEMPLATES.iter().find(|(v, _)| *v == minor_version)?;
    let start = text.find("<GroupTrack")?;
    Some(text[start..].trim_end())
}

/// Repeats the one `<child>` inside `<list>` `count` times, numbering its `Id="0"` (when its
/// start tag has one: Live 8's have none) as 0, 1, ...
fn repeat(text: &str, list: &str, child: &str, count: usize) -> Option<String> {
    let open = format!("<{list}>");
    let close = format!("</{list}>");
    let inner_start = text.find(&open)? + open.len();
    let inner_end = inner_start + text[inner_start..].find(&close)?;
    let inner = &text[inner_start..inner_end];
    let child_start = inner.find(&format!("<{child}"))?;
    let start_tag_end = child_start + inner[child_start..].find('>')? + 1;
    // Live 8 writes an empty slot as `<GroupTrackSlot />`.
    let child_end = if inner[..start_tag_end].ends_with("/>") {
        start_tag_end
    } else {
        let child_close = format!("</{child}>");
        inner.find(&child_close)? + child_close.len()
    };
    let lead = &inner[..child_start];
    let start_tag = &inner[child_start..start_tag_end];
    let rest = &inner[start_tag_end..child_end];
    let tail = &inner[child_end..];
    let mut out = String::with_capacity(text.len() + (child_end - child_start) * count);
    out.push_str(&text[..inner_start]);
    for k in 0..count {
        out.push_str(lead);
        out.push_str(&start_tag.replacen("Id=\"0\"", &format!("Id=\"{k}\""), 1));
        out.push_str(rest);
    }
    out.push_str(tail);
    out.push_str(&text[inner_end..]);
    Some(out)
}

/// The built-in group track, with one clip slot per scene and one send holder per return.
pub fn adapt(template: &str, scenes: usize, returns: usize) -> Result<Vec<u8>, FormatError> {
    let broken = || FormatError::whole("internal error: a built-in group template is malformed");
    let text = repeat(template, "Slots", "GroupTrackSlot", scenes).ok_or_else(broken)?;
    let text = repeat(&text, "Sends", "TrackSendHolder", returns).ok_or_else(broken)?;
    Ok(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::als::scan;

    #[test]
    fn every_template_is_one_group_track_and_adapts_to_the_set() {
        for (version, _) in TEMPLATES {
            let t = builtin(version).unwrap();
            let (track, frag) = scan::scan_track(t.as_bytes()).unwrap();
            assert_eq!(track.tag, "GroupTrack", "{version}");
            assert_eq!(track.send_holders, 1, "{version}");
            assert!(
                track.user_name.is_some() && track.group_id.is_some(),
                "{version}"
            );
            assert!(!frag.pointees.is_empty(), "{version}");
            let adapted = adapt(t, 5, 3).unwrap();
            let (track, _) = scan::scan_track(&adapted).unwrap();
            assert_eq!(track.send_holders, 3, "{version}");
            let text = String::from_utf8(adapted).unwrap();
            assert_eq!(text.matches("<GroupTrackSlot").count(), 5, "{version}");
            if text.contains("<GroupTrackSlot Id=") {
                assert!(text.contains("<GroupTrackSlot Id=\"4\">"), "{version}");
                assert!(text.contains("<TrackSendHolder Id=\"2\">"), "{version}");
            }
            let empty = adapt(t, 0, 0).unwrap();
            assert_eq!(scan::scan_track(&empty).unwrap().0.send_holders, 0);
        }
        assert!(builtin("12.0_12300").is_none());
    }

    #[test]
    fn live_8_slots_repeat_without_ids_and_inner_ids_stay() {
        let t = builtin("8.1_226").unwrap();
        let text = String::from_utf8(adapt(t, 3, 2).unwrap()).unwrap();
        // Live 8: `<GroupTrackSlot />`, holders without an Id (dawtool live8 sets).
        assert_eq!(text.matches("<GroupTrackSlot />").count(), 3);
        assert_eq!(text.matches("<TrackSendHolder>").count(), 2);
        assert!(!text.contains("ModulationTarget Id=\"0\""));
    }
}
