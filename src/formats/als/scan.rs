//! One pass of quick-xml's reader over a set's decompressed XML, recording the tracks and the
//! byte spans of every value premix may change. No tree is built and nothing is re-serialised:
//! a [`Field`] is an attribute value with its range in the input.
//!
//! Paths are matched exactly, relative to the track element (`Name/UserName`, never the
//! `Mixer/UserName` or `MainSequencer/UserName` that also exist). Entity references are never
//! expanded beyond XML's five predefined ones and character references (quick-xml does not
//! expand DOCTYPE entities, and premix never asks it to).

use crate::formats::{FormatError, Place};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::ops::Range;

/// An attribute value and its byte range (between the quotes) in the scanned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub value: String,
    pub span: Range<usize>,
}

impl Field {
    pub fn int(&self) -> Option<i64> {
        self.value.trim().parse().ok()
    }
}

/// A clip in a session slot or in the arrangement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clip {
    pub disabled: bool,
    /// File name (no folders) of the clip's sample, if it has one.
    pub file: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlsTrack {
    /// `AudioTrack`, `MidiTrack`, `GroupTrack` or `ReturnTrack`.
    pub tag: String,
    /// From `<` of the start tag to after `>` of the end tag.
    pub element: Range<usize>,
    /// The bytes (indentation) between the previous track element, or `<Tracks>`, and this one.
    pub lead: Range<usize>,
    pub id: Option<Field>,
    pub user_name: Option<Field>,
    pub effective_name: Option<Field>,
    /// The `ColorIndex` (Live 8-10) or `Color` (11+) that is a direct child of the track.
    pub color: Option<Field>,
    pub group_id: Option<Field>,
    /// `DeviceChain/Mixer/Speaker/Manual`: `true` = audible (Live 9+).
    pub speaker: Option<Field>,
    /// The speaker's default arrangement event (`ArrangerAutomation/Events/BoolEvent` at
    /// `Time="-63072000"`): where Live 8 keeps the state (Live 9 writes both, in agreement).
    pub speaker_event: Option<Field>,
    pub volume: Option<Field>,
    pub pan: Option<Field>,
    /// Volume's and pan's default arrangement events (`ArrangerAutomation/Events/FloatEvent`
    /// at `Time="-63072000"`): Live 8 keeps the value only there, Live 9 in both places.
    pub volume_event: Option<Field>,
    pub pan_event: Option<Field>,
    /// `DeviceChain/AudioOutputRouting/Target` and its `UpperDisplayString`.
    pub out_target: Option<Field>,
    pub out_upper: Option<Field>,
    pub clips: Vec<Clip>,
    /// Built-in device element names and plug-in names, in file order.
    pub devices: Vec<String>,
    /// Inside of `DeviceChain/DeviceChain/Devices`.
    pub devices_inner: Option<Range<usize>>,
    /// Inside of `AutomationEnvelopes/Envelopes`.
    pub envelopes_inner: Option<Range<usize>>,
    /// `DeviceChain/Mixer/Sends/TrackSendHolder` elements.
    pub send_holders: usize,
    /// Each send's level (`Send/Manual`) and its minimum (`Send/MidiControllerRange/Min`).
    pub send_levels: Vec<Field>,
    pub send_minimums: Vec<Field>,
    /// Each send's default arrangement event (Live 8/9, as for volume).
    pub send_level_events: Vec<Field>,
    /// `TrackUnfolded` (group tracks).
    pub unfolded: Option<Field>,
    /// `AutomationLane/SelectedDevice` and `SelectedEnvelope` values (indices into devices).
    pub lane_selections: Vec<Field>,
}

/// What one scan found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlsDocument {
    /// The root's `MinorVersion` (`10.0_377`) and `Creator` (`Ableton Live 10.1.7`).
    pub minor_version: String,
    pub creator: String,
    pub tracks: Vec<AlsTrack>,
    /// Between `<Tracks>` and `</Tracks>`.
    pub tracks_inner: Range<usize>,
    /// `LiveSet/NextPointeeId` (Live 10+).
    pub next_pointee: Option<Field>,
    /// Ids of pointee-type elements (`AutomationTarget`, `ModulationTarget`, `Pointee`,
    /// `*ModulationTarget`, `ControllerTargets.N`), with the span of the id.
    pub pointees: Vec<(i64, Range<usize>)>,
    /// `PointeeId Value` references, with their spans.
    pub pointee_refs: Vec<(i64, Range<usize>)>,
    /// Live 12 calls the master `MainTrack` and routes to `AudioOut/Main`.
    pub main_track: bool,
    /// Scenes: `LiveSet/Scenes/Scene` (Live 11+) or `LiveSet/SceneNames/Scene` (8-10).
    pub scenes: usize,
}

