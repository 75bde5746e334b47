//! Preflight: "is this session ready to mix?", as facts per track.
//!
//! Format- and audio-agnostic: it takes a [`Session`] (what each track's items play), where
//! each file was found ([`crate::media::Location`]) and what the analysis measured
//! ([`crate::analysis::Outcome`]), and says per track what was measured and what is wrong,
//! each problem with a fixed [`IssueKind`], a [`Severity`] and a detail naming the file.
//! [`sources`] says what to analyse; [`assess`] judges the results.

pub mod levels;
pub mod names;
pub mod run;

use crate::analysis::{self, Outcome, Range, RangeMeasures, measure};
use crate::media::{Location, MediaRef};
use crate::session::{Session, TrackKind};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Below this peak (dBFS) what an item plays counts as silence.
pub const SILENCE_FLOOR_DBFS: f64 = -70.0;
/// A channel mean above this (dBFS) is a DC offset.
pub const DC_DBFS: f64 = -40.0;
/// At or below this correlation a stereo source's channels cancel.
pub const POLARITY_CORRELATION: f32 = -0.95;
/// Two channels whose samples never differ by more than this (−96 dBFS, one 16-bit step)
/// are the same signal.
pub const DUAL_MONO_DIFFERENCE: f32 = 1.0 / 65536.0;
/// How much earlier than the song's end a stem may stop, seconds (stems are bounced to one
/// length; a few milliseconds of rounding are not a short stem).
pub const SHORT_TOLERANCE_S: f64 = 0.1;
/// A stem starts within this of the project's start, seconds.
const STEM_START_S: f64 = 0.05;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    MissingMedia,
    UnreadableMedia,
    SampleRate,
    BitDepth,
    Clipping,
    Silent,
    OneSided,
    DualMono,
    Polarity,
    DcOffset,
    ShortMedia,
    DefaultName,
    DuplicateName,
}

impl IssueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::MissingMedia => "missing_media",
            IssueKind::UnreadableMedia => "unreadable_media",
            IssueKind::SampleRate => "sample_rate",
            IssueKind::BitDepth => "bit_depth",
            IssueKind::Clipping => "clipping",
            IssueKind::Silent => "silent",
            IssueKind::OneSided => "one_sided",
            IssueKind::DualMono => "dual_mono",
            IssueKind::Polarity => "polarity",
            IssueKind::DcOffset => "dc_offset",
            IssueKind::ShortMedia => "short_media",
            IssueKind::DefaultName => "default_name",
            IssueKind::DuplicateName => "duplicate_name",
        }
    }

    /// Errors stop a mix as delivered (a file missing or damaged, material clipped, a rate
    /// the session would play at the wrong speed or resample); warnings are worth a look.
    pub fn severity(self) -> Severity {
        match self {
            IssueKind::MissingMedia
            | IssueKind::UnreadableMedia
            | IssueKind::SampleRate
            | IssueKind::Clipping => Severity::Error,
            _ => Severity::Warning,
        }
    }
}

/// Preflight's problems take the severities of every premix finding (one scale for every
/// command: `info`, `warning`, `error`), and `--fail-on` the same ladder as `check`.
pub use crate::findings::Severity;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Issue {
    pub kind: IssueKind,
    pub severity: Severity,
    /// What is wrong, for a person: times in seconds, levels in dBFS/LUFS, the file named.
    pub detail: String,
    /// The file concerned, as the project writes it; `None` for a track-level problem.
    pub media: Option<String>,
}

impl Issue {
    fn new(kind: IssueKind, detail: String, media: Option<&str>) -> Issue {
        Issue {
            kind,
            severity: kind.severity(),
            detail,
            media: media.map(str::to_string),
        }
    }

    /// The same problem with a file only muted items play: nothing the mix hears depends on
    /// it, so it is worth a look (a warning), not a stop, and the detail says why.
    fn in_muted_items_only(mut self, muted_only: bool) -> Issue {
        if muted_only && self.severity == Severity::Error {
            self.severity = Severity::Warning;
            self.detail.push_str(" (only muted items play it)");
        }
        self
    }
}

