//! `simsms sweep` is never silently wrong and stays bounded: a swept key
//! that cannot change the rows is refused with the reason, a provider
//! choice is swept through the routing, and points reach the CSV in grid
//! order as they finish.

mod common;

use common::simsms_in as simsms;
use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Two providers, the routing sending to `p` only; an alternative and a
/// `[serve]` section that sweep does not simulate.
const TWO_PROVIDERS: &str = r#"[scenario]
name = "two"
duration = "1m"
seed = 3
replications = 2

[traffic]
rate = "5/s"

[providers.p]
route = "domestic"
price = 1.0

[providers.q]
route = "domestic"
price = 5.0

[routing]
policy = "single"
provider = "p"

[carriers.c]
share = 1.0

[alternatives.via_q]
routing = { policy = "single", provider = "q" }

[serve]
http_port = 0
"#;

fn with_scenario(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    dir
}

#[test]
fn swept_keys_that_cannot_change_the_rows_are_refused_with_the_reason() {
    let dir = with_scenario(TWO_PROVIDERS);
    for (set, says) in [
        ("scenario.name=a,b", "it only labels the scenario"),
        (
            "serve.http_port=0,9",
            "[serve] only configures `simsms serve`",
        ),
        (
            "alternatives.via_q.providers.p.price=2.0,3.0",
            "not its [alternatives]; to sweep a choice, sweep the key it changes, e.g. --set routing.provider=a,b",
        ),
        (
            "providers.q.tps=1/s,2/s",
            "every value gives the same simulated scenario",
        ),
        (
            "otp.ttl=60s,1m",
            "every value gives the same simulated scenario",
        ),
    ] {
        let key = set.split('=').next().unwrap();
        let out = simsms(
            &["sweep", "s.toml", "--set", set, "--csv", "out.csv"],
            dir.path(),
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{set}: {err}");
        assert!(
            err.contains(&format!(
                "--set {key}: sweeping it cannot change the results"
            )),
            "{set}: {err}"
        );
        assert!(err.contains(says), "{set}: {err}");
        assert!(!dir.path().join("out.csv").exists(), "{set}: wrote a CSV");
    }
}

#[test]
fn a_provider_choice_is_swept_through_the_routing_and_keeps_the_scenario_column() {
    let dir = with_scenario(TWO_PROVIDERS);
    // q's rate limit matters only where the routing sends to q: accepted.
    let out = simsms(
        &[
            "sweep",
            "s.toml",
            "--set",
            "routing.provider=p,q",
            "--set",
            "providers.q.tps=1/s,100/s",
            "--csv",
            "-",
        ],
        dir.path(),
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("not its alternative; to sweep a choice"),
        "the unsimulated alternative is named: {err}"
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let cost = |provider: &str, tps: &str| -> f64 {
        let line = csv
            .lines()
            .find(|l| l.contains(&format!(",{provider},{tps},all,all,cost_per_success,")))
            .unwrap_or_else(|| panic!("no row for {provider} {tps}:\n{csv}"));
        line.split(',').nth(7).unwrap().parse().unwrap()
    };
    assert!(cost("p", "1/s") < 2.0 && cost("q", "100/s") > 4.0, "{csv}");
    assert!(
        csv.lines().skip(1).all(|l| l.starts_with("two,")),
        "the scenario column names the scenario: {csv}"
    );
}

/// Points reach the CSV in grid order as they finish: the first point's
/// rows are on stdout while a long second point is still running (and the
/// whole grid's reports are never held at once).
#[test]
fn points_are_written_as_they_finish() {
    use std::io::BufRead;
    let dir = with_scenario(TWO_PROVIDERS);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args([
            "sweep",
            "s.toml",
            "-r",
            "1",
            "-j",
            "1",
            "--set",
            "scenario.duration=10s,30d",
            "--csv",
            "-",
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut first_point = Vec::new();
    while first_point.len() < 5 {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.starts_with("two,0,") => first_point.push(line),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        first_point.len(),
        5,
        "the first point's rows: {first_point:?}"
    );
    assert!(
        running,
        "the first point was written only when the sweep ended"
    );
}
