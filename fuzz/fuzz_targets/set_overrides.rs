//! `--set KEY=VALUE` overrides over a shipped scenario: each input line is
//! one override.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simsms::scenario::Settings;

const BASE: &str = include_str!("../../scenarios/rakuten_mnp.toml");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let settings = Settings {
        sets: text.lines().take(16).map(str::to_string).collect(),
        seed: None,
        replications: None,
    };
    if let Err(e) = settings.apply(BASE, "rakuten_mnp.toml") {
        let _ = e.to_string();
    }
});
