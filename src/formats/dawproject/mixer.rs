//! A DAWproject channel's fader and pan: its `Volume` and `Pan` parameters (children of the
//! `Channel`), read and written in their own unit, with as many decimals as the file writes
//! (Bitwig 5.1: `<Volume max="2.000000" min="0.000000" unit="linear" value="0.316228" .../>`,
//! `<Pan max="1.000000" min="0.000000" unit="normalized" value="0.500000" .../>`, in
//! `hifa-bitwig516__canon.dawproject`).
//!
//! DAWproject has no clip gain and no hardware outputs (a channel's `destination` is another
//! channel): clip gains and direct outputs are refused with a note. A parameter that an
//! automation lane targets (`Points/Target@parameter`) is automated: the value premix would
//! change is not what plays, so it is not read.

use super::scan::{DpDocument, El};
use crate::edit::Edit;
use crate::session::{db_to_gain, gain_to_db};
use std::collections::HashSet;

/// Which bytes of `parameter="` the search looks for first: `p` and `r`, the rarest of them in
/// DAWproject XML (1.4% and 1.2% of the bench's `project.xml`; `"` is 6%, `=` 3%). memchr's
/// own ranking, made for prose, takes `"` and `=`, which meet at every attribute: 2.5 times
/// slower over a `project.xml` that names no parameter.
struct XmlRank;

impl memchr::arch::all::packedpair::HeuristicFrequencyRank for XmlRank {
    fn rank(&self, byte: u8) -> u8 {
        match byte {
            b'r' => 0,
            b'p' => 1,
            _ => 255,
        }
    }
}

/// The ids automation targets name (`Target@parameter`), found in one pass over `xml`.
pub fn automated(xml: &[u8]) -> HashSet<&[u8]> {
    let needle = b"parameter=\"";
    memchr::memmem::FinderBuilder::new()
        .build_forward_with_ranker(XmlRank, needle)
        .find_iter(xml)
        .filter_map(|at| {
            let from = at + needle.len();
            let len = memchr::memchr(b'"', &xml[from..])?;
            Some(&xml[from..from + len])
        })
        .collect()
}

/// The parameter's `value`, when no automation (`automated`) targets it.
fn value<'a>(doc: &'a DpDocument, automated: &HashSet<&[u8]>, el: usize) -> Option<(f64, El<'a>)> {
    let e = doc.element(el);
    // As `str::trim` then `str::parse` read it.
    let v = super::scan::number(e.get_bytes("value"))?;
    if e.get_bytes("id").is_some_and(|id| automated.contains(id)) {
        return None;
    }
    v.is_finite().then_some((v, e))
}

/// Track `t`'s fader, linear; `None` without a `Volume` premix reads (a unit other than
/// `linear` or `decibel`, automated).
pub fn fader(doc: &DpDocument, automated: &HashSet<&[u8]>, t: usize) -> Option<f64> {
    let (v, e) = value(doc, automated, doc.parameter(t, "Volume")?)?;
    match e.get_bytes("unit") {
        Some(b"linear") => Some(v),
        Some(b"decibel") => Some(db_to_gain(v)),
        _ => None,
    }
}

/// Track `t`'s pan, -1 left .. 1 right: a `normalized` pan is 0 left .. 1 right; a `linear`
/// one from -1 to 1 as it is.
pub fn pan(doc: &DpDocument, automated: &HashSet<&[u8]>, t: usize) -> Option<f64> {
    let (v, e) = value(doc, automated, doc.parameter(t, "Pan")?)?;
    let bound = |name: &str| super::scan::number(e.get_bytes(name));
    match (e.get_bytes("unit"), bound("min"), bound("max")) {
        (Some(b"normalized"), _, _) => Some(2.0 * v - 1.0),
        (Some(b"linear"), Some(min), Some(max)) if min == -1.0 && max == 1.0 => Some(v),
        _ => None,
    }
}

/// The highest fader track `t`'s `Volume` takes (its `max`), linear.
pub fn fader_max(doc: &DpDocument, t: usize) -> Option<f64> {
    let e = doc.element(doc.parameter(t, "Volume")?);
    let max = e.get("max")?.trim().parse::<f64>().ok()?;
    match e.get("unit") {
        Some("linear") => Some(max),
        Some("decibel") => Some(db_to_gain(max)),
        _ => None,
    }
}

/// `value` with as many decimals as `original` has when that is a fixed width of 6 or more
/// (`%.6f` in Bitwig's files), else 6 decimals, trailing zeros dropped (a `1.0` would keep
/// one decimal and lose the value).
fn spelt(value: f64, original: &str) -> String {
    match original.split_once('.') {
        Some((_, decimals)) if decimals.len() >= 6 => format!("{value:.*}", decimals.len()),
        _ => crate::formats::numbers::fixed_trimmed(value, 6),
    }
}

fn set_value(el: El, value: f64) -> Option<Edit> {
    let a = el.attr("value")?;
    Some(Edit::replace(a.span.clone(), spelt(value, el.value(a))))
}

/// The edits that set track `t`'s fader (linear) and pan (-1..1), each when given.
pub fn edits(doc: &DpDocument, t: usize, fader: Option<f64>, pan: Option<f64>) -> Vec<Edit> {
    let mut out = Vec::new();
    if let (Some(f), Some(el)) = (fader, doc.parameter(t, "Volume")) {
        let el = doc.element(el);
        let value = match el.get("unit") {
            Some("decibel") => gain_to_db(f),
            _ => f,
        };
        out.extend(set_value(el, value));
    }
    if let (Some(p), Some(el)) = (pan, doc.parameter(t, "Pan")) {
        let el = doc.element(el);
        let value = match el.get("unit") {
            Some("normalized") => (p + 1.0) / 2.0,
            _ => p,
        };
        out.extend(set_value(el, value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // The ranked search finds what a plain search finds, wherever the needle lies.
    #[test]
    fn automated_finds_every_parameter_a_plain_search_finds() {
        let mut xml = Vec::new();
        for i in 0..300 {
            xml.extend_from_slice(format!("<Volume value=\"{i}\" id=\"id{i}\"/>").as_bytes());
            if i % 7 == 0 {
                xml.extend_from_slice(format!("<Target parameter=\"id{i}\"/>").as_bytes());
            }
            if i % 11 == 0 {
                // Near misses and a needle cut by the end.
                xml.extend_from_slice(
                    b"<X parameter = \"no\" parameters=\"no\" xparameter=\"id9\"/>",
                );
            }
        }
        xml.extend_from_slice(b"parameter=\"");
        let plain: HashSet<&[u8]> = memchr::memmem::find_iter(&xml, b"parameter=\"")
            .filter_map(|at| {
                let from = at + 11;
                let len = memchr::memchr(b'"', &xml[from..])?;
                Some(&xml[from..from + len])
            })
            .collect();
        assert_eq!(automated(&xml), plain);
        assert!(automated(&xml).contains(&b"id7"[..]) && automated(&xml).contains(&b"id9"[..]));
    }
}
