//! An XML tokenizer for the scans of the XML formats that read large documents (Live's set,
//! [`crate::formats::als::scan`]; DAWproject's `project.xml`,
//! [`crate::formats::dawproject::scan`]): splits a document into start and end tags, with
//! `memchr` for `<` and `>`, and accepts and refuses exactly what quick-xml's reader
//! (`check_end_names`) did, with the same errors at the same offsets (one deliberate
//! exception: text that is not UTF-8 is placed at its bad byte, where quick-xml said line 1);
//! the rare comments, CDATA sections, DOCTYPEs and processing instructions are still read by
//! quick-xml. UTF-8 is checked in large blocks ahead of the reading instead of piece by piece.
//! A start tag's attributes are read on its bytes ([`plain_attributes`]), with quick-xml's
//! attribute reader ([`quick_xml_attributes`]) for the rare tags written otherwise, so they
//! too are accepted and refused as quick-xml did.
//!
//! Its own module because it knows XML, not Live or DAWproject: the scans above it know which
//! elements matter.

use quick_xml::Reader;
use quick_xml::errors::{IllFormedError, SyntaxError};
use std::ops::Range;

/// A start or end tag, the only markup the scan acts on.
pub(crate) enum Token<'a> {
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
pub(crate) struct XmlError {
    pub(crate) at: usize,
    pub(crate) error: quick_xml::Error,
}

impl XmlError {
    fn new(at: usize, error: impl Into<quick_xml::Error>) -> Self {
        XmlError {
            at,
            error: error.into(),
        }
    }

    pub(crate) fn unmatched_end(name: &[u8], at: usize) -> Self {
        let name = String::from_utf8_lossy(name).into_owned();
        XmlError::new(at, IllFormedError::UnmatchedEndTag(name))
    }

