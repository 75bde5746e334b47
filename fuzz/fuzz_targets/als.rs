//! Any bytes as an Ableton Live set (gzip or raw XML): read, plan the default rules, write,
//! verify; never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use premix::session::Format;

fuzz_target!(|data: &[u8]| {
    premix_fuzz_common::pipeline_holds(Format::Als, data);
});

#[path = "common.rs"]
mod premix_fuzz_common;
