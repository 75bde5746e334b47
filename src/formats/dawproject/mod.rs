//! DAWproject (`.dawproject`), the open exchange format of Bitwig Studio, Studio One and
//! Cubase: a ZIP holding `project.xml`, `metadata.xml`, media and plug-in states (see
//! `FORMATS.md` §4 and the schema `../shared/corpus/schemas/dawproject_Project.xsd`).
//!
//! [`container`] reads and checks the ZIP and rewrites it by replacing `project.xml` alone,
//! every other entry copied with its compressed bytes untouched; [`scan`] reads the tracks out
//! of `project.xml`; [`edits`] spells a plan as text edits to `project.xml`, as Live sets are
//! edited. A plan with nothing to write returns the original file byte for byte. An output
//! written from a file is read back ([`read_back_copy`]) from its own bytes, its project.xml's
//! document derived from the input's where the edits are values inside tags
//! ([`scan::rescan`]), else scanned whole.
//!
//! Bitwig's pre-1.0 JSON prototypes (`project.json`, 2020) are refused, and so is a damaged
//! container (see [`container`]).

pub mod container;
mod edits;
pub mod media;
mod mixer;
pub mod reserve;
pub mod scan;

use crate::formats::{FormatError, Project, WriteError};
use crate::limits::Limits;
use crate::plan::{Action, BusRef, Change, Note, Plan};
use crate::session::{Format, NamePool, Session, Track, TrackKind};
use container::{Archive, Check, Data};
use scan::DpDocument;

/// The entry holding the project.
pub const PROJECT_XML: &str = "project.xml";

pub struct DawProject<'a> {
    /// The file's bytes: all of them, or only its layout and project.xml when read from the
    /// file ([`DawProject::read_from_file`]).
    src: &'a [u8],
    archive: Archive,
    /// With the `project.xml` it was scanned from (borrowed from `src` when stored).
    doc: DpDocument<'a>,
    session: Session,
    /// True when `src` is the whole file (it can be written in memory).
    whole: bool,
    /// Where the deflate blocks of project.xml's data start (after the first; none when it
    /// is stored): a rewrite keeps those after its last edit ([`crate::deflate_splice`]).
    blocks: Vec<crate::deflate_splice::BlockStart>,
}

/// The digest of each byte range of the input file its output copies as it is
/// ([`container::copied_ranges`], [`crate::write::copying::range_digest`]).
pub type CopiedDigests = Vec<(std::ops::Range<u64>, u128)>;

/// The version of what [`crate::analysis::cache::Cache::remember_container`] holds for a
/// DAWproject: bumped when the checks change, so an older record is never trusted.
const CHECKED_RECORD: &str = "dawproject-checked-v1";

impl<'a> DawProject<'a> {
    /// Reads a `.dawproject`, checking every entry of the container (see [`container`]).
    pub fn read(src: &'a [u8], limits: &Limits) -> Result<Self, FormatError> {
        Self::read_checked(src, limits, Check::Everything)
    }

    /// Reads a `.dawproject`, checking the container as far as `check` says.
    pub fn read_checked(src: &'a [u8], limits: &Limits, check: Check) -> Result<Self, FormatError> {
        Self::read_checked_named(src, limits, check, &NamePool::fresh())
    }

    /// [`DawProject::read_checked`] with the tracks' names made by `names` (a read-back
    /// takes the predicted ones, [`NamePool::reusing`]).
    pub fn read_checked_named(
        src: &'a [u8],
        limits: &Limits,
        check: Check,
        names: &NamePool,
    ) -> Result<Self, FormatError> {
        let others = |archive: &Archive| match check {
            Check::Everything => {
                container::check_others(Data::Slice(src), archive, limits, &[PROJECT_XML])
            }
            Check::Layout | Check::Remembered => Ok(()),
        };
        Self::read_with(src, limits, Check::Layout, others, true, names)
    }

