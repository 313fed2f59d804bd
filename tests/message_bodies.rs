//! One model, three modes, for a long message: a two-segment Japanese body
//! through `run`, `serve` and `load` (sent as UDH parts over SMPP, and as
//! one Body over the Twilio-shaped API). The three agree on what it costs
//! (both segments at the provider's price) and on how many arrive (each
//! part lost on its own draw), within intervals.

mod common;

use common::{Served, assert_agree, estimate, message_row, simsms_json};
use std::path::Path;

/// 87 UTF-16 units with its code: two UCS-2 segments.
const BODY: &str = "【ExampleBank】認証コード: {code}\\nこのコードの有効期限は10分です。他人に教えないでください。ExampleBankの社員がコードを聞くことはありません。";
const PRICE: f64 = 8.0;

/// The shared test world with a body, a price per segment and a route that
/// loses a fifth of all parts, so a message is lost 1 − 0.8² = 36% of the
/// time where a one-part message would be lost 20%.
fn scenario(dir: &Path) -> String {
    let base = std::fs::read_to_string("tests/live/serve_scenario.toml").unwrap();
    let lossy = "[routes.international]\nlatency = \"2s\"\nloss = 0.0";
    assert!(base.contains(lossy), "the test world changed");
    let text =
        base.replace(
            lossy,
            "[routes.international]\nlatency = \"2s\"\nloss = 0.2",
        )
        .replacen(
            "submit_latency = \"50ms\"",
            &format!("submit_latency = \"50ms\"\nprice = {PRICE}"),
            1,
        ) + &format!("\n[message]\nbody = \"{BODY}\"\n");
    let path = dir.join("bodies.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|a| a.to_string()).collect()
}

/// The intl row's cost per message sent, and its delivery estimate.
fn per_message(report: &serde_json::Value) -> (f64, (f64, f64, f64)) {
    let row = message_row(report, "intl", "c");
    let sent = row["sent"].as_f64().unwrap();
    assert!(sent > 300.0, "{row}");
    (
        row["cost"].as_f64().unwrap() / sent,
        estimate(&row["delivery_rate"]),
    )
}

#[test]
fn run_serve_and_load_agree_on_a_two_segment_japanese_body() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario(dir.path());
    let out = common::simsms_in(&["check", &path], dir.path());
    let checked = String::from_utf8_lossy(&out.stdout);
    assert!(
        checked.contains("intl: body UCS-2 87 units, 2 segments"),
        "{checked}"
    );

    let (simulated, _) = simsms_json(
        &args(&["run", &path, "-o", "/dev/null"]),
        dir.path(),
        "run.json",
    );
    let (run_cost, run_delivery) = per_message(&simulated);
    assert!(
        (run_cost - 2.0 * PRICE).abs() < 1e-9,
        "run: {run_cost} per message"
    );

    let serve_json = dir.path().join("serve.json");
    let served = Served::start_with(&path, "3600", &["--json", serve_json.to_str().unwrap()]);
    let smpp = format!("smpp://intl:pw1@{}", served.address("intl"));
    let http = format!(
        "http://intl:pw1@{}",
        served.http.clone().expect("an HTTP API")
    );
    let load = |target: &str, name: &str| {
        let list = ["load", &path, "--target", target, "--rate", "300/s"];
        let more = ["--duration", "3s", "--wait", "15s", "-o", "/dev/null"];
        simsms_json(&args(&[&list[..], &more[..]].concat()), dir.path(), name).0
    };
    let over_smpp = load(&smpp, "smpp.json");
    let over_http = load(&http, "http.json");
    assert!(served.stop(), "serve exits cleanly");
    let serve: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&serve_json).unwrap()).unwrap();

    for (mode, report) in [
        ("serve", &serve),
        ("load smpp", &over_smpp),
        ("load http", &over_http),
    ] {
        let (cost, delivery) = per_message(report);
        assert!(
            (cost - 2.0 * PRICE).abs() < 1e-9,
            "{mode}: {cost} per message"
        );
        assert_agree(&format!("delivery, {mode} vs run"), delivery, run_delivery);
    }
    // Every part got its own receipt, and each message its final answer.
    let row = message_row(&over_smpp, "intl", "c");
    assert_eq!(row["outcomes"]["refused"], 0, "{row}");
    // One part lost in five: a message lost about 36% of the time, which a
    // model judging one part (20%) would miss by far.
    let lost = row["outcome_shares"]["lost"]["value"].as_f64().unwrap();
    assert!((0.28..0.44).contains(&lost), "lost share {lost}: {row}");
}
