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
