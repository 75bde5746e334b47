//! Ardour sessions (`NAME.ardour`, `.template`): XML, read and written on byte spans
//! (see `FORMATS.md` §3 and §6).
//!
//! [`xml`] scans the document once, recording element and attribute-value spans; [`read`]
//! turns the routes into a [`Session`] (what counts as a track, its order, parent and colour is
//! documented there); [`edits`] spells a plan as attribute-value replacements; [`bus`] creates
//! buses; [`remove`] removes routes. [`ArdourProject::vet`] drops, with a note, what cannot be written:
//! - a rename that would give two routes the same name (Ardour requires unique route names),
//!   or a name containing `/` or `:` (they would break port names);
//! - a colour for a route with no colour attribute to change (a pre-5 session whose route has
//!   no GUI colour yet); pre-5 colours are otherwise written in their own 16-bit `r:g:b` form;
//! - removing a route that other routes feed (see [`remove`]);
//! - a rename holding a line break (the name is also every port's name);
//! - buses in Ardour 2 sessions (format 2.0.0, see [`bus::unsupported_reason`]), and a new bus
//!   whose name is taken by a route that is not a bus (see [`bus`]).

pub mod bus;
mod bus_xml;
mod edits;
mod lines;
pub mod media;
pub mod mixer;
mod order;
pub mod read;
mod remove;
pub mod xml;

use crate::formats::{FormatError, Project, WriteError};
use crate::plan::{Action, BusRef, Note, Plan};
use crate::session::{Name, NamePool, Session};
use read::ArdourDoc;
use std::collections::HashSet;

pub struct ArdourProject<'a> {
    src: &'a [u8],
    doc: ArdourDoc<'a>,
    session: Session,
}

impl<'a> ArdourProject<'a> {
    /// Reads a session. The document borrows `src`: only values that had to be unescaped and
    /// the routes' names are held apart from it.
    ///
    /// Errors: malformed XML (with the line), or a root element other than `<Session>`.
    pub fn read(src: &'a [u8]) -> Result<Self, FormatError> {
        Self::read_named(src, &NamePool::fresh())
    }

    /// [`ArdourProject::read`] with the routes' names made by `names` (a read-back takes the
    /// predicted ones, [`NamePool::reusing`]).
    pub fn read_named(src: &'a [u8], names: &NamePool) -> Result<Self, FormatError> {
        let xml = xml::scan(src)?;
        if &*xml.root().name != "Session" {
            return Err(FormatError::at_line(
                1,
                format!(
                    "not an Ardour session: the root element is <{}>, not <Session>",
                    xml.root().name
                ),
            ));
        }
        let doc = read::read(xml, names);
        let session = doc.session();
        Ok(ArdourProject { src, doc, session })
    }

    pub fn document(&self) -> &ArdourDoc<'a> {
        &self.doc
    }
}

