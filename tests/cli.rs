//! The command line as users run it: every exit code, and the error
//! messages for the classic mistakes, which must name the line and the key.

mod common;

use common::simsms_in as simsms;
use std::path::Path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A small valid scenario; tests break one line of it at a time.
const GOOD: &str = r#"[scenario]
name = "cli"
duration = "5m"
seed = 3
replications = 2

[traffic]
rate = "5/s"

[providers.agg]
route = "international"
tps = "30/s"

[routing]
policy = "single"
provider = "agg"

[carriers.big]
share = 0.7
spam_filter = 0.01

[carriers.small]
share = 0.3
"#;

fn write(dir: &Path, name: &str, contents: &str) {
    std::fs::write(dir.join(name), contents).unwrap();
}

/// Replaces one line and checks the file is rejected with exit 2, naming
/// `file:line:` and the key.
fn assert_rejected(from: &str, to: &str, line: usize, key: &str, also: &str) {
    let dir = tempfile::tempdir().unwrap();
    assert!(GOOD.contains(from), "fixture lacks {from}");
    write(dir.path(), "bad.toml", &GOOD.replacen(from, to, 1));
    let out = simsms(&["check", "bad.toml"], dir.path());
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(
        err.contains(&format!("bad.toml:{line}:")),
        "no line {line} in: {err}"
    );
    assert!(err.contains(key), "no key `{key}` in: {err}");
    assert!(err.contains(also), "no `{also}` in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn broken_toml_names_the_line() {
    assert_rejected(
        "[carriers.small]",
        "[carriers.small",
        22,
        "valid TOML",
        "unclosed table",
    );
}

#[test]
fn unknown_key_suggests_the_right_one() {
    assert_rejected(
        "spam_filter = 0.01",
        "spam_filtr = 0.01",
        20,
        "carriers.big.spam_filtr",
        "did you mean `spam_filter`?",
    );
}

#[test]
fn probability_above_one_is_refused() {
    assert_rejected(
        "spam_filter = 0.01",
        "spam_filter = 1.5",
        20,
        "carriers.big.spam_filter",
        "between 0 and 1, got 1.5",
    );
}

#[test]
fn shares_must_sum_to_one() {
    assert_rejected(
        "share = 0.3",
        "share = 0.2",
        18,
        "`carriers`",
        "summing to 1, got 0.9",
    );
}

#[test]
fn routing_to_a_missing_provider_is_refused() {
    assert_rejected(
        "provider = \"agg\"",
        "provider = \"aggregator\"",
        16,
        "routing.provider",
        "defined providers: agg",
    );
}

#[test]
fn negative_durations_and_empty_retry_schedules_are_refused() {
    assert_rejected(
        "duration = \"5m\"",
        "duration = \"-5m\"",
        3,
        "scenario.duration",
        "cannot be negative",
    );
    assert_rejected(
        "share = 0.3",
        "share = 0.3\nsmsc = { retry = [] }",
        24,
        "carriers.small.smsc.retry",
        "non-empty",
    );
}

#[test]
fn check_and_run_succeed_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.toml", GOOD);
    let out = simsms(&["check", "good.toml"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("ok: good.toml"));
    let out = simsms(&["run", "good.toml"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("scenario \"cli\""));
    assert!(report.contains("seed 3 | 2 replications"));
    assert!(report.contains(concat!("simsms ", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn failed_expectation_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    // The 1% spam filter on 70% of numbers caps delivery near 0.993, so a
    // bound of 0.999 is just out of reach.
    let with_expectation = format!(
        "{GOOD}\n[[expect]]\nmetric = \"delivery_rate\"\nmin = 0.999\n\n[[expect]]\nmetric = \"otp_success\"\nmin = 0.5\n"
    );
    write(dir.path(), "gate.toml", &with_expectation);
    let out = simsms(&["run", "gate.toml"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.contains("FAIL  delivery_rate: observed 0.99"),
        "{report}"
    );
    assert!(report.contains("PASS  otp_success: observed"), "{report}");
    assert!(report.contains("expected >= 0.999"), "{report}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.toml", GOOD);
    assert_eq!(simsms(&["run"], dir.path()).status.code(), Some(2));
    assert_eq!(
        simsms(&["run", "good.toml", "--bogus"], dir.path())
            .status
            .code(),
        Some(2)
    );
    let out = simsms(&["run", "good.toml", "--threads", "0"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--threads"));
    assert_eq!(simsms(&["--version"], dir.path()).status.code(), Some(0));
}

#[test]
fn io_failures_exit_3_and_leave_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.toml", GOOD);
    let out = simsms(&["run", "missing.toml"], dir.path());
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("missing.toml"));
    let out = simsms(
        &["run", "good.toml", "-o", "no-such-dir/report.txt"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(!dir.path().join("no-such-dir").exists());
    let out = simsms(&["run", "good.toml", "-o", "report.txt"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let entries: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries.len(), 2, "temp files left behind: {entries:?}");
}

#[test]
fn init_writes_a_valid_starter_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(simsms(&["init"], dir.path()).status.code(), Some(0));
    assert_eq!(
        simsms(&["check", "scenario.toml"], dir.path())
            .status
            .code(),
        Some(0)
    );
    let again = simsms(&["init"], dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("--force"));
}

#[test]
fn a_filter_outage_needs_a_carrier_target() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/starter.toml").unwrap()
        + "\n[[outages]]\nprovider = \"aggregator\"\nstart = \"0s\"\nduration = \"1h\"\neffect = \"filter\"\n";
    let file = dir.path().join("s.toml");
    std::fs::write(&file, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_simsms"))
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("outages[0].effect"), "{stderr}");
    assert!(stderr.contains("carrier"), "{stderr}");
}

#[test]
fn alternatives_patch_carriers_but_cannot_add_one() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string("scenarios/starter.toml").unwrap();
    let check = |patch: &str| {
        let file = dir.path().join("s.toml");
        std::fs::write(&file, format!("{base}\n[alternatives.x]\n{patch}\n")).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_simsms"))
            .arg("check")
            .arg(&file)
            .output()
            .unwrap()
    };
    let carrier = base
        .lines()
        .find_map(|l| {
            l.strip_prefix("[carriers.")
                .and_then(|r| r.strip_suffix(']'))
        })
        .unwrap()
        .to_string();
    let ok = check(&format!(
        "carriers.{carrier}.spam_filter = 0.5\notp.max_sends = 2"
    ));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let added = check("carriers.newco = { share = 0.1 }");
    let stderr = String::from_utf8_lossy(&added.stderr);
    assert_eq!(added.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot add one"), "{stderr}");
    let scenario = check("scenario.seed = 3");
    assert_eq!(scenario.status.code(), Some(2));
}

/// `--set KEY=` removes a key, so switching `lookup` from a database to
/// none leaves no `lookup_lag` behind.
#[test]
fn set_with_nothing_after_equals_removes_the_key() {
    let run = |sets: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_simsms"));
        command.args([
            "run",
            "scenarios/rakuten_mnp.toml",
            "-r",
            "1",
            "-o",
            "/dev/null",
        ]);
        for set in sets {
            command.args(["--set", set]);
        }
        command.output().unwrap()
    };
    let leftover = run(&["providers.aggregator.lookup=none"]);
    assert_eq!(leftover.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&leftover.stderr).contains("lookup_lag"));
    let removed = run(&[
        "providers.aggregator.lookup=none",
        "providers.aggregator.lookup_lag=",
    ]);
    // It runs (exit 1 is a failed expectation of the shortened run, not an
    // input error, which would be 2).
    let code = removed.status.code();
    let stderr = String::from_utf8_lossy(&removed.stderr);
    assert!(matches!(code, Some(0 | 1)), "{code:?}: {stderr}");
}

/// A value that `--set` replaced is reported as the --set one, not as the
/// line of the file it replaced.
#[test]
fn an_invalid_set_value_is_named_as_from_set_not_as_the_files_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s.toml",
        &format!("{GOOD}\n[otp]\nmax_sends = 3\n"),
    );
    let out = simsms(&["run", "s.toml", "--set", "otp.max_sends=0"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("key `otp.max_sends (from --set)`: expected at least 1 send"),
        "{stderr}"
    );
    assert!(!stderr.contains("max_sends = 3"), "{stderr}");
}

#[test]
fn a_body_without_its_code_is_refused_with_an_example() {
    assert_rejected(
        "tps = \"30/s\"",
        "body = \"Your verification code\"",
        12,
        "providers.agg.body",
        "e.g. body = \"Your code is {code}\"",
    );
}

#[test]
fn a_body_past_255_segments_is_refused() {
    let long = format!("body = \"{{code}}{}\"", "認".repeat(67 * 256));
    assert_rejected(
        "tps = \"30/s\"",
        &long,
        12,
        "providers.agg.body",
        "at most 255 segments, got 257",
    );
}

#[test]
fn segment_keys_name_their_choices() {
    assert_rejected(
        "tps = \"30/s\"",
        "tps_unit = \"part\"",
        12,
        "providers.agg.tps_unit",
        "\"message\" or \"segment\", got \"part\"",
    );
    assert_rejected(
        "spam_filter = 0.01",
        "max_segments = 0",
        20,
        "carriers.big.max_segments",
        "at least 1 segment",
    );
    assert_rejected(
        "spam_filter = 0.01",
        "max_segments_action = \"truncate\"",
        20,
        "carriers.big.max_segments_action",
        "no action without `max_segments`",
    );
}
