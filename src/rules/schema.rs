//! The rules file as written (version 1), before validation: read by serde once
//! [`super::shape`] found its keys and types right; [`super::compile`] checks the rest. Every
//! `color` key may be spelt `colour` (and `colors` `colours`), as premix itself writes it.

use crate::plan::UnusedReason;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRules {
    pub version: u32,
    /// A rules file (relative to this one) or `default`, that this file layers on.
    #[serde(default)]
    pub extends: Option<String>,
    #[serde(default, alias = "colours")]
    pub colors: BTreeMap<String, String>,
    #[serde(default)]
    pub buses: Vec<RawBus>,
    #[serde(default)]
    pub rules: Vec<RawRule>,
    #[serde(default)]
    pub unused: Option<RawUnused>,
    #[serde(default)]
    pub gain_staging: Option<RawGainStaging>,
    #[serde(default)]
    pub reference: Option<RawReference>,
}

/// `gain: {peak: -6}` or `gain: {loudness: -18}` (one of the two).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGain {
    #[serde(default)]
    pub peak: Option<f64>,
    #[serde(default)]
    pub loudness: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGainStaging {
    #[serde(default)]
    pub keep_balance: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReference {
    #[serde(default, rename = "match")]
    pub matches: Option<RawMatch>,
    #[serde(default)]
    pub output: Option<RawOutput>,
    #[serde(default)]
    pub loudness: Option<RawLoudness>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawOutput {
    Direct,
}

/// A reference's level: LUFS, or `{match: REGEX}`, the loudness of the track it names.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawLoudness {
    Lufs(f64),
    Like(RawLike),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLike {
    #[serde(rename = "match")]
    pub matches: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBus {
    pub name: String,
    #[serde(default, alias = "colour")]
    pub color: Option<String>,
    /// Regexes naming an existing bus that is this one ("Drms", "Drum Bus").
    #[serde(default)]
    pub aliases: Vec<String>,
    /// How many tracks must go into the bus for premix to create it (default 2).
    #[serde(default)]
    pub min_members: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "match")]
    pub matches: Option<RawMatch>,
    #[serde(default)]
    pub rename: Option<String>,
    #[serde(default, alias = "colour")]
    pub color: Option<String>,
    #[serde(default)]
    pub bus: Option<String>,
    #[serde(default, rename = "continue")]
    pub continue_: bool,
    #[serde(default)]
    pub gain: Option<RawGain>,
    /// The track fader, dB.
    #[serde(default)]
    pub fader: Option<f64>,
    /// -1 left .. 0 centre .. 1 right.
    #[serde(default)]
    pub pan: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub kind: Option<RawKind>,
    #[serde(default)]
    pub media: Option<String>,
    #[serde(default)]
    pub plugin: Option<String>,
    #[serde(default)]
    pub inside: Option<String>,
    #[serde(default)]
    pub beside: Option<String>,
    #[serde(default)]
    pub muted: Option<bool>,
    #[serde(default)]
    pub empty: Option<bool>,
    #[serde(default)]
    pub any: Option<Vec<RawMatch>>,
    #[serde(default)]
    pub not: Option<Box<RawMatch>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawKind {
    Audio,
    Midi,
    Bus,
    Return,
    Foldback,
    Any,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnused {
    #[serde(default)]
    pub when: Vec<UnusedReason>,
    #[serde(default)]
    pub action: RawUnusedAction,
    #[serde(default, alias = "colour")]
    pub color: Option<String>,
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub bus: Option<String>,
    /// Tracks that are never unused, and whose media is not material (see
    /// [`super::UnusedPolicy::except`]).
    #[serde(default)]
    pub except: Option<RawMatch>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawUnusedAction {
    #[default]
    Flag,
    #[serde(alias = "colour")]
    Color,
    Prefix,
    Mute,
    Bus,
    Remove,
}
