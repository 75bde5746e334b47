//! A span-recording XML scanner on quick-xml's reader.
//!
//! One pass records every element: its name, parent, the byte range of its start tag, where
//! the whole element ends, and each attribute with the byte range of its raw (still escaped)
//! value. Text, comments and processing instructions are skipped, never copied. Entities are
//! not expanded by the reader; attribute values are unescaped here for reading only, so a
//! writer replaces exactly the raw bytes of the values it changes ([`escape`]). A value that
//! needs no unescaping (no `&`, valid UTF-8: nearly every value) is borrowed from the
//! document's bytes, never copied: a session whose bytes are nearly all one name holds that
//! name once, in the document (issue #14, `bench/memory.sh`).
//!
//! Unclosed elements, mismatched end tags and malformed attributes are refused with the line
//! of the problem.

use crate::formats::FormatError;
use quick_xml::Reader;
use quick_xml::events::Event;
use std::borrow::Cow;
use std::ops::Range;

/// One attribute: its name, its unescaped value and the span of its raw value (inside the
/// quotes). The value borrows the scanned bytes (`'a`) unless unescaping changed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr<'a> {
    pub name: Box<str>,
    pub value: Cow<'a, str>,
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element<'a> {
    pub name: Box<str>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// The start tag (`<X ...>` or `<X .../>`).
    pub tag: Range<usize>,
    /// End of the element (after its end tag, or after the tag when empty).
    pub end: usize,
    pub attrs: Vec<Attr<'a>>,
}

impl<'a> Element<'a> {
    pub fn attr(&self, name: &str) -> Option<&Attr<'a>> {
        self.attrs.iter().find(|a| &*a.name == name)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.attr(name).map(|a| &*a.value)
    }

    /// The value of attribute `name`, for keeping beyond the document: borrowed from the
    /// scanned bytes when the document's value is (copied only when unescaping made it).
    pub fn value(&self, name: &str) -> Option<Cow<'a, str>> {
        self.attr(name).map(|a| a.value.clone())
    }

    /// The whole element, start tag to end tag.
    pub fn range(&self) -> Range<usize> {
        self.tag.start..self.end
    }

    /// True for `<X/>`.
    pub fn is_empty_tag(&self) -> bool {
        self.end == self.tag.end
    }
}

/// Every element of a document, in document order (element 0 is the root).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlDoc<'a> {
    pub elements: Vec<Element<'a>>,
}

impl<'a> XmlDoc<'a> {
    pub fn root(&self) -> &Element<'a> {
        &self.elements[0]
    }

    /// Direct children of `parent` named `name`.
    pub fn children_named<'s>(
        &'s self,
        parent: usize,
        name: &'s str,
    ) -> impl Iterator<Item = usize> + 's {
        self.elements[parent]
            .children
            .iter()
            .copied()
            .filter(move |&c| &*self.elements[c].name == name)
    }

    pub fn child_named(&self, parent: usize, name: &str) -> Option<usize> {
        self.children_named(parent, name).next()
    }

    /// Every element inside `ancestor` (not itself), in document order.
    pub fn descendants(&self, ancestor: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.elements[ancestor].end;
        (ancestor + 1..self.elements.len()).take_while(move |&i| self.elements[i].tag.start < end)
    }
}

/// 1-based line of a byte offset.
pub fn line_of(src: &[u8], offset: usize) -> usize {
    1 + memchr::memchr_iter(b'\n', &src[..offset.min(src.len())]).count()
}

