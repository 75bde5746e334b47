//! The shape of a rules file, checked before it is read into types, so that every mistake of
//! one file is reported at once (serde stops at the first), each at its line and column and in
//! a user's words: a tab in the indentation, an unknown key (with the key meant), a list where
//! text belongs, a value that is not one of the choices.
//!
//! The document is read with yaml-rust2's marked events into a small tree; a syntax error ends
//! the reading (worded by [`super::syntax`]), and what was read before it is still checked. The shape itself is
//! [`ROOT`], a table mirroring `rules/schema.json` (a test keeps the two equal). Values are
//! judged as serde_yaml reads them: any scalar is text (a bus named `808`), `~` or nothing is
//! "no value", and only `true`/`false` are flags. Whatever passes here is read by serde into
//! [`super::schema::RawRules`]; a disagreement still surfaces there, as one more error.

use super::RulesError;
use super::positions::Position;
use super::syntax;
use std::collections::HashMap;
use std::sync::Arc;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// What a value must be.
#[derive(Clone, Copy)]
pub(super) enum Shape {
    /// Any scalar: serde_yaml reads numbers and booleans as text where text is expected.
    Text,
    /// `true` or `false`.
    Flag,
    /// A whole number, unquoted.
    Whole,
    /// A number (`-6`, `-18.5`), unquoted.
    Number,
    /// A number, or a mapping of the given keys.
    NumberOr(&'static Mapping),
    Choice(&'static [&'static str]),
    List(&'static Shape),
    Map(&'static Mapping),
    /// A mapping of names (any) to text: `colors`.
    Names,
}

/// A mapping with known keys.
pub(super) struct Mapping {
    /// How a message names it: "a rule", "`match`".
    pub what: &'static str,
    pub fields: &'static [Field],
    pub required: &'static [&'static str],
}

pub(super) struct Field {
    pub name: &'static str,
    /// The same key spelt another way (`colour` for `color`).
    pub alias: Option<&'static str>,
    pub shape: Shape,
    /// `~` or nothing is accepted (an optional value).
    pub nullable: bool,
}

const fn field(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        alias: None,
        shape,
        nullable: true,
    }
}

/// A list or mapping that must hold something when given (`rules:` alone is refused, as
/// serde refuses it).
const fn collection(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        alias: None,
        shape,
        nullable: false,
    }
}

const fn colour(name: &'static str, alias: &'static str) -> Field {
    Field {
        name,
        alias: Some(alias),
        shape: Shape::Text,
        nullable: true,
    }
}

pub(super) const KINDS: &[&str] = &["audio", "midi", "bus", "return", "foldback", "any"];
pub(super) const REASONS: &[&str] = &["no_media", "muted", "all_media_muted", "silent"];
pub(super) const ACTIONS: &[&str] = &["flag", "color", "colour", "prefix", "mute", "bus", "remove"];

pub(super) static MATCH: Mapping = Mapping {
    what: "`match`",
    fields: &[
        field("name", Shape::Text),
        field("kind", Shape::Choice(KINDS)),
        field("media", Shape::Text),
        field("plugin", Shape::Text),
        field("inside", Shape::Text),
        field("beside", Shape::Text),
        field("muted", Shape::Flag),
        field("empty", Shape::Flag),
        field("any", Shape::List(&Shape::Map(&MATCH))),
        field("not", Shape::Map(&MATCH)),
    ],
    required: &[],
};

pub(super) static BUS: Mapping = Mapping {
    what: "a bus",
    fields: &[
        Field {
            nullable: false,
            ..field("name", Shape::Text)
        },
        colour("color", "colour"),
        field("aliases", Shape::List(&Shape::Text)),
        field("min_members", Shape::Whole),
    ],
    required: &["name"],
};

pub(super) static RULE: Mapping = Mapping {
    what: "a rule",
    fields: &[
        field("name", Shape::Text),
        field("match", Shape::Map(&MATCH)),
        field("rename", Shape::Text),
        colour("color", "colour"),
        field("bus", Shape::Text),
        collection("continue", Shape::Flag),
        field("gain", Shape::Map(&GAIN)),
        field("fader", Shape::Number),
        field("pan", Shape::Number),
    ],
    required: &[],
};