    pub(crate) fn mismatched_end(expected: &[u8], found: &[u8], at: usize) -> Self {
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
    // Live sets and DAWprojects quote with `"` only: then the first `>` is outside quotes
    // when the `"` before it pair up, which two quick passes over a short tag tell.
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

/// How far a document is known to be UTF-8. quick-xml checks each piece of text or markup as it
/// reads it, which cost more than the rest of its reading; here the document is checked ahead of
/// the reading in blocks (fast on ASCII, and still in cache when read). Pieces end at ASCII
/// bytes, so a piece is invalid exactly when it reaches past the first invalid byte.
#[derive(Default)]
pub(crate) struct Utf8Prefix {
    /// Bytes before this offset are UTF-8...
    valid: usize,
    /// ...and, once set, the byte at it is not.
    invalid: bool,
}

impl Utf8Prefix {
    pub(crate) const BLOCK: usize = 64 * 1024;

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
            // Documents are mostly ASCII, which is checked several times faster than UTF-8.
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

/// Splits a document into tags, with the same acceptance as quick-xml's reader (which premix used
/// until it took a third of an apply): the same syntax errors at the same offsets, the same
/// tolerance. Text is only searched for `<` and `&`; comments, CDATA, DOCTYPE and processing
/// instructions, rare in these documents, are handed to quick-xml itself.
pub(crate) struct Tokens<'a> {
    xml: &'a [u8],
    pos: usize,
    utf8: Utf8Prefix,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(xml: &'a [u8]) -> Self {
        // A UTF-8 byte order mark is skipped, as quick-xml did; but offsets count it (quick-xml's
        // did not, which put every span of such a document three bytes early).
        const BOM: &[u8] = b"\xef\xbb\xbf";
        Tokens {
            xml,
            pos: if xml.starts_with(BOM) { BOM.len() } else { 0 },
            utf8: Utf8Prefix::default(),
        }
    }

    pub(crate) fn next(&mut self) -> Result<Token<'a>, XmlError> {
        self.advance::<false>(&mut |_, _| {})
            .map(|(token, _)| token)
    }

    /// As [`Tokens::next`], reading a start tag's attributes in the same pass over its bytes
    /// as its end: each is handed to `each` as its name and the span of its raw value, as
    /// [`plain_attributes`] reads them. Returns the token and, for a start tag, whether its
    /// attributes were read so (then `each` has seen all of them, and exactly what
    /// [`plain_attributes`] would hand over); when `false`, `each` may have seen some, and the
    /// caller reads the tag as [`plain_attributes`] documents. The token, its errors and their
    /// offsets are [`Tokens::next`]'s.
    #[inline]
    pub(crate) fn next_reading(
        &mut self,
        each: &mut impl FnMut(&'a [u8], Range<usize>),
    ) -> Result<(Token<'a>, bool), XmlError> {
        self.advance::<true>(each)
    }

    /// The next token; with `READ`, a start tag's attributes read as it is
    /// ([`Tokens::next_reading`]).
    #[inline]
    fn advance<const READ: bool>(
        &mut self,
        each: &mut impl FnMut(&'a [u8], Range<usize>),
    ) -> Result<(Token<'a>, bool), XmlError> {
        loop {
            let rest = &self.xml[self.pos..];
            let Some(i) = memchr::memchr2(b'<', b'&', rest) else {
                self.text(self.pos..self.xml.len())?;
                self.pos = self.xml.len();
                return Ok((Token::Eof, false));
            };
            let at = self.pos + i;
            self.text(self.pos..at)?;
            self.pos = at;
            if self.xml[at] == b'&' {
                self.reference(at)?;
                continue;
            }
            if let Some(found) = self.tag_at::<READ>(at, each)? {
                return Ok(found);
            }
        }
    }

    /// The markup at `at` (a `<`, text before it read): a token, or `None` for markup the
    /// scan skips.
    #[inline]
    fn tag_at<const READ: bool>(
        &mut self,
        at: usize,
        each: &mut impl FnMut(&'a [u8], Range<usize>),
    ) -> Result<Option<(Token<'a>, bool)>, XmlError> {
        match self.xml.get(at + 1) {
            Some(b'/') => return self.plain_end_tag(at).map(|t| Some((t, false))),
            Some(b) if READ && !matches!(b, b'!' | b'?') => {
                return self.start_tag_reading(at, each).map(Some);
            }
            _ => {}
        }
        Ok(self.markup(at)?.map(|token| (token, false)))
    }

    /// `</name>` at `at`: a name and `>` read in one short loop; anything else (whitespace or
    /// a quote before the `>`) is left to [`Tokens::end_tag`]. The same token: with no quote
    /// before it, the first `>` is the one outside quotes, and the name has no whitespace to
    /// trim.
    #[inline]
    fn plain_end_tag(&mut self, at: usize) -> Result<Token<'a>, XmlError> {
        let xml = self.xml;
        let name_start = at + 2;
        let stop = xml[name_start.min(xml.len())..]
            .iter()
            .position(|&b| ENDS_NAME[b as usize])
            .map(|i| name_start + i);
        match stop {
            Some(end) if xml[end] == b'>' => {
                let tag = at..end + 1;
                self.utf8(tag.clone(), Some(at))?;
                self.pos = tag.end;
                Ok(Token::End {
                    name: &xml[name_start..end],
                    tag,
                })
            }
            _ => self.end_tag(at),
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

    /// `<name ...>` or `<name .../>` at `at`, its attributes handed to `each` as they are met
    /// ([`Tokens::next_reading`]). Plainly written tags (DAWs write no other) are read in one
    /// pass: the name, then whitespace and `name="value"` (or `'value'`) up to `>` or `/>`.
    /// Any other byte where one of those is expected (a quote or `/` in a name, `>` in a name,
    /// no `=` after it, the document's end) leaves the tag to [`Tokens::start_tag`].
    ///
    /// Why the tag ends where [`Tokens::start_tag`] ends it (the first `>` outside quotes):
    /// outside values, only bytes that are neither quotes nor `>` are passed over, and a value
    /// runs from its opening quote to the next one like it, as [`closing_bracket`] pairs them;
    /// so the `>` reached is that first one. The attributes are then [`plain_attributes`]'s:
    /// the same steps over the same bytes, each name also ending at the bytes it leaves to the
    /// careful path.
    #[inline]
    fn start_tag_reading(
        &mut self,
        at: usize,
        each: &mut impl FnMut(&'a [u8], Range<usize>),
    ) -> Result<(Token<'a>, bool), XmlError> {
        let xml = self.xml;
        let name_start = at + 1;
        let careful = |this: &mut Self| this.start_tag(at).map(|token| (token, false));
        let Some(stop) = xml[name_start..]
            .iter()
            .position(|&b| ENDS_NAME[b as usize])
            .map(|i| name_start + i)
        else {
            return careful(self);
        };
        let mut i = stop;
        let (end, empty) = loop {
            while i < xml.len() && is_xml_whitespace(xml[i]) {
                i += 1;
            }
            match xml.get(i) {
                None | Some(b'"' | b'\'') => return careful(self),
                Some(b'>') => break (i, false),
                Some(b'/') if xml.get(i + 1) == Some(&b'>') => break (i + 1, true),
                Some(b'/') => return careful(self),
                Some(_) => {}
            }
            // Where a name may be: it runs to `=` (plain_attributes' end of a name) and may
            // hold none of the bytes that end it otherwise or that the tag's end turns on.
            let Some(eq) = find_attribute_name_end(xml, i) else {
                return careful(self);
            };
            if eq == i || xml[eq] != b'=' {
                return careful(self);
            }
            let quote = match xml.get(eq + 1) {
                Some(&q @ (b'"' | b'\'')) => q,
                _ => return careful(self),
            };
            let start = eq + 2;
            let Some(close) = find_byte(xml, quote, start, xml.len()) else {
                return careful(self);
            };
            each(&xml[i..eq], start..close);
            i = close + 1;
        };
        let tag = at..end + 1;
        self.utf8(tag.clone(), Some(at))?;
        self.pos = tag.end;
        Ok((
            Token::Start {
                name: &xml[name_start..stop],
                tag,
                empty,
            },
            true,
        ))
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

/// XML whitespace around and between attributes, as quick-xml reads it.
fn is_space(b: u8) -> bool {
    is_xml_whitespace(b)
}

/// The attributes of a start tag, in order, read on its bytes: `content` is the tag without
/// its `<` and its `>` (or `/>`), `from` where its name ends. Each attribute is handed to
/// `each` as its name and the span of its raw value (inside the quotes).
///
/// Reads only the plain spelling DAWs write (whitespace, then `name="value"` or
/// `name='value'`; no whitespace around `=`) and returns `false` at anything else, having
/// possibly handed some attributes over already: the caller then reads the tag with
/// [`quick_xml_attributes`], which reads it or refuses it as quick-xml does. Where this
/// returns `true`, quick-xml reads the same attributes (its rules, `events/attributes.rs`:
/// a name runs to `=` or whitespace, from its second byte; a value to the next matching
/// quote; nothing needed between one attribute's closing quote and the next name).
#[inline]
pub(crate) fn plain_attributes<'a>(
    xml: &'a [u8],
    content: Range<usize>,
    from: usize,
    mut each: impl FnMut(&'a [u8], Range<usize>),
) -> bool {
    let end = content.end;
    let mut i = from;
    loop {
        while i < end && is_space(xml[i]) {
            i += 1;
        }
        if i >= end {
            return true;
        }
        // A name starting with `=` is not one (quick-xml looks for `=` after the first byte).
        if xml[i] == b'=' {
            return false;
        }
        // A name ends at `=`; one ending at whitespace (quick-xml allows it around `=`) or a
        // control byte is left to quick-xml.
        let Some(eq) = find_name_end(xml, i, end).filter(|&eq| xml[eq] == b'=' && eq + 1 < end)
        else {
            return false;
        };
        let name = &xml[i..eq];
        let quote = xml[eq + 1];
        if quote != b'"' && quote != b'\'' {
            return false;
        }
        let start = eq + 2;
        let Some(close) = find_byte(xml, quote, start, end) else {
            return false;
        };
        each(name, start..close);
        i = close + 1;
    }
}

// Names and values are mostly a few bytes long, where a call to memchr costs more than the
// search: these look at eight bytes at a time (the lowest flagged byte of a word is exact).
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at `at`, the first in the lowest bits.
#[inline]
fn word(xml: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(xml[at..at + 8].try_into().expect("eight bytes"))
}

/// The high bit of each byte of `w` equal to `b` (exact up to the lowest one).
#[inline]
fn bytes_equal(w: u64, b: u8) -> u64 {
    let x = w ^ (ONES * u64::from(b));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The high bit of each byte of `w` at or below `b' '` (exact up to the lowest one).
#[inline]
fn bytes_at_most_space(w: u64) -> u64 {
    w.wrapping_sub(ONES * 0x21) & !w & HIGHS
}

/// The offset of the first `=` or byte at or below `b' '` (whitespace, a control byte) in
/// `xml[from..end]`.
#[inline]
fn find_name_end(xml: &[u8], from: usize, end: usize) -> Option<usize> {
    let mut i = from;
    while i + 8 <= end {
        let w = word(xml, i);
        let m = bytes_equal(w, b'=') | bytes_at_most_space(w);
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    (i..end).find(|&k| xml[k] == b'=' || xml[k] <= b' ')
}

/// The offset of the first byte from `from` that ends an attribute's name on the one-pass
/// reading of a tag ([`Tokens::start_tag_reading`]): `=`, a byte at or below `b' '`
/// (whitespace, a control byte), `>`, `/` or a quote.
#[inline]
fn find_attribute_name_end(xml: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 8 <= xml.len() {
        let w = word(xml, i);
        let m = bytes_equal(w, b'=')
            | bytes_at_most_space(w)
            | bytes_equal(w, b'>')
            | bytes_equal(w, b'/')
            | bytes_equal(w, b'"')
            | bytes_equal(w, b'\'');
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    (i..xml.len()).find(|&k| matches!(xml[k], b'=' | b'>' | b'/' | b'"' | b'\'') || xml[k] <= b' ')
}

/// The offset of the first `byte` in `xml[from..end]`: a word at a time for short values,
/// memchr past them (a value may be megabytes).
#[inline]
fn find_byte(xml: &[u8], byte: u8, from: usize, end: usize) -> Option<usize> {
    const SHORT: usize = 32;
    let mut i = from;
    while i + 8 <= end && i < from + SHORT {
        let m = bytes_equal(word(xml, i), byte);
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    if i + 8 <= end {
        return memchr::memchr(byte, &xml[i..end]).map(|k| i + k);
    }
    (i..end).find(|&k| xml[k] == byte)
}

/// True when two of `attrs` have the same name (quick-xml's duplicate check refuses them).
pub(crate) fn has_duplicate<T>(attrs: &[(&[u8], T)]) -> bool {
    if attrs.len() <= 16 {
        return attrs
            .iter()
            .enumerate()
            .any(|(i, (k, _))| attrs[..i].iter().any(|(p, _)| p == k));
    }
    // Linear in a tag with many attributes (a hostile one may hold thousands).
    let mut seen = std::collections::HashSet::with_capacity(attrs.len());
    !attrs.iter().all(|(k, _)| seen.insert(*k))
}

/// The attributes of a start tag as quick-xml's attribute reader reads them (with its
/// duplicate check when `checked`), into `out` (cleared first): for the tags
/// [`plain_attributes`] leaves. `content` and `from` as there; the tag is UTF-8 ([`Tokens`]
/// checked it). Errors: quick-xml's, as `malformed XML attribute: {error}`, positions
/// counted from after the tag's `<`.
pub(crate) fn quick_xml_attributes<'a>(
    xml: &'a [u8],
    content: Range<usize>,
    from: usize,
    checked: bool,
    out: &mut Vec<(&'a [u8], Range<usize>)>,
) -> Result<(), String> {
    out.clear();
    let base = content.start;
    let text = std::str::from_utf8(&xml[content]).map_err(|e| format!("malformed XML: {e}"))?;
    let start = text.as_ptr() as usize;
    let mut attributes = quick_xml::events::attributes::Attributes::new(text, from - base);
    for a in attributes.with_checks(checked) {
        let a = a.map_err(|e| format!("malformed XML attribute: {e}"))?;
        // Both borrow from `text`: the reader does not unescape.
        if matches!(a.value, std::borrow::Cow::Owned(_)) {
            return Err("malformed XML attribute".into());
        }
        let offset = |p: *const u8| p as usize - start + base;
        let (key, value) = (a.key.as_ref(), &*a.value);
        let (key_at, value_at) = (offset(key.as_ptr()), offset(value.as_ptr()));
        out.push((
            &xml[key_at..key_at + key.len()],
            value_at..value_at + value.len(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Wherever the plain reading reads a tag, quick-xml reads the same attributes: every
    // attribute text of up to seven bytes over the bytes the syntax turns on, after a name.
    #[test]
    fn plain_attributes_read_what_quick_xml_reads() {
        const BYTES: &[u8] = b"a=\"' \t\x01";
        let mut read = 0;
        for len in 0..=7u32 {
            for mut n in 0..BYTES.len().pow(len) {
                let mut tag = b"X ".to_vec();
                for _ in 0..len {
                    tag.push(BYTES[n % BYTES.len()]);
                    n /= BYTES.len();
                }
                let content = 0..tag.len();
                let mut plain = Vec::new();
                if !plain_attributes(&tag, content.clone(), 1, |k, v| plain.push((k, v))) {
                    continue;
                }
                let mut quick = Vec::new();
                let result = quick_xml_attributes(&tag, content, 1, false, &mut quick);
                assert_eq!(result, Ok(()), "{:?}", String::from_utf8_lossy(&tag));
                assert_eq!(plain, quick, "{:?}", String::from_utf8_lossy(&tag));
                read += 1;
            }
        }
        assert!(read > 1000, "only {read} tags read plainly");
    }

    #[test]
    fn duplicates_are_found_in_short_and_long_tags() {
        let names: Vec<Vec<u8>> = (0..40).map(|i| format!("a{i}").into_bytes()).collect();
        let mut attrs: Vec<(&[u8], ())> = names.iter().map(|n| (&n[..], ())).collect();
        assert!(!has_duplicate(&attrs[..3]) && !has_duplicate(&attrs));
        attrs.push((b"a7", ()));
        assert!(has_duplicate(&attrs));
        assert!(has_duplicate(&[(&b"id"[..], ()), (b"id", ())]));
    }
}
