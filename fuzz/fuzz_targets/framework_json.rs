//! Framework files (assets/frameworks/*.json and a school's own): any text, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = attune_domain::rules::framework::Framework::from_json_str(text);
    }
});
