//! A real Kannel, bearerbox and smsbox, bound to one `simsms serve`
//! account as a transceiver (tests/live/kannel.conf.in), sending through
//! smsbox's sendsms HTTP interface.

use std::path::Path;
use std::process::{Child, Command};

pub const BEARERBOX: &str = "/usr/sbin/bearerbox";

/// A free loopback port (bound, then released for the program to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A process stopped by SIGTERM when dropped.
pub struct Stopped(pub Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

pub fn http_get(port: u16, path_and_query: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let request = format!("GET {path_and_query} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

/// Percent-encodes everything but letters, digits and `-_.`.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A dlr-url receiver on a free port: each request's first line comes out
/// of the channel; every request is answered 200.
pub fn dlr_receiver() -> (u16, std::sync::mpsc::Receiver<String>) {
    let dlr = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dlr.local_addr().unwrap().port();
    let (seen_tx, seen) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        for stream in dlr.incoming().flatten() {
            let mut line = String::new();
            let mut reader = std::io::BufReader::new(&stream);
            if reader.read_line(&mut line).is_ok() {
                let _ = seen_tx.send(line);
            }
            let _ = (&stream).write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (port, seen)
}

/// bearerbox and smsbox running, the SMSC link online. Dropping it stops
/// smsbox, then bearerbox, then removes their directory.
pub struct Kannel {
    _smsbox: Stopped,
    _bearerbox: Stopped,
    sendsms: u16,
    pub dir: tempfile::TempDir,
}

impl Kannel {
    /// Kannel bound to `smpp_port`, with `core` added to its core group
    /// (e.g. an access-log line; `@DIR@` is its directory).
    pub fn start(smpp_port: &str, core: &str) -> Kannel {
        Kannel::start_with(smpp_port, core, "")
    }

    /// As `start`, with `smsc` added to the SMSC group (e.g. `use-ssl =
    /// true`).
    pub fn start_with(smpp_port: &str, core: &str, smsc: &str) -> Kannel {
        assert!(
            Path::new(BEARERBOX).exists(),
            "Kannel is missing: apt-get install kannel (.ci/run does)"
        );
        let (admin, smsbox, sendsms) = (free_port(), free_port(), free_port());
        let dir = tempfile::tempdir().unwrap();
        let core = core.replace("@DIR@", &dir.path().display().to_string());
        let conf = std::fs::read_to_string("tests/live/kannel.conf.in")
            .unwrap()
            .replace("@ADMIN@", &admin.to_string())
            .replace("@SMSBOX@", &smsbox.to_string())
            .replace(
                "@SMPP@",
                &if smsc.is_empty() {
                    smpp_port.to_string()
                } else {
                    format!("{smpp_port}\n{smsc}")
                },
            )
            .replace("@SENDSMS@", &sendsms.to_string())
            .replace(
                "dlr-storage = internal",
                &format!("dlr-storage = internal\n{core}"),
            );
        let conf_path = dir.path().join("kannel.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let log = |name: &str| std::fs::File::create(dir.path().join(name)).unwrap();
        let bearerbox = Stopped(
            Command::new(BEARERBOX)
                .args(["-v", "0"])
                .arg(&conf_path)
                .stdout(log("bearerbox.out"))
                .stderr(log("bearerbox.err"))
                .spawn()
                .unwrap(),
        );
        // Wait for the SMSC link to come online.
        let online = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            http_get(admin, "/status.txt?password=secret").is_some_and(|s| s.contains("online"))
        });
        assert!(online, "Kannel's SMSC link to simsms never came online");
        let smsbox = Stopped(
            Command::new("/usr/sbin/smsbox")
                .args(["-v", "0"])
                .arg(&conf_path)
                .stdout(log("smsbox.out"))
                .stderr(log("smsbox.err"))
                .spawn()
                .unwrap(),
        );
        Kannel {
            _smsbox: smsbox,
            _bearerbox: bearerbox,
            sendsms,
            dir,
        }
    }

    /// Sends an OTP to `to` asking for every DLR type at `dlr_url`; retries
    /// while smsbox is still connecting, and fails the test if it never
    /// accepts.
    pub fn send(&self, to: &str, dlr_url: &str) {
        self.send_text(to, "Your code is 123456", "", dlr_url);
    }

    /// As `send`, with `text` (UTF-8) and more sendsms parameters (e.g.
    /// `&coding=2&charset=UTF-8` for UCS-2).
    pub fn send_text(&self, to: &str, text: &str, more: &str, dlr_url: &str) {
        let query = format!(
            "/cgi-bin/sendsms?username=tester&password=foobar&from=SIMSMS&to={to}&text={}{more}&dlr-mask=31&dlr-url={}",
            encode(text),
            encode(dlr_url)
        );
        let accepted = (0..50).any(|_| {
            let ok = http_get(self.sendsms, &query)
                .is_some_and(|a| a.contains("Accepted") || a.contains("Sent"));
            if !ok {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            ok
        });
        assert!(accepted, "sendsms did not accept the message to {to}");
    }
}
