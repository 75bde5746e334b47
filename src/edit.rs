//! Byte-range edits against the original file, and splicing them in.
//!
//! Backends never re-serialise a document: they describe each change as "replace these bytes
//! of the input with these", and [`splice`] copies every byte nobody edited verbatim. A plan
//! with no edits therefore yields the input unchanged, byte for byte.

use std::io::{self, Write};
use std::ops::Range;

/// Replace `range` of the original bytes with `content` (an insertion when the range is empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: Vec<u8>,
}

impl Edit {
    pub fn replace(range: Range<usize>, content: impl Into<Vec<u8>>) -> Self {
        Edit {
            range,
            content: content.into(),
        }
    }

    pub fn insert(at: usize, content: impl Into<Vec<u8>>) -> Self {
        Edit::replace(at..at, content)
    }

    pub fn delete(range: Range<usize>) -> Self {
        Edit::replace(range, Vec::new())
    }
}

/// Edits overlapped or fell outside the input: a backend bug, never a user error.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("overlapping or out-of-range edits at bytes {0:?}")]
pub struct EditConflict(pub Range<usize>);

/// Applies `edits` to `original`. Edits may come in any order; insertions at the same offset
/// keep the order they were given in. Overlapping edits are refused.
pub fn splice(original: &[u8], edits: Vec<Edit>) -> Result<Vec<u8>, EditConflict> {
    let grow: usize = edits.iter().map(|e| e.content.len()).sum();
    let mut out = Vec::with_capacity(original.len() + grow);
    splice_with(original, edits, |piece| out.extend_from_slice(piece))?;
    Ok(out)
}

/// [`splice`] without building the result: hands the output to `emit` piece by piece (runs of
/// the original and edit contents, in order), so it can be streamed into a compressor or a
/// file. The edits are checked before the first piece is emitted.
pub fn splice_with(
    original: &[u8],
    mut edits: Vec<Edit>,
    emit: impl FnMut(&[u8]),
) -> Result<(), EditConflict> {
    splice_in_place(original, &mut edits, emit)
}

/// [`splice_with`] over edits it borrows (and sorts in place), so that the same output can be
/// emitted more than once without copying the edits (a stored entry's CRC, then its bytes).
pub fn splice_in_place(
    original: &[u8],
    edits: &mut [Edit],
    mut emit: impl FnMut(&[u8]),
) -> Result<(), EditConflict> {
    // Stable sort: same-offset insertions keep their given order.
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut cursor = 0;
    for edit in edits.iter() {
        if edit.range.start < cursor
            || edit.range.end < edit.range.start
            || edit.range.end > original.len()
        {
            return Err(EditConflict(edit.range.clone()));
        }
        cursor = edit.range.end;
    }
    let mut cursor = 0;
    for edit in edits.iter() {
        emit(&original[cursor..edit.range.start]);
        emit(&edit.content);
        cursor = edit.range.end;
    }
    emit(&original[cursor..]);
    Ok(())
}

/// Why [`splice_into`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum SpliceError {
    #[error(transparent)]
    Conflict(#[from] EditConflict),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// [`splice_with`] into a writer. Nothing is written when the edits conflict; a failed write
/// stops the splice (the writer then holds a prefix of the output).
pub fn splice_into<W: Write + ?Sized>(
    original: &[u8],
    edits: Vec<Edit>,
    out: &mut W,
) -> Result<(), SpliceError> {
    let mut failed = None;
    splice_with(original, edits, |piece| {
        if failed.is_none()
            && let Err(e) = out.write_all(piece)
        {
            failed = Some(e);
        }
    })?;
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_edits_returns_the_original_bytes() {
        let input = b"a\r\nb\n\xff";
        assert_eq!(splice(input, vec![]).unwrap(), input);
    }

    #[test]
    fn edits_apply_in_offset_order_whatever_their_given_order() {
        let out = splice(
            b"hello world",
            vec![
                Edit::replace(6..11, "there"),
                Edit::insert(0, ">"),
                Edit::insert(0, ">"),
                Edit::delete(5..6),
            ],
        )
        .unwrap();
        assert_eq!(out, b">>hellothere");
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let err = splice(b"abcdef", vec![Edit::delete(0..3), Edit::delete(2..4)]).unwrap_err();
        assert_eq!(err, EditConflict(2..4));
        assert!(splice(b"abc", vec![Edit::delete(2..9)]).is_err());
    }
}
