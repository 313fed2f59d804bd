//! `simsms load` against `simsms serve`: the measured delivery rate agrees
//! with `simsms run` of the same scenario within intervals, and the report
//! says it was measured.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const SCENARIO: &str = "tests/live/serve_scenario.toml";

/// (value, low, high) of the all-carrier OTP success in a JSON report.
fn otp_success(json: &std::path::Path) -> (f64, f64, f64) {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let row = report["alternatives"][0]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["carrier"] == "c")
        .unwrap()
        .clone();
    let e = &row["otp_success"];
    (
        e["value"].as_f64().unwrap(),
        e["low"].as_f64().unwrap(),
        e["high"].as_f64().unwrap(),
    )
}

/// Starts `simsms serve` on the test scenario; returns it and the intl
/// account's address.
fn serve() -> (std::process::Child, String) {
    let (child, addresses) = serve_accounts();
    let intl = addresses
        .iter()
        .find(|(s, _)| s == "intl")
        .unwrap()
        .1
        .clone();
    (child, intl)
}

/// Starts `simsms serve` on the test scenario; returns it and every
/// account's (system_id, address).
fn serve_accounts() -> (std::process::Child, Vec<(String, String)>) {
    let mut serve = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args([
            "serve", SCENARIO, "--speed", "3600", "--for", "60s", "--flush", "1s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut addresses = Vec::new();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line == "ready" {
            break;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts[0] == "smpp" {
            addresses.push((parts[1].to_string(), parts[3].to_string()));
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    (serve, addresses)
}

fn delivery(json: &std::path::Path) -> (f64, f64, f64, f64) {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let row = report["alternatives"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["provider"] == "intl" && m["carrier"] == "c")
        .unwrap()
        .clone();
    let rate = &row["delivery_rate"];
    (
        rate["value"].as_f64().unwrap(),
        rate["low"].as_f64().unwrap(),
        rate["high"].as_f64().unwrap(),
        row["sent"].as_f64().unwrap(),
    )
}

#[test]
fn load_against_serve_measures_what_run_simulates() {
    let mut serve = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args([
            "serve", SCENARIO, "--speed", "3600", "--for", "60s", "--flush", "1s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut address = None;
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line == "ready" {
            break;
        }
        if let Some(rest) = line.strip_prefix("smpp intl intl ") {
            address = Some(rest.to_string());
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    let address = address.expect("the intl account's address");
    let dir = tempfile::tempdir().unwrap();
    let measured = dir.path().join("load.json");
    let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["load", SCENARIO, "--target"])
        .arg(format!("smpp://intl:pw1@{address}"))
        .args([
            "--rate",
            "500/s",
            "--duration",
            "4s",
            "--wait",
            "10s",
            "--json",
        ])
        .arg(&measured)
        .output()
        .unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status();
    let _ = serve.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("measured against smpp://intl@"), "{text}");
    assert!(text.contains("dropped (window full) 0"), "{text}");
    let (p_load, low_load, high_load, sent) = delivery(&measured);
    assert!(sent > 1_500.0, "{sent} messages");
    // Over two binds every message is matched with its final receipt.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&measured).unwrap()).unwrap();
    let lost = report["alternatives"][0]["messages"][0]["outcomes"]["lost"].as_u64();
    assert_eq!(lost, Some(0), "messages without a final receipt");
    let simulated = dir.path().join("run.json");
    let status = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["run", SCENARIO, "-o", "/dev/null", "--json"])
        .arg(&simulated)
        .status()
        .unwrap();
    assert!(status.success());
    let (p_run, low_run, high_run, _) = delivery(&simulated);
    // Two independent estimates: within 3.29 combined standard errors.
    let se = |low: f64, high: f64| (high - low) / (2.0 * 1.96);
    let bound = 3.29 * (se(low_load, high_load).powi(2) + se(low_run, high_run).powi(2)).sqrt();
    eprintln!(
        "delivery: load {p_load:.4} [{low_load:.4}, {high_load:.4}] over {sent} messages, run {p_run:.4} [{low_run:.4}, {high_run:.4}]"
    );
    assert!(
        (p_load - p_run).abs() < bound,
        "load measured {p_load:.4} [{low_load:.4}, {high_load:.4}], run {p_run:.4} [{low_run:.4}, {high_run:.4}]"
    );
}

/// Three modes, one model: OTP sessions driven by the model's session
/// machine against `simsms serve` succeed as often as `simsms run`
/// simulates, within intervals.
#[test]
fn load_otp_against_serve_agrees_with_run() {
    let (mut serve, address) = serve();
    let dir = tempfile::tempdir().unwrap();
    let measured = dir.path().join("otp.json");
    // 18 sessions per simulated minute for 2 simulated hours: about 2,000
    // sessions in 2 s of wall time at 3600x.
    let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["load", SCENARIO, "--otp", "--speed", "3600", "--target"])
        .arg(format!("smpp://intl:pw1@{address}"))
        .args(["--rate", "18/m", "--duration", "2h", "--wait", "3s"])
        .args(["--set", "otp.max_sends=3", "--json"])
        .arg(&measured)
        .output()
        .unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status();
    let _ = serve.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let simulated = dir.path().join("run.json");
    let status = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args([
            "run",
            SCENARIO,
            "--set",
            "otp.max_sends=3",
            "-o",
            "/dev/null",
            "--json",
        ])
        .arg(&simulated)
        .status()
        .unwrap();
    assert!(status.success());
    let (a, a_low, a_high) = otp_success(&measured);
    let (b, b_low, b_high) = otp_success(&simulated);
    let se = |low: f64, high: f64| (high - low) / (2.0 * 1.96);
    let bound = 3.29 * (se(a_low, a_high).powi(2) + se(b_low, b_high).powi(2)).sqrt();
    assert!(
        (a - b).abs() < bound,
        "load --otp measured {a:.4} [{a_low:.4}, {a_high:.4}], run {b:.4} [{b_low:.4}, {b_high:.4}]"
    );
    eprintln!(
        "OTP success: load --otp {a:.4} [{a_low:.4}, {a_high:.4}], run {b:.4} [{b_low:.4}, {b_high:.4}]"
    );
}

/// What a stub SMPP server does wrong.
#[derive(Clone, Copy)]
enum Misbehaviour {
    /// Stops answering for one second, a second after the first submit.
    Stall,
    /// Closes its first connection on the 500th submit, without answering.
    CloseAt500,
}

/// A minimal SMPP server that answers binds and submits at once, apart from
/// its misbehaviour. Returns its port; it serves connections one by one.
fn stub(misbehaviour: Misbehaviour) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut connection = 0;
        for stream in listener.incoming().flatten() {
            connection += 1;
            serve_one(stream, misbehaviour, connection == 1);
        }
    });
    port
}

