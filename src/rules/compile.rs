//! Loading a rules file: YAML to [`RuleSet`], every mistake reported at once, each with file,
//! line and column.

use super::positions::{Position, Positions};
use super::schema::{RawGain, RawKind, RawLoudness, RawMatch, RawRules, RawUnusedAction};
use super::template::Template;
use super::{
    BusDecl, Condition, GainStaging, GainTarget, KindFilter, ReferenceLoudness, ReferencePolicy,
    Rule, RuleSet, RulesError, RulesErrors, UnusedAction, UnusedPolicy,
};
use super::{shape, syntax};
use crate::plan::GainMeasure;
use crate::session::{Rgb, TrackKind};
use regex::{Regex, RegexBuilder};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
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
    let mut found = None;
    syntax::flow_brackets(text, |bracket, at| {
        if matches!(bracket, '[' | '{') {
            depth += 1;
            if depth > MAX_FLOW_DEPTH {
                found = Some(at);
                return ControlFlow::Break(());
            }
        } else {
            depth = depth.saturating_sub(1);
        }
        ControlFlow::Continue(())
    });
    found
}

/// The first character of `text` that no DAW stores in a name, if any: a control character
/// other than a line break (XML 1.0, which Live and Ardour files are, refuses C0 controls,
/// and libxml2 refuses the file; a line break is each backend's to keep or refuse, as REAPER
/// keeps one), a Unicode noncharacter (U+FFFE, U+FDD0, ...: XML refuses them too), or one of
/// the characters premix holds a raw byte in ([`crate::name_bytes`]).
fn unstorable(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        let n = u32::from(c);
        (c.is_control() && c != '\n')
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
    /// Every mistake found so far: compiling goes on after one, to find the others.
    errors: RefCell<Vec<RulesError>>,
}