/// What a track's items play, measured. Levels of the media as recorded (item gain not
/// applied: it is in the item list).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Measures {
    /// The rate most of the track's played media has, Hz.
    pub sample_rate: Option<u32>,
    /// The lowest bit depth of the track's PCM media (32 for float).
    pub bit_depth: Option<u32>,
    pub channels: Option<usize>,
    pub peak_dbfs: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub integrated_lufs: Option<f64>,
    pub loudness_range_lu: Option<f64>,
    /// Seconds of media the items play, added up.
    pub duration_s: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrackReport {
    /// 0-based, as in the session (shown 1-based).
    pub index: usize,
    pub name: String,
    pub kind: TrackKind,
    /// `None` when nothing the track plays could be measured.
    pub measures: Option<Measures>,
    pub issues: Vec<Issue>,
    /// What the track plays is silence (below the floor); `None` when not all of it was
    /// measured or it plays nothing.
    pub silent: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectReport {
    /// The rate the project fixes, else the rate most of its media has.
    pub sample_rate: Option<u32>,
    /// Where the last audio item ends, seconds.
    pub song_end_s: Option<f64>,
    pub caveats: Vec<String>,
    pub tracks: Vec<TrackReport>,
}

/// One source to analyse (a file, or Ardour's mono files of one region) and every range any
/// item plays of it, across all projects of a run.
#[derive(Default)]
pub struct Sources {
    pub jobs: Vec<analysis::Job>,
    index: HashMap<Vec<PathBuf>, usize>,
}

/// Where an item's measures are: job and range.
pub type Slot = (usize, usize);

impl Sources {
    /// Adds what `item` plays (its files located as `found`), returning where its measures
    /// will be.
    pub fn add(&mut self, files: Vec<PathBuf>, item: &MediaRef) -> Slot {
        let range = Range {
            offset: item.offset,
            length: item.length,
            looped: item.looped,
        };
        let job = *self.index.entry(files.clone()).or_insert_with(|| {
            self.jobs.push(analysis::Job {
                files,
                ranges: Vec::new(),
            });
            self.jobs.len() - 1
        });
        let ranges = &mut self.jobs[job].ranges;
        let r = match ranges.iter().position(|r| *r == range) {
            Some(r) => r,
            None => {
                ranges.push(range);
                ranges.len() - 1
            }
        };
        (job, r)
    }
}

/// The slots of every item of `session` whose files were all found (`None` otherwise), per
/// track and item. Muted items are analysed too: their media is part of the delivery.
pub fn sources(
    session: &Session,
    locations: &[Vec<Vec<Location>>],
    sources: &mut Sources,
) -> Vec<Vec<Option<Slot>>> {
    session
        .tracks
        .iter()
        .zip(locations)
        .map(|(t, locs)| {
            t.items
                .iter()
                .zip(locs)
                .map(|(item, files)| {
                    let found: Option<Vec<PathBuf>> = files
                        .iter()
                        .map(|l| l.found().map(|p| p.to_path_buf()))
                        .collect();
                    found.map(|f| sources.add(f, item))
                })
                .collect()
        })
        .collect()
}

fn dbfs(linear: f64) -> f64 {
    if linear > 0.0 {
        20.0 * linear.log10()
    } else {
        f64::NEG_INFINITY
    }
}

fn db_text(db: f64) -> String {
    if db.is_finite() {
        format!("{db:.1}")
    } else {
        "-inf".into()
    }
}

fn written(item: &MediaRef) -> String {
    item.files
        .iter()
        .map(|f| f.path.as_str())
        .collect::<Vec<_>>()
        .join(" + ")
}

/// A played item's measures and the facts of its source.
struct Played<'a> {
    item: &'a MediaRef,
    info: &'a analysis::FileInfo,
    frames: Option<u64>,
    m: &'a RangeMeasures,
}

