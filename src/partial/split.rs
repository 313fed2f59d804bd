//! How a run is split and how it was made: the `--shard I/N` spec (which
//! replications, points or messages a shard owns) and the recipe every
//! part carries so `merge` can rebuild the run. Both `shard` (batch) and
//! `load` split runs this way.

use super::{MAX_SHARDS, PartialError};

/// Shard `index` of `count` (0-based): the replications (sweep points, load
/// messages) `k` with `k % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard, PartialError> {
        let bad = || PartialError::Spec(text.to_string());
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        if count > MAX_SHARDS {
            return Err(PartialError::TooManyShards(count));
        }
        Ok(Shard { index, count })
    }

    pub fn owns(&self, k: u32) -> bool {
        k % self.count == self.index
    }

    /// The items of `0..total` this shard runs.
    pub fn select(&self, total: u32) -> Vec<u32> {
        (0..total).filter(|k| self.owns(*k)).collect()
    }
}

/// How a partial result was made, so that `merge` can rebuild the run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Recipe {
    /// `run`, `compare` or `sweep`.
    pub command: String,
    /// The scenario path as given (the report header names it).
    pub source: String,
    /// The scenario file's text, so merging needs no access to it.
    pub scenario_text: String,
    /// `--set` values (sweep: the axes).
    pub sets: Vec<String>,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
    /// `compare --alt` names, in order.
    pub alternatives: Vec<String>,
}
