//! `simsms load` against `simsms serve`: the measured delivery rate agrees
//! with `simsms run` of the same scenario within intervals, and the report
//! says it was measured.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const SCENARIO: &str = "tests/live/serve_scenario.toml";

fn delivery(json: &std::path::Path) -> (f64, f64, f64, f64) {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let row = report["alternatives"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["provider"] == "intl" && m["carrier"] == "c")
        .unwrap()
        .clone();
    let rate = &row["delivery_rate"];
    (
        rate["value"].as_f64().unwrap(),
        rate["low"].as_f64().unwrap(),
        rate["high"].as_f64().unwrap(),
        row["sent"].as_f64().unwrap(),
    )
}

#[test]
fn load_against_serve_measures_what_run_simulates() {
    let mut serve = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args([
            "serve", SCENARIO, "--speed", "3600", "--for", "60s", "--flush", "1s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut address = None;
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line == "ready" {
            break;
        }
        if let Some(rest) = line.strip_prefix("smpp intl intl ") {
            address = Some(rest.to_string());
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    let address = address.expect("the intl account's address");
    let dir = tempfile::tempdir().unwrap();
    let measured = dir.path().join("load.json");
    let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["load", SCENARIO, "--target"])
        .arg(format!("smpp://intl:pw1@{address}"))
        .args([
            "--rate",
            "500/s",
            "--duration",
            "4s",
            "--wait",
            "10s",
            "--json",
        ])
        .arg(&measured)
        .output()
        .unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status();
    let _ = serve.wait();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("measured against smpp://intl@"), "{text}");
    assert!(text.contains("dropped (window full) 0"), "{text}");
    let (p_load, low_load, high_load, sent) = delivery(&measured);
    assert!(sent > 1_500.0, "{sent} messages");
    let simulated = dir.path().join("run.json");
    let status = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(["run", SCENARIO, "-o", "/dev/null", "--json"])
        .arg(&simulated)
        .status()
        .unwrap();
    assert!(status.success());
    let (p_run, low_run, high_run, _) = delivery(&simulated);
    // Two independent estimates: within 3.29 combined standard errors.
    let se = |low: f64, high: f64| (high - low) / (2.0 * 1.96);
    let bound = 3.29 * (se(low_load, high_load).powi(2) + se(low_run, high_run).powi(2)).sqrt();
    assert!(
        (p_load - p_run).abs() < bound,
        "load measured {p_load:.4} [{low_load:.4}, {high_load:.4}], run {p_run:.4} [{low_run:.4}, {high_run:.4}]"
    );
}
