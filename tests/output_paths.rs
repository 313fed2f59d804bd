//! Every output path is checked before anything is simulated, served,
//! sent or merged: an output that is an input (the scenario, a baseline, a
//! part) or another output, or a second output on stdout is exit 2, a
//! path that cannot be written exit 3, at once, and no file is touched.

mod common;

use common::simsms_in as simsms;
use std::path::Path;
use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SMALL: &str = r#"[scenario]
name = "small"
duration = "1m"
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

[serve]
host = "127.0.0.1"

[[serve.accounts]]
system_id = "acme"
password = "pw"
provider = "p"
port = 0
"#;

/// Runs `args` in `dir` and checks it is refused before any work: exit 2,
/// the message, no "sessions in" line (nothing simulated), no "ready"
/// (nothing served), and the scenario file unchanged.
fn assert_refused_first(dir: &Path, args: &[&str], says: &str) {
    assert_exits_first(dir, args, 2, says)
}

/// As `assert_refused_first`, with exit `code` (3: a path that cannot be
/// written, as the write itself would fail).
fn assert_exits_first(dir: &Path, args: &[&str], code: i32, says: &str) {
    let out = simsms(args, dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: {err}");
    assert!(
        !err.contains("sessions in"),
        "{args:?} simulated first: {err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("ready"), "{args:?} served first: {stdout}");
    assert_eq!(
        std::fs::read_to_string(dir.join("s.toml")).unwrap(),
        SMALL,
        "{args:?} overwrote the scenario"
    );
}

fn with_scenario() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SMALL).unwrap();
    dir
}

#[test]
fn an_output_over_the_scenario_is_refused_before_simulating_or_serving() {
    let dir = with_scenario();
    let d = dir.path();
    let overwrite = "s.toml would overwrite the scenario file, an input";
    assert_refused_first(d, &["run", "s.toml", "--json", "s.toml"], overwrite);
    assert_refused_first(d, &["run", "s.toml", "-o", "s.toml"], overwrite);
    assert_refused_first(
        d,
        &["run", "s.toml", "--events", "e.csv", "--csv", "e.csv"],
        "--events e.csv and --csv e.csv are the same file",
    );
    assert_refused_first(
        d,
        &[
            "compare", "s.toml", "--alt", "scenario", "--html", "./s.toml",
        ],
        overwrite,
    );
    assert_refused_first(
        d,
        &["run", "s.toml", "--shard", "0/2", "-o", "s.toml"],
        overwrite,
    );
    assert_refused_first(
        d,
        &[
            "sweep",
            "s.toml",
            "--set",
            "otp.max_sends=1,2",
            "--csv",
            "s.toml",
        ],
        overwrite,
    );
    assert_refused_first(d, &["sensitivity", "s.toml", "--svg", "s.toml"], overwrite);
    assert_refused_first(
        d,
        &["serve", "s.toml", "--for", "1s", "-o", "s.toml"],
        overwrite,
    );
    assert_refused_first(
        d,
        &[
            "load",
            "s.toml",
            "--target",
            "smpp://a:b@127.0.0.1:9",
            "--json",
            "s.toml",
        ],
        overwrite,
    );
}

#[test]
fn outputs_that_collide_or_cannot_be_written_are_refused_before_simulating() {
    let dir = with_scenario();
    let d = dir.path();
    std::fs::create_dir(d.join("o")).unwrap();
    assert_refused_first(
        d,
        &["run", "s.toml", "-o", "x", "--json", "x"],
        "-o x and --json x are the same file: give each output its own path",
    );
    assert_refused_first(
        d,
        &["run", "s.toml", "--out", "o", "--csv", "o/../o/summary.csv"],
        "are the same file",
    );
    assert_exits_first(
        d,
        &["run", "s.toml", "--json", "missing/r.json"],
        3,
        "--json missing/r.json: its directory missing does not exist",
    );
    assert_exits_first(d, &["run", "s.toml", "--json", "."], 3, "is a directory");
    assert_refused_first(
        d,
        &["sensitivity", "s.toml", "--csv", "-", "--svg", "-"],
        "only one output can go to stdout",
    );
    assert_refused_first(
        d,
        &[
            "serve", "s.toml", "--for", "1s", "--json", "a.json", "--csv", "a.json",
        ],
        "are the same file",
    );
    assert!(!d.join("x").exists() && !d.join("a.json").exists());
}

#[test]
fn a_baseline_of_another_scenario_or_under_an_output_is_refused_before_simulating() {
    let dir = with_scenario();
    let d = dir.path();
    let schema = simsms(&["run", "s.toml", "-r", "1", "--json", "mine.json"], d);
    assert_eq!(schema.status.code(), Some(0), "{}", stderr(&schema));
    let mine = std::fs::read_to_string(d.join("mine.json")).unwrap();
    let id: serde_json::Value = serde_json::from_str(&mine).unwrap();
    let other = format!(
        r#"{{"schema": {}, "scenario": {{"name": "other"}}}}"#,
        id["schema"]
    );
    std::fs::write(d.join("old.json"), other).unwrap();
    assert_refused_first(
        d,
        &["run", "s.toml", "--baseline", "old.json"],
        "the baseline is a report of scenario \"other\", this run is of \"small\"",
    );
    assert_refused_first(
        d,
        &[
            "run",
            "s.toml",
            "--baseline",
            "mine.json",
            "--json",
            "mine.json",
        ],
        "--json mine.json would overwrite the baseline, an input",
    );
}

#[test]
fn merge_refuses_an_output_over_a_part_before_merging() {
    let dir = with_scenario();
    let d = dir.path();
    for i in 0..2 {
        let (shard, output) = (format!("{i}/2"), format!("part-{i}.json"));
        let out = simsms(&["run", "s.toml", "--shard", &shard, "-o", &output], d);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let part = std::fs::read(d.join("part-1.json")).unwrap();
    assert_refused_first(
        d,
        &[
            "merge",
            "part-0.json",
            "part-1.json",
            "--json",
            "part-1.json",
        ],
        "--json part-1.json would overwrite the partial result, an input",
    );
    assert_eq!(std::fs::read(d.join("part-1.json")).unwrap(), part);
}
