//! REAPER's token syntax: how a line splits into tokens, and how REAPER quotes a string.
//!
//! Both follow WDL's `LineParser` and `makeEscapedConfigString` (REAPER's own code): a token
//! that starts with `"`, `'` or `` ` `` runs to the next occurrence of that same character;
//! any other token runs to the next whitespace. There are no escapes: a writer picks a quote
//! character the string does not contain.

use std::ops::Range;

/// One token of a line: its decoded text and where its raw form sits in the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub text: &'a [u8],
    /// Byte range of the raw token (quotes included) within the line.
    pub raw: Range<usize>,
}

/// A quoted token whose closing quote never came; `at` is its byte offset in the line.
#[derive(Debug, PartialEq, Eq)]
pub struct UnterminatedQuote {
    pub at: usize,
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl Token<'_> {
    /// Byte range of the decoded text within the line (the raw token without its quotes).
    pub fn text_range(&self) -> Range<usize> {
        let quoted = self.raw.len() != self.text.len();
        if quoted {
            self.raw.start + 1..self.raw.end - 1
        } else {
            self.raw.clone()
        }
    }
}

/// The tokens of a line (without its line ending), one at a time, nothing allocated. An
/// unterminated quote yields an error and ends the iteration.
pub fn iter(line: &[u8]) -> Tokens<'_> {
    Tokens { line, i: 0 }
}

/// See [`iter`].
pub struct Tokens<'a> {
    line: &'a [u8],
    i: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Result<Token<'a>, UnterminatedQuote>;

    fn next(&mut self) -> Option<Self::Item> {
        let line = self.line;
        let mut i = self.i;
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i >= line.len() {
            self.i = i;
            return None;
        }
        let start = i;
        let token = match line[i] {
            q @ (b'"' | b'\'' | b'`') => {
                let Some(len) = memchr::memchr(q, &line[i + 1..]) else {
                    self.i = line.len();
                    return Some(Err(UnterminatedQuote { at: start }));
                };
                let end = i + 1 + len;
                i = end + 1;
                Token {
                    text: &line[start + 1..end],
                    raw: start..end + 1,
                }
            }
            _ => {
                while i < line.len() && !is_space(line[i]) {
                    i += 1;
                }
                Token {
                    text: &line[start..i],
                    raw: start..i,
                }
            }
        };
        self.i = i;
        Some(Ok(token))
    }
}

/// Splits a line (without its line ending) into tokens.
pub fn tokens(line: &[u8]) -> Result<Vec<Token<'_>>, UnterminatedQuote> {
    iter(line).collect()
}

/// Checks that every quoted token of the line is closed, without collecting tokens.
pub fn check_quotes(line: &[u8]) -> Result<(), UnterminatedQuote> {
    // Fast path: most lines (numbers, base64) hold no quote character at all.
    if memchr::memchr3(b'"', b'\'', b'`', line).is_none() {
        return Ok(());
    }
    iter(line).try_for_each(|t| t.map(drop))
}

/// Writes `text` the way REAPER would: bare when it has no whitespace and does not start
/// with a quote, `#` or `;`; otherwise in the first of `"`, `'`, `` ` `` it does not contain.
/// A string holding all three is wrapped in backticks with its own backticks turned into `'`,
/// exactly as REAPER does. The empty string is `""`.
pub fn quote(text: &str) -> String {
    if text.is_empty() {
        return "\"\"".to_string();
    }
    let has = |c: char| text.contains(c);
    let has_space = text.chars().any(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    let first = text.chars().next().unwrap_or(' ');
    if !has_space && !matches!(first, '"' | '\'' | '`' | '#' | ';') {
        return text.to_string();
    }
    for q in ['"', '\'', '`'] {
        if !has(q) {
            return format!("{q}{text}{q}");
        }
    }
    format!("`{}`", text.replace('`', "'"))
}

/// True when REAPER writes `text` as a `<NAME` block of `|` lines after a lossy `NAME` line:
/// it holds all three quote characters or a line break, or is 1024 bytes or longer (WDL's
/// `configStringWantsBlockEncoding`).
pub fn wants_block(text: &str) -> bool {
    text.len() >= 1023 || text.contains('\n') || ['"', '\'', '`'].iter().all(|q| text.contains(*q))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<String> {
        tokens(line.as_bytes())
            .unwrap()
            .into_iter()
            .map(|t| String::from_utf8(t.text.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn tokens_follow_reaper_quoting() {
        assert_eq!(texts(r#"NAME "Lead Vox""#), ["NAME", "Lead Vox"]);
        assert_eq!(texts(r#"NAME 'say "hi"'"#), ["NAME", r#"say "hi""#]);
        assert_eq!(texts(r#"NAME hel"lo"#), ["NAME", r#"hel"lo"#]);
        assert_eq!(texts("NAME `''''''\"\"\"`"), ["NAME", "''''''\"\"\""]);
        assert_eq!(texts("  AUXRECV 0 0 1 ''"), ["AUXRECV", "0", "0", "1", ""]);
        assert_eq!(
            tokens(b"NAME \"open").unwrap_err(),
            UnterminatedQuote { at: 5 }
        );
        let line = br#"NAME "Lead Vox" x"#;
        let ranges: Vec<_> = iter(line).map(|t| t.unwrap().text_range()).collect();
        assert_eq!(ranges, [0..4, 6..14, 16..17]);
    }

    #[test]
    fn quoting_matches_reapers_choice() {
        // Pairs seen in rppp__tricky-strings.RPP, written by REAPER 6.13.
        assert_eq!(quote("Mix"), "Mix");
        assert_eq!(quote(r#"hel"lo"#), r#"hel"lo"#);
        assert_eq!(quote("<>"), "<>");
        assert_eq!(quote("Lead Vox"), r#""Lead Vox""#);
        assert_eq!(quote(r#"say "hi""#), r#"'say "hi"'"#);
        assert_eq!(quote(r#"it's "x""#), r#"`it's "x"`"#);
        assert_eq!(quote(""), r#""""#);
        assert_eq!(quote("#1"), "\"#1\"");
        assert_eq!(quote("a'b\"c`d e"), "`a'b\"c'd e`");
    }

    #[test]
    fn quote_then_tokenize_round_trips() {
        for s in [
            "Kick 1",
            "x",
            "\"a b\"",
            "'",
            "a 'b' \"c\"",
            ";x",
            "#",
            "tab\there",
        ] {
            let q = quote(s);
            let toks = tokens(q.as_bytes()).unwrap();
            assert_eq!(toks.len(), 1, "{s:?} -> {q:?}");
            assert_eq!(toks[0].text, s.as_bytes(), "{s:?} -> {q:?}");
        }
    }
}