impl ArdourProject<'_> {
    /// Buses need a session version premix can spell a bus route in ([`bus_xml::Dialect`])
    /// with `<RouteGroups>` and `id-counter`; a new bus needs a free, port-safe name.
    fn vet_buses(&self, plan: &mut Plan, final_names: &[Name]) {
        if !bus::plan_has_buses(plan) {
            return;
        }
        let doc = &self.doc;
        let supported = bus_xml::Dialect::of_version(doc.version).is_some()
            && doc.xml.child_named(0, "RouteGroups").is_some()
            && doc.xml.root().get("id-counter").is_some()
            && doc.routes_elem.is_some()
            && !doc.routes.is_empty();
        let mut refused: Vec<Option<String>> = plan
            .new_buses
            .iter()
            .map(|b| {
                if !supported {
                    Some(format!(
                        "bus {:?} not made: {}",
                        b.name,
                        bus::unsupported_reason(doc)
                    ))
                } else if b.name.contains(['/', ':']) || b.name.is_empty() {
                    Some(format!(
                        "bus {:?} not made: Ardour route names cannot be empty or contain '/' or ':'",
                        b.name
                    ))
                } else if final_names.iter().any(|n| *n == b.name) {
                    Some(format!(
                        "bus {:?} not made: a route that is not a bus already has that name",
                        b.name
                    ))
                } else {
                    None
                }
            })
            .collect();
        // Two new buses with one name cannot happen (the planner merges them), but be safe.
        let names: Vec<&str> = plan.new_buses.iter().map(|b| b.name.as_str()).collect();
        for (k, why) in refused.iter_mut().enumerate() {
            if why.is_none() && names[..k].contains(&names[k]) {
                *why = Some(format!("bus {:?} not made: declared twice", names[k]));
            }
        }
        let mut notes = Vec::new();
        plan.changes.retain(|c| {
            let Action::MoveToBus { bus } = c.action else {
                return true;
            };
            let why = match bus {
                BusRef::New(k) => refused[k].clone(),
                BusRef::Existing(_) if !supported => Some(format!(
                    "not moved into a bus: {}",
                    bus::unsupported_reason(doc)
                )),
                BusRef::Existing(_) => None,
            }
            .or_else(|| {
                let route = &doc.routes[doc.track_routes[c.track]];
                (route.audio_outputs == 0).then(|| {
                    "not moved into a bus: the route has no audio outputs to feed an audio bus \
                     (a MIDI track without an instrument)"
                        .to_string()
                })
            });
            match why {
                Some(message) => {
                    notes.push(Note {
                        track: Some(c.track),
                        message,
                        origin: Some(c.origin.clone()),
                    });
                    false
                }
                None => true,
            }
        });
        // Drop the buses no move goes into any more (every refused one among them).
        for (k, bus) in plan.drop_unused_new_buses() {
            if let Some(message) = &refused[k] {
                plan.notes.push(Note {
                    track: None,
                    message: message.clone(),
                    origin: Some(bus.origin.clone()),
                });
            }
        }
        plan.notes.extend(notes);
    }
}

impl ArdourProject<'_> {
    /// Declines, with a note, the source rewrites the output's search path cannot carry
    /// ([`media::unreachable`]).
    fn vet_media(&self, plan: &mut Plan) {
        use crate::media::relocate::FileKind;
        let Some(m) = plan.media.as_mut() else {
            return;
        };
        for kind in [FileKind::Audio, FileKind::Midi] {
            let is_kind = |k: FileKind| (k == FileKind::Midi) == (kind == FileKind::Midi);
            let declined: Vec<_> = match media::unreachable(&self.doc.xml, m, kind) {
                Some(why) => m
                    .rewritten()
                    .filter(|f| is_kind(f.kind))
                    .map(|f| (f.file.clone(), f.kind, why.clone()))
                    .collect(),
                // A folder that is not UTF-8 cannot be written into the option at all.
                None => m
                    .rewritten()
                    .filter(|f| is_kind(f.kind))
                    .filter(|f| {
                        f.target
                            .as_deref()
                            .and_then(std::path::Path::parent)
                            .and_then(crate::media::relocate::absolute_text)
                            .is_none()
                    })
                    .map(|f| {
                        (
                            f.file.clone(),
                            f.kind,
                            "its folder's name is not UTF-8".into(),
                        )
                    })
                    .collect(),
            };
            for (file, kind, why) in declined {
                m.decline(&file, kind);
                plan.notes.push(Note {
                    track: None,
                    message: format!("media {:?} not reached from the output: {why}", file.path),
                    origin: None,
                });
            }
        }
    }
}

