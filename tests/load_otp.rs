//! `simsms load --otp` against `simsms serve` agrees with `simsms run` of
//! the same scenario on every session end and every message outcome, not
//! only on OTP success, for a scenario where codes often come after the
//! user gave up (absent handsets, short patience, route loss); and its
//! sessions cost what their messages cost.

mod common;

use common::{Served, assert_agree, estimate, message_row, session_row, simsms_json};

/// Route loss 10%, handsets absent for 5 minutes on average (the SMSC
/// retries every minute), patience 3 minutes: a code that comes after the
/// user gave up is `no_code_in_time`. SMSC validity 30 minutes (3 s of wall
/// time at 600x), so every message that is not lost has its final receipt
/// well within `--wait`.
const SCENARIO: &str = r#"
[scenario]
name = "absent_handsets"
duration = "1h"
seed = 11
replications = 10

[traffic]
rate = "18/m"

[users]
typo = 0.0
stale = 0.0
presence = { present = { mean = "10m" }, absent = { mean = "5m" } }

[otp]
max_sends = 3
resend_after = "60s"
patience = "3m"

[providers.p]
route = "domestic"
submit_latency = "50ms"
price = 7.0

[routing]
policy = "single"
provider = "p"

[routes.domestic]
latency = "2s"
loss = 0.1

[carriers.c]
share = 1.0
radio_delay = "1s"
smsc = { retry = ["1m"], validity = "30m", hlr_alert = false }

[serve]
receipt_retry = "1s"

[[serve.accounts]]
system_id = "p"
password = "pw"
provider = "p"
port = 0
"#;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|a| a.to_string()).collect()
}

/// Two estimates agree within intervals (equal values, such as two
/// shares of exactly 0, agree whatever their intervals).
fn agree(what: &str, measured: &serde_json::Value, simulated: &serde_json::Value) {
    let (a, b) = (estimate(measured), estimate(simulated));
    if a.0 != b.0 {
        assert_agree(what, a, b);
    }
}

#[test]
fn load_otp_agrees_with_run_on_every_session_end_and_message_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("absent.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let file = file.to_str().unwrap();
    let served = Served::start(file, "600");
    let target = format!("smpp://p:pw@{}", served.address("p"));
    let load = args(&["load", file, "--otp", "--speed", "600"])
        .into_iter()
        .chain(args(&["--target", &target, "--wait", "5s"]))
        .collect::<Vec<_>>();
    let (measured, text) = simsms_json(&load, dir.path(), "load.json");
    drop(served);
    println!("{text}");
    let run = args(&["run", file, "-o", "/dev/null"]);
    let (simulated, _) = simsms_json(&run, dir.path(), "run.json");
    let (ms, ss) = (session_row(&measured, "c"), session_row(&simulated, "c"));
    assert!(ms["sessions"].as_u64().unwrap() > 800, "{ms}");
    let shares = ss["outcome_shares"].as_object().unwrap();
    assert_eq!(shares.len(), 5, "five session ends");
    for (end, share) in shares {
        agree(
            &format!("session end {end}: load --otp vs run"),
            &ms["outcome_shares"][end],
            share,
        );
    }
    // The defect this guards: codes after the user gave up counted gave_up.
    assert!(estimate(&ms["outcome_shares"]["no_code_in_time"]).0 > 0.1);
    let (mm, sm) = (
        message_row(&measured, "p", "c"),
        message_row(&simulated, "p", "c"),
    );
    for (outcome, share) in sm["outcome_shares"].as_object().unwrap() {
        agree(
            &format!("message outcome {outcome}: load --otp vs run"),
            &mm["outcome_shares"][outcome],
            share,
        );
    }
    // Sessions cost what their messages cost (7.00 each, billed per
    // submitted message), in the JSON and the text.
    let cost = estimate(&ms["cost_per_success"]).0;
    assert!(cost > 7.0, "cost per success {cost}");
    agree(
        "cost per success",
        &ms["cost_per_success"],
        &ss["cost_per_success"],
    );
    let row = text
        .lines()
        .skip_while(|l| !l.starts_with("carrier  sessions"))
        .nth(1)
        .unwrap();
    assert!(row.contains(&format!("{cost:.2}")), "{row}");
    // The OTP report carries the load's own figures too: every message the
    // sessions sent, its answer's latency, and every final receipt.
    let load = &measured["load"];
    let sent = load["sent"].as_u64().unwrap();
    assert_eq!(Some(sent), mm["sent"].as_u64(), "{load}");
    let resp = &load["submit_response_latency"]["from_intended"];
    assert_eq!(resp["count"].as_u64(), Some(sent));
    let receipts: u64 = load["receipts"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert!(receipts > sent / 2, "{load}");
    assert_eq!(
        load["receipt_latency"]["from_intended"]["count"].as_u64(),
        Some(receipts)
    );
    assert!(text.contains("\nLOAD\n"), "{text}");
}

/// `--wait` bounds the wait for receipts after the last send: against a
/// server that never sends a receipt, a run of --wait 3s lasts 3 s longer
/// than one of --wait 0s (before, both ended at the same moment).
#[test]
fn load_otp_waits_for_receipts_as_long_as_wait_says() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lossy.toml");
    // Every message lost: no receipt ever comes.
    std::fs::write(&file, SCENARIO.replace("loss = 0.1", "loss = 1.0")).unwrap();
    let file = file.to_str().unwrap();
    let served = Served::start(file, "3600");
    let target = format!("smpp://p:pw@{}", served.address("p"));
    let took = |wait: &str| {
        let started = std::time::Instant::now();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_simsms"))
            .args([
                "load", file, "--otp", "--speed", "3600", "--target", &target,
            ])
            .args(["--duration", "10m", "--wait", wait, "-o", "/dev/null"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > std::time::Duration::from_secs(60) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("load --otp --wait {wait} still running after 60 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        assert!(status.success(), "--wait {wait}: {status}");
        started.elapsed().as_secs_f64()
    };
    let (short, long) = (took("0s"), took("3s"));
    drop(served);
    assert!(
        long - short > 2.5,
        "--wait 0s took {short:.2} s, --wait 3s {long:.2} s"
    );
}
