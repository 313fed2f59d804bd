//! A measured run is data, not rewritten text: a load report says in every
//! export that it is one measured run of a few seconds, carries the load's
//! own figures under `load` (JSON, CSV, Markdown, HTML, JUnit), covers only
//! the time it measured, and `[[expect]]` bounds on load metrics gate it
//! with exit 1, while a simulation reports them NOT MEASURED.

mod common;

use common::Served;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The live test scenario with `extra` TOML appended, written into `dir`.
fn scenario_with(dir: &Path, extra: &str) -> PathBuf {
    let base = std::fs::read_to_string("tests/live/serve_scenario.toml").unwrap();
    let path = dir.join("s.toml");
    std::fs::write(&path, format!("{base}\n{extra}")).unwrap();
    path
}

fn simsms(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(args)
        .output()
        .unwrap()
}

/// 100/s for 2 s against the `direct` account, which allows 20/s per bind
/// and refuses the rest with ESME_RTHROTTLED (no resubmission).
fn throttled_load(scenario: &str, target: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "load",
        scenario,
        "--provider",
        "direct",
        "--target",
        target,
        "--rate",
        "100/s",
        "--duration",
        "2s",
        "--wait",
        "2s",
        "--throttle-retries",
        "0",
    ];
    args.extend_from_slice(extra);
    simsms(&args)
}