/// Judges `session`: per track, its measures and problems. `slots` and `outcomes` come from
/// [`sources`] and running the jobs.
pub fn assess(
    session: &Session,
    locations: &[Vec<Vec<Location>>],
    slots: &[Vec<Option<Slot>>],
    outcomes: &[Outcome],
) -> ProjectReport {
    let song_end = session
        .tracks
        .iter()
        .filter(|t| !t.muted)
        .flat_map(|t| t.items.iter())
        .filter(|i| !i.muted)
        .filter_map(MediaRef::end)
        .fold(None, |a: Option<f64>, e| Some(a.map_or(e, |a| a.max(e))));
    // The project's rate, else the rate most of its played media has.
    let mut rates: BTreeMap<u32, usize> = BTreeMap::new();
    for (t, track_slots) in session.tracks.iter().zip(slots) {
        for (item, slot) in t.items.iter().zip(track_slots) {
            if let (false, Some((job, _))) = (item.muted, slot)
                && let Some(Outcome::Measured { info, .. }) = outcomes.get(*job)
            {
                *rates.entry(info.sample_rate).or_default() += 1;
            }
        }
    }
    let sample_rate = session.media.sample_rate.or_else(|| {
        rates
            .iter()
            .max_by_key(|(rate, n)| (**n, std::cmp::Reverse(**rate)))
            .map(|(r, _)| *r)
    });
    let duplicates = names::duplicates(session);
    let tracks = session
        .tracks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut issues = Vec::new();
            if let Some(detail) = names::default_name(&t.name) {
                issues.push(Issue::new(IssueKind::DefaultName, detail, None));
            }
            if let Some(others) = duplicates.get(&i) {
                let list: Vec<String> = others.iter().map(|o| (o + 1).to_string()).collect();
                issues.push(Issue::new(
                    IssueKind::DuplicateName,
                    format!("track {} has the same name", list.join(", ")),
                    None,
                ));
            }
            let mut played = Vec::new();
            let mut complete = true;
            let mut reported: Vec<String> = Vec::new();
            // A file no unmuted item of the track plays.
            let muted_only = |path: &str| {
                !t.items
                    .iter()
                    .any(|it| !it.muted && it.files.iter().any(|f| f.path == path))
            };
            for ((item, locs), slot) in t.items.iter().zip(&locations[i]).zip(&slots[i]) {
                let shown = written(item);
                for (file, loc) in item.files.iter().zip(locs) {
                    if let Location::Missing { tried } = loc
                        && !reported.contains(&file.path)
                    {
                        reported.push(file.path.clone());
                        let tried: Vec<String> =
                            tried.iter().map(|p| p.display().to_string()).collect();
                        issues.push(
                            Issue::new(
                                IssueKind::MissingMedia,
                                format!(
                                    "{} not found (looked for {})",
                                    file.path,
                                    tried.join(", ")
                                ),
                                Some(&file.path),
                            )
                            .in_muted_items_only(muted_only(&file.path)),
                        );
                    }
                }
                let Some((job, range)) = slot else {
                    complete &= item.muted;
                    continue;
                };
                match &outcomes[*job] {
                    Outcome::Unreadable { file, reason } => {
                        complete &= item.muted;
                        let name = item
                            .files
                            .get(*file)
                            .map_or(shown.clone(), |f| f.path.clone());
                        if !reported.contains(&name) {
                            reported.push(name.clone());
                            issues.push(
                                Issue::new(
                                    IssueKind::UnreadableMedia,
                                    format!("{name}: {reason}"),
                                    Some(&name),
                                )
                                .in_muted_items_only(muted_only(&name)),
                            );
                        }
                    }
                    Outcome::Measured {
                        info,
                        frames,
                        ranges,
                    } => {
                        if !item.muted {
                            played.push(Played {
                                item,
                                info,
                                frames: *frames,
                                m: &ranges[*range],
                            });
                        }
                    }
                }
            }
            let measures = track_measures(&played);
            let silent = (!played.is_empty() && complete).then(|| {
                played.iter().all(|p| {
                    p.m.channel_peaks
                        .iter()
                        .all(|&x| dbfs(x as f64) < SILENCE_FLOOR_DBFS)
                })
            });
            file_issues(&played, sample_rate, silent == Some(true), &mut issues);
            if silent == Some(true) {
                let peak = measures
                    .as_ref()
                    .and_then(|m| m.peak_dbfs)
                    .unwrap_or(f64::NEG_INFINITY);
                let what = if peak.is_finite() {
                    format!(
                        "peak {} dBFS, below the {SILENCE_FLOOR_DBFS} dBFS floor",
                        db_text(peak)
                    )
                } else {
                    "digital silence".to_string()
                };
                let secs = measures.as_ref().map_or(0.0, |m| m.duration_s);
                issues.push(Issue::new(
                    IssueKind::Silent,
                    format!("what the items play ({secs:.2} s) is {what}"),
                    None,
                ));
            }
            if let Some(detail) = short(&played, song_end).filter(|_| complete && !t.muted) {
                issues.push(Issue::new(IssueKind::ShortMedia, detail, None));
            }
            issues.sort_by_key(|i| (std::cmp::Reverse(i.severity), i.kind));
            TrackReport {
                index: i,
                name: t.name.to_string(),
                kind: t.kind,
                measures,
                issues,
                silent,
            }
        })
        .collect();
    ProjectReport {
        sample_rate,
        song_end_s: song_end,
        caveats: session.media.caveats.clone(),
        tracks,
    }
}