impl Project for ArdourProject<'_> {
    fn session(&self) -> &Session {
        &self.session
    }

    fn vet(&self, plan: &mut Plan) {
        let doc = &self.doc;
        let mut notes = Vec::new();
        let route_of = |track: usize| &doc.routes[doc.track_routes[track]];

        // Renames: unique names (checked in track order against the names other routes will
        // have), no port-breaking characters.
        // Shared with the routes, not copied.
        let mut names: Vec<Name> = doc.routes.iter().map(|r| r.name.clone()).collect();
        let mut accepted: HashSet<usize> = HashSet::new();
        for (i, c) in plan.changes.iter().enumerate() {
            let Action::Rename { to } = &c.action else {
                continue;
            };
            let ri = doc.track_routes[c.track];
            let refuse = if to.contains(['/', ':']) {
                Some(format!(
                    "not renamed to {to:?}: Ardour route names cannot contain '/' or ':'"
                ))
            } else if to.contains('\n') {
                // The name is also every port's name: a line break would go into them.
                Some(format!(
                    "not renamed to {to:?}: an Ardour route name is one line (it names the route's ports)"
                ))
            } else if to.is_empty() {
                Some("not renamed: an Ardour route name cannot be empty".to_string())
            } else if names.iter().enumerate().any(|(j, n)| j != ri && n == to)
                || plan.new_buses.iter().any(|b| b.name == *to)
            {
                Some(format!(
                    "not renamed to {to:?}: another route already has that name (Ardour route names are unique)"
                ))
            } else {
                None
            };
            match refuse {
                Some(message) => notes.push((i, message)),
                None => {
                    names[ri] = to.clone();
                    accepted.insert(i);
                }
            }
        }
        // Routes that other routes' outputs feed (buses with members, summing tracks): only
        // a removal asks.
        let fed: HashSet<usize> = if plan.changes.iter().any(|c| c.action == Action::Remove) {
            let input_owner = read::input_port_owners(&doc.routes);
            doc.routes
                .iter()
                .enumerate()
                .flat_map(|(j, r)| {
                    r.feeds
                        .iter()
                        .filter_map(|f| input_owner.get(&**f).copied())
                        .filter(move |&i| i != j)
                })
                .collect()
        } else {
            HashSet::new()
        };
        for (i, c) in plan.changes.iter().enumerate() {
            let message = match &c.action {
                Action::Recolor { .. } if route_of(c.track).color_spot.is_none() => Some(
                    "colour not changed: this pre-Ardour-5 route has no colour setting to change"
                        .to_string(),
                ),
                Action::Mute if route_of(c.track).mute_spots.is_empty() => {
                    Some("not muted: the route has no mute control in this file".to_string())
                }
                Action::Remove if fed.contains(&doc.track_routes[c.track]) => Some(
                    "not removed: other routes' outputs feed this route (they would lose their path to the master)"
                        .to_string(),
                ),
                _ => None,
            };
            if let Some(m) = message {
                notes.push((i, m));
            }
        }
        notes.sort_by_key(|(i, _)| *i);
        notes.dedup_by_key(|(i, _)| *i);
        let dropped: HashSet<usize> = notes.iter().map(|(i, _)| *i).collect();
        for (i, message) in &notes {
            let c = &plan.changes[*i];
            plan.notes.push(Note {
                track: Some(c.track),
                message: message.clone(),
                origin: Some(c.origin.clone()),
            });
        }
        let mut index = 0;
        plan.changes.retain(|_| {
            let keep = !dropped.contains(&index);
            index += 1;
            keep
        });
        self.vet_buses(plan, &names);
        self.vet_media(plan);
        mixer::vet(self, plan);
    }

    fn into_session(self: Box<Self>) -> Session {
        self.session
    }

    fn source(&self) -> &[u8] {
        self.src
    }

    fn media_files(&self, project: &std::path::Path) -> Vec<crate::media::relocate::MediaFile> {
        media::media_files(&self.doc.xml, project, &self.doc.media)
    }

    /// A session written elsewhere gets the media's folders added to its search paths
    /// ([`media::search_path_edits`]); its sources' names stay as they are.
    fn reaches_media_through_search_path(&self) -> bool {
        true
    }

    fn write_to(&self, plan: &Plan, out: &mut dyn std::io::Write) -> Result<(), WriteError> {
        if !plan.edits_file() {
            return Ok(out.write_all(self.src)?);
        }
        edits::write_to(self, plan, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each name is held once (issue #14): the route's is the session track's, and a value
    // needing no unescaping is the session's own bytes.
    #[test]
    fn routes_share_the_sessions_names_and_borrow_their_values() {
        let src = std::fs::read("samples/ardour/messy-session/messy-session.ardour").unwrap();
        let project = ArdourProject::read(&src).unwrap();
        let doc = project.document();
        let session = project.session();
        assert!(!session.tracks.is_empty());
        for (track, &r) in session.tracks.iter().zip(&doc.track_routes) {
            let route = &doc.routes[r];
            assert!(track.name.shares(&route.name), "{:?}", track.name);
            let value = doc.xml.elements[route.elem].attr("name").unwrap();
            assert_eq!(value.value.as_ptr(), src[value.span.clone()].as_ptr());
            for port in route.input_ports.iter().chain(&route.feeds) {
                assert!(matches!(port, std::borrow::Cow::Borrowed(_)), "{port}");
            }
        }
    }
}
