//! `simsms load`'s bounds (docs/limits.md): an absurd rate is refused with
//! exit 2 naming the bound, and memory stays bounded at a high rate, as
//! the schedule is made as it is sent and each message is folded into the
//! figures once final or dropped.

mod common;

use common::run_measuring_peak_rss;
use simsms::load::schedule::MAX_RATE_PER_SEC;
use simsms::load::smpp::BIND_ATTEMPTS;
use std::io::Read;
use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;

const SCENARIO: &str = "tests/live/serve_scenario.toml";

#[test]
fn an_absurd_rate_is_refused_naming_the_bound() {
    for rate in ["1e12/s", "10000000/s"] {
        let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
            .args(["load", SCENARIO, "--target", "smpp://u:p@127.0.0.1:9"])
            .args(["--rate", rate, "--duration", "1s"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{rate}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "--rate {rate} is above the 1000000 sessions per second"
            )),
            "{stderr}"
        );
    }
}

#[test]
fn docs_limits_state_the_load_bounds() {
    let docs = std::fs::read_to_string("docs/limits.md").unwrap();
    let row = |what: &str| {
        docs.lines()
            .find(|l| l.starts_with('|') && l.contains(what))
            .unwrap_or_else(|| panic!("docs/limits.md has no row for {what}"))
            .to_string()
    };
    assert!(row("`--rate`").contains(&format!("{MAX_RATE_PER_SEC:.0}")));
    assert!(row("bind attempts in a row").contains(&format!("| {BIND_ATTEMPTS} ")));
}

/// An SMPP server that accepts binds and reads every submit without ever
/// answering one: the window fills and every later message is dropped.
fn silent_after_bind() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                if common::answer_bind(&mut stream).is_none() {
                    return;
                }
                let mut sink = [0u8; 65536];
                while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
            });
        }
    });
    port
}

/// Half a million messages in one second against a server that answers
/// none: the old build held the whole schedule and a record per message
/// (about 390 MB at 1,000,000/s); now the peak stays that of a small run.
#[test]
fn a_high_rate_run_keeps_its_memory_bounded() {
    let port = silent_after_bind();
    let target = format!("smpp://u:p@127.0.0.1:{port}");
    let mut load = Command::new(env!("CARGO_BIN_EXE_simsms"));
    load.args(["load", SCENARIO, "--target", &target]).args([
        "--rate",
        "500000/s",
        "--duration",
        "1s",
        "--wait",
        "1s",
    ]);
    let (code, peak_kb) = run_measuring_peak_rss(&mut load, Duration::from_secs(120));
    assert_eq!(code, 0);
    assert!(peak_kb > 0, "no peak measured");
    assert!(
        peak_kb < 64 * 1024,
        "peak RSS {peak_kb} kB for 500,000 messages"
    );
}
