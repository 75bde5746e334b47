//! Format backends: each knows one file format, reads a [`Session`] out of the original
//! bytes and spells a [`Plan`] as edits against those same bytes.
//!
//! Adding a format means one new module here and one arm in [`Format`] dispatch below; the
//! rules engine, reports and CLI stay as they are.

pub mod als;
pub mod ardour;
pub mod dawproject;
pub mod numbers;
pub mod rpp;
pub(crate) mod xml_tokens;

use crate::limits::Limits;
use crate::plan::Plan;
use crate::session::{Format, NamePool, Session};
use std::fmt;
use std::io::Write;
use std::path::Path;

/// Where in a file a problem sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// 1-based line, and 1-based column when known.
    Line(usize, Option<usize>),
    /// Byte offset, for binary containers.
    Byte(u64),
    Whole,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(line, Some(col)) => write!(f, "line {line}, column {col}"),
            Place::Line(line, None) => write!(f, "line {line}"),
            Place::Byte(offset) => write!(f, "byte {offset}"),
            Place::Whole => Ok(()),
        }
    }
}

/// A project premix cannot read, or a plan it cannot write.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct FormatError {
    pub place: Place,
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Place::Whole => f.write_str(&self.message),
            place => write!(f, "{place}: {}", self.message),
        }
    }
}

impl FormatError {
    pub fn at_line(line: usize, message: impl Into<String>) -> Self {
        FormatError {
            place: Place::Line(line, None),
            message: message.into(),
        }
    }

    pub fn at(line: usize, column: usize, message: impl Into<String>) -> Self {
        FormatError {
            place: Place::Line(line, Some(column)),
            message: message.into(),
        }
    }

    pub fn whole(message: impl Into<String>) -> Self {
        FormatError {
            place: Place::Whole,
            message: message.into(),
        }
    }
}

/// Why a project's new bytes could not be written out: the plan cannot be spelled in the file
/// (a [`FormatError`]), or the writer they stream into failed (a full disk, say).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl WriteError {
    /// For bytes written into memory, where a failed write can only be a bug.
    pub fn in_memory(self) -> FormatError {
        match self {
            WriteError::Format(e) => e,
            WriteError::Io(e) => FormatError::whole(format!("internal error: {e}")),
        }
    }
}

/// An empty buffer for the new bytes of a project read from `input_len` bytes, with room for
/// what edits add (capacity never written to is never made resident).
pub fn output_buffer(input_len: usize) -> Vec<u8> {
    Vec::with_capacity(input_len + input_len / 8 + 4096)
}

impl From<crate::edit::EditConflict> for WriteError {
    fn from(e: crate::edit::EditConflict) -> Self {
        WriteError::Format(FormatError::whole(format!("internal error: {e}")))
    }
}

impl From<crate::edit::SpliceError> for WriteError {
    fn from(e: crate::edit::SpliceError) -> Self {
        match e {
            crate::edit::SpliceError::Conflict(c) => c.into(),
            crate::edit::SpliceError::Io(io) => WriteError::Io(io),
        }
    }
}

/// A project read from its original bytes.
pub trait Project: Send + Sync {
    fn session(&self) -> &Session;

    /// The session, the rest of what was read dropped.
    fn into_session(self: Box<Self>) -> Session;

    /// The bytes the project was read from.
    fn source(&self) -> &[u8];

    /// Drops from `plan` what this format cannot carry out, adding a [`crate::plan::Note`] for
    /// each, so that `check` reports exactly what `apply` will write.
    fn vet(&self, plan: &mut Plan);

    /// Every file the project refers to by path, with where its DAW looks for each when the
    /// project is at `project` (where it is, or where it is to be written), most preferred
    /// first: what [`crate::media::relocate`] needs to write the project elsewhere. Files the
    /// project carries inside itself (a DAWproject's embedded files) are not listed.
    fn media_files(&self, project: &Path) -> Vec<crate::media::relocate::MediaFile>;

    /// True when the project reaches media written elsewhere through folders it searches
    /// (Ardour's `audio-search-path`), not by rewriting each file's reference: a "rewritten"
    /// file is then one reached through a folder added to the search path.
    fn reaches_media_through_search_path(&self) -> bool {
        false
    }

    /// Streams the project's bytes after `plan` into `out`, piece by piece, so that the new
    /// project need not be held whole (it can go straight into a file). A plan with nothing
    /// to write writes the original bytes unchanged.
    fn write_to(&self, plan: &Plan, out: &mut dyn Write) -> Result<(), WriteError>;

    /// Which colours the project's tracks can show (a palette, or none premix can read);
    /// any 24-bit colour unless the format says otherwise.
    fn colour_space(&self) -> crate::session::ColourSpace {
        crate::session::ColourSpace::Exact
    }

