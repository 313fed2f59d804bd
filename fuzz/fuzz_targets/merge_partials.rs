//! Partial results → merge: a corrupted part is an error naming it, never
//! a panic. The seed corpus holds real partials of a small scenario.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parts = vec![("part.json".to_string(), text.to_string())];
    if simsms::load::partial::is_load(&parts) {
        let _ = simsms::load::partial::merge(&parts).map_err(|e| e.to_string());
    } else {
        let _ = simsms::shard::merge(&parts).map_err(|e| e.to_string());
    }
});
