//! Audio analysis: decodes a source with symphonia (streamed, a packet at a time) and measures
//! the parts items play ([`measure`]): sample and true peak, EBU R128 loudness blocks,
//! clipping runs, DC, channel correlation and difference. It knows audio files and nothing of
//! project formats; its results are plain data, keyed by file content in a cache
//! ([`cache`]), and a source played by several items is decoded once, each item's range
//! measured on its own.

pub mod cache;
mod decode;
mod loudness;
pub mod measure;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Bumped whenever what is measured or how changes: cached results of another version are
/// never used.
pub const ANALYSIS_VERSION: u32 = 1;

/// What is known of a source file from its header.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileInfo {
    pub sample_rate: u32,
    pub channels: usize,
    /// Bits per sample of PCM (and FLAC); `None` for codecs that have none (MP3, Vorbis).
    pub bits_per_sample: Option<u32>,
    /// symphonia's short codec name (`pcm_s24le`, `flac`, `mp3`, ...).
    pub codec: String,
    /// MP3, Vorbis or AAC.
    pub lossy: bool,
    /// Floating-point PCM.
    pub float: bool,
    /// Frames the header announces, when it does.
    pub frames: Option<u64>,
}

/// A part of a source that an item plays, in seconds of the file's time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub offset: f64,
    /// `None`: to the end of the file.
    pub length: Option<f64>,
    /// Wraps round to the file's start when it runs past its end (a looped item).
    pub looped: bool,
}

/// The measures of one range. Levels are linear (1.0 = full scale); see [`measure`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RangeMeasures {
    /// Frames measured, and as seconds.
    pub frames: u64,
    pub seconds: f64,
    pub channel_peaks: Vec<f32>,
    /// Highest true peak of any channel, linear; `None` when it could not be measured.
    pub true_peak: Option<f64>,
    /// Momentary loudness (LUFS) of every 400 ms gating block above −70 LUFS.
    pub blocks: Vec<f32>,
    /// Short-term loudness (LUFS) of every 3 s block above −70 LUFS, one a second.
    pub short_term: Vec<f32>,
    /// Runs of [`measure::CLIP_RUN`] or more consecutive full-scale samples in a channel.
    pub clip_runs: u64,
    /// Where the first run starts, seconds into the file.
    pub first_clip: Option<f64>,
    /// Mean of each channel.
    pub channel_dc: Vec<f32>,
    /// Stereo only: correlation of the two channels (−1..1), `None` when one is silent.
    pub correlation: Option<f32>,
    /// Stereo only: the largest difference between the two channels' samples.
    pub max_difference: f32,
}

/// What analysing a source gave: its header facts and one [`RangeMeasures`] per range asked
/// for, or why it cannot be read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Measured {
        info: FileInfo,
        /// Frames in the file (decoded to its end, else as the header says).
        frames: Option<u64>,
        ranges: Vec<RangeMeasures>,
    },
    /// `file` is the index of the file (of a multi-file source) at fault.
    Unreadable { file: usize, reason: String },
}

/// The frame intervals `range` covers in a file of `total` frames (when known).
fn segments(range: &Range, rate: u32, total: Option<u64>) -> Vec<(u64, u64)> {
    let rate = rate as f64;
    let start = (range.offset.max(0.0) * rate).round() as u64;
    let end = range
        .length
        .map(|l| start + (l.max(0.0) * rate).round() as u64);
    match (end, total) {
        (Some(end), Some(total)) if range.looped && total > 0 && end > total => {
            // Past the end a looped item starts the file again (an offset past the end is
            // taken round it); a loop longer than the file plays it all.
            let length = end - start;
            let start = start % total;
            if length >= total {
                vec![(0, total)]
            } else if start + length <= total {
                vec![(start, start + length)]
            } else {
                vec![(0, start + length - total), (start, total)]
            }
        }
        (Some(end), _) => vec![(start, end)],
        (None, _) => vec![(start, u64::MAX)],
    }
}

/// Decodes `files` (one file, or mono files as the channels of one source) and measures each
/// of `ranges`, decoding no further than the last range needs. Never panics on bad input:
/// whatever cannot be decoded is an [`Outcome::Unreadable`] with the reason. A panic inside
/// the decoder (a bug a damaged file may trigger) is caught and reported the same way, so
/// one file never stops a run.
pub fn analyse(files: &[&Path], ranges: &[Range]) -> Outcome {
    std::panic::catch_unwind(|| analyse_unguarded(files, ranges)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Outcome::Unreadable {
            file: 0,
            reason: format!("the decoder failed on this file ({why})"),
        }
    })
}

