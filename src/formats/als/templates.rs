//! Built-in group tracks for sets that have none to copy, one per Live version premix has
//! seen a group track of in the corpus (`templates/live-<MinorVersion>.xml`).
//!
//! Each fixture is the first group track of one corpus set of exactly that `MinorVersion`,
//! trimmed: devices and automation envelopes removed, one clip slot (`GroupTrackSlot`) and
//! one send holder (`TrackSendHolder`) kept, named "Group", top level (the first line of each
//! file names its source). [`adapt`] repeats the slot once per scene and the holder once per
//! return track of the set; [`super::edits`] then gives the copy its name, colour, place and
//! fresh ids exactly as for a group copied from the set itself.
//!
//! Versions: 9.5_327 (Live 9.7, from 20200126), 10.0_377 (Live 10.1, from the abletoolz
//! 10.1.3 skeleton: pruned by a Python tool but the group element is Live's), 11.0_433
//! (Live 11.0, abletoolz 11.0.0 skeleton), 11.0_11300 (Live 11.3, from Michelle). Live 8,
//! 9.0-9.6, 10.0.x (10.0_370), 11.1-11.2 and 12 have no built-in template: their group tracks
//! differ (Live 8 has no ids on slots and holders and keeps automation inline) or the corpus
//! holds none (no Live 12 set in it has a group track), so such a set needs a group track of
//! its own before premix creates new ones.

use crate::formats::FormatError;

const TEMPLATES: [(&str, &str); 4] = [
    ("9.5_327", include_str!("templates/live-9.5_327.xml")),
    ("10.0_377", include_str!("templates/live-10.0_377.xml")),
    ("11.0_433", include_str!("templates/live-11.0_433.xml")),
    ("11.0_11300", include_str!("templates/live-11.0_11300.xml")),
];

/// The built-in group track for a set's `MinorVersion`, without its header comment.
pub fn builtin(minor_version: &str) -> Option<&'static str> {
    let (_, text) = TEMPLATES.iter().find(|(v, _)| *v == minor_version)?;
    let start = text.find("<GroupTrack")?;
    Some(text[start..].trim_end())
}

/// Repeats the one `<child>` inside `<list>` `count` times, numbering `Id="0"` as 0, 1, ...
fn repeat(text: &str, list: &str, child: &str, count: usize) -> Option<String> {
    let open = format!("<{list}>");
    let close = format!("</{list}>");
    let inner_start = text.find(&open)? + open.len();
    let inner_end = inner_start + text[inner_start..].find(&close)?;
    let inner = &text[inner_start..inner_end];
    let child_start = inner.find(&format!("<{child}"))?;
    let child_close = format!("</{child}>");
    let child_end = inner.find(&child_close)? + child_close.len();
    let lead = &inner[..child_start];
    let element = &inner[child_start..child_end];
    let tail = &inner[child_end..];
    let mut out = String::with_capacity(text.len() + element.len() * count);
    out.push_str(&text[..inner_start]);
    for k in 0..count {
        out.push_str(lead);
        out.push_str(&element.replacen("Id=\"0\"", &format!("Id=\"{k}\""), 1));
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
}
