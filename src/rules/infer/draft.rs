//! The learned rules file as a structure, and its text: YAML premix's loader reads, every
//! section commented with the evidence behind it.

use std::fmt::Write as _;

/// A colour reference in the file: a name under `colors:` or `#rrggbb`.
pub(super) type ColourRef = String;

#[derive(Clone, Debug, Default)]
pub(super) struct Draft {
    /// Comment lines before `version:`.
    pub header: Vec<String>,
    pub extends_default: bool,
    pub colors: Vec<DraftColour>,
    pub buses: Vec<DraftBus>,
    pub rules: Vec<DraftRule>,
    pub unused: Option<DraftUnused>,
    /// Comment lines at the end.
    pub footer: Vec<String>,
}

#[derive(Clone, Debug)]
pub(super) struct DraftColour {
    pub name: String,
    pub hex: String,
    pub comment: Vec<String>,
}

#[derive(Clone, Debug)]
pub(super) struct DraftBus {
    pub name: String,
    pub color: Option<ColourRef>,
    pub aliases: Vec<String>,
    pub min_members: Option<usize>,
    pub comment: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct DraftRule {
    pub label: String,
    /// `bus` or `return`; `None` for audio and MIDI tracks.
    pub kind: Option<&'static str>,
    pub name: Option<String>,
    pub inside: Option<String>,
    pub rename: Option<String>,
    pub color: Option<ColourRef>,
    pub bus: Option<String>,
    pub comment: Vec<String>,
}

#[derive(Clone, Debug)]
pub(super) struct DraftUnused {
    /// `None`: flag only.
    pub color: Option<ColourRef>,
    pub comment: Vec<String>,
}

impl Draft {
    /// The rules file.
    pub fn render(&self) -> String {
        let mut out = String::new();
        comments(&mut out, "", &self.header);
        out.push_str("version: 1\n");
        if self.extends_default {
            out.push_str("extends: default\n");
        }
        if !self.colors.is_empty() {
            out.push_str("\ncolors:\n");
            for c in &self.colors {
                comments(&mut out, "  ", &c.comment);
                let _ = writeln!(out, "  {}: \"{}\"", scalar(&c.name), c.hex);
            }
        }
        if !self.buses.is_empty() {
            out.push_str("\nbuses:\n");
            for b in &self.buses {
                comments(&mut out, "  ", &b.comment);
                let _ = writeln!(out, "  - name: {}", scalar(&b.name));
                if let Some(c) = &b.color {
                    let _ = writeln!(out, "    color: {}", scalar(c));
                }
                if !b.aliases.is_empty() {
                    let list: Vec<String> = b.aliases.iter().map(|a| scalar(a)).collect();
                    let _ = writeln!(out, "    aliases: [{}]", list.join(", "));
                }
                if let Some(n) = b.min_members {
                    let _ = writeln!(out, "    min_members: {n}");
                }
            }
        }
        if !self.rules.is_empty() {
            out.push_str("\nrules:\n");
            for r in &self.rules {
                comments(&mut out, "  ", &r.comment);
                let _ = writeln!(out, "  - name: {}", scalar(&r.label));
                out.push_str("    match:\n");
                if let Some(k) = r.kind {
                    let _ = writeln!(out, "      kind: {k}");
                }
                if let Some(n) = &r.name {
                    let _ = writeln!(out, "      name: {}", quoted(n));
                }
                if let Some(i) = &r.inside {
                    let _ = writeln!(out, "      inside: {}", quoted(i));
                }
                if let Some(t) = &r.rename {
                    let _ = writeln!(out, "    rename: {}", quoted(t));
                }
                if let Some(c) = &r.color {
                    let _ = writeln!(out, "    color: {}", scalar(c));
                }
                if let Some(b) = &r.bus {
                    let _ = writeln!(out, "    bus: {}", scalar(b));
                }
            }
        }
        if let Some(u) = &self.unused {
            out.push('\n');
            comments(&mut out, "", &u.comment);
            out.push_str("unused:\n  when: [no_media, all_media_muted]\n");
            match &u.color {
                Some(c) => {
                    let _ = writeln!(out, "  action: color\n  color: {}", scalar(c));
                }
                None => out.push_str("  action: flag\n"),
            }
        }
        if !self.footer.is_empty() {
            out.push('\n');
            comments(&mut out, "", &self.footer);
        }
        out
    }
}

/// Comment lines longer than this are wrapped at a space.
const WIDTH: usize = 95;

fn comments(out: &mut String, indent: &str, lines: &[String]) {
    for line in lines {
        if line.is_empty() {
            let _ = writeln!(out, "{indent}#");
            continue;
        }
        let text = one_line(line);
        // A line starting with spaces (a list entry) continues deeper.
        let lead = text.len() - text.trim_start().len();
        let mut rest = text.as_str();
        let mut first = true;
        while !rest.is_empty() {
            let prefix = if first {
                String::new()
            } else {
                " ".repeat(lead + 2)
            };
            let room = WIDTH
                .saturating_sub(indent.len() + 2 + prefix.len())
                .max(20);
            let cut = if rest.chars().count() <= room {
                rest.len()
            } else {
                let limit = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
                rest[..limit]
                    .rfind(' ')
                    .filter(|&i| i > lead)
                    .unwrap_or_else(|| rest.find(' ').unwrap_or(rest.len()))
            };
            let _ = writeln!(out, "{indent}# {prefix}{}", rest[..cut].trim_end());
            rest = rest[cut..].trim_start();
            first = false;
        }
    }
}

/// A comment never breaks its line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A YAML scalar: plain when that reads back as the same string, else quoted.
pub(super) fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '(' | ')'))
        && text.chars().next().is_some_and(char::is_alphabetic)
        && !text.ends_with(' ')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// A quoted YAML scalar: single quotes (regexes read as written), or double quotes with
/// escapes for text holding control characters.
pub(super) fn quoted(text: &str) -> String {
    if text.chars().any(char::is_control) {
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// A track name in a comment: quoted, special characters escaped.
pub(super) fn shown_name(name: &str) -> String {
    format!("{name:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_read_back_as_written() {
        for text in [
            "Strings",
            "strings-bowed",
            "yes",
            "Null",
            "#d94f3d",
            "Vox: lead",
            "it's",
            "tab\there",
            "- x",
            "Strings [bowed]",
            "",
            "é",
        ] {
            let yaml = format!("v: {}\n", scalar(text));
            let value: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
            assert_eq!(value["v"].as_str(), Some(text), "{yaml}");
        }
    }
}