fn serve_one(mut stream: std::net::TcpStream, misbehaviour: Misbehaviour, first: bool) {
    use std::io::{Read, Write};
    {
        let mut first_submit = None::<std::time::Instant>;
        let mut stalled = false;
        let mut submits = 0u64;
        let mut next_id = 1u64;
        loop {
            let mut head = [0u8; 16];
            if stream.read_exact(&mut head).is_err() {
                return;
            }
            let length = u32::from_be_bytes(head[0..4].try_into().unwrap()) as usize;
            let id = u32::from_be_bytes(head[4..8].try_into().unwrap());
            let sequence = &head[12..16];
            let mut body = vec![0u8; length.saturating_sub(16)];
            if stream.read_exact(&mut body).is_err() {
                return;
            }
            let (resp_id, resp_body): (u32, Vec<u8>) = match id {
                0x09 => (0x8000_0009, b"stub\0".to_vec()),
                0x04 => {
                    submits += 1;
                    if first && submits == 500 && matches!(misbehaviour, Misbehaviour::CloseAt500) {
                        return;
                    }
                    let started = *first_submit.get_or_insert_with(std::time::Instant::now);
                    let stalls = matches!(misbehaviour, Misbehaviour::Stall);
                    if stalls && !stalled && started.elapsed() >= std::time::Duration::from_secs(1)
                    {
                        stalled = true;
                        std::thread::sleep(std::time::Duration::from_secs(1));
                    }
                    next_id += 1;
                    (0x8000_0004, format!("{next_id}\0").into_bytes())
                }
                0x15 => (0x8000_0015, Vec::new()),
                0x06 => (0x8000_0006, Vec::new()),
                _ => continue,
            };
            let mut out = ((16 + resp_body.len()) as u32).to_be_bytes().to_vec();
            out.extend(resp_id.to_be_bytes());
            out.extend([0u8; 4]);
            out.extend(sequence);
            out.extend(resp_body);
            if stream.write_all(&out).is_err() || id == 0x06 {
                return;
            }
        }
    }
}

