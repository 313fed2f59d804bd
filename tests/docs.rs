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
