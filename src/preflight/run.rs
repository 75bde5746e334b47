//! Preflight over many projects: read each, locate its media, analyse every source once for
//! all of them (in parallel, largest first, through the cache), then judge each project.

use super::{ProjectReport, Sources, assess, sources};
use crate::analysis::{Outcome, cache::Cache};
use crate::batch::Target;
use crate::limits::Limits;
use crate::media::{self, Location};
use crate::session::Session;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A project preflighted: its session and report, or why it could not be read.
pub type Checked = Result<(Session, ProjectReport), String>;

/// Where each file of each item of each track was found ([`media::resolve`]).
pub type Locations = Vec<Vec<Vec<Location>>>;

/// Reads `target`'s session.
pub fn read(target: &Target, limits: &Limits) -> Result<Session, String> {
    let (bytes, _) = crate::write::read(&target.path, limits).map_err(|e| e.to_string())?;
    let mut session = crate::formats::open_with(target.format, &bytes, limits)
        .map(|p| p.into_session())
        .map_err(|e| e.to_string())?;
    crate::formats::read_media(target.format, &bytes, &mut session);
    Ok(session)
}

/// Where every file of `session` (read from `target`) is.
pub fn locate(target: &Target, session: &Session) -> Locations {
    media::resolve(
        session,
        &target.path,
        crate::formats::media_candidates(target.format),
    )
}

/// Preflights every target. `progress(done, total)` is called as sources are analysed
/// (from any thread).
pub fn preflight(
    targets: &[Target],
    limits: &Limits,
    cache: Option<&Cache>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<Checked> {
    let read: Vec<Result<(Session, Locations), String>> = crate::batch::run_all(targets, |t| {
        let session = read(t, limits)?;
        let locations = locate(t, &session);
        Ok((session, locations))
    });
    let mut all = Sources::default();
    let slots: Vec<_> = read
        .iter()
        .map(|r| {
            r.as_ref()
                .ok()
                .map(|(session, locations)| sources(session, locations, &mut all))
        })
        .collect();
    let outcomes = run_jobs(&all, cache, progress);
    read.into_iter()
        .zip(slots)
        .map(|(r, slots)| {
            let (session, locations) = r?;
            let report = assess(&session, &locations, &slots.unwrap_or_default(), &outcomes);
            Ok((session, report))
        })
        .collect()
}

/// Sets [`Session`]'s tracks' `silent` (`None` where not everything a track plays could be
/// measured) and `levels` ([`super::levels::levels`]) from an analysis of their media;
/// `bytes` are the project's, as read.
pub fn mark_silent(target: &Target, session: &mut Session, bytes: &[u8], cache: Option<&Cache>) {
    crate::formats::read_media(target.format, bytes, session);
    let locations = locate(target, session);
    mark_audio_facts(session, &locations, cache);
}

/// [`mark_silent`] of a session whose items are read, its files found at `locations`.
pub fn mark_audio_facts(session: &mut Session, locations: &Locations, cache: Option<&Cache>) {
    let mut all = Sources::default();
    let slots = sources(session, locations, &mut all);
    let outcomes = run_jobs(&all, cache, &|_, _| {});
    let report = assess(session, locations, &slots, &outcomes);
    let levels = super::levels::levels(session, locations, &slots, &outcomes);
    for ((t, r), l) in session.tracks.iter_mut().zip(&report.tracks).zip(levels) {
        t.silent = r.silent;
        t.levels = l.map(std::sync::Arc::new);
    }
}

/// Runs every job on all cores, the largest files first; outcomes in job order.
pub fn run_jobs(
    sources: &Sources,
    cache: Option<&Cache>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<Outcome> {
    let total = sources.jobs.len();
    let size = |i: usize| -> u64 {
        sources.jobs[i]
            .files
            .iter()
            .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
            .sum()
    };
    let mut order: Vec<(u64, usize)> = (0..total).map(|i| (size(i), i)).collect();
    order.sort_by_key(|&(s, _)| std::cmp::Reverse(s));
    let done = AtomicUsize::new(0);
    let mut results: Vec<(usize, Outcome)> = order
        .into_par_iter()
        .with_max_len(1)
        .map(|(_, i)| {
            let outcome = sources.jobs[i].run(cache);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            (i, outcome)
        })
        .collect();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, o)| o).collect()
}
