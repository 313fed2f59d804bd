//! `simsms serve` as a process: a port that cannot be bound exits 4 with a
//! sentence naming the address and the key that asked for it.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
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
    use std::io::Read;
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
