//! `simsms serve` proven with real clients no one here wrote: python
//! smpplib binds, submits, receives receipts and parses their text and
//! TLVs; a wrong password, throttling and a garbage PDU get the standard
//! answers; and the delivery share its receipts report agrees with
//! `simsms run` of the same scenario, within intervals.
//!
//! python smpplib's own `make_parts` and Kannel's sendsms split long UCS-2
//! and GSM messages themselves (UDH or SAR): every part is accepted and
//! receipted as asked, each quoting its own part.
//!
//! The official twilio library drives the Twilio-shaped API, validating
//! every status callback's signature.
//!
//! These need the clients `tests/live/setup.sh` installs, so they are
//! ignored by a plain `cargo nextest run` (reported as skipped) and run by
//! `cargo nextest run --run-ignored all`, as `.ci/run` does.

mod common;

use common::kannel::Kannel;
use common::{Served, assert_agree, estimate, live_python, message_row, simsms_json};
use std::process::Command;

const SCENARIO: &str = "tests/live/serve_scenario.toml";
const NEEDS: &str = "needs python smpplib: bash tests/live/setup.sh, then --run-ignored all";

/// Runs one check of tests/live/smpp_client.py against account
/// `system_id` of `served`; returns its JSON line.
fn client(
    served: &Served,
    check: &str,
    system_id: &str,
    password: &str,
    count: u32,
) -> serde_json::Value {
    let address = served.address(system_id);
    let (host, port) = address.rsplit_once(':').unwrap();
    let output = Command::new(live_python())
        .args([
            "tests/live/smpp_client.py",
            check,
            host,
            port,
            system_id,
            password,
        ])
        .arg(count.to_string())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{check}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
#[test]
#[ignore = "needs python smpplib: bash tests/live/setup.sh, then --run-ignored all"]
fn smpplib_binds_submits_and_parses_every_receipt() {
    let _ = NEEDS;
    let served = Served::start(SCENARIO, "3600");
    let tally = client(&served, "roundtrip", "intl", "pw1", 50);
    assert_eq!(tally["accepted"], 50);
    assert_eq!(tally["receipts"], 50, "{tally}");
    let refused = client(&served, "wrong_password", "intl", "pw1", 0);
    assert_eq!(refused["refused"], 0x0E);
    let nack = client(&served, "garbage", "intl", "pw1", 0);
    assert_eq!(nack["alive"], true);
    // The direct account allows 20 submissions/s per bind.
    let throttle = client(&served, "throttle", "direct", "pw2", 100);
    assert_eq!(throttle["answers"], 100);
    let throttled = throttle["throttled"].as_u64().unwrap();
    assert!((70..=80).contains(&throttled), "{throttle}");
}

#[test]
#[ignore = "needs python smpplib: bash tests/live/setup.sh, then --run-ignored all"]
fn smpplib_long_messages_get_a_receipt_per_part_quoting_its_own_part() {
    let served = Served::start(SCENARIO, "3600");
    let tally = client(&served, "concat", "intl", "pw1", 0);
    eprintln!("{tally}");
    let parts = tally["parts"].as_u64().unwrap();
    // Japanese in UCS-2 with a UDH (2 parts), English in GSM 7-bit with a
    // UDH (3 parts), the Japanese again with SAR TLVs (2 parts).
    assert_eq!(parts, 7, "{tally}");
    assert_eq!(tally["accepted"], parts, "{tally}");
    assert_eq!(tally["receipts"], parts, "a receipt per part: {tally}");
    assert_eq!(tally["text_ok"], parts, "each quotes its own part: {tally}");
    let messages = tally["messages"].as_object().unwrap();
    for (name, coding, n) in [("ja-udh", 8, 2), ("gsm-udh", 0, 3), ("ja-sar", 8, 2)] {
        let m = &messages[name];
        assert_eq!(
            (m["coding"].as_u64(), m["parts"].as_u64()),
            (Some(coding), Some(n)),
            "{name}: {m}"
        );
        let stats = m["stats"].as_array().unwrap();
        assert_eq!(
            stats.len(),
            1,
            "{name}: every part follows the one fate: {m}"
        );
    }
}

#[test]
#[ignore = "needs python smpplib: bash tests/live/setup.sh, then --run-ignored all"]
fn receipts_from_serve_agree_with_run_on_the_same_scenario() {
    let served = Served::start(SCENARIO, "3600");
    let n = 2000u32;
    let tally = client(&served, "roundtrip", "intl", "pw1", n);
    assert_eq!(
        tally["receipts"], n,
        "every message gets its final receipt: {tally}"
    );
    let delivered = tally["stat"]["DELIVRD"].as_u64().unwrap_or(0) as f64;
    let share = delivered / n as f64;
    // The same scenario simulated: the intl provider's receipt-reported
    // delivery rate at carrier c, with its 95% interval.
    let dir = tempfile::tempdir().unwrap();
    let run: Vec<String> = ["run", SCENARIO, "-o", "/dev/null"]
        .map(String::from)
        .to_vec();
    let (report, _) = simsms_json(&run, dir.path(), "r.json");
    let row = message_row(&report, "intl", "c");
    let simulated = estimate(&row["receipt_delivery_rate"]);
    // Serve's share as an estimate with its binomial 95% interval.
    let half = 1.96 * (simulated.0 * (1.0 - simulated.0) / n as f64).sqrt();
    let measured = (share, share - half, share + half);
    assert_agree("DELIVRD: serve vs run", measured, simulated);
    // The receipt-stat mix against run's pooled outcome counts: filtered
    // messages are reported UNDELIV (the default `filtered_as`), those the
    // SMSC kept past validity EXPIRED.
    let sent = row["sent"].as_f64().unwrap();
    for (stat, outcome) in [("UNDELIV", "carrier_filter"), ("EXPIRED", "expired_smsc")] {
        let expected = row["outcomes"][outcome].as_f64().unwrap() / sent;
        let observed = tally["stat"][stat].as_u64().unwrap_or(0) as f64 / n as f64;
        let se = (expected * (1.0 - expected) * (1.0 / n as f64 + 1.0 / sent)).sqrt();
        assert!(
            (observed - expected).abs() < 3.29 * se.max(1e-9),
            "{stat}: serve {observed:.4}, run {expected:.4} (se {se:.4})"
        );
        eprintln!("{stat}: serve {observed:.4} vs run {expected:.4}");
    }
}

#[test]
#[ignore = "needs the twilio library: bash tests/live/setup.sh, then --run-ignored all"]
fn the_twilio_library_creates_messages_and_validates_every_callback() {
    let served = Served::start(SCENARIO, "3600");
    let base = format!("http://{}", served.http.as_ref().expect("an http endpoint"));
    let output = Command::new(live_python())
        .args(["tests/live/twilio_client.py", &base, "intl", "pw1", "40"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tally: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(tally["created"], 40);
    // A "sent" callback and a final one per message, all signed right.
    assert_eq!(tally["valid"], tally["callbacks"]);
    let finals: u64 = tally["final"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(finals, 40, "{tally}");
    assert!(tally["callbacks"].as_u64().unwrap() >= 80, "{tally}");
    // The carrier filters a fifth of international messages: 30007.
    assert!(
        tally["errors"]["30007"].as_u64().unwrap_or(0) > 0,
        "{tally}"
    );
}

#[test]
#[ignore = "needs Kannel: apt-get install kannel, then --run-ignored all"]
fn kannel_sends_through_serve_and_receives_delivered_and_failed_receipts() {
    let served = Served::start(SCENARIO, "3600");
    let intl = served.address("intl");
    let (_, smpp_port) = intl.rsplit_once(':').unwrap();
    let kannel = Kannel::start(smpp_port, "");
    let (dlr_port, seen) = common::kannel::dlr_receiver();
    let n = 30;
    for i in 0..n {
        let dlr_url = format!("http://127.0.0.1:{dlr_port}/dlr?k={i}&type=%d&text=%A");
        kannel.send(&format!("8190{i:08}"), &dlr_url);
    }
    // Final receipts per message k.
    let mut finals = std::collections::BTreeMap::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while finals.len() < n && std::time::Instant::now() < deadline {
        let Ok(line) = seen.recv_timeout(std::time::Duration::from_millis(200)) else {
            continue;
        };
        let field = |name: &str| {
            line.split(['?', '&', ' '])
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .map(str::to_string)
        };
        let (Some(k), Some(kind)) = (field("k"), field("type")) else {
            continue;
        };
        // Kannel's DLR types: 1 delivered, 2 failed (34 = failed, expired),
        // 8 the SMSC's acknowledgement of the submit.
        let kind: u32 = kind.parse().unwrap_or(0);
        if kind & 0x03 != 0 {
            finals.insert(k, kind);
        }
    }
    let delivered = finals.values().filter(|t| **t == 1).count();
    let failed = finals.values().filter(|t| **t & 0x02 != 0).count();
    assert_eq!(
        finals.len(),
        n,
        "final receipts for {} of {n} messages",
        finals.len()
    );
    assert!(
        delivered > 0 && failed > 0,
        "delivered {delivered}, failed {failed}"
    );
    eprintln!("Kannel: {delivered} delivered, {failed} failed receipts of {n}");
}

#[test]
#[ignore = "needs Kannel: apt-get install kannel, then --run-ignored all"]
fn kannel_splits_long_and_ucs2_messages_and_each_gets_its_final_matched_dlr() {
    let served = Served::start(SCENARIO, "3600");
    let intl = served.address("intl");
    let (_, smpp_port) = intl.rsplit_once(':').unwrap();
    let kannel = Kannel::start(smpp_port, "");
    let (dlr_port, seen) = common::kannel::dlr_receiver();
    let japanese =
        "認証コードは123456です。このコードは10分間有効です。他の人には絶対に教えないでください。";
    let long_ja = japanese.repeat(2);
    let long_en = "Your verification code is 123456. It expires in 10 minutes. ".repeat(5);
    let messages: [(&str, &str); 3] = [
        (japanese, "&coding=2&charset=UTF-8"),
        (&long_ja, "&coding=2&charset=UTF-8"),
        (&long_en, ""),
    ];
    for (k, (text, more)) in messages.iter().enumerate() {
        let dlr_url = format!("http://127.0.0.1:{dlr_port}/dlr?k={k}&type=%d&id=%F&dlr=%A");
        kannel.send_text(&format!("81907{k:07}"), text, more, &dlr_url);
    }
    // k -> (DLR type, the SMSC's message id, the receipt text).
    let mut finals = std::collections::BTreeMap::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while finals.len() < messages.len() && std::time::Instant::now() < deadline {
        let Ok(line) = seen.recv_timeout(std::time::Duration::from_millis(200)) else {
            continue;
        };
        let field = |name: &str| {
            line.split(['?', '&', ' '])
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .map(percent_decoded)
        };
        let (Some(k), Some(kind)) = (field("k"), field("type")) else {
            continue;
        };
        let kind: u32 = kind.parse().unwrap_or(0);
        if kind & 0x03 != 0 {
            let (id, dlr) = (
                field("id").unwrap_or_default(),
                field("dlr").unwrap_or_default(),
            );
            eprintln!("k={k} type={kind} id={id} {dlr}");
            finals.insert(k.parse::<usize>().unwrap(), (kind, id, dlr));
        }
    }
    assert_eq!(
        finals.len(),
        messages.len(),
        "a final DLR per message: {finals:?}"
    );
    for (k, (text, _)) in messages.iter().enumerate() {
        let (kind, id, dlr) = &finals[&k];
        // Matched: Kannel found the message by the SMSC's id in the receipt.
        assert!(dlr.starts_with(&format!("id:{id} ")), "{k}: {dlr}");
        let quoted: String = text.chars().take(20).collect();
        assert!(
            dlr.ends_with(&format!(" text:{quoted}")),
            "{k} quotes its first part: {dlr}"
        );
        // The model's fate, not an incomplete message given up (err 034).
        assert!(!dlr.contains("err:034"), "{k}: {dlr}");
        assert!([1, 2, 34].contains(kind), "{k}: type {kind}");
    }
    // Kannel split the two long messages in two parts each (it asks for a
    // receipt on the first part only): five submits in all.
    let metrics = common::kannel::http_get(
        served
            .http
            .as_ref()
            .unwrap()
            .rsplit_once(':')
            .unwrap()
            .1
            .parse()
            .unwrap(),
        "/metrics",
    )
    .unwrap();
    assert!(metrics.contains("simsms_submits_total 5"), "{metrics}");
}

/// A URL query value decoded (`%XX` and `+`).
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The soak of bench/serve_soak.sh, short: 20 s of clients that drop and
/// rebind, never acknowledge or send garbage; every accepted message ends
/// with exactly one acknowledged receipt, connections return to 0 and
/// memory stays flat.
#[test]
#[ignore = "needs python3 (the soak client): --run-ignored all"]
fn a_short_soak_loses_and_duplicates_nothing() {
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args([
            "serve",
            "bench/serve_soak.toml",
            "--speed",
            "10",
            "--for",
            "120s",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("simsms serve starts");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(server.stdout.take().unwrap()));
    let (mut smpp, mut http) = (String::new(), String::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.first() {
            Some(&"smpp") => smpp = fields[3].to_string(),
            Some(&"http") => http = fields[1].to_string(),
            Some(&"ready") => break,
            _ => {}
        }
    }
    let soak = std::process::Command::new("python3")
        .args([
            "bench/serve_soak.py",
            &smpp,
            &http,
            &server.id().to_string(),
            "20",
            "100",
        ])
        .output()
        .expect("python3 runs the soak client");
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    let figures = String::from_utf8_lossy(&soak.stdout);
    assert!(
        soak.status.success(),
        "{figures}\n{}",
        String::from_utf8_lossy(&soak.stderr)
    );
    let figures: serde_json::Value = serde_json::from_str(figures.trim()).unwrap();
    assert!(figures["accepted"].as_u64().unwrap() > 500, "{figures}");
    assert_eq!(figures["lost"], 0);
    assert_eq!(figures["duplicated"], 0);
    assert!(
        figures["connections_opened"].as_u64().unwrap() > 4,
        "{figures}"
    );
}