pub(super) static GAIN: Mapping = Mapping {
    what: "`gain`",
    fields: &[
        field("peak", Shape::Number),
        field("loudness", Shape::Number),
    ],
    required: &[],
};

pub(super) static GAIN_STAGING: Mapping = Mapping {
    what: "`gain_staging`",
    fields: &[collection("keep_balance", Shape::Flag)],
    required: &[],
};

pub(super) const OUTPUTS: &[&str] = &["direct"];

/// `loudness: {match: 'rough mix'}`: the loudness of another track.
pub(super) static LIKE: Mapping = Mapping {
    what: "`loudness`",
    fields: &[Field {
        nullable: false,
        ..field("match", Shape::Text)
    }],
    required: &["match"],
};

pub(super) static REFERENCE: Mapping = Mapping {
    what: "`reference`",
    fields: &[
        field("match", Shape::Map(&MATCH)),
        field("output", Shape::Choice(OUTPUTS)),
        field("loudness", Shape::NumberOr(&LIKE)),
    ],
    required: &["match"],
};

pub(super) static UNUSED: Mapping = Mapping {
    what: "`unused`",
    fields: &[
        collection("when", Shape::List(&Shape::Choice(REASONS))),
        collection("action", Shape::Choice(ACTIONS)),
        colour("color", "colour"),
        field("prefix", Shape::Text),
        field("bus", Shape::Text),
        field("except", Shape::Map(&MATCH)),
    ],
    required: &[],
};

/// The whole file, version 1.
pub(super) static ROOT: Mapping = Mapping {
    what: "the rules file",
    fields: &[
        collection("version", Shape::Whole),
        field("extends", Shape::Text),
        Field {
            alias: Some("colours"),
            ..collection("colors", Shape::Names)
        },
        collection("buses", Shape::List(&Shape::Map(&BUS))),
        collection("rules", Shape::List(&Shape::Map(&RULE))),
        field("unused", Shape::Map(&UNUSED)),
        field("gain_staging", Shape::Map(&GAIN_STAGING)),
        field("reference", Shape::Map(&REFERENCE)),
    ],
    required: &["version"],
};

#[derive(Clone)]
struct Node {
    value: Value,
    at: Position,
}

#[derive(Clone)]
enum Value {
    /// `~`, `null` or nothing.
    Null,
    Scalar {
        text: String,
        plain: bool,
    },
    List(Vec<Node>),
    Map(Vec<Entry>),
    /// Cut short by a syntax error: not judged.
    Unfinished,
}

#[derive(Clone)]
struct Entry {
    key: String,
    key_at: Position,
    value: Node,
}

