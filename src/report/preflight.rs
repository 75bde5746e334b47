//! Preflight results for programs (the versioned JSON document) and people (linter-style
//! lines and a measures table).

use super::style::Style;
use crate::preflight::{Issue, Measures, ProjectReport, Severity, count};
use crate::session::TrackKind;
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

/// Version of the preflight document's shape; fields are only ever added within a version.
pub const PREFLIGHT_DOCUMENT_VERSION: u32 = 1;

#[derive(Serialize)]
pub struct Document<'a> {
    pub version: u32,
    pub command: &'static str,
    pub projects: Vec<ProjectEntry<'a>>,
    pub summary: Summary,
}

#[derive(Serialize)]
pub struct ProjectEntry<'a> {
    pub path: String,
    pub format: Option<&'static str>,
    /// The project's rate, else the rate most of its media has.
    pub sample_rate: Option<u32>,
    /// Where the last audio item ends, seconds.
    pub song_end_s: Option<f64>,
    /// What premix could not work out about timing.
    pub caveats: &'a [String],
    pub tracks: Vec<TrackEntry<'a>>,
    /// Why the project could not be read.
    pub error: Option<&'a str>,
}

#[derive(Serialize)]
pub struct TrackEntry<'a> {
    /// 1-based, as DAWs number tracks.
    pub index: usize,
    pub name: &'a str,
    pub kind: TrackKind,
    pub measures: Option<MeasuresEntry>,
    pub issues: &'a [Issue],
}

/// [`Measures`] with levels rounded to 0.01 (the JSON carries no float noise).
#[derive(Serialize)]
pub struct MeasuresEntry {
    pub sample_rate: Option<u32>,
    pub bit_depth: Option<u32>,
    pub channels: Option<usize>,
    pub peak_dbfs: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub integrated_lufs: Option<f64>,
    pub loudness_range_lu: Option<f64>,
    pub duration_s: f64,
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

impl From<&Measures> for MeasuresEntry {
    fn from(m: &Measures) -> Self {
        MeasuresEntry {
            sample_rate: m.sample_rate,
            bit_depth: m.bit_depth,
            channels: m.channels,
            peak_dbfs: m.peak_dbfs.map(round),
            true_peak_dbtp: m.true_peak_dbtp.map(round),
            integrated_lufs: m.integrated_lufs.map(round),
            loudness_range_lu: m.loudness_range_lu.map(round),
            duration_s: round(m.duration_s),
        }
    }
}

#[derive(Serialize, Default)]
pub struct Summary {
    pub projects: usize,
    pub tracks: usize,
    /// Issues of each severity, over every project.
    pub errors: usize,
    pub warnings: usize,
    /// Projects that could not be read.
    pub failed: usize,
}

impl<'a> ProjectEntry<'a> {
    pub fn checked(path: String, format: &'static str, report: &'a ProjectReport) -> Self {
        ProjectEntry {
            path,
            format: Some(format),
            sample_rate: report.sample_rate,
            song_end_s: report.song_end_s.map(round),
            caveats: &report.caveats,
            tracks: report
                .tracks
                .iter()
                .map(|t| TrackEntry {
                    index: t.index + 1,
                    name: &t.name,
                    kind: t.kind,
                    measures: t.measures.as_ref().map(MeasuresEntry::from),
                    issues: &t.issues,
                })
                .collect(),
            error: None,
        }
    }

    pub fn failed(path: String, error: &'a str) -> Self {
        ProjectEntry {
            path,
            format: None,
            sample_rate: None,
            song_end_s: None,
            caveats: &[],
            tracks: Vec::new(),
            error: Some(error),
        }
    }
}

impl Summary {
    pub fn add(&mut self, report: &ProjectReport) {
        self.projects += 1;
        self.tracks += report.tracks.len();
        self.errors += count(report, Severity::Error);
        self.warnings += count(report, Severity::Warning);
    }
}

fn level(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.1} {unit}"))
}

/// One line per issue: `path: track 3 "Kick": error clipping: ...`.
pub fn issue_lines(path: &Path, report: &ProjectReport, style: Style) -> String {
    let mut out = String::new();
    let shown = path.display().to_string();
    for t in &report.tracks {
        for issue in &t.issues {
            let severity = match issue.severity {
                Severity::Error => style.red("error"),
                Severity::Warning => style.yellow("warning"),
                Severity::Info => style.dim("info"),
            };
            let _ = writeln!(
                out,
                "{shown}: track {} {:?}: {severity} {}: {}",
                t.index + 1,
                t.name,
                issue.kind.as_str(),
                issue.detail
            );
        }
    }
    for caveat in &report.caveats {
        let _ = writeln!(out, "{shown}: note: {caveat}");
    }
    out
}

/// The measures of every track that plays something, as a table.
pub fn measures_table(report: &ProjectReport, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!(
            "{:>4}  {:<28} {:>7} {:>5} {:>3} {:>11} {:>11} {:>11} {:>8} {:>9}",
            "#", "name", "rate", "bits", "ch", "peak", "true peak", "loudness", "LRA", "played"
        ))
    );
    for t in &report.tracks {
        let Some(m) = &t.measures else { continue };
        let name: String = t.name.chars().take(28).collect();
        let _ = writeln!(
            out,
            "{:>4}  {:<28} {:>7} {:>5} {:>3} {:>11} {:>11} {:>11} {:>8} {:>9}",
            t.index + 1,
            name,
            m.sample_rate.map_or("-".into(), |r| r.to_string()),
            m.bit_depth.map_or("-".into(), |b| b.to_string()),
            m.channels.map_or("-".into(), |c| c.to_string()),
            level(m.peak_dbfs, "dBFS"),
            level(m.true_peak_dbtp, "dBTP"),
            level(m.integrated_lufs, "LUFS"),
            level(m.loudness_range_lu, "LU"),
            format!("{:.1} s", m.duration_s),
        );
    }
    out
}

/// `path: 25 tracks, 3 errors, 2 warnings`.
pub fn status_line(path: &Path, report: &ProjectReport, style: Style) -> String {
    let errors = count(report, Severity::Error);
    let warnings = count(report, Severity::Warning);
    let what = if errors + warnings == 0 {
        "ready to mix".to_string()
    } else {
        format!("{errors} errors, {warnings} warnings")
    };
    format!(
        "{}: {} tracks, {what}\n",
        style.bold(&path.display().to_string()),
        report.tracks.len()
    )
}

pub fn summary_line(summary: &Summary, style: Style) -> String {
    let errors = if summary.errors > 0 {
        style.red(&super::human::count(summary.errors, "error", "errors"))
    } else {
        "0 errors".into()
    };
    use super::human::count;
    format!(
        "{} {}, {}: {errors}, {}, {} unreadable\n",
        style.bold("premix:"),
        count(summary.projects, "project", "projects"),
        count(summary.tracks, "track", "tracks"),
        count(summary.warnings, "warning", "warnings"),
        count(summary.failed, "project", "projects")
    )
}
