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
    let mut coverage = Coverage::default();
    let mut items = Vec::new();
    for (name, text) in parts {
        let part = read_part(name, text)?;
        coverage.add(name, part.recipe, part.shard)?;
        items.extend(part.items);
    }
    let recipe = coverage.finish()?;
    items.sort_by_key(|i| (i.unit, i.replication));
    Ok((recipe, items))
}

/// Checks parts' headers (`(name, recipe, shard)`, from `read_header`)
/// before any part is read whole: one recipe, one shard count, each shard
/// once and none missing.
pub fn check_headers(headers: Vec<(String, Recipe, (u32, u32))>) -> Result<Recipe, PartialError> {
    let mut coverage = Coverage::default();
    for (name, recipe, shard) in headers {
        coverage.add(&name, recipe, shard)?;
    }
    coverage.finish()
}

/// The shards parts cover so far, and the recipe they share.
#[derive(Default)]
struct Coverage {
    recipe: Option<Recipe>,
    seen: Vec<u32>,
    count: u32,
}

impl Coverage {
    fn add(
        &mut self,
        name: &str,
        recipe: Recipe,
        (index, n): (u32, u32),
    ) -> Result<(), PartialError> {
        match &self.recipe {
            None => self.recipe = Some(recipe),
            Some(first) if *first == recipe => {}
            Some(_) => return Err(PartialError::Mixed { name: name.into() }),
        }
        if self.count != 0 && n != self.count {
            return Err(PartialError::Count {
                name: name.into(),
                n,
                count: self.count,
            });
        }
        if n > MAX_SHARDS || index >= n {
            return Err(PartialError::Spec(format!("{index}/{n} in {name}")));
        }
        self.count = n;
        if self.seen.contains(&index) {
            return Err(PartialError::Duplicate {
                name: name.into(),
                index,
                n,
            });
        }
        self.seen.push(index);
        Ok(())
    }

    fn finish(mut self) -> Result<Recipe, PartialError> {
        let recipe = self.recipe.ok_or(PartialError::NoParts)?;
        let count = self.count;
        if (self.seen.len() as u32) < count {
            self.seen.sort_unstable();
            let absent: Vec<u32> = (0..count)
                .filter(|i| self.seen.binary_search(i).is_err())
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
        Ok(recipe)
    }
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
    let (recipe, shard) = read_head(name, &doc)?;
    let malformed = |source| PartialError::Malformed {
        name: name.to_string(),
        source,
    };
    let mut items = Vec::new();
    for (k, item) in codec::field(&doc, "items")
        .map_err(malformed)?
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        items.push(item_from_json(name, k, item)?);
    }
    Ok(Part {
        recipe,
        shard,
        items,
    })
}

/// Item `k` of part `name`.
pub(super) fn item_from_json(name: &str, k: usize, item: &Value) -> Result<Item, PartialError> {
    let malformed = |source| PartialError::Malformed {
        name: name.to_string(),
        source,
    };
    Ok(Item {
        origin: format!("{name}: items[{k}]"),
        unit: codec::from(item, "unit").map_err(malformed)?,
        replication: codec::from(item, "replication").map_err(malformed)?,
        metrics: metrics_from_json(codec::field(item, "metrics").map_err(malformed)?)
            .map_err(malformed)?,
    })
}

/// A part's header fields, in the order they are written: `merge` reads
/// them without reading the items after them.
const HEAD: [&str; 4] = ["format", "simsms_version", "shard", "recipe"];

/// The recipe and shard of a part's header (`doc` holds at least the
/// `HEAD` fields), its format and version checked.
fn read_head(name: &str, doc: &Value) -> Result<(Recipe, (u32, u32)), PartialError> {
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
    let shard = codec::field(doc, "shard").map_err(malformed)?;
    Ok((
        codec::from(doc, "recipe").map_err(malformed)?,
        (
            codec::from(shard, "index").map_err(malformed)?,
            codec::from(shard, "count").map_err(malformed)?,
        ),
    ))
}

/// A part's text with its header first: `HEAD`'s fields, then the rest
/// (the items), so `read_header` stops early.
pub fn part_text(doc: &Value) -> String {
    let Some(fields) = doc.as_object() else {
        return doc.to_string() + "\n";
    };
    let key_order = |k: &str| HEAD.iter().position(|h| *h == k).unwrap_or(HEAD.len());
    let mut keys: Vec<&String> = fields.keys().collect();
    keys.sort_by_key(|k| key_order(k));
    let body: Vec<String> = keys
        .into_iter()
        .map(|k| format!("{}:{}", Value::from(k.as_str()), fields[k.as_str()]))
        .collect();
    format!("{{{}}}\n", body.join(","))
}

/// Reads only a part's header from `reader`: the fields of `HEAD`, up to
/// the first other field once they are all read (parts written before
/// the header came first are read through, without keeping their items).
pub fn read_header(
    name: &str,
    reader: impl std::io::Read,
) -> Result<(Recipe, (u32, u32)), PartialError> {
    use serde::de::DeserializeSeed;
    let mut head = serde_json::Map::new();
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
    match (HeadSeed(&mut head)).deserialize(&mut de) {
        Ok(()) => {}
        Err(_) if head.len() == HEAD.len() => {}
        Err(source) => {
            return Err(PartialError::NotJson {
                name: name.into(),
                source,
            });
        }
    }
    read_head(name, &Value::Object(head))
}

/// Collects `HEAD`'s fields of a JSON object, and stops (with an error
/// the caller expects) once it has them all.
struct HeadSeed<'h>(&'h mut serde_json::Map<String, Value>);

impl<'de> serde::de::DeserializeSeed<'de> for HeadSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for HeadSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a partial result (a JSON object)")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if HEAD.contains(&key.as_str()) {
                let value: Value = map.next_value()?;
                self.0.insert(key, value);
                if self.0.len() == HEAD.len() {
                    return Err(serde::de::Error::custom("header read"));
                }
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Every item's metrics have the dimensions of `sc`, so they merge.
pub fn check_shapes<'i>(
    items: impl IntoIterator<Item = &'i Item>,
    sc: &Scenario,
) -> Result<(), PartialError> {
    let expected = Metrics::for_scenario(sc);
    for item in items {
        check_shape(item, &expected)?;
    }
    Ok(())
}

/// `item`'s metrics have the dimensions of `expected` (a scenario's
/// `Metrics::for_scenario`).
pub fn check_shape(item: &Item, expected: &Metrics) -> Result<(), PartialError> {
    match item.metrics.shape_mismatch(expected) {
        Some(why) => Err(PartialError::Shape {
            at: item.origin.clone(),
            why,
        }),
        None => Ok(()),
    }
}
