//! Docs are part of the feature: every key used by a shipped scenario is
//! documented in docs/scenario.md, and the README's exit codes match the
//! binary's.

use std::collections::BTreeSet;

/// Tables whose keys are user-chosen names, not scenario keys.
const NAMED: &[&str] = &[
    "carriers",
    "providers",
    "alternatives",
    "flows",
    "weights",
    "price_by_carrier",
];

fn collect(value: &toml::Value, parent: &str, grandparent: &str, keys: &mut BTreeSet<String>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let named = NAMED.contains(&parent) || grandparent == "flows";
                if !named {
                    keys.insert(k.clone());
                }
                collect(v, k, parent, keys);
            }
        }
        toml::Value::Array(items) => items
            .iter()
            .for_each(|v| collect(v, parent, grandparent, keys)),
        _ => {}
    }
}

#[test]
fn every_key_of_the_shipped_scenarios_is_documented() {
    let docs = std::fs::read_to_string("docs/scenario.md").unwrap();
    let mut keys = BTreeSet::new();
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let value: toml::Value = toml::from_str(&text).unwrap();
        collect(&value, "", "", &mut keys);
    }
    assert!(keys.len() > 40, "too few keys found: {keys:?}");
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| {
            !(docs.contains(&format!("`{k}`"))
                || docs.contains(&format!(".{k}`"))
                || docs.contains(&format!("`{k}."))
                || docs.contains(&format!("[{k}]"))
                || docs.contains(&format!(".{k}]"))
                || docs.contains(&format!("[{k}."))
                || docs.contains(&format!("{{ {k} = ")))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "undocumented scenario keys: {missing:?}"
    );
}

#[test]
fn readme_documents_the_exit_codes() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    for line in ["| 0 |", "| 1 |", "| 2 |", "| 3 |"] {
        assert!(readme.contains(line), "README lacks exit code row {line}");
    }
}

/// docs/limits.md states every bound with the value the code enforces.
#[test]
fn docs_limits_match_the_code() {
    use simsms::scenario::limits::*;
    let docs = std::fs::read_to_string("docs/limits.md").unwrap();
    let row = |what: &str| {
        docs.lines()
            .find(|l| l.starts_with('|') && l.contains(what))
            .unwrap_or_else(|| panic!("docs/limits.md has no row for {what}"))
            .to_string()
    };
    for (what, value) in [
        ("scenario file size", MAX_SCENARIO_BYTES.to_string()),
        ("replications (", MAX_REPLICATIONS.to_string()),
        (
            "expected sessions per replication",
            format!("{MAX_SESSIONS_PER_REPLICATION:e}"),
        ),
        ("sends per session", MAX_SENDS.to_string()),
        ("| providers |", MAX_PROVIDERS.to_string()),
        ("| carriers |", MAX_CARRIERS.to_string()),
        ("providers × carriers", MAX_CELLS.to_string()),
        ("| outages |", MAX_OUTAGES.to_string()),
        ("timeline buckets", MAX_TIMELINE_BUCKETS.to_string()),
        ("SMSC delivery attempts", MAX_SMSC_ATTEMPTS.to_string()),
        ("prices and costs", format!("{MAX_PRICE:e}")),
        ("weights, multipliers, factors", format!("{MAX_FACTOR:e}")),
        ("shards (", simsms::shard::MAX_SHARDS.to_string()),
        ("| alternatives (", MAX_ALTERNATIVES.to_string()),
        (
            "cells over the scenario and all",
            MAX_VARIANT_CELLS.to_string(),
        ),
        ("| names (", format!("{MAX_NAME_CHARS} characters")),
        (
            "memory of one replication",
            format!("{MAX_REPLICATION_BYTES:e} bytes"),
        ),
        (
            "presence walked period by period",
            format!("{} mean", simsms::scenario::PRESENCE_HORIZON_CYCLES),
        ),
        (
            "| a session in flight",
            format!("{BYTES_PER_SESSION} bytes |"),
        ),
        (
            "| a number in a repeat-filter",
            format!("{BYTES_PER_NUMBER} bytes ("),
        ),
        (
            "| parts of long messages waiting",
            format!("| {} |", simsms::serve::reassembly::PENDING_PARTS),
        ),
        (
            "| SMPP message ids kept",
            format!("| {} |", simsms::serve::ledger::KEPT),
        ),
        (
            "| receipts kept that match no message",
            format!("| {} (", simsms::load::stray::MAX_KEPT),
        ),
        (
            "| ids of final messages remembered",
            format!("| {} (", simsms::load::stray::RECENT_FINAL_IDS),
        ),
    ] {
        let line = row(what);
        assert!(
            line.contains(&value),
            "docs/limits.md row for {what} should say {value}: {line}"
        );
    }
    assert_eq!(MIN_PRESENCE_MEAN, 1_000_000_000);
    assert_eq!(MAX_DURATION, 500 * simsms::units::NANOS_PER_YEAR);
    assert!(row("| durations |").contains("below 500 years"));
    assert_eq!((MIN_TPS * 86_400.0, MAX_TPS), (1.0, 1e6));
    assert!(row("submission limits").contains("from 1/d to 1000000/s"));
    assert!(row("mean presence period").contains("1 s"));
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert!(
        readme.contains("docs/limits.md"),
        "the README links docs/limits.md"
    );
}