impl Compiler<'_> {
    fn error(&self, path: &str, message: impl Into<String>) -> RulesError {
        RulesError {
            file: self.file.clone(),
            position: self.positions.get(path),
            message: message.into(),
        }
    }

    /// Records a mistake at `path` and carries on.
    fn fail<T>(&self, path: &str, message: impl Into<String>) -> Option<T> {
        self.errors.borrow_mut().push(self.error(path, message));
        None
    }

    fn line(&self, path: &str) -> usize {
        self.positions.get(path).map_or(0, |p| p.line)
    }

    /// The colour `text` gives (a name under `colors:` or `#rrggbb`), and the name when it
    /// was one.
    fn named_color(&self, path: &str, text: &str) -> (Option<Rgb>, Option<String>) {
        match self.colors.get(text) {
            Some(rgb) => (Some(*rgb), Some(text.to_string())),
            None => (self.color(path, text), None),
        }
    }

    fn color(&self, path: &str, text: &str) -> Option<Rgb> {
        if let Some(rgb) = self.colors.get(text) {
            return Some(*rgb);
        }
        if let Some(rgb) = Rgb::parse_hex(text) {
            return Some(rgb);
        }
        let names: Vec<&str> = self.colors.keys().map(String::as_str).collect();
        self.fail(
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
    }

    fn regex(&self, path: &str, pattern: &str) -> Option<Regex> {
        match RegexBuilder::new(pattern).case_insensitive(true).build() {
            Ok(re) => Some(re),
            Err(e) => {
                // regex words a syntax error over several lines (the pattern, a caret, then
                // `error: what`): the last says what is wrong, on the one line a mistake gets.
                let text = e.to_string();
                let what = text
                    .lines()
                    .rev()
                    .find_map(|l| l.strip_prefix("error: "))
                    .unwrap_or(text.lines().last().unwrap_or_default());
                self.fail(path, format!("bad regex `{pattern}`: {what}"))
            }
        }
    }

    /// `value` at `path` when it lies in `range` (what `what` may be), else a mistake.
    fn within(
        &self,
        path: &str,
        value: f64,
        range: std::ops::RangeInclusive<f64>,
        what: &str,
    ) -> Option<f64> {
        if range.contains(&value) {
            Some(value)
        } else {
            self.fail(
                path,
                format!(
                    "{what} must be from {} to {}, not {value}",
                    range.start(),
                    range.end()
                ),
            )
        }
    }

    /// A rule's `gain`: one of `peak` (dBFS) or `loudness` (LUFS), each from -60 to 0.
    fn gain(&self, path: &str, raw: &RawGain) -> Option<GainTarget> {
        let (measure, value, key) = match (raw.peak, raw.loudness) {
            (Some(p), None) => (GainMeasure::Peak, p, "peak"),
            (None, Some(l)) => (GainMeasure::Loudness, l, "loudness"),
            (Some(_), Some(_)) => {
                return self.fail(
                    &format!("{path}.loudness"),
                    "`gain` takes one of `peak` or `loudness`, not both",
                );
            }
            (None, None) => {
                return self.fail(
                    path,
                    "`gain` needs a target: `peak: -6` (dBFS) or `loudness: -18` (LUFS)",
                );
            }
        };
        let what = match measure {
            GainMeasure::Peak => "a peak target (dBFS)",
            GainMeasure::Loudness => "a loudness target (LUFS)",
        };
        self.within(&format!("{path}.{key}"), value, -60.0..=0.0, what)
            .map(|target| GainTarget { measure, target })
    }

    /// The condition of a `match`, or `None` after recording every mistake in it.
    fn condition(&self, path: &str, raw: &RawMatch) -> Option<Condition> {
        let at = |key: &str| format!("{path}.{key}");
        let regex = |key: &str, pattern: &Option<String>| {
            pattern
                .as_deref()
                .map(|p| self.regex(&at(key), p).ok_or(()))
                .transpose()
        };
        // Every part is compiled before any is given up on, so each mistake is reported.
        let name = regex("name", &raw.name);
        let media = regex("media", &raw.media);
        let plugin = regex("plugin", &raw.plugin);
        let inside = regex("inside", &raw.inside);
        let beside = regex("beside", &raw.beside);
        let any = raw.any.as_ref().map(|any| {
            if any.is_empty() {
                return self.fail(&at("any"), "`any` needs at least one condition");
            }
            let conditions: Vec<Option<Condition>> = any
                .iter()
                .enumerate()
                .map(|(i, m)| self.condition(&format!("{path}.any[{i}]"), m))
                .collect();
            conditions.into_iter().collect::<Option<Vec<_>>>()
        });
        let not = raw.not.as_ref().map(|not| self.condition(&at("not"), not));

        // Cheap tests first: `All` stops at the first that fails, and a rule for returns
        // should not run its name regex on every audio track.
        let mut all = Vec::new();
        if let Some(kind) = raw.kind {
            all.push(Condition::Kind(match kind {
                RawKind::Audio => KindFilter::Only(TrackKind::Audio),
                RawKind::Midi => KindFilter::Only(TrackKind::Midi),
                RawKind::Bus => KindFilter::Only(TrackKind::Bus),
                RawKind::Return => KindFilter::Only(TrackKind::Return),
                RawKind::Foldback => KindFilter::Only(TrackKind::Foldback),
                RawKind::Any => KindFilter::Any,
            }));
        }
        if let Some(m) = raw.muted {
            all.push(Condition::Muted(m));
        }
        if let Some(e) = raw.empty {
            all.push(Condition::Empty(e));
        }
        if let Some(re) = name.ok()? {
            all.push(Condition::Name(re));
        }
        if let Some(re) = media.ok()? {
            all.push(Condition::Media(re));
        }
        if let Some(re) = plugin.ok()? {
            all.push(Condition::Plugin(re));
        }
        if let Some(re) = inside.ok()? {
            all.push(Condition::Inside(re));
        }
        if let Some(re) = beside.ok()? {
            all.push(Condition::Beside(re));
        }
        if let Some(any) = any {
            all.push(Condition::Any(any?));
        }
        if let Some(not) = not {
            all.push(Condition::Not(Box::new(not?)));
        }
        Some(Condition::All(all))
    }
}

/// What a `fader:` may ask, dB: from where every DAW's fader is as good as silent to the most
/// any DAW's fader gives (REAPER +12 dB; backends refuse what their own fader cannot reach).
const FADER_DB: std::ops::RangeInclusive<f64> = -144.0..=24.0;

/// A bus is created only when this many tracks (or folders moving whole) go into it: a bus
/// around one track only adds a fader to the session.
const DEFAULT_MIN_MEMBERS: usize = 2;