    /// Reads a `.dawproject` from the file `file` (at `path`, `meta` its metadata taken
    /// when it was opened) without holding it whole: `parts` holds its layout and
    /// project.xml ([`container::read_layout_parts`]); every other entry is read from the
    /// file, inflated and its CRC checked on the rayon pool while project.xml is scanned,
    /// and the digests of the ranges its output copies are taken
    /// ([`crate::write::copying`]). With a `cache`, what the check found is remembered under
    /// the file's fingerprint, and a container whose fingerprint is unchanged is not read
    /// again (its entries' sizes are still checked against `limits`).
    ///
    /// Errors: as [`DawProject::read`]; an I/O error reading the file is a damaged container
    /// at the entry's byte.
    ///
    /// `parts` says whether the check was remembered ([`FileParts::read`]); when its
    /// record does not fit the container after all, `Ok(None)`: read the parts again
    /// without the cache ([`FileParts::read`] with `cache` `None`).
    pub fn read_from_file(
        parts: &'a FileParts,
        file: &std::fs::File,
        path: &std::path::Path,
        meta: &std::fs::Metadata,
        limits: &Limits,
        cache: Option<&crate::analysis::cache::Cache>,
    ) -> Result<Option<(Self, CopiedDigests)>, FormatError> {
        let mut digests = CopiedDigests::new();
        let mut misfit = false;
        let others = |archive: &Archive| {
            let index = archive
                .entries
                .iter()
                .position(|e| e.name == PROJECT_XML)
                .ok_or_else(|| FormatError::whole("no project.xml in the container"))?;
            let ranges = container::copied_ranges(archive, index);
            if let Some(record) = &parts.remembered {
                match parse_checked(record, &ranges) {
                    Some(found) => {
                        container::check_sizes(archive, limits, &[PROJECT_XML])?;
                        digests = found;
                    }
                    None => misfit = true,
                }
                return Ok(());
            }
            let (checked, found) = rayon::join(
                || container::check_others(Data::File(file), archive, limits, &[PROJECT_XML]),
                || {
                    ranges
                        .iter()
                        .map(|r| {
                            Ok((
                                r.clone(),
                                crate::write::copying::range_digest(file, r.clone())?,
                            ))
                        })
                        .collect::<std::io::Result<CopiedDigests>>()
                },
            );
            checked?;
            digests = found.map_err(|e| {
                FormatError::whole(format!(
                    "damaged DAWproject container: cannot be read ({e})"
                ))
            })?;
            if let Some(c) = cache {
                c.remember_container(path, meta, &checked_record(&digests));
            }
            Ok(())
        };
        let check = match parts.remembered {
            Some(_) => Check::Remembered,
            None => Check::Layout,
        };
        let mut discarded = Discarded::default();
        let (project, _) = Self::read_derived(
            &parts.bytes,
            limits,
            check,
            others,
            false,
            &NamePool::fresh(),
            None,
            &mut discarded,
            parts.take_apart(),
        )?;
        if misfit {
            return Ok(None);
        }
        Ok(Some((project, digests)))
    }

    /// Reads the layout and project.xml of `src`, scanning project.xml while `others` checks
    /// the rest of the container (on the rayon pool).
    fn read_with(
        src: &'a [u8],
        limits: &Limits,
        check: Check,
        others: impl FnOnce(&Archive) -> Result<(), FormatError> + Send,
        whole: bool,
        names: &NamePool,
    ) -> Result<Self, FormatError> {
        let mut discarded = Discarded::default();
        let (project, _) = Self::read_derived(
            src,
            limits,
            check,
            others,
            whole,
            names,
            None,
            &mut discarded,
            None,
        )?;
        Ok(project)
    }

