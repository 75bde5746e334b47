//! Any text as a rules file: loads or gives an error with a place; never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = premix::rules::load(text, "fuzz.yaml");
    }
});
