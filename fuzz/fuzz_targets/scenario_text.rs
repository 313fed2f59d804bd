//! Scenario text → checked scenario: any bytes get a scenario or
//! diagnostics, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = simsms::scenario::parse(text, "fuzz.toml") {
            // Rendering the diagnostics (with their source lines) must not panic either.
            let _ = e.to_string();
        }
    }
});
