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

/// Splits a line (without its line ending) into tokens.
pub fn tokens(line: &[u8]) -> Result<Vec<Token<'_>>, UnterminatedQuote> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i >= line.len() {
            break;
        }
        let start = i;
        match line[i] {
            q @ (b'"' | b'\'' | b'`') => {
                let Some(len) = memchr::memchr(q, &line[i + 1..]) else {
                    return Err(UnterminatedQuote { at: start });
                };
                let end = i + 1 + len;
                out.push(Token {
                    text: &line[i + 1..end],
                    raw: start..end + 1,
                });
                i = end + 1;
            }
            _ => {
                while i < line.len() && !is_space(line[i]) {
                    i += 1;
                }
                out.push(Token {
                    text: &line[start..i],
                    raw: start..i,
                });
            }
        }
    }
    Ok(out)
}

/// Checks that every quoted token of the line is closed, without collecting tokens.
pub fn check_quotes(line: &[u8]) -> Result<(), UnterminatedQuote> {
    // Fast path: most lines (numbers, base64) hold no quote character at all.
    if memchr::memchr3(b'"', b'\'', b'`', line).is_none() {
        return Ok(());
    }
    tokens(line).map(|_| ())
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
