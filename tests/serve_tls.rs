//! TLS on `simsms serve` (tests/live/serve_tls_scenario.toml: each account
//! on a plain port and a TLS port side by side, the API plain and over
//! TLS, the test certificate of tests/live/tls), proven with clients:
//! `simsms load` over smpps:// and https:// trusting the test CA with
//! `--ca-cert`; a plain client on a TLS port and a TLS client on a plain
//! port fail with a sentence and free their connection slot; a client
//! that never finishes its handshake is cut off at header_timeout;
//! `simsms check` names the file and key of a bad certificate. With the
//! live clients (ignored by a plain run, run by `--run-ignored all`):
//! python smpplib over Python's ssl, verifying the certificate; the
//! official twilio library over https; Kannel's `use-ssl` SMSC link.

mod common;

use common::kannel::Kannel;
use common::{Served, live_python};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const SCENARIO: &str = "tests/live/serve_tls_scenario.toml";

fn tls_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/live/tls")
        .join(name)
}

fn ca() -> String {
    tls_file("ca.pem").display().to_string()
}

/// `simsms load` of `count` messages against `target`, with `more` flags.
fn load(target: &str, count: &str, more: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["load", SCENARIO, "--target", target, "--count", count])
        .args([
            "--rate",
            "200/s",
            "--wait",
            "20s",
            "--connect-timeout",
            "5s",
        ])
        .args(more)
        .output()
        .unwrap()
}

/// The numbers after each `word` on the report's line starting `line`.
fn counts_on(report: &str, line: &str) -> Vec<u64> {
    let found = report.lines().find(|l| l.starts_with(line));
    let found = found.unwrap_or_else(|| panic!("no line {line:?} in:\n{report}"));
    found
        .split([',', ' '])
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// Asserts a load run sent `n` messages, all accepted and all receipted.
fn assert_all_receipted(out: &Output, n: u64) {
    let report = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}\n{report}");
    assert_eq!(counts_on(&report, "planned ")[..2], [n, n], "{report}");
    assert!(
        report.contains("refusals by command_status: none"),
        "{report}"
    );
    let receipts: u64 = counts_on(&report, "receipts by stat:").iter().sum();
    assert_eq!(receipts, n, "every message receipted: {report}");
}

#[test]
fn load_over_smpps_trusting_the_test_ca_gets_every_message_receipted() {
    let served = Served::start(SCENARIO, "3600");
    let target = format!("smpps://intl:pw1@{}", served.tls_address("intl"));
    let out = load(&target, "300", &["--ca-cert", &ca(), "--binds", "2"]);
    assert_all_receipted(&out, 300);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("measured against smpps://intl@"),
        "{report}"
    );
    // Without the CA the certificate is refused with a sentence: exit 4.
    let untrusted = load(&target, "5", &[]);
    let stderr = String::from_utf8_lossy(&untrusted.stderr);
    assert_eq!(untrusted.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("UnknownIssuer") && stderr.contains("--ca-cert"),
        "{stderr}"
    );
}

