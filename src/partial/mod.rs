//! The partial-result format and how runs are split: what `--shard I/N`
//! writes (of `run`, `compare`, `sweep` and `load`) and `simsms merge`
//! reads. It owns the format identifier, the bound on shards, the shard
//! spec and which items a shard owns (`Shard`), the recipe a part carries
//! (`Recipe`), what can be wrong with a part, the lossless JSON codec of
//! one replication's metrics, and reading parts back (`read_partials`,
//! `check_shapes`). Running a shard and merging parts stay with each mode
//! (`shard` for the batch, `load` for load runs); `shard`, `load` and
//! `error` import this module and it imports none of them, so no circle
//! runs through it and the modes need not import each other.

pub(crate) mod codec;
mod read;
mod split;
mod stream;
#[cfg(test)]
mod tests;

pub use codec::{
    CodecError, histogram_from_json, histogram_to_json, metrics_from_json, metrics_to_json,
};
pub use read::{
    Item, check_headers, check_shape, check_shapes, part_text, read_header, read_partials,
};
pub use split::{Recipe, Shard};
pub use stream::{PartItems, StreamError};

/// The most shards a run can be split into (docs/limits.md).
pub const MAX_SHARDS: u32 = 10_000;

/// Format identifier of partial results.
pub const PARTIAL_FORMAT: &str = "simsms-partial/1";

/// Why a shard cannot be run or parts cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum PartialError {
    #[error("--shard expects I/N with 0 <= I < N (0-based), got \"{0}\"")]
    Spec(String),
    #[error("{name}: not a partial result: {source}")]
    NotJson {
        name: String,
        source: serde_json::Error,
    },
    #[error("{name}: not a partial result: {why}")]
    NotUtf8 { name: String, why: String },
    #[error("{name}: not a simsms partial result ({PARTIAL_FORMAT})")]
    NotPartial { name: String },
    #[error("{name}: written by another simsms version; rerun the shard")]
    Version { name: String },
    #[error("{name}: made from another scenario or other settings than the first part")]
    Mixed { name: String },
    #[error("{name}: {source}")]
    Malformed { name: String, source: CodecError },
    #[error("{name}: shard of {n}, others of {count}")]
    Count { name: String, n: u32, count: u32 },
    #[error("{name}: shard {index}/{n} given twice")]
    Duplicate { name: String, index: u32, n: u32 },
    #[error("missing shards: {0}")]
    Missing(String),
    #[error(
        "--shard: at most {MAX_SHARDS} shards, got {0}; a shard runs whole replications (or sweep points), so more shards than machines gain nothing"
    )]
    TooManyShards(u32),
    #[error("no partial results given")]
    NoParts,
    #[error("{}", replications_held(held, *expected))]
    Replications { held: Vec<u32>, expected: u32 },
    #[error("{at}.metrics: {why}, as the scenario in the part defines it")]
    Shape { at: String, why: String },
}

/// Which replications a unit's parts hold, as a sentence naming what is
/// missing or repeated.
fn replications_held(held: &[u32], expected: u32) -> String {
    let missing: Vec<String> = (0..expected)
        .filter(|r| !held.contains(r))
        .map(|r| r.to_string())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let repeated: Vec<String> = held
        .iter()
        .filter(|r| !seen.insert(**r) || **r >= expected)
        .map(|r| r.to_string())
        .collect();
    let mut why = Vec::new();
    if !missing.is_empty() {
        why.push(format!("missing {}", missing.join(", ")));
    }
    if !repeated.is_empty() {
        why.push(format!("repeated or out of range {}", repeated.join(", ")));
    }
    format!(
        "the parts hold {} replications of a unit where 0 to {} were expected ({}); give each shard's part once",
        held.len(),
        expected.saturating_sub(1),
        why.join("; ")
    )
}
