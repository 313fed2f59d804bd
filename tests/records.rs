//! `--events FILE`: one record per message, the same columns for every
//! mode. `run`'s records are its first replication's messages, so they
//! add up to that replication's report row by row; the same seed gives
//! the same bytes at any thread count; a bad path fails before anything
//! runs and leaves nothing behind.

mod common;

use common::simsms_in as simsms;
use std::collections::BTreeMap;

fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Per (provider, carrier): messages, outcome counts and total price.
type Totals = BTreeMap<(String, String), (u64, BTreeMap<String, u64>, f64)>;

fn totals_of_csv(path: &std::path::Path) -> Totals {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (provider, carrier, outcome, price) = (
        column("provider"),
        column("carrier"),
        column("outcome"),
        column("price"),
    );
    let mut totals = Totals::new();
    for row in reader.records() {
        let row = row.unwrap();
        let key = (row[provider].to_string(), row[carrier].to_string());
        let entry = totals.entry(key).or_default();
        entry.0 += 1;
        *entry.1.entry(row[outcome].to_string()).or_insert(0) += 1;
        entry.2 += row[price].parse::<f64>().unwrap();
    }
    totals
}

#[test]
fn run_records_add_up_to_the_report_of_one_replication() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/starter.toml");
    let out = simsms(
        &[
            "run", &scenario, "-r", "1", "--events", "r.csv", "--json", "r.json",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let totals = totals_of_csv(&dir.path().join("r.csv"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let rows = report["alternatives"][0]["messages"].as_array().unwrap();
    let mut compared = 0;
    for row in rows {
        // A provider's all-carrier total has no carrier.
        let (Some(provider), Some(carrier)) = (row["provider"].as_str(), row["carrier"].as_str())
        else {
            continue;
        };
        let key = (provider.to_string(), carrier.to_string());
        let sent = row["sent"].as_u64().unwrap();
        let Some((messages, outcomes, price)) = totals.get(&key) else {
            assert_eq!(sent, 0, "{key:?} sent messages but has no records");
            continue;
        };
        assert_eq!(*messages, sent, "{key:?}");
        for (outcome, count) in row["outcomes"].as_object().unwrap() {
            let recorded = outcomes.get(outcome).copied().unwrap_or(0);
            assert_eq!(recorded, count.as_u64().unwrap(), "{key:?} {outcome}");
        }
        let cost = row["cost"].as_f64().unwrap();
        assert!(
            (price - cost).abs() < 1e-6 * cost.max(1.0),
            "{key:?}: {price} vs {cost}"
        );
        compared += 1;
    }
    assert!(
        compared >= 2,
        "at least two provider × carrier rows compared"
    );
}

#[test]
fn run_records_are_the_same_bytes_at_any_thread_count_in_either_format() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/starter.toml");
    for (threads, file) in [("1", "one.csv"), ("2", "two.csv"), ("2", "two.jsonl")] {
        let out = simsms(
            &["run", &scenario, "-r", "3", "-j", threads, "--events", file],
            dir.path(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let read = |f: &str| std::fs::read(dir.path().join(f)).unwrap();
    assert_eq!(read("one.csv"), read("two.csv"));
    let csv_rows = String::from_utf8(read("one.csv")).unwrap().lines().count() - 1;
    let json = String::from_utf8(read("two.jsonl")).unwrap();
    assert_eq!(json.lines().count(), csv_rows);
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    for key in [
        "message_id",
        "session",
        "number",
        "provider",
        "carrier",
        "sent_s",
        "answer",
        "stat",
        "err",
        "final_s",
        "outcome",
        "segments",
        "price",
    ] {
        assert!(
            first.get(key).is_some(),
            "JSON Lines record lacks {key}: {first}"
        );
    }
}

#[test]
fn a_bad_events_path_fails_before_simulating_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/starter.toml");
    let out = simsms(
        &["run", &scenario, "--events", "r.txt", "-o", "report.txt"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".csv, or .jsonl"), "{err}");
    let out = simsms(
        &[
            "run",
            &scenario,
            "--events",
            "missing/r.csv",
            "-o",
            "report.txt",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing written: {left:?}");
}

/// Reads a records file into rows keyed by column name.
fn rows_of(path: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// `serve --events` and `load --events` against it: the server's records
/// add up to its summary, the load's to its own report, and for every
/// message both sides name, the stat the load read is the one the server
/// decided.
#[test]
fn serve_and_load_records_agree_message_by_message() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo("tests/live/serve_scenario.toml");
    let served_csv = dir.path().join("served.csv");
    let served_json = dir.path().join("served.json");
    let served = common::Served::start_with(
        &scenario,
        "3600",
        &[
            "--events",
            served_csv.to_str().unwrap(),
            "--json",
            served_json.to_str().unwrap(),
        ],
    );
    let target = format!("smpp://intl:pw1@{}", served.address("intl"));
    let out = simsms(
        &[
            "load",
            &scenario,
            "--target",
            &target,
            "--rate",
            "100/s",
            "--duration",
            "2s",
            "--wait",
            "5s",
            "--events",
            "load.csv",
            "--json",
            "load.json",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(served.stop(), "serve exits 0");
    // The server's records add up to its own summary.
    let totals = totals_of_csv(&served_csv);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&served_json).unwrap()).unwrap();
    let served_messages: u64 = totals.values().map(|t| t.0).sum();
    let summary_sent: u64 = summary["alternatives"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["carrier"].is_string())
        .map(|m| m["sent"].as_u64().unwrap())
        .sum();
    assert_eq!(served_messages, summary_sent);
    // The load's records: one per message it sent, as its report counts.
    let loaded = rows_of(&dir.path().join("load.csv"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("load.json")).unwrap())
            .unwrap();
    assert_eq!(
        loaded.len() as u64,
        report["load"]["sent"].as_u64().unwrap()
    );
    assert!(
        loaded.len() >= 150,
        "about 200 messages were due: {}",
        loaded.len()
    );
    // Message by message, by the id the server gave.
    let by_id: BTreeMap<String, BTreeMap<String, String>> = rows_of(&served_csv)
        .into_iter()
        .filter(|r| !r["message_id"].is_empty())
        .map(|r| (r["message_id"].clone(), r))
        .collect();
    let mut matched = 0;
    for row in &loaded {
        if row["stat"].is_empty() {
            continue;
        }
        let served = &by_id[&row["message_id"]];
        assert_eq!(row["stat"], served["stat"], "message {}", row["message_id"]);
        assert_eq!(row["number"], served["number"]);
        matched += 1;
    }
    assert!(matched >= 100, "{matched} receipts matched");
}

#[test]
fn load_otp_records_name_their_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo("tests/live/serve_scenario.toml");
    let served = common::Served::start(&scenario, "3600");
    let target = format!("smpp://intl:pw1@{}", served.address("intl"));
    let out = simsms(
        &[
            "load",
            &scenario,
            "--otp",
            "--speed",
            "3600",
            "--target",
            &target,
            "--rate",
            "18/m",
            "--duration",
            "30m",
            "--wait",
            "3s",
            "--set",
            "otp.max_sends=3",
            "--events",
            "otp.jsonl",
            "--json",
            "otp.json",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(served);
    let text = std::fs::read_to_string(dir.path().join("otp.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("otp.json")).unwrap())
            .unwrap();
    assert_eq!(
        records.len() as u64,
        report["load"]["sent"].as_u64().unwrap()
    );
    assert!(records.len() >= 300, "{} messages", records.len());
    assert!(
        records.iter().all(|r| r["session"].is_u64()),
        "every message has its session"
    );
    let sessions: std::collections::BTreeSet<u64> = records
        .iter()
        .map(|r| r["session"].as_u64().unwrap())
        .collect();
    assert!(
        sessions.len() < records.len(),
        "some sessions sent more than once"
    );
}