/// Gives the base's rules, buses and `unused` colour the colour a layer redefines under a
/// name they were coloured by (`redefined`: the layer's own `colors:`; `colors`: every colour
/// after the layer, its base's included).
fn recolour_base(
    colors: &BTreeMap<String, Rgb>,
    redefined: &BTreeMap<String, String>,
    buses: &mut [BusDecl],
    rules: &mut [Rule],
    unused: &mut Option<UnusedPolicy>,
) {
    let new_color = |name: &Option<String>| {
        name.as_ref()
            .filter(|n| redefined.contains_key(n.as_str()))
            .and_then(|n| colors.get(n))
            .copied()
    };
    for bus in buses {
        if let Some(rgb) = new_color(&bus.color_name) {
            bus.color = Some(rgb);
        }
    }
    for rule in rules {
        if let Some(rgb) = new_color(&rule.color_name) {
            rule.color = Some(rgb);
        }
    }
    if let Some(policy) = unused
        && let Some(rgb) = new_color(&policy.color_name)
    {
        policy.action = UnusedAction::Color(rgb);
    }
}

fn bus_index(buses: &[BusDecl], name: &str) -> Option<usize> {
    buses.iter().position(|b| b.name.eq_ignore_ascii_case(name))
}

/// Parses and validates rules text that extends nothing (or extends only `default`).
/// `file` is how errors and reports name it.
pub fn load(text: &str, file: &str) -> Result<RuleSet, RulesErrors> {
    load_layered(text, file, &mut |name, at| {
        Err(RulesError {
            file: file.into(),
            position: at,
            message: format!("`extends: {name}` needs a rules file on disk to resolve it against"),
        }
        .into())
    })
}

/// Resolves `extends:` names to the rule set they name (`at` is the position of the value,
/// for errors). Given by the caller, which knows where files are.
pub type Resolve<'a> = dyn FnMut(&str, Option<Position>) -> Result<RuleSet, RulesErrors> + 'a;

