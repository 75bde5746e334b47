//! premix: organise DAW projects before mixing.
//!
//! Data flows one way: bytes → [`formats`] (a backend reads a [`session::Session`]) →
//! [`rules`] (a [`plan::Plan`]) → [`formats`] again (the plan spelled as [`edit::Edit`]s on
//! the original bytes) → [`pipeline`] (verified by reading the output back) → [`write`]
//! (atomic, with backups). [`report`] shows plans; [`batch`] finds projects and runs many.
//! [`findings`] says what a plan leaves to look at, and how much it matters; [`baseline`]
//! records the findings a studio accepted.

pub mod analysis;
pub mod baseline;
pub mod batch;
pub mod big_buffer;
pub mod cli;
pub mod config;
pub mod deflate_splice;
pub mod edit;
pub mod findings;
pub mod formats;
pub mod limits;
pub mod media;
pub mod name_bytes;
pub mod parallel_gzip;
pub mod pipeline;
pub mod plan;
pub mod preflight;
pub mod report;
pub mod rules;
pub mod session;
pub mod write;
