//! `simsms sensitivity`: effects against their closed forms, ranking,
//! determinism across thread counts, and the outputs as users get them.

mod common;

use simsms::runner::Runner;
use simsms::scenario::Settings;
use simsms::sensitivity::{Analysis, Metric, Options, Plan};
use simsms::stats::Estimate;
use std::process::Command;

/// One carrier, one send per session, and two filters: OTP success is
/// (1 - intl) x (1 - spam) in closed form; the price cannot change it.
const WORLD: &str = r#"
[scenario]
name = "filters"
duration = "30m"
seed = 11
replications = 10

[traffic]
rate = "20/s"

[otp]
max_sends = 1

[providers.p]
route = "international"
price = 5.0        # [V]

[routing]
policy = "single"
provider = "p"

[carriers.c]
share = 1.0
intl_filter = 0.02  # [G]
spam_filter = 0.1   # [G]
"#;

fn analyse(only: &[&str], threads: usize) -> Analysis {
    let options = Options {
        by: 0.2,
        metric: Metric::OtpSuccess,
        carrier: None,
        variant: 0,
        only: only.iter().map(|s| s.to_string()).collect(),
    };
    Plan::new(WORLD, "filters.toml", &Settings::default(), options)
        .unwrap()
        .run(&Runner::new(threads))
}

fn assert_within(what: &str, e: &Estimate, expected: f64) {
    common::assert_within(what, e, expected, 10);
}

#[test]
fn effects_match_the_closed_form_and_rank_by_swing() {
    let a = analyse(&["[G]", "providers.p.price"], 2);
    let keys: Vec<&str> = a.effects.iter().map(|e| e.input.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "carriers.c.spam_filter",
            "carriers.c.intl_filter",
            "providers.p.price"
        ]
    );
    let success = |intl: f64, spam: f64| (1.0 - intl) * (1.0 - spam);
    assert_within("base", &a.base, success(0.02, 0.1));
    let spam = &a.effects[0];
    assert_within(
        "spam low",
        &spam.low,
        success(0.02, 0.08) - success(0.02, 0.1),
    );
    assert_within(
        "spam high",
        &spam.high,
        success(0.02, 0.12) - success(0.02, 0.1),
    );
    assert_within(
        "spam swing",
        &spam.swing,
        success(0.02, 0.12) - success(0.02, 0.08),
    );
    let intl = &a.effects[1];
    assert_within(
        "intl swing",
        &intl.swing,
        success(0.024, 0.1) - success(0.016, 0.1),
    );
    assert!(spam.is_clear() && intl.is_clear());
    let price = &a.effects[2];
    assert_eq!(
        (price.swing.value, price.swing.low, price.swing.high),
        (0.0, 0.0, 0.0)
    );
    assert!(!price.is_clear(), "a price cannot change OTP success");
    assert_eq!(a.top(5).len(), 2);
}

#[test]
fn screening_caps_the_scenarios_replications_unless_r_says() {
    let a = analyse(&["carriers.c.spam_filter"], 2);
    assert_eq!((a.replications, a.scenario_replications), (5, 10));
    let header = simsms::sensitivity::render_text(&a);
    assert!(
        header.contains(
            "5 replications per value (the scenario's 10 capped for screening; -r 10 for all)"
        ),
        "{header}"
    );
    let settings = Settings {
        replications: Some(7),
        ..Settings::default()
    };
    let options = Options {
        by: 0.2,
        metric: Metric::OtpSuccess,
        carrier: None,
        variant: 0,
        only: vec!["carriers.c.spam_filter".into()],
    };
    let a = Plan::new(WORLD, "filters.toml", &settings, options)
        .unwrap()
        .run(&Runner::new(2));
    assert_eq!((a.replications, a.scenario_replications), (7, 7));
    assert!(
        simsms::sensitivity::render_text(&a).contains("| 7 replications per value, the same users")
    );
}

#[test]
fn labels_and_keys_select_inputs() {
    let keys = |only: &[&str]| -> Vec<String> {
        analyse(only, 1)
            .effects
            .iter()
            .map(|e| e.input.key.clone())
            .collect()
    };
    assert_eq!(keys(&["[V]"]), ["providers.p.price"]);
    let mut both = keys(&["carriers.c"]);
    both.sort();
    assert_eq!(both, ["carriers.c.intl_filter", "carriers.c.spam_filter"]);
}

fn simsms(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(args)
        .output()
        .expect("simsms runs")
}

#[test]
fn outputs_are_the_same_bytes_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("filters.toml");
    std::fs::write(&file, WORLD).unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2", "3"] {
        let out_of = |ext: &str| dir.path().join(format!("s{threads}.{ext}"));
        let (csv, svg, html) = (out_of("csv"), out_of("svg"), out_of("html"));
        let run = simsms(&[
            "sensitivity",
            file.to_str().unwrap(),
            "-r",
            "4",
            "--only",
            "[G],otp.max_sends",
            "-j",
            threads,
            "--csv",
            csv.to_str().unwrap(),
            "--svg",
            svg.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let stdout = String::from_utf8(run.stdout).unwrap();
        assert!(
            stdout.contains("Top 3: otp.max_sends, carriers.c.spam_filter, carriers.c.intl_filter"),
            "{stdout}"
        );
        // One send cannot go lower; the report says so.
        assert!(
            stdout.contains("otp.max_sends low: 0 is not valid"),
            "{stdout}"
        );
        let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
        outputs.push((stdout, read(&csv), read(&svg), read(&html)));
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]));
    let (_, csv, svg, html) = &outputs[0];
    // One row per input and side, plus the header.
    let inputs = csv.lines().filter(|l| l.contains(",low,")).count();
    assert_eq!(csv.lines().count(), 1 + 2 * inputs);
    assert!(csv.starts_with("scenario,metric,carrier,by,rank,key,labels,line,side,"));
    assert!(svg.starts_with("<svg") && svg.matches("<rect").count() > 4);
    assert!(html.contains("<svg") && html.contains("carriers.c.spam_filter"));
}

#[test]
fn bad_requests_exit_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("filters.toml");
    std::fs::write(&file, WORLD).unwrap();
    let f = file.to_str().unwrap();
    for (args, says) in [
        (vec!["--only", "[Q]"], "selects none of the"),
        (vec!["--by", "0%"], "--by must be between"),
        (vec!["--by", "lots"], "--by expects a percentage"),
        (vec!["--metric", "speed"], "unknown metric \"speed\""),
        (vec!["--carrier", "x"], "has no carrier \"x\""),
        (vec!["--alt", "x"], "x"),
    ] {
        let mut all = vec!["sensitivity", f];
        all.extend(&args);
        let run = simsms(&all);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
