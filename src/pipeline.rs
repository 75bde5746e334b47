//! One project through the house: read, plan, vet, write in memory, verify.
//!
//! Verification reads the new bytes back with the same backend and compares the tracks with
//! what the plan predicts (names, colours, hierarchy, mute). A backend bug therefore surfaces
//! as an error before anything reaches the disk, never as a damaged project.

use crate::formats::{self, FormatError};
use crate::limits::Limits;
use crate::plan::Plan;
use crate::rules::{self, RuleSet};
use crate::session::{Format, Session};
use std::borrow::Cow;

/// A project after planning, and (when asked for) its new bytes.
#[derive(Debug)]
pub struct Processed {
    pub session: Session,
    pub plan: Plan,
    /// The project's bytes after the plan; the original bytes when the plan edits nothing.
    /// `None` when only a plan was asked for.
    pub output: Option<Vec<u8>>,
}

/// Reads `bytes` as `format`, plans `rules` on it and, with `render`, writes and verifies the
/// result in memory.
pub fn process(
    format: Format,
    bytes: &[u8],
    rules: &RuleSet,
    render: bool,
) -> Result<Processed, FormatError> {
    process_with(format, bytes, rules, render, &Limits::default())
}

/// [`process`] with explicit [`Limits`] (how large a decompressed project may get).
pub fn process_with(
    format: Format,
    bytes: &[u8],
    rules: &RuleSet,
    render: bool,
    limits: &Limits,
) -> Result<Processed, FormatError> {
    let no_stage: Option<fn(&[u8])> = None;
    run(
        format,
        Cow::Borrowed(bytes),
        rules,
        render,
        limits,
        no_stage,
    )
    .map(|(processed, _)| processed)
}

/// [`process_with`] that renders, and hands the output to `stage` (e.g. a synced temporary
/// file, [`crate::write::stage`]) while it is being verified: writing and syncing the file and
/// reading the output back run at once, on two cores. What `stage` returned comes back only
/// when the verification passed; otherwise it is dropped (a staged file is then removed, and
/// its destination never touched).
///
/// The project's bytes are handed over and freed as soon as the output is built, so the
/// verification re-read never shares the memory with them.
pub fn process_staged<S: Send>(
    format: Format,
    bytes: Vec<u8>,
    rules: &RuleSet,
    limits: &Limits,
    stage: impl FnOnce(&[u8]) -> S + Send,
) -> Result<(Processed, S), FormatError> {
    let (processed, staged) = run(format, Cow::Owned(bytes), rules, true, limits, Some(stage))?;
    let staged = staged.ok_or_else(|| FormatError::whole("internal error: nothing staged"))?;
    Ok((processed, staged))
}

fn run<S: Send>(
    format: Format,
    // The caller's bytes, or bytes handed over to be freed as soon as the output is built.
    input: Cow<'_, [u8]>,
    rules: &RuleSet,
    render: bool,
    limits: &Limits,
    stage: Option<impl FnOnce(&[u8]) -> S + Send>,
) -> Result<(Processed, Option<S>), FormatError> {
    let project = formats::open_with(format, &input, limits)?;
    let mut plan = rules::plan(rules, project.session());
    project.vet(&mut plan);
    let session = project.session().clone();
    if !render {
        let processed = Processed {
            session,
            plan,
            output: None,
        };
        return Ok((processed, None));
    }
    let output = project.write(&plan)?;
    // The read document (for a Live set, its whole decompressed XML) and handed-over input go
    // before the output is read back, so they are never held at once.
    drop(project);
    drop(input);
    let (verified, staged) = if plan.edits_file() {
        rayon::join(
            || verify(format, &output, &plan, &session),
            || stage.map(|stage| stage(&output)),
        )
    } else {
        (Ok(()), stage.map(|stage| stage(&output)))
    };
    verified?;
    let processed = Processed {
        session,
        plan,
        output: Some(output),
    };
    Ok((processed, staged))
}

/// Reads `output` back and checks that it holds exactly what `plan` predicts.
fn verify(format: Format, output: &[u8], plan: &Plan, before: &Session) -> Result<(), FormatError> {
    let reread = formats::open(format, output).map_err(|e| {
        FormatError::whole(format!(
            "internal error: the rewritten project does not read back ({e}); nothing written"
        ))
    })?;
    let expected = plan.predict(before);
    let got = reread.session();
    let mismatch = |what: String| {
        Err(FormatError::whole(format!(
            "internal error: the rewritten project does not hold the plan ({what}); nothing written"
        )))
    };
    if got.tracks.len() != expected.tracks.len() {
        return mismatch(format!(
            "{} tracks instead of {}",
            got.tracks.len(),
            expected.tracks.len()
        ));
    }
    for (g, e) in got.tracks.iter().zip(&expected.tracks) {
        if g.name != e.name
            || g.color != e.color
            || g.parent != e.parent
            || g.muted != e.muted
            || g.media_count != e.media_count
        {
            return mismatch(format!(
                "track {}: got {:?} {:?} parent {:?} muted {}, expected {:?} {:?} parent {:?} muted {}",
                g.index + 1,
                g.name,
                g.color,
                g.parent,
                g.muted,
                e.name,
                e.color,
                e.parent,
                e.muted
            ));
        }
    }
    Ok(())
}
