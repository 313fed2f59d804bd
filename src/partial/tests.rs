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
