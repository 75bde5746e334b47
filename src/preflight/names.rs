//! Track names that tell an engineer nothing: a DAW's default name for a new track, or a name
//! another track has too.

use crate::session::Session;
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// What DAWs call a new track: REAPER and Ardour `Audio 23`, `Track 24`, `MIDI 1`, `Bus 2`;
/// Live `1-Audio`, `2-MIDI` (Live 8: `3 Audio`); Pro Tools and Logic `Audio 1`, `Inst 1`.
static DEFAULT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(\d+\s*[-_ ]\s*)?(audio|midi|track|inst|instrument|bus|aux|group|audio track|midi track|instrument track)(\s*[-_ ]?\s*\d+)?$",
    )
    .expect("a valid pattern")
});

/// Why `name` is a default name, or `None`.
pub fn default_name(name: &str) -> Option<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Some("the track has no name".into());
    }
    DEFAULT
        .is_match(trimmed)
        .then(|| format!("{trimmed:?} is a DAW's default name: say what the track holds"))
}

/// For each track whose name (trimmed, any case) another track has, the other tracks.
pub fn duplicates(session: &Session) -> HashMap<usize, Vec<usize>> {
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for t in &session.tracks {
        let key = t.name.trim().to_lowercase();
        if !key.is_empty() {
            by_name.entry(key).or_default().push(t.index);
        }
    }
    let mut out = HashMap::new();
    for group in by_name.into_values().filter(|g| g.len() > 1) {
        for &i in &group {
            out.insert(i, group.iter().copied().filter(|&o| o != i).collect());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_of_every_daw_and_real_names() {
        for name in [
            "Audio 23", "Track 24", "1-Audio", "MIDI 1", "3 Audio", "Audio", "inst 2", "Audio-1",
            "",
        ] {
            assert!(default_name(name).is_some(), "{name:?}");
        }
        for name in [
            "Kick In",
            "Audio Guide",
            "Track Vox",
            "MIDI Piano",
            "Bus Comp",
            "808",
        ] {
            assert!(default_name(name).is_none(), "{name:?}");
        }
    }
}