    /// [`DawProject::read_with`], its project.xml's document derived from `written` where
    /// the edits allow ([`scan::rescan`]), else scanned whole; what is left of `written`
    /// goes to `discarded`. Returns whether the document was derived. `apart` is a stored
    /// project.xml's data read apart from `src` ([`FileParts::read`]), which the document then
    /// owns.
    #[allow(clippy::too_many_arguments)]
    fn read_derived<'b>(
        src: &'a [u8],
        limits: &Limits,
        check: Check,
        others: impl FnOnce(&Archive) -> Result<(), FormatError> + Send,
        whole: bool,
        names: &NamePool,
        written: Option<Written<'b>>,
        discarded: &mut Discarded<'b>,
        apart: Option<Vec<u8>>,
    ) -> Result<(Self, bool), FormatError> {
        let (archive, _) = container::read_trusting(src, limits, check, &[], &[PROJECT_XML])?;
        let Some(entry) = archive.entry(PROJECT_XML) else {
            if archive.entry("project.json").is_some() {
                return Err(FormatError::whole(
                    "a pre-1.0 DAWproject prototype (project.json, Bitwig 2020): premix reads \
                     DAWproject 1.0 files (project.xml); export the project again from a \
                     current DAW",
                ));
            }
            return Err(FormatError::whole(
                "no project.xml in the container: not a DAWproject file",
            ));
        };
        let kept = written
            .as_ref()
            .and_then(|w| Some((w.kept?, w.document.xml())));
        let (xml, blocks) = match (apart, kept) {
            (Some(data), _) => (container::content_apart(data, entry, limits)?, Vec::new()),
            // A rewrite that kept the original's blocks after its edits: only what is
            // before them is inflated.
            (None, Some((kept, content))) if entry.method == container::DEFLATE => {
                let xml =
                    container::content_kept(src, entry, limits, kept.from, kept.original, content)?;
                (std::borrow::Cow::Owned(xml), Vec::new())
            }
            (None, _) => container::content(src, entry, limits)?,
        };
        let (others, doc) = rayon::join(
            || others(&archive),
            || {
                if xml.starts_with(&[0xff, 0xfe]) || xml.starts_with(&[0xfe, 0xff]) {
                    return Err(FormatError::whole(
                        "project.xml is UTF-16; premix reads UTF-8 DAWproject files",
                    ));
                }
                let Some(Written {
                    document, edits, ..
                }) = written
                else {
                    let doc = scan::scan(xml, names).map_err(|e| in_project_xml(&e))?;
                    return Ok((doc, None, false));
                };
                match scan::rescan(document, &edits, xml, names)? {
                    scan::Rescanned::Derived(doc, old) => Ok((doc, Some(Leftover::Xml(old)), true)),
                    scan::Rescanned::Whole(xml, old) => {
                        let doc = scan::scan(xml, names).map_err(|e| in_project_xml(&e))?;
                        Ok((doc, Some(Leftover::Document(old)), false))
                    }
                }
            },
        );
        others?;
        let (doc, leftover, derived) = doc?;
        if let Some(l) = leftover {
            discarded.push(l);
        }
        let session = session_of(&doc, doc.xml(), names);
        let project = DawProject {
            src,
            archive,
            doc,
            session,
            whole,
            blocks,
        };
        Ok((project, derived))
    }

    /// The session, the container's layout and the scanned document, apart: a caller that
    /// needs only the first two can free the document (12 MB of XML and its elements on the
    /// benchmark's 2 000 tracks, 6 ms to free) on a thread of its own.
    pub fn into_parts(self) -> (Session, Archive, DpDocument<'a>) {
        (self.session, self.archive, self.doc)
    }

    /// The decompressed `project.xml`.
    pub fn xml(&self) -> &[u8] {
        self.doc.xml()
    }

    pub fn document(&self) -> &DpDocument<'a> {
        &self.doc
    }

    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    /// Every audio and video file the tracks' clips play, with where each clip sits (for
    /// preflight): embedded ones are entries of this container ([`Archive::entry`]), external
    /// ones are relative to the `.dawproject` file.
    pub fn media(&self) -> &[scan::MediaRef] {
        &self.doc.media
    }
}

/// The document a DAWproject's output was written from and the edits of its project.xml
/// ([`DawProject::write_pieces_edited`]), from which its read-back derives the output's
/// document ([`scan::rescan`]).
pub struct Written<'b> {
    pub document: DpDocument<'b>,
    /// Sorted by their ranges, as spliced.
    pub edits: Vec<crate::edit::Edit>,
    /// The original's deflate blocks the new project.xml kept, if any: the read-back
    /// inflates only what is before them ([`container::content_kept`]).
    pub kept: Option<Kept<'b>>,
}

/// Where a rewritten project.xml keeps the original's deflate data from
/// ([`crate::deflate_splice`]).
#[derive(Clone, Copy, Debug)]
pub struct Kept<'b> {
    /// The kept block's start in the original's data and content.
    pub from: crate::deflate_splice::BlockStart,
    /// The original project.xml's deflate data.
    pub original: &'b [u8],
}

