//! Every value `check` accepts means what it says; what cannot is refused
//! with exit 2 and a hint (issue 18, part 1): submission limits the engine
//! cannot represent, duration units docs/scenario.md does not list, an
//! expectation compared with itself, `--set` values and keys read wrongly,
//! a sweep's `-o` that wrote nothing, and names that inject HTML or
//! terminal escapes.

mod common;

use common::simsms_in as simsms;
use std::process::Output;

const SMALL: &str = r#"[scenario]
name = "small"
duration = "2m"
seed = 5
replications = 1

[traffic]
rate = "5/s"

[providers.p]
route = "domestic"

[routing]
policy = "single"
provider = "p"

[carriers.c]
share = 1.0
"#;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn with_scenario(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    dir
}

/// `simsms check` of `text`: its output.
fn check(text: &str) -> Output {
    let dir = with_scenario(text);
    simsms(&["check", "s.toml"], dir.path())
}

fn assert_refused(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "wanted {needle:?} in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Item 1: a provider `tps` below one message a day (the engine's next
/// slot overflowed, and 1e-12/s ran as unlimited) or above 1000000/s (not
/// a whole number of nanoseconds apart) is refused; so is an account's.
#[test]
fn submission_limits_the_engine_cannot_honour_are_refused() {
    for tps in ["1e-12/s", "1e-9/s", "0.5/d", "2000000/s", "0/s"] {
        let text = SMALL.replace(
            "route = \"domestic\"",
            &format!("route = \"domestic\"\ntps = \"{tps}\""),
        );
        assert_refused(&check(&text), "expected a rate from 1/d to 1000000/s");
    }
    for key in ["tps", "bind_tps"] {
        let text = format!(
            "{SMALL}\n[[serve.accounts]]\nsystem_id = \"u\"\npassword = \"pw\"\nprovider = \"p\"\n{key} = \"1e-300/s\"\n"
        );
        assert_refused(&check(&text), &format!("serve.accounts[0].{key}"));
    }
}

/// Item 1: the slowest limit taken means what it says (one message a day:
/// in a two-minute run one is sent) and prints as written, not as a long
/// decimal.
#[test]
fn the_slowest_submission_limit_sends_one_message_a_day() {
    let text = SMALL.replace(
        "route = \"domestic\"",
        "route = \"domestic\"\ntps = \"1/d\"",
    );
    let dir = with_scenario(&text);
    let out = simsms(&["run", "s.toml"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    let queues = report
        .lines()
        .skip_while(|l| *l != "PROVIDER QUEUES")
        .nth(2)
        .unwrap();
    let cells: Vec<&str> = queues.split_whitespace().collect();
    assert_eq!(cells[..4], ["p", "domestic", "1/d", "1"], "{queues}");
}

/// Item 2: exactly the units docs/scenario.md lists (ms, s, m, h, d, w,
/// y); "2M" was two months, "1month", "90us", "30ns" were accepted.
#[test]
fn durations_take_exactly_the_documented_units() {
    let with_age = |age: &str| format!("{SMALL}\n[mnp]\nnumber_age = \"{age}\"\n");
    for age in [
        "250ms", "90s", "5m", "1h 30m", "1h30m", "1.5s", "72h", "2d", "3w", "10y", "1.5y", "499y",
    ] {
        let out = check(&with_age(age));
        assert!(out.status.success(), "{age}: {}", stderr(&out));
    }
    for (age, hint) in [
        ("2M", "months are not a unit"),
        ("1month", "months are not a unit"),
        ("90us", "the smallest unit is ms"),
        ("30ns", "the smallest unit is ms"),
        ("5min", "write \"m\""),
        ("2 days", "write \"d\""),
        ("1h 30", "each number needs a unit"),
        ("500y", "below 500 years"),
    ] {
        let out = check(&with_age(age));
        assert_refused(&out, "mnp.number_age");
        assert_refused(&out, hint);
    }
}