    /// The project's bytes after `plan`, in memory ([`Project::write_to`] into a `Vec`).
    fn write(&self, plan: &Plan) -> Result<Vec<u8>, FormatError> {
        let mut out = output_buffer(self.source().len());
        self.write_to(plan, &mut out)
            .map_err(WriteError::in_memory)?;
        Ok(out)
    }
}

/// The project file extensions premix reads, for messages.
pub const SUPPORTED_EXTENSIONS: &str = ".rpp, .als, .ardour, .template (Ardour), .dawproject";

/// True when the start of a file confirms the format its name suggested. Only names that
/// other programs use too need it: `.template` is an Ardour session template only when it
/// holds a `<Session` element.
pub fn content_confirms(path: &Path, head: &[u8]) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("template") => memchr::memmem::find(head, b"<Session").is_some(),
        _ => true,
    }
}

/// The format of a file, judged by its name (extension) alone.
pub fn format_for_path(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "rpp" => Some(Format::Rpp),
        "ardour" | "template" => Some(Format::Ardour),
        "als" => Some(Format::Als),
        "dawproject" => Some(Format::Dawproject),
        _ => None,
    }
}

/// The project as text, for a textual diff: the file itself for text formats (a compressed
/// format returns its decompressed text).
pub fn text_view(format: Format, bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    match format {
        Format::Rpp | Format::Ardour => std::borrow::Cow::Borrowed(bytes),
        Format::Als => match als::container::decode(bytes, &crate::limits::Limits::default()) {
            Ok((_, xml)) => std::borrow::Cow::Owned(xml),
            Err(_) => std::borrow::Cow::Borrowed(bytes),
        },
        Format::Dawproject => {
            let limits = crate::limits::Limits::default();
            match dawproject::DawProject::read_checked(
                bytes,
                &limits,
                dawproject::container::Check::Layout,
            ) {
                Ok(p) => std::borrow::Cow::Owned(p.xml().to_vec()),
                Err(_) => std::borrow::Cow::Borrowed(bytes),
            }
        }
    }
}

/// How many bytes reading the project at `path` scans, as far as is known without reading
/// it (0 when unreadable): the file size, for a gzipped Live set the XML size its gzip
/// trailer records, for a DAWproject the size of its project.xml as its central directory
/// records it (the rest of the container is checked and copied from the file, never held).
/// Batch runs start the most work first with it.
pub fn scanned_size_estimate(format: Format, path: &Path) -> u64 {
    let len = std::fs::metadata(path).map_or(0, |m| m.len());
    match format {
        Format::Als => als::container::xml_size_estimate(path, len),
        Format::Dawproject => std::fs::File::open(path)
            .ok()
            .and_then(|f| dawproject::container::find_member(&f, dawproject::PROJECT_XML).ok())
            .flatten()
            .map_or(len, |m| m.size),
        Format::Rpp | Format::Ardour => len,
    }
}

/// The session of the project in the file at `path`: a REAPER project read a block at a
/// time, never held whole; other formats read whole into `buffer` (memory the caller no
/// longer needs). The tracks' names are made by `names` ([`NamePool::reusing`] the names a
/// read-back expects, so that it holds no second copy of them).
pub fn read_session(
    format: Format,
    path: &Path,
    buffer: Vec<u8>,
    limits: &Limits,
    names: &NamePool,
) -> Result<Session, WriteError> {
    match format {
        Format::Rpp => {
            drop(buffer);
            rpp::RppProject::read_session(path, names)
        }
        Format::Ardour | Format::Als => {
            let buffer = read_into(buffer, path)?;
            Ok(open_named(format, &buffer, limits, names)?.into_session())
        }
        // Read back after a write: the container's layout and project.xml are checked; the
        // other entries are the input's bytes, copied, whose data was checked when it was read,
        // and are not read again.
        Format::Dawproject => {
            drop(buffer);
            let file = std::fs::File::open(path)?;
            let buffer =
                dawproject::container::read_layout_parts(&file, &[dawproject::PROJECT_XML])?;
            let check = dawproject::container::Check::Layout;
            Ok(Box::new(dawproject::DawProject::read_checked_named(
                &buffer, limits, check, names,
            )?)
            .into_session())
        }
    }
}

/// The whole file at `path`, read into `buffer`'s memory when it has room (a file of the
/// size the buffer held before, as a project's output mostly is), else into a buffer of the
/// file's size made after `buffer` is freed: never both at once, never grown by doubling.
fn read_into(mut buffer: Vec<u8>, path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let len = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
    buffer.clear();
    if buffer.capacity() < len {
        buffer = Vec::new();
        buffer
            .try_reserve_exact(len)
            .map_err(std::io::Error::other)?;
    }
    std::io::Read::read_to_end(&mut file, &mut buffer)?;
    Ok(buffer)
}

