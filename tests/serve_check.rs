//! `simsms check` of a scenario's `[serve]` section: a host that is not an
//! IP address and an HTTP port that is also an account's SMPP port are
//! refused with the file's line and the key (exit 2).

use std::process::Command;

const SCENARIO: &str = r#"[scenario]
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
[serve]
host = "127.0.0.1"
http_port = 8080
[[serve.accounts]]
system_id = "acme"
password = "secret"
provider = "p"
port = 2775
"#;

/// `simsms check` of SCENARIO with `from` replaced by `to`: (exit code, stderr).
fn check(from: &str, to: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    assert!(SCENARIO.contains(from), "fixture lacks {from}");
    let path = dir.path().join("served.toml");
    std::fs::write(&path, SCENARIO.replacen(from, to, 1)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["check", "served.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn line_of(needle: &str) -> usize {
    SCENARIO.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn the_fixture_passes_check() {
    let (code, err) = check("", "");
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_host_that_is_not_an_ip_address_is_refused_with_its_line_and_key() {
    let (code, err) = check(r#"host = "127.0.0.1""#, r#"host = "not-an-ip""#);
    assert_eq!(code, Some(2), "{err}");
    let line = line_of("host =");
    assert!(err.contains(&format!("served.toml:{line}:")), "{err}");
    assert!(err.contains("serve.host"), "{err}");
    assert!(err.contains("an IP address"), "{err}");
    assert!(err.contains("not-an-ip"), "{err}");
}

#[test]
fn an_http_port_equal_to_an_accounts_port_is_refused_with_its_line_and_key() {
    let (code, err) = check("http_port = 8080", "http_port = 2775");
    assert_eq!(code, Some(2), "{err}");
    let line = line_of("http_port =");
    assert!(err.contains(&format!("served.toml:{line}:")), "{err}");
    assert!(err.contains("serve.http_port"), "{err}");
    assert!(err.contains("acme"), "{err}");
}
