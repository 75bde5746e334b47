//! What a Live clip plays, and where Live looks for its sample.
//!
//! Timing, read off the corpus (`abletoolz-pruned__11.2.10`, `__12.2.6`,
//! `dawtool__example-120`: unwarped clips whose `LoopEnd` is `DefaultDuration` /
//! `DefaultSampleRate`; `node-als-parser__Michelle`: warped clips with `WarpMarkers`):
//! - `CurrentStart`/`CurrentEnd` place an arrangement clip on the timeline, in beats; premix
//!   turns beats into seconds at the set's tempo (`Mixer/Tempo/Manual` of the master), and
//!   does not follow tempo automation.
//! - The clip's own markers (`Loop/LoopStart`, `LoopEnd`, `StartRelative`: the start marker
//!   relative to the loop start) are in **seconds of the sample** for an unwarped clip, and
//!   in **beats of the clip** for a warped one, which `WarpMarkers` (`SecTime`, `BeatTime`
//!   pairs) map to seconds of the sample, linearly between markers and at the nearest
//!   segment's rate beyond them. A warped clip without warp markers cannot be mapped: its
//!   whole sample counts, with a caveat.
//! - An unwarped clip plays the sample at its own speed, so it plays as many seconds of it as
//!   it lasts; a warped arrangement clip plays as many clip beats as it spans. Without loop
//!   the end marker (`LoopEnd`) stops it; with loop on it repeats `LoopStart`..`LoopEnd`,
//!   which is then what it plays. Session-view clips have no place on the timeline; they play
//!   from the start marker to the end marker (or the loop).
//! - `SampleVolume` is the clip gain (linear); `Disabled` mutes the clip.
//!
//! Resolution: Live keeps a path relative to the set (`RelativePath`, Live 11+ a string, Live
//! 8-10 a list of `RelativePathElement@Dir` plus `Name`) and (Live 11+) the absolute `Path`.
//! It tries the relative one first (a project folder moved whole still opens), then the
//! absolute one, and premix then looks for the name in the set's `Samples/` folders, where
//! "Collect All and Save" puts them (`Imported`, `Recorded`, `Processed/*`).

use super::scan::ClipTiming;
use crate::media::relocate::{FileKind, MediaFile};
use crate::media::{MediaRef, ProjectMedia, SourceFile, join_written, push_unique};
use std::path::{Path, PathBuf};

/// Seconds of the sample at clip beat `beat`, through the warp markers (sorted by beat).
fn warp(markers: &[(f64, f64)], beat: f64) -> f64 {
    match markers {
        [] => beat,
        [(sec, b)] => sec + (beat - b) * 0.5,
        _ => {
            let i = markers
                .windows(2)
                .position(|w| beat < w[1].1)
                .unwrap_or(markers.len() - 2);
            let ((s0, b0), (s1, b1)) = (markers[i], markers[i + 1]);
            let rate = if b1 > b0 { (s1 - s0) / (b1 - b0) } else { 0.0 };
            s0 + (beat - b0) * rate
        }
    }
}

/// What clip `t` plays, or `None` without a sample reference. `seconds_per_beat` is the set's
/// tempo; `caveats` collects what could not be computed.
pub fn clip_media(
    t: &ClipTiming,
    disabled: bool,
    seconds_per_beat: f64,
    caveats: &mut Vec<String>,
) -> Option<MediaRef> {
    // `HasRelativePath` false: Live does not use the relative path (see `super::filerefs`).
    let relative = t
        .relative_path
        .as_ref()
        .filter(|_| !t.no_relative_path)
        .map(|r| {
            // Live 8-10: the elements lead to the folder, `Name` is the file.
            match &t.name {
                Some(name) if !r.ends_with(name.as_str()) => format!("{r}/{name}"),
                _ => r.clone(),
            }
        });
    let mut candidates: Vec<String> = relative.into_iter().chain(t.path.clone()).collect();
    if candidates.is_empty() {
        candidates.extend(t.name.clone());
    }
    if candidates.is_empty() {
        return None;
    }
    let path = candidates.remove(0);
    let timeline = match (t.arrangement, t.current_start, t.current_end) {
        (true, Some(s), Some(e)) => Some((s * seconds_per_beat, (e - s).max(0.0))),
        _ => None,
    };
    let loop_start = t.loop_start.unwrap_or(0.0);
    let start = loop_start + t.start_relative.unwrap_or(0.0);
    let end_marker = t.loop_end;
    // The part of the clip that plays, in clip units (seconds unwarped, beats warped).
    let (from, to) = if t.loop_on {
        (start.min(loop_start), end_marker)
    } else {
        let span = timeline.map(|(_, beats)| {
            if t.warped {
                beats
            } else {
                beats * seconds_per_beat
            }
        });
        let to = match (span, end_marker) {
            (Some(s), Some(e)) => Some((start + s).min(e)),
            (s, e) => s.map(|s| start + s).or(e),
        };
        (start, to)
    };
    let (offset, length) = if t.warped {
        if t.warp_markers.is_empty() {
            caveats.push("a warped clip has no warp markers: its whole sample is analysed".into());
            (0.0, None)
        } else {
            let mut markers = t.warp_markers.clone();
            markers.sort_by(|a, b| a.1.total_cmp(&b.1));
            let from_s = warp(&markers, from);
            (from_s, to.map(|to| warp(&markers, to) - from_s))
        }
    } else {
        (from, to.map(|to| to - from))
    };
    Some(MediaRef {
        files: vec![SourceFile {
            path,
            alternates: candidates,
            embedded: false,
        }],
        position: timeline.map(|(p, _)| p),
        offset: offset.max(0.0),
        length: length.map(|l| l.max(0.0)),
        timeline_length: timeline.map(|(_, beats)| beats * seconds_per_beat),
        gain: t.sample_volume.unwrap_or(1.0),
        muted: disabled,
        looped: t.loop_on,
    })
}