/// Reads a project of a known format, with the default [`Limits`].
pub fn open<'a>(format: Format, bytes: &'a [u8]) -> Result<Box<dyn Project + 'a>, FormatError> {
    open_with(format, bytes, &Limits::default())
}

/// Reads a project of a known format; a compressed project decompressing past `limits` is
/// refused.
pub fn open_with<'a>(
    format: Format,
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<Box<dyn Project + 'a>, FormatError> {
    open_named(format, bytes, limits, &NamePool::fresh())
}

/// [`open_with`], the tracks' names made by `names` (see [`NamePool`]).
pub fn open_named<'a>(
    format: Format,
    bytes: &'a [u8],
    limits: &Limits,
    names: &NamePool,
) -> Result<Box<dyn Project + 'a>, FormatError> {
    match format {
        Format::Rpp => Ok(Box::new(rpp::RppProject::read_named(bytes, names)?)),
        Format::Ardour => Ok(Box::new(ardour::ArdourProject::read_named(bytes, names)?)),
        Format::Als => Ok(Box::new(als::AlsProject::read_named(bytes, limits, names)?)),
        Format::Dawproject => Ok(Box::new(dawproject::DawProject::read_checked_named(
            bytes,
            limits,
            dawproject::container::Check::Everything,
            names,
        )?)),
    }
}

/// Completes `session` (read from `bytes`) with what its items play, for the formats that do
/// not read it with the tracks: a REAPER project's items are a pass of their own
/// ([`rpp::media::items`]), so that `check` and `apply` never pay for them.
pub fn read_media(format: Format, bytes: &[u8], session: &mut Session) {
    if format == Format::Rpp {
        let items = rpp::media::items(bytes);
        if items.len() == session.tracks.len() {
            for (t, i) in session.tracks.iter_mut().zip(items) {
                t.items = i.into();
            }
        }
    }
}

/// Where `format`'s DAW looks for a media file, in its order (each backend's `media`
/// module): the resolver [`crate::media::resolve`] takes.
pub fn media_candidates(format: Format) -> crate::media::Resolver {
    match format {
        Format::Rpp => rpp::media::candidates,
        Format::Als => als::media::candidates,
        Format::Ardour => ardour::media::candidates,
        Format::Dawproject => dawproject::media::candidates,
    }
}

/// A file a project holds inside itself, named by a path that runs through the project
/// file: `/x/song.dawproject/audio/kick.wav` names the entry `audio/kick.wav` of the
/// container `/x/song.dawproject` (how DAWproject's embedded media are located,
/// [`dawproject::media`]). Returns the project file and the entry's name, or `None` when no
/// folder of `path` is a project file that holds files (only DAWproject containers do).
pub fn embedded_file(path: &Path) -> Option<(std::path::PathBuf, String)> {
    for container in path.ancestors().skip(1) {
        if container.as_os_str().is_empty() {
            return None;
        }
        if container.is_file() {
            if format_for_path(container) != Some(Format::Dawproject) {
                return None;
            }
            let inner = path.strip_prefix(container).ok()?;
            let entry: Vec<&str> = inner
                .components()
                .map(|c| c.as_os_str().to_str())
                .collect::<Option<_>>()?;
            return Some((container.to_path_buf(), entry.join("/")));
        }
    }
    None
}

/// Where an embedded file ([`embedded_file`]) lies in its project file, and the open file.
///
/// Errors: `NotFound` when `path` names no file a project holds, or the project holds no
/// such entry; an I/O error, or a damaged container (`InvalidData`).
pub fn find_embedded(
    path: &Path,
) -> std::io::Result<(std::fs::File, dawproject::container::Member)> {
    let not_found = || std::io::Error::from(std::io::ErrorKind::NotFound);
    let (container, entry) = embedded_file(path).ok_or_else(not_found)?;
    let file = std::fs::File::open(container)?;
    let member = dawproject::container::find_member(&file, &entry)?.ok_or_else(not_found)?;
    Ok((file, member))
}

/// The content of an embedded file ([`embedded_file`]), streamed out of its project file
/// without extracting it; with its size once inflated, in bytes.
///
/// Errors: as [`find_embedded`].
pub fn open_embedded(path: &Path) -> std::io::Result<(dawproject::container::MemberReader, u64)> {
    let (file, member) = find_embedded(path)?;
    Ok((
        dawproject::container::MemberReader::new(file, &member),
        member.size,
    ))
}
