//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod devtools;
pub mod kannel;
pub mod smpp;

use simsms::metrics::Metrics;
use simsms::runner::run_replications;
use simsms::scenario::{Scenario, parse};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The simsms binary run with `args` in `dir`.
pub fn simsms_in(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("simsms runs")
}

/// The simsms binary run with `args`, failing the test (and killing it)
/// if it runs past `limit`.
pub fn simsms_within(args: &[&str], limit: std::time::Duration) -> Output {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("simsms runs");
    let deadline = std::time::Instant::now() + limit;
    while child
        .try_wait()
        .expect("simsms can be waited for")
        .is_none()
    {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("simsms {args:?} still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("simsms's output")
}

/// The child's exit status and peak resident memory (kB), from wait4's
/// rusage of that child alone; kills it after `limit`.
#[allow(clippy::zombie_processes)] // reaped by wait4, which std cannot do
pub fn run_measuring_peak_rss(command: &mut Command, limit: std::time::Duration) -> (i32, i64) {
    let child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let deadline = std::time::Instant::now() + limit;
    loop {
        let mut status = 0;
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: waits for our own child, writing into locals.
        let done = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if done == pid {
            return (libc::WEXITSTATUS(status), usage.ru_maxrss);
        }
        if std::time::Instant::now() > deadline {
            // SAFETY: signals our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            // SAFETY: reaps our own child, now killed.
            unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The simsms binary run with `args` in `dir`: exit code, stdout, stderr.
pub fn outcome_in(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = simsms_in(args, dir);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn scenario(text: &str) -> Scenario {
    match parse(text, "test.toml") {
        Ok(s) => s,
        Err(e) => panic!("test scenario invalid:\n{e}"),
    }
}

/// Every replication's metrics, in order.
pub fn replications(sc: &Scenario) -> Vec<Metrics> {
    let mut out = Vec::new();
    run_replications(sc, 2, |_, m| out.push(m));
    out
}

pub fn merged(sc: &Scenario) -> Metrics {
    let mut reps = replications(sc).into_iter();
    let mut all = reps.next().expect("one replication");
    for m in reps {
        all.merge(&m);
    }
    all
}

/// z for a two-sided 99.9% interval. Tests use it rather than 95% because
/// each file checks many values; each tolerance is still an interval.
pub const Z999: f64 = 3.290_526_731_491_926;

/// Asserts `expected` lies in the 99.9% Wilson interval of `k` in `n`.
pub fn assert_proportion(what: &str, k: u64, n: u64, expected: f64) {
    assert!(n > 0, "{what}: no trials");
    let z = Z999;
    let nf = n as f64;
    let p = k as f64 / nf;
    let denom = 1.0 + z * z / nf;
    let centre = (p + z * z / (2.0 * nf)) / denom;
    let half = z * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt() / denom;
    assert!(
        (centre - half..=centre + half).contains(&expected),
        "{what}: observed {p:.6} ({k}/{n}), 99.9% interval [{:.6}, {:.6}] excludes expected {expected:.6}",
        centre - half,
        centre + half
    );
}

/// Two-sided 99.9% Student-t quantile for small degrees of freedom.
pub fn t_9995(df: usize) -> f64 {
    const T: [f64; 20] = [
        636.619, 31.599, 12.924, 8.610, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587, 4.437, 4.318,
        4.221, 4.140, 4.073, 4.015, 3.965, 3.922, 3.883, 3.850,
    ];
    T[(df - 1).min(19)]
}

/// Asserts `expected` lies in the 99.9% t interval of the sample mean.
pub fn assert_mean(what: &str, values: &[f64], expected: f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let half = t_9995(values.len() - 1) * (var / n).sqrt();
    assert!(
        (mean - half..=mean + half).contains(&expected),
        "{what}: mean {mean:.6} ± {half:.6} (99.9%, {} replications) excludes expected {expected:.6}",
        values.len()
    );
}

/// A `simsms serve` process with its endpoints, read from its start-up
/// lines; stopped by SIGTERM when dropped.
pub struct Served {
    child: std::process::Child,
    /// (system_id, address) of every SMPP account.
    pub endpoints: Vec<(String, String)>,
    /// The Twilio-shaped API's address, if served.
    pub http: Option<String>,
    /// (system_id, address) of every SMPP over TLS port.
    pub tls_endpoints: Vec<(String, String)>,
    /// The API's TLS address, if served.
    pub https: Option<String>,
}

impl Served {
    /// Serves `scenario` at `speed` for at most two minutes.
    pub fn start(scenario: &str, speed: &str) -> Served {
        Served::start_with(scenario, speed, &[])
    }

    /// As `start`, with more flags.
    pub fn start_with(scenario: &str, speed: &str, more: &[&str]) -> Served {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_simsms"))
            .args(["serve", scenario, "--speed", speed])
            .args(["--for", "120s", "--flush", "1s"])
            .args(more)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("simsms serve starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut endpoints, mut http) = (Vec::new(), None);
        let (mut tls_endpoints, mut https) = (Vec::new(), None);
        for line in lines.by_ref() {
            let line = line.unwrap();
            if line == "ready" {
                break;
            }
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts[0] {
                "smpp" => endpoints.push((parts[1].to_string(), parts[3].to_string())),
                "http" => http = Some(parts[1].to_string()),
                "smpps" => tls_endpoints.push((parts[1].to_string(), parts[3].to_string())),
                "https" => https = Some(parts[1].to_string()),
                "page" => {}
                _ => panic!("unexpected line: {line}"),
            }
        }
        // Keep draining stdout: the summary comes at exit.
        std::thread::spawn(move || lines.for_each(drop));
        Served {
            child,
            endpoints,
            http,
            tls_endpoints,
            https,
        }
    }

    /// The address of account `system_id`, as HOST:PORT.
    pub fn address(&self, system_id: &str) -> String {
        let found = self.endpoints.iter().find(|(s, _)| s == system_id);
        found.expect("an account of the scenario").1.clone()
    }

    /// The SMPP over TLS address of account `system_id`, as HOST:PORT.
    pub fn tls_address(&self, system_id: &str) -> String {
        let found = self.tls_endpoints.iter().find(|(s, _)| s == system_id);
        found.expect("an account with a tls_port").1.clone()
    }
}

impl Served {
    /// Stops the server (SIGTERM) and waits for it; whether it exited 0.
    pub fn stop(mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        self.child.wait().is_ok_and(|s| s.success())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        let _ = self.child.wait();
    }
}

/// Runs simsms with `args` and `--json` into `dir/name`; returns the JSON
/// report and the text on stdout. Fails the test if simsms fails.
pub fn simsms_json(
    args: &[String],
    dir: &std::path::Path,
    name: &str,
) -> (serde_json::Value, String) {
    let json = dir.join(name);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(args)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "simsms {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (report, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The scenario's (not an alternative's) message row of `provider` at
/// `carrier` in a JSON report.
pub fn message_row(report: &serde_json::Value, provider: &str, carrier: &str) -> serde_json::Value {
    report["alternatives"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["provider"] == provider && m["carrier"] == carrier)
        .unwrap()
        .clone()
}

/// The scenario's session row at `carrier` in a JSON report.
pub fn session_row(report: &serde_json::Value, carrier: &str) -> serde_json::Value {
    report["alternatives"][0]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["carrier"] == carrier)
        .unwrap()
        .clone()
}

/// (value, low, high) of a JSON estimate.
pub fn estimate(e: &serde_json::Value) -> (f64, f64, f64) {
    let get = |k: &str| e[k].as_f64().unwrap();
    (get("value"), get("low"), get("high"))
}

/// Two independent estimates with 95% intervals agree: their difference is
/// within 3.29 combined standard errors (99.9%).
pub fn assert_agree(what: &str, a: (f64, f64, f64), b: (f64, f64, f64)) {
    let se = |(_, low, high): (f64, f64, f64)| (high - low) / (2.0 * 1.96);
    let bound = 3.29 * (se(a).powi(2) + se(b).powi(2)).sqrt();
    eprintln!(
        "{what}: {:.4} [{:.4}, {:.4}] vs {:.4} [{:.4}, {:.4}]",
        a.0, a.1, a.2, b.0, b.1, b.2
    );
    assert!(
        (a.0 - b.0).abs() < bound,
        "{what} disagree beyond {bound:.4}"
    );
}

/// Asserts `expected` lies in the 99.9% widening of a 95% t interval over
/// `replications` (each file checks many values; see `Z999`).
pub fn assert_within(what: &str, e: &simsms::stats::Estimate, expected: f64, replications: usize) {
    let df = replications - 1;
    let half = (e.high - e.low) / 2.0 * t_9995(df) / simsms::stats::t_975(df);
    assert!(
        (e.value - expected).abs() <= half,
        "{what}: {:.6} ± {half:.6} (99.9%) excludes {expected:.6}",
        e.value
    );
}

/// A stub SMPP server's half of a bind: reads one PDU from `stream` and
/// answers it with a bind_transceiver_resp (ESME_ROK, system_id "stub");
/// None when the peer closed before sending one.
pub fn answer_bind(stream: &mut std::net::TcpStream) -> Option<()> {
    use std::io::{Read, Write};
    let mut head = [0u8; 16];
    stream.read_exact(&mut head).ok()?;
    let length = u32::from_be_bytes(head[0..4].try_into().unwrap()) as usize;
    let mut body = vec![0u8; length.saturating_sub(16)];
    let _ = stream.read_exact(&mut body);
    let mut resp = 21u32.to_be_bytes().to_vec();
    resp.extend(0x8000_0009u32.to_be_bytes());
    resp.extend([0u8; 4]);
    resp.extend(&head[12..16]);
    resp.extend(b"stub\0");
    let _ = stream.write_all(&resp);
    Some(())
}

/// The python of the venv `tests/live/setup.sh` makes (smpplib, twilio);
/// fails the test, saying how to install it, when it is missing.
pub fn live_python() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/live-venv/bin/python");
    assert!(
        venv.exists(),
        "{} is missing: run bash tests/live/setup.sh",
        venv.display()
    );
    venv
}

/// The node_modules `tests/live/setup.sh` fills (the npm `smpp` package),
/// for NODE_PATH; fails the test, saying how to install it, when the
/// package is missing.
pub fn npm_modules() -> PathBuf {
    let modules = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/live-node/node_modules");
    assert!(
        modules.join("smpp").exists(),
        "{} is missing: run bash tests/live/setup.sh",
        modules.display()
    );
    modules
}
