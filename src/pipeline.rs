//! One project through the house: read, plan, vet, write, verify.
//!
//! The new bytes stream into a [`Sink`]: a `Vec` for in-memory callers ([`process`]), or a
//! temporary file next to the destination ([`crate::write::Staged`], through
//! [`process_into`]). Verification then reads them back from the sink (for a file, from what
//! is on disk) with the same backend and compares the tracks with what the plan predicts
//! (names, colours, hierarchy, mute). A backend bug therefore surfaces as an error before
//! anything reaches its destination, never as a damaged project.

use crate::formats::{self, FormatError, WriteError};
use crate::limits::Limits;
use crate::plan::Plan;
use crate::rules::{self, RuleSet};
use crate::session::{Format, Session};
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

/// A project after planning, and (when asked for) its new bytes.
#[derive(Debug)]
pub struct Processed {
    pub session: Session,
    pub plan: Plan,
    /// The project's bytes after the plan; the original bytes when the plan edits nothing.
    /// `None` when only a plan was asked for, or when the bytes went into a [`Sink`].
    pub output: Option<Vec<u8>>,
}

/// Where a project's new bytes are written, streamed, then read back to be verified.
pub trait Sink: Write + Sync {
    /// Ends the writing: whatever is buffered goes to where the bytes go.
    fn finish(&mut self) -> io::Result<()>;

    /// Everything written, where it can be read back from: for a file, its path (the
    /// verification reads what the file now holds).
    fn read_back(&self) -> io::Result<ReadBack<'_>>;

    /// Makes the written bytes durable. It runs while they are being verified.
    fn sync(&self) -> io::Result<()>;
}

/// What a [`Sink`] holds, to be verified.
pub enum ReadBack<'a> {
    /// Bytes in memory.
    Memory(&'a [u8]),
    /// A file, which need not be held whole to be verified (and may be read in parts at once).
    File(&'a Path),
}

/// In memory: the bytes are already where they are read back from.
impl Sink for Vec<u8> {
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn read_back(&self) -> io::Result<ReadBack<'_>> {
        Ok(ReadBack::Memory(self))
    }

    fn sync(&self) -> io::Result<()> {
        Ok(())
    }
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
    process_with_facts(format, bytes, rules, render, limits, None)
}

/// Adds facts to a session before it is planned, from outside its file (which tracks play
/// silence, from the audio analysis), given the project's bytes.
pub type Facts<'a> = &'a (dyn Fn(&mut Session, &[u8]) + Sync);

/// [`process_with`] planning on the session with `facts` added.
pub fn process_with_facts(
    format: Format,
    bytes: &[u8],
    rules: &RuleSet,
    render: bool,
    limits: &Limits,
    facts: Option<Facts<'_>>,
) -> Result<Processed, FormatError> {
    let open = |len: usize| Ok(formats::output_buffer(len));
    let (mut processed, output) = run(
        format,
        Cow::Borrowed(bytes),
        rules,
        limits,
        render.then_some(open),
        false,
        facts,
    )
    .map_err(WriteError::in_memory)?;
    processed.output = output;
    Ok(processed)
}

/// [`process_with`] that renders into the sink `open` makes (e.g. a temporary file,
/// [`crate::write::Staged::create`]), called once the project is read and planned, so a
/// project that cannot be read leaves nothing behind. The sink comes back only when what it
/// holds was read back and verified; otherwise it is dropped (a staged file is then removed,
/// and its destination never touched).
///
/// The project's bytes are handed over and freed, with the read document, once the output is
/// written, so the verification re-read never shares the memory with them; the output itself
/// is never held whole by premix.
pub fn process_into<S: Sink>(
    format: Format,
    bytes: Vec<u8>,
    rules: &RuleSet,
    limits: &Limits,
    open: impl FnOnce(usize) -> io::Result<S>,
) -> Result<(Processed, S), WriteError> {
    process_into_facts(format, bytes, rules, limits, open, None)
}

/// [`process_into`] planning on the session with `facts` added.
pub fn process_into_facts<S: Sink>(
    format: Format,
    bytes: Vec<u8>,
    rules: &RuleSet,
    limits: &Limits,
    open: impl FnOnce(usize) -> io::Result<S>,
    facts: Option<Facts<'_>>,
) -> Result<(Processed, S), WriteError> {
    let (processed, sink) = run(
        format,
        Cow::Owned(bytes),
        rules,
        limits,
        Some(open),
        false,
        facts,
    )?;
    let sink = sink.ok_or_else(|| FormatError::whole("internal error: nothing rendered"))?;
    Ok((processed, sink))
}

/// [`process_into`] for a project to be replaced where it is: when the plan edits nothing,
/// no sink is made and nothing is rendered (`None`). Plans on the session with `facts`
/// added, when given.
pub fn process_changes_into<S: Sink>(
    format: Format,
    bytes: Vec<u8>,
    rules: &RuleSet,
    limits: &Limits,
    open: impl FnOnce(usize) -> io::Result<S>,
    facts: Option<Facts<'_>>,
) -> Result<(Processed, Option<S>), WriteError> {
    run(
        format,
        Cow::Owned(bytes),
        rules,
        limits,
        Some(open),
        true,
        facts,
    )
}

