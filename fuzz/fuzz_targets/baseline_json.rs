//! A `--baseline` JSON report compared with a real one: any JSON gets
//! verdicts or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const CURRENT: &str = include_str!("../corpus/baseline_json/report.json");

fuzz_target!(|data: &[u8]| {
    static CURRENT_JSON: OnceLock<serde_json::Value> = OnceLock::new();
    let current = CURRENT_JSON.get_or_init(|| serde_json::from_str(CURRENT).expect("seed report"));
    let Ok(baseline) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = simsms::export::compare_with_baseline(current, &baseline, 0.01);
});