fn analyse_unguarded(files: &[&Path], ranges: &[Range]) -> Outcome {
    let mut reader = match decode::Reader::open(files) {
        Ok(r) => r,
        Err((file, reason)) => return Outcome::Unreadable { file, reason },
    };
    let info = reader.info.clone();
    let ch = info.channels;
    let plan: Vec<Vec<(u64, u64)>> = ranges
        .iter()
        .map(|r| segments(r, info.sample_rate, info.frames))
        .collect();
    let mut meters: Vec<measure::Meter> = plan
        .iter()
        .map(|segs| measure::Meter::new(ch, info.sample_rate, segs.first().map_or(0, |s| s.0)))
        .collect();
    let last = plan.iter().flatten().map(|s| s.1).max().unwrap_or(0);
    let mut at: u64 = 0;
    let truncated = loop {
        if at >= last {
            break false;
        }
        let block = match reader.next_block() {
            Ok(b) => b,
            Err(reason) => return Outcome::Unreadable { file: 0, reason },
        };
        if block.is_empty() {
            // The header promised more frames than the file holds.
            break info.frames.is_some_and(|f| at < f) && !info.lossy;
        }
        let n = (block.len() / ch) as u64;
        for (segs, meter) in plan.iter().zip(&mut meters) {
            for &(s, e) in segs {
                let from = s.max(at);
                let to = e.min(at + n);
                if from < to {
                    let a = ((from - at) as usize) * ch;
                    let b = ((to - at) as usize) * ch;
                    meter.feed(&block[a..b]);
                }
            }
        }
        at += n;
    };
    if truncated {
        let rate = info.sample_rate as f64;
        return Outcome::Unreadable {
            file: 0,
            reason: format!(
                "truncated: the file ends at {:.2} s, its header says {:.2} s",
                reader.decoded() as f64 / rate,
                info.frames.unwrap_or(0) as f64 / rate
            ),
        };
    }
    let frames = if at < last { Some(at) } else { info.frames };
    Outcome::Measured {
        frames,
        ranges: meters.into_iter().map(measure::Meter::finish).collect(),
        info,
    }
}

/// A source to analyse: its files, located, and the ranges items play of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub files: Vec<PathBuf>,
    pub ranges: Vec<Range>,
}

impl Job {
    /// Analyses the job, through `cache` when given: each range is looked up on its own, and
    /// the file is decoded once for the ranges the cache does not hold.
    pub fn run(&self, cache: Option<&cache::Cache>) -> Outcome {
        let paths: Vec<&Path> = self.files.iter().map(PathBuf::as_path).collect();
        let Some((cache, hashes)) = cache.and_then(|c| Some((c, c.hashes(&paths)?))) else {
            return analyse(&paths, &self.ranges);
        };
        let keys: Vec<String> = self
            .ranges
            .iter()
            .map(|r| cache::Cache::key(&hashes, r))
            .collect();
        let mut found: Vec<Option<Outcome>> = keys.iter().map(|k| cache.get(k)).collect();
        let missing: Vec<usize> = (0..keys.len()).filter(|&i| found[i].is_none()).collect();
        if !missing.is_empty() {
            let ranges: Vec<Range> = missing.iter().map(|&i| self.ranges[i]).collect();
            let fresh = analyse(&paths, &ranges);
            for (k, &i) in missing.iter().enumerate() {
                let one = match &fresh {
                    Outcome::Unreadable { .. } => fresh.clone(),
                    Outcome::Measured {
                        info,
                        frames,
                        ranges,
                    } => Outcome::Measured {
                        info: info.clone(),
                        frames: *frames,
                        ranges: vec![ranges[k].clone()],
                    },
                };
                cache.put(&keys[i], &one);
                found[i] = Some(one);
            }
        }
        merge(found.into_iter().flatten().collect())
    }
}

/// One outcome of single-range outcomes of the same source, in order.
fn merge(parts: Vec<Outcome>) -> Outcome {
    let mut merged: Option<Outcome> = None;
    for part in parts {
        merged = Some(match (merged, part) {
            (None, p) => p,
            (Some(u @ Outcome::Unreadable { .. }), _)
            | (Some(_), u @ Outcome::Unreadable { .. }) => u,
            (
                Some(Outcome::Measured {
                    info,
                    frames,
                    mut ranges,
                }),
                Outcome::Measured {
                    ranges: more,
                    frames: f2,
                    ..
                },
            ) => {
                ranges.extend(more);
                Outcome::Measured {
                    info,
                    frames: match (frames, f2) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    },
                    ranges,
                }
            }
        });
    }
    merged.unwrap_or(Outcome::Unreadable {
        file: 0,
        reason: "nothing to analyse".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looped_ranges_wrap_round_the_file() {
        let r = |offset, length, looped| Range {
            offset,
            length: Some(length),
            looped,
        };
        assert_eq!(segments(&r(1.0, 2.0, false), 10, Some(100)), [(10, 30)]);
        assert_eq!(
            segments(&r(8.0, 4.0, true), 10, Some(100)),
            [(0, 20), (80, 100)]
        );
        assert_eq!(segments(&r(8.0, 40.0, true), 10, Some(100)), [(0, 100)]);
        assert_eq!(segments(&r(20.0, 4.0, true), 10, Some(100)), [(0, 40)]);
        let open = Range {
            offset: 0.5,
            length: None,
            looped: false,
        };
        assert_eq!(segments(&open, 10, None), [(5, u64::MAX)]);
    }
}
