//! `simsms serve` as a process: a port that cannot be bound exits 4 with a
//! sentence naming the address and the key that asked for it; a second
//! Ctrl-C during the flush stops it at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn scenario(serve: &str) -> String {
    format!(
        r#"[scenario]
name = "served"
duration = "10m"
[traffic]
rate = "1/s"
[providers.p]
route = "domestic"
[routing]
policy = "single"
provider = "p"
[routes.domestic]
latency = "1s"
[carriers.c]
share = 1.0
{serve}
"#
    )
}

/// A child process killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `simsms serve` of `text` with `args`; (exit code, stderr), failing
/// the test if it has not ended within `limit`.
fn serve_until_exit(text: &str, args: &[&str], limit: Duration) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .arg("serve")
        .arg("s.toml")
        .args(args)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "serve still running after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), err)
}

#[test]
fn an_smpp_port_in_use_exits_4_naming_the_address_and_account() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let text = scenario(&format!(
        "[[serve.accounts]]\nsystem_id = \"acme\"\npassword = \"pw\"\nprovider = \"p\"\nport = {port}\n"
    ));
    let (code, err) = serve_until_exit(&text, &["--for", "3s"], Duration::from_secs(20));
    assert_eq!(code, Some(4), "{err}");
    let expected = format!(
        "error: could not listen on 127.0.0.1:{port} ([serve] port of account acme): address already in use"
    );
    assert!(err.contains(&expected), "{err}");
}

#[test]
fn an_http_port_in_use_exits_4_naming_the_address_and_key() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let text = scenario(&format!(
        "[serve]\nhttp_port = {port}\n[[serve.accounts]]\nsystem_id = \"acme\"\npassword = \"pw\"\nprovider = \"p\"\nport = 0\n"
    ));
    let (code, err) = serve_until_exit(&text, &["--for", "3s"], Duration::from_secs(20));
    assert_eq!(code, Some(4), "{err}");
    let expected = format!("could not listen on 127.0.0.1:{port} ([serve] http_port)");
    assert!(err.contains(&expected), "{err}");
}

/// Sends `signal` (e.g. "-INT") to process `pid`.
fn signal(pid: u32, signal: &str) {
    let sent = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill {signal} {pid}");
}

/// Lines a child writes to stderr, collected as they come.
fn collect_lines(stream: impl std::io::Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

/// Polls `done` every 20 ms until it holds; false after `limit`.
fn within(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// Binds as a transmitter and submits one message asking for a receipt,
/// over raw SMPP; the connection stays open (a bind, never a receiver, so
/// the receipt stays held and the flush waits its whole length).
fn bind_and_submit(address: &str) -> TcpStream {
    use rusmpp::pdus::{BindTransmitter, SubmitSm};
    use rusmpp::types::{COctetString, OctetString};
    use rusmpp::{Command as Pdu, CommandStatus};
    use tokio_util::codec::Encoder;
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let bind = BindTransmitter::builder()
        .system_id(COctetString::from_string("acme".into()).unwrap())
        .password(COctetString::from_string("pw".into()).unwrap())
        .build();
    let submit = SubmitSm::builder()
        .destination_addr(COctetString::from_string("819012345678".into()).unwrap())
        .registered_delivery(rusmpp::values::RegisteredDelivery::from(1))
        .short_message(OctetString::from_slice(b"Your code is 123456").unwrap())
        .build();
    let pdus: [(u32, rusmpp::Pdu); 2] = [(1, bind.into()), (2, submit.into())];
    for (sequence, pdu) in pdus {
        let mut out = bytes::BytesMut::new();
        rusmpp::tokio_codec::CommandCodec::new()
            .encode(Pdu::new(CommandStatus::EsmeRok, sequence, pdu), &mut out)
            .unwrap();
        stream.write_all(&out).unwrap();
        // Each answer: a header whose status (bytes 8..12) is ESME_ROK.
        let mut header = [0u8; 16];
        stream.read_exact(&mut header).unwrap();
        let length = u32::from_be_bytes(header[..4].try_into().unwrap()) as usize;
        assert_eq!(&header[8..12], &[0, 0, 0, 0], "answer to {sequence}");
        let mut body = vec![0u8; length - 16];
        stream.read_exact(&mut body).unwrap();
    }
    stream
}

#[test]
fn a_second_interrupt_during_the_flush_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario(
        "[[serve.accounts]]\nsystem_id = \"acme\"\npassword = \"pw\"\nprovider = \"p\"\nport = 0\n",
    );
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["serve", "s.toml", "--speed", "1000", "--flush", "60s"])
        .args(["--for", "100s"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let out = collect_lines(child.0.stdout.take().unwrap());
    let err = collect_lines(child.0.stderr.take().unwrap());
    let ready = within(Duration::from_secs(20), || {
        out.lock().unwrap().iter().any(|l| l == "ready")
    });
    assert!(ready, "no ready line: {:?}", err.lock().unwrap());
    let address = out.lock().unwrap()[0]
        .split(' ')
        .nth(3)
        .unwrap()
        .to_string();
    let _bound = bind_and_submit(&address);
    let pid = child.0.id();
    signal(pid, "-INT");
    // Flushing: the listener is closed, the held receipt keeps it waiting.
    let flushing = within(Duration::from_secs(10), || {
        TcpStream::connect(&address).is_err()
    });
    assert!(flushing, "still accepting: {:?}", err.lock().unwrap());
    let second = Instant::now();
    signal(pid, "-INT");
    let exited = within(Duration::from_secs(10), || {
        child.0.try_wait().unwrap().is_some()
    });
    assert!(
        exited,
        "still running 10 s after the second Ctrl-C (flush 60 s)"
    );
    let took = second.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "exited {took:?} after the second Ctrl-C"
    );
    assert_eq!(child.0.wait().unwrap().code(), Some(0));
    let held = within(Duration::from_secs(5), || {
        err.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("flush cut short"))
    });
    assert!(held, "{:?}", err.lock().unwrap());
}