fn position(mark: &Marker) -> Position {
    // yaml-rust2 counts lines from 1 and columns from 0.
    Position {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

enum Frame {
    List {
        at: Position,
        items: Vec<Node>,
    },
    Map {
        at: Position,
        entries: Vec<Entry>,
        key: Option<(String, Position)>,
    },
}

/// Deeper nesting is not built into the tree (it is reported once, where it starts): the
/// tree is checked and dropped recursively, and no rules file nests more than a dozen levels.
const MAX_DEPTH: usize = 64;

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    /// Collections opened past [`MAX_DEPTH`] and not closed yet: their events are skipped.
    skipped: usize,
    /// Where the nesting first went past [`MAX_DEPTH`].
    too_deep: Option<Position>,
    roots: Vec<Node>,
    /// Keys that are lists or mappings themselves (`? [a, b]: c`), which no rules key is.
    complex_keys: Vec<Position>,
}

impl Builder {
    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.roots.push(node),
            Some(Frame::List { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some((key, key_at)) => entries.push(Entry {
                    key,
                    key_at,
                    value: node,
                }),
                None => {
                    let text = match node.value {
                        Value::Scalar { text, .. } => text,
                        Value::Null => String::new(),
                        _ => {
                            self.complex_keys.push(node.at);
                            "?".to_string()
                        }
                    };
                    *key = Some((text, node.at));
                }
            },
        }
    }

    fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let node = match frame {
            Frame::List { at, items } => Node {
                value: Value::List(items),
                at,
            },
            Frame::Map {
                at,
                mut entries,
                key,
            } => {
                if let Some((key, key_at)) = key {
                    entries.push(Entry {
                        key,
                        key_at,
                        value: Node {
                            value: Value::Unfinished,
                            at: key_at,
                        },
                    });
                }
                Node {
                    value: Value::Map(entries),
                    at,
                }
            }
        };
        self.push(node);
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let at = position(&mark);
        if self.skipped > 0 {
            match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => self.skipped += 1,
                Event::SequenceEnd | Event::MappingEnd => self.skipped -= 1,
                _ => {}
            }
            return;
        }
        if matches!(event, Event::SequenceStart(..) | Event::MappingStart(..))
            && self.stack.len() >= MAX_DEPTH
        {
            self.skipped = 1;
            self.too_deep.get_or_insert(at);
            self.push(Node {
                value: Value::Unfinished,
                at,
            });
            return;
        }
        match event {
            Event::Scalar(text, style, ..) => {
                let plain = style == TScalarStyle::Plain;
                let value = if plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL")
                {
                    Value::Null
                } else {
                    Value::Scalar { text, plain }
                };
                self.push(Node { value, at });
            }
            // An alias is not expanded here (a chain of aliases doubling at each step would
            // take memory exponential in its length): serde, which bounds expansion, judges it.
            Event::Alias(_) => self.push(Node {
                value: Value::Unfinished,
                at,
            }),
            Event::SequenceStart(..) => self.stack.push(Frame::List {
                at,
                items: Vec::new(),
            }),
            Event::MappingStart(..) => self.stack.push(Frame::Map {
                at,
                entries: Vec::new(),
                key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            _ => {}
        }
    }
}

/// Every mistake in the shape of `text` (empty when it has none), `file` naming it.
pub(super) fn check(text: &str, file: &Arc<str>) -> Vec<RulesError> {
    let mut check = Check {
        file: file.clone(),
        errors: Vec::new(),
        complete: true,
    };
    let tabs = syntax::tabs_in_indentation(text);
    for at in &tabs {
        check.error(
            *at,
            "a tab in the indentation: YAML indents with spaces only (replace the tab with spaces)",
        );
    }
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    // Event by event: the parser's own `load` recurses once per level of nesting.
    let read = loop {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => break Ok(()),
            Ok((event, mark)) => builder.on_event(event, mark),
            Err(e) => break Err(e),
        }
    };
    if let Err(e) = read {
        check.complete = false;
        // Already said, in plainer words, when the reading stopped at a tab.
        if tabs.is_empty() || !e.info().contains("tab") {
            let (at, message) = syntax::error(text, e.info(), position(e.marker()));
            check.error(at, message);
        }
        while !builder.stack.is_empty() {
            builder.close();
        }
    }
    if let Some(at) = builder.too_deep {
        check.error(at, format!("nested deeper than {MAX_DEPTH} levels"));
    }
    for at in &builder.complex_keys {
        check.error(*at, "a key must be plain text, not a list or a mapping");
    }
    let mut roots = builder.roots.into_iter();
    match roots.next() {
        None if check.complete => check.error(
            Position { line: 1, column: 1 },
            "the rules file is empty: it needs at least `version: 1`",
        ),
        None => {}
        Some(root) => {
            if let Value::Scalar { text, plain: true } = &root.value
                && text.contains(':')
            {
                check.error(
                    root.at,
                    "a key and its value are separated by a colon and a space (`version: 1`)",
                );
            } else if matches!(root.value, Value::Null) {
                check.error(
                    root.at,
                    "the rules file is empty: it needs at least `version: 1`",
                );
            } else {
                check.value(&root, Shape::Map(&ROOT), "the rules file");
            }
        }
    }
    if let Some(second) = roots.next() {
        check.error(
            second.at,
            "a second YAML document (after `---`): a rules file holds one",
        );
    }
    check.errors
}

struct Check {
    file: Arc<str>,
    errors: Vec<RulesError>,
    /// False after a syntax error: what is missing may only be unread.
    complete: bool,
}

fn found(value: &Value) -> String {
    match value {
        Value::Null => "nothing".to_string(),
        Value::Scalar { text, .. } => format!("`{text}`"),
        Value::List(_) => "a list".to_string(),
        Value::Map(_) => "a mapping".to_string(),
        Value::Unfinished => "an unfinished value".to_string(),
    }
}

