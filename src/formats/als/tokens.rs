//! The XML tokenizer of the Live scan ([`super::scan`]): splits a set's XML into start and
//! end tags, with `memchr` for `<` and `>`, and accepts and refuses exactly what quick-xml's
//! reader (`check_end_names`) did, with the same errors at the same offsets (one deliberate
//! exception: text that is not UTF-8 is placed at its bad byte, where quick-xml said line 1);
//! the rare comments, CDATA sections, DOCTYPEs and processing instructions are still read by
//! quick-xml. UTF-8 is checked in large blocks ahead of the reading instead of piece by piece.
//!
//! Its own module because it knows XML, not Live: the scan above it knows which elements
//! matter.

use quick_xml::Reader;
use quick_xml::errors::{IllFormedError, SyntaxError};
use std::ops::Range;

/// A start or end tag, the only markup the scan acts on.
pub(super) enum Token<'a> {
    /// `<name ...>`, or `<name .../>` when `empty`; `tag` runs from `<` to after `>`.
    Start {
        name: &'a [u8],
        tag: Range<usize>,
        empty: bool,
    },
    /// `</name>`, `name` as written (without trailing whitespace).
    End {
        name: &'a [u8],
        tag: Range<usize>,
    },
    Eof,
}

/// Malformed XML, with the offset quick-xml reports for it.
pub(super) struct XmlError {
    pub(super) at: usize,
    pub(super) error: quick_xml::Error,
}

impl XmlError {
    fn new(at: usize, error: impl Into<quick_xml::Error>) -> Self {
        XmlError {
            at,
            error: error.into(),
        }
    }

    pub(super) fn unmatched_end(name: &[u8], at: usize) -> Self {
        let name = String::from_utf8_lossy(name).into_owned();
        XmlError::new(at, IllFormedError::UnmatchedEndTag(name))
    }

    pub(super) fn mismatched_end(expected: &[u8], found: &[u8], at: usize) -> Self {
        let error = IllFormedError::MismatchedEndTag {
            expected: String::from_utf8_lossy(expected).into_owned(),
            found: String::from_utf8_lossy(found).into_owned(),
        };
        XmlError::new(at, error)
    }
}

/// XML whitespace, as quick-xml reads it (names end at it).
fn is_xml_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\n' | b'\t')
}

/// Bytes at which the fast path of reading a start tag's name stops: XML whitespace (which
/// ends it), and `/`, `>` and quotes (which the careful path handles).
static ENDS_NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = matches!(
            i as u8,
            b' ' | b'\r' | b'\n' | b'\t' | b'/' | b'>' | b'"' | b'\''
        );
        i += 1;
    }
    table
};

/// No `'`, and an even number of `"` (both are vectorised folds over bytes).
fn double_quotes_only_and_paired(bytes: &[u8]) -> bool {
    let singles = bytes.iter().fold(0u8, |n, &b| n | u8::from(b == b'\''));
    let doubles = bytes.iter().fold(0u8, |n, &b| n ^ u8::from(b == b'"'));
    singles == 0 && doubles == 0
}

/// The offset of the `>` that closes a tag, searching from `from`, a point outside quotes:
/// the first `>` outside single or double quotes (quick-xml's rule).
fn closing_bracket(xml: &[u8], from: usize) -> Result<usize, SyntaxError> {
    let rest = &xml[from..];
    // Sets quote with `"` only: then the first `>` is outside quotes when the `"` before it
    // pair up, which two quick passes over a short tag tell.
    if let Some(i) = memchr::memchr(b'>', rest)
        && double_quotes_only_and_paired(&rest[..i])
    {
        return Ok(from + i);
    }
    let mut quote = None;
    for i in memchr::memchr3_iter(b'>', b'\'', b'"', rest) {
        match (quote, rest[i]) {
            (None, b'>') => return Ok(from + i),
            (None, q) => quote = Some(q),
            (Some(q), b) if q == b => quote = None,
            (Some(_), _) => {}
        }
    }
    Err(match quote {
        None => SyntaxError::UnclosedTag,
        Some(b'\'') => SyntaxError::UnclosedSingleQuotedAttributeValue,
        Some(_) => SyntaxError::UnclosedDoubleQuotedAttributeValue,
    })
}