fn is_pointee(name: &[u8]) -> bool {
    name == b"Pointee" || name.ends_with(b"Target") || name.starts_with(b"ControllerTargets.")
}

/// The attributes of a start tag (`tag` spans `<name ...>` or `<name .../>`).
fn attributes(xml: &[u8], tag: Range<usize>) -> Vec<(Vec<u8>, Field)> {
    let raw = &xml[tag.clone()];
    let mut out = Vec::new();
    let mut i = 1;
    while i < raw.len() && !raw[i].is_ascii_whitespace() && raw[i] != b'>' && raw[i] != b'/' {
        i += 1;
    }
    loop {
        while i < raw.len() && raw[i].is_ascii_whitespace() {
            i += 1;
        }
        let key_start = i;
        while i < raw.len() && raw[i] != b'=' && !raw[i].is_ascii_whitespace() && raw[i] != b'>' {
            i += 1;
        }
        let key = raw[key_start..i].to_vec();
        while i < raw.len() && raw[i].is_ascii_whitespace() {
            i += 1;
        }
        if key.is_empty() || i >= raw.len() || raw[i] != b'=' {
            return out;
        }
        i += 1;
        while i < raw.len() && raw[i].is_ascii_whitespace() {
            i += 1;
        }
        let Some(&quote) = raw.get(i) else { return out };
        if quote != b'"' && quote != b'\'' {
            return out;
        }
        let start = i + 1;
        let Some(len) = raw[start..].iter().position(|&b| b == quote) else {
            return out;
        };
        let end = start + len;
        let text = String::from_utf8_lossy(&raw[start..end]);
        let value = quick_xml::escape::unescape(&text)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| text.clone().into_owned());
        out.push((
            key,
            Field {
                value,
                span: tag.start + start..tag.start + end,
            },
        ));
        i = end + 1;
    }
}

fn attr(xml: &[u8], tag: Range<usize>, key: &[u8]) -> Option<Field> {
    attributes(xml, tag)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, f)| f)
}

/// An arrangement event at Live's "before the song" time, which holds a parameter's value.
fn is_default_event(xml: &[u8], tag: Range<usize>) -> bool {
    attr(xml, tag, b"Time").is_some_and(|f| f.value == "-63072000")
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn line_of(xml: &[u8], offset: usize) -> usize {
    1 + memchr::memchr_iter(b'\n', &xml[..offset.min(xml.len())]).count()
}

/// Where tracks sit: under `Ableton/LiveSet/Tracks` in a set, or a lone track element.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Document,
    Fragment,
}

struct Frame {
    name: Vec<u8>,
}

/// Scans a whole set.
pub fn scan(xml: &[u8]) -> Result<AlsDocument, FormatError> {
    let doc = scan_mode(xml, Mode::Document)?;
    if doc.minor_version.is_empty() {
        return Err(FormatError::whole(
            "not a Live set: the root element is not <Ableton MinorVersion=...>",
        ));
    }
    if doc.tracks_inner == (0..0) {
        return Err(FormatError::whole("not a Live set: no LiveSet/Tracks"));
    }
    Ok(doc)
}

/// Scans one track element on its own (a template for a new group track).
pub fn scan_track(xml: &[u8]) -> Result<(AlsTrack, AlsDocument), FormatError> {
    let mut doc = scan_mode(xml, Mode::Fragment)?;
    match doc.tracks.len() {
        1 => Ok((doc.tracks.remove(0), doc)),
        _ => Err(FormatError::whole("internal error: not one track element")),
    }
}

