//! What can be said of a rules file by reading its lines, beside the YAML parser: tabs in the
//! indentation, flow brackets (how deep they nest, where an unclosed one opened), and the
//! parser's syntax errors in words a user knows ("this list `[` is never closed", not "while
//! parsing a flow sequence, did not find expected ',' or ']'").

use super::positions::Position;
use std::ops::ControlFlow;

/// The position of every tab in a line's indentation.
pub(super) fn tabs_in_indentation(text: &str) -> Vec<Position> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for (column, c) in line.chars().enumerate() {
            match c {
                '\t' => {
                    found.push(Position {
                        line: i + 1,
                        column: column + 1,
                    });
                    break;
                }
                ' ' => {}
                _ => break,
            }
        }
    }
    found
}

/// A YAML syntax error (yaml-rust2's `info` at `at`) in words a user knows, and where to look.
pub(super) fn error(text: &str, info: &str, at: Position) -> (Position, String) {
    let unclosed = |open: char, close: char, what: &str| {
        let at = last_unclosed(text, open).unwrap_or(at);
        (
            at,
            format!("this {what} `{open}` is never closed with `{close}` (or a `,` is missing)"),
        )
    };
    if info.contains("flow sequence") {
        return unclosed('[', ']', "list");
    }
    if info.contains("flow mapping") {
        return unclosed('{', '}', "mapping");
    }
    let message = if info.contains("tab") {
        "a tab where YAML expects spaces (YAML indents with spaces only)".to_string()
    } else if info.contains("quoted scalar") {
        "this quoted text is never closed: its closing quote is missing".to_string()
    } else if info.contains("mapping values are not allowed") {
        "a `key: value` where it cannot be: quote a value that holds `: `, or check the \
         indentation of this line"
            .to_string()
    } else if info.contains("expected '-' indicator") {
        "this line is indented like a list item but does not start with `- ` (or the \
         line above is indented too far)"
            .to_string()
    } else if info.contains("did not find expected key") || info.contains("simple key") {
        "unexpected text here: check the indentation of this line and the brackets or quotes \
         before it"
            .to_string()
    } else if info.contains("indentation") {
        "the indentation of this line does not line up with the lines above it".to_string()
    } else if info.contains("unknown anchor") {
        "this `*name` refers to no `&name` above it".to_string()
    } else if let Some(c) = info.strip_prefix("unexpected character: `") {
        let c = c.trim_end_matches('\'');
        format!("a value cannot start with `{c}`: put the value in quotes")
    } else {
        format!("not valid YAML: {info}")
    };
    (at, message)
}

/// Where the last `open` bracket that is never closed sits, outside quotes and comments.
fn last_unclosed(text: &str, open: char) -> Option<Position> {
    let close = if open == '[' { ']' } else { '}' };
    let mut stack: Vec<Position> = Vec::new();
    flow_brackets(text, |bracket, at| {
        if bracket == open {
            stack.push(at);
        } else if bracket == close {
            stack.pop();
        }
        ControlFlow::Continue(())
    });
    stack.pop()
}

/// Visits the flow brackets of `text` in order, with their places: `[` and `{` where a flow
/// collection can start (after `:`, `-`, `,`, `[`, `{`, `?` or at the start of a line), and
/// every `]` and `}`, outside quoted strings (which end with their line here) and comments. A
/// lexical look, before and beside the parser, for what it cannot say: how deep the flow
/// nesting goes, where an unclosed bracket opened.
pub(super) fn flow_brackets(text: &str, mut visit: impl FnMut(char, Position) -> ControlFlow<()>) {
    for (line_index, line) in text.lines().enumerate() {
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        let mut last_token_char: Option<char> = None;
        let mut chars = line.chars().enumerate().peekable();
        while let Some((column, c)) = chars.next() {
            let at = Position {
                line: line_index + 1,
                column: column + 1,
            };
            match quote {
                Some('\'') if c == '\'' => {
                    if chars.peek().map(|(_, n)| *n) == Some('\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
                Some('"') if c == '\\' => {
                    chars.next();
                }
                Some('"') if c == '"' => quote = None,
                Some(_) => {}
                None => match c {
                    '#' if previous.is_whitespace() || column == 0 => break,
                    '\'' | '"' if !matches!(last_token_char, Some(ch) if ch.is_alphanumeric()) => {
                        quote = Some(c)
                    }
                    '[' | '{'
                        if matches!(
                            last_token_char,
                            None | Some(':' | '-' | ',' | '[' | '{' | '?')
                        ) && visit(c, at).is_break() =>
                    {
                        return;
                    }
                    ']' | '}' if visit(c, at).is_break() => return,
                    _ => {}
                },
            }
            if !c.is_whitespace() {
                last_token_char = Some(c);
            }
            previous = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn tabs_are_found_only_in_the_indentation() {
        assert_eq!(
            tabs_in_indentation("a: 1\n\tb: 2\n  \tc: 3\nd:\t4\n"),
            [at(2, 1), at(3, 3)]
        );
    }

    #[test]
    fn an_unclosed_bracket_is_found_where_it_opened_past_quotes_and_comments() {
        let text = "a: [1, '[', \"]\"]  # [\nb: {c: [d]\n";
        assert_eq!(last_unclosed(text, '{'), Some(at(2, 4)));
        assert_eq!(last_unclosed(text, '['), None);
        let (place, message) = error(
            text,
            "while parsing a flow mapping, did not find expected ',' or '}'",
            at(3, 1),
        );
        assert_eq!(place, at(2, 4));
        assert!(
            message.starts_with("this mapping `{` is never closed"),
            "{message}"
        );
    }
}
