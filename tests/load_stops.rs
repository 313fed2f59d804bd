//! `simsms load` never hangs on a target that stops answering: connecting
//! and binding are bounded by `--connect-timeout` (exit 4), and Ctrl-C
//! stops the run in every phase with the partial report and exit 130.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const SCENARIO: &str = "tests/live/serve_scenario.toml";

/// A server on 127.0.0.1 that accepts every connection, reads what the
/// client sends first (an SMPP bind, an HTTP request), reports it on the
/// channel and never answers. Returns its port.
fn silent_server() -> (u16, Receiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (heard, hear) = channel();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let heard = heard.clone();
            std::thread::spawn(move || {
                let mut first = [0u8; 16];
                if stream.read_exact(&mut first).is_ok() {
                    let _ = heard.send(());
                }
                // Hold the connection open, never answering.
                std::thread::sleep(Duration::from_secs(120));
            });
        }
    });
    (port, hear)
}

/// A running `simsms load`, killed when dropped if still running.
struct Load(Option<Child>);

impl Load {
    fn start(target: &str, extra: &[&str]) -> Load {
        let child = Command::new(env!("CARGO_BIN_EXE_simsms"))
            .args(["load", SCENARIO, "--target", target])
            .args(["--rate", "10/s", "--duration", "2s"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Load(Some(child))
    }

    fn pid(&self) -> String {
        self.0.as_ref().unwrap().id().to_string()
    }

    /// Waits for the exit, failing the test after `limit`.
    fn finish(mut self, limit: Duration) -> Output {
        let child = self.0.as_mut().unwrap();
        let deadline = Instant::now() + limit;
        while child.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "simsms load still running after {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        self.0.take().unwrap().wait_with_output().unwrap()
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[test]
fn a_target_that_never_answers_the_bind_ends_with_exit_4_after_the_connect_timeout() {
    let (port, _heard) = silent_server();
    let target = format!("smpp://u:p@127.0.0.1:{port}");
    let started = Instant::now();
    let out = Load::start(&target, &["--connect-timeout", "2s"]).finish(Duration::from_secs(30));
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "smpp://u@127.0.0.1:{port} accepted the connection but did not answer the bind within 2 s (--connect-timeout)"
        )),
        "{stderr}"
    );
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "ended after {took:?}"
    );
}

/// SIGINT while the bind waits for its answer (the default timeout is
/// 10 s): the run stops at once, with the partial report and exit 130.
#[test]
fn ctrl_c_during_the_bind_writes_a_partial_report_and_exits_130() {
    let (port, heard) = silent_server();
    let target = format!("smpp://u:p@127.0.0.1:{port}");
    let load = Load::start(&target, &[]);
    heard
        .recv_timeout(Duration::from_secs(20))
        .expect("the bind reached the server");
    let interrupted = Command::new("kill")
        .args(["-INT", &load.pid()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let out = load.finish(Duration::from_secs(3));
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(130),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("INTERRUPTED by Ctrl-C after"), "{report}");
    assert!(report.contains("sent 0"), "{report}");
}

/// The same over `--otp`, which opens its binds before the first session.
#[test]
fn ctrl_c_during_the_bind_of_an_otp_run_exits_130() {
    let (port, heard) = silent_server();
    let target = format!("smpp://u:p@127.0.0.1:{port}");
    let load = Load::start(&target, &["--otp"]);
    heard
        .recv_timeout(Duration::from_secs(20))
        .expect("the bind reached the server");
    let interrupted = Command::new("kill")
        .args(["-INT", &load.pid()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let out = load.finish(Duration::from_secs(3));
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A server that answers binds and submits at once but never sends a
/// receipt; reports each submit it answered on the channel.
fn answers_without_receipts() -> (u16, Receiver<()>) {
    use std::io::Write;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (answered, hear) = channel();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let answered = answered.clone();
            std::thread::spawn(move || {
                let mut next_id = 0u32;
                loop {
                    let mut head = [0u8; 16];
                    if stream.read_exact(&mut head).is_err() {
                        return;
                    }
                    let length = u32::from_be_bytes(head[0..4].try_into().unwrap()) as usize;
                    let mut body = vec![0u8; length.saturating_sub(16)];
                    if stream.read_exact(&mut body).is_err() {
                        return;
                    }
                    let id = u32::from_be_bytes(head[4..8].try_into().unwrap());
                    next_id += 1;
                    let body = format!("{next_id}\0").into_bytes();
                    let mut resp = ((16 + body.len()) as u32).to_be_bytes().to_vec();
                    resp.extend((id | 0x8000_0000).to_be_bytes());
                    resp.extend([0u8; 4]);
                    resp.extend(&head[12..16]);
                    resp.extend(body);
                    if stream.write_all(&resp).is_err() {
                        return;
                    }
                    if id == 0x04 {
                        let _ = answered.send(());
                    }
                }
            });
        }
    });
    (port, hear)
}

/// SIGINT while the run waits for receipts (`--wait 60s` after a 2 s
/// schedule): it stops at once, with the partial report and exit 130.
#[test]
fn ctrl_c_while_waiting_for_receipts_exits_130_promptly() {
    let (port, answered) = answers_without_receipts();
    let target = format!("smpp://u:p@127.0.0.1:{port}");
    let load = Load::start(&target, &["--wait", "60s"]);
    // About 20 messages over 2 s: wait until the last ones were answered.
    for _ in 0..10 {
        answered
            .recv_timeout(Duration::from_secs(20))
            .expect("submits answered");
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while answered.recv_timeout(Duration::from_millis(500)).is_ok() {
        assert!(Instant::now() < deadline, "still sending");
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &load.pid()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let out = load.finish(Duration::from_secs(3));
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{report}");
    assert!(report.contains("INTERRUPTED by Ctrl-C after"), "{report}");
}