fn scan_mode(xml: &[u8], mode: Mode) -> Result<AlsDocument, FormatError> {
    let mut reader = Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    config.trim_text(false);

    let mut doc = AlsDocument::default();
    let mut stack: Vec<Frame> = Vec::new();
    // Stack depth of the open track element, and of the open clip.
    let track_depth = match mode {
        Mode::Document => 3,
        Mode::Fragment => 0,
    };
    let mut track: Option<AlsTrack> = None;
    let mut clip: Option<(usize, Clip)> = None;
    let mut last_end = 0usize;

    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            let at = reader.error_position() as usize;
            FormatError {
                place: Place::Line(line_of(xml, at), None),
                message: format!("malformed XML: {e}"),
            }
        })?;
        let after = reader.buffer_position() as usize;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.name().into_inner().as_bytes().to_vec()), false),
            Event::Empty(e) => (Some(e.name().into_inner().as_bytes().to_vec()), true),
            Event::End(_) => (None, false),
            Event::Eof => break,
            _ => continue,
        };
        if let Some(name) = start {
            let tag = before..after;
            let depth = stack.len();
            // Document-level facts.
            if mode == Mode::Document {
                let at = |path: &[&[u8]]| {
                    depth == path.len()
                        && stack.iter().zip(path).all(|(f, p)| f.name.as_slice() == *p)
                };
                if depth == 0 && name == b"Ableton" {
                    let attrs = attributes(xml, tag.clone());
                    for (k, f) in attrs {
                        match k.as_slice() {
                            b"MinorVersion" => doc.minor_version = f.value,
                            b"Creator" => doc.creator = f.value,
                            _ => {}
                        }
                    }
                } else if name == b"Scene"
                    && (at(&[b"Ableton", b"LiveSet", b"Scenes"])
                        || at(&[b"Ableton", b"LiveSet", b"SceneNames"]))
                {
                    doc.scenes += 1;
                } else if at(&[b"Ableton", b"LiveSet"]) {
                    match name.as_slice() {
                        b"NextPointeeId" => doc.next_pointee = attr(xml, tag.clone(), b"Value"),
                        b"MainTrack" => doc.main_track = true,
                        b"Tracks" => {
                            doc.tracks_inner = after..after;
                            last_end = after;
                        }
                        _ => {}
                    }
                }
            }
            if is_pointee(&name) {
                if let Some(id) = attr(xml, tag.clone(), b"Id")
                    && let Some(v) = id.int()
                {
                    doc.pointees.push((v, id.span));
                }
            } else if name == b"PointeeId"
                && let Some(f) = attr(xml, tag.clone(), b"Value")
                && let Some(v) = f.int()
            {
                doc.pointee_refs.push((v, f.span));
            }
            let in_tracks = match mode {
                Mode::Document => {
                    depth == 3
                        && stack[0].name == b"Ableton"
                        && stack[1].name == b"LiveSet"
                        && stack[2].name == b"Tracks"
                }
                Mode::Fragment => depth == 0,
            };
            if in_tracks {
                track = Some(AlsTrack {
                    tag: String::from_utf8_lossy(&name).into_owned(),
                    element: before..after,
                    lead: last_end..before,
                    id: attr(xml, tag.clone(), b"Id"),
                    ..AlsTrack::default()
                });
            } else if let Some(t) = track.as_mut() {
                let rel: Vec<&[u8]> = stack[track_depth + 1..]
                    .iter()
                    .map(|f| f.name.as_slice())
                    .chain(std::iter::once(name.as_slice()))
                    .collect();
                let value = || attr(xml, tag.clone(), b"Value");
                match rel.as_slice() {
                    [b"Name", b"EffectiveName"] => t.effective_name = value(),
                    [b"Name", b"UserName"] => t.user_name = value(),
                    [b"ColorIndex"] | [b"Color"] => t.color = value(),
                    [b"TrackGroupId"] => t.group_id = value(),
                    [b"DeviceChain", b"Mixer", b"Speaker", b"Manual"] => t.speaker = value(),
                    [
                        b"DeviceChain",
                        b"Mixer",
                        b"Speaker",
                        b"ArrangerAutomation",
                        b"Events",
                        b"BoolEvent",
                    ] if is_default_event(xml, tag.clone()) => t.speaker_event = value(),
                    [b"DeviceChain", b"Mixer", b"Volume", b"Manual"] => t.volume = value(),
                    [
                        b"DeviceChain",
                        b"Mixer",
                        parameter,
                        b"ArrangerAutomation",
                        b"Events",
                        b"FloatEvent",
                    ] if is_default_event(xml, tag.clone()) => match *parameter {
                        b"Volume" => t.volume_event = value(),
                        b"Pan" => t.pan_event = value(),
                        _ => {}
                    },
                    [
                        b"DeviceChain",
                        b"Mixer",
                        b"Sends",
                        b"TrackSendHolder",
                        b"Send",
                        b"ArrangerAutomation",
                        b"Events",
                        b"FloatEvent",
                    ] if is_default_event(xml, tag.clone()) => t.send_level_events.extend(value()),
                    [b"DeviceChain", b"Mixer", b"Pan", b"Manual"] => t.pan = value(),
                    [b"DeviceChain", b"Mixer", b"Sends", b"TrackSendHolder"] => t.send_holders += 1,
                    [
                        b"DeviceChain",
                        b"Mixer",
                        b"Sends",
                        b"TrackSendHolder",
                        b"Send",
                        b"Manual",
                    ] => t.send_levels.extend(value()),
                    [
                        b"DeviceChain",
                        b"Mixer",
                        b"Sends",
                        b"TrackSendHolder",
                        b"Send",
                        b"MidiControllerRange",
                        b"Min",
                    ] => t.send_minimums.extend(value()),
                    [b"TrackUnfolded"] => t.unfolded = value(),
                    [
                        b"DeviceChain",
                        b"AutomationLanes",
                        b"AutomationLanes",
                        b"AutomationLane",
                        b"SelectedDevice" | b"SelectedEnvelope",
                    ] => t.lane_selections.extend(value()),
                    [b"DeviceChain", b"AudioOutputRouting", b"Target"] => t.out_target = value(),
                    [b"DeviceChain", b"AudioOutputRouting", b"UpperDisplayString"] => {
                        t.out_upper = value()
                    }
                    [b"DeviceChain", b"DeviceChain", b"Devices"] => {
                        t.devices_inner = Some(after..after)
                    }
                    [b"DeviceChain", b"DeviceChain", b"Devices", device]
                        if !matches!(*device, b"PluginDevice" | b"AuPluginDevice") =>
                    {
                        t.devices.push(String::from_utf8_lossy(device).into_owned());
                    }
                    [b"AutomationEnvelopes", b"Envelopes"] => {
                        t.envelopes_inner = Some(after..after)
                    }
                    [.., b"PluginDesc", _, b"PlugName" | b"Name"] => {
                        if let Some(f) = value().filter(|f| !f.value.is_empty()) {
                            t.devices.push(f.value);
                        }
                    }
                    _ => {}
                }
                let is_clip = matches!(name.as_slice(), b"AudioClip" | b"MidiClip");
                if let Some((clip_depth, c)) = clip.as_mut() {
                    let in_clip = &rel[*clip_depth - track_depth..];
                    match in_clip {
                        [b"Disabled"] => c.disabled = value().is_some_and(|f| f.value == "true"),
                        [b"SampleRef", b"FileRef", b"Name"] => {
                            if let Some(f) = value().filter(|f| !f.value.is_empty()) {
                                c.file = Some(f.value);
                            }
                        }
                        [b"SampleRef", b"FileRef", b"Path" | b"RelativePath"] => {
                            if let Some(f) = value().filter(|f| !f.value.is_empty())
                                && c.file.is_none()
                            {
                                c.file = Some(file_name(&f.value).to_string());
                            }
                        }
                        _ => {}
                    }
                } else if is_clip
                    && rel.starts_with(&[b"DeviceChain".as_slice(), b"MainSequencer".as_slice()])
                {
                    if empty {
                        t.clips.push(Clip::default());
                    } else {
                        clip = Some((depth, Clip::default()));
                    }
                }
            }
            if empty {
                if track.is_some() && depth == track_depth {
                    let mut t = track.take().unwrap_or_default();
                    t.element.end = after;
                    last_end = after;
                    doc.tracks.push(t);
                }
            } else {
                stack.push(Frame { name });
            }
        } else {
            // An end tag.
            let Some(frame) = stack.pop() else {
                return Err(FormatError {
                    place: Place::Line(line_of(xml, before), None),
                    message: "malformed XML: an end tag with no start tag".into(),
                });
            };
            let depth = stack.len();
            if let Some((clip_depth, _)) = &clip
                && depth == *clip_depth
                && let (Some((_, c)), Some(t)) = (clip.take(), track.as_mut())
            {
                t.clips.push(c);
            }
            if let Some(t) = track.as_mut() {
                let rel: Vec<&[u8]> = stack[(track_depth + 1).min(depth)..]
                    .iter()
                    .map(|f| f.name.as_slice())
                    .chain(std::iter::once(frame.name.as_slice()))
                    .collect();
                if depth > track_depth {
                    match rel.as_slice() {
                        [b"DeviceChain", b"DeviceChain", b"Devices"] => {
                            if let Some(r) = t.devices_inner.as_mut() {
                                r.end = before;
                            }
                        }
                        [b"AutomationEnvelopes", b"Envelopes"] => {
                            if let Some(r) = t.envelopes_inner.as_mut() {
                                r.end = before;
                            }
                        }
                        _ => {}
                    }
                }
                if depth == track_depth {
                    let mut t = track.take().unwrap_or_default();
                    t.element.end = after;
                    last_end = after;
                    doc.tracks.push(t);
                }
            }
            if mode == Mode::Document
                && depth == 2
                && frame.name == b"Tracks"
                && stack[1].name == b"LiveSet"
            {
                doc.tracks_inner.end = before;
            }
        }
    }
    if let Some(frame) = stack.last() {
        return Err(FormatError {
            place: Place::Line(line_of(xml, xml.len()), None),
            message: format!(
                "malformed XML: <{}> is never closed (truncated file?)",
                String::from_utf8_lossy(&frame.name)
            ),
        });
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Ableton MajorVersion="5" MinorVersion="11.0_11300" Creator="Ableton Live 11.3.21">
	<LiveSet>
		<NextPointeeId Value="30" />
		<Tracks>
			<GroupTrack Id="20">
				<Name>
					<EffectiveName Value="Haus" />
					<UserName Value="Haus" />
				</Name>
				<Color Value="10" />
				<TrackGroupId Value="-1" />
				<DeviceChain>
					<Mixer>
						<UserName Value="not me" />
						<Speaker><AutomationTarget Id="12" /><Manual Value="true" /></Speaker>
					</Mixer>
				</DeviceChain>
			</GroupTrack>
			<AudioTrack Id="8">
				<Name>
					<EffectiveName Value="Kick &amp; Co" />
					<UserName Value="" />
				</Name>
				<Color Value="25" />
				<TrackGroupId Value="20" />
				<DeviceChain>
					<Mixer><Speaker><Manual Value="false" /></Speaker></Mixer>
					<MainSequencer>
						<ClipSlotList><ClipSlot Id="0"><ClipSlot><Value>
							<AudioClip Id="0" Time="0">
								<Disabled Value="true" />
								<SampleRef><FileRef><RelativePath Value="Samples/kick.wav" /><Path Value="/x/Samples/kick.wav" /></FileRef></SampleRef>
							</AudioClip>
						</Value></ClipSlot></ClipSlot></ClipSlotList>
					</MainSequencer>
					<DeviceChain><Devices><Eq8 Id="0" /><PluginDevice Id="1"><PluginDesc><VstPluginInfo Id="0"><PlugName Value="Pro-Q 3" /></VstPluginInfo></PluginDesc></PluginDevice></Devices></DeviceChain>
				</DeviceChain>
			</AudioTrack>
		</Tracks>
		<MasterTrack />
	</LiveSet>
</Ableton>
"#;

    #[test]
    fn reads_tracks_fields_and_spans() {
        let xml = SET.as_bytes();
        let doc = scan(xml).unwrap();
        assert_eq!(doc.minor_version, "11.0_11300");
        assert_eq!(doc.tracks.len(), 2);
        let [g, a] = [&doc.tracks[0], &doc.tracks[1]];
        assert_eq!(g.tag, "GroupTrack");
        assert_eq!(g.user_name.as_ref().unwrap().value, "Haus");
        assert_eq!(g.speaker.as_ref().unwrap().value, "true");
        assert_eq!(a.effective_name.as_ref().unwrap().value, "Kick & Co");
        let span = a.effective_name.as_ref().unwrap().span.clone();
        assert_eq!(&xml[span], b"Kick &amp; Co");
        assert_eq!(a.group_id.as_ref().unwrap().int(), Some(20));
        assert_eq!(
            a.clips,
            [Clip {
                disabled: true,
                file: Some("kick.wav".into())
            }]
        );
        assert_eq!(a.devices, ["Eq8", "Pro-Q 3"]);
        assert_eq!(doc.pointees.len(), 1);
        assert_eq!(doc.next_pointee.as_ref().unwrap().int(), Some(30));
        assert!(xml[g.element.clone()].starts_with(b"<GroupTrack"));
        assert!(xml[a.element.clone()].ends_with(b"</AudioTrack>"));
        assert_eq!(&xml[a.lead.clone()], b"\n\t\t\t");
    }

    #[test]
    fn malformed_xml_is_refused() {
        let cut = &SET.as_bytes()[..SET.len() / 2];
        assert!(scan(cut).is_err());
        assert!(scan(b"<Ableton><LiveSet></Tracks></LiveSet></Ableton>").is_err());
        assert!(scan(b"<foo/>").is_err());
    }
}
