//! Shard arithmetic and the lossless metrics codec.

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

#[test]
fn a_missing_replication_is_named_in_words() {
    let e = PartialError::Replications {
        held: vec![0, 1, 1, 3],
        expected: 4,
    };
    assert_eq!(
        e.to_string(),
        "the parts hold 4 replications of a unit where 0 to 3 were expected (missing 2; repeated or out of range 1); give each shard's part once"
    );
}

/// A part as a shard writes it, and the same document pretty-printed
/// with its header's strings holding brackets, quotes and the word
/// `items`: both give their items back one by one, in order.
#[test]
fn items_are_read_one_by_one_from_any_layout() {
    let text = std::fs::read_to_string("scenarios/starter.toml").unwrap();
    let sc = parse(&text, "starter.toml").unwrap();
    let item = |r: u32| {
        serde_json::json!({
            "unit": 0,
            "replication": r,
            "metrics": metrics_to_json(&run_replication(&sc, r)),
        })
    };
    let mut doc = serde_json::json!({
        "format": PARTIAL_FORMAT,
        "recipe": { "scenario_text": "\"items\": [ {\\\"} ] \"items\":[", "sets": ["items"] },
    });
    let items = serde_json::json!([item(0), item(1), item(2)]);
    let head = serde_json::to_string_pretty(&doc).unwrap();
    let pretty = format!(
        "{},\n  \"items\" :\n {}\n}}\n",
        head.trim_end().strip_suffix('}').unwrap().trim_end(),
        serde_json::to_string_pretty(&items).unwrap()
    );
    doc["items"] = items;
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("compact", part_text(&doc)), ("pretty", pretty)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let mut items = PartItems::open(path, name.into()).unwrap();
        for r in 0..3 {
            let read = items.next_item().unwrap().expect("an item");
            assert_eq!((read.unit, read.replication), (0, r), "{name}");
            assert_eq!(
                metrics_to_json(&read.metrics),
                metrics_to_json(&run_replication(&sc, r))
            );
        }
        assert!(items.next_item().unwrap().is_none(), "{name}");
        assert!(items.next_item().unwrap().is_none(), "{name}");
    }
    // Cut inside the last item, or with something after the items: an
    // error where the fault is, so the merge reads the part whole and
    // names it.
    let text = part_text(&doc);
    for (name, bad, good) in [
        ("cut", text[..text.len() - 40].to_string(), 2),
        ("trailing", text.trim_end().to_string() + "{}", 3),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bad).unwrap();
        let mut items = PartItems::open(path, name.into()).unwrap();
        let outcomes: Vec<bool> = (0..4).map(|_| items.next_item().is_ok()).collect();
        let expected: Vec<bool> = (0..4).map(|k| k < good).collect();
        assert_eq!(outcomes, expected, "{name}");
    }
}