impl<'b> Written<'b> {
    /// What a read-back derives from: `document` and its `edits`, or `None` when its
    /// project.xml is longer than [`DERIVED_UP_TO`]: then `document` is freed here, before
    /// the output's project.xml is read, so the read-back never holds both (issue #14: a run
    /// holds less than three times its project).
    pub fn for_read_back(
        document: DpDocument<'b>,
        edits: Vec<crate::edit::Edit>,
        kept: Option<Kept<'b>>,
    ) -> Option<Self> {
        if document.xml().len() > DERIVED_UP_TO {
            drop(document);
            return None;
        }
        Some(Written {
            document,
            edits,
            kept,
        })
    }
}

/// What a read-back leaves to free (documents of tens of thousands of elements and
/// project.xml's megabytes, milliseconds to free): freed where the caller likes, on a thread
/// of its own.
#[derive(Default)]
pub struct Discarded<'b>(Vec<Leftover<'b>>);

impl<'b> Discarded<'b> {
    fn push(&mut self, l: Leftover<'b>) {
        self.0.push(l);
    }
}

// Held only to be freed.
#[allow(dead_code)]
enum Leftover<'b> {
    Xml(std::borrow::Cow<'b, [u8]>),
    Document(DpDocument<'b>),
    Detached(DpDocument<'static>, Option<Vec<u8>>),
}

/// What [`read_back_copy`] read.
pub struct ReadBackCopy<'b> {
    pub session: Session,
    /// True when the output's document was derived from the written one ([`scan::rescan`]),
    /// false when it was scanned whole.
    pub derived: bool,
    pub discarded: Discarded<'b>,
}

/// Reads back the DAWproject at `path` that [`DawProject::write_pieces`] wrote from
/// the container laid out as `input`, read from its file: its end record, central
/// directory and project.xml are read and checked, and the central directory must be
/// `input`'s with only project.xml's CRC and sizes and the offsets after it changed
/// ([`container::check_copied_layout`]). The other entries' local headers and data are
/// not read here: they lie in the ranges copied from the input, which the write's byte
/// check proves equal to the input's checked bytes ([`crate::write::copying`]).
///
/// project.xml is always read from the file (its deflate and CRC checked): inflated whole,
/// or, when the write kept the original's deflate blocks after its edits (`written`'s
/// `kept`), inflated up to them and those compared bit for bit with the original's, whose
/// content was inflated and checked when the input was read ([`container::content_kept`]).
/// With `written` (the document the output was written from and its edits), its document is
/// derived from that one where the edits allow, reading only the edited tags again
/// ([`scan::rescan`], as strong a check as scanning it whole), else scanned whole. The
/// documents read go to the result's `discarded`, to free.
///
/// Errors: an I/O error; a damaged container or project.xml, or a central directory
/// that is not `input`'s; a project.xml that is not `written`'s with its edits.
pub fn read_back_copy<'b>(
    path: &std::path::Path,
    input: &Archive,
    limits: &Limits,
    names: &NamePool,
    written: Option<Written<'b>>,
) -> Result<ReadBackCopy<'b>, crate::formats::WriteError> {
    let file = std::fs::File::open(path)?;
    let parts = container::read_layout_parts_of(&file, &[PROJECT_XML], false)?;
    let mut discarded = Discarded::default();
    let (project, derived) = DawProject::read_derived(
        &parts,
        limits,
        Check::Remembered,
        |_| Ok(()),
        false,
        names,
        written,
        &mut discarded,
        None,
    )?;
    container::check_copied_layout(input, &project.archive, PROJECT_XML)?;
    let DawProject { doc, session, .. } = project;
    let (doc, xml) = doc.detached();
    let xml = match xml {
        std::borrow::Cow::Owned(v) => Some(v),
        std::borrow::Cow::Borrowed(_) => None,
    };
    discarded.push(Leftover::Detached(doc, xml));
    discarded.push(Leftover::Xml(std::borrow::Cow::Owned(parts)));
    Ok(ReadBackCopy {
        session,
        derived,
        discarded,
    })
}

/// What [`DawProject::read_from_file`] reads: the layout parts of the file
/// ([`container::read_layout_parts_of`]) and the remembered check of its container, if any.
pub struct FileParts {
    /// As long as the file; what was not read is zero.
    pub bytes: Vec<u8>,
    /// The record of the container's check, remembered under the file's fingerprint: then
    /// only project.xml's local header was read ([`Check::Remembered`]).
    remembered: Option<String>,
    /// A stored project.xml of [`APART_FROM`] bytes or more, moved out of `bytes` (whose
    /// pages that held it are released): the document takes it and owns it, so it is freed
    /// with the document, not with the layout ([`DawProject::read_from_file`]).
    apart: std::sync::Mutex<Option<Vec<u8>>>,
}

