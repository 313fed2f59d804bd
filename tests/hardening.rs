//! Every input gets a clear answer: the defects found by fuzzing and by hand
//! (one test per row of the hardening table), each built from its failing
//! input. Exit codes: 2 invalid input or usage, 3 a failed write.

mod common;

use common::simsms_in as simsms;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SMALL: &str = r#"[scenario]
name = "small"
duration = "2m"
seed = 5
replications = 2

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

fn with_scenario(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    dir
}

/// Row 2: a full disk or a closed pipe on stdout is exit 3, never a panic.
#[test]
fn stdout_failures_exit_3_for_every_command() {
    let dir = with_scenario(SMALL);
    for args in [
        vec!["check", "s.toml"],
        vec!["init", "new.toml"],
        vec!["run", "s.toml"],
        vec![
            "sweep",
            "s.toml",
            "--set",
            "otp.max_sends=1,2",
            "--csv",
            "-",
        ],
    ] {
        let full = std::fs::File::create("/dev/full").unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
            .args(&args)
            .current_dir(dir.path())
            .stdout(Stdio::from(full))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("No space left"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

/// Row 3: a partial result with an array element removed is exit 2, naming
/// the file and the JSON path, never an index out of bounds.
#[test]
fn merge_of_a_partial_with_an_element_removed_names_file_and_path() {
    let dir = with_scenario(SMALL);
    let out = simsms(
        &["run", "s.toml", "--shard", "0/1", "-o", "p.json"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("p.json")).unwrap()).unwrap();
    for (pointer, says) in [
        (
            "/items/0/metrics/messages",
            "p.json: items[0].metrics: messages is 0, expected 1",
        ),
        ("/items/0/metrics/sessions", "sessions is 0, expected 1"),
        ("/items/0/metrics/queue_admitted", "queue_admitted is 0"),
        ("/items/0/metrics/queue_wait_total", "queue_wait_total is 0"),
        ("/items/0/metrics/timeline/arrivals", "timeline.arrivals is"),
        (
            "/items/0/metrics/timeline/stored_delta",
            "timeline.stored_delta is",
        ),
        (
            "/items/0/metrics/timeline/queue_depth/0",
            "timeline.queue_depth[0] is",
        ),
        (
            "/items/0/metrics/timeline/queue_depth",
            "timeline.queue_depth is 0",
        ),
        (
            "/items/0/metrics/sessions/0/success_by_send",
            "sessions[0].success_by_send is 2, expected 3",
        ),
        ("/items/0/metrics/messages/0/outcomes", "p.json"),
        ("/items/0/metrics/sessions/0/outcomes", "p.json"),
        ("/items", "replications"),
    ] {
        let mut doc = good.clone();
        let array = doc
            .pointer_mut(pointer)
            .and_then(|v| v.as_array_mut())
            .unwrap();
        array.pop();
        std::fs::write(dir.path().join("p.json"), doc.to_string()).unwrap();
        let out = simsms(&["merge", "p.json"], dir.path());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{pointer}: {err}");
        assert!(err.contains(says), "{pointer}: {err}");
        assert!(!err.contains("panicked"), "{pointer}: {err}");
    }
}

/// Row 4: an absurd shard count is a short error, exit 2, on the command
/// line and in a hand-edited partial; a long list of missing shards is cut.
#[test]
fn shard_counts_are_bounded_and_missing_lists_short() {
    let dir = with_scenario(SMALL);
    let out = simsms(
        &["run", "s.toml", "--shard", "0/100000000", "-o", "p.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("at most 10000 shards"),
        "{}",
        stderr(&out)
    );
    let out = simsms(
        &["run", "s.toml", "--shard", "0/10000", "-o", "p.json"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = simsms(&["merge", "p.json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("and 9989 more"), "{}", stderr(&out));
    assert!(stderr(&out).len() < 400, "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("p.json")).unwrap();
    let edited = text.replace("\"count\":10000", "\"count\":100000000");
    assert_ne!(text, edited, "the partial names its shard count");
    std::fs::write(dir.path().join("p.json"), edited).unwrap();
    let out = simsms(&["merge", "p.json"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).len() < 400, "{}", stderr(&out));
}

fn assert_refused(dir: &Path, args: &[&str], says: &str) {
    let out = simsms(args, dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: {err}");
    assert!(
        err.len() < 2000,
        "{args:?}: a short error, got {} bytes",
        err.len()
    );
}

/// Rows 5 and 8: sizes that would abort on allocation, and numbers that
/// would make the report infinite, are refused with the bound.
#[test]
fn huge_counts_and_prices_are_refused_with_their_bound() {
    let dir = with_scenario(SMALL);
    let d = dir.path();
    assert_refused(
        d,
        &["run", "s.toml", "-r", "4294967295"],
        "at most 100000 replications",
    );
    assert_refused(
        d,
        &["run", "s.toml", "--set", "scenario.replications=1000000000"],
        "at most 100000 replications",
    );
    assert_refused(
        d,
        &["run", "s.toml", "--set", "otp.max_sends=1000000000"],
        "at most 100 sends",
    );
    assert_refused(
        d,
        &[
            "run",
            "s.toml",
            "--set",
            "traffic.rate=100000000/s",
            "--set",
            "scenario.duration=1h",
        ],
        "at most 1e9 sessions per replication",
    );
    assert_refused(
        d,
        &["run", "s.toml", "--set", "providers.p.price=1e308"],
        "up to 1e6, got 1e308",
    );
    assert_refused(
        d,
        &[
            "run",
            "s.toml",
            "--set",
            "routing.policy=weighted",
            "--set",
            "routing.provider=",
            "--set",
            "routing.weights={p = 1e308}",
        ],
        "up to 1e9",
    );
}

/// Row 5, the other way: a million sessions a second runs in bounded
/// memory (nothing is allocated per session up front). Here every code
/// arrives at once, so few sessions are ever in flight: 2,000,000 sessions
/// allocated up front would take about 640 MB (docs/limits.md), the run
/// peaks near what a run of ten sessions takes (about 22 MB measured).
#[test]
fn a_high_rate_is_simulated_not_allocated() {
    let dir = with_scenario(SMALL);
    let mut run = Command::new(env!("CARGO_BIN_EXE_simsms"));
    run.current_dir(dir.path()).args([
        "run",
        "s.toml",
        "-r",
        "1",
        "--set",
        "traffic.rate=1000000/s",
        "--set",
        "scenario.duration=2s",
        "-o",
        "/dev/null",
    ]);
    let (code, peak_kb) = common::run_measuring_peak_rss(&mut run, Duration::from_secs(300));
    assert_eq!(code, 0);
    assert!(peak_kb > 0, "no peak measured");
    assert!(
        peak_kb < 64 * 1024,
        "peak RSS {peak_kb} kB for 2,000,000 sessions"
    );
}

/// Row 6: intervals absurdly small for the run are refused, naming the key.
#[test]
fn intervals_that_would_run_forever_are_refused() {
    let dir = with_scenario(SMALL);
    let d = dir.path();
    assert_refused(
        d,
        &[
            "run",
            "s.toml",
            "--set",
            r#"carriers.c.smsc.retry=["1h", "0.072ms"]"#,
        ],
        "at most 10000 delivery attempts",
    );
    assert_refused(
        d,
        &[
            "run",
            "s.toml",
            "--set",
            r#"users.presence.present={ mean = "0.001ms" }"#,
        ],
        "users.presence.present",
    );
    assert_refused(
        d,
        &[
            "run",
            "s.toml",
            "--set",
            r#"users.presence.absent={ mean = "0.001ms" }"#,
        ],
        "periods with a mean of at least 1.0s",
    );
}

/// Row 7: text that is not UTF-8 is exit 2 with the byte offset.
#[test]
fn files_that_are_not_utf8_name_the_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("latin1.toml"), b"[scenario]\nname = \"caf\xe9\"\n").unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for c in "[scenario]\n".encode_utf16() {
        utf16.extend(c.to_le_bytes());
    }
    std::fs::write(d.join("utf16.toml"), utf16).unwrap();
    assert_refused(
        d,
        &["check", "latin1.toml"],
        "latin1.toml: not UTF-8 text: invalid byte 0xE9 at byte offset 22 (line 2)",
    );
    assert_refused(d, &["run", "utf16.toml"], "the file is UTF-16");
    std::fs::write(d.join("big.toml"), vec![b'#'; 2 << 20]).unwrap();
    assert_refused(d, &["check", "big.toml"], "larger than 1048576 bytes");
}

/// Row 9: dimensions are bounded before anything is built, so a huge file
/// is refused at once.
#[test]
fn carrier_and_provider_counts_are_bounded() {
    let mut text = SMALL.replace("[carriers.c]\nshare = 1.0\n", "");
    for i in 0..10_000 {
        text.push_str(&format!("[carriers.c{i}]\nshare = 0.0001\n"));
    }
    let dir = with_scenario(&text);
    assert_refused(
        dir.path(),
        &["check", "s.toml"],
        "at most 256 carriers, got 10000",
    );
    let mut text = SMALL.to_string();
    for i in 0..40 {
        text.push_str(&format!("[providers.p{i}]\nroute = \"domestic\"\n"));
    }
    let dir = with_scenario(&text);
    assert_refused(
        dir.path(),
        &["check", "s.toml"],
        "at most 32 providers, got 41",
    );
}

/// Row 10: a scenario name cannot steer `--out` outside its directory.
#[test]
fn scenario_names_cannot_escape_the_output_directory() {
    for name in ["../../x", "/tmp/simsms-escape", "..", "a/../../b"] {
        let dir = with_scenario(&SMALL.replace("name = \"small\"", &format!("name = {name:?}")));
        let work = dir.path().join("work");
        std::fs::create_dir(&work).unwrap();
        std::fs::rename(dir.path().join("s.toml"), work.join("s.toml")).unwrap();
        let out = simsms(&["run", "s.toml", "--out", "-o", "/dev/null"], &work);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let mut made: Vec<String> = std::fs::read_dir(work.join("simsms-out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        made.sort();
        assert_eq!(made.len(), 2, "{name}: {made:?}");
        assert_eq!(made[0], ".gitignore");
        assert!(
            !made[1].contains('/') && !made[1].starts_with('.'),
            "{name}: {made:?}"
        );
        // Nothing beside the working directory.
        let beside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(
            beside.len(),
            1,
            "{name}: wrote outside the working directory"
        );
    }
    assert!(!Path::new("/tmp/simsms-escape").exists());
}

/// Row 11: a shard cannot honour report flags; it says so.
#[test]
fn shards_refuse_report_flags() {
    let dir = with_scenario(SMALL);
    let d = dir.path();
    for flag in [
        ["--json", "x.json"],
        ["--csv", "x.csv"],
        ["--out", "x"],
        ["--baseline", "x.json"],
    ] {
        let mut args = vec!["run", "s.toml", "--shard", "0/2", "-o", "p.json"];
        args.extend(flag);
        assert_refused(d, &args, "--shard writes a partial result to -o");
    }
    assert_refused(
        d,
        &[
            "sweep",
            "s.toml",
            "--set",
            "otp.max_sends=1,2",
            "--shard",
            "0/2",
            "--csv",
            "x.csv",
        ],
        "pass them to `simsms merge`",
    );
    assert!(!d.join("x.json").exists() && !d.join("p.json").exists());
}

/// Row 12: with `--json -` stdout holds only the JSON.
#[test]
fn json_to_stdout_is_the_only_thing_on_stdout() {
    let dir = with_scenario(SMALL);
    let out = simsms(&["run", "s.toml", "--json", "-"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("only JSON on stdout");
    assert_eq!(json["scenario"]["name"], "small");
    assert_refused(
        dir.path(),
        &["run", "s.toml", "--json", "-", "--csv", "-"],
        "only one output can go to stdout",
    );
}

/// Row 13: bounds that cannot be met, or read, are refused.
#[test]
fn impossible_bounds_and_tolerances_are_refused() {
    let dir = with_scenario(&format!(
        "{SMALL}\n[[expect]]\nmetric = \"otp_success\"\nmin = nan\n"
    ));
    assert_refused(dir.path(), &["check", "s.toml"], "a finite number, got NaN");
    let dir = with_scenario(&format!(
        "{SMALL}\n[[expect]]\nmetric = \"otp_success\"\nmin = 0.9\nmax = 0.5\n"
    ));
    assert_refused(
        dir.path(),
        &["check", "s.toml"],
        "`max` at least `min` (0.9), got 0.5",
    );
    let dir = with_scenario(SMALL);
    let out = simsms(
        &["run", "s.toml", "--json", "base.json", "-o", "/dev/null"],
        dir.path(),
    );
    assert!(out.status.success());
    for tolerance in ["--tolerance=nan", "--tolerance=-1", "--tolerance=inf"] {
        assert_refused(
            dir.path(),
            &[
                "run",
                "s.toml",
                "--baseline",
                "base.json",
                tolerance,
                "-o",
                "/dev/null",
            ],
            "--tolerance must be a finite non-negative number",
        );
    }
}

/// Row 14: a baseline of another scenario is refused, naming both.
#[test]
fn a_baseline_of_another_scenario_is_refused() {
    let dir = with_scenario(SMALL);
    std::fs::write(
        dir.path().join("other.toml"),
        SMALL.replace("name = \"small\"", "name = \"other\""),
    )
    .unwrap();
    let out = simsms(
        &[
            "run",
            "other.toml",
            "--json",
            "other.json",
            "-o",
            "/dev/null",
        ],
        dir.path(),
    );
    assert!(out.status.success());
    assert_refused(
        dir.path(),
        &[
            "run",
            "s.toml",
            "--baseline",
            "other.json",
            "-o",
            "/dev/null",
        ],
        "a report of scenario \"other\", this run is of \"small\"",
    );
}

/// Row 15: `|` in names does not break the Markdown tables.
#[test]
fn pipes_in_names_are_escaped_in_markdown() {
    let text = SMALL
        .replace("[carriers.c]", "[carriers.\"a|b\"]")
        .replace("name = \"small\"", "name = \"x|y\"");
    let dir = with_scenario(&text);
    let out = simsms(
        &["run", "s.toml", "--markdown", "s.md", "-o", "/dev/null"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let md = std::fs::read_to_string(dir.path().join("s.md")).unwrap();
    assert!(md.contains("| a\\|b |"), "{md}");
    let header = md.lines().find(|l| l.starts_with("| alternative")).unwrap();
    let columns = header.matches(" | ").count();
    for row in md.lines().filter(|l| l.starts_with("| scenario")) {
        assert_eq!(
            row.replace("\\|", "").matches(" | ").count(),
            columns,
            "{row}"
        );
    }
}

/// Row 16: a swept key or an alternative given twice is refused.
#[test]
fn repeated_sweep_keys_and_alternatives_are_refused() {
    let text = format!("{SMALL}\n[alternatives.x]\nproviders.p.price = 2.0\n");
    let dir = with_scenario(&text);
    assert_refused(
        dir.path(),
        &[
            "sweep",
            "s.toml",
            "--set",
            "otp.max_sends=1,2",
            "--set",
            "otp.max_sends=3",
        ],
        "--set otp.max_sends is given twice",
    );
    assert_refused(
        dir.path(),
        &["compare", "s.toml", "--alt", "x", "--alt", "x"],
        "--alt x is given twice",
    );
}

/// The report answers first: per carrier the share with a code in time,
/// then each alternative's difference, then the expectations; and stderr's
/// session count says how it relates to the header's.
#[test]
fn the_report_answers_first_and_counts_agree() {
    let text = format!(
        "{SMALL}\n[alternatives.x]\nproviders.p.price = 2.0\n\n[[expect]]\nmetric = \"otp_success\"\nmin = 1.01\n"
    );
    let dir = with_scenario(&text);
    let out = simsms(&["run", "s.toml"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = String::from_utf8(out.stdout.clone()).unwrap();
    let answer = report
        .find("ANSWER: users with a valid code within")
        .unwrap();
    assert!(answer < report.find("MESSAGES by provider").unwrap());
    let block = &report[answer..report.find("MESSAGES by provider").unwrap()];
    assert!(
        block.contains("  c ") && block.contains("all carriers"),
        "{block}"
    );
    assert!(block.contains("only too late to use"), "{block}");
    assert!(block.contains("    x, all carriers: within"), "{block}");
    assert!(block.contains("Expectations: 1 of 1 FAILED"), "{block}");
    let header_sessions: u64 = report
        .lines()
        .nth(1)
        .and_then(|l| l.split(" | ").find(|p| p.ends_with("messages (pooled)")))
        .and_then(|p| p.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    let said = stderr(&out);
    assert!(
        said.contains(&format!(
            "(2 variants x {header_sessions}, the same users under each)"
        )),
        "{said}"
    );
}

/// Row 6, outages: a store outage of 499 years on any target is simulated
/// in bounded time (messages are held, not retried step by step): each
/// run takes a fraction of a second, and one still running after a minute
/// fails the test rather than hanging it.
#[test]
fn a_centuries_long_store_outage_finishes() {
    for target in [
        "carrier = \"c\"",
        "provider = \"p\"",
        "route = \"domestic\"",
        "provider = \"p\"\ncarrier = \"c\"",
    ] {
        let text = format!(
            "{SMALL}\n[[outages]]\n{target}\neffect = \"store\"\nstart = \"1m\"\nduration = \"499y\"\n"
        );
        let dir = with_scenario(&text);
        let file = dir.path().join("s.toml");
        let args = ["run", file.to_str().unwrap(), "-r", "1", "-o", "/dev/null"];
        let out = common::simsms_within(&args, Duration::from_secs(60));
        assert!(out.status.success(), "{target}: {}", stderr(&out));
    }
}
