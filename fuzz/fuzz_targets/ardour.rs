//! Any bytes as an Ardour session: read, plan the default rules, write, verify; never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use premix::session::Format;

fuzz_target!(|data: &[u8]| {
    premix_fuzz_common::pipeline_holds(Format::Ardour, data);
});

#[path = "common.rs"]
mod premix_fuzz_common;