/// How far a set is known to be UTF-8. quick-xml checks each piece of text or markup as it
/// reads it, which cost more than the rest of its reading; here the set is checked ahead of
/// the reading in blocks (fast on ASCII, and still in cache when read). Pieces end at ASCII
/// bytes, so a piece is invalid exactly when it reaches past the first invalid byte.
#[derive(Default)]
pub(super) struct Utf8Prefix {
    /// Bytes before this offset are UTF-8...
    valid: usize,
    /// ...and, once set, the byte at it is not.
    invalid: bool,
}

impl Utf8Prefix {
    pub(super) const BLOCK: usize = 64 * 1024;

    /// Whether `xml[..end]` is UTF-8.
    #[inline]
    fn covers(&mut self, xml: &[u8], end: usize) -> bool {
        end <= self.valid || self.check_ahead(xml, end)
    }

    /// Checks the blocks up to `end`: out of line, so that the check made for every piece
    /// stays one comparison.
    #[inline(never)]
    fn check_ahead(&mut self, xml: &[u8], end: usize) -> bool {
        while self.valid < end && !self.invalid {
            let block_end = (self.valid + Self::BLOCK).max(end).min(xml.len());
            let block = &xml[self.valid..block_end];
            // Sets are mostly ASCII, which is checked several times faster than UTF-8.
            if block.is_ascii() {
                self.valid = block_end;
                continue;
            }
            match std::str::from_utf8(block) {
                Ok(_) => self.valid = block_end,
                Err(e) => {
                    // A character cut by the block's end is checked whole with the next block.
                    self.invalid = e.error_len().is_some() || block_end == xml.len();
                    self.valid += e.valid_up_to();
                }
            }
        }
        end <= self.valid
    }
}

/// Splits a set into tags, with the same acceptance as quick-xml's reader (which premix used
/// until it took a third of an apply): the same syntax errors at the same offsets, the same
/// tolerance. Text is only searched for `<` and `&`; comments, CDATA, DOCTYPE and processing
/// instructions, rare in sets, are handed to quick-xml itself.
pub(super) struct Tokens<'a> {
    xml: &'a [u8],
    pos: usize,
    utf8: Utf8Prefix,
}

impl<'a> Tokens<'a> {
    pub(super) fn new(xml: &'a [u8]) -> Self {
        // A UTF-8 byte order mark is skipped, as quick-xml did; but offsets count it (quick-xml's
        // did not, which put every span of such a set three bytes early).
        const BOM: &[u8] = b"\xef\xbb\xbf";
        Tokens {
            xml,
            pos: if xml.starts_with(BOM) { BOM.len() } else { 0 },
            utf8: Utf8Prefix::default(),
        }
    }

