//! Every input gets a clear answer: the defects found by fuzzing and by hand
//! (one test per row of the hardening table), each built from its failing
//! input. Exit codes: 2 invalid input or usage, 3 a failed write.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn simsms(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("simsms runs")
}

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
    let out = simsms(&["run", "s.toml", "--shard", "0/100000000", "-o", "p.json"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("at most 10000 shards"), "{}", stderr(&out));
    let out = simsms(&["run", "s.toml", "--shard", "0/10000", "-o", "p.json"], dir.path());
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