fn track_measures(played: &[Played<'_>]) -> Option<Measures> {
    if played.is_empty() {
        return None;
    }
    let mut rates: BTreeMap<u32, usize> = BTreeMap::new();
    for p in played {
        *rates.entry(p.info.sample_rate).or_default() += 1;
    }
    let peak = played
        .iter()
        .flat_map(|p| p.m.channel_peaks.iter())
        .fold(0.0f32, |a, &b| a.max(b));
    let true_peak = played
        .iter()
        .filter_map(|p| p.m.true_peak)
        .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))));
    Some(Measures {
        sample_rate: rates.iter().max_by_key(|(_, n)| **n).map(|(r, _)| *r),
        bit_depth: played
            .iter()
            .filter_map(|p| {
                if p.info.float {
                    Some(32)
                } else {
                    p.info.bits_per_sample
                }
            })
            .min(),
        channels: played.iter().map(|p| p.info.channels).max(),
        peak_dbfs: Some(dbfs(peak as f64)).filter(|d| d.is_finite()),
        true_peak_dbtp: true_peak.map(dbfs).filter(|d| d.is_finite()),
        integrated_lufs: measure::integrated(played.iter().flat_map(|p| p.m.blocks.iter())),
        loudness_range_lu: measure::loudness_range(
            played.iter().flat_map(|p| p.m.short_term.iter()),
        ),
        duration_s: played.iter().map(|p| p.m.seconds).sum(),
    })
}