#[test]
fn load_over_https_to_the_api_trusting_the_test_ca_gets_every_final_status() {
    let served = Served::start(SCENARIO, "3600");
    let https = served.https.clone().expect("an https endpoint");
    let target = format!("https://intl:pw1@{https}");
    let out = load(&target, "100", &["--ca-cert", &ca()]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(counts_on(&report, "planned ")[..2], [100, 100], "{report}");
    // "final statuses: delivered 82, undelivered 30007 14": each part's
    // last number is its count.
    let line = report.lines().find(|l| l.starts_with("final statuses: "));
    let finals: u64 = (line.expect(&report)["final statuses: ".len()..].split(", "))
        .map(|part| part.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(finals, 100, "{report}");
}

/// The server's /metrics value of `name` (0 when absent).
fn metric(served: &Served, name: &str) -> f64 {
    let http = served.http.as_ref().expect("an http endpoint");
    let (_, port) = http.rsplit_once(':').unwrap();
    let text = common::kannel::http_get(port.parse().unwrap(), "/metrics").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Polls until `metric` reaches `value`, for up to 10 s.
fn wait_for_metric(served: &Served, name: &str, value: f64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while metric(served, name) != value {
        assert!(
            Instant::now() < deadline,
            "{name} stays {} (want {value})",
            metric(served, name)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_client_on_the_wrong_kind_of_port_fails_cleanly_and_frees_its_slot() {
    // One SMPP connection at a time: a leaked slot would refuse the last bind.
    let served = Served::start_with(SCENARIO, "3600", &["--set", "serve.max_connections=1"]);
    let (plain, tls) = (served.address("intl"), served.tls_address("intl"));
    let plain_on_tls = load(&format!("smpp://intl:pw1@{tls}"), "5", &[]);
    let stderr = String::from_utf8_lossy(&plain_on_tls.stderr);
    assert_eq!(plain_on_tls.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("use smpps://"), "{stderr}");
    let tls_on_plain = load(
        &format!("smpps://intl:pw1@{plain}"),
        "5",
        &["--ca-cert", &ca()],
    );
    let stderr = String::from_utf8_lossy(&tls_on_plain.stderr);
    assert_eq!(tls_on_plain.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("does not seem to speak TLS"), "{stderr}");
    // A client that connects and never says a word is cut off at the
    // scenario's header_timeout (2 s), not left holding its slot.
    let started = Instant::now();
    let mut silent = std::net::TcpStream::connect(&tls).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buffer = [0u8; 64];
    let read = std::io::Read::read(&mut silent, &mut buffer);
    let waited = started.elapsed();
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert!(
        waited >= Duration::from_millis(1500) && waited < Duration::from_secs(10),
        "closed after {waited:?}"
    );
    wait_for_metric(&served, "simsms_connections", 0.0);
    assert!(metric(&served, "simsms_tls_handshake_failures_total") >= 2.0);
    // Every slot is free again: a proper TLS client binds and is served.
    let good = load(
        &format!("smpps://intl:pw1@{tls}"),
        "20",
        &["--ca-cert", &ca()],
    );
    assert_all_receipted(&good, 20);
}

#[test]
fn check_names_the_key_and_file_of_a_certificate_that_cannot_serve() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(SCENARIO).unwrap();
    let check = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
            .arg("check")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // Relative paths are read beside the scenario: here, a missing file.
    let missing = check("missing.toml", text.clone());
    assert!(missing.contains("key `serve.tls_cert`"), "{missing}");
    assert!(missing.contains("readable PEM certificate"), "{missing}");
    assert!(
        missing.contains(&dir.path().join("tls/server.pem").display().to_string()),
        "{missing}"
    );
    assert!(missing.contains("hint:"), "{missing}");
    // The CA's certificate with the server's key: they do not belong together.
    let absolute = text
        .replace("\"tls/server.pem\"", &format!("{:?}", tls_file("ca.pem")))
        .replace(
            "\"tls/server.key\"",
            &format!("{:?}", tls_file("server.key")),
        );
    let mismatch = check("mismatch.toml", absolute);
    assert!(mismatch.contains("key `serve.tls_key`"), "{mismatch}");
    assert!(mismatch.contains("another certificate"), "{mismatch}");
    // A TLS port without a certificate.
    let bare = text
        .replace("tls_cert = \"tls/server.pem\"\n", "")
        .replace("tls_key = \"tls/server.key\"\n", "");
    let bare = check("bare.toml", bare);
    assert!(bare.contains("key `serve.https_port`"), "{bare}");
    assert!(bare.contains("tls_cert"), "{bare}");
}

#[test]
fn check_refuses_a_port_both_plain_and_tls_and_a_certificate_no_port_serves() {
    let text = std::fs::read_to_string(SCENARIO).unwrap();
    let check = |sets: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_simsms"));
        command.args(["check", SCENARIO]);
        for set in sets {
            command.args(["--set", set]);
        }
        let out = command.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(check(&[]).0, Some(0), "{}", check(&[]).1);
    // The first account's plain port as the second's TLS port.
    let both = text
        .replacen("port = 0\ntls_port = 0", "port = 3550\ntls_port = 0", 1)
        .replacen("port = 0\ntls_port = 0", "port = 0\ntls_port = 3550", 1);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tls")).unwrap();
    for name in ["server.pem", "server.key"] {
        std::fs::copy(tls_file(name), dir.path().join("tls").join(name)).unwrap();
    }
    let path = dir.path().join("both.toml");
    std::fs::write(&path, both).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("key `serve.accounts[1].tls_port`"),
        "{stderr}"
    );
    assert!(stderr.contains("\"intl\""), "{stderr}");
    // https_port on http_port's number.
    let (code, stderr) = check(&["serve.http_port=8443", "serve.https_port=8443"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("key `serve.https_port"), "{stderr}");
    // A certificate with no TLS port to serve it on.
    let (code, stderr) = check(&[
        "serve.https_port=",
        "serve.accounts=[{system_id=\"a\",password=\"p\",provider=\"intl\"}]",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("key `serve.tls_cert`") && stderr.contains("a TLS port"),
        "{stderr}"
    );
}

/// The JSON line a live client printed; fails the test, with the
/// client's stderr, unless it succeeded.
fn tally_of(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
#[ignore = "needs python smpplib: bash tests/live/setup.sh, then --run-ignored all"]
fn smpplib_over_python_ssl_verifies_the_certificate_and_gets_every_receipt() {
    let served = Served::start(SCENARIO, "3600");
    let address = served.tls_address("intl");
    let (host, port) = address.rsplit_once(':').unwrap();
    let output = Command::new(live_python())
        .args([
            "tests/live/smpp_client.py",
            "roundtrip",
            host,
            port,
            "intl",
            "pw1",
            "50",
        ])
        .env("SMPP_TLS_CA", ca())
        .output()
        .unwrap();
    let tally = tally_of(&output);
    assert_eq!(tally["accepted"], 50, "{tally}");
    assert_eq!(tally["receipts"], 50, "{tally}");
    assert_eq!(tally["tls"]["subject"], "simsms test server", "{tally}");
    assert!(
        tally["tls"]["version"]
            .as_str()
            .unwrap()
            .starts_with("TLSv1."),
        "{tally}"
    );
}

#[test]
#[ignore = "needs the twilio library: bash tests/live/setup.sh, then --run-ignored all"]
fn the_twilio_library_uses_the_api_over_tls_trusting_only_the_test_ca() {
    let served = Served::start(SCENARIO, "3600");
    let base = format!(
        "https://{}",
        served.https.as_ref().expect("an https endpoint")
    );
    // requests (under twilio) trusts the bundle REQUESTS_CA_BUNDLE names.
    let output = Command::new(live_python())
        .args(["tests/live/twilio_client.py", &base, "intl", "pw1", "20"])
        .env("REQUESTS_CA_BUNDLE", ca())
        .output()
        .unwrap();
    let tally = tally_of(&output);
    assert_eq!(tally["created"], 20, "{tally}");
    assert_eq!(tally["valid"], tally["callbacks"], "{tally}");
}

#[test]
#[ignore = "needs Kannel: apt-get install kannel, then --run-ignored all"]
fn kannel_binds_over_ssl_verifying_the_certificate_and_gets_final_receipts() {
    let served = Served::start(SCENARIO, "3600");
    let address = served.tls_address("intl");
    let (_, port) = address.rsplit_once(':').unwrap();
    let core = format!("ssl-trusted-ca-file = \"{}\"", ca());
    let kannel = Kannel::start_with(port, &core, "use-ssl = true");
    let (dlr_port, seen) = common::kannel::dlr_receiver();
    let n = 10;
    for i in 0..n {
        let dlr_url = format!("http://127.0.0.1:{dlr_port}/dlr?k={i}&type=%d");
        kannel.send(&format!("8190{i:08}"), &dlr_url);
    }
    let mut finals = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while finals.len() < n && Instant::now() < deadline {
        let Ok(line) = seen.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        let field = |name: &str| {
            line.split(['?', '&', ' '])
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .map(str::to_string)
        };
        // Kannel's DLR types: 1 delivered, 2 failed, 8 the SMSC's ack.
        if let (Some(k), Some(kind)) = (field("k"), field("type"))
            && kind.parse::<u32>().unwrap_or(0) & 0x03 != 0
        {
            finals.insert(k);
        }
    }
    assert_eq!(finals.len(), n, "final receipts over SSL for {finals:?}");
}
