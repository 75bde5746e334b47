//! Where elements sit on their lines, so that inserted and deleted elements keep the file's
//! own indentation and line structure: whole lines go in and out, never partial ones.

use super::xml::XmlDoc;
use crate::edit::Edit;

pub(super) fn line_start(src: &[u8], at: usize) -> usize {
    src[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1)
}

pub(super) fn indent_of(src: &[u8], at: usize) -> String {
    let start = line_start(src, at);
    String::from_utf8_lossy(&src[start..at]).into_owned()
}

/// The whole line holding an element (leading indent and line ending included) when the
/// element sits alone on its line; else the element itself.
pub(super) fn element_line(src: &[u8], range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let start = line_start(src, range.start);
    let alone_before = src[start..range.start]
        .iter()
        .all(|b| b.is_ascii_whitespace());
    let mut end = range.end;
    while end < src.len() && matches!(src[end], b' ' | b'\t' | b'\r') {
        end += 1;
    }
    if alone_before && end < src.len() && src[end] == b'\n' {
        start..end + 1
    } else {
        range
    }
}

/// Where the end tag of a non-empty element starts (the start of its line when alone).
pub(super) fn end_tag_line(src: &[u8], xml: &XmlDoc, el: usize) -> usize {
    let e = &xml.elements[el];
    let lt = src[..e.end]
        .iter()
        .rposition(|&b| b == b'<')
        .unwrap_or(e.end);
    let ls = line_start(src, lt);
    if src[ls..lt].iter().all(|b| b.is_ascii_whitespace()) && ls > e.tag.end {
        ls
    } else {
        lt
    }
}

/// Adds `children` (complete lines, each ending in `\n`) at the end of element `el`.
pub(super) fn append_children(src: &[u8], xml: &XmlDoc, el: usize, children: &str) -> Edit {
    let e = &xml.elements[el];
    if e.is_empty_tag() {
        let indent = indent_of(src, e.tag.start);
        let tag_name = &e.name;
        Edit::replace(
            e.tag.end - 2..e.tag.end,
            format!(">\n{children}{indent}</{tag_name}>"),
        )
    } else {
        let at = end_tag_line(src, xml, el);
        if at == line_start(src, at) {
            Edit::insert(at, children.to_string())
        } else {
            Edit::insert(at, format!("\n{children}"))
        }
    }
}