/// Live's candidates for `file` of the set at `project`: the relative path (relative to the
/// set's folder), the absolute path, then the file name in the set's `Samples/` folders.
pub fn candidates(project: &Path, _media: &ProjectMedia, file: &SourceFile) -> Vec<PathBuf> {
    let dir = project.parent().unwrap_or(Path::new(""));
    let mut list = vec![join_written(dir, &file.path)];
    for other in &file.alternates {
        push_unique(&mut list, join_written(dir, other));
    }
    let name = file.file_name();
    let samples = dir.join("Samples");
    for sub in ["Imported", "Recorded"] {
        push_unique(&mut list, samples.join(sub).join(name));
    }
    if let Ok(entries) = std::fs::read_dir(samples.join("Processed")) {
        let mut folders: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        folders.sort();
        for f in folders {
            push_unique(&mut list, f.join(name));
        }
    }
    list
}

/// Every sample the set names by path and that moves with it ([`super::filerefs`]), with
/// Live's candidates from `project`.
pub fn media_files(xml: &[u8], project: &Path, media: &ProjectMedia) -> Vec<MediaFile> {
    super::filerefs::sample_refs(xml)
        .iter()
        .filter(|r| r.follows_the_set())
        .filter_map(|r| r.source_file())
        .map(|file| MediaFile {
            candidates: candidates(project, media, &file),
            file,
            kind: FileKind::Audio,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwarped_markers_are_seconds_and_warped_ones_go_through_the_markers() {
        // dawtool example-120: 1189.05 s of sample, 2378.1 beats at 120 BPM.
        let unwarped = ClipTiming {
            arrangement: true,
            current_start: Some(2378.1072562853815),
            current_end: Some(4756.214512570763),
            loop_end: Some(1189.0536281179138),
            ..ClipTiming::default()
        };
        let m = clip_media(&unwarped, false, 0.5, &mut Vec::new());
        assert!(m.is_none(), "no sample reference, no media");
        let unwarped = ClipTiming {
            name: Some("take.wav".into()),
            ..unwarped
        };
        let m = clip_media(&unwarped, false, 0.5, &mut Vec::new()).unwrap();
        assert!((m.position.unwrap() - 1189.0536).abs() < 1e-3);
        assert!((m.length.unwrap() - 1189.0536).abs() < 1e-3);
        assert_eq!(m.offset, 0.0);
        // Michelle: 4 beats of a warped clip are 1.8456 s of its sample.
        let warped = ClipTiming {
            relative_path: Some("Samples/Imported/x.wav".into()),
            path: Some("/Users/jeff/x.wav".into()),
            loop_end: Some(4.0),
            loop_on: true,
            warped: true,
            warp_markers: vec![(0.0, 0.0), (1.845_578_231_292_517, 4.0)],
            ..ClipTiming::default()
        };
        let m = clip_media(&warped, true, 60.0 / 126.0, &mut Vec::new()).unwrap();
        assert!((m.length.unwrap() - 1.8456).abs() < 1e-3);
        assert_eq!(m.position, None);
        assert!(m.muted && m.looped);
        assert_eq!(m.files[0].path, "Samples/Imported/x.wav");
        assert_eq!(m.files[0].alternates, ["/Users/jeff/x.wav"]);
    }
}
