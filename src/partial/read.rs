//! Reading parts back: every part is checked (format, version, shard
//! spec, recipe, codec) and the parts together must cover every shard of
//! one recipe exactly once; their replications come back in order, and
//! `check_shapes` confirms they fit the scenario they will merge into.

use super::split::Recipe;
use super::{MAX_SHARDS, PARTIAL_FORMAT, PartialError, codec, metrics_from_json};
use crate::metrics::Metrics;
use crate::scenario::Scenario;
use serde_json::Value;

/// One replication's metrics: of variant (run, compare) or point (sweep)
/// `unit`.
pub struct Item {
    pub unit: usize,
    pub replication: u32,
    pub metrics: Metrics,
    /// Where it was read: `FILE: items[K]`, for errors.
    pub origin: String,
}

/// Reads parts `(name, text)`; they must share one recipe and cover every
/// shard exactly once.
pub fn read_partials(parts: &[(String, String)]) -> Result<(Recipe, Vec<Item>), PartialError> {
    let mut recipe: Option<Recipe> = None;
    let mut seen: Vec<u32> = Vec::new();
    let mut count = 0;
    let mut items = Vec::new();
    for (name, text) in parts {
        let part = read_part(name, text)?;
        match &recipe {
            None => recipe = Some(part.recipe),
            Some(first) if *first == part.recipe => {}
            Some(_) => return Err(PartialError::Mixed { name: name.clone() }),
        }
        let (index, n) = part.shard;
        if count != 0 && n != count {
            return Err(PartialError::Count {
                name: name.clone(),
                n,
                count,
            });
        }
        if n > MAX_SHARDS || index >= n {
            return Err(PartialError::Spec(format!("{index}/{n} in {name}")));
        }
        count = n;
        if seen.contains(&index) {
            return Err(PartialError::Duplicate {
                name: name.clone(),
                index,
                n,
            });
        }
        seen.push(index);
        items.extend(part.items);
    }
    let recipe = recipe.ok_or(PartialError::NoParts)?;
    if (seen.len() as u32) < count {
        seen.sort_unstable();
        let absent: Vec<u32> = (0..count)
            .filter(|i| seen.binary_search(i).is_err())
            .collect();
        let mut listed: Vec<String> = absent
            .iter()
            .take(10)
            .map(|i| format!("{i}/{count}"))
            .collect();
        if absent.len() > listed.len() {
            listed.push(format!("and {} more", absent.len() - listed.len()));
        }
        return Err(PartialError::Missing(listed.join(", ")));
    }
    items.sort_by_key(|i| (i.unit, i.replication));
    Ok((recipe, items))
}

struct Part {
    recipe: Recipe,
    shard: (u32, u32),
    items: Vec<Item>,
}

fn read_part(name: &str, text: &str) -> Result<Part, PartialError> {
    let doc: Value = serde_json::from_str(text).map_err(|source| PartialError::NotJson {
        name: name.to_string(),
        source,
    })?;
    if doc.get("format").and_then(Value::as_str) != Some(PARTIAL_FORMAT) {
        return Err(PartialError::NotPartial { name: name.into() });
    }
    if doc.get("simsms_version").and_then(Value::as_str) != Some(env!("CARGO_PKG_VERSION")) {
        return Err(PartialError::Version { name: name.into() });
    }
    let malformed = |source| PartialError::Malformed {
        name: name.to_string(),
        source,
    };
    let shard = codec::field(&doc, "shard").map_err(malformed)?;
    let mut items = Vec::new();
    for (k, item) in codec::field(&doc, "items")
        .map_err(malformed)?
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        items.push(Item {
            origin: format!("{name}: items[{k}]"),
            unit: codec::from(item, "unit").map_err(malformed)?,
            replication: codec::from(item, "replication").map_err(malformed)?,
            metrics: metrics_from_json(codec::field(item, "metrics").map_err(malformed)?)
                .map_err(malformed)?,
        });
    }
    Ok(Part {
        recipe: codec::from(&doc, "recipe").map_err(malformed)?,
        shard: (
            codec::from(shard, "index").map_err(malformed)?,
            codec::from(shard, "count").map_err(malformed)?,
        ),
        items,
    })
}

/// Every item's metrics have the dimensions of `sc`, so they merge.
pub fn check_shapes<'i>(
    items: impl IntoIterator<Item = &'i Item>,
    sc: &Scenario,
) -> Result<(), PartialError> {
    let expected = Metrics::for_scenario(sc);
    for item in items {
        if let Some(why) = item.metrics.shape_mismatch(&expected) {
            return Err(PartialError::Shape {
                at: item.origin.clone(),
                why,
            });
        }
    }
    Ok(())
}
