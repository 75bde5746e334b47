//! Format backends: each knows one file format, reads a [`Session`] out of the original
//! bytes and spells a [`Plan`] as edits against those same bytes.
//!
//! Adding a format means one new module here and one arm in [`Format`] dispatch below; the
//! rules engine, reports and CLI stay as they are.

pub mod als;
pub mod rpp;

use crate::plan::Plan;
use crate::session::{Format, Session};
use std::fmt;
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

/// A project read from its original bytes.
pub trait Project: Send + Sync {
    fn session(&self) -> &Session;

    /// Drops from `plan` what this format cannot carry out, adding a [`crate::plan::Note`] for
    /// each, so that `check` reports exactly what `apply` will write.
    fn vet(&self, plan: &mut Plan);

    /// The project's bytes after `plan`. A plan with nothing to write returns the original
    /// bytes unchanged.
    fn write(&self, plan: &Plan) -> Result<Vec<u8>, FormatError>;
}

/// The format of a file, judged by its name (extension) alone.
pub fn format_for_path(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "rpp" => Some(Format::Rpp),
        "als" => Some(Format::Als),
        _ => None,
    }
}

/// Reads a project of a known format.
pub fn open<'a>(format: Format, bytes: &'a [u8]) -> Result<Box<dyn Project + 'a>, FormatError> {
    match format {
        Format::Rpp => Ok(Box::new(rpp::RppProject::read(bytes)?)),
        Format::Als => Ok(Box::new(als::AlsProject::read(bytes)?)),
    }
}
