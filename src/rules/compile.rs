//! Loading a rules file: YAML to [`RuleSet`], every mistake reported with file, line, column.

use super::positions::{Position, Positions};
use super::schema::{RawKind, RawMatch, RawRules, RawUnusedAction};
use super::template::Template;
use super::{
    BusDecl, Condition, KindFilter, Rule, RuleSet, RulesError, UnusedAction, UnusedPolicy,
};
use crate::session::{Rgb, TrackKind};
use regex::{Regex, RegexBuilder};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The only rules-file version this premix understands.
pub const VERSION: u32 = 1;

/// Rules files are small; anything larger is not a rules file.
pub const MAX_RULES_BYTES: usize = 1 << 20;
/// Deeper flow nesting (`[[[...`) is refused before parsing: the YAML parser's time grows
/// with the square of the flow depth (200 000 levels took minutes), and no rules file needs it.
const MAX_FLOW_DEPTH: usize = 64;

/// Finds the first flow collection (`[` or `{`) nested deeper than [`MAX_FLOW_DEPTH`], outside
/// quoted strings and comments.
fn too_deep(text: &str) -> Option<Position> {
    let mut depth = 0usize;
    for (line_index, line) in text.lines().enumerate() {
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        let mut last_token_char: Option<char> = None;
        let mut chars = line.char_indices().peekable();
        while let Some((column, c)) = chars.next() {
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
                        ) =>
                    {
                        depth += 1;
                        if depth > MAX_FLOW_DEPTH {
                            return Some(Position {
                                line: line_index + 1,
                                column: column + 1,
                            });
                        }
                    }
                    ']' | '}' => depth = depth.saturating_sub(1),
                    _ => {}
                },
            }
            if !c.is_whitespace() {
                last_token_char = Some(c);
            }
            previous = c;
        }
    }
    None
}

/// The first character of `text` that no DAW stores in a name, if any: a control character
/// (REAPER names are one line; XML 1.0, which Live and Ardour files are, refuses C0
/// controls, and libxml2 refuses the file), a Unicode noncharacter (U+FFFE, U+FDD0, ...: XML
/// refuses them too), or one of the characters premix holds a raw byte in
/// ([`crate::name_bytes`]).
fn unstorable(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        let n = u32::from(c);
        c.is_control()
            || (0xFDD0..=0xFDEF).contains(&n)
            || n & 0xFFFE == 0xFFFE
            || crate::name_bytes::byte_of(c).is_some()
    })
}

/// The message for a name `what` that would hold `c`.
fn unstorable_message(what: &str, c: char) -> String {
    let kind = if c.is_control() {
        "a control character"
    } else {
        "a character no DAW stores in a name"
    };
    format!(
        "{what} would hold U+{:04X} ({kind}): no DAW can store it (REAPER names are one line, \
         Live and Ardour files are XML, which refuses it)",
        u32::from(c)
    )
}

struct Compiler<'a> {
    file: Arc<str>,
    positions: &'a Positions,
    colors: BTreeMap<String, Rgb>,
}