fn json_of(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_load_metric_expectation_fails_a_throttled_load_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_with(
        dir.path(),
        "[[expect]]\nmetric = \"refused_share\"\nmax = 0.1\n\n\
         [[expect]]\nmetric = \"resp_latency_p99\"\nmax = \"30s\"\n",
    );
    let scenario = scenario.to_str().unwrap();
    let served = Served::start(scenario, "3600");
    let target = format!("smpp://direct:pw2@{}", served.address("direct"));
    let json = dir.path().join("r.json");
    let out = throttled_load(scenario, &target, &["--json", json.to_str().unwrap()]);
    drop(served);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a refused share far above 0.1 fails the run:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&json);
    let verdicts = report["expectations"].as_array().unwrap();
    let refused = &verdicts[0];
    assert_eq!(refused["measured"], true);
    assert_eq!(refused["passed"], false);
    let observed = refused["observed"]["value"].as_f64().unwrap();
    // 20 of 100 per second get through: most are refused.
    assert!((0.5..=0.95).contains(&observed), "refused share {observed}");
    let load = &report["load"];
    let refusals: u64 = load["refusals"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    let sent = load["sent"].as_u64().unwrap();
    assert!((observed - refusals as f64 / sent as f64).abs() < 1e-12);
    assert!(stdout.contains("FAIL  refused_share"), "{stdout}");
    // The latency bound holds: the answer comes fast even when it refuses.
    assert_eq!(verdicts[1]["measured"], true);
    assert_eq!(verdicts[1]["passed"], true);
    assert!(stdout.contains("PASS  resp_latency_p99"), "{stdout}");

    // A simulation cannot measure a load: NOT MEASURED, and it does not
    // decide the exit code.
    let run = simsms(&["run", scenario, "-r", "2"]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{text}");
    assert!(
        text.contains("NOT MEASURED  refused_share"),
        "a simulation does not measure a load:\n{text}"
    );
}

#[test]
fn a_load_report_carries_its_figures_in_every_export_and_only_the_time_it_measured() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_with(dir.path(), "");
    let scenario = scenario.to_str().unwrap();
    let served = Served::start(scenario, "3600");
    let target = format!("smpp://direct:pw2@{}", served.address("direct"));
    let out_dir = dir.path().join("out");
    let out = throttled_load(
        scenario,
        &target,
        &["-o", "/dev/null", "--out", out_dir.to_str().unwrap()],
    );
    drop(served);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out_dir.join("report.json"));
    assert_eq!(report["run"]["kind"], "loaded");
    assert!(
        report["run"]["target"]
            .as_str()
            .unwrap()
            .starts_with("smpp://direct@127.0.0.1:")
    );
    let wall = report["run"]["wall_s"].as_f64().unwrap();
    assert!((2.0..60.0).contains(&wall), "wall time {wall}");
    // One measured run of a few seconds, not the scenario's 4 x 10 minutes.
    assert_eq!(report["scenario"]["replications"], 1);
    assert_eq!(report["scenario"]["duration_s"].as_f64(), Some(wall));
    let load = &report["load"];
    let count = |k: &str| load[k].as_u64().unwrap();
    assert_eq!(load["protocol"], "smpp");
    assert!(count("planned") > 150, "about 200 planned: {load}");
    assert_eq!(count("planned"), count("sent") + count("dropped"));
    let throttled = load["refusals"]["0x00000058"].as_u64().unwrap();
    assert!(throttled > 50, "20/s of 100/s get through: {throttled}");
    let resp = &load["submit_response_latency"]["from_intended"];
    assert_eq!(resp["count"].as_u64(), Some(count("sent")));
    assert!(resp["p99_s"].as_f64().unwrap() > 0.0);
    // Every final receipt's latency is measured, and from the intended
    // send time it is never shorter than from the actual one.
    let receipts: u64 = load["receipts"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert!(receipts > 0, "{load}");
    let receipt = &load["receipt_latency"];
    assert_eq!(receipt["from_intended"]["count"].as_u64(), Some(receipts));
    let p50 = |from: &str| receipt[from]["p50_s"].as_f64().unwrap();
    assert!(p50("from_actual") > 0.0 && p50("from_intended") >= p50("from_actual"));
    // The timeline covers the seconds measured: one bucket of the
    // scenario's 50 s, not 10 minutes plus the drain.
    let timeline = &report["alternatives"][0]["timeline"];
    let buckets = timeline["arrivals"].as_array().unwrap().len();
    assert_eq!(buckets, 1, "{timeline}");

    let text = std::fs::read_to_string(out_dir.join("report.txt")).unwrap();
    assert!(text.contains("\none measured run | "), "{text}");
    assert!(!text.contains("replications"), "{text}");
    assert!(text.contains("\nLOAD\n"));
    let csv = std::fs::read_to_string(out_dir.join("summary.csv")).unwrap();
    let planned_row = format!(
        "serve_test,scenario,load,all,all,planned,{0},{0},{0},{0}",
        count("planned")
    );
    assert!(csv.contains(&planned_row), "{planned_row} in\n{csv}");
    assert!(csv.contains(",load,all,all,refused 0x00000058,"));
    let markdown = std::fs::read_to_string(out_dir.join("summary.md")).unwrap();
    assert!(markdown.contains("one measured run"));
    assert!(markdown.contains("### Load"));
    assert!(!markdown.contains("replications"), "{markdown}");
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("<h2>Load</h2>"));
    assert!(!html.contains("replications ·"));
    let junit = std::fs::read_to_string(out_dir.join("junit.xml")).unwrap();
    assert!(junit.contains("<property name=\"kind\" value=\"loaded\"/>"));
    assert!(junit.contains(&format!(
        "<property name=\"planned\" value=\"{}\"/>",
        count("planned")
    )));
}

#[test]
fn a_load_metric_cannot_be_scoped_to_a_provider_or_carrier() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_with(
        dir.path(),
        "[[expect]]\nmetric = \"late_share\"\nprovider = \"intl\"\nmax = 0.01\n",
    );
    let out = simsms(&["check", scenario.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("expect[0].provider") && stderr.contains("load metric `late_share`"),
        "{stderr}"
    );
    let typo = scenario_with(
        dir.path(),
        "[[expect]]\nmetric = \"resp_latncy_p99\"\nmax = \"1s\"\n",
    );
    let out = simsms(&["check", typo.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("did you mean \"resp_latency_p99\""),
        "{stderr}"
    );
}
