//! A bind that keeps failing ends `simsms load` with a clear error after a
//! bounded number of attempts (`load::smpp::BIND_ATTEMPTS`), instead of
//! reconnecting forever; so does `--binds N` beyond what a server allows.

mod common;

use common::Served;
use std::net::TcpListener;
use std::process::Output;
use std::time::Duration;

const SCENARIO: &str = "tests/live/serve_scenario.toml";

/// `simsms load` with `args`, failing the test if it runs past `limit`.
fn load(args: &[&str], limit: Duration) -> Output {
    let args: Vec<&str> = std::iter::once("load")
        .chain(args.iter().copied())
        .collect();
    common::simsms_within(&args, limit)
}

/// An SMPP server that answers every bind with success and then closes
/// the connection at once, as a server at its bind limit may.
fn binds_then_closes() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            if common::answer_bind(&mut stream).is_none() {
                continue;
            }
        }
    });
    port
}

#[test]
fn a_bind_that_keeps_closing_ends_the_run_after_five_attempts_with_exit_4() {
    let port = binds_then_closes();
    let target = format!("smpp://u:p@127.0.0.1:{port}");
    let out = load(
        &[
            SCENARIO,
            "--target",
            &target,
            "--rate",
            "10/s",
            "--duration",
            "60s",
        ],
        Duration::from_secs(20),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the bind to smpp://u@127.0.0.1:{port} failed 5 times in a row (the last: the connection closed before any submit was answered)"
        )),
        "{stderr}"
    );
}

/// `simsms serve` with `max_connections = 1` closes a second connection at
/// once: `--binds 2` ends with exit 4 at the start, not after the run.
#[test]
fn more_binds_than_the_server_allows_end_the_run_with_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("one_connection.toml");
    let text = std::fs::read_to_string(SCENARIO)
        .unwrap()
        .replace("[serve]\n", "[serve]\nmax_connections = 1\n");
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap();
    let served = Served::start(file, "3600");
    let target = format!("smpp://intl:pw1@{}", served.address("intl"));
    let args = [file, "--target", &target, "--binds", "2"];
    let out = load(
        &[&args[..], &["--rate", "10/s", "--duration", "60s"]].concat(),
        Duration::from_secs(20),
    );
    drop(served);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("smpp://intl@127.0.0.1"), "{stderr}");
}