impl Compiler<'_> {
    fn error(&self, path: &str, message: impl Into<String>) -> RulesError {
        RulesError {
            file: self.file.clone(),
            position: self.positions.get(path),
            message: message.into(),
        }
    }

    fn line(&self, path: &str) -> usize {
        self.positions.get(path).map_or(0, |p| p.line)
    }

    fn color(&self, path: &str, text: &str) -> Result<Rgb, RulesError> {
        if let Some(rgb) = self.colors.get(text) {
            return Ok(*rgb);
        }
        Rgb::parse_hex(text).ok_or_else(|| {
            let names: Vec<&str> = self.colors.keys().map(String::as_str).collect();
            self.error(
                path,
                format!(
                    "bad colour `{text}`: write \"#rrggbb\" or a name from `colors` ({})",
                    if names.is_empty() {
                        "none declared".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            )
        })
    }

    fn regex(&self, path: &str, pattern: &str) -> Result<Regex, RulesError> {
        RegexBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .map_err(|e| self.error(path, format!("bad regex `{pattern}`: {e}")))
    }

    fn condition(&self, path: &str, raw: &RawMatch) -> Result<Condition, RulesError> {
        let mut all = Vec::new();
        let at = |key: &str| format!("{path}.{key}");
        if let Some(p) = &raw.name {
            all.push(Condition::Name(self.regex(&at("name"), p)?));
        }
        if let Some(kind) = raw.kind {
            all.push(Condition::Kind(match kind {
                RawKind::Audio => KindFilter::Only(TrackKind::Audio),
                RawKind::Midi => KindFilter::Only(TrackKind::Midi),
                RawKind::Bus => KindFilter::Only(TrackKind::Bus),
                RawKind::Return => KindFilter::Only(TrackKind::Return),
                RawKind::Any => KindFilter::Any,
            }));
        }
        if let Some(p) = &raw.media {
            all.push(Condition::Media(self.regex(&at("media"), p)?));
        }
        if let Some(p) = &raw.plugin {
            all.push(Condition::Plugin(self.regex(&at("plugin"), p)?));
        }
        if let Some(p) = &raw.inside {
            all.push(Condition::Inside(self.regex(&at("inside"), p)?));
        }
        if let Some(m) = raw.muted {
            all.push(Condition::Muted(m));
        }
        if let Some(e) = raw.empty {
            all.push(Condition::Empty(e));
        }
        if let Some(any) = &raw.any {
            if any.is_empty() {
                return Err(self.error(&at("any"), "`any` needs at least one condition"));
            }
            let conditions = any
                .iter()
                .enumerate()
                .map(|(i, m)| self.condition(&format!("{path}.any[{i}]"), m))
                .collect::<Result<_, _>>()?;
            all.push(Condition::Any(conditions));
        }
        if let Some(not) = &raw.not {
            all.push(Condition::Not(Box::new(self.condition(&at("not"), not)?)));
        }
        Ok(Condition::All(all))
    }
}

fn bus_index(buses: &[BusDecl], name: &str) -> Option<usize> {
    buses.iter().position(|b| b.name.eq_ignore_ascii_case(name))
}

/// Parses and validates rules text that extends nothing (or extends only `default`).
/// `file` is how errors and reports name it.
pub fn load(text: &str, file: &str) -> Result<RuleSet, RulesError> {
    load_layered(text, file, &mut |name, at| {
        Err(RulesError {
            file: file.into(),
            position: at,
            message: format!("`extends: {name}` needs a rules file on disk to resolve it against"),
        })
    })
}

/// Resolves `extends:` names to the rule set they name (`at` is the position of the value,
/// for errors). Given by the caller, which knows where files are.
pub type Resolve<'a> = dyn FnMut(&str, Option<Position>) -> Result<RuleSet, RulesError> + 'a;

/// Parses and validates a rules file, layering it on the rule set its `extends:` names.
/// `extends: default` is the embedded convention; any other name goes to `resolve`.
pub fn load_layered(
    text: &str,
    file: &str,
    resolve: &mut Resolve<'_>,
) -> Result<RuleSet, RulesError> {
    let file: Arc<str> = file.into();
    if text.len() > MAX_RULES_BYTES {
        return Err(RulesError {
            file,
            position: None,
            message: format!(
                "{} bytes is too large for a rules file (at most 1 MiB)",
                text.len()
            ),
        });
    }
    if let Some(at) = too_deep(text) {
        return Err(RulesError {
            file,
            position: Some(at),
            message: format!("nested deeper than {MAX_FLOW_DEPTH} levels"),
        });
    }
    let raw: RawRules = serde_yaml::from_str(text).map_err(|e| RulesError {
        file: file.clone(),
        position: e.location().map(|l| Position {
            line: l.line(),
            column: l.column(),
        }),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_string(),
    })?;
    let positions = Positions::index(text);
    let mut c = Compiler {
        file: file.clone(),
        positions: &positions,
        colors: BTreeMap::new(),
    };
    if raw.version != VERSION {
        return Err(c.error(
            "version",
            format!(
                "rules version {} is not supported (this premix reads version {VERSION})",
                raw.version
            ),
        ));
    }
    let base = match raw.extends.as_deref() {
        None => None,
        Some("default") => Some(RuleSet::default_rules()),
        Some(name) => Some(resolve(name, positions.get("extends"))?),
    };
    let (mut buses, base_rules, base_unused) = match base {
        Some(base) => {
            c.colors = base.colors;
            (base.buses, base.rules, base.unused)
        }
        None => (Vec::new(), Vec::new(), None),
    };
    for (name, value) in &raw.colors {
        let rgb = Rgb::parse_hex(value).ok_or_else(|| {
            c.error(
                &format!("colors.{name}"),
                format!("bad colour `{value}` for `{name}`: write \"#rrggbb\""),
            )
        })?;
        c.colors.insert(name.clone(), rgb);
    }

    // Buses: a layer may redeclare a base bus (its colour wins) or add new ones. Base indices
    // stay valid, so base rules keep pointing at the right bus.
    let mut declared_here: Vec<String> = Vec::new();
    for (i, bus) in raw.buses.iter().enumerate() {
        let path = format!("buses[{i}]");
        if bus.name.trim().is_empty() {
            return Err(c.error(&format!("{path}.name"), "a bus needs a name"));
        }
        if let Some(ch) = unstorable(&bus.name) {
            return Err(c.error(
                &format!("{path}.name"),
                unstorable_message("the bus name", ch),
            ));
        }
        if declared_here
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&bus.name))
        {
            return Err(c.error(
                &format!("{path}.name"),
                format!("bus `{}` is declared twice", bus.name),
            ));
        }
        declared_here.push(bus.name.clone());
        let color = match &bus.color {
            Some(text) => Some(c.color(&format!("{path}.color"), text)?),
            None => None,
        };
        let decl = BusDecl {
            name: bus.name.clone(),
            color,
            file: file.clone(),
            line: c.line(&path),
        };
        match bus_index(&buses, &bus.name) {
            Some(k) => buses[k] = decl,
            None => buses.push(decl),
        }
    }
    let declared_bus = |c: &Compiler<'_>, path: &str, name: &str| {
        bus_index(&buses, name)
            .ok_or_else(|| c.error(path, format!("bus `{name}` is not declared under `buses`")))
    };

    let mut rules = Vec::new();
    for (i, r) in raw.rules.iter().enumerate() {
        let path = format!("rules[{i}]");
        let raw_match = r.matches.as_ref();
        let condition = match raw_match {
            Some(m) => c.condition(&format!("{path}.match"), m)?,
            None => Condition::All(Vec::new()),
        };
        let captures = match raw_match.and_then(|m| m.name.as_deref()) {
            Some(p) => c.regex(&format!("{path}.match.name"), p)?.captures_len() - 1,
            None => 0,
        };
        let rename = match &r.rename {
            Some(t) => {
                if t.contains(['\n', '\r']) {
                    return Err(c.error(
                        &format!("{path}.rename"),
                        "a track name cannot hold a line break",
                    ));
                }
                if let Some(ch) = unstorable(t) {
                    return Err(c.error(
                        &format!("{path}.rename"),
                        unstorable_message("the renamed track", ch),
                    ));
                }
                Some(
                    Template::parse(t, captures)
                        .map_err(|m| c.error(&format!("{path}.rename"), m))?,
                )
            }
            None => None,
        };
        let color = match &r.color {
            Some(text) => Some(c.color(&format!("{path}.color"), text)?),
            None => None,
        };
        let bus = match &r.bus {
            Some(name) => Some(declared_bus(&c, &format!("{path}.bus"), name)?),
            None => None,
        };
        let default_kind = (!condition.has_top_level_kind()).then_some(KindFilter::Tracks);
        rules.push(Rule {
            label: r.name.clone().unwrap_or_else(|| format!("rule {}", i + 1)),
            file: file.clone(),
            line: c.line(&path),
            condition,
            default_kind,
            rename,
            color,
            bus,
            continue_: r.continue_,
        });
    }
    // A layer's rules come first: they refine the base, which still catches the rest.
    rules.extend(base_rules);

    let unused = match &raw.unused {
        None => base_unused,
        Some(u) => {
            let needs = |field: &str| {
                c.error(
                    "unused.action",
                    format!("this action needs `unused.{field}`"),
                )
            };
            let action = match u.action {
                RawUnusedAction::Flag => UnusedAction::Flag,
                RawUnusedAction::Color => {
                    let text = u.color.as_deref().ok_or_else(|| needs("color"))?;
                    UnusedAction::Color(c.color("unused.color", text)?)
                }
                RawUnusedAction::Prefix => {
                    let prefix = u.prefix.clone().ok_or_else(|| needs("prefix"))?;
                    if prefix.is_empty() || prefix.contains(['\n', '\r']) {
                        return Err(c.error(
                            "unused.prefix",
                            "the prefix must be non-empty text on one line",
                        ));
                    }
                    if let Some(ch) = unstorable(&prefix) {
                        return Err(
                            c.error("unused.prefix", unstorable_message("a prefixed name", ch))
                        );
                    }
                    UnusedAction::Prefix(prefix)
                }
                RawUnusedAction::Mute => UnusedAction::Mute,
                RawUnusedAction::Bus => {
                    let name = u.bus.as_deref().ok_or_else(|| needs("bus"))?;
                    UnusedAction::Bus(declared_bus(&c, "unused.bus", name)?)
                }
                RawUnusedAction::Remove => UnusedAction::Remove,
            };
            // Validate the optional fields even when the action does not use them.
            if let Some(text) = &u.color {
                c.color("unused.color", text)?;
            }
            if let Some(name) = &u.bus {
                declared_bus(&c, "unused.bus", name)?;
            }
            let mut when = u.when.clone();
            when.sort();
            when.dedup();
            Some(UnusedPolicy {
                when,
                action,
                file: file.clone(),
                line: c.line("unused"),
            })
        }
    };

    Ok(RuleSet {
        source: file,
        colors: c.colors,
        buses,
        rules,
        unused,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> RulesError {
        load(text, "r.yaml").unwrap_err()
    }

    fn at(e: &RulesError) -> (usize, usize) {
        let p = e.position.expect("a position");
        (p.line, p.column)
    }

    #[test]
    fn deep_flow_nesting_is_refused_but_brackets_in_strings_are_not() {
        let deep = format!("version: 1\nrules: {}", "[".repeat(100));
        let e = err(&deep);
        assert_eq!(at(&e), (2, 72), "{e}");
        let fine = "version: 1\nrules:\n  - match: {name: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['}  # [[[[\n";
        assert!(too_deep(fine).is_none());
        assert!(too_deep(&"x: \"[[[\\\"[[[\"\n".repeat(100)).is_none());
    }

    #[test]
    fn names_no_daw_can_store_are_refused_at_their_line() {
        for (text, line) in [
            (
                "version: 1\nrules:\n  - match: {name: kick}\n    rename: \"Kick\\e]0;x\\a\"\n",
                4,
            ),
            ("version: 1\nrules:\n  - rename: \"a\\0b\"\n", 3),
            ("version: 1\nrules:\n  - rename: \"tab\\there\"\n", 3),
            ("version: 1\nrules:\n  - rename: \"x\\uFFFE\"\n", 3),
            ("version: 1\nbuses:\n  - name: \"BUS\\x07\"\n", 3),
            (
                "version: 1\nunused:\n  action: prefix\n  prefix: \"\\x1b[31m\"\n",
                4,
            ),
        ] {
            let e = err(text);
            assert_eq!(at(&e).0, line, "{text}: {e}");
            assert!(e.message.contains("no DAW can store it"), "{e}");
        }
        // Ordinary text, accents and emoji included, is fine.
        load(
            "version: 1\nrules:\n  - rename: 'Café – 🥁 {name}'\n",
            "r.yaml",
        )
        .unwrap();
    }

    #[test]
    fn only_a_version_is_a_valid_rules_file() {
        let rules = load("version: 1\n", "r.yaml").unwrap();
        assert!(rules.rules.is_empty() && rules.buses.is_empty() && rules.unused.is_none());
    }

    #[test]
    fn mistakes_name_line_and_column() {
        let e = err("version: 1\nrules:\n  - match: {name: 'a'}\n    colour: red\n");
        assert_eq!(at(&e).0, 4, "{e}");
        assert!(e.message.contains("unknown field `colour`"), "{e}");

        let e = err("version: 1\nrules:\n  - match:\n      name: '(kick'\n");
        assert_eq!(at(&e), (4, 13), "{e}");
        assert!(e.message.contains("bad regex"), "{e}");

        let e = err("version: 1\nrules:\n  - color: '#12345'\n");
        assert_eq!(at(&e), (3, 12), "{e}");

        let e = err("version: 1\nrules:\n  - bus: DRUMS\n");
        assert_eq!(at(&e), (3, 10), "{e}");
        assert!(e.message.contains("not declared"), "{e}");

        let e = err("version: 2\n");
        assert_eq!(at(&e), (1, 10), "{e}");

        let e = err("version: 1\nrules: [\n");
        assert!(e.position.is_some(), "{e}");

        let e = err("version: 1\nrules:\n  - match: {kind: tape}\n");
        assert_eq!(at(&e).0, 3, "{e}");
        assert!(e.to_string().starts_with("r.yaml:3:"), "{e}");
    }

    #[test]
    fn colour_names_resolve_and_buses_match_case_insensitively() {
        let rules = load(
            "version: 1\ncolors: {drums: '#D94F3D'}\nbuses: [{name: DRUMS, color: drums}]\nrules:\n  - bus: drums\n    color: drums\n",
            "r.yaml",
        )
        .unwrap();
        assert_eq!(rules.buses[0].color, Some(Rgb::new(0xd9, 0x4f, 0x3d)));
        assert_eq!(rules.rules[0].bus, Some(0));
        assert_eq!(rules.rules[0].line, 5);
    }

    #[test]
    fn the_embedded_default_rules_load() {
        let rules = RuleSet::default_rules();
        assert!(!rules.rules.is_empty());
        assert!(rules.unused.is_some());
    }
}
