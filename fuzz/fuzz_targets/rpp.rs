//! Any bytes as a REAPER project: read, plan the default rules, write, verify. Must never
//! panic; the pipeline's own verification turns a writer bug into an error, which the fuzzer
//! cannot see, so a successful write is also checked to read back and to be stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use premix::session::Format;

fuzz_target!(|data: &[u8]| {
    premix_fuzz_common::pipeline_holds(Format::Rpp, data);
});

#[path = "common.rs"]
mod premix_fuzz_common;
