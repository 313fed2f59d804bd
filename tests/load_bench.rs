//! `simsms bench smpp` takes `simsms load`'s syntax (`--target
//! smpp://USER:PASSWORD@HOST:PORT`, `--rate N/s`), counts only the
//! receipts of its own messages (by message id), and waits for them at
//! most `--wait` after the last send.

mod common;

use common::Served;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Receipts come 3 s after the submit (route latency, no radio delay), and
/// with `loss = LOSS` some never come.
const SCENARIO: &str = r#"
[scenario]
name = "slow_receipts"
duration = "10m"
seed = 3

[traffic]
rate = "5/s"

[users]
typo = 0.0
stale = 0.0

[providers.p]
route = "domestic"
submit_latency = "10ms"

[routing]
policy = "single"
provider = "p"

[routes.domestic]
latency = "3s"
loss = LOSS

[carriers.c]
share = 1.0
radio_delay = "0s"

[serve]
receipt_retry = "1s"

[[serve.accounts]]
system_id = "b"
password = "pw"
provider = "p"
port = 0
"#;

/// Serves the scenario with `loss` at real time.
fn serve(dir: &std::path::Path, loss: &str) -> Served {
    let file = dir.join("slow.toml");
    std::fs::write(&file, SCENARIO.replace("LOSS", loss)).unwrap();
    Served::start(file.to_str().unwrap(), "1")
}

/// `simsms bench smpp` with `args`, failing the test after `limit`.
fn bench(args: &[&str], limit: Duration) -> (Output, f64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["bench", "smpp"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bench smpp {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    (out, started.elapsed().as_secs_f64())
}

/// The number before `what` in bench's summary line.
fn count(line: &str, what: &str) -> u64 {
    let before = line.split(what).next().unwrap();
    before.split_whitespace().last().unwrap().parse().unwrap()
}

/// A first run that leaves before its receipts come has them held by the
/// server for the account; a second run binding then gets them, and counts
/// only its own, which come 3 s after its submits (the build before
/// counted the held ones and stopped after about a second).
#[test]
fn bench_smpp_counts_only_its_own_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), "0.0");
    let target = format!("smpp://b:pw@{}", served.address("b"));
    let first = [
        "--target", &target, "-c", "1", "-n", "50", "--rate", "100/s",
    ];
    let (out, _) = bench(
        &[&first[..], &["--wait", "0s"]].concat(),
        Duration::from_secs(30),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second = [
        "--target", &target, "-c", "1", "-n", "10", "--rate", "100/s",
    ];
    let (out, took) = bench(
        &[&second[..], &["--wait", "10s"]].concat(),
        Duration::from_secs(30),
    );
    drop(served);
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&line, "accepted"), 10, "{line}");
    assert_eq!(count(&line, "receipts"), 10, "{line}");
    assert!(
        took > 2.9,
        "its own receipts take 3 s, it ended after {took:.2} s: {line}"
    );
}

/// Lost messages never get a receipt: the run ends `--wait` after the last
/// send with what came (the build before waited a minute past the plan).
#[test]
fn bench_smpp_waits_for_receipts_at_most_wait() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), "1.0");
    let target = format!("smpp://b:pw@{}", served.address("b"));
    let args = [
        "--target", &target, "-n", "20", "--rate", "100/s", "--wait", "1s",
    ];
    let (out, took) = bench(&args, Duration::from_secs(30));
    drop(served);
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&line, "receipts"), 0, "{line}");
    assert!(took < 5.0, "ended after {took:.2} s: {line}");
}

#[test]
fn bench_smpp_refuses_a_target_that_is_not_smpp() {
    let (out, _) = bench(
        &["--target", "127.0.0.1:2775", "-n", "1"],
        Duration::from_secs(30),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("smpp://USER:PASSWORD@HOST:PORT"),
        "{stderr}"
    );
}

/// A server that cannot be reached is a network failure (exit 4) named in
/// a sentence, as for `simsms load`.
#[test]
fn bench_smpp_against_a_refused_port_exits_4_with_a_sentence() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("smpp://b:pw@127.0.0.1:{port}");
    let (out, _) = bench(&["--target", &target, "-n", "1"], Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: could not connect to smpp://b@127.0.0.1:{port}: "
        )),
        "{stderr}"
    );
}
