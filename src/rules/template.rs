//! Rename templates: `'Kick {n}'`, `'{name} (old)'`, `'Gtr {1}'`.
//!
//! Placeholders: `{name}` the track's current name, `{1}`..`{9}` captures of the rule's
//! `match.name` regex, `{n}` a 1-based counter of the tracks the rule matched so far, `{bus}`
//! the bus the rule sends the track to. `{{` and `}}` are literal braces.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Name,
    Capture(usize),
    Counter,
    Bus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// What a template is filled with for one track.
pub struct Fill<'a> {
    pub name: &'a str,
    pub captures: &'a [Option<&'a str>],
    pub counter: usize,
    pub bus: &'a str,
}

impl Template {
    /// Parses a template; `captures` is how many groups the rule's name regex has.
    pub fn parse(text: &str, captures: usize) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut key = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => key.push(c),
                            None => return Err(format!("unclosed `{{{key}` in rename template")),
                        }
                    }
                    let part = match key.as_str() {
                        "name" => Part::Name,
                        "n" => Part::Counter,
                        "bus" => Part::Bus,
                        digits
                            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
                        {
                            let group: usize =
                                digits.parse().map_err(|_| "capture number too large")?;
                            if group == 0 || group > captures {
                                return Err(format!(
                                    "`{{{group}}}` names a capture group the rule's `match.name` \
                                     does not have (it has {captures})"
                                ));
                            }
                            Part::Capture(group)
                        }
                        other => {
                            return Err(format!(
                                "unknown placeholder `{{{other}}}` (use {{name}}, {{n}}, {{bus}} or {{1}}..)"
                            ));
                        }
                    };
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(part);
                }
                '}' => {
                    return Err("unmatched `}` in rename template (write `}}` for a brace)".into());
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { parts })
    }

    pub fn render(&self, fill: &Fill<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Name => out.push_str(fill.name),
                Part::Capture(i) => {
                    if let Some(Some(text)) = fill.captures.get(*i - 1) {
                        out.push_str(text);
                    }
                }
                Part::Counter => out.push_str(&fill.counter.to_string()),
                Part::Bus => out.push_str(fill.bus),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_in() {
        let t = Template::parse("{bus}: Kick {n} {1} {{x}}", 1).unwrap();
        let captures = [Some("In")];
        let fill = Fill {
            name: "kick in",
            captures: &captures,
            counter: 2,
            bus: "DRUMS",
        };
        assert_eq!(t.render(&fill), "DRUMS: Kick 2 In {x}");
    }

    #[test]
    fn mistakes_are_explained() {
        assert!(
            Template::parse("{2}", 1)
                .unwrap_err()
                .contains("capture group")
        );
        assert!(
            Template::parse("{nme}", 0)
                .unwrap_err()
                .contains("unknown placeholder")
        );
        assert!(
            Template::parse("{name", 0)
                .unwrap_err()
                .contains("unclosed")
        );
        assert!(Template::parse("a}b", 0).unwrap_err().contains("unmatched"));
    }
}
