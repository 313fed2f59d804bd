//! A load run beyond one machine: `--shard I/N` sends the messages (or
//! sessions) `k` of the schedule with `k % N == I` and writes a partial
//! result in `simsms merge`'s format: the measured metrics and the load's
//! own figures, HDR histograms serialised losslessly. Merging adds the
//! parts into the one run they make together (histograms merge exactly).

use super::leftover::Leftovers;
use super::measured::Measured;
use crate::metrics::Metrics;
use crate::partial::{
    CodecError, PARTIAL_FORMAT, PartialError, Recipe, Shard, check_shapes, histogram_from_json,
    histogram_to_json, metrics_to_json, read_partials,
};
use crate::scenario::{Scenario, Settings};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// How the parts were made: equal in every part of one run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Setup {
    /// The target as displayed (no password), and its protocol. Merged
    /// parts list every shard's target.
    pub target: String,
    pub http: bool,
    /// The report's note on how it was measured.
    pub note: String,
    /// The traffic flags (`--rate`, `--duration`, `--count`, `--otp`...).
    pub traffic: Vec<String>,
}

/// The partial result of one shard.
pub fn document(
    recipe: &Recipe,
    shard: Shard,
    setup: &Setup,
    metrics: &Metrics,
    measured: Option<&Measured>,
) -> Value {
    json!({
        "format": PARTIAL_FORMAT,
        "simsms_version": env!("CARGO_PKG_VERSION"),
        "recipe": recipe,
        "shard": { "index": shard.index, "count": shard.count },
        "items": [{ "unit": 0, "replication": 0, "metrics": metrics_to_json(metrics) }],
        "load": {
            "setup": setup,
            "figures": measured.map(figures_to_json),
            "join": measured.and_then(|m| m.leftovers.as_ref()).map(|l| json!({
                "version": JOIN_VERSION,
                "leftovers": l,
            })),
        },
    })
}

/// The version of a part's `load.join` (what `merge` joins across parts):
/// a part without one was written before receipts were kept and is merged
/// as it stands; one of a later version is refused.
pub const JOIN_VERSION: u64 = 1;

fn figures_to_json(m: &Measured) -> Value {
    json!({
        "planned": m.planned,
        "interrupted_after": m.interrupted_after,
        "sent": m.sent,
        "late": m.late,
        "dropped": m.dropped,
        "reconnects": m.reconnects,
        "lost_at_disconnect": m.lost_at_disconnect,
        "queries": m.queries,
        "final_by_query": m.final_by_query,
        "queries_refused": m.queries_refused,
        "bad_signatures": m.bad_signatures,
        "resubmitted": m.resubmitted,
        "unanswered": m.unanswered,
        "first_error": m.first_error,
        "errors": m.errors,
        "receipts": m.receipts,
        "resp_intended_us": histogram_to_json(&m.resp_intended_us),
        "resp_actual_us": histogram_to_json(&m.resp_actual_us),
        "receipt_intended_us": histogram_to_json(&m.receipt_intended_us),
        "receipt_actual_us": histogram_to_json(&m.receipt_actual_us),
        "seconds": m.seconds,
        "duplicate_receipts": m.duplicate_receipts,
    })
}

/// Adds one part's figures into `into` (the merged run's).
fn add_figures(into: &mut Measured, v: &Value) -> Result<(), CodecError> {
    let count = |key: &str| -> Result<usize, CodecError> {
        serde_json::from_value(v.get(key).cloned().unwrap_or(Value::Null)).map_err(|source| {
            CodecError::Invalid {
                key: key.into(),
                source,
            }
        })
    };
    into.planned += count("planned")?;
    into.sent += count("sent")?;
    into.late += count("late")?;
    into.dropped += count("dropped")?;
    into.reconnects += count("reconnects")?;
    into.lost_at_disconnect += count("lost_at_disconnect")?;
    // Absent from a partial written before `--query` existed.
    let since_query = |key: &str| v.get(key).and_then(Value::as_u64).unwrap_or(0) as usize;
    into.queries += since_query("queries");
    into.final_by_query += since_query("final_by_query");
    into.queries_refused += since_query("queries_refused");
    into.duplicate_receipts += since_query("duplicate_receipts");
    into.bad_signatures += count("bad_signatures")?;
    into.resubmitted += count("resubmitted")?;
    into.unanswered += count("unanswered")?;
    if into.first_error.is_none() {
        into.first_error = v["first_error"].as_str().map(str::to_string);
    }
    for key in ["errors", "receipts"] {
        let map: BTreeMap<String, u64> = serde_json::from_value(
            v.get(key).cloned().unwrap_or(Value::Null),
        )
        .map_err(|source| CodecError::Invalid {
            key: key.into(),
            source,
        })?;
        let target = if key == "errors" {
            &mut into.errors
        } else {
            &mut into.receipts
        };
        for (k, n) in map {
            *target.entry(k).or_insert(0) += n;
        }
    }
    for (key, h) in [
        ("resp_intended_us", &mut into.resp_intended_us),
        ("resp_actual_us", &mut into.resp_actual_us),
        ("receipt_intended_us", &mut into.receipt_intended_us),
        ("receipt_actual_us", &mut into.receipt_actual_us),
    ] {
        let part = histogram_from_json(v.get(key).unwrap_or(&Value::Null))?;
        h.add(&part)
            .map_err(|e| CodecError::Histogram(format!("{e:?}")))?;
    }
    let seconds = v.get("seconds").and_then(Value::as_f64).unwrap_or(0.0);
    into.seconds = into.seconds.max(seconds);
    if let Some(after) = v.get("interrupted_after").and_then(Value::as_f64) {
        into.interrupted_after = Some(into.interrupted_after.unwrap_or(0.0).max(after));
    }
    Ok(())
}

