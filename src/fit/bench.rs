//! `simsms bench fit`: records per second of `simsms fit`'s reading and
//! collecting, side by side with a plain read of the same CSV by the csv
//! crate (every record parsed into fields, nothing else), alternating so
//! both see the same machine.

use super::collect::Collected;
use super::estimates::Fit;
use super::read::{ReadOptions, read_file};
use std::path::Path;
use std::time::Instant;

/// The best of `repeat` alternating runs of each side.
pub struct FitBench {
    pub records: u64,
    pub plain_seconds: f64,
    pub fit_seconds: f64,
    /// Reading and collecting only (the estimates after are apart).
    pub read_seconds: f64,
}

impl FitBench {
    /// The figures, as `bench fit` prints them.
    pub fn render(&self, file: &str) -> String {
        let rate = |s: f64| self.records as f64 / s / 1e6;
        format!(
            "{} records of {file}\n  plain csv read:          {:.3} s, {:.2}M records/s\n  fit read + collect:      {:.3} s, {:.2}M records/s\n  fit, estimates included: {:.3} s, {:.2}M records/s\n  fit / plain read: {:.2}x the time\n",
            self.records,
            self.plain_seconds,
            rate(self.plain_seconds),
            self.read_seconds,
            rate(self.read_seconds),
            self.fit_seconds,
            rate(self.fit_seconds),
            self.fit_seconds / self.plain_seconds
        )
    }
}

/// Times a plain csv read and `fit`'s read + collect + estimate of `path`.
pub fn run(path: &Path, repeat: u32) -> Result<FitBench, String> {
    let mut best = FitBench {
        records: 0,
        plain_seconds: f64::INFINITY,
        fit_seconds: f64::INFINITY,
        read_seconds: f64::INFINITY,
    };
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let mut reader = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
        let mut record = csv::ByteRecord::new();
        let mut rows = 0u64;
        let mut bytes = 0usize;
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| e.to_string())?
        {
            rows += 1;
            bytes += record.len();
        }
        std::hint::black_box(bytes);
        best.plain_seconds = best.plain_seconds.min(started.elapsed().as_secs_f64());

        let started = Instant::now();
        let mut collected = Collected::new(None, None);
        read_file(path, &ReadOptions::default(), &mut collected).map_err(|e| e.to_string())?;
        let summary = collected.finish();
        best.read_seconds = best.read_seconds.min(started.elapsed().as_secs_f64());
        let fit = Fit::of(summary, Default::default());
        best.fit_seconds = best.fit_seconds.min(started.elapsed().as_secs_f64());
        if fit.records != rows {
            return Err(format!(
                "fit used {} of {rows} records ({} skipped)",
                fit.records,
                fit.skipped()
            ));
        }
        best.records = rows;
    }
    Ok(best)
}
