//! `simsms compare`, alternatives and `--set`: the same users under each
//! alternative, paired differences, selection and overrides.

mod common;

use std::process::Command;

fn simsms(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const WITH_ALTERNATIVES: &str = r#"
[scenario]
name = "alts"
duration = "10m"
seed = 9
replications = 6
[traffic]
rate = "10/s"
[otp]
max_sends = 1
[providers.slow]
route = "international"
[providers.fast]
route = "domestic"
[routing]
policy = "single"
provider = "slow"
[routes.international]
loss = 0.2
[carriers.c]
share = 1.0

[alternatives.domestic]
description = "everything domestic"
routing = { policy = "single", provider = "fast" }

[alternatives.less_loss]
providers.slow.sender_blocked = 0.1

[[expect]]
metric = "otp_success"
alternative = "domestic"
compared_to = "scenario"
min = 0.15
mode = "interval"
"#;

#[test]
fn alternatives_see_the_same_users_and_differences_are_paired() {
    let sc = common::scenario(WITH_ALTERNATIVES);
    let results = simsms::simulate_all(&sc, "alts.toml", 2);
    let base = results.reports[0].as_ref().unwrap();
    let domestic = results.reports[1].as_ref().unwrap();
    let blocked = results.reports[2].as_ref().unwrap();
    // Same arrivals in every alternative.
    assert_eq!(
        base.merged.timeline.arrivals,
        domestic.merged.timeline.arrivals
    );
    let (b, d) = (
        base.session_row(None).unwrap(),
        domestic.session_row(None).unwrap(),
    );
    // Loss 0.2 removed: success rises by 0.2 exactly in expectation.
    let diff = simsms::report::paired_difference(d, b, |r| r.otp_success);
    assert!(diff.low < 0.2 && 0.2 < diff.high, "{diff:?}");
    // Pairing: the paired interval is narrower than the difference of the
    // two separate intervals would suggest.
    let separate =
        (d.otp_success.high - d.otp_success.low) + (b.otp_success.high - b.otp_success.low);
    assert!(
        diff.high - diff.low < separate,
        "paired {diff:?} vs separate width {separate}"
    );
    // A provider patch: 10% of users block the slow provider's sender.
    let x = blocked.session_row(None).unwrap();
    // Success drops by 0.8 (those not lost) × 0.1 (who block the sender).
    let drop = simsms::report::paired_difference(b, x, |r| r.otp_success);
    assert!(
        drop.low < 0.08 && 0.08 < drop.high,
        "sender block effect {drop:?}"
    );
    assert!(results.all_passed(), "{:?}", results.verdicts);
}

#[test]
fn compare_prints_alternatives_side_by_side_and_gates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alts.toml");
    std::fs::write(&path, WITH_ALTERNATIVES).unwrap();
    let file = path.to_str().unwrap();
    let (code, out, err) = simsms(&["compare", file]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("domestic") && out.contains("less_loss"));
    assert!(out.contains(" *"), "no clear difference marked:\n{out}");
    assert!(
        out.contains("PASS  otp_success alternative=domestic minus scenario"),
        "{out}"
    );

    // Selecting alternatives: the first is the reference.
    let (code, out, _) = simsms(&["compare", file, "--alt", "domestic", "--alt", "scenario"]);
    assert_eq!(code, 0);
    assert!(out.contains("alternative minus \"domestic\""));

    let (code, _, err) = simsms(&["compare", file, "--alt", "nope"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("defined: scenario, domestic, less_loss"),
        "{err}"
    );

    // Raising the bound just out of reach fails the gate.
    let (code, out, _) = simsms(&["compare", file, "--set", "expect=[]"]);
    assert_eq!(code, 0, "expectations removed by --set");
    assert!(!out.contains("EXPECTATIONS"));
    let strict = WITH_ALTERNATIVES.replace("min = 0.15", "min = 0.25");
    std::fs::write(&path, strict).unwrap();
    let (code, out, _) = simsms(&["compare", file]);
    assert_eq!(code, 1);
    assert!(out.contains("FAIL  otp_success alternative=domestic minus scenario"));
}

#[test]
fn set_overrides_keys_and_reports_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alts.toml");
    std::fs::write(&path, WITH_ALTERNATIVES).unwrap();
    let file = path.to_str().unwrap();
    let (code, out, _) = simsms(&[
        "run",
        file,
        "--set",
        "routes.international.loss=0",
        "--set",
        "scenario.replications=2",
        "--set",
        "expect=[]",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("| 2 replications"));
    assert!(
        out.contains("100.00% [100.00, 100.00]"),
        "loss override ignored:\n{out}"
    );
    let (code, _, err) = simsms(&["run", file, "--set", "routes.international.loss=2"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("routes.international.loss") && err.contains("between 0 and 1"),
        "{err}"
    );
    let (code, _, err) = simsms(&["run", file, "--set", "routes.international.los=0.1"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `loss`?"), "{err}");
    let (code, _, err) = simsms(&["run", file, "--set", "nonsense"]);
    assert_eq!(code, 2);
    assert!(err.contains("KEY=VALUE"), "{err}");
}

#[test]
fn alternative_errors_point_into_the_patch() {
    let bad = WITH_ALTERNATIVES.replace("provider = \"fast\" }", "provider = \"quick\" }");
    let err = simsms::scenario::parse(&bad, "alts.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("alts.toml:25:"), "{err}");
    assert!(
        err.contains("alternatives.domestic.routing.provider"),
        "{err}"
    );
    let bad = WITH_ALTERNATIVES.replace("[alternatives.less_loss]", "[alternatives.scenario]");
    let err = simsms::scenario::parse(&bad, "alts.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("other than \"scenario\""), "{err}");
}

#[test]
fn sweep_writes_tidy_csv_per_point_and_metric() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alts.toml");
    std::fs::write(&path, WITH_ALTERNATIVES).unwrap();
    let file = path.to_str().unwrap();
    let csv_path = dir.path().join("sweep.csv");
    let (code, table, err) = simsms(&[
        "sweep",
        file,
        "--set",
        "routes.international.loss=0,0.5",
        "--set",
        "scenario.replications=2,3",
        "--csv",
        csv_path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("4 points"), "{err}");
    assert_eq!(table.lines().count(), 5, "{table}");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "scenario,point,routes.international.loss,scenario.replications,provider,carrier,metric,value,ci_low,ci_high,n"
    );
    // (value, sessions) of the all-carrier OTP success at a point.
    let success = |loss: &str| -> (f64, f64) {
        let line = csv
            .lines()
            .find(|l| l.contains(&format!(",{loss},2,all,all,otp_success,")))
            .unwrap();
        let cells: Vec<f64> = line
            .split(',')
            .skip(7)
            .map(|c| c.parse().unwrap())
            .collect();
        (cells[0], cells[3])
    };
    assert_eq!(success("0").0, 1.0);
    // One send, half of them lost: 0.5 within a 99.9% binomial interval.
    let (p, n) = success("0.5");
    assert!(
        (p - 0.5).abs() < 3.29 * (0.25 / n).sqrt(),
        "success {p} of {n}"
    );
    // Piped without --csv: the CSV goes to stdout.
    let (code, out, _) = simsms(&["sweep", file, "--set", "routes.international.loss=0.1"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("scenario,point,routes.international.loss,"));
    let (code, _, err) = simsms(&["sweep", file, "--set", "routes.international.loss=2"]);
    assert_eq!(code, 2);
    assert!(err.contains("between 0 and 1"), "{err}");
}
