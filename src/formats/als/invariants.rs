//! Structural invariants Live relies on, checked after every write in the tests (Live does
//! not run on Linux, so these are the strongest checks available; `FORMATS.md` §6):
//! unique track ids; every pointee id unique and below `NextPointeeId`; every
//! `TrackGroupId` names a group track that precedes the track; a group's children follow it
//! contiguously. Clip counts ([`clip_count`]) must not change across a write.
//!
//! [`check_send_holders`] (one `TrackSendHolder` per return track on every track) is kept
//! apart: Live writes it that way, but three abletoolz-pruned skeletons in the corpus
//! (10.0.1, 11.0.0, 11.0.12) had return tracks pruned and their holders kept, so it is
//! checked as "still holds after a write when it held before".

use super::scan::{self, AlsDocument};
use std::collections::HashSet;

/// The clips (session slots and arrangement) of every track of a set's XML.
pub fn clip_count(xml: &[u8]) -> Result<usize, String> {
    let doc = scan::scan(xml).map_err(|e| e.to_string())?;
    Ok(doc.tracks.iter().map(|t| t.clips.len()).sum())
}

/// Checks the invariants on a set's decompressed XML.
pub fn check_invariants(xml: &[u8]) -> Result<(), String> {
    let doc = scan::scan(xml).map_err(|e| e.to_string())?;
    check_document(&doc)
}

pub fn check_document(doc: &AlsDocument) -> Result<(), String> {
    let mut ids = HashSet::new();
    for (i, t) in doc.tracks.iter().enumerate() {
        let id =
            t.id.as_ref()
                .and_then(|f| f.int())
                .ok_or_else(|| format!("track {} has no numeric Id", i + 1))?;
        if !ids.insert(id) {
            return Err(format!("track id {id} is used twice"));
        }
    }
    let mut pointees = HashSet::new();
    let next = doc.next_pointee.as_ref().and_then(|f| f.int());
    for (id, _) in &doc.pointees {
        if !pointees.insert(*id) {
            return Err(format!("pointee id {id} is used twice"));
        }
        if let Some(next) = next
            && *id >= next
        {
            return Err(format!("pointee id {id} is not below NextPointeeId {next}"));
        }
    }
    let mut parents = Vec::with_capacity(doc.tracks.len());
    for (i, t) in doc.tracks.iter().enumerate() {
        let gid = t.group_id.as_ref().and_then(|f| f.int()).unwrap_or(-1);
        if gid < 0 {
            parents.push(None);
            continue;
        }
        let parent = doc.tracks[..i].iter().position(|g| {
            g.tag == "GroupTrack" && g.id.as_ref().and_then(|f| f.int()) == Some(gid)
        });
        match parent {
            Some(p) => parents.push(Some(p)),
            None => {
                return Err(format!(
                    "track {} has TrackGroupId {gid}, which names no earlier group track",
                    i + 1
                ));
            }
        }
    }
    let descends = |mut j: usize, ancestor: usize| {
        while let Some(p) = parents[j] {
            if p == ancestor {
                return true;
            }
            j = p;
        }
        false
    };
    for (i, parent) in parents.iter().enumerate() {
        if let Some(p) = *parent
            && let Some(j) = (p + 1..i).find(|&j| !descends(j, p))
        {
            return Err(format!(
                "group at track {} is not contiguous: track {} sits between it and its child {}",
                p + 1,
                j + 1,
                i + 1
            ));
        }
    }
    Ok(())
}

/// Every track has one send holder per return track.
pub fn check_send_holders(xml: &[u8]) -> Result<(), String> {
    let doc = scan::scan(xml).map_err(|e| e.to_string())?;
    let returns = doc.tracks.iter().filter(|t| t.tag == "ReturnTrack").count();
    for (i, t) in doc.tracks.iter().enumerate() {
        if t.send_holders != returns {
            return Err(format!(
                "track {} has {} send holders for {returns} return tracks",
                i + 1,
                t.send_holders
            ));
        }
    }
    Ok(())
}
