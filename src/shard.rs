//! Runs beyond one machine: `--shard I/N` simulates one shard of the
//! replications (or sweep points) and writes a partial result, the raw
//! per-replication counts with HDR histograms serialised losslessly;
//! `simsms merge` folds the parts in replication order into the very report
//! the unsharded run prints, byte for byte.

use crate::metrics::{MessageCell, Metrics, SessionCell, Timeline};
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde_json::{Value, json};

/// Format identifier of partial results.
pub const PARTIAL_FORMAT: &str = "simsms-partial/1";

/// Shard `index` of `count` (0-based): replications (or points) `k` with
/// `k % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard expects I/N with 0 <= I < N (0-based), got \"{text}\"");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err("odd-length hex".into());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn histogram_to_json(h: &Histogram<u64>) -> Value {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(h, &mut bytes)
        .expect("histogram serialises to memory");
    Value::String(hex(&bytes))
}

fn histogram_from_json(v: &Value) -> Result<Histogram<u64>, String> {
    let bytes = unhex(v.as_str().ok_or("histogram is not a string")?)?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("bad histogram: {e:?}"))
}

/// A replication's metrics as JSON; costs keep their exact binary value.
pub fn metrics_to_json(m: &Metrics) -> Value {
    let messages: Vec<Value> = m
        .messages
        .iter()
        .map(|c| {
            json!({
                "outcomes": c.outcomes,
                "receipt_delivered": c.receipt_delivered,
                "receipt_missing": c.receipt_missing,
                "misrouted": c.misrouted,
                "cost": c.cost,
                "latency": histogram_to_json(&c.latency),
            })
        })
        .collect();
    let sessions: Vec<Value> = m
        .sessions
        .iter()
        .map(|c| {
            json!({
                "outcomes": c.outcomes,
                "within_target": c.within_target,
                "success_by_send": c.success_by_send,
                "sends": c.sends,
                "resent": c.resent,
                "voice_calls": c.voice_calls,
                "cost": c.cost,
                "time_to_code": histogram_to_json(&c.time_to_code),
            })
        })
        .collect();
    let t = &m.timeline;
    json!({
        "providers": m.providers,
        "carriers": m.carriers,
        "messages": messages,
        "sessions": sessions,
        "queue_wait_total": m.queue_wait_total.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
        "queue_admitted": m.queue_admitted,
        "submissions": m.submissions,
        "timeline": {
            "bucket": t.bucket,
            "arrivals": t.arrivals,
            "sends": t.sends,
            "deliveries": t.deliveries,
            "queue_depth": t.queue_depth,
            "stored_delta": t.stored_delta,
        },
    })
}

fn field<'v>(v: &'v Value, key: &str) -> Result<&'v Value, String> {
    v.get(key).ok_or_else(|| format!("missing `{key}`"))
}

fn from<T: serde::de::DeserializeOwned>(v: &Value, key: &str) -> Result<T, String> {
    serde_json::from_value(field(v, key)?.clone()).map_err(|e| format!("`{key}`: {e}"))
}

