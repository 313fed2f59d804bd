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

/// Item 3: `compared_to` naming the `alternative` itself bounds a
/// difference that is always 0; refused.
#[test]
fn an_expectation_compared_with_itself_is_refused() {
    let expect = |alternative: &str, compared_to: &str| {
        format!(
            "{SMALL}\n[alternatives.x]\nproviders.p.price = 2.0\n\n[[expect]]\nmetric = \"otp_success\"\n{alternative}compared_to = \"{compared_to}\"\nmin = 0.01\n"
        )
    };
    assert_refused(
        &check(&expect("alternative = \"x\"\n", "x")),
        "expected an alternative other than `alternative` (\"x\")",
    );
    assert_refused(
        &check(&expect("", "scenario")),
        "expected an alternative other than `alternative` (\"scenario\")",
    );
    assert!(
        check(&expect("alternative = \"x\"\n", "scenario"))
            .status
            .success()
    );
}

/// The points of a sweep's CSV (its `point` column), in order of rows.
fn points(csv: &str) -> Vec<String> {
    let mut points: Vec<String> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1).map(String::from))
        .collect();
    points.dedup();
    points
}

/// Item 5: a swept TOML string keeps its commas, in basic strings (with
/// escaped quotes) and literal ones.
#[test]
fn swept_strings_keep_their_commas() {
    let dir = with_scenario(SMALL);
    for value in [r#""a,b""#, "'a,b'", r#""a\",b""#, "'''a,b'''"] {
        let set = format!("scenario.description={value}");
        let out = simsms(
            &["sweep", "s.toml", "--set", &set, "--csv", "-"],
            dir.path(),
        );
        assert!(out.status.success(), "{value}: {}", stderr(&out));
        assert_eq!(points(&stdout(&out)), ["0"], "{value}: one point");
    }
}

/// Item 6: `run --set K=1 --set K=2` took the last; refused as `sweep`
/// refuses a key swept twice.
#[test]
fn a_key_set_twice_is_refused() {
    let dir = with_scenario(SMALL);
    for command in ["run", "compare"] {
        let out = simsms(
            &[
                command,
                "s.toml",
                "--set",
                "otp.max_sends=1",
                "--set",
                "otp.max_sends=2",
            ],
            dir.path(),
        );
        assert_refused(&out, "--set otp.max_sends is given twice");
    }
}

/// Item 7: `sweep -o FILE` without `--shard` wrote nothing and exited 0.
#[test]
fn a_sweep_output_without_a_shard_is_refused() {
    let dir = with_scenario(SMALL);
    let out = simsms(
        &[
            "sweep",
            "s.toml",
            "--set",
            "otp.max_sends=1,2",
            "-o",
            "s.csv",
        ],
        dir.path(),
    );
    assert_refused(&out, "--csv s.csv");
    assert!(!dir.path().join("s.csv").exists());
}

/// Item 9: HTML in names is shown in the Markdown summary, not rendered.
#[test]
fn html_in_names_is_escaped_in_markdown() {
    let text = SMALL
        .replace("[carriers.c]", "[carriers.\"<i>x</i>\"]")
        .replace("name = \"small\"", "name = \"a<b>&c\"");
    let dir = with_scenario(&text);
    let out = simsms(
        &["run", "s.toml", "--markdown", "s.md", "-o", "/dev/null"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(dir.path().join("s.md")).unwrap();
    assert!(!md.contains('<') && !md.contains('>'), "{md}");
    assert!(md.contains("## simsms: a&lt;b&gt;&amp;c"), "{md}");
    assert!(md.contains("| &lt;i&gt;x&lt;/i&gt; |"), "{md}");
}

/// Item 9: control characters in a name would reach the terminal report
/// raw (an escape sequence recolours it); they are refused, and the error
/// itself shows them escaped.
#[test]
fn control_characters_in_names_are_refused() {
    let esc = |old: &str, new: &str| SMALL.replace(old, new);
    let cases = [
        esc("[carriers.c]", "[carriers.\"c\\u001b[31m\"]"),
        esc("[providers.p]", "[providers.\"p\\u001b[2J\"]")
            .replace("provider = \"p\"", "provider = \"p\\u001b[2J\""),
        esc("name = \"small\"", "name = \"a\\nb\""),
        esc(
            "name = \"small\"",
            "name = \"s\"\ndescription = \"\\u0007\"",
        ),
        format!("{SMALL}\n[alternatives.\"x\\r\"]\nproviders.p.price = 2.0\n"),
        format!("{SMALL}\n[alternatives.x]\ndescription = \"\\u009b31m\"\n"),
    ];
    for text in cases {
        let out = check(&text);
        assert_refused(&out, "without control characters");
        let err = stderr(&out);
        assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "{err:?}");
    }
    let dir = with_scenario(SMALL);
    let out = simsms(
        &[
            "run",
            "s.toml",
            "--set",
            "scenario.name=\"x\\u001b]0;title\\u0007\"",
        ],
        dir.path(),
    );
    assert_refused(&out, "scenario.name");
    // Line breaks and tabs in a description are text, not escapes.
    let text = esc(
        "name = \"small\"",
        "name = \"s\"\ndescription = \"\"\"one\n\ttwo\"\"\"",
    );
    assert!(check(&text).status.success());
}