/// A stored project.xml this long or longer is held apart from the file's layout parts
/// ([`FileParts::apart`]): for a huge project.xml (a 100 MB track name, `bench/memory.sh`),
/// the read-back must be able to free the input's before it reads the output's
/// ([`Written::for_read_back`]), or the run holds three times the project.
pub const APART_FROM: usize = 16 << 20;

/// A derived read-back ([`scan::rescan`]) holds the input's project.xml beside the output's;
/// above this many bytes the input's document is freed first and the output scanned whole,
/// which holds one ([`Written::for_read_back`]).
pub const DERIVED_UP_TO: usize = 64 << 20;

impl FileParts {
    /// Reads the parts of `file` (at `path`, `meta` taken when it was opened): every local
    /// header, unless `cache` remembers a check of this container under the file's
    /// fingerprint (then the check's digests prove the copies, and only project.xml's local
    /// header is read: on an archive of thousands of small media, a system call and a page
    /// of memory less per entry).
    ///
    /// Errors: an I/O error reading the file.
    pub fn read(
        file: &std::fs::File,
        path: &std::path::Path,
        meta: &std::fs::Metadata,
        cache: Option<&crate::analysis::cache::Cache>,
    ) -> std::io::Result<FileParts> {
        let remembered = cache
            .and_then(|c| c.container(path, meta))
            .filter(|r| r.split(' ').next() == Some(CHECKED_RECORD));
        let mut bytes =
            container::read_layout_parts_of(file, &[PROJECT_XML], remembered.is_none())?;
        let apart = std::sync::Mutex::new(stored_apart(&mut bytes));
        Ok(FileParts {
            bytes,
            remembered,
            apart,
        })
    }

    /// The stored project.xml held apart, once ([`FileParts::apart`]).
    fn take_apart(&self) -> Option<Vec<u8>> {
        self.apart.lock().ok()?.take()
    }

    /// True when the container's check was remembered (only project.xml's local header
    /// was read).
    pub fn remembered(&self) -> bool {
        self.remembered.is_some()
    }
}

/// A stored project.xml of [`APART_FROM`] bytes or more, as read into the layout parts
/// `bytes`, moved out of them (their pages released: they read as zeros, as parts not read).
/// `None` otherwise, or when the layout cannot be read (the read that follows says why).
fn stored_apart(bytes: &mut [u8]) -> Option<Vec<u8>> {
    let archive = container::layout_of(bytes, &[PROJECT_XML]).ok()?;
    let entry = archive.entry(PROJECT_XML)?;
    if entry.method != container::STORED || entry.data.len() < APART_FROM {
        return None;
    }
    let data = bytes.get_mut(entry.data.clone())?;
    let apart = data.to_vec();
    crate::big_buffer::release(data);
    Some(apart)
}

/// One line: the record's version, then each copied range and its digest.
fn checked_record(digests: &CopiedDigests) -> String {
    let mut line = CHECKED_RECORD.to_string();
    for (r, d) in digests {
        line.push_str(&format!(" {}-{}:{d:032x}", r.start, r.end));
    }
    line
}

/// The digests a record of [`checked_record`] holds, when it is of this version and holds
/// exactly `ranges`.
fn parse_checked(record: &str, ranges: &[std::ops::Range<u64>]) -> Option<CopiedDigests> {
    let mut words = record.split(' ');
    if words.next()? != CHECKED_RECORD {
        return None;
    }
    let digests: CopiedDigests = words
        .map(|w| {
            let (range, digest) = w.split_once(':')?;
            let (a, b) = range.split_once('-')?;
            Some((
                a.parse().ok()?..b.parse().ok()?,
                u128::from_str_radix(digest, 16).ok()?,
            ))
        })
        .collect::<Option<_>>()?;
    let same =
        digests.len() == ranges.len() && digests.iter().zip(ranges).all(|((r, _), s)| r == s);
    same.then_some(digests)
}

/// A problem in `project.xml`, saying so (lines are lines of that entry, not of the file).
fn in_project_xml(e: &FormatError) -> FormatError {
    FormatError::whole(format!("project.xml: {e}"))
}

