//! The samples a set names by path, for writing it elsewhere ([`crate::media::relocate`]): each
//! `SampleRef/FileRef` (arrangement and session clips, Simpler, Sampler, Drum Rack and
//! Impulse samples), with the spans of what says where its file is, and how one is rewritten.
//!
//! Facts, from the corpus:
//! - Live 11+ write `RelativePathType`, `RelativePath@Value` (a `/`-separated path) and the
//!   absolute `Path@Value` (`/`-separated on Windows too: `D:/Live 11/...`)
//!   (`abletoolz-pruned__11.2.10`, `node-als-parser__Michelle`, the sample).
//! - Live 8-10 write `HasRelativePath` (9+), `RelativePathType`, a `RelativePath` element of
//!   `RelativePathElement@Dir`s (Live 10 numbers them with `Id`), the file's `Name`, and the
//!   absolute path only as platform data (`Data`, a Mac alias or UTF-16 hex). A `Dir` of `""`
//!   is the parent folder: `dawtool__live8-patch-markers-auto` reaches
//!   `../../recording/samples/edsheeran-ateam.mp3` as `Dir=""`, `Dir=""`, `recording`,
//!   `samples`.
//! - `RelativePathType` 1 is relative to the set's folder (Michelle: `../../vidvo/...`), 3 to the
//!   project's (`Samples/Imported/...`), 0 absolute only; 5, 6 and 7 are relative to Live's own
//!   libraries (the Core Library, the User Library, built-in devices), which do not move with a
//!   set and are left alone, as are references that only record where a sample came from
//!   (`SourceContext/.../OriginalFileRef`, whose parent is not a `SampleRef`).

use super::scan::{Field, attr};
use crate::edit::Edit;
use crate::formats::xml_tokens::{Token, Tokens};
use crate::media::SourceFile;
use crate::media::relocate::MediaPlan;
use std::ops::Range;

/// One `SampleRef/FileRef`, as written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileRef {
    pub relative_type: Option<Field>,
    pub has_relative: Option<Field>,
    /// Live 11+: `RelativePath@Value`.
    pub relative_value: Option<Field>,
    /// Live 8-10: the whole `RelativePath` element, its `RelativePathElement@Dir`s (`""` is
    /// the parent folder), whether they carry `Id`s, and the indentation of the first on its
    /// own line (with the element's own), when they are written one a line.
    pub relative_element: Option<Range<usize>>,
    pub dirs: Vec<String>,
    pub dir_ids: bool,
    /// The first `RelativePathElement@Id` of the relative path, and the ids of the other
    /// `RelativePathElement`s of the reference (`SearchHint/PathHint`): Live 10 numbers them
    /// apart (`abletoolz-pruned__10.0.6`: path 8, 9; hint 3 to 6), so new ones avoid those.
    pub first_id: Option<i64>,
    pub other_ids: Vec<i64>,
    pub layout: Option<(Vec<u8>, Vec<u8>)>,
    /// Live 11+: `Path@Value`, absolute.
    pub path: Option<Field>,
    /// Live 8-10: `Name@Value`, the file's name.
    pub name: Option<Field>,
}

impl FileRef {
    /// Whether the file moves with the set (relative to the set or project, or absolute), as
    /// opposed to one of Live's libraries.
    pub fn follows_the_set(&self) -> bool {
        self.relative_type
            .as_ref()
            .is_none_or(|t| matches!(t.value.trim(), "0" | "1" | "3"))
    }

    /// The path relative to the set, as premix reads it (`..` for an empty `Dir`).
    pub fn relative(&self) -> Option<String> {
        if let Some(v) = self.relative_value.as_ref().filter(|v| !v.value.is_empty()) {
            return Some(v.value.clone());
        }
        if self.relative_element.is_none()
            || self
                .has_relative
                .as_ref()
                .is_some_and(|h| h.value == "false")
        {
            return None;
        }
        let name = self.name.as_ref().filter(|n| !n.value.is_empty())?;
        let mut parts: Vec<&str> = self
            .dirs
            .iter()
            .map(|d| if d.is_empty() { ".." } else { d.as_str() })
            .collect();
        parts.push(&name.value);
        Some(parts.join("/"))
    }