/// Problems of the media a track plays, one per file and kind.
fn file_issues(
    played: &[Played<'_>],
    project_rate: Option<u32>,
    silent: bool,
    out: &mut Vec<Issue>,
) {
    let mut seen: Vec<(IssueKind, String)> = Vec::new();
    let mut push = |out: &mut Vec<Issue>, kind: IssueKind, media: &str, detail: String| {
        if !seen.iter().any(|(k, m)| *k == kind && m == media) {
            seen.push((kind, media.to_string()));
            out.push(Issue::new(kind, detail, Some(media)));
        }
    };
    // Clipping adds up over every range of a file.
    let mut clips: BTreeMap<String, (u64, Option<f64>)> = BTreeMap::new();
    for p in played {
        let media = written(p.item);
        let info = p.info;
        if let Some(rate) = project_rate
            && info.sample_rate != rate
        {
            push(
                out,
                IssueKind::SampleRate,
                &media,
                format!("{media} is {} Hz, the project {rate} Hz", info.sample_rate),
            );
        }
        if info.lossy {
            push(
                out,
                IssueKind::BitDepth,
                &media,
                format!(
                    "{media} is lossy ({}): not the recording's full quality",
                    info.codec
                ),
            );
        } else if let Some(bits) = info.bits_per_sample.filter(|b| *b < 24 && !info.float) {
            push(
                out,
                IssueKind::BitDepth,
                &media,
                format!("{media} is {bits}-bit PCM, below 24-bit"),
            );
        }
        if p.m.clip_runs > 0 {
            let e = clips.entry(media.clone()).or_default();
            e.0 += p.m.clip_runs;
            e.1 = match (e.1, p.m.first_clip) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        if silent {
            continue;
        }
        let floor = |x: f32| dbfs(x as f64) < SILENCE_FLOOR_DBFS;
        let peaks = &p.m.channel_peaks;
        if peaks.len() == 2 {
            let quiet: Vec<bool> = peaks.iter().map(|&x| floor(x)).collect();
            if quiet[0] != quiet[1] {
                let dead = usize::from(!quiet[0]);
                let side = ["left", "right"];
                push(
                    out,
                    IssueKind::OneSided,
                    &media,
                    format!(
                        "{media}: the {} channel is silent (peak {} dBFS) while the {} plays",
                        side[dead],
                        db_text(dbfs(peaks[dead] as f64)),
                        side[1 - dead]
                    ),
                );
            } else if !quiet[0] && p.m.max_difference <= DUAL_MONO_DIFFERENCE {
                push(
                    out,
                    IssueKind::DualMono,
                    &media,
                    format!(
                        "{media}: both channels are the same signal (mono delivered as stereo)"
                    ),
                );
            } else if !quiet[0]
                && let Some(c) = p.m.correlation.filter(|c| *c <= POLARITY_CORRELATION)
            {
                push(
                    out,
                    IssueKind::Polarity,
                    &media,
                    format!("{media}: the channels cancel (correlation {c:.2}): one is inverted"),
                );
            }
        }
        for (c, &dc) in p.m.channel_dc.iter().enumerate() {
            let level = dbfs(dc.abs() as f64);
            if level > DC_DBFS {
                push(
                    out,
                    IssueKind::DcOffset,
                    &media,
                    format!(
                        "{media}: DC offset of {} dBFS on channel {} (above {DC_DBFS} dBFS)",
                        db_text(level),
                        c + 1
                    ),
                );
                break;
            }
        }
    }
    for (media, (runs, first)) in clips {
        let at = first.map_or(String::new(), |f| format!(", the first at {f:.2} s"));
        push(
            out,
            IssueKind::Clipping,
            &media,
            format!(
                "{media}: {runs} runs of {}+ consecutive full-scale samples{at}",
                measure::CLIP_RUN
            ),
        );
    }
}

/// `short_media`: for a stem (a track playing one item, from the song's start), where its
/// audio stops when that is before the song's end: the media runs out before its item does
/// (a looped item never does), or the item stops early. Tracks of several items are parts
/// placed where they play, not stems.
fn short(played: &[Played<'_>], song_end: Option<f64>) -> Option<String> {
    let song_end = song_end?;
    if played.len() != 1 {
        return None;
    }
    let first = played
        .iter()
        .filter_map(|p| p.item.position)
        .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.min(b))))?;
    if first > STEM_START_S {
        return None;
    }
    let mut audio_end: f64 = 0.0;
    for p in played {
        let (Some(pos), Some(len)) = (p.item.position, p.item.timeline_length) else {
            return None;
        };
        let mut end = pos + len;
        if !p.item.looped
            && let Some(frames) = p.frames
        {
            let file_s = frames as f64 / p.info.sample_rate as f64;
            // Seconds of file per second of timeline (a sped-up item plays more of it).
            let speed = match p.item.length {
                Some(l) if len > 0.0 => l / len,
                _ => 1.0,
            };
            let left = (file_s - p.item.offset).max(0.0) / speed.max(1e-9);
            end = end.min(pos + left);
        }
        audio_end = audio_end.max(end);
    }
    (audio_end < song_end - SHORT_TOLERANCE_S).then(|| {
        format!(
            "its audio stops at {audio_end:.2} s, {:.2} s before the song ends ({song_end:.2} s)",
            song_end - audio_end
        )
    })
}

/// How many tracks each severity holds, for summaries.
pub fn count(report: &ProjectReport, severity: Severity) -> usize {
    report
        .tracks
        .iter()
        .flat_map(|t| &t.issues)
        .filter(|i| i.severity == severity)
        .count()
}