/// The p99.9 (ms) on the report line that starts with `label`.
fn p999(report: &str, label: &str) -> f64 {
    let line = report.lines().find(|l| l.starts_with(label)).unwrap();
    let after = line.split("p99.9 ").nth(1).unwrap();
    after.split(' ').next().unwrap().parse().unwrap()
}

/// Coordinated omission: a one-second stall shows in the latency measured
/// from each message's intended send time, not in the one measured from
/// when it could actually be sent.
#[test]
fn a_stall_shows_from_the_intended_time_and_not_from_the_actual_one() {
    let port = stub(Misbehaviour::Stall);
    let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["load", SCENARIO, "--target"])
        .arg(format!("smpp://x:y@127.0.0.1:{port}"))
        .args(["--rate", "1000/s", "--duration", "4s", "--window", "2"])
        .args(["--max-late", "5s", "--wait", "1s"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    let intended = p999(&report, "submit_sm_resp from intended send time");
    let actual = p999(&report, "submit_sm_resp from actual send time");
    assert!(
        intended > 800.0,
        "intended-time p99.9 {intended} ms:\n{report}"
    );
    assert!(actual < 100.0, "actual-time p99.9 {actual} ms:\n{report}");
    assert!(report.contains("dropped (window full) 0"), "{report}");
    let late: u64 = report
        .lines()
        .find(|l| l.starts_with("planned "))
        .and_then(|l| l.split("late ").nth(1))
        .and_then(|s| s.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        late > 500,
        "messages held back by the stall are counted late: {late}"
    );
}

/// A connection closed mid-run is re-opened and re-bound; the run goes on
/// and counts what was in flight.
#[test]
fn a_closed_connection_is_reopened_and_what_was_in_flight_counted() {
    let port = stub(Misbehaviour::CloseAt500);
    let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["load", SCENARIO, "--target"])
        .arg(format!("smpp://x:y@127.0.0.1:{port}"))
        .args(["--rate", "1000/s", "--duration", "2s", "--wait", "1s"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout);
    let line = report
        .lines()
        .find(|l| l.starts_with("reconnects "))
        .unwrap();
    assert!(line.starts_with("reconnects 1,"), "{report}");
    let lost: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(lost >= 1, "{line}");
    let planned = report.lines().find(|l| l.starts_with("planned ")).unwrap();
    let number = |name: &str| -> u64 {
        planned
            .split(&format!("{name} "))
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    // Everything but what was lost at the close was sent after reconnecting.
    assert!(number("sent") + 5 >= number("planned"), "{planned}");
}

/// Backing off after ESME_RTHROTTLED: the bind pauses, so the messages due
/// meanwhile are held back and leave late (and are measured from their
/// intended time); without backoff none is late.
#[test]
fn backing_off_after_a_throttle_holds_messages_back() {
    let (mut serve, addresses) = serve_accounts();
    // The direct account allows 20 submissions/s per bind.
    let direct = addresses
        .iter()
        .find(|(s, _)| s == "direct")
        .unwrap()
        .1
        .clone();
    let figures = |backoff: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
            .args(["load", SCENARIO, "--provider", "direct", "--target"])
            .arg(format!("smpp://direct:pw2@{direct}"))
            .args([
                "--rate",
                "100/s",
                "--duration",
                "2s",
                "--wait",
                "1s",
                "--max-late",
                "10s",
            ])
            .args(["--throttle-backoff", backoff])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = String::from_utf8_lossy(&out.stdout).into_owned();
        let refused: u64 = report
            .lines()
            .find(|l| l.starts_with("refusals by command_status"))
            .and_then(|l| l.split("0x00000058 ").nth(1))
            .map_or(0, |n| n.trim().parse().unwrap());
        let late: u64 = report
            .lines()
            .find(|l| l.starts_with("planned "))
            .and_then(|l| l.split("late ").nth(1))
            .and_then(|s| s.split(',').next())
            .unwrap()
            .parse()
            .unwrap();
        (refused, late)
    };
    let (refused_eager, late_eager) = figures("0s");
    let (refused_patient, late_patient) = figures("1s");
    let _ = Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status();
    let _ = serve.wait();
    assert!(
        refused_eager > 50,
        "20/s of 100/s get through: {refused_eager}"
    );
    assert_eq!(late_eager, 0);
    assert!(late_patient > 50, "held back by the pauses: {late_patient}");
    assert!(refused_patient > 0);
}