/// The session of a scanned document (`xml` its `project.xml`), its tracks' names made by
/// `names`. Public for the measuring example (`examples/dp_scan.rs`), not an interface.
#[doc(hidden)]
pub fn session_of(doc: &DpDocument, xml: &[u8], names: &NamePool) -> Session {
    let tempo = media::tempo(xml);
    let mut files: Vec<Vec<String>> = doc
        .tracks
        .iter()
        .map(|t| Vec::with_capacity(t.clips))
        .collect();
    for m in &doc.media {
        let name = m.path.rsplit(['/', '\\']).next().unwrap_or(&m.path);
        files[m.track].push(name.to_string());
    }
    let (mut items, caveats) = media::items(doc, tempo, doc.tracks.len());
    let fed = doc.fed_channels();
    let master = doc.master_channel_id();
    let automated = mixer::automated(xml);
    let tracks = doc
        .tracks
        .iter()
        .zip(files)
        .enumerate()
        .map(|(index, (t, files))| Track {
            index,
            name: names.share(&t.name),
            kind: t.kind,
            color: t.color,
            parent: t.parent,
            muted: t.muted,
            media_files: files.into(),
            media_count: t.clips,
            muted_media_count: t.disabled_clips,
            plugins: t.plugins.as_slice().into(),
            items: std::mem::take(&mut items[index]).into(),
            silent: None,
            default_name: None,
            feeds_parent: doc.feeds_parent(index, master),
            fed_by_tracks: doc.tracks[index]
                .channel
                .and_then(|c| doc.element(c).get_bytes("id"))
                .is_some_and(|id| fed.contains(id)),
            mixer: crate::session::Mixer {
                fader: mixer::fader(doc, &automated, index),
                pan: mixer::pan(doc, &automated, index),
                // The format routes channels to channels only: no hardware outputs.
                direct_out: false,
            },
            levels: None,
        })
        .collect();
    let media = crate::media::ProjectMedia {
        caveats,
        ..Default::default()
    };
    Session {
        format: Format::Dawproject,
        tracks,
        media: media.into(),
        name_display: crate::session::NameDisplay::AsNamed,
    }
}

fn note(change: &Change, message: &str) -> Note {
    Note {
        track: Some(change.track),
        message: message.into(),
        origin: Some(change.origin.clone()),
    }
}

impl DawProject<'_> {
    /// The external `File@path` values the plan's media rewrites change.
    fn media_edits(&self, plan: &Plan) -> Vec<crate::edit::Edit> {
        let Some(m) = plan.media.as_ref().filter(|m| m.rewrites()) else {
            return Vec::new();
        };
        let targets = m.targets();
        self.doc
            .external_files
            .iter()
            .filter_map(|(path, span)| {
                let file = crate::media::SourceFile::new(path.clone());
                let target = targets.get(&(&file, crate::media::relocate::FileKind::Audio))?;
                let text = media::spelling(m, target)?;
                Some(crate::edit::Edit::replace(
                    span.clone(),
                    crate::formats::ardour::xml::escape(&text),
                ))
            })
            .collect()
    }

    /// Declines, with a note, the external paths that cannot be written (not UTF-8).
    fn vet_media(&self, plan: &mut Plan) {
        let Some(m) = plan.media.as_mut() else {
            return;
        };
        let declined: Vec<_> = m
            .rewritten()
            .filter(|f| {
                f.target
                    .as_deref()
                    .is_none_or(|t| media::spelling(m, t).is_none())
            })
            .map(|f| (f.file.clone(), f.kind))
            .collect();
        for (file, kind) in declined {
            m.decline(&file, kind);
            plan.notes.push(Note {
                track: None,
                message: format!(
                    "media {:?} not rewritten: its path is not UTF-8, which project.xml cannot hold",
                    file.path
                ),
                origin: None,
            });
        }
    }
}

