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
            .args(["--rate", "10/s", "--duration", "2s", "--wait", "1s"])
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
