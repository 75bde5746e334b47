//! Names, paths and messages made safe to print on a terminal.
//!
//! Track names, bus names and paths come from files premix did not write: a name holding an
//! OSC sequence (`ESC ] 0 ; ... BEL`) would retitle the terminal, a carriage return or a
//! newline in a path would fake a line of output, and bidirectional overrides (U+202E) would
//! reorder what is shown. Everything of theirs that human output prints goes through
//! [`text`] (or [`quoted`], [`path`], [`lines`]): every control character (C0, DEL, C1) is
//! written as an escape (`\n`, `\t`, `\r`, `\u{1b}`), as are the bidirectional embedding,
//! override and isolate characters, and a byte of a name that is not UTF-8
//! ([`crate::name_bytes`]) shows as `\xE9`. JSON and HTML output escape in their own syntax.
//!
//! A name or message longer than [`LONGEST`] characters is cut there, with how much more it
//! holds (`… (99999 more bytes)`): a terminal line cannot show it, and a project whose
//! names are most of its bytes must not be copied whole into its report.

use std::borrow::Cow;
use std::fmt::Write;
use std::path::Path;

/// Characters of a name or message shown before it is cut.
pub const LONGEST: usize = 1024;

/// True for a character that must not reach a terminal as it is.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || crate::name_bytes::byte_of(c).is_some()
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => match crate::name_bytes::byte_of(c) {
            Some(b) => _ = write!(out, "\\x{b:02X}"),
            None => _ = write!(out, "\\u{{{:x}}}", u32::from(c)),
        },
    }
}

/// `s` with every character that is unsafe on a terminal escaped (line breaks included),
/// cut after [`LONGEST`] characters.
pub fn text(s: &str) -> Cow<'_, str> {
    let (kept, cut) = cut(s);
    match escaped(kept, |c, _| unsafe_char(c)) {
        Cow::Borrowed(b) if cut.is_empty() => Cow::Borrowed(b),
        e => Cow::Owned(e.into_owned() + &cut),
    }
}

/// `s` up to [`LONGEST`] characters, and the note saying how much more it holds (empty when
/// nothing is cut).
fn cut(s: &str) -> (&str, String) {
    match s.char_indices().nth(LONGEST) {
        Some((at, _)) => (&s[..at], format!("… ({} more bytes)", s.len() - at)),
        None => (s, String::new()),
    }
}

/// `s` with unsafe characters escaped except its line breaks (`\n`, `\r\n`) and tabs: for
/// a block of lines such as a text diff of a project.
pub fn lines(s: &str) -> Cow<'_, str> {
    escaped(s, |c, next| match c {
        '\n' | '\t' => false,
        '\r' => next != Some('\n'),
        c => unsafe_char(c),
    })
}

/// `s` with the characters `wants` (given the character after) escaped.
fn escaped(s: &str, wants: impl Fn(char, Option<char>) -> bool) -> Cow<'_, str> {
    let mut chars = s.chars().peekable();
    let mut out: Option<String> = None;
    let mut at = 0;
    while let Some(c) = chars.next() {
        if wants(c, chars.peek().copied()) {
            let out = out.get_or_insert_with(|| {
                let mut o = String::with_capacity(s.len() + 16);
                o.push_str(&s[..at]);
                o
            });
            push_escaped(out, c);
        } else if let Some(out) = out.as_mut() {
            out.push(c);
        }
        at += c.len_utf8();
    }
    out.map_or(Cow::Borrowed(s), Cow::Owned)
}

/// A path as [`text`] (bytes that are not UTF-8 shown as U+FFFD), never cut.
pub fn path(p: &Path) -> String {
    escaped(&p.to_string_lossy(), |c, _| unsafe_char(c)).into_owned()
}

/// `s` in double quotes, as [`text`], with its own `"` and `\` escaped: `"kick \"in\""`
/// (cut after [`LONGEST`] characters, the note after the closing quote).
pub fn quoted(s: &str) -> String {
    let (s, cut) = cut(s);
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if unsafe_char(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out + &cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_overrides_are_escaped() {
        assert_eq!(text("Kick In"), "Kick In");
        assert_eq!(
            text("\u{1b}]0;pwned\u{7}x"),
            "\\u{1b}]0;pwned\\u{7}x",
            "an OSC sequence"
        );
        assert_eq!(
            text("a\nb\rc\td\u{7f}\u{9b}"),
            "a\\nb\\rc\\td\\u{7f}\\u{9b}"
        );
        assert_eq!(text("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(text("kick \u{10FEE9}"), "kick \\xE9");
        assert_eq!(lines("a\u{1b}\nb\n"), "a\\u{1b}\nb\n");
        assert_eq!(lines("a\r\n\tb\rc"), "a\r\n\tb\\rc");
        assert_eq!(quoted("say \"hi\"\\\n"), "\"say \\\"hi\\\"\\\\\\n\"");
        assert_eq!(path(Path::new("/tmp/a\nb.rpp")), "/tmp/a\\nb.rpp");
        assert_eq!(text("Café – ü"), "Café – ü");
        let long = "é".repeat(LONGEST + 10);
        let shown = quoted(&long);
        assert!(
            shown.starts_with('"') && shown.ends_with("\"… (20 more bytes)"),
            "{shown}"
        );
        assert_eq!(
            shown.chars().count(),
            LONGEST + 2 + "… (20 more bytes)".chars().count()
        );
    }
}