impl Project for DawProject<'_> {
    fn session(&self) -> &Session {
        &self.session
    }

    fn into_session(self: Box<Self>) -> Session {
        self.session
    }

    fn source(&self) -> &[u8] {
        self.src
    }

    fn vet(&self, plan: &mut Plan) {
        let tracks = &self.session.tracks;
        let dp = &self.doc.tracks;
        let mut notes = Vec::new();
        let mut has_members = vec![false; tracks.len()];
        for t in tracks {
            if let Some(p) = t.parent {
                has_members[p] = true;
            }
        }
        // Channels other channels' outputs feed, found once (a removal per track must not
        // scan the document per track).
        let outputs: std::collections::HashSet<&str> = self
            .doc
            .elements()
            .filter(|el| &*el.name == "Channel" && el.get("destination") != el.get("id"))
            .filter_map(|el| el.get("destination"))
            .collect();
        plan.changes.retain(|c| {
            let t = &dp[c.track];
            match &c.action {
                Action::Recolor { to } => tracks[c.track].color != Some(*to),
                Action::Mute if t.channel.is_none() => {
                    notes.push(note(c, "not muted: the track has no mixer channel"));
                    false
                }
                Action::MoveToBus { .. } if t.bare_channel => {
                    notes.push(note(
                        c,
                        "not grouped: a mixer channel without a track cannot join a group",
                    ));
                    false
                }
                Action::MoveToBus { .. } if t.kind == TrackKind::Return => {
                    notes.push(note(
                        c,
                        "not grouped: effect (return) tracks stay outside groups",
                    ));
                    false
                }
                Action::MoveToBus {
                    bus: BusRef::Existing(b),
                } if dp[*b].bare_channel => {
                    notes.push(note(
                        c,
                        "not grouped: the bus is a mixer channel without a track, which cannot \
                         hold tracks",
                    ));
                    false
                }
                Action::Remove if has_members[c.track] => {
                    notes.push(note(c, "not removed: the group still holds tracks"));
                    false
                }
                Action::Remove
                    if self
                        .doc
                        .channel_id(c.track)
                        .is_some_and(|id| outputs.contains(id)) =>
                {
                    notes.push(note(c, "not removed: other channels' outputs feed it"));
                    false
                }
                Action::ClipGain { .. } => {
                    notes.push(note(
                        c,
                        "no clip gain: DAWproject keeps no gain on its clips",
                    ));
                    false
                }
                Action::RouteDirect => {
                    notes.push(note(
                        c,
                        "not routed to the hardware outputs: a DAWproject channel outputs to \
                         another channel only",
                    ));
                    false
                }
                Action::Fader { db, .. }
                    if mixer::fader_max(&self.doc, c.track).is_some_and(|max| {
                        crate::session::db_to_gain(*db) > max * (1.0 + 1e-6)
                    }) =>
                {
                    notes.push(note(
                        c,
                        &format!("fader not set to {db:+.1} dB: past the channel's Volume range"),
                    ));
                    false
                }
                _ => true,
            }
        });
        plan.drop_unused_new_buses();
        plan.notes.extend(notes);
        self.vet_media(plan);
    }

    fn media_files(&self, project: &std::path::Path) -> Vec<crate::media::relocate::MediaFile> {
        media::media_files(&self.doc.external_files, project, &self.session.media)
    }

    fn write_to(&self, plan: &Plan, out: &mut dyn std::io::Write) -> Result<(), WriteError> {
        if !self.whole {
            return Err(FormatError::whole(
                "internal error: a DAWproject read from its file is written by copying from it",
            )
            .into());
        }
        let mut out = crate::write::copying::InMemory {
            input: self.src,
            out,
        };
        self.write_pieces(plan, &mut out, None)
    }
}

impl<'a> DawProject<'a> {
    /// Writes the project after `plan` as pieces: the container's other entries copied as
    /// they are, project.xml edited (or, when the plan edits nothing, every byte as it was).
    ///
    /// Errors: the plan cannot be spelled in project.xml (an internal error), or `out`
    /// fails.
    pub fn write_pieces(
        &self,
        plan: &Plan,
        out: &mut dyn crate::write::copying::Pieces,
        reservation: Option<reserve::Reservation<'_>>,
    ) -> Result<(), WriteError> {
        self.write_pieces_edited(plan, out, reservation).map(drop)
    }