    /// The reference as premix's resolver takes it: the relative path, the absolute one after
    /// it; or the file's name alone when there is neither (as clips are read, see
    /// [`super::media::clip_media`]).
    pub fn source_file(&self) -> Option<SourceFile> {
        let absolute = self
            .path
            .as_ref()
            .filter(|p| !p.value.is_empty())
            .map(|p| p.value.clone());
        match (self.relative(), absolute) {
            (Some(r), a) => Some(SourceFile {
                path: r,
                alternates: a.into_iter().collect(),
                embedded: false,
            }),
            (None, Some(a)) => Some(SourceFile::new(a)),
            (None, None) => self
                .name
                .as_ref()
                .filter(|n| !n.value.is_empty())
                .map(|n| SourceFile::new(n.value.clone())),
        }
    }

    /// The edits that make this reference lead to `target` from the set's new folder: the
    /// relative path (with `..` where needed: Live writes them itself) and type 1 (relative to
    /// the set), and (Live 11+) the absolute path. `None` when it cannot be written: no
    /// relative path from the new folder to `target` (only the file system's root in common)
    /// where the set has no absolute path to hold it (Live 8-10), or no field to change.
    pub fn rewrite(
        &self,
        xml: &[u8],
        plan: &MediaPlan,
        target: &std::path::Path,
    ) -> Option<Vec<Edit>> {
        let relative = plan.relative(target, true, '/');
        let absolute = crate::media::relocate::absolute_text(target)?;
        let mut edits = Vec::new();
        let escape = |s: &str| quick_xml::escape::escape(s).into_owned();
        if let Some(t) = &self.relative_type {
            let kind = if relative.is_some() { "1" } else { "0" };
            edits.push(Edit::replace(t.span.clone(), kind));
        }
        match (&self.relative_value, &self.relative_element, &self.path) {
            // Live 11+.
            (Some(rel), _, Some(path)) => {
                edits.push(Edit::replace(
                    rel.span.clone(),
                    escape(relative.as_deref().unwrap_or("")),
                ));
                edits.push(Edit::replace(path.span.clone(), escape(&absolute)));
            }
            // Live 8-10: the folders as elements, then the name.
            (None, Some(element), _) => {
                let relative = relative?;
                let (folders, name) = match relative.rsplit_once('/') {
                    Some((f, n)) => (f.split('/').collect::<Vec<_>>(), n),
                    None => (Vec::new(), relative.as_str()),
                };
                let mut ids =
                    (self.first_id.unwrap_or(0)..).filter(|i| !self.other_ids.contains(i));
                let children: Vec<String> = folders
                    .iter()
                    .map(|d| {
                        let dir = if *d == ".." { "" } else { d };
                        match ids.next().filter(|_| self.dir_ids) {
                            Some(id) => format!(
                                "<RelativePathElement Id=\"{id}\" Dir=\"{}\" />",
                                escape(dir)
                            ),
                            None => format!("<RelativePathElement Dir=\"{}\" />", escape(dir)),
                        }
                    })
                    .collect();
                let text = match &self.layout {
                    Some((own, child)) if !children.is_empty() => {
                        let own = String::from_utf8_lossy(own);
                        let child = String::from_utf8_lossy(child);
                        let eol = if xml[element.clone()].contains(&b'\r') {
                            "\r\n"
                        } else {
                            "\n"
                        };
                        let mut t = "<RelativePath>".to_string();
                        for c in &children {
                            t.push_str(&format!("{eol}{child}{c}"));
                        }
                        t.push_str(&format!("{eol}{own}</RelativePath>"));
                        t
                    }
                    _ if children.is_empty() => "<RelativePath />".to_string(),
                    _ => format!("<RelativePath>{}</RelativePath>", children.concat()),
                };
                edits.push(Edit::replace(element.clone(), text));
                match &self.name {
                    Some(n) if n.value != name => {
                        edits.push(Edit::replace(n.span.clone(), escape(name)))
                    }
                    Some(_) => {}
                    None => return None,
                }
                if let Some(h) = &self.has_relative {
                    edits.push(Edit::replace(h.span.clone(), "true"));
                }
            }
            _ => return None,
        }
        Some(edits)
    }
}

