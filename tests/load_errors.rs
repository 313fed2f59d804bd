//! What `simsms load` says when it cannot go on: every error is a
//! sentence naming the target (never a Rust Debug dump), with the README's
//! exit code: 2 for a bad flag, 4 for a target that cannot be reached,
//! bound to or kept talking to.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};

const SCENARIO: &str = "tests/live/serve_scenario.toml";

/// A listener on 127.0.0.1 that hands every connection to `each` on a
/// thread of its own; returns its port. The threads end with the test.
fn stub(each: fn(TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || each(stream));
        }
    });
    port
}

/// `simsms load` with `extra` arguments, stopped after `limit` if still
/// running (a hang fails the test).
fn load(extra: &[&str], limit: std::time::Duration) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["load", SCENARIO])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output().unwrap());
    });
    match finished.recv_timeout(limit) {
        Ok(out) => out,
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("simsms load {extra:?} still running after {limit:?}");
        }
    }
}

/// Asserts the error is one sentence without Debug syntax.
fn assert_sentence(stderr: &str) {
    assert!(stderr.starts_with("error: "), "{stderr}");
    for debug in ["Some(", "Err(", "Ok(", " {", "}", "MaxLength"] {
        assert!(!stderr.contains(debug), "Debug text {debug:?} in: {stderr}");
    }
}

/// Reads the bind and answers a PDU header announcing 2 GB: what a
/// server speaking another protocol looks like to an SMPP client.
fn answers_garbage(mut stream: TcpStream) {
    let mut head = [0u8; 16];
    if stream.read_exact(&mut head).is_ok() {
        let _ = stream.write_all(&[0x7F, 0xE5, 0x00, 0x1E, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1]);
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

#[test]
fn a_bind_answered_with_garbage_is_a_sentence_and_exit_4() {
    let port = stub(answers_garbage);
    let target = format!("smpp://u:p@127.0.0.1:{port}");
    let out = load(
        &["--target", &target, "--rate", "10/s", "--duration", "1s"],
        std::time::Duration::from_secs(30),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_sentence(&stderr);
    assert!(
        stderr.contains(&format!(
            "smpp://u@127.0.0.1:{port} answered the bind with something that is not SMPP"
        )),
        "{stderr}"
    );
}

#[test]
fn a_password_too_long_for_smpp_is_a_usage_error_that_does_not_show_it() {
    let out = load(
        &[
            "--target",
            "smpp://u:muchtoolongpw@127.0.0.1:9",
            "--count",
            "1",
        ],
        std::time::Duration::from_secs(30),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_sentence(&stderr);
    assert!(stderr.contains("password is at most 8"), "{stderr}");
    assert!(!stderr.contains("muchtoolongpw"), "{stderr}");
}

/// A port on 127.0.0.1 that refuses connections (bound, then closed).
fn refused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

const SHORT: [&str; 6] = ["--rate", "20/s", "--duration", "1s", "--wait", "1s"];

fn load_short(target: &str, extra: &[&str]) -> Output {
    let args = [&["--target", target][..], &SHORT[..], extra].concat();
    load(&args, std::time::Duration::from_secs(30))
}

#[test]
fn an_smpp_target_that_refuses_the_connection_exits_4() {
    let port = refused_port();
    let out = load_short(&format!("smpp://u:p@127.0.0.1:{port}"), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_sentence(&stderr);
    assert!(
        stderr.contains(&format!("could not connect to smpp://u@127.0.0.1:{port}")),
        "{stderr}"
    );
}

/// A dead HTTP endpoint does not pass as a run whose messages were lost.
#[test]
fn an_http_target_that_refuses_every_connection_exits_4() {
    let port = refused_port();
    for otp in [&[][..], &["--otp", "--speed", "60"][..]] {
        let out = load_short(&format!("http://AC1:t@127.0.0.1:{port}"), otp);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{otp:?}: {stderr}");
        assert!(
            stderr.contains(&format!("http://AC1@127.0.0.1:{port} answered none of the")),
            "{stderr}"
        );
        assert!(stderr.contains("onnection refused"), "the cause: {stderr}");
    }
}

/// Answers anything it reads with a plain HTTP 404.
fn plain_http(mut stream: TcpStream) {
    let mut buffer = [0u8; 1024];
    if stream.read(&mut buffer).is_ok() {
        let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
    }
}

#[test]
fn https_against_a_plain_http_port_exits_4() {
    let port = stub(plain_http);
    let out = load_short(&format!("https://AC1:t@127.0.0.1:{port}"), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("answered none of the"), "{stderr}");
}

/// Reads a request and never answers, holding the connection open.
fn never_answers(mut stream: TcpStream) {
    let mut buffer = [0u8; 1024];
    let _ = stream.read(&mut buffer);
    std::thread::sleep(std::time::Duration::from_secs(120));
}

#[test]
fn an_http_target_that_never_answers_ends_after_the_wait_with_exit_4() {
    let port = stub(never_answers);
    let out = load_short(&format!("http://AC1:t@127.0.0.1:{port}"), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("no answer within --wait"), "{stderr}");
}

#[test]
fn a_ca_cert_that_is_not_pem_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("ca.pem");
    std::fs::write(&bogus, "not a certificate\n").unwrap();
    let out = load_short(
        "https://AC1:t@127.0.0.1:9",
        &["--ca-cert", bogus.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no PEM certificate in it"), "{stderr}");
}
