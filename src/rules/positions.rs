//! Where each value of a YAML document sits (line and column), by path.
//!
//! serde_yaml gives positions for syntax and schema errors but not for values that are
//! well-typed yet wrong (a bad regex, an undeclared bus). This index, built from
//! yaml-rust2's marked events, maps a path such as `rules[2].match.name` to the position of
//! its value, so those errors can name the line and column too. A key spelt `colour` is
//! indexed as `color` (and `colours` as `colors`), the spelling the loader asks for.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Default)]
pub struct Positions {
    values: HashMap<String, Position>,
}

impl Positions {
    /// Indexes `text`. A document that does not parse gives an empty index (serde_yaml
    /// reports the syntax error with its own position).
    pub fn index(text: &str) -> Positions {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut builder, false).is_err() {
            return Positions::default();
        }
        Positions {
            values: builder.values,
        }
    }

    /// The position of the value at `path` (`rules[0].match.name`; `""` is the document).
    pub fn get(&self, path: &str) -> Option<Position> {
        self.values.get(path).copied()
    }
}

/// A key as the paths spell it: `colour` and `colours` are `color` and `colors` (the rules
/// file accepts both spellings; the loader names the American one).
fn canonical_key(key: String) -> String {
    match key.as_str() {
        "colour" => "color".to_string(),
        "colours" => "colors".to_string(),
        _ => key,
    }
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, next: usize },
}

#[derive(Default)]
struct Builder {
    values: HashMap<String, Position>,
    stack: Vec<Frame>,
}

impl Builder {
    /// The path of the node that starts now, or `None` when the scalar is a mapping key.
    fn node_path(&mut self) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Map { key: None, .. }) => None,
            Some(Frame::Map {
                path,
                key: Some(key),
            }) => Some(if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            }),
            Some(Frame::Seq { path, next }) => Some(format!("{path}[{next}]")),
        }
    }

    /// A node of the current container is complete.
    fn finish_node(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { key, .. }) => *key = None,
            Some(Frame::Seq { next, .. }) => *next += 1,
            None => {}
        }
    }

    fn record(&mut self, path: &str, mark: Marker) {
        // yaml-rust2 counts lines from 1 and columns from 0.
        self.values.entry(path.to_string()).or_insert(Position {
            line: mark.line(),
            column: mark.col() + 1,
        });
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(value, ..) => match self.node_path() {
                None => {
                    if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                        *key = Some(canonical_key(value));
                    }
                }
                Some(path) => {
                    self.record(&path, mark);
                    self.finish_node();
                }
            },
            Event::Alias(_) if self.node_path().is_some() => self.finish_node(),
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let path = self.node_path().unwrap_or_default();
                self.record(&path, mark);
                self.stack
                    .push(if matches!(event, Event::MappingStart(..)) {
                        Frame::Map { path, key: None }
                    } else {
                        Frame::Seq { path, next: 0 }
                    });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.finish_node();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_point_at_their_values() {
        let text =
            "version: 1\nrules:\n  - name: kick\n    match:\n      name: '(kick'\n  - color: red\n";
        let p = Positions::index(text);
        assert_eq!(
            p.get("version"),
            Some(Position {
                line: 1,
                column: 10
            })
        );
        assert_eq!(
            p.get("rules[0].match.name"),
            Some(Position {
                line: 5,
                column: 13
            })
        );
        assert_eq!(
            p.get("rules[1].color"),
            Some(Position {
                line: 6,
                column: 12
            })
        );
        assert_eq!(p.get("rules[1]").map(|p| p.line), Some(6));
    }

    #[test]
    fn flow_collections_are_indexed_too() {
        let p = Positions::index("match: {any: [{name: a}, {name: '('}]}\n");
        assert_eq!(p.get("match.any[1].name").map(|p| p.column), Some(33));
    }
}
