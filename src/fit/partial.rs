//! `simsms fit --shard I/N`: each shard reads every file and keeps the
//! numbers whose hash it owns, so a number's messages (and its sessions)
//! are all in one part; the part is its [`Summary`], in `simsms merge`'s
//! partial format. Merging adds the summaries into the one the whole
//! record set makes (counts and per-number groups exactly; the latency
//! and gap samples as uniform samples of the union).

use super::summary::Summary;
use crate::partial::{PARTIAL_FORMAT, PartialError, Recipe, Shard};
use serde_json::{Value, json};

/// The partial result of one shard.
pub fn document(recipe: &Recipe, shard: Shard, summary: &Summary) -> Value {
    json!({
        "format": PARTIAL_FORMAT,
        "simsms_version": env!("CARGO_PKG_VERSION"),
        "recipe": recipe,
        "shard": { "index": shard.index, "count": shard.count },
        "fit": summary,
    })
}

/// The summaries of every part added. Headers were checked by `merge`.
pub fn merge(parts: &[(String, String)]) -> Result<Summary, PartialError> {
    let mut merged: Option<Summary> = None;
    for (name, text) in parts {
        let doc: Value = serde_json::from_str(text).map_err(|source| PartialError::NotJson {
            name: name.clone(),
            source,
        })?;
        let summary: Summary = serde_json::from_value(doc["fit"].clone()).map_err(|source| {
            PartialError::Malformed {
                name: name.clone(),
                source: crate::partial::CodecError::Invalid {
                    key: "fit".into(),
                    source,
                },
            }
        })?;
        match &mut merged {
            None => merged = Some(summary),
            Some(m) => m.merge(summary),
        }
    }
    merged.ok_or(PartialError::NoParts)
}