fn expected(shape: Shape) -> String {
    match shape {
        Shape::Text => "text".to_string(),
        Shape::Flag => "true or false".to_string(),
        Shape::Whole => "a whole number".to_string(),
        Shape::Number => "a number".to_string(),
        Shape::NumberOr(_) => {
            "a number, or a mapping (`key: value` lines, or `{key: value}`)".to_string()
        }
        Shape::Choice(options) => format!("one of {}", choices(options)),
        Shape::List(_) => "a list (`- ` items, or `[a, b]`)".to_string(),
        Shape::Map(_) => "a mapping (`key: value` lines, or `{key: value}`)".to_string(),
        Shape::Names => "a mapping of names to colours (`drums: \"#d94f3d\"`)".to_string(),
    }
}

/// `a, b or c`.
fn choices(options: &[&str]) -> String {
    match options {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

impl Check {
    fn error(&mut self, at: Position, message: impl Into<String>) {
        self.errors.push(RulesError {
            file: self.file.clone(),
            position: Some(at),
            message: message.into(),
        });
    }

    /// Checks `node` against `shape`; `name` is how a message names the value (`\`kind\``).
    fn value(&mut self, node: &Node, shape: Shape, name: &str) {
        let wrong = |check: &mut Check| {
            check.error(
                node.at,
                format!(
                    "{name} must be {}, not {}",
                    expected(shape),
                    found(&node.value)
                ),
            );
        };
        match (&node.value, shape) {
            (Value::Unfinished, _) => {}
            (Value::Scalar { .. }, Shape::Text) => {}
            (Value::Scalar { text, plain: true }, Shape::Flag)
                if matches!(
                    text.as_str(),
                    "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
                ) => {}
            (Value::Scalar { text, plain: true }, Shape::Whole)
                if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {}
            (Value::Scalar { text, plain: true }, Shape::Number | Shape::NumberOr(_))
                if is_number(text) => {}
            (Value::Map(entries), Shape::NumberOr(mapping)) => {
                self.mapping(node.at, entries, mapping)
            }
            (Value::Scalar { text, .. }, Shape::Choice(options)) => {
                if !options.contains(&text.as_str()) {
                    self.error(
                        node.at,
                        format!(
                            "{name} is `{text}`, which is not one of {}",
                            choices(options)
                        ),
                    );
                }
            }
            (Value::List(items), Shape::List(item)) => {
                for it in items {
                    self.value(it, *item, &format!("an item of {name}"));
                }
            }
            (Value::Map(entries), Shape::Map(mapping)) => self.mapping(node.at, entries, mapping),
            (Value::Map(entries), Shape::Names) => {
                self.duplicates(entries, &|key| key);
                for e in entries {
                    self.value(&e.value, Shape::Text, &format!("colour `{}`", e.key));
                }
            }
            _ => wrong(self),
        }
    }

    /// Reports keys given twice (`canonical` maps an alias to its key).
    fn duplicates<'a>(&mut self, entries: &'a [Entry], canonical: &dyn Fn(&'a str) -> &'a str) {
        let mut seen: HashMap<&str, &Entry> = HashMap::new();
        for e in entries {
            match seen.get(canonical(&e.key)) {
                Some(first) if first.key == e.key => self.error(
                    e.key_at,
                    format!(
                        "`{}` is given twice (first at line {})",
                        e.key, first.key_at.line
                    ),
                ),
                Some(first) => self.error(
                    e.key_at,
                    format!(
                        "`{}` and `{}` (line {}) are the same key: keep one",
                        e.key, first.key, first.key_at.line
                    ),
                ),
                None => {
                    seen.insert(canonical(&e.key), e);
                }
            }
        }
    }

    fn mapping(&mut self, at: Position, entries: &[Entry], mapping: &Mapping) {
        let field_of = |key: &str| {
            mapping
                .fields
                .iter()
                .find(|f| f.name == key || f.alias == Some(key))
        };
        self.duplicates(entries, &|key| field_of(key).map_or(key, |f| f.name));
        for e in entries {
            let Some(field) = field_of(&e.key) else {
                self.error(e.key_at, unknown_key(&e.key, mapping));
                continue;
            };
            let name = format!("`{}`", e.key);
            if matches!(e.value.value, Value::Null) {
                if !field.nullable {
                    let hint = match field.shape {
                        Shape::List(_) => ": give a list, or `[]` for none",
                        Shape::Map(_) | Shape::Names => ": give a mapping, or `{}` for none",
                        _ => "",
                    };
                    self.error(e.key_at, format!("{name} has no value{hint}"));
                }
                continue;
            }
            self.value(&e.value, field.shape, &name);
        }
        if self.complete {
            for required in mapping.required {
                if !entries
                    .iter()
                    .any(|e| field_of(&e.key).is_some_and(|f| f.name == *required))
                {
                    // A block mapping's own mark sits past its first key: point at that key.
                    let at = entries.first().map_or(at, |e| e.key_at.min(at));
                    if *required == "version" {
                        self.error(
                            Position { line: 1, column: 1 },
                            "a rules file needs `version: 1` (the rules-file version)",
                        );
                    } else {
                        self.error(at, format!("{} needs a `{required}`", mapping.what));
                    }
                }
            }
        }
    }
}

/// A plain scalar serde_yaml reads as a finite number: `-6`, `+3`, `-18.5`, `0.5`, `1e-3`
/// (not `.inf` or `.nan`, which no level is).
fn is_number(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && text.parse::<f64>().is_ok_and(f64::is_finite)
}

fn unknown_key(key: &str, mapping: &Mapping) -> String {
    let known = mapping.fields.iter().map(|f| f.name);
    let nearest = known
        .clone()
        .chain(mapping.fields.iter().filter_map(|f| f.alias))
        .map(|k| (strsim::damerau_levenshtein(&key.to_lowercase(), k), k))
        .min();
    let all: Vec<&str> = known.collect();
    match nearest {
        Some((d, k)) if d <= 2 && d < key.chars().count() => {
            format!(
                "unknown key `{key}` in {} (did you mean `{k}`?)",
                mapping.what
            )
        }
        _ => format!(
            "unknown key `{key}` in {} (it takes {})",
            mapping.what,
            choices(&all)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mistakes(text: &str) -> Vec<String> {
        check(text, &Arc::from("r.yaml"))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn every_mistake_of_a_file_is_reported_with_its_place() {
        let got = mistakes(
            "version: 1\nrules:\n  - nme: kick\n    match: {kind: tape, muted: yes}\n    continue: maybe\n  - colour: red\n    color: blue\nunused: {when: [no_media, silence]}\n",
        );
        assert_eq!(
            got,
            [
                "r.yaml:3:5: unknown key `nme` in a rule (did you mean `name`?)",
                "r.yaml:4:19: `kind` is `tape`, which is not one of audio, midi, bus, return, foldback or any",
                "r.yaml:4:32: `muted` must be true or false, not `yes`",
                "r.yaml:5:15: `continue` must be true or false, not `maybe`",
                "r.yaml:7:5: `color` and `colour` (line 6) are the same key: keep one",
                "r.yaml:8:27: an item of `when` is `silence`, which is not one of no_media, muted, all_media_muted or silent",
            ]
        );
    }

    #[test]
    fn a_tab_in_the_indentation_says_so_on_every_line_that_has_one() {
        let got = mistakes("version: 1\nrules:\n\t- name: a\n\t- name: b\n");
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[0].starts_with("r.yaml:3:1: a tab in the indentation"),
            "{got:?}"
        );
        assert!(
            got[1].starts_with("r.yaml:4:1: a tab in the indentation"),
            "{got:?}"
        );
    }

    #[test]
    fn what_was_read_before_a_syntax_error_is_still_checked() {
        let got = mistakes("version: 1\ncolr: {a: '#000000'}\nrules: [{name: x}\n");
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got.iter()
                .any(|m| m.starts_with("r.yaml:2:1: unknown key `colr`")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|m| m.starts_with("r.yaml:3:8: this list `[` is never closed")),
            "{got:?}"
        );
    }

    #[test]
    fn syntax_errors_are_worded_for_people() {
        let got = mistakes("version: 1\nrules:\n  - name: a: b\n");
        assert!(got[0].contains("quote a value that holds `: `"), "{got:?}");
        let got = mistakes("version: 1\nrules:\n  - name: 'open\n");
        assert!(
            got[0].starts_with("r.yaml:3:11: this quoted text is never closed"),
            "{got:?}"
        );
        let got = mistakes("version:1\n");
        assert!(got[0].contains("a colon and a space"), "{got:?}");
        let got = mistakes("");
        assert!(got[0].contains("empty"), "{got:?}");
        let got = mistakes("rules: []\n");
        assert_eq!(
            got,
            ["r.yaml:1:1: a rules file needs `version: 1` (the rules-file version)"]
        );
    }

    #[test]
    fn colour_is_color_and_scalars_are_text_where_text_is_wanted() {
        assert!(
            mistakes(
                "version: 1\ncolours: {a: '#000000'}\nbuses: [{name: 808, colour: a}]\nrules:\n  - colour: a\n    rename: 12\nunused: {action: colour, colour: a}\n"
            )
            .is_empty()
        );
        let got = mistakes("version: 1\ncolors: {}\ncolours: {}\nrules:\n");
        assert_eq!(
            got,
            [
                "r.yaml:3:1: `colours` and `colors` (line 2) are the same key: keep one",
                "r.yaml:4:1: `rules` has no value: give a list, or `[]` for none",
            ]
        );
    }

    /// The keys and choices of [`ROOT`] are those of `rules/schema.json`, which editors use.
    #[test]
    fn the_shape_is_the_json_schema_s() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../rules/schema.json")).unwrap();
        let keys = |mapping: &Mapping| {
            let mut keys: Vec<&str> = mapping
                .fields
                .iter()
                .flat_map(|f| std::iter::once(f.name).chain(f.alias))
                .collect();
            keys.sort();
            keys
        };
        let properties = |object: &serde_json::Value| {
            let mut keys: Vec<String> = object["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            keys.sort();
            keys
        };
        let defs = &schema["$defs"];
        let props = &schema["properties"];
        for (mapping, object) in [
            (&ROOT, &schema),
            (&BUS, &props["buses"]["items"]),
            (&RULE, &props["rules"]["items"]),
            (&MATCH, &defs["match"]),
            (&UNUSED, &props["unused"]),
            (&GAIN, &props["rules"]["items"]["properties"]["gain"]),
            (&GAIN_STAGING, &props["gain_staging"]),
            (&REFERENCE, &props["reference"]),
            (
                &LIKE,
                &props["reference"]["properties"]["loudness"]["oneOf"][1],
            ),
        ] {
            assert_eq!(keys(mapping), properties(object), "{}", mapping.what);
            let required: Vec<&str> = object["required"]
                .as_array()
                .map(|r| r.iter().map(|v| v.as_str().unwrap()).collect())
                .unwrap_or_default();
            assert_eq!(mapping.required, required.as_slice(), "{}", mapping.what);
        }
        let choices = |v: &serde_json::Value| -> Vec<String> {
            v["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(KINDS, choices(&defs["match"]["properties"]["kind"]));
        assert_eq!(ACTIONS, choices(&props["unused"]["properties"]["action"]));
        assert_eq!(
            OUTPUTS,
            choices(&props["reference"]["properties"]["output"])
        );
        assert_eq!(
            REASONS,
            choices(&props["unused"]["properties"]["when"]["items"])
        );
    }

    #[test]
    fn deep_block_nesting_is_one_mistake_not_a_stack_overflow() {
        let got = mistakes(&format!("{}x\n", "- ".repeat(100_000)));
        assert!(
            got.iter()
                .any(|m| m.ends_with("nested deeper than 64 levels")),
            "{got:?}"
        );
    }

    #[test]
    fn a_bus_needs_a_name_and_a_key_is_plain_text() {
        let got = mistakes("version: 1\nbuses:\n  - color: '#000000'\n");
        assert_eq!(got, ["r.yaml:3:5: a bus needs a `name`"]);
        let got = mistakes("version: 1\n? [a, b]\n: c\n");
        assert!(got[0].contains("a key must be plain text"), "{got:?}");
    }
}