    pub(super) fn next(&mut self) -> Result<Token<'a>, XmlError> {
        loop {
            let rest = &self.xml[self.pos..];
            let Some(i) = memchr::memchr2(b'<', b'&', rest) else {
                self.text(self.pos..self.xml.len())?;
                self.pos = self.xml.len();
                return Ok(Token::Eof);
            };
            let at = self.pos + i;
            self.text(self.pos..at)?;
            self.pos = at;
            if self.xml[at] == b'&' {
                self.reference(at)?;
            } else if let Some(token) = self.markup(at)? {
                return Ok(token);
            }
        }
    }

    /// Refuses a piece that is not UTF-8, with quick-xml's error, at `report_at` (a tag's
    /// offset, as quick-xml reports it) or, when `None`, at the first byte that is not UTF-8.
    /// (quick-xml left text and references at the offset of its last error, 0: line 1, which
    /// told the user nothing.)
    fn utf8(&mut self, piece: Range<usize>, report_at: Option<usize>) -> Result<(), XmlError> {
        if self.utf8.covers(self.xml, piece.end) {
            return Ok(());
        }
        match std::str::from_utf8(&self.xml[piece.clone()]) {
            Ok(_) => Ok(()),
            Err(e) => {
                let at = report_at.unwrap_or(piece.start + e.valid_up_to());
                Err(XmlError::new(at, e))
            }
        }
    }

    fn text(&mut self, piece: Range<usize>) -> Result<(), XmlError> {
        self.utf8(piece, None)
    }

    /// `&...;` in text: quick-xml requires the `;` before the next `&` or `<` (it does not
    /// look at the name).
    fn reference(&mut self, at: usize) -> Result<(), XmlError> {
        let after = &self.xml[at + 1..];
        match memchr::memchr3(b';', b'&', b'<', after) {
            Some(i) if after[i] == b';' => {
                let end = at + i + 2;
                self.utf8(at..end, None)?;
                self.pos = end;
                Ok(())
            }
            found => {
                let end = found.map_or(self.xml.len(), |i| at + 1 + i);
                self.utf8(at..end, None)?;
                Err(XmlError::new(at, IllFormedError::UnclosedReference))
            }
        }
    }

    /// Markup at `at` (a `<`): a tag, or `None` for markup the scan skips.
    fn markup(&mut self, at: usize) -> Result<Option<Token<'a>>, XmlError> {
        match self.xml.get(at + 1) {
            None => Err(XmlError::new(at, SyntaxError::UnclosedTag)),
            Some(b'!' | b'?') => self.declaration(at).map(|()| None),
            Some(b'/') => self.end_tag(at).map(Some),
            Some(_) => self.start_tag(at).map(Some),
        }
    }

    /// `<name ...>` or `<name .../>` at `at`. Its name is what precedes the first whitespace.
    fn start_tag(&mut self, at: usize) -> Result<Token<'a>, XmlError> {
        let xml = self.xml;
        let name_start = at + 1;
        // Most names end at whitespace, `/>` or `>`: found in one short loop.
        let stop = xml[name_start..]
            .iter()
            .position(|&b| ENDS_NAME[b as usize])
            .map_or(xml.len(), |i| name_start + i);
        let tag = self.tag(at, stop)?;
        let empty = xml[tag.end - 2] == b'/' && tag.end - 2 > at;
        let content_end = tag.end - 1 - usize::from(empty);
        let name_end = if stop >= content_end {
            content_end
        } else {
            xml[stop..content_end]
                .iter()
                .position(|&b| is_xml_whitespace(b))
                .map_or(content_end, |i| stop + i)
        };
        Ok(Token::Start {
            name: &xml[name_start..name_end],
            tag,
            empty,
        })
    }

    /// `</name>` at `at`.
    fn end_tag(&mut self, at: usize) -> Result<Token<'a>, XmlError> {
        let tag = self.tag(at, at + 2)?;
        let content = &self.xml[at + 2..tag.end - 1];
        let len = content
            .iter()
            .rposition(|&b| !is_xml_whitespace(b))
            .map_or(0, |p| p + 1);
        Ok(Token::End {
            name: &content[..len],
            tag,
        })
    }

    /// The tag at `at`, up to the first `>` outside quotes; `from` is a later offset with no
    /// quote between it and `at`.
    fn tag(&mut self, at: usize, from: usize) -> Result<Range<usize>, XmlError> {
        let end = closing_bracket(self.xml, from).map_err(|e| XmlError::new(at, e))?;
        let tag = at..end + 1;
        self.utf8(tag.clone(), Some(at))?;
        self.pos = tag.end;
        Ok(tag)
    }

    /// A comment, CDATA section, DOCTYPE, XML declaration or processing instruction at `at`:
    /// read by quick-xml, whose rules for them (DOCTYPE's internal subset, `?>`, `]]>`) the
    /// scan keeps without restating them.
    fn declaration(&mut self, at: usize) -> Result<(), XmlError> {
        let mut reader = Reader::from_reader(&self.xml[at..]);
        reader.config_mut().check_end_names = true;
        match reader.read_event() {
            Ok(_) => {
                self.pos = at + reader.buffer_position() as usize;
                Ok(())
            }
            Err(error) => Err(XmlError {
                at: at + reader.error_position() as usize,
                error,
            }),
        }
    }
}