/// Parses and validates a rules file, layering it on the rule set its `extends:` names.
/// `extends: default` is the embedded convention; any other name goes to `resolve`.
///
/// Errors: every mistake found, each with its file, line and column: first the file's shape
/// (syntax, unknown keys, wrong types, bad choices: [`super::shape`]), then, when the
/// shape is right, its values (bad regexes and colours, undeclared buses, rename templates).
/// A wrong `version` is reported alone (the rest may be another version's language), and so
/// are the mistakes of an extended file (this file's buses and colours may need its base).
pub fn load_layered(
    text: &str,
    file: &str,
    resolve: &mut Resolve<'_>,
) -> Result<RuleSet, RulesErrors> {
    let file: Arc<str> = file.into();
    if text.len() > MAX_RULES_BYTES {
        return Err(RulesError {
            file,
            position: None,
            message: format!(
                "{} bytes is too large for a rules file (at most 1 MiB)",
                text.len()
            ),
        }
        .into());
    }
    if let Some(at) = too_deep(text) {
        return Err(RulesError {
            file,
            position: Some(at),
            message: format!("nested deeper than {MAX_FLOW_DEPTH} levels"),
        }
        .into());
    }
    let mistakes = shape::check(text, &file);
    if !mistakes.is_empty() {
        return Err(RulesErrors::sorted(mistakes));
    }
    // The shape is right, so serde reads it; should the two ever disagree, serde's word stands.
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
        errors: RefCell::new(Vec::new()),
    };
    if raw.version != VERSION {
        return Err(c
            .error(
                "version",
                format!(
                    "rules version {} is not supported (this premix reads version {VERSION})",
                    raw.version
                ),
            )
            .into());
    }
    let base = match raw.extends.as_deref() {
        None => None,
        Some(name) => match super::embedded(name) {
            Some(embedded) => Some(embedded),
            None => Some(resolve(name, positions.get("extends"))?),
        },
    };
    let (mut buses, mut base_rules, mut base_unused, base_gain_staging, base_reference) = match base
    {
        Some(base) => {
            c.colors = base.colors;
            (
                base.buses,
                base.rules,
                base.unused,
                base.gain_staging,
                base.reference,
            )
        }
        None => (Vec::new(), Vec::new(), None, None, None),
    };
    for (name, value) in &raw.colors {
        match Rgb::parse_hex(value) {
            Some(rgb) => {
                c.colors.insert(name.clone(), rgb);
            }
            None => {
                c.fail::<()>(
                    &format!("colors.{name}"),
                    format!("bad colour `{value}` for `{name}`: write \"#rrggbb\""),
                );
            }
        }
    }
    recolour_base(
        &c.colors,
        &raw.colors,
        &mut buses,
        &mut base_rules,
        &mut base_unused,
    );

    // Buses: a layer may redeclare a base bus (its colour wins) or add new ones. Base indices
    // stay valid, so base rules keep pointing at the right bus.
    let mut declared_here: Vec<String> = Vec::new();
    for (i, bus) in raw.buses.iter().enumerate() {
        let path = format!("buses[{i}]");
        if bus.name.trim().is_empty() {
            c.fail::<()>(&format!("{path}.name"), "a bus needs a name");
            continue;
        }
        if let Some(ch) = unstorable(&bus.name) {
            c.fail::<()>(
                &format!("{path}.name"),
                unstorable_message("the bus name", ch),
            );
            continue;
        }
        if declared_here
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&bus.name))
        {
            c.fail::<()>(
                &format!("{path}.name"),
                format!("bus `{}` is declared twice", bus.name),
            );
            continue;
        }
        declared_here.push(bus.name.clone());
        let (color, color_name) = bus.color.as_ref().map_or((None, None), |text| {
            c.named_color(&format!("{path}.color"), text)
        });
        // Every alias is compiled, so each bad one is reported; the bad ones are left out.
        let aliases: Vec<Regex> = bus
            .aliases
            .iter()
            .enumerate()
            .filter_map(|(k, p)| c.regex(&format!("{path}.aliases[{k}]"), p))
            .collect();
        if bus.min_members == Some(0) {
            c.fail::<()>(
                &format!("{path}.min_members"),
                "min_members must be at least 1",
            );
        }
        let decl = BusDecl {
            name: bus.name.clone(),
            color,
            min_members: bus.min_members.unwrap_or(DEFAULT_MIN_MEMBERS),
            file: file.clone(),
            line: c.line(&path),
            aliases,
            color_name,
        };
        match bus_index(&buses, &bus.name) {
            Some(k) => buses[k] = decl,
            None => buses.push(decl),
        }
    }
    let declared_bus = |c: &Compiler<'_>, path: &str, name: &str| match bus_index(&buses, name) {
        Some(k) => Some(k),
        None => c.fail(path, format!("bus `{name}` is not declared under `buses`")),
    };

    let mut rules = Vec::new();
    for (i, r) in raw.rules.iter().enumerate() {
        let path = format!("rules[{i}]");
        let raw_match = r.matches.as_ref();
        let condition = match raw_match {
            Some(m) => c.condition(&format!("{path}.match"), m),
            None => Some(Condition::All(Vec::new())),
        };
        // The captures a rename may use; unknown when the name's regex is bad (reported).
        let captures = match raw_match.and_then(|m| m.name.as_deref()) {
            Some(p) => RegexBuilder::new(p)
                .case_insensitive(true)
                .build()
                .ok()
                .map(|re| re.captures_len() - 1),
            None => Some(0),
        };
        let rename = match (
            &r.rename,
            captures,
            r.rename.as_deref().and_then(unstorable),
        ) {
            // A line break (`\n`) is the backend's to accept or refuse (REAPER keeps one in a
            // name); a carriage return is nobody's.
            (Some(t), _, _) if t.contains('\r') => c.fail(
                &format!("{path}.rename"),
                "a track name cannot hold a carriage return (write a line break as \\n)",
            ),
            (Some(_), _, Some(ch)) => c.fail(
                &format!("{path}.rename"),
                unstorable_message("the renamed track", ch),
            ),
            (Some(t), Some(captures), None) => match Template::parse(t, captures) {
                Ok(t) => Some(t),
                Err(m) => c.fail(&format!("{path}.rename"), m),
            },
            _ => None,
        };
        let (color, color_name) = r.color.as_ref().map_or((None, None), |text| {
            c.named_color(&format!("{path}.color"), text)
        });
        let bus = r
            .bus
            .as_ref()
            .and_then(|name| declared_bus(&c, &format!("{path}.bus"), name));
        let gain = r
            .gain
            .as_ref()
            .and_then(|g| c.gain(&format!("{path}.gain"), g));
        let fader = r
            .fader
            .and_then(|f| c.within(&format!("{path}.fader"), f, FADER_DB, "a fader level (dB)"));
        let pan = r.pan.and_then(|p| {
            c.within(
                &format!("{path}.pan"),
                p,
                -1.0..=1.0,
                "a pan (-1 left, 0 centre, 1 right)",
            )
        });
        let Some(condition) = condition else {
            continue;
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
            gain,
            fader,
            pan,
            color_name,
        });
    }
    // A layer's rules come first: they refine the base, which still catches the rest.
    rules.extend(base_rules);

    let unused = match &raw.unused {
        None => base_unused,
        Some(u) => {
            let needs = |field: &str| {
                c.fail(
                    "unused.action",
                    format!("this action needs `unused.{field}`"),
                )
            };
            // The optional fields are checked even when the action does not use them.
            let (color, color_name) = u
                .color
                .as_ref()
                .map_or((None, None), |t| c.named_color("unused.color", t));
            let bus = u
                .bus
                .as_ref()
                .and_then(|name| declared_bus(&c, "unused.bus", name));
            let action = match u.action {
                RawUnusedAction::Flag => Some(UnusedAction::Flag),
                RawUnusedAction::Color => match (&u.color, color) {
                    (None, _) => needs("color"),
                    (Some(_), rgb) => rgb.map(UnusedAction::Color),
                },
                RawUnusedAction::Prefix => match &u.prefix {
                    None => needs("prefix"),
                    Some(p) if p.is_empty() || p.contains(['\n', '\r']) => c.fail(
                        "unused.prefix",
                        "the prefix must be non-empty text on one line",
                    ),
                    Some(p) => match unstorable(p) {
                        Some(ch) => {
                            c.fail("unused.prefix", unstorable_message("a prefixed name", ch))
                        }
                        None => Some(UnusedAction::Prefix(p.clone())),
                    },
                },
                RawUnusedAction::Mute => Some(UnusedAction::Mute),
                RawUnusedAction::Bus => match (&u.bus, bus) {
                    (None, _) => needs("bus"),
                    (Some(_), k) => k.map(UnusedAction::Bus),
                },
                RawUnusedAction::Remove => Some(UnusedAction::Remove),
            };
            let mut when = u.when.clone();
            when.sort();
            when.dedup();
            // A layer that says when tracks are unused still knows the base's utilities.
            let except = match &u.except {
                Some(m) => c.condition("unused.except", m).ok_or(()).map(Some),
                None => Ok(base_unused.as_ref().and_then(|b| b.except.clone())),
            };
            let action = action.filter(|_| except.is_ok());
            action.map(|action| UnusedPolicy {
                except: except.ok().flatten(),
                color_name: matches!(action, UnusedAction::Color(_))
                    .then_some(color_name)
                    .flatten(),
                when,
                action,
                file: file.clone(),
                line: c.line("unused"),
            })
        }
    };

    let gain_staging = match &raw.gain_staging {
        None => base_gain_staging,
        Some(g) => Some(GainStaging {
            keep_balance: g.keep_balance,
            file: file.clone(),
            line: c.line("gain_staging"),
        }),
    };
    let reference = match &raw.reference {
        None => base_reference,
        Some(r) => {
            let condition = match &r.matches {
                Some(m) => c.condition("reference.match", m),
                None => c.fail(
                    "reference",
                    "`reference` needs a `match` saying which tracks are references",
                ),
            };
            let loudness = match &r.loudness {
                None => Some(None),
                Some(RawLoudness::Lufs(l)) => c
                    .within(
                        "reference.loudness",
                        *l,
                        -60.0..=0.0,
                        "a loudness target (LUFS)",
                    )
                    .map(|l| Some(ReferenceLoudness::Lufs(l))),
                Some(RawLoudness::Like(like)) => c
                    .regex("reference.loudness.match", &like.matches)
                    .map(|re| Some(ReferenceLoudness::Like(re))),
            };
            match (condition, loudness) {
                (Some(condition), Some(loudness)) => Some(ReferencePolicy {
                    default_kind: (!condition.has_top_level_kind()).then_some(KindFilter::Tracks),
                    condition,
                    direct: r.output.is_some(),
                    loudness,
                    file: file.clone(),
                    line: c.line("reference"),
                }),
                _ => None,
            }
        }
    };

    let errors = c.errors.into_inner();
    if !errors.is_empty() {
        return Err(RulesErrors::sorted(errors));
    }
    Ok(RuleSet {
        source: file,
        colors: c.colors,
        buses,
        rules,
        unused,
        gain_staging,
        reference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> RulesError {
        load(text, "r.yaml").unwrap_err().first().clone()
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
        let e = err("version: 1\nrules:\n  - match: {name: 'a'}\n    colr: red\n");
        assert_eq!(at(&e).0, 4, "{e}");
        assert!(e.message.contains("unknown key `colr` in a rule"), "{e}");

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
    fn every_mistake_in_the_values_is_reported_in_file_order() {
        let errors = load(
            "version: 1\ncolors: {red: '#ff00'}\nbuses: [{name: DRUMS, color: blu}]\nrules:\n  - match: {name: '(kick', any: [{media: '['}]}\n    colour: '#12345'\n    bus: DRUM\n  - rename: '{2}'\n    match: {name: '(a)'}\nunused: {action: bus}\n",
            "r.yaml",
        )
        .unwrap_err();
        let got: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "{}:{} {}",
                    at(e).0,
                    at(e).1,
                    e.message.split(':').next().unwrap()
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "2:15 bad colour `#ff00` for `red`",
                "3:30 bad colour `blu`",
                "5:19 bad regex `(kick`",
                "5:42 bad regex `[`",
                "6:13 bad colour `#12345`",
                "7:10 bus `DRUM` is not declared under `buses`",
                "8:13 `{2}` names a capture group the rule's `match.name` does not have (it has 1)",
                "10:18 this action needs `unused.bus`",
            ]
        );
    }

    #[test]
    fn a_bad_bus_alias_names_its_place() {
        let e = err("version: 1\nbuses:\n  - name: DRUMS\n    aliases: ['^drms$', '(kit']\n");
        assert_eq!(at(&e), (4, 25), "{e}");
        assert!(e.message.contains("bad regex `(kit`"), "{e}");
        let e = err("version: 1\nbuses:\n  - name: DRUMS\n    aliases: 'drms'\n");
        assert_eq!(at(&e).0, 4, "{e}");
        let rules = load(
            "version: 1\nbuses:\n  - name: DRUMS\n    aliases: ['^drms$']\n",
            "r.yaml",
        )
        .unwrap();
        assert!(
            rules.buses[0].aliases[0].is_match("DRMS"),
            "case-insensitive"
        );
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
    fn a_layer_redefining_a_colour_name_recolours_what_the_base_coloured_by_it() {
        let layered = load(
            "version: 1\nextends: default\ncolors: {drums: '#ff0000', unused: '#222222'}\n",
            "r.yaml",
        )
        .unwrap();
        let base = RuleSet::default_rules();
        let red = Rgb::new(0xff, 0, 0);
        let drums = |set: &RuleSet| {
            set.buses
                .iter()
                .find(|b| b.name == "DRUMS")
                .and_then(|b| b.color)
        };
        assert_eq!(drums(&layered), Some(red));
        assert_eq!(drums(&base), Some(Rgb::new(0xd9, 0x4f, 0x3d)));
        let kick = |set: &RuleSet| set.rules.iter().find(|r| r.label == "kick").unwrap().color;
        assert_eq!(kick(&layered), Some(red));
        // Colours the layer leaves alone, and hex colours, stay.
        let bass = |set: &RuleSet| set.rules.iter().find(|r| r.label == "bass").unwrap().color;
        assert_eq!(bass(&layered), bass(&base));
        assert_eq!(
            layered.unused.unwrap().action,
            UnusedAction::Color(Rgb::new(0x22, 0x22, 0x22))
        );
        let hex = load(
            "version: 1\ncolors: {a: '#010101'}\nrules: [{color: '#020202'}, {color: a}]\n",
            "r.yaml",
        )
        .unwrap();
        assert_eq!(hex.rules[0].color_name, None);
        assert_eq!(hex.rules[1].color_name.as_deref(), Some("a"));
    }

    #[test]
    fn a_layers_unused_section_keeps_the_bases_utilities_unless_it_names_its_own() {
        let session = crate::session::Session::new(
            crate::session::Format::Rpp,
            vec![crate::session::Track::new(
                0,
                "Click",
                crate::session::TrackKind::Audio,
            )],
        );
        let names = crate::rules::Names::of(&session);
        let excepts = |yaml: &str| {
            let rules = load(yaml, "r.yaml").unwrap();
            let except = rules.unused.unwrap().except;
            except.is_some_and(|c| c.holds(&session, &names, &session.tracks[0]))
        };
        assert!(excepts(
            "version: 1\nextends: default\nunused: {when: [no_media], action: flag}\n"
        ));
        assert!(!excepts(
            "version: 1\nextends: default\nunused: {when: [no_media], except: {name: video}}\n"
        ));
        assert!(!excepts("version: 1\nunused: {when: [no_media]}\n"));
    }

    #[test]
    fn the_embedded_default_rules_load() {
        let rules = RuleSet::default_rules();
        assert!(!rules.rules.is_empty());
        assert!(rules.unused.is_some());
    }
}