pub fn metrics_from_json(v: &Value) -> Result<Metrics, String> {
    let messages = field(v, "messages")?
        .as_array()
        .ok_or("`messages` is not an array")?
        .iter()
        .map(|c| {
            Ok(MessageCell {
                outcomes: from(c, "outcomes")?,
                receipt_delivered: from(c, "receipt_delivered")?,
                receipt_missing: from(c, "receipt_missing")?,
                misrouted: from(c, "misrouted")?,
                cost: from(c, "cost")?,
                latency: histogram_from_json(field(c, "latency")?)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let sessions = field(v, "sessions")?
        .as_array()
        .ok_or("`sessions` is not an array")?
        .iter()
        .map(|c| {
            Ok(SessionCell {
                outcomes: from(c, "outcomes")?,
                within_target: from(c, "within_target")?,
                success_by_send: from(c, "success_by_send")?,
                sends: from(c, "sends")?,
                resent: from(c, "resent")?,
                voice_calls: from(c, "voice_calls")?,
                cost: from(c, "cost")?,
                time_to_code: histogram_from_json(field(c, "time_to_code")?)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let t = field(v, "timeline")?;
    let waits: Vec<String> = from(v, "queue_wait_total")?;
    Ok(Metrics {
        providers: from(v, "providers")?,
        carriers: from(v, "carriers")?,
        messages,
        sessions,
        queue_wait_total: waits
            .iter()
            .map(|w| w.parse().map_err(|_| "bad queue wait".to_string()))
            .collect::<Result<_, _>>()?,
        queue_admitted: from(v, "queue_admitted")?,
        submissions: from(v, "submissions")?,
        timeline: Timeline {
            bucket: from(t, "bucket")?,
            arrivals: from(t, "arrivals")?,
            sends: from(t, "sends")?,
            deliveries: from(t, "deliveries")?,
            queue_depth: from(t, "queue_depth")?,
            stored_delta: from(t, "stored_delta")?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse;
    use crate::simulation::run_replication;

    #[test]
    fn shards_partition_the_items() {
        let shards: Vec<Shard> = (0..4)
            .map(|i| Shard::parse(&format!("{i}/4")).unwrap())
            .collect();
        let mut all: Vec<u32> = shards.iter().flat_map(|s| s.select(10)).collect();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("1").is_err());
    }

    #[test]
    fn metrics_survive_the_round_trip_exactly() {
        let text = std::fs::read_to_string("scenarios/starter.toml").unwrap();
        let sc = parse(&text, "starter.toml").unwrap();
        let m = run_replication(&sc, 0);
        let back = metrics_from_json(&metrics_to_json(&m)).unwrap();
        assert_eq!(metrics_to_json(&back), metrics_to_json(&m));
        assert_eq!(back.messages[0].latency, m.messages[0].latency);
        assert_eq!(
            back.sessions[1].cost.to_bits(),
            m.sessions[1].cost.to_bits()
        );
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

/// One replication's metrics: of variant (run, compare) or point (sweep)
/// `unit`.
pub struct Item {
    pub unit: usize,
    pub replication: u32,
    pub metrics: Metrics,
}

pub fn item_json(unit: usize, replication: u32, metrics: &Metrics) -> Value {
    json!({ "unit": unit, "replication": replication, "metrics": metrics_to_json(metrics) })
}

/// The partial result document.
pub fn partial_json(recipe: &Recipe, shard: Shard, items: Vec<Value>) -> Value {
    json!({
        "format": PARTIAL_FORMAT,
        "simsms_version": env!("CARGO_PKG_VERSION"),
        "recipe": recipe,
        "shard": { "index": shard.index, "count": shard.count },
        "items": items,
    })
}

/// Reads parts `(name, text)`; they must share one recipe and cover every
/// shard exactly once.
pub fn read_partials(parts: &[(String, String)]) -> Result<(Recipe, Vec<Item>), String> {
    let mut recipe: Option<Recipe> = None;
    let mut seen: Vec<u32> = Vec::new();
    let mut count = 0;
    let mut items = Vec::new();
    for (name, text) in parts {
        let doc: Value =
            serde_json::from_str(text).map_err(|e| format!("{name}: not a partial result: {e}"))?;
        if doc.get("format").and_then(Value::as_str) != Some(PARTIAL_FORMAT) {
            return Err(format!(
                "{name}: not a simsms partial result ({PARTIAL_FORMAT})"
            ));
        }
        if doc.get("simsms_version").and_then(Value::as_str) != Some(env!("CARGO_PKG_VERSION")) {
            return Err(format!(
                "{name}: written by another simsms version; rerun the shard"
            ));
        }
        let r: Recipe = from(&doc, "recipe").map_err(|e| format!("{name}: {e}"))?;
        match &recipe {
            None => recipe = Some(r),
            Some(first) if *first == r => {}
            Some(_) => {
                return Err(format!(
                    "{name}: made from another scenario or other settings than the first part"
                ));
            }
        }
        let shard = field(&doc, "shard").map_err(|e| format!("{name}: {e}"))?;
        let index: u32 = from(shard, "index").map_err(|e| format!("{name}: {e}"))?;
        let n: u32 = from(shard, "count").map_err(|e| format!("{name}: {e}"))?;
        if count != 0 && n != count {
            return Err(format!("{name}: shard of {n}, others of {count}"));
        }
        count = n;
        if seen.contains(&index) {
            return Err(format!("{name}: shard {index}/{n} given twice"));
        }
        seen.push(index);
        for item in field(&doc, "items")
            .map_err(|e| format!("{name}: {e}"))?
            .as_array()
            .into_iter()
            .flatten()
        {
            items.push(Item {
                unit: from(item, "unit").map_err(|e| format!("{name}: {e}"))?,
                replication: from(item, "replication").map_err(|e| format!("{name}: {e}"))?,
                metrics: metrics_from_json(field(item, "metrics")?)
                    .map_err(|e| format!("{name}: {e}"))?,
            });
        }
    }
    let recipe = recipe.ok_or("no partial results given")?;
    if (seen.len() as u32) < count {
        let missing: Vec<String> = (0..count)
            .filter(|i| !seen.contains(i))
            .map(|i| format!("{i}/{count}"))
            .collect();
        return Err(format!("missing shards: {}", missing.join(", ")));
    }
    items.sort_by_key(|i| (i.unit, i.replication));
    Ok((recipe, items))
}