/// Merged parts of a load run.
pub struct MergedLoad {
    pub scenario: Scenario,
    pub source: String,
    pub setup: Setup,
    /// Every shard's metrics added: one measured run.
    pub metrics: Metrics,
    /// The load's own figures (None only when no part carried any).
    pub measured: Option<Measured>,
}

/// Adds the parts of a load run into one.
pub fn merge(parts: &[(String, String)]) -> Result<MergedLoad, crate::Error> {
    let (recipe, items) = read_partials(parts)?;
    let settings = Settings {
        sets: recipe.sets.clone(),
        seed: recipe.seed,
        replications: recipe.replications,
    };
    let scenario = settings.apply(&recipe.scenario_text, &recipe.source)?;
    check_shapes(&items, &scenario)?;
    let mut metrics: Option<Metrics> = None;
    for item in &items {
        match &mut metrics {
            None => metrics = Some(item.metrics.clone()),
            Some(m) => m.merge(&item.metrics),
        }
    }
    let mut setup: Option<Setup> = None;
    let mut measured: Option<Measured> = None;
    let mut leftovers = Vec::new();
    for (name, text) in parts {
        let malformed = |source| PartialError::Malformed {
            name: name.clone(),
            source,
        };
        let doc: Value = serde_json::from_str(text).map_err(|source| PartialError::NotJson {
            name: name.clone(),
            source,
        })?;
        let load = &doc["load"];
        let this: Setup = serde_json::from_value(load["setup"].clone()).map_err(|source| {
            malformed(CodecError::Invalid {
                key: "load.setup".into(),
                source,
            })
        })?;
        // Shards may use their own accounts (an SMSC may send a receipt on
        // any bind of an account); the rest must be equal.
        match &mut setup {
            None => setup = Some(this),
            Some(s) if (s.http, &s.note, &s.traffic) != (this.http, &this.note, &this.traffic) => {
                return Err(PartialError::Mixed { name: name.clone() }.into());
            }
            Some(s) => {
                if !s.target.split(", ").any(|t| t == this.target) {
                    s.target = format!("{}, {}", s.target, this.target);
                }
            }
        }
        if load["figures"].is_object() {
            let into = measured.get_or_insert_with(|| Measured::empty(&scenario));
            add_figures(into, &load["figures"]).map_err(malformed)?;
        }
        leftovers.push(read_leftovers(name, &load["join"], &scenario)?);
    }
    let mut metrics = metrics.ok_or(PartialError::NoParts)?;
    let setup = setup.ok_or(PartialError::NoParts)?;
    let scenario = std::sync::Arc::new(scenario);
    if let Some(m) = &mut measured {
        let protocol = match setup.http {
            true => crate::protocol::target::Protocol::Http,
            false => crate::protocol::target::Protocol::Smpp,
        };
        let joined = super::join::join(&scenario, protocol, &mut leftovers);
        metrics.merge(&joined.measured.metrics);
        m.absorb(&joined.measured);
        m.parts = parts.len() as u32;
        m.metrics = metrics.clone();
    }
    let scenario = std::sync::Arc::unwrap_or_clone(scenario);
    Ok(MergedLoad {
        scenario,
        source: recipe.source,
        setup,
        metrics,
        measured,
    })
}

/// A part's `load.join`: None when it has none (written before receipts
/// were kept); refused when of a later version or not fitting the scenario.
fn read_leftovers(
    name: &str,
    join: &Value,
    scenario: &Scenario,
) -> Result<Option<Leftovers>, PartialError> {
    if join.is_null() {
        return Ok(None);
    }
    let malformed = |source| PartialError::Malformed {
        name: name.to_string(),
        source,
    };
    let version = join.get("version").and_then(Value::as_u64).unwrap_or(0);
    if version != JOIN_VERSION {
        return Err(malformed(CodecError::Unsupported(format!(
            "`load.join` of version {version}, this simsms reads version {JOIN_VERSION}: merge with the simsms that wrote it, or rerun the shard"
        ))));
    }
    let left: Leftovers = serde_json::from_value(
        join.get("leftovers").cloned().unwrap_or(Value::Null),
    )
    .map_err(|source| {
        malformed(CodecError::Invalid {
            key: "load.join.leftovers".into(),
            source,
        })
    })?;
    super::join::check_leftovers(&left, scenario)
        .map_err(|e| malformed(CodecError::Unsupported(format!("`load.join`: {e}"))))?;
    Ok(Some(left))
}