/// Scans `src` (see the module docs); attribute values borrow it where they can.
///
/// Errors: malformed XML (an unclosed or mismatched element, a bad attribute or entity, a
/// second root, no element at all), with the line.
pub fn scan(src: &[u8]) -> Result<XmlDoc<'_>, FormatError> {
    let mut reader = Reader::from_reader(src);
    {
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
    }
    let mut elements: Vec<Element> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut roots = 0usize;
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            let at = reader.error_position() as usize;
            FormatError::at_line(line_of(src, at), format!("malformed XML: {e}"))
        })?;
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(_) | Event::Empty(_) => {
                let empty = matches!(event, Event::Empty(_));
                // The event may start after leading bytes consumed with it; find the '<'.
                let start = before
                    + memchr::memchr(b'<', &src[before..after]).ok_or_else(|| {
                        FormatError::at_line(line_of(src, before), "malformed XML tag")
                    })?;
                let (name, attrs) = parse_tag(src, start..after)?;
                let parent = stack.last().copied();
                if parent.is_none() {
                    roots += 1;
                    if roots > 1 {
                        return Err(FormatError::at_line(
                            line_of(src, start),
                            "malformed XML: more than one root element",
                        ));
                    }
                }
                let index = elements.len();
                elements.push(Element {
                    name,
                    parent,
                    children: Vec::new(),
                    tag: start..after,
                    end: after,
                    attrs,
                });
                if let Some(p) = parent {
                    elements[p].children.push(index);
                }
                if !empty {
                    stack.push(index);
                }
            }
            Event::End(_) => {
                let Some(open) = stack.pop() else {
                    return Err(FormatError::at_line(
                        line_of(src, before),
                        "malformed XML: end tag without a start tag",
                    ));
                };
                elements[open].end = after;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(&open) = stack.last() {
        let el = &elements[open];
        return Err(FormatError::at_line(
            line_of(src, el.tag.start),
            format!(
                "malformed XML: <{}> is never closed (the file ends first)",
                el.name
            ),
        ));
    }
    if elements.is_empty() {
        return Err(FormatError::whole("not an XML document: no element found"));
    }
    Ok(XmlDoc { elements })
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Splits a start tag into its name and attributes (with absolute value spans).
fn parse_tag(src: &[u8], tag: Range<usize>) -> Result<(Box<str>, Vec<Attr<'_>>), FormatError> {
    let bad = |at: usize, what: &str| {
        FormatError::at_line(line_of(src, at), format!("malformed XML attribute: {what}"))
    };
    let mut i = tag.start + 1;
    let mut end = tag.end - 1; // '>'
    if src[end - 1] == b'/' {
        end -= 1;
    }
    let name_start = i;
    while i < end && !is_space(src[i]) {
        i += 1;
    }
    let name = String::from_utf8_lossy(&src[name_start..i]).into();
    let mut attrs = Vec::new();
    loop {
        while i < end && is_space(src[i]) {
            i += 1;
        }
        if i >= end {
            break;
        }
        let key_start = i;
        while i < end && src[i] != b'=' && !is_space(src[i]) {
            i += 1;
        }
        let key = &src[key_start..i];
        while i < end && is_space(src[i]) {
            i += 1;
        }
        if i >= end || src[i] != b'=' {
            return Err(bad(key_start, "missing '='"));
        }
        i += 1;
        while i < end && is_space(src[i]) {
            i += 1;
        }
        if i >= end || !matches!(src[i], b'"' | b'\'') {
            return Err(bad(i.min(end), "value not quoted"));
        }
        let quote = src[i];
        let value_start = i + 1;
        let close = memchr::memchr(quote, &src[value_start..end])
            .ok_or_else(|| bad(value_start, "unterminated value"))?;
        let span = value_start..value_start + close;
        let value = unescape(&src[span.clone()]).ok_or_else(|| bad(value_start, "bad entity"))?;
        attrs.push(Attr {
            name: String::from_utf8_lossy(key).into(),
            value,
            span: span.clone(),
        });
        i = span.end + 1;
    }
    Ok((name, attrs))
}

/// Expands the XML predefined entities and character references of a raw attribute value:
/// borrowed from `raw` when there is nothing to expand or replace (valid UTF-8, no `&`);
/// `None` for a malformed or unknown reference.
pub fn unescape(raw: &[u8]) -> Option<Cow<'_, str>> {
    let text = String::from_utf8_lossy(raw);
    if !text.contains('&') {
        return Some(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = &*text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';')?;
        let entity = &after[..semi];
        let ch = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    entity.strip_prefix('#')?.parse().ok()?
                };
                char::from_u32(code)?
            }
        };
        out.push(ch);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

/// Escapes a value for a double- or single-quoted attribute the way libxml2 (Ardour's writer)
/// does: `&`, `<`, `>`, `"` and control whitespace as references.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_elements_and_value_spans() {
        let src = b"<?xml version=\"1.0\"?>\n<A x=\"1 &amp; 2\">\n  <B y='q'/>\n</A>\n";
        let doc = scan(src).unwrap();
        assert_eq!(doc.elements.len(), 2);
        let a = &doc.elements[0];
        assert_eq!(a.get("x"), Some("1 & 2"));
        assert_eq!(&src[a.attr("x").unwrap().span.clone()], b"1 &amp; 2");
        assert_eq!(
            &src[a.range()],
            &b"<A x=\"1 &amp; 2\">\n  <B y='q'/>\n</A>"[..]
        );
        let b = &doc.elements[1];
        assert_eq!(b.parent, Some(0));
        assert!(b.is_empty_tag());
        assert_eq!(b.get("y"), Some("q"));
    }

    #[test]
    fn unclosed_and_mismatched_are_refused_with_a_line() {
        let err = scan(b"<A>\n  <B>\n</A>\n").unwrap_err();
        assert!(
            matches!(err.place, crate::formats::Place::Line(3, None)),
            "{err}"
        );
        let err = scan(b"<A>\n  <B/>\n").unwrap_err();
        assert_eq!(err.place, crate::formats::Place::Line(1, None));
        assert!(scan(b"").is_err());
        assert!(scan(b"<A x=1/>").is_err());
    }

    // A value needing no unescaping is the document's own bytes, not a copy (issue #14: a
    // session whose bytes are nearly all one name holds it once more, not twice).
    #[test]
    fn values_without_entities_borrow_the_document() {
        let src = b"<A plain=\"synth pad\" esc=\"a &amp; b\"/>";
        let doc = scan(src).unwrap();
        let a = &doc.elements[0];
        let plain = a.attr("plain").unwrap();
        assert!(matches!(plain.value, Cow::Borrowed(_)));
        assert_eq!(plain.value.as_ptr(), src[plain.span.clone()].as_ptr());
        assert!(matches!(a.value("plain"), Some(Cow::Borrowed("synth pad"))));
        let esc = a.attr("esc").unwrap();
        assert!(matches!(esc.value, Cow::Owned(_)));
        assert_eq!(esc.value, "a & b");
    }

    #[test]
    fn escape_round_trips() {
        let s = "a&b<c>\"d'e";
        assert_eq!(unescape(escape(s).as_bytes()).unwrap(), s);
    }
}