fn run<S: Sink>(
    format: Format,
    // The caller's bytes, or bytes handed over to be freed as soon as the output is written.
    input: Cow<'_, [u8]>,
    rules: &RuleSet,
    limits: &Limits,
    // Makes the sink, given the input's size; `None` plans only.
    open: Option<impl FnOnce(usize) -> io::Result<S>>,
    // Plans only, too, when the plan edits nothing.
    only_edits: bool,
    facts: Option<Facts<'_>>,
) -> Result<(Processed, Option<S>), WriteError> {
    let project = formats::open_with(format, &input, limits)?;
    let mut plan = match facts {
        Some(add) => {
            let mut known = project.session().clone();
            add(&mut known, &input);
            rules::plan(rules, &known)
        }
        None => rules::plan(rules, project.session()),
    };
    project.vet(&mut plan);
    // A refused move can split a pair or leave a new bus with one member.
    rules::keep_structure(project.session(), &mut plan);
    let open = open.filter(|_| plan.edits_file() || !only_edits);
    let Some(open) = open else {
        let processed = Processed {
            session: project.into_session(),
            plan,
            output: None,
        };
        return Ok((processed, None));
    };
    let mut sink = open(input.len())?;
    let written = {
        let mut hashing = crate::write::Hashing::new(&mut sink);
        project.write_to(&plan, &mut hashing)?;
        hashing.snapshot()
    };
    // The read document (for a Live set, its whole decompressed XML) and handed-over input go
    // before the output is read back, so they are never held at once.
    let session = project.into_session();
    // The input's memory, free now: a read-back that needs the output whole reads it there.
    let buffer = match input {
        Cow::Owned(bytes) => bytes,
        Cow::Borrowed(_) => Vec::new(),
    };
    sink.finish()?;
    if plan.edits_file() {
        // Syncing a file takes about as long as reading it back: both at once. The sync
        // waits on the disk in a thread of its own, so the read-back keeps every core of the
        // rayon pool.
        let (verified, synced) = std::thread::scope(|scope| {
            let sync = scope.spawn(|| sink.sync());
            let verified = verify(format, &sink, written, buffer, &plan, &session, limits);
            let synced = sync
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the sync panicked")));
            (verified, synced)
        });
        verified?;
        synced?;
    } else {
        drop(buffer);
        sink.sync()?;
    }
    let processed = Processed {
        session,
        plan,
        output: None,
    };
    Ok((processed, Some(sink)))
}

/// Reads what `sink` holds back and checks that it holds the bytes written (`written`), byte
/// for byte, and exactly what `plan` predicts.
fn verify(
    format: Format,
    sink: &impl Sink,
    // What the backend wrote into `sink`.
    written: crate::write::Snapshot,
    buffer: Vec<u8>,
    plan: &Plan,
    before: &Session,
    limits: &Limits,
) -> Result<(), WriteError> {
    // The prediction is worked out on another core while the output is read back.
    let (got, expected) = rayon::join(
        || read_back(format, sink, written, buffer, limits),
        || plan.predict(before),
    );
    let got = got?;
    let mismatch = |what: String| {
        Err(FormatError::whole(format!(
            "internal error: the rewritten project does not hold the plan ({what}); nothing written"
        ))
        .into())
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

/// The session `sink` holds, read back.
fn read_back(
    format: Format,
    sink: &impl Sink,
    written: crate::write::Snapshot,
    buffer: Vec<u8>,
    limits: &Limits,
) -> Result<Session, WriteError> {
    // Byte for byte first: a change the session would not show (a position, a plugin's
    // state) is caught too.
    let held = match sink.read_back()? {
        ReadBack::Memory(bytes) => crate::write::Snapshot::of_bytes(bytes),
        ReadBack::File(path) => crate::write::Snapshot::of_file(&std::fs::File::open(path)?)?,
    };
    if held != written {
        return Err(FormatError::whole(
            "internal error: the rewritten project does not hold the bytes premix wrote \
             (changed on their way to the disk); nothing written",
        )
        .into());
    }
    let got = match sink.read_back()? {
        ReadBack::Memory(bytes) => {
            drop(buffer);
            formats::open_with(format, bytes, limits).map(|p| p.into_session())
        }
        ReadBack::File(path) => match formats::read_session(format, path, buffer, limits) {
            Ok(session) => Ok(session),
            Err(WriteError::Format(e)) => Err(e),
            Err(WriteError::Io(e)) => return Err(e.into()),
        },
    };
    Ok(got.map_err(|e| {
        FormatError::whole(format!(
            "internal error: the rewritten project does not read back ({e}); nothing written"
        ))
    })?)
}
