//! Delivery records in any of `simsms fit`'s formats (the first byte picks
//! one) → observations, a fit and a fitted scenario: any bytes give a fit
//! or an error, never a panic, and every fit writes a scenario that
//! `simsms check` accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simsms::fit::collect::Collected;
use simsms::fit::estimates::Fit;
use simsms::fit::read::{self, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let Some((&format, bytes)) = data.split_first() else {
        return;
    };
    let mut collected = Collected::new(None, None);
    let read = match format % 4 {
        0 => read::simsms::read(bytes, std::path::Path::new("r.csv"), &mut collected),
        1 => read::generic::read(bytes, &ReadOptions::default(), &mut collected),
        2 => read::twilio::read(bytes, &mut collected),
        _ => read::kannel::read(bytes, &mut collected),
    };
    if read.is_err() || collected.records == 0 {
        return;
    }
    let fit = Fit::of(collected.finish(), Default::default());
    let text = simsms::fit::scenario_out::write(&fit, None, &["fuzz".to_string()]);
    if let Err(e) = simsms::scenario::parse(&text, "fitted.toml") {
        panic!("the fitted scenario does not pass check:\n{e}\n{text}");
    }
});