/// Every `FileRef` directly inside a `SampleRef`, in document order. For a set the scan
/// accepted (a malformed one yields what precedes the fault).
pub fn sample_refs(xml: &[u8]) -> Vec<FileRef> {
    let mut out = Vec::new();
    let mut tokens = Tokens::new(xml);
    // Open element names; where the current `FileRef` opened, and the `RelativePath` in it.
    let mut stack: Vec<&[u8]> = Vec::new();
    let mut open: Option<(usize, FileRef)> = None;
    let mut relative_start: Option<usize> = None;
    let indent_of = |at: usize| -> Vec<u8> {
        let from = xml[..at]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(at, |i| i + 1);
        let lead = &xml[from..at];
        if lead.iter().all(|b| *b == b' ' || *b == b'\t') {
            lead.to_vec()
        } else {
            Vec::new()
        }
    };
    while let Ok(token) = tokens.next() {
        match token {
            Token::Start { name, tag, empty } => {
                let depth = stack.len();
                if name == b"FileRef" && stack.last() == Some(&b"SampleRef".as_slice()) {
                    open = Some((depth, FileRef::default()));
                } else if let Some((d, r)) = open.as_mut() {
                    let value = || attr(xml, tag.clone(), b"Value");
                    if depth == *d + 1 {
                        match name {
                            b"RelativePathType" => r.relative_type = value(),
                            b"HasRelativePath" => r.has_relative = value(),
                            b"Path" => r.path = value(),
                            b"Name" => r.name = value(),
                            b"RelativePath" => {
                                r.relative_value = value();
                                if r.relative_value.is_none() {
                                    if empty {
                                        r.relative_element = Some(tag.clone());
                                    } else {
                                        relative_start = Some(tag.start);
                                    }
                                }
                            }
                            _ => {}
                        }
                    } else if name == b"RelativePathElement"
                        && !(depth == *d + 2 && stack.last() == Some(&b"RelativePath".as_slice()))
                    {
                        r.other_ids
                            .extend(attr(xml, tag.clone(), b"Id").and_then(|f| f.int()));
                    } else if depth == *d + 2
                        && name == b"RelativePathElement"
                        && stack.last() == Some(&b"RelativePath".as_slice())
                    {
                        if r.first_id.is_none() {
                            r.first_id = attr(xml, tag.clone(), b"Id").and_then(|f| f.int());
                        }
                        if r.dirs.is_empty() {
                            let child = indent_of(tag.start);
                            let own = relative_start.map(indent_of).unwrap_or_default();
                            if !child.is_empty() {
                                r.layout = Some((own, child));
                            }
                        }
                        r.dir_ids |= attr(xml, tag.clone(), b"Id").is_some();
                        r.dirs.push(
                            attr(xml, tag.clone(), b"Dir").map_or(String::new(), |f| f.value),
                        );
                    }
                }
                if !empty {
                    stack.push(name);
                }
            }
            Token::End { name, tag } => {
                stack.pop();
                let depth = stack.len();
                if let Some((d, r)) = open.as_mut() {
                    if name == b"RelativePath" && depth == *d + 1 {
                        if let Some(start) = relative_start.take() {
                            r.relative_element = Some(start..tag.end);
                        }
                    } else if name == b"FileRef" && depth == *d {
                        out.extend(open.take().map(|(_, r)| r));
                    }
                }
            }
            Token::Eof => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_10_and_11_references() {
        let xml = concat!(
            "<Ableton><SampleRef>\n\t<FileRef>\n\t\t<HasRelativePath Value=\"true\" />\n",
            "\t\t<RelativePathType Value=\"1\" />\n\t\t<RelativePath>\n",
            "\t\t\t<RelativePathElement Dir=\"\" />\n\t\t\t<RelativePathElement Dir=\"rec\" />\n",
            "\t\t</RelativePath>\n\t\t<Name Value=\"a.wav\" />\n\t</FileRef>\n</SampleRef>",
            "<SampleRef><FileRef><RelativePathType Value=\"3\" /><RelativePath Value=\"Samples/b.wav\" />",
            "<Path Value=\"/x/Samples/b.wav\" /></FileRef></SampleRef>",
            "<OriginalFileRef><FileRef><RelativePathType Value=\"1\" /><RelativePath Value=\"c.wav\" /></FileRef></OriginalFileRef>",
            "<SampleRef><FileRef><RelativePathType Value=\"5\" /><RelativePath Value=\"Samples/lib.aif\" /></FileRef></SampleRef>",
            "</Ableton>"
        );
        let refs = sample_refs(xml.as_bytes());
        assert_eq!(
            refs.len(),
            3,
            "the OriginalFileRef is not a sample reference"
        );
        assert_eq!(refs[0].relative().as_deref(), Some("../rec/a.wav"));
        assert!(refs[0].layout.is_some());
        let b = refs[1].source_file().unwrap();
        assert_eq!(b.path, "Samples/b.wav");
        assert_eq!(b.alternates, ["/x/Samples/b.wav"]);
        assert!(refs[0].follows_the_set() && refs[1].follows_the_set());
        assert!(!refs[2].follows_the_set(), "a Core Library sample");
    }
}