    /// [`DawProject::write_pieces`], returning the edits made to project.xml, sorted by
    /// their ranges as spliced (none when the plan edits nothing), and the original's deflate
    /// blocks kept after them, if any: what the read-back derives the output's document from
    /// ([`read_back_copy`], [`Written`]).
    pub fn write_pieces_edited(
        &self,
        plan: &Plan,
        out: &mut dyn crate::write::copying::Pieces,
        reservation: Option<reserve::Reservation<'_>>,
    ) -> Result<(Vec<crate::edit::Edit>, Option<Kept<'a>>), WriteError> {
        // Without a reservation, nothing to tell; with one, whether it is taken, before
        // any byte is written.
        let reserved_len = reservation.as_ref().map(|r| r.len);
        let mut reservation = reservation;
        let mut tell = |taken: bool| -> Option<u64> {
            let r = reservation.take()?;
            (r.taken)(taken);
            taken.then_some(r.len)
        };
        let index = self
            .archive
            .entries
            .iter()
            .position(|e| e.name == PROJECT_XML)
            .ok_or_else(|| FormatError::whole("internal error: project.xml went missing"))?;
        if !plan.edits_file() {
            tell(false);
            // A stored project.xml's data is the document's text (read apart from `src`
            // when long: `FileParts`); a deflated one's lies in `src`.
            let entry = &self.archive.entries[index];
            let data = if entry.method == container::STORED {
                self.xml()
            } else {
                &self.src[entry.data.clone()]
            };
            container::write_unchanged(self.src, &self.archive, index, data, out)?;
            return Ok((Vec::new(), None));
        }
        let mut edits = edits::write(self, plan)?;
        // External paths rewritten, except inside what the plan deletes (a removed track's
        // lanes).
        let inside = |e: &crate::edit::Edit| {
            edits
                .iter()
                .any(|d| d.range.start <= e.range.start && e.range.end <= d.range.end)
        };
        let media: Vec<_> = self
            .media_edits(plan)
            .into_iter()
            .filter(|e| !inside(e))
            .collect();
        edits.extend(media);
        let method = self.archive.entries[index].method;
        let conflict = |c: crate::edit::EditConflict| {
            WriteError::from(FormatError::whole(format!("internal error: {c}")))
        };
        if method == container::STORED {
            // Stored: the CRC and size from a first splice, then the bytes from a second,
            // straight into `out`; the new project.xml is never held.
            let mut edits = edits;
            let mut crc = crc32fast::Hasher::new();
            let mut size = 0u64;
            crate::edit::splice_in_place(self.xml(), &mut edits, |piece| {
                crc.update(piece);
                size += piece.len() as u64;
            })
            .map_err(conflict)?;
            let edits = std::cell::RefCell::new(edits);
            let feed = |w: &mut dyn std::io::Write| {
                let mut failed = Ok(());
                crate::edit::splice_in_place(self.xml(), &mut edits.borrow_mut(), |piece| {
                    if failed.is_ok() {
                        failed = w.write_all(piece);
                    }
                })
                .map_err(|c| std::io::Error::other(c.to_string()))?;
                failed
            };
            let new = container::Replacement::Stored {
                crc: crc.finalize(),
                size,
                feed: &feed,
            };
            tell(false);
            container::write_pieces(self.src, &self.archive, index, new, None, out)?;
            return Ok((edits.into_inner(), None));
        }
        // The original's deflate blocks after the last edit are kept as they are; only the
        // project.xml before them is deflated again.
        let xml = self.xml();
        let edited_to = edits.iter().map(|e| e.range.end).max().unwrap_or(0) as u64;
        let kept = crate::deflate_splice::kept_from(&self.blocks, edited_to, xml.len() as u64);
        let (start, kept) = match kept {
            Some(from) => {
                let original = &self.src[self.archive.entries[index].data.clone()];
                (&xml[..from.at as usize], Some((original, from)))
            }
            None => (xml, None),
        };
        let new =
            container::compress_keeping(method, start.len(), kept, &xml[start.len()..], |w| {
                let mut failed = Ok(());
                crate::edit::splice_in_place(start, &mut edits, |piece| {
                    if failed.is_ok() {
                        failed = w.write_all(piece);
                    }
                })
                .map_err(|c| std::io::Error::other(c.to_string()))?;
                failed
            })
            .map_err(|e| FormatError::whole(format!("internal error: {e}")))?;
        let fits = reserved_len.is_some_and(|len| {
            len.checked_sub(new.data.len() as u64)
                .is_some_and(|pad| reserve::padding(pad).is_some())
        });
        let reserved = tell(fits);
        let new = container::Replacement::Held(&new);
        container::write_pieces(self.src, &self.archive, index, new, reserved, out)?;
        let kept = kept.map(|(original, from)| Kept { from, original });
        Ok((edits, kept))
    }
}
